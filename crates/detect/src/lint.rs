//! Linting Sigma rule files: what a rule author should fix, checked against the Sigma
//! specification (version 2.1: the rules specification, its modifiers and tags appendices,
//! correlation rules, filters, and the JSON schemas beside them).
//!
//! [`lint_text`] checks one file, which may hold several YAML documents (`---`): detection
//! rules, correlation rules (a top-level `correlation:`) and filters (a top-level `filter:`
//! and no `detection:`), each checked for what applies to its kind. [`lint_set`] checks
//! several files together: every file as [`lint_text`] does, plus ids and names used twice,
//! correlation rules and filters naming rules the set does not have, and correlation rules
//! that refer back to themselves.
//!
//! Each problem is a [`Finding`]: an [`Severity::Error`] when the document breaks the
//! specification (a tool must refuse it, or would read it otherwise than its author meant),
//! a [`Severity::Warning`] for what the specification recommends or deprecates. The check
//! names are stable and listed in [`CHECKS`]; messages name the offending value and where it
//! is (`detection.selection.Image|endswith|foo`).
//!
//! Rule texts may come from anyone who can submit a rule, so the linter is bounded like the
//! loader: a text over [`MAX_RULE_TEXT_BYTES`] or with flow collections nested deeper than
//! the YAML reader allows is refused with one finding before parsing, the YAML reader bounds
//! block nesting and alias expansion, a condition over [`MAX_CONDITION_BYTES`] is refused,
//! and conditions are checked without recursion, refusing `(` and `not` nested deeper than
//! [`MAX_CONDITION_NESTING`] (the loader's limits, so a rule that lints clean is not refused
//! for its size when loaded). Nothing here panics on any input.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use yaml_serde::{Mapping, Value as Yaml};

use crate::condition::{MAX_CONDITION_BYTES, MAX_CONDITION_NESTING};
use crate::ruleset::{MAX_FLOW_NESTING, MAX_RULE_TEXT_BYTES, flow_nesting_over};

/// How serious a [`Finding`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The document breaks the specification: tools must refuse it, or would read it
    /// otherwise than its author meant.
    Error,
    /// Something the specification recommends, discourages or deprecates.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem found in a rule file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file, as given to [`lint_text`] or [`lint_set`].
    pub path: PathBuf,
    /// 0-based index of the YAML document in the file (0 for problems of the whole file,
    /// such as a text too large to read).
    pub document: usize,
    /// The document's `id:` when it has one (as written, even when it is not a valid id).
    pub rule_id: Option<String>,
    /// Whether the problem is an error or a warning.
    pub severity: Severity,
    /// The stable kebab-case name of the check (see [`CHECKS`]), e.g. `unknown-modifier`.
    pub check: &'static str,
    /// What is wrong, naming the offending value and the field path where it is.
    pub message: String,
}

impl fmt::Display for Finding {
    /// `path (document N, id X): error[check]: message`, where N is the 0-based
    /// [`Finding::document`]; `, id X` is left out when the document has no id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (document {}", self.path.display(), self.document)?;
        if let Some(id) = &self.rule_id {
            write!(f, ", id {id}")?;
        }
        write!(f, "): {}[{}]: {}", self.severity, self.check, self.message)
    }
}

/// Every check [`lint_text`] and [`lint_set`] run: its name (the [`Finding::check`]) and
/// what it reports. Unless said otherwise a check reports errors.
pub const CHECKS: &[(&str, &str)] = &[
    (
        "file-too-large",
        "the text is over MAX_RULE_TEXT_BYTES and is not read",
    ),
    (
        "invalid-yaml",
        "the text is not valid YAML (line and column named)",
    ),
    ("empty-file", "the file holds no YAML document"),
    ("not-a-mapping", "a document is not a YAML mapping"),
    (
        "rule-collection",
        "a Sigma 1.0 rule collection document (`action:`)",
    ),
    ("missing-title", "no `title:`"),
    ("invalid-title", "`title:` is not a non-empty string"),
    (
        "field-too-long",
        "title, name, taxonomy or description over its length limit",
    ),
    (
        "invalid-field-type",
        "a field of the wrong YAML type (e.g. `author:` a list)",
    ),
    ("missing-id", "warning: no `id:`"),
    (
        "invalid-id",
        "`id:` is not a UUID (a warning for correlation rules and filters)",
    ),
    (
        "uppercase-id",
        "warning: `id:` is a UUID with uppercase hex digits",
    ),
    (
        "invalid-status",
        "`status:` is not stable/test/experimental/deprecated/unsupported",
    ),
    (
        "deprecated-without-related",
        "warning: `status: deprecated` without `related:`",
    ),
    (
        "invalid-level",
        "`level:` is not informational/low/medium/high/critical",
    ),
    ("missing-level", "warning: no `level:`"),
    (
        "missing-description",
        "warning: no `description:` (recommended)",
    ),
    ("missing-author", "warning: no `author:` (recommended)"),
    (
        "invalid-date",
        "`date:`/`modified:` is not a real date written YYYY-MM-DD",
    ),
    (
        "deprecated-date-format",
        "warning: `date:`/`modified:` written YYYY/MM/DD",
    ),
    (
        "modified-before-date",
        "warning: `modified:` is earlier than `date:`",
    ),
    (
        "invalid-tag",
        "a tag that is not `namespace.value` in [a-z0-9_.-]",
    ),
    (
        "invalid-attack-tag",
        "an ATT&CK id tag of the wrong form (`attack.t1234.001`)",
    ),
    (
        "unknown-tag-namespace",
        "warning: a tag namespace the tags appendix does not define",
    ),
    (
        "unknown-tag-value",
        "warning: a tag value its namespace does not define",
    ),
    (
        "deprecated-tag",
        "warning: a Sigma 1.0 tag with `_` where 2.0 uses `-`",
    ),
    ("duplicate-tag", "warning: the same tag twice"),
    (
        "invalid-related",
        "a `related:` entry without a UUID `id` and a known `type`",
    ),
    (
        "deprecated-related-type",
        "warning: `related` type `obsoletes` (now `obsolete`)",
    ),
    (
        "not-a-list",
        "warning: `references:`/`falsepositives:` is not a list",
    ),
    (
        "misspelled-field",
        "warning: a top-level key that looks like a misspelled field",
    ),
    (
        "unexpected-field",
        "warning: a field the document's kind does not use",
    ),
    (
        "deprecated-field",
        "warning: `detection.timeframe` (Sigma 1.0 aggregations)",
    ),
    ("missing-logsource", "no `logsource:`"),
    (
        "invalid-logsource",
        "`logsource:` not a map of strings with product/category/service",
    ),
    (
        "logsource-value-format",
        "warning: a logsource value not lowercase [a-z0-9_.-]",
    ),
    ("missing-detection", "no `detection:`"),
    (
        "invalid-detection",
        "`detection:` is not a map, or has no search identifier",
    ),
    (
        "missing-condition",
        "no `condition:` in the detection or filter",
    ),
    (
        "invalid-condition",
        "a condition that does not parse, or is not a string",
    ),
    ("condition-too-long", "a condition over MAX_CONDITION_BYTES"),
    (
        "condition-too-deep",
        "`(` and `not` nested deeper than MAX_CONDITION_NESTING",
    ),
    (
        "deprecated-aggregation",
        "warning: a Sigma 1.0 `| count() ...` aggregation",
    ),
    (
        "nonstandard-quantifier",
        "warning: `any of` or `N of` (the specification has 1/all)",
    ),
    (
        "undefined-identifier",
        "the condition names an identifier (or pattern) not defined",
    ),
    (
        "unused-identifier",
        "warning: a search identifier the condition never uses",
    ),
    (
        "invalid-identifier-name",
        "a search identifier a condition cannot name",
    ),
    (
        "invalid-search-identifier",
        "a search identifier that is not a map or list of them",
    ),
    (
        "unknown-modifier",
        "a value modifier the modifiers appendix does not define",
    ),
    (
        "conflicting-modifiers",
        "modifiers that cannot be combined (`re|contains`)",
    ),
    (
        "invalid-value",
        "a value its modifiers cannot take (`exists` not boolean, ...)",
    ),
    (
        "invalid-regex",
        "an `re` value the regex engine cannot compile",
    ),
    (
        "invalid-cidr",
        "a `cidr` value that is not an IPv4/IPv6 network",
    ),
    ("single-value-all", "the `all` modifier on a single value"),
    ("null-in-list", "`null` inside a list of values"),
    (
        "invalid-correlation",
        "a correlation section missing or malformed",
    ),
    (
        "invalid-correlation-type",
        "a correlation `type` the specification does not define",
    ),
    (
        "invalid-timespan",
        "a `timespan` not written number + s/m/h/d",
    ),
    (
        "invalid-correlation-condition",
        "a correlation `condition` malformed",
    ),
    ("invalid-filter", "a filter section missing or malformed"),
    (
        "missing-filter-selection",
        "warning: a filter without a `selection` identifier",
    ),
    (
        "duplicate-id",
        "an id used by two documents (within a file or across files)",
    ),
    ("duplicate-name", "a `name:` used by two documents"),
    (
        "unknown-rule-reference",
        "a correlation or filter naming a rule not in the set",
    ),
    (
        "correlation-cycle",
        "a correlation rule that refers back to itself",
    ),
];

/// Checks one rule file, `text`, read from `path` (used only in the findings). Every YAML
/// document is checked for its kind (detection rule, correlation rule or filter); ids and
/// names used twice within the file are reported. References to other rules are not
/// checked: they may live in other files (see [`lint_set`]).
pub fn lint_text(text: &str, path: &Path) -> Vec<Finding> {
    lint_file(text, path).findings
}

/// Checks several rule files, `(path, text)`, together: every file as [`lint_text`] does,
/// and across files ids and names used twice, correlation rules and filters naming rule ids
/// or names that are in none of the files, and correlation chains that loop. Findings come
/// file by file in the order given, by document within a file.
pub fn lint_set(files: &[(PathBuf, String)]) -> Vec<Finding> {
    let linted: Vec<Linted> = files
        .iter()
        .map(|(path, text)| lint_file(text, path))
        .collect();
    // (file index, finding) so cross-file findings sort in with the file's own.
    let mut extra: Vec<(usize, Finding)> = Vec::new();
    let finding = |file: usize, doc: &DocInfo, check: &'static str, message: String| {
        debug_assert!(listed(check), "check {check} is not in CHECKS");
        Finding {
            path: files[file].0.clone(),
            document: doc.document,
            rule_id: doc.id.clone(),
            severity: Severity::Error,
            check,
            message,
        }
    };

    // Ids and names used twice across files (within a file, lint_file reported them).
    for (check, what) in [("duplicate-id", "id"), ("duplicate-name", "name")] {
        let mut first: HashMap<&str, (usize, usize)> = HashMap::new();
        let mut in_file: HashSet<(usize, &str)> = HashSet::new();
        for (file, linted) in linted.iter().enumerate() {
            for doc in &linted.docs {
                let value = if what == "id" { &doc.id } else { &doc.name };
                let Some(value) = value.as_deref() else {
                    continue;
                };
                if !in_file.insert((file, value)) {
                    continue;
                }
                match first.get(value) {
                    Some(&(other, document)) => extra.push((
                        file,
                        finding(
                            file,
                            doc,
                            check,
                            format!(
                                "{what} `{}` is also used by {} (document {document})",
                                clip(value),
                                files[other].0.display()
                            ),
                        ),
                    )),
                    None => {
                        first.insert(value, (file, doc.document));
                    }
                }
            }
        }
    }

    // References: correlation `rules:` name rules or correlations; filter `rules:` too.
    let mut known: HashMap<&str, (usize, usize)> = HashMap::new();
    for (file, linted) in linted.iter().enumerate() {
        for (index, doc) in linted.docs.iter().enumerate() {
            if doc.kind == Kind::Filter {
                continue;
            }
            for key in doc.id.iter().chain(doc.name.iter()) {
                known.entry(key.as_str()).or_insert((file, index));
            }
        }
    }
    for (file, linted) in linted.iter().enumerate() {
        for doc in &linted.docs {
            let field = match doc.kind {
                Kind::Correlation => "correlation.rules",
                Kind::Filter => "filter.rules",
                Kind::Rule => continue,
            };
            for reference in &doc.refs {
                if !known.contains_key(reference.as_str()) {
                    extra.push((
                        file,
                        finding(
                            file,
                            doc,
                            "unknown-rule-reference",
                            format!(
                                "{field} names `{}`, which is the id or name of no rule in the set",
                                clip(reference)
                            ),
                        ),
                    ));
                }
            }
        }
    }

    // Correlation chains that loop: a correlation reaching itself through `rules:`.
    for (file, linted_file) in linted.iter().enumerate() {
        for (index, doc) in linted_file.docs.iter().enumerate() {
            if doc.kind != Kind::Correlation {
                continue;
            }
            if let Some(path) = cycle_from(&linted, &known, (file, index)) {
                extra.push((
                    file,
                    finding(
                        file,
                        doc,
                        "correlation-cycle",
                        format!(
                            "correlation.rules refer back to this rule: {}",
                            path.join(" -> ")
                        ),
                    ),
                ));
            }
        }
    }

    let mut out: Vec<(usize, Finding)> = linted
        .into_iter()
        .enumerate()
        .flat_map(|(file, l)| l.findings.into_iter().map(move |f| (file, f)))
        .collect();
    out.extend(extra);
    // Stable: within a document, the file's own findings come first.
    out.sort_by_key(|(file, f)| (*file, f.document));
    out.into_iter().map(|(_, f)| f).collect()
}

/// The shortest chain of correlation references from `start` back to itself, as labels
/// (name, else id), if there is one. Breadth-first over an explicit queue: no recursion.
fn cycle_from(
    linted: &[Linted],
    known: &HashMap<&str, (usize, usize)>,
    start: (usize, usize),
) -> Option<Vec<String>> {
    let doc = |(file, index): (usize, usize)| &linted[file].docs[index];
    let label = |node: (usize, usize)| {
        let d = doc(node);
        clip(d.name.as_deref().or(d.id.as_deref()).unwrap_or("?"))
    };
    let mut previous: HashMap<(usize, usize), (usize, usize)> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for reference in &doc(node).refs {
            let Some(&next) = known.get(reference.as_str()) else {
                continue;
            };
            if doc(next).kind != Kind::Correlation {
                continue;
            }
            if next == start {
                // start -> ... -> node -> start, following the parents back from node.
                let mut back = Vec::new();
                let mut at = node;
                while at != start {
                    back.push(label(at));
                    match previous.get(&at) {
                        Some(&parent) => at = parent,
                        None => break,
                    }
                }
                back.reverse();
                let mut chain = vec![label(start)];
                chain.extend(back);
                chain.push(label(start));
                return Some(chain);
            }
            if let std::collections::hash_map::Entry::Vacant(entry) = previous.entry(next) {
                entry.insert(node);
                queue.push_back(next);
            }
        }
    }
    None
}

/// Whether `check` is one of [`CHECKS`].
fn listed(check: &str) -> bool {
    CHECKS.iter().any(|(name, _)| *name == check)
}

/// The kinds of Sigma documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Rule,
    Correlation,
    Filter,
}

/// What [`lint_set`] needs to know of one document.
#[derive(Debug)]
struct DocInfo {
    document: usize,
    kind: Kind,
    /// `id:` when it is a string.
    id: Option<String>,
    /// `name:` when it is a string.
    name: Option<String>,
    /// The rule ids or names a correlation or filter refers to (`rules:`).
    refs: Vec<String>,
}

/// The findings of one file and what cross-file checks need of its documents.
struct Linted {
    findings: Vec<Finding>,
    docs: Vec<DocInfo>,
}

/// Where findings of one document go.
struct Sink<'a> {
    path: &'a Path,
    document: usize,
    rule_id: Option<String>,
    findings: &'a mut Vec<Finding>,
}

impl Sink<'_> {
    fn push(&mut self, severity: Severity, check: &'static str, message: String) {
        debug_assert!(listed(check), "check {check} is not in CHECKS");
        self.findings.push(Finding {
            path: self.path.to_path_buf(),
            document: self.document,
            rule_id: self.rule_id.clone(),
            severity,
            check,
            message,
        });
    }

    fn error(&mut self, check: &'static str, message: String) {
        self.push(Severity::Error, check, message);
    }

    fn warning(&mut self, check: &'static str, message: String) {
        self.push(Severity::Warning, check, message);
    }
}

/// Most characters of a value quoted in a message.
const SHOWN_CHARS: usize = 80;

/// `text` cut to [`SHOWN_CHARS`] characters (with `…`), line breaks written `\n`.
fn clip(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == SHOWN_CHARS {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

/// A YAML value as a message shows it.
fn show(value: &Yaml) -> String {
    match value {
        Yaml::Null => "null".into(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        Yaml::String(s) => format!("'{}'", clip(s)),
        Yaml::Sequence(_) => "a list".into(),
        Yaml::Mapping(_) => "a map".into(),
        Yaml::Tagged(tagged) => format!("a value tagged `{}`", clip(&tagged.tag.to_string())),
    }
}

/// A mapping key as text (`None` for lists, maps and tagged keys).
fn key_text(key: &Yaml) -> Option<String> {
    match key {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Null => Some("null".into()),
        _ => None,
    }
}

/// The documents of a text, as the YAML reader gives them.
struct Documents {
    /// Each non-empty document with its 0-based index.
    parsed: Vec<(usize, Yaml)>,
    /// The index and error of an invalid document, which ends the list.
    failure: Option<(usize, String)>,
}

/// The YAML documents of `text` with their 0-based index (empty documents left out), and
/// the error ending the list if a document is invalid: the reader cannot go on after one.
fn parse_documents(text: &str) -> Documents {
    let mut documents = Vec::new();
    for (index, deserializer) in yaml_serde::Deserializer::from_str(text).enumerate() {
        match Yaml::deserialize(deserializer) {
            Ok(Yaml::Null) => {}
            Ok(value) => documents.push((index, value)),
            Err(error) => {
                let mut message = error.to_string();
                if let Some(location) = error.location()
                    && !message.contains("line")
                {
                    message.push_str(&format!(
                        " at line {} column {}",
                        location.line(),
                        location.column()
                    ));
                }
                return Documents {
                    parsed: documents,
                    failure: Some((index, message)),
                };
            }
        }
    }
    Documents {
        parsed: documents,
        failure: None,
    }
}

/// Lints one file: every document, then ids and names used twice within it.
fn lint_file(text: &str, path: &Path) -> Linted {
    let mut findings = Vec::new();
    let mut file_sink = Sink {
        path,
        document: 0,
        rule_id: None,
        findings: &mut findings,
    };
    if text.len() > MAX_RULE_TEXT_BYTES {
        file_sink.error(
            "file-too-large",
            format!(
                "rule text of {} bytes is over the limit of {MAX_RULE_TEXT_BYTES} bytes; not read",
                text.len()
            ),
        );
        return Linted {
            findings,
            docs: Vec::new(),
        };
    }
    if let Some(line) = flow_nesting_over(text, MAX_FLOW_NESTING) {
        file_sink.error(
            "invalid-yaml",
            format!(
                "invalid YAML: `[` and `{{` nest deeper than {MAX_FLOW_NESTING} levels at line {line}"
            ),
        );
        return Linted {
            findings,
            docs: Vec::new(),
        };
    }
    let Documents {
        parsed: documents,
        failure,
    } = parse_documents(text);
    if documents.is_empty() && failure.is_none() {
        file_sink.error("empty-file", "the file holds no YAML document".into());
    }

    // Rules and correlations a correlation of this file refers to: the specification lets
    // only the outermost correlation carry meta information, so they need no level etc.
    let mut inner: HashSet<String> = HashSet::new();
    for (_, doc) in &documents {
        if let Some(Yaml::Sequence(rules)) = doc
            .as_mapping()
            .and_then(|m| m.get("correlation"))
            .and_then(Yaml::as_mapping)
            .and_then(|c| c.get("rules"))
        {
            inner.extend(rules.iter().filter_map(|r| r.as_str().map(str::to_owned)));
        }
    }

    let mut docs = Vec::new();
    for (position, (index, doc)) in documents.iter().enumerate() {
        let collection = doc.as_mapping().and_then(|m| m.get("action"));
        if let Some(action) = collection {
            // The documents after it are fragments completed by it: one finding says it all.
            Sink {
                path,
                document: *index,
                rule_id: doc
                    .as_mapping()
                    .and_then(|m| m.get("id"))
                    .and_then(Yaml::as_str)
                    .map(str::to_owned),
                findings: &mut findings,
            }
            .error(
                "rule-collection",
                format!(
                    "`action: {}` starts a Sigma 1.0 rule collection (this document and the {} \
                     after it), which Sigma 2 no longer has; write each rule as a complete \
                     document",
                    clip(&key_text(action).unwrap_or_default()),
                    documents.len() - position - 1
                ),
            );
            break;
        }
        if let Some(info) = lint_document(doc, *index, path, &inner, &mut findings) {
            docs.push(info);
        }
    }
    if let Some((index, message)) = failure {
        Sink {
            path,
            document: index,
            rule_id: None,
            findings: &mut findings,
        }
        .error("invalid-yaml", format!("invalid YAML: {message}"));
    }

    // Ids and names used twice within the file.
    for (check, what) in [("duplicate-id", "id"), ("duplicate-name", "name")] {
        let mut first: HashMap<&str, usize> = HashMap::new();
        for doc in &docs {
            let value = if what == "id" { &doc.id } else { &doc.name };
            let Some(value) = value else { continue };
            match first.get(value.as_str()) {
                Some(&other) => Sink {
                    path,
                    document: doc.document,
                    rule_id: doc.id.clone(),
                    findings: &mut findings,
                }
                .error(
                    check,
                    format!(
                        "{what} `{}` is also used by document {other} of this file",
                        clip(value)
                    ),
                ),
                None => {
                    first.insert(value, doc.document);
                }
            }
        }
    }
    findings.sort_by_key(|f| f.document);
    Linted { findings, docs }
}

/// Lints one document; `None` when it is not a mapping (nothing for the cross-file checks).
fn lint_document(
    doc: &Yaml,
    document: usize,
    path: &Path,
    inner: &HashSet<String>,
    findings: &mut Vec<Finding>,
) -> Option<DocInfo> {
    let map = doc.as_mapping();
    let id = map
        .and_then(|m| m.get("id"))
        .and_then(|v| key_text(v).filter(|_| !matches!(v, Yaml::Null)));
    let mut sink = Sink {
        path,
        document,
        rule_id: id.clone(),
        findings,
    };
    let Some(map) = map else {
        sink.error(
            "not-a-mapping",
            format!(
                "the document is {}, not a map of fields (title, logsource, detection, ...)",
                show(doc)
            ),
        );
        return None;
    };
    let kind = if map.contains_key("correlation") {
        Kind::Correlation
    } else if map.contains_key("filter") && !map.contains_key("detection") {
        Kind::Filter
    } else {
        Kind::Rule
    };
    let name = match map.get("name") {
        Some(Yaml::String(s)) => Some(s.clone()),
        _ => None,
    };
    let is_inner = id.iter().chain(name.iter()).any(|k| inner.contains(k));
    lint_meta(&mut sink, map, kind, is_inner);
    let refs = match kind {
        Kind::Rule => {
            lint_logsource(&mut sink, map);
            match map.get("detection") {
                None => sink.error("missing-detection", "no `detection:` section".into()),
                Some(Yaml::Mapping(detection)) => {
                    lint_detection(
                        &mut sink,
                        detection,
                        "detection",
                        &["condition", "timeframe"],
                    );
                }
                Some(other) => sink.error(
                    "missing-detection",
                    format!("`detection:` is {}, not a map", show(other)),
                ),
            }
            Vec::new()
        }
        Kind::Correlation => {
            for field in ["detection", "logsource"] {
                if map.contains_key(field) {
                    sink.warning(
                        "unexpected-field",
                        format!(
                            "`{field}:` in a correlation rule is not used: correlation rules \
                             match through the rules they name"
                        ),
                    );
                }
            }
            lint_correlation(&mut sink, map)
        }
        Kind::Filter => {
            lint_logsource(&mut sink, map);
            lint_filter(&mut sink, map)
        }
    };
    Some(DocInfo {
        document,
        kind,
        id,
        name,
        refs,
    })
}

/// Top-level fields of the three kinds of documents; other keys are custom fields (allowed)
/// unless they look like a misspelling of one of these.
const KNOWN_FIELDS: &[&str] = &[
    "title",
    "id",
    "name",
    "related",
    "taxonomy",
    "status",
    "description",
    "license",
    "references",
    "author",
    "date",
    "modified",
    "logsource",
    "detection",
    "fields",
    "falsepositives",
    "level",
    "tags",
    "scope",
    "correlation",
    "filter",
    "generate",
];

/// Rule metadata: everything but logsource, detection, correlation and filter sections.
fn lint_meta(sink: &mut Sink<'_>, map: &Mapping, kind: Kind, inner: bool) {
    // Keys: lowercase, and no near-miss of a known field.
    for key in map.keys() {
        let Some(key) = key_text(key) else {
            sink.error(
                "invalid-field-type",
                format!("top-level key {} is not a string", show(key)),
            );
            continue;
        };
        if KNOWN_FIELDS.contains(&key.as_str()) {
            continue;
        }
        let lower = key.to_lowercase();
        if let Some(known) = KNOWN_FIELDS
            .iter()
            .find(|k| **k == lower || (k.len() >= 4 && within_one_edit(k, &lower)))
        {
            sink.warning(
                "misspelled-field",
                format!(
                    "top-level key `{}` looks like a misspelling of `{known}` (keys are lowercase); \
                     as written it is a custom field and is ignored",
                    clip(&key)
                ),
            );
        }
    }

    // title: mandatory string, at most 256 characters.
    match map.get("title") {
        None => sink.error("missing-title", "no `title:`".into()),
        Some(Yaml::String(title)) if title.trim().is_empty() => {
            sink.error("invalid-title", "`title:` is empty".into());
        }
        Some(Yaml::String(title)) => {
            let length = title.chars().count();
            if length > 256 {
                sink.error(
                    "field-too-long",
                    format!(
                        "`title:` '{}' is {length} characters long, over the limit of 256",
                        clip(title)
                    ),
                );
            }
        }
        Some(other) => sink.error(
            "invalid-title",
            format!("`title:` is {}, not a string", show(other)),
        ),
    }

    // id: optional (recommended), a UUID.
    match map.get("id") {
        None | Some(Yaml::Null) => sink.warning(
            "missing-id",
            "no `id:`; a rule should have a random UUID as a globally unique id".into(),
        ),
        Some(Yaml::String(id)) => lint_uuid(sink, id, "id", kind == Kind::Rule),
        Some(other) => sink.error(
            "invalid-id",
            format!("`id:` is {}, not a UUID string", show(other)),
        ),
    }

    // Strings with length limits.
    for (field, limit) in [
        ("name", Some(256)),
        ("taxonomy", Some(256)),
        ("description", Some(65_535)),
        ("license", None),
        ("author", None),
    ] {
        match map.get(field) {
            None => {}
            Some(Yaml::String(text)) => {
                let length = text.chars().count();
                if let Some(limit) = limit
                    && length > limit
                {
                    sink.error(
                        "field-too-long",
                        format!(
                            "`{field}:` '{}' is {length} characters long, over the limit of {limit}",
                            clip(text)
                        ),
                    );
                }
            }
            Some(other) => sink.error(
                "invalid-field-type",
                format!(
                    "`{field}:` is {}, not a string{}",
                    show(other),
                    if field == "author" {
                        " (several authors are separated by commas)"
                    } else {
                        ""
                    }
                ),
            ),
        }
    }

    // Recommended fields; rules a correlation of the file refers to may leave them out.
    if !inner {
        if !map.contains_key("description") {
            sink.warning(
                "missing-description",
                "recommended field `description:` is missing".into(),
            );
        }
        if kind != Kind::Filter && !map.contains_key("author") {
            sink.warning(
                "missing-author",
                "recommended field `author:` is missing".into(),
            );
        }
        if kind != Kind::Filter && !map.contains_key("level") {
            sink.warning(
                "missing-level",
                "no `level:`; tools then pick a criticality the author did not choose".into(),
            );
        }
    }

    // status and level: filters have neither.
    for field in ["status", "level"] {
        let Some(value) = map.get(field) else {
            continue;
        };
        if kind == Kind::Filter {
            sink.warning(
                "unexpected-field",
                format!(
                    "`{field}: {}` in a filter is not used: a filter only changes the rules it names",
                    show(value)
                ),
            );
            continue;
        }
        let (allowed, check): (&[&str], _) = if field == "status" {
            (
                &[
                    "stable",
                    "test",
                    "experimental",
                    "deprecated",
                    "unsupported",
                ],
                "invalid-status",
            )
        } else {
            (
                &["informational", "low", "medium", "high", "critical"],
                "invalid-level",
            )
        };
        match value {
            Yaml::String(s) if allowed.contains(&s.as_str()) => {}
            other => sink.error(
                check,
                format!(
                    "`{field}:` is {}; expected one of {}",
                    show(other),
                    allowed.join(", ")
                ),
            ),
        }
    }
    if map.get("status").and_then(Yaml::as_str) == Some("deprecated")
        && !map.contains_key("related")
    {
        sink.warning(
            "deprecated-without-related",
            "`status: deprecated` without `related:` naming the rule that replaces it".into(),
        );
    }

    // date and modified.
    let date = map.get("date").and_then(|v| lint_date(sink, "date", v));
    let modified = map
        .get("modified")
        .and_then(|v| lint_date(sink, "modified", v));
    if let (Some(date), Some(modified)) = (date, modified)
        && modified < date
    {
        sink.warning(
            "modified-before-date",
            format!(
                "`modified:` {:04}-{:02}-{:02} is earlier than `date:` {:04}-{:02}-{:02}",
                modified.0, modified.1, modified.2, date.0, date.1, date.2
            ),
        );
    }

    if let Some(tags) = map.get("tags") {
        lint_tags(sink, tags);
    }
    if let Some(related) = map.get("related") {
        lint_related(sink, related);
    }

    // Lists of strings. falsepositives may be a string in correlation rules (their schema).
    for field in ["references", "falsepositives", "fields", "scope"] {
        let Some(value) = map.get(field) else {
            continue;
        };
        match value {
            Yaml::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    if !matches!(item, Yaml::String(_)) {
                        sink.error(
                            "invalid-field-type",
                            format!("`{field}[{i}]` is {}, not a string", show(item)),
                        );
                    }
                }
            }
            Yaml::String(_) if field == "falsepositives" && kind == Kind::Correlation => {}
            Yaml::String(s) if matches!(field, "references" | "falsepositives") => sink.warning(
                "not-a-list",
                format!("`{field}:` is the string '{}', not a list", clip(s)),
            ),
            other => sink.error(
                "invalid-field-type",
                format!("`{field}:` is {}, not a list of strings", show(other)),
            ),
        }
    }
    if let Some(generate) = map.get("generate")
        && !matches!(generate, Yaml::Bool(_))
    {
        sink.error(
            "invalid-field-type",
            format!("`generate:` is {}, not true or false", show(generate)),
        );
    }
}

/// Whether `a` and `b` differ by at most one inserted, deleted or replaced character.
fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    if short.len() == long.len() {
        short[prefix..]
            .iter()
            .skip(1)
            .eq(long[prefix..].iter().skip(1))
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

/// Whether `text` is a UUID: 8-4-4-4-12 hex digits, any version.
fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Checks a UUID string at `field`: not a UUID is an error when `required`, else a warning
/// (correlation rules and filters: "recommended but not mandatory").
fn lint_uuid(sink: &mut Sink<'_>, id: &str, field: &str, required: bool) {
    if !is_uuid(id) {
        let message = format!(
            "`{field}:` '{}' is not a UUID (8-4-4-4-12 hex digits, e.g. \
             929a690e-bef0-4204-a928-ef5e620d6fcc)",
            clip(id)
        );
        if required {
            sink.error("invalid-id", message);
        } else {
            sink.warning("invalid-id", message);
        }
    } else if id.bytes().any(|b| b.is_ascii_uppercase()) {
        sink.warning(
            "uppercase-id",
            format!(
                "`{field}:` '{id}' has uppercase hex digits; write UUIDs in lowercase ('{}')",
                id.to_ascii_lowercase()
            ),
        );
    }
}

/// Checks `date:` or `modified:`; the date as (year, month, day) when it is one.
fn lint_date(sink: &mut Sink<'_>, field: &str, value: &Yaml) -> Option<(i16, i8, i8)> {
    let Yaml::String(text) = value else {
        sink.error(
            "invalid-date",
            format!(
                "`{field}:` is {}, not a date written YYYY-MM-DD",
                show(value)
            ),
        );
        return None;
    };
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range.clone())
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .and_then(|_| text.get(range))
            .and_then(|d| d.parse::<i16>().ok())
    };
    let separator = bytes.get(4).copied();
    let parsed = (bytes.len() == 10 && matches!(separator, Some(b'-' | b'/')))
        .then(|| {
            let year = digits(0..4)?;
            let month = i8::try_from(digits(5..7)?).ok()?;
            let day = i8::try_from(digits(8..10)?).ok()?;
            (bytes.get(7).copied() == separator && jiff::civil::Date::new(year, month, day).is_ok())
                .then_some((year, month, day))
        })
        .flatten();
    match (parsed, separator) {
        (Some(date), Some(b'-')) => Some(date),
        (Some(date), _) => {
            sink.warning(
                "deprecated-date-format",
                format!(
                    "`{field}:` '{text}' uses the deprecated date format YYYY/MM/DD; write {:04}-{:02}-{:02}",
                    date.0, date.1, date.2
                ),
            );
            Some(date)
        }
        (None, _) => {
            sink.error(
                "invalid-date",
                format!(
                    "`{field}:` '{}' is not a real date written YYYY-MM-DD",
                    clip(text)
                ),
            );
            None
        }
    }
}

/// ATT&CK tactics: the tags appendix's, and those ATT&CK added since (reconnaissance and
/// resource development; stealth and defense impairment, which split defense evasion).
const ATTACK_TACTICS: &[&str] = &[
    "reconnaissance",
    "resource-development",
    "initial-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "defense-evasion",
    "stealth",
    "defense-impairment",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
    "exfiltration",
    "impact",
];

/// Checks `tags:` against the tags appendix.
fn lint_tags(sink: &mut Sink<'_>, tags: &Yaml) {
    let Yaml::Sequence(tags) = tags else {
        sink.error(
            "invalid-field-type",
            format!("`tags:` is {}, not a list of strings", show(tags)),
        );
        return;
    };
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, tag) in tags.iter().enumerate() {
        let Yaml::String(tag) = tag else {
            sink.error(
                "invalid-tag",
                format!("`tags[{i}]` is {}, not a string", show(tag)),
            );
            continue;
        };
        if !seen.insert(tag.as_str()) {
            sink.warning(
                "duplicate-tag",
                format!("tag '{}' is given twice", clip(tag)),
            );
            continue;
        }
        lint_tag(sink, tag);
    }
}

/// Checks one tag: syntax, namespace and the value forms the namespace defines.
fn lint_tag(sink: &mut Sink<'_>, tag: &str) {
    let Some((namespace, value)) = tag.split_once('.') else {
        sink.error(
            "invalid-tag",
            format!(
                "tag '{}' has no namespace; tags are `namespace.value` (e.g. attack.t1059)",
                clip(tag)
            ),
        );
        return;
    };
    let namespace_ok = !namespace.is_empty()
        && namespace
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    // The appendix's own D3FEND artifact example (`d3fend.d3f-WindowsNtOpenFile`) keeps
    // the artifact's capitals.
    let value_ok = !value.is_empty()
        && value.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'_' | b'-' | b'.')
                || (namespace == "d3fend" && b.is_ascii_uppercase())
        });
    if !namespace_ok || !value_ok {
        sink.error(
            "invalid-tag",
            format!(
                "tag '{}' is not `namespace.value` in lowercase letters, digits, `_`, `-` and `.`",
                clip(tag)
            ),
        );
        return;
    }
    let unknown_value = |sink: &mut Sink<'_>, expected: &str| {
        sink.warning(
            "unknown-tag-value",
            format!("tag '{}': `{namespace}` tags are {expected}", clip(tag)),
        );
    };
    let deprecated = |sink: &mut Sink<'_>, replacement: &str| {
        sink.warning(
            "deprecated-tag",
            format!(
                "tag '{}' uses the Sigma 1.0 `_` form; Sigma 2.0 writes '{namespace}.{replacement}'",
                clip(tag)
            ),
        );
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match namespace {
        "attack" => {
            let id_prefix = ["ds", "t", "g", "s", "m", "a"].into_iter().find(|p| {
                value
                    .strip_prefix(p)
                    .is_some_and(|rest| rest.bytes().next().is_some_and(|b| b.is_ascii_digit()))
            });
            if let Some(prefix) = id_prefix {
                let rest = &value[prefix.len()..];
                let ok = match (prefix, rest.split_once('.')) {
                    ("t", Some((technique, sub))) => digits(technique, 4) && digits(sub, 3),
                    (_, None) => digits(rest, 4),
                    _ => false,
                };
                if !ok {
                    sink.error(
                        "invalid-attack-tag",
                        format!(
                            "tag '{}' is not an ATT&CK id: techniques are attack.tNNNN or \
                             attack.tNNNN.NNN, groups attack.gNNNN, software attack.sNNNN, \
                             data sources attack.dsNNNN, mitigations attack.mNNNN, assets attack.aNNNN",
                            clip(tag)
                        ),
                    );
                }
            } else if ATTACK_TACTICS.contains(&value) {
            } else if ATTACK_TACTICS.contains(&value.replace('_', "-").as_str()) {
                deprecated(sink, &value.replace('_', "-"));
            } else {
                unknown_value(
                    sink,
                    "ATT&CK ids (t1234, t1234.001, g1234, s1234, ds1234, m1234, a1234) or tactics",
                );
            }
        }
        "cve" => {
            let fits = |sep: char| {
                value
                    .split_once(sep)
                    .is_some_and(|(y, n)| digits(y, 4) && n.len() >= 4 && digits(n, n.len()))
            };
            if fits('-') {
            } else if fits('_') || fits('.') {
                deprecated(sink, &value.replace(['_', '.'], "-"));
            } else {
                unknown_value(sink, "CVE ids written cve.YYYY-NNNN");
            }
        }
        "car" => {
            let parts: Vec<&str> = value.split('-').collect();
            if !matches!(parts.as_slice(), [y, m, n] if digits(y, 4) && digits(m, 2) && digits(n, 3))
            {
                unknown_value(sink, "CAR analytics written car.YYYY-MM-NNN");
            }
        }
        "detection" => {
            const TYPES: [&str; 3] = ["dfir", "emerging-threats", "threat-hunting"];
            if TYPES.contains(&value) {
            } else if TYPES.contains(&value.replace('_', "-").as_str()) {
                deprecated(sink, &value.replace('_', "-"));
            } else {
                unknown_value(sink, "dfir, emerging-threats or threat-hunting");
            }
        }
        "tlp" => {
            if !["red", "amber", "amber-strict", "green", "clear"].contains(&value) {
                unknown_value(sink, "red, amber, amber-strict, green or clear");
            }
        }
        "stp" => {
            let b = value.as_bytes();
            let ok = match b {
                [d] => (b'1'..=b'5').contains(d),
                [d, e] => (b'1'..=b'5').contains(d) && matches!(e, b'a' | b'u' | b'k'),
                _ => false,
            };
            if !ok {
                unknown_value(
                    sink,
                    "a robustness score 1 to 5, optionally followed by a, u or k (stp.3k)",
                );
            }
        }
        "d3fend" => {
            let tactics = ["model", "harden", "detect", "isolate", "deceive", "evict"];
            if !(value.starts_with("d3-") || value.starts_with("d3f-") || tactics.contains(&value))
            {
                unknown_value(
                    sink,
                    "techniques d3-..., artifacts d3f-... or tactics (model, harden, detect, \
                     isolate, deceive, evict)",
                );
            }
        }
        _ => sink.warning(
            "unknown-tag-namespace",
            format!(
                "tag '{}' uses namespace `{namespace}`, which the tags appendix does not define \
                 (attack, car, cve, d3fend, detection, stp, tlp)",
                clip(tag)
            ),
        ),
    }
}

/// Checks `related:`: a list of `{id: <uuid>, type: <relation>}`.
fn lint_related(sink: &mut Sink<'_>, related: &Yaml) {
    let Yaml::Sequence(items) = related else {
        sink.error(
            "invalid-related",
            format!(
                "`related:` is {}, not a list of {{id, type}}",
                show(related)
            ),
        );
        return;
    };
    const TYPES: [&str; 5] = ["derived", "obsolete", "merged", "renamed", "similar"];
    for (i, item) in items.iter().enumerate() {
        let Yaml::Mapping(entry) = item else {
            sink.error(
                "invalid-related",
                format!(
                    "`related[{i}]` is {}, not a map with `id` and `type`",
                    show(item)
                ),
            );
            continue;
        };
        match entry.get("id") {
            Some(Yaml::String(id)) if is_uuid(id) => {}
            Some(other) => sink.error(
                "invalid-related",
                format!("`related[{i}].id` is {}, not a UUID", show(other)),
            ),
            None => sink.error("invalid-related", format!("`related[{i}]` has no `id`")),
        }
        match entry.get("type") {
            Some(Yaml::String(t)) if TYPES.contains(&t.as_str()) => {}
            Some(Yaml::String(t)) if t == "obsoletes" => sink.warning(
                "deprecated-related-type",
                format!("`related[{i}].type` 'obsoletes' was renamed 'obsolete' in Sigma 2.0"),
            ),
            Some(other) => sink.error(
                "invalid-related",
                format!(
                    "`related[{i}].type` is {}; expected one of {}",
                    show(other),
                    TYPES.join(", ")
                ),
            ),
            None => sink.error("invalid-related", format!("`related[{i}]` has no `type`")),
        }
    }
}

/// Checks `logsource:`: a map with at least one of category, product and service, whose
/// values are strings (lowercase, `_` for spaces, `.` and `-` allowed).
fn lint_logsource(sink: &mut Sink<'_>, map: &Mapping) {
    let logsource = match map.get("logsource") {
        None => {
            sink.error("missing-logsource", "no `logsource:`".into());
            return;
        }
        Some(Yaml::Mapping(logsource)) => logsource,
        Some(other) => {
            sink.error(
                "invalid-logsource",
                format!("`logsource:` is {}, not a map", show(other)),
            );
            return;
        }
    };
    let mut any = false;
    for field in ["category", "product", "service"] {
        match logsource.get(field) {
            None => {}
            Some(Yaml::String(value)) => {
                any = true;
                if !value.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
                }) {
                    sink.warning(
                        "logsource-value-format",
                        format!(
                            "`logsource.{field}:` '{}' should be lowercase, with `_` for spaces \
                             (letters, digits, `_`, `.`, `-`)",
                            clip(value)
                        ),
                    );
                }
            }
            Some(other) => sink.error(
                "invalid-logsource",
                format!("`logsource.{field}:` is {}, not a string", show(other)),
            ),
        }
    }
    if let Some(definition) = logsource.get("definition")
        && !matches!(definition, Yaml::String(_))
    {
        sink.error(
            "invalid-logsource",
            format!(
                "`logsource.definition:` is {}, not a string",
                show(definition)
            ),
        );
    }
    if !any {
        sink.error(
            "invalid-logsource",
            "`logsource:` names none of category, product and service".into(),
        );
    }
}

/// Words a condition reads as operators, so a search identifier cannot have them as names.
const CONDITION_WORDS: &[&str] = &["and", "or", "not", "of", "them", "all", "any", "near"];

/// Checks a detection-like section (`detection:` of a rule, `filter:` of a filter): its
/// search identifiers and its condition. `reserved` keys are not search identifiers.
fn lint_detection(sink: &mut Sink<'_>, section: &Mapping, label: &str, reserved: &[&str]) {
    let mut names: Vec<String> = Vec::new();
    for (key, value) in section {
        let Some(name) = key_text(key) else {
            sink.error(
                "invalid-identifier-name",
                format!("`{label}` has a key that is {}, not a name", show(key)),
            );
            continue;
        };
        if reserved.contains(&name.as_str()) {
            if name == "timeframe" {
                sink.warning(
                    "deprecated-field",
                    format!(
                        "`{label}.timeframe` belongs to the Sigma 1.0 aggregations; \
                         a correlation rule's `timespan` replaces it"
                    ),
                );
            }
            continue;
        }
        if let Some(problem) = identifier_name_problem(&name) {
            sink.warning(
                "invalid-identifier-name",
                format!(
                    "search identifier `{label}.{}` {problem}, so a condition can reach it only \
                     through a `1 of`/`all of` pattern",
                    clip(&name)
                ),
            );
        }
        lint_search(sink, &format!("{label}.{}", clip(&name)), value);
        names.push(name);
    }
    if names.is_empty() {
        sink.error(
            "invalid-detection",
            format!("`{label}` defines no search identifier"),
        );
    }
    let Some(condition) = section.get("condition") else {
        sink.error(
            "missing-condition",
            format!("`{label}` has no `condition:`"),
        );
        return;
    };
    let conditions: Vec<(String, &str)> = match condition {
        Yaml::String(text) => vec![(format!("{label}.condition"), text.as_str())],
        Yaml::Sequence(items) if !items.is_empty() => {
            let mut list = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item {
                    Yaml::String(text) => {
                        list.push((format!("{label}.condition[{i}]"), text.as_str()))
                    }
                    other => sink.error(
                        "invalid-condition",
                        format!("`{label}.condition[{i}]` is {}, not a string", show(other)),
                    ),
                }
            }
            list
        }
        other => {
            sink.error(
                "invalid-condition",
                format!(
                    "`{label}.condition` is {}, not a string or a list of strings",
                    show(other)
                ),
            );
            return;
        }
    };
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    let mut used = vec![false; names.len()];
    let mut all_parsed = true;
    for (at, text) in conditions {
        all_parsed &= lint_condition(sink, &at, text, (&names, &index), &mut used);
    }
    // Without a complete parse, what is unused is not known.
    if all_parsed {
        for (name, used) in names.iter().zip(used) {
            if !used {
                sink.warning(
                    "unused-identifier",
                    format!(
                        "search identifier `{label}.{}` is defined but no condition uses it",
                        clip(name)
                    ),
                );
            }
        }
    }
}

/// Why a condition cannot name a search identifier called `name`, if it cannot.
fn identifier_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.contains('|') {
        Some("contains `|` (modifiers belong to field names: `Field|modifier`)")
    } else if name
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '*'))
    {
        Some("contains a space, `(`, `)` or `*`")
    } else if CONDITION_WORDS.contains(&name.to_ascii_lowercase().as_str()) {
        Some("is a condition keyword")
    } else if name.bytes().all(|b| b.is_ascii_digit()) {
        Some("is a number (read as the `N` of `N of`)")
    } else {
        None
    }
}

/// Checks the value of one search identifier at `at`.
fn lint_search(sink: &mut Sink<'_>, at: &str, value: &Yaml) {
    match value {
        Yaml::Mapping(map) => lint_field_map(sink, at, map),
        Yaml::Sequence(items) if items.is_empty() => sink.error(
            "invalid-search-identifier",
            format!("search identifier `{at}` is an empty list"),
        ),
        Yaml::Sequence(items) => {
            let has_null = items.iter().any(Yaml::is_null);
            let has_other_scalar = items
                .iter()
                .any(|i| matches!(i, Yaml::String(_) | Yaml::Number(_) | Yaml::Bool(_)));
            if has_null && has_other_scalar {
                sink.error(
                    "null-in-list",
                    format!("`{at}`: `null` cannot be part of a list of keywords"),
                );
            }
            for (i, item) in items.iter().enumerate() {
                match item {
                    Yaml::Mapping(map) => lint_field_map(sink, &format!("{at}[{i}]"), map),
                    Yaml::String(_) | Yaml::Number(_) | Yaml::Bool(_) => {}
                    Yaml::Null if has_other_scalar => {}
                    other => sink.error(
                        "invalid-search-identifier",
                        format!(
                            "`{at}[{i}]` is {}; a search identifier lists keywords or maps of fields",
                            show(other)
                        ),
                    ),
                }
            }
        }
        Yaml::String(_) | Yaml::Number(_) | Yaml::Bool(_) => sink.warning(
            "invalid-search-identifier",
            format!(
                "search identifier `{at}` is the single value {}; write a keyword search as a \
                 list (`- value`)",
                show(value)
            ),
        ),
        other => sink.error(
            "invalid-search-identifier",
            format!(
                "search identifier `{at}` is {}, not a map of fields or a list",
                show(other)
            ),
        ),
    }
}

/// Modifiers of the modifiers appendix (Sigma 2.1), by role.
const POSITION: &[&str] = &["contains", "startswith", "endswith"];
const TRANSFORMS: &[&str] = &[
    "base64",
    "base64offset",
    "utf16le",
    "utf16be",
    "utf16",
    "wide",
    "windash",
];
const TYPES: &[&str] = &["re", "cidr", "gt", "gte", "lt", "lte", "exists", "fieldref"];
const COMPARISONS: &[&str] = &["gt", "gte", "lt", "lte"];
const RE_FLAGS: &[&str] = &["i", "m", "s"];
const TIME: &[&str] = &["minute", "hour", "day", "week", "month", "year"];
const GENERIC: &[&str] = &["all", "cased", "neq", "expand"];
/// Modifiers that take string values only.
const STRING_ONLY: &[&str] = &[
    "windash",
    "re",
    "base64",
    "base64offset",
    "utf16le",
    "utf16be",
    "utf16",
    "wide",
    "fieldref",
    "expand",
];

/// Checks a map of `field|modifiers: values` at `at`.
fn lint_field_map(sink: &mut Sink<'_>, at: &str, map: &Mapping) {
    if map.is_empty() {
        sink.error(
            "invalid-search-identifier",
            format!("`{at}` is an empty map"),
        );
    }
    for (key, value) in map {
        let Some(key) = key_text(key) else {
            sink.error(
                "invalid-search-identifier",
                format!(
                    "`{at}` has a field name that is {}, not a string",
                    show(key)
                ),
            );
            continue;
        };
        lint_field(sink, &format!("{at}.{}", clip(&key)), &key, value);
    }
}

/// Checks one `field|mod1|mod2: value(s)` item; `at` is its path for messages.
fn lint_field(sink: &mut Sink<'_>, at: &str, key: &str, value: &Yaml) {
    let mut pieces = key.split('|');
    let field = pieces.next().unwrap_or_default().trim();
    let modifiers: Vec<&str> = pieces.map(str::trim).collect();

    // The chain: every modifier known, and compatible with those before it.
    let mut known: Vec<&str> = Vec::new();
    let mut chain_ok = true;
    for modifier in &modifiers {
        let modifier = *modifier;
        let conflict = |sink: &mut Sink<'_>, why: String| {
            sink.error(
                "conflicting-modifiers",
                format!("`{at}`: modifier `{modifier}` {why}"),
            );
        };
        if modifier.is_empty() {
            sink.error(
                "unknown-modifier",
                format!("`{at}` has an empty modifier (`||` or a trailing `|`)"),
            );
            chain_ok = false;
            continue;
        }
        let is_known = [POSITION, TRANSFORMS, TYPES, RE_FLAGS, TIME, GENERIC]
            .iter()
            .any(|set| set.contains(&modifier));
        if !is_known {
            sink.error(
                "unknown-modifier",
                format!(
                    "`{at}`: unknown modifier `{}`; the modifiers appendix defines contains, \
                     startswith, endswith, all, exists, cased, neq, windash, re (i, m, s), \
                     base64, base64offset, utf16le, utf16be, utf16, wide, lt, lte, gt, gte, \
                     minute, hour, day, week, month, year, cidr, expand, fieldref",
                    clip(modifier)
                ),
            );
            chain_ok = false;
            continue;
        }
        if known.contains(&modifier) {
            conflict(sink, "is given twice".into());
            chain_ok = false;
            continue;
        }
        let before = |set: &[&str]| known.iter().copied().find(|m| set.contains(m));
        let problem = if RE_FLAGS.contains(&modifier) {
            (!known.contains(&"re"))
                .then(|| "is a regular expression flag and needs `re` before it".to_owned())
        } else if POSITION.contains(&modifier) {
            before(POSITION)
                .or_else(|| before(TYPES))
                .or_else(|| before(TIME))
                .map(|other| format!("cannot be combined with `{other}`"))
        } else if TRANSFORMS.contains(&modifier) {
            before(TYPES)
                .or_else(|| before(TIME))
                .map(|other| format!("cannot be combined with `{other}`"))
        } else if TYPES.contains(&modifier) {
            let time_ok = COMPARISONS.contains(&modifier);
            before(TYPES)
                .or_else(|| before(POSITION))
                .or_else(|| before(TRANSFORMS))
                .or_else(|| if time_ok { None } else { before(TIME) })
                .or_else(|| (modifier == "exists").then(|| before(GENERIC)).flatten())
                .or_else(|| known.contains(&"expand").then_some("expand"))
                .map(|other| format!("cannot be combined with `{other}`"))
        } else if TIME.contains(&modifier) {
            before(TIME)
                .or_else(|| before(TYPES))
                .or_else(|| before(POSITION))
                .or_else(|| before(TRANSFORMS))
                .map(|other| format!("cannot be combined with `{other}`"))
        } else {
            // all, cased, neq, expand
            let blocked = if modifier == "expand" {
                before(TYPES)
            } else {
                known.contains(&"exists").then_some("exists")
            };
            blocked.map(|other| format!("cannot be combined with `{other}`"))
        };
        if let Some(problem) = problem {
            conflict(sink, problem);
            chain_ok = false;
        }
        known.push(modifier);
    }
    // `re` then a later `i`/`m`/`s` is fine; a flag before `re` was reported above.

    let values: Vec<&Yaml> = match value {
        Yaml::Sequence(items) => items.iter().collect(),
        other => vec![other],
    };
    if let Yaml::Sequence(items) = value
        && items.is_empty()
    {
        sink.error(
            "invalid-value",
            format!("`{at}` has an empty list of values"),
        );
        return;
    }
    let is_list = matches!(value, Yaml::Sequence(_));
    if is_list && values.len() > 1 && values.iter().any(|v| v.is_null()) {
        sink.error(
            "null-in-list",
            format!(
                "`{at}`: `null` cannot be part of a list of values; put the `null` check in a \
                 search identifier of its own"
            ),
        );
    }
    for (i, v) in values.iter().enumerate() {
        if matches!(v, Yaml::Sequence(_) | Yaml::Mapping(_) | Yaml::Tagged(_)) {
            let place = if is_list {
                format!("{at}[{i}]")
            } else {
                at.to_owned()
            };
            sink.error(
                "invalid-value",
                format!(
                    "`{place}` is {}; values are strings, numbers, booleans or null",
                    show(v)
                ),
            );
            return;
        }
    }
    if !chain_ok {
        return;
    }
    if known.contains(&"all") && values.len() == 1 && !known.contains(&"exists") {
        sink.error(
            "single-value-all",
            format!(
                "`{at}`: the `all` modifier on the single value {}; `all` needs a list of values",
                show(values[0])
            ),
        );
    }
    if known.contains(&"exists") {
        if field.is_empty() {
            sink.error(
                "invalid-value",
                format!("`{at}`: `exists` needs a field name"),
            );
        }
        if !matches!(value, Yaml::Bool(_)) {
            sink.error(
                "invalid-value",
                format!("`{at}`: `exists` takes true or false, not {}", show(value)),
            );
        }
        return;
    }
    let shaping: Vec<&str> = known
        .iter()
        .copied()
        .filter(|m| !matches!(*m, "all" | "cased" | "neq"))
        .collect();
    for (i, v) in values.iter().enumerate() {
        let place = if is_list {
            format!("{at}[{i}]")
        } else {
            at.to_owned()
        };
        lint_value(sink, &place, &known, &shaping, v);
    }
}

/// Checks one value against its modifier chain (`known`, valid); `shaping` is the chain
/// without `all`, `cased` and `neq`.
fn lint_value(sink: &mut Sink<'_>, at: &str, known: &[&str], shaping: &[&str], value: &Yaml) {
    if value.is_null() {
        if let Some(first) = shaping.first() {
            sink.error(
                "invalid-value",
                format!("`{at}`: `null` cannot take the modifier `{first}`"),
            );
        }
        return;
    }
    let text = match value {
        Yaml::String(s) => Some(s.as_str()),
        _ => None,
    };
    if let Some(modifier) = known.iter().find(|m| STRING_ONLY.contains(m))
        && text.is_none()
    {
        sink.error(
            "invalid-value",
            format!(
                "`{at}`: modifier `{modifier}` applies to strings, not to {}",
                show(value)
            ),
        );
        return;
    }
    let number = match value {
        Yaml::Number(n) => n.as_f64(),
        Yaml::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    if known.contains(&"re") {
        let source = text.unwrap_or_default();
        let built = regex::RegexBuilder::new(source)
            .case_insensitive(known.contains(&"i"))
            .multi_line(known.contains(&"m"))
            .dot_matches_new_line(known.contains(&"s"))
            .build();
        if let Err(error) = built {
            sink.error(
                "invalid-regex",
                format!(
                    "`{at}`: regular expression '{}' does not compile: {}",
                    clip(source),
                    regex_reason(&error)
                ),
            );
        }
    } else if known.contains(&"cidr") {
        let source = match value {
            Yaml::String(s) => s.clone(),
            other => show(other),
        };
        if let Err(why) = check_cidr(&source) {
            sink.error(
                "invalid-cidr",
                format!("`{at}`: '{}' is not a CIDR network: {why}", clip(&source)),
            );
        }
    } else if let Some(op) = known.iter().find(|m| COMPARISONS.contains(m)) {
        if number.is_none_or(|n| !n.is_finite()) {
            sink.error(
                "invalid-value",
                format!("`{at}`: `{op}` compares numbers, not {}", show(value)),
            );
        }
    } else if let Some(unit) = known.iter().find(|m| TIME.contains(m)) {
        let range = match *unit {
            "minute" => Some((0.0, 59.0)),
            "hour" => Some((0.0, 23.0)),
            "day" => Some((1.0, 31.0)),
            "week" => Some((1.0, 52.0)),
            "month" => Some((1.0, 12.0)),
            _ => None,
        };
        match number {
            Some(n) if n.fract() == 0.0 && range.is_none_or(|(lo, hi)| (lo..=hi).contains(&n)) => {}
            _ => sink.error(
                "invalid-value",
                format!(
                    "`{at}`: `{unit}` gives {}, so {} never matches",
                    match range {
                        Some((lo, hi)) => format!("a whole number from {lo} to {hi}"),
                        None => "a whole number".into(),
                    },
                    show(value)
                ),
            ),
        }
    } else if known.contains(&"fieldref") {
        if text.is_some_and(|t| t.trim().is_empty()) {
            sink.error(
                "invalid-value",
                format!("`{at}`: `fieldref` needs a field name, not an empty string"),
            );
        }
    } else if known.contains(&"expand") && !text.is_some_and(has_placeholder) {
        sink.error(
            "invalid-value",
            format!(
                "`{at}`: `expand` value {} names no `%placeholder%`",
                show(value)
            ),
        );
    }
}

/// Whether `text` has a `%name%` placeholder not escaped with `\`.
fn has_placeholder(text: &str) -> bool {
    let mut open: Option<usize> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '%' => match open {
                Some(start) if i > start + 1 => return true,
                _ => open = Some(i),
            },
            _ => {}
        }
    }
    false
}

/// The reason of a regex error on one line (the crate's messages span several).
fn regex_reason(error: &regex::Error) -> String {
    let text = error.to_string();
    let reason = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map_or_else(
            || text.split_whitespace().collect::<Vec<_>>().join(" "),
            str::to_owned,
        );
    clip(&reason)
}

/// Checks an IPv4 or IPv6 network `address/prefix` (a bare address is one host).
fn check_cidr(text: &str) -> Result<(), String> {
    let (address, prefix) = match text.trim().split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text.trim(), None),
    };
    let ip: IpAddr = address
        .parse()
        .map_err(|_| format!("'{}' is not an IP address", clip(address)))?;
    let width = if ip.is_ipv4() { 32 } else { 128 };
    if let Some(prefix) = prefix {
        match prefix.parse::<u32>() {
            Ok(p) if p <= width && !prefix.starts_with('+') => {}
            _ => {
                return Err(format!(
                    "prefix length '{}' is not a number from 0 to {width}",
                    clip(prefix)
                ));
            }
        }
    }
    Ok(())
}

/// Condition tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Open,
    Close,
    And,
    Or,
    Not,
    Of,
    Them,
    All,
    Any,
    Number(&'a str),
    Word(&'a str),
}

impl Tok<'_> {
    fn describe(&self) -> String {
        match self {
            Tok::Open => "`(`".into(),
            Tok::Close => "`)`".into(),
            Tok::And => "`and`".into(),
            Tok::Or => "`or`".into(),
            Tok::Not => "`not`".into(),
            Tok::Of => "`of`".into(),
            Tok::Them => "`them`".into(),
            Tok::All => "`all`".into(),
            Tok::Any => "`any`".into(),
            Tok::Number(n) => format!("`{}`", clip(n)),
            Tok::Word(w) => format!("`{}`", clip(w)),
        }
    }
}

/// The token of one word of a condition.
fn word(w: &str) -> Tok<'_> {
    match w.to_ascii_lowercase().as_str() {
        "and" => Tok::And,
        "or" => Tok::Or,
        "not" => Tok::Not,
        "of" => Tok::Of,
        "them" => Tok::Them,
        "all" => Tok::All,
        "any" => Tok::Any,
        _ if w.bytes().all(|b| b.is_ascii_digit()) => Tok::Number(w),
        _ => Tok::Word(w),
    }
}

/// Splits a condition at whitespace and parentheses.
fn tokenize(text: &str) -> Vec<Tok<'_>> {
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() || c == '(' || c == ')' {
            if let Some(s) = start.take() {
                tokens.push(word(&text[s..i]));
            }
            match c {
                '(' => tokens.push(Tok::Open),
                ')' => tokens.push(Tok::Close),
                _ => {}
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        tokens.push(word(&text[s..]));
    }
    tokens
}

/// `*` matches any run of characters (the only wildcard in identifier patterns).
fn glob(pattern: &str, name: &str) -> bool {
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    let Some((last, middle)) = pieces.split_last() else {
        return rest.is_empty();
    };
    for piece in middle {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Checks one condition `text` (at `at`) against the search identifier `names` (with their
/// positions by name), marking those it uses in `used`. Returns whether it parsed (then
/// `used` is complete for it).
///
/// A state machine over the tokens with an explicit stack of open `(` and `not`, so any
/// input is checked in constant stack space; nesting beyond [`MAX_CONDITION_NESTING`] is
/// refused like the loader refuses it.
fn lint_condition(
    sink: &mut Sink<'_>,
    at: &str,
    text: &str,
    (names, index): (&[String], &HashMap<&str, usize>),
    used: &mut [bool],
) -> bool {
    if text.len() > MAX_CONDITION_BYTES {
        sink.error(
            "condition-too-long",
            format!(
                "`{at}` is {} bytes long, over the limit of {MAX_CONDITION_BYTES} bytes",
                text.len()
            ),
        );
        return false;
    }
    let shown = clip(text);
    let expression = match text.split_once('|') {
        Some((expression, aggregation)) => {
            sink.warning(
                "deprecated-aggregation",
                format!(
                    "`{at}`: aggregation '|{}' is Sigma 1.0 syntax that Sigma 2 dropped; \
                     write a correlation rule instead",
                    clip(aggregation)
                ),
            );
            expression
        }
        None => text,
    };
    let tokens = tokenize(expression);
    if tokens.is_empty() {
        sink.error("invalid-condition", format!("`{at}` is empty"));
        return false;
    }
    let syntax = |sink: &mut Sink<'_>, why: String| {
        sink.error("invalid-condition", format!("`{at}` '{shown}': {why}"));
        false
    };

    // Findings about identifiers and quantifiers, reported only if the condition parses
    // (before a syntax error they are noise: `write X from ...` is not an identifier).
    let mut pending: Vec<(Severity, &'static str, String)> = Vec::new();
    // Whether each pattern already seen matched something (its uses are marked).
    let mut patterns: HashMap<&str, bool> = HashMap::new();
    #[derive(PartialEq)]
    enum Frame {
        Paren,
        Not,
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut expect_operand = true;
    let mut i = 0;
    while let Some(&tok) = tokens.get(i) {
        i += 1;
        if !expect_operand {
            match tok {
                Tok::And | Tok::Or => expect_operand = true,
                Tok::Close => {
                    if stack.pop() != Some(Frame::Paren) {
                        return syntax(sink, "`)` without a matching `(`".into());
                    }
                    while stack.last() == Some(&Frame::Not) {
                        stack.pop();
                    }
                }
                other => {
                    return syntax(
                        sink,
                        format!("expected `and`, `or` or `)`, found {}", other.describe()),
                    );
                }
            }
            continue;
        }
        match tok {
            Tok::Not | Tok::Open => {
                if stack.len() >= MAX_CONDITION_NESTING {
                    sink.error(
                        "condition-too-deep",
                        format!(
                            "`{at}` nests `(` and `not` deeper than the limit of \
                             {MAX_CONDITION_NESTING} levels"
                        ),
                    );
                    return false;
                }
                stack.push(if tok == Tok::Not {
                    Frame::Not
                } else {
                    Frame::Paren
                });
                continue;
            }
            Tok::Word(name) => {
                if name.contains('*') {
                    pending.push((
                        Severity::Error,
                        "undefined-identifier",
                        format!(
                            "`{at}` names `{}`: a wildcard pattern only works after `1 of` or \
                             `all of`",
                            clip(name)
                        ),
                    ));
                } else {
                    match index.get(name) {
                        Some(&position) => used[position] = true,
                        None => pending.push((
                            Severity::Error,
                            "undefined-identifier",
                            format!(
                                "`{at}` names `{}`, which is not a search identifier of this \
                                 section",
                                clip(name)
                            ),
                        )),
                    }
                }
            }
            Tok::Number(_) | Tok::All | Tok::Any => {
                match tok {
                    Tok::Number("1") | Tok::All => {}
                    Tok::Number(n) if n.bytes().all(|b| b == b'0') => {
                        return syntax(sink, format!("`{n} of` never matches anything"));
                    }
                    other => pending.push((
                        Severity::Warning,
                        "nonstandard-quantifier",
                        format!(
                            "`{at}` uses {} of; the specification defines only `1 of` and \
                             `all of`, and other tools may refuse it",
                            other.describe()
                        ),
                    )),
                }
                if tokens.get(i) != Some(&Tok::Of) {
                    return syntax(
                        sink,
                        format!(
                            "expected `of` after {}, found {}",
                            tok.describe(),
                            tokens.get(i).map_or("the end".into(), Tok::describe)
                        ),
                    );
                }
                i += 1;
                match tokens.get(i) {
                    Some(Tok::Them) => {
                        let mut any = false;
                        for (position, name) in names.iter().enumerate() {
                            if !name.starts_with('_') {
                                used[position] = true;
                                any = true;
                            }
                        }
                        if !any {
                            pending.push((
                                Severity::Error,
                                "undefined-identifier",
                                format!(
                                    "`{at}` says `of them`, but there is no search identifier \
                                     (those starting with `_` do not count)"
                                ),
                            ));
                        }
                    }
                    Some(&Tok::Word(pattern)) => {
                        let any = *patterns.entry(pattern).or_insert_with(|| {
                            let mut any = false;
                            for (position, name) in names.iter().enumerate() {
                                if glob(pattern, name) {
                                    used[position] = true;
                                    any = true;
                                }
                            }
                            any
                        });
                        if !any {
                            pending.push((
                                Severity::Error,
                                "undefined-identifier",
                                format!(
                                    "`{at}`: pattern `{}` matches no search identifier",
                                    clip(pattern)
                                ),
                            ));
                        }
                    }
                    other => {
                        return syntax(
                            sink,
                            format!(
                                "expected a search identifier pattern or `them` after `of`, found {}",
                                other.map_or("the end".into(), Tok::describe)
                            ),
                        );
                    }
                }
                i += 1;
            }
            other => {
                return syntax(
                    sink,
                    format!(
                        "expected a search identifier, `not`, `(` or `1 of`/`all of`, found {}",
                        other.describe()
                    ),
                );
            }
        }
        // An operand is complete: the `not`s waiting for it are done.
        while stack.last() == Some(&Frame::Not) {
            stack.pop();
        }
        expect_operand = false;
    }
    if expect_operand {
        return syntax(
            sink,
            "the condition ends where an operand is expected".into(),
        );
    }
    if !stack.is_empty() {
        return syntax(sink, "missing `)`".into());
    }
    for (severity, check, message) in pending {
        sink.push(severity, check, message);
    }
    true
}

/// Correlation types (correlation rules specification 2.1 and its schema).
const CORRELATION_TYPES: &[&str] = &[
    "event_count",
    "value_count",
    "temporal",
    "temporal_ordered",
    "value_sum",
    "value_avg",
    "value_percentile",
];

/// Checks the `correlation:` section; returns the rules it names.
fn lint_correlation(sink: &mut Sink<'_>, map: &Mapping) -> Vec<String> {
    let correlation = match map.get("correlation") {
        Some(Yaml::Mapping(c)) => c,
        other => {
            sink.error(
                "invalid-correlation",
                format!(
                    "`correlation:` is {}, not a map",
                    other.map_or("missing".into(), show)
                ),
            );
            return Vec::new();
        }
    };
    let missing = |sink: &mut Sink<'_>, field: &str| {
        sink.error(
            "invalid-correlation",
            format!("`correlation.{field}` is missing"),
        );
    };

    let kind = match correlation.get("type") {
        None => {
            missing(sink, "type");
            None
        }
        Some(Yaml::String(t)) if CORRELATION_TYPES.contains(&t.as_str()) => Some(t.as_str()),
        Some(other) => {
            sink.error(
                "invalid-correlation-type",
                format!(
                    "`correlation.type` is {}; expected one of {}",
                    show(other),
                    CORRELATION_TYPES.join(", ")
                ),
            );
            None
        }
    };

    let mut refs = Vec::new();
    match correlation.get("rules") {
        None => missing(sink, "rules"),
        Some(Yaml::Sequence(rules)) if rules.is_empty() => sink.error(
            "invalid-correlation",
            "`correlation.rules` is empty; name at least one rule".into(),
        ),
        Some(Yaml::Sequence(rules)) => {
            for (i, rule) in rules.iter().enumerate() {
                match rule {
                    Yaml::String(r) if r.chars().count() >= 2 => {
                        if refs.contains(r) {
                            sink.warning(
                                "invalid-correlation",
                                format!("`correlation.rules` names '{}' twice", clip(r)),
                            );
                        } else {
                            refs.push(r.clone());
                        }
                    }
                    other => sink.error(
                        "invalid-correlation",
                        format!(
                            "`correlation.rules[{i}]` is {}, not a rule id or name",
                            show(other)
                        ),
                    ),
                }
            }
        }
        Some(other) => sink.error(
            "invalid-correlation",
            format!(
                "`correlation.rules` is {}, not a list of rule ids or names",
                show(other)
            ),
        ),
    }

    match correlation.get("group-by") {
        None => missing(sink, "group-by"),
        Some(Yaml::Sequence(fields)) => {
            for (i, field) in fields.iter().enumerate() {
                if !matches!(field, Yaml::String(_)) {
                    sink.error(
                        "invalid-correlation",
                        format!(
                            "`correlation.group-by[{i}]` is {}, not a field name",
                            show(field)
                        ),
                    );
                }
            }
        }
        Some(other) => sink.error(
            "invalid-correlation",
            format!(
                "`correlation.group-by` is {}, not a list of field names",
                show(other)
            ),
        ),
    }

    match correlation.get("timespan") {
        None => missing(sink, "timespan"),
        Some(Yaml::String(span)) if is_timespan(span) => {}
        Some(other) => sink.error(
            "invalid-timespan",
            format!(
                "`correlation.timespan` is {}; expected a number and s, m, h or d (e.g. 5m, 1h)",
                show(other)
            ),
        ),
    }

    if let Some(aliases) = correlation.get("aliases") {
        lint_aliases(sink, aliases, &refs);
    }

    let needs_field = kind.is_some_and(|k| k.starts_with("value_"));
    let needs_condition = kind.is_some_and(|k| !k.starts_with("temporal"));
    match correlation.get("condition") {
        None if needs_condition => missing(sink, "condition"),
        None => {}
        Some(Yaml::Mapping(condition)) => {
            lint_correlation_condition(sink, condition, kind, needs_field);
        }
        Some(other) => sink.error(
            "invalid-correlation-condition",
            format!(
                "`correlation.condition` is {}, not a map such as `gte: 10`",
                show(other)
            ),
        ),
    }
    refs
}

/// Whether `span` is a number followed by s, m, h or d (at most 10 characters).
fn is_timespan(span: &str) -> bool {
    span.len() <= 10
        && span
            .strip_suffix(['s', 'm', 'h', 'd'])
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && span.bytes().any(|b| (b'1'..=b'9').contains(&b))
}

/// Checks `correlation.aliases`: alias → {rule name → field}, naming rules of `rules`.
fn lint_aliases(sink: &mut Sink<'_>, aliases: &Yaml, refs: &[String]) {
    let Yaml::Mapping(aliases) = aliases else {
        sink.error(
            "invalid-correlation",
            format!(
                "`correlation.aliases` is {}, not a map of aliases",
                show(aliases)
            ),
        );
        return;
    };
    for (alias, fields) in aliases {
        let alias = key_text(alias).unwrap_or_default();
        let Yaml::Mapping(fields) = fields else {
            sink.error(
                "invalid-correlation",
                format!(
                    "`correlation.aliases.{}` is {}, not a map of rule name to field",
                    clip(&alias),
                    show(fields)
                ),
            );
            continue;
        };
        for (rule, field) in fields {
            let rule = key_text(rule).unwrap_or_default();
            if !refs.contains(&rule) {
                sink.error(
                    "invalid-correlation",
                    format!(
                        "`correlation.aliases.{}` names rule '{}', which is not in correlation.rules",
                        clip(&alias),
                        clip(&rule)
                    ),
                );
            }
            if !matches!(field, Yaml::String(_)) {
                sink.error(
                    "invalid-correlation",
                    format!(
                        "`correlation.aliases.{}.{}` is {}, not a field name",
                        clip(&alias),
                        clip(&rule),
                        show(field)
                    ),
                );
            }
        }
    }
}

/// Checks `correlation.condition`: operators gt, gte, lt, lte, eq, neq with numbers, and
/// `field` for the value_* types.
fn lint_correlation_condition(
    sink: &mut Sink<'_>,
    condition: &Mapping,
    kind: Option<&str>,
    needs_field: bool,
) {
    const OPERATORS: [&str; 6] = ["gt", "gte", "lt", "lte", "eq", "neq"];
    // Counts are whole numbers; sums, averages and percentiles may not be.
    let whole = !matches!(kind, Some("value_sum" | "value_avg" | "value_percentile"));
    let mut operators = 0;
    for (key, value) in condition {
        let key = key_text(key).unwrap_or_default();
        if key == "field" {
            match value {
                Yaml::String(_) => {}
                Yaml::Sequence(items) if items.iter().all(|i| matches!(i, Yaml::String(_))) => {}
                other => sink.error(
                    "invalid-correlation-condition",
                    format!(
                        "`correlation.condition.field` is {}, not a field name",
                        show(other)
                    ),
                ),
            }
            if !needs_field && kind.is_some() {
                sink.warning(
                    "invalid-correlation-condition",
                    format!(
                        "`correlation.condition.field` is not used by a {} correlation",
                        kind.unwrap_or_default()
                    ),
                );
            }
        } else if OPERATORS.contains(&key.as_str()) {
            operators += 1;
            let ok = match value {
                Yaml::Number(n) => !whole || n.is_i64() || n.is_u64(),
                _ => false,
            };
            if !ok {
                sink.error(
                    "invalid-correlation-condition",
                    format!(
                        "`correlation.condition.{key}` is {}, not {}",
                        show(value),
                        if whole { "a whole number" } else { "a number" }
                    ),
                );
            }
        } else {
            sink.error(
                "invalid-correlation-condition",
                format!(
                    "`correlation.condition` has unknown key `{}`; expected gt, gte, lt, lte, eq, \
                     neq or field",
                    clip(&key)
                ),
            );
        }
    }
    if operators == 0 {
        sink.error(
            "invalid-correlation-condition",
            "`correlation.condition` has no comparison (gt, gte, lt, lte, eq or neq)".into(),
        );
    }
    if needs_field && !condition.contains_key("field") {
        sink.error(
            "invalid-correlation-condition",
            format!(
                "a {} correlation needs `correlation.condition.field`",
                kind.unwrap_or_default()
            ),
        );
    }
}

/// Checks the `filter:` section of a filter; returns the rules it names.
fn lint_filter(sink: &mut Sink<'_>, map: &Mapping) -> Vec<String> {
    let Some(Yaml::Mapping(filter)) = map.get("filter") else {
        sink.error(
            "invalid-filter",
            format!(
                "`filter:` is {}, not a map with rules, selection and condition",
                map.get("filter").map_or("missing".into(), show)
            ),
        );
        return Vec::new();
    };
    let mut refs = Vec::new();
    match filter.get("rules") {
        None => sink.error(
            "invalid-filter",
            "`filter.rules` is missing: name the rules the filter applies to".into(),
        ),
        Some(Yaml::Sequence(rules)) if rules.is_empty() => sink.error(
            "invalid-filter",
            "`filter.rules` is empty: name at least one rule".into(),
        ),
        Some(Yaml::Sequence(rules)) => {
            for (i, rule) in rules.iter().enumerate() {
                match rule {
                    Yaml::String(r) if !r.trim().is_empty() => {
                        if refs.contains(r) {
                            sink.warning(
                                "invalid-filter",
                                format!("`filter.rules` names '{}' twice", clip(r)),
                            );
                        } else {
                            refs.push(r.clone());
                        }
                    }
                    other => sink.error(
                        "invalid-filter",
                        format!("`filter.rules[{i}]` is {}, not a rule id", show(other)),
                    ),
                }
            }
        }
        Some(other) => sink.error(
            "invalid-filter",
            format!("`filter.rules` is {}, not a list of rule ids", show(other)),
        ),
    }
    if !filter.contains_key("selection") {
        sink.warning(
            "missing-filter-selection",
            "`filter.selection` is missing; the filters specification names the filter's \
             search identifier `selection`"
                .into(),
        );
    }
    lint_detection(sink, filter, "filter", &["rules", "condition"]);
    refs
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "929a690e-bef0-4204-a928-ef5e620d6fcc";

    /// A clean rule with `detection` replaced by `detection_yaml` (indented 4 spaces).
    fn rule_with_detection(detection_yaml: &str) -> String {
        format!(
            "title: Whoami Execution\n\
             id: {ID}\n\
             status: test\n\
             description: Detects a whoami.exe execution\n\
             author: Florian Roth\n\
             date: 2019-10-23\n\
             modified: 2023-01-02\n\
             tags:\n    - attack.discovery\n    - attack.t1033\n\
             logsource:\n    category: process_creation\n    product: windows\n\
             detection:\n{detection_yaml}\
             falsepositives:\n    - Unknown\n\
             level: high\n"
        )
    }

    fn clean_rule() -> String {
        rule_with_detection(
            "    selection:\n        Image|endswith: '\\whoami.exe'\n    condition: selection\n",
        )
    }

    fn lint(text: &str) -> Vec<Finding> {
        lint_text(text, Path::new("rule.yml"))
    }

    /// The findings of `check`, asserting there is at least one.
    fn expect(findings: &[Finding], check: &str) -> Vec<Finding> {
        let hits: Vec<Finding> = findings
            .iter()
            .filter(|f| f.check == check)
            .cloned()
            .collect();
        assert!(
            !hits.is_empty(),
            "expected a `{check}` finding, got:\n{}",
            findings
                .iter()
                .map(|f| format!("  {f}\n"))
                .collect::<String>()
        );
        hits
    }

    /// Asserts one finding of `check` with `severity` mentions every one of `needles`.
    fn assert_finding(text: &str, check: &str, severity: Severity, needles: &[&str]) {
        let findings = lint(text);
        let hits = expect(&findings, check);
        assert!(
            hits.iter()
                .any(|f| f.severity == severity && needles.iter().all(|n| f.message.contains(n))),
            "no {severity} `{check}` mentioning {needles:?} in:\n{}",
            hits.iter().map(|f| format!("  {f}\n")).collect::<String>()
        );
    }

    fn errors(findings: &[Finding]) -> Vec<&Finding> {
        findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect()
    }

    fn replace(text: &str, from: &str, to: &str) -> String {
        assert!(text.contains(from), "{from:?} not in the fixture");
        text.replacen(from, to, 1)
    }

    #[test]
    fn a_clean_rule_has_no_finding() {
        let findings = lint(&clean_rule());
        assert!(findings.is_empty(), "{findings:#?}");
    }

    #[test]
    fn display_and_serialization() {
        let finding = Finding {
            path: PathBuf::from("rules/a.yml"),
            document: 2,
            rule_id: Some(ID.into()),
            severity: Severity::Error,
            check: "missing-title",
            message: "no `title:`".into(),
        };
        assert_eq!(
            finding.to_string(),
            format!("rules/a.yml (document 2, id {ID}): error[missing-title]: no `title:`")
        );
        let without_id = Finding {
            rule_id: None,
            severity: Severity::Warning,
            ..finding.clone()
        };
        assert_eq!(
            without_id.to_string(),
            "rules/a.yml (document 2): warning[missing-title]: no `title:`"
        );
        let json = serde_json::to_value(&finding).unwrap();
        assert_eq!(json["severity"], "error");
        assert_eq!(json["check"], "missing-title");
        assert_eq!(json["document"], 2);
        assert_eq!(json["path"], "rules/a.yml");
    }

    #[test]
    fn check_names_are_unique_kebab_case() {
        let mut seen = HashSet::new();
        for (name, description) in CHECKS {
            assert!(seen.insert(*name), "{name} listed twice");
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{name}"
            );
            assert!(!description.is_empty());
        }
    }

    #[test]
    fn required_fields() {
        let text = clean_rule();
        assert_finding(
            &replace(&text, "title: Whoami Execution\n", ""),
            "missing-title",
            Severity::Error,
            &["title"],
        );
        assert_finding(
            &replace(&text, "title: Whoami Execution\n", "title: [a, b]\n"),
            "invalid-title",
            Severity::Error,
            &["a list"],
        );
        let long = "x".repeat(257);
        assert_finding(
            &replace(&text, "Whoami Execution", &long),
            "field-too-long",
            Severity::Error,
            &["title", "257", "256"],
        );
        assert_finding(
            &replace(
                &text,
                "logsource:\n    category: process_creation\n    product: windows\n",
                "",
            ),
            "missing-logsource",
            Severity::Error,
            &["logsource"],
        );
        assert_finding(
            &replace(
                &text,
                "    category: process_creation\n    product: windows\n",
                "    definition: something\n",
            ),
            "invalid-logsource",
            Severity::Error,
            &["category, product and service"],
        );
        assert_finding(
            &replace(&text, "product: windows", "product: 12"),
            "invalid-logsource",
            Severity::Error,
            &["logsource.product", "12"],
        );
        assert_finding(
            &replace(&text, "product: windows", "product: Windows Server"),
            "logsource-value-format",
            Severity::Warning,
            &["'Windows Server'"],
        );
        let no_detection = "title: t\nid: 929a690e-bef0-4204-a928-ef5e620d6fcc\nlogsource:\n    product: windows\nlevel: low\n";
        assert_finding(
            no_detection,
            "missing-detection",
            Severity::Error,
            &["detection"],
        );
        assert_finding(
            &replace(&text, "    condition: selection\n", ""),
            "missing-condition",
            Severity::Error,
            &["detection"],
        );
        assert_finding(
            &replace(&text, "condition: selection", "condition: {a: b}"),
            "invalid-condition",
            Severity::Error,
            &["detection.condition", "a map"],
        );
    }

    #[test]
    fn recommended_fields_are_warnings() {
        let text = clean_rule();
        assert_finding(
            &replace(&text, "description: Detects a whoami.exe execution\n", ""),
            "missing-description",
            Severity::Warning,
            &["description"],
        );
        assert_finding(
            &replace(&text, "author: Florian Roth\n", ""),
            "missing-author",
            Severity::Warning,
            &["author"],
        );
        assert_finding(
            &replace(&text, "level: high\n", ""),
            "missing-level",
            Severity::Warning,
            &["level"],
        );
        assert_finding(
            &replace(&text, &format!("id: {ID}\n"), ""),
            "missing-id",
            Severity::Warning,
            &["id"],
        );
        assert_finding(
            &replace(&text, "author: Florian Roth", "author: [a, b]"),
            "invalid-field-type",
            Severity::Error,
            &["author", "a list"],
        );
    }

    #[test]
    fn ids() {
        let text = clean_rule();
        assert_finding(
            &replace(&text, ID, "not-a-uuid"),
            "invalid-id",
            Severity::Error,
            &["'not-a-uuid'"],
        );
        assert_finding(
            &replace(&text, ID, "929a690e-bef0-4204-a928-ef5e620d6fc"),
            "invalid-id",
            Severity::Error,
            &["929a690e-bef0-4204-a928-ef5e620d6fc'"],
        );
        assert_finding(
            &replace(&text, ID, "929A690E-bef0-4204-a928-ef5e620d6fcc"),
            "uppercase-id",
            Severity::Warning,
            &["929A690E", ID],
        );
        // Any version: a v1 UUID is fine.
        let v1 = replace(&text, ID, "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        assert!(lint(&v1).is_empty());
        let findings = lint(&replace(&text, ID, "not-a-uuid"));
        assert_eq!(findings[0].rule_id.as_deref(), Some("not-a-uuid"));
    }

    #[test]
    fn status_and_level() {
        let text = clean_rule();
        assert_finding(
            &replace(&text, "status: test", "status: production"),
            "invalid-status",
            Severity::Error,
            &["'production'", "experimental"],
        );
        assert_finding(
            &replace(&text, "level: high", "level: severe"),
            "invalid-level",
            Severity::Error,
            &["'severe'", "critical"],
        );
        assert_finding(
            &replace(&text, "level: high", "level: High"),
            "invalid-level",
            Severity::Error,
            &["'High'"],
        );
        assert_finding(
            &replace(&text, "status: test", "status: deprecated"),
            "deprecated-without-related",
            Severity::Warning,
            &["related"],
        );
    }

    #[test]
    fn dates() {
        let text = clean_rule();
        assert_finding(
            &replace(&text, "date: 2019-10-23", "date: 2019/10/23"),
            "deprecated-date-format",
            Severity::Warning,
            &["'2019/10/23'", "2019-10-23"],
        );
        for bad in [
            "2019-13-01",
            "2019-02-30",
            "23-10-2019",
            "2019-1-5",
            "2019-10/23",
        ] {
            assert_finding(
                &replace(&text, "date: 2019-10-23", &format!("date: '{bad}'")),
                "invalid-date",
                Severity::Error,
                &[bad, "`date:`"],
            );
        }
        assert_finding(
            &replace(&text, "modified: 2023-01-02", "modified: 20230102"),
            "invalid-date",
            Severity::Error,
            &["`modified:`", "20230102"],
        );
        assert_finding(
            &replace(&text, "modified: 2023-01-02", "modified: 2018-01-02"),
            "modified-before-date",
            Severity::Warning,
            &["2018-01-02", "2019-10-23"],
        );
        // 2024-02-29 is a real date.
        let leap = replace(&text, "modified: 2023-01-02", "modified: 2024-02-29");
        assert!(lint(&leap).is_empty(), "{:#?}", lint(&leap));
    }

    #[test]
    fn tags() {
        let text = clean_rule();
        let with_tag =
            |tag: &str| replace(&text, "    - attack.t1033\n", &format!("    - {tag}\n"));
        assert_finding(
            &with_tag("Attack.T1033"),
            "invalid-tag",
            Severity::Error,
            &["'Attack.T1033'"],
        );
        assert_finding(
            &with_tag("attack"),
            "invalid-tag",
            Severity::Error,
            &["'attack'"],
        );
        assert_finding(
            &with_tag("attack.t 1033"),
            "invalid-tag",
            Severity::Error,
            &["'attack.t 1033'"],
        );
        assert_finding(
            &with_tag("foo.bar"),
            "unknown-tag-namespace",
            Severity::Warning,
            &["'foo.bar'", "`foo`"],
        );
        for bad in [
            "attack.t103",
            "attack.t1033.1",
            "attack.t10333",
            "attack.g12",
            "attack.ds1",
        ] {
            assert_finding(
                &with_tag(bad),
                "invalid-attack-tag",
                Severity::Error,
                &[bad],
            );
        }
        assert_finding(
            &with_tag("attack.defense_evasion"),
            "deprecated-tag",
            Severity::Warning,
            &["'attack.defense_evasion'", "attack.defense-evasion"],
        );
        assert_finding(
            &with_tag("cve.2021_44228"),
            "deprecated-tag",
            Severity::Warning,
            &["cve.2021-44228"],
        );
        assert_finding(
            &with_tag("detection.threat_hunting"),
            "deprecated-tag",
            Severity::Warning,
            &["detection.threat-hunting"],
        );
        for odd in [
            "attack.foo",
            "tlp.white",
            "stp.9",
            "car.2016",
            "detection.other",
        ] {
            assert_finding(
                &with_tag(odd),
                "unknown-tag-value",
                Severity::Warning,
                &[odd],
            );
        }
        for good in [
            "attack.t1059.001",
            "attack.g0016",
            "attack.s0002",
            "attack.ds0009",
            "attack.m1042",
            "attack.a0001",
            "attack.stealth",
            "attack.resource-development",
            "cve.2021-44228",
            "car.2016-04-005",
            "detection.emerging-threats",
            "tlp.amber-strict",
            "stp.3k",
            "stp.4",
            "d3fend.d3-am",
            "d3fend.d3f-WindowsNtOpenFile",
        ] {
            let findings = lint(&with_tag(good));
            assert!(findings.is_empty(), "{good}: {findings:#?}");
        }
        assert_finding(
            &replace(&text, "    - attack.t1033\n", "    - attack.discovery\n"),
            "duplicate-tag",
            Severity::Warning,
            &["'attack.discovery'"],
        );
        assert_finding(
            &replace(&text, "    - attack.t1033\n", "    - 42\n"),
            "invalid-tag",
            Severity::Error,
            &["tags[1]", "42"],
        );
    }

    #[test]
    fn related() {
        let text = clean_rule();
        let with = |related: &str| {
            replace(
                &text,
                "level: high\n",
                &format!("level: high\nrelated:\n{related}"),
            )
        };
        assert!(lint(&with(&format!("    - id: {ID}\n      type: derived\n"))).is_empty());
        assert_finding(
            &with("    - id: nope\n      type: derived\n"),
            "invalid-related",
            Severity::Error,
            &["related[0].id", "'nope'"],
        );
        assert_finding(
            &with(&format!("    - id: {ID}\n      type: cousin\n")),
            "invalid-related",
            Severity::Error,
            &["related[0].type", "'cousin'"],
        );
        assert_finding(
            &with(&format!("    - id: {ID}\n")),
            "invalid-related",
            Severity::Error,
            &["related[0]", "type"],
        );
        assert_finding(
            &with(&format!("    - id: {ID}\n      type: obsoletes\n")),
            "deprecated-related-type",
            Severity::Warning,
            &["'obsoletes'", "'obsolete'"],
        );
        assert_finding(
            &replace(&text, "level: high\n", "level: high\nrelated: x\n"),
            "invalid-related",
            Severity::Error,
            &["'x'"],
        );
    }

    #[test]
    fn lists_and_custom_fields() {
        let text = clean_rule();
        assert_finding(
            &replace(
                &text,
                "falsepositives:\n    - Unknown\n",
                "falsepositives: Unknown\n",
            ),
            "not-a-list",
            Severity::Warning,
            &["falsepositives", "'Unknown'"],
        );
        assert_finding(
            &replace(
                &text,
                "level: high\n",
                "level: high\nreferences: https://example.com\n",
            ),
            "not-a-list",
            Severity::Warning,
            &["references", "'https://example.com'"],
        );
        assert_finding(
            &replace(
                &text,
                "level: high\n",
                "level: high\nreference:\n    - https://example.com\n",
            ),
            "misspelled-field",
            Severity::Warning,
            &["`reference`", "`references`"],
        );
        assert_finding(
            &replace(
                &text,
                "level: high\n",
                "level: high\nTags:\n    - attack.t1033\n",
            ),
            "misspelled-field",
            Severity::Warning,
            &["`Tags`", "`tags`"],
        );
        // A custom field is fine.
        let custom = replace(
            &text,
            "level: high\n",
            "level: high\nsimulation:\n    - x\n",
        );
        assert!(lint(&custom).is_empty(), "{:#?}", lint(&custom));
    }

    #[test]
    fn identifiers_undefined_and_unused() {
        let findings = lint(&rule_with_detection(
            "    selection:\n        Image: a\n    filter_x:\n        User: b\n    \
             condition: selection and not filter\n",
        ));
        let undefined = expect(&findings, "undefined-identifier");
        assert!(undefined[0].message.contains("`filter`"), "{undefined:?}");
        assert_eq!(undefined[0].severity, Severity::Error);
        assert!(undefined[0].message.contains("detection.condition"));

        assert_finding(
            &rule_with_detection(
                "    selection:\n        Image: a\n    filter_x:\n        User: b\n    condition: selection\n",
            ),
            "unused-identifier",
            Severity::Warning,
            &["detection.filter_x"],
        );
        assert_finding(
            &rule_with_detection(
                "    selection:\n        Image: a\n    condition: selection and not 1 of filter_*\n",
            ),
            "undefined-identifier",
            Severity::Error,
            &["`filter_*`"],
        );
        assert_finding(
            &rule_with_detection("    selection:\n        Image: a\n    condition: sel*\n"),
            "undefined-identifier",
            Severity::Error,
            &["`sel*`", "1 of"],
        );
        assert_finding(
            &rule_with_detection("    _hidden:\n        Image: a\n    condition: 1 of them\n"),
            "undefined-identifier",
            Severity::Error,
            &["of them"],
        );
        // Patterns and `them` use identifiers; a condition list is an OR of its items.
        for condition in [
            "1 of sel* and not 1 of filter_*",
            "all of them",
            "1 of them",
            "all of *",
            "selection_a and (selection_b or not filter_main_x)",
            "(((selection_a))) and selection_b and not (filter_main_x)",
            "[selection_a and selection_b, filter_main_x]",
            "selection_a AND selection_b and NOT filter_main_x",
            "1 of selection_* and not 1 of filter_*",
        ] {
            let text = rule_with_detection(&format!(
                "    selection_a:\n        Image: a\n    selection_b:\n        Image: b\n    \
                 filter_main_x:\n        User: c\n    condition: {condition}\n"
            ));
            let findings = lint(&text);
            assert!(findings.is_empty(), "{condition}: {findings:#?}");
        }
    }

    #[test]
    fn condition_syntax() {
        let det = |condition: &str| {
            rule_with_detection(&format!(
                "    sel:\n        Image: a\n    flt:\n        User: b\n    condition: '{condition}'\n"
            ))
        };
        for (condition, needle) in [
            ("sel and (flt", "missing `)`"),
            ("sel and flt)", "`)` without a matching `(`"),
            ("sel flt", "found `flt`"),
            ("sel and", "ends where an operand"),
            ("and sel", "found `and`"),
            ("1 sel", "expected `of` after `1`"),
            ("all of", "after `of`, found the end"),
            ("0 of sel", "`0 of` never matches"),
            ("()", "found `)`"),
            ("not", "ends where an operand"),
            ("sel or flt not", "found `not`"),
            ("write User from sel", "found `User`"),
            ("count(x) by y > 2", "found `(`"),
        ] {
            let text = det(condition);
            assert_finding(
                &text,
                "invalid-condition",
                Severity::Error,
                &[needle, condition],
            );
            // No identifier noise when the condition did not parse.
            assert!(
                !lint(&text).iter().any(|f| f.check.ends_with("-identifier")),
                "{condition}"
            );
        }
        assert_finding(
            &det(""),
            "invalid-condition",
            Severity::Error,
            &["is empty"],
        );
        assert_finding(
            &det("any of sel* or flt"),
            "nonstandard-quantifier",
            Severity::Warning,
            &["`any`"],
        );
        assert_finding(
            &det("2 of them"),
            "nonstandard-quantifier",
            Severity::Warning,
            &["`2`"],
        );
        assert_finding(
            &det("sel and not flt | count() by host > 5"),
            "deprecated-aggregation",
            Severity::Warning,
            &["count() by host > 5"],
        );
        assert!(errors(&lint(&det("sel and not flt | count() by host > 5"))).is_empty());
        assert_finding(
            &replace(
                &det("sel and not flt"),
                "    condition:",
                "    timeframe: 5m\n    condition:",
            ),
            "deprecated-field",
            Severity::Warning,
            &["detection.timeframe"],
        );
    }

    #[test]
    fn deep_and_long_conditions_are_refused_without_overflowing_the_stack() {
        // Far deeper than any stack frame count would survive if recursive; a small stack.
        let cases = [
            "(".repeat(6_000) + "sel" + &")".repeat(6_000),
            "not ".repeat(4_000) + "sel",
        ];
        for condition in cases {
            let text = rule_with_detection(&format!(
                "    sel:\n        Image: a\n    condition: '{condition}'\n"
            ));
            let findings = std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || lint(&text))
                .unwrap()
                .join()
                .unwrap();
            let hits = expect(&findings, "condition-too-deep");
            assert!(
                hits[0]
                    .message
                    .contains(&format!("limit of {MAX_CONDITION_NESTING} levels")),
                "{hits:?}"
            );
        }
        // At the limit: fine.
        let n = MAX_CONDITION_NESTING;
        let at_limit = "(".repeat(n) + "sel" + &")".repeat(n);
        let text = rule_with_detection(&format!(
            "    sel:\n        Image: a\n    condition: '{at_limit}'\n"
        ));
        assert!(lint(&text).is_empty(), "{:#?}", lint(&text));
        let alternating = "not (".repeat(n / 2) + "sel" + &")".repeat(n / 2);
        let text = rule_with_detection(&format!(
            "    sel:\n        Image: a\n    condition: '{alternating}'\n"
        ));
        assert!(lint(&text).is_empty(), "{:#?}", lint(&text));

        let long = vec!["sel"; MAX_CONDITION_BYTES / 4].join(" or ");
        let text = rule_with_detection(&format!(
            "    sel:\n        Image: a\n    condition: '{long}'\n"
        ));
        assert_finding(
            &text,
            "condition-too-long",
            Severity::Error,
            &[&format!("limit of {MAX_CONDITION_BYTES} bytes")],
        );
    }

    #[test]
    fn identifier_names() {
        assert_finding(
            &rule_with_detection(
                "    and:\n        Image: a\n    sel:\n        Image: b\n    condition: sel\n",
            ),
            "invalid-identifier-name",
            Severity::Warning,
            &["detection.and", "keyword"],
        );
        assert_finding(
            &rule_with_detection("    'my sel':\n        Image: a\n    condition: 1 of them\n"),
            "invalid-identifier-name",
            Severity::Warning,
            &["detection.my sel"],
        );
        assert_finding(
            &rule_with_detection(
                "    sel_a|endswith:\n        Image: a\n    condition: 1 of sel*\n",
            ),
            "invalid-identifier-name",
            Severity::Warning,
            &[
                "detection.sel_a|endswith",
                "modifiers belong to field names",
            ],
        );
        assert_finding(
            &rule_with_detection("    sel: []\n    condition: sel\n"),
            "invalid-search-identifier",
            Severity::Error,
            &["detection.sel", "empty list"],
        );
        assert_finding(
            &rule_with_detection("    sel: {}\n    condition: sel\n"),
            "invalid-search-identifier",
            Severity::Error,
            &["detection.sel", "empty map"],
        );
        assert_finding(
            &rule_with_detection("    sel:\n        - [a, b]\n    condition: sel\n"),
            "invalid-search-identifier",
            Severity::Error,
            &["detection.sel[0]", "a list"],
        );
        assert_finding(
            &rule_with_detection("    sel: whoami\n    condition: sel\n"),
            "invalid-search-identifier",
            Severity::Warning,
            &["detection.sel", "'whoami'"],
        );
        assert_finding(
            &rule_with_detection("    condition: sel\n"),
            "invalid-detection",
            Severity::Error,
            &["no search identifier"],
        );
        // Keyword lists, lists of maps and the `'|all'` keyword form are fine.
        let fine = rule_with_detection(
            "    keywords:\n        - 'event::clear'\n        - 'event::drop'\n    \
             keywords_all:\n        '|all':\n            - 'OabVirtualDirectory'\n            - ' -ExternalUrl '\n    \
             sel:\n        - Image|endswith: '\\example.exe'\n        - Description|contains: 'Test executable'\n    \
             condition: 1 of keywords* or sel\n",
        );
        assert!(lint(&fine).is_empty(), "{:#?}", lint(&fine));
    }

    /// A rule whose only search identifier is `selection: {key: value}`.
    fn field(key: &str, value: &str) -> String {
        rule_with_detection(&format!(
            "    selection:\n        {key}: {value}\n    condition: selection\n"
        ))
    }

    #[test]
    fn modifiers() {
        assert_finding(
            &field("Image|endswith|foo", "x"),
            "unknown-modifier",
            Severity::Error,
            &["detection.selection.Image|endswith|foo", "`foo`"],
        );
        assert_finding(
            &field("Image||contains", "x"),
            "unknown-modifier",
            Severity::Error,
            &["empty modifier"],
        );
        assert_finding(
            &field("Image|re|contains", "x"),
            "conflicting-modifiers",
            Severity::Error,
            &[
                "detection.selection.Image|re|contains",
                "`contains`",
                "`re`",
            ],
        );
        assert_finding(
            &field("Image|startswith|re", "x"),
            "conflicting-modifiers",
            Severity::Error,
            &["`re`", "`startswith`"],
        );
        assert_finding(
            &field("Image|contains|endswith", "x"),
            "conflicting-modifiers",
            Severity::Error,
            &["`endswith`", "`contains`"],
        );
        assert_finding(
            &field("Image|i", "x"),
            "conflicting-modifiers",
            Severity::Error,
            &["`i`", "needs `re`"],
        );
        assert_finding(
            &field("Image|contains|contains", "x"),
            "conflicting-modifiers",
            Severity::Error,
            &["given twice"],
        );
        assert_finding(
            &field("Image|exists|neq", "true"),
            "conflicting-modifiers",
            Severity::Error,
            &["`neq`", "`exists`"],
        );
        assert_finding(
            &field("Image|cidr|gt", "1"),
            "conflicting-modifiers",
            Severity::Error,
            &["`gt`", "`cidr`"],
        );
        for fine in [
            ("CommandLine|windash|contains|all", "['-a', '-b']"),
            ("CommandLine|wide|base64offset|contains", "'ping'"),
            ("CommandLine|re|i|m|s", "'^a.b$'"),
            ("CommandLine|contains|cased", "'Ab'"),
            (
                "DestinationIp|cidr",
                "['10.0.0.0/8', 'fe80::/10', '192.168.1.1']",
            ),
            ("EventID|gte", "4624"),
            ("Size|lt", "'10.5'"),
            ("User|fieldref", "TargetUser"),
            ("User|fieldref|neq", "TargetUser"),
            ("User|neq", "admin"),
            ("Host|expand", "'%DomainControllers%'"),
            ("Host|expand|endswith", "'%Servers%'"),
            ("PasswordLastSet|exists", "false"),
            ("Time|hour", "3"),
            ("Time|hour|gte", "22"),
            ("Time|year", "2024"),
            ("PasswordLastSet", "null"),
            ("Image|endswith", "['\\a.exe', '\\b.exe']"),
            ("EventID", "[4624, 4625]"),
        ] {
            let text = field(fine.0, fine.1);
            let findings = lint(&text);
            assert!(findings.is_empty(), "{fine:?}: {findings:#?}");
        }
    }

    #[test]
    fn modifier_values() {
        assert_finding(
            &field("Image|exists", "'yes'"),
            "invalid-value",
            Severity::Error,
            &["`exists` takes true or false", "'yes'"],
        );
        assert_finding(
            &field("Image|exists", "[true]"),
            "invalid-value",
            Severity::Error,
            &["`exists`", "a list"],
        );
        assert_finding(
            &field("DestinationIp|cidr", "'10.0.0.0/33'"),
            "invalid-cidr",
            Severity::Error,
            &["'10.0.0.0/33'", "0 to 32"],
        );
        assert_finding(
            &field("DestinationIp|cidr", "'fe80::/129'"),
            "invalid-cidr",
            Severity::Error,
            &["'fe80::/129'", "0 to 128"],
        );
        assert_finding(
            &field("DestinationIp|cidr", "['10.0.0.0/8', '10.0.0/8']"),
            "invalid-cidr",
            Severity::Error,
            &["detection.selection.DestinationIp|cidr[1]", "'10.0.0/8'"],
        );
        assert_finding(
            &field("CommandLine|re", "'(?<=a)b'"),
            "invalid-regex",
            Severity::Error,
            &["'(?<=a)b'", "look-around"],
        );
        assert_finding(
            &field("CommandLine|re", "'a('"),
            "invalid-regex",
            Severity::Error,
            &["'a('"],
        );
        assert_finding(
            &field("EventID|gt", "'many'"),
            "invalid-value",
            Severity::Error,
            &["`gt` compares numbers", "'many'"],
        );
        assert_finding(
            &field("Time|hour", "24"),
            "invalid-value",
            Severity::Error,
            &["`hour`", "0 to 23", "24"],
        );
        assert_finding(
            &field("Time|month", "'june'"),
            "invalid-value",
            Severity::Error,
            &["`month`", "'june'"],
        );
        assert_finding(
            &field("Host|expand", "'server01'"),
            "invalid-value",
            Severity::Error,
            &["'server01'", "placeholder"],
        );
        assert_finding(
            &field("CommandLine|base64", "42"),
            "invalid-value",
            Severity::Error,
            &["`base64`", "42"],
        );
        assert_finding(
            &field("CommandLine|contains", "null"),
            "invalid-value",
            Severity::Error,
            &["`null`", "`contains`"],
        );
        assert_finding(
            &field("CommandLine|contains|all", "'one'"),
            "single-value-all",
            Severity::Error,
            &["'one'", "detection.selection.CommandLine|contains|all"],
        );
        assert_finding(
            &field("CommandLine", "['', null]"),
            "null-in-list",
            Severity::Error,
            &["detection.selection.CommandLine"],
        );
        assert_finding(
            &field("CommandLine", "[]"),
            "invalid-value",
            Severity::Error,
            &["empty list"],
        );
        assert_finding(
            &field("CommandLine", "{a: b}"),
            "invalid-value",
            Severity::Error,
            &["a map"],
        );
    }

    #[test]
    fn invalid_yaml_names_line_and_column() {
        let text = "title: a\nid: b\ndetection:\n  sel: [unclosed\n  condition: sel\n";
        let findings = lint(text);
        let hits = expect(&findings, "invalid-yaml");
        assert!(hits[0].message.contains("line"), "{hits:?}");
        assert!(hits[0].message.contains("column"), "{hits:?}");
        // Duplicate keys are invalid YAML too.
        let dup = format!("{}title: again\n", clean_rule());
        assert_finding(&dup, "invalid-yaml", Severity::Error, &["title"]);
        // The documents before the broken one are still checked.
        let two = format!(
            "{}---\ntitle: [\n",
            replace(&clean_rule(), "level: high", "level: x")
        );
        let findings = lint(&two);
        expect(&findings, "invalid-level");
        let yaml = expect(&findings, "invalid-yaml");
        assert_eq!(yaml[0].document, 1);
    }

    #[test]
    fn hostile_texts_are_refused_not_crashing() {
        let big = "#".repeat(MAX_RULE_TEXT_BYTES + 1);
        assert_finding(&big, "file-too-large", Severity::Error, &["over the limit"]);
        let flow = format!("title: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert_finding(
            &flow,
            "invalid-yaml",
            Severity::Error,
            &["nest deeper than 128"],
        );
        let block: String = (0..300)
            .map(|depth| format!("{}k{depth}:\n", " ".repeat(depth)))
            .collect();
        expect(&lint(&block), "invalid-yaml");
        let laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                      c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                      e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
                      g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n";
        expect(&lint(laughs), "invalid-yaml");
        assert_finding("", "empty-file", Severity::Error, &["no YAML document"]);
        assert_finding(
            "# only a comment\n---\n",
            "empty-file",
            Severity::Error,
            &["no YAML"],
        );
        assert_finding("- a\n- b\n", "not-a-mapping", Severity::Error, &["a list"]);
        assert_finding(
            "just text",
            "not-a-mapping",
            Severity::Error,
            &["'just text'"],
        );
        // Odd shapes everywhere: findings, never a panic.
        for text in [
            "title: 1\nid: 2\nlogsource: 3\ndetection: 4\ntags: 5\nrelated: 6\ndate: 7\n",
            "title: t\nlogsource: {}\ndetection: {condition: [1, 2]}\n",
            "title: t\nlogsource: {product: x}\ndetection: {sel: {? [a] : b}, condition: sel}\n",
            "title: t\nlogsource: {product: x}\ndetection: {sel: {'a|': !tag b}, condition: sel}\n",
            "title: t\ncorrelation: {type: 1, rules: {a: b}, condition: [1], aliases: 3}\n",
            "title: t\nlogsource: {product: x}\nfilter: {rules: 1, condition: 2}\n",
            "title: t\nfilter: 3\n",
            "? [a, b]\n: c\n",
            "title: \u{1F600}\nid: \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\ndate: '\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}'\n",
        ] {
            let findings = lint(text);
            assert!(!findings.is_empty(), "{text}");
        }
    }

    #[test]
    fn rule_collections_are_refused() {
        let text = "action: global\ntitle: t\nlogsource:\n    product: windows\n";
        assert_finding(
            text,
            "rule-collection",
            Severity::Error,
            &["`action: global`"],
        );
    }

    /// The correlation example of the correlation rules specification (four documents).
    const CORRELATION_EXAMPLE: &str = "\
title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
status: experimental
description: Detects multiple failed logins by a single user followed by a successful login of that user
references:
    - https://reference.com
author: Florian Roth (Nextron Systems)
date: 2023-06-16
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
falsepositives:
    - Unlikely
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
description: Detects multiple failed logins within a certain amount of time
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 10
---
title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 529
            - 4625
    condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
description: Detects a successful login
name: successful_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 528
            - 4624
    condition: selection
";

    #[test]
    fn the_specification_correlation_example_is_clean() {
        let findings = lint(CORRELATION_EXAMPLE);
        assert!(findings.is_empty(), "{findings:#?}");
        let set = lint_set(&[(PathBuf::from("mr.yml"), CORRELATION_EXAMPLE.into())]);
        assert!(set.is_empty(), "{set:#?}");
    }

    fn correlation(body: &str) -> String {
        format!(
            "title: Many failed logins\nid: {ID}\ndescription: d\nauthor: a\nlevel: high\n\
             correlation:\n{body}"
        )
    }

    #[test]
    fn correlation_rules() {
        let good = correlation(
            "    type: value_count\n    rules:\n        - failed_login\n    group-by:\n        - ComputerName\n    \
             timespan: 1d\n    condition:\n        field: User\n        gte: 100\n",
        );
        assert!(lint(&good).is_empty(), "{:#?}", lint(&good));
        let base = "    rules:\n        - failed_login\n    group-by:\n        - User\n    timespan: 1h\n    condition:\n        gte: 10\n";
        assert_finding(
            &correlation(&format!("    type: event_sum\n{base}")),
            "invalid-correlation-type",
            Severity::Error,
            &["'event_sum'", "value_percentile"],
        );
        assert_finding(
            &correlation(base),
            "invalid-correlation",
            Severity::Error,
            &["correlation.type"],
        );
        assert_finding(
            &correlation(&replace(
                &format!("    type: event_count\n{base}"),
                "timespan: 1h",
                "timespan: 1 hour",
            )),
            "invalid-timespan",
            Severity::Error,
            &["'1 hour'"],
        );
        for bad in ["1H", "1w", "m", "0m", "90"] {
            assert_finding(
                &correlation(&replace(
                    &format!("    type: event_count\n{base}"),
                    "timespan: 1h",
                    &format!("timespan: '{bad}'"),
                )),
                "invalid-timespan",
                Severity::Error,
                &[bad],
            );
        }
        assert_finding(
            &correlation(&replace(
                &format!("    type: event_count\n{base}"),
                "    rules:\n        - failed_login\n",
                "    rules: []\n",
            )),
            "invalid-correlation",
            Severity::Error,
            &["correlation.rules", "empty"],
        );
        assert_finding(
            &correlation(&replace(
                &format!("    type: event_count\n{base}"),
                "    group-by:\n        - User\n",
                "",
            )),
            "invalid-correlation",
            Severity::Error,
            &["correlation.group-by"],
        );
        assert_finding(
            &correlation(&replace(
                &format!("    type: event_count\n{base}"),
                "gte: 10",
                "more: 10",
            )),
            "invalid-correlation-condition",
            Severity::Error,
            &["`more`"],
        );
        assert_finding(
            &correlation(&replace(
                &format!("    type: event_count\n{base}"),
                "gte: 10",
                "gte: lots",
            )),
            "invalid-correlation-condition",
            Severity::Error,
            &["correlation.condition.gte", "'lots'"],
        );
        assert_finding(
            &correlation(&format!("    type: value_count\n{base}")),
            "invalid-correlation-condition",
            Severity::Error,
            &["value_count", "field"],
        );
        assert_finding(
            &correlation(&replace(
                &format!("    type: event_count\n{base}"),
                "    condition:\n        gte: 10\n",
                "",
            )),
            "invalid-correlation",
            Severity::Error,
            &["correlation.condition"],
        );
        // Temporal correlations need no condition; value_avg takes fractions.
        let temporal = correlation(
            "    type: temporal\n    rules:\n        - recon_a\n        - recon_b\n    group-by:\n        - User\n    timespan: 5m\n",
        );
        assert!(lint(&temporal).is_empty(), "{:#?}", lint(&temporal));
        let avg = correlation(
            "    type: value_avg\n    rules:\n        - web\n    group-by:\n        - User\n    timespan: 24h\n    condition:\n        field: BytesOut\n        gt: 500.5\n",
        );
        assert!(lint(&avg).is_empty(), "{:#?}", lint(&avg));
        // Aliases must name rules of the correlation.
        let aliases = correlation(
            "    type: temporal\n    rules:\n        - internal_error\n        - new_connection\n    group-by:\n        - internal_ip\n    timespan: 10s\n    \
             aliases:\n        internal_ip:\n            internal_error: destination.ip\n            other_rule: source.ip\n",
        );
        assert_finding(
            &aliases,
            "invalid-correlation",
            Severity::Error,
            &["'other_rule'"],
        );
        // A correlation rule has no detection; it is not reported as a broken one.
        let findings = lint(&good);
        assert!(
            !findings
                .iter()
                .any(|f| f.check == "missing-detection" || f.check == "missing-logsource")
        );
    }

    const FILTER: &str = "\
title: Filter Administrator account
id: 0e95725d-7320-415d-80f7-004da920fc11
description: The valid administrator account start with adm_
logsource:
    category: process_creation
    product: windows
filter:
    rules:
        - 929a690e-bef0-4204-a928-ef5e620d6fcc
    selection:
        User|startswith: 'adm_'
    condition: selection
";

    #[test]
    fn filters() {
        assert!(lint(FILTER).is_empty(), "{:#?}", lint(FILTER));
        assert_finding(
            &replace(
                FILTER,
                "    rules:\n        - 929a690e-bef0-4204-a928-ef5e620d6fcc\n",
                "",
            ),
            "invalid-filter",
            Severity::Error,
            &["filter.rules"],
        );
        assert_finding(
            &replace(FILTER, "    condition: selection\n", ""),
            "missing-condition",
            Severity::Error,
            &["`filter`"],
        );
        assert_finding(
            &replace(
                FILTER,
                "condition: selection",
                "condition: selection and other",
            ),
            "undefined-identifier",
            Severity::Error,
            &["`other`", "filter.condition"],
        );
        assert_finding(
            &replace(FILTER, "User|startswith", "User|beginswith"),
            "unknown-modifier",
            Severity::Error,
            &["filter.selection.User|beginswith", "`beginswith`"],
        );
        assert_finding(
            &replace(FILTER, "description:", "level: high\ndescription:"),
            "unexpected-field",
            Severity::Warning,
            &["`level:"],
        );
        assert_finding(
            &replace(
                &replace(FILTER, "    selection:", "    sel:"),
                "condition: selection",
                "condition: sel",
            ),
            "missing-filter-selection",
            Severity::Warning,
            &["selection"],
        );
        // Filters have no level, status or author to recommend.
        let findings = lint(FILTER);
        assert!(!findings.iter().any(|f| f.check.starts_with("missing-")));
    }

    #[test]
    fn set_checks() {
        let rule = clean_rule();
        let other_id = "53ba33fd-3a50-4468-a5ef-c583635cfa92";
        // d.yml: a correlation with its own id, naming ID (a.yml) and `missing_rule`.
        let d = correlation(&format!(
            "    type: event_count\n    rules:\n        - {ID}\n        - missing_rule\n    \
             group-by:\n        - User\n    timespan: 1h\n    condition:\n        gte: 10\n"
        ))
        .replacen(&format!("id: {ID}"), &format!("id: {other_id}"), 1);
        let files = vec![
            (PathBuf::from("a.yml"), rule.clone()),
            (PathBuf::from("b.yml"), rule.clone()),
            (
                PathBuf::from("c.yml"),
                replace(FILTER, ID, "00000000-0000-0000-0000-000000000001"),
            ),
            (PathBuf::from("d.yml"), d),
        ];
        let findings = lint_set(&files);
        let duplicate = expect(&findings, "duplicate-id");
        assert_eq!(duplicate.len(), 1, "{duplicate:#?}");
        assert_eq!(duplicate[0].path, Path::new("b.yml"));
        assert!(duplicate[0].message.contains(ID) && duplicate[0].message.contains("a.yml"));
        let unknown = expect(&findings, "unknown-rule-reference");
        assert_eq!(unknown.len(), 2, "{unknown:#?}");
        assert!(unknown.iter().any(|f| f.path == Path::new("c.yml")
            && f.message.contains("filter.rules")
            && f.message.contains("00000000-0000-0000-0000-000000000001")));
        assert!(unknown.iter().any(|f| f.path == Path::new("d.yml")
            && f.message.contains("correlation.rules")
            && f.message.contains("missing_rule")));
        // Sorted by file.
        let order: Vec<&Path> = findings.iter().map(|f| f.path.as_path()).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);

        // Within one file: lint_text reports it, lint_set does not report it again.
        let twice = format!("{rule}---\n{rule}");
        let in_file = lint(&twice);
        let dup = expect(&in_file, "duplicate-id");
        assert_eq!((dup.len(), dup[0].document), (1, 1));
        assert!(dup[0].message.contains("document 0"));
        let set = lint_set(&[
            (PathBuf::from("x.yml"), rule.clone()),
            (PathBuf::from("y.yml"), twice),
        ]);
        let dup = expect(&set, "duplicate-id");
        assert_eq!(dup.len(), 2, "{dup:#?}");
        assert!(
            dup.iter()
                .any(|f| f.document == 0 && f.message.contains("x.yml"))
        );
        assert!(
            dup.iter()
                .any(|f| f.document == 1 && f.message.contains("document 0"))
        );

        // Names are unique too.
        let named = |id: &str| {
            replace(
                &replace(&rule, ID, id),
                "level: high\n",
                "level: high\nname: whoami\n",
            )
        };
        let set = lint_set(&[
            (PathBuf::from("x.yml"), named(ID)),
            (PathBuf::from("y.yml"), named(other_id)),
        ]);
        let dup = expect(&set, "duplicate-name");
        assert!(dup[0].message.contains("`whoami`") && dup[0].message.contains("x.yml"));
    }

    #[test]
    fn correlation_cycles() {
        let corr = |id: &str, name: &str, refs: &str| {
            format!(
                "title: c {name}\nid: {id}\nname: {name}\ndescription: d\nauthor: a\nlevel: high\ncorrelation:\n    \
                 type: temporal\n    rules:\n{refs}    group-by:\n        - User\n    timespan: 5m\n"
            )
        };
        let a = corr(
            "00000000-0000-0000-0000-00000000000a",
            "corr_a",
            "        - corr_b\n        - base_rule\n",
        );
        let b = corr(
            "00000000-0000-0000-0000-00000000000b",
            "corr_b",
            "        - corr_a\n        - base_rule\n",
        );
        let base = replace(
            &clean_rule(),
            "level: high\n",
            "level: high\nname: base_rule\n",
        );
        let set = lint_set(&[
            (PathBuf::from("a.yml"), a),
            (PathBuf::from("b.yml"), b),
            (PathBuf::from("base.yml"), base),
        ]);
        let cycles = expect(&set, "correlation-cycle");
        assert_eq!(cycles.len(), 2, "{cycles:#?}");
        assert!(
            cycles[0].message.contains("corr_a -> corr_b -> corr_a"),
            "{cycles:?}"
        );
        assert!(
            !set.iter().any(|f| f.check == "unknown-rule-reference"),
            "{set:#?}"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Texts made of YAML and Sigma pieces: findings, never a panic.
        #[test]
        fn any_text_is_linted_without_panicking(
            text in "(title|id|detection|condition|logsource|correlation|filter|rules|sel|\\||\
                      :|-|\\[|\\]|\\{|\\}|,| |\n|    |'|\"|\\*|&a |\\*a|!t |1|of|all|them|\
                      not|\\(|\\)|re|cidr|exists|%x%|2024-01-01|---\n){0,80}"
        ) {
            let _ = lint_set(&[(PathBuf::from("p.yml"), text)]);
        }

        /// The clean examples with a piece cut out and other text put in.
        #[test]
        fn mutated_rules_are_linted_without_panicking(
            at in 0usize..4000,
            cut in 0usize..40,
            insert in "[ -~\n\u{e9}]{0,6}",
        ) {
            let text = format!("{CORRELATION_EXAMPLE}---\n{FILTER}---\n{}", clean_rule());
            let at = at % text.len();
            let end = (at + cut).min(text.len());
            let mutated = format!("{}{insert}{}", &text[..at], &text[end..]);
            let _ = lint_set(&[(PathBuf::from("m.yml"), mutated)]);
        }
    }

    #[test]
    fn spec_schema_samples_are_clean() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/sigma/spec/tests/schema");
        if std::fs::metadata(&dir).is_err() {
            skip("spec_schema_samples_are_clean", &dir);
            return;
        }
        for sub in ["rules", "correlation", "filter"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                let path = entry.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                let findings = lint_text(&text, &path);
                let errors = errors(&findings);
                assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            }
        }
    }

    /// Says a test was skipped: on standard error and in the file `VIGIE_SKIP_LOG` names.
    fn skip(test: &str, missing: &Path) {
        eprintln!("SKIPPED {test}: fixtures missing at {}", missing.display());
        if let Ok(log) = std::env::var("VIGIE_SKIP_LOG")
            && let Ok(mut file) = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(log)
        {
            use std::io::Write;
            let _ = writeln!(file, "{test}: fixtures missing");
        }
    }

    /// Every `.yml` file under `root`, sorted, walked without recursion.
    fn rule_files(root: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let mut dirs = vec![root.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    /// Lints every rule file under `root`: (files, documents, findings, time taken).
    fn lint_tree(root: &Path) -> (usize, usize, Vec<Finding>, std::time::Duration) {
        let files: Vec<(PathBuf, String)> = rule_files(root)
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).unwrap();
                let relative = path.strip_prefix(root).unwrap().to_path_buf();
                (relative, text)
            })
            .collect();
        let documents: usize = files
            .iter()
            .map(|(_, text)| parse_documents(text).parsed.len())
            .sum();
        let started = std::time::Instant::now();
        let findings = lint_set(&files);
        (files.len(), documents, findings, started.elapsed())
    }

    /// Findings counted by check, most frequent first.
    fn by_check(findings: &[Finding]) -> Vec<(&'static str, Severity, usize)> {
        let mut counts: Vec<(&'static str, Severity, usize)> = Vec::new();
        for f in findings {
            match counts
                .iter_mut()
                .find(|(c, s, _)| *c == f.check && *s == f.severity)
            {
                Some((_, _, n)) => *n += 1,
                None => counts.push((f.check, f.severity, 1)),
            }
        }
        counts.sort_by_key(|c| std::cmp::Reverse(c.2));
        counts
    }

    /// The other SigmaHQ folders: the maintained ones are clean too; the retired ones
    /// (`deprecated`, `unsupported`: Sigma 1.0 aggregations, `near`, rule collections) are
    /// only reported.
    #[test]
    fn lint_of_other_sigmahq_folders() {
        let root =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/sigma/rules");
        if std::fs::metadata(&root).is_err() {
            skip("lint_of_other_sigmahq_folders", &root);
            return;
        }
        for (folder, maintained) in [
            ("rules-emerging-threats", true),
            ("rules-threat-hunting", true),
            ("rules-compliance", true),
            ("rules-placeholder", true),
            ("deprecated", false),
            ("unsupported", false),
        ] {
            let (files, documents, findings, elapsed) = lint_tree(&root.join(folder));
            let errors = errors(&findings);
            eprintln!(
                "{folder}: {files} files, {documents} documents, {} errors, {} warnings, \
                 {elapsed:?}; by check: {:?}",
                errors.len(),
                findings.len() - errors.len(),
                by_check(&findings)
            );
            if maintained {
                assert!(errors.is_empty(), "{folder}: {errors:#?}");
            } else {
                for error in &errors {
                    eprintln!("  {error}");
                }
            }
        }
    }

    /// SigmaHQ's own rules pass SigmaHQ's CI; the linter must find no error in them.
    #[test]
    fn lint_of_sigmahq() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/sigma/rules/rules");
        if std::fs::metadata(&root).is_err() {
            skip("lint_of_sigmahq", &root);
            return;
        }
        let (files, documents, findings, elapsed) = lint_tree(&root);
        let errors = errors(&findings);
        eprintln!(
            "SigmaHQ rules: {files} files, {documents} documents, {} errors, {} warnings, \
             linted in {elapsed:?}; by check: {:?}",
            errors.len(),
            findings.len() - errors.len(),
            by_check(&findings)
        );
        for warning in findings.iter().filter(|f| f.severity == Severity::Warning) {
            eprintln!("  {warning}");
        }
        assert!(files > 1000, "only {files} rule files");
        assert!(
            errors.is_empty(),
            "{} errors, first ones:\n{}",
            errors.len(),
            errors
                .iter()
                .take(40)
                .map(|f| format!("  {f}\n"))
                .collect::<String>()
        );
    }
}
