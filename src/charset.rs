//! Bytes → text for HTML pages: BOM, then the HTTP `Content-Type` charset, then a `<meta>`
//! declaration in the first 4 KiB (a UTF-8 declaration only when the bytes are UTF-8), then
//! detection with chardetng. Owns nothing else: feeds are
//! handed to feed-rs as raw bytes (it reads the XML prolog itself) and only fall back here.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8};

/// Decodes an HTML document. `content_type` is the HTTP header value if there was one;
/// `tld` the URL's top-level domain, a hint for detection. Never fails: invalid bytes become U+FFFD.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>, tld: Option<&[u8]>) -> String {
    decode_html_cow(bytes, content_type, tld).into_owned()
}

/// [`decode_html`] without a copy when the bytes are already valid UTF-8 (most pages).
pub fn decode_html_cow<'a>(bytes: &'a [u8], content_type: Option<&str>, tld: Option<&[u8]>) -> Cow<'a, str> {
    let encoding = sniff(bytes, content_type, tld);
    // `decode` strips a BOM and, if one is present, lets it override `encoding`.
    let (text, _, _) = encoding.decode(bytes);
    text
}

/// The encoding a document is in, by the precedence above.
pub fn sniff(bytes: &[u8], content_type: Option<&str>, tld: Option<&[u8]>) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        return enc;
    }
    // A declared UTF-8 that the bytes contradict is a template's boilerplate over a legacy
    // page (often followed by the real declaration): detection reads such pages better. A
    // UTF-8 page with a few stray legacy bytes stays UTF-8.
    let utf8 = valid_utf8_prefix(bytes);
    let believable = |enc: &&'static Encoding| *enc != UTF_8 || utf8 || mostly_utf8(bytes);
    if let Some(enc) = content_type.and_then(charset_param).and_then(label).filter(believable) {
        return enc;
    }
    let head = &bytes[..bytes.len().min(4096)];
    if let Some(enc) = meta_charset(head).filter(believable) {
        return enc;
    }
    if utf8 {
        return UTF_8;
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(&bytes[..bytes.len().min(256 * 1024)], bytes.len() <= 256 * 1024);
    det.guess(tld, chardetng::Utf8Detection::Allow)
}

/// True when the first 64 KiB are valid UTF-8 (a multi-byte sequence cut at the end is fine).
fn valid_utf8_prefix(bytes: &[u8]) -> bool {
    let cut = &bytes[..bytes.len().min(64 * 1024)];
    match std::str::from_utf8(cut) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && cut.len() - e.valid_up_to() < 4,
    }
}

/// True when the first 64 KiB hold more valid non-ASCII UTF-8 characters than invalid bytes.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut good, mut bad) = (0usize, 0usize);
    for chunk in bytes[..bytes.len().min(64 * 1024)].utf8_chunks() {
        good += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        bad += chunk.invalid().len();
    }
    good > bad
}

/// `charset=` from a Content-Type value.
pub(crate) fn charset_param(ct: &str) -> Option<&str> {
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches(['"', '\'']))
    })
}

/// An encoding by its WHATWG label; UTF-16 labels in a meta or header are treated as UTF-8
/// (as browsers do: a document that really is UTF-16 carries a BOM).
fn label(l: &str) -> Option<&'static Encoding> {
    let enc = Encoding::for_label(l.trim().as_bytes())?;
    Some(if enc == encoding_rs::UTF_16BE || enc == encoding_rs::UTF_16LE { UTF_8 } else { enc })
}

/// `<meta charset=...>` or `<meta http-equiv=content-type content="...; charset=...">`, also an
/// XML declaration's `encoding="..."`, by a byte scan of the document head.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let mut at = 0;
    while let Some(pos) = find(&lower[at..], b"charset") {
        let start = at + pos + b"charset".len();
        at = start;
        let rest = &head[start..];
        let rest = trim_start(rest);
        let Some(rest) = rest.strip_prefix(b"=") else { continue };
        let rest = trim_start(rest);
        let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
        let end = rest
            .iter()
            .position(|b| matches!(b, b'"' | b'\'' | b';' | b'>' | b' ' | b'/'))
            .unwrap_or(rest.len());
        if let Some(enc) = std::str::from_utf8(&rest[..end]).ok().and_then(label) {
            return Some(enc);
        }
    }
    if lower.starts_with(b"<?xml") {
        let decl_end = find(&lower, b"?>")?;
        let p = find(&lower[..decl_end], b"encoding")? + b"encoding".len();
        let rest = trim_start(&head[p..decl_end]).strip_prefix(b"=")?;
        let rest = trim_start(rest);
        let q = *rest.first()?;
        let rest = &rest[1..];
        let end = rest.iter().position(|&b| b == q)?;
        return std::str::from_utf8(&rest[..end]).ok().and_then(label);
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_wins() {
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("<meta charset=\"iso-8859-1\">é".as_bytes());
        assert!(decode_html(&b, Some("text/html; charset=windows-1251"), None).ends_with('é'));
    }

    #[test]
    fn header_then_meta() {
        let b = b"<meta charset=\"utf-8\"><p>\xe9t\xe9</p>";
        assert_eq!(sniff(b, Some("text/html; charset=ISO-8859-1"), None).name(), "windows-1252");
        assert!(decode_html(b, Some("text/html; charset=ISO-8859-1"), None).contains("été"));
    }

    #[test]
    fn a_utf8_declaration_the_bytes_contradict_is_ignored() {
        let text = "<p>Jak pomóc osobie niewidomej, z którą jesteśmy w restauracji? Co zrobić, jeśli \
                    w kontaktach z osobą głuchą towarzyszy nam tłumacz? Wiele osób nie wie.</p>";
        let (latin2, _, _) = encoding_rs::ISO_8859_2.encode(text);
        let mut b = b"<meta charset=\"utf-8\">".to_vec();
        b.extend_from_slice(&latin2);
        assert!(decode_html(&b, None, None).contains("pomóc osobie niewidomej"));
        assert!(decode_html(&b, Some("text/html; charset=UTF-8"), None).contains("jesteśmy"));
        // A UTF-8 page with one stray Latin-1 byte stays UTF-8.
        let mut b = "<meta charset=utf-8><p>So schön winterlich – große Freude.</p>".as_bytes().to_vec();
        b.extend_from_slice(b"<p>K\xfcchen</p>");
        assert!(decode_html(&b, None, None).contains("So schön winterlich – große"));
    }

    #[test]
    fn meta_http_equiv() {
        let b = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">";
        assert_eq!(sniff(b, None, None).name(), "windows-1251");
    }

    #[test]
    fn detects_undeclared_legacy() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251
            .encode("<p>Москва — столица России, крупнейший по численности населения город страны.</p>");
        assert_eq!(sniff(&bytes, None, None).name(), "windows-1251");
    }

    #[test]
    fn plain_utf8_without_declaration() {
        assert_eq!(decode_html("<p>naïve café</p>".as_bytes(), None, None), "<p>naïve café</p>");
    }
}
