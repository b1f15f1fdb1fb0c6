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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_sigkill_loses_and_repeats_nothing() {
    let kills = env_or("CRASH_KILLS", 80);
    let feeds = env_or("CRASH_FEEDS", 60) as usize;
    let per_feed = env_or("CRASH_PER_FEED", 30) as usize;
    let seed = env_or("CRASH_SEED", fastrand::u64(..));
    let keep_dir = std::env::var_os("CRASH_KEEP_DIR").is_some();
    println!(
        "crash test: seed {seed} (CRASH_SEED={seed} repeats it), {kills} kills, {feeds} feeds × {per_feed} articles to start"
    );
    let mut rng = fastrand::Rng::with_seed(seed);
    let t0 = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let mut corpus = Corpus::start(&tmp.path().join("www"), feeds, per_feed).await;
    // Small files: many rotations, so kills also land in and around them.
    let cfg = corpus.config(tmp.path(), "rotate_bytes = 65536\nfsync = \"interval\"");
    let out = tmp.path().join("out");
    let log = tmp.path().join("newsd.log");
    let all_logs = tmp.path().join("all.log");

    let started = Instant::now();
    let (mut torn_seen, mut lines_at_kills) = (0, Vec::new());
    let mut reconciled = 0;
    let mut torn_repaired = 0;
    let mut grown = 0;
    let (mut by_policy, mut by_cmd) = ([0u32; 3], [0u32; 2]);
    for i in 0..kills {
        // Keep work ahead of the daemon, as live feeds do, so every kill lands mid-stream.
        if lines_at_kills.last().is_some_and(|n| n + 1000 > corpus.links.len()) {
            corpus.grow_dropping(10, &written_links(&out));
            grown += 1;
        }
        let cfg = cfg.clone();
        let log2 = log.clone();
        // Lives of 60–700 ms: some die in start-up, most while writing.
        let life = Duration::from_millis(rng.u64(60..700));
        let p = rng.usize(..3);
        let policy = ["always", "interval", "never"][p];
        by_policy[p] += 1;
        let cmd = if rng.bool() { "run" } else { "once" };
        by_cmd[usize::from(cmd == "once")] += 1;
        let (torn, lines) = tokio::task::spawn_blocking({
            let out = out.clone();
            move || {
                // Each life with its own fsync policy and command: the protocol must hold
                // across restarts with a changed config too.
                let mut child = spawn(cmd, &cfg, &log2, &[("NEWSD_OUTPUT__FSYNC", policy.to_string())]);
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
        "crash test: {kills} SIGKILLs in {:.1}s ({} lives wrote records, {} died before their first \
         write); kills by fsync policy always/interval/never: {:?}; lives as run/once: {:?}; \
         kills that cut a line: {torn_seen}; torn lines repaired at start: {torn_repaired}; \
         records reconciled (written, uncommitted at kill): {reconciled}; \
         feeds grew {grown} times; final: {} lines, {} distinct (id, revision), {} articles expected, \
         {} files; total {:.1}s",
        kill_phase.as_secs_f64(),
        lines_at_kills.windows(2).filter(|w| w[1] > w[0]).count() + usize::from(lines_at_kills[0] > 0),
        lines_at_kills.windows(2).filter(|w| w[1] == w[0]).count() + usize::from(lines_at_kills[0] == 0),
        by_policy,
        by_cmd,
        result.records.len(),
        distinct_ids,
        corpus.links.len(),
        result.files,
        started.elapsed().as_secs_f64()
    );
    let tmp = if keep_dir {
        println!("crash test: keeping {}", tmp.keep().display());
        None
    } else {
        Some(tmp)
    };
    result.assert_exactly_once(&corpus.links);
    let mid_stream = lines_at_kills.iter().filter(|n| **n < result.records.len()).count();
    println!("crash test: {mid_stream} of {kills} kills landed before the stream was complete");
    assert!(mid_stream as u64 >= kills.min(50), "too few kills landed mid-stream: {lines_at_kills:?}");
    drop(tmp);
    println!("crash test: done in {:.1}s", t0.elapsed().as_secs_f64());
}

/// Links of the whole, valid lines written so far (tolerates a torn last line).
fn written_links(out: &Path) -> std::collections::HashSet<String> {
    let mut links = std::collections::HashSet::new();
    for entry in std::fs::read_dir(out).into_iter().flatten().filter_map(|e| e.ok()) {
        let text = std::fs::read(entry.path()).unwrap_or_default();
        for line in text.split(|&b| b == b'\n') {
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) {
                if let Some(l) = v["item"]["link"].as_str() {
                    links.insert(l.to_string());
                }
            }
        }
    }
    links
}

fn append_log(from: &Path, to: &Path) {
    use std::io::Write;
    let text = std::fs::read(from).unwrap_or_default();
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(to).unwrap();
    f.write_all(&text).unwrap();
}

/// Runs `once` to its end and returns the exit status and the log text.
async fn once(
    cfg: &Path,
    log: &Path,
    env: Vec<(&'static str, String)>,
) -> (std::process::ExitStatus, String) {
    let (cfg, log) = (cfg.to_path_buf(), log.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let mut child = spawn("once", &cfg, &log, &env);
        let st = wait_for(&mut child, Duration::from_secs(60));
        (st, std::fs::read_to_string(&log).unwrap_or_default())
    })
    .await
    .unwrap()
}

const SIGABRT: i32 = 6;

/// The test hook aborts right after the N-th line is written, before its commit: each restart
/// must find those lines and commit them, so the final output has every article exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_after_nth_write_then_recover() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = Corpus::start(&tmp.path().join("www"), 4, 25).await;
    let cfg = corpus.config(tmp.path(), "rotate_bytes = 16384\nfsync = \"always\"");
    let (out, log) = (tmp.path().join("out"), tmp.path().join("newsd.log"));
    let mut expected_lines = 0;
    let mut reconciled = 0;
    for n in [1u64, 2, 5, 11, 17] {
        let (st, text) = once(&cfg, &log, vec![("NEWSD_TEST_CRASH_AFTER_WRITES", n.to_string())]).await;
        assert_eq!(st.signal(), Some(SIGABRT), "hook must abort after write {n}: {st:?}\n{text}");
        if expected_lines > 0 {
            // The previous life's last lines were written but not committed: found and committed.
            let r = log_sum(&log, "Records written before a crash were committed", "records");
            assert!(r >= 1, "restart after a crash at write must reconcile:\n{text}");
            reconciled += r;
        }
        expected_lines += n as usize;
        assert_eq!(line_count(&out), expected_lines, "each life writes exactly its N lines");
        let so_far = Output::read(&out);
        assert!(so_far.repeated().is_empty(), "repeat after crash at write {n}: {:?}", so_far.repeated());
    }
    let (st, text) = once(&cfg, &log, vec![]).await;
    assert!(st.success(), "{text}");
    reconciled += log_sum(&log, "Records written before a crash were committed", "records");
    let (st, _) = once(&cfg, &log, vec![]).await;
    assert!(st.success());
    let result = Output::read(&out);
    println!(
        "crash at Nth write: 5 aborts, {reconciled} records reconciled, {} lines, {} articles, {} files",
        result.records.len(),
        corpus.links.len(),
        result.files
    );
    result.assert_exactly_once(&corpus.links);
}

/// The hook writes half of the N-th line and aborts: the next start cuts the torn line off
/// (and the record is written again, whole, exactly once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_mid_write_leaves_no_partial_line() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = Corpus::start(&tmp.path().join("www"), 3, 20).await;
    let cfg = corpus.config(tmp.path(), "fsync = \"never\"");
    let (out, log) = (tmp.path().join("out"), tmp.path().join("newsd.log"));
    let mut repaired = 0;
    for n in [1u64, 4, 9] {
        let (st, text) = once(&cfg, &log, vec![("NEWSD_TEST_CRASH_MID_WRITE", n.to_string())]).await;
        assert_eq!(st.signal(), Some(SIGABRT), "{st:?}\n{text}");
        assert!(torn_now(&out), "the hook must leave a torn line after line {n}");
        if repaired > 0 {
            assert_eq!(
                log_count(&log, "Torn last line removed"),
                1,
                "restart must cut the torn line:\n{text}"
            );
        }
        repaired += 1;
    }
    let (st, text) = once(&cfg, &log, vec![]).await;
    assert!(st.success(), "{text}");
    assert_eq!(log_count(&log, "Torn last line removed"), 1, "{text}");
    let result = Output::read(&out);
    println!("crash mid-write: {repaired} torn lines left and repaired, {} lines", result.records.len());
    result.assert_exactly_once(&corpus.links);
}

/// The hook aborts during rotation after the rename, before the checkpoint and the new live
/// file: restarts must neither lose nor repeat, and rotated numbers stay contiguous.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_between_rename_and_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = Corpus::start(&tmp.path().join("www"), 3, 20).await;
    let cfg = corpus.config(tmp.path(), "rotate_bytes = 4096\nfsync = \"interval\"");
    let (out, log) = (tmp.path().join("out"), tmp.path().join("newsd.log"));
    let live = out.join("articles.jsonl");
    for life in 1..=4 {
        let (st, text) = once(&cfg, &log, vec![("NEWSD_TEST_CRASH_AFTER_ROTATIONS", "1".into())]).await;
        assert_eq!(st.signal(), Some(SIGABRT), "{st:?}\n{text}");
        assert!(!live.exists(), "life {life}: the crash fell between rename and reopen");
        assert!(Output::read(&out).repeated().is_empty());
    }
    let (st, text) = once(&cfg, &log, vec![]).await;
    assert!(st.success(), "{text}");
    let result = Output::read(&out);
    let mut seqs: Vec<u64> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_prefix("articles-")?.strip_suffix(".jsonl")?.parse().ok()
        })
        .collect();
    seqs.sort();
    println!(
        "crash between rename and reopen: 4 aborts, {} rotated files, {} lines",
        seqs.len(),
        result.records.len()
    );
    assert!(seqs.len() >= 5, "{seqs:?}");
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "rotated numbers contiguous, no reuse");
    result.assert_exactly_once(&corpus.links);
}
