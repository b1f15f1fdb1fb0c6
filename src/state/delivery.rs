//! Delivery bookkeeping: which article ids (and revisions) reached the output, and which feed
//! items were already turned into records. Both are written in one transaction by the sink
//! *after* the record is written (see `sink`), so a crash can repeat work but never lose it.

use redb::{TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::{decode, StateError, Store};

/// Article id → [`Emitted`].
const EMITTED: TableDefinition<&str, &[u8]> = TableDefinition::new("emitted");
/// "feed\x1fitem key" → item fingerprint.
const ITEMS: TableDefinition<&str, &str> = TableDefinition::new("items");

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

pub(super) fn create_tables(store: &Store, txn: &WriteTransaction) -> Result<(), StateError> {
    txn.open_table(EMITTED).map_err(|e| store.err(e))?;
    txn.open_table(ITEMS).map_err(|e| store.err(e))?;
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
        let txn = self.begin_write()?;
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
        }
        txn.commit().map_err(|e| self.err(e))
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

    #[test]
    fn delivered_ids_and_items_persist() {
        let dir = tempfile::tempdir().unwrap();
        let d = Delivered {
            id: "abc".into(),
            emitted: Emitted { revision: 1, content_hash: "h".into() },
            feed: "f".into(),
            item_key: "https://e.org/a".into(),
            item_hash: "ih".into(),
        };
        {
            let s = Store::open(dir.path()).unwrap();
            assert_eq!(s.emitted("abc").unwrap(), None);
            s.commit_delivered(std::slice::from_ref(&d)).unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.emitted("abc").unwrap(), Some(d.emitted.clone()));
        assert_eq!(s.item_hash("f", "https://e.org/a").unwrap().as_deref(), Some("ih"));
        assert_eq!(s.item_hash("g", "https://e.org/a").unwrap(), None);
    }
}
