//! Severity of a detection, shared by rules, alerts and incidents.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The Sigma `level` scale, lowest first, so `Ord` reads as "more severe".
#[derive(Copy, Clone, Debug, Eq, PartialEq, Hash, Ord, PartialOrd, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Context only, not an alert by itself.
    Informational,
    /// Worth a look.
    Low,
    /// Should be triaged.
    Medium,
    /// Likely malicious.
    High,
    /// Act now.
    Critical,
}

impl Severity {
    /// Every level, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Informational,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used in rules, APIs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Informational => "informational",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// 0 (informational) to 4 (critical), for storage and ordering.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a [`Severity`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown severity {0:?}: expected informational, low, medium, high or critical")]
pub struct SeverityError(pub String);

impl FromStr for Severity {
    type Err = SeverityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| SeverityError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_order_rank() {
        assert_eq!("High".parse::<Severity>().unwrap(), Severity::High);
        assert!("severe".parse::<Severity>().is_err());
        assert!(Severity::Critical > Severity::Low);
        assert_eq!(Severity::Critical.rank(), 4);
    }
}
