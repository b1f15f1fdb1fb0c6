//! The delivery journal: a small sidecar file under `state.dir` that says, for each record line
//! about to be written, which feed item it came from (feed, item key, item fingerprint). The
//! record line carries the id, revision and content hash but not the item's fingerprint, which
//! the seen-items table needs; without it a record reconciled after a crash would have its item
//! fetched again on the next poll.
//!
//! Written (not fsynced) before the record lines, emptied after their commit. It only has to be
//! as durable as the output file against a process crash, which the page cache gives. After a
//! power loss it may lack an entry; reconciliation then stores an empty fingerprint, the item is
//! fetched once more and dedup drops the repeat (same id, same content hash).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// File name of the journal inside `state.dir`.
pub(super) const FILE_NAME: &str = "delivery-journal.jsonl";

/// One journal line: the feed item behind record (`id`, `rev`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct Entry {
    pub id: String,
    pub rev: u32,
    pub feed: String,
    pub key: String,
    pub hash: String,
}

/// The open journal.
pub(super) struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (creates) the journal in `state_dir`, keeping what a crashed run left in it.
    pub(super) fn open(state_dir: &Path) -> std::io::Result<Journal> {
        let path = state_dir.join(FILE_NAME);
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Journal { path, file })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Appends entries in one write.
    pub(super) fn append(&mut self, entries: impl Iterator<Item = Entry>) -> std::io::Result<()> {
        let mut buf = Vec::new();
        for e in entries {
            serde_json::to_writer(&mut buf, &e).expect("journal entries serialize");
            buf.push(b'\n');
        }
        self.file.write_all(&buf)
    }

    /// Empties the journal once its records are committed. (Append mode: the next write lands
    /// at the new end, offset 0.)
    pub(super) fn clear(&mut self) -> std::io::Result<()> {
        self.file.set_len(0)
    }

    /// Every whole, valid entry, by (id, revision). A torn or garbled line is skipped: it can only
    /// be the last one, whose record line was then never written either.
    pub(super) fn load(&self) -> std::io::Result<HashMap<(String, u32), Entry>> {
        let mut out = HashMap::new();
        let reader = BufReader::new(File::open(&self.path)?);
        for line in reader.split(b'\n') {
            if let Ok(e) = serde_json::from_slice::<Entry>(&line?) {
                out.insert((e.id.clone(), e.rev), e);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, rev: u32) -> Entry {
        Entry { id: id.into(), rev, feed: "f".into(), key: format!("k{id}"), hash: "h".into() }
    }

    #[test]
    fn entries_survive_reopen_and_clear_empties() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        j.append([entry("a", 0), entry("b", 1)].into_iter()).unwrap();
        drop(j);
        let mut j = Journal::open(dir.path()).unwrap();
        let got = j.load().unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[&("b".to_string(), 1)], entry("b", 1));
        j.clear().unwrap();
        j.append([entry("c", 0)].into_iter()).unwrap();
        let got = j.load().unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(std::fs::read_to_string(j.path()).unwrap().lines().count(), 1);
    }

    #[test]
    fn torn_last_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        j.append([entry("a", 0)].into_iter()).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(j.path())
            .unwrap()
            .write_all(b"{\"id\":\"b\",\"re")
            .unwrap();
        assert_eq!(j.load().unwrap().len(), 1);
    }
}
