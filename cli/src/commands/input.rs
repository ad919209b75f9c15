//! The input file of `validate` and `import`: its format, dialect and the
//! row mapper's options, from the flags.

use kapture_crm::rows::RowOptions;

use crate::args::FileArgs;
use crate::dialect::{self, Dialect};
use crate::problem::Problem;
use crate::rows::Format;
use crate::usage;

/// `--country-code`: digits, a leading `+` allowed.
pub fn country_code(text: &str) -> Result<String, Problem> {
    let digits = text.trim().trim_start_matches('+');
    if (1..=3).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits.to_string())
    } else {
        Err(usage!(
            "--country-code {text:?}: expected 1 to 3 digits, e.g. 91"
        ))
    }
}

fn renames(maps: &[String]) -> Result<Vec<(String, String)>, Problem> {
    maps.iter()
        .map(|m| {
            m.split_once('=')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .ok_or_else(|| usage!("--map {m:?}: expected 'Header=field'"))
        })
        .collect()
}

/// The input file as read: its format, its dialect and the row options.
pub fn input(args: &FileArgs) -> Result<(Format, Dialect, RowOptions), Problem> {
    // Before anything opens it: opening a named pipe waits for a writer.
    crate::lock::refuse_streams(&args.file)?;
    let format = format_of(args)?;
    let delimiter = args
        .delimiter
        .as_deref()
        .map(dialect::parse_delimiter)
        .transpose()
        .map_err(Problem::Usage)?;
    let encoding = args
        .encoding
        .as_deref()
        .map(dialect::parse_encoding)
        .transpose()
        .map_err(Problem::Usage)?;
    let dialect = Dialect::detect(&args.file, delimiter, encoding).map_err(Problem::Input)?;
    let options = RowOptions {
        columns: renames(&args.maps)?,
        date_format: args.date_format.clone(),
        ignore: Vec::new(),
    };
    Ok((format, dialect, options))
}

fn format_of(args: &FileArgs) -> Result<Format, Problem> {
    args.format
        .map(Format::from)
        .or_else(|| Format::guess(&args.file))
        .ok_or_else(|| {
            usage!(
                "{}: cannot tell the format from the extension; give --format csv|jsonl",
                args.file.display()
            )
        })
}
