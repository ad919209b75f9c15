//! Resume's check: every row the journal knows is unchanged in the file.

use crate::journal::Past;
use crate::rows::Rows;

/// Checks, before anything is sent, that every row the journal knows is
/// unchanged in the file (`rows`, read from `name`); returns every row's
/// hash.
pub(crate) fn verify(
    past: &Past,
    rows: Rows,
    name: &std::path::Path,
    journal_path: &std::path::Path,
) -> Result<Vec<Option<u64>>, String> {
    let mut hashes = Vec::new();
    let mut last = 0;
    for row in rows {
        let row = row?;
        last = row.number;
        let index = usize::try_from(row.number)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        if hashes.len() <= index && index < hashes.len() + (1 << 20) {
            hashes.resize(index + 1, None);
        }
        if let Some(slot) = hashes.get_mut(index) {
            *slot = Some(row.hash);
        }
        if let Some((hash, _)) = past.get(row.number)
            && hash != row.hash
        {
            return Err(format!(
                "row {} of {} changed since its journal was written; refusing to resume \
                 (nothing was sent). Restore the file, or move {} away to start over.",
                row.number,
                name.display(),
                journal_path.display()
            ));
        }
    }
    if past.get(last + 1).is_some() {
        return Err(format!(
            "{} has fewer rows than its journal records; refusing to resume (nothing was sent).",
            name.display()
        ));
    }
    Ok(hashes)
}
