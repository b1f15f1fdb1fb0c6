//! Near-duplicate signatures (owned by `dedup`): a bounded, persistent copy of the in-memory
//! index, so `duplicate_of` survives restarts. One row per article id (its latest text); rows
//! older than the retention window are deleted when the index is loaded and as it expires.
//!
//! Unlike the other tables, values are a fixed binary layout rather than JSON: a million rows
//! must load in about a second. Layout: format byte, `at` (i64 LE, Unix seconds), `root`
//! (16 bytes), sketch (little-endian u16s). A row in another format (older sketch parameters)
//! is dropped on load: the index simply forgets it.

use redb::{ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction};

use super::{StateError, Store};

/// Record id (32 hex digits) → encoded [`Signature`].
const SIGNATURES: TableDefinition<&str, &[u8]> = TableDefinition::new("signatures");

/// Bumped whenever the sketch parameters or the text hashing change.
const FORMAT: u8 = 1;

/// The near-duplicate fingerprint of one emitted text, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Unix seconds when it was stored (for the retention window).
    pub at: i64,
    /// Id of the first record of the story (the record's own id when it is the first).
    pub root: [u8; 16],
    /// The MinHash sketch, encoded by `dedup`.
    pub sketch: Vec<u8>,
}

impl Signature {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(25 + self.sketch.len());
        out.push(FORMAT);
        out.extend_from_slice(&self.at.to_le_bytes());
        out.extend_from_slice(&self.root);
        out.extend_from_slice(&self.sketch);
        out
    }

    fn decode(bytes: &[u8]) -> Option<Signature> {
        let (&format, rest) = bytes.split_first()?;
        if format != FORMAT || rest.len() < 24 {
            return None;
        }
        let at = i64::from_le_bytes(rest[..8].try_into().ok()?);
        let root = rest[8..24].try_into().ok()?;
        Some(Signature { at, root, sketch: rest[24..].to_vec() })
    }
}

pub(super) fn create_tables(store: &Store, txn: &WriteTransaction) -> Result<(), StateError> {
    txn.open_table(SIGNATURES).map_err(|e| store.err(e))?;
    Ok(())
}

impl Store {
    /// Stores signatures (replacing any of the same ids) in one durable transaction. (The store
    /// is opened in redb's single-writer mode so `newsd status` can read beside the daemon, and
    /// that mode has no non-durable commits: callers should batch.)
    pub fn put_signatures(&self, batch: &[(&str, Signature)]) -> Result<(), StateError> {
        if batch.is_empty() {
            return Ok(());
        }
        let txn = self.begin_write()?;
        {
            let mut table = txn.open_table(SIGNATURES).map_err(|e| self.err(e))?;
            for (id, sig) in batch {
                table.insert(*id, sig.encode().as_slice()).map_err(|e| self.err(e))?;
            }
        }
        txn.commit().map_err(|e| self.err(e))
    }

    /// Rows in the table (expired ones included), to size the index before loading.
    pub fn signature_count(&self) -> Result<u64, StateError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(SIGNATURES).map_err(|e| self.err(e))?;
        table.len().map_err(|e| self.err(e))
    }

    /// Calls `visit` with every signature stored at or after `cutoff` (Unix seconds), then
    /// deletes the older ones and any in an unknown format. Returns how many were deleted.
    pub fn load_signatures(
        &self,
        cutoff: i64,
        mut visit: impl FnMut(&str, Signature),
    ) -> Result<usize, StateError> {
        let mut stale: Vec<String> = Vec::new();
        {
            let txn = self.begin_read()?;
            let table = txn.open_table(SIGNATURES).map_err(|e| self.err(e))?;
            for row in table.iter().map_err(|e| self.err(e))? {
                let (k, v) = row.map_err(|e| self.err(e))?;
                match Signature::decode(v.value()) {
                    Some(sig) if sig.at >= cutoff => visit(k.value(), sig),
                    _ => stale.push(k.value().to_string()),
                }
            }
        }
        self.delete_signatures_before(&stale, i64::MAX)?;
        Ok(stale.len())
    }

    /// Deletes the signatures of these ids that were stored before `cutoff` (a newer one under
    /// the same id, from a later revision, stays).
    pub fn delete_signatures_before(&self, ids: &[String], cutoff: i64) -> Result<(), StateError> {
        if ids.is_empty() {
            return Ok(());
        }
        let txn = self.begin_write()?;
        {
            let mut table = txn.open_table(SIGNATURES).map_err(|e| self.err(e))?;
            for id in ids {
                let old = match table.get(id.as_str()).map_err(|e| self.err(e))? {
                    Some(v) => Signature::decode(v.value()).is_none_or(|s| s.at < cutoff),
                    None => false,
                };
                if old {
                    table.remove(id.as_str()).map_err(|e| self.err(e))?;
                }
            }
        }
        txn.commit().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(at: i64) -> Signature {
        Signature { at, root: [7; 16], sketch: vec![1, 2, 3, 4] }
    }

    #[test]
    fn signatures_persist_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            s.put_signatures(&[("old", sig(100)), ("new", sig(200))]).unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.signature_count().unwrap(), 2);
        let mut seen = Vec::new();
        let deleted = s.load_signatures(150, |id, sg| seen.push((id.to_string(), sg))).unwrap();
        assert_eq!(deleted, 1);
        assert_eq!(seen, vec![("new".to_string(), sig(200))]);
        let mut again = Vec::new();
        s.load_signatures(0, |id, _| again.push(id.to_string())).unwrap();
        assert_eq!(again, vec!["new"], "the expired row was deleted");
    }

    #[test]
    fn a_newer_revision_survives_expiry_of_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        s.put_signatures(&[("a", sig(300))]).unwrap();
        s.delete_signatures_before(&["a".to_string()], 200).unwrap();
        let mut n = 0;
        s.load_signatures(0, |_, _| n += 1).unwrap();
        assert_eq!(n, 1);
        s.delete_signatures_before(&["a".to_string()], 400).unwrap();
        s.load_signatures(0, |_, _| n += 1).unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn unknown_formats_are_dropped() {
        assert_eq!(Signature::decode(&sig(5).encode()), Some(sig(5)));
        assert_eq!(Signature::decode(&[9, 0, 0]), None);
        assert_eq!(Signature::decode(&[]), None);
    }
}
