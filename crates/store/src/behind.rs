//! The events behind an alert, read back from the event store: a correlation alert names
//! its contributing events by id (`correlation.events` of its snapshot, in the order they
//! came), a rule alert its one event. They are found with the hunting language (`@id:…`)
//! inside the alert's own tenant, in the alert's time window, while retention keeps them;
//! the ids no longer stored are listed as missing.

use std::collections::HashSet;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::{Map, Value};
use vigie_access::TenantScope;
use vigie_event::{EventId, TenantId};

use crate::query::{HuntOptions, TenantNames, parse, run};
use crate::{EventStore, StoreError, TimeRange};

/// Most events listed for one alert (a correlation keeps at most its
/// `max_listed_events`, 100 by default).
pub const MAX_EVENTS: usize = 1_000;

/// How far around the alert's window the events are looked for: event times and the
/// window's ends come from the same clock, but a snapshot keeps them to the millisecond.
const MARGIN: SignedDuration = SignedDuration::from_secs(60);

/// The events behind one alert.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AlertEvents {
    /// The hunting query that finds them (for a link to the hunt page).
    pub query: String,
    /// Start of the time range searched (none: every stored day).
    pub from: Option<Timestamp>,
    /// End of the time range searched.
    pub to: Option<Timestamp>,
    /// Whether the alert is a correlation's (else it names its own event only).
    pub correlation: bool,
    /// The events found, as hunt rows (`@time`, `@tenant`, `@id`, `@source`, fields), in
    /// the order the alert names them.
    pub events: Vec<Map<String, Value>>,
    /// Ids the alert names that the store no longer holds (retention) or never indexed.
    pub missing: Vec<String>,
}

/// What an alert says about its events.
#[derive(Clone, Debug, PartialEq)]
pub struct Named {
    /// The event ids, in order, each a valid [`EventId`].
    pub ids: Vec<String>,
    /// The time window to search: a correlation's window; none for a rule alert, whose
    /// snapshot does not say which of its fields the store took for its time.
    pub range: Option<(Timestamp, Timestamp)>,
    /// Whether these are a correlation's contributing events.
    pub correlation: bool,
}

/// The events an alert names. `snapshot` is the alert's stored event: for a correlation,
/// `{"correlation": {"events": [...], "window_start": …, "window_end": …}}` and nothing
/// else; otherwise the event itself, whose id is `own`. Ids that are not event ids are
/// ignored, and at most [`MAX_EVENTS`] are kept.
pub fn named(snapshot: &Value, own: EventId) -> Named {
    let correlation = snapshot
        .as_object()
        .filter(|fields| fields.len() == 1)
        .and_then(|fields| fields.get("correlation"))
        .filter(|c| c["events"].is_array());
    let Some(correlation) = correlation else {
        return Named {
            ids: vec![own.to_string()],
            range: None,
            correlation: false,
        };
    };
    let time = |key: &str| {
        correlation[key]
            .as_str()
            .and_then(|t| t.parse::<Timestamp>().ok())
    };
    let mut unique = HashSet::new();
    let ids = correlation["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|id| id.parse::<EventId>().is_ok() && unique.insert(id.to_string()))
        .take(MAX_EVENTS)
        .map(str::to_owned)
        .collect();
    Named {
        ids,
        range: time("window_start").zip(time("window_end")),
        correlation: true,
    }
}

/// Reads the events `named` lists from `store`, inside tenant `tenant` of `scope` only
/// (an alert of a tenant outside `scope` finds nothing).
pub async fn alert_events(
    store: &dyn EventStore,
    scope: &TenantScope,
    tenant: TenantId,
    named: &Named,
    names: TenantNames,
) -> Result<AlertEvents, StoreError> {
    let from = named
        .range
        .map(|(start, _)| start.saturating_sub(MARGIN).unwrap_or(start));
    let to = named
        .range
        .map(|(_, end)| end.saturating_add(MARGIN).unwrap_or(end));
    let query = named
        .ids
        .iter()
        .map(|id| format!("@id:{id}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let mut found = Vec::new();
    if let (Some(scope), false) = (scope.narrow(tenant), named.ids.is_empty()) {
        let parsed = parse(&query, Timestamp::now())
            .map_err(|e| StoreError::Query(format!("alert events: {e}")))?;
        let result = run(
            store,
            &scope,
            &parsed,
            &HuntOptions {
                range: TimeRange {
                    from,
                    // The range's end is excluded.
                    to: to.and_then(|t| t.checked_add(SignedDuration::from_millis(1)).ok()),
                },
                max_rows: named.ids.len(),
                names,
                ..HuntOptions::default()
            },
        )
        .await?;
        found = result.rows;
    }
    let mut events = Vec::new();
    let mut missing = Vec::new();
    for id in &named.ids {
        match found
            .iter()
            .position(|row| row.get("@id").and_then(Value::as_str) == Some(id))
        {
            Some(at) => events.push(found.swap_remove(at)),
            None => missing.push(id.clone()),
        }
    }
    Ok(AlertEvents {
        query,
        from,
        to,
        correlation: named.correlation,
        events,
        missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_correlation_names_its_events_and_window_a_rule_alert_its_event() {
        let own = EventId(7);
        let a = EventId(1).to_string();
        let b = EventId(2).to_string();
        let snapshot = json!({"correlation": {
            "events": [a, "not an id", b, a],
            "window_start": "2026-11-02T09:59:00Z",
            "window_end": "2026-11-02T10:01:00Z",
        }});
        let named = named(&snapshot, own);
        assert!(named.correlation);
        assert_eq!(named.ids, [a.clone(), b]);
        assert_eq!(
            named.range.unwrap().0,
            "2026-11-02T09:59:00Z".parse::<Timestamp>().unwrap()
        );
        // An event that carries a `correlation` field among others is a rule alert's.
        let event = json!({"correlation": {"events": [a]}, "Image": "x"});
        let named = super::named(&event, own);
        assert!(!named.correlation);
        assert_eq!(named.ids, [own.to_string()]);
        assert_eq!(named.range, None);
    }
}
