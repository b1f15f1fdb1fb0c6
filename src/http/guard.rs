//! The address guard: which hosts and addresses a fetch may connect to.
//!
//! Owns three things: the deny table (a pure classification of IP addresses), the parsed
//! `fetch.allow_private` list, and the DNS resolver that reqwest consults for every
//! connection to a named host. The resolver resolves, drops every address the guard refuses
//! and hands reqwest only the addresses it checked, so a DNS answer that changes between the
//! check and the connect (rebinding) cannot slip through: there is no second lookup.
//!
//! reqwest does not consult the resolver for IP-literal hosts, so [`Guard::check_url`] is
//! called on every hop before a request is sent. Schemes and redirects are not handled here.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Why a connection was refused. Travels through reqwest's error chain from the resolver,
/// where [`super::error`] finds it again and reports a `Blocked` error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{host}: {reason}")]
pub struct Refused {
    pub host: String,
    pub reason: String,
}

/// Classifies an address: `None` for a public unicast address, else why it is refused.
///
/// IPv6 is allowed only inside global unicast 2000::/3, minus the ranges below that embed
/// IPv4 addresses or are reserved; everything outside it (`::`, `::1`, IPv4-mapped and
/// -compatible, NAT64, unique-local, link-local, multicast) is refused.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => refusal_v6(v6),
    }
}

/// The IPv4 deny table: (network, prefix length, reason).
const V4_DENY: &[([u8; 4], u8, &str)] = &[
    ([0, 0, 0, 0], 8, "\"this\" network (0.0.0.0/8)"),
    ([10, 0, 0, 0], 8, "private (10/8)"),
    ([100, 64, 0, 0], 10, "shared address space / CGNAT (100.64/10)"),
    ([127, 0, 0, 0], 8, "loopback (127/8)"),
    ([169, 254, 0, 0], 16, "link-local / cloud metadata (169.254/16)"),
    ([172, 16, 0, 0], 12, "private (172.16/12)"),
    ([192, 0, 0, 0], 24, "IETF protocol assignments (192.0.0/24)"),
    ([192, 0, 2, 0], 24, "documentation (192.0.2/24)"),
    ([192, 88, 99, 0], 24, "6to4 relay anycast (192.88.99/24)"),
    ([192, 168, 0, 0], 16, "private (192.168/16)"),
    ([198, 18, 0, 0], 15, "benchmarking (198.18/15)"),
    ([198, 51, 100, 0], 24, "documentation (198.51.100/24)"),
    ([203, 0, 113, 0], 24, "documentation (203.0.113/24)"),
    ([224, 0, 0, 0], 4, "multicast (224/4)"),
    ([240, 0, 0, 0], 4, "reserved or broadcast (240/4)"),
];

/// Ranges inside 2000::/3 that are refused: (network, prefix length, reason).
const V6_DENY: &[([u16; 8], u8, &str)] = &[
    ([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, "Teredo (2001::/32)"),
    ([0x2001, 0x0002, 0, 0, 0, 0, 0, 0], 48, "benchmarking (2001:2::/48)"),
    ([0x2001, 0x0010, 0, 0, 0, 0, 0, 0], 28, "ORCHID (2001:10::/28)"),
    ([0x2001, 0x0db8, 0, 0, 0, 0, 0, 0], 32, "documentation (2001:db8::/32)"),
    ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4 (2002::/16)"),
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation (3fff::/20)"),
];

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let bits = u32::from(ip);
    V4_DENY.iter().find(|(net, len, _)| in_prefix(bits, u32::from_be_bytes(*net), *len)).map(|d| d.2)
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(ip);
    // Name the common non-global cases precisely; they are what an attacker spells.
    let named: Option<&'static str> = match ip.segments() {
        [0, 0, 0, 0, 0, 0, 0, 0] => Some("unspecified (::)"),
        [0, 0, 0, 0, 0, 0, 0, 1] => Some("loopback (::1)"),
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some("IPv4-mapped IPv6 (::ffff:0:0/96)"),
        [0, 0, 0, 0, 0, 0, _, _] => Some("IPv4-compatible IPv6 (::/96)"),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some("NAT64 (64:ff9b::/96)"),
        [0x64, 0xff9b, 1, ..] => Some("local NAT64 (64:ff9b:1::/48)"),
        [s, ..] if s & 0xfe00 == 0xfc00 => Some("unique-local (fc00::/7)"),
        [s, ..] if s & 0xffc0 == 0xfe80 => Some("link-local (fe80::/10)"),
        [s, ..] if s & 0xffc0 == 0xfec0 => Some("site-local (fec0::/10)"),
        [s, ..] if s & 0xff00 == 0xff00 => Some("multicast (ff00::/8)"),
        _ => None,
    };
    if named.is_some() {
        return named;
    }
    if !in_prefix128(bits, 0x2000 << 112, 3) {
        return Some("not global unicast (outside 2000::/3)");
    }
    V6_DENY
        .iter()
        .find(|(net, len, _)| in_prefix128(bits, u128::from(Ipv6Addr::from(*net)), *len))
        .map(|d| d.2)
}

fn in_prefix(addr: u32, net: u32, len: u8) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
    addr & mask == net & mask
}

fn in_prefix128(addr: u128, net: u128, len: u8) -> bool {
    let mask = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) };
    addr & mask == net & mask
}

/// One `fetch.allow_private` entry: a host, and optionally the only port it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowEntry {
    host: String,
    port: Option<u16>,
}

/// The parsed `fetch.allow_private` list.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    entries: Vec<AllowEntry>,
}

impl AllowList {
    /// Parses "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 address. Entries that
    /// cannot be parsed allow nothing (config validation is the place to reject them).
    pub fn new(raw: &[String]) -> AllowList {
        AllowList { entries: raw.iter().filter_map(|s| parse_entry(s)).collect() }
    }

    /// Why an entry cannot be used, for config validation (`None`: it is fine).
    pub fn entry_error(raw: &str) -> Option<&'static str> {
        match parse_entry(raw) {
            Some(_) => None,
            None => Some("expected \"host\", \"host:port\", \"[ipv6]\" or \"[ipv6]:port\""),
        }
    }

    /// Whether `url`'s host and port match an entry ("host" matches any port).
    pub fn allows(&self, url: &Url) -> bool {
        let (Some(host), Some(port)) = (url.host().map(host_key), url.port_or_known_default()) else {
            return false;
        };
        self.entries.iter().any(|e| e.host == host && e.port.is_none_or(|p| p == port))
    }

    /// Whether any entry names this host (for the resolver, which never sees the port).
    fn names_host(&self, name: &str) -> bool {
        let key = normalize_name(name);
        self.entries.iter().any(|e| e.host == key)
    }
}

fn parse_entry(raw: &str) -> Option<AllowEntry> {
    let raw = raw.trim();
    let (host, port) = if let Some(rest) = raw.strip_prefix('[') {
        let (h, tail) = rest.split_once(']')?;
        let port = match tail.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if tail.is_empty() => None,
            None => return None,
        };
        (h, port)
    } else if raw.matches(':').count() == 1 {
        let (h, p) = raw.split_once(':')?;
        (h, Some(p.parse().ok()?))
    } else {
        (raw, None)
    };
    if host.is_empty() {
        return None;
    }
    // Spell IP literals the way `url` does so "::1" matches "[::1]" and "127.1" stays odd.
    let host = match host.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => normalize_name(host),
    };
    Some(AllowEntry { host, port })
}

/// Lower case, without one trailing dot: "LocalHost." and "localhost" are the same host.
fn normalize_name(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

fn host_key(host: Host<&str>) -> String {
    match host {
        Host::Domain(d) => normalize_name(d),
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => ip.to_string(),
    }
}

/// The guard shared by the fetcher and its resolvers.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    allow: Arc<AllowList>,
}

impl Guard {
    pub fn new(allow_private: &[String]) -> Guard {
        Guard { allow: Arc::new(AllowList::new(allow_private)) }
    }

    /// Whether `url` is on the allow list (may reach non-public addresses).
    pub fn allows(&self, url: &Url) -> bool {
        self.allow.allows(url)
    }

    /// Checks the host of `url` before a request is sent: an IP literal must be public unless
    /// allowed. Named hosts pass here and are checked by the resolver after resolution.
    pub fn check_url(&self, url: &Url) -> Result<(), Refused> {
        let ip = match url.host() {
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
            Some(Host::Domain(d)) if is_localhost_name(d) && !self.allows(url) => {
                return Err(Refused { host: d.to_string(), reason: LOCALHOST.into() });
            }
            Some(Host::Domain(_)) => return Ok(()),
            None => return Err(Refused { host: String::new(), reason: "URL has no host".into() }),
        };
        match refusal(ip) {
            Some(reason) if !self.allows(url) => Err(Refused { host: describe(ip), reason: reason.into() }),
            _ => Ok(()),
        }
    }

    /// A resolver for reqwest. `permissive` resolvers let hosts named on the allow list
    /// resolve to non-public addresses; the fetcher uses one only for allowed URLs, because a
    /// resolver sees the host name but not the port.
    pub fn resolver(&self, permissive: bool) -> GuardResolver {
        GuardResolver { guard: self.clone(), permissive }
    }
}

/// Reason given for `localhost` names.
const LOCALHOST: &str = "localhost name (RFC 6761)";

/// `localhost` and `*.localhost`, with or without the trailing dot: loopback by definition
/// (RFC 6761), refused without asking DNS, which may not know "localhost." at all.
fn is_localhost_name(name: &str) -> bool {
    let n = normalize_name(name);
    n == "localhost" || n.ends_with(".localhost")
}

/// "127.0.0.1", or "::ffff:127.0.0.1 (127.0.0.1)" for an IPv6 spelling of an IPv4 address.
fn describe(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_canonical() {
            IpAddr::V4(v4) => format!("{v6} ({v4})"),
            IpAddr::V6(_) => v6.to_string(),
        },
        IpAddr::V4(_) => ip.to_string(),
    }
}

/// Resolves with the system resolver and keeps only the addresses the guard accepts.
#[derive(Debug, Clone)]
pub struct GuardResolver {
    guard: Guard,
    permissive: bool,
}

impl Resolve for GuardResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let open = self.permissive && self.guard.allow.names_host(&host);
        Box::pin(async move {
            if !open && is_localhost_name(&host) {
                let reason = LOCALHOST.to_string();
                return Err(Box::new(Refused { host, reason }) as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (kept, reason) = filter(addrs, open);
            if kept.is_empty() {
                let reason = match reason {
                    Some(r) => format!("resolves only to refused addresses ({r})"),
                    None => "resolves to no address".to_string(),
                };
                return Err(Box::new(Refused { host, reason }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// Drops refused addresses (unless `open`), deduplicated, in resolver order; returns the
/// first refusal reason seen, for the error when nothing is left.
fn filter(addrs: Vec<SocketAddr>, open: bool) -> (Vec<SocketAddr>, Option<&'static str>) {
    let mut seen = HashSet::new();
    let mut first_reason = None;
    let mut kept = Vec::new();
    for addr in addrs {
        match refusal(addr.ip()) {
            Some(reason) if !open => {
                first_reason.get_or_insert(reason);
            }
            _ => {
                if seen.insert(addr) {
                    kept.push(addr);
                }
            }
        }
    }
    (kept, first_reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(s: &str) -> bool {
        refusal(s.parse().unwrap()).is_some()
    }

    #[test]
    fn ipv4_deny_table_covers_every_special_range() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.255.255",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(refused(ip), "{ip} must be refused");
        }
        for ip in ["1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.32.0.1", "93.184.216.34"] {
            assert!(!refused(ip), "{ip} is public");
        }
    }

    #[test]
    fn ipv6_refuses_everything_but_global_unicast() {
        for ip in [
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2001::1",
            "2001:db8::1",
            "3fff::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "100::1",
        ] {
            assert!(refused(ip), "{ip} must be refused");
        }
        for ip in ["2606:4700:4700::1111", "2a00:1450:4001::200e", "2001:4860:4860::8888"] {
            assert!(!refused(ip), "{ip} is public");
        }
    }

    #[test]
    fn mapped_loopback_is_named_with_its_ipv4_form() {
        let guard = Guard::new(&[]);
        let err = guard.check_url(&Url::parse("http://[::ffff:127.0.0.1]/").unwrap()).unwrap_err();
        assert!(err.host.contains("127.0.0.1"), "{err}");
        assert!(err.reason.contains("IPv4-mapped"), "{err}");
    }

    #[test]
    fn url_spellings_of_internal_hosts_are_refused_before_sending() {
        let guard = Guard::new(&[]);
        for u in [
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://0/",
            "http://[::]/",
            "http://[::1]:8080/",
            "http://evil@127.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.100.100.200/",
            "http://[fd00::1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "https://10.0.0.1/",
        ] {
            assert!(guard.check_url(&Url::parse(u).unwrap()).is_err(), "{u} must be refused");
        }
        assert!(guard.check_url(&Url::parse("http://93.184.216.34/").unwrap()).is_ok());
        // localhost names are refused without DNS; other names are the resolver's job.
        for u in ["http://localhost./", "http://LOCALHOST:8080/", "http://a.b.localhost/"] {
            assert!(guard.check_url(&Url::parse(u).unwrap()).is_err(), "{u} must be refused");
        }
        assert!(guard.check_url(&Url::parse("http://localhostx.example/").unwrap()).is_ok());
    }

    /// The URL parser turns every odd spelling of 127.0.0.1 into the IP literal, so none of
    /// them reaches DNS (and the hostile tests that use them never leave the machine).
    #[test]
    fn odd_spellings_parse_to_ip_literals() {
        for u in [
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://0x7f.0.0.01/",
            "http://%31%32%37.0.0.1/",
            "http://\u{ff11}\u{ff12}\u{ff17}.\u{ff10}.\u{ff10}.\u{ff11}/",
            "http://127.0.0.1./",
            "http://evil@127.0.0.1/",
        ] {
            assert_eq!(Url::parse(u).unwrap().host(), Some(Host::Ipv4(Ipv4Addr::LOCALHOST)), "{u}");
        }
        let v6 = Url::parse("http://[0:0:0:0:0:ffff:127.0.0.1]/").unwrap();
        assert!(matches!(v6.host(), Some(Host::Ipv6(_))));
    }

    #[test]
    fn allow_list_matches_host_or_host_and_port() {
        let list = AllowList::new(&[
            "127.0.0.1:8080".into(),
            "LocalHost.".into(),
            "[::1]:9000".into(),
            "10.0.0.5".into(),
            "bad:port:entry:x".into(),
            "nope:notaport".into(),
        ]);
        let ok = |u: &str| list.allows(&Url::parse(u).unwrap());
        assert!(ok("http://127.0.0.1:8080/x"));
        assert!(!ok("http://127.0.0.1:8081/x"));
        assert!(!ok("http://127.0.0.1/x"), "default port 80 is not 8080");
        assert!(ok("http://localhost/"));
        assert!(ok("https://localhost.:1234/"));
        assert!(ok("http://[::1]:9000/"));
        assert!(!ok("http://[::1]:9001/"));
        assert!(ok("http://10.0.0.5:1/"));
        assert!(!ok("http://2130706433:8081/"));
        assert!(ok("http://2130706433:8080/"), "same host, other spelling");
        assert!(!list.names_host("127.0.0.2"));
        assert!(AllowList::entry_error("nope:notaport").is_some());
        assert!(AllowList::entry_error("[::1]x").is_some());
        assert!(AllowList::entry_error("").is_some());
        assert!(AllowList::entry_error("127.0.0.1:8080").is_none());
        assert!(list.names_host("LOCALHOST"));
    }

    #[test]
    fn allowed_ip_literals_pass_the_url_check() {
        let guard = Guard::new(&["127.0.0.1:8080".into()]);
        assert!(guard.check_url(&Url::parse("http://127.0.0.1:8080/").unwrap()).is_ok());
        assert!(guard.check_url(&Url::parse("http://127.0.0.1:8081/").unwrap()).is_err());
    }

    #[test]
    fn filter_keeps_only_public_addresses_unless_open() {
        let addrs: Vec<SocketAddr> =
            ["127.0.0.1:0", "8.8.8.8:0", "[::1]:0", "8.8.8.8:0"].iter().map(|s| s.parse().unwrap()).collect();
        let (kept, reason) = filter(addrs.clone(), false);
        assert_eq!(kept, vec!["8.8.8.8:0".parse().unwrap()]);
        assert_eq!(reason, Some("loopback (127/8)"));
        let (kept, _) = filter(addrs, true);
        assert_eq!(kept.len(), 3);
        let (kept, reason) = filter(vec!["10.0.0.1:0".parse().unwrap()], false);
        assert!(kept.is_empty() && reason.is_some());
    }

    #[tokio::test]
    async fn resolver_refuses_localhost_unless_allowed() {
        let guard = Guard::new(&["localhost".into()]);
        let strict = guard.resolver(false).resolve("localhost".parse().unwrap()).await;
        let err = strict.err().expect("strict resolver must refuse localhost");
        assert!(err.downcast_ref::<Refused>().is_some(), "{err}");
        let open = guard.resolver(true).resolve("localhost".parse().unwrap()).await.expect("allowed");
        assert!(open.into_iter().all(|a| a.ip().is_loopback()));
        // Permissive resolvers still refuse names that are not on the list.
        let other = Guard::new(&["example.invalid".into()]).resolver(true);
        assert!(other.resolve("localhost".parse().unwrap()).await.is_err());
    }
}
