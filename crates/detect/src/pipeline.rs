//! pySigma processing pipelines, read from their YAML files and applied to every rule and
//! filter at load time, before vigie's own routing ([`crate::mapping`]).
//!
//! Detection engineers keep the pipelines they wrote for pySigma backends (the format
//! `ProcessingPipeline.from_yaml` reads: `name`, `priority`, `transformations`, `vars`).
//! vigie applies the transformations that mean something without a query backend, with
//! pySigma's semantics, and refuses a file using any other one, or a key it does not know:
//! a pipeline that loads does all it says.
//!
//! Supported transformations: `field_name_mapping` (a list of names is an OR of the
//! alternatives, as pySigma makes it), `field_name_prefix_mapping`, `field_name_prefix`,
//! `field_name_suffix`, `drop_detection_item`, `add_condition` (with `negated`; not
//! `template`), `change_logsource`. Conditions: rule conditions of type `logsource`,
//! field name conditions `include_fields` / `exclude_fields` (`mode: plain` or `re`),
//! detection item condition `is_null`, each list with its `*_cond_op` (`and`, `or`) and
//! `*_cond_not`. Field name and detection item conditions are refused on the
//! transformations pySigma does not apply them to (`add_condition`, `change_logsource`).
//!
//! The transformations work on the rule document, before it is compiled: the field names
//! of detection items (`Image|endswith` keeps its modifiers), field references of
//! `fieldref` values, the rule's `fields:` list, its `logsource:` and its condition. A field
//! mapped to several names becomes an OR of the item under each name: a map holding it is
//! repeated once per name (in a list, which Sigma reads as OR), so `Image: [a, b]` in
//! `{Image|endswith: x, User: y}` becomes `[{a|endswith: x, User: y}, {b|endswith: x, User:
//! y}]`, at most [`MAX_EXPANDED_MAPS`] maps per search identifier.

use std::path::Path;

use regex::Regex;
use yaml_serde::{Mapping as YamlMap, Value as Yaml};

use crate::ruleset::{MAX_FLOW_NESTING, MAX_RULE_TEXT_BYTES, flow_nesting_over};

/// The transformation types vigie applies; every other is a load error.
pub const SUPPORTED_TRANSFORMATIONS: &[&str] = &[
    "field_name_mapping",
    "field_name_prefix_mapping",
    "field_name_prefix",
    "field_name_suffix",
    "drop_detection_item",
    "add_condition",
    "change_logsource",
];

/// Rule condition types vigie evaluates.
const RULE_CONDITIONS: &[&str] = &["logsource"];

/// Field name condition types vigie evaluates.
const FIELD_NAME_CONDITIONS: &[&str] = &["include_fields", "exclude_fields"];

/// Detection item condition types vigie evaluates.
const DETECTION_ITEM_CONDITIONS: &[&str] = &["is_null"];

/// Keys every processing item may have, whatever its type.
const ITEM_KEYS: &[&str] = &[
    "type",
    "id",
    "rule_conditions",
    "rule_cond_op",
    "rule_cond_not",
];

/// Keys of the processing items that transform detection items.
const DETECTION_KEYS: &[&str] = &[
    "detection_item_conditions",
    "detection_item_cond_op",
    "detection_item_cond_not",
    "field_name_conditions",
    "field_name_cond_op",
    "field_name_cond_not",
];

/// Most maps one search identifier may become when fields map to several names.
pub const MAX_EXPANDED_MAPS: usize = 256;

/// A pySigma processing pipeline, checked and ready to apply to rules.
#[derive(Debug, Clone)]
pub struct Pipeline {
    name: Option<String>,
    priority: i64,
    origin: String,
    items: Vec<Item>,
}

/// One processing item: a transformation and the conditions deciding where it applies.
#[derive(Debug, Clone)]
struct Item {
    /// 1-based position in `transformations`.
    position: usize,
    id: Option<String>,
    transformation: Transformation,
    rule: Conditions<Logsource>,
    detection: Conditions<IsNull>,
    field: Conditions<FieldCondition>,
}

/// A list of conditions, linked by `and` (pySigma's `all`) or `or` (`any`), maybe negated.
#[derive(Debug, Clone)]
struct Conditions<C> {
    list: Vec<C>,
    any: bool,
    not: bool,
}

impl<C> Conditions<C> {
    /// pySigma's result: `any`/`all` over the list (so `all` of none holds and `any` of none
    /// does not), then negated if asked.
    fn hold(&self, test: impl Fn(&C) -> bool) -> bool {
        let result = if self.any {
            self.list.iter().any(test)
        } else {
            self.list.iter().all(test)
        };
        result != self.not
    }
}

#[derive(Debug, Clone)]
enum Transformation {
    /// Field name → names (several: an OR of them).
    FieldNameMapping(Vec<(String, Vec<String>)>),
    /// Prefix → new prefixes; the first prefix the field starts with is replaced.
    FieldNamePrefixMapping(Vec<(String, Vec<String>)>),
    FieldNamePrefix(String),
    FieldNameSuffix(String),
    DropDetectionItem,
    AddCondition {
        /// The detection added, a map as in a rule (`field|modifier: value or [values]`).
        conditions: YamlMap,
        negated: bool,
        /// The search identifier's name; `_cond_<n>` when not given.
        name: Option<String>,
    },
    /// The new logsource (replacing the whole old one, as pySigma does).
    ChangeLogsource(Logsource),
}

impl Transformation {
    /// The names a field name becomes, `None` when the transformation leaves it.
    fn map_name(&self, field: &str) -> Option<Vec<String>> {
        match self {
            Transformation::FieldNameMapping(mapping) => mapping
                .iter()
                .find(|(from, _)| from == field)
                .map(|(_, to)| to.clone()),
            Transformation::FieldNamePrefixMapping(mapping) => {
                mapping.iter().find_map(|(prefix, to)| {
                    field.strip_prefix(prefix.as_str()).map(|rest| {
                        to.iter()
                            .map(|new| format!("{new}{rest}"))
                            .collect::<Vec<_>>()
                    })
                })
            }
            Transformation::FieldNamePrefix(prefix) => Some(vec![format!("{prefix}{field}")]),
            Transformation::FieldNameSuffix(suffix) => Some(vec![format!("{field}{suffix}")]),
            _ => None,
        }
    }
}

/// A logsource: of a `logsource` rule condition (the attributes it sets must equal the
/// rule's), or the one `change_logsource` sets.
#[derive(Debug, Clone, Default)]
struct Logsource {
    product: Option<String>,
    category: Option<String>,
    service: Option<String>,
}

impl Logsource {
    fn parts(&self) -> [(&'static str, &Option<String>); 3] {
        [
            ("category", &self.category),
            ("product", &self.product),
            ("service", &self.service),
        ]
    }

    /// Whether the rule's `logsource:` has each attribute this one sets (ASCII
    /// case-insensitively, as vigie's routing compares logsources).
    fn contains(&self, doc: &YamlMap) -> bool {
        let rule = doc.get("logsource");
        self.parts().iter().all(|(key, wanted)| match wanted {
            None => true,
            Some(wanted) => rule
                .and_then(|ls| ls.get(*key))
                .and_then(scalar_text)
                .is_some_and(|have| have.eq_ignore_ascii_case(wanted)),
        })
    }

    fn to_yaml(&self) -> Yaml {
        let mut map = YamlMap::new();
        for (key, value) in self.parts() {
            if let Some(value) = value {
                map.insert(Yaml::String(key.into()), Yaml::String(value.clone()));
            }
        }
        Yaml::Mapping(map)
    }
}

/// `include_fields` / `exclude_fields`.
#[derive(Debug, Clone)]
struct FieldCondition {
    exclude: bool,
    fields: Vec<String>,
    /// `mode: re`: the patterns, anchored at the start like Python's `re.match`.
    patterns: Option<Vec<Regex>>,
}

impl FieldCondition {
    fn matches(&self, field: Option<&str>) -> bool {
        let included = match field {
            None => false,
            Some(field) => match &self.patterns {
                Some(patterns) => patterns.iter().any(|p| p.is_match(field)),
                None => self.fields.iter().any(|f| f == field),
            },
        };
        included != self.exclude
    }
}

/// `is_null`: the values of the item are `null` (`cond: any` or `all` of them).
#[derive(Debug, Clone)]
struct IsNull {
    all: bool,
}

impl Pipeline {
    /// Reads a pySigma processing pipeline; `origin` (its file) begins every error, which
    /// names the transformation (position and id), the condition and the key at fault.
    pub fn from_yaml(text: &str, origin: &Path) -> Result<Pipeline, String> {
        let origin = origin.display().to_string();
        let fail = |message: String| format!("{origin}: {message}");
        if text.len() > MAX_RULE_TEXT_BYTES {
            return Err(fail(format!(
                "pipeline of {} bytes is over the limit of {MAX_RULE_TEXT_BYTES} bytes",
                text.len()
            )));
        }
        if let Some(line) = flow_nesting_over(text, MAX_FLOW_NESTING) {
            return Err(fail(format!(
                "invalid YAML: `[` and `{{` nest deeper than {MAX_FLOW_NESTING} levels at line \
                 {line}"
            )));
        }
        let value: Yaml =
            yaml_serde::from_str(text).map_err(|e| fail(format!("invalid YAML: {e}")))?;
        let Yaml::Mapping(top) = value else {
            return Err(fail(format!(
                "not a pySigma processing pipeline: the document is {}, not a map",
                kind(&value)
            )));
        };
        let mut pipeline = Pipeline {
            name: None,
            priority: 0,
            origin: origin.clone(),
            items: Vec::new(),
        };
        for (key, value) in &top {
            match key.as_str() {
                Some("name") => match value {
                    Yaml::String(name) => pipeline.name = Some(name.clone()),
                    Yaml::Null => {}
                    other => {
                        return Err(fail(format!(
                            "`name` must be a string, not {}",
                            kind(other)
                        )));
                    }
                },
                Some("priority") => match value.as_i64() {
                    Some(priority) => pipeline.priority = priority,
                    None => {
                        return Err(fail(format!(
                            "`priority` must be an integer, not {}",
                            kind(value)
                        )));
                    }
                },
                Some("transformations") => match value {
                    Yaml::Sequence(items) => {
                        for (i, item) in items.iter().enumerate() {
                            pipeline.items.push(parse_item(i + 1, item).map_err(&fail)?);
                        }
                    }
                    Yaml::Null => {}
                    other => {
                        return Err(fail(format!(
                            "`transformations` must be a list, not {}",
                            kind(other)
                        )));
                    }
                },
                // Values for placeholder transformations (refused), and the backends the
                // pipeline is meant for: nothing to do here.
                Some("vars" | "allowed_backends") => {}
                Some(section @ ("postprocessing" | "finalizers")) => {
                    let empty = match value {
                        Yaml::Null => true,
                        Yaml::Sequence(items) => items.is_empty(),
                        _ => false,
                    };
                    if !empty {
                        return Err(fail(format!(
                            "`{section}` is not supported by vigie: it rewrites the queries a \
                             pySigma backend emits, and vigie evaluates rules without a query"
                        )));
                    }
                }
                Some(other) => {
                    return Err(fail(format!(
                        "unknown key `{other}` (a pipeline has `name`, `priority`, \
                         `transformations`, `vars`, `allowed_backends`)"
                    )));
                }
                None => return Err(fail("top-level keys must be strings".into())),
            }
        }
        Ok(pipeline)
    }

    /// `name:`, if given.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// `priority:` (0 when not given): pipelines apply from the lowest.
    pub fn priority(&self) -> i64 {
        self.priority
    }

    /// The origin given to [`Pipeline::from_yaml`].
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// How many transformations it has.
    pub fn transformation_count(&self) -> usize {
        self.items.len()
    }

    /// `` `name` (origin) ``, or the origin alone.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("`{name}` ({})", self.origin),
            None => self.origin.clone(),
        }
    }
}

/// A processing item's place in errors: `transformation 3 (id `x`)`.
fn item_label(position: usize, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("transformation {position} (id `{id}`)"),
        None => format!("transformation {position}"),
    }
}

fn parse_item(position: usize, value: &Yaml) -> Result<Item, String> {
    let Yaml::Mapping(map) = value else {
        return Err(format!(
            "transformation {position}: must be a map, not {}",
            kind(value)
        ));
    };
    let id = map.get("id").and_then(scalar_text);
    let label = item_label(position, id.as_deref());
    let fail = |message: String| format!("{label}: {message}");
    let kind_name = match map.get("type") {
        Some(Yaml::String(kind)) => kind.clone(),
        Some(other) => {
            return Err(fail(format!(
                "`type` must be a string, not {}",
                kind(other)
            )));
        }
        None => return Err(fail("no `type`".into())),
    };
    if !SUPPORTED_TRANSFORMATIONS.contains(&kind_name.as_str()) {
        return Err(fail(format!(
            "type `{kind_name}` is not supported by vigie (supported: {})",
            SUPPORTED_TRANSFORMATIONS.join(", ")
        )));
    }
    let parameters: &[&str] = match kind_name.as_str() {
        "field_name_mapping" | "field_name_prefix_mapping" => &["mapping"],
        "field_name_prefix" => &["prefix"],
        "field_name_suffix" => &["suffix"],
        "add_condition" => &["conditions", "template", "negated", "name"],
        "change_logsource" => &["product", "category", "service"],
        _ => &[],
    };
    let on_items = matches!(
        kind_name.as_str(),
        "field_name_mapping"
            | "field_name_prefix_mapping"
            | "field_name_prefix"
            | "field_name_suffix"
            | "drop_detection_item"
    );
    for key in map.keys() {
        let Some(key) = key.as_str() else {
            return Err(fail("keys must be strings".into()));
        };
        if ITEM_KEYS.contains(&key) || parameters.contains(&key) {
            continue;
        }
        if DETECTION_KEYS.contains(&key) {
            if on_items {
                continue;
            }
            return Err(fail(format!(
                "`{key}` has no effect on `{kind_name}` in pySigma (only transformations of \
                 detection items read it): remove it"
            )));
        }
        if let Some(prefix) = key.strip_suffix("_cond_expr") {
            return Err(fail(format!(
                "`{key}` (a condition expression) is not supported by vigie: give the \
                 conditions as a list with `{prefix}_cond_op` and `{prefix}_cond_not`"
            )));
        }
        let mut known: Vec<&str> = ITEM_KEYS.to_vec();
        known.extend(parameters);
        if on_items {
            known.extend(DETECTION_KEYS);
        }
        return Err(fail(format!(
            "unknown key `{key}` for type `{kind_name}` (its keys: {})",
            known.join(", ")
        )));
    }
    let parameter = |key: &str| map.get(key).filter(|v| !v.is_null());
    let required_string = |key: &str| -> Result<String, String> {
        match parameter(key) {
            Some(Yaml::String(s)) => Ok(s.clone()),
            Some(other) => Err(fail(format!(
                "`{key}` must be a string, not {}",
                kind(other)
            ))),
            None => Err(fail(format!("`{kind_name}` needs `{key}`"))),
        }
    };
    let optional_string = |key: &str| -> Result<Option<String>, String> {
        match parameter(key) {
            Some(Yaml::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(fail(format!(
                "`{key}` must be a string, not {}",
                kind(other)
            ))),
            None => Ok(None),
        }
    };
    let flag = |key: &str| -> Result<bool, String> {
        match parameter(key) {
            Some(Yaml::Bool(b)) => Ok(*b),
            Some(other) => Err(fail(format!(
                "`{key}` must be true or false, not {}",
                kind(other)
            ))),
            None => Ok(false),
        }
    };
    let transformation = match kind_name.as_str() {
        "field_name_mapping" => {
            Transformation::FieldNameMapping(parse_mapping(parameter("mapping")).map_err(&fail)?)
        }
        "field_name_prefix_mapping" => Transformation::FieldNamePrefixMapping(
            parse_mapping(parameter("mapping")).map_err(&fail)?,
        ),
        "field_name_prefix" => Transformation::FieldNamePrefix(required_string("prefix")?),
        "field_name_suffix" => Transformation::FieldNameSuffix(required_string("suffix")?),
        "drop_detection_item" => Transformation::DropDetectionItem,
        "add_condition" => {
            if flag("template")? {
                return Err(fail(
                    "`template: true` is not supported by vigie: write the values out".into(),
                ));
            }
            let name = optional_string("name")?;
            if let Some(name) = &name
                && (name.is_empty() || name == "condition" || name == "timeframe")
            {
                return Err(fail(format!(
                    "`name: {name}` cannot name a search identifier"
                )));
            }
            let conditions = match parameter("conditions") {
                Some(Yaml::Mapping(map)) if !map.is_empty() => map.clone(),
                Some(other) => {
                    return Err(fail(format!(
                        "`conditions` must be a non-empty map of fields to values, not {}",
                        kind(other)
                    )));
                }
                None => return Err(fail("`add_condition` needs `conditions`".into())),
            };
            // Checked now as a rule's search identifier: modifiers and values.
            crate::detection::compile_search(
                "conditions",
                &Yaml::Mapping(conditions.clone()),
                &mut crate::detection::FieldNames::default(),
            )
            .map_err(|e| fail(format!("`conditions` is not a valid detection: {e}")))?;
            Transformation::AddCondition {
                conditions,
                negated: flag("negated")?,
                name,
            }
        }
        "change_logsource" => {
            let logsource = Logsource {
                product: optional_string("product")?,
                category: optional_string("category")?,
                service: optional_string("service")?,
            };
            if logsource.parts().iter().all(|(_, v)| v.is_none()) {
                return Err(fail(
                    "`change_logsource` sets none of `product`, `category`, `service`".into(),
                ));
            }
            Transformation::ChangeLogsource(logsource)
        }
        other => unreachable!("type `{other}` is checked above"),
    };
    Ok(Item {
        position,
        id: id.clone(),
        transformation,
        rule: parse_conditions(map, "rule", RULE_CONDITIONS, parse_logsource).map_err(&fail)?,
        detection: parse_conditions(
            map,
            "detection_item",
            DETECTION_ITEM_CONDITIONS,
            parse_is_null,
        )
        .map_err(&fail)?,
        field: parse_conditions(
            map,
            "field_name",
            FIELD_NAME_CONDITIONS,
            parse_field_condition,
        )
        .map_err(&fail)?,
    })
}

/// `mapping:` of the field name mappings: name → name or non-empty list of names.
fn parse_mapping(value: Option<&Yaml>) -> Result<Vec<(String, Vec<String>)>, String> {
    let Some(value) = value else {
        return Err("needs `mapping`".into());
    };
    let Yaml::Mapping(map) = value else {
        return Err(format!(
            "`mapping` must be a map of field names, not {}",
            kind(value)
        ));
    };
    let mut out = Vec::with_capacity(map.len());
    for (from, to) in map {
        let from = match from {
            Yaml::String(s) => s.clone(),
            Yaml::Null => {
                return Err(
                    "`mapping` maps keywords (a null key) to fields, which vigie does not \
                     support"
                        .into(),
                );
            }
            other => {
                return Err(format!(
                    "`mapping` keys must be field names, not {}",
                    kind(other)
                ));
            }
        };
        let to = match to {
            Yaml::String(s) => vec![s.clone()],
            Yaml::Sequence(items) if !items.is_empty() => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| format!("`mapping`: `{from}` must map to names (strings)"))?,
            Yaml::Sequence(_) => {
                return Err(format!(
                    "`mapping`: `{from}` maps to an empty list (pySigma would drop the item)"
                ));
            }
            other => {
                return Err(format!(
                    "`mapping`: `{from}` must map to a name or a list of names, not {}",
                    kind(other)
                ));
            }
        };
        out.push((from, to));
    }
    Ok(out)
}

/// One kind of condition list of a processing item: `<prefix>_conditions` (a list, or a map
/// of named conditions), `<prefix>_cond_op` and `<prefix>_cond_not`.
fn parse_conditions<C>(
    item: &YamlMap,
    prefix: &str,
    supported: &[&str],
    parse: fn(&str, &YamlMap) -> Result<C, String>,
) -> Result<Conditions<C>, String> {
    let what = prefix.replace('_', " ");
    let key = format!("{prefix}_conditions");
    let entries: Vec<(String, &Yaml)> = match item.get(key.as_str()) {
        None | Some(Yaml::Null) => Vec::new(),
        Some(Yaml::Sequence(list)) => list
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("{what} condition {}", i + 1), c))
            .collect(),
        Some(Yaml::Mapping(named)) => named
            .iter()
            .map(|(name, c)| {
                let name = scalar_text(name).unwrap_or_default();
                (format!("{what} condition `{name}`"), c)
            })
            .collect(),
        Some(other) => {
            return Err(format!(
                "`{key}` must be a list or a map, not {}",
                kind(other)
            ));
        }
    };
    let mut list = Vec::with_capacity(entries.len());
    for (label, condition) in entries {
        let Yaml::Mapping(condition) = condition else {
            return Err(format!("{label}: must be a map, not {}", kind(condition)));
        };
        let kind_name = match condition.get("type") {
            Some(Yaml::String(kind)) => kind.as_str(),
            _ => return Err(format!("{label}: no `type` string")),
        };
        if !supported.contains(&kind_name) {
            return Err(format!(
                "{label}: type `{kind_name}` is not supported by vigie (supported: {})",
                supported.join(", ")
            ));
        }
        list.push(parse(kind_name, condition).map_err(|e| format!("{label} ({kind_name}): {e}"))?);
    }
    let op_key = format!("{prefix}_cond_op");
    let any = match item.get(op_key.as_str()) {
        None | Some(Yaml::Null) => false,
        Some(Yaml::String(op)) if op == "and" => false,
        Some(Yaml::String(op)) if op == "or" => true,
        Some(other) => {
            return Err(format!(
                "`{op_key}` must be `and` or `or`, not {}",
                scalar_text(other).map_or_else(|| kind(other).to_owned(), |t| format!("`{t}`"))
            ));
        }
    };
    let not_key = format!("{prefix}_cond_not");
    let not = match item.get(not_key.as_str()) {
        None | Some(Yaml::Null) => false,
        Some(Yaml::Bool(b)) => *b,
        Some(other) => {
            return Err(format!(
                "`{not_key}` must be true or false, not {}",
                kind(other)
            ));
        }
    };
    Ok(Conditions { list, any, not })
}

/// Fails on a key of a condition other than `type` and `keys`.
fn only_keys(condition: &YamlMap, keys: &[&str]) -> Result<(), String> {
    for key in condition.keys() {
        let key = scalar_text(key).unwrap_or_default();
        if key != "type" && !keys.contains(&key.as_str()) {
            return Err(format!(
                "unknown key `{key}` (its keys: type, {})",
                keys.join(", ")
            ));
        }
    }
    Ok(())
}

fn parse_logsource(_: &str, condition: &YamlMap) -> Result<Logsource, String> {
    only_keys(condition, &["product", "category", "service"])?;
    let part = |key: &str| match condition.get(key) {
        None | Some(Yaml::Null) => Ok(None),
        Some(Yaml::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("`{key}` must be a string, not {}", kind(other))),
    };
    let logsource = Logsource {
        product: part("product")?,
        category: part("category")?,
        service: part("service")?,
    };
    if logsource.parts().iter().all(|(_, v)| v.is_none()) {
        return Err("names none of `product`, `category`, `service`".into());
    }
    Ok(logsource)
}

fn parse_field_condition(kind_name: &str, condition: &YamlMap) -> Result<FieldCondition, String> {
    only_keys(condition, &["fields", "mode"])?;
    let fields: Vec<String> = match condition.get("fields") {
        Some(Yaml::Sequence(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or("`fields` must list field names (strings)")?,
        Some(other) => {
            return Err(format!(
                "`fields` must be a list of field names, not {}",
                kind(other)
            ));
        }
        None => return Err("needs `fields`".into()),
    };
    let patterns = match condition.get("mode").map(scalar_text) {
        None => None,
        Some(Some(mode)) if mode == "plain" => None,
        Some(Some(mode)) if mode == "re" => Some(
            fields
                .iter()
                .map(|f| {
                    Regex::new(&format!("^(?:{f})"))
                        .map_err(|e| format!("`{f}` is not a valid regular expression: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err("`mode` must be `plain` or `re`".into()),
    };
    Ok(FieldCondition {
        exclude: kind_name == "exclude_fields",
        fields,
        patterns,
    })
}

fn parse_is_null(_: &str, condition: &YamlMap) -> Result<IsNull, String> {
    only_keys(condition, &["cond"])?;
    match condition.get("cond").and_then(Yaml::as_str) {
        Some("any") => Ok(IsNull { all: false }),
        Some("all") => Ok(IsNull { all: true }),
        _ => Err("`cond` must be `any` or `all`".into()),
    }
}

/// What a YAML value is, for errors.
fn kind(value: &Yaml) -> &'static str {
    match value {
        Yaml::Null => "null",
        Yaml::Bool(_) => "a boolean",
        Yaml::Number(_) => "a number",
        Yaml::String(_) => "a string",
        Yaml::Sequence(_) => "a list",
        Yaml::Mapping(_) => "a map",
        Yaml::Tagged(_) => "a tagged value",
    }
}

/// A scalar as text (strings, numbers, booleans).
fn scalar_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Applies `pipelines` in order to one rule document. `Ok(None)`: nothing to do (no
/// pipeline, or a document without a `detection:` map, which the compiler reports on);
/// `Err`: the reason the rule cannot be loaded, naming the pipeline and transformation.
pub(crate) fn apply(pipelines: &[Pipeline], doc: &Yaml) -> Result<Option<Yaml>, String> {
    if pipelines.iter().all(|p| p.items.is_empty()) {
        return Ok(None);
    }
    let Some(mut work) = Work::of(doc) else {
        return Ok(None);
    };
    for pipeline in pipelines {
        for item in &pipeline.items {
            if item.rule.list.is_empty() || item.rule.hold(|ls| ls.contains(&work.doc)) {
                item.apply(&mut work).map_err(|e| {
                    format!(
                        "pipeline {}, {}: {e}",
                        pipeline.label(),
                        item_label(item.position, item.id.as_deref())
                    )
                })?;
            }
        }
    }
    work.finish().map(Some)
}

/// A rule document being transformed: its detection taken apart into items.
struct Work {
    /// The document; its `detection:` is rebuilt from `detection` at the end.
    doc: YamlMap,
    detection: Vec<Slot>,
}

/// One entry of `detection:`, in order.
enum Slot {
    Search(String, Search),
    Condition(Yaml),
    Other(Yaml, Yaml),
}

/// A search identifier's value.
enum Search {
    /// A map: an AND of its nodes.
    Map(Vec<Node>),
    /// A list of maps and keywords: an OR.
    List(Vec<Entry>),
    /// A keyword or a list of keywords (one detection item without a field).
    Keywords(DetectionItem),
    /// Anything else, left to the compiler to judge.
    Raw(Yaml),
}

enum Entry {
    Map(Vec<Node>),
    Keyword(DetectionItem),
    Raw(Yaml),
}

/// A detection item, or the OR of the items a field mapped to several names became.
#[derive(Clone)]
enum Node {
    Item(DetectionItem),
    Or(Vec<Node>),
}

/// `field|modifiers: values`.
#[derive(Clone)]
struct DetectionItem {
    /// `None`: keywords, or a key with no field name (`'|all'`).
    field: Option<String>,
    /// The modifiers as written, with their leading `|` (empty: none).
    modifiers: String,
    value: Yaml,
}

impl DetectionItem {
    fn from_key(key: &str, value: &Yaml) -> Self {
        let (field, modifiers) = match key.find('|') {
            Some(at) => key.split_at(at),
            None => (key, ""),
        };
        let field = field.trim();
        DetectionItem {
            field: (!field.is_empty()).then(|| field.to_owned()),
            modifiers: modifiers.to_owned(),
            value: value.clone(),
        }
    }

    fn keyword(value: &Yaml) -> Self {
        DetectionItem {
            field: None,
            modifiers: String::new(),
            value: value.clone(),
        }
    }

    fn key(&self) -> String {
        format!(
            "{}{}",
            self.field.as_deref().unwrap_or_default(),
            self.modifiers
        )
    }

    fn values(&self) -> Vec<&Yaml> {
        match &self.value {
            Yaml::Sequence(items) => items.iter().collect(),
            value => vec![value],
        }
    }

    /// The field names its `fieldref` values name (none without `fieldref`).
    fn references(&self) -> Vec<&str> {
        if !self.modifiers.split('|').any(|m| m.trim() == "fieldref") {
            return Vec::new();
        }
        self.values().into_iter().filter_map(Yaml::as_str).collect()
    }
}

fn is_scalar(value: &Yaml) -> bool {
    matches!(
        value,
        Yaml::String(_) | Yaml::Number(_) | Yaml::Bool(_) | Yaml::Null
    )
}

/// The items of a rule map, or `None` when a key is not a scalar (the compiler says why).
fn nodes_of(map: &YamlMap) -> Option<Vec<Node>> {
    map.iter()
        .map(|(key, value)| {
            let key = scalar_text(key)?;
            Some(Node::Item(DetectionItem::from_key(&key, value)))
        })
        .collect()
}

impl Search {
    fn parse(value: &Yaml) -> Search {
        match value {
            Yaml::Mapping(map) if !map.is_empty() => match nodes_of(map) {
                Some(nodes) => Search::Map(nodes),
                None => Search::Raw(value.clone()),
            },
            Yaml::Sequence(items) if !items.is_empty() && items.iter().all(is_scalar) => {
                Search::Keywords(DetectionItem::keyword(value))
            }
            Yaml::Sequence(items) if !items.is_empty() => Search::List(
                items
                    .iter()
                    .map(|item| match item {
                        Yaml::Mapping(map) if !map.is_empty() => match nodes_of(map) {
                            Some(nodes) => Entry::Map(nodes),
                            None => Entry::Raw(item.clone()),
                        },
                        item if is_scalar(item) => Entry::Keyword(DetectionItem::keyword(item)),
                        item => Entry::Raw(item.clone()),
                    })
                    .collect(),
            ),
            Yaml::String(_) | Yaml::Number(_) | Yaml::Bool(_) => {
                Search::Keywords(DetectionItem::keyword(value))
            }
            _ => Search::Raw(value.clone()),
        }
    }

    /// Back to YAML; `name` for the error when the alternatives make too many maps.
    fn into_yaml(self, name: &str) -> Result<Yaml, String> {
        let too_many = || {
            format!(
                "search identifier `{name}` would become more than {MAX_EXPANDED_MAPS} maps \
                 (fields mapped to several names multiply them): not loaded"
            )
        };
        Ok(match self {
            Search::Map(nodes) => {
                let mut maps = conjunctions(&nodes).ok_or_else(too_many)?;
                if maps.len() == 1 {
                    to_map(&maps.remove(0))
                } else {
                    Yaml::Sequence(maps.iter().map(|m| to_map(m)).collect())
                }
            }
            Search::List(entries) => {
                let mut out = Vec::new();
                for entry in entries {
                    match entry {
                        Entry::Map(nodes) => out.extend(
                            conjunctions(&nodes)
                                .ok_or_else(too_many)?
                                .iter()
                                .map(|m| to_map(m)),
                        ),
                        Entry::Keyword(item) => out.push(item.value),
                        Entry::Raw(value) => out.push(value),
                    }
                    if out.len() > MAX_EXPANDED_MAPS {
                        return Err(too_many());
                    }
                }
                Yaml::Sequence(out)
            }
            Search::Keywords(item) => item.value,
            Search::Raw(value) => value,
        })
    }
}

/// The items a node stands for, any one of which may hold.
fn alternatives(node: &Node) -> Vec<&DetectionItem> {
    match node {
        Node::Item(item) => vec![item],
        Node::Or(nodes) => nodes.iter().flat_map(alternatives).collect(),
    }
}

/// The AND of `nodes` as an OR of maps (each node's alternatives distributed over the
/// others); `None` over [`MAX_EXPANDED_MAPS`].
fn conjunctions(nodes: &[Node]) -> Option<Vec<Vec<&DetectionItem>>> {
    let mut out: Vec<Vec<&DetectionItem>> = vec![Vec::new()];
    for node in nodes {
        let choices = alternatives(node);
        if out.len() * choices.len() > MAX_EXPANDED_MAPS {
            return None;
        }
        out = out
            .iter()
            .flat_map(|map| {
                choices.iter().map(move |choice| {
                    let mut map = map.clone();
                    map.push(*choice);
                    map
                })
            })
            .collect();
    }
    Some(out)
}

/// A rule map of these items. Two items may come to the same key (two fields mapped to one
/// name): the later key gets trailing spaces, which the compiler trims from field names and
/// modifiers, so both checks stay.
fn to_map(items: &[&DetectionItem]) -> Yaml {
    let mut map = YamlMap::new();
    for item in items {
        let mut key = item.key();
        while map.contains_key(key.as_str()) {
            key.push(' ');
        }
        map.insert(Yaml::String(key), item.value.clone());
    }
    Yaml::Mapping(map)
}

impl Work {
    fn of(doc: &Yaml) -> Option<Work> {
        let Yaml::Mapping(doc) = doc else {
            return None;
        };
        if doc.contains_key("correlation") {
            return None;
        }
        let Some(Yaml::Mapping(detection)) = doc.get("detection") else {
            return None;
        };
        let detection = detection
            .iter()
            .map(|(key, value)| match key.as_str() {
                Some("condition") => Slot::Condition(value.clone()),
                Some("timeframe") | None => Slot::Other(key.clone(), value.clone()),
                Some(name) => Slot::Search(name.to_owned(), Search::parse(value)),
            })
            .collect();
        Some(Work {
            doc: doc.clone(),
            detection,
        })
    }

    fn finish(self) -> Result<Yaml, String> {
        let mut detection = YamlMap::new();
        for slot in self.detection {
            match slot {
                Slot::Search(name, search) => {
                    let value = search.into_yaml(&name)?;
                    detection.insert(Yaml::String(name), value);
                }
                Slot::Condition(condition) => {
                    detection.insert(Yaml::String("condition".into()), condition);
                }
                Slot::Other(key, value) => {
                    detection.insert(key, value);
                }
            }
        }
        let mut doc = self.doc;
        doc.insert(Yaml::String("detection".into()), Yaml::Mapping(detection));
        Ok(Yaml::Mapping(doc))
    }

    fn has_search(&self, name: &str) -> bool {
        self.detection
            .iter()
            .any(|slot| matches!(slot, Slot::Search(n, _) if n == name))
    }
}

impl Item {
    /// pySigma's `match_field_name`.
    fn field_name_holds(&self, field: Option<&str>) -> bool {
        self.field.hold(|c| c.matches(field))
    }

    /// pySigma's `match_detection_item`: the detection item conditions, and the field name
    /// conditions on its field or on a field its `fieldref` values name.
    fn item_holds(&self, item: &DetectionItem) -> bool {
        let values = item.values();
        self.detection.hold(|c| {
            if c.all {
                values.iter().all(|v| v.is_null())
            } else {
                values.iter().any(|v| v.is_null())
            }
        }) && self.field.hold(|c| {
            c.matches(item.field.as_deref())
                || item.references().into_iter().any(|r| c.matches(Some(r)))
        })
    }

    fn apply(&self, work: &mut Work) -> Result<(), String> {
        match &self.transformation {
            Transformation::ChangeLogsource(logsource) => {
                work.doc
                    .insert(Yaml::String("logsource".into()), logsource.to_yaml());
                Ok(())
            }
            Transformation::AddCondition {
                conditions,
                negated,
                name,
            } => self.add_condition(work, conditions, *negated, name.as_deref()),
            Transformation::DropDetectionItem => self.drop_items(work),
            _ => {
                self.map_fields(work);
                Ok(())
            }
        }
    }

    fn add_condition(
        &self,
        work: &mut Work,
        conditions: &YamlMap,
        negated: bool,
        name: Option<&str>,
    ) -> Result<(), String> {
        let name = match name {
            Some(name) if work.has_search(name) => {
                return Err(format!("the rule already has a search identifier `{name}`"));
            }
            Some(name) => name.to_owned(),
            None => (1..)
                .map(|n| format!("_cond_{n}"))
                .find(|n| !work.has_search(n))
                .unwrap_or_default(),
        };
        let not = if negated { "not " } else { "" };
        let wrap = |condition: &str| {
            if condition.trim().is_empty() {
                format!("{not}{name}")
            } else {
                format!("{not}{name} and ({condition})")
            }
        };
        for slot in &mut work.detection {
            if let Slot::Condition(condition) = slot {
                match condition {
                    Yaml::String(text) => *text = wrap(text),
                    Yaml::Sequence(items) => {
                        for item in items {
                            if let Yaml::String(text) = item {
                                *text = wrap(text);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        work.detection.push(Slot::Search(
            name,
            Search::parse(&Yaml::Mapping(conditions.clone())),
        ));
        Ok(())
    }

    fn drop_items(&self, work: &mut Work) -> Result<(), String> {
        let emptied = |name: &str| {
            format!(
                "removes every detection item of search identifier `{name}`; pySigma's \
                 backends then leave it out of the condition, which vigie cannot do: not loaded"
            )
        };
        for slot in &mut work.detection {
            let Slot::Search(name, search) = slot else {
                continue;
            };
            match search {
                Search::Map(nodes) => {
                    *nodes = self.drop_nodes(std::mem::take(nodes));
                    if nodes.is_empty() {
                        return Err(emptied(name));
                    }
                }
                Search::List(entries) => {
                    entries.retain_mut(|entry| match entry {
                        Entry::Map(nodes) => {
                            *nodes = self.drop_nodes(std::mem::take(nodes));
                            !nodes.is_empty()
                        }
                        Entry::Keyword(item) => !self.item_holds(item),
                        Entry::Raw(_) => true,
                    });
                    if entries.is_empty() {
                        return Err(emptied(name));
                    }
                }
                Search::Keywords(item) => {
                    if self.item_holds(item) {
                        return Err(emptied(name));
                    }
                }
                Search::Raw(_) => {}
            }
        }
        Ok(())
    }

    /// The nodes left once the items this processing item selects are removed (an OR left
    /// with no item goes too).
    fn drop_nodes(&self, nodes: Vec<Node>) -> Vec<Node> {
        nodes
            .into_iter()
            .filter_map(|node| match node {
                Node::Item(item) => (!self.item_holds(&item)).then_some(Node::Item(item)),
                Node::Or(nodes) => {
                    let kept = self.drop_nodes(nodes);
                    (!kept.is_empty()).then_some(Node::Or(kept))
                }
            })
            .collect()
    }

    /// The field name transformations: detection items, `fieldref` values and `fields:`.
    fn map_fields(&self, work: &mut Work) {
        let t = &self.transformation;
        if let Some(Yaml::Sequence(fields)) = work.doc.get_mut("fields") {
            let mut mapped = Vec::with_capacity(fields.len());
            for value in fields.drain(..) {
                match value
                    .as_str()
                    .and_then(|f| t.map_name(f).filter(|_| self.field_name_holds(Some(f))))
                {
                    Some(names) => mapped.extend(names.into_iter().map(Yaml::String)),
                    None => mapped.push(value),
                }
            }
            *fields = mapped;
        }
        for slot in &mut work.detection {
            let Slot::Search(_, search) = slot else {
                continue;
            };
            let nodes: Vec<&mut Vec<Node>> = match search {
                Search::Map(nodes) => vec![nodes],
                Search::List(entries) => entries
                    .iter_mut()
                    .filter_map(|e| match e {
                        Entry::Map(nodes) => Some(nodes),
                        _ => None,
                    })
                    .collect(),
                // Keywords have no field; a null `mapping` key (keywords to a field) is
                // refused at load.
                Search::Keywords(_) | Search::Raw(_) => Vec::new(),
            };
            for list in nodes {
                *list = std::mem::take(list)
                    .into_iter()
                    .map(|node| self.map_node(node))
                    .collect();
            }
        }
    }

    fn map_node(&self, node: Node) -> Node {
        let mut item = match node {
            Node::Or(nodes) => {
                return Node::Or(nodes.into_iter().map(|n| self.map_node(n)).collect());
            }
            Node::Item(item) => item,
        };
        if !self.item_holds(&item) {
            return Node::Item(item);
        }
        let t = &self.transformation;
        if !item.references().is_empty() {
            let mut values = Vec::new();
            let mut changed = false;
            for value in item.values() {
                match value.as_str() {
                    Some(field) if self.field_name_holds(Some(field)) => {
                        changed = true;
                        let names = t.map_name(field).unwrap_or_else(|| vec![field.to_owned()]);
                        values.extend(names.into_iter().map(Yaml::String));
                    }
                    _ => values.push(value.clone()),
                }
            }
            if changed {
                item.value = if values.len() == 1 {
                    values.remove(0)
                } else {
                    Yaml::Sequence(values)
                };
            }
        }
        let Some(field) = item.field.clone() else {
            return Node::Item(item);
        };
        match t.map_name(&field) {
            Some(mut names) if self.field_name_holds(Some(&field)) => {
                if names.len() == 1 {
                    item.field = names.pop();
                    Node::Item(item)
                } else {
                    Node::Or(
                        names
                            .into_iter()
                            .map(|name| {
                                Node::Item(DetectionItem {
                                    field: Some(name),
                                    ..item.clone()
                                })
                            })
                            .collect(),
                    )
                }
            }
            _ => Node::Item(item),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use serde_json::{Value, json};
    use vigie_event::TenantId;

    use super::*;
    use crate::tests::event;
    use crate::{LoadReport, Mapping, RuleSet};

    /// A Windows process creation rule; pipelines under test route it elsewhere.
    const RULE: &str = r"
title: Whoami all
id: r1
logsource: {product: windows, category: process_creation}
detection:
  sel:
    Image|endswith: '\whoami.exe'
    CommandLine|contains: /all
  condition: sel
fields: [Image, User]
";

    /// Moves every rule to the custom product `myedr` (run on events without a source
    /// type, field names as written), for tests that evaluate events.
    const TO_MYEDR: &str = "transformations:\n  - type: change_logsource\n    product: myedr\n";

    fn read(text: &str) -> Pipeline {
        Pipeline::from_yaml(text, Path::new("p.yml")).unwrap_or_else(|e| panic!("{e}"))
    }

    fn error(text: &str) -> String {
        Pipeline::from_yaml(text, Path::new("p.yml")).unwrap_err()
    }

    fn yaml(text: &str) -> Yaml {
        yaml_serde::from_str(text).unwrap()
    }

    /// The rule document after the pipelines (given in this order).
    fn transformed(pipelines: &[&str], rule: &str) -> Yaml {
        let set = RuleSet::with_pipelines(
            Arc::new(Mapping::shipped()),
            pipelines.iter().map(|p| read(p)).collect(),
        );
        apply(set.pipelines(), &yaml(rule)).unwrap().unwrap()
    }

    fn detection(doc: &Yaml) -> &Yaml {
        doc.get("detection").unwrap()
    }

    fn load(pipelines: &[&str], rule: &str) -> (RuleSet, LoadReport) {
        let mut set = RuleSet::with_pipelines(
            Arc::new(Mapping::shipped()),
            pipelines.iter().map(|p| read(p)).collect(),
        );
        let mut report = LoadReport::default();
        set.add_yaml(rule, Path::new("r.yml"), &mut report);
        (set, report)
    }

    fn loaded(pipelines: &[&str], rule: &str) -> RuleSet {
        let (set, report) = load(pipelines, rule);
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        assert_eq!(set.len(), 1);
        set
    }

    fn hit(set: &RuleSet, fields: Value) -> bool {
        !set.evaluate(&event(fields)).is_empty()
    }

    #[test]
    fn field_name_mapping_renames_and_a_list_is_an_or_of_the_names() {
        let mapping = "transformations:\n  - type: field_name_mapping\n    mapping:\n      Image: [proc.path, proc.image]\n      CommandLine: proc.cmdline\n      User: user.name\n";
        let doc = transformed(&[mapping], RULE);
        assert_eq!(
            detection(&doc),
            &yaml(
                r"
sel:
  - {proc.path|endswith: '\whoami.exe', proc.cmdline|contains: /all}
  - {proc.image|endswith: '\whoami.exe', proc.cmdline|contains: /all}
condition: sel
"
            )
        );
        // The rule's `fields:` are mapped too, alternatives listed.
        assert_eq!(
            doc.get("fields").unwrap(),
            &yaml("[proc.path, proc.image, user.name]")
        );
        let set = loaded(&[TO_MYEDR, mapping], RULE);
        let exe = "C:\\Windows\\System32\\whoami.exe";
        assert!(hit(
            &set,
            json!({"proc": {"path": exe, "cmdline": "whoami /all"}})
        ));
        assert!(hit(
            &set,
            json!({"proc": {"image": exe, "cmdline": "whoami /all"}})
        ));
        // An OR of the names, not the first present: the second name holds here.
        assert!(hit(
            &set,
            json!({"proc": {"path": "x.exe", "image": exe, "cmdline": "whoami /all"}})
        ));
        assert!(!hit(
            &set,
            json!({"proc": {"path": exe, "cmdline": "whoami"}})
        ));
        assert!(!hit(
            &set,
            json!({"Image": exe, "CommandLine": "whoami /all"})
        ));
    }

    #[test]
    fn prefix_mapping_prefix_and_suffix() {
        let rule = "title: t\nid: r1\nlogsource: {product: myedr}\ndetection:\n  sel:\n    TargetFilename|endswith: .ps1\n    TargetUser: bob\n  keywords: [evil]\n  condition: sel and keywords\n";
        let prefix_mapping = "transformations:\n  - type: field_name_prefix_mapping\n    mapping:\n      Target: [dst., destination.]\n      TargetUser: never\n";
        assert_eq!(
            detection(&transformed(&[prefix_mapping], rule)),
            &yaml(
                "sel:\n  - {dst.Filename|endswith: .ps1, dst.User: bob}\n  - {dst.Filename|endswith: .ps1, destination.User: bob}\n  - {destination.Filename|endswith: .ps1, dst.User: bob}\n  - {destination.Filename|endswith: .ps1, destination.User: bob}\nkeywords: [evil]\ncondition: sel and keywords\n"
            )
        );
        let affixes = "transformations:\n  - type: field_name_prefix\n    prefix: 'win.'\n  - type: field_name_suffix\n    suffix: .keyword\n";
        assert_eq!(
            detection(&transformed(&[affixes], rule)),
            &yaml(
                "sel:\n  win.TargetFilename.keyword|endswith: .ps1\n  win.TargetUser.keyword: bob\nkeywords: [evil]\ncondition: sel and keywords\n"
            )
        );
        let set = loaded(&[affixes], rule);
        assert!(hit(
            &set,
            json!({"win.TargetFilename.keyword": "a.ps1", "win.TargetUser.keyword": "Bob", "m": "evil"})
        ));
        assert!(!hit(
            &set,
            json!({"TargetFilename": "a.ps1", "TargetUser": "bob", "m": "evil"})
        ));
    }

    #[test]
    fn field_name_conditions_select_the_items() {
        let rule = "title: t\nid: r1\nlogsource: {product: myedr}\ndetection:\n  sel:\n    Image: a\n    ParentImage: b\n    User: c\n  condition: sel\n";
        let keys = |pipeline: &str| -> Vec<String> {
            let doc = transformed(&[pipeline], rule);
            let Yaml::Mapping(sel) = detection(&doc).get("sel").unwrap() else {
                panic!("a map")
            };
            sel.keys().map(|k| k.as_str().unwrap().to_owned()).collect()
        };
        let with = |conditions: &str| {
            format!("transformations:\n  - type: field_name_prefix\n    prefix: 'x.'\n{conditions}")
        };
        let include = "    field_name_conditions:\n      - type: include_fields\n        fields: [Image, User]\n";
        assert_eq!(keys(&with(include)), ["x.Image", "ParentImage", "x.User"]);
        let exclude = "    field_name_conditions:\n      - type: exclude_fields\n        fields: [Image, User]\n";
        assert_eq!(keys(&with(exclude)), ["Image", "x.ParentImage", "User"]);
        let regex = "    field_name_conditions:\n      - type: include_fields\n        mode: re\n        fields: ['.*Image']\n";
        assert_eq!(keys(&with(regex)), ["x.Image", "x.ParentImage", "User"]);
        // `re` anchors at the start only, like Python's `re.match`.
        let start = "    field_name_conditions:\n      - type: include_fields\n        mode: re\n        fields: ['Image']\n";
        assert_eq!(keys(&with(start)), ["x.Image", "ParentImage", "User"]);
        let negated = format!("{include}    field_name_cond_not: true\n");
        assert_eq!(keys(&with(&negated)), ["Image", "x.ParentImage", "User"]);
        // Two conditions: `and` (the default) holds for no field here, `or` for three.
        let two = "    field_name_conditions:\n      - type: include_fields\n        fields: [Image]\n      - type: include_fields\n        fields: [User]\n";
        assert_eq!(keys(&with(two)), ["Image", "ParentImage", "User"]);
        let or = format!("{two}    field_name_cond_op: or\n");
        assert_eq!(keys(&with(&or)), ["x.Image", "ParentImage", "x.User"]);
        // Named conditions (a map) read like a list.
        let named = "    field_name_conditions:\n      user:\n        type: include_fields\n        fields: [User]\n";
        assert_eq!(keys(&with(named)), ["Image", "ParentImage", "x.User"]);
    }

    #[test]
    fn fieldref_values_are_mapped_too() {
        let rule = "title: t\nid: r1\nlogsource: {product: myedr}\ndetection:\n  sel:\n    TargetUser|fieldref: SubjectUser\n  condition: sel\n";
        let mapping = "transformations:\n  - type: field_name_mapping\n    mapping:\n      TargetUser: target.user\n      SubjectUser: subject.user\n";
        assert_eq!(
            detection(&transformed(&[mapping], rule)),
            &yaml("sel:\n  target.user|fieldref: subject.user\ncondition: sel\n")
        );
        let set = loaded(&[mapping], rule);
        assert!(hit(
            &set,
            json!({"target": {"user": "Bob"}, "subject": {"user": "bob"}})
        ));
        assert!(!hit(
            &set,
            json!({"target": {"user": "bob"}, "subject": {"user": "alice"}})
        ));
    }

    #[test]
    fn two_fields_mapped_to_one_name_keep_both_checks() {
        let rule = "title: t\nid: r1\nlogsource: {product: myedr}\ndetection:\n  sel:\n    Image|endswith: .exe\n    TargetImage|startswith: c\n  condition: sel\n";
        let mapping = "transformations:\n  - type: field_name_mapping\n    mapping:\n      Image: path\n      TargetImage: path\n";
        let set = loaded(&[mapping], rule);
        assert!(hit(&set, json!({"path": "c:\\a.exe"})));
        assert!(!hit(&set, json!({"path": "d:\\a.exe"})));
        assert!(!hit(&set, json!({"path": "c:\\a.dll"})));
    }

    #[test]
    fn too_many_alternatives_reject_the_rule() {
        let mut rule =
            String::from("title: t\nid: r1\nlogsource: {product: myedr}\ndetection:\n  sel:\n");
        let mut mapping =
            String::from("transformations:\n  - type: field_name_mapping\n    mapping:\n");
        for i in 0..9 {
            rule.push_str(&format!("    F{i}: v\n"));
            mapping.push_str(&format!("      F{i}: [a{i}, b{i}]\n"));
        }
        rule.push_str("  condition: sel\n");
        let (set, report) = load(&[&mapping], &rule);
        assert!(set.is_empty());
        assert!(
            report.rejected[0].reason.contains("more than 256 maps"),
            "{}",
            report.rejected[0]
        );
        // Eight of them (256 maps) load.
        let eight = mapping.replace("      F8: [a8, b8]\n", "");
        assert_eq!(loaded(&[&eight], &rule).len(), 1);
    }

    #[test]
    fn drop_detection_item_removes_the_selected_items() {
        let rule = "title: t\nid: r1\nlogsource: {product: myedr}\ndetection:\n  sel:\n    EventID: 1\n    Image: a\n  alt:\n    - EventID: 1\n    - Image: b\n  filter:\n    User: null\n  condition: (sel or alt) and not filter\n";
        let drop = "transformations:\n  - id: no_event_ids\n    type: drop_detection_item\n    field_name_conditions:\n      - type: include_fields\n        fields: [EventID]\n";
        assert_eq!(
            detection(&transformed(&[drop], rule)),
            &yaml(
                "sel: {Image: a}\nalt: [{Image: b}]\nfilter: {User: null}\ncondition: (sel or alt) and not filter\n"
            )
        );
        let set = loaded(&[drop], rule);
        assert!(hit(&set, json!({"Image": "a", "User": "x"})));
        assert!(!hit(&set, json!({"Image": "a", "EventID": 1})));
        // A detection item condition: only items whose values are null.
        let nulls = "transformations:\n  - type: drop_detection_item\n    detection_item_conditions:\n      - type: is_null\n        cond: any\n";
        let (set, report) = load(&[nulls], rule);
        assert!(set.is_empty());
        let reason = &report.rejected[0].reason;
        assert!(
            reason.contains("pipeline p.yml, transformation 1: removes every detection item of search identifier `filter`"),
            "{reason}"
        );
        // Without conditions every item goes.
        let all =
            "name: strip\ntransformations:\n  - id: everything\n    type: drop_detection_item\n";
        let (_, report) = load(&[all], rule);
        assert!(
            report.rejected[0]
                .reason
                .starts_with("pipeline `strip` (p.yml), transformation 1 (id `everything`): removes every detection item of search identifier `sel`"),
            "{}",
            report.rejected[0]
        );
    }

    #[test]
    fn add_condition_ands_a_new_search_and_may_negate_it() {
        let add = "transformations:\n  - type: add_condition\n    conditions:\n      event.kind: [process_start, process_created]\n      host|startswith: srv\n";
        let doc = transformed(&[add], RULE);
        assert_eq!(
            detection(&doc).get("condition").unwrap(),
            &yaml("_cond_1 and (sel)")
        );
        assert_eq!(
            detection(&doc).get("_cond_1").unwrap(),
            &yaml("{event.kind: [process_start, process_created], host|startswith: srv}")
        );
        let set = loaded(&[TO_MYEDR, add], RULE);
        let base = json!({"Image": "c:\\whoami.exe", "CommandLine": "whoami /all"});
        let with = |extra: Value| {
            let mut event = base.clone();
            event
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            event
        };
        assert!(hit(
            &set,
            with(json!({"event": {"kind": "process_created"}, "host": "srv1"}))
        ));
        assert!(!hit(
            &set,
            with(json!({"event": {"kind": "other"}, "host": "srv1"}))
        ));
        assert!(!hit(&set, base.clone()));
        // Negated, on a condition list, twice (fresh names), then renamed by a later item.
        let rule = "title: t\nid: r1\nlogsource: {product: myedr}\ndetection:\n  a: {X: 1}\n  b: {Y: 2}\n  condition: [a, b]\n";
        let twice = "transformations:\n  - type: add_condition\n    negated: true\n    conditions: {Z: 3}\n  - type: add_condition\n    conditions: {W: 4}\n  - type: field_name_mapping\n    mapping: {Z: zed}\n";
        let doc = transformed(&[twice], rule);
        assert_eq!(
            detection(&doc).get("condition").unwrap(),
            &yaml("['_cond_2 and (not _cond_1 and (a))', '_cond_2 and (not _cond_1 and (b))']")
        );
        assert_eq!(detection(&doc).get("_cond_1").unwrap(), &yaml("{zed: 3}"));
        let set = loaded(&[twice], rule);
        assert!(hit(&set, json!({"X": 1, "W": 4})));
        assert!(hit(&set, json!({"Y": 2, "W": 4, "zed": 5})));
        assert!(!hit(&set, json!({"X": 1, "W": 4, "zed": 3})));
        assert!(!hit(&set, json!({"X": 1})));
        // A name the rule already uses is refused for that rule.
        let named =
            "transformations:\n  - type: add_condition\n    name: sel\n    conditions: {Z: 3}\n";
        let (_, report) = load(&[named], RULE);
        assert!(
            report.rejected[0]
                .reason
                .contains("already has a search identifier `sel`"),
            "{}",
            report.rejected[0]
        );
    }

    #[test]
    fn change_logsource_replaces_it_and_later_items_see_the_new_one() {
        let pipeline = "transformations:\n  - type: change_logsource\n    product: myedr\n    service: process\n    rule_conditions:\n      - type: logsource\n        product: windows\n        category: process_creation\n  - type: field_name_prefix\n    prefix: 'edr.'\n    rule_conditions:\n      - type: logsource\n        product: myedr\n  - type: field_name_suffix\n    suffix: .never\n    rule_conditions:\n      - type: logsource\n        product: windows\n";
        let doc = transformed(&[pipeline], RULE);
        // The whole logsource is replaced: the category is gone, as in pySigma.
        assert_eq!(
            doc.get("logsource").unwrap(),
            &yaml("{product: myedr, service: process}")
        );
        let sel = detection(&doc).get("sel").unwrap();
        assert!(sel.get("edr.Image|endswith").is_some(), "{sel:?}");
        let set = loaded(&[pipeline], RULE);
        assert_eq!(
            set.rules()[0].meta.logsource.product.as_deref(),
            Some("myedr")
        );
        assert!(hit(
            &set,
            json!({"edr.Image": "c:\\whoami.exe", "edr.CommandLine": "whoami /all"})
        ));
        // A rule of another logsource is left alone.
        let linux = RULE.replace("product: windows", "product: linux");
        let doc = transformed(&[pipeline], &linux);
        assert_eq!(
            doc.get("logsource").unwrap(),
            &yaml("{product: linux, category: process_creation}")
        );
    }

    #[test]
    fn rule_conditions_and_or_not() {
        let prefixed = |conditions: &str| -> bool {
            let pipeline = format!(
                "transformations:\n  - type: field_name_prefix\n    prefix: 'x.'\n{conditions}"
            );
            let doc = transformed(&[&pipeline], RULE);
            detection(&doc)
                .get("sel")
                .unwrap()
                .get("x.Image|endswith")
                .is_some()
        };
        let two = "    rule_conditions:\n      - type: logsource\n        product: windows\n      - type: logsource\n        category: file_event\n";
        assert!(prefixed(""));
        assert!(!prefixed(two));
        assert!(prefixed(&format!("{two}    rule_cond_op: or\n")));
        assert!(prefixed(&format!("{two}    rule_cond_not: true\n")));
        assert!(!prefixed(&format!(
            "{two}    rule_cond_op: or\n    rule_cond_not: true\n"
        )));
        // Case as vigie's routing compares logsources; each attribute given must equal.
        assert!(prefixed(
            "    rule_conditions:\n      - type: logsource\n        product: Windows\n        category: process_creation\n"
        ));
        assert!(!prefixed(
            "    rule_conditions:\n      - type: logsource\n        product: windows\n        service: sysmon\n"
        ));
        // pySigma: an item without rule conditions applies, `rule_cond_not` or not.
        assert!(prefixed("    rule_cond_not: true\n"));
    }

    #[test]
    fn pipelines_apply_by_priority_then_in_the_order_given() {
        let rename = |priority: i64, from: &str, to: &str| {
            format!(
                "priority: {priority}\ntransformations:\n  - type: field_name_mapping\n    mapping: {{{from}: {to}}}\n"
            )
        };
        let key = |pipelines: &[&str]| -> String {
            let doc = transformed(pipelines, RULE);
            let Yaml::Mapping(sel) = detection(&doc).get("sel").unwrap() else {
                panic!("a map")
            };
            sel.keys().next().unwrap().as_str().unwrap().to_owned()
        };
        let (first, second) = (rename(10, "Image", "B"), rename(5, "B", "C"));
        // Priority 5 runs first and finds no `B`; then `Image` becomes `B`.
        assert_eq!(key(&[&first, &second]), "B|endswith");
        assert_eq!(key(&[&second, &first]), "B|endswith");
        // Equal priorities: in the order given.
        let (first, second) = (rename(0, "Image", "B"), rename(0, "B", "C"));
        assert_eq!(key(&[&first, &second]), "C|endswith");
        assert_eq!(key(&[&second, &first]), "B|endswith");
        let set = RuleSet::with_pipelines(
            Arc::new(Mapping::shipped()),
            vec![read(&rename(3, "a", "b")), read(&rename(-1, "a", "b"))],
        );
        let order: Vec<i64> = set.pipelines().iter().map(Pipeline::priority).collect();
        assert_eq!(order, [-1, 3]);
    }

    #[test]
    fn tenant_filters_go_through_the_pipelines() {
        let pipeline = "transformations:\n  - type: change_logsource\n    product: myedr\n  - type: field_name_mapping\n    mapping: {User: user.name}\n";
        let mut set = loaded(&[pipeline], RULE);
        let filter = "title: f\nid: f1\nlogsource: {product: windows, category: process_creation}\nfilter:\n  rules: [r1]\n  selection:\n    User: svc\n  condition: selection\n";
        let mut report = LoadReport::default();
        set.add_tenant_filters(TenantId(1), filter, Path::new("f.yml"), &mut report);
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        let event = json!({"Image": "c:\\whoami.exe", "CommandLine": "whoami /all"});
        let as_user = |name: &str| {
            let mut e = event.clone();
            e["user"] = json!({"name": name});
            e
        };
        assert!(!hit(&set, as_user("svc")));
        assert!(hit(&set, as_user("alice")));
    }

    #[test]
    fn a_pipeline_reads_its_keys() {
        let pipeline = read(
            "name: mine\npriority: 20\nvars: {a: [1]}\nallowed_backends: [splunk]\npostprocessing: []\nfinalizers: []\ntransformations:\n  - id: x\n    type: field_name_prefix\n    prefix: p.\n    rule_conditions:\n      - type: logsource\n        product: windows\n    rule_cond_op: and\n    rule_cond_not: false\n    detection_item_conditions:\n      - type: is_null\n        cond: all\n    detection_item_cond_op: or\n    detection_item_cond_not: true\n    field_name_conditions:\n      - type: exclude_fields\n        fields: [a]\n    field_name_cond_op: and\n    field_name_cond_not: false\n",
        );
        assert_eq!(pipeline.name(), Some("mine"));
        assert_eq!(pipeline.priority(), 20);
        assert_eq!(pipeline.transformation_count(), 1);
        assert_eq!(pipeline.label(), "`mine` (p.yml)");
        assert_eq!(read("{}").transformation_count(), 0);
    }

    #[test]
    fn unsupported_types_are_named_with_the_place() {
        let e = error(
            "transformations:\n  - type: field_name_prefix\n    prefix: a\n  - type: field_name_suffix\n    suffix: b\n  - id: x\n    type: regex\n",
        );
        assert_eq!(
            e,
            format!(
                "p.yml: transformation 3 (id `x`): type `regex` is not supported by vigie \
                 (supported: {})",
                SUPPORTED_TRANSFORMATIONS.join(", ")
            )
        );
        let e = error(
            "transformations:\n  - type: field_name_prefix\n    prefix: a\n    rule_conditions:\n      - type: tag\n        tag: attack.t1\n",
        );
        assert!(
            e.starts_with("p.yml: transformation 1: rule condition 1: type `tag` is not supported by vigie (supported: logsource)"),
            "{e}"
        );
        let e = error(
            "transformations:\n  - type: drop_detection_item\n    field_name_conditions:\n      - type: processing_item_applied\n        processing_item_id: y\n",
        );
        assert!(e.contains("field name condition 1: type `processing_item_applied` is not supported by vigie (supported: include_fields, exclude_fields)"), "{e}");
        let e = error(
            "transformations:\n  - type: drop_detection_item\n    detection_item_conditions:\n      - type: match_string\n        cond: any\n        pattern: x\n",
        );
        assert!(e.contains("detection item condition 1: type `match_string` is not supported by vigie (supported: is_null)"), "{e}");
        for (section, text) in [
            ("postprocessing", "postprocessing:\n  - type: embed\n"),
            ("finalizers", "finalizers:\n  - type: concat\n"),
        ] {
            let e = error(text);
            assert!(
                e.starts_with(&format!("p.yml: `{section}` is not supported by vigie")),
                "{e}"
            );
        }
        let e = error(
            "transformations:\n  - type: add_condition\n    template: true\n    conditions: {a: $category}\n",
        );
        assert!(
            e.contains("transformation 1: `template: true` is not supported"),
            "{e}"
        );
        let e = error(
            "transformations:\n  - type: field_name_prefix\n    prefix: a\n    rule_cond_expr: c1 and c2\n",
        );
        assert!(
            e.contains("`rule_cond_expr` (a condition expression) is not supported by vigie"),
            "{e}"
        );
        let e = error(
            "transformations:\n  - type: change_logsource\n    product: a\n    field_name_conditions: []\n",
        );
        assert!(
            e.contains("`field_name_conditions` has no effect on `change_logsource`"),
            "{e}"
        );
        let e =
            error("transformations:\n  - type: field_name_mapping\n    mapping: {~: message}\n");
        assert!(e.contains("null key"), "{e}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = error("name: x\ntransformation: []\n");
        assert!(e.starts_with("p.yml: unknown key `transformation`"), "{e}");
        let e = error(
            "transformations:\n  - type: field_name_prefix\n    prefix: a\n    prefixes: b\n",
        );
        assert!(
            e.starts_with(
                "p.yml: transformation 1: unknown key `prefixes` for type `field_name_prefix`"
            ),
            "{e}"
        );
        let e = error(
            "transformations:\n  - type: field_name_prefix\n    prefix: a\n    rule_conditions:\n      - type: logsource\n        product: windows\n        categroy: x\n",
        );
        assert!(
            e.contains("rule condition 1 (logsource): unknown key `categroy`"),
            "{e}"
        );
        let e = error(
            "transformations:\n  - type: drop_detection_item\n    field_name_conditions:\n      - type: include_fields\n        fields: [a]\n        mode: glob\n",
        );
        assert!(e.contains("`mode` must be `plain` or `re`"), "{e}");
    }

    #[test]
    fn bad_values_are_named() {
        for (text, needle) in [
            ("transformations: {}", "`transformations` must be a list"),
            ("priority: high", "`priority` must be an integer"),
            ("- a\n- b\n", "the document is a list, not a map"),
            (
                "transformations:\n  - prefix: a\n",
                "transformation 1: no `type`",
            ),
            (
                "transformations:\n  - type: field_name_prefix\n",
                "`field_name_prefix` needs `prefix`",
            ),
            (
                "transformations:\n  - type: field_name_mapping\n    mapping: {a: []}\n",
                "`a` maps to an empty list",
            ),
            (
                "transformations:\n  - type: change_logsource\n",
                "sets none of",
            ),
            (
                "transformations:\n  - type: add_condition\n    conditions: {a|nope: 1}\n",
                "unknown modifier `nope`",
            ),
            (
                "transformations:\n  - type: add_condition\n    conditions: {}\n",
                "`conditions` must be a non-empty map",
            ),
            (
                "transformations:\n  - type: field_name_prefix\n    prefix: a\n    rule_cond_op: xor\n",
                "`rule_cond_op` must be `and` or `or`, not `xor`",
            ),
            (
                "transformations:\n  - type: field_name_prefix\n    prefix: a\n    rule_conditions:\n      - type: logsource\n",
                "names none of",
            ),
            (
                "transformations:\n  - type: drop_detection_item\n    field_name_conditions:\n      - type: include_fields\n        mode: re\n        fields: ['(']\n",
                "is not a valid regular expression",
            ),
        ] {
            let e = error(text);
            assert!(
                e.starts_with("p.yml: ") && e.contains(needle),
                "{needle:?} not in {e}"
            );
        }
    }

    #[test]
    fn bad_yaml_is_located() {
        let e = error("name: x\ntransformations:\n  - type: field_name_prefix\n    prefix: [a\n");
        assert!(e.starts_with("p.yml: invalid YAML: "), "{e}");
        assert!(e.contains("line 5"), "{e}");
        let e = error("transformations:\n  - type: a\n   bad: indent\n");
        assert!(e.contains("line 3"), "{e}");
        let deep = format!("name: {}", "[".repeat(200));
        assert!(
            error(&deep).contains("nest deeper than"),
            "{}",
            error(&deep)
        );
    }
}
