//! Logsource routing and field mapping, declared in YAML (see `mappings/windows.yml`).
//!
//! A [`Mapping`] says which events belong to a rule's `logsource` and where each Sigma field
//! name is in those events. Each *source* recognises its events by a channel field (flat
//! native Windows names, or ECS documents from Winlogbeat / Elastic Agent); *services* map a
//! Windows service to channels; *categories* map a Windows category to routes (service, event
//! ids, extra equalities, renames and fields that kind of event does not carry).
//!
//! Every other source is a *source type* (`mappings/sources.yml`): an event says what sent it
//! in [`vigie_event::Event::source_type`] (declared where it entered, or recognised by
//! `vigie-parse`), and each type lists the Sigma logsources it serves, with pySigma's
//! semantics: a rule runs on a type when every logsource field the rule sets (product,
//! category, service) equals that of one of the type's `serves` entries. A Windows rule
//! whose category or service the mapping does not know, and a rule of a product, category or
//! service that some type names but none serves in that combination, never run, and say so
//! in the load report. Rules of a product no mapping names (custom data: `product: myapp`)
//! run on events without a source type, and on events declared `<product>.<service>` (or of
//! that product when the rule names no service), field names as written.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::meta::LogSource;

/// The mapping shipped with vigie: Windows (flat native names and ECS).
pub const WINDOWS_MAPPING: &str = include_str!("../mappings/windows.yml");

/// The source types shipped with vigie: Linux, network, cloud and web sources.
pub const SOURCES_MAPPING: &str = include_str!("../mappings/sources.yml");

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
    /// Source types (other than Windows channels) and the logsources they serve.
    #[serde(default)]
    pub types: BTreeMap<String, TypedSource>,
    /// Sigma products that no type serves but that are not custom data either (SigmaHQ's
    /// `macos`, `okta`, ...): their rules run only on events declared `<product>.<service>`,
    /// never on events without a source type.
    #[serde(default)]
    pub products: Vec<String>,
}

/// One source type (`linux.sysmon`, `aws.cloudtrail`) and the Sigma logsources it serves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypedSource {
    /// Paths of the numeric event id, for `serves` entries that name event ids.
    #[serde(default)]
    pub event_id: Vec<String>,
    /// The logsources its events serve.
    pub serves: Vec<Serves>,
    /// Sigma field name → event paths (tried in order); other names are looked up as written.
    #[serde(default)]
    pub fields: BTreeMap<String, Vec<String>>,
}

/// A logsource a source type serves, optionally only on some of its events.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Serves {
    /// Sigma product.
    #[serde(default)]
    pub product: Option<String>,
    /// Sigma category.
    #[serde(default)]
    pub category: Option<String>,
    /// Sigma service.
    #[serde(default)]
    pub service: Option<String>,
    /// Only events with these ids (read from [`TypedSource::event_id`]).
    #[serde(default)]
    pub event_id: Option<Vec<i64>>,
    /// Further equalities the event must satisfy (Sigma field name → value, compared
    /// case-insensitively).
    #[serde(default, rename = "where")]
    pub where_: BTreeMap<String, String>,
}

impl Serves {
    /// Whether a rule of logsource `ls` runs on these events: every field the rule sets is
    /// set here to the same value (case-insensitively), and the rule sets one at least.
    fn fits(&self, ls: &LogSource) -> bool {
        let same = |rule: &Option<String>, mine: &Option<String>| match rule {
            None => true,
            Some(r) => mine.as_ref().is_some_and(|m| m.eq_ignore_ascii_case(r)),
        };
        (ls.product.is_some() || ls.category.is_some() || ls.service.is_some())
            && same(&ls.product, &self.product)
            && same(&ls.category, &self.category)
            && same(&ls.service, &self.service)
    }

    fn label(&self) -> String {
        let mut parts = Vec::new();
        for (key, value) in [
            ("product", &self.product),
            ("category", &self.category),
            ("service", &self.service),
        ] {
            if let Some(value) = value {
                parts.push(format!("{key} {value}"));
            }
        }
        if let Some(ids) = &self.event_id {
            parts.push(format!(
                "id {}",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join("/")
            ));
        }
        parts.join(", ")
    }
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
    /// On events declared `convention` (`product.service`, or of the product alone) and,
    /// when `unclassified`, on events without a source type that no Windows source claims;
    /// field names as written. `dormant` says why no parsed source feeds it, if so.
    Custom {
        convention: Option<String>,
        unclassified: bool,
        dormant: Option<String>,
    },
    /// On events of these source types.
    Typed(Vec<TypedRoute<'m>>),
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

/// One source type a rule runs on, optionally only some of its events.
#[derive(Debug, Clone)]
pub(crate) struct TypedRoute<'m> {
    pub(crate) source_type: &'m str,
    pub(crate) source: &'m TypedSource,
    pub(crate) event_ids: Option<&'m [i64]>,
    pub(crate) serves: &'m Serves,
    /// For reports: `linux.sysmon (product linux, category process_creation, id 1)`.
    pub(crate) label: String,
}

impl Mapping {
    /// The shipped mapping: Windows channels and the other source types.
    pub fn shipped() -> Mapping {
        let mut mapping = Mapping::from_yaml(WINDOWS_MAPPING).unwrap_or_else(|e| {
            // A test (`shipped_mapping_is_valid`) keeps this from happening.
            panic!("the shipped Windows mapping is invalid: {e}")
        });
        let types = Mapping::from_yaml(SOURCES_MAPPING)
            .unwrap_or_else(|e| panic!("the shipped source types are invalid: {e}"));
        mapping.types = types.types;
        mapping.products = types.products;
        mapping
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
        for (name, typed) in &mapping.types {
            let parts: Vec<&str> = name.split('.').collect();
            if parts.len() < 2
                || parts.iter().any(|p| {
                    p.is_empty()
                        || !p
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                })
            {
                problems.push(format!(
                    "source type `{name}` is not lowercase parts joined by dots"
                ));
            }
            if name.starts_with("windows.") {
                problems.push(format!(
                    "source type `{name}`: Windows events are routed by channel (`sources`)"
                ));
            }
            for serves in &typed.serves {
                if serves.product.is_none() && serves.category.is_none() && serves.service.is_none()
                {
                    problems.push(format!(
                        "source type `{name}` serves an entry with no product, category or service"
                    ));
                }
                if serves.event_id.is_some() && typed.event_id.is_empty() {
                    problems.push(format!(
                        "source type `{name}` serves event ids but names no `event_id` path"
                    ));
                }
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
            return self.typed_routing(ls);
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

    /// Where a rule of a logsource other than Windows runs (see the module documentation).
    fn typed_routing(&self, ls: &LogSource) -> Routing<'_> {
        let mut routes = Vec::new();
        for (name, source) in &self.types {
            let fitting: Vec<&Serves> = source.serves.iter().filter(|s| s.fits(ls)).collect();
            // An entry for every event of the type makes the narrower ones redundant.
            let whole = fitting
                .iter()
                .find(|s| s.event_id.is_none() && s.where_.is_empty());
            let chosen: Vec<&Serves> = match whole {
                Some(whole) => vec![*whole],
                None => fitting,
            };
            for serves in chosen {
                routes.push(TypedRoute {
                    source_type: name,
                    source,
                    event_ids: serves.event_id.as_deref(),
                    serves,
                    label: format!("{name} ({})", serves.label()),
                });
            }
        }
        if !routes.is_empty() {
            return Routing::Typed(routes);
        }
        let described = || {
            let mut parts = Vec::new();
            for (key, value) in [
                ("product", &ls.product),
                ("category", &ls.category),
                ("service", &ls.service),
            ] {
                if let Some(value) = value {
                    parts.push(format!("{key} `{value}`"));
                }
            }
            parts.join(", ")
        };
        match &ls.product {
            Some(product) => {
                let convention = match &ls.service {
                    Some(service) => format!(
                        "{}.{}",
                        product.to_ascii_lowercase(),
                        service.to_ascii_lowercase()
                    ),
                    None => product.to_ascii_lowercase(),
                };
                let named = self.types.iter().any(|(t, typed)| {
                    t.split('.')
                        .next()
                        .is_some_and(|p| p.eq_ignore_ascii_case(product))
                        || typed.serves.iter().any(|s| {
                            s.product
                                .as_ref()
                                .is_some_and(|p| p.eq_ignore_ascii_case(product))
                        })
                }) || self
                    .products
                    .iter()
                    .any(|p| p.eq_ignore_ascii_case(product));
                Routing::Custom {
                    dormant: named.then(|| {
                        format!(
                            "no source type vigie reads serves {}; it runs only on events \
                             declared `{convention}`",
                            described()
                        )
                    }),
                    convention: Some(convention),
                    unclassified: !named,
                }
            }
            None if ls.category.is_some() || ls.service.is_some() => {
                Routing::Dormant(format!("no source type serves {}", described()))
            }
            None => Routing::Custom {
                convention: None,
                unclassified: true,
                dormant: None,
            },
        }
    }

    /// The event paths of Sigma field `field` on events of source type `source`.
    pub(crate) fn typed_paths(source: &TypedSource, field: &str) -> Vec<String> {
        source
            .fields
            .get(field)
            .cloned()
            .unwrap_or_else(|| vec![field.to_owned()])
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
        let types = Mapping::from_yaml(SOURCES_MAPPING).unwrap();
        assert!(types.types.contains_key("linux.sysmon"));
        assert!(types.sources.is_empty());
        assert_eq!(Mapping::shipped().types.len(), types.types.len());
    }

    #[test]
    fn bad_source_types_are_named() {
        let text = "sources: []\nservices: {}\ncategories: {}\ntypes:\n  Bad: {serves: [{product: x}]}\n  windows.x: {serves: [{product: x}]}\n  a.b: {serves: [{}]}\n  c.d: {serves: [{product: c, event_id: [1]}]}\n";
        let error = Mapping::from_yaml(text).unwrap_err();
        for part in [
            "`Bad`",
            "`windows.x`",
            "`a.b` serves an entry",
            "`c.d` serves event ids",
        ] {
            assert!(error.contains(part), "{part}: {error}");
        }
    }

    #[test]
    fn unknown_service_in_a_category_is_named() {
        let text =
            "sources: []\nservices: {}\ncategories:\n  x: [{service: nope, event_id: [1]}]\n";
        assert!(Mapping::from_yaml(text).unwrap_err().contains("`nope`"));
    }

    #[test]
    fn routing_by_category_service_and_product() {
        let m = Mapping::shipped();
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
        let Routing::Typed(routes) = m.routing(&ls("linux", Some("process_creation"), None)) else {
            panic!()
        };
        assert_eq!(routes.len(), 1);
        assert_eq!(routes[0].source_type, "linux.sysmon");
        assert_eq!(routes[0].event_ids, Some(&[1][..]));
        // `product: linux` alone: every Linux type, whole.
        let Routing::Typed(routes) = m.routing(&ls("linux", None, None)) else {
            panic!()
        };
        let types: Vec<&str> = routes.iter().map(|r| r.source_type).collect();
        assert!(
            types.contains(&"linux.auditd") && types.contains(&"linux.sysmon"),
            "{types:?}"
        );
        assert!(routes.iter().all(|r| r.event_ids.is_none()));
        assert!(!types.iter().any(|t| !t.starts_with("linux.")), "{types:?}");
        // A category several types serve, with no product.
        let Routing::Typed(routes) = m.routing(&LogSource {
            product: None,
            category: Some("webserver".into()),
            service: None,
        }) else {
            panic!()
        };
        assert_eq!(
            routes.iter().map(|r| r.source_type).collect::<Vec<_>>(),
            ["apache.access", "nginx.access", "webserver.access"]
        );
        // A known product with a service nothing serves: dormant unless declared.
        let Routing::Custom {
            convention,
            unclassified,
            dormant,
        } = m.routing(&ls("linux", None, Some("guacamole")))
        else {
            panic!()
        };
        assert_eq!(convention.as_deref(), Some("linux.guacamole"));
        assert!(!unclassified);
        assert!(dormant.unwrap().contains("service `guacamole`"));
        let Routing::Custom {
            unclassified,
            dormant,
            ..
        } = m.routing(&ls("macos", Some("process_creation"), None))
        else {
            panic!()
        };
        assert!(!unclassified && dormant.is_some());
        // Custom data: a product no mapping names.
        let Routing::Custom {
            convention,
            unclassified,
            dormant,
        } = m.routing(&ls("myapp", None, Some("audit")))
        else {
            panic!()
        };
        assert_eq!(convention.as_deref(), Some("myapp.audit"));
        assert!(unclassified && dormant.is_none());
        let Routing::Dormant(why) = m.routing(&LogSource {
            product: None,
            category: Some("antivirus".into()),
            service: None,
        }) else {
            panic!()
        };
        assert!(why.contains("category `antivirus`"), "{why}");
        let Routing::Dormant(why) = m.routing(&ls("windows", Some("file_access"), None)) else {
            panic!()
        };
        assert!(why.contains("file_access"), "{why}");
    }

    #[test]
    fn field_paths_native_security_and_ecs() {
        let m = Mapping::shipped();
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
