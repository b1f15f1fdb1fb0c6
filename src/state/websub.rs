//! WebSub subscriptions, by feed name: the hub and topic subscribed to, the per-subscription
//! secret, and where the subscription stands (lease expiry). Kept so that a restart neither
//! resubscribes needlessly nor forgets the secret that signs the hub's pushes.
//!
//! Owns the table `websub`; what the values mean for polling is `websub`'s business.

use chrono::{DateTime, Utc};
use redb::{TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::{StateError, Store};

/// Feed name → [`Subscription`] (JSON).
const WEBSUB: TableDefinition<&str, &[u8]> = TableDefinition::new("websub");

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SubStatus {
    /// Requested; the hub has not verified it yet.
    #[default]
    Pending,
    /// Verified by the hub; pushes are expected until `lease_expires`.
    Active,
    /// The hub refused it (`hub.mode=denied`).
    Denied,
    /// The request to the hub failed.
    Failed,
}

/// One feed's subscription at its hub.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Subscription {
    /// The hub URL the feed advertises (`<link rel="hub">`).
    pub hub: String,
    /// The topic URL (the feed's `<link rel="self">`, else its URL).
    pub topic: String,
    /// Our callback URL the hub was given (a changed `daemon.public_url` needs a new
    /// subscription).
    pub callback: String,
    /// HMAC key shared with the hub (`hub.secret`), random per subscription, hex.
    pub secret: String,
    pub status: SubStatus,
    /// When the last subscription request was sent.
    pub requested_at: Option<DateTime<Utc>>,
    /// When the hub last verified the subscription.
    pub verified_at: Option<DateTime<Utc>>,
    /// The lease the hub granted (`hub.lease_seconds`).
    pub lease_seconds: Option<u64>,
    pub lease_expires: Option<DateTime<Utc>>,
    /// Why the last request failed or was denied.
    pub last_error: Option<String>,
}

pub(super) fn create_tables(store: &Store, txn: &WriteTransaction) -> Result<(), StateError> {
    txn.open_table(WEBSUB).map_err(|e| store.err(e))?;
    Ok(())
}

impl Store {
    /// Every saved subscription, by feed name.
    pub fn subscriptions(&self) -> Result<Vec<(String, Subscription)>, StateError> {
        self.all_rows(WEBSUB)
    }

    /// Saves one feed's subscription.
    pub fn put_subscription(&self, feed: &str, sub: &Subscription) -> Result<(), StateError> {
        let bytes = serde_json::to_vec(sub).expect("Subscription serializes");
        let txn = self.begin_write()?;
        {
            let mut table = txn.open_table(WEBSUB).map_err(|e| self.err(e))?;
            table.insert(feed, bytes.as_slice()).map_err(|e| self.err(e))?;
        }
        txn.commit().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let sub = Subscription {
            hub: "https://hub.example/".into(),
            topic: "https://e.org/feed".into(),
            secret: "ab".repeat(32),
            status: SubStatus::Active,
            lease_seconds: Some(3600),
            ..Default::default()
        };
        {
            let store = Store::open(dir.path()).unwrap();
            store.put_subscription("a", &sub).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.subscriptions().unwrap(), vec![("a".to_string(), sub)]);
    }
}
