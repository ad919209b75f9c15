//! Resume's check: every row the journal knows is unchanged in the file.

use crate::journal::Past;
use crate::problem::Problem;
use crate::refused;

/// Checks, before anything is sent, that every row the journal knows is
/// unchanged in the file (its rows' `hashes`, read from `name`, by row
/// number): hashes compared, no row mapped or validated.
pub(crate) fn verify(
    past: &Past,
    hashes: &[Option<u64>],
    name: &std::path::Path,
    journal_path: &std::path::Path,
) -> Result<(), Problem> {
    for (index, hash) in hashes.iter().enumerate() {
        let number = index as u64 + 1;
        if let (Some(hash), Some((journaled, _))) = (hash, past.get(number))
            && *hash != journaled
        {
            return Err(refused!(
                "row {number} of {} changed since its journal was written; refusing to resume \
                 (nothing was sent). Restore the file, or move {} away to start over.",
                name.display(),
                journal_path.display()
            ));
        }
    }
    if past.get(hashes.len() as u64 + 1).is_some() {
        return Err(refused!(
            "{} has fewer rows than its journal records; refusing to resume (nothing was sent).",
            name.display()
        ));
    }
    Ok(())
}
