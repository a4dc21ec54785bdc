//! Search identifiers: field checks, value modifiers and their evaluation.

use std::net::IpAddr;

use regex::RegexBuilder;
use serde_json::Value as Json;
use vigie_event::Event;
use yaml_serde::Value as Yaml;

use crate::pattern::{AnyOf, Pattern, StrMatcher, contains_literal};

/// One search identifier of the `detection:` section.
#[derive(Debug)]
pub(crate) enum Search {
    /// A map: every check must hold.
    All(Vec<Check>),
    /// A list of maps (or of maps and keywords): one must hold.
    Any(Vec<Search>),
    /// Keywords, or any single check.
    One(Check),
}

/// Where each of a rule's field names is in the events of one route: per field slot, the
/// event paths to try in order, or `None` when that kind of event cannot carry the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldTable {
    pub(crate) paths: Vec<Option<Box<[String]>>>,
}

impl FieldTable {
    /// Every field at the name written in the rule.
    pub(crate) fn identity(names: &[String]) -> Self {
        FieldTable {
            paths: names
                .iter()
                .map(|n| Some(vec![n.clone()].into_boxed_slice()))
                .collect(),
        }
    }
}

/// The event a rule is evaluated on, where its fields are, and the rule's `expand`
/// placeholders as the event's tenant resolves them (by placeholder id; empty: none).
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) event: &'a Event,
    pub(crate) table: &'a FieldTable,
    pub(crate) expanded: &'a [Expanded],
}

/// The values one `expand` placeholder value became for a tenant; `None` when the tenant's
/// configuration does not give every placeholder it names (the value then matches nothing).
pub(crate) type Expanded = Option<Vec<ValueMatcher>>;

/// A rule value with `expand`: the text with its `%placeholders%` and what follows in the
/// modifier chain, resolved per tenant by [`Expand::resolve`].
#[derive(Debug, Clone)]
pub(crate) struct Expand {
    text: String,
    transforms: Vec<String>,
    cased: bool,
}

impl Expand {
    /// The placeholder names of the value (`%name%`), in order, without duplicates.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names = Vec::new();
        let mut rest = self.text.as_str();
        while let Some(start) = rest.find('%') {
            let Some(len) = rest[start + 1..].find('%') else {
                break;
            };
            let name = &rest[start + 1..start + 1 + len];
            if !name.is_empty() && !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
            rest = &rest[start + 2 + len..];
        }
        names
    }

    /// The matchers of the value with every placeholder replaced by each of its values
    /// (several placeholders: every combination), each then read as a Sigma string
    /// (wildcards) and put through the rest of the chain. `Err`: the placeholders `values`
    /// does not give.
    pub(crate) fn resolve(
        &self,
        values: &std::collections::BTreeMap<String, Vec<String>>,
    ) -> Result<Vec<ValueMatcher>, Vec<String>> {
        let names = self.names();
        let missing: Vec<String> = names
            .iter()
            .filter(|n| !values.contains_key(n.as_str()))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        let mut texts = vec![self.text.clone()];
        for name in &names {
            let token = format!("%{name}%");
            let token = token.as_str();
            texts = texts
                .iter()
                .flat_map(|t| {
                    values[name.as_str()]
                        .iter()
                        .map(move |v| t.replace(token, v))
                })
                .collect();
        }
        let transforms: Vec<&str> = self.transforms.iter().map(String::as_str).collect();
        let mut matchers = Vec::new();
        for text in texts {
            // A value that cannot be encoded as the chain asks is skipped, not fatal.
            let Ok(patterns) = transform(Pattern::parse(&text), &transforms) else {
                continue;
            };
            for pattern in patterns {
                if let Ok(matcher) = StrMatcher::compile(&pattern, self.cased) {
                    matchers.push(ValueMatcher::Str(matcher));
                }
            }
        }
        Ok(matchers)
    }
}

impl<'a> Ctx<'a> {
    /// The value of the field in slot `slot` (the first present of its paths).
    pub(crate) fn field(&self, slot: u16) -> Option<&'a Json> {
        let paths = self.table.paths.get(usize::from(slot))?.as_deref()?;
        lookup_first(self.event, paths)
    }
}

/// The first of `paths` present in the event.
pub(crate) fn lookup_first<'a>(event: &'a Event, paths: &[String]) -> Option<&'a Json> {
    paths.iter().find_map(|path| event.field(path))
}

/// Interns the field names of one rule into slots, and collects its `expand` values.
#[derive(Debug, Default)]
pub(crate) struct FieldNames {
    pub(crate) names: Vec<String>,
    /// The rule's `expand` values, by placeholder id.
    pub(crate) expands: Vec<Expand>,
}

impl FieldNames {
    pub(crate) fn slot(&mut self, name: &str) -> Result<u16, String> {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return Ok(i as u16);
        }
        let slot = u16::try_from(self.names.len())
            .ok()
            .filter(|slot| *slot != KEYWORDS)
            .ok_or_else(|| "too many fields".to_owned())?;
        self.names.push(name.to_owned());
        Ok(slot)
    }
}

/// A disjunction of (field slot, literal): when the search holds, one of the literals occurs
/// (ASCII case-insensitively) in the value of its field ([`KEYWORDS`]: in some string value
/// of the event).
pub(crate) type Required = Vec<(u16, String)>;

/// The slot of keyword searches in a [`Required`] set: the literal occurs in some string value
/// of the event, wherever it is.
pub(crate) const KEYWORDS: u16 = u16::MAX;

/// The better of two necessary literal sets: longer shortest literal, then fewer literals.
pub(crate) fn better(a: Option<Required>, b: Option<Required>) -> Option<Required> {
    fn score(r: &Required) -> (usize, std::cmp::Reverse<usize>) {
        (
            r.iter().map(|(_, l)| l.len()).min().unwrap_or(0),
            std::cmp::Reverse(r.len()),
        )
    }
    match (a, b) {
        (Some(a), Some(b)) => Some(if score(&b) > score(&a) { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The union of necessary sets: `None` when one side has none.
pub(crate) fn union(a: Option<Required>, b: Option<Required>) -> Option<Required> {
    let (mut a, b) = (a?, b?);
    a.extend(b);
    Some(a)
}

impl Search {
    /// Builds now the matchers otherwise built on first use.
    pub(crate) fn build_lazy(&self) {
        match self {
            Search::All(checks) => checks.iter().for_each(Check::build_lazy),
            Search::Any(searches) => searches.iter().for_each(Search::build_lazy),
            Search::One(check) => check.build_lazy(),
        }
    }

    pub(crate) fn matches(&self, ctx: Ctx<'_>) -> bool {
        match self {
            Search::All(checks) => checks.iter().all(|check| check.matches(ctx)),
            Search::Any(searches) => searches.iter().any(|search| search.matches(ctx)),
            Search::One(check) => check.matches(ctx),
        }
    }

    /// Sets of literals that must all be satisfied (one literal of each set present) for
    /// the search to hold: a conjunction of [`Required`] disjunctions.
    pub(crate) fn clauses(&self) -> Vec<Required> {
        match self {
            Search::All(checks) => checks.iter().filter_map(Check::required).collect(),
            _ => self.required().into_iter().collect(),
        }
    }

    /// Literals of which one must be present for the search to hold.
    pub(crate) fn required(&self) -> Option<Required> {
        match self {
            Search::All(checks) => checks.iter().map(Check::required).fold(None, better),
            Search::Any(searches) => {
                let mut all = Some(Vec::new());
                for search in searches {
                    all = union(all, search.required());
                }
                all
            }
            Search::One(check) => check.required(),
        }
    }
}

/// One `field|modifiers: values` entry, or a keyword list (no field).
#[derive(Debug)]
pub(crate) struct Check {
    /// `None` for keywords: the values are tested against every string in the event.
    field: Option<u16>,
    test: Test,
    /// `neq`: the check holds when the values do not match.
    negate: bool,
    /// For each value, a literal the field must contain for it to match (`None` when a
    /// value has none: regular expressions, numbers compared, `null`...).
    literals: Option<Vec<String>>,
}

#[derive(Debug)]
enum Test {
    /// `exists: true/false`.
    Exists(bool),
    /// One of the values (or all of them with `all`).
    Values {
        matchers: Vec<ValueMatcher>,
        all: bool,
    },
}

/// A compiled rule value.
#[derive(Debug)]
pub(crate) enum ValueMatcher {
    /// An `expand` value: the matchers its tenant's placeholders give (by placeholder id).
    Placeholder(u16),
    /// `null`: the field is missing or null.
    Null,
    /// A string test (plain, wildcard, `contains`, ..., `re`).
    Str(StrMatcher),
    /// `gt`, `gte`, `lt`, `lte`.
    Compare(Compare, f64),
    /// `cidr`.
    Cidr(Cidr),
    /// `fieldref`: the value equals that of another field of the event.
    FieldRef { field: u16, cased: bool },
}

#[derive(Copy, Clone, Debug)]
pub(crate) enum Compare {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Check {
    fn build_lazy(&self) {
        if let Test::Values { matchers, .. } = &self.test {
            for matcher in matchers {
                if let ValueMatcher::Str(matcher) = matcher {
                    matcher.build_lazy();
                }
            }
        }
    }

    fn required(&self) -> Option<Required> {
        let slot = self.field.unwrap_or(KEYWORDS);
        if self.negate {
            return None;
        }
        let literals = self.literals.as_ref()?;
        match &self.test {
            Test::Values { all: false, .. } => {
                Some(literals.iter().map(|l| (slot, l.clone())).collect())
            }
            Test::Values { all: true, .. } => literals
                .iter()
                .max_by_key(|l| l.len())
                .map(|l| vec![(slot, l.clone())]),
            Test::Exists(_) => None,
        }
    }

    fn matches(&self, ctx: Ctx<'_>) -> bool {
        let event = ctx.event;
        let result = match self.field {
            Some(field) => {
                let value = ctx.field(field);
                match &self.test {
                    Test::Exists(expected) => value.is_some() == *expected,
                    Test::Values {
                        matchers,
                        all: false,
                    } => matchers.iter().any(|m| m.matches(value, ctx)),
                    Test::Values {
                        matchers,
                        all: true,
                    } => matchers.iter().all(|m| m.matches(value, ctx)),
                }
            }
            None => match &self.test {
                Test::Exists(_) => false,
                Test::Values {
                    matchers,
                    all: false,
                } => any_string(&event.fields, &mut |s| {
                    matchers.iter().any(|m| m.matches_str(s))
                }),
                Test::Values {
                    matchers,
                    all: true,
                } => matchers
                    .iter()
                    .all(|m| any_string(&event.fields, &mut |s| m.matches_str(s))),
            },
        };
        result != self.negate
    }
}

/// Whether `test` holds for some string value anywhere in the event (keys excluded).
pub(crate) fn any_string(
    fields: &serde_json::Map<String, Json>,
    test: &mut dyn FnMut(&str) -> bool,
) -> bool {
    fn walk(value: &Json, test: &mut dyn FnMut(&str) -> bool) -> bool {
        match value {
            Json::String(s) => test(s),
            Json::Array(items) => items.iter().any(|item| walk(item, test)),
            Json::Object(map) => map.values().any(|item| walk(item, test)),
            _ => false,
        }
    }
    fields.values().any(|value| walk(value, test))
}

impl ValueMatcher {
    fn matches(&self, value: Option<&Json>, ctx: Ctx<'_>) -> bool {
        match (self, value) {
            (ValueMatcher::Placeholder(id), value) => match ctx.expanded.get(usize::from(*id)) {
                Some(Some(matchers)) => matchers.iter().any(|m| m.matches(value, ctx)),
                _ => false,
            },
            (ValueMatcher::Null, None | Some(Json::Null)) => true,
            (ValueMatcher::Null, Some(_)) | (_, None) => false,
            (_, Some(Json::Array(items))) => {
                items.iter().any(|item| self.matches_scalar(item, ctx))
            }
            (_, Some(value)) => self.matches_scalar(value, ctx),
        }
    }

    fn matches_scalar(&self, value: &Json, ctx: Ctx<'_>) -> bool {
        match self {
            ValueMatcher::Placeholder(_) => self.matches(Some(value), ctx),
            ValueMatcher::Null => value.is_null(),
            ValueMatcher::Str(matcher) => match value {
                Json::String(s) => matcher.is_match(s),
                Json::Number(n) => matcher.is_match_number(n),
                Json::Bool(b) => matcher.is_match(if *b { "true" } else { "false" }),
                _ => false,
            },
            ValueMatcher::Compare(op, bound) => {
                let number = match value {
                    Json::Number(n) => n.as_f64(),
                    Json::String(s) => s.trim().parse::<f64>().ok(),
                    _ => None,
                };
                number.is_some_and(|n| match op {
                    Compare::Gt => n > *bound,
                    Compare::Gte => n >= *bound,
                    Compare::Lt => n < *bound,
                    Compare::Lte => n <= *bound,
                })
            }
            ValueMatcher::Cidr(cidr) => match value {
                Json::String(s) => s.trim().parse::<IpAddr>().is_ok_and(|ip| cidr.contains(ip)),
                _ => false,
            },
            ValueMatcher::FieldRef { field, cased } => {
                let Some(other) = ctx.field(*field) else {
                    return false;
                };
                match (scalar_text(value), scalar_text(other)) {
                    (Some(a), Some(b)) if *cased => a == b,
                    (Some(a), Some(b)) => a.to_lowercase() == b.to_lowercase(),
                    _ => false,
                }
            }
        }
    }

    /// For keywords: tests one string of the event.
    fn matches_str(&self, s: &str) -> bool {
        match self {
            ValueMatcher::Str(matcher) => matcher.is_match(s),
            _ => false,
        }
    }
}

fn scalar_text(value: &Json) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        Json::String(s) => Some(s.as_str().into()),
        Json::Number(n) => Some(n.to_string().into()),
        Json::Bool(b) => Some(b.to_string().into()),
        _ => None,
    }
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cidr {
    v6: bool,
    network: u128,
    mask: u128,
}

impl Cidr {
    fn parse(text: &str) -> Result<Self, String> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text.trim(), None),
        };
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| format!("invalid CIDR network {text:?}"))?;
        let (v6, bits, width) = match ip {
            IpAddr::V4(v4) => (false, u128::from(u32::from(v4)), 32u32),
            IpAddr::V6(v6) => (true, u128::from(v6), 128u32),
        };
        let prefix = match prefix {
            Some(p) => p.parse::<u32>().ok().filter(|p| *p <= width),
            None => Some(width),
        }
        .ok_or_else(|| format!("invalid CIDR prefix in {text:?}"))?;
        let host_bits = width - prefix;
        let full = if width == 128 {
            u128::MAX
        } else {
            (1u128 << width) - 1
        };
        let mask = if host_bits >= 128 {
            0
        } else {
            (full >> host_bits) << host_bits
        };
        Ok(Cidr {
            v6,
            network: bits & mask,
            mask,
        })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) if !self.v6 => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => return false,
            },
            other => other,
        };
        match ip {
            IpAddr::V4(v4) if !self.v6 => u128::from(u32::from(v4)) & self.mask == self.network,
            IpAddr::V6(v6) if self.v6 => u128::from(v6) & self.mask == self.network,
            _ => false,
        }
    }
}

/// Compiles one search identifier.
pub(crate) fn compile_search(
    name: &str,
    value: &Yaml,
    fields: &mut FieldNames,
) -> Result<Search, String> {
    match value {
        Yaml::Mapping(map) => compile_map(name, map, fields),
        Yaml::Sequence(items) if items.is_empty() => {
            Err(format!("search identifier `{name}` is an empty list"))
        }
        Yaml::Sequence(items) if items.iter().all(is_scalar) => {
            Ok(Search::One(compile_check(name, None, &[], value, fields)?))
        }
        Yaml::Sequence(items) => {
            let mut searches = Vec::with_capacity(items.len());
            for item in items {
                searches.push(match item {
                    Yaml::Mapping(map) => compile_map(name, map, fields)?,
                    item if is_scalar(item) => {
                        Search::One(compile_check(name, None, &[], item, fields)?)
                    }
                    _ => {
                        return Err(format!(
                            "search identifier `{name}`: nested lists are not valid"
                        ));
                    }
                });
            }
            Ok(Search::Any(searches))
        }
        Yaml::String(_) | Yaml::Number(_) | Yaml::Bool(_) => {
            Ok(Search::One(compile_check(name, None, &[], value, fields)?))
        }
        Yaml::Null => Err(format!("search identifier `{name}` is empty")),
        Yaml::Tagged(_) => Err(format!(
            "search identifier `{name}`: YAML tags are not supported"
        )),
    }
}

fn is_scalar(value: &Yaml) -> bool {
    matches!(
        value,
        Yaml::String(_) | Yaml::Number(_) | Yaml::Bool(_) | Yaml::Null
    )
}

fn compile_map(
    name: &str,
    map: &yaml_serde::Mapping,
    fields: &mut FieldNames,
) -> Result<Search, String> {
    if map.is_empty() {
        return Err(format!("search identifier `{name}` is an empty map"));
    }
    let mut checks = Vec::with_capacity(map.len());
    for (key, value) in map {
        let key = match key {
            Yaml::String(s) => s.clone(),
            Yaml::Number(n) => n.to_string(),
            Yaml::Bool(b) => b.to_string(),
            _ => {
                return Err(format!(
                    "search identifier `{name}`: field names must be strings"
                ));
            }
        };
        let mut pieces = key.split('|');
        let field = pieces.next().unwrap_or_default().trim();
        let modifiers: Vec<&str> = pieces.map(str::trim).collect();
        let field = (!field.is_empty()).then_some(field);
        checks.push(compile_check(name, field, &modifiers, value, fields)?);
    }
    Ok(Search::All(checks))
}

/// Modifiers this engine knows but does not implement yet.
const NOT_YET: &[&str] = &["minute", "hour", "day", "week", "month", "year"];

/// Flags and transformations of one modifier chain, validated.
#[derive(Default)]
struct Chain<'a> {
    all: bool,
    cased: bool,
    neq: bool,
    /// `expand`: the value names `%placeholders%` resolved per tenant.
    expand: bool,
    /// The modifier deciding the value type (`re`, `cidr`, `gt`, `exists`, `fieldref`...).
    kind: Option<&'a str>,
    /// `re` sub-modifiers.
    re_flags: Vec<&'a str>,
    /// String transformations, in order.
    transforms: Vec<&'a str>,
}

fn parse_chain<'a>(field: &str, modifiers: &[&'a str]) -> Result<Chain<'a>, String> {
    let mut chain = Chain::default();
    let mut seen: Vec<&str> = Vec::new();
    for &modifier in modifiers {
        let bad = |why: &str| format!("modifier `{modifier}` on field `{field}`: {why}");
        if seen.contains(&modifier) {
            return Err(bad("given twice"));
        }
        seen.push(modifier);
        match modifier {
            "all" => chain.all = true,
            "cased" => chain.cased = true,
            "neq" => chain.neq = true,
            "contains" | "startswith" | "endswith" | "windash" | "base64" | "base64offset"
            | "utf16le" | "utf16be" | "utf16" | "wide" => {
                if let Some(kind) = chain.kind {
                    return Err(bad(&format!("cannot be combined with `{kind}`")));
                }
                let position = ["contains", "startswith", "endswith"];
                if position.contains(&modifier)
                    && let Some(other) = chain.transforms.iter().find(|t| position.contains(t))
                {
                    return Err(bad(&format!("conflicts with `{other}`")));
                }
                chain.transforms.push(modifier);
            }
            "i" | "m" | "s" => {
                if chain.kind != Some("re") {
                    return Err(bad("regular expression flag without a preceding `re`"));
                }
                chain.re_flags.push(modifier);
            }
            "re" | "cidr" | "gt" | "gte" | "lt" | "lte" | "exists" | "fieldref" => {
                if let Some(kind) = chain.kind {
                    return Err(bad(&format!("cannot be combined with `{kind}`")));
                }
                if let Some(t) = chain.transforms.first() {
                    return Err(bad(&format!("cannot be combined with `{t}`")));
                }
                chain.kind = Some(modifier);
            }
            "expand" => chain.expand = true,
            m if NOT_YET.contains(&m) => return Err(bad("time modifiers are not supported yet")),
            "" => return Err(format!("empty modifier on field `{field}`")),
            _ => return Err(format!("unknown modifier `{modifier}` on field `{field}`")),
        }
    }
    if chain.expand
        && let Some(kind) = chain.kind
    {
        return Err(format!(
            "modifier `expand` on field `{field}` cannot be combined with `{kind}`"
        ));
    }
    if chain.kind == Some("exists") && (chain.all || chain.neq || chain.cased) {
        return Err(format!(
            "modifier `exists` on field `{field}` takes no other modifier"
        ));
    }
    Ok(chain)
}

fn compile_check(
    name: &str,
    field: Option<&str>,
    modifiers: &[&str],
    value: &Yaml,
    fields: &mut FieldNames,
) -> Result<Check, String> {
    let label = field.unwrap_or("<keywords>");
    let slot = field.map(|f| fields.slot(f)).transpose()?;
    let mut chain = parse_chain(label, modifiers).map_err(|e| format!("`{name}`: {e}"))?;
    // Keywords are substring searches over the whole event.
    let position = ["contains", "startswith", "endswith"];
    if field.is_none()
        && chain.kind.is_none()
        && !chain.transforms.iter().any(|t| position.contains(t))
    {
        chain.transforms.push("contains");
    }
    let values: Vec<&Yaml> = match value {
        Yaml::Sequence(items) => items.iter().collect(),
        other => vec![other],
    };
    if values.is_empty() {
        return Err(format!(
            "`{name}`: field `{label}` has an empty list of values"
        ));
    }
    let err = |e: String| format!("`{name}`: field `{label}`: {e}");
    if chain.kind == Some("exists") {
        return match values.as_slice() {
            [Yaml::Bool(b)] if field.is_some() => Ok(Check {
                field: slot,
                test: Test::Exists(*b),
                negate: false,
                literals: None,
            }),
            _ => Err(err(
                "`exists` takes a single true or false on a named field".into(),
            )),
        };
    }
    let mut matchers = Vec::with_capacity(values.len());
    // In an OR-list, every ASCII `contains` literal goes into one automaton.
    let mut merged: Vec<String> = Vec::new();
    let mut literals = Some(Vec::new());
    for value in values {
        let merge = (!chain.all).then_some(&mut merged);
        compile_value(&chain, value, &mut matchers, merge, &mut literals, fields).map_err(err)?;
    }
    match merged.len() {
        0 => {}
        1 => {
            let pattern = Pattern::literal(&merged[0]);
            let mut pattern = pattern;
            pattern.surround_any();
            matchers.push(ValueMatcher::Str(
                StrMatcher::compile(&pattern, chain.cased).map_err(err)?,
            ));
        }
        _ => {
            matchers.push(ValueMatcher::Str(StrMatcher::Contains(AnyOf::new(
                merged,
                chain.cased,
            ))));
        }
    }
    if field.is_none() && matchers.iter().any(|m| !matches!(m, ValueMatcher::Str(_))) {
        return Err(err(
            "keywords take only string values and string modifiers".into()
        ));
    }
    Ok(Check {
        field: slot,
        test: Test::Values {
            matchers,
            all: chain.all,
        },
        negate: chain.neq,
        literals,
    })
}

/// The YAML scalar as rule text.
fn scalar_string(value: &Yaml) -> Result<String, String> {
    match value {
        Yaml::String(s) => Ok(s.clone()),
        Yaml::Number(n) => Ok(n.to_string()),
        Yaml::Bool(b) => Ok(b.to_string()),
        Yaml::Null => Err("`null` cannot take modifiers".into()),
        _ => Err("values must be scalars (string, number, boolean or null)".into()),
    }
}

fn compile_value(
    chain: &Chain<'_>,
    value: &Yaml,
    out: &mut Vec<ValueMatcher>,
    mut merge: Option<&mut Vec<String>>,
    literals: &mut Option<Vec<String>>,
    fields: &mut FieldNames,
) -> Result<(), String> {
    if chain.kind.is_some() || value.is_null() || chain.expand {
        *literals = None;
    }
    if chain.expand {
        let Yaml::String(text) = value else {
            return Err("`expand` needs a string naming `%placeholders%`".into());
        };
        let expand = Expand {
            text: text.clone(),
            transforms: chain.transforms.iter().map(|t| (*t).to_owned()).collect(),
            cased: chain.cased,
        };
        if expand.names().is_empty() {
            return Err(format!("`expand` value {text:?} names no `%placeholder%`"));
        }
        let id = u16::try_from(fields.expands.len()).map_err(|_| "too many `expand` values")?;
        fields.expands.push(expand);
        out.push(ValueMatcher::Placeholder(id));
        return Ok(());
    }
    if value.is_null() {
        if chain.kind.is_some() || !chain.transforms.is_empty() {
            return Err("`null` cannot take modifiers".into());
        }
        out.push(ValueMatcher::Null);
        return Ok(());
    }
    if !matches!(value, Yaml::String(_) | Yaml::Number(_) | Yaml::Bool(_)) {
        return Err("values must be scalars (string, number, boolean or null)".into());
    }
    match chain.kind {
        Some("re") => {
            let source = scalar_string(value)?;
            let regex = RegexBuilder::new(&source)
                .case_insensitive(chain.re_flags.contains(&"i"))
                .multi_line(chain.re_flags.contains(&"m"))
                .dot_matches_new_line(chain.re_flags.contains(&"s"))
                .build()
                .map_err(|e| format!("invalid regular expression {source:?}: {e}"))?;
            out.push(ValueMatcher::Str(StrMatcher::Regex(regex)));
        }
        Some("cidr") => out.push(ValueMatcher::Cidr(Cidr::parse(&scalar_string(value)?)?)),
        Some(op @ ("gt" | "gte" | "lt" | "lte")) => {
            let bound = match value {
                Yaml::Number(n) => n.as_f64(),
                Yaml::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .ok_or_else(|| format!("`{op}` needs a number, got {}", describe(value)))?;
            let op = match op {
                "gt" => Compare::Gt,
                "gte" => Compare::Gte,
                "lt" => Compare::Lt,
                _ => Compare::Lte,
            };
            out.push(ValueMatcher::Compare(op, bound));
        }
        Some("fieldref") => {
            let field = fields.slot(&scalar_string(value)?)?;
            out.push(ValueMatcher::FieldRef {
                field,
                cased: chain.cased,
            });
        }
        Some(other) => return Err(format!("modifier `{other}` is not valid here")),
        None => {
            let initial = match value {
                Yaml::String(s) => Pattern::parse(s),
                other => Pattern::literal(&scalar_string(other)?),
            };
            for pattern in transform(initial, &chain.transforms)? {
                match (literals.as_mut(), longest_literal(&pattern)) {
                    (Some(list), Some(lit)) => list.push(lit),
                    _ => *literals = None,
                }
                if let Some(merged) = merge.as_deref_mut()
                    && let Some(literal) = contains_literal(&pattern, chain.cased)
                {
                    merged.push(literal.to_owned());
                    continue;
                }
                out.push(ValueMatcher::Str(StrMatcher::compile(
                    &pattern,
                    chain.cased,
                )?));
            }
        }
    }
    Ok(())
}

/// The longest literal piece of a pattern that ASCII case folding covers exactly.
fn longest_literal(pattern: &Pattern) -> Option<String> {
    pattern
        .parts()
        .iter()
        .filter_map(|part| match part {
            crate::pattern::Part::Lit(text) if crate::pattern::ascii_foldable(text) => Some(text),
            _ => None,
        })
        .max_by_key(|text| text.len())
        .cloned()
}

fn describe(value: &Yaml) -> String {
    match value {
        Yaml::String(s) => format!("{s:?}"),
        Yaml::Number(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        _ => "a non-scalar".into(),
    }
}

/// A value in the middle of a transformation chain.
enum Item {
    Text(Pattern),
    /// Raw bytes from a UTF-16 encoding, waiting for `base64`.
    Bytes(Vec<u8>),
}

impl Item {
    fn into_pattern(self, modifier: &str) -> Result<Pattern, String> {
        match self {
            Item::Text(p) => Ok(p),
            Item::Bytes(bytes) => String::from_utf8(bytes)
                .map(|s| Pattern::literal(&s))
                .map_err(|_| format!("`{modifier}` after a UTF-16 encoding needs `base64` first")),
        }
    }

    fn into_bytes(self, modifier: &str) -> Result<Vec<u8>, String> {
        match self {
            Item::Bytes(bytes) => Ok(bytes),
            Item::Text(p) => p
                .plain()
                .map(String::into_bytes)
                .ok_or_else(|| format!("`{modifier}` cannot encode a value with wildcards")),
        }
    }
}

/// Applies the string transformations in order; a value may expand into several.
fn transform(initial: Pattern, transforms: &[&str]) -> Result<Vec<Pattern>, String> {
    let mut items = vec![Item::Text(initial)];
    for &modifier in transforms {
        let mut next = Vec::with_capacity(items.len());
        for item in items {
            match modifier {
                "contains" | "startswith" | "endswith" | "windash" => {
                    let mut p = item.into_pattern(modifier)?;
                    match modifier {
                        "contains" => p.surround_any(),
                        "startswith" => p.suffix_any(),
                        "endswith" => p.prefix_any(),
                        _ => p.windash(),
                    }
                    next.push(Item::Text(p));
                }
                "base64" => {
                    let bytes = item.into_bytes(modifier)?;
                    next.push(Item::Text(Pattern::literal(&base64(&bytes))));
                }
                "base64offset" => {
                    let bytes = item.into_bytes(modifier)?;
                    for variant in base64_offsets(&bytes) {
                        next.push(Item::Text(Pattern::literal(&variant)));
                    }
                }
                "utf16le" | "wide" | "utf16be" | "utf16" => {
                    let text = match item {
                        Item::Text(p) => p.plain().ok_or_else(|| {
                            format!("`{modifier}` cannot encode a value with wildcards")
                        })?,
                        Item::Bytes(_) => return Err(format!("`{modifier}` applied twice")),
                    };
                    let mut bytes = Vec::with_capacity(text.len() * 2 + 2);
                    if modifier == "utf16" {
                        bytes.extend_from_slice(&[0xFF, 0xFE]);
                    }
                    for unit in text.encode_utf16() {
                        if modifier == "utf16be" {
                            bytes.extend_from_slice(&unit.to_be_bytes());
                        } else {
                            bytes.extend_from_slice(&unit.to_le_bytes());
                        }
                    }
                    next.push(Item::Bytes(bytes));
                }
                other => return Err(format!("modifier `{other}` is not a string transformation")),
            }
        }
        items = next;
    }
    items
        .into_iter()
        .map(|item| item.into_pattern("matching"))
        .collect()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard Base64 with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The three `base64offset` variants, as pySigma computes them: the value encoded after 0, 1
/// and 2 leading bytes, trimmed to the characters that do not depend on its neighbours.
pub(crate) fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    let mut variants = Vec::with_capacity(3);
    for (shift, start) in START.into_iter().enumerate() {
        let mut shifted = vec![b' '; shift];
        shifted.extend_from_slice(bytes);
        let encoded = base64(&shifted);
        let end = match (bytes.len() + shift) % 3 {
            0 => encoded.len(),
            1 => encoded.len().saturating_sub(3),
            _ => encoded.len().saturating_sub(2),
        };
        let start = start.min(end);
        variants.push(encoded[start..end].to_owned());
    }
    variants
}
