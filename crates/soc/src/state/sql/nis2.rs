//! NIS2 cases. A case is one JSON value per incident (`nis2_cases.data`), its submissions
//! are rows with their frozen content; every change writes its audit entry in the same
//! transaction.

use jiff::Timestamp;
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::Row;
use vigie_access::TenantScope;
use vigie_event::{TenantId, TenantSlug};
use vigie_nis2::deadline::DueStatus;
use vigie_nis2::lifecycle::ReportingState;
use vigie_nis2::model::EntityProfile;
use vigie_nis2::significance::{Assessment, Facts, Verdict};

use super::build::Sql;
use super::desk::append_audit;
use super::{Reach, SqlStore, get, now, now_us, timestamp};
use crate::ids::IncidentId;
use crate::nis2::{
    Approval, CaseData, CaseUpdate, NewApproval, NewSubmission, Nis2Case, Nis2Store,
    ProfileVersion, ReminderPolicy, SentReminder, Submission, approval_check, approved_snapshot,
    snapshot_sha256,
};
use crate::{SocError, limits};
use vigie_access::audit::AuditRecord;

fn invalid(what: &'static str, message: impl Into<String>) -> SocError {
    SocError::InvalidValue {
        what,
        message: message.into(),
    }
}

fn not_found(id: IncidentId) -> SocError {
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
    conn: &mut AnyConnection,
    scope: &TenantScope,
    id: IncidentId,
) -> Result<Option<Nis2Case>, SocError> {
    let context = "reading a NIS2 case";
    let mut qb = Sql::new(
        "SELECT i.id, i.tenant_id, t.slug, i.title, i.created_at, \
         (SELECT MIN(a.first_seen) FROM alerts a WHERE a.incident_id = i.id) AS first_alert, \
         c.data FROM incidents i JOIN tenants t ON t.id = i.tenant_id \
         LEFT JOIN nis2_cases c ON c.incident_id = i.id WHERE ",
    );
    qb.scope(scope, "i.tenant_id");
    qb.push(" AND i.id = ").bind(id.0);
    let Some(row) = qb.fetch_optional(&mut *conn, context).await? else {
        return Ok(None);
    };
    let created: i64 = get(&row, "created_at")?;
    let first_alert: Option<i64> = get(&row, "first_alert")?;
    let data: Option<String> = get(&row, "data")?;
    let slug: String = get(&row, "slug")?;
    let mut case = Nis2Case {
        incident_id: IncidentId(get(&row, "id")?),
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
         lateness_reason, content_sha256 FROM nis2_submissions WHERE incident_id = $1 \
         ORDER BY submitted_at, id",
    )
    .bind(id.0)
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

/// The current profile of `tenant` (the caller checked the scope).
async fn load_profile(
    conn: &mut AnyConnection,
    tenant: TenantId,
) -> Result<Option<ProfileVersion>, SocError> {
    let context = "reading a NIS2 profile";
    let row = sqlx::query(
        "SELECT version, profile, set_by, set_at FROM nis2_profiles WHERE tenant_id = $1 \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(tenant.0)
    .fetch_optional(&mut *conn)
    .await
    .map_err(SocError::storage(context))?;
    let Some(row) = row else { return Ok(None) };
    let profile: String = get(&row, "profile")?;
    Ok(Some(ProfileVersion {
        version: u32::try_from(get::<i64>(&row, "version")?).unwrap_or(0),
        profile: from_json("nis2 profile", &profile)?,
        set_by: get(&row, "set_by")?,
        set_at: timestamp("nis2 profile", get(&row, "set_at")?)?,
    }))
}

async fn save(conn: &mut AnyConnection, case: &Nis2Case) -> Result<(), SocError> {
    let closed = matches!(
        case.state(),
        ReportingState::Closed | ReportingState::Downgraded | ReportingState::NotSignificant
    );
    sqlx::query(
        "INSERT INTO nis2_cases (incident_id, tenant_id, aware_at, closed, data, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (incident_id) DO UPDATE SET \
         aware_at = excluded.aware_at, closed = excluded.closed, data = excluded.data, \
         updated_at = excluded.updated_at",
    )
    .bind(case.incident_id.0)
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
    store: &SqlStore,
    scope: &TenantScope,
    incident: IncidentId,
    actor: &str,
    action: &str,
    change: F,
) -> Result<Nis2Case, SocError>
where
    F: FnOnce(&mut Nis2Case) -> Result<serde_json::Value, SocError>,
{
    let mut tx = store
        .write(Reach::Scope(scope), "changing a NIS2 case")
        .await?;
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
    tx.commit("changing a NIS2 case").await?;
    Ok(case)
}

fn advance(case: &mut Nis2Case, to: ReportingState) {
    case.data.state = Some(to);
}

#[async_trait::async_trait]
impl Nis2Store for SqlStore {
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
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let version: i64 = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM nis2_profiles WHERE tenant_id = $1",
        )
        .bind(tenant.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(SocError::storage(context))?
        .try_get("v")
        .map_err(SocError::storage(context))?;
        sqlx::query(
            "INSERT INTO nis2_profiles (tenant_id, version, profile, set_by, set_at) VALUES ($1, $2, $3, $4, $5)",
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
        tx.commit(context).await?;
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
        let context = "reading a NIS2 profile";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let profile = load_profile(&mut tx, tenant).await?;
        tx.commit(context).await?;
        Ok(profile)
    }

    async fn nis2_case(
        &self,
        scope: &TenantScope,
        incident: IncidentId,
    ) -> Result<Option<Nis2Case>, SocError> {
        let context = "reading a NIS2 case";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let case = load(&mut tx, scope, incident).await?;
        tx.commit(context).await?;
        Ok(case)
    }

    async fn nis2_set_awareness(
        &self,
        scope: &TenantScope,
        incident: IncidentId,
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
        incident: IncidentId,
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
        incident: IncidentId,
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
        incident: IncidentId,
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

    async fn nis2_approve(
        &self,
        scope: &TenantScope,
        incident: IncidentId,
        approval: &NewApproval,
        actor: &str,
    ) -> Result<Nis2Case, SocError> {
        let context = "approving a NIS2 report";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
        let mut case = load(&mut tx, scope, incident)
            .await?
            .ok_or_else(|| not_found(incident))?;
        if case.data.aware_at.is_none() {
            return Err(invalid(
                "aware_at",
                "set awareness before approving a report",
            ));
        }
        let profile = load_profile(&mut tx, case.tenant).await?;
        let at = now();
        let snapshot = approved_snapshot(
            &case,
            profile.as_ref(),
            approval.stage,
            approval.language,
            approval.tlp,
            actor,
            at,
        );
        let sha = snapshot_sha256(&snapshot);
        let version = case.next_version(approval.stage);
        let replaced = case.pending_approval(approval.stage).is_some();
        case.data
            .approvals
            .retain(|a| !(a.stage == approval.stage && a.submission.is_none()));
        case.data.approvals.push(Approval {
            stage: approval.stage,
            version,
            language: approval.language,
            tlp: approval.tlp,
            approved_by: actor.to_owned(),
            approved_at: at,
            content_sha256: sha.clone(),
            submission: None,
        });
        save(&mut tx, &case).await?;
        append_audit(
            &mut tx,
            &AuditRecord::new(
                actor,
                Some(case.tenant),
                "nis2.report.approve",
                format!("incident:{incident}"),
                json!({
                    "stage": approval.stage,
                    "version": version,
                    "language": approval.language,
                    "tlp": approval.tlp,
                    "content_sha256": sha,
                    "replaces_pending": replaced,
                }),
            ),
        )
        .await?;
        tx.commit(context).await?;
        Ok(case)
    }

    async fn nis2_submit(
        &self,
        scope: &TenantScope,
        incident: IncidentId,
        submission: &NewSubmission,
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
        let context = "recording a NIS2 submission";
        let mut tx = self.write(Reach::Scope(scope), context).await?;
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
        // Each stage goes out as it was approved: in the approval's language and TLP, and
        // only while nothing it is drafted from has changed (NIS2.md §7.3, §5.4).
        let profile = load_profile(&mut tx, case.tenant).await?;
        let mut reports = Vec::new();
        let mut approved = Vec::new();
        for stage in &submission.stages {
            let Some(approval) = case.pending_approval(*stage) else {
                return Err(invalid(
                    "stages",
                    format!(
                        "the {} report is not approved: approve it before recording its submission",
                        stage.as_str()
                    ),
                ));
            };
            if approval.language != submission.language {
                return Err(invalid(
                    "language",
                    format!(
                        "the {} report was approved in {:?}, not {:?}: approve it in that language",
                        stage.as_str(),
                        approval.language,
                        submission.language
                    ),
                ));
            }
            if approval.tlp != submission.tlp {
                return Err(invalid(
                    "tlp",
                    format!(
                        "the {} report was approved as {}, not {}: approve it under that label",
                        stage.as_str(),
                        approval.tlp.label(),
                        submission.tlp.label()
                    ),
                ));
            }
            let (snapshot, current) = approval_check(&case, profile.as_ref(), approval);
            if !current {
                return Err(invalid(
                    "stages",
                    format!(
                        "the {} report changed since {} approved it at {}: approve it again",
                        stage.as_str(),
                        approval.approved_by,
                        approval.approved_at
                    ),
                ));
            }
            reports.push(snapshot);
            approved.push(*stage);
        }
        let content = json!({ "reports": reports });
        let content_text = content.to_string();
        let sha = vigie_nis2::report::sha256_hex(content_text.as_bytes());
        let id: i64 = sqlx::query(
            "INSERT INTO nis2_submissions (incident_id, tenant_id, stages, submitted_at, channel, \
             reference, submitted_by, language, tlp, lateness_reason, content, content_sha256, \
             recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(incident.0)
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
        for approval in case.data.approvals.iter_mut() {
            if approval.submission.is_none() && approved.contains(&approval.stage) {
                approval.submission = Some(id);
            }
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
        tx.commit(context).await?;
        self.nis2_case(scope, incident)
            .await?
            .ok_or_else(|| not_found(incident))
    }

    async fn nis2_open_cases(&self, scope: &TenantScope) -> Result<Vec<Nis2Case>, SocError> {
        let mut qb = Sql::new(
            "SELECT incident_id FROM nis2_cases WHERE closed = 0 AND aware_at IS NOT NULL AND ",
        );
        qb.scope(scope, "tenant_id");
        qb.push(" ORDER BY aware_at");
        let context = "listing NIS2 cases";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let rows = qb.fetch_all(&mut tx, context).await?;
        let mut cases = Vec::new();
        for row in rows {
            let id = IncidentId(get(&row, "incident_id")?);
            if let Some(case) = load(&mut tx, scope, id).await? {
                cases.push(case);
            }
        }
        tx.commit(context).await?;
        Ok(cases)
    }

    async fn nis2_cases(&self, scope: &TenantScope, limit: u32) -> Result<Vec<Nis2Case>, SocError> {
        let mut qb = Sql::new("SELECT incident_id FROM nis2_cases WHERE aware_at IS NOT NULL AND ");
        qb.scope(scope, "tenant_id");
        qb.push(" ORDER BY aware_at DESC, incident_id DESC LIMIT ")
            .bind(i64::from(limit));
        let context = "listing NIS2 cases";
        let mut tx = self.read(Reach::Scope(scope), context).await?;
        let rows = qb.fetch_all(&mut tx, context).await?;
        let mut cases = Vec::new();
        for row in rows {
            let id = IncidentId(get(&row, "incident_id")?);
            if let Some(case) = load(&mut tx, scope, id).await? {
                cases.push(case);
            }
        }
        tx.commit(context).await?;
        Ok(cases)
    }

    async fn nis2_send_reminders(
        &self,
        scope: &TenantScope,
        now: Timestamp,
        policy: &ReminderPolicy,
    ) -> Result<Vec<(IncidentId, TenantSlug, SentReminder)>, SocError> {
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
