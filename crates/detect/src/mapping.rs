//! Logsource routing and field mapping, declared in YAML (see `mappings/windows.yml`).
//!
//! A [`Mapping`] says which events belong to a rule's `logsource` and where each Sigma field
//! name is in those events. Each *source* recognises its events by a channel field (flat
//! native Windows names, or ECS documents from Winlogbeat / Elastic Agent); *services* map a
//! Windows service to channels; *categories* map a Windows category to routes (service, event
//! ids, extra equalities, renames and fields that kind of event does not carry).
//!
//! Rules whose product is not `windows` are *generic*: they run on events no source claims,
//! with field names as written. A Windows rule whose category or service the mapping does
//! not know never runs, and says so in the load report.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::meta::LogSource;

/// The mapping shipped with vigie: Windows (flat native names and ECS).
pub const WINDOWS_MAPPING: &str = include_str!("../mappings/windows.yml");

/// A parsed and checked logsource mapping.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Event sources, tried in order.
    pub sources: Vec<Source>,
    /// Windows service → channels.
    pub services: BTreeMap<String, Vec<String>>,
    /// Windows category → routes.
    pub categories: BTreeMap<String, Vec<Route>>,
}

/// One kind of event sender and how to read its events.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Name shown in reports (`windows`, `ecs`).
    pub name: String,
    /// Paths of the channel field; the source claims an event where one is a string.
    pub channel: Vec<String>,
    /// Paths of the numeric event id (a JSON number or a string of digits).
    pub event_id: Vec<String>,
    /// Prefix added to a Sigma field name that `fields` does not map and that has no `.`.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Sigma field name → event paths, for every rule.
    #[serde(default)]
    pub fields: BTreeMap<String, Vec<String>>,
    /// Field maps that apply only to rules of some logsource (tried before `fields`).
    #[serde(default)]
    pub by_logsource: Vec<ByLogsource>,
}

/// Field names that depend on the rule's logsource.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByLogsource {
    /// Which rules: their category and/or service equal these.
    pub logsource: LogsourceSelector,
    /// Sigma field name → event paths.
    pub fields: BTreeMap<String, Vec<String>>,
}

/// Selects rules by logsource category and/or service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsourceSelector {
    /// Category to equal.
    #[serde(default)]
    pub category: Option<String>,
    /// Service to equal.
    #[serde(default)]
    pub service: Option<String>,
}

/// One kind of event that serves a Windows category.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// The service (a key of [`Mapping::services`]) whose channels carry it.
    pub service: String,
    /// Event ids.
    pub event_id: Vec<i64>,
    /// Further equalities the event must satisfy (Sigma field name → value, compared
    /// case-insensitively).
    #[serde(default, rename = "where")]
    pub where_: BTreeMap<String, String>,
    /// Sigma field name → the name this kind of event uses.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Sigma field names this kind of event does not carry.
    #[serde(default)]
    pub unmapped: Vec<String>,
}

/// Where a rule runs, decided from its logsource.
#[derive(Debug, Clone)]
pub(crate) enum Routing<'m> {
    /// On events of these Windows channels (lowercase), optionally only these event ids.
    Windows(Vec<WinRoute<'m>>),
    /// On every event of a Windows source.
    AllWindows,
    /// On events that no source claims, field names as written.
    Generic,
    /// Never: the mapping cannot place the logsource (the reason).
    Dormant(String),
}

/// Channels and event ids of one route of a Windows rule.
#[derive(Debug, Clone)]
pub(crate) struct WinRoute<'m> {
    pub(crate) channels: Vec<String>,
    pub(crate) event_ids: Option<&'m [i64]>,
    pub(crate) route: Option<&'m Route>,
    /// A label for reports, e.g. `sysmon 1` or `security`.
    pub(crate) label: String,
}

impl Mapping {
    /// The shipped Windows mapping.
    pub fn windows() -> Mapping {
        Mapping::from_yaml(WINDOWS_MAPPING).unwrap_or_else(|e| {
            // A test (`shipped_mapping_is_valid`) keeps this from happening.
            panic!("the shipped Windows mapping is invalid: {e}")
        })
    }

    /// Parses and checks a mapping; the error names every problem.
    pub fn from_yaml(text: &str) -> Result<Mapping, String> {
        let mapping: Mapping = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
        let mut problems = Vec::new();
        for (category, routes) in &mapping.categories {
            for route in routes {
                if !mapping.services.contains_key(&route.service) {
                    problems.push(format!(
                        "category `{category}` names unknown service `{}`",
                        route.service
                    ));
                }
            }
        }
        for source in &mapping.sources {
            if source.channel.is_empty() {
                problems.push(format!("source `{}` has no channel path", source.name));
            }
        }
        if problems.is_empty() {
            Ok(mapping)
        } else {
            Err(problems.join("; "))
        }
    }

    /// Where a rule of this logsource runs.
    pub(crate) fn routing(&self, ls: &LogSource) -> Routing<'_> {
        if !ls
            .product
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("windows"))
        {
            return Routing::Generic;
        }
        let channels = |service: &str| -> Option<Vec<String>> {
            self.services
                .get(service)
                .map(|list| list.iter().map(|c| c.to_ascii_lowercase()).collect())
        };
        match (&ls.category, &ls.service) {
            (Some(category), service) => {
                let Some(routes) = self.categories.get(category) else {
                    return Routing::Dormant(format!(
                        "no mapping for Windows category `{category}`: no event source \
                         delivers it"
                    ));
                };
                let routes: Vec<WinRoute<'_>> = routes
                    .iter()
                    .filter(|r| service.as_ref().is_none_or(|s| *s == r.service))
                    .map(|route| WinRoute {
                        channels: channels(&route.service).unwrap_or_default(),
                        event_ids: Some(&route.event_id),
                        route: Some(route),
                        label: format!(
                            "{} {}",
                            route.service,
                            route
                                .event_id
                                .iter()
                                .map(i64::to_string)
                                .collect::<Vec<_>>()
                                .join("/")
                        ),
                    })
                    .collect();
                if routes.is_empty() {
                    Routing::Dormant(format!(
                        "no mapping for Windows category `{category}` on service `{}`",
                        service.as_deref().unwrap_or_default()
                    ))
                } else {
                    Routing::Windows(routes)
                }
            }
            (None, Some(service)) => match channels(service) {
                Some(list) => Routing::Windows(vec![WinRoute {
                    channels: list,
                    event_ids: None,
                    route: None,
                    label: service.clone(),
                }]),
                None => Routing::Dormant(format!(
                    "no mapping for Windows service `{service}`: no channel is known for it"
                )),
            },
            (None, None) => Routing::AllWindows,
        }
    }

    /// The event paths of Sigma field `field` for a rule of logsource `ls` on events of
    /// `source` and `route`; `None` when that kind of event does not carry it.
    pub(crate) fn paths(
        &self,
        source: &Source,
        route: Option<&Route>,
        ls: &LogSource,
        field: &str,
    ) -> Option<Vec<String>> {
        let mut name = field;
        if let Some(route) = route {
            if route.unmapped.iter().any(|u| u == field) {
                return None;
            }
            if let Some(renamed) = route.fields.get(field) {
                name = renamed;
            }
        }
        let selected = source.by_logsource.iter().find_map(|by| {
            let category_ok = by
                .logsource
                .category
                .as_ref()
                .is_none_or(|c| ls.category.as_ref() == Some(c));
            let service_ok = by.logsource.service.as_ref().is_none_or(|s| {
                ls.service.as_ref() == Some(s) || route.is_some_and(|r| r.service == *s)
            });
            (category_ok && service_ok)
                .then(|| by.fields.get(name))
                .flatten()
        });
        let mut paths: Vec<String> = selected
            .or_else(|| source.fields.get(name))
            .cloned()
            .unwrap_or_default();
        match &source.prefix {
            Some(prefix) if !name.contains('.') => {
                // The event-data name, also as a fallback after an ECS name.
                let raw = format!("{prefix}{name}");
                if !paths.contains(&raw) {
                    paths.push(raw);
                }
            }
            _ => {
                if paths.is_empty() {
                    paths.push(name.to_owned());
                }
            }
        }
        Some(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(product: &str, category: Option<&str>, service: Option<&str>) -> LogSource {
        LogSource {
            product: Some(product.into()),
            category: category.map(Into::into),
            service: service.map(Into::into),
        }
    }

    #[test]
    fn shipped_mapping_is_valid() {
        let mapping = Mapping::from_yaml(WINDOWS_MAPPING).unwrap();
        assert_eq!(mapping.sources.len(), 2);
        assert!(mapping.categories.contains_key("process_creation"));
    }

    #[test]
    fn unknown_service_in_a_category_is_named() {
        let text =
            "sources: []\nservices: {}\ncategories:\n  x: [{service: nope, event_id: [1]}]\n";
        assert!(Mapping::from_yaml(text).unwrap_err().contains("`nope`"));
    }

    #[test]
    fn routing_by_category_service_and_product() {
        let m = Mapping::windows();
        let Routing::Windows(routes) = m.routing(&ls("windows", Some("process_creation"), None))
        else {
            panic!()
        };
        assert_eq!(routes.len(), 2);
        assert_eq!(routes[0].event_ids, Some(&[1][..]));
        assert_eq!(routes[1].channels, vec!["security".to_owned()]);
        assert!(matches!(
            m.routing(&ls("windows", None, Some("security"))),
            Routing::Windows(_)
        ));
        assert!(matches!(
            m.routing(&ls("windows", None, None)),
            Routing::AllWindows
        ));
        assert!(matches!(
            m.routing(&ls("linux", Some("process_creation"), None)),
            Routing::Generic
        ));
        let Routing::Dormant(why) = m.routing(&ls("windows", Some("file_access"), None)) else {
            panic!()
        };
        assert!(why.contains("file_access"), "{why}");
    }

    #[test]
    fn field_paths_native_security_and_ecs() {
        let m = Mapping::windows();
        let (native, ecs) = (&m.sources[0], &m.sources[1]);
        let pc = ls("windows", Some("process_creation"), None);
        let security = &m.categories["process_creation"][1];
        assert_eq!(
            m.paths(native, None, &pc, "Image"),
            Some(vec!["Image".into()])
        );
        assert_eq!(
            m.paths(native, Some(security), &pc, "Image"),
            Some(vec!["NewProcessName".into()])
        );
        assert_eq!(
            m.paths(native, Some(security), &pc, "OriginalFileName"),
            None
        );
        assert_eq!(
            m.paths(ecs, None, &pc, "CommandLine"),
            Some(vec![
                "process.command_line".into(),
                "winlog.event_data.CommandLine".into()
            ])
        );
        assert_eq!(
            m.paths(ecs, None, &pc, "OriginalFileName").unwrap()[0],
            "process.pe.original_file_name"
        );
        assert_eq!(
            m.paths(ecs, Some(security), &pc, "Image").unwrap()[0],
            "process.executable"
        );
        assert_eq!(
            m.paths(ecs, None, &pc, "GrantedAccess"),
            Some(vec!["winlog.event_data.GrantedAccess".into()])
        );
    }
}
