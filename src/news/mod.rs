//! Stage [4c]: the news fields of an article, as pure functions over its text and metadata:
//! dateline, wire agencies, quotes with speakers, named entities, summary, keywords.
//!
//! Everything here is deterministic and linear in the text: no model is loaded and nothing is
//! fetched; the word lists are compiled in (`gazetteer`, `data/*.txt`). Submodules, in the order
//! `analyze` runs them:
//! - `sentences` — sentence boundaries (abbreviations, quotes, paragraphs);
//! - `vocab` — the article's words interned once, with their facts, for entities and keywords;
//! - `dateline` — the place a story was filed, and the credit in its parentheses;
//! - `agencies` — wire credits, normalized;
//! - `entities` — persons, organizations, locations and their mentions;
//! - `quotes` — quotations with speakers (uses the entity mentions);
//! - `summary`, `keywords` — the article in brief.

mod agencies;
mod dateline;
mod entities;
mod gazetteer;
mod keywords;
mod quotes;
mod sentences;
mod summary;
mod text;
mod vocab;

use crate::model::{Entities, Quote};

/// What `analyze` reads.
#[derive(Debug, Clone, Copy)]
pub struct NewsInput<'a> {
    /// The article body, paragraphs separated by a blank line.
    pub text: &'a str,
    pub title: Option<&'a str>,
    /// Authors as extracted (may include organisations such as "Reuters").
    pub authors: &'a [String],
    /// ISO 639-1, if known.
    pub language: Option<&'a str>,
}

/// The news fields of one article.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct News {
    pub dateline: Option<String>,
    pub agencies: Vec<String>,
    pub quotes: Vec<Quote>,
    pub entities: Entities,
    pub summary: String,
    pub keywords: Vec<String>,
}

/// The one spelling newsd uses for a place or organisation known to its gazetteer ("U.S." →
/// "United States", "The Associated Press" → "AP"); other names are returned unchanged.
pub fn canonical_name(name: &str) -> String {
    let g = gazetteer::get();
    g.agency(name).or_else(|| g.lookup(name).map(|e| e.canonical)).unwrap_or(name).to_string()
}

/// Computes every news field.
pub fn analyze(input: &NewsInput<'_>) -> News {
    let text = input.text;
    // The paragraphs are found once and shared by the analyzers that read text paragraph by paragraph.
    let paras = text::paragraphs(text);
    let sentences = sentences::split_paragraphs(text, &paras);
    let tokens = text::tokenize(text);
    let mut vocab = vocab::Vocab::build(text, &tokens);
    let dateline = dateline::find_in(text, &paras);
    let body_start = dateline.as_ref().map_or(0, |d| d.body_start);
    let credit = dateline.as_ref().and_then(|d| d.credit.as_deref());
    let agencies = agencies::find(text, &paras, input.authors, credit);
    let place = dateline.as_ref().map(|d| (d.place.as_str(), d.qualifiers.as_slice()));
    let ents = entities::analyze(
        text,
        &tokens,
        &mut vocab,
        &sentences,
        body_start,
        place,
        input.title,
        input.language,
    );
    let quotes = quotes::find(text, &paras, &sentences, &ents);
    let mut entities = ents.to_entities();
    // Credited agencies are organizations of the story too.
    for a in &agencies {
        if !entities.organizations.contains(a) {
            entities.organizations.push(a.clone());
        }
    }
    News {
        dateline: dateline.map(|d| d.place),
        agencies,
        quotes,
        entities,
        summary: summary::summarize(text, &tokens, &sentences, body_start, input.title),
        keywords: keywords::extract(text, &tokens, &vocab, &sentences, body_start),
    }
}
