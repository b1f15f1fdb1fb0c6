//! URL-level identity: the canonical form of an article URL (shown in records as
//! `canonical_url`) and the looser identity key its id is hashed from. Pure functions; the page's
//! own `<link rel=canonical>` is preferred upstream (in `record`), this only normalizes a URL.
//!
//! Two levels, because some rewrites are right for identity but could break a link a reader
//! clicks:
//!
//! * [`canonical_url`] keeps a working URL. Scheme and host case, default ports and dot
//!   segments are normalized by the `url` parser; the fragment, tracking parameters and AMP
//!   switches (`amp`, `amp=1`, `outputType=amp`) are dropped; AMP paths map to the article
//!   (`/story/amp` and `/story/amp/` → `/story`, `/story.amp` → `/story`, `/amp/2024/x.html` →
//!   `/2024/x.html`, each only when another path segment remains); a Google AMP cache URL
//!   (`*.cdn.ampproject.org/c/s/host/path`) is unwrapped to the publisher's URL.
//! * [`identity_key`] (what `article_id` hashes) additionally ignores the scheme (http and
//!   https), a leading `www.`, `m.`, `mobile.` or `amp.` host label (only when at least two
//!   labels remain), trailing slashes and the order of query parameters. These are the same
//!   article on every news site we know of, but not guaranteed to be the same URL.

use url::Url;

/// Query parameters that only track readers (compared case-insensitively).
const TRACKING: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "yclid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "ocid",
    "ncid",
    "cmpid",
    "cmp",
    "ref_src",
    "ref_url",
    "smid",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "wt_mc",
    "wt.mc_id",
    "__twitter_impression",
    "s_cid",
    "icid",
    "rss",
    "ito",
    "xtor",
    "sr_share",
    "soc_src",
    "soc_trk",
    "spm",
];

/// Prefixes of tracking parameter families: Google Analytics (`utm_`), BBC/comScore (`ns_`),
/// Piwik (`pk_`) and Matomo (`mtm_`).
const TRACKING_PREFIXES: &[&str] = &["utm_", "ns_", "pk_", "mtm_"];

/// Leading host labels of mobile and AMP editions, ignored by [`identity_key`].
const EDITION_LABELS: &[&str] = &["www", "m", "mobile", "amp"];

/// The canonical form of an article URL (see the module doc for the exact rules).
pub fn canonical_url(url: &Url) -> Url {
    let mut u = unwrap_amp_cache(url).unwrap_or_else(|| url.clone());
    u.set_fragment(None);
    if u.query().is_some() {
        let kept: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, v)| !is_tracking(k) && !is_amp_switch(k, v))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    if let Some(path) = strip_amp_path(u.path()) {
        u.set_path(&path);
    }
    u
}

/// The string an article id is hashed from: the canonical URL without the differences that do
/// not change the article (scheme, edition host labels, trailing slash, parameter order).
/// Non-HTTP URLs (`file://`) are used as they are.
pub fn identity_key(canonical: &Url) -> String {
    let host = match canonical.host_str() {
        Some(h) if matches!(canonical.scheme(), "http" | "https") => h,
        _ => return canonical.as_str().to_string(),
    };
    let mut key = strip_edition_label(host).to_string();
    if let Some(port) = canonical.port() {
        key.push_str(&format!(":{port}"));
    }
    key.push_str(canonical.path().trim_end_matches('/'));
    if canonical.query().is_some() {
        let mut pairs: Vec<(String, String)> =
            canonical.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        pairs.sort();
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        key.push('?');
        key.push_str(&query);
    }
    key
}

fn is_tracking(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    TRACKING.contains(&k.as_str()) || TRACKING_PREFIXES.iter().any(|p| k.starts_with(p))
}

/// `?amp`, `?amp=1`, `?amp=true` and `?outputType=amp` switch a page to its AMP edition.
fn is_amp_switch(key: &str, value: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let v = value.to_ascii_lowercase();
    (k == "amp" && matches!(v.as_str(), "" | "1" | "true" | "yes")) || (k == "outputtype" && v == "amp")
}

/// The path without its AMP marker, or `None` when it has none. A marker is only removed when
/// at least one other segment remains, so a page that is literally `/amp` stays as it is.
fn strip_amp_path(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() < 2 {
        // `/story.amp` alone is still safe: the segment keeps its name.
        let only = segments.first()?;
        let stem = only.strip_suffix(".amp").filter(|s| !s.is_empty())?;
        return Some(format!("/{stem}"));
    }
    let mut out: Vec<&str> = segments.clone();
    if out.last() == Some(&"amp") {
        out.pop();
    } else if out.first() == Some(&"amp") {
        out.remove(0);
    } else if let Some(stem) = out.last().and_then(|s| s.strip_suffix(".amp")).filter(|s| !s.is_empty()) {
        let n = out.len();
        out[n - 1] = stem;
    } else {
        return None;
    }
    Some(format!("/{}", out.join("/")))
}

/// `https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a/b` → the publisher's
/// `https://www.example.com/a/b` (`/c/` without `s/` means plain http; `/v/` is the viewer).
fn unwrap_amp_cache(url: &Url) -> Option<Url> {
    if !url.host_str()?.ends_with(".cdn.ampproject.org") {
        return None;
    }
    let rest = url.path().strip_prefix("/c/").or_else(|| url.path().strip_prefix("/v/"))?;
    let (scheme, rest) = match rest.strip_prefix("s/") {
        Some(r) => ("https", r),
        None => ("http", rest),
    };
    let mut target = Url::parse(&format!("{scheme}://{rest}")).ok()?;
    target.set_query(url.query());
    Some(target)
}

fn strip_edition_label(host: &str) -> &str {
    match host.split_once('.') {
        // At least two labels must remain: `m.example.com` → `example.com`, never `m.co` → `co`.
        Some((first, rest)) if EDITION_LABELS.contains(&first) && rest.contains('.') => rest,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonical_url(&Url::parse(s).unwrap()).to_string()
    }

    fn key(s: &str) -> String {
        identity_key(&canonical_url(&Url::parse(s).unwrap()))
    }

    #[test]
    fn tracking_parameters_and_fragments_go() {
        assert_eq!(
            canon("HTTPS://Example.ORG:443/a/b?utm_source=rss&id=7&fbclid=x#top"),
            "https://example.org/a/b?id=7"
        );
        assert_eq!(canon("https://e.org/a?utm_medium=rss"), "https://e.org/a");
        assert_eq!(
            canon("https://e.org/a?ns_mchannel=rss&ns_source=x&CMP=share_btn_tw&page=2"),
            "https://e.org/a?page=2"
        );
        assert_eq!(canon("http://e.org:80/a?"), "http://e.org/a");
    }

    #[test]
    fn amp_variants_map_to_the_article() {
        assert_eq!(canon("https://e.org/news/story/amp"), "https://e.org/news/story");
        assert_eq!(canon("https://e.org/news/story/amp/"), "https://e.org/news/story");
        assert_eq!(canon("https://e.org/news/world-123.amp"), "https://e.org/news/world-123");
        assert_eq!(canon("https://e.org/amp/2024/01/02/story.html"), "https://e.org/2024/01/02/story.html");
        assert_eq!(canon("https://e.org/story?amp=1&id=3"), "https://e.org/story?id=3");
        assert_eq!(canon("https://e.org/story?outputType=amp"), "https://e.org/story");
        assert_eq!(
            canon("https://www-e-org.cdn.ampproject.org/c/s/www.e.org/a/b.html?x=1"),
            "https://www.e.org/a/b.html?x=1"
        );
    }

    #[test]
    fn amp_markers_alone_are_kept() {
        // A page literally named `amp`, or an `amp` parameter with a real value, is not AMP.
        assert_eq!(canon("https://e.org/amp"), "https://e.org/amp");
        assert_eq!(canon("https://e.org/amp/"), "https://e.org/amp/");
        assert_eq!(canon("https://e.org/search?amp=guitar"), "https://e.org/search?amp=guitar");
        assert_eq!(canon("https://e.org/products/amplifier"), "https://e.org/products/amplifier");
    }

    #[test]
    fn identity_ignores_edition_scheme_slash_and_order() {
        let k = key("https://www.e.org/news/a?b=2&a=1");
        assert_eq!(k, "e.org/news/a?a=1&b=2");
        for v in [
            "http://e.org/news/a/?a=1&b=2",
            "https://m.e.org/news/a?b=2&a=1",
            "https://amp.e.org/news/a/amp?a=1&b=2&utm_source=x",
            "https://mobile.e.org/news/a?a=1&b=2#c",
        ] {
            assert_eq!(key(v), k, "{v}");
        }
        // Too few labels left, or a different port: not the same key.
        assert_eq!(key("https://m.co/x"), "m.co/x");
        assert_ne!(key("https://e.org:8443/news/a?a=1&b=2"), k);
        assert_eq!(key("file:///tmp/a.html"), "file:///tmp/a.html");
    }
}
