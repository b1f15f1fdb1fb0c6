//! End to end: the real binary against a real local HTTP server and real files.

mod support;

use std::process::Command;

use support::*;

/// `once` writes one record per article to the file sink; a second `once` writes nothing new.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_writes_records_then_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(None).await;
    let links: Vec<(String, String)> =
        (0..3).map(|i| (format!("Story {i}"), server.url(&format!("/a/{i}.html")))).collect();
    let feed = rss("Test", &links);
    server.route("/feed.xml", move |_| Reply::ok("application/rss+xml", feed.clone()));
    for i in 0..3 {
        let page = article_html(
            &format!("Story {i}"),
            &[
                format!("Paragraph one of story {i} has enough words to count as text."),
                "Second paragraph.".into(),
            ],
        );
        server.route(&format!("/a/{i}.html"), move |_| Reply::ok("text/html", page.clone()));
    }
    let out = dir.path().join("out");
    let cfg = write_config(dir.path(), &[("test", server.url("/feed.xml"))], &file_output(dir.path()));
    once_ok(&cfg).await;
    let records = read_records(&out);
    assert_eq!(records.len(), 3);
    for r in &records {
        assert_eq!(r["status"], "ok", "{r}");
        assert!(r["text"].as_str().unwrap().contains("Paragraph one"));
    }
    once_ok(&cfg).await;
    assert_eq!(read_records(&out).len(), 3, "second once must add nothing");
}

/// A server with `n` articles in one feed at `/feed.xml`.
async fn news_server(n: usize) -> Server {
    let server = Server::start(None).await;
    add_feed(&server, "/feed.xml", "a", n);
    server
}

/// Adds a feed at `path` with `n` articles under `/{prefix}/`.
fn add_feed(server: &Server, path: &str, prefix: &str, n: usize) {
    let links: Vec<(String, String)> =
        (0..n).map(|i| (format!("Story {prefix}{i}"), server.url(&format!("/{prefix}/{i}.html")))).collect();
    let feed = rss("Test", &links);
    server.route(path, move |_| Reply::ok("application/rss+xml", feed.clone()));
    for i in 0..n {
        let page = article_html(
            &format!("Story {prefix}{i}"),
            &[
                format!("Paragraph one of story {prefix}{i} has enough words to count as real text."),
                "More.".into(),
            ],
        );
        server.route(&format!("/{prefix}/{i}.html"), move |_| Reply::ok("text/html", page.clone()));
    }
}

/// The stdout sink prints records and only records on stdout; logs go to stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_sink_prints_only_records() {
    let dir = tempfile::tempdir().unwrap();
    let server = news_server(2).await;
    let cfg = write_config(dir.path(), &[("test", server.url("/feed.xml"))], "[output]\nkind = \"stdout\"\n");
    let out = run_newsd(&["once"], &cfg).await;
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["schema"], "newsd.article/1");
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("Feed polled"));
}

/// Every SPEC field is present in every record, whatever its status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_has_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let server = news_server(1).await;
    // One item whose page 404s: a feed_only record.
    let feed = rss("Mixed", &[("Gone story".into(), server.url("/missing.html"))]);
    server.route("/mixed.xml", move |_| Reply::ok("application/rss+xml", feed.clone()));
    let cfg = write_config(
        dir.path(),
        &[("good", server.url("/feed.xml")), ("mixed", server.url("/mixed.xml"))],
        &file_output(dir.path()),
    );
    assert!(run_newsd(&["once"], &cfg).await.status.success());
    let records = read_records(&dir.path().join("out"));
    assert_eq!(records.len(), 2);
    let fields = [
        "schema",
        "id",
        "revision",
        "status",
        "error",
        "feed",
        "item",
        "url",
        "canonical_url",
        "title",
        "authors",
        "published_at",
        "updated_at",
        "fetched_at",
        "language",
        "site_name",
        "description",
        "image",
        "dateline",
        "agencies",
        "text",
        "word_count",
        "summary",
        "quotes",
        "entities",
        "keywords",
        "content_hash",
        "duplicate_of",
    ];
    for r in &records {
        for f in fields {
            assert!(r.get(f).is_some(), "field {f} missing in {r}");
        }
        for f in ["persons", "organizations", "locations"] {
            assert!(r["entities"][f].is_array());
        }
    }
    let gone = records.iter().find(|r| r["feed"]["name"] == "mixed").unwrap();
    assert_eq!(gone["status"], "feed_only");
    assert!(gone["error"].as_str().unwrap().contains("404"), "{gone}");
    assert_eq!(gone["title"], "Gone story");
}

/// A feed that 404s, one that is not XML and one that times out are logged with their names;
/// the good feed still delivers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_feeds_do_not_stop_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let server = news_server(2).await;
    server.route("/notxml.xml", |_| Reply::ok("text/html", "<html><body>Not a feed</body></html>"));
    server.route("/slow.xml", |_| {
        Reply::Raw(Box::new(|sock| {
            Box::pin(async move {
                let _held = sock; // keep the connection open, send nothing
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            })
        }))
    });
    let cfg = write_config(
        dir.path(),
        &[
            ("good", server.url("/feed.xml")),
            ("missing", server.url("/nope.xml")),
            ("notxml", server.url("/notxml.xml")),
            ("slow", server.url("/slow.xml")),
        ],
        &format!("{}\n", file_output(dir.path())),
    );
    // The config's fetch.timeout is 5 s (see support::write_config).
    let started = std::time::Instant::now();
    let out = run_newsd(&["once"], &cfg).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed() < std::time::Duration::from_secs(25));
    let log = String::from_utf8_lossy(&out.stderr);
    for name in ["missing", "notxml", "slow"] {
        assert!(log.contains(&format!("feed={name}")) && log.contains("Feed poll failed"), "{name}: {log}");
    }
    assert_eq!(read_records(&dir.path().join("out")).len(), 2);
}

/// Config errors exit 2 and name the file and key.
#[test]
fn invalid_config_exits_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[fetch]\nuser_agnet = \"x\"\n", "user_agnet"),
        ("[fetch]\nconcurrency = \"many\"\n", "concurrency"),
        ("[[feeds]]\nname = \"Bad Name\"\nurl = \"https://e.org/\"\n", "feeds[0].name"),
        ("[output]\nkind = \"s3\"\n", "kind"),
    ];
    for (text, key) in cases {
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, text).unwrap();
        for cmd in ["check-config", "once"] {
            let out = Command::new(newsd_bin()).args([cmd, "--config"]).arg(&path).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{cmd} {text}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("bad.toml") && err.contains(key), "{cmd}: {err}");
            assert!(out.stdout.is_empty());
        }
    }
    let out = Command::new(newsd_bin())
        .args(["check-config", "--config", "/nonexistent/newsd.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/newsd.toml"));
    // NEWSD_CONFIG is used when --config is absent.
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "").unwrap();
    let out = Command::new(newsd_bin()).arg("check-config").env("NEWSD_CONFIG", &good).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("good.toml: ok") && summary.contains("output stdout, "), "{summary}");
}

/// `run` polls, then SIGTERM drains and exits 0; SIGHUP adds a feed without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_reloads_on_sighup_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let server = news_server(2).await;
    add_feed(&server, "/second.xml", "b", 3);
    let extra = file_output(dir.path());
    let cfg = write_config(dir.path(), &[("first", server.url("/feed.xml"))], &extra);
    let mut child = spawn_run(&cfg, None);
    let out = dir.path().join("out");
    poll_until("2 records", || read_records(&out).len() == 2).await;
    write_config(
        dir.path(),
        &[("first", server.url("/feed.xml")), ("second", server.url("/second.xml"))],
        &extra,
    );
    signal(child.id().unwrap(), "HUP");
    poll_until("5 records", || read_records(&out).len() == 5).await;
    signal(child.id().unwrap(), "TERM");
    let status =
        tokio::time::timeout(std::time::Duration::from_secs(20), child.wait()).await.unwrap().unwrap();
    assert!(status.success());
    assert_eq!(read_records(&out).len(), 5);
}

/// Rotation renames the live file and opens a new one; a reader that follows by name, as
/// `tail -F` does, and reads every rotated file sees every line exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_loses_no_line() {
    let dir = tempfile::tempdir().unwrap();
    let server = news_server(40).await;
    let extra = format!("{}rotate_bytes = 8192\n", file_output(dir.path()));
    let cfg = write_config(dir.path(), &[("test", server.url("/feed.xml"))], &extra);
    assert!(run_newsd(&["once"], &cfg).await.status.success());
    let out = dir.path().join("out");
    let mut files: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
    files.sort();
    assert!(files.len() > 3, "expected several rotated files: {files:?}");
    assert!(files.iter().all(|f| f.to_string_lossy().ends_with(".jsonl")), "{files:?}");
    let records = read_records(&out);
    let mut ids: Vec<_> = records.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 40);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "duplicate ids across rotated files");
    for f in &files {
        let len = std::fs::metadata(out.join(f)).unwrap().len();
        assert!(len <= 8192, "{f:?} is {len} bytes");
    }
}

/// `newsd extract` on the seed page gives the title, the story text and none of the clutter.
#[test]
fn extract_seed_page() {
    let seed = shared_dir().join("fixtures/seed");
    let html = seed.join("article-wp.html");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(seed.join("expected.json")).unwrap()).unwrap();
    let out = Command::new(newsd_bin())
        .args(["extract", "--url"])
        .arg(expected["url"].as_str().unwrap())
        .arg(&html)
        .output()
        .unwrap();
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["input"], html.to_str().unwrap());
    assert_eq!(r["title"], expected["title"]);
    let text = r["text"].as_str().unwrap();
    for s in expected["text_contains"].as_array().unwrap() {
        assert!(text.contains(s.as_str().unwrap()), "missing {s}");
    }
    for s in expected["text_excludes"].as_array().unwrap() {
        assert!(!text.contains(s.as_str().unwrap()), "clutter {s} in text");
    }
    // text format: one line per input, newlines escaped.
    let out = Command::new(newsd_bin())
        .args(["extract", "--format", "text"])
        .arg(&html)
        .arg(&html)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 2);
    assert!(stdout.contains("\\n\\n"));
}

/// With `daemon.metrics_addr` set, `run` serves Prometheus counters that move with the work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_endpoint_counts_work() {
    let dir = tempfile::tempdir().unwrap();
    let server = news_server(2).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let extra = format!("{}\n[daemon]\nmetrics_addr = \"127.0.0.1:{port}\"\n", file_output(dir.path()));
    let cfg = write_config(dir.path(), &[("test", server.url("/feed.xml"))], &extra);
    let mut child = spawn_run(&cfg, None);
    let out = dir.path().join("out");
    poll_until("2 records", || read_records(&out).len() == 2).await;
    let body = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        body
    })
    .await
    .unwrap();
    signal(child.id().unwrap(), "TERM");
    child.wait().await.unwrap();
    for line in [
        "newsd_articles_ok_total 2",
        "newsd_records_written_total 2",
        "newsd_polls_total 1",
        "newsd_sink_stalled 0",
    ] {
        assert!(body.lines().any(|l| l == line), "{line} missing in {body}");
    }
}

/// `status` reads the store while the daemon holds it; a second daemon is refused by the lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_beside_a_running_daemon_and_second_daemon_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = news_server(1).await;
    let cfg = write_config(dir.path(), &[("only", server.url("/feed.xml"))], &file_output(dir.path()));
    let mut child = spawn_run(&cfg, None);
    let out = dir.path().join("out");
    poll_until("1 records", || read_records(&out).len() == 1).await;
    // Feed states are flushed to the store about once a second: poll `status` until it shows the poll.
    let mut table = String::new();
    for _ in 0..100 {
        let cfg2 = cfg.clone();
        let status = tokio::task::spawn_blocking(move || {
            Command::new(newsd_bin()).args(["status", "--config"]).arg(&cfg2).output().unwrap()
        })
        .await
        .unwrap();
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        table = String::from_utf8_lossy(&status.stdout).into_owned();
        if table.lines().any(|l| l.starts_with("only") && l.contains(" 200 ")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(table.lines().any(|l| l.starts_with("only") && l.contains(" 200 ")), "{table}");
    let second = run_newsd(&["once"], &cfg).await;
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr).contains("newsd.lock"));
    signal(child.id().unwrap(), "TERM");
    assert!(child.wait().await.unwrap().success());
}

/// Any bytes in, a record out: binary junk gives an `error` record with a clear message, in
/// SPEC field order with `input` last; an unreadable file still gets its line, and exit 1.
#[test]
fn extract_junk_and_missing_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.html");
    std::fs::write(&junk, [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    let missing = dir.path().join("missing.html");
    let out = Command::new(newsd_bin()).arg("extract").arg(&junk).arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "an unreadable input is a failure");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line per input: {stdout}");
    assert!(lines[0].starts_with("{\"schema\":\"newsd.article/1\",\"id\":"), "{}", lines[0]);
    let r: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(r["status"], "error");
    assert_eq!(r["error"], "no article text found in the page");
    assert_eq!(r["input"], junk.to_str().unwrap());
    let r: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(r["status"], "error");
    assert!(r["error"].as_str().unwrap().contains("No such file"), "{r}");
}
