//! The bundled sample county (青禾县, fictional) and generated counties for benchmarks.

use crate::model::Content;
use crate::source::{self, SourceFile};

/// data/sample as packed by build.rs: (u32 LE path length, path, u32 LE length, bytes) for
/// each file, zstd-compressed.
static SAMPLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/sample.bin.zst"));

/// The sample county's source files, as embedded in the binary.
pub fn sample_files() -> Vec<SourceFile> {
    let raw = zstd::bulk::decompress(SAMPLE, 64 << 20).expect("the embedded sample county unpacks");
    // One length-prefixed field at `at`: its bytes and where the next one starts.
    let field = |at: usize| -> (&[u8], usize) {
        let len = u32::from_le_bytes(raw[at..at + 4].try_into().expect("4 bytes")) as usize;
        (&raw[at + 4..at + 4 + len], at + 4 + len)
    };
    let mut files = Vec::new();
    let mut at = 0;
    while at < raw.len() {
        let (path, next) = field(at);
        let (bytes, next) = field(next);
        files.push(SourceFile {
            path: String::from_utf8(path.to_vec()).expect("a UTF-8 path"),
            bytes: bytes.to_vec(),
        });
        at = next;
    }
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

#[cfg(test)]
mod packing_tests {
    /// What is embedded is exactly data/sample: every file, byte for byte, nothing else.
    #[test]
    fn the_embedded_sample_is_the_folder() {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else {
                    let rel = path
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    out.push((rel, std::fs::read(&path).unwrap()));
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
        let mut on_disk = Vec::new();
        walk(&root, &root, &mut on_disk);
        on_disk.sort();
        let mut embedded: Vec<(String, Vec<u8>)> = super::sample_files()
            .into_iter()
            .map(|f| (f.path, f.bytes))
            .collect();
        embedded.sort();
        assert!(embedded.len() > 50, "{}", embedded.len());
        assert_eq!(embedded, on_disk);
    }
}
