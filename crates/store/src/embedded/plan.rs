//! From an expression to an index query that finds a superset of its matches.
//!
//! The index narrows the candidates; every candidate is then checked with
//! [`Expr::matches`], so a plan only has to never miss a match. `None` means "no
//! narrowing": every event of the partition is a candidate.

use std::ops::Bound as RangeBound;

use tantivy::Term;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, RegexQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use super::schema::{Fields, MAX_TOKEN_BYTES};
use crate::TimeRange;
use crate::query::{Bound, Cmp, Expr, Pattern, Test, tokens};

/// The index query for `expr` within `range`, or `None` for every event.
pub(crate) fn plan(
    fields: &Fields,
    expr: Option<&Expr>,
    range: &TimeRange,
) -> Option<Box<dyn Query>> {
    let filter = expr.and_then(|e| plan_expr(fields, e));
    let lower = range.from.map(micros_floor);
    let upper = range.to.map(micros_ceil);
    let time = time_range(
        fields,
        lower.map(RangeBound::Included),
        upper.map(RangeBound::Included),
    );
    and(filter, time)
}

fn micros_floor(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

fn micros_ceil(t: jiff::Timestamp) -> i64 {
    let micros = t.as_microsecond();
    if i128::from(micros) * 1000 < t.as_nanosecond() {
        micros + 1
    } else {
        micros
    }
}

fn time_range(
    fields: &Fields,
    lower: Option<RangeBound<i64>>,
    upper: Option<RangeBound<i64>>,
) -> Option<Box<dyn Query>> {
    if lower.is_none() && upper.is_none() {
        return None;
    }
    let term = |v: i64| Term::from_field_i64(fields.time, v);
    let lower = match lower {
        Some(RangeBound::Included(v)) => RangeBound::Included(term(v)),
        Some(RangeBound::Excluded(v)) => RangeBound::Excluded(term(v)),
        _ => RangeBound::Unbounded,
    };
    let upper = match upper {
        Some(RangeBound::Included(v)) => RangeBound::Included(term(v)),
        Some(RangeBound::Excluded(v)) => RangeBound::Excluded(term(v)),
        _ => RangeBound::Unbounded,
    };
    Some(Box::new(RangeQuery::new(lower, upper)))
}

fn and(a: Option<Box<dyn Query>>, b: Option<Box<dyn Query>>) -> Option<Box<dyn Query>> {
    match (a, b) {
        (None, None) => None,
        (Some(q), None) | (None, Some(q)) => Some(q),
        (Some(a), Some(b)) => Some(Box::new(BooleanQuery::new(vec![
            (Occur::Must, a),
            (Occur::Must, b),
        ]))),
    }
}

fn or(a: Option<Box<dyn Query>>, b: Option<Box<dyn Query>>) -> Option<Box<dyn Query>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Box::new(BooleanQuery::new(vec![
            (Occur::Should, a),
            (Occur::Should, b),
        ]))),
        _ => None,
    }
}

fn all_terms(terms: Vec<Term>) -> Option<Box<dyn Query>> {
    terms.into_iter().fold(None, |acc, term| {
        and(
            acc,
            Some(Box::new(TermQuery::new(term, IndexRecordOption::Basic))),
        )
    })
}

fn plan_expr(fields: &Fields, expr: &Expr) -> Option<Box<dyn Query>> {
    match expr {
        Expr::And(a, b) => and(plan_expr(fields, a), plan_expr(fields, b)),
        Expr::Or(a, b) => or(plan_expr(fields, a), plan_expr(fields, b)),
        Expr::Not(_) | Expr::TextCidr(_) => None,
        Expr::Text(words) => all_terms(
            words
                .iter()
                .filter(|w| w.len() < MAX_TOKEN_BYTES)
                .map(|w| Term::from_field_text(fields.text, w))
                .collect(),
        ),
        Expr::TextPattern(pattern) => token_pattern(fields.text, pattern),
        Expr::Field { field, test } => plan_field(fields, field, test),
    }
}

/// A regex over the term dictionary of the free-text field, for a one-word pattern.
fn token_pattern(field: Field, pattern: &Pattern) -> Option<Box<dyn Query>> {
    let mut re = String::new();
    for c in pattern.text.to_lowercase().chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    RegexQuery::from_pattern(&re, field)
        .ok()
        .map(|q| Box::new(q) as Box<dyn Query>)
}

fn plan_field(fields: &Fields, field: &str, test: &Test) -> Option<Box<dyn Query>> {
    if field == "@time" {
        if let Test::Compare(cmp, Bound::Time(at)) = test {
            let lo = micros_floor(*at);
            let hi = micros_ceil(*at);
            return match cmp {
                Cmp::Gt | Cmp::Ge => time_range(fields, Some(RangeBound::Included(lo)), None),
                Cmp::Lt | Cmp::Le => time_range(fields, None, Some(RangeBound::Included(hi))),
            };
        }
        return None;
    }
    if field == "@id" {
        if let Test::Equals(id) = test {
            return Some(Box::new(TermQuery::new(
                Term::from_field_text(fields.id, &id.trim().to_ascii_lowercase()),
                IndexRecordOption::Basic,
            )));
        }
        return None;
    }
    if field.starts_with('@') {
        return None;
    }
    let text_terms = |words: &[String]| {
        all_terms(
            words
                .iter()
                .filter(|w| w.len() < MAX_TOKEN_BYTES)
                .map(|w| {
                    let mut term = Term::from_field_json_path(fields.json, field, true);
                    term.append_type_and_str(w);
                    term
                })
                .collect(),
        )
    };
    match test {
        Test::Equals(value) => {
            let words = tokens(value);
            let text = if words.is_empty() {
                None
            } else {
                text_terms(&words)
            };
            let typed = typed_term(fields, field, value.trim());
            match (text, typed) {
                (Some(text), Some(typed)) => or(Some(text), Some(typed)),
                // A value with no words: only a typed value can narrow, and only if the
                // value is nothing else.
                (None, Some(typed)) if words.is_empty() => Some(typed),
                (Some(text), None) => Some(text),
                _ => None,
            }
        }
        Test::Phrase(words) => text_terms(words),
        Test::Wildcard(pattern) => {
            let words = complete_words(&pattern.text);
            if words.is_empty() {
                None
            } else {
                text_terms(&words)
            }
        }
        Test::Exists | Test::Regex(_) | Test::Cidr(_) | Test::Compare(..) => None,
    }
}

/// The term of a number or boolean JSON value equal to `value`, if it reads as one.
fn typed_term(fields: &Fields, field: &str, value: &str) -> Option<Box<dyn Query>> {
    let mut term = Term::from_field_json_path(fields.json, field, true);
    if let Ok(n) = value.parse::<i64>() {
        term.append_type_and_fast_value(n);
    } else if let Ok(f) = value.parse::<f64>() {
        if !f.is_finite() {
            return None;
        }
        if f.fract() == 0.0 && f.abs() < 9.0e15 {
            term.append_type_and_fast_value(f as i64);
        } else {
            term.append_type_and_fast_value(f);
        }
    } else if value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false") {
        term.append_type_and_fast_value(value.eq_ignore_ascii_case("true"));
    } else {
        return None;
    }
    Some(Box::new(TermQuery::new(term, IndexRecordOption::Basic)))
}

/// Words of a wildcard pattern that every matching value must hold whole: words of the
/// literal parts that do not touch a wildcard.
fn complete_words(pattern: &str) -> Vec<String> {
    // Split into literal parts at unescaped wildcards.
    let mut parts: Vec<String> = vec![String::new()];
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('*' | '?' | '\\')) => {
                let escaped = chars.next().unwrap_or('\\');
                if let Some(p) = parts.last_mut() {
                    p.push(escaped);
                }
            }
            '*' | '?' => parts.push(String::new()),
            c => {
                if let Some(p) = parts.last_mut() {
                    p.push(c);
                }
            }
        }
    }
    let last = parts.len() - 1;
    let mut words = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let mut part_words = tokens(part);
        if part_words.is_empty() {
            continue;
        }
        let touches_after = i < last && part.chars().last().is_some_and(char::is_alphanumeric);
        let touches_before = i > 0 && part.chars().next().is_some_and(char::is_alphanumeric);
        if touches_after {
            part_words.pop();
        }
        if touches_before && !part_words.is_empty() {
            part_words.remove(0);
        }
        words.extend(part_words);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::complete_words;

    #[test]
    fn complete_words_skip_partial_ones() {
        assert_eq!(complete_words("*\\cmd.exe"), ["cmd", "exe"]);
        assert_eq!(complete_words("C:\\Win*\\cmd.exe"), ["c", "cmd", "exe"]);
        assert_eq!(complete_words("cmd?exe"), Vec::<String>::new());
        assert_eq!(complete_words("*mimikatz*"), Vec::<String>::new());
        assert_eq!(complete_words("*sekurlsa::logon*"), Vec::<String>::new());
        assert_eq!(complete_words("* sekurlsa::logon*"), ["sekurlsa"]);
    }
}
