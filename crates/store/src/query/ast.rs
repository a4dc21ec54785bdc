//! The parsed form of a hunting query.

use ipnet::IpNet;
use jiff::Timestamp;
use regex::Regex;

/// A whole query: a search expression, then pipe stages.
#[derive(Clone, Debug)]
pub struct Query {
    /// Which events (`None`: every event in the time range).
    pub search: Option<Expr>,
    /// Stages applied in order to the matching events.
    pub stages: Vec<Stage>,
}

/// A boolean search expression over one event (or, in `where`, one row).
#[derive(Clone, Debug)]
pub enum Expr {
    /// Both sides hold.
    And(Box<Expr>, Box<Expr>),
    /// Either side holds.
    Or(Box<Expr>, Box<Expr>),
    /// The inner expression does not hold.
    Not(Box<Expr>),
    /// A condition on one field.
    Field {
        /// The field path as written (flat or nested dotted name, or `@time`, `@id`,
        /// `@source`, `@tenant`).
        field: String,
        /// What the value must satisfy.
        test: Test,
    },
    /// Free text: some string value of the event holds these words in this order.
    Text(Vec<String>),
    /// Free text with wildcards: some word of some string value matches the pattern.
    TextPattern(Pattern),
    /// Some string value of the event is an IP address inside this network (IOC lists).
    TextCidr(IpNet),
}

/// A test of one field value.
#[derive(Clone, Debug)]
pub enum Test {
    /// The whole value equals this text (case-insensitive; numbers compare as numbers).
    Equals(String),
    /// The whole value matches a `*`/`?` pattern (case-insensitive).
    Wildcard(Pattern),
    /// The field is present with a non-null value (`field:*`).
    Exists,
    /// The value holds these words in this order (`field:"..."`).
    Phrase(Vec<String>),
    /// The value matches a regular expression (`field:/.../`).
    Regex(Regex),
    /// The value is an IP address inside this network (`field:10.0.0.0/8`).
    Cidr(IpNet),
    /// The value compares to a number or a time.
    Compare(Cmp, Bound),
}

/// A comparison operator.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl Cmp {
    /// Whether `ordering` (value compared to the bound) satisfies the operator.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Cmp::Gt => ordering == Greater,
            Cmp::Ge => ordering != Less,
            Cmp::Lt => ordering == Less,
            Cmp::Le => ordering != Greater,
        }
    }
}

/// The right side of a comparison.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Bound {
    /// A number.
    Number(f64),
    /// A point in time.
    Time(Timestamp),
}

/// A `*`/`?` pattern, compiled once to an anchored case-insensitive regex.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The pattern as written.
    pub text: String,
    /// The compiled matcher.
    pub regex: Regex,
}

impl Pattern {
    /// Compiles `text`. As in Sigma, `\*`, `\?` and `\\` are escapes and every other
    /// backslash is a plain backslash, so Windows paths need no doubling.
    pub fn new(text: &str) -> Result<Self, regex::Error> {
        let mut re = String::from("(?is)^");
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                '\\' => match chars.peek().copied() {
                    Some(next @ ('*' | '?' | '\\')) => {
                        chars.next();
                        re.push_str(&regex::escape(&next.to_string()));
                    }
                    _ => re.push_str(&regex::escape("\\")),
                },
                other => re.push_str(&regex::escape(&other.to_string())),
            }
        }
        re.push('$');
        Ok(Self {
            text: text.to_owned(),
            regex: super::parse::bounded_regex(&re)?,
        })
    }

    /// Whether `value` matches the whole pattern.
    pub fn matches(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

/// One pipe stage.
#[derive(Clone, Debug)]
pub enum Stage {
    /// `where EXPR`: keep the rows for which the expression holds.
    Where(Expr),
    /// `stats AGG, ... [by FIELD, ...]`.
    Stats {
        /// The aggregates.
        aggs: Vec<Agg>,
        /// Group fields.
        by: Vec<String>,
    },
    /// `timechart [span=DURATION] AGG, ... [by FIELD]`.
    Timechart {
        /// Bucket width in seconds.
        span_seconds: i64,
        /// The aggregates.
        aggs: Vec<Agg>,
        /// At most one group field.
        by: Option<String>,
    },
    /// `sort [-]FIELD, ...` (`-` for descending).
    Sort(Vec<(String, bool)>),
    /// `head N`.
    Head(usize),
    /// `fields FIELD, ...`.
    Fields(Vec<String>),
}

/// One aggregate of `stats`/`timechart`.
#[derive(Clone, Debug)]
pub struct Agg {
    /// The function.
    pub func: AggFunc,
    /// Its field (`None` for `count()`).
    pub field: Option<String>,
    /// The output column name (`as NAME`, else the aggregate as written, e.g. `dc(Hostname)`).
    pub name: String,
}

/// Aggregate functions.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AggFunc {
    /// Rows (or rows where the field is present).
    Count,
    /// Distinct values.
    Dc,
    /// Smallest value (numbers before text).
    Min,
    /// Largest value.
    Max,
    /// Mean of numeric values.
    Avg,
    /// Sum of numeric values.
    Sum,
}

impl AggFunc {
    /// The function's name in the language.
    pub fn name(self) -> &'static str {
        match self {
            AggFunc::Count => "count",
            AggFunc::Dc => "dc",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
            AggFunc::Avg => "avg",
            AggFunc::Sum => "sum",
        }
    }
}
