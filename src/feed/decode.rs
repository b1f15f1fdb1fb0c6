//! Feed bytes → UTF-8 text, whatever the document claims. Owns the choice of character
//! encoding for feeds and the rewrite of the XML declaration to match; knows nothing of feed
//! formats.
//!
//! feed-rs decodes by the XML declaration alone, fails the whole document on one invalid byte
//! and panics on some UTF-16 input, so newsd decodes first and hands it UTF-8 with a declaration
//! that says so. Precedence (what real feeds need, close to miniflux and feedparser):
//! 1. a byte-order mark;
//! 2. UTF-16 without a BOM, recognised by the NUL bytes around the first `<`;
//! 3. bytes that are valid UTF-8 (a legacy encoding with non-ASCII text almost never is): UTF-8,
//!    even if the declaration or the HTTP header says otherwise;
//! 4. the charset of the HTTP `Content-Type` header, then the XML declaration's `encoding`;
//! 5. mostly-valid UTF-8 (a few stray bytes among many multi-byte characters): UTF-8;
//! 6. detection with chardetng.
//!
//! Invalid sequences become U+FFFD instead of failing the document.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

/// A document decoded to UTF-8, with the name of the encoding it was read as.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: &'static str,
    /// Invalid byte sequences were replaced by U+FFFD.
    pub lossy: bool,
}

/// Decodes a feed document; `content_type` is the HTTP header value, if any.
pub fn decode<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Decoded<'a> {
    if let Some((text, name)) = utf32(bytes) {
        return Decoded { text: declare_utf8(Cow::Owned(text)), encoding: name, lossy: false };
    }
    let (encoding, bom_len) = choose(bytes, content_type);
    let body = &bytes[bom_len..];
    let (text, lossy) = if encoding == UTF_8 {
        match std::str::from_utf8(body) {
            Ok(s) => (Cow::Borrowed(s), false),
            Err(_) => (Cow::Owned(String::from_utf8_lossy(body).into_owned()), true),
        }
    } else {
        let (text, had_errors) = encoding.decode_without_bom_handling(body);
        (text, had_errors)
    };
    Decoded { text: declare_utf8(text), encoding: encoding.name(), lossy }
}

/// The encoding to read `bytes` as, and the length of its BOM (to skip).
fn choose(bytes: &[u8], content_type: Option<&str>) -> (&'static Encoding, usize) {
    if let Some((enc, len)) = Encoding::for_bom(bytes) {
        return (enc, len);
    }
    if let Some(enc) = utf16_without_bom(bytes) {
        return (enc, 0);
    }
    if std::str::from_utf8(bytes).is_ok() {
        return (UTF_8, 0);
    }
    // RFC 7303: the HTTP charset overrides the document's own declaration
    let declared = content_type
        .and_then(crate::charset::charset_param)
        .and_then(usable)
        .or_else(|| xml_declared_encoding(bytes).and_then(usable));
    if let Some(enc) = declared.filter(|e| *e != UTF_8) {
        return (enc, 0);
    }
    if mostly_utf8(bytes) {
        return (UTF_8, 0);
    }
    // nothing declared that fits: guess from the bytes (the first 256 KiB are plenty)
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let sample = &bytes[..bytes.len().min(256 * 1024)];
    det.feed(sample, sample.len() == bytes.len());
    (det.guess(None, chardetng::Utf8Detection::Allow), 0)
}

/// UTF-32 (which encoding_rs does not know), by its BOM or by the NUL bytes around the
/// first `<`; invalid code points become U+FFFD.
fn utf32(bytes: &[u8]) -> Option<(String, &'static str)> {
    let (big_endian, skip) = match bytes {
        [0, 0, 0xFE, 0xFF, ..] => (true, 4),
        [0xFF, 0xFE, 0, 0, ..] => (false, 4),
        [0, 0, 0, b'<', ..] => (true, 0),
        [b'<', 0, 0, 0, ..] => (false, 0),
        _ => return None,
    };
    let units = bytes[skip..].chunks_exact(4).map(|c| {
        let b = [c[0], c[1], c[2], c[3]];
        if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    });
    let text = units.map(|u| char::from_u32(u).unwrap_or('\u{fffd}')).collect();
    Some((text, if big_endian { "UTF-32BE" } else { "UTF-32LE" }))
}

/// UTF-16 without a BOM: `<` followed (LE) or preceded (BE) by a NUL byte.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    match bytes {
        [b'<', 0, b'?' | b'r' | b'f' | b'R', 0, ..] => Some(UTF_16LE),
        [0, b'<', 0, b'?' | b'r' | b'f' | b'R', ..] => Some(UTF_16BE),
        _ => None,
    }
}

/// An encoding label we can use for bytes that are not valid UTF-8: UTF-16 labels are ignored
/// there (real UTF-16 was caught above), as is the `x-user-defined` oddity.
fn usable(label: &str) -> Option<&'static Encoding> {
    let enc = Encoding::for_label_no_replacement(label.trim().as_bytes())?;
    (enc != UTF_16BE && enc != UTF_16LE && enc != encoding_rs::X_USER_DEFINED).then_some(enc)
}

/// The `encoding` pseudo-attribute of an XML declaration at the very start of `bytes`.
fn xml_declared_encoding(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(512)];
    let decl_end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..decl_end]).ok()?;
    let decl = decl.trim_start().strip_prefix("<?xml")?;
    attr_value(decl, "encoding")
}

/// The value of `name="..."` (or single-quoted) in an attribute list.
fn attr_value<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let at = attrs.find(name)?;
    let rest = attrs[at + name.len()..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    Some(&rest[..rest.find(quote)?])
}

/// At least as many well-formed multi-byte UTF-8 sequences as invalid ones: a UTF-8 document
/// with a few stray bytes (pasted Latin-1, a cut character). In a legacy encoding nearly every
/// non-ASCII byte is an invalid sequence and valid ones occur only by chance.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut good, mut bad) = (0usize, 0usize);
    // walk from one invalid sequence to the next; lead bytes (>= 0xC0) of the valid runs
    // count the well-formed multi-byte characters
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                good += s.bytes().filter(|b| *b >= 0xC0).count();
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                good += valid.iter().filter(|b| **b >= 0xC0).count();
                bad += 1;
                let skip = e.error_len().unwrap_or(after.len()).max(1);
                rest = &after[skip.min(after.len())..];
                if rest.is_empty() {
                    break;
                }
            }
        }
    }
    good > 0 && good >= bad
}

/// Rewrites (or removes) the XML declaration's `encoding` so that it matches the UTF-8 text.
/// A document without a declaration is left alone: XML defaults to UTF-8.
fn declare_utf8(text: Cow<'_, str>) -> Cow<'_, str> {
    let trimmed = text.trim_start();
    if !trimmed.starts_with("<?xml") {
        return text;
    }
    let lead = text.len() - trimmed.len();
    let Some(end) = trimmed.find("?>") else { return text };
    let decl = &trimmed[..end];
    match attr_value(decl, "encoding") {
        Some(v) if v.eq_ignore_ascii_case("utf-8") => text,
        _ => Cow::Owned(format!("<?xml version=\"1.0\" encoding=\"utf-8\"{}", &text[lead + end..])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_charset_wins_over_a_wrong_declaration() {
        let doc = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><t>caf\xe9 \x80</t></rss>";
        let d = decode(doc, Some("application/rss+xml; charset=windows-1252"));
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.contains("café €"), "{}", d.text);
    }

    #[test]
    fn valid_utf8_wins_over_a_legacy_declaration() {
        let doc = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><feed><title>테스트</title></feed>";
        let d = decode(doc.as_bytes(), None);
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><feed>"), "{}", d.text);
    }

    #[test]
    fn a_stray_byte_in_utf8_is_replaced_not_fatal() {
        let doc = "<rss><t>Zürich — Genève \u{fffd}</t></rss>".replace('\u{fffd}', "X");
        let mut bytes = doc.into_bytes();
        let x = bytes.iter().position(|b| *b == b'X').unwrap();
        bytes[x] = 0xFF;
        let d = decode(&bytes, None);
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.lossy);
        assert!(d.text.contains("Zürich — Genève \u{fffd}"));
    }

    #[test]
    fn undeclared_latin1_is_detected() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(
            "<rss version=\"2.0\"><channel><title>Le magazine de psychologie</title><item><title>Perturbé, \
             déprimé, inquiet : la santé mentale des étudiants français</title></item></channel></rss>",
        );
        let d = decode(&bytes, None);
        assert!(d.text.contains("déprimé"), "{} read as {}", d.text, d.encoding);
    }

    #[test]
    fn utf32_both_orders() {
        let doc = "<?xml version=\"1.0\" encoding=\"utf-32\"?><rss>é</rss>";
        let le: Vec<u8> =
            [0xFEFF].into_iter().chain(doc.chars().map(u32::from)).flat_map(u32::to_le_bytes).collect();
        let be: Vec<u8> = doc.chars().map(u32::from).flat_map(u32::to_be_bytes).collect();
        for bytes in [le, be] {
            assert_eq!(decode(&bytes, None).text, "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>é</rss>");
        }
    }

    #[test]
    fn utf16_without_bom_is_recognised() {
        let doc = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss/>";
        let bytes: Vec<u8> = doc.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let d = decode(&bytes, None);
        assert_eq!(d.text, "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss/>");
    }
}
