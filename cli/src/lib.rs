//! The library behind the `kapture` command: reading rows, the journal, the
//! import. A library so that tests and fuzz targets reach each part.

pub mod args;
pub mod commands;
pub mod destination;
pub mod dialect;
pub mod failures;
pub mod failures_import;
#[doc(hidden)]
pub mod fuzzing;
pub mod identity;
pub mod import;
pub mod journal;
pub mod journal_place;
pub mod lock;
pub mod logging;
pub mod output;
pub mod own_files;
pub mod problem;
pub mod progress;
pub mod rows;
pub mod seen;
pub mod summary;
pub mod target;
