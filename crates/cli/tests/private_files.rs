//! Nothing vigie writes is readable by other accounts: after the real binary ran commands,
//! served, ingested, detected, stored events and stopped, every file under the data
//! directory and the audit directory beside it is 0600 and every directory 0700 (the process
//! umask is 0o077), and a data directory found open to others is tightened with a warning.

#![cfg(unix)]

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::json;

mod support;

use support::{BIN, Server, cli, drained, ingest, start};

/// Every path under `dir` (itself included) with group or other permission bits, with its
/// mode; and how many files were looked at.
fn open_to_others(dir: &Path) -> (Vec<(PathBuf, u32)>, usize) {
    let mut open = Vec::new();
    let mut files = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            open.push((path.clone(), mode));
        }
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
        } else {
            files += 1;
        }
    }
    (open, files)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// SIGTERM and wait for the clean stop (the last audit checkpoint, the SQLite close).
fn stop(mut server: Server) {
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    while server.child.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(30), "no clean stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn every_file_vigie_creates_is_private_to_its_account() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let audit = dir.path().join("data.audit");
    // A data directory someone created open to everybody.
    std::fs::DirBuilder::new()
        .mode(0o755)
        .create(&data)
        .unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(&data)
        .args(["tenant", "add", "zone-a"])
        .env("VIGIE_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let warning = String::from_utf8_lossy(&out.stderr);
    assert!(
        warning.contains("open to group or others")
            && warning.contains(&data.display().to_string())
            && warning.contains("0755"),
        "no warning naming the directory and its mode: {warning}"
    );
    assert_eq!(mode(&data), 0o700);

    let token = cli(
        &data,
        &["token", "create", "--tenant", "zone-a", "--scope", "ingest"],
    );
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules");
    let server = start(&data, Some(&rules));
    let client = Client::new();
    let events: Vec<_> = (0..50)
        .map(|n| {
            json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
                   "Image": "C:\\Windows\\System32\\whoami.exe", "User": format!("user-{n}"),
                   "Computer": "ws-1"})
        })
        .collect();
    ingest(&client, &server, &token, &events);
    drained(&client, &server);
    // The event store indexes on its own consumer: wait until a hunt finds the events.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = cli(
            &data,
            &[
                "hunt",
                "--tenant",
                "zone-a",
                "--format",
                "json",
                "@id:* | stats count() as n",
            ],
        );
        if out.contains("\"n\":50") || out.contains("\"n\": 50") {
            break;
        }
        assert!(Instant::now() < deadline, "events not stored: {out}");
        std::thread::sleep(Duration::from_millis(300));
    }
    // While it runs (the SQLite -wal and -shm files exist now) and after it stopped.
    let (open, files) = open_to_others(&data);
    assert!(open.is_empty(), "open to others while serving: {open:?}");
    assert!(files >= 6, "only {files} files under the data directory");
    stop(server);
    for dir in [&data, &audit] {
        let (open, _) = open_to_others(dir);
        assert!(open.is_empty(), "open to others: {open:?}");
    }
    for expected in [
        data.join("state.sqlite"),
        data.join("wal"),
        data.join("store"),
        audit.join("signing.key"),
        audit.join("checkpoints.jsonl"),
    ] {
        std::fs::metadata(&expected).unwrap_or_else(|e| panic!("{}: {e}", expected.display()));
    }
    // The audit key and checkpoints are not in the data directory.
    assert!(
        std::fs::symlink_metadata(data.join("audit")).is_err(),
        "audit files inside the data directory"
    );
    assert_eq!(mode(&audit), 0o700);
    assert_eq!(mode(&audit.join("signing.key")), 0o600);
    assert_eq!(mode(&audit.join("checkpoints.jsonl")), 0o600);
}
