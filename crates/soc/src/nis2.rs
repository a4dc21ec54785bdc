//! NIS2 Article 23 on the desk's incidents: the entity profile of each tenant, and for each
//! incident its awareness, significance (engine proposal and named confirmation), reporting
//! state, report fields and submissions. The rules themselves (due dates, significance,
//! state machine, report rendering) are in `vigie-nis2`; this module stores and guards.
//!
//! Every change to `aware_at`, a verdict, an approval or a submission is an audit entry, in
//! the same transaction as the change.
//!
//! A stage's report is approved before it is submitted (NIS2.md §7.3: "EW approved", "IN
//! approved"; §5.4 approver and `approved_at`, content frozen at approval): an [`Approval`]
//! names who approved which stage, in which language and under which TLP label, and keeps
//! the SHA-256 of the report's JSON snapshot as approved. A submission needs a pending
//! approval of each of its stages whose content is still the same; any change to what the
//! report is drafted from (report fields, facts, awareness, profile) makes it stale, and the
//! report must be approved again. The submission's frozen content is the approved snapshot.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vigie_access::TenantScope;
use vigie_event::{TenantId, TenantSlug};
use vigie_nis2::deadline::{ClockInput, Due, IntermediateRequest, Submitted, compute};
use vigie_nis2::lifecycle::ReportingState;
use vigie_nis2::model::{EntityProfile, Lang, Stage, Tlp};
use vigie_nis2::report::IncidentRecord;
use vigie_nis2::significance::{Assessment, Facts, Verdict};

use crate::SocError;
use crate::ids::IncidentId;

/// A tenant's entity profile, one version of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileVersion {
    /// 1, 2, ...
    pub version: u32,
    /// The profile.
    pub profile: EntityProfile,
    /// Who set it.
    pub set_by: String,
    /// When.
    pub set_at: Timestamp,
}

/// A submission to the authority, with its frozen content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// Store id.
    pub id: i64,
    /// Stages it satisfies (an early warning and a notification may go together).
    pub stages: Vec<Stage>,
    /// When it was sent.
    pub submitted_at: Timestamp,
    /// `platform`, `email` or `phone` (a phone submission needs a written follow-up).
    pub channel: String,
    /// The authority's reference, if given.
    pub reference: Option<String>,
    /// Who sent it.
    pub submitted_by: String,
    /// Report language.
    pub language: Lang,
    /// TLP label.
    pub tlp: Tlp,
    /// Why it was late, when it was.
    pub lateness_reason: Option<String>,
    /// SHA-256 of the frozen content.
    pub content_sha256: String,
}

/// The approval of a stage's report by a named person (§5.4, §7.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The stage.
    pub stage: Stage,
    /// The version of that stage's report it approves (1, then 2 after a first submission ...).
    pub version: u32,
    /// Report language.
    pub language: Lang,
    /// TLP label.
    pub tlp: Tlp,
    /// Who approved it (the actor).
    pub approved_by: String,
    /// When.
    pub approved_at: Timestamp,
    /// SHA-256 of the JSON snapshot as approved ([`approved_snapshot`]).
    pub content_sha256: String,
    /// The submission that sent it; `None` while it waits to be submitted.
    pub submission: Option<i64>,
}

/// A report to approve.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApproval {
    /// The stage.
    pub stage: Stage,
    /// Report language.
    pub language: Lang,
    /// TLP label.
    pub tlp: Tlp,
}

/// What the case of an incident holds besides its submissions (stored as one JSON value).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseData {
    /// Legal anchor, set by a person.
    pub aware_at: Option<Timestamp>,
    /// Why that moment.
    pub aware_reason: Option<String>,
    /// Who set it.
    pub aware_set_by: Option<String>,
    /// The incident affects a trust service of a trust service provider.
    pub trust_service: bool,
    /// Handling complete.
    pub handled_at: Option<Timestamp>,
    /// Significance withdrawn after reporting began.
    pub withdrawn_at: Option<Timestamp>,
    /// Facts for the significance engine.
    pub facts: Facts,
    /// The engine's last proposal.
    pub proposed: Option<Verdict>,
    /// The verdict confirmed by a named analyst.
    pub confirmed: Option<Verdict>,
    /// Who confirmed it.
    pub confirmed_by: Option<String>,
    /// When.
    pub confirmed_at: Option<Timestamp>,
    /// Reporting state.
    pub state: Option<ReportingState>,
    /// Intermediate-report requests of the CSIRT.
    pub requests: Vec<IntermediateRequest>,
    /// The fields the reports are filled from.
    pub record: IncidentRecord,
    /// Reminders already sent.
    #[serde(default)]
    pub reminders_sent: Vec<SentReminder>,
    /// Approvals of stage reports, pending or used by a submission.
    #[serde(default)]
    pub approvals: Vec<Approval>,
}

/// A reminder that was sent (§6.2.5): to the assignee, the SOC lead and the entity's
/// approvers, visible on the case and in the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentReminder {
    /// The stage whose clock it is about.
    pub stage: Stage,
    /// That stage's due date.
    pub due_at: Timestamp,
    /// The reminder instant (T-50 %, T-4 h, T-1 h, or the due date itself: breach).
    pub at: Timestamp,
    /// Whether this one marks the breach.
    pub breach: bool,
}

/// When reminders go out: after each fraction of a stage's period, each duration before its
/// due date, and at the due date itself (breach). Default: T-50 %, T-4 h, T-1 h, at breach.
#[derive(Clone, Debug, PartialEq)]
pub struct ReminderPolicy {
    /// Fractions of the period (0 < f < 1).
    pub fractions: Vec<f64>,
    /// Lead times before the due date.
    pub before: Vec<jiff::SignedDuration>,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        Self {
            fractions: vec![0.5],
            before: vec![
                jiff::SignedDuration::from_hours(4),
                jiff::SignedDuration::from_hours(1),
            ],
        }
    }
}

static CONFIGURED: std::sync::OnceLock<ReminderPolicy> = std::sync::OnceLock::new();

impl ReminderPolicy {
    /// The reminder instants of a clock running from `start` to `due`.
    pub fn points(&self, start: Timestamp, due: Timestamp) -> Vec<Timestamp> {
        vigie_nis2::deadline::reminders(start, due, &self.fractions, &self.before)
    }

    /// Sets the process's policy from the configuration (first call wins; `vigie serve`
    /// calls it once at start).
    pub fn configure(policy: ReminderPolicy) {
        let _ = CONFIGURED.set(policy);
    }

    /// The process's policy: the configured one, else the default.
    pub fn configured() -> ReminderPolicy {
        CONFIGURED.get().cloned().unwrap_or_default()
    }
}

/// The NIS2 view of one incident.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Nis2Case {
    /// Incident id.
    pub incident_id: IncidentId,
    /// Tenant.
    pub tenant: TenantId,
    /// Tenant slug.
    pub tenant_slug: TenantSlug,
    /// Incident title.
    pub title: String,
    /// First signal: the earliest alert of the incident, else its creation.
    pub detected_at: Timestamp,
    /// The stored case.
    pub data: CaseData,
    /// Submissions made.
    pub submissions: Vec<Submission>,
}

impl Nis2Case {
    /// The input of the clocks.
    pub fn clock_input(&self) -> ClockInput {
        ClockInput {
            aware_at: self.data.aware_at,
            trust_service: self.data.trust_service,
            submissions: self
                .submissions
                .iter()
                .map(|s| Submitted {
                    stages: s.stages.clone(),
                    at: s.submitted_at,
                })
                .collect(),
            intermediate_requests: self.data.requests.clone(),
            handled_at: self.data.handled_at,
            withdrawn_at: self.data.withdrawn_at,
        }
    }

    /// Every due date at `now`.
    pub fn dues(&self, now: Timestamp) -> Vec<Due> {
        compute(&self.clock_input(), now)
    }

    /// The reporting state (Detected before anything happened).
    pub fn state(&self) -> ReportingState {
        self.data.state.unwrap_or(ReportingState::Detected)
    }

    /// The version the next report of `stage` will have: one more than the submissions that
    /// carried that stage.
    pub fn next_version(&self, stage: Stage) -> u32 {
        1 + self
            .submissions
            .iter()
            .filter(|s| s.stages.contains(&stage))
            .count() as u32
    }

    /// The approval of `stage` waiting to be submitted, if any.
    pub fn pending_approval(&self, stage: Stage) -> Option<&Approval> {
        self.data
            .approvals
            .iter()
            .rev()
            .find(|a| a.stage == stage && a.submission.is_none())
    }
}

/// A submission to record.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSubmission {
    /// Stages it satisfies.
    pub stages: Vec<Stage>,
    /// When it was sent.
    pub submitted_at: Timestamp,
    /// `platform`, `email` or `phone`.
    pub channel: String,
    /// The authority's reference.
    pub reference: Option<String>,
    /// Report language.
    pub language: Lang,
    /// TLP label.
    pub tlp: Tlp,
    /// Required when a stage is past its due date.
    pub lateness_reason: Option<String>,
}

/// NIS2 storage. Every method takes the caller's scope.
#[async_trait::async_trait]
pub trait Nis2Store: Send + Sync + 'static {
    /// Sets a new version of a tenant's profile; returns its version number.
    async fn nis2_set_profile(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
        profile: &EntityProfile,
        actor: &str,
    ) -> Result<u32, SocError>;
    /// The current profile of a tenant.
    async fn nis2_profile(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
    ) -> Result<Option<ProfileVersion>, SocError>;
    /// The case of an incident (an empty case for an incident never touched).
    async fn nis2_case(
        &self,
        scope: &TenantScope,
        incident: IncidentId,
    ) -> Result<Option<Nis2Case>, SocError>;
    /// Sets awareness (§6.2.2: ≥ detected_at, not in the future, with a reason).
    async fn nis2_set_awareness(
        &self,
        scope: &TenantScope,
        incident: IncidentId,
        aware_at: Timestamp,
        reason: &str,
        actor: &str,
    ) -> Result<Nis2Case, SocError>;
    /// Stores facts and the engine's proposal.
    async fn nis2_assess(
        &self,
        scope: &TenantScope,
        incident: IncidentId,
        facts: &Facts,
        assessment: &Assessment,
        actor: &str,
    ) -> Result<Nis2Case, SocError>;
    /// Confirms a verdict (a reason is required when it differs from the proposal).
    async fn nis2_confirm(
        &self,
        scope: &TenantScope,
        incident: IncidentId,
        verdict: Verdict,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<Nis2Case, SocError>;
    /// Replaces the report fields and flags of a case.
    async fn nis2_update(
        &self,
        scope: &TenantScope,
        incident: IncidentId,
        update: &CaseUpdate,
        actor: &str,
    ) -> Result<Nis2Case, SocError>;
    /// Approves the current draft of a stage's report (awareness must be set): records who,
    /// when, language, TLP and the SHA-256 of its snapshot; replaces a pending approval of
    /// the same stage.
    async fn nis2_approve(
        &self,
        scope: &TenantScope,
        incident: IncidentId,
        approval: &NewApproval,
        actor: &str,
    ) -> Result<Nis2Case, SocError>;
    /// Records a submission. Each of its stages needs a pending approval in the submission's
    /// language and TLP whose content has not changed since; the frozen content is the
    /// approved snapshot of each stage.
    async fn nis2_submit(
        &self,
        scope: &TenantScope,
        incident: IncidentId,
        submission: &NewSubmission,
        actor: &str,
    ) -> Result<Nis2Case, SocError>;
    /// Every case with a running clock (aware, not closed) in the scope.
    async fn nis2_open_cases(&self, scope: &TenantScope) -> Result<Vec<Nis2Case>, SocError>;
    /// The cases whose clocks started (awareness set), open or not, in the scope: the
    /// latest awareness first, at most `limit`.
    async fn nis2_cases(&self, scope: &TenantScope, limit: u32) -> Result<Vec<Nis2Case>, SocError>;
    /// Sends every reminder whose time has come at `now` under `policy` (recorded on the
    /// case and audited once each); returns them with their incident.
    async fn nis2_send_reminders(
        &self,
        scope: &TenantScope,
        now: Timestamp,
        policy: &ReminderPolicy,
    ) -> Result<Vec<(IncidentId, TenantSlug, SentReminder)>, SocError>;
}

/// Changes to a case other than awareness, verdicts and submissions.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseUpdate {
    /// Trust-service incident (24 h notification).
    pub trust_service: Option<bool>,
    /// Handling complete.
    pub handled_at: Option<Timestamp>,
    /// Withdraw significance now.
    pub withdraw: Option<bool>,
    /// A CSIRT request for an intermediate report.
    pub intermediate_request: Option<IntermediateRequest>,
    /// Report fields (replaced whole when given).
    pub record: Option<IncidentRecord>,
}

/// One open clock on the board.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BoardRow {
    /// Incident.
    pub incident_id: IncidentId,
    /// Tenant.
    pub tenant_slug: TenantSlug,
    /// Incident title.
    pub title: String,
    /// The due date.
    pub due: Due,
    /// Reminder instants (default T-50 %, T-4 h, T-1 h, at due) still ahead.
    pub next_reminder: Option<Timestamp>,
}

/// Every open clock of `cases` at `now`, soonest first (the SOC lead's board), with the next
/// reminder under `policy`.
pub fn board(cases: &[Nis2Case], now: Timestamp, policy: &ReminderPolicy) -> Vec<BoardRow> {
    use vigie_nis2::deadline::DueStatus;
    let mut rows: Vec<BoardRow> = cases
        .iter()
        .flat_map(|case| {
            case.dues(now).into_iter().filter_map(move |due| {
                let open = matches!(due.status, DueStatus::Open | DueStatus::Overdue);
                let at = due.due_at?;
                if !open {
                    return None;
                }
                let start = case.data.aware_at.unwrap_or(case.detected_at);
                let next_reminder = policy.points(start, at).into_iter().find(|t| *t > now);
                Some(BoardRow {
                    incident_id: case.incident_id,
                    tenant_slug: case.tenant_slug.clone(),
                    title: case.title.clone(),
                    due,
                    next_reminder,
                })
            })
        })
        .collect();
    rows.sort_by_key(|r| r.due.due_at);
    rows
}

/// The significance engine run on a case with its tenant's profile (Belgian entities; no
/// "to confirm" pack activated unless named in `activated`).
pub fn assess_case(
    profile: Option<&EntityProfile>,
    facts: &Facts,
    activated: &std::collections::BTreeSet<String>,
) -> Assessment {
    let default = EntityProfile::default();
    vigie_nis2::significance::assess(
        &vigie_nis2::significance::RulePack::embedded(),
        profile.unwrap_or(&default),
        true,
        activated,
        facts,
    )
}

/// What a report of `stage` is drafted from: the case's report fields, completed with the
/// incident's reference, times, the significance criteria met and the last submission.
pub fn report_input(
    case: &Nis2Case,
    profile: Option<&ProfileVersion>,
    stage: Stage,
    language: Lang,
    tlp: Tlp,
    now: Timestamp,
) -> vigie_nis2::report::ReportInput {
    let mut record = case.data.record.clone();
    if record.internal_ref.is_empty() {
        record.internal_ref = format!("{}-INC-{}", case.tenant_slug, case.incident_id);
    }
    record.detected_at = Some(case.detected_at);
    record.aware_at = case.data.aware_at;
    if record.title.is_none() {
        record.title = Some(vigie_nis2::report::Text {
            lang: language,
            text: case.title.clone(),
        });
    }
    let assessment = assess_case(
        profile.map(|p| &p.profile),
        &case.data.facts,
        &Default::default(),
    );
    record.criteria_met = assessment
        .findings
        .iter()
        .filter(|f| !f.advisory && f.result == vigie_nis2::model::TriState::Yes)
        .map(|f| vigie_nis2::report::CriterionMet {
            code: format!("{} {}", f.pack, f.code),
            source: f.source.clone(),
            text: f.text.clone(),
        })
        .collect();
    if record.authority_ref.is_none() {
        record.authority_ref = case
            .submissions
            .iter()
            .rev()
            .find_map(|s| s.reference.clone());
    }
    let previous = case
        .submissions
        .last()
        .map(|s| format!("submission {}", s.id));
    let version = case.next_version(stage);
    vigie_nis2::report::ReportInput {
        stage,
        version,
        language,
        tlp,
        profile: profile.map(|p| p.profile.clone()).unwrap_or_default(),
        incident: record,
        previous_report: previous,
        approved_by: None,
        submitted_at: None,
        generated_at: now,
    }
}

/// The name an approver is shown under on a report (the actor without its `user:` prefix).
pub fn approver_name(actor: &str) -> &str {
    actor.strip_prefix("user:").unwrap_or(actor)
}

/// The JSON snapshot of `stage`'s report as approved by `actor` at `at`: the draft of
/// [`report_input`] made at the approval instant, naming its approver. Deterministic: the
/// same case and profile give the same snapshot, so a submission can check that what it
/// sends is what was approved.
pub fn approved_snapshot(
    case: &Nis2Case,
    profile: Option<&ProfileVersion>,
    stage: Stage,
    language: Lang,
    tlp: Tlp,
    actor: &str,
    at: Timestamp,
) -> serde_json::Value {
    let mut input = report_input(case, profile, stage, language, tlp, at);
    input.approved_by = Some(approver_name(actor).to_owned());
    vigie_nis2::report::snapshot_json(&input)
}

/// SHA-256 of a snapshot as stored and compared.
pub fn snapshot_sha256(snapshot: &serde_json::Value) -> String {
    vigie_nis2::report::sha256_hex(snapshot.to_string().as_bytes())
}

/// The snapshot of an approval's report as the case is now, and whether it is still the one
/// that was approved (nothing it is drafted from changed since).
pub fn approval_check(
    case: &Nis2Case,
    profile: Option<&ProfileVersion>,
    approval: &Approval,
) -> (serde_json::Value, bool) {
    let snapshot = approved_snapshot(
        case,
        profile,
        approval.stage,
        approval.language,
        approval.tlp,
        &approval.approved_by,
        approval.approved_at,
    );
    let current = snapshot_sha256(&snapshot) == approval.content_sha256;
    (snapshot, current)
}
