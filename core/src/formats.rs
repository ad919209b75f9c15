//! Syntax of the values the vendor expects: email addresses, phone numbers and
//! dates. The vendor does not publish its date format; the accepted formats
//! live in [`DOB_FORMATS`] and [`FOLLOW_UP_FORMATS`] so they are easy to change.

/// Accepted layouts for `contact_info[].dob`.
pub const DOB_FORMATS: &[&str] = &["YYYY-MM-DD"];
/// Accepted layouts for `enquiry_info.next_follow_up_date`.
pub const FOLLOW_UP_FORMATS: &[&str] = &["YYYY-MM-DD", "YYYY-MM-DD hh:mm:ss"];

/// Fewest and most digits a phone number may hold (E.164 allows 15).
pub const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 6..=15;

/// `local@domain.tld`, one `@`, no spaces, a dot inside the domain.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let no_space = |s: &str| !s.chars().any(|c| c.is_whitespace() || c == '@');
    !local.is_empty()
        && no_space(local)
        && no_space(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// Digits with an optional leading `+`, and spaces, dashes or brackets
/// between them; [`PHONE_DIGITS`] digits in all.
pub fn is_phone(value: &str) -> bool {
    let rest = value.trim().strip_prefix('+').unwrap_or(value.trim());
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')');
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    rest.chars().all(allowed) && PHONE_DIGITS.contains(&digits)
}

/// True for a number in exponent form (`4.11E+05`, `9.38e9`): how a
/// spreadsheet shows a long number, with digits already lost. Refused in
/// phone and pincode fields; elsewhere (`12E45` as a customer code) it is
/// just text.
pub fn is_exponent_number(value: &str) -> bool {
    let value = value.trim();
    let Some((mantissa, exponent)) = value.split_once(['e', 'E']) else {
        return false;
    };
    let mantissa = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// The country code assumed for a phone written without one (the vendor's
/// examples are Indian numbers).
pub const DEFAULT_COUNTRY_CODE: &str = "91";

/// A phone's national number, to tell whether two phones are one:
/// `+91 98450 12345`, `0091 98450 12345`, `098450 12345` and `9845012345`
/// are all `9845012345` when `country_code` is 91. A number with another
/// country's code keeps it, after a `+` (`+1 415 555 0100` is `+14155550100`).
/// Digits that start with the country code but no `+` (`919845012345`)
/// drop it when at least 9 digits follow (so `9100012345` stays itself).
/// Only for comparing: what is sent stays what the user gave.
pub fn national_number(phone: &str, country_code: &str) -> String {
    let trimmed = phone.trim();
    let international = trimmed.starts_with('+') || trimmed.starts_with("00");
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if international {
        let digits = digits
            .strip_prefix("00")
            .filter(|_| !trimmed.starts_with('+'))
            .unwrap_or(&digits);
        return match digits.strip_prefix(country_code) {
            Some(national) if !country_code.is_empty() => {
                national.trim_start_matches('0').to_string()
            }
            _ => format!("+{digits}"),
        };
    }
    // A leading 0 is the trunk prefix of a national number.
    if digits.starts_with('0') {
        return digits.trim_start_matches('0').to_string();
    }
    // The country code written without its `+` (919845012345): only when
    // what follows is long enough to be a national number on its own.
    match digits.strip_prefix(country_code) {
        Some(national) if !country_code.is_empty() && digits.len() >= 11 && national.len() >= 9 => {
            national.to_string()
        }
        _ => digits,
    }
}

/// True when `value` matches one of `layouts`, where `YYYY`, `MM`, `DD`, `hh`,
/// `mm`, `ss` stand for digits of a real calendar date and time and every
/// other character stands for itself.
pub fn matches_date(value: &str, layouts: &[&str]) -> bool {
    layouts.iter().any(|layout| matches_layout(value, layout))
}

fn matches_layout(value: &str, layout: &str) -> bool {
    if value.len() != layout.len() || !value.is_ascii() {
        return false;
    }
    let (mut year, mut month, mut day) = (None, None, None);
    let mut i = 0;
    while i < layout.len() {
        let token = ["YYYY", "MM", "DD", "hh", "mm", "ss"]
            .into_iter()
            .find(|t| layout[i..].starts_with(t));
        match token {
            Some(t) => {
                let part = &value[i..i + t.len()];
                let Some(n) = part
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    .then(|| part.parse::<u32>().ok())
                    .flatten()
                else {
                    return false;
                };
                let in_range = match t {
                    "YYYY" => {
                        year = Some(n);
                        (1800..=2200).contains(&n)
                    }
                    "MM" => {
                        month = Some(n);
                        (1..=12).contains(&n)
                    }
                    "DD" => {
                        day = Some(n);
                        (1..=31).contains(&n)
                    }
                    "hh" => n <= 23,
                    _ => n <= 59,
                };
                if !in_range {
                    return false;
                }
                i += t.len();
            }
            None => {
                if value.as_bytes()[i] != layout.as_bytes()[i] {
                    return false;
                }
                i += 1;
            }
        }
    }
    match (year, month, day) {
        (Some(y), Some(m), Some(d)) => d <= days_in_month(y, m),
        _ => true,
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for good in [
            "a@b.co",
            "first.last+tag@mail.example.in",
            "x_y@sub.domain.org",
        ] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "", "plain", "@b.co", "a@", "a@b", "a@.b.co", "a@b.co.", "a b@c.co", "a@b..co",
            "a@b@c.co",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn phones() {
        for good in [
            "9380491387",
            "+91 93804 91387",
            "+1 (415) 555-0100",
            "080-2345-6789",
            "123456",
            "123456789012345",
        ] {
            assert!(is_phone(good), "{good}");
        }
        for bad in [
            "",
            "12345",
            "1234567890123456",
            "93804x91387",
            "++919380491387",
            "91+9380491387",
            "9380.491387",
            "phone",
        ] {
            assert!(!is_phone(bad), "{bad}");
        }
    }

    #[test]
    fn national_numbers_ignore_the_country_code_and_trunk_prefix() {
        for same in [
            "+91 98450 12345",
            "098450 12345",
            "9845012345",
            "0091-98450-12345",
            "+91 (0) 98450 12345",
            "919845012345",
        ] {
            assert_eq!(national_number(same, "91"), "9845012345", "{same}");
        }
        assert_eq!(national_number("+1 415 555 0100", "91"), "+14155550100");
        assert_eq!(national_number("+1 415 555 0100", "1"), "4155550100");
        assert_eq!(national_number("", "91"), "");
        // A national number that happens to start with 91 stays itself.
        assert_eq!(national_number("9100012345", "91"), "9100012345");
    }

    #[test]
    fn dates() {
        assert!(matches_date("1990-02-28", DOB_FORMATS));
        assert!(matches_date("2024-02-29", DOB_FORMATS));
        assert!(!matches_date("2023-02-29", DOB_FORMATS));
        assert!(!matches_date("1990-13-01", DOB_FORMATS));
        assert!(!matches_date("1990-1-01", DOB_FORMATS));
        assert!(!matches_date("01/02/1990", DOB_FORMATS));
        assert!(!matches_date("1990-02-28 10:00:00", DOB_FORMATS));
        assert!(matches_date("2026-12-01 09:30:00", FOLLOW_UP_FORMATS));
        assert!(matches_date("2026-12-01", FOLLOW_UP_FORMATS));
        assert!(!matches_date("2026-12-01 24:00:00", FOLLOW_UP_FORMATS));
        assert!(!matches_date("2026-12-01T09:30:00", FOLLOW_UP_FORMATS));
        assert!(!matches_date("2026-04-31", FOLLOW_UP_FORMATS));
    }
}
