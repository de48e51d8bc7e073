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
//! 7. body text (200 − rank).
//!
//! Ties go to the more popular, then the shorter title. A one-character Chinese query scores
//! every title or alias containing it alike (800): where a single character sits says little,
//! so the most-used service comes first (婚 → 结婚登记 before 补领结婚证).
//!
//! Forgiving steps ([`Step`]) add matches in score bands of their own, below every exact
//! match of the same query kind, so they never push an exact match down:
//! - same sound (Chinese queries of two or more characters, by the characters' readings:
//!   身分证 → 身份证, 驾使证 → 驾驶证): 470 whole title, 460 from the start, 450 − position,
//!   415 keywords; always on;
//! - one slip in a typed query (a swapped, missing, extra or wrong letter; the first letter is
//!   taken as typed): 290 from the first syllable, 280 − position, 250 keywords; only when the
//!   exact and fuzzy steps found fewer than [`FEW`] documents; within a work budget per
//!   keystroke ([`SLIP_BUDGET`]), nearest to where the keys stopped matching first;
//! - one wrong character in a Chinese query of three or more (户口薄 → 户口簿; the others
//!   must match exactly or by sound): 240 from the start, 235 − position, 210 keywords; only when
//!   the steps before found fewer than [`FEW`].

use std::collections::HashMap;

use serde::Serialize;

use std::ops::Range;

use super::fields::{Class, Fields, FieldsBuilder};
use super::frontier::{Found, Frontier, Outcome, Path, SetId};
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
    /// Which step found it (omitted in JSON when exact).
    #[serde(skip_serializing_if = "Step::is_exact")]
    pub step: Step,
}

/// How a hit was found: exactly (including fuzzy pinyin, aliases and body text), or by one of
/// the forgiving steps, each in a score band of its own (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    #[default]
    Exact,
    /// A Chinese query matched by its characters' readings.
    SameSound,
    /// A typed query with one letter swapped, missing, extra or wrong.
    Slip,
    /// A Chinese query with one character wrong.
    WrongChar,
}

impl Step {
    pub const FORGIVING: [Step; 3] = [Step::SameSound, Step::Slip, Step::WrongChar];

    pub fn is_exact(&self) -> bool {
        *self == Step::Exact
    }

    /// The step a score belongs to (the bands never overlap those of exact matches).
    pub fn of_score(score: i32) -> Step {
        match score {
            410..=470 => Step::SameSound,
            250..=290 => Step::Slip,
            210..=240 => Step::WrongChar,
            _ => Step::Exact,
        }
    }

    /// The name stored in the search log.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Exact => "exact",
            Step::SameSound => "same-sound",
            Step::Slip => "slip",
            Step::WrongChar => "wrong-char",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        [Step::Exact]
            .into_iter()
            .chain(Step::FORGIVING)
            .find(|k| k.as_str() == s)
    }

    /// How county staff read it (`banshi report searches`).
    pub fn label(self) -> &'static str {
        match self {
            Step::Exact => "直接找到",
            Step::SameSound => "同音字",
            Step::Slip => "拼音错一个字母",
            Step::WrongChar => "错一个字",
        }
    }
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
    /// The forgiving step of the best-ranked hit not found exactly, None when every hit was
    /// found exactly (recorded in the search log for staff).
    pub forgiven: Option<Step>,
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

/// The slip and wrong-character steps run when the steps before found fewer documents.
pub const FEW: usize = 3;

/// Typed queries shorter than this are not forgiven a slip (any three letters are somebody's
/// initials).
pub const SLIP_MIN_KEYS: usize = 4;

/// A slip is looked for at most this many keys before the first key that found nothing (a
/// wrong letter often still reads as an initial for a key or two).
const SLIP_BACK: usize = 3;

/// The work a slip search may do per keystroke, in key-pair filter checks of one field against
/// one corrected query; reading a field that passes the filter counts [`SLIP_READ_COST`]. The
/// fields are tried in index order, so what it finds within the budget is the same typed or at
/// once; past it, later fields and earlier slip positions are not tried. Keeps a forgiving
/// keystroke within the per-key budget at 100,000 guides (a county of that size, or one
/// service copied many times, may then show only part of a slip's matches).
const SLIP_BUDGET: usize = 40_000;

/// What reading one field costs against a filter check (both measured on the 100,000-guide
/// benchmark county).
const SLIP_READ_COST: usize = 30;

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
        let mut r = self.search_spelled(&spelled, None, limit);
        if wants_slip(&spelled, &r) {
            // The answers to the query's shorter prefixes, as typing them would give.
            let mut prefixes: Vec<Results> = Vec::with_capacity(spelled.len());
            for n in 1..spelled.len() {
                let p = self.search_spelled(&spelled[..n], prefixes.last(), limit);
                prefixes.push(p);
            }
            self.forgive(&spelled, &prefixes, &mut r, limit);
        }
        r
    }

    /// Adds what one slip in typed query `q` finds to `answer` (its exact answer), below every
    /// exact hit, when that found fewer than [`FEW`] documents. `prefixes[k]` answers the first
    /// k + 1 keys (at least `q.len() - 1` of them). The answer's fields, frontier and next keys
    /// stay those of the exact match, so the next key extends it as before.
    pub fn forgive(&self, q: &[u8], prefixes: &[Results], answer: &mut Results, limit: usize) {
        let n = q.len();
        if !wants_slip(q, answer) || prefixes.len() + 1 < n {
            return;
        }
        // The keys up to m matched something exactly; the slip is at m or a little before.
        // (Fields, not totals: a prefix's total may include what its own slip step found.)
        let m = if !answer.matched.is_empty() {
            n
        } else {
            (1..n)
                .rev()
                .find(|&k| !prefixes[k - 1].matched.is_empty())
                .unwrap_or(0)
        };
        if m == 0 {
            return;
        }
        let mut best: HashMap<u32, i32> = HashMap::new();
        let (mut paths, mut scratch) = (Vec::new(), <[Vec<Path>; 2]>::default());
        let mut work = 0;
        'positions: for i in (m.saturating_sub(SLIP_BACK).max(1)..=m.min(n - 1)).rev() {
            let prev = &prefixes[i - 1];
            let variants = slip_variants(q, i, prev.next);
            for &u in &prev.matched {
                for v in &variants {
                    work += 1;
                    if !self.fields.may_match(u, v) {
                        continue;
                    }
                    work += SLIP_READ_COST;
                    paths.clear();
                    let f = self.fields.field(u);
                    let outcome = self.fields.table.read(f, v, &mut paths, &mut scratch);
                    if let Some(s) = outcome
                        .best
                        .and_then(|found| score_slip(self.fields.class(u), found))
                    {
                        let b = best.entry(u).or_insert(s);
                        *b = (*b).max(s);
                    }
                }
                if work > SLIP_BUDGET {
                    break 'positions;
                }
            }
        }
        let exact: std::collections::HashSet<u32> = answer
            .matched
            .iter()
            .flat_map(|&u| self.fields.postings(u).iter().copied())
            .collect();
        self.add_forgiven(answer, best, &exact, limit);
    }

    /// Appends the documents of fields `best` (field → score, all in one forgiving band) that
    /// are not in `exact` to `answer`, ranked, up to `limit` hits in all.
    fn add_forgiven(
        &self,
        answer: &mut Results,
        best: HashMap<u32, i32>,
        exact: &std::collections::HashSet<u32>,
        limit: usize,
    ) {
        if best.is_empty() {
            return;
        }
        let mut fields: Vec<(u32, i32)> = best.into_iter().collect();
        fields.sort_unstable();
        let mut found = Matches::default();
        let mut tally = Tally::new(self.entries.len());
        for (u, s) in fields {
            for &d in self.fields.postings(u) {
                if !exact.contains(&d) {
                    found.docs.push((d, s));
                    tally.add(std::slice::from_ref(&d), s);
                }
            }
        }
        let extra = self.ranked(found, tally, 0, limit);
        answer.total += extra.total;
        let room = limit.saturating_sub(answer.hits.len());
        answer.hits.extend(extra.hits.into_iter().take(room));
        answer.forgiven = forgiven(&answer.hits);
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
                    forgiven: None,
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
        let one_char = q.chars().count() == 1;
        let mut found = Matches::default();
        for u in 0..self.fields.len() as u32 {
            let text = self.fields.text(u);
            let Some(pos) = text.find(q) else { continue };
            let at = text[..pos].chars().count();
            found.push(
                u,
                score_chinese(self.fields.class(u), at, text == q, one_char),
            );
        }
        // Same sound: every character read alike (two characters or more; one alone would
        // find every homophone).
        let sounds = if one_char { None } else { self.sounds(q) };
        if let Some(want) = &sounds {
            for u in 0..self.fields.len() as u32 {
                let seq = self.fields.field(u).seq;
                if let Some(j) = find_run(seq, want, 0) {
                    if let Some(s) =
                        score_same_sound(self.fields.class(u), j, seq.len() == want.len())
                    {
                        found.push(u, s);
                    }
                }
            }
        }
        // Body text counts only where a document has no better field match.
        if let Some(body) = body {
            for (rank, (kind, id)) in body(q).into_iter().enumerate() {
                if let Some(&e) = self.by_key.get(&(kind, id)) {
                    found.docs.push((e, score_body(rank)));
                }
            }
        }
        let wrong_char = sounds.filter(|w| w.len() >= 3);
        let mut r = self.collect(found.clone(), 0, limit);
        if let Some(want) = wrong_char.filter(|_| r.total < FEW) {
            // One character wrong, the others the same or read alike.
            for u in 0..self.fields.len() as u32 {
                let seq = self.fields.field(u).seq;
                if let Some(j) = find_run(seq, &want, 1) {
                    if let Some(s) = score_wrong_char(self.fields.class(u), j) {
                        found.push(u, s);
                    }
                }
            }
            r = self.collect(found, 0, limit);
        }
        r.matched.clear();
        r.forgiven = forgiven(&r.hits);
        r
    }

    /// For each character of Chinese query `q` that letters can match, which spelling sets
    /// share a reading with it (by set id); None when a Han character of it has no reading.
    fn sounds(&self, q: &str) -> Option<Vec<Vec<bool>>> {
        let sets = &self.fields.sets;
        let mut want = Vec::new();
        for c in q.chars() {
            let Some(sp) = super::pinyin::spellings(c) else {
                if is_han(c) {
                    return None;
                }
                continue;
            };
            want.push(
                sets.iter()
                    .map(|s| s.exact.iter().any(|r| sp.exact.contains(r)))
                    .collect(),
            );
        }
        (!want.is_empty()).then_some(want)
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
                    step: Step::of_score(score),
                }
            })
            .collect();
        Results {
            hits,
            total: tally.total(),
            next,
            matched: found.fields,
            frontier: Frontier::default(),
            forgiven: None,
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

/// Whether typed query `q`, answered by `r`, gets the slip step.
fn wants_slip(q: &[u8], r: &Results) -> bool {
    (SLIP_MIN_KEYS..=MAX_SPELLED).contains(&q.len()) && r.total < FEW
}

/// The queries one slip at key i of `q` away (the keys before i as typed): key i deleted,
/// swapped with the next, replaced or preceded by another key. Only keys in `next` (those that
/// extend the first i keys somewhere) are tried at i.
fn slip_variants(q: &[u8], i: usize, next: u64) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut push = |v: Vec<u8>| {
        if v.as_slice() != q && v.len() > i && !out.contains(&v) {
            out.push(v);
        }
    };
    let leads = |c: u8| next & key_bit(c) != 0;
    if q.get(i + 1).is_some_and(|&c| leads(c)) {
        push([&q[..i], &q[i + 1..]].concat());
        if q[i] != q[i + 1] {
            push([&q[..i], &[q[i + 1], q[i]], &q[i + 2..]].concat());
        }
    }
    for c in (b'a'..=b'z').chain(b'0'..=b'9').filter(|&c| leads(c)) {
        if c != q[i] {
            push([&q[..i], &[c], &q[i + 1..]].concat());
        }
        push([&q[..i], &[c], &q[i..]].concat());
    }
    out
}

/// Where in `seq` the characters of `want` follow one another, at most `wrong` of them
/// differing: the first such place.
fn find_run(seq: &[SetId], want: &[Vec<bool>], wrong: usize) -> Option<usize> {
    let n = want.len();
    if seq.len() < n {
        return None;
    }
    (0..=seq.len() - n).find(|&j| {
        let mut misses = 0;
        want.iter().zip(&seq[j..]).all(|(w, &id)| {
            misses += usize::from(!w[id as usize]);
            misses <= wrong
        })
    })
}

/// The step of the best-ranked hit not found exactly.
fn forgiven(hits: &[Hit]) -> Option<Step> {
    hits.iter().map(|h| h.step).find(|s| !s.is_exact())
}

/// An exact Chinese match at character `pos`; for a one-character query every position after
/// the first is alike.
fn score_chinese(class: Class, pos: usize, whole: bool, one_char: bool) -> i32 {
    match class {
        Class::Title if whole => 1000,
        Class::Title if pos == 0 => 900,
        Class::Title if one_char => 800,
        Class::Title => 800 - pos.min(100) as i32,
        Class::Code => 550,
        Class::Keyword if whole => 520,
        Class::Keyword => 500,
    }
}

/// Body text found by SQLite, `rank`-th best.
fn score_body(rank: usize) -> i32 {
    200 - rank.min(100) as i32
}

fn score_same_sound(class: Class, pos: usize, whole: bool) -> Option<i32> {
    Some(match class {
        Class::Title if pos == 0 && whole => 470,
        Class::Title if pos == 0 => 460,
        Class::Title => 450 - pos.min(30) as i32,
        Class::Keyword => 415,
        Class::Code => return None,
    })
}

fn score_wrong_char(class: Class, pos: usize) -> Option<i32> {
    Some(match class {
        Class::Title if pos == 0 => 240,
        Class::Title => 235 - pos.min(20) as i32,
        Class::Keyword => 210,
        Class::Code => return None,
    })
}

/// A slip's match counts when the corrected query reads exactly (one slip, not a slip and a
/// confusion).
fn score_slip(class: Class, f: Found) -> Option<i32> {
    if !f.exact {
        return None;
    }
    Some(match class {
        Class::Title if f.start == 0 => 290,
        Class::Title => 280 - f.start.min(20) as i32,
        Class::Keyword => 250,
        Class::Code => return None,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every score an exact match can get, in every class and position.
    fn exact_scores() -> Vec<i32> {
        let classes = [Class::Title, Class::Keyword, Class::Code];
        let mut all = Vec::new();
        for class in classes {
            for pos in 0..300 {
                for flag in [false, true] {
                    all.push(score_chinese(class, pos, flag, false));
                    all.push(score_chinese(class, pos, flag, true));
                    for full in [false, true] {
                        let f = Found {
                            start: pos,
                            exact: flag,
                            full,
                        };
                        all.extend(score_spelled(class, f));
                    }
                }
            }
        }
        all.extend((0..300).map(score_body));
        all
    }

    #[test]
    fn forgiving_bands_never_meet_exact_scores() {
        for s in exact_scores() {
            assert_eq!(Step::of_score(s), Step::Exact, "{s}");
        }
        let classes = [Class::Title, Class::Keyword];
        for class in classes {
            for pos in 0..300 {
                for whole in [false, true] {
                    let s = score_same_sound(class, pos, whole).unwrap();
                    assert_eq!(Step::of_score(s), Step::SameSound, "{s}");
                }
                let s = score_wrong_char(class, pos).unwrap();
                assert_eq!(Step::of_score(s), Step::WrongChar, "{s}");
                for full in [false, true] {
                    let f = Found {
                        start: pos,
                        exact: true,
                        full,
                    };
                    let s = score_slip(class, f).unwrap();
                    assert_eq!(Step::of_score(s), Step::Slip, "{s}");
                }
            }
        }
        // Each forgiving band lies below every exact score of its own kind of query: same
        // sound below exact Chinese field matches, slips below fuzzy pinyin.
        assert!(470 < score_chinese(Class::Keyword, 9, false, false));
        let fuzzy_lowest = score_spelled(
            Class::Title,
            Found {
                start: 300,
                exact: false,
                full: false,
            },
        );
        assert!(Some(290) < fuzzy_lowest);
    }

    #[test]
    fn slip_variants_cover_swap_missing_extra_and_wrong() {
        let all = u64::MAX;
        let v = slip_variants(b"hukoubne", 6, all);
        for want in [&b"hukouben"[..], b"hukoube", b"hukoubnne", b"hukoubse"] {
            assert!(
                v.iter().any(|x| x == want),
                "{}",
                String::from_utf8_lossy(want)
            );
        }
        // Only keys leading somewhere are tried, and never the query itself.
        let v = slip_variants(b"abcd", 1, key_bit(b'x'));
        assert!(v.iter().all(|x| x[1] == b'x' && x != b"abcd"), "{v:?}");
        assert!(!v.is_empty());
    }

    #[test]
    fn runs_allow_the_asked_number_of_wrong_characters() {
        let want = vec![vec![true, false, false], vec![false, true, false]];
        assert_eq!(find_run(&[2, 0, 1], &want, 0), Some(1));
        assert_eq!(find_run(&[2, 2, 1], &want, 0), None);
        assert_eq!(find_run(&[2, 2, 1], &want, 1), Some(1));
        assert_eq!(find_run(&[0], &want, 1), None);
    }
}
