//! Tolerant date parsing for feed timestamps (`pubDate`, `dc:date`, Atom `updated`…). Owns
//! only the text → instant step; what to do with dates in the future is `parse`'s business.
//!
//! feed-rs' own parser returns nothing for zone abbreviations outside RFC 2822 (`CEST`, `IST`),
//! for non-English weekday and month names, or for a weekday that does not match the date.
//! This one tries RFC 3339 and RFC 2822 first, then a token scan that ignores weekdays, knows
//! month names in several languages and common zone abbreviations, and reads a date without a
//! zone as UTC and a date without a time as midnight.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// Parses a feed timestamp; `None` when no date can be made of it.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    // a date is short; anything long is not one (and must not cost a scan)
    if text.is_empty() || text.len() > 128 {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Some(t.with_timezone(&Utc));
    }
    lenient(&tokenize(text))
}

/// A date string as runs of digits, runs of letters (lower-cased) and single symbols; white
/// space only separates.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(String),
    Word(String),
    Sym(char),
}

fn tokenize(text: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut s = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                s.push(d);
                chars.next();
            }
            toks.push(Tok::Num(s));
        } else if c.is_alphabetic() {
            let mut s = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_alphabetic()) {
                s.extend(d.to_lowercase());
                chars.next();
            }
            toks.push(Tok::Word(s));
        } else {
            if !c.is_whitespace() {
                toks.push(Tok::Sym(c));
            }
            chars.next();
        }
    }
    toks
}

/// The digits of a number token.
fn num(t: Option<&Tok>) -> Option<&str> {
    match t {
        Some(Tok::Num(n)) => Some(n),
        _ => None,
    }
}

/// Whether the token is the symbol `c`.
fn is_sym(t: Option<&Tok>, c: char) -> bool {
    t == Some(&Tok::Sym(c))
}

/// Date, time and zone found anywhere among the tokens. Whatever is not recognised (weekday
/// names in any language, "at", commas) is ignored, which is what makes this lenient.
fn lenient(toks: &[Tok]) -> Option<DateTime<Utc>> {
    let (time, after_time) = find_time(toks).unwrap_or((NaiveTime::MIN, toks.len()));
    let date = find_date(toks, after_time)?;
    let offset = if after_time < toks.len() { find_zone(&toks[after_time..]) } else { None };
    // no zone, or one we do not know: UTC (a guess off by hours beats no date at all)
    let offset = offset.unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset is valid"));
    let local = date.and_time(time);
    offset.from_local_datetime(&local).single().map(|t| t.with_timezone(&Utc))
}

/// `H:MM[:SS[.frac]] [am|pm]`; returns the time and the index of the token after it.
fn find_time(toks: &[Tok]) -> Option<(NaiveTime, usize)> {
    for i in 0..toks.len() {
        let (Some(h), true, Some(m)) = (num(toks.get(i)), is_sym(toks.get(i + 1), ':'), num(toks.get(i + 2)))
        else {
            continue;
        };
        let mut end = i + 3;
        let mut sec = 0;
        if is_sym(toks.get(end), ':') {
            if let Some(s) = num(toks.get(end + 1)) {
                sec = s.parse().ok()?;
                end += 2;
                if (is_sym(toks.get(end), '.') || is_sym(toks.get(end), ','))
                    && num(toks.get(end + 1)).is_some()
                {
                    end += 2; // fractions of a second: dropped
                }
            }
        }
        let mut hour: u32 = h.parse().ok()?;
        // 12-hour clock: 12 am is midnight, 12 pm is noon
        match toks.get(end) {
            Some(Tok::Word(w)) if w == "pm" || w == "am" => {
                if w == "pm" && hour < 12 {
                    hour += 12;
                } else if w == "am" && hour == 12 {
                    hour = 0;
                }
                end += 1;
            }
            _ => {}
        }
        let time = NaiveTime::from_hms_opt(hour, m.parse().ok()?, sec.min(59))?;
        return Some((time, end));
    }
    None
}

/// `YYYY-MM-DD`, `YYYY/MM/DD`, `DD.MM.YYYY`, `MM/DD/YYYY` (US order unless the first is > 12),
/// or a day, a month name and a year in any order.
fn find_date(toks: &[Tok], zone_from: usize) -> Option<NaiveDate> {
    for i in 0..toks.len() {
        let (Some(a), Some(b), Some(c)) = (num(toks.get(i)), num(toks.get(i + 2)), num(toks.get(i + 4)))
        else {
            continue;
        };
        let sep = |c: char| is_sym(toks.get(i + 1), c) && is_sym(toks.get(i + 3), c);
        let year_first = a.len() == 4;
        let (Ok(a), Ok(b), Ok(c)) = (a.parse::<i32>(), b.parse::<u32>(), c.parse::<u32>()) else { continue };
        // three numbers with the same separator: the order is told by the separator and by
        // which number can only be a year or a day
        let date = if year_first && (sep('-') || sep('/') || sep('.')) {
            NaiveDate::from_ymd_opt(a, b, c)
        } else if sep('.') || sep('-') || (sep('/') && a > 12) {
            NaiveDate::from_ymd_opt(c as i32, b, a as u32)
        } else if sep('/') {
            NaiveDate::from_ymd_opt(c as i32, a as u32, b)
        } else {
            None
        };
        if let Some(d) = date.filter(plausible) {
            return Some(d);
        }
    }
    named_month_date(toks, zone_from)
}

/// Years outside this range are typos or placeholders (`0000-00-00`, `1900-01-01`), not
/// publication dates.
fn plausible(d: &NaiveDate) -> bool {
    (1970..=2200).contains(&chrono::Datelike::year(d))
}

/// A month name with a day (1–2 digits) and a year (4 digits, or 2) among the numbers that are
/// not part of the time.
fn named_month_date(toks: &[Tok], zone_from: usize) -> Option<NaiveDate> {
    let month = toks.iter().find_map(|t| match t {
        Tok::Word(w) => month_number(w),
        _ => None,
    })?;
    let mut day = None;
    let mut year = None;
    for (i, t) in toks.iter().enumerate() {
        let Tok::Num(n) = t else { continue };
        // numbers followed or preceded by ':' belong to the time
        if is_sym(toks.get(i + 1), ':') || (i > 0 && is_sym(toks.get(i - 1), ':')) {
            continue;
        }
        // after the time, a number behind a sign is the zone offset (+0200), not the year
        if i >= zone_from && i > 0 && (is_sym(toks.get(i - 1), '+') || is_sym(toks.get(i - 1), '-')) {
            continue;
        }
        match n.len() {
            4 if year.is_none() => year = n.parse::<i32>().ok(),
            1 | 2 if day.is_none() && n.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d)) => {
                day = n.parse::<u32>().ok()
            }
            // a two-digit year comes after the day ("25 Sep 22"); 70–99 are the 1900s
            2 if year.is_none() && day.is_some() => {
                year = n.parse::<i32>().ok().map(|y| if y < 70 { y + 2000 } else { y + 1900 })
            }
            _ => {}
        }
    }
    NaiveDate::from_ymd_opt(year?, month, day?).filter(plausible)
}

/// Month number of a month name or abbreviation (English, German, French, Spanish, Italian,
/// Portuguese, Dutch, Swedish).
fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&[&str]; 12] = [
        &[
            "jan", "january", "januar", "janvier", "janv", "enero", "ene", "gennaio", "gen", "janeiro",
            "januari",
        ],
        &[
            "feb",
            "february",
            "februar",
            "février",
            "fevrier",
            "févr",
            "fevr",
            "febrero",
            "febbraio",
            "fevereiro",
            "fev",
            "februari",
        ],
        &["mar", "march", "märz", "maerz", "mrz", "mär", "mars", "marzo", "março", "marco", "maart", "mrt"],
        &["apr", "april", "avril", "avr", "abril", "abr", "aprile"],
        &["may", "mai", "mayo", "maggio", "mag", "maio", "mei", "maj"],
        &["jun", "june", "juni", "juin", "junio", "giugno", "giu", "junho"],
        &["jul", "july", "juli", "juillet", "juil", "julio", "luglio", "lug", "julho"],
        &["aug", "august", "août", "aout", "agosto", "ago", "augustus", "augusti"],
        &["sep", "sept", "september", "septembre", "septiembre", "setiembre", "settembre", "set", "setembro"],
        &["oct", "october", "oktober", "okt", "octobre", "octubre", "ottobre", "ott", "outubro", "out"],
        &["nov", "november", "novembre", "noviembre", "novembro"],
        &[
            "dec",
            "december",
            "dezember",
            "dez",
            "décembre",
            "decembre",
            "déc",
            "diciembre",
            "dic",
            "dicembre",
            "dezembro",
        ],
    ];
    // "Sept." and "janv." come abbreviated with a dot; the tokenizer already lower-cased
    let word = word.trim_end_matches('.');
    MONTHS.iter().position(|names| names.contains(&word)).map(|i| i as u32 + 1)
}

/// `Z`, `±HHMM`, `±HH:MM`, `±HH`, or a zone abbreviation (optionally followed by an offset,
/// as in `GMT+2`), at the start of the tokens after the time.
fn find_zone(toks: &[Tok]) -> Option<FixedOffset> {
    // an unknown word right after the time is no zone we can use: the caller falls back to UTC
    let (base, rest) = match toks.first() {
        Some(Tok::Word(w)) => (zone_minutes(w)?, &toks[1..]),
        _ => (0, toks),
    };
    let sign = match rest.first() {
        Some(Tok::Sym('+')) => 1,
        Some(Tok::Sym('-' | '\u{2212}')) => -1,
        _ => return FixedOffset::east_opt(base * 60),
    };
    let Some(digits) = num(rest.get(1)) else { return FixedOffset::east_opt(base * 60) };
    let (h, m) = match (digits.len(), num(rest.get(3))) {
        (1 | 2, Some(mm)) if is_sym(rest.get(2), ':') => {
            (digits.parse::<i32>().ok()?, mm.parse::<i32>().ok()?)
        }
        (1 | 2, _) => (digits.parse::<i32>().ok()?, 0),
        (4, _) => (digits[..2].parse::<i32>().ok()?, digits[2..].parse::<i32>().ok()?),
        _ => return FixedOffset::east_opt(base * 60),
    };
    // real offsets lie within ±14:00
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// UTC offset in minutes of a zone abbreviation. `IST` is read as India (+05:30), the likelier
/// meaning in news feeds.
fn zone_minutes(abbr: &str) -> Option<i32> {
    Some(match abbr {
        "z" | "ut" | "utc" | "gmt" | "wet" => 0,
        "bst" | "west" | "cet" | "met" | "mez" | "wat" => 60,
        "cest" | "mest" | "mesz" | "eet" | "sast" | "cat" => 120,
        "eest" | "msk" | "eat" => 180,
        "ist" => 330,
        "pkt" => 300,
        "wib" | "ict" => 420,
        "hkt" | "sgt" | "pht" | "awst" => 480,
        "jst" | "kst" => 540,
        "acst" => 570,
        "aest" => 600,
        "acdt" => 630,
        "aedt" => 660,
        "nzst" => 720,
        "nzdt" => 780,
        "ndt" => -150,
        "nst" => -210,
        "adt" | "brt" | "art" => -180,
        "ast" | "edt" => -240,
        "est" | "cdt" => -300,
        "cst" | "mdt" => -360,
        "mst" | "pdt" => -420,
        "pst" | "akdt" => -480,
        "akst" => -540,
        "hst" => -600,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        parse_date(s).map(|t| t.to_rfc3339()).unwrap_or_else(|| "none".into())
    }

    #[test]
    fn standard_forms() {
        assert_eq!(p("2003-12-31T10:14:55Z"), "2003-12-31T10:14:55+00:00");
        assert_eq!(p("Sun, 25 Sep 2022 09:32:21 GMT"), "2022-09-25T09:32:21+00:00");
        assert_eq!(p("Fri, 22 Dec 2023 01:04:55 +0200"), "2023-12-21T23:04:55+00:00");
    }

    #[test]
    fn zone_abbreviations_outside_rfc2822() {
        assert_eq!(p("Mon, 21 Jul 2025 14:00:00 CEST"), "2025-07-21T12:00:00+00:00");
        assert_eq!(p("Mon, 21 Jul 2025 14:00:00 IST"), "2025-07-21T08:30:00+00:00");
        assert_eq!(p("Mon, 21 Jul 2025 14:00:00 GMT+2"), "2025-07-21T12:00:00+00:00");
    }

    #[test]
    fn foreign_weekdays_and_months() {
        assert_eq!(p("Mi, 12 Mär 2025 08:15:00 +0100"), "2025-03-12T07:15:00+00:00");
        assert_eq!(p("mardi 4 février 2025 10:00"), "2025-02-04T10:00:00+00:00");
        // a weekday that does not match the date is ignored, not fatal
        assert_eq!(p("Mon, 25 Sep 2022 09:32:21 GMT"), "2022-09-25T09:32:21+00:00");
    }

    #[test]
    fn missing_zone_or_time_or_seconds() {
        assert_eq!(p("2025-03-12 08:15:00"), "2025-03-12T08:15:00+00:00");
        assert_eq!(p("2025-03-12T08:15+01:00"), "2025-03-12T07:15:00+00:00");
        assert_eq!(p("12.03.2025"), "2025-03-12T00:00:00+00:00");
        assert_eq!(p("March 12, 2025 8:15 pm"), "2025-03-12T20:15:00+00:00");
    }

    #[test]
    fn nonsense_is_none() {
        for s in ["", "yesterday", "2025-13-45", "99:99", "0000-00-00 00:00:00"] {
            assert_eq!(p(s), "none", "{s}");
        }
    }
}
