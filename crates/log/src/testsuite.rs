//! The conformance suite for [`Log`] backends, written against the trait only.
//!
//! Every backend runs [`run_all`] (or the single checks) with a `make` closure that opens the
//! backend storing its state under the given directory (or under names derived from it).
//! Calling `make` again with the same directory after the previous instance was dropped must
//! reopen the same log. The log `make` opens must:
//!
//! - know the two consumers [`SUITE_CONSUMER`] and [`SECOND_CONSUMER`], and delete data only
//!   once every consumer that gates retention (at least [`SUITE_CONSUMER`]) committed it;
//! - keep records of one append together or in order (the checks allow a backend to hand an
//!   append's records out again when only some of them were committed).
//!
//! Each check panics with a message naming what failed. Enabled by the `testsuite` feature.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::{Log, LogError, LogReader, PartitionKey, Record};

/// The consumer that gates retention in the backend under test.
pub const SUITE_CONSUMER: &str = "testsuite";
/// A second consumer the backend under test must know.
pub const SECOND_CONSUMER: &str = "second";

/// How long a check waits for something that should come at once.
const PATIENCE: Duration = Duration::from_secs(10);

/// Runs every check, each in a fresh temporary directory.
pub async fn run_all<L, F, Fut>(make: F)
where
    L: Log,
    F: Fn(&Path) -> Fut,
    Fut: Future<Output = L>,
{
    append_and_read(&make).await;
    keys_keep_their_order(&make).await;
    durable_across_reopen(&make).await;
    commit_moves_the_start(&make).await;
    uncommitted_records_come_again(&make).await;
    consumers_are_independent(&make).await;
    next_waits_for_an_append(&make).await;
    concurrent_appenders(&make).await;
    backlog_follows_commits(&make).await;
    retention_after_commit(&make).await;
    bad_partition(&make).await;
}

/// A payload naming its number, `len` bytes long (at least the name).
pub fn payload(i: u64, len: usize) -> Bytes {
    let mut v = format!("record-{i}-").into_bytes();
    v.resize(len.max(v.len()), b'a' + (i % 26) as u8);
    Bytes::from(v)
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create a temporary directory")
}

/// The key of the suite's `n`-th tenant.
pub fn key(n: usize) -> PartitionKey<'static> {
    const TENANTS: [&str; 6] = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];
    PartitionKey {
        tenant: TENANTS[n % TENANTS.len()],
        source: "suite",
    }
}

/// A reader, or a panic naming the consumer and partition.
pub async fn reader<L: Log>(log: &L, consumer: &str, partition: u32) -> Box<dyn LogReader> {
    log.reader(consumer, partition)
        .await
        .unwrap_or_else(|e| panic!("reader of {consumer} on partition {partition}: {e}"))
}

/// Reads until `want` records came or nothing more comes within a short wait; checks that
/// positions grow.
pub async fn read_n(reader: &mut dyn LogReader, want: usize) -> Vec<Record> {
    let mut out: Vec<Record> = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while out.len() < want && Instant::now() < deadline {
        let got = reader
            .next(want - out.len(), Duration::from_millis(200))
            .await
            .expect("next");
        assert!(got.len() <= want - out.len(), "next returned more than max");
        for r in &got {
            if let Some(last) = out.last() {
                assert!(
                    r.offset > last.offset,
                    "positions must grow: {r:?} after {last:?}"
                );
            }
        }
        out.extend(got);
    }
    assert!(
        reader.position() >= out.last().map_or(0, |r| r.offset + 1),
        "position is after the last record returned"
    );
    out
}

/// Nothing more within `wait`.
async fn assert_drained(reader: &mut dyn LogReader, wait: Duration, what: &str) {
    let more = reader.next(10, wait).await.expect("next");
    assert!(more.is_empty(), "{what}: unexpected records {more:?}");
}

fn payloads_of(records: &[Record]) -> Vec<Bytes> {
    records.iter().map(|r| r.payload.clone()).collect()
}

/// Records of one key come back in the order appended, in the partition the key names; an
/// ack names that partition and the first record's position.
pub async fn append_and_read<L, F, Fut>(make: &F)
where
    L: Log,
    F: Fn(&Path) -> Fut,
    Fut: Future<Output = L>,
{
    let dir = temp_dir();
    let log = make(dir.path()).await;
    let parts = log.partitions();
    assert!(parts >= 1, "at least one partition");
    let k = key(0);
    let p = k.partition(parts);

    let a = log
        .append(k, vec![payload(0, 10), payload(1, 0), payload(2, 300)])
        .await
        .expect("append");
    assert_eq!((a.partition, a.count), (p, 3));
    let b = log.append(k, vec![payload(3, 5)]).await.expect("append");
    assert_eq!((b.partition, b.count), (p, 1));
    assert!(b.first > a.first, "positions grow from append to append");
    let empty = log.append(k, Vec::new()).await.expect("empty append");
    assert_eq!(empty.count, 0);

    let mut r = reader(&log, SUITE_CONSUMER, p).await;
    let got = read_n(r.as_mut(), 4).await;
    assert_eq!(
        payloads_of(&got),
        vec![
            payload(0, 10),
            payload(1, 0),
            payload(2, 300),
            payload(3, 5)
        ]
    );
    assert_eq!(
        got[0].offset, a.first,
        "the ack names the first record's position"
    );
    assert_eq!(got[3].offset, b.first);
    assert_drained(r.as_mut(), Duration::from_millis(300), "after 4 records").await;
    assert_eq!(r.lag(), 0, "nothing left to read");

    // A large append, read in small steps.
    let batch: Vec<Bytes> = (4..500).map(|i| payload(i, (i % 97) as usize)).collect();
    let ack = log.append(k, batch.clone()).await.expect("append");
    assert_eq!(ack.count, 496);
    let mut got = Vec::new();
    while got.len() < 496 {
        let step = r.next(7, PATIENCE).await.expect("next");
        assert!(!step.is_empty(), "records stopped after {}", got.len());
        assert!(step.len() <= 7);
        got.extend(step);
    }
    assert_eq!(payloads_of(&got), batch);
    r.close().await.expect("close");
}

/// Several keys: each key's records stay in order in its own partition, and every record
/// is in exactly one partition.
pub async fn keys_keep_their_order<L, F, Fut>(make: &F)
where
    L: Log,
    F: Fn(&Path) -> Fut,
    Fut: Future<Output = L>,
{
    let dir = temp_dir();
    let log = make(dir.path()).await;
    let parts = log.partitions();
    for round in 0..5u64 {
        for n in 0..6 {
            let k = key(n);
            let p1 = Bytes::from(format!("{}-{round}-a", k.tenant));
            let p2 = Bytes::from(format!("{}-{round}-b", k.tenant));
            let ack = log.append(k, vec![p1, p2]).await.expect("append");
            assert_eq!(ack.partition, k.partition(parts));
        }
    }
    let mut seen = 0;
    for p in 0..parts {
        let mut r = reader(&log, SUITE_CONSUMER, p).await;
        let want = (0..6).filter(|n| key(*n).partition(parts) == p).count() * 10;
        let got = read_n(r.as_mut(), want).await;
        assert_eq!(got.len(), want, "partition {p}");
        assert_drained(r.as_mut(), Duration::from_millis(200), "partition drained").await;
        for n in (0..6).filter(|n| key(*n).partition(parts) == p) {
            let tenant = key(n).tenant;
            let mine: Vec<String> = got
                .iter()
                .map(|r| String::from_utf8_lossy(&r.payload).into_owned())
                .filter(|s| s.starts_with(&format!("{tenant}-")))
                .collect();
            let expected: Vec<String> = (0..5)
                .flat_map(|round| [format!("{tenant}-{round}-a"), format!("{tenant}-{round}-b")])
                .collect();
            assert_eq!(mine, expected, "order of {tenant} in partition {p}");
        }
        seen += got.len();
        r.close().await.expect("close");
    }
    assert_eq!(seen, 60, "every record in exactly one partition");
}

/// What was acknowledged is there after the log is dropped and reopened.
pub async fn durable_across_reopen<L, F, Fut>(make: &F)
where
    L: Log,
    F: Fn(&Path) -> Fut,
    Fut: Future<Output = L>,
{
    let dir = temp_dir();
    let mut expected = Vec::new();
    let mut partition = 0;
    for round in 0..3u64 {
        let log = make(dir.path()).await;
        partition = key(1).partition(log.partitions());
        for i in 0..20u64 {
            let p = payload(round * 100 + i, (i * 13) as usize);
            log.append(key(1), vec![p.clone()]).await.expect("append");
            expected.push(p);
        }
        drop(log);
    }
    let log = make(dir.path()).await;
    let mut r = reader(&log, SUITE_CONSUMER, partition).await;
    let got = read_n(r.as_mut(), expected.len()).await;
    assert_eq!(payloads_of(&got), expected);
    r.close().await.expect("close");
}

/// After a commit, a new reader of the consumer starts after the committed records, also
/// after a reopen; `committed` and `position` say where.
pub async fn commit_moves_the_start<L, F, Fut>(make: &F)
where
    L: Log,
    F: Fn(&Path) -> Fut,
    Fut: Future<Output = L>,
{
    let dir = temp_dir();
    let k = key(2);
    let partition;
    {
        let log = make(dir.path()).await;
        partition = k.partition(log.partitions());
        for i in 0..10 {
            log.append(k, vec![payload(i, 8)]).await.expect("append");
        }
        let mut r = reader(&log, SUITE_CONSUMER, partition).await;
        let first = read_n(r.as_mut(), 6).await;
        assert_eq!(first.len(), 6);
        assert!(
            r.commit(r.position() + 1).await.is_err(),
            "a commit past what was returned is an error"
        );
        // Commit the first four only: the next two come again.
        r.commit(first[4].offset).await.expect("commit");
        assert_eq!(r.committed(), first[4].offset, "committed where asked");
        r.close().await.expect("close");

        let mut r = reader(&log, SUITE_CONSUMER, partition).await;
        let rest = read_n(r.as_mut(), 6).await;
        assert_eq!(
            payloads_of(&rest),
            (4..10).map(|i| payload(i, 8)).collect::<Vec<_>>(),
            "a new reader starts after the commit"
        );
        r.commit(r.position()).await.expect("commit");
        r.close().await.expect("close");
    }
    let log = make(dir.path()).await;
    let mut r = reader(&log, SUITE_CONSUMER, partition).await;
    assert_drained(
        r.as_mut(),
        Duration::from_millis(500),
        "all committed before the reopen",
    )
    .await;
    log.append(k, vec![payload(10, 8)]).await.expect("append");
    let next = read_n(r.as_mut(), 1).await;
    assert_eq!(payloads_of(&next), vec![payload(10, 8)]);
    r.close().await.expect("close");
}

/// Records returned but not committed are handed out again to the next reader.
pub async fn uncommitted_records_come_again<L, F, Fut>(make: &F)
where
    L: Log,
    F: Fn(&Path) -> Fut,
    Fut: Future<Output = L>,
{
    let dir = temp_dir();
    let log = make(dir.path()).await;
    let k = key(3);
    let partition = k.partition(log.partitions());
    for i in 0..6 {
        log.append(k, vec![payload(i, 8)]).await.expect("append");
    }
    let mut r = reader(&log, SUITE_CONSUMER, partition).await;
    let two = read_n(r.as_mut(), 2).await;
    r.commit(r.position()).await.expect("commit");
    let more = read_n(r.as_mut(), 3).await;
    assert_eq!(payloads_of(&two), vec![payload(0, 8), payload(1, 8)]);
    assert_eq!(more.len(), 3);
    r.close().await.expect("close");

    let mut again = reader(&log, SUITE_CONSUMER, partition).await;
    let got = read_n(again.as_mut(), 4).await;
    assert_eq!(
        payloads_of(&got),
        (2..6).map(|i| payload(i, 8)).collect::<Vec<_>>(),
        "the three uncommitted records and the unread one"
    );
    again.close().await.expect("close");
}

/// One consumer's commits do not move another's start.
pub async fn consumers_are_independent<L, F, Fut>(make: &F)
where
    L: Log,
    F: Fn(&Path) -> Fut,
    Fut: Future<Output = L>,
{
    let dir = temp_dir();
    let log = make(dir.path()).await;
    let k = key(4);
    let partition = k.partition(log.partitions());
    for i in 0..5 {
        log.append(k, vec![payload(i, 4)]).await.expect("append");
    }
    let mut a = reader(&log, SUITE_CONSUMER, partition).await;
    assert_eq!(read_n(a.as_mut(), 5).await.len(), 5);
    a.commit(a.position()).await.expect("commit");
    a.close().await.expect("close");
    let mut b = reader(&log, SECOND_CONSUMER, partition).await;
    let got = read_n(b.as_mut(), 5).await;
    assert_eq!(
        payloads_of(&got),
        (0..5).map(|i| payload(i, 4)).collect::<Vec<_>>()
    );
    b.close().await.expect("close");
}

/// `next` with a wait returns soon after an append from elsewhere, and after about the wait
/// when nothing comes.
pub async fn next_waits_for_an_append<L, F, Fut>(make: &F)
where
    L: Log,
    F: Fn(&Path) -> Fut,
    Fut: Future<Output = L>,
{
    let dir = temp_dir();
    let log = Arc::new(make(dir.path()).await);
    let k = key(5);
    let partition = k.partition(log.partitions());
    let mut r = reader(log.as_ref(), SUITE_CONSUMER, partition).await;
    let started = Instant::now();
    assert!(
        r.next(10, Duration::from_millis(300))
            .await
            .expect("next")
            .is_empty()
    );
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "the wait is honoured: {:?}",
        started.elapsed()
    );
    let appender = Arc::clone(&log);
    let handle = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        appender
            .append(k, vec![payload(0, 1)])
            .await
            .expect("append");
    });
    let started = Instant::now();
    let got = r.next(10, Duration::from_secs(20)).await.expect("next");
    assert_eq!(payloads_of(&got), vec![payload(0, 1)]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "woke late: {:?}",
        started.elapsed()
    );
    handle.await.expect("appender");
    r.close().await.expect("close");
}

/// Concurrent appenders: every append is acknowledged once, and all records come back, each
/// appender's in its order.
pub async fn concurrent_appenders<L, F, Fut>(make: &F)
where
    L: Log,
    F: Fn(&Path) -> Fut,
    Fut: Future<Output = L>,
{
    let dir = temp_dir();
    let log = Arc::new(make(dir.path()).await);
    let k = key(0);
    let partition = k.partition(log.partitions());
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..8u64 {
        let log = Arc::clone(&log);
        tasks.spawn(async move {
            let mut total = 0;
            for i in 0..15u64 {
                let n = 1 + i % 3;
                let payloads: Vec<Bytes> = (0..n)
                    .map(|j| Bytes::from(format!("t{task}-a{i:02}-p{j}")))
                    .collect();
                let ack = log.append(k, payloads).await.expect("append");
                assert_eq!(ack.count, n);
                total += n;
            }
            total
        });
    }
    let mut total = 0;
    while let Some(done) = tasks.join_next().await {
        total += done.expect("appender task");
    }
    let mut r = reader(log.as_ref(), SUITE_CONSUMER, partition).await;
    let got = read_n(r.as_mut(), total as usize).await;
    assert_eq!(got.len() as u64, total);
    for task in 0..8 {
        let mine: Vec<String> = got
            .iter()
            .map(|r| String::from_utf8_lossy(&r.payload).into_owned())
            .filter(|s| s.starts_with(&format!("t{task}-")))
            .collect();
        let mut sorted = mine.clone();
        sorted.sort();
        assert_eq!(mine, sorted, "appender {task}'s records in its order");
        assert_eq!(mine.len(), 30);
    }
    r.close().await.expect("close");
}

/// The backlog of a consumer counts what it has not committed and falls to 0 once it has
/// (a backend may report it a moment late).
pub async fn backlog_follows_commits<L, F, Fut>(make: &F)
where
    L: Log,
    F: Fn(&Path) -> Fut,
    Fut: Future<Output = L>,
{
    let dir = temp_dir();
    let log = make(dir.path()).await;
    let k = key(1);
    let partition = k.partition(log.partitions());
    for i in 0..7 {
        log.append(k, vec![payload(i, 4)]).await.expect("append");
    }
    eventually(
        || log.backlog(SUITE_CONSUMER) >= 7,
        "backlog 7 after 7 appends",
    )
    .await;
    let mut r = reader(&log, SUITE_CONSUMER, partition).await;
    assert_eq!(read_n(r.as_mut(), 7).await.len(), 7);
    r.commit(r.position()).await.expect("commit");
    eventually(
        || log.backlog(SUITE_CONSUMER) == 0,
        "backlog 0 after the commit",
    )
    .await;
    assert!(
        log.backlog(SECOND_CONSUMER) >= 7,
        "the other consumer's backlog is untouched"
    );
    r.close().await.expect("close");
}

/// Once every consumer committed, the log keeps less; data not yet committed by one of them
/// stays.
pub async fn retention_after_commit<L, F, Fut>(make: &F)
where
    L: Log,
    F: Fn(&Path) -> Fut,
    Fut: Future<Output = L>,
{
    let dir = temp_dir();
    let log = make(dir.path()).await;
    let k = key(2);
    let partition = k.partition(log.partitions());
    // Several appends of 20 KiB, so a segment-based backend spans several segments.
    for chunk in 0..5u64 {
        let batch: Vec<Bytes> = (0..100).map(|i| payload(chunk * 100 + i, 200)).collect();
        log.append(k, batch).await.expect("append");
    }
    // A backend that asks a server may report its figures a moment late.
    eventually(
        || log.stats().retained > 0,
        "something retained after 500 records",
    )
    .await;
    let before = log.stats().retained;

    let mut a = reader(&log, SUITE_CONSUMER, partition).await;
    assert_eq!(read_n(a.as_mut(), 400).await.len(), 400);
    a.commit(a.position()).await.expect("commit");
    let mut b = reader(&log, SECOND_CONSUMER, partition).await;
    assert_eq!(read_n(b.as_mut(), 400).await.len(), 400);
    b.commit(b.position()).await.expect("commit");
    eventually(
        || log.stats().retained < before,
        "less retained once both consumers committed 400 of 500 records",
    )
    .await;
    a.close().await.expect("close");
    b.close().await.expect("close");

    let mut a = reader(&log, SUITE_CONSUMER, partition).await;
    let rest = read_n(a.as_mut(), 100).await;
    assert_eq!(
        payloads_of(&rest),
        (400..500).map(|i| payload(i, 200)).collect::<Vec<_>>(),
        "uncommitted records are kept"
    );
    a.close().await.expect("close");
}

/// A partition the log does not have is an error naming it.
pub async fn bad_partition<L, F, Fut>(make: &F)
where
    L: Log,
    F: Fn(&Path) -> Fut,
    Fut: Future<Output = L>,
{
    let dir = temp_dir();
    let log = make(dir.path()).await;
    let parts = log.partitions();
    match log.reader(SUITE_CONSUMER, parts).await {
        Err(LogError::NoSuchPartition {
            partition,
            partitions,
        }) => assert_eq!((partition, partitions), (parts, parts)),
        Err(other) => panic!("wrong error for partition {parts}: {other}"),
        Ok(_) => panic!("partition {parts} of {parts} must not exist"),
    }
}

/// Polls `check` until it holds or [`PATIENCE`] passes.
async fn eventually(check: impl Fn() -> bool, what: &str) {
    let deadline = Instant::now() + PATIENCE;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within {PATIENCE:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
