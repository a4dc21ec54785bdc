//! `vigie token create|list|revoke`.

use std::process::ExitCode;

use anyhow::Context;
use clap::{ArgGroup, Subcommand};
use vigie_event::TenantSlug;
use vigie_soc::access::Access;
use vigie_soc::{StateStore, TokenKind, TokenOwner};

use super::{Global, open_state};

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Create a token; its secret is printed once and stored only as a hash.
    #[command(group(ArgGroup::new("owner").required(true).args(["tenant", "platform"])))]
    Create {
        /// The tenant the token belongs to; its requests see this tenant only.
        #[arg(long)]
        tenant: Option<TenantSlug>,
        /// A platform token: reads across all tenants (cannot ingest).
        #[arg(long)]
        platform: bool,
        /// What the token may do: ingest (send events), read (alerts, rules), admin.
        #[arg(long)]
        scope: TokenKind,
        /// A note to recognise the token by, e.g. the sending host.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id; requests with it fail from now on.
    Revoke {
        /// The token id shown by `vigie token list`.
        id: i64,
    },
}

pub(crate) async fn run(global: &Global, command: Command) -> anyhow::Result<ExitCode> {
    let config = global.load_config()?;
    let store = open_state(&config).await?;
    let access = Access::new(store.clone());
    let scope = access.operator_scope();
    match command {
        Command::Create {
            tenant,
            platform: _,
            scope: kind,
            label,
        } => {
            let owner = match &tenant {
                Some(slug) => {
                    let found = store.find_tenant(&scope, slug).await?.with_context(|| {
                        format!("no tenant {slug}; add it with `vigie tenant add {slug}`")
                    })?;
                    TokenOwner::Tenant(found.id)
                }
                None => TokenOwner::Platform,
            };
            let token = store.create_token(owner, kind, &label).await?;
            let owner_text =
                tenant.map_or_else(|| "the platform".to_owned(), |s| format!("tenant {s}"));
            eprintln!(
                "token {} created: scope {kind} for {owner_text}. The secret below is shown once; store it now.",
                token.info.id
            );
            println!("{}", token.secret);
        }
        Command::List => {
            println!(
                "{:<6} {:<10} {:<10} {:<8} {:<24} LABEL",
                "ID", "OWNER", "SCOPE", "REVOKED", "CREATED"
            );
            for t in store.list_tokens(&scope).await? {
                let owner = match t.owner {
                    TokenOwner::Tenant(id) => format!("tenant {id}"),
                    TokenOwner::Platform => "platform".to_owned(),
                };
                println!(
                    "{:<6} {:<10} {:<10} {:<8} {:<24} {}",
                    t.id, owner, t.kind, t.revoked, t.created_at, t.label
                );
            }
        }
        Command::Revoke { id } => {
            if store.revoke_token(&scope, id).await? {
                println!("token {id} revoked");
            } else {
                anyhow::bail!("no token with id {id}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
