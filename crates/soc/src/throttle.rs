//! Login throttling, per account and per source address.
//!
//! - **Per account** (any name, existing or not, so throttling reveals nothing): after
//!   [`ThrottleConfig::free_failures`] consecutive failures, each further attempt must wait
//!   `2^(n - free)` seconds after the last failure, capped at [`ThrottleConfig::max_delay`] (one hour: at most about 45 failures a day).
//!   A success resets the count.
//! - **Hard cap** (NIST SP 800-63B §5.2.2): after [`ThrottleConfig::max_failures`] (100)
//!   consecutive failures the account takes attempts only from a source address it has
//!   signed in from before (NIST's allowlist of known addresses), so a low-and-slow guesser
//!   that waits out every delay still stops at 100. The real user is never locked out for
//!   good: from a known address they get in once the delay has passed; from a new one, an
//!   administrator's password reset (or a restart, the state being in memory) lifts it.
//! - **Per source**: at most [`ThrottleConfig::per_source_per_minute`] attempts per address in
//!   any sliding minute.
//!
//! State is in memory and bounded: at most [`ThrottleConfig::max_entries`] accounts and as
//! many sources; the oldest idle entries are dropped first.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Throttling limits.
#[derive(Clone, Debug)]
pub struct ThrottleConfig {
    /// Consecutive failures per account before delays start.
    pub free_failures: u32,
    /// Longest delay between attempts on one account.
    pub max_delay: Duration,
    /// Consecutive failures per account after which only known source addresses may try.
    pub max_failures: u32,
    /// Attempts per source address per minute.
    pub per_source_per_minute: usize,
    /// Entries kept per map before the idle ones are dropped.
    pub max_entries: usize,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            free_failures: 10,
            max_delay: Duration::from_secs(60 * 60),
            max_failures: 100,
            per_source_per_minute: 60,
            max_entries: 100_000,
        }
    }
}

#[derive(Debug)]
struct Account {
    failures: u32,
    last_failure: Instant,
}

/// How many addresses an account remembers having signed in from.
const KNOWN_SOURCES: usize = 8;

#[derive(Debug, Default)]
struct State {
    accounts: HashMap<String, Account>,
    sources: HashMap<IpAddr, VecDeque<Instant>>,
    /// Addresses each account signed in from (newest last), for the hard cap.
    known: HashMap<String, VecDeque<IpAddr>>,
}

/// The throttle. Shared by every login.
#[derive(Debug, Default)]
pub struct Throttle {
    config: ThrottleConfig,
    state: Mutex<State>,
}

impl Throttle {
    /// A throttle with `config`.
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            state: Mutex::new(State::default()),
        }
    }

    fn delay_for(&self, failures: u32) -> Duration {
        if failures < self.config.free_failures {
            return Duration::ZERO;
        }
        let exp = (failures - self.config.free_failures).min(20);
        Duration::from_secs(1u64 << exp).min(self.config.max_delay)
    }

    /// Counts an attempt and says whether it may proceed; `Err(retry_after)` if not. A refused
    /// attempt is not a failure of the account (it never reached the password check).
    pub fn admit(
        &self,
        account: &str,
        source: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ip) = source {
            let max_entries = self.config.max_entries;
            if state.sources.len() >= max_entries && !state.sources.contains_key(&ip) {
                state.sources.retain(|_, q| {
                    q.back()
                        .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(60))
                });
            }
            let window = state.sources.entry(ip).or_default();
            while window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
            {
                window.pop_front();
            }
            if window.len() >= self.config.per_source_per_minute {
                let oldest = window.front().copied().unwrap_or(now);
                let wait = Duration::from_secs(60).saturating_sub(now.duration_since(oldest));
                return Err(wait.max(Duration::from_secs(1)));
            }
            window.push_back(now);
        }
        if let Some(acc) = state.accounts.get(account) {
            let known = source.is_some_and(|ip| {
                state
                    .known
                    .get(account)
                    .is_some_and(|list| list.contains(&ip))
            });
            if acc.failures >= self.config.max_failures && !known {
                return Err(self.config.max_delay);
            }
            let delay = self.delay_for(acc.failures);
            let since = now.duration_since(acc.last_failure);
            if since < delay {
                return Err((delay - since).max(Duration::from_secs(1)));
            }
        }
        Ok(())
    }

    /// Records the outcome of an admitted attempt from `source`.
    pub fn record(&self, account: &str, source: Option<IpAddr>, success: bool, now: Instant) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if success {
            state.accounts.remove(account);
            if let Some(ip) = source {
                if state.known.len() >= self.config.max_entries
                    && !state.known.contains_key(account)
                {
                    // Bounded: forget the accounts that are not being attacked first.
                    let attacked: std::collections::HashSet<String> =
                        state.accounts.keys().cloned().collect();
                    state.known.retain(|name, _| attacked.contains(name));
                }
                let list = state.known.entry(account.to_owned()).or_default();
                list.retain(|known| *known != ip);
                list.push_back(ip);
                while list.len() > KNOWN_SOURCES {
                    list.pop_front();
                }
            }
            return;
        }
        if state.accounts.len() >= self.config.max_entries && !state.accounts.contains_key(account)
        {
            let max_delay = self.config.max_delay;
            state
                .accounts
                .retain(|_, a| now.duration_since(a.last_failure) < max_delay);
        }
        let acc = state.accounts.entry(account.to_owned()).or_insert(Account {
            failures: 0,
            last_failure: now,
        });
        acc.failures = acc.failures.saturating_add(1);
        acc.last_failure = now;
    }

    /// Forgets the failures of `account` (its password was reset by an administrator).
    pub fn clear(&self, account: &str) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.accounts.remove(account);
    }

    /// Consecutive failures recorded for `account`.
    pub fn failures(&self, account: &str) -> u32 {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.accounts.get(account).map_or(0, |a| a.failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_delays_grow_and_reset() {
        let t = Throttle::default();
        let start = Instant::now();
        for _ in 0..10 {
            assert!(t.admit("alice", None, start).is_ok());
            t.record("alice", None, false, start);
        }
        // 10 failures: next attempt must wait 1 s, then 2 s ...
        assert_eq!(t.admit("alice", None, start), Err(Duration::from_secs(1)));
        let later = start + Duration::from_secs(1);
        assert!(t.admit("alice", None, later).is_ok());
        t.record("alice", None, false, later);
        assert!(
            t.admit("alice", None, later + Duration::from_millis(1500))
                .is_err()
        );
        let later = later + Duration::from_secs(2);
        assert!(t.admit("alice", None, later).is_ok());
        t.record("alice", None, true, later);
        assert_eq!(t.failures("alice"), 0);
        assert!(t.admit("alice", None, later).is_ok());
        // Another account is unaffected.
        assert!(t.admit("bob", None, start).is_ok());
    }

    #[test]
    fn at_most_100_failures_in_a_day_and_no_permanent_lockout() {
        let t = Throttle::default();
        let mut now = Instant::now();
        let end = now + Duration::from_secs(86_400);
        let mut failures = 0;
        while now < end {
            match t.admit("victim", None, now) {
                Ok(()) => {
                    t.record("victim", None, false, now);
                    failures += 1;
                }
                Err(wait) => now += wait,
            }
        }
        assert!(failures <= 50, "{failures} failures in a day");
        assert!(failures >= 20, "{failures}");
        // After the longest delay, the real user can try again.
        assert!(
            t.admit("victim", None, now + Duration::from_secs(60 * 60))
                .is_ok()
        );
    }

    #[test]
    fn per_source_limit_is_a_sliding_minute() {
        let t = Throttle::default();
        let ip: IpAddr = "127.0.0.9".parse().unwrap();
        let now = Instant::now();
        for n in 0..60 {
            assert!(t.admit(&format!("user{n}"), Some(ip), now).is_ok());
        }
        assert!(t.admit("user-x", Some(ip), now).is_err());
        let other: IpAddr = "127.0.0.10".parse().unwrap();
        assert!(t.admit("user-x", Some(other), now).is_ok());
        assert!(
            t.admit("user-x", Some(ip), now + Duration::from_secs(61))
                .is_ok()
        );
    }

    /// RELIABILITY A1(d), low and slow: a guesser that waits out every delay, from a new
    /// address each time (so the per-source limit never sees it), for 30 days. The account
    /// delay holds it to about 45 failures a day and the hard cap stops it at 100; the real
    /// user still gets in from the address they used before, and nowhere is locked for good.
    #[test]
    fn low_and_slow_guessing_stops_at_the_hard_cap_without_locking_the_user_out() {
        let t = Throttle::default();
        let start = Instant::now();
        let home: IpAddr = "127.0.0.2".parse().unwrap();
        // The real user signed in once from home.
        assert!(t.admit("mayor", Some(home), start).is_ok());
        t.record("mayor", Some(home), true, start);

        let mut now = start;
        let end = start + Duration::from_secs(30 * 86_400);
        let (mut failures, mut refused, mut attempt) = (0u32, 0u32, 0u32);
        let mut first_day = 0;
        while now < end {
            attempt += 1;
            // 127.0.0.0/8 is all loopback: a fresh attacker address for every attempt.
            let ip = IpAddr::from([127, 1, (attempt >> 8) as u8, attempt as u8]);
            match t.admit("mayor", Some(ip), now) {
                Ok(()) => {
                    t.record("mayor", Some(ip), false, now);
                    failures += 1;
                    if now < start + Duration::from_secs(86_400) {
                        first_day += 1;
                    }
                    // Low: just over the longest delay between two guesses.
                    now += Duration::from_secs(61 * 60);
                }
                Err(wait) => {
                    refused += 1;
                    now += wait.max(Duration::from_secs(61 * 60));
                }
            }
        }
        assert!(first_day <= 50, "{first_day} failures on the first day");
        assert_eq!(failures, 100, "the hard cap ({refused} refused)");
        assert!(refused > 0);
        // Nobody got in; the real user does, from home, once the last delay has passed.
        assert!(
            t.admit("mayor", Some(home), now).is_ok(),
            "the real user is locked out"
        );
        // From an address never seen, the cap still holds.
        assert!(
            t.admit("mayor", Some("127.9.9.9".parse().unwrap()), now)
                .is_err()
        );
        // A success from home resets everything; an administrator's reset does too.
        t.record("mayor", Some(home), true, now);
        assert_eq!(t.failures("mayor"), 0);
        for _ in 0..100 {
            t.record("mayor", None, false, now);
        }
        t.clear("mayor");
        assert!(
            t.admit("mayor", Some("127.9.9.9".parse().unwrap()), now)
                .is_ok()
        );
    }

    /// A guesser at one attempt per two minutes from one address stays under the per-source
    /// limit; the account delay is what slows it, to at most 50 failures a day.
    #[test]
    fn slow_guessing_from_one_address_is_held_by_the_account_delay() {
        let t = Throttle::default();
        let ip: IpAddr = "127.0.0.7".parse().unwrap();
        let start = Instant::now();
        let mut now = start;
        let mut failures = 0;
        while now < start + Duration::from_secs(86_400) {
            if t.admit("clerk", Some(ip), now).is_ok() {
                t.record("clerk", Some(ip), false, now);
                failures += 1;
            }
            now += Duration::from_secs(120);
        }
        assert!(
            (20..=50).contains(&failures),
            "{failures} failures in a day"
        );
    }
}
