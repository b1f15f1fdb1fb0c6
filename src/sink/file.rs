//! The JSON Lines file sink and its delivery protocol. Each (id, revision) reaches the files
//! exactly once, across restarts, SIGKILL at any moment, rotation and write errors.
//!
//! Per batch of records (whatever is waiting in the channel, up to `MAX_BATCH`):
//! 1. journal: append each record's feed item to the sidecar journal (see `journal`);
//! 2. write: append the whole lines with one `write` to the live file;
//! 3. commit: one redb transaction stores the ids, the seen items and the checkpoint (the live
//!    file's length, now fully committed).
//!
//! and, to make it durable, per `output.fsync`:
//! - `always`: fsync the file between 2 and 3, and commit durably (redb fsyncs too). Nothing
//!   written is ever lost, nor committed before it is on disk. One fsync pair per batch.
//! - `interval`: commit without fsync (redb `Durability::None`); at most every second
//!   ("settle"): fsync the file, then a durable commit of the checkpoint, then empty the journal.
//!   A durable checkpoint thus never covers lines that are not on disk: after a power loss the
//!   lines lost are uncommitted too and their items are fetched again (unless another stage's
//!   durable commit carried the sink's commits to disk early: then up to ~1 s can be lost).
//! - `never`: like `interval` without the file fsync: a power loss may lose records.
//!
//! A process crash (SIGKILL) loses nothing under any policy: the page cache keeps what was
//! written. Lines written but not committed (or whose commit was not yet durable and is rolled
//! back) sit past the durable checkpoint; start-up reconciliation (`recover`) finds them there
//! and commits them, so they are not produced again. A crash inside 2 leaves a torn last line,
//! which start-up truncates. A record is never committed before its line is written.
//!
//! Rotation (when the next batch would push the live file past `rotate_bytes`), with every
//! written line already committed: fsync the live file, rename it to the next sequence number,
//! fsync the folder, commit the checkpoint `{seq + 1, offset 0}`, create the new live file. A
//! crash between rename and checkpoint is recognised at start by a rotated file numbered above
//! the checkpoint's `seq` (see `recover`).
//!
//! A failed step (disk full, `ulimit -f`, I/O error) stalls the sink: the partial write is cut
//! back, nothing is committed, no new record is taken (the bounded channel pushes back on the
//! pipeline, nothing fetched is dropped), and the step is retried with backoff until it works.
//! The stall is logged at ERROR and counted in [`SinkMetrics`](super::SinkMetrics). A shutdown
//! during a stall gives up: the records held are not committed, so the next start redoes them.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::hooks::Hooks;
use super::journal::{self, Journal};
use super::metrics::{self, metrics};
use super::{delivered, recover, rotate, to_line, SinkError};
use crate::config::{FsyncPolicy, OutputConfig};
use crate::dedup::Pending;
use crate::state::{Delivered, FileCheckpoint, Store};

/// Most records written and committed together (one `write`, one fsync, one redb commit).
const MAX_BATCH: usize = 512;
/// How often commits are made durable (and, under `interval`, the file fsynced).
const SETTLE_INTERVAL: Duration = Duration::from_secs(1);
/// First and longest wait between retries of a failed step.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// A record and its serialized line.
struct Line {
    pending: Pending,
    bytes: Vec<u8>,
}

/// The open file sink.
pub struct FileSink {
    /// The live file.
    path: PathBuf,
    /// The checkpoint's key in the store: the live file's absolute path.
    key: String,
    file: File,
    /// Length of the live file: whole lines only (a partial write is cut back to this).
    size: u64,
    /// True when the live file may hold bytes past `size` (a failed write not yet cut back).
    torn: bool,
    /// What the store has committed for this sink.
    checkpoint: FileCheckpoint,
    /// A rotation renamed the live file to this sequence number but has not finished.
    renamed: Option<u64>,
    rotate_bytes: u64,
    max_files: u32,
    max_age: Option<Duration>,
    fsync: FsyncPolicy,
    /// Written since the last fsync.
    dirty: bool,
    /// Committed without durability since the last durable commit.
    undurable: bool,
    last_settle: Instant,
    journal: Journal,
    /// Records (id, revision) in the journal since it was last emptied.
    journaled: HashSet<(String, u32)>,
    store: Store,
    hooks: Hooks,
    /// Lines written by this process (for the test hooks).
    written: u64,
    rotations: u64,
}

impl FileSink {
    /// Opens the sink: reconciles the files with the store (see `recover`), then opens the live
    /// file for appending and applies retention.
    pub fn open(cfg: &OutputConfig, store: Store) -> Result<FileSink, SinkError> {
        let path = cfg.path.clone();
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |source| SinkError::Io { path: p, source }
        };
        std::fs::create_dir_all(rotate::dir_of(&path)).map_err(io(&path))?;
        let key = std::path::absolute(&path).map_err(io(&path))?.display().to_string();
        let mut journal = Journal::open(store.dir()).map_err(io(&store.dir().join(journal::FILE_NAME)))?;
        let recovered = recover::reconcile(&path, &key, &store, &mut journal)?;
        let file = open_live(&path).map_err(io(&path))?;
        let size = file.metadata().map_err(io(&path))?.len();
        tracing::info!(path = %path.display(), bytes = size, rotated_seq = recovered.checkpoint.seq,
            reconciled = recovered.committed, "Output file opened.");
        let removed = rotate::apply_retention(&path, cfg.max_files, cfg.max_age);
        metrics::add(&metrics().files_removed, removed);
        Ok(FileSink {
            path,
            key,
            file,
            size,
            torn: false,
            checkpoint: recovered.checkpoint,
            renamed: None,
            rotate_bytes: cfg.rotate_bytes,
            max_files: cfg.max_files,
            max_age: cfg.max_age,
            fsync: cfg.fsync,
            dirty: false,
            undurable: false,
            last_settle: Instant::now(),
            journal,
            journaled: HashSet::new(),
            store,
            hooks: Hooks::from_env(),
            written: 0,
            rotations: 0,
        })
    }

    /// Writes records until the input closes, then syncs the file. Returns how many were written.
    pub async fn run(
        mut self,
        mut input: mpsc::Receiver<Pending>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<u64, SinkError> {
        let mut tick = tokio::time::interval(SETTLE_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut n = 0;
        loop {
            let first = tokio::select! {
                p = input.recv() => match p { Some(p) => p, None => break },
                // An idle sink still settles its last records within ~1 s.
                _ = tick.tick(), if self.dirty || self.undurable => {
                    if let Err(e) = tokio::task::block_in_place(|| self.settle()) {
                        metrics::add(&metrics().write_errors, 1);
                        tracing::error!(path = %self.path.display(), error = %e, "Cannot make output durable; will retry.");
                    }
                    continue;
                }
            };
            let mut batch = vec![Line::new(first)];
            while batch.len() < MAX_BATCH {
                match input.try_recv() {
                    Ok(p) => batch.push(Line::new(p)),
                    Err(_) => break,
                }
            }
            n += self.deliver(&batch, &mut shutdown).await?;
        }
        tokio::task::block_in_place(|| self.settle())?;
        Ok(n)
    }

    /// Writes and commits one batch, rotating where needed.
    async fn deliver(
        &mut self,
        batch: &[Line],
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<u64, SinkError> {
        let mut rest = batch;
        // Lines per write; halved after each failed write so a nearly full disk still takes
        // what fits (for the rest of this batch).
        let mut most = rest.len();
        while !rest.is_empty() {
            if self.size > 0 && self.size + rest[0].bytes.len() as u64 > self.rotate_bytes {
                self.retry(shutdown, rest.len(), |s| s.rotate()).await?;
            }
            let n = self
                .retry(shutdown, rest.len(), |s| {
                    let n = s.hooks.limit(s.fitting(rest).min(most), s.written);
                    s.write(&rest[..n]).map(|()| n).inspect_err(|_| most = (n / 2).max(1))
                })
                .await?;
            let (segment, tail) = rest.split_at(n);
            self.hooks.after_write(self.written);
            self.retry(shutdown, rest.len(), |s| s.commit(segment)).await?;
            if self.fsync != FsyncPolicy::Always && self.last_settle.elapsed() >= SETTLE_INTERVAL {
                self.retry(shutdown, tail.len(), |s| s.settle()).await?;
            }
            rest = tail;
        }
        Ok(batch.len() as u64)
    }

    /// How many of `lines` fit in the live file before it must rotate (at least one).
    fn fitting(&self, lines: &[Line]) -> usize {
        let mut size = self.size;
        let mut n = 0;
        for line in lines {
            let next = size + line.bytes.len() as u64;
            if n > 0 && next > self.rotate_bytes {
                break;
            }
            size = next;
            n += 1;
        }
        n
    }

    /// Runs `step` until it succeeds, waiting with backoff between attempts; gives up (with
    /// nothing committed that was not written) if shutdown is signalled meanwhile. `held` is
    /// how many records wait on it (for the log).
    async fn retry<T>(
        &mut self,
        shutdown: &mut watch::Receiver<bool>,
        held: usize,
        mut step: impl FnMut(&mut Self) -> Result<T, SinkError>,
    ) -> Result<T, SinkError> {
        let mut wait = BACKOFF_MIN;
        let mut failures = 0u32;
        let value = loop {
            let err = match tokio::task::block_in_place(|| step(self)) {
                Ok(v) => break v,
                Err(e) => e,
            };
            failures += 1;
            let counter = match err {
                SinkError::State(_) => &metrics().commit_errors,
                _ => &metrics().write_errors,
            };
            metrics::add(counter, 1);
            metrics().stalled.store(1, Ordering::Relaxed);
            tracing::error!(path = %self.path.display(), error = %err, attempt = failures, retry_in = ?wait,
                records_held = held, write_errors = metrics().write_errors.load(Ordering::Relaxed),
                commit_errors = metrics().commit_errors.load(Ordering::Relaxed),
                "Output stalled: cannot write; taking no new records until it works again.");
            if *shutdown.borrow() {
                return Err(SinkError::Stopped { path: self.path.clone(), held, source: Box::new(err) });
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.wait_for(|s| *s) => {}
            }
            wait = (wait * 2).min(BACKOFF_MAX);
        };
        if failures > 0 {
            metrics().stalled.store(0, Ordering::Relaxed);
            tracing::info!(path = %self.path.display(), failures, "Output writable again; sink resumed.");
        }
        Ok(value)
    }

    /// Steps 1–2 (and the fsync of `always`). On failure the live file is cut back to whole
    /// lines.
    fn write(&mut self, segment: &[Line]) -> Result<(), SinkError> {
        self.cut_back()?;
        // A retried segment is journaled once.
        let fresh: Vec<&Line> = segment
            .iter()
            .filter(|l| !self.journaled.contains(&(l.pending.record.id.clone(), l.pending.record.revision)))
            .collect();
        let entries = fresh.iter().map(|l| journal::Entry {
            id: l.pending.record.id.clone(),
            rev: l.pending.record.revision,
            feed: l.pending.feed.clone(),
            key: l.pending.item_key.clone(),
            hash: l.pending.item_hash.clone(),
        });
        self.journal
            .append(entries)
            .map_err(|source| SinkError::Io { path: self.journal.path().into(), source })?;
        self.journaled.extend(fresh.iter().map(|l| (l.pending.record.id.clone(), l.pending.record.revision)));
        let buf: Vec<u8> = segment.iter().flat_map(|l| l.bytes.iter().copied()).collect();
        let last_len = segment.last().map_or(0, |l| l.bytes.len());
        if let Some(cut) = self.hooks.tear(self.written + segment.len() as u64, buf.len(), last_len) {
            let _ = self.file.write_all(&buf[..cut]);
            self.hooks.abort_torn();
        }
        if let Err(source) = self.file.write_all(&buf) {
            self.torn = true;
            let _ = self.cut_back();
            return Err(self.io(source));
        }
        let before = self.size;
        self.size += buf.len() as u64;
        self.dirty = true;
        if self.fsync == FsyncPolicy::Always {
            if let Err(e) = self.sync() {
                // After a failed fsync the written pages' fate is unknown: take them back and
                // write them again on the next attempt.
                self.size = before;
                self.torn = true;
                let _ = self.cut_back();
                return Err(e);
            }
        }
        self.written += segment.len() as u64;
        metrics::add(&metrics().bytes_written, buf.len() as u64);
        Ok(())
    }

    /// Step 3: commit the segment and the checkpoint that now covers it; durably only under
    /// `always` (the others settle every second).
    fn commit(&mut self, segment: &[Line]) -> Result<(), SinkError> {
        let batch: Vec<_> = segment.iter().map(|l| delivered(&l.pending)).collect();
        let checkpoint = FileCheckpoint { seq: self.checkpoint.seq, offset: self.size };
        let durable = self.fsync == FsyncPolicy::Always;
        self.commit_checkpoint(&batch, checkpoint, durable)?;
        self.checkpoint = checkpoint;
        metrics::add(&metrics().records_written, segment.len() as u64);
        if durable {
            self.durable_now();
        } else {
            self.undurable = true;
        }
        Ok(())
    }

    /// Makes everything so far durable: fsync the file (unless `never`), then a durable commit
    /// of the current checkpoint, then empty the journal.
    fn settle(&mut self) -> Result<(), SinkError> {
        if self.fsync == FsyncPolicy::Never {
            self.dirty = false; // left to the OS
        } else {
            self.sync()?;
        }
        if self.undurable {
            self.commit_checkpoint(&[], self.checkpoint, true)?;
        }
        self.durable_now();
        Ok(())
    }

    /// Bookkeeping after a durable commit: the journal's entries are no longer needed.
    fn durable_now(&mut self) {
        self.undurable = false;
        self.last_settle = Instant::now();
        self.journaled.clear();
        if let Err(e) = self.journal.clear() {
            tracing::warn!(path = %self.journal.path().display(), error = %e, "Cannot empty the delivery journal.");
        }
    }

    /// Commits records with the checkpoint that covers them. If an earlier I/O error (here or
    /// in another stage) closed the store, reopens it first: that is how the sink recovers by
    /// itself once the disk of `state.dir` has room again.
    fn commit_checkpoint(
        &mut self,
        batch: &[Delivered],
        checkpoint: FileCheckpoint,
        durable: bool,
    ) -> Result<(), SinkError> {
        match self.store.commit_file_batch(&self.key, batch, checkpoint, durable) {
            Err(e) if e.needs_reopen() => {
                self.store.reopen()?;
                // Reopening dropped the commits that were not durable yet. Their lines are in
                // the file past the durable checkpoint: reconcile them as at start-up.
                let recovered = recover::reconcile(&self.path, &self.key, &self.store, &mut self.journal)?;
                self.checkpoint.seq = recovered.checkpoint.seq;
                self.durable_now();
                Ok(self.store.commit_file_batch(&self.key, batch, checkpoint, durable)?)
            }
            other => Ok(other?),
        }
    }

    /// Cuts the live file back to its whole lines after a failed write.
    fn cut_back(&mut self) -> Result<(), SinkError> {
        if self.torn {
            self.file.set_len(self.size).map_err(|e| self.io(e))?;
            self.torn = false;
        }
        Ok(())
    }

    /// fsyncs the live file if anything was written since the last time.
    fn sync(&mut self) -> Result<(), SinkError> {
        if self.dirty {
            self.file.sync_data().map_err(|e| self.io(e))?;
            self.dirty = false;
        }
        Ok(())
    }

    /// Renames the live file to the next sequence number and opens a new one. Every line in it
    /// is committed already. Each step may be retried: a finished rename is remembered.
    fn rotate(&mut self) -> Result<(), SinkError> {
        let seq = match self.renamed {
            Some(seq) => seq,
            None => {
                self.file.sync_all().map_err(|e| self.io(e))?;
                self.dirty = false;
                let seq = self.checkpoint.seq + 1;
                let target = rotate::rotated_name(&self.path, seq);
                std::fs::rename(&self.path, &target).map_err(|e| self.io(e))?;
                self.renamed = Some(seq);
                self.rotations += 1;
                self.hooks.after_rename(self.rotations);
                seq
            }
        };
        rotate::sync_dir(&self.path).map_err(|e| self.io(e))?;
        // Durable: the renamed file was fsynced, and this also settles earlier commits.
        let checkpoint = FileCheckpoint { seq, offset: 0 };
        self.commit_checkpoint(&[], checkpoint, true)?;
        self.checkpoint = checkpoint;
        self.durable_now();
        self.file = open_live(&self.path).map_err(|e| self.io(e))?;
        rotate::sync_dir(&self.path).map_err(|e| self.io(e))?;
        self.size = 0;
        self.renamed = None;
        metrics::add(&metrics().rotations, 1);
        let rotated = rotate::rotated_name(&self.path, seq);
        tracing::info!(path = %self.path.display(), rotated = %rotated.display(), "Output file rotated.");
        let removed = rotate::apply_retention(&self.path, self.max_files, self.max_age);
        metrics::add(&metrics().files_removed, removed);
        Ok(())
    }

    fn io(&self, source: std::io::Error) -> SinkError {
        SinkError::Io { path: self.path.clone(), source }
    }
}

impl Line {
    fn new(pending: Pending) -> Line {
        let bytes = to_line(&pending);
        Line { pending, bytes }
    }
}

/// Opens (creates) the live file for appending.
fn open_live(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::{Entry, Item};

    fn pending(i: usize, spec: &Arc<crate::config::FeedSpec>) -> Pending {
        let item = Item {
            link: Some(format!("https://e.org/story/{i}")),
            title: Some(format!("Story {i}")),
            summary: Some(format!("Story {i} is told in a few words, enough for a small record.")),
            ..Default::default()
        };
        let entry = Entry { feed: spec.clone(), item_key: item.key(), item, item_hash: format!("h{i}") };
        let record = crate::record::build(&entry, None, None, chrono::Utc::now());
        Pending { record, feed: spec.name.clone(), item_key: entry.item_key, item_hash: entry.item_hash }
    }

    fn config(dir: &Path, fsync: &str) -> crate::config::Config {
        let text = format!(
            "[output]\nkind = \"file\"\npath = \"{}\"\nrotate_bytes = 1073741824\nfsync = \"{fsync}\"\n\
             [[feeds]]\nname = \"f\"\nurl = \"https://e.org/feed\"\n",
            dir.join("out/a.jsonl").display()
        );
        crate::config::load_str(Path::new("t.toml"), &text, Vec::new()).unwrap()
    }

    /// Records/s through the file sink for each fsync policy, when records queue up (large
    /// batches) and when they arrive one by one (channel of 1: batches of one or two). Prints the
    /// figures; asserts every record is in the file and in the store.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn throughput_by_fsync_policy() {
        for (policy, queued, n) in [
            ("always", true, 3000),
            ("interval", true, 3000),
            ("never", true, 3000),
            ("always", false, 300),
            ("interval", false, 1000),
            ("never", false, 1000),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let cfg = config(dir.path(), policy);
            let spec = Arc::new(cfg.feeds[0].clone());
            let store = Store::open(&dir.path().join("state")).unwrap();
            let (tx, rx) = mpsc::channel(if queued { n } else { 1 });
            let records: Vec<Pending> = (0..n).map(|i| pending(i, &spec)).collect();
            let producer = tokio::spawn(async move {
                for p in records {
                    tx.send(p).await.unwrap();
                }
            });
            if queued {
                producer.await.unwrap();
            }
            let (_stop_tx, stop) = watch::channel(false);
            let started = Instant::now();
            let sink = FileSink::open(&cfg.output, store.clone()).unwrap();
            let written = sink.run(rx, stop).await.unwrap();
            let secs = started.elapsed().as_secs_f64();
            let how = if queued { "queued" } else { "one by one" };
            println!("fsync={policy}, {how}: {n} records in {secs:.2}s = {:.0} records/s", n as f64 / secs);
            assert_eq!(written, n as u64);
            assert_eq!(store.emitted_count().unwrap(), n as u64);
            let text = std::fs::read_to_string(dir.path().join("out/a.jsonl")).unwrap();
            assert_eq!(text.lines().count(), n);
        }
        // One durable redb commit per record, for comparison.
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(dir.path(), "never");
        let spec = Arc::new(cfg.feeds[0].clone());
        let store = Store::open(dir.path()).unwrap();
        let started = Instant::now();
        for i in 0..300 {
            store.commit_delivered(&[delivered(&pending(i, &spec))]).unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        println!("one redb commit per record: 300 in {secs:.2}s = {:.0} records/s", 300.0 / secs);
    }
}
