//! The in-memory search index over titles, aliases, keywords, departments and notice codes.
//!
//! Ranking, best first (a document scores its best field):
//! 1. exact title or alias (1000);
//! 2. title/alias starts with the query (900);
//! 3. contains it, earlier is better (800 − position);
//! 4. pinyin from the first syllable, full spelling (700) above initials or mixed (650), then
//!    pinyin starting mid-title (600 − position);
//! 5. notice codes 文号/索引号 (550) and keywords or department (500);
//! 6. fuzzy pinyin (400 from the first syllable, 350 − position mid-title, 300 keywords);
//! 7. body text (200).
//!
//! Ties go to the more popular, then the shorter title.

use std::collections::HashMap;

use serde::Serialize;

use std::ops::Range;

use super::fields::{Class, Fields, FieldsBuilder};
use super::frontier::{Found, Frontier, Outcome, Path};
use super::parallel;
use super::rank::Tally;
use super::{is_han, normalize};

/// Full-text search of body text (SQLite `search_body`): the query → matching documents.
pub type BodySearch<'a> = &'a dyn Fn(&str) -> Vec<(Kind, String)>;

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
        [Kind::Guide, Kind::Notice]
            .into_iter()
            .find(|k| k.as_str() == s)
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
    /// The partial matches in each matched field, which the next key extends (empty for
    /// Chinese queries).
    pub frontier: Frontier,
}

/// Bit of a key in [`Results::next`].
pub fn key_bit(c: u8) -> u64 {
    match c {
        b'a'..=b'z' => 1 << (c - b'a'),
        b'0'..=b'9' => 1 << (26 + c - b'0'),
        _ => 0,
    }
}

pub(crate) fn key_index(c: u8) -> usize {
    match c {
        b'a'..=b'z' => (c - b'a') as usize,
        b'0'..=b'9' => 26 + (c - b'0') as usize,
        _ => 36,
    }
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
    fields: Fields,
    by_key: HashMap<(Kind, String), u32>,
    /// Answers for every one-key query, computed once (the first keystroke is the widest).
    single: HashMap<u8, Results>,
    split: Split,
}

/// How a keystroke over many fields shares its work between threads: at most `threads`, each
/// with at least `min_fields` of the fields to extend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub threads: usize,
    pub min_fields: usize,
}

impl Split {
    /// As many threads as cores, up to 4 (kiosk boards have 2–4); 10,000 fields take about
    /// 0.4 ms on a slow board, against 20–50 µs to start a thread.
    fn for_this_machine() -> Split {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Split {
            threads: cores.min(4),
            min_fields: 10_000,
        }
    }

    /// How many threads extend `fields` fields.
    fn parts(&self, fields: usize) -> usize {
        (fields / self.min_fields.max(1)).clamp(1, self.threads.max(1))
    }
}

/// Hits kept for each one-key answer (more than any screen shows).
const FIRST_KEY_HITS: usize = 200;

/// Queries longer than this many letters find nothing.
pub const MAX_SPELLED: usize = 63;

impl SearchIndex {
    pub fn build(docs: Vec<Doc>) -> SearchIndex {
        let mut entries = Vec::with_capacity(docs.len());
        let mut by_key = HashMap::with_capacity(docs.len());
        let mut fields = FieldsBuilder::default();
        for doc in docs {
            let kind = doc.kind.unwrap_or(Kind::Guide);
            let e = entries.len() as u32;
            let lists = [
                (Class::Title, std::slice::from_ref(&doc.title)),
                (Class::Title, &doc.aliases[..]),
                (Class::Keyword, &doc.keywords[..]),
                (Class::Code, &doc.codes[..]),
            ];
            for (class, list) in lists {
                for t in list {
                    let text = normalize(t);
                    if !text.is_empty() {
                        fields.add(class, text, e);
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
        let ties = entries
            .iter()
            .map(|e| {
                let pop = e.popularity.clamp(0, u32::MAX as i64) as u64;
                ((u32::MAX as u64 - pop) << 32) | e.title_chars.min(u32::MAX as usize) as u64
            })
            .collect();
        let split = Split::for_this_machine();
        let mut index = SearchIndex {
            entries,
            ties,
            fields: fields.finish(),
            by_key,
            single: HashMap::new(),
            split,
        };
        index.single = index.first_keys();
        index
    }

    /// The answers to all one-key queries, in one pass over the distinct fields.
    fn first_keys(&self) -> HashMap<u8, Results> {
        const KEYS: usize = 36;
        let mut per_key: Vec<Matches> = vec![Matches::default(); KEYS];
        let mut next = [0u64; KEYS];
        let mut frontiers: Vec<Frontier> = (b'a'..=b'z')
            .chain(b'0'..=b'9')
            .map(|k| Frontier::new(&[k]))
            .collect();
        let mut paths = Vec::new();
        let mut by_key: Vec<Vec<Path>> = vec![Vec::new(); KEYS];
        let table = &self.fields.table;
        for u in 0..self.fields.len() as u32 {
            let f = self.fields.field(u);
            paths.clear();
            table.seed_all(f, &mut paths);
            let mut best: [Option<i32>; KEYS] = [None; KEYS];
            by_key.iter_mut().for_each(Vec::clear);
            for p in &paths {
                let k = key_index(table.first_letter(f, p));
                by_key[k].push(*p);
                let (found, keys) = table.end(f, p);
                next[k] |= keys;
                if let Some(s) = score_spelled(self.fields.class(u), found) {
                    best[k] = Some(best[k].map_or(s, |b| b.max(s)));
                }
            }
            for (k, b) in best.iter().enumerate() {
                if let Some(s) = b {
                    per_key[k].push(u, *s);
                    frontiers[k].note_seeds(&by_key[k]);
                }
            }
        }
        (b'a'..=b'z')
            .chain(b'0'..=b'9')
            .map(|key| {
                let k = key_index(key);
                let mut r = self.collect(std::mem::take(&mut per_key[k]), next[k], FIRST_KEY_HITS);
                r.frontier = std::mem::take(&mut frontiers[k]);
                (key, r)
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Shares keystrokes' work between threads as `split` says (the answers do not change).
    pub fn set_split(&mut self, split: Split) {
        self.split = split;
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Searches `query` among all documents. Chinese queries also search body text through
    /// `body` (kind, id, rank) when given.
    pub fn search(&self, query: &str, limit: usize, body: Option<BodySearch>) -> Results {
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

    /// Searches typed keys (a–z, 0–9), only among the fields `within` matched when given (the
    /// answer to the query one key shorter): its frontier is extended by the last key when it
    /// has one, else the fields are matched from scratch.
    pub fn search_spelled(&self, q: &[u8], within: Option<&Results>, limit: usize) -> Results {
        if q.is_empty() || q.len() > MAX_SPELLED {
            return Results::default();
        }
        if q.len() == 1 && limit <= FIRST_KEY_HITS {
            if let Some(r) = self.single.get(&q[0]) {
                let hits = r.hits[..r.hits.len().min(limit)].to_vec();
                return Results {
                    hits,
                    total: r.total,
                    next: r.next,
                    matched: r.matched.clone(),
                    frontier: r.frontier.clone(),
                };
            }
        }
        let (last, before) = q.split_last().expect("not empty");
        let part = match within {
            Some(prev) if prev.frontier.reads(before, prev.matched.len()) => {
                let fields = prev.matched.len();
                let runs = parallel::runs(fields, self.split.parts(fields));
                let parts = parallel::run(runs, |run| self.extend_run(prev, run, *last, q));
                Part::concat(parts)
            }
            _ => {
                let mut part = Part::new(
                    q,
                    self.entries.len(),
                    within.map_or(0, |w| w.matched.len()),
                    0,
                );
                let mut scratch: [Vec<Path>; 2] = Default::default();
                let mut read = |u: u32| {
                    if self.fields.may_match(u, q) {
                        let outcome = self.fields.table.read(
                            self.fields.field(u),
                            q,
                            part.frontier.open(),
                            &mut scratch,
                        );
                        part.keep(&self.fields, u, outcome);
                    }
                };
                match within {
                    Some(prev) => prev.matched.iter().copied().for_each(&mut read),
                    None => (0..self.fields.len() as u32).for_each(&mut read),
                }
                part
            }
        };
        let mut r = self.ranked(part.found, part.tally, part.next, limit);
        r.frontier = part.frontier;
        r.frontier.shrink();
        r
    }

    /// Extends the paths of `prev`'s matched fields `run` by `key` (the last of `q`). The first
    /// run makes room for the whole answer, which the other runs are appended to.
    fn extend_run(&self, prev: &Results, run: Range<usize>, key: u8, q: &[u8]) -> Part {
        let fields = prev.matched.len();
        let paths = prev.frontier.len().max(2 * fields);
        let share = |n: usize| {
            if run.start == 0 {
                n
            } else {
                n * run.len() / fields
            }
        };
        let mut part = Part::new(q, self.entries.len(), share(fields), share(paths));
        let mut cursor = prev.frontier.cursor_at(run.start);
        for &u in &prev.matched[run] {
            let outcome = prev.frontier.extend_next(
                &mut cursor,
                &self.fields.table,
                self.fields.field(u),
                key,
                part.frontier.open(),
            );
            part.keep(&self.fields, u, outcome);
        }
        part
    }

    fn chinese(&self, q: &str, limit: usize, body: Option<BodySearch>) -> Results {
        let mut found = Matches::default();
        for u in 0..self.fields.len() as u32 {
            let text = self.fields.text(u);
            let Some(pos) = text.find(q) else { continue };
            let s = match self.fields.class(u) {
                Class::Title if text == q => 1000,
                Class::Title if pos == 0 => 900,
                Class::Title => 800 - text[..pos].chars().count().min(100) as i32,
                Class::Code => 550,
                Class::Keyword if text == q => 520,
                Class::Keyword => 500,
            };
            found.push(u, s);
        }
        // Body text counts only where a document has no better field match.
        if let Some(body) = body {
            for (rank, (kind, id)) in body(q).into_iter().enumerate() {
                if let Some(&e) = self.by_key.get(&(kind, id)) {
                    found.docs.push((e, 200 - (rank as i32).min(100)));
                }
            }
        }
        let mut r = self.collect(found, 0, limit);
        r.matched.clear();
        r
    }

    /// Documents' best scores from the matching fields (and documents), ranked.
    fn collect(&self, found: Matches, next: u64, limit: usize) -> Results {
        let mut tally = Tally::new(self.entries.len());
        for (&u, &s) in found.fields.iter().zip(&found.scores) {
            tally.add(self.fields.postings(u), s);
        }
        for (d, s) in &found.docs {
            tally.add(std::slice::from_ref(d), *s);
        }
        self.ranked(found, tally, next, limit)
    }

    /// `collect` when the documents were counted as they were found.
    fn ranked(&self, found: Matches, tally: Tally, next: u64, limit: usize) -> Results {
        let mut scores = found.scores;
        scores.extend(found.docs.iter().map(|&(_, s)| s));
        let fields = found.fields.len();
        let postings = |i: usize| match found.docs.get(i.wrapping_sub(fields)) {
            Some((d, _)) => std::slice::from_ref(d),
            None => self.fields.postings(found.fields[i]),
        };
        let hits = tally
            .top(&scores, postings, &self.ties, limit)
            .into_iter()
            .map(|(std::cmp::Reverse(score), _, i)| {
                let e = &self.entries[i as usize];
                Hit {
                    id: e.id.clone(),
                    kind: e.kind,
                    title: e.title.clone(),
                    subtitle: e.subtitle.clone(),
                    score,
                }
            })
            .collect();
        Results {
            hits,
            total: tally.total(),
            next,
            matched: found.fields,
            frontier: Frontier::default(),
        }
    }
}

/// What a spelled query found in some fields: the matching ones with their scores, their
/// documents counted, their paths and the keys that would extend one of them.
struct Part {
    found: Matches,
    tally: Tally,
    frontier: Frontier,
    next: u64,
}

impl Part {
    /// An empty part for query `q` over `docs` documents, with room for about this many
    /// fields and paths.
    fn new(q: &[u8], docs: usize, fields: usize, paths: usize) -> Part {
        let mut frontier = Frontier::new(q);
        frontier.reserve(fields, paths);
        Part {
            found: Matches::with_capacity(fields),
            tally: Tally::new(docs),
            frontier,
            next: 0,
        }
    }

    /// Keeps field u when its paths (just pushed to the frontier) read the whole query.
    fn keep(&mut self, fields: &Fields, u: u32, outcome: Outcome) {
        self.next |= outcome.next;
        match outcome.best.and_then(|f| score_spelled(fields.class(u), f)) {
            Some(s) => {
                self.found.push(u, s);
                self.tally.add(fields.postings(u), s);
                self.frontier.close();
            }
            None => self.frontier.discard(),
        }
    }

    /// The parts of consecutive runs of fields put together, in order.
    fn concat(parts: Vec<Part>) -> Part {
        let mut parts = parts.into_iter();
        let mut all = parts.next().expect("at least one part");
        for p in parts {
            all.found.fields.extend_from_slice(&p.found.fields);
            all.found.scores.extend_from_slice(&p.found.scores);
            all.tally.merge(&p.tally);
            all.frontier.append(&p.frontier);
            all.next |= p.next;
        }
        all
    }
}

/// Matching fields with their scores (side by side), and documents found otherwise (body
/// text) with theirs.
#[derive(Debug, Clone, Default)]
struct Matches {
    fields: Vec<u32>,
    scores: Vec<i32>,
    docs: Vec<(u32, i32)>,
}

impl Matches {
    fn with_capacity(n: usize) -> Matches {
        Matches {
            fields: Vec::with_capacity(n),
            scores: Vec::with_capacity(n),
            docs: Vec::new(),
        }
    }

    fn push(&mut self, field: u32, score: i32) {
        self.fields.push(field);
        self.scores.push(score);
    }
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
