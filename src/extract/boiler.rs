//! What boilerplate looks like, independent of any one site: the words of `class`/`id`/`role`
//! attributes that name page furniture (share bars, comment sections, related lists, ads …) and
//! the short phrases that label it in the text ("Leave a comment", "Read more", "Werbung" …).
//! Pure classification; the content module decides what to do with it.

/// What an element's attributes say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hint {
    /// Nothing either way.
    #[default]
    None,
    /// Names content, weakly (`content`, `post`, `text-2` …).
    Content,
    /// Names the article body with two content words (`entry-content`, `article-body` …).
    Article,
    /// Names a kind of boilerplate that is never story text (comments, sharing, ads …).
    Junk,
    /// Names page layout (sidebar, header, footer, menu): junk unless it holds most of the text.
    Layout,
}

/// Words (after splitting class names on `-`, `_`, digits and camelCase) naming boilerplate.
/// Kept sorted; looked up through the `matches!` below (a test keeps the two in step).
#[rustfmt::skip]
#[cfg_attr(not(test), allow(dead_code))]
const JUNK_WORDS: &[&str] = &[
    "ad", "ads", "adsense", "adslot", "adunit", "adv", "advert", "advertisement", "advertising",
    "affiliate", "alert", "auteur", "author", "autor", "autore", "banner", "bildnachweis",
    "bildunterschrift", "bilduntertitel", "bio", "breadcrumb", "breadcrumbs", "byline", "caption",
    "captions", "comment", "commentlist", "comments", "consent", "cookie", "cookies", "copyright",
    "credit", "credits", "disclaimer", "disclosure", "disqus", "donate", "dropdown", "gdpr",
    "hashtags", "licence", "license", "login", "meta", "metadata", "modal", "newsletter",
    "newsletters", "notice", "outbrain", "overlay", "pager", "pagination", "paywall", "placeholder",
    "popular", "popup", "print", "privacy", "promo", "promos", "promotion", "rating",
    "recirc", "recommend", "recommendations", "recommended", "related", "replies", "reply",
    "respond", "share", "sharebar", "shares", "sharing", "signup", "skip", "social", "sponsor",
    "sponsored", "subscribe", "subscription", "taboola", "tagcloud", "tags", "timestamp", "toolbar",
    "trending", "upsell", "widget", "widgets",
];

/// Membership in [`JUNK_WORDS`], as a `match` (the compiler dispatches on length first).
#[rustfmt::skip]
fn is_junk_word(w: &str) -> bool {
    matches!(
        w,
        "ad" | "ads" | "adsense" | "adslot" | "adunit" | "adv" | "advert" | "advertisement" |
        "advertising" | "affiliate" | "alert" | "auteur" | "author" | "autor" | "autore" |
        "banner" | "bildnachweis" | "bildunterschrift" | "bilduntertitel" | "bio" | "breadcrumb" |
        "breadcrumbs" | "byline" | "caption" | "captions" | "comment" | "commentlist" | "comments" |
        "consent" | "cookie" | "cookies" | "copyright" | "credit" | "credits" | "disclaimer" |
        "disclosure" | "disqus" | "donate" | "dropdown" | "gdpr" | "hashtags" | "licence" |
        "license" | "login" | "meta" | "metadata" | "modal" | "newsletter" | "newsletters" |
        "notice" | "outbrain" | "overlay" | "pager" | "pagination" | "paywall" | "placeholder" |
        "popular" | "popup" | "print" | "privacy" | "promo" | "promos" | "promotion" | "rating" |
        "recirc" | "recommend" | "recommendations" | "recommended" | "related" |
        "replies" | "reply" | "respond" | "share" | "sharebar" | "shares" | "sharing" | "signup" |
        "skip" | "social" | "sponsor" | "sponsored" | "subscribe" | "subscription" | "taboola" |
        "tagcloud" | "tags" | "timestamp" | "toolbar" | "trending" | "upsell" | "widget" | "widgets"
    )
}

/// Prefixes of glued words naming boilerplate (`socialshare`, `relatedposts` …).
#[rustfmt::skip]
const JUNK_PREFIXES: &[&str] = &[
    "advert", "breadcrumb", "comment", "cookie", "disqus", "newsletter", "outbrain", "popup",
    "recirc", "recommend", "related", "share", "sharing", "social", "sponsor", "subscri", "taboola",
];

/// Words naming page layout.
#[rustfmt::skip]
#[cfg_attr(not(test), allow(dead_code))]
const LAYOUT_WORDS: &[&str] = &[
    "aside", "bottombar", "footer", "footnotes", "header", "links", "masthead", "menu", "more",
    "nav", "navbar", "navigation", "rail", "sidebar", "sitemap", "topbar",
];

/// Membership in [`LAYOUT_WORDS`], as a `match` (the compiler dispatches on length first).
#[rustfmt::skip]
fn is_layout_word(w: &str) -> bool {
    matches!(
        w,
        "aside" | "bottombar" | "footer" | "footnotes" | "header" | "links" | "masthead" | "menu" |
        "more" | "nav" | "navbar" | "navigation" | "rail" | "sidebar" | "sitemap" | "topbar"
    )
}

/// Words naming the article body.
#[rustfmt::skip]
#[cfg_attr(not(test), allow(dead_code))]
const CONTENT_WORDS: &[&str] = &[
    "article", "articlebody", "blog", "body", "content", "entry", "main", "paragraph", "post",
    "prose", "richtext", "story", "text",
];

/// Membership in [`CONTENT_WORDS`], as a `match` (the compiler dispatches on length first).
#[rustfmt::skip]
fn is_content_word(w: &str) -> bool {
    matches!(
        w,
        "article" | "articlebody" | "blog" | "body" | "content" | "entry" | "main" | "paragraph" |
        "post" | "prose" | "richtext" | "story" | "text"
    )
}

/// Calls `f` with each lower-case word of a class name, split at `-`, `_`, `:`, digits and
/// camelCase humps, until `f` returns false. No allocation: this runs for every element.
fn words(name: &str, mut f: impl FnMut(&str) -> bool) {
    const MAX: usize = 32;
    let mut buf = [0u8; MAX];
    let mut len = 0;
    let mut prev_lower = false;
    // `buf` holds ASCII letters only, so it is always valid UTF-8.
    let mut emit = |buf: &[u8]| f(std::str::from_utf8(buf).unwrap_or_default());
    for &c in name.as_bytes() {
        if !c.is_ascii_alphabetic() {
            if len > 0 && !emit(&buf[..len]) {
                return;
            }
            len = 0;
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && len > 0 {
            if !emit(&buf[..len]) {
                return;
            }
            len = 0;
        }
        prev_lower = c.is_ascii_lowercase();
        if len < MAX {
            buf[len] = c.to_ascii_lowercase();
            len += 1;
        }
    }
    if len > 0 {
        emit(&buf[..len]);
    }
}

/// Classifies one class name or id. A name with two content words (`entry-content`,
/// `article__body`) is `Strong`: it outweighs a junk name on the same element.
fn name_hint(name: &str) -> (Hint, bool) {
    // "commentary" is an opinion article, not a comment section.
    let is_junk = |w: &str| {
        is_junk_word(w)
            || (w.len() > 5
                && w != "commentary"
                && JUNK_PREFIXES
                    .iter()
                    .any(|p| w.len() > p.len() && p.as_bytes()[0] == w.as_bytes()[0] && w.starts_with(p)))
    };
    let mut hint = Hint::None;
    let mut content_words = 0;
    let mut junk = false;
    let mut after_news = false;
    let mut first = true;
    let mut state = false;
    words(name, |w| {
        // "is-paywalled", "has-comments": a state of the element, not what it is; only content
        // words still count ("is-content-box").
        if std::mem::take(&mut first) && matches!(w, "is" | "has") {
            state = true;
        }
        if state {
            if is_content_word(w) {
                content_words += 1;
                hint = Hint::Content;
            }
            return true;
        }
        // "news-letter", "newsLetter": the two halves of a junk word.
        if is_junk(w) || (after_news && w == "letter") {
            junk = true;
            return false;
        }
        after_news = w == "news";
        if is_layout_word(w) {
            hint = Hint::Layout;
        } else if is_content_word(w) {
            content_words += 1;
            if hint == Hint::None {
                hint = Hint::Content;
            }
        }
        true
    });
    if junk {
        return (Hint::Junk, false);
    }
    (hint, hint == Hint::Content && (content_words >= 2 || name.eq_ignore_ascii_case("articlebody")))
}

/// Classifies an element by its class names and id (each name on its own: `entry-content
/// share-enabled` is content, `article-share` is junk) and its ARIA role.
pub fn hint(class: Option<&str>, id: Option<&str>, role: Option<&str>) -> Hint {
    match role.map(str::trim) {
        Some("navigation" | "banner" | "contentinfo" | "complementary" | "search" | "menu" | "menubar") => {
            return Hint::Layout
        }
        Some("dialog" | "alertdialog" | "alert" | "tooltip") => return Hint::Junk,
        Some("main" | "article") => return Hint::Content,
        _ => {}
    }
    let names = class.into_iter().flat_map(|c| c.split_ascii_whitespace()).chain(id);
    let (mut content, mut strong, mut junk, mut layout) = (false, false, false, false);
    for n in names {
        match name_hint(n) {
            (Hint::Content, s) => {
                content = true;
                strong |= s;
            }
            (Hint::Junk, _) => junk = true,
            (Hint::Layout, _) => layout = true,
            (Hint::None | Hint::Article, _) => {}
        }
    }
    if strong {
        Hint::Article
    } else if content && !junk {
        Hint::Content
    } else if junk {
        Hint::Junk
    } else if layout {
        Hint::Layout
    } else {
        Hint::None
    }
}

/// Whether a class attribute names a comment thread (`comment`, `reply`, `disqus` …): user
/// text that can outweigh the story, so never taken for it.
pub fn names_comments(class: &str) -> bool {
    let mut found = false;
    for name in class.split_ascii_whitespace() {
        words(name, |w| {
            found |= w.starts_with("comment") && w != "commentary"
                || matches!(w, "reply" | "replies" | "respond" | "disqus");
            !found
        });
    }
    found
}

/// Whether a class or id names a header (`entry-header`, `card-header`, `ArticleHeader`): the
/// head of whatever it sits in, where a standfirst or a question of an FAQ may stand.
pub fn names_header(class: Option<&str>, id: Option<&str>) -> bool {
    let mut found = false;
    for n in class.into_iter().flat_map(|c| c.split_ascii_whitespace()).chain(id) {
        words(n, |w| {
            found |= w == "header";
            !found
        });
    }
    found
}

/// Whether a class name or id can matter to any heuristic (a hint, a hiding class, a byline
/// for the metadata). The pre-pass drops the others ("flex", "px-4", "col-md-8" …).
pub fn is_relevant_name(name: &str) -> bool {
    const BYLINE: [&str; 3] = ["byline", "signature", "writer"];
    name_hint(name).0 != Hint::None
        || is_hidden_class(name)
        || BYLINE.iter().any(|b| name.to_ascii_lowercase().contains(b))
}

/// Class names that hide an element from readers (text for screen readers only).
pub fn is_hidden_class(class: &str) -> bool {
    class.split_ascii_whitespace().any(|c| {
        matches!(
            c,
            "sr-only"
                | "screen-reader-text"
                | "visually-hidden"
                | "visuallyhidden"
                | "screenreader"
                | "offscreen"
                | "a11y-hidden"
                | "u-hidden"
                | "is-hidden"
                | "hide"
                | "d-none"
        )
    })
}

/// Phrases that, at the start of a short block, mark it as a boilerplate label (lower case).
#[rustfmt::skip]
const LABELS: &[&str] = &[
    "advertisement", "advertising", "sponsored", "share this", "share on", "share:", "share via",
    "follow us", "follow @", "sign up", "subscribe", "newsletter", "leave a comment",
    "leave a reply", "post comment", "comments", "your email address", "required fields",
    "read more", "read also", "read next", "see also", "related:", "related articles",
    "related stories", "related posts", "related content", "more from", "more on this",
    "more stories", "most read", "most popular", "recommended", "you may also like",
    "you might also like", "click here", "tags:", "filed under", "topics:", "print this",
    "email this", "skip to", "back to top", "loading", "please enable", "we use cookies",
    "this site uses cookies", "getty images", "image:", "photo:", "image source", "image caption",
    "media caption", "watch:", "listen:", "download the app", "werbung", "anzeige",
    "lesen sie auch", "mehr zum thema", "weiterlesen", "publicité", "lire aussi", "à lire aussi",
    "à lire également", "publicidad", "leer más", "lee también", "te puede interesar", "pubblicità",
    "leggi anche", "реклама", "читайте также", "читать также", "подробнее", "advertentie",
    "lees ook", "reklama", "czytaj też", "czytaj także", "reklam", "広告", "广告", "相关阅读", "関連記事",
    "aktualisiert am", "zuletzt aktualisiert", "zusatzinformationen", "beitragsbild", "titelbild",
    "bildquelle", "vergrößern", "bild vergrößern", "enlarge image", "foto:", "fotos:",
    "crédits photo", "crédit photo", "be sociable", "never miss",
    "we want to hear", "noch keine bewertungen", "keine kommentare", "no comments", "permalink",
    "permalien", "this entry was posted", "dieser eintrag wurde", "posted in", "category:",
    "category :", "kategorie:", "schlagwörter", "materiał chroniony", "suscríbete", "zobacz także",
    "czytaj także", "czytaj też", "view comments", "kommentare", "aufrufe", "war der artikel",
    "möchten sie den artikel", "quellen:", "quellen anzeigen", "quellen ausblenden", "credit:",
    "credits:", "themen:", "unterstütze", "jede kleine spende", "support us", "donate",
];

/// Phrases that mark a short block as boilerplate wherever they occur in it.
#[rustfmt::skip]
const ANYWHERE: &[&str] = &[
    "all rights reserved", "©", "copyright", "your email address will not be published",
    "required fields are marked", "sign up for our", "subscribe to our", "terms of use",
    "privacy policy", "cookie policy", "already a subscriber", "please subscribe", "déjà abonné",
    "pour accéder en illimité", "affiliate link", "für links auf dieser seite",
    "alle rechte vorbehalten", "tous droits réservés", "todos los derechos reservados",
    "все права защищены", "must be logged in to", "eingeloggt sein, um", "angemeldet sein, um",
    "site uses cookies", "website uses cookies", "the use of cookies", "cookies akzeptieren",
];

/// True when a block of `chars` characters reading `text` is a boilerplate label or notice.
pub fn is_label(text: &str, chars: usize) -> bool {
    if chars > 160 {
        return false;
    }
    let lower = text.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '©').to_lowercase();
    let labelled = LABELS.iter().any(|l| {
        lower.starts_with(l)
            && lower[l.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric() || !l.is_ascii())
    });
    if labelled && chars < 100 {
        return true;
    }
    is_date_line(&lower, chars)
        || is_meta_line(&lower, chars)
        || is_figure_caption(&lower)
        || ANYWHERE.iter().any(|p| lower.contains(p))
}

/// A numbered figure caption ("Abbildung 4: …", "Fig. 3. …", "Figure 2 – …"): the number must
/// be followed by a separator, so that "Figure 3 shows …" in running text is no caption.
fn is_figure_caption(lower: &str) -> bool {
    const WORDS: [&str; 9] =
        ["abbildung", "abb.", "figure", "fig.", "fig", "grafik", "chart", "illustration", "bild"];
    let mut tokens = lower.split_whitespace();
    let (Some(word), Some(number)) = (tokens.next(), tokens.next()) else { return false };
    let digits = number.trim_end_matches([':', '.', ')']);
    WORDS.contains(&word)
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && (number.len() > digits.len() || tokens.next().is_some_and(|t| matches!(t, "–" | "-" | "|" | ":")))
}

/// A short line of fields separated by `|`, one of them a date ("24. März 2004, 19:49 |
/// Genesis", "May 3, 2020 | categories: Python | View Comments"): the byline and date strip of
/// a post, not a sentence.
fn is_meta_line(lower: &str, chars: usize) -> bool {
    chars <= 100
        && lower.contains('|')
        && lower.split('|').any(|field| {
            let n = field.chars().filter(|c| !c.is_whitespace()).count();
            n > 0 && is_date_line(field.trim(), n)
        })
}

/// Words that may stand in a date or time line, besides numbers (lower case, no dots).
#[rustfmt::skip]
const DATE_WORDS: &[&str] = &[
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june",
    "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november",
    "dec", "december", "januar", "februar", "märz", "mai", "juni", "juli", "oktober", "dezember",
    "janvier", "février", "mars", "avril", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
    "agosto", "septiembre", "octubre", "noviembre", "diciembre", "de", "am", "pm", "uhr", "h", "et",
    "est", "edt", "gmt", "utc", "cet", "cest", "bst", "pst", "pdt", "ago", "vor", "il", "y", "a",
    "hace", "min", "mins", "minutes", "minute", "hour", "hours", "day", "days", "week", "weeks",
    "month", "months", "year", "years", "minuten", "stunden", "tagen", "wochen", "monaten",
    "jahren", "updated", "published", "posted", "aktualisiert", "veröffentlicht", "publié", "mis",
    "à", "jour", "le", "am", "um", "on", "at", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "montag",
    "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "today", "yesterday",
    "heute", "gestern", "asked", "answered", "edited", "modified",
];

/// A line that is only a date or a time ("23.10.2018", "19:49", "2 months ago", "Nov. 19,
/// 2019 5:53 PM"): page furniture around the story, never a paragraph of it.
fn is_date_line(lower: &str, chars: usize) -> bool {
    if chars > 80 {
        return false;
    }
    // A label of a few words before a colon ("Publiziert:", "News date :") says what the date
    // is; what follows must still be only a date.
    let date = match lower.split_once(':') {
        Some((label, rest))
            if !label.trim().is_empty()
                && label.split_whitespace().count() <= 3
                && label.chars().all(|c| c.is_alphabetic() || c.is_whitespace()) =>
        {
            rest
        }
        _ => lower,
    };
    let mut numbers = 0;
    for t in date.split_whitespace() {
        let t = t.trim_matches(|c: char| matches!(c, ',' | '.' | '|' | '·' | '(' | ')' | '–' | '-'));
        if t.is_empty() {
            continue;
        }
        if t.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ':' | '/' | '-')) {
            numbers += usize::from(t.chars().any(|c| c.is_ascii_digit()));
        } else if !DATE_WORDS.contains(&t) {
            return false;
        }
    }
    numbers > 0
}

/// Social networks and messengers a page invites its readers to (lower case).
const NETWORKS: &[&str] =
    &["twitter", "instagram", "facebook", "whatsapp", "telegram", "youtube", "tiktok", "linkedin"];

/// Invitations to follow, join or subscribe (lower case, matched at a word start).
#[rustfmt::skip]
const INVITATIONS: &[&str] = &[
    "subscrib", "sign up", "newsletter", "folge uns", "folgt uns", "folgen sie uns",
    "abonnier", "melde dich", "melden sie sich", "suivez", "abonnez", "inscrivez", "síguenos",
    "seguir a", "únete", "suscríbete", "suscribirse", "seguici", "iscriviti",
];

/// A short paragraph inviting the reader to follow the site on a network or to subscribe
/// ("Follow us on Twitter and Instagram", "Únete a nuestro canal de Telegram"): two
/// invitations, or an invitation and a network. One alone is too common in stories.
/// Runs on the last blocks of a body only.
pub fn is_call_to_action(text: &str, chars: usize) -> bool {
    if chars > 300 {
        return false;
    }
    let lower = text.to_lowercase();
    let at_word = |t: &str| {
        lower
            .match_indices(t)
            .any(|(i, _)| lower[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric()))
    };
    let invitations = INVITATIONS.iter().filter(|t| at_word(t)).count();
    // "Follow" and "join" are invitations only next to a network.
    let network = || NETWORKS.iter().any(|t| at_word(t));
    // The site's own newsletter plugged in a short closing line ("Schauen Sie in unseren
    // Musiknewsletter!"); a newsletter the story cites ("first reported by the Playbook
    // newsletter") is not a plug.
    let ours =
        || ["our ", "unser", "notre ", "nos ", "nuestro", "nuestra", "nostr"].iter().any(|t| at_word(t));
    let newsletter = chars < 150 && lower.contains("newsletter") && ours();
    newsletter
        || invitations >= 2
        || ((invitations == 1 || at_word("follow") || at_word("join")) && network())
}

/// Headings or short lines after which an article does not go on (lower case prefixes).
#[rustfmt::skip]
const END_MARKERS: &[&str] = &[
    "notas relacionadas", "vorschau auf den nächsten", "weitere informationen:", "kontakt:",
    "quellenangaben", "mehr zu ", "weitere artikel", "weiterführende", "zum weiterlesen",
    "neueste artikel", "der nächste beitrag", "nächster artikel", "meistkommentiert",
    "meistgelesen", "lust auf mehr", "über den autor", "zur person", "contenido relacionado",
    "entdecke weitere", "alle artikel", "related", "read more", "read next", "more from",
    "more on this", "more stories", "more news", "you may also", "you might also", "recommended",
    "most read", "most popular", "popular posts", "trending", "comments", "leave a comment",
    "leave a reply", "share this", "about the author", "see also", "das könnte sie",
    "das könnte dich", "schon gelesen", "lesen sie auch", "mehr zum thema", "weitere artikel",
    "auch interessant", "ähnliche artikel", "zobacz także", "czytaj też", "czytaj także",
    "à lire aussi", "lire aussi", "sur le même sujet", "articles similaires", "te puede interesar",
    "weitere aktuelle", "weitere themen", "weitere topthemen", "artikel und videos zum thema",
    "empfehlungen aus", "unsere empfehlungen", "support our journalism",
    "support independent journalism", "unterstützen sie unseren journalismus",
    "unterstütze unseren journalismus", "apoya el periodismo", "apoya nuestro periodismo",
    "soutenez notre journalisme", "sostieni il nostro giornalismo", "noticias relacionadas", "artículos relacionados", "leggi anche", "potrebbe interessarti",
    "articoli correlati", "читайте также", "похожие", "lees ook", "gerelateerde", "相关", "関連",
];

/// True for a short line that closes the article ("Related stories", "Lesen Sie auch").
pub fn is_end_marker(text: &str, chars: usize) -> bool {
    if chars > 60 {
        return false;
    }
    let lower = text.trim_start_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    END_MARKERS.iter().any(|m| lower.starts_with(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_match_their_lookups() {
        for list in [JUNK_WORDS, LAYOUT_WORDS, CONTENT_WORDS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
        assert!(JUNK_WORDS.iter().all(|w| is_junk_word(w)) && !is_junk_word("flex"));
        assert!(LAYOUT_WORDS.iter().all(|w| is_layout_word(w)) && !is_layout_word("story"));
        assert!(CONTENT_WORDS.iter().all(|w| is_content_word(w)) && !is_content_word("sidebar"));
    }

    #[test]
    fn class_names_are_split_into_words() {
        let mut w = Vec::new();
        words("relatedArticles__list-2", |x| {
            w.push(x.to_string());
            true
        });
        assert_eq!(w, ["related", "articles", "list"]);
    }

    #[test]
    fn each_class_name_on_its_own() {
        assert_eq!(hint(Some("entry-content share-enabled"), None, None), Hint::Article);
        assert_eq!(hint(Some("content"), None, None), Hint::Content);
        assert_eq!(hint(Some("article-share"), None, None), Hint::Junk);
        assert_eq!(hint(Some("socialShareBar"), None, None), Hint::Junk);
        assert_eq!(hint(None, Some("comments"), None), Hint::Junk);
        assert_eq!(hint(Some("site-sidebar"), None, None), Hint::Layout);
        assert_eq!(hint(Some("shadow header-fixed"), None, None), Hint::Layout);
        assert_eq!(hint(Some("commentary"), None, None), Hint::None);
        assert_eq!(hint(Some("x"), None, Some("navigation")), Hint::Layout);
        assert_eq!(hint(Some("headline"), None, None), Hint::None);
        assert_eq!(hint(Some("mh-widget widget_text"), Some("text-2"), None), Hint::Junk);
        assert_eq!(hint(Some("post share"), None, None), Hint::Junk);
        assert_eq!(hint(Some("news-letter-section"), None, None), Hint::Junk);
        assert_eq!(hint(Some("wp-block-recirculation-box"), None, None), Hint::Junk);
        assert_eq!(hint(Some("disclosure-text"), Some("affiliateText"), None), Hint::Junk);
        assert_eq!(hint(Some("img-metadata"), None, None), Hint::Junk);
        assert_eq!(hint(Some("newsroom letters"), None, None), Hint::None);
        assert_eq!(hint(Some("jslc isPaywall"), Some("article"), None), Hint::Content);
        assert_eq!(hint(Some("post has-comments"), None, None), Hint::Content);
        assert_eq!(hint(Some("is-content-box"), None, None), Hint::Content);
        assert_eq!(hint(Some("paywall-box"), None, None), Hint::Junk);
        assert_eq!(hint(Some("post paywall share"), None, None), Hint::Junk);
    }

    #[test]
    fn comment_names() {
        assert!(names_comments("comment-body") && names_comments("x commentList") && names_comments("reply"));
        assert!(!names_comments("commentary") && !names_comments("step print-step"));
    }

    #[test]
    fn calls_to_action() {
        assert!(is_call_to_action("Follow The Daily on Twitter and Instagram @daily.", 40));
        assert!(is_call_to_action("¿Ya sabías que tenemos canal de Telegram? Únete desde tu celular.", 55));
        assert!(is_call_to_action("Lust auf mehr? Unser Newsletter: melde dich hier an.", 45));
        assert!(!is_call_to_action("The minister said on Twitter that the talks would go on.", 45));
        assert!(!is_call_to_action("Thousands join the protest, which followed the vote.", 43));
        assert!(!is_call_to_action("Unfollow them on Twitter, she said.", 30));
        assert!(is_call_to_action("Neue Produkte? Schauen Sie mal in unseren Musiknewsletter!", 50));
        assert!(!is_call_to_action("The leak was first reported by the Playbook newsletter.", 55));
    }

    #[test]
    fn header_names() {
        assert!(names_header(Some("x card-header"), None) && names_header(None, Some("articleHeader")));
        assert!(!names_header(Some("headline"), Some("subheader2")));
    }

    #[test]
    fn end_markers() {
        assert!(is_end_marker("Related Stories", 14));
        assert!(is_end_marker("Das könnte Sie auch interessieren", 29));
        assert!(is_end_marker("Weitere aktuelle Themen aus der Arbeitswelt", 38));
        assert!(is_end_marker("Support independent journalism", 28));
        assert!(!is_end_marker("Relations between the two countries soured in May.", 45));
    }

    #[test]
    fn relevant_names() {
        assert!(is_relevant_name("entry-content") && is_relevant_name("sr-only"));
        assert!(is_relevant_name("c-byline") && is_relevant_name("share"));
        assert!(!is_relevant_name("flex") && !is_relevant_name("px-4") && !is_relevant_name("col-md-8"));
    }

    #[test]
    fn labels_and_notices() {
        assert!(is_label("Advertisement", 13));
        assert!(is_label("Leave a comment", 13));
        assert!(is_label("© 2025 The Daily Meridian. All rights reserved.", 40));
        assert!(is_label("Lesen Sie auch: Der große Überblick", 30));
        assert!(!is_label("Subscribers were told to wait.", 25));
        assert!(is_label("23.10.2018", 10) && is_label("19:49", 5) && is_label("2 months ago", 10));
        assert!(is_label("Nov. 19, 2019 5:53 PM", 17));
        assert!(is_label("Publiziert: 03.04.2020, 12:35", 27) && is_label("asked Feb 6, 2014 at 20:37", 21));
        assert!(is_label("Veröffentlichung: 2. Februar 2022", 30));
        assert!(!is_label("Note: 3 people were hurt", 20) && !is_label("Im Jahr 2019: 12 Tote", 17));
        assert!(is_label("24. März 2004, 19:49 | Genesis", 25));
        assert!(is_label("January 13, 2020 at 08:45 AM | categories: Python | View Comments", 55));
        assert!(!is_label("Revenue rose | costs fell in the third quarter", 38));
        assert!(is_label("Abbildung 4: klassische Schwachschicht, gut sichtbar.", 45));
        assert!(is_label("Fig. 3. Rainfall by month", 20) && is_label("Figure 2 – The site in 1990", 20));
        assert!(
            !is_label("Figure 3 shows the rainfall by month.", 30) && !is_label("Bild 2019 war gut.", 14)
        );
        assert!(is_label("Vergrößern Eine runde Aussparung für die Kamera.", 40));
        assert!(is_label("You must be logged in to post a comment.", 33));
        assert!(is_label("Sie müssen angemeldet sein, um einen Kommentar zu schreiben.", 55));
        // The same words in a story are not a notice.
        assert!(!is_label("Wer wählen will, muss im Wählerverzeichnis angemeldet sein.", 55));
        assert!(!is_label("The app uses cookies to track children, regulators said.", 55));
        assert!(is_label("Published Tue, Nov 19 2019 7:05 AM EST Updated Tue, Nov 19 2019 7:16 AM EST", 62));
        assert!(is_label(
            "This website uses cookies. By continuing to use it you agree to our use of cookies.",
            70
        ));
        assert!(!is_label("In 2019, 12 people died.", 19));
        assert!(!is_label("3 Driver 3 300", 11));
        assert!(!is_label("Commentators said the summit would fail.", 35));
        assert!(!is_label(&"Subscribe ".repeat(30), 270));
    }
}
