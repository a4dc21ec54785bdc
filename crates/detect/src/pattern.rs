//! Sigma string values: wildcards, escaping, and their compiled matchers.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::Regex;

/// One piece of a Sigma string value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// Plain text.
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    Any,
    /// `?`: exactly one character.
    One,
    /// A Windows command-line flag character (`-`, `/`, en dash, em dash, horizontal bar),
    /// produced by the `windash` modifier.
    Dash,
}

/// The characters a [`Part::Dash`] stands for.
pub(crate) const WINDASH_CHARS: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// A Sigma string value after escape processing.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Pattern {
    parts: Vec<Part>,
}

impl Pattern {
    /// A pattern from a rule string: `*` and `?` are wildcards, `\` escapes `*`, `?` and `\`
    /// (a backslash before any other character is a plain backslash), as in the
    /// specification's "Escape Character" section.
    pub(crate) fn parse(text: &str) -> Self {
        let mut pattern = Pattern::default();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&next @ ('*' | '?' | '\\')) => {
                        chars.next();
                        pattern.push_char(next);
                    }
                    _ => pattern.push_char('\\'),
                },
                '*' => pattern.push(Part::Any),
                '?' => pattern.push(Part::One),
                other => pattern.push_char(other),
            }
        }
        pattern
    }

    /// A pattern matching exactly `text` (no wildcard interpretation).
    pub(crate) fn literal(text: &str) -> Self {
        let mut pattern = Pattern::default();
        if !text.is_empty() {
            pattern.parts.push(Part::Lit(text.to_owned()));
        }
        pattern
    }

    pub(crate) fn parts(&self) -> &[Part] {
        &self.parts
    }

    fn push_char(&mut self, c: char) {
        if let Some(Part::Lit(text)) = self.parts.last_mut() {
            text.push(c);
        } else {
            self.parts.push(Part::Lit(c.to_string()));
        }
    }

    fn push(&mut self, part: Part) {
        match part {
            Part::Lit(text) => {
                if let Some(Part::Lit(last)) = self.parts.last_mut() {
                    last.push_str(&text);
                } else if !text.is_empty() {
                    self.parts.push(Part::Lit(text));
                }
            }
            Part::Any if self.parts.last() == Some(&Part::Any) => {}
            other => self.parts.push(other),
        }
    }

    /// The plain text, when the value has no wildcard.
    pub(crate) fn plain(&self) -> Option<String> {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(lit) => text.push_str(lit),
                _ => return None,
            }
        }
        Some(text)
    }

    /// `contains`: wildcards on both ends.
    pub(crate) fn surround_any(&mut self) {
        self.prefix_any();
        self.suffix_any();
    }

    /// `endswith`: a wildcard in front.
    pub(crate) fn prefix_any(&mut self) {
        if self.parts.first() != Some(&Part::Any) {
            self.parts.insert(0, Part::Any);
        }
    }

    /// `startswith`: a wildcard at the end.
    pub(crate) fn suffix_any(&mut self) {
        if self.parts.last() != Some(&Part::Any) {
            self.parts.push(Part::Any);
        }
    }

    /// `windash`: every `-` or `/` that starts a flag (preceded by a non-word character or the
    /// start, followed by a word character, like pySigma's `\B[-/]\b`) matches any of
    /// [`WINDASH_CHARS`].
    pub(crate) fn windash(&mut self) {
        let old = std::mem::take(&mut self.parts);
        // Whether the character before the current position is a word character; a
        // wildcard counts as a non-word character, as in pySigma.
        let mut prev_word = false;
        for part in old {
            match part {
                Part::Lit(text) => {
                    let chars: Vec<char> = text.chars().collect();
                    let mut lit = String::new();
                    for (i, &c) in chars.iter().enumerate() {
                        let next_word = chars.get(i + 1).is_some_and(|n| is_word(*n));
                        if (c == '-' || c == '/') && !prev_word && next_word {
                            self.push(Part::Lit(std::mem::take(&mut lit)));
                            self.push(Part::Dash);
                        } else {
                            lit.push(c);
                        }
                        prev_word = is_word(c);
                    }
                    self.push(Part::Lit(lit));
                }
                other => {
                    prev_word = false;
                    self.push(other);
                }
            }
        }
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A compiled test of one string.
#[derive(Clone, Debug)]
pub(crate) enum StrMatcher {
    /// `*`: any string.
    Any,
    /// The whole string equals the literal. `number` is set when the literal is an integer,
    /// so numeric event values compare without formatting.
    Exact { lit: Lit, number: Option<i128> },
    /// Starts with the literal.
    Prefix(Lit),
    /// Ends with the literal.
    Suffix(Lit),
    /// Contains one of the literals (one automaton for a whole OR-list of `contains`).
    Contains(AnyOf),
    /// Anything else: wildcards in the middle, non-ASCII case-insensitive text, `re`.
    Regex(Regex),
}

/// A literal and how to compare it.
#[derive(Clone, Debug)]
pub(crate) struct Lit {
    text: String,
    cased: bool,
}

impl Lit {
    fn eq(&self, other: &str) -> bool {
        if self.cased {
            self.text == other
        } else {
            self.text.eq_ignore_ascii_case(other)
        }
    }
    fn prefix_of(&self, hay: &str) -> bool {
        let (h, p) = (hay.as_bytes(), self.text.as_bytes());
        h.len() >= p.len() && self.bytes_eq(&h[..p.len()])
    }
    fn suffix_of(&self, hay: &str) -> bool {
        let (h, p) = (hay.as_bytes(), self.text.as_bytes());
        h.len() >= p.len() && self.bytes_eq(&h[h.len() - p.len()..])
    }
    fn bytes_eq(&self, bytes: &[u8]) -> bool {
        if self.cased {
            bytes == self.text.as_bytes()
        } else {
            bytes.eq_ignore_ascii_case(self.text.as_bytes())
        }
    }
}

impl StrMatcher {
    /// Compiles a pattern; case-insensitive unless `cased`. ASCII literals compare without
    /// allocating; regex only when wildcards in the middle or non-ASCII folding need it.
    pub(crate) fn compile(pattern: &Pattern, cased: bool) -> Result<Self, String> {
        let parts = pattern.parts();
        let simple = cased
            || parts
                .iter()
                .all(|p| !matches!(p, Part::Lit(t) if !ascii_foldable(t)));
        if simple {
            let lit = |text: &String| Lit {
                text: text.clone(),
                cased,
            };
            match parts {
                [] => return Ok(StrMatcher::exact("", cased)),
                [Part::Any] => return Ok(StrMatcher::Any),
                [Part::Lit(text)] => return Ok(StrMatcher::exact(text, cased)),
                [Part::Lit(text), Part::Any] => return Ok(StrMatcher::Prefix(lit(text))),
                [Part::Any, Part::Lit(text)] => return Ok(StrMatcher::Suffix(lit(text))),
                [Part::Any, Part::Lit(text), Part::Any] => {
                    return Ok(StrMatcher::Contains(AnyOf::new(vec![text.clone()], cased)));
                }
                _ => {}
            }
        }
        Ok(StrMatcher::Regex(wildcard_regex(parts, cased)?))
    }

    fn exact(text: &str, cased: bool) -> Self {
        let number = text.parse::<i128>().ok().filter(|n| n.to_string() == text);
        StrMatcher::Exact {
            lit: Lit {
                text: text.to_owned(),
                cased,
            },
            number,
        }
    }

    /// Builds now what is otherwise built on first use.
    pub(crate) fn build_lazy(&self) {
        if let StrMatcher::Contains(any) = self {
            any.automaton();
        }
    }

    /// Tests one string.
    pub(crate) fn is_match(&self, hay: &str) -> bool {
        match self {
            StrMatcher::Any => true,
            StrMatcher::Exact { lit, .. } => lit.eq(hay),
            StrMatcher::Prefix(lit) => lit.prefix_of(hay),
            StrMatcher::Suffix(lit) => lit.suffix_of(hay),
            StrMatcher::Contains(ac) => ac.is_match(hay),
            StrMatcher::Regex(re) => re.is_match(hay),
        }
    }

    /// Tests a JSON number without formatting it when possible.
    pub(crate) fn is_match_number(&self, number: &serde_json::Number) -> bool {
        if let StrMatcher::Exact {
            number: Some(expected),
            ..
        } = self
        {
            if let Some(n) = number.as_i64() {
                return i128::from(n) == *expected;
            }
            if let Some(n) = number.as_u64() {
                return i128::from(n) == *expected;
            }
        }
        self.is_match(&number.to_string())
    }
}

/// Substring literals (ASCII case-insensitive unless `cased`), found by one automaton built
/// on first use: most rules are never evaluated (the index prefilters them out), so most
/// automata are never built and loading stays fast.
#[derive(Clone, Debug)]
pub(crate) struct AnyOf {
    literals: Vec<String>,
    cased: bool,
    /// `None` when the automaton cannot be built (too large): literals are tried one by one.
    automaton: OnceLock<Option<AhoCorasick>>,
}

impl AnyOf {
    pub(crate) fn new(literals: Vec<String>, cased: bool) -> Self {
        AnyOf {
            literals,
            cased,
            automaton: OnceLock::new(),
        }
    }

    /// The automaton, built now if it was not.
    fn automaton(&self) -> &Option<AhoCorasick> {
        self.automaton.get_or_init(|| {
            let literals: Vec<&str> = self.literals.iter().map(String::as_str).collect();
            contains_automaton(&literals, self.cased).ok()
        })
    }

    fn is_match(&self, hay: &str) -> bool {
        match self.automaton() {
            Some(automaton) => automaton.is_match(hay),
            None => self.literals.iter().any(|literal| {
                let (hay, literal) = (hay.as_bytes(), literal.as_bytes());
                literal.is_empty()
                    || hay.windows(literal.len()).any(|window| {
                        if self.cased {
                            window == literal
                        } else {
                            window.eq_ignore_ascii_case(literal)
                        }
                    })
            }),
        }
    }
}

/// Literal bytes above which an automaton is built as a contiguous NFA rather than letting
/// the crate pick a DFA for a small pattern count: a DFA's build time and memory grow with
/// its states × 256, and a few long literals (a rule with kilobytes of `contains` values,
/// found by the `rule_yaml` fuzz target) took 28 s to build, stalling detection at the
/// first event that needed it.
pub(crate) const DFA_MAX_LITERAL_BYTES: usize = 4096;

/// The automaton kind for literals of `bytes` bytes in all: the crate's choice up to
/// [`DFA_MAX_LITERAL_BYTES`], a contiguous NFA (linear to build) above.
pub(crate) fn automaton_kind(bytes: usize) -> Option<AhoCorasickKind> {
    (bytes > DFA_MAX_LITERAL_BYTES).then_some(AhoCorasickKind::ContiguousNFA)
}

/// One automaton finding any of `literals` (ASCII case-insensitively unless `cased`).
pub(crate) fn contains_automaton(literals: &[&str], cased: bool) -> Result<AhoCorasick, String> {
    AhoCorasick::builder()
        .ascii_case_insensitive(!cased)
        .kind(automaton_kind(literals.iter().map(|l| l.len()).sum()))
        .build(literals)
        .map_err(|e| format!("cannot build substring matcher: {e}"))
}

/// The literal of a single `*lit*` pattern that is ASCII (or cased), mergeable into one
/// automaton.
pub(crate) fn contains_literal(pattern: &Pattern, cased: bool) -> Option<&str> {
    match pattern.parts() {
        [Part::Any, Part::Lit(text), Part::Any] if cased || ascii_foldable(text) => Some(text),
        _ => None,
    }
}

/// Whether ASCII case folding is all the folding `text` needs: every non-ASCII character is
/// caseless (emoji, CJK, symbols), so byte comparisons and automata stay exact.
pub(crate) fn ascii_foldable(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_ascii()
            || (c.to_lowercase().eq(std::iter::once(c)) && c.to_uppercase().eq(std::iter::once(c)))
    })
}

fn wildcard_regex(parts: &[Part], cased: bool) -> Result<Regex, String> {
    let mut source = String::from("(?s)");
    if !cased {
        source.push_str("(?i)");
    }
    let (start, end) = (
        parts.first() == Some(&Part::Any),
        parts.last() == Some(&Part::Any),
    );
    if !start {
        source.push('^');
    }
    let inner = &parts[usize::from(start)..parts.len() - usize::from(end && parts.len() > 1)];
    for part in inner {
        match part {
            Part::Lit(text) => source.push_str(&regex::escape(text)),
            Part::Any => source.push_str(".*"),
            Part::One => source.push('.'),
            Part::Dash => {
                source.push('[');
                for c in WINDASH_CHARS {
                    source.push_str(&regex::escape(&c.to_string()));
                }
                source.push(']');
            }
        }
    }
    if !end {
        source.push('$');
    }
    Regex::new(&source).map_err(|e| format!("cannot compile wildcard pattern: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kilobytes of literals get a contiguous NFA (linear to build); a few short ones keep
    /// the crate's choice, a DFA.
    #[test]
    fn long_literals_build_an_nfa() {
        let long = "x".repeat(DFA_MAX_LITERAL_BYTES + 1);
        let automaton = contains_automaton(&[&long, "abc"], false).unwrap();
        assert_eq!(automaton.kind(), AhoCorasickKind::ContiguousNFA);
        let short = contains_automaton(&["abc", "def"], false).unwrap();
        assert_eq!(short.kind(), AhoCorasickKind::DFA);
        assert!(automaton.is_match(&format!("..{}..", long.to_uppercase())));
    }

    fn m(text: &str, hay: &str) -> bool {
        StrMatcher::compile(&Pattern::parse(text), false)
            .unwrap()
            .is_match(hay)
    }

    #[test]
    fn escaping_follows_the_spec() {
        assert_eq!(Pattern::parse(r"a\*b").plain().as_deref(), Some("a*b"));
        assert_eq!(Pattern::parse(r"a\?b").plain().as_deref(), Some("a?b"));
        assert_eq!(
            Pattern::parse(r"C:\Windows\").plain().as_deref(),
            Some(r"C:\Windows\")
        );
        assert_eq!(Pattern::parse(r"a\\b").plain().as_deref(), Some(r"a\b"));
        assert_eq!(Pattern::parse(r"a\\\\b").plain().as_deref(), Some(r"a\\b"));
        assert_eq!(Pattern::parse(r"a\\\b").plain().as_deref(), Some(r"a\\b"));
        assert_eq!(Pattern::parse(r"a\\\*").plain().as_deref(), Some(r"a\*"));
        assert_eq!(
            Pattern::parse(r"a\\*").parts(),
            &[Part::Lit(r"a\".into()), Part::Any]
        );
    }

    #[test]
    fn wildcards() {
        assert!(m("prog?.exe", "progA.exe"));
        assert!(!m("prog?.exe", "prog.exe"));
        assert!(m("antivirus_V*.exe", "ANTIVIRUS_v21.2.1.exe"));
        assert!(m("*", ""));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYYcd"));
        assert!(m(r"\*", "*"));
        assert!(!m(r"\*", "x"));
        assert!(m(r"C:\\*", r"C:\x"));
        assert!(m("*\\cmd.exe", r"C:\Windows\System32\CMD.EXE"));
        assert!(m("line*", "line1\nline2"));
    }

    #[test]
    fn case_insensitive_by_default_also_for_non_ascii() {
        assert!(m("ÉCOLE", "école"));
        assert!(m("*ÉCOLE*", "une école ici"));
        assert!(
            m("*\u{1F600}x*", "a \u{1F600}X b"),
            "caseless non-ASCII stays on the fast path"
        );
        assert!(matches!(
            StrMatcher::compile(&Pattern::parse("*\u{1F600}*"), false).unwrap(),
            StrMatcher::Contains(_)
        ));
        assert!(
            !StrMatcher::compile(&Pattern::parse("ABC"), true)
                .unwrap()
                .is_match("abc")
        );
    }

    #[test]
    fn windash_marks_flag_dashes_only() {
        let mut p = Pattern::parse(" -enc a-b /c");
        p.windash();
        let matcher = StrMatcher::compile(&p, false).unwrap();
        assert!(matcher.is_match(" /enc a-b -c"));
        assert!(matcher.is_match(" \u{2013}enc a-b \u{2015}c"));
        assert!(!matcher.is_match(" -enc a/b /c"));
    }

    /// Reference: a plain backtracking glob over lowercase chars.
    fn reference(parts: &[Part], hay: &[char]) -> bool {
        match parts.split_first() {
            None => hay.is_empty(),
            Some((Part::Lit(text), rest)) => {
                let lit: Vec<char> = text.to_ascii_lowercase().chars().collect();
                hay.len() >= lit.len()
                    && hay[..lit.len()]
                        .iter()
                        .map(char::to_ascii_lowercase)
                        .eq(lit.iter().copied())
                    && reference(rest, &hay[lit.len()..])
            }
            Some((Part::One, rest)) => !hay.is_empty() && reference(rest, &hay[1..]),
            Some((Part::Any, rest)) => (0..=hay.len()).any(|i| reference(rest, &hay[i..])),
            Some((Part::Dash, rest)) => {
                !hay.is_empty() && WINDASH_CHARS.contains(&hay[0]) && reference(rest, &hay[1..])
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn compiled_matchers_agree_with_a_reference_glob(
            pattern in "[abAB*?\\\\]{0,8}",
            hay in "[abAB\\\\]{0,10}",
        ) {
            let parsed = Pattern::parse(&pattern);
            let matcher = StrMatcher::compile(&parsed, false).unwrap();
            let chars: Vec<char> = hay.chars().collect();
            proptest::prop_assert_eq!(matcher.is_match(&hay), reference(parsed.parts(), &chars));
        }

        #[test]
        fn plain_text_is_its_own_exact_pattern(text in "[^*?\\\\]{0,20}") {
            let parsed = Pattern::parse(&text);
            proptest::prop_assert_eq!(parsed.plain(), Some(text.clone()));
            let matcher = StrMatcher::compile(&parsed, false).unwrap();
            proptest::prop_assert!(matcher.is_match(&text));
            proptest::prop_assert!(matcher.is_match(&text.to_uppercase()) || !text.is_ascii());
        }
    }
}
