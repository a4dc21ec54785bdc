//! Detection pages: the rule catalogue with each file's load status and reason, the triage
//! feedback per rule (acknowledged, escalated, false positives and the false-positive rate)
//! over the viewer's tenants, and the suppressions of those tenants.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;
use vigie_soc::Permission;

use super::Viewer;
use super::console::severity_badge;
use super::html::esc;
use crate::AppState;

/// `GET /ui/detection`.
pub async fn catalogue(State(state): State<AppState>, viewer: Viewer) -> Response {
    if let Err(r) = viewer.require_soc() {
        return r;
    }
    if let Err(r) = viewer.require(&state, Permission::ReadDesk, "rules").await {
        return r;
    }
    let cat = viewer.cat();
    let scope = &viewer.principal.scope;
    let (rules, stats, suppressions) = match (
        state.store().list_rule_status().await,
        state.store().rule_stats(scope).await,
        state.store().list_suppressions(scope).await,
    ) {
        (Ok(r), Ok(s), Ok(p)) => (r, s, p),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return viewer.api_error(e),
    };
    // Triage feedback summed over the viewer's tenants, per rule id.
    let mut per_rule: BTreeMap<&str, [i64; 3]> = BTreeMap::new();
    for s in &stats {
        let e = per_rule.entry(s.rule_id.as_str()).or_default();
        e[0] += s.acknowledged;
        e[1] += s.escalated;
        e[2] += s.false_positives;
    }
    let loaded = rules.iter().filter(|r| r.loaded).count();
    let mut body = format!(
        r#"<p id="rules-summary">{}</p>"#,
        esc(&cat.tr(
            "rules-summary",
            &[
                ("loaded", (loaded as i64).into()),
                ("rejected", ((rules.len() - loaded) as i64).into()),
            ]
        ))
    );
    body.push_str(&format!(
        r#"<table class="grid"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        esc(&cat.t("col-rule")),
        esc(&cat.t("col-file")),
        esc(&cat.t("col-severity")),
        esc(&cat.t("col-load-status")),
        esc(&cat.t("col-acknowledged")),
        esc(&cat.t("col-escalated")),
        esc(&cat.t("col-false-positives")),
        esc(&cat.t("col-fp-rate")),
    ));
    for r in &rules {
        let [ack, esc_n, fp] = r
            .rule_id
            .as_deref()
            .and_then(|id| per_rule.get(id).copied())
            .unwrap_or_default();
        let triaged = ack + esc_n + fp;
        let rate = if triaged == 0 {
            "–".to_owned()
        } else {
            format!("{} %", cat.number(fp * 100 / triaged))
        };
        let status = if r.loaded {
            format!(r#"<span class="ok">{}</span>"#, esc(&cat.t("rule-loaded")))
        } else {
            format!(
                r#"<span class="late">{}</span>"#,
                esc(&cat.t("rule-rejected"))
            )
        };
        let reason = r
            .reason
            .as_deref()
            .map(|m| format!("<br><small>{}</small>", esc(m)))
            .unwrap_or_default();
        body.push_str(&format!(
            r#"<tr><td>{}<br><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{status}{reason}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{rate}</td></tr>"#,
            esc(r.title.as_deref().unwrap_or("–")),
            esc(r.rule_id.as_deref().unwrap_or("–")),
            esc(&r.path),
            r.severity.map(|s| severity_badge(cat, s)).unwrap_or_default(),
            cat.number(ack),
            cat.number(esc_n),
            cat.number(fp),
        ));
    }
    body.push_str("</tbody></table>");
    body.push_str(&format!(
        r#"<h2 id="supp-h">{}</h2>"#,
        esc(&cat.t("suppressions-title"))
    ));
    if suppressions.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(&cat.t("suppressions-none"))));
    } else {
        let tenants = state.store().list_tenants(scope).await.unwrap_or_default();
        body.push_str(&format!(
            r#"<table class="grid" aria-labelledby="supp-h"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            esc(&cat.t("col-tenant")),
            esc(&cat.t("col-rule")),
            esc(&cat.t("col-reason")),
            esc(&cat.t("col-expires")),
            esc(&cat.t("col-hits")),
        ));
        for s in &suppressions {
            let slug = tenants
                .iter()
                .find(|t| t.id == s.tenant)
                .map_or_else(|| format!("#{}", s.tenant.0), |t| t.slug.to_string());
            body.push_str(&format!(
                r#"<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td class="num">{}</td></tr>"#,
                esc(&slug),
                esc(&s.rule_id),
                esc(&s.reason),
                esc(&cat.datetime(s.expires_at)),
                cat.number(s.hits),
            ));
        }
        body.push_str("</tbody></table>");
    }
    viewer.page("detection", &cat.t("detection-title"), &body)
}
