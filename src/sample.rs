//! The bundled sample county (青禾县, fictional) and generated counties for benchmarks.

use include_dir::{include_dir, Dir};

use crate::model::Content;
use crate::source::{self, SourceFile};

static SAMPLE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/data/sample");

fn walk(dir: &Dir<'static>, out: &mut Vec<SourceFile>) {
    for f in dir.files() {
        out.push(SourceFile {
            path: f.path().to_string_lossy().replace('\\', "/"),
            bytes: f.contents().to_vec(),
        });
    }
    for d in dir.dirs() {
        walk(d, out);
    }
}

/// The sample county's source files, as embedded in the binary.
pub fn sample_files() -> Vec<SourceFile> {
    let mut files = Vec::new();
    walk(&SAMPLE, &mut files);
    files
}

/// The sample county, validated. It is checked by the test suite, so this cannot fail in a
/// released binary.
pub fn sample() -> Content {
    source::load_files(sample_files())
        .unwrap_or_else(|e| panic!("the embedded sample county is invalid:\n{e}"))
}

/// The id and title of the `round`-th copy of a sample document in a generated county (round 0
/// is the original).
pub fn numbered(id: &str, title: &str, round: usize) -> (String, String) {
    if round == 0 {
        (id.to_string(), title.to_string())
    } else {
        (
            format!("{id}-g{round}"),
            format!("{title}（{}）", round + 1),
        )
    }
}

/// A county with `items` service items and proportionally many notices, made by repeating the
/// sample's items with new ids (for benchmarks of large counties).
pub fn generated(items: usize) -> Content {
    let base = sample();
    let mut c = base.clone();
    c.items.clear();
    c.notices.clear();
    for i in 0..items {
        let mut it = base.items[i % base.items.len()].clone();
        let round = i / base.items.len();
        if round > 0 {
            (it.id, it.name) = numbered(&it.id, &it.name, round);
            it.code = format!("{}-g{round}", it.code);
            it.popularity = (it.popularity - round as i64).max(0);
        }
        c.items.push(it);
    }
    let notices = (items / 10).max(base.notices.len());
    for i in 0..notices {
        let mut n = base.notices[i % base.notices.len()].clone();
        let round = i / base.notices.len();
        if round > 0 {
            n.id = numbered(&n.id, "", round).0;
        }
        c.notices.push(n);
    }
    c
}
