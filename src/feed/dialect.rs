//! Feed dialects for `repair`: which one a document is (RSS 2.0 and 0.9x, a bare `<channel>`,
//! CDF, RSS 1.0 and 0.90, Atom 1.0 and 0.3), and how its names, namespaces and attributes
//! map onto what feed-rs reads. Pure decisions over tokens; `repair` writes them out and
//! records the fixes these functions report.

use std::collections::BTreeSet;

use super::markup::{Attr, Token};
use super::repair::Fix;

pub const ATOM10: &str = "http://www.w3.org/2005/Atom";
const ATOM03: &str = "http://purl.org/atom/ns#";
pub const RSS10: &str = "http://purl.org/rss/1.0/";
const RSS090: &str = "http://my.netscape.com/rdf/simple/0.9/";
const XHTML: &str = "http://www.w3.org/1999/xhtml";

/// Atom elements read as text constructs, whose `type` feed-rs checks strictly.
const ATOM_TEXT: [&str; 7] = ["title", "subtitle", "summary", "rights", "content", "tagline", "copyright"];

/// Which feed dialect the root element says this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
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
    pub fn is_atom(self) -> bool {
        matches!(self, Dialect::Atom | Dialect::Atom03)
    }

    /// Written inside an `<rss>` that the document itself lacks.
    pub fn needs_rss_wrapper(self) -> bool {
        matches!(self, Dialect::BareChannel | Dialect::Cdf)
    }
}

/// Document-wide decisions, made once before writing.
#[derive(Debug)]
pub struct Plan {
    pub dialect: Dialect,
    /// The namespace prefix of a prefixed `<rss>` root (`<r:rss>`): stripped everywhere.
    pub rss_prefix: Option<String>,
    /// An `<rss>` root without `<channel>`: one is added around its children.
    pub wrap_channel: bool,
    /// Prefixes used but never declared: declared on the root.
    pub undeclared: BTreeSet<String>,
}

impl Plan {
    /// The plan for a document, and the index of its root element (whatever precedes it — a
    /// PHP warning, a stray tag — is not part of the feed).
    pub fn of(tokens: &[Token<'_>]) -> (usize, Plan) {
        let root = root_index(tokens);
        let body = &tokens[root..];
        let (dialect, root_name) = match body.first() {
            Some(Token::Start { name, attrs, .. }) => (dialect_of(name, attrs), *name),
            _ => (Dialect::Other, ""),
        };
        // `<rss>` whose items sit directly under it: feed-rs finds nothing without a channel
        let has_channel =
            body.iter().any(|t| matches!(t, Token::Start { name, .. } if local(name) == "channel"));
        let plan = Plan {
            dialect,
            rss_prefix: prefix(root_name).filter(|_| dialect == Dialect::Rss).map(str::to_string),
            wrap_channel: dialect == Dialect::Rss && !has_channel,
            undeclared: undeclared_prefixes(body),
        };
        (root, plan)
    }
}

/// Index of the root element: the first feed root, else the first element.
fn root_index(tokens: &[Token<'_>]) -> usize {
    let start = |pred: &dyn Fn(&str) -> bool| {
        tokens.iter().position(|t| matches!(t, Token::Start { name, .. } if pred(local(name))))
    };
    start(&|n| matches!(n, "rss" | "RDF" | "feed" | "channel" | "CHANNEL"))
        .or_else(|| start(&|_| true))
        .unwrap_or(tokens.len())
}

fn dialect_of(root: &str, attrs: &[Attr<'_>]) -> Dialect {
    let atom03 = attrs.iter().any(|a| a.value == Some(ATOM03))
        || attrs.iter().any(|a| a.name == "version" && a.value == Some("0.3"));
    match local(root) {
        "rss" => Dialect::Rss,
        "channel" => Dialect::BareChannel,
        "CHANNEL" => Dialect::Cdf,
        "RDF" => Dialect::Rdf,
        "feed" if atom03 => Dialect::Atom03,
        "feed" => Dialect::Atom,
        _ => Dialect::Other,
    }
}

/// The local part of a qualified name.
pub fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// The prefix of a qualified name, if any.
pub fn prefix(name: &str) -> Option<&str> {
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

/// The namespace URI conventionally bound to a prefix; a private URN for unknown ones (their
/// elements are then ignored by feed-rs instead of failing the document).
pub fn well_known_namespace(prefix: &str) -> String {
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

/// An element name as feed-rs needs it; `depth` is the number of open elements around it
/// (1: a direct child of the root).
/// - RSS in a prefixed namespace (`<r:rss xmlns:r="…/rss2">`): the prefix goes, RSS has none;
/// - CDF: lower case, `abstract` is the description;
/// - Atom with RSS-style `<item>` children: they are entries;
/// - Atom 0.3 names in Atom 1.0 terms.
pub fn rename(plan: &Plan, name: &str, depth: usize) -> (String, Option<Fix>) {
    if let (Some(root_prefix), Some(p)) = (&plan.rss_prefix, prefix(name)) {
        if root_prefix == p {
            return (local(name).to_string(), Some(Fix::Namespace));
        }
    }
    match plan.dialect {
        Dialect::Cdf => {
            let lower = name.to_ascii_lowercase();
            let renamed = if lower == "abstract" { "description".to_string() } else { lower };
            return (renamed, None);
        }
        d if d.is_atom() && depth == 1 && name == "item" => {
            return ("entry".to_string(), Some(Fix::Namespace))
        }
        Dialect::Atom03 => {}
        _ => return (name.to_string(), None),
    }
    let new = match local(name) {
        "issued" => "published",
        "modified" => "updated",
        "tagline" => "subtitle",
        "copyright" => "rights",
        _ => return (name.to_string(), None),
    };
    let renamed = match prefix(name) {
        Some(p) => format!("{p}:{new}"),
        None => new.to_string(),
    };
    (renamed, Some(Fix::Atom03))
}

/// A namespace declaration as it should be written (`None`: dropped).
pub fn namespace(dialect: Dialect, is_root: bool, default: bool, uri: &str) -> (Option<String>, Option<Fix>) {
    let uri = uri.trim();
    let (fixed, fix) = match dialect {
        _ if uri == ATOM03 => (ATOM10, Fix::Atom03),
        Dialect::Rdf if uri == RSS090 => (RSS10, Fix::Rss090),
        Dialect::Rdf if is_root && default && uri != RSS10 => (RSS10, Fix::Namespace),
        Dialect::Atom if is_root && default && uri != ATOM10 => (ATOM10, Fix::Namespace),
        // RSS 2.0 has no namespace: a default one hides every element from feed-rs
        Dialect::Rss | Dialect::BareChannel if default && uri != XHTML => {
            return (None, Some(Fix::Namespace))
        }
        _ => return (Some(uri.to_string()), None),
    };
    (Some(fixed.to_string()), Some(fix))
}

/// An RSS `version` feed-rs dispatches on, or the one to write instead.
pub fn rss_version(value: &str) -> Option<&'static str> {
    (!matches!(value, "2.0" | "0.91" | "0.92")).then_some("2.0")
}

/// Whether `element` is an Atom text construct in this dialect.
pub fn is_atom_text(dialect: Dialect, element: &str) -> bool {
    dialect.is_atom() && ATOM_TEXT.contains(&local(element))
}

/// Maps an Atom `type` (and Atom 0.3 `mode`) onto what feed-rs accepts.
pub fn atom_type(element: &str, value: &str, mode: Option<&str>) -> (String, Option<Fix>) {
    // feed-rs accepts exactly "text", "html", "xhtml" (and MIME types on `content`); feeds
    // write "TEXT", "text/plain", "text/html", or Atom 0.3's MIME type plus `mode`
    let v = value.trim().to_ascii_lowercase();
    let mapped = match (v.as_str(), mode) {
        ("text" | "html" | "xhtml", _) => v.clone(),
        (_, Some("xml")) => "xhtml".into(),
        ("text/html", _) => "html".into(),
        ("application/xhtml+xml", _) => "xhtml".into(),
        ("text/plain", _) => "text".into(),
        // `content` accepts any MIME type; the other text constructs only the three above
        (t, _) if local(element) == "content" && t.contains('/') => v.clone(),
        (t, _) if t.contains("html") => "html".into(),
        _ => "text".into(),
    };
    let fix = (mapped != value).then_some(Fix::AtomText);
    (mapped, fix)
}

/// In Atom, `<title/>` or `<summary></summary>` makes feed-rs reject the whole feed: the
/// number of tokens to skip to drop the element starting at `i`, if it is such a one.
pub fn empty_atom_text(dialect: Dialect, tokens: &[Token<'_>], i: usize) -> Option<usize> {
    let Token::Start { name, attrs, self_closing } = &tokens[i] else { return None };
    if !is_atom_text(dialect, name) || attrs.iter().any(|a| a.name == "src") {
        return None;
    }
    if *self_closing {
        return Some(1);
    }
    match (tokens.get(i + 1), tokens.get(i + 2)) {
        (Some(Token::End(e)), _) if e == name => Some(2),
        (Some(Token::Text(t)), Some(Token::End(e))) if e == name && t.trim().is_empty() => Some(3),
        _ => None,
    }
}

/// RSS 1.0: feed-rs drops an `<item>` without `<link>`. For the item starting at `i` (at
/// `depth` 1, a child of the root), the link to add when it has none: its `rdf:about`, or a
/// placeholder that the item conversion discards.
pub fn rdf_missing_link(dialect: Dialect, tokens: &[Token<'_>], i: usize, depth: usize) -> Option<String> {
    let Token::Start { name, attrs, self_closing } = &tokens[i] else { return None };
    if dialect != Dialect::Rdf || depth != 1 || local(name) != "item" {
        return None;
    }
    let mut inner = 0usize;
    for t in tokens[i + 1..].iter().take_while(|_| !*self_closing) {
        match t {
            Token::Start { name, self_closing, .. } => {
                if inner == 0 && local(name) == "link" {
                    return None;
                }
                inner += usize::from(!*self_closing);
            }
            Token::End(_) if inner == 0 => break,
            Token::End(_) => inner -= 1,
            _ => {}
        }
    }
    let about = attrs.iter().find(|a| local(a.name) == "about").and_then(|a| a.value);
    Some(about.unwrap_or("urn:newsd:no-link").to_string())
}
