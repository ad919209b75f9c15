#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kapture_crm::fuzzing::reply(data));
