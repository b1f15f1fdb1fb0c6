//! A synthetic news corpus for delivery tests: `feeds` feeds of `per_feed` small, distinct
//! articles each, served by [`Server`](super::Server) (feeds as files, with ETags and 304s;
//! pages from memory), plus the helpers those tests share (config, running the binary,
//! checking the output).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::{article_html, newsd_bin, read_records, rss, write_config, Server};

/// The corpus: where its files are and which article links it holds.
pub struct Corpus {
    pub server: Server,
    pub root: PathBuf,
    pub feeds: Vec<(String, String)>,
    /// Every article link, in feed order.
    pub links: Vec<String>,
    /// Extra words in each new article (bigger records).
    pub filler: usize,
}

impl Corpus {
    /// Writes the corpus under `root` and starts a server for it.
    pub async fn start(root: &Path, feeds: usize, per_feed: usize) -> Corpus {
        std::fs::create_dir_all(root).unwrap();
        let server = Server::start(Some(root)).await;
        let feed_list =
            (0..feeds).map(|f| (format!("feed-{f}"), server.url(&format!("/f{f}.xml")))).collect();
        let mut corpus =
            Corpus { server, root: root.to_path_buf(), feeds: feed_list, links: Vec::new(), filler: 0 };
        corpus.grow(per_feed);
        corpus
    }

    /// Like `start`, with `filler` extra words in every article.
    pub async fn start_big(root: &Path, feeds: usize, per_feed: usize, filler: usize) -> Corpus {
        let mut corpus = Corpus::start(root, feeds, 0).await;
        corpus.filler = filler;
        corpus.grow(per_feed);
        corpus
    }

    /// Publishes `more` new articles in every feed (feeds list their newest items first).
    pub fn grow(&mut self, more: usize) {
        self.grow_dropping(more, &HashSet::new());
    }

    /// Like `grow`, and old items whose link is in `done` leave the feeds, as read stories
    /// scroll off a real feed (keeps polls small in long crash runs).
    pub fn grow_dropping(&mut self, more: usize, done: &HashSet<String>) {
        let feeds = self.feeds.len();
        let per_feed = self.links.len() / feeds.max(1);
        for f in 0..feeds {
            let items: Vec<(String, String)> = (0..per_feed + more)
                .rev()
                .map(|k| (format!("Story {f}-{k}"), self.server.url(&format!("/a/f{f}-{k}.html"))))
                .filter(|(_, link)| !done.contains(link))
                .collect();
            for k in per_feed..per_feed + more {
                let page = article_html(
                    &format!("Story {f}-{k}"),
                    &[
                        format!("Feed {f} article {k} opens with its own words about item number {k}."),
                        format!("It closes on a second paragraph, unique to {f}/{k}."),
                        "filler ".repeat(self.filler),
                    ],
                );
                // Pages from memory (thousands of files make temp dirs slow to delete).
                self.server.route(&format!("/a/f{f}-{k}.html"), move |_| {
                    super::Reply::ok("text/html; charset=utf-8", page.clone())
                });
                self.links.push(self.server.url(&format!("/a/f{f}-{k}.html")));
            }
            // Write the new feed beside and rename it in: a poll never sees half a document.
            let tmp = self.root.join(format!("f{f}.xml.tmp"));
            std::fs::write(&tmp, rss(&format!("Feed {f}"), &items)).unwrap();
            std::fs::rename(&tmp, self.root.join(format!("f{f}.xml"))).unwrap();
        }
    }

    /// A config in `dir` writing to `dir/out/articles.jsonl` with the given `[output]` extras.
    pub fn config(&self, dir: &Path, output_extra: &str) -> PathBuf {
        let feeds: Vec<(&str, String)> = self.feeds.iter().map(|(n, u)| (n.as_str(), u.clone())).collect();
        let extra = format!(
            "[output]\nkind = \"file\"\npath = \"{}\"\n{output_extra}\n\n\
             [daemon]\nshutdown_grace = \"5s\"\n\n",
            dir.join("out/articles.jsonl").display()
        );
        let cfg = write_config(dir, &feeds, &extra);
        // `write_config` puts its own [fetch] first; raise the limits for a fast local run.
        let text = std::fs::read_to_string(&cfg).unwrap().replace(
            "[fetch]\n",
            "[fetch]\nconcurrency = 64\nper_host_concurrency = 64\nrobots_txt = false\n",
        );
        std::fs::write(&cfg, text).unwrap();
        cfg
    }
}

/// A running `newsd`, SIGKILLed when dropped (a failing test must not leave a daemon behind).
pub struct Daemon(pub Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

impl std::ops::Deref for Daemon {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Daemon {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

/// Starts `newsd <cmd> --config cfg` with stderr to `log` and extra environment.
pub fn spawn(cmd: &str, cfg: &Path, log: &Path, env: &[(&str, String)]) -> Daemon {
    let log = std::fs::File::create(log).unwrap();
    let mut c = Command::new(newsd_bin());
    c.args([cmd, "--config"]).arg(cfg).stdout(Stdio::null()).stderr(log);
    for (k, v) in env {
        c.env(k, v);
    }
    Daemon(c.spawn().unwrap())
}

/// Waits for a child with a deadline; kills it and panics if it overruns.
pub fn wait_for(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("newsd did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What the output folder holds, checked: every file ends in `\n`, every line is JSON (both
/// asserted by `read_records`), only record files are there.
pub struct Output {
    pub records: Vec<serde_json::Value>,
    /// Lines per `item.link`.
    pub per_link: BTreeMap<String, usize>,
    /// Lines per (id, revision).
    pub per_id_rev: BTreeMap<(String, u64), usize>,
    pub files: usize,
}

impl Output {
    pub fn read(out_dir: &Path) -> Output {
        let records = read_records(out_dir);
        let mut per_link = BTreeMap::new();
        let mut per_id_rev = BTreeMap::new();
        for r in &records {
            let link = r["item"]["link"].as_str().expect("item.link").to_string();
            *per_link.entry(link).or_insert(0) += 1;
            let id = r["id"].as_str().expect("id").to_string();
            *per_id_rev.entry((id, r["revision"].as_u64().expect("revision"))).or_insert(0) += 1;
        }
        let names: Vec<String> = std::fs::read_dir(out_dir)
            .map(|rd| rd.map(|e| e.unwrap().file_name().into_string().unwrap()).collect())
            .unwrap_or_default();
        for n in &names {
            assert!(n.ends_with(".jsonl"), "output folder holds a non-record file: {n}");
        }
        Output { records, per_link, per_id_rev, files: names.len() }
    }

    /// Links written more than once.
    pub fn repeated(&self) -> Vec<(&String, &usize)> {
        self.per_link.iter().filter(|(_, n)| **n > 1).collect()
    }

    /// Asserts every link of `links` appears exactly once and nothing else appears.
    pub fn assert_exactly_once(&self, links: &[String]) {
        let repeated = self.repeated();
        assert!(
            repeated.is_empty(),
            "{} links written more than once, e.g. {:?}",
            repeated.len(),
            &repeated[..repeated.len().min(5)]
        );
        let dup_ids: Vec<_> = self.per_id_rev.iter().filter(|(_, n)| **n > 1).collect();
        assert!(dup_ids.is_empty(), "(id, revision) written more than once: {dup_ids:?}");
        let want: HashSet<&String> = links.iter().collect();
        let missing: Vec<_> = want.iter().filter(|l| !self.per_link.contains_key(**l)).collect();
        assert!(
            missing.is_empty(),
            "{} links never written, e.g. {:?}",
            missing.len(),
            &missing[..missing.len().min(5)]
        );
        assert_eq!(self.records.len(), links.len(), "one line per article");
    }
}

/// Lines (`\n`s) in all the files of `out` right now.
pub fn line_count(out: &Path) -> usize {
    std::fs::read_dir(out)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read(e.path()).unwrap_or_default().iter().filter(|&&b| b == b'\n').count())
        .sum()
}

/// Counts lines of stderr logs in `log` containing `needle`.
pub fn log_count(log: &Path, needle: &str) -> usize {
    std::fs::read_to_string(log).unwrap_or_default().lines().filter(|l| l.contains(needle)).count()
}

/// Sums the `field=N` values of log lines containing `needle`.
pub fn log_sum(log: &Path, needle: &str, field: &str) -> u64 {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let key = format!("{field}=");
    text.lines()
        .filter(|l| l.contains(needle))
        .filter_map(|l| l.split_whitespace().find_map(|w| w.strip_prefix(&key)))
        .filter_map(|v| v.parse::<u64>().ok())
        .sum()
}
