//! Text normalization shared by the content hash and the near-duplicate sketch: words, their
//! stable 64-bit hashes, and word shingles. Pure functions.
//!
//! A word is a maximal run of alphanumeric characters, lower-cased; everything else (white
//! space, punctuation, typographic quotes) separates words. Han ideographs, kana and other
//! scripts written without spaces count one character per word, so Chinese and Japanese texts
//! are measured too. The hashes here are persisted (in signatures), so they must never depend on
//! the Rust version or the platform: FNV-1a and the SplitMix64 finalizer, both fixed.

/// Words in a shingle.
pub const SHINGLE_WORDS: usize = 3;

/// The words of `text`, normalized (see the module doc), in order.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, |w| out.push(w.to_string()));
    out
}

/// Calls `f` with each normalized word of `text`, in order, without allocating per word (the
/// hot path of sketching and hashing).
pub fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(first) = chars.next() {
        if !first.is_alphanumeric() {
            continue;
        }
        word.clear();
        push_lower(&mut word, first);
        if !is_unspaced(first) {
            while let Some(&c) = chars.peek() {
                if !c.is_alphanumeric() || is_unspaced(c) {
                    break;
                }
                push_lower(&mut word, c);
                chars.next();
            }
        }
        f(&word);
    }
}

/// Appends `c` lower-cased. ASCII (most of the text, even in many non-English pages) skips the
/// Unicode case tables; the result is the same as `char::to_lowercase`.
fn push_lower(word: &mut String, c: char) {
    if c.is_ascii() {
        word.push(c.to_ascii_lowercase());
    } else {
        word.extend(c.to_lowercase());
    }
}

/// Scripts written without spaces between words: Han, Hiragana, Katakana, Thai, Lao, Khmer,
/// Myanmar.
fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F
        | 0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF)
}

/// A stable 64-bit hash of a word (FNV-1a, then mixed so every bit depends on every byte).
pub fn word_hash(word: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in word.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(h)
}

/// SplitMix64's finalizer: a fixed bijection on `u64` with good avalanche.
pub const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hashes of the [`SHINGLE_WORDS`]-word shingles of a sequence of word hashes (order matters
/// within a shingle). A text shorter than one shingle gives no shingles.
pub fn shingles(word_hashes: &[u64]) -> impl Iterator<Item = u64> + '_ {
    word_hashes
        .windows(SHINGLE_WORDS)
        .map(|w| w.iter().fold(0x9e37_79b9_7f4a_7c15_u64, |h, &x| mix64(h.rotate_left(23) ^ x)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_case_and_drop_punctuation() {
        let w = words("“Hello,” said Ünal — it's 5.5% (up).");
        assert_eq!(w, ["hello", "said", "ünal", "it", "s", "5", "5", "up"]);
    }

    #[test]
    fn unspaced_scripts_count_per_character() {
        let w = words("東京都 Tokyo2024");
        assert_eq!(w, ["東", "京", "都", "tokyo2024"]);
    }

    #[test]
    fn hashes_are_fixed_values() {
        // Persisted in the store: a change here invalidates every stored signature.
        assert_eq!(word_hash(""), mix64(0xcbf2_9ce4_8422_2325));
        assert_eq!(mix64(0), 0);
        assert_ne!(word_hash("a"), word_hash("b"));
        let h: Vec<u64> = ["a", "b", "c", "d"].iter().map(|w| word_hash(w)).collect();
        let s: Vec<u64> = shingles(&h).collect();
        assert_eq!(s.len(), 2);
        let rev: Vec<u64> = h.iter().rev().copied().collect();
        assert_ne!(shingles(&rev).next(), shingles(&h).next(), "order matters");
    }
}
