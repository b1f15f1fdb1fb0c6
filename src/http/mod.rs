//! The one HTTP client: user agent, timeouts, redirects, body cap, conditional GET, the address
//! guard, `file://` for local feeds, and classification of every failure into a [`FetchError`].
//! Knows nothing of feeds or articles beyond the [`Purpose`] of a request.

use std::time::Duration;

use futures_util::StreamExt;
use url::Url;

use crate::config::FetchConfig;

mod hosts;
pub use hosts::Hosts;

/// Why a request is made (limits and the `file://` rule differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Feed,
    Article,
}

/// A request to make.
#[derive(Debug, Clone)]
pub struct Request {
    pub url: Url,
    pub purpose: Purpose,
    /// Validators from the previous response, for conditional GET.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// `file://` URLs are fetched only when this is set (a link found in a `file://` feed).
    pub allow_file: bool,
}

impl Request {
    pub fn new(url: Url, purpose: Purpose) -> Request {
        Request { url, purpose, etag: None, last_modified: None, allow_file: false }
    }
}

impl Fetcher {
    /// The `[fetch]` section this client was built from (the feed poll reads `max_feed_bytes`).
    pub fn config(&self) -> &FetchConfig {
        &self.cfg
    }
}

/// A response with its body read (within the cap).
#[derive(Debug, Clone)]
pub struct Response {
    /// 200, or 304 (then `body` is empty).
    pub status: u16,
    /// The URL after redirects.
    pub final_url: Url,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub cache_control: Option<String>,
    pub expires: Option<String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn not_modified(&self) -> bool {
        self.status == 304
    }
}

/// Every way a fetch can fail, one category each (for logs, records, backoff).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: refused: {reason}")]
    Blocked { url: String, reason: String },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16, retry_after: Option<Duration> },
    #[error("{url}: timed out")]
    Timeout { url: String },
    #[error("{url}: body larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: too many redirects")]
    TooManyRedirects { url: String },
    #[error("{url}: {source}")]
    Network {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: {source}")]
    File {
        url: String,
        #[source]
        source: std::io::Error,
    },
}

impl FetchError {
    /// The server asked us to come back later (429/503 with Retry-After).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status, when the failure was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The shared client.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    cfg: FetchConfig,
    hosts: std::sync::Arc<Hosts>,
}

impl Fetcher {
    /// Builds the client from `[fetch]`.
    pub fn new(cfg: &FetchConfig) -> Result<Fetcher, reqwest::Error> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::limited(cfg.max_redirects as usize))
            .build()?;
        Ok(Fetcher { client, cfg: cfg.clone(), hosts: std::sync::Arc::new(Hosts::new(cfg)) })
    }

    /// Fetches one URL.
    pub async fn get(&self, req: &Request) -> Result<Response, FetchError> {
        let url = req.url.to_string();
        if req.url.scheme() == "file" {
            return self.get_file(req).await;
        }
        let _permit = self.hosts.acquire(&req.url).await;
        let mut rb = self.client.get(req.url.clone());
        if let Some(e) = &req.etag {
            rb = rb.header(reqwest::header::IF_NONE_MATCH, e);
        }
        if let Some(l) = &req.last_modified {
            rb = rb.header(reqwest::header::IF_MODIFIED_SINCE, l);
        }
        let resp = rb.send().await.map_err(|e| classify(&url, e))?;
        let status = resp.status().as_u16();
        let header = |n: reqwest::header::HeaderName| {
            resp.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let cache_control = header(reqwest::header::CACHE_CONTROL);
        let expires = header(reqwest::header::EXPIRES);
        let retry_after = header(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let final_url = resp.url().clone();
        if status != 200 && status != 304 {
            return Err(FetchError::Status { url, status, retry_after });
        }
        let limit = self.cfg.max_body_bytes;
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| classify(&url, e))?;
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge { url, limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response { status, final_url, content_type, etag, last_modified, cache_control, expires, body })
    }

    async fn get_file(&self, req: &Request) -> Result<Response, FetchError> {
        let url = req.url.to_string();
        if req.purpose == Purpose::Article && !req.allow_file {
            return Err(FetchError::Blocked {
                url,
                reason: "file:// links are followed only from file:// feeds".into(),
            });
        }
        let path = req
            .url
            .to_file_path()
            .map_err(|_| FetchError::Blocked { url: url.clone(), reason: "not a local file path".into() })?;
        let body =
            tokio::fs::read(&path).await.map_err(|source| FetchError::File { url: url.clone(), source })?;
        if body.len() as u64 > self.cfg.max_body_bytes {
            return Err(FetchError::TooLarge { url, limit: self.cfg.max_body_bytes });
        }
        Ok(Response {
            status: 200,
            final_url: req.url.clone(),
            content_type: None,
            etag: None,
            last_modified: None,
            cache_control: None,
            expires: None,
            body,
        })
    }
}

fn classify(url: &str, e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        FetchError::Timeout { url: url.to_string() }
    } else if e.is_redirect() {
        FetchError::TooManyRedirects { url: url.to_string() }
    } else {
        FetchError::Network { url: url.to_string(), source: e }
    }
}
