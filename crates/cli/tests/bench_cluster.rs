//! `vigie bench cluster` from the real binary, briefly: the embedded path and the NATS
//! JetStream path with one and two `vigie serve` processes on a 3-server nats-server cluster
//! the bench starts itself. Each scenario's JSON record must show acknowledged and alerted
//! events, no acknowledged event without its alert, none with two in one process's state,
//! alert counts that add up over the processes, and CPU time read for vigie (and the
//! nats-servers). No figure is asserted beyond "more than zero": performance
//! lives in the bench's output and docs/cluster.md. Skipped, with the reason, when no
//! nats-server 2.11+ is installed.

use std::process::Command;

use serde_json::Value;
use vigie_nats::testing::{server_binary, skip};

#[test]
fn bench_cluster_runs_every_path_and_loses_nothing() {
    let nats = match server_binary() {
        Ok(path) => path,
        Err(reason) => {
            skip("bench_cluster_runs_every_path_and_loses_nothing", &reason);
            return;
        }
    };
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["bench", "cluster", "--seconds", "2", "--senders", "4"])
        .arg("--nats-server")
        .arg(&nats)
        .env("VIGIE_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    let records: Vec<Value> = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = records
        .iter()
        .map(|r| r["scenario"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["embedded", "nats-1", "nats-2"], "{stdout}");
    for (record, processes) in records.iter().zip([1u64, 1, 2]) {
        let acked = record["acked_events"].as_u64().unwrap();
        assert!(acked > 0, "{record}");
        assert!(
            record["ack_events_per_s"].as_f64().unwrap() > 0.0,
            "{record}"
        );
        assert!(
            record["e2e_events_per_s"].as_f64().unwrap() > 0.0,
            "{record}"
        );
        assert_eq!(record["lost"], 0, "{record}");
        // Never two alerts of one event in one state (the alert id is rule ⊕ event).
        assert_eq!(record["duplicates"], 0, "{record}");
        let across = record["duplicates_across_processes"].as_u64().unwrap();
        if processes == 1 {
            assert_eq!(across, 0, "{record}");
        }
        assert_eq!(record["drained"], true, "{record}");
        assert_eq!(record["detect_processes"], processes, "{record}");
        let per_process: Vec<u64> = record["alerts_per_process"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .collect();
        assert_eq!(per_process.len() as u64, processes, "{record}");
        let alerted = record["alerted_events"].as_u64().unwrap();
        // An event alerted in both processes' states (its partition moved while its records
        // were not acknowledged) counts once in `alerted` and in each process.
        assert_eq!(
            per_process.iter().sum::<u64>(),
            alerted + across,
            "{record}"
        );
        assert!(alerted >= acked, "{record}");
        let latency = &record["ack_to_alert_ms"];
        assert!(
            latency["p50"].as_f64().unwrap() <= latency["p99"].as_f64().unwrap(),
            "{record}"
        );
        assert!(
            record["cpu_seconds"]["vigie"].as_f64().unwrap() > 0.0,
            "{record}"
        );
        let nats_cpu = record["cpu_seconds"]["nats"].as_f64().unwrap();
        if record["log"] == "nats" {
            assert!(nats_cpu > 0.0, "{record}");
        } else {
            assert_eq!(nats_cpu, 0.0, "{record}");
        }
    }
    // The human table follows the records.
    assert!(
        stdout.contains("| path | detect processes |") && stdout.contains("| nats-2 | 2 (alerts "),
        "{stdout}"
    );
}
