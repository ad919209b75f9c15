//! The core's way of writing only our own files
//! (`kapture_crm::journal::own_files`) under the name the CLI uses.

pub use kapture_crm::journal::own_files::*;
