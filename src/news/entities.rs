//! Named entities (persons, organizations, locations) without a statistical model: capitalized word
//! runs are cut into gazetteer phrases, titles and unknown names; unknown names are typed by context
//! (a title before them, a given name, "<Name> said", "<Place> region", "City, State", "in <Place>",
//! organisation suffixes); single words are resolved to the full name introduced in the same article
//! ("Trump" → "Donald Trump"). Owns the mention index the quote attributor uses to name speakers.
//! Not owned here: word lists (`gazetteer`), sentence boundaries (`sentences`).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::gazetteer::{self, Entry, Kind};
use super::sentences::Sentence;
use super::text::{self, is_all_caps, is_capitalized, is_double_quote, is_speech_verb, key, Token};
use crate::model::Entities;

/// The three entity types of the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Person,
    Org,
    Location,
}

/// One entity of the article.
#[derive(Debug, Clone)]
pub struct Entity {
    pub name: String,
    pub kind: EntityKind,
    pub mentions: usize,
    pub first: usize,
}

/// One mention of an entity in the text.
#[derive(Debug, Clone, Copy)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pub entity: usize,
}

/// Entities and their mentions, sorted by position.
#[derive(Debug, Default)]
pub struct Analysis {
    pub entities: Vec<Entity>,
    pub mentions: Vec<Mention>,
    /// Surname and given name → person entity, for resolving short forms.
    short_forms: HashMap<String, usize>,
}

/// Small words allowed inside a name when a capitalized word follows ("Bank of England", "Rio de Janeiro").
#[rustfmt::skip]
const CONNECTORS: &[&str] = &[
    "of", "the", "for", "and", "de", "da", "do", "dos", "das", "di", "du", "del", "della", "van", "von",
    "der", "den", "bin", "ibn", "al", "el", "la", "le", "y", "&", "on", "upon",
];

/// Last words that make a run an organization.
#[rustfmt::skip]
const ORG_SUFFIXES: &[&str] = &[
    "Inc", "Corp", "Corporation", "Co", "Company", "Ltd", "LLC", "PLC", "Plc", "AG", "SA", "GmbH", "Group",
    "Holdings", "Bank", "University", "College", "Institute", "School", "Academy", "Court", "Party",
    "Ministry", "Department", "Agency", "Council", "Commission", "Committee", "Association", "Foundation",
    "Fund", "Organization", "Organisation", "Union", "Federation", "League", "Club", "FC", "Authority",
    "Board", "Office", "Army", "Navy", "Force", "Forces", "Guard", "Police", "Service", "Services", "Network",
    "Airlines", "Airways", "Motors", "Technologies", "Systems", "Partners", "Capital", "Times", "Post",
    "Journal", "News", "Press", "Media", "Industries", "Laboratories", "Labs", "Pharmaceuticals", "Society",
    "Centre", "Center", "Hospital", "Museum", "Church", "Parliament", "Assembly", "Senate", "Congress",
    "Cabinet", "Bureau", "Administration", "Coalition", "Alliance", "Movement", "Front", "Brigade",
    "Brothers", "Records", "Studios", "Entertainment", "Energy", "Oil", "Telecom", "Airport", "Team",
    "Tribunal", "Secretariat",
];

/// First words that make a run an organization when "of" follows ("University of Pennsylvania").
#[rustfmt::skip]
const ORG_PREFIXES: &[&str] = &[
    "University", "Bank", "Ministry", "Department", "Museum", "Church", "Office", "Institute", "College",
    "Council", "Court", "House", "Board", "Federation", "Association", "Union", "Academy", "School",
];

/// Capitalized last words that make a run a place ("Orange County", "Kansas City").
#[rustfmt::skip]
const PLACE_SUFFIXES: &[&str] = &[
    "County", "Province", "Region", "Oblast", "District", "Island", "Islands", "City", "Valley", "Mountains",
    "River", "Lake", "Bay", "Beach", "Heights", "Peninsula", "Strait", "Sea", "Ocean", "Desert", "Canyon",
    "Township", "Prefecture", "Governorate", "Territory", "Parish", "Borough", "Coast",
];

/// Lowercase words after a name that make it a place ("Dnipropetrovsk region").
#[rustfmt::skip]
const PLACE_NOUNS: &[&str] = &[
    "region", "province", "oblast", "county", "district", "state", "city", "village", "town", "island",
    "prefecture", "governorate", "area", "neighborhood", "neighbourhood", "suburb", "municipality", "port",
    "enclave", "territory", "border",
];

/// Lowercase role words before a name that make it a person ("coach Anthony Lynn").
#[rustfmt::skip]
const ROLE_NOUNS: &[&str] = &[
    "president", "minister", "secretary", "senator", "governor", "mayor", "coach", "spokesman", "spokeswoman",
    "spokesperson", "chairman", "chairwoman", "director", "ceo", "founder", "analyst", "economist",
    "professor", "lawyer", "attorney", "judge", "officer", "sheriff", "chief", "leader", "captain", "actor",
    "actress", "singer", "star", "player", "quarterback", "manager", "author", "writer", "reporter", "editor",
    "correspondent", "envoy", "ambassador", "prosecutor", "commissioner", "general", "colonel", "detective",
    "son", "daughter", "wife", "husband", "brother", "sister", "mother", "father", "friend", "frontman",
    "guitarist", "drummer", "rapper", "striker", "midfielder", "defender", "goalkeeper", "pitcher", "diver",
    "runner", "candidate", "rival", "counterpart", "premier", "chancellor", "king", "queen", "prince",
    "princess", "pope", "sen", "rep", "gov", "dr", "mr", "mrs", "ms", "by", "researcher", "scientist",
    "historian", "host", "anchor", "presenter", "comedian", "musician", "artist", "designer", "architect",
    "executive", "investor", "billionaire", "entrepreneur", "activist", "campaigner", "lawmaker", "deputy",
    "congressman", "congresswoman", "representative", "official", "aide", "adviser", "advisor", "strategist",
    "pollster", "teammate", "opponent", "winger", "forward", "guard", "linebacker", "receiver", "co-founder",
];

/// Words before an unknown name that make it a place.
const PLACE_PREPOSITIONS: &[&str] = &["in", "near", "outside", "across", "to", "from"];

/// Second halves of compounds built on a name ("US-backed", "Moscow-based").
#[rustfmt::skip]
const COMPOUND_TAILS: &[&str] = &[
    "backed", "based", "led", "born", "owned", "run", "made", "style", "era", "controlled", "friendly",
    "funded", "linked", "allied", "bound", "brokered", "sponsored", "aligned", "focused", "related", "inspired",
    "affiliated", "centric", "specific", "wide", "like", "type", "held", "occupied", "appointed", "leaning",
    "speaking", "registered", "listed", "headquartered", "centered", "centred", "dominated", "educated",
    "American", "born", "bred", "area", "level", "class", "themed", "branded", "designed", "built",
];

/// Kinds of piece a capitalized run is cut into.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece {
    Title,
    Demonym,
    Known(&'static Entry),
    Unknown,
}

/// A word of the text with what the entity rules need to know about it.
#[derive(Debug, Clone, Copy)]
struct Word<'t> {
    /// The word without a possessive or a lowercase hyphen suffix ("Ukraine’s" → "Ukraine").
    text: &'t str,
    start: usize,
    /// End of `text`; the token itself may run further (possessive, suffix).
    end: usize,
    token_end: usize,
    cap: bool,
    /// First word of a sentence or of a quotation: capitalized for grammar, not for being a name.
    initial: bool,
    /// A possessive or hyphen suffix was cut: the run ends here.
    cut: bool,
    /// A dot follows the word ("Gen.", "J.").
    dot: bool,
}

/// Finds the entities of `text`. `skip` is the dateline prefix (handled by `dateline_place`).
pub fn analyze(
    text: &str,
    sentences: &[Sentence],
    skip: usize,
    dateline_place: Option<&str>,
    title: Option<&str>,
) -> Analysis {
    let words = words(text, sentences, skip);
    let lower: HashSet<&str> = words.iter().filter(|w| !w.cap).map(|w| w.text).collect();
    let mut b = Builder::default();
    if let Some(place) = dateline_place {
        b.add_dateline(place);
    }
    let mut pending = Vec::new();
    for run in runs(text, &words) {
        classify_run(text, &words, run, &lower, &mut b, &mut pending);
    }
    b.resolve_pending(text, &words, pending);
    b.finish(title)
}

/// Builds the word list in one pass over tokens and sentences.
fn words<'t>(text: &'t str, sentences: &[Sentence], skip: usize) -> Vec<Word<'t>> {
    let mut out = Vec::new();
    let mut sent = sentences.iter().peekable();
    let mut sentence_start = usize::MAX;
    let mut after_skip = true;
    for t in text::tokenize(text) {
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
        let initial = initial_by_sentence || after_skip || after_opener(text, t.start);
        after_skip = false;
        out.push(word(text, t, initial));
    }
    out
}

/// True when the word follows an opening quote, a colon, a bracket or a dash.
fn after_opener(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end_matches([' ', '\u{a0}']);
    before.ends_with(|c: char| {
        is_double_quote(c) || matches!(c, ':' | '(' | '[' | '\u{2014}' | '\u{2013}' | '\u{2018}' | '\n')
    })
}

fn word(text: &str, t: Token, initial: bool) -> Word<'_> {
    let raw = t.text(text);
    let mut w = text::strip_possessive(raw);
    // "US-backed" → "US", "Kremlin-friendly" → "Kremlin"; "al-Assad", "Port-au-Prince" and
    // "Sang-mok" (a Korean given name) stay whole.
    if let Some((head, tail)) = w.split_once('-') {
        let compound = COMPOUND_TAILS.contains(&tail) || gazetteer::get().lookup(head).is_some();
        if compound && is_capitalized(head) && tail.chars().all(|c| c.is_lowercase() || c == '-') {
            w = head;
        }
    }
    let particle_name = ["al-", "el-", "bin-", "abu-"]
        .iter()
        .any(|p| w.starts_with(p) && w[p.len()..].starts_with(char::is_uppercase));
    Word {
        text: w,
        start: t.start,
        end: t.start + w.len(),
        token_end: t.end,
        cap: is_capitalized(w) || particle_name,
        initial,
        cut: w.len() != raw.len(),
        dot: text[t.end..].starts_with('.'),
    }
}

/// Index ranges of maximal capitalized runs (with inner connectors) that do not cross punctuation.
fn runs(text: &str, words: &[Word<'_>]) -> Vec<Range<usize>> {
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
            } else if CONNECTORS.contains(&next.text)
                && words.get(end + 1).is_some_and(|n| n.cap && !n.initial && joined(text, next, n))
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

/// Cuts one run into pieces and records what they name.
fn classify_run(
    text: &str,
    words: &[Word<'_>],
    run: Range<usize>,
    lower: &HashSet<&str>,
    b: &mut Builder,
    pending: &mut Vec<Range<usize>>,
) {
    let g = gazetteer::get();
    let mut i = run.start;
    // A sentence-initial ordinary word ("Upon", "Sources", "Earlier") is not part of a name.
    while i < run.end
        && words[i].initial
        && is_ordinary(words[i].text, lower)
        && phrase_at(words, i, run.end).is_none()
    {
        i += 1;
    }
    if i < run.end && whole_run_org(text, words, i..run.end, b) {
        return;
    }
    let pieces = cut(words, i..run.end);
    let mut prev: Option<Piece> = None;
    let mut k = 0;
    while k < pieces.len() {
        let (piece, r) = pieces[k].clone();
        match piece {
            Piece::Known(e) => {
                // A place whose name is also a given name, before an unknown word, starts a name
                // ("Jordan Peterson", "Georgia Smith").
                let next_unknown = pieces.get(k + 1).filter(|(p, _)| *p == Piece::Unknown);
                if let (Some((_, nr)), true) =
                    (next_unknown, r.len() == 1 && g.is_first_name(words[r.start].text))
                {
                    b.person(text, words, r.start..nr.end);
                    k += 2;
                    prev = Some(Piece::Unknown);
                    continue;
                }
                b.known(e, words[r.start].start, words[r.end - 1].end);
            }
            Piece::Unknown => classify_unknown(text, words, r, prev, lower, b, pending),
            Piece::Title | Piece::Demonym => {}
        }
        prev = Some(piece);
        k += 1;
    }
}

/// Organisations named by their shape over a whole run: "University of Pennsylvania", "Senate Foreign
/// Relations Committee", "Hong Kong Polytechnic University". Leading titles and demonyms are not part of
/// the name ("Russian Foreign Ministry" → "Foreign Ministry").
fn whole_run_org(text: &str, words: &[Word<'_>], r: Range<usize>, b: &mut Builder) -> bool {
    let first = words[r.start].text;
    let last = words[r.end - 1].text;
    let prefixed = r.len() >= 3 && ORG_PREFIXES.contains(&first) && words[r.start + 1].text == "of";
    let suffixed = r.len() >= 2 && ORG_SUFFIXES.contains(&last);
    if !(prefixed || suffixed) || phrase_at(words, r.start, r.end).is_some_and(|(_, len)| len == r.len()) {
        return false;
    }
    let mut s = r.start;
    while let Some((Piece::Title | Piece::Demonym, len)) = phrase_at(words, s, r.end) {
        s += len;
    }
    if r.end - s < 2 {
        return false;
    }
    let (start, end) = (words[s].start, words[r.end - 1].end);
    b.add(&text[start..end], EntityKind::Org, start, end);
    true
}

/// A capitalized word that is only capitalized because it opens a sentence.
fn is_ordinary(w: &str, lower: &HashSet<&str>) -> bool {
    let g = gazetteer::get();
    g.is_common_cap(w)
        || g.is_stopword(w)
        || is_speech_verb(&w.to_lowercase())
        || lower.contains(w.to_lowercase().as_str())
}

/// The longest title, place, organization or demonym starting at word `i`, as (piece, length).
fn phrase_at(words: &[Word<'_>], i: usize, end: usize) -> Option<(Piece, usize)> {
    let g = gazetteer::get();
    let max = g.max_words.min(end - i);
    for len in (1..=max).rev() {
        // Phrases do not run across a cut word ("Ukraine’s Dnipropetrovsk").
        if words[i..i + len - 1].iter().any(|w| w.cut) {
            continue;
        }
        let phrase: String = join(&words[i..i + len]);
        if g.is_title(&phrase) && (words[i + len - 1].dot || !g.title_needs_dot(&phrase)) {
            return Some((Piece::Title, len));
        }
        if let Some(e) = g.lookup(&phrase) {
            return Some((Piece::Known(e), len));
        }
        if g.demonym(&phrase).is_some() {
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
fn cut(words: &[Word<'_>], range: Range<usize>) -> Vec<(Piece, Range<usize>)> {
    let g = gazetteer::get();
    let mut out: Vec<(Piece, Range<usize>)> = Vec::new();
    let mut i = range.start;
    while i < range.end {
        if let Some((piece, len)) = phrase_at(words, i, range.end) {
            out.push((piece, i..i + len));
            i += len;
            continue;
        }
        let w = words[i].text;
        let dropped = (g.is_common_cap(w) && !(i > range.start && g.is_first_name(words[i - 1].text)))
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
    out.retain(|(p, r)| *p != Piece::Unknown || words[r.start].cap);
    out
}

/// Types an unknown stretch by its context.
fn classify_unknown(
    text: &str,
    words: &[Word<'_>],
    r: Range<usize>,
    prev: Option<Piece>,
    lower: &HashSet<&str>,
    b: &mut Builder,
    pending: &mut Vec<Range<usize>>,
) {
    let g = gazetteer::get();
    let first = words[r.start].text;
    let last = words[r.end - 1].text;
    let before = r.start.checked_sub(1).map(|i| words[i].text.to_lowercase());
    let after = words.get(r.end).filter(|w| !w.cap).map(|w| w.text);
    let n = r.len();
    let start = words[r.start].start;
    let end = words[r.end - 1].end;
    let follows_lower_word = r.start > 0 && !words[r.start - 1].cap && !words[r.end - 1].cut;
    // Organisations by their shape.
    if ORG_SUFFIXES.contains(&last) && n >= 2
        || (n >= 3 && ORG_PREFIXES.contains(&first) && words[r.start + 1].text == "of")
    {
        b.add(&text[start..end], EntityKind::Org, start, end);
        return;
    }
    if PLACE_SUFFIXES.contains(&last) && n >= 2 {
        b.add(&text[start..end], EntityKind::Location, start, end);
        return;
    }
    // "Consiglio Giorgia Meloni", "Majority Leader Chuck Schumer": a given name inside a stretch
    // starts the person's name; what comes before it is typed on its own.
    let split_at = (r.start + 1..r.end.saturating_sub(1)).find(|&k| g.is_first_name(words[k].text));
    if let Some(k) = split_at.filter(|_| !g.is_first_name(first) && prev != Some(Piece::Title)) {
        classify_unknown(text, words, r.start..k, prev, lower, b, pending);
        b.person(text, words, k..r.end);
        return;
    }
    let capitalized = words[r.clone()].iter().filter(|w| w.cap).count();
    let person_context = prev == Some(Piece::Title)
        || (before.as_deref().is_some_and(|b| ROLE_NOUNS.contains(&b)) && follows_lower_word)
        || (n >= 2 && g.is_first_name(first));
    if person_context
        && capitalized <= 4
        && words[r.clone()].iter().all(|w| !is_all_caps(w.text) || w.text.len() == 1)
    {
        b.person(text, words, r);
        return;
    }
    if after.is_some_and(|a| PLACE_NOUNS.contains(&a)) && !words[r.end - 1].cut && n <= 3 {
        b.add(&text[start..end], EntityKind::Location, start, end);
        return;
    }
    if n <= 3 && comma_then_place(text, words[r.end - 1].token_end) {
        b.add(&text[start..end], EntityKind::Location, start, end);
        return;
    }
    let said_after =
        after.is_some_and(|a| is_speech_verb(a) && !matches!(a, "according" | "called" | "described"));
    let said_before = before.as_deref().is_some_and(|b| matches!(b, "said" | "says" | "told" | "asked"));
    if (2..=3).contains(&n) && (said_after || said_before || appositive(text, words[r.end - 1].token_end)) {
        b.person(text, words, r);
        return;
    }
    if n == 1
        && is_all_caps(first)
        && (2..=5).contains(&first.chars().count())
        && first.chars().all(|c| c.is_alphabetic() || c == '.' || c == '&')
    {
        if !g.is_common_cap(first) && !lower.contains(first.to_lowercase().as_str()) && !is_roman(first) {
            b.add(first, EntityKind::Org, start, end);
        }
        return;
    }
    if n <= 2
        && before.as_deref().is_some_and(|b| PLACE_PREPOSITIONS.contains(&b))
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
fn modifies_noun(text: &str, words: &[Word<'_>], i: usize) -> bool {
    words.get(i + 1).is_some_and(|n| !n.cap && text[words[i].token_end..n.start].chars().all(|c| c == ' '))
}

/// Roman numerals read as acronyms ("II", "XIV").
fn is_roman(w: &str) -> bool {
    w.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L' | 'C' | 'M'))
}

/// ", Texas" / ", Ill." / ", Ukraine" right after a name: the name is a place.
fn comma_then_place(text: &str, end: usize) -> bool {
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
        if g.lookup(bare).is_some_and(|e| matches!(e.kind, Kind::State | Kind::Country))
            || g.is_state_abbrev(&phrase)
        {
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
    matches!(next, "who" | "whose")
        || (next.len() <= 3 && next.chars().all(|c| c.is_ascii_digit()) && !next.is_empty())
}

/// Collects entities and mentions while the runs are classified.
#[derive(Default)]
struct Builder {
    entities: Vec<Entity>,
    index: HashMap<(EntityKind, String), usize>,
    mentions: Vec<Mention>,
}

impl Builder {
    fn add(&mut self, name: &str, kind: EntityKind, start: usize, end: usize) -> usize {
        let name = name.trim_start_matches("the ").trim();
        let k = (kind, key(name));
        let id = match self.index.get(&k) {
            Some(&id) => id,
            None => {
                self.entities.push(Entity { name: name.to_string(), kind, mentions: 0, first: start });
                self.index.insert(k, self.entities.len() - 1);
                self.entities.len() - 1
            }
        };
        self.entities[id].mentions += 1;
        self.mentions.push(Mention { start, end, entity: id });
        id
    }

    fn known(&mut self, e: &Entry, start: usize, end: usize) {
        let kind = if e.kind.is_place() { EntityKind::Location } else { EntityKind::Org };
        self.add(e.canonical, kind, start, end);
    }

    fn person(&mut self, text: &str, words: &[Word<'_>], r: Range<usize>) -> usize {
        let (start, end) = (words[r.start].start, words[r.end - 1].end);
        self.add(&text[start..end], EntityKind::Person, start, end)
    }

    fn add_dateline(&mut self, place: &str) {
        match gazetteer::get().lookup(place) {
            Some(e) if e.kind.is_place() => self.add(e.canonical, EntityKind::Location, 0, 0),
            _ if is_all_caps(place) => self.add(&text::title_case(place), EntityKind::Location, 0, 0),
            _ => self.add(place, EntityKind::Location, 0, 0),
        };
    }

    /// Resolves the stretches nothing typed: short forms of known persons, persons whose surname
    /// recurs alone, places after "in", known organisations' acronyms; the rest is dropped.
    fn resolve_pending(&mut self, text: &str, words: &[Word<'_>], pending: Vec<Range<usize>>) {
        // Single-word person names ("President Putin") merge into the full name with that surname.
        let mut short: HashMap<String, usize> = HashMap::new();
        for (id, e) in self.entities.iter().enumerate() {
            if e.kind == EntityKind::Person {
                let parts: Vec<&str> = e.name.split_whitespace().collect();
                if parts.len() >= 2 {
                    short.entry(key(parts[parts.len() - 1])).or_insert(id);
                    short.entry(key(parts[0])).or_insert(id);
                }
            }
        }
        // Multi-word stretches whose last word also stands alone are persons ("Kurt Volker" … "Volker").
        let singles: HashSet<String> =
            pending.iter().filter(|r| r.len() == 1).map(|r| key(words[r.start].text)).collect();
        for r in &pending {
            if (2..=3).contains(&r.len())
                && singles.contains(&key(words[r.end - 1].text))
                && words[r.clone()].iter().all(|w| !is_all_caps(w.text))
            {
                let id = self.person(text, words, r.clone());
                short.entry(key(words[r.end - 1].text)).or_insert(id);
            }
        }
        for r in pending {
            if r.len() != 1 {
                continue;
            }
            let w = &words[r.start];
            if let Some(&id) = short.get(&key(w.text)) {
                self.entities[id].mentions += 1;
                self.mentions.push(Mention { start: w.start, end: w.end, entity: id });
            } else if r.start > 0
                && PLACE_PREPOSITIONS[..3].contains(&words[r.start - 1].text)
                && !w.initial
                && !modifies_noun(text, words, r.start)
            {
                self.add(w.text, EntityKind::Location, w.start, w.end);
            }
        }
        // Persons known only by one word merge into a full name with that word.
        self.merge_short_persons(&short);
    }

    /// Folds single-word person entities ("Putin" from "President Putin") into the full name.
    fn merge_short_persons(&mut self, short: &HashMap<String, usize>) {
        let mut remap: Vec<usize> = (0..self.entities.len()).collect();
        for (id, e) in self.entities.iter().enumerate() {
            if e.kind == EntityKind::Person && !e.name.contains(' ') {
                if let Some(&full) = short.get(&key(&e.name)) {
                    if full != id {
                        remap[id] = full;
                    }
                }
            }
        }
        for m in &mut self.mentions {
            m.entity = remap[m.entity];
        }
        for (id, &to) in remap.iter().enumerate() {
            if to != id {
                let (n, first) = (self.entities[id].mentions, self.entities[id].first);
                let target = &mut self.entities[to];
                target.mentions += n;
                target.first = target.first.min(first);
                self.entities[id].mentions = 0;
            }
        }
    }

    fn finish(mut self, title: Option<&str>) -> Analysis {
        let mut short_forms = HashMap::new();
        for (id, e) in self.entities.iter().enumerate() {
            if e.kind == EntityKind::Person && e.mentions > 0 {
                for part in e.name.split_whitespace() {
                    short_forms.entry(key(part)).or_insert(id);
                }
                short_forms.insert(key(&e.name), id);
            }
        }
        let title_words: HashSet<String> = title
            .map(|t| text::tokenize(t).iter().map(|w| key(text::strip_possessive(w.text(t)))).collect())
            .unwrap_or_default();
        for e in &mut self.entities {
            // Mentions in the headline count extra.
            if e.mentions > 0 && e.name.split_whitespace().any(|p| title_words.contains(&key(p))) {
                e.mentions += 2;
            }
        }
        self.mentions.sort_by_key(|m| m.start);
        Analysis { entities: self.entities, mentions: self.mentions, short_forms }
    }
}

impl Analysis {
    /// The record's entities: each once, most mentioned first, then by first appearance.
    pub fn to_entities(&self) -> Entities {
        let mut order: Vec<&Entity> = self.entities.iter().filter(|e| e.mentions > 0).collect();
        order.sort_by(|a, b| b.mentions.cmp(&a.mentions).then(a.first.cmp(&b.first)));
        let mut out = Entities::default();
        for e in order {
            let list = match e.kind {
                EntityKind::Person => &mut out.persons,
                EntityKind::Org => &mut out.organizations,
                EntityKind::Location => &mut out.locations,
            };
            if !list.contains(&e.name) {
                list.push(e.name.clone());
            }
        }
        out
    }

    /// The full name of the person a short form refers to ("Trump" → "Donald Trump").
    pub fn resolve_person(&self, name: &str) -> Option<&str> {
        let name = text::strip_possessive(name.trim());
        if let Some(&id) = self.short_forms.get(&key(name)) {
            return Some(&self.entities[id].name);
        }
        // Title + name ("President Trump", "Mr. Smith"): try the last word.
        let last = name.split_whitespace().last()?;
        self.short_forms.get(&key(last)).map(|&id| self.entities[id].name.as_str())
    }

    /// Mentions inside `range`, in order.
    pub fn mentions_in(&self, range: Range<usize>) -> impl Iterator<Item = (&Mention, &Entity)> + '_ {
        let i = self.mentions.partition_point(|m| m.start < range.start);
        self.mentions[i..]
            .iter()
            .take_while(move |m| m.start < range.end)
            .filter(move |m| m.end <= range.end)
            .map(|m| (m, &self.entities[m.entity]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::news::sentences;

    fn ents(t: &str) -> Entities {
        let s = sentences::split(t);
        analyze(t, &s, 0, None, None).to_entities()
    }

    #[test]
    fn titles_and_coreference() {
        let t = "US President Donald Trump met Russian Foreign Minister Sergei Lavrov in Anchorage. Trump said Lavrov was tough.";
        let e = ents(t);
        assert_eq!(e.persons, ["Donald Trump", "Sergei Lavrov"]);
        assert!(
            e.locations.contains(&"United States".to_string())
                && e.locations.contains(&"Anchorage".to_string())
        );
    }

    #[test]
    fn sentence_initial_words_are_not_names() {
        let e = ents(
            "Sources said the deal was close. Upon arrival, officials met in Alaska. Earlier, it rained.",
        );
        assert!(e.persons.is_empty(), "{e:?}");
        assert_eq!(e.locations, ["Alaska"]);
    }

    #[test]
    fn contextual_places_and_orgs() {
        let e = ents("A strike in Ukraine’s Dnipropetrovsk region hit Fort Worth, Texas, said the Polytechnic University.");
        assert!(e.locations.contains(&"Dnipropetrovsk".to_string()), "{e:?}");
        assert!(e.locations.contains(&"Fort Worth".to_string()));
        assert!(e.organizations.contains(&"Polytechnic University".to_string()));
    }

    #[test]
    fn surname_recurring_makes_a_person() {
        let e = ents("Kurt Volker testified on Tuesday. Later Volker left the room.");
        assert_eq!(e.persons, ["Kurt Volker"]);
        let e = ents("The Pursuing Peace banner hung there.");
        assert!(e.persons.is_empty());
    }
}
