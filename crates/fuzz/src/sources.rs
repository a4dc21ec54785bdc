//! Source lines through the parsers of `vigie-parse`, as every intake hands them over.

use serde_json::{Map, Value};
use vigie_parse::{SourceType, json_worth_a_look, normalize};

/// Declared types the first byte picks from (one per parser, a few refined ones, and one
/// without a parser); a byte past the list declares nothing.
const DECLARED: &[&str] = &[
    "linux.sysmon",
    "linux.auditd",
    "linux.auth",
    "linux.sshd",
    "linux.sudo",
    "nginx.access",
    "apache.access",
    "cef.event",
    "leef.event",
    "fortinet.fortigate",
    "cisco.asa",
    "cisco.ftd",
    "panos.log",
    "suricata.eve",
    "zeek.dns",
    "zeek.conn",
    "aws.cloudtrail",
    "m365.audit",
    "azure.signinlogs",
    "azure.auditlogs",
    "myapp.custom",
];

/// Syslog programs the second byte picks from (linux auth is recognised by program).
const PROGRAMS: &[&str] = &["sshd", "sudo", "su", "useradd", "usermod", "cron"];

/// One line of any source: the first byte picks the declared source type (or none), the
/// second the syslog program (or none), the rest is the line.
///
/// Checks: read as a syslog message or text line, and as a JSON object when it is one, with
/// the declared type and without: no panic; the type found is a valid source type; the
/// original (`message`, or every key of the object) is unchanged; a failure is flagged
/// (`parse_error`, `error.message`); a JSON object whose type is recognised from its content
/// holds one of the markers the intake looks for first (when written without escapes,
/// which the intake does not decode before looking).
pub fn source_line(data: &[u8]) {
    let [pick, program, rest @ ..] = data else {
        return;
    };
    let declared = DECLARED
        .get(usize::from(*pick))
        .map(|t| SourceType::new(t).expect("a valid type"));
    let text = String::from_utf8_lossy(rest).into_owned();
    let mut fields = Map::new();
    fields.insert("message".into(), Value::String(text.clone()));
    if let Some(program) = PROGRAMS.get(usize::from(*program)) {
        fields.insert(
            "log".into(),
            serde_json::json!({"syslog": {"appname": program, "procid": "42"}}),
        );
    }
    let original = fields.clone();
    for declared in [declared.as_ref(), None] {
        let mut fields = original.clone();
        let outcome = normalize(declared, &mut fields);
        check(&outcome, &original, &fields);
    }
    if let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(rest) {
        let mut fields = object.clone();
        let outcome = normalize(None, &mut fields);
        check(&outcome, &object, &fields);
        if outcome.source_type.is_some() && !rest.contains(&b'\\') {
            assert!(
                json_worth_a_look(rest),
                "recognised as {:?} without a marker",
                outcome.source_type
            );
        }
        let mut fields = object.clone();
        let outcome = normalize(declared.as_ref(), &mut fields);
        check(&outcome, &object, &fields);
    }
}

fn check(outcome: &vigie_parse::Outcome, before: &Map<String, Value>, after: &Map<String, Value>) {
    if let Some(found) = &outcome.source_type {
        SourceType::new(found.as_str()).expect("the source type found is valid");
    }
    for (key, value) in before {
        // Parsers add inside objects the sender sent (e.g. `event`), never change a value.
        match (value, after.get(key)) {
            (Value::Object(inner), Some(Value::Object(now))) => {
                for (k, v) in inner {
                    assert_eq!(now.get(k), Some(v), "{key}.{k} changed");
                }
            }
            (_, now) => assert_eq!(now, Some(value), "{key} changed"),
        }
    }
    if let Some(error) = &outcome.error {
        assert!(!error.detail.is_empty(), "a parse error says why");
        assert!(
            after
                .get("tags")
                .and_then(Value::as_array)
                .is_some_and(|t| t.iter().any(|t| t == "parse_error"))
                || before.contains_key("tags"),
            "a failure is tagged"
        );
    }
}
