//! Stage [6]: records → output. Two sinks, chosen by `output.kind`: a JSON Lines file with
//! rotation (`file`) and standard output (`stdout`). Each writes a whole line, makes it durable
//! per `output.fsync`, and only then commits the id to the state store: the order that makes
//! delivery exactly-once for files (see `file`) and at-least-once for stdout.

mod file;

use std::io::Write;

use tokio::sync::mpsc;

use crate::config::{OutputConfig, OutputKind};
use crate::dedup::Pending;
use crate::state::{Delivered, Emitted, StateError, Store};

pub use file::FileSink;

/// A failure that stops the sink (and so the daemon): output can no longer be written.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("output file {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("standard output closed")]
    Closed,
    #[error(transparent)]
    State(#[from] StateError),
}

/// One JSON line, `\n`-terminated. Control characters in strings are escaped by serde_json, so
/// feed-supplied text can never break a line.
pub fn to_line(p: &Pending) -> Vec<u8> {
    let mut line = serde_json::to_vec(&p.record).expect("records serialize");
    line.push(b'\n');
    line
}

/// What to commit for a written record.
pub fn delivered(p: &Pending) -> Delivered {
    Delivered {
        id: p.record.id.clone(),
        emitted: Emitted { revision: p.record.revision, content_hash: p.record.content_hash.clone() },
        feed: p.feed.clone(),
        item_key: p.item_key.clone(),
        item_hash: p.item_hash.clone(),
    }
}

/// Runs the configured sink until its input closes. Returns how many records were written.
pub async fn run(cfg: OutputConfig, store: Store, input: mpsc::Receiver<Pending>) -> Result<u64, SinkError> {
    match cfg.kind {
        OutputKind::File => {
            let sink = FileSink::open(&cfg, store.clone())?;
            sink.run(input).await
        }
        OutputKind::Stdout => run_stdout(store, input).await,
    }
}

async fn run_stdout(store: Store, mut input: mpsc::Receiver<Pending>) -> Result<u64, SinkError> {
    let mut n = 0;
    while let Some(p) = input.recv().await {
        let line = to_line(&p);
        let res = tokio::task::block_in_place(|| {
            let mut out = std::io::stdout().lock();
            out.write_all(&line).and_then(|_| out.flush())
        });
        match res {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Err(SinkError::Closed),
            Err(source) => return Err(SinkError::Io { path: "<stdout>".into(), source }),
        }
        store.commit_delivered(&[delivered(&p)])?;
        n += 1;
    }
    Ok(n)
}
