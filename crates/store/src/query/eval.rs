//! What an expression means: evaluation against one event or one result row.
//!
//! This is the reference semantics of the language. A backend may use an index to find
//! candidates, but the events it returns are exactly those for which [`Expr::matches`]
//! holds (the embedded store checks every candidate with it).

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::ast::{Bound, Expr, Test};
use super::{parse_time, tokens};

/// Something an expression can be evaluated on: an event or a result row.
pub trait Subject {
    /// The value at a field path (flat or nested dotted name; `@` names for metadata).
    fn get(&self, path: &str) -> Option<Cow<'_, Value>>;
    /// The values searched by free text: every string and number of the original fields,
    /// nested ones included (metadata excluded).
    fn text_values(&self) -> &Map<String, Value>;
}

/// A result row: a JSON object whose keys are its columns.
impl Subject for Map<String, Value> {
    fn get(&self, path: &str) -> Option<Cow<'_, Value>> {
        vigie_event::field::lookup(self, path).map(Cow::Borrowed)
    }
    fn text_values(&self) -> &Map<String, Value> {
        self
    }
}

impl Expr {
    /// Whether the expression holds for `subject`.
    pub fn matches(&self, subject: &dyn Subject) -> bool {
        match self {
            Expr::And(a, b) => a.matches(subject) && b.matches(subject),
            Expr::Or(a, b) => a.matches(subject) || b.matches(subject),
            Expr::Not(inner) => !inner.matches(subject),
            Expr::Field { field, test } => match subject.get(field) {
                Some(value) => test.matches(&value),
                None => false,
            },
            Expr::Text(words) => any_text(subject.text_values(), &mut |text| {
                contains_words(&tokens(text), words)
            }),
            Expr::TextPattern(pattern) => any_text(subject.text_values(), &mut |text| {
                tokens(text).iter().any(|t| pattern.matches(t))
            }),
            Expr::TextCidr(net) => any_text(subject.text_values(), &mut |text| {
                text.trim()
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| net.contains(&ip))
            }),
        }
    }
}

/// Calls `f` on every string (and number, as text) in `fields`, depth first; true as soon
/// as one call is.
fn any_text(fields: &Map<String, Value>, f: &mut dyn FnMut(&str) -> bool) -> bool {
    fields.values().any(|value| any_text_value(value, f))
}

fn any_text_value(value: &Value, f: &mut dyn FnMut(&str) -> bool) -> bool {
    match value {
        Value::String(s) => f(s),
        Value::Number(n) => f(&n.to_string()),
        Value::Array(items) => items.iter().any(|v| any_text_value(v, f)),
        Value::Object(map) => any_text(map, f),
        Value::Null | Value::Bool(_) => false,
    }
}

/// Whether `words` occur consecutively in `haystack`.
pub(crate) fn contains_words(haystack: &[String], words: &[String]) -> bool {
    !words.is_empty()
        && haystack.len() >= words.len()
        && haystack.windows(words.len()).any(|window| window == words)
}

impl Test {
    /// Whether the value satisfies the test; a list satisfies it when one element does.
    pub fn matches(&self, value: &Value) -> bool {
        match value {
            Value::Array(items) => {
                if matches!(self, Test::Exists) {
                    return true;
                }
                items.iter().any(|item| self.matches(item))
            }
            Value::Null => false,
            Value::Object(_) => matches!(self, Test::Exists),
            scalar => self.matches_scalar(scalar),
        }
    }

    fn matches_scalar(&self, value: &Value) -> bool {
        let text: Cow<'_, str> = match value {
            Value::String(s) => Cow::Borrowed(s.as_str()),
            Value::Number(n) => Cow::Owned(n.to_string()),
            Value::Bool(b) => Cow::Owned(b.to_string()),
            _ => return false,
        };
        match self {
            Test::Exists => true,
            Test::Equals(expected) => {
                if let Value::Number(n) = value
                    && let (Some(a), Ok(b)) = (n.as_f64(), expected.trim().parse::<f64>())
                {
                    return a == b;
                }
                eq_caseless(&text, expected)
            }
            Test::Wildcard(pattern) => pattern.matches(&text),
            Test::Phrase(words) => contains_words(&tokens(&text), words),
            Test::Regex(regex) => regex.is_match(&text),
            Test::Cidr(net) => text
                .trim()
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| net.contains(&ip)),
            Test::Compare(cmp, bound) => compare(value, &text, bound).is_some_and(|o| cmp.holds(o)),
        }
    }
}

fn eq_caseless(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// How a value compares to a bound, if it is of a comparable kind.
fn compare(value: &Value, text: &str, bound: &Bound) -> Option<Ordering> {
    match bound {
        Bound::Number(n) => {
            let v = match value {
                Value::Number(number) => number.as_f64()?,
                _ => text.trim().parse::<f64>().ok()?,
            };
            v.partial_cmp(n)
        }
        Bound::Time(at) => {
            let v = match value {
                Value::Number(number) => {
                    jiff::Timestamp::from_millisecond(number.as_i64()?).ok()?
                }
                _ => parse_time(text, jiff::Timestamp::UNIX_EPOCH)?,
            };
            Some(v.cmp(at))
        }
    }
}
