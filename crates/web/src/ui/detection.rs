//! Detection pages: the rule catalogue with each file's load status and reason, the triage
//! feedback per rule (acknowledged, escalated, false positives and the false-positive rate)
//! over the viewer's tenants, and the suppressions of those tenants, with the forms that add
//! one for a tenant of the scope and end one (CSRF-checked, `ManageSuppressions`, audited by
//! the store like the API's).

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::{SignedDuration, Timestamp};
use vigie_access::Permission;
use vigie_soc::RuleStatus;
use vigie_soc::desk::{NewSuppression, Suppression};

use super::Viewer;
use super::console::tenant_in_scope;
use super::html::{Choice, choices};
use super::i18n::Catalog;
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
        state.store().list_rule_status(scope).await,
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
    let summary = cat.tr(
        "rules-summary",
        &[
            ("loaded", (loaded as i64).into()),
            ("rejected", ((rules.len() - loaded) as i64).into()),
        ],
    );
    let rule_lines = rules
        .iter()
        .map(|r| {
            let [acknowledged, escalated, false_positives] = r
                .rule_id
                .as_deref()
                .and_then(|id| per_rule.get(id).copied())
                .unwrap_or_default();
            let triaged = acknowledged + escalated + false_positives;
            RuleLine {
                rule: r,
                title: r.title.as_deref().unwrap_or("–"),
                id: r.rule_id.as_deref().unwrap_or("–"),
                acknowledged,
                escalated,
                false_positives,
                rate: if triaged == 0 {
                    "–".to_owned()
                } else {
                    format!("{} %", cat.number(false_positives * 100 / triaged))
                },
            }
        })
        .collect();
    let manage = viewer.principal.may(Permission::ManageSuppressions);
    let tenants = match state.store().list_tenants(scope).await {
        Ok(t) => t,
        Err(e) => return viewer.api_error(e),
    };
    let now = Timestamp::now();
    let suppression_lines = suppressions
        .iter()
        .map(|s| {
            let slug = tenants
                .iter()
                .find(|t| t.id == s.tenant)
                .map_or_else(|| format!("#{}", s.tenant.0), |t| t.slug.to_string());
            SuppressionLine {
                end_label: cat.tr(
                    "suppression-end-named",
                    &[
                        ("rule", s.rule_id.clone().into()),
                        ("tenant", slug.clone().into()),
                    ],
                ),
                tenant: slug,
                group_key: s.group_key.as_deref().unwrap_or("–"),
                active: s.expires_at > now,
                suppression: s,
            }
        })
        .collect();
    let form = manage.then(|| {
        let tenant_options: Vec<(String, String)> = tenants
            .iter()
            .map(|t| (t.slug.to_string(), format!("{} ({})", t.name, t.slug)))
            .collect();
        let mut rule_ids: Vec<&str> = rules.iter().filter_map(|r| r.rule_id.as_deref()).collect();
        rule_ids.sort_unstable();
        rule_ids.dedup();
        SuppressionForm {
            tenants: choices(tenant_options, ""),
            rule_ids,
        }
    });
    let body = Catalogue {
        cat,
        csrf: viewer.csrf(),
        summary,
        rules: rule_lines,
        suppressions: suppression_lines,
        manage,
        form,
    };
    viewer.render("detection", &cat.t("detection-title"), &body)
}

/// A rule file with its triage feedback.
struct RuleLine<'a> {
    rule: &'a RuleStatus,
    title: &'a str,
    id: &'a str,
    acknowledged: i64,
    escalated: i64,
    false_positives: i64,
    /// The false-positive rate, as text.
    rate: String,
}

/// A suppression of a tenant of the scope.
struct SuppressionLine<'a> {
    suppression: &'a Suppression,
    tenant: String,
    group_key: &'a str,
    /// Whether it is still in force (it may be ended).
    active: bool,
    end_label: String,
}

/// What the form that adds a suppression offers.
struct SuppressionForm<'a> {
    tenants: Vec<Choice>,
    rule_ids: Vec<&'a str>,
}

/// The detection page (`templates/detection.html`).
#[derive(Template)]
#[template(path = "detection.html", config = "templates/askama.toml")]
struct Catalogue<'a> {
    cat: &'a Catalog,
    csrf: &'a str,
    summary: String,
    rules: Vec<RuleLine<'a>>,
    suppressions: Vec<SuppressionLine<'a>>,
    /// Whether the viewer manages suppressions (the end buttons are shown).
    manage: bool,
    form: Option<SuppressionForm<'a>>,
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
    Path(id): Path<vigie_soc::SuppressionId>,
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
