//! Due dates of the Article 23 stages (§6.1) and the rules around them (§6.2).
//!
//! All instants are UTC [`Timestamp`]s; [`crate::calendar::show`] renders them on the
//! Brussels wall clock with the offset.
//!
//! - Hour-based periods (24 h, 72 h) are exact elapsed time: across a daylight-saving change
//!   the wall clock of the due date shifts by the hour, the period does not.
//! - The one-month period ([`add_one_month`]) takes the Brussels local date-time, moves to
//!   the same day of the next month, clamps to that month's last day, keeps the wall clock.
//!   When that wall-clock time does not exist (spring gap) or exists twice (autumn fold),
//!   the **earlier** instant is the deadline (the conservative reading) and the other one is
//!   kept as `alternative` to show.
//! - Regulation (EEC, Euratom) 1182/71 would let a month-period run to the end of its last
//!   day and past weekends and public holidays; its application is uncertain, so it is only
//!   returned as `outer_bound`, information, never the deadline.

use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::calendar::{brussels, in_brussels, is_non_working_day};
use crate::model::Stage;

/// A one-month due date with its alternative reading and outer bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MonthDue {
    /// The deadline (strict, conservative reading).
    pub due: Timestamp,
    /// The other instant when the local time is ambiguous or skipped by daylight saving.
    pub alternative: Option<Timestamp>,
    /// The Regulation 1182/71 outer bound (end of day, past non-working days): shown, never
    /// enforced.
    pub outer_bound: Timestamp,
}

/// `t` plus one calendar month on the Brussels wall clock (§6.1 `add_one_month`).
pub fn add_one_month(t: Timestamp) -> MonthDue {
    let tz = brussels();
    let local = in_brussels(t).datetime();
    // Date arithmetic with months constrains the day to the month's last day
    // (31 January + 1 month = 28 or 29 February).
    let target = local
        .checked_add(1.month())
        .expect("one month later is within the civil calendar");
    let ambiguous = tz.to_ambiguous_timestamp(target);
    let earlier = ambiguous
        .earlier()
        .expect("an instant one month later is representable");
    let later = ambiguous
        .later()
        .expect("an instant one month later is representable");
    let (due, alternative) = if earlier == later {
        (earlier, None)
    } else {
        (earlier.min(later), Some(earlier.max(later)))
    };
    // Outer bound: the end of the due day, moved past Saturdays, Sundays and Belgian public
    // holidays.
    let mut day = target.date();
    while is_non_working_day(day) {
        day = day.tomorrow().expect("within the civil calendar");
    }
    let next_midnight = day
        .tomorrow()
        .expect("within the civil calendar")
        .to_datetime(jiff::civil::Time::midnight());
    let outer_bound = tz
        .to_ambiguous_timestamp(next_midnight)
        .earlier()
        .expect("representable");
    MonthDue {
        due,
        alternative,
        outer_bound,
    }
}

/// A submission that was made (one submission may cover several stages, e.g. a joint early
/// warning and notification).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    /// The stages it satisfies.
    pub stages: Vec<Stage>,
    /// When it was sent.
    pub at: Timestamp,
}

/// A CSIRT request for an intermediate report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntermediateRequest {
    /// When the request arrived.
    pub requested_at: Timestamp,
    /// The due date the request gives, if any.
    pub due_at: Option<Timestamp>,
    /// When the answer was sent, if it was.
    pub answered_at: Option<Timestamp>,
}

/// What the clocks are computed from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockInput {
    /// The legal anchor (§1.3), set by a person. No clock runs without it.
    pub aware_at: Option<Timestamp>,
    /// The incident affects a trust service of a trust service provider: notification in 24 h.
    pub trust_service: bool,
    /// Submissions made so far.
    pub submissions: Vec<Submitted>,
    /// Intermediate-report requests.
    pub intermediate_requests: Vec<IntermediateRequest>,
    /// When handling of the incident was complete.
    pub handled_at: Option<Timestamp>,
    /// When significance was withdrawn after reporting began (§6.2.6).
    pub withdrawn_at: Option<Timestamp>,
}

/// State of one due date.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueStatus {
    /// Not yet submitted, not yet due.
    Open,
    /// Not submitted and past due: still has to go out, with a lateness reason.
    Overdue,
    /// Submitted on time.
    Met,
    /// Submitted after the due date (a lateness reason is required).
    MetLate,
    /// No longer required: significance was withdrawn (an update saying so is due instead).
    Withdrawn,
    /// The CSIRT's request gives no due date: ask the CCB.
    AskAuthority,
}

/// What a due date is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The stage's report.
    Report,
    /// The update telling the authority the incident is not significant after all.
    WithdrawalUpdate,
}

/// One computed due date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Due {
    /// The stage.
    pub stage: Stage,
    /// What is due.
    pub purpose: Purpose,
    /// The deadline, when one is known.
    pub due_at: Option<Timestamp>,
    /// The formula and anchors used, for the audit trail and the screen.
    pub basis: String,
    /// A provisional value ("latest possible") that will change when an anchor is known.
    pub provisional: bool,
    /// The other reading of an ambiguous local time.
    pub alternative: Option<Timestamp>,
    /// The Regulation 1182/71 outer bound, information only.
    pub outer_bound: Option<Timestamp>,
    /// When it was satisfied.
    pub submitted_at: Option<Timestamp>,
    /// Open, overdue, met ...
    pub status: DueStatus,
}

impl Due {
    fn new(stage: Stage, due_at: Option<Timestamp>, basis: String) -> Self {
        Self {
            stage,
            purpose: Purpose::Report,
            due_at,
            basis,
            provisional: false,
            alternative: None,
            outer_bound: None,
            submitted_at: None,
            status: DueStatus::Open,
        }
    }

    fn month(stage: Stage, month: MonthDue, basis: String) -> Self {
        Self {
            alternative: month.alternative,
            outer_bound: Some(month.outer_bound),
            ..Self::new(stage, Some(month.due), basis)
        }
    }
}

fn submitted(input: &ClockInput, stage: Stage) -> Option<Timestamp> {
    input
        .submissions
        .iter()
        .filter(|s| s.stages.contains(&stage))
        .map(|s| s.at)
        .min()
}

const DAY: SignedDuration = SignedDuration::from_hours(24);

/// Every due date of an incident at `now` (§6.1, §6.2). Empty until `aware_at` is set:
/// clocks start only at awareness (§6.2.1).
pub fn compute(input: &ClockInput, now: Timestamp) -> Vec<Due> {
    let Some(aware) = input.aware_at else {
        return Vec::new();
    };
    let mut dues = Vec::new();
    let plus = |hours: i64| {
        aware
            .checked_add(SignedDuration::from_hours(hours))
            .expect("within range")
    };

    dues.push(Due::new(
        Stage::EarlyWarning,
        Some(plus(24)),
        "aware_at + 24 h".to_owned(),
    ));
    let (in_hours, in_basis) = if input.trust_service {
        (
            24,
            "aware_at + 24 h (trust service provider, trust service affected)",
        )
    } else {
        (72, "aware_at + 72 h")
    };
    let in_due = plus(in_hours);
    dues.push(Due::new(
        Stage::IncidentNotification,
        Some(in_due),
        in_basis.to_owned(),
    ));

    for request in &input.intermediate_requests {
        let mut due = Due::new(
            Stage::IntermediateReport,
            request.due_at,
            match request.due_at {
                Some(_) => "due date given in the CSIRT request".to_owned(),
                None => "the CSIRT request gives no due date: ask the CCB".to_owned(),
            },
        );
        due.submitted_at = request.answered_at;
        dues.push(due);
    }

    // Final report: one month after the notification was submitted; before that, the latest
    // possible value from the notification's due date.
    let final_due = match submitted(input, Stage::IncidentNotification) {
        Some(at) => Due::month(
            Stage::FinalReport,
            add_one_month(at),
            "add_one_month(incident notification submitted_at)".to_owned(),
        ),
        None => {
            let mut due = Due::month(
                Stage::FinalReport,
                add_one_month(in_due),
                "add_one_month(incident notification due): latest possible, provisional".to_owned(),
            );
            due.provisional = true;
            due
        }
    };
    let fr_due_at = final_due.due_at.expect("computed above");
    // Still being handled at the final report's due date: a progress report is due then, and
    // the final report one month after handling ends (§1.2 stage 5).
    let ongoing_at_fr = match input.handled_at {
        None => now >= fr_due_at || submitted(input, Stage::ProgressReport).is_some(),
        Some(handled) => handled > fr_due_at,
    };
    if ongoing_at_fr {
        dues.push(Due {
            basis: format!(
                "= final report due ({}): handling not complete then",
                final_due.basis
            ),
            stage: Stage::ProgressReport,
            ..final_due.clone()
        });
        match input.handled_at {
            Some(handled) => dues.push(Due::month(
                Stage::FinalReport,
                add_one_month(handled),
                "add_one_month(handled_at), after a progress report".to_owned(),
            )),
            None => {
                let mut due = Due::new(
                    Stage::FinalReport,
                    None,
                    "add_one_month(handled_at): handling not complete yet".to_owned(),
                );
                due.provisional = true;
                dues.push(due);
            }
        }
    } else {
        dues.push(final_due);
    }

    for due in &mut dues {
        if due.stage != Stage::IntermediateReport {
            due.submitted_at = submitted(input, due.stage);
        }
        due.status = match (due.due_at, due.submitted_at) {
            (None, Some(_)) => DueStatus::Met,
            (None, None) if due.stage == Stage::IntermediateReport => DueStatus::AskAuthority,
            (None, None) => DueStatus::Open,
            (Some(at), Some(sent)) if sent <= at => DueStatus::Met,
            (Some(_), Some(_)) => DueStatus::MetLate,
            (Some(at), None) if now > at => DueStatus::Overdue,
            (Some(_), None) => DueStatus::Open,
        };
    }

    if let Some(withdrawn) = input.withdrawn_at {
        let mut pending = Vec::new();
        for due in &mut dues {
            if due.submitted_at.is_none() {
                due.status = DueStatus::Withdrawn;
                pending.push(due.clone());
            }
        }
        // The update is due without undue delay, at the latest by the next stage that would
        // have been due.
        if let Some(next) = pending
            .iter()
            .filter(|d| d.due_at.is_some())
            .min_by_key(|d| d.due_at)
        {
            let due_at = next.due_at.map(|at| at.max(withdrawn));
            let sent = input
                .submissions
                .iter()
                .filter(|s| s.at >= withdrawn && s.stages.contains(&next.stage))
                .map(|s| s.at)
                .min();
            dues.push(Due {
                stage: next.stage,
                purpose: Purpose::WithdrawalUpdate,
                due_at,
                basis: "significance withdrawn: update due by the next stage's due date".to_owned(),
                provisional: false,
                alternative: None,
                outer_bound: None,
                submitted_at: sent,
                status: match (due_at, sent) {
                    (_, Some(_)) => DueStatus::Met,
                    (Some(at), None) if now > at => DueStatus::Overdue,
                    _ => DueStatus::Open,
                },
            });
        }
    }
    dues
}

/// When the CCB's first feedback is expected: 24 h after the early warning was sent
/// (Art. 23(5); information, not an obligation of the entity).
pub fn csirt_feedback_expected(input: &ClockInput) -> Option<Timestamp> {
    submitted(input, Stage::EarlyWarning).map(|at| at.checked_add(DAY).expect("within range"))
}

/// Reminder instants for a due date (§6.2.5): each fraction of the period elapsed (default
/// 50 %), each lead time before the due date (default 4 h and 1 h), and the due date itself.
pub fn reminders(
    start: Timestamp,
    due: Timestamp,
    fractions: &[f64],
    lead: &[SignedDuration],
) -> Vec<Timestamp> {
    let period = due.duration_since(start);
    let mut out: Vec<Timestamp> = fractions
        .iter()
        .filter(|f| (0.0..1.0).contains(*f))
        .filter_map(|f| start.checked_add(period.mul_f64(*f)).ok())
        .chain(lead.iter().filter_map(|l| due.checked_sub(*l).ok()))
        .filter(|t| *t >= start)
        .chain(std::iter::once(due))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::show;

    fn ts(s: &str) -> Timestamp {
        // Local Brussels times in the tests are written with their offset.
        s.parse().unwrap()
    }

    fn find(dues: &[Due], stage: Stage) -> &Due {
        dues.iter()
            .find(|d| d.stage == stage && d.purpose == Purpose::Report)
            .unwrap()
    }

    /// §6.1 worked example across the DST change of 30 March 2025.
    #[test]
    fn worked_example_dst_2025() {
        let aware = ts("2025-03-28T22:30:00+01:00");
        let mut input = ClockInput {
            aware_at: Some(aware),
            ..ClockInput::default()
        };
        let dues = compute(&input, aware);
        assert_eq!(
            show(find(&dues, Stage::EarlyWarning).due_at.unwrap()),
            "2025-03-29 22:30 +01:00"
        );
        let notification = find(&dues, Stage::IncidentNotification).due_at.unwrap();
        assert_eq!(show(notification), "2025-03-31 23:30 +02:00");
        assert_eq!(notification.duration_since(aware).as_hours(), 72);

        input.submissions.push(Submitted {
            stages: vec![Stage::EarlyWarning],
            at: ts("2025-03-29T10:00:00+01:00"),
        });
        input.submissions.push(Submitted {
            stages: vec![Stage::IncidentNotification],
            at: ts("2025-03-31T10:00:00+02:00"),
        });
        let dues = compute(&input, ts("2025-04-01T00:00:00Z"));
        let final_report = find(&dues, Stage::FinalReport);
        assert_eq!(
            show(final_report.due_at.unwrap()),
            "2025-04-30 10:00 +02:00"
        );
        assert!(!final_report.provisional);
        assert_eq!(find(&dues, Stage::EarlyWarning).status, DueStatus::Met);
        assert_eq!(
            find(&dues, Stage::IncidentNotification).status,
            DueStatus::Met
        );
    }

    #[test]
    fn end_of_month_clamp() {
        let jan31 = ts("2025-01-31T09:00:00+01:00");
        assert_eq!(show(add_one_month(jan31).due), "2025-02-28 09:00 +01:00");
        let leap = ts("2024-01-31T09:00:00+01:00");
        assert_eq!(show(add_one_month(leap).due), "2024-02-29 09:00 +01:00");
        let mar31 = ts("2025-03-31T12:00:00+02:00");
        assert_eq!(show(add_one_month(mar31).due), "2025-04-30 12:00 +02:00");
    }

    #[test]
    fn ambiguous_local_time_takes_the_earlier_instant() {
        // 2025-10-26 02:30 happens twice in Brussels; one month after 2025-09-26 02:30.
        let before = ts("2025-09-26T02:30:00+02:00");
        let month = add_one_month(before);
        assert_eq!(month.due, ts("2025-10-26T02:30:00+02:00"));
        assert_eq!(month.alternative, Some(ts("2025-10-26T02:30:00+01:00")));
        // 2027-03-28 02:30 does not exist in Brussels (spring gap): one month after
        // 2027-02-28 02:30 lands in it.
        let gap = add_one_month(ts("2027-02-28T02:30:00+01:00"));
        assert_eq!(gap.due, ts("2027-03-28T02:30:00+02:00"));
        assert_eq!(gap.alternative, Some(ts("2027-03-28T02:30:00+01:00")));
        assert!(gap.due < gap.alternative.unwrap());
    }

    #[test]
    fn outer_bound_moves_past_weekend_and_holidays() {
        // Due Saturday 2025-11-01 (All Saints, and a Saturday) → Monday 2025-11-03 24:00.
        let month = add_one_month(ts("2025-10-01T10:00:00+02:00"));
        assert_eq!(show(month.due), "2025-11-01 10:00 +01:00");
        assert_eq!(show(month.outer_bound), "2025-11-04 00:00 +01:00");
    }

    #[test]
    fn trust_service_notification_is_24_hours() {
        let aware = ts("2025-06-01T08:00:00Z");
        let input = ClockInput {
            aware_at: Some(aware),
            trust_service: true,
            ..ClockInput::default()
        };
        let dues = compute(&input, aware);
        assert_eq!(
            find(&dues, Stage::IncidentNotification).due_at,
            find(&dues, Stage::EarlyWarning).due_at
        );
    }

    #[test]
    fn joint_early_warning_and_notification() {
        let aware = ts("2025-06-01T08:00:00Z");
        let sent = ts("2025-06-01T20:00:00Z");
        let input = ClockInput {
            aware_at: Some(aware),
            submissions: vec![Submitted {
                stages: vec![Stage::EarlyWarning, Stage::IncidentNotification],
                at: sent,
            }],
            ..ClockInput::default()
        };
        let dues = compute(&input, ts("2025-06-02T00:00:00Z"));
        assert_eq!(find(&dues, Stage::EarlyWarning).status, DueStatus::Met);
        assert_eq!(
            find(&dues, Stage::IncidentNotification).status,
            DueStatus::Met
        );
        assert_eq!(
            find(&dues, Stage::FinalReport).due_at,
            Some(add_one_month(sent).due)
        );
        assert_eq!(
            csirt_feedback_expected(&input),
            Some(ts("2025-06-02T20:00:00Z"))
        );
    }

    #[test]
    fn overdue_and_late() {
        let aware = ts("2025-06-01T08:00:00Z");
        let mut input = ClockInput {
            aware_at: Some(aware),
            ..ClockInput::default()
        };
        let later = ts("2025-06-02T09:00:00Z");
        assert_eq!(
            find(&compute(&input, later), Stage::EarlyWarning).status,
            DueStatus::Overdue
        );
        input.submissions.push(Submitted {
            stages: vec![Stage::EarlyWarning],
            at: later,
        });
        assert_eq!(
            find(&compute(&input, later), Stage::EarlyWarning).status,
            DueStatus::MetLate
        );
    }

    #[test]
    fn no_clock_before_awareness() {
        assert!(compute(&ClockInput::default(), Timestamp::now()).is_empty());
    }

    #[test]
    fn progress_report_when_still_handled_at_final_due() {
        let aware = ts("2025-06-01T08:00:00Z");
        let notified = ts("2025-06-03T08:00:00Z");
        let mut input = ClockInput {
            aware_at: Some(aware),
            submissions: vec![Submitted {
                stages: vec![Stage::EarlyWarning, Stage::IncidentNotification],
                at: notified,
            }],
            ..ClockInput::default()
        };
        let fr = add_one_month(notified).due;
        // Before the final report's due date and still handling: final report only.
        let dues = compute(&input, ts("2025-06-10T00:00:00Z"));
        assert!(dues.iter().all(|d| d.stage != Stage::ProgressReport));
        // Past it, not handled: progress report due at FR_due, final report pending.
        let dues = compute(&input, fr.checked_add(DAY).unwrap());
        assert_eq!(find(&dues, Stage::ProgressReport).due_at, Some(fr));
        assert_eq!(
            find(&dues, Stage::ProgressReport).status,
            DueStatus::Overdue
        );
        assert_eq!(find(&dues, Stage::FinalReport).due_at, None);
        // Handled later: the final report is one month after handling.
        let handled = ts("2025-08-20T12:00:00Z");
        input.handled_at = Some(handled);
        let dues = compute(&input, handled);
        assert_eq!(
            find(&dues, Stage::FinalReport).due_at,
            Some(add_one_month(handled).due)
        );
    }

    #[test]
    fn intermediate_without_due_asks_authority() {
        let aware = ts("2025-06-01T08:00:00Z");
        let input = ClockInput {
            aware_at: Some(aware),
            intermediate_requests: vec![IntermediateRequest {
                requested_at: ts("2025-06-05T08:00:00Z"),
                due_at: None,
                answered_at: None,
            }],
            ..ClockInput::default()
        };
        let dues = compute(&input, aware);
        assert_eq!(
            find(&dues, Stage::IntermediateReport).status,
            DueStatus::AskAuthority
        );
    }

    #[test]
    fn significance_withdrawn_after_early_warning() {
        let aware = ts("2025-06-01T08:00:00Z");
        let withdrawn = ts("2025-06-02T12:00:00Z");
        let input = ClockInput {
            aware_at: Some(aware),
            submissions: vec![Submitted {
                stages: vec![Stage::EarlyWarning],
                at: ts("2025-06-01T18:00:00Z"),
            }],
            withdrawn_at: Some(withdrawn),
            ..ClockInput::default()
        };
        let dues = compute(&input, withdrawn);
        assert_eq!(find(&dues, Stage::EarlyWarning).status, DueStatus::Met);
        assert_eq!(
            find(&dues, Stage::IncidentNotification).status,
            DueStatus::Withdrawn
        );
        let update = dues
            .iter()
            .find(|d| d.purpose == Purpose::WithdrawalUpdate)
            .unwrap();
        assert_eq!(update.stage, Stage::IncidentNotification);
        assert_eq!(update.due_at, Some(ts("2025-06-04T08:00:00Z")));
        assert_eq!(update.status, DueStatus::Open);
    }

    #[test]
    fn default_reminders() {
        let start = ts("2025-06-01T00:00:00Z");
        let due = ts("2025-06-02T00:00:00Z");
        let at = reminders(
            start,
            due,
            &[0.5],
            &[SignedDuration::from_hours(4), SignedDuration::from_hours(1)],
        );
        let shown: Vec<String> = at.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "2025-06-01T12:00:00Z",
                "2025-06-01T20:00:00Z",
                "2025-06-01T23:00:00Z",
                "2025-06-02T00:00:00Z"
            ]
        );
    }

    proptest::proptest! {
        /// For any awareness instant: early warning ≤ notification ≤ final report, and the
        /// hour-based periods are exact elapsed hours, DST or not.
        #[test]
        fn stage_order_and_exact_hours(secs in 1_600_000_000i64..1_900_000_000, trust: bool, sent_after in 0i64..(72 * 3600)) {
            let aware = Timestamp::from_second(secs).unwrap();
            let input = ClockInput { aware_at: Some(aware), trust_service: trust, ..ClockInput::default() };
            let dues = compute(&input, aware);
            let ew = find(&dues, Stage::EarlyWarning).due_at.unwrap();
            let nt = find(&dues, Stage::IncidentNotification).due_at.unwrap();
            let fr = find(&dues, Stage::FinalReport).due_at.unwrap();
            proptest::prop_assert_eq!(ew.duration_since(aware), SignedDuration::from_hours(24));
            proptest::prop_assert_eq!(nt.duration_since(aware), SignedDuration::from_hours(if trust { 24 } else { 72 }));
            proptest::prop_assert!(ew <= nt && nt <= fr);
            // With the notification submitted, the final report is still after it.
            let sent = aware.checked_add(SignedDuration::from_secs(sent_after)).unwrap();
            let input = ClockInput { submissions: vec![Submitted { stages: vec![Stage::IncidentNotification], at: sent }], ..input };
            let fr = find(&compute(&input, aware), Stage::FinalReport).due_at.unwrap();
            proptest::prop_assert!(fr > sent);
            // A month is 28 to 31 days and an hour of DST.
            let days = fr.duration_since(sent).as_hours();
            proptest::prop_assert!((28 * 24 - 1..=31 * 24 + 1).contains(&days), "{days}");
        }
    }
}
