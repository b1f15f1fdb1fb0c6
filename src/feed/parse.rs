//! Feed bytes → items with feed-rs, isolated: a fresh parser per document and `catch_unwind`
//! around it (feed-rs 3.0 panics on some inputs). Links are made absolute against the feed URL.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use url::Url;

use crate::model::Item;

/// What a feed document says.
#[derive(Debug, Clone, Default)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub items: Vec<Item>,
    /// RSS `<ttl>`.
    pub ttl: Option<Duration>,
    /// WebSub hub (`<link rel="hub">`).
    pub hub: Option<String>,
}

/// A document that yielded nothing usable.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not a feed: {0}")]
    Invalid(String),
    #[error("feed parser crashed on this document")]
    Panicked,
}

/// Parses a feed document; `base` is the URL it was fetched from.
pub fn parse(bytes: &[u8], base: &Url) -> Result<ParsedFeed, ParseError> {
    let first = parse_strict(bytes, base);
    match first {
        Ok(f) if !f.items.is_empty() => Ok(f),
        other => match super::repair::repair(bytes) {
            Some(fixed) => match parse_strict(&fixed, base) {
                Ok(f) => Ok(f),
                Err(_) => other,
            },
            None => other,
        },
    }
}

fn parse_strict(bytes: &[u8], base: &Url) -> Result<ParsedFeed, ParseError> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        feed_rs::parser::Builder::new().base_uri(Some(base.as_str())).build().parse(bytes)
    }));
    let feed = match result {
        Ok(Ok(feed)) => feed,
        Ok(Err(e)) => return Err(ParseError::Invalid(e.to_string())),
        Err(_) => return Err(ParseError::Panicked),
    };
    let hub = feed.links.iter().find(|l| l.rel.as_deref() == Some("hub")).map(|l| l.href.clone());
    let items = feed.entries.into_iter().map(|e| to_item(e, base)).collect();
    Ok(ParsedFeed {
        title: feed.title.map(|t| t.content),
        items,
        ttl: feed.ttl.map(|m| Duration::from_secs(u64::from(m) * 60)),
        hub,
    })
}

fn to_item(e: feed_rs::model::Entry, base: &Url) -> Item {
    let link = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| e.links.first())
        .and_then(|l| base.join(l.href.trim()).ok())
        .map(|u| u.to_string());
    let summary = e
        .summary
        .map(|t| t.content)
        .or_else(|| e.content.and_then(|c| c.body))
        .map(|s| crate::extract::html_to_text(&s))
        .filter(|s| !s.is_empty());
    Item {
        guid: e.id,
        link,
        title: e.title.map(|t| crate::extract::html_to_text(&t.content)).filter(|s| !s.is_empty()),
        published: e.published.or(e.updated),
        updated: e.updated,
        summary,
        authors: e.authors.into_iter().filter_map(|p| p.name).filter(|n| !n.trim().is_empty()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links_are_resolved() {
        let xml = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><ttl>30</ttl>
            <item><title>A &amp; B</title><link>/a/1</link><guid>g1</guid></item></channel></rss>"#;
        let f = parse(xml, &Url::parse("https://e.org/feed.xml").unwrap()).unwrap();
        assert_eq!(f.items[0].link.as_deref(), Some("https://e.org/a/1"));
        assert_eq!(f.items[0].title.as_deref(), Some("A & B"));
        assert_eq!(f.ttl, Some(Duration::from_secs(1800)));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse(b"\x00\x01 not xml", &Url::parse("https://e.org/").unwrap()).is_err());
    }
}
