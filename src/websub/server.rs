//! The WebSub callback server on `daemon.websub_addr`: `GET <prefix>/websub/<feed>` is a hub
//! verifying our intent, `POST` the same path is the hub distributing content. Everything that
//! reaches it comes from the open internet, so it trusts nothing: a verification is answered
//! only for a subscription we asked for (`verify::check_intent`); a content body is capped at
//! `fetch.max_feed_bytes` and must carry a valid HMAC signature made with that subscription's
//! secret, else it is acknowledged and dropped (as the spec asks, so that forgers learn
//! nothing); connections are limited in number, time to headers and total time.
//!
//! A pushed document is parsed by the normal feed parser and handed to the scheduler as a
//! [`Pushed`]; the server never touches the pipeline itself.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Semaphore};
use url::Url;

use super::verify::{self, Intent, Signature};
use super::{Pushed, Registry};
use crate::serve::Limits;

/// 64 connections at once, 10 s for a request head of at most 64 KiB, 60 s for a connection.
const LIMITS: Limits = Limits {
    max_connections: 64,
    header_timeout: Duration::from_secs(10),
    max_head: 64 * 1024,
    connection_deadline: Duration::from_secs(60),
};
/// Pushed documents parsed at once: the parser holds about 20× a document in memory, and
/// bodies of up to `fetch.max_feed_bytes` may arrive on every connection together.
const PARSES: usize = 2;
/// Pushed bodies held in memory at once (each up to `fetch.max_feed_bytes`): without a bound, every
/// connection could hold one. A sender that drips its body keeps a slot for at most the connection
/// deadline; a hub whose push waits that long retries.
const BODIES: usize = 4;

/// What the server needs.
pub struct Callback {
    registry: Arc<Registry>,
    /// To the scheduler.
    pushes: mpsc::Sender<Pushed>,
    /// Cap on a pushed body (`fetch.max_feed_bytes`).
    max_body: u64,
    parses: Semaphore,
    bodies: Semaphore,
}

impl Callback {
    pub fn new(registry: Arc<Registry>, pushes: mpsc::Sender<Pushed>, max_body: u64) -> Callback {
        Callback {
            registry,
            pushes,
            max_body,
            parses: Semaphore::new(PARSES),
            bodies: Semaphore::new(BODIES),
        }
    }
}

/// Serves callbacks on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, callback: Callback) {
    let callback = Arc::new(callback);
    let handler = move |req| {
        let cb = callback.clone();
        async move { cb.handle(req).await }
    };
    crate::serve::serve(listener, "WebSub callback server", LIMITS, handler).await
}

impl Callback {
    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let Some(feed) = feed_name(req.uri().path()) else { return status(StatusCode::NOT_FOUND) };
        let feed = feed.to_string();
        match *req.method() {
            Method::GET => {
                let query = req.uri().query().unwrap_or("").to_string();
                match self.registry.verify_intent(&feed, &query).await {
                    Intent::Subscribe { challenge, .. } => {
                        let mut resp = Response::new(Full::new(Bytes::from(challenge)));
                        resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                        resp
                    }
                    Intent::Denied { .. } => status(StatusCode::OK),
                    Intent::Refuse(_) => status(StatusCode::NOT_FOUND),
                }
            }
            Method::POST => self.content(&feed, req).await,
            _ => status(StatusCode::METHOD_NOT_ALLOWED),
        }
    }

    /// A content distribution: checked, parsed and handed to the scheduler. Valid or not, a
    /// body within the cap is answered 202 (a forger cannot tell).
    async fn content(&self, feed: &str, req: Request<Incoming>) -> Response<Full<Bytes>> {
        // No subscription: 410 Gone tells the hub to drop whatever it holds for this callback.
        let Some(sub) = self.registry.get(feed) else { return status(StatusCode::GONE) };
        let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.max_body) {
            tracing::warn!(feed = %feed, bytes = declared, limit = self.max_body, "WebSub push refused: body too large.");
            return status(StatusCode::PAYLOAD_TOO_LARGE);
        }
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let signature = header("x-hub-signature");
        let content_type = header("content-type");
        let limit = usize::try_from(self.max_body).unwrap_or(usize::MAX);
        // Held until the body is dropped (after parsing).
        let Ok(_holding) = self.bodies.acquire().await else { return status(StatusCode::ACCEPTED) };
        let body = match Limited::new(req.into_body(), limit).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => {
                tracing::warn!(feed = %feed, limit = self.max_body, error = %e, "WebSub push refused: body too large or unreadable.");
                return status(StatusCode::PAYLOAD_TOO_LARGE);
            }
        };
        let m = &crate::metrics::METRICS;
        let verdict = verify::check_signature(signature.as_deref(), sub.secret.as_bytes(), &body);
        if verdict != Signature::Valid {
            m.websub_discarded.inc();
            tracing::warn!(feed = %feed, signature = ?verdict, bytes = body.len(), "WebSub push discarded: signature missing or invalid.");
            return status(StatusCode::ACCEPTED);
        }
        let Ok(base) = Url::parse(&sub.topic) else { return status(StatusCode::ACCEPTED) };
        let Ok(_parsing) = self.parses.acquire().await else { return status(StatusCode::ACCEPTED) };
        let parsed =
            tokio::task::spawn_blocking(move || crate::feed::parse(&body, &base, content_type.as_deref()))
                .await;
        match parsed {
            Ok(Ok(parsed)) => {
                m.websub_pushes.inc();
                tracing::info!(feed = %feed, items = parsed.items.len(), "WebSub push received.");
                // The scheduler is gone only when shutting down; the next start polls anyway.
                let _ = self.pushes.send(Pushed { feed: feed.to_string(), parsed }).await;
            }
            Ok(Err(e)) => {
                m.websub_discarded.inc();
                tracing::warn!(feed = %feed, error = %e, "WebSub push discarded: not a feed.");
            }
            Err(e) => tracing::error!(feed = %feed, error = %e, "WebSub push parse failed."),
        }
        status(StatusCode::ACCEPTED)
    }
}

/// The feed name of a callback path `…/websub/<name>`: any prefix (a reverse proxy may or may
/// not strip the public URL's path), and only names a config could hold.
fn feed_name(path: &str) -> Option<&str> {
    let (_, name) = path.rsplit_once("/websub/")?;
    let valid = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    valid.then_some(name)
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = code;
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_paths_name_a_feed() {
        assert_eq!(feed_name("/websub/bbc-world"), Some("bbc-world"));
        assert_eq!(feed_name("/newsd/websub/a_1"), Some("a_1"));
        assert_eq!(feed_name("/websub/"), None);
        assert_eq!(feed_name("/websub/../etc"), None);
        assert_eq!(feed_name("/websub/A"), None);
        assert_eq!(feed_name("/metrics"), None);
    }
}
