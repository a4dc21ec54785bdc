//! Sysmon for Linux: each event is Windows-style XML (`<Event><System>…</System>
//! <EventData><Data Name="Image">…</Data>…</EventData></Event>`) written to syslog by the
//! `sysmon` program, or found in the `SyslogMessage` column of Azure Monitor's Syslog table.
//!
//! Source type `linux.sysmon`. Recognised when the text is an `<Event>` element whose
//! provider is `Linux-Sysmon` (marker `Linux-Sysmon`).
//!
//! Fields, as the SigmaHQ Linux rules name them (they are written for these events with
//! Sysmon's own names, like the Windows rules on native events):
//!
//! | field | from |
//! |---|---|
//! | `EventID` (number), `Channel`, `Computer`, `ProviderName`, `EventRecordID`, `Level`, `Task`, `Version` | `<System>` |
//! | every `<Data Name="X">` | `X` (`Image`, `CommandLine`, `ParentImage`, `User`, `DestinationIp`, `TargetFilename`, ...) |
//! | `event.code`, `host.name`, `process.pid`, `process.executable`, `process.command_line`, `process.working_directory`, `process.parent.pid`, `process.parent.executable`, `process.parent.command_line`, `user.name`, `file.path`, `source.ip`/`port`, `destination.ip`/`port`/`domain`, `network.transport` | ECS copies of the same values |
//!
//! `-` (Sysmon's "none") is kept in the Sysmon-named field and left out of the ECS one. The
//! time is `TimeCreated/@SystemTime`. XML is parsed by `roxmltree`, which refuses a DTD and
//! bounds nesting; at most [`MAX_DATA`] `Data` elements are read.

use jiff::Timestamp;
use serde_json::Value;

use super::{Ctx, Format, Input};
use crate::ParseError;
use crate::fields::{put, put_number, put_text};

pub(crate) const FORMAT: Format = Format {
    name: "sysmon for linux",
    claims: &["linux.sysmon"],
    recognise,
    markers: &["Linux-Sysmon"],
    parse,
};

/// Most `<Data>` elements read from one event (Sysmon writes at most a few dozen).
const MAX_DATA: usize = 256;

fn recognise(input: &Input<'_>) -> Option<&'static str> {
    let text = input.message?.trim_start();
    (text.starts_with("<Event>") || text.starts_with("<Event "))
        .then(|| text.get(..512).unwrap_or(text))
        .filter(|head| head.contains("Linux-Sysmon"))
        .map(|_| "linux.sysmon")
}

/// ECS copies of Sysmon's event data: (Sysmon name, ECS path, numeric).
const ECS: &[(&str, &str, bool)] = &[
    ("ProcessId", "process.pid", true),
    ("Image", "process.executable", false),
    ("CommandLine", "process.command_line", false),
    ("CurrentDirectory", "process.working_directory", false),
    ("ParentProcessId", "process.parent.pid", true),
    ("ParentImage", "process.parent.executable", false),
    ("ParentCommandLine", "process.parent.command_line", false),
    ("User", "user.name", false),
    ("TargetFilename", "file.path", false),
    ("SourceIp", "source.ip", false),
    ("SourcePort", "source.port", true),
    ("DestinationIp", "destination.ip", false),
    ("DestinationPort", "destination.port", true),
    ("DestinationHostname", "destination.domain", false),
    ("Protocol", "network.transport", false),
];

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let line = ctx.line()?;
    let text = line.trim();
    let repaired;
    let doc = match roxmltree::Document::parse(text) {
        Ok(doc) => doc,
        Err(error) => {
            repaired = repair(text, ctx);
            roxmltree::Document::parse(&repaired).map_err(|_| {
                ParseError::new(
                    "invalid_xml",
                    format!("the Sysmon event is not valid XML: {error}"),
                )
            })?
        }
    };
    let root = doc.root_element();
    if root.tag_name().name() != "Event" {
        return Err(ParseError::new(
            "not_an_event",
            format!(
                "the XML's root element is <{}>, expected <Event>",
                root.tag_name().name()
            ),
        ));
    }
    let system = root
        .children()
        .find(|n| n.has_tag_name("System"))
        .ok_or_else(|| ParseError::new("no_system", "the <Event> has no <System> element"))?;
    let mut event_id = None;
    for node in system.children().filter(roxmltree::Node::is_element) {
        let name = node.tag_name().name();
        match name {
            "Provider" => {
                if let Some(provider) = node.attribute("Name") {
                    put(ctx.fields, "ProviderName", provider);
                }
            }
            "TimeCreated" => {
                ctx.timestamp = node
                    .attribute("SystemTime")
                    .and_then(|t| t.parse::<Timestamp>().ok());
            }
            "EventID" | "EventRecordID" | "Level" | "Task" | "Version" | "Opcode" => {
                let text = node.text().unwrap_or_default().trim();
                if name == "EventID" {
                    event_id = text.parse::<i64>().ok();
                    if event_id.is_none() {
                        return Err(ParseError::new(
                            "bad_event_id",
                            format!("<EventID> is {text:?}, expected a number"),
                        ));
                    }
                }
                put_number(ctx.fields, name, text);
            }
            "Channel" | "Computer" | "Keywords" => {
                put_text(ctx.fields, name, node.text().unwrap_or_default().trim());
            }
            _ => {}
        }
    }
    let Some(event_id) = event_id else {
        return Err(ParseError::new(
            "no_event_id",
            "the <System> element has no <EventID>",
        ));
    };
    put(ctx.fields, "event.code", event_id.to_string());
    if let Some(Value::String(host)) = ctx.fields.get("Computer").cloned() {
        put(ctx.fields, "host.name", host);
    }
    if let Some(data) = root.children().find(|n| n.has_tag_name("EventData")) {
        for node in data
            .children()
            .filter(|n| n.has_tag_name("Data"))
            .take(MAX_DATA)
        {
            let Some(name) = node.attribute("Name") else {
                continue;
            };
            let value = node.text().unwrap_or_default();
            put(ctx.fields, name, value);
            if let Some((_, path, numeric)) = ECS.iter().find(|(n, _, _)| *n == name) {
                if *numeric {
                    put_number(ctx.fields, path, value);
                } else if *path == "network.transport" {
                    put_text(ctx.fields, path, &value.to_ascii_lowercase());
                } else {
                    put_text(ctx.fields, path, value);
                }
            }
        }
    }
    Ok(())
}

/// Fixes what Sysmon for Linux and syslog relays are known to break: entities written
/// without their `;` (`&lt unknown process&gt `), a bare `&`, and an event cut short (Azure
/// Monitor's Syslog table keeps 2 KiB), of which every complete `<Data>` is kept and the
/// event tagged `truncated`.
fn repair(text: &str, ctx: &mut Ctx<'_>) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let entity = after
            .find(';')
            .filter(|&end| end <= 10)
            .map(|end| &after[..end])
            .filter(|name| {
                matches!(*name, "lt" | "gt" | "amp" | "quot" | "apos")
                    || name.strip_prefix('#').is_some_and(|n| {
                        !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric())
                    })
            });
        match entity {
            Some(_) => out.push('&'),
            None => match ["lt", "gt", "amp", "quot", "apos"]
                .into_iter()
                .find(|name| after.starts_with(name))
            {
                Some(name) => {
                    out.push('&');
                    out.push_str(name);
                    out.push(';');
                    rest = &after[name.len()..];
                    continue;
                }
                None => out.push_str("&amp;"),
            },
        }
        rest = after;
    }
    out.push_str(rest);
    if out.contains("<EventData>")
        && !out.trim_end().ends_with("</Event>")
        && let Some(end) = out.rfind("</Data>")
    {
        out.truncate(end + "</Data>".len());
        out.push_str("</EventData></Event>");
        crate::fields::add_tag(ctx.fields, "truncated");
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use crate::{SourceType, normalize};

    const PROCESS: &str = r#"<Event><System><Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/><EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="2022-05-11T18:10:22.003485000Z"/><EventRecordID>245760</EventRecordID><Correlation/><Execution ProcessID="1590" ThreadID="1590"/><Channel>Linux-Sysmon/Operational</Channel><Computer>UBUNTU5</Computer><Security UserId="0"/></System><EventData><Data Name="RuleName">-</Data><Data Name="ProcessId">17790</Data><Data Name="Image">/bin/bash</Data><Data Name="CommandLine">bash -c {echo,YmFzaA==}|{base64,-d}|{bash,-i}</Data><Data Name="CurrentDirectory">/</Data><Data Name="User">tomcat</Data><Data Name="Hashes">-</Data><Data Name="ParentProcessId">1340</Data><Data Name="ParentImage">/usr/lib/jvm/java-8-openjdk-amd64/jre/bin/java</Data></EventData></Event>"#;

    use crate::testing::event as message;

    #[test]
    fn process_creation_is_recognised_and_read() {
        let mut fields = message(PROCESS);
        let outcome = normalize(None, &mut fields);
        assert_eq!(outcome.error, None);
        assert_eq!(outcome.source_type.unwrap().as_str(), "linux.sysmon");
        assert!(outcome.parsed);
        assert_eq!(
            outcome.timestamp,
            Some("2022-05-11T18:10:22.003485Z".parse().unwrap())
        );
        assert_eq!(fields["EventID"], 1);
        assert_eq!(fields["Channel"], "Linux-Sysmon/Operational");
        assert_eq!(fields["Image"], "/bin/bash");
        assert_eq!(
            fields["ParentImage"],
            "/usr/lib/jvm/java-8-openjdk-amd64/jre/bin/java"
        );
        assert_eq!(fields["Hashes"], "-");
        assert_eq!(
            fields["event"],
            json!({"code": "1", "dataset": "linux.sysmon"})
        );
        assert_eq!(fields["process"]["pid"], 17790);
        assert_eq!(fields["process"]["parent"]["pid"], 1340);
        assert_eq!(fields["user"]["name"], "tomcat");
        assert_eq!(fields["host"]["name"], "UBUNTU5");
        assert_eq!(fields["message"], PROCESS, "the original is kept");
    }

    #[test]
    fn other_xml_is_not_recognised_and_bad_xml_is_an_error() {
        let mut windows = message(&PROCESS.replace("Linux-Sysmon", "Microsoft-Windows-Sysmon"));
        assert_eq!(normalize(None, &mut windows).source_type, None);
        let declared = SourceType::new("linux.sysmon").unwrap();
        for (text, reason) in [
            ("<Event><System>", "invalid_xml"),
            ("<Other/>", "not_an_event"),
            ("<Event></Event>", "no_system"),
            ("<Event><System></System></Event>", "no_event_id"),
            (
                "<Event><System><EventID>x</EventID></System></Event>",
                "bad_event_id",
            ),
            (
                "<!DOCTYPE a [<!ENTITY b 'c'>]><Event><System/></Event>",
                "invalid_xml",
            ),
        ] {
            let mut fields = message(text);
            let outcome = normalize(Some(&declared), &mut fields);
            assert_eq!(outcome.error.map(|e| e.reason), Some(reason), "{text}");
            assert_eq!(fields["tags"], json!(["parse_error"]));
            assert_eq!(fields["message"], text);
        }
        // Deep nesting is read without recursion (and is not an event).
        let deep = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
        let outcome = normalize(Some(&declared), &mut message(&deep));
        assert_eq!(outcome.error.map(|e| e.reason), Some("not_an_event"));
    }

    /// The OTRF Log4Shell set: Sysmon for Linux events from Azure Monitor's Syslog table.
    #[test]
    fn otrf_log4shell_set() {
        let Some(dir) = crate::testing::fixture("otrf_log4shell_set", "linux_sysmon/otrf") else {
            return;
        };
        let text = std::fs::read_to_string(
            dir.join("syslog_sysmon_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json"),
        )
        .unwrap();
        let mut by_id = std::collections::BTreeMap::new();
        let mut shell = 0;
        let (mut truncated, mut unknown) = (0, 0);
        for line in text.lines() {
            let mut fields: Map<String, Value> = serde_json::from_str(line).unwrap();
            let outcome = normalize(None, &mut fields);
            assert_eq!(outcome.error, None, "{line}");
            assert_eq!(outcome.source_type.unwrap().as_str(), "linux.sysmon");
            *by_id
                .entry(fields["EventID"].as_i64().unwrap())
                .or_insert(0) += 1;
            if fields.get("Image") == Some(&json!("< unknown process> ")) {
                unknown += 1;
            }
            if fields.get("tags") == Some(&json!(["truncated"])) {
                truncated += 1;
                assert!(fields.contains_key("ParentImage"), "{line}");
            }
            let text = |key: &str| fields.get(key).and_then(Value::as_str).unwrap_or_default();
            if text("ParentImage").ends_with("/java") && text("CommandLine").contains("base64,-d") {
                shell += 1;
            }
        }
        assert_eq!(
            by_id.into_iter().collect::<Vec<_>>(),
            [(1, 31), (3, 6), (5, 50), (11, 4), (23, 2)]
        );
        assert!(
            shell >= 1,
            "the Java process spawning a base64-decoding shell"
        );
        // Azure Monitor cut one at 2 KiB, in the middle of ParentCommandLine.
        assert_eq!(truncated, 1);
        assert_eq!(
            unknown, 14,
            "`&lt unknown process&gt ` read as `< unknown process> `"
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let declared = SourceType::new("linux.sysmon").unwrap();
            let _ = normalize(Some(&declared), &mut message(&text));
            let _ = normalize(None, &mut message(&format!("<Event>{text}Linux-Sysmon")));
        }
    }
}
