//! The input file of `validate` and `import`: its format, dialect and the
//! row mapper's options, from the flags.

use kapture_crm::rows::RowOptions;

use crate::args::FileArgs;
use crate::dialect::{self, Dialect};
use crate::rows::Format;

/// `--country-code`: digits, a leading `+` allowed.
pub fn country_code(text: &str) -> Result<String, String> {
    let digits = text.trim().trim_start_matches('+');
    if (1..=3).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits.to_string())
    } else {
        Err(format!(
            "--country-code {text:?}: expected 1 to 3 digits, e.g. 91"
        ))
    }
}

fn renames(maps: &[String]) -> Result<Vec<(String, String)>, String> {
    maps.iter()
        .map(|m| {
            m.split_once('=')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .ok_or_else(|| format!("--map {m:?}: expected 'Header=field'"))
        })
        .collect()
}

/// The input file as read: its format, its dialect and the row options.
pub fn input(args: &FileArgs) -> Result<(Format, Dialect, RowOptions), String> {
    // Before anything opens it: opening a named pipe waits for a writer.
    crate::lock::refuse_streams(&args.file)?;
    let format = format_of(args)?;
    let delimiter = args
        .delimiter
        .as_deref()
        .map(dialect::parse_delimiter)
        .transpose()?;
    let encoding = args
        .encoding
        .as_deref()
        .map(dialect::parse_encoding)
        .transpose()?;
    let dialect = Dialect::detect(&args.file, delimiter, encoding)?;
    let options = RowOptions {
        columns: renames(&args.maps)?,
        date_format: args.date_format.clone(),
        ignore: Vec::new(),
    };
    Ok((format, dialect, options))
}

fn format_of(args: &FileArgs) -> Result<Format, String> {
    args.format
        .map(Format::from)
        .or_else(|| Format::guess(&args.file))
        .ok_or_else(|| {
            format!(
                "{}: cannot tell the format from the extension; give --format csv|jsonl",
                args.file.display()
            )
        })
}
