//! The one door into the durable log.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use vigie_event::Event;
use vigie_log::{Log, LogError, Offset, PartitionKey};

use crate::ndjson::{LineRejection, NdjsonBatch};

/// Limits of the intake, from the `[ingest]` section of the configuration.
#[derive(Clone, Debug)]
pub struct IntakeConfig {
    /// Refuse new events while more than this many records wait for the pipeline.
    pub max_backlog: u64,
    /// What to tell a refused sender to wait.
    pub retry_after: Duration,
    /// The log consumer whose lag is the backlog (the detection pipeline).
    pub consumer: String,
}

/// Why a batch was not accepted. Nothing of the batch is in the log in either case.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The pipeline lags: the sender must retry later.
    #[error("pipeline backlog of {backlog} events exceeds the limit of {limit}; retry in {}s", retry_after.as_secs())]
    Backpressure {
        /// Records waiting in the log.
        backlog: u64,
        /// The configured limit.
        limit: u64,
        /// How long the sender should wait.
        retry_after: Duration,
    },
    /// The log could not make the batch durable.
    #[error("durable log: {0}")]
    Log(#[from] LogError),
    /// The data directory's file system is nearly full: new events are refused before the
    /// disk is, so what was accepted stays readable and the server stays up; accepted
    /// again as soon as space is freed.
    #[error("only {free} bytes free on the data directory's disk, under the reserve of {reserve} bytes ([ingest] min_free_disk_bytes); retry in {}s", retry_after.as_secs())]
    DiskLow {
        /// Bytes free for vigie on that file system.
        free: u64,
        /// The configured reserve.
        reserve: u64,
        /// How long the sender should wait.
        retry_after: Duration,
    },
}

/// What the log acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubmitAck {
    /// Events now durable.
    pub accepted: u64,
    /// Log position of the first of them in its partition (0 when none was accepted).
    pub first_offset: Offset,
}

/// Appends events to the log under the backlog rule and keeps the intake counters.
///
/// Counters (Prometheus names), all labelled with `tenant` and `source`:
/// `vigie_events_received_total`, `vigie_events_accepted_total`, and
/// `vigie_events_rejected_total` with a `reason` label. For every submit,
/// received = accepted + rejected.
#[derive(Clone)]
pub struct Intake {
    log: Arc<dyn Log>,
    config: IntakeConfig,
    inflight: Option<Inflight>,
    backlog_wait: Duration,
    disk: Option<DiskReserve>,
    /// Each tenant's recent accepted events, for the fair backlog rule.
    recent: Arc<std::sync::Mutex<std::collections::HashMap<String, Recent>>>,
}

/// Events accepted lately for one tenant, decaying with a half-life of
/// [`RECENT_HALF_LIFE`]: a tenant's share of the recent traffic.
#[derive(Clone, Copy, Debug)]
struct Recent {
    events: f64,
    at: std::time::Instant,
}

/// How fast a tenant's recent traffic is forgotten.
const RECENT_HALF_LIFE: Duration = Duration::from_secs(10);

impl Recent {
    fn decayed(self, now: std::time::Instant) -> f64 {
        let age = now.saturating_duration_since(self.at).as_secs_f64();
        self.events * 0.5f64.powf(age / RECENT_HALF_LIFE.as_secs_f64())
    }
}

/// Space kept free on the data directory's file system (see [`Intake::with_disk_reserve`]).
#[derive(Clone, Debug)]
struct DiskReserve {
    path: std::path::PathBuf,
    reserve: u64,
}

/// Bytes available to an unprivileged writer on the file system holding `path`.
pub fn free_disk_bytes(path: &std::path::Path) -> std::io::Result<u64> {
    let stat = rustix::fs::statvfs(path)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// The budget of request bytes being handled at once (in KiB permits), and the part of it
/// one tenant may hold, so that one noisy sender cannot take the room of the others.
#[derive(Clone)]
struct Inflight {
    permits: Arc<Semaphore>,
    total_kib: u32,
    /// The most one tenant holds at once.
    tenant_kib: u32,
    /// Each tenant's share, created when it first sends.
    tenants: Arc<std::sync::Mutex<std::collections::HashMap<String, Arc<Semaphore>>>>,
}

/// A share of the in-flight budget, held while one request body is read, decoded, parsed
/// and made durable; returned on drop.
#[derive(Debug)]
pub struct InflightPermit {
    permit: Option<OwnedSemaphorePermit>,
    /// The tenant's share; dropped with the budget's.
    _tenant: Option<OwnedSemaphorePermit>,
    bytes: u64,
}

impl Drop for InflightPermit {
    fn drop(&mut self) {
        if self.permit.is_some() {
            metrics::gauge!("vigie_ingest_inflight_bytes").decrement(self.bytes as f64);
        }
    }
}

/// `kib` permits of `semaphore`, at once or by `deadline` (counted as a wait), else `None`
/// (counted as refused with `reason`).
async fn acquire(
    semaphore: Arc<Semaphore>,
    kib: u32,
    deadline: tokio::time::Instant,
    reason: &'static str,
) -> Option<OwnedSemaphorePermit> {
    if let Ok(permit) = Arc::clone(&semaphore).try_acquire_many_owned(kib) {
        return Some(permit);
    }
    metrics::counter!("vigie_ingest_inflight_waits_total").increment(1);
    match tokio::time::timeout_at(deadline, semaphore.acquire_many_owned(kib)).await {
        Ok(Ok(permit)) => Some(permit),
        _ => {
            metrics::counter!("vigie_ingest_inflight_refused_total", "reason" => reason)
                .increment(1);
            None
        }
    }
}

impl Intake {
    /// An intake in front of `log`, with no in-flight budget (see
    /// [`Intake::with_inflight_limit`]).
    pub fn new(log: Arc<dyn Log>, config: IntakeConfig) -> Self {
        Self {
            log,
            config,
            inflight: None,
            backlog_wait: Duration::ZERO,
            disk: None,
            recent: Arc::default(),
        }
    }

    /// Records `count` accepted events of `tenant`.
    fn note_accepted(&self, tenant: &str, count: u64) {
        let now = std::time::Instant::now();
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let entry = recent.entry(tenant.to_owned()).or_insert(Recent {
            events: 0.0,
            at: now,
        });
        *entry = Recent {
            events: entry.decayed(now) + count as f64,
            at: now,
        };
    }

    /// Whether `tenant` sent more than its fair share of the recent traffic: more than an
    /// equal part among the tenants that sent lately (with a margin of a quarter).
    fn over_fair_share(&self, tenant: &str) -> bool {
        let now = std::time::Instant::now();
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let mine = recent.get(tenant).map_or(0.0, |r| r.decayed(now));
        let (total, active) = recent.values().fold((0.0, 0usize), |(total, active), r| {
            let events = r.decayed(now);
            (total + events, active + usize::from(events >= 1.0))
        });
        if total <= 0.0 || active <= 1 {
            return active == 1 && mine >= 1.0;
        }
        mine / total > 1.25 / active as f64
    }

    /// The backlog rule for one tenant: under `max_backlog` every tenant is accepted;
    /// between it and twice it only the tenants within their fair share of the recent
    /// traffic are (so one noisy sender is pushed back while the others go on); over
    /// twice it nobody is. The backlog waits on disk, so the soft band costs no memory.
    pub fn over_backlog_for(&self, tenant: &str) -> bool {
        self.backlog_refuses(tenant, self.backlog())
    }

    /// [`Intake::over_backlog_for`] at a backlog already read.
    fn backlog_refuses(&self, tenant: &str, backlog: u64) -> bool {
        let limit = self.config.max_backlog;
        backlog > limit.saturating_mul(2) || (backlog > limit && self.over_fair_share(tenant))
    }

    /// Refuses new events ([`IntakeError::DiskLow`], counted as `disk_low`) while fewer
    /// than `reserve` bytes (plus the batch) are free on the file system of `path` (the
    /// data directory), checked before every append. The log, the state database and the
    /// event store keep the reserve to finish what was accepted; intake resumes by itself
    /// once space is freed. 0: no reserve.
    pub fn with_disk_reserve(mut self, path: std::path::PathBuf, reserve: u64) -> Self {
        self.disk = (reserve > 0).then_some(DiskReserve { path, reserve });
        self
    }

    /// Whether `bytes` more can be written on the data directory's file system and still
    /// leave the reserve of [`Intake::with_disk_reserve`] free ([`IntakeError::DiskLow`] if
    /// not): what an upload kept on disk asks before, and while, it is written.
    pub fn check_disk_room(&self, bytes: u64) -> Result<(), IntakeError> {
        let Some(disk) = &self.disk else {
            return Ok(());
        };
        match free_disk_bytes(&disk.path) {
            Ok(free) if free < disk.reserve.saturating_add(bytes) => Err(IntakeError::DiskLow {
                free,
                reserve: disk.reserve,
                retry_after: self.config.retry_after,
            }),
            _ => Ok(()),
        }
    }

    /// How long a request-reply sender ([`Intake::wait_for_room`]) is held while the
    /// backlog is over the limit before it is refused (`[ingest] backlog_wait_seconds`).
    /// Clients that do not honour 429 (rsyslog's `omelasticsearch`) then simply wait.
    pub fn with_backlog_wait(mut self, wait: Duration) -> Self {
        self.backlog_wait = wait;
        self
    }

    /// Waits, at most the configured backlog wait, while the backlog rule refuses `tenant`
    /// ([`Intake::over_backlog_for`]). The caller then submits (refused with 429 if still
    /// over).
    pub async fn wait_for_room(&self, tenant: &str) {
        if !self.over_backlog_for(tenant) || self.backlog_wait.is_zero() {
            return;
        }
        metrics::counter!("vigie_ingest_backlog_waits_total").increment(1);
        let deadline = tokio::time::Instant::now() + self.backlog_wait;
        while self.over_backlog_for(tenant) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Bounds the bytes of request bodies handled at once (`[ingest] max_inflight_bytes`):
    /// a request reserves its declared size with [`Intake::reserve`] before its body is
    /// read, so the memory that bodies, their decoded form and their events take is bounded
    /// whatever the number of senders. 0 means no bound.
    pub fn with_inflight_limit(mut self, max_bytes: u64) -> Self {
        self.inflight = (max_bytes > 0).then(|| {
            let total_kib = u32::try_from(max_bytes.div_ceil(1024)).unwrap_or(u32::MAX);
            Inflight {
                permits: Arc::new(Semaphore::new(total_kib as usize)),
                total_kib,
                tenant_kib: total_kib,
                tenants: Arc::default(),
            }
        });
        self
    }

    /// The percentage of the in-flight budget one tenant may hold at once (`[ingest]
    /// max_inflight_tenant_percent`, 1 to 100): the rest stays for the other tenants
    /// whatever one of them sends. A request larger than the share takes the whole share.
    pub fn with_tenant_share(mut self, percent: u8) -> Self {
        if let Some(inflight) = &mut self.inflight {
            let percent = u64::from(percent.clamp(1, 100));
            let kib = u64::from(inflight.total_kib) * percent / 100;
            inflight.tenant_kib = u32::try_from(kib).unwrap_or(u32::MAX).max(1);
        }
        self
    }

    /// Reserves `bytes` of the in-flight budget (a request larger than the whole budget
    /// reserves all of it), waiting at most `wait` for earlier requests to finish (counted in
    /// `vigie_ingest_inflight_waits_total`). `None` when the budget stayed full that long
    /// (`vigie_ingest_inflight_refused_total`): the caller answers 429. Without a budget
    /// the permit is free.
    pub async fn reserve(
        &self,
        tenant: &str,
        bytes: u64,
        wait: Duration,
    ) -> Option<InflightPermit> {
        let Some(inflight) = &self.inflight else {
            return Some(InflightPermit {
                permit: None,
                _tenant: None,
                bytes,
            });
        };
        let kib = u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .clamp(1, inflight.tenant_kib.clamp(1, inflight.total_kib.max(1)));
        let share = {
            let mut tenants = inflight.tenants.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(
                tenants
                    .entry(tenant.to_owned())
                    .or_insert_with(|| Arc::new(Semaphore::new(inflight.tenant_kib as usize))),
            )
        };
        let deadline = tokio::time::Instant::now() + wait;
        // The tenant's share first, then the budget: a tenant waiting on its own share
        // holds nothing of the budget.
        let tenant_permit = acquire(share, kib, deadline, "tenant_share").await?;
        let permit = acquire(Arc::clone(&inflight.permits), kib, deadline, "budget").await?;
        let bytes = u64::from(kib) * 1024;
        metrics::gauge!("vigie_ingest_inflight_bytes").increment(bytes as f64);
        Some(InflightPermit {
            permit: Some(permit),
            _tenant: Some(tenant_permit),
            bytes,
        })
    }

    /// Records in the log not yet processed by the pipeline.
    pub fn backlog(&self) -> u64 {
        self.log.backlog(&self.config.consumer)
    }

    /// Whether the backlog is over the limit now: a stream transport stops reading until it
    /// is not (its sender feels TCP backpressure).
    pub fn over_backlog(&self) -> bool {
        self.backlog() > self.config.max_backlog
    }

    /// How long a refused sender is told to wait.
    pub fn retry_after(&self) -> Duration {
        self.config.retry_after
    }

    /// The log behind this intake.
    pub fn log(&self) -> &Arc<dyn Log> {
        &self.log
    }

    /// Counts the batch, then appends its events to the log and returns once they are durable.
    /// `tenant` is the tenant's label for the counters (its slug); the events already carry
    /// the tenant id taken from the caller's credential.
    pub async fn submit(
        &self,
        tenant: &str,
        source: &str,
        batch: NdjsonBatch,
    ) -> Result<SubmitAck, IntakeError> {
        self.submit_parts(tenant, source, &batch.events, &batch.rejected)
            .await
    }

    /// [`Intake::submit`] for events already in their record form ([`crate::record`]).
    pub async fn submit_encoded(
        &self,
        tenant: &str,
        source: &str,
        batch: crate::record::EncodedBatch,
    ) -> Result<SubmitAck, IntakeError> {
        let count = batch.events.len();
        self.submit_payloads(tenant, source, count, &batch.rejected, || {
            batch.events.into_iter().map(|e| e.record).collect()
        })
        .await
    }

    /// [`Intake::submit_encoded`] on borrowed events, so a stream transport refused with
    /// [`IntakeError::Backpressure`] can send the same events again later (passing no
    /// rejections the second time).
    pub async fn submit_encoded_parts(
        &self,
        tenant: &str,
        source: &str,
        events: &[crate::record::Encoded],
        rejected: &[LineRejection],
    ) -> Result<SubmitAck, IntakeError> {
        self.submit_payloads(tenant, source, events.len(), rejected, || {
            events.iter().map(|e| e.record.clone()).collect()
        })
        .await
    }

    /// [`Intake::submit`] on borrowed parts, so a stream transport refused with
    /// [`IntakeError::Backpressure`] can send the same events again later (passing no
    /// rejections the second time: they were counted with the first attempt).
    pub async fn submit_parts(
        &self,
        tenant: &str,
        source: &str,
        events: &[Event],
        rejected: &[LineRejection],
    ) -> Result<SubmitAck, IntakeError> {
        self.submit_payloads(tenant, source, events.len(), rejected, || encode(events))
            .await
    }

    /// Counts, applies the backlog rule, then appends the `count` payloads `encode` makes.
    async fn submit_payloads(
        &self,
        tenant: &str,
        source: &str,
        count: usize,
        rejected: &[LineRejection],
        encode: impl FnOnce() -> Vec<Bytes>,
    ) -> Result<SubmitAck, IntakeError> {
        let labels = [("tenant", tenant.to_owned()), ("source", source.to_owned())];
        metrics::counter!("vigie_events_received_total", &labels)
            .increment((count + rejected.len()) as u64);
        for rejection in rejected {
            reject(&labels, rejection.reason, 1);
        }
        let count = count as u64;
        if count == 0 {
            return Ok(SubmitAck {
                accepted: 0,
                first_offset: 0,
            });
        }
        let backlog = self.backlog();
        if self.backlog_refuses(tenant, backlog) {
            reject(&labels, "backpressure", count);
            tracing::warn!(
                tenant,
                source,
                backlog,
                limit = self.config.max_backlog,
                refused = count,
                "events refused: pipeline backlog over the limit"
            );
            return Err(IntakeError::Backpressure {
                backlog,
                limit: self.config.max_backlog,
                retry_after: self.config.retry_after,
            });
        }
        let payloads = encode();
        if let Some(disk) = &self.disk {
            let batch: u64 = payloads.iter().map(|p| p.len() as u64 + 16).sum();
            match free_disk_bytes(&disk.path) {
                Ok(free) if free >= disk.reserve.saturating_add(batch) => {}
                Ok(free) => {
                    reject(&labels, "disk_low", count);
                    metrics::gauge!("vigie_disk_free_bytes").set(free as f64);
                    tracing::warn!(
                        tenant,
                        source,
                        free,
                        reserve = disk.reserve,
                        refused = count,
                        "events refused: the data directory's disk is nearly full"
                    );
                    return Err(IntakeError::DiskLow {
                        free,
                        reserve: disk.reserve,
                        retry_after: self.config.retry_after,
                    });
                }
                // A file system that cannot say: the append itself will tell.
                Err(error) => tracing::debug!(%error, "free space of the data directory unknown"),
            }
        }
        match self
            .log
            .append(PartitionKey { tenant, source }, payloads)
            .await
        {
            Ok(ack) => {
                metrics::counter!("vigie_events_accepted_total", &labels).increment(ack.count);
                self.note_accepted(tenant, ack.count);
                Ok(SubmitAck {
                    accepted: ack.count,
                    first_offset: ack.first,
                })
            }
            Err(error) => {
                reject(&labels, "log_error", count);
                tracing::error!(tenant, source, refused = count, %error, "events refused: durable log failed");
                Err(error.into())
            }
        }
    }
}

fn reject(labels: &[(&'static str, String); 2], reason: &'static str, count: u64) {
    metrics::counter!(
        "vigie_events_rejected_total",
        "tenant" => labels[0].1.clone(),
        "source" => labels[1].1.clone(),
        "reason" => reason
    )
    .increment(count);
}

fn encode(events: &[Event]) -> Vec<Bytes> {
    events
        .iter()
        .map(|event| Bytes::from(event.to_record()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_log::{Wal, WalConfig};

    fn intake(dir: &std::path::Path) -> Intake {
        let wal = Wal::open(WalConfig {
            dir: dir.join("wal"),
            consumers: vec!["detect".to_owned()],
            ..WalConfig::default()
        })
        .unwrap();
        Intake::new(
            Arc::new(wal),
            IntakeConfig {
                max_backlog: 1000,
                retry_after: Duration::from_secs(1),
                consumer: "detect".to_owned(),
            },
        )
    }

    /// The in-flight budget: a request that does not fit waits, is refused once its wait is
    /// over, and gets in as soon as an earlier one returns its share; one larger than the
    /// whole budget takes all of it rather than never fitting.
    #[tokio::test]
    async fn inflight_budget_waits_refuses_and_frees() {
        let dir = tempfile::tempdir().unwrap();
        let intake = intake(dir.path()).with_inflight_limit(10 * 1024);
        let short = Duration::from_millis(50);
        let first = intake.reserve("t", 8 * 1024, short).await.expect("fits");
        assert!(
            intake.reserve("t", 4 * 1024, short).await.is_none(),
            "over budget"
        );
        let waiting = {
            let intake = intake.clone();
            tokio::spawn(
                async move { intake.reserve("t", 4 * 1024, Duration::from_secs(10)).await },
            )
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "it should wait for room");
        drop(first);
        let second = waiting
            .await
            .unwrap()
            .expect("room after the first returned");
        drop(second);
        let all = intake
            .reserve("t", 1 << 30, short)
            .await
            .expect("clamped to the budget");
        assert!(intake.reserve("t", 1, short).await.is_none());
        drop(all);
        let unbounded = self::intake(dir.path().join("other").as_path());
        assert!(unbounded.reserve("t", 1 << 40, short).await.is_some());
    }

    /// One tenant holds at most its share of the budget: while a noisy tenant has taken
    /// all of it, another tenant still gets room at once.
    #[tokio::test]
    async fn a_noisy_tenant_cannot_take_the_room_of_a_quiet_one() {
        let dir = tempfile::tempdir().unwrap();
        let intake = intake(dir.path())
            .with_inflight_limit(100 * 1024)
            .with_tenant_share(50);
        let short = Duration::from_millis(50);
        let mut noisy = Vec::new();
        while let Some(permit) = intake.reserve("noisy", 10 * 1024, short).await {
            noisy.push(permit);
        }
        assert_eq!(noisy.len(), 5, "the noisy tenant holds half of the budget");
        // A body larger than the share takes the whole share, never more.
        let quiet = intake
            .reserve("quiet", 1 << 30, short)
            .await
            .expect("quiet");
        assert!(intake.reserve("quiet", 1, short).await.is_none());
        drop(quiet);
        for _ in 0..5 {
            noisy.push(
                intake
                    .reserve("quiet", 10 * 1024, short)
                    .await
                    .expect("room"),
            );
        }
        assert!(
            intake.reserve("third", 1, short).await.is_none(),
            "budget full"
        );
    }

    /// The backlog rule is fair: past `max_backlog` a tenant that sent most of the recent
    /// traffic is refused while one within its share is still accepted, up to twice the
    /// limit, where everyone is refused.
    #[tokio::test]
    async fn over_the_backlog_limit_the_noisy_tenant_is_refused_and_the_quiet_one_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let wal = Wal::open(WalConfig {
            dir: dir.path().join("wal"),
            consumers: vec!["detect".to_owned()],
            ..WalConfig::default()
        })
        .unwrap();
        let intake = Intake::new(
            Arc::new(wal),
            IntakeConfig {
                max_backlog: 10,
                retry_after: Duration::from_secs(1),
                consumer: "detect".to_owned(),
            },
        );
        let events = |n: usize| -> Vec<Event> {
            (0..n)
                .map(|i| {
                    let mut fields = serde_json::Map::new();
                    fields.insert("i".into(), serde_json::Value::from(i));
                    Event::new(
                        vigie_event::TenantId(1),
                        jiff::Timestamp::now(),
                        "http",
                        fields,
                    )
                })
                .collect()
        };
        let send = |tenant: &'static str, n: usize| {
            let intake = intake.clone();
            let batch = events(n);
            async move { intake.submit_parts(tenant, "http", &batch, &[]).await }
        };
        // The noisy tenant alone fills the backlog past the limit: then it is refused.
        for _ in 0..3 {
            send("noisy", 5).await.unwrap();
        }
        assert!(matches!(
            send("noisy", 5).await,
            Err(IntakeError::Backpressure { .. })
        ));
        assert!(intake.over_backlog_for("noisy"));
        // A quiet tenant is still accepted in the soft band, the noisy one still refused.
        assert!(!intake.over_backlog_for("quiet"));
        send("quiet", 1).await.unwrap();
        send("quiet", 1).await.unwrap();
        assert!(matches!(
            send("noisy", 1).await,
            Err(IntakeError::Backpressure { .. })
        ));
        // Past twice the limit nobody is accepted.
        send("quiet", 4).await.unwrap();
        assert!(intake.backlog() > 20);
        assert!(matches!(
            send("quiet", 1).await,
            Err(IntakeError::Backpressure { .. })
        ));
        assert!(intake.over_backlog_for("quiet"));
    }
}
