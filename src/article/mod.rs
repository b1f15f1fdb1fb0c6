//! Stage [4]: entries → records. Fetches each linked page through the shared [`Fetcher`],
//! extracts it (`extract`, `news`) off the async threads, and builds the record (`record`).
//! A failure of one article becomes a `feed_only`/`error` record; it never stops the stage.

use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use url::Url;

use crate::dedup::Pending;
use crate::http::{Fetcher, Purpose, Request};
use crate::model::Entry;
use crate::record::{self, Page};

/// Runs the stage with at most `concurrency` articles in progress.
/// When `hard_stop` becomes true, unfinished articles are dropped and the stage ends.
pub async fn run(
    fetcher: Fetcher,
    concurrency: usize,
    input: mpsc::Receiver<Entry>,
    output: mpsc::Sender<Pending>,
    mut hard_stop: watch::Receiver<bool>,
) {
    let fetcher = Arc::new(fetcher);
    let stream = tokio_stream_from(input);
    let mut results = stream
        .map(|entry| {
            let fetcher = fetcher.clone();
            async move { process(&fetcher, entry).await }
        })
        .buffer_unordered(concurrency.max(1));
    loop {
        let p = tokio::select! {
            p = results.next() => match p { Some(p) => p, None => break },
            Ok(_) = hard_stop.wait_for(|s| *s) => break,
        };
        if output.send(p).await.is_err() {
            break;
        }
    }
}

fn tokio_stream_from<T: Send + 'static>(mut rx: mpsc::Receiver<T>) -> impl futures_util::Stream<Item = T> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// Turns one entry into a pending record.
#[tracing::instrument(skip_all, fields(feed = %entry.feed.name, link = entry.item.link.as_deref().unwrap_or("")))]
pub async fn process(fetcher: &Fetcher, entry: Entry) -> Pending {
    let (page, error) = match (&entry.item.link, entry.feed.fetch_articles) {
        (Some(link), true) => match fetch_page(fetcher, &entry, link).await {
            Ok(p) => (Some(p), None),
            Err(e) => {
                tracing::warn!(error = %e, "Article fetch failed; record built from the feed item.");
                (None, Some(e))
            }
        },
        _ => (None, None),
    };
    let now = chrono::Utc::now();
    // Shared rather than cloned: the blocking task needs the entry, and so does the fallback.
    let entry = Arc::new(entry);
    let entry2 = entry.clone();
    let record = tokio::task::spawn_blocking(move || record::build(&entry2, page, error, now))
        .await
        .unwrap_or_else(|_| {
            tracing::error!("Extraction panicked; record built from the feed item.");
            record::build(&entry, None, Some("extraction failed".into()), now)
        });
    let m = &crate::metrics::METRICS;
    match record.status {
        crate::model::Status::Ok => m.articles_ok.inc(),
        crate::model::Status::FeedOnly => m.articles_feed_only.inc(),
        crate::model::Status::Error => m.articles_error.inc(),
    }
    Pending {
        record,
        feed: entry.feed.name.clone(),
        item_key: entry.item_key.clone(),
        item_hash: entry.item_hash.clone(),
    }
}

async fn fetch_page(fetcher: &Fetcher, entry: &Entry, link: &str) -> Result<Page, String> {
    let url = Url::parse(link).map_err(|e| format!("{link}: invalid link: {e}"))?;
    let mut req = Request::new(url, Purpose::Article);
    req.allow_file = entry.feed.is_local();
    let resp = fetcher.get(&req).await.map_err(|e| e.to_string())?;
    let final_url = resp.final_url.clone();
    let extracted = tokio::task::spawn_blocking(move || {
        crate::extract::extract_bytes(&resp.body, resp.content_type.as_deref(), Some(&resp.final_url))
    })
    .await
    .map_err(|_| "extraction failed".to_string())?;
    Ok(Page { final_url, extracted })
}
