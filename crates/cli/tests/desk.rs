//! The SOC desk end to end with the real `vigie` binary: users from the command line, login
//! over HTTP on 127.0.0.1, an ingested event becomes an alert, the alert an incident; on
//! shutdown the audit head is signed; `vigie audit verify` passes on the data directory and
//! fails on a tampered copy of the database file.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_vigie");

fn cli(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("VIGIE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run vigie");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn cli_ok(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = cli(data_dir, args, stdin);
    assert!(
        out.status.success(),
        "vigie {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(data: &Path) -> Server {
        Self::start_with(data, &[])
    }

    /// Starts `vigie` with extra global arguments (e.g. `--config FILE`).
    fn start_with(data: &Path, extra: &[&str]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules");
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(data)
            .args(extra)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--rules")
            .arg(rules)
            .env("VIGIE_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("vigie listening on") {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(60))
            .expect("vigie did not start listening");
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// SIGTERM and wait: the graceful path that signs the last audit checkpoint.
    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let started = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(started.elapsed() < Duration::from_secs(30), "no clean stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Session {
    cookie: String,
    csrf: String,
}

fn login(client: &Client, base: &str, user: &str, password: &str) -> (u16, Option<Session>) {
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let cookie = r
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    let body: Value = r.json().unwrap_or(Value::Null);
    let session = cookie.map(|cookie| Session {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap_or_default().to_owned(),
    });
    (status, session)
}

fn call(
    client: &Client,
    s: &Session,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client
        .request(method, url)
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let r = req.send().unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn desk_end_to_end_with_audit_verification() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli_ok(&data, &["tenant", "add", "zone-a"], None);
    cli_ok(&data, &["tenant", "add", "zone-b"], None);
    let out = cli_ok(
        &data,
        &[
            "user",
            "add",
            "ana",
            "--role",
            "analyst",
            "--tenant",
            "zone-a",
            "--password-stdin",
        ],
        Some("correct horse battery staple\n"),
    );
    assert!(out.contains("user ana added"), "{out}");
    let bad = cli(
        &data,
        &[
            "user",
            "add",
            "eve",
            "--role",
            "tenant_user",
            "--password-stdin",
        ],
        Some("correct horse battery staple\n"),
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("exactly one tenant"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let token = cli_ok(
        &data,
        &["token", "create", "--tenant", "zone-a", "--scope", "ingest"],
        None,
    );
    let token = token
        .split_whitespace()
        .find(|w| w.starts_with("vgt_"))
        .unwrap()
        .to_owned();

    let server = Server::start(&data);
    let client = Client::new();
    let base = server.base.clone();
    let r = client
        .post(format!("{base}/api/v1/ingest"))
        .bearer_auth(&token)
        .body(
            json!({"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\Windows\\System32\\whoami.exe", "User": "CORP\\bob",
                   "Computer": "ws-7", "source.ip": "10.9.8.7"})
            .to_string(),
        )
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    let (status, none) = login(&client, &base, "ana", "wrong password");
    assert_eq!(status, 401);
    assert!(none.is_none());
    let (status, ana) = login(&client, &base, "ana", "correct horse battery staple");
    assert_eq!(status, 200);
    let ana = ana.unwrap();
    let read = cli_ok(
        &data,
        &["token", "create", "--tenant", "zone-a", "--scope", "read"],
        None,
    );
    let read = read
        .split_whitespace()
        .find(|w| w.starts_with("vgt_"))
        .unwrap()
        .to_owned();
    let alert = wait_for("the alert", || {
        let r = client
            .get(format!("{base}/api/v1/alerts"))
            .bearer_auth(&read)
            .send()
            .unwrap();
        let body: Value = r.json().unwrap();
        body["alerts"][0]["id"].as_str().map(str::to_owned)
    });
    let (status, escalated) = call(
        &client,
        &ana,
        reqwest::Method::POST,
        format!("{base}/api/v1/alerts/{alert}/actions"),
        Some(json!({"action": "escalate"})),
    );
    assert_eq!(status, 200, "{escalated}");
    let incident = escalated["incident"].as_i64().unwrap();
    let (status, _) = call(
        &client,
        &ana,
        reqwest::Method::PATCH,
        format!("{base}/api/v1/incidents/{incident}"),
        Some(json!({"status": "acknowledged", "tlp": "TLP:RED"})),
    );
    assert_eq!(status, 200);
    let (_, page) = call(
        &client,
        &ana,
        reqwest::Method::GET,
        format!("{base}/api/v1/incidents/{incident}"),
        None,
    );
    assert_eq!(page["incident"]["tlp"], "TLP:RED");
    assert!(
        page["observables"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["value"] == "10.9.8.7"),
        "{page}"
    );
    // The OpenAPI document is served.
    let doc: Value = client
        .get(format!("{base}/api/v1/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    // Disabling from the command line ends the session while the server runs.
    cli_ok(&data, &["user", "disable", "ana"], None);
    let (status, _) = call(
        &client,
        &ana,
        reqwest::Method::GET,
        format!("{base}/api/v1/auth/me"),
        None,
    );
    assert_eq!(status, 401);
    server.stop();

    // The server signed the head on the way out; the log verifies.
    let out = cli_ok(&data, &["audit", "verify"], None);
    assert!(out.contains("intact"), "{out}");
    let json_report: Value =
        serde_json::from_str(&cli_ok(&data, &["audit", "verify", "--json"], None)).unwrap();
    let entries = json_report["entries"].as_u64().unwrap();
    assert!(entries >= 10, "{json_report}");
    assert_eq!(
        json_report["last_checkpoint_seq"].as_u64(),
        Some(entries),
        "the shutdown checkpoint covers every entry"
    );

    // A copy of the data directory whose database had one audit payload edited, with the
    // same key and checkpoints (copied beside it, where the copy looks for them): verify
    // fails and names the entry.
    let copy: PathBuf = dir.path().join("copy");
    copy_dir(&data, &copy);
    copy_dir(
        &dir.path().join("data.audit"),
        &dir.path().join("copy.audit"),
    );
    let db = copy.join("state.sqlite");
    let mut bytes = std::fs::read(&db).unwrap();
    let needle = br#""tlp":{"from":"TLP:AMBER","to":"TLP:RED"}"#;
    let hits: Vec<usize> = bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert!(!hits.is_empty(), "audit payload not found in the file");
    for at in hits {
        // "TLP:RED" -> "TLP:REE": one flipped bit.
        let pos = at + needle.len() - 3;
        bytes[pos] ^= 0x01;
    }
    std::fs::write(&db, bytes).unwrap();
    let out = cli(&copy, &["audit", "verify"], None);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("TAMPERED"), "{text}");
}

fn create_token(data: &Path, tenant: &str, scope: &str) -> String {
    cli_ok(
        data,
        &["token", "create", "--tenant", tenant, "--scope", scope],
        None,
    )
    .split_whitespace()
    .find(|w| w.starts_with("vgt_"))
    .unwrap()
    .to_owned()
}

fn whoami_on(host: &str, n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{}\n",
                json!({"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
                       "Image": "C:\\Windows\\System32\\whoami.exe", "User": "CORP\\bob",
                       "Computer": host, "n": i})
            )
        })
        .collect()
}

/// Live dedup through the binary: N matching events on one host and user become one alert
/// with count N (first and last seen set), a second host its own alert, and a later batch on
/// the first host within the window extends the same alert.
#[test]
fn repeated_hits_fold_into_one_alert_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli_ok(&data, &["tenant", "add", "zone-a"], None);
    let ingest = create_token(&data, "zone-a", "ingest");
    let read = create_token(&data, "zone-a", "read");
    let server = Server::start(&data);
    let client = Client::new();
    let base = server.base.clone();
    let send = |body: String| {
        let r = client
            .post(format!("{base}/api/v1/ingest"))
            .bearer_auth(&ingest)
            .body(body)
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    };
    let alerts = || -> Vec<Value> {
        let body: Value = client
            .get(format!("{base}/api/v1/alerts?limit=1000"))
            .bearer_auth(&read)
            .send()
            .unwrap()
            .json()
            .unwrap();
        body["alerts"].as_array().unwrap().clone()
    };
    let count_of = |list: &[Value], key: &str| {
        list.iter()
            .find(|a| a["group_key"] == key)
            .map(|a| a["count"].as_i64().unwrap())
    };
    send(whoami_on("WS-7", 25) + &whoami_on("ws-8", 1));
    let list = wait_for("folded alerts", || {
        let list = alerts();
        (count_of(&list, "host=ws-7;user=corp\\bob") == Some(25)
            && count_of(&list, "host=ws-8;user=corp\\bob") == Some(1))
        .then_some(list)
    });
    assert_eq!(list.len(), 2, "{list:?}");
    let folded = list.iter().find(|a| a["count"] == 25).unwrap();
    assert!(folded["first_seen"].as_str().unwrap() <= folded["last_seen"].as_str().unwrap());
    send(whoami_on("ws-7", 5));
    wait_for("the same alert extended", || {
        let list = alerts();
        (list.len() == 2 && count_of(&list, "host=ws-7;user=corp\\bob") == Some(30)).then_some(())
    });
    server.stop();
}

/// A user's own API token from the command line: it reaches the desk as its user within its
/// permissions, follows the user's tenants and state on the next request, and is revoked by
/// id. A tenant admin signed in over HTTP manages its tenant's users and nobody else.
#[test]
fn user_tokens_and_tenant_admins_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli_ok(&data, &["tenant", "add", "zone-a"], None);
    cli_ok(&data, &["tenant", "add", "zone-b"], None);
    let pw = Some("correct horse battery staple\n");
    for (name, role, tenants) in [
        ("ana", "analyst", &["zone-a", "zone-b"][..]),
        ("boss", "tenant_admin", &["zone-a"][..]),
    ] {
        let mut args = vec!["user", "add", name, "--role", role, "--password-stdin"];
        for t in tenants {
            args.extend(["--tenant", t]);
        }
        cli_ok(&data, &args, pw);
    }
    let refused = cli(
        &data,
        &[
            "token",
            "create",
            "--user",
            "ana",
            "--permission",
            "manage_sla",
        ],
        None,
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("manage_sla"));
    let secret = cli_ok(
        &data,
        &[
            "token",
            "create",
            "--user",
            "ana",
            "--permission",
            "read_desk",
            "--label",
            "ci",
        ],
        None,
    )
    .trim()
    .to_owned();
    assert!(secret.starts_with("vgu_"), "{secret}");

    let server = Server::start(&data);
    let client = Client::new();
    let base = server.base.clone();
    let get = |path: &str| {
        let r = client
            .get(format!("{base}{path}"))
            .bearer_auth(&secret)
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json::<Value>().unwrap_or(Value::Null))
    };
    let (status, me) = get("/api/v1/auth/me");
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["role"], "analyst");
    assert_eq!(me["tenants"].as_array().unwrap().len(), 2);
    let r = client
        .post(format!("{base}/api/v1/incidents"))
        .bearer_auth(&secret)
        .json(&json!({"tenant": 1, "title": "x"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 403, "read_desk only");

    // Tenant zone-a taken from ana while the server runs: the next request sees zone-b only.
    cli_ok(
        &data,
        &["user", "update", "ana", "--tenant", "zone-b"],
        None,
    );
    let (_, me) = get("/api/v1/auth/me");
    assert_eq!(me["tenants"].as_array().unwrap().len(), 1, "{me}");
    cli_ok(&data, &["user", "disable", "ana"], None);
    assert_eq!(get("/api/v1/auth/me").0, 401);
    cli_ok(&data, &["user", "enable", "ana"], None);
    assert_eq!(get("/api/v1/auth/me").0, 200);
    let listed = cli_ok(&data, &["token", "list", "--user", "ana"], None);
    let id = listed
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    assert!(listed.contains("read_desk"), "{listed}");
    cli_ok(&data, &["token", "revoke", &id, "--user", "ana"], None);
    assert_eq!(get("/api/v1/auth/me").0, 401);

    // The tenant admin: a tenant user of its own tenant yes, the analyst no.
    let (status, boss) = login(&client, &base, "boss", "correct horse battery staple");
    assert_eq!(status, 200);
    let boss = boss.unwrap();
    let (status, carl) = call(
        &client,
        &boss,
        reqwest::Method::POST,
        format!("{base}/api/v1/users"),
        Some(
            json!({"username": "carl", "password": "another long password", "role": "tenant_user", "tenants": [1]}),
        ),
    );
    assert_eq!(status, 201, "{carl}");
    let (status, _) = call(
        &client,
        &boss,
        reqwest::Method::POST,
        format!("{base}/api/v1/users/1/disable"),
        None,
    );
    assert_eq!(
        status, 404,
        "the analyst is not the tenant admin's to manage"
    );
    let (status, carl) = call(
        &client,
        &boss,
        reqwest::Method::PATCH,
        format!("{base}/api/v1/users/{}", carl["id"]),
        Some(json!({"password": "a third long password"})),
    );
    assert_eq!(status, 200, "{carl}");
    assert_eq!(
        login(&client, &base, "carl", "a third long password").0,
        200
    );
    server.stop();
    let out = cli_ok(&data, &["audit", "verify"], None);
    assert!(out.contains("intact"), "{out}");
}

/// `[pipeline] dedup_window_seconds`: checked by `config check`, and applied: hits more than
/// the window apart are separate alerts.
#[test]
fn the_dedup_window_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("vigie.toml");
    std::fs::write(
        &config,
        "version = 1\n[pipeline]\ndedup_window_seconds = 0\n",
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let out = cli(&data, &["--config", config_arg, "config", "check"], None);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("[pipeline] dedup_window_seconds"), "{text}");
    std::fs::write(
        &config,
        "version = 1\n[pipeline]\ndedup_window_seconds = 1\n",
    )
    .unwrap();
    cli_ok(&data, &["--config", config_arg, "config", "check"], None);
    cli_ok(&data, &["tenant", "add", "zone-a"], None);
    let ingest = create_token(&data, "zone-a", "ingest");
    let read = create_token(&data, "zone-a", "read");
    let server = Server::start_with(&data, &["--config", config_arg]);
    let client = Client::new();
    let base = server.base.clone();
    let send = |body: String| {
        let r = client
            .post(format!("{base}/api/v1/ingest"))
            .bearer_auth(&ingest)
            .body(body)
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    };
    let counts = || -> Vec<i64> {
        let body: Value = client
            .get(format!("{base}/api/v1/alerts"))
            .bearer_auth(&read)
            .send()
            .unwrap()
            .json()
            .unwrap();
        let mut v: Vec<i64> = body["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["count"].as_i64().unwrap())
            .collect();
        v.sort();
        v
    };
    send(whoami_on("ws-1", 2));
    wait_for("the first alert", || (counts() == vec![2]).then_some(()));
    std::thread::sleep(Duration::from_millis(2200));
    send(whoami_on("ws-1", 1));
    wait_for("a second alert after the window", || {
        (counts() == vec![1, 2]).then_some(())
    });
    server.stop();
}

/// The audit key and checkpoints live beside the data directory (`<data>.audit/`), so rolling
/// the data directory back to an older copy fails verification; so do checkpoints that go
/// backwards and a checkpoint file that vanished, which the server also refuses to paper
/// over; files an earlier version kept in the data directory are moved out.
#[test]
fn audit_checkpoints_outside_the_data_directory_catch_rollbacks_and_lost_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let audit = dir.path().join("data.audit");
    let checkpoints = audit.join("checkpoints.jsonl");
    let config = dir.path().join("vigie.toml");
    std::fs::write(&config, "version = 1\n[audit]\ncheckpoint_seconds = 1\n").unwrap();
    let config_arg = config.to_str().unwrap();
    let add_user = |name: &str| {
        cli_ok(
            &data,
            &[
                "user", "add", name, "--role", "analyst", "--tenant", "zone-a",
            ],
            None,
        );
    };
    let verify = || cli(&data, &["--config", config_arg, "audit", "verify"], None);
    let text = |out: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    cli_ok(&data, &["tenant", "add", "zone-a"], None);
    add_user("ana");
    Server::start_with(&data, &["--config", config_arg]).stop();
    // Outside the data directory, private to the account.
    assert!(std::fs::symlink_metadata(data.join("audit")).is_err());
    for file in [audit.join("signing.key"), checkpoints.clone()] {
        std::fs::metadata(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
    let older: PathBuf = dir.path().join("backup-older");
    copy_dir(&data, &older);
    add_user("bob");
    add_user("carl");
    Server::start_with(&data, &["--config", config_arg]).stop();
    let out = verify();
    assert!(out.status.success(), "{}", text(&out));
    let newer: PathBuf = dir.path().join("backup-newer");
    copy_dir(&data, &newer);

    // The data directory rolled back to the older copy: the checkpoints were not.
    std::fs::remove_dir_all(&data).unwrap();
    copy_dir(&older, &data);
    let out = verify();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("rolled back"), "{}", text(&out));
    // Nothing signs the older head over the newer checkpoints.
    let out = cli(
        &data,
        &["--config", config_arg, "audit", "checkpoint"],
        None,
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("refusing to sign"), "{}", text(&out));
    std::fs::remove_dir_all(&data).unwrap();
    copy_dir(&newer, &data);
    let out = verify();
    assert!(out.status.success(), "{}", text(&out));

    // Checkpoints that go backwards (an older head signed after a newer one).
    let lines = std::fs::read_to_string(&checkpoints).unwrap();
    let mut swapped: Vec<&str> = lines.lines().collect();
    assert!(swapped.len() >= 2, "{lines}");
    let n = swapped.len();
    swapped.swap(n - 2, n - 1);
    std::fs::write(&checkpoints, swapped.join("\n") + "\n").unwrap();
    let out = verify();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("goes back"), "{}", text(&out));
    std::fs::write(&checkpoints, &lines).unwrap();

    // The checkpoint file gone while the chain is older than two intervals: verify fails,
    // the server refuses to start a new file silently, the operator may start one on purpose.
    std::fs::remove_file(&checkpoints).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let out = verify();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("checkpoint file is missing")
            && text(&out).contains(&checkpoints.display().to_string()),
        "{}",
        text(&out)
    );
    let out = cli(
        &data,
        &["--config", config_arg, "serve", "--listen", "127.0.0.1:0"],
        None,
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("--new-file"), "{}", text(&out));
    cli_ok(
        &data,
        &["--config", config_arg, "audit", "checkpoint", "--new-file"],
        None,
    );
    let out = verify();
    assert!(out.status.success(), "{}", text(&out));

    // The layout of earlier versions, inside the data directory, is moved out.
    std::fs::create_dir(data.join("audit")).unwrap();
    for name in ["signing.key", "signing.key.pub", "checkpoints.jsonl"] {
        std::fs::rename(audit.join(name), data.join("audit").join(name)).unwrap();
    }
    let out = verify();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("moved the audit"), "{}", text(&out));
    assert!(std::fs::symlink_metadata(data.join("audit")).is_err());
    std::fs::metadata(&checkpoints).unwrap();
}
