//! The source type of a Windows event, from its channel: `windows.security`,
//! `windows.sysmon`, `windows.powershell`, ... Windows events are routed to Sigma rules by
//! their channel (vigie-detect's Windows mapping), not by this type; the type labels them
//! like every other source (`event.dataset`, searchable, on alerts).

use serde_json::{Map, Value};

use crate::SourceType;
use crate::fields;

/// Channels whose type is not their plain name: SigmaHQ's service names.
const KNOWN: &[(&str, &str)] = &[
    ("security", "windows.security"),
    ("system", "windows.system"),
    ("application", "windows.application"),
    ("microsoft-windows-sysmon/operational", "windows.sysmon"),
    (
        "microsoft-windows-powershell/operational",
        "windows.powershell",
    ),
    ("powershellcore/operational", "windows.powershell"),
    ("windows powershell", "windows.powershell_classic"),
    (
        "microsoft-windows-windows defender/operational",
        "windows.windefend",
    ),
    (
        "microsoft-windows-windows firewall with advanced security/firewall",
        "windows.firewall_as",
    ),
];

/// The source type of events of `channel`: a known channel's (see [`KNOWN`]), else
/// `windows.` and the channel without `Microsoft-Windows-` and without its `/Operational`
/// (or other) log name, lowercase, other characters as `_` (`Microsoft-Windows-TaskScheduler/
/// Operational` → `windows.taskscheduler`, `Microsoft-Windows-Bits-Client/Operational` →
/// `windows.bits_client`). `None` for an empty or unusable channel.
pub fn windows_type(channel: &str) -> Option<SourceType> {
    let lower = channel.trim().to_ascii_lowercase();
    if let Some((_, known)) = KNOWN.iter().find(|(c, _)| *c == lower) {
        return Some(SourceType::known(known));
    }
    let name = lower.strip_prefix("microsoft-windows-").unwrap_or(&lower);
    let name = name.split('/').next().unwrap_or_default();
    let mut service = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '_'
        };
        if !(c == '_' && (service.is_empty() || service.ends_with('_'))) {
            service.push(c);
        }
    }
    let service = service.trim_end_matches('_');
    let room = crate::MAX_LEN - "windows.".len();
    let service = &service[..service.len().min(room)];
    SourceType::new(&format!("windows.{}", service.trim_end_matches('_'))).ok()
}

/// The channel of a Windows event: `Channel` (native, EVTX flattened) or `winlog.channel`
/// (ECS documents from Winlogbeat or Elastic Agent).
pub(crate) fn channel(fields: &Map<String, Value>) -> Option<&str> {
    fields::text(fields, "Channel").or_else(|| fields::text(fields, "winlog.channel"))
}

/// [`windows_type`] of a Windows event still in its raw JSON (the intake's fast path, which
/// does not decode events no parser reads): the value of its `"Channel"` key, or of
/// `"channel"` in a document with a `"winlog"` object. `None` when there is none, or when
/// the value holds an escape (then the event simply carries no type).
pub fn raw_windows_type(raw: &[u8]) -> Option<SourceType> {
    let value = value_after(raw, b"\"Channel\"").or_else(|| {
        memchr::memmem::find(raw, b"\"winlog\"")?;
        value_after(raw, b"\"channel\"")
    })?;
    windows_type(std::str::from_utf8(value).ok()?)
}

/// The string value of the first `key` (quoted) followed by `:` in `raw`, unescaped values
/// only.
fn value_after<'a>(raw: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = memchr::memmem::find(raw, key)? + key.len();
    let rest = raw[at..].trim_ascii_start().strip_prefix(b":")?;
    let rest = rest.trim_ascii_start().strip_prefix(b"\"")?;
    let end = memchr::memchr2(b'"', b'\\', rest)?;
    (rest[end] == b'"').then(|| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_become_types() {
        for (channel, expected) in [
            ("Security", Some("windows.security")),
            (
                "Microsoft-Windows-Sysmon/Operational",
                Some("windows.sysmon"),
            ),
            (
                "microsoft-windows-sysmon/operational",
                Some("windows.sysmon"),
            ),
            (
                "Microsoft-Windows-PowerShell/Operational",
                Some("windows.powershell"),
            ),
            ("Windows PowerShell", Some("windows.powershell_classic")),
            (
                "Microsoft-Windows-Windows Defender/Operational",
                Some("windows.windefend"),
            ),
            (
                "Microsoft-Windows-TaskScheduler/Operational",
                Some("windows.taskscheduler"),
            ),
            (
                "Microsoft-Windows-Bits-Client/Operational",
                Some("windows.bits_client"),
            ),
            (
                "Microsoft-Windows-DNS-Client/Operational",
                Some("windows.dns_client"),
            ),
            ("OpenSSH/Operational", Some("windows.openssh")),
            ("--//--", None),
            ("", None),
        ] {
            assert_eq!(
                windows_type(channel).as_ref().map(SourceType::as_str),
                expected,
                "{channel}"
            );
        }
        for (raw, expected) in [
            (
                r#"{"EventID":4624,"Channel":"Security","x":1}"#,
                Some("windows.security"),
            ),
            (
                r#"{"Channel" : "Microsoft-Windows-Sysmon/Operational"}"#,
                Some("windows.sysmon"),
            ),
            (
                r#"{"winlog":{"channel":"System","event_id":7045}}"#,
                Some("windows.system"),
            ),
            (r#"{"channel":"System"}"#, None),
            (r#"{"Channel":"Sec\u0075rity"}"#, None),
            (r#"{"Channel":42}"#, None),
            (r#"{"Channel":"unterminated"#, None),
        ] {
            assert_eq!(
                raw_windows_type(raw.as_bytes())
                    .as_ref()
                    .map(SourceType::as_str),
                expected,
                "{raw}"
            );
        }
        let long = format!(
            "Microsoft-Windows-{}/Operational",
            "Very-Long-Name".repeat(10)
        );
        let typed = windows_type(&long).unwrap();
        assert!(typed.as_str().len() <= crate::MAX_LEN, "{typed}");
    }
}
