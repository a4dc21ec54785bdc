//! The web application in a real browser: the `vigie` binary in a temporary data directory,
//! headless Chromium (Debian's `chromium` and `chromium-driver`) driven by Selenium from
//! `tests/browser/driver.py`. An analyst logs in, triages an alert into an incident, comments,
//! changes it, switches to Dutch, French and German; the queue refreshes without a reload;
//! a client contact of another tenant sees only its own incidents and gets "not found" for
//! the other one's URL; the analyst's internal note reaches none of the contact's pages or
//! API replies, and the contact answers the analyst's question in Dutch. A platform administrator creates a tenant, a token (secret shown
//! once), an SLA contract and a suppression, saves a queue view, hunts, and gets its language
//! back at the next login on a browser without cookies; the session cookies are HttpOnly,
//! Secure and SameSite=Strict as the browser stores them, and a form posted by another site
//! or another origin changes nothing. Screenshots of the main pages in each language are
//! kept in `$CARGO_TARGET_TMPDIR/browser-screenshots/`.
//!
//! When Chromium, its driver or Selenium cannot be found or installed, the test writes
//! `name: reason` to the file named by `VIGIE_SKIP_LOG` and returns (reported as skipped by
//! `scripts/test`, never as passed).

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_vigie");
const PASSWORD: &str = "browser test password 1";

use support::skip;

fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// A Python with Selenium: `VIGIE_BROWSER_PYTHON`, else a virtualenv under `$HOME/.cache`
/// created (and Selenium installed into it) on first use.
fn selenium_python() -> Result<PathBuf, String> {
    if let Ok(python) = std::env::var("VIGIE_BROWSER_PYTHON") {
        return Ok(PathBuf::from(python));
    }
    let home = std::env::var("HOME").map_err(|_| "HOME is not set".to_owned())?;
    let venv = Path::new(&home).join(".cache/vigie-browser-venv");
    let python = venv.join("bin/python");
    let has_selenium = |p: &Path| {
        Command::new(p)
            .args(["-c", "import selenium"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has_selenium(&python) {
        return Ok(python);
    }
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !created.status.success() {
        return Err(format!(
            "cannot create a virtualenv: {}",
            String::from_utf8_lossy(&created.stderr).trim()
        ));
    }
    let installed = Command::new(venv.join("bin/pip"))
        .args(["install", "-q", "selenium"])
        .output()
        .map_err(|e| format!("cannot run pip: {e}"))?;
    if !installed.status.success() || !has_selenium(&python) {
        return Err(format!(
            "cannot install selenium: {}",
            String::from_utf8_lossy(&installed.stderr).trim()
        ));
    }
    Ok(python)
}

fn cli(data: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("VIGIE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run vigie");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "vigie {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(data: &Path) -> (Server, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules");
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--rules"])
        .arg(&rules)
        .env("VIGIE_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start vigie serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.starts_with("vigie listening on") {
                let _ = tx.send(());
            }
        }
    });
    let server = Server(child);
    rx.recv_timeout(Duration::from_secs(60))
        .expect("vigie did not start listening");
    (server, format!("http://127.0.0.1:{port}"))
}

fn alert_count(client: &reqwest::blocking::Client, base: &str, token: &str) -> usize {
    let reply: serde_json::Value = client
        .get(format!("{base}/api/v1/alerts?limit=1000"))
        .bearer_auth(token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    reply["alerts"].as_array().map_or(0, Vec::len)
}

#[test]
fn analyst_and_client_contact_in_chromium() {
    const NAME: &str = "browser::analyst_and_client_contact_in_chromium";
    let Some(chromium) = which(&["chromium", "chromium-browser"]) else {
        return skip(NAME, "chromium is not installed (apt-get install chromium)");
    };
    let Some(chromedriver) = which(&["chromedriver"]) else {
        return skip(
            NAME,
            "chromedriver is not installed (apt-get install chromium-driver)",
        );
    };
    let python = match selenium_python() {
        Ok(p) => p,
        Err(reason) => return skip(NAME, &reason),
    };

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli(
        data,
        &["tenant", "add", "ville-a", "--name", "Ville A"],
        None,
    );
    cli(data, &["tenant", "add", "cpas-b", "--name", "CPAS B"], None);
    let password_line = format!("{PASSWORD}\n");
    cli(
        data,
        &[
            "user",
            "add",
            "ana",
            "--role",
            "analyst",
            "--tenant",
            "ville-a",
            "--tenant",
            "cpas-b",
            "--password-stdin",
        ],
        Some(&password_line),
    );
    cli(
        data,
        &[
            "user",
            "add",
            "bert",
            "--role",
            "tenant_user",
            "--tenant",
            "cpas-b",
            "--password-stdin",
        ],
        Some(&password_line),
    );
    cli(
        data,
        &[
            "user",
            "add",
            "pat",
            "--role",
            "platform_admin",
            "--password-stdin",
        ],
        Some(&password_line),
    );
    let token = |owner: &[&str], scope: &str| {
        let mut args = vec!["token", "create", "--scope", scope];
        args.extend_from_slice(owner);
        cli(data, &args, None).trim().to_owned()
    };
    let ingest_a = token(&["--tenant", "ville-a"], "ingest");
    let ingest_b = token(&["--tenant", "cpas-b"], "ingest");
    let read = token(&["--platform"], "read");
    let (_server, base) = serve(data);

    let client = reqwest::blocking::Client::new();
    for (token, host) in [(&ingest_a, "hdv-ws-07"), (&ingest_b, "cpas-ws-02")] {
        let body = format!(
            "{{\"vigie_test\":\"marker\",\"host\":{{\"name\":\"{host}\"}},\"user.name\":\"j.peeters\"}}\n"
        );
        let reply = client
            .post(format!("{base}/api/v1/ingest"))
            .bearer_auth(token)
            .body(body)
            .send()
            .unwrap();
        assert_eq!(reply.status().as_u16(), 200);
    }
    let started = Instant::now();
    while alert_count(&client, &base, &read) < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "alerts did not appear"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/driver.py");
    let mut child = Command::new(&python)
        .arg(&driver)
        .env("VIGIE_BASE", &base)
        .env("VIGIE_CHROMIUM", &chromium)
        .env("VIGIE_CHROMEDRIVER", &chromedriver)
        .env("VIGIE_SHOTS", &shots)
        .env("VIGIE_PASSWORD", PASSWORD)
        .env("VIGIE_INGEST_B", &ingest_b)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the Selenium driver");
    // Bounded: the driver's own waits are at most 45 s each; the whole run gets 5 minutes.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            panic!("the browser run took more than 5 minutes");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        status.success(),
        "browser run failed:\n{stderr}\n{stdout}\nscreenshots in {}",
        shots.display()
    );
    let seen: serde_json::Value =
        serde_json::from_str(stdout.trim().lines().last().unwrap_or("{}"))
            .unwrap_or_else(|e| panic!("driver output {stdout:?}: {e}"));
    assert!(
        seen["nl_title"]
            .as_str()
            .unwrap()
            .starts_with("Incident nr. "),
        "{seen}"
    );
    assert_ne!(seen["incident_a"], seen["incident_b"]);
    assert_eq!(
        seen["session_cookie"],
        serde_json::json!({"httpOnly": true, "secure": true, "sameSite": "Strict"}),
        "{seen}"
    );
    assert_eq!(seen["restored_lang"], "de", "{seen}");
    assert_eq!(seen["question_answered"], true, "{seen}");
    assert!(seen["hunt_rows"].as_u64().unwrap() >= 2, "{seen}");
    assert_eq!(seen["tablet_pages"], 8, "{seen}");
    for name in [
        "en-alert-queue",
        "en-alert",
        "en-incident",
        "nl-incident",
        "fr-incident",
        "de-incident",
        "de-dashboard",
        "en-dashboard",
        "en-detection",
        "en-portal-incidents",
        "en-portal-not-found",
        "nl-portal-incident",
        "en-cross-origin-refused",
        "en-admin-token-created",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(["fr", "nl", "de", "en"].into_iter().flat_map(|lang| {
        [
            "dashboard",
            "alert-queue-views",
            "hunt",
            "hunt-timechart",
            "detection",
            "admin",
            "sla-contract",
            "tokens",
        ]
        .map(|page| format!("{lang}-{page}"))
    })) {
        let png = std::fs::read(shots.join(format!("{name}.png"))).unwrap();
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "{name}.png"
        );
    }
    eprintln!("screenshots: {}", shots.display());
}
