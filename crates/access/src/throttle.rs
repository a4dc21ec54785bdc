//! Login throttling, keyed so that an attacker cannot lock the real user out.
//!
//! Three limits, each on its own key:
//!
//! - **Per account and client address** (the pair): after
//!   [`ThrottleConfig::free_failures`] (10) failures within
//!   [`ThrottleConfig::failure_window`] (15 min), each further attempt of that pair must wait
//!   `2^(n - 10)` seconds after its last failure, at most [`ThrottleConfig::max_delay`] (one
//!   hour). Only that address waits: the same account from another address does not.
//! - **Per client address**: at most [`ThrottleConfig::per_source_per_minute`] (60) attempts
//!   in any sliding minute, whatever the accounts.
//! - **Per account** (NIST SP 800-63B §5.2.2): after [`ThrottleConfig::max_failures`] (100)
//!   consecutive failures, whatever their addresses, the account refuses every address that
//!   has failed on it since (before any password is checked), except addresses it signed in
//!   from before. An address that has not failed on it (the real user's, as a rule) is still
//!   let through to the password check, so the cap never locks the real user out; a success
//!   (or an administrator's password reset) resets the count. Past the cap, an attacker
//!   gets one more guess per address it never used on the account.
//!
//! Any account name is throttled the same way whether it exists or not, so throttling tells
//! nothing about which names exist. An IPv6 client counts as its /64 network (one host has a
//! whole /64 to pick from).
//!
//! State is in memory and bounded: account names are kept as 16 bytes of a SHA-256, never
//! as sent; each table holds at most [`ThrottleConfig::max_entries`] rows. Rows expire: an
//! address's minute after 60 s (15 minutes after its last failure), a pair or an account
//! after [`ThrottleConfig::memory`] (24 h) without a failure (a pair's count restarts when
//! its first 10 failures take longer than 15 minutes); an account at the cap and its pairs
//! stay until a success or a reset. When a table is still full after expiry, its least
//! recently used tenth is dropped. A restart forgets everything.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// Throttling limits.
#[derive(Clone, Debug)]
pub struct ThrottleConfig {
    /// Failures of one account from one address within `failure_window` before delays start.
    pub free_failures: u32,
    /// The window in which `free_failures` failures start the delays.
    pub failure_window: Duration,
    /// Longest delay between two attempts of one account from one address.
    pub max_delay: Duration,
    /// Consecutive failures of an account (any address) after which addresses that failed
    /// on it are refused.
    pub max_failures: u32,
    /// Attempts per client address per sliding minute.
    pub per_source_per_minute: usize,
    /// How long a failure is remembered once delays started (pairs, accounts).
    pub memory: Duration,
    /// Rows kept per table before the least recently used are dropped.
    pub max_entries: usize,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            free_failures: 10,
            failure_window: Duration::from_secs(15 * 60),
            max_delay: Duration::from_secs(60 * 60),
            max_failures: 100,
            per_source_per_minute: 60,
            memory: Duration::from_secs(24 * 3600),
            max_entries: 100_000,
        }
    }
}

/// A client address as the throttle and the login audit count it: an IPv4 address, or the
/// /64 network of an IPv6 one (IPv4-mapped IPv6 addresses count as IPv4).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourceKey(Option<IpAddr>);

impl SourceKey {
    /// The key of `ip`; `None` (no socket address, in tests) is one key of its own.
    pub fn of(ip: Option<IpAddr>) -> Self {
        SourceKey(ip.map(|ip| match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::from(octets)
            }
            v4 => v4,
        }))
    }
}

impl fmt::Display for SourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("unknown"),
            Some(IpAddr::V4(v4)) => write!(f, "{v4}"),
            Some(IpAddr::V6(v6)) => write!(f, "{v6}/64"),
        }
    }
}

/// An account name as the throttle and the login audit keep it: 16 bytes of its SHA-256,
/// whatever the length of the name sent.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccountKey([u8; 16]);

impl AccountKey {
    /// The key of a name.
    pub fn of(username: &str) -> Self {
        let digest = Sha256::new()
            .chain_update(b"vigie-login-account\0")
            .chain_update(username.as_bytes())
            .finalize();
        let mut key = [0; 16];
        key.copy_from_slice(&digest[..16]);
        AccountKey(key)
    }
}

/// Attempts of one address per second over the last minute (a ring of 60 counters).
#[derive(Debug)]
struct Minute {
    /// The newest second counted.
    head: u64,
    counts: [u16; 60],
}

impl Minute {
    fn new(now: u64) -> Self {
        Self {
            head: now,
            counts: [0; 60],
        }
    }

    fn advance(&mut self, now: u64) {
        if now <= self.head {
            return;
        }
        if now - self.head >= 60 {
            self.counts = [0; 60];
        } else {
            for s in self.head + 1..=now {
                self.counts[(s % 60) as usize] = 0;
            }
        }
        self.head = now;
    }

    fn total(&self) -> usize {
        self.counts.iter().map(|c| usize::from(*c)).sum()
    }

    /// Seconds until the oldest counted attempt leaves the minute.
    fn retry_after(&self) -> Duration {
        let oldest = (self.head.saturating_sub(59)..=self.head)
            .find(|s| self.counts[(s % 60) as usize] > 0)
            .unwrap_or(self.head);
        Duration::from_secs((oldest + 60).saturating_sub(self.head).max(1))
    }

    fn add(&mut self, now: u64) {
        let slot = &mut self.counts[(now % 60) as usize];
        *slot = slot.saturating_add(1);
    }
}

#[derive(Debug)]
struct Source {
    minute: Minute,
    /// Last attempt, seconds since the throttle's start.
    last_seen: u64,
    /// Last failed login from this address, any account.
    last_failure: Option<Instant>,
}

#[derive(Debug)]
struct Pair {
    failures: u32,
    /// The first failure of the current window.
    first: Instant,
    last: Instant,
}

#[derive(Debug, Default)]
struct Account {
    /// Consecutive failures, any address.
    failures: u32,
    last_failure: Option<Instant>,
    /// Addresses the account signed in from (newest last, at most [`KNOWN_SOURCES`]).
    known: Vec<SourceKey>,
}

/// How many addresses an account remembers having signed in from.
const KNOWN_SOURCES: usize = 8;

#[derive(Debug, Default)]
struct State {
    sources: HashMap<SourceKey, Source>,
    pairs: HashMap<(AccountKey, SourceKey), Pair>,
    accounts: HashMap<AccountKey, Account>,
    last_sweep: Option<Instant>,
}

/// How an address stands, for the order in which password checks run (see
/// [`crate::access`]): an address the account signed in from before first, then addresses
/// without a recent failure, then the rest.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// The account signed in from this address before.
    Known,
    /// No failed login from this address within the failure window, and fewer than
    /// [`CLEAN_ATTEMPTS`] attempts from it in the last minute.
    Clean,
    /// This address failed a login (any account) within the failure window, or keeps
    /// trying.
    Suspect,
}

/// Attempts in a minute after which an address that has not failed yet is no longer
/// [`Standing::Clean`] (it keeps retrying while refused, as a flood does).
pub const CLEAN_ATTEMPTS: usize = 5;

/// The throttle. Shared by every login.
#[derive(Debug)]
pub struct Throttle {
    config: ThrottleConfig,
    start: Instant,
    state: Mutex<State>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new(ThrottleConfig::default())
    }
}

/// Drops expired rows, then, if `map` is still at `max`, its least recently used tenth.
fn bound<K: Copy + Eq + Hash, V>(
    map: &mut HashMap<K, V>,
    max: usize,
    keep: impl Fn(&K, &V) -> bool,
    age: impl Fn(&K, &V) -> u64,
) {
    if map.len() < max {
        return;
    }
    map.retain(|k, v| keep(k, v));
    if map.len() < max || map.is_empty() {
        return;
    }
    let mut ages: Vec<u64> = map.iter().map(|(k, v)| age(k, v)).collect();
    let tenth = (max / 10).max(1).min(ages.len() - 1);
    let (_, cutoff, _) = ages.select_nth_unstable(tenth);
    let cutoff = *cutoff;
    map.retain(|k, v| age(k, v) > cutoff);
}

impl Throttle {
    /// A throttle with `config`.
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            start: Instant::now(),
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn secs(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.start).as_secs()
    }

    /// Milliseconds from the throttle's start to `at`, for ordering rows by age.
    fn age(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.start).as_millis() as u64
    }

    fn delay_for(&self, failures: u32) -> Duration {
        if failures < self.config.free_failures {
            return Duration::ZERO;
        }
        let exp = (failures - self.config.free_failures).min(20);
        Duration::from_secs(1u64 << exp).min(self.config.max_delay)
    }

    /// Whether a pair row is kept: a day after its last failure (it says the address failed
    /// on the account, which the cap needs; its count restarts after 15 minutes under 10
    /// failures), and as long as the account is at the cap.
    fn pair_live(&self, pair: &Pair, capped: bool, now: Instant) -> bool {
        capped || now.saturating_duration_since(pair.last) < self.config.memory
    }

    fn account_live(&self, account: &Account, now: Instant) -> bool {
        account.failures >= self.config.max_failures
            || !account.known.is_empty()
            || account
                .last_failure
                .is_some_and(|t| now.saturating_duration_since(t) < self.config.memory)
    }

    /// Drops every expired row; runs at most once a minute (and when a table is full).
    fn sweep(&self, state: &mut State, now: Instant) {
        if state
            .last_sweep
            .is_some_and(|t| now.saturating_duration_since(t) < Duration::from_secs(60))
        {
            return;
        }
        state.last_sweep = Some(now);
        let sec = self.secs(now);
        let window = self.config.failure_window;
        state.sources.retain(|_, s| {
            sec.saturating_sub(s.last_seen) < 60
                || s.last_failure
                    .is_some_and(|t| now.saturating_duration_since(t) < window)
        });
        let accounts = &state.accounts;
        let capped = |key: &AccountKey| {
            accounts
                .get(key)
                .is_some_and(|a| a.failures >= self.config.max_failures)
        };
        state
            .pairs
            .retain(|(account, _), pair| self.pair_live(pair, capped(account), now));
        state.accounts.retain(|_, a| self.account_live(a, now));
    }

    /// Counts an attempt from `source` against the per-address limit; `Err(retry_after)` if
    /// the address made too many attempts in the last minute. Every login attempt passes
    /// here first, even one refused afterwards for its size.
    pub fn admit_source(&self, source: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        if source.is_none() {
            return Ok(());
        }
        let key = SourceKey::of(source);
        let sec = self.secs(now);
        let mut state = self.lock();
        self.sweep(&mut state, now);
        if !state.sources.contains_key(&key) {
            let window = self.config.failure_window;
            bound(
                &mut state.sources,
                self.config.max_entries,
                |_, s| {
                    sec.saturating_sub(s.last_seen) < 60
                        || s.last_failure
                            .is_some_and(|t| now.saturating_duration_since(t) < window)
                },
                |_, s| s.last_seen,
            );
        }
        let entry = state.sources.entry(key).or_insert_with(|| Source {
            minute: Minute::new(sec),
            last_seen: sec,
            last_failure: None,
        });
        entry.minute.advance(sec);
        if entry.minute.total() >= self.config.per_source_per_minute {
            return Err(entry.minute.retry_after());
        }
        entry.minute.add(sec);
        entry.last_seen = sec;
        Ok(())
    }

    /// Whether `account` may be tried from `source` now: the pair's delay has passed and,
    /// past the account's cap, the address is one it signed in from or one that has not
    /// failed on it. `Err(retry_after)` if not. A refused attempt is not a failure.
    pub fn admit_account(
        &self,
        account: &str,
        source: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        let account = AccountKey::of(account);
        let source = SourceKey::of(source);
        let state = self.lock();
        let acc = state.accounts.get(&account);
        let capped = acc.is_some_and(|a| a.failures >= self.config.max_failures);
        let known = acc.is_some_and(|a| a.known.contains(&source));
        let pair = state
            .pairs
            .get(&(account, source))
            .filter(|p| self.pair_live(p, capped, now));
        if capped && !known && pair.is_some_and(|p| p.failures > 0) {
            return Err(self.config.max_delay);
        }
        if let Some(pair) = pair {
            let delay = self.delay_for(pair.failures);
            let since = now.saturating_duration_since(pair.last);
            if since < delay {
                return Err((delay - since).max(Duration::from_secs(1)));
            }
        }
        Ok(())
    }

    /// [`Throttle::admit_source`] then [`Throttle::admit_account`].
    pub fn admit(
        &self,
        account: &str,
        source: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        self.admit_source(source, now)?;
        self.admit_account(account, source, now)
    }

    /// How `source` stands for `account` (see [`Standing`]).
    pub fn standing(&self, account: &str, source: Option<IpAddr>, now: Instant) -> Standing {
        let key = SourceKey::of(source);
        let state = self.lock();
        if state
            .accounts
            .get(&AccountKey::of(account))
            .is_some_and(|a| a.known.contains(&key))
        {
            return Standing::Known;
        }
        let sec = self.secs(now);
        let suspect = state.sources.get(&key).is_some_and(|s| {
            let recent: usize = if sec.saturating_sub(s.minute.head) < 60 {
                (sec.saturating_sub(59)..=s.minute.head)
                    .map(|t| usize::from(s.minute.counts[(t % 60) as usize]))
                    .sum()
            } else {
                0
            };
            recent >= CLEAN_ATTEMPTS
                || s.last_failure
                    .is_some_and(|t| now.saturating_duration_since(t) < self.config.failure_window)
        });
        if suspect {
            Standing::Suspect
        } else {
            Standing::Clean
        }
    }

    /// Records the outcome of an admitted attempt from `source`.
    pub fn record(&self, account: &str, source: Option<IpAddr>, success: bool, now: Instant) {
        let account = AccountKey::of(account);
        let source = SourceKey::of(source);
        let max = self.config.max_entries;
        let mut guard = self.lock();
        let state = &mut *guard;
        self.sweep(state, now);
        if !state.accounts.contains_key(&account) {
            bound(
                &mut state.accounts,
                max,
                |_, a| self.account_live(a, now),
                // Accounts at the cap go last.
                |_, a| {
                    let capped = u64::from(a.failures >= self.config.max_failures) << 62;
                    capped | a.last_failure.map_or(0, |t| self.age(t))
                },
            );
        }
        if success {
            state.pairs.remove(&(account, source));
            let acc = state.accounts.entry(account).or_default();
            acc.failures = 0;
            acc.last_failure = None;
            acc.known.retain(|k| *k != source);
            acc.known.push(source);
            if acc.known.len() > KNOWN_SOURCES {
                acc.known.remove(0);
            }
            return;
        }
        let acc = state.accounts.entry(account).or_default();
        acc.failures = acc.failures.saturating_add(1);
        acc.last_failure = Some(now);
        let capped = acc.failures >= self.config.max_failures;
        if let Some(s) = state.sources.get_mut(&source) {
            s.last_failure = Some(now);
        } else {
            let sec = self.secs(now);
            if state.sources.len() < max {
                state.sources.insert(
                    source,
                    Source {
                        minute: Minute::new(sec),
                        last_seen: sec,
                        last_failure: Some(now),
                    },
                );
            }
        }
        if !state.pairs.contains_key(&(account, source)) {
            let accounts = &state.accounts;
            let capped = |key: &AccountKey| {
                accounts
                    .get(key)
                    .is_some_and(|a| a.failures >= self.config.max_failures)
            };
            bound(
                &mut state.pairs,
                max,
                |(account, _), p| self.pair_live(p, capped(account), now),
                // Pairs of an account at the cap are what makes the cap hold: they go last.
                |(account, _), p| (u64::from(capped(account)) << 62) | self.age(p.last),
            );
        }
        let free = self.config.free_failures;
        let window = self.config.failure_window;
        let pair = state.pairs.entry((account, source)).or_insert(Pair {
            failures: 0,
            first: now,
            last: now,
        });
        if !capped && pair.failures < free && now.saturating_duration_since(pair.first) >= window {
            pair.failures = 0;
            pair.first = now;
        }
        pair.failures = pair.failures.saturating_add(1);
        pair.last = now;
    }

    /// Forgets the consecutive failures of `account` (its password was reset by an
    /// administrator): this lifts the account's cap. Per-address delays stay.
    pub fn clear(&self, account: &str) {
        let mut state = self.lock();
        if let Some(acc) = state.accounts.get_mut(&AccountKey::of(account)) {
            acc.failures = 0;
            acc.last_failure = None;
        }
    }

    /// Consecutive failures recorded for `account`, any address.
    pub fn failures(&self, account: &str) -> u32 {
        let state = self.lock();
        state
            .accounts
            .get(&AccountKey::of(account))
            .map_or(0, |a| a.failures)
    }

    /// Rows held: (addresses, account-address pairs, accounts).
    pub fn rows(&self) -> (usize, usize, usize) {
        let state = self.lock();
        (state.sources.len(), state.pairs.len(), state.accounts.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    /// An address of 127/8 (all loopback) from a number.
    fn nth(n: u32) -> Option<IpAddr> {
        Some(IpAddr::from([127, 1, (n >> 8) as u8, n as u8]))
    }

    /// Fails `n` times on `account` from `source` at `now`, each attempt admitted.
    fn fail(t: &Throttle, account: &str, source: Option<IpAddr>, now: Instant, n: u32) {
        for _ in 0..n {
            assert!(t.admit(account, source, now).is_ok());
            t.record(account, source, false, now);
        }
    }

    #[test]
    fn the_delay_is_per_account_and_address_and_grows_after_ten_failures() {
        let t = Throttle::default();
        let start = Instant::now();
        let a = ip("127.0.0.2");
        fail(&t, "alice", a, start, 10);
        // 10 failures: the next attempt from that address waits 1 s, then 2 s ...
        assert_eq!(t.admit("alice", a, start), Err(Duration::from_secs(1)));
        // ... but the same account from another address does not wait.
        assert!(t.admit("alice", ip("127.0.0.3"), start).is_ok());
        let later = start + Duration::from_secs(1);
        fail(&t, "alice", a, later, 1);
        assert!(
            t.admit("alice", a, later + Duration::from_millis(1500))
                .is_err()
        );
        let later = later + Duration::from_secs(2);
        assert!(t.admit("alice", a, later).is_ok());
        t.record("alice", a, true, later);
        assert_eq!(t.failures("alice"), 0);
        assert!(t.admit("alice", a, later).is_ok());
        // Another account from the same address is unaffected.
        assert!(t.admit("bob", a, start).is_ok());
    }

    #[test]
    fn ten_failures_must_fall_within_fifteen_minutes() {
        let t = Throttle::default();
        let mut now = Instant::now();
        let a = ip("127.0.0.2");
        // One failure every two minutes: never ten within 15 minutes, never a delay.
        for _ in 0..50 {
            assert!(t.admit("clerk", a, now).is_ok());
            t.record("clerk", a, false, now);
            now += Duration::from_secs(120);
        }
        assert_eq!(t.failures("clerk"), 50, "the account still counts them all");
    }

    #[test]
    fn per_source_limit_is_a_sliding_minute() {
        let t = Throttle::default();
        let a = ip("127.0.0.9");
        let now = Instant::now();
        for n in 0..60 {
            assert!(t.admit(&format!("user{n}"), a, now).is_ok());
        }
        let wait = t.admit("user-x", a, now).unwrap_err();
        assert!(wait <= Duration::from_secs(60), "{wait:?}");
        assert!(t.admit("user-x", ip("127.0.0.10"), now).is_ok());
        assert!(t.admit("user-x", a, now + Duration::from_secs(30)).is_err());
        assert!(t.admit("user-x", a, now + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn an_ipv6_client_counts_as_its_64() {
        let t = Throttle::default();
        let now = Instant::now();
        for n in 0..60u16 {
            let addr = IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, n]);
            assert!(t.admit_source(Some(addr), now).is_ok());
        }
        let same_64 = ip("2001:db8:0:1:ffff::1");
        assert!(t.admit_source(same_64, now).is_err());
        assert!(t.admit_source(ip("2001:db8:0:2::1"), now).is_ok());
        assert_eq!(
            SourceKey::of(ip("::ffff:127.0.0.1")),
            SourceKey::of(ip("127.0.0.1"))
        );
        assert_eq!(
            SourceKey::of(ip("2001:db8:0:1::7")).to_string(),
            "2001:db8:0:1::/64"
        );
    }

    /// RELIABILITY A1(b): one account from 199 addresses. The account-wide cap stops the
    /// attacker's addresses at 100 consecutive failures; the real user, from an address that
    /// never failed (or one it signed in from before), still gets to the password check and
    /// in.
    #[test]
    fn many_addresses_cannot_lock_the_real_user_out() {
        let t = Throttle::default();
        let start = Instant::now();
        let office = ip("127.0.0.1");
        let laptop = ip("127.0.0.250");
        // The real user signed in from the laptop once.
        t.record("admin", laptop, true, start);
        let (mut failures, mut refused) = (0u32, 0u32);
        let mut now = start;
        for round in 0..20u32 {
            for n in 2..=200u32 {
                match t.admit("admin", nth(n), now) {
                    Ok(()) => {
                        t.record("admin", nth(n), false, now);
                        failures += 1;
                    }
                    Err(_) => refused += 1,
                }
            }
            now += Duration::from_secs(60 * (u64::from(round) + 1));
        }
        // 100 to reach the cap, then each address that had not failed yet once (here: the
        // 99 that had not had their turn in the first round).
        assert_eq!(t.failures("admin"), failures);
        assert!(failures <= 199, "{failures} failures");
        assert!(refused >= 20 * 199 - 199, "{refused} refused");
        // Every attacking address is refused before its password is checked.
        for n in 2..=200 {
            assert!(t.admit("admin", nth(n), now).is_err(), "127.1.0.{n}");
        }
        // The real user: from an address that never failed, and from a known one.
        assert!(t.admit("admin", office, now).is_ok());
        assert!(t.admit("admin", laptop, now).is_ok());
        assert_eq!(t.standing("admin", laptop, now), Standing::Known);
        assert_eq!(t.standing("admin", office, now), Standing::Clean);
        t.record("clerk", nth(300), false, now);
        assert_eq!(t.standing("admin", nth(300), now), Standing::Suspect);
        // Their success resets the count (NIST counts consecutive failures): the attackers'
        // addresses may try again, towards the cap from zero.
        t.record("admin", office, true, now);
        assert_eq!(t.failures("admin"), 0);
        assert!(t.admit("admin", nth(2), now).is_ok());
        // Other accounts never noticed.
        assert!(t.admit("clerk", office, now).is_ok());
    }

    /// RELIABILITY A1(d), low and slow: a guesser that waits out every delay from a pool of
    /// 20 addresses for 30 days stops at the cap of 100 and stays stopped; the real user gets
    /// in from its own address at the end.
    #[test]
    fn low_and_slow_guessing_stops_at_the_hard_cap_without_locking_the_user_out() {
        let t = Throttle::default();
        let start = Instant::now();
        let home = ip("127.0.0.2");
        let mut now = start;
        let end = start + Duration::from_secs(30 * 86_400);
        let (mut failures, mut refused, mut attempt) = (0u32, 0u32, 0u32);
        while now < end {
            attempt += 1;
            let source = nth(attempt % 20);
            match t.admit("mayor", source, now) {
                Ok(()) => {
                    t.record("mayor", source, false, now);
                    failures += 1;
                }
                Err(_) => refused += 1,
            }
            now += Duration::from_secs(61 * 60);
        }
        assert_eq!(failures, 100, "the hard cap ({refused} refused)");
        assert!(refused > 500);
        assert!(t.admit("mayor", home, now).is_ok(), "the real user");
        // An address it never used gets one guess, and no more (the residual past the cap).
        let fresh = ip("127.9.9.9");
        assert!(t.admit("mayor", fresh, now).is_ok());
        t.record("mayor", fresh, false, now);
        assert!(
            t.admit("mayor", fresh, now + Duration::from_secs(86_400))
                .is_err()
        );
        // An administrator's reset lifts the cap.
        t.clear("mayor");
        assert_eq!(t.failures("mayor"), 0);
        assert!(
            t.admit("mayor", nth(3), now + Duration::from_secs(7200))
                .is_ok()
        );
    }

    #[test]
    fn keys_are_fixed_size_and_tables_are_bounded_and_expire() {
        assert_eq!(std::mem::size_of::<AccountKey>(), 16);
        let t = Throttle::new(ThrottleConfig {
            max_entries: 1000,
            ..ThrottleConfig::default()
        });
        let now = Instant::now();
        // Names of 4 KiB (one of 4 MiB): the tables hold 16 bytes of each.
        let long = "x".repeat(4096);
        t.record(&"y".repeat(4 << 20), nth(1), false, now);
        for n in 0..5_000u32 {
            let name = format!("{long}{n}");
            let _ = t.admit(&name, nth(n), now);
            t.record(&name, nth(n), false, now);
        }
        let (sources, pairs, accounts) = t.rows();
        assert!(
            sources <= 1000 && pairs <= 1000 && accounts <= 1000,
            "{:?}",
            t.rows()
        );
        // Addresses go 15 minutes after their last failure; pairs and accounts a day after.
        let later = now + Duration::from_secs(16 * 60);
        let _ = t.admit_source(ip("127.0.0.1"), later);
        assert!(t.rows().0 <= 1, "{:?}", t.rows());
        assert!(t.rows().1 > 0, "{:?}", t.rows());
        let day = now + Duration::from_secs(86_401);
        let _ = t.admit_source(ip("127.0.0.1"), day);
        t.record("someone", ip("127.0.0.1"), true, day);
        let (_, pairs, accounts) = t.rows();
        assert_eq!(pairs, 0, "{:?}", t.rows());
        assert_eq!(accounts, 1, "only the one that signed in: {:?}", t.rows());
    }
}
