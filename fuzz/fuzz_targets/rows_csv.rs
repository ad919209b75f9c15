#![no_main]

use kapture_crm_cli::rows::Format;

libfuzzer_sys::fuzz_target!(|data: &[u8]| kapture_crm_cli::fuzzing::rows(data, Format::Csv));
