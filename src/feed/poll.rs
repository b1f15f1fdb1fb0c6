//! Stage [2]: one poll of one feed. Fetches the document with its saved validators
//! (conditional GET), parses it, and returns the items not yet turned into records together
//! with the server's scheduling hints. Decides nothing about timing (that is `scheduler`).

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::config::FeedSpec;
use crate::http::{FetchError, Fetcher, Purpose, Request};
use crate::model::Item;
use crate::state::{FeedState, StateError, Store};

use super::{parse, ParseError, ParsedFeed};

/// Why a poll produced no items.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{url}: {source}")]
    Parse {
        url: String,
        #[source]
        source: ParseError,
    },
    #[error("{url}: feed of {size} bytes is larger than fetch.max_feed_bytes ({limit})")]
    TooLarge { url: String, size: u64, limit: u64 },
    #[error(transparent)]
    State(#[from] StateError),
}

/// What one successful poll found.
#[derive(Debug, Default)]
pub struct Polled {
    /// HTTP status (200 or 304; 200 for `file://`).
    pub status: u16,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// `Cache-Control`/`Expires` header values, for the scheduler's hints.
    pub cache_control: Option<String>,
    pub expires: Option<String>,
    /// The parsed document (empty on 304).
    pub feed: ParsedFeed,
    /// Items not yet turned into records, or changed since.
    pub new_items: Vec<NewItem>,
    /// Items in the document.
    pub total_items: usize,
}

/// Polls one feed.
pub async fn poll(
    fetcher: &Fetcher,
    store: &Store,
    spec: &FeedSpec,
    state: &FeedState,
) -> Result<Polled, PollError> {
    let mut req = Request::new(spec.url.clone(), Purpose::Feed);
    req.etag = state.etag.clone();
    req.last_modified = state.last_modified.clone();
    let resp = fetcher.get(&req).await?;
    let mut out = Polled {
        status: resp.status,
        etag: resp.etag.clone().or_else(|| state.etag.clone()),
        last_modified: resp.last_modified.clone().or_else(|| state.last_modified.clone()),
        cache_control: resp.cache_control.clone(),
        expires: resp.expires.clone(),
        ..Default::default()
    };
    if resp.not_modified() {
        return Ok(out);
    }
    // The fetcher caps every body at max_body_bytes; a feed document has its own, usually
    // lower, cap because feed-rs builds the whole document in memory (about 20x its size).
    let limit = fetcher.config().max_feed_bytes;
    if resp.body.len() as u64 > limit {
        return Err(PollError::TooLarge { url: spec.url.to_string(), size: resp.body.len() as u64, limit });
    }
    let base = resp.final_url.clone();
    let content_type = resp.content_type.clone();
    let body = resp.body;
    let feed = tokio::task::spawn_blocking(move || parse(&body, &base, content_type.as_deref()))
        .await
        .unwrap_or(Err(ParseError::Panicked))
        .map_err(|source| PollError::Parse { url: spec.url.to_string(), source })?;
    if !feed.recovery.fixes.is_empty() || feed.recovery.salvaged || feed.recovery.lossy {
        tracing::debug!(feed = %spec.name, fixes = ?feed.recovery.fixes, salvaged = feed.recovery.salvaged,
            lossy = feed.recovery.lossy, panics = feed.recovery.panics, "Feed repaired before parsing.");
    }
    out.total_items = feed.items.len();
    out.new_items = new_items(store, &spec.name, &feed.items)?;
    out.feed = feed;
    Ok(out)
}

/// An item not yet turned into a record (or changed since), with its identity key and its
/// fingerprint, computed once here and carried to the sink.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub item: Item,
    /// [`Item::key`].
    pub key: String,
    /// [`item_hash`].
    pub hash: String,
}

/// Items not yet seen with this fingerprint. An item whose key appeared earlier in the same
/// document is skipped: two entries sharing a key would overwrite each other's fingerprint and
/// come back as "changed" on every poll.
pub fn new_items(store: &Store, feed: &str, items: &[Item]) -> Result<Vec<NewItem>, StateError> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for item in items {
        let key = item.key();
        if !seen.insert(key.clone()) {
            continue;
        }
        let hash = item_hash(item, &key);
        if store.item_hash(feed, &key)?.as_deref() != Some(hash.as_str()) {
            out.push(NewItem { item: item.clone(), key, hash });
        }
    }
    Ok(out)
}

/// Fingerprint of an item as the feed shows it: a change means the article may have changed.
/// The link enters as the item's key, so that tracking parameters rotating on every fetch
/// (`utm_campaign=…`) do not make the item look changed. `key` is the item's [`Item::key`].
pub fn item_hash(item: &Item, key: &str) -> String {
    let mut h = Sha256::new();
    for part in [Some(key), item.title.as_deref(), item.summary.as_deref()] {
        h.update(part.unwrap_or("").as_bytes());
        h.update([0x1f]);
    }
    if let Some(u) = item.updated {
        h.update(u.timestamp().to_le_bytes());
    }
    hex::encode(&h.finalize()[..12])
}

/// Seconds in `Cache-Control: max-age=N`, if any.
pub fn max_age(cache_control: &str) -> Option<Duration> {
    cache_control.split(',').find_map(|d| {
        let (k, v) = d.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case("max-age").then(|| v.trim().parse().ok().map(Duration::from_secs))?
    })
}
