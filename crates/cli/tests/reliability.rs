//! Smoke test of `vigie bench reliability` on the debug binary: R1 with three kills and a
//! short O2 run, so CI checks the harness itself works (a server killed and restarted, the
//! log read back against the ledger, the server's counters balanced). The figures that
//! matter come from the release build (docs/operations.md, "Reliability figures").

use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_vigie");

#[test]
fn bench_reliability_smoke_r1_three_kills_and_a_short_overload() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let docs = dir.path().join("operations.md");
    std::fs::write(
        &docs,
        "# Ops\n\n<!-- reliability-figures:begin -->\nold\n<!-- reliability-figures:end -->\n",
    )
    .unwrap();
    let output = Command::new(BIN)
        .args(["bench", "reliability", "r1", "o2"])
        .args(["--kills", "3", "--kill-min", "0.5", "--kill-max", "1.5"])
        .args(["--rate", "2000"])
        .args(["--capacity-seconds", "0.5", "--overload-seconds", "3"])
        .args(["--multiples", "2"])
        .arg("--report")
        .arg(&report)
        .arg("--work-dir")
        .arg(dir.path())
        .arg("--update-docs")
        .arg(&docs)
        .env("VIGIE_LOG", "warn")
        .output()
        .expect("run vigie bench reliability");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "bench reliability failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read = |test: &str| -> Value {
        serde_json::from_slice(&std::fs::read(report.join(format!("{test}.json"))).unwrap())
            .unwrap()
    };

    let r1 = read("R1");
    let f = &r1["figures"];
    assert_eq!(f["kills_executed"], 3, "{stdout}");
    assert_eq!(f["restarts_ok"], 3, "{stdout}");
    assert_eq!(f["acked_lost"], 0, "{stdout}");
    assert_eq!(f["misattributed"], 0, "{stdout}");
    assert_eq!(f["segments_missed"], 0, "{stdout}");
    assert!(f["events_acked"].as_u64().unwrap() > 0, "{stdout}");
    assert!(
        f["duplicates"].as_u64() <= f["events_in_flight_at_kills"].as_u64(),
        "{stdout}"
    );

    let o2 = read("O2");
    let runs = o2["figures"]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{stdout}");
    assert_eq!(runs[0]["unaccounted_noisy"], 0.0, "{stdout}");
    assert_eq!(runs[0]["unaccounted_quiet"], 0.0, "{stdout}");
    assert!(
        runs[0]["quiet"]["acked_events"].as_u64().unwrap() > 0,
        "{stdout}"
    );

    let docs = std::fs::read_to_string(&docs).unwrap();
    assert!(!docs.contains("old"), "{docs}");
    assert!(docs.contains("| R1 | acked_lost | 0 of "), "{docs}");
    assert!(docs.contains("| O2 | capacity C |"), "{docs}");
}
