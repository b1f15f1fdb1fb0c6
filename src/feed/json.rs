//! Repair of JSON Feed documents that feed-rs rejects as a whole: it deserializes into strict
//! types, so a missing `version`, a numeric item `id` or one odd attachment loses every item.
//! Owns only the reshaping of the JSON value; the JSON itself must parse.

use serde_json::{Map, Value};

/// The version feed-rs accepts (any `https://jsonfeed.org/version/1…`).
const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// Feed and item fields that must be strings when present.
const FEED_STRINGS: [&str; 6] = ["home_page_url", "feed_url", "language", "description", "icon", "favicon"];
const ITEM_STRINGS: [&str; 9] = [
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "date_published",
    "date_modified",
];

/// The document reshaped into what feed-rs can read, or `None` when it is no JSON Feed (an
/// object that names the JSON Feed version or has an `items` array; an API error such as
/// `{"error": …}` stays an error rather than becoming an empty feed).
pub fn repair(text: &str) -> Option<String> {
    let Ok(Value::Object(mut feed)) = serde_json::from_str::<Value>(text) else { return None };
    let names_version =
        feed.get("version").and_then(Value::as_str).is_some_and(|v| v.contains("jsonfeed.org"));
    if !names_version && !feed.get("items").is_some_and(Value::is_array) {
        return None;
    }
    let version_ok = feed
        .get("version")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("https://jsonfeed.org/version/1"));
    if !version_ok {
        feed.insert("version".into(), VERSION.into());
    }
    let title = feed.get("title").and_then(scalar_string).unwrap_or_default();
    feed.insert("title".into(), title.into());
    strings(&mut feed, &FEED_STRINGS);
    people(&mut feed);
    let items: Vec<Value> = match feed.remove("items") {
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|item| match item {
                Value::Object(item) => Some(Value::Object(repair_item(item))),
                _ => None, // not an item at all
            })
            .collect(),
        _ => Vec::new(),
    };
    feed.insert("items".into(), Value::Array(items));
    serde_json::to_string(&Value::Object(feed)).ok()
}

fn repair_item(mut item: Map<String, Value>) -> Map<String, Value> {
    strings(&mut item, &ITEM_STRINGS);
    people(&mut item);
    // tags: strings only
    let tags = item.remove("tags").and_then(|t| match t {
        Value::Array(tags) => {
            Some(tags.iter().filter_map(scalar_string).map(Value::from).collect::<Vec<_>>())
        }
        _ => None,
    });
    if let Some(tags) = tags {
        item.insert("tags".into(), Value::Array(tags));
    }
    // attachments: the ones with a URL and a MIME type, as strings
    let attachments = item.remove("attachments").and_then(|a| match a {
        Value::Array(list) => Some(list.into_iter().filter_map(attachment).collect::<Vec<_>>()),
        _ => None,
    });
    if let Some(attachments) = attachments {
        item.insert("attachments".into(), Value::Array(attachments));
    }
    item
}

fn attachment(a: Value) -> Option<Value> {
    let Value::Object(mut a) = a else { return None };
    let url = a.get("url").and_then(scalar_string)?;
    let mime =
        a.get("mime_type").and_then(scalar_string).unwrap_or_else(|| "application/octet-stream".into());
    a.insert("url".into(), url.into());
    a.insert("mime_type".into(), mime.into());
    strings(&mut a, &["title"]);
    if !a.get("size_in_bytes").is_none_or(Value::is_u64) {
        a.remove("size_in_bytes");
    }
    Some(Value::Object(a))
}

/// `author` and `authors`: objects whose `name` and `url` are strings; anything else goes.
fn people(obj: &mut Map<String, Value>) {
    let person = |p: Value| match p {
        Value::Object(mut p) => {
            strings(&mut p, &["name", "url"]);
            Some(Value::Object(p))
        }
        // a bare name where an object belongs
        other => scalar_string(&other).map(|name| serde_json::json!({ "name": name })),
    };
    if let Some(author) = obj.remove("author").and_then(person) {
        obj.insert("author".into(), author);
    }
    let authors = obj.remove("authors").and_then(|a| match a {
        Value::Array(list) => Some(list.into_iter().filter_map(person).collect::<Vec<_>>()),
        _ => None,
    });
    if let Some(authors) = authors {
        obj.insert("authors".into(), Value::Array(authors));
    }
}

/// Makes each named field a string: numbers and booleans are written out, `null`, arrays and
/// objects are removed.
fn strings(obj: &mut Map<String, Value>, fields: &[&str]) {
    for field in fields {
        if let Some(v) = obj.remove(*field) {
            if let Some(s) = scalar_string(&v) {
                obj.insert((*field).to_string(), s.into());
            }
        }
    }
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshapes_what_feed_rs_rejects() {
        let doc = r#"{"title": 7, "items": [
            {"id": 1, "url": "https://e.org/1", "title": "One", "tags": ["a", 2, null], "author": "Ann"},
            "junk",
            {"id": "2", "attachments": [{"url": "https://e.org/a.mp3", "size_in_bytes": "12"}, {"title": "x"}]}
        ]}"#;
        let fixed: Value = serde_json::from_str(&repair(doc).unwrap()).unwrap();
        assert_eq!(fixed["version"], VERSION);
        assert_eq!(fixed["title"], "7");
        assert_eq!(fixed["items"].as_array().unwrap().len(), 2);
        assert_eq!(fixed["items"][0]["id"], "1");
        assert_eq!(fixed["items"][0]["tags"], serde_json::json!(["a", "2"]));
        assert_eq!(fixed["items"][0]["author"], serde_json::json!({"name": "Ann"}));
        assert_eq!(
            fixed["items"][1]["attachments"],
            serde_json::json!([{"url": "https://e.org/a.mp3", "mime_type": "application/octet-stream"}])
        );
    }

    #[test]
    fn not_a_json_feed() {
        assert_eq!(repair("[1, 2]"), None);
        assert_eq!(repair("{\"items\": [}"), None);
        assert_eq!(repair("{\"error\": \"rate limited\"}"), None);
    }
}
