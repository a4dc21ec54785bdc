//! The index schema of one partition and how an event becomes a document.
//!
//! One pass over the event's fields indexes them: every string, number and boolean is a
//! text value tokenized under its path in one JSON field (flat `a.b` keys and nested
//! objects index alike). Free text is planned over that same field, as any path holding
//! the word ([`super::plan`]), so no word is indexed twice. Numbers are indexed as the text
//! [`crate::query`] compares them with (`serde_json`'s rendering). The event id and event
//! time are fast columns only (one value per document, no term in the dictionary); the
//! log record is the one stored field.

use std::borrow::Cow;
use std::net::Ipv6Addr;

use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf, Value};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, JsonObjectOptions, STORED, Schema, TextFieldIndexing,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Document, Index};

use super::record::{DecodedRecord, Flat};

/// Name of the tokenizer: words of letters and digits, lowercased (the same words as
/// [`crate::query::tokens`]), words of 256 bytes or more left out.
pub(crate) const TOKENIZER: &str = "vigie";
/// Words this long or longer are not indexed (plans leave them out too).
pub(crate) const MAX_TOKEN_BYTES: usize = 256;
/// Name of the JSON field holding the event's fields.
pub(crate) const JSON_FIELD: &str = "f";
/// Name of the event-time column.
pub(crate) const TIME_FIELD: &str = "t";

/// The fields of a partition's schema.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    /// Event id as a 128-bit fast column (tantivy's 128-bit column is its IP address
    /// type): `@id:` lookups are a range on it.
    pub(crate) id: Field,
    /// Event time, microseconds since the epoch (fast column for ranges and sorting).
    pub(crate) time: Field,
    /// The event's log record, stored compressed: what a scan returns.
    pub(crate) raw: Field,
    /// The original fields, every value tokenized under its path.
    pub(crate) json: Field,
}

pub(crate) fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let id = builder.add_ip_addr_field("id", FAST);
    let time = builder.add_i64_field(TIME_FIELD, FAST);
    let raw = builder.add_text_field("raw", STORED);
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER)
        .set_index_option(IndexRecordOption::Basic)
        .set_fieldnorms(false);
    let json = builder.add_json_field(
        JSON_FIELD,
        JsonObjectOptions::default()
            .set_indexing_options(indexing)
            .set_expand_dots_enabled(),
    );
    (
        builder.build(),
        Fields {
            id,
            time,
            raw,
            json,
        },
    )
}

/// Registers the tokenizer on an opened or created index.
pub(crate) fn register_tokenizer(index: &Index) {
    index.tokenizers().register(
        TOKENIZER,
        TextAnalyzer::from(super::words::Words::default()),
    );
}

/// The event id as the value of the id column.
pub(crate) fn id_value(id: u128) -> Ipv6Addr {
    Ipv6Addr::from(id)
}

/// One event ready for the index writer: its decoded log record, which it owns (the record
/// is the stored field and the decoded fields borrow from it).
#[derive(Debug)]
pub(crate) struct IndexDoc {
    fields: Fields,
    id: Ipv6Addr,
    time: i64,
    record: DecodedRecord,
}

impl IndexDoc {
    /// The document of a decoded log record.
    pub(crate) fn new(fields: &Fields, record: DecodedRecord) -> Self {
        let decoded = record.decoded();
        let time = decoded
            .timestamp
            .unwrap_or(decoded.received_at)
            .as_microsecond();
        Self {
            fields: *fields,
            id: id_value(decoded.id.0),
            time,
            record,
        }
    }
}

impl Document for IndexDoc {
    type Value<'a> = DocValue<'a>;
    type FieldsValuesIter<'a> = std::array::IntoIter<(Field, DocValue<'a>), 4>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        [
            (self.fields.id, DocValue::Ip(self.id)),
            (self.fields.time, DocValue::I64(self.time)),
            (self.fields.raw, DocValue::Str(self.record.record())),
            (
                self.fields.json,
                DocValue::Object(&self.record.decoded().fields),
            ),
        ]
        .into_iter()
    }
}

/// A value of an [`IndexDoc`], borrowed from it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum DocValue<'a> {
    Ip(Ipv6Addr),
    I64(i64),
    /// The log record (stored as text: tantivy writes a stored byte string one byte at a
    /// time, a text in one copy, and reads it back the same way).
    Str(&'a str),
    /// The event's fields.
    Object(&'a [(Cow<'a, str>, Flat<'a>)]),
    /// A field value; numbers and booleans are already text.
    Flat(&'a Flat<'a>),
}

/// The elements of a JSON array as document values.
pub(crate) struct ArrayIter<'a>(std::slice::Iter<'a, Flat<'a>>);

impl<'a> Iterator for ArrayIter<'a> {
    type Item = DocValue<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(DocValue::Flat)
    }
}

/// The members of a JSON object as document values.
pub(crate) struct ObjectIter<'a>(std::slice::Iter<'a, (Cow<'a, str>, Flat<'a>)>);

impl<'a> Iterator for ObjectIter<'a> {
    type Item = (&'a str, DocValue<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k.as_ref(), DocValue::Flat(v)))
    }
}

impl<'a> Value<'a> for DocValue<'a> {
    type ArrayIter = ArrayIter<'a>;
    type ObjectIter = ObjectIter<'a>;

    fn as_value(&self) -> ReferenceValue<'a, Self> {
        match *self {
            DocValue::Ip(ip) => ReferenceValueLeaf::IpAddr(ip).into(),
            DocValue::I64(v) => ReferenceValueLeaf::I64(v).into(),
            DocValue::Str(text) => ReferenceValueLeaf::Str(text).into(),
            DocValue::Object(members) => ReferenceValue::Object(ObjectIter(members.iter())),
            DocValue::Flat(value) => match value {
                Flat::Text(text) => ReferenceValueLeaf::Str(text).into(),
                Flat::Null => ReferenceValueLeaf::Null.into(),
                Flat::Array(items) => ReferenceValue::Array(ArrayIter(items.iter())),
                Flat::Object(members) => ReferenceValue::Object(ObjectIter(members.iter())),
            },
        }
    }
}
