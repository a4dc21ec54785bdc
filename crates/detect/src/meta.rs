//! Rule metadata: everything in a Sigma rule except its detection logic.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Criticality of a rule (`level:`), ordered from least to most severe.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Enrichment only, no alerting expected.
    Informational,
    /// Notable, rarely an incident.
    Low,
    /// Should be reviewed manually.
    Medium,
    /// Should trigger an internal alert and a prompt review.
    High,
    /// Almost certainly an incident.
    Critical,
}

impl Level {
    /// The lowercase Sigma name of the level.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a [`Level`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid level {0:?}: expected informational, low, medium, high or critical")]
pub struct LevelError(pub String);

impl FromStr for Level {
    type Err = LevelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "informational" => Ok(Level::Informational),
            "low" => Ok(Level::Low),
            "medium" => Ok(Level::Medium),
            "high" => Ok(Level::High),
            "critical" => Ok(Level::Critical),
            _ => Err(LevelError(s.to_owned())),
        }
    }
}

/// The `logsource:` section of a rule. Kept as metadata; rules are not routed by it yet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSource {
    /// e.g. `windows`, `linux`, `aws`.
    pub product: Option<String>,
    /// e.g. `process_creation`, `firewall`.
    pub category: Option<String>,
    /// e.g. `security`, `sshd`.
    pub service: Option<String>,
}

/// What a rule says about itself, everything but the detection logic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleMeta {
    /// The rule's `id:`, or a derived id when it has none (see [`crate::derive_rule_id`]).
    pub id: String,
    /// `title:`.
    pub title: String,
    /// `level:`; [`Level::Medium`] when the rule gives none.
    pub level: Level,
    /// `status:` (`stable`, `test`, `experimental`, ...).
    pub status: Option<String>,
    /// `description:`.
    pub description: Option<String>,
    /// `author:` (a list of authors is joined with `, `). Detection output built from
    /// SigmaHQ rules must keep it (DRL 1.1).
    pub author: Option<String>,
    /// `tags:`.
    pub tags: Vec<String>,
    /// `references:`.
    pub references: Vec<String>,
    /// `falsepositives:`.
    pub falsepositives: Vec<String>,
    /// `logsource:`.
    pub logsource: LogSource,
    /// The rule file, relative to the directory given to [`crate::RuleSet::load_dir`] (or the
    /// origin given to [`crate::RuleSet::from_yaml`]).
    pub path: Option<PathBuf>,
    /// `date:` as written (creation date).
    pub date: Option<String>,
    /// `modified:` as written (last modification date).
    pub modified: Option<String>,
    /// `fields:`: fields worth showing to an analyst.
    pub fields: Vec<String>,
    /// Whether `id` was derived because the rule has no `id:`.
    pub derived_id: bool,
}

impl From<Level> for vigie_event::Severity {
    fn from(level: Level) -> Self {
        match level {
            Level::Informational => vigie_event::Severity::Informational,
            Level::Low => vigie_event::Severity::Low,
            Level::Medium => vigie_event::Severity::Medium,
            Level::High => vigie_event::Severity::High,
            Level::Critical => vigie_event::Severity::Critical,
        }
    }
}

impl From<vigie_event::Severity> for Level {
    fn from(severity: vigie_event::Severity) -> Self {
        match severity {
            vigie_event::Severity::Informational => Level::Informational,
            vigie_event::Severity::Low => Level::Low,
            vigie_event::Severity::Medium => Level::Medium,
            vigie_event::Severity::High => Level::High,
            vigie_event::Severity::Critical => Level::Critical,
        }
    }
}
