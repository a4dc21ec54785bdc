//! `vigie notify test|list|retry`, and the notifier of the jobs role (`spawn`).

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use jiff::Timestamp;
use vigie_access::Access;
use vigie_notify::{Languages, Notifier};
use vigie_soc::StateStore;
use vigie_soc::notify::{DeliveryStatus, NotificationFilter, NotificationId, NotifyStore};

use super::{Global, open_state};
use crate::config::VigieConfig;

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Send a test message to one recipient or webhook of `[notify]` now, and say whether
    /// it was delivered.
    Test {
        /// A `[[notify.recipients]]` or `[[notify.webhooks]]` name.
        #[arg(long)]
        to: String,
    },
    /// List the notifications of the outbox, newest first.
    List {
        /// Only this status: pending, sending, sent or dead.
        #[arg(long)]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Output format: table or json.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// Queue a dead notification again.
    Retry {
        /// Its id.
        id: i64,
    },
}

/// The languages of `[reports]`, which notifications fall back on.
fn languages(config: &VigieConfig) -> Languages {
    Languages {
        default: config.reports.language.tag().to_owned(),
        tenants: config
            .reports
            .languages
            .iter()
            .map(|(slug, lang)| (slug.clone(), lang.tag().to_owned()))
            .collect(),
    }
}

/// The notifier of `config`, if `[notify]` configures anything to send to.
pub(crate) fn notifier(
    config: &VigieConfig,
    store: Arc<dyn StateStore>,
) -> anyhow::Result<Option<Arc<Notifier>>> {
    let access = Access::new(store.clone());
    Ok(Notifier::new(
        store,
        access.operator_scope(),
        access.operator_audience(),
        &config.notify,
        languages(config),
    )?
    .map(Arc::new))
}

pub(crate) async fn run(global: &Global, command: Command) -> anyhow::Result<ExitCode> {
    let config = global.load_config()?;
    let store = open_state(&config).await?;
    let access = Access::new(store.clone());
    let scope = access.operator_scope();
    match command {
        Command::Test { to } => {
            let Some(notifier) = notifier(&config, store.clone())? else {
                anyhow::bail!(
                    "[notify] configures nothing to send to (no SMTP recipients, no webhooks)"
                );
            };
            let rows = notifier.send_test(&to, Timestamp::now()).await?;
            let Some(row) = rows.first() else {
                anyhow::bail!("the test message was not queued");
            };
            match row.status {
                DeliveryStatus::Sent => {
                    println!(
                        "sent to {} <{}> ({})",
                        row.recipient,
                        row.address,
                        row.channel.as_str()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                status => {
                    eprintln!(
                        "not delivered ({}): {}",
                        status.as_str(),
                        row.last_error.as_deref().unwrap_or("no error recorded")
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::List {
            status,
            limit,
            format,
        } => {
            let status = status
                .map(|s| {
                    DeliveryStatus::parse(&s).ok_or_else(|| {
                        anyhow::anyhow!("--status {s:?}: expected pending, sending, sent or dead")
                    })
                })
                .transpose()?;
            let rows = store
                .list_notifications(
                    &scope,
                    &NotificationFilter {
                        status,
                        incident: None,
                        limit: Some(limit),
                    },
                )
                .await?;
            match format.as_str() {
                "json" => println!("{}", serde_json::to_string_pretty(&rows)?),
                "table" => {
                    println!(
                        "{:<6} {:<20} {:<12} {:<8} {:<16} {:<8} {:<4} SUBJECT",
                        "ID", "CREATED", "EVENT", "CHANNEL", "RECIPIENT", "STATUS", "TRY"
                    );
                    for n in &rows {
                        println!(
                            "{:<6} {:<20} {:<12} {:<8} {:<16} {:<8} {:<4} {}",
                            n.id,
                            n.created_at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                            n.event.as_str(),
                            n.channel.as_str(),
                            n.recipient,
                            n.status.as_str(),
                            n.attempts,
                            n.subject
                        );
                        if let Some(error) = &n.last_error {
                            println!("       last error: {error}");
                        }
                    }
                    if rows.is_empty() {
                        println!("no notification");
                    }
                }
                other => anyhow::bail!("--format {other:?}: expected table or json"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Retry { id } => {
            let actor = vigie_soc::Actor::operator();
            if store
                .retry_notification(&actor, &scope, NotificationId(id), Timestamp::now())
                .await?
            {
                println!("notification {id} queued again");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("notification {id} does not exist or is not dead");
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
