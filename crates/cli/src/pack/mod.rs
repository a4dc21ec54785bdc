//! Signed offline content packs: one file that carries detection content (Sigma rules,
//! correlations, tenant filters, pySigma pipelines, IOC sets, taxonomies, any file of a
//! rules-directory tree) into a site, with proof of who made it.
//!
//! # Format (`vigie-pack/1`)
//!
//! A gzip-compressed tar archive whose entries are, in this order:
//!
//! 1. `manifest.json`: a [`Manifest`] (format, name, version, creation time, and each file's
//!    relative path, size, SHA-256 and [`Kind`]), sorted by path;
//! 2. `manifest.sig` (once signed): a [`SignatureEntry`], the Ed25519 signature of the exact
//!    bytes of `manifest.json` with the signer's public key and its id;
//! 3. `files/<path>` for each file of the manifest, in the manifest's order.
//!
//! Every entry is a regular file (no links, directories or devices), every path relative
//! with plain components (no `..`, no absolute path, no hidden component), no entry twice,
//! each file at most [`MAX_FILE_BYTES`], all of them at most [`MAX_PACK_BYTES`]; nothing may
//! follow the archive. A pack is read whole into memory, bounded by these limits, and never
//! unpacked by the tar crate: [`Pack::verify`] checks the signature, the signer's trust, then
//! every file against the manifest, before anyone writes a byte of it.
//!
//! [`keys`] holds the signing keys; [`install`] puts a verified pack in force in a rules
//! directory.

pub(crate) mod install;
pub(crate) mod keys;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, bail};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub(crate) use keys::PublicKey;

/// The format this version writes and reads.
pub(crate) const FORMAT: &str = "vigie-pack/1";
/// The format of the signature entry.
pub(crate) const SIGNATURE_FORMAT: &str = "vigie-pack-signature/1";
/// The first entry: the manifest.
pub(crate) const MANIFEST: &str = "manifest.json";
/// The second entry, once signed: the signature of the manifest.
pub(crate) const SIGNATURE: &str = "manifest.sig";
/// The prefix of the entries holding the files.
pub(crate) const FILES: &str = "files/";
/// Largest file a pack carries.
pub(crate) const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;
/// Largest sum of the sizes of a pack's files (a pack is read into memory whole).
pub(crate) const MAX_PACK_BYTES: u64 = 512 * 1024 * 1024;
/// Most files in a pack.
pub(crate) const MAX_FILES: usize = 100_000;
/// Largest manifest or signature entry.
const MAX_META_BYTES: u64 = 64 * 1024 * 1024;
/// Longest relative path of a file.
const MAX_PATH_BYTES: usize = 1024;

/// The manifest of a pack: what it is and every file it carries. The signature covers its
/// exact bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    /// [`FORMAT`].
    pub(crate) format: String,
    /// The pack's name: where it is installed (`packs/<name>/`); see [`check_name`].
    pub(crate) name: String,
    /// The pack's version, as its maker numbers them; see [`check_version`].
    pub(crate) version: String,
    /// When it was built.
    pub(crate) created: jiff::Timestamp,
    /// Every file, sorted by path.
    pub(crate) files: Vec<FileEntry>,
}

/// One file of a pack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileEntry {
    /// Relative path with `/`, as it is installed under `packs/<name>/`.
    pub(crate) path: String,
    /// Size in bytes.
    pub(crate) size: u64,
    /// SHA-256 of the content, lowercase hex.
    pub(crate) sha256: String,
    /// What the file is, from its path ([`Kind::of`]).
    pub(crate) kind: Kind,
}

/// What a file of a pack is, told by its place in the tree (the rules directory's layout,
/// `vigie_detect::packs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    /// A `.yml`/`.yaml` file elsewhere: Sigma rules and correlations.
    SigmaRule,
    /// A `.yml`/`.yaml` file under `filters/<tenant-slug>/`: a tenant's Sigma filters.
    Filter,
    /// A `.yml`/`.yaml` file under `pipelines/` or `mappings/`: a pySigma processing
    /// pipeline (in force when `[detection] pipelines` names it).
    Pipeline,
    /// A `.json` file under `intel/`: an IOC set (`intel/<tenant-slug>/` for one tenant).
    IocSet,
    /// A file under `taxonomies/`: reference data, not loaded.
    Taxonomy,
    /// Anything else (documentation, licences): carried, not loaded.
    Other,
}

impl Kind {
    /// The kind of the file at `path` (relative, with `/`).
    pub(crate) fn of(path: &str) -> Kind {
        let yaml = path.ends_with(".yml") || path.ends_with(".yaml");
        let first = path.split('/').next().unwrap_or_default();
        let nested = path.contains('/');
        match first {
            "filters" if nested && yaml => Kind::Filter,
            "intel" if nested && path.ends_with(".json") => Kind::IocSet,
            "pipelines" | "mappings" if nested && yaml => Kind::Pipeline,
            "taxonomies" if nested => Kind::Taxonomy,
            "filters" | "intel" | "pipelines" | "mappings" if nested => Kind::Other,
            _ if yaml => Kind::SigmaRule,
            _ => Kind::Other,
        }
    }

    /// The name in the manifest (`sigma-rule`, `ioc-set`, ...).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::SigmaRule => "sigma-rule",
            Kind::Filter => "filter",
            Kind::Pipeline => "pipeline",
            Kind::IocSet => "ioc-set",
            Kind::Taxonomy => "taxonomy",
            Kind::Other => "other",
        }
    }
}

/// The `manifest.sig` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignatureEntry {
    /// [`SIGNATURE_FORMAT`].
    pub(crate) format: String,
    /// The signer's public key (`ed25519:<base64>`).
    pub(crate) key: String,
    /// Its id ([`PublicKey::id`]), to name it.
    pub(crate) key_id: String,
    /// The Ed25519 signature of the bytes of `manifest.json`, base64.
    pub(crate) signature: String,
}

/// Checks a pack name: 1 to 64 ASCII letters, digits, `_` or `-`, starting with a letter or
/// digit (it names the folder `packs/<name>` and must not look like a file).
pub(crate) fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'));
    anyhow::ensure!(
        ok,
        "pack name {name:?}: 1 to 64 letters, digits, `_` or `-`, starting with a letter or digit"
    );
    Ok(())
}

/// Checks a pack version: 1 to 64 ASCII letters, digits, `.`, `_`, `+` or `-`.
pub(crate) fn check_version(version: &str) -> anyhow::Result<()> {
    let ok = (1..=64).contains(&version.len())
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-'));
    anyhow::ensure!(
        ok,
        "pack version {version:?}: 1 to 64 letters, digits, `.`, `_`, `+` or `-`"
    );
    Ok(())
}

/// Checks the relative path of a pack file: `/`-separated plain components, none empty,
/// `.`, `..` or hidden (starting with `.`: the loaders skip hidden files, and the installer
/// keeps its own there), no backslash, NUL or absolute path, at most 1,024 bytes. The
/// reason names what is wrong.
pub(crate) fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty path".into());
    }
    if path.len() > MAX_PATH_BYTES {
        return Err(format!(
            "path of {} bytes, the limit is {MAX_PATH_BYTES}",
            path.len()
        ));
    }
    if path.starts_with('/') {
        return Err("absolute path".into());
    }
    if path.contains('\\') || path.contains('\0') {
        return Err("path with a backslash or NUL".into());
    }
    for part in path.split('/') {
        match part {
            "" => return Err("empty path component".into()),
            "." | ".." => return Err(format!("`{part}` component: the path escapes")),
            _ if part.starts_with('.') => {
                return Err(format!("hidden component `{part}`"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// SHA-256 of `bytes`, lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A pack read into memory, not yet verified.
pub(crate) struct Pack {
    /// What the pack is called in messages (its file).
    pub(crate) label: String,
    /// SHA-256 of the whole pack file, hex.
    pub(crate) sha256: String,
    /// The exact bytes of `manifest.json`.
    pub(crate) manifest_bytes: Vec<u8>,
    /// The bytes of `manifest.sig`, if signed.
    pub(crate) signature_bytes: Option<Vec<u8>>,
    /// The files by relative path (without `files/`).
    pub(crate) files: BTreeMap<String, Vec<u8>>,
}

/// A pack whose signature, signer and files were checked.
pub(crate) struct Verified {
    /// The manifest.
    pub(crate) manifest: Manifest,
    /// Who signed it.
    pub(crate) signer: PublicKey,
}

/// Reads at most `limit` bytes from `reader`, failing past it.
fn read_bounded(reader: &mut impl Read, limit: u64, what: &str) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut out)
        .with_context(|| format!("cannot read {what}"))?;
    anyhow::ensure!(out.len() as u64 <= limit, "{what}: more than {limit} bytes");
    Ok(out)
}

impl Pack {
    /// Reads the pack file at `path` (see [`Pack::from_bytes`]).
    pub(crate) fn read(path: &Path) -> anyhow::Result<Pack> {
        let label = path.display().to_string();
        let size = std::fs::metadata(path)
            .with_context(|| format!("cannot read the pack {label}"))?
            .len();
        anyhow::ensure!(
            size <= MAX_PACK_BYTES + MAX_META_BYTES,
            "{label}: {size} bytes, more than a pack may be ({} bytes)",
            MAX_PACK_BYTES + MAX_META_BYTES
        );
        let bytes = std::fs::read(path).with_context(|| format!("cannot read the pack {label}"))?;
        Pack::from_bytes(&bytes, &label)
    }

    /// Reads a pack from the bytes of its file: every entry checked for its type, path, place
    /// and size (see the module documentation), and nothing after the archive. `label`
    /// names the pack in errors.
    pub(crate) fn from_bytes(bytes: &[u8], label: &str) -> anyhow::Result<Pack> {
        let mut decoder = flate2::bufread::GzDecoder::new(bytes);
        // The decompressed stream is bounded too: a small file cannot unfold into a huge one.
        let bound = MAX_PACK_BYTES + 2 * MAX_META_BYTES + (MAX_FILES as u64 + 4) * 3 * 512;
        let mut archive = tar::Archive::new((&mut decoder).take(bound));
        let mut manifest_bytes = None;
        let mut signature_bytes = None;
        let mut files = BTreeMap::new();
        let mut total = 0u64;
        let not_archive = |e: std::io::Error| {
            anyhow::anyhow!("{label}: not a readable pack (a gzip-compressed tar archive): {e}")
        };
        for (index, entry) in archive.entries().map_err(not_archive)?.enumerate() {
            let mut entry = entry.map_err(not_archive)?;
            let name = String::from_utf8(entry.path_bytes().into_owned()).map_err(|e| {
                anyhow::anyhow!(
                    "{label}: entry {} has a path that is not UTF-8 ({:?})",
                    index + 1,
                    String::from_utf8_lossy(e.as_bytes())
                )
            })?;
            let kind = entry.header().entry_type();
            if !kind.is_file() {
                bail!(
                    "{label}: entry `{name}` is not a regular file ({kind:?}): a pack carries \
                     regular files only, never links or directories"
                );
            }
            let size = entry.size();
            match (index, name.as_str()) {
                (0, MANIFEST) => {
                    manifest_bytes = Some(read_bounded(
                        &mut entry,
                        MAX_META_BYTES,
                        &format!("{label}: {MANIFEST}"),
                    )?);
                }
                (0, _) => {
                    bail!("{label}: the first entry is `{name}`, not {MANIFEST}: not a vigie pack")
                }
                (1, SIGNATURE) => {
                    signature_bytes = Some(read_bounded(
                        &mut entry,
                        MAX_META_BYTES,
                        &format!("{label}: {SIGNATURE}"),
                    )?);
                }
                _ => {
                    let Some(path) = name.strip_prefix(FILES) else {
                        bail!(
                            "{label}: entry `{name}` is neither {MANIFEST}, {SIGNATURE} (second) \
                             nor under {FILES}"
                        );
                    };
                    check_path(path).map_err(|reason| {
                        anyhow::anyhow!("{label}: entry `{name}` is refused: {reason}")
                    })?;
                    anyhow::ensure!(
                        size <= MAX_FILE_BYTES,
                        "{label}: `{path}` is {size} bytes, the limit is {MAX_FILE_BYTES}"
                    );
                    total += size;
                    anyhow::ensure!(
                        total <= MAX_PACK_BYTES,
                        "{label}: the files are more than {MAX_PACK_BYTES} bytes"
                    );
                    anyhow::ensure!(
                        files.len() < MAX_FILES,
                        "{label}: more than {MAX_FILES} files"
                    );
                    let content = read_bounded(&mut entry, size, &format!("{label}: `{path}`"))?;
                    if files.insert(path.to_owned(), content).is_some() {
                        bail!("{label}: `{path}` is in the pack twice");
                    }
                }
            }
        }
        let Some(manifest_bytes) = manifest_bytes else {
            bail!("{label}: empty archive, no {MANIFEST}: not a vigie pack");
        };
        // Nothing may follow the archive but its zero padding, and the gzip stream must end
        // with its checksum right.
        let mut rest = archive.into_inner();
        let mut buffer = [0u8; 8192];
        loop {
            let n = rest.read(&mut buffer).map_err(not_archive)?;
            if n == 0 {
                break;
            }
            anyhow::ensure!(
                buffer[..n].iter().all(|&b| b == 0),
                "{label}: data after the end of the archive"
            );
        }
        anyhow::ensure!(
            decoder.get_ref().is_empty(),
            "{label}: data after the end of the compressed archive"
        );
        Ok(Pack {
            label: label.to_owned(),
            sha256: sha256_hex(bytes),
            manifest_bytes,
            signature_bytes,
            files,
        })
    }

    /// The manifest, checked: its format, name, version, and each file's path, kind and
    /// hash form, sorted and unique, within the limits. Not its signature.
    pub(crate) fn manifest(&self) -> anyhow::Result<Manifest> {
        let label = &self.label;
        let manifest: Manifest = serde_json::from_slice(&self.manifest_bytes)
            .with_context(|| format!("{label}: {MANIFEST} is not a pack manifest"))?;
        anyhow::ensure!(
            manifest.format == FORMAT,
            "{label}: {MANIFEST} says format {:?}; this vigie reads {FORMAT:?}",
            manifest.format
        );
        check_name(&manifest.name).with_context(|| format!("{label}: {MANIFEST}"))?;
        check_version(&manifest.version).with_context(|| format!("{label}: {MANIFEST}"))?;
        anyhow::ensure!(
            manifest.files.len() <= MAX_FILES,
            "{label}: {MANIFEST} lists more than {MAX_FILES} files"
        );
        let paths: std::collections::HashSet<&str> =
            manifest.files.iter().map(|f| f.path.as_str()).collect();
        let mut previous: Option<&str> = None;
        for file in &manifest.files {
            let path = file.path.as_str();
            check_path(path)
                .map_err(|reason| anyhow::anyhow!("{label}: {MANIFEST}: `{path}`: {reason}"))?;
            if let Some(before) = previous {
                anyhow::ensure!(
                    before < path,
                    "{label}: {MANIFEST}: `{path}` is out of order or listed twice"
                );
            }
            previous = Some(path);
            if let Some(folder) = path
                .match_indices('/')
                .map(|(at, _)| &path[..at])
                .find(|folder| paths.contains(folder))
            {
                bail!("{label}: {MANIFEST}: `{folder}` is both a file and the folder of `{path}`");
            }
            anyhow::ensure!(
                file.kind == Kind::of(path),
                "{label}: {MANIFEST}: `{path}` is listed as {} but its place makes it {}",
                file.kind.as_str(),
                Kind::of(path).as_str()
            );
            anyhow::ensure!(
                file.sha256.len() == 64
                    && file
                        .sha256
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{label}: {MANIFEST}: `{path}`: sha256 {:?} is not 64 lowercase hex digits",
                file.sha256
            );
        }
        Ok(manifest)
    }

    /// Checks every file against `manifest`: each listed file is in the pack with its size
    /// and SHA-256, and the pack holds no other file. The error names the file.
    pub(crate) fn check_files(&self, manifest: &Manifest) -> anyhow::Result<()> {
        let label = &self.label;
        for file in &manifest.files {
            let Some(content) = self.files.get(&file.path) else {
                bail!(
                    "{label}: `{}` is in the manifest but not in the pack",
                    file.path
                );
            };
            let actual = sha256_hex(content);
            if content.len() as u64 != file.size || actual != file.sha256 {
                bail!(
                    "{label}: `{}` does not match the manifest ({} bytes, SHA-256 {actual}; the \
                     manifest says {} bytes, SHA-256 {}): the file was changed after the pack was \
                     built",
                    file.path,
                    content.len(),
                    file.size,
                    file.sha256
                );
            }
        }
        if self.files.len() != manifest.files.len() {
            let listed: std::collections::HashSet<&str> =
                manifest.files.iter().map(|f| f.path.as_str()).collect();
            if let Some(extra) = self.files.keys().find(|p| !listed.contains(p.as_str())) {
                bail!("{label}: `{FILES}{extra}` is in the pack but not in the manifest");
            }
        }
        Ok(())
    }

    /// The signature entry, if the pack is signed (its form checked, not the signature).
    pub(crate) fn signature(&self) -> anyhow::Result<Option<(SignatureEntry, PublicKey)>> {
        let label = &self.label;
        let Some(bytes) = &self.signature_bytes else {
            return Ok(None);
        };
        let entry: SignatureEntry = serde_json::from_slice(bytes)
            .with_context(|| format!("{label}: {SIGNATURE} is not a pack signature"))?;
        anyhow::ensure!(
            entry.format == SIGNATURE_FORMAT,
            "{label}: {SIGNATURE} says format {:?}; this vigie reads {SIGNATURE_FORMAT:?}",
            entry.format
        );
        let key = PublicKey::parse(&entry.key)
            .with_context(|| format!("{label}: {SIGNATURE}: the signer's key"))?;
        anyhow::ensure!(
            key.id() == entry.key_id,
            "{label}: {SIGNATURE}: key id {} is not the id of its key ({})",
            entry.key_id,
            key.id()
        );
        Ok(Some((entry, key)))
    }

    /// Verifies the pack: it is signed, by one of `trusted`, the signature holds over the
    /// exact manifest bytes, the manifest is well formed and every file matches it, with no
    /// file outside it. The error says which check failed and names the key or the file.
    pub(crate) fn verify(&self, trusted: &[PublicKey]) -> anyhow::Result<Verified> {
        let label = &self.label;
        let Some((entry, signer)) = self.signature()? else {
            bail!(
                "{label} is not signed (no {SIGNATURE}): refused. Its maker signs it with `vigie \
                 pack sign {label} --key KEY`"
            );
        };
        let id = signer.id();
        if trusted.is_empty() {
            bail!(
                "{label} is signed by key {id} ({signer}), but no key is trusted: add the \
                 maker's public key to [detection] trusted_pack_keys or give --trusted-key"
            );
        }
        if !trusted.contains(&signer) {
            bail!(
                "{label} is signed by key {id} ({signer}), which is not trusted (trusted: {})",
                trusted
                    .iter()
                    .map(PublicKey::id)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        signer
            .verify(&self.manifest_bytes, &entry.signature)
            .map_err(|reason| {
                anyhow::anyhow!(
                    "{label}: bad signature: {MANIFEST} does not match the signature of key {id} \
                 ({reason}): the manifest was changed after it was signed"
                )
            })?;
        let manifest = self.manifest()?;
        self.check_files(&manifest)?;
        Ok(Verified { manifest, signer })
    }

    /// The pack file signed by `key`: the same manifest and files with a new `manifest.sig`
    /// (replacing one already there). Refused when the files do not match the manifest.
    pub(crate) fn signed(&self, key: &SigningKey) -> anyhow::Result<Vec<u8>> {
        let manifest = self.manifest()?;
        self.check_files(&manifest)?;
        let public = PublicKey::from(key.verifying_key());
        let entry = SignatureEntry {
            format: SIGNATURE_FORMAT.to_owned(),
            key: public.to_string(),
            key_id: public.id(),
            signature: keys::sign(key, &self.manifest_bytes),
        };
        let signature = serde_json::to_vec_pretty(&entry)?;
        let files: Vec<(&str, &[u8])> = manifest
            .files
            .iter()
            .filter_map(|f| Some((f.path.as_str(), self.files.get(&f.path)?.as_slice())))
            .collect();
        write_archive(
            &self.manifest_bytes,
            Some(&signature),
            &files,
            manifest.created,
        )
    }
}

/// What [`build`] made.
pub(crate) struct Built {
    /// The pack file's bytes (unsigned).
    pub(crate) bytes: Vec<u8>,
    /// Its manifest.
    pub(crate) manifest: Manifest,
    /// Hidden entries left out (relative paths).
    pub(crate) skipped: Vec<String>,
}

/// Builds an unsigned pack of every file under `dir` (hidden entries left out, as the
/// loaders leave them). Refused, naming the path: a symbolic link or other non-regular
/// entry, a name that is not UTF-8 or not a valid pack path, a file over [`MAX_FILE_BYTES`],
/// more than [`MAX_FILES`] files or [`MAX_PACK_BYTES`] in all, no file at all.
pub(crate) fn build(
    dir: &Path,
    name: &str,
    version: &str,
    created: jiff::Timestamp,
) -> anyhow::Result<Built> {
    check_name(name).context("--name")?;
    check_version(version).context("--version")?;
    let meta =
        std::fs::symlink_metadata(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    anyhow::ensure!(meta.is_dir(), "{} is not a directory", dir.display());
    let mut found: Vec<(String, std::path::PathBuf)> = Vec::new();
    let mut skipped = Vec::new();
    collect(dir, "", &mut found, &mut skipped)?;
    found.sort();
    anyhow::ensure!(!found.is_empty(), "{}: no file to pack", dir.display());
    anyhow::ensure!(
        found.len() <= MAX_FILES,
        "{}: {} files, the limit is {MAX_FILES}",
        dir.display(),
        found.len()
    );
    let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(found.len());
    let mut total = 0u64;
    for (relative, path) in found {
        let size = std::fs::symlink_metadata(&path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        anyhow::ensure!(
            size <= MAX_FILE_BYTES,
            "{}: {size} bytes, the limit for a file of a pack is {MAX_FILE_BYTES}",
            path.display()
        );
        total += size;
        anyhow::ensure!(
            total <= MAX_PACK_BYTES,
            "{}: the files are more than {MAX_PACK_BYTES} bytes in all",
            dir.display()
        );
        let content =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        files.push((relative, content));
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        name: name.to_owned(),
        version: version.to_owned(),
        created,
        files: files
            .iter()
            .map(|(path, content)| FileEntry {
                path: path.clone(),
                size: content.len() as u64,
                sha256: sha256_hex(content),
                kind: Kind::of(path),
            })
            .collect(),
    };
    let manifest_bytes = serde_json::to_vec_pretty(&manifest)?;
    let entries: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    let bytes = write_archive(&manifest_bytes, None, &entries, created)?;
    Ok(Built {
        bytes,
        manifest,
        skipped,
    })
}

/// Adds the regular files under `dir` (relative path `prefix`) to `found`.
fn collect(
    dir: &Path,
    prefix: &str,
    found: &mut Vec<(String, std::path::PathBuf)>,
    skipped: &mut Vec<String>,
) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            bail!(
                "{}: the name is not UTF-8: a pack names its files in UTF-8",
                path.display()
            );
        };
        let relative = format!("{prefix}{name}");
        if name.starts_with('.') {
            skipped.push(relative);
            continue;
        }
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read {}", path.display()))?;
        if kind.is_symlink() {
            bail!(
                "{}: a symbolic link: a pack carries regular files only (copy the file it points \
                 to instead)",
                path.display()
            );
        } else if kind.is_dir() {
            collect(&path, &format!("{relative}/"), found, skipped)?;
        } else if kind.is_file() {
            check_path(&relative)
                .map_err(|reason| anyhow::anyhow!("{}: refused: {reason}", path.display()))?;
            found.push((relative, path));
        } else {
            bail!(
                "{}: not a regular file (a device, socket or pipe): refused",
                path.display()
            );
        }
    }
    Ok(())
}

/// Writes a pack archive: the manifest, the signature if any, then each file under
/// `files/`, every entry a regular file of mode 0644 owned by 0:0 and dated `created`, so
/// the same content gives the same bytes.
fn write_archive(
    manifest: &[u8],
    signature: Option<&[u8]>,
    files: &[(&str, &[u8])],
    created: jiff::Timestamp,
) -> anyhow::Result<Vec<u8>> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(encoder);
    let mtime = u64::try_from(created.as_second()).unwrap_or(0);
    let mut append = |path: &str, data: &[u8]| -> anyhow::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(mtime);
        header.set_size(data.len() as u64);
        builder
            .append_data(&mut header, path, data)
            .with_context(|| format!("cannot write the pack entry `{path}`"))
    };
    append(MANIFEST, manifest)?;
    if let Some(signature) = signature {
        append(SIGNATURE, signature)?;
    }
    for (path, data) in files {
        append(&format!("{FILES}{path}"), data)?;
    }
    let encoder = builder
        .into_inner()
        .context("cannot finish the pack archive")?;
    let mut bytes = encoder.finish().context("cannot compress the pack")?;
    bytes.flush()?;
    Ok(bytes)
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, synced, renamed over it.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file name", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{:016x}.tmp", rand::random::<u64>()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| -> anyhow::Result<()> {
        let mut file = std::fs::File::create_new(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        file.write_all(bytes)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        file.sync_all()
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests;
