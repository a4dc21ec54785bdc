#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigie_fuzz::record_codec(data));
