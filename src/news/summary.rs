//! The summary: one to three whole sentences that stand for the article. Lead-based — the first real
//! sentence always opens it — then up to two more from the opening sentences, chosen by centrality
//! (how many of their content words recur elsewhere) and overlap with the headline. Owns only the
//! choice; sentence boundaries come from `sentences`, the dateline prefix is cut off.

use super::gazetteer;
use super::sentences::Sentence;
use std::ops::Range;

use super::text::{fnv1a, tokenize, trim_range, with_key, Token};

/// Sentences considered after the lead.
const CANDIDATES: usize = 10;
/// The summary stops growing past this many bytes.
const MAX_BYTES: usize = 420;

/// Builds the summary from `sentences` of `text` (whose word `tokens` are given); `body_start`
/// skips a dateline.
// Out of line: called once per article, and profiles then show its cost on its own.
#[inline(never)]
pub fn summarize(
    text: &str,
    tokens: &[Token],
    sentences: &[Sentence],
    body_start: usize,
    title: Option<&str>,
) -> String {
    // Candidate sentences: running prose only (no headings, captions, questions or one-word lines),
    // the dateline cut off the first one, and only the opening of the article.
    let usable: Vec<Range<usize>> = sentences
        .iter()
        .filter(|s| s.range.end > body_start)
        .filter_map(|s| trim_range(text, s.range.start.max(body_start)..s.range.end))
        .filter(|r| is_prose(&text[r.clone()]))
        .take(CANDIDATES + 1)
        .collect();
    let usable: Vec<(&str, &[Token])> =
        usable.into_iter().map(|r| (&text[r.clone()], words_in(tokens, r))).collect();
    let Some((&(lead, _), rest)) = usable.split_first() else {
        return String::new();
    };
    // Content-word frequencies over the considered sentences: a central sentence shares many.
    // Words are compared by the hash of their key: no string is kept per word. A bag is the sorted
    // hashes of a sentence's content words, each once.
    let bags: Vec<Vec<u64>> = usable
        .iter()
        .map(|&(s, words)| {
            if words.is_empty() && !s.is_empty() {
                // The text's own tokens run across this sentence's edge: tokenize it on its own.
                let own = tokenize(s);
                bag(own.iter().map(|t| t.text(s)))
            } else {
                bag(words.iter().map(|t| t.text(text)))
            }
        })
        .collect();
    let rest: Vec<&str> = rest.iter().map(|&(s, _)| s).collect();
    // How many bags hold each word: all bags' words sorted together, a word's count being the
    // length of its run.
    let mut all: Vec<u64> = bags.iter().flatten().copied().collect();
    all.sort_unstable();
    let df = |w: &u64| all.partition_point(|x| x <= w) - all.partition_point(|x| x < w);
    let title_words = title.map(|t| bag(tokenize(t).iter().map(|w| w.text(t)))).unwrap_or_default();
    // Score = centrality (shared content words, damped by length) plus headline overlap, discounted
    // gently by position so the opening stays favoured without excluding a later key sentence.
    let mut scored: Vec<(f64, usize)> = rest
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let bag = &bags[i + 1];
            // Whole numbers: the sum is exact in any order.
            let central: f64 = bag.iter().map(|w| (df(w) - 1) as f64).sum::<f64>() / (bag.len() as f64 + 5.0);
            let headline = shared(bag, &title_words) as f64;
            let position = 1.0 / (1.0 + 0.15 * i as f64);
            ((central + 0.5 * headline) * position, i)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    // Take the best one or two while the summary stays short; print them in article order.
    let mut chosen: Vec<usize> = Vec::new();
    let mut len = lead.len();
    for (_, i) in scored {
        if chosen.len() == 2 || len >= MAX_BYTES / 2 {
            break;
        }
        if len + rest[i].len() < MAX_BYTES {
            len += rest[i].len() + 1;
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    let mut out = lead.to_string();
    for i in chosen {
        out.push(' ');
        out.push_str(rest[i]);
    }
    out
}

/// The content words among `words` (keys longer than two bytes that are not stop words), as the
/// sorted hashes of their keys, each once. A key is hashed once (`text::fnv1a`), and that hash also
/// answers the stop-word test (stop words are lowercase, like keys; a 64-bit collision is not a
/// concern).
fn bag<'w>(words: impl Iterator<Item = &'w str>) -> Vec<u64> {
    let g = gazetteer::get();
    let mut out: Vec<u64> = Vec::with_capacity(words.size_hint().0);
    for w in words {
        if let Some(h) = with_key(w, |k| (k.len() > 2).then(|| fnv1a(k.bytes()))) {
            if !g.is_stopword_hash(h) {
                out.push(h);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// How many values two sorted, deduplicated lists share.
fn shared(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// The text's tokens inside `range`, when none of them runs across its edges: then they are
/// exactly the tokens of the range on its own. Empty otherwise (or when it has none).
fn words_in(tokens: &[Token], range: Range<usize>) -> &[Token] {
    let from = tokens.partition_point(|t| t.end <= range.start);
    let to = tokens.partition_point(|t| t.start < range.end);
    let inside = &tokens[from..to.max(from)];
    let straddles = |t: &Token| t.start < range.start || t.end > range.end;
    if inside.first().is_some_and(straddles) || inside.last().is_some_and(straddles) {
        return &[];
    }
    inside
}

/// A sentence of running prose: enough words, lowercase letters, a full stop; not a question.
fn is_prose(s: &str) -> bool {
    let end = s.trim_end_matches(|c: char| super::text::is_any_quote(c) || c == ')');
    // Scripts written without spaces (Chinese, Japanese) are measured in characters.
    // Those characters are all encoded from lead byte 0xE3 up: most sentences need no decoding.
    let ascii = s.is_ascii();
    let cjk = if !ascii && s.bytes().any(|b| b >= 0xE3) {
        s.chars().filter(|c| matches!(*c as u32, 0x3040..=0x30FF | 0x3400..=0x9FFF | 0xAC00..=0xD7AF)).count()
    } else {
        0
    };
    if cjk > 0 {
        return (12..=300).contains(&s.chars().count()) && end.ends_with(['\u{3002}', '\u{FF01}', '.', '!']);
    }
    // The cheap tests first; words are counted only up to one past the limit.
    end.ends_with(['.', '!', '\u{2026}'])
        && s.chars().any(char::is_lowercase)
        && (6..=80).contains(&word_count(s, ascii, 81))
}

/// The number of words of `s` as `split_whitespace` counts them, stopping at `limit`; byte by byte
/// when `s` is ASCII (`ascii`), without decoding characters.
fn word_count(s: &str, ascii: bool, limit: usize) -> usize {
    if !ascii {
        return s.split_whitespace().take(limit).count();
    }
    // The ASCII characters `char::is_whitespace` accepts.
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r');
    let mut count = 0;
    let mut in_word = false;
    for &b in s.as_bytes() {
        let word_byte = !space(b);
        if word_byte && !in_word {
            count += 1;
            if count == limit {
                break;
            }
        }
        in_word = word_byte;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::news::sentences::split;

    #[test]
    fn lead_first_whole_sentences() {
        let t = "ANCHORAGE: Leaders met in Alaska on Friday to discuss the war in Ukraine.\n\nRead more\n\nThe war in Ukraine has killed thousands of people since 2022.\n\nThe weather was cold in Anchorage that day, and nobody minded much at all.";
        let s = split(t);
        let out = summarize(t, &tokenize(t), &s, "ANCHORAGE: ".len(), Some("Leaders meet on Ukraine war"));
        assert!(out.starts_with("Leaders met in Alaska on Friday"), "{out}");
        assert!(out.contains("The war in Ukraine has killed"), "{out}");
        assert!(!out.contains("Read more"));
        assert!(out.ends_with('.'));
    }

    #[test]
    fn words_are_counted_as_split_whitespace_counts_them() {
        for t in ["", "  ", "one", " a  b\tc\x0Bd\x0Ce\r\nf ", "x\u{a0}y z", "a\x1Cb"] {
            assert_eq!(word_count(t, t.is_ascii(), 100), t.split_whitespace().count(), "{t:?}");
        }
        assert_eq!(word_count("a b c d", true, 3), 3);
    }

    #[test]
    fn bags_hold_content_words_in_any_case() {
        // Content words pass, stop words do not, in any case and with dots.
        let t = "The Senate AND the U.S. House voted on it";
        let words: Vec<&str> = tokenize(t).iter().map(|w| w.text(t)).collect();
        assert_eq!(bag(words.iter().copied()).len(), 3, "senate, house, voted");
        assert_eq!(shared(&bag(["Senate", "house"].into_iter()), &bag(["HOUSE", "vote"].into_iter())), 1);
    }

    #[test]
    fn nothing_to_summarize() {
        assert_eq!(summarize("", &[], &[], 0, None), "");
        let t = "Short. Tiny. Bits";
        assert_eq!(summarize(t, &tokenize(t), &split(t), 0, None), "");
    }
}
