//! Typing capitalized runs: gazetteer phrases, titles and demonyms first, then contextual rules for
//! unknown names (a title before them, a given name, "<Name> said", "<Place> region", "City, State",
//! organisation suffixes). Records what it finds in the `Builder`; unresolved stretches are returned
//! as pending for the coreference pass.

use std::ops::Range;

use super::super::gazetteer::{self, Entry, Kind};
use super::super::text::{is_all_caps, is_speech_verb, with_lower};
use super::builder::Builder;
use super::lexicon::{
    ORG_PREFIXES, ORG_SUFFIXES, PLACE_NOUNS, PLACE_PREPOSITIONS, PLACE_SUFFIXES, ROLE_NOUNS, ROLE_TITLES,
};
use super::words::{Lex, Word};
use super::EntityKind;

/// Kinds of piece a capitalized run is cut into.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece {
    Title,
    Demonym,
    Known(&'static Entry),
    Unknown,
    /// A conjunction between two names; dropped once the run is cut.
    Break,
}

/// Cuts one run into pieces and records what they name.
pub(super) fn classify_run(
    text: &str,
    words: &[Word<'_>],
    run: Range<usize>,
    lex: &Lex<'_, '_>,
    b: &mut Builder,
    pending: &mut Vec<Range<usize>>,
) {
    let mut i = run.start;
    // A sentence-initial ordinary word ("Upon", "Sources", "Earlier") is not part of a name.
    // A gerund opening a sentence is not a given name ("Questioning Vindman, …").
    let gerund = |i: usize| i + 1 < run.end && words[i].text.ends_with("ing") && words[i].text.len() > 5;
    while i < run.end
        && words[i].initial
        && (is_ordinary(&words[i], lex) || gerund(i))
        && phrase_at(words, i, run.end, lex).is_none()
    {
        i += 1;
    }
    // Nor does a name start with a connector left over ("and Border Protection").
    while i < run.end && !words[i].cap {
        i += 1;
    }
    if i < run.end && whole_run_org(text, words, i..run.end, lex, b) {
        return;
    }
    let pieces = cut(words, i..run.end, lex);
    let mut prev: Option<Piece> = None;
    let mut k = 0;
    while k < pieces.len() {
        let (piece, r) = pieces[k].clone();
        match piece {
            Piece::Known(e)
                if e.kind.is_place() && r.len() == 1 && after_unknown_name(words, prev, &pieces[..k]) =>
            {
                // "Air Astana": a place after an unknown word names something else; the stretch is
                // left to the coreference pass.
                let (_, pr) = &pieces[k - 1];
                pending.push(pr.start..r.end);
            }
            Piece::Known(e) => {
                // A place whose name is also a given name, before an unknown word, starts a name
                // ("Jordan Peterson", "Georgia Smith").
                let next_unknown = pieces.get(k + 1).filter(|(p, _)| *p == Piece::Unknown);
                if let (Some((_, nr)), true) = (next_unknown, r.len() == 1 && lex.first_name(&words[r.start]))
                {
                    b.person(text, words, r.start..nr.end);
                    k += 2;
                    prev = Some(Piece::Unknown);
                    continue;
                }
                b.known(e, words[r.start].start, words[r.end - 1].end);
            }
            Piece::Unknown => {
                // A title only names what directly follows it ("Commissioner for Human Rights" does not).
                let adjacent = k > 0 && pieces[k - 1].1.end == r.start;
                // Something precedes, but not directly: treat it like a separator.
                let prev = if adjacent || k == 0 { prev } else { Some(Piece::Break) };
                classify_unknown(text, words, r, prev, lex, b, pending)
            }
            Piece::Title | Piece::Demonym | Piece::Break => {}
        }
        prev = Some(piece);
        k += 1;
    }
}

/// True when the previous piece is an unknown word that is not a direction ("Greater London").
fn after_unknown_name(words: &[Word<'_>], prev: Option<Piece>, before: &[(Piece, Range<usize>)]) -> bool {
    const DIRECTIONS: &[&str] = &[
        "North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central", "Greater",
        "Upper", "Lower", "New", "Old", "Inner", "Outer", "Metro", "Downtown", "Mount", "Lake", "Port",
        "Fort",
    ];
    prev == Some(Piece::Unknown)
        && before.last().is_some_and(|(_, r)| r.len() == 1 && !DIRECTIONS.contains(&words[r.start].text))
}

/// Organisations named by their shape over a whole run: "University of Pennsylvania", "Senate Foreign
/// Relations Committee", "Hong Kong Polytechnic University". Leading titles and demonyms are not part of
/// the name ("Russian Foreign Ministry" → "Foreign Ministry").
fn whole_run_org(
    text: &str,
    words: &[Word<'_>],
    r: Range<usize>,
    lex: &Lex<'_, '_>,
    b: &mut Builder,
) -> bool {
    let last = words[r.end - 1].text;
    // "University of X", "National Institute on Drug Abuse": an organisation word before of/on/for.
    let prefixed = r.len() >= 3
        && (r.start..r.end - 2).any(|k| {
            (ORG_PREFIXES.contains(words[k].text) || ORG_SUFFIXES.contains(words[k].text))
                && matches!(words[k + 1].text, "of" | "on" | "for")
        });
    let suffixed = r.len() >= 2 && ORG_SUFFIXES.contains(last);
    let placed = r.len() >= 2 && PLACE_SUFFIXES.contains(last);
    // "United Nations and European Union" is two names; "Customs and Border Protection" is one.
    if let Some(k) = (r.start + 1..r.end).find(|&k| matches!(words[k].text, "and" | "&")) {
        let known_left = phrase_at(words, r.start, k, lex).is_some_and(|(_, len)| r.start + len == k);
        if k >= r.start + 2 || known_left {
            return false;
        }
    }
    if !(prefixed || suffixed || placed)
        || phrase_at(words, r.start, r.end, lex).is_some_and(|(_, len)| len == r.len())
    {
        return false;
    }
    let mut s = r.start;
    // Titles and demonyms before an organisation are not part of it ("Russian Foreign Ministry"), but a
    // demonym may be all there is before the suffix ("American Airlines"); places keep theirs
    // ("Tibetan Plateau").
    while let Some((piece @ (Piece::Title | Piece::Demonym), len)) = phrase_at(words, s, r.end, lex) {
        if placed || (piece == Piece::Demonym && r.end - (s + len) < 2) {
            break;
        }
        s += len;
    }
    if r.end - s < 2 {
        // "General Motors": the title-looking word is part of the name.
        s = r.start;
    }
    let (start, end) = (words[s].start, words[r.end - 1].end);
    let kind = if placed && !prefixed { EntityKind::Location } else { EntityKind::Org };
    b.add(&text[start..end], kind, start, end);
    true
}

/// A capitalized word that is only capitalized because it opens a sentence.
fn is_ordinary(w: &Word<'_>, lex: &Lex<'_, '_>) -> bool {
    lex.common_cap(w) || lex.function_word(w) || lex.in_lowercase(w)
}

/// The longest title, place, organization or demonym starting at word `i`, as (piece, length).
fn phrase_at(words: &[Word<'_>], i: usize, end: usize, lex: &Lex<'_, '_>) -> Option<(Piece, usize)> {
    let g = gazetteer::get();
    // Most words start no phrase at all: the first word's key settles it.
    let max = lex.longest(&words[i]).min(end - i);
    for len in (1..=max).rev() {
        // Phrases do not run across a cut word ("Ukraine’s Dnipropetrovsk").
        if words[i..i + len - 1].iter().any(|w| w.cut) {
            continue;
        }
        // A single word is asked about again and again: its answer is kept per word.
        let (title, needs_dot, known, demonym) =
            if len == 1 { lex.classify(&words[i]) } else { g.classify(&join(&words[i..i + len])) };
        if title && (words[i + len - 1].dot || !needs_dot) {
            return Some((Piece::Title, len));
        }
        if let Some(e) = known {
            return Some((Piece::Known(e), len));
        }
        if demonym {
            return Some((Piece::Demonym, len));
        }
    }
    None
}

fn join(words: &[Word<'_>]) -> String {
    let mut s = String::new();
    for (n, w) in words.iter().enumerate() {
        if n > 0 {
            s.push(' ');
        }
        s.push_str(w.text);
    }
    s
}

/// Cuts `range` into titles, demonyms, known phrases and unknown stretches. Common capitalized words
/// ("Friday", "May") are dropped and split unknown stretches.
fn cut(words: &[Word<'_>], range: Range<usize>, lex: &Lex<'_, '_>) -> Vec<(Piece, Range<usize>)> {
    let mut out: Vec<(Piece, Range<usize>)> = Vec::new();
    let mut i = range.start;
    while i < range.end {
        let after_given_name = i > range.start
            && lex.first_name(&words[i - 1])
            && out.last().is_some_and(|(p, r)| *p == Piece::Unknown && r.end == i);
        if let Some((piece, len)) = phrase_at(words, i, range.end, lex) {
            // A one-word title or place right after a given name is a surname ("Kevin King").
            let surname = after_given_name && len == 1 && matches!(piece, Piece::Title | Piece::Known(_));
            if !surname {
                out.push((piece, i..i + len));
                i += len;
                continue;
            }
        }
        let w = words[i].text;
        // A capitalized role word opening a run acts as a title ("Lawyer Amal Rahman told").
        if i == range.start && words[i].cap && with_lower(w, |l| ROLE_TITLES.contains(l)) {
            out.push((Piece::Title, i..i + 1));
            i += 1;
            continue;
        }
        // "Johnson and Corbyn": two names, not one.
        if matches!(w, "and" | "&") {
            out.push((Piece::Break, i..i + 1));
            i += 1;
            continue;
        }
        // A middle initial ("Sonya A. Zoghlin") is part of the name, not the article "A".
        let initial = i > range.start && words[i].dot && w.chars().count() == 1;
        let dropped =
            (lex.common_cap(&words[i]) && !initial && !(i > range.start && lex.first_name(&words[i - 1])))
                || (!words[i].cap && out.last().is_none_or(|(p, _)| *p != Piece::Unknown));
        if !dropped {
            match out.last_mut() {
                Some((Piece::Unknown, r)) if r.end == i => r.end = i + 1,
                _ => out.push((Piece::Unknown, i..i + 1)),
            }
        }
        i += 1;
    }
    // Connectors never end an unknown stretch.
    for (p, r) in &mut out {
        while *p == Piece::Unknown && r.len() > 1 && !words[r.end - 1].cap {
            r.end -= 1;
        }
    }
    out.retain(|(p, r)| *p != Piece::Break && (*p != Piece::Unknown || words[r.start].cap));
    out
}

/// Types an unknown stretch by its context.
fn classify_unknown(
    text: &str,
    words: &[Word<'_>],
    r: Range<usize>,
    prev: Option<Piece>,
    lex: &Lex<'_, '_>,
    b: &mut Builder,
    pending: &mut Vec<Range<usize>>,
) {
    let first = words[r.start].text;
    let last = words[r.end - 1].text;
    // The word before, lowercase, tested in place (most runs never ask: no String per run).
    let before_is =
        |f: &dyn Fn(&str) -> bool| r.start.checked_sub(1).is_some_and(|i| with_lower(words[i].text, f));
    let after = words.get(r.end).filter(|w| !w.cap).map(|w| w.text);
    let n = r.len();
    let start = words[r.start].start;
    let end = words[r.end - 1].end;
    let follows_lower_word = r.start > 0 && !words[r.start - 1].cap;
    // A name right after a known place in the same run ("Santa Fe Animal Shelter") is not a person's.
    let after_place = matches!(prev, Some(Piece::Known(_) | Piece::Break));
    // The next word, only when nothing but a space separates them ("Full Fact, told" does not count).
    let adjacent = words.get(r.end).filter(|w| text[words[r.end - 1].token_end..w.start].trim().is_empty());
    // Organisations by their shape.
    if ORG_SUFFIXES.contains(last) && n >= 2
        || (n >= 3 && ORG_PREFIXES.contains(first) && words[r.start + 1].text == "of")
    {
        b.add(&text[start..end], EntityKind::Org, start, end);
        return;
    }
    if PLACE_SUFFIXES.contains(last) && n >= 2 {
        b.add(&text[start..end], EntityKind::Location, start, end);
        return;
    }
    // "Consiglio Giorgia Meloni", "Majority Leader Chuck Schumer": a given name inside a stretch
    // starts the person's name; what comes before it is typed on its own.
    let split_at = (r.start + 1..r.end.saturating_sub(1)).find(|&k| lex.first_name(&words[k]));
    if let Some(k) = split_at.filter(|_| !lex.first_name(&words[r.start]) && prev != Some(Piece::Title)) {
        classify_unknown(text, words, r.start..k, prev, lex, b, pending);
        b.person(text, words, k..r.end);
        return;
    }
    let capitalized = words[r.clone()].iter().filter(|w| w.cap).count();
    let person_context = prev == Some(Piece::Title)
        || (before_is(&|b| ROLE_NOUNS.contains(b)) && follows_lower_word)
        || (n >= 2 && lex.first_name(&words[r.start]));
    if person_context
        && capitalized <= 4
        && words[r.clone()].iter().all(|w| !is_all_caps(w.text) || w.text.len() == 1)
    {
        b.person(text, words, r);
        return;
    }
    if b.strict {
        // Capitalized nouns are ordinary in this language: nothing else is a name by its shape.
        pending.push(r);
        return;
    }
    let of_place = r.start >= 2
        && words[r.start - 1].text == "of"
        && PLACE_NOUNS.contains(words[r.start - 2].text)
        && !words[r.start - 2].cap;
    let adjective = n == 1 && (last.ends_with("ish") || last.ends_with("ese"));
    if (after.is_some_and(|a| PLACE_NOUNS.contains(a)) && !words[r.end - 1].cut || of_place)
        && n <= 3
        && !adjective
    {
        b.add(&text[start..end], EntityKind::Location, start, end);
        return;
    }
    if n <= 3 && comma_then_place(text, words[r.end - 1].token_end, b) {
        b.add(&text[start..end], EntityKind::Location, start, end);
        return;
    }
    let said_after = adjacent
        .filter(|w| !w.cap)
        .is_some_and(|a| is_speech_verb(a.text) && !matches!(a.text, "according" | "called" | "described"));
    let said_before = before_is(&|b| matches!(b, "said" | "says" | "told" | "asked"));
    let described = said_after || said_before || appositive(text, words[r.end - 1].token_end);
    // Ordinary words capitalized ("Big Machine says"): "big" and "machine" also occur in lowercase.
    let wordy = words[r.clone()].iter().any(|w| w.text.len() > 1 && lex.in_lowercase(w));
    if (2..=3).contains(&n) && !after_place && described && !wordy {
        b.person(text, words, r);
        return;
    }
    if n == 1
        && is_all_caps(first)
        && (2..=5).contains(&first.chars().count())
        && first.chars().all(|c| c.is_alphabetic() || c == '.' || c == '&')
    {
        // A word in capitals among other words in capitals is a shouted headline, not an acronym.
        let shouting = |w: Option<&Word<'_>>| w.is_some_and(|w| w.text.len() > 1 && is_all_caps(w.text));
        let headline = shouting(r.start.checked_sub(1).map(|i| &words[i])) || shouting(words.get(r.end));
        if !lex.common_cap(&words[r.start])
            && !lex.in_lowercase(&words[r.start])
            && !is_roman(first)
            && !headline
        {
            b.add(first, EntityKind::Org, start, end);
        }
        return;
    }
    if n <= 2
        && before_is(&|b| PLACE_PREPOSITIONS.contains(&b))
        && follows_lower_word
        && !words[r.start].initial
        && words[r.clone()].iter().all(|w| !is_all_caps(w.text))
    {
        pending.push(r);
        return;
    }
    pending.push(r);
}

/// True when the word is directly followed by a lowercase word: an adjective ("in Alaskan energy").
pub(super) fn modifies_noun(text: &str, words: &[Word<'_>], i: usize) -> bool {
    words.get(i + 1).is_some_and(|n| {
        !n.cap
            && !gazetteer::get().is_stopword(n.text)
            && text[words[i].token_end..n.start].chars().all(|c| c == ' ')
    })
}

/// Roman numerals read as acronyms ("II", "XIV").
fn is_roman(w: &str) -> bool {
    w.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L' | 'C' | 'M'))
}

/// ", Texas" / ", Ill." / ", Ukraine" right after a name: the name is a place.
pub(super) fn comma_then_place(text: &str, end: usize, b: &Builder) -> bool {
    let rest = &text[end..];
    let Some(rest) = rest.strip_prefix(", ") else {
        return false;
    };
    let g = gazetteer::get();
    let next: String =
        rest.chars().take_while(|c| c.is_alphanumeric() || *c == '.' || *c == ' ').take(24).collect();
    let mut words: Vec<&str> = next.split(' ').filter(|w| !w.is_empty()).collect();
    while !words.is_empty() {
        let phrase = words.join(" ");
        let bare = phrase.trim_end_matches('.');
        let possessive = rest[phrase.len()..].starts_with(['\'', '\u{2019}']);
        let place =
            g.lookup(bare).is_some_and(|e| matches!(e.kind, Kind::State | Kind::Country | Kind::Region))
                || g.is_state_abbrev(&phrase)
                || b.is_location(bare);
        if place && !possessive {
            return true;
        }
        words.pop();
    }
    false
}

/// ", a spokesman" / ", who" / ", 45," after a name: an appositive describing a person.
fn appositive(text: &str, end: usize) -> bool {
    let rest = &text[end..];
    let Some(rest) = rest.strip_prefix(", ") else {
        return false;
    };
    let next = rest.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    if matches!(next, "who" | "whose")
        || (next.len() <= 3 && next.chars().all(|c| c.is_ascii_digit()) && !next.is_empty())
    {
        return true;
    }
    // ", the commander of …" / ", Carlineo’s attorney," — a role noun within the next few words.
    let clause = rest.split([',', '.', ';', ':']).next().unwrap_or("");
    clause.split_whitespace().take(5).any(|w| with_lower(w, |l| ROLE_NOUNS.contains(l)))
}
