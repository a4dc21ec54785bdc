//! The hunt page: a query box (the language of `docs/hunting.md`), a time range and a tenant
//! filter, the results table and a time chart drawn on the server.
//!
//! It runs [`vigie_store::query::run`] inside the viewer's scope (narrowed to one tenant of
//! that scope when one is chosen; any other answers 404), exactly as `POST /api/v1/hunt`
//! does. A query ending in `timechart` is drawn as it is; a plain search is drawn as its
//! event count per bucket (the same search with `| timechart count()`). The event store comes
//! from the [`EventBook`] extension that `vigie serve` adds when `[store]` is enabled.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use jiff::Timestamp;
use serde_json::Value;
use vigie_access::Permission;
use vigie_store::query::{Agg, AggFunc, HuntOptions, HuntResult, Query, Stage, parse, parse_time};
use vigie_store::{EventStore, StoreError, TimeRange};

use super::chart::{Series, TimeChart};
use super::console::tenant_in_scope;
use super::html::{Choice, Markup, choices, filters};
use super::i18n::{Arg, Catalog};
use super::{Viewer, query};
use crate::AppState;

/// Rows shown in the results table at most (the store's `max_rows` may be higher).
pub const SHOWN_ROWS: usize = 500;

/// The event store for the hunt page. `vigie serve` adds it as an [`axum::Extension`] when the
/// store is enabled; without it the page says so.
#[derive(Clone)]
pub struct EventBook {
    store: Arc<dyn EventStore>,
    max_rows: usize,
}

impl EventBook {
    /// Hunting over `store`, returning at most `max_rows` events per query.
    pub fn new(store: Arc<dyn EventStore>, max_rows: usize) -> Self {
        Self { store, max_rows }
    }

    /// The event store (the alert page reads an alert's events from it).
    pub(crate) fn store(&self) -> &dyn EventStore {
        self.store.as_ref()
    }
}

/// A bucket width for a range: hours up to two days, six hours up to two weeks, else days.
fn span_for(range: &TimeRange, now: Timestamp) -> i64 {
    let Some(from) = range.from else {
        return 86_400;
    };
    let to = range.to.unwrap_or(now);
    let seconds = (to.as_second() - from.as_second()).max(0);
    if seconds <= 2 * 86_400 {
        3600
    } else if seconds <= 14 * 86_400 {
        6 * 3600
    } else {
        86_400
    }
}

/// A cell of the results table.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The series of a `timechart` result: `@time`, an optional group column, then the first
/// aggregate.
fn series_of(result: &HuntResult, by: bool) -> Vec<Series> {
    let value_col = if by { 2 } else { 1 };
    let Some(value_name) = result.columns.get(value_col) else {
        return Vec::new();
    };
    let mut series: BTreeMap<String, Vec<(Timestamp, f64)>> = BTreeMap::new();
    for row in &result.rows {
        let Some(at) = row
            .get("@time")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<Timestamp>().ok())
        else {
            continue;
        };
        let name = if by {
            cell(result.columns.get(1).and_then(|c| row.get(c)))
        } else {
            String::new()
        };
        let value = row.get(value_name).and_then(Value::as_f64).unwrap_or(0.0);
        series.entry(name).or_default().push((at, value));
    }
    series
        .into_iter()
        .map(|(name, points)| Series { name, points })
        .collect()
}

/// `GET /ui/hunt?q=…&tenant=…&from=…&to=…`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    book: Option<Extension<EventBook>>,
    uri: Uri,
) -> Response {
    if let Err(r) = viewer.require_soc() {
        return r;
    }
    if let Err(r) = viewer.require(&state, Permission::ReadDesk, "hunt").await {
        return r;
    }
    let cat = viewer.cat();
    let form = query(&uri);
    let q = form.get("q").unwrap_or_default().trim().to_owned();
    let tenant = form.value("tenant").map(str::to_owned);
    let from = form.get("from").map_or("-24h", str::trim).to_owned();
    let to = form.get("to").unwrap_or_default().trim().to_owned();
    let scope = &viewer.principal.scope;
    let tenants = match state.store().list_tenants(scope).await {
        Ok(t) => t,
        Err(e) => return viewer.api_error(e),
    };
    let mut tenant_options = vec![(String::new(), cat.t("filter-all-tenants"))];
    tenant_options.extend(
        tenants
            .iter()
            .map(|t| (t.slug.to_string(), format!("{} ({})", t.name, t.slug))),
    );
    let tenant_choices = choices(tenant_options, tenant.as_deref().unwrap_or_default());
    let respond = |outcome: Outcome| {
        let body = HuntPage {
            cat,
            q: &q,
            from: &from,
            to: &to,
            tenants: &tenant_choices,
            outcome,
        };
        viewer.render("hunt", &cat.t("hunt-title"), &body)
    };
    let Some(Extension(book)) = book else {
        return respond(Outcome::NoStore);
    };
    if q.is_empty() {
        return respond(Outcome::Nothing);
    }
    let now = Timestamp::now();
    let fail = |message: String| {
        let mut r = respond(Outcome::Failed(message));
        *r.status_mut() = StatusCode::BAD_REQUEST;
        r
    };
    let parsed = match parse(&q, now) {
        Ok(p) => p,
        Err(e) => {
            return fail(cat.tr("hunt-bad-query", &[("error", e.to_string().into())]));
        }
    };
    let time = |name: &str, v: &str| -> Result<Option<Timestamp>, String> {
        if v.is_empty() {
            return Ok(None);
        }
        parse_time(v, now).map(Some).ok_or_else(|| {
            cat.tr(
                "error-bad-field",
                &[
                    ("value", v.to_owned().into()),
                    ("field", name.to_owned().into()),
                ],
            )
        })
    };
    let range = match (
        time(&cat.t("hunt-from"), &from),
        time(&cat.t("hunt-to"), &to),
    ) {
        (Ok(from), Ok(to)) => TimeRange { from, to },
        (Err(m), _) | (_, Err(m)) => return fail(m),
    };
    let scope = match &tenant {
        Some(slug) => match tenant_in_scope(&state, &viewer, slug).await {
            Ok(id) => match viewer.principal.scope.narrow(id) {
                Some(s) => s,
                None => {
                    return viewer.error(
                        StatusCode::NOT_FOUND,
                        &cat.tr("error-no-tenant", &[("tenant", slug.clone().into())]),
                    );
                }
            },
            Err(r) => return r,
        },
        None => scope.clone(),
    };
    let names: HashMap<_, _> = tenants.iter().map(|t| (t.id, t.slug.to_string())).collect();
    let options = HuntOptions {
        range,
        max_rows: book.max_rows.min(SHOWN_ROWS),
        names: Arc::new(names),
        ..HuntOptions::default()
    };
    let store_failed = |e: StoreError| match e {
        StoreError::Query(m) => fail(cat.tr("hunt-bad-query", &[("error", m.into())])),
        other => viewer.api_error(crate::error::ApiError::Internal(other.to_string())),
    };
    let result = match vigie_store::query::run(book.store.as_ref(), &scope, &parsed, &options).await
    {
        Ok(r) => r,
        Err(e) => return store_failed(e),
    };
    // The chart: the query's own timechart, or the search counted per bucket.
    let chart = match parsed.stages.first() {
        Some(Stage::Timechart {
            span_seconds, by, ..
        }) => Some((*span_seconds, series_of(&result, by.is_some()))),
        None => {
            let span = span_for(&range, now);
            let counted = Query {
                search: parsed.search.clone(),
                stages: vec![Stage::Timechart {
                    span_seconds: span,
                    aggs: vec![Agg {
                        func: AggFunc::Count,
                        field: None,
                        name: "count()".to_owned(),
                    }],
                    by: None,
                }],
            };
            match vigie_store::query::run(book.store.as_ref(), &scope, &counted, &options).await {
                Ok(r) => Some((span, series_of(&r, false))),
                Err(e) => return store_failed(e),
            }
        }
        _ => None,
    };
    let chart = chart.map(|(span, series)| {
        let desc = cat.tr(
            "hunt-chart-desc",
            &[("span", Arg::Str(vigie_span_text(cat, span)))],
        );
        TimeChart {
            id: "hunt-chart",
            title: &cat.t("hunt-chart"),
            desc: &desc,
            span_seconds: span,
            from: range.from,
            to: Some(range.to.unwrap_or(now)).filter(|_| range.from.is_some()),
            series,
        }
        .render(cat)
    });
    let rows = result
        .rows
        .iter()
        .take(SHOWN_ROWS)
        .map(|row| {
            result
                .columns
                .iter()
                .map(|c| match (c.as_str(), row.get(c)) {
                    ("@time", Some(Value::String(t))) => t
                        .parse::<Timestamp>()
                        .map(|t| cat.datetime(t))
                        .unwrap_or_else(|_| t.clone()),
                    (_, v) => cell(v),
                })
                .collect()
        })
        .collect();
    respond(Outcome::Results(Results {
        summary: cat.tr(
            "hunt-summary",
            &[
                ("rows", Arg::Num(result.rows.len() as i64)),
                (
                    "matched",
                    Arg::Num(i64::try_from(result.events_matched).unwrap_or(i64::MAX)),
                ),
            ],
        ),
        truncated: result
            .truncated
            .then(|| cat.tr("hunt-truncated", &[("max", Arg::Num(SHOWN_ROWS as i64))])),
        chart,
        columns: result.columns.clone(),
        rows,
    }))
}

/// What the hunt page shows under its form.
enum Outcome {
    /// No query yet.
    Nothing,
    /// The server has no event store.
    NoStore,
    /// A bad query or time, named.
    Failed(String),
    /// The results.
    Results(Results),
}

/// A hunt's results.
struct Results {
    summary: String,
    /// Said when more rows matched than are shown.
    truncated: Option<String>,
    chart: Option<Markup>,
    columns: Vec<String>,
    /// The cells of each row, as text.
    rows: Vec<Vec<String>>,
}

/// The hunt page (`templates/hunt.html`).
#[derive(Template)]
#[template(path = "hunt.html", config = "templates/askama.toml")]
struct HuntPage<'a> {
    cat: &'a Catalog,
    q: &'a str,
    from: &'a str,
    to: &'a str,
    tenants: &'a [Choice],
    outcome: Outcome,
}

/// A bucket width in words (`1 h`, `6 h`, `1 d`, `15 min`).
fn vigie_span_text(cat: &Catalog, span: i64) -> String {
    if span % 86_400 == 0 {
        cat.tr("span-days", &[("n", Arg::Num(span / 86_400))])
    } else if span % 3600 == 0 {
        cat.tr("span-hours", &[("n", Arg::Num(span / 3600))])
    } else if span % 60 == 0 {
        cat.tr("span-minutes", &[("n", Arg::Num(span / 60))])
    } else {
        cat.tr("span-seconds", &[("n", Arg::Num(span))])
    }
}
