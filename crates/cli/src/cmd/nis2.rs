//! `vigie nis2 due|remind`: the NIS2 clocks of the platform, from the operator's seat.

use std::process::ExitCode;
use vigie_soc::prelude::*;

use anyhow::Context;
use clap::Subcommand;
use jiff::Timestamp;
use vigie_access::Access;
use vigie_event::TenantSlug;
use vigie_nis2::calendar::show;
use vigie_soc::StateStore;
use vigie_soc::nis2::{Nis2Store, board};

use super::{Global, open_state};

#[derive(Subcommand)]
pub(crate) enum Command {
    /// List every open NIS2 clock, soonest first (Europe/Brussels time with offset).
    Due {
        /// Only this tenant.
        #[arg(long)]
        tenant: Option<TenantSlug>,
        /// Output format: table or json.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// Send the reminders whose time has come (the server does this every minute).
    Remind,
}

pub(crate) async fn run(global: &Global, command: Command) -> anyhow::Result<ExitCode> {
    let config = global.load_config()?;
    let store = open_state(&config).await?;
    let access = Access::new(store.clone());
    let mut scope = access.operator_scope();
    match command {
        Command::Due { tenant, format } => {
            if let Some(slug) = &tenant {
                let found = store
                    .find_tenant(&scope, slug)
                    .await?
                    .with_context(|| format!("no tenant {slug}"))?;
                scope = scope
                    .narrow(found.id)
                    .with_context(|| format!("tenant {slug} is outside the operator scope"))?;
            }
            let cases = store.nis2_open_cases(&scope).await?;
            let rows = board(&cases, Timestamp::now(), &config.nis2.policy());
            match format.as_str() {
                "json" => println!("{}", serde_json::to_string_pretty(&rows)?),
                "table" => {
                    println!(
                        "{:<9} {:<16} {:<22} {:<24} {:<8} TITLE",
                        "INCIDENT", "TENANT", "STAGE", "DUE", "STATUS"
                    );
                    for row in &rows {
                        let due = row.due.due_at.map(show).unwrap_or_default();
                        let status = serde_json::to_value(row.due.status)?;
                        println!(
                            "{:<9} {:<16} {:<22} {:<24} {:<8} {}",
                            row.incident_id,
                            row.tenant_slug,
                            row.due.stage.as_str(),
                            due,
                            status.as_str().unwrap_or_default(),
                            row.title
                        );
                    }
                    if rows.is_empty() {
                        println!("no open NIS2 clock");
                    }
                }
                other => anyhow::bail!("--format {other:?}: expected table or json"),
            }
        }
        Command::Remind => {
            let sent = store
                .nis2_send_reminders(&scope, Timestamp::now(), &config.nis2.policy())
                .await?;
            for (incident, tenant, reminder) in &sent {
                println!(
                    "incident {incident} ({tenant}): {} due {}{}",
                    reminder.stage.as_str(),
                    show(reminder.due_at),
                    if reminder.breach {
                        ", deadline reached"
                    } else {
                        ""
                    }
                );
            }
            println!("{} reminder(s) sent", sent.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Sends NIS2 reminders every minute until shutdown.
pub(crate) fn spawn_reminders(
    store: std::sync::Arc<dyn StateStore>,
    scope: vigie_access::TenantScope,
    policy: vigie_soc::nis2::ReminderPolicy,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match store
                .nis2_send_reminders(&scope, Timestamp::now(), &policy)
                .await
            {
                Ok(sent) => {
                    for (incident, tenant, reminder) in sent {
                        tracing::warn!(
                            %incident,
                            %tenant,
                            stage = reminder.stage.as_str(),
                            due = %show(reminder.due_at),
                            breach = reminder.breach,
                            "NIS2 reminder"
                        );
                    }
                }
                Err(error) => tracing::error!(%error, "NIS2 reminder sweep failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
                _ = shutdown.wait_for(|s| *s) => break,
            }
        }
    })
}
