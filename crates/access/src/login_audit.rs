//! How many audit entries refused logins may write, so that a flood of them cannot grow the
//! state database without bound while every distinct attacker stays visible (ASVS 16.3.1).
//!
//! Successful logins are always written, one entry each. A refused login is written as its
//! own entry when, in the current minute, fewer than [`AuditGateConfig::total_per_minute`]
//! (600) such entries were written and:
//!
//! - a throttled attempt (`login.throttled`, which only says the address keeps trying):
//!   its client address (IPv6: its /64) has no throttled entry yet this minute;
//! - an attempt that reached a check (`login.failure`, `login.refused`): its address has no
//!   such entry yet this minute, or fewer than [`AuditGateConfig::per_source_per_minute`]
//!   (10) and its account fewer than [`AuditGateConfig::per_account_per_minute`] (10).
//!
//! So each address that tries is written at least once a minute (its first guess too, not
//! only its first throttled attempt) until 600 entries a minute are reached. Every other refused login is counted, never dropped: in the metric
//! `vigie_login_refused_total{outcome}` (which counts all of them, written or not) and in
//! one `login.suppressed` entry per minute that had any ("suppressed N refused-login
//! records"), which gives the count per outcome, the number of distinct addresses and
//! accounts, and the 50 addresses and 50 accounts with the most suppressed attempts. The
//! database grows by at most about 600 small entries and one summary a minute whatever the
//! flood.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::json;

use crate::audit::AuditRecord;
use crate::throttle::{AccountKey, SourceKey};

/// Limits of the refused-login audit.
#[derive(Clone, Debug)]
pub struct AuditGateConfig {
    /// Entries per client address per minute (its first one is always written).
    pub per_source_per_minute: u32,
    /// Entries per account per minute (beyond an address's first).
    pub per_account_per_minute: u32,
    /// Refused-login entries per minute, all addresses together.
    pub total_per_minute: u32,
}

impl Default for AuditGateConfig {
    fn default() -> Self {
        Self {
            per_source_per_minute: 10,
            per_account_per_minute: 10,
            total_per_minute: 600,
        }
    }
}

/// Distinct addresses and accounts tracked in one summary; more are counted, not named.
const TRACKED: usize = 10_000;
/// Addresses and accounts named in a summary.
const NAMED: usize = 50;

/// What was not written since the last summary.
#[derive(Debug, Default)]
struct Suppressed {
    count: u64,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    /// Since this instant (for the once-a-minute summary).
    started: Option<Instant>,
    outcomes: BTreeMap<&'static str, u64>,
    sources: HashMap<String, u64>,
    accounts: HashMap<String, u64>,
    untracked_sources: u64,
    untracked_accounts: u64,
}

fn tally(map: &mut HashMap<String, u64>, untracked: &mut u64, key: String) {
    if let Some(n) = map.get_mut(&key) {
        *n += 1;
    } else if map.len() < TRACKED {
        map.insert(key, 1);
    } else {
        *untracked += 1;
    }
}

fn top(map: &HashMap<String, u64>) -> Vec<serde_json::Value> {
    let mut all: Vec<(&String, &u64)> = map.iter().collect();
    all.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    all.into_iter()
        .take(NAMED)
        .map(|(name, n)| json!([name, n]))
        .collect()
}

/// The gate. Shared by every login.
#[derive(Debug, Default)]
pub struct AuditGate {
    config: AuditGateConfig,
    window: Option<Instant>,
    /// Entries this minute per address: (throttled, the others).
    per_source: HashMap<SourceKey, (u32, u32)>,
    per_account: HashMap<AccountKey, u32>,
    total: u32,
    pending: Suppressed,
}

impl AuditGate {
    /// A gate with `config`.
    pub fn new(config: AuditGateConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Whether a refused login from `source` on `account` is written as its own entry now.
    /// If not, the caller calls [`AuditGate::suppress`].
    pub fn admit(
        &mut self,
        now: Instant,
        outcome: &'static str,
        source: SourceKey,
        account: AccountKey,
    ) -> bool {
        if self
            .window
            .is_none_or(|w| now.saturating_duration_since(w) >= Duration::from_secs(60))
        {
            self.window = Some(now);
            self.per_source.clear();
            self.per_account.clear();
            self.total = 0;
        }
        if self.total >= self.config.total_per_minute {
            return false;
        }
        let (throttled, checked) = self.per_source.get(&source).copied().unwrap_or((0, 0));
        let on_account = self.per_account.get(&account).copied().unwrap_or(0);
        let is_throttled = outcome == "login.throttled";
        // A throttled attempt says only that the address keeps trying: its first of the
        // minute is enough, the budget is kept for attempts that reached a check.
        let write = if is_throttled {
            throttled == 0
        } else {
            checked == 0
                || (checked < self.config.per_source_per_minute
                    && on_account < self.config.per_account_per_minute)
        };
        if write {
            self.total += 1;
            let counts = self.per_source.entry(source).or_default();
            if is_throttled {
                counts.0 += 1;
            } else {
                counts.1 += 1;
                *self.per_account.entry(account).or_default() += 1;
            }
        }
        write
    }

    /// Counts a refused login that was not written: `outcome` is its action
    /// (`login.failure`...), `account` the name as shown in audit entries.
    pub fn suppress(
        &mut self,
        now: Instant,
        outcome: &'static str,
        source: SourceKey,
        account: &str,
    ) {
        let p = &mut self.pending;
        let at = Timestamp::now();
        p.count += 1;
        p.since.get_or_insert(at);
        p.until = Some(at);
        p.started.get_or_insert(now);
        *p.outcomes.entry(outcome).or_default() += 1;
        tally(&mut p.sources, &mut p.untracked_sources, source.to_string());
        tally(
            &mut p.accounts,
            &mut p.untracked_accounts,
            account.to_owned(),
        );
    }

    /// The `login.suppressed` entry for what was not written, once its minute is over (or at
    /// once with `force`, at shutdown); `None` if there is none due.
    pub fn summary(&mut self, now: Instant, force: bool) -> Option<AuditRecord> {
        let started = self.pending.started?;
        if !force && now.saturating_duration_since(started) < Duration::from_secs(60) {
            return None;
        }
        let p = std::mem::take(&mut self.pending);
        let distinct = |map: &HashMap<String, u64>, untracked: u64| {
            if untracked > 0 {
                json!(format!("more than {}", map.len()))
            } else {
                json!(map.len())
            }
        };
        Some(AuditRecord::new(
            "system",
            None,
            "login.suppressed",
            "login",
            json!({
                "message": format!("suppressed {} refused-login records", p.count),
                "suppressed": p.count,
                "from": p.since,
                "to": p.until,
                "outcomes": p.outcomes,
                "distinct_sources": distinct(&p.sources, p.untracked_sources),
                "sources": top(&p.sources),
                "distinct_accounts": distinct(&p.accounts, p.untracked_accounts),
                "accounts": top(&p.accounts),
            }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn src(n: u32) -> SourceKey {
        SourceKey::of(Some(IpAddr::from([127, 0, (n >> 8) as u8, n as u8])))
    }

    #[test]
    fn a_flood_from_one_address_writes_ten_entries_a_minute_and_one_summary() {
        let mut gate = AuditGate::default();
        let start = Instant::now();
        let account = AccountKey::of("admin");
        let mut written = 0;
        for _ in 0..10_000 {
            if gate.admit(start, "login.failure", src(2), account) {
                written += 1;
            } else {
                gate.suppress(start, "login.failure", src(2), "admin");
            }
        }
        assert_eq!(written, 10);
        assert!(
            gate.summary(start, false).is_none(),
            "not before its minute"
        );
        let summary = gate
            .summary(start + Duration::from_secs(60), false)
            .unwrap();
        assert_eq!(summary.action, "login.suppressed");
        assert_eq!(summary.payload["suppressed"], 9_990);
        assert_eq!(
            summary.payload["message"],
            "suppressed 9990 refused-login records"
        );
        assert_eq!(summary.payload["sources"][0], json!(["127.0.0.2", 9_990]));
        assert!(
            gate.summary(start + Duration::from_secs(120), true)
                .is_none()
        );
        // The next minute writes again.
        assert!(gate.admit(
            start + Duration::from_secs(61),
            "login.failure",
            src(2),
            account
        ));
    }

    #[test]
    fn every_distinct_address_is_written_until_the_total_cap() {
        let mut gate = AuditGate::default();
        let now = Instant::now();
        let account = AccountKey::of("admin");
        // 500 addresses, 3 attempts each, one account: each address's first is written.
        let mut written = 0;
        for round in 0..3 {
            for n in 0..500 {
                if gate.admit(now, "login.failure", src(n), account) {
                    written += 1;
                } else {
                    gate.suppress(now, "login.failure", src(n), "admin");
                }
            }
            if round == 0 {
                assert_eq!(written, 500);
            }
        }
        assert_eq!(written, 500, "the account had its 10 long before");
        // 5,000 addresses: the total cap holds.
        let mut gate = AuditGate::default();
        let written = (0..5_000)
            .filter(|n| {
                gate.admit(
                    now,
                    "login.failure",
                    src(*n),
                    AccountKey::of(&format!("u{n}")),
                )
            })
            .count();
        assert_eq!(written, 600);
    }
}
