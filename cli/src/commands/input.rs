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
    if format != Format::Workbook && (args.sheet.is_some() || args.header_row.is_some()) {
        return Err(usage!(
            "{}: --sheet and --header-row are for workbooks (.xlsx, .xlsm, .xls, .ods)",
            args.file.display()
        ));
    }
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
    let dialect = match format {
        // A workbook's cells are typed; its failures file is CSV UTF-8
        // with a byte-order mark, which Excel opens as such.
        Format::Workbook => Dialect {
            bom: true,
            ..Dialect::default()
        },
        _ => Dialect::detect(&args.file, delimiter, encoding).map_err(Problem::Input)?,
    };
    let options = RowOptions {
        columns: renames(&args.maps)?,
        date_formats: args.date_formats.clone(),
        ignore: args.ignores.clone(),
        sheet: args.sheet.clone(),
        header_row: args.header_row,
    };
    Ok((format, dialect, options))
}

fn format_of(args: &FileArgs) -> Result<Format, Problem> {
    Format::of_file(&args.file, args.format.map(Format::from)).ok_or_else(|| {
        usage!(
            "{}: cannot tell the format from the extension; give --format csv|jsonl|workbook",
            args.file.display()
        )
    })
}
