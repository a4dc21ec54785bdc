//! From an expression to an index query that finds a superset of its matches.
//!
//! The index narrows the candidates; every candidate is then checked with
//! [`Expr::matches`], so a plan only has to never miss a match. `None` means "no
//! narrowing": every event of the partition is a candidate.
//!
//! Every value is indexed as text under its path in one JSON field ([`super::schema`]), so a
//! field test looks for words under one path, and free text looks for them under any of the
//! partition's paths (the paths come from the term dictionaries, see [`super::paths`]).

use std::ops::Bound as RangeBound;

use tantivy::Term;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, RegexQuery, TermQuery};
use tantivy::schema::IndexRecordOption;

use super::schema::{Fields, MAX_TOKEN_BYTES, id_value};
use crate::TimeRange;
use crate::query::{Bound, Cmp, Expr, Pattern, Test, tokens};

/// Free text in a plan needs the partition's paths: most plans do not.
pub(crate) fn needs_paths(expr: &Expr) -> bool {
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => needs_paths(a) || needs_paths(b),
        Expr::Text(_) => true,
        Expr::Not(_) | Expr::TextCidr(_) | Expr::TextPattern(_) | Expr::Field { .. } => false,
    }
}

/// Free text is planned over at most this many paths; beyond, it does not narrow.
const MAX_TEXT_PATHS: usize = 4096;

/// The index query for `expr` within `range`, or `None` for every event. `paths` are the
/// JSON paths of the partition (each ending with its end-of-path byte), needed only when
/// [`needs_paths`] says so.
pub(crate) fn plan(
    fields: &Fields,
    expr: Option<&Expr>,
    range: &TimeRange,
    paths: &[Vec<u8>],
) -> Option<Box<dyn Query>> {
    let context = Context { fields, paths };
    let filter = expr.and_then(|e| plan_expr(&context, e));
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

struct Context<'a> {
    fields: &'a Fields,
    paths: &'a [Vec<u8>],
}

fn plan_expr(cx: &Context<'_>, expr: &Expr) -> Option<Box<dyn Query>> {
    match expr {
        Expr::And(a, b) => and(plan_expr(cx, a), plan_expr(cx, b)),
        Expr::Or(a, b) => or(plan_expr(cx, a), plan_expr(cx, b)),
        Expr::Not(_) | Expr::TextCidr(_) => None,
        Expr::Text(words) => {
            if cx.paths.len() > MAX_TEXT_PATHS {
                return None;
            }
            words
                .iter()
                .filter(|w| w.len() < MAX_TOKEN_BYTES)
                .fold(None, |acc, word| and(acc, Some(any_path(cx, word))))
        }
        Expr::TextPattern(pattern) => token_pattern(cx.fields, pattern),
        Expr::Field { field, test } => plan_field(cx.fields, field, test),
    }
}

/// `word` under any of the partition's paths.
fn any_path(cx: &Context<'_>, word: &str) -> Box<dyn Query> {
    let clauses: Vec<(Occur, Box<dyn Query>)> = cx
        .paths
        .iter()
        .map(|path| {
            let mut term = Term::from_field_json_path(cx.fields.json, "", true);
            term.set_bytes(path);
            term.append_type_and_str(word);
            let query: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
            (Occur::Should, query)
        })
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

/// A regex over the words of every path, for a one-word pattern; `None` (every event is a
/// candidate) when the pattern can match a word the index leaves out, i.e. one of
/// [`MAX_TOKEN_BYTES`] or more: every pattern with `*`. Found by the `query_parse` fuzz
/// target (`qufb*` missed an event whose only such word was 320 bytes long). It also keeps
/// the automaton small: `*a*a*a…` took seconds per partition to determinise.
fn token_pattern(fields: &Fields, pattern: &Pattern) -> Option<Box<dyn Query>> {
    let lower = pattern.text.to_lowercase();
    // `?` is one character, at most 4 bytes.
    let longest: usize = lower
        .chars()
        .map(|c| if c == '?' { 4 } else { c.len_utf8() })
        .sum();
    if lower.contains('*') || longest >= MAX_TOKEN_BYTES {
        return None;
    }
    // Any path, its end byte, the text type code, then the word.
    let mut re = String::from("[^\\x00]*\\x00s");
    for c in lower.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    RegexQuery::from_pattern(&re, fields.json)
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
        if let Test::Equals(id) = test
            && let Ok(id) = id.trim().parse::<vigie_event::EventId>()
        {
            let term = Term::from_field_ip_addr(fields.id, id_value(id.0));
            return Some(Box::new(RangeQuery::new(
                RangeBound::Included(term.clone()),
                RangeBound::Included(term),
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
            // A string equal to the value holds its words; a number equal to it holds the
            // words of the number's own rendering.
            let words = tokens(value);
            let as_text = if words.is_empty() {
                None
            } else {
                text_terms(&words)
            };
            match number_words(value.trim()) {
                NumberWords::NotANumber => as_text,
                NumberWords::Words(number) if !number.is_empty() => {
                    or(as_text, text_terms(&number))
                }
                NumberWords::Words(_) | NumberWords::Unknown => None,
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

/// Which words a number equal to a value holds, as the evaluator compares numbers.
enum NumberWords {
    /// The value is no number: no number equals it.
    NotANumber,
    /// Every number equal to the value holds these words.
    Words(Vec<String>),
    /// Numbers equal to it may be written in ways not worked out here.
    Unknown,
}

fn number_words(value: &str) -> NumberWords {
    let Ok(f) = value.parse::<f64>() else {
        return NumberWords::NotANumber;
    };
    if !f.is_finite() {
        // No JSON number is infinite or NaN.
        return NumberWords::NotANumber;
    }
    if f.fract() == 0.0 && f.abs() < 1.0e15 {
        // An integer is written as itself, an integral float as itself plus ".0".
        NumberWords::Words(tokens(&format!("{}", f as i64)))
    } else if f.fract() != 0.0 {
        // A float with a fraction is written the one shortest way.
        match serde_json::Number::from_f64(f) {
            Some(n) => NumberWords::Words(tokens(&n.to_string())),
            None => NumberWords::Unknown,
        }
    } else {
        NumberWords::Unknown
    }
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
    use super::{NumberWords, complete_words, number_words};

    /// Found by the `query_parse` fuzz target: a free-text wildcard missed the events whose
    /// matching word is too long to be indexed (the plan looked it up in the dictionary).
    #[tokio::test]
    async fn free_text_wildcards_find_words_too_long_to_be_indexed() {
        use crate::testsuite::{collect, event, logged, scope};
        use crate::{EmbeddedConfig, EmbeddedStore, EventStore, ScanRequest};
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(EmbeddedConfig {
            dir: dir.path().to_path_buf(),
            writer_memory_bytes: 15_000_000,
            ..EmbeddedConfig::default()
        })
        .unwrap();
        let long = "qufb".repeat(80);
        let events = [
            event(
                1,
                "2026-11-25T10:00:00Z",
                serde_json::json!({"Payload": long}),
            ),
            event(
                1,
                "2026-11-25T10:00:01Z",
                serde_json::json!({"Payload": "qufbx"}),
            ),
        ];
        store.write(logged(&events, 0)).await.unwrap();
        let now = "2026-11-26T00:00:00Z".parse().unwrap();
        for (text, expected) in [("qufb*", 2), ("*qufb", 1), ("q?fbx", 1), ("qufb?", 1)] {
            let query = crate::query::parse(text, now).unwrap();
            let request = ScanRequest {
                filter: query.search,
                ..ScanRequest::default()
            };
            let found = collect(&store, &scope(vigie_access::Grant::Platform), request).await;
            assert_eq!(found.len(), expected, "{text}");
        }
    }

    #[test]
    fn numbers_are_found_by_the_words_of_their_rendering() {
        let words = |v: &str| match number_words(v) {
            NumberWords::Words(w) => Some(w),
            NumberWords::NotANumber | NumberWords::Unknown => None,
        };
        assert_eq!(words("4688"), Some(vec!["4688".to_owned()]));
        assert_eq!(words("4688.0"), Some(vec!["4688".to_owned()]));
        assert_eq!(words("-12"), Some(vec!["12".to_owned()]));
        assert_eq!(words("3.50"), Some(vec!["3".to_owned(), "5".to_owned()]));
        assert!(matches!(number_words("whoami"), NumberWords::NotANumber));
        assert!(matches!(number_words("NaN"), NumberWords::NotANumber));
        assert!(matches!(
            number_words("-9214364837600034816"),
            NumberWords::Unknown
        ));
        // The renderings the plan relies on.
        for (n, text) in [
            (4688.0, "4688.0"),
            (1.0e14, "100000000000000.0"),
            (3.5, "3.5"),
        ] {
            assert_eq!(serde_json::Number::from_f64(n).unwrap().to_string(), text);
        }
    }

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
