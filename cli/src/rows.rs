//! The core's file reader (`kapture_crm::rows::file`: CSV in every dialect
//! it reads, JSON lines) under the names the CLI's modules use.

pub use kapture_crm::rows::file::*;
pub use kapture_crm::rows::scan::*;
