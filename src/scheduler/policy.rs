//! When to poll a feed next: pure functions from the feed's settings, what it published lately
//! and what the publisher told us, to a delay. No I/O, no clock: `now` is always an argument.
//!
//! # Precedence
//! From first to last; every step is bounded by `daemon.min_interval` (floor) and
//! `daemon.max_interval` (ceiling), and the ceiling always has the last word.
//! 1. **Gone.** A feed that answered `410 Gone` is parked: never polled again until its URL
//!    changes in the config (this is the scheduler's job; no delay is computed).
//! 2. **Errors.** After the n-th consecutive failure the delay is the feed's interval × 2ⁿ⁻¹
//!    (±10 % jitter), capped by the ceiling. A `Retry-After` (seconds or HTTP-date, sent with
//!    429/503, or the host's circuit-breaker pause) lengthens it, never shortens it. The first
//!    success resets the count.
//! 3. **Base interval on success.** The feed's `interval`; or, with `adaptive = true` and at
//!    least three distinct recent publication times, half the observed gap between new items
//!    (the mean gap, or the time since the last item if that is longer, so a feed that went
//!    quiet slows down), kept within ¼× … 16× the configured interval. ±10 % jitter.
//! 4. **Publisher hints** can only lengthen the base, never shorten it: RSS `<ttl>`,
//!    `sy:updatePeriod`/`sy:updateFrequency`, and HTTP freshness (`Cache-Control: max-age`,
//!    else `Expires`; `no-cache`/`no-store` give none). The longest wins.
//! 5. **Floor.** Nothing is polled sooner than `daemon.min_interval`.
//! 6. **Skip windows.** If the resulting time falls in an RSS `skipHours` hour or `skipDays`
//!    day (UTC), it moves to the first hour that is not skipped (plus a few minutes of jitter so
//!    feeds alike do not all fire on the hour). A list that skips every hour/day is ignored.
//! 7. **Ceiling.** Nothing waits longer than `daemon.max_interval`, not even for 1–6.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Timelike, Utc, Weekday};

/// What the feed and the server told us about when to come back. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hints {
    /// RSS `<ttl>`.
    pub ttl: Option<Duration>,
    /// `sy:updatePeriod` / `sy:updateFrequency` as one period (see [`update_period`]).
    pub update_period: Option<Duration>,
    /// HTTP freshness of the last response (see [`http_freshness`]).
    pub freshness: Option<Duration>,
    /// `Retry-After` on a 429/503, or how long the host's circuit breaker stays open.
    pub retry_after: Option<Duration>,
    /// RSS `skipHours`: hours of the day (0–23, UTC) in which not to poll.
    pub skip_hours: Vec<u8>,
    /// RSS `skipDays`: days (UTC) on which not to poll.
    pub skip_days: Vec<Weekday>,
}

/// Floor and ceiling from `[daemon]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub min: Duration,
    pub max: Duration,
}

/// How many recent publication times the adaptive estimate needs before it is trusted.
const ADAPTIVE_MIN_SAMPLES: usize = 3;
/// Publication times older than this say little about today's rhythm.
const ADAPTIVE_WINDOW: Duration = Duration::from_secs(30 * 24 * 3600);
/// Jitter added after a skip window, at most.
const SKIP_SPREAD: Duration = Duration::from_secs(5 * 60);

/// Delay until the next poll after a success. `base` is the feed's interval or its adaptive
/// estimate ([`adaptive_base`]); `jitter` is uniform in [-1, 1].
pub fn after_success(
    base: Duration,
    hints: &Hints,
    bounds: Bounds,
    jitter: f64,
    now: DateTime<Utc>,
) -> Duration {
    let mut d = scale(base, jitter);
    for hint in [hints.ttl, hints.update_period, hints.freshness].into_iter().flatten() {
        d = d.max(hint);
    }
    let d = d.max(bounds.min);
    let d = skip_windows(now, d, hints, jitter);
    clamp(d, bounds)
}

/// Delay until the next poll after the `errors`-th consecutive failure (1 = first).
pub fn after_error(interval: Duration, errors: u32, hints: &Hints, bounds: Bounds, jitter: f64) -> Duration {
    let factor = 1u32 << errors.saturating_sub(1).min(20);
    let backoff = scale(interval.saturating_mul(factor), jitter);
    let d = match hints.retry_after {
        Some(r) => backoff.max(r),
        None => backoff,
    };
    clamp(d, bounds)
}

/// The adaptive base interval from recent publication times (any order), or `interval` when
/// there is too little history. See step 3 of the module doc.
pub fn adaptive_base(interval: Duration, recent: &[DateTime<Utc>], now: DateTime<Utc>) -> Duration {
    let oldest = now - chrono::Duration::from_std(ADAPTIVE_WINDOW).expect("30 days fits");
    // Dates in the future (clock skew, bad feeds) or far past are not evidence.
    let newest = now + chrono::Duration::minutes(5);
    let mut times: Vec<i64> =
        recent.iter().filter(|t| **t >= oldest && **t <= newest).map(|t| t.timestamp()).collect();
    times.sort_unstable();
    times.dedup();
    let (Some(&first), Some(&last)) = (times.first(), times.last()) else { return interval };
    if times.len() < ADAPTIVE_MIN_SAMPLES {
        return interval;
    }
    let mean_gap = (last - first) as f64 / (times.len() - 1) as f64;
    let quiet = (now.timestamp() - last).max(0) as f64;
    let target = Duration::from_secs_f64(mean_gap.max(quiet) / 2.0);
    target.clamp(interval / 4, interval.saturating_mul(16))
}

/// Moves `now + d` out of skipped hours/days; returns the new delay.
fn skip_windows(now: DateTime<Utc>, d: Duration, hints: &Hints, jitter: f64) -> Duration {
    let hour_skipped = |h: u32| hints.skip_hours.iter().any(|&s| u32::from(s) == h);
    let day_skipped = |w: Weekday| hints.skip_days.contains(&w);
    // A list that skips everything would mean "never"; treat it as a mistake and ignore it.
    let all_hours = (0..24).all(hour_skipped);
    let all_days =
        [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun]
            .into_iter()
            .all(day_skipped);
    let skipped =
        |t: DateTime<Utc>| (!all_hours && hour_skipped(t.hour())) || (!all_days && day_skipped(t.weekday()));
    let Ok(step) = chrono::Duration::from_std(d) else { return d };
    let mut at = now + step;
    if !skipped(at) {
        return d;
    }
    // Walk whole hours (a week has 168); a day is skipped as its 24 hours.
    for _ in 0..=168 {
        at = start_of_next_hour(at);
        if !skipped(at) {
            let spread = SKIP_SPREAD.mul_f64((jitter.clamp(-1.0, 1.0) + 1.0) / 2.0);
            return (at - now).to_std().unwrap_or(d) + spread;
        }
    }
    d
}

fn start_of_next_hour(t: DateTime<Utc>) -> DateTime<Utc> {
    let base =
        t.with_minute(0).and_then(|t| t.with_second(0)).and_then(|t| t.with_nanosecond(0)).unwrap_or(t);
    base + chrono::Duration::hours(1)
}

/// `jitter` in [-1, 1] → ±10 %.
fn scale(d: Duration, jitter: f64) -> Duration {
    d.mul_f64(1.0 + 0.1 * jitter.clamp(-1.0, 1.0))
}

fn clamp(d: Duration, b: Bounds) -> Duration {
    d.max(b.min).min(b.max)
}

/// `sy:updatePeriod` (hourly, daily, weekly, monthly, yearly) divided by `sy:updateFrequency`
/// (default 1) as one period.
pub fn update_period(period: &str, frequency: Option<u32>) -> Option<Duration> {
    let hour = 3600u64;
    let p = match period.trim().to_ascii_lowercase().as_str() {
        "hourly" => hour,
        "daily" => 24 * hour,
        "weekly" => 7 * 24 * hour,
        "monthly" => 30 * 24 * hour,
        "yearly" => 365 * 24 * hour,
        _ => return None,
    };
    let f = u64::from(frequency.unwrap_or(1).max(1));
    Some(Duration::from_secs(p / f))
}

/// An RSS `skipDays` day name ("Monday", case-insensitive; "Mon" accepted).
pub fn weekday(name: &str) -> Option<Weekday> {
    name.trim().parse().ok()
}

/// How long a response stays fresh: `Cache-Control: max-age` wins over `Expires` (as in HTTP
/// caching); `no-cache`/`no-store` mean no hint at all; an `Expires` in the past is none.
pub fn http_freshness(
    cache_control: Option<&str>,
    expires: Option<&str>,
    now: DateTime<Utc>,
) -> Option<Duration> {
    if let Some(cc) = cache_control {
        let mut max_age = None;
        for directive in cc.split(',') {
            let (k, v) = directive.trim().split_once('=').unwrap_or((directive.trim(), ""));
            let k = k.trim().to_ascii_lowercase();
            if k == "no-cache" || k == "no-store" {
                return None;
            }
            if k == "max-age" {
                max_age = v.trim().trim_matches('"').parse::<u64>().ok().map(Duration::from_secs);
            }
        }
        if max_age.is_some() {
            return max_age;
        }
    }
    let at = parse_http_date(expires?)?;
    (at - now).to_std().ok().filter(|d| !d.is_zero())
}

/// A `Retry-After` value: delay-seconds or an HTTP-date (relative to `now`; past dates → 0).
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(v)?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// An HTTP-date in any of its three forms (IMF-fixdate, RFC 850, asctime).
pub fn parse_http_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|n| Utc.from_utc_datetime(&n))
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Bounds = Bounds { min: Duration::from_secs(60), max: Duration::from_secs(24 * 3600) };
    const MIN: Duration = Duration::from_secs(60);

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn now() -> DateTime<Utc> {
        at("2026-11-25T10:30:00Z") // a Wednesday
    }

    #[test]
    fn publisher_hints_lengthen_never_shorten() {
        let i = Duration::from_secs(600);
        let h = Hints { ttl: Some(Duration::from_secs(3600)), ..Default::default() };
        assert_eq!(after_success(i, &h, B, 0.0, now()), Duration::from_secs(3600));
        let h = Hints { ttl: Some(MIN), freshness: Some(Duration::from_secs(30)), ..Default::default() };
        assert_eq!(after_success(i, &h, B, 0.0, now()), i);
        let h = Hints {
            ttl: Some(Duration::from_secs(900)),
            update_period: update_period("hourly", Some(2)),
            freshness: Some(Duration::from_secs(1200)),
            ..Default::default()
        };
        assert_eq!(after_success(i, &h, B, 0.0, now()), Duration::from_secs(1800), "longest hint wins");
    }

    #[test]
    fn floor_and_ceiling_have_the_last_word() {
        let h = Hints { ttl: Some(Duration::from_secs(7 * 24 * 3600)), ..Default::default() };
        assert_eq!(after_success(Duration::from_secs(600), &h, B, 0.0, now()), B.max);
        assert_eq!(after_success(Duration::from_secs(5), &Hints::default(), B, 0.0, now()), B.min);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let i = Duration::from_secs(300);
        assert_eq!(after_error(i, 1, &Hints::default(), B, 0.0), i);
        assert_eq!(after_error(i, 3, &Hints::default(), B, 0.0), i * 4);
        assert_eq!(after_error(i, 3, &Hints::default(), B, 1.0), i * 4 + i * 4 / 10);
        assert_eq!(after_error(i, 30, &Hints::default(), B, 0.0), B.max);
        assert_eq!(after_error(i, u32::MAX, &Hints::default(), B, -1.0), B.max);
    }

    #[test]
    fn retry_after_wins_when_longer_but_not_past_the_ceiling() {
        let h = Hints { retry_after: Some(Duration::from_secs(7200)), ..Default::default() };
        assert_eq!(after_error(Duration::from_secs(300), 1, &h, B, 0.0), Duration::from_secs(7200));
        let h = Hints { retry_after: Some(Duration::from_secs(10)), ..Default::default() };
        assert_eq!(after_error(Duration::from_secs(300), 1, &h, B, 0.0), Duration::from_secs(300));
        let h = Hints { retry_after: Some(Duration::from_secs(90 * 24 * 3600)), ..Default::default() };
        assert_eq!(after_error(Duration::from_secs(300), 1, &h, B, 0.0), B.max);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(retry_after(" 120 ", now()), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Wed, 25 Nov 2026 10:32:00 GMT", now()), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Wednesday, 25-Nov-26 10:31:00 GMT", now()), Some(Duration::from_secs(60)));
        assert_eq!(retry_after("Wed Nov 25 10:30:30 2026", now()), Some(Duration::from_secs(30)));
        assert_eq!(retry_after("Tue, 24 Nov 2026 10:00:00 GMT", now()), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now()), None);
    }

    #[test]
    fn freshness_prefers_max_age_and_respects_no_cache() {
        let exp = Some("Wed, 25 Nov 2026 11:30:00 GMT");
        assert_eq!(http_freshness(Some("public, max-age=300"), exp, now()), Some(Duration::from_secs(300)));
        assert_eq!(http_freshness(Some("public"), exp, now()), Some(Duration::from_secs(3600)));
        assert_eq!(http_freshness(None, exp, now()), Some(Duration::from_secs(3600)));
        assert_eq!(http_freshness(Some("no-cache, max-age=300"), exp, now()), None);
        assert_eq!(http_freshness(None, Some("Tue, 24 Nov 2026 10:00:00 GMT"), now()), None);
        assert_eq!(http_freshness(None, Some("0"), now()), None);
    }

    #[test]
    fn sy_update_period_and_weekdays() {
        assert_eq!(update_period("daily", None), Some(Duration::from_secs(86400)));
        assert_eq!(update_period(" Hourly ", Some(4)), Some(Duration::from_secs(900)));
        assert_eq!(update_period("hourly", Some(0)), Some(Duration::from_secs(3600)));
        assert_eq!(update_period("fortnightly", None), None);
        assert_eq!(weekday("Saturday"), Some(Weekday::Sat));
        assert_eq!(weekday("sunday"), Some(Weekday::Sun));
        assert_eq!(weekday("Caturday"), None);
    }

    #[test]
    fn skip_hours_move_the_poll_to_the_next_open_hour() {
        // 10:30 + 10 min = 10:40, in skipped hour 10; 11 is skipped too → 12:00 (+ jitter ≤ 5 min).
        let h = Hints { skip_hours: vec![10, 11], ..Default::default() };
        let d = after_success(Duration::from_secs(600), &h, B, -1.0, now());
        assert_eq!(d, Duration::from_secs(90 * 60));
        let d = after_success(Duration::from_secs(600), &h, B, 1.0, now());
        assert_eq!(d, Duration::from_secs(95 * 60), "jitter spreads feeds over the first minutes");
    }

    #[test]
    fn skip_days_move_the_poll_to_the_next_open_day() {
        let h = Hints { skip_days: vec![Weekday::Wed, Weekday::Thu], ..Default::default() };
        let d = after_success(Duration::from_secs(600), &h, B, -1.0, now());
        // Friday 00:00 is 37.5 h away: beyond the 24 h ceiling, which wins.
        assert_eq!(d, B.max);
        let wide = Bounds { max: Duration::from_secs(7 * 86400), ..B };
        let d = after_success(Duration::from_secs(600), &h, wide, -1.0, now());
        assert_eq!(d, Duration::from_secs(37 * 3600 + 30 * 60));
    }

    #[test]
    fn skipping_everything_is_ignored() {
        let h = Hints { skip_hours: (0..24).collect(), ..Default::default() };
        assert_eq!(after_success(Duration::from_secs(600), &h, B, 0.0, now()), Duration::from_secs(600));
    }

    #[test]
    fn adaptive_polls_busy_feeds_faster_and_quiet_feeds_slower() {
        let i = Duration::from_secs(600);
        let n = now();
        // A new item every 6 minutes, the last one a minute ago → every 3 minutes.
        let busy: Vec<_> = (0..10).map(|k| n - chrono::Duration::minutes(1 + 6 * k)).collect();
        assert_eq!(adaptive_base(i, &busy, n), Duration::from_secs(180));
        // Hourly items, but silent for the last 4 hours → every 2 h (within 16× the interval).
        let quiet: Vec<_> = (0..5).map(|k| n - chrono::Duration::hours(4 + k)).collect();
        assert_eq!(adaptive_base(i, &quiet, n), Duration::from_secs(2 * 3600));
        // Bounded to ¼× … 16× the configured interval.
        let burst: Vec<_> = (0..10).map(|k| n - chrono::Duration::seconds(k)).collect();
        assert_eq!(adaptive_base(i, &burst, n), i / 4);
        let ancient: Vec<_> = (0..5).map(|k| n - chrono::Duration::days(20 + k)).collect();
        assert_eq!(adaptive_base(i, &ancient, n), i * 16);
    }

    #[test]
    fn adaptive_needs_enough_trustworthy_history() {
        let i = Duration::from_secs(600);
        let n = now();
        assert_eq!(adaptive_base(i, &[], n), i);
        assert_eq!(adaptive_base(i, &[n, n, n, n], n), i, "identical times are one sample");
        let future: Vec<_> = (1..6).map(|k| n + chrono::Duration::days(k)).collect();
        assert_eq!(adaptive_base(i, &future, n), i, "future dates are ignored");
    }
}
