//! The significance engine (§7): rule packs as data, three-valued evaluation, a verdict.
//!
//! A rule pack is a TOML file (`crates/nis2/packs/`, embedded in the binary) with an id, a
//! version, a status, where it applies, and criteria; each criterion has a code, a source
//! reference, a text and a condition over named facts (see [`FACTS`]). Conditions are
//! evaluated in Kleene logic: a fact nobody has given yet is unknown, never "no". Numeric
//! facts are evaluated on the larger of their actual and projected value ("caused or capable
//! of causing", Art. 23(3)).
//!
//! Pack order and role (§7.2): `eu-2690-entity` and `eu-2690-general` bind the entity types
//! of Regulation 2024/2690 (the general criteria are advisory for every other entity);
//! `be-ccb-guide` applies to Belgian entities that are not such types, and only once
//! activated (its values are to be confirmed); `art23-3-qualitative` is always asked.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::{EntityProfile, IrEntityType, TriState};

/// Every fact a criterion may use, with what it means. A pack naming another fact is refused.
pub const FACTS: &[(&str, &str)] = &[
    (
        "severe_disruption_or_financial_loss",
        "caused or can cause severe operational disruption or financial loss (yes/no/unknown)",
    ),
    (
        "considerable_damage_to_others",
        "affected or can affect others with considerable damage (yes/no/unknown)",
    ),
    (
        "severe_disruption_possible",
        "can cause severe operational disruption (yes/no/unknown)",
    ),
    ("financial_loss_eur", "direct financial loss in EUR"),
    (
        "turnover_eur",
        "annual turnover of the previous financial year in EUR",
    ),
    (
        "trade_secret_exfiltration",
        "trade secrets exfiltrated or possibly exfiltrated",
    ),
    ("deaths", "number of deaths caused or possible"),
    ("health_damage", "considerable damage to a person's health"),
    (
        "unauthorised_access_success",
        "successful unauthorised access to network and information systems",
    ),
    ("suspected_malicious", "suspected unlawful or malicious act"),
    (
        "recurring_incidents_6_months",
        "incidents with the same apparent root cause within 6 months",
    ),
    (
        "recurring_same_root_cause",
        "those incidents share the same apparent root cause",
    ),
    (
        "recurring_financial_loss_eur",
        "their combined direct financial loss in EUR",
    ),
    (
        "outage_full_minutes",
        "minutes the service was fully unavailable",
    ),
    ("degraded_minutes", "minutes the service was limited"),
    (
        "dns_avg_response_ms",
        "average DNS response time in milliseconds",
    ),
    ("users_total", "users of the service in the EU"),
    (
        "users_affected",
        "users affected (maximum plausible estimate when unknown)",
    ),
    (
        "data_compromise",
        "integrity, confidentiality or authenticity of data compromised",
    ),
    ("data_compromise_users", "users whose data was compromised"),
    (
        "physical_access_compromised",
        "physical access to restricted areas compromised",
    ),
    (
        "weekly_unavailability_minutes",
        "minutes of unavailability in the calendar week (trust services)",
    ),
    (
        "scheduled_maintenance_explains_all",
        "the outage is entirely a scheduled maintenance",
    ),
];

/// The facts that are numbers (compared with thresholds: `gt`, `gte`, `pct ... of`); every
/// other fact of [`FACTS`] is a yes/no/unknown answer (`yes`). A pack that uses a fact as the
/// other kind is refused, so a form can ask each fact in its own kind.
pub const NUMERIC_FACTS: &[&str] = &[
    "financial_loss_eur",
    "turnover_eur",
    "deaths",
    "recurring_incidents_6_months",
    "recurring_financial_loss_eur",
    "outage_full_minutes",
    "degraded_minutes",
    "dns_avg_response_ms",
    "users_total",
    "users_affected",
    "data_compromise_users",
    "weekly_unavailability_minutes",
];

/// Whether fact `name` is a number (else a yes/no/unknown answer).
pub fn is_numeric(name: &str) -> bool {
    NUMERIC_FACTS.contains(&name)
}

/// A number or a threshold expression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Num {
    /// A constant.
    Const(f64),
    /// The value of a numeric fact.
    Fact {
        /// The fact's name.
        fact: String,
    },
    /// A percentage of a numeric fact.
    Pct {
        /// The percentage.
        pct: f64,
        /// The fact it is a percentage of.
        of: String,
    },
    /// The smallest of several values ("whichever is lower").
    Min {
        /// The candidates.
        min: Vec<Num>,
    },
}

/// A comparison of a fact with a threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cmp {
    /// The numeric fact.
    pub fact: String,
    /// The threshold.
    pub than: Num,
}

/// A criterion's condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cond {
    /// Every condition holds.
    All(Vec<Cond>),
    /// At least one condition holds.
    Any(Vec<Cond>),
    /// A tri-state fact is yes.
    Yes(String),
    /// Fact > threshold.
    Gt(Cmp),
    /// Fact ≥ threshold.
    Gte(Cmp),
}

/// Where a pack applies.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applies {
    /// Every entity.
    Always,
    /// Binding for 2024/2690 entity types, advisory for others.
    IrEntity,
    /// Belgian entities that are not 2024/2690 entity types.
    BelgianNonIr,
}

/// Review state of a pack.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackStatus {
    /// Values checked against the legal text.
    Confirmed,
    /// Values to confirm: evaluated only once activated by a compliance officer.
    ToConfirm,
}

/// One criterion of a pack.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Short code, e.g. `G-a`.
    pub code: String,
    /// Entity types it is for (empty: all the pack applies to).
    #[serde(default)]
    pub entity: Vec<IrEntityType>,
    /// Legal or guidance reference.
    pub source: String,
    /// What it says.
    pub text: String,
    /// When it is met.
    pub when: Cond,
}

/// A versioned rule pack.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulePack {
    /// Pack id, e.g. `eu-2690-general`.
    pub id: String,
    /// Version of its values.
    pub version: String,
    /// Human title.
    pub title: String,
    /// Review state.
    pub status: PackStatus,
    /// Where it applies.
    pub applies: Applies,
    /// Its criteria.
    #[serde(rename = "criterion")]
    pub criteria: Vec<Criterion>,
}

/// Why a pack cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// Not valid TOML or not the pack shape.
    #[error("rule pack {origin}: {message}")]
    Parse {
        /// Where the pack came from.
        origin: String,
        /// The parser's message.
        message: String,
    },
    /// A criterion names a fact that does not exist.
    #[error("rule pack {pack}, criterion {code}: unknown fact {fact:?}")]
    UnknownFact {
        /// Pack id.
        pack: String,
        /// Criterion code.
        code: String,
        /// The unknown name.
        fact: String,
    },
    /// A criterion compares a yes/no fact with a number, or asks a numeric fact for yes.
    #[error(
        "rule pack {pack}, criterion {code}: fact {fact:?} is used as the wrong kind (see NUMERIC_FACTS)"
    )]
    WrongKind {
        /// Pack id.
        pack: String,
        /// Criterion code.
        code: String,
        /// The fact.
        fact: String,
    },
}

const EMBEDDED: [(&str, &str); 4] = [
    (
        "eu-2690-entity.toml",
        include_str!("../packs/eu-2690-entity.toml"),
    ),
    (
        "eu-2690-general.toml",
        include_str!("../packs/eu-2690-general.toml"),
    ),
    (
        "be-ccb-guide.toml",
        include_str!("../packs/be-ccb-guide.toml"),
    ),
    (
        "art23-3-qualitative.toml",
        include_str!("../packs/art23-3-qualitative.toml"),
    ),
];

impl RulePack {
    /// Parses and checks a pack.
    pub fn parse(text: &str, origin: &str) -> Result<Self, PackError> {
        let pack: RulePack = toml::from_str(text).map_err(|e| PackError::Parse {
            origin: origin.to_owned(),
            message: e.to_string().trim().to_owned(),
        })?;
        for criterion in &pack.criteria {
            let mut names = Vec::new();
            criterion.when.facts(&mut names);
            if let Some(fact) = names
                .into_iter()
                .find(|n| !FACTS.iter().any(|(known, _)| known == n))
            {
                return Err(PackError::UnknownFact {
                    pack: pack.id.clone(),
                    code: criterion.code.clone(),
                    fact,
                });
            }
            let (mut answers, mut numbers) = (Vec::new(), Vec::new());
            criterion.when.kinds(&mut answers, &mut numbers);
            if let Some(fact) = answers
                .into_iter()
                .find(|n| is_numeric(n))
                .or_else(|| numbers.into_iter().find(|n| !is_numeric(n)))
            {
                return Err(PackError::WrongKind {
                    pack: pack.id.clone(),
                    code: criterion.code.clone(),
                    fact,
                });
            }
        }
        Ok(pack)
    }

    /// The packs shipped with vigie, in evaluation order (§7.2).
    pub fn embedded() -> Vec<RulePack> {
        EMBEDDED
            .iter()
            .map(|(name, text)| RulePack::parse(text, name).expect("embedded packs are tested"))
            .collect()
    }
}

impl Num {
    fn facts(&self, out: &mut Vec<String>) {
        match self {
            Num::Const(_) => {}
            Num::Fact { fact } => out.push(fact.clone()),
            Num::Pct { of, .. } => out.push(of.clone()),
            Num::Min { min } => min.iter().for_each(|n| n.facts(out)),
        }
    }

    /// The value, and whether some part of it was unknown. For `min`, unknown parts are left
    /// out of the minimum and flagged: the true minimum can only be lower.
    fn eval(&self, facts: &Facts) -> (Option<f64>, bool) {
        match self {
            Num::Const(v) => (Some(*v), false),
            Num::Fact { fact } => {
                let v = facts.number(fact);
                (v, v.is_none())
            }
            Num::Pct { pct, of } => {
                let v = facts.number(of).map(|n| n * pct / 100.0);
                (v, v.is_none())
            }
            Num::Min { min } => {
                let mut best: Option<f64> = None;
                let mut partial = false;
                for n in min {
                    let (v, p) = n.eval(facts);
                    partial |= p;
                    if let Some(v) = v {
                        best = Some(best.map_or(v, |b| b.min(v)));
                    }
                }
                (best, partial)
            }
        }
    }
}

impl Cond {
    fn facts(&self, out: &mut Vec<String>) {
        match self {
            Cond::All(list) | Cond::Any(list) => list.iter().for_each(|c| c.facts(out)),
            Cond::Yes(name) => out.push(name.clone()),
            Cond::Gt(cmp) | Cond::Gte(cmp) => {
                out.push(cmp.fact.clone());
                cmp.than.facts(out);
            }
        }
    }

    /// The facts asked as answers and those used as numbers.
    fn kinds(&self, answers: &mut Vec<String>, numbers: &mut Vec<String>) {
        match self {
            Cond::All(list) | Cond::Any(list) => {
                list.iter().for_each(|c| c.kinds(answers, numbers));
            }
            Cond::Yes(name) => answers.push(name.clone()),
            Cond::Gt(cmp) | Cond::Gte(cmp) => {
                numbers.push(cmp.fact.clone());
                cmp.than.facts(numbers);
            }
        }
    }

    fn eval(&self, facts: &Facts, missing: &mut BTreeSet<String>) -> TriState {
        match self {
            Cond::All(list) => list
                .iter()
                .fold(TriState::Yes, |acc, c| acc.and(c.eval(facts, missing))),
            Cond::Any(list) => list
                .iter()
                .fold(TriState::No, |acc, c| acc.or(c.eval(facts, missing))),
            Cond::Yes(name) => {
                let value = facts.tri(name);
                if value == TriState::Unknown {
                    missing.insert(name.clone());
                }
                value
            }
            Cond::Gt(cmp) | Cond::Gte(cmp) => {
                let strict = matches!(self, Cond::Gt(_));
                let Some(value) = facts.number(&cmp.fact) else {
                    missing.insert(cmp.fact.clone());
                    return TriState::Unknown;
                };
                let (threshold, partial) = cmp.than.eval(facts);
                let Some(threshold) = threshold else {
                    let mut names = Vec::new();
                    cmp.than.facts(&mut names);
                    missing.extend(names.into_iter().filter(|n| facts.number(n).is_none()));
                    return TriState::Unknown;
                };
                let over = if strict {
                    value > threshold
                } else {
                    value >= threshold
                };
                match (over, partial) {
                    (true, _) => TriState::Yes,
                    (false, false) => TriState::No,
                    (false, true) => {
                        let mut names = Vec::new();
                        cmp.than.facts(&mut names);
                        missing.extend(names.into_iter().filter(|n| facts.number(n).is_none()));
                        TriState::Unknown
                    }
                }
            }
        }
    }
}

/// What is known about an incident, by fact name. Numeric facts have an actual and a
/// projected value; tri-state facts likewise.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    numbers: BTreeMap<String, (Option<f64>, Option<f64>)>,
    answers: BTreeMap<String, (TriState, TriState)>,
}

impl Facts {
    /// Sets the actual value of a numeric fact.
    pub fn set_number(&mut self, name: &str, value: f64) -> &mut Self {
        self.numbers.entry(name.to_owned()).or_default().0 = Some(value);
        self
    }

    /// Sets the projected value of a numeric fact (what it can reach).
    pub fn set_projected(&mut self, name: &str, value: f64) -> &mut Self {
        self.numbers.entry(name.to_owned()).or_default().1 = Some(value);
        self
    }

    /// Sets the actual answer of a yes/no fact.
    pub fn set_answer(&mut self, name: &str, value: TriState) -> &mut Self {
        self.answers
            .entry(name.to_owned())
            .or_insert((TriState::Unknown, TriState::Unknown))
            .0 = value;
        self
    }

    /// Sets the projected answer of a yes/no fact ("capable of causing").
    pub fn set_projected_answer(&mut self, name: &str, value: TriState) -> &mut Self {
        self.answers
            .entry(name.to_owned())
            .or_insert((TriState::Unknown, TriState::Unknown))
            .1 = value;
        self
    }

    /// The actual value of a numeric fact, as given.
    pub fn actual_number(&self, name: &str) -> Option<f64> {
        self.numbers.get(name).and_then(|(actual, _)| *actual)
    }

    /// The projected value of a numeric fact, as given.
    pub fn projected_number(&self, name: &str) -> Option<f64> {
        self.numbers.get(name).and_then(|(_, projected)| *projected)
    }

    /// The actual and projected answers of a yes/no fact, as given (unknown when not given).
    pub fn answers(&self, name: &str) -> (TriState, TriState) {
        self.answers
            .get(name)
            .copied()
            .unwrap_or((TriState::Unknown, TriState::Unknown))
    }

    /// The larger of the actual and projected value, if either is known.
    pub fn number(&self, name: &str) -> Option<f64> {
        let (actual, projected) = self.numbers.get(name).copied().unwrap_or_default();
        match (actual, projected) {
            (Some(a), Some(p)) => Some(a.max(p)),
            (a, p) => a.or(p),
        }
    }

    /// Yes if actual or projected is yes; no only if both are no, or the actual is no and no
    /// projection was given.
    pub fn tri(&self, name: &str) -> TriState {
        match self.answers.get(name) {
            None => TriState::Unknown,
            Some((actual, TriState::Unknown)) if *actual == TriState::No => TriState::No,
            Some((actual, projected)) => actual.or(*projected),
        }
    }
}

/// The outcome (§7.2 table).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// At least one binding criterion is met.
    Significant,
    /// Every binding criterion is ruled out.
    NotSignificant,
    /// None met, at least one unknown: the missing inputs are listed.
    Undetermined,
    /// The outage is entirely a scheduled maintenance.
    Excluded,
}

/// One evaluated criterion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Pack id and version, e.g. `eu-2690-general@2024-10-17`.
    pub pack: String,
    /// Criterion code.
    pub code: String,
    /// Source reference.
    pub source: String,
    /// Criterion text.
    pub text: String,
    /// Met, ruled out or unknown.
    pub result: TriState,
    /// Advisory only (does not decide the verdict).
    pub advisory: bool,
    /// Facts that would decide it.
    pub missing: Vec<String>,
}

/// The engine's proposal; a named analyst confirms it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assessment {
    /// The proposed verdict.
    pub verdict: Verdict,
    /// Every evaluated criterion, binding and advisory.
    pub findings: Vec<Finding>,
    /// Packs not evaluated, with why.
    pub skipped: Vec<String>,
    /// Missing facts of binding criteria, for the analyst to fill in.
    pub missing: Vec<String>,
    /// A precautionary early warning is recommended (undetermined, and a missing input
    /// could make a criterion true).
    pub precautionary_early_warning: bool,
}

/// Evaluates the packs for an entity (§7.2). `activated` names the `to_confirm` packs a
/// compliance officer has activated (as `id@version`).
pub fn assess(
    packs: &[RulePack],
    profile: &EntityProfile,
    belgian: bool,
    activated: &BTreeSet<String>,
    facts: &Facts,
) -> Assessment {
    let ir = !profile.ir_entity_types.is_empty();
    let mut findings = Vec::new();
    let mut skipped = Vec::new();
    for pack in packs {
        let name = format!("{}@{}", pack.id, pack.version);
        if pack.status == PackStatus::ToConfirm && !activated.contains(&name) {
            skipped.push(format!(
                "{name}: values to confirm against the current guidance; not activated"
            ));
            continue;
        }
        let advisory = match pack.applies {
            Applies::Always => false,
            Applies::IrEntity if ir => false,
            // Entity-type criteria mean nothing for other entities; general ones advise.
            Applies::IrEntity if pack.criteria.iter().all(|c| !c.entity.is_empty()) => {
                skipped.push(format!("{name}: the entity is not a 2024/2690 entity type"));
                continue;
            }
            Applies::IrEntity => true,
            Applies::BelgianNonIr if belgian && !ir => false,
            Applies::BelgianNonIr => {
                skipped.push(format!(
                    "{name}: applies to Belgian entities that are not 2024/2690 entity types"
                ));
                continue;
            }
        };
        for criterion in &pack.criteria {
            if !criterion.entity.is_empty()
                && !criterion
                    .entity
                    .iter()
                    .any(|t| profile.ir_entity_types.contains(t))
            {
                continue;
            }
            let mut missing = BTreeSet::new();
            let result = criterion.when.eval(facts, &mut missing);
            findings.push(Finding {
                pack: name.clone(),
                code: criterion.code.clone(),
                source: criterion.source.clone(),
                text: criterion.text.clone(),
                result,
                advisory,
                missing: if result == TriState::Unknown {
                    missing.into_iter().collect()
                } else {
                    Vec::new()
                },
            });
        }
    }
    let binding: Vec<&Finding> = findings.iter().filter(|f| !f.advisory).collect();
    let missing: BTreeSet<String> = binding
        .iter()
        .filter(|f| f.result == TriState::Unknown)
        .flat_map(|f| f.missing.iter().cloned())
        .collect();
    let verdict = if facts.tri("scheduled_maintenance_explains_all") == TriState::Yes {
        Verdict::Excluded
    } else if binding.iter().any(|f| f.result == TriState::Yes) {
        Verdict::Significant
    } else if binding.iter().all(|f| f.result == TriState::No) {
        Verdict::NotSignificant
    } else {
        Verdict::Undetermined
    };
    Assessment {
        precautionary_early_warning: verdict == Verdict::Undetermined,
        verdict,
        findings,
        skipped,
        missing: missing.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(types: Vec<IrEntityType>) -> EntityProfile {
        EntityProfile {
            legal_name: "Test".into(),
            ir_entity_types: types,
            ..EntityProfile::default()
        }
    }

    fn none() -> BTreeSet<String> {
        BTreeSet::new()
    }

    #[test]
    fn embedded_packs_load() {
        let packs = RulePack::embedded();
        assert_eq!(packs.len(), 4);
        assert!(packs.iter().all(|p| !p.criteria.is_empty()));
    }

    #[test]
    fn every_fact_has_one_kind_in_the_packs() {
        assert!(
            NUMERIC_FACTS
                .iter()
                .all(|n| FACTS.iter().any(|(f, _)| f == n))
        );
        let text = r#"
id = "x"
version = "1"
title = "x"
status = "confirmed"
applies = "always"
[[criterion]]
code = "c"
source = "s"
text = "t"
when = { yes = "deaths" }
"#;
        let error = RulePack::parse(text, "x.toml").unwrap_err().to_string();
        assert!(
            error.contains("deaths") && error.contains("kind"),
            "{error}"
        );
        let text = text.replace(
            r#"{ yes = "deaths" }"#,
            r#"{ gt = { fact = "health_damage", than = 0.0 } }"#,
        );
        let error = RulePack::parse(&text, "x.toml").unwrap_err().to_string();
        assert!(error.contains("health_damage"), "{error}");
        // The embedded packs load, so each of their facts is used as its kind.
        assert_eq!(RulePack::embedded().len(), 4);
    }

    #[test]
    fn facts_keep_actual_and_projected_apart() {
        let mut facts = Facts::default();
        facts
            .set_number("deaths", 0.0)
            .set_projected("deaths", 2.0)
            .set_projected_answer("health_damage", TriState::Yes);
        assert_eq!(facts.actual_number("deaths"), Some(0.0));
        assert_eq!(facts.projected_number("deaths"), Some(2.0));
        assert_eq!(facts.number("deaths"), Some(2.0));
        assert_eq!(
            facts.answers("health_damage"),
            (TriState::Unknown, TriState::Yes)
        );
        assert_eq!(
            facts.answers("data_compromise"),
            (TriState::Unknown, TriState::Unknown)
        );
    }

    #[test]
    fn unknown_fact_is_refused() {
        let text = r#"
id = "x"
version = "1"
title = "x"
status = "confirmed"
applies = "always"
[[criterion]]
code = "c"
source = "s"
text = "t"
when = { yes = "made_up_fact" }
"#;
        let error = RulePack::parse(text, "x.toml").unwrap_err().to_string();
        assert!(error.contains("made_up_fact"), "{error}");
    }

    #[test]
    fn nothing_known_is_undetermined_with_missing_inputs() {
        let result = assess(
            &RulePack::embedded(),
            &profile(vec![]),
            true,
            &none(),
            &Facts::default(),
        );
        assert_eq!(result.verdict, Verdict::Undetermined);
        assert!(result.precautionary_early_warning);
        assert!(
            result
                .missing
                .contains(&"severe_disruption_or_financial_loss".to_owned())
        );
        assert!(
            result
                .skipped
                .iter()
                .any(|s| s.starts_with("be-ccb-guide@1.3"))
        );
    }

    #[test]
    fn qualitative_yes_is_significant() {
        let mut facts = Facts::default();
        facts.set_projected_answer("severe_disruption_or_financial_loss", TriState::Yes);
        let result = assess(
            &RulePack::embedded(),
            &profile(vec![]),
            true,
            &none(),
            &facts,
        );
        assert_eq!(result.verdict, Verdict::Significant);
    }

    #[test]
    fn both_no_is_not_significant_for_a_plain_entity() {
        let mut facts = Facts::default();
        facts
            .set_answer("severe_disruption_or_financial_loss", TriState::No)
            .set_answer("considerable_damage_to_others", TriState::No);
        let result = assess(
            &RulePack::embedded(),
            &profile(vec![]),
            true,
            &none(),
            &facts,
        );
        assert_eq!(result.verdict, Verdict::NotSignificant, "{result:#?}");
        // General criteria were evaluated as advice only.
        assert!(
            result
                .findings
                .iter()
                .any(|f| f.code == "G-a" && f.advisory)
        );
    }

    #[test]
    fn financial_threshold_is_the_lower_of_the_two() {
        let mut facts = Facts::default();
        facts
            .set_answer("severe_disruption_or_financial_loss", TriState::No)
            .set_answer("considerable_damage_to_others", TriState::No)
            .set_number("turnover_eur", 4_000_000.0)
            .set_number("financial_loss_eur", 250_000.0);
        // 5 % of 4 M = 200 000 < 500 000: 250 000 is over it.
        let cloud = profile(vec![IrEntityType::Cloud]);
        let result = assess(&RulePack::embedded(), &cloud, true, &none(), &facts);
        let ga = result.findings.iter().find(|f| f.code == "G-a").unwrap();
        assert_eq!(ga.result, TriState::Yes);
        assert!(!ga.advisory);
        assert_eq!(result.verdict, Verdict::Significant);
        // Without the turnover: 250 000 < 500 000 but the 5 % could be lower: unknown.
        let mut partial = Facts::default();
        partial.set_number("financial_loss_eur", 250_000.0);
        let result = assess(&RulePack::embedded(), &cloud, true, &none(), &partial);
        let ga = result.findings.iter().find(|f| f.code == "G-a").unwrap();
        assert_eq!(ga.result, TriState::Unknown);
        assert_eq!(ga.missing, vec!["turnover_eur".to_owned()]);
        // Above 500 000 it is met whatever the turnover.
        partial.set_projected("financial_loss_eur", 600_000.0);
        let result = assess(&RulePack::embedded(), &cloud, true, &none(), &partial);
        let ga = result.findings.iter().find(|f| f.code == "G-a").unwrap();
        assert_eq!(ga.result, TriState::Yes);
    }

    #[test]
    fn entity_type_criteria_apply_only_to_their_types() {
        let mut facts = Facts::default();
        facts.set_number("outage_full_minutes", 25.0);
        let trust = assess(
            &RulePack::embedded(),
            &profile(vec![IrEntityType::TrustService]),
            true,
            &none(),
            &facts,
        );
        assert!(
            trust
                .findings
                .iter()
                .any(|f| f.code == "Art14-availability" && f.result == TriState::Yes)
        );
        let cloud = assess(
            &RulePack::embedded(),
            &profile(vec![IrEntityType::Cloud]),
            true,
            &none(),
            &facts,
        );
        let art7 = cloud
            .findings
            .iter()
            .find(|f| f.code == "Art7-10-availability")
            .unwrap();
        assert_ne!(art7.result, TriState::Yes); // 25 min < 30 min, limited availability unknown
        assert!(
            cloud
                .findings
                .iter()
                .all(|f| f.code != "Art14-availability")
        );
    }

    #[test]
    fn ccb_pack_needs_activation() {
        let mut facts = Facts::default();
        facts
            .set_answer("severe_disruption_or_financial_loss", TriState::No)
            .set_answer("considerable_damage_to_others", TriState::No)
            .set_number("financial_loss_eur", 300_000.0)
            .set_number("turnover_eur", 100_000_000.0);
        let plain = profile(vec![]);
        let off = assess(&RulePack::embedded(), &plain, true, &none(), &facts);
        assert_eq!(off.verdict, Verdict::NotSignificant);
        let on = assess(
            &RulePack::embedded(),
            &plain,
            true,
            &BTreeSet::from(["be-ccb-guide@1.3".to_owned()]),
            &facts,
        );
        assert!(
            on.findings
                .iter()
                .any(|f| f.code == "CCB-financial" && f.result == TriState::Yes)
        );
        assert_eq!(on.verdict, Verdict::Significant);
    }

    #[test]
    fn scheduled_maintenance_is_excluded() {
        let mut facts = Facts::default();
        facts
            .set_number("outage_full_minutes", 600.0)
            .set_answer("scheduled_maintenance_explains_all", TriState::Yes);
        let result = assess(
            &RulePack::embedded(),
            &profile(vec![IrEntityType::Cloud]),
            true,
            &none(),
            &facts,
        );
        assert_eq!(result.verdict, Verdict::Excluded);
    }
}
