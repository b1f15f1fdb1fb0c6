//! Scheduling hints a feed gives about itself, found by a light scan of the raw document
//! (feed-rs exposes only some of them, and none of a document it rejects): RSS `<ttl>`,
//! `<skipHours>`, `<skipDays>`, the syndication module's `sy:updatePeriod`/`sy:updateFrequency`,
//! and the WebSub `hub` and `self` links. Owns the reading of these values; what they mean for
//! the schedule is the scheduler's business.

use std::time::Duration;

use chrono::Weekday;

/// What a feed says about how often to poll it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hints {
    pub ttl: Option<Duration>,
    pub skip_hours: Vec<u8>,
    pub skip_days: Vec<Weekday>,
    pub update_period: Option<Duration>,
    pub hub: Option<String>,
    pub self_url: Option<String>,
}

/// Longest accepted hint interval (a `ttl` of years is a typo, not a schedule).
pub const MAX_HINT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Scans `text` (the whole document; the elements sit outside items) for the hints.
pub fn scan(text: &str) -> Hints {
    // Hints live in the channel head; items can be many megabytes, so stop at the first one
    // unless the channel elements come after the items (some feeds put them last).
    let Some(first) = first_item(text) else {
        // no items: the channel head is still near the start, 256 KiB is plenty
        let mut end = text.len().min(256 * 1024);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        return scan_part(&text[..end]);
    };
    let h = scan_part(&text[..first]);
    if h == Hints::default() {
        return scan_part(last_channel_part(text));
    }
    h
}

/// The hints found in one part of the document; values that make no sense are left out.
fn scan_part(text: &str) -> Hints {
    // <ttl> is in minutes
    let ttl =
        inner(text, "ttl").next().and_then(|v| v.trim().parse::<u64>().ok()).map(|m| m.saturating_mul(60));
    // RSS 2.0: hours 0–23 (GMT) and English day names
    let skip_hours = block(text, "skipHours")
        // some feeds count 1–24: 24 is midnight
        .map(|b| {
            inner(b, "hour")
                .filter_map(|h| h.trim().parse::<u8>().ok())
                .filter(|h| *h <= 24)
                .map(|h| h % 24)
                .collect::<std::collections::BTreeSet<u8>>()
                .into_iter()
                .collect()
        })
        .unwrap_or_default();
    let skip_days = block(text, "skipDays")
        .map(|b| inner(b, "day").filter_map(|d| d.trim().parse::<Weekday>().ok()).collect())
        .unwrap_or_default();
    // The syndication module: updatePeriod (default daily) divided by updateFrequency
    // (default 1); a frequency alone says nothing, so it is not used without a period.
    let period = inner(text, "updatePeriod").next().and_then(|p| match p.trim() {
        "hourly" => Some(3600u64),
        "daily" => Some(86_400),
        "weekly" => Some(7 * 86_400),
        "monthly" => Some(30 * 86_400),
        "yearly" => Some(365 * 86_400),
        _ => None,
    });
    let frequency =
        inner(text, "updateFrequency").next().and_then(|f| f.trim().parse::<u64>().ok()).filter(|f| *f > 0);
    let update_period = period.map(|p| p / frequency.unwrap_or(1));
    let bounded = |s: u64| Duration::from_secs(s).min(MAX_HINT);
    // zero means "no hint", not "poll continuously"
    Hints {
        ttl: ttl.filter(|t| *t > 0).map(bounded),
        skip_hours,
        skip_days,
        update_period: update_period.filter(|p| *p > 0).map(bounded),
        hub: link_rel(text, "hub"),
        self_url: link_rel(text, "self"),
    }
}

/// Byte offset of the first `<item` or `<entry` start tag (a plain substring search: the
/// document may be megabytes of markup).
fn first_item(text: &str) -> Option<usize> {
    let first = |tag: &str| {
        text.match_indices(tag).map(|(at, _)| at).find(|&at| {
            matches!(text.as_bytes().get(at + tag.len()), Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/'))
        })
    };
    [first("<item"), first("<entry")].into_iter().flatten().min()
}

/// What follows the last item's end tag.
fn last_channel_part(text: &str) -> &str {
    let at = ["</item>", "</entry>"].iter().filter_map(|t| text.rfind(t)).max().unwrap_or(0);
    &text[at..]
}

/// Start tags named `local` (with any namespace prefix): (offset of `<`, offset after `>`).
fn starts<'a>(text: &'a str, local: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
    let mut from = 0;
    let bytes = text.as_bytes();
    std::iter::from_fn(move || loop {
        let lt = from + text.get(from..)?.find('<')?;
        from = lt + 1;
        // names are short: look no further than 64 bytes, so a run of `<` stays linear
        let window = &bytes[from..bytes.len().min(from + 64)];
        let Some(len) =
            window.iter().position(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/' | b'<'))
        else {
            continue;
        };
        let name_end = from + len;
        let name = &text[from..name_end];
        let name_local = name.rsplit_once(':').map_or(name, |(_, l)| l);
        if name_local == local {
            let gt = name_end + text[name_end..].find('>')?;
            return Some((lt, gt + 1));
        }
    })
}

/// The text inside each `<local>…</local>` (any prefix), CDATA markers removed.
fn inner<'a>(text: &'a str, local: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    starts(text, local).filter_map(move |(lt, after)| {
        if text[lt..after].ends_with("/>") {
            return None;
        }
        let end = after + text[after..].find("</")?;
        let body = &text[after..end];
        Some(body.trim().strip_prefix("<![CDATA[").and_then(|b| b.strip_suffix("]]>")).unwrap_or(body))
    })
}

/// The content of the first `<local>…</local>` block.
fn block<'a>(text: &'a str, local: &str) -> Option<&'a str> {
    let (_, after) = starts(text, local).next()?;
    let close = format!("{local}>");
    let end = after + text[after..].find(&close)?;
    Some(&text[after..end])
}

/// `href` of the first `<link rel="{rel}" …>` (Atom or `atom:link`).
fn link_rel(text: &str, rel: &str) -> Option<String> {
    starts(text, "link").find_map(|(lt, after)| {
        let tag = &text[lt..after];
        (attr(tag, "rel")? == rel)
            .then(|| attr(tag, "href"))
            .flatten()
            .map(|h| h.trim().replace("&amp;", "&"))
    })
}

/// The value of attribute `name` in a start tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(p) = tag.get(from..)?.find(name) {
        let at = from + p;
        from = at + name.len();
        let before_ok = tag[..at].ends_with(|c: char| c.is_whitespace());
        let rest = tag[from..].trim_start();
        if let (true, Some(rest)) = (before_ok, rest.strip_prefix('=')) {
            let rest = rest.trim_start();
            let q = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            return rest[1..].find(q).map(|e| &rest[1..1 + e]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_hint() {
        let doc = r#"<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
            xmlns:atom="http://www.w3.org/2005/Atom"><channel><ttl>45</ttl>
            <atom:link rel="self" href="https://e.org/feed?a=1&amp;b=2"/><atom:link rel='hub' href='https://hub.e.org/'/>
            <skipHours><hour>0</hour><hour>1</hour><hour>99</hour></skipHours>
            <skipDays><day>Saturday</day><day>Sunday</day></skipDays>
            <sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>
            <item><ttl>1</ttl></item></channel></rss>"#;
        let h = scan(doc);
        assert_eq!(h.ttl, Some(Duration::from_secs(2700)));
        assert_eq!(h.skip_hours, vec![0, 1]);
        assert_eq!(h.skip_days, vec![Weekday::Sat, Weekday::Sun]);
        assert_eq!(h.update_period, Some(Duration::from_secs(1800)));
        assert_eq!(h.hub.as_deref(), Some("https://hub.e.org/"));
        assert_eq!(h.self_url.as_deref(), Some("https://e.org/feed?a=1&b=2"));
    }

    #[test]
    fn nothing_and_nonsense() {
        assert_eq!(scan("<feed><entry/></feed>"), Hints::default());
        let h = scan("<rss><channel><ttl>-5</ttl><ttl>9999999</ttl><sy:updatePeriod>often</sy:updatePeriod>");
        assert_eq!(h.ttl, None);
        assert_eq!(h.update_period, None);
        assert_eq!(scan("<rss><channel><ttl>99999</ttl>").ttl, Some(MAX_HINT));
    }
}
