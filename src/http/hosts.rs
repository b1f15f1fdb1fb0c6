//! Politeness per host, shared by feed polls and article fetches. One coordinator per host key
//! (the registrable domain, see [`host_key`]) enforces:
//! - at most `fetch.per_host_concurrency` requests in flight;
//! - a minimum gap between request starts: `fetch.per_host_delay`, or the host's robots.txt
//!   `Crawl-delay` when longer (a token bucket holding one token);
//! - a circuit breaker: a 429, a 503 or a bot-challenge answer pauses the host for its
//!   `Retry-After` (seconds or HTTP-date), else for a backoff that doubles per trip (30 s … 1 h)
//!   and resets on the next good answer. While paused, requests to that host fail at once with
//!   [`FetchError::Blocked`] instead of waiting, so they never hold slots other hosts need;
//! - robots.txt for article fetches (`fetch.robots_txt`), fetched once per origin through the
//!   same fetcher (address guard and limits included) and cached for a day.
//!
//! It does not decide when feeds are polled (the scheduler asks [`Hosts::paused_for`] and
//! [`Hosts::per_host`]) and knows nothing of feeds or articles beyond [`Purpose`].

mod robots;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::{Host, Url};

use super::{FetchError, Fetcher, Purpose, Request};
use crate::config::FetchConfig;
use crate::scheduler::policy;
pub use robots::Robots;

/// First pause of the circuit breaker when the server gave no `Retry-After`.
const BREAKER_BASE: Duration = Duration::from_secs(30);
/// Longest pause without `Retry-After`; also the cap on any `Retry-After` we obey.
const BREAKER_MAX: Duration = Duration::from_secs(3600);
const RETRY_AFTER_MAX: Duration = Duration::from_secs(24 * 3600);
/// How long robots.txt answers are trusted (RFC 9309: at most 24 h).
const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long an unreachable robots.txt blocks a host's articles before we ask again.
const ROBOTS_RETRY: Duration = Duration::from_secs(10 * 60);
/// Idle host entries are dropped once the maps grow past this (unbounded growth otherwise).
const PRUNE_ABOVE: usize = 4096;

/// The per-host gate.
pub struct Hosts {
    per_host: usize,
    delay: Duration,
    /// Our robots.txt product token: the user agent up to its first `/` or space.
    product: String,
    hosts: Mutex<HashMap<String, Arc<HostGate>>>,
    /// robots.txt by origin ("https://example.org:443"); the async lock makes one fetch per origin.
    robots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
    calls: AtomicU64,
}

/// One host's coordinator.
struct HostGate {
    slots: Arc<Semaphore>,
    state: Mutex<HostState>,
}

#[derive(Debug)]
struct HostState {
    /// Earliest start of the next request (the bucket's single token).
    next_start: Instant,
    paused_until: Option<Instant>,
    /// Consecutive breaker trips, for the backoff.
    trips: u32,
    crawl_delay: Duration,
}

/// A robots.txt answer and when to ask again.
struct Cached {
    robots: Arc<Robots>,
    expires: Instant,
}

/// Held while a request to a host is in flight.
pub struct HostPermit {
    _permit: Option<OwnedSemaphorePermit>,
}

impl Hosts {
    pub fn new(cfg: &FetchConfig) -> Hosts {
        let product = cfg.user_agent.split(['/', ' ']).next().unwrap_or("").trim().to_ascii_lowercase();
        Hosts {
            per_host: cfg.per_host_concurrency.max(1),
            delay: cfg.per_host_delay,
            product,
            hosts: Mutex::new(HashMap::new()),
            robots: Mutex::new(HashMap::new()),
            calls: AtomicU64::new(0),
        }
    }

    /// The politeness key of `url` (see [`host_key`]); None for URLs without a host.
    pub fn key(url: &Url) -> Option<String> {
        host_key(url)
    }

    /// Requests allowed in flight to one host.
    pub fn per_host(&self) -> usize {
        self.per_host
    }

    /// Waits until a request to `url`'s host may start: a free slot, then the host's minimum
    /// gap. Fails at once, without waiting, while the host's circuit breaker is open.
    pub async fn acquire(&self, url: &Url) -> Result<HostPermit, FetchError> {
        let Some(key) = host_key(url) else { return Ok(HostPermit { _permit: None }) };
        self.maybe_prune();
        let gate = self.gate(&key);
        gate.check_open(url, &key)?;
        let permit = gate.slots.clone().acquire_owned().await.ok();
        let start = {
            let mut st = gate.state.lock().expect("host state lock");
            let start = st.next_start.max(Instant::now());
            st.next_start = start + self.delay.max(st.crawl_delay);
            start
        };
        if start > Instant::now() {
            tokio::time::sleep_until(start).await;
        }
        // The breaker may have tripped while we waited for the slot or the gap.
        gate.check_open(url, &key)?;
        Ok(HostPermit { _permit: permit })
    }

    /// Tells the gate how a request to `url` was answered: 429, 503 and bot challenges trip
    /// the host's breaker; any 2xx/3xx closes it again.
    pub fn observe(&self, url: &Url, status: u16, headers: &HeaderMap) {
        let Some(key) = host_key(url) else { return };
        let gate = self.gate(&key);
        let mut st = gate.state.lock().expect("host state lock");
        if status == 429 || status == 503 || is_challenge(status, headers) {
            let retry_after = headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| policy::retry_after(v, chrono::Utc::now()))
                .map(|d| d.min(RETRY_AFTER_MAX));
            let backoff = BREAKER_BASE.saturating_mul(1 << st.trips.min(10)).min(BREAKER_MAX);
            let pause = retry_after.unwrap_or(backoff);
            st.trips = st.trips.saturating_add(1);
            let until = Instant::now() + pause;
            st.paused_until = Some(st.paused_until.map_or(until, |p| p.max(until)));
            tracing::warn!(host = %key, status, pause_secs = pause.as_secs(), trips = st.trips, "Host paused (circuit breaker open).");
        } else if (200..400).contains(&status) {
            if st.trips > 0 {
                tracing::info!(host = %key, "Host answers normally again (circuit breaker closed).");
            }
            st.trips = 0;
        }
    }

    /// How long `url`'s host stays paused by its circuit breaker (None: not paused).
    pub fn paused_for(&self, url: &Url) -> Option<Duration> {
        let key = host_key(url)?;
        let gate = self.hosts.lock().expect("hosts lock").get(&key).cloned()?;
        let st = gate.state.lock().expect("host state lock");
        st.paused_until.and_then(|u| u.checked_duration_since(Instant::now())).filter(|d| !d.is_zero())
    }

    fn gate(&self, key: &str) -> Arc<HostGate> {
        let mut hosts = self.hosts.lock().expect("hosts lock");
        hosts
            .entry(key.to_string())
            .or_insert_with(|| {
                Arc::new(HostGate {
                    slots: Arc::new(Semaphore::new(self.per_host)),
                    state: Mutex::new(HostState {
                        next_start: Instant::now(),
                        paused_until: None,
                        trips: 0,
                        crawl_delay: Duration::ZERO,
                    }),
                })
            })
            .clone()
    }

    fn set_crawl_delay(&self, url: &Url, delay: Duration) {
        if let Some(key) = host_key(url) {
            self.gate(&key).state.lock().expect("host state lock").crawl_delay = delay;
        }
    }

    /// Every 1024 calls, once the maps are large, drops entries that hold nothing worth
    /// keeping: no request in flight, no pause, no pending gap, no fresh robots.txt.
    fn maybe_prune(&self) {
        if !self.calls.fetch_add(1, Ordering::Relaxed).is_multiple_of(1024) {
            return;
        }
        let now = Instant::now();
        let mut hosts = self.hosts.lock().expect("hosts lock");
        if hosts.len() > PRUNE_ABOVE {
            hosts.retain(|_, g| {
                let st = g.state.lock().expect("host state lock");
                Arc::strong_count(g) > 1
                    || g.slots.available_permits() < self.per_host
                    || st.next_start > now
                    || st.paused_until.is_some_and(|p| p > now)
                    || st.trips > 0
            });
        }
        drop(hosts);
        let mut robots = self.robots.lock().expect("robots lock");
        if robots.len() > PRUNE_ABOVE {
            robots.retain(|_, cell| match cell.try_lock() {
                Ok(c) => c.as_ref().is_some_and(|c| c.expires > now),
                Err(_) => true, // a fetch is under way
            });
        }
    }
}

impl HostGate {
    fn check_open(&self, url: &Url, key: &str) -> Result<(), FetchError> {
        let st = self.state.lock().expect("host state lock");
        match st.paused_until.and_then(|u| u.checked_duration_since(Instant::now())) {
            Some(left) if !left.is_zero() => Err(FetchError::Blocked {
                url: url.to_string(),
                reason: format!(
                    "host {key} paused for {}s more (it answered 429/503 or a bot challenge)",
                    left.as_secs().max(1)
                ),
            }),
            _ => Ok(()),
        }
    }
}

/// Headers that mark a bot-challenge or WAF block page (the answer is not the content).
fn is_challenge(status: u16, headers: &HeaderMap) -> bool {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
    h("cf-mitigated").is_some_and(|v| v.contains("challenge"))
        || h("x-amzn-waf-action").is_some_and(|v| v == "challenge" || v == "captcha")
        || (status == 403 && h("x-datadome").is_some())
}

/// The politeness key of a URL: its registrable domain ("news.bbc.co.uk" → "bbc.co.uk"), or
/// the IP address for IP literals. A heuristic without the public suffix list: the last two
/// labels, or three under common second-level registries of two-letter country domains
/// ("co.uk", "com.au", "ac.jp"…). Where it errs it groups more hosts, which is the safe side.
pub fn host_key(url: &Url) -> Option<String> {
    match url.host()? {
        Host::Ipv4(ip) => Some(ip.to_string()),
        Host::Ipv6(ip) => Some(ip.to_string()),
        Host::Domain(d) => Some(registrable(d)),
    }
}

const SECOND_LEVEL: &[&str] = &[
    "ac", "co", "com", "edu", "gob", "go", "gov", "govt", "gv", "ltd", "mil", "ne", "net", "nhs", "nic",
    "or", "org", "plc", "sch",
];

fn registrable(domain: &str) -> String {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = d.split('.').collect();
    let n = labels.len();
    if n <= 2 {
        return d;
    }
    let keep = if labels[n - 1].len() == 2 && SECOND_LEVEL.contains(&labels[n - 2]) { 3 } else { 2 };
    labels[n - keep..].join(".")
}

/// The fetcher's side of politeness: robots.txt, then the host gate.
impl Fetcher {
    /// The shared per-host gate (the scheduler asks it about pauses and limits).
    pub fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    /// Admits a request: checks robots.txt for article fetches (when `fetch.robots_txt` is on),
    /// then waits for the host gate. Called by [`Fetcher::get`] before sending.
    pub(super) async fn admit(&self, req: &Request) -> Result<HostPermit, FetchError> {
        if req.purpose == Purpose::Article
            && self.cfg.robots_txt
            && matches!(req.url.scheme(), "http" | "https")
        {
            let robots = self.robots_for(&req.url).await;
            if let Some(delay) = robots.crawl_delay {
                self.hosts.set_crawl_delay(&req.url, delay);
            }
            let path = match req.url.query() {
                Some(q) => format!("{}?{q}", req.url.path()),
                None => req.url.path().to_string(),
            };
            if !robots.allows(&path) {
                return Err(FetchError::Blocked {
                    url: req.url.to_string(),
                    reason: "disallowed by robots.txt".into(),
                });
            }
        }
        self.hosts.acquire(&req.url).await
    }

    /// The robots.txt rules of `url`'s origin, from the cache or fetched (once per origin).
    /// Boxed: it calls `get`, which calls `admit`, which calls it (a recursive future type).
    fn robots_for<'a>(&'a self, url: &'a Url) -> Pin<Box<dyn Future<Output = Arc<Robots>> + Send + 'a>> {
        Box::pin(async move {
            let origin = url.origin().ascii_serialization();
            let cell = {
                let mut map = self.hosts.robots.lock().expect("robots lock");
                map.entry(origin.clone()).or_default().clone()
            };
            let mut cached = cell.lock().await;
            if let Some(c) = cached.as_ref().filter(|c| c.expires > Instant::now()) {
                return c.robots.clone();
            }
            let (robots, ttl) = self.fetch_robots(url).await;
            tracing::debug!(origin = %origin, ttl_secs = ttl.as_secs(), "robots.txt fetched.");
            let robots = Arc::new(robots);
            *cached = Some(Cached { robots: robots.clone(), expires: Instant::now() + ttl });
            robots
        })
    }

    /// Fetches and reads robots.txt: 2xx → its rules; 4xx → no rules; 5xx, network errors →
    /// nothing allowed for a while (RFC 9309 §2.3.1); 429/503 or a paused host → nothing
    /// allowed this time (the breaker does the waiting).
    async fn fetch_robots(&self, url: &Url) -> (Robots, Duration) {
        let Ok(robots_url) = url.join("/robots.txt") else { return (Robots::allow_all(), ROBOTS_TTL) };
        let req = Request::new(robots_url, Purpose::Feed);
        match self.get(&req).await {
            Ok(resp) => {
                let text = String::from_utf8_lossy(&resp.body[..resp.body.len().min(robots::MAX_BYTES)]);
                (Robots::parse(&text, &self.hosts.product), ROBOTS_TTL)
            }
            Err(FetchError::Status { status, .. }) if (400..500).contains(&status) && status != 429 => {
                (Robots::allow_all(), ROBOTS_TTL)
            }
            Err(FetchError::TooLarge { .. }) => (Robots::allow_all(), ROBOTS_TTL),
            // Refused before asking (host paused, address guard) or told to slow down: deny
            // for now, but ask again next time instead of caching the refusal.
            Err(e @ (FetchError::Blocked { .. } | FetchError::Status { status: 429 | 503, .. })) => {
                tracing::debug!(error = %e, "robots.txt not available now; the article waits.");
                (Robots::deny_all(), Duration::ZERO)
            }
            Err(e) => {
                tracing::info!(error = %e, "robots.txt unreachable; the host's articles wait.");
                (Robots::deny_all(), ROBOTS_RETRY)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn hosts(per_host: usize, delay_ms: u64) -> Hosts {
        let cfg = FetchConfig {
            per_host_concurrency: per_host,
            per_host_delay: Duration::from_millis(delay_ms),
            ..FetchConfig::default()
        };
        Hosts::new(&cfg)
    }

    #[test]
    fn host_keys_are_registrable_domains() {
        let k = |s: &str| host_key(&url(s)).unwrap();
        assert_eq!(k("https://feeds.bbci.co.uk/news/rss.xml"), "bbci.co.uk");
        assert_eq!(k("https://www.nytimes.com/x"), "nytimes.com");
        assert_eq!(k("https://a.b.example.org./x"), "example.org");
        assert_eq!(k("https://www.abc.net.au/x"), "abc.net.au");
        assert_eq!(k("https://localhost:8080/x"), "localhost");
        assert_eq!(k("http://127.0.0.1:9/x"), "127.0.0.1");
        assert_eq!(k("http://[::1]:9/x"), "::1");
        assert!(host_key(&url("file:///tmp/x")).is_none());
    }

    #[test]
    fn product_token_comes_from_the_user_agent() {
        assert_eq!(hosts(1, 0).product, "newsd");
    }

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced_by_the_delay() {
        let h = hosts(4, 500);
        let t0 = Instant::now();
        for _ in 0..3 {
            drop(h.acquire(&url("http://a.example.com/")).await.unwrap());
        }
        assert_eq!(t0.elapsed(), Duration::from_millis(1000), "starts at 0, 500, 1000 ms");
        // Another host is not held up by the first one's gap.
        let t1 = Instant::now();
        drop(h.acquire(&url("http://other.org/")).await.unwrap());
        assert_eq!(t1.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_per_host_is_capped() {
        let h = Arc::new(hosts(2, 0));
        let a = h.acquire(&url("http://x.example.com/1")).await.unwrap();
        let _b = h.acquire(&url("http://y.example.com/2")).await.unwrap();
        let h2 = h.clone();
        let third = tokio::spawn(async move { h2.acquire(&url("http://example.com/3")).await.map(|_| ()) });
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!third.is_finished(), "a third request to the same domain must wait");
        drop(a);
        third.await.unwrap().unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn breaker_pauses_one_host_for_retry_after_then_backs_off() {
        let h = hosts(2, 0);
        let u = url("http://example.com/feed");
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("120"));
        h.observe(&u, 429, &headers);
        assert_eq!(h.paused_for(&u), Some(Duration::from_secs(120)));
        let e = h.acquire(&url("http://www.example.com/a")).await.err().expect("paused host refuses");
        assert!(e.to_string().contains("paused"), "{e}");
        assert!(h.acquire(&url("http://other.org/")).await.is_ok(), "other hosts are not blocked");
        tokio::time::sleep(Duration::from_secs(121)).await;
        assert_eq!(h.paused_for(&u), None);
        assert!(h.acquire(&u).await.is_ok());
        // Second trip without Retry-After: backoff 60 s (30 s doubled); success resets it.
        h.observe(&u, 503, &HeaderMap::new());
        assert_eq!(h.paused_for(&u), Some(Duration::from_secs(60)));
        tokio::time::sleep(Duration::from_secs(61)).await;
        h.observe(&u, 200, &HeaderMap::new());
        h.observe(&u, 503, &HeaderMap::new());
        assert_eq!(h.paused_for(&u), Some(BREAKER_BASE));
    }

    #[tokio::test(start_paused = true)]
    async fn bot_challenges_trip_the_breaker_and_plain_errors_do_not() {
        let h = hosts(2, 0);
        let u = url("http://example.com/a");
        h.observe(&u, 404, &HeaderMap::new());
        h.observe(&u, 500, &HeaderMap::new());
        assert_eq!(h.paused_for(&u), None);
        let mut headers = HeaderMap::new();
        headers.insert("cf-mitigated", HeaderValue::from_static("challenge"));
        h.observe(&u, 403, &headers);
        assert_eq!(h.paused_for(&u), Some(BREAKER_BASE));
    }
}
