//! Exactly-once delivery under real crashes: the real `newsd` binary, a real local HTTP server
//! with thousands of articles across many feeds, real files, real SIGKILL.
//!
//! - `random_sigkill_loses_and_repeats_nothing`: kills `newsd` at random moments (at least 50
//!   times; `CRASH_KILLS`, `CRASH_FEEDS`, `CRASH_PER_FEED`, `CRASH_SEED` scale it up for
//!   `scripts/crash-soak`), restarts it, then checks every article appears exactly once.
//! - `crash_after_nth_write_*` / `crash_between_rename_and_reopen`: deterministic crash points
//!   through the sink's test hooks (`NEWSD_TEST_CRASH_AFTER_WRITES`, `..._AFTER_ROTATIONS`).

mod support;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::{Duration, Instant};

use support::corpus::*;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// True if any output file ends without `\n` right now (the kill cut a write).
fn torn_now(out: &Path) -> bool {
    std::fs::read_dir(out).into_iter().flatten().filter_map(|e| e.ok()).any(|e| {
        let data = std::fs::read(e.path()).unwrap_or_default();
        !data.is_empty() && !data.ends_with(b"\n")
    })
}

fn line_count(out: &Path) -> usize {
    std::fs::read_dir(out)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read(e.path()).unwrap_or_default().iter().filter(|&&b| b == b'\n').count())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_sigkill_loses_and_repeats_nothing() {
    let kills = env_or("CRASH_KILLS", 60);
    let feeds = env_or("CRASH_FEEDS", 40) as usize;
    let per_feed = env_or("CRASH_PER_FEED", 50) as usize;
    let seed = env_or("CRASH_SEED", fastrand::u64(..));
    let keep_dir = std::env::var_os("CRASH_KEEP_DIR").is_some();
    println!(
        "crash test: seed {seed} (CRASH_SEED={seed} repeats it), {kills} kills, {feeds}×{per_feed} articles"
    );
    let mut rng = fastrand::Rng::with_seed(seed);
    let tmp = tempfile::tempdir().unwrap();
    let corpus = Corpus::start(&tmp.path().join("www"), feeds, per_feed).await;
    // Small files: many rotations, so kills also land in and around them.
    let cfg = corpus.config(tmp.path(), "rotate_bytes = 65536\nfsync = \"interval\"");
    let out = tmp.path().join("out");
    let log = tmp.path().join("newsd.log");
    let all_logs = tmp.path().join("all.log");

    let started = Instant::now();
    let (mut torn_seen, mut lines_at_kills) = (0, Vec::new());
    let mut reconciled = 0;
    let mut torn_repaired = 0;
    for i in 0..kills {
        let cfg = cfg.clone();
        let log2 = log.clone();
        // Lives of 30–600 ms: long enough to write, short enough to die mid-way.
        let life = Duration::from_millis(rng.u64(30..600));
        let (torn, lines) = tokio::task::spawn_blocking({
            let out = out.clone();
            move || {
                let mut child = spawn("run", &cfg, &log2, &[]);
                std::thread::sleep(life);
                child.kill().unwrap(); // SIGKILL
                let st = child.wait().unwrap();
                assert!(st.signal() == Some(9) || st.code().is_some(), "life {i}: {st:?}");
                (torn_now(&out), line_count(&out))
            }
        })
        .await
        .unwrap();
        torn_seen += usize::from(torn);
        lines_at_kills.push(lines);
        reconciled += log_sum(&log, "Records written before a crash were committed", "records");
        torn_repaired += log_count(&log, "Torn last line removed");
        append_log(&log, &all_logs);
    }
    let kill_phase = started.elapsed();

    // A last, complete pass, then a second one that must add nothing.
    for pass in 0..2 {
        let cfg = cfg.clone();
        let log2 = log.clone();
        let st = tokio::task::spawn_blocking(move || {
            let mut child = spawn("once", &cfg, &log2, &[]);
            wait_for(&mut child, Duration::from_secs(120))
        })
        .await
        .unwrap();
        reconciled += log_sum(&log, "Records written before a crash were committed", "records");
        torn_repaired += log_count(&log, "Torn last line removed");
        append_log(&log, &all_logs);
        assert!(st.success(), "final once #{pass} failed: {}", std::fs::read_to_string(&log).unwrap());
    }
    let result = Output::read(&out);
    let distinct_ids = result.per_id_rev.len();
    println!(
        "crash test: {kills} SIGKILLs in {:.1}s (lines at kills: first {:?}, last {:?}); \
         kills that cut a line: {torn_seen}; torn lines repaired at start: {torn_repaired}; \
         records reconciled (written, uncommitted at kill): {reconciled}; \
         final: {} lines, {} distinct (id, revision), {} articles expected, {} files; total {:.1}s",
        kill_phase.as_secs_f64(),
        lines_at_kills.first(),
        lines_at_kills.last(),
        result.records.len(),
        distinct_ids,
        corpus.links.len(),
        result.files,
        started.elapsed().as_secs_f64()
    );
    if keep_dir {
        println!("crash test: keeping {}", tmp.keep().display());
    }
    result.assert_exactly_once(&corpus.links);
    assert!(
        lines_at_kills.iter().filter(|n| **n > 0 && **n < corpus.links.len()).count() >= 10,
        "too few kills landed while records were being written: {lines_at_kills:?}"
    );
}

fn append_log(from: &Path, to: &Path) {
    use std::io::Write;
    let text = std::fs::read(from).unwrap_or_default();
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(to).unwrap();
    f.write_all(&text).unwrap();
}
