//! Politeness and freshness (issue 4), end to end: the real binary (or the real pipeline)
//! against a real local HTTP server. Exact timing is unit-tested in `scheduler::policy` and
//! `http::hosts` with a paused clock; here we check what the servers see and what is stored.

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use newsd::state::{FeedState, Store};
use support::*;

/// The saved state of one feed (the store is opened after newsd has exited).
fn feed_state(dir: &Path, name: &str) -> FeedState {
    let store = Store::open(&dir.join("state")).expect("open state");
    store.feed(name).expect("read state").unwrap_or_else(|| panic!("no state for {name}"))
}

fn links(server: &Server, paths: &[&str]) -> Vec<(String, String)> {
    paths.iter().enumerate().map(|(i, p)| (format!("Story {i}"), server.url(p))).collect()
}

/// Conditional GET: validators are saved in the state store and sent on the next poll (by a
/// new process); the 304 costs nothing further: no article fetch, no record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue4_conditional_get_uses_saved_validators_and_304_costs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(None).await;
    let feed = rss("T", &links(&server, &["/a/1.html"]));
    server.route("/feed.xml", move |req| {
        if req.header("if-none-match") == Some("\"v1\"") {
            return Reply::status(304).with_header("ETag", "\"v1\"");
        }
        Reply::ok("application/rss+xml", feed.clone())
            .with_header("ETag", "\"v1\"")
            .with_header("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT")
    });
    let page = article_html("Story", &["A paragraph long enough to be the body of a story.".into()]);
    server.route("/a/1.html", move |_| Reply::ok("text/html", page.clone()));
    let cfg = write_config(dir.path(), &[("f", server.url("/feed.xml"))], &file_output(dir.path()));

    once_ok(&cfg).await;
    once_ok(&cfg).await;

    let polls: Vec<Req> = server.requests().into_iter().filter(|r| r.path == "/feed.xml").collect();
    assert_eq!(polls.len(), 2);
    assert_eq!(polls[0].header("if-none-match"), None, "first poll has no validators");
    assert_eq!(polls[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(polls[1].header("if-modified-since"), Some("Wed, 21 Oct 2015 07:28:00 GMT"));
    assert_eq!(server.hits("/a/1.html"), 1, "a 304 must not lead to any article fetch");
    assert_eq!(read_records(&dir.path().join("out")).len(), 1);
    let st = feed_state(dir.path(), "f");
    assert_eq!((st.last_status, st.etag.as_deref()), (Some(304), Some("\"v1\"")));
}

/// 410 Gone parks a feed across restarts and `status` says so; a new URL un-parks it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue4_gone_feed_stays_parked_across_restarts_until_its_url_changes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(None).await;
    server.route("/gone.xml", |_| Reply::status(410));
    let feed = rss("T", &links(&server, &["/a/1.html"]));
    server.route("/moved.xml", move |_| Reply::ok("application/rss+xml", feed.clone()));
    let extra = format!("{}\n[defaults]\nfetch_articles = false\n", file_output(dir.path()));
    let cfg = write_config(dir.path(), &[("g", server.url("/gone.xml"))], &extra);

    once_ok(&cfg).await;
    once_ok(&cfg).await;
    assert_eq!(server.hits("/gone.xml"), 1, "a parked feed is not polled again");
    let status = run_newsd(&["status"], &cfg).await;
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(status.status.success());
    assert!(text.contains("gone") && text.contains("parked (410 Gone)"), "{text}");

    write_config(dir.path(), &[("g", server.url("/moved.xml"))], &extra);
    once_ok(&cfg).await;
    assert_eq!(server.hits("/moved.xml"), 1, "a new URL is polled");
    assert_eq!(read_records(&dir.path().join("out")).len(), 1);
    let st = feed_state(dir.path(), "g");
    assert!(!st.parked && st.consecutive_errors == 0, "{st:?}");
    assert_eq!(st.url.as_deref(), Some(server.url("/moved.xml").as_str()));
}

/// A 429 with Retry-After pauses the whole host: the next feed on that host is not polled in
/// this pass, and the feed's next poll is no sooner than the Retry-After.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue4_429_pauses_the_host_and_sets_the_next_poll() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(None).await;
    server.route("/a.xml", |_| Reply::status(429).with_header("Retry-After", "3600"));
    server.route("/b.xml", |_| Reply::ok("application/rss+xml", rss("B", &[])));
    let extra = format!("per_host_concurrency = 1\nconcurrency = 1\n{}", file_output(dir.path()));
    let cfg = write_config(dir.path(), &[("a", server.url("/a.xml")), ("b", server.url("/b.xml"))], &extra);

    let before = Utc::now();
    once_ok(&cfg).await;
    assert_eq!(server.hits("/a.xml"), 1);
    assert_eq!(server.hits("/b.xml"), 0, "host paused after 429: its other feeds wait");
    let st = feed_state(dir.path(), "a");
    assert_eq!((st.consecutive_errors, st.last_status), (1, Some(429)));
    let wait = st.next_due.expect("next due") - before;
    assert!(wait >= chrono::Duration::seconds(3590), "next poll after Retry-After, got {wait}");

    let status = run_newsd(&["status"], &cfg).await;
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("HTTP 429"), "status shows the last error: {text}");
}

/// Retry-After as an HTTP-date on a 503 is honoured too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue4_retry_after_http_date_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(None).await;
    let at = Utc::now() + chrono::Duration::hours(2);
    let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    server.route("/f.xml", move |_| Reply::status(503).with_header("Retry-After", &date));
    let cfg = write_config(dir.path(), &[("f", server.url("/f.xml"))], &file_output(dir.path()));

    once_ok(&cfg).await;
    let st = feed_state(dir.path(), "f");
    let off = (st.next_due.expect("next due") - at).num_seconds().abs();
    assert!(off <= 60, "next poll at the Retry-After date, off by {off}s");
}

/// robots.txt is read once per host for article fetches; a disallowed article is not fetched
/// and becomes a feed-only record that says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue4_robots_txt_blocks_disallowed_articles() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(None).await;
    server.route("/robots.txt", |_| {
        Reply::ok("text/plain", "User-agent: *\nDisallow: /\n\nUser-agent: newsd\nDisallow: /secret/\n")
    });
    let feed = rss("T", &links(&server, &["/secret/1.html", "/news/2.html", "/news/3.html"]));
    server.route("/feed.xml", move |_| Reply::ok("application/rss+xml", feed.clone()));
    for p in ["/secret/1.html", "/news/2.html", "/news/3.html"] {
        let page = article_html("Story", &[format!("A paragraph long enough to be the body of {p}.")]);
        server.route(p, move |_| Reply::ok("text/html", page.clone()));
    }
    let cfg = write_config(dir.path(), &[("f", server.url("/feed.xml"))], &file_output(dir.path()));

    once_ok(&cfg).await;
    assert_eq!(server.hits("/robots.txt"), 1, "robots.txt is cached per origin");
    assert_eq!(server.hits("/secret/1.html"), 0);
    assert_eq!(server.hits("/news/2.html"), 1);
    let records = read_records(&dir.path().join("out"));
    assert_eq!(records.len(), 3);
    for r in &records {
        let link = r["item"]["link"].as_str().unwrap();
        if link.contains("/secret/") {
            assert_eq!(r["status"], "feed_only", "{r}");
            assert!(r["error"].as_str().unwrap().contains("robots.txt"), "{r}");
        } else {
            assert_eq!(r["status"], "ok", "{r}");
        }
    }
}

/// `fetch.robots_txt = false` switches the check off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue4_robots_txt_switch_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(None).await;
    server.route("/robots.txt", |_| Reply::ok("text/plain", "User-agent: *\nDisallow: /\n"));
    let feed = rss("T", &links(&server, &["/a/1.html"]));
    server.route("/feed.xml", move |_| Reply::ok("application/rss+xml", feed.clone()));
    let page = article_html("Story", &["A paragraph long enough to be the body of a story.".into()]);
    server.route("/a/1.html", move |_| Reply::ok("text/html", page.clone()));
    let extra = format!("robots_txt = false\n{}", file_output(dir.path()));
    let cfg = write_config(dir.path(), &[("f", server.url("/feed.xml"))], &extra);

    once_ok(&cfg).await;
    assert_eq!(server.hits("/robots.txt"), 0);
    assert_eq!(server.hits("/a/1.html"), 1);
}

/// The daemon (real pipeline, real time, short intervals): a healthy feed is re-polled with
/// its validators; a failing one backs off exponentially; states are saved at shutdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue4_daemon_repolls_conditionally_and_backs_off_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(None).await;
    let feed = rss("T", &links(&server, &["/a/1.html"]));
    let conditional = Arc::new(AtomicUsize::new(0));
    let seen = conditional.clone();
    server.route("/ok.xml", move |req| {
        if req.header("if-none-match") == Some("\"v1\"") {
            seen.fetch_add(1, Ordering::SeqCst);
            return Reply::status(304);
        }
        Reply::ok("application/rss+xml", feed.clone()).with_header("ETag", "\"v1\"")
    });
    server.route("/bad.xml", |_| Reply::status(500));
    let extra = format!(
        "{}\n[daemon]\nmin_interval = \"100ms\"\n[defaults]\ninterval = \"200ms\"\nfetch_articles = false\n",
        file_output(dir.path())
    );
    let cfg_path =
        write_config(dir.path(), &[("ok", server.url("/ok.xml")), ("bad", server.url("/bad.xml"))], &extra);
    let cfg = newsd::config::load(&cfg_path).expect("config");

    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let (_feeds_tx, feeds_rx) = tokio::sync::watch::channel(cfg.feeds.clone());
    let control = newsd::app::Control { shutdown: shutdown_rx, feeds: feeds_rx };
    let daemon = tokio::spawn(newsd::app::run(cfg, newsd::scheduler::Mode::Daemon, control));
    tokio::time::sleep(Duration::from_millis(3000)).await;
    shutdown_tx.send(true).unwrap();
    daemon.await.unwrap().expect("daemon ran");

    let (ok, bad) = (server.hits("/ok.xml"), server.hits("/bad.xml"));
    // ~200 ms apart for 3 s ≈ 15 polls; 500s back off 200, 400, 800, 1600 ms ≈ 4-5 polls.
    assert!(ok >= 8, "healthy feed polled {ok} times");
    assert_eq!(conditional.load(Ordering::SeqCst), ok - 1, "every poll after the first is conditional");
    assert!((2..=6).contains(&bad) && bad * 2 < ok, "failing feed backs off: {bad} polls vs {ok}");
    let st = wait_for_state(dir.path(), "bad").await;
    assert!(st.consecutive_errors as usize >= bad - 1, "{st:?}");
    assert!(st.last_error.unwrap_or_default().contains("HTTP 500"));
}

/// Opens the store once the pipeline's last handle on it is gone.
async fn wait_for_state(dir: &Path, name: &str) -> FeedState {
    let path: PathBuf = dir.join("state");
    for _ in 0..50 {
        if let Ok(store) = Store::open(&path) {
            return store.feed(name).unwrap().expect("state saved at shutdown");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("state store still locked");
}

/// A crash (SIGKILL) while a new item is still on its way to the output must not hide that item
/// behind a 304 on restart: the saved state has no validators until the item is delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue4_kill_before_delivery_refetches_the_whole_feed_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(None).await;
    let feed = rss("T", &links(&server, &["/a/1.html"]));
    server.route("/feed.xml", move |req| {
        if req.header("if-none-match") == Some("\"v1\"") {
            return Reply::status(304);
        }
        Reply::ok("application/rss+xml", feed.clone()).with_header("ETag", "\"v1\"")
    });
    // The article stalls, so the record cannot be written before the kill.
    server.route("/a/1.html", |_| {
        Reply::Raw(Box::new(|sock| {
            Box::pin(async move {
                tokio::time::sleep(Duration::from_secs(30)).await;
                drop(sock);
            })
        }))
    });
    let cfg = write_config(dir.path(), &[("f", server.url("/feed.xml"))], &file_output(dir.path()));
    let mut daemon = spawn_run(&cfg, None);
    // Long enough for the poll and at least one batched state write.
    poll_until("the article request", || server.hits("/a/1.html") > 0).await;
    tokio::time::sleep(newsd::scheduler::FLUSH_EVERY * 2).await;
    daemon.kill().await.expect("SIGKILL");
    assert_eq!(read_records(&dir.path().join("out")).len(), 0);
    let st = feed_state(dir.path(), "f");
    assert!(st.unconfirmed && st.etag.is_none(), "saved without validators: {st:?}");

    let page = article_html("Story", &["A paragraph long enough to be the body of a story.".into()]);
    server.route("/a/1.html", move |_| Reply::ok("text/html", page.clone()));
    once_ok(&cfg).await;
    let polls: Vec<Req> = server.requests().into_iter().filter(|r| r.path == "/feed.xml").collect();
    assert_eq!(polls.len(), 2);
    assert_eq!(polls[1].header("if-none-match"), None, "restart refetches the whole document");
    let records = read_records(&dir.path().join("out"));
    assert_eq!(records.len(), 1, "the item is not lost");
    assert_eq!(records[0]["status"], "ok");
    assert!(!feed_state(dir.path(), "f").unconfirmed);
}

/// Feeds on one host are polled at most `per_host_concurrency` at a time, even when more
/// global slots are free (that other hosts go on meanwhile is `http::hosts`' unit test).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue4_per_host_concurrency_holds_for_feed_polls() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(None).await;
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let names: Vec<String> = (0..4).map(|i| format!("f{i}")).collect();
    for name in &names {
        let (in_flight, most) = (in_flight.clone(), most.clone());
        server.route(&format!("/{name}.xml"), move |_| {
            let (in_flight, most) = (in_flight.clone(), most.clone());
            Reply::Raw(Box::new(move |mut sock| {
                Box::pin(async move {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    let body = rss("T", &[]);
                    // The socket is dropped after this reply: say so, or the client may reuse
                    // the closing connection for the next feed and lose that poll.
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(body.as_bytes()).await;
                })
            }))
        });
    }
    let feeds: Vec<(&str, String)> =
        names.iter().map(|n| (n.as_str(), server.url(&format!("/{n}.xml")))).collect();
    let extra = format!("per_host_concurrency = 1\nconcurrency = 8\n{}", file_output(dir.path()));
    let cfg = write_config(dir.path(), &feeds, &extra);

    once_ok(&cfg).await;
    for n in &names {
        assert_eq!(server.hits(&format!("/{n}.xml")), 1, "{n} polled once");
    }
    assert_eq!(most.load(Ordering::SeqCst), 1, "never two polls of one host at once");
}

/// `status` works while the daemon runs (it reads the store alongside the daemon) and shows
/// the feed's consecutive errors, last error and next due time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue4_status_while_the_daemon_runs() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(None).await;
    server.route("/bad.xml", |_| Reply::status(500));
    let cfg = write_config(dir.path(), &[("bad", server.url("/bad.xml"))], &file_output(dir.path()));
    let mut daemon = spawn_run(&cfg, None);
    poll_until("the first poll", || server.hits("/bad.xml") > 0).await;
    tokio::time::sleep(newsd::scheduler::FLUSH_EVERY * 2).await;
    let status = run_newsd(&["status"], &cfg).await;
    daemon.kill().await.expect("stop newsd");
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let row = text.lines().find(|l| l.starts_with("bad ")).unwrap_or_else(|| panic!("no row: {text}"));
    assert!(row.contains("HTTP 500"), "last error shown: {row}");
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols[2], "500", "last status: {row}");
    assert!(cols[3].starts_with("20"), "next due shown: {row}");
    assert_eq!(cols[5], "1", "one consecutive error: {row}");
}
