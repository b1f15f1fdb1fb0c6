//! When to poll a feed next: pure functions from the feed's settings, its state and the
//! server's hints to a delay. Precedence (each bounded by `daemon.min_interval` and
//! `daemon.max_interval`):
//! 1. errors: exponential backoff from the feed interval, doubled per consecutive error, with
//!    jitter; `Retry-After` when the server gave one and it is longer;
//! 2. success: the feed's interval, lengthened (never shortened) by RSS `<ttl>` and
//!    `Cache-Control: max-age`/`Expires`;
//! 3. a little jitter (±10 %) so feeds configured alike do not poll in lockstep.

use std::time::Duration;

/// What the last poll told us.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub ttl: Option<Duration>,
    pub max_age: Option<Duration>,
    pub retry_after: Option<Duration>,
}

/// Bounds from `[daemon]`.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub min: Duration,
    pub max: Duration,
}

/// Delay until the next poll after a success.
pub fn after_success(interval: Duration, hints: &Hints, bounds: Bounds, jitter: f64) -> Duration {
    let mut d = interval;
    for hint in [hints.ttl, hints.max_age].into_iter().flatten() {
        d = d.max(hint);
    }
    clamp(scale(d, jitter), bounds)
}

/// Delay until the next poll after the `errors`-th consecutive failure (1 = first).
pub fn after_error(interval: Duration, errors: u32, hints: &Hints, bounds: Bounds, jitter: f64) -> Duration {
    let factor = 1u32 << errors.saturating_sub(1).min(16);
    let backoff = interval.saturating_mul(factor);
    let d = match hints.retry_after {
        Some(r) => backoff.max(r),
        None => backoff,
    };
    clamp(scale(d, jitter), bounds)
}

/// `jitter` in [-1, 1] → ±10 %.
fn scale(d: Duration, jitter: f64) -> Duration {
    d.mul_f64(1.0 + 0.1 * jitter.clamp(-1.0, 1.0))
}

fn clamp(d: Duration, b: Bounds) -> Duration {
    d.max(b.min).min(b.max)
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Bounds = Bounds { min: Duration::from_secs(60), max: Duration::from_secs(4 * 3600) };

    #[test]
    fn ttl_lengthens_never_shortens() {
        let h = Hints { ttl: Some(Duration::from_secs(3600)), ..Default::default() };
        assert_eq!(after_success(Duration::from_secs(600), &h, B, 0.0), Duration::from_secs(3600));
        let h = Hints { ttl: Some(Duration::from_secs(60)), ..Default::default() };
        assert_eq!(after_success(Duration::from_secs(600), &h, B, 0.0), Duration::from_secs(600));
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let i = Duration::from_secs(300);
        assert_eq!(after_error(i, 1, &Hints::default(), B, 0.0), i);
        assert_eq!(after_error(i, 3, &Hints::default(), B, 0.0), i * 4);
        assert_eq!(after_error(i, 30, &Hints::default(), B, 0.0), B.max);
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let h = Hints { retry_after: Some(Duration::from_secs(7200)), ..Default::default() };
        assert_eq!(after_error(Duration::from_secs(300), 1, &h, B, 0.0), Duration::from_secs(7200));
    }

    #[test]
    fn jitter_is_bounded() {
        let d = after_success(Duration::from_secs(1000), &Hints::default(), B, 1.0);
        assert_eq!(d, Duration::from_secs(1100));
    }
}
