//! The in-memory near-duplicate index: every signature within the retention window, findable
//! by any of its MinHash bands in constant time. Loaded from the store at start (`near`), kept
//! in step with it on each insert; this module itself does no I/O.
//!
//! Layout, chosen for a million signatures in little memory and few cache misses: a slab of
//! fixed-size slots, and per band an open-addressing table (linear probing) of 8-byte cells,
//! each a band key and a slot number. A lookup hashes into each band's table and scans the run
//! of cells there, usually within one cache line; only slots whose band key matches are read
//! and verified. Tables are kept between 55 and 80 % full, so a lookup reads a bounded number
//! of cells whatever the number of signatures, and at most [`CHAIN_CAP`] slots per band: a key
//! shared by more slots than that (one story copied many times) is not indexed again in that
//! band, which leaves that story findable through its oldest copies; when those expire, the
//! tables are rebuilt so that the newer copies take their place.

use super::sketch::{Sketch, BANDS};

/// The most slots indexed under one band key (see the module doc).
pub const CHAIN_CAP: usize = 32;

/// Cells per band table never fall below this.
const MIN_CELLS: usize = 1024;

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

/// The index (see the module doc).
pub struct NearIndex {
    slots: Vec<Option<Entry>>,
    free: Vec<u32>,
    /// `BANDS` tables of `cells` cells each, one after the other. A cell is 0 (empty) or
    /// `key << 32 | (slot + 1)`.
    tables: Vec<u64>,
    cells: usize,
    len: usize,
    /// Band entries left out because their key was full; expiry then re-indexes, so that the
    /// newer slots of such a key take the place of the expired ones.
    capped: usize,
}

impl Default for NearIndex {
    fn default() -> Self {
        NearIndex::new()
    }
}

impl NearIndex {
    /// An empty index.
    pub fn new() -> NearIndex {
        NearIndex {
            slots: Vec::new(),
            free: Vec::new(),
            tables: vec![0; BANDS * MIN_CELLS],
            cells: MIN_CELLS,
            len: 0,
            capped: 0,
        }
    }

    /// Signatures held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Makes room for `n` more signatures at once (loading: one sizing instead of many).
    pub fn reserve(&mut self, n: usize) {
        self.slots.reserve(n);
        if (self.len + n) * 10 > self.cells * 8 {
            self.rebuild((self.len + n) * 10 / 7);
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
                u32::try_from(self.slots.len() - 1).expect("fewer than 4 billion signatures")
            }
        };
        self.len += 1;
        if self.len * 10 > self.cells * 8 {
            // Rebuilding indexes every slot, this one included.
            self.rebuild(self.len * 100 / 55);
        } else {
            self.link(slot, &entry.sketch);
        }
    }

    /// The most similar signature with similarity ≥ `threshold` among those sharing a band
    /// with `sketch`, skipping those of record `exclude` (a record is never its own duplicate,
    /// nor a duplicate of its own copies). Equal similarity: the older one.
    pub fn find(&self, sketch: &Sketch, threshold: f64, exclude: &Id) -> Option<Match> {
        let keys: [u32; BANDS] = std::array::from_fn(|band| sketch.band_key(band));
        let homes: [usize; BANDS] = std::array::from_fn(|band| self.home(band, keys[band]));
        // Read every band's home cell before scanning any: the loads are independent, so the
        // CPU overlaps their cache misses instead of waiting for each in turn.
        let firsts: [u64; BANDS] = homes.map(|h| self.tables[h]);
        let mut best: Option<Match> = None;
        let mut seen: Vec<u32> = Vec::new();
        for band in (0..BANDS).filter(|&b| firsts[b] != 0) {
            for slot in self.run_from(band, homes[band]).filter_map(|c| slot_if(c, keys[band])) {
                if seen.contains(&slot) {
                    continue;
                }
                seen.push(slot);
                let Some(entry) = self.slots[slot as usize] else { continue };
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

    /// How many cells a lookup of `sketch` reads (the benchmark's measure of flatness).
    pub fn probes(&self, sketch: &Sketch) -> usize {
        (0..BANDS).map(|band| self.run_from(band, self.home(band, sketch.band_key(band))).count() + 1).sum()
    }

    /// Removes every signature stored before `cutoff` (Unix seconds); returns their ids.
    pub fn expire(&mut self, cutoff: i64) -> Vec<Id> {
        let old: Vec<u32> = (0..self.slots.len() as u32)
            .filter(|&s| self.slots[s as usize].is_some_and(|e| e.at < cutoff))
            .collect();
        let gone: Vec<Id> = old.into_iter().filter_map(|s| self.remove(s)).collect();
        if !gone.is_empty() && self.capped > 0 {
            self.rebuild(self.cells);
        }
        gone
    }

    /// Approximate heap bytes used (slots and tables), for the benchmark.
    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Option<Entry>>()
            + self.tables.capacity() * 8
            + self.free.capacity() * 4
    }

    /// The cell where `key`'s run starts in `band`'s table (a multiply-shift, so any table
    /// size works).
    fn home(&self, band: usize, key: u32) -> usize {
        band * self.cells + ((u64::from(key) * self.cells as u64) >> 32) as usize
    }

    fn next_cell(&self, band: usize, i: usize) -> usize {
        if i + 1 == (band + 1) * self.cells {
            band * self.cells
        } else {
            i + 1
        }
    }

    /// The occupied cells from cell `i` (a home) to the first empty one.
    fn run_from(&self, band: usize, mut i: usize) -> impl Iterator<Item = u64> + '_ {
        std::iter::from_fn(move || {
            let c = self.tables[i];
            i = self.next_cell(band, i);
            (c != 0).then_some(c)
        })
    }

    /// Indexes `slot` in every band (unless its key there already has [`CHAIN_CAP`] slots).
    fn link(&mut self, slot: u32, sketch: &Sketch) {
        let keys: [u32; BANDS] = std::array::from_fn(|band| sketch.band_key(band));
        let homes: [usize; BANDS] = std::array::from_fn(|band| self.home(band, keys[band]));
        // As in `find`: touch every home cell first so the cache misses overlap.
        let firsts: [u64; BANDS] = homes.map(|h| self.tables[h]);
        for band in 0..BANDS {
            let (key, mut i, mut same) = (keys[band], homes[band], 0);
            if firsts[band] != 0 {
                while self.tables[i] != 0 {
                    same += usize::from(slot_if(self.tables[i], key).is_some());
                    i = self.next_cell(band, i);
                }
            }
            if same < CHAIN_CAP {
                self.tables[i] = u64::from(key) << 32 | (u64::from(slot) + 1);
            } else {
                self.capped += 1;
            }
        }
    }

    /// Resizes the tables to `cells` cells per band and indexes every slot again, oldest first
    /// (so a crowded key keeps its oldest slots).
    fn rebuild(&mut self, cells: usize) {
        self.cells = cells.max(MIN_CELLS);
        self.tables = vec![0; BANDS * self.cells];
        self.capped = 0;
        let mut live: Vec<(i64, u32)> =
            self.slots.iter().enumerate().filter_map(|(s, e)| Some((e.as_ref()?.at, s as u32))).collect();
        live.sort_unstable();
        for (_, slot) in live {
            let sketch = self.slots[slot as usize].expect("live slot").sketch;
            self.link(slot, &sketch);
        }
    }

    fn remove(&mut self, slot: u32) -> Option<Id> {
        let entry = self.slots[slot as usize].take()?;
        for band in 0..BANDS {
            let key = entry.sketch.band_key(band);
            let cell = u64::from(key) << 32 | (u64::from(slot) + 1);
            let mut i = self.home(band, key);
            while self.tables[i] != 0 && self.tables[i] != cell {
                i = self.next_cell(band, i);
            }
            if self.tables[i] == cell {
                self.unset(band, i);
            }
        }
        self.free.push(slot);
        self.len -= 1;
        Some(entry.id)
    }

    /// Empties cell `hole` of `band`'s table, moving later cells of the run back so that every
    /// key stays reachable from its home (deletion without tombstones).
    fn unset(&mut self, band: usize, mut hole: usize) {
        let mut j = self.next_cell(band, hole);
        while self.tables[j] != 0 {
            let home = self.home(band, (self.tables[j] >> 32) as u32);
            // The cell may move back to the hole unless its home lies cyclically in (hole, j].
            let stays = if hole <= j { hole < home && home <= j } else { home > hole || home <= j };
            if !stays {
                self.tables[hole] = self.tables[j];
                hole = j;
            }
            j = self.next_cell(band, j);
        }
        self.tables[hole] = 0;
    }
}

/// The slot of cell `c` when it holds band key `key`.
fn slot_if(c: u64, key: u32) -> Option<u32> {
    ((c >> 32) as u32 == key).then(|| (c as u32).wrapping_sub(1))
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
    fn expiry_removes_from_the_tables() {
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

    #[test]
    fn growth_relinks_every_slot() {
        let mut ix = NearIndex::new();
        let n = MIN_CELLS * 3;
        for i in 0..n {
            let mut sk = sketch(i as u16);
            sk.0[0] = (i >> 16) as u16;
            ix.insert(entry((i % 251) as u8, sk, i as i64));
        }
        assert_eq!(ix.len(), n);
        assert!(ix.cells > MIN_CELLS, "tables grew with the signatures");
        for i in (0..n).step_by(97) {
            let mut sk = sketch(i as u16);
            sk.0[0] = (i >> 16) as u16;
            let m = ix.find(&sk, 0.99, &[255; 16]).expect("every slot is still linked");
            assert_eq!(m.entry.at, i as i64);
        }
    }

    #[test]
    fn removal_keeps_every_other_signature_reachable() {
        // Random sketches at high load: runs cross, wrap around the table end, and lose
        // cells from their middle; every survivor must still be found, nothing removed may be.
        let mut rng = fastrand::Rng::with_seed(7);
        let mut ix = NearIndex::new();
        let sketches: Vec<Sketch> = (0..800).map(|_| Sketch(std::array::from_fn(|_| rng.u16(..)))).collect();
        for (i, &sk) in sketches.iter().enumerate() {
            ix.insert(Entry { id: [0; 16], root: [0; 16], at: (i % 2) as i64, sketch: sk });
        }
        assert_eq!(ix.cells, MIN_CELLS, "no rebuild: removal is tested at 78 % load");
        assert_eq!(ix.expire(1).len(), 400);
        for (i, sk) in sketches.iter().enumerate() {
            let found = ix.find(sk, 1.0, &[9; 16]).map(|m| m.entry.at);
            assert_eq!(found, (i % 2 == 1).then_some(1), "signature {i}");
        }
    }

    #[test]
    fn a_crowded_key_is_reindexed_when_its_oldest_expire() {
        let mut ix = NearIndex::new();
        let a = sketch(1);
        let n = CHAIN_CAP + 8;
        for i in 0..n {
            ix.insert(Entry { id: [i as u8; 16], root: [0; 16], at: i as i64, sketch: a });
        }
        assert_eq!(ix.capped, 8 * BANDS, "the newest 8 are not indexed under the full keys");
        // The indexed ones leave; the 5 newest must take their place.
        assert_eq!(ix.expire(n as i64 - 5).len(), n - 5);
        let m = ix.find(&a, 1.0, &[255; 16]).expect("the newer copies are indexed now");
        assert_eq!(m.entry.at, n as i64 - 5, "equal similarity: the oldest left");
        assert_eq!(ix.capped, 0);
    }
}
