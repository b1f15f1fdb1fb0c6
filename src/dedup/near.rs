//! Near-duplicates: decides `duplicate_of` for each emitted text and keeps the index and its
//! persistent copy (`state::signatures`) in step, within the retention window.
//!
//! The rule: a text of at least `MIN_WORDS` (50) words is a duplicate of an earlier record
//! when they share a MinHash band and their estimated Jaccard similarity over 3-word shingles
//! is at least [`SIMILARITY`]. `duplicate_of` then names the *root* of that record's story
//! (the first record of it, as remembered with each copy), so five outlets republishing one
//! wire story all point to the first, even after the first's own signature has left the
//! retention window. A record is never a duplicate of itself or of its own copies: a new
//! revision of an original stays the original. Shorter texts are neither flagged nor indexed.
//!
//! Signatures enter the index at once and the store in batches (see [`NearDups::save`]): a
//! crash can lose the last few, which only means a later copy of those texts is not flagged.
//! A signature may also be saved before its record is written; if newsd dies in between, the
//! record comes again after the restart and its own signature is skipped (same id).

use std::time::Duration;

use super::index::{Entry, Id, Match, NearIndex};
use super::sketch::Sketch;
use crate::state::{Signature, StateError, Store};

/// The least estimated Jaccard similarity for "same story". Chosen on `tests/near_dup.rs`:
/// over all 148,785 pairs there, copies of one story reach 0.35 in 97 % of pairs, while
/// different stories never exceed 0.31, and those that come near are short texts (100–230
/// words) whose shared outlet boilerplate makes up a third of them. 0.30 finds 1 % more copies
/// and lets those through.
pub const SIMILARITY: f64 = 0.35;

/// How often expired signatures are dropped while running.
const EXPIRE_EVERY_SECS: i64 = 3600;

/// The most signatures held back from the store: every commit is durable (fsynced), so
/// signatures are written in batches rather than one transaction per record.
pub const SAVE_EVERY: usize = 64;

/// The index, its store and the retention window.
pub struct NearDups {
    index: NearIndex,
    store: Store,
    retention_secs: i64,
    last_expiry: i64,
    /// Signatures in the index but not yet in the store (see [`NearDups::save`]).
    unsaved: Vec<(String, Signature)>,
}

impl Drop for NearDups {
    /// Like a buffered writer: what is still held back is written when the stage ends.
    fn drop(&mut self) {
        self.save();
    }
}

impl NearDups {
    /// Loads every signature within the window from the store (deleting older ones).
    pub fn load(store: Store, retention: Duration, now: i64) -> Result<NearDups, StateError> {
        let mut near = NearDups::empty(store, retention, now);
        let cutoff = near.cutoff(now);
        let mut index = NearIndex::new();
        index.reserve(usize::try_from(near.store.signature_count()?).unwrap_or(0));
        let deleted = near.store.load_signatures(cutoff, |id, sig| {
            let (Some(id), Some(sketch)) = (parse_id(id), Sketch::from_bytes(&sig.sketch)) else {
                return;
            };
            index.insert(Entry { id, root: sig.root, at: sig.at, sketch });
        })?;
        if deleted > 0 {
            tracing::debug!(deleted, "Expired near-duplicate signatures deleted.");
        }
        near.index = index;
        Ok(near)
    }

    /// An empty index over `store` (when loading failed: near-duplicates start afresh).
    pub fn empty(store: Store, retention: Duration, now: i64) -> NearDups {
        let retention_secs = i64::try_from(retention.as_secs()).unwrap_or(i64::MAX);
        NearDups { index: NearIndex::new(), store, retention_secs, last_expiry: now, unsaved: Vec::new() }
    }

    /// Signatures held in memory.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when no signature is held.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Approximate heap bytes of the in-memory index.
    pub fn heap_bytes(&self) -> usize {
        self.index.heap_bytes()
    }

    /// The best earlier signature for `sketch` at or above [`SIMILARITY`], other than record
    /// `id`'s own (a lookup without storing anything).
    pub fn find(&self, sketch: &Sketch, id: &str) -> Option<Match> {
        self.index.find(sketch, SIMILARITY, &parse_id(id).unwrap_or_default())
    }

    /// Slots a lookup of `sketch` reads (for the benchmark).
    pub fn probes(&self, sketch: &Sketch) -> usize {
        self.index.probes(sketch)
    }

    /// The id of the story this text duplicates, if any; then remembers the text (in memory
    /// and in the store) for later records. Store failures are logged, not returned: the
    /// record goes out either way.
    pub fn assess(&mut self, id: &str, text: &str, now: i64) -> Option<String> {
        self.expire_if_due(now);
        let own = parse_id(id)?;
        let sketch = Sketch::of(text)?;
        let found = self.index.find(&sketch, SIMILARITY, &own);
        let root = found.map_or(own, |m| m.entry.root);
        // An identical copy adds nothing the index does not already find.
        if found.is_some_and(|m| m.similarity >= 1.0) {
            return Some(hex::encode(root));
        }
        self.index.insert(Entry { id: own, root, at: now, sketch });
        self.unsaved.push((id.to_string(), Signature { at: now, root, sketch: sketch.to_bytes() }));
        if self.unsaved.len() >= SAVE_EVERY {
            self.save();
        }
        found.map(|_| hex::encode(root))
    }

    /// Writes the signatures not yet in the store, in one transaction. The stage calls it
    /// whenever its input is momentarily empty, and every [`SAVE_EVERY`] records under load.
    pub fn save(&mut self) {
        if self.unsaved.is_empty() {
            return;
        }
        let rows: Vec<(&str, Signature)> =
            self.unsaved.iter().map(|(id, s)| (id.as_str(), s.clone())).collect();
        match self.store.put_signatures(&rows) {
            Ok(()) => tracing::trace!(signatures = rows.len(), "Near-duplicate signatures saved."),
            Err(e) => {
                tracing::warn!(signatures = rows.len(), error = %e, "Could not save near-duplicate signatures.")
            }
        }
        self.unsaved.clear();
    }

    /// Drops signatures older than the window, from memory and from the store.
    pub fn expire(&mut self, now: i64) {
        self.save();
        self.last_expiry = now;
        let cutoff = self.cutoff(now);
        let gone: Vec<String> = self.index.expire(cutoff).iter().map(hex::encode).collect();
        if let Err(e) = self.store.delete_signatures_before(&gone, cutoff) {
            tracing::warn!(error = %e, "Could not delete expired near-duplicate signatures.");
        }
        if !gone.is_empty() {
            tracing::debug!(expired = gone.len(), "Near-duplicate signatures expired.");
        }
    }

    fn expire_if_due(&mut self, now: i64) {
        if now - self.last_expiry >= EXPIRE_EVERY_SECS {
            self.expire(now);
        }
    }

    fn cutoff(&self, now: i64) -> i64 {
        now.saturating_sub(self.retention_secs)
    }
}

/// The 16 bytes of a 32-hex-digit id; `None` for any other string (such a record takes no part
/// in near-duplicate detection).
fn parse_id(id: &str) -> Option<Id> {
    if id.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(id.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_bytes() {
        let id = "00ff10aa".repeat(4);
        assert_eq!(parse_id(&id).map(hex::encode), Some(id));
        assert_eq!(parse_id("xyz"), None);
        assert_eq!(parse_id(&"zz".repeat(16)), None);
        assert_eq!(parse_id(&"é".repeat(16)), None);
    }

    #[test]
    fn signatures_are_saved_in_batches_and_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let stored = |s: &Store| {
            let mut n = 0;
            s.load_signatures(0, |_, _| n += 1).unwrap();
            n
        };
        let text = |i: usize| (0..60).map(|w| format!("t{i}w{w} ")).collect::<String>();
        let mut near = NearDups::empty(store.clone(), Duration::from_secs(86_400), 0);
        for i in 0..SAVE_EVERY - 1 {
            assert_eq!(near.assess(&format!("{i:032x}"), &text(i), 1), None);
        }
        assert_eq!(stored(&store), 0, "held back until the batch is full");
        near.assess(&format!("{:032x}", SAVE_EVERY), &text(SAVE_EVERY), 1);
        assert_eq!(stored(&store), SAVE_EVERY);
        near.assess(&format!("{:032x}", 999), &text(999), 1);
        drop(near);
        assert_eq!(stored(&store), SAVE_EVERY + 1, "the rest is saved on drop");
    }
}
