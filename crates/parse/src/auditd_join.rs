//! The records of one Linux audit event, joined by serial (source type `linux.auditd`).
//!
//! The kernel writes one event as several records sharing `msg=audit(<time>:<serial>)`
//! (SYSCALL, EXECVE, CWD, PATH, PROCTITLE, ..., often closed by EOE), and the parser reads
//! each record as its own event, because SigmaHQ's auditd rules test one record at a time.
//! [`Join`] keeps that: every record stays its own event, and each record of a group (same
//! host, same serial, arriving one after the other) gets the context its siblings carry,
//! added only where the record lacks it (a field is never overwritten):
//!
//! | from | fields |
//! |---|---|
//! | SYSCALL | `process.pid`, `process.parent.pid`, `process.executable`, `process.name`, `user.id`, `user.name`, `user.audit.id`, `user.audit.name`, `user.effective.id`, `user.effective.name`, `auditd.result`, `event.outcome` |
//! | EXECVE | `process.args`, `process.args_count`, `process.command_line` |
//! | CWD | `process.working_directory` |
//! | PROCTITLE | `process.title` |
//! | PATH | `file.path`: the `name` of the first PATH record whose `nametype` is not `PARENT`, else of the first; `auditd.paths`: every PATH `name`, in order |
//! | every record | `auditd.record_types` (the group's record types in order, lowercase), `auditd.records` (how many) |
//!
//! The first record of each kind gives the context. Records are fed in arrival order, already
//! read by [`crate::normalize`]; a group is released (its records enriched, in order) when a
//! record of another serial or host arrives, when an `EOE` record closes it, when an event
//! that is not an audit record arrives (it follows the group: order is kept), or on
//! [`Join::flush`]. A group is bounded: past [`MAX_RECORDS`] records or [`MAX_BYTES`] bytes of
//! record text, what it holds is released as it is (not enriched), and the later records of
//! that serial pass through as they are too.
//!
//! The host is `host.name` (the record's `node=`), else the syslog header's host name
//! (`log.syslog.hostname`). A record is an audit record when the parser read it: it carries
//! `auditd.sequence`, `auditd.message_type` and the matching raw `type`.

use serde_json::{Map, Value};

use crate::fields;

/// Most records held in one group.
pub const MAX_RECORDS: usize = 64;
/// Most bytes of record text (`message`) held in one group.
pub const MAX_BYTES: usize = 256 * 1024;

/// An event as [`Join`] sees it: its fields, when it has a map of them (an item without one
/// is not an audit record and passes through).
pub trait Fields {
    /// The event's fields.
    fn fields(&self) -> Option<&Map<String, Value>>;
    /// The event's fields, to enrich.
    fn fields_mut(&mut self) -> Option<&mut Map<String, Value>>;
}

impl Fields for Map<String, Value> {
    fn fields(&self) -> Option<&Map<String, Value>> {
        Some(self)
    }

    fn fields_mut(&mut self) -> Option<&mut Map<String, Value>> {
        Some(self)
    }
}

impl Fields for vigie_event::Event {
    fn fields(&self) -> Option<&Map<String, Value>> {
        Some(&self.fields)
    }

    fn fields_mut(&mut self) -> Option<&mut Map<String, Value>> {
        Some(&mut self.fields)
    }
}

/// Fields a SYSCALL record gives its siblings.
const FROM_SYSCALL: &[&str] = &[
    "process.pid",
    "process.parent.pid",
    "process.executable",
    "process.name",
    "user.id",
    "user.name",
    "user.audit.id",
    "user.audit.name",
    "user.effective.id",
    "user.effective.name",
    "auditd.result",
    "event.outcome",
];
/// Fields an EXECVE record gives its siblings.
const FROM_EXECVE: &[&str] = &["process.args", "process.args_count", "process.command_line"];
/// Fields a CWD record gives its siblings.
const FROM_CWD: &[&str] = &["process.working_directory"];
/// Fields a PROCTITLE record gives its siblings.
const FROM_PROCTITLE: &[&str] = &["process.title"];

/// What decides where an audit record goes.
struct Seen<'a> {
    host: Option<&'a str>,
    serial: u64,
    eoe: bool,
    bytes: usize,
}

impl<'a> Seen<'a> {
    fn of(fields: &'a Map<String, Value>) -> Option<Self> {
        let serial = fields::lookup(fields, "auditd.sequence")?.as_u64()?;
        let message_type = fields::text(fields, "auditd.message_type")?;
        let record_type = fields.get("type")?.as_str()?;
        if !record_type.eq_ignore_ascii_case(message_type) {
            return None;
        }
        let host = fields::text(fields, "host.name")
            .or_else(|| fields::text(fields, "log.syslog.hostname"));
        Some(Self {
            host,
            serial,
            eoe: record_type == "EOE",
            bytes: crate::formats::message_of(fields).map_or(0, str::len),
        })
    }
}

/// Joins the records of one audit event by serial (see the module documentation).
#[derive(Debug)]
pub struct Join<T> {
    /// The records of the current group, in arrival order.
    held: Vec<T>,
    /// Whether a group is open (records held, or its serial passing through past a bound).
    open: bool,
    /// The open group's host (`None`: none given) and serial.
    host: Option<String>,
    serial: u64,
    /// Bytes of record text held.
    bytes: usize,
    /// The open group went past a bound: its later records pass through.
    overflowed: bool,
    /// Groups opened so far.
    groups: u64,
}

impl<T: Fields> Default for Join<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Fields> Join<T> {
    /// A join holding nothing.
    pub fn new() -> Self {
        Self {
            held: Vec::new(),
            open: false,
            host: None,
            serial: 0,
            bytes: 0,
            overflowed: false,
            groups: 0,
        }
    }

    /// Feeds one event; what it releases (earlier events, then maybe this one) is appended
    /// to `out` in arrival order.
    pub fn push(&mut self, item: T, out: &mut Vec<T>) {
        let Some(seen) = item.fields().and_then(Seen::of) else {
            self.flush(out);
            out.push(item);
            return;
        };
        let (eoe, bytes) = (seen.eoe, seen.bytes);
        let same = self.open && self.serial == seen.serial && self.host.as_deref() == seen.host;
        if !same {
            self.flush(out);
            self.open = true;
            self.serial = seen.serial;
            match (seen.host, &mut self.host) {
                (Some(host), Some(held)) => {
                    held.clear();
                    held.push_str(host);
                }
                (Some(host), held) => *held = Some(host.to_owned()),
                (None, held) => *held = None,
            }
            self.groups += 1;
        }
        if self.overflowed {
            out.push(item);
            return;
        }
        if self.held.len() >= MAX_RECORDS || self.bytes.saturating_add(bytes) > MAX_BYTES {
            out.append(&mut self.held);
            out.push(item);
            self.bytes = 0;
            self.overflowed = true;
            return;
        }
        self.held.push(item);
        self.bytes += bytes;
        if eoe {
            self.flush(out);
        }
    }

    /// Releases the group held, enriched, to `out` (end of input, a timer, a closed
    /// connection).
    pub fn flush(&mut self, out: &mut Vec<T>) {
        if !self.held.is_empty() {
            enrich(&mut self.held);
            out.append(&mut self.held);
        }
        self.open = false;
        self.overflowed = false;
        self.bytes = 0;
    }

    /// How many records are held.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// How many groups were opened so far: a change tells a caller timing the group held
    /// that it is another one.
    pub fn groups(&self) -> u64 {
        self.groups
    }
}

/// The context of a group, gathered once and added to each record.
#[derive(Default)]
struct Context {
    /// (field, value) pairs from SYSCALL, EXECVE, CWD and PROCTITLE records.
    values: Vec<(&'static str, Value)>,
    /// The PATH names, and which one is the file.
    paths: Vec<Value>,
    file: Option<usize>,
    types: Vec<Value>,
}

impl Context {
    fn take(&mut self, fields: &Map<String, Value>, names: &[&'static str]) {
        for name in names {
            if let Some(value) = fields::lookup(fields, name) {
                self.values.push((name, value.clone()));
            }
        }
    }
}

fn enrich<T: Fields>(group: &mut [T]) {
    let mut context = Context::default();
    let (mut syscall, mut execve, mut cwd, mut proctitle) = (false, false, false, false);
    for item in group.iter() {
        let Some(fields) = item.fields() else {
            continue;
        };
        let Some(record_type) = fields.get("type").and_then(Value::as_str) else {
            continue;
        };
        context.types.push(record_type.to_ascii_lowercase().into());
        match record_type {
            "SYSCALL" if !syscall => {
                syscall = true;
                context.take(fields, FROM_SYSCALL);
            }
            "EXECVE" if !execve => {
                execve = true;
                context.take(fields, FROM_EXECVE);
            }
            "CWD" if !cwd => {
                cwd = true;
                context.take(fields, FROM_CWD);
            }
            "PROCTITLE" if !proctitle => {
                proctitle = true;
                context.take(fields, FROM_PROCTITLE);
            }
            "PATH" => {
                if let Some(name) = fields::lookup(fields, "file.path") {
                    let parent = fields.get("nametype").and_then(Value::as_str) == Some("PARENT");
                    if context.file.is_none() && !parent {
                        context.file = Some(context.paths.len());
                    }
                    context.paths.push(name.clone());
                }
            }
            _ => {}
        }
    }
    if !context.paths.is_empty() {
        let file = context.paths[context.file.unwrap_or(0)].clone();
        context.values.push(("file.path", file));
    }
    let count = context.types.len();
    let types = Value::Array(context.types);
    let paths = (!context.paths.is_empty()).then(|| Value::Array(context.paths));
    for item in group.iter_mut() {
        let Some(fields) = item.fields_mut() else {
            continue;
        };
        for (name, value) in &context.values {
            if fields::lookup(fields, name).is_none() {
                fields::put(fields, name, value.clone());
            }
        }
        if let Some(paths) = &paths {
            fields::put(fields, "auditd.paths", paths.clone());
        }
        fields::put(fields, "auditd.record_types", types.clone());
        fields::put(fields, "auditd.records", count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{event, get};
    use crate::{SourceType, normalize};
    use serde_json::json;

    /// The fields of `line` read as an audit record.
    fn record(line: &str) -> Map<String, Value> {
        let mut f = event(line);
        let outcome = normalize(Some(&SourceType::new("linux.auditd").unwrap()), &mut f);
        assert!(outcome.parsed, "{line}: {:?}", outcome.error);
        f
    }

    /// Every event of `lines` (audit records, or other text as a plain `message`) through
    /// a join, flushed at the end.
    fn joined(lines: &[&str]) -> Vec<Map<String, Value>> {
        let mut join = Join::new();
        let mut out = Vec::new();
        for line in lines {
            let f = if line.contains("audit(") {
                record(line)
            } else {
                event(line)
            };
            join.push(f, &mut out);
        }
        join.flush(&mut out);
        assert!(join.is_empty());
        out
    }

    fn message(f: &Map<String, Value>) -> &str {
        f["message"].as_str().unwrap()
    }

    const SYSCALL: &str = r#"type=SYSCALL msg=audit(1491946471.575:1075898): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=10027 pid=10043 auid=1001 uid=1001 gid=1002 euid=0 suid=1001 fsuid=1001 egid=1002 sgid=1002 fsgid=1002 tty=pts0 ses=3 comm="uname" exe="/bin/uname" key=(null)"#;
    const EXECVE: &str =
        r#"type=EXECVE msg=audit(1491946471.575:1075898): argc=2 a0="uname" a1="-a""#;
    const CWD: &str = r#"type=CWD msg=audit(1491946471.575:1075898): cwd="/home/user""#;
    const PATH_0: &str =
        r#"type=PATH msg=audit(1491946471.575:1075898): item=0 name="/bin/" nametype=PARENT"#;
    const PATH_1: &str =
        r#"type=PATH msg=audit(1491946471.575:1075898): item=1 name="/bin/uname" nametype=NORMAL"#;
    const PROCTITLE: &str =
        "type=PROCTITLE msg=audit(1491946471.575:1075898): proctitle=756E616D65002D61";
    const EOE: &str = "type=EOE msg=audit(1491946471.575:1075898):";
    const NEXT: &str = r#"type=SYSCALL msg=audit(1491946471.600:1075899): syscall=2 success=no pid=7 exe="/usr/bin/touch""#;

    #[test]
    fn a_group_shares_its_context_without_overwriting() {
        let out = joined(&[SYSCALL, EXECVE, CWD, PATH_0, PATH_1, PROCTITLE, NEXT]);
        assert_eq!(out.len(), 7);
        let types = json!(["syscall", "execve", "cwd", "path", "path", "proctitle"]);
        for f in &out[..6] {
            assert_eq!(get(f, "process.executable"), "/bin/uname", "{}", message(f));
            assert_eq!(get(f, "process.pid"), 10043);
            assert_eq!(get(f, "process.parent.pid"), 10027);
            assert_eq!(get(f, "process.name"), "uname");
            assert_eq!(get(f, "process.args"), &json!(["uname", "-a"]));
            assert_eq!(get(f, "process.args_count"), 2);
            assert_eq!(get(f, "process.command_line"), "uname -a");
            assert_eq!(get(f, "process.working_directory"), "/home/user");
            assert_eq!(get(f, "process.title"), "uname -a");
            assert_eq!(get(f, "user.id"), "1001");
            assert_eq!(get(f, "user.audit.id"), "1001");
            assert_eq!(get(f, "user.effective.id"), "0");
            assert_eq!(get(f, "auditd.result"), "success");
            assert_eq!(get(f, "event.outcome"), "success");
            assert_eq!(get(f, "auditd.paths"), &json!(["/bin/", "/bin/uname"]));
            assert_eq!(get(f, "auditd.record_types"), &types);
            assert_eq!(get(f, "auditd.records"), 6);
        }
        // The file is the first PATH that is not a parent, except on a PATH record itself.
        for f in [&out[0], &out[1], &out[2], &out[5]] {
            assert_eq!(get(f, "file.path"), "/bin/uname");
        }
        assert_eq!(get(&out[3], "file.path"), "/bin/");
        assert_eq!(get(&out[4], "file.path"), "/bin/uname");
        // Raw keys are the record's own: Sigma's per-record tests see what they saw.
        assert_eq!(out[1].get("exe"), None);
        assert_eq!(out[1]["a0"], "uname");
        assert_eq!(out[0].get("a0"), Some(&json!("1")));
        // The next serial is its own group, flushed at the end.
        assert_eq!(get(&out[6], "process.executable"), "/usr/bin/touch");
        assert_eq!(get(&out[6], "auditd.records"), 1);
        assert_eq!(get(&out[6], "process.args"), &Value::Null);
        assert_eq!(get(&out[6], "auditd.paths"), &Value::Null);
    }

    #[test]
    fn fields_already_there_are_kept() {
        let mut join = Join::new();
        let mut out = Vec::new();
        let mut execve = record(EXECVE);
        fields::put(&mut execve, "process.executable", "kept");
        execve.insert("user".into(), json!("not an object"));
        join.push(record(SYSCALL), &mut out);
        join.push(execve, &mut out);
        join.flush(&mut out);
        assert_eq!(get(&out[1], "process.executable"), "kept");
        assert_eq!(out[1]["user"], "not an object");
        assert_eq!(get(&out[1], "process.pid"), 10043);
    }

    #[test]
    fn eoe_closes_the_group_and_serial_or_host_opens_another() {
        let mut join = Join::new();
        let mut out = Vec::new();
        join.push(record(SYSCALL), &mut out);
        join.push(record(EXECVE), &mut out);
        assert!(out.is_empty());
        assert_eq!((join.held(), join.groups()), (2, 1));
        join.push(record(EOE), &mut out);
        assert_eq!(out.len(), 3, "EOE releases the group at once");
        assert!(join.is_empty());
        assert_eq!(
            get(&out[2], "auditd.record_types"),
            &json!(["syscall", "execve", "eoe"])
        );
        assert_eq!(get(&out[1], "process.executable"), "/bin/uname");

        // Same serial, other host: two groups.
        let mut out = Vec::new();
        join.push(record(&format!("node=a {SYSCALL}")), &mut out);
        join.push(record(&format!("node=b {EXECVE}")), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(get(&out[0], "auditd.records"), 1);
        join.push(record(&format!("node=b {CWD}")), &mut out);
        join.push(record(&format!("node=a {CWD}")), &mut out);
        assert_eq!(out.len(), 3);
        assert_eq!(get(&out[1], "process.executable"), &Value::Null);
        assert_eq!(get(&out[2], "process.working_directory"), "/home/user");
        assert_eq!(get(&out[1], "process.working_directory"), "/home/user");
        assert_eq!(
            get(&out[1], "auditd.record_types"),
            &json!(["execve", "cwd"])
        );
        join.flush(&mut out);
        assert_eq!(out.len(), 4);
        assert_eq!(join.groups(), 4);
        // The syslog header's host tells senders apart too.
        let mut out = Vec::new();
        let mut first = record(SYSCALL);
        first.insert("log".into(), json!({"syslog": {"hostname": "x"}}));
        let mut second = record(EXECVE);
        second.insert("log".into(), json!({"syslog": {"hostname": "y"}}));
        join.push(first, &mut out);
        join.push(second, &mut out);
        join.flush(&mut out);
        assert_eq!(get(&out[1], "process.executable"), &Value::Null);
    }

    #[test]
    fn other_events_keep_their_place() {
        let out = joined(&[
            SYSCALL,
            "a line that is not audit",
            EXECVE,
            CWD,
            "another",
            "third",
            NEXT,
        ]);
        let messages: Vec<&str> = out.iter().map(message).collect();
        assert_eq!(
            messages,
            [
                SYSCALL,
                "a line that is not audit",
                EXECVE,
                CWD,
                "another",
                "third",
                NEXT
            ]
        );
        // The line in between split the group.
        assert_eq!(get(&out[0], "auditd.records"), 1);
        assert_eq!(get(&out[2], "auditd.records"), 2);
        assert_eq!(get(&out[2], "process.executable"), &Value::Null);
        assert_eq!(get(&out[2], "process.working_directory"), "/home/user");
        assert!(out[1].get("auditd").is_none());
        // Records that did not parse pass through too.
        let mut join = Join::new();
        let mut out = Vec::new();
        join.push(record(SYSCALL), &mut out);
        let mut bad = event("type=EXECVE msg=audit(x:1): a0=1");
        normalize(Some(&SourceType::new("linux.auditd").unwrap()), &mut bad);
        join.push(bad, &mut out);
        assert_eq!(out.len(), 2);
        assert!(out[1].get("auditd").is_none());
    }

    #[test]
    fn groups_past_the_bounds_are_released_as_they_are() {
        let path = |item: usize| {
            format!("type=PATH msg=audit(1.0:5): item={item} name=\"/tmp/{item}\" nametype=NORMAL")
        };
        let mut join = Join::new();
        let mut out = Vec::new();
        for item in 0..MAX_RECORDS {
            join.push(record(&path(item)), &mut out);
        }
        assert!(out.is_empty());
        assert_eq!(join.held(), MAX_RECORDS);
        join.push(record(&path(MAX_RECORDS)), &mut out);
        assert_eq!(out.len(), MAX_RECORDS + 1);
        assert!(join.is_empty());
        // Later records of the serial pass through, until another serial comes.
        join.push(record(&path(MAX_RECORDS + 1)), &mut out);
        assert_eq!(out.len(), MAX_RECORDS + 2);
        assert!(out.iter().all(|f| get(f, "auditd.records").is_null()));
        assert_eq!(get(&out[MAX_RECORDS + 1], "file.path"), "/tmp/65");
        join.push(record(NEXT), &mut out);
        assert_eq!(join.held(), 1);
        join.flush(&mut out);
        assert_eq!(get(out.last().unwrap(), "auditd.records"), 1);

        // Bytes: records of 100 KiB each; the third crosses 256 KiB.
        let big = |n: usize| {
            format!(
                "type=EXECVE msg=audit(1.0:9): argc=1 a0=\"{}\" n={n}",
                "x".repeat(100 * 1024)
            )
        };
        let mut out = Vec::new();
        join.push(record(&big(0)), &mut out);
        join.push(record(&big(1)), &mut out);
        assert_eq!((out.len(), join.held()), (0, 2));
        join.push(record(&big(2)), &mut out);
        assert_eq!((out.len(), join.held()), (3, 0));
        assert!(out.iter().all(|f| get(f, "auditd.records").is_null()));
        assert_eq!(
            out.iter().map(|f| f["n"].clone()).collect::<Vec<_>>(),
            [json!("0"), json!("1"), json!("2")]
        );
    }

    #[test]
    fn flush_releases_everything_once() {
        let mut join = Join::new();
        let mut out = Vec::new();
        join.flush(&mut out);
        assert!(out.is_empty());
        join.push(record(SYSCALL), &mut out);
        join.push(record(EXECVE), &mut out);
        join.flush(&mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(get(&out[1], "process.executable"), "/bin/uname");
        join.flush(&mut out);
        assert_eq!(out.len(), 2);
        // After a flush the same serial opens a new group.
        join.push(record(CWD), &mut out);
        join.flush(&mut out);
        assert_eq!(get(&out[2], "process.executable"), &Value::Null);
        assert_eq!(get(&out[2], "auditd.records"), 1);
    }

    /// The tests of one go-libaudit `aucoalesce` YAML file: (name, records).
    fn yaml_tests(text: &str) -> Vec<(String, Vec<String>)> {
        let mut tests: Vec<(String, Vec<String>)> = Vec::new();
        for line in text.lines() {
            if let Some(head) = line.strip_prefix("  ")
                && !head.starts_with([' ', '#'])
                && let Some((name, style)) = head.rsplit_once(':')
                && matches!(style.trim(), "|" | ">")
            {
                tests.push((name.trim_matches(['"', '\'']).to_owned(), Vec::new()));
            } else if let Some(record) = line.strip_prefix("    ")
                && let Some((_, records)) = tests.last_mut()
                && (record.starts_with("type=") || record.starts_with("node="))
            {
                records.push(record.trim_end().to_owned());
            }
        }
        tests
    }

    /// go-libaudit writes the unset id (4294967295) as `unset`.
    fn id(value: &Value) -> Value {
        match value.as_str() {
            Some("4294967295") => json!("unset"),
            _ => value.clone(),
        }
    }

    /// Every coalesced event of go-libaudit's test data against the records joined here:
    /// the SYSCALL and EXECVE records carry the executable, arguments, working directory,
    /// title, user ids and paths of go-libaudit's event.
    #[test]
    fn fixture_go_libaudit_coalesced_events() {
        let Some(dir) = crate::testing::fixture(
            "fixture_go_libaudit_coalesced_events",
            "linux_auditd/go-libaudit/aucoalesce",
        ) else {
            return;
        };
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        // field -> (compared, agreed)
        let mut figures: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
        let mut disagreements = Vec::new();
        let (mut events, mut joined_events) = (0, 0);
        for path in &files {
            let golden_path = path.with_extension("json.golden");
            let golden: Vec<Value> =
                serde_json::from_str(&std::fs::read_to_string(&golden_path).unwrap()).unwrap();
            let tests = yaml_tests(&std::fs::read_to_string(path).unwrap());
            assert_eq!(tests.len(), golden.len(), "{}", path.display());
            for (name, records) in tests {
                let expected = golden
                    .iter()
                    .find(|g| g["test_name"] == name.as_str())
                    .unwrap_or_else(|| panic!("{name} not in {}", golden_path.display()));
                let expected = &expected["event"];
                events += 1;
                let mut join = Join::new();
                let mut out = Vec::new();
                for line in &records {
                    join.push(record(line), &mut out);
                }
                join.flush(&mut out);
                assert_eq!(out.len(), records.len(), "{name}");
                if records.len() < 2 {
                    continue;
                }
                joined_events += 1;
                let kinds = ["SYSCALL", "EXECVE"];
                for f in out
                    .iter()
                    .filter(|f| kinds.contains(&f["type"].as_str().unwrap()))
                {
                    let record_type = f["type"].as_str().unwrap();
                    let mut compare = |field: &'static str, ours: Value, theirs: &Value| {
                        if theirs.is_null() {
                            return;
                        }
                        let entry = figures.entry(field).or_default();
                        entry.0 += 1;
                        if ours == *theirs {
                            entry.1 += 1;
                        } else {
                            disagreements
                                .push(format!("{name} {record_type} {field}: {ours} != {theirs}"));
                        }
                    };
                    let process = &expected["process"];
                    compare(
                        "executable",
                        get(f, "process.executable").clone(),
                        &process["exe"],
                    );
                    compare("args", get(f, "process.args").clone(), &process["args"]);
                    let line = process["args"].as_array().map(|args| {
                        let words: Vec<&str> = args.iter().filter_map(Value::as_str).collect();
                        json!(words.join(" "))
                    });
                    compare(
                        "command_line",
                        get(f, "process.command_line").clone(),
                        &line.unwrap_or(Value::Null),
                    );
                    compare(
                        "working_directory",
                        get(f, "process.working_directory").clone(),
                        &process["cwd"],
                    );
                    compare("title", get(f, "process.title").clone(), &process["title"]);
                    compare(
                        "pid",
                        json!(get(f, "process.pid").to_string()),
                        &process["pid"],
                    );
                    let ids = &expected["user"]["ids"];
                    compare("uid", id(get(f, "user.id")), &ids["uid"]);
                    compare("euid", id(get(f, "user.effective.id")), &ids["euid"]);
                    compare("auid", id(get(f, "user.audit.id")), &ids["auid"]);
                    let names: Vec<Value> = expected["paths"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p.get("name").cloned())
                        .collect();
                    if !names.is_empty() {
                        compare(
                            "paths",
                            get(f, "auditd.paths").clone(),
                            &Value::Array(names),
                        );
                    }
                    compare(
                        "file_path",
                        get(f, "file.path").clone(),
                        &expected["file"]["path"],
                    );
                }
            }
        }
        eprintln!("{events} events, {joined_events} of several records");
        for (field, (compared, agreed)) in &figures {
            eprintln!("{field}: {agreed} of {compared} agree");
        }
        assert!(disagreements.is_empty(), "{disagreements:#?}");
        assert_eq!((events, joined_events), (48, 22));
        let compared = |field: &str| figures.get(field).map_or(0, |f| f.0);
        assert_eq!(compared("executable"), 25);
        assert_eq!(compared("args"), 6);
        assert_eq!(compared("working_directory"), 9);
        assert_eq!(compared("auid"), 25);
        assert_eq!(compared("paths"), 11);
        assert_eq!(compared("file_path"), 10);
    }
}
