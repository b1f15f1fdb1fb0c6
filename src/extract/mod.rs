//! Stage [4b]: HTML → article. Pure functions, no I/O: the main text and the metadata (title,
//! authors, dates, language, canonical URL, site, description, image) of one page.
//! Used by the daemon's article stage and by `newsd extract`.
//!
//! The pipeline, one module per step:
//! `prepass` (drop scripts, styles, comments; keep JSON-LD) → `dom` (one html5ever parse into a
//! flat arena) → `metadata` (+ `jsonld`, `dates`) and `content` (prune, segment, score, render).
//! The body is chosen among candidates by measured quality: the strict pass, a permissive pass
//! when the strict one yields little, and JSON-LD `articleBody` when it is clearly more complete.

mod boiler;
mod content;
mod dates;
mod dom;
mod jsonld;
mod language;
mod metadata;
mod prepass;
mod text;

use chrono::{DateTime, Utc};
use url::Url;

use content::Mode;
use dom::Dom;

/// What extraction makes of one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    pub title: Option<String>,
    pub authors: Vec<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// ISO 639-1.
    pub language: Option<String>,
    /// Tracking parameters removed.
    pub canonical_url: Option<String>,
    pub site_name: Option<String>,
    pub description: Option<String>,
    /// Absolute URL of the lead image.
    pub image: Option<String>,
    /// The article body, paragraphs separated by a blank line.
    pub text: String,
}

/// Extracts an article from raw page bytes (decoded by `charset`).
pub fn extract_bytes(bytes: &[u8], content_type: Option<&str>, url: Option<&Url>) -> Extracted {
    if looks_binary(bytes) {
        return Extracted::default();
    }
    let tld = url.and_then(|u| u.host_str()).and_then(|h| h.rsplit('.').next()).map(str::as_bytes);
    let html = crate::charset::decode_html_cow(bytes, content_type, tld);
    extract(&html, url)
}

/// True for inputs that are not text at all (PDFs, images, archives served as HTML): NUL
/// bytes or a known binary signature at the start.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    const MAGIC: [&[u8]; 6] = [b"%PDF-", b"\x89PNG", b"GIF8", b"\xFF\xD8\xFF", b"PK\x03\x04", b"\x1F\x8B"];
    // UTF-16 pages carry NULs too, but start with a BOM.
    let utf16 = head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF");
    MAGIC.iter().any(|m| head.starts_with(m)) || (!utf16 && head.contains(&0))
}

/// Extracts an article from a decoded HTML document; `url` is where it came from (for
/// resolving relative links), if known.
pub fn extract(html: &str, url: Option<&Url>) -> Extracted {
    let stripped = prepass::strip(html);
    let dom = Dom::parse(&stripped.html);
    let ld = jsonld::article(&stripped.json_ld);
    let meta = metadata::read(&dom, ld.as_ref(), url);
    let ld_body = ld.as_ref().and_then(|l| l.body.as_deref());
    let text = text::nfc(body(&dom, &stripped.noscript, ld_body, meta.title.as_deref()));
    let language = meta.language.or_else(|| language::detect(&text));
    Extracted {
        title: meta.title,
        authors: meta.authors,
        published_at: meta.published_at,
        updated_at: meta.updated_at,
        language,
        canonical_url: meta.canonical_url,
        site_name: meta.site_name,
        description: meta.description,
        image: meta.image,
        text,
    }
}

/// Below this many characters a body is "too little" and the fallbacks are tried.
const SHORT: usize = 400;

/// The article body: the best of the strict pass, the permissive pass, the page's `<noscript>`
/// content and JSON-LD.
fn body(dom: &Dom, noscript: &[String], ld_body: Option<&str>, title: Option<&str>) -> String {
    let mut best = dom_pass(dom, Mode::Strict, title);
    if best.chars().count() < SHORT {
        let permissive = dom_pass(dom, Mode::Permissive, title);
        if permissive.chars().count() > 2 * best.chars().count().max(SHORT / 4) {
            best = permissive;
        }
    }
    if best.chars().count() < SHORT && !noscript.is_empty() {
        // A page rendered by script often carries its story for script-less readers: a
        // second, small parse, only for pages that gave too little.
        let alt = prepass::strip(&noscript.join("\n"));
        let alt = dom_pass(&Dom::parse(&alt.html), Mode::Strict, title);
        if alt.chars().count() > 2 * best.chars().count().max(SHORT / 4) {
            best = alt;
        }
    }
    if let Some(ld) = ld_body.map(ld_text) {
        // The structured body wins only when the page's text is clearly incomplete (a teaser,
        // a paywall, a script-rendered page): it carries no paragraph structure or subheadings.
        let (ld_len, dom_len) = (ld.chars().count(), best.chars().count());
        if ld_len > 200 && dom_len * 2 < ld_len {
            best = ld;
        }
    }
    best
}

fn dom_pass(dom: &Dom, mode: Mode, title: Option<&str>) -> String {
    let pruning = content::prune(dom, mode);
    let blocks = content::segment(dom, &pruning.pruned);
    match content::best_root(dom, &blocks, &pruning) {
        Some(root) => content::render(dom, &blocks, root, &pruning.soft, title),
        None => String::new(),
    }
}

/// JSON-LD `articleBody` as text: HTML removed if any (escaped or not), one paragraph per line.
fn ld_text(body: &str) -> String {
    // Some sites escape the markup once more (`&lt;p&gt;`): then a second pass takes it off. Only
    // then: in a body with real markup, `&lt;` is text ("the &lt;script&gt; tag"), and a second
    // pass would read it as a tag (and drop everything after a `<script>`).
    let escaped_only = !body.contains('<') && body.contains("&lt;");
    let mut plain = if body.contains('<') || escaped_only { html_to_text(body) } else { body.to_string() };
    if escaped_only {
        plain = html_to_text(&plain);
    }
    plain.lines().map(text::fold_ws).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n\n")
}

/// Plain text of an HTML fragment (feed titles and summaries): tags dropped, entities decoded,
/// white space folded.
pub fn html_to_text(fragment: &str) -> String {
    if !fragment.contains('<') && !fragment.contains('&') {
        return text::fold_ws(fragment);
    }
    let stripped = prepass::strip(fragment);
    let dom = Dom::parse(&stripped.html);
    dom.text_of(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> String {
        format!("<html><head><title>T</title></head><body><article>{body}</article></body></html>")
    }

    const PARA: &str =
        "<p>The committee approved the budget on Monday, after a debate that lasted most of the day.</p>";

    #[test]
    fn empty_and_binary_inputs_give_empty_text() {
        assert_eq!(extract_bytes(b"", None, None).text, "");
        assert_eq!(extract_bytes(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj", Some("text/html"), None).text, "");
        // Pseudo-random bytes (an LCG): any bytes in, a record out.
        let mut x: u32 = 12345;
        let noise: Vec<u8> = (0..200_000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8
            })
            .collect();
        let _ = extract_bytes(&noise, None, None);
    }

    #[test]
    fn huge_and_deep_pages_are_bounded() {
        let huge = page(&PARA.repeat(50 * 1024 * 1024 / PARA.len()));
        let ex = extract(&huge, None);
        assert!(!ex.text.is_empty() && ex.text.len() <= prepass::MAX_HTML);
        let deep = "<div>".repeat(100_000) + PARA;
        assert!(extract(&deep, None).text.contains("approved the budget"));
    }

    #[test]
    fn invalid_utf8_and_legacy_encodings_decode() {
        let mut bytes = page(PARA).into_bytes();
        bytes.extend_from_slice(b"<p>\xff\xfe broken \xc3</p>");
        assert!(extract_bytes(&bytes, None, None).text.contains("approved the budget"));
        let jp =
            "<meta charset=shift_jis><p>東京都は月曜日、新しい予算案を承認した。議論はほぼ一日続いた。</p>";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(jp);
        assert!(extract_bytes(&sjis, None, None).text.contains("新しい予算案を承認した"));
        let zh = "<p>北京市政府周一批准了新的预算方案，讨论持续了几乎一整天。</p>";
        let (gb, _, _) = encoding_rs::GB18030.encode(zh);
        let ex = extract_bytes(&gb, Some("text/html; charset=gb18030"), None);
        assert!(ex.text.contains("批准了新的预算方案"), "{}", ex.text);
        let (latin, _, _) = encoding_rs::WINDOWS_1252
            .encode("<p>Le comité a approuvé le budget lundi, après un débat très long.</p>");
        assert!(extract_bytes(&latin, Some("text/html; charset=iso-8859-1"), None)
            .text
            .contains("comité a approuvé"));
    }

    #[test]
    fn json_ld_body_wins_only_when_the_page_is_incomplete() {
        let long = "The full story is only in the structured data of this page. ".repeat(10);
        let ld = format!(
            r#"<script type="application/ld+json">{{"@type":"NewsArticle","articleBody":"{long}"}}</script>"#
        );
        let teaser = format!("<html><head>{ld}</head><body><p>Subscribe to read.</p></body></html>");
        assert_eq!(extract(&teaser, None).text, long.trim());
        let full =
            format!("<html><head>{ld}</head><body><article>{}</article></body></html>", PARA.repeat(12));
        assert!(extract(&full, None).text.starts_with("The committee approved"));
    }

    #[test]
    fn noscript_content_is_the_fallback_of_a_script_rendered_page() {
        let story = PARA.repeat(8);
        let page = format!(
            "<html><body><div id=app><script type=text/template>{story}</script></div>\
             <noscript><div>{story}</div></noscript></body></html>"
        );
        assert!(extract(&page, None).text.starts_with("The committee approved"));
        // A page with its own text ignores its noscript, even a longer one.
        let alt = "This page shows the comments and the live ticker when JavaScript runs in it. ";
        let page = format!(
            "<html><body><article>{story}</article><noscript>{}</noscript></body></html>",
            format!("<p>{}</p>", alt.repeat(6)).repeat(8)
        );
        assert!(!extract(&page, None).text.contains("live ticker"));
    }

    #[test]
    fn escaped_markup_in_json_ld_is_taken_off() {
        let body = "&lt;p class=&quot;x&quot;&gt;Solu&amp;ccedil;&amp;atilde;o &amp;amp; paz&lt;/p&gt;";
        assert_eq!(ld_text(body), "Solução & paz");
        assert_eq!(ld_text("<p>Tom &amp; Jerry</p>"), "Tom & Jerry");
        assert_eq!(ld_text("One.\nTwo."), "One.\n\nTwo.");
        // Real markup with an escaped tag as text: one pass, the text after it kept.
        let t = ld_text("<p>Use the &lt;script&gt; tag with care.</p><p>Then load the page.</p>");
        assert!(t.contains("Use the <script> tag with care.") && t.contains("Then load the page."), "{t}");
    }

    #[test]
    fn html_to_text_folds_fragments() {
        assert_eq!(html_to_text("  Tom &amp; Jerry\n chase "), "Tom & Jerry chase");
        assert_eq!(html_to_text("<p>One</p><p>Two <b>three</b></p>"), "One Two three");
        assert_eq!(html_to_text("plain   text"), "plain text");
    }
}
