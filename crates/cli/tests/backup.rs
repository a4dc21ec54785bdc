//! B1, online backup and restore on one node, with the real binary: `vigie backup` while two
//! senders ingest continuously into `vigie serve`; the ledger cut (every batch acknowledged
//! before the backup started) is recorded; `vigie restore` into an empty directory; a second
//! server on the restored directory, on another port, must hold every event acknowledged
//! before the cut exactly once (log, event store and one alert per marker event), the
//! tenants and users, and an audit chain `vigie audit verify` accepts. Backups stopped part
//! way (the test setting `VIGIE_BACKUP_TEST_STOP_AFTER_FILES`, and SIGKILL) or altered after
//! the fact are refused, naming what is wrong, and nothing is written.
//!
//! Prints the figures of the B1 row: backup size and duration, ingest goodput before and
//! during the backup, restore time.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

use support::{BIN, Server, cli, drained_within, start_with_config};

/// Events per ingest request.
const BATCH: u64 = 100;
/// Longest a sender runs, whatever happens.
const MAX_SEND: Duration = Duration::from_secs(90);
/// Most events one sender sends.
const MAX_EVENTS: u64 = 300_000;
/// How long the senders run before the backup starts (the "before" goodput window).
const BEFORE: Duration = Duration::from_secs(4);

fn rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules")
}

/// Runs `vigie [--config CONFIG] --data-dir DATA ARGS...` with extra environment.
fn vigie(data: &Path, config: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("VIGIE_LOG", "warn");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One sender: a tenant's ingest token and how many of its events were acknowledged.
/// Events carry `gen` (the sender) and `seq` (0, 1, 2... in sending order); a batch is sent
/// again only when it was refused, so the acknowledged events are exactly `seq < acked`.
struct Sender {
    name: &'static str,
    tenant: &'static str,
    token: String,
    acked: AtomicU64,
}

fn event(gen_name: &str, seq: u64) -> Value {
    // Every tenth event matches the marker rule, on a host of its own: one alert each.
    if seq.is_multiple_of(10) {
        json!({"gen": gen_name, "seq": seq, "vigie_test": "marker", "Computer": format!("{gen_name}-{seq}"), "pad": "x".repeat(64)})
    } else {
        json!({"gen": gen_name, "seq": seq, "EventID": 4624, "pad": "x".repeat(64)})
    }
}

/// Sends batches until `stop`, `MAX_SEND` or `MAX_EVENTS`. 429 and 507 are waited out; any
/// other answer fails the test.
fn send(base: String, sender: Arc<Sender>, stop: Arc<AtomicBool>) {
    let client = Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let started = Instant::now();
    while !stop.load(Ordering::Relaxed) && started.elapsed() < MAX_SEND {
        let first = sender.acked.load(Ordering::Relaxed);
        if first >= MAX_EVENTS {
            break;
        }
        let body: String = (first..first + BATCH)
            .map(|s| format!("{}\n", event(sender.name, s)))
            .collect();
        let response = client
            .post(format!("{base}/api/v1/ingest"))
            .bearer_auth(&sender.token)
            .body(body)
            .send()
            .expect("ingest request");
        match response.status().as_u16() {
            200 => {
                sender.acked.store(first + BATCH, Ordering::Relaxed);
            }
            429 | 507 => std::thread::sleep(Duration::from_millis(100)),
            other => panic!("ingest answered {other}: {}", response.text().unwrap()),
        }
    }
}

/// `stats count(), dc(seq)` of a tenant's events matching `query` through `vigie hunt`.
fn hunt_counts(data: &Path, config: &Path, tenant: &str, query: &str) -> (u64, u64) {
    let out = vigie(
        data,
        config,
        &[
            "hunt",
            "--tenant",
            tenant,
            "--format",
            "json",
            &format!("{query} | stats count() as n, dc(seq) as d"),
        ],
        &[],
    );
    assert!(out.status.success(), "hunt: {}", text(&out.stderr));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    match result["rows"].as_array().and_then(|r| r.first()) {
        Some(row) => (row["n"].as_u64().unwrap(), row["d"].as_u64().unwrap()),
        None => (0, 0),
    }
}

fn health(client: &Client, server: &Server) -> Value {
    client
        .get(format!("{}/healthz", server.base))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

/// Every file and directory under `root`, with its mode.
#[cfg(unix)]
fn modes(root: &Path) -> Vec<(PathBuf, bool, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        out.push((
            dir.clone(),
            true,
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        ));
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
                out.push((path, false, mode));
            }
        }
    }
    out
}

#[cfg(unix)]
fn assert_private(root: &Path) {
    for (path, is_dir, mode) in modes(root) {
        let wanted = if is_dir { 0o700 } else { 0o600 };
        assert_eq!(mode, wanted, "{} has mode {mode:o}", path.display());
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `vigie restore` of `backup` into the fresh directory `target` must fail with a message
/// containing `expected`, and leave `target` empty.
fn assert_refused(target: &Path, config: &Path, backup: &Path, expected: &str) {
    let out = vigie(target, config, &["restore", backup.to_str().unwrap()], &[]);
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success(),
        "restore of {} succeeded: {}",
        backup.display(),
        text(&out.stdout)
    );
    assert!(
        stderr.contains(expected),
        "restore of {}: expected {expected:?} in: {stderr}",
        backup.display()
    );
    let left: Vec<_> = std::fs::read_dir(target)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "the refused restore wrote {left:?}");
    println!("refused as expected: {}", stderr.trim());
}

#[test]
fn online_backup_under_ingest_restores_every_event_acknowledged_before_the_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let config = tmp.path().join("vigie.toml");
    // Small segments: the backup runs while segments roll over and retention deletes them.
    std::fs::write(
        &config,
        "version = 1\n[log]\nsegment_bytes = 1048576\n[audit]\ncheckpoint_seconds = 1\n",
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    for tenant in ["alpha", "beta"] {
        cli(&data, &["--config", cfg, "tenant", "add", tenant]);
    }
    cli(
        &data,
        &[
            "--config",
            cfg,
            "user",
            "add",
            "analyst-a",
            "--role",
            "analyst",
            "--tenant",
            "alpha",
        ],
    );
    let platform = cli(
        &data,
        &[
            "--config",
            cfg,
            "token",
            "create",
            "--platform",
            "--scope",
            "read",
        ],
    );
    let senders: Vec<Arc<Sender>> = [("g-alpha", "alpha"), ("g-beta", "beta")]
        .into_iter()
        .map(|(name, tenant)| {
            Arc::new(Sender {
                name,
                tenant,
                token: cli(
                    &data,
                    &[
                        "--config", cfg, "token", "create", "--tenant", tenant, "--scope", "ingest",
                    ],
                ),
                acked: AtomicU64::new(0),
            })
        })
        .collect();
    let server = start_with_config(&data, Some(&rules()), Some(&config));
    let client = Client::new();

    // Ingest continuously from two threads.
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = senders
        .iter()
        .map(|s| {
            let (base, s, stop) = (server.base.clone(), Arc::clone(s), Arc::clone(&stop));
            std::thread::spawn(move || send(base, s, stop))
        })
        .collect();
    let acked = || {
        senders
            .iter()
            .map(|s| s.acked.load(Ordering::Relaxed))
            .sum::<u64>()
    };
    let before_start = Instant::now();
    std::thread::sleep(BEFORE);
    let before_events = acked();
    let before_secs = before_start.elapsed().as_secs_f64();

    // The ledger cut: what was acknowledged when the backup started.
    let cut: BTreeMap<&str, u64> = senders
        .iter()
        .map(|s| (s.name, s.acked.load(Ordering::Relaxed)))
        .collect();
    let backup = tmp.path().join("backup");
    let backup_start = Instant::now();
    let at_backup_start = acked();
    let out = vigie(&data, &config, &["backup", backup.to_str().unwrap()], &[]);
    let backup_secs = backup_start.elapsed().as_secs_f64();
    let during_events = acked() - at_backup_start;
    assert!(out.status.success(), "backup: {}", text(&out.stderr));
    println!("{}", text(&out.stdout).trim());
    // As long again after the backup, for comparison, then stop.
    let at_backup_end = acked();
    let after_start = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(backup_secs.max(1.0)));
    let after_events = acked() - at_backup_end;
    let after_secs = after_start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    assert!(
        during_events > 0,
        "nothing was acknowledged while the backup ran: it is not online"
    );

    let manifest: Value =
        serde_json::from_slice(&std::fs::read(backup.join("MANIFEST.json")).unwrap()).unwrap();
    let end = manifest["log"]["end_offset"].as_u64().unwrap();
    let files = manifest["files"].as_array().unwrap();
    let backup_bytes: u64 = files.iter().map(|f| f["bytes"].as_u64().unwrap()).sum();
    let cut_total: u64 = cut.values().sum();
    assert!(
        end >= cut_total,
        "the backup's log ends at {end}, below the {cut_total} events acknowledged before it started"
    );
    #[cfg(unix)]
    assert_private(&backup);
    for part in [
        "audit/signing.key",
        "audit/checkpoints.jsonl",
        "data/state.sqlite",
        "config/vigie.toml",
    ] {
        assert!(
            files.iter().any(|f| f["path"] == part),
            "{part} is not in the backup"
        );
    }
    assert!(
        files
            .iter()
            .any(|f| f["path"].as_str().unwrap().starts_with("data/store/")),
        "no event store file in the backup"
    );

    // Restore into an empty directory, then serve it on another port.
    let restored = tmp.path().join("restored");
    let restore_start = Instant::now();
    let out = vigie(
        &restored,
        &config,
        &["restore", backup.to_str().unwrap()],
        &[],
    );
    let restore_secs = restore_start.elapsed().as_secs_f64();
    assert!(out.status.success(), "restore: {}", text(&out.stderr));
    let summary = text(&out.stdout);
    println!("{}", summary.trim());
    assert!(summary.contains("nothing truncated"), "{summary}");
    assert!(summary.contains("integrity ok"), "{summary}");
    assert!(summary.contains("chain intact"), "{summary}");
    #[cfg(unix)]
    {
        assert_private(&restored);
        assert_private(&tmp.path().join("restored.audit"));
    }
    drop(server);
    let second = start_with_config(&restored, Some(&rules()), Some(&config));
    assert_eq!(
        health(&client, &second)["log"]["end_offset"].as_u64(),
        Some(end),
        "the restored log does not end at the cut"
    );
    // The restored server works through the ~100,000 events the backup keeps beyond the
    // committed offset: on two cores shared with the rest of the suite that can take more
    // than the default 30 s (a CI run stopped at 27,753 left); what is tested is what it
    // finds, not how fast.
    drained_within(&client, &second, std::time::Duration::from_secs(180));

    // Every event acknowledged before the cut is in the restored event store, exactly once;
    // and the store holds exactly the restored log.
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let mut complete = true;
        let mut stored = 0;
        for s in &senders {
            let wanted = cut[s.name];
            let (n, distinct) = hunt_counts(&restored, &config, s.tenant, &format!("seq<{wanted}"));
            assert_eq!(n, distinct, "{}: duplicated events", s.name);
            assert!(n <= wanted, "{}: {n} events below seq {wanted}", s.name);
            complete &= n == wanted;
            stored += hunt_counts(&restored, &config, s.tenant, "gen:*").0;
        }
        assert!(stored <= end, "{stored} events stored, the log holds {end}");
        if complete && stored == end {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "restored store incomplete: {stored} of {end} events stored; cut {cut:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    // One alert per marker event acknowledged before the cut.
    let alerts = support::all_alerts(&client, &second, &platform);
    let mut seen: BTreeMap<(String, u64), u64> = BTreeMap::new();
    for alert in &alerts {
        let key = (
            alert["event"]["gen"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            alert["event"]["seq"].as_u64().unwrap_or(u64::MAX),
        );
        *seen.entry(key).or_default() += 1;
    }
    for (name, wanted) in &cut {
        for seq in (0..*wanted).step_by(10) {
            assert_eq!(
                seen.get(&((*name).to_owned(), seq)),
                Some(&1),
                "{name} seq {seq}: marker event acknowledged before the cut without exactly one alert"
            );
        }
    }

    // Tenants, users and the audit chain.
    let tenants = cli(&restored, &["--config", cfg, "tenant", "list"]);
    assert!(
        tenants.contains("alpha") && tenants.contains("beta"),
        "{tenants}"
    );
    let users = cli(&restored, &["--config", cfg, "user", "list"]);
    assert!(users.contains("analyst-a"), "{users}");
    let verify = cli(&restored, &["--config", cfg, "audit", "verify"]);
    assert!(verify.contains("intact"), "{verify}");

    println!(
        "B1 figures: backup {backup_bytes} bytes ({} files) in {backup_secs:.2} s; log cut at \
         offset {end} ({cut_total} events acknowledged before the backup started); ingest \
         goodput {:.0} events/s before, {:.0} during, {:.0} after the backup; restore \
         {restore_secs:.2} s",
        files.len(),
        before_events as f64 / before_secs,
        during_events as f64 / backup_secs,
        after_events as f64 / after_secs,
    );
    drop(second);

    // Partial backups: stopped after n files, as a kill there would, then SIGKILL. The
    // restored directory (no server on it now) is backed up whole first, for its file count.
    let whole = tmp.path().join("whole");
    let out = vigie(
        &restored,
        &config,
        &["backup", whole.to_str().unwrap()],
        &[],
    );
    assert!(
        out.status.success(),
        "offline backup: {}",
        text(&out.stderr)
    );
    let whole_manifest: Value =
        serde_json::from_slice(&std::fs::read(whole.join("MANIFEST.json")).unwrap()).unwrap();
    let total_files = whole_manifest["files"].as_array().unwrap().len();
    let mut stops = vec![1, 2, total_files / 2, total_files - 1];
    stops.dedup();
    for n in stops {
        let partial = tmp.path().join(format!("partial-{n}"));
        let out = vigie(
            &restored,
            &config,
            &["backup", partial.to_str().unwrap()],
            &[("VIGIE_BACKUP_TEST_STOP_AFTER_FILES", &n.to_string())],
        );
        assert_eq!(out.status.code(), Some(86), "{}", text(&out.stderr));
        assert_refused(
            &tmp.path().join(format!("target-{n}")),
            &config,
            &partial,
            "MANIFEST.json is missing",
        );
    }
    let killed = tmp.path().join("killed");
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&restored)
        .args(["backup", killed.to_str().unwrap()])
        .env("VIGIE_LOG", "warn")
        .spawn()
        .unwrap();
    // Killed once the backup has written part of its files.
    let kill_deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(killed.join("data")).is_err() && Instant::now() < kill_deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    if std::fs::metadata(killed.join("MANIFEST.json")).is_ok() {
        println!("SIGKILL came after the backup finished; its refusal is shown by the stops above");
    } else {
        assert_refused(
            &tmp.path().join("target-killed"),
            &config,
            &killed,
            "MANIFEST.json is missing",
        );
    }

    // A restore killed part way leaves a directory that no command opens.
    let half = tmp.path().join("half-restored");
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&half)
        .args(["restore", backup.to_str().unwrap()])
        .env("VIGIE_LOG", "warn")
        .spawn()
        .unwrap();
    let marker = half.join("RESTORE-INCOMPLETE");
    let kill_deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&marker).is_err() && Instant::now() < kill_deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    if std::fs::metadata(&marker).is_ok() {
        let out = vigie(&half, &config, &["tenant", "list"], &[]);
        assert!(
            !out.status.success(),
            "a half-restored directory was opened"
        );
        assert!(
            text(&out.stderr).contains("did not finish"),
            "{}",
            text(&out.stderr)
        );
        let mut serve = Command::new(BIN)
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(&half)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("VIGIE_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = serve.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                serve.kill().unwrap();
                panic!("vigie serve runs on a half-restored directory");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(!status.success());
        let out = vigie(&half, &config, &["restore", backup.to_str().unwrap()], &[]);
        assert!(!out.status.success());
        println!(
            "half-restored directory refused: {}",
            text(&out.stderr).trim()
        );
    } else {
        println!("SIGKILL came after the restore finished");
    }

    // Backups altered after the fact, and a data directory that is not empty.
    let segment = files
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .find(|p| p.starts_with("data/wal/") && p.ends_with(".wal"))
        .unwrap();
    let flipped = tmp.path().join("flipped");
    copy_tree(&backup, &flipped);
    let path = flipped.join(segment);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    assert_refused(
        &tmp.path().join("t-flipped"),
        &config,
        &flipped,
        &format!("{segment}: SHA-256"),
    );

    let store_file = files
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .find(|p| p.starts_with("data/store/") && p.ends_with(".store"))
        .unwrap();
    let missing = tmp.path().join("missing");
    copy_tree(&backup, &missing);
    std::fs::remove_file(missing.join(store_file)).unwrap();
    assert_refused(
        &tmp.path().join("t-missing"),
        &config,
        &missing,
        &format!("{store_file}: missing"),
    );

    let truncated = tmp.path().join("truncated");
    copy_tree(&backup, &truncated);
    let manifest_path = truncated.join("MANIFEST.json");
    let len = std::fs::metadata(&manifest_path).unwrap().len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&manifest_path)
        .unwrap();
    file.set_len(len / 2).unwrap();
    assert_refused(
        &tmp.path().join("t-truncated"),
        &config,
        &truncated,
        "MANIFEST.json is unreadable",
    );

    let extra = tmp.path().join("extra");
    copy_tree(&backup, &extra);
    std::fs::write(extra.join("data/wal/99999999999999999999.wal"), b"forged").unwrap();
    assert_refused(
        &tmp.path().join("t-extra"),
        &config,
        &extra,
        "not listed in the manifest",
    );

    let out = vigie(
        &restored,
        &config,
        &["restore", backup.to_str().unwrap()],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("is not empty"),
        "{}",
        text(&out.stderr)
    );

    // Audit files already at the target that differ from the backup's are not overwritten.
    let elsewhere = tmp.path().join("elsewhere");
    let audit_dir = tmp.path().join("elsewhere.audit");
    std::fs::create_dir_all(&audit_dir).unwrap();
    std::fs::write(audit_dir.join("checkpoints.jsonl"), b"").unwrap();
    assert_refused(
        &elsewhere,
        &config,
        &backup,
        "exists and differs from the backup's",
    );
}
