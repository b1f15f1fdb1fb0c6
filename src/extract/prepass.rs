//! A cheap byte-level pre-pass before the real HTML parse: drops what never holds article text
//! (`<script>`, `<style>`, `<svg>`, `<noscript>`, `<template>`, `<iframe>`, comments …) so that
//! html5ever sees on average less than half of the page, and keeps the JSON-LD scripts aside for
//! the metadata and the `articleBody` fallback. Owns no HTML semantics beyond finding the end
//! of those raw-text elements; the parser does the rest.

/// Elements whose whole content is skipped. Lower-case, without `<`.
/// Besides raw text, these are elements the content step always prunes (navigation, controls,
/// media, captions): dropping them here saves their parse.
use std::collections::HashMap;

const SKIPPED: [&str; 19] = [
    "script",
    "style",
    "svg",
    "noscript",
    "template",
    "iframe",
    "object",
    "math",
    "textarea",
    "nav",
    "select",
    "button",
    "picture",
    "video",
    "audio",
    "canvas",
    "figcaption",
    "dialog",
    "menu",
];

/// The first entries of [`SKIPPED`] whose content is raw text (up to the end tag, whatever it
/// holds).
const RAW_TEXT: usize = 9;

/// `<noscript>` contents shorter than this are tracking pixels and "enable JavaScript" notes.
const NOSCRIPT_MIN: usize = 500;

/// Pages are cut to this many bytes after the pre-pass: no article needs more, and it bounds
/// the parse (time and the DOM's memory) for hostile or broken 50 MB inputs.
pub const MAX_HTML: usize = 3 * 1024 * 1024;

/// Estimated element nesting beyond which start tags are dropped (their text is kept): html5ever
/// checks scopes by walking its stack of open elements, which is quadratic on 100k-deep pages.
pub const MAX_DEPTH: usize = 800;

/// The pre-pass result.
#[derive(Debug, Default)]
pub struct Stripped {
    /// The page with the skipped elements and comments removed.
    pub html: String,
    /// Contents of `<script type="application/ld+json">`, in document order.
    pub json_ld: Vec<String>,
    /// Contents of `<noscript>` elements holding paragraphs: the page as it reads without
    /// scripts, a fallback for pages that render their story by script.
    pub noscript: Vec<String>,
}

/// Removes the skipped elements and comments from `html`.
pub fn strip(html: &str) -> Stripped {
    let bytes = html.as_bytes();
    let mut out =
        Stripped { html: String::with_capacity(html.len() / 2), json_ld: Vec::new(), noscript: Vec::new() };
    let mut copied = 0; // bytes of `html` up to here are either copied or dropped
    let mut at = 0;
    let mut depth = Depth::default();
    // Class and id values seen, filtered: pages repeat the same few hundred many times.
    let mut names: HashMap<&str, String> = HashMap::new();
    while let Some(off) = memchr::memchr(b'<', &bytes[at..]) {
        let lt = at + off;
        at = lt + 1;
        let rest = &bytes[lt + 1..];
        if depth.drops_tag(rest) {
            let end = html[lt..].find('>').map_or(bytes.len(), |e| lt + e + 1);
            out.html.push_str(&html[copied..lt]);
            copied = end;
            at = end;
            continue;
        }
        if rest.starts_with(b"!--") {
            let end = find_from(bytes, lt + 4, b"-->").map_or(bytes.len(), |e| e + 3);
            out.html.push_str(&html[copied..lt]);
            copied = end;
            at = end;
            continue;
        }
        let Some(name) = SKIPPED.iter().find(|n| starts_with_tag(rest, n)) else {
            if rest.first().is_some_and(u8::is_ascii_alphabetic) {
                out.html.push_str(&html[copied..lt]);
                copied = lt;
                let mark = out.html.len();
                match copy_start_tag(html, lt, &mut out.html, &mut names) {
                    Some(end) => {
                        copied = end;
                        at = end;
                    }
                    None => out.html.truncate(mark),
                }
            }
            continue;
        };
        // End of the start tag, then the matching end tag (raw-text elements cannot nest, and
        // the others rarely do: the first end tag is good enough for a pre-pass).
        let open_end = html[lt..].find('>').map_or(bytes.len(), |e| lt + e + 1);
        let close = find_end_tag(bytes, open_end, name);
        // Unclosed: raw text runs to the end of the page (as browsers parse it); for the other
        // elements only the start tag goes, the markup after it may be the story.
        let raw_text = SKIPPED.iter().position(|n| n == name).is_some_and(|p| p < RAW_TEXT);
        let (content_end, end) =
            close.unwrap_or(if raw_text { (bytes.len(), bytes.len()) } else { (open_end, open_end) });
        if *name == "script" && is_json_ld(&html[lt..open_end]) {
            out.json_ld.push(html[open_end.min(content_end)..content_end].to_string());
        }
        if *name == "noscript" && open_end < content_end {
            let inner = &html[open_end..content_end];
            if inner.len() >= NOSCRIPT_MIN && memchr::memmem::find(inner.as_bytes(), b"<p").is_some() {
                out.noscript.push(inner.to_string());
            }
        }
        out.html.push_str(&html[copied..lt]);
        // Keep a separator so that words on both sides do not run together.
        out.html.push(' ');
        copied = end;
        at = end;
    }
    out.html.push_str(&html[copied..]);
    if out.html.len() > MAX_HTML {
        let mut cut = MAX_HTML;
        while !out.html.is_char_boundary(cut) {
            cut -= 1;
        }
        out.html.truncate(cut);
    }
    out
}

/// Tracks the estimated nesting depth over start and end tags. Void elements and those whose
/// end tag is often left out (`p`, `li`, cells …) do not count.
#[derive(Default)]
struct Depth {
    depth: usize,
    /// Start tags dropped and not yet matched by an end tag.
    dropped: usize,
}

impl Depth {
    /// Updates the depth for the tag starting at `rest` (the bytes after `<`); true when the
    /// tag must be dropped.
    fn drops_tag(&mut self, rest: &[u8]) -> bool {
        let (closing, name) = match rest.first() {
            Some(b'/') => (true, &rest[1..]),
            Some(b) if b.is_ascii_alphabetic() => (false, rest),
            _ => return false,
        };
        let len = name.iter().take_while(|b| b.is_ascii_alphanumeric()).count().min(12);
        let mut lower = [0u8; 12];
        for (d, s) in lower.iter_mut().zip(&name[..len]) {
            *d = s.to_ascii_lowercase();
        }
        if NOT_NESTING.contains(&&lower[..len]) || len == 0 {
            return false;
        }
        if closing {
            if self.dropped > 0 {
                self.dropped -= 1;
                return true;
            }
            self.depth = self.depth.saturating_sub(1);
            false
        } else if self.depth >= MAX_DEPTH {
            self.dropped += 1;
            true
        } else {
            self.depth += 1;
            false
        }
    }
}

/// Tags left out of the depth estimate.
const NOT_NESTING: [&[u8]; 20] = [
    b"p", b"li", b"dt", b"dd", b"td", b"th", b"tr", b"option", b"br", b"img", b"hr", b"input", b"meta",
    b"link", b"source", b"wbr", b"area", b"col", b"base", b"embed",
];

/// Attributes the extractor reads; every other one is dropped before the parse (they are
/// 40 % of a typical page once scripts and styles are gone: `href`, `src`, `srcset`, `data-*`).
const KEPT_ATTRS: [&str; 16] = [
    "class",
    "id",
    "role",
    "itemprop",
    "itemtype",
    "rel",
    "content",
    "name",
    "property",
    "datetime",
    "lang",
    "http-equiv",
    "hidden",
    "aria-hidden",
    "type",
    "charset",
];

/// Writes a `class` or `id` attribute with only the names some heuristic reads (none at all
/// when no name is left): utility classes are most of what remains of a page's markup.
fn copy_names<'a>(attr: &str, value: &'a str, out: &mut String, cache: &mut HashMap<&'a str, String>) {
    let kept = cache.entry(value).or_insert_with(|| {
        let inner = value.trim_matches(|c| c == '"' || c == '\'');
        let mut kept = String::new();
        for name in inner.split_ascii_whitespace().filter(|n| super::boiler::is_relevant_name(n)) {
            if !kept.is_empty() {
                kept.push(' ');
            }
            kept.push_str(&name.replace('"', "&quot;"));
        }
        kept
    });
    if !kept.is_empty() {
        out.push(' ');
        out.push_str(attr);
        out.push_str("=\"");
        out.push_str(kept);
        out.push('"');
    }
}

/// `name` is one of [`KEPT_ATTRS`] (any case).
fn kept_attr(name: &str) -> bool {
    let mut buf = [0u8; 12];
    if name.len() > buf.len() {
        return false;
    }
    for (d, s) in buf.iter_mut().zip(name.bytes()) {
        *d = s.to_ascii_lowercase();
    }
    KEPT_ATTRS.iter().any(|k| k.as_bytes() == &buf[..name.len()])
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Writes the start tag at `lt` to `out` with only the attributes the extractor reads (`href`
/// on `<link>` only, `style` only when it may hide the element); returns the index just past
/// the tag, or `None` when the tag never ends (then it is left to the parser as it is).
fn copy_start_tag<'a>(
    html: &'a str,
    lt: usize,
    out: &mut String,
    cache: &mut HashMap<&'a str, String>,
) -> Option<usize> {
    let b = html.as_bytes();
    let mut i = lt + 1;
    while i < b.len() && !is_space(b[i]) && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    let name = &html[lt + 1..i];
    let is_link = name.eq_ignore_ascii_case("link");
    out.push('<');
    out.push_str(name);
    loop {
        while i < b.len() && (is_space(b[i]) || b[i] == b'/') {
            i += 1;
        }
        match b.get(i) {
            None => return None,
            Some(b'>') => {
                out.push('>');
                return Some(i + 1);
            }
            Some(_) => {}
        }
        let a_start = i;
        while i < b.len() && !is_space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        // A name of one byte at least: a stray '=' starts one too.
        i = i.max(a_start + 1).min(b.len());
        let a_name = &html[a_start..i];
        let mut j = i;
        while j < b.len() && is_space(b[j]) {
            j += 1;
        }
        let mut value = None;
        if b.get(j) == Some(&b'=') {
            j += 1;
            while j < b.len() && is_space(b[j]) {
                j += 1;
            }
            let (start, end) = match b.get(j) {
                Some(&q) if q == b'"' || q == b'\'' => {
                    let close = memchr::memchr(q, &b[j + 1..])? + j + 1;
                    (j, close + 1)
                }
                _ => {
                    let v = j;
                    while j < b.len() && !is_space(b[j]) && b[j] != b'>' {
                        j += 1;
                    }
                    (v, j)
                }
            };
            value = Some(&html[start..end]);
            i = end;
        }
        let keep = kept_attr(a_name)
            || (is_link && a_name.eq_ignore_ascii_case("href"))
            || (a_name.eq_ignore_ascii_case("style")
                && value.is_some_and(|v| v.contains("none") || v.contains("hidden")));
        let names = a_name.eq_ignore_ascii_case("class") || a_name.eq_ignore_ascii_case("id");
        if keep && names {
            copy_names(a_name, value.unwrap_or_default(), out, cache);
        } else if keep {
            out.push(' ');
            out.push_str(a_name);
            if let Some(v) = value {
                out.push('=');
                out.push_str(v);
            }
        }
    }
}

/// True when `rest` (the bytes after `<`) starts with the tag `name` followed by a delimiter.
fn starts_with_tag(rest: &[u8], name: &str) -> bool {
    rest.len() > name.len()
        && rest[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        && matches!(rest[name.len()], b' ' | b'>' | b'/' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Finds `</name` (any case) from `from`; returns (start of the end tag, just after its `>`).
fn find_end_tag(bytes: &[u8], from: usize, name: &str) -> Option<(usize, usize)> {
    let mut at = from;
    while let Some(p) = find_from(bytes, at, b"</") {
        if starts_with_tag(&bytes[p + 2..], name) {
            let end = bytes[p..].iter().position(|&b| b == b'>').map_or(bytes.len(), |e| p + e + 1);
            return Some((p, end));
        }
        at = p + 2;
    }
    None
}

fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let hay = bytes.get(from..)?;
    memchr::memmem::find(hay, needle).map(|p| from + p)
}

/// True for a `<script ...>` start tag of type `application/ld+json`.
fn is_json_ld(open_tag: &str) -> bool {
    open_tag.to_ascii_lowercase().contains("ld+json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_scripts_styles_comments_and_keeps_json_ld() {
        let s = strip(
            "<p>a</p><script>var x = '<p>no</p>';</script><STYLE>p{}</STYLE><!-- c <p>no</p> -->\
             <script type=\"application/ld+json\">{\"@type\":\"NewsArticle\"}</script><p>b</p>",
        );
        assert!(!s.html.contains("no"));
        assert!(s.html.contains("<p>a</p>") && s.html.contains("<p>b</p>"));
        assert_eq!(s.json_ld, vec!["{\"@type\":\"NewsArticle\"}".to_string()]);
    }

    #[test]
    fn noscript_paragraphs_are_kept_aside() {
        let story = format!("<p>{}</p>", "The story as it reads without scripts. ".repeat(20));
        let s = strip(&format!("<noscript><img src=x></noscript><div><noscript>{story}</noscript></div>"));
        assert_eq!(s.noscript, vec![story.clone()]);
        assert!(!s.html.contains("without scripts"));
    }

    #[test]
    fn similar_tag_names_are_kept() {
        let s = strip("<scripts>x</scripts><svgx>y</svgx>");
        assert_eq!(s.html, "<scripts>x</scripts><svgx>y</svgx>");
    }

    #[test]
    fn only_read_attributes_are_kept() {
        let s = strip(
            "<a href=\"/x\" class='c d' data-x='{\"a\":\">\"}'>t</a><link rel=canonical href=/c>\
             <div style=\"display:none\" onclick=go() hidden>h</div><p style=\"color:red\" =x id=p>",
        );
        assert_eq!(
            s.html,
            "<a>t</a><link rel=canonical href=/c><div style=\"display:none\" hidden>h</div><p>"
        );
        let s = strip("<div class=\"flex entry-content px-4\" id='share-bar'><p class=x>");
        assert_eq!(s.html, "<div class=\"entry-content\" id=\"share-bar\"><p>");
        // A tag that never ends is left as it is.
        assert_eq!(strip("<p>a<img src='x").html, "<p>a<img src='x");
    }

    #[test]
    fn unterminated_elements_drop_the_rest() {
        let s = strip("<p>a</p><script>never closed <p>b</p>");
        assert_eq!(s.html.trim(), "<p>a</p>");
        let s = strip("<p>a</p><!-- never closed");
        assert_eq!(s.html, "<p>a</p>");
    }

    #[test]
    fn deep_nesting_is_flattened_but_text_kept() {
        let html = "<div>".repeat(10_000) + "deep" + &"</div>".repeat(10_000) + "<p>after</p>";
        let s = strip(&html);
        assert_eq!(s.html.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(s.html.matches("</div>").count(), MAX_DEPTH);
        assert!(s.html.contains("deep") && s.html.contains("<p>after</p>"));
    }

    #[test]
    fn an_unclosed_nav_drops_only_its_tag() {
        assert_eq!(strip("<nav><p>story</p>").html.trim(), "<p>story</p>");
    }

    #[test]
    fn output_is_capped_on_a_char_boundary() {
        let big = "é".repeat(MAX_HTML);
        assert!(strip(&big).html.len() <= MAX_HTML);
    }
}
