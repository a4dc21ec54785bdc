//! The offset-level checks of the embedded log: dense offsets, reads from any offset, commits
//! by offset, segment retention. They are the WAL's own API (the backend-neutral checks of
//! [`crate::Log`] are in `crate::testsuite`).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::testsuite::SUITE_CONSUMER;
use crate::{Offset, Record, Wal};

/// Runs every check, each in a fresh temporary directory.
pub(super) async fn run_all(make: impl Fn(&Path) -> Wal) {
    append_and_read(&make).await;
    ack_is_durable_across_reopen(&make).await;
    concurrent_appenders_get_dense_offsets(&make).await;
    commit_survives_reopen(&make).await;
    wait_for_wakes(&make).await;
    segment_deletion_after_commit(&make).await;
    read_before_start(&make).await;
}

fn payload(i: u64, len: usize) -> Bytes {
    let mut v = format!("record-{i}-").into_bytes();
    v.resize(len.max(v.len()), b'a' + (i % 26) as u8);
    Bytes::from(v)
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create a temporary directory")
}

/// Reads everything from `from` to the end, in calls of at most `chunk` records.
pub(super) async fn read_to_end(log: &Wal, from: Offset, chunk: usize) -> Vec<Record> {
    let mut out: Vec<Record> = Vec::new();
    let mut cur = from;
    loop {
        let got = log.read(cur, chunk).await.expect("read");
        assert!(got.len() <= chunk, "read returned more than max records");
        let Some(last) = got.last() else { break };
        cur = last.offset + 1;
        out.extend(got);
    }
    out
}

/// Appended payloads come back in order at dense offsets from 0; bounds of `read` hold.
pub(super) async fn append_and_read(make: &impl Fn(&Path) -> Wal) {
    let dir = temp_dir();
    let log = make(dir.path());
    assert_eq!(log.end_offset(), 0, "a new log starts at offset 0");
    assert!(log.read(0, 10).await.expect("read").is_empty());

    let a = log
        .append(vec![payload(0, 10), payload(1, 0), payload(2, 300)])
        .await
        .expect("append");
    assert_eq!((a.first, a.count), (0, 3));
    let b = log.append(vec![payload(3, 5)]).await.expect("append");
    assert_eq!((b.first, b.count), (3, 1));
    let empty = log.append(Vec::new()).await.expect("empty append");
    assert_eq!(empty.count, 0);
    assert_eq!(log.end_offset(), 4);

    let all = log.read(0, 100).await.expect("read");
    let offsets: Vec<Offset> = all.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, vec![0, 1, 2, 3]);
    assert_eq!(all[0].payload, payload(0, 10));
    assert_eq!(all[1].payload, payload(1, 0));
    assert_eq!(all[2].payload, payload(2, 300));
    assert_eq!(all[3].payload, payload(3, 5));

    let mid = log.read(2, 1).await.expect("read");
    assert_eq!(mid.len(), 1);
    assert_eq!(mid[0].offset, 2);
    assert_eq!(mid[0].payload, payload(2, 300));
    assert!(
        log.read(4, 10).await.expect("read").is_empty(),
        "read at end"
    );
    assert!(
        log.read(1000, 10).await.expect("read").is_empty(),
        "read past end"
    );
    assert!(log.read(0, 0).await.expect("read").is_empty(), "max 0");

    // Many records, read back in small chunks from every kind of starting point.
    let batch: Vec<Bytes> = (4..500).map(|i| payload(i, (i % 97) as usize)).collect();
    let ack = log.append(batch).await.expect("append");
    assert_eq!((ack.first, ack.count), (4, 496));
    for from in [0, 31, 32, 33, 250, 499] {
        let got = read_to_end(&log, from, 7).await;
        assert_eq!(got.len() as u64, 500 - from, "records from {from}");
        for (r, expected) in got.iter().zip(from..) {
            assert_eq!(r.offset, expected);
        }
        assert_eq!(
            got.last().expect("not empty").payload,
            payload(499, 499 % 97)
        );
    }
    let stats = log.stats();
    assert_eq!(stats.end_offset, 500);
    assert_eq!(stats.start_offset, 0);
    assert_eq!(stats.appended_records, 500);
}

/// Whatever was acknowledged is there after the log is dropped and reopened, and offsets go
/// on from where they stopped.
pub(super) async fn ack_is_durable_across_reopen(make: &impl Fn(&Path) -> Wal) {
    let dir = temp_dir();
    let mut expected = Vec::new();
    for round in 0..3u64 {
        let log = make(dir.path());
        assert_eq!(
            log.end_offset(),
            expected.len() as u64,
            "reopen round {round}"
        );
        for i in 0..20 {
            let n = expected.len() as u64;
            let p = payload(n, (i * 13) as usize);
            let ack = log.append(vec![p.clone()]).await.expect("append");
            assert_eq!(ack.first, n);
            expected.push(p);
        }
        drop(log);
    }
    let log = make(dir.path());
    let got = read_to_end(&log, 0, 1000).await;
    let payloads: Vec<Bytes> = got.into_iter().map(|r| r.payload).collect();
    assert_eq!(payloads, expected);
}

/// Concurrent appenders get disjoint offsets that together cover a dense range, and each
/// appender's payloads sit at the offsets it was given.
pub(super) async fn concurrent_appenders_get_dense_offsets(make: &impl Fn(&Path) -> Wal) {
    let dir = temp_dir();
    let log = Arc::new(make(dir.path()));
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..16u64 {
        let log = Arc::clone(&log);
        tasks.spawn(async move {
            let mut mine = Vec::new();
            for i in 0..20u64 {
                let n = 1 + i % 3;
                let payloads: Vec<Bytes> = (0..n)
                    .map(|j| Bytes::from(format!("t{task}-a{i}-p{j}")))
                    .collect();
                let ack = log.append(payloads.clone()).await.expect("append");
                assert_eq!(ack.count, n);
                for (j, p) in payloads.into_iter().enumerate() {
                    mine.push((ack.first + j as u64, p));
                }
            }
            mine
        });
    }
    let mut all = Vec::new();
    while let Some(done) = tasks.join_next().await {
        all.extend(done.expect("appender task"));
    }
    all.sort_by_key(|(o, _)| *o);
    let total = all.len() as u64;
    let offsets: Vec<Offset> = all.iter().map(|(o, _)| *o).collect();
    assert_eq!(
        offsets,
        (0..total).collect::<Vec<_>>(),
        "offsets dense and disjoint"
    );
    assert_eq!(log.end_offset(), total);
    let got = read_to_end(log.as_ref(), 0, 64).await;
    assert_eq!(got.len() as u64, total);
    for (r, (o, p)) in got.iter().zip(&all) {
        assert_eq!((r.offset, &r.payload), (*o, p));
    }
}

/// Commits are readable at once and after a reopen; unknown consumers have none.
pub(super) async fn commit_survives_reopen(make: &impl Fn(&Path) -> Wal) {
    let dir = temp_dir();
    {
        let log = make(dir.path());
        assert_eq!(log.committed(SUITE_CONSUMER), None);
        let batch: Vec<Bytes> = (0..10).map(|i| payload(i, 8)).collect();
        log.append(batch).await.expect("append");
        log.commit(SUITE_CONSUMER, 3).await.expect("commit");
        log.commit("other", 7).await.expect("commit other");
        assert_eq!(log.committed(SUITE_CONSUMER), Some(3));
        log.commit(SUITE_CONSUMER, 5).await.expect("commit");
        assert_eq!(log.committed(SUITE_CONSUMER), Some(5));
        assert_eq!(log.committed("other"), Some(7));
        assert_eq!(log.committed("nobody"), None);
        assert!(
            log.commit(SUITE_CONSUMER, 11).await.is_err(),
            "committing beyond the end must fail"
        );
        assert_eq!(log.committed(SUITE_CONSUMER), Some(5));
    }
    let log = make(dir.path());
    assert_eq!(log.committed(SUITE_CONSUMER), Some(5));
    assert_eq!(log.committed("other"), Some(7));
    assert_eq!(log.committed("nobody"), None);
}

/// `wait_for` returns at once for an available offset, wakes on an append, and times out
/// otherwise.
pub(super) async fn wait_for_wakes(make: &impl Fn(&Path) -> Wal) {
    let dir = temp_dir();
    let log = Arc::new(make(dir.path()));
    let started = Instant::now();
    assert!(
        !log.wait_for(0, Duration::from_millis(50)).await,
        "nothing to wait for"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(40),
        "timeout honoured"
    );

    log.append(vec![payload(0, 1)]).await.expect("append");
    assert!(
        log.wait_for(0, Duration::from_secs(5)).await,
        "offset 0 is available"
    );

    let appender = Arc::clone(&log);
    let handle = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        appender.append(vec![payload(1, 1)]).await.expect("append");
    });
    let started = Instant::now();
    assert!(
        log.wait_for(1, Duration::from_secs(10)).await,
        "woken by the append"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "woke late: {:?}",
        started.elapsed()
    );
    handle.await.expect("appender");
    assert_eq!(log.read(1, 10).await.expect("read").len(), 1);
}

/// After the registered consumer commits, wholly consumed data is deleted: the start offset
/// moves up (never past the commit), disk use shrinks, and data at and after the commit stays
/// readable, also after a reopen.
pub(super) async fn segment_deletion_after_commit(make: &impl Fn(&Path) -> Wal) {
    let dir = temp_dir();
    let log = make(dir.path());
    let batch: Vec<Bytes> = (0..500).map(|i| payload(i, 200)).collect();
    log.append(batch).await.expect("append");
    let before = log.stats();
    assert_eq!(before.start_offset, 0);
    assert!(
        before.segments > 2,
        "100 KiB should span several segments: {before:?}"
    );

    log.commit("not-registered", 500).await.expect("commit");
    assert_eq!(
        log.stats().start_offset,
        0,
        "unregistered consumers do not gate deletion"
    );

    log.commit(SUITE_CONSUMER, 400).await.expect("commit");
    let after = log.stats();
    assert!(
        after.start_offset > 0 && after.start_offset <= 400,
        "start offset after commit at 400: {after:?}"
    );
    assert!(after.segments < before.segments);
    assert!(after.bytes_on_disk < before.bytes_on_disk);
    let rest = read_to_end(&log, 400, 50).await;
    assert_eq!(rest.len(), 100);
    assert_eq!(rest[0].payload, payload(400, 200));
    drop(log);

    let log = make(dir.path());
    let reopened = log.stats();
    assert_eq!(reopened.start_offset, after.start_offset);
    assert_eq!(reopened.end_offset, 500);
    let ack = log.append(vec![payload(500, 3)]).await.expect("append");
    assert_eq!(ack.first, 500, "offsets are never reused after deletion");
}

/// Reading below the start offset starts at the start offset.
pub(super) async fn read_before_start(make: &impl Fn(&Path) -> Wal) {
    let dir = temp_dir();
    let log = make(dir.path());
    let batch: Vec<Bytes> = (0..500).map(|i| payload(i, 200)).collect();
    log.append(batch).await.expect("append");
    log.commit(SUITE_CONSUMER, 450).await.expect("commit");
    let start = log.stats().start_offset;
    assert!(start > 0, "commit should have deleted data");
    let got = log.read(0, 5).await.expect("read");
    assert_eq!(got.len(), 5);
    assert_eq!(got[0].offset, start);
    assert_eq!(got[0].payload, payload(start, 200));
    let all = read_to_end(&log, 0, 1000).await;
    assert_eq!(all.len() as u64, 500 - start);
}
