//! The summary: one to three whole sentences that stand for the article. Lead-based — the first real
//! sentence always opens it — then up to two more from the opening sentences, chosen by centrality
//! (how many of their content words recur elsewhere) and overlap with the headline. Owns only the
//! choice; sentence boundaries come from `sentences`, the dateline prefix is cut off.

use super::gazetteer;
use super::sentences::Sentence;
use std::hash::BuildHasher;

use super::text::{tokenize, with_key, FastMap as HashMap, FastSet as HashSet};

/// Sentences considered after the lead.
const CANDIDATES: usize = 10;
/// The summary stops growing past this many bytes.
const MAX_BYTES: usize = 420;

/// Builds the summary from `sentences` of `text`; `body_start` skips a dateline.
pub fn summarize(text: &str, sentences: &[Sentence], body_start: usize, title: Option<&str>) -> String {
    let g = gazetteer::get();
    // Candidate sentences: running prose only (no headings, captions, questions or one-word lines),
    // the dateline cut off the first one, and only the opening of the article.
    let usable: Vec<&str> = sentences
        .iter()
        .filter(|s| s.range.end > body_start)
        .map(|s| text[s.range.start.max(body_start)..s.range.end].trim())
        .filter(|s| is_prose(s))
        .take(CANDIDATES + 1)
        .collect();
    let Some((lead, rest)) = usable.split_first() else {
        return String::new();
    };
    // Content-word frequencies over the considered sentences: a central sentence shares many.
    // Words are compared by the hash of their key: no string is kept per word.
    let hasher = foldhash::fast::RandomState::default();
    let content = |s: &str| -> HashSet<u64> {
        let tokens = tokenize(s);
        let mut bag = HashSet::with_capacity_and_hasher(tokens.len(), Default::default());
        for t in tokens {
            let word =
                with_key(t.text(s), |k| (k.len() > 2 && !g.is_stopword(k)).then(|| hasher.hash_one(k)));
            bag.extend(word);
        }
        bag
    };
    let bags: Vec<HashSet<u64>> = usable.iter().map(|s| content(s)).collect();
    let mut df: HashMap<u64, usize> = HashMap::default();
    for bag in &bags {
        for &w in bag {
            *df.entry(w).or_default() += 1;
        }
    }
    let title_words = title.map(content).unwrap_or_default();
    // Score = centrality (shared content words, damped by length) plus headline overlap, discounted
    // gently by position so the opening stays favoured without excluding a later key sentence.
    let mut scored: Vec<(f64, usize)> = rest
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let bag = &bags[i + 1];
            let central: f64 = bag.iter().map(|w| (df[w] - 1) as f64).sum::<f64>() / (bag.len() as f64 + 5.0);
            let headline = bag.intersection(&title_words).count() as f64;
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

/// A sentence of running prose: enough words, lowercase letters, a full stop; not a question.
fn is_prose(s: &str) -> bool {
    let end = s.trim_end_matches(|c: char| super::text::is_any_quote(c) || c == ')');
    // Scripts written without spaces (Chinese, Japanese) are measured in characters.
    // Those characters are all encoded from lead byte 0xE3 up: most sentences need no decoding.
    let cjk = if s.bytes().any(|b| b >= 0xE3) {
        s.chars().filter(|c| matches!(*c as u32, 0x3040..=0x30FF | 0x3400..=0x9FFF | 0xAC00..=0xD7AF)).count()
    } else {
        0
    };
    if cjk > 0 {
        return (12..=300).contains(&s.chars().count()) && end.ends_with(['\u{3002}', '\u{FF01}', '.', '!']);
    }
    let words = s.split_whitespace().count();
    (6..=80).contains(&words) && s.chars().any(char::is_lowercase) && end.ends_with(['.', '!', '\u{2026}'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::news::sentences::split;

    #[test]
    fn lead_first_whole_sentences() {
        let t = "ANCHORAGE: Leaders met in Alaska on Friday to discuss the war in Ukraine.\n\nRead more\n\nThe war in Ukraine has killed thousands of people since 2022.\n\nThe weather was cold in Anchorage that day, and nobody minded much at all.";
        let s = split(t);
        let out = summarize(t, &s, "ANCHORAGE: ".len(), Some("Leaders meet on Ukraine war"));
        assert!(out.starts_with("Leaders met in Alaska on Friday"), "{out}");
        assert!(out.contains("The war in Ukraine has killed"), "{out}");
        assert!(!out.contains("Read more"));
        assert!(out.ends_with('.'));
    }

    #[test]
    fn nothing_to_summarize() {
        assert_eq!(summarize("", &[], 0, None), "");
        let t = "Short. Tiny. Bits";
        assert_eq!(summarize(t, &split(t), 0, None), "");
    }
}
