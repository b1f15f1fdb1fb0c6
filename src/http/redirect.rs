//! Redirects as data: which statuses redirect, where a `Location` leads, and what counts as
//! "the same URL" for loop detection. The loop itself (count, guard per hop) is in
//! [`super::Fetcher`].

use reqwest::header::{self, HeaderMap};
use url::Url;

use super::error::{clip, escape, shown, FetchError, MAX_SHOWN};

/// The statuses that carry a `Location` to follow (not 300, 304 or 305).
pub(super) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The target of a redirect, resolved against the current URL.
pub(super) fn next_hop(url: &Url, headers: &HeaderMap) -> Result<Url, FetchError> {
    let bad =
        |reason: String| FetchError::BadRedirect { url: shown(url), reason: escape(&reason).into_owned() };
    let raw = headers.get(header::LOCATION).ok_or_else(|| bad("no Location header".into()))?;
    // Location is ASCII by spec; tolerate raw UTF-8 the way browsers do.
    let loc = std::str::from_utf8(raw.as_bytes()).map_err(|_| bad("Location is not UTF-8".into()))?;
    url.join(loc.trim()).map_err(|e| bad(format!("Location {:?}: {e}", clip(loc, MAX_SHOWN))))
}

/// Redirect-loop identity of a URL: the fragment never reaches the server.
pub(super) fn without_fragment(url: &Url) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    u.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(base: &str, location: &[u8]) -> Result<Url, FetchError> {
        let mut h = HeaderMap::new();
        h.insert(header::LOCATION, header::HeaderValue::from_bytes(location).unwrap());
        next_hop(&Url::parse(base).unwrap(), &h)
    }

    #[test]
    fn redirect_targets_resolve_against_the_current_url() {
        assert_eq!(loc("http://a.example/x/y", b"../z").unwrap().as_str(), "http://a.example/z");
        assert_eq!(loc("http://a.example/", b"//b.example/p").unwrap().as_str(), "http://b.example/p");
        assert_eq!(loc("http://a.example/", b"http://2130706433/").unwrap().host_str(), Some("127.0.0.1"));
        assert!(matches!(loc("http://a.example/", b"http://[::1"), Err(FetchError::BadRedirect { .. })));
        // A C1 control (NEL, U+0085) is a legal header byte sequence but must not reach a log.
        let e = loc("http://a.example/", b"http://[\xc2\x85x").unwrap_err().to_string();
        assert!(!e.chars().any(char::is_control) && e.contains("\\u{85}"), "{e}");
        assert!(matches!(
            next_hop(&Url::parse("http://a/").unwrap(), &HeaderMap::new()),
            Err(FetchError::BadRedirect { .. })
        ));
    }

    #[test]
    fn only_real_redirects_are_followed() {
        for s in [301, 302, 303, 307, 308] {
            assert!(is_redirect(s));
        }
        for s in [200, 300, 304, 305, 306, 399] {
            assert!(!is_redirect(s));
        }
    }

    #[test]
    fn fragments_do_not_defeat_loop_detection() {
        let a = Url::parse("http://a.example/p#one").unwrap();
        let b = Url::parse("http://a.example/p#two").unwrap();
        assert_eq!(without_fragment(&a), without_fragment(&b));
    }
}
