//! An error as every front end shows it: one report, built here, that the
//! CLI's JSON, Node's error properties and Python's exception attributes
//! only rename. Nothing in it is computed by a front end.

use serde::Serialize;

use crate::error::{Error, FieldError};

/// What an [`Error`] says, field by field. A field that does not apply to
/// the error's kind is `None` (a front end leaves it out, or sets its
/// language's null where its API always carries it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorReport {
    /// The class a front end raises (`Error::class()`).
    pub class: &'static str,
    /// What failed (`Error::code()`).
    pub code: &'static str,
    /// The whole message, as `Display` writes it.
    pub text: String,
    pub outcome_unknown: bool,
    /// The HTTP status, when there was a reply.
    pub status: Option<u16>,
    /// The reply's body (scrubbed and cut), when there was one.
    pub body: Option<String>,
    /// Every problem, for a validation error.
    pub problems: Option<Vec<FieldError>>,
    /// For a rate-limit error: the `Retry-After` seconds, if the server
    /// sent any (`Some(None)`: it sent none).
    pub retry_after: Option<Option<f64>>,
    /// For an API refusal: the ids a "Lead already exists, Customer ID :N,
    /// Contact ID : M" message names.
    pub existing: Option<ExistingIds>,
    /// The vendor's own words for a reply (not for a timeout, a connection
    /// or a configuration error, whose text is the whole story).
    pub vendor_message: Option<String>,
    /// The error's cause: the vendor's words, or the transport's own.
    pub cause: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExistingIds {
    pub customer_id: Option<u64>,
    pub contact_id: Option<u64>,
}

impl Error {
    /// The report every front end renders.
    pub fn report(&self) -> ErrorReport {
        ErrorReport {
            class: self.class(),
            code: self.code(),
            text: self.to_string(),
            outcome_unknown: self.outcome_unknown(),
            status: self.status(),
            body: self.body().map(str::to_string),
            problems: match self {
                Error::Validation(problems) => Some(problems.clone()),
                _ => None,
            },
            retry_after: match self {
                Error::RateLimited { retry_after, .. } => {
                    Some(retry_after.map(|d| d.as_secs_f64()))
                }
                _ => None,
            },
            existing: matches!(self, Error::Api { .. }).then(|| ExistingIds {
                customer_id: self.existing_customer_id(),
                contact_id: self.existing_contact_id(),
            }),
            vendor_message: match self {
                Error::Timeout { .. } | Error::Connection { .. } | Error::Config(_) => None,
                _ => self.detail().map(str::to_string),
            },
            cause: self.detail().map(str::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_carries_what_applies_to_its_kind() {
        let refused = crate::Error::Validation(vec![FieldError::new("customer_info.phone", "bad")]);
        let report = refused.report();
        assert_eq!((report.class, report.code), ("validation", "validation"));
        assert_eq!(report.problems.as_ref().map(Vec::len), Some(1));
        assert_eq!((report.retry_after, report.existing), (None, None));
        let timeout = crate::Error::Timeout {
            message: "no reply".into(),
            outcome_unknown: true,
        };
        let report = timeout.report();
        assert!(report.outcome_unknown && report.vendor_message.is_none());
        assert_eq!(report.cause.as_deref(), Some("no reply"));
    }
}
