//! RELIABILITY A1 end to end: the real `vigie` binary on 127.0.0.1 under a login attack
//! from 199 loopback source addresses (127.0.0.2 to 127.0.0.200: all of 127/8 is loopback),
//! bound in count and time.
//!
//! First, on a quiet server: unknown user against wrong password (status, body, latency);
//! (a) one account, many passwords, from one address (127.0.0.2) until it is throttled;
//! the per-address limit (127.0.0.203, names over the size limit, so nothing is hashed).
//! Then the flood, for [`ATTACK`]: (b) the administrator's account from 149 addresses
//! (127.0.0.2 to 127.0.0.150) and (c) many accounts, one password each, from 50 addresses
//! (127.0.0.151 to 127.0.0.200), while the real administrator logs in from 127.0.0.1, an
//! address that never failed, twice (the second time it is one it signed in from).
//!
//! The figures are printed; the test asserts what does not depend on the machine's speed:
//! ten failures then 429 for one address, 60 attempts a minute, unknown and wrong answer
//! alike, the administrator gets in during the flood, the audit log stays bounded. (d) low
//! and slow takes hours of clock and is covered by the throttle's unit tests on a
//! simulated clock.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vigie_soc::prelude::*;

use reqwest::blocking::Client;
use serde_json::{Value, json};

const ADMIN_PASSWORD: &str = "correct horse battery staple";
/// How long the attack lasts.
const ATTACK: Duration = Duration::from_secs(24);
/// Pause of each attacking address between two attempts.
const PACE: Duration = Duration::from_millis(200);

fn add_user(data: &Path, name: &str, role: &str, password: &str) {
    let mut child = Command::new(support::BIN)
        .arg("--data-dir")
        .arg(data)
        .args(["user", "add", name, "--role", role, "--password-stdin"])
        .env("VIGIE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn client_from(ip: IpAddr) -> Client {
    Client::builder()
        .local_address(ip)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// One login: status, body and how long it took.
fn login(client: &Client, base: &str, user: &str, password: &str) -> (u16, Value, Duration) {
    let started = Instant::now();
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password}))
        .send();
    let took = started.elapsed();
    match response {
        Ok(r) => {
            let status = r.status().as_u16();
            (status, r.json().unwrap_or(Value::Null), took)
        }
        Err(_) => (0, Value::Null, took),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[derive(Default)]
struct Tally {
    attempts: u64,
    by_status: BTreeMap<u16, u64>,
    /// Failures (401) an address got before its first 429, per address.
    free_failures: Vec<u64>,
}

#[test]
fn a1_login_attack_from_199_addresses_does_not_keep_the_admin_out() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_user(&data, "boss", "platform_admin", ADMIN_PASSWORD);
    let server = support::start(&data, None);
    let base = server.base.clone();

    // No user enumeration: unknown user and wrong password, from two quiet addresses.
    let quiet_a = client_from("127.0.0.201".parse().unwrap());
    let quiet_b = client_from("127.0.0.202".parse().unwrap());
    let _ = login(&quiet_a, &base, "warm-up", "x"); // the dummy hash is made once
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    let mut answers = Vec::new();
    for n in 0..6 {
        let (s1, b1, t1) = login(&quiet_a, &base, &format!("ghost{n}"), "a wrong password");
        let (s2, b2, t2) = login(&quiet_b, &base, "boss", "a wrong password");
        unknown.push(t1);
        wrong.push(t2);
        answers.push(((s1, b1), (s2, b2)));
    }
    for ((s1, b1), (s2, b2)) in &answers {
        assert_eq!(s1, s2);
        assert_eq!(b1, b2, "unknown user and wrong password answer alike");
        assert_eq!(*s1, 401);
    }
    let (p50_unknown, p50_wrong) = (median(unknown), median(wrong));
    let ratio = p50_unknown.as_secs_f64() / p50_wrong.as_secs_f64();

    // (a) One account, many passwords, one address: failures until the first 429.
    let single = client_from("127.0.0.2".parse().unwrap());
    let mut failures_before_throttle = 0;
    let mut retry_after = None;
    for n in 0..15 {
        let response = single
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "boss", "password": format!("guess-{n}")}))
            .send()
            .unwrap();
        match response.status().as_u16() {
            401 => failures_before_throttle += 1,
            429 => {
                retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                break;
            }
            other => panic!("(a) answered {other}"),
        }
    }
    // The per-address limit, with names over the size limit (400, nothing hashed).
    let busy = client_from("127.0.0.203".parse().unwrap());
    let mut before_limit = 0;
    for _ in 0..70 {
        let (status, _, _) = login(&busy, &base, &"n".repeat(200), "x");
        if status == 429 {
            break;
        }
        assert_eq!(status, 400);
        before_limit += 1;
    }

    // The attack.
    let start = Instant::now();
    let deadline = start + ATTACK;
    let tallies: Arc<Mutex<BTreeMap<&'static str, Tally>>> = Arc::default();
    let mut threads = Vec::new();
    for last in 2..=200u8 {
        let base = base.clone();
        let tallies = tallies.clone();
        threads.push(std::thread::spawn(move || {
            let scenario = match last {
                2..=150 => "b: one account, 149 addresses",
                _ => "c: many accounts, 50 addresses",
            };
            let client = client_from(IpAddr::from([127, 0, 0, last]));
            let (mut attempts, mut free, mut throttled_yet) = (0u64, 0u64, false);
            let mut by_status = BTreeMap::new();
            while Instant::now() < deadline && attempts < 400 {
                let (user, password) = match last {
                    151..=200 => (format!("user{last}-{attempts}"), "Summer2025!".to_owned()),
                    _ => ("boss".to_owned(), format!("guess-{last}-{attempts}")),
                };
                let (status, _, _) = login(&client, &base, &user, &password);
                attempts += 1;
                *by_status.entry(status).or_insert(0u64) += 1;
                match status {
                    401 if !throttled_yet => free += 1,
                    429 => throttled_yet = true,
                    _ => {}
                }
                std::thread::sleep(PACE);
            }
            let mut all = tallies.lock().unwrap();
            let t = all.entry(scenario).or_default();
            t.attempts += attempts;
            for (status, n) in by_status {
                *t.by_status.entry(status).or_insert(0) += n;
            }
            t.free_failures.push(free);
        }));
    }
    // The real administrator, from an address that never failed, during the attack.
    let admin = client_from("127.0.0.1".parse().unwrap());
    let mut admin_logins = Vec::new();
    for at in [Duration::from_secs(6), Duration::from_secs(16)] {
        std::thread::sleep((start + at).saturating_duration_since(Instant::now()));
        let mut tries = 0;
        let first = Instant::now();
        let status = loop {
            tries += 1;
            let (status, body, _) = login(&admin, &base, "boss", ADMIN_PASSWORD);
            if status != 429 || tries >= 10 {
                break (status, body);
            }
            std::thread::sleep(Duration::from_secs(1));
        };
        admin_logins.push((at, status.0, tries, first.elapsed()));
        assert_eq!(status.0, 200, "the admin is kept out: {}", status.1);
    }
    for t in threads {
        t.join().unwrap();
    }
    let took = start.elapsed();

    // Stop the server cleanly (SIGTERM), so the last refused-login summary is written.
    let pid = server.child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let mut server = server;
    let stopped = Instant::now();
    while server.child.try_wait().unwrap().is_none() && stopped.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let audit = audit_counts(&data);

    println!(
        "A1 (a) one account from one address: {failures_before_throttle} failures (401), then \
         429 with Retry-After {}; one address: {before_limit} attempts in a minute, then 429",
        retry_after.as_deref().unwrap_or("-")
    );
    println!(
        "A1 flood (b, c): {:.1} s, {PACE:?} between attempts per address",
        took.as_secs_f64()
    );
    let tallies = tallies.lock().unwrap();
    let mut total = 0;
    for (scenario, t) in tallies.iter() {
        total += t.attempts;
        let mut free = t.free_failures.clone();
        free.sort_unstable();
        println!(
            "  ({scenario}) attempts {}, answers {:?} (401 wrong, 429 throttled, 0 no answer), \
             401s before an address's first 429: min {} max {}",
            t.attempts,
            t.by_status,
            free.first().unwrap_or(&0),
            free.last().unwrap_or(&0)
        );
    }
    println!(
        "  attempts in all {total} ({:.0}/min)",
        total as f64 / took.as_secs_f64() * 60.0
    );
    for (at, status, tries, latency) in &admin_logins {
        println!(
            "  admin from 127.0.0.1 at +{} s: {status} after {tries} tries, {:.2} s",
            at.as_secs(),
            latency.as_secs_f64()
        );
    }
    println!(
        "  unknown user vs wrong password: same status and body; p50 {:.0} ms vs {:.0} ms (ratio {ratio:.2})",
        p50_unknown.as_secs_f64() * 1000.0,
        p50_wrong.as_secs_f64() * 1000.0
    );
    println!("  audit entries by action: {audit:?}");

    // (a): one address is throttled after ten failures, and after 60 attempts a minute.
    assert_eq!(failures_before_throttle, 10);
    assert_eq!(before_limit, 60);
    // (c): no address gets more than 60 answers other than 429 in a minute.
    let c = &tallies["c: many accounts, 50 addresses"];
    let per_address = (c.attempts - c.by_status.get(&429).copied().unwrap_or(0)) / 50;
    assert!(
        per_address <= 60,
        "{per_address} unthrottled attempts per address"
    );
    // Every attempt is counted; the audit log stays bounded (≤ 600 refused entries a
    // minute plus one summary a minute) and the summary names what it folded.
    let refused: u64 = ["login.failure", "login.throttled", "login.refused"]
        .iter()
        .map(|a| audit.get(*a).copied().unwrap_or(0))
        .sum();
    assert!(refused <= 1300, "{refused} refused-login entries");
    assert!(audit.get("login.suppressed").copied().unwrap_or(0) >= 1);
    assert_eq!(audit.get("login.success").copied(), Some(2));
    // Loose, as the machine is shared: the bar (10 %) is read from the printed figure.
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown/wrong latency ratio {ratio}"
    );
}

/// Audit entries by action, read from the state database after the server stopped.
fn audit_counts(data: &Path) -> BTreeMap<String, u64> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = vigie_soc::SqliteStore::open(&data.join("state.sqlite"))
            .await
            .unwrap();
        let mut counts = BTreeMap::new();
        let mut after = 0;
        loop {
            let entries = store.audit_entries(after, 10_000).await.unwrap();
            let Some(last) = entries.last() else { break };
            after = last.seq;
            for e in &entries {
                *counts.entry(e.action.clone()).or_insert(0) += 1;
            }
        }
        counts
    })
}
