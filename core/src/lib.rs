#![doc = include_str!("../README.md")]

/// The repository's README: its Rust blocks compile and run as doc tests
/// (tests/readme/snippets.py runs the Python and JavaScript ones).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct RepositoryReadme;

mod attempt_log;
mod auth;
pub mod blocking;
pub mod bulk;
mod client;
pub mod client_settings;
pub mod config;
pub mod depth;
pub mod endpoint;
mod error;
mod error_report;
mod fast;
mod fields;
pub mod formats;
#[doc(hidden)]
pub mod fuzzing;
pub mod journal;
pub mod log;
pub mod lookup;
mod model;
mod nested_runtime;
pub mod options;
pub mod parse;
pub mod rate;
pub mod response;
pub mod resume;
pub mod retry;
pub mod rows;
pub mod runtime;
pub mod secrets;
mod server_text;
pub mod settings;
mod stale;
mod suggest;
pub mod sync;
mod text;
mod tls;
mod transport;
pub mod upsert;
pub mod validate;
pub use validate::CheckedRequest;

pub use client::Client;
pub use client_settings::ClientSettings;
pub use config::ClientBuilder;
pub use error::{
    BLANK_ROW_CODE, ERROR_CLASSES, ERROR_CODES, Error, FieldError, OUTCOME_UNKNOWN_CLASS,
    panic_text,
};
pub use error_report::{ErrorReport, ExistingIds};
pub use lookup::{Customer, CustomerContact, CustomerLookup};
pub use model::{AddCustomerRequest, ContactInfo, CustomerInfo, EnquiryInfo, JsonObject};
pub use options::{CancelToken, RequestOptions};
pub use response::AddCustomerResponse;
pub use retry::Backoff;
pub use upsert::{MatchOn, UpsertAction, Upserted};
