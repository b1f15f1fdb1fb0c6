//! The words of one article, interned once. Every token gets the id of its surface (as written,
//! possessive cut), and each distinct surface the id of its lookup key (lowercase, no dots). What the
//! analyzers ask of a word — its capitals, whether it is a stop word, a given name, the first word of
//! a gazetteer phrase — is answered once per distinct surface or key instead of once per occurrence,
//! and only when asked (most words are never asked most questions). Owns no rule; the answers come
//! from `gazetteer` and `text`.

use std::cell::Cell;

use super::gazetteer::{self, Gazetteer};
use super::text::{
    fnv1a, is_capitalized, is_own_key, is_speech_verb, push_key, strip_possessive, with_lower, FastMap, Token,
};

/// No such word.
pub const NONE: u32 = u32::MAX;
/// Not looked up yet.
const UNKNOWN: u32 = u32::MAX - 1;

/// A yes/no fact computed on first use.
#[derive(Debug, Clone, Default)]
struct Lazy(Cell<Option<bool>>);

impl Lazy {
    fn get(&self, f: impl FnOnce() -> bool) -> bool {
        if let Some(v) = self.0.get() {
            return v;
        }
        let v = f();
        self.0.set(Some(v));
        v
    }
}

/// What is known about one distinct surface.
#[derive(Debug, Clone)]
pub struct Surface<'t> {
    pub text: &'t str,
    /// Id of its lookup key.
    pub key: u32,
    /// Starts with an uppercase letter.
    pub cap: bool,
    /// Two or more characters, all capitals or dots ("NATO", "U.S").
    pub acronym: bool,
    first_name: Lazy,
    function_word: Lazy,
    /// The surface id of its lowercase form, `NONE`, or `UNKNOWN`.
    lower: Cell<u32>,
}

/// What is known about one distinct lookup key.
#[derive(Debug, Clone)]
pub struct Key {
    /// May start or end a keyword phrase: not a stop word, not a number, not one letter.
    pub content: bool,
    /// Byte range of the key's text in `Vocab::arena`.
    span: (u32, u32),
    common_cap: Lazy,
    /// Longest gazetteer phrase starting with this word, plus one (0: not looked up yet).
    longest: Cell<u8>,
}

/// The interned words of one text.
pub struct Vocab<'t> {
    /// Per token of the text, in order: the id of its surface.
    pub token_ids: Vec<u32>,
    surfaces: Vec<Surface<'t>>,
    keys: Vec<Key>,
    /// The text of every key, back to back.
    arena: String,
    /// FNV hash of a surface → surface id, and of a key → key id. A 64-bit collision would merge
    /// two words: out of reach for the few thousand words of an article.
    by_surface: FastMap<u64, u32>,
    by_key: FastMap<u64, u32>,
}

impl<'t> Vocab<'t> {
    /// Interns every token of `text`.
    pub fn build(text: &'t str, tokens: &[Token]) -> Self {
        let mut v = Vocab {
            token_ids: Vec::with_capacity(tokens.len()),
            surfaces: Vec::with_capacity(tokens.len() / 2),
            keys: Vec::with_capacity(tokens.len() / 2),
            arena: String::with_capacity(tokens.len() * 3),
            by_surface: FastMap::with_capacity_and_hasher(tokens.len() / 2, Default::default()),
            by_key: FastMap::with_capacity_and_hasher(tokens.len() / 2, Default::default()),
        };
        let g = gazetteer::get();
        for t in tokens {
            let id = v.intern_with(strip_possessive(t.text(text)), g);
            v.token_ids.push(id);
        }
        v
    }

    /// The id of `surface`, interning it if new (a word cut out of a token, "US" of "US-backed").
    pub fn intern(&mut self, surface: &'t str) -> u32 {
        self.intern_with(surface, gazetteer::get())
    }

    pub fn surface(&self, id: u32) -> &Surface<'t> {
        &self.surfaces[id as usize]
    }

    pub fn key(&self, id: u32) -> &Key {
        &self.keys[id as usize]
    }

    /// The text of key `id` (lowercase, no dots: `text::key`).
    pub fn key_text(&self, id: u32) -> &str {
        let (a, b) = self.keys[id as usize].span;
        &self.arena[a as usize..b as usize]
    }

    /// The id of a key given as text, or `NONE`.
    pub fn find_key(&self, key: &str) -> u32 {
        self.by_key.get(&fnv1a(key.bytes())).copied().unwrap_or(NONE)
    }

    /// Number of distinct keys (key ids are `0..key_count()`).
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Number of distinct surfaces (surface ids are `0..surface_count()`).
    pub fn surface_count(&self) -> usize {
        self.surfaces.len()
    }

    /// A given name in the gazetteer, as written (`Gazetteer::is_first_name`).
    pub fn first_name(&self, id: u32) -> bool {
        let s = self.surface(id);
        s.first_name.get(|| gazetteer::get().is_first_name(s.text))
    }

    /// Lowercased, a stop word or a speech verb ("The", "Said").
    pub fn function_word(&self, id: u32) -> bool {
        let s = self.surface(id);
        s.function_word.get(|| {
            let g = gazetteer::get();
            with_lower(s.text, |l| g.is_stopword(l) || is_speech_verb(l))
        })
    }

    /// The surface id of `id`'s lowercase form (`str::to_lowercase`; itself when it has no
    /// capital), or `NONE` when the text does not hold it.
    pub fn lower_of(&self, id: u32) -> u32 {
        let s = self.surface(id);
        let known = s.lower.get();
        if known != UNKNOWN {
            return known;
        }
        // Most words are lowercase ASCII already: their own lowercase form.
        let lower = if s.text.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
            id
        } else {
            with_lower(s.text, |l| self.by_surface.get(&fnv1a(l.bytes())).copied()).unwrap_or(NONE)
        };
        s.lower.set(lower);
        lower
    }

    /// A capitalized word that is no name by itself (days, months, "Sources";
    /// `Gazetteer::is_common_cap`), by key id.
    pub fn common_cap(&self, key: u32) -> bool {
        self.key(key).common_cap.get(|| gazetteer::get().is_common_cap_key(self.key_text(key)))
    }

    /// Longest gazetteer phrase, in words, that starts with this word (`Gazetteer::longest_from`),
    /// by key id.
    pub fn longest(&self, key: u32) -> usize {
        let k = self.key(key);
        match k.longest.get() {
            0 => {
                let n = gazetteer::get().longest_from(self.key_text(key));
                k.longest.set(u8::try_from(n).unwrap_or(u8::MAX - 1) + 1);
                n
            }
            n => usize::from(n - 1),
        }
    }

    fn intern_with(&mut self, surface: &'t str, g: &Gazetteer) -> u32 {
        let h = fnv1a(surface.bytes());
        if let Some(&id) = self.by_surface.get(&h) {
            return id;
        }
        let id = self.surfaces.len() as u32;
        let key = self.key_id(surface, h, g);
        self.surfaces.push(Surface {
            text: surface,
            key,
            cap: is_capitalized(surface),
            acronym: surface.len() > 1 && surface.chars().all(|c| c.is_uppercase() || c == '.'),
            first_name: Lazy::default(),
            function_word: Lazy::default(),
            lower: Cell::new(UNKNOWN),
        });
        self.by_surface.insert(h, id);
        id
    }

    /// The key id of a surface, registering the key if new. `surface_hash` is the surface's
    /// `fnv1a` hash.
    fn key_id(&mut self, surface: &str, surface_hash: u64, g: &Gazetteer) -> u32 {
        let start = self.arena.len();
        let h = if is_own_key(surface) {
            // Most words are their own key, hashed already.
            if let Some(&id) = self.by_key.get(&surface_hash) {
                return id;
            }
            self.arena.push_str(surface);
            surface_hash
        } else {
            push_key(surface, &mut self.arena);
            let h = fnv1a(self.arena[start..].bytes());
            if let Some(&id) = self.by_key.get(&h) {
                self.arena.truncate(start);
                return id;
            }
            h
        };
        let k = &self.arena[start..];
        let key = Key {
            content: k.chars().nth(1).is_some()
                && !g.is_stopword_hash(h)
                && k.chars().any(char::is_alphabetic)
                && !k.chars().all(|c| c.is_ascii_digit() || c == ','),
            span: (start as u32, self.arena.len() as u32),
            common_cap: Lazy::default(),
            longest: Cell::new(0),
        };
        let id = self.keys.len() as u32;
        self.keys.push(key);
        self.by_key.insert(h, id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::news::text::tokenize;

    #[test]
    fn words_are_interned_once_with_their_facts() {
        let t = "The talks began. Trump’s aides said the TALKS and U.S. talks went on; Donald left.";
        let toks = tokenize(t);
        let v = Vocab::build(t, &toks);
        let id = |w: &str| toks.iter().position(|k| strip_possessive(k.text(t)) == w).map(|i| v.token_ids[i]);
        let (talks, upper) = (id("talks").unwrap(), id("TALKS").unwrap());
        assert_ne!(talks, upper, "surfaces differ");
        assert_eq!(v.surface(talks).key, v.surface(upper).key, "keys do not");
        assert_eq!((v.lower_of(upper), v.lower_of(talks)), (talks, talks));
        assert_eq!(v.lower_of(id("Donald").unwrap()), NONE);
        assert_eq!(v.surface(v.token_ids[3]).text, "Trump", "possessive cut");
        assert!(v.surface(id("TALKS").unwrap()).acronym && !v.surface(talks).acronym);
        assert!(v.first_name(id("Donald").unwrap()) && !v.first_name(talks));
        assert!(v.function_word(id("The").unwrap()) && !v.function_word(id("Trump").unwrap()));
        assert_eq!(v.longest(v.surface(id("Donald").unwrap()).key), 0);
        assert!(v.longest(v.surface(id("U.S").unwrap()).key) >= 1);
        assert_eq!(v.surface(id("U.S").unwrap()).key, v.find_key("us"));
        assert_eq!(v.key_text(v.surface(id("U.S").unwrap()).key), "us");
        assert_eq!(v.key_text(v.surface(upper).key), "talks");
        assert!(v.key(v.surface(talks).key).content && !v.key(v.surface(id("the").unwrap()).key).content);
        let the = id("The").unwrap();
        let mut v = v;
        let before = v.surface_count();
        assert_eq!(v.intern(&t[..3]), the);
        assert_eq!(v.surface_count(), before);
    }
}
