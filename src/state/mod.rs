//! The embedded store under `state.dir` (redb): per-feed poll state, the items already turned
//! into records, the delivery checkpoint, and near-duplicate signatures. Also the daemon lock:
//! one process per state dir.
//!
//! Each concern keeps its own tables in its own file: `feeds` here, `delivery` (emitted ids and
//! seen items), `signatures` (near-duplicate index), `websub` (push subscriptions). Values are
//! JSON, so adding a field to a state struct needs no migration (`#[serde(default)]`).

mod delivery;
mod signatures;
mod websub;

pub use delivery::{Delivered, Emitted, FileCheckpoint};
pub use signatures::Signature;
pub use websub::{SubStatus, Subscription};

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

/// The database file inside `state.dir`.
const DB_FILE: &str = "newsd.redb";
/// Page cache of the store.
const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// Per-feed poll state, by feed name.
const FEEDS: TableDefinition<&str, &[u8]> = TableDefinition::new("feeds");

/// A store operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("state dir {path} is locked by another newsd process (lock file {lock}); stop it first or use another state.dir")]
    Locked { path: PathBuf, lock: PathBuf },
    #[error("state dir {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("state store {path}: {source}")]
    Db {
        path: PathBuf,
        #[source]
        source: Box<redb::Error>,
    },
    #[error("state store: corrupt value for {key}: {source}")]
    Corrupt {
        key: String,
        #[source]
        source: serde_json::Error,
    },
}

impl StateError {
    /// True when the database was closed by an earlier I/O error and needs [`Store::reopen`].
    pub fn needs_reopen(&self) -> bool {
        matches!(self, StateError::Db { source, .. } if matches!(**source, redb::Error::PreviousIo))
    }
}

/// What the scheduler remembers about a feed between polls.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FeedState {
    /// HTTP validators for conditional GET.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_poll: Option<DateTime<Utc>>,
    /// HTTP status of the last poll (0 when it failed before a response).
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub next_due: Option<DateTime<Utc>>,
    pub consecutive_errors: u32,
    /// Items seen in the feed over its lifetime.
    pub items_seen: u64,
    /// Parked feeds (410 Gone) are not polled until the config changes.
    pub parked: bool,
    /// Publication times of recent new items, for adaptive polling (newest last, bounded).
    pub recent_items: Vec<DateTime<Utc>>,
    /// The feed URL this state belongs to: when the config gives the feed another URL, the
    /// validators, the backoff and the parking no longer apply.
    pub url: Option<String>,
    /// Scheduling hints from the last full feed document (a 304 carries none).
    pub hints: PublisherHints,
    /// The delay chosen after the last poll, in seconds (what `status` shows as "every").
    pub last_delay_secs: Option<u64>,
    /// The last poll handed on new items that were not yet in the output when this state was
    /// saved. Such a state is saved without its validators, and the feed is due at once after
    /// a restart: the full document comes again and delivery filters what was written, so a
    /// crash or a dropped item never hides behind a 304.
    pub unconfirmed: bool,
}

/// What a feed document said about its own schedule, kept between polls.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct PublisherHints {
    /// RSS `<ttl>`, seconds.
    pub ttl_secs: Option<u64>,
    /// `sy:updatePeriod`/`sy:updateFrequency` as one period, seconds.
    pub update_period_secs: Option<u64>,
    /// RSS `skipHours` (0–23, UTC).
    pub skip_hours: Vec<u8>,
    /// RSS `skipDays`, as days from Monday (0 = Monday … 6 = Sunday).
    pub skip_days: Vec<u8>,
}

/// The store. Cheap to clone; all methods are synchronous and short (call them from
/// `spawn_blocking` or accept a brief block: each is one small transaction).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` only while [`Store::reopen`] replaces a database that an I/O error closed.
    db: RwLock<Option<Database>>,
    dir: PathBuf,
    /// Held for the life of the process; the OS releases it when the process dies, SIGKILL included.
    _lock: File,
}

impl Store {
    /// Opens or creates the store in `dir`, taking the daemon lock.
    pub fn open(dir: &Path) -> Result<Store, StateError> {
        let io = |source| StateError::Io { path: dir.to_path_buf(), source };
        std::fs::create_dir_all(dir).map_err(io)?;
        let lock_path = dir.join("newsd.lock");
        let lock =
            OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path).map_err(io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StateError::Locked { path: dir.to_path_buf(), lock: lock_path })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        // redb's default cache is 1 GiB: it would grow towards the whole file (the daemon's
        // largest memory user at 100k feeds, scripts/bench-scale). Hot pages fit in far less.
        let db = open_db(&dir.join(DB_FILE)).map_err(|e| db_err(dir, e))?;
        let inner = Inner { db: RwLock::new(Some(db)), dir: dir.to_path_buf(), _lock: lock };
        let store = Store { inner: Arc::new(inner) };
        store.create_tables()?;
        Ok(store)
    }

    /// The state dir.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    fn create_tables(&self) -> Result<(), StateError> {
        let txn = self.begin_write()?;
        txn.open_table(FEEDS).map_err(|e| self.err(e))?;
        delivery::create_tables(self, &txn)?;
        signatures::create_tables(self, &txn)?;
        websub::create_tables(self, &txn)?;
        txn.commit().map_err(|e| self.err(e))
    }

    pub(crate) fn begin_write(&self) -> Result<redb::WriteTransaction, StateError> {
        let db = self.inner.db.read().unwrap_or_else(|e| e.into_inner());
        let db = db.as_ref().ok_or_else(|| self.err(redb::Error::PreviousIo))?;
        db.begin_write().map_err(|e| self.err(e))
    }

    pub(crate) fn begin_read(&self) -> Result<redb::ReadTransaction, StateError> {
        let db = self.inner.db.read().unwrap_or_else(|e| e.into_inner());
        let db = db.as_ref().ok_or_else(|| self.err(redb::Error::PreviousIo))?;
        db.begin_read().map_err(|e| self.err(e))
    }

    /// Closes and reopens the database. After an I/O error (disk full, `ulimit -f`) redb
    /// refuses all further work until then ([`StateError::needs_reopen`]). Fails, to be tried
    /// again later, while another thread still holds a transaction of the old one.
    pub fn reopen(&self) -> Result<(), StateError> {
        let mut db = self.inner.db.write().unwrap_or_else(|e| e.into_inner());
        drop(db.take());
        *db = Some(open_db(&self.inner.dir.join(DB_FILE)).map_err(|e| self.err(e))?);
        tracing::info!(path = %self.inner.dir.display(), "State store reopened after an I/O error.");
        Ok(())
    }

    pub(crate) fn err(&self, e: impl Into<redb::Error>) -> StateError {
        db_err(&self.inner.dir, e)
    }

    /// The saved state of one feed.
    pub fn feed(&self, name: &str) -> Result<Option<FeedState>, StateError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(FEEDS).map_err(|e| self.err(e))?;
        let value = table.get(name).map_err(|e| self.err(e))?;
        value.map(|v| decode(name, v.value())).transpose()
    }

    /// Saves the state of one feed.
    pub fn put_feed(&self, name: &str, state: &FeedState) -> Result<(), StateError> {
        let bytes = serde_json::to_vec(state).expect("FeedState serializes");
        let txn = self.begin_write()?;
        {
            let mut table = txn.open_table(FEEDS).map_err(|e| self.err(e))?;
            table.insert(name, bytes.as_slice()).map_err(|e| self.err(e))?;
        }
        txn.commit().map_err(|e| self.err(e))
    }

    /// Saves many feeds' states in one transaction (one fsync): the scheduler batches its
    /// writes so that a poll does not cost a durable commit of its own.
    pub fn put_feeds<'a>(
        &self,
        batch: impl IntoIterator<Item = (&'a str, &'a FeedState)>,
    ) -> Result<(), StateError> {
        let txn = self.begin_write()?;
        {
            let mut table = txn.open_table(FEEDS).map_err(|e| self.err(e))?;
            for (name, state) in batch {
                let bytes = serde_json::to_vec(state).expect("FeedState serializes");
                table.insert(name, bytes.as_slice()).map_err(|e| self.err(e))?;
            }
        }
        txn.commit().map_err(|e| self.err(e))
    }

    /// Every feed's saved state, by name.
    pub fn feeds(&self) -> Result<Vec<(String, FeedState)>, StateError> {
        self.all_rows(FEEDS)
    }

    /// Every row of a name → JSON table, decoded, in key order.
    pub(crate) fn all_rows<T: for<'de> Deserialize<'de>>(
        &self,
        def: TableDefinition<&str, &[u8]>,
    ) -> Result<Vec<(String, T)>, StateError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(def).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in table.iter().map_err(|e| self.err(e))? {
            let (k, v) = row.map_err(|e| self.err(e))?;
            out.push((k.value().to_string(), decode(k.value(), v.value())?));
        }
        Ok(out)
    }
}

/// Opens (creates) the database file with our cache size.
fn open_db(path: &Path) -> Result<Database, redb::DatabaseError> {
    Database::builder().set_cache_size(CACHE_BYTES).create(path)
}

fn db_err(dir: &Path, e: impl Into<redb::Error>) -> StateError {
    StateError::Db { path: dir.to_path_buf(), source: Box::new(e.into()) }
}

pub(crate) fn decode<T: for<'de> Deserialize<'de>>(key: &str, bytes: &[u8]) -> Result<T, StateError> {
    serde_json::from_slice(bytes).map_err(|source| StateError::Corrupt { key: key.to_string(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_state_round_trips_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let st = FeedState { etag: Some("\"x\"".into()), consecutive_errors: 2, ..Default::default() };
        {
            let store = Store::open(dir.path()).unwrap();
            store.put_feed("a", &st).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.feed("a").unwrap(), Some(st));
        assert_eq!(store.feeds().unwrap().len(), 1);
    }

    #[test]
    fn feed_states_are_saved_in_batches() {
        let dir = tempfile::tempdir().unwrap();
        let a = FeedState { url: Some("https://e.org/a".into()), parked: true, ..Default::default() };
        let b = FeedState {
            hints: PublisherHints { ttl_secs: Some(60), ..Default::default() },
            ..Default::default()
        };
        {
            let store = Store::open(dir.path()).unwrap();
            store.put_feeds([("a", &a), ("b", &b)]).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.feeds().unwrap(), vec![("a".to_string(), a), ("b".to_string(), b)]);
    }

    #[test]
    fn old_feed_state_without_new_fields_still_reads() {
        let old: FeedState = serde_json::from_str(r#"{"etag":"x","parked":true}"#).unwrap();
        assert!(old.parked && old.url.is_none() && old.hints == PublisherHints::default());
    }

    #[test]
    fn second_open_is_refused_by_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Store::open(dir.path()).unwrap();
        let e = Store::open(dir.path()).err().expect("second open must fail");
        assert!(e.to_string().contains("newsd.lock"), "{e}");
    }
}
