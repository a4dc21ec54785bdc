//! The SOC desk: users, sessions, audit chain, alert triage, suppressions, incidents and
//! SLA. Every mutation runs in one writing transaction together with its audit entry, so the
//! chain has exactly one entry per committed change.

use jiff::Timestamp;
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use vigie_access::{Audience, TenantScope, UserId};
use vigie_event::{Severity, TenantId, TenantSlug};

use super::build::Sql;
use super::{
    CrossTenant, Dialect, Reach, SqlStore, Tx, alert_from_row, get, is_unique_violation, now,
    now_us, rank, returned_id, severity, timestamp,
};
use crate::SocError;
use crate::alert::{Alert, Page};
use crate::desk::{
    AlertAction, AlertStatus, Comment, CommentId, CommentKind, Incident, IncidentDetail,
    IncidentFilter, IncidentId, IncidentPage, IncidentPatch, IncidentSort, IncidentStatus,
    NewComment, NewIncident, NewSuppression, Observable, Question, RuleStats, SlaBreach,
    SlaSummaryRow, Suppression, SuppressionId, Task, TaskId, TimelineEntry, Tlp, Visibility,
    check_rsit, extract_observables,
};
use crate::limits;
use crate::sla::{self, Pause, SlaContract};
use vigie_access::audit::{AuditEntry, AuditRecord, GENESIS};
use vigie_access::password;
use vigie_access::{
    Actor, LoginRecord, NewUser, Role, RoleError, SessionRecord, User, UserAuthority,
};

/// The alert columns every alert read selects (`a` = alerts, `t` = tenants).
pub(super) const ALERT_COLUMNS: &str = "a.id, a.tenant_id, t.slug, a.rule_id, a.rule_title, \
    a.severity, a.event_id, a.event_received_at, a.created_at, a.event, a.group_key, a.count, \
    a.first_seen, a.last_seen, a.status, a.status_reason, a.incident_id";

const INCIDENT_COLUMNS: &str = "i.id, i.tenant_id, t.slug, i.title, i.status, i.severity, \
    i.rsit_class, i.rsit_type, i.tlp, i.assignee_id, i.created_at, i.updated_at, \
    i.acknowledged_at, i.resolved_at, i.closed_at, i.merged_into";

/// A user and the ids of its tenants, comma-separated (`string_agg`: PostgreSQL, and SQLite
/// since 3.44).
pub(super) const USER_SELECT: &str = "SELECT u.id, u.username, u.role, u.created_at, \
    u.disabled_at, u.password_hash, (SELECT string_agg(CAST(ut.tenant_id AS TEXT), ',') \
    FROM user_tenants ut WHERE ut.user_id = u.id) AS tenants FROM users u";

fn corrupt(what: &'static str) -> impl Fn(String) -> SocError {
    move |detail| SocError::Corrupt { what, detail }
}

pub(super) fn invalid(what: &'static str, message: impl Into<String>) -> SocError {
    SocError::InvalidValue {
        what,
        message: message.into(),
    }
}

pub(super) fn not_found(what: &'static str, value: impl ToString) -> SocError {
    SocError::NotFound {
        what,
        value: value.to_string(),
    }
}

/// Appends `record` to the audit chain inside the caller's writing transaction.
///
/// The chain rule ([`AuditEntry::chain`]) is the same on both engines; what differs is where
/// the head is read while other writers wait. On SQLite the transaction already holds the
/// database's write lock (`BEGIN IMMEDIATE`) and the head is the last row. On PostgreSQL the
/// head is the one row of `audit_head`, locked `FOR UPDATE` until commit: writers on every
/// node queue there, so the chain stays one chain, and row-level security (which hides other
/// tenants' entries from a tenant-scoped transaction) cannot hide the head.
pub(super) async fn append_audit(
    tx: &mut Tx,
    record: &AuditRecord,
) -> Result<AuditEntry, SocError> {
    let context = "appending to the audit log";
    let head_sql = match tx.dialect {
        Dialect::Sqlite => "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        Dialect::Postgres => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
    };
    let head = sqlx::query(head_sql)
        .fetch_optional(&mut **tx)
        .await
        .map_err(SocError::storage(context))?;
    let prev = match head {
        Some(row) => {
            let hash: Vec<u8> = get(&row, "hash")?;
            let hash: [u8; 32] = hash
                .try_into()
                .map_err(|_| corrupt("audit hash")("not 32 bytes".into()))?;
            (get::<i64>(&row, "seq")?, hash)
        }
        None => (0, GENESIS),
    };
    let entry = AuditEntry::chain(prev, now_us().max(0), record);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, tenant_id, action, object, payload,
                                payload_hash, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(entry.seq)
    .bind(entry.at_us)
    .bind(&entry.actor)
    .bind(entry.tenant)
    .bind(&entry.action)
    .bind(&entry.object)
    .bind(&entry.payload)
    .bind(&entry.payload_hash[..])
    .bind(&entry.prev_hash[..])
    .bind(&entry.hash[..])
    .execute(&mut **tx)
    .await
    .map_err(SocError::storage(context))?;
    if tx.dialect == Dialect::Postgres {
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(entry.seq)
            .bind(&entry.hash[..])
            .execute(&mut **tx)
            .await
            .map_err(SocError::storage(context))?;
    }
    Ok(entry)
}

fn audit_from_row(row: &AnyRow) -> Result<AuditEntry, SocError> {
    let arr = |v: Vec<u8>| -> [u8; 32] {
        // A wrong length decodes to zeros so verification reports the entry, not the reader.
        <[u8; 32]>::try_from(v.as_slice()).unwrap_or([0xff; 32])
    };
    Ok(AuditEntry {
        seq: get(row, "seq")?,
        at_us: get(row, "at")?,
        actor: get(row, "actor")?,
        tenant: get(row, "tenant_id")?,
        action: get(row, "action")?,
        object: get(row, "object")?,
        payload: get(row, "payload")?,
        payload_hash: arr(get(row, "payload_hash")?),
        prev_hash: arr(get(row, "prev_hash")?),
        hash: arr(get(row, "hash")?),
    })
}

pub(super) fn user_from_row(row: &AnyRow) -> Result<User, SocError> {
    let role: String = get(row, "role")?;
    let tenants: Option<String> = get(row, "tenants")?;
    let mut tenants: Vec<TenantId> = tenants
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>().map(TenantId))
        .collect::<Result<_, _>>()
        .map_err(|e| corrupt("user tenants")(e.to_string()))?;
    tenants.sort();
    let disabled: Option<i64> = get(row, "disabled_at")?;
    Ok(User {
        id: UserId(get(row, "id")?),
        username: get(row, "username")?,
        role: role
            .parse()
            .map_err(|e: RoleError| corrupt("user role")(e.to_string()))?,
        tenants,
        disabled: disabled.is_some(),
        created_at: timestamp("user created_at", get(row, "created_at")?)?,
    })
}

fn opt_ts(what: &'static str, v: Option<i64>) -> Result<Option<Timestamp>, SocError> {
    v.map(|v| timestamp(what, v)).transpose()
}

pub(super) fn incident_from_row(row: &AnyRow) -> Result<Incident, SocError> {
    let slug: String = get(row, "slug")?;
    let status: String = get(row, "status")?;
    let tlp: String = get(row, "tlp")?;
    Ok(Incident {
        id: IncidentId(get(row, "id")?),
        tenant: TenantId(get(row, "tenant_id")?),
        tenant_slug: TenantSlug::new(slug).map_err(|e| corrupt("tenant slug")(e.to_string()))?,
        title: get(row, "title")?,
        status: status.parse().map_err(corrupt("incident status"))?,
        severity: severity("incident severity", get(row, "severity")?)?,
        rsit_class: get(row, "rsit_class")?,
        rsit_type: get(row, "rsit_type")?,
        tlp: tlp.parse().map_err(corrupt("incident tlp"))?,
        assignee: get::<Option<i64>>(row, "assignee_id")?.map(UserId),
        created_at: timestamp("incident created_at", get(row, "created_at")?)?,
        updated_at: timestamp("incident updated_at", get(row, "updated_at")?)?,
        acknowledged_at: opt_ts("incident acknowledged_at", get(row, "acknowledged_at")?)?,
        resolved_at: opt_ts("incident resolved_at", get(row, "resolved_at")?)?,
        closed_at: opt_ts("incident closed_at", get(row, "closed_at")?)?,
        merged_into: get::<Option<i64>>(row, "merged_into")?.map(IncidentId),
    })
}

fn suppression_from_row(row: &AnyRow) -> Result<Suppression, SocError> {
    Ok(Suppression {
        id: SuppressionId(get(row, "id")?),
        tenant: TenantId(get(row, "tenant_id")?),
        rule_id: get(row, "rule_id")?,
        group_key: get(row, "group_key")?,
        reason: get(row, "reason")?,
        created_by: get(row, "created_by")?,
        created_at: timestamp("suppression created_at", get(row, "created_at")?)?,
        expires_at: timestamp("suppression expires_at", get(row, "expires_at")?)?,
        hits: get(row, "hits")?,
    })
}

fn contract_from_row(row: &AnyRow) -> Result<SlaContract, SocError> {
    let calendar: String = get(row, "calendar")?;
    let targets: String = get(row, "targets")?;
    Ok(SlaContract {
        calendar: sla::Calendar::parse(&calendar)
            .ok_or_else(|| corrupt("sla calendar")(calendar.clone()))?,
        targets: serde_json::from_str(&targets)
            .map_err(|e| corrupt("sla targets")(e.to_string()))?,
        warn_ratio: get(row, "warn_ratio")?,
    })
}

/// The incident cursor: `(severity, created_at, id)` of the last row, hex of text.
fn encode_incident_cursor(i: &Incident) -> String {
    hex::encode(format!(
        "{}:{}:{}",
        i.severity.rank(),
        i.created_at.as_microsecond(),
        i.id
    ))
}

fn decode_incident_cursor(text: &str) -> Result<(i64, i64, i64), SocError> {
    let bad = || SocError::InvalidCursor(text.to_owned());
    let plain = String::from_utf8(hex::decode(text).map_err(|_| bad())?).map_err(|_| bad())?;
    let mut parts = plain.split(':').map(str::parse::<i64>);
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(Ok(s)), Some(Ok(c)), Some(Ok(i)), None) => Ok((s, c, i)),
        _ => Err(bad()),
    }
}

/// The incident `id` if it is in `scope`, read inside a transaction.
async fn incident_in(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: IncidentId,
) -> Result<Option<Incident>, SocError> {
    let mut qb = Sql::new(format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents i JOIN tenants t ON t.id = i.tenant_id WHERE "
    ));
    qb.scope(scope, "i.tenant_id");
    qb.push(" AND i.id = ").bind(id.0);
    let row = qb.fetch_optional(&mut *conn, "reading an incident").await?;
    row.as_ref().map(incident_from_row).transpose()
}

async fn alert_in(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<Option<Alert>, SocError> {
    let mut qb = Sql::new(format!(
        "SELECT {ALERT_COLUMNS} FROM alerts a JOIN tenants t ON t.id = a.tenant_id WHERE "
    ));
    qb.scope(scope, "a.tenant_id");
    qb.push(" AND a.id = ").bind(id.to_owned());
    let row = qb.fetch_optional(&mut *conn, "reading an alert").await?;
    row.as_ref().map(alert_from_row).transpose()
}

pub(super) async fn tenant_exists_in(
    conn: &mut AnyConnection,
    scope: &TenantScope,
    tenant: TenantId,
) -> Result<bool, SocError> {
    if !scope.contains(tenant) {
        return Ok(false);
    }
    Ok(sqlx::query("SELECT 1 FROM tenants WHERE id = $1")
        .bind(tenant.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(SocError::storage("finding a tenant"))?
        .is_some())
}

async fn timeline(
    conn: &mut AnyConnection,
    incident: IncidentId,
    actor: &Actor,
    kind: &str,
    detail: serde_json::Value,
) -> Result<(), SocError> {
    timeline_at(conn, incident, actor, kind, detail, now_us()).await
}

/// Which incidents' SLA clocks [`SqlStore::desk_open_clocks`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Clocks {
    /// Those whose breaches may still need recording.
    Unrecorded,
    /// The open (not yet resolved) incidents.
    Open,
}

pub(super) async fn timeline_at(
    conn: &mut AnyConnection,
    incident: IncidentId,
    actor: &Actor,
    kind: &str,
    detail: serde_json::Value,
    at_us: i64,
) -> Result<(), SocError> {
    sqlx::query(
        "INSERT INTO timeline (incident_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(incident.0)
    .bind(at_us)
    .bind(&actor.0)
    .bind(kind)
    .bind(detail.to_string())
    .execute(&mut *conn)
    .await
    .map_err(SocError::storage("writing the timeline"))?;
    Ok(())
}

async fn bump_rule_stat(
    conn: &mut AnyConnection,
    tenant: TenantId,
    rule_id: &str,
    column: &'static str,
) -> Result<(), SocError> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO rule_stats (tenant_id, rule_id, {column}) VALUES ($1, $2, 1)
         ON CONFLICT (tenant_id, rule_id) DO UPDATE SET {column} = rule_stats.{column} + 1"
    )))
    .bind(tenant.0)
    .bind(rule_id)
    .execute(&mut *conn)
    .await
    .map_err(SocError::storage("updating rule statistics"))?;
    Ok(())
}

struct IncidentFields<'a> {
    tenant: TenantId,
    title: &'a str,
    severity: Severity,
    rsit_class: Option<&'a str>,
    rsit_type: Option<&'a str>,
    tlp: Tlp,
}

async fn insert_incident(
    conn: &mut AnyConnection,
    actor: &Actor,
    f: &IncidentFields<'_>,
) -> Result<IncidentId, SocError> {
    let title = f.title.trim();
    limits::INCIDENT_TITLE.check(title)?;
    check_rsit(f.rsit_class, f.rsit_type).map_err(|m| invalid("RSIT classification", m))?;
    let at = now_us();
    let row = sqlx::query(
        "INSERT INTO incidents (tenant_id, title, status, severity, rsit_class, rsit_type, tlp,
                                created_at, updated_at)
         VALUES ($1, $2, 'new', $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(f.tenant.0)
    .bind(title)
    .bind(rank(f.severity))
    .bind(f.rsit_class)
    .bind(f.rsit_type)
    .bind(f.tlp.as_str())
    .bind(at)
    .bind(at)
    .fetch_one(&mut *conn)
    .await
    .map_err(SocError::storage("creating an incident"))?;
    let id = IncidentId(returned_id(&row)?);
    timeline(
        conn,
        id,
        actor,
        "created",
        json!({"title": title, "severity": f.severity, "tlp": f.tlp.as_str()}),
    )
    .await?;
    Ok(id)
}

/// Links an alert (already checked to be of the incident's tenant) and extracts its
/// observables.
async fn link_alert(
    conn: &mut AnyConnection,
    actor: &Actor,
    incident: IncidentId,
    alert: &Alert,
) -> Result<(), SocError> {
    let context = "linking an alert";
    sqlx::query("UPDATE alerts SET incident_id = $1, status = 'escalated' WHERE id = $2")
        .bind(incident.0)
        .bind(&alert.id)
        .execute(&mut *conn)
        .await
        .map_err(SocError::storage(context))?;
    add_observables(conn, incident, &extract_observables(&alert.event)).await?;
    timeline(
        conn,
        incident,
        actor,
        "alert_linked",
        json!({"alert": alert.id, "rule": alert.rule_id}),
    )
    .await
}

async fn add_observables(
    conn: &mut AnyConnection,
    incident: IncidentId,
    observables: &[Observable],
) -> Result<(), SocError> {
    for obs in observables {
        sqlx::query(
            "INSERT INTO observables (incident_id, kind, value) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(incident.0)
        .bind(&obs.kind)
        .bind(&obs.value)
        .execute(&mut *conn)
        .await
        .map_err(SocError::storage("adding observables"))?;
    }
    Ok(())
}

/// A password a user may be given: at least 12 characters, at most 1024 bytes.
impl SqlStore {
    pub(super) async fn desk_add_user(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        authority: UserAuthority,
        new: &NewUser,
    ) -> Result<User, SocError> {
        new.check()?;
        let mut tenants = new.tenants.clone();
        tenants.sort();
        tenants.dedup();
        authority.check_grant(new.role)?;
        new.role.check_tenants(&tenants, scope)?;
        let phc = password::hash_password(&new.password).await?;
        let context = "creating a user";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        for tenant in &tenants {
            if !tenant_exists_in(&mut tx, scope, *tenant).await? {
                return Err(not_found("tenant", tenant));
            }
        }
        let created = now();
        let result = sqlx::query(
            "INSERT INTO users (username, password_hash, role, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&new.username)
        .bind(phc)
        .bind(new.role.as_str())
        .bind(created.as_microsecond())
        .fetch_one(&mut *tx)
        .await;
        let id = match result {
            Ok(row) => returned_id(&row)?,
            Err(e) if is_unique_violation(&e) => {
                return Err(SocError::Conflict {
                    what: "user",
                    value: new.username.clone(),
                });
            }
            Err(e) => return Err(SocError::storage(context)(e)),
        };
        for tenant in &tenants {
            sqlx::query("INSERT INTO user_tenants (user_id, tenant_id) VALUES ($1, $2)")
                .bind(id)
                .bind(tenant.0)
                .execute(&mut *tx)
                .await
                .map_err(SocError::storage(context))?;
        }
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                tenants.first().copied(),
                "user.create",
                format!("user:{}", new.username),
                json!({"id": id, "role": new.role, "tenants": tenants}),
            ),
        )
        .await?;
        tx.commit(context).await?;
        Ok(User {
            id: vigie_access::UserId(id),
            username: new.username.clone(),
            role: new.role,
            tenants,
            disabled: false,
            created_at: created,
        })
    }

    pub(super) fn users_query(scope: &TenantScope) -> Sql {
        let mut qb = Sql::new(USER_SELECT);
        qb.push(" WHERE ");
        match scope.tenants() {
            None => {
                qb.push("1 = 1");
            }
            Some(_) => {
                qb.push("EXISTS (SELECT 1 FROM user_tenants ut WHERE ut.user_id = u.id AND ");
                qb.scope(scope, "ut.tenant_id");
                qb.push(")");
            }
        }
        qb
    }

    /// The users a manager working in `scope` may change: [`Self::users_query`] narrowed to
    /// users all of whose tenants are in the scope. A credential narrowed to some tenants (a
    /// platform admin's token limited to one tenant) so never reaches a user who also works
    /// for a tenant outside it, nor a platform admin (who has no tenant list and is visible
    /// in the platform scope only).
    pub(super) fn managed_users_query(scope: &TenantScope) -> Sql {
        let mut qb = Self::users_query(scope);
        if scope.tenants().is_some() {
            qb.push(
                " AND NOT EXISTS (SELECT 1 FROM user_tenants outside WHERE outside.user_id = u.id \
                 AND NOT (",
            );
            qb.scope(scope, "outside.tenant_id");
            qb.push("))");
        }
        qb
    }

    pub(super) fn scoped_user(scope: &TenantScope, mut user: User) -> User {
        // Do not reveal the other tenants of a multi-tenant user.
        user.tenants.retain(|t| scope.contains(*t));
        user
    }

    pub(super) async fn desk_list_users(&self, scope: &TenantScope) -> Result<Vec<User>, SocError> {
        let context = "listing users";
        let mut qb = Self::users_query(scope);
        qb.push(" ORDER BY u.id");
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let rows = qb.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        rows.iter()
            .map(|r| user_from_row(r).map(|u| Self::scoped_user(scope, u)))
            .collect()
    }

    pub(super) async fn desk_get_user(
        &self,
        scope: &TenantScope,
        id: UserId,
    ) -> Result<Option<User>, SocError> {
        let context = "reading a user";
        let mut qb = Self::users_query(scope);
        qb.push(" AND u.id = ").bind(id.0);
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let row = qb.fetch_optional(&mut tx, context).await?;
        tx.commit(context).await?;
        row.as_ref()
            .map(|r| user_from_row(r).map(|u| Self::scoped_user(scope, u)))
            .transpose()
    }

    pub(super) async fn desk_set_user_disabled(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: UserId,
        disabled: bool,
    ) -> Result<Option<User>, SocError> {
        let context = "disabling a user";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let mut qb = Self::managed_users_query(scope);
        qb.push(" AND u.id = ").bind(id.0);
        let Some(row) = qb.fetch_optional(&mut tx, context).await? else {
            return Ok(None);
        };
        let mut user = user_from_row(&row)?;
        let at = now_us();
        sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(disabled.then_some(at))
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        let mut ended = 0;
        if disabled {
            ended = sqlx::query(
                "UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL",
            )
            .bind(at)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?
            .rows_affected();
        }
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                user.tenants.first().copied(),
                if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                },
                format!("user:{}", user.username),
                json!({"id": id, "sessions_ended": ended}),
            ),
        )
        .await?;
        tx.commit(context).await?;
        user.disabled = disabled;
        Ok(Some(Self::scoped_user(scope, user)))
    }

    pub(super) async fn desk_login_record(
        &self,
        username: &str,
    ) -> Result<Option<LoginRecord>, SocError> {
        let context = "looking a user up";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Access), context)
            .await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "{USER_SELECT} WHERE u.username = $1"
        )))
        .bind(username)
        .fetch_optional(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        row.map(|row| {
            Ok(LoginRecord {
                user: user_from_row(&row)?,
                password_hash: get(&row, "password_hash")?,
            })
        })
        .transpose()
    }

    pub(super) async fn desk_create_session(
        &self,
        secret_hash: &[u8; 32],
        user_id: UserId,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<(), SocError> {
        let context = "creating a session";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Access), context)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (secret_hash, user_id, csrf, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&secret_hash[..])
        .bind(user_id.0)
        .bind(csrf)
        .bind(now_us())
        .bind(expires_at.as_microsecond())
        .execute(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        tx.commit(context).await
    }

    pub(super) async fn desk_session(
        &self,
        secret_hash: &[u8; 32],
    ) -> Result<Option<SessionRecord>, SocError> {
        let context = "looking a session up";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Access), context)
            .await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT s.csrf, s.expires_at, s.ended_at, x.* FROM sessions s
             JOIN ({USER_SELECT}) x ON x.id = s.user_id WHERE s.secret_hash = $1"
        )))
        .bind(&secret_hash[..])
        .fetch_optional(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        row.map(|row| {
            let ended: Option<i64> = get(&row, "ended_at")?;
            Ok(SessionRecord {
                user: user_from_row(&row)?,
                csrf: get(&row, "csrf")?,
                expires_at: timestamp("session expires_at", get(&row, "expires_at")?)?,
                ended: ended.is_some(),
            })
        })
        .transpose()
    }

    pub(super) async fn desk_end_session(&self, secret_hash: &[u8; 32]) -> Result<bool, SocError> {
        let context = "ending a session";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Access), context)
            .await?;
        let done = sqlx::query(
            "UPDATE sessions SET ended_at = $1 WHERE secret_hash = $2 AND ended_at IS NULL",
        )
        .bind(now_us())
        .bind(&secret_hash[..])
        .execute(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn desk_audit(&self, record: &AuditRecord) -> Result<(), SocError> {
        let context = "writing an audit entry";
        let mut tx = self
            .write(Reach::Across(CrossTenant::Audit), context)
            .await?;
        append_audit(&mut tx, record).await?;
        tx.commit(context).await
    }

    pub(super) async fn desk_audit_head(&self) -> Result<(i64, [u8; 32]), SocError> {
        let context = "reading the audit head";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Audit), context)
            .await?;
        // The last entry as stored (not `audit_head`): what a checkpoint signs is the chain.
        let row = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        match row {
            None => Ok((0, GENESIS)),
            Some(row) => {
                let hash: Vec<u8> = get(&row, "hash")?;
                Ok((
                    get(&row, "seq")?,
                    hash.try_into()
                        .map_err(|_| corrupt("audit hash")("not 32 bytes".into()))?,
                ))
            }
        }
    }

    pub(super) async fn desk_audit_entries(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, SocError> {
        let context = "reading the audit log";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Audit), context)
            .await?;
        // By seq, as stored: a reordered or re-numbered entry must show up as such.
        let rows = sqlx::query(
            "SELECT seq, at, actor, tenant_id, action, object, payload, payload_hash, prev_hash,
                    hash
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit.clamp(1, 100_000)))
        .fetch_all(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        tx.commit(context).await?;
        rows.iter().map(audit_from_row).collect()
    }

    pub(super) async fn desk_get_alert(
        &self,
        scope: &TenantScope,
        id: &str,
    ) -> Result<Option<Alert>, SocError> {
        let context = "reading an alert";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let alert = alert_in(&mut tx, scope, id).await?;
        tx.commit(context).await?;
        Ok(alert)
    }

    pub(super) async fn desk_alert_action(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: &str,
        action: &AlertAction,
    ) -> Result<Option<Alert>, SocError> {
        let context = "triaging an alert";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let Some(alert) = alert_in(&mut tx, scope, id).await? else {
            return Ok(None);
        };
        let refuse = |what: &str| {
            invalid(
                "alert action",
                format!(
                    "cannot {what} alert {} in status {}",
                    alert.id,
                    alert.status.as_str()
                ),
            )
        };
        let (name, payload) = match action {
            AlertAction::Acknowledge => {
                if alert.status != AlertStatus::New {
                    return Err(refuse("acknowledge"));
                }
                sqlx::query("UPDATE alerts SET status = 'acknowledged' WHERE id = $1")
                    .bind(&alert.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(SocError::storage(context))?;
                bump_rule_stat(&mut tx, alert.tenant, &alert.rule_id, "acknowledged").await?;
                ("alert.acknowledge", json!({}))
            }
            AlertAction::CloseFalsePositive { reason } => {
                limits::FALSE_POSITIVE_REASON.check(reason)?;
                if matches!(
                    alert.status,
                    AlertStatus::FalsePositive | AlertStatus::Escalated
                ) {
                    return Err(refuse("close"));
                }
                sqlx::query(
                    "UPDATE alerts SET status = 'false_positive', status_reason = $1 WHERE id = $2",
                )
                .bind(reason.trim())
                .bind(&alert.id)
                .execute(&mut *tx)
                .await
                .map_err(SocError::storage(context))?;
                bump_rule_stat(&mut tx, alert.tenant, &alert.rule_id, "false_positives").await?;
                ("alert.false_positive", json!({"reason": reason.trim()}))
            }
            AlertAction::Escalate { incident } => {
                if matches!(
                    alert.status,
                    AlertStatus::Escalated | AlertStatus::FalsePositive
                ) {
                    return Err(refuse("escalate"));
                }
                let target = match incident {
                    Some(id) => {
                        let found = incident_in(&mut tx, scope, *id).await?;
                        match found {
                            Some(i) if i.tenant == alert.tenant && i.merged_into.is_none() => i.id,
                            _ => return Err(not_found("incident", id)),
                        }
                    }
                    None => {
                        insert_incident(
                            &mut tx,
                            actor,
                            &IncidentFields {
                                tenant: alert.tenant,
                                title: &alert.rule_title,
                                severity: alert.severity,
                                rsit_class: None,
                                rsit_type: None,
                                tlp: Tlp::Amber,
                            },
                        )
                        .await?
                    }
                };
                link_alert(&mut tx, actor, target, &alert).await?;
                bump_rule_stat(&mut tx, alert.tenant, &alert.rule_id, "escalated").await?;
                ("alert.escalate", json!({"incident": target}))
            }
        };
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                Some(alert.tenant),
                name,
                format!("alert:{}", alert.id),
                payload,
            ),
        )
        .await?;
        let after = alert_in(&mut tx, scope, id).await?;
        tx.commit(context).await?;
        Ok(after)
    }

    pub(super) async fn desk_rule_stats(
        &self,
        scope: &TenantScope,
    ) -> Result<Vec<RuleStats>, SocError> {
        let mut qb = Sql::new(
            "SELECT tenant_id, rule_id, acknowledged, escalated, false_positives FROM rule_stats
             WHERE ",
        );
        qb.scope(scope, "tenant_id");
        qb.push(" ORDER BY tenant_id, rule_id");
        let context = "reading rule statistics";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let rows = qb.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        rows.iter()
            .map(|r| {
                Ok(RuleStats {
                    tenant: TenantId(get(r, "tenant_id")?),
                    rule_id: get(r, "rule_id")?,
                    acknowledged: get(r, "acknowledged")?,
                    escalated: get(r, "escalated")?,
                    false_positives: get(r, "false_positives")?,
                })
            })
            .collect()
    }

    pub(super) async fn desk_add_suppression(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        new: &NewSuppression,
    ) -> Result<Suppression, SocError> {
        new.check()?;
        let created = now();
        if new.expires_at <= created {
            return Err(invalid(
                "suppression expires_at",
                format!("{} is not in the future", new.expires_at),
            ));
        }
        let context = "creating a suppression";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        if !tenant_exists_in(&mut tx, scope, new.tenant).await? {
            return Err(not_found("tenant", new.tenant));
        }
        let row = sqlx::query(
            "INSERT INTO suppressions (tenant_id, rule_id, group_key, reason, created_by,
                                       created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(new.tenant.0)
        .bind(&new.rule_id)
        .bind(new.group_key.as_deref())
        .bind(new.reason.trim())
        .bind(&actor.0)
        .bind(created.as_microsecond())
        .bind(new.expires_at.as_microsecond())
        .fetch_one(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        let id = returned_id(&row)?;
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                Some(new.tenant),
                "suppression.create",
                format!("suppression:{id}"),
                json!({"rule_id": new.rule_id, "group_key": new.group_key,
                       "reason": new.reason.trim(), "expires_at": new.expires_at}),
            ),
        )
        .await?;
        tx.commit(context).await?;
        Ok(Suppression {
            id: SuppressionId(id),
            tenant: new.tenant,
            rule_id: new.rule_id.clone(),
            group_key: new.group_key.clone(),
            reason: new.reason.trim().to_owned(),
            created_by: actor.0.clone(),
            created_at: created,
            expires_at: Timestamp::from_microsecond(new.expires_at.as_microsecond())
                .unwrap_or(new.expires_at),
            hits: 0,
        })
    }

    pub(super) async fn desk_list_suppressions(
        &self,
        scope: &TenantScope,
    ) -> Result<Vec<Suppression>, SocError> {
        let mut qb = Sql::new("SELECT * FROM suppressions WHERE ");
        qb.scope(scope, "tenant_id");
        qb.push(" ORDER BY id DESC LIMIT 1000");
        let context = "listing suppressions";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let rows = qb.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        rows.iter().map(suppression_from_row).collect()
    }

    pub(super) async fn desk_end_suppression(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: SuppressionId,
    ) -> Result<bool, SocError> {
        let context = "ending a suppression";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let mut qb = Sql::new("SELECT * FROM suppressions WHERE ");
        qb.scope(scope, "tenant_id");
        qb.push(" AND id = ").bind(id.0);
        let Some(row) = qb.fetch_optional(&mut tx, context).await? else {
            return Ok(false);
        };
        let sup = suppression_from_row(&row)?;
        sqlx::query(
            "UPDATE suppressions
             SET expires_at = CASE WHEN expires_at < $1 THEN expires_at ELSE $1 END
             WHERE id = $2",
        )
        .bind(now_us())
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                Some(sup.tenant),
                "suppression.end",
                format!("suppression:{id}"),
                json!({"rule_id": sup.rule_id}),
            ),
        )
        .await?;
        tx.commit(context).await?;
        Ok(true)
    }

    pub(super) async fn desk_create_incident(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        new: &NewIncident,
    ) -> Result<Incident, SocError> {
        let context = "creating an incident";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        if !tenant_exists_in(&mut tx, scope, new.tenant).await? {
            return Err(not_found("tenant", new.tenant));
        }
        let mut alerts = Vec::new();
        for id in &new.alerts {
            match alert_in(&mut tx, scope, id).await? {
                Some(a) if a.tenant == new.tenant => alerts.push(a),
                _ => return Err(not_found("alert", id)),
            }
        }
        if let Some(a) = alerts.iter().find(|a| a.incident.is_some()) {
            return Err(invalid(
                "alerts",
                format!(
                    "alert {} is already in incident {}",
                    a.id,
                    a.incident.unwrap_or(IncidentId(0))
                ),
            ));
        }
        let severity = new
            .severity
            .or_else(|| alerts.iter().map(|a| a.severity).max())
            .unwrap_or(Severity::Medium);
        let id = insert_incident(
            &mut tx,
            actor,
            &IncidentFields {
                tenant: new.tenant,
                title: &new.title,
                severity,
                rsit_class: new.rsit_class.as_deref(),
                rsit_type: new.rsit_type.as_deref(),
                tlp: new.tlp.unwrap_or(Tlp::Amber),
            },
        )
        .await?;
        for alert in &alerts {
            link_alert(&mut tx, actor, id, alert).await?;
            bump_rule_stat(&mut tx, alert.tenant, &alert.rule_id, "escalated").await?;
        }
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                Some(new.tenant),
                "incident.create",
                format!("incident:{id}"),
                json!({"title": new.title.trim(), "severity": severity, "alerts": new.alerts}),
            ),
        )
        .await?;
        let incident = incident_in(&mut tx, scope, id)
            .await?
            .ok_or_else(|| not_found("incident", id))?;
        tx.commit(context).await?;
        Ok(incident)
    }

    pub(super) async fn desk_list_incidents(
        &self,
        scope: &TenantScope,
        filter: &IncidentFilter,
        sort: IncidentSort,
        page: &Page,
    ) -> Result<IncidentPage, SocError> {
        let cursor = page
            .cursor
            .as_deref()
            .map(decode_incident_cursor)
            .transpose()?;
        let limit = page.effective_limit();
        let scope = match filter.tenant {
            None => scope.clone(),
            Some(t) => match scope.narrow(t) {
                Some(s) => s,
                None => {
                    return Ok(IncidentPage {
                        incidents: Vec::new(),
                        next_cursor: None,
                    });
                }
            },
        };
        let mut qb = Sql::new(format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents i JOIN tenants t ON t.id = i.tenant_id WHERE "
        ));
        qb.scope(&scope, "i.tenant_id");
        if !filter.statuses.is_empty() {
            qb.push(" AND i.status IN (");
            qb.list(filter.statuses.iter().map(|s| s.as_str()));
            qb.push(")");
        }
        if let Some(min) = filter.min_severity {
            qb.push(" AND i.severity >= ").bind(rank(min));
        }
        if let Some(a) = filter.assignee {
            qb.push(" AND i.assignee_id = ").bind(a.0);
        }
        if let Some(c) = &filter.rsit_class {
            qb.push(" AND i.rsit_class = ").bind(c.clone());
        }
        match (sort, cursor) {
            (IncidentSort::Newest, Some((_, c, id))) => {
                qb.push(" AND (i.created_at < ")
                    .bind(c)
                    .push(" OR (i.created_at = ")
                    .bind(c)
                    .push(" AND i.id < ")
                    .bind(id)
                    .push("))");
            }
            (IncidentSort::Severity, Some((s, c, id))) => {
                qb.push(" AND (i.severity < ")
                    .bind(s)
                    .push(" OR (i.severity = ")
                    .bind(s)
                    .push(" AND (i.created_at < ")
                    .bind(c)
                    .push(" OR (i.created_at = ")
                    .bind(c)
                    .push(" AND i.id < ")
                    .bind(id)
                    .push("))))");
            }
            _ => {}
        }
        qb.push(match sort {
            IncidentSort::Newest => " ORDER BY i.created_at DESC, i.id DESC LIMIT ",
            IncidentSort::Severity => {
                " ORDER BY i.severity DESC, i.created_at DESC, i.id DESC LIMIT "
            }
        })
        .bind(i64::from(limit) + 1);
        let context = "listing incidents";
        let mut tx = self.read(Reach::Scope(&scope), context).await?;
        let rows = qb.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        let mut incidents = rows
            .iter()
            .map(incident_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let more = incidents.len() > limit as usize;
        incidents.truncate(limit as usize);
        let next_cursor = if more {
            incidents.last().map(encode_incident_cursor)
        } else {
            None
        };
        Ok(IncidentPage {
            incidents,
            next_cursor,
        })
    }

    pub(super) async fn desk_incident_detail(
        &self,
        scope: &TenantScope,
        audience: Audience,
        id: IncidentId,
        at: Timestamp,
    ) -> Result<Option<IncidentDetail>, SocError> {
        let context = "reading an incident page";
        let mut conn = self.read(Reach::Scope(scope), context).await?;
        let Some(incident) = incident_in(&mut conn, scope, id).await? else {
            return Ok(None);
        };
        let rows = sqlx::query(AssertSqlSafe(format!(
            // `+a.tenant_id`: the incident's own index, never the tenant's (without planner
            // statistics SQLite preferred walking every alert of the tenant in time order).
            "SELECT {ALERT_COLUMNS} FROM alerts a JOIN tenants t ON t.id = a.tenant_id
             WHERE a.incident_id = $1 AND +a.tenant_id = $2 ORDER BY a.created_at DESC LIMIT 200"
        )))
        .bind(id.0)
        .bind(incident.tenant.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(SocError::storage(context))?;
        let alerts = rows
            .iter()
            .map(alert_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let alert_count: i64 = sqlx::query("SELECT COUNT(*) FROM alerts WHERE incident_id = $1")
            .bind(id.0)
            .fetch_one(&mut *conn)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(SocError::storage(context))?;
        let observables = sqlx::query(
            "SELECT kind, value FROM observables WHERE incident_id = $1 ORDER BY kind, value",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(SocError::storage(context))?
        .iter()
        .map(|r| {
            Ok(Observable {
                kind: get(r, "kind")?,
                value: get(r, "value")?,
            })
        })
        .collect::<Result<Vec<_>, SocError>>()?;
        let tasks = sqlx::query(
            "SELECT id, title, done, created_at FROM tasks WHERE incident_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(SocError::storage(context))?
        .iter()
        .map(|r| {
            Ok(Task {
                id: TaskId(get(r, "id")?),
                title: get(r, "title")?,
                done: get::<i64>(r, "done")? != 0,
                created_at: timestamp("task created_at", get(r, "created_at")?)?,
            })
        })
        .collect::<Result<Vec<_>, SocError>>()?;
        // A client's audience reads the shared comments only: the filter is in the SQL.
        let comments = sqlx::query(if audience.sees_internal() {
            "SELECT id, author, body, created_at, visibility, kind, answers FROM comments
             WHERE incident_id = $1 ORDER BY id"
        } else {
            "SELECT id, author, body, created_at, visibility, kind, answers FROM comments
             WHERE incident_id = $1 AND visibility = 'shared' ORDER BY id"
        })
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(SocError::storage(context))?
        .iter()
        .map(comment_from_row)
        .collect::<Result<Vec<_>, SocError>>()?;
        let comments = link_answers(comments);
        let mut timeline = load_timeline(&mut conn, id).await?;
        let contract = sqlx::query("SELECT * FROM sla_contracts WHERE tenant_id = $1")
            .bind(incident.tenant.0)
            .fetch_optional(&mut *conn)
            .await
            .map_err(SocError::storage(context))?
            .as_ref()
            .map(contract_from_row)
            .transpose()?;
        conn.commit(context).await?;
        let sla = contract
            .map(|c| clocks(&c, &incident, &timeline, at))
            .unwrap_or_default();
        if !audience.sees_internal() {
            // The clocks above ran on the whole timeline; a client does not see the entries
            // of internal comments. An entry is kept only when it says it is shared or names
            // a comment the client reads (entries written before comments had a visibility).
            // Of the notifications sent, the client sees those to its own people.
            let shown: std::collections::HashSet<i64> = comments.iter().map(|c| c.id.0).collect();
            timeline.retain(|entry| {
                if entry.kind == "notified" {
                    return entry.detail["shared"] == true;
                }
                entry.kind != "comment"
                    || entry.detail["visibility"] == "shared"
                    || entry.detail["comment"]
                        .as_i64()
                        .is_some_and(|id| shown.contains(&id))
            });
        }
        Ok(Some(IncidentDetail {
            incident,
            alerts,
            alert_count,
            observables,
            tasks,
            comments,
            timeline,
            sla,
        }))
    }

    pub(super) async fn desk_update_incident(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: IncidentId,
        patch: &IncidentPatch,
    ) -> Result<Option<Incident>, SocError> {
        self.desk_update_incident_at(actor, scope, id, patch, now_us())
            .await
    }

    /// [`Self::desk_update_incident`] as if it happened at `at` (microseconds): tests drive
    /// the SLA clock across DST changes and holidays with it.
    pub(super) async fn desk_update_incident_at(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: IncidentId,
        patch: &IncidentPatch,
        at: i64,
    ) -> Result<Option<Incident>, SocError> {
        let context = "updating an incident";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let Some(before) = incident_in(&mut tx, scope, id).await? else {
            return Ok(None);
        };
        if before.merged_into.is_some() {
            return Err(invalid(
                "incident",
                format!(
                    "incident {id} was merged into {}",
                    before.merged_into.unwrap_or(IncidentId(0))
                ),
            ));
        }
        let mut changes = serde_json::Map::new();
        let mut qb = Sql::new("UPDATE incidents SET updated_at = ");
        qb.bind(at);
        if let Some(title) = &patch.title {
            limits::INCIDENT_TITLE.check(title)?;
            qb.push(", title = ").bind(title.trim().to_owned());
            changes.insert(
                "title".into(),
                json!({"from": before.title, "to": title.trim()}),
            );
        }
        if let Some(status) = patch.status {
            if !before.status.may_become(status) {
                return Err(invalid(
                    "status",
                    format!(
                        "incident {id} cannot go from {} to {}",
                        before.status.as_str(),
                        status.as_str()
                    ),
                ));
            }
            qb.push(", status = ").bind(status.as_str());
            // Time on the SLA clock until now (the tenant's calendar, on-hold spans left
            // out): what MTTA/MTTR average.
            let on_clock = sla_clock_until(&mut tx, &before, at).await?;
            if before.status == IncidentStatus::New {
                qb.push(", acknowledged_at = COALESCE(acknowledged_at, ")
                    .bind(at)
                    .push(")");
                qb.push(", ack_clock_us = COALESCE(ack_clock_us, ")
                    .bind(on_clock)
                    .push(")");
            }
            match status {
                IncidentStatus::Resolved => {
                    qb.push(", resolved_at = ").bind(at);
                    qb.push(", resolve_clock_us = ").bind(on_clock);
                }
                IncidentStatus::Closed => {
                    qb.push(", closed_at = ").bind(at);
                    qb.push(", resolved_at = COALESCE(resolved_at, ")
                        .bind(at)
                        .push(")");
                    qb.push(", resolve_clock_us = COALESCE(resolve_clock_us, ")
                        .bind(on_clock)
                        .push(")");
                }
                IncidentStatus::InProgress
                    if matches!(
                        before.status,
                        IncidentStatus::Resolved | IncidentStatus::Closed
                    ) =>
                {
                    qb.push(", resolved_at = NULL, closed_at = NULL, resolve_clock_us = NULL");
                }
                _ => {}
            }
            changes.insert(
                "status".into(),
                json!({"from": before.status.as_str(), "to": status.as_str()}),
            );
        }
        if let Some(sev) = patch.severity {
            qb.push(", severity = ").bind(rank(sev));
            changes.insert(
                "severity".into(),
                json!({"from": before.severity, "to": sev}),
            );
        }
        if let Some(assignee) = patch.assignee {
            let value = if assignee == UserId(0) {
                None
            } else {
                let row = sqlx::query(AssertSqlSafe(format!("{USER_SELECT} WHERE u.id = $1")))
                    .bind(assignee.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(SocError::storage(context))?;
                let user = row.as_ref().map(user_from_row).transpose()?;
                let fits = user.as_ref().is_some_and(|u| {
                    !u.disabled
                        && (u.role == Role::PlatformAdmin || u.tenants.contains(&before.tenant))
                        && !u.role.is_tenant_role()
                });
                if !fits {
                    return Err(invalid(
                        "assignee",
                        format!("user {assignee} does not work for this incident's tenant"),
                    ));
                }
                Some(assignee)
            };
            qb.push(", assignee_id = ").bind(value.map(|a| a.0));
            changes.insert(
                "assignee".into(),
                json!({"from": before.assignee, "to": value}),
            );
        }
        if patch.rsit_class.is_some() || patch.rsit_type.is_some() {
            let class = patch.rsit_class.as_deref().or(before.rsit_class.as_deref());
            let kind = patch
                .rsit_type
                .as_deref()
                .or(if patch.rsit_class.is_some() {
                    None
                } else {
                    before.rsit_type.as_deref()
                });
            check_rsit(class, kind).map_err(|m| invalid("RSIT classification", m))?;
            qb.push(", rsit_class = ").bind(class.map(str::to_owned));
            qb.push(", rsit_type = ").bind(kind.map(str::to_owned));
            changes.insert(
                "rsit".into(),
                json!({"from": [before.rsit_class, before.rsit_type], "to": [class, kind]}),
            );
        }
        if let Some(tlp) = patch.tlp {
            qb.push(", tlp = ").bind(tlp.as_str());
            changes.insert(
                "tlp".into(),
                json!({"from": before.tlp.as_str(), "to": tlp.as_str()}),
            );
        }
        if changes.is_empty() {
            return Err(invalid("incident change", "nothing to change"));
        }
        qb.push(" WHERE id = ").bind(id.0);
        qb.execute(&mut tx, context).await?;
        for (kind, detail) in &changes {
            timeline_at(&mut tx, id, actor, kind, detail.clone(), at).await?;
        }
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                Some(before.tenant),
                "incident.update",
                format!("incident:{id}"),
                serde_json::Value::Object(changes),
            ),
        )
        .await?;
        let after = incident_in(&mut tx, scope, id).await?;
        tx.commit(context).await?;
        Ok(after)
    }

    pub(super) async fn desk_add_comment(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        audience: Audience,
        incident: IncidentId,
        new: &NewComment,
    ) -> Result<Option<CommentId>, SocError> {
        let body = new.body.as_str();
        limits::COMMENT.check(body)?;
        check_comment(audience, new)?;
        let context = "adding a comment";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let Some(inc) = incident_in(&mut tx, scope, incident).await? else {
            return Ok(None);
        };
        if let Some(question) = new.answers {
            let found = sqlx::query(
                "SELECT id FROM comments
                 WHERE id = $1 AND incident_id = $2 AND kind = 'question' AND visibility = 'shared'",
            )
            .bind(question.0)
            .bind(incident.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
            if found.is_none() {
                return Err(invalid(
                    "answers",
                    format!("comment {question} is not a question on incident {incident}"),
                ));
            }
        }
        let row = sqlx::query(
            "INSERT INTO comments (incident_id, author, body, created_at, visibility, kind, answers)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(incident.0)
        .bind(&actor.0)
        .bind(body)
        .bind(now_us())
        .bind(new.visibility.as_str())
        .bind(new.kind.as_str())
        .bind(new.answers.map(|q| q.0))
        .fetch_one(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        let id = returned_id(&row)?;
        timeline(
            &mut tx,
            incident,
            actor,
            "comment",
            json!({"comment": id, "visibility": new.visibility.as_str(), "kind": new.kind.as_str()}),
        )
        .await?;
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                Some(inc.tenant),
                "incident.comment",
                format!("incident:{incident}"),
                json!({
                    "comment": id,
                    "visibility": new.visibility.as_str(),
                    "kind": new.kind.as_str(),
                    "answers": new.answers.map(|q| q.0),
                    "body_sha256": hex::encode(vigie_access::audit::payload_hash(body)),
                }),
            ),
        )
        .await?;
        tx.commit(context).await?;
        Ok(Some(CommentId(id)))
    }

    pub(super) async fn desk_add_task(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        incident: IncidentId,
        title: &str,
    ) -> Result<Option<Task>, SocError> {
        limits::TASK_TITLE.check(title)?;
        let context = "adding a task";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let Some(inc) = incident_in(&mut tx, scope, incident).await? else {
            return Ok(None);
        };
        let created = now();
        let row = sqlx::query(
            "INSERT INTO tasks (incident_id, title, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(incident.0)
        .bind(title.trim())
        .bind(created.as_microsecond())
        .fetch_one(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        let id = returned_id(&row)?;
        timeline(
            &mut tx,
            incident,
            actor,
            "task",
            json!({"task": id, "title": title.trim()}),
        )
        .await?;
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                Some(inc.tenant),
                "incident.task",
                format!("incident:{incident}"),
                json!({"task": id, "title": title.trim()}),
            ),
        )
        .await?;
        tx.commit(context).await?;
        Ok(Some(Task {
            id: TaskId(id),
            title: title.trim().to_owned(),
            done: false,
            created_at: created,
        }))
    }

    pub(super) async fn desk_set_task_done(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        incident: IncidentId,
        task: TaskId,
        done: bool,
    ) -> Result<bool, SocError> {
        let context = "updating a task";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let Some(inc) = incident_in(&mut tx, scope, incident).await? else {
            return Ok(false);
        };
        let changed = sqlx::query("UPDATE tasks SET done = $1 WHERE id = $2 AND incident_id = $3")
            .bind(i64::from(done))
            .bind(task.0)
            .bind(incident.0)
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?
            .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        timeline(
            &mut tx,
            incident,
            actor,
            "task_done",
            json!({"task": task, "done": done}),
        )
        .await?;
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                Some(inc.tenant),
                "incident.task_done",
                format!("incident:{incident}"),
                json!({"task": task, "done": done}),
            ),
        )
        .await?;
        tx.commit(context).await?;
        Ok(true)
    }

    pub(super) async fn desk_merge(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        into: IncidentId,
        from: IncidentId,
    ) -> Result<Option<Incident>, SocError> {
        let context = "merging incidents";
        if into == from {
            return Err(invalid("merge", format!("incident {into} into itself")));
        }
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let (Some(target), Some(source)) = (
            incident_in(&mut tx, scope, into).await?,
            incident_in(&mut tx, scope, from).await?,
        ) else {
            return Ok(None);
        };
        if target.tenant != source.tenant {
            // Both in scope but of different tenants: never mix tenants' data.
            return Err(invalid(
                "merge",
                format!("incidents {into} and {from} belong to different tenants"),
            ));
        }
        if source.merged_into.is_some() || target.merged_into.is_some() {
            return Err(invalid(
                "merge",
                "an incident that was merged cannot be merged again",
            ));
        }
        for sql in [
            "UPDATE alerts SET incident_id = $1 WHERE incident_id = $2",
            // The WHERE clause also keeps SQLite from reading ON CONFLICT as a join.
            "INSERT INTO observables (incident_id, kind, value)
             SELECT $1, kind, value FROM observables WHERE incident_id = $2
             ON CONFLICT DO NOTHING",
            "UPDATE tasks SET incident_id = $1 WHERE incident_id = $2",
            "UPDATE comments SET incident_id = $1 WHERE incident_id = $2",
        ] {
            sqlx::query(sql)
                .bind(into.0)
                .bind(from.0)
                .execute(&mut *tx)
                .await
                .map_err(SocError::storage(context))?;
        }
        let at = now_us();
        sqlx::query(
            "UPDATE incidents SET status = 'closed', merged_into = $1, closed_at = $2,
                    resolved_at = COALESCE(resolved_at, $3), updated_at = $4 WHERE id = $5",
        )
        .bind(into.0)
        .bind(at)
        .bind(at)
        .bind(at)
        .bind(from.0)
        .execute(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        sqlx::query("UPDATE incidents SET updated_at = $1 WHERE id = $2")
            .bind(at)
            .bind(into.0)
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
        timeline(&mut tx, into, actor, "merged", json!({"from": from})).await?;
        timeline(&mut tx, from, actor, "merged_into", json!({"into": into})).await?;
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                Some(target.tenant),
                "incident.merge",
                format!("incident:{into}"),
                json!({"from": from}),
            ),
        )
        .await?;
        let after = incident_in(&mut tx, scope, into).await?;
        tx.commit(context).await?;
        Ok(after)
    }

    pub(super) async fn desk_split(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        id: IncidentId,
        alert_ids: &[String],
        title: &str,
    ) -> Result<Option<Incident>, SocError> {
        let context = "splitting an incident";
        if alert_ids.is_empty() {
            return Err(invalid("split", "no alert to move"));
        }
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let Some(source) = incident_in(&mut tx, scope, id).await? else {
            return Ok(None);
        };
        let mut alerts = Vec::new();
        for a in alert_ids {
            match alert_in(&mut tx, scope, a).await? {
                Some(alert) if alert.incident == Some(id) => alerts.push(alert),
                _ => return Err(not_found("alert of this incident", a)),
            }
        }
        let new_id = insert_incident(
            &mut tx,
            actor,
            &IncidentFields {
                tenant: source.tenant,
                title,
                severity: source.severity,
                rsit_class: source.rsit_class.as_deref(),
                rsit_type: source.rsit_type.as_deref(),
                tlp: source.tlp,
            },
        )
        .await?;
        for alert in &alerts {
            link_alert(&mut tx, actor, new_id, alert).await?;
        }
        timeline(
            &mut tx,
            id,
            actor,
            "split",
            json!({"into": new_id, "alerts": alert_ids}),
        )
        .await?;
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                Some(source.tenant),
                "incident.split",
                format!("incident:{id}"),
                json!({"new_incident": new_id, "alerts": alert_ids}),
            ),
        )
        .await?;
        let after = incident_in(&mut tx, scope, new_id).await?;
        tx.commit(context).await?;
        Ok(after)
    }

    pub(super) async fn desk_set_sla_contract(
        &self,
        actor: &Actor,
        scope: &TenantScope,
        tenant: TenantId,
        contract: &SlaContract,
    ) -> Result<(), SocError> {
        for (sev, t) in &contract.targets {
            if t.acknowledge_minutes == 0 || t.resolve_minutes < t.acknowledge_minutes {
                return Err(invalid(
                    "SLA target",
                    format!(
                        "{sev}: acknowledge must be > 0 and resolve >= acknowledge (got {} and {})",
                        t.acknowledge_minutes, t.resolve_minutes
                    ),
                ));
            }
        }
        if !(0.0..=1.0).contains(&contract.warn_ratio) {
            return Err(invalid(
                "SLA warn_ratio",
                format!("{} is not between 0 and 1", contract.warn_ratio),
            ));
        }
        let context = "setting an SLA contract";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        if !tenant_exists_in(&mut tx, scope, tenant).await? {
            return Err(not_found("tenant", tenant));
        }
        let targets = serde_json::to_string(&contract.targets)
            .map_err(|e| invalid("SLA targets", e.to_string()))?;
        sqlx::query(
            "INSERT INTO sla_contracts (tenant_id, calendar, targets, warn_ratio, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id) DO UPDATE SET calendar = excluded.calendar,
                targets = excluded.targets, warn_ratio = excluded.warn_ratio,
                updated_at = excluded.updated_at",
        )
        .bind(tenant.0)
        .bind(contract.calendar.as_str())
        .bind(&targets)
        .bind(contract.warn_ratio)
        .bind(now_us())
        .execute(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        append_audit(
            &mut tx,
            &AuditRecord::new(
                &actor.0,
                Some(tenant),
                "sla.contract",
                format!("tenant:{tenant}"),
                serde_json::to_value(contract).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit(context).await
    }

    pub(super) async fn desk_sla_contract(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
    ) -> Result<Option<SlaContract>, SocError> {
        let mut qb = Sql::new("SELECT * FROM sla_contracts WHERE ");
        qb.scope(scope, "tenant_id");
        qb.push(" AND tenant_id = ").bind(tenant.0);
        let context = "reading an SLA contract";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let row = qb.fetch_optional(&mut tx, context).await?;
        tx.commit(context).await?;
        row.as_ref().map(contract_from_row).transpose()
    }

    /// The SLA clocks at `at` of the incidents under a contract (cross-tenant: the SLA timer
    /// and the notifier): for [`Clocks::Unrecorded`] the incidents open or closed less than a
    /// day ago with fewer than two breaches recorded, for [`Clocks::Open`] the open ones.
    pub(super) async fn desk_open_clocks(
        &self,
        at: Timestamp,
        which: Clocks,
        context: &'static str,
    ) -> Result<Vec<(Incident, sla::ClockState)>, SocError> {
        let day_ago = at.as_microsecond() - 86_400_000_000;
        let mut conn = self.read(Reach::Across(CrossTenant::Sla), context).await?;
        let condition = match which {
            Clocks::Unrecorded => {
                "(i.closed_at IS NULL OR i.closed_at > $1)
                 AND (SELECT COUNT(*) FROM sla_breaches b WHERE b.incident_id = i.id) < 2"
            }
            Clocks::Open => "i.closed_at IS NULL AND i.resolved_at IS NULL AND $1 = $1",
        };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {INCIDENT_COLUMNS}, c.calendar, c.targets, c.warn_ratio
             FROM incidents i JOIN tenants t ON t.id = i.tenant_id
             JOIN sla_contracts c ON c.tenant_id = i.tenant_id
             WHERE i.merged_into IS NULL AND {condition}"
        )))
        .bind(day_ago)
        .fetch_all(&mut *conn)
        .await
        .map_err(SocError::storage(context))?;
        let mut found = Vec::new();
        for row in &rows {
            let incident = incident_from_row(row)?;
            let contract = contract_from_row(row)?;
            let tl = load_timeline(&mut conn, incident.id).await?;
            for clock in clocks(&contract, &incident, &tl, at) {
                found.push((incident.clone(), clock));
            }
        }
        conn.commit(context).await?;
        Ok(found)
    }

    pub(super) async fn desk_record_breaches(&self, at: Timestamp) -> Result<u64, SocError> {
        let context = "recording SLA breaches";
        let found: Vec<_> = self
            .desk_open_clocks(at, Clocks::Unrecorded, context)
            .await?
            .into_iter()
            .filter(|(_, clock)| clock.breached)
            .map(|(incident, clock)| (incident.id, incident.tenant, clock.kind, clock.due_at))
            .collect();
        let mut new = 0;
        for (incident, tenant, kind, due) in found {
            let mut tx = self.write(Reach::Across(CrossTenant::Sla), context).await?;
            let done = sqlx::query(
                "INSERT INTO sla_breaches (incident_id, kind, due_at, recorded_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(incident.0)
            .bind(kind)
            .bind(due.map_or(0, |d| d.as_microsecond()))
            .bind(at.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(SocError::storage(context))?;
            if done.rows_affected() > 0 {
                new += 1;
                append_audit(
                    &mut tx,
                    &AuditRecord::new(
                        Actor::system().0,
                        Some(tenant),
                        "sla.breach",
                        format!("incident:{incident}"),
                        json!({"kind": kind, "due_at": due}),
                    ),
                )
                .await?;
                tx.commit(context).await?;
            }
        }
        Ok(new)
    }

    pub(super) async fn desk_sla_summary(
        &self,
        scope: &TenantScope,
        since: Timestamp,
        until: Option<Timestamp>,
    ) -> Result<Vec<SlaSummaryRow>, SocError> {
        // Two queries: the means over a covering index, and the breaches (few) joined to
        // their incidents starting from the breach table.
        // The means as DOUBLE PRECISION: PostgreSQL's AVG over BIGINT is NUMERIC, which the
        // `Any` driver does not decode.
        let mut qb = Sql::new(format!(
            "SELECT i.tenant_id, i.severity, i.rsit_class, COUNT(*) AS n,
                    CAST(AVG(i.acknowledged_at - i.created_at) AS DOUBLE PRECISION) AS mtta_wall,
                    CAST(AVG(i.resolved_at - i.created_at) AS DOUBLE PRECISION) AS mttr_wall,
                    CAST(AVG(i.ack_clock_us) AS DOUBLE PRECISION) AS mtta,
                    CAST(AVG(i.resolve_clock_us) AS DOUBLE PRECISION) AS mttr,
                    (SELECT c.calendar FROM sla_contracts c WHERE c.tenant_id = i.tenant_id)
                        AS calendar
             FROM incidents i{} WHERE ",
            self.dialect.indexed_by("incidents_sla")
        ));
        qb.scope(scope, "i.tenant_id");
        qb.push(" AND i.created_at >= ")
            .bind(since.as_microsecond());
        if let Some(until) = until {
            qb.push(" AND i.created_at < ").bind(until.as_microsecond());
        }
        qb.push(" AND i.merged_into IS NULL GROUP BY i.tenant_id, i.severity, i.rsit_class");
        let context = "summarising SLAs";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let rows = qb.fetch_all(&mut tx, context).await?;
        let mut qb = Sql::new(format!(
            "SELECT i.tenant_id, i.severity, i.rsit_class, b.kind, COUNT(*) AS n
             FROM sla_breaches b {} incidents i ON i.id = b.incident_id WHERE ",
            self.dialect.join_in_order()
        ));
        qb.scope(scope, "i.tenant_id");
        qb.push(" AND i.created_at >= ")
            .bind(since.as_microsecond());
        if let Some(until) = until {
            qb.push(" AND i.created_at < ").bind(until.as_microsecond());
        }
        qb.push(
            " AND i.merged_into IS NULL GROUP BY i.tenant_id, i.severity, i.rsit_class, b.kind",
        );
        let breaches = qb.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        let mut counts = std::collections::HashMap::new();
        for r in &breaches {
            let key: (i64, i64, Option<String>, String) = (
                get(r, "tenant_id")?,
                get(r, "severity")?,
                get(r, "rsit_class")?,
                get(r, "kind")?,
            );
            counts.insert(key, get::<i64>(r, "n")?);
        }
        let mut out = rows
            .iter()
            .map(|r| {
                let tenant: i64 = get(r, "tenant_id")?;
                let rank: i64 = get(r, "severity")?;
                let category: Option<String> = get(r, "rsit_class")?;
                let seconds = |column: &'static str| -> Result<Option<f64>, SocError> {
                    Ok(get::<Option<f64>>(r, column)?.map(|us| us / 1e6))
                };
                let count = |kind: &str| {
                    counts
                        .get(&(tenant, rank, category.clone(), kind.to_owned()))
                        .copied()
                        .unwrap_or(0)
                };
                let calendar: Option<String> = get(r, "calendar")?;
                Ok(SlaSummaryRow {
                    tenant: TenantId(tenant),
                    severity: severity("incident severity", rank)?,
                    category: category.clone(),
                    calendar: calendar
                        .as_deref()
                        .and_then(sla::Calendar::parse)
                        .unwrap_or(sla::Calendar::TwentyFourSeven),
                    incidents: get(r, "n")?,
                    mtta_seconds: seconds("mtta")?,
                    mttr_seconds: seconds("mttr")?,
                    mtta_wall_seconds: seconds("mtta_wall")?,
                    mttr_wall_seconds: seconds("mttr_wall")?,
                    acknowledge_breaches: count("acknowledge"),
                    resolve_breaches: count("resolve"),
                })
            })
            .collect::<Result<Vec<_>, SocError>>()?;
        out.sort_by(|a, b| {
            a.tenant
                .cmp(&b.tenant)
                .then(b.severity.cmp(&a.severity))
                .then(a.category.cmp(&b.category))
        });
        Ok(out)
    }

    pub(super) async fn desk_sla_breaches(
        &self,
        scope: &TenantScope,
    ) -> Result<Vec<SlaBreach>, SocError> {
        let mut qb = Sql::new(
            "SELECT b.incident_id, i.tenant_id, b.kind, b.due_at, b.recorded_at
             FROM sla_breaches b JOIN incidents i ON i.id = b.incident_id WHERE ",
        );
        qb.scope(scope, "i.tenant_id");
        qb.push(" ORDER BY b.recorded_at DESC LIMIT 1000");
        let context = "listing SLA breaches";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let rows = qb.fetch_all(&mut tx, context).await?;
        tx.commit(context).await?;
        rows.iter()
            .map(|r| {
                Ok(SlaBreach {
                    incident: IncidentId(get(r, "incident_id")?),
                    tenant: TenantId(get(r, "tenant_id")?),
                    kind: get(r, "kind")?,
                    due_at: timestamp("breach due_at", get(r, "due_at")?)?,
                    recorded_at: timestamp("breach recorded_at", get(r, "recorded_at")?)?,
                })
            })
            .collect()
    }
}

/// A comment from its row (`id, author, body, created_at, visibility, kind, answers`).
fn comment_from_row(r: &AnyRow) -> Result<Comment, SocError> {
    let visibility: String = get(r, "visibility")?;
    let kind: String = get(r, "kind")?;
    Ok(Comment {
        id: CommentId(get(r, "id")?),
        author: get(r, "author")?,
        body: get(r, "body")?,
        created_at: timestamp("comment created_at", get(r, "created_at")?)?,
        visibility: visibility.parse().map_err(corrupt("comment visibility"))?,
        kind: kind.parse().map_err(corrupt("comment kind"))?,
        answers: get::<Option<i64>>(r, "answers")?.map(CommentId),
        answered_by: None,
    })
}

/// Sets each question's `answered_by` to its first answer among `comments` (in id order).
fn link_answers(mut comments: Vec<Comment>) -> Vec<Comment> {
    let mut first: std::collections::HashMap<CommentId, CommentId> = Default::default();
    for c in &comments {
        if let Some(q) = c.answers {
            first.entry(q).or_insert(c.id);
        }
    }
    for c in &mut comments {
        if c.kind == CommentKind::Question {
            c.answered_by = first.get(&c.id).copied();
        }
    }
    comments
}

/// What `audience` may write: a client's comments are shared notes or answers; a question
/// is the SOC's and shared; an answer names its question, a note or question does not.
fn check_comment(audience: Audience, new: &NewComment) -> Result<(), SocError> {
    let staff = audience.sees_internal();
    match (new.kind, new.visibility) {
        (_, Visibility::Internal) if !staff => Err(invalid(
            "visibility",
            "internal: a client's comments are shared with the SOC",
        )),
        (CommentKind::Question, _) if !staff => Err(invalid(
            "kind",
            "question: only the SOC asks the client questions; answer one with kind answer",
        )),
        (CommentKind::Question, Visibility::Internal) => Err(invalid(
            "visibility",
            "internal: a question to the client is shared with it",
        )),
        (CommentKind::Answer, _) if staff => Err(invalid(
            "kind",
            "answer: the client answers the SOC's questions; the SOC adds a shared note",
        )),
        (CommentKind::Answer, _) if new.answers.is_none() => Err(invalid(
            "answers",
            "missing: an answer names the question it answers",
        )),
        (CommentKind::Note | CommentKind::Question, _) if new.answers.is_some() => Err(invalid(
            "answers",
            format!("{}: only an answer names a question", new.kind.as_str()),
        )),
        _ => Ok(()),
    }
}

impl SqlStore {
    /// [`crate::IncidentStore::questions`].
    pub(super) async fn desk_questions(
        &self,
        scope: &TenantScope,
        open_only: bool,
    ) -> Result<Vec<Question>, SocError> {
        let context = "listing questions to clients";
        let mut conn = self.read(Reach::Scope(scope), context).await?;
        let mut sql = Sql::new(
            "SELECT c.id, c.author, c.body, c.created_at, c.visibility, c.kind, c.answers,
                    i.id AS incident_id, i.tenant_id, i.title,
                    (SELECT MIN(a.id) FROM comments a WHERE a.answers = c.id) AS answered_by
             FROM comments c JOIN incidents i ON i.id = c.incident_id
             WHERE c.kind = 'question' AND c.visibility = 'shared' AND ",
        );
        sql.scope(scope, "i.tenant_id");
        if open_only {
            sql.push(" AND NOT EXISTS (SELECT 1 FROM comments a WHERE a.answers = c.id)");
        }
        sql.push(" ORDER BY c.id DESC LIMIT 500");
        let rows = sql.fetch_all(&mut conn, context).await?;
        conn.commit(context).await?;
        rows.iter()
            .map(|r| {
                let mut comment = comment_from_row(r)?;
                comment.answered_by = get::<Option<i64>>(r, "answered_by")?.map(CommentId);
                Ok(Question {
                    incident: IncidentId(get(r, "incident_id")?),
                    tenant: TenantId(get(r, "tenant_id")?),
                    incident_title: get(r, "title")?,
                    comment,
                })
            })
            .collect()
    }
}

async fn load_timeline(
    conn: &mut AnyConnection,
    incident: IncidentId,
) -> Result<Vec<TimelineEntry>, SocError> {
    sqlx::query("SELECT at, actor, kind, detail FROM timeline WHERE incident_id = $1 ORDER BY id")
        .bind(incident.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(SocError::storage("reading the timeline"))?
        .iter()
        .map(|r| {
            let detail: String = get(r, "detail")?;
            Ok(TimelineEntry {
                at: timestamp("timeline at", get(r, "at")?)?,
                actor: get(r, "actor")?,
                kind: get(r, "kind")?,
                detail: serde_json::from_str(&detail)
                    .map_err(|e| corrupt("timeline detail")(e.to_string()))?,
            })
        })
        .collect()
}

/// The time on an incident's SLA clock from its creation to `at_us`, in microseconds: on its
/// tenant's contract calendar (24x7 without a contract), on-hold spans left out. The same
/// clock as the SLA deadlines, so MTTA/MTTR and breaches agree.
async fn sla_clock_until(
    conn: &mut AnyConnection,
    incident: &Incident,
    at_us: i64,
) -> Result<i64, SocError> {
    let calendar = sqlx::query("SELECT calendar FROM sla_contracts WHERE tenant_id = $1")
        .bind(incident.tenant.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(SocError::storage("reading an SLA contract"))?
        .map(|row| get::<String>(&row, "calendar"))
        .transpose()?
        .and_then(|c| sla::Calendar::parse(&c))
        .unwrap_or(sla::Calendar::TwentyFourSeven);
    let timeline = load_timeline(conn, incident.id).await?;
    let at = timestamp("SLA clock time", at_us)?;
    let used = sla::elapsed(calendar, incident.created_at, at, &pauses(&timeline));
    Ok(i64::try_from(used.as_micros()).unwrap_or(i64::MAX))
}

/// The on-hold spans of an incident, from its status changes.
fn pauses(timeline: &[TimelineEntry]) -> Vec<Pause> {
    let mut out: Vec<Pause> = Vec::new();
    for entry in timeline.iter().filter(|e| e.kind == "status") {
        let from = entry.detail.get("from").and_then(|v| v.as_str());
        let to = entry.detail.get("to").and_then(|v| v.as_str());
        if to == Some("on_hold") {
            out.push(Pause {
                start: entry.at,
                end: None,
            });
        } else if from == Some("on_hold")
            && let Some(last) = out.last_mut().filter(|p| p.end.is_none())
        {
            last.end = Some(entry.at);
        }
    }
    out
}

/// The SLA clocks of an incident under a contract.
fn clocks(
    contract: &SlaContract,
    incident: &Incident,
    timeline: &[TimelineEntry],
    at: Timestamp,
) -> Vec<sla::ClockState> {
    let Some(target) = contract.targets.get(&incident.severity) else {
        return Vec::new();
    };
    let pauses = pauses(timeline);
    vec![
        sla::clock(
            contract,
            "acknowledge",
            target.acknowledge_minutes,
            incident.created_at,
            incident.acknowledged_at,
            at,
            &pauses,
        ),
        sla::clock(
            contract,
            "resolve",
            target.resolve_minutes,
            incident.created_at,
            incident.resolved_at,
            at,
            &pauses,
        ),
    ]
}
