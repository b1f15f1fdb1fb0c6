//! `Retry-After` parsing: delay-seconds or an HTTP-date, capped, garbage ignored. Pure; the
//! caller supplies "now".

use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDateTime, Utc};

/// Longest pause a server may ask for; larger values (and absurd numbers) are capped here so a
/// hostile `Retry-After` cannot park a feed for years.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Parses a `Retry-After` value relative to `now`. Returns `None` for garbage, `Some(0)` for a
/// date in the past, and at most [`MAX_RETRY_AFTER`].
pub fn parse(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // All digits but too big for u64 is still a (huge) number of seconds: cap it.
        let secs = v.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let at = http_date(v)?;
    let delay = at.duration_since(now).unwrap_or(Duration::ZERO);
    Some(delay.min(MAX_RETRY_AFTER))
}

/// The three HTTP-date forms of RFC 9110: IMF-fixdate, RFC 850 and asctime, all in GMT.
fn http_date(v: &str) -> Option<SystemTime> {
    if let Ok(dt) = DateTime::parse_from_rfc2822(v) {
        return Some(dt.with_timezone(&Utc).into());
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
        .map(|n| n.and_utc().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        // Sun, 06 Nov 1994 08:49:37 GMT
        SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777)
    }

    #[test]
    fn seconds_are_read_and_capped() {
        assert_eq!(parse("120", now()), Some(Duration::from_secs(120)));
        assert_eq!(parse(" 0 ", now()), Some(Duration::ZERO));
        assert_eq!(parse("99999999", now()), Some(MAX_RETRY_AFTER));
        assert_eq!(parse("999999999999999999999999999999", now()), Some(MAX_RETRY_AFTER));
    }

    #[test]
    fn http_dates_in_all_three_forms() {
        let in_a_minute = Some(Duration::from_secs(60));
        assert_eq!(parse("Sun, 06 Nov 1994 08:50:37 GMT", now()), in_a_minute);
        assert_eq!(parse("Sunday, 06-Nov-94 08:50:37 GMT", now()), in_a_minute);
        assert_eq!(parse("Sun Nov  6 08:50:37 1994", now()), in_a_minute);
        assert_eq!(parse("Sat, 05 Nov 1994 08:49:37 GMT", now()), Some(Duration::ZERO), "past");
        assert_eq!(parse("Fri, 31 Dec 9999 23:59:59 GMT", now()), Some(MAX_RETRY_AFTER));
    }

    #[test]
    fn garbage_is_ignored() {
        for v in ["", "soon", "-5", "1.5", "12 s", "0x10", "Sun, 32 Nov 1994 08:49:37 GMT", "\u{0}"] {
            assert_eq!(parse(v, now()), None, "{v:?}");
        }
    }
}
