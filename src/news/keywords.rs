//! Keywords: 5–10 key phrases scored with YAKE-style statistics (Campos et al., 2020), written for
//! newsd: per-word casing, position, frequency, context spread and sentence spread; phrases of one to
//! three words score by their words' product over their frequency (lower is better). Proper names
//! are taken whole ("Donald Trump", not "President Donald"). Owns only the scoring; stop words and
//! titles come from `gazetteer`, words and their facts from the article's `vocab`. Work is capped for
//! very long texts.

use super::gazetteer::{self, Gazetteer};
use super::sentences::Sentence;
use super::text::{strip_possessive, FastMap, Token};
use super::vocab::Vocab;

/// Words looked at, at most: the opening of a long text carries its keywords.
const MAX_WORDS: usize = 4000;
const MAX_NGRAM: usize = 3;
const MAX_KEYWORDS: usize = 10;
const MAX_PHRASE_BYTES: usize = 60;
/// Candidates ranked before de-duplication; far more than the repeats among the best ever need.
const SHORTLIST: usize = 80;

/// Statistics of one distinct word (by lowercase key: the vocabulary's key id).
#[derive(Clone)]
struct WordStats {
    /// May start or end a phrase: not a stop word, not a number, not one letter.
    content: bool,
    tf: f64,
    /// Capitalized away from a sentence start, or an acronym.
    tf_case: f64,
    /// The last sentence it was seen in (`u32::MAX`: none yet).
    last_sentence: u32,
}

/// A candidate phrase: how often it occurs and where it was first written. Kept small (16 bytes):
/// the candidate table of a long article outgrows the CPU caches otherwise.
struct Candidate {
    /// Words, at most `MAX_NGRAM`.
    len: u8,
    /// A capitalized name (kept as written) rather than a lowercase phrase.
    proper: bool,
    tf: u32,
    /// Byte range of its first occurrence in the text; the surface form is read from there.
    span: (u32, u32),
}

/// One word of a chunk: its key id, how it is written, where, whether it opens its sentence,
/// whether it is capitalized or an acronym, and whether it counts as capitalized for names
/// (decided once: the phrase rules ask many times).
#[derive(Clone, Copy)]
struct Tok<'t> {
    id: u32,
    surface: &'t str,
    start: usize,
    initial: bool,
    capitalized: bool,
    acronym: bool,
    cap: bool,
}

/// Everything counted over the text. Per-word lists are kept flat, as (word id, value) pairs, so a
/// word costs no allocation of its own.
struct Counts<'v, 't> {
    vocab: &'v Vocab<'t>,
    /// By key id; words the scan never reaches keep `tf == 0`.
    words: Vec<WordStats>,
    /// Key id of "of", the one stop word allowed inside phrases (`vocab::NONE` if the text has none).
    of: u32,
    /// (word, sentence index) once per sentence a word occurs in, in text order.
    sentences: Vec<(u32, u32)>,
    /// (word, neighbour) for every occurrence and side: `2 * id` for the word on the left,
    /// `2 * id + 1` for the word on the right (the two sides count apart).
    neighbours: Vec<(u32, u32)>,
    cands: FastMap<[u32; MAX_NGRAM], Candidate>,
    /// Reused buffer for the phrases `name_start` looks up.
    phrase: String,
}

/// The key phrases of `text`, best first.
pub fn extract(
    text: &str,
    tokens: &[Token],
    vocab: &Vocab<'_>,
    sentences: &[Sentence],
    body_start: usize,
) -> Vec<String> {
    let g = gazetteer::get();
    let blank = WordStats { content: false, tf: 0.0, tf_case: 0.0, last_sentence: u32::MAX };
    let mut c = Counts {
        vocab,
        words: vec![blank; vocab.key_count()],
        of: vocab.find_key("of"),
        sentences: Vec::new(),
        neighbours: Vec::new(),
        cands: FastMap::default(),
        phrase: String::new(),
    };
    for (id, w) in c.words.iter_mut().enumerate() {
        w.content = vocab.key(id as u32).content;
    }
    // Sized up front: growing the map word by word (rehashing each time) cost more than filling it.
    c.cands.reserve(tokens.len().min(MAX_WORDS + 200));
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
        let base = s.range.start.max(body_start);
        // The sentence's words: a slice of the text's tokens.
        let from = tokens.partition_point(|t| t.start < base);
        let to = tokens.partition_point(|t| t.start < s.range.end);
        let toks = &tokens[from..to.max(from)];
        seen += toks.len();
        chunk.clear();
        for (i, t) in toks.iter().enumerate() {
            // Chunks: runs of words not broken by punctuation.
            let gap = if i > 0 { &text[toks[i - 1].end..t.start] } else { " " };
            if gap != " " && !gap.chars().all(char::is_whitespace) {
                c.add_chunk(&chunk, si as u32, g);
                chunk.clear();
            }
            let s = vocab.surface(vocab.token_ids[from + i]);
            let initial = i == 0;
            // A capitalized word opening the sentence that is commonly capitalized is no name.
            let cap = s.cap && !(initial && vocab.common_cap(s.key));
            chunk.push(Tok {
                id: s.key,
                surface: s.text,
                start: t.start,
                initial,
                capitalized: s.cap,
                acronym: s.acronym,
                cap,
            });
        }
        c.add_chunk(&chunk, si as u32, g);
    }
    c.best(text, n_sent.max(1))
}

impl Counts<'_, '_> {
    /// Records one chunk's words and its candidate phrases.
    fn add_chunk(&mut self, chunk: &[Tok<'_>], si: u32, g: &Gazetteer) {
        for (i, t) in chunk.iter().enumerate() {
            let st = &mut self.words[t.id as usize];
            st.tf += 1.0;
            if (t.capitalized && !t.initial) || t.acronym {
                st.tf_case += 1.0;
            }
            if st.last_sentence != si {
                st.last_sentence = si;
                self.sentences.push((t.id, si));
            }
            // Only content words are scored, so only their neighbours are counted.
            if !st.content {
                continue;
            }
            if i > 0 {
                self.neighbours.push((t.id, 2 * chunk[i - 1].id));
            }
            if let Some(next) = chunk.get(i + 1) {
                self.neighbours.push((t.id, 2 * next.id + 1));
            }
        }
        self.candidates(chunk, g);
    }

    /// Candidate phrases of a chunk: each capitalized run as one name (titles and demonyms before it
    /// dropped: "US Secretary of State Marco Rubio" → "Marco Rubio"), and 1–3-word lowercase phrases
    /// that start and end on content words ("of" may sit inside).
    fn candidates(&mut self, chunk: &[Tok<'_>], g: &Gazetteer) {
        let cap = |t: &Tok<'_>| t.cap;
        let mut i = 0;
        while i < chunk.len() {
            if cap(&chunk[i]) {
                let mut end = i + 1;
                while end < chunk.len()
                    && (cap(&chunk[end])
                        || (chunk[end].id == self.of && chunk.get(end + 1).is_some_and(&cap)))
                {
                    end += 1;
                }
                let start = self.name_start(&chunk[i..end], g) + i;
                if start < end && end - start <= MAX_NGRAM && self.words[chunk[start].id as usize].content {
                    self.add(&chunk[start..end], true);
                }
                i = end;
                continue;
            }
            // A phrase starts on a content word: after any other word no n-gram qualifies.
            if !self.words[chunk[i].id as usize].content {
                i += 1;
                continue;
            }
            for n in 1..=MAX_NGRAM.min(chunk.len() - i) {
                let words = &chunk[i..i + n];
                if words.iter().any(&cap) {
                    break;
                }
                let ok = words.iter().enumerate().all(|(k, t)| {
                    let w = &self.words[t.id as usize];
                    w.content || (k > 0 && k < n - 1 && t.id == self.of)
                });
                if ok {
                    self.add(words, false);
                }
            }
            i += 1;
        }
    }

    /// Where the name in a capitalized run starts: after its last title or demonym.
    fn name_start(&mut self, run: &[Tok<'_>], g: &Gazetteer) -> usize {
        let mut start = 0;
        // Phrases of several words are joined in a reused buffer; a single word is its own phrase.
        let mut phrase = std::mem::take(&mut self.phrase);
        for k in 0..run.len() {
            let longest = self.vocab.longest(run[k].id).min(run.len() - k);
            for len in 1..=longest {
                let p = if len == 1 {
                    run[k].surface
                } else {
                    phrase.clear();
                    for (n, t) in run[k..k + len].iter().enumerate() {
                        if n > 0 {
                            phrase.push(' ');
                        }
                        phrase.push_str(t.surface);
                    }
                    phrase.as_str()
                };
                if g.is_title(p) || g.demonym(p).is_some() {
                    start = start.max(k + len);
                }
            }
        }
        self.phrase = phrase;
        start
    }

    fn add(&mut self, words: &[Tok<'_>], proper: bool) {
        let mut k = [u32::MAX; MAX_NGRAM];
        for (slot, t) in k.iter_mut().zip(words) {
            *slot = t.id;
        }
        let (first, last) = (&words[0], &words[words.len() - 1]);
        // Texts beyond 4 GiB never reach here (pages are capped far below); such a phrase is skipped.
        let (Ok(a), Ok(b)) = (u32::try_from(first.start), u32::try_from(last.start + last.surface.len()))
        else {
            return;
        };
        let len = words.len() as u8; // at most MAX_NGRAM
        let c = self.cands.entry(k).or_insert(Candidate { len, proper, tf: 0, span: (a, b) });
        c.tf += 1;
    }

    /// Scores every candidate and keeps the best, skipping phrases that repeat a chosen one's words.
    fn best(self, text: &str, n_sent: usize) -> Vec<String> {
        let scores = self.word_scores(n_sent);
        let mut ranked: Vec<(f64, &[u32; MAX_NGRAM], &Candidate)> = self
            .cands
            .iter()
            .map(|(ids, c)| {
                let ws = ids[..usize::from(c.len)].iter().map(|&w| scores[w as usize]);
                let (prod, sum) = ws.fold((1.0, 0.0), |(p, s), x| (p * x, s + x));
                (prod / (f64::from(c.tf) * (1.0 + sum)), ids, c)
            })
            .collect();
        // Only the best few can be chosen (some are skipped as repeats): select them, then sort.
        let order = |a: &(f64, &[u32; MAX_NGRAM], &Candidate), b: &(f64, &[u32; MAX_NGRAM], &Candidate)| {
            a.0.total_cmp(&b.0).then(a.2.span.cmp(&b.2.span))
        };
        let keep = ranked.len().min(SHORTLIST);
        if keep > 0 && keep < ranked.len() {
            ranked.select_nth_unstable_by(keep - 1, order);
        }
        ranked.truncate(keep);
        ranked.sort_by(order);
        let mut out: Vec<(&[u32], &Candidate)> = Vec::new();
        for (_, ids, c) in ranked {
            if out.len() == MAX_KEYWORDS {
                break;
            }
            // Runs of unspaced script (Japanese, Chinese) are not phrases.
            if (c.span.1 - c.span.0) as usize > MAX_PHRASE_BYTES {
                continue;
            }
            let ids = &ids[..usize::from(c.len)];
            // Phrases sharing half their words with a chosen one repeat it ("favoring free trade").
            let overlaps = out.iter().any(|(o, _)| {
                let shared = ids.iter().filter(|w| o.contains(w)).count();
                shared > 0 && shared * 2 >= ids.len().min(o.len())
            });
            if !overlaps {
                out.push((ids, c));
            }
        }
        out.into_iter().map(|(_, c)| surface(text, c)).collect()
    }

    /// YAKE word scores (lower is more important), indexed by word id.
    fn word_scores(&self, n_sent: usize) -> Vec<f64> {
        // Words the scan never reached (before the dateline's end, past the cap) are not counted.
        let tfs: Vec<f64> = self.words.iter().filter(|w| w.content && w.tf > 0.0).map(|w| w.tf).collect();
        if tfs.is_empty() {
            return vec![f64::INFINITY; self.words.len()];
        }
        let mean = tfs.iter().sum::<f64>() / tfs.len() as f64;
        let std = (tfs.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / tfs.len() as f64).sqrt();
        let max_tf = tfs.iter().copied().fold(1.0, f64::max);
        // Distinct neighbours per word (left and right ones counted apart), and the sentences of
        // each word in order.
        let neighbours = distinct_per_word(&self.neighbours, self.words.len(), 2 * self.words.len());
        // Grouped by word, each word's sentences form one slice, in text order (they were recorded
        // in text order, and grouping keeps it).
        let (offsets, sentences) = group_by_word(&self.sentences, self.words.len());
        // Logarithms of counts and of sentence positions, each computed once rather than per word.
        let most = self.words.iter().map(|w| w.tf as usize).max().unwrap_or(0);
        let ln_count: Vec<f64> = (0..=most).map(|n| (n as f64).ln()).collect();
        let ln_ln_pos: Vec<f64> = (0..n_sent).map(|m| (3.0 + m as f64).ln().ln()).collect();
        self.words
            .iter()
            .enumerate()
            .map(|(id, s)| {
                let sents = &sentences[offsets[id] as usize..offsets[id + 1] as usize];
                if !s.content || sents.is_empty() {
                    // Stop words inside a phrase ("of") weigh in neutrally.
                    return 1.0;
                }
                // The five YAKE features: casing, position (median sentence), frequency relative to
                // the mean, relatedness (distinct neighbours: a word next to many different words
                // is a function word) and spread over sentences.
                let ln_tf = ln_count.get(s.tf as usize).copied().unwrap_or_else(|| s.tf.ln());
                let t_case = s.tf_case / (1.0 + ln_tf);
                let median = sents[sents.len() / 2];
                let t_pos = ln_ln_pos
                    .get(median as usize)
                    .copied()
                    .unwrap_or_else(|| (3.0 + f64::from(median)).ln().ln());
                let t_freq = s.tf / (mean + std);
                let t_rel = 1.0 + f64::from(neighbours[id]) / max_tf;
                let t_diff = sents.len() as f64 / n_sent as f64;
                t_rel * t_pos / (t_case + t_freq / t_rel + t_diff / t_rel)
            })
            .collect()
    }
}

/// How many distinct second values (each below `values_below`) each word has in a list of
/// (word, value) pairs.
fn distinct_per_word(pairs: &[(u32, u32)], words: usize, values_below: usize) -> Vec<u32> {
    let (offsets, values) = group_by_word(pairs, words);
    let mut out = vec![0u32; words];
    // `seen[v] == w + 1`: value v already counted for word w (words are visited one at a time).
    let mut seen = vec![0u32; values_below];
    for w in 0..words {
        for &v in &values[offsets[w] as usize..offsets[w + 1] as usize] {
            if seen[v as usize] != w as u32 + 1 {
                seen[v as usize] = w as u32 + 1;
                out[w] += 1;
            }
        }
    }
    out
}

/// (word, value) pairs grouped by word in linear time (a counting sort, stable): the values of
/// word `w` are `values[offsets[w]..offsets[w + 1]]`, in their original order. Word ids are dense,
/// so this replaces sorting the pairs, which cost more than the scoring itself.
fn group_by_word(pairs: &[(u32, u32)], words: usize) -> (Vec<u32>, Vec<u32>) {
    let mut offsets = vec![0u32; words + 1];
    for &(w, _) in pairs {
        offsets[w as usize + 1] += 1;
    }
    for i in 0..words {
        offsets[i + 1] += offsets[i];
    }
    let mut next = offsets.clone();
    let mut values = vec![0u32; pairs.len()];
    for &(w, v) in pairs {
        let slot = &mut next[w as usize];
        values[*slot as usize] = v;
        *slot += 1;
    }
    (offsets, values)
}

/// How a candidate reads: its first occurrence, possessives dropped, lowercase unless a name.
fn surface(text: &str, c: &Candidate) -> String {
    let words: Vec<&str> =
        text[c.span.0 as usize..c.span.1 as usize].split_whitespace().map(strip_possessive).collect();
    let joined = words.join(" ");
    if c.proper {
        joined
    } else {
        joined.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::news::sentences::split;
    use crate::news::text::tokenize;

    #[test]
    fn finds_the_topic() {
        let t = "The Alaska summit between Donald Trump and Vladimir Putin ended without a ceasefire deal. \
                 Trump said the ceasefire talks with Putin were productive. \
                 Putin said a ceasefire deal needs guarantees. \
                 Both leaders left Alaska on Friday after the summit.";
        let toks = tokenize(t);
        let k = extract(t, &toks, &Vocab::build(t, &toks), &split(t), 0);
        assert!((5..=10).contains(&k.len()), "{k:?}");
        assert!(k.iter().any(|w| w.contains("ceasefire")), "{k:?}");
        assert!(k.iter().any(|w| w.contains("Putin")), "{k:?}");
        assert!(k.iter().all(|w| !w.is_empty() && !gazetteer::get().is_stopword(w)));
    }

    #[test]
    fn names_are_taken_whole() {
        let t = "US Secretary of State Marco Rubio met officials. Rubio said the talks went well. \
                 The talks covered trade and security in detail.";
        let toks = tokenize(t);
        let k = extract(t, &toks, &Vocab::build(t, &toks), &split(t), 0);
        assert!(k.contains(&"Marco Rubio".to_string()), "{k:?}");
        assert!(!k.iter().any(|w| w.contains("Secretary")), "{k:?}");
    }

    #[test]
    fn empty_text_has_no_keywords() {
        assert!(extract("", &[], &Vocab::build("", &[]), &[], 0).is_empty());
    }
}
