//! Entry points of the CLI's fuzz targets in `fuzz/` (run by
//! `scripts/fuzz`), also replayed over the committed corpus by `cargo test`
//! on stable. Not API: each takes arbitrary bytes; none may panic.

use std::io::Cursor;

use kapture_crm::rows::RowOptions;

use crate::dialect::Dialect;
use crate::journal;
use crate::rows::{Format, Rows};

/// A CSV (`csv`) or JSON-lines file into rows and requests.
pub fn rows(data: &[u8], format: Format) {
    let source = Box::new(Cursor::new(data.to_vec()));
    // The dialect is told from the bytes as an import would.
    let Ok(dialect) = Dialect::from_sample(data, None, None) else {
        return;
    };
    let Ok(rows) = Rows::from_reader(source, "fuzz", format, &dialect, &RowOptions::default())
    else {
        return;
    };
    for row in rows.take(10_000) {
        let Ok(row) = row else { continue };
        if let Ok(request) = row.request {
            let _ = serde_json::to_value(&request);
        }
    }
}

/// A journal file, as resume reads it.
pub fn journal(data: &[u8]) {
    let _ = journal::read(Cursor::new(data));
}
