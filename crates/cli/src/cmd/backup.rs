//! `vigie backup DEST` and `vigie restore SRC`: an online backup of a data directory while
//! `vigie serve` runs on it, and its restore into an empty data directory.
//!
//! # What a backup holds, and in which order it is taken
//!
//! ```text
//! DEST/
//!   data/wal/consumers.json, data/wal/<first offset>.wal ...   the durable log
//!   data/state.sqlite                                          the state database
//!   data/correlation-state.json                                correlation windows
//!   data/store/<tenant>/<day>/meta.json, segment files         the event store
//!   audit/signing.key(.pub), audit/checkpoints.jsonl           audit key and checkpoints
//!   config/vigie.toml                                          the --config file, if any
//!   MANIFEST.json                                              written last
//! ```
//!
//! The parts are read while the server writes them, each in a consistent state of its own,
//! in an order that makes them consistent together:
//!
//! 1. the log segments that may still be needed are pinned (held open; retention may unlink
//!    them, their bytes stay readable), and the segments created later are pinned as they
//!    appear, until step 6 (`vigie_log::wal::snapshot`);
//! 2. the audit key and checkpoint file: before the database, so that every checkpoint
//!    copied names an entry the copied database holds;
//! 3. the consumer offsets (`consumers.json`): before every consumer's output, so that each
//!    output copied is at least as far as its offset says (replay from it is idempotent);
//! 4. the state database with `VACUUM INTO` (one read transaction);
//! 5. the correlation state, then the event store's committed partitions
//!    (`vigie_store::embedded::snapshot`);
//! 6. the log, last: every pinned segment from the one holding the smallest consumer offset
//!    on, the active one fsynced and copied up to its last complete record. Its end is the
//!    *cut*: every record below it is in the backup, which includes every event acknowledged
//!    before the backup started, and no offset recorded by steps 3 to 5 lies beyond it.
//!
//! Every file is hashed (SHA-256) as it is written and fsynced; `MANIFEST.json` (format and
//! versions, time, the cut, every file with its size and hash) is written last, fsynced and
//! renamed into place. A backup without it, or whose files do not match it, is refused by
//! `vigie restore`, which names the first missing or mismatched file and writes nothing.
//!
//! A restore writes [`RESTORE_MARKER`] into the data directory first and removes it once the
//! files are in place and checked (log, `PRAGMA integrity_check`, audit chain); no command
//! opens a directory holding it, so a restore killed part way is never served.
//!
//! Everything written is private: directories 0700, files 0600.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vigie_access::audit;
use vigie_log::wal::snapshot::{self, SegmentPins};
use vigie_log::{Wal, WalConfig};
use vigie_soc::SqliteStore;

use super::{Global, open_state, private_dir};
use crate::config::{VigieConfig, lexical_absolute};

/// The manifest's file name in a backup directory.
pub(crate) const MANIFEST: &str = "MANIFEST.json";
/// The `format` field of every manifest.
const FORMAT: &str = "vigie-backup";
/// The manifest format this build writes and reads.
const FORMAT_VERSION: u32 = 1;
/// Test only: `vigie backup` stops (exit status 86, no manifest written) once it has
/// written this many files, as a backup killed at that point would. Used by
/// `crates/cli/tests/backup.rs` to show that a partial backup is refused.
pub(crate) const TEST_STOP_AFTER_FILES: &str = "VIGIE_BACKUP_TEST_STOP_AFTER_FILES";
/// Written first into the data directory by `vigie restore` and removed last: while it is
/// there, no command opens the directory ([`refuse_unfinished_restore`]), so a restore killed
/// part way is never served.
pub(crate) const RESTORE_MARKER: &str = "RESTORE-INCOMPLETE";
/// How much `vigie backup` lowers its CPU priority (`nice`), so that the server it copies
/// keeps ingesting at nearly its full rate.
const BACKUP_NICE: i32 = 10;
/// How often the log segments created during a backup are pinned.
const PIN_EVERY: Duration = Duration::from_millis(20);

#[derive(clap::Args)]
pub(crate) struct BackupArgs {
    /// Directory to write the backup into; created (mode 0700), or empty.
    dest: PathBuf,
    /// Leave the audit signing key out (keep it yourself: a restored server does not start
    /// without it while the checkpoint file holds checkpoints). The public key and the
    /// checkpoints are still included.
    #[arg(long)]
    without_audit_key: bool,
}

#[derive(clap::Args)]
pub(crate) struct RestoreArgs {
    /// A backup directory written by `vigie backup`. The data directory to restore into
    /// (`--data-dir`, or `data_dir` of the configuration) must be missing or empty.
    src: PathBuf,
}

/// `MANIFEST.json`. Fields a later version adds are ignored; `format_version` changes when
/// this version could no longer restore what it describes.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    /// Always `vigie-backup`.
    format: String,
    format_version: u32,
    /// The version of the vigie that wrote the backup.
    vigie_version: String,
    /// When the backup started (RFC 3339, UTC).
    created_at: String,
    /// How long it took, in milliseconds.
    duration_ms: u64,
    log: LogPart,
    store: StorePart,
    /// The audit key and checkpoints, when they could be read.
    audit: Option<AuditPart>,
    /// Every file but the manifest, in the order written.
    files: Vec<FileEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct LogPart {
    /// First offset of the first segment copied.
    start_offset: u64,
    /// The cut: every record below this offset is in the backup.
    end_offset: u64,
    /// Committed consumer offsets as copied.
    consumers: BTreeMap<String, u64>,
    /// Segments copied.
    segments: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct StorePart {
    /// Partitions copied.
    partitions: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct AuditPart {
    /// Whether the signing key is in the backup.
    key_included: bool,
    /// Checkpoints in the copied checkpoint file (`None`: there was no checkpoint file).
    checkpoints: Option<u64>,
}

/// One file of a backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FileEntry {
    /// Relative to the backup directory, `/`-separated: under `data/`, `audit/` or `config/`.
    path: String,
    bytes: u64,
    /// SHA-256 of the content, hex.
    sha256: String,
}

/// What an audit file of the backup is, by its name under `audit/`.
const AUDIT_KEY: &str = "audit/signing.key";
const AUDIT_PUBLIC_KEY: &str = "audit/signing.key.pub";
const AUDIT_CHECKPOINTS: &str = "audit/checkpoints.jsonl";
const CONFIG_FILE: &str = "config/vigie.toml";

// ---------------------------------------------------------------------------------------------
// Writing files: private, hashed, fsynced.

/// The files written so far into a backup or a restore.
struct Out {
    root: PathBuf,
    files: Vec<FileEntry>,
    /// Directories created, fsynced before the manifest.
    dirs: Vec<PathBuf>,
    /// [`TEST_STOP_AFTER_FILES`].
    stop_after: Option<usize>,
}

/// A file being written: hashes and counts what goes through.
struct Hashed {
    file: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl Write for Hashed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Creates `path` for writing: mode 0600, and never over an existing file.
fn create_private(path: &Path) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Creates `dir` and its missing parents with mode 0700; returns the ones created.
fn create_private_dirs(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at {
        if d.as_os_str().is_empty() || fs::symlink_metadata(d).is_ok() {
            break;
        }
        missing.push(d.to_owned());
        at = d.parent();
    }
    missing.reverse();
    for d in &missing {
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(d) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(missing)
}

fn fsync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot fsync the directory {}", dir.display()))
}

impl Out {
    fn new(root: &Path) -> Self {
        let stop_after = std::env::var(TEST_STOP_AFTER_FILES)
            .ok()
            .and_then(|n| n.parse().ok());
        Self {
            root: root.to_owned(),
            files: Vec::new(),
            dirs: vec![root.to_owned()],
            stop_after,
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Starts the file `rel` (its directories are created 0700).
    fn create(&mut self, rel: &str) -> anyhow::Result<Hashed> {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            let made = create_private_dirs(parent)
                .with_context(|| format!("cannot create the directory {}", parent.display()))?;
            self.dirs.extend(made);
        }
        let file =
            create_private(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Hashed {
            file: BufWriter::with_capacity(1 << 20, file),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Finishes `rel`: flushes and fsyncs it, records its size and hash.
    fn finish(&mut self, rel: &str, hashed: Hashed) -> anyhow::Result<()> {
        let path = self.path(rel);
        let file = hashed
            .file
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.sync_all()
            .with_context(|| format!("cannot fsync {}", path.display()))?;
        self.record(FileEntry {
            path: rel.to_owned(),
            bytes: hashed.bytes,
            sha256: hex::encode(hashed.hasher.finalize()),
        })
    }

    fn record(&mut self, entry: FileEntry) -> anyhow::Result<()> {
        self.files.push(entry);
        if self.stop_after == Some(self.files.len()) {
            eprintln!(
                "vigie backup: stopping after {} files ({TEST_STOP_AFTER_FILES}, a test setting)",
                self.files.len()
            );
            std::process::exit(86);
        }
        Ok(())
    }

    /// Writes `bytes` as `rel`.
    fn write(&mut self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let mut out = self.create(rel)?;
        out.write_all(bytes)
            .with_context(|| format!("cannot write {}", self.path(rel).display()))?;
        self.finish(rel, out)
    }

    /// Copies everything `from` reads as `rel`.
    fn copy(&mut self, rel: &str, from: &mut dyn Read, source: &Path) -> anyhow::Result<()> {
        let mut out = self.create(rel)?;
        copy_bytes(from, &mut out, source, &self.path(rel))?;
        self.finish(rel, out)
    }

    /// Records `rel`, written by someone else (SQLite), with its hash.
    fn adopt(&mut self, rel: &str) -> anyhow::Result<()> {
        let path = self.path(rel);
        let (bytes, sha256) = hash_file(&path)?;
        self.record(FileEntry {
            path: rel.to_owned(),
            bytes,
            sha256,
        })
    }

    fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

/// Copies `from` into `to`, naming the file at fault.
fn copy_bytes(
    from: &mut dyn Read,
    to: &mut dyn Write,
    source: &Path,
    target: &Path,
) -> anyhow::Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", source.display())),
        };
        to.write_all(&buf[..n])
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
}

/// Size and SHA-256 (hex) of a file.
fn hash_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hex::encode(hasher.finalize())))
}

/// Reads a file, `None` when it does not exist.
fn read_if_present(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Whether `dir` is missing or an empty directory; else the first entry found.
fn first_entry(dir: &Path) -> anyhow::Result<Option<String>> {
    match fs::read_dir(dir) {
        Ok(mut entries) => match entries.next() {
            None => Ok(None),
            Some(entry) => {
                let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
                Ok(Some(entry.file_name().to_string_lossy().into_owned()))
            }
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot list {}", dir.display())),
    }
}

fn data_rel(rel: impl AsRef<Path>) -> String {
    let mut s = String::from("data");
    for part in rel.as_ref().components() {
        s.push('/');
        s.push_str(&part.as_os_str().to_string_lossy());
    }
    s
}

// ---------------------------------------------------------------------------------------------
// vigie backup

pub(crate) async fn backup(global: &Global, args: BackupArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let created_at = jiff::Timestamp::now();
    let config = global.load_config()?;
    if let Some(nats) = &config.cluster.nats {
        // The events are not in the data directory: a backup without them would restore a
        // state whose alerts point at nothing. docs/cluster.md says how to back up a cluster.
        bail!(
            "vigie backup covers the embedded engines; with [cluster.nats] the events are in \
             the JetStream streams {}_* at {}: back them up with the NATS tools (stream \
             snapshots) as docs/cluster.md describes",
            nats.stream_prefix,
            nats.addresses()
        );
    }
    if config.cluster.postgres.is_some() {
        bail!(
            "vigie backup covers the embedded engines; with [cluster.postgres] the state is in \
             PostgreSQL: back it up with pg_dump or the server's own backups, as \
             docs/cluster.md describes"
        );
    }
    let data = config.data_dir.clone();
    let state_path = data.join("state.sqlite");
    if fs::metadata(&state_path).is_err() {
        bail!(
            "{} holds no state database (state.sqlite): not a vigie data directory",
            data.display()
        );
    }
    let dest = args.dest;
    if lexical_absolute(&dest).starts_with(lexical_absolute(&data)) {
        bail!(
            "the backup directory {} is inside the data directory {}: a backup must live \
             elsewhere (it would be lost with the data)",
            dest.display(),
            data.display()
        );
    }
    if let Some(entry) = first_entry(&dest)? {
        bail!(
            "the backup directory {} is not empty (it holds {entry}): give a new or empty \
             directory",
            dest.display()
        );
    }
    private_dir(&dest, "backup directory")?;
    // The server comes first: the copy runs at a lower CPU priority (this thread and the
    // threads it starts from now on, SQLite's among them).
    #[cfg(unix)]
    if let Err(error) = rustix::process::nice(BACKUP_NICE) {
        tracing::warn!(%error, "cannot lower the backup's CPU priority");
    }
    backup_into(global, &config, &dest, args.without_audit_key, started, created_at)
        .await
        .map_err(|error| {
            error.context(format!(
                "the backup failed: {} holds a partial backup without {MANIFEST}, which                  `vigie restore` refuses; delete it",
                dest.display()
            ))
        })
}

/// Writes the backup of `config`'s data directory into `dest` (created, empty).
async fn backup_into(
    global: &Global,
    config: &VigieConfig,
    dest: &Path,
    without_audit_key: bool,
    started: Instant,
    created_at: jiff::Timestamp,
) -> anyhow::Result<ExitCode> {
    let data = config.data_dir.clone();
    let state_path = data.join("state.sqlite");
    let mut out = Out::new(dest);

    // 1. Pin the log segments from the smallest committed consumer offset on.
    let wal_dir = data.join("wal");
    let registered = super::serve::log_consumers(config);
    let early = snapshot::read_consumers(&wal_dir)?;
    let pins = Arc::new(Mutex::new(
        SegmentPins::new(&wal_dir, early.floor(&registered))
            .with_context(|| format!("cannot pin the log segments in {}", wal_dir.display()))?,
    ));
    let pinning = Pinning::start(Arc::clone(&pins));

    // 2. The audit key and checkpoints, before the database.
    let audit = backup_audit(config, &mut out, without_audit_key)?;
    if let Some(path) = &global.config {
        let mut file =
            File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        out.copy(CONFIG_FILE, &mut file, path)?;
    }

    // 3. The consumer offsets, before what the consumers wrote.
    let consumers = snapshot::read_consumers(&wal_dir)?;
    if let Some(raw) = &consumers.raw {
        out.write("data/wal/consumers.json", raw)?;
    }
    let floor = consumers.floor(&registered);

    // 4. The state database.
    let mut phases: Vec<(&str, f64)> = Vec::new();
    let phase = Instant::now();
    let state = open_state(config).await?;
    let rel = "data/state.sqlite";
    let target = out.path(rel);
    out.dirs
        .extend(create_private_dirs(target.parent().expect("under data/"))?);
    state.snapshot_into(&target).await.with_context(|| {
        format!(
            "cannot copy {} to {}",
            state_path.display(),
            target.display()
        )
    })?;
    state.close().await;
    #[cfg(unix)]
    fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .with_context(|| format!("cannot restrict {} to mode 0600", target.display()))?;
    out.adopt(rel)?;
    phases.push(("state database", phase.elapsed().as_secs_f64()));

    // 5. Correlation state and event store.
    let phase = Instant::now();
    let mut highest: Vec<(String, u64)> = Vec::new();
    let correlation = data.join("correlation-state.json");
    if let Some(bytes) = read_if_present(&correlation)? {
        let saved: vigie_pipeline::correlate::Snapshot = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is unreadable", correlation.display()))?;
        highest.push((correlation.display().to_string(), saved.offset));
        out.write("data/correlation-state.json", &bytes)?;
    }
    let store_dir = super::hunt::store_dir(config);
    let mut partitions = 0u64;
    for partition in vigie_store::embedded::snapshot::committed_partitions(&store_dir)? {
        let path = store_dir.join(&partition);
        let Some(committed) = vigie_store::embedded::snapshot::open_committed(&path)? else {
            // Dropped by retention since the listing.
            continue;
        };
        let base = data_rel(Path::new("store").join(&partition));
        let mut names = Vec::new();
        for (name, mut file) in committed.files {
            out.copy(&format!("{base}/{name}"), &mut file, &path.join(&name))?;
            names.push(name);
        }
        // The segment files as tantivy's own list of files it manages, so that the restored
        // server's merges collect them like files it wrote.
        let managed = serde_json::to_vec(&names)?;
        out.write(&format!("{base}/.managed.json"), &managed)?;
        out.write(&format!("{base}/meta.json"), &committed.meta_json)?;
        if let Some(next) = committed.next_offset {
            highest.push((path.join("meta.json").display().to_string(), next));
        }
        partitions += 1;
    }

    phases.push(("event store", phase.elapsed().as_secs_f64()));

    // 6. The log, last.
    let phase = Instant::now();
    let pins = pinning.stop()?;
    let mut pins = pins.lock().unwrap_or_else(|e| e.into_inner());
    pins.refresh()?;
    let segments = pins.from_offset(floor).with_context(|| {
        format!(
            "the log segment holding offset {floor} (the smallest consumer offset) is gone from {}",
            wal_dir.display()
        )
    })?;
    let last = segments.len().saturating_sub(1);
    let mut start = None;
    let mut end: Option<u64> = None;
    for (i, segment) in segments.iter().enumerate() {
        if let Some(end) = end
            && segment.base != end
        {
            bail!(
                "log segment {} starts at offset {} but the segment before it ends at {end}: \
                 a segment is missing",
                segment.path.display(),
                segment.base
            );
        }
        let rel = format!("data/wal/{}", snapshot::segment_file_name(segment.base));
        let mut file = out.create(&rel)?;
        let copied = snapshot::copy_segment(
            &segment.file,
            &segment.path,
            segment.base,
            i < last,
            &mut file,
        )?;
        out.finish(&rel, file)?;
        start.get_or_insert(copied.base);
        end = Some(copied.end());
    }
    let (Some(start), Some(end)) = (start, end) else {
        bail!("no log segment in {}", wal_dir.display());
    };
    for (name, at) in consumers
        .offsets
        .iter()
        .map(|(n, a)| (format!("consumer {n:?}"), *a))
        .chain(highest)
    {
        if at > end {
            bail!(
                "{name} is at log offset {at}, beyond the end of the copied log ({end}): the \
                 backup would not be consistent"
            );
        }
    }
    let segment_count = segments.len() as u64;
    drop(pins);
    phases.push(("log", phase.elapsed().as_secs_f64()));

    // The manifest, last.
    for dir in &out.dirs {
        fsync_dir(dir)?;
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        vigie_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: created_at.to_string(),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        log: LogPart {
            start_offset: start,
            end_offset: end,
            consumers: consumers.offsets.clone(),
            segments: segment_count,
        },
        store: StorePart { partitions },
        audit,
        files: out.files.clone(),
    };
    let tmp = dest.join(format!("{MANIFEST}.tmp"));
    let mut file =
        create_private(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    file.write_all(&serde_json::to_vec_pretty(&manifest)?)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    drop(file);
    let final_path = dest.join(MANIFEST);
    fs::rename(&tmp, &final_path).with_context(|| {
        format!(
            "cannot rename {} to {}",
            tmp.display(),
            final_path.display()
        )
    })?;
    fsync_dir(dest)?;

    println!(
        "backup of {} written to {} in {:.2} s",
        data.display(),
        dest.display(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "  {} files, {} bytes; log offsets {start}..{end} ({} segments, cut at {end}); {} event store partitions",
        manifest.files.len(),
        out.total_bytes(),
        segment_count,
        partitions
    );
    let phases: Vec<String> = phases
        .iter()
        .map(|(what, secs)| format!("{what} {secs:.2} s"))
        .collect();
    println!("  copied: {}", phases.join(", "));
    match &manifest.audit {
        Some(a) => println!(
            "  audit: checkpoints {}, signing key {}",
            a.checkpoints
                .map_or_else(|| "file missing".to_owned(), |n| n.to_string()),
            if a.key_included {
                "included (keep this backup as private as the key)"
            } else {
                "left out"
            }
        ),
        None => println!("  audit: key and checkpoints not readable, not in the backup"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The thread that pins new log segments while the other parts are copied.
struct Pinning {
    pins: Arc<Mutex<SegmentPins>>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Result<(), vigie_log::LogError>>,
}

impl Pinning {
    fn start(pins: Arc<Mutex<SegmentPins>>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let pins = Arc::clone(&pins);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    pins.lock().unwrap_or_else(|e| e.into_inner()).refresh()?;
                    std::thread::sleep(PIN_EVERY);
                }
                Ok(())
            })
        };
        Self { pins, stop, thread }
    }

    fn stop(self) -> anyhow::Result<Arc<Mutex<SegmentPins>>> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.join() {
            Ok(result) => result.context("cannot pin the log segments")?,
            Err(_) => bail!("the thread pinning log segments panicked"),
        }
        Ok(self.pins)
    }
}

/// Copies the audit key, public key and checkpoints (complete lines only) into `audit/`.
/// A file that does not exist or cannot be read is left out with a warning.
fn backup_audit(
    config: &VigieConfig,
    out: &mut Out,
    without_key: bool,
) -> anyhow::Result<Option<AuditPart>> {
    let key = config.audit_key_file();
    let files = [
        (AUDIT_KEY, key.clone(), "signing key"),
        (AUDIT_PUBLIC_KEY, audit::public_key_path(&key), "public key"),
        (
            AUDIT_CHECKPOINTS,
            config.audit_checkpoint_file(),
            "checkpoint file",
        ),
    ];
    let mut part = AuditPart {
        key_included: false,
        checkpoints: None,
    };
    let mut any = false;
    for (rel, path, what) in files {
        if rel == AUDIT_KEY && without_key {
            continue;
        }
        let mut bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                tracing::warn!(path = %path.display(), "the audit {what} does not exist: not in the backup");
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                tracing::warn!(path = %path.display(), "the audit {what} is not readable: not in the backup; keep it yourself");
                continue;
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        if rel == AUDIT_CHECKPOINTS {
            // A line being appended is left out: only complete checkpoints.
            let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            bytes.truncate(complete);
            part.checkpoints = Some(
                bytes
                    .split(|b| *b == b'\n')
                    .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                    .count() as u64,
            );
        }
        if rel == AUDIT_KEY {
            part.key_included = true;
        }
        out.write(rel, &bytes)?;
        any = true;
    }
    Ok(any.then_some(part))
}

// ---------------------------------------------------------------------------------------------
// vigie restore

pub(crate) async fn restore(global: &Global, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let config = global.load_config()?;
    let src = args.src;
    let data = config.data_dir.clone();

    // Nothing is written before the backup is known whole and the targets free.
    let manifest = read_manifest(&src)?;
    if let Some(entry) = first_entry(&data)? {
        refuse_unfinished_restore(&data)?;
        bail!(
            "the data directory {} is not empty (it holds {entry}): restore writes only into a \
             missing or empty directory",
            data.display()
        );
    }
    verify_backup(&src, &manifest)?;
    let installs = audit_installs(&config, &src, &manifest)?;
    let verify_secs = started.elapsed().as_secs_f64();

    let mut written = Written::default();
    let result = restore_into(&config, &src, &manifest, &installs, &mut written).await;
    let checks = match result {
        Ok(checks) => checks,
        Err(error) => {
            written.undo(&data);
            return Err(error.context(format!(
                "restore of {} failed; what it had written was removed",
                src.display()
            )));
        }
    };

    println!(
        "restored {} (taken {}, vigie {}) into {} in {:.2} s (verify {verify_secs:.2} s, \
         copy {:.2} s, checks {:.2} s)",
        src.display(),
        manifest.created_at,
        manifest.vigie_version,
        data.display(),
        started.elapsed().as_secs_f64(),
        checks.copy_secs,
        checks.check_secs,
    );
    println!(
        "  log: {} events in the log (offsets {}..{}, cut at {}), {} segments, nothing truncated",
        checks.log_end - checks.log_start,
        checks.log_start,
        checks.log_end,
        manifest.log.end_offset,
        checks.log_segments
    );
    let counts: Vec<String> = checks
        .counts
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    println!("  state database: integrity ok; {}", counts.join(", "));
    println!("  event store: {} partitions", manifest.store.partitions);
    println!("  audit: {}", checks.audit);
    for line in &checks.notes {
        println!("  note: {line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Fails when `data_dir` holds the marker of a restore that did not finish
/// ([`RESTORE_MARKER`]): its files may be partial. Called before anything opens a data
/// directory.
pub(crate) fn refuse_unfinished_restore(data_dir: &Path) -> anyhow::Result<()> {
    let marker = data_dir.join(RESTORE_MARKER);
    match fs::symlink_metadata(&marker) {
        Ok(_) => bail!(
            "{} exists: a `vigie restore` into {} did not finish, its files may be partial; \
             empty the directory and restore again",
            marker.display(),
            data_dir.display()
        ),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", marker.display())),
    }
}

/// What a restore found once the files were in place.
struct Checks {
    copy_secs: f64,
    check_secs: f64,
    log_start: u64,
    log_end: u64,
    log_segments: u64,
    counts: Vec<(&'static str, i64)>,
    audit: String,
    notes: Vec<String>,
}

/// What a restore wrote, to take it away again if it fails.
#[derive(Default)]
struct Written {
    /// Whether anything was written into the data directory.
    data: bool,
    /// Audit files installed.
    audit: Vec<PathBuf>,
}

impl Written {
    /// Empties the data directory (it was empty before) and removes the installed audit
    /// files.
    fn undo(&self, data: &Path) {
        if self.data
            && let Ok(entries) = fs::read_dir(data)
        {
            for entry in entries.flatten() {
                let path = entry.path();
                let removed = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
                if let Err(error) = removed {
                    tracing::error!(path = %path.display(), %error, "cannot remove what the failed restore wrote");
                }
            }
        }
        for path in &self.audit {
            if let Err(error) = fs::remove_file(path) {
                tracing::error!(path = %path.display(), %error, "cannot remove what the failed restore wrote");
            }
        }
    }
}

/// Reads and checks `SRC/MANIFEST.json`.
fn read_manifest(src: &Path) -> anyhow::Result<Manifest> {
    let path = src.join(MANIFEST);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if !fs::metadata(src).is_ok_and(|m| m.is_dir()) {
                bail!("{} is not a directory: not a backup", src.display());
            }
            bail!(
                "{} is missing: the backup did not finish (killed or failed before its last \
                 step) or is not a vigie backup; refusing to restore it",
                path.display()
            );
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is unreadable ({e}): the backup is damaged; refusing to restore it",
            path.display()
        )
    })?;
    if manifest.format != FORMAT {
        bail!(
            "{}: format {:?}, expected {FORMAT:?}; refusing to restore it",
            path.display(),
            manifest.format
        );
    }
    if manifest.format_version != FORMAT_VERSION {
        bail!(
            "{}: format version {}, this vigie reads version {FORMAT_VERSION}; refusing to \
             restore it",
            path.display(),
            manifest.format_version
        );
    }
    Ok(manifest)
}

/// Where a manifest path lands: `Ok(rel)` for a safe relative path under `data/`,
/// `audit/` or `config/`.
fn checked_rel(path: &str) -> anyhow::Result<&Path> {
    let rel = Path::new(path);
    let safe = rel.components().all(|c| matches!(c, Component::Normal(_)))
        && ["data", "audit", "config"]
            .iter()
            .any(|top| rel.starts_with(top));
    if !safe {
        bail!(
            "{MANIFEST} lists {path:?}, which is not a path under data/, audit/ or config/; \
             refusing to restore it"
        );
    }
    Ok(rel)
}

/// Checks every file of the manifest (present, size, SHA-256) and that the backup holds no
/// other file. Names the first problem.
fn verify_backup(src: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let refuse = |path: &str, problem: String| {
        anyhow::anyhow!(
            "the backup {} does not match its {MANIFEST}: {path}: {problem}; refusing to \
             restore it",
            src.display()
        )
    };
    let mut listed = std::collections::BTreeSet::new();
    for entry in &manifest.files {
        let rel = checked_rel(&entry.path)?;
        listed.insert(rel.to_owned());
        let path = src.join(rel);
        let meta = match fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(refuse(&entry.path, "missing".to_owned()));
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        if meta.len() != entry.bytes {
            return Err(refuse(
                &entry.path,
                format!("{} bytes, the manifest says {}", meta.len(), entry.bytes),
            ));
        }
        let (_, sha256) = hash_file(&path)?;
        if sha256 != entry.sha256 {
            return Err(refuse(
                &entry.path,
                format!("SHA-256 {sha256}, the manifest says {}", entry.sha256),
            ));
        }
    }
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = src.join(&rel);
        let mut entries: Vec<_> = fs::read_dir(&dir)
            .with_context(|| format!("cannot list {}", dir.display()))?
            .collect::<Result<_, _>>()
            .with_context(|| format!("cannot list {}", dir.display()))?;
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            let child = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                stack.push(child);
            } else if child != Path::new(MANIFEST) && !listed.contains(&child) {
                return Err(refuse(
                    &child.display().to_string(),
                    "not listed in the manifest".to_owned(),
                ));
            }
        }
    }
    Ok(())
}

/// An audit file of the backup and where it goes.
struct AuditInstall {
    rel: &'static str,
    target: PathBuf,
    /// Already there with the same content: nothing to write.
    present: bool,
}

/// Where the backup's audit files go (`[audit] key_file`, its `.pub`, `checkpoint_file` of
/// the restoring configuration). A file already there must have the backup's content.
fn audit_installs(
    config: &VigieConfig,
    src: &Path,
    manifest: &Manifest,
) -> anyhow::Result<Vec<AuditInstall>> {
    let key = config.audit_key_file();
    let targets = [
        (AUDIT_KEY, key.clone()),
        (AUDIT_PUBLIC_KEY, audit::public_key_path(&key)),
        (AUDIT_CHECKPOINTS, config.audit_checkpoint_file()),
    ];
    let mut installs = Vec::new();
    for (rel, target) in targets {
        if !manifest.files.iter().any(|f| f.path == rel) {
            continue;
        }
        let present = match read_if_present(&target)? {
            None => false,
            Some(bytes) if bytes == fs::read(src.join(rel))? => true,
            Some(_) => bail!(
                "{} exists and differs from the backup's {rel}: it holds what a running server \
                 signed after the backup (a restored database is older, which `vigie audit \
                 verify` reports as a rollback). Keep it as evidence and move it away, or set \
                 [audit] key_file / checkpoint_file elsewhere, then restore again",
                target.display()
            ),
        };
        installs.push(AuditInstall {
            rel,
            target,
            present,
        });
    }
    Ok(installs)
}

/// Copies the backup into place, then checks what it wrote.
async fn restore_into(
    config: &VigieConfig,
    src: &Path,
    manifest: &Manifest,
    installs: &[AuditInstall],
    written: &mut Written,
) -> anyhow::Result<Checks> {
    let copy_started = Instant::now();
    let data = &config.data_dir;
    private_dir(data, "data directory")?;
    written.data = true;
    let marker = data.join(RESTORE_MARKER);
    let mut file =
        create_private(&marker).with_context(|| format!("cannot create {}", marker.display()))?;
    writeln!(
        file,
        "vigie restore of {} started at {}; this file is removed once it has finished",
        src.display(),
        jiff::Timestamp::now()
    )
    .and_then(|()| file.sync_all())
    .with_context(|| format!("cannot write {}", marker.display()))?;
    drop(file);
    fsync_dir(data)?;
    let mut dirs = vec![data.clone()];
    let mut files = Vec::new();
    for entry in &manifest.files {
        let rel = checked_rel(&entry.path)?;
        let Ok(inside) = rel.strip_prefix("data") else {
            continue;
        };
        let target = data.join(inside);
        if let Some(parent) = target.parent() {
            dirs.extend(create_private_dirs(parent)?);
        }
        copy_checked(&src.join(rel), &target, entry)?;
        files.push(target);
    }
    // One flush of the file system for every file copied, then the directories.
    sync_files(data, &files)?;
    for dir in &dirs {
        fsync_dir(dir)?;
    }
    for install in installs.iter().filter(|i| !i.present) {
        if let Some(parent) = install
            .target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            if *parent == config.default_audit_dir() {
                private_dir(parent, "audit directory")?;
            } else {
                create_private_dirs(parent)?;
            }
        }
        let entry = manifest
            .files
            .iter()
            .find(|f| f.path == install.rel)
            .expect("installs come from the manifest");
        copy_checked(&src.join(install.rel), &install.target, entry)?;
        written.audit.push(install.target.clone());
        File::open(&install.target)
            .and_then(|f| f.sync_all())
            .with_context(|| format!("cannot fsync {}", install.target.display()))?;
        if let Some(parent) = install
            .target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            fsync_dir(parent)?;
        }
    }

    let copy_secs = copy_started.elapsed().as_secs_f64();
    let check_started = Instant::now();
    let mut notes = Vec::new();
    // The log opens on the copy with nothing to truncate and ends at the cut.
    let wal_dir = data.join("wal");
    let wal = Wal::open(WalConfig {
        dir: wal_dir.clone(),
        segment_bytes: config.log.segment_bytes,
        max_record_bytes: config.log.max_record_bytes,
        consumers: super::serve::log_consumers(config),
    })
    .with_context(|| format!("the restored log in {} does not open", wal_dir.display()))?;
    let stats = wal.stats();
    drop(wal);
    if stats.recovery.truncated_bytes > 0 {
        bail!(
            "the restored log's recovery cut {} bytes off {}: the backup's log is damaged",
            stats.recovery.truncated_bytes,
            stats.recovery.truncated_segment.as_deref().map_or_else(
                || wal_dir.display().to_string(),
                |p| p.display().to_string()
            )
        );
    }
    if stats.end_offset != manifest.log.end_offset {
        bail!(
            "the restored log in {} ends at offset {}, the backup's cut is {}",
            wal_dir.display(),
            stats.end_offset,
            manifest.log.end_offset
        );
    }

    // The state database is intact.
    let state_path = data.join("state.sqlite");
    let state = SqliteStore::open(&state_path).await.with_context(|| {
        format!(
            "the restored state database {} does not open",
            state_path.display()
        )
    })?;
    let problems = state.integrity_problems().await?;
    if let Some(first) = problems.first() {
        bail!(
            "the restored state database {} fails PRAGMA integrity_check ({} problems; first: {first})",
            state_path.display(),
            problems.len()
        );
    }
    let counts = state.summary_counts().await?;

    // The audit chain verifies against the backup's checkpoints, as of the backup's time.
    let now: jiff::Timestamp = manifest
        .created_at
        .parse()
        .with_context(|| format!("{MANIFEST}: created_at {:?}", manifest.created_at))?;
    let window = Duration::from_secs(config.audit.checkpoint_seconds.max(1) * 2);
    let has = |rel: &str| manifest.files.iter().any(|f| f.path == rel);
    let report = if has(AUDIT_PUBLIC_KEY) {
        let key = audit::load_public_key(&src.join(AUDIT_PUBLIC_KEY))?;
        let checkpoints = if has(AUDIT_CHECKPOINTS) {
            Some(audit::read_checkpoints(&src.join(AUDIT_CHECKPOINTS))?)
        } else {
            None
        };
        state
            .verify_audit(Some((checkpoints.as_deref(), &key)), window, now)
            .await?
    } else {
        notes.push(
            "the backup holds no audit public key or checkpoints: the chain was checked alone"
                .to_owned(),
        );
        state.verify_audit(None, window, now).await?
    };
    state.close().await;
    if !report.ok() {
        let first = &report.findings[0];
        bail!(
            "the restored audit chain does not verify ({} problems; first: entry {}: {})",
            report.findings.len(),
            first.seq,
            first.problem
        );
    }
    let audit = format!(
        "chain intact ({} entries, {} checkpoints, newest at entry {})",
        report.entries,
        report.checkpoints,
        report
            .last_checkpoint_seq
            .map_or_else(|| "none".to_owned(), |s| s.to_string())
    );
    for install in installs {
        notes.push(format!(
            "audit {} {} {}",
            install.rel.trim_start_matches("audit/"),
            if install.present {
                "already at"
            } else {
                "installed at"
            },
            install.target.display()
        ));
    }
    if has(AUDIT_CHECKPOINTS) && !has(AUDIT_KEY) {
        notes.push(format!(
            "the backup holds no audit signing key: put it at {} before `vigie serve`",
            config.audit_key_file().display()
        ));
    }
    if has(CONFIG_FILE) {
        notes.push(format!(
            "the configuration file of the backup is {}",
            src.join(CONFIG_FILE).display()
        ));
    }
    // Everything is in place and checked: the directory may be used.
    fs::remove_file(&marker).with_context(|| format!("cannot remove {}", marker.display()))?;
    fsync_dir(data)?;
    Ok(Checks {
        copy_secs,
        check_secs: check_started.elapsed().as_secs_f64(),
        log_start: stats.start_offset,
        log_end: stats.end_offset,
        log_segments: stats.segments,
        counts,
        audit,
        notes,
    })
}

/// Makes `files`, all on the file system of `dir`, durable: one `syncfs` of that file system
/// on Linux (much faster than an fsync per file), else an fsync per file.
fn sync_files(dir: &Path, files: &[PathBuf]) -> anyhow::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let _ = files;
        let handle = File::open(dir).with_context(|| format!("cannot open {}", dir.display()))?;
        rustix::fs::syncfs(&handle)
            .with_context(|| format!("cannot flush the file system of {}", dir.display()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        for path in files {
            File::open(path)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot fsync {}", path.display()))?;
        }
        Ok(())
    }
}

/// Copies `from` to `target` (0600, new), checking it against its manifest entry while it is
/// copied. The caller makes it durable ([`sync_files`]).
fn copy_checked(from: &Path, target: &Path, entry: &FileEntry) -> anyhow::Result<()> {
    let mut source = File::open(from).with_context(|| format!("cannot open {}", from.display()))?;
    let file =
        create_private(target).with_context(|| format!("cannot create {}", target.display()))?;
    let mut out = Hashed {
        file: BufWriter::with_capacity(1 << 20, file),
        hasher: Sha256::new(),
        bytes: 0,
    };
    copy_bytes(&mut source, &mut out, from, target)?;
    let file = out
        .file
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", target.display()))?;
    drop(file);
    let sha256 = hex::encode(out.hasher.finalize());
    if out.bytes != entry.bytes || sha256 != entry.sha256 {
        bail!(
            "{} changed while it was restored ({} bytes, SHA-256 {sha256}; the manifest says {} \
             bytes, {})",
            from.display(),
            out.bytes,
            entry.bytes,
            entry.sha256
        );
    }
    Ok(())
}
