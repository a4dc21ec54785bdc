//! The index tokenizer: words of letters and digits, lowercased, words of
//! [`MAX_TOKEN_BYTES`] bytes or more left out.
//!
//! Written here rather than chained from tantivy's `SimpleTokenizer`, `RemoveLongFilter` and
//! `LowerCaser` because the chain cost about an eighth of the indexing thread's time on
//! Windows events (three boxed stages, a Unicode class test for every character): this is
//! one pass over the bytes that classes ASCII bytes eight at a time and decodes only
//! non-ASCII characters. It splits and lowercases exactly as [`crate::query::tokens`] does (whole
//! words through `str::to_lowercase`), so a query looks for the words the index holds.
//!
//! It gives each word once per text. The index records only which documents hold a word
//! under a path (`IndexRecordOption::Basic`: no frequencies, no positions), so a repeated
//! word added nothing but another lookup in tantivy's term table, and a third of the words
//! of a Windows event repeat within their value (`C:\Windows\…` paths, rendered messages).
//! If the index ever records frequencies or positions, this must go.

use std::hash::Hasher;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::schema::MAX_TOKEN_BYTES;

/// The tokenizer registered as [`super::schema::TOKENIZER`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Words {
    token: Token,
    seen: Seen,
}

impl Tokenizer for Words {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        self.seen.next_text();
        WordStream {
            text,
            at: 0,
            token: &mut self.token,
            seen: &mut self.seen,
        }
    }
}

/// The words of one text.
pub(crate) struct WordStream<'a> {
    text: &'a str,
    /// Byte offset where the search for the next word starts.
    at: usize,
    token: &'a mut Token,
    seen: &'a mut Seen,
}

/// Slots of the table of words given (a power of two).
const SLOTS: usize = 512;
/// Words remembered per text; later ones are given even if repeated (never wrongly left
/// out).
const MAX_REMEMBERED: usize = SLOTS / 2;
/// Flag in [`Slot::end`]: the word is ASCII.
const ASCII_FLAG: u32 = 1 << 31;

/// A word given for the current text: where it is in the text.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    /// The text the slot belongs to; a slot of an older text is empty.
    generation: u32,
    hash: u32,
    start: u32,
    /// End offset, with [`ASCII_FLAG`].
    end: u32,
}

/// The words given for the current text: an open-addressing table emptied for each text by
/// moving to a new generation, so nothing is cleared per text.
#[derive(Clone, Debug, Default)]
struct Seen {
    slots: Vec<Slot>,
    generation: u32,
    remembered: usize,
}

impl Seen {
    fn next_text(&mut self) {
        if self.slots.is_empty() {
            self.slots = vec![Slot::default(); SLOTS];
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.slots.fill(Slot::default());
            self.generation = 1;
        }
        self.remembered = 0;
    }

    /// Whether `word` (lowercased, at `start..end` of `text`) was given before for this
    /// text; if not, remembers it.
    fn repeated(&mut self, text: &str, word: &str, start: usize, end: usize, ascii: bool) -> bool {
        let (Ok(start32), Ok(end32)) = (u32::try_from(start), u32::try_from(end)) else {
            return false;
        };
        if end32 >= ASCII_FLAG {
            return false;
        }
        let hash = word_hash(word.as_bytes());
        let mut index = (hash as usize) & (SLOTS - 1);
        loop {
            let slot = self.slots[index];
            if slot.generation != self.generation {
                break;
            }
            if slot.hash == hash {
                let earlier = &text[slot.start as usize..(slot.end & !ASCII_FLAG) as usize];
                let same = if ascii && slot.end & ASCII_FLAG != 0 {
                    earlier.eq_ignore_ascii_case(word)
                } else {
                    earlier.to_lowercase() == word
                };
                if same {
                    return true;
                }
            }
            index = (index + 1) & (SLOTS - 1);
        }
        if self.remembered < MAX_REMEMBERED {
            self.slots[index] = Slot {
                generation: self.generation,
                hash,
                start: start32,
                end: end32 | if ascii { ASCII_FLAG } else { 0 },
            };
            self.remembered += 1;
        }
        false
    }
}

/// A fast hash of a word's bytes ([`vigie_detect::FastHasher`]). Words come from the
/// indexed data, but a collision costs only a comparison, never a word.
fn word_hash(bytes: &[u8]) -> u32 {
    let mut hasher = vigie_detect::FastHasher::default();
    hasher.write(bytes);
    (hasher.finish() >> 32) as u32
}

/// Eight bytes of `bytes` from `at`, as a little-endian word (byte `at` lowest); past the
/// end, zero bytes (separators).
fn chunk(bytes: &[u8], at: usize) -> u64 {
    match bytes.get(at..at + 8) {
        Some(eight) => u64::from_le_bytes(eight.try_into().unwrap_or([0; 8])),
        // Gathered byte by byte (a copy into a padded array was a `memcpy` call).
        None => bytes
            .get(at..)
            .unwrap_or_default()
            .iter()
            .rev()
            .fold(0, |word, &b| (word << 8) | u64::from(b)),
    }
}

const HIGH: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// Bytes `b` of `word` with `lo <= b <= hi`, as their high bits; every byte of `word` is
/// below 0x80, so no sum carries into the next byte.
const fn in_range(word: u64, lo: u8, hi: u8) -> u64 {
    let repeat = 0x0101_0101_0101_0101u64;
    let at_least = word + repeat * (0x80 - lo as u64);
    let above = word + repeat * (0x7f - hi as u64);
    at_least & !above & HIGH
}

/// The ASCII letters and digits of eight bytes, and their non-ASCII bytes, each as the
/// high bit of its byte.
fn classify(word: u64) -> (u64, u64) {
    let non_ascii = word & HIGH;
    let low = word & LOW7;
    let digits = in_range(low, b'0', b'9');
    // Setting bit 5 maps upper-case letters onto lower-case ones (and other bytes onto
    // bytes that are not letters).
    let letters = in_range(low | 0x2020_2020_2020_2020, b'a', b'z');
    ((digits | letters) & !non_ascii, non_ascii)
}

/// The first byte at or after `at` that is an ASCII letter or digit (`false`) or
/// non-ASCII (`true`), or `None` at the end of `bytes`.
fn next_candidate(bytes: &[u8], mut at: usize) -> Option<(usize, bool)> {
    while at < bytes.len() {
        let (word, non_ascii) = classify(chunk(bytes, at));
        let found = word | non_ascii;
        if found != 0 {
            let bit = found.trailing_zeros();
            return Some((at + (bit / 8) as usize, non_ascii >> bit & 1 == 1));
        }
        at += 8;
    }
    None
}

/// The first byte at or after `at` that is not an ASCII letter or digit, and whether it is
/// non-ASCII (`false` at the end of `bytes`).
fn next_non_word(bytes: &[u8], mut at: usize) -> (usize, bool) {
    loop {
        if at >= bytes.len() {
            return (bytes.len(), false);
        }
        let (word, non_ascii) = classify(chunk(bytes, at));
        let other = !word & HIGH;
        if other != 0 {
            let bit = other.trailing_zeros();
            let end = (at + (bit / 8) as usize).min(bytes.len());
            return (end, non_ascii >> bit & 1 == 1);
        }
        at += 8;
    }
}

/// Whether the non-ASCII character starting at byte `i` of `text` is a letter or digit,
/// and its length in bytes.
fn non_ascii_word_char(text: &str, i: usize) -> (bool, usize) {
    match text.get(i..).and_then(|rest| rest.chars().next()) {
        Some(c) => (c.is_alphanumeric(), c.len_utf8()),
        None => (false, 1),
    }
}

impl TokenStream for WordStream<'_> {
    /// Words are found eight bytes at a time (letters, digits and non-ASCII bytes marked by
    /// word arithmetic, the next one found by counting trailing zeros): a test per byte
    /// mispredicted a branch at every word boundary, and that was most of the tokenizer's
    /// time. Non-ASCII characters are decoded to decide.
    fn advance(&mut self) -> bool {
        let bytes = self.text.as_bytes();
        loop {
            // Skip to the start of a word.
            let mut start = self.at;
            loop {
                match next_candidate(bytes, start) {
                    None => {
                        self.at = bytes.len();
                        return false;
                    }
                    Some((at, false)) => {
                        start = at;
                        break;
                    }
                    Some((at, true)) => match non_ascii_word_char(self.text, at) {
                        (true, _) => {
                            start = at;
                            break;
                        }
                        (false, width) => start = at + width,
                    },
                }
            }
            let mut end = start;
            let mut ascii = true;
            loop {
                let (at, non_ascii) = next_non_word(bytes, end);
                end = at;
                if !non_ascii {
                    break;
                }
                match non_ascii_word_char(self.text, at) {
                    (true, width) => {
                        ascii = false;
                        end = at + width;
                    }
                    (false, _) => break,
                }
            }
            self.at = end;
            if end - start >= MAX_TOKEN_BYTES {
                continue;
            }
            let word = &self.text[start..end];
            self.token.text.clear();
            if ascii {
                // One pass, byte by byte: words are short, and a `memcpy` call then a
                // lowercasing pass cost more.
                self.token
                    .text
                    .extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
            } else {
                self.token.text.push_str(&word.to_lowercase());
            }
            if self
                .seen
                .repeated(self.text, &self.token.text, start, end, ascii)
            {
                continue;
            }
            self.token.offset_from = start;
            self.token.offset_to = end;
            self.token.position = self.token.position.wrapping_add(1);
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut tokenizer = Words::default();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        out
    }

    #[test]
    fn splits_lowercases_and_leaves_out_long_words() {
        let long = "x".repeat(MAX_TOKEN_BYTES);
        let almost = "y".repeat(MAX_TOKEN_BYTES - 1);
        let text = format!("C:\\Windows\\CMD.exe {long} ΟΔΥΣΣΕΥΣ {almost} é1");
        let got = words(&text);
        let texts: Vec<&str> = got.iter().map(|w| w.0.as_str()).collect();
        assert_eq!(
            texts,
            [
                "c",
                "windows",
                "cmd",
                "exe",
                "οδυσσευς",
                almost.as_str(),
                "é1"
            ]
        );
        // The query side keeps long words; plans leave them out (`plan`).
        let query: Vec<String> = crate::query::tokens(&text)
            .into_iter()
            .filter(|w| w.len() < MAX_TOKEN_BYTES)
            .collect();
        assert_eq!(texts, query);
        assert_eq!(
            words("é É e E")
                .into_iter()
                .map(|w| w.0)
                .collect::<Vec<_>>(),
            ["é", "e"]
        );
        // Offsets point at the original word, positions count the words kept.
        assert_eq!(&text[got[2].1..got[2].2], "CMD");
        let positions: Vec<usize> = got.iter().map(|w| w.3).collect();
        assert_eq!(positions, [0, 1, 2, 3, 4, 5, 6]);
        assert!(words("").is_empty());
        assert!(words(" ./\\-_ ").is_empty());
    }

    #[test]
    fn gives_each_word_once_per_text() {
        let texts: Vec<String> =
            words("C:\\Windows\\System32\\windows.exe c WINDOWS Straße STRASSE straße")
                .into_iter()
                .map(|w| w.0)
                .collect();
        assert_eq!(
            texts,
            ["c", "windows", "system32", "exe", "straße", "strasse"]
        );
        // A new text starts afresh.
        let mut tokenizer = Words::default();
        for _ in 0..3 {
            let mut stream = tokenizer.token_stream("a a b");
            let mut got = Vec::new();
            while stream.advance() {
                got.push(stream.token().text.clone());
            }
            assert_eq!(got, ["a", "b"]);
        }
        // Past what the table remembers, words are given again rather than lost.
        let many: Vec<String> = (0..MAX_REMEMBERED + 50).map(|i| format!("w{i}")).collect();
        let text = format!("{} {}", many.join(" "), many.join(" "));
        let got: Vec<String> = words(&text).into_iter().map(|w| w.0).collect();
        for word in &many {
            assert!(got.contains(word), "{word} lost");
        }
        assert!(got.len() < 2 * many.len());
    }

    /// The words of `text` a query looks for, each once, long ones left out.
    fn query_words(text: &str) -> Vec<String> {
        let mut query: Vec<String> = Vec::new();
        for word in crate::query::tokens(text) {
            if word.len() < MAX_TOKEN_BYTES && !query.contains(&word) {
                query.push(word);
            }
        }
        query
    }

    #[test]
    fn every_ascii_byte_is_classed_as_queries_class_it() {
        // Each byte alone, and between letters at every offset of an eight-byte chunk.
        for b in 0u8..128 {
            let c = char::from(b);
            for pad in 0..10 {
                let text = format!("{}{c}{}", "a".repeat(pad), "B".repeat(9 - pad));
                let indexed: Vec<String> = words(&text).into_iter().map(|w| w.0).collect();
                assert_eq!(indexed, query_words(&text), "byte {b:#x} at {pad}");
            }
        }
    }

    proptest::proptest! {
        /// The index holds exactly the words a query looks for, whatever the text.
        #[test]
        fn same_words_as_queries(text in "(\\PC|[a-zA-Z0-9 ._\\\\-]){0,80}") {
            let indexed: Vec<String> = words(&text).into_iter().map(|w| w.0).collect();
            proptest::prop_assert_eq!(indexed, query_words(&text));
        }

        /// The same on texts of any ASCII byte (controls and the bytes next to letters and
        /// digits included) with some non-ASCII letters and marks, across chunk edges.
        #[test]
        fn same_words_on_any_ascii(text in "[\\x00-\\x7féÉß\u{0301}\u{00a0}ΣΟ1]{0,120}") {
            let indexed: Vec<String> = words(&text).into_iter().map(|w| w.0).collect();
            proptest::prop_assert_eq!(indexed, query_words(&text));
        }
    }
}
