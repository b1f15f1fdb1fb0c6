//! WebSub push (W3C Recommendation), optional: feeds that name a hub are subscribed to at that
//! hub, and the hub pushes new content to our callback server, so items arrive within seconds
//! instead of at the next poll. Polling goes on at the ceiling as a safety net.
//!
//! - `subscribe`: when to (re)subscribe and how long polling may rest (pure), and the request;
//! - `verify`: the checks on what reaches the callback (pure): intent and signature;
//! - `server`: the callback server (`<public_url>/websub/<feed name>`);
//! - here: the [`Registry`] of subscriptions (memory, written through to the store) that the
//!   scheduler and the server share, and [`Pushed`], a verified document on its way to the
//!   scheduler, which hands its new items on exactly as a poll would (same seen-items filter,
//!   so an item pushed and then polled becomes one record).
//!
//! Enabled only by `daemon.public_url` and `daemon.websub_addr` together, and only in `run`.

pub mod server;
pub mod subscribe;
pub mod verify;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::DaemonConfig;
use crate::feed::ParsedFeed;
use crate::http::Fetcher;
use crate::scheduler::policy::Bounds;
use crate::state::{StateError, Store, SubStatus, Subscription};
pub use subscribe::Advert;
use subscribe::Plan;
use verify::Intent;

/// Where push is served from, when enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// External base URL of the callback server (`daemon.public_url`).
    pub public_url: Url,
    /// Where it listens (`daemon.websub_addr`).
    pub addr: SocketAddr,
}

impl Settings {
    /// Push settings from `[daemon]`: None (push off) unless both keys are set and valid.
    pub fn from_config(daemon: &DaemonConfig) -> Option<Settings> {
        let public_url = Url::parse(daemon.public_url.as_deref()?).ok()?;
        let addr = daemon.websub_addr.as_deref()?.parse().ok()?;
        Some(Settings { public_url, addr })
    }
}

/// Capacity of the channel of pushed documents to the scheduler: small, because each holds a
/// parsed document (a flood waits in the callback server's few connections instead).
pub const QUEUE: usize = 8;

/// A pushed feed document whose signature checked out, for the scheduler.
#[derive(Debug)]
pub struct Pushed {
    pub feed: String,
    pub parsed: ParsedFeed,
}

/// What the scheduler receives when push is on.
pub struct Push {
    pub registry: Arc<Registry>,
    /// Verified documents from the callback server.
    pub received: tokio::sync::mpsc::Receiver<Pushed>,
}

/// Every feed's subscription, shared by the scheduler (which subscribes after polls and asks
/// how long polling may rest) and the callback server (which records verifications and reads
/// secrets). Changes are written through to the store.
pub struct Registry {
    public_url: Url,
    store: Store,
    fetcher: Fetcher,
    subs: Mutex<HashMap<String, Subscription>>,
    /// Serializes store writes, each of which writes the latest in-memory value: writes that
    /// race cannot leave an older value on disk.
    saving: Mutex<()>,
}

impl Registry {
    /// The registry with the subscriptions saved by earlier runs.
    pub fn load(public_url: Url, store: Store, fetcher: Fetcher) -> Result<Arc<Registry>, StateError> {
        let subs = store.subscriptions()?.into_iter().collect();
        Ok(Arc::new(Registry { public_url, store, fetcher, subs: Mutex::new(subs), saving: Mutex::new(()) }))
    }

    /// The callback URL of a feed: `<public_url>/websub/<feed name>` (names are URL-safe).
    pub fn callback(&self, feed: &str) -> Option<Url> {
        let mut base = self.public_url.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.join(&format!("websub/{feed}")).ok()
    }

    /// A feed's subscription, if any.
    pub fn get(&self, feed: &str) -> Option<Subscription> {
        self.lock().get(feed).cloned()
    }

    /// The hub and topic of a feed's subscription (what a 304 poll still advertises).
    pub fn advert(&self, feed: &str) -> Option<Advert> {
        let sub = self.get(feed)?;
        Some(Advert { hub: Url::parse(&sub.hub).ok()?, topic: sub.topic })
    }

    /// How long polling may rest while the feed is pushed to (see [`subscribe::poll_ceiling`]).
    pub fn poll_ceiling(&self, feed: &str, now: DateTime<Utc>, bounds: Bounds) -> Option<Duration> {
        subscribe::poll_ceiling(self.lock().get(feed), now, bounds)
    }

    /// After a poll of `feed`, which advertises `advert`: subscribes or renews when due. The
    /// request goes out in the background; the subscription is marked requested first, so
    /// that the hub may verify before its answer to the request arrives.
    pub fn after_poll(self: &Arc<Self>, feed: &str, advert: Option<Advert>) {
        let Some(advert) = advert else { return };
        // The secret travels in the request body: only over TLS, or to a host the operator
        // declared their own (`fetch.allow_private`).
        if advert.hub.scheme() != "https" && !self.fetcher.allows_private(&advert.hub) {
            tracing::debug!(feed = %feed, hub = %advert.hub, "WebSub hub is not https; not subscribing.");
            return;
        }
        let Some(callback) = self.callback(feed) else { return };
        let now = Utc::now();
        let sub = {
            let mut subs = self.lock();
            let renew = match subscribe::plan(subs.get(feed), &advert, &callback, now) {
                Plan::Keep => return,
                Plan::Subscribe { renew } => renew,
            };
            let sub = match (renew, subs.get(feed)) {
                (true, Some(old)) => Subscription { requested_at: Some(now), ..old.clone() },
                _ => {
                    let Some(secret) = subscribe::new_secret() else {
                        tracing::error!(feed = %feed, "No randomness for a WebSub secret; not subscribing.");
                        return;
                    };
                    Subscription {
                        hub: advert.hub.to_string(),
                        topic: advert.topic.clone(),
                        callback: callback.to_string(),
                        secret,
                        status: SubStatus::Pending,
                        requested_at: Some(now),
                        ..Default::default()
                    }
                }
            };
            subs.insert(feed.to_string(), sub.clone());
            sub
        };
        let (reg, feed) = (self.clone(), feed.to_string());
        tokio::spawn(async move { reg.send_request(feed, sub).await });
    }

    async fn send_request(self: Arc<Self>, feed: String, sub: Subscription) {
        self.save(&feed).await;
        tracing::info!(feed = %feed, hub = %sub.hub, topic = %sub.topic, "Subscribing at the WebSub hub.");
        let result = subscribe::request(&self.fetcher, &sub).await;
        let changed = {
            let mut subs = self.lock();
            // Only this request's record, and only if the hub has not verified it meanwhile.
            match subs.get_mut(&feed) {
                Some(cur) if cur.requested_at == sub.requested_at && cur.secret == sub.secret => {
                    match &result {
                        Ok(_) => false,
                        Err(e) => {
                            cur.last_error = Some(e.to_string());
                            if cur.status == SubStatus::Pending {
                                cur.status = SubStatus::Failed;
                            }
                            true
                        }
                    }
                }
                _ => false,
            }
        };
        match result {
            Ok(status) => {
                tracing::info!(feed = %feed, status, "Hub accepted the subscription request; awaiting verification.")
            }
            Err(e) => {
                tracing::warn!(feed = %feed, error = %e, "WebSub subscription request failed; polling as usual.")
            }
        }
        if changed {
            self.save(&feed).await;
        }
    }

    /// Answers a verification of intent for `feed`: records what it confirms. Returns what to
    /// answer (see [`verify::check_intent`]).
    pub async fn verify_intent(self: &Arc<Self>, feed: &str, query: &str) -> Intent {
        let now = Utc::now();
        let intent = {
            let mut subs = self.lock();
            let intent = verify::check_intent(query, subs.get(feed), now);
            match (&intent, subs.get_mut(feed)) {
                (Intent::Subscribe { lease_seconds, .. }, Some(sub)) => {
                    sub.status = SubStatus::Active;
                    sub.verified_at = Some(now);
                    sub.lease_seconds = *lease_seconds;
                    sub.lease_expires = Some(subscribe::lease_end(*lease_seconds, now));
                    sub.last_error = None;
                }
                // A repeated denial changes nothing (and is not written again).
                (Intent::Denied { .. }, Some(sub)) if sub.status == SubStatus::Denied => return intent,
                (Intent::Denied { reason }, Some(sub)) => {
                    sub.status = SubStatus::Denied;
                    sub.lease_expires = None;
                    sub.last_error = Some(format!(
                        "denied by the hub: {}",
                        crate::http::escape(reason.as_deref().unwrap_or("no reason given"))
                    ));
                }
                _ => {}
            }
            intent
        };
        match &intent {
            Intent::Subscribe { lease_seconds, .. } => {
                tracing::info!(feed = %feed, lease_seconds = ?lease_seconds, "WebSub subscription verified; polling only as a safety net.");
                self.save(feed).await;
            }
            Intent::Denied { .. } => {
                tracing::warn!(feed = %feed, "WebSub hub denied the subscription; polling as usual.");
                self.save(feed).await;
            }
            Intent::Refuse(why) => tracing::info!(feed = %feed, reason = why, "WebSub verification refused."),
        }
        intent
    }

    /// Writes a feed's current subscription to the store, off the async threads.
    async fn save(self: &Arc<Self>, feed: &str) {
        let (reg, name) = (self.clone(), feed.to_string());
        let written = tokio::task::spawn_blocking(move || {
            let _order = reg.saving.lock().unwrap_or_else(|e| e.into_inner());
            // The latest value, read under the write lock (see `saving`).
            match reg.get(&name) {
                Some(latest) => reg.store.put_subscription(&name, &latest),
                None => Ok(()),
            }
        })
        .await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(feed = %feed, error = %e, "Cannot save the WebSub subscription."),
            Err(e) => tracing::error!(feed = %feed, error = %e, "Saving the WebSub subscription failed."),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Subscription>> {
        // A panic while holding the lock leaves plain data; keep using it.
        self.subs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::config::FetchConfig;
    use crate::http::Lookup;

    /// A registry whose fetcher resolves every name to loopback, which the guard refuses (no
    /// test request leaves the machine, and none reaches a local service either).
    fn registry(dir: &std::path::Path) -> Arc<Registry> {
        let store = Store::open(dir).unwrap();
        let lookup: Lookup = Arc::new(|_| Box::pin(async { Ok(vec![IpAddr::from([127, 0, 0, 1])]) }));
        let fetcher = Fetcher::with_lookup(&FetchConfig::default(), lookup).unwrap();
        Registry::load(Url::parse("https://newsd.example/base").unwrap(), store, fetcher).unwrap()
    }

    fn feed_url() -> Url {
        Url::parse("https://e.org/feed.xml").unwrap()
    }

    #[test]
    fn callbacks_sit_under_the_public_url() {
        let dir = tempfile::tempdir().unwrap();
        let reg = registry(dir.path());
        assert_eq!(
            reg.callback("bbc-world").unwrap().as_str(),
            "https://newsd.example/base/websub/bbc-world"
        );
    }

    #[tokio::test]
    async fn plain_http_hubs_are_not_given_a_secret() {
        let dir = tempfile::tempdir().unwrap();
        let reg = registry(dir.path());
        reg.after_poll("f", Advert::from_links(Some("http://hub.example/"), None, &feed_url()));
        assert!(reg.get("f").is_none());
    }

    #[tokio::test]
    async fn a_hub_that_resolves_inside_is_refused_by_the_guard() {
        let dir = tempfile::tempdir().unwrap();
        let reg = registry(dir.path());
        reg.after_poll("f", Advert::from_links(Some("https://hub.example/"), None, &feed_url()));
        let sub = reg.get("f").expect("marked requested before the request goes out");
        assert_eq!(sub.status, SubStatus::Pending);
        assert_eq!(sub.callback, "https://newsd.example/base/websub/f");
        assert_eq!(sub.topic, feed_url().as_str());
        for _ in 0..200 {
            if reg.get("f").is_some_and(|s| s.status == SubStatus::Failed) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let sub = reg.get("f").unwrap();
        assert_eq!(sub.status, SubStatus::Failed, "{sub:?}");
        assert!(sub.last_error.is_some());
        // A failed request is not repeated at every poll.
        reg.after_poll("f", Advert::from_links(Some("https://hub.example/"), None, &feed_url()));
        assert_eq!(reg.get("f").unwrap().requested_at, sub.requested_at);
    }

    #[tokio::test]
    async fn a_verification_activates_and_is_saved() {
        let dir = tempfile::tempdir().unwrap();
        let topic = "https://e.org/feed.xml";
        {
            let reg = registry(dir.path());
            let pending = Subscription {
                hub: "https://hub.example/".into(),
                topic: topic.into(),
                secret: "k".into(),
                status: SubStatus::Pending,
                requested_at: Some(Utc::now()),
                ..Default::default()
            };
            reg.lock().insert("f".into(), pending);
            let q = "hub.mode=subscribe&hub.topic=https%3A%2F%2Fe.org%2Ffeed.xml&hub.challenge=c&hub.lease_seconds=600";
            assert!(matches!(reg.verify_intent("f", q).await, Intent::Subscribe { .. }));
            let b = Bounds { min: Duration::from_secs(1), max: Duration::from_secs(3600) };
            // 600 s lease: renewal due 120 s before its end, so the next poll comes then.
            let rest = reg.poll_ceiling("f", Utc::now(), b).unwrap();
            assert!(rest <= Duration::from_secs(480) && rest > Duration::from_secs(470), "{rest:?}");
        }
        let reg = registry(dir.path());
        let sub = reg.get("f").expect("saved");
        assert_eq!((sub.status, sub.lease_seconds), (SubStatus::Active, Some(600)));
        assert!(sub.lease_expires.is_some_and(|t| t > Utc::now()));
    }
}
