//! The search index's distinct fields ("units": class + normalized text), shared by every
//! document that has them: a department's name, a common alias or keyword is matched once per
//! query, not once per guide. Kept as flat arrays side by side (a few bytes per field in each),
//! so a keystroke over 100,000 fields reads little memory, in order.

use std::collections::HashMap;

use super::frontier::{Field, SetId, SpellingTable};
use super::index::key_index;
use super::is_han;
use super::pinyin::{spellings, Spellings};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    Title,
    Keyword,
    Code,
}

/// Bits of the key pairs that can follow each other when typing a field; a query with a pair
/// not in it cannot match, so most fields are skipped without running the matcher.
#[derive(Debug, Clone, Copy, Default)]
struct Pairs([u64; 8]);

impl Pairs {
    fn bit(a: u8, b: u8) -> usize {
        (key_index(a) * 37 + key_index(b)) % 512
    }
    fn add(&mut self, a: u8, b: u8) {
        let i = Self::bit(a, b);
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn may_match(&self, q: &[u8]) -> bool {
        q.windows(2).all(|w| {
            let i = Self::bit(w[0], w[1]);
            self.0[i / 64] & (1 << (i % 64)) != 0
        })
    }
}

/// Field u's items are `items[ends[u]..ends[u + 1]]`.
#[derive(Debug)]
struct Ranges<T> {
    ends: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for Ranges<T> {
    fn default() -> Self {
        Ranges {
            ends: vec![0],
            items: Vec::new(),
        }
    }
}

impl<T> Ranges<T> {
    fn get(&self, u: u32) -> &[T] {
        &self.items[self.ends[u as usize] as usize..self.ends[u as usize + 1] as usize]
    }
    fn close(&mut self) {
        self.ends.push(self.items.len() as u32);
    }
    fn shrink(&mut self) {
        self.ends.shrink_to_fit();
        self.items.shrink_to_fit();
    }
}

#[derive(Debug, Default)]
pub struct Fields {
    classes: Vec<Class>,
    /// Simplified, lower case (UTF-8 bytes).
    texts: Ranges<u8>,
    /// Spelling-set ids (in `table`) of the characters letters can match.
    seqs: Ranges<SetId>,
    pairs: Vec<Pairs>,
    /// The documents having each field.
    postings: Ranges<u32>,
    pub table: SpellingTable,
    /// The spellings of each set of `table`, by set id.
    pub sets: Vec<Spellings>,
}

impl Fields {
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    pub fn class(&self, u: u32) -> Class {
        self.classes[u as usize]
    }

    /// Field u as the matcher sees it (fuzzy spellings count except in notice codes).
    pub fn field(&self, u: u32) -> Field<'_> {
        Field {
            seq: self.seqs.get(u),
            fuzzy: self.class(u) != Class::Code,
        }
    }

    pub fn text(&self, u: u32) -> &str {
        std::str::from_utf8(self.texts.get(u)).expect("texts are stored whole")
    }

    pub fn postings(&self, u: u32) -> &[u32] {
        self.postings.get(u)
    }

    /// False when typed keys `q` cannot match field u (a key pair it never has).
    pub fn may_match(&self, u: u32, q: &[u8]) -> bool {
        self.pairs[u as usize].may_match(q)
    }
}

/// Collects the distinct fields of documents added in order.
#[derive(Default)]
pub struct FieldsBuilder {
    fields: Fields,
    unit_of: HashMap<(Class, String), u32>,
    set_of: HashMap<char, Option<SetId>>,
    /// The spellings of each set in `fields.table` (for the key pairs); characters with the
    /// same spellings (是, 市, 事 …) share a set, which keeps the table small and cached.
    sets: Vec<Spellings>,
    set_of_spellings: HashMap<Spellings, Option<SetId>>,
    postings: Vec<Vec<u32>>,
}

impl FieldsBuilder {
    /// Records that document `doc` has a field of `class` with normalized `text`.
    pub fn add(&mut self, class: Class, text: String, doc: u32) {
        let u = match self.unit_of.get(&(class, text.clone())) {
            Some(&u) => u,
            None => {
                let u = self.new_field(class, &text);
                self.unit_of.insert((class, text), u);
                u
            }
        };
        let postings = &mut self.postings[u as usize];
        if postings.last() != Some(&doc) {
            postings.push(doc);
        }
    }

    fn new_field(&mut self, class: Class, text: &str) -> u32 {
        let f = &mut self.fields;
        f.classes.push(class);
        f.texts.items.extend_from_slice(text.as_bytes());
        f.texts.close();
        let seq_at = f.seqs.items.len();
        for c in text.chars() {
            let (sets, shared) = (&mut self.sets, &mut self.set_of_spellings);
            let id = *self.set_of.entry(c).or_insert_with(|| {
                // Han characters with no known reading get the empty set: a stop, so a match
                // never jumps from the character before to the one after.
                let s = match spellings(c) {
                    Some(s) => s,
                    None if is_han(c) => Spellings::stop(),
                    None => return None,
                };
                // A full table (never, with pinyin's readings) leaves the character unmatched.
                *shared.entry(s.clone()).or_insert_with(|| {
                    let id = f.table.add(&s)?;
                    sets.push(s);
                    Some(id)
                })
            });
            f.seqs.items.extend(id);
        }
        f.seqs.close();
        let seq = &f.seqs.items[seq_at..];
        let mut pairs = Pairs::default();
        let all = |id: SetId| {
            let s = &self.sets[id as usize];
            s.exact.iter().chain(&s.fuzzy)
        };
        for (j, &set) in seq.iter().enumerate() {
            for r in all(set) {
                for (i, &a) in r.iter().enumerate() {
                    if let Some(&b) = r.get(i + 1) {
                        pairs.add(a, b);
                    }
                    for r2 in seq.get(j + 1).into_iter().flat_map(|&n| all(n)) {
                        pairs.add(a, r2[0]);
                    }
                }
            }
        }
        f.pairs.push(pairs);
        self.postings.push(Vec::new());
        (f.classes.len() - 1) as u32
    }

    pub fn finish(self) -> Fields {
        let mut f = self.fields;
        f.sets = self.sets;
        f.postings
            .items
            .reserve_exact(self.postings.iter().map(Vec::len).sum());
        for list in self.postings {
            f.postings.items.extend(list);
            f.postings.close();
        }
        f.texts.shrink();
        f.seqs.shrink();
        f.postings.shrink();
        f.classes.shrink_to_fit();
        f.pairs.shrink_to_fit();
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_fields_are_stored_once_with_every_document() {
        let mut b = FieldsBuilder::default();
        b.add(Class::Title, "身份证".into(), 0);
        b.add(Class::Keyword, "公安局".into(), 0);
        b.add(Class::Title, "护照".into(), 1);
        b.add(Class::Keyword, "公安局".into(), 1);
        b.add(Class::Keyword, "公安局".into(), 1);
        b.add(Class::Title, "公安局".into(), 2);
        let f = b.finish();
        assert_eq!(f.len(), 4);
        assert_eq!(
            (f.text(1), f.class(1), f.postings(1)),
            ("公安局", Class::Keyword, &[0, 1][..])
        );
        assert_eq!(
            (f.text(3), f.class(3), f.postings(3)),
            ("公安局", Class::Title, &[2][..])
        );
        assert_eq!(f.field(0).seq.len(), 3);
        assert!(f.may_match(0, b"shenfz") && !f.may_match(0, b"qq"));
    }

    #[test]
    fn characters_without_a_reading_stop_a_match() {
        // 𡌶 has no reading: "lc" must not read 利 and 村 across it; punctuation is crossed.
        let mut b = FieldsBuilder::default();
        b.add(Class::Title, "利𡌶村".into(), 0);
        b.add(Class::Title, "利（村）".into(), 1);
        let f = b.finish();
        assert_eq!(f.field(0).seq.len(), 3);
        assert!(!f.may_match(0, b"lc"));
        assert_eq!(f.field(1).seq.len(), 2);
        assert!(f.may_match(1, b"lc"));
        let mut scratch: [Vec<super::super::frontier::Path>; 2] = Default::default();
        let mut out = Vec::new();
        for (u, found) in [(0, false), (1, true)] {
            let o = f.table.read(f.field(u), b"licun", &mut out, &mut scratch);
            assert_eq!(o.best.is_some(), found, "field {u}");
        }
    }

    #[test]
    fn characters_with_the_same_spellings_share_a_set() {
        let text = "是市事式室视书输舒身";
        let mut b = FieldsBuilder::default();
        b.add(Class::Title, text.into(), 0);
        let f = b.finish();
        let seq = f.field(0).seq;
        let chars: Vec<char> = text.chars().collect();
        let mut shared = 0;
        for i in 0..chars.len() {
            for j in 0..i {
                let same = spellings(chars[i]) == spellings(chars[j]);
                assert_eq!(same, seq[i] == seq[j], "{} {}", chars[i], chars[j]);
                shared += usize::from(same);
            }
        }
        assert!(shared >= 1, "{shared}");
    }
}
