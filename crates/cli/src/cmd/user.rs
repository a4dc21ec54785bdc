//! `vigie user add|list|disable|enable|update`: run by the operator on the server's machine, against
//! the state database of the data directory. Every change is in the audit log (actor
//! `operator`); disabling a user ends its sessions at once.

use std::io::BufRead;
use std::process::ExitCode;
use vigie_soc::prelude::*;

use anyhow::Context;
use clap::Subcommand;
use vigie_access::Access;
use vigie_access::Role;
use vigie_access::{NewUser, UserAuthority, UserPatch};
use vigie_event::TenantSlug;
use vigie_soc::{Actor, StateStore};

use super::{Global, open_state};

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Add a user. Without --password-stdin a random password is generated and shown once.
    Add {
        /// Login name.
        username: String,
        /// platform_admin, soc_lead, analyst, detection_engineer, tenant_admin or tenant_user.
        #[arg(long)]
        role: Role,
        /// A tenant the user works for (repeat for several; exactly one for tenant roles,
        /// none for platform_admin).
        #[arg(long = "tenant")]
        tenants: Vec<TenantSlug>,
        /// Read the password from the first line of standard input (at least 12 characters).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List every user.
    List,
    /// Disable a user and end its sessions.
    Disable {
        /// Login name.
        username: String,
    },
    /// Enable a disabled user again.
    Enable {
        /// Login name.
        username: String,
    },
    /// Change a user's role, tenants or password. Takes effect on the user's next request
    /// (sessions and API tokens included); a new password ends its sessions and revokes its
    /// API tokens.
    Update {
        /// Login name.
        username: String,
        /// The new role.
        #[arg(long)]
        role: Option<Role>,
        /// The new tenant set, replacing the old one (repeat for several).
        #[arg(long = "tenant")]
        tenants: Vec<TenantSlug>,
        /// Read a new password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..24)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

pub(crate) async fn run(global: &Global, command: Command) -> anyhow::Result<ExitCode> {
    let config = global.load_config()?;
    let store = open_state(&config).await?;
    let scope = Access::new(store.clone()).operator_scope();
    match command {
        Command::Add {
            username,
            role,
            tenants,
            password_stdin,
        } => {
            let mut ids = Vec::new();
            for slug in &tenants {
                let tenant = store
                    .find_tenant(&scope, slug)
                    .await?
                    .with_context(|| format!("no tenant {slug}; add it with `vigie tenant add`"))?;
                ids.push(tenant.id);
            }
            let (password, generated) = if password_stdin {
                (read_password()?, false)
            } else {
                (random_password(), true)
            };
            let user = store
                .add_user(
                    &Actor::operator(),
                    &scope,
                    &NewUser {
                        username,
                        password: password.clone(),
                        role,
                        tenants: ids,
                    },
                )
                .await?;
            println!(
                "user {} added (id {}, role {})",
                user.username, user.id, user.role
            );
            if generated {
                println!("  password: {password}");
                println!("  (shown once; store it now)");
            }
        }
        Command::List => {
            let tenants = store.list_tenants(&scope).await?;
            let slug = |id| {
                tenants
                    .iter()
                    .find(|t| t.id == id)
                    .map_or_else(|| id.to_string(), |t| t.slug.to_string())
            };
            println!(
                "{:<6} {:<24} {:<20} {:<9} TENANTS",
                "ID", "USERNAME", "ROLE", "STATE"
            );
            for u in store.list_users(&scope).await? {
                let names: Vec<String> = u.tenants.iter().map(|t| slug(*t)).collect();
                println!(
                    "{:<6} {:<24} {:<20} {:<9} {}",
                    u.id,
                    u.username,
                    u.role,
                    if u.disabled { "disabled" } else { "active" },
                    if u.role == Role::PlatformAdmin {
                        "(all)".to_owned()
                    } else {
                        names.join(",")
                    }
                );
            }
        }
        Command::Update {
            username,
            role,
            tenants,
            password_stdin,
        } => {
            let user = store
                .login_record(&username)
                .await?
                .with_context(|| format!("no user {username:?}"))?
                .user;
            let mut ids = Vec::new();
            for slug in &tenants {
                let tenant = store
                    .find_tenant(&scope, slug)
                    .await?
                    .with_context(|| format!("no tenant {slug}; add it with `vigie tenant add`"))?;
                ids.push(tenant.id);
            }
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let patch = UserPatch {
                role,
                tenants: (!tenants.is_empty()).then_some(ids),
                disabled: None,
                password,
            };
            let after = store
                .update_user(
                    &Actor::operator(),
                    &scope,
                    UserAuthority::All,
                    user.id,
                    &patch,
                )
                .await?
                .with_context(|| format!("no user {username:?}"))?;
            println!(
                "user {} updated: role {}, {} tenant(s)",
                after.username,
                after.role,
                after.tenants.len()
            );
        }
        Command::Disable { username } => {
            set_disabled(store.as_ref(), &scope, &username, true).await?
        }
        Command::Enable { username } => {
            set_disabled(store.as_ref(), &scope, &username, false).await?
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn set_disabled(
    store: &dyn StateStore,
    scope: &vigie_access::TenantScope,
    username: &str,
    disabled: bool,
) -> anyhow::Result<()> {
    let user = store
        .login_record(username)
        .await?
        .with_context(|| format!("no user {username:?}"))?
        .user;
    store
        .set_user_disabled(&Actor::operator(), scope, user.id, disabled)
        .await?
        .with_context(|| format!("no user {username:?}"))?;
    println!(
        "user {username} {}",
        if disabled {
            "disabled; its sessions are ended"
        } else {
            "enabled"
        }
    );
    Ok(())
}
