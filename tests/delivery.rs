//! Delivery guarantees of the real binary beyond random crashes: graceful stop, the state-dir
//! lock, a full disk (`ulimit -f`, SIGXFSZ ignored), retention, and the stdout sink.

mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::corpus::*;
use support::{newsd_bin, signal};

/// Polls `cond` every 50 ms until it holds; panics with `what` after `limit`.
fn wait_until(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGTERM mid-stream exits 0 having lost nothing; the restart repeats nothing and finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_loses_nothing_and_restart_repeats_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = Corpus::start(&tmp.path().join("www"), 20, 40).await;
    let cfg = corpus.config(tmp.path(), "rotate_bytes = 65536");
    let (out, log) = (tmp.path().join("out"), tmp.path().join("newsd.log"));
    let total = corpus.links.len();
    let links = corpus.links.clone();
    tokio::task::spawn_blocking(move || {
        let mut child = spawn("run", &cfg, &log, &[]);
        wait_until(Duration::from_secs(60), "first records", || line_count(&out) >= 50);
        signal(child.id(), "TERM");
        let st = wait_for(&mut child, Duration::from_secs(30));
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(st.success(), "SIGTERM must exit 0: {st:?}\n{text}");
        let first = Output::read(&out);
        assert!(first.repeated().is_empty());
        println!("sigterm: stopped after {} of {total} records", first.records.len());

        let mut child = spawn("run", &cfg, &log, &[]);
        wait_until(Duration::from_secs(90), "all records", || line_count(&out) >= total);
        signal(child.id(), "TERM");
        assert!(wait_for(&mut child, Duration::from_secs(30)).success());
        let mut child = spawn("once", &cfg, &log, &[]);
        assert!(wait_for(&mut child, Duration::from_secs(60)).success());
        Output::read(&out).assert_exactly_once(&links);
    })
    .await
    .unwrap();
}

/// SIGHUP mid-stream (here adding feeds) neither loses nor repeats a record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reload_mid_stream_repeats_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut corpus = Corpus::start(&tmp.path().join("www"), 20, 30).await;
    let all_feeds = corpus.feeds.clone();
    corpus.feeds.truncate(10);
    let cfg = corpus.config(tmp.path(), "rotate_bytes = 65536");
    let first_half: Vec<String> = corpus.links.iter().filter(|l| half_one(l)).cloned().collect();
    corpus.feeds = all_feeds;
    let (out, log) = (tmp.path().join("out"), tmp.path().join("newsd.log"));
    let links = corpus.links.clone();
    let cfg_path = cfg.clone();
    tokio::task::spawn_blocking(move || {
        let mut child = spawn("run", &cfg, &log, &[]);
        wait_until(Duration::from_secs(60), "first records", || line_count(&out) >= 100);
        // Reload with every feed while the first ten are still being written.
        corpus.config(tmp.path(), "rotate_bytes = 65536");
        assert_eq!(cfg_path, tmp.path().join("newsd.toml"));
        signal(child.id(), "HUP");
        wait_until(Duration::from_secs(90), "all records", || line_count(&out) >= links.len());
        std::thread::sleep(Duration::from_millis(500));
        signal(child.id(), "TERM");
        assert!(wait_for(&mut child, Duration::from_secs(30)).success());
        println!(
            "sighup: reloaded with {} more articles; {} in all",
            links.len() - first_half.len(),
            links.len()
        );
        assert!(log_count(&log, "Config reloaded") >= 1);
        Output::read(&out).assert_exactly_once(&links);
    })
    .await
    .unwrap();
}

/// True for links of feeds 0–9 (`/a/f<feed>-<k>.html`).
fn half_one(link: &str) -> bool {
    let f = link.rsplit("/a/f").next().and_then(|r| r.split('-').next()).and_then(|n| n.parse::<u32>().ok());
    f.is_some_and(|f| f < 10)
}

/// A second process on the same state dir exits at once naming the lock; once the first dies
/// by SIGKILL, the lock is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_dir_lock_refuses_a_second_daemon_and_dies_with_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = Corpus::start(&tmp.path().join("www"), 2, 5).await;
    let cfg = corpus.config(tmp.path(), "");
    let (log_a, log_b, log_c) =
        (tmp.path().join("a.log"), tmp.path().join("b.log"), tmp.path().join("c.log"));
    tokio::task::spawn_blocking(move || {
        let mut first = spawn("run", &cfg, &log_a, &[]);
        wait_until(Duration::from_secs(20), "the first daemon to open its output", || {
            log_count(&log_a, "Output file opened") > 0
        });
        let started = Instant::now();
        let mut second = spawn("run", &cfg, &log_b, &[]);
        let st = wait_for(&mut second, Duration::from_secs(10));
        let text = std::fs::read_to_string(&log_b).unwrap();
        println!("lock: second daemon exited {st:?} after {:?}", started.elapsed());
        assert_eq!(st.code(), Some(1), "{text}");
        assert!(text.contains("newsd.lock") && text.contains("locked"), "message must name the lock: {text}");
        assert!(first.try_wait().unwrap().is_none(), "the first daemon keeps running");

        first.kill().unwrap(); // SIGKILL: no chance to unlock by itself
        assert_eq!(first.wait().unwrap().signal(), Some(9));
        let mut third = spawn("once", &cfg, &log_c, &[]);
        let st = wait_for(&mut third, Duration::from_secs(30));
        assert!(
            st.success(),
            "lock must be free after SIGKILL: {}",
            std::fs::read_to_string(&log_c).unwrap()
        );
    })
    .await
    .unwrap();
}

/// Writing past `ulimit -f` raises SIGXFSZ, which must not kill newsd: the sink stalls with an
/// ERROR, keeps what it fetched, leaves no partial line, and resumes by itself once the limit is
/// raised (with `prlimit`, as when space returns). Nothing is lost or repeated. Here the output
/// file fills first (big records).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_size_limit_stalls_the_sink_then_it_recovers() {
    stall_and_recover(800, "articles.jsonl: File too large").await;
}

/// The same with small records: the state store (redb) fills first. redb refuses all work after
/// an I/O error until reopened; the sink reopens it, re-commits what the lost non-durable
/// commits covered, and goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_store_full_stalls_the_sink_then_it_recovers() {
    stall_and_recover(0, "state store").await;
}

/// `newsd run` under a soft `ulimit -f 256` (KiB), stderr to `log`.
fn run_with_file_size_limit(cfg: &Path, log: &Path) -> Daemon {
    let logf = std::fs::File::create(log).unwrap();
    Daemon(
        Command::new("bash")
            .arg("-c")
            .arg(r#"ulimit -S -f 256 && exec "$0" run --config "$1""#)
            .arg(newsd_bin())
            .arg(cfg)
            .stdout(Stdio::null())
            .stderr(logf)
            .spawn()
            .unwrap(),
    )
}

/// Runs newsd under `ulimit -f 256` (KiB) until the sink stalls with an error containing
/// `cause`, checks the stall, raises the limit and checks the recovery and the output.
async fn stall_and_recover(filler: usize, cause: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = Corpus::start_big(&tmp.path().join("www"), 10, 40, filler).await;
    // The live file may grow to 4 MiB; the process may write only 256 KiB per file.
    let cfg = corpus.config(tmp.path(), "rotate_bytes = 4194304");
    let (out, log) = (tmp.path().join("out"), tmp.path().join("newsd.log"));
    let links = corpus.links.clone();
    let cause = cause.to_string();
    tokio::task::spawn_blocking(move || {
        let mut child = run_with_file_size_limit(&cfg, &log);
        wait_until(Duration::from_secs(60), "the sink to stall", || log_count(&log, "Output stalled") >= 2);
        let stalled_at = line_count(&out);
        std::thread::sleep(Duration::from_millis(500));
        assert!(child.try_wait().unwrap().is_none(), "SIGXFSZ must not kill newsd");
        let live = std::fs::read(out.join("articles.jsonl")).unwrap();
        assert!(live.len() <= 256 * 1024, "{} bytes past the limit", live.len());
        assert!(live.ends_with(b"\n"), "no partial line while stalled");
        // Smaller writes may still fit after a failure, but never past the limit or all of them.
        assert!(line_count(&out) < links.len(), "the limit must hold records back");
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.contains("ERROR") && text.contains("write_errors="), "an ERROR with the counter");
        let first_error = text.lines().find(|l| l.contains("Output stalled")).unwrap_or("");
        assert!(first_error.contains(&cause), "expected {cause:?} first: {first_error}");
        println!(
            "ulimit -f ({cause}): stalled at {stalled_at} of {} records, {} ERROR lines",
            links.len(),
            log_count(&log, "Output stalled")
        );

        let st = Command::new("prlimit")
            .args(["--pid", &child.id().to_string(), "--fsize=unlimited"])
            .status()
            .unwrap();
        assert!(st.success(), "prlimit");
        wait_until(Duration::from_secs(90), "all records after the limit was raised", || {
            line_count(&out) >= links.len()
        });
        assert!(log_count(&log, "sink resumed") >= 1);
        signal(child.id(), "TERM");
        let st = wait_for(&mut child, Duration::from_secs(30));
        assert!(st.success(), "{st:?}");
        Output::read(&out).assert_exactly_once(&links);
    })
    .await
    .unwrap();
}

/// SIGTERM while the sink is stalled: newsd gives up at once (exit 1, saying how many records it
/// held back); those were not committed, so the next start produces them, exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_stalled_gives_up_and_restart_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = Corpus::start_big(&tmp.path().join("www"), 10, 30, 800).await;
    let cfg = corpus.config(tmp.path(), "rotate_bytes = 4194304");
    let (out, log) = (tmp.path().join("out"), tmp.path().join("newsd.log"));
    let links = corpus.links.clone();
    tokio::task::spawn_blocking(move || {
        let mut child = run_with_file_size_limit(&cfg, &log);
        wait_until(Duration::from_secs(60), "the sink to stall", || log_count(&log, "Output stalled") >= 1);
        let started = Instant::now();
        signal(child.id(), "TERM");
        let st = wait_for(&mut child, Duration::from_secs(20));
        let text = std::fs::read_to_string(&log).unwrap();
        println!("sigterm while stalled: exited {st:?} after {:?}", started.elapsed());
        assert_eq!(st.code(), Some(1), "{text}");
        assert!(text.contains("stopped while stalled"), "{text}");
        let before = Output::read(&out);
        assert!(before.repeated().is_empty());

        let mut child = spawn("once", &cfg, &log, &[]);
        assert!(wait_for(&mut child, Duration::from_secs(60)).success());
        Output::read(&out).assert_exactly_once(&links);
    })
    .await
    .unwrap();
}

/// `output.max_files` keeps the newest rotated files; numbering goes on past deleted ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_keeps_the_newest_rotated_files() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = Corpus::start(&tmp.path().join("www"), 3, 20).await;
    let cfg = corpus.config(tmp.path(), "rotate_bytes = 4096\nmax_files = 2");
    let (out, log) = (tmp.path().join("out"), tmp.path().join("newsd.log"));
    tokio::task::spawn_blocking(move || {
        let mut child = spawn("once", &cfg, &log, &[]);
        assert!(wait_for(&mut child, Duration::from_secs(60)).success());
        let mut names: Vec<String> =
            std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        let removed = log_count(&log, "removed by retention");
        println!("retention: kept {names:?}, removed {removed}");
        assert_eq!(names.len(), 3, "two rotated files and the live one: {names:?}");
        assert_eq!(names[2], "articles.jsonl");
        assert!(removed >= 3, "rotations must have outrun max_files");
        let highest: u64 =
            names[1].trim_start_matches("articles-").trim_end_matches(".jsonl").parse().unwrap();
        assert_eq!(highest as usize, removed + 2, "numbers are never reused");
    })
    .await
    .unwrap();
}

/// stdout: `newsd run | head -n 3` — the reader leaves, newsd notices the closed pipe and
/// exits 0 on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_closed_pipe_ends_the_daemon_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = Corpus::start(&tmp.path().join("www"), 10, 40).await;
    let cfg = corpus.config(tmp.path(), "").to_path_buf();
    let text = std::fs::read_to_string(&cfg).unwrap().replace("kind = \"file\"", "kind = \"stdout\"");
    std::fs::write(&cfg, text).unwrap();
    let log = tmp.path().join("newsd.log");
    tokio::task::spawn_blocking(move || {
        let logf = std::fs::File::create(&log).unwrap();
        let mut child = Daemon(
            Command::new(newsd_bin())
                .args(["run", "--config"])
                .arg(&cfg)
                .stdout(Stdio::piped())
                .stderr(logf)
                .spawn()
                .unwrap(),
        );
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        for _ in 0..3 {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert!(v["id"].is_string());
        }
        drop(reader); // like `head` exiting
        let st = wait_for(&mut child, Duration::from_secs(30));
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(st.success(), "closed stdout must end newsd cleanly: {st:?}\n{text}");
        assert!(text.contains("Standard output closed"), "{text}");
    })
    .await
    .unwrap();
}

/// stdout is at-least-once: after a SIGKILL mid-stream, a restart may repeat records, but every
/// article arrives and a repeated record carries the same id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_is_at_least_once_with_stable_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = Corpus::start(&tmp.path().join("www"), 10, 30).await;
    let cfg = corpus.config(tmp.path(), "");
    let text = std::fs::read_to_string(&cfg).unwrap().replace("kind = \"file\"", "kind = \"stdout\"");
    std::fs::write(&cfg, text).unwrap();
    let links = corpus.links.clone();
    tokio::task::spawn_blocking(move || {
        let run = |kill_after: Option<usize>| -> Vec<serde_json::Value> {
            let mut child = Command::new(newsd_bin())
                .args(["once", "--config"])
                .arg(&cfg)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let reader = BufReader::new(child.stdout.take().unwrap());
            let mut got = Vec::new();
            // After the SIGKILL, read on to EOF: what newsd wrote before dying is delivered
            // (the guarantee is about newsd crashing, not the reader dropping a full pipe).
            for line in reader.lines() {
                got.push(serde_json::from_str(&line.unwrap()).unwrap());
                if Some(got.len()) == kill_after {
                    child.kill().unwrap();
                }
            }
            child.wait().unwrap();
            got
        };
        let mut all = run(Some(40));
        let first = all.len();
        all.extend(run(None));
        let mut ids: std::collections::HashMap<String, String> = Default::default();
        for r in &all {
            let link = r["item"]["link"].as_str().unwrap().to_string();
            let id = r["id"].as_str().unwrap().to_string();
            let prev = ids.entry(link.clone()).or_insert_with(|| id.clone());
            assert_eq!(*prev, id, "a repeated record must carry the same id ({link})");
        }
        println!("stdout: {first} lines before SIGKILL, {} in all, {} articles", all.len(), links.len());
        for l in &links {
            assert!(ids.contains_key(l), "{l} never written");
        }
    })
    .await
    .unwrap();
}
