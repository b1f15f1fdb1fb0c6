//! Who a name or pronoun in an attribution is: capitalized runs resolved to the article's entities
//! (titles dropped, offices of organisations kept whole), "he"/"she" resolved to the nearest fitting
//! person, the subject of a saying verb and of a sentence. Methods of `speaker::Ctx`.

use super::super::entities::EntityKind;
use super::super::gazetteer;
use super::super::text::is_capitalized;
use super::speaker::{given_name, Ctx, PRONOUN_REACH};

impl Ctx<'_> {
    /// The subject right before a verb: `words` ends where the verb starts. Auxiliaries and adverbs
    /// are skipped ("Hill had dubbed", "she also said"); a pronoun or a capitalized name counts.
    pub(super) fn verb_subject(&self, words: &[(usize, &str)]) -> Option<String> {
        // "Milley, chairman of the Joint Chiefs of Staff, told": an appositive closes right before
        // the verb; the speaker is the person named before it.
        if let Some(&(pos, w)) = words.last() {
            if self.text[pos + w.len()..].starts_with(',') {
                if let Some(name) = self.person_before(pos) {
                    return Some(name);
                }
            }
        }
        let mut end = words.len();
        while end > 0
            && (matches!(
                words[end - 1].1,
                "had"
                    | "has"
                    | "have"
                    | "was"
                    | "is"
                    | "also"
                    | "then"
                    | "later"
                    | "once"
                    | "previously"
                    | "repeatedly"
                    | "publicly"
            ) || words[end - 1].1.ends_with("ly"))
        {
            end -= 1;
        }
        let (pos, w) = *words.get(end.checked_sub(1)?)?;
        if matches!(w, "he" | "He" | "she" | "She") {
            return self.pronoun(pos, matches!(w, "she" | "She"));
        }
        if !is_capitalized(w) {
            return None;
        }
        // The capitalized run ending here ("Finance Minister Rachel Reeves", "High Commissioner for
        // Human Rights").
        let mut start = end - 1;
        while start > 0 && end - start < 8 {
            let w = words[start - 1].1;
            let connector =
                matches!(w, "of" | "for" | "and" | "the") && start >= 2 && is_capitalized(words[start - 2].1);
            if !(is_capitalized(w) || connector) {
                break;
            }
            start -= 1;
        }
        // "The UK has urged": the article is not part of the name.
        while start + 1 < end && gazetteer::get().is_stopword(words[start].1) {
            start += 1;
        }
        let name = self.name_run(&words[start..end])?.1;
        // A sentence-initial ordinary word is no speaker ("Such missions would …").
        (!gazetteer::get().is_stopword(&name) && !gazetteer::get().is_common_cap(&name)).then_some(name)
    }

    /// The last person named in the sentence before `pos`, by full name.
    pub(super) fn person_before(&self, pos: usize) -> Option<String> {
        let si = self.sentence_of(pos)?;
        let start = self.sentences[si].range.start;
        let (_, e) =
            self.ents.mentions_in(start..pos).filter(|(_, e)| e.kind == EntityKind::Person).last()?;
        Some(self.ents.resolve_person(&e.name).unwrap_or(&e.name).to_string())
    }

    /// A speaker at the start of `words`: a pronoun or a capitalized name (titles dropped).
    /// Returns how many words it used and the resolved speaker.
    pub(super) fn subject_at(&self, words: &[(usize, &str)]) -> Option<(usize, String)> {
        let (pos, w) = *words.first()?;
        if matches!(w, "he" | "He" | "she" | "She") {
            return Some((1, self.pronoun(pos, matches!(w, "she" | "She"))?));
        }
        if matches!(w, "the" | "The") && words.get(1).is_some_and(|n| is_capitalized(n.1)) {
            let (n, name) = self.name_run(&words[1..])?;
            return Some((n + 1, name));
        }
        self.name_run(words)
    }

    /// A name starting at `words[0]` (after optional "the"), resolved; `None` for lowercase phrases.
    pub(super) fn name_from(&self, words: &[(usize, &str)]) -> Option<String> {
        self.subject_at(words).map(|(_, s)| s)
    }

    /// The capitalized run at the start of `words`, titles dropped, resolved to an entity name.
    pub(super) fn name_run(&self, words: &[(usize, &str)]) -> Option<(usize, String)> {
        let g = gazetteer::get();
        let mut n = 0;
        let ends_clause = |w: &(usize, &str)| self.text[w.0 + w.1.len()..].starts_with([',', ':']);
        while n < words.len() && n < 8 && !ends_clause(&words[n]) {
            if is_capitalized(words[n].1) {
                n += 1;
            } else if n > 0
                && matches!(words[n].1, "of" | "for" | "and" | "the")
                && words.get(n + 1).is_some_and(|w| is_capitalized(w.1))
            {
                // "High Commissioner for Human Rights", "Bank of England".
                n += 1;
            } else {
                break;
            }
        }
        // The run may end on a comma-terminated word ("said Smith, a spokesman").
        if n < words.len() && n < 6 && is_capitalized(words[n].1) {
            n += 1;
        }
        if n == 0 {
            return None;
        }
        let mut first = 0;
        while first < n - 1
            && (g.is_title(words[first].1)
                || g.demonym(words[first].1).is_some()
                || g.lookup(words[first].1).is_some_and(|e| e.kind.is_place()))
        {
            first += 1;
        }
        // The entities mentioned in the run: the last person wins ("Senate Majority Leader Chuck
        // Schumer"), else an organisation ("the Kremlin").
        let span = words[0].0..words[n - 1].0 + words[n - 1].1.len();
        let mut org = None;
        let mut person = None;
        for (_, e) in self.ents.mentions_in(span.clone()) {
            match e.kind {
                EntityKind::Person => person = Some(e),
                EntityKind::Org if org.is_none() => org = Some(e),
                _ => {}
            }
        }
        if let Some(e) = person {
            return Some((n, self.ents.resolve_person(&e.name).unwrap_or(&e.name).to_string()));
        }
        if let Some(e) = org {
            // An office of the organisation speaks ("United Nations High Commissioner for Human
            // Rights"): the whole run names it; a bare organisation name names itself.
            let run = &self.text[span.clone()];
            let office = run.split_whitespace().any(|w| gazetteer::get().is_title(w));
            return Some((n, if office { run.to_string() } else { e.name.clone() }));
        }
        let name = words[first..n]
            .iter()
            .map(|w| super::super::text::strip_possessive(w.1))
            .collect::<Vec<_>>()
            .join(" ");
        if g.is_common_cap(&name) || g.is_stopword(&name) {
            return None;
        }
        Some((n, self.ents.resolve_person(&name).map_or(name, str::to_string)))
    }

    /// The person "he"/"she" at `pos` refers to: the nearest person named before it — in this
    /// sentence, then in earlier ones, each sentence's subject first — whose given name fits the
    /// pronoun. A woman's given name never answers "he"; "she" prefers one and otherwise takes the
    /// nearest name not known as a man's.
    pub(super) fn pronoun(&self, pos: usize, female: bool) -> Option<String> {
        let g = gazetteer::get();
        let si = self.sentence_of(pos)?;
        let here = self.persons(si).iter().filter(|(start, _)| *start < pos);
        let earlier = (si.saturating_sub(PRONOUN_REACH)..si).rev().flat_map(|j| self.persons(j).iter());
        let candidates: Vec<&str> = here.chain(earlier).map(|(_, n)| n.as_str()).collect();
        let fits = |n: &&&str| {
            let is_female = g.is_female_name(given_name(n));
            if female {
                is_female
            } else {
                !is_female
            }
        };
        let unknown = |n: &&&str| !g.is_first_name(given_name(n)) || n.split_whitespace().count() == 1;
        // The nearest name that fits or whose gender is unknown; a known mismatch is skipped.
        let found = candidates.iter().find(|n| fits(n) || (female && unknown(n)));
        found.map(|n| n.to_string())
    }

    /// The subject of sentence `si` before `pos`: its first person mention, or a leading pronoun.
    pub(super) fn subject_before(&self, si: usize, pos: usize) -> Option<String> {
        let s = &self.sentences[si];
        let lead = self.text[s.range.start..pos].trim_start_matches(|c: char| !c.is_alphanumeric());
        if lead.starts_with("He ") || lead.starts_with("She ") {
            let at = s.range.start + (self.text[s.range.start..pos].len() - lead.len());
            return self.pronoun(at, lead.starts_with("She "));
        }
        match self.persons(si).first() {
            Some((start, name)) if *start < pos => Some(name.clone()),
            // No person: an organisation opening the sentence speaks ("The Electoral Commission,
            // which …, issued a statement warning that “…”").
            _ => {
                let head = s.range.start..pos.min(s.range.start + 40);
                let (_, e) = self.ents.mentions_in(head).find(|(_, e)| e.kind == EntityKind::Org)?;
                Some(e.name.clone())
            }
        }
    }
}
