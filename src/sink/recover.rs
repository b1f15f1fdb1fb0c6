//! Start-up reconciliation of the file sink: after any stop — clean, SIGKILL, power loss — makes
//! the files and the state store agree again before the first new record is written.
//!
//! 1. A torn last line (a write cut short) is truncated back to the last `\n`.
//! 2. The lines past the checkpoint — in the live file, or from rotated file `seq + 1` on when a
//!    crash fell between a rotation's rename and its checkpoint — are records that were written
//!    but perhaps not committed. Each one whose (id, revision) the store does not know yet is
//!    committed now, with its feed item taken from the journal (or derived from the record).
//! 3. The checkpoint moves to the end of the live file; the journal is emptied.
//!
//! Afterwards nothing that is in the files will be emitted again, and nothing is in the files
//! twice. Reads only what follows the checkpoint: normally a second's worth of lines. Without
//! a checkpoint (a new or lost state dir beside existing output) it reads every file once.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::journal::{self, Journal};
use super::{metrics, rotate, SinkError};
use crate::model::Item;
use crate::state::{Delivered, Emitted, FileCheckpoint, Store};

/// What start-up found and settled.
#[derive(Debug)]
pub(super) struct Recovered {
    /// The checkpoint now committed: `offset` is the live file's length.
    pub checkpoint: FileCheckpoint,
    /// Records found written but uncommitted, now committed.
    pub committed: usize,
}

/// The part of a record line reconciliation needs (serde skips the rest).
#[derive(Debug, Deserialize)]
struct LineHead {
    id: String,
    revision: u32,
    content_hash: String,
    feed: FeedName,
    item: ItemKeys,
}

#[derive(Debug, Deserialize)]
struct FeedName {
    name: String,
}

#[derive(Debug, Deserialize)]
struct ItemKeys {
    guid: String,
    link: Option<String>,
    title: Option<String>,
}

impl LineHead {
    /// The item key as `Item::key()` makes it (link, else GUID, else title).
    fn item_key(&self) -> String {
        let item = Item {
            guid: self.item.guid.clone(),
            link: self.item.link.clone(),
            title: self.item.title.clone(),
            ..Default::default()
        };
        item.key()
    }
}

/// Runs the reconciliation for the live file `live`, whose checkpoint is stored under `key`.
pub(super) fn reconcile(
    live: &Path,
    key: &str,
    store: &Store,
    journal: &mut Journal,
) -> Result<Recovered, SinkError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SinkError::Io { path, source }
    };
    let saved = store.file_checkpoint(key)?;
    let rotated = rotate::list(live).map_err(io(rotate::dir_of(live)))?;
    let disk_max = rotated.last().map_or(0, |(s, _)| *s);
    // Without a checkpoint (first start, a lost or new state dir): every file from its start,
    // so that records already in the output are not produced again.
    if saved.is_none() && (disk_max > 0 || std::fs::metadata(live).is_ok_and(|m| m.len() > 0)) {
        tracing::warn!(path = %live.display(), rotated = rotated.len(),
            "No delivery checkpoint for this output; reading all its files to learn what was written.");
    }
    let ckpt = saved.unwrap_or(FileCheckpoint { seq: 0, offset: 0 });
    let plan = plan(live, ckpt, &rotated);

    let hints = journal.load().map_err(io(journal.path()))?;
    let mut found = Vec::new();
    for (path, from) in &plan {
        let len = repair_tail(path).map_err(io(path))?;
        let from = if *from > len {
            // Shorter than committed: lost to a power failure under fsync "never"/"interval", or
            // edited by hand. Read it all; committing a known record again is harmless.
            tracing::warn!(path = %path.display(), checkpoint = from, len, "Output file is shorter than its checkpoint.");
            0
        } else {
            *from
        };
        scan(path, from, &mut found).map_err(io(path))?;
    }
    let batch = uncommitted(store, found, &hints)?;
    let live_len = std::fs::metadata(live).map(|m| m.len()).unwrap_or(0);
    let checkpoint = FileCheckpoint { seq: ckpt.seq.max(disk_max), offset: live_len };
    store.commit_file_batch(key, &batch, checkpoint, true)?;
    if let Err(e) = journal.clear() {
        tracing::warn!(path = %journal.path().display(), error = %e, "Cannot empty the delivery journal.");
    }
    if !batch.is_empty() {
        metrics::add(&metrics::metrics().reconciled, batch.len() as u64);
        tracing::info!(records = batch.len(), path = %live.display(), "Records written before a crash were committed.");
    }
    Ok(Recovered { checkpoint, committed: batch.len() })
}

/// The files that may hold uncommitted records and where to start reading each.
fn plan(live: &Path, ckpt: FileCheckpoint, rotated: &[(u64, PathBuf)]) -> Vec<(PathBuf, u64)> {
    let later: Vec<&PathBuf> = rotated.iter().filter(|(s, _)| *s > ckpt.seq).map(|(_, p)| p).collect();
    match later.split_first() {
        // No rotation since the checkpoint: its offset is in the live file.
        None => vec![(live.to_path_buf(), ckpt.offset)],
        // The checkpointed live file was renamed to `seq + 1`; anything newer is unread.
        Some((first, rest)) => {
            let mut v = vec![((*first).clone(), ckpt.offset)];
            v.extend(rest.iter().map(|p| ((*p).clone(), 0)));
            v.push((live.to_path_buf(), 0));
            v
        }
    }
}

/// Truncates a torn last line back to the last `\n` and returns the file's (new) length; 0 if
/// the file does not exist.
pub(super) fn repair_tail(path: &Path) -> std::io::Result<u64> {
    let mut f = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    let keep = last_line_end(&mut f, len)?;
    if keep < len {
        f.set_len(keep)?;
        f.sync_all()?;
        tracing::warn!(path = %path.display(), bytes = len - keep, "Torn last line removed from the output.");
    }
    Ok(keep)
}

/// The length up to and including the last `\n` (0 if there is none).
fn last_line_end(f: &mut File, len: u64) -> std::io::Result<u64> {
    const CHUNK: u64 = 64 * 1024;
    let mut end = len;
    let mut buf = vec![0u8; CHUNK as usize];
    while end > 0 {
        let start = end.saturating_sub(CHUNK);
        let n = (end - start) as usize;
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf[..n])?;
        if let Some(i) = buf[..n].iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Reads the whole lines of `path` from byte `from` on.
fn scan(path: &Path, from: u64, out: &mut Vec<LineHead>) -> std::io::Result<()> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    f.seek(SeekFrom::Start(from))?;
    let mut at = from;
    for line in BufReader::new(f).split(b'\n') {
        let line = line?;
        match serde_json::from_slice::<LineHead>(&line) {
            Ok(head) => out.push(head),
            // Not ours (edited by hand?): leave it, say where.
            Err(e) => {
                tracing::error!(path = %path.display(), offset = at, error = %e, "Output line is not a record; skipped.")
            }
        }
        at += line.len() as u64 + 1;
    }
    Ok(())
}

/// The found records the store does not know yet, in file order, as commits.
fn uncommitted(
    store: &Store,
    found: Vec<LineHead>,
    hints: &HashMap<(String, u32), journal::Entry>,
) -> Result<Vec<Delivered>, SinkError> {
    let mut batch = Vec::new();
    for head in found {
        let known = store.emitted(&head.id)?;
        if known.is_some_and(|k| k.revision >= head.revision) {
            continue;
        }
        let (feed, item_key, item_hash) = match hints.get(&(head.id.clone(), head.revision)) {
            Some(e) => (e.feed.clone(), e.key.clone(), e.hash.clone()),
            // No journal entry (power loss): an empty fingerprint makes the next poll fetch the
            // item once more, and dedup drops it as an exact repeat.
            None => (head.feed.name.clone(), head.item_key(), String::new()),
        };
        batch.push(Delivered {
            id: head.id,
            emitted: Emitted { revision: head.revision, content_hash: head.content_hash },
            feed,
            item_key,
            item_hash,
        });
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_tail_is_cut_to_the_last_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        std::fs::write(&p, "{\"a\":1}\n{\"b\":2}\n{\"c\":").unwrap();
        assert_eq!(repair_tail(&p).unwrap(), 16);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{\"a\":1}\n{\"b\":2}\n");
        std::fs::write(&p, "no newline at all").unwrap();
        assert_eq!(repair_tail(&p).unwrap(), 0);
        assert_eq!(repair_tail(&dir.path().join("missing")).unwrap(), 0);
    }

    /// A lost state dir: reconciliation reads every output file and commits what it finds, so
    /// nothing already written is produced again.
    #[test]
    fn without_a_checkpoint_every_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("out/a.jsonl");
        std::fs::create_dir_all(live.parent().unwrap()).unwrap();
        let line = |id: &str| {
            format!(
                "{{\"id\":\"{id}\",\"revision\":0,\"content_hash\":\"c\",\"feed\":{{\"name\":\"f\"}},\
                 \"item\":{{\"guid\":\"\",\"link\":\"https://e.org/{id}\",\"title\":null}}}}\n"
            )
        };
        std::fs::write(rotate::rotated_name(&live, 1), line("a") + &line("b")).unwrap();
        std::fs::write(rotate::rotated_name(&live, 2), line("c")).unwrap();
        std::fs::write(&live, line("d") + "{\"id\":\"torn").unwrap();
        let store = Store::open(&dir.path().join("state")).unwrap();
        let mut journal = Journal::open(store.dir()).unwrap();
        let r = reconcile(&live, "k", &store, &mut journal).unwrap();
        assert_eq!(r.committed, 4);
        assert_eq!(r.checkpoint, FileCheckpoint { seq: 2, offset: line("d").len() as u64 });
        assert_eq!(store.emitted_count().unwrap(), 4);
        // Seen items without a journal entry get an empty fingerprint (fetched once more).
        assert_eq!(store.item_hash("f", "https://e.org/c").unwrap().as_deref(), Some(""));
        // A second start finds nothing new.
        assert_eq!(reconcile(&live, "k", &store, &mut journal).unwrap().committed, 0);
    }

    #[test]
    fn plan_follows_a_rotation_the_checkpoint_missed() {
        let live = PathBuf::from("/o/a.jsonl");
        let rotated = vec![(1, PathBuf::from("/o/a-000001.jsonl")), (2, PathBuf::from("/o/a-000002.jsonl"))];
        let ck = FileCheckpoint { seq: 2, offset: 10 };
        assert_eq!(plan(&live, ck, &rotated), vec![(live.clone(), 10)]);
        let ck = FileCheckpoint { seq: 1, offset: 10 };
        assert_eq!(plan(&live, ck, &rotated), vec![(rotated[1].1.clone(), 10), (live.clone(), 0)]);
    }
}
