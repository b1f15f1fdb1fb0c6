//! One poll of one feed as the scheduler sees it: runs `feed::poll`, forwards the new items,
//! updates the feed's [`FeedState`] (validators, errors, hints, recent items) and picks the
//! delay until the next poll with `policy`. Does not save the state (the scheduler batches
//! writes) and does not know about other feeds.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc, Weekday};
use tokio::sync::mpsc;

use crate::config::FeedSpec;
use crate::feed::{self, ParsedFeed, PollError, Polled};
use crate::http::{FetchError, Fetcher};
use crate::model::Entry;
use crate::state::{FeedState, PublisherHints, Store};
use crate::websub::{Advert, Registry};

use super::policy::{self, Bounds, Hints};

/// Publication times kept per feed for adaptive polling.
pub(super) const RECENT_ITEMS: usize = 32;

/// Everything a poll needs besides the feed itself.
#[derive(Clone)]
pub(super) struct Ctx {
    pub fetcher: Fetcher,
    pub store: Store,
    pub output: mpsc::Sender<Entry>,
    pub bounds: Bounds,
    /// WebSub subscriptions, when push is enabled.
    pub push: Option<Arc<Registry>>,
}

/// What the scheduler does with the feed next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Next {
    /// Poll again after this delay.
    After(Duration),
    /// 410 Gone: not again until its URL changes.
    Parked,
}

/// A finished poll.
pub(super) struct Done {
    pub state: FeedState,
    pub next: Next,
    /// (item key, fingerprint) of each new item handed on, to see them delivered.
    pub handed_on: Vec<(String, String)>,
}

/// Polls `spec` once, starting from its saved `state`.
pub(super) async fn poll_feed(ctx: Ctx, spec: Arc<FeedSpec>, mut state: FeedState) -> Done {
    let jitter = fastrand::f64() * 2.0 - 1.0;
    state.last_poll = Some(Utc::now());
    let result = feed::poll(&ctx.fetcher, &ctx.store, &spec, &state).await;
    let mut handed_on = Vec::new();
    let next = match result {
        Ok(polled) => Next::After(on_success(&ctx, &spec, &mut state, polled, &mut handed_on, jitter).await),
        Err(e) => on_error(&ctx, &spec, &mut state, e, jitter),
    };
    match next {
        Next::After(d) => {
            state.last_delay_secs = Some(d.as_secs());
            state.next_due = chrono::Duration::from_std(d).ok().map(|d| Utc::now() + d);
        }
        Next::Parked => state.next_due = None,
    }
    Done { state, next, handed_on }
}

async fn on_success(
    ctx: &Ctx,
    spec: &Arc<FeedSpec>,
    state: &mut FeedState,
    polled: Polled,
    handed_on: &mut Vec<(String, String)>,
    jitter: f64,
) -> Duration {
    let now = Utc::now();
    if let Some(push) = &ctx.push {
        // A 304 carries no document: the hub known from the last one still holds.
        let advert = match polled.status {
            304 => push.advert(&spec.name),
            _ => Advert::from_links(polled.feed.hub.as_deref(), polled.feed.self_url.as_deref(), &spec.url),
        };
        push.after_poll(&spec.name, advert);
    }
    let fresh = polled.new_items.len();
    let m = &crate::metrics::METRICS;
    m.polls.inc();
    m.items_new.add(fresh as u64);
    if polled.status == 304 {
        m.polls_not_modified.inc();
        tracing::debug!(feed = %spec.name, status = 304, "Feed not modified.");
    } else {
        tracing::info!(feed = %spec.name, status = polled.status, items = polled.total_items, new = fresh, "Feed polled.");
        // Only a full document carries feed-level hints; a 304 keeps the last ones.
        state.hints = publisher_hints(&polled.feed);
    }
    state.last_status = Some(polled.status);
    // New validators are used at once in memory; on disk they wait until the new items are
    // delivered (the scheduler's `durable`), so a crash cannot hide them behind a 304.
    state.etag = polled.etag;
    state.last_modified = polled.last_modified;
    state.consecutive_errors = 0;
    state.last_error = None;
    state.items_seen += fresh as u64;
    if !hand_on(ctx, spec, state, polled.new_items, handed_on, now).await {
        // Shutting down with items not handed on: forget the validators so that the next
        // poll fetches the whole document again.
        state.etag = None;
        state.last_modified = None;
    }
    let mut hints = to_policy(&state.hints);
    hints.freshness = policy::http_freshness(polled.cache_control.as_deref(), polled.expires.as_deref(), now);
    let base = if spec.adaptive {
        policy::adaptive_base(spec.interval, &state.recent_items, now)
    } else {
        spec.interval
    };
    let delay = policy::after_success(base, &hints, ctx.bounds, jitter, now);
    // Pushed to: polling is only the safety net. Being pushed to never makes polls come sooner
    // than the feed's own schedule (server hints, backoff) would.
    match ctx.push.as_ref().and_then(|p| p.poll_ceiling(&spec.name, now, ctx.bounds)) {
        Some(ceiling) => ceiling.max(delay),
        None => delay,
    }
}

/// Hands new items to the article stage and notes their publication times (for adaptive
/// polling). False when the stage is gone (shutting down) before all were handed on.
async fn hand_on(
    ctx: &Ctx,
    spec: &Arc<FeedSpec>,
    state: &mut FeedState,
    items: Vec<feed::NewItem>,
    handed_on: &mut Vec<(String, String)>,
    now: DateTime<Utc>,
) -> bool {
    let mut all = true;
    for feed::NewItem { item, key, hash } in items {
        // Undated items count as published when we first saw them: good enough for rhythm.
        state.recent_items.push(item.published.unwrap_or(now));
        let delivered = (key.clone(), hash.clone());
        let entry = Entry { feed: spec.clone(), item, item_key: key, item_hash: hash };
        if ctx.output.send(entry).await.is_err() {
            all = false;
            break;
        }
        handed_on.push(delivered);
    }
    let excess = state.recent_items.len().saturating_sub(RECENT_ITEMS);
    state.recent_items.drain(..excess);
    all
}

/// A pushed document's items, filtered like a poll's (items already turned into records are
/// dropped, so push and poll never make two records of one item).
pub(super) struct PushDone {
    /// Items handed on.
    pub fresh: u64,
    /// Their publication times (for adaptive polling).
    pub recent: Vec<DateTime<Utc>>,
    /// (item key, fingerprint) of each, to see them delivered.
    pub handed_on: Vec<(String, String)>,
}

/// Hands on the new items of a document the feed's hub pushed, but not those already on their
/// way (`in_flight`: (item key, fingerprint) handed on by a poll or an earlier push and not yet
/// recorded), which would otherwise be fetched and processed a second time.
pub(super) async fn deliver_pushed(
    ctx: Ctx,
    spec: Arc<FeedSpec>,
    feed: ParsedFeed,
    in_flight: std::collections::HashSet<(String, String)>,
) -> PushDone {
    let (store, name, items) = (ctx.store.clone(), spec.name.clone(), feed.items);
    let new = tokio::task::spawn_blocking(move || feed::new_items(&store, &name, &items))
        .await
        .unwrap_or_else(|_| Ok(Vec::new()));
    let new = match new {
        Ok(mut new) => {
            new.retain(|n| !in_flight.contains(&(n.key.clone(), n.hash.clone())));
            new
        }
        Err(e) => {
            tracing::error!(feed = %spec.name, error = %e, "Cannot check pushed items; the next poll will.");
            Vec::new()
        }
    };
    crate::metrics::METRICS.items_new.add(new.len() as u64);
    tracing::info!(feed = %spec.name, new = new.len(), "Pushed items handed on.");
    let mut scratch = FeedState::default();
    let mut handed_on = Vec::new();
    hand_on(&ctx, &spec, &mut scratch, new, &mut handed_on, Utc::now()).await;
    PushDone { fresh: handed_on.len() as u64, recent: scratch.recent_items, handed_on }
}

fn on_error(ctx: &Ctx, spec: &FeedSpec, state: &mut FeedState, e: PollError, jitter: f64) -> Next {
    crate::metrics::METRICS.polls.inc();
    crate::metrics::METRICS.poll_errors.inc();
    state.consecutive_errors = state.consecutive_errors.saturating_add(1);
    state.last_error = Some(e.to_string());
    if let PollError::Fetch(f) = &e {
        state.last_status = Some(f.status().unwrap_or(0));
    }
    if matches!(&e, PollError::Fetch(FetchError::Status { status: 410, .. })) {
        state.parked = true;
        tracing::warn!(feed = %spec.name, url = %spec.url, "Feed is gone (HTTP 410); parked until its URL changes in the config.");
        return Next::Parked;
    }
    tracing::warn!(feed = %spec.name, errors = state.consecutive_errors, error = %e, "Feed poll failed.");
    // The server's Retry-After (seconds only, from the fetcher) or the host's breaker pause
    // (which also reads HTTP-dates), whichever is longer.
    let told = match &e {
        PollError::Fetch(f) => f.retry_after(),
        _ => None,
    };
    let paused = ctx.fetcher.hosts().paused_for(&spec.url);
    let hints = Hints { retry_after: told.max(paused), ..to_policy(&state.hints) };
    Next::After(policy::after_error(spec.interval, state.consecutive_errors, &hints, ctx.bounds, jitter))
}

/// The scheduling hints a parsed feed document gives, to keep between polls.
/// (The feed parser adds `skip_hours`, `skip_days` and `update_period` to [`ParsedFeed`];
/// wire them here.)
pub(super) fn publisher_hints(feed: &ParsedFeed) -> PublisherHints {
    PublisherHints {
        ttl_secs: feed.ttl.map(|d| d.as_secs()),
        update_period_secs: feed.update_period.map(|d| d.as_secs()),
        skip_hours: feed.skip_hours.clone(),
        skip_days: feed.skip_days.iter().map(|d| d.num_days_from_monday() as u8).collect(),
    }
}

/// Stored hints → policy input.
fn to_policy(h: &PublisherHints) -> Hints {
    Hints {
        ttl: h.ttl_secs.map(Duration::from_secs),
        update_period: h.update_period_secs.map(Duration::from_secs),
        skip_hours: h.skip_hours.iter().copied().filter(|&h| h < 24).collect(),
        skip_days: h.skip_days.iter().filter_map(|&d| weekday_from_monday(d)).collect(),
        ..Hints::default()
    }
}

/// 0 = Monday … 6 = Sunday, as stored.
fn weekday_from_monday(d: u8) -> Option<Weekday> {
    use Weekday::*;
    [Mon, Tue, Wed, Thu, Fri, Sat, Sun].get(usize::from(d)).copied()
}

/// Forgets what belonged to the feed's previous URL (validators, errors, parking, hints).
pub(super) fn reset_for_url(state: &mut FeedState, url: &str) {
    *state = FeedState { url: Some(url.to_string()), items_seen: state.items_seen, ..FeedState::default() };
}

/// When a feed is first due after start: its saved `next_due` if still ahead (a restart does not
/// re-poll everything at once), capped by the ceiling; else now.
pub(super) fn initial_delay(state: &FeedState, bounds: Bounds, now: DateTime<Utc>) -> Duration {
    state.next_due.and_then(|t| (t - now).to_std().ok()).map(|d| d.min(bounds.max)).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_hints_become_policy_hints() {
        let h = PublisherHints {
            ttl_secs: Some(600),
            update_period_secs: None,
            skip_hours: vec![3, 30],
            skip_days: vec![5, 9],
        };
        let p = to_policy(&h);
        assert_eq!(p.ttl, Some(Duration::from_secs(600)));
        assert_eq!(p.skip_hours, vec![3], "out-of-range hours are dropped");
        assert_eq!(p.skip_days, vec![Weekday::Sat]);
    }

    #[test]
    fn url_change_resets_everything_but_the_item_count() {
        let mut st = FeedState {
            parked: true,
            etag: Some("x".into()),
            items_seen: 7,
            consecutive_errors: 3,
            ..Default::default()
        };
        reset_for_url(&mut st, "https://e.org/new");
        assert_eq!(
            st,
            FeedState { url: Some("https://e.org/new".into()), items_seen: 7, ..Default::default() }
        );
    }

    #[test]
    fn restart_keeps_the_saved_schedule_within_the_ceiling() {
        let b = Bounds { min: Duration::from_secs(60), max: Duration::from_secs(3600) };
        let now = Utc::now();
        let st =
            |m: i64| FeedState { next_due: Some(now + chrono::Duration::minutes(m)), ..Default::default() };
        assert_eq!(initial_delay(&st(10), b, now), Duration::from_secs(600));
        assert_eq!(initial_delay(&st(-10), b, now), Duration::ZERO);
        assert_eq!(initial_delay(&st(600), b, now), b.max);
        assert_eq!(initial_delay(&FeedState::default(), b, now), Duration::ZERO);
    }
}
