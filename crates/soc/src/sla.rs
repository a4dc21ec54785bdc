//! SLA clocks: how much contractual time an incident has used, and when it is due.
//!
//! A tenant's [`SlaContract`] sets acknowledge and resolve targets per severity, counted on a
//! [`Calendar`]: around the clock (`24x7`), or business hours (Monday to Friday, 08:00 to
//! 18:00 Europe/Brussels local time, Belgian public holidays off). Local hours are turned
//! into instants day by day with the time zone database, so a business day is ten hours on
//! the days clocks change too, and a 24x7 target is plain elapsed time whatever the clock
//! on the wall says.
//!
//! A clock pauses while the incident is on hold: [`elapsed`] subtracts the paused spans and
//! [`due_at`] pushes the deadline back by the working time they covered.

use std::collections::BTreeMap;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use vigie_event::Severity;

/// When the SLA clock runs.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Calendar {
    /// Always.
    #[serde(rename = "24x7")]
    TwentyFourSeven,
    /// Monday to Friday 08:00–18:00 Europe/Brussels, Belgian public holidays off.
    #[serde(rename = "business")]
    Business,
}

impl Calendar {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Calendar::TwentyFourSeven => "24x7",
            Calendar::Business => "business",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "24x7" => Some(Calendar::TwentyFourSeven),
            "business" => Some(Calendar::Business),
            _ => None,
        }
    }
}

/// Targets for one severity, in minutes of calendar time.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// From creation to acknowledgement.
    pub acknowledge_minutes: u32,
    /// From creation to resolution.
    pub resolve_minutes: u32,
}

/// A tenant's SLA contract.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaContract {
    /// When the clocks run.
    pub calendar: Calendar,
    /// Targets per severity; a severity without a target has no SLA.
    pub targets: BTreeMap<Severity, Target>,
    /// Fraction of a target after which the incident is flagged as at risk (default 0.8).
    #[serde(default = "default_warn_ratio")]
    pub warn_ratio: f64,
}

fn default_warn_ratio() -> f64 {
    0.8
}

/// Business hours start (local hour).
pub const BUSINESS_START_HOUR: i8 = 8;
/// Business hours end (local hour).
pub const BUSINESS_END_HOUR: i8 = 18;

fn brussels() -> TimeZone {
    vigie_nis2::calendar::brussels()
}

/// Easter Sunday (one computus for the whole project: `vigie_nis2::calendar`).
pub fn easter(year: i16) -> Date {
    vigie_nis2::calendar::easter(year)
}

/// Whether `date` is a Belgian legal public holiday (New Year, Easter Monday, Labour Day,
/// Ascension, Whit Monday, National Day, Assumption, All Saints, Armistice, Christmas).
pub fn is_belgian_holiday(date: Date) -> bool {
    vigie_nis2::calendar::belgian_holidays(date.year()).contains(&date)
}

fn is_business_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_belgian_holiday(date)
}

/// The business-hours window of `date` as instants, if it is a working day.
fn window(date: Date, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    if !is_business_day(date) {
        return None;
    }
    let open = date
        .at(BUSINESS_START_HOUR, 0, 0, 0)
        .to_zoned(tz.clone())
        .ok()?;
    let close = date
        .at(BUSINESS_END_HOUR, 0, 0, 0)
        .to_zoned(tz.clone())
        .ok()?;
    Some((open.timestamp(), close.timestamp()))
}

/// Calendar time between `from` and `to` (zero if `to` is not after `from`).
pub fn working_time(calendar: Calendar, from: Timestamp, to: Timestamp) -> SignedDuration {
    if to <= from {
        return SignedDuration::ZERO;
    }
    match calendar {
        Calendar::TwentyFourSeven => to.duration_since(from),
        Calendar::Business => {
            let tz = brussels();
            let mut date = from.to_zoned(tz.clone()).date();
            let last = to.to_zoned(tz.clone()).date();
            let mut total = SignedDuration::ZERO;
            while date <= last {
                if let Some((open, close)) = window(date, &tz) {
                    let start = open.max(from);
                    let end = close.min(to);
                    if end > start {
                        total += end.duration_since(start);
                    }
                }
                match date.tomorrow() {
                    Ok(next) => date = next,
                    Err(_) => break,
                }
            }
            total
        }
    }
}

/// The instant at which `amount` of calendar time has passed after `from`.
pub fn advance(calendar: Calendar, from: Timestamp, amount: SignedDuration) -> Timestamp {
    if amount <= SignedDuration::ZERO {
        return from;
    }
    match calendar {
        Calendar::TwentyFourSeven => from.checked_add(amount).unwrap_or(Timestamp::MAX),
        Calendar::Business => {
            let tz = brussels();
            let mut date = from.to_zoned(tz.clone()).date();
            let mut left = amount;
            // Bounded: at most ~20 years of days.
            for _ in 0..7400 {
                if let Some((open, close)) = window(date, &tz) {
                    let start = open.max(from);
                    if close > start {
                        let available = close.duration_since(start);
                        if available >= left {
                            return start.checked_add(left).unwrap_or(Timestamp::MAX);
                        }
                        left -= available;
                    }
                }
                match date.tomorrow() {
                    Ok(next) => date = next,
                    Err(_) => break,
                }
            }
            Timestamp::MAX
        }
    }
}

/// A span during which the clock was stopped (on hold); `end` is `None` while it lasts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Pause {
    /// When the hold began.
    pub start: Timestamp,
    /// When it ended.
    pub end: Option<Timestamp>,
}

/// Calendar time used between `start` and `now`, minus the paused spans.
pub fn elapsed(
    calendar: Calendar,
    start: Timestamp,
    now: Timestamp,
    pauses: &[Pause],
) -> SignedDuration {
    let mut used = working_time(calendar, start, now);
    for pause in pauses {
        let from = pause.start.max(start);
        let to = pause.end.unwrap_or(now).min(now);
        used -= working_time(calendar, from, to);
    }
    used.max(SignedDuration::ZERO)
}

/// When `target` of calendar time will have been used, counting the pauses. `None` while a
/// pause is open (the clock is stopped, so there is no deadline).
pub fn due_at(
    calendar: Calendar,
    start: Timestamp,
    target: SignedDuration,
    pauses: &[Pause],
) -> Option<Timestamp> {
    if pauses.iter().any(|p| p.end.is_none()) {
        return None;
    }
    let mut due = advance(calendar, start, target);
    // Each round pushes the deadline by the working time paused before it; pauses are
    // finite, so this converges in at most one round per pause.
    for _ in 0..=pauses.len() {
        let paused: SignedDuration = pauses
            .iter()
            .map(|p| {
                let end = p.end.unwrap_or(due).min(due);
                working_time(calendar, p.start.max(start), end)
            })
            .sum();
        let next = advance(calendar, start, target + paused);
        if next == due {
            break;
        }
        due = next;
    }
    Some(due)
}

/// The state of one SLA clock.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClockState {
    /// `acknowledge` or `resolve`.
    pub kind: &'static str,
    /// The target, minutes.
    pub target_minutes: u32,
    /// Calendar minutes used so far (or until it was met).
    pub used_minutes: i64,
    /// When it is due (`None` while on hold).
    pub due_at: Option<Timestamp>,
    /// Whether the clock is stopped because the target was met.
    pub met: bool,
    /// Whether more than the warn ratio of the target is used and it is not met.
    pub at_risk: bool,
    /// Whether the target was (or is being) exceeded.
    pub breached: bool,
}

/// Computes one clock. `stop` is when the target was met (acknowledged/resolved), if it was.
pub fn clock(
    contract: &SlaContract,
    kind: &'static str,
    target_minutes: u32,
    start: Timestamp,
    stop: Option<Timestamp>,
    now: Timestamp,
    pauses: &[Pause],
) -> ClockState {
    let end = stop.unwrap_or(now);
    let used = elapsed(contract.calendar, start, end, pauses);
    let target = SignedDuration::from_mins(i64::from(target_minutes));
    let due = due_at(contract.calendar, start, target, pauses);
    let breached = used > target;
    let ratio = used.as_secs_f64() / target.as_secs_f64().max(1.0);
    ClockState {
        kind,
        target_minutes,
        used_minutes: used.as_secs() / 60,
        due_at: due,
        met: stop.is_some() && !breached,
        at_risk: stop.is_none() && !breached && ratio >= contract.warn_ratio,
        breached,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        // Local Brussels civil time.
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(brussels())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter(2024), jiff::civil::date(2024, 3, 31));
        assert_eq!(easter(2025), jiff::civil::date(2025, 4, 20));
        assert_eq!(easter(2026), jiff::civil::date(2026, 4, 5));
        assert!(is_belgian_holiday(jiff::civil::date(2025, 4, 21))); // Easter Monday
        assert!(is_belgian_holiday(jiff::civil::date(2025, 5, 29))); // Ascension
        assert!(is_belgian_holiday(jiff::civil::date(2025, 6, 9))); // Whit Monday
        assert!(is_belgian_holiday(jiff::civil::date(2025, 7, 21)));
        assert!(!is_belgian_holiday(jiff::civil::date(2025, 7, 22)));
    }

    #[test]
    fn twenty_four_seven_across_spring_forward() {
        // 2025-03-30 02:00 local does not exist: clocks jump to 03:00.
        let start = at("2025-03-30T00:30");
        let due = advance(
            Calendar::TwentyFourSeven,
            start,
            SignedDuration::from_hours(4),
        );
        assert_eq!(due, at("2025-03-30T05:30"));
        assert_eq!(
            working_time(Calendar::TwentyFourSeven, start, at("2025-03-30T05:30")),
            SignedDuration::from_hours(4)
        );
    }

    #[test]
    fn twenty_four_seven_across_fall_back() {
        // 2025-10-26 03:00 local happens twice: four real hours end at 03:30 (second time
        // around is 02:30 + 1h).
        let start = at("2025-10-26T00:30");
        let due = advance(
            Calendar::TwentyFourSeven,
            start,
            SignedDuration::from_hours(4),
        );
        assert_eq!(due.duration_since(start), SignedDuration::from_hours(4));
        assert_eq!(
            due.to_zoned(brussels()).datetime(),
            "2025-10-26T03:30".parse().unwrap()
        );
    }

    #[test]
    fn business_hours_skip_weekend_and_easter_monday() {
        // Friday 18 April 2025 is a working day (Good Friday is not a legal holiday),
        // Monday 21 April is Easter Monday.
        let start = at("2025-04-18T17:00");
        let due = advance(Calendar::Business, start, SignedDuration::from_hours(2));
        assert_eq!(due, at("2025-04-22T09:00"));
        assert_eq!(
            working_time(Calendar::Business, start, due),
            SignedDuration::from_hours(2)
        );
    }

    #[test]
    fn business_day_is_ten_hours_on_dst_days() {
        // Monday 27 October 2025 follows the autumn change; Friday 28 March 2025 precedes the
        // spring one. Whole days are ten working hours on both sides.
        for (from, to) in [
            ("2025-10-24T00:00", "2025-10-28T00:00"),
            ("2025-03-28T00:00", "2025-04-01T00:00"),
        ] {
            assert_eq!(
                working_time(Calendar::Business, at(from), at(to)),
                SignedDuration::from_hours(20),
                "{from}"
            );
        }
    }

    #[test]
    fn pauses_stop_the_clock_and_push_the_deadline() {
        let start = at("2025-06-02T09:00"); // Monday
        let target = SignedDuration::from_hours(4);
        let pause = Pause {
            start: at("2025-06-02T10:00"),
            end: Some(at("2025-06-02T12:00")),
        };
        assert_eq!(
            due_at(Calendar::Business, start, target, &[pause]),
            Some(at("2025-06-02T15:00"))
        );
        assert_eq!(
            elapsed(Calendar::Business, start, at("2025-06-02T13:00"), &[pause]),
            SignedDuration::from_hours(2)
        );
        let open = Pause {
            start: at("2025-06-02T10:00"),
            end: None,
        };
        assert_eq!(due_at(Calendar::Business, start, target, &[open]), None);
        assert_eq!(
            elapsed(Calendar::Business, start, at("2025-06-03T10:00"), &[open]),
            SignedDuration::from_hours(1)
        );
        // A pause that runs over a night: only its working hours count.
        let overnight = Pause {
            start: at("2025-06-02T17:00"),
            end: Some(at("2025-06-03T09:00")),
        };
        assert_eq!(
            due_at(
                Calendar::Business,
                start,
                SignedDuration::from_hours(10),
                &[overnight]
            ),
            Some(at("2025-06-03T11:00"))
        );
    }

    #[test]
    fn clock_flags() {
        let contract = SlaContract {
            calendar: Calendar::TwentyFourSeven,
            targets: BTreeMap::new(),
            warn_ratio: 0.8,
        };
        let start = at("2025-01-06T10:00");
        let c = clock(
            &contract,
            "acknowledge",
            60,
            start,
            None,
            at("2025-01-06T10:50"),
            &[],
        );
        assert!(c.at_risk && !c.breached && !c.met);
        let c = clock(
            &contract,
            "acknowledge",
            60,
            start,
            None,
            at("2025-01-06T11:01"),
            &[],
        );
        assert!(c.breached);
        let c = clock(
            &contract,
            "acknowledge",
            60,
            start,
            Some(at("2025-01-06T10:20")),
            at("2025-01-07T00:00"),
            &[],
        );
        assert!(c.met && !c.breached && c.used_minutes == 20);
    }
}
