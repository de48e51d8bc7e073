//! Spellings a resident may type for one character: every pinyin reading (polyphonic
//! characters match all of them), ü as `v` or `u`, and the common confusions (z/zh, c/ch, s/sh,
//! n/l, an/ang, en/eng, in/ing) as "fuzzy" spellings ranked below exact ones.

use pinyin::ToPinyinMulti;

/// The spellings of one character: exact ones first, then fuzzy-only ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spellings {
    pub exact: Vec<Box<[u8]>>,
    pub fuzzy: Vec<Box<[u8]>>,
    /// Key bits (see `index::key_bit`) of the first letters of the exact spellings.
    pub first_exact: u64,
    /// Key bits of the first letters of all spellings, fuzzy ones included.
    pub first_all: u64,
}

impl Spellings {
    /// No spelling at all: a Han character with no known reading, which no typed match reads
    /// or crosses.
    pub fn stop() -> Spellings {
        Spellings::new(Vec::new(), Vec::new())
    }

    fn new(exact: Vec<Box<[u8]>>, fuzzy: Vec<Box<[u8]>>) -> Spellings {
        let bits = |v: &[Box<[u8]>]| v.iter().fold(0u64, |m, r| m | super::index::key_bit(r[0]));
        let first_exact = bits(&exact);
        let first_all = first_exact | bits(&fuzzy);
        Spellings {
            exact,
            fuzzy,
            first_exact,
            first_all,
        }
    }
}

/// Readings of characters the pinyin data lacks (rare characters of village and person names,
/// mostly outside the Basic Multilingual Plane). Variants folded by `search::VARIANTS` need no
/// entry: they are read as their common form. Add a character here when a county's content
/// has one that `banshi search` cannot find by pinyin.
pub const EXTRA_READINGS: &[(char, &[&str])] = &[('𠮷', &["ji"])];

/// Spellings for `c`, or None for characters that are not matched by letters (punctuation, and
/// Han characters with no known reading: the index makes those a stop that no match crosses).
pub fn spellings(c: char) -> Option<Spellings> {
    if c.is_ascii_alphanumeric() {
        let s: Box<[u8]> = vec![c.to_ascii_lowercase() as u8].into_boxed_slice();
        return Some(Spellings::new(vec![s], Vec::new()));
    }
    let readings: Vec<String> = match EXTRA_READINGS.iter().find(|&&(e, _)| e == c) {
        Some((_, r)) => r.iter().map(|s| s.to_string()).collect(),
        None => c
            .to_pinyin_multi()?
            .into_iter()
            .map(|p| p.plain().to_string())
            .collect(),
    };
    let mut exact: Vec<String> = Vec::new();
    for plain in &readings {
        let plain = plain.as_str();
        if plain.contains('ü') || plain.contains('v') {
            for u in ["v", "u"] {
                push_unique(&mut exact, plain.replace(['ü', 'v'], u));
            }
        } else {
            push_unique(&mut exact, plain.to_string());
        }
    }
    if exact.is_empty() {
        return None;
    }
    let mut fuzzy: Vec<String> = Vec::new();
    for r in &exact {
        for v in confusions(r) {
            if !exact.contains(&v) {
                push_unique(&mut fuzzy, v);
            }
        }
    }
    let boxed = |v: Vec<String>| {
        v.into_iter()
            .map(|s| s.into_bytes().into_boxed_slice())
            .collect()
    };
    Some(Spellings::new(boxed(exact), boxed(fuzzy)))
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !s.is_empty() && !v.contains(&s) {
        v.push(s);
    }
}

/// Every spelling reachable from `reading` by the common confusions, the reading included.
pub fn confusions(reading: &str) -> Vec<String> {
    const INITIALS: &[(&str, &str)] = &[
        ("zh", "z"),
        ("ch", "c"),
        ("sh", "s"),
        ("z", "zh"),
        ("c", "ch"),
        ("s", "sh"),
        ("n", "l"),
        ("l", "n"),
    ];
    const FINALS: &[(&str, &str)] = &[
        ("ang", "an"),
        ("eng", "en"),
        ("ing", "in"),
        ("an", "ang"),
        ("en", "eng"),
        ("in", "ing"),
    ];
    let mut initials = vec![reading.to_string()];
    for (from, to) in INITIALS {
        if let Some(rest) = reading.strip_prefix(from) {
            // "zh" must not also be read as "z" + "h…"
            let is_longer = INITIALS
                .iter()
                .any(|(f, _)| f.len() > from.len() && reading.starts_with(f));
            if !is_longer {
                initials.push(format!("{to}{rest}"));
            }
        }
    }
    let mut out = Vec::new();
    for s in initials {
        out.push(s.clone());
        for (from, to) in FINALS {
            if let Some(stem) = s.strip_suffix(from) {
                let is_longer = FINALS
                    .iter()
                    .any(|(f, _)| f.len() > from.len() && s.ends_with(f));
                if !is_longer {
                    out.push(format!("{stem}{to}"));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(c: char) -> Vec<String> {
        spellings(c)
            .unwrap()
            .exact
            .iter()
            .map(|b| String::from_utf8(b.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn polyphonic_characters_have_every_reading() {
        let hang = exact('行');
        assert!(
            hang.contains(&"hang".to_string()) && hang.contains(&"xing".to_string()),
            "{hang:?}"
        );
        assert!(
            exact('长').contains(&"chang".to_string())
                && exact('长').contains(&"zhang".to_string())
        );
    }

    #[test]
    fn u_umlaut_is_typed_as_v_or_u() {
        let lv = exact('绿');
        assert!(
            lv.contains(&"lv".to_string()) && lv.contains(&"lu".to_string()),
            "{lv:?}"
        );
        assert!(exact('女').contains(&"nv".to_string()));
    }

    #[test]
    fn confusions_cover_initials_and_finals_both_ways() {
        let z = confusions("zheng");
        for s in ["zheng", "zeng", "zhen", "zen"] {
            assert!(z.contains(&s.to_string()), "{s} in {z:?}");
        }
        assert!(confusions("lao").contains(&"nao".to_string()));
        assert!(confusions("sen").contains(&"sheng".to_string()));
        assert!(!confusions("zhi").contains(&"zhhi".to_string()));
    }

    #[test]
    fn rare_characters_get_readings_from_the_table() {
        assert_eq!(exact('𠮷'), vec!["ji"]);
        assert!(exact('塆').contains(&"wan".to_string()));
        // A Han character with no known reading has no spellings (the index stops there).
        assert!(spellings('𡌶').is_none());
    }

    #[test]
    fn punctuation_is_skipped_and_ascii_matches_itself() {
        assert!(spellings('（').is_none());
        assert_eq!(exact('A'), vec!["a"]);
        assert_eq!(exact('7'), vec!["7"]);
    }
}
