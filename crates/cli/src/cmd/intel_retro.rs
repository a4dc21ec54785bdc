//! The retro-hunt of IOC sets: when a set of `<rules dir>/intel/` (or of an installed pack's
//! `intel/`) is new or its content changed, the stored events of its tenants (every tenant
//! for a shared set) over the last `[detection] intel_retro_days` are matched against it,
//! and each hit becomes the alert live matching would have raised
//! (`vigie_pipeline::ioc_alert`: the same identity, so an event matched live too gives no
//! second alert).
//!
//! The digest of every set hunted is kept in `<data dir>/intel-retro.json`, so a restart
//! hunts only what changed meanwhile.
//!
//! The live pipelines put a changed set in force at their own reload, and the indexer
//! stores events a little after detection sees them: an event detected with the old set
//! but stored after the hunt read the store would be missed by both. So each hunt is
//! followed, [`FOLLOW_UP`] later (at least three reload periods), by a second one over the
//! events since a day before the first began; the alert identity makes the overlap free. The sets are read from the rules directory every
//! `[detection] reload_seconds`, as the reloader reads them; the task runs where the event
//! store is (the index role).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use vigie_access::TenantScope;
use vigie_detect::intel::{Intel, LoadedSet};
use vigie_soc::StateStore;
use vigie_store::{EventStore, TimeRange};

use crate::config::VigieConfig;

/// Alerts inserted at most per call to the state store.
const BATCH: usize = 500;

/// Hits one retro-hunt of one set turns into alerts at most (the rest are counted and
/// said): a set matching more than this in the history is better looked at as a hunt.
const MAX_ALERTS: usize = 100_000;

/// How long after a set's hunt its follow-up hunt runs (at least; three reload periods
/// when that is longer).
const FOLLOW_UP: Duration = Duration::from_secs(60);

/// The state file's name in the data directory.
const STATE_FILE: &str = "intel-retro.json";

/// Set key (`tenant-id/name`, or `*/name` for a shared set) → digest hunted.
type Hunted = BTreeMap<String, u64>;

fn key(set: &LoadedSet) -> String {
    format!(
        "{}/{}",
        set.tenant.map_or("*".to_owned(), |t| t.to_string()),
        set.name
    )
}

fn read_state(path: &Path) -> Hunted {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn write_state(path: &Path, hunted: &Hunted) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(&serde_json::to_vec_pretty(hunted).unwrap_or_default())?;
    file.sync_all()?;
    std::fs::rename(tmp, path)
}

/// Starts the task (nothing when there is no rules directory or `intel_retro_days` is 0).
pub(crate) fn spawn(
    config: &VigieConfig,
    store: Arc<dyn StateStore>,
    events: Arc<dyn EventStore>,
    operator: TenantScope,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    let dir = config.detection.rules_dir.clone()?;
    let days = config.detection.intel_retro_days;
    if days == 0 {
        return None;
    }
    let every = Duration::from_secs(config.detection.reload_seconds.max(1));
    let state = config.data_dir.join(STATE_FILE);
    Some(tokio::spawn(async move {
        let mut hunted = read_state(&state);
        let mut follow = Follow::new();
        let follow_after = FOLLOW_UP.max(every * 3);
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = async { let _ = shutdown.wait_for(|s| *s).await; } => break,
                _ = tick.tick() => {
                    if let Err(error) = round(&dir, days, store.as_ref(), &events, &operator, &mut hunted, &state, &mut follow, follow_after).await {
                        tracing::warn!(%error, "IOC retro-hunt: round not finished; again at the next one");
                    }
                }
            }
        }
    }))
}

/// Set key → (digest hunted, when that hunt began, when its follow-up is due).
type Follow = BTreeMap<String, (u64, Timestamp, std::time::Instant)>;

/// Reads the sets, hunts the new and changed ones, records each when it is done, and runs
/// the follow-up hunts that are due.
#[allow(clippy::too_many_arguments)]
async fn round(
    dir: &Path,
    days: u32,
    store: &dyn StateStore,
    events: &Arc<dyn EventStore>,
    operator: &TenantScope,
    hunted: &mut Hunted,
    state: &Path,
    follow: &mut Follow,
    follow_after: Duration,
) -> anyhow::Result<()> {
    let tenants: BTreeMap<String, vigie_event::TenantId> = store
        .list_tenants(operator)
        .await?
        .into_iter()
        .map(|t| (t.slug.to_string(), t.id))
        .collect();
    let now = Timestamp::now();
    let (intel, _) =
        vigie_detect::intel::load_rules_dir(dir, &mut |slug| tenants.get(slug).copied(), now);
    let intel = Arc::new(intel);
    let scope_of = |set: &LoadedSet| match set.tenant {
        Some(tenant) => operator.narrow(tenant),
        None => Some(operator.clone()),
    };
    let from_days = now
        .checked_sub(SignedDuration::from_hours(24 * i64::from(days)))
        .ok();
    let changed: Vec<LoadedSet> = intel
        .sets()
        .iter()
        .filter(|set| hunted.get(&key(set)) != Some(&set.digest))
        .cloned()
        .collect();
    for set in changed {
        let Some(scope) = scope_of(&set) else {
            continue;
        };
        let started = std::time::Instant::now();
        let (examined, alerts) = hunt(&intel, &set, events, &scope, from_days, now, store).await?;
        metrics::counter!("vigie_intel_retro_runs_total").increment(1);
        metrics::counter!("vigie_intel_retro_alerts_total").increment(alerts);
        tracing::info!(
            set = %set.name,
            tenant = ?set.tenant,
            days,
            events = examined,
            new_alerts = alerts,
            seconds = started.elapsed().as_secs_f64(),
            "IOC set retro-hunted over the stored events"
        );
        hunted.insert(key(&set), set.digest);
        write_state(state, hunted)?;
        follow.insert(key(&set), (set.digest, now, started + follow_after));
    }
    let due: Vec<LoadedSet> = intel
        .sets()
        .iter()
        .filter(|set| {
            follow.get(&key(set)).is_some_and(|(digest, _, at)| {
                *digest == set.digest && *at <= std::time::Instant::now()
            })
        })
        .cloned()
        .collect();
    for set in due {
        let Some((_, began, _)) = follow.remove(&key(&set)) else {
            continue;
        };
        let Some(scope) = scope_of(&set) else {
            continue;
        };
        let from = began.checked_sub(SignedDuration::from_hours(24)).ok();
        let (examined, alerts) = hunt(&intel, &set, events, &scope, from, now, store).await?;
        metrics::counter!("vigie_intel_retro_alerts_total").increment(alerts);
        tracing::info!(
            set = %set.name,
            tenant = ?set.tenant,
            events = examined,
            new_alerts = alerts,
            "IOC set follow-up hunt over the events stored since its hunt"
        );
    }
    // Sets removed from the folder: forget them (a set put back is hunted again).
    let present: std::collections::HashSet<String> = intel.sets().iter().map(key).collect();
    let before = hunted.len();
    hunted.retain(|k, _| present.contains(k));
    follow.retain(|k, _| present.contains(k));
    if hunted.len() != before {
        write_state(state, hunted)?;
    }
    Ok(())
}

/// Matches `set` of `intel` on the stored events of `scope` since `from`; returns the
/// events examined and the alerts that were new.
async fn hunt(
    intel: &Arc<Intel>,
    set: &LoadedSet,
    events: &Arc<dyn EventStore>,
    scope: &TenantScope,
    from: Option<Timestamp>,
    now: Timestamp,
    store: &dyn StateStore,
) -> anyhow::Result<(u64, u64)> {
    let found = Arc::new(Mutex::new((0u64, Vec::new(), 0u64)));
    let sink = Arc::clone(&found);
    let matcher = Arc::clone(intel);
    let name = set.name.clone();
    vigie_store::retro::each_event(
        events.as_ref(),
        scope,
        TimeRange { from, to: None },
        move |stored| {
            let Ok(mut found) = sink.lock() else { return };
            found.0 += 1;
            for hit in matcher.matches(&stored.event, now) {
                if hit.set == name {
                    if found.1.len() < MAX_ALERTS {
                        found.1.push(vigie_pipeline::ioc_alert(&stored.event, &hit));
                    } else {
                        found.2 += 1;
                    }
                }
            }
        },
    )
    .await?;
    let (examined, alerts, over) = std::mem::take(
        &mut *found
            .lock()
            .map_err(|_| anyhow::anyhow!("the retro-hunt's results were poisoned"))?,
    );
    if over > 0 {
        tracing::warn!(
            set = %set.name,
            raised = MAX_ALERTS,
            left_out = over,
            "IOC retro-hunt: more hits than it raises alerts for; hunt the set (POST /api/v1/ioc/hunt) for the rest"
        );
    }
    let mut new = 0;
    for batch in alerts.chunks(BATCH) {
        new += store.insert_alerts(batch).await?;
    }
    Ok((examined, new))
}
