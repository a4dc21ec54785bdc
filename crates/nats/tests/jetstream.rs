//! The event log on a real 3-server NATS JetStream cluster on 127.0.0.1 (R3 streams): the
//! `Log` conformance suite, failover between readers, the loss of one server under load, and
//! a clear refusal when no server is reachable. Skipped, with the reason, when no nats-server
//! 2.11+ is installed.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use vigie_log::testsuite::{self, SECOND_CONSUMER, SUITE_CONSUMER};
use vigie_log::{Log, LogError, PartitionKey};
use vigie_nats::testing::{NatsCluster, skip};
use vigie_nats::{JetStreamLog, NatsConfig, connect, init};

/// A name for the streams of one test directory: reopening the same directory reopens the
/// same streams.
fn prefix_of(dir: &Path) -> String {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(20)
        .collect();
    format!("T{clean}")
}

fn suite_config(cluster: &NatsCluster, prefix: &str) -> NatsConfig {
    NatsConfig {
        consumers: vec![SUITE_CONSUMER.to_owned(), SECOND_CONSUMER.to_owned()],
        // Small envelopes, so the suite's large appends span several.
        max_envelope_bytes: 16 * 1024,
        ..cluster.config(prefix, 3)
    }
}

async fn open(config: NatsConfig) -> JetStreamLog {
    let client = connect(&config, "vigie-test").await.expect("connect");
    init(&client, &config).await.expect("init");
    JetStreamLog::open(client, config).await.expect("open")
}

fn cluster(test: &str) -> Option<NatsCluster> {
    match NatsCluster::start(3) {
        Ok(cluster) => Some(cluster),
        Err(reason) => {
            skip(test, &reason);
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_suite_on_a_three_server_cluster() {
    let Some(cluster) = cluster("conformance_suite_on_a_three_server_cluster") else {
        return;
    };
    let cluster = Arc::new(cluster);
    testsuite::run_all(|dir| {
        let config = suite_config(&cluster, &prefix_of(dir));
        async move { open(config).await }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_is_explicit_and_idempotent() {
    let Some(cluster) = cluster("init_is_explicit_and_idempotent") else {
        return;
    };
    let config = cluster.config("INIT", 4);
    let client = connect(&config, "vigie-test").await.expect("connect");
    let first = init(&client, &config).await.expect("init");
    assert_eq!(first.streams.len(), 4);
    for s in &first.streams {
        assert_eq!((s.action, s.replicas), ("created", 3), "{s:?}");
        assert_eq!(s.consumers_created, vec!["detect"]);
    }
    let again = init(&client, &config).await.expect("init again");
    assert!(
        again.streams.iter().all(|s| s.action == "unchanged"),
        "{again}"
    );
    // A changed limit is applied in place.
    let bigger = NatsConfig {
        duplicate_window_seconds: 1800,
        ..config.clone()
    };
    let updated = init(&client, &bigger).await.expect("init updated");
    assert!(
        updated.streams.iter().all(|s| s.action == "updated"),
        "{updated}"
    );
    // The streams' settings are the documented ones.
    let js = async_nats::jetstream::new(client.clone());
    let mut stream = js.get_stream("INIT_2").await.expect("stream");
    let info = stream.info().await.expect("info").clone();
    assert_eq!(info.config.subjects, vec![config.subject(2)]);
    assert_eq!(
        info.config.retention,
        async_nats::jetstream::stream::RetentionPolicy::Interest
    );
    assert_eq!(
        info.config.storage,
        async_nats::jetstream::stream::StorageType::File
    );
    assert_eq!(info.config.duplicate_window, Duration::from_secs(1800));
    // Opening a log whose streams are missing names the stream and the remedy.
    let missing = JetStreamLog::open(client, cluster.config("NOPE", 2))
        .await
        .expect_err("no streams");
    let text = missing.to_string();
    assert!(
        text.contains("NOPE_0") && text.contains("cluster init"),
        "{text}"
    );
}

/// Two readers of one consumer and partition: one gets everything; when it closes (or its
/// process stops pulling), the other takes over where the commits stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_reader_takes_over() {
    let Some(cluster) = cluster("a_standby_reader_takes_over") else {
        return;
    };
    let config = suite_config(&cluster, "PIN");
    let log = open(config.clone()).await;
    let key = PartitionKey {
        tenant: "cpas-liege",
        source: "syslog",
    };
    let p = key.partition(log.partitions());
    for i in 0..10 {
        log.append(key, vec![Bytes::from(format!("e{i}"))])
            .await
            .expect("append");
    }
    let mut a = log.reader(SUITE_CONSUMER, p).await.expect("reader a");
    let got = a.next(4, Duration::from_secs(5)).await.expect("next");
    assert_eq!(got.len(), 4);
    a.commit(a.position()).await.expect("commit");
    let mut b = log.reader(SUITE_CONSUMER, p).await.expect("reader b");
    assert!(
        b.next(10, Duration::from_millis(800))
            .await
            .expect("next")
            .is_empty(),
        "the standby gets nothing while the first reader holds the pin"
    );
    // Two more handed to a, not committed: they must come again to b.
    assert_eq!(
        a.next(2, Duration::from_secs(5)).await.expect("next").len(),
        2
    );
    a.close().await.expect("close");
    let started = Instant::now();
    let mut rest = Vec::new();
    while rest.len() < 6 && started.elapsed() < Duration::from_secs(30) {
        rest.extend(b.next(10, Duration::from_secs(1)).await.expect("next"));
    }
    let texts: BTreeSet<String> = rest
        .iter()
        .map(|r| String::from_utf8_lossy(&r.payload).into_owned())
        .collect();
    let expected: BTreeSet<String> = (4..10).map(|i| format!("e{i}")).collect();
    assert_eq!(texts, expected, "b has every record a did not commit");
    eprintln!("takeover after close: {:?}", started.elapsed());
    b.commit(b.position()).await.expect("commit");
}

/// Appends run while one of the three servers is killed and restarted: every acknowledged
/// record is read back, none twice more than the retried ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_one_server_loses_no_acknowledged_record() {
    let Some(mut cluster) = cluster("losing_one_server_loses_no_acknowledged_record") else {
        return;
    };
    let config = suite_config(&cluster, "LOSS");
    let log = Arc::new(open(config.clone()).await);
    let acked = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (log, acked, refused, stop) =
            (log.clone(), acked.clone(), refused.clone(), stop.clone());
        tokio::spawn(async move {
            let key = PartitionKey {
                tenant: "police-zone",
                source: "bulk",
            };
            let mut n = 0u64;
            let mut ok = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let batch: Vec<Bytes> = (0..50)
                    .map(|i| Bytes::from(format!("r{}", n + i)))
                    .collect();
                match log.append(key, batch).await {
                    Ok(ack) => {
                        assert_eq!(ack.count, 50);
                        ok.extend(n..n + 50);
                        acked.fetch_add(50, Ordering::Relaxed);
                    }
                    Err(_) => {
                        refused.fetch_add(50, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
                n += 50;
            }
            (key, ok)
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.kill(1);
    tokio::time::sleep(Duration::from_secs(3)).await;
    cluster.restart(1).expect("restart");
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    let (key, ok) = writer.await.expect("writer");
    assert!(ok.len() > 500, "appends went on: {} acknowledged", ok.len());
    let mut reader = log
        .reader(SUITE_CONSUMER, key.partition(log.partitions()))
        .await
        .expect("reader");
    let mut seen = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let wanted: BTreeSet<u64> = ok.iter().copied().collect();
    while !wanted.is_subset(&seen) && Instant::now() < deadline {
        for r in reader
            .next(1000, Duration::from_secs(1))
            .await
            .expect("next")
        {
            let text = String::from_utf8_lossy(&r.payload).into_owned();
            seen.insert(text[1..].parse::<u64>().expect("number"));
        }
        // Envelopes handed out and not acknowledged hold the consumer at max_ack_pending.
        reader.commit(reader.position()).await.expect("commit");
    }
    let lost: Vec<&u64> = wanted.difference(&seen).take(10).collect();
    eprintln!(
        "acknowledged {}, refused {}, read back {}",
        acked.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed),
        seen.len()
    );
    assert!(lost.is_empty(), "acknowledged records lost: {lost:?}");
}

/// With every server down, an append fails within the publish timeout with an error naming
/// the engine and the servers, and nothing is acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_means_a_prompt_named_refusal() {
    let Some(mut cluster) = cluster("no_server_means_a_prompt_named_refusal") else {
        return;
    };
    let config = NatsConfig {
        urls: cluster
            .urls()
            .iter()
            .map(|u| u.replace("nats://", "nats://vigie:s3cret@"))
            .collect(),
        ..suite_config(&cluster, "DOWN")
    };
    let plain = NatsConfig {
        urls: cluster.urls(),
        ..config.clone()
    };
    let log = open(plain).await;
    for i in 0..cluster.len() {
        cluster.kill(i);
    }
    let key = PartitionKey {
        tenant: "hopital",
        source: "syslog",
    };
    let started = Instant::now();
    let error = log
        .append(key, vec![Bytes::from_static(b"x")])
        .await
        .expect_err("no server");
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(12),
        "refused after {elapsed:?}"
    );
    let text = error.to_string();
    assert!(matches!(error, LogError::Unavailable { .. }), "{text}");
    assert!(
        text.contains("NATS JetStream") && text.contains("127.0.0.1"),
        "{text}"
    );
    // Connecting names the servers and never the password.
    let refused = connect(&config, "vigie-test").await.expect_err("no server");
    let text = refused.to_string();
    assert!(
        text.contains("127.0.0.1") && !text.contains("s3cret"),
        "{text}"
    );
}

/// Two processes balancing one consumer over 8 partitions: each partition's records go to
/// the process the owner function names, both get some; when one leaves, the other takes
/// every partition within seconds and nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_are_spread_over_members_and_move_when_one_leaves() {
    use vigie_nats::Membership;
    use vigie_nats::membership::owner;
    let Some(cluster) = cluster("partitions_are_spread_over_members_and_move_when_one_leaves")
    else {
        return;
    };
    let config = NatsConfig {
        consumers: vec![SUITE_CONSUMER.to_owned()],
        ..cluster.config("SPREAD", 8)
    };
    let log_a = open(config.clone()).await;
    let client_b = connect(&config, "vigie-test-b").await.expect("connect b");
    let log_b = JetStreamLog::open(client_b.clone(), config.clone())
        .await
        .expect("open b");
    let client_a = connect(&config, "vigie-test-a").await.expect("connect a");
    let a = Membership::join(&client_a, &config, "node-a".into(), 8)
        .await
        .expect("join a");
    let b = Membership::join(&client_b, &config, "node-b".into(), 8)
        .await
        .expect("join b");
    log_a.balance(SUITE_CONSUMER, a.assignment());
    log_b.balance(SUITE_CONSUMER, b.assignment());
    let both = vec!["node-a".to_owned(), "node-b".to_owned()];
    let started = Instant::now();
    while a.assignment().members() != both || b.assignment().members() != both {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "members not seen: {:?} / {:?}",
            a.assignment(),
            b.assignment()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let expected: Vec<&str> = (0..8).map(|p| owner(&both, p).unwrap()).collect();
    assert!(
        expected.contains(&"node-a") && expected.contains(&"node-b"),
        "the fixture's names must split the partitions: {expected:?}"
    );

    // One tenant per partition.
    let tenants: Vec<String> = {
        let mut by_partition = vec![None; 8];
        for i in 0.. {
            let tenant = format!("tenant-{i}");
            let p = PartitionKey {
                tenant: &tenant,
                source: "syslog",
            }
            .partition(8) as usize;
            by_partition[p].get_or_insert(tenant);
            if by_partition.iter().all(Option::is_some) {
                break;
            }
        }
        by_partition.into_iter().map(Option::unwrap).collect()
    };
    let append_round = |round: u32| {
        let log = &log_a;
        let tenants = &tenants;
        async move {
            for tenant in tenants {
                let key = PartitionKey {
                    tenant,
                    source: "syslog",
                };
                log.append(key, vec![Bytes::from(format!("{round}/{tenant}"))])
                    .await
                    .expect("append");
            }
        }
    };
    let mut readers_a = Vec::new();
    let mut readers_b = Vec::new();
    for p in 0..8 {
        readers_a.push(log_a.reader(SUITE_CONSUMER, p).await.expect("reader a"));
        readers_b.push(log_b.reader(SUITE_CONSUMER, p).await.expect("reader b"));
    }
    // Reads every reader until `want` records came; returns (node, partition) per record.
    async fn read_all(
        readers: &mut [(&'static str, &mut Vec<Box<dyn vigie_log::LogReader>>)],
        want: usize,
    ) -> Vec<(&'static str, u32)> {
        let started = Instant::now();
        let mut got = Vec::new();
        while got.len() < want && started.elapsed() < Duration::from_secs(30) {
            for (node, list) in readers.iter_mut() {
                for (p, reader) in list.iter_mut().enumerate() {
                    let records = reader
                        .next(10, Duration::from_millis(50))
                        .await
                        .expect("next");
                    if !records.is_empty() {
                        reader.commit(reader.position()).await.expect("commit");
                    }
                    got.extend(records.iter().map(|_| (*node, p as u32)));
                }
            }
        }
        got
    }

    append_round(0).await;
    let got = read_all(
        &mut [("node-a", &mut readers_a), ("node-b", &mut readers_b)],
        8,
    )
    .await;
    assert_eq!(got.len(), 8, "{got:?}");
    for (node, p) in &got {
        assert_eq!(*node, expected[*p as usize], "partition {p}: {got:?}");
    }

    // b leaves: a takes every partition.
    b.leave().await.expect("leave");
    let left = Instant::now();
    append_round(1).await;
    let got = read_all(
        &mut [("node-a", &mut readers_a), ("node-b", &mut readers_b)],
        8,
    )
    .await;
    assert_eq!(got.len(), 8, "{got:?}");
    assert!(got.iter().all(|(node, _)| *node == "node-a"), "{got:?}");
    eprintln!(
        "every partition read by node-a {:?} after node-b left",
        left.elapsed()
    );
    assert!(left.elapsed() < Duration::from_secs(15));
    drop(a);
}
