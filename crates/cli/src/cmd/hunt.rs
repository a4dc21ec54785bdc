//! `vigie hunt`: run a hunting query on the event store of the data directory, and the
//! start of the store and its indexer for `vigie serve`.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use vigie_soc::prelude::*;

use anyhow::Context;
use jiff::Timestamp;
use serde_json::Value;
use vigie_access::Access;
use vigie_access::TenantScope;
use vigie_event::TenantSlug;
use vigie_log::LogReader;
use vigie_pipeline::{Indexer, IndexerConfig};
use vigie_soc::StateStore;
use vigie_store::query::{HuntOptions, HuntResult, parse, parse_time, run};
use vigie_store::{EmbeddedConfig, EmbeddedStore, EventStore, Limits, TimeRange};

use super::{Global, open_state};
use crate::config::VigieConfig;

/// Output formats.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned columns.
    Table,
    /// One JSON document: columns, rows, counts.
    Json,
    /// CSV with a header line.
    Csv,
}

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The query (see docs/hunting.md), e.g. `EventID:4688 CommandLine:*whoami* | head 20`.
    query: String,
    /// Only this tenant (slug); default: every tenant.
    #[arg(long)]
    tenant: Option<String>,
    /// Start of the event-time range: RFC 3339, a date, or relative (`-24h`, `-7d`).
    #[arg(long)]
    from: Option<String>,
    /// End of the event-time range (excluded), same forms as --from.
    #[arg(long)]
    to: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// The store directory of a data directory.
pub(crate) fn store_dir(config: &VigieConfig) -> std::path::PathBuf {
    config.data_dir.join("store")
}

/// The event store and its indexer task, when the store is enabled.
pub(crate) type StoreParts = (
    Option<Arc<dyn EventStore>>,
    Option<tokio::task::JoinHandle<()>>,
);

/// Opens the store and starts the indexer reading with `reader`, if the store is enabled.
pub(crate) fn start_store(
    config: &VigieConfig,
    reader: Box<dyn LogReader>,
    state: Arc<dyn StateStore>,
    operator_scope: TenantScope,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<StoreParts> {
    if !config.store.enabled {
        return Ok((None, None));
    }
    let dir = store_dir(config);
    let store: Arc<dyn EventStore> = Arc::new(
        EmbeddedStore::open(EmbeddedConfig {
            dir: dir.clone(),
            writer_memory_bytes: usize::try_from(config.store.writer_memory_bytes)
                .unwrap_or(usize::MAX),
            ..EmbeddedConfig::default()
        })
        .with_context(|| format!("cannot open the event store in {}", dir.display()))?,
    );
    let limits = |days: u32, bytes: u64| Limits {
        days: (days > 0).then_some(days),
        bytes: (bytes > 0).then_some(bytes),
    };
    let s = &config.store;
    let indexer = Indexer::new(
        reader,
        store.clone(),
        state,
        operator_scope,
        IndexerConfig {
            consumer: super::serve::STORE_CONSUMER.to_owned(),
            batch_size: usize::try_from(s.batch_size).unwrap_or(usize::MAX),
            retention: limits(s.retention_days, s.retention_bytes),
            tenant_retention: s
                .tenants
                .iter()
                .map(|(slug, t)| {
                    (
                        slug.clone(),
                        limits(
                            t.retention_days.unwrap_or(s.retention_days),
                            t.retention_bytes.unwrap_or(s.retention_bytes),
                        ),
                    )
                })
                .collect(),
            housekeeping_every: Duration::from_secs(s.housekeeping_seconds),
            ..IndexerConfig::default()
        },
    );
    let task = tokio::spawn(async move { indexer.run(shutdown).await });
    Ok((Some(store), Some(task)))
}

pub(crate) async fn run_command(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let config = global.load_config()?;
    let now = Timestamp::now();
    let query = parse(&args.query, now).map_err(|e| {
        anyhow::anyhow!(
            "query: {e}\n  {}\n  {}^",
            args.query,
            " ".repeat(e.column.saturating_sub(1))
        )
    })?;
    let time = |name: &str, value: &Option<String>| -> anyhow::Result<Option<Timestamp>> {
        value
            .as_deref()
            .map(|v| {
                parse_time(v, now).ok_or_else(|| {
                    anyhow::anyhow!(
                        "--{name} {v:?} is not a time (RFC 3339, YYYY-MM-DD, or -24h / -7d)"
                    )
                })
            })
            .transpose()
    };
    let range = TimeRange {
        from: time("from", &args.from)?,
        to: time("to", &args.to)?,
    };
    let state = open_state(&config).await?;
    let access = Access::new(state.clone());
    let operator = access.operator_scope();
    let scope = match &args.tenant {
        Some(slug) => {
            let slug = TenantSlug::new(slug.as_str())?;
            let tenant = state
                .find_tenant(&operator, &slug)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no tenant {slug}"))?;
            operator
                .narrow(tenant.id)
                .context("tenant outside the operator scope")?
        }
        None => operator.clone(),
    };
    let names: HashMap<_, _> = state
        .list_tenants(&operator)
        .await?
        .into_iter()
        .map(|t| (t.id, t.slug.to_string()))
        .collect();
    let dir = store_dir(&config);
    std::fs::metadata(&dir).with_context(|| {
        format!(
            "no event store in {} (has `vigie serve` run with [store] enabled?)",
            dir.display()
        )
    })?;
    let store = EmbeddedStore::open(EmbeddedConfig {
        dir,
        read_only: true,
        ..EmbeddedConfig::default()
    })?;
    let result = run(
        &store,
        &scope,
        &query,
        &HuntOptions {
            range,
            max_rows: usize::try_from(config.store.max_rows).unwrap_or(usize::MAX),
            names: Arc::new(names),
            ..HuntOptions::default()
        },
    )
    .await?;
    print(&result, args.format)?;
    Ok(ExitCode::SUCCESS)
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn print(result: &HuntResult, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(result)?),
        Format::Csv => {
            let quote = |s: String| {
                if s.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s
                }
            };
            println!(
                "{}",
                result
                    .columns
                    .iter()
                    .cloned()
                    .map(quote)
                    .collect::<Vec<_>>()
                    .join(",")
            );
            for row in &result.rows {
                let cells: Vec<String> = result
                    .columns
                    .iter()
                    .map(|c| quote(cell(row.get(c))))
                    .collect();
                println!("{}", cells.join(","));
            }
        }
        Format::Table => {
            const MAX: usize = 60;
            let clip = |s: String| {
                let s = s.replace(['\r', '\n', '\t'], " ");
                if s.chars().count() > MAX {
                    format!("{}…", s.chars().take(MAX - 1).collect::<String>())
                } else {
                    s
                }
            };
            // Event rows show the fixed columns and the fields as compact JSON.
            let events = result.columns.first().is_some_and(|c| c == "@time")
                && result.columns.len() > 4
                && result.columns.get(3).is_some_and(|c| c == "@source");
            let columns: Vec<String> = if events {
                vec!["@time".into(), "@tenant".into(), "event".into()]
            } else {
                result.columns.clone()
            };
            let rows: Vec<Vec<String>> = result
                .rows
                .iter()
                .map(|row| {
                    columns
                        .iter()
                        .map(|c| {
                            if events && c == "event" {
                                let mut fields = row.clone();
                                for k in ["@time", "@tenant", "@id", "@source"] {
                                    fields.remove(k);
                                }
                                clip(Value::Object(fields).to_string())
                            } else {
                                clip(cell(row.get(c)))
                            }
                        })
                        .collect()
                })
                .collect();
            let widths: Vec<usize> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    rows.iter()
                        .map(|r| r[i].chars().count())
                        .chain([c.chars().count()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: &[String]| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_owned()
            };
            println!("{}", line(&columns));
            for row in &rows {
                println!("{}", line(row));
            }
            println!(
                "({} rows, {} events matched{})",
                result.rows.len(),
                result.events_matched,
                if result.truncated { ", truncated" } else { "" }
            );
        }
    }
    Ok(())
}
