//! `vigie audit verify|checkpoint`, and the server's desk housekeeping task (signed audit
//! checkpoints every `[audit] checkpoint_seconds`, SLA breach sweep every minute).
//!
//! `verify` reads the whole chain from the state database and checks it against the signed
//! checkpoints exported outside it; it exits with status 1 and names every problem when the
//! log was tampered with, when checkpoints go backwards (a rollback) and when the checkpoint
//! file is missing or empty although the chain is older than two checkpoint intervals.
//!
//! The key and the checkpoints live outside the data directory (`<data_dir>.audit/` unless
//! `[audit] key_file` / `checkpoint_file` say otherwise), so a rollback of the data directory
//! cannot roll them back too. Files an earlier version kept in `<data_dir>/audit/` are moved
//! there by every command that uses them, with a logged message.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigie_soc::prelude::*;

use anyhow::Context;
use clap::Subcommand;
use vigie_access::audit::{self, AuditRecord, Checkpointer};
use vigie_soc::StateStore;

use super::{Global, open_state, private_dir};
use crate::config::{AUDIT_CHECKPOINTS_NAME, AUDIT_KEY_NAME, VigieConfig, lexical_absolute};

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Check the audit chain and its signed checkpoints. Exit status 1 if anything is wrong.
    Verify {
        /// Public key file (hex); default `<[audit] key_file>.pub`.
        #[arg(long)]
        public_key: Option<PathBuf>,
        /// Checkpoint file; default `[audit] checkpoint_file`.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sign the current head of the chain now (needs the signing key).
    Checkpoint {
        /// Start a new checkpoint file when it is missing although the key exists and the
        /// chain is older than two checkpoint intervals (the old one was lost). Recorded in
        /// the audit log; the entries before it are then covered by the chain only.
        #[arg(long)]
        new_file: bool,
    },
}

pub(crate) async fn run(global: &Global, command: Command) -> anyhow::Result<ExitCode> {
    let config = global.load_config()?;
    let store = open_state(&config).await?;
    match command {
        Command::Verify {
            public_key,
            checkpoints,
            json,
        } => {
            let files = audit_files(&config)?;
            let key_path = public_key.unwrap_or(files.public);
            let key = audit::load_public_key(&key_path)?;
            let cp_path = checkpoints.unwrap_or(files.checkpoints);
            let cps = audit::read_checkpoints_if_present(&cp_path)?;
            let started = Instant::now();
            let mut entries = Vec::new();
            let mut after = 0;
            loop {
                let page = store.audit_entries(after, 50_000).await?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                entries.extend(page);
            }
            let report = audit::verify_exported(
                entries,
                cps.as_deref(),
                &key,
                signing_window(&config),
                jiff::Timestamp::now(),
            );
            let elapsed = started.elapsed();
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "audit log: {} entries, {} checkpoints (newest at entry {}), checked in {:.3} s",
                    report.entries,
                    report.checkpoints,
                    report
                        .last_checkpoint_seq
                        .map_or_else(|| "none".to_owned(), |s| s.to_string()),
                    elapsed.as_secs_f64()
                );
                println!(
                    "checkpoints: {}{}",
                    cp_path.display(),
                    if cps.is_none() { " (missing)" } else { "" }
                );
                for finding in &report.findings {
                    println!("  entry {}: {}", finding.seq, finding.problem);
                }
                if report.ok() {
                    println!(
                        "intact (entries after the newest checkpoint are covered by the chain only)"
                    );
                } else {
                    println!("TAMPERED: {} problem(s)", report.findings.len());
                    if cps.as_ref().is_none_or(Vec::is_empty) {
                        println!(
                            "  (a chain no server signed yet: `vigie audit checkpoint`; a lost \
                             checkpoint file: put it back, or `vigie audit checkpoint --new-file`)"
                        );
                    }
                }
            }
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Checkpoint { new_file } => {
            let mut checkpointer = checkpointer(&config, store.as_ref(), new_file).await?;
            let (seq, hash) = store.audit_head().await?;
            if checkpointer.checkpoint(seq, &hash)? {
                println!("checkpoint signed at entry {seq}");
            } else {
                println!("nothing new to sign (head at entry {seq})");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// How old the chain may get without a checkpoint: two intervals (one for the server to
/// sign, one of slack).
fn signing_window(config: &VigieConfig) -> Duration {
    Duration::from_secs(config.audit.checkpoint_seconds.max(1) * 2)
}

/// The audit key, its public key and the checkpoint file.
struct AuditFiles {
    key: PathBuf,
    public: PathBuf,
    checkpoints: PathBuf,
}

/// The audit files of `config`. Moves the files an earlier version kept in the data
/// directory to where they belong now (when nothing is there yet), and warns when the
/// configured files are inside the data directory.
fn audit_files(config: &VigieConfig) -> anyhow::Result<AuditFiles> {
    let key = config.audit_key_file();
    let files = AuditFiles {
        public: audit::public_key_path(&key),
        key,
        checkpoints: config.audit_checkpoint_file(),
    };
    let legacy = config.legacy_audit_dir();
    let moves = [
        ("signing key", legacy.join(AUDIT_KEY_NAME), &files.key),
        (
            "public key",
            audit::public_key_path(&legacy.join(AUDIT_KEY_NAME)),
            &files.public,
        ),
        (
            "checkpoint file",
            legacy.join(AUDIT_CHECKPOINTS_NAME),
            &files.checkpoints,
        ),
    ];
    for (what, old, new) in moves {
        if old == *new || !exists(&old)? {
            continue;
        }
        if exists(new)? {
            tracing::warn!(
                old = %old.display(),
                used = %new.display(),
                "an audit {what} of an earlier version is left in the data directory: the one \
                 outside it is used"
            );
            continue;
        }
        audit_dir(config, new)?;
        move_file(&old, new)
            .with_context(|| format!("cannot move {} to {}", old.display(), new.display()))?;
        tracing::warn!(
            from = %old.display(),
            to = %new.display(),
            "moved the audit {what} out of the data directory: a rollback of the data \
             directory no longer rolls it back"
        );
    }
    // Only once empty.
    let _ = std::fs::remove_dir(&legacy);
    let data = lexical_absolute(&config.data_dir);
    for (what, path) in [
        ("[audit] key_file", &files.key),
        ("[audit] checkpoint_file", &files.checkpoints),
    ] {
        if lexical_absolute(path).starts_with(&data) {
            tracing::warn!(
                path = %path.display(),
                data_dir = %config.data_dir.display(),
                "{what} is inside the data directory: whoever can roll the data directory \
                 back can roll the audit checkpoints back with it"
            );
        }
    }
    Ok(files)
}

/// Whether `path` exists (an I/O error other than "not found" is an error).
fn exists(path: &Path) -> anyhow::Result<bool> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Creates the directory of an audit file: the default `<data_dir>.audit` is private (0700,
/// tightened with a warning like the data directory); a configured directory is created
/// 0700 when missing and otherwise left as its owner set it.
fn audit_dir(config: &VigieConfig, file: &Path) -> anyhow::Result<()> {
    let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir == config.default_audit_dir() {
        return private_dir(dir, "audit directory");
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("cannot create the audit directory {}", dir.display()))
}

/// Moves a file: a rename, or across file systems a copy (fsynced, mode kept) then removal.
fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            std::fs::copy(from, to)?;
            std::fs::File::open(to)?.sync_all()?;
            std::fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

/// The checkpointer of the server and of `vigie audit checkpoint`, after the checks that keep
/// a lost key or checkpoint file from being papered over: a missing key while checkpoints
/// exist is an error (a new key would make them unverifiable); a missing checkpoint file
/// while the key exists and the chain is older than two intervals is an error unless
/// `new_file` (then the restart is an audit entry). Otherwise a missing file is created
/// empty, so that its disappearance later shows.
async fn checkpointer(
    config: &VigieConfig,
    store: &dyn StateStore,
    new_file: bool,
) -> anyhow::Result<Checkpointer> {
    let files = audit_files(config)?;
    audit_dir(config, &files.key)?;
    audit_dir(config, &files.checkpoints)?;
    let key_existed = exists(&files.key)?;
    let cps = audit::read_checkpoints_if_present(&files.checkpoints)?;
    if !key_existed && let Some(cps) = cps.as_ref().filter(|c| !c.is_empty()) {
        anyhow::bail!(
            "the audit signing key {} is missing, but the checkpoint file {} holds {} \
             checkpoints signed with it: restore the key (or set [audit] key_file to where it \
             is); a new key would leave every checkpoint unverifiable",
            files.key.display(),
            files.checkpoints.display(),
            cps.len()
        );
    }
    let key = audit::load_or_create_key(&files.key)
        .with_context(|| format!("audit signing key {}", files.key.display()))?;
    match (&cps, new_file) {
        (Some(_), true) => anyhow::bail!(
            "the checkpoint file {} exists: --new-file only starts one that is missing",
            files.checkpoints.display()
        ),
        (Some(_), false) => {}
        (None, _) => {
            let first = store.audit_entries(0, 1).await?.into_iter().next();
            let window = signing_window(config);
            let old = first.as_ref().filter(|e| {
                let age = jiff::Timestamp::now().as_microsecond() - e.at_us;
                age > i64::try_from(window.as_micros()).unwrap_or(i64::MAX)
            });
            if let Some(entry) = old
                && key_existed
            {
                if !new_file {
                    anyhow::bail!(
                        "the audit checkpoint file {} is missing, but the signing key {} exists \
                         and the audit chain has entries since {}: the checkpoints were deleted \
                         or moved. Put the file back, or start a new one with `vigie audit \
                         checkpoint --new-file` (recorded in the audit log)",
                        files.checkpoints.display(),
                        files.key.display(),
                        jiff::Timestamp::from_microsecond(entry.at_us)
                            .map_or_else(|_| entry.at_us.to_string(), |t| t.to_string())
                    );
                }
                let (head, _) = store.audit_head().await?;
                store
                    .audit(&AuditRecord::new(
                        "operator",
                        None,
                        "audit.checkpoint_file_restarted",
                        "audit:checkpoints",
                        serde_json::json!({"head_before": head}),
                    ))
                    .await?;
                tracing::warn!(
                    path = %files.checkpoints.display(),
                    head_before = head,
                    "started a new audit checkpoint file: entries up to the head before it are \
                     covered by the chain only"
                );
            }
            audit::create_checkpoint_file(&files.checkpoints)?;
        }
    }
    Ok(Checkpointer::new(key, files.checkpoints)?)
}

/// Starts the task that signs audit checkpoints (at once, then every interval and on the way
/// out) and records SLA breaches until shutdown. Fails before starting it when the key or the
/// checkpoint file is missing in a way that would hide tampering (see [`checkpointer`]).
pub(crate) async fn spawn_desk_housekeeping(
    config: &VigieConfig,
    store: Arc<dyn StateStore>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut checkpointer = checkpointer(config, store.as_ref(), false).await?;
    let interval = Duration::from_secs(config.audit.checkpoint_seconds.max(1));
    Ok(tokio::spawn(async move {
        let mut last_sweep = Instant::now();
        let mut stop = false;
        loop {
            match store.audit_head().await {
                Ok((seq, hash)) => {
                    if let Err(error) = checkpointer.checkpoint(seq, &hash) {
                        tracing::error!(%error, "could not write an audit checkpoint");
                    }
                }
                Err(error) => tracing::error!(%error, "could not read the audit head"),
            }
            if stop {
                break;
            }
            if last_sweep.elapsed() >= Duration::from_secs(60) {
                last_sweep = Instant::now();
                match store.record_sla_breaches(jiff::Timestamp::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(breaches = n, "SLA breaches recorded"),
                    Err(error) => tracing::error!(%error, "SLA breach sweep failed"),
                }
            }
            stop = tokio::select! {
                _ = tokio::time::sleep(interval) => false,
                _ = shutdown.wait_for(|s| *s) => true,
            };
        }
    }))
}
