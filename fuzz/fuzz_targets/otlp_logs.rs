#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigie_fuzz::otlp_logs(data));
