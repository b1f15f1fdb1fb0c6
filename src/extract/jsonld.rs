//! JSON-LD (schema.org) blocks → the fields of the page's article object: headline, authors,
//! dates, body, publisher, image, description, language, URL. Finds the article object inside
//! `@graph`s and arrays; tolerates the usual breakage (control characters, trailing `;`).

use serde_json::Value;

/// What the article object says, as raw strings.
#[derive(Debug, Default, Clone)]
pub struct LdArticle {
    pub headline: Option<String>,
    pub authors: Vec<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub body: Option<String>,
    pub publisher: Option<String>,
    pub image: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub url: Option<String>,
}

/// schema.org types that describe the page's story.
const ARTICLE_TYPES: &[&str] = &[
    "NewsArticle",
    "Article",
    "BlogPosting",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "ReviewNewsArticle",
    "LiveBlogPosting",
    "TechArticle",
    "ScholarlyArticle",
    "Report",
    "SocialMediaPosting",
    "Review",
    "Recipe",
];

/// The article object of the page's JSON-LD blocks, the first with a known article type.
pub fn article(blocks: &[String]) -> Option<LdArticle> {
    let values: Vec<Value> = blocks
        .iter()
        .filter_map(|b| {
            let cleaned: String = b.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            serde_json::from_str::<Value>(cleaned.trim().trim_end_matches(';')).ok()
        })
        .collect();
    let mut objects = Vec::new();
    for v in &values {
        collect(v, &mut objects, 0);
    }
    let obj = objects.iter().find(|o| is_article(o)).copied()?;
    Some(LdArticle {
        headline: string(obj.get("headline")).or_else(|| string(obj.get("name"))),
        authors: names(obj.get("author")),
        published: string(obj.get("datePublished")).or_else(|| string(obj.get("dateCreated"))),
        modified: string(obj.get("dateModified")),
        body: string(obj.get("articleBody")).or_else(|| string(obj.get("text"))),
        publisher: names(obj.get("publisher")).into_iter().next(),
        image: url(obj.get("image")).or_else(|| url(obj.get("thumbnailUrl"))),
        description: string(obj.get("description")),
        language: string(obj.get("inLanguage")),
        url: url(obj.get("mainEntityOfPage")).or_else(|| string(obj.get("url"))),
    })
}

/// Every object in `v`, depth first (`@graph`, arrays, nested values are bounded to depth 6).
fn collect<'a>(v: &'a Value, out: &mut Vec<&'a serde_json::Map<String, Value>>, depth: usize) {
    if depth > 6 {
        return;
    }
    match v {
        Value::Array(a) => a.iter().for_each(|x| collect(x, out, depth + 1)),
        Value::Object(o) => {
            out.push(o);
            if let Some(g) = o.get("@graph") {
                collect(g, out, depth + 1);
            }
            if let Some(m) = o.get("mainEntity") {
                collect(m, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn is_article(o: &serde_json::Map<String, Value>) -> bool {
    let t = o.get("@type");
    let is = |s: &str| ARTICLE_TYPES.contains(&s.trim_start_matches("schema:"));
    match t {
        Some(Value::String(s)) => is(s),
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str().is_some_and(is)),
        _ => false,
    }
}

fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Array(a) => a.iter().find_map(|x| string(Some(x))),
        _ => None,
    }
}

/// Names of persons or organizations: a string, an object with `name`, or an array of those.
fn names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.trim().to_string()],
        Some(Value::Object(o)) => string(o.get("name")).into_iter().collect(),
        Some(Value::Array(a)) => a.iter().flat_map(|x| names(Some(x))).collect(),
        _ => Vec::new(),
    }
}

/// A URL: a string, an object with `url` or `@id`, or the first of an array.
fn url(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Object(o) => string(o.get("url")).or_else(|| string(o.get("@id"))),
        Value::Array(a) => a.iter().find_map(|x| url(Some(x))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_article_in_a_graph() {
        let ld = r#"{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"S"},
            {"@type":["NewsArticle"],"headline":"H","author":[{"@type":"Person","name":"A B"},"C D"],
             "datePublished":"2025-01-02T03:04:05Z","publisher":{"@type":"Organization","name":"P"},
             "image":{"@type":"ImageObject","url":"https://e.org/i.jpg"},"articleBody":"Body"}]}"#;
        let a = article(&[ld.to_string()]).unwrap();
        assert_eq!(a.headline.as_deref(), Some("H"));
        assert_eq!(a.authors, ["A B", "C D"]);
        assert_eq!(a.publisher.as_deref(), Some("P"));
        assert_eq!(a.image.as_deref(), Some("https://e.org/i.jpg"));
        assert_eq!(a.body.as_deref(), Some("Body"));
    }

    #[test]
    fn broken_json_is_skipped() {
        assert!(article(&["{not json".to_string(), "[]".to_string()]).is_none());
        let with_newline = "{\"@type\":\"Article\",\"articleBody\":\"a\nb\"};";
        assert_eq!(article(&[with_newline.to_string()]).unwrap().body.as_deref(), Some("a b"));
    }
}
