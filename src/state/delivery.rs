//! Delivery bookkeeping: which article ids (and revisions) reached the output, which feed items
//! were already turned into records, and the file sink's checkpoint (how far into its files
//! every record is committed). The sink writes these *after* the record line is written (see
//! `sink`), so a crash can leave a written record uncommitted — which the sink's start-up
//! reconciliation finds in the file and commits — but never a committed record unwritten.
//!
//! Owns the tables `emitted`, `items` and `sink`; knows nothing of files or JSON lines.

use redb::{ReadableTableMetadata, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::{decode, StateError, Store};

/// Article id → [`Emitted`].
const EMITTED: TableDefinition<&str, &[u8]> = TableDefinition::new("emitted");
/// "feed\x1fitem key" → item fingerprint.
const ITEMS: TableDefinition<&str, &str> = TableDefinition::new("items");
/// Live output path → [`FileCheckpoint`].
const SINK: TableDefinition<&str, &[u8]> = TableDefinition::new("sink");

/// The last record written for an article id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Emitted {
    pub revision: u32,
    pub content_hash: String,
}

/// One record that reached the output, with the feed item it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub id: String,
    pub emitted: Emitted,
    pub feed: String,
    pub item_key: String,
    pub item_hash: String,
}

/// Where the file sink stands, committed in the same transaction as the records it covers.
///
/// Invariant: every record in the rotated files numbered `<= seq` and in the first `offset`
/// bytes of the file that was live at commit time is committed. That file is still the live
/// file, or — after a crash between a rotation's rename and its checkpoint — rotated file
/// `seq + 1`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileCheckpoint {
    /// Highest rotated-file sequence number ever used (never reused, even after retention).
    pub seq: u64,
    /// Bytes of the live file whose records are all committed (always at a line boundary).
    pub offset: u64,
}

pub(super) fn create_tables(store: &Store, txn: &WriteTransaction) -> Result<(), StateError> {
    txn.open_table(EMITTED).map_err(|e| store.err(e))?;
    txn.open_table(ITEMS).map_err(|e| store.err(e))?;
    txn.open_table(SINK).map_err(|e| store.err(e))?;
    Ok(())
}

fn item_key(feed: &str, key: &str) -> String {
    format!("{feed}\x1f{key}")
}

impl Store {
    /// The last record emitted for `id`, if any.
    pub fn emitted(&self, id: &str) -> Result<Option<Emitted>, StateError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(EMITTED).map_err(|e| self.err(e))?;
        let v = table.get(id).map_err(|e| self.err(e))?;
        v.map(|v| decode(id, v.value())).transpose()
    }

    /// The fingerprint of a feed item when it was last turned into a record.
    pub fn item_hash(&self, feed: &str, key: &str) -> Result<Option<String>, StateError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(ITEMS).map_err(|e| self.err(e))?;
        let v = table.get(item_key(feed, key).as_str()).map_err(|e| self.err(e))?;
        Ok(v.map(|v| v.value().to_string()))
    }

    /// Records that these reached the output (or were settled without output, e.g. exact
    /// duplicates), in one durable transaction.
    pub fn commit_delivered(&self, batch: &[Delivered]) -> Result<(), StateError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.commit_batch(batch, None, true)
    }

    /// The file sink's commit: these records and the checkpoint that now covers them, in one
    /// transaction. `durable`: redb fsyncs before `commit()` returns; otherwise the commit is
    /// visible at once but reaches the disk only with the next durable commit (of any stage),
    /// and a crash before that rolls it back — records, checkpoint and all.
    pub fn commit_file_batch(
        &self,
        output: &str,
        batch: &[Delivered],
        checkpoint: FileCheckpoint,
        durable: bool,
    ) -> Result<(), StateError> {
        self.commit_batch(batch, Some((output, checkpoint)), durable)
    }

    fn commit_batch(
        &self,
        batch: &[Delivered],
        ckpt: Option<(&str, FileCheckpoint)>,
        durable: bool,
    ) -> Result<(), StateError> {
        let mut txn = self.begin_write()?;
        if !durable {
            txn.set_durability(redb::Durability::None).map_err(|e| self.err(e))?;
        }
        {
            let mut emitted = txn.open_table(EMITTED).map_err(|e| self.err(e))?;
            let mut items = txn.open_table(ITEMS).map_err(|e| self.err(e))?;
            for d in batch {
                let bytes = serde_json::to_vec(&d.emitted).expect("Emitted serializes");
                emitted.insert(d.id.as_str(), bytes.as_slice()).map_err(|e| self.err(e))?;
                items
                    .insert(item_key(&d.feed, &d.item_key).as_str(), d.item_hash.as_str())
                    .map_err(|e| self.err(e))?;
            }
            if let Some((output, ckpt)) = ckpt {
                let mut sink = txn.open_table(SINK).map_err(|e| self.err(e))?;
                let bytes = serde_json::to_vec(&ckpt).expect("FileCheckpoint serializes");
                sink.insert(output, bytes.as_slice()).map_err(|e| self.err(e))?;
            }
        }
        txn.commit().map_err(|e| self.err(e))
    }

    /// The checkpoint of the file sink writing to `output` (its live path), if it ever committed.
    pub fn file_checkpoint(&self, output: &str) -> Result<Option<FileCheckpoint>, StateError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(SINK).map_err(|e| self.err(e))?;
        let v = table.get(output).map_err(|e| self.err(e))?;
        v.map(|v| decode(output, v.value())).transpose()
    }

    /// Number of article ids ever emitted (for tests and `status`).
    pub fn emitted_count(&self) -> Result<u64, StateError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(EMITTED).map_err(|e| self.err(e))?;
        table.len().map_err(|e| self.err(e))
    }

    /// Marks feed items as handled without a record of their own (e.g. an exact duplicate).
    pub fn mark_items(&self, feed: &str, items: &[(String, String)]) -> Result<(), StateError> {
        if items.is_empty() {
            return Ok(());
        }
        let txn = self.begin_write()?;
        {
            let mut table = txn.open_table(ITEMS).map_err(|e| self.err(e))?;
            for (key, hash) in items {
                table.insert(item_key(feed, key).as_str(), hash.as_str()).map_err(|e| self.err(e))?;
            }
        }
        txn.commit().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivered(id: &str) -> Delivered {
        Delivered {
            id: id.into(),
            emitted: Emitted { revision: 1, content_hash: "h".into() },
            feed: "f".into(),
            item_key: format!("https://e.org/{id}"),
            item_hash: "ih".into(),
        }
    }

    #[test]
    fn delivered_ids_and_items_persist() {
        let dir = tempfile::tempdir().unwrap();
        let d = delivered("abc");
        {
            let s = Store::open(dir.path()).unwrap();
            assert_eq!(s.emitted("abc").unwrap(), None);
            s.commit_delivered(std::slice::from_ref(&d)).unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.emitted("abc").unwrap(), Some(d.emitted.clone()));
        assert_eq!(s.item_hash("f", "https://e.org/abc").unwrap().as_deref(), Some("ih"));
        assert_eq!(s.item_hash("g", "https://e.org/abc").unwrap(), None);
    }

    #[test]
    fn checkpoint_commits_with_its_records() {
        let dir = tempfile::tempdir().unwrap();
        let ck = FileCheckpoint { seq: 3, offset: 4096 };
        {
            let s = Store::open(dir.path()).unwrap();
            assert_eq!(s.file_checkpoint("out/a.jsonl").unwrap(), None);
            s.commit_file_batch("out/a.jsonl", &[delivered("x"), delivered("y")], ck, true).unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.file_checkpoint("out/a.jsonl").unwrap(), Some(ck));
        assert_eq!(s.file_checkpoint("out/b.jsonl").unwrap(), None);
        assert_eq!(s.emitted_count().unwrap(), 2);
    }
}
