//! `vigie report monthly`: a tenant's monthly report from the data directory, as the API
//! gives it (`vigie_web::report::gather`, the same figures), written as a PDF or as the
//! JSON of its figures.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use jiff::Timestamp;
use vigie_access::Access;
use vigie_store::{EmbeddedConfig, EmbeddedStore, EventStore};

use super::{Global, open_state};

/// Output formats.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum Format {
    /// The A4 report.
    Pdf,
    /// Its figures.
    Json,
}

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// One tenant's report of one month.
    Monthly(MonthlyArgs),
}

#[derive(clap::Args)]
pub(crate) struct MonthlyArgs {
    /// The tenant (slug).
    #[arg(long)]
    tenant: String,
    /// The month, `YYYY-MM` (in `[reports] time_zone`).
    #[arg(long)]
    month: String,
    /// Language: fr, nl, de or en (default: the tenant's, `[reports] languages`).
    #[arg(long)]
    lang: Option<String>,
    /// `pdf` or `json`.
    #[arg(long, value_enum, default_value = "pdf")]
    format: Format,
    /// Where to write it (`-`: standard output).
    #[arg(long, short)]
    out: PathBuf,
}

pub(crate) async fn run(global: &Global, command: Command) -> anyhow::Result<ExitCode> {
    let Command::Monthly(args) = command;
    let config = global.load_config()?;
    let language = args
        .lang
        .as_deref()
        .map(|l| {
            serde_json::from_value::<vigie_report::Language>(serde_json::Value::from(l))
                .map_err(|_| anyhow::anyhow!("--lang {l:?}: expected fr, nl, de or en"))
        })
        .transpose()?;
    let state = open_state(&config).await?;
    let operator = Access::new(state.clone()).operator_scope();
    // The event store, read-only, when this data directory has one (ingest figures).
    let dir = super::hunt::store_dir(&config);
    let events: Option<Arc<dyn EventStore>> =
        if config.store.enabled && std::fs::metadata(&dir).is_ok() {
            Some(Arc::new(EmbeddedStore::open(EmbeddedConfig {
                dir,
                read_only: true,
                ..EmbeddedConfig::default()
            })?))
        } else {
            None
        };
    let data = vigie_web::report::gather(
        state.as_ref(),
        events.as_ref(),
        &operator,
        &config.reports,
        &vigie_web::report::ReportRequest {
            tenant: &args.tenant,
            month: &args.month,
            language,
        },
        Timestamp::now(),
    )
    .await?;
    let bytes = match args.format {
        Format::Json => serde_json::to_vec_pretty(&data)?,
        Format::Pdf => tokio::task::spawn_blocking(move || vigie_report::render_pdf(&data))
            .await?
            .context("rendering the report")?,
    };
    if args.out.as_os_str() == "-" {
        std::io::stdout().lock().write_all(&bytes)?;
    } else {
        std::fs::write(&args.out, &bytes)
            .with_context(|| format!("writing {}", args.out.display()))?;
        eprintln!("wrote {} ({} bytes)", args.out.display(), bytes.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the reports of the monthly schedule are kept: `<data dir>/reports/`.
pub(crate) fn archive(config: &crate::config::VigieConfig) -> vigie_web::report::ReportArchive {
    vigie_web::report::ReportArchive::new(config.data_dir.join("reports"))
}

/// How often the schedule looks for reports to make.
const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Makes last month's report of every tenant that lacks one, at the start and then every
/// hour: on the first day of a month (in `[reports] time_zone`) that is the month just
/// ended. Kept in [`archive`], listed to each client (`GET /api/v1/reports`, the portal).
/// Queues the report-ready notice of every tenant whose report of last month is in the
/// archive (idempotent: one notice per tenant and month).
async fn offer(
    notifier: &vigie_notify::Notifier,
    store: &dyn vigie_soc::StateStore,
    operator: &vigie_access::TenantScope,
    settings: &vigie_web::report::ReportSettings,
    archive: &vigie_web::report::ReportArchive,
) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let tz = jiff::tz::TimeZone::get(&settings.time_zone)?;
    let Some(month) = vigie_web::report::Month::previous(now, &tz) else {
        return Ok(());
    };
    for tenant in store.list_tenants(operator).await? {
        if archive.has(&tenant.slug, &month) {
            notifier.report_ready(&tenant, &month.name(), now).await?;
        }
    }
    Ok(())
}

pub(crate) fn spawn_monthly(
    config: &crate::config::VigieConfig,
    store: Arc<dyn vigie_soc::StateStore>,
    events: Option<Arc<dyn EventStore>>,
    notifier: Option<Arc<vigie_notify::Notifier>>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let settings = config.reports.clone();
    let archive = archive(config);
    tokio::spawn(async move {
        let operator = Access::new(store.clone()).operator_scope();
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = async { let _ = shutdown.wait_for(|s| *s).await; } => break,
                _ = tick.tick() => {
                    match vigie_web::report::make_monthly(
                        store.as_ref(), events.as_ref(), &operator, &settings, &archive, Timestamp::now(),
                    ).await {
                        Ok(0) => {}
                        Ok(made) => tracing::info!(made, "monthly client reports made"),
                        Err(error) => tracing::warn!(%error, "monthly client reports: again in an hour"),
                    }
                    if let Some(notifier) = &notifier
                        && let Err(error) = offer(notifier, store.as_ref(), &operator, &settings, &archive).await
                    {
                        tracing::warn!(%error, "report-ready notifications: again in an hour");
                    }
                }
            }
        }
    })
}
