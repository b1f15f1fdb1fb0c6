//! The dateline: where a story was filed, read from the opening of its first paragraph
//! (`ANCHORAGE:`, `WASHINGTON (Reuters) -`, `LONDON, Aug 15 (Reuters) -`, `KYIV, Ukraine (AP) —`,
//! `MADRID, 3 mar (EFE).-`, `Hong Kong (CNN Business)`), or from a first paragraph that is only a
//! place (`BAAR, SWITZERLAND`). Owns the recognition rules, not the agency list (see `agencies`).
//! A place written all in capitals is trusted; a mixed-case one needs corroboration (a known place,
//! a qualifier such as a state or a date, or an agency credit) so a random first word never qualifies.

use super::gazetteer;
use super::text::{is_all_caps, is_dash};

/// A dateline found at the start of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dateline {
    /// The place as written ("ANCHORAGE", "Hong Kong").
    pub place: String,
    /// What follows the place before the credit: a state, a country or a date ("Ukraine", "Aug 15").
    pub qualifiers: Vec<String>,
    /// The text inside the dateline parentheses, if any ("Reuters", "CNN Business").
    pub credit: Option<String>,
    /// Byte offset where the story proper starts (after the separator).
    pub body_start: usize,
}

/// Words in capitals that open paragraphs without being places.
#[rustfmt::skip]
const NOT_PLACES: &[&str] = &[
    "UPDATE", "UPDATED", "BREAKING", "BREAKING NEWS", "EXCLUSIVE", "WATCH", "ANALYSIS", "OPINION",
    "EDITOR'S NOTE", "EDITORS NOTE", "NOTE", "FILE", "PHOTO", "VIDEO", "LIVE", "CORRECTION", "ADVISORY",
    "URGENT", "FLASH", "BULLETIN", "COMMENTARY", "REVIEW", "INTERVIEW", "FACTBOX", "EXPLAINER", "FACT CHECK",
    "SPOILER", "WARNING", "TRANSCRIPT", "ROUNDUP", "PREVIEW", "RECAP", "POLL", "Q&A", "FAQ", "UPDATE 1",
    "UPDATE 2", "NEWS", "SPORTS", "TIMELINE", "GRAPHIC", "INSIGHT", "WRAPUP", "EDITORIAL", "LETTERS",
    "SUMMARY", "TL;DR", "DISCLAIMER", "SPONSORED", "AD", "ADVERTISEMENT", "NEW", "PRESS RELEASE", "ABSTRACT",
    "BACKGROUND", "CONTEXT",
];

/// Finds the dateline in the first paragraph (or the second, when the first is a short byline).
#[cfg(test)]
pub fn find(text: &str) -> Option<Dateline> {
    find_in(text, &super::text::paragraphs(text))
}

/// `find`, given the paragraphs of the text (`text::paragraphs`).
// Out of line: called once per article, and profiles then show its cost on its own.
#[inline(never)]
pub fn find_in(text: &str, paras: &[std::ops::Range<usize>]) -> Option<Dateline> {
    // Only a paragraph's opening is read, so a cap on how many paragraphs bounds the work.
    let paras = &paras[..paras.len().min(LOOKAHEAD + 1)];
    for (k, para) in paras.iter().enumerate().take(LOOKAHEAD) {
        let next = paras.get(k + 1).map(|r| r.start);
        if let Some(d) = standalone(text, para.clone(), next).or_else(|| inline(text, para.start)) {
            return Some(d);
        }
        // A headline repeated in the body or a byline ("By Jane Doe") may come before the dateline;
        // a paragraph of running prose ends the search.
        if !is_heading(&text[para.clone()]) {
            break;
        }
    }
    None
}

/// Paragraphs looked at: a heading and a byline may precede the dateline.
const LOOKAHEAD: usize = 3;

/// A short line that is not a sentence: a headline, a byline, a kicker.
fn is_heading(p: &str) -> bool {
    let end = p.trim_end_matches(|c: char| super::text::is_any_quote(c) || c == ')');
    p.split_whitespace().count() <= 25 && !end.ends_with(['.', '!', '?', ':'])
}

/// A first paragraph that is nothing but a place ("BAAR, SWITZERLAND", "Pittsburgh").
fn standalone(text: &str, para: std::ops::Range<usize>, next: Option<usize>) -> Option<Dateline> {
    let s = &text[para];
    if s.len() > 60 || s.contains(['.', ':', '!', '?']) || s.split_whitespace().count() > 5 {
        return None;
    }
    let mut parts = s.split(',').map(str::trim);
    let place = parts.next()?;
    let qualifiers: Vec<&str> = parts.collect();
    let g = gazetteer::get();
    let known = |p: &str| g.lookup(p).is_some_and(|e| e.kind.is_place());
    let ok = is_place_shape(place)
        && (known(place) || qualifiers.iter().any(|q| known(q) || g.is_state_abbrev(q)))
        && qualifiers.iter().all(|q| is_place_shape(q) || g.is_state_abbrev(q));
    ok.then(|| Dateline {
        place: place.to_string(),
        qualifiers: qualifiers.iter().map(|q| q.to_string()).collect(),
        credit: None,
        body_start: next.unwrap_or(text.len()),
    })
}

/// A dateline at the start of the paragraph beginning at `start`.
fn inline(text: &str, start: usize) -> Option<Dateline> {
    let s = &text[start..];
    // Datelines are short: look only at the first 100 bytes for the place and credit.
    let window_end = s.char_indices().nth(100).map_or(s.len(), |(i, _)| i);
    let window = &s[..window_end];
    // The dateline belongs to its paragraph: never read across a line break.
    let window = &window[..window.find('\n').unwrap_or(window.len())];
    let (head, credit, after) = split_head(window)?;
    let rest = &s[after..];
    let (rest, has_separator) = skip_separator(rest);
    // Without a separator the credit parentheses must be followed by the story ("Hong Kong (CNN) A ...").
    if !has_separator && (credit.is_none() || !rest.starts_with(char::is_uppercase)) {
        return None;
    }
    let body_start = start + (s.len() - rest.len());
    let mut parts = head.split(',').map(str::trim);
    let place = parts.next()?.trim();
    let qualifiers: Vec<&str> = parts.collect();
    if !is_place_shape(place) || NOT_PLACES.contains(&place) || qualifiers.len() > 3 {
        return None;
    }
    let g = gazetteer::get();
    let corroborated = is_all_caps(place)
        || credit.is_some()
        || g.lookup(place).is_some_and(|e| e.kind.is_place())
        || qualifiers
            .iter()
            .any(|q| is_date(q) || g.is_state_abbrev(q) || g.lookup(q).is_some_and(|e| e.kind.is_place()));
    if !corroborated || !qualifiers.iter().all(|q| is_qualifier_shape(q)) {
        return None;
    }
    Some(Dateline {
        place: place.to_string(),
        qualifiers: qualifiers.iter().map(|q| q.to_string()).collect(),
        credit: credit.map(str::to_string),
        body_start,
    })
}

/// Splits `PLACE[, QUALIFIER]* [(CREDIT)]` off the window and returns (head, credit, end offset).
/// The head ends at the first separator (dash, colon, ".-") or after the credit parentheses.
fn split_head(window: &str) -> Option<(&str, Option<&str>, usize)> {
    let mut prev = ' ';
    for (i, c) in window.char_indices() {
        match c {
            '(' => {
                let close = window[i..].find(')')? + i;
                let credit = window[i + 1..close].trim();
                return Some((window[..i].trim(), Some(credit), close + 1));
            }
            ':' => return Some((&window[..i], None, i)),
            // A dash separates only with a space on one side ("PARIS — ", "ANCHORAGE -- ", "X.-").
            c if is_dash(c) => {
                let next = window[i + c.len_utf8()..].chars().next().unwrap_or(' ');
                if prev.is_whitespace() || next.is_whitespace() || is_dash(next) || prev == '.' {
                    let head = window[..i].trim_end().trim_end_matches('.');
                    return Some((head, None, i));
                }
            }
            '.' | ';' | '!' | '?' | '"' | '\u{201C}' | '\u{201D}' => {
                // Sentence punctuation before any separator: no dateline, except inside "Ill." etc.
                if c == '.' && window[i + 1..].starts_with([',', ' ', '-', '\u{2013}', '\u{2014}']) {
                    prev = c;
                    continue;
                }
                if c == '.' && window[i + 1..].starts_with(char::is_alphabetic) {
                    prev = c;
                    continue;
                }
                return None;
            }
            _ => {}
        }
        prev = c;
    }
    None
}

/// Skips the separator after the head: dashes, a colon, ".-", and the spaces around them.
fn skip_separator(s: &str) -> (&str, bool) {
    let t = s.trim_start();
    let t2 = t.trim_start_matches(|c: char| is_dash(c) || c == ':' || c == '.');
    let sep = t2.len() < t.len();
    (t2.trim_start(), sep)
}

/// 1–5 words, each capitalized or a particle ("Rio de Janeiro", "SANTA FE", "Washington"), no digits.
fn is_place_shape(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 || s.len() > 45 || s.chars().any(|c| c.is_numeric()) {
        return false;
    }
    let particles = [
        "de", "del", "da", "do", "di", "du", "la", "le", "el", "al", "of", "on", "upon", "am", "an", "der",
        "sur",
    ];
    words[0].starts_with(char::is_uppercase)
        && words
            .iter()
            .all(|w| w.starts_with(char::is_uppercase) || particles.contains(&w.to_lowercase().as_str()))
        && s.chars()
            .all(|c| c.is_alphabetic() || c.is_whitespace() || matches!(c, '.' | '-' | '\'' | '\u{2019}'))
}

/// A qualifier after the place: a place-like name, a state abbreviation or a date ("Aug 15", "3 mar").
fn is_qualifier_shape(s: &str) -> bool {
    is_place_shape(s) || is_date(s) || gazetteer::get().is_state_abbrev(s)
}

/// A short date such as "Aug 15", "March 3", "3 mar", "15 August 2025".
fn is_date(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "ene", "abr",
        "ago", "dic", "janv", "févr", "fev", "avr", "mai", "juin", "juil", "août", "déc", "mär", "okt",
        "dez", "set", "out",
    ];
    let is_month = |w: &str| {
        let w = w.trim_end_matches('.').to_lowercase();
        months.iter().any(|m| w.starts_with(m))
    };
    let is_num = |w: &str| w.trim_end_matches('.').chars().all(|c| c.is_ascii_digit()) && !w.is_empty();
    (2..=3).contains(&words.len())
        && words.iter().any(|w| is_month(w))
        && words.iter().any(|w| is_num(w))
        && words.iter().all(|w| is_month(w) || is_num(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(t: &str) -> Option<String> {
        find(t).map(|d| d.place)
    }

    #[test]
    fn common_forms() {
        assert_eq!(place("ANCHORAGE: US President Donald Trump met"), Some("ANCHORAGE".into()));
        assert_eq!(place("WASHINGTON (Reuters) - The Senate voted"), Some("WASHINGTON".into()));
        assert_eq!(place("LONDON, Aug 15 (Reuters) - Britain said"), Some("LONDON".into()));
        assert_eq!(place("KYIV, Ukraine (AP) — Russia launched"), Some("KYIV".into()));
        assert_eq!(place("PARIS — The French government"), Some("PARIS".into()));
        assert_eq!(place("BEIJING, March 3 (Xinhua) -- China's top"), Some("BEIJING".into()));
        assert_eq!(place("MADRID, 3 mar (EFE).- El Gobierno"), Some("MADRID".into()));
        assert_eq!(place("SANTA FE, N.M. (AP) — A cat"), Some("SANTA FE".into()));
        assert_eq!(place("Dekalb, Ill. — Mike Glass threw"), Some("Dekalb".into()));
        assert_eq!(place("Hong Kong (CNN Business) A muddled view"), Some("Hong Kong".into()));
        assert_eq!(place("Washington, DC, United States: Getting to the Moon"), Some("Washington".into()));
        assert_eq!(place("BAAR, SWITZERLAND\n\nBased on Ascom’s expertise"), Some("BAAR".into()));
        let with_headline =
            "Trump and Putin hold talks in Alaska\n\nANCHORAGE: US President Donald Trump met";
        assert_eq!(place(with_headline), Some("ANCHORAGE".into()));
        assert_eq!(place("By Jane Doe\n\nPARIS (AFP) - Text"), Some("PARIS".into()));
    }

    #[test]
    fn no_dateline() {
        assert_eq!(place("Hong Kong is burning. The authorities continue"), None);
        assert_eq!(place("UPDATE: The company said on Monday"), None);
        assert_eq!(place("Staff Reports\n\nPolice arrested six people Monday"), None);
        assert_eq!(place("GIRLS BASKETBALL\n\nPalm Bay d. Rockledge 70-44"), None);
        assert_eq!(place("Retiring early takes time - and discipline."), None);
        assert_eq!(place("Note: this is a test"), None);
        assert_eq!(place("The symptoms came on quickly: first it was hard"), None);
        assert_eq!(place(""), None);
    }
}
