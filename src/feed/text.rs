//! Feed text (titles, summaries, author names) as plain text that is safe in a record: HTML
//! fragments reduced to their words, entities decoded, control characters dropped, white space
//! folded, length capped. Owns nothing else.
//!
//! Feed fragments are small and often broken, so they are read with the same forgiving
//! tokenizer as the repair pass rather than a full HTML parser: linear, never failing, and
//! aware of what a DOM text dump gets wrong for a summary (`<p>One</p><p>Two</p>` must read
//! "One Two", and a `<script>` body is not text).

use super::markup::{self, Token};

/// Elements whose content is never text.
const SKIP: [&str; 5] = ["script", "style", "template", "noscript", "iframe"];
/// Inline elements: a tag of any other element separates words.
const INLINE: [&str; 20] = [
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "em", "font", "i", "mark", "q", "s", "small", "span",
    "strong", "sub", "sup", "time", "u",
];

/// Plain text of `s`, cut at `max` bytes (on a character boundary).
pub fn clean_text(s: &str, max: usize) -> String {
    let raw = if looks_like_html(s) { html_text(s) } else { s.to_string() };
    fold(&raw, max)
}

/// A tag (`<p>`, `</b>`, `<br/>`, `<!--`) or an entity reference (`&amp;`, `&#39;`) in `s`.
fn looks_like_html(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| match c {
        b'<' => b.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || *n == b'/' || *n == b'!'),
        b'&' => {
            let rest = &b[i + 1..b.len().min(i + 34)];
            rest.iter().position(|c| *c == b';').is_some_and(|end| {
                end > 0 && rest[..end].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'#')
            })
        }
        _ => false,
    })
}

/// The text of an HTML fragment, entities decoded, words kept apart where blocks meet.
fn html_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // the element whose content is being skipped (`script`…), lower-cased
    let mut skipping: Option<String> = None;
    for token in markup::tokenize(s).tokens {
        match (&skipping, token) {
            (Some(open), Token::End(name)) if name.eq_ignore_ascii_case(open) => skipping = None,
            (Some(_), _) => {}
            (None, Token::Text(t)) => decode_entities(t, &mut out),
            (None, Token::Cdata(t)) => out.push_str(t),
            (None, Token::Start { name, self_closing, .. }) => {
                let lower = name.to_ascii_lowercase();
                if SKIP.contains(&lower.as_str()) && !self_closing {
                    skipping = Some(lower);
                } else if !INLINE.contains(&lower.as_str()) {
                    out.push(' ');
                }
            }
            (None, Token::End(name)) if !INLINE.contains(&name.to_ascii_lowercase().as_str()) => {
                out.push(' ')
            }
            (None, _) => {}
        }
    }
    out
}

/// Appends `t` with its character and entity references decoded; an `&` that starts no known
/// reference stays as it is.
fn decode_entities(t: &str, out: &mut String) {
    let mut rest = t;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let end = rest.char_indices().take(40).find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '#'));
        // a reference is short and ends with `;`; anything else is a literal `&` ("AT&T")
        let decoded = match end {
            Some((end, ';')) => entity(&rest[..end]).map(|chars| (chars, end + 1)),
            _ => None,
        };
        match decoded {
            Some((chars, len)) => {
                out.extend(chars);
                rest = &rest[len..];
            }
            None => out.push('&'),
        }
    }
    out.push_str(rest);
}

/// The characters of `&name;` (one or two), numeric references included.
fn entity(name: &str) -> Option<impl Iterator<Item = char>> {
    let (a, b) = if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        (code, 0)
    } else {
        *markup5ever::data::NAMED_ENTITIES.get(format!("{name};").as_str())?
    };
    // a few HTML entities stand for two code points (`&NotEqualTilde;`); surrogates and
    // out-of-range numbers become U+FFFD
    let first = char::from_u32(a).unwrap_or('\u{fffd}');
    Some(std::iter::once(first).chain((b != 0).then(|| char::from_u32(b).unwrap_or('\u{fffd}'))))
}

/// White space (and control characters, which are never text) folded to single spaces, the
/// ends trimmed, the whole cut at `max` bytes.
fn fold(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        // stop early: a 100 MB text node must not be folded whole to keep 2 KB of it
        if out.len() >= max {
            break;
        }
    }
    if out.len() > max {
        let mut cut = max;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_fragments() {
        assert_eq!(clean_text("<p>One</p><p>Two<br>three</p>", 100), "One Two three");
        assert_eq!(clean_text("un<b>believ</b>able <a href='x'>link</a>", 100), "unbelievable link");
        assert_eq!(
            clean_text("<p>Hi</p><script>if (a < b) x()</script><STYLE>p{}</STYLE> there", 100),
            "Hi there"
        );
        assert_eq!(
            clean_text("a&nbsp;b &lt;c&gt; &eacute;&#233;&#xe9; &bogus; AT&T", 100),
            "a b <c> ééé &bogus; AT&T"
        );
    }

    #[test]
    fn plain_text_is_only_folded() {
        assert_eq!(clean_text("x < y and a\u{0}b\n\tc", 100), "x < y and a b c");
        assert_eq!(clean_text("AT&T", 100), "AT&T");
    }

    #[test]
    fn cut_on_a_character_boundary() {
        assert_eq!(clean_text("ééééé", 5), "éé");
        assert_eq!(clean_text("", 5), "");
    }
}
