//! Naming the speaker of one quoted span: the attribution after it (`," he said`, `," said Trump`,
//! `," Smith, 45, told reporters`, `," according to X`), before it (`Trump said: "…"`), the sentence
//! subject for a phrase quoted inside a sentence, the previous sentence's speaker, and pronouns
//! resolved to the nearest fitting person. Owns no state beyond the borrowed `Ctx`.

use std::cell::OnceCell;

use super::super::entities::Analysis;
use super::super::sentences::Sentence;
use super::super::text::{char_at, is_capitalized, is_speech_verb, WordSet};
use super::Span;
use crate::model::Quote;

/// How far around a quote attribution is looked for, in bytes (keeps huge paragraphs linear).
const BEFORE_WINDOW: usize = 300;
const AFTER_WINDOW: usize = 160;
/// How many sentences back a pronoun may reach for its person.
pub(super) const PRONOUN_REACH: usize = 8;

/// Verbs that make a short quoted phrase someone's words ("called for a “just peace”").
#[rustfmt::skip]
static PHRASE_VERBS: WordSet = WordSet::new(&[
    "called", "calls", "calling", "described", "describes", "describing", "dubbed", "termed", "labeled",
    "labelled", "branded", "praised", "denounced", "condemned", "criticized", "criticised", "accused",
    "hailed", "referred", "spoke", "warned", "warning", "urged", "urging", "vowed", "pledged", "promised",
    "insisted", "characterized", "characterised", "slammed", "blasted", "decried", "welcomed", "defended",
    "expressed", "voiced", "demanded", "promising", "touted", "dismissed", "rejected", "lauded", "vowing",
    "begged", "pleaded", "implored", "asking", "deemed",
]);

/// What the words after a quote say about its speaker.
enum Attribution {
    /// "…," Trump said.
    Named(String),
    /// "…," a spokesman said — attributed, to no one by name.
    Unnamed,
    /// No attribution after the quote.
    None,
}

/// Everything attribution needs, borrowed.
pub(super) struct Ctx<'a> {
    pub(super) text: &'a str,
    pub(super) sentences: &'a [Sentence],
    pub(super) ents: &'a Analysis,
    /// Per sentence, the persons it names (see `sentence_persons`), found on first use.
    pub(super) person_cache: &'a [OnceCell<Vec<(usize, String)>>],
}

impl Ctx<'_> {
    /// The persons sentence `si` names, in order (`sentence_persons`).
    pub(super) fn persons(&self, si: usize) -> &[(usize, String)] {
        self.person_cache[si].get_or_init(|| super::sentence_persons(&self.sentences[si], self.ents))
    }

    /// Turns a span into a quote with its speaker, or drops it (scare quotes, titles, stray phrases).
    pub(super) fn attribute(
        &self,
        span: &Span,
        para_start: usize,
        last_in_para: Option<&str>,
        last_para: Option<&str>,
    ) -> Option<Quote> {
        let raw = self.text[span.inner.clone()].trim();
        let quote_text = raw.trim_end_matches([',', ' ']).trim_start_matches(['.', ' ']).trim();
        let words = quote_text.split_whitespace().count();
        if words < 2 {
            return None;
        }
        let si = self.sentence_of(span.open);
        let sent_start = si.map_or(para_start, |i| self.sentences[i].range.start);
        let window_start = floor_char(self.text, span.open.saturating_sub(BEFORE_WINDOW).max(sent_start));
        let before = &self.text[window_start..span.open];
        let starts_sentence = before.trim().is_empty();
        let after_end =
            floor_char(self.text, (span.close_end + AFTER_WINDOW).min(self.sentence_end(span.close_end)));
        let mut after = &self.text[span.close_end..after_end.max(span.close_end)];
        let mut after_start = span.close_end;
        let ends_like_speech = raw.ends_with([',', '.', '?', '!', '\u{2026}']);
        // `"Really?" Smith asked.`: the splitter ends the sentence at the quote; a short next sentence
        // of the same paragraph may still be its attribution.
        if after.trim().is_empty() && raw.ends_with(['?', '!', '.']) {
            if let Some(next) = self.short_next_sentence(span.close_end) {
                (after, after_start) = (&self.text[next.clone()], next.start);
            }
        }

        match self.after_attribution(after, after_start) {
            Attribution::Named(speaker) => {
                return Some(Quote { text: quote_text.to_string(), speaker: Some(speaker) });
            }
            // Someone unnamed said it: not the previous speaker.
            Attribution::Unnamed if ends_like_speech || after.trim_start().starts_with(',') => {
                return Some(Quote { text: quote_text.to_string(), speaker: None });
            }
            _ => {}
        }
        if let Some(speaker) = self.before_attribution(before, window_start) {
            return Some(Quote { text: quote_text.to_string(), speaker: Some(speaker) });
        }
        let title_like = words <= 6
            && !ends_like_speech
            && quote_text.split_whitespace().all(|w| !w.starts_with(char::is_lowercase));
        if title_like {
            return None;
        }
        if !starts_sentence {
            // A phrase quoted inside a sentence counts when a person says it: the subject of the
            // nearest saying verb before it ("Hill had dubbed it “the Gordon problem”"), else the
            // sentence's subject.
            let words = words_with_offsets(before, window_start);
            let v = (0..words.len())
                .rev()
                .find(|&j| PHRASE_VERBS.contains(words[j].1) || is_speech_verb(words[j].1))?;
            let speaker = self
                .verb_subject(&words[..v])
                .or_else(|| si.and_then(|si| self.subject_before(si, span.open)));
            return Some(Quote { text: quote_text.to_string(), speaker });
        }
        // A quote that opens its sentence continues the previous speaker: the one of this paragraph,
        // or of the previous paragraph when this quote opens the paragraph.
        let previous_sentence = si
            .filter(|&i| i > 0 && self.sentences[i - 1].para == self.sentences[i].para)
            .and_then(|i| self.sentence_speaker(i - 1));
        // A quote alone in its paragraph after "Erekat said it was …" continues that speaker.
        let opens_para = span.open == para_start;
        let previous_para_sentence = si
            .filter(|&i| opens_para && i > 0 && self.sentences[i - 1].para + 1 == self.sentences[i].para)
            .and_then(|i| self.sentence_speaker(i - 1));
        let inherited = last_in_para
            .map(str::to_string)
            .or(previous_sentence)
            .or_else(|| if opens_para { last_para.map(str::to_string) } else { None })
            .or(previous_para_sentence);
        if inherited.is_none() && words < 4 {
            return None;
        }
        Some(Quote { text: quote_text.to_string(), speaker: inherited })
    }

    /// The speaker a sentence attributes speech to ("…, he added." / "Smith said the plan works.").
    pub(super) fn sentence_speaker(&self, si: usize) -> Option<String> {
        let r = self.sentences[si].range.clone();
        // Only the end of a long sentence matters; keeps this bounded.
        let start = floor_char(self.text, r.start.max(r.end.saturating_sub(BEFORE_WINDOW)));
        let words = words_with_offsets(&self.text[start..r.end], start);
        let v = (0..words.len()).rev().find(|&j| {
            is_speech_verb(words[j].1) && !matches!(words[j].1, "according" | "called" | "described")
        })?;
        let from = v.saturating_sub(4);
        // "Will Moy, chief executive of … Full Fact, told the BBC": the person before the appositive.
        if v > 0 && self.text[words[v - 1].0 + words[v - 1].1.len()..].starts_with(',') {
            if let Some(name) = self.person_before(words[v].0) {
                return Some(name);
            }
        }
        (from..v)
            .rev()
            .find_map(|j| self.subject_at(&words[j..v]).filter(|(end, _)| j + end == v))
            .map(|(_, s)| s)
            .or_else(|| self.name_from(&words[v + 1..]))
            .or_else(|| self.subject_before(si, words[v].0))
    }

    /// `," he said`, `," said Trump`, `," Smith, 45, told reporters`, `," according to X`.
    fn after_attribution(&self, after: &str, offset: usize) -> Attribution {
        let words = {
            let trimmed = after.trim_start_matches(|c: char| {
                matches!(c, ',' | '.' | '?' | '!' | ' ' | '\u{a0}') || c == '\u{2014}' || c == '\u{2013}'
            });
            words_with_offsets(trimmed, offset + (after.len() - trimmed.len()))
        };
        match self.named_after(&words) {
            Some(name) => Attribution::Named(name),
            // "…," a spokesman said / the company said / officials told reporters: someone unnamed.
            None if words.iter().take(6).any(|w| {
                is_speech_verb(w.1) && !matches!(w.1, "called" | "described" | "saying" | "adding")
            }) =>
            {
                Attribution::Unnamed
            }
            None => Attribution::None,
        }
    }

    /// The named speaker of an attribution that follows a quote.
    fn named_after(&self, words: &[(usize, &str)]) -> Option<String> {
        let first = words.first()?;
        // "according to X"
        if first.1 == "according" && words.get(1).is_some_and(|w| w.1 == "to") {
            // "according to X" or "according to a memo from X".
            let end = words.len().min(10);
            return (2..end).find_map(|j| {
                (is_capitalized(words[j].1) || j == 2).then(|| self.name_from(&words[j..])).flatten()
            });
        }
        // French and Spanish auxiliaries: «…», a déclaré X / ha dicho X.
        if matches!(first.1, "a" | "ha" | "hat") && words.get(1).is_some_and(|w| is_speech_verb(w.1)) {
            return self.name_from(&words[2..]);
        }
        // Verb first: "said Trump", "said the minister", "added Sen. Jane Doe".
        if is_speech_verb(first.1) {
            return self.name_from(&words[1..]);
        }
        // Subject first: "he said", "Trump said", "Jane Doe, a spokeswoman, said", "he quickly added",
        // also after role words: "union president Mark Tighe said", "Kremlin spokesman Dmitry Peskov told".
        for j in 0..words.len().min(5) {
            if j > 0 && is_speech_verb(words[j - 1].1) {
                break;
            }
            if let Some(speaker) = self.subject_then_verb(&words[j..]) {
                return Some(speaker);
            }
        }
        None
    }

    /// A subject at the start of `words` followed (after an appositive or an adverb) by a speech verb.
    fn subject_then_verb(&self, words: &[(usize, &str)]) -> Option<String> {
        let (speaker_end, speaker) = self.subject_at(words)?;
        let mut k = speaker_end;
        // Skip an appositive between commas (", 45," / ", a spokeswoman for the ministry,").
        if self.text[words[k - 1].0 + words[k - 1].1.len()..].starts_with(',') {
            let limit = (k + 10).min(words.len());
            if let Some(j) = (k..limit).find(|&j| self.text[words[j].0 + words[j].1.len()..].starts_with(','))
            {
                k = j + 1;
            }
        }
        while words.get(k).is_some_and(|w| w.1.ends_with("ly") && !is_speech_verb(w.1)) {
            k += 1;
        }
        let verb = words.get(k)?.1;
        (is_speech_verb(verb) && verb != "according").then_some(speaker)
    }

    /// `Trump said: "…"`, `He told reporters that "…"`, `said Jane Doe: "…"`, `According to X, "…"`.
    fn before_attribution(&self, before: &str, offset: usize) -> Option<String> {
        let tail = before.trim_end();
        if !(tail.ends_with([':', ','])
            || tail.ends_with(" that")
            || tail.ends_with(|c: char| c.is_alphabetic()))
        {
            return None;
        }
        let words = words_with_offsets(before, offset);
        // Only the last few words may hold the attribution ("he told reporters on Friday:").
        let from = words.len().saturating_sub(8);
        if let Some(a) =
            (from..words.len()).rev().find(|&j| words[j].1 == "According" || words[j].1 == "according")
        {
            if words.get(a + 1).is_some_and(|w| w.1 == "to") {
                return self.name_from(&words[a + 2..]);
            }
        }
        let v = (from..words.len()).rev().find(|&j| {
            is_speech_verb(words[j].1) && !matches!(words[j].1, "according" | "called" | "described")
        })?;
        // Colon, comma or "that" must close the attribution: "X said: “", "X said that “".
        if !(tail.ends_with([':', ',']) || tail.ends_with(" that") || v + 1 == words.len()) {
            return None;
        }
        // "said Jane Doe:" — the name follows the verb; after "told"/"asked" it is the listener.
        if v + 1 < words.len() && !matches!(words[v].1, "told" | "tells" | "asked" | "asks") {
            if let Some(name) = self.name_from(&words[v + 1..]) {
                return Some(name);
            }
        }
        // "Jane Doe said:" / "He told reporters:" — the subject precedes the verb.
        let mut s = v;
        while s > 0 && words[s - 1].1.ends_with("ly") {
            s -= 1;
        }
        let pos = words[v].0;
        let start = s.saturating_sub(4);
        if let Some((_, speaker)) =
            (start..s).rev().find_map(|j| self.subject_at(&words[j..s]).filter(|(end, _)| j + end == s))
        {
            return Some(speaker);
        }
        // "Smith, who led the talks, said:" — fall back to the sentence subject.
        self.sentence_of(pos).and_then(|si| self.subject_before(si, pos))
    }

    /// The sentence after the one holding `pos`, if it is in the same paragraph and short (at most
    /// eight words: an attribution, not a new statement).
    fn short_next_sentence(&self, pos: usize) -> Option<std::ops::Range<usize>> {
        let i = self.sentence_of(pos)?;
        let next = self.sentences.get(i + 1).filter(|n| n.para == self.sentences[i].para)?;
        (self.text[next.range.clone()].split_whitespace().count() <= 8).then(|| next.range.clone())
    }

    pub(super) fn sentence_of(&self, pos: usize) -> Option<usize> {
        let i = self.sentences.partition_point(|s| s.range.start <= pos);
        i.checked_sub(1).filter(|&i| self.sentences[i].range.end >= pos)
    }

    fn sentence_end(&self, pos: usize) -> usize {
        // The closing mark may end a sentence; the attribution then sits in the next one only if it
        // starts lowercase, which the splitter already keeps together. So: this sentence's end.
        self.sentence_of(pos).map_or(self.text.len(), |i| self.sentences[i].range.end)
    }
}

/// The first word of a person's name.
pub(super) fn given_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or("")
}

/// Words of `s` with their byte offsets (offset of `s` added), punctuation stripped. A word is a
/// run of letters, digits, apostrophes, hyphens and dots; ASCII bytes, nearly all of news prose,
/// are classified without decoding a character.
fn words_with_offsets(s: &str, offset: usize) -> Vec<(usize, &str)> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut start = None;
    let mut i = 0;
    // One step past the end closes the last word.
    while i <= bytes.len() {
        let (part, len) = match bytes.get(i) {
            Some(&b) if b.is_ascii() => (b.is_ascii_alphanumeric() || matches!(b, b'\'' | b'-' | b'.'), 1),
            Some(_) => match char_at(s, i) {
                Some(c) => (c.is_alphanumeric() || c == '\u{2019}', c.len_utf8()),
                None => break,
            },
            None => (false, 1),
        };
        match (start, part) {
            (None, true) => start = Some(i),
            (Some(b), false) => {
                let w = s[b..i].trim_end_matches('.');
                if !w.is_empty() {
                    out.push((offset + b, w));
                }
                start = None;
            }
            _ => {}
        }
        i += len;
    }
    out
}

/// `pos` moved down to a char boundary of `s`.
fn floor_char(s: &str, mut pos: usize) -> usize {
    pos = pos.min(s.len());
    while !s.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_keep_inner_marks_and_their_offsets() {
        let s = "“Yes,” said Jean-Luc O’Neil Jr. in St. Louis… ok.";
        let words = super::words_with_offsets(s, 10);
        let texts: Vec<&str> = words.iter().map(|w| w.1).collect();
        assert_eq!(texts, ["Yes", "said", "Jean-Luc", "O’Neil", "Jr", "in", "St", "Louis", "ok"]);
        assert!(words.iter().all(|&(at, w)| s[at - 10..].starts_with(w)));
    }
}
