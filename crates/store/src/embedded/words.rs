//! The index tokenizer: words of letters and digits, lowercased, words of
//! [`MAX_TOKEN_BYTES`] bytes or more left out.
//!
//! Written here rather than chained from tantivy's `SimpleTokenizer`, `RemoveLongFilter` and
//! `LowerCaser` because the chain cost about an eighth of the indexing thread's time on
//! Windows events (three boxed stages, a Unicode class test for every character): this is
//! one pass over the bytes that tests ASCII bytes directly and decodes only non-ASCII
//! characters. It splits and lowercases exactly as [`crate::query::tokens`] does (whole
//! words through `str::to_lowercase`), so a query looks for the words the index holds.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::schema::MAX_TOKEN_BYTES;

/// The tokenizer registered as [`super::schema::TOKENIZER`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Words {
    token: Token,
}

impl Tokenizer for Words {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            at: 0,
            token: &mut self.token,
        }
    }
}

/// The words of one text.
pub(crate) struct WordStream<'a> {
    text: &'a str,
    /// Byte offset where the search for the next word starts.
    at: usize,
    token: &'a mut Token,
}

/// Class of each byte: an ASCII letter or digit, another ASCII byte (a separator), or
/// part of a non-ASCII character (decoded to decide).
const WORD: u8 = 1;
const SEPARATOR: u8 = 0;
const NON_ASCII: u8 = 2;
static CLASS: [u8; 256] = {
    let mut class = [NON_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        class[b] = if (b as u8).is_ascii_alphanumeric() {
            WORD
        } else {
            SEPARATOR
        };
        b += 1;
    }
    class
};

/// Whether the non-ASCII character starting at byte `i` of `text` is a letter or digit,
/// and its length in bytes.
fn non_ascii_word_char(text: &str, i: usize) -> (bool, usize) {
    match text.get(i..).and_then(|rest| rest.chars().next()) {
        Some(c) => (c.is_alphanumeric(), c.len_utf8()),
        None => (false, 1),
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        loop {
            // Skip to the start of a word.
            let mut start = self.at;
            while let Some(&b) = bytes.get(start) {
                match CLASS[usize::from(b)] {
                    WORD => break,
                    SEPARATOR => start += 1,
                    _ => match non_ascii_word_char(self.text, start) {
                        (true, _) => break,
                        (false, width) => start += width,
                    },
                }
            }
            if start >= len {
                self.at = len;
                return false;
            }
            let mut end = start;
            let mut ascii = true;
            while let Some(&b) = bytes.get(end) {
                match CLASS[usize::from(b)] {
                    WORD => end += 1,
                    SEPARATOR => break,
                    _ => match non_ascii_word_char(self.text, end) {
                        (true, width) => {
                            ascii = false;
                            end += width;
                        }
                        (false, _) => break,
                    },
                }
            }
            self.at = end;
            if end - start >= MAX_TOKEN_BYTES {
                continue;
            }
            let word = &self.text[start..end];
            self.token.text.clear();
            if ascii {
                self.token.text.push_str(word);
                self.token.text.make_ascii_lowercase();
            } else {
                self.token.text.push_str(&word.to_lowercase());
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
        // Offsets point at the original word, positions count the words kept.
        assert_eq!(&text[got[2].1..got[2].2], "CMD");
        let positions: Vec<usize> = got.iter().map(|w| w.3).collect();
        assert_eq!(positions, [0, 1, 2, 3, 4, 5, 6]);
        assert!(words("").is_empty());
        assert!(words(" ./\\-_ ").is_empty());
    }

    proptest::proptest! {
        /// The index holds exactly the words a query looks for, whatever the text.
        #[test]
        fn same_words_as_queries(text in "(\\PC|[a-zA-Z0-9 ._\\\\-]){0,80}") {
            let indexed: Vec<String> = words(&text).into_iter().map(|w| w.0).collect();
            let query: Vec<String> = crate::query::tokens(&text)
                .into_iter()
                .filter(|w| w.len() < MAX_TOKEN_BYTES)
                .collect();
            proptest::prop_assert_eq!(indexed, query);
        }
    }
}
