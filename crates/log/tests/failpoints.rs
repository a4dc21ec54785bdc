//! R2: the durable log crashed at each of its named points (feature `failpoints`), in a
//! child process that really dies (`abort`), then reopened by the parent.
//!
//! The child appends numbered records in small batches to a log with small segments,
//! commits a consumer after each batch (so segments roll and consumed ones are deleted), and
//! prints each acknowledged batch before the next. The armed failpoint aborts it the first
//! time the point is reached after a number of passes. The parent then checks, for every
//! point: the log opens (no crash loop, no manual step), every acknowledged record still
//! present is intact and in order, none at or above the committed offset is missing, the
//! recovery report accounts for a torn tail, and the reopened log takes appends again.
//!
//! Failpoints are process-global, so each crash runs in its own child process; this file is
//! its own test binary (as tantivy keeps its failpoint tests apart).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use bytes::Bytes;
use vigie_log::{Wal, WalConfig};

/// Every named point of the log, with how many times it is passed before the crash.
const POINTS: &[(&str, usize)] = &[
    ("wal::append::before_write", 7),
    ("wal::append::before_fsync", 7),
    ("wal::append::after_fsync", 7),
    ("wal::append::torn_write", 7),
    ("wal::rotate::before_create", 2),
    ("wal::rotate::before_dir_sync", 2),
    ("wal::commit::before_write", 5),
    ("wal::commit::before_rename", 5),
    ("wal::commit::before_dir_sync", 5),
    ("wal::commit::before_retention", 5),
    ("wal::retention::before_delete", 1),
    ("wal::retention::before_dir_sync", 1),
];

const CHILD_ENV: &str = "VIGIE_FAILPOINT_CHILD";
const BATCH: u64 = 10;

fn config(dir: &Path) -> WalConfig {
    WalConfig {
        dir: dir.to_owned(),
        // About 12 records a segment: batches roll segments often.
        segment_bytes: 400,
        consumers: vec!["detect".to_owned()],
        ..WalConfig::default()
    }
}

fn payload(n: u64) -> Bytes {
    Bytes::from(format!("record-{n:08}"))
}

/// The child: appends batches until the failpoint aborts it (or 200 batches pass).
async fn child(dir: &Path, point: &str, passes: usize) {
    let log = Wal::open(config(dir)).expect("open in child");
    if point == "wal::append::torn_write" {
        // This point does its own damage (a cut write, then abort) when it "returns".
        fail::cfg(point, &format!("{passes}*off->return")).expect("arm the failpoint");
    } else {
        let left = std::sync::atomic::AtomicUsize::new(passes);
        fail::cfg_callback(point, move || {
            if left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                std::process::abort();
            }
        })
        .expect("arm the failpoint");
    }
    let mut out = std::io::stdout().lock();
    let mut next = log.end_offset();
    for _ in 0..200 {
        let payloads = (next..next + BATCH).map(payload).collect();
        let ack = log.append(payloads).await.expect("append");
        writeln!(out, "acked {} {}", ack.first, ack.count).unwrap();
        out.flush().unwrap();
        next = ack.first + ack.count;
        // The consumer keeps up, one batch behind, so consumed segments are deleted.
        let done = next.saturating_sub(BATCH);
        log.commit("detect", done).await.expect("commit");
        writeln!(out, "committed {done}").unwrap();
        out.flush().unwrap();
    }
}

#[tokio::test]
async fn failpoint_child() {
    // Runs only as the child of `every_named_crash_point_recovers_without_losing_acks`.
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut parts = spec.splitn(3, '|');
    let dir = parts.next().unwrap().to_owned();
    let point = parts.next().unwrap().to_owned();
    let passes = parts.next().unwrap().parse().unwrap();
    child(Path::new(&dir), &point, passes).await;
}

#[tokio::test]
async fn every_named_crash_point_recovers_without_losing_acks() {
    let mut report = BTreeMap::new();
    for &(point, passes) in POINTS {
        let dir = tempfile::tempdir().unwrap();
        let wal = dir.path().join("wal");
        let child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "failpoint_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, format!("{}|{point}|{passes}", wal.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            !output.status.success(),
            "{point}: the child was never crashed (the point was not reached)"
        );
        let mut acked: Vec<(u64, u64)> = Vec::new();
        let mut committed = 0u64;
        for line in BufReader::new(&output.stdout[..]).lines() {
            let line = line.unwrap();
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["acked", first, count] => {
                    acked.push((first.parse().unwrap(), count.parse().unwrap()))
                }
                ["committed", at] => committed = at.parse().unwrap(),
                _ => {}
            }
        }
        assert!(
            !acked.is_empty(),
            "{point}: nothing acknowledged before the crash"
        );
        let acked_end = acked.last().map(|(f, c)| f + c).unwrap();

        // The parent reopens: it must open, keep every acknowledged record from the
        // retention floor on, and take appends again.
        let log = Wal::open(config(&wal))
            .unwrap_or_else(|e| panic!("{point}: the log does not reopen after the crash: {e}"));
        let stats = log.stats();
        assert!(
            log.end_offset() >= acked_end,
            "{point}: acknowledged records lost: end {} < acked end {acked_end}",
            log.end_offset()
        );
        let floor = log.committed("detect").unwrap_or(0);
        assert!(
            floor <= acked_end,
            "{point}: committed {floor} past acked {acked_end}"
        );
        assert!(
            floor >= committed.min(floor),
            "{point}: commit went backwards"
        );
        let mut at = stats.start_offset;
        assert!(
            at <= floor.max(stats.start_offset),
            "{point}: records at or above the committed offset {floor} were deleted (start {at})"
        );
        let mut checked = 0u64;
        while at < log.end_offset() {
            let records = log.read(at, 1000).await.unwrap();
            assert!(!records.is_empty(), "{point}: read stalled at {at}");
            for record in records {
                assert_eq!(record.offset, at, "{point}: offsets out of order");
                assert_eq!(
                    record.payload,
                    payload(record.offset),
                    "{point}: record {} altered",
                    record.offset
                );
                at += 1;
                checked += 1;
            }
        }
        if point == "wal::append::torn_write" {
            assert!(
                stats.recovery.truncated_bytes > 0,
                "{point}: the torn record was not cut at recovery"
            );
        }
        let ack = log.append(vec![payload(at)]).await.unwrap();
        assert_eq!(ack.first, at, "{point}: append after recovery");
        report.insert(
            point,
            format!(
                "acked {acked_end}, end {}, committed {floor}, checked {checked}, torn bytes cut {}",
                at,
                stats.recovery.truncated_bytes
            ),
        );
    }
    for (point, line) in &report {
        println!("R2 {point}: {line}");
    }
    assert_eq!(report.len(), POINTS.len());
}
