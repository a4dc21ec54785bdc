//! One compiled Sigma rule.

use std::path::Path;

use vigie_event::Event;
use yaml_serde::Value as Yaml;

use crate::condition::{self, Cond};
use crate::detection::{Ctx, Expand, Expanded, FieldNames, FieldTable, Search, compile_search};
use crate::meta::{Level, LogSource, RuleMeta};

/// A Sigma detection rule, ready to match events.
#[derive(Debug)]
pub struct Rule {
    /// What the rule says about itself.
    pub meta: RuleMeta,
    searches: Vec<Search>,
    /// Search identifier names, in detection order (parallel to `searches`).
    names: Vec<String>,
    condition: Cond,
    /// The distinct field names the detection uses, by slot.
    pub(crate) fields: Vec<String>,
    /// The `expand` values, by placeholder id (resolved per tenant by the rule set).
    pub(crate) expands: Vec<Expand>,
    identity: FieldTable,
    /// Where the rule runs, one entry per kind of event (filled by the rule set).
    pub(crate) variants: Vec<crate::ruleset::Variant>,
    /// Field tables the variants point into.
    pub(crate) tables: Vec<FieldTable>,
}

impl Rule {
    /// Whether the event satisfies the rule's detection, with field names as written in the
    /// rule and without looking at the logsource. [`crate::RuleSet::evaluate`] routes events
    /// and maps fields; this is for tests of the detection logic alone.
    /// `expand` values match nothing here (no tenant resolves them).
    pub fn matches(&self, event: &Event) -> bool {
        self.eval(event, &self.identity, &[])
    }

    pub(crate) fn eval(&self, event: &Event, table: &FieldTable, expanded: &[Expanded]) -> bool {
        self.condition.eval(
            &self.searches,
            Ctx {
                event,
                table,
                expanded,
            },
        )
    }

    /// Each search identifier and whether it holds for the event (fields at the paths of
    /// `table`).
    pub(crate) fn explain(
        &self,
        event: &Event,
        table: &FieldTable,
        expanded: &[Expanded],
    ) -> Vec<(String, bool)> {
        let ctx = Ctx {
            event,
            table,
            expanded,
        };
        self.names
            .iter()
            .zip(&self.searches)
            .map(|(name, search)| (name.clone(), search.matches(ctx)))
            .collect()
    }

    /// Literals of which one must occur in its field for the rule to match.
    pub(crate) fn required(&self) -> Vec<crate::detection::Required> {
        self.condition.clauses(&self.searches)
    }

    /// Builds now the matchers otherwise built on first use.
    pub(crate) fn build_lazy(&self) {
        self.searches.iter().for_each(Search::build_lazy);
    }

    /// The field names the detection uses.
    pub fn field_names(&self) -> &[String] {
        &self.fields
    }
}

/// Why one document is not a usable rule, with whatever identity it has.
#[derive(Debug)]
pub(crate) struct DocError {
    pub(crate) rule_id: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) reason: String,
}

/// The stable id given to a rule without `id:`: `derived-` then 16 hex digits of the 64-bit
/// FNV-1a hash of the rule file path (relative to the loaded directory, `/`-separated) and the
/// title, joined by a newline. It changes only when the file is moved or the title edited.
pub fn derive_rule_id(relative_path: &Path, title: &str) -> String {
    let path: Vec<String> = relative_path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let text = format!("{}\n{title}", path.join("/"));
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("derived-{hash:016x}")
}

fn text(value: Option<&Yaml>) -> Option<String> {
    match value? {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Sequence(items) => {
            let parts: Vec<String> = items.iter().filter_map(|i| text(Some(i))).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        _ => None,
    }
}

fn list(value: Option<&Yaml>) -> Vec<String> {
    match value {
        Some(Yaml::Sequence(items)) => items.iter().filter_map(|i| text(Some(i))).collect(),
        Some(other) => text(Some(other)).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Compiles one YAML document found in `path`.
pub(crate) fn compile_document(doc: &Yaml, path: &Path) -> Result<Rule, DocError> {
    let title = text(doc.get("title"));
    let rule_id = text(doc.get("id"));
    let fail = |reason: String| DocError {
        rule_id: rule_id.clone(),
        title: title.clone(),
        reason,
    };
    let Yaml::Mapping(_) = doc else {
        return Err(fail("document is not a YAML mapping".into()));
    };
    if let Some(action) = text(doc.get("action")) {
        return Err(fail(format!(
            "Sigma 1.0 rule collection (`action: {action}`) is not supported"
        )));
    }
    if doc.get("correlation").is_some() {
        // Loaded by `correlation::load_dir` / `from_texts`, which report on it themselves.
        return Err(fail(
            "correlation rule: handled by the correlation engine".into(),
        ));
    }
    if doc.get("filter").is_some() && doc.get("detection").is_none() {
        return Err(fail(
            "Sigma filter (meta-rule): filters tune rules per tenant and are loaded from \
             `filters/<tenant-slug>/` of the rules directory, not with the rules"
                .into(),
        ));
    }
    let Some(title_text) = title.clone() else {
        return Err(fail("missing `title`".into()));
    };
    let status = text(doc.get("status"));
    match status.as_deref() {
        Some("deprecated") => {
            return Err(fail(
                "status `deprecated`: retired upstream, not run".into(),
            ));
        }
        Some("unsupported") => {
            return Err(fail(
                "status `unsupported`: declared unusable by its authors".into(),
            ));
        }
        _ => {}
    }
    let level = match text(doc.get("level")) {
        None => Level::Medium,
        Some(level) => level
            .parse()
            .map_err(|e: crate::meta::LevelError| fail(e.to_string()))?,
    };
    let logsource = match doc.get("logsource") {
        Some(Yaml::Mapping(_)) => {
            let ls = doc.get("logsource");
            let field = |key: &str| text(ls.and_then(|l| l.get(key)));
            LogSource {
                product: field("product"),
                category: field("category"),
                service: field("service"),
            }
        }
        Some(_) => return Err(fail("`logsource` is not a map".into())),
        None => return Err(fail("missing `logsource`".into())),
    };
    let Some(Yaml::Mapping(detection)) = doc.get("detection") else {
        return Err(fail("missing `detection` map".into()));
    };

    let mut names = Vec::new();
    let mut searches = Vec::new();
    let mut fields = FieldNames::default();
    let mut condition_value = None;
    for (key, value) in detection {
        let Some(name) = key.as_str() else {
            return Err(fail("search identifier names must be strings".into()));
        };
        match name {
            "condition" => condition_value = Some(value),
            // Sigma 1.0 aggregation window; meaningless without an aggregation, which the
            // condition parser rejects.
            "timeframe" => {}
            _ => {
                searches.push(compile_search(name, value, &mut fields).map_err(fail)?);
                names.push(name.to_owned());
            }
        }
    }
    let condition = match condition_value {
        None => return Err(fail("detection has no `condition`".into())),
        Some(Yaml::String(s)) => condition::parse(s, &names),
        Some(Yaml::Sequence(items)) if !items.is_empty() => {
            let mut alternatives = Vec::with_capacity(items.len());
            for item in items {
                let Some(s) = item.as_str() else {
                    return Err(fail("condition list items must be strings".into()));
                };
                alternatives.push(condition::parse(s, &names).map_err(fail)?);
            }
            Ok(if alternatives.len() == 1 {
                alternatives.remove(0)
            } else {
                Cond::Or(alternatives)
            })
        }
        Some(_) => {
            return Err(fail(
                "`condition` must be a string or a list of strings".into(),
            ));
        }
    }
    .map_err(fail)?;

    let derived_id = rule_id.is_none();
    let id = rule_id
        .clone()
        .unwrap_or_else(|| derive_rule_id(path, &title_text));
    let meta = RuleMeta {
        id,
        title: title_text,
        level,
        status,
        description: text(doc.get("description")),
        author: text(doc.get("author")),
        tags: list(doc.get("tags")),
        references: list(doc.get("references")),
        falsepositives: list(doc.get("falsepositives")),
        logsource,
        path: Some(path.to_path_buf()),
        date: text(doc.get("date")),
        modified: text(doc.get("modified")),
        fields: list(doc.get("fields")),
        derived_id,
    };
    let identity = FieldTable::identity(&fields.names);
    Ok(Rule {
        meta,
        searches,
        names,
        condition,
        fields: fields.names,
        expands: fields.expands,
        identity,
        variants: Vec::new(),
        tables: Vec::new(),
    })
}
