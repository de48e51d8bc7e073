//! Matching typed keys against one field, kept between keystrokes: the partial matches
//! ("paths") of a query are its frontier, and the next key extends them instead of matching
//! the whole field again.
//!
//! A path reads the keys typed so far in a field: it starts at some character, and each
//! character consumes a non-empty prefix of one of its spellings. A path ends inside a spelling
//! (`typed` letters of it); the next key either continues that spelling or starts a spelling of
//! the following character.

use super::index::{key_bit, key_index};
use super::pinyin::Spellings;

/// A character's spelling set in a `SpellingTable`. Characters with the same spellings share a
/// set: every Han character has one of about 5,200 (a test checks they fit).
pub type SetId = u16;

/// Every distinct character's spellings as a small trie per character (one path covers all
/// spellings sharing the letters typed: 身 "s" is one path for shen, sen, sheng, seng).
#[derive(Debug, Default)]
pub struct SpellingTable {
    /// Per character (set id): key bits of the first letters of its exact spellings.
    first_exact: Vec<u64>,
    /// Key bits of the first letters of all its spellings.
    first_all: Vec<u64>,
    /// Its trie's root in `nodes`.
    roots: Vec<u32>,
    /// The root's child for each key (by `key_index`; 0 where there is none).
    first_children: Vec<[u8; 36]>,
    nodes: Vec<Node>,
}

/// One character's trie: the index of its root in `SpellingTable::nodes`.
#[derive(Debug, Clone, Copy)]
struct Set {
    root: u32,
}

/// A prefix of one or more spellings of a character. A set's nodes are laid out breadth first,
/// so a node's children are consecutive; `Path::node` counts from the set's root.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Key bits of the letters that continue an exact spelling / any spelling.
    next_exact: u64,
    next_all: u64,
    /// Index of the first child (from the root) and how many there are.
    children: u8,
    child_count: u8,
    letter: u8,
    depth: u8,
    /// An exact spelling starts with this prefix.
    exact: bool,
    /// An exact spelling is exactly this prefix (typed in full).
    ends_exact: bool,
}

impl Node {
    fn next(&self, fuzzy: bool) -> u64 {
        if fuzzy {
            self.next_all
        } else {
            self.next_exact
        }
    }
}

/// Nodes per character: a character's spellings have fewer letters in all (a test checks
/// every character).
const MAX_NODES: usize = 256;

/// One field as the matcher sees it: the spelling-set ids of its characters that letters can
/// match, and whether fuzzy spellings count (not in notice codes).
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    pub seq: &'a [SetId],
    pub fuzzy: bool,
}

/// One partial match. Paths with the same start, character and trie node are merged (their
/// flags or-ed: a later key treats them alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Path {
    /// The character the last key was read in.
    at: u32,
    /// The first character, saturated at 255 (scores only tell positions up to 50 apart).
    start: u8,
    /// The letters typed in character `at`: a node of its trie.
    node: u8,
    flags: u8,
}

/// Every character before `at` was read with an exact spelling.
const EXACT_BEFORE: u8 = 1;
/// And typed as its complete spelling.
const FULL_BEFORE: u8 = 2;

/// What reading a query in one field found: the best match (None when there is none) and
/// the keys that would extend one of its paths.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub best: Option<Found>,
    pub next: u64,
}

impl Outcome {
    fn add(&mut self, (found, next): (Found, u64)) {
        self.next |= next;
        if self.best.is_none_or(|b| found.better_than(&b)) {
            self.best = Some(found);
        }
    }
}

/// How the best match of a spelled query in one field looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub exact: bool,
    /// Exact, and every syllable typed in full (the last one with at least two letters).
    pub full: bool,
}

impl Found {
    pub fn better_than(&self, other: &Found) -> bool {
        let key = |f: &Found| (f.exact, f.start == 0, f.full, std::cmp::Reverse(f.start));
        key(self) > key(other)
    }
}

impl SpellingTable {
    /// Adds a character's spellings and returns the set's id, None when the table is full.
    pub fn add(&mut self, s: &Spellings) -> Option<SetId> {
        let id = SetId::try_from(self.roots.len()).ok()?;
        // The trie, built with child lists, then laid out breadth first.
        struct Draft {
            letter: u8,
            depth: u8,
            exact: bool,
            ends_exact: bool,
            children: Vec<usize>,
        }
        let mut draft = vec![Draft {
            letter: 0,
            depth: 0,
            exact: true,
            ends_exact: false,
            children: Vec::new(),
        }];
        let spellings = s
            .exact
            .iter()
            .map(|r| (r, true))
            .chain(s.fuzzy.iter().map(|r| (r, false)));
        for (r, exact) in spellings {
            let mut n = 0;
            // Letters that are not keys cannot be typed: the spelling is usable up to there.
            let typable = r.iter().take_while(|&&c| key_bit(c) != 0).count();
            for &c in &r[..typable] {
                n = match draft[n]
                    .children
                    .iter()
                    .copied()
                    .find(|&ch| draft[ch].letter == c)
                {
                    Some(ch) => ch,
                    None => {
                        let depth = draft[n].depth.saturating_add(1);
                        draft.push(Draft {
                            letter: c,
                            depth,
                            exact: false,
                            ends_exact: false,
                            children: Vec::new(),
                        });
                        let ch = draft.len() - 1;
                        draft[n].children.push(ch);
                        ch
                    }
                };
                draft[n].exact |= exact;
            }
            draft[n].ends_exact |= exact && typable == r.len();
        }
        let mut order = vec![0usize];
        let mut i = 0;
        while i < order.len() {
            order.extend(draft[order[i]].children.iter().copied());
            i += 1;
        }
        order.truncate(MAX_NODES);
        let mut place = vec![usize::MAX; draft.len()];
        for (at, &d) in order.iter().enumerate() {
            place[d] = at;
        }
        let root = self.nodes.len() as u32;
        for &d in &order {
            let n = &draft[d];
            let kids: Vec<&Draft> = n
                .children
                .iter()
                .filter(|&&c| place[c] != usize::MAX)
                .map(|&c| &draft[c])
                .collect();
            let bits = |exact_only: bool| {
                kids.iter()
                    .filter(|k| k.exact || !exact_only)
                    .fold(0u64, |m, k| m | key_bit(k.letter))
            };
            self.nodes.push(Node {
                next_exact: bits(true),
                next_all: bits(false),
                children: n
                    .children
                    .first()
                    .map_or(0, |&c| place[c].min(u8::MAX as usize)) as u8,
                child_count: kids.len() as u8,
                letter: n.letter,
                depth: n.depth,
                exact: n.exact,
                ends_exact: n.ends_exact,
            });
        }
        let first = self.nodes[root as usize];
        let mut children = [0u8; 36];
        for c in first.children..first.children + first.child_count {
            let letter = self.nodes[root as usize + c as usize].letter;
            children[key_index(letter).min(35)] = c;
        }
        self.first_children.push(children);
        self.first_exact.push(first.next_exact);
        self.first_all.push(first.next_all);
        self.roots.push(root);
        Some(id)
    }

    fn set(&self, f: Field, at: u32) -> Set {
        Set {
            root: self.roots[f.seq[at as usize] as usize],
        }
    }

    /// Key bits of the first letters of each character's usable spellings, by set id.
    fn firsts(&self, fuzzy: bool) -> &[u64] {
        if fuzzy {
            &self.first_all
        } else {
            &self.first_exact
        }
    }

    fn node(&self, set: Set, n: u8) -> Node {
        self.nodes[set.root as usize + n as usize]
    }

    /// The child of node `n` reached by `key` (key bit `bit`), if a usable spelling
    /// continues with it.
    fn child(&self, set: Set, n: &Node, key: u8, bit: u64, fuzzy: bool) -> Option<u8> {
        if n.next(fuzzy) & bit == 0 {
            return None;
        }
        (n.children..n.children + n.child_count).find(|&c| self.node(set, c).letter == key)
    }

    /// The child of character `id`'s root for `key` (key bit `bit`), if a usable spelling
    /// starts with it.
    fn first_child(&self, id: SetId, key: u8, bit: u64, fuzzy: bool) -> Option<u8> {
        if self.firsts(fuzzy)[id as usize] & bit == 0 {
            return None;
        }
        Some(self.first_children[id as usize][key_index(key)])
    }

    /// Pushes the paths reading `key` alone: one per character with a usable spelling that
    /// starts with it.
    pub fn seed(&self, f: Field, key: u8, out: &mut Vec<Path>) {
        let bit = key_bit(key);
        let firsts = self.firsts(f.fuzzy);
        for (j, &id) in f.seq.iter().enumerate() {
            if firsts[id as usize] & bit == 0 {
                continue;
            }
            self.seed_at(f, j, key, out);
        }
    }

    /// Pushes the path reading `key` alone in character j, if a usable spelling starts with it.
    fn seed_at(&self, f: Field, j: usize, key: u8, out: &mut Vec<Path>) {
        out.extend(self.seed_path(f, j, key));
    }

    /// The path reading `key` alone in character j, if a usable spelling starts with it.
    fn seed_path(&self, f: Field, j: usize, key: u8) -> Option<Path> {
        let node = self.first_child(f.seq[j], key, key_bit(key), f.fuzzy)?;
        Some(Path {
            at: j as u32,
            start: j.min(255) as u8,
            node,
            flags: EXACT_BEFORE | FULL_BEFORE,
        })
    }

    /// Pushes the paths reading any one key: every usable first letter of every character.
    pub fn seed_all(&self, f: Field, out: &mut Vec<Path>) {
        for (j, &id) in f.seq.iter().enumerate() {
            let set = Set {
                root: self.roots[id as usize],
            };
            let root = self.node(set, 0);
            for node in root.children..root.children + root.child_count {
                if f.fuzzy || self.node(set, node).exact {
                    out.push(Path {
                        at: j as u32,
                        start: j.min(255) as u8,
                        node,
                        flags: EXACT_BEFORE | FULL_BEFORE,
                    });
                }
            }
        }
    }

    /// Pushes the paths that read `key` after one of `paths`, and tells how the best of them
    /// looks and which keys would extend them.
    pub fn extend(
        &self,
        f: Field,
        paths: impl IntoIterator<Item = Path>,
        key: u8,
        out: &mut Vec<Path>,
    ) -> Outcome {
        let base = out.len();
        let bit = key_bit(key);
        let firsts = self.firsts(f.fuzzy);
        // Key bits of the first letters of character j, none past the end.
        let firsts_at = |j: usize| f.seq.get(j).map_or(0, |&id| firsts[id as usize]);
        let mut outcome = Outcome::default();
        for p in paths {
            let set = self.set(f, p.at);
            let node = self.node(set, p.node);
            let following = firsts_at(p.at as usize + 1);
            if let Some(child) = self.child(set, &node, key, bit, f.fuzzy) {
                let new = Path { node: child, ..p };
                outcome.add(self.end_with(self.node(set, child), &new, following, f.fuzzy));
                out.push(new);
            }
            if following & bit == 0 {
                continue;
            }
            let next = self.set(f, p.at + 1);
            let Some(child) = self.first_child(f.seq[p.at as usize + 1], key, bit, f.fuzzy) else {
                continue;
            };
            let mut flags = 0;
            if node.exact && p.flags & EXACT_BEFORE != 0 {
                flags |= EXACT_BEFORE;
            }
            if node.ends_exact && p.flags & FULL_BEFORE != 0 {
                flags |= FULL_BEFORE;
            }
            let mut new = Path {
                at: p.at + 1,
                start: p.start,
                node: child,
                flags,
            };
            let same = |q: &&mut Path| (q.at, q.start, q.node) == (new.at, new.start, new.node);
            match out[base..].iter_mut().find(same) {
                Some(q) => {
                    q.flags |= flags;
                    new = *q;
                }
                None => out.push(new),
            }
            // A merged path only gains flags, so it is at least as good as it was.
            outcome.add(self.end_with(
                self.node(next, child),
                &new,
                firsts_at(p.at as usize + 2),
                f.fuzzy,
            ));
        }
        outcome
    }

    /// The first letter `p` read (the key of a one-key path).
    pub fn first_letter(&self, f: Field, p: &Path) -> u8 {
        self.node(self.set(f, p.at), p.node).letter
    }

    /// How the match along `p` looks, and the keys that would extend it.
    pub fn end(&self, f: Field, p: &Path) -> (Found, u64) {
        let following = f
            .seq
            .get(p.at as usize + 1)
            .map_or(0, |&n| self.firsts(f.fuzzy)[n as usize]);
        self.end_with(self.node(self.set(f, p.at), p.node), p, following, f.fuzzy)
    }

    /// `end` for path `p` at `node`, when the next character's first letters are `following`.
    fn end_with(&self, node: Node, p: &Path, following: u64, fuzzy: bool) -> (Found, u64) {
        let exact = node.exact && p.flags & EXACT_BEFORE != 0;
        let found = Found {
            start: p.start as usize,
            exact,
            full: exact && p.flags & FULL_BEFORE != 0 && (node.ends_exact || node.depth >= 2),
        };
        (found, node.next(fuzzy) | following)
    }

    /// The best match among `paths` (None when there is none) and the keys that would extend
    /// one of them.
    pub fn finish(&self, f: Field, paths: &[Path]) -> Outcome {
        let mut outcome = Outcome::default();
        for p in paths {
            outcome.add(self.end(f, p));
        }
        outcome
    }

    /// Reads all of `q` in a field from scratch, pushing the paths to `out`.
    pub fn read(
        &self,
        f: Field,
        q: &[u8],
        out: &mut Vec<Path>,
        scratch: &mut [Vec<Path>; 2],
    ) -> Outcome {
        let Some((&last, before)) = q.split_last() else {
            return Outcome::default();
        };
        let [paths, longer] = scratch;
        paths.clear();
        match before.split_first() {
            None => {
                let base = out.len();
                self.seed(f, last, out);
                return self.finish(f, &out[base..]);
            }
            Some((&first, middle)) => {
                self.seed(f, first, paths);
                for &key in middle {
                    longer.clear();
                    self.extend(f, paths.iter().copied(), key, longer);
                    std::mem::swap(paths, longer);
                }
            }
        }
        self.extend(f, paths.iter().copied(), last, out)
    }
}

/// The paths of every matched field of one query, in the order of `Results::matched`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    /// The keys the paths read.
    query: Vec<u8>,
    /// `paths[ends[i - 1]..ends[i]]` belong to the i-th matched field.
    ends: Vec<u32>,
    paths: Vec<Path>,
    /// Instead of `ends` and `paths` for one key (kept for every key, so in short): per field,
    /// how many characters the key is read in (or `FROM_SCRATCH`), and those characters.
    seed_counts: Vec<u8>,
    seed_at: Vec<u8>,
}

/// A field whose one-key paths are not noted (too many, or too far into the field).
const FROM_SCRATCH: u8 = u8::MAX;

/// Where `Frontier::extend_next` is in a frontier.
#[derive(Debug, Default)]
pub struct Cursor {
    field: usize,
    seed: usize,
    scratch: Vec<Path>,
}

impl Frontier {
    pub fn new(query: &[u8]) -> Frontier {
        Frontier {
            query: query.to_vec(),
            ..Frontier::default()
        }
    }

    /// Whether this holds the paths of `query` for every matched field.
    pub fn reads(&self, query: &[u8], fields: usize) -> bool {
        self.query == query && fields == self.ends.len().max(self.seed_counts.len())
    }

    /// Notes the paths of the next field, all reading the single key of this frontier.
    pub fn note_seeds(&mut self, paths: &[Path]) {
        if paths.len() < FROM_SCRATCH as usize && paths.iter().all(|p| p.at < u8::MAX as u32) {
            self.seed_counts.push(paths.len() as u8);
            self.seed_at.extend(paths.iter().map(|p| p.at as u8));
        } else {
            self.seed_counts.push(FROM_SCRATCH);
        }
    }

    /// Pushes the paths that read `key` after the paths of the next field (field `f`, matched
    /// after the field of the previous call).
    pub fn extend_next(
        &self,
        cursor: &mut Cursor,
        table: &SpellingTable,
        f: Field,
        key: u8,
        out: &mut Vec<Path>,
    ) -> Outcome {
        let i = cursor.field;
        cursor.field += 1;
        if self.seed_counts.is_empty() {
            return table.extend(f, self.paths(i).iter().copied(), key, out);
        }
        let first = self.query[0];
        match self.seed_counts[i] {
            FROM_SCRATCH => {
                cursor.scratch.clear();
                table.seed(f, first, &mut cursor.scratch);
                table.extend(f, cursor.scratch.iter().copied(), key, out)
            }
            n => {
                let at = &self.seed_at[cursor.seed..cursor.seed + n as usize];
                cursor.seed += n as usize;
                table.extend(
                    f,
                    at.iter()
                        .filter_map(|&j| table.seed_path(f, j as usize, first)),
                    key,
                    out,
                )
            }
        }
    }

    /// A cursor at the i-th matched field: `extend_next` goes on from there.
    pub fn cursor_at(&self, i: usize) -> Cursor {
        let seeds = self.seed_counts.get(..i).unwrap_or_default();
        let seed = seeds
            .iter()
            .filter(|&&n| n != FROM_SCRATCH)
            .map(|&n| n as usize)
            .sum();
        Cursor {
            field: i,
            seed,
            scratch: Vec::new(),
        }
    }

    /// Appends the fields of `other`, a frontier of the same query with its paths (not one-key
    /// notes), after those of this one.
    pub fn append(&mut self, other: &Frontier) {
        debug_assert!(
            self.query == other.query
                && self.seed_counts.is_empty()
                && other.seed_counts.is_empty()
        );
        let base = self.paths.len() as u32;
        self.ends.extend(other.ends.iter().map(|&e| base + e));
        self.paths.extend_from_slice(&other.paths);
    }

    /// How many paths there are in all.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The paths of the i-th matched field.
    pub fn paths(&self, i: usize) -> &[Path] {
        let from = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.paths[from..self.ends[i] as usize]
    }

    /// Makes room for about this many fields and paths.
    pub fn reserve(&mut self, fields: usize, paths: usize) {
        self.ends.reserve(fields);
        self.paths.reserve(paths);
    }

    /// Gives back unused room.
    pub fn shrink(&mut self) {
        self.ends.shrink_to_fit();
        self.paths.shrink_to_fit();
    }

    /// Where the next field's paths go: push them, then call `close`.
    pub fn open(&mut self) -> &mut Vec<Path> {
        &mut self.paths
    }

    /// Ends the current field (its paths pushed since the last `close`).
    pub fn close(&mut self) {
        self.ends.push(self.paths.len() as u32);
    }

    /// Drops the paths pushed since the last `close` (the field did not match).
    pub fn discard(&mut self) {
        let end = self.ends.last().copied().unwrap_or(0) as usize;
        self.paths.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::pinyin::spellings;

    /// The matcher before frontiers (kept as the reference): every start, bit sets of
    /// positions consumed.
    fn reference(q: &[u8], seq: &[Spellings], fuzzy: bool) -> (Option<Found>, u64) {
        let n = q.len();
        let mut best: Option<Found> = None;
        let mut next = 0u64;
        let firsts = |s: &Spellings| if fuzzy { s.first_all } else { s.first_exact };
        for start in 0..seq.len() {
            let (mut any, mut exact, mut full) = (1u64, 1u64, 1u64);
            for j in start..seq.len() {
                let set = &seq[j];
                let (mut n_any, mut n_exact, mut n_full) = (0u64, 0u64, 0u64);
                let fuzzy_count = if fuzzy { set.fuzzy.len() } else { 0 };
                let spellings = set
                    .exact
                    .iter()
                    .map(|r| (r, true))
                    .chain(set.fuzzy[..fuzzy_count].iter().map(|r| (r, false)));
                for (r, is_exact) in spellings {
                    for pos in (0..n).filter(|p| any & (1 << p) != 0) {
                        let l = q[pos..]
                            .iter()
                            .zip(r.iter())
                            .take_while(|(a, b)| a == b)
                            .count();
                        for len in 1..=l {
                            let np = pos + len;
                            let ex = is_exact && exact & (1 << pos) != 0;
                            let complete = len == r.len();
                            if np == n {
                                let found = Found {
                                    start,
                                    exact: ex,
                                    full: ex && full & (1 << pos) != 0 && (complete || len >= 2),
                                };
                                if best.is_none_or(|b| found.better_than(&b)) {
                                    best = Some(found);
                                }
                                if !complete {
                                    next |= key_bit(r[len]);
                                }
                                if let Some(following) = seq.get(j + 1) {
                                    next |= firsts(following);
                                }
                            } else {
                                n_any |= 1 << np;
                                if ex {
                                    n_exact |= 1 << np;
                                    if full & (1 << pos) != 0 && complete {
                                        n_full |= 1 << np;
                                    }
                                }
                            }
                        }
                    }
                }
                (any, exact, full) = (n_any, n_exact, n_full);
                if any == 0 {
                    break;
                }
            }
        }
        (best, next)
    }

    fn field_of(text: &str, table: &mut SpellingTable) -> (Vec<SetId>, Vec<Spellings>) {
        let sets: Vec<Spellings> = text.chars().filter_map(spellings).collect();
        let ids = sets.iter().map(|s| table.add(s).unwrap()).collect();
        (ids, sets)
    }

    /// Fields with polyphonic characters, fuzzy pairs, repeats, digits and letters.
    const FIELDS: &[&str] = &[
        "居民身份证换领",
        "生育登记（准生证）",
        "城乡居民养老保险参保登记",
        "长城银行行长",
        "绿色女士旅游",
        "2026-00031青政办发",
        "申请什么审批事项",
        "证证证证",
        "aaa111",
        "农村宅基地和建房（规划许可）审批",
    ];

    fn random_queries(count: usize) -> Vec<Vec<u8>> {
        let mut rnd = crate::search::test_random(0x9e37_79b9_7f4a_7c15);
        let common = b"shzngaeiu";
        let all = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..count)
            .map(|_| {
                let len = 1 + rnd(9) as usize;
                (0..len)
                    .map(|_| {
                        if rnd(10) < 7 {
                            common[rnd(common.len() as u64) as usize]
                        } else {
                            all[rnd(all.len() as u64) as usize]
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Queries that really occur in the fields: spellings of consecutive characters, cut short.
    fn spelled_queries(sets: &[Spellings]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for start in 0..sets.len() {
            let mut q = Vec::new();
            for (k, s) in sets[start..].iter().take(4).enumerate() {
                let r = if k % 2 == 0 {
                    &s.exact[0][..]
                } else {
                    s.fuzzy.first().unwrap_or(&s.exact[0])
                };
                q.extend_from_slice(&r[..if k == 1 { 1 } else { r.len() }]);
                out.push(q.clone());
            }
        }
        out
    }

    #[test]
    fn reading_key_by_key_equals_the_reference_matcher() {
        let mut table = SpellingTable::default();
        let mut checked = 0;
        for text in FIELDS {
            let (ids, sets) = field_of(text, &mut table);
            let mut queries = random_queries(400);
            queries.extend(spelled_queries(&sets));
            for fuzzy in [true, false] {
                let f = Field { seq: &ids, fuzzy };
                for q in &queries {
                    // From scratch, and one key at a time from the previous frontier.
                    let (mut fresh, mut scratch, mut typed) =
                        (Vec::new(), Default::default(), Vec::new());
                    for n in 1..=q.len() {
                        fresh.clear();
                        table.read(f, &q[..n], &mut fresh, &mut scratch);
                        if n == 1 {
                            table.seed(f, q[0], &mut typed);
                        } else {
                            let mut longer = Vec::new();
                            let outcome =
                                table.extend(f, typed.iter().copied(), q[n - 1], &mut longer);
                            assert_eq!(outcome, table.finish(f, &longer));
                            typed = longer;
                        }
                        let expected = reference(&q[..n], &sets, fuzzy);
                        let Outcome { best: found, next } = table.finish(f, &fresh);
                        let expected_found = expected.0.map(|b| Found {
                            start: b.start.min(255),
                            ..b
                        });
                        assert_eq!(
                            (found, next),
                            (expected_found, expected.1),
                            "{text} {:?} fuzzy {fuzzy}",
                            String::from_utf8_lossy(&q[..n])
                        );
                        assert_eq!(table.finish(f, &typed), Outcome { best: found, next });
                        checked += usize::from(found.is_some());
                    }
                }
            }
        }
        assert!(checked > 1000, "only {checked} matches checked");
    }

    #[test]
    fn every_characters_spellings_fit_the_table() {
        let mut distinct = std::collections::HashSet::new();
        let han = ('\u{3400}'..='\u{4DBF}')
            .chain('\u{4E00}'..='\u{9FFF}')
            .chain('\u{F900}'..='\u{FAFF}')
            .chain('\u{20000}'..='\u{3134F}');
        for c in han {
            if let Some(s) = spellings(c) {
                let letters: usize = s.exact.iter().chain(&s.fuzzy).map(|r| r.len()).sum();
                assert!(letters < MAX_NODES, "{c}");
                distinct.insert(s);
            }
        }
        // Sets for every Han character and every letter and digit, with room to spare.
        assert!(
            distinct.len() + 36 < SetId::MAX as usize / 4,
            "{}",
            distinct.len()
        );
    }

    #[test]
    fn merged_paths_stay_few() {
        let mut table = SpellingTable::default();
        let (ids, _) = field_of(&"证".repeat(40), &mut table);
        let f = Field {
            seq: &ids,
            fuzzy: true,
        };
        let mut paths = Vec::new();
        table.read(f, b"zhengzhengzheng", &mut paths, &mut Default::default());
        // One path per start that can still be read and letters typed in the last character.
        assert!(
            !paths.is_empty() && paths.len() <= 40 * 3,
            "{}",
            paths.len()
        );
    }

    #[test]
    fn noted_one_key_paths_extend_like_fresh_ones() {
        let mut table = SpellingTable::default();
        // Short, and too long to note (characters past 255): both must extend alike.
        let (short, _) = field_of("身份证社保卡", &mut table);
        let (long, _) = field_of(&format!("{}身份证", "办".repeat(300)), &mut table);
        let fields = [
            Field {
                seq: &short,
                fuzzy: true,
            },
            Field {
                seq: &long,
                fuzzy: true,
            },
        ];
        let mut frontier = Frontier::new(b"s");
        for f in fields {
            let mut paths = Vec::new();
            table.seed(f, b's', &mut paths);
            frontier.note_seeds(&paths);
        }
        assert_eq!(frontier.seed_counts[1], FROM_SCRATCH);
        let mut cursor = Cursor::default();
        for f in fields {
            let (mut noted, mut fresh) = (Vec::new(), Vec::new());
            let outcome = frontier.extend_next(&mut cursor, &table, f, b'h', &mut noted);
            assert_eq!(
                outcome,
                table.read(f, b"sh", &mut fresh, &mut Default::default())
            );
            assert_eq!(noted, fresh);
            assert!(outcome.best.is_some());
        }
    }

    #[test]
    fn frontier_keeps_each_fields_paths() {
        let mut table = SpellingTable::default();
        let (a, _) = field_of("身份证", &mut table);
        let (b, _) = field_of("社保卡", &mut table);
        let mut frontier = Frontier::new(b"s");
        for ids in [&a, &b] {
            table.seed(
                Field {
                    seq: ids,
                    fuzzy: true,
                },
                b's',
                frontier.open(),
            );
            frontier.close();
        }
        table.seed(
            Field {
                seq: &a,
                fuzzy: true,
            },
            b'q',
            frontier.open(),
        );
        frontier.discard();
        assert!(frontier.reads(b"s", 2) && !frontier.reads(b"sh", 2) && !frontier.reads(b"s", 3));
        assert!(!frontier.paths(0).is_empty() && !frontier.paths(1).is_empty());
        assert_eq!(
            frontier.paths.len(),
            frontier.paths(0).len() + frontier.paths(1).len()
        );
    }
}
