//! The in-memory search index over titles, aliases, keywords, departments and notice codes.
//!
//! Ranking, best first (a document scores its best field):
//! 1. exact title or alias (1000); 2. title/alias starts with the query (900); 3. contains it,
//! earlier is better (800 − position); 4. pinyin from the first syllable, full spelling (700)
//! above initials or mixed (650), then pinyin starting mid-title (600 − position);
//! 5. notice codes 文号/索引号 (550) and keywords or department (500); 6. fuzzy pinyin
//! (400 from the first syllable, 350 − position mid-title, 300 keywords); 7. body text (200).
//! Ties go to the more popular, then the shorter title.

use std::collections::HashMap;

use serde::Serialize;

use super::pinyin::{spellings, Spellings};
use super::{is_han, normalize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Guide,
    Notice,
}

impl Kind {
    /// The name used in the database, in JSON and in the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Guide => "guide",
            Kind::Notice => "notice",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Guide, Kind::Notice].into_iter().find(|k| k.as_str() == s)
    }
}

/// What is indexed of one guide or notice.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    pub kind: Option<Kind>,
    pub id: String,
    pub title: String,
    /// Shown under the title in results (department, or publisher and date).
    pub subtitle: String,
    pub aliases: Vec<String>,
    /// Keywords and the department's names.
    pub keywords: Vec<String>,
    /// 文号 and 索引号.
    pub codes: Vec<String>,
    pub popularity: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    #[serde(skip)]
    pub subtitle: String,
    pub score: i32,
}

/// The answer to one query.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// Best first, at most the limit asked for.
    pub hits: Vec<Hit>,
    /// How many documents matched in all.
    pub total: usize,
    /// Keys (a–z, 0–9) that extend the query to at least one more result: bit `key_bit(c)`.
    pub next: u64,
    /// The index's distinct fields that matched; a longer query matches a subset of these.
    pub matched: Vec<u32>,
}

/// Bit of a key in [`Results::next`].
pub fn key_bit(c: u8) -> u64 {
    match c {
        b'a'..=b'z' => 1 << (c - b'a'),
        b'0'..=b'9' => 1 << (26 + c - b'0'),
        _ => 0,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Class {
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

fn key_index(c: u8) -> usize {
    match c {
        b'a'..=b'z' => (c - b'a') as usize,
        b'0'..=b'9' => 26 + (c - b'0') as usize,
        _ => 36,
    }
}

/// One distinct field (class and normalized text), shared by every document that has it: a
/// department's name, a common alias or keyword is matched once per query, not once per guide.
#[derive(Debug)]
struct Unit {
    class: Class,
    /// Byte range in `SearchIndex::texts` (simplified, lower case).
    text: (u32, u32),
    /// Range in `SearchIndex::seqs`: spelling-set ids of the characters letters can match.
    seq: (u32, u32),
    pairs: Pairs,
    /// Documents having this field.
    postings: Vec<u32>,
}

#[derive(Debug)]
struct Entry {
    kind: Kind,
    id: String,
    title: String,
    subtitle: String,
    title_chars: usize,
    popularity: i64,
}

pub struct SearchIndex {
    entries: Vec<Entry>,
    /// Per entry, its tie-break rank packed for sorting without touching `entries`:
    /// popularity (higher first), then title length (shorter first).
    ties: Vec<u64>,
    units: Vec<Unit>,
    texts: String,
    seqs: Vec<u32>,
    sets: Vec<Spellings>,
    by_key: HashMap<(Kind, String), u32>,
    /// Answers for every one-key query, computed once (the first keystroke is the widest).
    single: HashMap<u8, Results>,
}

/// Hits kept for each one-key answer (more than any screen shows).
const FIRST_KEY_HITS: usize = 200;

/// Queries longer than this many letters find nothing (the matcher tracks positions in a u64).
pub const MAX_SPELLED: usize = 63;

/// How the best match of a spelled query in one field looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Found {
    start: usize,
    exact: bool,
    full: bool,
}

impl Found {
    fn better_than(&self, other: &Found) -> bool {
        let key = |f: &Found| (f.exact, f.start == 0, f.full, std::cmp::Reverse(f.start));
        key(self) > key(other)
    }
}

impl SearchIndex {
    pub fn build(docs: Vec<Doc>) -> SearchIndex {
        let mut sets: Vec<Spellings> = Vec::new();
        let mut set_of: HashMap<char, Option<u32>> = HashMap::new();
        let mut entries = Vec::with_capacity(docs.len());
        let mut by_key = HashMap::with_capacity(docs.len());
        let mut units: Vec<Unit> = Vec::new();
        let mut unit_of: HashMap<(Class, String), u32> = HashMap::new();
        let mut texts = String::new();
        let mut seqs: Vec<u32> = Vec::new();
        for doc in docs {
            let kind = doc.kind.unwrap_or(Kind::Guide);
            let e = entries.len() as u32;
            let lists = [(Class::Title, std::slice::from_ref(&doc.title)), (Class::Title, &doc.aliases[..]), (Class::Keyword, &doc.keywords[..]), (Class::Code, &doc.codes[..])];
            for (class, list) in lists {
                for t in list {
                    let text = normalize(t);
                    if text.is_empty() {
                        continue;
                    }
                    let u = match unit_of.get(&(class, text.clone())) {
                        Some(&u) => u,
                        None => {
                            let unit = new_unit(class, &text, &mut texts, &mut seqs, &mut sets, &mut set_of);
                            units.push(unit);
                            let u = (units.len() - 1) as u32;
                            unit_of.insert((class, text), u);
                            u
                        }
                    };
                    let postings = &mut units[u as usize].postings;
                    if postings.last() != Some(&e) {
                        postings.push(e);
                    }
                }
            }
            by_key.insert((kind, doc.id.clone()), e);
            entries.push(Entry {
                kind,
                title_chars: doc.title.chars().count(),
                id: doc.id,
                title: doc.title,
                subtitle: doc.subtitle,
                popularity: doc.popularity,
            });
        }
        texts.shrink_to_fit();
        seqs.shrink_to_fit();
        let ties = entries
            .iter()
            .map(|e| {
                let pop = e.popularity.clamp(0, u32::MAX as i64) as u64;
                ((u32::MAX as u64 - pop) << 32) | e.title_chars.min(u32::MAX as usize) as u64
            })
            .collect();
        let mut index = SearchIndex { entries, ties, units, texts, seqs, sets, by_key, single: HashMap::new() };
        index.single = index.first_keys();
        index
    }

    /// The answers to all one-key queries, in one pass over the distinct fields.
    fn first_keys(&self) -> HashMap<u8, Results> {
        const KEYS: usize = 36;
        let mut per_key: Vec<Vec<(u32, i32)>> = vec![Vec::new(); KEYS];
        let mut next = [0u64; KEYS];
        for (u, unit) in self.units.iter().enumerate() {
            let mut best: [Option<i32>; KEYS] = [None; KEYS];
            let seq = self.seq(unit);
            for (start, &set) in seq.iter().enumerate() {
                let set = &self.sets[set as usize];
                let following = seq.get(start + 1).map(|&n| &self.sets[n as usize]);
                let spellings = set.exact.iter().map(|r| (r, true)).chain(set.fuzzy.iter().map(|r| (r, false)));
                for (r, exact) in spellings {
                    let k = key_index(r[0]);
                    let found = Found { start, exact, full: exact && r.len() == 1 };
                    let Some(s) = score_spelled(unit.class, found) else { continue };
                    best[k] = Some(best[k].map_or(s, |b| b.max(s)));
                    if r.len() > 1 {
                        next[k] |= key_bit(r[1]);
                    }
                    let fuzzy = unit.class != Class::Code;
                    next[k] |= following.map_or(0, |n| if fuzzy { n.first_all } else { n.first_exact });
                }
            }
            for (k, b) in best.iter().enumerate() {
                if let Some(s) = b {
                    per_key[k].push((u as u32, *s));
                }
            }
        }
        (b'a'..=b'z')
            .chain(b'0'..=b'9')
            .map(|key| {
                let k = key_index(key);
                (key, self.collect(std::mem::take(&mut per_key[k]), next[k], FIRST_KEY_HITS))
            })
            .collect()
    }

    fn seq(&self, u: &Unit) -> &[u32] {
        &self.seqs[u.seq.0 as usize..u.seq.1 as usize]
    }

    fn text(&self, u: &Unit) -> &str {
        &self.texts[u.text.0 as usize..u.text.1 as usize]
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Searches `query` among all documents. Chinese queries also search body text through
    /// `body` (kind, id, rank) when given.
    pub fn search(&self, query: &str, limit: usize, body: Option<&dyn Fn(&str) -> Vec<(Kind, String)>>) -> Results {
        let q = normalize(query);
        if q.is_empty() {
            return Results::default();
        }
        if q.chars().any(is_han) {
            return self.chinese(&q, limit, body);
        }
        let spelled: Vec<u8> = q.bytes().filter(u8::is_ascii_alphanumeric).collect();
        self.search_spelled(&spelled, None, limit)
    }

    /// Searches typed keys (a–z, 0–9), only among `within` when given (the `matched` fields of
    /// the query one key shorter).
    pub fn search_spelled(&self, q: &[u8], within: Option<&[u32]>, limit: usize) -> Results {
        if q.is_empty() || q.len() > MAX_SPELLED {
            return Results::default();
        }
        if q.len() == 1 && limit <= FIRST_KEY_HITS {
            if let Some(r) = self.single.get(&q[0]) {
                let hits = r.hits[..r.hits.len().min(limit)].to_vec();
                return Results { hits, total: r.total, next: r.next, matched: r.matched.clone() };
            }
        }
        let mut next = 0u64;
        let mut found: Vec<(u32, i32)> = Vec::new();
        let mut visit = |u: u32| {
            let unit = &self.units[u as usize];
            if !unit.pairs.may_match(q) {
                return;
            }
            let fuzzy = unit.class != Class::Code;
            if let Some(f) = match_spelled(q, self.seq(unit), &self.sets, fuzzy, &mut next) {
                if let Some(s) = score_spelled(unit.class, f) {
                    found.push((u, s));
                }
            }
        };
        match within {
            Some(units) => units.iter().copied().for_each(&mut visit),
            None => (0..self.units.len() as u32).for_each(&mut visit),
        }
        self.collect(found, next, limit)
    }

    fn chinese(&self, q: &str, limit: usize, body: Option<&dyn Fn(&str) -> Vec<(Kind, String)>>) -> Results {
        let mut found: Vec<(u32, i32)> = Vec::new();
        for (u, unit) in self.units.iter().enumerate() {
            let text = self.text(unit);
            let Some(pos) = text.find(q) else { continue };
            let s = match unit.class {
                Class::Title if text == q => 1000,
                Class::Title if pos == 0 => 900,
                Class::Title => 800 - text[..pos].chars().count().min(100) as i32,
                Class::Code => 550,
                Class::Keyword if text == q => 520,
                Class::Keyword => 500,
            };
            found.push((u as u32, s));
        }
        let mut extra = Vec::new();
        if let Some(body) = body {
            for (rank, (kind, id)) in body(q).into_iter().enumerate() {
                if let Some(&e) = self.by_key.get(&(kind, id)) {
                    extra.push((e, 200 - (rank as i32).min(100)));
                }
            }
        }
        let mut r = self.collect_with(found, extra, 0, limit);
        r.matched.clear();
        r
    }

    /// Documents' best scores from the matching fields, ranked.
    fn collect(&self, found: Vec<(u32, i32)>, next: u64, limit: usize) -> Results {
        self.collect_with(found, Vec::new(), next, limit)
    }

    /// Like `collect`, with extra (document, score) pairs that count only where a document has
    /// no better field match (body text).
    fn collect_with(&self, found: Vec<(u32, i32)>, extra: Vec<(u32, i32)>, next: u64, limit: usize) -> Results {
        let mut best: HashMap<u32, i32> = HashMap::new();
        let mut dense: Vec<i32> = Vec::new();
        let many = found.iter().map(|&(u, _)| self.units[u as usize].postings.len()).sum::<usize>() > 4096;
        if many {
            dense = vec![i32::MIN; self.entries.len()];
        }
        let mut touched: Vec<u32> = Vec::new();
        let mut put = |e: u32, s: i32| {
            if many {
                let b = &mut dense[e as usize];
                if *b == i32::MIN {
                    touched.push(e);
                }
                *b = (*b).max(s);
            } else {
                let b = best.entry(e).or_insert_with(|| {
                    touched.push(e);
                    i32::MIN
                });
                *b = (*b).max(s);
            }
        };
        for &(u, s) in &found {
            for &e in &self.units[u as usize].postings {
                put(e, s);
            }
        }
        for (e, s) in extra {
            put(e, s);
        }
        let score = |e: u32| if many { dense[e as usize] } else { best[&e] };
        // Sort keys: higher score, then more popular, then shorter title, then index order.
        let mut scored: Vec<(std::cmp::Reverse<i32>, u64, u32)> =
            touched.iter().map(|&e| (std::cmp::Reverse(score(e)), self.ties[e as usize], e)).collect();
        let total = scored.len();
        if scored.len() > limit {
            scored.select_nth_unstable(limit);
            scored.truncate(limit);
        }
        scored.sort_unstable();
        let hits = scored
            .into_iter()
            .map(|(std::cmp::Reverse(score), _, i)| {
                let e = &self.entries[i as usize];
                Hit { id: e.id.clone(), kind: e.kind, title: e.title.clone(), subtitle: e.subtitle.clone(), score }
            })
            .collect();
        let mut matched: Vec<u32> = found.iter().map(|&(u, _)| u).collect();
        matched.sort_unstable();
        Results { hits, total, next, matched }
    }
}

fn new_unit(
    class: Class,
    text: &str,
    texts: &mut String,
    seqs: &mut Vec<u32>,
    sets: &mut Vec<Spellings>,
    set_of: &mut HashMap<char, Option<u32>>,
) -> Unit {
    let text_at = texts.len() as u32;
    texts.push_str(text);
    let seq_at = seqs.len();
    for c in text.chars() {
        let id = *set_of.entry(c).or_insert_with(|| {
            spellings(c).map(|s| {
                sets.push(s);
                (sets.len() - 1) as u32
            })
        });
        seqs.extend(id);
    }
    let seq = &seqs[seq_at..];
    let mut pairs = Pairs::default();
    for (j, &set) in seq.iter().enumerate() {
        let set = &sets[set as usize];
        let next = seq.get(j + 1).map(|&n| &sets[n as usize]);
        for r in set.exact.iter().chain(&set.fuzzy) {
            for (i, &a) in r.iter().enumerate() {
                if let Some(&b) = r.get(i + 1) {
                    pairs.add(a, b);
                }
                for r2 in next.iter().flat_map(|n| n.exact.iter().chain(&n.fuzzy)) {
                    pairs.add(a, r2[0]);
                }
            }
        }
    }
    Unit { class, text: (text_at, texts.len() as u32), seq: (seq_at as u32, seqs.len() as u32), pairs, postings: Vec::new() }
}

fn score_spelled(class: Class, f: Found) -> Option<i32> {
    let pos = f.start.min(50) as i32;
    Some(match (class, f.exact) {
        (Class::Title, true) if f.start == 0 => {
            if f.full {
                700
            } else {
                650
            }
        }
        (Class::Title, true) => 600 - pos,
        (Class::Code, true) => 550,
        (Class::Keyword, true) => 500 - pos.min(20),
        (Class::Title, false) if f.start == 0 => 400,
        (Class::Title, false) => 350 - pos,
        (Class::Keyword, false) => 300,
        (Class::Code, false) => return None,
    })
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Matches typed keys `q` against a field's characters: each character consumes a non-empty
/// prefix of one of its spellings, starting at any character, until `q` is used up. Returns the
/// best match and adds to `next` every key that would extend a match.
fn match_spelled(q: &[u8], seq: &[u32], sets: &[Spellings], fuzzy: bool, next: &mut u64) -> Option<Found> {
    let n = q.len();
    let mut best: Option<Found> = None;
    for start in 0..seq.len() {
        let fuzzy_of = |s: &'_ Spellings| if fuzzy { s.fuzzy.len() } else { 0 };
        let firsts = |s: &'_ Spellings| if fuzzy { s.first_all } else { s.first_exact };
        if firsts(&sets[seq[start] as usize]) & key_bit(q[0]) == 0 {
            continue;
        }
        // Bit p: the first p keys are consumed by some path; exact: only exact spellings;
        // full: and every syllable so far was typed in full.
        let (mut any, mut exact, mut full) = (1u64, 1u64, 1u64);
        for j in start..seq.len() {
            let set = &sets[seq[j] as usize];
            // Keys that could come next on some path; no spelling of this character starts
            // with one of them: the paths end here.
            let mut wanted = 0u64;
            let mut bits = any;
            while bits != 0 {
                wanted |= key_bit(q[bits.trailing_zeros() as usize]);
                bits &= bits - 1;
            }
            if firsts(set) & wanted == 0 {
                break;
            }
            let (mut n_any, mut n_exact, mut n_full) = (0u64, 0u64, 0u64);
            let spellings = set.exact.iter().map(|r| (r, true)).chain(set.fuzzy[..fuzzy_of(set)].iter().map(|r| (r, false)));
            for (r, is_exact) in spellings {
                let mut bits = any;
                while bits != 0 {
                    let pos = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let l = common_prefix(&q[pos..], r);
                    for len in 1..=l {
                        let np = pos + len;
                        let ex = is_exact && exact & (1 << pos) != 0;
                        let complete_syllable = len == r.len();
                        if np == n {
                            let found = Found {
                                start,
                                exact: ex,
                                full: ex && full & (1 << pos) != 0 && (complete_syllable || len >= 2),
                            };
                            if best.is_none_or(|b| found.better_than(&b)) {
                                best = Some(found);
                            }
                            if !complete_syllable {
                                *next |= key_bit(r[len]);
                            }
                            if let Some(&following) = seq.get(j + 1) {
                                *next |= firsts(&sets[following as usize]);
                            }
                        } else {
                            n_any |= 1 << np;
                            if ex {
                                n_exact |= 1 << np;
                                if full & (1 << pos) != 0 && complete_syllable {
                                    n_full |= 1 << np;
                                }
                            }
                        }
                    }
                }
            }
            any = n_any;
            exact = n_exact;
            full = n_full;
            if any == 0 {
                break;
            }
        }
    }
    best
}
