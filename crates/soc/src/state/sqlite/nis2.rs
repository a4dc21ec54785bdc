//! NIS2 cases on SQLite. A case is one JSON value per incident (`nis2_cases.data`), its
//! submissions are rows with their frozen content; every change writes its audit entry in
//! the same transaction.

use jiff::Timestamp;
use serde_json::json;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use vigie_event::{TenantId, TenantScope, TenantSlug};
use vigie_nis2::deadline::DueStatus;
use vigie_nis2::lifecycle::ReportingState;
use vigie_nis2::model::EntityProfile;
use vigie_nis2::significance::{Assessment, Facts, Verdict};

use super::desk::append_audit;
use super::{SqliteStore, get, now, now_us, push_scope, timestamp};
use crate::audit::AuditRecord;
use crate::nis2::{
    CaseData, CaseUpdate, NewSubmission, Nis2Case, Nis2Store, ProfileVersion, ReminderPolicy,
    SentReminder, Submission,
};
use crate::{SocError, limits};

fn invalid(what: &'static str, message: impl Into<String>) -> SocError {
    SocError::InvalidValue {
        what,
        message: message.into(),
    }
}

fn not_found(id: i64) -> SocError {
    SocError::NotFound {
        what: "incident",
        value: id.to_string(),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, SocError> {
    serde_json::to_string(value).map_err(|e| SocError::Corrupt {
        what: "nis2 case",
        detail: e.to_string(),
    })
}

fn from_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: &str,
) -> Result<T, SocError> {
    serde_json::from_str(text).map_err(|e| SocError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

/// The case of incident `id` if the incident is in `scope`.
async fn load(
    conn: &mut SqliteConnection,
    scope: &TenantScope,
    id: i64,
) -> Result<Option<Nis2Case>, SocError> {
    let context = "reading a NIS2 case";
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT i.id, i.tenant_id, t.slug, i.title, i.created_at, \
         (SELECT MIN(a.first_seen) FROM alerts a WHERE a.incident_id = i.id) AS first_alert, \
         c.data FROM incidents i JOIN tenants t ON t.id = i.tenant_id \
         LEFT JOIN nis2_cases c ON c.incident_id = i.id WHERE ",
    );
    push_scope(&mut qb, scope, "i.tenant_id");
    qb.push(" AND i.id = ").push_bind(id);
    let Some(row) = qb
        .build()
        .fetch_optional(&mut *conn)
        .await
        .map_err(SocError::storage(context))?
    else {
        return Ok(None);
    };
    let created: i64 = get(&row, "created_at")?;
    let first_alert: Option<i64> = get(&row, "first_alert")?;
    let data: Option<String> = get(&row, "data")?;
    let slug: String = get(&row, "slug")?;
    let mut case = Nis2Case {
        incident_id: get(&row, "id")?,
        tenant: TenantId(get(&row, "tenant_id")?),
        tenant_slug: TenantSlug::new(slug).map_err(|e| SocError::Corrupt {
            what: "tenant slug",
            detail: e.to_string(),
        })?,
        title: get(&row, "title")?,
        detected_at: timestamp(
            "incident detected",
            first_alert.unwrap_or(created).min(created),
        )?,
        data: match data {
            Some(text) => from_json("nis2 case", &text)?,
            None => CaseData::default(),
        },
        submissions: Vec::new(),
    };
    let rows = sqlx::query(
        "SELECT id, stages, submitted_at, channel, reference, submitted_by, language, tlp, \
         lateness_reason, content_sha256 FROM nis2_submissions WHERE incident_id = ? \
         ORDER BY submitted_at, id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(SocError::storage(context))?;
    for row in rows {
        let stages: String = get(&row, "stages")?;
        let language: String = get(&row, "language")?;
        let tlp: String = get(&row, "tlp")?;
        case.submissions.push(Submission {
            id: get(&row, "id")?,
            stages: from_json("nis2 submission stages", &stages)?,
            submitted_at: timestamp("nis2 submission", get(&row, "submitted_at")?)?,
            channel: get(&row, "channel")?,
            reference: get(&row, "reference")?,
            submitted_by: get(&row, "submitted_by")?,
            language: from_json("nis2 submission language", &language)?,
            tlp: from_json("nis2 submission tlp", &tlp)?,
            lateness_reason: get(&row, "lateness_reason")?,
            content_sha256: get(&row, "content_sha256")?,
        });
    }
    Ok(Some(case))
}

async fn save(conn: &mut SqliteConnection, case: &Nis2Case) -> Result<(), SocError> {
    let closed = matches!(
        case.state(),
        ReportingState::Closed | ReportingState::Downgraded | ReportingState::NotSignificant
    );
    sqlx::query(
        "INSERT INTO nis2_cases (incident_id, tenant_id, aware_at, closed, data, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id) DO UPDATE SET \
         aware_at = excluded.aware_at, closed = excluded.closed, data = excluded.data, \
         updated_at = excluded.updated_at",
    )
    .bind(case.incident_id)
    .bind(case.tenant.0)
    .bind(case.data.aware_at.map(|t| t.as_microsecond()))
    .bind(i64::from(closed))
    .bind(to_json(&case.data)?)
    .bind(now_us())
    .execute(&mut *conn)
    .await
    .map_err(SocError::storage("writing a NIS2 case"))?;
    Ok(())
}

/// Runs `change` on the case inside one transaction with its audit entry.
async fn change<F>(
    store: &SqliteStore,
    scope: &TenantScope,
    incident: i64,
    actor: &str,
    action: &str,
    change: F,
) -> Result<Nis2Case, SocError>
where
    F: FnOnce(&mut Nis2Case) -> Result<serde_json::Value, SocError>,
{
    let mut tx = store
        .pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(SocError::storage("changing a NIS2 case"))?;
    let mut case = load(&mut tx, scope, incident)
        .await?
        .ok_or_else(|| not_found(incident))?;
    let payload = change(&mut case)?;
    save(&mut tx, &case).await?;
    append_audit(
        &mut tx,
        &AuditRecord::new(
            actor,
            Some(case.tenant),
            action,
            format!("incident:{incident}"),
            payload,
        ),
    )
    .await?;
    tx.commit()
        .await
        .map_err(SocError::storage("changing a NIS2 case"))?;
    Ok(case)
}

fn advance(case: &mut Nis2Case, to: ReportingState) {
    case.data.state = Some(to);
}

#[async_trait::async_trait]
impl Nis2Store for SqliteStore {
    async fn nis2_set_profile(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
        profile: &EntityProfile,
        actor: &str,
    ) -> Result<u32, SocError> {
        limits::NIS2_PROFILE.check_document(profile)?;
        if !scope.contains(tenant) {
            return Err(SocError::NotFound {
                what: "tenant",
                value: tenant.to_string(),
            });
        }
        if profile.legal_name.trim().is_empty() {
            return Err(invalid("legal_name", "the entity's legal name is required"));
        }
        let context = "setting a NIS2 profile";
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(SocError::storage(context))?;
        let version: i64 = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM nis2_profiles WHERE tenant_id = ?",
        )
        .bind(tenant.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(SocError::storage(context))?
        .try_get("v")
        .map_err(SocError::storage(context))?;
        sqlx::query(
            "INSERT INTO nis2_profiles (tenant_id, version, profile, set_by, set_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(tenant.0)
        .bind(version)
        .bind(serde_json::to_string(profile).map_err(|e| invalid("profile", e.to_string()))?)
        .bind(actor)
        .bind(now_us())
        .execute(&mut *tx)
        .await
        .map_err(SocError::storage(context))?;
        append_audit(
            &mut tx,
            &AuditRecord::new(
                actor,
                Some(tenant),
                "nis2.profile.set",
                format!("tenant:{tenant}"),
                json!({"version": version, "profile": profile}),
            ),
        )
        .await?;
        tx.commit().await.map_err(SocError::storage(context))?;
        Ok(u32::try_from(version).unwrap_or(u32::MAX))
    }

    async fn nis2_profile(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
    ) -> Result<Option<ProfileVersion>, SocError> {
        if !scope.contains(tenant) {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT version, profile, set_by, set_at FROM nis2_profiles WHERE tenant_id = ? \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(tenant.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(SocError::storage("reading a NIS2 profile"))?;
        let Some(row) = row else { return Ok(None) };
        let profile: String = get(&row, "profile")?;
        Ok(Some(ProfileVersion {
            version: u32::try_from(get::<i64>(&row, "version")?).unwrap_or(0),
            profile: from_json("nis2 profile", &profile)?,
            set_by: get(&row, "set_by")?,
            set_at: timestamp("nis2 profile", get(&row, "set_at")?)?,
        }))
    }

    async fn nis2_case(
        &self,
        scope: &TenantScope,
        incident: i64,
    ) -> Result<Option<Nis2Case>, SocError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(SocError::storage("reading a NIS2 case"))?;
        load(&mut conn, scope, incident).await
    }

    async fn nis2_set_awareness(
        &self,
        scope: &TenantScope,
        incident: i64,
        aware_at: Timestamp,
        reason: &str,
        actor: &str,
    ) -> Result<Nis2Case, SocError> {
        if reason.trim().is_empty() {
            return Err(invalid("reason", "awareness is set with a reason"));
        }
        limits::NIS2_REASON.check(reason)?;
        change(self, scope, incident, actor, "nis2.awareness.set", |case| {
            if aware_at < case.detected_at {
                return Err(invalid(
                    "aware_at",
                    format!("{aware_at} is before the first signal {}", case.detected_at),
                ));
            }
            if aware_at > now() {
                return Err(invalid("aware_at", format!("{aware_at} is in the future")));
            }
            let before = case.data.aware_at;
            if let Some(before) = before
                && !case.submissions.is_empty()
                && aware_at > before
            {
                // Moving deadlines later after a submission needs approver sign-off (§6.2.2).
                return Err(invalid(
                    "aware_at",
                    "moving awareness later after a submission needs an approver's sign-off",
                ));
            }
            case.data.aware_at = Some(aware_at);
            case.data.aware_reason = Some(reason.to_owned());
            case.data.aware_set_by = Some(actor.to_owned());
            if matches!(case.state(), ReportingState::Significant) {
                advance(case, ReportingState::AwarenessSet);
            }
            Ok(json!({"aware_at": aware_at, "previous": before, "reason": reason}))
        })
        .await
    }

    async fn nis2_assess(
        &self,
        scope: &TenantScope,
        incident: i64,
        facts: &Facts,
        assessment: &Assessment,
        actor: &str,
    ) -> Result<Nis2Case, SocError> {
        limits::NIS2_FACTS.check_document(facts)?;
        change(self, scope, incident, actor, "nis2.assess", |case| {
            case.data.facts = facts.clone();
            case.data.proposed = Some(assessment.verdict);
            if matches!(case.state(), ReportingState::Detected) {
                advance(case, ReportingState::Triage);
            }
            Ok(json!({"proposed": assessment.verdict, "missing": assessment.missing}))
        })
        .await
    }

    async fn nis2_confirm(
        &self,
        scope: &TenantScope,
        incident: i64,
        verdict: Verdict,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<Nis2Case, SocError> {
        if let Some(reason) = reason {
            limits::NIS2_REASON.check_len(reason)?;
        }
        change(self, scope, incident, actor, "nis2.verdict.confirm", |case| {
            let overrides = case.data.proposed.is_some_and(|p| p != verdict);
            if (overrides || case.data.proposed.is_none())
                && reason.is_none_or(|r| r.trim().is_empty())
            {
                return Err(invalid(
                    "reason",
                    "a verdict that differs from the engine's proposal (or without one) needs a reason",
                ));
            }
            case.data.confirmed = Some(verdict);
            case.data.confirmed_by = Some(actor.to_owned());
            case.data.confirmed_at = Some(now());
            let to = match verdict {
                Verdict::Significant if case.data.aware_at.is_some() => ReportingState::AwarenessSet,
                Verdict::Significant => ReportingState::Significant,
                Verdict::Undetermined => ReportingState::Undetermined,
                Verdict::NotSignificant | Verdict::Excluded => ReportingState::NotSignificant,
            };
            advance(case, to);
            Ok(json!({"verdict": verdict, "proposed": case.data.proposed, "reason": reason}))
        })
        .await
    }

    async fn nis2_update(
        &self,
        scope: &TenantScope,
        incident: i64,
        update: &CaseUpdate,
        actor: &str,
    ) -> Result<Nis2Case, SocError> {
        limits::NIS2_CASE_UPDATE.check_document(&(&update.record, &update.intermediate_request))?;
        change(self, scope, incident, actor, "nis2.update", |case| {
            if let Some(trust) = update.trust_service {
                case.data.trust_service = trust;
            }
            if let Some(handled) = update.handled_at {
                case.data.handled_at = Some(handled);
            }
            if update.withdraw == Some(true) {
                case.data.withdrawn_at = Some(now());
                advance(case, ReportingState::Downgraded);
            }
            if let Some(request) = &update.intermediate_request {
                case.data.requests.push(request.clone());
                if case.state() == ReportingState::NotificationSent {
                    advance(case, ReportingState::IntermediateRequested);
                }
            }
            if let Some(record) = &update.record {
                case.data.record = record.clone();
            }
            Ok(json!({
                "trust_service": update.trust_service,
                "handled_at": update.handled_at,
                "withdraw": update.withdraw,
                "intermediate_request": update.intermediate_request.is_some(),
                "record": update.record.is_some(),
            }))
        })
        .await
    }

    async fn nis2_submit(
        &self,
        scope: &TenantScope,
        incident: i64,
        submission: &NewSubmission,
        content: &serde_json::Value,
        actor: &str,
    ) -> Result<Nis2Case, SocError> {
        submission.check()?;
        if submission.stages.is_empty() {
            return Err(invalid(
                "stages",
                "a submission satisfies at least one stage",
            ));
        }
        if !["platform", "email", "phone"].contains(&submission.channel.as_str()) {
            return Err(invalid(
                "channel",
                format!(
                    "{:?}: expected platform, email or phone",
                    submission.channel
                ),
            ));
        }
        let content_text = content.to_string();
        let sha = vigie_nis2::report::sha256_hex(content_text.as_bytes());
        let context = "recording a NIS2 submission";
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(SocError::storage(context))?;
        let mut case = load(&mut tx, scope, incident)
            .await?
            .ok_or_else(|| not_found(incident))?;
        if case.data.aware_at.is_none() {
            return Err(invalid("aware_at", "set awareness before submitting"));
        }
        // A stage past its due date still goes out, with the reason it is late.
        let late: Vec<String> = case
            .dues(submission.submitted_at)
            .into_iter()
            .filter(|d| {
                // A final report also answers an overdue progress report.
                let covered = submission.stages.contains(&d.stage)
                    || (d.stage == vigie_nis2::model::Stage::ProgressReport
                        && submission
                            .stages
                            .contains(&vigie_nis2::model::Stage::FinalReport));
                covered && d.status == DueStatus::Overdue
            })
            .map(|d| d.stage.as_str().to_owned())
            .collect();
        if !late.is_empty()
            && submission
                .lateness_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            return Err(invalid(
                "lateness_reason",
                format!(
                    "{} is past its due date: give the reason it is late",
                    late.join(", ")
                ),
            ));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO nis2_submissions (incident_id, tenant_id, stages, submitted_at, channel, \
             reference, submitted_by, language, tlp, lateness_reason, content, content_sha256, \
             recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(incident)
        .bind(case.tenant.0)
        .bind(to_json(&submission.stages)?)
        .bind(submission.submitted_at.as_microsecond())
        .bind(&submission.channel)
        .bind(&submission.reference)
        .bind(actor)
        .bind(to_json(&submission.language)?)
        .bind(to_json(&submission.tlp)?)
        .bind(&submission.lateness_reason)
        .bind(&content_text)
        .bind(&sha)
        .bind(now_us())
        .fetch_one(&mut *tx)
        .await
        .map_err(SocError::storage(context))?
        .try_get("id")
        .map_err(SocError::storage(context))?;
        use vigie_nis2::model::Stage;
        let has = |s: Stage| submission.stages.contains(&s);
        let to = if has(Stage::FinalReport) {
            Some(ReportingState::FinalSent)
        } else if has(Stage::ProgressReport) {
            Some(ReportingState::ProgressSent)
        } else if has(Stage::IncidentNotification) || has(Stage::IntermediateReport) {
            Some(ReportingState::NotificationSent)
        } else if has(Stage::EarlyWarning) {
            Some(ReportingState::EarlyWarningSent)
        } else {
            None
        };
        if let Some(to) = to {
            advance(&mut case, to);
        }
        if has(Stage::IntermediateReport)
            && let Some(request) = case
                .data
                .requests
                .iter_mut()
                .find(|r| r.answered_at.is_none())
        {
            request.answered_at = Some(submission.submitted_at);
        }
        save(&mut tx, &case).await?;
        append_audit(
            &mut tx,
            &AuditRecord::new(
                actor,
                Some(case.tenant),
                "nis2.submission",
                format!("incident:{incident}"),
                json!({
                    "submission": id,
                    "stages": submission.stages,
                    "submitted_at": submission.submitted_at,
                    "channel": submission.channel,
                    "reference": submission.reference,
                    "content_sha256": sha,
                    "lateness_reason": submission.lateness_reason,
                }),
            ),
        )
        .await?;
        tx.commit().await.map_err(SocError::storage(context))?;
        self.nis2_case(scope, incident)
            .await?
            .ok_or_else(|| not_found(incident))
    }

    async fn nis2_open_cases(&self, scope: &TenantScope) -> Result<Vec<Nis2Case>, SocError> {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT incident_id FROM nis2_cases WHERE closed = 0 AND aware_at IS NOT NULL AND ",
        );
        push_scope(&mut qb, scope, "tenant_id");
        qb.push(" ORDER BY aware_at");
        let rows = qb
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(SocError::storage("listing NIS2 cases"))?;
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(SocError::storage("listing NIS2 cases"))?;
        let mut cases = Vec::new();
        for row in rows {
            let id: i64 = get(&row, "incident_id")?;
            if let Some(case) = load(&mut conn, scope, id).await? {
                cases.push(case);
            }
        }
        Ok(cases)
    }

    async fn nis2_send_reminders(
        &self,
        scope: &TenantScope,
        now: Timestamp,
        policy: &ReminderPolicy,
    ) -> Result<Vec<(i64, TenantSlug, SentReminder)>, SocError> {
        let mut sent = Vec::new();
        for case in self.nis2_open_cases(scope).await? {
            let start = case.data.aware_at.unwrap_or(case.detected_at);
            let mut fresh = Vec::new();
            for due in case.dues(now) {
                let (Some(due_at), true) = (
                    due.due_at,
                    matches!(due.status, DueStatus::Open | DueStatus::Overdue),
                ) else {
                    continue;
                };
                // Only the latest point that has passed: no burst of stale reminders.
                let Some(at) = policy
                    .points(start, due_at)
                    .into_iter()
                    .rfind(|t| *t <= now)
                else {
                    continue;
                };
                let reminder = SentReminder {
                    stage: due.stage,
                    due_at,
                    at,
                    breach: at == due_at,
                };
                if !case.data.reminders_sent.contains(&reminder) {
                    fresh.push(reminder);
                }
            }
            if fresh.is_empty() {
                continue;
            }
            let for_audit = fresh.clone();
            change(
                self,
                scope,
                case.incident_id,
                "system",
                "nis2.reminder",
                move |case| {
                    case.data.reminders_sent.extend(for_audit.iter().cloned());
                    Ok(json!({
                        "reminders": for_audit,
                        "to": ["assignee", "soc_lead", "entity_approvers"],
                    }))
                },
            )
            .await?;
            sent.extend(
                fresh
                    .into_iter()
                    .map(|r| (case.incident_id, case.tenant_slug.clone(), r)),
            );
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StateStore;
    use crate::access::Access;
    use crate::desk::{Actor, NewIncident};
    use jiff::SignedDuration;
    use std::sync::Arc;
    use vigie_nis2::model::{Lang, Stage, Tlp};
    use vigie_nis2::significance::{RulePack, assess};

    async fn setup() -> (
        tempfile::TempDir,
        Arc<SqliteStore>,
        TenantScope,
        i64,
        i64,
        TenantId,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(
            SqliteStore::open(&dir.path().join("s.sqlite"))
                .await
                .unwrap(),
        );
        let a = store
            .create_tenant(&TenantSlug::new("cpas-a").unwrap(), "CPAS A")
            .await
            .unwrap();
        let b = store
            .create_tenant(&TenantSlug::new("zone-b").unwrap(), "Zone B")
            .await
            .unwrap();
        let operator = Access::new(store.clone()).operator_scope();
        let new = |tenant| NewIncident {
            tenant,
            title: "Ransomware on file servers".into(),
            severity: None,
            rsit_class: None,
            rsit_type: None,
            tlp: None,
            alerts: Vec::new(),
        };
        let ia = store
            .create_incident(&Actor::operator(), &operator, &new(a.id))
            .await
            .unwrap();
        let ib = store
            .create_incident(&Actor::operator(), &operator, &new(b.id))
            .await
            .unwrap();
        (dir, store, operator, ia.id, ib.id, a.id)
    }

    #[tokio::test]
    async fn awareness_verdict_submission_and_clocks() {
        let (_dir, store, operator, incident, other, tenant_a) = setup().await;
        let scope_a = operator.narrow(tenant_a).unwrap();
        // Tenant A's scope cannot see tenant B's incident.
        assert!(store.nis2_case(&scope_a, other).await.unwrap().is_none());
        assert!(matches!(
            store
                .nis2_set_awareness(&scope_a, other, now(), "x", "user:ann")
                .await,
            Err(SocError::NotFound { .. })
        ));

        let case = store.nis2_case(&scope_a, incident).await.unwrap().unwrap();
        assert_eq!(case.state(), ReportingState::Detected);
        assert!(case.dues(now()).is_empty(), "no clock before awareness");

        let mut facts = Facts::default();
        facts.set_answer(
            "severe_disruption_or_financial_loss",
            vigie_nis2::model::TriState::Yes,
        );
        let assessment = assess(
            &RulePack::embedded(),
            &EntityProfile::default(),
            true,
            &Default::default(),
            &facts,
        );
        assert_eq!(assessment.verdict, Verdict::Significant);
        store
            .nis2_assess(&scope_a, incident, &facts, &assessment, "user:ann")
            .await
            .unwrap();
        // Confirming the proposal needs no reason; overriding it does.
        assert!(
            store
                .nis2_confirm(
                    &scope_a,
                    incident,
                    Verdict::NotSignificant,
                    None,
                    "user:ann"
                )
                .await
                .is_err()
        );
        let case = store
            .nis2_confirm(&scope_a, incident, Verdict::Significant, None, "user:ann")
            .await
            .unwrap();
        assert_eq!(case.state(), ReportingState::Significant);
        assert_eq!(case.data.confirmed_by.as_deref(), Some("user:ann"));

        // Awareness: not before detection, not in the future, with a reason.
        let before = case
            .detected_at
            .checked_sub(SignedDuration::from_secs(60))
            .unwrap();
        assert!(
            store
                .nis2_set_awareness(&scope_a, incident, before, "r", "user:ann")
                .await
                .is_err()
        );
        let future = now().checked_add(SignedDuration::from_hours(1)).unwrap();
        assert!(
            store
                .nis2_set_awareness(&scope_a, incident, future, "r", "user:ann")
                .await
                .is_err()
        );
        assert!(
            store
                .nis2_set_awareness(&scope_a, incident, now(), " ", "user:ann")
                .await
                .is_err()
        );
        let aware = now();
        let case = store
            .nis2_set_awareness(
                &scope_a,
                incident,
                aware,
                "triage confirmed encryption",
                "user:ann",
            )
            .await
            .unwrap();
        assert_eq!(case.state(), ReportingState::AwarenessSet);
        let dues = case.dues(aware);
        let ew = dues
            .iter()
            .find(|d| d.stage == Stage::EarlyWarning)
            .unwrap();
        assert_eq!(
            ew.due_at,
            Some(aware.checked_add(SignedDuration::from_hours(24)).unwrap())
        );

        // The board shows the open clocks, soonest first, and a reminder ahead.
        let open = store.nis2_open_cases(&operator).await.unwrap();
        let rows = crate::nis2::board(&open, aware, &ReminderPolicy::default());
        assert_eq!(rows[0].due.stage, Stage::EarlyWarning);
        assert!(rows[0].next_reminder.is_some());
        assert!(rows.windows(2).all(|w| w[0].due.due_at <= w[1].due.due_at));
        let scope_b = operator.narrow(TenantId(tenant_a.0 + 1)).unwrap();
        assert!(store.nis2_open_cases(&scope_b).await.unwrap().is_empty());

        // Thirteen hours later the T-50 % reminder of the early warning fires, once.
        let later = aware.checked_add(SignedDuration::from_hours(13)).unwrap();
        let sent = store
            .nis2_send_reminders(&operator, later, &ReminderPolicy::default())
            .await
            .unwrap();
        assert!(
            sent.iter()
                .any(|(_, _, r)| r.stage == Stage::EarlyWarning && !r.breach),
            "{sent:?}"
        );
        assert!(
            store
                .nis2_send_reminders(&operator, later, &ReminderPolicy::default())
                .await
                .unwrap()
                .is_empty()
        );
        // Tenant B's scope sends nothing for tenant A.
        assert!(
            store
                .nis2_send_reminders(&scope_b, later, &ReminderPolicy::default())
                .await
                .unwrap()
                .is_empty()
        );

        // A joint early warning and notification.
        let submission = NewSubmission {
            stages: vec![Stage::EarlyWarning, Stage::IncidentNotification],
            submitted_at: aware.checked_add(SignedDuration::from_hours(2)).unwrap(),
            channel: "platform".into(),
            reference: Some("CCB-2026-0001".into()),
            language: Lang::Nl,
            tlp: Tlp::Amber,
            lateness_reason: None,
        };
        let content = json!({"schema": "vigie.nis2.report/1", "stage": "early_warning"});
        let case = store
            .nis2_submit(&scope_a, incident, &submission, &content, "user:ann")
            .await
            .unwrap();
        assert_eq!(case.state(), ReportingState::NotificationSent);
        assert_eq!(case.submissions.len(), 1);
        assert_eq!(
            case.submissions[0].content_sha256,
            vigie_nis2::report::sha256_hex(content.to_string().as_bytes())
        );
        let dues = case.dues(submission.submitted_at);
        assert!(
            dues.iter()
                .filter(|d| d.stage != Stage::FinalReport)
                .all(|d| d.status == DueStatus::Met)
        );
        // Moving awareness later after a submission is refused.
        assert!(
            store
                .nis2_set_awareness(&scope_a, incident, now(), "later", "user:ann")
                .await
                .is_err()
        );

        // A final report after its due date needs a lateness reason.
        let late = NewSubmission {
            stages: vec![Stage::FinalReport],
            submitted_at: aware
                .checked_add(SignedDuration::from_hours(24 * 40))
                .unwrap(),
            lateness_reason: None,
            ..submission.clone()
        };
        let error = store
            .nis2_submit(&scope_a, incident, &late, &content, "user:ann")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("lateness_reason") && error.contains("progress_report"),
            "{error}"
        );
        let late = NewSubmission {
            lateness_reason: Some("forensic report delayed by the insurer".into()),
            ..late
        };
        let case = store
            .nis2_submit(&scope_a, incident, &late, &content, "user:ann")
            .await
            .unwrap();
        assert_eq!(case.state(), ReportingState::FinalSent);

        // Every change is in the audit chain.
        let entries = store.audit_entries(0, 1000).await.unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        for action in [
            "nis2.assess",
            "nis2.verdict.confirm",
            "nis2.awareness.set",
            "nis2.submission",
        ] {
            assert!(
                actions.contains(&action),
                "{action} missing from {actions:?}"
            );
        }
    }

    #[tokio::test]
    async fn profile_versions_are_kept_and_scoped() {
        let (_dir, store, operator, _, _, tenant_a) = setup().await;
        let profile = EntityProfile {
            legal_name: "CPAS A".into(),
            is_trust_service_provider: false,
            ..EntityProfile::default()
        };
        assert_eq!(
            store
                .nis2_set_profile(&operator, tenant_a, &profile, "operator")
                .await
                .unwrap(),
            1
        );
        let second = EntityProfile {
            enterprise_number: Some("0212.345.678".into()),
            ..profile.clone()
        };
        assert_eq!(
            store
                .nis2_set_profile(&operator, tenant_a, &second, "operator")
                .await
                .unwrap(),
            2
        );
        let current = store
            .nis2_profile(&operator, tenant_a)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(current.version, 2);
        assert_eq!(current.profile, second);
        let other = operator.narrow(TenantId(tenant_a.0 + 1)).unwrap();
        assert!(
            store
                .nis2_profile(&other, tenant_a)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .nis2_set_profile(&other, tenant_a, &profile, "x")
                .await
                .is_err()
        );
        let empty = EntityProfile::default();
        assert!(
            store
                .nis2_set_profile(&operator, tenant_a, &empty, "x")
                .await
                .is_err()
        );
    }
}
