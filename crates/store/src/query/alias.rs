//! Field names in both namings: native Windows / Sysmon names (`CommandLine`) and ECS names
//! (`process.command_line`, or `winlog.event_data.CommandLine` as Winlogbeat files raw event
//! data). The pairs come from the Sigma engine's declarative mapping
//! ([`vigie_detect::Mapping`], `crates/detect/mappings/windows.yml`), so hunting and
//! detection agree on what a name means.
//!
//! A field test in a search is widened to "any name of the field": `CommandLine:*whoami*`
//! also finds ECS events whose `process.command_line` holds `whoami`, and
//! `process.command_line:*whoami*` also finds Sysmon events with a `CommandLine`. The widened
//! expression is what every backend evaluates ([`FieldAliases::expand`] runs before a scan).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use vigie_detect::Mapping;

use super::ast::Expr;

/// The other names of each field name, built from a logsource mapping.
#[derive(Clone, Debug, Default)]
pub struct FieldAliases {
    /// Native name → the ECS paths it maps to (every logsource's map, united).
    forward: BTreeMap<String, BTreeSet<String>>,
    /// ECS path → the native names that map to it.
    reverse: BTreeMap<String, BTreeSet<String>>,
    /// Prefixes under which a source keeps native names it does not map (`winlog.event_data.`).
    prefixes: Vec<String>,
}

impl FieldAliases {
    /// The aliases of a mapping's sources.
    pub fn from_mapping(mapping: &Mapping) -> Self {
        let mut aliases = FieldAliases::default();
        for source in &mapping.sources {
            if let Some(prefix) = &source.prefix {
                aliases.prefixes.push(prefix.clone());
            }
            let maps = std::iter::once(&source.fields)
                .chain(source.by_logsource.iter().map(|b| &b.fields));
            for map in maps {
                for (native, paths) in map {
                    for path in paths {
                        if path == native {
                            continue;
                        }
                        aliases
                            .forward
                            .entry(native.clone())
                            .or_default()
                            .insert(path.clone());
                        aliases
                            .reverse
                            .entry(path.clone())
                            .or_default()
                            .insert(native.clone());
                    }
                }
            }
        }
        aliases
    }

    /// The aliases of the mapping shipped with vigie ([`Mapping::shipped`]).
    pub fn windows() -> &'static FieldAliases {
        static ALIASES: OnceLock<FieldAliases> = OnceLock::new();
        ALIASES.get_or_init(|| FieldAliases::from_mapping(&Mapping::shipped()))
    }

    /// Every name of `field`, `field` first: a native name gives its prefixed forms and the
    /// ECS paths it maps to; an ECS path gives the native names mapped to it and their
    /// prefixed forms. Metadata names (`@…`) and unknown dotted names have no alias.
    pub fn names(&self, field: &str) -> Vec<String> {
        let mut names = vec![field.to_owned()];
        if field.starts_with('@') {
            return names;
        }
        let mut add = |name: &str| {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        };
        let stripped = self
            .prefixes
            .iter()
            .find_map(|p| field.strip_prefix(p.as_str()))
            .filter(|rest| !rest.is_empty());
        let natives: Vec<&str> = match stripped {
            Some(native) => vec![native],
            None if !field.contains('.') => vec![field],
            None => self
                .reverse
                .get(field)
                .map(|set| set.iter().map(String::as_str).collect())
                .unwrap_or_default(),
        };
        let native_given = stripped.is_some() || !field.contains('.');
        for native in natives {
            add(native);
            for prefix in &self.prefixes {
                add(&format!("{prefix}{native}"));
            }
            if native_given && let Some(paths) = self.forward.get(native) {
                for path in paths {
                    add(path);
                }
            }
        }
        names
    }

    /// `expr` with every field test widened to all names of its field.
    pub fn expand(&self, expr: &Expr) -> Expr {
        match expr {
            Expr::And(a, b) => Expr::And(Box::new(self.expand(a)), Box::new(self.expand(b))),
            Expr::Or(a, b) => Expr::Or(Box::new(self.expand(a)), Box::new(self.expand(b))),
            Expr::Not(inner) => Expr::Not(Box::new(self.expand(inner))),
            Expr::Field { field, test } => self
                .names(field)
                .into_iter()
                .map(|name| Expr::Field {
                    field: name,
                    test: test.clone(),
                })
                .reduce(|a, b| Expr::Or(Box::new(a), Box::new(b)))
                .unwrap_or_else(|| expr.clone()),
            Expr::Text(_) | Expr::TextPattern(_) | Expr::TextCidr(_) => expr.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FieldAliases;

    #[test]
    fn native_and_ecs_names_reach_each_other() {
        let aliases = FieldAliases::windows();
        let command_line = aliases.names("CommandLine");
        for name in [
            "CommandLine",
            "winlog.event_data.CommandLine",
            "process.command_line",
        ] {
            assert!(command_line.iter().any(|n| n == name), "{command_line:?}");
        }
        let ecs = aliases.names("process.command_line");
        assert_eq!(ecs[0], "process.command_line");
        for name in ["CommandLine", "winlog.event_data.CommandLine"] {
            assert!(ecs.iter().any(|n| n == name), "{ecs:?}");
        }
        let raw = aliases.names("winlog.event_data.Image");
        assert!(raw.iter().any(|n| n == "Image"), "{raw:?}");
        assert!(raw.iter().any(|n| n == "process.executable"), "{raw:?}");
        assert_eq!(aliases.names("@time"), ["@time"]);
        assert_eq!(aliases.names("some.unknown.path"), ["some.unknown.path"]);
    }
}
