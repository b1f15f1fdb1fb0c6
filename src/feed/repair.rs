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

const ATOM10: &str = "http://www.w3.org/2005/Atom";
const ATOM03: &str = "http://purl.org/atom/ns#";
const RSS10: &str = "http://purl.org/rss/1.0/";
const RSS090: &str = "http://my.netscape.com/rdf/simple/0.9/";
const XHTML: &str = "http://www.w3.org/1999/xhtml";

/// Deepest nesting kept: feeds need 5 or 6 levels, HTML in them a few dozen; quick-xml
/// rejects a whole document past 65,535.
pub const MAX_DEPTH: usize = 256;

/// HTML elements that never have content: self-closed when found open.
const VOID: [&str; 6] = ["br", "hr", "img", "wbr", "input", "area"];
/// Atom elements read as text constructs, whose `type` feed-rs checks strictly.
const ATOM_TEXT: [&str; 7] = ["title", "subtitle", "summary", "rights", "content", "tagline", "copyright"];
/// Elements feed-rs reads as a person ("name <email>").
const PERSON: [&str; 7] =
    ["author", "managingEditor", "webMaster", "creator", "contributor", "name", "email"];

/// Repairs a decoded feed document. Never fails; the result is well-formed XML as long as the
/// input had a root element.
pub fn repair(text: &str, opts: Options) -> Repaired {
    let tokens = super::markup::tokenize(text);
    let mut w = Writer::new(text.len(), opts);
    w.fixes.extend(tokens.fixes.iter().copied());
    // Whatever precedes the root (a PHP warning, a stray tag) is dropped.
    let body = &tokens.tokens[root_index(&tokens.tokens)..];
    w.dialect = Dialect::of(body);
    w.wrap_channel = w.dialect == Dialect::Rss
        && !body.iter().any(|t| matches!(t, Token::Start { name, .. } if local(name) == "channel"));
    if let Some(Token::Start { name, .. }) = body.first() {
        w.rss_prefix = prefix(name).filter(|_| w.dialect == Dialect::Rss).map(str::to_string);
    }
    w.undeclared = undeclared_prefixes(body);
    w.write_all(body);
    Repaired { text: w.out, fixes: w.fixes }
}

use super::markup::{Attr, Token};

/// Index of the root element: the first feed root (`rss`, `RDF`, `feed`, `channel`), else the
/// first element.
fn root_index(tokens: &[Token<'_>]) -> usize {
    let start = |pred: &dyn Fn(&str) -> bool| {
        tokens.iter().position(|t| matches!(t, Token::Start { name, .. } if pred(local(name))))
    };
    start(&|n| matches!(n, "rss" | "RDF" | "feed" | "channel" | "CHANNEL"))
        .or_else(|| start(&|_| true))
        .unwrap_or(tokens.len())
}

/// Which feed dialect the root element says this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Rss,
    /// `<channel>` as the root: wrapped in `<rss>`.
    BareChannel,
    /// Microsoft's Channel Definition Format (`<CHANNEL><ITEM HREF=…>`): read as RSS 2.0.
    Cdf,
    Rdf,
    Atom,
    Atom03,
    Other,
}

impl Dialect {
    fn of(tokens: &[Token<'_>]) -> Dialect {
        let Some(Token::Start { name, attrs, .. }) = tokens.iter().find(|t| matches!(t, Token::Start { .. }))
        else {
            return Dialect::Other;
        };
        let atom03 = attrs.iter().any(|a| a.value == Some(ATOM03))
            || attrs.iter().any(|a| a.name == "version" && a.value == Some("0.3"));
        match local(name) {
            "rss" => Dialect::Rss,
            "channel" => Dialect::BareChannel,
            "CHANNEL" => Dialect::Cdf,
            "RDF" => Dialect::Rdf,
            "feed" if atom03 => Dialect::Atom03,
            "feed" => Dialect::Atom,
            _ => Dialect::Other,
        }
    }

    fn is_atom(self) -> bool {
        matches!(self, Dialect::Atom | Dialect::Atom03)
    }
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

fn prefix(name: &str) -> Option<&str> {
    name.split_once(':').map(|(p, _)| p).filter(|p| !p.is_empty())
}

/// Prefixes used on elements or attributes but declared nowhere in the document.
fn undeclared_prefixes(tokens: &[Token<'_>]) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut declared = BTreeSet::new();
    for t in tokens {
        if let Token::Start { name, attrs, .. } = t {
            used.extend(prefix(name));
            for a in attrs {
                if let Some(p) = a.name.strip_prefix("xmlns:") {
                    declared.insert(p);
                } else if a.name != "xmlns" {
                    used.extend(prefix(a.name));
                }
            }
        }
    }
    used.into_iter()
        .filter(|p| !declared.contains(p) && *p != "xml" && *p != "xmlns")
        .map(str::to_string)
        .collect()
}

/// The namespace URI conventionally bound to a prefix.
fn well_known_namespace(prefix: &str) -> String {
    let uri = match prefix {
        "dc" => "http://purl.org/dc/elements/1.1/",
        "dcterms" => "http://purl.org/dc/terms/",
        "content" => "http://purl.org/rss/1.0/modules/content/",
        "atom" => ATOM10,
        "media" => "http://search.yahoo.com/mrss/",
        "itunes" => "http://www.itunes.com/dtds/podcast-1.0.dtd",
        "sy" => "http://purl.org/rss/1.0/modules/syndication/",
        "slash" => "http://purl.org/rss/1.0/modules/slash/",
        "wfw" => "http://wellformedweb.org/CommentAPI/",
        "rdf" => "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "georss" => "http://www.georss.org/georss",
        "xhtml" => XHTML,
        other => return format!("urn:newsd:undeclared:{other}"),
    };
    uri.to_string()
}

struct Writer {
    out: String,
    fixes: BTreeSet<Fix>,
    opts: Options,
    dialect: Dialect,
    undeclared: BTreeSet<String>,
    /// Open elements, innermost last.
    stack: Vec<String>,
    /// The root element has been written (and maybe closed).
    root_seen: bool,
    /// The namespace prefix of a prefixed `<rss>` root.
    rss_prefix: Option<String>,
    /// An `<rss>` root without `<channel>`: one is added.
    wrap_channel: bool,
}

impl Writer {
    fn new(capacity: usize, opts: Options) -> Writer {
        Writer {
            out: String::with_capacity(capacity + capacity / 16 + 64),
            fixes: BTreeSet::new(),
            opts,
            dialect: Dialect::Other,
            undeclared: BTreeSet::new(),
            stack: Vec::new(),
            root_seen: false,
            rss_prefix: None,
            wrap_channel: false,
        }
    }

    fn write_all(&mut self, tokens: &[Token<'_>]) {
        let mut i = 0;
        while i < tokens.len() {
            if self.root_seen && self.stack.is_empty() {
                break; // anything after the root element is noise
            }
            match &tokens[i] {
                Token::Text(t) => {
                    if !self.stack.is_empty() {
                        self.text(t);
                    }
                }
                Token::Cdata(c) if !self.stack.is_empty() => {
                    self.out.push_str("<![CDATA[");
                    self.out.push_str(c);
                    self.out.push_str("]]>");
                }
                Token::Doctype => {
                    self.fixes.insert(Fix::Doctype);
                }
                Token::Start { name, attrs, self_closing } => {
                    if let Some(skip) = self.empty_atom_text(tokens, i) {
                        i += skip;
                        continue;
                    }
                    let missing_link = self.rdf_missing_link(tokens, i);
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
                Token::Cdata(_) | Token::Comment | Token::Pi => {}
            }
            i += 1;
        }
        if !self.stack.is_empty() {
            self.fixes.insert(Fix::Unbalanced);
        }
        while let Some(open) = self.stack.pop() {
            self.close(&open);
        }
        if matches!(self.dialect, Dialect::BareChannel | Dialect::Cdf) && self.root_seen {
            self.out.push_str("</rss>");
        }
    }

    /// In Atom, `<title/>` or `<summary></summary>` makes feed-rs reject the whole feed: the
    /// number of tokens to skip to drop such an element.
    fn empty_atom_text(&mut self, tokens: &[Token<'_>], i: usize) -> Option<usize> {
        let Token::Start { name, attrs, self_closing } = &tokens[i] else { return None };
        if !self.dialect.is_atom()
            || !ATOM_TEXT.contains(&local(name))
            || attrs.iter().any(|a| a.name == "src")
        {
            return None;
        }
        let skip = if *self_closing {
            1
        } else {
            match (tokens.get(i + 1), tokens.get(i + 2)) {
                (Some(Token::End(e)), _) if e == name => 2,
                (Some(Token::Text(t)), Some(Token::End(e))) if e == name && t.trim().is_empty() => 3,
                _ => return None,
            }
        };
        self.fixes.insert(Fix::AtomText);
        Some(skip)
    }

    fn start(&mut self, name: &str, attrs: &[Attr<'_>], self_closing: bool) {
        if self.stack.len() >= MAX_DEPTH {
            self.fixes.insert(Fix::Depth); // the tag goes, its text stays; its end tag finds no match
            return;
        }
        let is_root = !self.root_seen;
        self.root_seen = true;
        if is_root && matches!(self.dialect, Dialect::BareChannel | Dialect::Cdf) {
            self.fixes.insert(Fix::RssVersion);
            self.out.push_str("<rss version=\"2.0\">");
        }
        let name = self.rename(name, self.stack.len());
        let void = !is_root && VOID.contains(&name.as_str());
        self.out.push('<');
        self.out.push_str(&name);
        let mut seen: Vec<&str> = Vec::with_capacity(attrs.len());
        for a in attrs {
            if seen.contains(&a.name) {
                self.fixes.insert(Fix::Attribute);
                continue;
            }
            seen.push(a.name);
            if let Some(value) = self.attribute(is_root, &name, a, attrs) {
                self.out.push(' ');
                self.out.push_str(a.name);
                self.out.push_str("=\"");
                self.escape(&value, true);
                self.out.push('"');
            }
        }
        if is_root {
            self.root_extras(&name, attrs);
        }
        if self.dialect == Dialect::Cdf {
            self.out.push('>');
            self.cdf_children(attrs);
            if self_closing {
                self.close(&name);
            } else {
                self.stack.push(name);
            }
        } else if self_closing || void {
            self.out.push_str("/>");
            if is_root && self.wrap_channel {
                // `<rss/>`: an empty feed, but a feed
                self.out.truncate(self.out.len() - 2);
                self.out.push_str("><channel/></");
                self.out.push_str(&name);
                self.out.push('>');
            }
        } else {
            self.out.push('>');
            self.stack.push(name);
            if is_root && self.wrap_channel {
                // `<rss>` without `<channel>`: its children (items too) go into one; the
                // root's end tag closes it
                self.fixes.insert(Fix::RssVersion);
                self.out.push_str("<channel>");
                self.stack.push("channel".to_string());
            }
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

    /// Extra attributes on the root: declarations for undeclared prefixes, a version for
    /// `<rss>`, the default namespace of RSS 1.0.
    fn root_extras(&mut self, name: &str, attrs: &[Attr<'_>]) {
        let undeclared = std::mem::take(&mut self.undeclared);
        for p in &undeclared {
            self.fixes.insert(Fix::Prefix);
            self.out.push_str(&format!(" xmlns:{p}=\"{}\"", well_known_namespace(p)));
        }
        let has = |n: &str| attrs.iter().any(|a| a.name == n);
        if self.dialect == Dialect::Rss && !has("version") {
            self.fixes.insert(Fix::RssVersion);
            self.out.push_str(" version=\"2.0\"");
        }
        if self.dialect == Dialect::Rdf && !has("xmlns") {
            self.fixes.insert(Fix::Namespace);
            self.out.push_str(&format!(" xmlns=\"{RSS10}\""));
        }
        if self.dialect.is_atom() && !has("xmlns") && prefix(name).is_none() {
            self.out.push_str(&format!(" xmlns=\"{ATOM10}\""));
        }
    }

    /// The value to write for an attribute, or `None` to drop it.
    fn attribute(&mut self, is_root: bool, element: &str, a: &Attr<'_>, all: &[Attr<'_>]) -> Option<String> {
        let Some(value) = a.value else {
            self.fixes.insert(Fix::Attribute);
            return Some(a.name.to_string()); // HTML boolean attribute: checked="checked"
        };
        if a.name == "xmlns" || a.name.starts_with("xmlns:") {
            return self.namespace(is_root, a.name == "xmlns", value);
        }
        if is_root
            && self.dialect == Dialect::Rss
            && a.name == "version"
            && !matches!(value, "2.0" | "0.91" | "0.92")
        {
            self.fixes.insert(Fix::RssVersion);
            return Some("2.0".into());
        }
        if self.dialect.is_atom() && ATOM_TEXT.contains(&local(element)) {
            if a.name == "mode" {
                self.fixes.insert(Fix::Atom03);
                return None;
            }
            if a.name == "type" {
                let mode = all.iter().find(|a| a.name == "mode").and_then(|a| a.value);
                return Some(self.atom_type(local(element), value, mode));
            }
        }
        Some(value.to_string())
    }

    /// A namespace declaration as it should be written.
    fn namespace(&mut self, is_root: bool, default: bool, uri: &str) -> Option<String> {
        let uri = uri.trim();
        let fixed = match self.dialect {
            _ if uri == ATOM03 => {
                self.fixes.insert(Fix::Atom03);
                ATOM10
            }
            Dialect::Rdf if uri == RSS090 => {
                self.fixes.insert(Fix::Rss090);
                RSS10
            }
            Dialect::Rdf if is_root && default && uri != RSS10 => {
                self.fixes.insert(Fix::Namespace);
                RSS10
            }
            Dialect::Atom if is_root && default && uri != ATOM10 => {
                self.fixes.insert(Fix::Namespace);
                ATOM10
            }
            // RSS 2.0 has no namespace: a default one hides every element from feed-rs
            Dialect::Rss | Dialect::BareChannel if default && uri != XHTML => {
                self.fixes.insert(Fix::Namespace);
                return None;
            }
            _ => uri,
        };
        Some(fixed.to_string())
    }

    /// Maps an Atom `type` (and Atom 0.3 `mode`) onto what feed-rs accepts.
    fn atom_type(&mut self, element: &str, value: &str, mode: Option<&str>) -> String {
        let v = value.trim().to_ascii_lowercase();
        let mapped = match (v.as_str(), mode) {
            ("text" | "html" | "xhtml", _) => v.clone(),
            (_, Some("xml")) => "xhtml".into(),
            ("text/html", _) => "html".into(),
            ("application/xhtml+xml", _) => "xhtml".into(),
            ("text/plain", _) => "text".into(),
            // `content` accepts any MIME type; the other text constructs only the three above
            (t, _) if element == "content" && t.contains('/') => v.clone(),
            (t, _) if t.contains("html") => "html".into(),
            _ => "text".into(),
        };
        if mapped != value {
            self.fixes.insert(Fix::AtomText);
        }
        mapped
    }

    /// An element name as feed-rs needs it; `depth` is the number of open elements around it
    /// (1: a direct child of the root).
    /// - RSS in a prefixed namespace (`<r:rss xmlns:r="…/rss2">`): the prefix goes, RSS has none;
    /// - Atom with RSS-style `<item>` children: they are entries;
    /// - Atom 0.3 names in Atom 1.0 terms.
    fn rename(&mut self, name: &str, depth: usize) -> String {
        if let (Some(root_prefix), Some(p)) = (&self.rss_prefix, prefix(name)) {
            if root_prefix == p {
                self.fixes.insert(Fix::Namespace);
                return local(name).to_string();
            }
        }
        if self.dialect == Dialect::Cdf {
            let lower = name.to_ascii_lowercase();
            return if lower == "abstract" { "description".to_string() } else { lower };
        }
        if self.dialect.is_atom() && depth == 1 && name == "item" {
            self.fixes.insert(Fix::Namespace);
            return "entry".to_string();
        }
        if self.dialect != Dialect::Atom03 {
            return name.to_string();
        }
        let new = match local(name) {
            "issued" => "published",
            "modified" => "updated",
            "tagline" => "subtitle",
            "copyright" => "rights",
            _ => return name.to_string(),
        };
        self.fixes.insert(Fix::Atom03);
        match prefix(name) {
            Some(p) => format!("{p}:{new}"),
            None => new.to_string(),
        }
    }

    /// RSS 1.0: feed-rs drops an `<item>` without `<link>`; the link to add (its `rdf:about`,
    /// or a placeholder the item conversion discards) when the item at `i` has none.
    fn rdf_missing_link(&self, tokens: &[Token<'_>], i: usize) -> Option<String> {
        let Token::Start { name, attrs, self_closing } = &tokens[i] else { return None };
        if self.dialect != Dialect::Rdf || self.stack.len() != 1 || local(name) != "item" {
            return None;
        }
        let mut depth = 0usize;
        for t in tokens[i + 1..].iter().take_while(|_| !*self_closing) {
            match t {
                Token::Start { name, self_closing, .. } => {
                    if depth == 0 && local(name) == "link" {
                        return None;
                    }
                    depth += usize::from(!*self_closing);
                }
                Token::End(_) if depth == 0 => break,
                Token::End(_) => depth -= 1,
                _ => {}
            }
        }
        let about = attrs.iter().find(|a| local(a.name) == "about").and_then(|a| a.value);
        Some(about.unwrap_or("urn:newsd:no-link").to_string())
    }

    fn end(&mut self, name: &str) {
        let name = self.rename(name, self.stack.len().saturating_sub(1));
        let at = self.stack.iter().rposition(|open| *open == name).or_else(|| {
            // HTML in a description is often mixed-case: close the open one
            self.stack.iter().rposition(|open| open.eq_ignore_ascii_case(&name))
        });
        let Some(at) = at else {
            self.fixes.insert(Fix::Unbalanced); // an end tag nothing opened
            return;
        };
        if at + 1 != self.stack.len() {
            self.fixes.insert(Fix::Unbalanced);
        }
        while self.stack.len() > at {
            if let Some(open) = self.stack.pop() {
                self.close(&open);
            }
        }
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
        let r = fix("<rss><channel><item><title>A</title><description><p>x<br>y</description></item><item><title>B</ti");
        assert_eq!(
            r.text,
            "<rss version=\"2.0\"><channel><item><title>A</title><description><p>x<br/>y</p></description></item>\
             <item><title>B</title></item></channel></rss>"
        );
        assert!(r.fixes.contains(&Fix::Unbalanced) && r.fixes.contains(&Fix::RssVersion));
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
