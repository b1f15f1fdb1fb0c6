//! The words the entity rules look at: tokens with their possessive or compound suffix cut, whether
//! they are capitalized only because they open a sentence, and maximal capitalized runs.

use std::cell::Cell;
use std::ops::Range;

use super::super::gazetteer::{self, Entry};
use super::super::sentences::Sentence;
use super::super::text::{is_capitalized, is_double_quote, Token, WordSet};
use super::super::vocab::{Vocab, NONE};

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
    /// Its id in the article's vocabulary.
    pub(super) id: u32,
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

/// Builds the word list in one pass over tokens and sentences; words cut out of a token ("US" of
/// "US-backed") are added to the vocabulary.
pub(super) fn words<'t>(
    text: &'t str,
    tokens: &[Token],
    sentences: &[Sentence],
    skip: usize,
    vocab: &mut Vocab<'t>,
) -> Vec<Word<'t>> {
    let mut out = Vec::with_capacity(tokens.len());
    // How each distinct surface reads as a word (`shape`), worked out once: (word id, capitalized).
    let mut shapes: Vec<Option<(u32, bool)>> = vec![None; vocab.surface_count()];
    // Tokens and sentences are both in text order: one merge-like walk finds each token's sentence.
    let mut sent = sentences.iter().peekable();
    let mut sentence_start = usize::MAX;
    let mut after_skip = true;
    for (i, &t) in tokens.iter().enumerate() {
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
        let surface = vocab.token_ids[i];
        let (id, cap) = match shapes[surface as usize] {
            Some(known) => known,
            None => {
                let (w, cap) = shape(vocab.surface(surface).text);
                let id = if w.len() == vocab.surface(surface).text.len() { surface } else { vocab.intern(w) };
                shapes[surface as usize] = Some((id, cap));
                (id, cap)
            }
        };
        let w = vocab.surface(id).text;
        out.push(Word {
            text: w,
            id,
            start: t.start,
            end: t.start + w.len(),
            token_end: t.end,
            cap,
            // Capitalization says nothing about names for the first word of a sentence, of a
            // quote, or of the story after the dateline. (After a quote or a colon only capitals
            // are asked about: a lowercase word there is never joined to a name before it.)
            initial: initial_by_sentence || after_skip || (cap && after_opener(text, t.start)),
            cut: w.len() != t.end - t.start,
            dot: text.as_bytes().get(t.end) == Some(&b'.'),
        });
        after_skip = false;
    }
    out
}

/// The vocabulary as the entity rules read it: each word's facts, and which words the text (after
/// the dateline) also writes in lowercase — a capitalized word that also occurs in lowercase is an
/// ordinary word ("Big Machine" when "big" and "machine" occur too).
pub(super) struct Lex<'v, 't> {
    vocab: &'v Vocab<'t>,
    /// By surface id: written so, not capitalized, as a word after the dateline.
    lowercase: Vec<bool>,
    /// By surface id: `Gazetteer::classify` of the word alone, once asked.
    classes: Vec<Cell<Option<Class>>>,
}

/// What `Gazetteer::classify` says of a phrase.
type Class = (bool, bool, Option<&'static Entry>, bool);

impl<'v, 't> Lex<'v, 't> {
    pub(super) fn new(vocab: &'v Vocab<'t>, words: &[Word<'t>]) -> Self {
        let mut lowercase = vec![false; vocab.surface_count()];
        for w in words.iter().filter(|w| !w.cap) {
            lowercase[w.id as usize] = true;
        }
        Lex { vocab, lowercase, classes: vec![Cell::new(None); vocab.surface_count()] }
    }

    /// `Gazetteer::classify` of the word alone.
    pub(super) fn classify(&self, w: &Word<'_>) -> Class {
        let slot = &self.classes[w.id as usize];
        if let Some(c) = slot.get() {
            return c;
        }
        let c = gazetteer::get().classify(w.text);
        slot.set(Some(c));
        c
    }

    /// The vocabulary key of a word, and its text (`text::key`).
    pub(super) fn key_id(&self, w: &Word<'_>) -> u32 {
        self.vocab.surface(w.id).key
    }

    pub(super) fn key_text(&self, w: &Word<'_>) -> &str {
        self.vocab.key_text(self.key_id(w))
    }

    /// A given name in the gazetteer, as written.
    pub(super) fn first_name(&self, w: &Word<'_>) -> bool {
        self.vocab.first_name(w.id)
    }

    /// A capitalized word that is no name by itself ("Friday", "Sources").
    pub(super) fn common_cap(&self, w: &Word<'_>) -> bool {
        self.vocab.common_cap(self.vocab.surface(w.id).key)
    }

    /// The longest gazetteer phrase, in words, that may start with this word.
    pub(super) fn longest(&self, w: &Word<'_>) -> usize {
        self.vocab.longest(self.vocab.surface(w.id).key)
    }

    /// True when the text also has this word in lowercase (its lowercase form, as a word that is
    /// not capitalized).
    pub(super) fn in_lowercase(&self, w: &Word<'_>) -> bool {
        let lower = self.vocab.lower_of(w.id);
        lower != NONE && self.lowercase[lower as usize]
    }

    /// A stop word or speech verb once lowercased ("The", "Said").
    pub(super) fn function_word(&self, w: &Word<'_>) -> bool {
        self.vocab.function_word(w.id)
    }
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

/// A token's word (its surface, possessive already cut) and whether it counts as capitalized: a
/// lowercase hyphen suffix is cut too ("US-backed" → "US", "Kremlin-friendly" → "Kremlin"), while
/// "al-Assad", "Port-au-Prince" and "Sang-mok" (a Korean given name) stay whole.
fn shape(surface: &str) -> (&str, bool) {
    let mut w = surface;
    // Most words have no hyphen: a byte loop settles that without a memchr call.
    let hyphen = w.bytes().any(|b| b == b'-');
    let split = if hyphen { w.split_once('-') } else { None };
    if let Some((head, tail)) = split {
        // The cheap tests first: the gazetteer lookup is needed only for a capitalized head.
        if is_capitalized(head)
            && tail.chars().all(|c| c.is_lowercase() || c == '-')
            && (COMPOUND_TAILS.contains(tail) || gazetteer::get().lookup(head).is_some())
        {
            w = head;
        }
    }
    let particle_name = hyphen
        && ["al-", "el-", "bin-", "abu-"]
            .iter()
            .any(|p| w.starts_with(p) && w[p.len()..].starts_with(char::is_uppercase));
    (w, is_capitalized(w) || particle_name)
}

/// Index ranges of maximal capitalized runs (with inner connectors) that do not cross punctuation.
pub(super) fn runs(text: &str, words: &[Word<'_>], lex: &Lex<'_, '_>) -> Vec<Range<usize>> {
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
                && words
                    .get(end + 1)
                    .is_some_and(|n| n.cap && !n.initial && joined(text, next, n) && !lex.common_cap(n))
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
