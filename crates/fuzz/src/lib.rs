//! vigie's fuzz targets: one function per parser that takes untrusted bytes, each driving
//! the parser the way the server does and asserting what must hold (beyond "no panic").
//!
//! The cargo-fuzz project in `fuzz/` (outside the workspace) calls these functions from
//! libFuzzer; `tests/replay.rs` runs every committed corpus and regression input through
//! them in the ordinary `cargo test`. [`TARGETS`] lists them by name; `docs/fuzzing.md`
//! says what each one checks and how to run them.

mod codec;
mod evtx;
mod json;
mod otlp;
mod query;
mod rules;
mod sources;
mod syslog;

pub use codec::record_codec;
pub use evtx::{evtx_chunk, evtx_file};
pub use json::{bulk, gzip, json_event};
pub use otlp::otlp_logs;
pub use query::query_parse;
pub use rules::{rule_yaml, sigma_condition};
pub use sources::source_line;
pub use syslog::{syslog_3164, syslog_5424, syslog_framing};

/// A fuzz target: takes any bytes, panics when something that must hold does not.
pub type Target = fn(&[u8]);

/// Every target by name (the name of its `fuzz/fuzz_targets/` file and corpus folder).
pub const TARGETS: &[(&str, Target)] = &[
    ("syslog_3164", syslog_3164),
    ("syslog_5424", syslog_5424),
    ("syslog_framing", syslog_framing),
    ("json_event", json_event),
    ("bulk", bulk),
    ("gzip", gzip),
    ("record_codec", record_codec),
    ("evtx_file", evtx_file),
    ("evtx_chunk", evtx_chunk),
    ("rule_yaml", rule_yaml),
    ("sigma_condition", sigma_condition),
    ("query_parse", query_parse),
    ("source_line", source_line),
    ("otlp_logs", otlp_logs),
];

/// The target named `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
