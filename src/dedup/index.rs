//! The in-memory near-duplicate index: every signature within the retention window, findable
//! by any of its MinHash bands in constant time. Loaded from the store at start (`near`), kept
//! in step with it on each insert; this module itself does no I/O.
//!
//! Layout, chosen for a million signatures in little memory: a slab of fixed-size slots, and per
//! band one hash map from band key to the newest slot with that key; older slots with the same
//! key hang off it in a chain (`next`). A lookup reads at most [`CHAIN_CAP`] slots per band, so
//! its cost does not grow with the number of signatures, only with the number of near-copies of
//! one story it has to look through.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::sketch::{Sketch, BANDS};

/// The most slots read from one band's chain per lookup (newest first). A story syndicated a
/// thousand times needs no more than this to be recognized: every copy points to the same root.
pub const CHAIN_CAP: usize = 32;

/// Chain end / no slot.
const NONE: u32 = u32::MAX;

/// A 128-bit article id (the 32 hex digits of `article_id`, as bytes).
pub type Id = [u8; 16];

/// What the index holds for one emitted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The record whose text this is.
    pub id: Id,
    /// The first record of its story: `id` itself, or what it was a duplicate of.
    pub root: Id,
    /// Unix seconds when it was stored (for the retention window).
    pub at: i64,
    pub sketch: Sketch,
}

/// The best earlier text found for a sketch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    pub entry: Entry,
    /// Estimated Jaccard similarity, 0.0–1.0.
    pub similarity: f64,
}

/// Band keys are already uniform hashes; this spreads them over all 64 bits (the map uses the
/// top bits too) with one multiplication instead of SipHash.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type BandMap = HashMap<u32, u32, BuildHasherDefault<KeyHasher>>;

/// The index (see the module doc).
#[derive(Default)]
pub struct NearIndex {
    slots: Vec<Option<Entry>>,
    free: Vec<u32>,
    /// Per band: band key → newest slot with that key.
    heads: Vec<BandMap>,
    /// `next[slot * BANDS + band]`: the next older slot with the same key in that band.
    next: Vec<u32>,
    len: usize,
}

impl NearIndex {
    /// An empty index.
    pub fn new() -> NearIndex {
        NearIndex { heads: (0..BANDS).map(|_| BandMap::default()).collect(), ..Default::default() }
    }

    /// Signatures held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reserves room for `n` more signatures (saves rehashing while loading).
    pub fn reserve(&mut self, n: usize) {
        self.slots.reserve(n);
        self.next.reserve(n * BANDS);
        for m in &mut self.heads {
            m.reserve(n);
        }
    }

    /// Adds a signature. The same id may be added again (a new revision); both are kept until
    /// they expire.
    pub fn insert(&mut self, entry: Entry) {
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(entry);
                s
            }
            None => {
                self.slots.push(Some(entry));
                self.next.extend([NONE; BANDS]);
                u32::try_from(self.slots.len() - 1).expect("fewer than 4 billion signatures")
            }
        };
        for band in 0..BANDS {
            let old = self.heads[band].insert(entry.sketch.band_key(band), slot).unwrap_or(NONE);
            self.next[slot as usize * BANDS + band] = old;
        }
        self.len += 1;
    }

    /// The most similar signature with similarity ≥ `threshold` that shares a band with
    /// `sketch`, skipping those of record `exclude` (a record is never its own duplicate).
    pub fn find(&self, sketch: &Sketch, threshold: f64, exclude: &Id) -> Option<Match> {
        let mut best: Option<Match> = None;
        let mut seen: Vec<u32> = Vec::new();
        for band in 0..BANDS {
            let mut slot = self.heads[band].get(&sketch.band_key(band)).copied().unwrap_or(NONE);
            let mut steps = 0;
            while slot != NONE && steps < CHAIN_CAP {
                steps += 1;
                let here = slot;
                slot = self.next[here as usize * BANDS + band];
                if seen.contains(&here) {
                    continue;
                }
                seen.push(here);
                let Some(entry) = self.slots[here as usize] else { continue };
                if entry.id == *exclude || entry.root == *exclude {
                    continue;
                }
                let similarity = sketch.similarity(&entry.sketch);
                let better = best.is_none_or(|b| {
                    similarity > b.similarity || (similarity == b.similarity && entry.at < b.entry.at)
                });
                if similarity >= threshold && better {
                    best = Some(Match { entry, similarity });
                }
            }
        }
        best
    }

    /// Removes every signature stored before `cutoff` (Unix seconds); returns their ids.
    pub fn expire(&mut self, cutoff: i64) -> Vec<Id> {
        let old: Vec<u32> = (0..self.slots.len() as u32)
            .filter(|&s| self.slots[s as usize].is_some_and(|e| e.at < cutoff))
            .collect();
        old.into_iter().filter_map(|s| self.remove(s)).collect()
    }

    fn remove(&mut self, slot: u32) -> Option<Id> {
        let entry = self.slots[slot as usize].take()?;
        for band in 0..BANDS {
            let key = entry.sketch.band_key(band);
            let after = self.next[slot as usize * BANDS + band];
            let head = self.heads[band].get(&key).copied().unwrap_or(NONE);
            if head == slot {
                if after == NONE {
                    self.heads[band].remove(&key);
                } else {
                    self.heads[band].insert(key, after);
                }
                continue;
            }
            // Unlink from the middle of the chain.
            let mut at = head;
            while at != NONE {
                let link = at as usize * BANDS + band;
                if self.next[link] == slot {
                    self.next[link] = after;
                    break;
                }
                at = self.next[link];
            }
        }
        self.free.push(slot);
        self.len -= 1;
        Some(entry.id)
    }

    /// Approximate heap bytes used (slots, chains and band maps), for the benchmark.
    pub fn heap_bytes(&self) -> usize {
        let slots = self.slots.capacity() * std::mem::size_of::<Option<Entry>>();
        let chains = self.next.capacity() * 4 + self.free.capacity() * 4;
        // A std (hashbrown) map bucket: the (u32, u32) pair plus one control byte.
        let maps: usize = self.heads.iter().map(|m| m.capacity() * 9).sum();
        slots + chains + maps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::sketch::K;

    fn sketch(seed: u16) -> Sketch {
        let mut v = [0u16; K];
        for (i, x) in v.iter_mut().enumerate() {
            *x = seed.wrapping_mul(31).wrapping_add((i as u16).wrapping_mul(7919));
        }
        Sketch(v)
    }

    fn entry(n: u8, sketch: Sketch, at: i64) -> Entry {
        Entry { id: [n; 16], root: [n; 16], at, sketch }
    }

    #[test]
    fn finds_near_copies_and_skips_itself() {
        let mut ix = NearIndex::new();
        let a = sketch(1);
        ix.insert(entry(1, a, 10));
        ix.insert(entry(2, sketch(2), 10));
        let mut near = a;
        near.0[0] ^= 1; // one value of 48 differs: similarity 47/48
        let m = ix.find(&near, 0.5, &[9; 16]).expect("a near copy");
        assert_eq!(m.entry.id, [1; 16]);
        assert!((m.similarity - 47.0 / 48.0).abs() < 1e-9);
        assert_eq!(ix.find(&near, 0.5, &[1; 16]), None, "never its own duplicate");
        assert_eq!(ix.find(&sketch(3), 0.5, &[9; 16]), None);
    }

    #[test]
    fn expiry_unlinks_from_chains() {
        let mut ix = NearIndex::new();
        let a = sketch(1);
        for n in 0..5u8 {
            ix.insert(entry(n, a, i64::from(n)));
        }
        assert_eq!(ix.len(), 5);
        // Removes the oldest three, from the tail and the middle of each chain.
        let mut gone = ix.expire(3);
        gone.sort();
        assert_eq!(gone, vec![[0; 16], [1; 16], [2; 16]]);
        assert_eq!(ix.len(), 2);
        let m = ix.find(&a, 0.9, &[9; 16]).unwrap();
        assert_eq!(m.entry.id, [3; 16], "equal similarity: the oldest left wins");
        ix.expire(10);
        assert!(ix.is_empty());
        assert_eq!(ix.find(&a, 0.9, &[9; 16]), None);
        // Freed slots are reused.
        ix.insert(entry(7, a, 20));
        assert_eq!(ix.find(&a, 0.9, &[9; 16]).unwrap().entry.id, [7; 16]);
        assert_eq!(ix.slots.len(), 5);
    }
}
