//! The core's dialect sniffing (`kapture_crm::rows::dialect`) under the
//! name the CLI's modules use.

pub use kapture_crm::rows::dialect::*;
