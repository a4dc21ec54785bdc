//! `vigie token create|list|revoke`: tenant and platform tokens, and (`--user`) a user's own
//! tokens for the desk API, created by the operator on the server's machine (audited, actor
//! `operator`).

use std::process::ExitCode;
use vigie_soc::prelude::*;

use anyhow::Context;
use clap::{ArgGroup, Subcommand};
use vigie_access::Access;
use vigie_access::token::NewUserToken;
use vigie_access::{Permission, TokenKind, TokenOwner};
use vigie_event::TenantSlug;
use vigie_soc::{Actor, StateStore};

use super::{Global, open_state};

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Create a token; its secret is printed once and stored only as a hash.
    #[command(group(ArgGroup::new("owner").required(true).args(["tenant", "platform", "user"])))]
    Create {
        /// The tenant the token belongs to; its requests see this tenant only.
        #[arg(long)]
        tenant: Option<TenantSlug>,
        /// A platform token: reads across all tenants (cannot ingest).
        #[arg(long)]
        platform: bool,
        /// A user's own token (`vgu_…`): acts as that user on the desk API, with only the
        /// given --permission values and the user's role and tenants as they are at each
        /// request.
        #[arg(long, requires = "permission", conflicts_with = "scope")]
        user: Option<String>,
        /// What a tenant or platform token may do: ingest (send events), read (alerts,
        /// rules), admin.
        #[arg(long, required_unless_present = "user")]
        scope: Option<TokenKind>,
        /// A permission of a user token (repeat): read_desk, triage_alerts, work_incidents,
        /// comment, manage_suppressions, manage_sla, read_users, manage_users.
        #[arg(long, requires = "user")]
        permission: Vec<Permission>,
        /// A note to recognise the token by, e.g. the sending host.
        #[arg(long, default_value = "")]
        label: String,
        /// The source type of every event sent with this ingest token (`aws.cloudtrail`,
        /// `linux.auditd`, ...), unless a request declares its own (docs/sources.md).
        #[arg(long, value_parser = super::parse_source_type, conflicts_with = "user")]
        source_type: Option<vigie_parse::SourceType>,
    },
    /// List tokens (never their secrets); with --user, that user's own tokens.
    List {
        /// List this user's own tokens instead.
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by id; requests with it fail from now on.
    Revoke {
        /// The token id shown by `vigie token list`.
        id: i64,
        /// The id is one of this user's own tokens.
        #[arg(long)]
        user: Option<String>,
    },
}

/// The id of a user, by login name.
async fn user_id(store: &dyn StateStore, username: &str) -> anyhow::Result<vigie_access::UserId> {
    Ok(store
        .login_record(username)
        .await?
        .with_context(|| format!("no user {username:?}; see `vigie user list`"))?
        .user
        .id)
}

pub(crate) async fn run(global: &Global, command: Command) -> anyhow::Result<ExitCode> {
    let config = global.load_config()?;
    let store = open_state(&config).await?;
    let access = Access::new(store.clone());
    let scope = access.operator_scope();
    match command {
        Command::Create {
            user: Some(username),
            permission,
            label,
            ..
        } => {
            let id = user_id(store.as_ref(), &username).await?;
            let label = if label.is_empty() {
                "created by the operator".to_owned()
            } else {
                label
            };
            let created = store
                .create_user_token(
                    &Actor::operator(),
                    id,
                    &NewUserToken {
                        label,
                        permissions: permission,
                        tenants: None,
                        expires_at: None,
                    },
                )
                .await?;
            let names: Vec<&str> = created
                .token
                .permissions
                .iter()
                .map(|p| p.as_str())
                .collect();
            eprintln!(
                "token {} created for user {username}: {}. The secret below is shown once; store it now.",
                created.token.id,
                names.join(", ")
            );
            println!("{}", created.secret);
        }
        Command::Create {
            tenant,
            scope: Some(kind),
            label,
            source_type,
            ..
        } => {
            if source_type.is_some() && kind != TokenKind::Ingest {
                anyhow::bail!("--source-type is for ingest tokens only (this one is {kind})");
            }
            let owner = match &tenant {
                Some(slug) => {
                    let found = store.find_tenant(&scope, slug).await?.with_context(|| {
                        format!("no tenant {slug}; add it with `vigie tenant add {slug}`")
                    })?;
                    TokenOwner::Tenant(found.id)
                }
                None => TokenOwner::Platform,
            };
            let token = store
                .create_token_declaring(
                    owner,
                    kind,
                    &label,
                    source_type.as_ref().map(|t| t.as_str()),
                )
                .await?;
            let owner_text =
                tenant.map_or_else(|| "the platform".to_owned(), |s| format!("tenant {s}"));
            eprintln!(
                "token {} created: scope {kind} for {owner_text}. The secret below is shown once; store it now.",
                token.info.id
            );
            println!("{}", token.secret);
        }
        Command::Create { scope: None, .. } => {
            anyhow::bail!("--scope is needed for a tenant or platform token")
        }
        Command::List {
            user: Some(username),
        } => {
            let id = user_id(store.as_ref(), &username).await?;
            println!(
                "{:<6} {:<8} {:<24} {:<40} LABEL",
                "ID", "REVOKED", "CREATED", "PERMISSIONS"
            );
            for t in store.list_user_tokens(id).await? {
                let names: Vec<&str> = t.permissions.iter().map(|p| p.as_str()).collect();
                println!(
                    "{:<6} {:<8} {:<24} {:<40} {}",
                    t.id,
                    t.revoked,
                    t.created_at,
                    names.join(","),
                    t.label
                );
            }
        }
        Command::Revoke {
            id,
            user: Some(username),
        } => {
            let owner = user_id(store.as_ref(), &username).await?;
            if !store
                .revoke_user_token(&Actor::operator(), owner, vigie_access::UserTokenId(id))
                .await?
            {
                anyhow::bail!("user {username} has no token with id {id}");
            }
            println!("token {id} of user {username} revoked");
        }
        Command::List { user: None } => {
            println!(
                "{:<6} {:<10} {:<10} {:<8} {:<24} {:<20} LABEL",
                "ID", "OWNER", "SCOPE", "REVOKED", "CREATED", "SOURCE TYPE"
            );
            for t in store.list_tokens(&scope).await? {
                let owner = match t.owner {
                    TokenOwner::Tenant(id) => format!("tenant {id}"),
                    TokenOwner::Platform => "platform".to_owned(),
                };
                println!(
                    "{:<6} {:<10} {:<10} {:<8} {:<24} {:<20} {}",
                    t.id,
                    owner,
                    t.kind,
                    t.revoked,
                    t.created_at,
                    t.source_type.as_deref().unwrap_or("-"),
                    t.label
                );
            }
        }
        Command::Revoke { id, user: None } => {
            if store
                .revoke_token(&scope, vigie_access::TokenId(id))
                .await?
            {
                println!("token {id} revoked");
            } else {
                anyhow::bail!("no token with id {id}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
