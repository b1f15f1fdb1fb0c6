//! Sentence splitting for news prose. Owns the rules for where a sentence ends: terminal punctuation
//! followed by a capital (or a quote, bracket or digit), not after abbreviations such as "Gen.", "Jan."
//! or initials, and after — not before — a closing quotation mark. Paragraphs are hard breaks.
//! One linear pass per paragraph; nothing is allocated per character.

use std::ops::Range;

use super::text::{byte_hits, char_at, is_any_quote, with_lower, WordSet};

/// One sentence as a byte range into the text, with the index of its paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub range: Range<usize>,
    pub para: usize,
}

/// Abbreviations after which a dot never ends a sentence (titles, months, "No.", "vs.").
#[rustfmt::skip]
static NEVER_FINAL: WordSet = WordSet::new(&[
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "adm", "cmdr", "sen", "rep",
    "gov", "pres", "rev", "hon", "st", "mt", "ft", "no", "nos", "vs", "v", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "dept", "fig", "ave", "blvd", "e.g", "i.e",
    "cf", "ca", "sr", "jr", "gov", "atty", "supt", "insp", "det", "brig", "cpl", "pvt", "messrs", "mme",
    "mlle", "sra", "sr", "dra",
]);

/// Abbreviations that may end a sentence: a dot after them is final only before a word that commonly
/// starts one ("... in the U.S. The ...").
#[rustfmt::skip]
static MAYBE_FINAL: WordSet = WordSet::new(&[
    "inc", "corp", "co", "ltd", "llc", "plc", "bros", "etc", "a.m", "p.m", "u.s", "u.k", "u.n", "d.c", "e.u",
    "u.s.a", "ph.d", "al",
]);

/// Words that commonly open a sentence; used only to decide after a "maybe final" abbreviation.
#[rustfmt::skip]
static OPENERS: WordSet = WordSet::new(&[
    "The", "A", "An", "He", "She", "It", "They", "We", "I", "But", "And", "In", "On", "At", "This", "That",
    "There", "His", "Her", "Their", "Its", "Our", "As", "If", "When", "While", "After", "Before", "However",
    "Meanwhile", "Still", "Yet", "So", "Some", "Many", "Most", "Officials", "According",
]);

/// Splits the whole text into sentences, paragraph by paragraph.
// `analyze` has the paragraphs at hand and calls `split_paragraphs`.
#[cfg(test)]
pub fn split(text: &str) -> Vec<Sentence> {
    split_paragraphs(text, &super::text::paragraphs(text))
}

/// Splits the text into sentences, given its paragraphs (`text::paragraphs`).
// Out of line: called once per article, and profiles then show its cost on its own.
#[inline(never)]
pub fn split_paragraphs(text: &str, paras: &[Range<usize>]) -> Vec<Sentence> {
    let mut out = Vec::new();
    // Terminal marks are '.', '?', '!' or start with one of three UTF-8 lead bytes (…, 。, ！, ？):
    // only those bytes are looked at, found in one search over the whole text rather than one per
    // paragraph. Lead and ASCII bytes are char boundaries.
    let hits = byte_hits(text.as_bytes(), [b'.', b'?', b'!'], [0xE2, 0xE3, 0xEF]);
    for (p, para) in paras.iter().enumerate() {
        let from = hits.partition_point(|&h| h < para.start);
        let to = hits.partition_point(|&h| h < para.end);
        split_paragraph(text, para.clone(), p, &hits[from..to.max(from)], &mut out);
    }
    out
}

/// Splits one paragraph; `hits` are the text offsets of its candidate terminal marks, in order.
fn split_paragraph(text: &str, para: Range<usize>, p: usize, hits: &[usize], out: &mut Vec<Sentence>) {
    let s = &text[para.clone()];
    let mut start = 0usize;
    let mut i = 0usize;
    for hit in hits.iter().map(|h| h - para.start) {
        if hit < i {
            // Inside a run already swallowed.
            continue;
        }
        i = hit;
        let Some(c) = char_at(s, i) else { break };
        if !matches!(c, '.' | '?' | '!' | '\u{2026}' | '\u{3002}' | '\u{FF01}' | '\u{FF1F}') {
            continue;
        }
        // Swallow the run of terminal marks, closing quotes and brackets after the first mark.
        let mut end = i + c.len_utf8();
        while let Some(d) = char_at(s, end) {
            if matches!(d, '.' | '?' | '!' | '\u{2026}' | ')' | ']') || is_any_quote(d) {
                end += d.len_utf8();
            } else {
                break;
            }
        }
        let boundary = is_boundary(s, i, c, end);
        i = end;
        if !boundary {
            continue;
        }
        push(text, para.start + start..para.start + end, p, out);
        start = end;
    }
    push(text, para.start + start..para.end, p, out);
}

fn push(text: &str, r: Range<usize>, para: usize, out: &mut Vec<Sentence>) {
    if let Some(range) = super::text::trim_range(text, r) {
        out.push(Sentence { range, para });
    }
}

/// Decides whether the terminal mark `c` at `i`, whose punctuation run ends at `end`, closes a sentence.
fn is_boundary(s: &str, i: usize, c: char, end: usize) -> bool {
    let rest = &s[end..];
    // CJK full stops end a sentence without a following space.
    if matches!(c, '\u{3002}' | '\u{FF01}' | '\u{FF1F}') {
        return true;
    }
    // A boundary needs white space after the punctuation run ("U.S.-backed", "1.2" are not).
    if !rest.starts_with(char::is_whitespace) {
        return false;
    }
    let next_word_start = rest.trim_start();
    let Some(next) = next_word_start.chars().next() else {
        return true;
    };
    let opens = next.is_uppercase()
        || next.is_numeric()
        || is_any_quote(next)
        || matches!(next, '(' | '[' | '\u{2014}' | '\u{2013}' | '¿' | '¡');
    if !opens {
        return false;
    }
    if c != '.' || end != i + 1 {
        // "?" / "!" / "..." or a dot followed by a closing quote: always final before a capital.
        return true;
    }
    // A plain dot: decide by the word it ends.
    let word = word_before(s, i);
    // The word lowered in a reused buffer, not a new `String` per full stop.
    let (never, maybe) =
        with_lower(word, |l| (NEVER_FINAL.contains(l), MAYBE_FINAL.contains(l) || l.contains('.')));
    let next_word: &str = next_word_start.split(|ch: char| !ch.is_alphanumeric()).next().unwrap_or("");
    if never {
        return false;
    }
    // A single capital letter is an initial ("Donald J. Trump"), unless it is the pronoun "I".
    let mut wc = word.chars();
    if let (Some(first), None) = (wc.next(), wc.next()) {
        if first.is_uppercase() && first != 'I' {
            return false;
        }
    }
    // "U.S." / "Inc." / "a.m." end a sentence only before a typical sentence opener.
    if maybe {
        return OPENERS.contains(next_word);
    }
    true
}

/// The word (letters, digits and inner dots) that ends right before byte `i`.
fn word_before(s: &str, i: usize) -> &str {
    let head = &s[..i];
    let start = head
        .char_indices()
        .rev()
        .find(|&(_, ch)| !(ch.is_alphanumeric() || ch == '.'))
        .map(|(j, ch)| j + ch.len_utf8())
        .unwrap_or(0);
    &head[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &str) -> Vec<&str> {
        split(t).into_iter().map(|s| &t[s.range]).collect()
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        let t = "Gen. Mark Milley met U.S. officials on Jan. 5 in Washington. He left. The talks, said Donald J. Trump, went well.";
        assert_eq!(
            texts(t),
            [
                "Gen. Mark Milley met U.S. officials on Jan. 5 in Washington.",
                "He left.",
                "The talks, said Donald J. Trump, went well."
            ]
        );
    }

    #[test]
    fn abbreviation_at_the_end_of_a_sentence() {
        let t = "He moved to the U.S. The move paid off.";
        assert_eq!(texts(t), ["He moved to the U.S.", "The move paid off."]);
    }

    #[test]
    fn quotes_stay_with_their_sentence() {
        let t = "“We will win,” he said. “It is over.” She disagreed. \"Really?\" he asked.";
        assert_eq!(
            texts(t),
            ["“We will win,” he said.", "“It is over.”", "She disagreed.", "\"Really?\" he asked."]
        );
    }

    #[test]
    fn paragraphs_are_hard_breaks_and_decimals_are_not_breaks() {
        let t = "Casualties reached 1.2 million\n\nA second paragraph";
        assert_eq!(texts(t), ["Casualties reached 1.2 million", "A second paragraph"]);
        assert_eq!(split(t)[1].para, 1);
    }
}
