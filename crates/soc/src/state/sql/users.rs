//! User management beyond creation (role, tenants, password, disable) under a
//! [`UserAuthority`], and API tokens owned by a user. Every change and its audit entry are one
//! writing transaction.
//!
//! Users, their tenant assignments, sessions and user tokens are the platform's identity
//! records, not one tenant's data: a SOC analyst works for several tenants and a platform
//! admin for none. They carry no row-level security on PostgreSQL; every read of them that a
//! tenant-scoped caller makes filters by the scope in its SQL (`users_query`,
//! `managed_users_query`), which the conformance suite checks on both engines.

use serde_json::json;
use sqlx::AnyConnection;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use vigie_access::{TenantScope, UserId, UserTokenId};

use super::desk::{USER_SELECT, append_audit, invalid, not_found, tenant_exists_in, user_from_row};
use super::{CrossTenant, Reach, SqlStore, get, now, now_us, returned_id, timestamp};
use crate::SocError;
use vigie_access::audit::AuditRecord;
use vigie_access::password;
use vigie_access::token::{
    CreatedUserToken, NewUserToken, UserTokenInfo, generate_user_secret, hash_secret,
};
use vigie_access::{Actor, Role, User, UserAuthority, UserPatch};

/// The token columns, aliased so they never clash with the user columns they are joined to.
const TOKEN_COLUMNS: &str = "k.id AS tk_id, k.user_id AS tk_user, k.label AS tk_label, \
    k.permissions AS tk_permissions, k.tenants AS tk_tenants, k.created_at AS tk_created, \
    k.expires_at AS tk_expires, k.revoked_at AS tk_revoked";

fn token_from_row(row: &AnyRow) -> Result<UserTokenInfo, SocError> {
    let corrupt = |detail: String| SocError::Corrupt {
        what: "user token",
        detail,
    };
    let permissions: String = get(row, "tk_permissions")?;
    let tenants: Option<String> = get(row, "tk_tenants")?;
    let expires: Option<i64> = get(row, "tk_expires")?;
    let revoked: Option<i64> = get(row, "tk_revoked")?;
    Ok(UserTokenInfo {
        id: UserTokenId(get(row, "tk_id")?),
        user_id: UserId(get(row, "tk_user")?),
        label: get(row, "tk_label")?,
        permissions: serde_json::from_str(&permissions).map_err(|e| corrupt(e.to_string()))?,
        tenants: tenants
            .map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| corrupt(e.to_string()))?,
        created_at: timestamp("user token created_at", get(row, "tk_created")?)?,
        expires_at: expires
            .map(|e| timestamp("user token expires_at", e))
            .transpose()?,
        revoked: revoked.is_some(),
    })
}

/// Ends every open session of a user; returns how many.
async fn end_sessions(conn: &mut AnyConnection, user: UserId, at: i64) -> Result<u64, SocError> {
    Ok(
        sqlx::query("UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL")
            .bind(at)
            .bind(user.0)
            .execute(&mut *conn)
            .await
            .map_err(SocError::storage("ending sessions"))?
            .rows_affected(),
    )
}

impl SqlStore {
    pub(super) async fn users_update(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        authority: UserAuthority,
        id: UserId,
        patch: &UserPatch,
    ) -> Result<Option<User>, SocError> {
        if patch.role.is_none()
            && patch.tenants.is_none()
            && patch.disabled.is_none()
            && patch.password.is_none()
        {
            return Err(invalid("user change", "nothing to change"));
        }
        if let Some(password) = &patch.password {
            vigie_access::limits::check_new_password(password)?;
        }
        if let Some(role) = patch.role {
            authority.check_grant(role)?;
        }
        if patch.tenants.is_some() && authority == UserAuthority::TenantRoles {
            return Err(invalid(
                "tenants",
                "a tenant_admin may not move users between tenants",
            ));
        }
        let phc = match &patch.password {
            Some(p) => Some(password::hash_password(p).await?),
            None => None,
        };
        let context = "changing a user";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let mut qb = Self::managed_users_query(scope);
        qb.push(" AND u.id = ").bind(id.0);
        if authority == UserAuthority::TenantRoles {
            // Anyone else (SOC staff working for the tenant) is not this manager's to see.
            qb.push(" AND u.role IN ('tenant_admin', 'tenant_user')");
        }
        let Some(row) = qb.fetch_optional(&mut tx, context).await? else {
            return Ok(None);
        };
        let mut user = user_from_row(&row)?;
        let mut changes = serde_json::Map::new();
        let at = now_us();
        let mut sessions_ended = 0;
        let role = patch.role.unwrap_or(user.role);
        let tenants = match &patch.tenants {
            Some(t) => {
                let mut t = t.clone();
                t.sort();
                t.dedup();
                for tenant in &t {
                    if !tenant_exists_in(&mut tx, scope, *tenant).await? {
                        return Err(not_found("tenant", tenant));
                    }
                }
                t
            }
            None => user.tenants.clone(),
        };
        if patch.role.is_some() || patch.tenants.is_some() {
            role.check_tenants(&tenants, scope)?;
        }
        if role != user.role {
            sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                .bind(role.as_str())
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(SocError::storage(context))?;
            changes.insert("role".into(), json!({"from": user.role, "to": role}));
            user.role = role;
        }
        if tenants != user.tenants {
            sqlx::query("DELETE FROM user_tenants WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(SocError::storage(context))?;
            for tenant in &tenants {
                sqlx::query("INSERT INTO user_tenants (user_id, tenant_id) VALUES ($1, $2)")
                    .bind(id.0)
                    .bind(tenant.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(SocError::storage(context))?;
            }
            changes.insert(
                "tenants".into(),
                json!({"from": user.tenants, "to": tenants}),
            );
            user.tenants = tenants;
        }
        if let Some(phc) = phc {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(phc)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(SocError::storage(context))?;
            sessions_ended += end_sessions(&mut tx, id, at).await?;
            let revoked = sqlx::query(
                "UPDATE user_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(at)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?
            .rows_affected();
            changes.insert(
                "password".into(),
                json!({"reset": true, "tokens_revoked": revoked}),
            );
        }
        if let Some(disabled) = patch.disabled.filter(|d| *d != user.disabled) {
            sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
                .bind(disabled.then_some(at))
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(SocError::storage(context))?;
            if disabled {
                sessions_ended += end_sessions(&mut tx, id, at).await?;
            }
            changes.insert("disabled".into(), json!(disabled));
            user.disabled = disabled;
        }
        if !changes.is_empty() {
            let action = match (changes.len(), patch.disabled) {
                (1, Some(true)) if changes.contains_key("disabled") => "user.disable",
                (1, Some(false)) if changes.contains_key("disabled") => "user.enable",
                _ => "user.update",
            };
            changes.insert("id".into(), json!(id));
            changes.insert("sessions_ended".into(), json!(sessions_ended));
            append_audit(
                &mut tx,
                &AuditRecord::new(
                    &actor.0,
                    user.tenants.first().copied(),
                    action,
                    format!("user:{}", user.username),
                    serde_json::Value::Object(changes),
                ),
            )
            .await?;
        }
        tx.commit(context).await?;
        Ok(Some(Self::scoped_user(scope, user)))
    }

    pub(super) async fn users_create_token(
        &self,
        actor: &Actor,
        user_id: UserId,
        new: &NewUserToken,
    ) -> Result<CreatedUserToken, SocError> {
        new.check()?;
        let label = new.label.trim();
        if new.permissions.is_empty() {
            return Err(invalid("permissions", "at least one permission is needed"));
        }
        let created = now();
        if let Some(expires) = new.expires_at
            && expires <= created
        {
            return Err(invalid(
                "expires_at",
                format!("{expires} is not in the future"),
            ));
        }
        let context = "creating a user token";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Identity), context)
            .await?;
        let row = sqlx::query(AssertSqlSafe(format!("{USER_SELECT} WHERE u.id = $1")))
            .bind(user_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(SocError::storage(context))?
            .ok_or_else(|| not_found("user", user_id))?;
        let user = user_from_row(&row)?;
        if user.disabled {
            return Err(not_found("user", user_id));
        }
        let mut permissions = new.permissions.clone();
        permissions.sort();
        permissions.dedup();
        if let Some(p) = permissions.iter().find(|p| !user.role.may(**p)) {
            return Err(invalid(
                "permissions",
                format!("a {} may not {p}, so its token may not either", user.role),
            ));
        }
        let tenants = match &new.tenants {
            None => None,
            Some(list) => {
                let mut list = list.clone();
                list.sort();
                list.dedup();
                if list.is_empty() {
                    return Err(invalid("tenants", "an empty list would allow nothing"));
                }
                for tenant in &list {
                    let known = if user.role == Role::PlatformAdmin {
                        sqlx::query("SELECT 1 FROM tenants WHERE id = $1")
                            .bind(tenant.0)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(SocError::storage(context))?
                            .is_some()
                    } else {
                        user.tenants.contains(tenant)
                    };
                    if !known {
                        return Err(not_found("tenant", tenant));
                    }
                }
                Some(list)
            }
        };
        let secret = generate_user_secret();
        let permissions_json = serde_json::to_string(&permissions)
            .map_err(|e| invalid("permissions", e.to_string()))?;
        let tenants_json = tenants
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| invalid("tenants", e.to_string()))?;
        let row = sqlx::query(
            "INSERT INTO user_tokens (user_id, label, secret_hash, permissions, tenants,
                                      created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(user_id.0)
        .bind(label)
        .bind(&hash_secret(&secret)[..])
        .bind(&permissions_json)
        .bind(tenants_json)
        .bind(created.as_microsecond())
        .bind(new.expires_at.map(|e| e.as_microsecond()))
        .fetch_one(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        let id = returned_id(&row)?;
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                user.tenants.first().copied(),
                "user_token.create",
                format!("user:{}", user.username),
                json!({"token": id, "label": label, "permissions": permissions,
                       "tenants": tenants, "expires_at": new.expires_at}),
            ),
        )
        .await?;
        tx.commit(context).await?;
        Ok(CreatedUserToken {
            token: UserTokenInfo {
                id: vigie_access::UserTokenId(id),
                user_id,
                label: label.to_owned(),
                permissions,
                tenants,
                created_at: created,
                expires_at: new.expires_at,
                revoked: false,
            },
            secret,
        })
    }

    pub(super) async fn users_list_tokens(
        &self,
        user_id: UserId,
    ) -> Result<Vec<UserTokenInfo>, SocError> {
        let context = "listing user tokens";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Identity), context)
            .await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM user_tokens k WHERE k.user_id = $1 ORDER BY k.id"
        )))
        .bind(user_id.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        rows.iter().map(token_from_row).collect()
    }

    pub(super) async fn users_revoke_token(
        &self,
        actor: &Actor,
        user_id: UserId,
        id: UserTokenId,
    ) -> Result<bool, SocError> {
        let context = "revoking a user token";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Identity), context)
            .await?;
        let row = sqlx::query(
            "SELECT k.revoked_at, u.username FROM user_tokens k JOIN users u ON u.id = k.user_id
             WHERE k.id = $1 AND k.user_id = $2",
        )
        .bind(id.0)
        .bind(user_id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        let Some(row) = row else {
            return Ok(false);
        };
        let revoked: Option<i64> = get(&row, "revoked_at")?;
        if revoked.is_none() {
            sqlx::query("UPDATE user_tokens SET revoked_at = $1 WHERE id = $2")
                .bind(now_us())
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(SocError::storage(context))?;
            let username: String = get(&row, "username")?;
            append_audit(
                &mut tx,
                &AuditRecord::new(
                    &actor.0,
                    None,
                    "user_token.revoke",
                    format!("user:{username}"),
                    json!({"token": id}),
                ),
            )
            .await?;
        }
        tx.commit(context).await?;
        Ok(true)
    }

    pub(super) async fn users_token_by_hash(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<(UserTokenInfo, User)>, SocError> {
        let context = "looking a user token up";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Access), context)
            .await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS}, x.* FROM user_tokens k
             JOIN ({USER_SELECT}) x ON x.id = k.user_id WHERE k.secret_hash = $1"
        )))
        .bind(&hash[..])
        .fetch_optional(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let token = token_from_row(&row)?;
        Ok(Some((token, user_from_row(&row)?)))
    }
}
