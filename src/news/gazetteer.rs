//! The word lists shipped inside the binary (`src/news/data/*.txt`, compiled in with `include_str!`):
//! places, organizations, wire agencies, person titles, given names, stop words. Owns their parsing
//! into lookup tables, built once on first use; it knows nothing about articles.

use std::sync::LazyLock;

use super::text::{fnv1a, key, with_key, FastMap as HashMap, FastSet as HashSet};

/// What a gazetteer phrase names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Country,
    City,
    Region,
    State,
    Org,
    Agency,
}

impl Kind {
    pub fn is_place(self) -> bool {
        matches!(self, Kind::Country | Kind::City | Kind::Region | Kind::State)
    }
}

/// One named thing and its preferred spelling.
#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    pub canonical: &'static str,
    pub kind: Kind,
}

/// A phrase found in a lookup: the entry and whether the phrase must be written in capitals to count
/// ("WHO" the organization, not "Who").
#[derive(Debug, Clone, Copy)]
struct Phrase {
    entry: u32,
    acronym: bool,
}

/// All lookup tables. Keys are `text::key` forms (lowercase, no dots).
pub struct Gazetteer {
    entries: Vec<Entry>,
    phrases: HashMap<String, Phrase>,
    agencies: HashMap<String, Phrase>,
    /// The last word of every agency spelling (keys), for ruling out credits cheaply.
    agency_last_words: HashSet<String>,
    /// Demonyms and adjectives ("Russian") → the country entry.
    demonyms: HashMap<String, u32>,
    /// State abbreviations ("ill", "nm"), trusted only right after "City, ".
    state_abbrevs: HashSet<String>,
    titles: HashSet<String>,
    /// Titles only ever written abbreviated with a dot ("Gen.", "Sen."): "Gen Nakatani" has none.
    dotted_titles: HashSet<String>,
    first_names: HashSet<&'static str>,
    female_names: HashSet<&'static str>,
    stopwords: HashSet<&'static str>,
    /// `text::fnv1a` of every stop word, for callers that hold a key's hash already.
    stopword_hashes: HashSet<u64>,
    common_caps: HashSet<String>,
    /// First word of every place, organization, title and demonym → its longest phrase in words.
    first_words: HashMap<String, usize>,
}

static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(Gazetteer::build);

/// The shared gazetteer (built on first use, a few hundred microseconds).
pub fn get() -> &'static Gazetteer {
    &GAZETTEER
}

/// Data lines without comments and blanks.
fn lines(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// True for a spelling that only counts in capitals: short and without lowercase letters.
fn is_acronym(s: &str) -> bool {
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    letters <= 6 && !s.chars().any(char::is_lowercase)
}

impl Gazetteer {
    fn build() -> Self {
        let mut g = Gazetteer {
            entries: Vec::new(),
            phrases: HashMap::default(),
            agencies: HashMap::default(),
            agency_last_words: HashSet::default(),
            demonyms: HashMap::default(),
            state_abbrevs: HashSet::default(),
            titles: HashSet::default(),
            dotted_titles: HashSet::default(),
            first_names: HashSet::default(),
            female_names: HashSet::default(),
            stopwords: HashSet::default(),
            stopword_hashes: HashSet::default(),
            common_caps: HashSet::default(),
            first_words: HashMap::default(),
        };
        // Countries first: an alias shared with a later list ("Georgia" the state) keeps the country.
        for line in lines(include_str!("data/countries.txt")) {
            let mut f = line.split('|');
            let name = f.next().unwrap_or_default();
            let id = g.add(name, Kind::Country, f.next().unwrap_or_default());
            for d in f.next().unwrap_or_default().split(',').filter(|d| !d.is_empty()) {
                g.note_first_word(d);
                g.demonyms.entry(key(d)).or_insert(id);
            }
            for capital in f.next().unwrap_or_default().split(',').filter(|c| !c.is_empty()) {
                g.add(capital, Kind::City, "");
            }
        }
        for (data, kind) in [
            (include_str!("data/cities.txt"), Kind::City),
            (include_str!("data/regions.txt"), Kind::Region),
            (include_str!("data/orgs.txt"), Kind::Org),
        ] {
            for line in lines(data) {
                let (name, aliases) = line.split_once('|').unwrap_or((line, ""));
                g.add(name, kind, aliases);
            }
        }
        for line in lines(include_str!("data/us_states.txt")) {
            let (name, abbrevs) = line.split_once('|').unwrap_or((line, ""));
            g.add(name.trim_end_matches(" State"), Kind::State, "");
            g.state_abbrevs.extend(abbrevs.split(',').filter(|a| !a.is_empty()).map(key));
        }
        for line in lines(include_str!("data/agencies.txt")) {
            let (name, aliases) = line.split_once('|').unwrap_or((line, ""));
            let id = g.add(name, Kind::Agency, aliases);
            for spelling in std::iter::once(name).chain(aliases.split(',')).filter(|a| !a.is_empty()) {
                g.agencies
                    .entry(key(spelling))
                    .or_insert(Phrase { entry: id, acronym: is_acronym(spelling) });
            }
        }
        g.agency_last_words =
            g.agencies.keys().filter_map(|k| k.split_whitespace().last()).map(str::to_string).collect();
        for t in lines(include_str!("data/titles.txt")) {
            g.note_first_word(t);
            if t.ends_with('.') {
                g.dotted_titles.insert(key(t));
            } else {
                g.titles.insert(key(t));
            }
        }
        g.first_names = lines(include_str!("data/first_names.txt")).flat_map(str::split_whitespace).collect();
        g.female_names =
            lines(include_str!("data/female_names.txt")).flat_map(str::split_whitespace).collect();
        g.first_names.extend(g.female_names.iter().copied());
        g.stopwords = lines(include_str!("data/stopwords.txt")).flat_map(str::split_whitespace).collect();
        g.stopword_hashes = g.stopwords.iter().map(|w| fnv1a(w.bytes())).collect();
        g.common_caps =
            lines(include_str!("data/common_caps.txt")).flat_map(str::split_whitespace).map(key).collect();
        g
    }

    /// Remembers how long a phrase starting with this phrase's first word can be.
    fn note_first_word(&mut self, phrase: &str) {
        let words = phrase.split_whitespace().count();
        if let Some(first) = phrase.split_whitespace().next() {
            let longest = self.first_words.entry(key(first)).or_insert(0);
            *longest = (*longest).max(words);
        }
    }

    /// The longest phrase, in words, that may start with the word whose key is `first_key`
    /// (0: no phrase starts with it).
    pub fn longest_from(&self, first_key: &str) -> usize {
        self.first_words.get(first_key).copied().unwrap_or(0)
    }

    /// Adds an entry with its aliases; an existing phrase keeps its first meaning.
    fn add(&mut self, name: &'static str, kind: Kind, aliases: &'static str) -> u32 {
        let id = self.entries.len() as u32;
        self.entries.push(Entry { canonical: name, kind });
        for spelling in
            std::iter::once(name).chain(aliases.split(',')).map(str::trim).filter(|a| !a.is_empty())
        {
            let spelling = spelling.strip_prefix("the ").unwrap_or(spelling);
            self.note_first_word(spelling);
            self.phrases.entry(key(spelling)).or_insert(Phrase { entry: id, acronym: is_acronym(spelling) });
        }
        id
    }

    fn check(&self, p: Option<&Phrase>, surface: &str) -> Option<&Entry> {
        let p = p?;
        if p.acronym && surface.chars().any(char::is_lowercase) {
            return None;
        }
        self.entries.get(p.entry as usize)
    }

    /// The place or organization a phrase names, as written in the text.
    pub fn lookup(&self, surface: &str) -> Option<&Entry> {
        self.check(with_key(surface, |k| self.phrases.get(k)), surface)
    }

    /// What a phrase is, from one key computation: (a title, a title that counts only when written
    /// with its dot — "Gen." but not the name "Gen", the place or organization it names, a demonym).
    /// The same answers as `is_title`, `lookup` and `demonym`, for callers that ask all of them.
    pub fn classify(&self, surface: &str) -> (bool, bool, Option<&Entry>, bool) {
        with_key(surface, |k| {
            let (plain, dotted) = (self.titles.contains(k), self.dotted_titles.contains(k));
            (
                plain || dotted,
                !plain && dotted,
                self.check(self.phrases.get(k), surface),
                self.demonyms.get(k).is_some_and(|&i| self.entries.get(i as usize).is_some()),
            )
        })
    }

    /// The wire agency a phrase names ("The Associated Press" → AP).
    pub fn agency(&self, surface: &str) -> Option<&'static str> {
        let s = surface.trim();
        let s = s.strip_prefix("the ").or_else(|| s.strip_prefix("The ")).unwrap_or(s);
        self.check(with_key(s, |k| self.agencies.get(k)), s).map(|e| e.canonical)
    }

    /// True when `word` is the last word of some agency spelling ("Press", "Reuters"), any case.
    pub fn ends_agency(&self, word: &str) -> bool {
        with_key(word, |k| self.agency_last_words.contains(k))
    }

    /// The country of a demonym ("Russian" → Russia).
    pub fn demonym(&self, surface: &str) -> Option<&Entry> {
        with_key(surface, |k| self.demonyms.get(k).copied()).and_then(|i| self.entries.get(i as usize))
    }

    /// A person title, abbreviated or not ("President", "Secretary of State", "Gen").
    pub fn is_title(&self, phrase: &str) -> bool {
        with_key(phrase, |k| self.titles.contains(k) || self.dotted_titles.contains(k))
    }

    pub fn is_state_abbrev(&self, s: &str) -> bool {
        with_key(s, |k| self.state_abbrevs.contains(k))
    }

    pub fn is_first_name(&self, word: &str) -> bool {
        self.first_names.contains(word)
    }

    /// A given name mostly borne by women ("she" may refer to this person; "he" does not).
    pub fn is_female_name(&self, word: &str) -> bool {
        self.female_names.contains(word)
    }

    /// A function word, any case.
    pub fn is_stopword(&self, word: &str) -> bool {
        // Every stop word is written in lowercase (tested below), so a word is looked up once: as
        // it is when it has no capital, lowered when it has one.
        let mut buf = [0u8; 32];
        if word.is_ascii() {
            if !word.bytes().any(|b| b.is_ascii_uppercase()) {
                return self.stopwords.contains(word);
            }
            // Short words (nearly all) are lowered on the stack rather than in a new String.
            if word.len() <= buf.len() {
                let lower = &mut buf[..word.len()];
                lower.copy_from_slice(word.as_bytes());
                lower.make_ascii_lowercase();
                return std::str::from_utf8(lower).is_ok_and(|l| self.stopwords.contains(l));
            }
            return self.stopwords.contains(word.to_ascii_lowercase().as_str());
        }
        if self.stopwords.contains(word) {
            return true;
        }
        word.chars().any(char::is_uppercase) && self.stopwords.contains(word.to_lowercase().as_str())
    }

    /// `is_stopword` for a word given by its `text::fnv1a` hash, for a word that is its own
    /// lowercase form (a key).
    pub fn is_stopword_hash(&self, hash: u64) -> bool {
        self.stopword_hashes.contains(&hash)
    }

    /// A capitalized word that is not a name by itself (days, months, pronouns, "Sources").
    pub fn is_common_cap(&self, word: &str) -> bool {
        with_key(word, |k| self.common_caps.contains(k))
    }

    /// `is_common_cap` for a word given by its key (`text::key`).
    pub fn is_common_cap_key(&self, key: &str) -> bool {
        self.common_caps.contains(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        let g = get();
        assert_eq!(g.lookup("Anchorage").map(|e| e.kind), Some(Kind::City));
        assert_eq!(g.lookup("ANCHORAGE").map(|e| e.canonical), Some("Anchorage"));
        assert_eq!(g.lookup("U.S.").map(|e| e.canonical), Some("United States"));
        assert_eq!(g.lookup("NATO").map(|e| e.kind), Some(Kind::Org));
        assert!(g.lookup("Who").is_none(), "acronyms need capitals");
        assert_eq!(g.demonym("Russian").map(|e| e.canonical), Some("Russia"));
        assert_eq!(g.agency("The Associated Press"), Some("AP"));
        assert_eq!(g.agency("reuters"), Some("Reuters"));
        assert_eq!(g.agency("Ap"), None);
        assert!(g.is_title("Secretary of State") && g.is_title("Gen.") && g.is_title("Foreign Minister"));
        assert!(g.is_first_name("Donald") && g.is_stopword("The") && g.is_common_cap("Friday"));
        assert!(g.is_state_abbrev("Ill.") && g.is_state_abbrev("N.M."));
    }

    #[test]
    fn stopwords_are_lowercase_and_found_in_any_case() {
        let g = get();
        // `is_stopword` looks a capitalized word up only lowered: that needs lowercase entries.
        assert!(g.stopwords.iter().all(|w| w.to_lowercase() == *w));
        assert!(g.is_stopword("the") && g.is_stopword("The") && g.is_stopword("THE"));
        assert!(!g.is_stopword("Ukraine") && !g.is_stopword("ceasefire"));
        assert!(g.is_stopword_hash(fnv1a("the".bytes())) && !g.is_stopword_hash(fnv1a("senate".bytes())));
    }
}
