//! Exported Windows event logs (`.evtx`), read with the `evtx` crate.
//!
//! Each record becomes one event whose fields are the record's own names, flat, as
//! detection rules and Winlogbeat's `winlog.event_data` use them: the scalar `System`
//! values (`EventID`, `Channel`, `Computer`, `Level`, `EventRecordID`, …), `Provider_Name`,
//! and every `EventData` / `UserData` value. The event's time is `System/TimeCreated`'s
//! `SystemTime`. A record the parser cannot read is rejected with its number and reason;
//! the records around it are kept.

use std::path::Path;

use evtx::{EvtxParser, ParserSettings};
use serde_json::{Map, Value};
use vigie_event::Event;

use super::{Chunk, FileError, ReadOptions, send};
use crate::time::parse_time;
use crate::{LineRejection, NdjsonBatch};

pub(crate) fn read(
    path: &Path,
    options: &ReadOptions,
    each: &mut dyn FnMut(Chunk) -> bool,
) -> Result<(), FileError> {
    let size = std::fs::metadata(path)
        .map_err(|source| FileError::Io {
            path: path.to_owned(),
            source,
        })?
        .len();
    let parser = EvtxParser::from_path(path).map_err(|e| FileError::Format {
        path: path.to_owned(),
        detail: format!("not a readable EVTX file: {e}"),
    })?;
    if let Some(last) = read_records(parser, options, |batch| send(each, batch, 0)) {
        send(each, last, size);
    }
    Ok(())
}

/// Reads an EVTX file held in memory exactly as [`read`] reads one from disk (same parser
/// settings, same events and rejections), handing each chunk of at most
/// `options.chunk_events` records to `each`, which returns false to stop. `name` only names
/// the file in the error. For the fuzz targets and tests, which have bytes, not files.
#[doc(hidden)]
pub fn read_buffer(
    name: &Path,
    bytes: Vec<u8>,
    options: &ReadOptions,
    mut each: impl FnMut(NdjsonBatch) -> bool,
) -> Result<(), FileError> {
    let parser = EvtxParser::from_buffer(bytes).map_err(|e| FileError::Format {
        path: name.to_owned(),
        detail: format!("not a readable EVTX file: {e}"),
    })?;
    if let Some(last) = read_records(parser, options, &mut each) {
        each(last);
    }
    Ok(())
}

/// Turns every record of `parser` into an event or a named rejection, handing full chunks
/// to `each`; returns the last, partial chunk unless `each` asked to stop.
fn read_records<T: std::io::Read + std::io::Seek>(
    parser: EvtxParser<T>,
    options: &ReadOptions,
    mut each: impl FnMut(NdjsonBatch) -> bool,
) -> Option<NdjsonBatch> {
    let mut parser = parser.with_configuration(ParserSettings::new().num_threads(0).indent(false));
    let mut batch = NdjsonBatch::default();
    let mut number = 0usize;
    for record in parser.records_json_value() {
        number += 1;
        match record {
            Ok(record) => {
                let (fields, when) = flatten(&record.data);
                batch.events.push(
                    Event::new(options.tenant, options.received_at, "import", fields)
                        .with_timestamp(when)
                        .with_dataset(Some("evtx".to_owned())),
                );
            }
            Err(error) => batch.rejected.push(LineRejection {
                line: number,
                reason: "evtx_record",
                detail: format!("record {number}: {error}"),
            }),
        }
        if batch.received() >= options.chunk_events && !each(std::mem::take(&mut batch)) {
            return None;
        }
    }
    Some(batch)
}

/// The flat fields of a record and its `SystemTime`.
pub fn flatten(record: &Value) -> (Map<String, Value>, Option<jiff::Timestamp>) {
    let mut fields = Map::new();
    let event = &record["Event"];
    let system = &event["System"];
    if let Some(system) = system.as_object() {
        for (key, value) in system {
            match value {
                Value::Object(_) => {}
                other => {
                    fields.insert(key.clone(), other.clone());
                }
            }
        }
    }
    let name = &system["Provider"]["#attributes"]["Name"];
    if !name.is_null() {
        fields.insert("Provider_Name".into(), name.clone());
    }
    // EventID may come as {"#attributes": {"Qualifiers": ..}, "#text": 4624}.
    if let Some(text) = system["EventID"].get("#text") {
        fields.insert("EventID".into(), text.clone());
    }
    let time = &system["TimeCreated"]["#attributes"]["SystemTime"];
    let when = parse_time(time);
    if !time.is_null() {
        fields.insert("SystemTime".into(), time.clone());
    }
    for section in ["EventData", "UserData"] {
        if let Some(Value::Object(data)) = event.get(section) {
            for (key, value) in data {
                match value {
                    // UserData wraps its fields in one more element.
                    Value::Object(inner) if section == "UserData" => {
                        for (k, v) in inner {
                            if k != "#attributes" {
                                fields.insert(k.clone(), v.clone());
                            }
                        }
                    }
                    _ if key == "#attributes" => {}
                    _ => {
                        fields.insert(key.clone(), value.clone());
                    }
                }
            }
        }
    }
    (fields, when)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_system_provider_and_event_data() {
        let record = json!({"Event": {
            "#attributes": {"xmlns": "x"},
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
                "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
                "Computer": "ws1",
                "TimeCreated": {"#attributes": {"SystemTime": "2025-12-11T06:17:19.772545Z"}},
            },
            "EventData": {"Image": "C:\\x.exe", "CommandLine": "x -y"},
        }});
        let (fields, when) = flatten(&record);
        assert_eq!(fields["EventID"], 1);
        assert_eq!(fields["Provider_Name"], "Microsoft-Windows-Sysmon");
        assert_eq!(fields["CommandLine"], "x -y");
        assert_eq!(when, Some("2025-12-11T06:17:19.772545Z".parse().unwrap()));
        let qualified = json!({"Event": {"System": {"EventID": {"#attributes": {"Qualifiers": 0}, "#text": 4624}}}});
        assert_eq!(flatten(&qualified).0["EventID"], 4624);
    }
}
