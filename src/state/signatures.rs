//! Near-duplicate signatures (owned by `dedup`): a bounded, persistent index of the texts
//! already emitted, so `duplicate_of` survives restarts.

use redb::{TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::{StateError, Store};

/// Record id → [`Signature`].
const SIGNATURES: TableDefinition<&str, &[u8]> = TableDefinition::new("signatures");

/// The near-duplicate fingerprint of one emitted text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Signature {
    pub simhash: u64,
    /// Unix seconds when it was stored (for the retention window).
    pub at: i64,
}

pub(super) fn create_tables(store: &Store, txn: &WriteTransaction) -> Result<(), StateError> {
    txn.open_table(SIGNATURES).map_err(|e| store.err(e))?;
    Ok(())
}
