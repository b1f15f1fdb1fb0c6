//! What crosses stages: `FeedSpec` (config) → [`Item`] (a parsed feed entry) → [`Entry`]
//! (an item with its feed, to be processed) → [`Record`] (the output line, SPEC `newsd.article/1`).
//!
//! Plain data only; no stage logic lives here.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use crate::config::FeedSpec;

/// One entry of a parsed feed, links already absolute.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item {
    /// The feed's id for the item (GUID, Atom id, JSON Feed id); may be empty.
    pub guid: String,
    /// The article link, resolved against the feed URL (and xml:base).
    pub link: Option<String>,
    pub title: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// The item's summary or content as plain text.
    pub summary: Option<String>,
    pub authors: Vec<String>,
}

impl Item {
    /// A key that identifies the item within its feed across polls, whatever the feed does
    /// wrong. In order of preference:
    /// 1. the link, without `utm_*` parameters — GUIDs are too often unstable (regenerated on
    ///    every fetch) or shared (one GUID for many items), links rarely are;
    /// 2. the GUID, when there is no link or the link is only a site's front page (some feeds
    ///    point every item at their home page);
    /// 3. that front-page link; 4. the title; 5. a hash of the summary.
    ///
    /// Links are absolute already (resolved against the feed URL and `xml:base` by the
    /// parser), so a relative link gives the same key on every poll.
    pub fn key(&self) -> String {
        let link = self.link.as_deref().map(str::trim).filter(|l| !l.is_empty()).map(identity_link);
        let guid = Some(self.guid.trim()).filter(|g| !g.is_empty());
        match (link, guid) {
            (Some((link, false)), _) => link,
            (_, Some(guid)) => guid.to_string(),
            (Some((link, true)), None) => link,
            (None, None) => match self.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(title) => title.to_string(),
                None => self.summary.as_deref().map(text_key).unwrap_or_default(),
            },
        }
    }
}

/// A link as an identity: `utm_*` tracking parameters removed. Also says whether it is only a
/// site's front page (path `/`, no query), which identifies no item.
fn identity_link(link: &str) -> (String, bool) {
    let Ok(mut url) = url::Url::parse(link) else { return (link.to_string(), false) };
    if url.query().is_some() {
        let pairs: Vec<(String, String)> =
            url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let kept: Vec<_> =
            pairs.iter().filter(|(k, _)| !k.to_ascii_lowercase().starts_with("utm_")).collect();
        // re-serialized only when something goes, so that other links keep their exact form
        if kept.is_empty() {
            url.set_query(None);
        } else if kept.len() < pairs.len() {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    let front_page = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    (url.to_string(), front_page)
}

/// Key of an item known only by its text.
fn text_key(summary: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(summary.trim().as_bytes());
    format!("text:{}", hex::encode(&digest[..12]))
}

/// An item waiting to become a record.
#[derive(Debug, Clone)]
pub struct Entry {
    pub feed: Arc<FeedSpec>,
    pub item: Item,
    /// The item's identity key ([`Item::key`]), computed once when the feed was read.
    pub item_key: String,
    /// Fingerprint of the item as the feed showed it (to notice changed items).
    pub item_hash: String,
}

/// How far processing got for a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The article page was fetched and yielded text.
    Ok,
    /// Built from the feed item alone; `error` says why.
    FeedOnly,
    /// Nothing usable.
    Error,
}

/// The feed a record came from.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FeedRef {
    pub name: String,
    pub url: String,
    pub tags: Vec<String>,
}

/// The feed item as seen in the feed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemRef {
    pub guid: String,
    pub link: Option<String>,
    pub title: Option<String>,
    #[serde(serialize_with = "opt_time")]
    pub published: Option<DateTime<Utc>>,
    pub summary: Option<String>,
}

/// A direct quotation and who said it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Quote {
    pub text: String,
    pub speaker: Option<String>,
}

/// Named entities, each once, in order of importance.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Entities {
    pub persons: Vec<String>,
    pub organizations: Vec<String>,
    pub locations: Vec<String>,
}

/// One output line (SPEC `newsd.article/1`). Field order is the SPEC's; every field is always
/// serialized, `null` or empty where unknown.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Record {
    pub schema: &'static str,
    pub id: String,
    pub revision: u32,
    pub status: Status,
    pub error: Option<String>,
    pub feed: FeedRef,
    pub item: ItemRef,
    pub url: Option<String>,
    pub canonical_url: Option<String>,
    pub title: Option<String>,
    pub authors: Vec<String>,
    #[serde(serialize_with = "opt_time")]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "opt_time")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "time")]
    pub fetched_at: DateTime<Utc>,
    pub language: Option<String>,
    pub site_name: Option<String>,
    pub description: Option<String>,
    pub image: Option<String>,
    pub dateline: Option<String>,
    pub agencies: Vec<String>,
    pub text: String,
    pub word_count: usize,
    pub summary: String,
    pub quotes: Vec<Quote>,
    pub entities: Entities,
    pub keywords: Vec<String>,
    pub content_hash: String,
    pub duplicate_of: Option<String>,
}

/// The schema tag of every record.
pub const SCHEMA: &str = "newsd.article/1";

/// RFC 3339 in UTC with a `Z`, seconds precision: `2025-08-16T01:05:00Z`.
pub fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn time<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(t))
}

fn opt_time<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The SPEC's record, key for key: order, `null` (never absent) for unknowns, nested
    /// objects' keys, status spelling and UTC timestamps with a `Z`.
    #[test]
    fn record_serializes_as_the_spec_shows() {
        let t = Utc.with_ymd_and_hms(2025, 8, 16, 1, 5, 0).unwrap();
        let record = Record {
            schema: SCHEMA,
            id: "ab".into(),
            revision: 0,
            status: Status::FeedOnly,
            error: None,
            feed: FeedRef { name: "f".into(), url: "https://e.org/f".into(), tags: vec![] },
            item: ItemRef { guid: String::new(), link: None, title: None, published: Some(t), summary: None },
            url: None,
            canonical_url: None,
            title: None,
            authors: vec![],
            published_at: None,
            updated_at: None,
            fetched_at: t,
            language: None,
            site_name: None,
            description: None,
            image: None,
            dateline: None,
            agencies: vec![],
            text: String::new(),
            word_count: 0,
            summary: String::new(),
            quotes: vec![Quote { text: "q".into(), speaker: None }],
            entities: Entities::default(),
            keywords: vec![],
            content_hash: "cd".into(),
            duplicate_of: None,
        };
        let expected = concat!(
            r#"{"schema":"newsd.article/1","id":"ab","revision":0,"status":"feed_only","error":null,"#,
            r#""feed":{"name":"f","url":"https://e.org/f","tags":[]},"#,
            r#""item":{"guid":"","link":null,"title":null,"published":"2025-08-16T01:05:00Z","summary":null},"#,
            r#""url":null,"canonical_url":null,"title":null,"authors":[],"published_at":null,"#,
            r#""updated_at":null,"fetched_at":"2025-08-16T01:05:00Z","language":null,"site_name":null,"#,
            r#""description":null,"image":null,"dateline":null,"agencies":[],"text":"","word_count":0,"#,
            r#""summary":"","quotes":[{"text":"q","speaker":null}],"#,
            r#""entities":{"persons":[],"organizations":[],"locations":[]},"keywords":[],"#,
            r#""content_hash":"cd","duplicate_of":null}"#
        );
        assert_eq!(serde_json::to_string(&record).unwrap(), expected);
        for (status, name) in [(Status::Ok, "\"ok\""), (Status::Error, "\"error\"")] {
            assert_eq!(serde_json::to_string(&status).unwrap(), name);
        }
    }
}
