//! Finding a service or notice the way residents search: Chinese (Traditional too), full
//! pinyin, initials, mixed, fuzzy pinyin, aliases and keywords — see `index.rs` for queries
//! and scores, `fields.rs` for what is indexed, `frontier.rs` for matching typed keys,
//! `rank.rs` for ranking, `parallel.rs` for sharing a wide keystroke between threads,
//! `typing.rs` for the keystroke-by-keystroke session the kiosk keyboard uses, and `log.rs` for
//! the record of searches that found nothing.

pub mod body;
pub mod fields;
pub mod frontier;
pub mod index;
pub mod log;
pub mod parallel;
pub mod pinyin;
pub mod rank;
pub mod typing;

pub use index::{Doc, Hit, Kind, Results, SearchIndex, Split};
pub use typing::Typing;

mod t2s {
    include!(concat!(env!("OUT_DIR"), "/t2s.rs"));
}

/// The Simplified form of one character (itself when it has none).
pub fn simplified(c: char) -> char {
    match t2s::T2S.binary_search_by_key(&c, |&(t, _)| t) {
        Ok(i) => t2s::T2S[i].1,
        Err(_) => c,
    }
}

/// Variant characters folded into the common form before comparing (both ways: a village
/// written 𠮷利村 is found by 吉利村 and the other way round). Only true variants (the same
/// character written differently), never merely same-sounding ones: 份/分 are different words and
/// meet only as a same-sound slip (`index::Step::SameSound`), ranked below exact matches.
pub const VARIANTS: &[(char, char)] = &[
    ('𠮷', '吉'),
    ('塆', '湾'),
    ('邨', '村'),
    ('峯', '峰'),
    ('坭', '泥'),
];

/// The common form of a variant character (itself when it is none).
pub fn fold_variant(c: char) -> char {
    VARIANTS
        .iter()
        .find(|&&(v, _)| v == c)
        .map_or(c, |&(_, common)| common)
}

/// Simplified, lower-case, without white space, variants folded: how queries and indexed text
/// are compared. Traditional characters are converted one by one (OpenCC's character table,
/// compiled in by build.rs): the same for queries and for indexed text, and fast for 100,000
/// titles.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_whitespace() {
            continue;
        }
        let c = if is_han(c) {
            fold_variant(simplified(c))
        } else {
            c
        };
        for l in c.to_lowercase() {
            out.push(if l == 'ü' { 'v' } else { l });
        }
    }
    out
}

pub fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

/// A small repeatable random number source for tests: `rnd(m)` is below m.
#[cfg(test)]
pub(crate) fn test_random(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |m| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    }
}
