//! Loading rules from files and evaluating them together.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use vigie_event::{Event, TenantId};
use yaml_serde::Value as Yaml;

use crate::detection::{Expanded, FieldTable};
use crate::error::DetectError;
use crate::index::{Class, Index, IndexStats, classify};
use crate::mapping::{Mapping, Routing};
use crate::meta::RuleMeta;
use crate::pipeline::Pipeline;
use crate::rule::{Rule, compile_document};

/// One kind of event a rule runs on, with where its fields are there.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    /// The Windows mapping source (`None`: a source type, or events nothing claims).
    pub(crate) source: Option<usize>,
    /// The source type (`linux.sysmon`), or a custom product alone (`myapp`: every
    /// `myapp.*` type); `None`: Windows channels, or events without a source type.
    pub(crate) source_type: Option<Box<str>>,
    /// Channels, lowercase (`None`: every channel of the source).
    pub(crate) channels: Option<Vec<String>>,
    /// Event ids (`None`: every id).
    pub(crate) event_ids: Option<Vec<i64>>,
    /// Equalities the event must satisfy: event paths and the expected text.
    pub(crate) guard: Vec<(Box<[String]>, String)>,
    /// Index into the rule's tables.
    pub(crate) table: usize,
    /// For reports: `windows: sysmon 1`, `ecs: security 4688`, `linux.sysmon (...)`.
    pub(crate) label: String,
}

impl Variant {
    fn accepts(&self, class: &Class, event: &Event) -> bool {
        self.accepts_kind(class) && self.guard_holds(event)
    }

    /// Whether the variant runs on events of this class, guards aside.
    fn accepts_kind(&self, class: &Class) -> bool {
        let kind = match (&self.source_type, &class.typed) {
            (Some(key), Some(typed)) => crate::index::type_key_matches(key, typed),
            (None, None) => {
                self.source == class.source
                    && self.channels.as_ref().is_none_or(|list| {
                        class
                            .channel
                            .as_ref()
                            .is_some_and(|c| list.iter().any(|l| l == c))
                    })
            }
            _ => false,
        };
        kind && self
            .event_ids
            .as_ref()
            .is_none_or(|ids| class.event_id.is_some_and(|id| ids.contains(&id)))
    }

    fn guard_holds(&self, event: &Event) -> bool {
        self.guard.iter().all(|(paths, expected)| {
            crate::detection::lookup_first(event, paths)
                .and_then(serde_json::Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(expected))
        })
    }
}

/// A loaded rule that runs, but not everywhere its logsource says, or never.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// The rule's id.
    pub rule_id: String,
    /// The rule file.
    pub path: Option<PathBuf>,
    /// What is wrong, e.g. the fields a kind of event does not carry.
    pub message: String,
}

impl Warning {
    /// Whether the warning says the rule runs on no source vigie reads (`dormant: ...`, or
    /// `never runs: ...` for a logsource no mapping can place).
    pub fn is_dormant(&self) -> bool {
        self.message.starts_with("dormant: ") || self.message.starts_with("never runs: ")
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self
            .path
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        write!(f, "{path} ({}): {}", self.rule_id, self.message)
    }
}

/// Why a rule did or did not match one event, for `vigie rules test --explain`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Explanation {
    /// The rule's id.
    pub rule_id: String,
    /// Whether the rule matched.
    pub matched: bool,
    /// The route the event took to the rule (`windows: sysmon 1`), or `None` when the rule
    /// does not run on this kind of event.
    pub route: Option<String>,
    /// How the event was classified (`windows: channel … event id …`, `source type …`).
    pub event_kind: String,
    /// The routes the rule runs on.
    pub rule_routes: Vec<String>,
    /// Each search identifier and whether it held (empty when not routed).
    pub searches: Vec<(String, bool)>,
    /// Whether the detection held but a filter of the event's tenant excluded the event
    /// (`matched` is then false).
    pub filtered: bool,
}

/// A document (or file) that did not become a rule, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    /// The file, relative to the loaded directory (or the origin given to
    /// [`RuleSet::from_yaml`]).
    pub path: PathBuf,
    /// 1-based index of the YAML document in the file; 0 when the file as a whole failed
    /// (unreadable, not UTF-8, no document).
    pub document: usize,
    /// The document's `id:` if it could be read.
    pub rule_id: Option<String>,
    /// The document's `title:` if it could be read.
    pub title: Option<String>,
    /// Why it was rejected.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.document == 0 {
            write!(f, "{}: {}", self.path.display(), self.reason)
        } else {
            write!(
                f,
                "{} (document {}): {}",
                self.path.display(),
                self.document,
                self.reason
            )
        }
    }
}

/// What loading found: how many files were read, which rules loaded and which did not.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct LoadReport {
    /// Rule files (`.yml`/`.yaml`) read.
    pub files: usize,
    /// Metadata of every loaded rule, in load order.
    pub loaded: Vec<RuleMeta>,
    /// Every document or file that did not load.
    pub rejected: Vec<Rejection>,
    /// Loaded rules with a problem: a logsource no mapping delivers, fields some kind of
    /// event does not carry, `expand` placeholders; filters naming no loaded rule.
    pub warnings: Vec<Warning>,
    /// Sigma filters loaded for tenants ([`RuleSet::add_tenant_filters`]).
    pub filters: Vec<FilterMeta>,
}

/// A Sigma filter (meta-rule) loaded for one tenant.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FilterMeta {
    /// The tenant whose alerts it tunes.
    pub tenant: TenantId,
    /// `id:`, or a derived id.
    pub id: String,
    /// `title:`.
    pub title: String,
    /// The filter file, as given by the loader.
    pub path: Option<PathBuf>,
    /// `filter: rules:`, the rules it adds its exclusion to.
    pub rules: Vec<String>,
}

/// What one tenant changes in the shared rules: filters and `expand` placeholders.
#[derive(Debug, Default)]
struct Tuning {
    /// Rule index → indexes into [`RuleSet::filters`] of the filters excluding from it.
    filters: HashMap<usize, Vec<usize>>,
    /// Rule index → its `expand` values resolved with this tenant's placeholders.
    expanded: HashMap<usize, Vec<Expanded>>,
}

/// A set of compiled rules with unique ids, routed by a [`Mapping`].
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_id: HashMap<String, usize>,
    mapping: Arc<Mapping>,
    index: OnceLock<Index>,
    /// Compiled filter detections (routed like rules), for every tenant.
    filters: Vec<Rule>,
    /// Per tenant: its filters and placeholders. A tenant never sees another's.
    tenants: HashMap<TenantId, Tuning>,
    /// pySigma processing pipelines every rule and filter goes through before routing, in
    /// the order they apply.
    pipelines: Vec<Pipeline>,
    /// The IOC sets in force with these rules (swapped with them, [`crate::intel`]).
    intel: Arc<crate::intel::Intel>,
}

impl Default for RuleSet {
    fn default() -> Self {
        RuleSet::with_mapping(Arc::new(Mapping::shipped()))
    }
}

impl RuleSet {
    /// An empty set with the shipped mapping (Windows channels and source types).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set routed by `mapping`.
    pub fn with_mapping(mapping: Arc<Mapping>) -> Self {
        RuleSet {
            rules: Vec::new(),
            by_id: HashMap::new(),
            mapping,
            index: OnceLock::new(),
            filters: Vec::new(),
            tenants: HashMap::new(),
            pipelines: Vec::new(),
            intel: Arc::new(crate::intel::Intel::new()),
        }
    }

    /// An empty set routed by `mapping` whose rules and filters are first put through
    /// `pipelines` (pySigma processing pipelines, [`Pipeline`]): lowest `priority` first,
    /// then in the order given. A rule a pipeline cannot transform is rejected with the
    /// reason.
    pub fn with_pipelines(mapping: Arc<Mapping>, pipelines: Vec<Pipeline>) -> Self {
        let mut pipelines = pipelines;
        pipelines.sort_by_key(Pipeline::priority);
        RuleSet {
            pipelines,
            ..RuleSet::with_mapping(mapping)
        }
    }

    /// The pipelines applied to this set's rules and filters, in the order they apply.
    pub fn pipelines(&self) -> &[Pipeline] {
        &self.pipelines
    }

    /// Puts IOC sets in force with these rules: they are matched on every event the rules
    /// see ([`RuleSet::intel`]) and replaced with the rules at a reload.
    pub fn set_intel(&mut self, intel: crate::intel::Intel) {
        self.intel = Arc::new(intel);
    }

    /// The IOC sets in force with these rules.
    pub fn intel(&self) -> &crate::intel::Intel {
        &self.intel
    }

    /// An empty set with this one's mapping and pipelines: rules compiled into it run as they
    /// would in this set (a backtest of a draft rule against the live configuration).
    pub fn empty_like(&self) -> RuleSet {
        RuleSet {
            pipelines: self.pipelines.clone(),
            ..RuleSet::with_mapping(Arc::clone(&self.mapping))
        }
    }

    /// [`RuleSet::from_yaml`] with this set's mapping and pipelines.
    pub fn compile_like(&self, text: &str, origin: &Path) -> (RuleSet, LoadReport) {
        let mut set = self.empty_like();
        let mut report = LoadReport {
            files: 1,
            ..LoadReport::default()
        };
        set.add_yaml(text, origin, &mut report);
        (set, report)
    }

    /// The mapping routing this set.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Loads every rule under `dir` into this set (see [`RuleSet::load_dir`]).
    pub fn add_dir(&mut self, dir: &Path, report: &mut LoadReport) -> Result<(), DetectError> {
        let read_error = |source| DetectError::ReadDir {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::read_dir(dir).map_err(read_error)?;
        let mut files = Vec::new();
        collect_files(dir, dir, &mut files, report);
        // `filters/` at the top holds per-tenant filters, loaded by the caller; so do the
        // packs' own `filters/`, and their `intel/`, `pipelines/`, ... hold no rules.
        files.retain(|f| !f.starts_with(FILTERS_DIR) && !crate::packs::is_not_rules(f));
        files.sort();
        report.files += files.len();
        for outcomes in compile_files(&self.mapping, &self.pipelines, dir, &files) {
            self.merge(outcomes, report);
        }
        Ok(())
    }

    /// Builds the rule index now (it is otherwise built by the first evaluation). Its literal
    /// automata, and the substring automata of each rule, are still built on first use:
    /// see [`RuleSet::compile_all`].
    pub fn prepare(&self) -> IndexStats {
        self.index().stats()
    }

    /// Builds everything that is otherwise built on first use: the index, every literal
    /// automaton in it and every rule's substring automata (for predictable latency on the
    /// first events, and to measure the whole compilation).
    pub fn compile_all(&self) -> IndexStats {
        let index = self.index();
        index.build_automata();
        self.rules.iter().for_each(Rule::build_lazy);
        index.stats()
    }

    fn index(&self) -> &Index {
        self.index
            .get_or_init(|| Index::build(&self.mapping, &self.rules))
    }

    /// Resolves where `rule` runs and where its fields are; records warnings.
    fn route(&self, rule: &mut Rule, warnings: &mut Vec<Warning>) {
        route(&self.mapping, rule, warnings);
    }

    /// Loads every `.yml`/`.yaml` file under `dir`, recursively, in path order (symbolic links
    /// to directories are not followed, but for installed packs, and hidden entries are
    /// skipped: see [`crate::packs`]). Fails only when `dir` itself cannot be read; every
    /// other problem (unreadable file, YAML error, invalid or unsupported rule, duplicate id)
    /// becomes a [`Rejection`] in the report. Of two rules with the same id the second is
    /// rejected.
    pub fn load_dir(dir: &Path) -> Result<(RuleSet, LoadReport), DetectError> {
        let mut report = LoadReport::default();
        let mut set = RuleSet::new();
        set.add_dir(dir, &mut report)?;
        tracing::debug!(
            dir = %dir.display(),
            files = report.files,
            loaded = report.loaded.len(),
            rejected = report.rejected.len(),
            "loaded Sigma rules"
        );
        Ok((set, report))
    }

    /// Compiles the rule documents of one YAML text; `origin` names it in metadata, derived ids
    /// and rejections.
    pub fn from_yaml(text: &str, origin: &Path) -> (RuleSet, LoadReport) {
        let mut set = RuleSet::new();
        let mut report = LoadReport {
            files: 1,
            ..LoadReport::default()
        };
        set.add_yaml(text, origin, &mut report);
        (set, report)
    }

    /// Adds the rule documents of one YAML text to the set (rules whose id is already present
    /// are rejected), recording the outcome in `report` (its `files` count is not changed).
    pub fn add_yaml(&mut self, text: &str, origin: &Path, report: &mut LoadReport) {
        let outcomes = compile_text(&self.mapping, &self.pipelines, text, origin);
        self.merge(outcomes, report);
    }

    /// Adds compiled documents in order: a rule whose id is already loaded is rejected.
    fn merge(&mut self, outcomes: Vec<Outcome>, report: &mut LoadReport) {
        self.index = OnceLock::new();
        for outcome in outcomes {
            let (rule, warnings, document) = match outcome {
                Outcome::Rejected(rejection) => {
                    report.rejected.push(rejection);
                    continue;
                }
                Outcome::Rule {
                    rule,
                    warnings,
                    document,
                } => (*rule, warnings, document),
            };
            if let Some(&first) = self.by_id.get(&rule.meta.id) {
                let first = &self.rules[first].meta;
                let first_path = first
                    .path
                    .as_deref()
                    .map_or("?".into(), |p| p.display().to_string());
                report.rejected.push(Rejection {
                    path: rule.meta.path.clone().unwrap_or_default(),
                    document,
                    rule_id: Some(rule.meta.id.clone()),
                    title: Some(rule.meta.title.clone()),
                    reason: format!(
                        "duplicate rule id {} (already loaded from {first_path})",
                        rule.meta.id
                    ),
                });
                continue;
            }
            report.warnings.extend(warnings);
            report.loaded.push(rule.meta.clone());
            self.by_id.insert(rule.meta.id.clone(), self.rules.len());
            self.rules.push(rule);
        }
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the set has no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).map(|&i| &self.rules[i])
    }

    /// Every rule matching the event, in load order: the rules routed to the event's kind
    /// (source, channel, event id) whose detection holds with fields mapped for that kind.
    /// Allocates only when something matches.
    pub fn evaluate<'a>(&'a self, event: &Event) -> Vec<&'a Rule> {
        let mut hits = Vec::new();
        self.evaluate_into(event, &mut hits);
        hits
    }

    /// Like [`RuleSet::evaluate`], appending to a buffer the caller reuses.
    pub fn evaluate_into<'a>(&'a self, event: &Event, hits: &mut Vec<&'a Rule>) {
        let index = self.index();
        let start = hits.len();
        let tuning = self.tuning(event);
        index.candidates(&self.mapping, event, &mut |target| {
            let r = target.rule as usize;
            let rule = &self.rules[r];
            if hits.len() > start && std::ptr::eq(hits[hits.len() - 1], rule) {
                return;
            }
            let variant = &rule.variants[target.variant as usize];
            if variant.guard_holds(event)
                && rule.eval(event, &rule.tables[variant.table], expanded(tuning, r))
                && !self.filtered(tuning, r, event)
            {
                hits.push(rule);
            }
        });
    }

    /// The tuning of the event's tenant, if it has any.
    fn tuning(&self, event: &Event) -> Option<&Tuning> {
        if self.tenants.is_empty() {
            return None;
        }
        self.tenants.get(&event.tenant)
    }

    /// Whether one of the tenant's filters for rule `r` holds on the event.
    fn filtered(&self, tuning: Option<&Tuning>, r: usize, event: &Event) -> bool {
        let Some(filters) = tuning.and_then(|t| t.filters.get(&r)) else {
            return false;
        };
        let class = classify(&self.mapping, event);
        filters.iter().any(|&f| {
            let filter = &self.filters[f];
            filter
                .variants
                .iter()
                .filter(|v| v.accepts(&class, event))
                .any(|v| filter.eval(event, &filter.tables[v.table], &[]))
        })
    }

    /// Loads the Sigma filters (meta-rules) of one YAML text for `tenant`: each is compiled
    /// with its `logsource` routed and mapped like a rule's, and excludes the events where
    /// its condition holds from the rules its `filter: rules:` names (by id), for events of
    /// that tenant only. A filter naming a rule not loaded is a warning; a document that is
    /// not a valid filter is a rejection. `origin` names the file in the report.
    pub fn add_tenant_filters(
        &mut self,
        tenant: TenantId,
        text: &str,
        origin: &Path,
        report: &mut LoadReport,
    ) {
        let reject = |document, rule_id, title, reason| Rejection {
            path: origin.to_path_buf(),
            document,
            rule_id,
            title,
            reason,
        };
        for (document, value) in yaml_documents(text) {
            let value = match value {
                Ok(value) => value,
                Err(reason) => {
                    report.rejected.push(reject(document, None, None, reason));
                    continue;
                }
            };
            let id = value.get("id").and_then(Yaml::as_str).map(str::to_owned);
            let title = value.get("title").and_then(Yaml::as_str).map(str::to_owned);
            let fail = |reason: String| reject(document, id.clone(), title.clone(), reason);
            let Some(Yaml::Mapping(filter)) = value.get("filter") else {
                report
                    .rejected
                    .push(fail("not a Sigma filter: no `filter:` map".into()));
                continue;
            };
            let targets: Vec<String> = match filter.get("rules") {
                Some(Yaml::Sequence(items)) if !items.is_empty() => items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect(),
                Some(Yaml::String(one)) => vec![one.clone()],
                _ => {
                    report.rejected.push(fail(
                        "`filter: rules:` must list the ids of the rules to tune".into(),
                    ));
                    continue;
                }
            };
            // The filter's detection is a rule detection without `rules`.
            let mut detection = filter.clone();
            detection.remove("rules");
            let mut doc = yaml_serde::Mapping::new();
            for key in [
                "title",
                "id",
                "logsource",
                "description",
                "date",
                "modified",
            ] {
                if let Some(v) = value.get(key) {
                    doc.insert(Yaml::String(key.into()), v.clone());
                }
            }
            doc.insert(Yaml::String("detection".into()), Yaml::Mapping(detection));
            let doc = Yaml::Mapping(doc);
            let doc = match crate::pipeline::apply(&self.pipelines, &doc) {
                Ok(Some(transformed)) => transformed,
                Ok(None) => doc,
                Err(reason) => {
                    report.rejected.push(fail(reason));
                    continue;
                }
            };
            let mut compiled = match compile_document(&doc, origin) {
                Ok(rule) => rule,
                Err(error) => {
                    report.rejected.push(fail(error.reason));
                    continue;
                }
            };
            self.route(&mut compiled, &mut report.warnings);
            let f = self.filters.len();
            let tuning = self.tenants.entry(tenant).or_default();
            let mut unknown = Vec::new();
            for target in &targets {
                match self.by_id.get(target) {
                    Some(&r) => tuning.filters.entry(r).or_default().push(f),
                    None => unknown.push(target.clone()),
                }
            }
            if !unknown.is_empty() {
                report.warnings.push(Warning {
                    rule_id: compiled.meta.id.clone(),
                    path: Some(origin.to_path_buf()),
                    message: format!(
                        "filter for tenant {tenant} names rule(s) not loaded, nothing to tune \
                         there: {}",
                        unknown.join(", ")
                    ),
                });
            }
            report.filters.push(FilterMeta {
                tenant,
                id: compiled.meta.id.clone(),
                title: compiled.meta.title.clone(),
                path: Some(origin.to_path_buf()),
                rules: targets,
            });
            self.filters.push(compiled);
        }
    }

    /// Sets the `expand` placeholder values of `tenant` (placeholder name without `%` →
    /// values), replacing earlier ones. Rules using a placeholder the tenant does not give
    /// do not match on that value for its events; each is named in the returned warnings.
    pub fn set_tenant_placeholders(
        &mut self,
        tenant: TenantId,
        values: &std::collections::BTreeMap<String, Vec<String>>,
    ) -> Vec<Warning> {
        let mut warnings = Vec::new();
        let mut expanded = HashMap::new();
        for (r, rule) in self.rules.iter().enumerate() {
            if rule.expands.is_empty() {
                continue;
            }
            let mut missing: BTreeSet<String> = BTreeSet::new();
            let list: Vec<Expanded> = rule
                .expands
                .iter()
                .map(|e| match e.resolve(values) {
                    Ok(matchers) => Some(matchers),
                    Err(names) => {
                        missing.extend(names);
                        None
                    }
                })
                .collect();
            if !missing.is_empty() {
                warnings.push(Warning {
                    rule_id: rule.meta.id.clone(),
                    path: rule.meta.path.clone(),
                    message: format!(
                        "tenant {tenant} gives no value for placeholder(s) {}: those checks \
                         are false for its events",
                        missing
                            .iter()
                            .map(|n| format!("%{n}%"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            expanded.insert(r, list);
        }
        self.tenants.entry(tenant).or_default().expanded = expanded;
        warnings
    }

    /// Every matching rule found the slow way: each rule tried on the event through the
    /// first of its routes that accepts it, without the index or its literal prefilter. The
    /// reference [`RuleSet::evaluate`] is tested against; far slower.
    pub fn evaluate_unindexed(&self, event: &Event) -> Vec<&Rule> {
        let class = classify(&self.mapping, event);
        let tuning = self.tuning(event);
        self.rules
            .iter()
            .enumerate()
            .filter(|(r, rule)| {
                rule.variants
                    .iter()
                    .filter(|v| v.accepts(&class, event))
                    .any(|v| rule.eval(event, &rule.tables[v.table], expanded(tuning, *r)))
                    && !self.filtered(tuning, *r, event)
            })
            .map(|(_, rule)| rule)
            .collect()
    }

    /// The rules that run on this kind of event (whatever its values), with the label of
    /// the route each takes: found from every rule's routes, without the index (the
    /// reference for [`RuleSet::routed_count`] and for routing reports).
    pub fn routed(&self, event: &Event) -> Vec<(&Rule, &str)> {
        let class = classify(&self.mapping, event);
        self.rules
            .iter()
            .filter_map(|rule| {
                rule.variants
                    .iter()
                    .find(|v| v.accepts_kind(&class))
                    .map(|v| (rule, v.label.as_str()))
            })
            .collect()
    }

    /// How many (rule, route) pairs the event's kind has, before the literal prefilter.
    pub fn routed_count(&self, event: &Event) -> usize {
        self.index().bucket(&self.mapping, event).size
    }

    /// How many (rule, route) pairs pass the literal prefilter for this event (the
    /// detections actually evaluated).
    pub fn candidate_count(&self, event: &Event) -> usize {
        let mut count = 0;
        self.index()
            .candidates(&self.mapping, event, &mut |_| count += 1);
        count
    }

    /// Why the rule with index `rule` (in [`RuleSet::rules`] order) did or did not match.
    pub fn explain(&self, r: usize, event: &Event) -> Option<Explanation> {
        let rule = self.rules.get(r)?;
        let tuning = self.tuning(event);
        let expanded = expanded(tuning, r);
        let class = classify(&self.mapping, event);
        let event_kind = match (class.source, &class.typed) {
            (None, Some(typed)) => format!(
                "source type {typed}{}",
                class
                    .event_id
                    .map_or(String::new(), |id| format!(", event id {id}"))
            ),
            (None, None) => "no source type, no Windows channel".to_owned(),
            (Some(s), _) => format!(
                "{}: channel {:?}, event id {}",
                self.mapping.sources[s].name,
                class.channel.as_deref().unwrap_or_default(),
                class
                    .event_id
                    .map_or("none".to_owned(), |id| id.to_string())
            ),
        };
        let variant = rule.variants.iter().find(|v| v.accepts(&class, event));
        let searches = variant
            .map(|v| rule.explain(event, &rule.tables[v.table], expanded))
            .unwrap_or_default();
        let held = variant.is_some_and(|v| rule.eval(event, &rule.tables[v.table], expanded));
        let filtered = held && self.filtered(tuning, r, event);
        let matched = held && !filtered;
        Some(Explanation {
            rule_id: rule.meta.id.clone(),
            matched,
            route: variant.map(|v| v.label.clone()),
            event_kind,
            rule_routes: rule.variants.iter().map(|v| v.label.clone()).collect(),
            searches,
            filtered,
        })
    }
}

/// The folder of a rules directory holding per-tenant Sigma filters
/// (`filters/<tenant-slug>/*.yml`); [`RuleSet::load_dir`] leaves it to the caller, who
/// passes each file to [`RuleSet::add_tenant_filters`].
pub const FILTERS_DIR: &str = "filters";

/// The `expand` values of rule `r` resolved for the tenant (empty: none resolved).
fn expanded(tuning: Option<&Tuning>, r: usize) -> &[Expanded] {
    tuning
        .and_then(|t| t.expanded.get(&r))
        .map_or(&[][..], Vec::as_slice)
}

fn collect_files(root: &Path, dir: &Path, files: &mut Vec<PathBuf>, report: &mut LoadReport) {
    let relative = |path: &Path| path.strip_prefix(root).unwrap_or(path).to_path_buf();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            report.rejected.push(Rejection {
                path: relative(dir),
                document: 0,
                rule_id: None,
                title: None,
                reason: format!("cannot read directory: {error}"),
            });
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                report.rejected.push(Rejection {
                    path: relative(dir),
                    document: 0,
                    rule_id: None,
                    title: None,
                    reason: format!("cannot list directory: {error}"),
                });
                continue;
            }
        };
        // Hidden entries (an installed pack's generations, `.git`) are not rules.
        if crate::packs::is_hidden(&entry.file_name()) {
            continue;
        }
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        // An installed pack (`packs/<name>`) is a link to its files: followed.
        let pack =
            || kind.is_symlink() && crate::packs::is_pack_entry(root, &path) && path.is_dir();
        if kind.is_dir() || pack() {
            collect_files(root, &path, files, report);
        } else if is_rule_file(&path) && (kind.is_file() || path.is_file()) {
            files.push(relative(&path));
        }
    }
}

fn is_rule_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

/// Resolves where `rule` runs under `mapping` and where its fields are; records warnings.
fn route(mapping: &Mapping, rule: &mut Rule, warnings: &mut Vec<Warning>) {
    let ls = rule.meta.logsource.clone();
    let mut unmapped: BTreeSet<(String, String)> = BTreeSet::new();
    let mut variants = Vec::new();
    let mut tables: Vec<FieldTable> = Vec::new();
    let mut table_of = |table: FieldTable| -> usize {
        match tables.iter().position(|t| *t == table) {
            Some(i) => i,
            None => {
                tables.push(table);
                tables.len() - 1
            }
        }
    };
    match mapping.routing(&ls) {
        Routing::Custom {
            convention,
            unclassified,
            dormant,
        } => {
            let table = table_of(FieldTable::identity(&rule.fields));
            if unclassified {
                variants.push(Variant {
                    source: None,
                    source_type: None,
                    channels: None,
                    event_ids: None,
                    guard: Vec::new(),
                    table,
                    label: "events without a source type".into(),
                });
            }
            if let Some(convention) = convention {
                variants.push(Variant {
                    source: None,
                    label: format!("declared {convention}"),
                    source_type: Some(convention.into()),
                    channels: None,
                    event_ids: None,
                    guard: Vec::new(),
                    table,
                });
            }
            if let Some(reason) = dormant {
                warnings.push(Warning {
                    rule_id: rule.meta.id.clone(),
                    path: rule.meta.path.clone(),
                    message: format!("dormant: {reason}"),
                });
            }
        }
        Routing::Typed(routes) => {
            for route in routes {
                let paths = rule
                    .fields
                    .iter()
                    .map(|f| Some(Mapping::typed_paths(route.source, f).into_boxed_slice()))
                    .collect();
                let guard = route
                    .serves
                    .where_
                    .iter()
                    .map(|(field, value)| {
                        (
                            Mapping::typed_paths(route.source, field).into_boxed_slice(),
                            value.clone(),
                        )
                    })
                    .collect();
                let table = table_of(FieldTable { paths });
                variants.push(Variant {
                    source: None,
                    source_type: Some(route.source_type.into()),
                    channels: None,
                    event_ids: route.event_ids.map(<[i64]>::to_vec),
                    guard,
                    table,
                    label: route.label,
                });
            }
        }
        Routing::Dormant(reason) => warnings.push(Warning {
            rule_id: rule.meta.id.clone(),
            path: rule.meta.path.clone(),
            message: format!("never runs: {reason}"),
        }),
        Routing::AllWindows => {
            for (s, source) in mapping.sources.iter().enumerate() {
                let paths = rule
                    .fields
                    .iter()
                    .map(|f| {
                        mapping
                            .paths(source, None, &ls, f)
                            .map(Vec::into_boxed_slice)
                    })
                    .collect();
                let table = table_of(FieldTable { paths });
                variants.push(Variant {
                    source: Some(s),
                    source_type: None,
                    channels: None,
                    event_ids: None,
                    guard: Vec::new(),
                    table,
                    label: format!("{}: any channel", source.name),
                });
            }
        }
        Routing::Windows(routes) => {
            for (s, source) in mapping.sources.iter().enumerate() {
                for route in &routes {
                    let mut paths = Vec::with_capacity(rule.fields.len());
                    for field in &rule.fields {
                        let found = mapping.paths(source, route.route, &ls, field);
                        if found.is_none() {
                            unmapped.insert((route.label.clone(), field.clone()));
                        }
                        paths.push(found.map(Vec::into_boxed_slice));
                    }
                    let guard = route
                        .route
                        .map(|r| {
                            r.where_
                                .iter()
                                .map(|(field, value)| {
                                    let paths = mapping
                                        .paths(source, route.route, &ls, field)
                                        .unwrap_or_default();
                                    (paths.into_boxed_slice(), value.clone())
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let table = table_of(FieldTable { paths });
                    variants.push(Variant {
                        source: Some(s),
                        source_type: None,
                        channels: Some(route.channels.clone()),
                        event_ids: route.event_ids.map(<[i64]>::to_vec),
                        guard,
                        table,
                        label: format!("{}: {}", source.name, route.label),
                    });
                }
            }
        }
    }
    if !unmapped.is_empty() {
        let list: Vec<String> = unmapped
            .iter()
            .map(|(route, field)| format!("`{field}` on {route}"))
            .collect();
        warnings.push(Warning {
            rule_id: rule.meta.id.clone(),
            path: rule.meta.path.clone(),
            message: format!(
                "{} field(s) not carried by some events of its logsource, checks on them \
                 are false there: {}",
                unmapped.len(),
                list.join(", ")
            ),
        });
    }
    rule.variants = variants;
    rule.tables = tables;
}

/// What one document of a rule text became: a compiled, routed rule with its warnings, or a
/// rejection.
enum Outcome {
    Rule {
        rule: Box<Rule>,
        warnings: Vec<Warning>,
        /// 1-based index of the document in its text.
        document: usize,
    },
    Rejected(Rejection),
}

/// Compiles and routes the rule documents of one YAML text, independently of any other
/// text (so files compile on several threads), each put through `pipelines` first;
/// `origin` names it in metadata, derived ids and rejections. Duplicate ids are found when
/// the outcomes are merged into a set.
fn compile_text(
    mapping: &Mapping,
    pipelines: &[Pipeline],
    text: &str,
    origin: &Path,
) -> Vec<Outcome> {
    let reject = |document, rule_id, title, reason| {
        Outcome::Rejected(Rejection {
            path: origin.to_path_buf(),
            document,
            rule_id,
            title,
            reason,
        })
    };
    let mut outcomes = Vec::new();
    let mut documents = 0;
    let mut collection = false;
    for (document, value) in yaml_documents(text) {
        documents += 1;
        let value = match value {
            Ok(value) => value,
            Err(reason) => {
                outcomes.push(reject(document, None, None, reason));
                continue;
            }
        };
        if collection {
            outcomes.push(reject(
                document,
                None,
                None,
                "part of a Sigma 1.0 rule collection (`action:` in an earlier document), \
                 not supported"
                    .into(),
            ));
            continue;
        }
        if value.get("action").is_some() {
            collection = true;
        }
        let value = match crate::pipeline::apply(pipelines, &value) {
            Ok(Some(transformed)) => transformed,
            Ok(None) => value,
            Err(reason) => {
                let text = |key| value.get(key).and_then(Yaml::as_str).map(str::to_owned);
                outcomes.push(reject(document, text("id"), text("title"), reason));
                continue;
            }
        };
        match compile_document(&value, origin) {
            Ok(mut rule) => {
                let mut warnings = Vec::new();
                route(mapping, &mut rule, &mut warnings);
                let placeholders: BTreeSet<String> =
                    rule.expands.iter().flat_map(|e| e.names()).collect();
                if !placeholders.is_empty() {
                    warnings.push(Warning {
                        rule_id: rule.meta.id.clone(),
                        path: rule.meta.path.clone(),
                        message: format!(
                            "uses placeholder(s) {}: resolved per tenant from its \
                             configuration; those checks are false for tenants that give \
                             no value",
                            placeholders
                                .iter()
                                .map(|n| format!("%{n}%"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
                outcomes.push(Outcome::Rule {
                    rule: Box::new(rule),
                    warnings,
                    document,
                });
            }
            Err(error) => outcomes.push(reject(document, error.rule_id, error.title, error.reason)),
        }
    }
    if documents == 0 {
        outcomes.push(reject(
            0,
            None,
            None,
            "file contains no YAML document".into(),
        ));
    }
    outcomes
}

/// Deepest nesting of YAML flow collections (`[`, `{`) in a rule text: the YAML reader's
/// own recursion limit. Checked before the reader runs, because its scanner takes time
/// quadratic in the nesting before it reaches that limit (100,000 `[` took seconds).
pub(crate) const MAX_FLOW_NESTING: usize = 128;

/// The line where `[`/`{` outside quotes and comments first nest deeper than `max`, if they
/// do. An over-count (a bracket inside a plain scalar) only refuses texts that nest more
/// than `max` brackets, which no rule does.
pub(crate) fn flow_nesting_over(text: &str, max: usize) -> Option<usize> {
    let (mut depth, mut line) = (0usize, 1usize);
    let (mut single, mut double, mut comment, mut escaped) = (false, false, false, false);
    let mut previous = '\n';
    for c in text.chars() {
        if c == '\n' {
            line += 1;
            comment = false;
        } else if comment {
        } else if double {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                double = false;
            }
        } else if single {
            if c == '\'' {
                single = false;
            }
        } else {
            match c {
                // A quote opens a string only where a YAML scalar can start; inside a
                // plain scalar (`a"b`) it is a plain character.
                '#' if previous.is_whitespace() => comment = true,
                '"' if starts_scalar(previous) => double = true,
                '\'' if starts_scalar(previous) => single = true,
                '[' | '{' => {
                    depth += 1;
                    if depth > max {
                        return Some(line);
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        previous = c;
    }
    None
}

/// Whether a scalar may start after `previous`.
fn starts_scalar(previous: char) -> bool {
    previous.is_whitespace() || matches!(previous, '[' | '{' | ',' | ':' | '-')
}

/// Largest rule text read, in bytes: a file or draft over it is refused before the YAML
/// reader sees it (SigmaHQ's largest rule file is about 300 KB).
pub const MAX_RULE_TEXT_BYTES: usize = 4 * 1024 * 1024;

/// The YAML documents of a rule text, numbered from 1, empty ones left out. An invalid
/// document ends the list with its error (`invalid YAML: …`): the multi-document reader
/// would repeat it forever. A text over [`MAX_RULE_TEXT_BYTES`] is one error. The reader
/// itself bounds nesting (128 levels) and alias expansion (its "repetition limit"), so a
/// deep or "billion laughs" document is an error too, never a crash.
fn yaml_documents(text: &str) -> impl Iterator<Item = (usize, Result<Yaml, String>)> + '_ {
    let refusal = if text.len() > MAX_RULE_TEXT_BYTES {
        Some(format!(
            "rule text of {} bytes is over the limit of {MAX_RULE_TEXT_BYTES} bytes",
            text.len()
        ))
    } else {
        flow_nesting_over(text, MAX_FLOW_NESTING).map(|line| {
            format!(
                "invalid YAML: `[` and `{{` nest deeper than {MAX_FLOW_NESTING} levels at line {line}"
            )
        })
    };
    // A refused text never reaches the reader (which would parse it while iterating).
    let documents = refusal.is_none().then(|| {
        let mut failed = false;
        yaml_serde::Deserializer::from_str(text)
            .enumerate()
            .map_while(move |(index, deserializer)| {
                if failed {
                    return None;
                }
                let value = Yaml::deserialize(deserializer).map_err(|error| {
                    failed = true;
                    format!("invalid YAML: {error}")
                });
                Some((index + 1, value))
            })
            .filter(|(_, value)| !value.as_ref().is_ok_and(Yaml::is_null))
    });
    documents
        .into_iter()
        .flatten()
        .chain(refusal.map(|reason| (1, Err(reason))))
}

/// Most threads reading and compiling rule files.
const LOAD_THREADS: usize = 4;

/// Files per loading thread below which fewer threads are started.
const FILES_PER_THREAD: usize = 32;

/// Reads and compiles `files` (relative to `dir`), on up to [`LOAD_THREADS`] threads (as
/// many as the machine has cores); the outcomes come back in the order of `files`.
fn compile_files(
    mapping: &Mapping,
    pipelines: &[Pipeline],
    dir: &Path,
    files: &[PathBuf],
) -> Vec<Vec<Outcome>> {
    let load = |relative: &PathBuf| match std::fs::read_to_string(dir.join(relative)) {
        Ok(text) => compile_text(mapping, pipelines, &text, relative),
        Err(error) => vec![Outcome::Rejected(Rejection {
            path: relative.clone(),
            document: 0,
            rule_id: None,
            title: None,
            reason: format!("cannot read file: {error}"),
        })],
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(LOAD_THREADS)
        .min(files.len().div_ceil(FILES_PER_THREAD));
    if threads <= 1 {
        return files.iter().map(load).collect();
    }
    // Each thread takes the next file until none is left (files differ in size).
    let next = AtomicUsize::new(0);
    let mut results: Vec<Vec<Outcome>> = Vec::new();
    results.resize_with(files.len(), Vec::new);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(relative) = files.get(i) else {
                            return done;
                        };
                        done.push((i, load(relative)));
                    }
                })
            })
            .collect();
        for worker in workers {
            match worker.join() {
                Ok(done) => {
                    for (i, outcomes) in done {
                        results[i] = outcomes;
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    results
}
