//! Stage [1]: decides when each feed is polled, polls it (`task` → `feed::poll`) and hands new
//! items to the article stage. The only stage that watches the shutdown signal: when it
//! returns, its output closes and the rest of the pipeline drains.
//!
//! - Timing is `policy` (pure; its doc lists the precedence of every hint); the due queue is
//!   `queue`; one poll and its state update is `task`.
//! - Feeds are due at start unless their saved schedule says later (a restart does not re-poll
//!   everything) or they are parked (410 Gone, until their URL changes in the config).
//! - At most `fetch.concurrency` polls run at once, and at most `fetch.per_host_concurrency`
//!   per host: further feeds of a busy host wait here, so they never hold a slot that other
//!   hosts could use. A host whose circuit breaker is open is not polled until it closes.
//! - Feed states live in memory and are written to the store in batches (every
//!   [`FLUSH_EVERY`] and at exit), one transaction per batch instead of one fsync per poll. A
//!   crash loses at most that much schedule state: a feed may be polled once more than needed
//!   (with stale validators); records are unaffected (delivery has its own bookkeeping).
//! - With WebSub push on, documents the hubs push arrive here too ([`crate::websub::Push`]):
//!   their new items are handed on like a poll's, and a feed being pushed to is polled only at
//!   the ceiling (`task`).

pub mod policy;
mod queue;
mod task;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;

use crate::config::{DaemonConfig, FeedSpec};
use crate::http::{Fetcher, Hosts};
use crate::model::Entry;
use crate::state::{FeedState, Store};
use crate::websub::{Push, Pushed};
use policy::Bounds;
use queue::DueQueue;
use task::{Ctx, Done, Next, PushDone};

/// Pushed documents handed on at once; further ones wait in their channel (each holds a
/// parsed document).
const PUSH_TASKS: usize = 8;

/// How often dirty feed states are written to the store.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// `once` waits at most this long, after its last poll, for its items to be delivered
/// before saving the feeds' states (the process cannot exit before they are anyway).
const ONCE_DELIVERY_WAIT: Duration = Duration::from_secs(60);

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

/// Runs the scheduler until every feed was polled once (`Once`) or shutdown is signalled.
/// `feeds` carries the feed list; a new value (SIGHUP reload) adds, removes and changes feeds.
pub async fn run(
    settings: Settings,
    mut feeds: watch::Receiver<Vec<FeedSpec>>,
    fetcher: Fetcher,
    store: Store,
    output: mpsc::Sender<Entry>,
    push: Option<Push>,
    mut shutdown: watch::Receiver<bool>,
) {
    let (registry, mut pushes) = match push {
        Some(p) => (Some(p.registry), Some(p.received)),
        None => (None, None),
    };
    let mut s = Scheduler::new(settings, fetcher, store, output, registry);
    s.apply_feeds(feeds.borrow_and_update().clone());
    let mut signalled = false;
    let mut flush = tokio::time::interval(FLUSH_EVERY);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        s.start_due();
        if s.mode == Mode::Once && s.idle() {
            break;
        }
        // While every slot is busy, only a finishing poll can start another one.
        let wake = if s.has_room() { s.queue.next_at() } else { None };
        tokio::select! {
            _ = sleep_until(wake) => {}
            Some(done) = s.tasks.join_next_with_id() => s.finish(done),
            Some(pushed) = next_push(&mut pushes), if s.push_tasks.len() < PUSH_TASKS => s.pushed(pushed),
            Some(done) = s.push_tasks.join_next() => s.finish_push(done),
            _ = flush.tick() => s.flush(false).await,
            Ok(()) = feeds.changed() => {
                let list = feeds.borrow_and_update().clone();
                s.apply_feeds(list);
            }
            _ = shutdown.changed() => {
                tracing::info!(in_flight = s.polling.len(), "Shutdown: polling stopped.");
                signalled = true;
                break;
            }
        }
    }
    // Unfinished polls are dropped: their feeds keep their old state and are polled again.
    s.tasks.shutdown().await;
    s.push_tasks.shutdown().await;
    // A finished `once` pass waits for its records (a signal means: stop now).
    if s.mode == Mode::Once && !signalled {
        s.await_delivery(ONCE_DELIVERY_WAIT).await;
    }
    s.flush(true).await;
    // Dropping `s` drops the last `output` sender: the article stage's input closes.
}

/// The next pushed document; never, when push is off.
async fn next_push(pushes: &mut Option<mpsc::Receiver<Pushed>>) -> Option<Pushed> {
    match pushes {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The scheduler's state between wake-ups.
struct Scheduler {
    mode: Mode,
    ctx: Ctx,
    cap: usize,
    specs: HashMap<String, Arc<FeedSpec>>,
    /// Every known feed's state (loaded once at start; the store is written in batches).
    states: HashMap<String, FeedState>,
    dirty: HashSet<String>,
    queue: DueQueue,
    tasks: JoinSet<Done>,
    /// Pushed documents being handed on, by feed name.
    push_tasks: JoinSet<(String, PushDone)>,
    /// While a feed is polled, the latest document pushed for it (handed on when the poll ends,
    /// so both do not take the same new items) and pushed items handed on meanwhile (counted
    /// into the state the poll brings back, which was copied before them).
    push_after_poll: HashMap<String, Pushed>,
    pushed_during_poll: HashMap<String, Vec<PushDone>>,
    /// Feeds being polled, by name, with their host key.
    polling: HashMap<String, Option<String>>,
    task_names: HashMap<tokio::task::Id, String>,
    /// Polls in flight per host key, and feeds waiting for their host.
    host_busy: HashMap<String, usize>,
    host_wait: HashMap<String, VecDeque<String>>,
    flushing: Option<tokio::task::JoinHandle<()>>,
    /// New items handed on but not yet seen in the delivery records, by feed (see
    /// `FeedState::unconfirmed`).
    undelivered: HashMap<String, Vec<(String, String)>>,
}

impl Scheduler {
    fn new(
        settings: Settings,
        fetcher: Fetcher,
        store: Store,
        output: mpsc::Sender<Entry>,
        push: Option<Arc<crate::websub::Registry>>,
    ) -> Scheduler {
        let states = match store.feeds() {
            Ok(all) => all.into_iter().collect(),
            Err(e) => {
                tracing::error!(error = %e, "Cannot read feed states; starting from scratch.");
                HashMap::new()
            }
        };
        Scheduler {
            mode: settings.mode,
            ctx: Ctx { fetcher, store, output, bounds: settings.bounds, push },
            cap: settings.concurrency.max(1),
            specs: HashMap::new(),
            states,
            dirty: HashSet::new(),
            queue: DueQueue::default(),
            tasks: JoinSet::new(),
            push_tasks: JoinSet::new(),
            push_after_poll: HashMap::new(),
            pushed_during_poll: HashMap::new(),
            polling: HashMap::new(),
            task_names: HashMap::new(),
            host_busy: HashMap::new(),
            host_wait: HashMap::new(),
            flushing: None,
            undelivered: HashMap::new(),
        }
    }

    fn hosts(&self) -> &Hosts {
        self.ctx.fetcher.hosts()
    }

    fn has_room(&self) -> bool {
        self.polling.len() < self.cap
    }

    fn idle(&self) -> bool {
        self.polling.is_empty() && self.queue.is_empty() && self.host_wait.is_empty()
    }

    /// Starts every due feed while there is room.
    fn start_due(&mut self) {
        let now = Instant::now();
        while self.has_room() {
            let Some(name) = self.queue.pop_due(now) else { break };
            self.start(name);
        }
    }

    /// Starts one feed's poll, unless its host is paused (then it is deferred) or busy (then
    /// it waits for that host).
    fn start(&mut self, name: String) {
        let Some(spec) = self.specs.get(&name).cloned() else { return };
        if self.polling.contains_key(&name) {
            return;
        }
        if let Some(pause) = self.hosts().paused_for(&spec.url) {
            self.defer(&name, pause);
            return;
        }
        let key = Hosts::key(&spec.url);
        if let Some(k) = &key {
            let limit = self.hosts().per_host();
            let busy = self.host_busy.entry(k.clone()).or_default();
            if *busy >= limit {
                self.host_wait.entry(k.clone()).or_default().push_back(name);
                return;
            }
            *busy += 1;
        }
        let state = self.states.get(&name).cloned().unwrap_or_default();
        let handle = self.tasks.spawn(task::poll_feed(self.ctx.clone(), spec, state));
        self.task_names.insert(handle.id(), name.clone());
        self.polling.insert(name, key);
    }

    /// A paused host's feed: polled when the pause ends (daemon) or skipped (once).
    fn defer(&mut self, name: &str, pause: Duration) {
        match self.mode {
            Mode::Once => {
                tracing::info!(feed = %name, pause_secs = pause.as_secs(), "Host paused; feed skipped this pass.")
            }
            Mode::Daemon => {
                // Spread the paused host's feeds over a few seconds after the pause.
                let at = pause + Duration::from_millis(fastrand::u64(0..5000));
                tracing::debug!(feed = %name, delay_secs = at.as_secs(), "Host paused; poll deferred.");
                self.queue.schedule(name, Instant::now() + at);
                if let Some(st) = self.states.get_mut(name) {
                    st.next_due = chrono::Duration::from_std(at).ok().map(|d| Utc::now() + d);
                    self.dirty.insert(name.to_string());
                }
            }
        }
    }

    /// Takes in a finished poll: saves its state, schedules its next poll, and lets a feed
    /// waiting for the same host go.
    fn finish(&mut self, joined: Result<(tokio::task::Id, Done), JoinError>) {
        let (name, done) = match joined {
            Ok((id, done)) => (self.task_names.remove(&id), Some(done)),
            Err(e) => {
                let name = self.task_names.remove(&e.id());
                if !e.is_cancelled() {
                    tracing::error!(feed = name.as_deref().unwrap_or("?"), error = %e, "Poll task failed.");
                }
                (name, None)
            }
        };
        let Some(name) = name else { return };
        let key = self.polling.remove(&name).flatten();
        let spec = self.specs.get(&name).cloned();
        match (done, spec) {
            // The feed's URL changed while it was polled: the result belongs to the old one.
            (Some(done), Some(spec)) if done.state.url.as_deref() != Some(spec.url.as_str()) => {
                self.queue.schedule(&name, Instant::now());
            }
            (Some(mut done), Some(_)) => {
                // Pushed items still on their way keep the feed unconfirmed (the poll's state
                // was copied before they came).
                if !done.handed_on.is_empty() || self.undelivered.contains_key(&name) {
                    done.state.unconfirmed = true;
                    self.undelivered.entry(name.clone()).or_default().extend(done.handed_on);
                }
                self.states.insert(name.clone(), done.state);
                self.dirty.insert(name.clone());
                if let (Mode::Daemon, Next::After(d)) = (self.mode, done.next) {
                    self.queue.schedule(&name, Instant::now() + d);
                }
            }
            // Panicked: try again after the feed's interval.
            (None, Some(spec)) if self.mode == Mode::Daemon => {
                self.queue.schedule(&name, Instant::now() + spec.interval.max(self.ctx.bounds.min));
            }
            _ => {}
        }
        // After the poll's state (whatever became of the poll).
        for push in self.pushed_during_poll.remove(&name).unwrap_or_default() {
            if self.specs.contains_key(&name) {
                self.count_push(&name, push);
            }
        }
        if let Some(k) = key {
            self.release_host(&k);
        }
        if let Some(push) = self.push_after_poll.remove(&name) {
            self.pushed(push);
        }
    }

    /// A document pushed by a feed's hub: its new items are handed on in a task of their own.
    /// While the feed is polled it waits for the poll to end (the latest push only: each
    /// document lists the feed's current items).
    fn pushed(&mut self, pushed: Pushed) {
        if self.polling.contains_key(&pushed.feed) {
            self.push_after_poll.insert(pushed.feed.clone(), pushed);
            return;
        }
        let Some(spec) = self.specs.get(&pushed.feed).cloned() else { return };
        let ctx = self.ctx.clone();
        let in_flight = self.undelivered.get(&pushed.feed).into_iter().flatten().cloned().collect();
        self.push_tasks.spawn(async move {
            let name = spec.name.clone();
            (name, task::deliver_pushed(ctx, spec, pushed.parsed, in_flight).await)
        });
    }

    /// Takes in handed-on pushed items: counted in the feed's state, and watched until
    /// delivered like a poll's (so a restart before then polls the feed at once).
    fn finish_push(&mut self, joined: Result<(String, PushDone), JoinError>) {
        let Ok((name, done)) = joined else { return };
        if done.handed_on.is_empty() || !self.specs.contains_key(&name) {
            return;
        }
        if self.polling.contains_key(&name) {
            // The poll will bring back a state copied before these items: count them after it.
            self.pushed_during_poll.entry(name).or_default().push(done);
            return;
        }
        self.count_push(&name, done);
    }

    /// Counts handed-on pushed items in the feed's state, and watches them until delivered.
    fn count_push(&mut self, name: &str, done: PushDone) {
        let name = name.to_string();
        let st = self.states.entry(name.clone()).or_default();
        st.items_seen += done.fresh;
        st.recent_items.extend(done.recent);
        let excess = st.recent_items.len().saturating_sub(task::RECENT_ITEMS);
        st.recent_items.drain(..excess);
        st.unconfirmed = true;
        self.undelivered.entry(name.clone()).or_default().extend(done.handed_on);
        self.dirty.insert(name);
    }

    /// One poll of host `key` ended: start the next feed waiting for it, if any.
    fn release_host(&mut self, key: &str) {
        if let Some(busy) = self.host_busy.get_mut(key) {
            *busy = busy.saturating_sub(1);
            if *busy == 0 {
                self.host_busy.remove(key);
            }
        }
        while let Some(next) = self.host_wait.get_mut(key).and_then(VecDeque::pop_front) {
            if !self.specs.contains_key(&next) || self.polling.contains_key(&next) {
                continue; // removed or already running
            }
            self.start(next.clone());
            let requeued = self.host_wait.get(key).and_then(VecDeque::back) == Some(&next);
            // Started, or still waiting: done. Deferred (host paused): try the next one.
            if self.polling.contains_key(&next) || requeued {
                break;
            }
        }
        if self.host_wait.get(key).is_some_and(VecDeque::is_empty) {
            self.host_wait.remove(key);
        }
    }

    /// Installs a feed list: new feeds are scheduled, removed ones forgotten, a changed URL
    /// resets the feed's state (and un-parks it); other changes keep the schedule.
    fn apply_feeds(&mut self, list: Vec<FeedSpec>) {
        let names: HashSet<&str> = list.iter().map(|f| f.name.as_str()).collect();
        let removed: Vec<String> =
            self.specs.keys().filter(|n| !names.contains(n.as_str())).cloned().collect();
        for name in removed {
            self.specs.remove(&name);
            self.queue.cancel(&name);
            tracing::info!(feed = %name, "Feed removed.");
        }
        for spec in list {
            let name = spec.name.clone();
            let old_url = self.specs.get(&name).map(|s| s.url.clone());
            let url_changed = old_url.as_ref().is_some_and(|u| *u != spec.url);
            if old_url.is_some() && !url_changed {
                self.specs.insert(name, Arc::new(spec));
                continue;
            }
            self.schedule_new(&spec, url_changed);
            self.specs.insert(name, Arc::new(spec));
        }
    }

    /// Schedules a feed that is new to this process, or whose URL just changed.
    fn schedule_new(&mut self, spec: &FeedSpec, url_changed: bool) {
        let name = spec.name.as_str();
        let state = self.states.entry(name.to_string()).or_default();
        match state.url.as_deref() {
            Some(u) if u != spec.url.as_str() => {
                tracing::info!(feed = %name, url = %spec.url, "Feed URL changed; its poll state starts afresh.");
                task::reset_for_url(state, spec.url.as_str());
                self.undelivered.remove(name);
                self.dirty.insert(name.to_string());
            }
            Some(_) => {}
            // State from before URLs were recorded: adopt it as this URL's.
            None => {
                state.url = Some(spec.url.to_string());
                self.dirty.insert(name.to_string());
            }
        }
        if state.parked {
            tracing::warn!(feed = %name, url = %spec.url, "Feed is parked (HTTP 410 Gone); change its URL to poll it again.");
            return;
        }
        let delay = match (self.mode, url_changed || state.unconfirmed) {
            (Mode::Once, _) | (_, true) => Duration::ZERO,
            (Mode::Daemon, false) => task::initial_delay(state, self.ctx.bounds, Utc::now()),
        };
        tracing::debug!(feed = %name, delay_secs = delay.as_secs(), "Feed scheduled.");
        self.queue.schedule(name, Instant::now() + delay);
    }

    /// Writes dirty feed states in one transaction, off the async threads. A periodic flush is
    /// skipped while the previous one still runs; the final one (`last`) waits for it. States
    /// whose new items are not all delivered yet are written without their validators.
    async fn flush(&mut self, last: bool) {
        if let Some(prev) = &self.flushing {
            if !last && !prev.is_finished() {
                return;
            }
        }
        if let Some(prev) = self.flushing.take() {
            let _ = prev.await;
        }
        self.confirm_delivered();
        if self.dirty.is_empty() {
            return;
        }
        let batch: Vec<(String, FeedState)> =
            self.dirty.drain().filter_map(|n| self.states.get(&n).map(|s| (n, durable(s)))).collect();
        let store = self.ctx.store.clone();
        let write = tokio::task::spawn_blocking(move || {
            let n = batch.len();
            if let Err(e) = store.put_feeds(batch.iter().map(|(n, s)| (n.as_str(), s))) {
                tracing::error!(feeds = n, error = %e, "Cannot save feed states.");
            }
        });
        if last {
            let _ = write.await;
        } else {
            self.flushing = Some(write);
        }
    }

    /// Checks which handed-on items have reached the delivery records; a feed whose items all
    /// have is confirmed (and saved again, now with its validators). Small reads: only feeds
    /// with new items since the last check are looked at.
    fn confirm_delivered(&mut self) {
        let store = &self.ctx.store;
        self.undelivered.retain(|name, items| {
            items.retain(|(key, hash)| {
                store.item_hash(name, key).ok().flatten().as_deref() != Some(hash.as_str())
            });
            if !items.is_empty() {
                return true;
            }
            if let Some(st) = self.states.get_mut(name) {
                st.unconfirmed = false;
                self.dirty.insert(name.clone());
            }
            false
        });
    }

    /// `once`: gives the pipeline up to `wait` to deliver the items of this pass, so that
    /// their feeds' validators can be saved (else the next pass refetches those documents).
    async fn await_delivery(&mut self, wait: Duration) {
        let until = Instant::now() + wait;
        loop {
            self.confirm_delivered();
            if self.undelivered.is_empty() || Instant::now() >= until {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// What goes to disk: an unconfirmed state without its validators (see `FeedState::unconfirmed`).
fn durable(state: &FeedState) -> FeedState {
    let mut s = state.clone();
    if s.unconfirmed {
        s.etag = None;
        s.last_modified = None;
    }
    s
}
