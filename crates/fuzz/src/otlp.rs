//! OTLP log exports, as `POST /v1/logs` and the gRPC service read them.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use prost::Message as _;
use vigie_event::{Event, TenantId};

/// An OTLP export: the first byte picks the encoding (even: binary protobuf, as over gRPC
/// and OTLP/HTTP; odd: OTLP's JSON), the rest is the message.
///
/// Checks: decoding never panics; every record of a decoded request becomes an event or a
/// rejection, numbered in request order; every event reads back from its log record
/// unchanged, belongs to the caller's tenant and says it came over OTLP; the reply's
/// message names each rejected record it lists.
pub fn otlp_logs(data: &[u8]) {
    let [encoding, message @ ..] = data else {
        return;
    };
    let request = if encoding % 2 == 0 {
        ExportLogsServiceRequest::decode(message).ok()
    } else {
        serde_json::from_slice::<ExportLogsServiceRequest>(message).ok()
    };
    let Some(request) = request else {
        return;
    };
    let records: usize = request
        .resource_logs
        .iter()
        .flat_map(|r| &r.scope_logs)
        .map(|s| s.log_records.len())
        .sum();
    let received_at = jiff::Timestamp::from_second(1_765_000_000).expect("a valid time");
    let read = vigie_ingest::otlp::read(request, TenantId(9), received_at, None, 4096);
    let batch = &read.batch;
    assert_eq!(batch.events.len() + batch.rejected.len(), records);
    let mut numbers: Vec<usize> = batch.rejected.iter().map(|r| r.line).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        batch.rejected.len(),
        "a record rejected twice"
    );
    assert!(numbers.iter().all(|n| (1..=records).contains(n)));
    for event in &batch.events {
        assert_eq!(event.tenant, TenantId(9));
        assert_eq!(event.source, "otlp");
        let back = Event::from_record(&event.to_record()).expect("the record reads back");
        assert_eq!(&back, event);
    }
    let message = read.message();
    for rejection in batch.rejected.iter().take(vigie_ingest::otlp::MAX_WARNINGS) {
        assert!(message.contains(&format!("record {}:", rejection.line)));
    }
}
