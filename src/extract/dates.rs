//! Dates as pages write them → UTC. Reads ISO 8601 / RFC 3339 (with or without seconds,
//! fractions, `Z` or an offset, `T` or a space), RFC 2822, bare dates, and dates in URL paths.
//! A time without a zone is read in the page's stated zone (the offset of another date on the
//! same page) when it has one; only when none is known is it taken as UTC.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// A parsed date: the instant if the text had a zone, else the local wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    Zoned(DateTime<FixedOffset>),
    Local(NaiveDateTime),
}

impl Parsed {
    /// The instant in UTC to the second, reading a local time in `zone` (UTC when unknown).
    pub fn to_utc(self, zone: Option<FixedOffset>) -> Option<DateTime<Utc>> {
        use chrono::Timelike;
        let utc = match self {
            Parsed::Zoned(d) => Some(d.with_timezone(&Utc)),
            Parsed::Local(n) => {
                let z = zone.unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
                z.from_local_datetime(&n).single().map(|d| d.with_timezone(&Utc))
            }
        };
        utc.and_then(|d| d.with_nanosecond(0))
    }

    /// The offset, if the text stated one.
    pub fn offset(self) -> Option<FixedOffset> {
        match self {
            Parsed::Zoned(d) => Some(*d.offset()),
            Parsed::Local(_) => None,
        }
    }
}

/// Parses a machine-readable date (meta, JSON-LD, `<time datetime>`).
pub fn parse(s: &str) -> Option<Parsed> {
    let s = s.trim();
    if s.len() < 8 || s.len() > 64 {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(Parsed::Zoned(d));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(Parsed::Zoned(d));
    }
    let s = s.replacen(' ', "T", 1);
    // Split a trailing zone: Z, +hh:mm, +hhmm, +hh.
    let (body, zone) = split_zone(&s);
    let naive = parse_naive(body)?;
    match zone {
        Some(z) => z.from_local_datetime(&naive).single().map(Parsed::Zoned),
        None => Some(Parsed::Local(naive)),
    }
}

/// Splits `2025-08-16T09:05:00+0800` into the date-time and its offset, if any.
fn split_zone(s: &str) -> (&str, Option<FixedOffset>) {
    if let Some(b) = s.strip_suffix('Z').or_else(|| s.strip_suffix("UTC")).or_else(|| s.strip_suffix("GMT")) {
        return (b.trim_end(), FixedOffset::east_opt(0));
    }
    let Some(t) = s.find('T') else { return (s, None) };
    let Some(p) = s[t..].rfind(['+', '-']).map(|p| t + p) else { return (s, None) };
    let digits: String = s[p + 1..].chars().filter(char::is_ascii_digit).collect();
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok(), Some(0)),
        4 => (digits[..2].parse::<i32>().ok(), digits[2..].parse::<i32>().ok()),
        _ => return (s, None),
    };
    let (Some(h), Some(m)) = (h, m) else { return (s, None) };
    let secs = h * 3600 + m * 60;
    let secs = if &s[p..p + 1] == "-" { -secs } else { secs };
    (s[..p].trim_end(), FixedOffset::east_opt(secs))
}

fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y/%m/%dT%H:%M:%S"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(d);
        }
    }
    let date = s.split('T').next()?;
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(date, f) {
            return Some(d.and_time(NaiveTime::MIN));
        }
    }
    None
}

/// A date in a URL path: `/2025/08/16/`, `/2025-08-16/` or `/20250816/`.
pub fn from_url_path(path: &str) -> Option<NaiveDate> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for w in segs.windows(3) {
        if let (Ok(y), Ok(m), Ok(d)) = (w[0].parse::<i32>(), w[1].parse::<u32>(), w[2].parse::<u32>()) {
            if (1995..=2100).contains(&y) && w[1].len() <= 2 {
                if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                    return Some(date);
                }
            }
        }
    }
    segs.iter().find_map(|s| {
        let head = s.get(..10).filter(|h| h.as_bytes().get(4) == Some(&b'-'))?;
        NaiveDate::parse_from_str(head, "%Y-%m-%d").ok().filter(|d| d.year_ok())
    })
}

trait YearOk {
    fn year_ok(&self) -> bool;
}

impl YearOk for NaiveDate {
    fn year_ok(&self) -> bool {
        use chrono::Datelike;
        (1995..=2100).contains(&self.year())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str, zone: Option<i32>) -> String {
        let z = zone.and_then(FixedOffset::east_opt);
        parse(s).and_then(|p| p.to_utc(z)).map(|d| d.to_rfc3339()).unwrap_or_default()
    }

    #[test]
    fn zoned_forms() {
        assert_eq!(utc("2025-08-16T09:05:00+08:00", None), "2025-08-16T01:05:00+00:00");
        assert_eq!(utc("2025-08-16T09:05:00.123+0800", None), "2025-08-16T01:05:00+00:00");
        assert_eq!(utc("2025-08-16 09:05:00Z", None), "2025-08-16T09:05:00+00:00");
        assert_eq!(utc("Sat, 16 Aug 2025 09:05:00 GMT", None), "2025-08-16T09:05:00+00:00");
        assert_eq!(utc("2025-08-16T09:05-05", None), "2025-08-16T14:05:00+00:00");
    }

    #[test]
    fn local_time_uses_the_page_zone() {
        assert_eq!(utc("2025-08-16T09:05:00", Some(2 * 3600)), "2025-08-16T07:05:00+00:00");
        assert_eq!(utc("2025-08-16T09:05:00", None), "2025-08-16T09:05:00+00:00");
        assert_eq!(utc("2025-08-16", Some(-3600)), "2025-08-16T01:00:00+00:00");
        assert!(parse("next tuesday").is_none());
    }

    #[test]
    fn url_dates() {
        assert_eq!(from_url_path("/world/2025/08/16/x/"), NaiveDate::from_ymd_opt(2025, 8, 16));
        assert_eq!(from_url_path("/2024-02-29-leap-day"), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(from_url_path("/products/1234/56/78"), None);
    }
}
