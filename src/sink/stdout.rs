//! The stdout sink: at-least-once. Writes and flushes a batch of lines, then commits their ids;
//! a crash between the two repeats those records on the next start, with the same ids. A
//! closed pipe (`newsd run | head`) ends the sink with [`SinkError::Closed`], which the daemon
//! treats as a clean stop.

use std::io::Write;

use tokio::sync::mpsc;

use super::metrics::{self, metrics};
use super::{delivered, to_line, SinkError};
use crate::dedup::Pending;
use crate::state::Store;

/// Most records written and committed together.
const MAX_BATCH: usize = 256;

/// Writes records to standard output until the input closes or the reader goes away.
pub(super) async fn run(store: Store, mut input: mpsc::Receiver<Pending>) -> Result<u64, SinkError> {
    let mut n = 0;
    while let Some(first) = input.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match input.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let buf: Vec<u8> = batch.iter().flat_map(to_line).collect();
        let res = tokio::task::block_in_place(|| {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf).and_then(|_| out.flush())
        });
        match res {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Err(SinkError::Closed),
            Err(source) => return Err(SinkError::Io { path: "<stdout>".into(), source }),
        }
        let commits: Vec<_> = batch.iter().map(delivered).collect();
        tokio::task::block_in_place(|| store.commit_delivered(&commits))?;
        metrics::add(&metrics().records_written, batch.len() as u64);
        metrics::add(&metrics().bytes_written, buf.len() as u64);
        n += batch.len() as u64;
    }
    Ok(n)
}
