use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use vigie_detect::RuleSet;
use vigie_detect::correlation::{CorrelationSet, Observation};

use crate::correlate::{Snapshot, SnapshotError, alert_of};
use vigie_event::{Event, TenantId, TenantScope};
use vigie_log::{Log, LogError, Offset, Record};
use vigie_soc::{NewAlert, SocError, StateStore};

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
    log: Arc<dyn Log>,
    rules: Arc<RuleSet>,
    store: Arc<dyn StateStore>,
    /// Scope used only to name tenants in metric labels.
    label_scope: TenantScope,
    labels: tokio::sync::Mutex<HashMap<TenantId, String>>,
    config: PipelineConfig,
    correlations: Option<Correlations>,
    /// Where the next step reads and when the position was last committed.
    cursor: std::sync::Mutex<Cursor>,
}

/// The pipeline's place in the log.
#[derive(Debug, Default)]
struct Cursor {
    /// The offset after the last handled batch, when it is ahead of the committed one.
    next: Option<Offset>,
    /// When the position was last committed.
    committed_at: Option<std::time::Instant>,
}

/// The correlation rules, their state, and where the state is saved.
struct Correlations {
    set: Arc<CorrelationSet>,
    /// `None` only while a step runs on the blocking thread.
    snapshot: std::sync::Mutex<Option<Snapshot>>,
    path: Option<std::path::PathBuf>,
}

struct Detected {
    alerts: Vec<NewAlert>,
    matches: usize,
    per_tenant: HashMap<TenantId, u64>,
}

impl Pipeline {
    /// A pipeline over `log` with `rules`, writing alerts to `store`. `label_scope` lets it
    /// read tenant slugs for metric labels.
    pub fn new(
        log: Arc<dyn Log>,
        rules: Arc<RuleSet>,
        store: Arc<dyn StateStore>,
        label_scope: TenantScope,
        config: PipelineConfig,
    ) -> Self {
        Self {
            log,
            rules,
            store,
            label_scope,
            labels: tokio::sync::Mutex::new(HashMap::new()),
            config,
            correlations: None,
            cursor: std::sync::Mutex::new(Cursor::default()),
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
            set,
            snapshot: std::sync::Mutex::new(Some(snapshot)),
            path: state_path,
        });
        Ok(self)
    }

    /// Runs until `shutdown` turns true, retrying failed steps after a pause.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(
            rules = self.rules.len(),
            consumer = %self.config.consumer,
            from = self.position(),
            "pipeline started"
        );
        while !*shutdown.borrow() {
            match self.step().await {
                Ok(outcome) if outcome.records > 0 => continue,
                Ok(_) => {
                    let from = self.position();
                    tokio::select! {
                        _ = self.log.wait_for(from, self.config.idle_wait) => {}
                        _ = shutdown.changed() => {}
                    }
                }
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

    /// The next offset the pipeline will read.
    pub fn position(&self) -> Offset {
        let committed = self.committed();
        self.cursor()
            .next
            .map_or(committed, |next| next.max(committed))
    }

    /// The offset committed in the log (where a restart would resume).
    fn committed(&self) -> Offset {
        let start = self.log.stats().start_offset;
        self.log
            .committed(&self.config.consumer)
            .unwrap_or(start)
            .max(start)
    }

    fn cursor(&self) -> std::sync::MutexGuard<'_, Cursor> {
        self.cursor
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Commits the position (and saves the correlation state) if handled batches are not
    /// committed yet.
    pub async fn flush(&self) -> Result<Offset, PipelineError> {
        let next = self.position();
        if next > self.committed() {
            self.commit(next).await?;
        }
        Ok(self.committed())
    }

    /// Saves the correlation state for `next`, then commits `next` in the log.
    async fn commit(&self, next: Offset) -> Result<(), PipelineError> {
        if let Some(c) = &self.correlations {
            let saved = {
                let mut slot = c
                    .snapshot
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                match slot.as_mut() {
                    Some(snapshot) => {
                        snapshot.offset = snapshot.offset.max(next);
                        c.path.as_ref().map_or(Ok(()), |path| snapshot.save(path))
                    }
                    None => Ok(()),
                }
            };
            saved.map_err(|e| PipelineError::Detection(e.to_string()))?;
        }
        self.log.commit(&self.config.consumer, next).await?;
        self.cursor().committed_at = Some(std::time::Instant::now());
        Ok(())
    }

    /// Handles one batch, if any is waiting. The position is committed when the batch
    /// empties the log or [`PipelineConfig::commit_interval`] has passed since the last
    /// commit; otherwise the next step reads on from [`Pipeline::position`].
    pub async fn step(&self) -> Result<StepOutcome, PipelineError> {
        let from = self.position();
        let records = self.log.read(from, self.config.batch_size).await?;
        let Some(last) = records.last().map(|r| r.offset) else {
            return Ok(StepOutcome {
                committed: self.flush().await?,
                ..StepOutcome::default()
            });
        };
        let count = records.len();
        let rules = Arc::clone(&self.rules);
        let correlation = self.correlations.as_ref().map(|c| {
            let snapshot = c
                .snapshot
                .lock()
                .map(|mut s| s.take().unwrap_or_default())
                .unwrap_or_default();
            (Arc::clone(&c.set), snapshot)
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
        if let (Some(c), Some(snapshot)) = (&self.correlations, snapshot) {
            // Its offset moves to what it covers, and it is saved, with the next commit.
            export_correlation_counters(&snapshot);
            if let Ok(mut slot) = c.snapshot.lock() {
                *slot = Some(snapshot);
            }
        }
        let due = {
            let mut cursor = self.cursor();
            cursor.next = Some(last + 1);
            count < self.config.batch_size
                || cursor
                    .committed_at
                    .is_none_or(|at| at.elapsed() >= self.config.commit_interval)
        };
        if due {
            self.commit(last + 1).await?;
        }
        self.count(&detected, new_alerts).await;
        Ok(StepOutcome {
            records: count,
            matches: detected.matches,
            new_alerts,
            committed: self.committed(),
        })
    }

    async fn count(&self, detected: &Detected, new_alerts: u64) {
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
        let backlog = self.log.end_offset().saturating_sub(self.position());
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
        for rule in matched {
            detected.matches += 1;
            if correlation
                .as_ref()
                .is_some_and(|(set, _)| set.suppresses(&rule.meta.id))
            {
                // `generate: false` (the default): only the correlation raises an alert.
                continue;
            }
            let fields = serde_json::Value::Object(event.fields.clone());
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
