//! The event's log record: the frozen layout every consumer reads.

use arbitrary::{Result, Unstructured};
use jiff::Timestamp;
use serde_json::{Map, Number, Value};
use vigie_event::{Event, EventId, TenantId};
use vigie_ingest::record;

/// Nesting of generated field values. The reader's own limit (serde_json's 128 levels,
/// counted from the record's top) is above anything a sender's JSON line can reach, since
/// that line went through the same limit first.
const MAX_DEPTH: u32 = 24;

/// An event built from the input (any id, tenant, times within the calendar, source,
/// dataset, and fields of every JSON kind, nested) written as a log record, both ways the
/// intake writes one.
///
/// Checks: `Event::from_record(e.to_record()) == e`; the record written from the fields'
/// JSON text by the intake's fast path (`vigie_ingest::record::record`) is the same bytes and
/// reads back as the same event.
pub fn record_codec(data: &[u8]) {
    let mut input = Unstructured::new(data);
    let Ok(event) = event(&mut input) else {
        return;
    };
    let bytes = event.to_record();
    let back = Event::from_record(&bytes).unwrap_or_else(|e| {
        panic!(
            "a record does not read back: {e}: {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    assert_eq!(back, event, "decode(encode(event)) == event");
    let fields = serde_json::to_vec(&event.fields).expect("a map of JSON values serialises");
    let fast = record::record(
        &record::Head {
            id: event.id,
            tenant: event.tenant,
            received_at: event.received_at,
            timestamp: event.timestamp,
            source: &event.source,
            dataset: event.dataset.as_deref(),
            source_type: event.source_type.as_deref(),
        },
        &fields,
    );
    assert_eq!(
        String::from_utf8_lossy(&fast),
        String::from_utf8_lossy(&bytes),
        "the intake's record of compact fields is the event's record"
    );
}

fn event(u: &mut Unstructured<'_>) -> Result<Event> {
    let id = EventId(u.arbitrary()?);
    let tenant = TenantId(u.arbitrary()?);
    let received_at = timestamp(u)?;
    let timestamp = if u.arbitrary()? {
        Some(self::timestamp(u)?)
    } else {
        None
    };
    let source: String = u.arbitrary()?;
    let dataset: Option<String> = u.arbitrary()?;
    let fields = object(u, 0)?;
    let mut event = Event::new(tenant, received_at, source, fields)
        .with_timestamp(timestamp)
        .with_dataset(dataset)
        .with_source_type(u.arbitrary()?);
    event.id = id;
    Ok(event)
}

/// Any instant jiff can represent, to the nanosecond.
fn timestamp(u: &mut Unstructured<'_>) -> Result<Timestamp> {
    let min = Timestamp::MIN.as_nanosecond();
    let max = Timestamp::MAX.as_nanosecond();
    let nanos = u.int_in_range(min..=max)?;
    Ok(Timestamp::from_nanosecond(nanos).unwrap_or(Timestamp::UNIX_EPOCH))
}

fn object(u: &mut Unstructured<'_>, depth: u32) -> Result<Map<String, Value>> {
    let mut map = Map::new();
    let len = u.int_in_range(0..=8)?;
    for _ in 0..len {
        let key: String = u.arbitrary()?;
        let value = value(u, depth + 1)?;
        map.insert(key, value);
    }
    Ok(map)
}

fn value(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    let kind = if depth >= MAX_DEPTH {
        u.int_in_range(0..=5)?
    } else {
        u.int_in_range(0..=7)?
    };
    Ok(match kind {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => Value::from(u.arbitrary::<u64>()?),
        // Finite floats only: JSON has no NaN or infinity.
        4 => Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        5 => Value::String(u.arbitrary()?),
        6 => {
            let len = u.int_in_range(0..=8)?;
            let mut items = Vec::with_capacity(len);
            for _ in 0..len {
                items.push(value(u, depth + 1)?);
            }
            Value::Array(items)
        }
        _ => Value::Object(object(u, depth)?),
    })
}
