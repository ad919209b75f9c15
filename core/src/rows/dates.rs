//! Dates as a spreadsheet writes them (`28/02/1990`, `28-Feb-1990 10:30`)
//! into the layouts the vendor's examples use (`1990-02-28`,
//! `2026-03-12 10:30:00`), by a `strftime`-style format the user gives.

/// Directives of a date format; any other character stands for itself.
/// `%d %m %H %M %S` take one or two digits (Excel drops leading zeros).
const DIRECTIVES: &str = "%d %m %Y %y %b %B %H %M %S %I %p %%";

/// A parsed `date_format`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat {
    spec: String,
    parts: Vec<Part>,
    has_time: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Literal(char),
    Day,
    Month,
    Year4,
    Year2,
    MonthName,
    Hour,
    Hour12,
    AmPm,
    Minute,
    Second,
}

/// A calendar date with an optional time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub time: Option<(u32, u32, u32)>,
}

impl DateTime {
    /// `YYYY-MM-DD`, or `YYYY-MM-DD hh:mm:ss` when it has a time and
    /// `with_time`.
    pub fn vendor_text(&self, with_time: bool) -> String {
        let date = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        match self.time {
            Some((h, m, s)) if with_time => format!("{date} {h:02}:{m:02}:{s:02}"),
            _ => date,
        }
    }

    /// A checked date: `None` for 31 February and the like.
    pub fn new(year: i32, month: u32, day: u32, time: Option<(u32, u32, u32)>) -> Option<Self> {
        let real_day = (1..=12).contains(&month) && day >= 1 && day <= days_in(year, month);
        let real_time = time.is_none_or(|(h, m, s)| h < 24 && m < 60 && s < 60);
        (real_day && real_time && (1..=9999).contains(&year)).then_some(DateTime {
            year,
            month,
            day,
            time,
        })
    }
}

fn days_in(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

impl DateFormat {
    /// `Err` names the directive that is not understood.
    pub fn parse(spec: &str) -> Result<DateFormat, String> {
        let mut parts = Vec::new();
        let mut chars = spec.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                parts.push(Part::Literal(c));
                continue;
            }
            let part = match chars.next() {
                Some('d') => Part::Day,
                Some('m') => Part::Month,
                Some('Y') => Part::Year4,
                Some('y') => Part::Year2,
                Some('b' | 'B') => Part::MonthName,
                Some('H') => Part::Hour,
                Some('I') => Part::Hour12,
                Some('p') => Part::AmPm,
                Some('M') => Part::Minute,
                Some('S') => Part::Second,
                Some('%') => Part::Literal('%'),
                other => {
                    let shown = other.map_or("%".to_string(), |o| format!("%{o}"));
                    return Err(format!(
                        "date format {spec:?}: {shown} is not understood (use {DIRECTIVES})"
                    ));
                }
            };
            parts.push(part);
        }
        let has = |p: Part| parts.contains(&p);
        if !(has(Part::Day) && has(Part::Month) || has(Part::MonthName))
            || !(has(Part::Year4) || has(Part::Year2))
        {
            return Err(format!(
                "date format {spec:?} needs a day, a month and a year, e.g. %d/%m/%Y"
            ));
        }
        let has_time = has(Part::Hour) || has(Part::Hour12);
        Ok(DateFormat {
            spec: spec.into(),
            parts,
            has_time,
        })
    }

    /// The format as the user wrote it.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// The date `text` holds, if it fits the format exactly.
    pub fn read(&self, text: &str) -> Option<DateTime> {
        match self.read_prefix(text)? {
            (date, "") => Some(date),
            _ => None,
        }
    }

    /// The date `text` holds: the format, then (when the format reads no
    /// time) an optional time of day, `HH:MM[:SS]` in 24 hours or with
    /// AM/PM, as a date-time field's cells carry it.
    pub fn read_with_time(&self, text: &str) -> Option<DateTime> {
        let (date, rest) = self.read_prefix(text)?;
        let rest = rest.trim();
        if rest.is_empty() {
            return Some(date);
        }
        if self.has_time || rest.len() == text.len() {
            return None;
        }
        let time = time_of_day(rest)?;
        DateTime::new(date.year, date.month, date.day, Some(time))
    }

    /// The date at the start of `text` and what follows it.
    fn read_prefix<'t>(&self, text: &'t str) -> Option<(DateTime, &'t str)> {
        let mut rest = text;
        let (mut year, mut month, mut day) = (None, None, None);
        let (mut hour, mut minute, mut second, mut pm) = (None, 0, 0, None);
        for part in &self.parts {
            match part {
                Part::Literal(c) => {
                    // A space in the format matches any run of spaces.
                    if *c == ' ' {
                        let trimmed = rest.trim_start();
                        if trimmed.len() == rest.len() {
                            return None;
                        }
                        rest = trimmed;
                    } else {
                        rest = rest.strip_prefix(*c)?;
                    }
                }
                Part::Day => day = Some(digits(&mut rest, 1, 2)?),
                Part::Month => month = Some(digits(&mut rest, 1, 2)?),
                Part::Year4 => year = Some(digits(&mut rest, 4, 4)? as i32),
                Part::Year2 => {
                    // As Python's strptime: 69-99 are 1969-1999.
                    let y = digits(&mut rest, 2, 2)? as i32;
                    year = Some(if y >= 69 { 1900 + y } else { 2000 + y });
                }
                Part::MonthName => {
                    let letters: String =
                        rest.chars().take_while(char::is_ascii_alphabetic).collect();
                    let lower = letters.to_ascii_lowercase();
                    let index = MONTHS
                        .iter()
                        .position(|m| lower.len() >= 3 && (*m == lower || m[..3] == lower))?;
                    month = Some(index as u32 + 1);
                    rest = &rest[letters.len()..];
                }
                Part::Hour | Part::Hour12 => hour = Some(digits(&mut rest, 1, 2)?),
                Part::AmPm => {
                    let lower = rest.get(..2)?.to_ascii_lowercase();
                    pm = Some(match lower.as_str() {
                        "am" => false,
                        "pm" => true,
                        _ => return None,
                    });
                    rest = &rest[2..];
                }
                Part::Minute => minute = digits(&mut rest, 1, 2)?,
                Part::Second => second = digits(&mut rest, 1, 2)?,
            }
        }
        let hour = match (hour, pm) {
            (Some(h), Some(pm)) if (1..=12).contains(&h) => Some(h % 12 + if pm { 12 } else { 0 }),
            (_, Some(_)) => return None,
            (h, None) => h,
        };
        let date = DateTime::new(year?, month?, day?, hour.map(|h| (h, minute, second)))?;
        Some((date, rest))
    }

    /// True when the format reads a time of day too.
    pub fn has_time(&self) -> bool {
        self.has_time
    }
}

/// `min..=max` ASCII digits off the front of `rest`.
fn digits(rest: &mut &str, min: usize, max: usize) -> Option<u32> {
    let count = rest
        .bytes()
        .take(max)
        .take_while(u8::is_ascii_digit)
        .count();
    if count < min {
        return None;
    }
    let value = rest[..count].parse().ok()?;
    *rest = &rest[count..];
    Some(value)
}

/// `HH:MM[:SS]`, 24 hours, or 1-12 with `AM`/`PM` after it.
fn time_of_day(text: &str) -> Option<(u32, u32, u32)> {
    let lower = text.to_ascii_lowercase();
    let (clock, pm) = match lower
        .strip_suffix("am")
        .or_else(|| lower.strip_suffix("pm"))
    {
        Some(clock) => (clock.trim_end(), Some(lower.ends_with("pm"))),
        None => (lower.as_str(), None),
    };
    let mut parts = clock.split(':');
    let hour: u32 = parts
        .next()
        .filter(|h| (1..=2).contains(&h.len()))?
        .parse()
        .ok()?;
    let minute: u32 = parts.next().filter(|m| m.len() == 2)?.parse().ok()?;
    let second: u32 = match parts.next() {
        Some(s) if s.len() == 2 => s.parse().ok()?,
        Some(_) => return None,
        None => 0,
    };
    if parts.next().is_some() || minute > 59 || second > 59 {
        return None;
    }
    let hour = match pm {
        Some(pm) if (1..=12).contains(&hour) => hour % 12 + if pm { 12 } else { 0 },
        Some(_) => return None,
        None if hour < 24 => hour,
        None => return None,
    };
    Some((hour, minute, second))
}

/// The date formats of a run (`date_format`, given once or more): the
/// ones every date field tries, in order, and those given for one field
/// (`dob=%d/%m/%Y`), which that field tries instead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DateFormats {
    general: Vec<DateFormat>,
    per_field: Vec<(&'static str, DateFormat)>,
}

impl DateFormats {
    /// Each spec a format, or `field=format` for one of `fields` (compared
    /// as headers are); every problem at once, at `date_format`.
    pub fn parse(specs: &[String], fields: &[&'static str]) -> Result<DateFormats, Vec<String>> {
        let mut formats = DateFormats::default();
        let mut problems = Vec::new();
        for spec in specs {
            let (field, format) = match spec.split_once('=') {
                Some((field, format)) if !field.contains('%') => {
                    (Some(field.trim()), format.trim())
                }
                _ => (None, spec.trim()),
            };
            let parsed = match DateFormat::parse(format) {
                Ok(parsed) => parsed,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            match field {
                None => formats.general.push(parsed),
                Some(name) => match fields
                    .iter()
                    .find(|f| super::headers::normalise(f) == super::headers::normalise(name))
                {
                    Some(field) => formats.per_field.push((field, parsed)),
                    None => problems.push(format!(
                        "{spec:?}: {name:?} is not a date field; a format applies to {}",
                        fields.join(" or ")
                    )),
                },
            }
        }
        if problems.is_empty() {
            Ok(formats)
        } else {
            Err(problems)
        }
    }

    /// The formats `field` tries, in order (none: its cells are taken as
    /// the vendor's layout).
    pub fn for_field(&self, field: &str) -> Vec<&DateFormat> {
        let own: Vec<&DateFormat> = self
            .per_field
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, format)| format)
            .collect();
        if own.is_empty() {
            self.general.iter().collect()
        } else {
            own
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS` (or `T` between them), as pandas, openpyxl and
/// ISO 8601 write a date-time; `None` for anything else.
pub fn iso_date_time(text: &str) -> Option<DateTime> {
    let (date, time) = text.split_once([' ', 'T'])?;
    let mut d = date.splitn(3, '-');
    let (year, month, day) = (d.next()?, d.next()?, d.next()?);
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let mut t = time.splitn(3, ':');
    let (h, m, sec) = (t.next()?, t.next()?, t.next().unwrap_or("00"));
    let sec = sec.split_once('.').map_or(sec, |(whole, _)| whole);
    let number = |s: &str| {
        (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    DateTime::new(
        year.parse().ok()?,
        number(month)?,
        number(day)?,
        Some((number(h)?, number(m)?, number(sec)?)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(spec: &str, text: &str) -> Option<String> {
        let format = DateFormat::parse(spec).unwrap();
        format.read(text).map(|d| d.vendor_text(true))
    }

    #[test]
    fn day_first_dates_become_the_vendor_layout() {
        assert_eq!(
            read("%d/%m/%Y", "28/02/1990").as_deref(),
            Some("1990-02-28")
        );
        assert_eq!(read("%d/%m/%Y", "1/2/1990").as_deref(), Some("1990-02-01"));
        assert_eq!(read("%d-%b-%y", "05-Mar-91").as_deref(), Some("1991-03-05"));
        assert_eq!(
            read("%d/%m/%Y %H:%M", "12/03/2026 9:30").as_deref(),
            Some("2026-03-12 09:30:00")
        );
        assert_eq!(
            read("%m/%d/%Y %I:%M %p", "03/12/2026 9:30 PM").as_deref(),
            Some("2026-03-12 21:30:00")
        );
    }

    #[test]
    fn what_does_not_fit_is_none() {
        assert_eq!(read("%d/%m/%Y", "31/02/1990"), None);
        assert_eq!(read("%d/%m/%Y", "1990-02-28"), None);
        assert_eq!(read("%d/%m/%Y", "28/02/1990x"), None);
        assert_eq!(read("%d/%m/%Y", ""), None);
        assert_eq!(read("%d/%m/%Y %H:%M", "12/03/2026 24:00"), None);
    }

    #[test]
    fn bad_formats_are_refused() {
        assert!(DateFormat::parse("%d/%m").unwrap_err().contains("year"));
        assert!(DateFormat::parse("%d/%q/%Y").unwrap_err().contains("%q"));
        assert!(DateFormat::parse("%d/%m/%Y%").unwrap_err().contains('%'));
    }
}
