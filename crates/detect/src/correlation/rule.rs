//! Parsing correlation documents (Sigma correlation specification 2.1).

use std::collections::BTreeMap;
use std::time::Duration;

use yaml_serde::Value;

use crate::Level;

/// The correlation types of the specification.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationType {
    /// Number of events.
    EventCount,
    /// Number of distinct values of a field.
    ValueCount,
    /// Every referenced rule, any order.
    Temporal,
    /// Every referenced rule, in the listed order.
    TemporalOrdered,
    /// Sum of a numeric field.
    ValueSum,
    /// Average of a numeric field.
    ValueAvg,
    /// Share (percent) of a field value among the group's events.
    ValuePercentile,
}

impl CorrelationType {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "event_count" => Self::EventCount,
            "value_count" => Self::ValueCount,
            "temporal" => Self::Temporal,
            "temporal_ordered" => Self::TemporalOrdered,
            "value_sum" => Self::ValueSum,
            "value_avg" => Self::ValueAvg,
            "value_percentile" => Self::ValuePercentile,
            _ => return None,
        })
    }

    /// Whether the condition needs `field`.
    fn needs_field(self) -> bool {
        matches!(
            self,
            Self::ValueCount | Self::ValueSum | Self::ValueAvg | Self::ValuePercentile
        )
    }
}

/// One bound of a condition.
#[derive(Copy, Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// Greater than.
    Gt(f64),
    /// Greater than or equal.
    Gte(f64),
    /// Less than.
    Lt(f64),
    /// Less than or equal.
    Lte(f64),
    /// Equal.
    Eq(f64),
    /// Different.
    Neq(f64),
}

impl Bound {
    fn holds(self, value: f64) -> bool {
        match self {
            Bound::Gt(v) => value > v,
            Bound::Gte(v) => value >= v,
            Bound::Lt(v) => value < v,
            Bound::Lte(v) => value <= v,
            Bound::Eq(v) => (value - v).abs() < f64::EPSILON,
            Bound::Neq(v) => (value - v).abs() >= f64::EPSILON,
        }
    }
}

/// The condition: every bound holds (a range is two bounds).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Condition {
    /// The bounds, all of which must hold.
    pub bounds: Vec<Bound>,
    /// The field of value_* correlations.
    pub field: Option<String>,
}

impl Condition {
    /// Whether `value` satisfies every bound.
    pub fn holds(&self, value: f64) -> bool {
        self.bounds.iter().all(|b| b.holds(value))
    }

    /// Whether the measure can only grow as events arrive and every bound is a lower bound,
    /// so the correlation may fire as soon as it holds. Otherwise it is decided when its
    /// window closes.
    pub fn fires_early(&self, kind: CorrelationType) -> bool {
        matches!(
            kind,
            CorrelationType::EventCount
                | CorrelationType::ValueCount
                | CorrelationType::Temporal
                | CorrelationType::TemporalOrdered
        ) && self
            .bounds
            .iter()
            .all(|b| matches!(b, Bound::Gt(_) | Bound::Gte(_)))
    }
}

/// A parsed correlation rule. Rule references are resolved to ids by the set that loads it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CorrelationRule {
    /// Id (given or derived like a detection rule's).
    pub id: String,
    /// Name other correlations may reference it by.
    pub name: Option<String>,
    /// Title.
    pub title: String,
    /// Severity of its alert.
    pub level: Level,
    /// Type.
    pub kind: CorrelationType,
    /// Referenced rules (ids or names, as written).
    pub rules: Vec<String>,
    /// Group-by fields or aliases.
    pub group_by: Vec<String>,
    /// Window length.
    pub timespan: Duration,
    /// Condition.
    pub condition: Condition,
    /// alias → (referenced rule name or id → field).
    pub aliases: BTreeMap<String, BTreeMap<String, String>>,
    /// Whether the referenced rules also raise their own alerts.
    pub generate: bool,
    /// The file it was loaded from, when loaded from one (never serialised: it is a path of
    /// the server).
    #[serde(skip)]
    pub path: Option<std::path::PathBuf>,
}

/// Parses a `timespan` such as `90m`, `1h`, `10s`, `1d`.
pub fn parse_timespan(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let value: u64 = number
        .parse()
        .map_err(|_| format!("timespan {text:?}: expected a number followed by s, m, h or d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "timespan {text:?}: unit must be s, m, h or d (lowercase)"
            ));
        }
    };
    if value == 0 {
        return Err(format!("timespan {text:?} must be longer than zero"));
    }
    Ok(Duration::from_secs(value * seconds))
}

fn strings(value: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Sequence(list)) => list
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!("{what}: expected text, found {other:?}")),
            })
            .collect(),
        Some(other) => Err(format!("{what}: expected a list, found {other:?}")),
    }
}

fn number(value: &Value, key: &str) -> Result<f64, String> {
    match value {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("condition {key}: not a number")),
        other => Err(format!(
            "condition {key}: expected a number, found {other:?}"
        )),
    }
}

/// Parses one correlation document. `fallback_id` is used when the document has no `id`.
pub fn parse(doc: &Value, fallback_id: &str) -> Result<CorrelationRule, String> {
    let map = doc
        .as_mapping()
        .ok_or("a correlation document must be a map")?;
    let get = |key: &str| map.get(Value::String(key.to_owned()));
    let title = match get("title") {
        Some(Value::String(t)) => t.clone(),
        _ => return Err("missing title".to_owned()),
    };
    let id = match get("id") {
        Some(Value::String(id)) => id.clone(),
        _ => fallback_id.to_owned(),
    };
    let name = match get("name") {
        Some(Value::String(n)) => Some(n.clone()),
        _ => None,
    };
    let level = match get("level") {
        Some(Value::String(l)) => l.parse().map_err(|e| format!("{e}"))?,
        _ => Level::Medium,
    };
    let generate = match get("generate") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(format!("generate: expected true or false, found {other:?}")),
    };
    let section = get("correlation")
        .and_then(Value::as_mapping)
        .ok_or("missing correlation section")?;
    let field = |key: &str| section.get(Value::String(key.to_owned()));
    let kind_text = match field("type") {
        Some(Value::String(t)) => t.clone(),
        _ => return Err("correlation.type is missing".to_owned()),
    };
    let kind = CorrelationType::parse(&kind_text).ok_or_else(|| {
        format!(
            "correlation.type {kind_text:?} is not one of event_count, value_count, temporal, \
             temporal_ordered, value_sum, value_avg, value_percentile"
        )
    })?;
    let rules = strings(field("rules"), "correlation.rules")?;
    if rules.is_empty() {
        return Err("correlation.rules must name at least one rule".to_owned());
    }
    let group_by = strings(field("group-by"), "correlation.group-by")?;
    let timespan = match field("timespan") {
        Some(Value::String(t)) => parse_timespan(t)?,
        Some(other) => {
            return Err(format!(
                "correlation.timespan: expected text such as 1h, found {other:?}"
            ));
        }
        None => return Err("correlation.timespan is missing".to_owned()),
    };
    let mut condition = Condition {
        bounds: Vec::new(),
        field: None,
    };
    match field("condition") {
        None if matches!(
            kind,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        ) =>
        {
            // Default: every referenced rule.
            condition.bounds.push(Bound::Gte(rules.len() as f64));
        }
        None => return Err(format!("correlation.condition is required for {kind_text}")),
        Some(Value::Mapping(items)) => {
            for (key, value) in items {
                let key = key.as_str().ok_or("condition keys must be text")?;
                match key {
                    "gt" => condition.bounds.push(Bound::Gt(number(value, key)?)),
                    "gte" => condition.bounds.push(Bound::Gte(number(value, key)?)),
                    "lt" => condition.bounds.push(Bound::Lt(number(value, key)?)),
                    "lte" => condition.bounds.push(Bound::Lte(number(value, key)?)),
                    "eq" => condition.bounds.push(Bound::Eq(number(value, key)?)),
                    "neq" => condition.bounds.push(Bound::Neq(number(value, key)?)),
                    "field" => match value {
                        Value::String(f) => condition.field = Some(f.clone()),
                        Value::Sequence(_) => {
                            return Err("condition.field with several fields is not supported yet"
                                .to_owned());
                        }
                        other => {
                            return Err(format!(
                                "condition.field: expected a field name, found {other:?}"
                            ));
                        }
                    },
                    other => {
                        return Err(format!(
                            "condition: unknown operator {other:?} (gt, gte, lt, lte, eq, neq, field)"
                        ));
                    }
                }
            }
            if condition.bounds.is_empty() {
                return Err("condition has no comparison (gt, gte, lt, lte, eq, neq)".to_owned());
            }
        }
        Some(other) => {
            return Err(format!(
                "correlation.condition: expected a map, found {other:?}"
            ));
        }
    }
    if kind.needs_field() && condition.field.is_none() {
        return Err(format!("{kind_text} needs condition.field"));
    }
    let mut aliases = BTreeMap::new();
    if let Some(value) = field("aliases") {
        let items = value
            .as_mapping()
            .ok_or("correlation.aliases must be a map")?;
        for (alias, per_rule) in items {
            let alias = alias.as_str().ok_or("alias names must be text")?.to_owned();
            let per_rule = per_rule
                .as_mapping()
                .ok_or_else(|| format!("alias {alias}: expected a map of rule name to field"))?;
            let mut fields = BTreeMap::new();
            for (rule, field) in per_rule {
                let (Some(rule), Some(field)) = (rule.as_str(), field.as_str()) else {
                    return Err(format!("alias {alias}: rule names and fields must be text"));
                };
                fields.insert(rule.to_owned(), field.to_owned());
            }
            aliases.insert(alias, fields);
        }
    }
    Ok(CorrelationRule {
        id,
        name,
        title,
        level,
        kind,
        rules,
        group_by,
        timespan,
        condition,
        aliases,
        generate,
        path: None,
    })
}
