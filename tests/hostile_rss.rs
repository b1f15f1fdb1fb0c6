//! Peak memory of the fetcher against the hostile server (issue 4). Alone in its own test
//! binary so that the process's peak RSS (`VmHWM`) belongs to this test: the hostile server
//! streams every big body from a small buffer, so the growth measured is the client's.

mod support;

use std::time::{Duration, Instant};

use newsd::config::FetchConfig;
use newsd::http::{Category, Fetcher, Purpose, Request};
use support::hostile;
use support::Server;
use url::Url;

/// The routes that try to exhaust memory.
const HEAVY: &[&str] = &[
    "/huge/content-length",
    "/huge/chunked",
    "/huge/close-delimited",
    "/html-50mb",
    "/bomb/gzip",
    "/bomb/deflate",
    "/bomb/brotli",
    "/zstd/endless",
    "/understated-length",
    "/headers-5000",
    "/header-1mb",
    "/html/deep",
    "/html/binary",
];

/// Peak resident set size of this process so far, in bytes.
fn vm_hwm() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM line");
    let kb: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("VmHWM value");
    kb * 1024
}

const MIB: u64 = 1024 * 1024;

#[test]
fn peak_memory_stays_bounded_under_every_heavy_route() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let canary = hostile::Canary::start().await;
        let server = Server::start(None).await;
        hostile::install(&server, canary.port);
        // The shipped defaults (10 MiB cap, 20 s deadline), allowing only the hostile server.
        let cfg = FetchConfig {
            allow_private: vec![format!("127.0.0.1:{}", server.addr.port())],
            per_host_concurrency: 64,
            ..FetchConfig::default()
        };
        let cap = cfg.max_body_bytes;
        let fetcher = Fetcher::new(&cfg).unwrap();
        let get = |path: &str| {
            let req = Request::new(Url::parse(&server.url(path)).unwrap(), Purpose::Article);
            let fetcher = fetcher.clone();
            async move { fetcher.get(&req).await }
        };
        // Warm up the client, the runtime and the bombs' precomputed streams.
        get("/ok").await.expect("warm-up");
        for kind in [hostile::Bomb::Gzip, hostile::Bomb::Deflate, hostile::Bomb::Brotli] {
            let (unit, ratio) = hostile::bomb_ratio(kind);
            eprintln!("{kind:?} bomb: {unit} wire bytes per MiB decoded ({ratio}x)");
        }
        let base = vm_hwm();

        // One at a time: the peak may grow by about one capped body.
        for path in HEAVY {
            let start = Instant::now();
            let result = get(path).await;
            let took = start.elapsed();
            let grown = vm_hwm().saturating_sub(base);
            let outcome = match &result {
                Ok(r) => format!("HTTP {} ({} bytes)", r.status, r.body.len()),
                Err(e) => e.category().to_string(),
            };
            eprintln!("{path:24} {outcome:24} {took:>8.2?}  peak +{} MiB", grown / MIB);
            assert!(took < cfg.timeout + Duration::from_secs(2), "{path} took {took:?}");
            assert!(grown < 2 * cap + 16 * MIB, "{path}: peak RSS grew by {} MiB", grown / MIB);
        }

        // All at once, twice over: the peak is bounded by the number in flight times the cap.
        let start = Instant::now();
        let all = HEAVY.iter().chain(HEAVY).map(|p| get(p));
        let results = futures_util::future::join_all(all).await;
        let grown = vm_hwm().saturating_sub(base);
        eprintln!("{} concurrent fetches: {:.2?}, peak +{} MiB", results.len(), start.elapsed(), grown / MIB);
        // Seven routes per pass can fill a body up to the cap before failing.
        let capped = 2 * 7;
        assert!(grown < capped * cap + 32 * MIB, "peak RSS grew by {} MiB", grown / MIB);
        let too_large =
            results.iter().filter(|r| r.as_ref().is_err_and(|e| e.category() == Category::TooLarge));
        assert_eq!(too_large.count(), 2 * 8, "every over-cap route ends in too_large");
        assert!(start.elapsed() < cfg.timeout + Duration::from_secs(2));
        assert_eq!(canary.connections(), 0);
    });
}
