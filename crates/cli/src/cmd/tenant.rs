//! `vigie tenant add|list`: run by the operator on the server's machine, against the
//! state database of the data directory (safe while `vigie serve` runs).

use std::process::ExitCode;
use vigie_soc::prelude::*;

use clap::Subcommand;
use vigie_access::Access;
use vigie_event::TenantSlug;

use super::{Global, open_state};

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Add a tenant.
    Add {
        /// Short name: lowercase letters, digits and '-', e.g. cpas-liege.
        slug: TenantSlug,
        /// Display name; defaults to the slug.
        #[arg(long)]
        name: Option<String>,
    },
    /// List every tenant.
    List,
}

pub(crate) async fn run(global: &Global, command: Command) -> anyhow::Result<ExitCode> {
    let config = global.load_config()?;
    let store = open_state(&config).await?;
    let access = Access::new(store.clone());
    match command {
        Command::Add { slug, name } => {
            let name = name.unwrap_or_else(|| slug.to_string());
            let tenant = store.create_tenant(&slug, &name).await?;
            println!(
                "tenant {} added (id {}, name {:?})",
                tenant.slug, tenant.id, tenant.name
            );
        }
        Command::List => {
            let tenants = store.list_tenants(&access.operator_scope()).await?;
            println!("{:<6} {:<24} {:<32} CREATED", "ID", "SLUG", "NAME");
            for t in tenants {
                println!("{:<6} {:<24} {:<32} {}", t.id, t.slug, t.name, t.created_at);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
