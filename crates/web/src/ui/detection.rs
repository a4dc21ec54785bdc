//! Detection pages: the rule catalogue with each file's load status and reason, the triage
//! feedback per rule (acknowledged, escalated, false positives and the false-positive rate)
//! over the viewer's tenants, and the suppressions of those tenants, with the forms that add
//! one for a tenant of the scope and end one (CSRF-checked, `ManageSuppressions`, audited by
//! the store like the API's).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::{SignedDuration, Timestamp};
use vigie_soc::Permission;
use vigie_soc::desk::NewSuppression;

use super::Viewer;
use super::console::{severity_badge, tenant_in_scope};
use super::html::{esc, select};
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
    let manage = viewer.principal.may(Permission::ManageSuppressions);
    let tenants = match state.store().list_tenants(scope).await {
        Ok(t) => t,
        Err(e) => return viewer.api_error(e),
    };
    let now = Timestamp::now();
    if suppressions.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(&cat.t("suppressions-none"))));
    } else {
        body.push_str(&format!(
            r#"<table class="grid" aria-labelledby="supp-h"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th>{}</tr></thead><tbody>"#,
            esc(&cat.t("col-tenant")),
            esc(&cat.t("col-rule")),
            esc(&cat.t("col-group-key")),
            esc(&cat.t("col-reason")),
            esc(&cat.t("col-expires")),
            esc(&cat.t("col-hits")),
            if manage {
                format!(r#"<th scope="col">{}</th>"#, esc(&cat.t("col-actions")))
            } else {
                String::new()
            },
        ));
        for s in &suppressions {
            let slug = tenants
                .iter()
                .find(|t| t.id == s.tenant)
                .map_or_else(|| format!("#{}", s.tenant.0), |t| t.slug.to_string());
            let active = s.expires_at > now;
            let action = match (manage, active) {
                (false, _) => String::new(),
                (true, false) => format!("<td>{}</td>", esc(&cat.t("suppression-ended"))),
                (true, true) => format!(
                    r#"<td><form method="post" action="/ui/detection/suppressions/{id}/end" class="inline">{csrf}<button type="submit" aria-label="{label}">{end}</button></form></td>"#,
                    id = s.id,
                    csrf = viewer.csrf_field(),
                    label = esc(&cat.tr(
                        "suppression-end-named",
                        &[
                            ("rule", s.rule_id.clone().into()),
                            ("tenant", slug.clone().into())
                        ]
                    )),
                    end = esc(&cat.t("suppression-end")),
                ),
            };
            body.push_str(&format!(
                r#"<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td>{action}</tr>"#,
                esc(&slug),
                esc(&s.rule_id),
                esc(s.group_key.as_deref().unwrap_or("–")),
                esc(&s.reason),
                esc(&cat.datetime(s.expires_at)),
                cat.number(s.hits),
            ));
        }
        body.push_str("</tbody></table>");
    }
    if manage {
        let tenant_options: Vec<(String, String)> = tenants
            .iter()
            .map(|t| (t.slug.to_string(), format!("{} ({})", t.name, t.slug)))
            .collect();
        let mut rule_ids: Vec<&str> = rules.iter().filter_map(|r| r.rule_id.as_deref()).collect();
        rule_ids.sort_unstable();
        rule_ids.dedup();
        let options: String = rule_ids
            .iter()
            .map(|id| format!(r#"<option value="{}">"#, esc(id)))
            .collect();
        body.push_str(&format!(
            r#"<h3 id="new-supp-h">{title}</h3><form method="post" action="/ui/detection/suppressions" class="change" aria-labelledby="new-supp-h">{csrf}
<p>{tenant}</p>
<p><label for="s-rule">{rule}</label><input id="s-rule" name="rule_id" required list="rule-ids" size="40"><datalist id="rule-ids">{options}</datalist></p>
<p><label for="s-group">{group}</label><input id="s-group" name="group_key" size="40" aria-describedby="s-group-help"><small id="s-group-help">{group_help}</small></p>
<p><label for="s-reason">{reason}</label><input id="s-reason" name="reason" required size="40"></p>
<p><label for="s-days">{days}</label><input id="s-days" name="days" value="30" inputmode="numeric" pattern="[0-9]*" size="4" required></p>
<p><button type="submit">{create}</button></p></form>"#,
            title = esc(&cat.t("suppression-new")),
            csrf = viewer.csrf_field(),
            tenant = select("s-tenant", "tenant", &cat.t("col-tenant"), &tenant_options, ""),
            rule = esc(&cat.t("filter-rule")),
            group = esc(&cat.t("col-group-key")),
            group_help = esc(&cat.t("suppression-group-help")),
            reason = esc(&cat.t("col-reason")),
            days = esc(&cat.t("suppression-days")),
            create = esc(&cat.t("admin-create")),
        ));
    }
    viewer.page("detection", &cat.t("detection-title"), &body)
}

/// Longest suppression the form accepts, in days.
const MAX_SUPPRESSION_DAYS: i64 = 365;

/// `POST /ui/detection/suppressions`: a suppression for one tenant of the scope (audited by
/// the store).
pub async fn add_suppression(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Response {
    let form = match viewer.checked_form(&state, &body).await {
        Ok(form) => form,
        Err(r) => return r,
    };
    if let Err(r) = viewer.require_soc() {
        return r;
    }
    if let Err(r) = viewer
        .require(&state, Permission::ManageSuppressions, "suppressions")
        .await
    {
        return r;
    }
    let cat = viewer.cat();
    let bad = |field: &str, value: &str| {
        viewer.error(
            StatusCode::BAD_REQUEST,
            &cat.tr(
                "error-bad-field",
                &[
                    ("value", value.to_owned().into()),
                    ("field", field.to_owned().into()),
                ],
            ),
        )
    };
    let slug = form.get("tenant").unwrap_or_default();
    let tenant = match tenant_in_scope(&state, &viewer, slug).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let Some(rule_id) = form.value("rule_id") else {
        return bad(&cat.t("filter-rule"), "");
    };
    let Some(reason) = form.value("reason") else {
        return bad(&cat.t("col-reason"), "");
    };
    let days_text = form.get("days").unwrap_or_default().trim();
    let Some(days) = days_text
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=MAX_SUPPRESSION_DAYS).contains(d))
    else {
        return bad(&cat.t("suppression-days"), days_text);
    };
    let new = NewSuppression {
        tenant,
        rule_id: rule_id.to_owned(),
        group_key: form.value("group_key").map(str::to_owned),
        reason: reason.to_owned(),
        expires_at: Timestamp::now() + SignedDuration::from_hours(24 * days),
    };
    match state
        .store()
        .add_suppression(&viewer.principal.actor, &viewer.principal.scope, &new)
        .await
    {
        Ok(_) => Redirect::to("/ui/detection").into_response(),
        Err(e) => viewer.api_error(e),
    }
}

/// `POST /ui/detection/suppressions/{id}/end`: ends a suppression now (the record stays).
pub async fn end_suppression(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    if let Err(r) = viewer.checked_form(&state, &body).await {
        return r;
    }
    if let Err(r) = viewer.require_soc() {
        return r;
    }
    if let Err(r) = viewer
        .require(
            &state,
            Permission::ManageSuppressions,
            &format!("suppression:{id}"),
        )
        .await
    {
        return r;
    }
    match state
        .store()
        .end_suppression(&viewer.principal.actor, &viewer.principal.scope, id)
        .await
    {
        Ok(true) => Redirect::to("/ui/detection").into_response(),
        Ok(false) => viewer.error(StatusCode::NOT_FOUND, &viewer.cat().t("error-not-found")),
        Err(e) => viewer.api_error(e),
    }
}
