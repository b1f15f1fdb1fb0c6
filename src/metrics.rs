//! Process-wide counters and their Prometheus text exposition on `daemon.metrics_addr`.
//! Stages bump the counters; nothing reads them but the endpoint (and tests).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use tokio::net::TcpListener;

use crate::serve::Limits;

/// A monotonically increasing counter.
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.add(1);
    }

    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Every counter newsd keeps.
#[derive(Default)]
pub struct Metrics {
    pub polls: Counter,
    pub polls_not_modified: Counter,
    pub poll_errors: Counter,
    pub items_new: Counter,
    pub articles_ok: Counter,
    pub articles_feed_only: Counter,
    pub articles_error: Counter,
    pub duplicates_dropped: Counter,
    pub websub_pushes: Counter,
    pub websub_discarded: Counter,
}

/// The one set of counters of this process.
pub static METRICS: std::sync::LazyLock<Metrics> = std::sync::LazyLock::new(Metrics::default);

impl Metrics {
    /// Prometheus text format.
    pub fn render(&self) -> String {
        let rows: [(&str, &str, &Counter); 10] = [
            ("newsd_polls_total", "Feed polls made.", &self.polls),
            (
                "newsd_polls_not_modified_total",
                "Feed polls answered 304 Not Modified.",
                &self.polls_not_modified,
            ),
            ("newsd_poll_errors_total", "Feed polls that failed.", &self.poll_errors),
            (
                "newsd_items_new_total",
                "New or changed feed items handed to the article stage.",
                &self.items_new,
            ),
            ("newsd_articles_ok_total", "Records built from a fetched article page.", &self.articles_ok),
            (
                "newsd_articles_feed_only_total",
                "Records built from the feed item alone.",
                &self.articles_feed_only,
            ),
            ("newsd_articles_error_total", "Records with nothing usable.", &self.articles_error),
            (
                "newsd_duplicates_dropped_total",
                "Exact repeats of emitted records dropped.",
                &self.duplicates_dropped,
            ),
            (
                "newsd_websub_pushes_total",
                "WebSub pushes accepted (signature valid, feed parsed).",
                &self.websub_pushes,
            ),
            (
                "newsd_websub_discarded_total",
                "WebSub pushes discarded (bad or missing signature, not a feed).",
                &self.websub_discarded,
            ),
        ];
        let mut s = String::with_capacity(4096);
        for (name, help, c) in rows {
            s.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n", c.get()));
        }
        // The sink keeps its own counters (src/sink/metrics.rs).
        let k = crate::sink::metrics();
        let sink: [(&str, &str, &str, &AtomicU64); 8] = [
            ("newsd_records_written_total", "counter", "Records written and committed.", &k.records_written),
            ("newsd_bytes_written_total", "counter", "Bytes of record lines written.", &k.bytes_written),
            (
                "newsd_sink_write_errors_total",
                "counter",
                "Failed writes, fsyncs or rotations.",
                &k.write_errors,
            ),
            (
                "newsd_sink_commit_errors_total",
                "counter",
                "Failed commits to the state store.",
                &k.commit_errors,
            ),
            (
                "newsd_sink_stalled",
                "gauge",
                "1 while the sink is stalled on an error and retrying.",
                &k.stalled,
            ),
            ("newsd_rotations_total", "counter", "Rotations of the live output file.", &k.rotations),
            (
                "newsd_reconciled_total",
                "counter",
                "Records found written but uncommitted at start.",
                &k.reconciled,
            ),
            ("newsd_files_removed_total", "counter", "Rotated files deleted by retention.", &k.files_removed),
        ];
        for (name, kind, help, v) in sink {
            let v = v.load(Ordering::Relaxed);
            s.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}\n"));
        }
        s
    }
}

/// Serves `GET /metrics` (any path, in fact) on `addr` until the process ends. Scrapers are
/// few and quick: a few connections at once, 5 s for a head.
pub async fn serve(addr: SocketAddr) -> std::io::Result<()> {
    const LIMITS: Limits = Limits {
        max_connections: 8,
        header_timeout: Duration::from_secs(5),
        max_head: 16 * 1024,
        connection_deadline: Duration::from_secs(30),
    };
    let listener = TcpListener::bind(addr).await?;
    crate::serve::serve(listener, "Metrics endpoint", LIMITS, |_req| async {
        let mut resp = hyper::Response::new(Full::new(Bytes::from(METRICS.render())));
        resp.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("text/plain; version=0.0.4"),
        );
        resp
    })
    .await;
    Ok(())
}
