//! Stage [4c]: the news fields of an article, as pure functions over its text and metadata:
//! dateline, wire agencies, quotes with speakers, named entities, summary, keywords.

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

/// Computes every news field.
pub fn analyze(input: &NewsInput<'_>) -> News {
    let _ = input;
    News::default()
}
