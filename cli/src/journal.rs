//! The import journal (`kapture_crm::journal`: one per file and CRM,
//! append-only, crash-safe) under the name the CLI's modules use.

pub use kapture_crm::journal::*;
