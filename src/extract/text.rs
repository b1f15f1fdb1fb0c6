//! Text helpers shared by the extractor: white-space folding and Unicode normalization.

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

/// The text in Unicode NFC: pages mix precomposed and decomposed forms of the same letters
/// (Bengali য়, Vietnamese tones, a Latin é typed as e + ◌́), readers and search expect one.
/// No copy when the text is already NFC (nearly always).
pub fn nfc(s: String) -> String {
    match icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(n) => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfc_composes_and_keeps_normal_text() {
        assert_eq!(nfc("Cafe\u{301} au lait".to_string()), "Caf\u{e9} au lait");
        // U+09DF is excluded from composition: NFC spells it as its two parts.
        assert_eq!(nfc("\u{9df}".to_string()), "\u{9af}\u{9bc}");
        assert_eq!(nfc("plain text".to_string()), "plain text");
    }
}
