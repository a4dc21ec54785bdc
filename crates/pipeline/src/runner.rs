use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use vigie_detect::RuleSet;
use vigie_detect::correlation::{CorrelationSet, Observation};

use crate::correlate::{FileSnapshots, Snapshot, SnapshotError, SnapshotStore, alert_of};
use vigie_access::TenantScope;
use vigie_event::{Event, TenantId};
use vigie_log::{LogError, LogReader, Offset, Record};
use vigie_soc::{DetectionStore, NewAlert, SocError};

/// Settings of the pipeline, from the `[pipeline]` section of the configuration.
#[derive(Clone, Debug)]
pub struct PipelineConfig {
    /// Name under which the pipeline commits its log position.
    pub consumer: String,
    /// Most records handled per step.
    pub batch_size: usize,
    /// How long to wait for new records before looking again.
    pub idle_wait: Duration,
    /// Pause before retrying after a storage failure.
    pub retry_wait: Duration,
    /// While the log is busy, the position (and correlation state) is committed at most
    /// this often; a step that empties the log always commits. A crash replays what came
    /// after the last commit, which creates no duplicate alert.
    pub commit_interval: Duration,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            consumer: "detect".to_owned(),
            batch_size: 4000,
            idle_wait: Duration::from_millis(500),
            retry_wait: Duration::from_secs(1),
            commit_interval: Duration::from_secs(1),
        }
    }
}

/// A step that could not complete; the batch stays uncommitted and is retried.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Reading or committing the log failed.
    #[error("durable log: {0}")]
    Log(#[from] LogError),
    /// Recording alerts failed.
    #[error("state store: {0}")]
    Store(#[from] SocError),
    /// The detection thread panicked.
    #[error("detection task failed: {0}")]
    Detection(String),
}

/// What one step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepOutcome {
    /// Records read and handled (including undecodable ones).
    pub records: usize,
    /// Rule matches found.
    pub matches: usize,
    /// Alerts that were new (not already recorded by an earlier run).
    pub new_alerts: u64,
    /// Offset committed after the step (behind [`Pipeline::position`] while the log is
    /// busy and the commit interval has not passed).
    pub committed: Offset,
}

/// Reads the log, detects, records alerts.
pub struct Pipeline {
    /// The reader of the pipeline's partition, with what a failed step left to retry.
    reading: tokio::sync::Mutex<Reading>,
    /// Where the reader stands, for [`Pipeline::position`] without waiting for a step.
    marks: std::sync::Mutex<Marks>,
    /// The rules now in force; [`Pipeline::replace_rules`] swaps them between steps.
    rules: std::sync::RwLock<Arc<RuleSet>>,
    store: Arc<dyn DetectionStore>,
    /// Scope used only to name tenants in metric labels.
    label_scope: TenantScope,
    labels: tokio::sync::Mutex<HashMap<TenantId, String>>,
    config: PipelineConfig,
    correlations: Option<Correlations>,
}

/// The reader and the batch a failed step must handle again (the reader has moved past it).
struct Reading {
    reader: Box<dyn LogReader>,
    retry: Option<Vec<Record>>,
    /// When the position was last committed.
    committed_at: Option<std::time::Instant>,
}

/// The reader's position and committed position after the last step.
#[derive(Clone, Copy, Debug, Default)]
struct Marks {
    position: Offset,
    committed: Offset,
}

/// The correlation rules, their state, and where the state is saved.
struct Correlations {
    set: std::sync::RwLock<Arc<CorrelationSet>>,
    /// `None` only while a step runs on the blocking thread.
    snapshot: std::sync::Mutex<Option<Snapshot>>,
    /// Where the state is saved (none: kept in memory only).
    store: Option<Arc<dyn SnapshotStore>>,
    /// The store's revision this pipeline last read or wrote.
    revision: std::sync::atomic::AtomicU64,
    /// Whether the next batch must first look whether another process saved the state
    /// (after start, an idle step or a failed one: the partition may have moved).
    recheck: std::sync::atomic::AtomicBool,
}

struct Detected {
    alerts: Vec<NewAlert>,
    matches: usize,
    per_tenant: HashMap<TenantId, u64>,
}

impl Pipeline {
    /// A pipeline reading with `reader` (one partition of the log, as consumer
    /// [`PipelineConfig::consumer`]) with `rules`, writing alerts to `store`. `label_scope`
    /// lets it read tenant slugs for metric labels.
    pub fn new(
        reader: Box<dyn LogReader>,
        rules: Arc<RuleSet>,
        store: Arc<dyn DetectionStore>,
        label_scope: TenantScope,
        config: PipelineConfig,
    ) -> Self {
        let marks = Marks {
            position: reader.position(),
            committed: reader.committed(),
        };
        Self {
            reading: tokio::sync::Mutex::new(Reading {
                reader,
                retry: None,
                committed_at: None,
            }),
            marks: std::sync::Mutex::new(marks),
            rules: std::sync::RwLock::new(rules),
            store,
            label_scope,
            labels: tokio::sync::Mutex::new(HashMap::new()),
            config,
            correlations: None,
        }
    }

    /// Adds correlation rules. Their state is read from `state_path` (if any) and saved there
    /// before every commit of the log position.
    pub fn with_correlations(
        mut self,
        set: Arc<CorrelationSet>,
        state_path: Option<std::path::PathBuf>,
    ) -> Result<Self, SnapshotError> {
        let snapshot = match &state_path {
            Some(path) => Snapshot::load(path)?,
            None => Snapshot::default(),
        };
        self.correlations = Some(Correlations {
            set: std::sync::RwLock::new(set),
            snapshot: std::sync::Mutex::new(Some(snapshot)),
            store: state_path
                .map(|path| Arc::new(FileSnapshots { path }) as Arc<dyn SnapshotStore>),
            revision: std::sync::atomic::AtomicU64::new(0),
            recheck: std::sync::atomic::AtomicBool::new(false),
        });
        Ok(self)
    }

    /// Adds correlation rules whose state lives in `store` (cluster mode: shared by the
    /// processes that may own this partition). The state is read now, again whenever the
    /// partition may have moved, and saved before every commit of the log position.
    pub async fn with_correlation_store(
        mut self,
        set: Arc<CorrelationSet>,
        store: Arc<dyn SnapshotStore>,
    ) -> Result<Self, SnapshotError> {
        let (snapshot, revision) = store.load().await?.unwrap_or_default();
        self.correlations = Some(Correlations {
            set: std::sync::RwLock::new(set),
            snapshot: std::sync::Mutex::new(Some(snapshot)),
            store: Some(store),
            revision: std::sync::atomic::AtomicU64::new(revision),
            recheck: std::sync::atomic::AtomicBool::new(false),
        });
        Ok(self)
    }

    /// In cluster mode, before a batch after a pause: if another process saved the
    /// correlation state since this one did, go on from that state.
    async fn take_over_correlation_state(&self) -> Result<(), PipelineError> {
        use std::sync::atomic::Ordering;
        let Some(c) = &self.correlations else {
            return Ok(());
        };
        let Some(store) = c.store.as_ref().filter(|s| s.shared()) else {
            return Ok(());
        };
        if !c.recheck.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let failed = |e: SnapshotError| PipelineError::Detection(e.to_string());
        let now = store.revision().await.map_err(|e| {
            c.recheck.store(true, Ordering::Release);
            failed(e)
        })?;
        if now == c.revision.load(Ordering::Acquire) {
            return Ok(());
        }
        let Some((snapshot, revision)) = store.load().await.map_err(|e| {
            c.recheck.store(true, Ordering::Release);
            failed(e)
        })?
        else {
            return Ok(());
        };
        tracing::info!(
            consumer = %self.config.consumer,
            offset = snapshot.offset,
            revision,
            "correlation state taken over from another process"
        );
        metrics::counter!("vigie_correlation_state_takeovers_total").increment(1);
        *c.snapshot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(snapshot);
        c.revision.store(revision, Ordering::Release);
        Ok(())
    }

    /// Runs until `shutdown` turns true, retrying failed steps after a pause.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(
            rules = self.current_rules().len(),
            consumer = %self.config.consumer,
            from = self.position(),
            "pipeline started"
        );
        while !*shutdown.borrow() {
            // A step waits at most `idle_wait` for records, so shutdown is seen that often;
            // a step is never cancelled halfway (its records would be handed out again).
            match self.step_waiting(self.config.idle_wait).await {
                Ok(_) => {}
                Err(error) => {
                    metrics::counter!("vigie_pipeline_step_errors_total").increment(1);
                    tracing::error!(%error, "pipeline step failed; the batch will be retried");
                    tokio::select! {
                        _ = tokio::time::sleep(self.config.retry_wait) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }
        }
        if let Err(error) = self.flush().await {
            tracing::error!(%error, "cannot commit the pipeline's position at shutdown; the events after the last commit will be detected again (no duplicate alerts)");
        }
        tracing::info!(at = self.position(), "pipeline stopped");
    }

    /// Asks the next batch to look first whether the shared correlation state moved on.
    fn mark_recheck(&self) {
        if let Some(c) = &self.correlations {
            c.recheck.store(true, std::sync::atomic::Ordering::Release);
        }
    }

    /// The rules the next step runs.
    fn current_rules(&self) -> Arc<RuleSet> {
        self.rules
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Puts new rules (and correlations) in force from the next step on, without a
    /// restart. Windows of correlations that keep their id go on; those of removed ones are
    /// forgotten.
    pub fn replace_rules(&self, rules: Arc<RuleSet>, correlations: Arc<CorrelationSet>) {
        *self
            .rules
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = rules;
        if let Some(c) = &self.correlations {
            if let Some(snapshot) = c
                .snapshot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .as_mut()
            {
                correlations.forget_others(&mut snapshot.state);
            }
            *c.set
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = correlations;
        }
    }

    /// Hands the partition over (see [`LogReader::close`]); call after [`Pipeline::run`]
    /// returned. What was not committed is handed out again to the next reader.
    pub async fn close(self) -> Result<(), LogError> {
        self.reading.into_inner().reader.close().await
    }

    /// The position after the last record the pipeline handled (where it reads on).
    pub fn position(&self) -> Offset {
        self.marks().position
    }

    /// The committed position (where a restart would resume).
    pub fn committed(&self) -> Offset {
        self.marks().committed
    }

    fn marks(&self) -> std::sync::MutexGuard<'_, Marks> {
        self.marks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn note(&self, reading: &Reading) {
        // A batch waiting for a retry is not handled yet: the position stays before it.
        let position = match reading.retry.as_ref().and_then(|r| r.first()) {
            Some(first) => first.offset,
            None => reading.reader.position(),
        };
        *self.marks() = Marks {
            position,
            committed: reading.reader.committed(),
        };
    }

    /// Commits the position (and saves the correlation state) if handled batches are not
    /// committed yet.
    pub async fn flush(&self) -> Result<Offset, PipelineError> {
        let mut reading = self.reading.lock().await;
        let next = match reading.retry.as_ref().and_then(|r| r.first()) {
            Some(first) => first.offset,
            None => reading.reader.position(),
        };
        if next > reading.reader.committed() {
            self.commit(&mut reading, next).await?;
        }
        self.note(&reading);
        Ok(reading.reader.committed())
    }

    /// Saves the correlation state for `next`, then commits `next` in the log.
    async fn commit(&self, reading: &mut Reading, next: Offset) -> Result<(), PipelineError> {
        if let Some(c) = &self.correlations {
            let bytes = {
                let mut slot = c
                    .snapshot
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                slot.as_mut().map(|snapshot| {
                    snapshot.offset = snapshot.offset.max(next);
                    snapshot.to_bytes()
                })
            };
            if let (Some(store), Some(bytes)) = (&c.store, bytes) {
                use std::sync::atomic::Ordering;
                let expected = c.revision.load(Ordering::Acquire);
                match store.save(bytes, expected).await {
                    Ok(revision) => c.revision.store(revision, Ordering::Release),
                    Err(error) => {
                        // Another process may own the partition now: read again first.
                        c.recheck.store(true, Ordering::Release);
                        return Err(PipelineError::Detection(error.to_string()));
                    }
                }
            }
        }
        reading.reader.commit(next).await?;
        reading.committed_at = Some(std::time::Instant::now());
        Ok(())
    }

    /// Handles one batch, if any is waiting. The position is committed when the batch
    /// empties the log or [`PipelineConfig::commit_interval`] has passed since the last
    /// commit; otherwise the next step reads on from [`Pipeline::position`].
    pub async fn step(&self) -> Result<StepOutcome, PipelineError> {
        self.step_waiting(Duration::ZERO).await
    }

    /// [`Pipeline::step`], waiting up to `wait` for records when none is waiting.
    pub async fn step_waiting(&self, wait: Duration) -> Result<StepOutcome, PipelineError> {
        let mut reading = self.reading.lock().await;
        let records = match reading.retry.take() {
            Some(records) => records,
            None => reading.reader.next(self.config.batch_size, wait).await?,
        };
        if records.is_empty() {
            drop(reading);
            let committed = self.flush().await?;
            self.mark_recheck();
            return Ok(StepOutcome {
                committed,
                ..StepOutcome::default()
            });
        }
        let outcome = match self.take_over_correlation_state().await {
            Ok(()) => self.handle(&mut reading, &records).await,
            Err(error) => Err(error),
        };
        if outcome.is_err() {
            reading.retry = Some(records);
            self.mark_recheck();
        }
        self.note(&reading);
        outcome
    }

    /// Detects on `records`, records the alerts, commits when due.
    async fn handle(
        &self,
        reading: &mut Reading,
        records: &[Record],
    ) -> Result<StepOutcome, PipelineError> {
        let Some(last) = records.last().map(|r| r.offset) else {
            return Ok(StepOutcome::default());
        };
        let records = records.to_vec();
        let count = records.len();
        let rules = self.current_rules();
        let correlation = self.correlations.as_ref().map(|c| {
            let snapshot = c
                .snapshot
                .lock()
                .map(|mut s| s.take().unwrap_or_default())
                .unwrap_or_default();
            let set = c
                .set
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            (set, snapshot)
        });
        let (detected, snapshot) = tokio::task::spawn_blocking(move || {
            let mut correlation = correlation;
            let detected = detect(
                &rules,
                correlation.as_mut().map(|(set, snap)| (&**set, snap)),
                &records,
            );
            (detected, correlation.map(|(_, snap)| snap))
        })
        .await
        .map_err(|e| PipelineError::Detection(e.to_string()))?;
        let new_alerts = self.store.insert_alerts(&detected.alerts).await?;
        if let (Some(c), Some(mut snapshot)) = (&self.correlations, snapshot) {
            // Its offset moves to what it covers, and it is saved, with the next commit.
            export_correlation_counters(&snapshot);
            // Rules replaced while this step ran: drop the windows of removed correlations.
            c.set
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .forget_others(&mut snapshot.state);
            if let Ok(mut slot) = c.snapshot.lock() {
                *slot = Some(snapshot);
            }
        }
        let due = count < self.config.batch_size
            || reading
                .committed_at
                .is_none_or(|at| at.elapsed() >= self.config.commit_interval);
        if due {
            self.commit(reading, last + 1).await?;
        }
        self.count(&detected, new_alerts, reading.reader.lag())
            .await;
        Ok(StepOutcome {
            records: count,
            matches: detected.matches,
            new_alerts,
            committed: reading.reader.committed(),
        })
    }

    async fn count(&self, detected: &Detected, new_alerts: u64, backlog: u64) {
        for (tenant, processed) in &detected.per_tenant {
            let label = self.tenant_label(*tenant).await;
            metrics::counter!("vigie_pipeline_events_total", "tenant" => label)
                .increment(*processed);
        }
        // Alert counters by tenant and severity; a replayed batch re-counts matches but
        // `new_alerts` tells how many rows were really new.
        let mut by_label: HashMap<(TenantId, &'static str), u64> = HashMap::new();
        for alert in &detected.alerts {
            *by_label
                .entry((alert.tenant, alert.severity.as_str()))
                .or_default() += 1;
        }
        for ((tenant, severity), n) in by_label {
            let label = self.tenant_label(tenant).await;
            metrics::counter!("vigie_rule_matches_total", "tenant" => label, "severity" => severity)
                .increment(n);
        }
        metrics::counter!("vigie_alerts_created_total").increment(new_alerts);
        metrics::gauge!("vigie_log_backlog_events").set(backlog as f64);
    }

    async fn tenant_label(&self, tenant: TenantId) -> String {
        let mut labels = self.labels.lock().await;
        if !labels.contains_key(&tenant)
            && let Ok(tenants) = self.store.list_tenants(&self.label_scope).await
        {
            for t in tenants {
                labels.insert(t.id, t.slug.to_string());
            }
        }
        labels
            .get(&tenant)
            .cloned()
            .unwrap_or_else(|| format!("id-{tenant}"))
    }
}

fn export_correlation_counters(snapshot: &Snapshot) {
    let counters = &snapshot.state.counters;
    metrics::gauge!("vigie_correlation_late_events").set(counters.late_events as f64);
    metrics::gauge!("vigie_correlation_groups").set(snapshot.state.groups() as f64);
    for (rule, n) in &counters.missing_group_field {
        metrics::gauge!("vigie_correlation_missing_group_field", "rule" => rule.clone())
            .set(*n as f64);
    }
    for (rule, n) in &counters.groups_evicted {
        metrics::gauge!("vigie_correlation_groups_evicted", "rule" => rule.clone()).set(*n as f64);
    }
    for (rule, n) in &counters.events_dropped {
        metrics::gauge!("vigie_correlation_events_dropped", "rule" => rule.clone()).set(*n as f64);
    }
}

fn detect(
    rules: &RuleSet,
    mut correlation: Option<(&CorrelationSet, &mut Snapshot)>,
    records: &[Record],
) -> Detected {
    let mut detected = Detected {
        alerts: Vec::new(),
        matches: 0,
        per_tenant: HashMap::new(),
    };
    // Indicators whose expiry passed stop matching from the next batch on.
    let now = jiff::Timestamp::now();
    for record in records {
        let event = match Event::from_record(&record.payload) {
            Ok(event) => event,
            Err(error) => {
                metrics::counter!("vigie_pipeline_undecodable_total").increment(1);
                tracing::error!(offset = record.offset, %error, "log record is not an event; counted and passed over");
                continue;
            }
        };
        *detected.per_tenant.entry(event.tenant).or_default() += 1;
        let matched = rules.evaluate(&event);
        if let Some((set, snapshot)) = correlation.as_mut()
            && !set.is_empty()
            && record.offset >= snapshot.offset
        {
            // Records below the snapshot's offset were already applied before a restart.
            let time = event.timestamp.unwrap_or(event.received_at);
            let ids = matched.iter().map(|r| r.meta.id.clone()).collect();
            for hit in set.observe(&mut snapshot.state, &Observation::of(&event, time, ids)) {
                detected.matches += 1;
                detected.alerts.push(alert_of(&hit, event.received_at));
            }
        }
        for hit in rules.intel().matches(&event, now) {
            detected.matches += 1;
            detected.alerts.push(ioc_alert(&event, &hit));
        }
        for rule in matched {
            detected.matches += 1;
            if correlation
                .as_ref()
                .is_some_and(|(set, _)| set.suppresses(&rule.meta.id))
            {
                // `generate: false` (the default): only the correlation raises an alert.
                continue;
            }
            let mut fields = event.fields.clone();
            if let Some(attack) = attack_of(&rule.meta.tags) {
                fields.insert(vigie_soc::alert::ATTACK_FIELD.to_owned(), attack);
            }
            let fields = serde_json::Value::Object(fields);
            detected.alerts.push(NewAlert {
                tenant: event.tenant,
                rule_id: rule.meta.id.clone(),
                rule_title: rule.meta.title.clone(),
                severity: rule.meta.level,
                event_id: event.id,
                event_received_at: event.received_at,
                // Host and user of the event: repeated hits on one entity fold into one
                // alert with a count within the store's dedup window.
                group_key: vigie_soc::alert::default_group_key(&fields),
                event: fields,
            });
        }
    }
    detected
}

/// The ATT&CK tactics as Sigma tags them (`attack.<short name>`), with their names.
pub const TACTICS: [(&str, &str); 14] = [
    ("reconnaissance", "Reconnaissance"),
    ("resource-development", "Resource Development"),
    ("initial-access", "Initial Access"),
    ("execution", "Execution"),
    ("persistence", "Persistence"),
    ("privilege-escalation", "Privilege Escalation"),
    ("defense-evasion", "Defense Evasion"),
    ("credential-access", "Credential Access"),
    ("discovery", "Discovery"),
    ("lateral-movement", "Lateral Movement"),
    ("collection", "Collection"),
    ("command-and-control", "Command and Control"),
    ("exfiltration", "Exfiltration"),
    ("impact", "Impact"),
];

/// The `vigie.attack` value of a rule's tags, when it has ATT&CK tags.
fn attack_of(tags: &[String]) -> Option<serde_json::Value> {
    let mut tactics = Vec::new();
    let mut techniques = Vec::new();
    for tag in tags {
        let Some(name) = tag.strip_prefix("attack.") else {
            continue;
        };
        let name = name.to_ascii_lowercase();
        if let Some((_, title)) = TACTICS.iter().find(|(short, _)| *short == name) {
            tactics.push(serde_json::Value::from(*title));
        } else if name.starts_with('t')
            && name[1..].chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            techniques.push(serde_json::Value::from(name.to_ascii_uppercase()));
        }
    }
    (!tactics.is_empty() || !techniques.is_empty())
        .then(|| serde_json::json!({"tactics": tactics, "techniques": techniques}))
}

/// The alert of an IOC hit: rule id `ioc:<set>` (so one alert per set and event, and a
/// replay duplicates nothing), titled with the indicator, and the event's fields with what
/// matched under `vigie.ioc` (set, source, indicator, kind, field, reference).
pub fn ioc_alert(event: &Event, hit: &vigie_detect::intel::IocHit) -> NewAlert {
    let mut fields = event.fields.clone();
    fields.insert(
        "vigie.ioc".to_owned(),
        serde_json::to_value(hit).unwrap_or_default(),
    );
    let fields = serde_json::Value::Object(fields);
    NewAlert {
        tenant: event.tenant,
        rule_id: hit.rule_id(),
        rule_title: hit.title(),
        severity: hit.level,
        event_id: event.id,
        event_received_at: event.received_at,
        group_key: vigie_soc::alert::default_group_key(&fields),
        event: fields,
    }
}
