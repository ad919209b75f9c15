//! The example workbook (`examples/customers.xlsx`) as an operations team
//! keeps one: a merged title row above the header, a serial-number column,
//! phones and pincodes stored as numbers, real date and date-time cells, a
//! formula, a spacer row, an `#N/A` left by a lookup, rows cleared at the
//! end (formatted, empty) and a second sheet of notes. Built by
//! `examples/rust/make_workbook.rs`; the core's and the CLI's tests read it.

use rust_xlsxwriter::{
    ExcelDateTime, Format, FormatAlign, Formula, Workbook, Worksheet, XlsxError,
};

/// The sheet's data rows: name, phone (a number), email, pincode (a number),
/// date of birth, next follow-up (date and time).
/// Name, phone, email, pincode, date of birth `(y, m, d)`, next follow-up
/// `(y, m, d, h, min)`.
pub type Customer = (
    &'static str,
    u64,
    &'static str,
    u32,
    (u16, u8, u8),
    (u16, u8, u8, u8, u8),
);

pub const CUSTOMERS: [Customer; 8] = [
    (
        "Asha Rao",
        9822012345,
        "asha.rao@example.com",
        560001,
        (1990, 2, 28),
        (2026, 12, 10, 9, 30),
    ),
    (
        "Vikram Singh",
        9845012346,
        "vikram@example.com",
        110001,
        (1985, 7, 4),
        (2026, 12, 11, 14, 0),
    ),
    (
        "Meera Iyer",
        9380491387,
        "meera.iyer@example.com",
        600028,
        (1992, 11, 15),
        (2026, 12, 12, 10, 15),
    ),
    (
        "Rahul Mehta",
        9900112233,
        "rahul.m@example.com",
        400050,
        (1979, 1, 9),
        (2026, 12, 14, 16, 45),
    ),
    (
        "Fatima Khan",
        9811122233,
        "fatima.khan@example.com",
        500034,
        (1995, 5, 21),
        (2026, 12, 15, 11, 0),
    ),
    (
        "Joseph D'Souza",
        9765432109,
        "joseph@example.com",
        403001,
        (1988, 9, 30),
        (2026, 12, 16, 9, 0),
    ),
    (
        "Priya Nair",
        9447012345,
        "priya.nair@example.com",
        682001,
        (1993, 3, 3),
        (2026, 12, 17, 12, 30),
    ),
    (
        "Anil Kumar",
        9000012345,
        "anil.kumar@example.com",
        500081,
        (1982, 12, 1),
        (2026, 12, 18, 15, 15),
    ),
];

/// The header row's number in the sheet (1-based), below the title and a
/// blank row.
pub const HEADER_ROW: u32 = 3;

/// The header's names, as an operations team writes them.
const HEADERS: [&str; 7] = [
    "Sr No",
    "Full Name",
    "Mobile Number",
    "Email ID",
    "Pincode",
    "Date of Birth",
    "Next Follow Up Date",
];

fn write_header(sheet: &mut Worksheet, row: u32, format: &Format) -> Result<(), XlsxError> {
    for (col, name) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(row, col as u16, *name, format)?;
    }
    Ok(())
}

/// The workbook's bytes.
pub fn customers() -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_align(FormatAlign::Center);
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let date_time = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let sheet = book.add_worksheet().set_name("Customers")?;
    sheet.merge_range(0, 0, 0, 6, "Customers to call back, December 2026", &title)?;
    let header_row = HEADER_ROW - 1; // 0-based below
    write_header(sheet, header_row, &bold)?;
    let mut row = header_row + 1;
    for (i, (name, phone, email, pincode, (y, m, d), (fy, fm, fd, fh, fmin))) in
        CUSTOMERS.iter().enumerate()
    {
        if i == 4 {
            row += 1; // a spacer row between two groups
        }
        sheet.write_number(row, 0, (i + 1) as f64)?;
        sheet.write_string(row, 1, *name)?;
        sheet.write_number(row, 2, *phone as f64)?;
        sheet.write_string(row, 3, *email)?;
        if i == 2 {
            // A pincode computed by a formula: read by its cached value.
            let formula = Formula::new(format!("={}+0", pincode)).set_result(pincode.to_string());
            sheet.write_formula(row, 4, formula)?;
        } else {
            sheet.write_number(row, 4, f64::from(*pincode))?;
        }
        sheet.write_datetime_with_format(row, 5, ExcelDateTime::from_ymd(*y, *m, *d)?, &date)?;
        let follow_up =
            ExcelDateTime::from_ymd(*fy, *fm, *fd)?.and_hms(u16::from(*fh), *fmin, 0)?;
        sheet.write_datetime_with_format(row, 6, follow_up, &date_time)?;
        row += 1;
    }
    // A row whose phone a lookup could not find: `#N/A`, cached.
    sheet.write_number(row, 0, (CUSTOMERS.len() + 1) as f64)?;
    sheet.write_string(row, 1, "Unknown Phone")?;
    sheet.write_formula(row, 2, Formula::new("=NA()").set_result("#N/A"))?;
    sheet.write_string(row, 3, "")?;
    row += 1;
    // Rows cleared at the end: formatted cells with nothing in them.
    for cleared in row..row + 3 {
        for col in 0..7 {
            sheet.write_blank(cleared, col, &bold)?;
        }
    }
    let notes = book.add_worksheet().set_name("Notes")?;
    notes.write_string(0, 0, "Call each customer before the follow-up date.")?;
    notes.write_string(1, 0, "Phones are stored as numbers; pincodes too.")?;
    book.save_to_buffer()
}

/// The rows a reader must find: each customer's sheet row number (the
/// spacer row shifts the later ones) and, last, the `#N/A` row's.
pub fn data_row_numbers() -> Vec<u32> {
    let first = HEADER_ROW + 1;
    let mut numbers: Vec<u32> = (0..CUSTOMERS.len() as u32)
        .map(|i| first + i + u32::from(i >= 4))
        .collect();
    numbers.push(first + CUSTOMERS.len() as u32 + 1);
    numbers
}

/// A workbook of `rows` customers under the example's header (the
/// benchmark's: `bash bench/run --workbook`).
pub fn big(rows: u32) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let date_time = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let sheet = book.add_worksheet().set_name("Customers")?;
    write_header(sheet, 0, &Format::new())?;
    for i in 0..rows {
        let row = i + 1;
        let (name, phone, email, pincode, (y, m, d), (fy, fm, fd, fh, fmin)) =
            CUSTOMERS[i as usize % CUSTOMERS.len()];
        sheet.write_number(row, 0, f64::from(row))?;
        sheet.write_string(row, 1, format!("{name} {i}"))?;
        sheet.write_number(row, 2, (phone + u64::from(i)) as f64)?;
        sheet.write_string(row, 3, format!("{i}.{email}"))?;
        sheet.write_number(row, 4, f64::from(pincode))?;
        sheet.write_datetime_with_format(row, 5, ExcelDateTime::from_ymd(y, m, d)?, &date)?;
        let follow_up = ExcelDateTime::from_ymd(fy, fm, fd)?.and_hms(u16::from(fh), fmin, 0)?;
        sheet.write_datetime_with_format(row, 6, follow_up, &date_time)?;
    }
    book.save_to_buffer()
}
