//! The compact DOM the extractor works on: html5ever (through dom_query) parses the page once,
//! then the tree is copied into a flat arena in document (pre-)order, keeping only the tag, the
//! few attributes the heuristics read and the text. A node's subtree is the index range
//! `i..node.end`, so bottom-up sums are one reverse loop and no step needs recursion (pages with
//! 100k-deep nesting are fine). Owns no heuristics.

use dom_query::{Document, NodeData, NodeId};

/// Tags the heuristics distinguish; everything else is `Other` (inline) or `OtherBlock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Tag {
    Html,
    Head,
    Body,
    Title,
    Meta,
    Link,
    Base,
    A,
    P,
    Div,
    Span,
    Section,
    Article,
    Main,
    Header,
    Footer,
    Nav,
    Aside,
    H1,
    H2,
    H3,
    H4,
    H5,
    H6,
    Ul,
    Ol,
    Li,
    Dl,
    Dt,
    Dd,
    Blockquote,
    Pre,
    Table,
    Tr,
    Td,
    Th,
    Figure,
    Figcaption,
    Img,
    Br,
    Hr,
    Form,
    Input,
    Button,
    Select,
    Label,
    Option,
    Time,
    Address,
    Picture,
    Video,
    Audio,
    Canvas,
    Dialog,
    Menu,
    Details,
    Summary,
    Center,
    Script,
    Style,
    Noscript,
    /// Some other block-level element (`fieldset`, `caption`, `hgroup` …).
    OtherBlock,
    /// Anything else: inline formatting and unknown elements.
    Other,
}

impl Tag {
    fn from_name(name: &str) -> Tag {
        use Tag::*;
        match name {
            "html" => Html,
            "head" => Head,
            "body" => Body,
            "title" => Title,
            "meta" => Meta,
            "link" => Link,
            "base" => Base,
            "a" => A,
            "p" => P,
            "div" => Div,
            "span" => Span,
            "section" => Section,
            "article" => Article,
            "main" => Main,
            "header" => Header,
            "footer" => Footer,
            "nav" => Nav,
            "aside" => Aside,
            "h1" => H1,
            "h2" => H2,
            "h3" => H3,
            "h4" => H4,
            "h5" => H5,
            "h6" => H6,
            "ul" => Ul,
            "ol" => Ol,
            "li" => Li,
            "dl" => Dl,
            "dt" => Dt,
            "dd" => Dd,
            "blockquote" => Blockquote,
            "pre" => Pre,
            "table" => Table,
            "tr" => Tr,
            "td" => Td,
            "th" => Th,
            "figure" => Figure,
            "figcaption" => Figcaption,
            "img" => Img,
            "br" => Br,
            "hr" => Hr,
            "form" => Form,
            "input" => Input,
            "button" => Button,
            "select" => Select,
            "label" => Label,
            "option" => Option,
            "time" => Time,
            "address" => Address,
            "picture" => Picture,
            "video" => Video,
            "audio" => Audio,
            "canvas" => Canvas,
            "dialog" => Dialog,
            "menu" => Menu,
            "details" => Details,
            "summary" => Summary,
            "center" => Center,
            "script" => Script,
            "style" => Style,
            "noscript" => Noscript,
            "fieldset" | "caption" | "hgroup" | "legend" | "tbody" | "thead" | "tfoot" | "frameset"
            | "frame" | "iframe" | "listing" | "xmp" | "output" | "search" => OtherBlock,
            _ => Other,
        }
    }

    /// Elements that start a new block of text (a paragraph break before and after). Table
    /// cells do not: a row is one block, its cells separated by spaces.
    pub fn is_block(self) -> bool {
        use Tag::*;
        !matches!(
            self,
            A | Span | Img | Br | Input | Button | Select | Label | Option | Time | Td | Th | Other
        )
    }

    /// h1–h6.
    pub fn is_heading(self) -> bool {
        matches!(self, Tag::H1 | Tag::H2 | Tag::H3 | Tag::H4 | Tag::H5 | Tag::H6)
    }
}

/// Attributes kept from the page (all others are dropped at conversion).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Attr {
    Class,
    Id,
    Role,
    Itemprop,
    Itemtype,
    Rel,
    Href,
    Src,
    Content,
    Name,
    Property,
    Datetime,
    Lang,
    HttpEquiv,
    Style,
    Hidden,
    AriaHidden,
    Type,
    Charset,
    DataSrc,
}

impl Attr {
    fn from_name(name: &str) -> Option<Attr> {
        use Attr::*;
        Some(match name {
            "class" => Class,
            "id" => Id,
            "role" => Role,
            "itemprop" => Itemprop,
            "itemtype" => Itemtype,
            "rel" => Rel,
            "href" => Href,
            "src" => Src,
            "content" => Content,
            "name" => Name,
            "property" => Property,
            "datetime" => Datetime,
            "lang" => Lang,
            "http-equiv" => HttpEquiv,
            "style" => Style,
            "hidden" => Hidden,
            "aria-hidden" => AriaHidden,
            "type" => Type,
            "charset" => Charset,
            "data-src" => DataSrc,
            _ => return None,
        })
    }
}

/// Whether an attribute is worth a copy: links only on `<link>` (the canonical URL), styles
/// only when they may hide the element. Keeps the arena small and the copy fast.
fn keeps(tag: Tag, name: Attr, value: &str) -> bool {
    match name {
        Attr::Href => tag == Tag::Link,
        Attr::Src | Attr::DataSrc => false,
        Attr::Style => value.contains("none") || value.contains("hidden"),
        _ => true,
    }
}

/// "No node" in the links below.
pub const NONE: u32 = u32::MAX;

/// One node of the arena: an element (`text` empty) or a text node (`tag` is `None`).
#[derive(Debug, Clone)]
pub struct Node {
    /// `None` for text nodes.
    pub tag: Option<Tag>,
    pub parent: u32,
    /// One past the last node of this node's subtree.
    pub end: u32,
    pub next_sibling: u32,
    /// For text nodes: the byte range of the text in [`Dom::text`].
    pub text: (u32, u32),
    /// The range of this element's attributes in [`Dom::attrs`].
    pub attrs: (u32, u32),
}

/// The page as a flat arena; node 0 is the document.
#[derive(Debug, Default)]
pub struct Dom {
    pub nodes: Vec<Node>,
    /// Kept attributes: name and byte range of the value in `attr_text`.
    pub attrs: Vec<(Attr, u32, u32)>,
    pub attr_text: String,
    pub text: String,
}

impl Dom {
    /// Parses `html` (html5ever via dom_query) and copies it into the arena.
    pub fn parse(html: &str) -> Dom {
        let doc = Document::from(html);
        let mut dom = Dom {
            nodes: Vec::with_capacity(doc.tree.len()),
            text: String::with_capacity(html.len() / 3),
            ..Dom::default()
        };
        dom.copy_tree(&doc);
        dom
    }

    /// Depth-first copy with an explicit stack (no recursion: deep nesting is safe).
    fn copy_tree(&mut self, doc: &Document) {
        let tree = &doc.tree;
        // (dom_query node, arena parent): a node's first child is above its next sibling.
        let mut stack: Vec<(NodeId, u32)> = vec![(tree.root_id(), NONE)];
        // Arena indices of the open ancestors, to close their `end` when leaving them.
        let mut open: Vec<u32> = Vec::new();
        let mut last_child: Vec<u32> = Vec::new();
        while let Some((id, parent)) = stack.pop() {
            while let Some(&top) = open.last() {
                if top == parent {
                    break;
                }
                self.close(&mut open, &mut last_child);
            }
            let idx = self.nodes.len() as u32;
            let mut keep = true;
            let (first_child, next_sibling, is_elem) = tree
                .query_node(&id, |tn| {
                    let node = match &tn.data {
                        NodeData::Element(el) => {
                            let start = self.attrs.len() as u32;
                            let tag = Tag::from_name(&el.name.local);
                            for a in &el.attrs {
                                if let Some(name) = Attr::from_name(&a.name.local) {
                                    if keeps(tag, name, &a.value) {
                                        let at = self.attr_text.len() as u32;
                                        self.attr_text.push_str(&a.value);
                                        self.attrs.push((name, at, self.attr_text.len() as u32));
                                    }
                                }
                            }
                            Some((Some(tag), (0, 0), (start, self.attrs.len() as u32)))
                        }
                        NodeData::Text { contents } => {
                            let start = self.text.len() as u32;
                            self.text.push_str(contents);
                            Some((None, (start, self.text.len() as u32), (0, 0)))
                        }
                        NodeData::Document | NodeData::Fragment => {
                            Some((Some(Tag::OtherBlock), (0, 0), (0, 0)))
                        }
                        _ => None,
                    };
                    match node {
                        Some((tag, text, attrs)) => {
                            self.nodes.push(Node {
                                tag,
                                parent,
                                end: idx + 1,
                                next_sibling: NONE,
                                text,
                                attrs,
                            });
                        }
                        None => keep = false,
                    }
                    (tn.first_child, tn.next_sibling, matches!(tn.data, NodeData::Element(_)) || idx == 0)
                })
                .unwrap_or((None, None, false));
            // The next sibling goes below the first child on the stack: children come first.
            if let Some(next) = next_sibling {
                stack.push((next, parent));
            }
            if !keep {
                continue;
            }
            // Link the previous sibling to this node.
            if let Some(prev) = last_child.last_mut() {
                if *prev != NONE {
                    self.nodes[*prev as usize].next_sibling = idx;
                }
                *prev = idx;
            }
            if is_elem {
                open.push(idx);
                last_child.push(NONE);
                if let Some(child) = first_child {
                    stack.push((child, idx));
                }
            }
        }
        while !open.is_empty() {
            self.close(&mut open, &mut last_child);
        }
    }

    fn close(&mut self, open: &mut Vec<u32>, last_child: &mut Vec<u32>) {
        if let Some(top) = open.pop() {
            self.nodes[top as usize].end = self.nodes.len() as u32;
        }
        last_child.pop();
    }

    /// The tag of node `i` (`None` for text).
    pub fn tag(&self, i: u32) -> Option<Tag> {
        self.nodes[i as usize].tag
    }

    /// The raw text of text node `i` (empty for elements).
    pub fn node_text(&self, i: u32) -> &str {
        let (s, e) = self.nodes[i as usize].text;
        &self.text[s as usize..e as usize]
    }

    /// The value of attribute `a` of element `i`.
    pub fn attr(&self, i: u32, a: Attr) -> Option<&str> {
        let (s, e) = self.nodes[i as usize].attrs;
        let &(_, vs, ve) = self.attrs[s as usize..e as usize].iter().find(|(n, _, _)| *n == a)?;
        Some(&self.attr_text[vs as usize..ve as usize])
    }

    /// The text of `i`'s subtree, white space folded to single spaces.
    pub fn text_of(&self, i: u32) -> String {
        let mut out = String::new();
        for j in i..self.nodes[i as usize].end {
            if self.nodes[j as usize].tag.is_none() {
                out.push_str(self.node_text(j));
                out.push(' ');
            } else if self.nodes[j as usize].tag.is_some_and(Tag::is_block) {
                out.push(' ');
            }
        }
        crate::extract::text::fold_ws(&out)
    }

    /// Elements with tag `t`, in document order.
    pub fn elements(&self, t: Tag) -> impl Iterator<Item = u32> + '_ {
        (0..self.nodes.len() as u32).filter(move |&i| self.nodes[i as usize].tag == Some(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preorder_ranges_and_siblings() {
        let dom = Dom::parse("<html><body><div id=a><p>x</p><p>y <b>z</b></p></div><p>w</p></body>");
        let div = dom.elements(Tag::Div).next().unwrap();
        assert_eq!(dom.attr(div, Attr::Id), Some("a"));
        let first_p = div + 1;
        assert_eq!(dom.tag(first_p), Some(Tag::P));
        assert_eq!(dom.tag(dom.nodes[first_p as usize].next_sibling), Some(Tag::P));
        assert_eq!(dom.text_of(div), "x y z");
        assert_eq!(dom.text_of(0), "x y z w");
        let last_p = dom.elements(Tag::P).last().unwrap();
        assert!(last_p >= dom.nodes[div as usize].end);
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        // The pre-pass bounds the depth html5ever sees; the arena copy must not recurse.
        let html = "<div>".repeat(100_000) + "deep";
        let dom = Dom::parse(&crate::extract::prepass::strip(&html).html);
        assert!(dom.text_of(0).contains("deep"));
    }
}
