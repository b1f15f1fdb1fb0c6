//! Keywords: 5–10 key phrases scored with YAKE-style statistics (Campos et al., 2020), written for
//! newsd: per-word casing, position, frequency, context spread and sentence spread; phrases of one to
//! three words score by their words' product over their frequency (lower is better). Proper names
//! are taken whole ("Donald Trump", not "President Donald"). Owns only the scoring; stop words and
//! titles come from `gazetteer`. Words are interned once, and work is capped for very long texts.

use super::gazetteer::{self, Gazetteer};
use super::sentences::Sentence;
use super::text::{is_capitalized, push_key, strip_possessive, tokenize, FastMap};

/// Words looked at, at most: the opening of a long text carries its keywords.
const MAX_WORDS: usize = 4000;
const MAX_NGRAM: usize = 3;
const MAX_KEYWORDS: usize = 10;

/// Statistics of one distinct word (by lowercase key).
struct WordStats {
    key: String,
    /// May start or end a phrase: not a stop word, not a number, not one letter.
    content: bool,
    tf: f64,
    /// Capitalized away from a sentence start, or an acronym.
    tf_case: f64,
    sentences: Vec<u32>,
    left: Vec<u32>,
    right: Vec<u32>,
}

/// A candidate phrase: its words and how it was first written.
struct Candidate {
    words: Vec<u32>,
    tf: f64,
    first: usize,
    surface: String,
}

/// One word of a chunk: its id, how it is written, whether it opens its sentence.
#[derive(Clone, Copy)]
struct Tok<'t> {
    id: u32,
    surface: &'t str,
    initial: bool,
}

/// Everything counted over the text.
struct Counts {
    words: Vec<WordStats>,
    ids: FastMap<String, u32>,
    cands: FastMap<[u32; MAX_NGRAM], Candidate>,
    /// Reused buffer for lowercase keys.
    buf: String,
}

/// The key phrases of `text`, best first.
pub fn extract(text: &str, sentences: &[Sentence], body_start: usize) -> Vec<String> {
    let g = gazetteer::get();
    let mut c =
        Counts { words: Vec::new(), ids: FastMap::default(), cands: FastMap::default(), buf: String::new() };
    let mut seen = 0usize;
    let mut n_sent = 0usize;
    let mut chunk: Vec<Tok<'_>> = Vec::new();
    for (si, s) in sentences.iter().enumerate() {
        if seen >= MAX_WORDS {
            break;
        }
        if s.range.end <= body_start {
            continue;
        }
        n_sent = si + 1;
        let sent = &text[s.range.start.max(body_start)..s.range.end];
        // Chunks: runs of words not broken by punctuation.
        let toks = tokenize(sent);
        seen += toks.len();
        chunk.clear();
        for (i, t) in toks.iter().enumerate() {
            if i > 0 && !sent[toks[i - 1].end..t.start].chars().all(char::is_whitespace) {
                c.add_chunk(&chunk, si as u32, seen, g);
                chunk.clear();
            }
            let surface = strip_possessive(t.text(sent));
            chunk.push(Tok { id: c.intern(surface, g), surface, initial: i == 0 });
        }
        c.add_chunk(&chunk, si as u32, seen, g);
    }
    c.best(n_sent.max(1))
}

impl Counts {
    /// The id of a word, by its lowercase key without dots.
    fn intern(&mut self, surface: &str, g: &Gazetteer) -> u32 {
        self.buf.clear();
        push_key(surface, &mut self.buf);
        if let Some(&id) = self.ids.get(self.buf.as_str()) {
            return id;
        }
        let k = self.buf.clone();
        let content = k.chars().count() > 1
            && !g.is_stopword(&k)
            && k.chars().any(char::is_alphabetic)
            && !k.chars().all(|ch| ch.is_ascii_digit() || ch == ',');
        let id = self.words.len() as u32;
        self.words.push(WordStats {
            key: k.clone(),
            content,
            tf: 0.0,
            tf_case: 0.0,
            sentences: Vec::new(),
            left: Vec::new(),
            right: Vec::new(),
        });
        self.ids.insert(k, id);
        id
    }

    /// Records one chunk's words and its candidate phrases.
    fn add_chunk(&mut self, chunk: &[Tok<'_>], si: u32, pos: usize, g: &Gazetteer) {
        for (i, t) in chunk.iter().enumerate() {
            let st = &mut self.words[t.id as usize];
            st.tf += 1.0;
            let acronym = t.surface.len() > 1 && t.surface.chars().all(|ch| ch.is_uppercase() || ch == '.');
            if (is_capitalized(t.surface) && !t.initial) || acronym {
                st.tf_case += 1.0;
            }
            if st.sentences.last() != Some(&si) {
                st.sentences.push(si);
            }
            if i > 0 {
                st.left.push(chunk[i - 1].id);
            }
            if let Some(next) = chunk.get(i + 1) {
                st.right.push(next.id);
            }
        }
        self.candidates(chunk, pos, g);
    }

    /// Candidate phrases of a chunk: each capitalized run as one name (titles and demonyms before it
    /// dropped: "US Secretary of State Marco Rubio" → "Marco Rubio"), and 1–3-word lowercase phrases
    /// that start and end on content words ("of" may sit inside).
    fn candidates(&mut self, chunk: &[Tok<'_>], pos: usize, g: &Gazetteer) {
        let cap = |t: &Tok<'_>| is_capitalized(t.surface) && !(t.initial && g.is_common_cap(t.surface));
        let mut i = 0;
        while i < chunk.len() {
            if cap(&chunk[i]) {
                let mut end = i + 1;
                while end < chunk.len()
                    && (cap(&chunk[end])
                        || (self.words[chunk[end].id as usize].key == "of"
                            && chunk.get(end + 1).is_some_and(&cap)))
                {
                    end += 1;
                }
                let start = self.name_start(&chunk[i..end], g) + i;
                if start < end && end - start <= MAX_NGRAM && self.words[chunk[start].id as usize].content {
                    self.add(&chunk[start..end], pos, true);
                }
                i = end;
                continue;
            }
            for n in 1..=MAX_NGRAM.min(chunk.len() - i) {
                let words = &chunk[i..i + n];
                if words.iter().any(&cap) {
                    break;
                }
                let ok = words.iter().enumerate().all(|(k, t)| {
                    let w = &self.words[t.id as usize];
                    w.content || (k > 0 && k < n - 1 && w.key == "of")
                });
                if ok {
                    self.add(words, pos, false);
                }
            }
            i += 1;
        }
    }

    /// Where the name in a capitalized run starts: after its last title or demonym.
    fn name_start(&self, run: &[Tok<'_>], g: &Gazetteer) -> usize {
        let mut start = 0;
        for k in 0..run.len() {
            let longest = g.longest_from(&self.words[run[k].id as usize].key).min(run.len() - k);
            for len in 1..=longest {
                let phrase = run[k..k + len].iter().map(|t| t.surface).collect::<Vec<_>>().join(" ");
                if g.is_title(&phrase) || g.demonym(&phrase).is_some() {
                    start = start.max(k + len);
                }
            }
        }
        start
    }

    fn add(&mut self, words: &[Tok<'_>], pos: usize, proper: bool) {
        let mut k = [u32::MAX; MAX_NGRAM];
        for (slot, t) in k.iter_mut().zip(words) {
            *slot = t.id;
        }
        let c = self.cands.entry(k).or_insert_with(|| {
            let parts: Vec<String> = words
                .iter()
                .map(|t| if proper { t.surface.to_string() } else { t.surface.to_lowercase() })
                .collect();
            Candidate {
                words: words.iter().map(|t| t.id).collect(),
                tf: 0.0,
                first: pos,
                surface: parts.join(" "),
            }
        });
        c.tf += 1.0;
    }

    /// Scores every candidate and keeps the best, skipping phrases that repeat a chosen one's words.
    fn best(mut self, n_sent: usize) -> Vec<String> {
        let scores = self.word_scores(n_sent);
        let mut ranked: Vec<(f64, &Candidate)> = self
            .cands
            .values()
            .map(|c| {
                let ws = c.words.iter().map(|&w| scores[w as usize]);
                let (prod, sum) = ws.fold((1.0, 0.0), |(p, s), x| (p * x, s + x));
                (prod / (c.tf * (1.0 + sum)), c)
            })
            .collect();
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.first.cmp(&b.1.first)));
        let mut out: Vec<&Candidate> = Vec::new();
        for (_, c) in ranked {
            if out.len() == MAX_KEYWORDS {
                break;
            }
            let overlaps = out.iter().any(|o| {
                c.words.iter().all(|w| o.words.contains(w)) || o.words.iter().all(|w| c.words.contains(w))
            });
            if !overlaps {
                out.push(c);
            }
        }
        let result = out.into_iter().map(|c| c.surface.clone()).collect();
        self.cands.clear();
        result
    }

    /// YAKE word scores (lower is more important), indexed by word id.
    fn word_scores(&mut self, n_sent: usize) -> Vec<f64> {
        let tfs: Vec<f64> = self.words.iter().filter(|w| w.content).map(|w| w.tf).collect();
        if tfs.is_empty() {
            return vec![f64::INFINITY; self.words.len()];
        }
        let mean = tfs.iter().sum::<f64>() / tfs.len() as f64;
        let std = (tfs.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / tfs.len() as f64).sqrt();
        let max_tf = tfs.iter().copied().fold(1.0, f64::max);
        self.words
            .iter_mut()
            .map(|s| {
                if !s.content {
                    // Stop words inside a phrase ("of") weigh in neutrally.
                    return 1.0;
                }
                s.left.sort_unstable();
                s.left.dedup();
                s.right.sort_unstable();
                s.right.dedup();
                let t_case = s.tf_case / (1.0 + s.tf.ln());
                let median = s.sentences[s.sentences.len() / 2] as f64;
                let t_pos = (3.0 + median).ln().ln();
                let t_freq = s.tf / (mean + std);
                let t_rel = 1.0 + (s.left.len() as f64 + s.right.len() as f64) / max_tf;
                let t_diff = s.sentences.len() as f64 / n_sent as f64;
                t_rel * t_pos / (t_case + t_freq / t_rel + t_diff / t_rel)
            })
            .collect()
    }
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
    fn names_are_taken_whole() {
        let t = "US Secretary of State Marco Rubio met officials. Rubio said the talks went well. \
                 The talks covered trade and security in detail.";
        let k = extract(t, &split(t), 0);
        assert!(k.contains(&"Marco Rubio".to_string()), "{k:?}");
        assert!(!k.iter().any(|w| w.contains("Secretary")), "{k:?}");
    }

    #[test]
    fn empty_text_has_no_keywords() {
        assert!(extract("", &[], 0).is_empty());
    }
}
