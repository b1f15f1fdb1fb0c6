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
    let cfg = write_config(
        dir.path(),
        &[("test", server.url("/feed.xml"))],
        &format!("[output]\nkind = \"file\"\npath = \"{}\"\n", out.join("articles.jsonl").display()),
    );
    let run = move || Command::new(newsd_bin()).args(["once", "--config"]).arg(&cfg).output().unwrap();
    let first = tokio::task::spawn_blocking(run.clone()).await.unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let records = read_records(&out);
    assert_eq!(records.len(), 3);
    for r in &records {
        assert_eq!(r["status"], "ok", "{r}");
        assert!(r["text"].as_str().unwrap().contains("Paragraph one"));
    }
    let second = tokio::task::spawn_blocking(run).await.unwrap();
    assert!(second.status.success());
    assert_eq!(read_records(&out).len(), 3, "second once must add nothing");
}
