//! A forgiving XML tokenizer for `repair`: splits a document into text, tags, CDATA, comments,
//! processing instructions and DOCTYPE, and never fails. Owns only the splitting; every fix is
//! made by `repair`.
//!
//! A `<` that starts no construct stays in the text (repair escapes it); a construct cut off
//! by the end of the document is dropped; unterminated comments and CDATA sections are read as
//! text rather than swallowing the rest of the document.

use super::repair::Fix;

/// One piece of markup. Names, values and text are slices of the document, not unescaped.
#[derive(Debug, Clone, PartialEq)]
pub enum Token<'a> {
    Text(&'a str),
    /// The inside of `<![CDATA[...]]>`.
    Cdata(&'a str),
    Comment,
    Pi,
    Doctype,
    Start {
        name: &'a str,
        attrs: Vec<Attr<'a>>,
        self_closing: bool,
    },
    End(&'a str),
}

/// An attribute; `value` is `None` for an HTML-style boolean attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr<'a> {
    pub name: &'a str,
    pub value: Option<&'a str>,
}

/// A tokenized document and the fixes tokenizing implied.
#[derive(Debug)]
pub struct Tokens<'a> {
    pub tokens: Vec<Token<'a>>,
    pub fixes: Vec<Fix>,
}

/// Splits `s` into tokens.
pub fn tokenize(s: &str) -> Tokens<'_> {
    let mut t = Tokenizer { s, b: s.as_bytes(), fixes: Vec::new(), missing: [usize::MAX; 3] };
    let mut tokens = Vec::new();
    // `i` is where the search for the next `<` resumes; `text_start` where the pending text
    // run began (a `<` that starts nothing does not end it)
    let (mut i, mut text_start) = (0, 0);
    while let Some(off) = t.b[i..].iter().position(|&c| c == b'<') {
        let lt = i + off;
        match t.construct_at(lt) {
            Some((tok, end)) => {
                if text_start < lt {
                    tokens.push(Token::Text(&s[text_start..lt]));
                }
                tokens.push(tok);
                i = end;
                text_start = end;
            }
            None => i = lt + 1, // a `<` that starts nothing stays text
        }
    }
    if text_start < s.len() {
        tokens.push(Token::Text(&s[text_start..]));
    }
    Tokens { tokens, fixes: t.fixes }
}

struct Tokenizer<'a> {
    s: &'a str,
    b: &'a [u8],
    fixes: Vec<Fix>,
    /// Per terminator (`-->`, `]]>`, `?>`): the position from which a search found none, so
    /// that many unterminated constructs cost one scan, not one each.
    missing: [usize; 3],
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// First byte of a name: a letter, `_`, `:` or any non-ASCII character.
fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':' || c >= 0x80
}

fn is_name_byte(c: u8) -> bool {
    !is_space(c) && !matches!(c, b'/' | b'>' | b'<' | b'=' | b'"' | b'\'')
}

impl<'a> Tokenizer<'a> {
    fn find(&self, from: usize, needle: &str) -> Option<usize> {
        self.s.get(from..)?.find(needle).map(|p| from + p)
    }

    /// `find` for a construct's terminator, remembering where it is missing.
    fn find_terminator(&mut self, from: usize, which: usize, needle: &str) -> Option<usize> {
        if from >= self.missing[which] {
            return None;
        }
        let found = self.find(from, needle);
        if found.is_none() {
            self.missing[which] = from;
        }
        found
    }

    /// The construct starting at the `<` at `at`, and where it ends; `None` if the `<` is text.
    fn construct_at(&mut self, at: usize) -> Option<(Token<'a>, usize)> {
        let rest = &self.b[at..];
        // comments and CDATA need their terminator; without one the `<` is only text
        if rest.starts_with(b"<!--") {
            let end = self.find_terminator(at + 4, 0, "-->")?;
            return Some((Token::Comment, end + 3));
        }
        if rest.starts_with(b"<![CDATA[") {
            let end = self.find_terminator(at + 9, 1, "]]>")?;
            return Some((Token::Cdata(&self.s[at + 9..end]), end + 3));
        }
        if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!doctype") {
            return Some((Token::Doctype, self.doctype_end(at)));
        }
        // any other declaration (`<!ENTITY`, `<!ELEMENT` outside a DOCTYPE): dropped like a comment
        if rest.starts_with(b"<!") {
            let end = self.find(at, ">").map_or(self.b.len(), |e| e + 1);
            return Some((Token::Comment, end));
        }
        if rest.starts_with(b"<?") {
            let end = self.find_terminator(at, 2, "?>")?;
            return Some((Token::Pi, end + 2));
        }
        // tags need a name right after `<` or `</`: "a < b" and "<3" stay text
        if rest.len() > 2 && rest[1] == b'/' && is_name_start(rest[2]) {
            return Some(self.end_tag(at));
        }
        if rest.len() > 1 && is_name_start(rest[1]) {
            return Some(self.start_tag(at));
        }
        None
    }

    /// End of a DOCTYPE, internal subset included (to the end of the document if cut off).
    fn doctype_end(&self, at: usize) -> usize {
        let gt = self.find(at, ">");
        let bracket = gt.and_then(|g| self.s[at..g].find('[').map(|p| at + p));
        match (gt, bracket) {
            // `<!DOCTYPE x [ … ]>`: the subset may hold `>` (entity declarations), so the end
            // is the first `>` after the first `]`
            (Some(_), Some(br)) => {
                let close = self.find(br, "]").unwrap_or(self.b.len());
                self.find(close, ">").map_or(self.b.len(), |e| e + 1)
            }
            (Some(g), _) => g + 1,
            (None, _) => self.b.len(),
        }
    }

    /// Where the name starting at `from` ends (names are cut at the first delimiter, so
    /// `<a"b>` yields `a`).
    fn name_end(&self, from: usize) -> usize {
        self.b[from..].iter().position(|&c| !is_name_byte(c)).map_or(self.b.len(), |p| from + p)
    }

    fn skip_space(&self, mut j: usize) -> usize {
        while j < self.b.len() && is_space(self.b[j]) {
            j += 1;
        }
        j
    }

    /// `</name>`, also `</name` followed by another tag (the `>` forgotten).
    fn end_tag(&mut self, at: usize) -> (Token<'a>, usize) {
        let name_end = self.name_end(at + 2);
        let name = &self.s[at + 2..name_end];
        match self.b[name_end..].iter().position(|&c| c == b'>' || c == b'<') {
            Some(p) if self.b[name_end + p] == b'>' => (Token::End(name), name_end + p + 1),
            Some(p) => {
                self.fixes.push(Fix::Unbalanced);
                (Token::End(name), name_end + p)
            }
            // cut off by the end of the document: dropped
            None => (Token::Comment, self.b.len()),
        }
    }

    /// `<name attr="v" …>` or `…/>`. Attributes may be unquoted, valueless or broken; the
    /// loop always advances, so a tag costs time linear in its length.
    fn start_tag(&mut self, at: usize) -> (Token<'a>, usize) {
        let name_end = self.name_end(at + 1);
        let name = &self.s[at + 1..name_end];
        let mut attrs: Vec<Attr<'a>> = Vec::new();
        let mut j = name_end;
        loop {
            j = self.skip_space(j);
            let Some(&c) = self.b.get(j) else {
                return (Token::Comment, self.b.len()); // cut off by the end of the document
            };
            match c {
                b'>' => return (Token::Start { name, attrs, self_closing: false }, j + 1),
                b'/' if self.b.get(j + 1) == Some(&b'>') => {
                    return (Token::Start { name, attrs, self_closing: true }, j + 2);
                }
                b'<' => {
                    self.fixes.push(Fix::Unbalanced); // `<a href="x"<b>`: the tag ends here
                    return (Token::Start { name, attrs, self_closing: false }, j);
                }
                _ if !is_name_start(c) => {
                    self.fixes.push(Fix::Attribute);
                    j += 1;
                    continue;
                }
                _ => {}
            }
            let attr_end = self.name_end(j);
            let attr_name = &self.s[j..attr_end];
            let (value, next) = self.attr_value(attr_end);
            attrs.push(Attr { name: attr_name, value });
            j = next.max(attr_end);
        }
    }

    /// An attribute's value after its name ends at `from`, and where parsing continues.
    fn attr_value(&mut self, from: usize) -> (Option<&'a str>, usize) {
        let j = self.skip_space(from);
        if self.b.get(j) != Some(&b'=') {
            return (None, from);
        }
        let j = self.skip_space(j + 1);
        match self.b.get(j) {
            Some(&q) if q == b'"' || q == b'\'' => {
                let close = self.b[j + 1..].iter().position(|&c| c == q).map(|p| j + 1 + p);
                match close {
                    Some(end) => (Some(&self.s[j + 1..end]), end + 1),
                    None => {
                        // no closing quote: the value runs to the end of the tag
                        self.fixes.push(Fix::Attribute);
                        let end = self.b[j..].iter().position(|&c| c == b'>').map_or(self.b.len(), |p| j + p);
                        (Some(&self.s[j + 1..end]), end)
                    }
                }
            }
            // unquoted (`width=100`): the value runs to white space or the end of the tag
            Some(_) => {
                self.fixes.push(Fix::Attribute);
                let end = self.b[j..]
                    .iter()
                    .position(|&c| is_space(c) || c == b'>')
                    .map_or(self.b.len(), |p| j + p);
                (Some(&self.s[j..end]), end)
            }
            None => (Some(""), j),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_every_kind_of_construct() {
        let t = tokenize(
            "<?xml v?><!DOCTYPE x [<!ENTITY a 'b'>]><r a='1' b=2 c><!-- c --><![CDATA[<x>]]>a < b<e/></r>",
        );
        assert_eq!(
            t.tokens,
            vec![
                Token::Pi,
                Token::Doctype,
                Token::Start {
                    name: "r",
                    attrs: vec![
                        Attr { name: "a", value: Some("1") },
                        Attr { name: "b", value: Some("2") },
                        Attr { name: "c", value: None }
                    ],
                    self_closing: false
                },
                Token::Comment,
                Token::Cdata("<x>"),
                Token::Text("a < b"),
                Token::Start { name: "e", attrs: vec![], self_closing: true },
                Token::End("r"),
            ]
        );
    }

    #[test]
    fn cut_off_and_unterminated_constructs() {
        let t = tokenize("<r><!-- no end <t>x</t><a href=\"y");
        assert_eq!(t.tokens[1], Token::Text("<!-- no end "));
        assert_eq!(t.tokens.last(), Some(&Token::Comment));
        let t = tokenize("<r>é<ü>");
        assert_eq!(t.tokens[2], Token::Start { name: "ü", attrs: vec![], self_closing: false });
    }
}
