//! A synchronous client for code without an async runtime: the async
//! [`crate::Client`] driven by a small runtime of its own.

use serde_json::Value;

use crate::config::ClientBuilder;
use crate::error::Error;
use crate::model::AddCustomerRequest;
use crate::response::AddCustomerResponse;

/// The blocking twin of [`crate::Client`]. Do not call it from inside an
/// async runtime (it returns a [`Error::Config`] there instead of blocking
/// the runtime's thread).
#[derive(Debug)]
pub struct Client {
    inner: crate::Client,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    /// Builds the client from a configured builder.
    pub fn new(builder: ClientBuilder) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start the I/O runtime: {e}")))?;
        // Built inside the runtime so its connection pool belongs to it.
        let inner = runtime.block_on(async { builder.build() })?;
        Ok(Self { inner, runtime })
    }

    /// A blocking client from `KAPTURE_TOKEN` and `KAPTURE_SUBDOMAIN` or
    /// `KAPTURE_BASE_URL`.
    pub fn from_env() -> Result<Self, Error> {
        Self::new(ClientBuilder::from_env())
    }

    pub fn add_customer(&self, request: &AddCustomerRequest) -> Result<AddCustomerResponse, Error> {
        self.block_on(self.inner.add_customer(request))
    }

    pub fn add_customer_json(&self, request: &Value) -> Result<AddCustomerResponse, Error> {
        self.block_on(self.inner.add_customer_json(request))
    }

    /// Update Customer by Kapture's customer id.
    pub fn update_customer(
        &self,
        customer_id: &str,
        request: &AddCustomerRequest,
    ) -> Result<AddCustomerResponse, Error> {
        self.block_on(self.inner.update_customer(customer_id, request))
    }

    /// Get Customer; `Ok(None)` when there is no such customer.
    pub fn find_customer(
        &self,
        lookup: &crate::CustomerLookup,
    ) -> Result<Option<crate::Customer>, Error> {
        self.block_on(self.inner.find_customer(lookup))
    }

    fn block_on<T>(&self, work: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Config(
                "the blocking client was called from inside an async runtime; use \
                 kapture_crm::Client and .await instead"
                    .into(),
            ));
        }
        self.runtime.block_on(work)
    }
}
