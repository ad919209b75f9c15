//! Where a journal lives: beside the file it is for, named by the file,
//! the sheet (a workbook's) and the CRM.

use std::path::{Path, PathBuf};

use super::destination::Destination;

/// The journal of the file at `base` (its path with links resolved), or of
/// one sheet of it (`sheet`), for one CRM:
/// `customers.csv.acme.kapturecrm.com.kapture-journal`,
/// `customers.xlsx.Customers.acme.kapturecrm.com.kapture-journal`.
pub fn path_for(base: &Path, sheet: Option<&str>, destination: &Destination) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    if let Some(sheet) = sheet {
        name.push(".");
        name.push(file_part(sheet));
    }
    name.push(".");
    name.push(destination.file_part());
    name.push(".kapture-journal");
    PathBuf::from(name)
}

/// A sheet's name as part of a file name: path separators and control
/// characters as `_`.
pub fn file_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// Where kapture before journals named their CRM kept one.
pub fn legacy_path_for(base: &Path) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    name.push(".kapture-journal");
    PathBuf::from(name)
}
