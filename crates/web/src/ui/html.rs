//! HTML building: one escaping function every dynamic value goes through, and the page
//! layout (skip link, navigation, language switch, user menu) shared by every page.

use vigie_soc::Role;

use super::i18n::{Catalog, Lang};

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
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

/// A hidden CSRF field for a POST form.
pub fn csrf_field(csrf: Option<&str>) -> String {
    format!(
        r#"<input type="hidden" name="csrf" value="{}">"#,
        esc(csrf.unwrap_or_default())
    )
}

/// Whether a role works in the SOC console (the others use the client portal).
pub fn is_soc(role: Role) -> bool {
    !role.is_tenant_role()
}

/// The whole page around `body`.
pub fn page(chrome: &Chrome<'_>, title: &str, body: &str) -> String {
    let cat = chrome.cat;
    let lang = cat.lang();
    let mut out = String::with_capacity(body.len() + 4096);
    out.push_str("<!doctype html>\n");
    out.push_str(&format!(r#"<html lang="{}">"#, lang.tag()));
    out.push_str(r#"<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">"#);
    out.push_str(&format!(
        "<title>{} · {}</title>",
        esc(title),
        esc(&cat.t("app-name"))
    ));
    out.push_str(r#"<link rel="icon" href="/static/vigie.svg" type="image/svg+xml">"#);
    out.push_str(r#"<link rel="stylesheet" href="/static/vigie.css">"#);
    out.push_str(r#"<script src="/static/vigie.js" defer></script>"#);
    out.push_str("</head><body>");
    out.push_str(&format!(
        r##"<a class="skip" href="#main">{}</a>"##,
        esc(&cat.t("skip-to-content"))
    ));
    out.push_str(r#"<header class="top">"#);
    out.push_str(&format!(
        r#"<a class="brand" href="/ui/">{}</a>"#,
        esc(&cat.t("app-name"))
    ));
    if let Some((_, role)) = chrome.user {
        out.push_str(&format!(
            r#"<nav aria-label="{}"><ul>"#,
            esc(&cat.t("nav-label"))
        ));
        let entries: Vec<(&str, &str, &str)> = if is_soc(role) {
            let mut e = vec![
                ("dashboard", "/ui/", "nav-dashboard"),
                ("alerts", "/ui/alerts", "nav-alerts"),
                ("incidents", "/ui/incidents", "nav-incidents"),
                ("detection", "/ui/detection", "nav-detection"),
                ("hunt", "/ui/hunt", "nav-hunt"),
            ];
            if matches!(role, Role::PlatformAdmin | Role::SocLead) {
                e.push(("admin", "/ui/admin", "nav-admin"));
            }
            e
        } else {
            let mut e = vec![
                ("incidents", "/ui/incidents", "nav-my-incidents"),
                ("sla", "/ui/sla", "nav-sla"),
            ];
            if role == Role::TenantAdmin {
                e.push(("admin", "/ui/admin", "nav-users"));
            }
            e
        };
        let mut entries = entries;
        entries.push(("tokens", "/ui/tokens", "nav-tokens"));
        for (id, href, key) in entries {
            let current = if id == chrome.section {
                r#" aria-current="page""#
            } else {
                ""
            };
            out.push_str(&format!(
                r#"<li><a href="{href}"{current}>{}</a></li>"#,
                esc(&cat.t(key))
            ));
        }
        out.push_str("</ul></nav>");
    }
    out.push_str(&lang_switch(cat, chrome.here));
    if let Some((name, role)) = chrome.user {
        out.push_str(&format!(
            r#"<form class="user" method="post" action="/ui/logout"><span>{} <small>({})</small></span>{}<button type="submit">{}</button></form>"#,
            esc(name),
            esc(&cat.t(&format!("role-{}", role.as_str()))),
            csrf_field(chrome.csrf),
            esc(&cat.t("logout"))
        ));
    }
    out.push_str("</header>");
    out.push_str(&format!(
        r#"<main id="main" tabindex="-1"><h1>{}</h1>"#,
        esc(title)
    ));
    out.push_str(body);
    out.push_str("</main></body></html>\n");
    out
}

/// The language switch: four links, the current one marked.
fn lang_switch(cat: &Catalog, here: &str) -> String {
    let mut out = format!(
        r#"<nav class="langs" aria-label="{}"><ul>"#,
        esc(&cat.t("language-switch"))
    );
    for lang in Lang::ALL {
        let current = if lang == cat.lang() {
            r#" aria-current="true""#
        } else {
            ""
        };
        out.push_str(&format!(
            r#"<li><a href="/ui/lang/{tag}?back={back}" lang="{tag}" hreflang="{tag}" title="{name}"{current}>{label}</a></li>"#,
            tag = lang.tag(),
            back = url_encode(here),
            name = esc(lang.native_name()),
            label = lang.tag().to_ascii_uppercase(),
        ));
    }
    out.push_str("</ul></nav>");
    out
}

/// A `<select>` with a visible label; `options` are `(value, text)`.
pub fn select(
    id: &str,
    name: &str,
    label: &str,
    options: &[(String, String)],
    current: &str,
) -> String {
    let mut out = format!(
        r#"<label for="{id}">{}</label><select id="{id}" name="{name}">"#,
        esc(label)
    );
    for (value, text) in options {
        let selected = if value == current { " selected" } else { "" };
        out.push_str(&format!(
            r#"<option value="{}"{selected}>{}</option>"#,
            esc(value),
            esc(text)
        ));
    }
    out.push_str("</select>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_attributes() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(
            url_encode("/ui/alerts?tenant=a b&x"),
            "%2Fui%2Falerts%3Ftenant%3Da%20b%26x"
        );
    }
}
