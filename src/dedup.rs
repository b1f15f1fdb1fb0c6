//! Stage [5]: identity and duplicates. Canonical URLs and stable ids, the content hash, exact
//! repeats (same id and text: dropped), updates (same id, new text: next `revision`), and
//! near-duplicates (`duplicate_of`). Knows nothing of HTTP or sinks.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use url::Url;

use crate::model::Record;
use crate::state::Store;

/// A record on its way to the sink, with what the sink must commit once it is written.
#[derive(Debug, Clone)]
pub struct Pending {
    pub record: Record,
    pub feed: String,
    pub item_key: String,
    pub item_hash: String,
}

/// Query parameters that only track readers.
const TRACKING: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "yclid",
    "_ga",
    "_gl",
    "ocid",
    "cmpid",
    "ref_src",
    "smid",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "wt_mc",
    "wt.mc_id",
    "__twitter_impression",
    "s_cid",
    "icid",
    "rss",
    "ito",
];

/// The canonical form of an article URL: fragment and tracking parameters dropped (scheme and
/// host case and default ports are normalized by `url` itself).
pub fn canonical_url(url: &Url) -> Url {
    let mut u = url.clone();
    u.set_fragment(None);
    if u.query().is_some() {
        let kept: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| {
                let k = k.to_ascii_lowercase();
                !(k.starts_with("utm_") || TRACKING.contains(&k.as_str()))
            })
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    u
}

/// The stable id of an article: hex of the first 16 bytes of SHA-256 of its canonical URL.
pub fn article_id(canonical: &str) -> String {
    hex(&Sha256::digest(canonical.as_bytes())[..16])
}

/// Hash of the normalized text (case folded, white space collapsed).
pub fn content_hash(text: &str) -> String {
    let mut h = Sha256::new();
    for w in text.split_whitespace() {
        h.update(w.to_lowercase().as_bytes());
        h.update(b" ");
    }
    hex(&h.finalize()[..16])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs the stage: assigns revisions, drops exact repeats, passes the rest on.
pub async fn run(store: Store, mut input: mpsc::Receiver<Pending>, output: mpsc::Sender<Pending>) {
    // Ids handed to the sink but perhaps not yet committed: (revision, content hash).
    let mut in_flight: HashMap<String, (u32, String)> = HashMap::new();
    while let Some(mut p) = input.recv().await {
        let id = p.record.id.clone();
        let previous = match in_flight.get(&id) {
            Some((rev, hash)) => Some((*rev, hash.clone())),
            None => match store.emitted(&id) {
                Ok(e) => e.map(|e| (e.revision, e.content_hash)),
                Err(e) => {
                    tracing::error!(id = %id, error = %e, "State store read failed; record held back.");
                    continue;
                }
            },
        };
        match previous {
            Some((_, hash)) if hash == p.record.content_hash => {
                tracing::debug!(id = %id, feed = %p.feed, "Article already emitted; skipped.");
                if let Err(e) = store.mark_items(&p.feed, &[(p.item_key.clone(), p.item_hash.clone())]) {
                    tracing::warn!(error = %e, "Could not mark item as seen.");
                }
                continue;
            }
            Some((rev, _)) => p.record.revision = rev + 1,
            None => p.record.revision = 0,
        }
        in_flight.insert(id, (p.record.revision, p.record.content_hash.clone()));
        if output.send(p).await.is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_parameters_and_fragments_go() {
        let u = Url::parse("HTTPS://Example.ORG:443/a/b?utm_source=rss&id=7&fbclid=x#top").unwrap();
        assert_eq!(canonical_url(&u).as_str(), "https://example.org/a/b?id=7");
        let u = Url::parse("https://e.org/a?utm_medium=rss").unwrap();
        assert_eq!(canonical_url(&u).as_str(), "https://e.org/a");
    }

    #[test]
    fn ids_and_hashes_are_stable() {
        assert_eq!(article_id("https://e.org/a"), article_id("https://e.org/a"));
        assert_ne!(article_id("https://e.org/a"), article_id("https://e.org/b"));
        assert_eq!(content_hash("Hello   World"), content_hash("hello world"));
        assert_eq!(article_id("x").len(), 32);
    }
}
