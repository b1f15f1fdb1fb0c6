//! Page metadata, each field from its best source (first that yields a value):
//! - title: `og:title`, JSON-LD `headline`, the first `<h1>`, `<title>`; a site-name suffix or
//!   prefix (" | Site", "Site - ") is removed;
//! - authors: JSON-LD `author`, `<meta name=author>` / `article:author`, `itemprop=author`,
//!   `rel=author` links, then elements classed as bylines; normalized ("By X and Y" split,
//!   e-mails, dates, URLs and "Staff"-like words dropped, duplicates removed);
//! - published / updated: JSON-LD `datePublished`/`dateModified`, `article:published_time` /
//!   `article:modified_time` and similar metas, `itemprop` dates, `<time datetime>`, then a date
//!   in the URL path; always UTC, a zone-less time read in the zone another date of the page states;
//! - language: `<html lang>`, `content-language`, `og:locale`, JSON-LD `inLanguage` (the caller
//!   falls back to detection on the text);
//! - canonical URL: `<link rel=canonical>`, `og:url`, JSON-LD URL; made absolute, tracking
//!   parameters removed (`dedup::canonical_url`);
//! - site name: `og:site_name`, JSON-LD publisher, `application-name`;
//! - description: `og:description`, `<meta name=description>`, JSON-LD `description`;
//! - image: `og:image`, `twitter:image`, JSON-LD `image`; made absolute.

use chrono::{DateTime, FixedOffset, Utc};
use url::Url;

use super::dates;
use super::dom::{Attr, Dom, Tag};
use super::jsonld::LdArticle;
use super::text::fold_ws;

/// The metadata fields of [`super::Extracted`].
#[derive(Debug, Default, Clone)]
pub struct Meta {
    pub title: Option<String>,
    pub authors: Vec<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub language: Option<String>,
    pub canonical_url: Option<String>,
    pub site_name: Option<String>,
    pub description: Option<String>,
    pub image: Option<String>,
}

/// `<meta>` values by lower-case key (`property`, `name`, `itemprop` or `http-equiv`).
struct Metas(Vec<(String, String)>);

impl Metas {
    fn read(dom: &Dom) -> Metas {
        let mut v = Vec::new();
        for i in dom.elements(Tag::Meta) {
            let Some(content) = dom.attr(i, Attr::Content) else { continue };
            for a in [Attr::Property, Attr::Name, Attr::Itemprop, Attr::HttpEquiv] {
                if let Some(k) = dom.attr(i, a) {
                    v.push((k.trim().to_ascii_lowercase(), content.trim().to_string()));
                }
            }
        }
        Metas(v)
    }

    /// The first non-empty value of any of `keys`, in the order of `keys`.
    fn get(&self, keys: &[&str]) -> Option<String> {
        keys.iter()
            .find_map(|k| self.0.iter().find(|(mk, v)| mk == k && !v.is_empty()).map(|(_, v)| fold_ws(v)))
    }

    fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Reads the metadata of a parsed page.
pub fn read(dom: &Dom, ld: Option<&LdArticle>, url: Option<&Url>) -> Meta {
    let metas = Metas::read(dom);
    let site_name = metas
        .get(&["og:site_name"])
        .or_else(|| ld.and_then(|l| l.publisher.clone()))
        .or_else(|| metas.get(&["application-name", "apple-mobile-web-app-title"]));
    let title = title(dom, &metas, ld, site_name.as_deref());
    let (published_at, updated_at) = dates(dom, &metas, ld, url);
    let canonical_url = dom
        .elements(Tag::Link)
        .find(|&i| has_rel(dom, i, "canonical"))
        .and_then(|i| dom.attr(i, Attr::Href))
        .map(str::to_string)
        .or_else(|| metas.get(&["og:url"]))
        .or_else(|| ld.and_then(|l| l.url.clone()))
        .and_then(|u| absolute(&u, url))
        .and_then(|u| Url::parse(&u).ok())
        .map(|u| crate::dedup::canonical_url(&u).to_string());
    let description = metas
        .get(&["og:description", "description", "twitter:description"])
        .or_else(|| ld.and_then(|l| l.description.clone()))
        .map(|d| super::html_to_text(&d))
        .filter(|d| !d.is_empty());
    let image = metas
        .get(&["og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"])
        .or_else(|| ld.and_then(|l| l.image.clone()))
        .and_then(|u| absolute(&u, url));
    Meta {
        title,
        authors: authors(dom, &metas, ld),
        published_at,
        updated_at,
        language: declared_language(dom, &metas, ld),
        canonical_url,
        site_name,
        description,
        image,
    }
}

fn has_rel(dom: &Dom, i: u32, rel: &str) -> bool {
    dom.attr(i, Attr::Rel).is_some_and(|r| r.split_ascii_whitespace().any(|x| x.eq_ignore_ascii_case(rel)))
}

/// `u` made absolute against the page URL; `None` if that is impossible or not http(s).
fn absolute(u: &str, base: Option<&Url>) -> Option<String> {
    let u = u.trim();
    let abs = match base {
        Some(b) => b.join(u).ok()?,
        None => Url::parse(u).ok()?,
    };
    matches!(abs.scheme(), "http" | "https").then(|| abs.to_string())
}

fn title(dom: &Dom, metas: &Metas, ld: Option<&LdArticle>, site: Option<&str>) -> Option<String> {
    let h1 = || dom.elements(Tag::H1).map(|i| dom.text_of(i)).find(|t| !t.is_empty());
    let doc_title = || dom.elements(Tag::Title).next().map(|i| dom.text_of(i));
    let raw = metas
        .get(&["og:title", "twitter:title"])
        .or_else(|| ld.and_then(|l| l.headline.clone()))
        .or_else(h1)
        .or_else(doc_title)?;
    let t = strip_site(&super::html_to_text(&raw), site);
    (!t.is_empty()).then_some(t)
}

/// Removes a site name joined to a title by " | ", " - ", " – ", " — ", " :: " or " · ".
pub fn strip_site(title: &str, site: Option<&str>) -> String {
    for sep in [" | ", " - ", " – ", " — ", " :: ", " · ", " // "] {
        let Some((head, tail)) = title.rsplit_once(sep) else { continue };
        let names_site = |s: &str| site.is_some_and(|n| s.trim().eq_ignore_ascii_case(n.trim()));
        if names_site(tail)
            || (site.is_none() && tail.split_whitespace().count() <= 4 && head.len() > 2 * tail.len())
        {
            return head.trim().to_string();
        }
        if let Some((first, rest)) = title.split_once(sep) {
            if names_site(first) {
                return rest.trim().to_string();
            }
        }
    }
    title.trim().to_string()
}

fn dates(
    dom: &Dom,
    metas: &Metas,
    ld: Option<&LdArticle>,
    url: Option<&Url>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let time_attr = |prop: &str| {
        (0..dom.nodes.len() as u32)
            .filter(|&i| dom.attr(i, Attr::Itemprop).is_some_and(|p| p.eq_ignore_ascii_case(prop)))
            .find_map(|i| {
                dom.attr(i, Attr::Datetime).or_else(|| dom.attr(i, Attr::Content)).map(str::to_string)
            })
    };
    let published_keys = [
        "article:published_time",
        "og:article:published_time",
        "datepublished",
        "publishdate",
        "pubdate",
        "date",
        "dc.date.issued",
        "dc.date",
        "sailthru.date",
        "parsely-pub-date",
    ];
    let modified_keys =
        ["article:modified_time", "og:updated_time", "datemodified", "lastmod", "last-modified"];
    let first_time = || dom.elements(Tag::Time).find_map(|i| dom.attr(i, Attr::Datetime).map(str::to_string));
    let published = ld
        .and_then(|l| l.published.clone())
        .and_then(|s| dates::parse(&s))
        .or_else(|| metas.get(&published_keys).and_then(|s| dates::parse(&s)))
        .or_else(|| time_attr("datePublished").and_then(|s| dates::parse(&s)))
        .or_else(|| first_time().and_then(|s| dates::parse(&s)));
    let modified = ld
        .and_then(|l| l.modified.clone())
        .and_then(|s| dates::parse(&s))
        .or_else(|| metas.get(&modified_keys).and_then(|s| dates::parse(&s)))
        .or_else(|| time_attr("dateModified").and_then(|s| dates::parse(&s)));
    // The page's stated zone: the offset of any zoned date it carries.
    let zone: Option<FixedOffset> = [published, modified]
        .into_iter()
        .flatten()
        .find_map(dates::Parsed::offset)
        .or_else(|| metas.all("article:published_time").find_map(|s| dates::parse(s)?.offset()))
        .or_else(|| {
            dom.elements(Tag::Time).find_map(|i| dates::parse(dom.attr(i, Attr::Datetime)?)?.offset())
        });
    let url_date = || {
        let d = dates::from_url_path(url?.path())?;
        dates::Parsed::Local(d.and_time(chrono::NaiveTime::MIN)).to_utc(zone)
    };
    let published_at = published.and_then(|p| p.to_utc(zone)).or_else(url_date);
    let updated_at = modified.and_then(|p| p.to_utc(zone));
    (published_at, updated_at)
}

fn authors(dom: &Dom, metas: &Metas, ld: Option<&LdArticle>) -> Vec<String> {
    let mut raw: Vec<String> = ld.map(|l| l.authors.clone()).unwrap_or_default();
    if raw.is_empty() {
        raw.extend(
            metas
                .all("author")
                .chain(metas.all("article:author"))
                .chain(metas.all("dc.creator"))
                .chain(metas.all("sailthru.author"))
                .chain(metas.all("parsely-author"))
                .map(str::to_string),
        );
    }
    if raw.is_empty() {
        for i in 0..dom.nodes.len() as u32 {
            let prop = dom.attr(i, Attr::Itemprop).is_some_and(|p| p.eq_ignore_ascii_case("author"));
            if prop || (dom.tag(i) == Some(Tag::A) && has_rel(dom, i, "author")) {
                raw.push(dom.text_of(i));
            }
        }
    }
    if raw.is_empty() {
        // The first short element classed as a byline that reads as names.
        const BYLINE: [&str; 6] = ["byline", "author", "autor", "auteur", "signature", "writer"];
        let byline = |i: u32| {
            dom.attr(i, Attr::Class).is_some_and(|c| {
                let c = c.to_ascii_lowercase();
                // Not the "author" field of a comment form or a commenter's name.
                BYLINE.iter().any(|b| c.contains(b)) && !c.contains("comment") && !c.contains("form")
            })
        };
        let found = (0..dom.nodes.len() as u32)
            .filter(|&i| dom.tag(i).is_some() && byline(i))
            .map(|i| dom.text_of(i))
            .filter(|t| t.chars().count() <= 100)
            .map(|t| normalize_authors(&[t]))
            .find(|names| !names.is_empty());
        return found.unwrap_or_default();
    }
    normalize_authors(&raw)
}

/// Splits, cleans and deduplicates author strings.
pub fn normalize_authors(raw: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in raw {
        let r = fold_ws(&super::html_to_text(r));
        if r.starts_with("http") {
            continue; // a profile URL (Facebook's article:author)
        }
        let r = strip_prefix_ci(&r, &["by ", "von ", "par ", "por ", "di ", "door ", "av ", "af "]);
        let r = r
            .replace(" and ", ",")
            .replace(" & ", ",")
            .replace(" und ", ",")
            .replace(" et ", ",")
            .replace(" y ", ",")
            .replace([';', '|'], ",");
        for name in r.split(',') {
            let name = name.trim().trim_matches(|c: char| !c.is_alphanumeric());
            if is_name(name) && !out.iter().any(|o| o.eq_ignore_ascii_case(name)) {
                out.push(title_case(name));
            }
        }
    }
    out.truncate(10);
    out
}

fn strip_prefix_ci<'a>(s: &'a str, prefixes: &[&str]) -> &'a str {
    for p in prefixes {
        if s.len() >= p.len() && s.is_char_boundary(p.len()) && s[..p.len()].eq_ignore_ascii_case(p) {
            return s[p.len()..].trim_start();
        }
    }
    s
}

/// Plausible as a person's (or agency's) name.
fn is_name(s: &str) -> bool {
    const JUNK: &[&str] = &[
        "staff",
        "admin",
        "administrator",
        "editor",
        "editors",
        "editorial",
        "team",
        "newsroom",
        "redaktion",
        "rédaction",
        "redacción",
        "desk",
        "contributor",
        "guest",
        "unknown",
        "anonymous",
    ];
    let words = s.split_whitespace().count();
    !s.is_empty()
        && s.chars().count() <= 60
        && words <= 5
        && !s.contains('@')
        && !s.contains("://")
        && !s.chars().any(|c| c.is_ascii_digit() || "()[]{}<>:|/\\*".contains(c))
        && !s.split_whitespace().all(|w| JUNK.contains(&w.to_lowercase().as_str()))
        // A job title, not a name ("AP Auto Writer", "Senior Correspondent").
        && !s.split_whitespace().any(|w| ROLES.contains(&w.to_lowercase().as_str()))
}

/// Words of job titles that bylines carry after or instead of a name.
const ROLES: &[&str] = &[
    "writer",
    "reporter",
    "correspondent",
    "columnist",
    "editor",
    "photographer",
    "contributor",
    "producer",
    "redakteur",
    "redakteurin",
    "korrespondent",
    "korrespondentin",
    "journaliste",
    "rédacteur",
    "periodista",
    "redactor",
];

/// "TOM KRISHER" → "Tom Krisher": names written in capitals by the page's style.
fn title_case(name: &str) -> String {
    if name.chars().any(char::is_lowercase) {
        return name.to_string();
    }
    name.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c.flat_map(char::to_lowercase)).collect())
                .unwrap_or_default()
        })
        .collect::<Vec<String>>()
        .join(" ")
}

fn declared_language(dom: &Dom, metas: &Metas, ld: Option<&LdArticle>) -> Option<String> {
    let html_lang = dom.elements(Tag::Html).next().and_then(|i| dom.attr(i, Attr::Lang)).map(str::to_string);
    html_lang
        .or_else(|| metas.get(&["content-language", "language", "dc.language", "og:locale"]))
        .or_else(|| ld.and_then(|l| l.language.clone()))
        .and_then(|l| primary_subtag(&l))
}

/// `en-US` → `en`; `None` unless it is a two-letter code.
pub fn primary_subtag(tag: &str) -> Option<String> {
    let p = tag.trim().split(['-', '_', ',', ' ']).next()?.to_ascii_lowercase();
    (p.len() == 2 && p.chars().all(|c| c.is_ascii_lowercase())).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_suffix_removed() {
        assert_eq!(strip_site("Big news | The Daily", Some("The Daily")), "Big news");
        assert_eq!(strip_site("The Daily - Big news today", Some("The Daily")), "Big news today");
        assert_eq!(strip_site("A long headline about things - Site", None), "A long headline about things");
        assert_eq!(strip_site("Left - right", None), "Left - right");
    }

    #[test]
    fn authors_are_split_and_cleaned() {
        let raw = vec![
            "By Jane Doe and John Roe".to_string(),
            "jane doe".to_string(),
            "Staff".to_string(),
            "x@y.com".to_string(),
            "Updated 12 May 2024".to_string(),
        ];
        assert_eq!(normalize_authors(&raw), ["Jane Doe", "John Roe"]);
        let raw = vec!["TOM KRISHER, AP Auto Writer".to_string(), "Nama (wajib)".to_string()];
        assert_eq!(normalize_authors(&raw), ["Tom Krisher"]);
    }

    #[test]
    fn language_subtags() {
        assert_eq!(primary_subtag("en-US").as_deref(), Some("en"));
        assert_eq!(primary_subtag("pt_BR").as_deref(), Some("pt"));
        assert_eq!(primary_subtag("english"), None);
    }
}
