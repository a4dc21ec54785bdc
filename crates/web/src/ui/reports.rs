//! `/ui/reports`: the monthly reports of the viewer's tenants, the ones the schedule made
//! (downloaded from `GET /api/v1/reports/{tenant}/{month}`) and a form for any month's
//! (`GET /api/v1/reports/monthly`). The same page for the SOC and for a client, each in
//! its own scope.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use jiff::Timestamp;
use vigie_access::Permission;

use super::Viewer;
use super::html::{Choice, choices, filters};
use super::i18n::Catalog;
use crate::AppState;
use crate::api::reports::Reports;
use crate::report::{Month, StoredReport};

/// The page (`templates/reports.html`).
#[derive(Template)]
#[template(path = "reports.html", config = "templates/askama.toml")]
struct ReportsPage<'a> {
    cat: &'a Catalog,
    kept: Vec<StoredReport>,
    tenants: Vec<Choice>,
    langs: Vec<Choice>,
    /// Last month, `YYYY-MM`.
    month: String,
}

/// `GET /ui/reports`.
pub async fn page(
    State(state): State<AppState>,
    ext: Option<Extension<Reports>>,
    viewer: Viewer,
) -> Response {
    if let Err(r) = viewer
        .require(&state, Permission::ReadDesk, "reports")
        .await
    {
        return r;
    }
    let cat = viewer.cat();
    let reports = ext.map(|Extension(r)| r).unwrap_or_default();
    let store = state.store();
    let kept = match &reports.archive {
        Some(archive) => match archive.list(store.as_ref(), &viewer.principal.scope).await {
            Ok(kept) => kept,
            Err(e) => return viewer.api_error(e),
        },
        None => Vec::new(),
    };
    let tenants = match store.list_tenants(&viewer.principal.scope).await {
        Ok(tenants) => tenants,
        Err(e) => return viewer.api_error(e),
    };
    let zone =
        jiff::tz::TimeZone::get(&reports.settings.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let month = Month::previous(Timestamp::now(), &zone)
        .map(|m| m.name())
        .unwrap_or_default();
    let mut langs = vec![(String::new(), cat.t("report-language-default"))];
    langs.extend(
        [
            ("fr", "Français"),
            ("nl", "Nederlands"),
            ("de", "Deutsch"),
            ("en", "English"),
        ]
        .map(|(tag, name)| (tag.to_owned(), name.to_owned())),
    );
    let body = ReportsPage {
        cat,
        kept,
        tenants: choices(
            tenants
                .iter()
                .map(|t| (t.slug.to_string(), format!("{} ({})", t.name, t.slug)))
                .collect(),
            "",
        ),
        langs: choices(langs, ""),
        month,
    };
    viewer.render("reports", &cat.t("reports-title"), &body)
}
