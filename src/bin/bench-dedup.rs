//! Benchmark of the near-duplicate index (issue 5): lookup cost, memory and load time as the
//! store grows. Not part of the daemon.
//!
//! For each size it fills a fresh redb store (in a temporary folder) with that many signatures,
//! reopens it as a restart would, loads the index (`NearDups::load`), then times lookups of
//! unrelated texts (misses) and of near copies of stored ones (hits), and the whole per-record
//! step (`assess`: sketch, lookup, insert, and its share of the batched durable store writes)
//! on synthetic 400-word texts. Times are CPU time of the thread (from `/proc`), with wall
//! time beside them: on a shared machine wall time mostly measures the other processes.
//!
//! The stored signatures are random sketches: the sketches of distinct texts are as good as
//! random, and computing a million from texts would only time the sketching, measured apart.
//!
//! Run: `cargo run --release --bin bench-dedup [-- SIZE...]` (default 10000 100000 1000000).

use std::time::{Duration, Instant};

use newsd::dedup::near::NearDups;
use newsd::dedup::sketch::{Sketch, K};
use newsd::state::{Signature, Store};

const RETENTION: Duration = Duration::from_secs(30 * 86_400);
const QUERIES: usize = 20_000;
const TEXTS: usize = 1_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<usize> =
        match std::env::args().skip(1).map(|a| a.parse()).collect::<Result<Vec<_>, _>>()? {
            v if v.is_empty() => vec![10_000, 100_000, 1_000_000],
            v => v,
        };
    println!("near-duplicate index: K = {K} values; {QUERIES} lookups per kind; {TEXTS} texts of 400 words");
    println!("times are CPU time of this thread (wall time in brackets: the machine may be shared)");
    for n in sizes {
        bench(n)?;
    }
    Ok(())
}

/// CPU and wall time of a step.
struct Timer {
    cpu_ns: u64,
    wall: Instant,
}

impl Timer {
    fn start() -> Timer {
        Timer { cpu_ns: cpu_ns(), wall: Instant::now() }
    }

    /// (CPU µs, wall µs) per item over `items`.
    fn per(&self, items: usize) -> (f64, f64) {
        let cpu = (cpu_ns() - self.cpu_ns) as f64 / 1e3 / items as f64;
        (cpu, self.wall.elapsed().as_secs_f64() * 1e6 / items as f64)
    }
}

fn bench(n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("newsd-bench-dedup-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut rng = fastrand::Rng::with_seed(n as u64);
    let now = chrono::Utc::now().timestamp();
    let window = RETENTION.as_secs() as i64;

    // Fill: n signatures written in durable batches.
    let t = Timer::start();
    let mut samples: Vec<Sketch> = Vec::new();
    {
        let store = Store::open(&dir)?;
        let mut batch: Vec<(String, Signature)> = Vec::with_capacity(20_000);
        for i in 0..n {
            let sketch = Sketch(std::array::from_fn(|_| rng.u16(..)));
            let root: [u8; 16] = std::array::from_fn(|_| rng.u8(..));
            if i % (n / 1000).max(1) == 0 {
                samples.push(sketch);
            }
            let at = now - rng.i64(0..window);
            batch.push((hex(&root), Signature { at, root, sketch: sketch.to_bytes() }));
            if batch.len() == batch.capacity() || i + 1 == n {
                let rows: Vec<(&str, Signature)> =
                    batch.iter().map(|(id, s)| (id.as_str(), s.clone())).collect();
                store.put_signatures(&rows)?;
                batch.clear();
            }
        }
    }
    let (_, fill_wall) = t.per(1);

    // Restart: reopen and load.
    let rss_before = rss_kib();
    let store = Store::open(&dir)?;
    // The store scan alone (decoding included), to split the load time.
    let t = Timer::start();
    let mut rows = 0usize;
    store.load_signatures(i64::MIN, |_, _| rows += 1)?;
    let (scan_cpu, _) = t.per(1);
    let t = Timer::start();
    let mut near = NearDups::load(store, RETENTION, now)?;
    let (load_cpu, load_wall) = t.per(1);
    let rss_delta = rss_kib().saturating_sub(rss_before);
    let index = near.heap_bytes();
    assert_eq!(near.len(), n);

    // Misses: unrelated texts.
    let misses: Vec<Sketch> = (0..QUERIES).map(|_| Sketch(std::array::from_fn(|_| rng.u16(..)))).collect();
    let t = Timer::start();
    let false_hits = misses.iter().filter(|s| near.find(s, "").is_some()).count();
    let miss = t.per(QUERIES);
    let cells = misses.iter().map(|s| near.probes(s)).sum::<usize>() as f64 / QUERIES as f64;

    // Hits: copies of stored texts with 30 % of their values changed (similarity about 0.7).
    let hits: Vec<Sketch> = (0..QUERIES)
        .map(|i| {
            let mut s = samples[i % samples.len()];
            for v in s.0.iter_mut() {
                if rng.u8(..10) < 3 {
                    *v = rng.u16(..);
                }
            }
            s
        })
        .collect();
    let t = Timer::start();
    let found = hits.iter().filter(|s| near.find(s, "").is_some()).count();
    let hit = t.per(QUERIES);

    // The per-record work on (synthetic) text: sketching alone, then the whole `assess`
    // (sketch, lookup, insert, and its share of the batched store writes).
    let texts: Vec<String> = (0..TEXTS).map(|_| text(&mut rng, 400)).collect();
    let t = Timer::start();
    let sketched = texts.iter().filter_map(|t| Sketch::of(t)).count();
    let sketch = t.per(TEXTS);
    let t = Timer::start();
    for (i, t) in texts.iter().enumerate() {
        let id = hex(&(i as u128 | 1 << 100).to_le_bytes());
        std::hint::black_box(near.assess(&id, t, now));
    }
    near.save();
    let assess = t.per(TEXTS);
    assert_eq!((sketched, rows), (TEXTS, n));

    println!("{n} signatures:");
    println!(
        "  load {load_cpu_s:.2} s [{load_wall_s:.2} s] (store scan alone {:.2} s); index {:.1} MiB ({} B/signature), RSS +{:.1} MiB; store {:.1} MiB (filled in {:.1} s)",
        scan_cpu / 1e6,
        index as f64 / 1_048_576.0,
        index / n,
        rss_delta as f64 / 1024.0,
        dir_mib(&dir),
        fill_wall / 1e6,
        load_cpu_s = load_cpu / 1e6,
        load_wall_s = load_wall / 1e6,
    );
    println!(
        "  lookup miss {:.2} µs [{:.2}] ({cells:.1} cells read, false hits {false_hits}); hit {:.2} µs [{:.2}] (found {found}/{QUERIES})",
        miss.0, miss.1, hit.0, hit.1
    );
    println!(
        "  per record: sketch {:.1} µs [{:.1}], assess (sketch + lookup + insert + batched store write) {:.1} µs [{:.1}]",
        sketch.0, sketch.1, assess.0, assess.1
    );
    drop(near);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// CPU time of this thread in nanoseconds (Linux `schedstat`; 0 elsewhere).
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// A text of `words` words drawn from a 20,000-word vocabulary (Zipf-like: low ranks common).
fn text(rng: &mut fastrand::Rng, words: usize) -> String {
    (0..words)
        .map(|_| {
            let top = rng.u32(1..20_000);
            format!("w{} ", rng.u32(..top))
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    hex::encode(&bytes[..bytes.len().min(16)])
}

/// Resident set size of this process in KiB (Linux), 0 elsewhere.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmRSS:").map(|v| v.trim().to_string())))
        .and_then(|v| v.trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn dir_mib(dir: &std::path::Path) -> f64 {
    let bytes: u64 = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0);
    bytes as f64 / 1_048_576.0
}
