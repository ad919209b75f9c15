//! What an import is asked to do: the input, how to read it, where to send.

use std::path::PathBuf;

use kapture_crm::bulk::BulkOptions;
use kapture_crm::rows::RowOptions;

use crate::dialect::Dialect;
use crate::problem::Problem;
use crate::rows::{Format, Rows};

pub struct Options {
    pub input: PathBuf,
    pub format: Format,
    /// Encoding, delimiter and line endings of the input (and so of the
    /// failures file).
    pub dialect: Dialect,
    /// Renames and the date format of CSV rows (the core's row mapper).
    pub rows: RowOptions,
    /// The country code assumed for phones without one, when comparing
    /// phones for duplicates.
    pub country_code: String,
    /// Checked by the core (`BulkOptions::new`).
    pub bulk: BulkOptions,
    pub dry_run: bool,
    pub resume: bool,
    pub retry_unknown: bool,
    pub allow_duplicates: bool,
    /// After sending, look up the rows whose outcome is unknown and send
    /// again only those Kapture does not have (`reconcile`).
    pub reconcile: bool,
    /// Seconds between progress lines on stderr (0: none).
    pub progress_every: f64,
    /// Where the journal goes (default: next to the input). A run against an
    /// in-process sandbox keeps it in a temporary file removed afterwards:
    /// the sandbox's customers die with the process, so must its journal.
    pub journal: Option<PathBuf>,
    /// The settings of the client the rows go to (also in a dry run, when
    /// credentials were given): which CRM, so which journal.
    pub crm: Option<kapture_crm::config::Config>,
    /// Where the locked input is read from (set by [`run`]): the file
    /// locked, even if its name is given to another file meanwhile.
    pub source: Option<PathBuf>,
}

impl Options {
    /// The input's rows, read in its dialect through the row mapper.
    pub(crate) fn open_rows(&self) -> Result<Rows, Problem> {
        let source = self.source.as_deref().unwrap_or(&self.input);
        Rows::open_as(
            source,
            &self.input.display().to_string(),
            self.format,
            &self.dialect,
            &self.rows,
        )
        .map_err(Problem::Input)
    }
}
