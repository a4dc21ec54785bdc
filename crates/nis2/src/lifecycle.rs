//! The incident reporting state machine (§7.3) with its guards.
//!
//! ```text
//! Detected -> Triage -> {NotSignificant | Undetermined | Significant}
//! Significant -> AwarenessSet -> EarlyWarningSent -> NotificationSent (may be one submission)
//! NotificationSent -> IntermediateRequested -> NotificationSent (intermediate sent; 0..n)
//! NotificationSent -> FinalSent | ProgressSent;  ProgressSent -> FinalSent;  FinalSent -> Closed
//! any reporting state -> Downgraded (an update says: not significant after all)
//! ```
//!
//! A refused transition names every unmet guard, so the analyst sees all that is missing at
//! once.

use serde::{Deserialize, Serialize};

use crate::significance::Verdict;

/// Where an incident stands in its NIS2 reporting.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportingState {
    /// First signal seen.
    Detected,
    /// Being assessed.
    Triage,
    /// Assessed as not significant (closed for NIS2; a voluntary report stays possible).
    NotSignificant,
    /// Inputs missing.
    Undetermined,
    /// Significant: awareness must be set.
    Significant,
    /// `aware_at` set: clocks run.
    AwarenessSet,
    /// Early warning submitted.
    EarlyWarningSent,
    /// Incident notification submitted.
    NotificationSent,
    /// The CSIRT asked for an intermediate report.
    IntermediateRequested,
    /// Still being handled at the final report's due date: progress report sent.
    ProgressSent,
    /// Final report submitted.
    FinalSent,
    /// Done.
    Closed,
    /// Significance withdrawn after reporting began; an update said so.
    Downgraded,
}

/// What is known about the report being submitted, for the guards.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    /// Approved by an authorised person (four-eyes where configured).
    pub approved: bool,
    /// TLP label chosen.
    pub tlp_set: bool,
    /// Language chosen.
    pub language_set: bool,
    /// Suspected malicious act answered (unknown allowed).
    pub suspected_malicious_answered: bool,
    /// Cross-border impact answered (unknown allowed).
    pub cross_border_answered: bool,
    /// Initial severity and impact filled.
    pub severity_impact_filled: bool,
    /// Indicators of compromise attached, or "none available" stated.
    pub iocs_or_none_stated: bool,
    /// Detailed description present.
    pub description: bool,
    /// Root cause or threat type present.
    pub root_cause_or_threat: bool,
    /// Mitigations present.
    pub mitigations: bool,
    /// Handling complete (`handled_at` set).
    pub handled: bool,
    /// The final report's due date has passed.
    pub final_due_passed: bool,
    /// The authority acknowledged the final report, or the lack of it is documented.
    pub final_acknowledged_or_documented: bool,
    /// Reason given for an override of the engine's verdict.
    pub override_reason: bool,
}

/// A requested change of state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// Start the assessment.
    StartTriage,
    /// Record the confirmed verdict (an analyst override needs a reason).
    Decide {
        /// The verdict confirmed by the analyst.
        verdict: Verdict,
        /// The analyst's verdict differs from the engine's.
        overrides_engine: bool,
    },
    /// `aware_at` set by an authorised user.
    SetAwareness,
    /// Early warning submitted.
    SubmitEarlyWarning,
    /// Incident notification submitted (alone or with the early warning).
    SubmitNotification,
    /// The CSIRT asked for an intermediate report.
    IntermediateRequested,
    /// Intermediate report submitted.
    SubmitIntermediate,
    /// Progress report submitted.
    SubmitProgress,
    /// Final report submitted.
    SubmitFinal,
    /// Close.
    Close,
    /// Significance withdrawn; the update saying so was sent.
    Downgrade,
}

/// A transition that is not allowed, with every reason.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("cannot {action} from {from:?}: {}", missing.join("; "))]
pub struct Refused {
    /// The state.
    pub from: ReportingState,
    /// What was attempted.
    pub action: String,
    /// Each unmet guard.
    pub missing: Vec<String>,
}

fn require(list: &mut Vec<String>, ok: bool, what: &str) {
    if !ok {
        list.push(what.to_owned());
    }
}

fn report_guards(check: &Checklist, missing: &mut Vec<String>) {
    require(missing, check.approved, "the report is not approved");
    require(missing, check.tlp_set, "no TLP label chosen");
    require(missing, check.language_set, "no language chosen");
}

/// The next state, or every reason it is refused.
pub fn next(
    from: ReportingState,
    action: &Action,
    check: &Checklist,
) -> Result<ReportingState, Refused> {
    use ReportingState as S;
    let mut missing = Vec::new();
    let to = match (from, action) {
        (S::Detected, Action::StartTriage) => Some(S::Triage),
        (
            S::Triage | S::Undetermined,
            Action::Decide {
                verdict,
                overrides_engine,
            },
        ) => {
            if *overrides_engine {
                require(
                    &mut missing,
                    check.override_reason,
                    "overriding the engine's verdict needs a reason",
                );
            }
            Some(match verdict {
                Verdict::Significant => S::Significant,
                Verdict::NotSignificant | Verdict::Excluded => S::NotSignificant,
                Verdict::Undetermined => S::Undetermined,
            })
        }
        (S::Significant, Action::SetAwareness) => Some(S::AwarenessSet),
        (S::AwarenessSet, Action::SubmitEarlyWarning) => {
            report_guards(check, &mut missing);
            require(
                &mut missing,
                check.suspected_malicious_answered,
                "suspected malicious act not answered (unknown is allowed)",
            );
            require(
                &mut missing,
                check.cross_border_answered,
                "cross-border impact not answered (unknown is allowed)",
            );
            Some(S::EarlyWarningSent)
        }
        (S::AwarenessSet | S::EarlyWarningSent, Action::SubmitNotification) => {
            report_guards(check, &mut missing);
            if from == S::AwarenessSet {
                // A joint early warning and notification carries the early warning's content.
                require(
                    &mut missing,
                    check.suspected_malicious_answered,
                    "suspected malicious act not answered (unknown is allowed)",
                );
                require(
                    &mut missing,
                    check.cross_border_answered,
                    "cross-border impact not answered (unknown is allowed)",
                );
            }
            require(
                &mut missing,
                check.severity_impact_filled,
                "initial severity and impact not filled",
            );
            require(
                &mut missing,
                check.iocs_or_none_stated,
                "no indicators of compromise attached and \"none available\" not stated",
            );
            Some(S::NotificationSent)
        }
        (S::NotificationSent, Action::IntermediateRequested) => Some(S::IntermediateRequested),
        (S::IntermediateRequested, Action::SubmitIntermediate) => {
            report_guards(check, &mut missing);
            Some(S::NotificationSent)
        }
        (S::NotificationSent, Action::SubmitProgress) => {
            report_guards(check, &mut missing);
            require(
                &mut missing,
                !check.handled,
                "handling is complete: send the final report instead",
            );
            require(
                &mut missing,
                check.final_due_passed || !check.handled,
                "the final report is not yet due",
            );
            Some(S::ProgressSent)
        }
        (S::NotificationSent | S::ProgressSent, Action::SubmitFinal) => {
            report_guards(check, &mut missing);
            require(
                &mut missing,
                check.description,
                "detailed description missing",
            );
            require(
                &mut missing,
                check.severity_impact_filled,
                "severity and impact missing",
            );
            require(
                &mut missing,
                check.root_cause_or_threat,
                "root cause or threat type missing",
            );
            require(&mut missing, check.mitigations, "mitigations missing");
            require(
                &mut missing,
                check.cross_border_answered,
                "cross-border impact not answered",
            );
            if from == S::ProgressSent {
                require(&mut missing, check.handled, "handling is not complete");
            }
            Some(S::FinalSent)
        }
        (S::FinalSent, Action::Close) => {
            require(
                &mut missing,
                check.final_acknowledged_or_documented,
                "the final report is neither acknowledged nor its lack of acknowledgement documented",
            );
            Some(S::Closed)
        }
        (
            S::AwarenessSet
            | S::EarlyWarningSent
            | S::NotificationSent
            | S::IntermediateRequested
            | S::ProgressSent,
            Action::Downgrade,
        ) => Some(S::Downgraded),
        _ => None,
    };
    let action_name = format!("{action:?}");
    match to {
        None => Err(Refused {
            from,
            action: action_name,
            missing: vec!["not a transition of the reporting state machine".to_owned()],
        }),
        Some(_) if !missing.is_empty() => Err(Refused {
            from,
            action: action_name,
            missing,
        }),
        Some(to) => Ok(to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportingState as S;

    fn ready() -> Checklist {
        Checklist {
            approved: true,
            tlp_set: true,
            language_set: true,
            suspected_malicious_answered: true,
            cross_border_answered: true,
            severity_impact_filled: true,
            iocs_or_none_stated: true,
            description: true,
            root_cause_or_threat: true,
            mitigations: true,
            handled: true,
            final_due_passed: false,
            final_acknowledged_or_documented: true,
            override_reason: false,
        }
    }

    #[test]
    fn happy_path() {
        let c = ready();
        let decide = Action::Decide {
            verdict: Verdict::Significant,
            overrides_engine: false,
        };
        let path = [
            (Action::StartTriage, S::Triage),
            (decide, S::Significant),
            (Action::SetAwareness, S::AwarenessSet),
            (Action::SubmitEarlyWarning, S::EarlyWarningSent),
            (Action::SubmitNotification, S::NotificationSent),
            (Action::IntermediateRequested, S::IntermediateRequested),
            (Action::SubmitIntermediate, S::NotificationSent),
            (Action::SubmitFinal, S::FinalSent),
            (Action::Close, S::Closed),
        ];
        let mut state = S::Detected;
        for (action, expected) in path {
            state = next(state, &action, &c).unwrap();
            assert_eq!(state, expected);
        }
    }

    #[test]
    fn joint_submission_skips_the_early_warning_state() {
        assert_eq!(
            next(S::AwarenessSet, &Action::SubmitNotification, &ready()),
            Ok(S::NotificationSent)
        );
    }

    #[test]
    fn every_missing_guard_is_named() {
        let error = next(
            S::AwarenessSet,
            &Action::SubmitEarlyWarning,
            &Checklist::default(),
        )
        .unwrap_err();
        assert_eq!(error.missing.len(), 5, "{error}");
        assert!(error.to_string().contains("TLP"));
    }

    #[test]
    fn override_needs_a_reason() {
        let action = Action::Decide {
            verdict: Verdict::NotSignificant,
            overrides_engine: true,
        };
        assert!(next(S::Triage, &action, &ready()).is_err());
        let with_reason = Checklist {
            override_reason: true,
            ..ready()
        };
        assert_eq!(
            next(S::Triage, &action, &with_reason),
            Ok(S::NotSignificant)
        );
    }

    #[test]
    fn progress_then_final() {
        let ongoing = Checklist {
            handled: false,
            final_due_passed: true,
            ..ready()
        };
        let state = next(S::NotificationSent, &Action::SubmitProgress, &ongoing).unwrap();
        assert_eq!(state, S::ProgressSent);
        assert!(next(state, &Action::SubmitFinal, &ongoing).is_err());
        assert_eq!(
            next(state, &Action::SubmitFinal, &ready()),
            Ok(S::FinalSent)
        );
    }

    #[test]
    fn downgrade_from_reporting_states_only() {
        assert_eq!(
            next(S::EarlyWarningSent, &Action::Downgrade, &ready()),
            Ok(S::Downgraded)
        );
        assert!(next(S::Closed, &Action::Downgrade, &ready()).is_err());
        assert!(next(S::Detected, &Action::SubmitFinal, &ready()).is_err());
    }
}
