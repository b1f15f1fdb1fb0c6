//! Golden tests of the extraction engine on whole pages: the shared seed article and fixture
//! pages of our own making, one per site template (WordPress, AMP, JSON-LD-only, ad-interleaved,
//! live blog, multi-page). Each fixture `x.html` has an `x.json` beside it with what a good
//! extraction yields (same keys as the seed's `expected.json`).

mod support;

use std::path::Path;

use newsd::extract::{extract_bytes, Extracted};
use serde_json::Value;
use url::Url;

/// Checks `ex` against the expectations in `want`; returns the failures.
fn check(ex: &Extracted, want: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    let s = |k: &str| want.get(k).and_then(Value::as_str);
    let list = |k: &str| -> Vec<String> {
        want.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let mut eq = |field: &str, got: Option<String>| {
        if let Some(w) = s(field) {
            if got.as_deref() != Some(w) {
                errs.push(format!("{field}: got {got:?}, want {w:?}"));
            }
        }
    };
    eq("title", ex.title.clone());
    eq("canonical_url", ex.canonical_url.clone());
    eq("published_at", ex.published_at.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
    eq("updated_at", ex.updated_at.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
    eq("language", ex.language.clone());
    eq("site_name", ex.site_name.clone());
    eq("image", ex.image.clone());
    let starts = list("text_starts_with_one_of");
    if !starts.is_empty() && !starts.iter().any(|p| ex.text.starts_with(p.as_str())) {
        errs.push(format!("text starts with {:?}", ex.text.chars().take(60).collect::<String>()));
    }
    for c in list("text_contains") {
        if !ex.text.contains(&c) {
            errs.push(format!("text lacks {c:?}"));
        }
    }
    for c in list("text_excludes") {
        if ex.text.contains(&c) {
            errs.push(format!("text has {c:?}"));
        }
    }
    if let Some(w) = s("text_ends_with") {
        if !ex.text.ends_with(w) {
            errs.push(format!("text ends with {:?}", ex.text.chars().rev().take(60).collect::<String>()));
        }
    }
    for a in list("authors") {
        if !ex.authors.contains(&a) {
            errs.push(format!("authors {:?} lack {a:?}", ex.authors));
        }
    }
    if let Some(n) = want.get("paragraphs").and_then(Value::as_u64) {
        let got = ex.text.split("\n\n").count() as u64;
        if got != n {
            errs.push(format!("paragraphs: got {got}, want {n}"));
        }
    }
    errs
}

fn run(html: &Path, want_path: &Path) {
    let want: Value = serde_json::from_slice(&std::fs::read(want_path).expect("expected json")).unwrap();
    let url = want.get("url").and_then(Value::as_str).map(|u| Url::parse(u).unwrap());
    let bytes = std::fs::read(html).expect("fixture page");
    let ct = want.get("content_type").and_then(Value::as_str);
    let ex = extract_bytes(&bytes, ct, url.as_ref());
    let errs = check(&ex, &want);
    assert!(errs.is_empty(), "{}:\n  {}\n--- text ---\n{}", html.display(), errs.join("\n  "), ex.text);
}

/// The seed article (`../shared/fixtures/seed`): dateline kept, caption, comment form,
/// related and most-read lists dropped, the "– Reuters" credit kept.
#[test]
fn seed_article_wp() {
    let dir = support::shared_dir().join("fixtures/seed");
    run(&dir.join("article-wp.html"), &dir.join("expected.json"));
}

/// Every `tests/fixtures/extract/*.html` against its `.json`.
#[test]
fn fixture_pages() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/extract"));
    let mut n = 0;
    let mut pages: Vec<_> =
        std::fs::read_dir(dir).unwrap().filter_map(Result::ok).map(|e| e.path()).collect();
    pages.sort();
    for p in pages.iter().filter(|p| p.extension().is_some_and(|e| e == "html")) {
        run(p, &p.with_extension("json"));
        n += 1;
    }
    assert!(n >= 1, "no fixture pages found");
}
