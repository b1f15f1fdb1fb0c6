//! Tolerant repair of a broken feed document (already decoded to UTF-8) into well-formed XML
//! that feed-rs accepts. Owns every textual fix; knows nothing of items or of feed-rs itself.
//!
//! feed-rs is all-or-nothing: one bare `&` or one unclosed tag loses the whole feed, and some
//! old or odd dialects parse "fine" with zero items. The document is read here as a stream of
//! markup tokens, the way a browser would (never failing), and written back out:
//! - text: stray `&` and `<` escaped, HTML named entities (`&nbsp;`) turned into character
//!   references, characters XML forbids dropped;
//! - tags: attributes quoted and de-duplicated, end tags balanced (a missing one is inserted, a
//!   stray one dropped, a truncated document closed), HTML void elements (`<br>`) self-closed;
//! - dialects: a missing or unknown `version` on `<rss>` becomes 2.0, a bare `<channel>` gets its
//!   `<rss>`, a stray default `xmlns` is dropped (RSS) or corrected (RDF, Atom), RSS 0.90 and
//!   Atom 0.3 are mapped onto RSS 1.0 and Atom 1.0, Atom `type=` values feed-rs rejects are
//!   mapped, empty Atom text elements (which feed-rs rejects) are dropped, undeclared namespace
//!   prefixes are declared;
//! - the DOCTYPE and processing instructions are dropped: no entity is ever expanded.
//!
//! Everything is linear in the size of the document.

use std::collections::BTreeSet;

use super::dialect::{self, local, Dialect, Plan};
use super::markup::{self, Attr, Token};

/// One kind of fix applied to a document (for logs and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fix {
    /// A bare `&` escaped, or an unknown entity made literal.
    Ampersand,
    /// A `<` that starts no tag escaped.
    LessThan,
    /// An HTML named entity turned into a character reference.
    HtmlEntity,
    /// Characters not allowed in XML removed.
    ControlChar,
    /// An attribute quoted, valued or de-duplicated.
    Attribute,
    /// End tags inserted or dropped to balance the document.
    Unbalanced,
    /// `<rss>` without a known version, or a `<channel>` without `<rss>`.
    RssVersion,
    /// A default namespace that hides every element dropped or corrected.
    Namespace,
    /// RSS 0.90 mapped onto RSS 1.0.
    Rss090,
    /// Atom 0.3 mapped onto Atom 1.0.
    Atom03,
    /// An Atom `type=` value feed-rs rejects mapped, or an empty Atom text element dropped.
    AtomText,
    /// A namespace prefix used without a declaration declared.
    Prefix,
    /// Non-ASCII punctuation in author names replaced (feed-rs panics on some).
    PersonText,
    /// A DOCTYPE removed.
    Doctype,
    /// Elements nested deeper than [`MAX_DEPTH`] flattened into their parent.
    Depth,
    /// Raw HTML tags inside an RSS description escaped into its text.
    RawHtml,
    /// A JSON Feed reshaped into the types feed-rs reads (`json`).
    Json,
}

/// A repaired document and what was done to it.
#[derive(Debug, Clone)]
pub struct Repaired {
    pub text: String,
    pub fixes: BTreeSet<Fix>,
}

/// Options for [`repair`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Also replace non-ASCII punctuation and spaces in author-like elements (used after
    /// feed-rs panicked: it slices author strings at byte offsets).
    pub persons: bool,
}

/// Deepest nesting kept: feeds need 5 or 6 levels, HTML in them a few dozen; quick-xml
/// rejects a whole document past 65,535.
pub const MAX_DEPTH: usize = 256;

/// HTML elements that never have content: self-closed when found open.
const VOID: [&str; 6] = ["br", "hr", "img", "wbr", "input", "area"];
/// RSS elements that hold HTML (escaped, or in CDATA), and sometimes hold it raw.
const HTML_HOLDERS: [&str; 2] = ["description", "encoded"];
/// Elements that always belong to the feed's structure, never to HTML inside it.
const FEED_STRUCTURE: [&str; 3] = ["item", "entry", "channel"];
/// Elements feed-rs reads as a person ("name <email>").
const PERSON: [&str; 7] =
    ["author", "managingEditor", "webMaster", "creator", "contributor", "name", "email"];

/// Repairs a decoded feed document. Never fails; the result is well-formed XML as long as the
/// input had a root element.
pub fn repair(text: &str, opts: Options) -> Repaired {
    let tokens = markup::tokenize(text);
    let (root, plan) = Plan::of(&tokens.tokens);
    let mut w = Writer {
        out: String::with_capacity(text.len() + text.len() / 16 + 64),
        fixes: tokens.fixes.iter().copied().collect(),
        opts,
        plan,
        stack: Vec::new(),
        root_seen: false,
        raw_from: None,
    };
    w.write_all(&tokens.tokens[root..]);
    Repaired { text: w.out, fixes: w.fixes }
}

/// Writes tokens back out as well-formed XML.
struct Writer {
    out: String,
    fixes: BTreeSet<Fix>,
    opts: Options,
    plan: Plan,
    /// Open elements, innermost last.
    stack: Vec<String>,
    /// The root element has been written (and maybe closed).
    root_seen: bool,
    /// Stack index of an RSS `<description>` (or `content:encoded`) holding raw HTML: tags
    /// inside it are written as escaped text, which is what the element should have held.
    raw_from: Option<usize>,
}

impl Writer {
    fn fix(&mut self, fix: Option<Fix>) {
        self.fixes.extend(fix);
    }

    fn write_all(&mut self, tokens: &[Token<'_>]) {
        let mut i = 0;
        while i < tokens.len() {
            if self.root_seen && self.stack.is_empty() {
                break; // anything after the root element is noise
            }
            match &tokens[i] {
                // text outside the root is noise too
                Token::Text(t) if !self.stack.is_empty() => self.text(t),
                Token::Cdata(c) if !self.stack.is_empty() => {
                    self.out.push_str("<![CDATA[");
                    self.out.push_str(c);
                    self.out.push_str("]]>");
                }
                Token::Doctype => {
                    self.fixes.insert(Fix::Doctype);
                }
                Token::Start { name, attrs, self_closing } => {
                    if let Some(skip) = dialect::empty_atom_text(self.plan.dialect, tokens, i) {
                        self.fixes.insert(Fix::AtomText);
                        i += skip;
                        continue;
                    }
                    let missing_link =
                        dialect::rdf_missing_link(self.plan.dialect, tokens, i, self.stack.len());
                    self.start(name, attrs, *self_closing && missing_link.is_none());
                    if let Some(link) = missing_link {
                        self.fixes.insert(Fix::Namespace);
                        self.out.push_str("<link>");
                        self.escape(&link, false);
                        self.out.push_str("</link>");
                        if *self_closing {
                            self.end(name);
                        }
                    }
                }
                Token::End(name) => self.end(name),
                Token::Text(_) | Token::Cdata(_) | Token::Comment | Token::Pi => {}
            }
            i += 1;
        }
        // a truncated document: close whatever is open
        if !self.stack.is_empty() {
            self.fixes.insert(Fix::Unbalanced);
        }
        while let Some(open) = self.stack.pop() {
            self.close(&open);
        }
        if self.plan.dialect.needs_rss_wrapper() && self.root_seen {
            self.out.push_str("</rss>");
        }
    }

    fn start(&mut self, name: &str, attrs: &[Attr<'_>], self_closing: bool) {
        if let Some(from) = self.raw_from {
            if !FEED_STRUCTURE.contains(&local(name)) {
                self.escaped_tag(name, attrs, self_closing);
                return;
            }
            // an item starting inside a description: that description was never closed
            self.fixes.insert(Fix::Unbalanced);
            self.close_down_to(from);
        }
        if self.stack.len() >= MAX_DEPTH {
            self.fixes.insert(Fix::Depth); // the tag goes, its text stays; its end tag finds no match
            return;
        }
        let is_root = !self.root_seen;
        self.root_seen = true;
        if is_root && self.plan.dialect.needs_rss_wrapper() {
            self.fixes.insert(Fix::RssVersion);
            self.out.push_str("<rss version=\"2.0\">");
        }
        let (name, fix) = dialect::rename(&self.plan, name, self.stack.len());
        self.fix(fix);
        self.out.push('<');
        self.out.push_str(&name);
        self.attributes(is_root, &name, attrs);
        if is_root {
            self.root_extras(&name, attrs);
        }
        // `<br>` in HTML never closes; in XML it would swallow everything after it
        let void = !is_root && VOID.contains(&name.as_str());
        if self.plan.dialect == Dialect::Cdf {
            self.out.push('>');
            self.cdf_children(attrs);
            if self_closing {
                self.close(&name);
            } else {
                self.stack.push(name);
            }
        } else if self_closing || void {
            if is_root && self.plan.wrap_channel {
                // `<rss/>`: an empty feed, but a feed
                self.out.push_str("><channel/></");
                self.out.push_str(&name);
                self.out.push('>');
            } else {
                self.out.push_str("/>");
            }
        } else {
            self.out.push('>');
            if HTML_HOLDERS.contains(&local(&name))
                && matches!(self.plan.dialect, Dialect::Rss | Dialect::Rdf)
            {
                self.raw_from = Some(self.stack.len());
            }
            self.stack.push(name);
            if is_root && self.plan.wrap_channel {
                // `<rss>` without `<channel>`: its children (items too) go into one; the
                // root's end tag closes it
                self.fixes.insert(Fix::RssVersion);
                self.out.push_str("<channel>");
                self.stack.push("channel".to_string());
            }
        }
    }

    /// Writes the attributes of a start tag: each once, quoted, escaped, mapped.
    fn attributes(&mut self, is_root: bool, element: &str, attrs: &[Attr<'_>]) {
        // duplicate attributes make XML parsers fail; the first one wins, as in HTML
        let mut seen: Vec<&str> = Vec::with_capacity(attrs.len());
        for a in attrs {
            if seen.contains(&a.name) {
                self.fixes.insert(Fix::Attribute);
                continue;
            }
            seen.push(a.name);
            if let Some(value) = self.attribute(is_root, element, a, attrs) {
                self.out.push(' ');
                self.out.push_str(a.name);
                self.out.push_str("=\"");
                self.escape(&value, true);
                self.out.push('"');
            }
        }
    }

    /// The value to write for an attribute, or `None` to drop it.
    fn attribute(&mut self, is_root: bool, element: &str, a: &Attr<'_>, all: &[Attr<'_>]) -> Option<String> {
        let Some(value) = a.value else {
            self.fixes.insert(Fix::Attribute);
            return Some(a.name.to_string()); // HTML boolean attribute: checked="checked"
        };
        let dialect = self.plan.dialect;
        if a.name == "xmlns" || a.name.starts_with("xmlns:") {
            let (value, fix) = dialect::namespace(dialect, is_root, a.name == "xmlns", value);
            self.fix(fix);
            return value;
        }
        if is_root && dialect == Dialect::Rss && a.name == "version" {
            if let Some(known) = dialect::rss_version(value) {
                self.fixes.insert(Fix::RssVersion);
                return Some(known.to_string());
            }
        }
        if dialect::is_atom_text(dialect, element) {
            if a.name == "mode" {
                self.fixes.insert(Fix::Atom03); // Atom 0.3; folded into `type` below
                return None;
            }
            if a.name == "type" {
                let mode = all.iter().find(|a| a.name == "mode").and_then(|a| a.value);
                let (value, fix) = dialect::atom_type(element, value, mode);
                self.fix(fix);
                return Some(value);
            }
        }
        Some(value.to_string())
    }

    /// Extra attributes on the root: declarations for undeclared prefixes, a version for
    /// `<rss>`, the default namespace of RSS 1.0 or Atom.
    fn root_extras(&mut self, name: &str, attrs: &[Attr<'_>]) {
        for p in std::mem::take(&mut self.plan.undeclared) {
            self.fixes.insert(Fix::Prefix);
            self.out.push_str(&format!(" xmlns:{p}=\"{}\"", dialect::well_known_namespace(&p)));
        }
        let has = |n: &str| attrs.iter().any(|a| a.name == n);
        let d = self.plan.dialect;
        if d == Dialect::Rss && !has("version") {
            self.fixes.insert(Fix::RssVersion);
            self.out.push_str(" version=\"2.0\"");
        }
        if d == Dialect::Rdf && !has("xmlns") {
            self.fixes.insert(Fix::Namespace);
            self.out.push_str(&format!(" xmlns=\"{}\"", dialect::RSS10));
        }
        if d.is_atom() && !has("xmlns") && dialect::prefix(name).is_none() {
            self.out.push_str(&format!(" xmlns=\"{}\"", dialect::ATOM10));
        }
    }

    /// CDF keeps an item's link and date in attributes; RSS in child elements.
    fn cdf_children(&mut self, attrs: &[Attr<'_>]) {
        for a in attrs {
            let element = match a.name.to_ascii_lowercase().as_str() {
                "href" => "link",
                "lastmod" => "pubDate",
                _ => continue,
            };
            self.out.push_str(&format!("<{element}>"));
            self.escape(a.value.unwrap_or_default(), false);
            self.out.push_str(&format!("</{element}>"));
        }
    }

    /// An end tag: closes the matching open element and any left open inside it; an end tag
    /// that matches nothing open is dropped.
    fn end(&mut self, name: &str) {
        let (name, _) = dialect::rename(&self.plan, name, self.stack.len().saturating_sub(1));
        // inside raw HTML, only the end of the holder or of an element around it counts
        if self.raw_from.is_some() && !self.stack.contains(&name) {
            self.out.push_str("&lt;/");
            self.escape(&name, false);
            self.out.push_str("&gt;");
            return;
        }
        let at = self.stack.iter().rposition(|open| *open == name).or_else(|| {
            // HTML in a description is often mixed-case: close the open one
            self.stack.iter().rposition(|open| open.eq_ignore_ascii_case(&name))
        });
        let Some(at) = at else {
            self.fixes.insert(Fix::Unbalanced);
            return;
        };
        if at + 1 != self.stack.len() {
            self.fixes.insert(Fix::Unbalanced);
        }
        self.close_down_to(at);
    }

    /// Closes open elements until `depth` remain.
    fn close_down_to(&mut self, depth: usize) {
        while self.stack.len() > depth {
            if let Some(open) = self.stack.pop() {
                self.close(&open);
            }
        }
        self.raw_from = self.raw_from.filter(|&from| from < self.stack.len());
    }

    /// A tag inside raw HTML, written as the text it should have been.
    fn escaped_tag(&mut self, name: &str, attrs: &[Attr<'_>], self_closing: bool) {
        self.fixes.insert(Fix::RawHtml);
        self.out.push_str("&lt;");
        self.escape(name, false);
        for a in attrs {
            self.out.push(' ');
            self.escape(a.name, false);
            if let Some(v) = a.value {
                self.out.push_str("=&quot;");
                self.escape(v, true);
                self.out.push_str("&quot;");
            }
        }
        self.out.push_str(if self_closing { "/&gt;" } else { "&gt;" });
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn text(&mut self, t: &str) {
        let person = self.opts.persons && self.stack.last().is_some_and(|n| PERSON.contains(&local(n)));
        if person && t.chars().any(|c| !c.is_ascii() && !c.is_alphanumeric()) {
            self.fixes.insert(Fix::PersonText);
            let plain: String =
                t.chars().map(|c| if c.is_ascii() || c.is_alphanumeric() { c } else { ' ' }).collect();
            self.escape(&plain, false);
        } else {
            self.escape(t, false);
        }
    }

    /// Writes text or an attribute value as XML: references kept when valid, HTML entities
    /// made numeric, everything else that XML would reject escaped or dropped.
    fn escape(&mut self, s: &str, attribute: bool) {
        let mut rest = s;
        while let Some(pos) = rest.find(|c: char| matches!(c, '&' | '<' | '>' | '"') || forbidden(c)) {
            self.out.push_str(&rest[..pos]);
            let c = rest[pos..].chars().next().unwrap_or('&');
            rest = &rest[pos + c.len_utf8()..];
            match c {
                '&' => rest = self.reference(rest),
                '<' => {
                    self.fixes.insert(Fix::LessThan);
                    self.out.push_str("&lt;");
                }
                // `]]>` may not appear in text; `>` elsewhere is harmless but cheap to escape
                '>' => self.out.push_str("&gt;"),
                '"' if attribute => self.out.push_str("&quot;"),
                '"' => self.out.push('"'),
                _ => {
                    self.fixes.insert(Fix::ControlChar);
                }
            }
        }
        self.out.push_str(rest);
    }

    /// Handles what follows an `&`; returns the rest of the text after the reference.
    fn reference<'a>(&mut self, after: &'a str) -> &'a str {
        // the longest HTML entity name is 31 characters: look no further than 40
        let end = after.char_indices().take(40).find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '#'));
        if let Some((end, ';')) = end {
            let name = &after[..end];
            if let Some(text) = self.resolve(name) {
                self.out.push_str(&text);
                return &after[end + 1..];
            }
        }
        self.fixes.insert(Fix::Ampersand);
        self.out.push_str("&amp;");
        after
    }

    /// The replacement for `&name;`: the reference itself when XML knows it, a character
    /// reference for an HTML entity, `None` when it is not a reference at all.
    fn resolve(&mut self, name: &str) -> Option<String> {
        if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
            return Some(format!("&{name};"));
        }
        if let Some(num) = name.strip_prefix('#') {
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse().ok(),
            };
            let c = code.and_then(char::from_u32).filter(|c| !forbidden(*c))?;
            return Some(format!("&#{};", u32::from(c)));
        }
        let key = format!("{name};");
        let &(a, b) = markup5ever::data::NAMED_ENTITIES.get(key.as_str())?;
        self.fixes.insert(Fix::HtmlEntity);
        Some(if b == 0 { format!("&#{a};") } else { format!("&#{a};&#{b};") })
    }
}

/// Characters XML 1.0 does not allow in a document.
fn forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(s: &str) -> Repaired {
        repair(s, Options::default())
    }

    #[test]
    fn stray_ampersand_and_html_entities() {
        let r = fix("<rss version=\"2.0\"><channel><title>Tom & Jerry&nbsp;&amp; co &#233; &bogus</title></channel></rss>");
        assert_eq!(
            r.text,
            "<rss version=\"2.0\"><channel><title>Tom &amp; Jerry&#160;&amp; co &#233; &amp;bogus</title></channel></rss>"
        );
        assert!(r.fixes.contains(&Fix::Ampersand) && r.fixes.contains(&Fix::HtmlEntity));
    }

    #[test]
    fn cdata_is_left_alone() {
        let r = fix("<rss version=\"2.0\"><channel><title><![CDATA[a & b < c]]></title></channel></rss>");
        assert!(r.text.contains("<![CDATA[a & b < c]]>"));
        assert!(r.fixes.is_empty(), "{:?}", r.fixes);
    }

    #[test]
    fn unbalanced_and_truncated() {
        let r = fix("<rss><channel><item><title>A</title><x><p>x<br>y</x></item><item><title>B</ti");
        assert_eq!(
            r.text,
            "<rss version=\"2.0\"><channel><item><title>A</title><x><p>x<br/>y</p></x></item>\
             <item><title>B</title></item></channel></rss>"
        );
        assert!(r.fixes.contains(&Fix::Unbalanced) && r.fixes.contains(&Fix::RssVersion));
    }

    #[test]
    fn raw_html_in_a_description_becomes_its_text() {
        let r =
            fix("<rss version=\"2.0\"><channel><item><description><p class=x>One<br>two</P></description>\
                     </item><item><description><b>unclosed</item></channel></rss>");
        assert_eq!(
            r.text,
            "<rss version=\"2.0\"><channel><item><description>&lt;p class=&quot;x&quot;&gt;One&lt;br&gt;two\
             &lt;/P&gt;</description></item><item><description>&lt;b&gt;unclosed</description></item>\
             </channel></rss>"
        );
        assert!(r.fixes.contains(&Fix::RawHtml));
    }

    #[test]
    fn old_dialects_are_mapped() {
        let r = fix("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
                     xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><item/></rdf:RDF>");
        assert!(r.text.contains("xmlns=\"http://purl.org/rss/1.0/\""), "{}", r.text);
        let r = fix("<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><entry><issued>x</issued>\
                     <content type=\"text/html\" mode=\"escaped\">a</content></entry></feed>");
        assert!(r.text.contains("xmlns=\"http://www.w3.org/2005/Atom\""), "{}", r.text);
        assert!(r.text.contains("<published>x</published><content type=\"html\">a</content>"), "{}", r.text);
    }

    #[test]
    fn stray_default_namespace_and_undeclared_prefix() {
        let r = fix("<rss version=\"2.0\" xmlns=\"https://cyber.harvard.edu/rss/rss.html\"><channel>\
                     <dc:creator>X</dc:creator></channel></rss>");
        assert!(!r.text.contains("harvard"), "{}", r.text);
        assert!(r.text.contains("xmlns:dc=\"http://purl.org/dc/elements/1.1/\""), "{}", r.text);
    }

    #[test]
    fn attributes_and_garbage_around_the_root() {
        let r = fix("Warning: x<br>\n<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY e \"boom\">]>\
                     <rss version=2.0 a=1 a=2 flag><channel/></rss> trailing <junk>");
        assert_eq!(r.text, "<rss version=\"2.0\" a=\"1\" flag=\"flag\"><channel/></rss>");
    }

    #[test]
    fn person_text_is_made_ascii_only_on_request() {
        let doc =
            "<rss version=\"2.0\"><channel><item><author>John\u{a0}j@e.org</author></item></channel></rss>";
        assert!(fix(doc).text.contains("John\u{a0}j@e.org"));
        let r = repair(doc, Options { persons: true });
        assert!(r.text.contains("<author>John j@e.org</author>"), "{}", r.text);
    }
}
