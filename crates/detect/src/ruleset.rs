//! Loading rules from files and evaluating them together.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use vigie_event::Event;
use yaml_serde::Value as Yaml;

use crate::error::DetectError;
use crate::meta::RuleMeta;
use crate::rule::{Rule, compile_document};

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
}

/// A set of compiled rules with unique ids.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_id: HashMap<String, usize>,
}

impl RuleSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads every `.yml`/`.yaml` file under `dir`, recursively, in path order (symbolic links
    /// to directories are not followed). Fails only when `dir` itself cannot be read; every
    /// other problem (unreadable file, YAML error, invalid or unsupported rule, duplicate id)
    /// becomes a [`Rejection`] in the report. Of two rules with the same id the second is
    /// rejected.
    pub fn load_dir(dir: &Path) -> Result<(RuleSet, LoadReport), DetectError> {
        let read_error = |source| DetectError::ReadDir {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::read_dir(dir).map_err(read_error)?;
        let mut files = Vec::new();
        let mut report = LoadReport::default();
        collect_files(dir, dir, &mut files, &mut report);
        files.sort();
        let mut set = RuleSet::new();
        for relative in files {
            report.files += 1;
            match std::fs::read_to_string(dir.join(&relative)) {
                Ok(text) => set.add_yaml(&text, &relative, &mut report),
                Err(error) => report.rejected.push(Rejection {
                    path: relative,
                    document: 0,
                    rule_id: None,
                    title: None,
                    reason: format!("cannot read file: {error}"),
                }),
            }
        }
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
        let reject = |document, rule_id, title, reason| Rejection {
            path: origin.to_path_buf(),
            document,
            rule_id,
            title,
            reason,
        };
        let mut documents = 0;
        let mut collection = false;
        for (index, deserializer) in yaml_serde::Deserializer::from_str(text).enumerate() {
            let document = index + 1;
            let value = match Yaml::deserialize(deserializer) {
                Ok(value) => value,
                Err(error) => {
                    documents += 1;
                    report.rejected.push(reject(
                        document,
                        None,
                        None,
                        format!("invalid YAML: {error}"),
                    ));
                    // The multi-document iterator repeats its error forever.
                    break;
                }
            };
            if value.is_null() {
                continue;
            }
            documents += 1;
            if collection {
                report.rejected.push(reject(
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
            match compile_document(&value, origin) {
                Ok(rule) => {
                    if let Some(&first) = self.by_id.get(&rule.meta.id) {
                        let first = &self.rules[first].meta;
                        let first_path = first
                            .path
                            .as_deref()
                            .map_or("?".into(), |p| p.display().to_string());
                        report.rejected.push(reject(
                            document,
                            Some(rule.meta.id.clone()),
                            Some(rule.meta.title.clone()),
                            format!(
                                "duplicate rule id {} (already loaded from {first_path})",
                                rule.meta.id
                            ),
                        ));
                        continue;
                    }
                    report.loaded.push(rule.meta.clone());
                    self.by_id.insert(rule.meta.id.clone(), self.rules.len());
                    self.rules.push(rule);
                }
                Err(error) => {
                    report
                        .rejected
                        .push(reject(document, error.rule_id, error.title, error.reason))
                }
            }
        }
        if documents == 0 {
            report.rejected.push(reject(
                0,
                None,
                None,
                "file contains no YAML document".into(),
            ));
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

    /// Every rule matching the event, in load order. Allocates only when something matches.
    pub fn evaluate<'a>(&'a self, event: &Event) -> Vec<&'a Rule> {
        let mut hits = Vec::new();
        self.evaluate_into(event, &mut hits);
        hits
    }

    /// Like [`RuleSet::evaluate`], appending to a buffer the caller reuses.
    pub fn evaluate_into<'a>(&'a self, event: &Event, hits: &mut Vec<&'a Rule>) {
        hits.extend(self.rules.iter().filter(|rule| rule.matches(event)));
    }
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
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
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
