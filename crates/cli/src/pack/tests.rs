//! The pack format: round trip, and every way a pack is refused, each naming what is wrong.

use std::io::Write;
use std::path::Path;

use ed25519_dalek::SigningKey;

use super::*;

const RULE: &str = "title: Suspicious tool\nid: 9d2e4a61-3b1f-4c8e-a7d5-0e6f2b9c1a37\nstatus: test\n\
level: high\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  \
selection:\n    Image|endswith: '\\evil-tool.exe'\n  condition: selection\n";

const SET: &str = r#"{"version": 1, "name": "pack-feed", "source": "test CERT",
 "indicators": [{"type": "ip", "value": "198.51.100.9"}]}"#;

fn created() -> jiff::Timestamp {
    "2026-01-02T03:04:05Z".parse().unwrap()
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn public(seed: u8) -> PublicKey {
    PublicKey::from(key(seed).verifying_key())
}

/// A rules-directory tree with one file of each kind, and a hidden one.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (path, text) in [
        ("rules/windows/evil.yml", RULE),
        ("intel/feed.json", SET),
        (
            "pipelines/edr.yml",
            "name: edr\ntransformations:\n  - id: m\n    type: field_name_prefix\n    prefix: x.\n",
        ),
        ("taxonomies/levels.csv", "high,3\n"),
        ("README.md", "content pack\n"),
        (".git/config", "[core]\n"),
    ] {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn signed_pack(seed: u8) -> Vec<u8> {
    let dir = tree();
    let built = build(dir.path(), "core", "1.0.0", created()).unwrap();
    Pack::from_bytes(&built.bytes, "core.vpack")
        .unwrap()
        .signed(&key(seed))
        .unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A gzip-compressed tar archive of `entries` (raw names, up to 100 bytes, written without
/// the tar crate's own path checks, as an attacker would).
fn raw_archive(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, kind, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.set_entry_type(*kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    gzip(&builder.into_inner().unwrap())
}

/// The entries of a signed pack, to rebuild it with changes.
fn entries_of(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let pack = Pack::from_bytes(bytes, "p").unwrap();
    let mut out = vec![(MANIFEST.to_owned(), pack.manifest_bytes.clone())];
    if let Some(signature) = pack.signature_bytes.clone() {
        out.push((SIGNATURE.to_owned(), signature));
    }
    for (path, content) in pack.files {
        out.push((format!("{FILES}{path}"), content));
    }
    out
}

fn rebuild(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let raw: Vec<(&str, tar::EntryType, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), tar::EntryType::Regular, d.as_slice()))
        .collect();
    raw_archive(&raw)
}

fn refused(bytes: &[u8], trusted: &[PublicKey]) -> String {
    match Pack::from_bytes(bytes, "p.vpack").and_then(|p| p.verify(trusted)) {
        Ok(_) => panic!("the pack was accepted"),
        Err(error) => format!("{error:#}"),
    }
}

#[test]
fn kinds_follow_the_rules_directory_layout() {
    for (path, kind) in [
        ("rules/windows/a.yml", Kind::SigmaRule),
        ("a.yaml", Kind::SigmaRule),
        ("filters/acme/f.yml", Kind::Filter),
        ("pipelines/edr.yml", Kind::Pipeline),
        ("mappings/edr.yaml", Kind::Pipeline),
        ("intel/feed.json", Kind::IocSet),
        ("intel/acme/own.json", Kind::IocSet),
        ("intel/notes.txt", Kind::Other),
        ("taxonomies/x.yml", Kind::Taxonomy),
        ("README.md", Kind::Other),
        ("filters.yml", Kind::SigmaRule),
    ] {
        assert_eq!(Kind::of(path), kind, "{path}");
    }
}

#[test]
fn a_pack_round_trips_signed_and_verified() {
    let dir = tree();
    let built = build(dir.path(), "core", "1.0.0", created()).unwrap();
    assert_eq!(built.skipped, [".git"]);
    let again = build(dir.path(), "core", "1.0.0", created()).unwrap();
    assert_eq!(
        built.bytes, again.bytes,
        "the same content gives the same pack"
    );
    let unsigned = Pack::from_bytes(&built.bytes, "core.vpack").unwrap();
    let manifest = unsigned.manifest().unwrap();
    assert_eq!(manifest, built.manifest);
    let listed: Vec<(&str, Kind)> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.kind))
        .collect();
    assert_eq!(
        listed,
        [
            ("README.md", Kind::Other),
            ("intel/feed.json", Kind::IocSet),
            ("pipelines/edr.yml", Kind::Pipeline),
            ("rules/windows/evil.yml", Kind::SigmaRule),
            ("taxonomies/levels.csv", Kind::Taxonomy),
        ]
    );
    let signed = unsigned.signed(&key(1)).unwrap();
    let pack = Pack::from_bytes(&signed, "core.vpack").unwrap();
    // The signature covers the manifest bytes as built.
    assert_eq!(pack.manifest_bytes, unsigned.manifest_bytes);
    let verified = pack.verify(&[public(2), public(1)]).unwrap();
    assert_eq!(verified.signer, public(1));
    assert_eq!(verified.manifest, manifest);
    assert_eq!(
        pack.files["rules/windows/evil.yml"],
        RULE.as_bytes(),
        "files are carried byte for byte"
    );
    // Signing again with another key replaces the signature.
    let resigned = pack.signed(&key(3)).unwrap();
    let error = refused(&resigned, &[public(1)]);
    assert!(error.contains(&public(3).id()), "{error}");
}

#[test]
fn a_changed_file_is_refused_by_name() {
    let mut entries = entries_of(&signed_pack(1));
    let at = entries
        .iter()
        .position(|(n, _)| n == "files/rules/windows/evil.yml")
        .unwrap();
    // One byte changed, the size kept.
    let content = &mut entries[at].1;
    let i = content.iter().position(|&b| b == b'h').unwrap();
    content[i] = b'H';
    let error = refused(&rebuild(&entries), &[public(1)]);
    assert!(
        error.contains("`rules/windows/evil.yml` does not match the manifest"),
        "{error}"
    );
}

#[test]
fn a_changed_manifest_breaks_the_signature() {
    let mut entries = entries_of(&signed_pack(1));
    let manifest = String::from_utf8(entries[0].1.clone()).unwrap();
    entries[0].1 = manifest.replace("\"1.0.0\"", "\"1.0.1\"").into_bytes();
    let error = refused(&rebuild(&entries), &[public(1)]);
    assert!(error.contains("bad signature"), "{error}");
    assert!(error.contains(&public(1).id()), "{error}");
}

#[test]
fn unsigned_and_untrusted_packs_are_refused() {
    let dir = tree();
    let built = build(dir.path(), "core", "1.0.0", created()).unwrap();
    let error = refused(&built.bytes, &[public(1)]);
    assert!(error.contains("is not signed"), "{error}");
    let signed = signed_pack(1);
    let error = refused(&signed, &[public(2)]);
    assert!(
        error.contains(&format!("signed by key {}", public(1).id())),
        "{error}"
    );
    assert!(error.contains("not trusted"), "{error}");
    assert!(
        error.contains(&public(2).id()),
        "names the trusted keys: {error}"
    );
    let error = refused(&signed, &[]);
    assert!(error.contains("no key is trusted"), "{error}");
}

#[test]
fn a_signature_naming_another_key_is_refused() {
    let mut entries = entries_of(&signed_pack(1));
    let mut signature: SignatureEntry = serde_json::from_slice(&entries[1].1).unwrap();
    // The key of a trusted signer, the signature of another: does not hold.
    signature.key = public(2).to_string();
    signature.key_id = public(2).id();
    entries[1].1 = serde_json::to_vec(&signature).unwrap();
    let error = refused(&rebuild(&entries), &[public(2)]);
    assert!(error.contains("bad signature"), "{error}");
    signature.key_id = "0000000000000000".into();
    entries[1].1 = serde_json::to_vec(&signature).unwrap();
    let error = refused(&rebuild(&entries), &[public(2)]);
    assert!(error.contains("key id 0000000000000000"), "{error}");
}

/// One entry of a crafted archive: its path, type and content.
type Entry<'a> = (&'a str, tar::EntryType, &'a [u8]);

#[test]
fn crafted_archives_are_refused_naming_the_entry() {
    let signed = signed_pack(1);
    let entries = entries_of(&signed);
    let (manifest, signature) = (entries[0].1.as_slice(), entries[1].1.as_slice());
    let regular = tar::EntryType::Regular;
    let cases: Vec<(Vec<Entry>, &str)> = vec![
        (
            vec![
                (MANIFEST, regular, manifest),
                (SIGNATURE, regular, signature),
                ("files/../evil.yml", regular, b"x"),
            ],
            "entry `files/../evil.yml` is refused: `..` component",
        ),
        (
            vec![
                (MANIFEST, regular, manifest),
                ("files//etc/cron.d/x", regular, b"x"),
            ],
            "entry `files//etc/cron.d/x` is refused: absolute path",
        ),
        (
            vec![
                (MANIFEST, regular, manifest),
                ("files/rules/.hidden.yml", regular, b"x"),
            ],
            "hidden component `.hidden.yml`",
        ),
        (
            vec![
                (MANIFEST, regular, manifest),
                ("files/rules/link.yml", tar::EntryType::Symlink, b""),
            ],
            "entry `files/rules/link.yml` is not a regular file",
        ),
        (
            vec![
                (MANIFEST, regular, manifest),
                ("files/rules", tar::EntryType::Directory, b""),
            ],
            "entry `files/rules` is not a regular file",
        ),
        (
            vec![
                (MANIFEST, regular, manifest),
                ("/etc/passwd", regular, b"x"),
            ],
            "entry `/etc/passwd` is neither",
        ),
        (
            vec![
                ("files/a.yml", regular, b"x"),
                (MANIFEST, regular, manifest),
            ],
            "the first entry is `files/a.yml`",
        ),
        (
            vec![
                (MANIFEST, regular, manifest),
                ("files/README.md", regular, b"content pack\n"),
                ("files/README.md", regular, b"content pack\n"),
            ],
            "`README.md` is in the pack twice",
        ),
    ];
    for (entries, expected) in cases {
        let error = refused(&raw_archive(&entries), &[public(1)]);
        assert!(error.contains(expected), "{expected:?} not in {error}");
    }
}

#[test]
fn files_outside_the_manifest_or_missing_are_refused() {
    let mut entries = entries_of(&signed_pack(1));
    entries.push(("files/rules/extra.yml".into(), RULE.as_bytes().to_vec()));
    let error = refused(&rebuild(&entries), &[public(1)]);
    assert!(
        error.contains("`files/rules/extra.yml` is in the pack but not in the manifest"),
        "{error}"
    );
    let mut entries = entries_of(&signed_pack(1));
    entries.retain(|(n, _)| n != "files/intel/feed.json");
    let error = refused(&rebuild(&entries), &[public(1)]);
    assert!(
        error.contains("`intel/feed.json` is in the manifest but not in the pack"),
        "{error}"
    );
}

#[test]
fn corrupt_or_extended_files_are_refused() {
    let signed = signed_pack(1);
    let mut corrupt = signed.clone();
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0x55;
    let error = refused(&corrupt, &[public(1)]);
    assert!(error.contains("p.vpack"), "{error}");
    let mut appended = signed.clone();
    appended.extend_from_slice(b"trailing");
    let error = refused(&appended, &[public(1)]);
    assert!(error.contains("after the end"), "{error}");
    let error = refused(b"not a pack", &[public(1)]);
    assert!(error.contains("not a readable pack"), "{error}");
}

#[test]
fn build_refuses_links_and_large_files_by_name() {
    let dir = tree();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("rules/host.yml")).unwrap();
        let error = format!(
            "{:#}",
            build(dir.path(), "core", "1", created()).err().unwrap()
        );
        assert!(
            error.contains("host.yml") && error.contains("symbolic link"),
            "{error}"
        );
        std::fs::remove_file(dir.path().join("rules/host.yml")).unwrap();
    }
    // A sparse file: large in size, nothing on disk.
    let big = dir.path().join("intel/huge.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(MAX_FILE_BYTES + 1)
        .unwrap();
    let error = format!(
        "{:#}",
        build(dir.path(), "core", "1", created()).err().unwrap()
    );
    assert!(
        error.contains("huge.json") && error.contains("the limit"),
        "{error}"
    );
    for (name, version) in [("../x", "1"), ("core", "1/2"), (".core", "1"), ("", "1")] {
        assert!(
            build(dir.path(), name, version, created()).is_err(),
            "{name} {version}"
        );
    }
}

#[test]
fn paths_are_checked() {
    for bad in [
        "", "/a", "a//b", "a/../b", "..", "./a", "a/.b", "a\\b", "a\0b",
    ] {
        assert!(check_path(bad).is_err(), "{bad:?}");
    }
    for good in ["a", "rules/windows/x.yml", "intel/acme/feed.json"] {
        assert!(check_path(good).is_ok(), "{good:?}");
    }
}

/// Installs `bytes` (verified with key 1) into `rules`, as `vigie pack import` does.
fn install_into(rules: &Path, bytes: &[u8]) -> install::Changes {
    let pack = Pack::from_bytes(bytes, "p.vpack").unwrap();
    let verified = pack.verify(&[public(1)]).unwrap();
    let _lock = install::lock(rules).unwrap();
    let current = install::current(rules, &verified.manifest.name).unwrap();
    let changes = install::changes(&current, &verified.manifest);
    let installed = install::install(rules, &pack, &verified, &current).unwrap();
    assert!(installed.finish().is_empty());
    changes
}

#[test]
fn an_install_swaps_the_pack_in_and_the_loaders_read_it() {
    let rules = tempfile::tempdir().unwrap();
    let rules = rules.path();
    let before = crate::cmd::reload::fingerprint(rules);
    let changes = install_into(rules, &signed_pack(1));
    assert_eq!(changes.added.len(), 5);
    let link = rules.join("packs/core");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    let first = crate::cmd::reload::fingerprint(rules);
    assert_ne!(before, first);
    // The server's loaders: the rule, under its logical path, and the IOC set.
    let (set, report) = vigie_detect::RuleSet::load_dir(rules).unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert_eq!(set.len(), 1);
    assert_eq!(
        report.loaded[0].path.as_deref(),
        Some(Path::new("packs/core/rules/windows/evil.yml"))
    );
    let (intel, refused) =
        vigie_detect::intel::load_rules_dir(rules, &mut |_| None, jiff::Timestamp::now());
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(intel.len(), 1);

    // A second version: one file changed, one removed, one added.
    let dir = tree();
    std::fs::write(
        dir.path().join("rules/windows/evil.yml"),
        RULE.replace("level: high", "level: critical"),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("README.md")).unwrap();
    std::fs::write(
        dir.path().join("rules/new.yml"),
        RULE.replace("9d2e", "8d2e"),
    )
    .unwrap();
    let built = build(dir.path(), "core", "1.1.0", created()).unwrap();
    let signed = Pack::from_bytes(&built.bytes, "p")
        .unwrap()
        .signed(&key(1))
        .unwrap();
    let old_target = std::fs::read_link(&link).unwrap();
    let changes = install_into(rules, &signed);
    assert_eq!(changes.added, ["rules/new.yml"]);
    assert_eq!(changes.changed, ["rules/windows/evil.yml"]);
    assert_eq!(changes.removed, ["README.md"]);
    assert_eq!(changes.unchanged, 3);
    assert_ne!(crate::cmd::reload::fingerprint(rules), first);
    assert!(
        std::fs::symlink_metadata(rules.join("packs").join(&old_target)).is_err(),
        "the previous generation is removed"
    );
    let current = install::current(rules, "core").unwrap();
    assert_eq!(current.version.as_deref(), Some("1.1.0"));
    let (set, _) = vigie_detect::RuleSet::load_dir(rules).unwrap();
    assert_eq!(set.len(), 2);
    // Only the link and the current generation are left (and the lock).
    let mut left: Vec<String> = std::fs::read_dir(rules.join("packs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left.len(), 3, "{left:?}");
}

#[test]
fn an_undone_install_puts_the_previous_version_back() {
    let rules = tempfile::tempdir().unwrap();
    let rules = rules.path();
    install_into(rules, &signed_pack(1));
    let link = rules.join("packs/core");
    let target = std::fs::read_link(&link).unwrap();
    let pack = Pack::from_bytes(&signed_pack(1), "p").unwrap();
    let verified = pack.verify(&[public(1)]).unwrap();
    let current = install::current(rules, "core").unwrap();
    let installed = install::install(rules, &pack, &verified, &current).unwrap();
    assert_ne!(std::fs::read_link(&link).unwrap(), target);
    installed.undo().unwrap();
    assert_eq!(std::fs::read_link(&link).unwrap(), target);
    // A directory where the link should be is not replaced.
    let other = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(other.path().join("packs/core")).unwrap();
    let error = install::current(other.path(), "core")
        .unwrap_err()
        .to_string();
    assert!(error.contains("is not a pack installed"), "{error}");
}

#[test]
fn a_manifest_with_a_file_over_a_folder_is_refused() {
    let files: Vec<(&str, &[u8])> = vec![("rules", b"x"), ("rules/a.yml", RULE.as_bytes())];
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        name: "core".into(),
        version: "1".into(),
        created: created(),
        files: files
            .iter()
            .map(|(path, content)| FileEntry {
                path: (*path).to_owned(),
                size: content.len() as u64,
                sha256: sha256_hex(content),
                kind: Kind::of(path),
            })
            .collect(),
    };
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let unsigned = write_archive(&bytes, None, &files, created()).unwrap();
    let error = Pack::from_bytes(&unsigned, "p")
        .unwrap()
        .manifest()
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains("`rules` is both a file and the folder of `rules/a.yml`"),
        "{error}"
    );
}
