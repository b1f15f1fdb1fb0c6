//! Feed bytes → [`ParsedFeed`]: the parse pipeline and the isolation of feed-rs. Pure: no I/O.
//!
//! The steps, each taken only when the previous one recovered no item (or, after step 1,
//! fewer items than the document has item tags; the better result wins):
//! 1. decode to UTF-8 (`decode`: BOM, HTTP charset, XML declaration, detection) and parse;
//! 2. repair the document (`repair`: stray `&`, unbalanced tags, old dialects…) and parse;
//! 3. salvage: parse each `<item>`/`<entry>` of the repaired document on its own, so that one
//!    item feed-rs rejects costs that item and not the feed.
//!
//! feed-rs runs with a fresh parser per document inside `catch_unwind` (3.0 panics on some
//! inputs and is unusable after a failed parse). Items are then made safe to pass on: links
//! absolute and http(s), text made plain (`text`), lengths capped, far-future dates dropped.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use chrono::{DateTime, Utc, Weekday};
use url::Url;

use super::repair::{self, Fix};
use super::text::clean_text;
use super::{dates, decode, hints, json};
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
    /// RSS `<skipHours>`: hours (0–23, GMT) in which the feed asks not to be polled.
    pub skip_hours: Vec<u8>,
    /// RSS `<skipDays>`: days on which the feed asks not to be polled.
    pub skip_days: Vec<Weekday>,
    /// `sy:updatePeriod` divided by `sy:updateFrequency`.
    pub update_period: Option<Duration>,
    /// The feed's own URL (`<link rel="self">`), as the feed states it.
    pub self_url: Option<String>,
    /// How the document was read.
    pub recovery: Recovery,
}

/// How much help a document needed: for logs, metrics and tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recovery {
    /// The character encoding it was read as.
    pub encoding: &'static str,
    /// Invalid byte sequences were replaced.
    pub lossy: bool,
    /// Repairs applied (empty when the document parsed as it was).
    pub fixes: Vec<Fix>,
    /// Items were parsed one by one (the document as a whole was rejected).
    pub salvaged: bool,
    /// feed-rs panics caught while reading this document.
    pub panics: u32,
}

/// A document that yielded nothing usable.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not a feed: {0}")]
    Invalid(String),
    #[error("feed parser crashed on this document")]
    Panicked,
}

/// Lengths beyond which feed text is cut: a title is not a book, and a record stays a line.
const MAX_TITLE: usize = 2_000;
const MAX_SUMMARY: usize = 100_000;
const MAX_ID: usize = 2_000;
const MAX_AUTHORS: usize = 20;
/// Dates further ahead than this are taken as wrong (clock or zone errors are within a day).
const FUTURE_SLACK: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// Parses a feed document. `base` is the URL it was fetched from (relative links resolve
/// against it, and `xml:base`); `content_type` the HTTP header, whose charset wins over the
/// XML declaration for bytes that are not UTF-8.
pub fn parse(bytes: &[u8], base: &Url, content_type: Option<&str>) -> Result<ParsedFeed, ParseError> {
    // Only feed-rs is expected to panic; this outer guard keeps any bug of ours contained too.
    catch_unwind(AssertUnwindSafe(|| parse_at(bytes, base, content_type, Utc::now())))
        .unwrap_or(Err(ParseError::Panicked))
}

/// [`parse`] with the current time given (for dates in the future).
pub(crate) fn parse_at(
    bytes: &[u8],
    base: &Url,
    content_type: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ParsedFeed, ParseError> {
    let decoded = decode::decode(bytes, content_type);
    let mut rec = Recovery { encoding: decoded.encoding, lossy: decoded.lossy, ..Default::default() };
    let text: &str = &decoded.text;
    let (feed, items) = read(text, base, &mut rec)?;
    let mut parsed = match feed {
        Some(feed) => ParsedFeed {
            title: feed.title.map(|t| clean_text(&t.content, MAX_TITLE)).filter(|t| !t.is_empty()),
            ttl: feed.ttl.map(|m| Duration::from_secs(u64::from(m) * 60)),
            hub: feed_link(&feed.links, "hub"),
            self_url: feed_link(&feed.links, "self"),
            ..Default::default()
        },
        None => ParsedFeed::default(),
    };
    parsed.items = items.into_iter().map(|e| to_item(e, base, now)).collect();
    // feed-rs' own values first (it knows the structure); the raw scan fills the gaps, and
    // is the only source for what feed-rs does not expose
    let h = hints::scan(text);
    parsed.ttl = parsed.ttl.map(|t| t.min(hints::MAX_HINT)).or(h.ttl);
    parsed.hub = parsed.hub.or(h.hub);
    parsed.self_url = parsed.self_url.or(h.self_url);
    parsed.skip_hours = h.skip_hours;
    parsed.skip_days = h.skip_days;
    parsed.update_period = h.update_period;
    parsed.recovery = rec;
    Ok(parsed)
}

/// The steps of the module doc on decoded text.
fn read(text: &str, base: &Url, rec: &mut Recovery) -> Outcome {
    // Step 1: the document as it is (most feeds).
    let outcome = run_feed_rs(text.as_bytes(), base, rec);
    let got = item_count(&outcome);
    // JSON Feed has its own repair: the XML ones mean nothing to it.
    if looks_like_json(text) {
        return if got == 0 { json_repaired(text, base, rec, outcome) } else { outcome };
    }
    // Steps 2 and 3 when the document gave no item, or fewer than it has item tags (feed-rs
    // silently drops some, e.g. RSS 1.0 items without a link): the better result wins.
    if got > 0 && got >= item_tags(text) {
        return outcome;
    }
    let alternative = repaired(text, base, rec);
    if item_count(&alternative) > got || (outcome.is_err() && alternative.is_ok()) {
        return alternative;
    }
    rec.fixes.clear(); // what was tried is not what was used
    rec.salvaged = false;
    outcome
}

/// The feed-level part (absent when only items could be salvaged) and the entries.
type Outcome = Result<(Option<feed_rs::model::Feed>, Vec<feed_rs::model::Entry>), ParseError>;

/// Items a parse recovered.
fn item_count(o: &Outcome) -> usize {
    o.as_ref().map_or(0, |(_, items)| items.len())
}

/// `<item>` and `<entry>` start tags in the document: about how many items it has.
fn item_tags(text: &str) -> usize {
    ["<item", "<entry"]
        .iter()
        .flat_map(|tag| text.match_indices(tag).map(move |(at, _)| at + tag.len()))
        .filter(|&end| matches!(text.as_bytes().get(end), Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/')))
        .count()
}

/// JSON Feed rather than XML (feed-rs decides the same way, by the first character).
fn looks_like_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// Steps 2 and 3: the repaired document, then, if that gives no item, its items one by one.
fn repaired(text: &str, base: &Url, rec: &mut Recovery) -> Outcome {
    // feed-rs panics mostly on author strings; after a panic, repair those too
    let mut fixed = repair::repair(text, repair::Options { persons: rec.panics > 0 });
    let mut second = run_feed_rs(fixed.text.as_bytes(), base, rec);
    if matches!(second, Err(ParseError::Panicked)) && rec.panics == 1 {
        fixed = repair::repair(text, repair::Options { persons: true });
        second = run_feed_rs(fixed.text.as_bytes(), base, rec);
    }
    rec.fixes = fixed.fixes.iter().copied().collect();
    if item_count(&second) > 0 {
        return second;
    }
    match salvage(&fixed.text, base, rec) {
        Some((feed, items)) if !items.is_empty() => {
            rec.salvaged = true;
            Ok((feed, items))
        }
        _ => second,
    }
}

/// A JSON Feed feed-rs rejected (or found empty), reshaped and parsed again; the first
/// outcome stays when that gives nothing better.
fn json_repaired(text: &str, base: &Url, rec: &mut Recovery, first: Outcome) -> Outcome {
    let Some(fixed) = json::repair(text) else { return first };
    let second = run_feed_rs(fixed.as_bytes(), base, rec);
    if item_count(&second) > 0 || (first.is_err() && second.is_ok()) {
        rec.fixes = vec![Fix::Json];
        return second;
    }
    first
}

/// Runs feed-rs on one document with a fresh parser, catching its panics. Entries without an
/// id keep an empty one (feed-rs would invent one, sometimes random, which is no identity).
fn run_feed_rs(doc: &[u8], base: &Url, rec: &mut Recovery) -> Outcome {
    let result = catch_unwind(AssertUnwindSafe(|| {
        feed_rs::parser::Builder::new()
            .base_uri(Some(base.as_str()))
            .id_generator(|_, _, _| String::new())
            .timestamp_parser(dates::parse_date)
            .build()
            .parse(doc)
    }));
    match result {
        Ok(Ok(mut feed)) => {
            let entries = std::mem::take(&mut feed.entries);
            Ok((Some(feed), entries))
        }
        Ok(Err(e)) => Err(ParseError::Invalid(e.to_string())),
        Err(_) => {
            rec.panics += 1;
            Err(ParseError::Panicked)
        }
    }
}

/// Step 3: each `<item>` or `<entry>` of a (repaired, hence balanced) document parsed on its
/// own inside a copy of the root element; the feed-level data comes from the document with
/// its items removed.
fn salvage(
    doc: &str,
    base: &Url,
    rec: &mut Recovery,
) -> Option<(Option<feed_rs::model::Feed>, Vec<feed_rs::model::Entry>)> {
    let root_start = doc.find('<')?;
    let root_end = root_start + doc[root_start..].find('>')? + 1;
    let root_tag = &doc[root_start..root_end];
    let root_name = root_tag[1..].split(|c: char| c.is_whitespace() || c == '>' || c == '/').next()?;
    let (item, wrap_open, wrap_close) = match root_name.rsplit(':').next()? {
        "rss" => ("item", "<channel>", "</channel>"),
        "RDF" => ("item", "", ""),
        "feed" => ("entry", "", ""),
        _ => return None,
    };
    let (open, close) = (format!("<{item}"), format!("</{item}>"));
    let mut entries = Vec::new();
    let mut rest_of_doc = String::with_capacity(doc.len().min(64 * 1024));
    let mut at = 0;
    while let Some(p) = doc[at..].find(&open) {
        let start = at + p;
        let after_name = doc.as_bytes().get(start + open.len()).copied();
        if !matches!(after_name, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/')) {
            rest_of_doc.push_str(&doc[at..start + open.len()]);
            at = start + open.len();
            continue; // `<items>`, `<itemCount>`…
        }
        // the repaired document is balanced and items do not nest: the next end tag is ours
        let end = doc[start..].find(&close).map_or(doc.len(), |e| start + e + close.len());
        rest_of_doc.push_str(&doc[at..start]);
        let one = format!("{root_tag}{wrap_open}{}{wrap_close}</{root_name}>", &doc[start..end]);
        if let Ok((_, mut e)) = run_feed_rs(one.as_bytes(), base, rec) {
            entries.append(&mut e);
        }
        at = end;
    }
    rest_of_doc.push_str(&doc[at..]);
    let feed = run_feed_rs(rest_of_doc.as_bytes(), base, rec).ok().and_then(|(f, _)| f);
    Some((feed, entries))
}

/// `href` of the feed's first link with relation `rel`.
fn feed_link(links: &[feed_rs::model::Link], rel: &str) -> Option<String> {
    links.iter().find(|l| l.rel.as_deref() == Some(rel)).map(|l| l.href.trim().to_string())
}

/// A feed-rs entry as an [`Item`] that is safe to pass on.
fn to_item(e: feed_rs::model::Entry, base: &Url, now: DateTime<Utc>) -> Item {
    // an id is data, not prose: no HTML reading, only control characters out
    let guid: String = e.id.trim().chars().filter(|c| !c.is_control()).take(MAX_ID).collect();
    let link = e
        .links
        .iter()
        .filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .chain(e.links.iter())
        .find_map(|l| absolute_link(&l.href, base))
        // RSS: a GUID that is a URL is the permalink when no <link> is given
        .or_else(|| absolute_link(&guid, base).filter(|_| guid.starts_with("http")));
    // the summary, else the content: records carry text, the article stage fetches the page
    let summary = e
        .summary
        .as_ref()
        .map(|t| clean_text(&t.content, MAX_SUMMARY))
        .filter(|s| !s.is_empty())
        .or_else(|| e.content.as_ref().and_then(|c| c.body.as_deref()).map(|b| clean_text(b, MAX_SUMMARY)))
        .filter(|s| !s.is_empty())
        // video feeds (YouTube, PeerTube) describe items in Media RSS only
        .or_else(|| {
            e.media.iter().find_map(|m| m.description.as_ref()).map(|d| clean_text(&d.content, MAX_SUMMARY))
        })
        .filter(|s| !s.is_empty());
    // A date far ahead is a wrong clock or a scheduled event, not a publication time; it
    // would also skew the scheduler's estimate of how often the feed posts.
    let not_future = |t: DateTime<Utc>| (t <= now + FUTURE_SLACK).then_some(t);
    let updated = e.updated.and_then(not_future);
    Item {
        guid,
        link,
        title: e.title.map(|t| clean_text(&t.content, MAX_TITLE)).filter(|s| !s.is_empty()),
        published: e.published.and_then(not_future).or(updated),
        updated,
        summary,
        authors: e
            .authors
            .into_iter()
            .filter_map(|p| p.name)
            .map(|n| clean_text(&n, 200))
            .filter(|n| !n.is_empty())
            .take(MAX_AUTHORS)
            .collect(),
    }
}

/// `href` resolved against the feed URL when it is http(s) (or `file:` in a `file:` feed):
/// `javascript:`, `data:` and the like are not article links.
fn absolute_link(href: &str, base: &Url) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.len() > 8_000 {
        return None;
    }
    let url = base.join(href).ok()?;
    let ok = matches!(url.scheme(), "http" | "https") || (url.scheme() == "file" && base.scheme() == "file");
    ok.then(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://e.org/feed.xml").unwrap()
    }

    #[test]
    fn relative_links_are_resolved() {
        let xml = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><ttl>30</ttl>
            <item><title>A &amp; B</title><link>/a/1</link><guid>g1</guid></item></channel></rss>"#;
        let f = parse(xml, &base(), None).unwrap();
        assert_eq!(f.items[0].link.as_deref(), Some("https://e.org/a/1"));
        assert_eq!(f.items[0].title.as_deref(), Some("A & B"));
        assert_eq!(f.ttl, Some(Duration::from_secs(1800)));
        assert!(f.recovery.fixes.is_empty());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse(b"\x00\x01 not xml", &base(), None).is_err());
    }

    #[test]
    fn unsafe_links_are_dropped() {
        assert_eq!(absolute_link("javascript:alert(1)", &base()), None);
        assert_eq!(absolute_link("file:///etc/passwd", &base()), None);
        assert_eq!(absolute_link(" //cdn.e.org/x ", &base()).as_deref(), Some("https://cdn.e.org/x"));
    }
}
