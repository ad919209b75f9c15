//! "Did you mean ...?" for unknown keys.

/// Common names people use for a documented key, checked before spelling.
const ALIASES: &[(&str, &str)] = &[
    ("email", "email_id"),
    ("mail", "email_id"),
    ("email_address", "email_id"),
    ("mobile", "phone"),
    ("mobile_no", "phone"),
    ("phone_number", "phone"),
    ("contact_number", "phone"),
    ("name", "customer_name"),
    ("zip", "pincode"),
    ("zipcode", "pincode"),
    ("pin", "pincode"),
    ("postal_code", "pincode"),
    ("sub_status", "subStatus"),
    ("substatus", "subStatus"),
    ("match_email_phone", "matchEmailPhone"),
    ("phone_email_match", "matchEmailPhone"),
    ("email", "contact_person_email"),
    ("phone", "contact_person_phone"),
    ("mobile", "contact_person_phone"),
    ("name", "contact_person_name"),
    ("date_of_birth", "dob"),
    ("birthday", "dob"),
];

/// The documented key closest to `key`, if one is close enough to be a likely
/// slip: a known alias, the same key in other case, or a small edit distance.
pub fn closest<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = key.to_ascii_lowercase();
    if let Some(&(_, target)) = ALIASES
        .iter()
        .find(|(alias, target)| *alias == lower && candidates.contains(target))
    {
        return candidates.iter().copied().find(|c| *c == target);
    }
    let normalised = |s: &str| s.to_ascii_lowercase().replace(['-', ' '], "_");
    let wanted = normalised(key);
    candidates
        .iter()
        .copied()
        .map(|c| (distance(&wanted, &normalised(c)), c))
        .filter(|(d, c)| *d <= (c.len().max(key.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance with adjacent transpositions counted as one edit:
/// the one measure of "close" for keys and headers alike.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const CUSTOMER: &[&str] = &["customer_name", "phone", "email_id", "pincode", "city"];
    const CONTACT: &[&str] = &["first_name", "contact_person_email", "matchEmailPhone"];

    #[test]
    fn aliases_and_spelling() {
        assert_eq!(closest("email", CUSTOMER), Some("email_id"));
        assert_eq!(closest("Email", CUSTOMER), Some("email_id"));
        assert_eq!(closest("mobile", CUSTOMER), Some("phone"));
        assert_eq!(closest("custmer_name", CUSTOMER), Some("customer_name"));
        assert_eq!(closest("ciyt", CUSTOMER), Some("city"));
        assert_eq!(closest("pin_code", CUSTOMER), Some("pincode"));
        assert_eq!(closest("email", CONTACT), Some("contact_person_email"));
        assert_eq!(closest("matchemailphone", CONTACT), Some("matchEmailPhone"));
        assert_eq!(closest("firstname", CONTACT), Some("first_name"));
    }

    #[test]
    fn nothing_close() {
        assert_eq!(closest("favourite_colour", CUSTOMER), None);
        assert_eq!(closest("xyz", CUSTOMER), None);
    }
}
