//! The `condition:` expression: parsing and evaluation.
//!
//! Precedence, least to most binding: `or`, `and`, `not`, `x of`, parentheses.
//!
//! Rule files may come from anyone who can write a rule (a draft backtest over the API, a
//! content pack), so the parser is bounded: at most [`MAX_CONDITION_BYTES`] of text and
//! [`MAX_CONDITION_NESTING`] levels of `(` and `not`; deeper input is refused with an error
//! naming the limit instead of recursing until the stack runs out.

/// Longest condition text, in bytes (SigmaHQ's longest is under 1 KiB).
pub const MAX_CONDITION_BYTES: usize = 16 * 1024;
/// Deepest nesting of `(` and `not` in a condition.
pub const MAX_CONDITION_NESTING: usize = 64;

use crate::detection::{Ctx, Required, Search, better, union};

/// A compiled condition; leaves index the rule's search identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cond {
    Search(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    /// `N of pattern` / `any of` / `1 of them`: at least N of these searches.
    AtLeast(usize, Vec<usize>),
    /// `all of pattern` / `all of them`.
    All(Vec<usize>),
}

impl Cond {
    /// Literals of which one must be present for the condition to hold (`None` when the
    /// condition gives no such set, e.g. under `not`).
    pub(crate) fn required(&self, searches: &[Search]) -> Option<Required> {
        let any =
            |ids: &mut dyn Iterator<Item = Option<Required>>| ids.fold(Some(Vec::new()), union);
        match self {
            Cond::Search(i) => searches[*i].required(),
            Cond::Not(_) => None,
            Cond::And(items) => items
                .iter()
                .map(|c| c.required(searches))
                .fold(None, better),
            Cond::Or(items) => any(&mut items.iter().map(|c| c.required(searches))),
            Cond::AtLeast(_, ids) => any(&mut ids.iter().map(|i| searches[*i].required())),
            Cond::All(ids) => ids
                .iter()
                .map(|i| searches[*i].required())
                .fold(None, better),
        }
    }

    /// Disjunctions that must all hold for the condition to hold (empty: none known).
    pub(crate) fn clauses(&self, searches: &[Search]) -> Vec<Required> {
        match self {
            Cond::Search(i) => searches[*i].clauses(),
            Cond::And(items) => items.iter().flat_map(|c| c.clauses(searches)).collect(),
            Cond::All(ids) => ids.iter().flat_map(|i| searches[*i].clauses()).collect(),
            _ => self.required(searches).into_iter().collect(),
        }
    }

    pub(crate) fn eval(&self, searches: &[Search], event: Ctx<'_>) -> bool {
        match self {
            Cond::Search(i) => searches[*i].matches(event),
            Cond::Not(inner) => !inner.eval(searches, event),
            Cond::And(items) => items.iter().all(|c| c.eval(searches, event)),
            Cond::Or(items) => items.iter().any(|c| c.eval(searches, event)),
            Cond::AtLeast(n, ids) => {
                let mut hits = 0;
                for i in ids {
                    if searches[*i].matches(event) {
                        hits += 1;
                        if hits >= *n {
                            return true;
                        }
                    }
                }
                false
            }
            Cond::All(ids) => ids.iter().all(|i| searches[*i].matches(event)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Not,
    Of,
    Them,
    All,
    Any,
    Number(usize),
    Ident(String),
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Tok::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Tok::Close);
            }
            '|' => {
                return Err(format!(
                    "aggregation `{}` (Sigma 1.0 `| count() ...`) is not supported; \
                     correlation rules replace it",
                    text[start..].trim()
                ));
            }
            _ => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '|' {
                        break;
                    }
                    end = i + c.len_utf8();
                    chars.next();
                }
                let word = &text[start..end];
                tokens.push(match word.to_ascii_lowercase().as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "of" => Tok::Of,
                    "them" => Tok::Them,
                    "all" => Tok::All,
                    "any" => Tok::Any,
                    "near" => {
                        return Err("`near` (Sigma 1.0 temporal condition) is not supported".into());
                    }
                    _ if word.bytes().all(|b| b.is_ascii_digit()) => Tok::Number(
                        word.parse()
                            .map_err(|_| format!("number {word} is too large"))?,
                    ),
                    _ => Tok::Ident(word.to_owned()),
                });
            }
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: Vec<Tok>,
    pos: usize,
    names: &'a [String],
    /// Current nesting of `(` and `not`.
    depth: usize,
}

/// Parses `text` against the search identifier `names` (in detection order).
pub(crate) fn parse(text: &str, names: &[String]) -> Result<Cond, String> {
    if text.len() > MAX_CONDITION_BYTES {
        return Err(format!(
            "condition of {} bytes is over the limit of {MAX_CONDITION_BYTES} bytes",
            text.len()
        ));
    }
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err("empty condition".into());
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        names,
        depth: 0,
    };
    let cond = parser.or()?;
    match parser.tokens.get(parser.pos) {
        None => Ok(cond),
        Some(tok) => Err(format!(
            "unexpected {} in condition {text:?}",
            describe(tok)
        )),
    }
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Open => "`(`".into(),
        Tok::Close => "`)`".into(),
        Tok::And => "`and`".into(),
        Tok::Or => "`or`".into(),
        Tok::Not => "`not`".into(),
        Tok::Of => "`of`".into(),
        Tok::Them => "`them`".into(),
        Tok::All => "`all`".into(),
        Tok::Any => "`any`".into(),
        Tok::Number(n) => format!("`{n}`"),
        Tok::Ident(name) => format!("`{name}`"),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let tok = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        tok
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Cond::Or(items)
        })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.not()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Cond::And(items)
        })
    }

    /// Enters one level of `(` or `not`, refusing past [`MAX_CONDITION_NESTING`].
    fn enter(&mut self) -> Result<(), String> {
        if self.depth == MAX_CONDITION_NESTING {
            return Err(format!(
                "condition nests `(` and `not` deeper than the limit of {MAX_CONDITION_NESTING} levels"
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn not(&mut self) -> Result<Cond, String> {
        if self.peek() == Some(&Tok::Not) {
            self.enter()?;
            self.pos += 1;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Cond, String> {
        match self.next() {
            Some(Tok::Open) => {
                self.enter()?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.next() {
                    Some(Tok::Close) => Ok(inner),
                    _ => Err("missing `)` in condition".into()),
                }
            }
            Some(Tok::Ident(name)) => match self.names.iter().position(|n| *n == name) {
                Some(i) => Ok(Cond::Search(i)),
                None => Err(format!(
                    "condition names unknown search identifier `{name}`"
                )),
            },
            Some(quantifier @ (Tok::Number(_) | Tok::All | Tok::Any)) => {
                if self.next() != Some(Tok::Of) {
                    return Err(format!("expected `of` after {}", describe(&quantifier)));
                }
                let ids = match self.next() {
                    Some(Tok::Them) => (0..self.names.len())
                        .filter(|&i| !self.names[i].starts_with('_'))
                        .collect::<Vec<_>>(),
                    Some(Tok::Ident(pattern)) => {
                        let ids: Vec<usize> = (0..self.names.len())
                            .filter(|&i| glob(&pattern, &self.names[i]))
                            .collect();
                        if ids.is_empty() {
                            return Err(format!(
                                "pattern `{pattern}` matches no search identifier"
                            ));
                        }
                        ids
                    }
                    other => {
                        return Err(format!(
                            "expected a search identifier pattern or `them`, found {}",
                            other.as_ref().map_or("the end".into(), describe)
                        ));
                    }
                };
                if ids.is_empty() {
                    return Err("`of them` but the rule has no search identifier".into());
                }
                match quantifier {
                    Tok::All => Ok(Cond::All(ids)),
                    Tok::Number(0) => Err("`0 of` is not a valid quantifier".into()),
                    Tok::Number(n) => Ok(Cond::AtLeast(n, ids)),
                    _ => Ok(Cond::AtLeast(1, ids)),
                }
            }
            Some(tok) => Err(format!("unexpected {} in condition", describe(&tok))),
            None => Err("condition ends unexpectedly".into()),
        }
    }
}

/// `*` matches any run of characters (the only wildcard in identifier patterns).
fn glob(pattern: &str, name: &str) -> bool {
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    let Some((last, middle)) = pieces.split_last() else {
        return rest.is_empty();
    };
    for piece in middle {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn deep_nesting_and_long_conditions_are_refused_with_the_limit() {
        let n = names(&["a"]);
        // Deeper than the limit: refused, on a small stack, without recursing per level.
        let deep = [
            "(".repeat(5_000) + "a" + &")".repeat(5_000),
            "not ".repeat(4_000) + "a",
        ];
        for text in deep {
            let n = n.clone();
            let error = std::thread::Builder::new()
                .stack_size(512 * 1024)
                .spawn(move || parse(&text, &n).unwrap_err())
                .unwrap()
                .join()
                .unwrap();
            assert!(error.contains("limit of 64 levels"), "{error}");
        }
        let at_limit = "(".repeat(MAX_CONDITION_NESTING) + "a" + &")".repeat(MAX_CONDITION_NESTING);
        assert_eq!(parse(&at_limit, &n).unwrap(), Cond::Search(0));
        let long = vec!["a"; MAX_CONDITION_BYTES / 5].join(" and ");
        let error = parse(&long, &n).unwrap_err();
        assert!(error.contains("over the limit of 16384 bytes"), "{error}");
    }

    #[test]
    fn precedence_or_and_not() {
        let n = names(&["a", "b", "c"]);
        assert_eq!(
            parse("a or b and not c", &n).unwrap(),
            Cond::Or(vec![
                Cond::Search(0),
                Cond::And(vec![Cond::Search(1), Cond::Not(Box::new(Cond::Search(2)))])
            ])
        );
        assert_eq!(
            parse("(a or b) and not c", &n).unwrap(),
            Cond::And(vec![
                Cond::Or(vec![Cond::Search(0), Cond::Search(1)]),
                Cond::Not(Box::new(Cond::Search(2)))
            ])
        );
        assert_eq!(
            parse("not a and b", &n).unwrap(),
            Cond::And(vec![Cond::Not(Box::new(Cond::Search(0))), Cond::Search(1)])
        );
    }

    #[test]
    fn quantifiers() {
        let n = names(&["sel1", "sel2", "filter", "_hidden"]);
        assert_eq!(
            parse("1 of sel*", &n).unwrap(),
            Cond::AtLeast(1, vec![0, 1])
        );
        assert_eq!(
            parse("any of sel*", &n).unwrap(),
            Cond::AtLeast(1, vec![0, 1])
        );
        assert_eq!(parse("all of them", &n).unwrap(), Cond::All(vec![0, 1, 2]));
        assert_eq!(
            parse("1 of them", &n).unwrap(),
            Cond::AtLeast(1, vec![0, 1, 2])
        );
        assert_eq!(parse("all of *el*", &n).unwrap(), Cond::All(vec![0, 1]));
        assert_eq!(
            parse("not 1 of filter*", &n).unwrap(),
            Cond::Not(Box::new(Cond::AtLeast(1, vec![2])))
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let n = names(&["sel"]);
        assert!(
            parse("sel and missing", &n)
                .unwrap_err()
                .contains("`missing`")
        );
        assert!(parse("1 of filter*", &n).unwrap_err().contains("filter*"));
        assert!(
            parse("sel | count() > 5", &n)
                .unwrap_err()
                .contains("aggregation")
        );
        assert!(parse("(sel", &n).is_err());
        assert!(parse("sel sel", &n).is_err());
        assert!(parse("", &n).is_err());
    }

    #[test]
    fn globbing() {
        assert!(glob("sel*", "selection"));
        assert!(glob("*", "x"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "aXbYcd"));
        assert!(!glob("sel", "selection"));
        assert!(glob("*_main_*", "filter_main_x"));
    }
}
