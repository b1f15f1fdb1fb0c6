//! WebSub push end to end: the real `newsd run` against a local feed server whose feed names a
//! local hub (both on 127.0.0.1:0). The test plays the hub: it receives the subscription
//! request, verifies intent on the daemon's callback, and pushes signed and forged content.

mod support;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};

use support::*;

/// A hub on its own server that answers 202 Accepted; its requests are the server's hits.
async fn start_hub() -> (String, Server) {
    let hub = Server::start(None).await;
    hub.route("/hub", |_| Reply::status(202));
    (hub.url("/hub"), hub)
}

/// An RSS feed that names `hub` and its own URL, with the given (title, link) items.
fn hub_feed(self_url: &str, hub: &str, items: &[(&str, String)]) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>\
         <title>Pushed news</title><atom:link rel=\"hub\" href=\"{hub}\"/>\
         <atom:link rel=\"self\" href=\"{self_url}\"/>"
    );
    for (t, l) in items {
        s.push_str(&format!("<item><title>{t}</title><link>{l}</link><guid>{l}</guid></item>"));
    }
    s.push_str("</channel></rss>");
    s
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn links(out: &Path) -> Vec<String> {
    read_records(out).iter().filter_map(|r| r["item"]["link"].as_str().map(str::to_string)).collect()
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// Subscribe, verify, push (signed, forged, oversize), poll the same item again, restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_delivers_signed_items_once_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, hub_server) = start_hub().await;
    let server = Server::start(None).await;
    let self_url = server.url("/feed.xml");
    let first = server.url("/a/first.html");
    let pushed = server.url("/a/pushed.html");
    let document = Arc::new(Mutex::new(hub_feed(&self_url, &hub, &[("First", first.clone())])));
    let served = document.clone();
    server.route("/feed.xml", move |_| Reply::ok("application/rss+xml", served.lock().unwrap().clone()));

    let port = free_port();
    let public = format!("http://127.0.0.1:{port}/");
    let out = dir.path().join("out");
    // Polled every second until pushed to, then every 8 s (the ceiling).
    let cfg = config(dir.path(), &self_url, &public, port, "1s", "8s");
    let log = dir.path().join("newsd.log");
    let mut child = spawn_run(&cfg, Some(&log));

    // 1. The first poll finds the hub: a well-formed subscription request reaches it.
    poll_until("subscription request", || hub_server.hits("/hub") > 0).await;
    let sub = hub_server.requests()[0].clone();
    assert_eq!((sub.method.as_str(), sub.path.as_str()), ("POST", "/hub"));
    assert_eq!(sub.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(sub.form_field("hub.mode").as_deref(), Some("subscribe"));
    assert_eq!(sub.form_field("hub.topic").as_deref(), Some(self_url.as_str()));
    let callback = sub.form_field("hub.callback").unwrap();
    assert_eq!(callback, format!("{public}websub/news"));
    let secret = sub.form_field("hub.secret").unwrap();
    assert!(secret.len() >= 32 && secret.len() < 200, "secret {secret:?}");
    assert!(sub.form_field("hub.lease_seconds").unwrap().parse::<u64>().unwrap() > 0);
    poll_until("first record", || links(&out) == vec![first.clone()]).await;

    // 2. Verification of intent: a wrong topic is refused without echo; ours is echoed.
    let http = client();
    let verify = |topic: &str, challenge: &str| {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("hub.mode", "subscribe")
            .append_pair("hub.topic", topic)
            .append_pair("hub.challenge", challenge)
            .append_pair("hub.lease_seconds", "3600")
            .finish();
        http.get(format!("{callback}?{q}")).send()
    };
    let wrong = verify("http://127.0.0.1:1/other.xml", "not-for-you").await.unwrap();
    assert_eq!(wrong.status(), 404);
    assert!(!wrong.text().await.unwrap().contains("not-for-you"));
    let ok = verify(&self_url, "challenge-8f2e").await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "challenge-8f2e");
    let unsub = http
        .get(format!("{callback}?hub.mode=unsubscribe&hub.topic={}&hub.challenge=x", urlencode(&self_url)))
        .send()
        .await
        .unwrap();
    assert_eq!(unsub.status(), 404, "an unsubscribe we did not ask for is refused");
    // Pushed to, the feed is polled only at the ceiling: after the poll already scheduled,
    // none for a while.
    let polls = server.hits("/feed.xml");
    poll_until("the poll scheduled before verification", || server.hits("/feed.xml") > polls).await;
    let polls = server.hits("/feed.xml");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(server.hits("/feed.xml"), polls, "polling rests while pushed to");

    // 3. Forged pushes are acknowledged and dropped.
    let forged_link = server.url("/a/forged.html");
    let forged = hub_feed(&self_url, &hub, &[("Forged", forged_link.clone())]);
    for sig in [Some("sha256=00112233".to_string()), None, Some(sign("wrong secret", forged.as_bytes()))] {
        let mut req = http.post(&callback).header("Content-Type", "application/rss+xml").body(forged.clone());
        if let Some(sig) = sig {
            req = req.header("X-Hub-Signature", sig);
        }
        assert!(req.send().await.unwrap().status().is_success(), "forged pushes are acked");
    }

    // 4. A signed push is delivered at once, without a poll.
    let body = hub_feed(&self_url, &hub, &[("Pushed", pushed.clone()), ("First", first.clone())]);
    let polls_before = server.hits("/feed.xml");
    let sent = Instant::now();
    let resp = http
        .post(&callback)
        .header("Content-Type", "application/rss+xml")
        .header("X-Hub-Signature", sign(&secret, body.as_bytes()))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    poll_until("pushed record", || links(&out).contains(&pushed)).await;
    let took = sent.elapsed();
    assert!(took < Duration::from_secs(4), "push took {took:?}");
    assert_eq!(server.hits("/feed.xml"), polls_before, "delivered by push, not by a poll");

    // 5. Too large a push is refused, declared or streamed, and the daemon carries on.
    let big = vec![b'x'; 200_000];
    let resp =
        http.post(&callback).header("X-Hub-Signature", sign(&secret, &big)).body(big.clone()).send().await;
    assert_eq!(resp.unwrap().status(), 413);
    let stream = futures_util::stream::iter((0..50).map(|_| Ok::<_, std::io::Error>(vec![b'y'; 8192])));
    let resp = http.post(&callback).body(reqwest::Body::wrap_stream(stream)).send().await;
    // The server answers 413 or closes the connection mid-upload; either way nothing is taken.
    if let Ok(resp) = resp {
        assert_eq!(resp.status(), 413);
    }
    assert!(child.try_wait().unwrap().is_none(), "daemon still running");

    // 6. The feed now lists the pushed item: the next poll does not emit it again.
    *document.lock().unwrap() = body;
    let polls = server.hits("/feed.xml");
    poll_until("next poll", || server.hits("/feed.xml") > polls).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = links(&out);
    assert_eq!(got.iter().filter(|l| **l == pushed).count(), 1, "{got:?}");
    assert!(!got.contains(&forged_link), "forged items never become records: {got:?}");
    assert_eq!(got.len(), 2, "{got:?}");
    // `status` shows the push state, never the secret.
    let status = run_newsd(&["status"], &cfg).await;
    let table = String::from_utf8_lossy(&status.stdout);
    assert!(table.lines().any(|l| l.starts_with("news ") && l.contains(" active ")), "{table}");
    assert!(!table.contains(&secret));

    // 7. A restart keeps the subscription (no new request) and its secret (pushes still verify).
    signal(child.id().unwrap(), "TERM");
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait()).await.unwrap().unwrap();
    assert!(status.success());
    let mut child = spawn_run(&cfg, Some(&log));
    let later = server.url("/a/later.html");
    let body = hub_feed(&self_url, &hub, &[("Later", later.clone())]);
    let deliver = || {
        http.post(&callback)
            .header("Content-Type", "application/rss+xml")
            .header("X-Hub-Signature", sign(&secret, body.as_bytes()))
            .body(body.clone())
            .send()
    };
    // The callback server comes up with the daemon; retry until it listens.
    let mut accepted = false;
    for _ in 0..100 {
        if deliver().await.is_ok_and(|r| r.status().is_success()) {
            accepted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(accepted, "callback server back after restart");
    poll_until("record pushed after restart", || links(&out).contains(&later)).await;
    let polls = server.hits("/feed.xml");
    poll_until("a poll after restart", || server.hits("/feed.xml") > polls).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(hub_server.requests().len(), 1, "no resubscription after a restart");
    signal(child.id().unwrap(), "TERM");
    assert!(child.wait().await.unwrap().success());

    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("WebSub push discarded"), "forged pushes are logged");
    assert!(log.contains("WebSub subscription verified"));
}

/// A hub's denial is taken note of: polling goes on as usual, and pushes that follow are still
/// checked (a push signed with another secret stays out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_subscription_falls_back_to_polling() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, hub_server) = start_hub().await;
    let server = Server::start(None).await;
    let self_url = server.url("/feed.xml");
    let doc = hub_feed(&self_url, &hub, &[("One", server.url("/a/1.html"))]);
    server.route("/feed.xml", move |_| Reply::ok("application/rss+xml", doc.clone()));
    let port = free_port();
    let out = dir.path().join("out");
    // Polled every second, every 8 s (the ceiling) while pushed to.
    let cfg = config(dir.path(), &self_url, &format!("http://127.0.0.1:{port}/base"), port, "1s", "8s");
    let log = dir.path().join("newsd.log");
    let mut child = spawn_run(&cfg, Some(&log));
    poll_until("subscription request", || hub_server.hits("/hub") > 0).await;
    let callback = hub_server.requests()[0].form_field("hub.callback").unwrap();
    assert_eq!(callback, format!("http://127.0.0.1:{port}/base/websub/news"), "public_url path kept");
    let http = client();
    let topic = urlencode(&self_url);
    let verified = http
        .get(format!(
            "{callback}?hub.mode=subscribe&hub.topic={topic}&hub.challenge=ok1&hub.lease_seconds=3600"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), 200);
    // Pushed to: after the poll already planned, polling rests at the 8 s ceiling.
    let polls = server.hits("/feed.xml");
    poll_until("the poll planned before verification", || server.hits("/feed.xml") > polls).await;
    let resting = server.hits("/feed.xml");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(server.hits("/feed.xml"), resting, "no polls at the feed's 1 s pace while pushed to");
    let denied = http
        .get(format!("{callback}?hub.mode=denied&hub.topic={topic}&hub.reason=quota"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 200);
    // Denied: after the poll planned at the ceiling, polling is back at the feed's own 1 s pace.
    poll_until("the poll planned at the ceiling", || server.hits("/feed.xml") > resting).await;
    let back = (server.hits("/feed.xml"), std::time::Instant::now());
    poll_until("polls at the feed's pace", || server.hits("/feed.xml") >= back.0 + 2).await;
    assert!(back.1.elapsed() < Duration::from_secs(6), "two polls took {:?}", back.1.elapsed());
    // A verification after the denial is refused: we no longer want that subscription.
    let late = http
        .get(format!("{callback}?hub.mode=subscribe&hub.topic={}&hub.challenge=c", urlencode(&self_url)))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 404);
    // Not asked again right away.
    assert_eq!(hub_server.requests().len(), 1);
    // Unknown feed names and methods.
    assert_eq!(
        http.get(format!("http://127.0.0.1:{port}/websub/nope?hub.mode=subscribe"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        http.post(format!("http://127.0.0.1:{port}/websub/nope")).body("x").send().await.unwrap().status(),
        410
    );
    assert_eq!(http.delete(&callback).send().await.unwrap().status(), 405);
    assert_eq!(links(&out).len(), 1);
    signal(child.id().unwrap(), "TERM");
    assert!(child.wait().await.unwrap().success());
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("denied the subscription"), "{log}");
}

/// A push that arrives while the feed is being polled waits for the poll, and skips the items
/// already on their way: each item is fetched and recorded once, and counted once on top of what
/// the poll brings back (the poll's state was copied before the push).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_during_a_poll_waits_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, hub_server) = start_hub().await;
    let server = Server::start(None).await;
    let self_url = server.url("/feed.xml");
    let (a, b, c) = (server.url("/a/1.html"), server.url("/a/2.html"), server.url("/a/3.html"));
    let first = hub_feed(&self_url, &hub, &[("A", a.clone())]);
    server.route("/feed.xml", move |_| Reply::ok("application/rss+xml", first.clone()));
    let port = free_port();
    let out = dir.path().join("out");
    let cfg = config(dir.path(), &self_url, &format!("http://127.0.0.1:{port}/"), port, "1s", "3s");
    // Articles are fetched here; B's page takes three seconds, so B is still on its way when the
    // push comes in.
    let text =
        std::fs::read_to_string(&cfg).unwrap().replace("fetch_articles = false", "fetch_articles = true");
    std::fs::write(&cfg, text).unwrap();
    server.route("/a/2.html", |_| {
        Reply::Raw(Box::new(|mut sock| {
            Box::pin(async move {
                use tokio::io::AsyncWriteExt;
                tokio::time::sleep(Duration::from_secs(3)).await;
                let body = article_html("B", &["Paragraph one of the story about B, long enough to count.".repeat(4)]);
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
            })
        }))
    });
    let mut child = spawn_run(&cfg, None);
    poll_until("subscription request", || hub_server.hits("/hub") > 0).await;
    let sub = hub_server.requests()[0].clone();
    let (callback, secret) = (sub.form_field("hub.callback").unwrap(), sub.form_field("hub.secret").unwrap());
    let http = client();
    let topic = urlencode(&self_url);
    let q = format!("hub.mode=subscribe&hub.topic={topic}&hub.challenge=ok&hub.lease_seconds=3600");
    assert_eq!(http.get(format!("{callback}?{q}")).send().await.unwrap().status(), 200);
    poll_until("first record", || links(&out) == vec![a.clone()]).await;

    // The next poll takes two seconds and finds B; a push of A, B and C comes in meanwhile.
    let slow = hub_feed(&self_url, &hub, &[("A", a.clone()), ("B", b.clone())]);
    server.route("/feed.xml", move |_| {
        let body = slow.clone();
        Reply::Raw(Box::new(move |mut sock| {
            Box::pin(async move {
                use tokio::io::AsyncWriteExt;
                tokio::time::sleep(Duration::from_secs(2)).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
            })
        }))
    });
    let polls = server.hits("/feed.xml");
    poll_until("a poll in flight", || server.hits("/feed.xml") > polls).await;
    let pushed =
        hub_feed(&self_url, &hub, &[("A", a.clone()), ("B", b.clone()), ("C", c.clone())]).into_bytes();
    let resp = http
        .post(&callback)
        .header("Content-Type", "application/rss+xml")
        .header("X-Hub-Signature", sign(&secret, &pushed))
        .body(pushed)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    poll_until("all three recorded", || links(&out).len() >= 3).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut got = links(&out);
    got.sort();
    assert_eq!(got, vec![a, b, c], "each item once");
    assert_eq!(server.hits("/a/2.html"), 1, "B, on its way when pushed, is not fetched again");
    signal(child.id().unwrap(), "TERM");
    assert!(child.wait().await.unwrap().success());
    // Items seen: A (first poll), B (the slow poll), C (the push) — none lost to the poll's state.
    let status = run_newsd(&["status"], &cfg).await;
    let table = String::from_utf8_lossy(&status.stdout);
    let row: Vec<&str> = table.lines().find(|l| l.starts_with("news ")).unwrap().split_whitespace().collect();
    assert!(row.contains(&"3"), "3 items seen: {table}");
}

/// A config for one feed `news` at `feed`, records to `dir/out`, push on at `port`, a 64 KiB
/// feed cap, and polls every `interval` (`max_interval` at most).
fn config(
    dir: &Path,
    feed: &str,
    public_url: &str,
    port: u16,
    interval: &str,
    max_interval: &str,
) -> std::path::PathBuf {
    let text = format!(
        "[state]\ndir = \"{state}\"\n\n[output]\nkind = \"file\"\npath = \"{out}\"\n\n\
         [fetch]\nallow_private = [\"127.0.0.1\"]\ntimeout = \"5s\"\nmax_feed_bytes = 65536\n\n\
         [daemon]\npublic_url = \"{public_url}\"\nwebsub_addr = \"127.0.0.1:{port}\"\n\
         min_interval = \"1s\"\nmax_interval = \"{max_interval}\"\n\n\
         [defaults]\nfetch_articles = false\nadaptive = false\ninterval = \"{interval}\"\n\n[[feeds]]\nname = \"news\"\nurl = \"{feed}\"\n",
        state = dir.join("state").display(),
        out = dir.join("out/articles.jsonl").display(),
    );
    let path = dir.join("newsd.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
