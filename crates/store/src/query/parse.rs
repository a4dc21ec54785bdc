//! The hand-written recursive-descent parser of the hunting language.
//!
//! ```text
//! query   := [expr] ("|" stage)*
//! expr    := and ("OR" and)*
//! and     := unary (["AND"] unary)*
//! unary   := "NOT" unary | primary
//! primary := "(" expr ")" | QUOTED | WORD [op value]
//! op      := ":" | "=" | "!=" | ">" | ">=" | "<" | "<="
//! value   := QUOTED | "/" REGEX "/" | WORD
//! stage   := "where" expr | "stats" aggs ["by" fields] | "timechart" ["span=" DURATION] aggs
//!            ["by" field] | "sort" ["-"]field ("," ["-"]field)* | "head" [N] | "fields" fields
//! agg     := NAME "(" [field] ")" ["as" NAME]
//! ```
//!
//! Every error names the 1-based column where it was found and what was expected there.
//!
//! The parser is the first thing an untrusted query reaches, so everything it builds is
//! bounded ([`Limits`]): the query's length, how deep `(` and `NOT` nest, how many terms it
//! holds, how many of them compile to automata (wildcards and regular expressions, each
//! with a size cap), and how many stages and list items follow. Chains of `AND`/`OR` are
//! built as balanced trees, so evaluating, planning or dropping a query of the largest
//! allowed size recurses at most a few dozen levels, never once per term.

use jiff::Timestamp;

use super::ast::{Agg, AggFunc, Bound, Cmp, Expr, Pattern, Query, Stage, Test};
use super::tokens;

/// A query that does not parse: where, what was expected and what was found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: expected {expected}, found {found}")]
pub struct ParseError {
    /// 1-based column (in characters) of the problem.
    pub column: usize,
    /// What the parser expected there.
    pub expected: String,
    /// What it found.
    pub found: String,
}

/// The bounds every parsed query stays within. A query over one of them is refused with a
/// [`ParseError`] that names the limit and the column where it was crossed.
pub struct Limits;

impl Limits {
    /// Characters in a query.
    pub const MAX_CHARS: usize = 65_536;
    /// Nesting of `(` and `NOT` (and `!=`) inside one another.
    pub const MAX_NESTING: usize = 64;
    /// Terms (field tests and free-text searches) in the whole query, stages included.
    pub const MAX_TERMS: usize = 1_024;
    /// Terms that compile to an automaton: wildcard patterns and regular expressions.
    pub const MAX_PATTERNS: usize = 64;
    /// Compiled size of one wildcard pattern or regular expression, in bytes (the `regex`
    /// crate's own size limit; its default is 10 MiB).
    pub const MAX_PATTERN_BYTES: usize = 256 * 1024;
    /// Pipe stages.
    pub const MAX_STAGES: usize = 32;
    /// Items of one list: aggregates, `by` fields, `sort` keys, `fields`.
    pub const MAX_LIST: usize = 64;
}

/// Parses a whole query. `now` anchors relative times such as `-24h`.
pub fn parse(text: &str, now: Timestamp) -> Result<Query, ParseError> {
    if text.len() > Limits::MAX_CHARS {
        let chars = text.chars().count();
        if chars > Limits::MAX_CHARS {
            return Err(ParseError {
                column: Limits::MAX_CHARS + 1,
                expected: format!(
                    "a query of at most {} characters (the query length limit)",
                    Limits::MAX_CHARS
                ),
                found: format!("{chars} characters"),
            });
        }
    }
    let mut parser = Parser {
        chars: text.chars().collect(),
        pos: 0,
        now,
        depth: 0,
        terms: 0,
        patterns: 0,
    };
    parser.skip_ws();
    let search = if parser.peek().is_none() || parser.peek() == Some('|') {
        None
    } else {
        Some(parser.expr()?)
    };
    let mut stages = Vec::new();
    loop {
        parser.skip_ws();
        match parser.peek() {
            None => break,
            Some('|') => {
                if stages.len() == Limits::MAX_STAGES {
                    return Err(parser.error(&format!(
                        "at most {} pipe stages (the stage limit)",
                        Limits::MAX_STAGES
                    )));
                }
                parser.pos += 1;
                stages.push(parser.stage()?);
            }
            Some(_) => {
                return Err(parser.error("`|` and a pipe stage, or the end of the query"));
            }
        }
    }
    Ok(Query { search, stages })
}

/// Parses a time written as RFC 3339 (`2026-11-25T10:00:00Z`), a civil date or date-time
/// taken as UTC (`2026-11-25`, `2026-11-25 10:00:00`), `now`, or a time relative to `now`
/// (`-15m`, `-24h`, `-7d`, `-30s`).
pub fn parse_time(text: &str, now: Timestamp) -> Option<Timestamp> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("now") {
        return Some(now);
    }
    if let Some(rest) = text.strip_prefix('-') {
        let seconds = parse_duration(rest)?;
        return now
            .checked_sub(jiff::SignedDuration::from_secs(seconds))
            .ok();
    }
    if let Ok(at) = text.parse::<Timestamp>() {
        return Some(at);
    }
    if let Ok(civil) = text.parse::<jiff::civil::DateTime>() {
        return civil
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    None
}

/// Seconds in `30s`, `15m`, `24h`, `7d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(split) => text.split_at(split),
        None => (text, "s"),
    };
    let n: i64 = number.parse().ok()?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(factor).filter(|s| *s > 0)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    now: Timestamp,
    /// Current nesting of `(` and `NOT`.
    depth: usize,
    /// Terms parsed so far.
    terms: usize,
    /// Wildcard patterns and regular expressions compiled so far.
    patterns: usize,
}

/// Joins `items` with `join` as a balanced tree: `a AND b AND c AND d` becomes
/// `(a AND b) AND (c AND d)`. Both operators are associative and evaluation still goes left
/// to right, so the meaning is the same as a chain, and the depth is log2 of the length.
fn balanced(mut items: Vec<Expr>, join: fn(Box<Expr>, Box<Expr>) -> Expr) -> Expr {
    match items.len() {
        0 => unreachable!("a chain has at least one operand"),
        1 => items.pop().unwrap_or_else(|| unreachable!()),
        n => {
            let right = items.split_off(n / 2);
            join(
                Box::new(balanced(items, join)),
                Box::new(balanced(right, join)),
            )
        }
    }
}

/// A compiled regular expression within [`Limits::MAX_PATTERN_BYTES`].
pub(crate) fn bounded_regex(source: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(source)
        .size_limit(Limits::MAX_PATTERN_BYTES)
        .dfa_size_limit(Limits::MAX_PATTERN_BYTES)
        .build()
}

/// Characters that end a bare word in an expression.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '|' | ':' | '"' | '=' | '<' | '>' | '!' | ',')
}

/// Characters that end a value after an operator (values may hold `:` and `=`).
fn ends_value(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '|' | '"')
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the query".to_owned(),
            Some(_) => {
                let rest: String = self.chars[self.pos..]
                    .iter()
                    .take_while(|c| !c.is_whitespace())
                    .take(20)
                    .collect();
                format!("{rest:?}")
            }
        }
    }

    fn error(&self, expected: &str) -> ParseError {
        ParseError {
            column: self.pos + 1,
            expected: expected.to_owned(),
            found: self.found(),
        }
    }

    fn error_at(&self, pos: usize, expected: &str, found: String) -> ParseError {
        ParseError {
            column: pos + 1,
            expected: expected.to_owned(),
            found,
        }
    }

    /// A bare word (field name, keyword or free text) with `\` keeping the next character.
    fn word(&mut self, end: fn(char) -> bool) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                out.push(c);
                self.pos += 1;
                if let Some(next) = self.peek() {
                    out.push(next);
                    self.pos += 1;
                }
                continue;
            }
            if end(c) {
                break;
            }
            out.push(c);
            self.pos += 1;
        }
        out
    }

    /// The keyword at the cursor (case-insensitive), not consumed.
    fn at_keyword(&self, keyword: &str) -> bool {
        let len = keyword.len();
        let Some(slice) = self.chars.get(self.pos..self.pos + len) else {
            return false;
        };
        let text: String = slice.iter().collect();
        text.eq_ignore_ascii_case(keyword)
            && self
                .chars
                .get(self.pos + len)
                .is_none_or(|c| c.is_whitespace() || *c == '(')
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let mut operands = vec![self.and()?];
        loop {
            self.skip_ws();
            if self.at_keyword("OR") {
                self.pos += 2;
                operands.push(self.and()?);
            } else {
                return Ok(balanced(operands, Expr::Or));
            }
        }
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut operands = vec![self.unary()?];
        loop {
            self.skip_ws();
            match self.peek() {
                None | Some(')') | Some('|') => return Ok(balanced(operands, Expr::And)),
                _ if self.at_keyword("OR") => return Ok(balanced(operands, Expr::And)),
                _ => {
                    if self.at_keyword("AND") {
                        self.pos += 3;
                    }
                    operands.push(self.unary()?);
                }
            }
        }
    }

    /// Enters one level of `(` or `NOT`, refusing past [`Limits::MAX_NESTING`].
    fn enter(&mut self) -> Result<(), ParseError> {
        if self.depth == Limits::MAX_NESTING {
            return Err(self.error(&format!(
                "at most {} levels of `(` and `NOT` inside one another (the nesting limit)",
                Limits::MAX_NESTING
            )));
        }
        self.depth += 1;
        Ok(())
    }

    /// Counts one term at `start`, refusing past [`Limits::MAX_TERMS`].
    fn term(&mut self, start: usize) -> Result<(), ParseError> {
        if self.terms == Limits::MAX_TERMS {
            return Err(self.error_at(
                start,
                &format!(
                    "at most {} terms in a query (the term limit)",
                    Limits::MAX_TERMS
                ),
                self.found(),
            ));
        }
        self.terms += 1;
        Ok(())
    }

    /// Counts one wildcard pattern or regular expression at `start`, refusing past
    /// [`Limits::MAX_PATTERNS`].
    fn pattern(&mut self, start: usize) -> Result<(), ParseError> {
        if self.patterns == Limits::MAX_PATTERNS {
            return Err(self.error_at(
                start,
                &format!(
                    "at most {} wildcard patterns and regular expressions in a query (the pattern limit)",
                    Limits::MAX_PATTERNS
                ),
                self.found(),
            ));
        }
        self.patterns += 1;
        Ok(())
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        if self.at_keyword("NOT") {
            self.enter()?;
            self.pos += 3;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            None => Err(self.error("a search term, a field test or `(`")),
            Some('(') => {
                self.enter()?;
                self.pos += 1;
                let inner = self.expr()?;
                self.skip_ws();
                if self.peek() != Some(')') {
                    return Err(self.error(&format!("`)` closing the `(` of column {}", start + 1)));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Some('"') => {
                self.term(start)?;
                let text = self.quoted()?;
                let words = tokens(&text);
                if words.is_empty() {
                    return Err(self.error_at(
                        start,
                        "a phrase with letters or digits",
                        format!("{text:?}"),
                    ));
                }
                Ok(Expr::Text(words))
            }
            Some(c) if ends_word(c) => Err(self.error("a search term, a field test or `(`")),
            Some(_) => {
                self.term(start)?;
                let word = self.word(ends_word);
                match self.peek() {
                    Some(':' | '=' | '<' | '>' | '!') => self.field_test(word, start),
                    _ => {
                        if word.contains(['*', '?']) {
                            self.pattern(start)?;
                        }
                        free_text(&word).map_err(|expected| {
                            self.error_at(start, &expected, format!("{word:?}"))
                        })
                    }
                }
            }
        }
    }

    /// A quoted string at the cursor: `\"` and `\\` are escapes, other backslashes stay.
    fn quoted(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(self.error_at(
                        self.pos,
                        &format!("`\"` closing the string opened at column {}", start + 1),
                        "the end of the query".to_owned(),
                    ));
                }
                Some('"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('\\') if matches!(self.peek_at(1), Some('"' | '\\')) => {
                    out.push(self.peek_at(1).unwrap_or('\\'));
                    self.pos += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn field_test(&mut self, field: String, start: usize) -> Result<Expr, ParseError> {
        let op_pos = self.pos;
        let op: String = match (self.peek(), self.peek_at(1)) {
            (Some('>'), Some('=')) | (Some('<'), Some('=')) | (Some('!'), Some('=')) => {
                self.pos += 2;
                self.chars[op_pos..op_pos + 2].iter().collect()
            }
            (Some(c @ (':' | '=' | '<' | '>')), _) => {
                self.pos += 1;
                c.to_string()
            }
            _ => {
                return Err(self.error("`:`, `=`, `!=`, `>`, `>=`, `<` or `<=` after a field name"));
            }
        };
        if field.is_empty() {
            return Err(self.error_at(
                start,
                "a field name before the operator",
                format!("{op:?}"),
            ));
        }
        let value_pos = self.pos;
        let cmp = match op.as_str() {
            ">" => Some(Cmp::Gt),
            ">=" => Some(Cmp::Ge),
            "<" => Some(Cmp::Lt),
            "<=" => Some(Cmp::Le),
            _ => None,
        };
        if let Some(cmp) = cmp {
            let text = if self.peek() == Some('"') {
                self.quoted()?
            } else {
                self.word(ends_value)
            };
            let bound = if let Ok(n) = text.parse::<f64>() {
                Bound::Number(n)
            } else if let Some(at) = parse_time(&text, self.now) {
                Bound::Time(at)
            } else {
                return Err(self.error_at(
                    value_pos,
                    &format!("a number or a time after `{op}`"),
                    if text.is_empty() {
                        self.found()
                    } else {
                        format!("{text:?}")
                    },
                ));
            };
            return Ok(Expr::Field {
                field,
                test: Test::Compare(cmp, bound),
            });
        }
        let test = match self.peek() {
            Some('"') => {
                let text = self.quoted()?;
                let words = tokens(&text);
                if words.is_empty() {
                    Test::Equals(text)
                } else {
                    Test::Phrase(words)
                }
            }
            Some('/') => {
                self.pattern(value_pos)?;
                self.pos += 1;
                let mut source = String::new();
                loop {
                    match self.peek() {
                        None => {
                            return Err(self.error_at(
                                self.pos,
                                &format!(
                                    "`/` closing the regular expression opened at column {}",
                                    value_pos + 1
                                ),
                                "the end of the query".to_owned(),
                            ));
                        }
                        Some('/') => {
                            self.pos += 1;
                            break;
                        }
                        Some('\\') if self.peek_at(1) == Some('/') => {
                            source.push('/');
                            self.pos += 2;
                        }
                        Some(c) => {
                            source.push(c);
                            self.pos += 1;
                        }
                    }
                }
                let regex = bounded_regex(&source).map_err(|e| {
                    self.error_at(
                        value_pos,
                        "a valid regular expression",
                        format!(
                            "{source:?} ({})",
                            e.to_string().lines().last().unwrap_or("")
                        ),
                    )
                })?;
                Test::Regex(regex)
            }
            None => return Err(self.error(&format!("a value after `{field}{op}`"))),
            Some(c) if ends_value(c) => {
                return Err(self.error(&format!("a value after `{field}{op}`")));
            }
            Some(_) => {
                let text = self.word(ends_value);
                if has_wildcard(&text) {
                    self.pattern(value_pos)?;
                }
                value_test(&text).map_err(|e| {
                    self.error_at(
                        value_pos,
                        "a valid wildcard pattern",
                        format!("{text:?} ({e})"),
                    )
                })?
            }
        };
        let expr = Expr::Field { field, test };
        Ok(if op == "!=" {
            // One `Not` around a leaf: no deeper than the leaf's own level allows.
            Expr::Not(Box::new(expr))
        } else {
            expr
        })
    }

    fn stage(&mut self) -> Result<Stage, ParseError> {
        self.skip_ws();
        let start = self.pos;
        let name = self.word(|c| c.is_whitespace() || c == '|');
        const STAGES: &str = "a stage: where, stats, timechart, sort, head or fields";
        match name.to_ascii_lowercase().as_str() {
            "where" => {
                self.skip_ws();
                Ok(Stage::Where(self.expr()?))
            }
            "stats" => {
                let aggs = self.aggs()?;
                let by = if self.keyword("by") {
                    self.field_list()?
                } else {
                    Vec::new()
                };
                Ok(Stage::Stats { aggs, by })
            }
            "timechart" => {
                self.skip_ws();
                let mut span_seconds = 3600;
                if self.at_keyword_eq("span") {
                    self.pos += 4;
                    if self.peek() != Some('=') {
                        return Err(self.error("`=` after span"));
                    }
                    self.pos += 1;
                    let at = self.pos;
                    let text = self.word(|c| c.is_whitespace() || c == '|');
                    span_seconds = parse_duration(&text).ok_or_else(|| {
                        self.error_at(
                            at,
                            "a duration such as 30s, 15m, 1h or 1d",
                            format!("{text:?}"),
                        )
                    })?;
                }
                let aggs = self.aggs()?;
                let by = if self.keyword("by") {
                    let at = self.pos;
                    let mut fields = self.field_list()?;
                    if fields.len() > 1 {
                        return Err(self.error_at(
                            at,
                            "one field after `by` in timechart",
                            format!("{} fields", fields.len()),
                        ));
                    }
                    fields.pop()
                } else {
                    None
                };
                Ok(Stage::Timechart {
                    span_seconds,
                    aggs,
                    by,
                })
            }
            "sort" => {
                let mut keys = Vec::new();
                loop {
                    self.skip_ws();
                    let descending = match self.peek() {
                        Some('-') => {
                            self.pos += 1;
                            true
                        }
                        Some('+') => {
                            self.pos += 1;
                            false
                        }
                        _ => false,
                    };
                    let field = self.field_name()?;
                    self.skip_ws();
                    let descending = if self.at_keyword("desc") {
                        self.pos += 4;
                        true
                    } else if self.at_keyword("asc") {
                        self.pos += 3;
                        false
                    } else {
                        descending
                    };
                    self.list_room(keys.len(), "sort keys")?;
                    keys.push((field, descending));
                    self.skip_ws();
                    if self.peek() == Some(',') {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                Ok(Stage::Sort(keys))
            }
            "head" => {
                self.skip_ws();
                let at = self.pos;
                let text = self.word(|c| c.is_whitespace() || c == '|');
                if text.is_empty() {
                    return Ok(Stage::Head(10));
                }
                let n = text.parse::<usize>().map_err(|_| {
                    self.error_at(at, "a number of rows after head", format!("{text:?}"))
                })?;
                Ok(Stage::Head(n))
            }
            "fields" => Ok(Stage::Fields(self.field_list()?)),
            "" => Err(self.error(STAGES)),
            _ => Err(self.error_at(start, STAGES, format!("{name:?}"))),
        }
    }

    /// Refuses a list that already holds [`Limits::MAX_LIST`] items.
    fn list_room(&self, len: usize, what: &str) -> Result<(), ParseError> {
        if len >= Limits::MAX_LIST {
            return Err(self.error(&format!(
                "at most {} {what} (the list limit)",
                Limits::MAX_LIST
            )));
        }
        Ok(())
    }

    fn at_keyword_eq(&self, keyword: &str) -> bool {
        let len = keyword.len();
        let Some(slice) = self.chars.get(self.pos..self.pos + len) else {
            return false;
        };
        slice
            .iter()
            .collect::<String>()
            .eq_ignore_ascii_case(keyword)
            && self.chars.get(self.pos + len) == Some(&'=')
    }

    /// Consumes `keyword` if it is next.
    fn keyword(&mut self, keyword: &str) -> bool {
        self.skip_ws();
        if self.at_keyword(keyword) {
            self.pos += keyword.len();
            true
        } else {
            false
        }
    }

    fn field_name(&mut self) -> Result<String, ParseError> {
        self.skip_ws();
        let start = self.pos;
        let mut name = self.word(|c| c.is_whitespace() || matches!(c, ',' | '|' | '(' | ')'));
        // An aggregate column such as `count()` or `dc(Hostname)`.
        if self.peek() == Some('(') {
            let close = self.chars[self.pos..].iter().position(|c| *c == ')');
            match close {
                Some(len) => {
                    name.extend(&self.chars[self.pos..=self.pos + len]);
                    self.pos += len + 1;
                }
                None => return Err(self.error("`)` closing the aggregate name")),
            }
        }
        if name.is_empty() {
            return Err(self.error_at(start, "a field name", self.found()));
        }
        Ok(name)
    }

    fn field_list(&mut self) -> Result<Vec<String>, ParseError> {
        let mut fields = vec![self.field_name()?];
        loop {
            self.skip_ws();
            if self.peek() == Some(',') {
                self.pos += 1;
                self.list_room(fields.len(), "fields in a list")?;
                fields.push(self.field_name()?);
            } else {
                return Ok(fields);
            }
        }
    }

    fn aggs(&mut self) -> Result<Vec<Agg>, ParseError> {
        let mut aggs = vec![self.agg()?];
        loop {
            self.skip_ws();
            if self.peek() == Some(',') {
                self.pos += 1;
                self.list_room(aggs.len(), "aggregates")?;
                aggs.push(self.agg()?);
            } else {
                return Ok(aggs);
            }
        }
    }

    fn agg(&mut self) -> Result<Agg, ParseError> {
        self.skip_ws();
        let start = self.pos;
        let name = self.word(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        const EXPECTED: &str =
            "an aggregate: count(), dc(field), min(field), max(field), avg(field) or sum(field)";
        let func = match name.to_ascii_lowercase().as_str() {
            "count" => AggFunc::Count,
            "dc" | "distinct_count" => AggFunc::Dc,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            "avg" => AggFunc::Avg,
            "sum" => AggFunc::Sum,
            "" => return Err(self.error(EXPECTED)),
            _ => return Err(self.error_at(start, EXPECTED, format!("{name:?}"))),
        };
        if self.peek() != Some('(') {
            return Err(self.error(&format!("`(` after {name}")));
        }
        self.pos += 1;
        self.skip_ws();
        let field_at = self.pos;
        let field = self.word(|c| c.is_whitespace() || matches!(c, ')' | ',' | '|' | '('));
        self.skip_ws();
        if self.peek() != Some(')') {
            return Err(self.error(&format!("`)` closing {name}(")));
        }
        self.pos += 1;
        let field = if field.is_empty() {
            if func != AggFunc::Count {
                return Err(self.error_at(
                    field_at,
                    &format!("a field name inside {name}()"),
                    "`)`".to_owned(),
                ));
            }
            None
        } else {
            Some(field)
        };
        let written = format!("{}({})", func.name(), field.as_deref().unwrap_or(""));
        let name = if self.keyword("as") {
            self.field_name()?
        } else {
            written
        };
        Ok(Agg { func, field, name })
    }
}

/// A bare search word: words in order, or one word with wildcards.
fn free_text(word: &str) -> Result<Expr, String> {
    if word.contains(['*', '?']) {
        if !word
            .chars()
            .all(|c| c.is_alphanumeric() || c == '*' || c == '?')
        {
            return Err(
                "a free-text wildcard of letters, digits, `*` and `?` only (use field:pattern to match whole values)"
                    .to_owned(),
            );
        }
        return Pattern::new(word)
            .map(Expr::TextPattern)
            .map_err(|e| format!("a valid pattern ({e})"));
    }
    let words = tokens(word);
    if words.is_empty() {
        return Err("a search word with letters or digits".to_owned());
    }
    Ok(Expr::Text(words))
}

/// The test an unquoted value stands for.
fn value_test(text: &str) -> Result<Test, regex::Error> {
    if text == "*" {
        return Ok(Test::Exists);
    }
    if has_wildcard(text) {
        return Pattern::new(text).map(Test::Wildcard);
    }
    if text.contains('/')
        && let Ok(net) = text.parse::<ipnet::IpNet>()
    {
        return Ok(Test::Cidr(net));
    }
    Ok(Test::Equals(unescape(text)))
}

/// Whether an unquoted value holds an unescaped `*` or `?`.
fn has_wildcard(text: &str) -> bool {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.clone().next(), Some('*' | '?' | '\\')) => {
                chars.next();
            }
            '*' | '?' => return true,
            _ => {}
        }
    }
    false
}

/// Removes the escapes `\*`, `\?` and `\\`; every other backslash is kept as written, so
/// Windows paths need no doubling.
pub(crate) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(next @ ('*' | '?' | '\\')) = chars.peek().copied()
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::{Limits, parse};
    use crate::query::{Expr, FieldAliases, Subject};

    fn now() -> jiff::Timestamp {
        "2026-12-01T00:00:00Z".parse().unwrap()
    }

    /// Runs `f` on a thread with a quarter of a tokio worker's 2 MiB stack: a parser or
    /// evaluator that recursed once per character or term would overflow it.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn deep_parentheses_and_nots_are_refused_at_the_nesting_limit_without_recursing() {
        for (label, text) in [
            (
                "parentheses",
                "(".repeat(200_000) + "a" + &")".repeat(200_000),
            ),
            ("NOT", "NOT ".repeat(300_000) + "a"),
            ("mixed", "NOT (".repeat(60_000) + "a" + &")".repeat(60_000)),
        ] {
            let text = text.chars().take(Limits::MAX_CHARS).collect::<String>();
            let error = on_small_stack(move || parse(&text, now()).unwrap_err());
            assert!(error.expected.contains("nesting limit"), "{label}: {error}");
            assert!(
                error.column <= 4 * (Limits::MAX_NESTING + 1),
                "{label}: {error}"
            );
        }
        // At the limit it parses and evaluates.
        let depth = Limits::MAX_NESTING;
        let text = "(".repeat(depth) + "a" + &")".repeat(depth);
        assert!(parse(&text, now()).is_ok());
        let text = "NOT ".repeat(depth) + "a";
        let query = parse(&text, now()).unwrap();
        let row: Map<String, Value> = json!({"x": "a"}).as_object().cloned().unwrap();
        assert!(query.search.unwrap().matches(&row as &dyn Subject));
    }

    #[test]
    fn the_largest_allowed_chain_is_a_shallow_tree_that_evaluates_on_a_small_stack() {
        for op in [" AND ", " OR ", " "] {
            let terms: Vec<String> = (0..Limits::MAX_TERMS)
                .map(|i| format!("f{i}:v{i}"))
                .collect();
            let text = terms.join(op);
            let matched = on_small_stack(move || {
                let query = parse(&text, now()).unwrap();
                let expr = query.search.unwrap();
                assert!(depth(&expr) <= 12, "depth {}", depth(&expr));
                let expanded = FieldAliases::windows().expand(&expr);
                let mut row = Map::new();
                for i in 0..Limits::MAX_TERMS {
                    row.insert(format!("f{i}"), Value::String(format!("v{i}")));
                }
                let matched = expanded.matches(&row as &dyn Subject);
                drop(expanded.clone());
                matched
            });
            assert!(matched, "{op:?}");
        }
        // One term more is refused, naming the limit and where.
        let terms: Vec<String> = (0..=Limits::MAX_TERMS).map(|i| format!("t{i}")).collect();
        let text = terms.join(" OR ");
        let error = parse(&text, now()).unwrap_err();
        assert!(error.expected.contains("term limit"), "{error}");
        let column = text.find(&format!("t{}", Limits::MAX_TERMS)).unwrap() + 1;
        assert_eq!(error.column, column, "{error}");
    }

    #[test]
    fn chains_keep_their_meaning_when_balanced() {
        let row: Map<String, Value> = json!({"a": "1", "b": "2", "c": "3"})
            .as_object()
            .cloned()
            .unwrap();
        for (text, expected) in [
            ("a:1 b:2 c:3", true),
            ("a:1 b:2 c:4", false),
            ("a:9 OR b:9 OR c:3", true),
            ("a:9 OR b:9 OR c:9", false),
            ("a:1 b:2 OR c:9", true),
            ("a:9 OR b:2 c:3", true),
            ("NOT a:1 OR b:2", true),
            ("NOT (a:1 OR b:2)", false),
            ("a!=1 OR c:3", true),
        ] {
            let query = parse(text, now()).unwrap();
            assert_eq!(
                query.search.unwrap().matches(&row as &dyn Subject),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn length_patterns_stages_and_lists_are_bounded() {
        let long = "a".repeat(Limits::MAX_CHARS + 1);
        let error = parse(&long, now()).unwrap_err();
        assert!(error.expected.contains("query length limit"), "{error}");

        let wildcards: Vec<String> = (0..=Limits::MAX_PATTERNS)
            .map(|i| format!("f:*a{i}*"))
            .collect();
        let error = parse(&wildcards.join(" OR "), now()).unwrap_err();
        assert!(error.expected.contains("pattern limit"), "{error}");
        let regexes: Vec<String> = (0..=Limits::MAX_PATTERNS)
            .map(|i| format!("f:/a{i}/"))
            .collect();
        let error = parse(&regexes.join(" OR "), now()).unwrap_err();
        assert!(error.expected.contains("pattern limit"), "{error}");
        // A regular expression that compiles past the size cap is refused, not built.
        let error = parse("f:/(a{1,1000}){1,1000}/", now()).unwrap_err();
        assert!(error.expected.contains("regular expression"), "{error}");

        let stages = "a".to_owned() + &" | head 5".repeat(Limits::MAX_STAGES + 1);
        let error = parse(&stages, now()).unwrap_err();
        assert!(error.expected.contains("stage limit"), "{error}");
        let fields: Vec<String> = (0..=Limits::MAX_LIST).map(|i| format!("f{i}")).collect();
        let error = parse(&format!("a | fields {}", fields.join(",")), now()).unwrap_err();
        assert!(error.expected.contains("list limit"), "{error}");
        let aggs: Vec<String> = (0..=Limits::MAX_LIST)
            .map(|i| format!("dc(f{i})"))
            .collect();
        let error = parse(&format!("a | stats {}", aggs.join(",")), now()).unwrap_err();
        assert!(error.expected.contains("list limit"), "{error}");
    }

    fn depth(expr: &Expr) -> usize {
        match expr {
            Expr::And(a, b) | Expr::Or(a, b) => 1 + depth(a).max(depth(b)),
            Expr::Not(inner) => 1 + depth(inner),
            _ => 1,
        }
    }
}
