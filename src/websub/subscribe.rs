//! Subscribing at a hub: what a feed advertises ([`Advert`]), when to (re)subscribe ([`plan`],
//! pure), how long polling may rest while a subscription is active ([`poll_ceiling`], pure),
//! the per-subscription secret, and the subscription request itself: a form POST sent through
//! the guarded [`Fetcher`], because the hub URL is third-party input like any feed URL.

use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use crate::http::{FetchError, Fetcher};
use crate::scheduler::policy::Bounds;
use crate::state::{SubStatus, Subscription};

/// The lease we ask hubs for; they may grant another (`hub.lease_seconds` on verification).
pub const REQUESTED_LEASE: Duration = Duration::from_secs(7 * 24 * 3600);
/// Lease assumed when a hub verifies without saying (the spec requires it to say).
const DEFAULT_LEASE: Duration = Duration::from_secs(24 * 3600);
/// How long a subscription request awaits the hub's verification: one not verified by then is
/// sent again, and an active subscription accepts a verification only this long after a
/// renewal request.
pub const AWAIT_VERIFICATION: Duration = Duration::from_secs(3600);
/// After a failed request, wait this long before the next.
const RETRY_FAILED: Duration = Duration::from_secs(3600);
/// After a denial, wait this long before asking again.
const RETRY_DENIED: Duration = Duration::from_secs(24 * 3600);
/// At most one renewal request per this gap (polls may come sooner).
const RENEW_GAP: Duration = Duration::from_secs(10 * 60);
/// Bytes of random secret (sent hex-encoded: 64 characters, well under the spec's 200 bytes).
const SECRET_BYTES: usize = 32;

/// The hub and topic a feed document advertises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advert {
    pub hub: Url,
    pub topic: String,
}

impl Advert {
    /// From a feed's `hub` and `self` links (resolved against the feed's URL). The topic is
    /// the self link, else the feed URL. None without an http(s) hub.
    pub fn from_links(hub: Option<&str>, self_url: Option<&str>, feed_url: &Url) -> Option<Advert> {
        let web = |u: Url| matches!(u.scheme(), "http" | "https").then_some(u);
        let hub = feed_url.join(hub?.trim()).ok().and_then(web)?;
        let topic = self_url
            .and_then(|s| feed_url.join(s.trim()).ok())
            .and_then(web)
            .or_else(|| web(feed_url.clone()))?;
        Some(Advert { hub, topic: topic.to_string() })
    }
}

/// What to do about a feed's subscription after a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Keep,
    /// Send a subscription request; `renew` keeps the secret and the active lease meanwhile.
    Subscribe {
        renew: bool,
    },
}

/// Decides whether the feed that advertises `advert`, whose callback is `callback`, needs a
/// subscription request now.
pub fn plan(sub: Option<&Subscription>, advert: &Advert, callback: &Url, now: DateTime<Utc>) -> Plan {
    let Some(sub) = sub else { return Plan::Subscribe { renew: false } };
    if sub.hub != advert.hub.as_str() || sub.topic != advert.topic || sub.callback != callback.as_str() {
        return Plan::Subscribe { renew: false };
    }
    let since_request = sub.requested_at.map_or(Duration::MAX, |t| (now - t).to_std().unwrap_or_default());
    let waited = |d: Duration| since_request >= d;
    match sub.status {
        SubStatus::Active => match (sub.lease_expires, renew_at(sub)) {
            (Some(end), _) if end <= now => Plan::Subscribe { renew: false },
            (_, Some(at)) if at <= now && waited(RENEW_GAP) => Plan::Subscribe { renew: true },
            _ => Plan::Keep,
        },
        SubStatus::Pending if waited(AWAIT_VERIFICATION) => Plan::Subscribe { renew: false },
        SubStatus::Failed if waited(RETRY_FAILED) => Plan::Subscribe { renew: false },
        SubStatus::Denied if waited(RETRY_DENIED) => Plan::Subscribe { renew: false },
        _ => Plan::Keep,
    }
}

/// When an active subscription should be renewed: a fifth of its lease (at most a day) before
/// it ends, so a renewal that fails has time to be retried.
pub fn renew_at(sub: &Subscription) -> Option<DateTime<Utc>> {
    let end = sub.lease_expires?;
    let lease = Duration::from_secs(sub.lease_seconds.unwrap_or(DEFAULT_LEASE.as_secs()));
    let margin = (lease / 5).min(Duration::from_secs(24 * 3600));
    Some(end - chrono::Duration::from_std(margin).ok()?)
}

/// The lease end for a verification at `now` granting `lease_seconds` (or the default).
pub fn lease_end(lease_seconds: Option<u64>, now: DateTime<Utc>) -> DateTime<Utc> {
    // Leases of more than a year are taken as a year (and chrono needs a bounded duration).
    let secs = lease_seconds.unwrap_or(DEFAULT_LEASE.as_secs()).min(365 * 24 * 3600);
    now + chrono::Duration::seconds(secs as i64)
}

/// While a subscription is active, polling is only a safety net: the next poll comes at the
/// ceiling, or sooner when the renewal falls due (a poll is what triggers it). None when no
/// subscription is active, or when its renewal is overdue (the hub refused it, or the feed no
/// longer names it): poll as usual, not at the floor until a renewal succeeds.
pub fn poll_ceiling(sub: Option<&Subscription>, now: DateTime<Utc>, bounds: Bounds) -> Option<Duration> {
    let sub = sub.filter(|s| s.status == SubStatus::Active)?;
    if sub.lease_expires.is_some_and(|end| end <= now) {
        return None;
    }
    let until_renewal = match renew_at(sub) {
        Some(at) => (at - now).to_std().ok().filter(|d| !d.is_zero())?,
        None => bounds.max,
    };
    Some(until_renewal.min(bounds.max).max(bounds.min))
}

/// A fresh random secret, hex. None if the OS has no randomness to give (then no subscription:
/// a guessable secret would let anyone push items).
pub fn new_secret() -> Option<String> {
    let mut buf = [0u8; SECRET_BYTES];
    getrandom::fill(&mut buf).ok()?;
    Some(hex::encode(buf))
}

/// Sends `hub.mode=subscribe` for `sub` with our `callback`. Ok when the hub accepted the
/// request (any 2xx; the spec says 202): verification follows on the callback.
pub async fn request(fetcher: &Fetcher, sub: &Subscription) -> Result<u16, FetchError> {
    let hub = Url::parse(&sub.hub)
        .map_err(|e| FetchError::Blocked { url: sub.hub.clone(), reason: format!("invalid hub URL: {e}") })?;
    let lease = REQUESTED_LEASE.as_secs().to_string();
    let form = [
        ("hub.mode", "subscribe"),
        ("hub.topic", sub.topic.as_str()),
        ("hub.callback", sub.callback.as_str()),
        ("hub.secret", sub.secret.as_str()),
        ("hub.lease_seconds", lease.as_str()),
    ];
    fetcher.post_form(&hub, &form).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn advert() -> Advert {
        Advert { hub: Url::parse("https://hub.example/").unwrap(), topic: "https://e.org/feed.xml".into() }
    }

    fn cb() -> Url {
        Url::parse("https://newsd.example/websub/f").unwrap()
    }

    fn plan(sub: Option<&Subscription>, advert: &Advert, now: DateTime<Utc>) -> Plan {
        super::plan(sub, advert, &cb(), now)
    }

    fn sub(status: SubStatus, requested: &str) -> Subscription {
        Subscription {
            hub: "https://hub.example/".into(),
            callback: cb().to_string(),
            topic: "https://e.org/feed.xml".into(),
            secret: "x".into(),
            status,
            requested_at: Some(t(requested)),
            ..Default::default()
        }
    }

    #[test]
    fn advert_resolves_links_and_falls_back_to_the_feed_url() {
        let feed = Url::parse("https://e.org/news/feed.xml").unwrap();
        let a = Advert::from_links(Some("/hub"), Some("feed.xml?x=1"), &feed).unwrap();
        assert_eq!(a.hub.as_str(), "https://e.org/hub");
        assert_eq!(a.topic, "https://e.org/news/feed.xml?x=1");
        let a = Advert::from_links(Some("https://hub.example/"), None, &feed).unwrap();
        assert_eq!(a.topic, feed.as_str());
        assert_eq!(Advert::from_links(None, Some("x"), &feed), None);
        assert_eq!(Advert::from_links(Some("ftp://hub.example/"), None, &feed), None);
        let local = Url::parse("file:///tmp/feed.xml").unwrap();
        assert_eq!(Advert::from_links(Some("https://hub.example/"), None, &local), None, "no web topic");
    }

    #[test]
    fn new_or_changed_hubs_are_subscribed_to() {
        let now = t("2026-11-27T12:00:00Z");
        assert_eq!(plan(None, &advert(), now), Plan::Subscribe { renew: false });
        let mut other = sub(SubStatus::Active, "2026-11-27T11:59:00Z");
        other.hub = "https://other-hub.example/".into();
        assert_eq!(plan(Some(&other), &advert(), now), Plan::Subscribe { renew: false });
        let mut moved = sub(SubStatus::Active, "2026-11-27T11:59:00Z");
        moved.callback = "https://old.example/websub/f".into();
        assert_eq!(
            plan(Some(&moved), &advert(), now),
            Plan::Subscribe { renew: false },
            "public_url changed"
        );
    }

    #[test]
    fn requests_are_not_repeated_while_they_may_still_be_answered() {
        let now = t("2026-11-27T12:00:00Z");
        assert_eq!(plan(Some(&sub(SubStatus::Pending, "2026-11-27T11:30:00Z")), &advert(), now), Plan::Keep);
        let stale = sub(SubStatus::Pending, "2026-11-27T10:30:00Z");
        assert_eq!(plan(Some(&stale), &advert(), now), Plan::Subscribe { renew: false });
        assert_eq!(plan(Some(&sub(SubStatus::Failed, "2026-11-27T11:30:00Z")), &advert(), now), Plan::Keep);
        assert_eq!(
            plan(Some(&sub(SubStatus::Failed, "2026-11-27T10:30:00Z")), &advert(), now),
            Plan::Subscribe { renew: false }
        );
        assert_eq!(plan(Some(&sub(SubStatus::Denied, "2026-11-27T00:30:00Z")), &advert(), now), Plan::Keep);
        assert_eq!(
            plan(Some(&sub(SubStatus::Denied, "2026-11-26T10:30:00Z")), &advert(), now),
            Plan::Subscribe { renew: false }
        );
    }

    #[test]
    fn active_leases_are_renewed_before_they_end() {
        let mut s = sub(SubStatus::Active, "2026-11-20T12:00:00Z");
        s.lease_seconds = Some(7 * 86_400);
        s.lease_expires = Some(t("2026-11-27T12:00:00Z"));
        // Renewal falls due a day before the end (a fifth of 7 days is more than a day).
        assert_eq!(renew_at(&s), Some(t("2026-11-26T12:00:00Z")));
        assert_eq!(plan(Some(&s), &advert(), t("2026-11-26T11:00:00Z")), Plan::Keep);
        assert_eq!(plan(Some(&s), &advert(), t("2026-11-26T13:00:00Z")), Plan::Subscribe { renew: true });
        // Just renewed: not again at once.
        s.requested_at = Some(t("2026-11-26T12:59:00Z"));
        assert_eq!(plan(Some(&s), &advert(), t("2026-11-26T13:00:00Z")), Plan::Keep);
        // Lapsed: a fresh subscription.
        assert_eq!(plan(Some(&s), &advert(), t("2026-11-27T12:00:01Z")), Plan::Subscribe { renew: false });
    }

    #[test]
    fn polling_rests_at_the_ceiling_while_pushed_to() {
        let b = Bounds { min: Duration::from_secs(60), max: Duration::from_secs(6 * 3600) };
        let now = t("2026-11-27T12:00:00Z");
        let mut s = sub(SubStatus::Active, "2026-11-27T11:00:00Z");
        s.lease_seconds = Some(7 * 86_400);
        s.lease_expires = Some(t("2026-12-04T11:00:00Z"));
        assert_eq!(poll_ceiling(Some(&s), now, b), Some(b.max));
        // Renewal due in 2 h: poll then, so the renewal goes out.
        s.lease_expires = Some(t("2026-11-28T14:00:00Z"));
        assert_eq!(poll_ceiling(Some(&s), now, b), Some(Duration::from_secs(2 * 3600)));
        // Renewal overdue (refused, or the hub is no longer named): polling as usual.
        s.lease_expires = Some(t("2026-11-27T13:00:00Z"));
        assert_eq!(poll_ceiling(Some(&s), now, b), None, "renewal overdue");
        s.lease_expires = Some(t("2026-11-27T11:00:00Z"));
        assert_eq!(poll_ceiling(Some(&s), now, b), None, "lapsed");
        assert_eq!(poll_ceiling(Some(&sub(SubStatus::Pending, "2026-11-27T11:00:00Z")), now, b), None);
        assert_eq!(poll_ceiling(None, now, b), None);
    }

    #[test]
    fn secrets_are_random_hex() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
