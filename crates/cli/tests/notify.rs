//! Notifications through the real binary to real receivers: an SMTP server (Python's
//! aiosmtpd) that requires STARTTLS and authentication, and an HTTP receiver of webhooks.
//!
//! A high alert pages the analyst on call in French and tells the client's CISO in Dutch;
//! the webhook gets it signed, retried after a 503 with the same delivery id; a webhook
//! that answers 400 is dead at once, listed and retried by the operator; a client contact in
//! quiet hours gets nothing until they end; nobody acknowledges the alert, so the SOC lead
//! is paged a minute later; the SOC's question reaches the client in Dutch, the client's
//! answer reaches the analyst; the incident's timeline records what was sent (the client
//! sees only what went to its own people). Without `[notify]`, nothing is sent.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use reqwest::blocking::Client;
use serde_json::{Value, json};

mod support;

use support::{BIN, all_alerts, cli, drained, ingest, python_with, skip, start_with_config};

const HOOK_SECRET: &str = "hook-secret-of-the-test";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The Python receivers, stopped when dropped (their standard input closes).
struct Sink {
    child: Child,
}

impl Drop for Sink {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn records(out: &Path, kind: &str) -> Vec<Value> {
    let mut names: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!("{kind}-")) && n.ends_with(".json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| serde_json::from_str(&std::fs::read_to_string(out.join(n)).unwrap()).unwrap())
        .collect()
}

/// Waits (at most `within`) for a record of `kind` that `pred` accepts.
fn wait_for(out: &Path, kind: &str, within: Duration, pred: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        if let Some(found) = records(out, kind).into_iter().find(|r| pred(r)) {
            return found;
        }
        assert!(
            started.elapsed() < within,
            "no {kind} as expected within {within:?}; got {:#?}",
            records(out, kind)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn mail_to(to: &str) -> impl Fn(&Value) -> bool + '_ {
    move |m: &Value| m["to"].as_array().unwrap().iter().any(|t| t == to)
}

fn run(data: &Path, config: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("VIGIE_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn outbox(data: &Path, config: &Path) -> Vec<Value> {
    let (ok, text) = run(data, config, &["notify", "list", "--format", "json"]);
    assert!(ok, "{text}");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn notifications_reach_people_in_their_language_with_retries_escalation_and_quiet_hours() {
    let test = "notify::notifications_reach_people_in_their_language_with_retries_escalation_and_quiet_hours";
    let Some(python) = python_with("aiosmtpd") else {
        skip(
            test,
            "Python's aiosmtpd is not installed (scripts/test installs it)",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("received");
    std::fs::create_dir_all(&out).unwrap();

    // The relay's certificate, from a CA vigie is told to trust.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "vigie test mail CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server_cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let (ca_pem, cert_pem, key_pem) = (
        dir.path().join("ca.pem"),
        dir.path().join("mail.pem"),
        dir.path().join("mail.key"),
    );
    std::fs::write(&ca_pem, ca.pem()).unwrap();
    std::fs::write(&cert_pem, server_cert.pem()).unwrap();
    std::fs::write(&key_pem, server_key.serialize_pem()).unwrap();

    let (smtp_port, hook_port) = (free_port(), free_port());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/notify_sink.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .args([&smtp_port.to_string(), &hook_port.to_string()])
        .arg(&out)
        .arg(&cert_pem)
        .arg(&key_pem)
        .args(["vigie-mailer", "mail-password-1", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    let _sink = Sink { child };

    let password = dir.path().join("smtp.pass");
    std::fs::write(&password, "mail-password-1\n").unwrap();
    let secret = dir.path().join("hook.secret");
    std::fs::write(&secret, format!("{HOOK_SECRET}\n")).unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(rules.join("intel")).unwrap();
    std::fs::write(
        rules.join("intel/feed.json"),
        json!({"version": 1, "name": "cert-feed", "source": "test CERT", "level": "high",
               "indicators": [{"type": "ip", "value": "198.51.100.7"}]})
        .to_string(),
    )
    .unwrap();
    // Quiet hours around now, in UTC: the contact's mail waits two hours.
    let hour = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .hour();
    let quiet = format!("{:02}:00-{:02}:00", (hour + 23) % 24, (hour + 2) % 24);
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let config = dir.path().join("vigie.toml");
    std::fs::write(
        &config,
        format!(
            r#"version = 1
[reports]
language = "en"
[reports.languages]
cpas-a = "nl"

[notify]
base_url = "https://soc.example"
sweep_seconds = 1
backoff_seconds = 1
max_attempts = 3

[notify.smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "starttls"
username = "vigie-mailer"
password_file = "{password}"
from = "SOC vigie <soc@provider.example>"
ca_file = "{ca}"

[[notify.webhooks]]
name = "ticketing"
url = "http://127.0.0.1:{hook_port}/hook?token=not-shown"
secret_file = "{secret}"
events = ["alert", "question"]

[[notify.webhooks]]
name = "broken"
url = "http://127.0.0.1:{hook_port}/broken"
secret_file = "{secret}"
events = ["alert"]

[[notify.recipients]]
name = "ana"
email = "ana@soc.example"
language = "fr"
events = ["report"]

[[notify.recipients]]
name = "bram"
email = "bram@soc.example"
language = "de"
events = ["report"]

[[notify.recipients]]
name = "lead"
email = "lead@soc.example"
language = "en"
events = ["report"]

[[notify.recipients]]
name = "ciso-a"
email = "ciso@cpas-a.example"
client = true
tenants = ["cpas-a"]

[[notify.recipients]]
name = "night-a"
email = "night@cpas-a.example"
client = true
tenants = ["cpas-a"]
language = "en"
time_zone = "UTC"
quiet_hours = "{quiet}"

[[notify.teams]]
name = "soc"
rota = ["ana", "bram"]
shift_hours = 24
rota_start = "{today}T00:00"
time_zone = "UTC"
escalate_after_minutes = 1
escalation = ["lead"]
events = ["alert", "answer"]
"#,
            password = password.display(),
            ca = ca_pem.display(),
            secret = secret.display(),
        ),
    )
    .unwrap();

    let data = dir.path().join("data");
    cli(&data, &["tenant", "add", "cpas-a"]);
    let (ok, text) = run(&data, &config, &["config", "check"]);
    assert!(ok, "{text}");
    let server = start_with_config(&data, Some(&rules), Some(&config));
    let client = Client::new();
    let admin = cli(
        &data,
        &["token", "create", "--platform", "--scope", "admin"],
    );
    let ingest_a = cli(
        &data,
        &["token", "create", "--tenant", "cpas-a", "--scope", "ingest"],
    );
    let client_a = cli(
        &data,
        &["token", "create", "--tenant", "cpas-a", "--scope", "admin"],
    );
    ingest(
        &client,
        &server,
        &ingest_a,
        &[
            json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "pc-7",
                 "EventID": 3, "DestinationIp": "198.51.100.7"}),
        ],
    );
    drained(&client, &server);
    let alerts = all_alerts(&client, &server, &admin);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert_id = alerts[0]["id"].as_str().unwrap().to_owned();

    // The analyst on call is paged in French; the client's CISO told in Dutch.
    let within = Duration::from_secs(30);
    let ana = wait_for(&out, "mail", within, mail_to("ana@soc.example"));
    let subject = ana["subject"].as_str().unwrap();
    assert!(
        subject.contains("[cpas-a] Nouvelle alerte de gravité élevée"),
        "{subject}"
    );
    let text = ana["text"].as_str().unwrap();
    assert!(text.contains("Hôte : pc-7"), "{text}");
    assert!(
        text.contains(&format!("https://soc.example/ui/alerts/{alert_id}")),
        "{text}"
    );
    assert_eq!(ana["language"], "fr");
    assert_eq!(ana["auto_submitted"], "auto-generated");
    assert_eq!(ana["tls"], true);
    assert_eq!(ana["authenticated"], true);
    assert_eq!(ana["from"], "soc@provider.example");
    let ciso = wait_for(&out, "mail", within, mail_to("ciso@cpas-a.example"));
    assert!(
        ciso["subject"]
            .as_str()
            .unwrap()
            .contains("Nieuwe melding met ernst hoog"),
        "{ciso}"
    );
    assert_eq!(ciso["language"], "nl");

    // The webhook: signed, refused once with 503, delivered again with the same id.
    let delivered = wait_for(&out, "hook", within, |h| {
        h["path"] == "/hook" && h["status"] == 200
    });
    let calls: Vec<Value> = records(&out, "hook")
        .into_iter()
        .filter(|h| h["path"] == "/hook")
        .collect();
    assert_eq!(calls[0]["status"], 503, "{calls:#?}");
    assert_eq!(
        calls[0]["headers"]["x-vigie-delivery"],
        delivered["headers"]["x-vigie-delivery"]
    );
    for call in &calls {
        let headers = &call["headers"];
        let timestamp = headers["x-vigie-timestamp"].as_str().unwrap();
        let mut mac =
            <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(HOOK_SECRET.as_bytes()).unwrap();
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(call["body"].as_str().unwrap().as_bytes());
        let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(headers["x-vigie-signature"], expected.as_str());
    }
    let payload: Value = serde_json::from_str(delivered["body"].as_str().unwrap()).unwrap();
    assert_eq!(payload["event"], "alert");
    assert_eq!(payload["tenant"], "cpas-a");
    assert_eq!(payload["data"]["alert"], alert_id.as_str());
    assert_eq!(payload["data"]["severity"], "high");

    // A webhook that answers 400 is dead at once; the operator queues it again.
    let started = Instant::now();
    let dead = loop {
        let rows = outbox(&data, &config);
        if let Some(row) = rows
            .iter()
            .find(|r| r["recipient"] == "broken" && r["status"] == "dead")
        {
            break row.clone();
        }
        assert!(started.elapsed() < within, "{rows:#?}");
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(dead["attempts"], 1);
    assert!(
        dead["last_error"].as_str().unwrap().contains("400"),
        "{dead}"
    );
    let ticketing = outbox(&data, &config)
        .into_iter()
        .find(|r| r["recipient"] == "ticketing")
        .unwrap();
    assert!(
        !ticketing["address"].as_str().unwrap().contains("not-shown"),
        "the URL's query is not kept: {ticketing}"
    );
    let (ok, listed) = run(&data, &config, &["notify", "list", "--status", "dead"]);
    assert!(ok && listed.contains("broken"), "{listed}");
    let id = dead["id"].to_string();
    let (ok, retried) = run(&data, &config, &["notify", "retry", &id]);
    assert!(ok, "{retried}");
    let started = Instant::now();
    while records(&out, "hook")
        .iter()
        .filter(|h| h["path"] == "/broken")
        .count()
        < 2
    {
        assert!(started.elapsed() < within, "the retried call never came");
        std::thread::sleep(Duration::from_millis(200));
    }

    // Quiet hours: the night contact's mail waits until they end.
    let night = outbox(&data, &config)
        .into_iter()
        .find(|r| r["recipient"] == "night-a")
        .expect("queued for the night contact");
    assert_eq!(night["status"], "pending");
    let due: jiff::Timestamp = night["due_at"].as_str().unwrap().parse().unwrap();
    assert!(
        due > jiff::Timestamp::now() + jiff::SignedDuration::from_mins(50),
        "held until the quiet hours end: {night}"
    );
    assert!(
        records(&out, "mail")
            .iter()
            .all(|m| !mail_to("night@cpas-a.example")(m))
    );

    // Nobody acknowledged the alert: a minute after the page, the lead is paged.
    let lead = wait_for(
        &out,
        "mail",
        Duration::from_secs(120),
        mail_to("lead@soc.example"),
    );
    assert!(
        lead["subject"]
            .as_str()
            .unwrap()
            .starts_with("[Escalation 1] [cpas-a] New high alert"),
        "{lead}"
    );
    assert!(
        records(&out, "mail")
            .iter()
            .all(|m| !mail_to("bram@soc.example")(m)),
        "only the member on call is paged"
    );

    // The SOC asks the client on the incident; the client answers in the portal's API.
    let tenants: Value = client
        .get(format!("{}/api/v1/tenants", server.base))
        .bearer_auth(&admin)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let tenant_a = tenants
        .as_array()
        .or_else(|| tenants["tenants"].as_array())
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "cpas-a")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let incident: Value = client
        .post(format!("{}/api/v1/incidents", server.base))
        .bearer_auth(&admin)
        .json(
            &json!({"tenant": tenant_a, "title": "Beaconing to a known C2",
                      "alerts": [alert_id]}),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    let number = incident["id"].as_i64().unwrap();
    let comment = |token: &str, body: Value| -> Value {
        let reply = client
            .post(format!(
                "{}/api/v1/incidents/{number}/comments",
                server.base
            ))
            .bearer_auth(token)
            .json(&body)
            .send()
            .unwrap();
        let status = reply.status().as_u16();
        let value: Value = reply.json().unwrap_or(Value::Null);
        assert!(status == 200 || status == 201, "{status} {value}");
        value
    };
    let question = comment(
        &admin,
        json!({"body": "Is pc-7 the reception desk's computer?", "visibility": "shared",
               "kind": "question"}),
    );
    let question_id = question["id"]
        .as_i64()
        .or_else(|| question["comment"].as_i64())
        .unwrap_or_else(|| panic!("{question}"));
    let asked = wait_for(&out, "mail", within, |m| {
        mail_to("ciso@cpas-a.example")(m) && m["subject"].as_str().unwrap().contains("vraag")
    });
    assert!(
        asked["subject"].as_str().unwrap().contains(&format!(
            "Het SOC heeft een vraag over incident nr. {number}"
        )),
        "{asked}"
    );
    assert!(
        asked["text"]
            .as_str()
            .unwrap()
            .contains("Is pc-7 the reception desk's computer?")
    );
    comment(
        &client_a,
        json!({"body": "Ja, de balie.", "visibility": "shared", "kind": "answer",
               "answers": question_id}),
    );
    let answered = wait_for(&out, "mail", within, |m| {
        mail_to("ana@soc.example")(m) && m["subject"].as_str().unwrap().contains("Réponse")
    });
    assert!(
        answered["text"].as_str().unwrap().contains("Ja, de balie."),
        "{answered}"
    );

    // The timeline records what was sent; the client sees its own people's only.
    let timeline = |token: &str| -> Vec<Value> {
        let detail: Value = client
            .get(format!("{}/api/v1/incidents/{number}", server.base))
            .bearer_auth(token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "notified")
            .cloned()
            .collect()
    };
    let soc_view = timeline(&admin);
    let recipients: Vec<&str> = soc_view
        .iter()
        .map(|e| e["detail"]["recipient"].as_str().unwrap())
        .collect();
    assert!(
        recipients.contains(&"ciso-a") && recipients.contains(&"ana"),
        "{soc_view:#?}"
    );
    let client_view = timeline(&client_a);
    assert!(!client_view.is_empty());
    assert!(
        client_view
            .iter()
            .all(|e| e["detail"]["recipient"] == "ciso-a"),
        "{client_view:#?}"
    );
    drop(server);

    // Without [notify], nothing is sent.
    let quiet_data = dir.path().join("data-without-notify");
    cli(&quiet_data, &["tenant", "add", "cpas-a"]);
    let plain = dir.path().join("plain.toml");
    std::fs::write(&plain, "version = 1\n").unwrap();
    let before = (records(&out, "mail").len(), records(&out, "hook").len());
    let server = start_with_config(&quiet_data, Some(&rules), Some(&plain));
    let ingest_a = cli(
        &quiet_data,
        &["token", "create", "--tenant", "cpas-a", "--scope", "ingest"],
    );
    ingest(
        &client,
        &server,
        &ingest_a,
        &[
            json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "pc-8",
                 "EventID": 3, "DestinationIp": "198.51.100.7"}),
        ],
    );
    drained(&client, &server);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        (records(&out, "mail").len(), records(&out, "hook").len()),
        before
    );
    let (ok, listed) = run(&quiet_data, &plain, &["notify", "list"]);
    assert!(ok && listed.contains("no notification"), "{listed}");
}
