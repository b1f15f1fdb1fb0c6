//! A small robots.txt reader (RFC 9309 plus the common `Crawl-delay` extension): picks the
//! groups that name our product token (else the `*` groups), and answers whether a path may be
//! fetched. Pure: text in, rules out. Fetching and caching live in `hosts`.

use std::time::Duration;

/// Longest `Crawl-delay` we honour; longer values would stall a host's articles for minutes.
const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);
/// RFC 9309: crawlers must parse at least 500 KiB; we parse no more.
pub const MAX_BYTES: usize = 500 * 1024;

/// The rules that apply to us on one origin.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Robots {
    rules: Vec<Rule>,
    /// Everything is disallowed (robots.txt unreachable: RFC 9309 §2.3.1.4).
    deny_all: bool,
    /// `Crawl-delay` of the chosen group, capped.
    pub crawl_delay: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    allow: bool,
    pattern: String,
}

impl Robots {
    /// No robots.txt (4xx): everything allowed.
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// robots.txt unreachable (5xx, network error): nothing allowed for now.
    pub fn deny_all() -> Robots {
        Robots { deny_all: true, ..Robots::default() }
    }

    /// Parses robots.txt for the crawler whose product token is `product` (e.g. "newsd").
    pub fn parse(text: &str, product: &str) -> Robots {
        let product = product.to_ascii_lowercase();
        let text = truncate(text, MAX_BYTES);
        // Each group: its user agents, then its rules and crawl delay.
        let mut groups: Vec<(Vec<String>, Robots)> = Vec::new();
        let mut in_agents = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else { continue };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            match key.as_str() {
                "user-agent" => {
                    // Consecutive user-agent lines share one group; a user-agent line after
                    // rules starts the next group.
                    if !in_agents {
                        groups.push((Vec::new(), Robots::default()));
                        in_agents = true;
                    }
                    // "newsd/1.0" names the product "newsd": versions do not matter (RFC 9309 §2.2.1).
                    let agent = value.split('/').next().unwrap_or("").trim().to_ascii_lowercase();
                    if let Some((agents, _)) = groups.last_mut() {
                        agents.push(agent);
                    }
                }
                "allow" | "disallow" => {
                    in_agents = false;
                    let Some((_, g)) = groups.last_mut() else { continue };
                    // An empty `Disallow:` allows everything: it adds no rule.
                    if !value.is_empty() {
                        g.rules.push(Rule { allow: key == "allow", pattern: value.to_string() });
                    }
                }
                "crawl-delay" => {
                    in_agents = false;
                    let Some((_, g)) = groups.last_mut() else { continue };
                    g.crawl_delay = value
                        .parse::<f64>()
                        .ok()
                        .filter(|s| s.is_finite() && *s >= 0.0)
                        .map(|s| Duration::from_secs_f64(s.min(MAX_CRAWL_DELAY.as_secs_f64())));
                }
                // Sitemap and unknown keys neither start nor end a group.
                _ => {}
            }
        }
        // Groups naming us replace the `*` groups entirely; they do not add to them.
        let ours = merge(&groups, |a| a == product);
        ours.or_else(|| merge(&groups, |a| a == "*")).unwrap_or_default()
    }

    /// Whether `path` (path and query, e.g. "/a/b?c=d") may be fetched: the longest matching
    /// pattern decides; on a tie, allow wins; no match allows.
    pub fn allows(&self, path: &str) -> bool {
        if self.deny_all {
            return false;
        }
        // RFC 9309 §2.2.2: /robots.txt itself is always allowed.
        if path == "/robots.txt" {
            return true;
        }
        let mut best: Option<(usize, bool)> = None;
        for rule in &self.rules {
            if matches(rule.pattern.as_bytes(), path.as_bytes()) {
                let len = rule.pattern.len();
                best = match best {
                    Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                    _ => Some((len, rule.allow)),
                };
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// All groups whose agents satisfy `pick`, merged into one (RFC 9309 §2.2.1), or None.
fn merge(groups: &[(Vec<String>, Robots)], pick: impl Fn(&str) -> bool) -> Option<Robots> {
    let mut out: Option<Robots> = None;
    for (agents, g) in groups.iter().filter(|(agents, _)| agents.iter().any(|a| pick(a))) {
        debug_assert!(!agents.is_empty());
        let o = out.get_or_insert_with(Robots::default);
        o.rules.extend(g.rules.iter().cloned());
        o.crawl_delay = o.crawl_delay.max(g.crawl_delay);
    }
    out
}

/// Does `pattern` (with `*` = any run, trailing `$` = end) match a prefix of `path`?
fn matches(pattern: &[u8], path: &[u8]) -> bool {
    let (pattern, anchored) = match pattern.split_last() {
        Some((b'$', rest)) => (rest, true),
        _ => (pattern, false),
    };
    // Iterative wildcard matching with backtracking to the last `*` (linear in practice).
    let (mut p, mut s) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p == pattern.len() {
            if !anchored || s == path.len() {
                return true;
            }
        } else if pattern[p] == b'*' {
            star = Some((p, s));
            p += 1;
            continue;
        } else if s < path.len() && pattern[p] == path[s] {
            p += 1;
            s += 1;
            continue;
        }
        // Mismatch (or anchored end not reached): let the last `*` swallow one more byte.
        match star {
            Some((sp, ss)) if ss < path.len() => {
                star = Some((sp, ss + 1));
                p = sp + 1;
                s = ss + 1;
            }
            _ => return false,
        }
    }
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    const TXT: &str = "\
# example
User-agent: *
Disallow: /private/
Allow: /private/press/
Crawl-delay: 2

User-agent: OtherBot
User-agent: newsd/1.0
Disallow: /news/draft*
Disallow: /*.pdf$
Crawl-delay: 5.5

User-agent: newsd
Disallow: /tmp
Sitemap: https://example.org/sitemap.xml
";

    #[test]
    fn our_groups_are_merged_and_win_over_the_wildcard() {
        let r = Robots::parse(TXT, "newsd");
        assert!(r.allows("/private/x"), "the * group does not apply to us");
        assert!(!r.allows("/news/draft-1"));
        assert!(r.allows("/news/final"));
        assert!(!r.allows("/files/a.pdf"));
        assert!(r.allows("/files/a.pdf?x=1"), "$ anchors the end");
        assert!(!r.allows("/tmp/x"), "second group for the same agent is merged");
        assert_eq!(r.crawl_delay, Some(Duration::from_millis(5500)));
    }

    #[test]
    fn other_crawlers_get_the_wildcard_group() {
        let r = Robots::parse(TXT, "somebot");
        assert!(!r.allows("/private/x"));
        assert!(r.allows("/private/press/release"), "longest match wins: allow");
        assert!(r.allows("/news/draft-1"));
        assert_eq!(r.crawl_delay, Some(Duration::from_secs(2)));
    }

    #[test]
    fn edge_cases() {
        assert!(Robots::parse("", "newsd").allows("/a"));
        assert!(Robots::parse("User-agent: *\nDisallow:\n", "newsd").allows("/a"));
        assert!(!Robots::parse("User-agent: *\nDisallow: /\n", "newsd").allows("/a"));
        assert!(Robots::parse("User-agent: *\nDisallow: /\n", "newsd").allows("/robots.txt"));
        let tie = Robots::parse("User-agent: *\nDisallow: /a\nAllow: /a\n", "newsd");
        assert!(tie.allows("/a/b"), "tie goes to allow");
        let big = Robots::parse("User-agent: *\nCrawl-delay: 3600\n", "newsd");
        assert_eq!(big.crawl_delay, Some(MAX_CRAWL_DELAY));
        assert!(!Robots::deny_all().allows("/"));
        assert!(Robots::allow_all().allows("/"));
    }

    #[test]
    fn wildcards() {
        assert!(matches(b"/a*c", b"/abbbc/d"));
        assert!(matches(b"*", b"/"));
        assert!(!matches(b"/a*c$", b"/abcd"));
        assert!(matches(b"/a*c$", b"/abcdc"));
        assert!(!matches(b"/b", b"/a"));
        assert!(matches(b"/*/x", b"/q/r/x"));
    }
}
