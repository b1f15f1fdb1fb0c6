//! Direct quotations and who said them. Owns finding quoted spans (any double-mark style, mismatched
//! marks such as “…“, unclosed marks) and attributing them: after the quote (`," he said`, `," said
//! Trump`, `," Smith told reporters`, `," according to X`), before it (`Trump said: "…"`), the
//! previous quote of the same paragraph for split quotes, and the sentence subject for short quoted
//! phrases inside a sentence ("called for a “just peace”"). Pronouns resolve to the last person
//! named as a sentence subject; short names to the full name (`entities::Analysis::resolve_person`).
//! Scare quotes around single words and quoted titles are not quotes.

mod speaker;
mod subject;

use std::cell::OnceCell;
use std::ops::Range;

use self::speaker::Ctx;
use super::entities::{Analysis, EntityKind};
use super::sentences::Sentence;
use super::text::{byte_hits, char_at, is_double_quote};
use crate::model::Quote;

/// One quoted span of a paragraph.
#[derive(Debug, Clone)]
pub(super) struct Span {
    /// Byte offset of the opening mark.
    pub(super) open: usize,
    /// The words inside the marks.
    pub(super) inner: Range<usize>,
    /// Byte offset just after the closing mark (the paragraph end when unclosed).
    pub(super) close_end: usize,
    /// False for a quote that opens a paragraph and runs on into the next one.
    pub(super) closed: bool,
}

/// Finds the quotes of `text` (whose `paragraphs` are given, see `text::paragraphs`) and their speakers.
// Out of line: called once per article, and profiles then show its cost on its own.
#[inline(never)]
pub fn find(text: &str, paragraphs: &[Range<usize>], sentences: &[Sentence], ents: &Analysis) -> Vec<Quote> {
    // Filled only for the sentences attribution asks about: most are never looked at.
    let persons: Vec<OnceCell<Vec<(usize, String)>>> = sentences.iter().map(|_| OnceCell::new()).collect();
    let ctx = Ctx { text, sentences, ents, person_cache: &persons };
    // (quote, paragraph index, opens its paragraph, runs on into the next paragraph)
    let mut found: Vec<(Quote, usize, bool, bool)> = Vec::new();
    let mut previous_para_speaker: Option<String> = None;
    // Only quotation marks matter: other bytes are not looked at. Every mark is ASCII or starts
    // with one of these UTF-8 lead bytes, which are char boundaries. One search over the whole
    // text, not one per paragraph.
    let hits = byte_hits(text.as_bytes(), [b'"', b'\'', 0xE2], [0xC2, 0xE3, 0xEF]);
    for (pi, para) in paragraphs.iter().cloned().enumerate() {
        let mut last_speaker: Option<String> = None;
        let mut para_speaker = None;
        let from = hits.partition_point(|&h| h < para.start);
        let to = hits.partition_point(|&h| h < para.end);
        for span in spans(text, para.clone(), &hits[from..to.max(from)]) {
            let Some(q) =
                ctx.attribute(&span, para.start, last_speaker.as_deref(), previous_para_speaker.as_deref())
            else {
                continue;
            };
            if q.speaker.is_some() {
                last_speaker.clone_from(&q.speaker);
            }
            para_speaker.clone_from(&q.speaker);
            found.push((q, pi, span.open == para.start, !span.closed));
        }
        // A paragraph that ends without a quote breaks the chain of continued quotes.
        previous_para_speaker = para_speaker;
    }
    // A quote running on into the next paragraph is attributed where it ends ("…" \n\n "…," X said).
    for i in (0..found.len().saturating_sub(1)).rev() {
        let (next_speaker, next_para, next_opens) =
            (found[i + 1].0.speaker.clone(), found[i + 1].1, found[i + 1].2);
        let (q, para, _, runs_on) = &mut found[i];
        if *runs_on && q.speaker.is_none() && next_para == *para + 1 && next_opens {
            q.speaker = next_speaker;
        }
    }
    found.into_iter().map(|(q, ..)| q).collect()
}

/// The quoted spans of one paragraph, left to right, in one pass; `hits` are the text offsets of
/// its bytes that may start a quotation mark, in order.
fn spans(text: &str, para: Range<usize>, hits: &[usize]) -> Vec<Span> {
    let s = &text[para.clone()];
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    let mut i = 0;
    for hit in hits.iter().map(|h| h - para.start) {
        if hit < i {
            // The second mark of a doubled pair, already consumed.
            continue;
        }
        i = hit;
        let Some(c) = char_at(s, i) else { break };
        let mut len = c.len_utf8();
        let single = matches!(c, '\u{2019}' | '\'');
        if !single && !is_double_quote(c) {
            continue;
        }
        let mut next = char_at(s, i + len).unwrap_or(' ');
        // Two single closing marks stand for a double one in some copy (“…’’).
        let doubled_single = single && next == c && open.is_some();
        if doubled_single {
            len *= 2;
            next = char_at(s, i + len).unwrap_or(' ');
        }
        if is_double_quote(c) || doubled_single {
            // The two characters before this one (spaces included; the paragraph start reads as spaces).
            let mut back = s[..i].chars().rev();
            let prev = back.next().unwrap_or(' ');
            let prev2 = back.next().unwrap_or(' ');
            let at = para.start + i;
            let opening = (prev.is_whitespace()
                || matches!(prev, '(' | '[' | '\u{2014}' | '\u{2013}' | '-' | '/' | ':'))
                && (!next.is_whitespace() || c == '\u{00AB}');
            // Closing: after a word, or after "? " / ". " left inside the marks by the writer.
            let after_text = !prev.is_whitespace() || matches!(prev2, '.' | '?' | '!' | ',');
            let closing = (after_text || c == '\u{00BB}')
                && (next.is_whitespace()
                    || matches!(
                        next,
                        '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '\u{2014}' | '\u{2013}' | '-'
                    )
                    || i + len == bytes.len());
            match open {
                Some(o) if closing => {
                    out.push(Span {
                        closed: true,
                        open: o,
                        inner: o + text[o..].chars().next().map_or(1, char::len_utf8)..at,
                        close_end: at + len,
                    });
                    open = None;
                }
                // A second opening mark while one is open: the first was never closed.
                Some(_) if opening && !doubled_single => open = Some(at),
                None if opening || (matches!(c, '\u{201C}' | '\u{201E}' | '\u{00AB}') && !closing) => {
                    open = Some(at)
                }
                _ => {}
            }
        }
        i += len;
    }
    // A quote left open at the end of a paragraph runs on into the next one when that one opens
    // with a quotation mark (press convention), or when it opened this paragraph.
    let next_opens_quote = text[para.end..].trim_start().starts_with(is_double_quote);
    if let Some(o) = open.filter(|&o| o == para.start || next_opens_quote) {
        let inner_start = o + text[o..].chars().next().map_or(1, char::len_utf8);
        out.push(Span { open: o, inner: inner_start..para.end, close_end: para.end, closed: false });
    }
    out
}

/// The persons `sentence` names in order (the first is taken as its subject), at most a few so a
/// sentence listing hundreds of names costs nothing extra.
pub(super) fn sentence_persons(sentence: &Sentence, ents: &Analysis) -> Vec<(usize, String)> {
    ents.mentions_in(sentence.range.clone())
        .filter(|(_, e)| e.kind == EntityKind::Person)
        .take(4)
        .map(|(m, e)| (m.start, e.name.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::news::{entities, sentences};

    fn quotes(t: &str) -> Vec<(String, Option<String>)> {
        let s = sentences::split(t);
        let tokens = crate::news::text::tokenize(t);
        let mut v = crate::news::vocab::Vocab::build(t, &tokens);
        let e = entities::analyze(t, &tokens, &mut v, &s, 0, None, None, None);
        find(t, &crate::news::text::paragraphs(t), &s, &e).into_iter().map(|q| (q.text, q.speaker)).collect()
    }

    fn q(text: &str, speaker: Option<&str>) -> (String, Option<String>) {
        (text.to_string(), speaker.map(str::to_string))
    }

    #[test]
    fn mismatched_marks_and_pronouns() {
        let t = "President Donald Trump met reporters.\n\n“I’m not here to negotiate, I’m here to talk,“ he said.";
        assert_eq!(quotes(t), [q("I’m not here to negotiate, I’m here to talk", Some("Donald Trump"))]);
    }

    #[test]
    fn split_quotes_keep_their_speaker() {
        let t = "Officials met Jane Doe on Monday.\n\n\"We are ready,\" said Doe. \"The talks went well.\"";
        assert_eq!(
            quotes(t),
            [q("We are ready", Some("Jane Doe")), q("The talks went well.", Some("Jane Doe"))]
        );
    }

    #[test]
    fn phrases_and_scare_quotes() {
        let t = "Ukrainian President Volodymyr Zelenskiy called for a “just peace” on Friday. The so-called “experts” left. A banner read “Pursuing Peace” there.";
        assert_eq!(quotes(t), [q("just peace", Some("Volodymyr Zelenskiy"))]);
    }

    #[test]
    fn attribution_before() {
        let t = "Prime Minister Jane Smith said: \"We will not give up.\" According to Mark Jones, \"it is over now.\"";
        assert_eq!(
            quotes(t),
            [q("We will not give up.", Some("Jane Smith")), q("it is over now.", Some("Mark Jones"))]
        );
    }

    #[test]
    fn unbalanced_marks_do_not_panic() {
        let t = "\"\"\" “ ” „ « » \" a \" b\n\n“Only an opening mark that runs on";
        let _ = quotes(t);
        assert_eq!(quotes("«Nous allons gagner», a déclaré Emmanuel Macron.").len(), 1);
    }
}
