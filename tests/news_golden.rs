//! Golden tests for the news fields (issue 3): the seed story, wire-story openings and quote patterns
//! (`tests/fixtures/news/cases.json`), hand-labelled entities over AEB articles
//! (`tests/fixtures/news/entities/*.json`, precision/recall printed with `--nocapture`), hostile input
//! and an ignored timing run (`cargo test --test news_golden -- --ignored --nocapture`).

use newsd::news::{analyze, News, NewsInput};

/// The shared fixtures sit beside the repository (`../shared`, as in CI); a git worktree one level
/// deeper (`wt/<name>`) finds them two levels up.
fn shared(rel: &str) -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let candidates = [format!("{dir}/../shared/{rel}"), format!("{dir}/../../shared/{rel}")];
    candidates
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_else(|| panic!("shared fixture {rel} not found beside the repository"))
}

fn run(text: &str, title: Option<&str>, authors: &[&str]) -> News {
    let authors: Vec<String> = authors.iter().map(|a| a.to_string()).collect();
    analyze(&NewsInput { text, title, authors: &authors, language: Some("en") })
}

fn seed() -> News {
    let seed = shared("fixtures/seed/article.txt");
    let (title, body) = seed.split_once('\n').expect("seed has a title line");
    run(body, Some(title.trim()), &["Reuters"])
}

#[test]
fn seed_matches_expected() {
    let expected: serde_json::Value =
        serde_json::from_str(&shared("fixtures/seed/expected.json")).expect("expected.json parses");
    let news = seed();
    println!("{news:#?}");
    assert_eq!(news.dateline.as_deref(), expected["dateline"].as_str());
    for a in expected["agencies"].as_array().expect("agencies") {
        assert!(
            news.agencies.iter().any(|x| Some(x.as_str()) == a.as_str()),
            "agency {a} missing: {:?}",
            news.agencies
        );
    }
    for q in expected["quotes"].as_array().expect("quotes") {
        let (text, speaker) = (q["text"].as_str().expect("text"), q["speaker"].as_str());
        let found = news.quotes.iter().find(|x| x.text == text);
        assert!(found.is_some(), "quote {text:?} missing: {:#?}", news.quotes);
        assert_eq!(found.and_then(|x| x.speaker.as_deref()), speaker, "speaker of {text:?}");
    }
    for (field, list) in [
        ("persons", &news.entities.persons),
        ("locations", &news.entities.locations),
        ("organizations", &news.entities.organizations),
    ] {
        for e in expected["entities"][field].as_array().expect("entity list") {
            assert!(
                list.iter().any(|x| Some(x.as_str()) == e.as_str()),
                "{field}: {e} missing from {list:?}"
            );
        }
    }
    let summary = &news.summary;
    assert!(summary.starts_with("US President Donald Trump"), "{summary}");
    assert!(summary.ends_with('.'));
    assert!((5..=10).contains(&news.keywords.len()), "{:?}", news.keywords);
}
