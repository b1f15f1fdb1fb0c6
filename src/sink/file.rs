//! The JSON Lines file sink: appends whole lines to the live file, rotates by renaming it to a
//! sequence-numbered name beside it and opening a new live file (so `tail -F` follows), and
//! commits each written id to the state store after the line is durable per `output.fsync`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{delivered, to_line, SinkError};
use crate::config::{FsyncPolicy, OutputConfig};
use crate::dedup::Pending;
use crate::state::Store;

/// The open file sink.
pub struct FileSink {
    path: PathBuf,
    file: File,
    size: u64,
    rotate_bytes: u64,
    fsync: FsyncPolicy,
    last_sync: Instant,
    store: Store,
}

impl FileSink {
    /// Opens (creates) the live file for appending.
    pub fn open(cfg: &OutputConfig, store: Store) -> Result<FileSink, SinkError> {
        let path = cfg.path.clone();
        let io = |source| SinkError::Io { path: path.clone(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(&path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        Ok(FileSink {
            path: path.clone(),
            file,
            size,
            rotate_bytes: cfg.rotate_bytes,
            fsync: cfg.fsync,
            last_sync: Instant::now(),
            store,
        })
    }

    /// Writes records until the input closes, then syncs the file.
    pub async fn run(mut self, mut input: mpsc::Receiver<Pending>) -> Result<u64, SinkError> {
        let mut n = 0;
        while let Some(p) = input.recv().await {
            let line = to_line(&p);
            tokio::task::block_in_place(|| self.write(&line))?;
            self.store.commit_delivered(&[delivered(&p)])?;
            n += 1;
        }
        self.file.sync_all().map_err(|source| SinkError::Io { path: self.path.clone(), source })?;
        Ok(n)
    }

    fn write(&mut self, line: &[u8]) -> Result<(), SinkError> {
        if self.size > 0 && self.size + line.len() as u64 > self.rotate_bytes {
            self.rotate()?;
        }
        let path = self.path.clone();
        let io = |source| SinkError::Io { path: path.clone(), source };
        self.file.write_all(line).map_err(io)?;
        self.size += line.len() as u64;
        let sync = match self.fsync {
            FsyncPolicy::Always => true,
            FsyncPolicy::Interval => self.last_sync.elapsed() >= Duration::from_secs(1),
            FsyncPolicy::Never => false,
        };
        if sync {
            self.file.sync_data().map_err(io)?;
            self.last_sync = Instant::now();
        }
        Ok(())
    }

    /// Renames the live file to the next free sequence number and opens a new live file.
    fn rotate(&mut self) -> Result<(), SinkError> {
        let io = |source| SinkError::Io { path: self.path.clone(), source };
        self.file.sync_all().map_err(io)?;
        let target = next_rotated_name(&self.path).map_err(io)?;
        std::fs::rename(&self.path, &target).map_err(io)?;
        self.file = OpenOptions::new().create(true).append(true).open(&self.path).map_err(io)?;
        self.size = 0;
        tracing::info!(path = %self.path.display(), rotated = %target.display(), "Output file rotated.");
        Ok(())
    }
}

/// `articles.jsonl` → `articles-000001.jsonl`, one past the highest existing number. Rotated
/// names sort before the live file, so `cat out/*.jsonl` is the stream in order.
pub fn next_rotated_name(live: &Path) -> std::io::Result<PathBuf> {
    let dir = live.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let stem = live.file_stem().and_then(|s| s.to_str()).unwrap_or("articles");
    let ext = live.extension().and_then(|s| s.to_str()).unwrap_or("jsonl");
    let prefix = format!("{stem}-");
    let mut max = 0u64;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(num) = name.strip_prefix(&prefix).and_then(|r| r.strip_suffix(&format!(".{ext}"))) {
            if let Ok(n) = num.parse::<u64>() {
                max = max.max(n);
            }
        }
    }
    Ok(dir.join(format!("{stem}-{:06}.{ext}", max + 1)))
}
