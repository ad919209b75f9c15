//! Which CRM a journal belongs to (`kapture_crm::journal::destination`),
//! under the name the CLI uses.

pub use kapture_crm::journal::destination::*;
