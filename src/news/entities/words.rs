//! The words the entity rules look at: tokens with their possessive or compound suffix cut, whether
//! they are capitalized only because they open a sentence, and maximal capitalized runs.

use std::ops::Range;

use super::super::gazetteer;
use super::super::sentences::Sentence;
use super::super::text::{self, is_capitalized, is_double_quote, Token, WordSet};

/// Small words allowed inside a name when a capitalized word follows ("Bank of England", "Rio de Janeiro").
#[rustfmt::skip]
static CONNECTORS: WordSet = WordSet::new(&[
    "of", "the", "for", "and", "de", "da", "do", "dos", "das", "di", "du", "del", "della", "van", "von",
    "der", "den", "bin", "ibn", "al", "el", "la", "le", "y", "&", "on", "upon",
]);

/// Second halves of compounds built on a name ("US-backed", "Moscow-based").
#[rustfmt::skip]
static COMPOUND_TAILS: WordSet = WordSet::new(&[
    "backed", "based", "led", "born", "owned", "run", "made", "style", "era", "controlled", "friendly",
    "funded", "linked", "allied", "bound", "brokered", "sponsored", "aligned", "focused", "related", "inspired",
    "affiliated", "centric", "specific", "wide", "like", "type", "held", "occupied", "appointed", "leaning",
    "speaking", "registered", "listed", "headquartered", "centered", "centred", "dominated", "educated",
    "American", "born", "bred", "area", "level", "class", "themed", "branded", "designed", "built",
]);

/// A word of the text with what the entity rules need to know about it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Word<'t> {
    /// The word without a possessive or a lowercase hyphen suffix ("Ukraine’s" → "Ukraine").
    pub(super) text: &'t str,
    pub(super) start: usize,
    /// End of `text`; the token itself may run further (possessive, suffix).
    pub(super) end: usize,
    pub(super) token_end: usize,
    pub(super) cap: bool,
    /// First word of a sentence or of a quotation: capitalized for grammar, not for being a name.
    pub(super) initial: bool,
    /// A possessive or hyphen suffix was cut: the run ends here.
    pub(super) cut: bool,
    /// A dot follows the word ("Gen.", "J.").
    pub(super) dot: bool,
}

/// Builds the word list in one pass over tokens and sentences.
pub(super) fn words<'t>(
    text: &'t str,
    tokens: &[Token],
    sentences: &[Sentence],
    skip: usize,
) -> Vec<Word<'t>> {
    let mut out = Vec::with_capacity(tokens.len());
    // Tokens and sentences are both in text order: one merge-like walk finds each token's sentence.
    let mut sent = sentences.iter().peekable();
    let mut sentence_start = usize::MAX;
    let mut after_skip = true;
    for &t in tokens {
        if t.start < skip {
            continue;
        }
        while let Some(s) = sent.peek() {
            if s.range.start <= t.start {
                sentence_start = s.range.start;
                sent.next();
            } else {
                break;
            }
        }
        let initial_by_sentence =
            out.last().is_none_or(|w: &Word<'_>| w.start < sentence_start) && t.start >= sentence_start;
        // Capitalization says nothing about names for the first word of a sentence, of a quote, or
        // of the story after the dateline.
        let initial = initial_by_sentence || after_skip || after_opener(text, t.start);
        after_skip = false;
        out.push(word(text, t, initial));
    }
    out
}

/// True when the word follows an opening quote, a colon, a bracket or a dash.
fn after_opener(text: &str, start: usize) -> bool {
    // Spaces and no-break spaces (C2 A0) before the word are skipped byte-wise.
    let b = text.as_bytes();
    let mut j = start;
    loop {
        if j >= 1 && b[j - 1] == b' ' {
            j -= 1;
        } else if j >= 2 && b[j - 2..j] == [0xC2, 0xA0] {
            j -= 2;
        } else {
            break;
        }
    }
    text[..j].ends_with(|c: char| {
        is_double_quote(c) || matches!(c, ':' | '(' | '[' | '\u{2014}' | '\u{2013}' | '\u{2018}' | '\n')
    })
}

fn word(text: &str, t: Token, initial: bool) -> Word<'_> {
    let raw = t.text(text);
    let mut w = text::strip_possessive(raw);
    // "US-backed" → "US", "Kremlin-friendly" → "Kremlin"; "al-Assad", "Port-au-Prince" and
    // "Sang-mok" (a Korean given name) stay whole.
    // Most words have no hyphen: a byte loop settles that without a memchr call.
    let split = if w.bytes().any(|b| b == b'-') { w.split_once('-') } else { None };
    if let Some((head, tail)) = split {
        // The cheap tests first: the gazetteer lookup is needed only for a capitalized head.
        if is_capitalized(head)
            && tail.chars().all(|c| c.is_lowercase() || c == '-')
            && (COMPOUND_TAILS.contains(tail) || gazetteer::get().lookup(head).is_some())
        {
            w = head;
        }
    }
    let particle_name = ["al-", "el-", "bin-", "abu-"]
        .iter()
        .any(|p| w.starts_with(p) && w[p.len()..].starts_with(char::is_uppercase));
    Word {
        text: w,
        start: t.start,
        end: t.start + w.len(),
        token_end: t.end,
        cap: is_capitalized(w) || particle_name,
        initial,
        cut: w.len() != raw.len(),
        dot: text[t.end..].starts_with('.'),
    }
}

/// Index ranges of maximal capitalized runs (with inner connectors) that do not cross punctuation.
pub(super) fn runs(text: &str, words: &[Word<'_>]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !words[i].cap {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        while end < words.len() && !words[end - 1].cut {
            let next = &words[end];
            if !joined(text, &words[end - 1], next) || (next.initial && !next.cap) {
                break;
            }
            if next.cap && !next.initial {
                end += 1;
            } else if CONNECTORS.contains(next.text)
                && words.get(end + 1).is_some_and(|n| {
                    n.cap && !n.initial && joined(text, next, n) && !gazetteer::get().is_common_cap(n.text)
                })
            {
                end += 2;
            } else {
                break;
            }
        }
        out.push(start..end);
        i = end;
    }
    out
}

/// Two words belong to one name only with plain spaces between them, or a dot after an initial or a
/// title abbreviation ("Donald J. Trump", "Gen. Mark Milley").
fn joined(text: &str, a: &Word<'_>, b: &Word<'_>) -> bool {
    let gap = &text[a.token_end..b.start];
    if gap.chars().all(|c| c == ' ' || c == '\u{a0}') && !gap.is_empty() {
        return true;
    }
    gap.starts_with('.')
        && gap[1..].chars().all(|c| c == ' ')
        && gap.len() > 1
        && (a.text.chars().count() == 1 || gazetteer::get().is_title(a.text))
}
