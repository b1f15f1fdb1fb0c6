//! Every way a fetch can fail ([`FetchError`]), the one function that sorts a failure into a
//! [`Category`] for logs, records and backoff, and the escaping that keeps server-supplied
//! text from injecting lines or terminal escapes into logs.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt::Write as _;
use std::time::Duration;

use super::guard::Refused;

/// Every way a fetch can fail, one category each (for logs, records, backoff).
///
/// Messages are single lines: URLs come from `url` (which percent-encodes controls) and any
/// other text that may come from a server goes through [`escape`].
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The guard refused the URL, an address it resolves to, or its scheme.
    #[error("{url}: refused: {reason}")]
    Blocked { url: String, reason: String },
    /// A status other than 200/304 (after redirects).
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16, retry_after: Option<Duration> },
    /// Connect, time to headers, a stalled read or the overall deadline ran out.
    #[error("{url}: timed out")]
    Timeout { url: String },
    /// The body (on the wire or decoded) exceeded the cap.
    #[error("{url}: body larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: too many redirects")]
    TooManyRedirects { url: String },
    /// A redirect led back to a URL already visited in this fetch.
    #[error("{url}: redirect loop")]
    RedirectLoop { url: String },
    /// A redirect without a usable `Location`.
    #[error("{url}: bad redirect: {reason}")]
    BadRedirect { url: String, reason: String },
    /// Any other transport failure; the message names the root cause.
    #[error("{url}: {}", summary(.source))]
    Network {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: {source}")]
    File {
        url: String,
        #[source]
        source: std::io::Error,
    },
}

/// One category per failure, for logs and backoff decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Blocked,
    Timeout,
    TooLarge,
    TooManyRedirects,
    RedirectLoop,
    BadRedirect,
    /// Name resolution failed.
    Dns,
    /// TCP connect refused, reset or unreachable.
    Connect,
    Tls,
    /// A malformed response: bad status line, too many or too large headers, truncated body.
    Protocol,
    /// A body that does not decode as its `Content-Encoding` says.
    Decode,
    /// Any other transport failure.
    Network,
    Unauthorized,
    Forbidden,
    NotFound,
    Gone,
    TooManyRequests,
    ServerError,
    /// Any other non-success status.
    HttpStatus,
    File,
}

impl Category {
    /// A stable snake_case name for logs and records.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Blocked => "blocked",
            Category::Timeout => "timeout",
            Category::TooLarge => "too_large",
            Category::TooManyRedirects => "too_many_redirects",
            Category::RedirectLoop => "redirect_loop",
            Category::BadRedirect => "bad_redirect",
            Category::Dns => "dns",
            Category::Connect => "connect",
            Category::Tls => "tls",
            Category::Protocol => "protocol",
            Category::Decode => "decode",
            Category::Network => "network",
            Category::Unauthorized => "http_401",
            Category::Forbidden => "http_403",
            Category::NotFound => "http_404",
            Category::Gone => "http_410",
            Category::TooManyRequests => "http_429",
            Category::ServerError => "http_5xx",
            Category::HttpStatus => "http_status",
            Category::File => "file",
        }
    }

    /// Whether trying again later may succeed (back off and retry) rather than the URL being
    /// wrong or refused for good.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Category::Timeout
                | Category::Dns
                | Category::Connect
                | Category::Network
                | Category::Protocol
                | Category::TooManyRequests
                | Category::ServerError
        )
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FetchError {
    /// The server asked us to come back later (429/503 with Retry-After).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status, when the failure was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The one category of this failure.
    pub fn category(&self) -> Category {
        match self {
            FetchError::Blocked { .. } => Category::Blocked,
            FetchError::Timeout { .. } => Category::Timeout,
            FetchError::TooLarge { .. } => Category::TooLarge,
            FetchError::TooManyRedirects { .. } => Category::TooManyRedirects,
            FetchError::RedirectLoop { .. } => Category::RedirectLoop,
            FetchError::BadRedirect { .. } => Category::BadRedirect,
            FetchError::File { .. } => Category::File,
            FetchError::Status { status, .. } => status_category(*status),
            FetchError::Network { source, .. } => network_category(source),
        }
    }

    /// Turns a reqwest error into the matching variant: a guard refusal from the resolver
    /// becomes `Blocked`, any timeout `Timeout`, the rest `Network`.
    pub(crate) fn from_reqwest(url: &str, e: reqwest::Error) -> FetchError {
        if let Some(r) = find::<Refused>(&e) {
            return FetchError::Blocked { url: url.to_string(), reason: escape(&r.to_string()).into_owned() };
        }
        if e.is_timeout()
            || find::<std::io::Error>(&e).is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return FetchError::Timeout { url: url.to_string() };
        }
        FetchError::Network { url: url.to_string(), source: e }
    }
}

fn status_category(status: u16) -> Category {
    match status {
        401 => Category::Unauthorized,
        403 => Category::Forbidden,
        404 => Category::NotFound,
        410 => Category::Gone,
        429 => Category::TooManyRequests,
        500..=599 => Category::ServerError,
        _ => Category::HttpStatus,
    }
}

fn network_category(e: &reqwest::Error) -> Category {
    // reqwest reports every body error as "decode" once decompression is built in, so look
    // for the transport's own error first: only a body without one failed to decode.
    if find::<rustls::Error>(e).is_some() {
        Category::Tls
    } else if let Some(h) = find::<hyper::Error>(e) {
        let eof = find::<std::io::Error>(h).is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof);
        if h.is_parse() || h.is_parse_status() || h.is_incomplete_message() || eof {
            Category::Protocol // malformed head, or a body cut short of its announced length
        } else {
            Category::Network
        }
    } else if e.is_connect() {
        // hyper-util reports resolver failures as connect errors whose message says so.
        if chain(e).any(|c| c.to_string().starts_with("dns error")) {
            Category::Dns
        } else {
            Category::Connect
        }
    } else if e.is_decode() {
        Category::Decode
    } else if e.is_body() {
        Category::Protocol
    } else {
        Category::Network
    }
}

/// "what went wrong: root cause", e.g. "malformed response: message head is too large".
/// reqwest's own top-level messages repeat the URL and hide the cause, so they are skipped.
fn summary(e: &reqwest::Error) -> String {
    let what = match network_category(e) {
        Category::Tls => "TLS failed",
        Category::Protocol => "malformed response",
        Category::Dns => "name resolution failed",
        Category::Connect => "connect failed",
        Category::Decode => "body does not decode as its Content-Encoding says",
        _ => "connection failed",
    };
    let root = chain(e).last().map(|c| c.to_string()).unwrap_or_default();
    escape(&format!("{what}: {root}")).into_owned()
}

/// The error and its sources, looking inside `io::Error`s too (their `source()` skips the
/// wrapped error itself, which is where rustls and hyper put theirs).
fn chain<'a>(e: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next = Some(e);
    std::iter::from_fn(move || {
        let cur = next?;
        next = match cur.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => cur.source(),
        };
        Some(cur)
    })
}

/// The first error of type `T` in the chain of `e`.
fn find<'a, T: StdError + 'static>(e: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    chain(e).find_map(|c| c.downcast_ref::<T>())
}

/// Escapes control characters (C0, DEL, C1) and the Unicode line/paragraph separators and
/// bidi overrides, so a server-supplied string stays on one line and cannot restyle a
/// terminal. Returns the input unchanged when there is nothing to escape.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A URL as shown in errors and logs: escaped, and clipped so a 400 KB `Location` cannot
/// flood a log line.
pub(crate) fn shown(url: &url::Url) -> String {
    clip(&escape(url.as_str()), MAX_SHOWN)
}

/// Longest URL or server-supplied text an error message quotes, in characters.
pub(crate) const MAX_SHOWN: usize = 512;

/// `s`, cut at `max` characters with a note of how much was left out.
pub(crate) fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}… ({} more bytes)", &s[..cut], s.len() - cut),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_messages_on_one_line() {
        assert!(matches!(escape("plain text, ünïcode"), Cow::Borrowed(_)));
        let e = escape("a\r\nINFO forged line\x1b[31mred\x7f\u{85}\u{2028}\u{202e}z");
        assert_eq!(e, "a\\r\\nINFO forged line\\u{1b}[31mred\\u{7f}\\u{85}\\u{2028}\\u{202e}z");
        assert!(!e.chars().any(char::is_control));
    }

    #[test]
    fn statuses_map_to_one_category_each() {
        let st = |s| FetchError::Status { url: "u".into(), status: s, retry_after: None }.category();
        assert_eq!(st(401), Category::Unauthorized);
        assert_eq!(st(403), Category::Forbidden);
        assert_eq!(st(404), Category::NotFound);
        assert_eq!(st(410), Category::Gone);
        assert_eq!(st(429), Category::TooManyRequests);
        assert_eq!(st(503), Category::ServerError);
        assert_eq!(st(418), Category::HttpStatus);
        assert!(st(503).is_transient() && st(429).is_transient());
        assert!(!st(404).is_transient() && !Category::Blocked.is_transient());
        assert_eq!(Category::ServerError.to_string(), "http_5xx");
    }

    #[test]
    fn chain_looks_inside_io_errors() {
        let inner = Refused { host: "h".into(), reason: "loopback".into() };
        let io = std::io::Error::other(inner);
        assert!(find::<Refused>(&io).is_some());
    }

    #[test]
    fn long_urls_are_clipped_in_messages() {
        let long = format!("http://a.example/{}", "x".repeat(100_000));
        let shown = shown(&url::Url::parse(&long).unwrap());
        assert!(shown.chars().count() < MAX_SHOWN + 40 && shown.ends_with("more bytes)"), "{shown}");
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("ééé", 2), "éé… (2 more bytes)");
    }
}
