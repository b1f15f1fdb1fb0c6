//! Builds the output [`Record`] from a feed entry and, when there is one, the extracted article
//! and its news fields. The one place that decides `status`, `id` and the SPEC's field values.

use chrono::{DateTime, Utc};
use url::Url;

use crate::dedup::{article_id, canonical_url, content_hash};
use crate::extract::Extracted;
use crate::model::{Entry, FeedRef, ItemRef, Record, Status, SCHEMA};
use crate::news::{self, NewsInput};

/// The page as fetched and extracted, when that worked.
pub struct Page {
    pub final_url: Url,
    pub extracted: Extracted,
}

/// Builds the record of one entry. `page` is the fetched article, `error` why there is none
/// (or why it had no text).
pub fn build(entry: &Entry, page: Option<Page>, error: Option<String>, now: DateTime<Utc>) -> Record {
    build_record(entry, page, error, now, true)
}

/// `build`, with the news fields left empty when `with_news` is false: `newsd extract --no-news`
/// uses that to measure what the news fields cost.
fn build_record(
    entry: &Entry,
    page: Option<Page>,
    error: Option<String>,
    now: DateTime<Utc>,
    with_news: bool,
) -> Record {
    let item = &entry.item;
    let link = item.link.as_deref().and_then(|l| Url::parse(l).ok());
    let page_fetched = page.is_some();
    let (final_url, ex) = match page {
        Some(p) if !p.extracted.text.trim().is_empty() => (Some(p.final_url), Some(p.extracted)),
        Some(p) => (Some(p.final_url), None),
        None => (None, None),
    };
    let error = match (&ex, error) {
        (Some(_), _) => None,
        (None, Some(e)) => Some(e),
        (None, None) if page_fetched => Some("no article text found in the page".into()),
        (None, None) if link.is_none() => Some("feed item has no link".into()),
        (None, None) => Some("article fetching is off for this feed".into()),
    };
    // Identity: the page's canonical URL, else where the link led, else the link, else the GUID.
    let page_url = final_url.clone().or_else(|| link.clone());
    let canonical = ex
        .as_ref()
        .and_then(|e| e.canonical_url.as_deref())
        .and_then(|c| Url::parse(c).ok())
        .filter(|c| plausible_canonical(c, page_url.as_ref()))
        .or_else(|| final_url.clone())
        .or_else(|| link.clone())
        .map(|u| canonical_url(&u));
    let id = match &canonical {
        Some(c) => article_id(c.as_str()),
        None => article_id(&format!("{}\x1f{}", entry.feed.name, entry.item_key)),
    };
    let ex = ex.unwrap_or_default();
    let has_page_text = !ex.text.trim().is_empty();
    // `ex` is owned: its text, title and authors move into the record rather than being copied.
    let text = if has_page_text { ex.text } else { item.summary.clone().unwrap_or_default() };
    let title = ex.title.or_else(|| item.title.clone());
    let status = if has_page_text {
        Status::Ok
    } else if title.is_some() || !text.is_empty() {
        Status::FeedOnly
    } else {
        Status::Error
    };
    let authors = if ex.authors.is_empty() { item.authors.clone() } else { ex.authors };
    let n = if with_news {
        news::analyze(&NewsInput {
            text: &text,
            title: title.as_deref(),
            authors: &authors,
            language: ex.language.as_deref(),
        })
    } else {
        news::News::default()
    };
    Record {
        schema: SCHEMA,
        id,
        revision: 0,
        status,
        error,
        feed: FeedRef {
            name: entry.feed.name.clone(),
            url: entry.feed.url.to_string(),
            tags: entry.feed.tags.clone(),
        },
        item: ItemRef {
            guid: item.guid.clone(),
            link: item.link.clone(),
            title: item.title.clone(),
            published: item.published,
            summary: item.summary.clone(),
        },
        url: final_url.map(|u| u.to_string()).or_else(|| item.link.clone()),
        canonical_url: canonical.map(|u| u.to_string()),
        title,
        authors,
        published_at: ex.published_at.or(item.published),
        updated_at: ex.updated_at.or(item.updated),
        fetched_at: now,
        language: ex.language,
        site_name: ex.site_name,
        description: ex.description,
        image: ex.image,
        dateline: n.dateline,
        agencies: n.agencies,
        word_count: text.split_whitespace().count(),
        content_hash: content_hash(&text),
        text,
        summary: n.summary,
        quotes: n.quotes,
        entities: n.entities,
        keywords: n.keywords,
        duplicate_of: None,
    }
}

/// A page's declared canonical URL is trusted for identity only when it could be the same
/// article: same site (host up to a leading `www.`/`m.`/`amp.`), and not the site's front page
/// when the page itself is deeper (templates that declare the home page as canonical for every
/// article would otherwise merge all articles into one id).
fn plausible_canonical(canonical: &Url, page: Option<&Url>) -> bool {
    let Some(page) = page else { return true };
    if page.scheme() == "file" {
        return true;
    }
    let site = |u: &Url| {
        let h = u.host_str().unwrap_or("").to_ascii_lowercase();
        ["www.", "m.", "amp.", "mobile."]
            .iter()
            .fold(h, |h, p| h.strip_prefix(p).map(str::to_string).unwrap_or(h))
    };
    let root = |u: &Url| u.path().trim_end_matches('/').is_empty() && u.query().is_none();
    site(canonical) == site(page) && (root(page) || !root(canonical))
}

/// `newsd extract`: the record of a saved page as one line, JSON (the record plus `"input"`) or
/// text (the body with newlines escaped as `\n`). `with_news: false` leaves the news fields empty.
pub fn extract_line(bytes: &[u8], url: Option<&Url>, input: &str, json: bool, with_news: bool) -> String {
    let extracted = crate::extract::extract_bytes(bytes, None, url);
    if !json {
        return escape_text(&extracted.text);
    }
    let placeholder = Url::parse("file:///").expect("static URL");
    let final_url = url.cloned().unwrap_or(placeholder);
    let entry = offline_entry(url);
    let mut record = build_record(&entry, Some(Page { final_url, extracted }), None, Utc::now(), with_news);
    if url.is_none() {
        record.url = None;
        if record.canonical_url.as_deref() == Some("file:///") {
            record.canonical_url = None;
        }
    }
    with_input(&record, input)
}

/// `newsd extract` for an input that could not be read.
pub fn error_line(input: &str, error: &str, json: bool) -> String {
    if !json {
        return String::new();
    }
    let entry = offline_entry(None);
    let mut record = build(&entry, None, Some(error.to_string()), Utc::now());
    record.status = Status::Error;
    with_input(&record, input)
}

/// The record in SPEC field order, then `"input"`.
fn with_input(record: &Record, input: &str) -> String {
    #[derive(serde::Serialize)]
    struct WithInput<'a> {
        #[serde(flatten)]
        record: &'a Record,
        input: &'a str,
    }
    serde_json::to_string(&WithInput { record, input }).expect("records serialize")
}

fn escape_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\r', "").replace('\n', "\\n")
}

/// The feed-less entry of an offline extraction.
fn offline_entry(url: Option<&Url>) -> Entry {
    let feed = crate::config::FeedSpec {
        name: String::new(),
        url: Url::parse("file:///").expect("static URL"),
        interval: std::time::Duration::from_secs(600),
        fetch_articles: true,
        adaptive: false,
        tags: Vec::new(),
    };
    let item = crate::model::Item { link: url.map(|u| u.to_string()), ..Default::default() };
    let item_key = item.key();
    Entry { feed: std::sync::Arc::new(feed), item, item_key, item_hash: String::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    /// `--no-news` (the benchmark's baseline) leaves exactly the news fields empty: the rest of the
    /// record is the same, so the time difference is what the news fields cost.
    #[test]
    fn no_news_leaves_only_the_news_fields_empty() {
        let p = |t: &str| format!("<p>{t}</p>");
        let html = format!(
            "<html><head><title>Leaders meet in Alaska</title></head><body><article>{}{}{}</article></body></html>",
            p("ANCHORAGE, Aug 15 (Reuters) - U.S. President Donald Trump met Russian President Vladimir Putin in Alaska on Friday to discuss the war in Ukraine, officials said."),
            p("\u{201C}We made some headway,\u{201D} Trump told reporters after the talks, which lasted nearly three hours at a military base in Anchorage."),
            p("Putin said the talks were useful and invited Trump to Moscow for a second meeting later in the year, according to the Kremlin."),
        );
        let parse = |news: bool| -> serde_json::Map<String, serde_json::Value> {
            let line = extract_line(html.as_bytes(), None, "page.html", true, news);
            let serde_json::Value::Object(mut m) = serde_json::from_str(&line).unwrap() else {
                panic!("{line}")
            };
            m.remove("fetched_at");
            m
        };
        let (mut full, mut bare) = (parse(true), parse(false));
        assert_eq!(full["status"], "ok", "{full:?}");
        for field in ["dateline", "agencies", "quotes", "entities", "summary", "keywords"] {
            let (f, b) = (full.remove(field).unwrap(), bare.remove(field).unwrap());
            let empty = |v: &serde_json::Value| match v {
                serde_json::Value::Null => true,
                serde_json::Value::String(s) => s.is_empty(),
                serde_json::Value::Array(a) => a.is_empty(),
                serde_json::Value::Object(o) => o.values().all(|v| v.as_array().is_some_and(Vec::is_empty)),
                _ => false,
            };
            assert!(!empty(&f), "{field} filled: {f}");
            assert!(empty(&b), "{field} empty: {b}");
        }
        assert_eq!(full, bare, "every other field is the same");
    }

    /// SPEC: `--format text` is one line per input; newlines become `\n`, and a backslash
    /// `\\` so that a literal `\n` in the text stays distinguishable.
    #[test]
    fn text_format_is_one_decodable_line() {
        assert_eq!(escape_text("a\\n b\r\n\nc"), "a\\\\n b\\n\\nc");
        assert!(!escape_text("x\ny\rz").contains(['\n', '\r']));
    }

    #[test]
    fn canonical_must_be_same_site_and_not_the_front_page() {
        let page = u("https://www.e.org/news/2025/story-1");
        assert!(plausible_canonical(&u("https://e.org/news/2025/story-1"), Some(&page)));
        assert!(plausible_canonical(&u("https://amp.e.org/news/2025/story-1"), Some(&page)));
        assert!(!plausible_canonical(&u("https://www.e.org/"), Some(&page)));
        assert!(!plausible_canonical(&u("https://other.org/news/2025/story-1"), Some(&page)));
        assert!(plausible_canonical(&u("https://www.e.org/"), Some(&u("https://www.e.org/"))));
    }
}
