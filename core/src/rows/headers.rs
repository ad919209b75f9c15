//! Which field a spreadsheet header fills.
//!
//! In order, a header (after a rename from the `columns` option) is:
//! 1. a dotted path whose first part is a section: `contact_info.0.first_name`,
//!    `enquiry_info.remarks`, `customer_info.additional_fields.budget`;
//! 2. a field name, compared ignoring case, spaces, underscores, hyphens and
//!    dots ("Customer Name" = `customer_name`): a `customer_info` field first,
//!    then a field only `contact_info` has (to the first contact:
//!    "DOB" = `contact_info.0.dob`), then one only `enquiry_info` has
//!    ("Next Follow Up Date" = `enquiry_info.next_follow_up_date`);
//! 3. one of the [`ALIASES`] ("Mobile No" = `phone`).
//!
//! Anything else is refused, with the closest names as hints, before a row
//! is read.

use crate::error::FieldError;
use crate::fields::field_names;
use crate::suggest::{closest, distance};

use crate::fields::SECTIONS;

/// Common spreadsheet headers for documented fields, compared the same way
/// as field names (so "Mobile No.", "mobile_no" and "MOBILE-NO" are one).
pub const ALIASES: &[(&str, &str)] = &[
    ("mobile", "customer_info.phone"),
    ("mobile no", "customer_info.phone"),
    ("mobile number", "customer_info.phone"),
    ("phone no", "customer_info.phone"),
    ("phone number", "customer_info.phone"),
    ("contact number", "customer_info.phone"),
    ("email", "customer_info.email_id"),
    ("email address", "customer_info.email_id"),
    ("name", "customer_info.customer_name"),
    ("full name", "customer_info.customer_name"),
    ("customer", "customer_info.customer_name"),
    ("client name", "customer_info.customer_name"),
    ("whatsapp", "customer_info.phone"),
    ("whatsapp no", "customer_info.phone"),
    ("whatsapp number", "customer_info.phone"),
    ("mobile phone", "customer_info.phone"),
    ("cell phone", "customer_info.phone"),
    ("phone", "customer_info.phone"),
    ("email id", "customer_info.email_id"),
    ("e mail", "customer_info.email_id"),
    ("mail id", "customer_info.email_id"),
    ("pin", "customer_info.pincode"),
    ("zip", "customer_info.pincode"),
    ("zip code", "customer_info.pincode"),
    ("postal code", "customer_info.pincode"),
    ("date of birth", "contact_info.0.dob"),
    ("birth date", "contact_info.0.dob"),
];

/// One part of a field's path in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Where a column goes in the request.
#[derive(Debug, Clone)]
pub struct Column {
    /// The header as the file has it.
    pub header: String,
    pub path: Vec<Segment>,
    /// Section and field (`contact_info`, `dob`): how its cells convert.
    pub section: &'static str,
    pub field: String,
}

impl Column {
    /// The dotted path it fills: `customer_info.phone`, `contact_info.0.dob`.
    pub fn target(&self) -> String {
        self.path
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => key.clone(),
                Segment::Index(index) => index.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The same path as validation errors write it: `contact_info[0].dob`.
    pub fn error_path(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            match segment {
                Segment::Key(key) if out.is_empty() => out.push_str(key),
                Segment::Key(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                Segment::Index(index) => out.push_str(&format!("[{index}]")),
            }
        }
        out
    }
}

/// Serial-number columns (`Sr No`, `S.No`, `Sl. No.`, `Serial No`, `#`),
/// compared as field names are: not data, skipped.
const SERIAL_NUMBERS: [&str; 8] = [
    "srno",
    "sno",
    "slno",
    "serialno",
    "serialnumber",
    "srnumber",
    "sn",
    "no",
];

/// True for a serial-number column's header.
pub fn is_serial_number(header: &str) -> bool {
    let header = super::trim(header);
    header == "#" || SERIAL_NUMBERS.contains(&normalise(header).as_str())
}

/// Lower case, with spaces, underscores, hyphens, dots and no-break spaces
/// removed.
pub fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The columns of a header row: `None` for a column that is not data (no
/// header, or one of `ignore`). Every problem is reported at once, each with
/// the header as its path.
pub fn columns(
    headers: &[String],
    renames: &[(String, String)],
    ignore: &[String],
) -> Result<Vec<Option<Column>>, Vec<FieldError>> {
    let mut problems = Vec::new();
    // A rename names a header as the file has it, or compared like field
    // names ("mobile no" renames "Mobile No").
    let renamed_by = |header: &str| {
        let header = super::trim(header);
        renames
            .iter()
            .find(|(from, _)| super::trim(from) == header)
            .or_else(|| {
                renames
                    .iter()
                    .find(|(from, _)| normalise(from) == normalise(header))
            })
    };
    for (from, _) in renames {
        if !headers
            .iter()
            .any(|h| renamed_by(h).is_some_and(|(f, _)| f == from))
        {
            let hint = closest(
                from,
                &headers.iter().map(String::as_str).collect::<Vec<_>>(),
            )
            .map(|h| format!("; did you mean {h:?}?"))
            .unwrap_or_default();
            problems.push(FieldError::new(
                from.clone(),
                format!("is renamed in `columns`, but no column has that header{hint}"),
            ));
        }
    }
    let columns: Vec<Option<Column>> = headers
        .iter()
        .map(|header| {
            let trimmed = super::trim(header);
            let renamed = renamed_by(header);
            let name = renamed.map_or(trimmed, |(_, to)| super::trim(to));
            if trimmed.is_empty()
                || (renamed.is_none()
                    && (is_serial_number(trimmed)
                        || ignore.iter().any(|i| i.eq_ignore_ascii_case(trimmed))))
            {
                return None;
            }
            match resolve(name) {
                Ok((path, section, field)) => Some(Column {
                    header: header.clone(),
                    path,
                    section,
                    field,
                }),
                Err(problem) => {
                    let problem = match renamed {
                        Some((_, to)) => format!("renamed to {to:?}, which {problem}"),
                        None => problem,
                    };
                    problems.push(FieldError::new(header.clone(), problem));
                    None
                }
            }
        })
        .collect();
    // Two columns filling one field: the last would silently win.
    let mut filled: Vec<(String, &str)> = Vec::new();
    for column in columns.iter().flatten() {
        let target = column.target();
        match filled.iter().find(|(t, _)| *t == target) {
            Some((_, first)) => problems.push(FieldError::new(
                column.header.clone(),
                format!(
                    "columns {first:?} and {:?} both fill {target}; keep one (or rename one)",
                    column.header
                ),
            )),
            None => filled.push((target, &column.header)),
        }
    }
    if problems.is_empty() {
        Ok(columns)
    } else {
        Err(problems)
    }
}

type Resolved = (Vec<Segment>, &'static str, String);

/// The field a header (or a rename's target) names; `Err` is "matches no
/// documented field; ..." style text.
pub fn resolve(name: &str) -> Result<Resolved, String> {
    let parts: Vec<&str> = name.split('.').collect();
    if let Some(section) = section_named(parts[0]) {
        if parts.len() > 1 {
            return path(section, &parts[1..], name);
        }
        return Err(format!("names the section {section}, not a field"));
    }
    let wanted = normalise(name);
    if !wanted.is_empty() {
        for section in SECTIONS {
            // A field of a later section only when no earlier one has it.
            if let Some(field) = field_names(section)
                .into_iter()
                .find(|f| normalise(f) == wanted)
            {
                return Ok(place(section, field, &[]));
            }
        }
        if let Some((_, target)) = ALIASES.iter().find(|(alias, _)| normalise(alias) == wanted) {
            return resolve(target);
        }
    }
    Err(format!("matches no documented field{}", hint(name)))
}

/// The section a path's first part names, compared like field names.
fn section_named(part: &str) -> Option<&'static str> {
    let wanted = normalise(part);
    SECTIONS.into_iter().find(|s| normalise(s) == wanted)
}

/// A dotted path inside `section`.
fn path(section: &'static str, rest: &[&str], name: &str) -> Result<Resolved, String> {
    let mut rest = rest;
    let mut index = None;
    if section == "contact_info" {
        index = Some(
            rest.first()
                .and_then(|i| i.trim().parse::<usize>().ok())
                .ok_or("needs a contact index: contact_info.0.first_name")?,
        );
        rest = &rest[1..];
    }
    let Some((field, inner)) = rest.split_first() else {
        return Err(format!("{name} names a contact, not a field"));
    };
    let wanted = normalise(field);
    let Some(found) = field_names(section)
        .into_iter()
        .find(|f| normalise(f) == wanted)
    else {
        let names = field_names(section);
        let hint = closest(field, &names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(format!(
            "`{field}` is not a documented field of {section}{hint}"
        ));
    };
    if !inner.is_empty() && !crate::fields::is_object_field(section, found) {
        return Err(format!("{section}.{found} has no sub-fields"));
    }
    let mut resolved = place(section, found, inner);
    if let Some(index) = index {
        resolved.0[1] = Segment::Index(index);
    }
    Ok(resolved)
}

/// The path of `field` of `section`: contacts go to the first contact.
fn place(section: &'static str, field: &str, inner: &[&str]) -> Resolved {
    let mut path = vec![Segment::Key(section.into())];
    if section == "contact_info" {
        path.push(Segment::Index(0));
    }
    path.push(Segment::Key(field.into()));
    path.extend(inner.iter().map(|k| Segment::Key((*k).to_string())));
    (path, section, field.into())
}

/// "; closest: `customer_name`, `customer_code`" from every field, section
/// and alias, by spelling.
fn hint(name: &str) -> String {
    // (what is compared, what is shown)
    let mut candidates: Vec<(String, String)> = Vec::new();
    for section in SECTIONS {
        candidates.push((normalise(section), section.to_string()));
        for field in field_names(section) {
            let shown = match section {
                "customer_info" => field.to_string(),
                "contact_info" => format!("contact_info.0.{field}"),
                _ => format!("enquiry_info.{field}"),
            };
            candidates.push((normalise(field), shown));
        }
    }
    for (alias, target) in ALIASES {
        let shown = target.strip_prefix("customer_info.").unwrap_or(target);
        candidates.push((normalise(alias), shown.to_string()));
    }
    let wanted = normalise(name);
    // A name inside the header ("Customer Full Name" holds "full name")
    // ranks first; then by edit distance.
    let mut scored: Vec<(usize, String)> = candidates
        .into_iter()
        .map(|(compared, shown)| {
            let inside =
                compared.len() >= 4 && (wanted.contains(&compared) || compared.contains(&wanted));
            let d = if inside {
                0
            } else {
                distance(&wanted, &compared)
            };
            (d, shown)
        })
        .collect();
    scored.sort();
    let mut close: Vec<String> = Vec::new();
    for (_, shown) in scored {
        let shown = format!("`{shown}`");
        if !close.contains(&shown) && close.len() < 3 {
            close.push(shown);
        }
    }
    format!(
        "; closest: {} (custom fields go in customer_info.additional_fields.<name>; a \
         column that is not data can be skipped)",
        close.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str) -> String {
        let (path, section, field) = resolve(name).unwrap();
        let column = Column {
            header: name.into(),
            path,
            section,
            field,
        };
        column.target()
    }

    #[test]
    fn headers_match_ignoring_case_spaces_underscores_and_hyphens() {
        assert_eq!(target("Customer Name"), "customer_info.customer_name");
        assert_eq!(target("EMAIL_ID"), "customer_info.email_id");
        assert_eq!(target("Mobile No."), "customer_info.phone");
        assert_eq!(target("E-mail"), "customer_info.email_id");
        assert_eq!(target("Pin Code"), "customer_info.pincode");
        assert_eq!(target("Date of Birth"), "contact_info.0.dob");
        assert_eq!(target("dob"), "contact_info.0.dob");
        assert_eq!(
            target("Next Follow-Up Date"),
            "enquiry_info.next_follow_up_date"
        );
        assert_eq!(target("Sub Status"), "enquiry_info.subStatus");
        assert_eq!(target("Remarks"), "customer_info.remarks");
        assert_eq!(
            target("contact_info.1.First Name"),
            "contact_info.1.first_name"
        );
        assert_eq!(
            target("customer_info.additional_fields.budget"),
            "customer_info.additional_fields.budget"
        );
    }

    #[test]
    fn unknown_headers_get_the_closest_names() {
        let err = resolve("Custmer Name").unwrap_err();
        assert!(err.contains("`customer_name`"), "{err}");
        let err = resolve("contact_info.first_name").unwrap_err();
        assert!(err.contains("contact index"), "{err}");
        let err = resolve("Favourite Colour").unwrap_err();
        assert!(err.contains("additional_fields"), "{err}");
    }
}
