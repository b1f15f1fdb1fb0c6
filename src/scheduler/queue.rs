//! The due queue: which feed is due when, ordered by time. O(log n) to schedule, reschedule,
//! cancel and pop, so 100k feeds cost no scan per wake-up. Knows nothing of polling.

use std::collections::{BTreeMap, HashMap};

use tokio::time::Instant;

/// Feeds by due time; each feed at most once.
#[derive(Debug, Default)]
pub struct DueQueue {
    /// (due, tie-breaker) → feed name.
    by_time: BTreeMap<(Instant, u64), String>,
    /// feed name → its key in `by_time`.
    by_name: HashMap<String, (Instant, u64)>,
    seq: u64,
}

impl DueQueue {
    /// Schedules `name` at `at`, replacing any earlier schedule of it.
    pub fn schedule(&mut self, name: &str, at: Instant) {
        self.cancel(name);
        self.seq += 1;
        let key = (at, self.seq);
        self.by_time.insert(key, name.to_string());
        self.by_name.insert(name.to_string(), key);
    }

    /// Forgets `name`'s schedule, if any.
    pub fn cancel(&mut self, name: &str) {
        if let Some(key) = self.by_name.remove(name) {
            self.by_time.remove(&key);
        }
    }

    /// The earliest due time.
    pub fn next_at(&self) -> Option<Instant> {
        self.by_time.keys().next().map(|(at, _)| *at)
    }

    /// Removes and returns the earliest feed if it is due by `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<String> {
        let entry = self.by_time.first_entry()?;
        if entry.key().0 > now {
            return None;
        }
        let name = entry.remove();
        self.by_name.remove(&name);
        Some(name)
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_name.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn pops_in_time_order_and_reschedules_replace() {
        let t = Instant::now();
        let mut q = DueQueue::default();
        q.schedule("b", t + Duration::from_secs(2));
        q.schedule("a", t + Duration::from_secs(1));
        q.schedule("c", t + Duration::from_secs(3));
        q.schedule("c", t); // moved to the front
        q.cancel("b");
        assert_eq!(q.len(), 2);
        assert_eq!(q.next_at(), Some(t));
        assert_eq!(q.pop_due(t).as_deref(), Some("c"));
        assert_eq!(q.pop_due(t), None, "a is not due yet");
        assert_eq!(q.pop_due(t + Duration::from_secs(5)).as_deref(), Some("a"));
        assert!(q.is_empty());
    }
}
