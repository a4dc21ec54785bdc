//! Puts a verified pack in force in a rules directory, in one atomic step.
//!
//! The pack's files are written to a new hidden generation directory
//! `<rules>/packs/.<name>.<random>/` (made durable, with the manifest and signature kept as
//! `.pack-manifest.json` and `.pack-signature.json`), then a new symbolic
//! link to it is renamed over `<rules>/packs/<name>`. `rename(2)` replaces the link in one
//! step: every path lookup sees the old pack or the new one, whole, never a half-written
//! one, and never no pack at all (renaming directories would leave a moment without the
//! pack between the two renames). The loaders skip hidden entries and follow the link (see
//! `vigie_detect::packs`), and the reloader's fingerprint hashes the link's target, so the
//! server loads the new version at its next look; a load that overlapped the swap is
//! followed by another at the next look, since the fingerprint it started from has changed.
//! The older generation is removed once the import is recorded in the audit log.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use vigie_detect::packs::{PACKS_DIR, is_hidden};

use super::{Manifest, Pack, Verified, sha256_hex};

/// The lock file of imports, in `packs/`: one import at a time.
const LOCK: &str = ".import-lock";
/// The manifest of the installed version, in its generation directory.
pub(crate) const RECORD_MANIFEST: &str = ".pack-manifest.json";
/// The signature of the installed version, in its generation directory.
pub(crate) const RECORD_SIGNATURE: &str = ".pack-signature.json";

/// What a pack name has installed in a rules directory.
#[derive(Debug, Default)]
pub(crate) struct Current {
    /// The generation directory `packs/<name>` links to, if installed.
    pub(crate) target: Option<PathBuf>,
    /// The version installed (from its recorded manifest).
    pub(crate) version: Option<String>,
    /// Its files as they are on disk: relative path → SHA-256.
    pub(crate) files: BTreeMap<String, String>,
}

/// What an import changes, against what the pack name installed before.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    /// Files new in this version.
    pub(crate) added: Vec<String>,
    /// Files whose content differs.
    pub(crate) changed: Vec<String>,
    /// Files the installed version has and this one does not.
    pub(crate) removed: Vec<String>,
    /// Files with the same content.
    pub(crate) unchanged: usize,
}

/// `<rules>/packs/<name>`.
pub(crate) fn link_path(rules: &Path, name: &str) -> PathBuf {
    rules.join(PACKS_DIR).join(name)
}

/// Reads what `name` installed in `rules`: nothing when `packs/<name>` is absent; refused
/// when it is there but not a link an import made (a directory put there by hand).
pub(crate) fn current(rules: &Path, name: &str) -> anyhow::Result<Current> {
    let link = link_path(rules, name);
    let meta = match std::fs::symlink_metadata(&link) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Current::default()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", link.display())),
    };
    if !meta.is_symlink() {
        bail!(
            "{} exists and is not a pack installed by `vigie pack import` (a link to its files): \
             move it away first",
            link.display()
        );
    }
    let target = std::fs::read_link(&link)
        .with_context(|| format!("cannot read the link {}", link.display()))?;
    let mut files = BTreeMap::new();
    hash_tree(&link, "", &mut files)?;
    let version = std::fs::read(link.join(RECORD_MANIFEST))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
        .map(|m| m.version);
    Ok(Current {
        target: Some(target),
        version,
        files,
    })
}

/// Hashes every file under `dir` but hidden ones (which the loaders skip).
fn hash_tree(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        if is_hidden(&entry.file_name()) {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read {}", path.display()))?;
        if kind.is_dir() {
            hash_tree(&path, &format!("{prefix}{name}/"), out)?;
        } else {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            out.insert(format!("{prefix}{name}"), sha256_hex(&bytes));
        }
    }
    Ok(())
}

/// What installing `manifest` changes against `current`.
pub(crate) fn changes(current: &Current, manifest: &Manifest) -> Changes {
    let mut changes = Changes::default();
    let new: BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for file in &manifest.files {
        match current.files.get(&file.path) {
            None => changes.added.push(file.path.clone()),
            Some(sha256) if *sha256 != file.sha256 => changes.changed.push(file.path.clone()),
            Some(_) => changes.unchanged += 1,
        }
    }
    changes.removed = current
        .files
        .keys()
        .filter(|p| !new.contains(p.as_str()))
        .cloned()
        .collect();
    changes
}

/// The import lock of a rules directory, held until dropped.
pub(crate) struct Lock(#[allow(dead_code)] std::fs::File);

/// Takes the import lock of `rules` (creating `packs/`): refused while another import runs.
pub(crate) fn lock(rules: &Path) -> anyhow::Result<Lock> {
    let packs = rules.join(PACKS_DIR);
    std::fs::create_dir_all(&packs)
        .with_context(|| format!("cannot create {}", packs.display()))?;
    let path = packs.join(LOCK);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Lock(file)),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another `vigie pack import` is writing to {}; try again when it is done",
            packs.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// What [`install`] did, to finish or undo it.
pub(crate) struct Installed {
    /// `packs/`.
    packs: PathBuf,
    /// The pack's name.
    name: String,
    /// The generation now in force (a name in `packs/`).
    pub(crate) target: String,
    /// What the link pointed to before, if it existed.
    previous: Option<PathBuf>,
}

/// Writes the verified pack into a new generation directory and swaps `packs/<name>` to it
/// (see the module documentation). Call with the [`lock`] held; nothing is in force until
/// the swap, and a failure before it removes the new directory.
pub(crate) fn install(
    rules: &Path,
    pack: &Pack,
    verified: &Verified,
    current: &Current,
) -> anyhow::Result<Installed> {
    let name = &verified.manifest.name;
    let packs = rules.join(PACKS_DIR);
    let target = format!(".{name}.{:016x}", rand::random::<u64>());
    let staging = packs.join(&target);
    let written = write_generation(&staging, pack, verified);
    if let Err(error) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }
    if let Err(error) = point(&packs, name, Some(Path::new(&target))) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }
    Ok(Installed {
        packs,
        name: name.clone(),
        target,
        previous: current.target.clone(),
    })
}

/// Writes every file of the pack, and its manifest and signature, under `dir` (new), each
/// file and directory durable on disk when it returns.
fn write_generation(dir: &Path, pack: &Pack, verified: &Verified) -> anyhow::Result<()> {
    use std::io::Write;
    std::fs::create_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::from([dir.to_path_buf()]);
    let mut write = |path: &Path, bytes: &[u8]| -> anyhow::Result<()> {
        if let Some(parent) = path.parent()
            && !dirs.contains(parent)
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
            let mut at = parent;
            while at != dir && dirs.insert(at.to_path_buf()) {
                let Some(up) = at.parent() else { break };
                at = up;
            }
        }
        let mut file = std::fs::File::create_new(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        file.write_all(bytes)
            .and_then(|()| if SYNC_EACH { file.sync_all() } else { Ok(()) })
            .with_context(|| format!("cannot write {}", path.display()))
    };
    for file in &verified.manifest.files {
        let Some(bytes) = pack.files.get(&file.path) else {
            bail!("{}: `{}` is missing", pack.label, file.path);
        };
        write(&dir.join(&file.path), bytes)?;
    }
    write(&dir.join(RECORD_MANIFEST), &pack.manifest_bytes)?;
    if let Some(signature) = &pack.signature_bytes {
        write(&dir.join(RECORD_SIGNATURE), signature)?;
    }
    // Durable before the link points to it. On Linux one `syncfs` flushes the whole file
    // system at once (with one fsync per file, the 4,073 files of SigmaHQ's rules took 14 s
    // to install on a virtual disk); elsewhere each file was synced, and each directory is,
    // deepest first, so each entry is durable in its parent.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    std::fs::File::open(dir)
        .and_then(|d| rustix::fs::syncfs(&d).map_err(std::io::Error::from))
        .with_context(|| format!("cannot sync the file system of {}", dir.display()))?;
    if SYNC_EACH {
        for written in dirs.iter().rev() {
            sync_dir(written)?;
        }
    }
    Ok(())
}

/// Whether each written file and directory is synced on its own (where `syncfs` is not).
const SYNC_EACH: bool = !cfg!(any(target_os = "linux", target_os = "android"));

/// Makes `packs/<name>` a link to `target` (a name in `packs/`) by renaming a new link over
/// it, or removes it (`None`); then syncs `packs/`.
fn point(packs: &Path, name: &str, target: Option<&Path>) -> anyhow::Result<()> {
    let link = packs.join(name);
    match target {
        Some(target) => {
            let tmp = packs.join(format!(".{name}.link-{:016x}", rand::random::<u64>()));
            #[cfg(unix)]
            std::os::unix::fs::symlink(target, &tmp)
                .with_context(|| format!("cannot create the link {}", tmp.display()))?;
            #[cfg(not(unix))]
            bail!(
                "installing a pack needs symbolic links of a Unix system ({} -> {})",
                tmp.display(),
                target.display()
            );
            #[cfg(unix)]
            if let Err(error) = std::fs::rename(&tmp, &link) {
                let _ = std::fs::remove_file(&tmp);
                return Err(error)
                    .with_context(|| format!("cannot put the link {} in place", link.display()));
            }
        }
        None => std::fs::remove_file(&link)
            .with_context(|| format!("cannot remove {}", link.display()))?,
    }
    sync_dir(packs)
}

/// Syncs a directory's entries to disk.
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}

impl Installed {
    /// Removes the other generations of the pack (the previous one, leftovers of an import
    /// that stopped half way). Returns what could not be removed, to report.
    pub(crate) fn finish(self) -> Vec<String> {
        let prefix = format!(".{}.", self.name);
        let mut problems = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.packs) else {
            return problems;
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(name) = file_name.to_str() else {
                continue;
            };
            if !name.starts_with(&prefix) || name == self.target {
                continue;
            }
            let path = entry.path();
            let removed = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            if let Err(error) = removed {
                problems.push(format!("cannot remove {}: {error}", path.display()));
            }
        }
        problems
    }

    /// Puts the previous version back in force (or none) and removes the new generation.
    pub(crate) fn undo(self) -> anyhow::Result<()> {
        point(&self.packs, &self.name, self.previous.as_deref())?;
        std::fs::remove_dir_all(self.packs.join(&self.target))
            .with_context(|| format!("cannot remove {}", self.packs.join(&self.target).display()))
    }
}
