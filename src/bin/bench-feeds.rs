//! `bench-feeds`: the synthetic feed server behind `scripts/bench-scale`. Serves N RSS feeds
//! at `/f/<i>.xml` on a loopback address with strong ETags and 304s; a few feeds (`--changing`
//! percent, default 5) gain a new item every `--period` seconds (default 300), the rest never
//! change and have no items. `/stats` returns
//! request counters as JSON. Benchmark tooling only: not part of the daemon.
//!
//! Usage: `bench-feeds --feeds 100000 [--listen 127.0.0.1:0] [--changing 5] [--period 300]`.
//! Prints its base URL (`http://127.0.0.1:PORT`) as the first line of stdout.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server was asked to serve.
#[derive(Debug, Clone, Copy)]
struct Opts {
    feeds: u64,
    /// Percent of feeds (by index) that gain items.
    changing: u64,
    /// Seconds between new items of a changing feed.
    period: u64,
}

#[derive(Default)]
struct Stats {
    requests: AtomicU64,
    ok: AtomicU64,
    not_modified: AtomicU64,
    not_found: AtomicU64,
}

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let mut opts = Opts { feeds: 1000, changing: 5, period: 300 };
    let mut listen = "127.0.0.1:0".to_string();
    while let Some(a) = args.next() {
        let v = args.next().unwrap_or_default();
        let num = || v.parse::<u64>().ok();
        match a.as_str() {
            "--feeds" => opts.feeds = num().unwrap_or(opts.feeds),
            "--changing" => opts.changing = num().unwrap_or(opts.changing).min(100),
            "--period" => opts.period = num().unwrap_or(opts.period).max(1),
            "--listen" => listen = v,
            _ => {
                eprintln!(
                    "usage: bench-feeds --feeds N [--listen 127.0.0.1:0] [--changing PCT] [--period SECS]"
                );
                return std::process::ExitCode::from(2);
            }
        }
    }
    // One thread: the server must not take the cores the daemon under test is measured on.
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench-feeds: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(serve(&listen, opts)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-feeds: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(listen: &str, opts: Opts) -> std::io::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() {
        return Err(std::io::Error::other("bench-feeds listens on loopback addresses only"));
    }
    println!("http://{addr}");
    std::io::stdout().flush()?;
    let stats = Arc::new(Stats::default());
    loop {
        let (sock, _) = listener.accept().await?;
        let _ = sock.set_nodelay(true);
        tokio::spawn(connection(sock, opts, stats.clone()));
    }
}

/// Serves requests on one keep-alive connection until the client closes it.
async fn connection(mut sock: TcpStream, opts: Opts, stats: Arc<Stats>) {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if buf.len() > 64 * 1024 {
                return;
            }
        };
        let response = respond(&buf[..end], opts, &stats);
        buf.drain(..end);
        if sock.write_all(&response).await.is_err() {
            return;
        }
    }
}

/// One response for one request head.
fn respond(head: &[u8], opts: Opts, stats: &Stats) -> Vec<u8> {
    stats.requests.fetch_add(1, Ordering::Relaxed);
    let head = String::from_utf8_lossy(head);
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    if path == "/stats" {
        let body = format!(
            "{{\"requests\":{},\"ok\":{},\"not_modified\":{},\"not_found\":{}}}",
            stats.requests.load(Ordering::Relaxed),
            stats.ok.load(Ordering::Relaxed),
            stats.not_modified.load(Ordering::Relaxed),
            stats.not_found.load(Ordering::Relaxed)
        );
        return reply("200 OK", "Content-Type: application/json\r\n", body.as_bytes());
    }
    let Some(i) =
        path.strip_prefix("/f/").and_then(|p| p.strip_suffix(".xml")).and_then(|n| n.parse::<u64>().ok())
    else {
        stats.not_found.fetch_add(1, Ordering::Relaxed);
        return reply("404 Not Found", "", b"");
    };
    if i >= opts.feeds {
        stats.not_found.fetch_add(1, Ordering::Relaxed);
        return reply("404 Not Found", "", b"");
    }
    let version = version(i, opts);
    let etag = format!("\"{i}-{version}\"");
    let inm = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case("if-none-match")))
        .map(|(_, v)| v.trim());
    if inm == Some(etag.as_str()) {
        stats.not_modified.fetch_add(1, Ordering::Relaxed);
        return reply("304 Not Modified", &format!("ETag: {etag}\r\n"), b"");
    }
    stats.ok.fetch_add(1, Ordering::Relaxed);
    let body = feed_xml(i, version, i % 100 < opts.changing);
    reply("200 OK", &format!("Content-Type: application/rss+xml\r\nETag: {etag}\r\n"), body.as_bytes())
}

/// Changing feeds gain a version every `period` seconds, their phases spread over the period
/// by a multiplicative hash of the index (so changes arrive evenly, not in bursts).
fn version(i: u64, opts: Opts) -> u64 {
    if i % 100 >= opts.changing {
        return 0;
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let phase = i.wrapping_mul(2_654_435_761) % opts.period;
    (now + phase) / opts.period
}

/// A small RSS document: a changing feed shows its last three items, a static one none (so
/// the warm-up pass is not dominated by writing 100k records).
fn feed_xml(i: u64, version: u64, changing: bool) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed {i}</title>\
         <link>http://bench.invalid/{i}</link><description>synthetic</description>"
    );
    let first = if changing { version.saturating_sub(2) } else { version + 1 };
    for k in first..=version {
        s.push_str(&format!(
            "<item><title>Feed {i} item {k}</title><link>http://bench.invalid/a/{i}/{k}</link>\
             <guid>http://bench.invalid/a/{i}/{k}</guid><description>Item {k} of feed {i}.</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s
}

fn reply(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out =
        format!("HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}
