//! Signed content packs through the real binary: `vigie pack keygen`, `build`, `sign`,
//! `verify`, and `import` into the rules directory of a running `vigie serve`, whose next
//! reload puts the pack's Sigma rule and IOC set in force without a restart (an upgrade to
//! a second version too); unsigned, tampered (a file, the manifest) and untrusted packs are
//! refused with the reason and leave the rules directory byte for byte as it was; every
//! import is in the audit log, which verifies.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};
use vigie_soc::prelude::*;

mod support;

use support::{BIN, Server, all_alerts, cli, drained, ingest, start_with_config};

const RULE_ID: &str = "5b0c7e2a-91d4-4f3e-8a61-2c9d0f7b4e18";
const SECOND_RULE_ID: &str = "6c1d8f3b-a2e5-4a4f-9b72-3d0e1a8c5f29";

fn rule(id: &str, image: &str) -> String {
    format!(
        "title: Pack rule {image}\nid: {id}\nstatus: test\nlevel: high\nlogsource:\n  \
         product: windows\n  category: process_creation\ndetection:\n  selection:\n    \
         Image|endswith: '\\{image}'\n  condition: selection\n"
    )
}

/// Runs `vigie ARGS...` (no data directory unless given) and returns its status and output.
fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("VIGIE_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Every entry under `dir`: file contents, link targets and directories, to compare.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let key = path.strip_prefix(root).unwrap().to_path_buf();
            if meta.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.insert(key, format!("-> {}", target.display()).into_bytes());
            } else if meta.is_dir() {
                out.insert(key, b"dir".to_vec());
                walk(root, &path, out);
            } else {
                out.insert(key, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The pack file with `from` replaced by `to` (same length) in its uncompressed archive:
/// what someone who changes a pack on its way does.
fn tampered(pack: &Path, from: &str, to: &str, out: &Path) {
    assert_eq!(from.len(), to.len());
    let mut raw = Vec::new();
    // A test's own small pack: read whole, no cap needed.
    #[allow(clippy::disallowed_methods)]
    flate2::read::GzDecoder::new(std::fs::File::open(pack).unwrap())
        .read_to_end(&mut raw)
        .unwrap();
    let at = raw
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{from} not in the pack"));
    raw[at..at + to.len()].copy_from_slice(to.as_bytes());
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&raw).unwrap();
    std::fs::write(out, encoder.finish().unwrap()).unwrap();
}

/// Alerts of `token`'s tenant with rule id `rule_id`.
fn alerts_of(client: &Client, server: &Server, token: &str, rule_id: &str) -> Vec<Value> {
    all_alerts(client, server, token)
        .into_iter()
        .filter(|a| a["rule_id"] == rule_id)
        .collect()
}

/// Sends `event` until an alert of `rule_id` is there (the server reloads its rules every
/// second); the time it took.
fn until_alert(
    client: &Client,
    server: &Server,
    tokens: (&str, &str),
    event: &Value,
    rule_id: &str,
) -> Duration {
    let started = Instant::now();
    loop {
        ingest(client, server, tokens.0, std::slice::from_ref(event));
        drained(client, server);
        if !alerts_of(client, server, tokens.1, rule_id).is_empty() {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no alert of {rule_id} after the import"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_signed_pack_is_verified_and_imported_into_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let path = |p: &str| dir.path().join(p);
    let text = |p: &Path| p.to_str().unwrap().to_owned();
    let (data, rules, content) = (path("data"), path("rules"), path("content"));
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::create_dir_all(content.join("rules/windows")).unwrap();
    std::fs::create_dir_all(content.join("intel")).unwrap();
    std::fs::write(
        content.join("rules/windows/evil_tool.yml"),
        rule(RULE_ID, "evil-tool.exe"),
    )
    .unwrap();
    std::fs::write(
        content.join("intel/pack-feed.json"),
        json!({"version": 1, "name": "pack-feed", "source": "test CERT",
               "indicators": [{"type": "ip", "value": "198.51.100.9"}]})
        .to_string(),
    )
    .unwrap();

    // Keys.
    let key = path("signer.key");
    let (ok, out) = run(&["pack", "keygen", "--out", &text(&key)]);
    assert!(ok, "{out}");
    let public = std::fs::read_to_string(path("signer.key.pub"))
        .unwrap()
        .trim()
        .to_owned();
    assert!(public.starts_with("ed25519:"), "{public}");
    assert!(out.contains(&public), "{out}");
    let key_id = out
        .lines()
        .find_map(|l| l.strip_prefix("key id"))
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(key_id.len(), 16, "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (ok, out) = run(&["pack", "keygen", "--out", &text(&key)]);
    assert!(!ok && out.contains("refusing to overwrite"), "{out}");
    let other_key = path("other.key");
    assert!(run(&["pack", "keygen", "--out", &text(&other_key)]).0);

    // Build, sign, verify.
    let pack = path("acme-core-1.0.0.vpack");
    let (ok, out) = run(&[
        "pack",
        "build",
        &text(&content),
        "--name",
        "acme-core",
        "--version",
        "1.0.0",
        "--out",
        &text(&pack),
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("2 file(s) (sigma-rule 1, ioc-set 1)"), "{out}");
    let unsigned = path("unsigned.vpack");
    std::fs::copy(&pack, &unsigned).unwrap();
    let (ok, out) = run(&["pack", "verify", &text(&pack), "--trusted-key", &public]);
    assert!(!ok && out.contains("is not signed"), "{out}");
    let (ok, out) = run(&["pack", "sign", &text(&pack), "--key", &text(&key)]);
    assert!(ok && out.contains(&key_id), "{out}");
    let (ok, out) = run(&["pack", "verify", &text(&pack), "--trusted-key", &public]);
    assert!(ok, "{out}");
    assert!(out.contains("pack     acme-core 1.0.0"), "{out}");
    assert!(out.contains(&format!("signed   by key {key_id}")), "{out}");
    assert!(
        out.contains("file     sigma-rule rules/windows/evil_tool.yml"),
        "{out}"
    );
    assert!(
        out.contains("file     ioc-set    intel/pack-feed.json"),
        "{out}"
    );
    // The public key file works as --trusted-key too; no trusted key: refused, naming it.
    assert!(
        run(&[
            "pack",
            "verify",
            &text(&pack),
            "--trusted-key",
            &text(&path("signer.key.pub"))
        ])
        .0
    );
    let (ok, out) = run(&["pack", "verify", &text(&pack)]);
    assert!(
        !ok && out.contains(&key_id) && out.contains("no key is trusted"),
        "{out}"
    );

    // Refused packs: a changed file, a changed manifest, unsigned, signed by an untrusted key.
    let changed_file = path("changed-file.vpack");
    tampered(&pack, "evil-tool.exe", "evil-tooL.exe", &changed_file);
    let changed_manifest = path("changed-manifest.vpack");
    tampered(&pack, "\"1.0.0\"", "\"9.0.0\"", &changed_manifest);
    let untrusted = path("untrusted.vpack");
    std::fs::copy(&unsigned, &untrusted).unwrap();
    assert!(
        run(&[
            "pack",
            "sign",
            &text(&untrusted),
            "--key",
            &text(&other_key)
        ])
        .0
    );
    let config = path("vigie.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n[detection]\nreload_seconds = 1\ntrusted_pack_keys = [\"{public}\"]\n"
        ),
    )
    .unwrap();
    let refusals = [
        (
            &changed_file,
            "`rules/windows/evil_tool.yml` does not match the manifest",
        ),
        (&changed_manifest, "bad signature"),
        (&unsigned, "is not signed"),
        (&untrusted, "which is not trusted"),
    ];
    let import = |file: &Path, more: &[&str]| {
        let mut args = vec![
            "--config".to_owned(),
            text(&config),
            "--data-dir".to_owned(),
            text(&data),
            "pack".to_owned(),
            "import".to_owned(),
            text(file),
            "--rules".to_owned(),
            text(&rules),
        ];
        args.extend(more.iter().map(|s| (*s).to_owned()));
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let check_refusals = || {
        let before = snapshot(&rules);
        for (file, reason) in &refusals {
            let (ok, out) = import(file, &[]);
            assert!(!ok, "{} was imported: {out}", file.display());
            assert!(out.contains(reason), "{reason:?} not in {out}");
            assert_eq!(
                snapshot(&rules),
                before,
                "{} changed the rules",
                file.display()
            );
        }
    };
    check_refusals();
    let (ok, out) = run(&[
        "pack",
        "verify",
        &text(&untrusted),
        "--trusted-key",
        &public,
    ]);
    assert!(!ok, "{out}");
    let other_id = out
        .split("signed by key ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();
    assert!(other_id != key_id && other_id.len() == 16, "{out}");

    // A running server.
    cli(&data, &["tenant", "add", "acme"]);
    let server = start_with_config(&data, Some(&rules), Some(&config));
    let client = Client::new();
    let ingest_token = cli(
        &data,
        &["token", "create", "--tenant", "acme", "--scope", "ingest"],
    );
    let read_token = cli(
        &data,
        &["token", "create", "--tenant", "acme", "--scope", "read"],
    );
    let tokens = (ingest_token.as_str(), read_token.as_str());
    let process = |image: &str| {
        json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "pc-1",
               "EventID": 1, "Image": format!("C:\\Tools\\{image}"), "User": "ana"})
    };
    ingest(&client, &server, tokens.0, &[process("evil-tool.exe")]);
    drained(&client, &server);
    assert!(alerts_of(&client, &server, tokens.1, RULE_ID).is_empty());

    // A dry run shows the changes and writes nothing.
    let before = snapshot(&rules);
    let (ok, out) = import(&pack, &["--dry-run"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("added    rules/windows/evil_tool.yml"),
        "{out}"
    );
    assert!(out.contains("1 Sigma rule(s)"), "{out}");
    assert!(out.contains("dry run: nothing written"), "{out}");
    assert_eq!(snapshot(&rules), before);

    // The import, picked up by the running server at its next reload.
    let (ok, out) = import(&pack, &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains("2 added, 0 changed, 0 removed, 0 unchanged"),
        "{out}"
    );
    let took = until_alert(&client, &server, tokens, &process("evil-tool.exe"), RULE_ID);
    eprintln!("pack rule in force {took:?} after the import");
    let ioc = json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "pc-1",
                     "EventID": 3, "DestinationIp": "198.51.100.9"});
    until_alert(&client, &server, tokens, &ioc, "ioc:pack-feed");
    let alert = &alerts_of(&client, &server, tokens.1, RULE_ID)[0];
    assert_eq!(alert["rule_title"], "Pack rule evil-tool.exe");

    // Tampered and untrusted packs leave the installed pack as it is.
    check_refusals();

    // Version 1.1.0: a second rule; swapped in while the server runs.
    std::fs::write(
        content.join("rules/windows/other_tool.yml"),
        rule(SECOND_RULE_ID, "other-tool.exe"),
    )
    .unwrap();
    let pack2 = path("acme-core-1.1.0.vpack");
    assert!(
        run(&[
            "pack",
            "build",
            &text(&content),
            "--name",
            "acme-core",
            "--version",
            "1.1.0",
            "--out",
            &text(&pack2),
        ])
        .0
    );
    assert!(run(&["pack", "sign", &text(&pack2), "--key", &text(&key)]).0);
    let (ok, out) = import(&pack2, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("against the installed version 1.0.0"), "{out}");
    assert!(
        out.contains("added    rules/windows/other_tool.yml"),
        "{out}"
    );
    assert!(
        out.contains("1 added, 0 changed, 0 removed, 2 unchanged"),
        "{out}"
    );
    until_alert(
        &client,
        &server,
        tokens,
        &process("other-tool.exe"),
        SECOND_RULE_ID,
    );
    // The first rule still works after the swap.
    let count = |id| alerts_of(&client, &server, tokens.1, id)[0]["count"].as_u64();
    let first = count(RULE_ID);
    ingest(&client, &server, tokens.0, &[process("evil-tool.exe")]);
    drained(&client, &server);
    assert!(count(RULE_ID) > first, "the first rule still raises alerts");
    let packs: Vec<String> = std::fs::read_dir(rules.join("packs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".acme-core."))
        .collect();
    assert_eq!(packs.len(), 1, "one generation is left: {packs:?}");

    // The audit log: both imports, and it verifies.
    let verify = cli(&data, &["--config", &text(&config), "audit", "verify"]);
    assert!(verify.contains("intact"), "{verify}");
    drop(server);
    let imports = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = vigie_soc::SqliteStore::open(&data.join("state.sqlite"))
            .await
            .unwrap();
        store
            .audit_entries(0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "pack.import")
            .collect::<Vec<_>>()
    });
    assert_eq!(imports.len(), 2, "{imports:?}");
    let payload: Value = serde_json::from_str(&imports[1].payload).unwrap();
    assert_eq!(imports[1].object, "pack:acme-core");
    assert_eq!(payload["version"], "1.1.0");
    assert_eq!(payload["previous_version"], "1.0.0");
    assert_eq!(payload["signer_key_id"], key_id.as_str());
    let sha256 = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(std::fs::read(&pack2).unwrap()))
    };
    assert_eq!(payload["sha256"], sha256.as_str());
}
