//! Low-level text views shared by the news analyzers: paragraphs, word tokens and character classes.
//! Owns nothing but offsets into the caller's text; every function here is a single linear pass.

use std::ops::Range;

/// Hash maps and sets keyed by words: foldhash is several times faster than SipHash on short keys
/// and still seeded per process.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// A fixed word list with constant-time membership, hashed on first use. The rules test words
/// against lists of up to a hundred and fifty entries, many times per article; scanning the slice
/// cost more than the rest of those rules.
pub struct WordSet {
    list: &'static [&'static str],
    set: std::sync::OnceLock<FastSet<&'static str>>,
}

impl WordSet {
    pub const fn new(list: &'static [&'static str]) -> Self {
        WordSet { list, set: std::sync::OnceLock::new() }
    }

    pub fn contains(&self, word: &str) -> bool {
        self.set.get_or_init(|| self.list.iter().copied().collect()).contains(word)
    }
}

/// Double quotation marks of any style: straight, curly, low-9, guillemets, fullwidth.
pub fn is_double_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\u{201C}'
            | '\u{201D}'
            | '\u{201E}'
            | '\u{201F}'
            | '\u{00AB}'
            | '\u{00BB}'
            | '\u{301D}'
            | '\u{301E}'
            | '\u{FF02}'
    )
}

/// Any quotation mark, single ones included (used when skipping over punctuation).
pub fn is_any_quote(c: char) -> bool {
    is_double_quote(c) || matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2039}' | '\u{203A}')
}

/// Dashes used as separators in datelines and credits.
pub fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}')
}

/// Verbs that attribute speech ("said", "told", "added"), in the forms news prose uses.
pub fn is_speech_verb(word: &str) -> bool {
    #[rustfmt::skip]
    static VERBS: WordSet = WordSet::new(&[
        "said", "says", "say", "told", "tells", "added", "adds", "asked", "asks", "wrote", "writes",
        "tweeted", "posted", "stated", "states", "declared", "declares", "explained", "explains", "noted",
        "notes", "warned", "warns", "insisted", "insists", "argued", "argues", "claimed", "claims",
        "acknowledged", "admitted", "recalled", "recalls", "continued", "continues", "replied", "replies",
        "responded", "answered", "stressed", "stresses", "emphasized", "emphasised", "announced", "announces",
        "predicted", "suggested", "urged", "urges", "cautioned", "conceded", "complained", "joked", "quipped",
        "remarked", "observed", "concluded", "countered", "vowed", "vows", "promised", "pledged", "confirmed",
        "agreed", "lamented", "wondered", "exclaimed", "shouted", "whispered", "testified", "reiterated",
        "maintained", "contended", "asserted", "assured", "boasted", "cried", "sighed", "mused", "offered",
        "pointed", "went", "adding", "saying", "telling", "writing", "according", "called", "described",
        "tweets", "déclaré", "dit", "affirmé", "estimé", "expliqué", "ajouté", "souligné", "indiqué", "dijo",
        "afirmó", "declaró", "señaló", "aseguró", "explicó", "añadió", "indicó", "sagte", "erklärte",
        "betonte", "sagt", "detto", "dichiarato", "disse", "afirmou", "declarou",
    ]);
    VERBS.contains(word)
}

/// The non-empty lines of `text`, trimmed, as byte ranges. Paragraphs are separated by blank lines in
/// the record text; a single line break also ends a paragraph (extractors differ), which costs nothing.
pub fn paragraphs(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    // `match_indices` on a char searches bytes (memchr), far faster than walking chars.
    for (i, _) in text.match_indices('\n').chain(std::iter::once((text.len(), ""))) {
        if let Some(r) = trim_range(text, start..i) {
            out.push(r);
        }
        start = i + 1;
    }
    out
}

/// `range` without surrounding whitespace, or `None` when nothing is left.
pub fn trim_range(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let s = &text[range.clone()];
    let lead = s.len() - s.trim_start().len();
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return None;
    }
    Some(range.start + lead..range.start + lead + trimmed.len())
}

/// A word: letters and digits, with inner apostrophes, hyphens, dots and ampersands kept
/// ("O'Brien", "Port-au-Prince", "U.S", "AT&T"). A trailing dot is not part of the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '-' | '\u{2010}' | '.' | '&')
}

/// All word tokens of `text` in order.
pub fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    // Roughly one token per six bytes of prose; reserving avoids most regrowth.
    let mut out = Vec::with_capacity(text.len() / 6);
    let mut i = 0;
    while i < bytes.len() {
        // ASCII spaces and punctuation, most of what lies between words, are skipped undecoded.
        if bytes[i].is_ascii() && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let Some(c) = char_at(text, i) else { break };
        if !c.is_alphanumeric() {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        i += c.len_utf8();
        let mut end = i;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_alphanumeric() {
                i += 1;
                end = i;
                continue;
            }
            let Some(d) = char_at(text, i) else { break };
            if d.is_alphanumeric() {
                i += d.len_utf8();
                end = i;
            } else if is_joiner(d) && char_at(text, i + d.len_utf8()).is_some_and(char::is_alphanumeric) {
                // A joiner belongs to the word only when a letter or digit follows it.
                i += d.len_utf8();
            } else {
                break;
            }
        }
        out.push(Token { start, end });
    }
    out
}

/// Offsets of the bytes of `hay` equal to one of `a` or `b`, in order. Found with SIMD searches
/// (`memchr3`): the scanners over whole texts (sentence ends, quotation marks) look only at these
/// instead of testing every byte.
pub fn byte_hits(hay: &[u8], a: [u8; 3], b: [u8; 3]) -> Vec<usize> {
    let mut hits: Vec<usize> = memchr::memchr3_iter(a[0], a[1], a[2], hay).collect();
    let first = hits.len();
    hits.extend(memchr::memchr3_iter(b[0], b[1], b[2], hay));
    if first > 0 && hits.len() > first {
        hits.sort_unstable();
    }
    hits
}

/// The character starting at byte `i` of `s` (a char boundary), decoded without an iterator for
/// ASCII, which is nearly all news prose.
#[inline]
pub fn char_at(s: &str, i: usize) -> Option<char> {
    match s.as_bytes().get(i) {
        Some(&b) if b.is_ascii() => Some(b as char),
        Some(_) => s.get(i..).and_then(|t| t.chars().next()),
        None => None,
    }
}

/// True when the word starts with an uppercase letter.
pub fn is_capitalized(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// True when the word has at least one letter and no lowercase letter ("NATO", "U.S").
pub fn is_all_caps(word: &str) -> bool {
    word.chars().any(char::is_alphabetic) && !word.chars().any(char::is_lowercase)
}

/// The word without a trailing possessive ("Ukraine’s" → "Ukraine").
pub fn strip_possessive(word: &str) -> &str {
    // Most words do not end in "s": one byte settles it.
    if !matches!(word.as_bytes().last(), Some(b's' | b'S')) {
        return word;
    }
    for suffix in ["'s", "\u{2019}s", "'S", "\u{2019}S"] {
        if let Some(stem) = word.strip_suffix(suffix) {
            if !stem.is_empty() {
                return stem;
            }
        }
    }
    word
}

/// Calls `f` with `word` in lowercase (`str::to_lowercase`), lowered in a reused per-thread buffer
/// when it is ASCII rather than in a new `String` (a nested call falls back to a new one).
pub fn with_lower<R>(word: &str, f: impl FnOnce(&str) -> R) -> R {
    thread_local! {
        static LOWER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    if !word.is_ascii() {
        return f(&word.to_lowercase());
    }
    // Most words asked about are lowercase already: no copy.
    if !word.bytes().any(|b| b.is_ascii_uppercase()) {
        return f(word);
    }
    LOWER.with(|buf| match buf.try_borrow_mut() {
        Ok(mut b) => {
            b.clear();
            b.push_str(word);
            b.make_ascii_lowercase();
            f(b.as_str())
        }
        Err(_) => f(&word.to_ascii_lowercase()),
    })
}

/// Lookup key for a phrase: lowercase, dots removed, curly apostrophes straightened.
pub fn key(phrase: &str) -> String {
    let mut out = String::with_capacity(phrase.len());
    push_key(phrase, &mut out);
    out
}

/// Calls `f` with the lookup key of `phrase`, built in a reused per-thread buffer: gazetteer lookups
/// run tens of thousands of times per article and a `String` each was a large share of their cost.
/// A nested call (`f` itself looking up a key) falls back to a fresh buffer.
pub fn with_key<R>(phrase: &str, f: impl FnOnce(&str) -> R) -> R {
    if is_own_key(phrase) {
        return f(phrase);
    }
    thread_local! {
        static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUF.with(|buf| match buf.try_borrow_mut() {
        Ok(mut b) => {
            b.clear();
            push_key(phrase, &mut b);
            f(b.as_str())
        }
        Err(_) => f(&key(phrase)),
    })
}

/// FNV-1a over bytes: a few instructions a byte. Words and keys of an article are identified by it
/// (a 64-bit collision between two of its few thousand words is out of reach).
pub fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// True when `phrase` is its own lookup key: ASCII without capitals or dots, as most words of a
/// text are.
pub fn is_own_key(phrase: &str) -> bool {
    phrase.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase() && b != b'.')
}

/// Appends the lookup key of `phrase` to `out` (ASCII fast path: no per-char case tables).
pub fn push_key(phrase: &str, out: &mut String) {
    if phrase.is_ascii() {
        let start = out.len();
        if phrase.bytes().any(|b| b == b'.') {
            out.extend(phrase.split('.'));
        } else {
            out.push_str(phrase);
        }
        out[start..].make_ascii_lowercase();
    } else {
        out.extend(
            phrase
                .chars()
                .filter(|&c| c != '.')
                .map(|c| if c == '\u{2019}' { '\'' } else { c })
                .flat_map(char::to_lowercase),
        );
    }
}

/// Title case for an all-caps place name ("SANTA FE" → "Santa Fe").
pub fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_word_start = true;
    for c in s.chars() {
        if at_word_start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        at_word_start = !c.is_alphanumeric() && c != '\'' && c != '\u{2019}';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_inner_joiners_only() {
        let t = "The U.S. and Port-au-Prince, O’Brien’s AT&T - ok.";
        let words: Vec<&str> = tokenize(t).iter().map(|k| k.text(t)).collect();
        assert_eq!(words, ["The", "U.S", "and", "Port-au-Prince", "O’Brien’s", "AT&T", "ok"]);
    }

    #[test]
    fn paragraphs_split_on_line_breaks() {
        let t = "  One.\n\n Two \r\n\nThree";
        let p: Vec<&str> = paragraphs(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(p, ["One.", "Two", "Three"]);
    }

    #[test]
    fn keys_and_cases() {
        assert_eq!(key("U.S."), "us");
        for w in ["talks", "o'brien", "at&t", "2024"] {
            assert!(is_own_key(w) && key(w) == w, "{w}");
        }
        assert!(!is_own_key("Talks") && !is_own_key("u.s") && !is_own_key("côte"));
        assert_eq!(with_key("U.S.", |k| with_key("AT&T", |n| format!("{k} {n}"))), "us at&t");
        assert_eq!(key("Côte d’Ivoire"), "côte d'ivoire");
        assert_eq!(title_case("SANTA FE"), "Santa Fe");
        assert_eq!(title_case("PORT-AU-PRINCE"), "Port-Au-Prince");
        assert_eq!(strip_possessive("Ukraine’s"), "Ukraine");
        assert!(is_all_caps("U.S") && !is_all_caps("Us") && !is_all_caps("42"));
    }
}
