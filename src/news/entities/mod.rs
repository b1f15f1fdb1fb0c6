//! Named entities (persons, organizations, locations) without a statistical model: capitalized word
//! runs are cut into gazetteer phrases, titles and unknown names; unknown names are typed by context
//! (a title before them, a given name, "<Name> said", "<Place> region", "City, State", "in <Place>",
//! organisation suffixes); single words are resolved to the full name introduced in the same article
//! ("Trump" → "Donald Trump"). Owns the mention index the quote attributor uses to name speakers.
//! Not owned here: word lists (`gazetteer`), sentence boundaries (`sentences`).

use std::ops::Range;

mod builder;
mod classify;
mod lexicon;
mod words;

use self::builder::Builder;
use self::classify::classify_run;
use self::words::{runs, words, Lex};
use super::sentences::Sentence;
use super::text::{self, key, FastMap as Map};
use super::vocab::Vocab;
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
    short_forms: Map<String, usize>,
}

/// Finds the entities of `text`. `skip` is the dateline prefix, whose place and qualifiers come as
/// `dateline`.
#[allow(clippy::too_many_arguments)]
pub fn analyze<'t>(
    text: &'t str,
    tokens: &[text::Token],
    vocab: &mut Vocab<'t>,
    sentences: &[Sentence],
    skip: usize,
    dateline: Option<(&str, &[String])>,
    title: Option<&str>,
    language: Option<&str>,
) -> Analysis {
    let words = words(text, tokens, sentences, skip, vocab);
    let lex = Lex::new(vocab, &words);
    let mut b = Builder::default();
    b.strict = matches!(language, Some("de" | "lb"));
    if let Some((place, qualifiers)) = dateline {
        b.add_dateline(place, qualifiers);
    }
    let mut pending = Vec::new();
    for run in runs(text, &words, &lex) {
        classify_run(text, &words, run, &lex, &mut b, &mut pending);
    }
    b.resolve_pending(text, &words, pending, &lex);
    b.finish(title)
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
        let tokens = text::tokenize(t);
        let mut v = Vocab::build(t, &tokens);
        analyze(t, &tokens, &mut v, &s, 0, None, None, Some("en")).to_entities()
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
    fn german_nouns_are_not_names() {
        let t = "Bundeskanzler Olaf Scholz sprach in Kooperation mit Partnern über Native Apps. \
                 Im Kontext der Digitalisierung sagte Scholz, Kommen Sie nach Berlin.";
        let s = sentences::split(t);
        let tokens = text::tokenize(t);
        let mut v = Vocab::build(t, &tokens);
        let e = analyze(t, &tokens, &mut v, &s, 0, None, None, Some("de")).to_entities();
        assert_eq!(e.persons, ["Olaf Scholz"]);
        assert_eq!(e.locations, ["Berlin"]);
    }

    #[test]
    fn surname_recurring_makes_a_person() {
        let e = ents("Kurt Volker testified on Tuesday. Later Volker left the room.");
        assert_eq!(e.persons, ["Kurt Volker"]);
        let e = ents("The Pursuing Peace banner hung there.");
        assert!(e.persons.is_empty());
    }
}
