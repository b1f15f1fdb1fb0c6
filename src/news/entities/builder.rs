//! Collects entities and mentions while runs are classified, then resolves what the rules left
//! open: short forms of persons ("Trump" → "Donald Trump"), surnames that recur alone, places after
//! "in", and finally orders entities by importance.

use std::ops::Range;

use super::super::gazetteer::{self, Entry};
use super::super::text::{self, is_all_caps, key, FastMap as HashMap, FastSet as HashSet};
use super::classify::modifies_noun;
use super::lexicon::PLACE_PREPOSITIONS;
use super::words::{Lex, Word};
use super::{Analysis, Entity, EntityKind, Mention};

/// Collects entities and mentions while the runs are classified.
#[derive(Default)]
pub(super) struct Builder {
    entities: Vec<Entity>,
    index: HashMap<(EntityKind, String), usize>,
    mentions: Vec<Mention>,
    /// The language capitalizes every noun (German): only titles, given names and the gazetteer
    /// name things; context rules that rely on capitals being rare are off.
    pub(super) strict: bool,
}

impl Builder {
    pub(super) fn add(&mut self, name: &str, kind: EntityKind, start: usize, end: usize) -> usize {
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

    pub(super) fn known(&mut self, e: &Entry, start: usize, end: usize) {
        let kind = if e.kind.is_place() { EntityKind::Location } else { EntityKind::Org };
        self.add(e.canonical, kind, start, end);
    }

    pub(super) fn person(&mut self, text: &str, words: &[Word<'_>], r: Range<usize>) -> usize {
        let (start, end) = (words[r.start].start, words[r.end - 1].end);
        self.add(&text[start..end], EntityKind::Person, start, end)
    }

    /// True when `name` is already a location of this article.
    pub(super) fn is_location(&self, name: &str) -> bool {
        self.index.contains_key(&(EntityKind::Location, key(name)))
    }

    /// The dateline place, and those of its qualifiers the gazetteer knows ("KYIV, Ukraine").
    pub(super) fn add_dateline(&mut self, place: &str, qualifiers: &[String]) {
        let g = gazetteer::get();
        // Mentions at offset 0: the dateline sits before the skipped prefix, outside any sentence.
        match g.lookup(place) {
            Some(e) if e.kind.is_place() => self.add(e.canonical, EntityKind::Location, 0, 0),
            _ if is_all_caps(place) => self.add(&text::title_case(place), EntityKind::Location, 0, 0),
            _ => self.add(place, EntityKind::Location, 0, 0),
        };
        for q in qualifiers {
            if let Some(e) = g.lookup(q).filter(|e| e.kind.is_place()) {
                self.add(e.canonical, EntityKind::Location, 0, 0);
            }
        }
    }

    /// Resolves the stretches nothing typed: short forms of known persons, persons whose surname
    /// recurs alone, places after "in", known organisations' acronyms; the rest is dropped.
    pub(super) fn resolve_pending(
        &mut self,
        text: &str,
        words: &[Word<'_>],
        pending: Vec<Range<usize>>,
        lex: &Lex<'_, '_>,
    ) {
        // Single-word person names ("President Putin") merge into the full name with that surname.
        // Surname and given name of every multi-word person; the first person registered keeps a
        // shared surname (the one introduced first is usually the one the article is about).
        let mut short: HashMap<String, usize> = HashMap::default();
        // In order of first mention (entities are created in rule order, not text order).
        let mut order: Vec<usize> = (0..self.entities.len()).collect();
        order.sort_by_key(|&id| self.entities[id].first);
        for id in order {
            let e = &self.entities[id];
            if e.kind == EntityKind::Person {
                let parts: Vec<&str> = e.name.split_whitespace().collect();
                if parts.len() >= 2 {
                    short.entry(key(parts[parts.len() - 1])).or_insert(id);
                    short.entry(key(parts[0])).or_insert(id);
                }
            }
        }
        // Multi-word stretches whose last word also stands alone are persons ("Kurt Volker" … "Volker").
        // (Words compared by their vocabulary key.)
        let singles: HashSet<u32> =
            pending.iter().filter(|r| r.len() == 1).map(|r| lex.key_id(&words[r.start])).collect();
        for r in &pending {
            if !self.strict
                && (2..=3).contains(&r.len())
                && singles.contains(&lex.key_id(&words[r.end - 1]))
                && words[r.clone()].iter().all(|w| !is_all_caps(w.text))
            {
                let id = self.person(text, words, r.clone());
                short.entry(key(words[r.end - 1].text)).or_insert(id);
            }
        }
        // Single words: a short form of a person, else a place after "in"/"near"/"outside"; anything
        // else stays unnamed (an ordinary capitalized word is far likelier than an unknown name).
        for r in pending {
            if r.len() != 1 {
                continue;
            }
            let w = &words[r.start];
            if let Some(&id) = short.get(lex.key_text(w)) {
                self.entities[id].mentions += 1;
                self.mentions.push(Mention { start: w.start, end: w.end, entity: id });
            } else if !self.strict
                && r.start > 0
                && PLACE_PREPOSITIONS[..3].contains(&words[r.start - 1].text)
                && !w.initial
                && !modifies_noun(text, words, r.start)
                // An ordinary word written with a capital ("in Tech", "in Science") is no place:
                // it also occurs in lowercase, or it is too short to be a name.
                && w.text.chars().count() > 2
                && !lex.in_lowercase(w)
            {
                self.add(w.text, EntityKind::Location, w.start, w.end);
            }
        }
        // Persons known only by one word merge into a full name with that word.
        self.merge_short_persons(&short);
    }

    /// Folds single-word person entities ("Putin" from "President Putin") into the full name.
    pub(super) fn merge_short_persons(&mut self, short: &HashMap<String, usize>) {
        // Entities are never removed (mentions point at them by index): a merged entity keeps its
        // slot with zero mentions and `to_entities` skips it.
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

    /// Indexes short forms for the quote attributor, weighs headline mentions and sorts mentions.
    pub(super) fn finish(mut self, title: Option<&str>) -> Analysis {
        // Every part of a person's name, and the full name, point back at that person.
        let mut short_forms = HashMap::default();
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
