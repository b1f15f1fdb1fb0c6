//! Keywords: 5–10 key phrases scored with YAKE-style statistics (Campos et al., 2020), written for
//! newsd: per-word casing, position, frequency, context spread and sentence spread; phrases of one to
//! three words score by their words' product over their frequency (lower is better). Owns only the
//! scoring; stop words come from `gazetteer`. Work is capped so very long texts stay cheap.

use std::collections::HashMap;

use super::gazetteer;
use super::sentences::Sentence;
use super::text::{is_capitalized, key, tokenize};

/// Words looked at, at most: the opening of a long text carries its keywords.
const MAX_WORDS: usize = 4000;
const MAX_NGRAM: usize = 3;
const MAX_KEYWORDS: usize = 10;

/// Statistics of one word (lowercase key).
#[derive(Default)]
struct WordStats {
    tf: f64,
    /// Capitalized away from a sentence start, or an acronym.
    tf_case: f64,
    sentences: Vec<usize>,
    left: HashMap<String, ()>,
    right: HashMap<String, ()>,
}

/// A candidate phrase: its words' keys and the surface forms seen.
#[derive(Default)]
struct Candidate {
    words: Vec<String>,
    tf: f64,
    surfaces: HashMap<String, usize>,
    first: usize,
}

/// The key phrases of `text`, best first.
pub fn extract(text: &str, sentences: &[Sentence], body_start: usize) -> Vec<String> {
    let g = gazetteer::get();
    let mut stats: HashMap<String, WordStats> = HashMap::new();
    let mut cands: HashMap<String, Candidate> = HashMap::new();
    let mut seen = 0usize;
    let mut n_sent = 0usize;
    for (si, s) in sentences.iter().enumerate() {
        if seen >= MAX_WORDS {
            break;
        }
        if s.range.end <= body_start {
            continue;
        }
        n_sent = si + 1;
        let start = s.range.start.max(body_start);
        let sent = &text[start..s.range.end];
        // Chunks: runs of words not broken by punctuation.
        let toks = tokenize(sent);
        seen += toks.len();
        let mut chunk: Vec<(String, &str, bool)> = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            let surface = super::text::strip_possessive(t.text(sent));
            let gap_breaks = i > 0 && !sent[toks[i - 1].end..t.start].chars().all(char::is_whitespace);
            if gap_breaks {
                add_chunk(&chunk, si, seen, &mut stats, &mut cands);
                chunk.clear();
            }
            chunk.push((key(surface), surface, i == 0));
        }
        add_chunk(&chunk, si, seen, &mut stats, &mut cands);
    }
    if stats.is_empty() {
        return Vec::new();
    }
    let scores = word_scores(&stats, n_sent.max(1), g);
    let mut ranked: Vec<(f64, &Candidate)> = cands
        .values()
        .filter(|c| c.words.iter().all(|w| scores.contains_key(w)) || c.words.len() > 1)
        .filter_map(|c| {
            let ws: Vec<f64> = c.words.iter().filter_map(|w| scores.get(w).copied()).collect();
            if ws.is_empty()
                || !scores.contains_key(&c.words[0])
                || !scores.contains_key(&c.words[c.words.len() - 1])
            {
                return None;
            }
            let prod: f64 = ws.iter().product();
            let sum: f64 = ws.iter().sum();
            Some((prod / (c.tf * (1.0 + sum)), c))
        })
        .collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.first.cmp(&b.1.first)));
    let mut out: Vec<(Vec<String>, String)> = Vec::new();
    for (_, c) in ranked {
        if out.len() == MAX_KEYWORDS {
            break;
        }
        // Skip a phrase whose words are all inside a chosen one, or that contains a chosen one.
        let overlaps = out
            .iter()
            .any(|(ws, _)| c.words.iter().all(|w| ws.contains(w)) || ws.iter().all(|w| c.words.contains(w)));
        if overlaps {
            continue;
        }
        let surface = c
            .surfaces
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(s, _)| s.clone())
            .unwrap_or_default();
        out.push((c.words.clone(), surface));
    }
    out.into_iter().map(|(_, s)| s).collect()
}

/// Records one chunk's words and its 1–3-word candidate phrases.
fn add_chunk(
    chunk: &[(String, &str, bool)],
    si: usize,
    pos: usize,
    stats: &mut HashMap<String, WordStats>,
    cands: &mut HashMap<String, Candidate>,
) {
    for (i, (k, surface, initial)) in chunk.iter().enumerate() {
        let st = stats.entry(k.clone()).or_default();
        st.tf += 1.0;
        let acronym = surface.len() > 1 && surface.chars().all(|c| c.is_uppercase() || c == '.');
        if (is_capitalized(surface) && !initial) || acronym {
            st.tf_case += 1.0;
        }
        if st.sentences.last() != Some(&si) {
            st.sentences.push(si);
        }
        if i > 0 {
            st.left.insert(chunk[i - 1].0.clone(), ());
        }
        if let Some(next) = chunk.get(i + 1) {
            st.right.insert(next.0.clone(), ());
        }
    }
    candidates(chunk, pos, cands);
}

/// Candidate phrases of a chunk: each capitalized run as one name (titles before it dropped:
/// "US Secretary of State Marco Rubio" → "Marco Rubio"), and 1–3-word lowercase phrases that start
/// and end on content words ("of" may sit inside).
fn candidates(chunk: &[(String, &str, bool)], pos: usize, cands: &mut HashMap<String, Candidate>) {
    let g = gazetteer::get();
    let cap = |i: usize| is_capitalized(chunk[i].1) && !(chunk[i].2 && g.is_common_cap(chunk[i].1));
    let mut i = 0;
    while i < chunk.len() {
        if cap(i) {
            let mut end = i + 1;
            while end < chunk.len()
                && (cap(end) || (chunk[end].0 == "of" && end + 1 < chunk.len() && cap(end + 1)))
            {
                end += 1;
            }
            // Keep what follows the last title or demonym of the run.
            let mut start = i;
            for k in i..end {
                for len in 1..=3.min(end - k) {
                    let phrase = chunk[k..k + len].iter().map(|w| w.1).collect::<Vec<_>>().join(" ");
                    if g.is_title(&phrase) || g.demonym(&phrase).is_some() {
                        start = start.max(k + len);
                    }
                }
            }
            if start < end && end - start <= 4 && is_content(&chunk[start].0, g) {
                add_candidate(&chunk[start..end], pos, cands);
            }
            i = end;
            continue;
        }
        for n in 1..=MAX_NGRAM.min(chunk.len() - i) {
            let words = &chunk[i..i + n];
            if words.iter().enumerate().any(|(k, _)| cap(i + k)) {
                break;
            }
            let inner_ok = words.iter().enumerate().all(|(k, w)| {
                if k == 0 || k == n - 1 {
                    is_content(&w.0, g)
                } else {
                    is_content(&w.0, g) || w.0 == "of"
                }
            });
            if inner_ok {
                add_candidate(words, pos, cands);
            }
        }
        i += 1;
    }
}

fn add_candidate(words: &[(String, &str, bool)], pos: usize, cands: &mut HashMap<String, Candidate>) {
    let keys: Vec<String> = words.iter().map(|w| w.0.clone()).collect();
    let id = keys.join(" ");
    let surface = words
        .iter()
        .map(|w| if is_capitalized(w.1) { w.1.to_string() } else { w.1.to_lowercase() })
        .collect::<Vec<_>>()
        .join(" ");
    let c = cands.entry(id).or_insert_with(|| Candidate { words: keys, first: pos, ..Default::default() });
    c.tf += 1.0;
    *c.surfaces.entry(surface).or_default() += 1;
}

/// A word that may start or end a key phrase: not a stop word, not a number, not one letter.
fn is_content(k: &str, g: &gazetteer::Gazetteer) -> bool {
    k.chars().count() > 1
        && !g.is_stopword(k)
        && k.chars().any(char::is_alphabetic)
        && !k.chars().all(|c| c.is_ascii_digit() || c == ',')
}

/// YAKE word scores (lower is more important) for content words.
fn word_scores(
    stats: &HashMap<String, WordStats>,
    n_sent: usize,
    g: &gazetteer::Gazetteer,
) -> HashMap<String, f64> {
    let content: Vec<(&String, &WordStats)> = stats.iter().filter(|(k, _)| is_content(k, g)).collect();
    let tfs: Vec<f64> = content.iter().map(|(_, s)| s.tf).collect();
    if tfs.is_empty() {
        return HashMap::new();
    }
    let mean = tfs.iter().sum::<f64>() / tfs.len() as f64;
    let std = (tfs.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / tfs.len() as f64).sqrt();
    let max_tf = tfs.iter().cloned().fold(1.0, f64::max);
    content
        .into_iter()
        .map(|(k, s)| {
            let t_case = s.tf_case / (1.0 + s.tf.ln());
            let mut positions = s.sentences.clone();
            positions.sort_unstable();
            let median = positions[positions.len() / 2] as f64;
            let t_pos = (3.0 + median).ln().ln();
            let t_freq = s.tf / (mean + std);
            let dl = s.left.len() as f64 / s.tf;
            let dr = s.right.len() as f64 / s.tf;
            let t_rel = 1.0 + (dl + dr) * s.tf / max_tf;
            let t_diff = s.sentences.len() as f64 / n_sent as f64;
            let score = t_rel * t_pos / (t_case + t_freq / t_rel + t_diff / t_rel);
            (k.clone(), score)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::news::sentences::split;

    #[test]
    fn finds_the_topic() {
        let t = "The Alaska summit between Donald Trump and Vladimir Putin ended without a ceasefire deal. \
                 Trump said the ceasefire talks with Putin were productive. \
                 Putin said a ceasefire deal needs guarantees. \
                 Both leaders left Alaska on Friday after the summit.";
        let k = extract(t, &split(t), 0);
        assert!((5..=10).contains(&k.len()), "{k:?}");
        assert!(k.iter().any(|w| w.contains("ceasefire")), "{k:?}");
        assert!(k.iter().any(|w| w.contains("Putin")), "{k:?}");
        assert!(k.iter().all(|w| !w.is_empty() && !gazetteer::get().is_stopword(w)));
    }

    #[test]
    fn empty_text_has_no_keywords() {
        assert!(extract("", &[], 0).is_empty());
    }
}
