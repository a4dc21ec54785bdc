//! `vigie audit verify|checkpoint`, and the server's desk housekeeping task (signed audit
//! checkpoints every `[audit] checkpoint_seconds`, SLA breach sweep every minute).
//!
//! `verify` reads the whole chain from the state database and checks it against the signed
//! checkpoints exported outside it; it exits with status 1 and names every problem when the
//! log was tampered with.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Subcommand;
use vigie_soc::StateStore;
use vigie_soc::audit::{self, Checkpointer};

use super::{Global, open_state};
use crate::config::VigieConfig;

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
    Checkpoint,
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
            let key_path =
                public_key.unwrap_or_else(|| audit::public_key_path(&config.audit_key_file()));
            let key = audit::load_public_key(&key_path)?;
            let cp_path = checkpoints.unwrap_or_else(|| config.audit_checkpoint_file());
            let cps = audit::read_checkpoints(&cp_path)?;
            let started = Instant::now();
            let mut entries = Vec::new();
            let mut after = 0;
            loop {
                let page = store.audit_entries(after, 50_000).await?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                entries.extend(page);
            }
            let report = audit::verify(entries, &cps, &key);
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
                for finding in &report.findings {
                    println!("  entry {}: {}", finding.seq, finding.problem);
                }
                if report.ok() {
                    println!(
                        "intact (entries after the newest checkpoint are covered by the chain only)"
                    );
                } else {
                    println!("TAMPERED: {} problem(s)", report.findings.len());
                }
            }
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Checkpoint => {
            let mut checkpointer = checkpointer(&config)?;
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

fn checkpointer(config: &VigieConfig) -> anyhow::Result<Checkpointer> {
    let key_file = config.audit_key_file();
    let key = audit::load_or_create_key(&key_file)
        .with_context(|| format!("audit signing key {}", key_file.display()))?;
    let cp_file = config.audit_checkpoint_file();
    if let Some(parent) = cp_file.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    Ok(Checkpointer::new(key, cp_file)?)
}

/// Starts the task that signs audit checkpoints and records SLA breaches until shutdown
/// (with a last checkpoint on the way out).
pub(crate) fn spawn_desk_housekeeping(
    config: &VigieConfig,
    store: Arc<dyn StateStore>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut checkpointer = checkpointer(config)?;
    let interval = Duration::from_secs(config.audit.checkpoint_seconds.max(1));
    Ok(tokio::spawn(async move {
        let mut last_sweep = Instant::now();
        loop {
            let stop = tokio::select! {
                _ = tokio::time::sleep(interval) => false,
                _ = shutdown.wait_for(|s| *s) => true,
            };
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
        }
    }))
}
