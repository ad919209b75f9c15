//! One call of the core, converted from Python and not yet sent, and what
//! it gives back: each method's sync and async forms share it
//! (`NativeClient::call`, `call_async`), so they differ only in how they
//! wait.

use kapture_crm::{
    AddCustomerRequest, AddCustomerResponse, CheckedRequest, Client, Customer, CustomerLookup,
    Error, MatchOn, RequestOptions, Upserted, blocking,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::aio;
use crate::convert;
use crate::error::{IntoPyResult, exception};

/// An awaitable's outcome: the reply as a dict (or the conversion's
/// error), or the call's exception.
pub(crate) fn reply_object<'py>(
    py: Python<'py>,
    result: Result<PyResult<Bound<'py, PyAny>>, Error>,
) -> aio::Delivery {
    match result {
        Ok(converted) => converted
            .map(Bound::unbind)
            .map_err(|e| e.into_value(py).into_any()),
        Err(error) => Err(exception(py, &error).unbind()),
    }
}

/// One call of the core, converted from Python and not yet sent: each
/// method's sync and async forms share it (`NativeClient::call`,
/// `call_async`), so they differ only in how they wait.
pub(crate) enum Call {
    /// An add, or an update (a checked request with its customer id set):
    /// converted and checked once, sent as it is.
    Send(Box<CheckedRequest>),
    Find(CustomerLookup),
    /// Add or update by the match key (a request checked once).
    Upsert(Box<AddCustomerRequest>, MatchOn),
}

/// What a call gives back.
pub(crate) enum Answer {
    Reply(AddCustomerResponse),
    Found(Option<Box<Customer>>),
    Upserted(Box<Upserted>),
}

impl Call {
    pub(crate) fn add(request: &Bound<'_, PyAny>) -> PyResult<Call> {
        Ok(Call::Send(Box::new(
            convert::request(request).into_py_result()?,
        )))
    }

    pub(crate) fn update(
        customer_id: &Bound<'_, PyAny>,
        request: &Bound<'_, PyAny>,
    ) -> PyResult<Call> {
        let id = convert::customer_id(customer_id).into_py_result()?;
        Ok(Call::Send(Box::new(
            convert::update(request, &id).into_py_result()?,
        )))
    }

    /// `match_on` is checked by the core's rule (`phone` or `email`).
    pub(crate) fn upsert(request: &Bound<'_, PyAny>, match_on: &str) -> PyResult<Call> {
        let on = MatchOn::parse("match", match_on).into_py_result()?;
        let request = convert::request(request).into_py_result()?.into_request();
        Ok(Call::Upsert(Box::new(request), on))
    }

    pub(crate) fn find(
        customer_id: Option<&Bound<'_, PyAny>>,
        phone: Option<&Bound<'_, PyAny>>,
        email: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Call> {
        // Validated by the core's `find_customer`, before any I/O.
        Ok(Call::Find(
            convert::lookup(customer_id, phone, email).into_py_result()?,
        ))
    }

    pub(crate) fn blocking(
        self,
        client: &blocking::Client,
        options: &RequestOptions,
    ) -> Result<Answer, Error> {
        match self {
            Call::Send(request) => client
                .send_checked_with(&request, options)
                .map(Answer::Reply),
            Call::Find(lookup) => client
                .find_customer_with(&lookup, options)
                .map(|found| Answer::Found(found.map(Box::new))),
            Call::Upsert(request, on) => client
                .upsert_customer_with(&request, on, options)
                .map(|done| Answer::Upserted(Box::new(done))),
        }
    }

    pub(crate) async fn send(
        self,
        client: &Client,
        options: &RequestOptions,
    ) -> Result<Answer, Error> {
        match self {
            Call::Send(request) => client
                .send_checked_with(&request, options)
                .await
                .map(Answer::Reply),
            Call::Find(lookup) => client
                .find_customer_with(&lookup, options)
                .await
                .map(|found| Answer::Found(found.map(Box::new))),
            Call::Upsert(request, on) => client
                .upsert_customer_with(&request, on, options)
                .await
                .map(|done| Answer::Upserted(Box::new(done))),
        }
    }
}

impl Answer {
    /// The reply as a dict, the customer as a dict, or None.
    pub(crate) fn to_python<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Answer::Reply(reply) => crate::reply::to_python(py, reply),
            Answer::Found(Some(customer)) => {
                Ok(convert::object_to_python(py, customer.as_json())?.into_any())
            }
            Answer::Found(None) => Ok(py.None().into_bound(py)),
            Answer::Upserted(done) => upserted_to_python(py, done),
        }
    }
}

/// `{"action": "added" | "updated", "customer_id": ..., "response": {...}}`.
/// A record `reconcile` found added: `{"found_by", "customer_id"}`.
pub(crate) fn found_to_python<'py>(
    py: Python<'py>,
    found: &kapture_crm::resume::reconcile::Found,
) -> PyResult<Bound<'py, PyAny>> {
    let out = PyDict::new(py);
    out.set_item("found_by", found.by.as_str())?;
    out.set_item("customer_id", found.customer_id)?;
    Ok(out.into_any())
}

pub(crate) fn upserted_to_python<'py>(
    py: Python<'py>,
    done: &Upserted,
) -> PyResult<Bound<'py, PyAny>> {
    let out = PyDict::new(py);
    out.set_item("action", done.action.as_str())?;
    out.set_item("customer_id", done.customer_id)?;
    out.set_item("response", crate::reply::to_python(py, &done.response)?)?;
    Ok(out.into_any())
}
