//! Correlation tests, written as rule + events + expected alerts, from the specification's
//! own examples and its boundaries.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Map, Value as Json, json};
use vigie_event::TenantId;

use super::*;
use crate::Level;

fn parse_all(yaml: &str) -> Vec<CorrelationRule> {
    yaml_serde::Deserializer::from_str(yaml)
        .enumerate()
        .map(|(i, d)| {
            let v = <Value as serde::Deserialize>::deserialize(d).unwrap();
            rule::parse(&v, &format!("doc{i}")).unwrap()
        })
        .collect()
}

fn set(yaml: &str, base: &[(&str, &str)]) -> CorrelationSet {
    set_with(yaml, base, CorrelationLimits::default())
}

fn set_with(yaml: &str, base: &[(&str, &str)], limits: CorrelationLimits) -> CorrelationSet {
    let names: HashMap<String, String> = base
        .iter()
        .map(|(name, id)| ((*name).to_owned(), (*id).to_owned()))
        .collect();
    let ids: HashSet<String> = base.iter().map(|(_, id)| (*id).to_owned()).collect();
    let (set, rejected) = CorrelationSet::new(parse_all(yaml), &names, &ids, limits);
    assert!(rejected.is_empty(), "{rejected:?}");
    set
}

fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_780_000_000 + secs).unwrap()
}

struct Feed<'a> {
    set: &'a CorrelationSet,
    state: CorrelationState,
    n: usize,
}

impl<'a> Feed<'a> {
    fn new(set: &'a CorrelationSet) -> Self {
        Self {
            set,
            state: CorrelationState::default(),
            n: 0,
        }
    }

    fn event(
        &mut self,
        tenant: i64,
        at: i64,
        matched: &[&str],
        fields: Json,
    ) -> Vec<CorrelationHit> {
        self.n += 1;
        let Json::Object(fields): Json = fields else {
            unreachable!()
        };
        let fields: Map<String, Json> = fields;
        let obs = Observation {
            tenant: TenantId(tenant),
            time: t(at),
            event_id: format!("e{}", self.n),
            fields: &fields,
            matched: matched.iter().map(|s| (*s).to_owned()).collect(),
        };
        self.set.observe(&mut self.state, &obs)
    }
}

const FAILED: &str = r#"
title: Many failed logins
id: corr-failed
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 1h
    condition:
        gte: 3
level: high
"#;

#[test]
fn event_count_fires_once_at_the_threshold() {
    let set = set(FAILED, &[("failed_login", "id-failed")]);
    let mut f = Feed::new(&set);
    assert!(
        f.event(1, 0, &["id-failed"], json!({"User": "alice"}))
            .is_empty()
    );
    assert!(
        f.event(1, 60, &["id-failed"], json!({"User": "alice"}))
            .is_empty()
    );
    let hits = f.event(1, 120, &["id-failed"], json!({"User": "alice"}));
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.rule_id, "corr-failed");
    assert_eq!(hit.group, vec![("User".to_owned(), "alice".to_owned())]);
    assert_eq!(hit.total_events, 3);
    assert_eq!(hit.events, vec!["e1", "e2", "e3"]);
    assert_eq!((hit.window_start, hit.window_end), (t(0), t(120)));
    assert_eq!(hit.level, Level::High);
    // The window's events are consumed: a fourth event does not fire again.
    assert!(
        f.event(1, 180, &["id-failed"], json!({"User": "alice"}))
            .is_empty()
    );
    // Another user has its own group.
    assert!(
        f.event(1, 190, &["id-failed"], json!({"User": "bob"}))
            .is_empty()
    );
}

#[test]
fn timespan_edge_is_inclusive() {
    let yaml = FAILED.replace("gte: 3", "gte: 2");
    let set = set(&yaml, &[("failed_login", "id-failed")]);
    let mut f = Feed::new(&set);
    f.event(1, 0, &["id-failed"], json!({"User": "a"}));
    assert_eq!(
        f.event(1, 3600, &["id-failed"], json!({"User": "a"})).len(),
        1
    );
    let mut g = Feed::new(&set);
    g.event(1, 0, &["id-failed"], json!({"User": "a"}));
    assert!(
        g.event(1, 3601, &["id-failed"], json!({"User": "a"}))
            .is_empty()
    );
}

#[test]
fn missing_group_field_is_counted_not_grouped() {
    let set = set(FAILED, &[("failed_login", "id-failed")]);
    let mut f = Feed::new(&set);
    for i in 0..5 {
        assert!(
            f.event(1, i, &["id-failed"], json!({"Other": "x"}))
                .is_empty()
        );
    }
    assert_eq!(f.state.counters.missing_group_field["corr-failed"], 5);
    assert_eq!(f.state.groups(), 0);
}

#[test]
fn out_of_order_within_lateness_completes_the_window() {
    let set = set(FAILED, &[("failed_login", "id-failed")]);
    let mut f = Feed::new(&set);
    f.event(1, 100, &["id-failed"], json!({"User": "a"}));
    f.event(1, 130, &["id-failed"], json!({"User": "a"}));
    // 30 s late (allowed lateness 60 s): still counted, completes the window.
    let hits = f.event(1, 100 - 30, &["id-failed"], json!({"User": "a"}));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].window_start, t(70));
    // Later than the lateness: counted and left out.
    f.event(1, 500, &["id-failed"], json!({"User": "a"}));
    assert!(
        f.event(1, 400, &["id-failed"], json!({"User": "a"}))
            .is_empty()
    );
    assert_eq!(f.state.counters.late_events, 1);
}

#[test]
fn value_count_counts_distinct_values() {
    let yaml = r#"
title: Spray
id: corr-spray
correlation:
    type: value_count
    rules: [failed_login]
    group-by: [ComputerName]
    timespan: 1d
    condition:
        field: User
        gte: 3
"#;
    let set = set(yaml, &[("failed_login", "id-failed")]);
    let mut f = Feed::new(&set);
    f.event(
        1,
        0,
        &["id-failed"],
        json!({"ComputerName": "dc1", "User": "a"}),
    );
    f.event(
        1,
        1,
        &["id-failed"],
        json!({"ComputerName": "dc1", "User": "a"}),
    );
    assert!(
        f.event(
            1,
            2,
            &["id-failed"],
            json!({"ComputerName": "dc1", "User": "b"})
        )
        .is_empty()
    );
    let hits = f.event(
        1,
        3,
        &["id-failed"],
        json!({"ComputerName": "dc1", "User": "c"}),
    );
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].measure, 3.0);
    assert_eq!(hits[0].total_events, 4);
}

const RECON: &str = r#"
title: Recon
id: corr-recon
correlation:
    type: temporal
    rules: [recon_cmd_a, recon_cmd_b, recon_cmd_c]
    group-by: [ComputerName, User]
    timespan: 5m
"#;

#[test]
fn temporal_needs_every_rule_in_any_order() {
    let base = [
        ("recon_cmd_a", "a"),
        ("recon_cmd_b", "b"),
        ("recon_cmd_c", "c"),
    ];
    let set = set(RECON, &base);
    let host = json!({"ComputerName": "ws1", "User": "eve"});
    let mut f = Feed::new(&set);
    assert!(f.event(1, 0, &["c"], host.clone()).is_empty());
    assert!(f.event(1, 10, &["a"], host.clone()).is_empty());
    assert!(f.event(1, 20, &["a"], host.clone()).is_empty());
    assert_eq!(f.event(1, 30, &["b"], host.clone()).len(), 1);
    // Two of three within the span: nothing.
    let mut g = Feed::new(&set);
    g.event(1, 0, &["a"], host.clone());
    g.event(1, 10, &["b"], host.clone());
    assert!(g.event(1, 400, &["c"], host).is_empty());
}

#[test]
fn temporal_ordered_respects_the_order() {
    let yaml = RECON.replace("type: temporal", "type: temporal_ordered");
    let base = [
        ("recon_cmd_a", "a"),
        ("recon_cmd_b", "b"),
        ("recon_cmd_c", "c"),
    ];
    let set = set(&yaml, &base);
    let host = json!({"ComputerName": "ws1", "User": "eve"});
    let mut wrong = Feed::new(&set);
    wrong.event(1, 0, &["c"], host.clone());
    wrong.event(1, 10, &["b"], host.clone());
    assert!(wrong.event(1, 20, &["a"], host.clone()).is_empty());
    let mut right = Feed::new(&set);
    right.event(1, 0, &["a"], host.clone());
    right.event(1, 10, &["b"], host.clone());
    assert_eq!(right.event(1, 20, &["c"], host).len(), 1);
}

#[test]
fn value_sum_is_decided_when_the_window_closes() {
    let yaml = r#"
title: Exfiltration
id: corr-exfil
correlation:
    type: value_sum
    rules: [website_access]
    group-by: [SourceIP, User]
    timespan: 1h
    condition:
        field: bytes_sent
        gt: 1000000
"#;
    let set = set(yaml, &[("website_access", "w")]);
    let mut f = Feed::new(&set);
    let who = |bytes: u64| json!({"SourceIP": "10.0.0.5", "User": "bob", "bytes_sent": bytes});
    assert!(f.event(1, 0, &["w"], who(600_000)).is_empty());
    assert!(f.event(1, 600, &["w"], who(500_000)).is_empty());
    // Still open: more could come. The window [0, 3600] closes when the tenant's time passes
    // 3600 + lateness (60 s).
    assert!(f.event(1, 3000, &[], json!({})).is_empty());
    let hits = f.event(1, 3661, &[], json!({}));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].measure, 1_100_000.0);
}

#[test]
fn upper_bound_count_is_decided_at_close() {
    let yaml = FAILED.replace("gte: 3", "lt: 2");
    let set = set(&yaml, &[("failed_login", "id-failed")]);
    let mut f = Feed::new(&set);
    f.event(1, 0, &["id-failed"], json!({"User": "a"}));
    f.event(1, 10, &["id-failed"], json!({"User": "b"}));
    f.event(1, 20, &["id-failed"], json!({"User": "b"}));
    let hits = f.event(1, 4000, &[], json!({}));
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].group[0].1, "a");
}

#[test]
fn value_avg_and_percentile() {
    let avg = r#"
title: Avg
id: corr-avg
correlation:
    type: value_avg
    rules: [r]
    group-by: [SourceIP]
    timespan: 1h
    condition:
        field: BytesOut
        gt: 500
"#;
    let set = set(avg, &[("r", "r")]);
    let mut f = Feed::new(&set);
    f.event(1, 0, &["r"], json!({"SourceIP": "x", "BytesOut": 400}));
    f.event(1, 1, &["r"], json!({"SourceIP": "x", "BytesOut": 700}));
    let hits = f.event(1, 3700, &[], json!({}));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].measure, 550.0);

    let pct = r#"
title: Rare process
id: corr-rare
correlation:
    type: value_percentile
    rules: [process_creation]
    group-by: [ComputerName]
    timespan: 24h
    condition:
        field: Image
        lte: 1
"#;
    let rare = self::set(pct, &[("process_creation", "p")]);
    let mut f = Feed::new(&rare);
    for i in 0..199 {
        f.event(
            1,
            i,
            &["p"],
            json!({"ComputerName": "ws", "Image": "svchost.exe"}),
        );
    }
    f.event(
        1,
        300,
        &["p"],
        json!({"ComputerName": "ws", "Image": "evil.exe"}),
    );
    let hits = f.event(1, 86_400 + 400, &[], json!({}));
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].value.as_deref(), Some("evil.exe"));
    assert_eq!(hits[0].measure, 0.5);
}

/// The specification's complete example: failed logins followed by a successful login,
/// a correlation chained on another.
#[test]
fn chained_failed_logins_then_success() {
    let yaml = r#"
title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 10
"#;
    let base = [
        ("failed_login", "53ba33fd-3a50-4468-a5ef-c583635cfa92"),
        ("successful_login", "4d0a2c83-c62c-4ed4-b475-c7e23a9269b8"),
    ];
    let set = set(yaml, &base);
    assert!(set.suppresses("53ba33fd-3a50-4468-a5ef-c583635cfa92"));
    let mut f = Feed::new(&set);
    let user = json!({"User": "mallory", "EventID": 4625});
    let mut fired = Vec::new();
    for i in 0..10 {
        fired.extend(f.event(
            1,
            i * 10,
            &["53ba33fd-3a50-4468-a5ef-c583635cfa92"],
            user.clone(),
        ));
    }
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].rule_id, "a8418a5a-5fc4-46b5-b23b-6c73beb19d41");
    let hits = f.event(
        1,
        200,
        &["4d0a2c83-c62c-4ed4-b475-c7e23a9269b8"],
        json!({"User": "mallory", "EventID": 4624}),
    );
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].rule_id, "b180ead8-d58f-40b2-ae54-c8940995b9b6");
    assert_eq!(hits[0].events.len(), 2);
    // Success of another user does not complete it.
    let mut g = Feed::new(&set);
    for i in 0..10 {
        g.event(
            1,
            i,
            &["53ba33fd-3a50-4468-a5ef-c583635cfa92"],
            user.clone(),
        );
    }
    assert!(
        g.event(
            1,
            50,
            &["4d0a2c83-c62c-4ed4-b475-c7e23a9269b8"],
            json!({"User": "trudy"})
        )
        .is_empty()
    );
}

/// The specification's aliases example.
#[test]
fn aliases_map_different_fields_to_one_group() {
    let yaml = r#"
title: Error then connection
id: corr-alias
correlation:
    type: temporal
    rules:
        - internal_error
        - new_network_connection
    group-by:
        - internal_ip
        - remote_ip
    timespan: 10s
    aliases:
        internal_ip:
            internal_error: destination.ip
            new_network_connection: source.ip
        remote_ip:
            internal_error: source.ip
            new_network_connection: destination.ip
"#;
    let base = [("internal_error", "ie"), ("new_network_connection", "nc")];
    let set = set(yaml, &base);
    let mut f = Feed::new(&set);
    let error = json!({"http": {"response": {"status_code": 500}}, "destination": {"ip": "10.1.1.1"}, "source": {"ip": "203.0.113.9"}});
    let conn = json!({"source": {"ip": "10.1.1.1"}, "destination": {"ip": "203.0.113.9"}});
    assert!(f.event(1, 0, &["ie"], error).is_empty());
    let hits = f.event(1, 5, &["nc"], conn);
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].group,
        vec![
            ("internal_ip".to_owned(), "10.1.1.1".to_owned()),
            ("remote_ip".to_owned(), "203.0.113.9".to_owned())
        ]
    );
}

#[test]
fn tenants_never_complete_each_others_windows() {
    let set = set(FAILED, &[("failed_login", "id-failed")]);
    let mut f = Feed::new(&set);
    f.event(1, 0, &["id-failed"], json!({"User": "admin"}));
    f.event(2, 1, &["id-failed"], json!({"User": "admin"}));
    f.event(1, 2, &["id-failed"], json!({"User": "admin"}));
    assert!(
        f.event(2, 3, &["id-failed"], json!({"User": "admin"}))
            .is_empty()
    );
    let hits = f.event(1, 4, &["id-failed"], json!({"User": "admin"}));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].tenant, TenantId(1));
}

#[test]
fn group_cap_evicts_and_counts() {
    let limits = CorrelationLimits {
        max_groups_per_rule: 2,
        ..CorrelationLimits::default()
    };
    let set = set_with(FAILED, &[("failed_login", "id-failed")], limits);
    let mut f = Feed::new(&set);
    for (i, user) in ["a", "b", "c", "d"].iter().enumerate() {
        f.event(1, i as i64, &["id-failed"], json!({ "User": user }));
    }
    assert_eq!(f.state.groups(), 2);
    assert_eq!(f.state.counters.groups_evicted["corr-failed"], 2);
}

#[test]
fn state_survives_a_restart_mid_window_and_fires_once() {
    let set = set(FAILED, &[("failed_login", "id-failed")]);
    let mut f = Feed::new(&set);
    f.event(1, 0, &["id-failed"], json!({"User": "a"}));
    f.event(1, 10, &["id-failed"], json!({"User": "a"}));
    let saved = serde_json::to_string(&f.state).unwrap();
    let restored: CorrelationState = serde_json::from_str(&saved).unwrap();
    let mut g = Feed::new(&set);
    g.state = restored;
    g.n = f.n;
    let hits = g.event(1, 20, &["id-failed"], json!({"User": "a"}));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].events, vec!["e1", "e2", "e3"]);
    // Same events give the same identity (replay-safe alert ids).
    let again = f.event(1, 20, &["id-failed"], json!({"User": "a"}));
    assert_eq!(again[0].identity(), hits[0].identity());
}

#[test]
fn listed_events_are_capped_with_a_total() {
    let yaml = FAILED.replace("gte: 3", "gte: 120");
    let limits = CorrelationLimits {
        max_listed_events: 10,
        ..CorrelationLimits::default()
    };
    let set = set_with(&yaml, &[("failed_login", "id-failed")], limits);
    let mut f = Feed::new(&set);
    let mut hits = Vec::new();
    for i in 0..120 {
        hits.extend(f.event(1, i, &["id-failed"], json!({"User": "a"})));
    }
    assert_eq!(hits[0].total_events, 120);
    assert_eq!(hits[0].events.len(), 10);
    assert_eq!(hits[0].events[0], "e1");
    assert_eq!(hits[0].events[9], "e120");
}

#[test]
fn parse_errors_name_the_problem() {
    let bad = |yaml: &str| {
        let v: Value = yaml_serde::from_str(yaml).unwrap();
        rule::parse(&v, "x").unwrap_err()
    };
    let base = "title: x\ncorrelation:\n  rules: [a]\n  group-by: [U]\n";
    assert!(
        bad(&format!(
            "{base}  type: event_count\n  timespan: 1H\n  condition: {{gte: 1}}\n"
        ))
        .contains("1H")
    );
    assert!(
        bad(&format!(
            "{base}  type: event_counts\n  timespan: 1h\n  condition: {{gte: 1}}\n"
        ))
        .contains("event_counts")
    );
    assert!(
        bad(&format!(
            "{base}  type: value_count\n  timespan: 1h\n  condition: {{gte: 1}}\n"
        ))
        .contains("condition.field")
    );
    assert!(
        bad(&format!(
            "{base}  type: event_count\n  timespan: 1h\n  condition: {{over: 1}}\n"
        ))
        .contains("over")
    );
    assert!(bad(&format!("{base}  type: event_count\n  timespan: 1h\n")).contains("condition"));
    assert_eq!(parse_timespan("90m").unwrap(), Duration::from_secs(5400));
    // A reference to nothing loaded is a rejection naming it.
    let (_, rejected) = CorrelationSet::new(
        parse_all(FAILED),
        &HashMap::new(),
        &HashSet::new(),
        CorrelationLimits::default(),
    );
    assert!(rejected[0].1.contains("failed_login"));
}

#[test]
fn generate_true_keeps_base_alerts() {
    let yaml = format!("{FAILED}generate: true\n");
    let set = set(&yaml, &[("failed_login", "id-failed")]);
    assert!(!set.suppresses("id-failed"));
    assert!(!set.suppresses("unrelated"));
}
