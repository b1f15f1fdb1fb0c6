//! Counters of the sinks, as plain atomics in one process-wide struct, so whoever publishes
//! metrics (a future `/metrics` endpoint, `status`) can read them without the sink knowing how.
//! Owns nothing else: the sinks bump these, nobody here reads them.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters since the process started. Read with `load(Ordering::Relaxed)`.
#[derive(Debug, Default)]
pub struct SinkMetrics {
    /// Records written and committed.
    pub records_written: AtomicU64,
    /// Bytes of record lines written.
    pub bytes_written: AtomicU64,
    /// Failed attempts to write, fsync or rotate the output (disk full, file too large, I/O).
    pub write_errors: AtomicU64,
    /// Failed attempts to commit written records to the state store.
    pub commit_errors: AtomicU64,
    /// 1 while the sink is stalled on an error and retrying (a gauge), else 0.
    pub stalled: AtomicU64,
    /// Rotations of the live file.
    pub rotations: AtomicU64,
    /// Records found written but uncommitted at start-up and committed then.
    pub reconciled: AtomicU64,
    /// Rotated files deleted by retention (`output.max_files`, `output.max_age`).
    pub files_removed: AtomicU64,
}

static METRICS: SinkMetrics = SinkMetrics {
    records_written: AtomicU64::new(0),
    bytes_written: AtomicU64::new(0),
    write_errors: AtomicU64::new(0),
    commit_errors: AtomicU64::new(0),
    stalled: AtomicU64::new(0),
    rotations: AtomicU64::new(0),
    reconciled: AtomicU64::new(0),
    files_removed: AtomicU64::new(0),
};

/// The process-wide sink counters.
pub fn metrics() -> &'static SinkMetrics {
    &METRICS
}

/// Adds `n` to a counter.
pub(super) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}
