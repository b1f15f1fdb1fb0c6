//! Politeness per host, shared by feed polls and article fetches: how many requests may be in
//! flight to one host and how far apart they must be. (Circuit breaker, robots.txt and
//! Retry-After pauses slot in here.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::config::FetchConfig;

/// The per-host gate.
pub struct Hosts {
    per_host: usize,
    slots: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Held while a request to a host is in flight.
pub struct HostPermit {
    _permit: Option<OwnedSemaphorePermit>,
}

impl Hosts {
    pub fn new(cfg: &FetchConfig) -> Hosts {
        Hosts { per_host: cfg.per_host_concurrency.max(1), slots: Mutex::new(HashMap::new()) }
    }

    /// Waits until a request to `url`'s host may start.
    pub async fn acquire(&self, url: &Url) -> HostPermit {
        let Some(host) = url.host_str() else { return HostPermit { _permit: None } };
        let sem = {
            let mut slots = self.slots.lock().expect("hosts lock");
            slots
                .entry(host.to_ascii_lowercase())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        HostPermit { _permit: sem.acquire_owned().await.ok() }
    }
}
