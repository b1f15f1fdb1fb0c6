//! The article body. Four steps over the arena:
//! 1. **prune**: mark page furniture (navigation, forms, hidden elements, elements whose
//!    class/id names boilerplate, captions) so that nothing below it counts;
//! 2. **segment**: cut the rest into blocks of text (paragraphs, headings, list items, cells,
//!    text directly in a `div` …) with their character, link and punctuation counts;
//! 3. **score**: each block is worth its prose (long, few links, sentence punctuation) or costs
//!    its clutter (link lists, short fragments); the body is the element whose subtree sums to
//!    the most, a little favoured when its tag or class names the article;
//! 4. **render**: the blocks of that element in order, minus link lists, labels ("Advertisement",
//!    "Read more"), the headline and meta lines at the edges, separated by blank lines.
//!
//! Metadata (title, dates …) is not this module's business; the title is only passed in so the
//! headline can be left out of the body.

use super::boiler::{self, Hint};
use super::dom::{Attr, Dom, Tag, NONE};

/// How cautious pruning is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Class/id hints prune; the normal pass.
    Strict,
    /// Only structural pruning (hidden, forms, navigation tags): the second pass for pages
    /// whose markup names everything oddly.
    Permissive,
}

/// One block of text.
#[derive(Debug, Clone)]
pub struct Block {
    pub text: String,
    /// Non-space characters.
    pub chars: u32,
    /// Non-space characters inside links.
    pub link_chars: u32,
    /// Sentence punctuation marks.
    pub punct: u32,
    /// The innermost block-level element holding the text.
    pub owner: u32,
    /// The tag of `owner`.
    pub tag: Tag,
    /// Reads as a boilerplate label or notice ("Advertisement", "© 2025 …").
    pub label: bool,
}

impl Block {
    fn link_density(&self) -> f32 {
        self.link_chars as f32 / self.chars.max(1) as f32
    }

    /// What the block adds to the score of every element holding it.
    fn value(&self) -> f32 {
        let chars = self.chars as f32;
        let ld = self.link_density();
        if self.label {
            // "Advertisement", "© 2025 …": furniture, whatever its length.
            -chars
        } else if self.tag.is_heading() {
            // Headings belong to whatever they head: they neither make nor break a body.
            -2.0
        } else if ld > 0.5 {
            // Mostly links: a menu, a list of other stories, a tag cloud.
            -(self.link_chars as f32) * 0.7
        } else if self.tag == Tag::Tr {
            // A table row: data, worth half its text.
            chars * (1.0 - ld) * 0.5
        } else if self.chars < 30 && self.punct == 0 {
            // Short fragments without a sentence mark: buttons, dates, bylines, labels. Each
            // costs a little, so a region made of many of them loses to one of paragraphs.
            -(chars * 0.4) - 3.0
        } else {
            // Prose: its text, less what sits in links (squared: a paragraph half links is
            // worth a quarter), plus a bonus per sentence mark, capped at one per 40 chars so
            // that lists of numbers ("1.2, 3.4") do not pass for sentences.
            let sentences = (self.punct as f32).min(chars / 40.0);
            chars * (1.0 - ld) * (1.0 - ld) + sentences * 10.0
        }
    }

    /// A standfirst: a real paragraph of prose (a sentence mark, or long enough to be one
    /// without its full stop), no heading, few links.
    fn is_lead(&self) -> bool {
        !self.tag.is_heading()
            && self.chars >= 60
            && (self.punct > 0 || self.chars >= 80)
            && self.link_density() < 0.2
            && !self.label
    }

    /// Looks like running text: long enough or ending a sentence.
    fn is_prose(&self) -> bool {
        self.link_density() < 0.5 && (self.chars >= 80 || (self.chars >= 20 && self.punct > 0))
    }
}

/// What pruning decided for every node.
pub struct Pruning {
    /// Cannot hold article text, with its whole subtree.
    pub pruned: Vec<bool>,
    /// Page furniture that may still hold the article (a `header`, `aside` or `footer`, an
    /// element classed as a sidebar): it does not add to its ancestors' scores and is left out
    /// when an ancestor is the body, but it can be the body itself.
    pub soft: Vec<bool>,
    /// What each element's class, id and role say.
    pub hints: Vec<Hint>,
}

/// What pruning makes of one element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Keep,
    Soft,
    Prune,
}

/// Marks the nodes that cannot hold article text and the soft furniture.
pub fn prune(dom: &Dom, mode: Mode) -> Pruning {
    let n = dom.nodes.len();
    // Class strings repeat through a page: classify each once.
    let mut by_class: std::collections::HashMap<&str, Hint> = std::collections::HashMap::new();
    let hints: Vec<Hint> = (0..n as u32)
        .map(|i| {
            dom.tag(i).map_or(Hint::None, |_| {
                match (dom.attr(i, Attr::Class), dom.attr(i, Attr::Id), dom.attr(i, Attr::Role)) {
                    (None, None, None) => Hint::None,
                    (Some(c), None, None) => {
                        *by_class.entry(c).or_insert_with(|| boiler::hint(Some(c), None, None))
                    }
                    (c, id, role) => boiler::hint(c, id, role),
                }
            })
        })
        .collect();
    let st = stats(dom, &hints);
    let total = st.first().map_or(1, |s| s.chars.max(1));
    let total_prose = st.first().map_or(1, |s| s.prose.max(1));
    let cards = if mode == Mode::Strict { teaser_cards(dom, &st) } else { vec![false; n] };
    let groups = if mode == Mode::Strict { story_groups(dom, &hints, &st) } else { Vec::new() };
    let mut pruned = vec![false; n];
    let mut soft = vec![false; n];
    for i in 0..n {
        let node = &dom.nodes[i];
        if node.parent != NONE && pruned[node.parent as usize] {
            pruned[i] = true;
            continue;
        }
        let Some(tag) = node.tag else { continue };
        let share =
            Share { text: st[i].chars as f32 / total as f32, prose: st[i].prose as f32 / total_prose as f32 };
        let mut verdict = verdict(dom, i as u32, tag, hints[i], share, st[i].article_below, mode);
        if verdict == Verdict::Prune && hints[i] == Hint::Junk && groups.binary_search(&i).is_ok() {
            verdict = Verdict::Keep;
        }
        pruned[i] = cards[i]
            || verdict == Verdict::Prune
            || (mode == Mode::Strict && is_link_cluster(dom, i, tag, &st));
        soft[i] = verdict == Verdict::Soft;
    }
    Pruning { pruned, soft, hints }
}

/// Elements named as junk whose class, repeated on several of them, holds most of the page's
/// text: the story cut into sections that a template happens to name oddly
/// (`step print-step`, `section section--ads`). Boilerplate is never most of a page; comment
/// threads can be, so classes naming comments are left out. Sorted element indices.
fn story_groups(dom: &Dom, hints: &[Hint], st: &[Stats]) -> Vec<usize> {
    let total = st.first().map_or(1, |s| s.chars.max(1));
    // class → (elements, characters), the outermost of nested same-class elements only.
    let mut groups: std::collections::HashMap<&str, (u32, u32)> = std::collections::HashMap::new();
    let outer = |i: usize| {
        let class = dom.attr(i as u32, Attr::Class)?;
        let p = dom.nodes[i].parent;
        (p == NONE || dom.attr(p, Attr::Class) != Some(class)).then_some(class)
    };
    for i in (0..st.len()).filter(|&i| hints[i] == Hint::Junk) {
        if let Some(class) = outer(i) {
            let g = groups.entry(class).or_default();
            g.0 += 1;
            g.1 += st[i].chars;
        }
    }
    groups.retain(|class, &mut (count, chars)| {
        count >= 2 && 2 * chars as u64 >= total as u64 && !boiler::names_comments(class)
    });
    if groups.is_empty() {
        return Vec::new();
    }
    (0..st.len())
        .filter(|&i| hints[i] == Hint::Junk && outer(i).is_some_and(|c| groups.contains_key(c)))
        .collect()
}

/// Text statistics of a subtree.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    /// Non-space characters.
    chars: u32,
    /// Non-space characters inside links.
    link_chars: u32,
    /// Number of links.
    links: u32,
    /// Characters of long text nodes outside links: a cheap measure of running text.
    prose: u32,
    /// The element or one below it is named as the article body ([`Hint::Article`]).
    article_below: bool,
}

/// [`Stats`] of every subtree, by one reverse pass over the arena.
fn stats(dom: &Dom, hints: &[Hint]) -> Vec<Stats> {
    let mut st = vec![Stats::default(); dom.nodes.len()];
    for i in (0..dom.nodes.len()).rev() {
        st[i].article_below |= hints[i] == Hint::Article;
        match dom.nodes[i].tag {
            None => {
                st[i].chars = dom.node_text(i as u32).chars().filter(|c| !c.is_whitespace()).count() as u32
            }
            Some(Tag::A) => {
                st[i].link_chars = st[i].chars;
                st[i].links += 1;
            }
            _ => {}
        }
        let p = dom.nodes[i].parent;
        if p != NONE {
            let s = st[i];
            let ps = &mut st[p as usize];
            ps.chars += s.chars;
            ps.link_chars += s.link_chars;
            ps.links += s.links;
            ps.prose += s.prose;
            ps.article_below |= s.article_below;
        }
    }
    st
}

/// Teaser cards (a linked sub-heading with a short blurb: "more stories" lists): for every
/// h2–h6 that is all link, the largest ancestor still under [`CARD_CHARS`].
fn teaser_cards(dom: &Dom, st: &[Stats]) -> Vec<bool> {
    const CARD_CHARS: u32 = 350;
    let mut cards = vec![false; dom.nodes.len()];
    for (i, node) in dom.nodes.iter().enumerate() {
        let heading = matches!(node.tag, Some(Tag::H2 | Tag::H3 | Tag::H4 | Tag::H5 | Tag::H6));
        if !heading || st[i].chars == 0 || (st[i].link_chars as f32) < 0.8 * st[i].chars as f32 {
            continue;
        }
        let mut top = i as u32;
        let mut p = node.parent;
        while p != NONE
            && st[p as usize].chars < CARD_CHARS
            && !matches!(dom.tag(p), Some(Tag::Body | Tag::Html))
        {
            top = p;
            p = dom.nodes[p as usize].parent;
        }
        cards[top as usize] = true;
    }
    cards
}

/// An inline element that is a cluster of links inside running text (a hover card, a list of
/// "more about this person" links embedded in a paragraph).
fn is_link_cluster(dom: &Dom, i: usize, tag: Tag, st: &[Stats]) -> bool {
    let s = st[i];
    let mut p = dom.nodes[i].parent;
    while p != NONE && !dom.tag(p).is_some_and(Tag::is_block) {
        p = dom.nodes[p as usize].parent;
    }
    // Inline, nearly all links, and inside a block that has other text too.
    let cluster = !tag.is_block()
        && tag != Tag::A
        && s.links >= 2
        && s.chars > 100
        && s.link_chars as f32 > 0.9 * s.chars as f32
        && p != NONE
        && st[p as usize].chars > s.chars;
    // The innermost such element: not one wrapping a single child that holds it all (the
    // name linked in the sentence stays, the card beside it goes).
    cluster && !first_children(dom, i as u32).any(|c| st[c as usize].chars as f32 >= 0.9 * s.chars as f32)
}

/// Children of `i`, in order.
fn first_children(dom: &Dom, i: u32) -> impl Iterator<Item = u32> + '_ {
    let first = (dom.nodes[i as usize].end > i + 1).then_some(i + 1);
    std::iter::successors(first, move |&c| Some(dom.nodes[c as usize].next_sibling).filter(|&n| n != NONE))
}

/// An element's part of the page's text and of its running text (long text nodes).
#[derive(Debug, Clone, Copy)]
struct Share {
    text: f32,
    prose: f32,
}

/// Whether element `i` is furniture.
fn verdict(
    dom: &Dom,
    i: u32,
    tag: Tag,
    hint: Hint,
    share: Share,
    article_below: bool,
    mode: Mode,
) -> Verdict {
    use Tag::*;
    let strict = mode == Mode::Strict;
    match tag {
        Head | Title | Meta | Link | Base | Script | Style | Noscript | Nav | Button | Select | Input
        | Option | Label | Dialog | Menu | Figcaption | Canvas | Video | Audio | Picture => {
            return Verdict::Prune
        }
        // Whole pages in a form (ASP.NET) are not pruned: only small forms.
        Form if share.text < 0.3 => return Verdict::Prune,
        Header | Footer | Aside if strict => return Verdict::Soft,
        Html | Body => return Verdict::Keep,
        _ => {}
    }
    if dom.attr(i, Attr::Hidden).is_some()
        || dom.attr(i, Attr::AriaHidden).is_some_and(|v| v.trim() == "true")
        || dom.attr(i, Attr::Style).is_some_and(hides)
        || dom.attr(i, Attr::Class).is_some_and(boiler::is_hidden_class)
    {
        return Verdict::Prune;
    }
    if !strict || matches!(tag, Article | Main) {
        return Verdict::Keep;
    }
    if dom.attr(i, Attr::Itemprop).is_some_and(|p| p.contains("articleBody")) {
        return Verdict::Keep;
    }
    match hint {
        // Named as junk but holding most of the text or an element named as the article
        // body (a blog post in a "widget"): it may still be the body, but it lends nothing to
        // its ancestors.
        Hint::Junk if share.text < 0.5 && share.prose < 0.6 && !article_below => Verdict::Prune,
        Hint::Junk | Hint::Layout => Verdict::Soft,
        _ => Verdict::Keep,
    }
}

/// A `style` attribute that hides the element.
fn hides(style: &str) -> bool {
    let s: String = style.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    s.contains("display:none") || s.contains("visibility:hidden")
}

/// Cuts the unpruned text into blocks, in document order.
pub fn segment(dom: &Dom, pruned: &[bool]) -> Vec<Block> {
    let mut seg = Segmenter {
        blocks: Vec::new(),
        buf: String::new(),
        chars: 0,
        links: 0,
        punct: 0,
        mark: 0,
        space: false,
    };
    // Open block elements and links, as (node, end of subtree).
    let mut open: Vec<(u32, u32)> = vec![(0, dom.nodes.len() as u32)];
    let mut link_end = 0u32;
    let mut i = 0u32;
    let n = dom.nodes.len() as u32;
    while i < n {
        while open.len() > 1 && open.last().is_some_and(|&(_, end)| end <= i) {
            let (owner, _) = open.pop().expect("checked non-empty");
            seg.flush(dom, owner);
        }
        let node = &dom.nodes[i as usize];
        if pruned[i as usize] {
            // Pruned elements still separate the text around them.
            seg.space = true;
            i = node.end.max(i + 1);
            continue;
        }
        match node.tag {
            None => seg.push_text(dom.node_text(i), i < link_end),
            Some(Tag::Br) => seg.line_break(),
            Some(Tag::A) => link_end = link_end.max(node.end),
            Some(Tag::Img | Tag::Td | Tag::Th) => seg.space = true,
            Some(t) if t.is_block() && i > 0 => {
                let owner = open.last().map_or(0, |&(o, _)| o);
                seg.flush(dom, owner);
                open.push((i, node.end));
            }
            _ => {}
        }
        i += 1;
    }
    while let Some((owner, _)) = open.pop() {
        seg.flush(dom, owner);
    }
    seg.blocks
}

/// Accumulates the text of the current block.
struct Segmenter {
    blocks: Vec<Block>,
    buf: String,
    chars: u32,
    links: u32,
    punct: u32,
    /// A Latin punctuation mark was just seen (1), to be counted if a space follows.
    mark: u32,
    /// A space is due before the next word.
    space: bool,
}

impl Segmenter {
    fn push_text(&mut self, text: &str, in_link: bool) {
        for c in text.chars() {
            // Invisible formatting: soft hyphens, zero-width spaces, BOMs, word joiners.
            if matches!(c, '\u{ad}' | '\u{200b}' | '\u{feff}' | '\u{2060}') {
                continue;
            }
            if c.is_whitespace() {
                self.space = true;
                // A Latin mark counts only when a space follows ("93.3" or "a,b" are no sentences).
                self.punct += std::mem::take(&mut self.mark);
                continue;
            }
            if c.is_alphanumeric() {
                self.mark = 0;
            }
            if self.space && !self.buf.is_empty() && !self.buf.ends_with('\n') {
                self.buf.push(' ');
            }
            self.space = false;
            self.buf.push(c);
            self.chars += 1;
            if in_link {
                self.links += 1;
            }
            if matches!(c, '.' | ',' | ';' | '!' | '?' | '…' | '؟' | '،' | '।') {
                self.mark = 1;
            } else if matches!(c, '。' | '，' | '、' | '！' | '？') {
                self.punct += 1;
            }
        }
    }

    fn line_break(&mut self) {
        if !self.buf.is_empty() && !self.buf.ends_with('\n') {
            self.buf.push('\n');
        }
        self.space = false;
    }

    fn flush(&mut self, dom: &Dom, owner: u32) {
        self.punct += std::mem::take(&mut self.mark);
        if self.chars > 0 {
            let text = self.buf.trim_end().to_string();
            let label = boiler::is_label(&text, self.chars as usize);
            self.blocks.push(Block {
                label,
                text,
                chars: self.chars,
                link_chars: self.links,
                punct: self.punct,
                owner,
                tag: dom.tag(owner).unwrap_or(Tag::OtherBlock),
            });
        }
        self.buf.clear();
        self.chars = 0;
        self.links = 0;
        self.punct = 0;
        self.space = false;
    }
}

/// The element whose subtree holds the best text, or `None` when no block is worth anything.
pub fn best_root(dom: &Dom, blocks: &[Block], pruning: &Pruning) -> Option<u32> {
    let soft = &pruning.soft;
    let n = dom.nodes.len();
    // score[e] = the sum of the values of the blocks inside e: a maximum-subtree problem.
    // Adding a region to the body pays only while it brings more prose than clutter, so the
    // winner is the smallest element holding the story, split or interleaved with ads or not.
    let mut score = vec![0f32; n];
    for b in blocks {
        score[b.owner as usize] += b.value();
    }
    // Children come after their parent in pre-order: one reverse pass sums every subtree.
    for i in (1..n).rev() {
        let p = dom.nodes[i].parent;
        // Soft furniture can be the body but adds nothing to its ancestors.
        if p != NONE && !soft[i] {
            score[p as usize] += score[i];
        }
    }
    let mut best = None;
    let mut best_score = 0f32;
    for (i, &s) in score.iter().enumerate() {
        if s <= 0.0 || dom.nodes[i].tag.is_none() {
            continue;
        }
        let s = s * favour(dom, i as u32, &pruning.hints);
        // `>=`: on a tie the deeper (later in pre-order) element wins.
        if s >= best_score {
            best_score = s;
            best = Some(i as u32);
        }
    }
    best
}

/// A bonus for elements whose tag, itemprop or class names the article; a class with two
/// content words (`entry-content`, `article-body`) counts most.
fn favour(dom: &Dom, i: u32, hints: &[Hint]) -> f32 {
    if dom.attr(i, Attr::Itemprop).is_some_and(|p| p.contains("articleBody")) {
        return 1.25;
    }
    let mut f = 1.0;
    if matches!(dom.tag(i), Some(Tag::Article | Tag::Main)) {
        f += 0.1;
    }
    f += match hints[i as usize] {
        Hint::Article => 0.35,
        Hint::Content => 0.1,
        _ => 0.0,
    };
    f
}

/// The text of the blocks under `root`, cleaned, paragraphs separated by a blank line.
pub fn render(dom: &Dom, blocks: &[Block], root: u32, soft: &[bool], title: Option<&str>) -> String {
    let end = dom.nodes[root as usize].end;
    // The soft furniture between a block and the root, if any.
    let soft_above = |mut i: u32| {
        while i != root && i != NONE {
            if soft[i as usize] {
                return Some(i);
            }
            i = dom.nodes[i as usize].parent;
        }
        None
    };
    let mut leads = lead_headers(dom, root);
    leads.extend(headline_lead(blocks, root, title));
    let inside: Vec<&Block> = blocks
        .iter()
        .filter(|b| {
            let in_lead = leads.iter().any(|&(h, e)| b.owner >= h && b.owner < e);
            if in_lead {
                return b.is_lead();
            }
            if b.owner < root || b.owner >= end {
                return false;
            }
            match soft_above(b.owner) {
                None => true,
                // A standfirst in the article's own header is part of the story.
                Some(s) => {
                    b.is_lead()
                        && (dom.tag(s) == Some(Tag::Header)
                            || boiler::names_header(dom.attr(s, Attr::Class), dom.attr(s, Attr::Id)))
                }
            }
        })
        .collect();
    let mut inside = inside;
    cut_tail(&mut inside);
    cut_trailing_boxes(dom, &mut inside);
    let title_key = title.map(key);
    let mut kept: Vec<&Block> = inside
        .iter()
        .copied()
        .filter(|b| {
            if b.link_density() > 0.5 && b.chars < 400 {
                return false;
            }
            if b.label || is_markup(&b.text) {
                return false;
            }
            !(b.tag.is_heading() && title_key.as_deref().is_some_and(|t| key(&b.text) == t))
        })
        .collect();
    // A closing "follow us / subscribe" line (one or two) is the site's, not the story's.
    for _ in 0..2 {
        if kept.len() > 3 && kept.last().is_some_and(|b| boiler::is_call_to_action(&b.text, b.chars as usize))
        {
            kept.pop();
        }
    }
    trim_edges(&mut kept);
    let mut out = String::new();
    for b in kept {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&b.text);
    }
    out
}

/// Ends the article at a closing marker ("Related stories", "Lesen Sie auch") once most of
/// its text has been seen: what follows such a line is a list of other stories.
fn cut_tail(kept: &mut Vec<&Block>) {
    let total: u32 = kept.iter().map(|b| b.chars).sum();
    let mut seen = 0;
    for (k, b) in kept.iter().enumerate() {
        // A line of plain text: "Read more: <a>…</a>" inside the story is mostly link.
        let marker = b.link_density() < 0.5 && boiler::is_end_marker(&b.text, b.chars as usize);
        if marker && seen as f32 >= 0.5 * total as f32 {
            kept.truncate(k);
            return;
        }
        seen += b.chars;
    }
}

/// Drops what follows the story's last paragraph from a box of its own: the story's
/// paragraphs are siblings in one container, and a block after the last of them that sits in
/// another `div` (an app teaser, a "follow us" box, a contact card, a licence notice) is the
/// page's, not the story's. Lists, quotes and tables in the container stay.
fn cut_trailing_boxes(dom: &Dom, kept: &mut Vec<&Block>) {
    let parent = |i: u32| dom.nodes[i as usize].parent;
    // The container of the most paragraph text: (characters, paragraphs) by parent.
    let mut by_parent: std::collections::HashMap<u32, (u32, u32)> = std::collections::HashMap::new();
    for b in kept.iter().filter(|b| b.tag == Tag::P) {
        let e = by_parent.entry(parent(b.owner)).or_default();
        e.0 += b.chars;
        e.1 += 1;
    }
    let Some((&main, &(_, paragraphs))) = by_parent.iter().max_by_key(|(&p, e)| (e.0, p)) else { return };
    if paragraphs < 3 || main == NONE {
        return;
    }
    // In the story's flow: below the container through lists, quotes, tables and inline
    // elements only, or through a box named as content (page builders put the story in
    // several "text" columns).
    let in_flow = |b: &Block| {
        let (mut i, mut boxed) = (b.owner, false);
        while i != main {
            if i == NONE || i < main {
                return false;
            }
            let class = dom.attr(i, Attr::Class);
            if class
                .is_some_and(|c| matches!(boiler::hint(Some(c), None, None), Hint::Content | Hint::Article))
            {
                return true;
            }
            boxed |= i != b.owner && dom.tag(i).is_some_and(is_box);
            i = parent(i);
        }
        !boxed
    };
    // The boxes after the last block in the flow, if they are a small part of the text.
    let Some(last) = kept.iter().rposition(|b| in_flow(b)) else { return };
    let total: u32 = kept.iter().map(|b| b.chars).sum();
    let tail: u32 = kept[last + 1..].iter().map(|b| b.chars).sum();
    if tail * 10 <= total && kept.len() - last <= 4 {
        kept.truncate(last + 1);
    }
}

/// A block element that boxes text apart (a `div`, a `section`), not one that structures it
/// (lists, quotes, tables).
fn is_box(tag: Tag) -> bool {
    use Tag::*;
    tag.is_block() && !matches!(tag, Ul | Ol | Li | Dl | Dt | Dd | Blockquote | Table | Tr | OtherBlock)
}

/// Elements just before the body (siblings before it or before its parent): a standfirst
/// there (a real paragraph, see [`Block::is_lead`]) belongs to the story. As (node, end of
/// subtree).
fn lead_headers(dom: &Dom, root: u32) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut node = root;
    for _ in 0..2 {
        let parent = dom.nodes[node as usize].parent;
        if parent == NONE {
            break;
        }
        for c in first_children(dom, parent).take_while(|&c| c != node) {
            if dom.tag(c).is_some() {
                out.push((c, dom.nodes[c as usize].end));
            }
        }
        node = parent;
    }
    // Everything between the start of the enclosing <article> and the body: the article's
    // own header, however deep the markup nests it.
    let mut a = dom.nodes[root as usize].parent;
    for _ in 0..6 {
        if a == NONE {
            break;
        }
        if dom.tag(a) == Some(Tag::Article) {
            out.push((a + 1, root));
            break;
        }
        a = dom.nodes[a as usize].parent;
    }
    out
}

/// The stretch between the page's headline (a heading before the body that reads as the
/// title) and the body, as (node, end): a standfirst there belongs to the story, however the
/// template nests the two (a hero block above the article, a header beside it).
fn headline_lead(blocks: &[Block], root: u32, title: Option<&str>) -> Option<(u32, u32)> {
    let title = key(title?);
    if title.chars().count() < 10 {
        return None;
    }
    let h = blocks.iter().rev().filter(|b| b.owner < root && b.tag.is_heading()).find(|b| {
        let k = key(&b.text);
        k.chars().count() >= 10 && (title.contains(&k) || k.contains(&title))
    })?;
    Some((h.owner, root))
}

/// Drops meta lines before the first and headings after the last paragraph of prose.
fn trim_edges(kept: &mut Vec<&Block>) {
    let Some(first) = kept.iter().position(|b| b.is_prose()) else { return };
    let lead: Vec<bool> = kept[..first].iter().map(|b| b.tag.is_heading() || b.chars >= 50).collect();
    let mut i = 0;
    kept.retain(|_| {
        let keep = i >= first || lead[i];
        i += 1;
        keep
    });
    let stray = |b: &Block| {
        b.tag.is_heading() || (b.chars < 20 && b.punct == 0 && !matches!(b.tag, Tag::Tr | Tag::Li))
    };
    while kept.last().is_some_and(|b| stray(b)) {
        kept.pop();
    }
}

/// Escaped markup shown as text (`<img src=...>` leaking from a broken template).
fn is_markup(text: &str) -> bool {
    let t = text.trim();
    t.starts_with('<') && t.ends_with('>')
}

/// A comparison key: letters and digits, lower case.
fn key(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body of `html` by the strict pass, as `extract` renders it.
    fn body(html: &str, title: Option<&str>) -> String {
        let dom = Dom::parse(html);
        let p = prune(&dom, Mode::Strict);
        let blocks = segment(&dom, &p.pruned);
        best_root(&dom, &blocks, &p).map(|r| render(&dom, &blocks, r, &p.soft, title)).unwrap_or_default()
    }

    const PARA: &str = "The council met on Tuesday, and after a long debate it approved the plan.";

    fn paras(n: usize) -> String {
        (0..n).map(|i| format!("<p>{PARA} Point {i}.</p>")).collect()
    }

    #[test]
    fn furniture_tags_and_junk_classes_are_pruned() {
        let html = format!(
            "<body><nav><p>{PARA} nav</p></nav><div class=\"share-bar\"><p>{PARA} share</p></div>\
             <article>{}</article><div id=comments><p>{PARA} comment</p></div>\
             <div style=\"display: none\"><p>{PARA} hidden</p></div></body>",
            paras(4)
        );
        let text = body(&html, None);
        assert_eq!(text.matches(PARA).count(), 4, "{text}");
        for bad in ["nav", "share", "comment", "hidden"] {
            assert!(!text.contains(&format!("{PARA} {bad}")), "{bad} kept: {text}");
        }
    }

    #[test]
    fn the_body_beats_a_longer_link_list() {
        let links: String =
            (0..40).map(|i| format!("<li><a href=/{i}>Another story number {i}</a></li>")).collect();
        let html = format!("<body><div class=x><ul>{links}</ul></div><div class=y>{}</div></body>", paras(3));
        let text = body(&html, None);
        assert!(text.starts_with(PARA) && !text.contains("Another story"), "{text}");
    }

    #[test]
    fn teaser_cards_are_pruned() {
        let cards: String = (0..3)
            .map(|i| format!("<li><h3><a href=/{i}>Other headline {i}</a></h3><div>{PARA}</div></li>"))
            .collect();
        let html = format!("<body><div>{}<ul>{cards}</ul></div></body>", paras(3));
        let text = body(&html, None);
        assert_eq!(text.matches(PARA).count(), 3, "{text}");
    }

    #[test]
    fn a_hover_card_in_a_sentence_goes_but_the_linked_name_stays() {
        let card = "<span class=card><a href=/p/1>Jane Roe</a> <a href=/a/1>An unrelated story about \
                    something else entirely</a> <a href=/a/2>And another unrelated story with a long \
                    headline</a> <a href=/a/3>A third unrelated story</a></span>";
        let html = format!(
            "<body><div><p>The senator <span><a href=/p/1>Jane Roe</a>{card}</span> said the plan \
             would pass, and that the vote was close.</p>{}</div></body>",
            paras(2)
        );
        let text = body(&html, None);
        assert!(text.starts_with("The senator Jane Roe said the plan"), "{text}");
        assert!(!text.contains("unrelated"), "{text}");
    }

    #[test]
    fn a_story_cut_into_oddly_named_sections_is_kept() {
        // Each section alone is small and named as junk ("print", "ads"); together they are
        // the story.
        let sections: String =
            (0..4).map(|i| format!("<div class=\"step print-step\"><p>{PARA} Step {i}.</p></div>")).collect();
        let html = format!("<body><div><h1>T</h1>{sections}<div class=share>Share</div></div></body>");
        assert_eq!(body(&html, None).matches(PARA).count(), 4);
        // Comments stay pruned however much of the page they are.
        let comments: String =
            (0..6).map(|i| format!("<div class=comment><p>{PARA} Reader {i}.</p></div>")).collect();
        let html = format!("<body><div class=x><p>{PARA} Story.</p></div><div>{comments}</div></body>");
        let text = body(&html, None);
        assert!(text.contains("Story.") && !text.contains("Reader"), "{text}");
    }

    #[test]
    fn a_box_after_the_story_is_dropped_but_lists_stay() {
        let html = format!(
            "<body><div class=x>{}<ul><li>{PARA} Item.</li></ul><div class=app><p>Get our app on your \
             phone.</p></div></div></body>",
            paras(6)
        );
        let text = body(&html, None);
        assert!(text.ends_with("Item.") && !text.contains("Get our app"), "{text}");
        // A box in the middle, or one the story's text goes on in, stays.
        let html = format!(
            "<body><div class=x>{}<div class=app><p>Get our app on your phone.</p></div>{}</div></body>",
            paras(3),
            paras(3)
        );
        assert!(body(&html, None).contains("Get our app"));
        let html = format!(
            "<body><div class=x>{}<div class=text-column><p>The end of the story, told here.</p></div></div></body>",
            paras(6)
        );
        assert!(body(&html, None).ends_with("told here."));
    }

    #[test]
    fn a_closing_follow_us_line_is_dropped() {
        let html = format!(
            "<body><div>{}<p>Follow the Daily Meridian on Twitter and Instagram.</p></div></body>",
            paras(4)
        );
        let text = body(&html, None);
        assert!(text.ends_with("Point 3.") && !text.contains("Follow"), "{text}");
    }

    #[test]
    fn table_rows_are_lines_of_cells() {
        let rows: String = (1..=8)
            .map(|i| format!("<tr><td>{i}</td><td>Driver {i}</td><td>{}</td></tr>", 100 * i))
            .collect();
        let html = format!("<body><div><p>{PARA}</p><table>{rows}</table></div></body>");
        let text = body(&html, None);
        assert!(text.contains("\n\n3 Driver 3 300\n\n"), "{text}");
    }

    #[test]
    fn headline_labels_and_trailing_lists_are_dropped() {
        let html = format!(
            "<body><article><h1>The Plan Passes</h1><p>By Jane Roe</p>{}<p>Advertisement</p>{}\
             <h2>Context</h2><p>{PARA} Last.</p><h3>Related stories</h3><p>{PARA} Other.</p><h2>Tags</h2></article></body>",
            paras(2),
            paras(2)
        );
        let text = body(&html, Some("The plan passes"));
        assert!(text.starts_with(PARA), "{text}");
        assert!(text.contains("Context\n\n"), "{text}");
        assert!(text.ends_with("Last."), "{text}");
        assert!(!text.contains("Advertisement") && !text.contains("By Jane"), "{text}");
    }

    #[test]
    fn a_standfirst_in_the_header_is_kept() {
        let lead =
            "In a close vote, the council approved the harbour plan that had divided the town for years.";
        let html = format!(
            "<body><article><header><h1>T</h1><p class=standfirst>{lead}</p><p>By X</p></header>\
             <div class=body>{}</div></article></body>",
            paras(3)
        );
        let text = body(&html, Some("T"));
        assert!(text.starts_with(lead), "{text}");
        assert!(!text.contains("By X"), "{text}");
    }

    #[test]
    fn a_standfirst_in_a_header_named_block_is_kept() {
        let lead = "Why the harbour plan divided the town for years, and what the vote changes for it.";
        let html = format!(
            "<body><div><div class=page-header-module><h1>T</h1><p>{lead}</p><p>Menu</p></div>\
             {}</div></body>",
            paras(3)
        );
        let text = body(&html, Some("T"));
        assert!(text.starts_with(lead), "{text}");
        assert!(!text.contains("Menu"), "{text}");
    }

    #[test]
    fn a_standfirst_under_the_headline_outside_the_body_is_kept() {
        let lead = "In a close vote, the council approved the harbour plan that had divided the town.";
        let html = format!(
            "<body><div class=hero><div><h1>The Harbour Plan Passes</h1><p>{lead}</p><p>By Jane Roe</p></div></div>\
             <div class=promo-strip><p>{PARA} Elsewhere.</p></div><ul>{}</ul>\
             <div><div><div>{}</div></div></div></body>",
            (0..12).map(|i| format!("<li><a href=/{i}>Section number {i}</a></li>")).collect::<String>(),
            paras(4)
        );
        let text = body(&html, Some("The harbour plan passes | Daily Meridian"));
        assert!(text.starts_with(lead), "{text}");
        assert!(!text.contains("Jane Roe") && !text.contains("Elsewhere"), "{text}");
        // Without a headline matching the title, the paragraph stays out.
        assert!(body(&html, Some("Something else entirely")).starts_with(PARA));
    }

    #[test]
    fn a_standfirst_without_a_full_stop_is_kept() {
        let lead = "Penalties for those who refuse to self isolate are to be increased to a maximum of ten thousand pounds";
        let html = format!(
            "<body><article><header><h1>T</h1><p>{lead}</p><p>By X</p></header><div>{}</div></article></body>",
            paras(3)
        );
        assert!(body(&html, Some("T")).starts_with(lead));
    }

    #[test]
    fn the_collapsed_rest_of_a_story_is_kept() {
        // "Read more" expanders hold the rest of the story; the button itself is a label.
        let html = format!(
            "<body><div><div>{}</div><div class=js_readmore><p>{PARA} Hidden rest.</p></div>\
             <p><a href=#>Read more</a></p></div></body>",
            paras(3)
        );
        let text = body(&html, None);
        assert!(text.ends_with("Hidden rest."), "{text}");
    }

    #[test]
    fn an_ellipsis_ends_a_sentence() {
        let html = format!("<body><div><p>Grace be with you and with peace…</p>{}</div></body>", paras(3));
        assert!(body(&html, None).starts_with("Grace be with you and with peace…"));
    }

    #[test]
    fn invisible_characters_are_dropped() {
        let html = "<body><div><p>Schon im Mit\u{ad}tel\u{ad}al\u{ad}ter war der Wein\u{200b} das \
                    Aushängeschild der Region, und er ist es bis heute.</p></div></body>";
        assert!(body(html, None).starts_with("Schon im Mittelalter war der Wein das Aushängeschild"));
    }

    #[test]
    fn paragraphs_are_separated_by_a_blank_line_and_br_is_a_newline() {
        let html =
            "<body><div><p>One sentence here, long enough to count as prose for sure.<br>Line two.</p>\
                    <p>Another sentence here, also long enough to count as prose.</p></div></body>";
        assert_eq!(
            body(html, None),
            "One sentence here, long enough to count as prose for sure.\nLine two.\n\n\
             Another sentence here, also long enough to count as prose."
        );
    }

    /// Development aid: `DUMP=page.html cargo test --lib extract::content::tests::dump --
    /// --ignored --nocapture` prints every block with its owner, value and whether it is kept.
    #[test]
    #[ignore]
    fn dump() {
        let path = std::env::var("DUMP").expect("DUMP=path");
        let html = crate::charset::decode_html(&std::fs::read(path).expect("page"), None, None);
        let dom = Dom::parse(&super::super::prepass::strip(&html).html);
        for mode in [Mode::Strict, Mode::Permissive] {
            let p = prune(&dom, mode);
            let blocks = segment(&dom, &p.pruned);
            let root = best_root(&dom, &blocks, &p);
            let st = stats(&dom, &p.hints);
            if let Some(r) = root {
                let v = verdict(
                    &dom,
                    r,
                    dom.tag(r).unwrap(),
                    p.hints[r as usize],
                    Share { text: 0.1, prose: 0.1 },
                    false,
                    mode,
                );
                println!("pruned {} soft {} verdict {v:?}", p.pruned[r as usize], p.soft[r as usize]);
            }
            println!(
                "== {mode:?} root {root:?} {:?} share {:?}",
                root.map(|r| (dom.tag(r), dom.attr(r, Attr::Class))),
                root.map(|r| st[r as usize].chars as f32 / st[0].chars as f32)
            );
            if std::env::var("DUMP_PRUNED").is_ok() {
                for (i, s) in st.iter().enumerate() {
                    let par = dom.nodes[i].parent;
                    if p.pruned[i] && (par == NONE || !p.pruned[par as usize]) && s.chars > 40 {
                        let t: String = dom.text_of(i as u32).chars().take(60).collect();
                        println!(
                            "PRUNED {i} {:?} {:?} {t:?}",
                            dom.tag(i as u32),
                            dom.attr(i as u32, Attr::Class)
                        );
                    }
                }
            }
            if let Ok(node) = std::env::var("DUMP_NODE") {
                // The ancestors of a node with their subtree scores, as `best_root` sums them.
                let mut score = vec![0f32; dom.nodes.len()];
                for b in &blocks {
                    score[b.owner as usize] += b.value();
                }
                for i in (1..dom.nodes.len()).rev() {
                    let par = dom.nodes[i].parent;
                    if par != NONE && !p.soft[i] {
                        score[par as usize] += score[i];
                    }
                }
                let mut a: u32 = node.parse().expect("node index");
                while a != NONE {
                    let ai = a as usize;
                    println!(
                        "ANC {a} {:?} {:?} {:?} pruned {} soft {} score {:.1} x{:.2} chars {}",
                        dom.tag(a),
                        dom.attr(a, Attr::Class),
                        dom.attr(a, Attr::Id),
                        p.pruned[ai],
                        p.soft[ai],
                        score[ai],
                        favour(&dom, a, &p.hints),
                        st[ai].chars,
                    );
                    a = dom.nodes[ai].parent;
                }
            }
            for b in &blocks {
                let t: String = b.text.chars().take(90).collect();
                println!("{:>6} {:?} {:>7.1} {t:?}", b.owner, b.tag, b.value());
            }
        }
    }
}
