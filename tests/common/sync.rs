//! A county with keys and a repository in a temporary folder, for sync tests.

use std::path::{Path, PathBuf};

use banshi::model::Content;
use banshi::publish::{self, keys, Published};
use banshi::store::Store;
use banshi::sync::{Options, Source};

pub struct TestCounty {
    _dir: tempfile::TempDir,
    pub keys: PathBuf,
    pub repo: PathBuf,
}

impl TestCounty {
    pub fn new() -> TestCounty {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let repo = dir.path().join("repo");
        keys::keygen(
            &keys,
            &keys::KeygenOptions {
                root_expires_days: 3650,
                force: false,
            },
        )
        .unwrap();
        TestCounty {
            _dir: dir,
            keys,
            repo,
        }
    }

    pub fn publish(&self, content: &Content) -> Published {
        publish::publish_content(Some(content), &self.keys, &self.repo, 30).unwrap()
    }

    /// The version-1 trust anchor, as a kiosk installed it.
    pub fn trust(&self) -> Vec<u8> {
        std::fs::read(self.keys.join(keys::ROOTS_DIR).join("1.root.json")).unwrap()
    }

    pub fn serve(&self) -> banshi::serve::Serving {
        banshi::serve::start(&self.repo, "127.0.0.1:0").unwrap()
    }

    pub fn options(&self, served: &banshi::serve::Serving, data: &Path) -> Options {
        let source = Source::parse(&format!("http://{}/", served.addr)).unwrap();
        Options::new(source, data.to_path_buf(), Some(self.trust()))
    }

    /// A new kiosk that has synced the current version from the repository folder.
    pub fn synced_kiosk(&self) -> tempfile::TempDir {
        let kiosk = tempfile::tempdir().unwrap();
        let r = banshi::sync::run_once(&self.dir_options(kiosk.path()));
        assert_eq!(r.status, banshi::sync::Status::Updated, "{:?}", r.error);
        kiosk
    }

    /// A full import of `content` packed as the repository's next publish packs it (with the
    /// dictionary the repository keeps): what a kiosk that synced that version holds.
    pub fn import_as_published(&self, content: &Content) -> Store {
        let dictionary = publish::current_dictionary(&self.repo).unwrap();
        let packed = banshi::pack::pack_with(content, banshi::pack::FORMAT, dictionary);
        Store::in_memory_packed(content, &packed).unwrap()
    }

    pub fn dir_options(&self, data: &Path) -> Options {
        Options::new(
            Source::Dir(self.repo.clone()),
            data.to_path_buf(),
            Some(self.trust()),
        )
    }
}

/// What a resident would see of a version, in a comparable form.
pub fn fingerprint(c: &Content) -> String {
    let mut items: Vec<String> = c
        .items
        .iter()
        .map(|i| format!("{}|{}|{}|{}", i.id, i.name, i.consult_phone, i.summary))
        .collect();
    items.sort();
    let mut notices: Vec<String> = c
        .notices
        .iter()
        .map(|n| format!("{}|{}|{}", n.id, n.title, n.summary))
        .collect();
    notices.sort();
    format!("{}\n--\n{}", items.join("\n"), notices.join("\n"))
}

/// The same, read from a kiosk's database.
pub fn fingerprint_db(s: &Store) -> String {
    let rows = |sql: &str| -> Vec<String> {
        let mut st = s.conn().prepare(sql).unwrap();
        let v: Vec<String> = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        v
    };
    let mut items =
        rows("SELECT id || '|' || name || '|' || consult_phone || '|' || summary FROM item");
    items.sort();
    let mut notices = rows("SELECT id || '|' || title || '|' || summary FROM notice");
    notices.sort();
    format!("{}\n--\n{}", items.join("\n"), notices.join("\n"))
}

/// [`fingerprint_db`] of the kiosk whose data folder is `data`.
pub fn kiosk_fingerprint(data: &Path) -> String {
    fingerprint_db(&Store::open(&data.join(banshi::store::DB_FILE)).unwrap())
}

/// Every row of every content table (and the objects), sorted: two stores with the same dump
/// show residents exactly the same thing.
pub fn dump(s: &Store) -> Vec<String> {
    let tables = [
        "region",
        "department",
        "hall_window",
        "window_department",
        "life_event",
        "notice_category",
        "item",
        "item_life_event",
        "item_text",
        "fee",
        "material_group",
        "material",
        "step",
        "faq",
        "village_override",
        "notice",
        "sync_object",
    ];
    let mut out = Vec::new();
    for t in tables {
        let mut st = s.conn().prepare(&format!("SELECT * FROM {t}")).unwrap();
        let n = st.column_count();
        let mut rows: Vec<String> = st
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .map(|r| format!("{t}: {}", r.unwrap()))
            .collect();
        rows.sort();
        out.extend(rows);
    }
    // search_body keeps no copy of the text (contentless): its tokens, in order, per document.
    s.conn()
        .execute_batch(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_tokens \
             USING fts5vocab(main, search_body, instance)",
        )
        .unwrap();
    let mut tokens: std::collections::BTreeMap<i64, Vec<(i64, String)>> = Default::default();
    let mut st = s
        .conn()
        .prepare("SELECT doc, offset, term FROM temp.search_tokens")
        .unwrap();
    for row in st
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get(2)?))
        })
        .unwrap()
    {
        let (doc, offset, term) = row.unwrap();
        tokens.entry(doc).or_default().push((offset, term));
    }
    let mut st = s
        .conn()
        .prepare("SELECT rowid, kind, id FROM search_body")
        .unwrap();
    let mut rows: Vec<String> = st
        .query_map([], |r| {
            let mut t = tokens
                .get(&r.get::<_, i64>(0)?)
                .cloned()
                .unwrap_or_default();
            t.sort();
            let t: Vec<String> = t.into_iter().map(|(_, term)| term).collect();
            Ok(format!(
                "search_body: {}|{}|{}",
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                t.join(" ")
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    out.extend(rows);
    for k in [
        "content_digest",
        "manifest",
        "content_version",
        "county_name",
        "hall_address",
    ] {
        out.push(format!("meta {k}: {:?}", s.meta(k).unwrap()));
    }
    out
}
