//! Client for the Kapture CRM Add Customer API.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kapture_crm::Error> {
//! use kapture_crm::{AddCustomerRequest, Client};
//!
//! let client = Client::builder().token("your-token").subdomain("acme").build()?;
//! let reply = client
//!     .add_customer(&AddCustomerRequest::with_phone("ABC", "9380491387"))
//!     .await?;
//! println!("customer {:?}", reply.customer_id());
//! # Ok(()) }
//! ```
//!
//! Requests are validated before any I/O ([`validate`]); untyped JSON goes
//! through [`AddCustomerRequest::from_json`], which reports every problem with
//! its field path. Only failures that cannot have reached the vendor are
//! retried, so a retry never creates a second customer.

pub mod blocking;
pub mod bulk;
mod client;
pub mod config;
pub mod endpoint;
mod error;
pub mod formats;
#[doc(hidden)]
pub mod fuzzing;
mod model;
pub mod parse;
pub mod response;
pub mod retry;
pub mod rows;
pub mod settings;
mod suggest;
pub mod validate;

pub use client::Client;
pub use config::ClientBuilder;
pub use error::{ERROR_CODES, Error, FieldError, panic_text};
pub use model::{AddCustomerRequest, ContactInfo, CustomerInfo, EnquiryInfo, JsonObject};
pub use response::AddCustomerResponse;
pub use retry::Backoff;
pub use settings::ClientSettings;
