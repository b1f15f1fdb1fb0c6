//! Text helpers shared by the extractor: white-space folding and the plain text of small
//! HTML fragments (feed titles and summaries).

/// Folds every run of white space (including non-breaking spaces) to one space and trims.
pub fn fold_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split(|c: char| c.is_whitespace()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}
