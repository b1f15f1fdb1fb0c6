//! Feed parsing against real files: every malformed and odd feed of feedparser's test suite
//! (no panic may escape, time stays bounded), the real-world feeds compared with what Python's
//! feedparser recovers from them (`realworld/reference-items.json`), and the repairs and item
//! identity rules on small inline documents.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use newsd::feed::{parse, ParsedFeed};
use url::Url;

/// The shared corpus; in CI `shared/` sits beside the repository.
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/feeds");
/// The same from a git worktree one level deeper (`wt/<name>/` beside `shared/`).
const CORPUS_FROM_WORKTREE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/feeds");

fn corpus() -> PathBuf {
    [CORPUS, CORPUS_FROM_WORKTREE]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_dir())
        .unwrap_or_else(|| panic!("feed corpus not found at {CORPUS}"))
}

/// Panics raised inside feed-rs (and caught by `parse`) since the hook was installed.
static FEED_RS_PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts panics raised in feed-rs and keeps them out of the test output; any other panic is
/// reported by the default hook as usual.
fn count_feed_rs_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // feed-rs panics in its own code or in the crates it calls (quick-xml, std slicing
            // on its behalf); anything raised by this test or by newsd is reported as usual
            let in_feed_rs = info.location().is_some_and(|l| {
                let f = l.file();
                f.contains("feed-rs") || f.contains("quick-xml") || f.contains("/rustc/")
            });
            if in_feed_rs {
                FEED_RS_PANICS.fetch_add(1, Ordering::Relaxed);
            } else {
                default(info);
            }
        }));
    });
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).expect("corpus dir").map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn base_of(path: &Path) -> Url {
    Url::from_file_path(path).expect("absolute path")
}

fn parse_file(path: &Path) -> Result<ParsedFeed, newsd::feed::ParseError> {
    let bytes = std::fs::read(path).expect("readable fixture");
    parse(&bytes, &base_of(path), None)
}

/// (1) Every file of the corpus: no panic escapes `parse`, each file and the whole run stay
/// within a time bound.
#[test]
fn whole_corpus_never_panics_and_stays_fast() {
    count_feed_rs_panics();
    let mut files = Vec::new();
    files_under(&corpus(), &mut files);
    assert!(files.len() > 2000, "corpus not found at {CORPUS} ({} files)", files.len());
    let started = Instant::now();
    let (mut ok, mut failed, mut items) = (0usize, 0usize, 0usize);
    let mut escaped = Vec::new();
    let mut slowest = (Duration::ZERO, PathBuf::new());
    for path in &files {
        let t = Instant::now();
        match catch_unwind(AssertUnwindSafe(|| parse_file(path))) {
            Ok(Ok(feed)) => {
                ok += 1;
                items += feed.items.len();
            }
            Ok(Err(_)) => failed += 1,
            Err(_) => escaped.push(path.clone()),
        }
        if t.elapsed() > slowest.0 {
            slowest = (t.elapsed(), path.clone());
        }
    }
    let elapsed = started.elapsed();
    println!(
        "corpus: {} files, {ok} parsed ({items} items), {failed} rejected, {} feed-rs panics caught, \
         {} escaped; {elapsed:.2?} total, slowest {:.2?} ({})",
        files.len(),
        FEED_RS_PANICS.load(Ordering::Relaxed),
        escaped.len(),
        slowest.0,
        slowest.1.display()
    );
    assert!(escaped.is_empty(), "panics escaped parse(): {escaped:?}");
    assert!(slowest.0 < Duration::from_secs(5), "one file took {:?}: {}", slowest.0, slowest.1.display());
    assert!(elapsed < Duration::from_secs(45), "corpus took {elapsed:?}");
}

/// (2) Real-world feeds: at least as many items as feedparser, feed by feed.
#[test]
fn realworld_items_at_least_feedparser() {
    count_feed_rs_panics();
    let dir = corpus().join("realworld");
    let reference: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("reference-items.json")).unwrap()).unwrap();
    let reference = reference.as_object().expect("object keyed by file name");
    let mut rows = BTreeMap::new();
    for (name, want) in reference {
        let want_n = want["entries"].as_u64().unwrap() as usize;
        let got = parse_file(&dir.join(name)).map(|f| f.items).unwrap_or_default();
        rows.insert(name.clone(), (got.len(), want_n));
    }
    let (mut got_total, mut want_total) = (0, 0);
    println!("{:<36} {:>7} {:>11}", "feed", "newsd", "feedparser");
    for (name, (got, want)) in &rows {
        println!("{name:<36} {got:>7} {want:>11}");
        got_total += got;
        want_total += want;
    }
    println!("{:<36} {got_total:>7} {want_total:>11}", "TOTAL");
    let short: Vec<_> = rows.iter().filter(|(_, (g, w))| g < w).collect();
    assert!(short.is_empty(), "fewer items than feedparser: {short:?}");
}

/// Files of feedparser's suite whose expectation reads `entries[0]`: feedparser recovers at
/// least one entry from each, and so must newsd.
#[test]
fn feedparser_suite_entries_recovered() {
    count_feed_rs_panics();
    let mut files = Vec::new();
    files_under(&corpus().join("feedparser"), &mut files);
    let (mut expected, mut missing) = (0, Vec::new());
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let expects_entry = text.lines().any(|l| l.contains("Expect:") && l.contains("entries[0]"));
        if !expects_entry {
            continue;
        }
        expected += 1;
        let n = parse(&bytes, &base_of(path), None).map(|f| f.items.len()).unwrap_or(0);
        if n == 0 {
            missing.push(path.strip_prefix(corpus()).unwrap().display().to_string());
        }
    }
    println!("feedparser suite: {} of {expected} files with an entry recovered", expected - missing.len());
    for m in &missing {
        println!("  no item: {m}");
    }
    assert!(expected > 1000, "{expected}");
    assert!(missing.is_empty(), "{} files lost every entry", missing.len());
}

#[test]
#[ignore]
fn debug_one() {
    let path = std::env::var("FEED").unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let r = parse(&bytes, &base_of(Path::new(&path)), None);
    println!("{r:#?}");
}
