//! The one HTTP client: user agent, timeouts, redirects, body cap, conditional GET, the address
//! guard, `file://` for local feeds, and classification of every failure into a [`FetchError`].
//! Knows nothing of feeds or articles beyond the [`Purpose`] of a request.
//!
//! Every fetch URL is chosen by a third party, so the client assumes the server is hostile:
//! - redirects are followed here, not by reqwest, so each hop is checked (scheme, address
//!   guard, count, loops);
//! - the address guard (`guard.rs`, `ranges.rs`) checks IP-literal hosts before sending and
//!   filters DNS answers inside the resolver, so the connection goes only to an address that
//!   was checked; `localhost` names are refused without asking DNS; proxies are not used;
//! - time is bounded three ways: connect, time to headers, and `fetch.timeout` over the whole
//!   fetch (a 1-byte-per-second drip cannot keep it alive);
//! - the body cap counts decoded bytes as they stream in (compression bombs stop at the cap)
//!   and refuses a `Content-Length` above it before reading anything;
//! - error messages escape control characters (see [`escape`]).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use reqwest::header::{self, HeaderMap, HeaderName};
use tokio::io::AsyncReadExt;
use url::Url;

use crate::config::FetchConfig;

mod error;
mod guard;
mod hosts;
mod ranges;
mod redirect;
mod retry_after;

use error::shown;
pub use error::{escape, Category, FetchError};
pub use guard::{system_lookup, AllowList, Guard, Lookup, LookupFuture};
pub use hosts::Hosts;
pub use ranges::refusal;
use redirect::{is_redirect, next_hop, without_fragment};
pub use retry_after::MAX_RETRY_AFTER;

/// Longest wait for the response head (status line and headers) of one hop; `fetch.timeout`
/// caps it further.
pub const MAX_TIME_TO_HEADERS: Duration = Duration::from_secs(15);
/// Longest silence while reading a response before the read fails.
pub const MAX_IDLE_READ: Duration = Duration::from_secs(10);
/// How long an idle pooled connection is kept.
const POOL_IDLE: Duration = Duration::from_secs(30);
/// Response header count limit (HTTP/1; hyper also caps the head at about 400 KB).
pub const MAX_RESPONSE_HEADERS: usize = 100;
/// Response header list limit for HTTP/2, in bytes.
pub const MAX_H2_HEADER_LIST: u32 = 64 * 1024;

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

/// The shared client.
#[derive(Clone)]
pub struct Fetcher {
    /// For every URL not on the allow list: its resolver refuses all non-public addresses.
    strict: reqwest::Client,
    /// Only for URLs on the allow list (host and port matched): may reach private addresses.
    open: reqwest::Client,
    guard: Guard,
    cfg: FetchConfig,
    hosts: Arc<Hosts>,
}

impl Fetcher {
    /// Builds the client from `[fetch]`.
    pub fn new(cfg: &FetchConfig) -> Result<Fetcher, reqwest::Error> {
        Fetcher::with_lookup(cfg, system_lookup())
    }

    /// Builds the client with its own name lookup in place of the system resolver (tests use
    /// a table; the guard filters whatever it answers).
    pub fn with_lookup(cfg: &FetchConfig, lookup: Lookup) -> Result<Fetcher, reqwest::Error> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let guard = Guard::with_lookup(&cfg.allow_private, lookup);
        Ok(Fetcher {
            strict: build_client(cfg, guard.resolver(false))?,
            open: build_client(cfg, guard.resolver(true))?,
            guard,
            cfg: cfg.clone(),
            hosts: Arc::new(Hosts::new(cfg)),
        })
    }

    /// Fetches one URL, following redirects, within `fetch.timeout` overall.
    pub async fn get(&self, req: &Request) -> Result<Response, FetchError> {
        if req.url.scheme() == "file" {
            return self.get_file(req).await;
        }
        let _permit = self.admit(req).await?; // robots.txt (articles), then the per-host gate
        match tokio::time::timeout(self.cfg.timeout, self.follow(req)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout { url: shown(&req.url) }),
        }
    }

    /// Sends a form POST (a WebSub subscription request) through the same guard, per-host
    /// gate and deadline as a fetch. Redirects are not followed (a POST is not replayed on a
    /// third party's say-so). Returns the 2xx status; any other status is an error. The
    /// response body is read up to a small cap and dropped.
    pub async fn post_form(&self, url: &Url, form: &[(&str, &str)]) -> Result<u16, FetchError> {
        /// A hub's answer is a status; its body is at most an explanation.
        const MAX_ANSWER: u64 = 64 * 1024;
        let req = Request::new(url.clone(), Purpose::Feed);
        let _permit = self.admit(&req).await?;
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let exchange = async {
            let client = self.checked_client(url)?;
            let rb = client
                .post(url.clone())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body);
            let resp = match tokio::time::timeout(self.cfg.timeout.min(MAX_TIME_TO_HEADERS), rb.send()).await
            {
                Ok(Ok(resp)) => resp,
                Ok(Err(e)) => return Err(FetchError::from_reqwest(&shown(url), e)),
                Err(_) => return Err(FetchError::Timeout { url: shown(url) }),
            };
            let status = resp.status().as_u16();
            self.hosts.observe(url, status, resp.headers());
            // Drain a little so the connection can be reused; a long answer is just cut.
            let _ = read_body(&shown(url), resp, MAX_ANSWER).await;
            if (200..300).contains(&status) {
                Ok(status)
            } else {
                Err(FetchError::Status { url: shown(url), status, retry_after: None })
            }
        };
        match tokio::time::timeout(self.cfg.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout { url: shown(url) }),
        }
    }

    /// Whether `url` is on `fetch.allow_private` (host and port): a host the operator trusts
    /// as part of their own network.
    pub fn allows_private(&self, url: &Url) -> bool {
        self.guard.allows(url)
    }

    /// The scheme and address-guard checks of one hop, and the client allowed for it.
    fn checked_client(&self, url: &Url) -> Result<&reqwest::Client, FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            let reason = format!("scheme {:?} is not http or https", url.scheme());
            return Err(FetchError::Blocked { url: shown(url), reason: escape(&reason).into_owned() });
        }
        self.guard
            .check_url(url)
            .map_err(|r| FetchError::Blocked { url: shown(url), reason: r.to_string() })?;
        // The allow list matches host *and* port, which the resolver cannot see: pick the
        // client here, per hop.
        Ok(if self.guard.allows(url) { &self.open } else { &self.strict })
    }

    /// The redirect loop: sends, and while the answer is a redirect, checks and counts the
    /// next hop. Every hop goes through [`Fetcher::send`] and so through the guard.
    async fn follow(&self, req: &Request) -> Result<Response, FetchError> {
        let mut url = req.url.clone();
        let mut visited = HashSet::from([without_fragment(&url)]);
        let mut redirects = 0u32;
        loop {
            // Every hop's status and headers are what per-host politeness should observe.
            let resp = self.send(&url, req).await?;
            // Every hop's answer reaches its host's gate: 429/503/challenge → pause that host.
            self.hosts.observe(&url, resp.status().as_u16(), resp.headers());
            if !is_redirect(resp.status().as_u16()) {
                return self.finish(url, resp, req.purpose).await;
            }
            let next = next_hop(&url, resp.headers())?;
            redirects += 1;
            if redirects > self.cfg.max_redirects {
                return Err(FetchError::TooManyRedirects { url: shown(&next) });
            }
            if !visited.insert(without_fragment(&next)) {
                return Err(FetchError::RedirectLoop { url: shown(&next) });
            }
            tracing::debug!(from = %shown(&url), to = %shown(&next), hop = redirects, "Following redirect.");
            url = next;
        }
    }

    /// One hop: scheme and guard checks, then the request, bounded by the time to headers.
    async fn send(&self, url: &Url, req: &Request) -> Result<reqwest::Response, FetchError> {
        let client = self.checked_client(url)?;
        let mut rb = client.get(url.clone()).header(header::ACCEPT, accept(req.purpose));
        if let Some(e) = &req.etag {
            rb = rb.header(header::IF_NONE_MATCH, e);
        }
        if let Some(l) = &req.last_modified {
            rb = rb.header(header::IF_MODIFIED_SINCE, l);
        }
        match tokio::time::timeout(self.cfg.timeout.min(MAX_TIME_TO_HEADERS), rb.send()).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(e)) => Err(FetchError::from_reqwest(&shown(url), e)),
            Err(_) => Err(FetchError::Timeout { url: shown(url) }),
        }
    }

    /// Turns the last hop into a [`Response`] or a `Status` error, reading the body within
    /// the cap (none for 304).
    async fn finish(
        &self,
        url: Url,
        resp: reqwest::Response,
        purpose: Purpose,
    ) -> Result<Response, FetchError> {
        let status = resp.status().as_u16();
        let headers = resp.headers();
        if status != 200 && status != 304 {
            let retry_after =
                text(headers, header::RETRY_AFTER).and_then(|v| retry_after::parse(&v, SystemTime::now()));
            return Err(FetchError::Status { url: shown(&url), status, retry_after });
        }
        let mut out = Response {
            status,
            content_type: text(headers, header::CONTENT_TYPE),
            etag: text(headers, header::ETAG),
            last_modified: text(headers, header::LAST_MODIFIED),
            cache_control: text(headers, header::CACHE_CONTROL),
            expires: text(headers, header::EXPIRES),
            body: Vec::new(),
            final_url: url,
        };
        // A 304 has no body by definition; whatever a server sends after it is ignored.
        if status == 200 {
            out.body = read_body(&shown(&out.final_url), resp, self.limit(purpose)).await?;
        }
        Ok(out)
    }

    /// The body cap for a purpose: feeds also honour `max_feed_bytes`.
    fn limit(&self, purpose: Purpose) -> u64 {
        match purpose {
            Purpose::Feed => self.cfg.max_body_bytes.min(self.cfg.max_feed_bytes),
            Purpose::Article => self.cfg.max_body_bytes,
        }
    }

    async fn get_file(&self, req: &Request) -> Result<Response, FetchError> {
        let url = shown(&req.url);
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
        let limit = self.limit(req.purpose);
        let io = |source| FetchError::File { url: url.clone(), source };
        // Look before opening: opening a FIFO would block, and a device may never end.
        let meta = tokio::fs::metadata(&path).await.map_err(io)?;
        if !meta.is_file() {
            return Err(io(std::io::Error::other("not a regular file")));
        }
        if meta.len() > limit {
            return Err(FetchError::TooLarge { url, limit });
        }
        // Read at most one byte past the cap, so a file that grew since is still caught.
        let file = tokio::fs::File::open(&path).await.map_err(io)?;
        let mut body = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.take(limit.saturating_add(1)).read_to_end(&mut body).await.map_err(io)?;
        if body.len() as u64 > limit {
            return Err(FetchError::TooLarge { url, limit });
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

/// What we ask for: some servers answer a bare `*/*` with an error page or a challenge.
fn accept(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Feed => {
            "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, \
             text/xml;q=0.9, */*;q=0.8"
        }
        Purpose::Article => "text/html, application/xhtml+xml;q=0.9, */*;q=0.8",
    }
}

/// One reqwest client: no automatic redirects, no proxy (it would resolve names itself and
/// defeat the guard), the guard's resolver, and the header limits.
fn build_client(
    cfg: &FetchConfig,
    resolver: guard::GuardResolver,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .user_agent(cfg.user_agent.clone())
        .connect_timeout(cfg.connect_timeout.min(cfg.timeout))
        .read_timeout(MAX_IDLE_READ.min(cfg.timeout))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .referer(false)
        .dns_resolver(resolver)
        // Thousands of hosts, most visited every few minutes: keep few idle sockets, briefly.
        .pool_max_idle_per_host(cfg.per_host_concurrency.max(1))
        .pool_idle_timeout(POOL_IDLE)
        .http1_max_headers(MAX_RESPONSE_HEADERS)
        .http2_max_header_list_size(MAX_H2_HEADER_LIST)
        .build()
}

/// Reads the body, counting decoded bytes against `limit` as they arrive, so neither a long
/// body nor a compression bomb is ever held beyond the cap.
async fn read_body(url: &str, resp: reqwest::Response, limit: u64) -> Result<Vec<u8>, FetchError> {
    // Known length (uncompressed bodies): refuse before reading a byte.
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(FetchError::TooLarge { url: url.to_string(), limit });
    }
    let hint = resp.content_length().unwrap_or(0).min(limit).min(1 << 20);
    let mut body = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| FetchError::from_reqwest(url, e))?;
        let needed = body.len() + chunk.len();
        if needed as u64 > limit {
            return Err(FetchError::TooLarge { url: url.to_string(), limit });
        }
        if needed > body.capacity() {
            // Grow geometrically but never past the cap: a body just under it costs the cap,
            // not twice the cap.
            let target = needed.max(body.capacity() * 2).min(usize::try_from(limit).unwrap_or(usize::MAX));
            body.reserve_exact(target - body.len());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A header as text, if present and visible ASCII.
fn text(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}
