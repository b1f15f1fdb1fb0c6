//! The address guard: which hosts and addresses a fetch may connect to.
//!
//! Owns the parsed `fetch.allow_private` list, the per-URL check, and the DNS resolver that
//! reqwest consults for every connection to a named host (which addresses are public is
//! [`super::ranges`]). The resolver resolves, drops every address the guard refuses
//! and hands reqwest only the addresses it checked, so a DNS answer that changes between the
//! check and the connect (rebinding) cannot slip through: there is no second lookup.
//!
//! reqwest does not consult the resolver for IP-literal hosts, so [`Guard::check_url`] is
//! called on every hop before a request is sent. Schemes and redirects are not handled here.

use std::collections::HashSet;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::ranges::refusal;

/// Why a connection was refused. Travels through reqwest's error chain from the resolver,
/// where [`super::error`] finds it again and reports a `Blocked` error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{host}: {reason}, not in fetch.allow_private")]
pub struct Refused {
    pub host: String,
    pub reason: String,
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
    } else if raw.contains(':') {
        // Several colons: only a bare IPv6 address reads that way ("http://h:80/" is no host).
        raw.parse::<std::net::Ipv6Addr>().ok()?;
        (raw, None)
    } else {
        (raw, None)
    };
    // A URL, a path or userinfo is not a host name, and would never match one.
    if host.is_empty() || host.contains(['/', '@', '?', '#']) || host.contains(char::is_whitespace) {
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

/// Name → addresses: the system resolver in production; tests substitute a table.
pub type Lookup = Arc<dyn Fn(String) -> LookupFuture + Send + Sync>;
/// What a [`Lookup`] returns.
pub type LookupFuture = Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;

/// The system resolver (getaddrinfo on a blocking thread, through tokio).
pub fn system_lookup() -> Lookup {
    Arc::new(|host: String| {
        Box::pin(
            async move { Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.map(|a| a.ip()).collect()) },
        )
    })
}

/// The guard shared by the fetcher and its resolvers.
#[derive(Clone)]
pub struct Guard {
    allow: Arc<AllowList>,
    lookup: Lookup,
}

impl Guard {
    pub fn new(allow_private: &[String]) -> Guard {
        Guard::with_lookup(allow_private, system_lookup())
    }

    /// A guard whose resolvers ask `lookup` instead of the system resolver.
    pub fn with_lookup(allow_private: &[String], lookup: Lookup) -> Guard {
        Guard { allow: Arc::new(AllowList::new(allow_private)), lookup }
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

/// Resolves once per connection and keeps only the addresses the guard accepts.
#[derive(Clone)]
pub struct GuardResolver {
    guard: Guard,
    permissive: bool,
}

impl Resolve for GuardResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let open = self.permissive && self.guard.allow.names_host(&host);
        let lookup = self.guard.lookup.clone();
        Box::pin(async move {
            if !open && is_localhost_name(&host) {
                let reason = LOCALHOST.to_string();
                return Err(Box::new(Refused { host, reason }) as Box<dyn std::error::Error + Send + Sync>);
            }
            // The one lookup for this connection: what survives the filter is exactly what
            // reqwest connects to, so a changed answer later cannot redirect this connection.
            let addrs: Vec<SocketAddr> =
                lookup(host.clone()).await?.into_iter().map(|ip| (ip, 0).into()).collect();
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
            assert_eq!(Url::parse(u).unwrap().host(), Some(Host::Ipv4(std::net::Ipv4Addr::LOCALHOST)), "{u}");
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
        assert!(AllowList::entry_error("http://localhost:8080/").is_some());
        assert!(AllowList::entry_error("localhost/").is_some());
        assert!(AllowList::entry_error("::1").is_none());
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
