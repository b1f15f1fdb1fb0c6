//! Stage [1]: decides when each feed is polled, polls it (`feed::poll`) and hands new items to
//! the article stage. All feeds are due at start (except those still backing off after errors);
//! then each is due again after its interval (see `policy`). Polls run concurrently up to
//! `fetch.concurrency`; per-host limits live in the shared fetcher. The only stage that watches
//! the shutdown signal: when it returns, its output closes and the rest of the pipeline drains.

pub mod policy;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::config::{DaemonConfig, FeedSpec};
use crate::feed::{self, PollError};
use crate::http::{FetchError, Fetcher};
use crate::model::Entry;
use crate::state::Store;
use policy::{Bounds, Hints};

/// One pass over every feed, or polling forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Once,
    Daemon,
}

/// The scheduler's own settings, taken from `[daemon]` and `[fetch]`.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub mode: Mode,
    /// Floor and ceiling of any poll interval.
    pub bounds: Bounds,
    /// Polls in flight at once.
    pub concurrency: usize,
}

impl Settings {
    pub fn new(mode: Mode, daemon: &DaemonConfig, concurrency: usize) -> Settings {
        Settings { mode, bounds: Bounds { min: daemon.min_interval, max: daemon.max_interval }, concurrency }
    }
}

/// Everything a poll task needs.
#[derive(Clone)]
struct Ctx {
    fetcher: Fetcher,
    store: Store,
    output: mpsc::Sender<Entry>,
    bounds: Bounds,
    permits: Arc<Semaphore>,
}

/// Runs the scheduler until every feed was polled once (`Once`) or shutdown is signalled.
/// `feeds` carries the feed list; a new value (SIGHUP reload) adds, removes and changes feeds.
pub async fn run(
    settings: Settings,
    mut feeds: watch::Receiver<Vec<FeedSpec>>,
    fetcher: Fetcher,
    store: Store,
    output: mpsc::Sender<Entry>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mode = settings.mode;
    let ctx = Ctx {
        fetcher,
        store: store.clone(),
        output,
        bounds: settings.bounds,
        permits: Arc::new(Semaphore::new(settings.concurrency.max(1))),
    };
    let mut specs: HashMap<String, Arc<FeedSpec>> = HashMap::new();
    let mut due: HashMap<String, Instant> = HashMap::new();
    apply_feeds(&mut specs, &mut due, feeds.borrow_and_update().clone(), &store, mode);
    let mut tasks: JoinSet<(String, Option<Duration>)> = JoinSet::new();
    let mut polling: HashMap<String, tokio::task::AbortHandle> = HashMap::new();
    loop {
        let now = Instant::now();
        let ready: Vec<String> = due
            .iter()
            .filter(|(n, at)| **at <= now && !polling.contains_key(*n))
            .map(|(n, _)| n.clone())
            .collect();
        for name in ready {
            due.remove(&name);
            let spec = specs[&name].clone();
            let handle = tasks.spawn(poll_task(ctx.clone(), spec));
            polling.insert(name, handle);
        }
        if mode == Mode::Once && polling.is_empty() && due.is_empty() {
            break;
        }
        let next = due.values().min().copied();
        tokio::select! {
            _ = sleep_until(next) => {}
            Some(done) = tasks.join_next() => {
                let (name, delay) = match done {
                    Ok(r) => r,
                    Err(e) if e.is_cancelled() => continue,
                    Err(e) => { tracing::error!(error = %e, "Poll task failed."); continue; }
                };
                polling.remove(&name);
                if let (Mode::Daemon, Some(delay), true) = (mode, delay, specs.contains_key(&name)) {
                    due.insert(name, Instant::now() + delay);
                }
            }
            Ok(()) = feeds.changed() => {
                let list = feeds.borrow_and_update().clone();
                let removed = apply_feeds(&mut specs, &mut due, list, &store, mode);
                for name in removed {
                    if let Some(h) = polling.remove(&name) { h.abort(); }
                }
            }
            _ = shutdown.changed() => {
                tracing::info!(in_flight = polling.len(), "Shutdown: polling stopped.");
                break;
            }
        }
    }
    // Dropping `ctx.output` (with the tasks) closes the article stage's input.
    tasks.shutdown().await;
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Installs a new feed list: new feeds are due now, removed ones forgotten, changed ones keep
/// their schedule. Returns the names removed.
fn apply_feeds(
    specs: &mut HashMap<String, Arc<FeedSpec>>,
    due: &mut HashMap<String, Instant>,
    list: Vec<FeedSpec>,
    store: &Store,
    mode: Mode,
) -> Vec<String> {
    let new_names: std::collections::HashSet<String> = list.iter().map(|f| f.name.clone()).collect();
    let removed: Vec<String> = specs.keys().filter(|n| !new_names.contains(*n)).cloned().collect();
    for n in &removed {
        specs.remove(n);
        due.remove(n);
        tracing::info!(feed = %n, "Feed removed.");
    }
    for spec in list {
        let name = spec.name.clone();
        let changed = specs.get(&name).is_some_and(|old| **old != spec);
        let known = specs.contains_key(&name);
        specs.insert(name.clone(), Arc::new(spec));
        if !known {
            let at = initial_due(store, &name, mode);
            due.insert(name.clone(), at);
            tracing::debug!(feed = %name, "Feed scheduled.");
        } else if changed {
            tracing::info!(feed = %name, "Feed settings changed.");
        }
    }
    removed
}

/// Due now, unless the feed is still backing off after errors or parked (daemon mode only).
fn initial_due(store: &Store, name: &str, mode: Mode) -> Instant {
    let now = Instant::now();
    if mode == Mode::Once {
        return now;
    }
    match store.feed(name) {
        Ok(Some(st)) if st.consecutive_errors > 0 => {
            st.next_due.and_then(|t| (t - Utc::now()).to_std().ok()).map(|d| now + d).unwrap_or(now)
        }
        _ => now,
    }
}

/// Polls one feed, forwards its new items, saves its state. Returns the delay until its next
/// poll (None: parked).
async fn poll_task(ctx: Ctx, spec: Arc<FeedSpec>) -> (String, Option<Duration>) {
    let _permit = ctx.permits.clone().acquire_owned().await.expect("semaphore never closed");
    let mut state = match ctx.store.feed(&spec.name) {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => {
            tracing::error!(feed = %spec.name, error = %e, "Cannot read feed state.");
            return (spec.name.clone(), Some(spec.interval));
        }
    };
    let jitter = fastrand::f64() * 2.0 - 1.0;
    let started = Utc::now();
    let result = feed::poll(&ctx.fetcher, &ctx.store, &spec, &state).await;
    state.last_poll = Some(started);
    let delay = match result {
        Ok(polled) => {
            let hints = Hints {
                ttl: polled.feed.ttl,
                max_age: polled.cache_control.as_deref().and_then(feed::max_age),
                retry_after: None,
            };
            let fresh = polled.new_items.len();
            tracing::info!(feed = %spec.name, status = polled.status, items = polled.total_items, new = fresh, "Feed polled.");
            state.last_status = Some(polled.status);
            // Keep the old validators while new items are still on their way to the sink: if
            // newsd stops before they are committed, the next poll must get the document again
            // (a 304 would hide them for good). A later poll with nothing new stores these.
            if fresh == 0 {
                state.etag = polled.etag;
                state.last_modified = polled.last_modified;
            }
            state.consecutive_errors = 0;
            state.last_error = None;
            state.items_seen += fresh as u64;
            let now = Utc::now();
            for (item, item_hash) in polled.new_items {
                state.recent_items.push(item.published.unwrap_or(now));
                let entry = Entry { feed: spec.clone(), item, item_hash };
                if ctx.output.send(entry).await.is_err() {
                    break; // shutting down
                }
            }
            let keep = state.recent_items.len().saturating_sub(32);
            state.recent_items.drain(..keep);
            Some(policy::after_success(spec.interval, &hints, ctx.bounds, jitter))
        }
        Err(e) => {
            state.consecutive_errors += 1;
            state.last_error = Some(e.to_string());
            state.last_status = match &e {
                PollError::Fetch(f) => Some(f.status().unwrap_or(0)),
                _ => state.last_status,
            };
            let retry_after = match &e {
                PollError::Fetch(f) => f.retry_after(),
                _ => None,
            };
            if matches!(&e, PollError::Fetch(FetchError::Status { status: 410, .. })) {
                state.parked = true;
                tracing::warn!(feed = %spec.name, "Feed is gone (HTTP 410); parked until the config changes.");
                None
            } else {
                tracing::warn!(feed = %spec.name, errors = state.consecutive_errors, error = %e, "Feed poll failed.");
                let hints = Hints { retry_after, ..Default::default() };
                Some(policy::after_error(spec.interval, state.consecutive_errors, &hints, ctx.bounds, jitter))
            }
        }
    };
    state.next_due = delay.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| Utc::now() + d);
    if let Err(e) = ctx.store.put_feed(&spec.name, &state) {
        tracing::error!(feed = %spec.name, error = %e, "Cannot save feed state.");
    }
    (spec.name.clone(), delay)
}
