//! HTML building: the escaper of every template, [`Markup`] (text that an escaping template
//! produced, the only thing a template writes without escaping) and the page layout (skip
//! link, navigation, language switch, user menu) shared by every page.
//!
//! Pages and fragments are askama templates in `crates/web/templates/`, checked at compile
//! time. Each `{{ value }}` of an `.html` template goes through [`Escape`]; no template uses
//! askama's `safe` filter or turns escaping off (a test reads them all). A template writes a
//! value unescaped only through the [`filters::markup`] filter, which accepts nothing but a
//! [`Markup`]; a `Markup` is only made by rendering one of these templates ([`Markup::of`]).
//! The SVG charts ([`super::chart`]) are templates too.

use std::fmt;

use askama::Template;
use vigie_access::Role;

use super::i18n::{Catalog, Lang};

/// The path of the templates' configuration, named by every template's `config`.
pub const CONFIG: &str = "templates/askama.toml";

/// The escaper of the `.html` templates (named in `templates/askama.toml`): `&`, `<`, `>`,
/// `"` and `'` become entities, which makes a value safe in element content and in quoted
/// attribute values.
#[derive(Clone, Copy, Debug, Default)]
pub struct Escape;

impl askama::filters::Escaper for Escape {
    fn write_escaped_str<W: fmt::Write>(&self, mut dest: W, text: &str) -> fmt::Result {
        let mut last = 0;
        for (i, b) in text.bytes().enumerate() {
            let entity = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            dest.write_str(&text[last..i])?;
            dest.write_str(entity)?;
            last = i + 1;
        }
        dest.write_str(&text[last..])
    }
}

/// HTML produced by rendering an escaping template: the only value a template may write
/// without escaping (through [`filters::markup`]). There is no other way to make one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Markup(String);

impl Markup {
    /// Renders `template` (every template of the UI escapes its values).
    pub fn of(template: &impl Template) -> Markup {
        match template.render() {
            Ok(text) => Markup(text),
            Err(error) => {
                // Rendering fails only when a value's `Display` fails; none of the UI's does.
                tracing::error!(%error, "a template failed to render");
                Markup(String::new())
            }
        }
    }

    /// The HTML text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The HTML text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Markup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A [`Markup`] or a reference to one: what [`filters::markup`] accepts. Sealed: no other
/// type can be one.
pub trait IsMarkup: fmt::Display + sealed::Sealed {}

mod sealed {
    /// Implemented for [`super::Markup`] and references to it only.
    pub trait Sealed {}

    impl Sealed for super::Markup {}
    impl<T: Sealed + ?Sized> Sealed for &T {}
}

impl IsMarkup for Markup {}
impl<T: IsMarkup + ?Sized> IsMarkup for &T {}

/// The templates' own filters (askama finds them as `filters` in scope of each template).
pub mod filters {
    use askama::filters::Safe;

    use super::IsMarkup;

    /// Writes a [`super::Markup`] as it is (it was escaped when it was rendered). Any other
    /// type does not compile.
    #[askama::filter_fn]
    pub fn markup<M: IsMarkup>(value: M, _: &dyn askama::Values) -> askama::Result<Safe<M>> {
        Ok(Safe(value))
    }

    /// Percent-encodes a value for a URL query or path segment; the template then escapes
    /// the result like any value (attribute URLs are encoded, then escaped).
    #[askama::filter_fn]
    pub fn url<T: std::fmt::Display>(value: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::url_encode(&value.to_string()))
    }
}

/// One `<option>` of a select: its value, its text, whether it is the current one.
#[derive(Clone, Debug)]
pub struct Choice {
    /// The submitted value.
    pub value: String,
    /// The shown text.
    pub text: String,
    /// Whether it is selected.
    pub selected: bool,
}

/// The options of a select from `(value, text)` pairs, `current` selected.
pub fn choices(options: Vec<(String, String)>, current: &str) -> Vec<Choice> {
    options
        .into_iter()
        .map(|(value, text)| Choice {
            selected: value == current,
            value,
            text,
        })
        .collect()
}

/// Percent-encodes a value for a URL query or path segment.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Who the page is for, as the layout needs it.
pub struct Chrome<'a> {
    /// The catalogue of the page's language.
    pub cat: &'a Catalog,
    /// The signed-in user's name and role, if any.
    pub user: Option<(&'a str, Role)>,
    /// The session's CSRF token, for the logout form and the page's forms.
    pub csrf: Option<&'a str>,
    /// The path and query of this page, to come back to after a language switch.
    pub here: &'a str,
    /// Which navigation entry is current (`dashboard`, `alerts`, ...).
    pub section: &'a str,
}

/// Whether a role works in the SOC console (the others use the client portal).
pub fn is_soc(role: Role) -> bool {
    !role.is_tenant_role()
}

/// An entry of the navigation: section id, link, message id.
struct NavEntry {
    id: &'static str,
    href: &'static str,
    key: &'static str,
}

/// The signed-in user in the header.
struct UserMenu<'a> {
    name: &'a str,
    role: String,
}

/// The navigation entries of a role.
fn navigation(role: Role) -> Vec<NavEntry> {
    let entry = |id, href, key| NavEntry { id, href, key };
    let mut entries = if is_soc(role) {
        let mut e = vec![
            entry("dashboard", "/ui/", "nav-dashboard"),
            entry("alerts", "/ui/alerts", "nav-alerts"),
            entry("incidents", "/ui/incidents", "nav-incidents"),
            entry("nis2", "/ui/nis2", "nav-nis2"),
            entry("detection", "/ui/detection", "nav-detection"),
            entry("hunt", "/ui/hunt", "nav-hunt"),
            entry("reports", "/ui/reports", "nav-reports"),
            entry("notifications", "/ui/notifications", "nav-notifications"),
        ];
        if matches!(role, Role::PlatformAdmin | Role::SocLead) {
            e.push(entry("admin", "/ui/admin", "nav-admin"));
        }
        e
    } else {
        let mut e = vec![
            entry("incidents", "/ui/incidents", "nav-my-incidents"),
            entry("nis2", "/ui/nis2", "nav-nis2"),
            entry("sla", "/ui/sla", "nav-sla"),
            entry("reports", "/ui/reports", "nav-reports"),
        ];
        if role == Role::TenantAdmin {
            e.push(entry("admin", "/ui/admin", "nav-users"));
        }
        e
    };
    entries.push(entry("tokens", "/ui/tokens", "nav-tokens"));
    entries
}

/// The whole page (`templates/layout.html`).
#[derive(Template)]
#[template(path = "layout.html", config = "templates/askama.toml")]
struct Layout<'a> {
    cat: &'a Catalog,
    title: &'a str,
    user: Option<UserMenu<'a>>,
    nav: Vec<NavEntry>,
    langs: [Lang; 4],
    here: &'a str,
    section: &'a str,
    csrf: &'a str,
    body: &'a Markup,
}

/// The whole page around `body`.
pub fn page(chrome: &Chrome<'_>, title: &str, body: &Markup) -> String {
    let cat = chrome.cat;
    let layout = Layout {
        cat,
        title,
        user: chrome.user.map(|(name, role)| UserMenu {
            name,
            role: cat.t(&format!("role-{}", role.as_str())),
        }),
        nav: chrome
            .user
            .map(|(_, role)| navigation(role))
            .unwrap_or_default(),
        langs: Lang::ALL,
        here: chrome.here,
        section: chrome.section,
        csrf: chrome.csrf.unwrap_or_default(),
        body,
    };
    let mut out = Markup::of(&layout).into_string();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value in element content and in a quoted attribute.
    #[derive(Template)]
    #[template(
        source = r#"<p title="{{ value }}">{{ value }}</p>{{ inner|markup }}"#,
        ext = "html",
        config = "templates/askama.toml"
    )]
    struct Probe<'a> {
        value: &'a str,
        inner: &'a Markup,
    }

    #[test]
    fn templates_escape_values_and_write_markup_as_is() {
        let inner = Markup::of(&Probe {
            value: "<b>",
            inner: &Markup::default(),
        });
        assert_eq!(inner.as_str(), r#"<p title="&lt;b&gt;">&lt;b&gt;</p>"#);
        let outer = Markup::of(&Probe {
            value: r#"<script>alert("x")</script> & 'y'"#,
            inner: &inner,
        });
        assert_eq!(
            outer.as_str(),
            concat!(
                r#"<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;">"#,
                "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</p>",
                r#"<p title="&lt;b&gt;">&lt;b&gt;</p>"#,
            )
        );
        assert_eq!(
            url_encode("/ui/alerts?tenant=a b&x"),
            "%2Fui%2Falerts%3Ftenant%3Da%20b%26x"
        );
    }

    /// The templates, by file name.
    fn templates() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        out.sort();
        out
    }

    /// Every Rust source of the crate, by path, its test module left out.
    fn sources() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
                    out.push((path.display().to_string(), code.to_owned()));
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut out,
        );
        out
    }

    /// Escaping by construction: every template is an `.html` file escaped by [`Escape`]; none
    /// uses an escape hatch (`safe`, `escape`/`e` with another escaper, a `filter` block) or
    /// writes an inline script, style or event handler; each `#[template]` of the crate reads
    /// such a file with the UI's configuration (no inline source, no `escape = "none"`). The
    /// only value written as is goes through [`filters::markup`], which takes nothing but a
    /// [`Markup`], and only this module makes one.
    #[test]
    fn every_template_escapes_every_value() {
        let config =
            std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(CONFIG))
                .unwrap();
        assert!(
            config.contains(r#"path = "crate::ui::html::Escape""#)
                && config.contains(r#"extensions = ["html"]"#),
            "{config}"
        );
        let mut markup_uses = 0;
        for (name, text) in templates() {
            if name == "askama.toml" {
                continue;
            }
            assert!(name.ends_with(".html"), "{name}: not an escaping template");
            let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            for hatch in [
                "|safe",
                "|escape",
                "|e}",
                "|e|",
                "|e(",
                "{%filter",
                "{%-filter",
            ] {
                assert!(!squeezed.contains(hatch), "{name}: uses {hatch}");
            }
            markup_uses += squeezed.matches("|markup}}").count();
            // Nothing inline for the Content-Security-Policy to allow: the script and the
            // styles are files under `static/`.
            let lower = text.to_ascii_lowercase();
            assert!(
                !lower.contains("<style")
                    && !lower.contains(" style=")
                    && !lower.contains("javascript:"),
                "{name}: inline style or script"
            );
            assert_eq!(
                lower.matches("<script").count(),
                lower
                    .matches(r#"<script src="/static/vigie.js" defer></script>"#)
                    .count(),
                "{name}: inline script"
            );
            for word in lower.split_whitespace() {
                assert!(
                    !(word.starts_with("on") && word.contains("=\"")),
                    "{name}: event handler {word}"
                );
            }
        }
        assert!(markup_uses > 0);
        let mut declared = Vec::new();
        for (name, code) in sources() {
            for attribute in code.split("#[template(").skip(1) {
                let attribute = attribute.split(")]").next().unwrap();
                if let Some(path) = attribute.split(r#"path = ""#).nth(1) {
                    declared.push(path.split('"').next().unwrap().to_owned());
                }
                assert!(
                    attribute.contains(r#"config = "templates/askama.toml""#)
                        && attribute.contains(r#"path = ""#)
                        && attribute.contains(r#".html""#)
                        && !attribute.contains("source")
                        && !attribute.contains("escape")
                        && !attribute.contains("ext"),
                    "{name}: #[template({attribute})]"
                );
            }
            // Markup comes from rendering templates only.
            assert!(
                !code.contains("Markup(") || name.ends_with("ui/html.rs"),
                "{name} builds a Markup by hand"
            );
        }
        // Every template but the macros is a page or fragment of its own.
        declared.sort();
        let files: Vec<String> = templates()
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| name.ends_with(".html") && name != "macros.html")
            .collect();
        assert_eq!(declared, files);
    }
}
