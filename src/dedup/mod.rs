//! Stage [5]: identity and duplicates. Canonical URLs and stable ids (`canonical`), the content
//! hash, exact repeats (same id and text: dropped), updates (same id, new text: next
//! `revision`), and near-duplicates (`duplicate_of`, see `near`). Knows nothing of HTTP or
//! sinks.
//!
//! ```text
//! record.text ─► text (words, shingles) ─► sketch (MinHash) ─► near (the rule, retention)
//!                                                                ├─► index (LSH bands, memory)
//!                                                                └─► state::signatures (redb)
//! record URL ─► canonical (canonical URL, identity key) ─► article_id
//! ```

mod canonical;
pub mod index;
pub mod near;
pub mod sketch;
pub mod text;

use std::collections::HashMap;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;
use url::Url;

use crate::config::StateConfig;
use crate::model::Record;
use crate::state::Store;

pub use canonical::{canonical_url, identity_key};
use near::NearDups;

/// A record on its way to the sink, with what the sink must commit once it is written.
#[derive(Debug, Clone)]
pub struct Pending {
    pub record: Record,
    pub feed: String,
    pub item_key: String,
    pub item_hash: String,
}

/// What the stage needs from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// How long near-duplicate signatures are kept (`state.dedup_retention_days`).
    pub retention: Duration,
}

impl Settings {
    /// The stage's settings from the `[state]` section.
    pub fn new(state: &StateConfig) -> Settings {
        Settings { retention: Duration::from_secs(u64::from(state.dedup_retention_days) * 86_400) }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings::new(&StateConfig::default())
    }
}

/// The stable id of an article: hex of the first 16 bytes of SHA-256 of its identity key (see
/// [`identity_key`]), or of the string itself when it is not a URL (a feed-scoped fallback).
pub fn article_id(canonical: &str) -> String {
    let key = match Url::parse(canonical) {
        Ok(u) => identity_key(&u),
        Err(_) => canonical.to_string(),
    };
    hex::encode(&Sha256::digest(key.as_bytes())[..16])
}

/// Hash of the normalized text: its words (`text::words`: case folded, punctuation and white
/// space ignored), so a re-extraction that only changes quotes or spacing is not an update.
pub fn content_hash(text: &str) -> String {
    let mut h = Sha256::new();
    text::for_each_word(text, |w| {
        h.update(w.as_bytes());
        h.update(b" ");
    });
    hex::encode(&h.finalize()[..16])
}

/// Runs the stage: assigns revisions, drops exact repeats, sets `duplicate_of`, passes the
/// rest on. Ends when its input closes (or the sink's does).
pub async fn run(
    store: Store,
    settings: Settings,
    mut input: mpsc::Receiver<Pending>,
    output: mpsc::Sender<Pending>,
) {
    let mut near = load_near(&store, &settings).await;
    // Ids handed to the sink but perhaps not yet committed: (revision, content hash).
    let mut in_flight: HashMap<String, (u32, String)> = HashMap::new();
    let mut prune_at = IN_FLIGHT_PRUNE_AT;
    loop {
        let mut p = match input.try_recv() {
            Ok(p) => p,
            // A lull: the moment to save held-back signatures, then wait.
            Err(TryRecvError::Empty) => {
                near.save();
                match input.recv().await {
                    Some(p) => p,
                    None => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        let id = p.record.id.clone();
        prune_committed(&store, &mut in_flight, &mut prune_at);
        // Whether the earlier copy is committed (in the store) or only on its way to the sink.
        let committed = !in_flight.contains_key(&id);
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
                crate::metrics::METRICS.duplicates_dropped.inc();
                // Mark the item seen only when the earlier copy is committed: if that copy is
                // still in flight and newsd dies before writing it, a marked item would never be
                // fetched again. Unmarked, it comes back on the next poll and is settled then.
                if committed {
                    if let Err(e) = store.mark_items(&p.feed, &[(p.item_key.clone(), p.item_hash.clone())]) {
                        tracing::warn!(error = %e, "Could not mark item as seen.");
                    }
                }
                continue;
            }
            Some((rev, _)) => p.record.revision = rev + 1,
            None => p.record.revision = 0,
        }
        p.record.duplicate_of = near.assess(&id, &p.record.text, chrono::Utc::now().timestamp());
        if let Some(of) = &p.record.duplicate_of {
            tracing::debug!(id = %id, duplicate_of = %of, "Near-duplicate of an earlier record.");
        }
        in_flight.insert(id, (p.record.revision, p.record.content_hash.clone()));
        if output.send(p).await.is_err() {
            break;
        }
    }
    near.save();
}

/// In-flight entries kept before the committed ones are pruned.
const IN_FLIGHT_PRUNE_AT: usize = 4096;

/// Drops the in-flight entries the sink has committed (the store now answers for them), so the
/// map stays as small as the pipeline's backlog instead of growing with every article. Runs only
/// when the map passes `prune_at`, which then doubles past what is left, so its cost stays
/// amortized even with a large backlog.
fn prune_committed(store: &Store, in_flight: &mut HashMap<String, (u32, String)>, prune_at: &mut usize) {
    if in_flight.len() < *prune_at {
        return;
    }
    in_flight.retain(|id, (rev, hash)| {
        !matches!(store.emitted(id), Ok(Some(e)) if e.revision == *rev && e.content_hash == *hash)
    });
    *prune_at = (in_flight.len() * 2).max(IN_FLIGHT_PRUNE_AT);
}

/// The near-duplicate index from the store; empty (with an error logged) when it cannot be read.
async fn load_near(store: &Store, settings: &Settings) -> NearDups {
    let (for_load, retention) = (store.clone(), settings.retention);
    let now = chrono::Utc::now().timestamp();
    let started = std::time::Instant::now();
    let loaded = tokio::task::spawn_blocking(move || NearDups::load(for_load, retention, now)).await;
    match loaded {
        Ok(Ok(near)) => {
            tracing::info!(signatures = near.len(), took = ?started.elapsed(), "Near-duplicate index loaded.");
            near
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "Could not load near-duplicate signatures; starting empty.");
            NearDups::empty(store.clone(), retention, now)
        }
        Err(e) => {
            tracing::error!(error = %e, "Near-duplicate index load failed; starting empty.");
            NearDups::empty(store.clone(), retention, now)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_keeps_only_what_the_store_does_not_answer_for() {
        use crate::state::{Delivered, Emitted};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut in_flight: HashMap<String, (u32, String)> =
            (0..IN_FLIGHT_PRUNE_AT).map(|i| (format!("id{i}"), (0, "h".to_string()))).collect();
        // The sink committed the even ids; one of them was since updated to revision 1.
        let committed: Vec<Delivered> = (0..IN_FLIGHT_PRUNE_AT)
            .step_by(2)
            .map(|i| Delivered {
                id: format!("id{i}"),
                emitted: Emitted { revision: 0, content_hash: "h".into() },
                feed: "f".into(),
                item_key: format!("k{i}"),
                item_hash: "ih".into(),
            })
            .collect();
        store.commit_delivered(&committed).unwrap();
        in_flight.insert("id0".into(), (1, "h2".into()));
        let mut prune_at = IN_FLIGHT_PRUNE_AT;
        prune_committed(&store, &mut in_flight, &mut prune_at);
        assert_eq!(in_flight.len(), IN_FLIGHT_PRUNE_AT / 2 + 1, "odd ids and the newer id0 stay");
        assert_eq!(in_flight.get("id0"), Some(&(1, "h2".to_string())));
        assert!(!in_flight.contains_key("id2"));
        assert_eq!(prune_at, IN_FLIGHT_PRUNE_AT.max(in_flight.len() * 2));
    }

    #[test]
    fn ids_are_stable_and_follow_identity() {
        assert_eq!(article_id("https://e.org/a"), article_id("https://e.org/a"));
        assert_ne!(article_id("https://e.org/a"), article_id("https://e.org/b"));
        assert_eq!(article_id("https://www.e.org/a/"), article_id("http://e.org/a"));
        assert_eq!(article_id("x").len(), 32);
        // Pinned: ids are persisted and appear in every record.
        assert_eq!(article_id("https://e.org/a"), hex::encode(&Sha256::digest(b"e.org/a")[..16]));
    }

    #[test]
    fn content_hash_ignores_case_space_and_punctuation() {
        assert_eq!(content_hash("Hello   World"), content_hash("hello world"));
        assert_eq!(content_hash("“Hello,” world."), content_hash("\"hello\" world"));
        assert_ne!(content_hash("hello world"), content_hash("hello word"));
    }

    #[test]
    fn retention_comes_from_the_state_section() {
        let state = StateConfig { dedup_retention_days: 2, ..StateConfig::default() };
        assert_eq!(Settings::new(&state).retention, Duration::from_secs(2 * 86_400));
        assert_eq!(Settings::default().retention, Duration::from_secs(30 * 86_400));
    }
}
