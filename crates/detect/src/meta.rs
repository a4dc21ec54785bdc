//! Rule metadata: everything in a Sigma rule except its detection logic.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Criticality of a rule (`level:`): the platform-wide severity scale, so a rule's level
/// is an alert's severity without conversion.
pub use vigie_event::Severity as Level;
/// Why a string is not a [`Level`].
pub use vigie_event::SeverityError as LevelError;

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
