//! Tests of the embedded log: the conformance suite, recovery from damaged files, group
//! commit, and a model test against an in-memory `Vec`.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use proptest::prelude::*;

use super::offset_suite::{self, read_to_end};
use super::segment::HEADER_LEN;
use super::*;
use crate::testsuite::{self, SECOND_CONSUMER, SUITE_CONSUMER};

fn small(dir: &Path) -> WalConfig {
    WalConfig {
        dir: dir.to_path_buf(),
        segment_bytes: 4096,
        max_record_bytes: 1 << 20,
        consumers: vec![SUITE_CONSUMER.to_owned()],
    }
}

fn big(dir: &Path) -> WalConfig {
    WalConfig {
        segment_bytes: 1 << 20,
        ..small(dir)
    }
}

fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect();
    v.sort();
    v
}

fn p(i: u64) -> Bytes {
    let mut v = format!("payload-{i}-").into_bytes();
    v.resize(100, b'x');
    Bytes::from(v)
}

/// Writes `n` records of 100 bytes (frames of 108 bytes) and closes the log.
async fn write_records(config: WalConfig, n: u64) {
    let wal = Wal::open(config).unwrap();
    for i in 0..n {
        wal.append(vec![p(i)]).await.unwrap();
    }
}

async fn assert_records(wal: &Wal, n: u64) {
    let got = read_to_end(wal, 0, 1000).await;
    assert_eq!(got.len() as u64, n);
    for (i, r) in got.iter().enumerate() {
        assert_eq!(r.offset, i as u64);
        assert_eq!(r.payload, p(i as u64));
    }
    assert_eq!(wal.end_offset(), n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_suite() {
    testsuite::run_all(|dir| {
        let wal = Wal::open(WalConfig {
            consumers: vec![SUITE_CONSUMER.to_owned(), SECOND_CONSUMER.to_owned()],
            ..small(dir)
        });
        std::future::ready(wal.expect("open wal"))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offset_suite() {
    offset_suite::run_all(|dir| Wal::open(small(dir)).expect("open wal")).await;
}

#[tokio::test]
async fn fresh_log_creates_first_segment_with_header() {
    let dir = tempfile::tempdir().unwrap();
    let wal = Wal::open(big(dir.path())).unwrap();
    let files = segment_files(dir.path());
    assert_eq!(files.len(), 1);
    assert!(files[0].ends_with("00000000000000000000.wal"));
    assert_eq!(fs::metadata(&files[0]).unwrap().len(), HEADER_LEN);
    assert_eq!(wal.stats().recovery, RecoveryReport::default());
}

#[tokio::test]
async fn recovery_cuts_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    write_records(big(dir.path()), 10).await;
    let seg = segment_files(dir.path()).pop().unwrap();
    let len = fs::metadata(&seg).unwrap().len();
    assert_eq!(len, HEADER_LEN + 10 * 108);
    OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(len - 50)
        .unwrap();

    let wal = Wal::open(big(dir.path())).unwrap();
    let report = wal.stats().recovery;
    assert_eq!(report.truncated_bytes, 58, "{report:?}");
    assert_eq!(report.truncated_segment.as_deref(), Some(seg.as_path()));
    assert_eq!(report.records_recovered, 9);
    assert_records(&wal, 9).await;
    assert_eq!(fs::metadata(&seg).unwrap().len(), HEADER_LEN + 9 * 108);
    // Writing goes on at the cut.
    assert_eq!(wal.append(vec![p(9)]).await.unwrap().first, 9);
    drop(wal);
    let wal = Wal::open(big(dir.path())).unwrap();
    assert_eq!(wal.stats().recovery.truncated_bytes, 0);
    assert_records(&wal, 10).await;
}

#[tokio::test]
async fn recovery_cuts_flipped_byte_in_last_record() {
    let dir = tempfile::tempdir().unwrap();
    write_records(big(dir.path()), 10).await;
    let seg = segment_files(dir.path()).pop().unwrap();
    let mut bytes = fs::read(&seg).unwrap();
    let at = bytes.len() - 20;
    bytes[at] ^= 0x40;
    fs::write(&seg, bytes).unwrap();

    let wal = Wal::open(big(dir.path())).unwrap();
    let report = wal.stats().recovery;
    assert_eq!(report.truncated_bytes, 108);
    assert_eq!(report.truncated_segment.as_deref(), Some(seg.as_path()));
    assert_records(&wal, 9).await;
}

#[tokio::test]
async fn recovery_cuts_garbage_after_last_record() {
    let dir = tempfile::tempdir().unwrap();
    write_records(big(dir.path()), 10).await;
    let seg = segment_files(dir.path()).pop().unwrap();
    let garbage: Vec<u8> = (0..37u8)
        .map(|b| b.wrapping_mul(97).wrapping_add(13))
        .collect();
    OpenOptions::new()
        .append(true)
        .open(&seg)
        .unwrap()
        .write_all(&garbage)
        .unwrap();

    let wal = Wal::open(big(dir.path())).unwrap();
    assert_eq!(wal.stats().recovery.truncated_bytes, 37);
    assert_records(&wal, 10).await;
}

#[tokio::test]
async fn recovery_cuts_zeroed_tail() {
    // Filesystems may leave zeros after a crash when the size was updated but not the data.
    let dir = tempfile::tempdir().unwrap();
    write_records(big(dir.path()), 3).await;
    let seg = segment_files(dir.path()).pop().unwrap();
    OpenOptions::new()
        .append(true)
        .open(&seg)
        .unwrap()
        .write_all(&[0u8; 4096])
        .unwrap();
    let wal = Wal::open(big(dir.path())).unwrap();
    assert_eq!(wal.stats().recovery.truncated_bytes, 4096);
    assert_records(&wal, 3).await;
}

#[tokio::test]
async fn recovery_repairs_empty_last_segment() {
    // A crash right after creating the next segment file, before its header was written.
    let dir = tempfile::tempdir().unwrap();
    write_records(big(dir.path()), 5).await;
    let empty = dir.path().join(segment::file_name(5));
    fs::File::create(&empty).unwrap();

    let wal = Wal::open(big(dir.path())).unwrap();
    let stats = wal.stats();
    assert_eq!(
        stats.recovery.truncated_segment.as_deref(),
        Some(empty.as_path())
    );
    assert_eq!(stats.recovery.truncated_bytes, 0);
    assert_eq!(stats.segments, 2);
    assert_records(&wal, 5).await;
    assert_eq!(fs::metadata(&empty).unwrap().len(), HEADER_LEN);
    assert_eq!(wal.append(vec![p(5)]).await.unwrap().first, 5);
    drop(wal);
    let wal = Wal::open(big(dir.path())).unwrap();
    assert_records(&wal, 6).await;
}

#[tokio::test]
async fn recovery_repairs_torn_header_of_last_segment() {
    let dir = tempfile::tempdir().unwrap();
    write_records(big(dir.path()), 5).await;
    let torn = dir.path().join(segment::file_name(5));
    fs::write(&torn, &segment::encode_header(5)[..10]).unwrap();
    let wal = Wal::open(big(dir.path())).unwrap();
    assert_eq!(wal.stats().recovery.truncated_bytes, 10);
    assert_records(&wal, 5).await;
}

#[tokio::test]
async fn header_only_segment_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    write_records(big(dir.path()), 5).await;
    let (_, path) = segment::create(dir.path(), 5).unwrap();
    let wal = Wal::open(big(dir.path())).unwrap();
    let stats = wal.stats();
    assert_eq!(stats.recovery.truncated_segment, None);
    assert_eq!(stats.recovery.segments_scanned, 2);
    assert_eq!(stats.segments, 2);
    assert_records(&wal, 5).await;
    wal.append(vec![p(5)]).await.unwrap();
    assert_eq!(fs::metadata(&path).unwrap().len(), HEADER_LEN + 108);
}

#[tokio::test]
async fn corruption_in_older_segment_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_records(small(dir.path()), 100).await;
    let files = segment_files(dir.path());
    assert!(files.len() > 2);
    let victim = &files[1];
    let mut bytes = fs::read(victim).unwrap();
    // Third record of the segment: header, two frames, then into the third frame's payload.
    let at = (HEADER_LEN + 2 * 108 + 20) as usize;
    bytes[at] ^= 0xff;
    fs::write(victim, &bytes).unwrap();

    let err = Wal::open(small(dir.path())).unwrap_err();
    let base = segment::parse_file_name(victim.file_name().unwrap().to_str().unwrap()).unwrap();
    match &err {
        LogError::Corrupt {
            path,
            offset,
            position,
            ..
        } => {
            assert_eq!(path, victim);
            assert_eq!(*offset, base + 2);
            assert_eq!(*position, HEADER_LEN + 2 * 108);
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains(&segment::file_name(base)), "{message}");
    // The file was not modified.
    assert_eq!(fs::read(victim).unwrap(), bytes);
}

#[tokio::test]
async fn truncated_older_segment_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_records(small(dir.path()), 100).await;
    let files = segment_files(dir.path());
    let len = fs::metadata(&files[0]).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&files[0])
        .unwrap()
        .set_len(len - 3)
        .unwrap();
    let err = Wal::open(small(dir.path())).unwrap_err();
    assert!(
        matches!(err, LogError::Corrupt { ref path, .. } if *path == files[0]),
        "{err:?}"
    );
}

#[tokio::test]
async fn missing_middle_segment_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_records(small(dir.path()), 100).await;
    let files = segment_files(dir.path());
    assert!(files.len() > 2);
    fs::remove_file(&files[1]).unwrap();
    let err = Wal::open(small(dir.path())).unwrap_err();
    match &err {
        LogError::SegmentGap {
            path,
            expected,
            found,
        } => {
            assert_eq!(path, &files[2]);
            // The first segment ends where the removed one started.
            assert_eq!(*expected, base_of(&files[1]));
            assert_eq!(*found, base_of(&files[2]));
        }
        other => panic!("expected SegmentGap, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains(&segment::file_name(base_of(&files[2]))),
        "{message}"
    );
}

#[tokio::test]
async fn missing_middle_segment_is_an_error_even_when_every_consumer_passed_it() {
    // The gap is refused by itself, whatever the consumers committed: offsets would no
    // longer match the records' positions.
    let dir = tempfile::tempdir().unwrap();
    let mut config = small(dir.path());
    config.consumers.clear();
    let wal = Wal::open(config.clone()).unwrap();
    wal.append((0..100).map(p).collect()).await.unwrap();
    wal.commit(SUITE_CONSUMER, 100).await.unwrap();
    drop(wal);
    let files = segment_files(dir.path());
    assert!(files.len() > 2);
    fs::remove_file(&files[1]).unwrap();
    for consumers in [vec![], vec![SUITE_CONSUMER.to_owned()]] {
        let config = WalConfig {
            consumers,
            ..config.clone()
        };
        let err = Wal::open(config).unwrap_err();
        assert!(
            matches!(err, LogError::SegmentGap { ref path, .. } if *path == files[2]),
            "{err:?}"
        );
    }
}

fn base_of(path: &Path) -> Offset {
    segment::parse_file_name(path.file_name().unwrap().to_str().unwrap()).unwrap()
}

/// Writes 100 records (three segments of `small`), commits `commits` and closes the log.
async fn log_with_commits(config: &WalConfig, commits: &[(&str, Offset)]) -> Vec<PathBuf> {
    let wal = Wal::open(config.clone()).unwrap();
    wal.append((0..100).map(p).collect()).await.unwrap();
    for (name, at) in commits {
        wal.commit(name, *at).await.unwrap();
    }
    drop(wal);
    let files = segment_files(&config.dir);
    assert_eq!(files.len(), 3, "{files:?}");
    files
}

#[tokio::test]
async fn missing_oldest_segment_below_a_committed_offset_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = small(dir.path());
    // The consumer processed records 0..5; the rest of the first segment is still to do.
    let files = log_with_commits(&config, &[(SUITE_CONSUMER, 5)]).await;
    let before: Vec<Vec<u8>> = files[1..].iter().map(|f| fs::read(f).unwrap()).collect();
    let consumers = fs::read(dir.path().join("consumers.json")).unwrap();
    fs::remove_file(&files[0]).unwrap();

    let err = Wal::open(config.clone()).unwrap_err();
    let start = base_of(&files[1]);
    match &err {
        LogError::MissingRecords {
            dir: at,
            consumer,
            committed,
            start: first_left,
            path,
        } => {
            assert_eq!(at, dir.path());
            assert_eq!(consumer, SUITE_CONSUMER);
            assert_eq!(*committed, Some(5));
            assert_eq!(*first_left, start);
            assert_eq!(path, &files[1]);
        }
        other => panic!("expected MissingRecords, got {other:?}"),
    }
    let message = err.to_string();
    for part in [
        dir.path().display().to_string(),
        format!("5..{start}"),
        format!("{SUITE_CONSUMER:?} committed offset 5"),
        segment::file_name(start),
        "a segment is missing".to_owned(),
    ] {
        assert!(message.contains(&part), "{part} not in: {message}");
    }
    // Nothing was changed by the refused open: no segment deleted or created, offsets kept.
    assert_eq!(segment_files(dir.path()), files[1..].to_vec());
    let after: Vec<Vec<u8>> = files[1..].iter().map(|f| fs::read(f).unwrap()).collect();
    assert_eq!(after, before);
    assert_eq!(
        fs::read(dir.path().join("consumers.json")).unwrap(),
        consumers
    );
    // It stays refused on every later open: the loss is not forgotten.
    assert!(matches!(
        Wal::open(config).unwrap_err(),
        LogError::MissingRecords { .. }
    ));
}

#[tokio::test]
async fn missing_oldest_segments_name_the_consumer_furthest_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = small(dir.path());
    config.consumers.push("store".to_owned());
    // "store" is inside the second segment, the suite's consumer inside the first.
    let files = log_with_commits(&config, &[("store", 40), (SUITE_CONSUMER, 0)]).await;
    fs::remove_file(&files[0]).unwrap();
    fs::remove_file(&files[1]).unwrap();
    let err = Wal::open(config).unwrap_err();
    assert!(
        matches!(
            err,
            LogError::MissingRecords { ref consumer, committed: Some(0), start, .. }
                if consumer == SUITE_CONSUMER && start == base_of(&files[2])
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_commit_at_zero_with_the_first_segment_gone_is_refused() {
    // Committed 0 is a commit (nothing processed yet), not the absence of one.
    let dir = tempfile::tempdir().unwrap();
    let config = small(dir.path());
    let files = log_with_commits(&config, &[(SUITE_CONSUMER, 0)]).await;
    fs::remove_file(&files[0]).unwrap();
    let err = Wal::open(config).unwrap_err();
    assert!(
        matches!(
            err,
            LogError::MissingRecords {
                committed: Some(0),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn missing_first_segment_of_a_log_no_consumer_ever_read_is_refused() {
    // Written while the server was stopped (or before its first commit): with no consumer
    // file, retention never ran, so a log that does not start at 0 lost its first segment.
    let dir = tempfile::tempdir().unwrap();
    let config = small(dir.path());
    let files = log_with_commits(&config, &[]).await;
    assert!(!dir.path().join("consumers.json").try_exists().unwrap());
    fs::remove_file(&files[0]).unwrap();
    let start = base_of(&files[1]);
    let err = Wal::open(config.clone()).unwrap_err();
    assert!(
        matches!(
            err,
            LogError::MissingRecords { ref consumer, committed: None, start: s, ref path, .. }
                if consumer == SUITE_CONSUMER && s == start && *path == files[1]
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains(&format!("0..{start}")), "{message}");
    assert!(message.contains("never committed"), "{message}");
    // A tool that registers no consumer (nothing to process) still opens it.
    let wal = Wal::open(WalConfig {
        consumers: Vec::new(),
        ..config
    })
    .unwrap();
    assert_eq!(wal.stats().start_offset, start);
}

#[tokio::test]
async fn the_states_retention_leaves_open_normally() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = small(dir.path());
    config.consumers.push("store".to_owned());

    // Retention deleted the first segment: every registered consumer is at or past the start.
    let files = log_with_commits(&config, &[(SUITE_CONSUMER, 60), ("store", 20)]).await;
    let wal = Wal::open(config.clone()).unwrap();
    assert_eq!(
        wal.stats().start_offset,
        0,
        "store still needs the first segment"
    );
    wal.commit("store", 37).await.unwrap();
    assert_eq!(wal.stats().start_offset, base_of(&files[1]));
    drop(wal);
    let wal = Wal::open(config.clone()).unwrap();
    assert_eq!(wal.stats().start_offset, base_of(&files[1]));
    drop(wal);

    // The same state reached by hand: a segment every registered consumer passed is gone.
    let no_retention = WalConfig {
        consumers: Vec::new(),
        ..config.clone()
    };
    let wal = Wal::open(no_retention).unwrap();
    wal.commit(SUITE_CONSUMER, base_of(&files[2]))
        .await
        .unwrap();
    drop(wal);
    assert_eq!(segment_files(dir.path()).len(), 2);
    wal_remove_up_to(dir.path(), base_of(&files[2]));
    let committed_exactly_at_start = WalConfig {
        consumers: vec![SUITE_CONSUMER.to_owned()],
        ..config.clone()
    };
    let wal = Wal::open(committed_exactly_at_start).unwrap();
    assert_eq!(wal.stats().start_offset, base_of(&files[2]));
    drop(wal);

    // A consumer that is not registered does not hold segments and is not checked, nor is
    // a registered consumer that never committed.
    let unregistered_behind = WalConfig {
        consumers: vec!["fresh".to_owned()],
        ..config.clone()
    };
    let wal = Wal::open(unregistered_behind).unwrap();
    assert_eq!(wal.committed("store"), Some(37));
    assert_eq!(wal.stats().start_offset, base_of(&files[2]));
    let got = read_to_end(&wal, 0, 1000).await;
    assert_eq!(got.first().map(|r| r.offset), Some(base_of(&files[2])));
}

/// Deletes the segment files of `dir` whose first offset is below `below`.
fn wal_remove_up_to(dir: &Path, below: Offset) {
    for file in segment_files(dir) {
        if base_of(&file) < below {
            fs::remove_file(file).unwrap();
        }
    }
}

#[tokio::test]
async fn a_fresh_log_and_consumers_without_commits_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = small(dir.path());
    config.consumers.push("store".to_owned());
    drop(Wal::open(config.clone()).unwrap());
    // Empty log, no consumer file.
    let wal = Wal::open(config.clone()).unwrap();
    assert_eq!((wal.stats().start_offset, wal.end_offset()), (0, 0));
    drop(wal);
    // Empty log, both consumers committed at its end (0).
    let files = {
        let wal = Wal::open(config.clone()).unwrap();
        wal.commit(SUITE_CONSUMER, 0).await.unwrap();
        wal.commit("store", 0).await.unwrap();
        drop(wal);
        segment_files(dir.path())
    };
    assert_eq!(files.len(), 1);
    let wal = Wal::open(config.clone()).unwrap();
    assert_eq!(wal.end_offset(), 0);
}

#[tokio::test]
async fn bad_header_in_last_segment_is_an_error() {
    // A full-size header with the wrong magic is not a torn write: refuse rather than erase.
    let dir = tempfile::tempdir().unwrap();
    write_records(big(dir.path()), 3).await;
    let seg = segment_files(dir.path()).pop().unwrap();
    let mut bytes = fs::read(&seg).unwrap();
    bytes[0] = b'X';
    fs::write(&seg, bytes).unwrap();
    let err = Wal::open(big(dir.path())).unwrap_err();
    assert!(matches!(err, LogError::BadHeader { .. }), "{err:?}");
    assert!(
        err.to_string().contains("00000000000000000000.wal"),
        "{err}"
    );
}

#[tokio::test]
async fn record_too_large_is_refused_and_names_the_size() {
    let dir = tempfile::tempdir().unwrap();
    let wal = Wal::open(WalConfig {
        max_record_bytes: 100,
        ..big(dir.path())
    })
    .unwrap();
    let err = wal
        .append(vec![Bytes::from_static(b"ok"), Bytes::from(vec![0u8; 101])])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LogError::RecordTooLarge {
                index: 1,
                len: 101,
                max: 100
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("101"));
    assert_eq!(wal.end_offset(), 0, "nothing of a refused batch is written");
    wal.append(vec![Bytes::from(vec![0u8; 100])]).await.unwrap();
}

#[tokio::test]
async fn record_larger_than_segment_gets_its_own_segment() {
    let dir = tempfile::tempdir().unwrap();
    let wal = Wal::open(WalConfig {
        segment_bytes: 64,
        ..big(dir.path())
    })
    .unwrap();
    let a = Bytes::from(vec![1u8; 500]);
    let b = Bytes::from(vec![2u8; 500]);
    wal.append(vec![a.clone(), b.clone()]).await.unwrap();
    assert_eq!(wal.stats().segments, 2);
    let got = wal.read(0, 10).await.unwrap();
    assert_eq!(got[0].payload, a);
    assert_eq!(got[1].payload, b);
}

#[tokio::test]
async fn second_open_of_a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _wal = Wal::open(big(dir.path())).unwrap();
    let err = Wal::open(big(dir.path())).unwrap_err();
    assert!(matches!(err, LogError::Locked { .. }), "{err:?}");
}

#[test]
fn invalid_config_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = Wal::open(WalConfig {
        segment_bytes: 10,
        ..big(dir.path())
    })
    .unwrap_err();
    assert!(err.to_string().contains("segment_bytes = 10"), "{err}");
    let err = Wal::open(WalConfig {
        max_record_bytes: 1 << 33,
        ..big(dir.path())
    })
    .unwrap_err();
    assert!(err.to_string().contains("max_record_bytes"), "{err}");
}

#[test]
fn config_defaults_and_serde() {
    let c = WalConfig::default();
    assert_eq!(c.dir, PathBuf::from("wal"));
    assert_eq!(c.segment_bytes, 64 << 20);
    assert_eq!(c.max_record_bytes, 4 << 20);
    let parsed: WalConfig = serde_json::from_str(r#"{"dir":"/x","consumers":["a"]}"#).unwrap();
    assert_eq!(parsed.segment_bytes, 64 << 20);
    assert!(serde_json::from_str::<WalConfig>(r#"{"segmnt_bytes":1}"#).is_err());
}

#[tokio::test]
async fn corrupt_consumer_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    drop(Wal::open(big(dir.path())).unwrap());
    fs::write(dir.path().join("consumers.json"), b"{not json").unwrap();
    let err = Wal::open(big(dir.path())).unwrap_err();
    assert!(matches!(err, LogError::BadConsumerState { .. }), "{err:?}");
    assert!(err.to_string().contains("consumers.json"));
}

#[tokio::test]
async fn registered_consumer_without_commit_holds_all_segments() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = small(dir.path());
    config.consumers.push("slow".to_owned());
    let wal = Wal::open(config.clone()).unwrap();
    let batch: Vec<Bytes> = (0..100).map(p).collect();
    wal.append(batch).await.unwrap();
    let segments = wal.stats().segments;
    wal.commit(SUITE_CONSUMER, 100).await.unwrap();
    assert_eq!(wal.stats().segments, segments, "slow has not committed");
    wal.commit("slow", 50).await.unwrap();
    let stats = wal.stats();
    assert!(stats.segments < segments);
    assert!(
        stats.start_offset <= 50 && stats.start_offset > 0,
        "{stats:?}"
    );
    drop(wal);
    // Retention is also applied at open (e.g. after a crash between commit and deletion).
    let wal = Wal::open(config).unwrap();
    assert_eq!(wal.stats().start_offset, stats.start_offset);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commit_shares_fsyncs() {
    let dir = tempfile::tempdir().unwrap();
    let wal = Arc::new(Wal::open(big(dir.path())).unwrap());
    let fsyncs_before = wal.stats().fsyncs;
    let mut tasks = tokio::task::JoinSet::new();
    const TASKS: u64 = 64;
    const APPENDS: u64 = 20;
    for t in 0..TASKS {
        let wal = Arc::clone(&wal);
        tasks.spawn(async move {
            for i in 0..APPENDS {
                wal.append(vec![p(t * 1000 + i)]).await.unwrap();
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    let stats = wal.stats();
    let appends = TASKS * APPENDS;
    let fsyncs = stats.fsyncs - fsyncs_before;
    println!("{appends} appends, {fsyncs} fsyncs");
    assert_eq!(stats.appended_records, appends);
    assert_eq!(stats.end_offset, appends);
    // Every append waits for its fsync, so while one fsync runs the other 63 appenders queue
    // up and share the next one.
    assert!(
        fsyncs * 4 <= appends,
        "{fsyncs} fsyncs for {appends} appends"
    );
}

// ---- Model test -----------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    /// Append payloads of these sizes in one call.
    Append(Vec<usize>),
    /// Drop and reopen the log.
    Reopen,
    /// Close, append garbage (a torn write that was never acknowledged), reopen.
    TornTail(Vec<u8>),
    /// Close, cut the last segment at this fraction (per mille) of its length, reopen: the
    /// records cut into are lost, everything before them survives.
    CutTail(u16),
    /// The registered consumer commits this fraction (per mille) of the end offset.
    Commit(u16),
    /// Read `max` records from the model's `from` (per mille of the end, may pass it).
    Read(u16, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => prop::collection::vec(0usize..300, 0..6).prop_map(Op::Append),
        1 => Just(Op::Reopen),
        1 => prop::collection::vec(any::<u8>(), 1..40).prop_map(Op::TornTail),
        1 => (0u16..=1000).prop_map(Op::CutTail),
        1 => (0u16..=1000).prop_map(Op::Commit),
        2 => (0u16..=1100, 1usize..50).prop_map(|(f, m)| Op::Read(f, m)),
    ]
}

fn model_payload(i: usize, len: usize) -> Bytes {
    Bytes::from((0..len).map(|j| (i * 31 + j) as u8).collect::<Vec<u8>>())
}

async fn run_model(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let config = WalConfig {
        segment_bytes: 512,
        ..small(dir.path())
    };
    let mut model: Vec<Bytes> = Vec::new();
    let mut committed: Option<u64> = None;
    let mut wal = Some(Wal::open(config.clone()).unwrap());
    for op in ops {
        match op {
            Op::Append(sizes) => {
                let w = wal.as_ref().unwrap();
                let payloads: Vec<Bytes> = sizes
                    .iter()
                    .enumerate()
                    .map(|(k, &len)| model_payload(model.len() + k, len))
                    .collect();
                let ack = w.append(payloads.clone()).await.unwrap();
                prop_assert_eq!(ack.first, model.len() as u64);
                prop_assert_eq!(ack.count, sizes.len() as u64);
                model.extend(payloads);
            }
            Op::Reopen => {
                drop(wal.take());
                wal = Some(Wal::open(config.clone()).unwrap());
            }
            Op::TornTail(garbage) => {
                drop(wal.take());
                let seg = segment_files(dir.path()).pop().unwrap();
                OpenOptions::new()
                    .append(true)
                    .open(&seg)
                    .unwrap()
                    .write_all(&garbage)
                    .unwrap();
                let w = Wal::open(config.clone()).unwrap();
                prop_assert_eq!(w.stats().recovery.truncated_bytes, garbage.len() as u64);
                wal = Some(w);
            }
            Op::CutTail(per_mille) => {
                drop(wal.take());
                let seg = segment_files(dir.path()).pop().unwrap();
                let base =
                    segment::parse_file_name(seg.file_name().unwrap().to_str().unwrap()).unwrap();
                let len = fs::metadata(&seg).unwrap().len();
                let cut = len * u64::from(per_mille) / 1000;
                OpenOptions::new()
                    .write(true)
                    .open(&seg)
                    .unwrap()
                    .set_len(cut)
                    .unwrap();
                // Records of the last segment that still end within the cut survive.
                let mut valid_end = HEADER_LEN;
                let mut kept = base as usize;
                while kept < model.len() && valid_end + 8 + model[kept].len() as u64 <= cut {
                    valid_end += 8 + model[kept].len() as u64;
                    kept += 1;
                }
                let expected_truncated = if cut < HEADER_LEN {
                    cut
                } else {
                    cut - valid_end
                };
                model.truncate(kept);
                let w = Wal::open(config.clone()).unwrap();
                let report = w.stats().recovery;
                prop_assert_eq!(report.truncated_bytes, expected_truncated);
                // A cut on a record boundary leaves a valid segment: nothing to report.
                let repaired = cut < HEADER_LEN || expected_truncated > 0;
                prop_assert_eq!(report.truncated_segment.is_some(), repaired);
                wal = Some(w);
            }
            Op::Commit(per_mille) => {
                // Commits only move forward here (a rewind cannot bring deleted data back),
                // and never past the end (a cut may have left a commit beyond it).
                let at =
                    (model.len() as u64 * u64::from(per_mille) / 1000).max(committed.unwrap_or(0));
                if at > model.len() as u64 {
                    continue;
                }
                wal.as_ref()
                    .unwrap()
                    .commit(SUITE_CONSUMER, at)
                    .await
                    .unwrap();
                committed = Some(at);
            }
            Op::Read(per_mille, max) => {
                let w = wal.as_ref().unwrap();
                let from = model.len() as u64 * u64::from(per_mille) / 1000;
                let start = w.stats().start_offset;
                let got = w.read(from, max).await.unwrap();
                let first = from.max(start);
                let expected_len = (model.len() as u64).saturating_sub(first).min(max as u64);
                prop_assert_eq!(got.len() as u64, expected_len);
                for (r, o) in got.iter().zip(first..) {
                    prop_assert_eq!(r.offset, o);
                    prop_assert_eq!(&r.payload, &model[o as usize]);
                }
            }
        }
        let w = wal.as_ref().unwrap();
        let stats = w.stats();
        prop_assert_eq!(stats.end_offset, model.len() as u64);
        prop_assert!(stats.start_offset <= committed.unwrap_or(0));
        prop_assert_eq!(w.committed(SUITE_CONSUMER), committed);
    }
    // Everything retained matches the model after a final reopen.
    drop(wal.take());
    let w = Wal::open(config).unwrap();
    let start = w.stats().start_offset;
    let all = read_to_end(&w, 0, 100).await;
    prop_assert_eq!(all.len() as u64, model.len() as u64 - start);
    for r in &all {
        prop_assert_eq!(&r.payload, &model[r.offset as usize]);
    }
    Ok(())
}

proptest! {
    // PROPTEST_CASES raises the case count for a longer run (default 48 keeps `cargo test` fast).
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    #[test]
    fn model_matches_vec(ops in prop::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run_model(ops))?;
    }
}

// ---- Frozen on-disk format ------------------------------------------------------------

/// The fixture in `tests/data/v1`, written by format version 1 (see `tests/data/README.md`).
fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/v1")
}

const FIXTURE_RECORDS: [&[u8]; 3] = [b"alpha", b"", b"gamma \x00\xff"];

/// Rewrites the fixture. Run only on purpose, when a new format version is introduced:
/// `cargo test -p vigie-log regenerate_v1_fixture -- --ignored`.
#[tokio::test]
#[ignore = "writes the committed fixture"]
async fn regenerate_v1_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    let wal = Wal::open(big(tmp.path())).unwrap();
    let payloads = FIXTURE_RECORDS
        .iter()
        .map(|r| Bytes::from_static(r))
        .collect();
    wal.append(payloads).await.unwrap();
    wal.commit("pipeline", 1).await.unwrap();
    drop(wal);
    for name in ["00000000000000000000.wal", "consumers.json"] {
        fs::copy(tmp.path().join(name), fixture_dir().join(name)).unwrap();
    }
}

#[tokio::test]
async fn reads_v1_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["00000000000000000000.wal", "consumers.json"] {
        fs::copy(fixture_dir().join(name), tmp.path().join(name)).unwrap();
    }
    let wal = Wal::open(big(tmp.path())).unwrap();
    assert_eq!(wal.stats().recovery.truncated_bytes, 0);
    let got = wal.read(0, 10).await.unwrap();
    let payloads: Vec<&[u8]> = got.iter().map(|r| r.payload.as_ref()).collect();
    assert_eq!(payloads, FIXTURE_RECORDS);
    assert_eq!(wal.committed("pipeline"), Some(1));
}

#[test]
fn encoder_writes_the_v1_fixture_bytes() {
    let mut expected = segment::encode_header(0).to_vec();
    for r in FIXTURE_RECORDS {
        record::encode(r, &mut expected);
    }
    let fixture = fs::read(fixture_dir().join("00000000000000000000.wal")).unwrap();
    assert_eq!(fixture, expected);
    // Spot-check the layout by hand: magic, version 1, first offset 0, then the first frame's
    // length (5, little endian) right after the 24-byte header.
    assert_eq!(&fixture[0..8], b"VIGIEWAL");
    assert_eq!(&fixture[8..12], &[1, 0, 0, 0]);
    assert_eq!(&fixture[12..20], &[0; 8]);
    assert_eq!(&fixture[24..28], &[5, 0, 0, 0]);
    assert_eq!(&fixture[32..37], b"alpha");
}

// ---- Crash test: kill -9 while appending ----------------------------------------------

const CRASH_DIR_ENV: &str = "VIGIE_LOG_CRASH_CHILD_DIR";

/// The child side of `acked_records_survive_kill_9`: appends from 8 tasks until killed,
/// printing `ACK <first> <count> <task> <seq>` after each acknowledged append.
#[test]
#[ignore = "run as a child process by acked_records_survive_kill_9"]
fn crash_child() {
    let Ok(dir) = std::env::var(CRASH_DIR_ENV) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let wal = Arc::new(Wal::open(small(Path::new(&dir))).unwrap());
        let mut tasks = tokio::task::JoinSet::new();
        for task in 0..8u64 {
            let wal = Arc::clone(&wal);
            tasks.spawn(async move {
                for seq in 0u64.. {
                    let n = 1 + seq % 4;
                    let payloads = (0..n).map(|k| crash_payload(task, seq, k)).collect();
                    let ack = wal.append(payloads).await.unwrap();
                    println!("ACK {} {} {task} {seq}", ack.first, ack.count);
                }
            });
        }
        while tasks.join_next().await.is_some() {}
    });
}

fn crash_payload(task: u64, seq: u64, k: u64) -> Bytes {
    let mut v = format!("t{task}-s{seq}-k{k}-").into_bytes();
    v.resize(40 + ((seq * 7 + k) % 120) as usize, b'.');
    Bytes::from(v)
}

#[tokio::test]
async fn acked_records_survive_kill_9() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let mut acked: Vec<(u64, Bytes)> = Vec::new();
    for round in 0..3 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "wal::tests::crash_child",
                "--ignored",
                "--nocapture",
            ])
            .env(CRASH_DIR_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                lines.push(line.unwrap());
            }
            lines
        });
        tokio::time::sleep(Duration::from_millis(300 + 150 * round)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let lines = reader.join().unwrap();
        let before = acked.len();
        for line in lines.iter().filter_map(|l| l.strip_prefix("ACK ")) {
            let f: Vec<u64> = line.split(' ').map(|x| x.parse().unwrap()).collect();
            let (first, count, task, seq) = (f[0], f[1], f[2], f[3]);
            for k in 0..count {
                acked.push((first + k, crash_payload(task, seq, k)));
            }
        }
        assert!(
            acked.len() > before,
            "round {round}: the child acknowledged nothing"
        );

        let wal = Wal::open(small(dir.path())).unwrap();
        let end = wal.end_offset();
        println!(
            "round {round}: {} records acked so far, end {end}, recovery {:?}",
            acked.len(),
            wal.stats().recovery
        );
        for (offset, payload) in &acked {
            assert!(
                *offset < end,
                "acked offset {offset} lost (end {end}) in round {round}"
            );
            let got = wal.read(*offset, 1).await.unwrap();
            assert_eq!(&got[0].payload, payload, "offset {offset} in round {round}");
        }
    }
}

#[tokio::test]
async fn sealed_segment_deleted_behind_the_logs_back_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let wal = Wal::open(small(dir.path())).unwrap();
    wal.append((0..100).map(p).collect()).await.unwrap();
    let files = segment_files(dir.path());
    fs::remove_file(&files[0]).unwrap();
    let err = wal.read(0, 10).await.unwrap_err();
    assert!(
        matches!(err, LogError::Io { ref path, .. } if *path == files[0]),
        "{err:?}"
    );
    // Later segments are still readable.
    assert_eq!(wal.read(90, 10).await.unwrap().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_racing_retention_restart_at_the_new_start() {
    let dir = tempfile::tempdir().unwrap();
    let wal = Arc::new(Wal::open(small(dir.path())).unwrap());
    wal.append((0..2000).map(p).collect()).await.unwrap();
    let reader = {
        let wal = Arc::clone(&wal);
        tokio::spawn(async move {
            for _ in 0..200 {
                let got = wal.read(0, 5).await.unwrap();
                let first = got[0].offset;
                for (r, o) in got.iter().zip(first..) {
                    assert_eq!((r.offset, &r.payload), (o, &p(o)));
                }
            }
        })
    };
    for at in (0..=1900).step_by(50) {
        wal.commit(SUITE_CONSUMER, at).await.unwrap();
    }
    reader.await.unwrap();
    assert!(wal.stats().start_offset > 1800);
}
