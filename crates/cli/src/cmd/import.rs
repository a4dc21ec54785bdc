//! `vigie import --tenant SLUG PATH...`: `.evtx`, JSONL and gzip JSONL files, directories
//! searched recursively, appended to the data directory's durable log through the same
//! intake as live events (source `import`, fsync before each chunk counts as accepted).
//! The detection pipeline picks them up at the next `vigie serve` (or at once when it runs
//! elsewhere on the same log: it cannot here, the data directory is locked while serving;
//! upload to a running server with `POST /api/v1/import`).
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
use vigie_ingest::file::{self, ImportSummary, ReadOptions};
use vigie_ingest::{Intake, IntakeConfig};
use vigie_log::{Wal, WalConfig};

use super::{Global, lock_data_dir, open_state};

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
    let _lock = lock_data_dir(&config)?;
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
    let wal_dir = config.data_dir.join("wal");
    let log = Arc::new(
        Wal::open(WalConfig {
            dir: wal_dir.clone(),
            segment_bytes: config.log.segment_bytes,
            max_record_bytes: config.log.max_record_bytes,
            consumers: super::serve::log_consumers(&config),
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
    let total: u64 = files
        .iter()
        .map(|(path, _)| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bar = ProgressBar::new(total);
    if args.quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut summary = ImportSummary::default();
    let mut done = 0u64;
    let options = ReadOptions {
        tenant: tenant.id,
        received_at: Timestamp::now(),
        max_line_bytes: usize::try_from(config.ingest.max_line_bytes).unwrap_or(usize::MAX),
        chunk_events: 2000,
        max_decoded_bytes: None,
        source_type: args.source_type.clone(),
    };
    for (path, kind) in &files {
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
