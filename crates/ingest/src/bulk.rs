//! Elasticsearch-compatible `_bulk` bodies: pairs of an action line and a document line.
//!
//! [`parse`] turns a body into events (the documents of `create` and `index` actions) and one
//! [`BulkItem`] per action, in body order, so the reply can say for each action whether it
//! was taken, the way Elasticsearch does: clients (Beats, Logstash, the language clients)
//! retry only the items whose status says so.
//!
//! A document that is not a JSON object is rejected as its own item (400,
//! `document_parsing_exception`) and the items around it are kept. An action line that is
//! not a JSON object naming one action makes the pairing of the rest of the body unknown, so
//! the whole body is refused with [`BulkError`] naming the line, as Elasticsearch does.

use jiff::Timestamp;
use serde_json::{Map, Value};
use vigie_event::{EventId, TenantId};

use crate::LineRejection;
use crate::record::{self, Encoded, EncodedBatch};

/// The action an item asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `create`: add a document.
    Create,
    /// `index`: add or replace a document (vigie only adds).
    Index,
    /// `update`: not supported (the log is append-only); rejected per item.
    Update,
    /// `delete`: not supported (the log is append-only); rejected per item.
    Delete,
}

impl Action {
    /// The action's name in the body and in the reply.
    pub fn name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Index => "index",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "create" => Action::Create,
            "index" => Action::Index,
            "update" => Action::Update,
            "delete" => Action::Delete,
            _ => return None,
        })
    }
}

/// What became of one action.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The document is `events[n]` of the batch.
    Event(usize),
    /// The action was refused; the other items are unaffected.
    Rejected {
        /// HTTP-like status of the item (400, 405…).
        status: u16,
        /// Elasticsearch error type the clients know.
        error_type: &'static str,
        /// What exactly is wrong, naming the line.
        reason: String,
    },
}

/// One action of the body.
#[derive(Clone, Debug, PartialEq)]
pub struct BulkItem {
    /// What it asked for.
    pub action: Action,
    /// The index named by the action or the URL (a dataset, never a tenant).
    pub index: String,
    /// The `_id` the sender gave, if any.
    pub id: Option<String>,
    /// What became of it.
    pub outcome: Outcome,
}

/// A parsed body.
#[derive(Debug, Default)]
pub struct BulkRequest {
    /// Events (already log records, see [`crate::record`]) and per-line rejections, ready
    /// for [`crate::Intake::submit_encoded`].
    pub batch: EncodedBatch,
    /// One item per action, in body order.
    pub items: Vec<BulkItem>,
}

/// Why a whole body was refused. Nothing of it is accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BulkError {
    /// An action line is not an action.
    #[error("line {line}: malformed action line: {detail}")]
    MalformedAction {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        detail: String,
    },
}

/// Parses a `_bulk` body. `default_index` is the index of the URL (`/{index}/_bulk`), used
/// when an action names none. Documents become events of `tenant` with `dataset` = index;
/// an index that names a source type (a data stream `logs-aws.cloudtrail-default`, or the
/// type itself) declares it ([`vigie_parse::declared_by_index`]), else `token_declared` (the
/// ingest token's), and the document is read by that type's parser (or the one its content
/// shows).
pub fn parse(
    body: &[u8],
    tenant: TenantId,
    received_at: Timestamp,
    default_index: Option<&str>,
    token_declared: Option<&vigie_parse::SourceType>,
    max_line_bytes: usize,
) -> Result<BulkRequest, BulkError> {
    let mut out = BulkRequest::default();
    // The source type of the last index seen: a body names the same index in most of its
    // actions, so the name is read once per change, not once per document.
    let mut declared: Option<(String, Option<vigie_parse::SourceType>)> = None;
    let mut lines = body
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, raw)| (i + 1, raw.strip_suffix(b"\r").unwrap_or(raw)))
        .filter(|(_, raw)| !raw.iter().all(u8::is_ascii_whitespace));
    while let Some((line, raw)) = lines.next() {
        let (action, meta) = parse_action(line, raw)?;
        let index = meta
            .get("_index")
            .and_then(Value::as_str)
            .or(default_index)
            .unwrap_or("")
            .to_owned();
        let id = meta.get("_id").and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        let mut reject = |status, error_type, reason: String, doc_line: usize| {
            out.batch.rejected.push(LineRejection {
                line: doc_line,
                reason: error_type,
                detail: reason.clone(),
            });
            out.items.push(BulkItem {
                action,
                index: index.clone(),
                id: id.clone(),
                outcome: Outcome::Rejected {
                    status,
                    error_type,
                    reason,
                },
            });
        };
        if action == Action::Delete {
            reject(
                400,
                "action_not_supported",
                format!("line {line}: delete is not supported, the event log is append-only"),
                line,
            );
            continue;
        }
        let Some((doc_line, doc)) = lines.next() else {
            reject(
                400,
                "action_request_validation_exception",
                format!(
                    "line {line}: {} action without a document line",
                    action.name()
                ),
                line,
            );
            break;
        };
        if action == Action::Update {
            reject(
                400,
                "action_not_supported",
                format!("line {line}: update is not supported, the event log is append-only"),
                doc_line,
            );
            continue;
        }
        if index.is_empty() {
            reject(
                400,
                "action_request_validation_exception",
                format!("line {line}: no index in the action nor in the URL"),
                doc_line,
            );
            continue;
        }
        match record::scan_object(doc, max_line_bytes) {
            Ok(when) => {
                let event_id = EventId::generate(received_at);
                if declared.as_ref().is_none_or(|(seen, _)| *seen != index) {
                    let by_index =
                        vigie_parse::declared_by_index(&index).or_else(|| token_declared.cloned());
                    declared = Some((index.clone(), by_index));
                }
                let source_type = declared.as_ref().and_then(|(_, t)| t.as_ref());
                let head = record::Head {
                    id: event_id,
                    tenant,
                    received_at,
                    timestamp: when,
                    source: "bulk",
                    dataset: Some(&index),
                    source_type: None,
                };
                let bytes = record::parsed_record(head, source_type, doc);
                out.items.push(BulkItem {
                    action,
                    index,
                    id,
                    outcome: Outcome::Event(out.batch.events.len()),
                });
                out.batch.events.push(Encoded {
                    id: event_id,
                    record: bytes.into(),
                });
            }
            Err((_, detail)) => reject(
                400,
                "document_parsing_exception",
                format!("line {doc_line}: {detail}"),
                doc_line,
            ),
        }
    }
    Ok(out)
}

fn parse_action(line: usize, raw: &[u8]) -> Result<(Action, Map<String, Value>), BulkError> {
    let malformed = |detail: String| BulkError::MalformedAction { line, detail };
    let value: Value =
        serde_json::from_slice(raw).map_err(|e| malformed(format!("not JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(malformed(
            "expected an object such as {\"create\":{}}".into(),
        ));
    };
    if object.len() != 1 {
        return Err(malformed(format!(
            "expected exactly one action, found {} keys",
            object.len()
        )));
    }
    let Some((name, meta)) = object.into_iter().next() else {
        return Err(malformed("empty action".into()));
    };
    let action = Action::parse(&name).ok_or_else(|| {
        malformed(format!(
            "unknown action {name:?}; expected create, index, update or delete"
        ))
    })?;
    match meta {
        Value::Object(meta) => Ok((action, meta)),
        other => Err(malformed(format!(
            "the {name} action must hold an object, found {other}"
        ))),
    }
}

/// The reply body Elasticsearch clients parse: `took`, `errors` and one item per action.
/// `ids` are the ids of the batch's events (taken before the batch went to the log);
/// `first_seq_no` is the log offset of the first accepted event (reported as `_seq_no`).
pub fn reply(items: &[BulkItem], ids: &[EventId], took_ms: u64, first_seq_no: u64) -> Value {
    serde_json::to_value(Reply::new(items, ids, took_ms, first_seq_no)).unwrap_or_default()
}

/// [`reply`] written straight to JSON bytes: no intermediate `Value` per item, which matters
/// at hundreds of items per request.
pub fn reply_bytes(
    items: &[BulkItem],
    ids: &[EventId],
    took_ms: u64,
    first_seq_no: u64,
) -> Vec<u8> {
    // Serialising strings, numbers and booleans into a Vec cannot fail.
    serde_json::to_vec(&Reply::new(items, ids, took_ms, first_seq_no)).unwrap_or_default()
}

/// The body of a whole-request 429 (the pipeline lags; nothing was accepted): the error
/// Elasticsearch gives for a refused request (`error`, `status`), plus `errors` and one
/// item per action, each 429 `es_rejected_execution_exception` (or its own 400 when it was
/// malformed anyway). Clients that retry the whole request on 429 (Beats, Logstash, the
/// language clients) ignore the items; rsyslog's `omelasticsearch`, which reads only the
/// items, then sees each one refused and, with `retryfailures`, retries it.
pub fn refused_reply_bytes(items: &[BulkItem], took_ms: u64, reason: &str) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Refused<'a> {
        error: RefusedError<'a>,
        status: u16,
        took: u64,
        errors: bool,
        items: Vec<ReplyItem<'a>>,
    }
    #[derive(serde::Serialize)]
    struct RefusedError<'a> {
        root_cause: [ItemError<'a>; 1],
        #[serde(rename = "type")]
        kind: &'a str,
        reason: &'a str,
    }
    const KIND: &str = "es_rejected_execution_exception";
    let items = items
        .iter()
        .map(|item| {
            let (status, kind, why) = match &item.outcome {
                Outcome::Rejected {
                    status,
                    error_type,
                    reason,
                } => (*status, *error_type, reason.as_str()),
                Outcome::Event(_) => (429, KIND, reason),
            };
            ReplyItem {
                action: item.action.name(),
                body: ItemBody::Rejected {
                    _index: &item.index,
                    status,
                    error: ItemError { kind, reason: why },
                    _id: item.id.as_deref(),
                },
            }
        })
        .collect();
    serde_json::to_vec(&Refused {
        error: RefusedError {
            root_cause: [ItemError { kind: KIND, reason }],
            kind: KIND,
            reason,
        },
        status: 429,
        took: took_ms,
        errors: true,
        items,
    })
    .unwrap_or_default()
}

#[derive(serde::Serialize)]
struct Reply<'a> {
    took: u64,
    errors: bool,
    items: Vec<ReplyItem<'a>>,
}

/// `{"<action>": {...}}`
struct ReplyItem<'a> {
    action: &'static str,
    body: ItemBody<'a>,
}

impl serde::Serialize for ReplyItem<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.action, &self.body)?;
        map.end()
    }
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum ItemBody<'a> {
    Created {
        _index: &'a str,
        _id: String,
        _version: u8,
        result: &'static str,
        _shards: Shards,
        _seq_no: u64,
        _primary_term: u8,
        status: u16,
    },
    Rejected {
        _index: &'a str,
        status: u16,
        error: ItemError<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        _id: Option<&'a str>,
    },
}

#[derive(serde::Serialize)]
struct Shards {
    total: u8,
    successful: u8,
    failed: u8,
}

#[derive(serde::Serialize)]
struct ItemError<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    reason: &'a str,
}

impl<'a> Reply<'a> {
    fn new(items: &'a [BulkItem], ids: &[EventId], took_ms: u64, first_seq_no: u64) -> Self {
        let mut errors = false;
        let items = items
            .iter()
            .map(|item| {
                let body = match &item.outcome {
                    Outcome::Event(n) => ItemBody::Created {
                        _index: &item.index,
                        _id: item.id.clone().unwrap_or_else(|| {
                            ids.get(*n).map(ToString::to_string).unwrap_or_default()
                        }),
                        _version: 1,
                        result: "created",
                        _shards: Shards {
                            total: 1,
                            successful: 1,
                            failed: 0,
                        },
                        _seq_no: first_seq_no + *n as u64,
                        _primary_term: 1,
                        status: 201,
                    },
                    Outcome::Rejected {
                        status,
                        error_type,
                        reason,
                    } => {
                        errors = true;
                        ItemBody::Rejected {
                            _index: &item.index,
                            status: *status,
                            error: ItemError {
                                kind: error_type,
                                reason,
                            },
                            _id: item.id.as_deref(),
                        }
                    }
                };
                ReplyItem {
                    action: item.action.name(),
                    body,
                }
            })
            .collect();
        Reply {
            took: took_ms,
            errors,
            items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(request: &BulkRequest) -> Vec<EventId> {
        request.batch.events.iter().map(|e| e.id).collect()
    }

    fn parse_ok(body: &str, index: Option<&str>) -> BulkRequest {
        parse(
            body.as_bytes(),
            TenantId(4),
            Timestamp::now(),
            index,
            None,
            1 << 20,
        )
        .unwrap()
    }

    #[test]
    fn create_and_index_become_events_with_their_dataset() {
        let body = "{\"create\":{\"_index\":\"winlogbeat\"}}\n{\"EventID\":1,\"@timestamp\":\"2026-11-25T10:00:00+01:00\"}\n\
                    {\"index\":{\"_id\":\"abc\"}}\n{\"a\":2}\n";
        let request = parse_ok(body, Some("logs"));
        assert_eq!(request.batch.events.len(), 2);
        assert_eq!(request.items[0].index, "winlogbeat");
        assert_eq!(request.items[1].index, "logs");
        assert_eq!(request.items[1].id.as_deref(), Some("abc"));
        let first = vigie_event::Event::from_record(&request.batch.events[0].record).unwrap();
        assert_eq!(first.id, request.batch.events[0].id);
        assert_eq!(first.fields["EventID"], 1);
        assert_eq!(first.source, "bulk");
        assert_eq!(first.tenant, TenantId(4));
        assert_eq!(first.dataset.as_deref(), Some("winlogbeat"));
        assert_eq!(
            first.timestamp,
            Some("2026-11-25T09:00:00Z".parse().unwrap())
        );
        let reply = reply(&request.items, &ids(&request), 3, 10);
        assert_eq!(reply["errors"], false);
        assert_eq!(reply["items"][0]["create"]["status"], 201);
        assert_eq!(reply["items"][0]["create"]["_seq_no"], 10);
        assert_eq!(reply["items"][1]["index"]["_id"], "abc");
        assert_eq!(reply["items"][1]["index"]["_seq_no"], 11);
    }

    #[test]
    fn bad_documents_are_items_and_the_rest_is_kept() {
        let body = "{\"create\":{}}\n{\"ok\":1}\n{\"create\":{}}\nnot json\n{\"delete\":{\"_id\":\"1\"}}\n\
                    {\"update\":{\"_id\":\"2\"}}\n{\"doc\":{}}\n{\"create\":{}}\n[1]\n{\"create\":{}}\n{\"ok\":2}\n{\"index\":{}}\n";
        let request = parse_ok(body, Some("x"));
        assert_eq!(request.batch.events.len(), 2);
        let outcomes: Vec<_> = request
            .items
            .iter()
            .map(|i| match &i.outcome {
                Outcome::Event(_) => "ok",
                Outcome::Rejected { error_type, .. } => error_type,
            })
            .collect();
        assert_eq!(
            outcomes,
            [
                "ok",
                "document_parsing_exception",
                "action_not_supported",
                "action_not_supported",
                "document_parsing_exception",
                "ok",
                "action_request_validation_exception"
            ]
        );
        assert_eq!(request.batch.received(), 7);
        let reply = reply(&request.items, &ids(&request), 1, 0);
        assert_eq!(reply["errors"], true);
        assert_eq!(reply["items"][1]["create"]["status"], 400);
        assert!(
            reply["items"][1]["create"]["error"]["reason"]
                .as_str()
                .unwrap()
                .starts_with("line 4:")
        );
        assert_eq!(reply["items"][2]["delete"]["_id"], "1");
    }

    #[test]
    fn malformed_action_refuses_the_body_naming_the_line() {
        for (body, needle) in [
            ("{\"create\":{}}\n{}\nnot an action\n{}\n", "line 3"),
            ("{\"upsert\":{}}\n{}\n", "unknown action"),
            ("{\"create\":{},\"index\":{}}\n{}\n", "exactly one action"),
            ("{\"create\":5}\n{}\n", "must hold an object"),
        ] {
            let error = parse(
                body.as_bytes(),
                TenantId(1),
                Timestamp::now(),
                None,
                None,
                1024,
            )
            .unwrap_err()
            .to_string();
            assert!(error.contains(needle), "{error}");
        }
    }

    #[test]
    fn refused_reply_has_the_error_and_one_429_item_per_action() {
        let request = parse_ok(
            "{\"create\":{}}\n{\"a\":1}\n{\"index\":{\"_id\":\"k\"}}\nbroken\n",
            Some("x"),
        );
        let body = refused_reply_bytes(&request.items, 2, "backlog over the limit");
        let reply: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(reply["status"], 429);
        assert_eq!(reply["error"]["type"], "es_rejected_execution_exception");
        assert_eq!(reply["errors"], true);
        assert_eq!(reply["items"][0]["create"]["status"], 429);
        assert_eq!(reply["items"][1]["index"]["status"], 400);
        assert_eq!(reply["items"][1]["index"]["_id"], "k");
    }

    #[test]
    fn missing_index_is_an_item_error() {
        let request = parse_ok("{\"create\":{}}\n{\"a\":1}\n", None);
        assert!(request.batch.events.is_empty());
        assert!(matches!(
            request.items[0].outcome,
            Outcome::Rejected { status: 400, .. }
        ));
    }

    /// The committed corpus of bodies: each names its expected accepted/rejected counts or
    /// its refusal in its first line (`# accepted N rejected M` or `# refused`).
    #[test]
    fn corpus_of_bulk_bodies() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/bulk");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read(&path).unwrap();
            let (header, body) = text.split_at(text.iter().position(|&b| b == b'\n').unwrap() + 1);
            let header = String::from_utf8_lossy(header);
            let words: Vec<&str> = header.split_whitespace().collect();
            let result = parse(body, TenantId(1), Timestamp::now(), Some("idx"), None, 4096);
            match words.as_slice() {
                ["#", "refused"] => assert!(result.is_err(), "{}", path.display()),
                ["#", "accepted", a, "rejected", r] => {
                    let request = result.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    assert_eq!(
                        (request.batch.events.len(), request.batch.rejected.len()),
                        (a.parse().unwrap(), r.parse().unwrap()),
                        "{}",
                        path.display()
                    );
                    for rejection in &request.batch.rejected {
                        assert!(rejection.detail.contains("line"), "{rejection:?}");
                    }
                }
                _ => panic!("{}: bad header {header:?}", path.display()),
            }
            seen += 1;
        }
        assert!(seen >= 5, "corpus has {seen} files");
    }
}
