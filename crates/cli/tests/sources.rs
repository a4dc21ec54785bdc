//! Sources other than Windows, end to end through the `vigie` binary: Sysmon for Linux sent
//! over syslog (the OTRF Log4Shell set, each `<Event>` XML one syslog message) is recognised,
//! parsed and fires SigmaHQ's Linux rules, and no rule of another product; a sender
//! network of a listener declares its source type (over the listener's);
//! `POST /api/v1/ingest?source_type=` declares one for a body, and an ingest token for
//! everything sent with it; a text log imported with `--source-type` is parsed; every
//! source type is searchable as `event.dataset`; a line that does not parse is kept and
//! counted.

mod support;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};
use support::{all_alerts, cli, drained, start_with_config};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

use support::skip;

/// Copies the `.yml` rules under `from` into `to` (the server loads one directory).
fn copy_rules(from: &Path, to: &Path) -> usize {
    let mut count = 0;
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            count += copy_rules(&path, to);
        } else if path.extension().is_some_and(|e| e == "yml") {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
            count += 1;
        }
    }
    count
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sends `messages` over TCP syslog (LF framing) to `port`.
fn send_syslog(port: u16, messages: &[String]) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    for message in messages {
        stream.write_all(message.as_bytes()).unwrap();
        stream.write_all(b"\n").unwrap();
    }
    stream.flush().unwrap();
}

#[test]
fn linux_firewall_and_cloud_sources_end_to_end() {
    let test = "linux_firewall_and_cloud_sources_end_to_end";
    let fixtures = shared();
    let sysmon = fixtures.join(
        "logs/linux_sysmon/otrf/syslog_sysmon_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json",
    );
    let auth_log = fixtures.join("logs/linux_auth_syslog/beats_filebeat_system_auth/test.log");
    let sigma = fixtures.join("sigma/rules/rules");
    for needed in [&sysmon, &auth_log, &sigma] {
        if std::fs::metadata(needed).is_err() {
            skip(test, &format!("fixture not found: {}", needed.display()));
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let mut loaded = 0;
    for folder in ["linux", "network", "cloud", "web"] {
        loaded += copy_rules(&sigma.join(folder), &rules);
    }
    assert!(loaded > 500, "{loaded}");
    cli(&data, &["tenant", "add", "cpas-a"]);
    let ingest = cli(
        &data,
        &["token", "create", "--tenant", "cpas-a", "--scope", "ingest"],
    );
    let read = cli(
        &data,
        &["token", "create", "--tenant", "cpas-a", "--scope", "read"],
    );
    let metrics = cli(&data, &["token", "create", "--platform", "--scope", "read"]);
    // An ingest token of one kind of sender: a Zeek DNS log without `_path`, which its
    // content alone does not name.
    let zeek = cli(
        &data,
        &[
            "token",
            "create",
            "--tenant",
            "cpas-a",
            "--scope",
            "ingest",
            "--source-type",
            "zeek.dns",
            "--label",
            "zeek dns",
        ],
    );
    assert!(
        cli(&data, &["token", "list"]).contains("zeek.dns"),
        "token list shows the source type"
    );

    // A text log imported with its source type (the server is not running yet).
    let imported = cli(
        &data,
        &[
            "import",
            "--tenant",
            "cpas-a",
            "--quiet",
            "--source-type",
            "linux.auth",
            auth_log.to_str().unwrap(),
        ],
    );
    let lines = std::fs::read_to_string(&auth_log)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert!(
        imported.contains(&format!("accepted {lines},")),
        "{imported}"
    );

    let (plain, forti) = (free_port(), free_port());
    let config = dir.path().join("vigie.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n\
             [[syslog.listeners]]\nname = \"linux\"\nprotocol = \"tcp\"\nlisten = \"127.0.0.1:{plain}\"\ntenant = \"cpas-a\"\n\
             [[syslog.listeners]]\nname = \"fortigate\"\nprotocol = \"tcp\"\nlisten = \"127.0.0.1:{forti}\"\nsource_type = \"linux.syslog\"\nnetworks = [{{ cidr = \"127.0.0.0/8\", tenant = \"cpas-a\", source_type = \"fortinet.fortigate\" }}]\n"
        ),
    )
    .unwrap();
    let server = start_with_config(&data, Some(&rules), Some(&config));
    let client = Client::new();

    // Sysmon for Linux: nothing declared on the listener, the XML says what it is.
    let text = std::fs::read_to_string(&sysmon).unwrap();
    let messages: Vec<String> = text
        .lines()
        .map(|line| {
            let row: Value = serde_json::from_str(line).unwrap();
            format!(
                "<14>1 {} UBUNTU5 sysmon - - - {}",
                row["TimeGenerated"].as_str().unwrap(),
                row["SyslogMessage"].as_str().unwrap()
            )
        })
        .collect();
    send_syslog(plain, &messages);
    // A FortiGate administrator adding a local user, and a line that is not FortiGate's.
    send_syslog(
        forti,
        &[
            "<189>date=2026-11-25 time=10:00:00 logid=\"0100044547\" type=\"event\" subtype=\"system\" level=\"information\" vd=\"root\" eventtime=1764061200000000000 tz=\"+0100\" logdesc=\"Object attribute configured\" user=\"admin\" ui=\"GUI(10.0.0.1)\" action=\"Add\" cfgtid=1 cfgpath=\"user.local\" cfgobj=\"eve\" msg=\"Add user.local eve\"".to_owned(),
            "<189>not a FortiGate line: key=value".to_owned(),
        ],
    );
    // A body declared by the request, and a declaration that is refused with its reason.
    let cloudtrail = json!({"eventVersion": "1.08", "eventTime": "2026-11-25T09:00:00Z", "eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "awsRegion": "eu-west-1", "sourceIPAddress": "198.51.100.7", "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/ops"}});
    let response = client
        .post(format!(
            "{}/api/v1/ingest?source_type=aws.cloudtrail",
            server.base
        ))
        .bearer_auth(&ingest)
        .body(format!("{cloudtrail}\n"))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let response = client
        .post(format!(
            "{}/api/v1/ingest?source_type=Not%20A%20Type",
            server.base
        ))
        .bearer_auth(&ingest)
        .body("{}\n")
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let refusal: Value = response.json().unwrap();
    assert!(
        refusal.to_string().contains("Not A Type"),
        "the refusal names the value: {refusal}"
    );

    let dns = json!({"ts": 1764064800.5, "uid": "C1", "id.orig_h": "192.0.2.1", "id.orig_p": 5353, "id.resp_h": "198.51.100.53", "id.resp_p": 53, "proto": "udp", "query": "exfil.example.org", "qtype_name": "TXT"});
    let response = client
        .post(format!("{}/api/v1/ingest", server.base))
        .bearer_auth(&zeek)
        .body(format!("{dns}\n"))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    // Everything arrives: 93 Sysmon events, 2 FortiGate lines, 1 CloudTrail record, 1 Zeek
    // DNS record, the imported lines.
    let expected = 93 + 2 + 1 + 1 + lines as u64;
    let deadline = Instant::now() + Duration::from_secs(60);
    let hunt = |query: &str| support::hunt(&client, &server, &read, query);
    let count = |query: &str| support::hunt_count(&client, &server, &read, query);
    while count("*") < expected {
        assert!(
            Instant::now() < deadline,
            "the store has {} of {expected}",
            count("*")
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    drained(&client, &server);
    let by_type = hunt("* | stats count() by event.dataset");
    let rows: Vec<(String, u64)> = by_type["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["event.dataset"].as_str().unwrap_or("-").to_owned(),
                r["count()"].as_u64().unwrap(),
            )
        })
        .collect();
    let of = |t: &str| rows.iter().find(|(k, _)| k == t).map_or(0, |(_, n)| *n);
    assert_eq!(of("linux.sysmon"), 93, "{rows:?}");
    assert_eq!(of("fortinet.fortigate"), 2, "{rows:?}");
    assert_eq!(of("aws.cloudtrail"), 1, "{rows:?}");
    assert_eq!(of("zeek.dns"), 1, "{rows:?}");
    assert_eq!(count("dns.question.name:exfil.example.org"), 1);
    assert!(of("linux.sshd") >= 2 && of("linux.sudo") >= 1, "{rows:?}");
    // The line that is not FortiGate's is kept, flagged and counted.
    assert_eq!(count("tags:parse_error"), 1);
    let exposition = client
        .get(format!("{}/metrics", server.base))
        .bearer_auth(&metrics)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        exposition
            .lines()
            .any(|l| l.starts_with("vigie_parse_errors_total{")
                && l.contains("source_type=\"fortinet.fortigate\"")),
        "{}",
        exposition
            .lines()
            .filter(|l| l.contains("parse"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    // The Linux rules fired on the Sysmon events, and nothing of another product did.
    let alerts = all_alerts(&client, &server, &read);
    let titles: Vec<String> = alerts
        .iter()
        .map(|a| a["rule_title"].as_str().unwrap().to_owned())
        .collect();
    for wanted in [
        "Suspicious Java Children Processes",
        "Linux Reverse Shell Indicator",
        "FortiGate - New Local User Created",
        // Zeek's rules on the token-declared Zeek DNS record (its `Z` field is absent, which
        // the rule's `not Z: 0` counts as set).
        "Suspicious DNS Z Flag Bit Set",
    ] {
        assert!(titles.iter().any(|t| t == wanted), "{wanted}: {titles:?}");
    }
    for alert in &alerts {
        let title = alert["rule_title"].as_str().unwrap();
        assert!(
            !title.contains("Cisco") && !title.contains("RDP"),
            "{title} fired on {}",
            alert["event"]
        );
        let dataset = alert["event"]["event"]["dataset"].as_str().unwrap_or("-");
        assert!(
            [
                "linux.sysmon",
                "fortinet.fortigate",
                "linux.sshd",
                "linux.sudo",
                "linux.auth",
                "aws.cloudtrail",
                "zeek.dns"
            ]
            .contains(&dataset),
            "{title}: the alert names its source type: {dataset}"
        );
    }
}

/// syslog-ng from Debian, unpacked beside the test suite by `scripts/test` (the package
/// conflicts with rsyslog's, which the transport tests need): the daemon and its modules.
fn syslog_ng() -> Option<(PathBuf, PathBuf)> {
    let root = std::env::var_os("VIGIE_SYSLOG_NG_ROOT")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/vigie-syslog-ng/root"))
        })?;
    let daemon = root.join("usr/sbin/syslog-ng");
    let lib = root.join("usr/lib/syslog-ng");
    (daemon.is_file() && lib.is_dir()).then_some((daemon, lib))
}

/// A syslog-ng relay, as a provider runs one in front of a client's firewalls and servers:
/// it tails the Linux authentication log (parsed as syslog) and a PAN-OS firewall's log
/// (forwarded as it is) and sends each over TCP to its own vigie listener. The Linux lines
/// are recognised by program, the PAN-OS ones read as the listener declares; nothing is
/// lost, nothing fails to parse.
#[test]
fn syslog_ng_relays_linux_auth_and_pan_os_logs() {
    let test = "syslog_ng_relays_linux_auth_and_pan_os_logs";
    let fixtures = shared();
    let auth_log = fixtures.join("logs/linux_auth_syslog/beats_filebeat_system_auth/test.log");
    let panos =
        fixtures.join("logs/panos/paloaltonetworks_splunk_apps/pan_incident_data_config.samplelog");
    for needed in [&auth_log, &panos] {
        if std::fs::metadata(needed).is_err() {
            skip(test, &format!("fixture not found: {}", needed.display()));
            return;
        }
    }
    let Some((daemon, lib)) = syslog_ng() else {
        skip(
            test,
            "syslog-ng not unpacked (scripts/test unpacks Debian's syslog-ng-core)",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli(&data, &["tenant", "add", "zone-b"]);
    let read = cli(
        &data,
        &["token", "create", "--tenant", "zone-b", "--scope", "read"],
    );
    let (linux, firewall) = (free_port(), free_port());
    let config = dir.path().join("vigie.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n\
             [[syslog.listeners]]\nname = \"linux\"\nprotocol = \"tcp\"\nlisten = \"127.0.0.1:{linux}\"\ntenant = \"zone-b\"\n\
             [[syslog.listeners]]\nname = \"firewalls\"\nprotocol = \"tcp\"\nlisten = \"127.0.0.1:{firewall}\"\ntenant = \"zone-b\"\nsource_type = \"panos.log\"\n"
        ),
    )
    .unwrap();
    let server = start_with_config(&data, None, Some(&config));

    let relay = dir.path().join("syslog-ng");
    std::fs::create_dir_all(&relay).unwrap();
    std::fs::write(
        relay.join("syslog-ng.conf"),
        format!(
            "@version: 3.38\n\
             options {{ keep-hostname(yes); }};\n\
             source s_auth {{ file(\"{auth}\" follow-freq(0.2)); }};\n\
             source s_fw {{ file(\"{panos}\" follow-freq(0.2) flags(no-parse)); }};\n\
             destination d_linux {{ network(\"127.0.0.1\" port({linux}) transport(\"tcp\")); }};\n\
             destination d_fw {{ network(\"127.0.0.1\" port({firewall}) transport(\"tcp\")); }};\n\
             log {{ source(s_auth); destination(d_linux); }};\n\
             log {{ source(s_fw); destination(d_fw); }};\n",
            // syslog-ng refuses paths with `..` in them.
            auth = auth_log.canonicalize().unwrap().display(),
            panos = panos.canonicalize().unwrap().display(),
        ),
    )
    .unwrap();
    let mut syslog_ng = std::process::Command::new(&daemon)
        .env("LD_LIBRARY_PATH", &lib)
        .arg("-F")
        .arg("--no-caps")
        .arg(format!("--module-path={}", lib.join("3.38").display()))
        .arg("-f")
        .arg(relay.join("syslog-ng.conf"))
        .arg("-R")
        .arg(relay.join("persist"))
        .arg("-p")
        .arg(relay.join("pid"))
        .arg("-c")
        .arg(relay.join("ctl"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    let lines = |path: &Path| {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count() as u64
    };
    let expected = lines(&auth_log) + lines(&panos);
    let client = Client::new();
    let hunt = |query: &str| support::hunt(&client, &server, &read, query);
    let count = |query: &str| support::hunt_count(&client, &server, &read, query);
    let deadline = Instant::now() + Duration::from_secs(90);
    while count("*") < expected {
        if Instant::now() > deadline {
            let _ = syslog_ng.kill();
            let out = syslog_ng.wait_with_output().unwrap();
            panic!(
                "the store has {} of {expected}; syslog-ng said: {}",
                count("*"),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let _ = syslog_ng.kill();
    let _ = syslog_ng.wait();
    drained(&client, &server);
    assert_eq!(count("*"), expected, "every line once");
    let by_type = hunt("* | stats count() by event.dataset | sort event.dataset");
    let rows: Vec<(String, u64)> = by_type["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["event.dataset"].as_str().unwrap_or("-").to_owned(),
                r["count()"].as_u64().unwrap(),
            )
        })
        .collect();
    let of = |t: &str| rows.iter().find(|(k, _)| k == t).map_or(0, |(_, n)| *n);
    // The fixture's notes: 713 THREAT, 103 SYSTEM, 37 CONFIG records.
    assert_eq!(
        (of("panos.threat"), of("panos.system"), of("panos.config")),
        (713, 103, 37),
        "{rows:?}"
    );
    assert!(of("linux.sshd") >= 2 && of("linux.sudo") >= 1, "{rows:?}");
    assert_eq!(count("tags:parse_error"), 0, "{rows:?}");
    // The PAN-OS fields are read through the relay's own header.
    assert!(count("event.dataset:panos.threat source.ip:*") >= 700);
    let from = count("event.dataset:linux.sshd source.ip:10.0.2.2");
    assert!(from >= 2, "{rows:?}");
    assert_eq!(
        count("event.dataset:linux.sshd log.syslog.hostname:localhost source.ip:10.0.2.2"),
        from,
        "syslog-ng keeps the host of the auth log"
    );
}

/// `auditctl -s` as (enabled, pid of the registered audit daemon), when it can be asked.
fn audit_status() -> Option<(String, String)> {
    let out = std::process::Command::new("auditctl")
        .arg("-s")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_owned()))
    };
    Some((value("enabled ")?, value("pid ")?))
}

/// Real audit records from Debian's auditd, of a command run here, through `vigie import`
/// and detection: the EXECVE record's arguments (auditd writes those with spaces in hex)
/// are decoded, and Sigma rules on the EXECVE record and on its process (from the SYSCALL
/// record of the same event) fire. Needs root, and no audit daemon already registered with
/// the kernel; the test adds one rule with its own key, removes it and puts the kernel's
/// audit switch back as it found it.
#[test]
fn real_auditd_records_of_a_command_run_here() {
    let test = "real_auditd_records_of_a_command_run_here";
    let auditd = Path::new("/usr/sbin/auditd");
    let Some((enabled, pid)) = audit_status().filter(|_| auditd.is_file()) else {
        skip(
            test,
            "auditd/auditctl not installed or the kernel's audit status cannot be read (needs root)",
        );
        return;
    };
    if pid != "0" {
        skip(
            test,
            &format!("an audit daemon (pid {pid}) is already registered with the kernel"),
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("auditd");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("auditd.conf"),
        format!(
            "log_file = {}\nlog_format = ENRICHED\nflush = INCREMENTAL_ASYNC\nfreq = 1\nmax_log_file = 8\nnum_logs = 1\nmax_log_file_action = ROTATE\nspace_left = 2\nspace_left_action = IGNORE\nadmin_space_left = 1\nadmin_space_left_action = IGNORE\ndisk_full_action = IGNORE\ndisk_error_action = IGNORE\nlocal_events = yes\nwrite_logs = yes\n",
            dir.path().join("audit.log").display()
        ),
    )
    .unwrap();
    // In the foreground (-n) with its records on standard error (-f).
    let captured = std::fs::File::create(dir.path().join("auditd.out")).unwrap();
    let mut daemon = std::process::Command::new(auditd)
        .args(["-f", "-n", "-c"])
        .arg(&conf)
        .stdout(captured.try_clone().unwrap())
        .stderr(captured)
        .spawn()
        .unwrap();
    let started = Instant::now();
    while audit_status().is_none_or(|(_, p)| p == "0") {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = daemon.kill();
            let _ = daemon.wait();
            let said = std::fs::read_to_string(dir.path().join("auditd.out")).unwrap_or_default();
            let said: String = said.lines().rev().take(3).collect::<Vec<_>>().join(" / ");
            skip(
                test,
                &format!("auditd did not register with the kernel within 30 s ({said})"),
            );
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let key = format!("vigie{}", std::process::id());
    let rule = ["exit,always", "-F", "arch=b64", "-S", "execve", "-F"];
    let auditctl = |action: &str| {
        std::process::Command::new("auditctl")
            .arg(action)
            .args(rule)
            .arg(format!("key={key}"))
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    let added = auditctl("-a");
    let ran = std::process::Command::new("/bin/echo")
        .args(["vigie audit test", "two words"])
        .output()
        .is_ok_and(|o| o.status.success());
    let removed = auditctl("-d");
    std::thread::sleep(Duration::from_millis(500));
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status();
    let _ = daemon.wait();
    let _ = std::process::Command::new("auditctl")
        .args(["-e", &enabled])
        .output();
    assert!(
        added && ran && removed,
        "auditctl -a {added}, echo {ran}, auditctl -d {removed}"
    );

    // The records of the kernel events carrying our key, as audit.log holds them.
    let out = std::fs::read_to_string(dir.path().join("auditd.out")).unwrap();
    let records: Vec<&str> = out.lines().filter(|l| l.starts_with("type=")).collect();
    let serial = |line: &str| {
        line.split("msg=audit(")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .map(str::to_owned)
    };
    let ours: std::collections::BTreeSet<String> = records
        .iter()
        .filter(|l| l.starts_with("type=SYSCALL") && l.contains(&format!("key=\"{key}\"")))
        .filter_map(|l| serial(l))
        .collect();
    assert!(!ours.is_empty(), "no SYSCALL record with key {key}:\n{out}");
    let lines: Vec<&str> = records
        .iter()
        .copied()
        .filter(|l| serial(l).is_some_and(|s| ours.contains(&s)))
        .collect();
    assert!(
        lines.iter().any(|l| l.starts_with("type=EXECVE")),
        "{lines:#?}"
    );
    let log = dir.path().join("audit.log.1");
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();

    let data = dir.path().join("data");
    cli(&data, &["tenant", "add", "cpas-a"]);
    let read = cli(
        &data,
        &["token", "create", "--tenant", "cpas-a", "--scope", "read"],
    );
    let imported = cli(
        &data,
        &[
            "import",
            "--tenant",
            "cpas-a",
            "--quiet",
            "--source-type",
            "linux.auditd",
            log.to_str().unwrap(),
        ],
    );
    assert!(
        imported.contains(&format!("accepted {},", lines.len())),
        "{imported}"
    );
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("execve_args.yml"),
        "title: Echo with our words\nid: 0e8f7a40-4f5e-4d43-9a77-52b7b51d1a01\nstatus: test\nlevel: low\nlogsource:\n  product: linux\n  service: auditd\ndetection:\n  selection:\n    type: EXECVE\n    a1: 'vigie audit test'\n    a2: 'two words'\n  condition: selection\n",
    )
    .unwrap();
    std::fs::write(
        rules.join("execve_process.yml"),
        "title: Echo run as a process\nid: 0e8f7a40-4f5e-4d43-9a77-52b7b51d1a02\nstatus: test\nlevel: low\nlogsource:\n  product: linux\n  service: auditd\ndetection:\n  selection:\n    type: EXECVE\n    process.executable|endswith: '/echo'\n    process.command_line: '/bin/echo vigie audit test two words'\n  condition: selection\n",
    )
    .unwrap();
    let server = support::start(&data, Some(&rules));
    let client = Client::new();
    drained(&client, &server);
    let alerts = all_alerts(&client, &server, &read);
    let mut titles: Vec<&str> = alerts
        .iter()
        .map(|a| a["rule_title"].as_str().unwrap())
        .collect();
    titles.sort_unstable();
    assert_eq!(
        titles,
        ["Echo run as a process", "Echo with our words"],
        "{alerts:#?}"
    );
}
