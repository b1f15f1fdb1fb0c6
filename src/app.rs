//! Wiring only: opens the store and the fetcher, joins the stages with bounded channels, and
//! stops them in order. Shutdown flows downstream like data: the scheduler stops on the signal,
//! its output closes, each later stage ends when its input does, and the sink flushes last. If
//! in-flight articles take longer than `daemon.shutdown_grace`, they are dropped (their items
//! were not committed, so the next start picks them up again).

use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::config::{Config, FeedSpec};
use crate::http::Fetcher;
use crate::scheduler::Mode;
use crate::sink::SinkError;
use crate::state::{StateError, Store};
use crate::{article, dedup, scheduler, sink, websub};

/// Capacity of every channel between stages.
const CHANNEL: usize = 100;

/// Why the pipeline could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error("daemon.metrics_addr: {0:?} is not an address like 127.0.0.1:9187")]
    Metrics(String),
    #[error("daemon.websub_addr: cannot listen on {addr}: {source}")]
    WebSub {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Signals from outside the pipeline.
pub struct Control {
    /// Becomes true on SIGTERM/SIGINT.
    pub shutdown: watch::Receiver<bool>,
    /// A new feed list on SIGHUP.
    pub feeds: watch::Receiver<Vec<FeedSpec>>,
}

/// Runs the pipeline until done (`Once`) or shut down. Returns the number of records written.
pub async fn run(cfg: Config, mode: Mode, control: Control) -> Result<u64, AppError> {
    let store = Store::open(&cfg.state.dir)?;
    // The sink opens first: its start-up reconciliation commits what the last run wrote but
    // did not commit, before the scheduler and dedup look up which items and ids are done.
    let sink = sink::open(&cfg.output, store.clone())?;
    let fetcher = Fetcher::new(&cfg.fetch)?;
    // Side services, aborted when the pipeline ends (the status server's store handle, and so
    // the lock, goes with it).
    let mut services = vec![tokio::spawn(crate::status::serve(store.clone()))];
    if let Some(addr) = &cfg.daemon.metrics_addr {
        let addr: std::net::SocketAddr = addr.parse().map_err(|_| AppError::Metrics(addr.clone()))?;
        services.push(tokio::spawn(async move {
            if let Err(e) = crate::metrics::serve(addr).await {
                tracing::error!(addr = %addr, error = %e, "Metrics endpoint failed.");
            }
        }));
    }
    let push = start_websub(&cfg, mode, &store, &fetcher, &mut services).await?;
    let (entry_tx, entry_rx) = mpsc::channel(CHANNEL);
    let (pending_tx, pending_rx) = mpsc::channel(CHANNEL);
    let (out_tx, out_rx) = mpsc::channel(CHANNEL);
    let (hard_stop_tx, hard_stop_rx) = watch::channel(false);

    let sched = {
        let settings = scheduler::Settings::new(mode, &cfg.daemon, cfg.fetch.concurrency);
        let (fetcher, store, shutdown) = (fetcher.clone(), store.clone(), control.shutdown.clone());
        tokio::spawn(scheduler::run(settings, control.feeds, fetcher, store, entry_tx, push, shutdown))
    };
    tokio::spawn(article::run(fetcher, cfg.fetch.concurrency, entry_rx, pending_tx, hard_stop_rx));
    tokio::spawn(dedup::run(store.clone(), dedup::Settings::new(&cfg.state), pending_rx, out_tx));
    let grace = cfg.daemon.shutdown_grace;
    let sink_shutdown = control.shutdown.clone();
    tokio::spawn(hard_stop_after_grace(control.shutdown, grace, hard_stop_tx));

    let written = sink.run(out_rx, sink_shutdown).await;
    sched.abort();
    services.iter().for_each(|s| s.abort());
    match written {
        Ok(n) => Ok(n),
        // `newsd run | head`: the reader left; nothing more to do.
        Err(SinkError::Closed) => {
            tracing::info!("Standard output closed; stopping.");
            Ok(0)
        }
        Err(e) => Err(e.into()),
    }
}

/// Starts the WebSub callback server when push is configured (and the mode is `run`): its
/// listener is bound here, so a taken port stops the start-up with a clear error.
async fn start_websub(
    cfg: &Config,
    mode: Mode,
    store: &Store,
    fetcher: &Fetcher,
    services: &mut Vec<tokio::task::JoinHandle<()>>,
) -> Result<Option<websub::Push>, AppError> {
    // (The config check refuses one of the two keys without the other.)
    let Some(settings) = websub::Settings::from_config(&cfg.daemon) else {
        return Ok(None);
    };
    if mode == Mode::Once {
        return Ok(None);
    }
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|source| AppError::WebSub { addr: settings.addr, source })?;
    let registry = websub::Registry::load(settings.public_url, store.clone(), fetcher.clone())?;
    let (tx, rx) = mpsc::channel(websub::QUEUE);
    let callback = websub::server::Callback::new(registry.clone(), tx, cfg.fetch.max_feed_bytes);
    services.push(tokio::spawn(websub::server::serve(listener, callback)));
    Ok(Some(websub::Push { registry, received: rx }))
}

/// Once shutdown is signalled, gives in-flight work `grace` to finish, then tells the article
/// stage to drop what is left.
async fn hard_stop_after_grace(
    mut shutdown: watch::Receiver<bool>,
    grace: Duration,
    tx: watch::Sender<bool>,
) {
    if shutdown.wait_for(|s| *s).await.is_err() {
        return;
    }
    tokio::time::sleep(grace).await;
    tracing::warn!(grace = ?grace, "Grace period over; dropping unfinished articles.");
    let _ = tx.send(true);
}
