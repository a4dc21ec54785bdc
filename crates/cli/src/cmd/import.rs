//! `vigie import --tenant SLUG PATH...`: `.evtx`, JSONL and gzip JSONL files, directories
//! searched recursively, appended to the data directory's durable log through the same
//! intake as live events (source `import`, fsync before each chunk counts as accepted).
//!
//! When no server runs, the files are read here and the detection pipeline picks them up
//! at the next `vigie serve`. When `vigie serve` runs on the data directory (it holds the
//! directory's lock), each file is streamed to it instead, over the data directory's local
//! socket (`serve::LOCAL_SOCKET`), to `POST /api/v1/import`: the server reads it with the
//! same readers and detects at once. The upload streams to disk on the server side, so
//! files larger than `[ingest] max_body_bytes` go too (up to `max_import_bytes`). The CLI
//! authenticates with an ingest token of the tenant it creates for the run and revokes at
//! the end (both in the audit log, actor `operator`).
//!
//! Prints a progress bar on a terminal and a final summary: files, records read, accepted,
//! rejected by reason, the first rejections by file and line or record, and the rate.
//! Exit status 0 when everything read was accepted, 2 when something was rejected.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigie_soc::prelude::*;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::Timestamp;
use vigie_access::Access;
use vigie_event::TenantSlug;
use vigie_ingest::file::{self, FileKind, ImportSummary, ReadOptions};
use vigie_ingest::{Intake, IntakeConfig};
use vigie_log::{Wal, WalConfig};

use super::{Global, open_state, try_lock_data_dir};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The tenant that owns the imported events.
    #[arg(long)]
    tenant: TenantSlug,
    /// Files (.evtx, .jsonl, .ndjson, .json, text logs .log, optionally .gz) or
    /// directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The source type of the events of JSONL and text files (`linux.auditd`,
    /// `nginx.access`, `aws.cloudtrail`, ...), where their content does not say it.
    #[arg(long, value_parser = super::parse_source_type)]
    source_type: Option<vigie_parse::SourceType>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

pub(crate) async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let config = global.load_config()?;
    let store = open_state(&config).await?;
    let lock = try_lock_data_dir(&config)?;
    let scope = Access::new(store.clone()).operator_scope();
    let tenant = store
        .find_tenant(&scope, &args.tenant)
        .await?
        .with_context(|| {
            format!(
                "no tenant {}; add it with `vigie tenant add {}`",
                args.tenant, args.tenant
            )
        })?;
    let (files, skipped) = file::collect(&args.paths)?;
    for path in &skipped {
        eprintln!(
            "skipped (not .evtx/.jsonl/.ndjson/.json/.log[.gz]): {}",
            path.display()
        );
    }
    let bar = progress_bar(&files, args.quiet);
    let started = Instant::now();
    let summary = match lock {
        Some(_lock) => import_here(&config, &args, tenant.id, &files, &bar).await?,
        None => {
            let source_type = args.source_type.as_ref().map(|t| t.as_str().to_owned());
            let owner = vigie_access::TokenOwner::Tenant(tenant.id);
            let token = store
                .create_token_declaring(
                    owner,
                    vigie_access::TokenKind::Ingest,
                    "vigie import (for the run)",
                    source_type.as_deref(),
                )
                .await
                .context("cannot create the import's ingest token")?;
            let audited = |action: &'static str| {
                vigie_access::audit::AuditRecord::new(
                    vigie_access::Actor::operator().0,
                    Some(tenant.id),
                    action,
                    format!("token:{}", token.info.id),
                    serde_json::json!({
                        "kind": "ingest",
                        "label": "vigie import (for the run)",
                        "source_type": source_type,
                    }),
                )
            };
            store.audit(&audited("token.create")).await?;
            let socket = config.data_dir.join(super::serve::LOCAL_SOCKET);
            let sent =
                send_to_server(socket, token.secret.clone(), files.clone(), bar.clone()).await;
            match store.revoke_token(&scope, token.info.id).await {
                Ok(_) => store.audit(&audited("token.revoke")).await?,
                Err(error) => eprintln!(
                    "could not revoke the import's token {}: {error}; revoke it with `vigie token revoke {}`",
                    token.info.id, token.info.id
                ),
            }
            sent?
        }
    };
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "imported {} file(s) for tenant {}: read {}, accepted {}, rejected {} ({:.1} s, {:.0} events/s)",
        summary.files,
        args.tenant,
        summary.read,
        summary.accepted,
        summary.rejected_total(),
        elapsed,
        summary.accepted as f64 / elapsed.max(1e-9)
    );
    for (reason, count) in &summary.rejected {
        println!("  rejected {reason}: {count}");
    }
    for error in &summary.file_errors {
        println!("  file error: {error}");
    }
    for example in &summary.examples {
        println!("  rejected: {example}");
    }
    if summary.rejected_total() > 0 || !summary.file_errors.is_empty() {
        Ok(ExitCode::from(2))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

/// The progress bar over the files' bytes (hidden with `--quiet`).
fn progress_bar(files: &[(PathBuf, FileKind)], quiet: bool) -> ProgressBar {
    let total: u64 = files
        .iter()
        .map(|(path, _)| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bar = ProgressBar::new(total);
    if quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Reads the files here and appends them to the data directory's log (no server runs).
async fn import_here(
    config: &crate::config::VigieConfig,
    args: &Args,
    tenant: vigie_event::TenantId,
    files: &[(PathBuf, FileKind)],
    bar: &ProgressBar,
) -> anyhow::Result<ImportSummary> {
    let wal_dir = config.data_dir.join("wal");
    let log = Arc::new(
        Wal::open(WalConfig {
            dir: wal_dir.clone(),
            segment_bytes: config.log.segment_bytes,
            max_record_bytes: config.log.max_record_bytes,
            consumers: super::serve::log_consumers(config),
        })
        .with_context(|| format!("cannot open the durable log in {}", wal_dir.display()))?,
    );
    // Offline: nothing drains the log while importing, so the backlog rule does not apply;
    // the pipeline works through it at the next start.
    let intake = Intake::new(
        log,
        IntakeConfig {
            max_backlog: u64::MAX,
            retry_after: Duration::from_secs(config.ingest.retry_after_seconds),
            consumer: super::serve::DETECT_CONSUMER.to_owned(),
        },
    );
    let mut summary = ImportSummary::default();
    let mut done = 0u64;
    let options = ReadOptions {
        tenant,
        received_at: Timestamp::now(),
        max_line_bytes: usize::try_from(config.ingest.max_line_bytes).unwrap_or(usize::MAX),
        chunk_events: 2000,
        max_decoded_bytes: None,
        source_type: args.source_type.clone(),
    };
    for (path, kind) in files {
        bar.set_message(format!("{}", path.display()));
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        file::import(
            &intake,
            args.tenant.as_str(),
            path,
            *kind,
            options.clone(),
            &mut summary,
            |read, _| bar.set_position(done + read.min(size)),
        )
        .await
        .with_context(|| format!("importing {}", path.display()))?;
        done += size;
        bar.set_position(done);
    }
    Ok(summary)
}

/// A file being uploaded, moving the progress bar as its bytes are read.
struct Progress {
    file: std::fs::File,
    bar: ProgressBar,
}

impl std::io::Read for Progress {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// Streams each file to the server running on this data directory, through its local
/// socket, and adds up its replies (the server names a file `upload`: put its path back).
async fn send_to_server(
    socket: PathBuf,
    token: String,
    files: Vec<(PathBuf, FileKind)>,
    bar: ProgressBar,
) -> anyhow::Result<ImportSummary> {
    if std::fs::metadata(&socket).is_err() {
        anyhow::bail!(
            "another vigie process holds the data directory but serves no local socket ({}): \
             stop it to import offline, or upload with POST /api/v1/import",
            socket.display()
        );
    }
    tokio::task::spawn_blocking(move || -> anyhow::Result<ImportSummary> {
        let client = reqwest::blocking::Client::builder()
            .unix_socket(socket.clone())
            // Large files take long to read on the server; the reply comes at the end.
            .timeout(None)
            .build()?;
        let mut summary = ImportSummary::default();
        for (path, kind) in &files {
            bar.set_message(format!("{} (to the running server)", path.display()));
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            let size = file.metadata()?.len();
            let format = match kind {
                FileKind::Evtx => "evtx",
                FileKind::Jsonl => "jsonl",
                FileKind::Text => "text",
            };
            let response = client
                .post(format!("http://localhost/api/v1/import?format={format}"))
                .bearer_auth(&token)
                .body(reqwest::blocking::Body::sized(
                    Progress {
                        file,
                        bar: bar.clone(),
                    },
                    size,
                ))
                .send()
                .with_context(|| format!("sending {} to the server", path.display()))?;
            let status = response.status();
            let text = response.text()?;
            let reply: ImportSummary = match serde_json::from_str(&text) {
                Ok(reply) => reply,
                Err(_) => anyhow::bail!(
                    "the server refused {} ({status}): {}",
                    path.display(),
                    text.trim()
                ),
            };
            let shown = path.display().to_string();
            let named = |text: String| match text.strip_prefix("upload") {
                Some(rest) => format!("{shown}{rest}"),
                None => text,
            };
            summary.files += reply.files;
            summary.read += reply.read;
            summary.accepted += reply.accepted;
            for (reason, count) in reply.rejected {
                *summary.rejected.entry(reason).or_default() += count;
            }
            summary
                .file_errors
                .extend(reply.file_errors.into_iter().map(named));
            summary.examples.extend(
                reply
                    .examples
                    .into_iter()
                    .map(named)
                    .take(20usize.saturating_sub(summary.examples.len())),
            );
        }
        Ok(summary)
    })
    .await?
}
