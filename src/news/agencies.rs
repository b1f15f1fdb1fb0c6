//! Wire-agency credits: which agencies wrote or contributed to a story. Owns the credit patterns —
//! dateline parentheses, a trailing `– Reuters` / `(AFP)`, bylines ("By Reuters", "Reuters staff"),
//! author organisations from metadata, "additional reporting by", "contributed to this report",
//! copyright lines — and normalizes every spelling to one name (`gazetteer`'s agency list).
//! A mere mention ("Reuters reported") is not a credit.

use std::ops::Range;
use std::sync::{LazyLock, OnceLock};

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

use super::gazetteer;

/// Agency names as they appear in credits: one or more capitalized words, or an acronym. Their
/// letters are Latin-script (every agency in `data/agencies.txt` is): a Unicode `\w` here made the
/// patterns' automata tens of times larger, which cost more to compile and to search than all the
/// other news fields together.
const NAME: &str = r"(?:[Tt]he\s+)?(?:[A-Z][\p{Latin}0-9_\-&']*|dpa)(?:[\s\-][A-Z][\p{Latin}0-9_\-&']*){0,3}";

/// Where in a paragraph a credit pattern may match; the scope keeps the regexes off most text.
enum Scope {
    /// The last bytes of the paragraph, when they hold a dash.
    TailDash,
    /// The last bytes of the paragraph, when it ends with a closing parenthesis.
    TailParen,
    /// A short paragraph (a byline, a credit line) that passes the pattern's literal test: the
    /// words it must open or end with, checked before the regex is compiled or run.
    Short(fn(&str) -> bool),
    /// Paragraphs containing one of these lowercase words.
    Words(&'static [&'static str]),
}

/// Bytes of a paragraph's end searched for trailing credits, and the longest byline paragraph.
const TAIL: usize = 120;
const SHORT: usize = 80;

/// One credit pattern: where it may match, and its regex, compiled the first time a paragraph
/// passes the scope's cheap test (a page never needs most of them, and compiling one costs as much
/// as analysing several articles).
struct Credit {
    scope: Scope,
    pattern: String,
    regex: OnceLock<Regex>,
}

impl Credit {
    fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| Regex::new(&self.pattern).expect("credit patterns are valid"))
    }
}

/// Credit patterns; group `a` holds the agency (or agencies joined by "/", "and").
static CREDITS: LazyLock<Vec<Credit>> = LazyLock::new(|| {
    let list = format!(r"(?P<a>{NAME}(?:\s*(?:/|,|and|&)\s*{NAME})*)");
    let contributed: &[&str] = &["contributed"];
    let staff: &[&str] = &["writer", "reporter", "correspondent", "photographer", "journalist"];
    let reporting: &[&str] = &["reporting", "files from", "material from"];
    let copyright: &[&str] = &["©", "(c)", "copyright"];
    [
        // "... text. – Reuters" / "— AP" / "-- AFP" at the end of a paragraph.
        (Scope::TailDash, format!(r"(?:^|\s)[\-\u{{2013}}\u{{2014}}]{{1,2}}\s*{list}\.?\s*$")),
        // "(AFP)" / "(Reuters)" at the end of a paragraph, or a paragraph that is only that.
        (Scope::TailParen, format!(r"\(\s*{list}\s*\)\.?\s*$")),
        // Bylines.
        (Scope::Short(opens_byline), format!(r"^(?:[Bb]y|BY|From|Source:|Fuente:|Quelle:|Source :)\s+{list}\s*$")),
        (Scope::Short(ends_staff), format!(r"^{list}\s+(?:[Ss]taff|[Rr]eporters?|[Nn]ewsroom|[Ww]riters?)\s*$")),
        (Scope::Short(opens_with), format!(r"^(?i:with|avec|mit|con)\s+{list}\s*$")),
        // Contributions and copyrights, anywhere in a paragraph.
        (Scope::Words(reporting), format!(r"(?i:additional reporting by|reporting by|with reporting from|with files from|contributed reporting from|material from)\s+{list}")),
        (Scope::Words(contributed), format!(r"{list}\s+(?i:contributed (?:to )?(?:this|the) (?:report|story|article)|contributed reporting)")),
        (Scope::Words(copyright), format!(r"(?:©|\(c\)|(?i:copyright))\s*(?:\d{{4}}\s+)?{list}")),
        // "Associated Press writer Jane Doe contributed" / "Reuters correspondent X reported".
        (Scope::Words(staff), format!(r"(?:^|\.\s+){list}\s+(?:writers?|reporters?|correspondents?|photographers?|journalists?)\s+[A-Z]")),
    ]
    .into_iter()
    .map(|(scope, pattern)| Credit { scope, pattern, regex: OnceLock::new() })
    .collect()
});

/// The cheap case-sensitive pre-check of the `Scope::Words` credits: each of their words without
/// its first letter (so "Reporting" and "reporting" both pass), in one leftmost-first automaton
/// (its SIMD prefilter skips most of the text), with the index in `CREDITS` of the credit each
/// pattern belongs to. One search over the article: a dozen per paragraph cost more in set-up than
/// in searching. Non-overlapping matches mark the same credits as overlapping ones would: no
/// pattern overlaps or contains one of another credit (tested below).
static WORD_TAILS: LazyLock<(AhoCorasick, Vec<usize>)> = LazyLock::new(|| {
    let (tails, owners): (Vec<&'static str>, Vec<usize>) = word_tails().into_iter().unzip();
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(tails)
        .expect("a dozen short words make a small automaton");
    (automaton, owners)
});

/// The `Scope::Words` credits' words without their first letter, with their credit's index.
fn word_tails() -> Vec<(&'static str, usize)> {
    let mut tails = Vec::new();
    for (i, credit) in CREDITS.iter().enumerate() {
        if let Scope::Words(words) = credit.scope {
            tails.extend(words.iter().map(|w| (w.get(1..).unwrap_or(w), i)));
        }
    }
    tails
}

/// For each paragraph, a bit set of the `Scope::Words` credits (bit = index in `CREDITS`) whose
/// pre-check passes: one of their word tails occurs in it. No tail holds a line break or starts or
/// ends with white space, so a tail found in the text lies wholly inside one paragraph.
fn word_credits(text: &str, paragraphs: &[Range<usize>]) -> Vec<u32> {
    let mut marks = vec![0u32; paragraphs.len()];
    let (automaton, owners) = &*WORD_TAILS;
    for m in automaton.find_iter(text) {
        let i = paragraphs.partition_point(|p| p.end <= m.start());
        if paragraphs.get(i).is_some_and(|p| p.start <= m.start() && m.end() <= p.end) {
            marks[i] |= 1 << owners[m.pattern().as_usize()];
        }
    }
    marks
}

/// Agencies credited by the dateline parentheses, the authors and the text (whose `paragraphs` are
/// given, see `text::paragraphs`), in that order, each once.
// Out of line: called once per article, and profiles then show its cost on its own.
#[inline(never)]
pub fn find(
    text: &str,
    paragraphs: &[Range<usize>],
    authors: &[String],
    dateline_credit: Option<&str>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |name: &'static str| {
        if !out.iter().any(|o| o == name) {
            out.push(name.to_string());
        }
    };
    if let Some(credit) = dateline_credit {
        split_names(credit).filter_map(|n| gazetteer::get().agency(n)).for_each(&mut push);
    }
    for author in authors {
        from_author(author).into_iter().for_each(&mut push);
    }
    let word_marks = word_credits(text, paragraphs);
    for (p, &marks) in paragraphs.iter().zip(&word_marks) {
        let para = &text[p.clone()];
        let mut lower: Option<String> = None;
        for (ci, credit) in CREDITS.iter().enumerate() {
            let haystack = match credit.scope {
                Scope::TailDash => {
                    let tail = &para[floor_char(para, para.len().saturating_sub(TAIL))..];
                    // A credit is a short capitalized end after the last dash: " - Reuters", "– AP".
                    let Some(dash) = tail.rfind(['-', '\u{2013}', '\u{2014}']) else {
                        continue;
                    };
                    let credit = tail[dash..].trim_start_matches(['-', '\u{2013}', '\u{2014}']).trim();
                    if credit.len() > 60 || !credit.starts_with(char::is_uppercase) {
                        continue;
                    }
                    if !may_end_with_agency(tail, false) {
                        continue;
                    }
                    tail
                }
                Scope::TailParen => {
                    if !para.trim_end_matches(['.', ' ']).ends_with(')') {
                        continue;
                    }
                    let tail = &para[floor_char(para, para.len().saturating_sub(TAIL))..];
                    if !may_end_with_agency(tail, true) {
                        continue;
                    }
                    tail
                }
                Scope::Short(quick) if para.len() <= SHORT && quick(para) => para,
                Scope::Words(words) => {
                    // Cheap case-sensitive check on the word without its first letter first.
                    if marks & (1 << ci) == 0 {
                        continue;
                    }
                    let l = lower.get_or_insert_with(|| para.to_lowercase());
                    if !words.iter().any(|w| l.contains(w)) {
                        continue;
                    }
                    para
                }
                Scope::Short(_) => continue,
            };
            let re = credit.regex();
            // Most haystacks hold no credit: the plain match test is far cheaper than captures.
            if !re.is_match(haystack) {
                continue;
            }
            for caps in re.captures_iter(haystack) {
                // A credit names agencies only: "– Reuters/AFP" is one, "-- PPL Center, Allentown,
                // PA" (a tour date in Pennsylvania) is not.
                let Some(m) = caps.name("a") else { continue };
                let names: Option<Vec<&'static str>> =
                    split_names(m.as_str()).map(|n| gazetteer::get().agency(n)).collect();
                names.into_iter().flatten().for_each(&mut push);
            }
        }
    }
    out
}

/// False when `tail` cannot end with an agency credit, as `Scope::TailDash` (`paren: false`) or
/// `Scope::TailParen` patterns read it: a credit's last name ends the text (before an optional dot,
/// and the closing parenthesis), and that name's last word is the last word of an agency spelling.
/// The word may follow a dash or a separator without a space ("–Reuters", "AP/AFP"), so each of
/// its suffixes after a non-alphanumeric character is tried. This settles in a few lookups what the
/// end-anchored patterns, whose Unicode classes keep the regex engine off its fast paths, need tens
/// of thousands of instructions for.
fn may_end_with_agency(tail: &str, paren: bool) -> bool {
    let mut end = tail.trim_end().trim_end_matches('.');
    if paren {
        let Some(inner) = end.strip_suffix(')') else { return false };
        end = inner.trim_end();
    }
    // A name's last word may carry an ampersand ("Reuters&"), which the name splitter drops.
    let word = end.rsplit(char::is_whitespace).next().unwrap_or(end).trim_end_matches('&');
    let g = gazetteer::get();
    let starts = word.char_indices().filter(|(_, c)| !c.is_alphanumeric()).map(|(i, c)| i + c.len_utf8());
    std::iter::once(0).chain(starts).any(|i| g.ends_agency(&word[i..]))
}

/// The literal tests of the `Scope::Short` patterns, in their order: what a paragraph must open or
/// end with for the pattern to match at all.
fn opens_byline(p: &str) -> bool {
    ["By", "by", "BY", "From", "Source:", "Fuente:", "Quelle:", "Source :"].iter().any(|o| p.starts_with(o))
}

fn ends_staff(p: &str) -> bool {
    let p = p.trim_end();
    ["taff", "eporter", "eporters", "ewsroom", "riter", "riters"].iter().any(|e| p.ends_with(e))
}

fn opens_with(p: &str) -> bool {
    // `(?i:…)` folds no other character onto these letters, so ASCII case-insensitivity is exact.
    ["with", "avec", "mit", "con"].iter().any(|o| p.get(..o.len()).is_some_and(|h| h.eq_ignore_ascii_case(o)))
}

/// `pos` moved down to a char boundary of `s`.
fn floor_char(s: &str, mut pos: usize) -> usize {
    while !s.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

/// "Reuters/AFP", "AP and Reuters", "AFP, dpa" → the single names.
fn split_names(s: &str) -> impl Iterator<Item = &str> {
    s.split(['/', ',', '&', ';'])
        .flat_map(|p| p.split(" and "))
        .map(|p| p.trim().trim_end_matches('.'))
        .filter(|p| !p.is_empty())
}

/// An author string that is an agency ("Reuters", "By AFP", "Reuters Staff", "Associated Press").
fn from_author(author: &str) -> Vec<&'static str> {
    let a = author.trim();
    let a = a.strip_prefix("By ").or_else(|| a.strip_prefix("by ")).unwrap_or(a);
    let a = ["staff", "Staff", "News", "Newsroom", "reporters", "Reporters", "Wire", "wire"]
        .iter()
        .find_map(|s| a.strip_suffix(s))
        .map_or(a, str::trim);
    split_names(a).filter_map(|n| gazetteer::get().agency(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str, authors: &[&str], credit: Option<&str>) -> Vec<String> {
        let authors: Vec<String> = authors.iter().map(|s| s.to_string()).collect();
        find(text, &crate::news::text::paragraphs(text), &authors, credit)
    }

    #[test]
    fn credits_in_their_usual_places() {
        assert_eq!(names("Talks ended.\n\nA compromise could follow. – Reuters", &[], None), ["Reuters"]);
        assert_eq!(names("Text.\n\n(AFP)", &[], None), ["AFP"]);
        assert_eq!(names("Text ended here. — AP", &[], None), ["AP"]);
        assert_eq!(names("By Reuters\n\nText.", &[], None), ["Reuters"]);
        assert_eq!(names("Text.", &["Reuters Staff"], None), ["Reuters"]);
        assert_eq!(names("Text.", &["Associated Press"], None), ["AP"]);
        assert_eq!(names("Text.\n\nAdditional reporting by AFP and dpa", &[], None), ["AFP", "dpa"]);
        assert_eq!(names("Text.\n\nThe Associated Press contributed to this report.", &[], None), ["AP"]);
        assert_eq!(names("Body.", &[], Some("Reuters")), ["Reuters"]);
        assert_eq!(names("Text. (Reuters/AFP)", &["Jane Doe"], Some("EFE")), ["EFE", "Reuters", "AFP"]);
    }

    #[test]
    fn trailing_credits_in_every_spelling_pass_the_quick_check() {
        // The end-of-paragraph check must let through every form the patterns accept.
        assert_eq!(names("Talks ended. –Reuters", &[], None), ["Reuters"]);
        assert_eq!(names("Talks ended. -- Agence France-Presse.", &[], None), ["AFP"]);
        assert_eq!(names("Talks ended. (The Associated Press) ", &[], None), ["AP"]);
        assert_eq!(names("Talks ended. — AP and Reuters", &[], None), ["AP", "Reuters"]);
        assert_eq!(names("Talks ended. (dpa/AFP).", &[], None), ["dpa", "AFP"]);
        assert!(may_end_with_agency("Talks ended. – Reuters", false));
        assert!(!may_end_with_agency("Talks ended. – Jane Doe", false));
        assert!(!may_end_with_agency("Talks ended (in part)", true));
    }

    #[test]
    fn word_tails_of_different_credits_never_overlap() {
        // `word_credits` takes non-overlapping matches; that loses no credit only while a tail never
        // overlaps or contains a tail of another credit.
        let tails = word_tails();
        for &(a, ca) in &tails {
            for &(b, cb) in &tails {
                if ca == cb {
                    continue;
                }
                assert!(!a.contains(b), "{a:?} contains {b:?}");
                let overlap = (1..a.len().min(b.len())).any(|k| a.as_bytes().ends_with(&b.as_bytes()[..k]));
                assert!(!overlap, "{a:?} runs into {b:?}");
            }
        }
        let t = "Staff writer.\n\nText.\n\nAdditional reporting by AFP.\n\n(c) 2024 Reuters";
        let marks = word_credits(t, &crate::news::text::paragraphs(t));
        assert_eq!(marks.iter().filter(|&&m| m != 0).count(), 3);
        assert_eq!(marks[1], 0);
    }

    #[test]
    fn mentions_are_not_credits() {
        assert!(names("Reuters previously reported that Putin might accept.", &[], None).is_empty());
        assert!(
            names("According to Reuters, the firm is under investigation.", &["Jane Doe"], None).is_empty()
        );
        assert!(names("He said - and AP confirmed - that it was over.", &[], None).is_empty());
        assert!(names("The fight ended 3-2", &[], Some("CNN Business")).is_empty());
        assert!(names("June 26 -- PPL Center, Allentown, PA", &[], None).is_empty());
    }
}
