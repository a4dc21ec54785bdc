//! Running a query: the search on the store, then the pipe stages on the rows.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering as AtomicOrdering;

use serde::Serialize;
use serde_json::{Map, Value};
use vigie_access::TenantScope;

use super::ast::{Agg, AggFunc, Expr, Query, Stage};
use super::eval::Subject;
use crate::jobs::JobControl;
use crate::model::{Order, ScanRequest, StoredEvent, TimeRange, tenant_name};
use crate::{EventStore, StoreError};

pub use crate::model::TenantNames;

/// How to run a query.
#[derive(Clone, Debug, Default)]
pub struct HuntOptions {
    /// Event-time range.
    pub range: TimeRange,
    /// Most event rows returned when the query has no `head` (the newest ones).
    pub max_rows: usize,
    /// Most groups a `stats` or `timechart` may build.
    pub max_groups: usize,
    /// Most bytes of group keys and `dc()` values one query may hold (0: 256 MiB). Past
    /// it no new group or distinct value is added and the result says `truncated`.
    pub max_group_bytes: usize,
    /// Names for `@tenant`.
    pub names: TenantNames,
    /// Progress and cancellation, for jobs.
    pub control: Option<Arc<JobControl>>,
}

/// The answer to a query.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct HuntResult {
    /// Column names: for events, `@time`, `@tenant`, `@id`, `@source` then the fields in
    /// order of first appearance; for aggregates, the group fields then the aggregates.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Map<String, Value>>,
    /// Events read from the store that matched the search.
    pub events_matched: u64,
    /// Whether rows were left out (more events than `max_rows`, or groups over `max_groups`).
    pub truncated: bool,
}

/// The row of a stored event: `@time`, `@tenant`, `@id`, `@source`, then its fields.
pub fn event_row(
    stored: &StoredEvent,
    names: &HashMap<vigie_event::TenantId, String>,
) -> Map<String, Value> {
    let mut row = Map::new();
    row.insert("@time".into(), Value::String(stored.time.to_string()));
    row.insert(
        "@tenant".into(),
        Value::String(tenant_name(names, stored.tenant)),
    );
    row.insert("@id".into(), Value::String(stored.event.id.to_string()));
    row.insert("@source".into(), Value::String(stored.event.source.clone()));
    for (k, v) in &stored.event.fields {
        row.insert(k.clone(), v.clone());
    }
    row
}

/// Runs `query` inside `scope`.
pub async fn run(
    store: &dyn EventStore,
    scope: &TenantScope,
    query: &Query,
    options: &HuntOptions,
) -> Result<HuntResult, StoreError> {
    // Leading `where` stages on events mean the same as the search: fold them in.
    let mut filter = query.search.clone();
    let mut rest: &[Stage] = &query.stages;
    while let Some((Stage::Where(expr), tail)) = rest.split_first() {
        filter = Some(match filter {
            Some(f) => Expr::And(Box::new(f), Box::new(expr.clone())),
            None => expr.clone(),
        });
        rest = tail;
    }
    // Native Windows and ECS names of a field find each other's events.
    let filter = filter.map(|f| super::FieldAliases::windows().expand(&f));
    let mut result = HuntResult::default();
    let max_rows = if options.max_rows == 0 {
        10_000
    } else {
        options.max_rows
    };
    let max_groups = if options.max_groups == 0 {
        100_000
    } else {
        options.max_groups
    };
    let max_bytes = if options.max_group_bytes == 0 {
        256 * 1024 * 1024
    } else {
        options.max_group_bytes
    };
    let mut rows: Vec<Map<String, Value>>;
    let mut aggregated: Option<Vec<String>> = None;
    match rest.first() {
        Some(Stage::Stats { aggs, by }) => {
            let mut groups = Groups::new(aggs, max_groups, max_bytes);
            scan_each(store, scope, filter, Order::Any, None, options, |stored| {
                result.events_matched += 1;
                let row = event_row(stored, &options.names);
                let key: Option<Vec<Value>> = by.iter().map(|f| row.get_path(f)).collect();
                if let Some(key) = key {
                    groups.add(key, &row);
                }
            })
            .await?;
            result.truncated |= groups.overflow;
            rows = groups.rows(by);
            let mut cols = by.clone();
            cols.extend(aggs.iter().map(|a| a.name.clone()));
            aggregated = Some(cols);
            rest = &rest[1..];
        }
        Some(Stage::Timechart {
            span_seconds,
            aggs,
            by,
        }) => {
            let mut groups = Groups::new(aggs, max_groups, max_bytes);
            let span = *span_seconds;
            scan_each(store, scope, filter, Order::Any, None, options, |stored| {
                result.events_matched += 1;
                let row = event_row(stored, &options.names);
                let bucket = stored.time.as_second().div_euclid(span) * span;
                let bucket = jiff::Timestamp::from_second(bucket)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                let mut key = vec![Value::String(bucket)];
                if let Some(field) = by {
                    match row.get_path(field) {
                        Some(v) => key.push(v),
                        None => return,
                    }
                }
                groups.add(key, &row);
            })
            .await?;
            result.truncated |= groups.overflow;
            let mut by_cols = vec!["@time".to_owned()];
            by_cols.extend(by.iter().cloned());
            rows = groups.rows(&by_cols);
            rows.sort_by(|a, b| compare_values(a.get("@time"), b.get("@time")));
            by_cols.extend(aggs.iter().map(|a| a.name.clone()));
            aggregated = Some(by_cols);
            rest = &rest[1..];
        }
        next => {
            let limit = match next {
                Some(Stage::Head(n)) => (*n).min(max_rows),
                _ => max_rows,
            };
            let mut events = Vec::new();
            scan_each(
                store,
                scope,
                filter,
                Order::NewestFirst,
                Some(limit + 1),
                options,
                |stored| {
                    events.push(event_row(stored, &options.names));
                },
            )
            .await?;
            if events.len() > limit {
                events.truncate(limit);
                result.truncated = !matches!(next, Some(Stage::Head(n)) if *n <= max_rows);
            }
            result.events_matched = events.len() as u64;
            rows = events;
        }
    }
    for stage in rest {
        match stage {
            Stage::Where(expr) => rows.retain(|row| expr.matches(row as &dyn Subject)),
            Stage::Head(n) => rows.truncate(*n),
            Stage::Sort(keys) => rows.sort_by(|a, b| {
                for (field, descending) in keys {
                    let ordering =
                        compare_values(a.get_path(field).as_ref(), b.get_path(field).as_ref());
                    let ordering = if *descending {
                        ordering.reverse()
                    } else {
                        ordering
                    };
                    if ordering != Ordering::Equal {
                        return ordering;
                    }
                }
                Ordering::Equal
            }),
            Stage::Fields(fields) => {
                for row in &mut rows {
                    let mut kept = Map::new();
                    for field in fields {
                        if let Some(v) = row.get_path(field) {
                            kept.insert(field.clone(), v);
                        }
                    }
                    *row = kept;
                }
            }
            Stage::Stats { .. } | Stage::Timechart { .. } => {
                return Err(StoreError::Query(
                    "stats and timechart must come right after the search (and its where stages)"
                        .into(),
                ));
            }
        }
    }
    result.columns = columns(&rows, query, aggregated);
    result.rows = rows;
    Ok(result)
}

/// Streams the selected events into `each`, honouring the job control.
async fn scan_each(
    store: &dyn EventStore,
    scope: &TenantScope,
    filter: Option<Expr>,
    order: Order,
    limit: Option<usize>,
    options: &HuntOptions,
    mut each: impl FnMut(&StoredEvent),
) -> Result<(), StoreError> {
    let mut stream = store.scan(
        scope,
        ScanRequest {
            range: options.range,
            filter,
            order,
            limit,
            names: Arc::clone(&options.names),
        },
    );
    while let Some(batch) = stream.recv().await {
        let batch = batch?;
        if let Some(control) = &options.control {
            if control.is_cancelled() {
                return Err(StoreError::Cancelled);
            }
            control
                .units_done
                .store(batch.progress.units_done, AtomicOrdering::Relaxed);
            control
                .units_total
                .store(batch.progress.units_total, AtomicOrdering::Relaxed);
            control
                .examined
                .store(batch.progress.examined, AtomicOrdering::Relaxed);
        }
        for stored in &batch.events {
            each(stored);
        }
    }
    Ok(())
}

trait GetPath {
    fn get_path(&self, path: &str) -> Option<Value>;
}

impl GetPath for Map<String, Value> {
    /// The value at `path`, or else at the first other name of the field that the row has
    /// (native Windows and ECS names, [`super::FieldAliases`]): `stats count() by
    /// CommandLine`, `sort`, `fields` and aggregations read Sysmon and ECS events alike.
    fn get_path(&self, path: &str) -> Option<Value> {
        let present = |name: &str| vigie_event::field::lookup(self, name).filter(|v| !v.is_null());
        present(path)
            .or_else(|| {
                super::FieldAliases::windows()
                    .names(path)
                    .iter()
                    .skip(1)
                    .find_map(|name| present(name))
            })
            .cloned()
    }
}

fn columns(
    rows: &[Map<String, Value>],
    query: &Query,
    aggregated: Option<Vec<String>>,
) -> Vec<String> {
    if let Some(Stage::Fields(fields)) = query
        .stages
        .iter()
        .rev()
        .find(|s| matches!(s, Stage::Fields(_)))
    {
        return fields.clone();
    }
    if let Some(columns) = aggregated {
        return columns;
    }
    let mut seen = HashSet::new();
    let mut columns = Vec::new();
    for fixed in ["@time", "@tenant", "@id", "@source"] {
        seen.insert(fixed.to_owned());
        columns.push(fixed.to_owned());
    }
    for row in rows {
        for key in row.keys() {
            if seen.insert(key.clone()) {
                columns.push(key.clone());
            }
        }
    }
    columns
}

/// Orders values: missing last, numbers numerically, then text.
pub(crate) fn compare_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => match (number(a), number(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => text(a).cmp(&text(b)),
        },
    }
}

/// The value as a finite number. Text such as `NaN` or `inf` stays text: a NaN among the
/// numbers would make the ordering inconsistent, and `sort_by` may panic on that.
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|x| x.is_finite())
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Accumulators of one aggregate.
#[derive(Clone, Debug)]
enum Acc {
    Count(u64),
    Distinct(HashSet<String>),
    Min(Option<Value>),
    Max(Option<Value>),
    Avg(f64, u64),
    Sum(f64),
}

struct Groups<'a> {
    aggs: &'a [Agg],
    groups: BTreeMap<Vec<String>, (Vec<Value>, Vec<Acc>)>,
    max: usize,
    /// Bytes of keys and distinct values held, and the most allowed.
    bytes: usize,
    max_bytes: usize,
    overflow: bool,
}

/// What one more entry costs besides its text (map node, `String` header).
const ENTRY_OVERHEAD: usize = 48;

impl<'a> Groups<'a> {
    fn new(aggs: &'a [Agg], max: usize, max_bytes: usize) -> Self {
        Self {
            aggs,
            groups: BTreeMap::new(),
            max,
            bytes: 0,
            max_bytes,
            overflow: false,
        }
    }

    fn add(&mut self, key: Vec<Value>, row: &Map<String, Value>) {
        let text_key: Vec<String> = key.iter().map(text).collect();
        if !self.groups.contains_key(&text_key) {
            // The key is held twice (as text and as value).
            let cost = 2 * text_key.iter().map(String::len).sum::<usize>()
                + ENTRY_OVERHEAD * (1 + self.aggs.len());
            if self.groups.len() >= self.max || self.bytes + cost > self.max_bytes {
                self.overflow = true;
                return;
            }
            self.bytes += cost;
        }
        let aggs = self.aggs;
        let entry = self.groups.entry(text_key).or_insert_with(|| {
            let accs = aggs
                .iter()
                .map(|agg| match agg.func {
                    AggFunc::Count => Acc::Count(0),
                    AggFunc::Dc => Acc::Distinct(HashSet::new()),
                    AggFunc::Min => Acc::Min(None),
                    AggFunc::Max => Acc::Max(None),
                    AggFunc::Avg => Acc::Avg(0.0, 0),
                    AggFunc::Sum => Acc::Sum(0.0),
                })
                .collect();
            (key, accs)
        });
        for (agg, acc) in aggs.iter().zip(entry.1.iter_mut()) {
            let value = match &agg.field {
                Some(field) => match row.get_path(field) {
                    Some(v) => Some(v),
                    None => continue,
                },
                None => None,
            };
            match acc {
                Acc::Count(n) => *n += 1,
                Acc::Distinct(set) => {
                    if let Some(v) = value {
                        let v = text(&v);
                        if !set.contains(&v) {
                            let cost = v.len() + ENTRY_OVERHEAD;
                            if self.bytes + cost > self.max_bytes {
                                self.overflow = true;
                            } else {
                                self.bytes += cost;
                                set.insert(v);
                            }
                        }
                    }
                }
                Acc::Min(current) => {
                    if let Some(v) = value
                        && current
                            .as_ref()
                            .is_none_or(|c| compare_values(Some(&v), Some(c)) == Ordering::Less)
                    {
                        *current = Some(v);
                    }
                }
                Acc::Max(current) => {
                    if let Some(v) = value
                        && current
                            .as_ref()
                            .is_none_or(|c| compare_values(Some(&v), Some(c)) == Ordering::Greater)
                    {
                        *current = Some(v);
                    }
                }
                Acc::Avg(sum, n) => {
                    if let Some(x) = value.as_ref().and_then(number) {
                        *sum += x;
                        *n += 1;
                    }
                }
                Acc::Sum(sum) => {
                    if let Some(x) = value.as_ref().and_then(number) {
                        *sum += x;
                    }
                }
            }
        }
    }

    fn rows(self, by: &[String]) -> Vec<Map<String, Value>> {
        let aggs = self.aggs;
        self.groups
            .into_values()
            .map(|(key, accs)| {
                let mut row = Map::new();
                for (name, value) in by.iter().zip(key) {
                    row.insert(name.clone(), value);
                }
                for (agg, acc) in aggs.iter().zip(accs) {
                    let value = match acc {
                        Acc::Count(n) => Value::from(n),
                        Acc::Distinct(set) => Value::from(set.len()),
                        Acc::Min(v) | Acc::Max(v) => v.unwrap_or(Value::Null),
                        Acc::Avg(sum, n) if n > 0 => Value::from(sum / n as f64),
                        Acc::Avg(..) => Value::Null,
                        Acc::Sum(sum) => Value::from(sum),
                    };
                    row.insert(agg.name.clone(), value);
                }
                row
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::GetPath;

    fn row(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn stage_fields_read_the_other_naming_when_the_event_lacks_the_name_written() {
        let sysmon = row(json!({"CommandLine": "whoami /all", "Image": "C:\\w.exe"}));
        let ecs = row(json!({"process": {"command_line": "whoami /all"}}));
        let raw = row(json!({"winlog": {"event_data": {"CommandLine": "whoami /all"}}}));
        for (label, event) in [("sysmon", &sysmon), ("ecs", &ecs), ("winlogbeat raw", &raw)] {
            for name in ["CommandLine", "process.command_line"] {
                assert_eq!(
                    event.get_path(name),
                    Some(json!("whoami /all")),
                    "{label}: {name}"
                );
            }
        }
        // The name written wins when the event has it; unknown names have no alias.
        let both = row(json!({"CommandLine": "a", "process": {"command_line": "b"}}));
        assert_eq!(both.get_path("CommandLine"), Some(json!("a")));
        assert_eq!(both.get_path("process.command_line"), Some(json!("b")));
        assert_eq!(sysmon.get_path("no.such.field"), None);
        assert_eq!(
            row(json!({"CommandLine": null})).get_path("CommandLine"),
            None
        );
    }

    #[test]
    fn text_that_reads_as_nan_or_infinity_sorts_as_text_without_panicking() {
        let values: Vec<Value> = ["NaN", "1", "inf", "a", "-inf", "2.5", "nan", "-1", "b"]
            .iter()
            .cycle()
            .take(90)
            .map(|s| json!(s))
            .collect();
        let mut sorted = values.clone();
        sorted.sort_by(|a, b| super::compare_values(Some(a), Some(b)));
        let order: Vec<&str> = sorted.iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(&order[..4], ["-1", "-1", "-1", "-1"]);
        assert!(order.iter().position(|s| *s == "NaN") > order.iter().position(|s| *s == "2.5"));
    }
}
