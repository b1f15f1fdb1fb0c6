//! Stage [6]: records → output. Two sinks, chosen by `output.kind`: a JSON Lines file with
//! rotation (`file`, exactly-once) and standard output (`stdout`, at-least-once). Both write a
//! whole line, make it durable as far as they can, and only then commit the id to the state
//! store; the file sink also reconciles its files with the store at start-up (`recover`).
//!
//! Owns the output and the delivery bookkeeping's write order; the tables themselves live in
//! `state::delivery`. Counters for a metrics endpoint are in [`SinkMetrics`].

mod file;
mod hooks;
mod journal;
mod metrics;
mod recover;
mod rotate;
mod stdout;

use tokio::sync::{mpsc, watch};

use crate::config::{OutputConfig, OutputKind};
use crate::dedup::Pending;
use crate::state::{Delivered, Emitted, StateError, Store};

pub use file::FileSink;
pub use metrics::{metrics, SinkMetrics};

/// A failure that stops the sink (and so the daemon): output cannot be opened or written.
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
    /// Shutdown came while the sink was stalled on an error; the records it held were not
    /// committed and will be produced again on the next start.
    #[error(
        "output {path}: stopped while stalled, {held} records not written (redone on next start): {source}"
    )]
    Stopped {
        path: std::path::PathBuf,
        held: usize,
        #[source]
        source: Box<SinkError>,
    },
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

/// The configured sink, open and ready to run.
pub enum Sink {
    File(Box<FileSink>),
    Stdout(Store),
}

/// Opens the configured sink. For files this reconciles the output with the state store
/// (`recover`), so it must happen before any stage reads which items and ids are already done.
pub fn open(cfg: &OutputConfig, store: Store) -> Result<Sink, SinkError> {
    Ok(match cfg.kind {
        OutputKind::File => Sink::File(Box::new(tokio::task::block_in_place(|| FileSink::open(cfg, store))?)),
        OutputKind::Stdout => Sink::Stdout(store),
    })
}

impl Sink {
    /// Runs the sink until its input closes. Returns how many records were written.
    /// `shutdown` only matters while the file sink is stalled on a write error: it then gives
    /// up instead of retrying forever (otherwise it drains its input like every stage).
    pub async fn run(
        self,
        input: mpsc::Receiver<Pending>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<u64, SinkError> {
        match self {
            Sink::File(sink) => sink.run(input, shutdown).await,
            Sink::Stdout(store) => stdout::run(store, input).await,
        }
    }
}
