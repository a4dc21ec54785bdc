//! The index schema of one partition and how an event becomes a document.

use serde_json::Value;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, JsonObjectOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, TantivyDocument};
use vigie_event::Event;

use crate::model::event_time;

/// Name of the tokenizer: words of letters and digits, lowercased (the same words as
/// [`crate::query::tokens`]), words of 256 bytes or more left out.
pub(crate) const TOKENIZER: &str = "vigie";
/// Words this long or longer are not indexed (plans leave them out too).
pub(crate) const MAX_TOKEN_BYTES: usize = 256;

/// The fields of a partition's schema.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    /// Event id (32 hex digits), the unique key.
    pub(crate) id: Field,
    /// Event time, microseconds since the epoch (fast field for ranges and sorting).
    pub(crate) time: Field,
    /// The event's log record, stored compressed: what a scan returns.
    pub(crate) raw: Field,
    /// The original fields, indexed by path (flat and nested dotted names index alike).
    pub(crate) json: Field,
    /// Every string and number of the event, for free text.
    pub(crate) text: Field,
}

pub(crate) fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let id = builder.add_text_field("id", STRING);
    let time = builder.add_i64_field("t", INDEXED | FAST);
    let raw = builder.add_bytes_field("raw", STORED);
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER)
        .set_index_option(IndexRecordOption::Basic);
    let json = builder.add_json_field(
        "f",
        JsonObjectOptions::default()
            .set_indexing_options(indexing.clone())
            .set_expand_dots_enabled(),
    );
    let text = builder.add_text_field("x", TextOptions::default().set_indexing_options(indexing));
    (
        builder.build(),
        Fields {
            id,
            time,
            raw,
            json,
            text,
        },
    )
}

/// Registers the tokenizer on an opened or created index.
pub(crate) fn register_tokenizer(index: &Index) {
    let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .build();
    index.tokenizers().register(TOKENIZER, analyzer);
}

/// The document of an event.
pub(crate) fn document(fields: &Fields, event: &Event) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, event.id.to_string());
    doc.add_i64(fields.time, event_time(event).as_microsecond());
    doc.add_bytes(fields.raw, &event.to_record());
    let object = Value::Object(event.fields.clone());
    doc.add_field_value(fields.json, &object);
    let mut text = String::new();
    collect_text(&object, &mut text);
    doc.add_text(fields.text, text);
    doc
}

fn collect_text(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Number(n) => {
            out.push_str(&n.to_string());
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|v| collect_text(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_text(v, out)),
        Value::Null | Value::Bool(_) => {}
    }
}
