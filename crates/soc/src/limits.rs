//! The largest size of every string of the desk a caller can make vigie store or audit, on
//! the [`Limit`] of `vigie_access::limits` (which also holds the identity fields: username,
//! password, tenant name, token label).
//!
//! The checks are backend-neutral: every store implementation calls them (through the
//! `check` methods of the input types below) before it touches its database, and the
//! conformance suite (`testsuite::text_limits`) fails a backend that forgets one.
//!
//! | field | at most (bytes) |
//! | --- | --- |
//! | incident title, task title | 512 |
//! | comment | 65536 |
//! | false-positive reason, suppression reason | 4096 |
//! | suppression rule id | 512 |
//! | suppression group key | 1024 |
//! | NIS2 awareness, confirmation and lateness reasons | 4096 |
//! | NIS2 submission channel / reference | 64 / 256 |
//! | NIS2 profile, facts (as JSON) | 65536 |
//! | NIS2 case update (as JSON) | 262144 |
//!
//! Saved views of the web application have their own limits ([`crate::prefs::check_view`]).

pub use vigie_access::limits::Limit;

use crate::SocError;
use crate::desk::{AlertAction, IncidentPatch, NewIncident, NewSuppression};

/// Incident titles (also of a split).
pub const INCIDENT_TITLE: Limit = Limit::new("incident title", 512);
/// Task titles.
pub const TASK_TITLE: Limit = Limit::new("task title", 512);
/// Comments on incidents.
pub const COMMENT: Limit = Limit::new("comment", 65_536);
/// Why an alert was closed as a false positive.
pub const FALSE_POSITIVE_REASON: Limit = Limit::new("false-positive reason", 4096);
/// The rule a suppression silences.
pub const SUPPRESSION_RULE_ID: Limit = Limit::new("suppression rule_id", 512);
/// The group key a suppression is narrowed to.
pub const SUPPRESSION_GROUP_KEY: Limit = Limit::new("suppression group_key", 1024);
/// Why a suppression exists.
pub const SUPPRESSION_REASON: Limit = Limit::new("suppression reason", 4096);
/// NIS2 awareness and confirmation reasons.
pub const NIS2_REASON: Limit = Limit::new("reason", 4096);
/// Why a NIS2 submission was late.
pub const NIS2_LATENESS_REASON: Limit = Limit::new("lateness_reason", 4096);
/// How a NIS2 submission was sent.
pub const NIS2_CHANNEL: Limit = Limit::new("channel", 64);
/// The authority's reference of a NIS2 submission.
pub const NIS2_REFERENCE: Limit = Limit::new("reference", 256);
/// A tenant's NIS2 entity profile, as JSON.
pub const NIS2_PROFILE: Limit = Limit::new("NIS2 profile", 65_536);
/// The facts of a NIS2 significance assessment, as JSON.
pub const NIS2_FACTS: Limit = Limit::new("NIS2 facts", 65_536);
/// A NIS2 case update (report fields), as JSON.
pub const NIS2_CASE_UPDATE: Limit = Limit::new("NIS2 case update", 262_144);

impl AlertAction {
    /// The reason limit of a false-positive closure.
    pub fn check(&self) -> Result<(), SocError> {
        match self {
            AlertAction::CloseFalsePositive { reason } => FALSE_POSITIVE_REASON.check(reason),
            AlertAction::Acknowledge | AlertAction::Escalate { .. } => Ok(()),
        }
    }
}

impl NewSuppression {
    /// Rule id, group key and reason limits.
    pub fn check(&self) -> Result<(), SocError> {
        SUPPRESSION_RULE_ID.check(&self.rule_id)?;
        if let Some(key) = &self.group_key {
            SUPPRESSION_GROUP_KEY.check_len(key)?;
        }
        SUPPRESSION_REASON.check(&self.reason)
    }
}

impl NewIncident {
    /// The title limit.
    pub fn check(&self) -> Result<(), SocError> {
        INCIDENT_TITLE.check(&self.title)
    }
}

impl IncidentPatch {
    /// The title limit, when a title is given.
    pub fn check(&self) -> Result<(), SocError> {
        match &self.title {
            Some(title) => INCIDENT_TITLE.check(title),
            None => Ok(()),
        }
    }
}

impl crate::nis2::NewSubmission {
    /// Channel, reference and lateness reason limits.
    pub fn check(&self) -> Result<(), SocError> {
        NIS2_CHANNEL.check(&self.channel)?;
        if let Some(reference) = &self.reference {
            NIS2_REFERENCE.check_len(reference)?;
        }
        if let Some(reason) = &self.lateness_reason {
            NIS2_LATENESS_REASON.check_len(reason)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field_the_value_cut_and_the_limit() {
        let long = "é".repeat(400);
        let err = INCIDENT_TITLE.check(&long).unwrap_err().to_string();
        assert!(err.starts_with("invalid incident title: \""), "{err}");
        assert!(err.contains("…"), "{err}");
        assert!(err.contains("800 bytes"), "{err}");
        assert!(err.contains("512 bytes allowed"), "{err}");
        assert!(err.len() < 200, "{err}");
        assert!(INCIDENT_TITLE.check(&"é".repeat(256)).is_ok());
        assert!(
            INCIDENT_TITLE
                .check("  ")
                .unwrap_err()
                .to_string()
                .contains("must not be empty")
        );
        assert!(SUPPRESSION_GROUP_KEY.check_len("").is_ok());
    }
}
