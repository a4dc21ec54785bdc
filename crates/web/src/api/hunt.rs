//! Hunting on the event store: `POST /api/v1/hunt`, `POST /api/v1/rules/backtest`,
//! `POST /api/v1/ioc/hunt`, `GET /api/v1/jobs`, `GET /api/v1/jobs/{id}`,
//! `DELETE /api/v1/jobs/{id}`, `GET /api/v1/alerts/{id}/events`.
//!
//! Every request runs inside the caller's tenant scope (a `tenant` slug narrows it; a
//! tenant outside it answers 404), and every row names its tenant. Hunts answer at once;
//! backtests and IOC hunts run as jobs (`202` with the job id) whose progress, result and
//! cancellation are reached by the same token that started them. The store is attached by
//! `vigie serve` as a [`Hunting`] extension; without it these routes answer 404.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use vigie_access::TenantScope;
use vigie_access::TokenKind;
use vigie_detect::RuleSet;
use vigie_event::TenantSlug;
use vigie_store::jobs::Jobs;
use vigie_store::query::{HuntOptions, parse, parse_time, run};
use vigie_store::retro::{IocList, backtest as run_backtest, ioc_hunt};
use vigie_store::{EventStore, StoreError, TimeRange};

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

/// Most matches a backtest or IOC hunt keeps in its result (`max_matches` above it is
/// refused); the counts are always complete.
pub const MAX_MATCHES: usize = 10_000;
/// Most jobs one credential runs at once.
pub const MAX_JOBS_PER_CALLER: usize = 4;

/// What the hunting routes need: the store, the loaded rules, the jobs.
#[derive(Clone)]
pub struct Hunting {
    store: Arc<dyn EventStore>,
    rules: Arc<RuleSet>,
    jobs: Jobs,
    max_rows: usize,
}

impl Hunting {
    /// Hunting over `store`; `rules` are the loaded rules a backtest may name by id.
    pub fn new(store: Arc<dyn EventStore>, rules: Arc<RuleSet>, max_rows: usize) -> Self {
        Self {
            store,
            rules,
            jobs: Jobs::new(100, MAX_JOBS_PER_CALLER),
            max_rows,
        }
    }
}

type MaybeHunting = Option<Extension<Hunting>>;

fn hunting(ext: MaybeHunting) -> Result<Hunting, ApiError> {
    ext.map(|Extension(h)| h).ok_or_else(|| {
        ApiError::NotFound(
            "the event store is not enabled on this server ([store] enabled = false)".into(),
        )
    })
}

fn store_error(error: StoreError) -> ApiError {
    match error {
        StoreError::Query(message) => ApiError::BadRequest(message),
        other => ApiError::Internal(other.to_string()),
    }
}

/// Body of `POST /api/v1/hunt`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuntRequest {
    /// The query (docs/hunting.md).
    pub query: String,
    /// Narrow to one tenant (slug).
    pub tenant: Option<String>,
    /// Start of the event-time range (RFC 3339, date, or `-24h`).
    pub from: Option<String>,
    /// End of the range (excluded).
    pub to: Option<String>,
}

/// The caller's scope, narrowed to `tenant` if given, and the names of its tenants.
async fn scope_and_names(
    state: &AppState,
    auth: &Auth,
    tenant: Option<&str>,
) -> Result<(TenantScope, Arc<HashMap<vigie_event::TenantId, String>>), ApiError> {
    auth.require(&[TokenKind::Read, TokenKind::Admin])?;
    let scope = &auth.0.scope;
    let names: HashMap<_, _> = state
        .store()
        .list_tenants(scope)
        .await?
        .into_iter()
        .map(|t| (t.id, t.slug.to_string()))
        .collect();
    let scope = match tenant {
        Some(slug) => {
            let slug =
                TenantSlug::new(slug).map_err(|e| ApiError::BadRequest(format!("tenant: {e}")))?;
            let found = state
                .store()
                .find_tenant(scope, &slug)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("no tenant {slug} in your scope")))?;
            scope
                .narrow(found.id)
                .ok_or_else(|| ApiError::NotFound(format!("no tenant {slug} in your scope")))?
        }
        None => scope.clone(),
    };
    Ok((scope, Arc::new(names)))
}

fn range(from: Option<&str>, to: Option<&str>, now: Timestamp) -> Result<TimeRange, ApiError> {
    let one = |name: &str, v: Option<&str>| {
        v.map(|v| {
            parse_time(v, now).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "{name} {v:?} is not a time (RFC 3339, YYYY-MM-DD, or -24h / -7d)"
                ))
            })
        })
        .transpose()
    };
    Ok(TimeRange {
        from: one("from", from)?,
        to: one("to", to)?,
    })
}

/// Handler of `POST /api/v1/hunt`.
pub async fn hunt(
    State(state): State<AppState>,
    ext: MaybeHunting,
    auth: Auth,
    Json(body): Json<HuntRequest>,
) -> Result<Response, ApiError> {
    // The token's kind is checked before anything of the body is parsed.
    auth.require(&[TokenKind::Read, TokenKind::Admin])?;
    let hunting = hunting(ext)?;
    let now = Timestamp::now();
    let query = parse(&body.query, now).map_err(|e| ApiError::BadRequest(format!("query: {e}")))?;
    let range = range(body.from.as_deref(), body.to.as_deref(), now)?;
    let (scope, names) = scope_and_names(&state, &auth, body.tenant.as_deref()).await?;
    let result = run(
        hunting.store.as_ref(),
        &scope,
        &query,
        &HuntOptions {
            range,
            max_rows: hunting.max_rows,
            names,
            ..HuntOptions::default()
        },
    )
    .await
    .map_err(store_error)?;
    Ok(Json(result).into_response())
}

/// Handler of `GET /api/v1/alerts/{id}/events`: the events behind an alert (a correlation
/// alert's contributing events, else the alert's own event), read back from the event store
/// inside the alert's tenant; ids the store no longer holds are listed as `missing`.
pub async fn alert_events(
    State(state): State<AppState>,
    ext: MaybeHunting,
    desk: super::session::Desk,
    super::session::Id(id): super::session::Id<String>,
) -> Result<Json<vigie_store::behind::AlertEvents>, ApiError> {
    desk.require(
        &state,
        vigie_access::Permission::ReadDesk,
        &format!("alert:{id}"),
    )
    .await?;
    let scope = &desk.0.scope;
    let alert = state
        .store()
        .get_alert(scope, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no alert {id} in your scope")))?;
    let hunting = hunting(ext)?;
    let names: HashMap<_, _> = state
        .store()
        .list_tenants(scope)
        .await?
        .into_iter()
        .map(|t| (t.id, t.slug.to_string()))
        .collect();
    let named = vigie_store::behind::named(&alert.event, alert.event_id);
    let events = vigie_store::behind::alert_events(
        hunting.store.as_ref(),
        scope,
        alert.tenant,
        &named,
        Arc::new(names),
    )
    .await
    .map_err(store_error)?;
    Ok(Json(events))
}

/// Body of `POST /api/v1/rules/backtest`: a loaded rule by id, or a draft rule as YAML.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BacktestRequest {
    /// Id of a loaded rule.
    pub rule_id: Option<String>,
    /// A draft Sigma rule (YAML text).
    pub rule: Option<String>,
    /// Narrow to one tenant (slug).
    pub tenant: Option<String>,
    /// Start of the event-time range.
    pub from: Option<String>,
    /// End of the range (excluded).
    pub to: Option<String>,
    /// Most matching events kept in the result (counts are always complete). Default 1000.
    pub max_matches: Option<usize>,
}

/// Handler of `POST /api/v1/rules/backtest`: starts a job.
pub async fn backtest(
    State(state): State<AppState>,
    ext: MaybeHunting,
    auth: Auth,
    Json(body): Json<BacktestRequest>,
) -> Result<Response, ApiError> {
    auth.require(&[TokenKind::Read, TokenKind::Admin])?;
    let hunting = hunting(ext)?;
    let max = max_matches(body.max_matches)?;
    let rules = match (&body.rule_id, &body.rule) {
        (Some(id), None) => {
            if hunting.rules.get(id).is_none() {
                return Err(ApiError::NotFound(format!("no loaded rule with id {id:?}")));
            }
            RuleFilter::One(id.clone())
        }
        (None, Some(yaml)) => {
            // Compiled as the live rules are (the same mapping and pySigma pipelines).
            let (set, report) = hunting.rules.compile_like(yaml, Path::new("draft"));
            // Correlation documents are for the correlation loader below.
            if let Some(rejection) = report
                .rejected
                .iter()
                .find(|r| !r.reason.starts_with("correlation rule"))
            {
                return Err(ApiError::BadRequest(format!("rule: {rejection}")));
            }
            let known: std::collections::HashSet<String> = set
                .rules()
                .iter()
                .chain(hunting.rules.rules())
                .map(|r| r.meta.id.clone())
                .collect();
            let (correlations, rejected, _) = vigie_detect::correlation::from_texts(
                &[(std::path::PathBuf::from("draft"), yaml.clone())],
                &known,
                vigie_detect::correlation::CorrelationLimits::default(),
            );
            if let Some(rejection) = rejected.first() {
                return Err(ApiError::BadRequest(format!(
                    "correlation rule: {rejection}"
                )));
            }
            if !correlations.is_empty() {
                // Base rules from the draft when it carries them, else the loaded ones.
                let base = if set.is_empty() {
                    Arc::clone(&hunting.rules)
                } else {
                    Arc::new(set)
                };
                RuleFilter::Correlation(base, Arc::new(correlations))
            } else if set.is_empty() {
                return Err(ApiError::BadRequest("rule: the YAML holds no rule".into()));
            } else {
                RuleFilter::Draft(Arc::new(set))
            }
        }
        _ => {
            return Err(ApiError::BadRequest(
                "give exactly one of rule_id (a loaded rule) or rule (a draft rule as YAML)".into(),
            ));
        }
    };
    let now = Timestamp::now();
    let range = range(body.from.as_deref(), body.to.as_deref(), now)?;
    let (scope, names) = scope_and_names(&state, &auth, body.tenant.as_deref()).await?;
    let rules = match rules {
        RuleFilter::Correlation(base, correlations) => {
            let store = hunting.store.clone();
            let id = hunting
                .jobs
                .spawn(&owner(&auth), "backtest", move |control| async move {
                    let report = vigie_store::retro::backtest_correlations(
                        store.as_ref(),
                        &scope,
                        (base, correlations),
                        range,
                        names,
                        max,
                        Some(control),
                    )
                    .await?;
                    Ok(serde_json::to_value(report).unwrap_or_default())
                })
                .map_err(too_many_jobs)?;
            return Ok((StatusCode::ACCEPTED, Json(json!({"job": id}))).into_response());
        }
        RuleFilter::Draft(set) => set,
        RuleFilter::One(id) => {
            // Re-compile the one rule from its file, through the same engine.
            let rule = hunting
                .rules
                .get(&id)
                .ok_or_else(|| ApiError::NotFound(format!("no loaded rule with id {id:?}")))?;
            let path = rule
                .meta
                .path
                .clone()
                .ok_or_else(|| ApiError::Internal(format!("rule {id} has no file")))?;
            // Server paths go to the log, not to the caller.
            let text = std::fs::read_to_string(&path).map_err(|e| {
                ApiError::Internal(format!(
                    "cannot read rule {id} from {}: {e}",
                    path.display()
                ))
            })?;
            let (mut set, _) = hunting.rules.compile_like(&text, &path);
            if set.get(&id).is_none() {
                return Err(ApiError::NotFound(format!(
                    "rule {id} is no longer in its rule file; reload the rules"
                )));
            }
            set = keep_only(&hunting.rules, set, &id, &text, &path);
            Arc::new(set)
        }
    };
    let store = hunting.store.clone();
    let id = hunting
        .jobs
        .spawn(&owner(&auth), "backtest", move |control| async move {
            let report = run_backtest(
                store.as_ref(),
                &scope,
                rules,
                range,
                names,
                max,
                Some(control),
            )
            .await?;
            Ok(serde_json::to_value(report).unwrap_or_default())
        })
        .map_err(too_many_jobs)?;
    Ok((StatusCode::ACCEPTED, Json(json!({"job": id}))).into_response())
}

enum RuleFilter {
    One(String),
    Draft(Arc<RuleSet>),
    /// Correlation rules of a draft, with the base rules they reference.
    Correlation(Arc<RuleSet>, Arc<vigie_detect::correlation::CorrelationSet>),
}

/// A set of the documents of `text` keeping only the rule `id` (a file may hold several),
/// compiled like `live`.
fn keep_only(live: &RuleSet, set: RuleSet, id: &str, text: &str, path: &Path) -> RuleSet {
    if set.len() == 1 {
        return set;
    }
    let mut kept = live.empty_like();
    let mut report = vigie_detect::LoadReport::default();
    for doc in text.split("\n---") {
        let (one, _) = live.compile_like(doc, path);
        if one.get(id).is_some() {
            kept.add_yaml(doc, path, &mut report);
        }
    }
    kept
}

/// Handler of `POST /api/v1/ioc/hunt`: starts a job running an IOC list.
pub async fn ioc(
    State(state): State<AppState>,
    ext: MaybeHunting,
    auth: Auth,
    Json(body): Json<IocRequest>,
) -> Result<Response, ApiError> {
    auth.require(&[TokenKind::Read, TokenKind::Admin])?;
    let hunting = hunting(ext)?;
    let max = max_matches(body.max_matches)?;
    body.iocs.indicators().map_err(store_error)?;
    let range = range(body.from.as_deref(), body.to.as_deref(), Timestamp::now())?;
    let (scope, names) = scope_and_names(&state, &auth, body.tenant.as_deref()).await?;
    let store = hunting.store.clone();
    let iocs = body.iocs;
    let id = hunting
        .jobs
        .spawn(&owner(&auth), "ioc", move |control| async move {
            let report = ioc_hunt(
                store.as_ref(),
                &scope,
                &iocs,
                range,
                names,
                max,
                Some(control),
            )
            .await?;
            Ok(serde_json::to_value(report).unwrap_or_default())
        })
        .map_err(too_many_jobs)?;
    Ok((StatusCode::ACCEPTED, Json(json!({"job": id}))).into_response())
}

/// Body of `POST /api/v1/ioc/hunt`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IocRequest {
    /// The indicators.
    pub iocs: IocList,
    /// Narrow to one tenant (slug).
    pub tenant: Option<String>,
    /// Start of the event-time range.
    pub from: Option<String>,
    /// End of the range (excluded).
    pub to: Option<String>,
    /// Most matches kept in the result. Default 1000.
    pub max_matches: Option<usize>,
}

/// `max_matches` of a request: 1000 when absent, refused above [`MAX_MATCHES`].
fn max_matches(asked: Option<usize>) -> Result<usize, ApiError> {
    match asked {
        None => Ok(1000),
        Some(n) if n <= MAX_MATCHES => Ok(n),
        Some(n) => Err(ApiError::BadRequest(format!(
            "max_matches {n} is over the limit of {MAX_MATCHES}"
        ))),
    }
}

fn too_many_jobs(error: vigie_store::jobs::TooManyJobs) -> ApiError {
    ApiError::TooManyRequests {
        message: error.to_string(),
        retry_after: std::time::Duration::from_secs(5),
    }
}

fn owner(auth: &Auth) -> String {
    format!("token:{}", auth.0.token_id)
}

/// Handler of `GET /api/v1/jobs`: the caller's jobs.
pub async fn list_jobs(ext: MaybeHunting, auth: Auth) -> Result<Response, ApiError> {
    let hunting = hunting(ext)?;
    auth.require(&[TokenKind::Read, TokenKind::Admin])?;
    Ok(Json(json!({"jobs": hunting.jobs.list(&owner(&auth))})).into_response())
}

/// Handler of `GET /api/v1/jobs/{id}`: progress, and the result once done.
pub async fn get_job(
    ext: MaybeHunting,
    auth: Auth,
    UrlPath(id): UrlPath<u64>,
) -> Result<Response, ApiError> {
    let hunting = hunting(ext)?;
    auth.require(&[TokenKind::Read, TokenKind::Admin])?;
    let job = hunting
        .jobs
        .get(&owner(&auth), id)
        .ok_or_else(|| ApiError::NotFound(format!("no job {id} of yours")))?;
    Ok(Json(job).into_response())
}

/// Handler of `DELETE /api/v1/jobs/{id}`: cancels a running job (`202`); a job that has
/// already ended answers `409` and keeps its state.
pub async fn cancel_job(
    ext: MaybeHunting,
    auth: Auth,
    UrlPath(id): UrlPath<u64>,
) -> Result<Response, ApiError> {
    let hunting = hunting(ext)?;
    auth.require(&[TokenKind::Read, TokenKind::Admin])?;
    match hunting.jobs.cancel(&owner(&auth), id) {
        Some(true) => Ok(StatusCode::ACCEPTED.into_response()),
        Some(false) => Err(ApiError::Conflict(format!(
            "job {id} has already ended; its state and result stay"
        ))),
        None => Err(ApiError::NotFound(format!("no job {id} of yours"))),
    }
}
