//! A tiny driver around dom_smoothie for `scripts/bench-extract`: reads every file named on the
//! command line (in order), extracts the article with dom_smoothie's defaults and prints one
//! line per page (the text with newlines escaped), like `newsd extract --format text`.

use std::io::Write;

fn main() {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for path in std::env::args().skip(1) {
        let text = std::fs::read(&path)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .and_then(|html| {
                let mut r = dom_smoothie::Readability::new(html, None, None).ok()?;
                r.parse().ok().map(|a| a.text_content.to_string())
            })
            .unwrap_or_default();
        let line = text.replace('\\', "\\\\").replace('\n', "\\n");
        writeln!(out, "{line}").expect("stdout");
    }
}
