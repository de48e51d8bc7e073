//! The kiosk's local SQLite copy of the county's content.
//!
//! Invariants:
//! - Content changes only through [`Store::replace_content`], one transaction: a reader sees one
//!   whole version.
//! - A new database file is built beside the final path and renamed into place after fsync, so a
//!   power cut leaves either no file or a complete one.
//! - WAL mode with `synchronous=FULL`: committed content survives power loss.

pub mod import;
pub mod query;
pub mod schema;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::model::Content;
use crate::pack::{self, Packed};

pub use query::*;

/// File name of the content database inside the data directory.
pub const DB_FILE: &str = "content.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("无法打开内容数据库 {path}：{source}。请检查文件权限；若文件已损坏，删除它后重新同步或导入内容。")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("内容数据库出错：{0}")]
    Sql(#[from] rusqlite::Error),
    #[error("无法写入数据目录 {path}：{source}。请检查磁盘空间和目录权限。")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("内容数据库 {0} 里还没有内容。请先导入内容（banshi import）或同步。")]
    Empty(PathBuf),
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// Page size of new databases (an existing file keeps its own). Stored sync objects are 1–3 KB
/// each: 4 KB leaves fit one or two and left the rest empty (36 MB of pages for 23 MB of
/// objects at 10,000 guides; 25 MB with 16 KB pages).
const PAGE_SIZE: u32 = 16 * 1024;

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // Only takes effect while the file is still empty, before WAL is switched on.
    conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", false)?;
    Ok(())
}

impl Store {
    /// Opens an existing content database read-write and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let store = Store::open_schema(path)?;
        if store.meta("content_version")?.is_none() {
            return Err(StoreError::Empty(path.to_path_buf()));
        }
        Ok(store)
    }

    /// Opens the content database for a sync: creates an empty one (schema only) when there is
    /// none, and accepts one without content yet.
    pub fn open_any(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            Store::build(path, |_| Ok(()))?;
        }
        Store::open_schema(path)
    }

    fn open_schema(path: &Path) -> Result<Store, StoreError> {
        let err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        if !path.exists() {
            return Err(err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some("文件不存在".into()),
            )));
        }
        let mut conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(err)?;
        // A sync in another thread or process may hold the write lock for a moment.
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(err)?;
        configure(&conn).map_err(err)?;
        // A foreign or truncated file fails here (reading the schema), not later on a screen.
        // A full integrity check reads the whole file, too slow for start-up.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(err)?;
        schema::migrate(&mut conn).map_err(err)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens `dir/content.db`; when there is none, builds it from `seed()` first (atomically).
    /// A database that cannot be opened is moved aside (kept, never deleted) and rebuilt.
    ///
    /// A database with the schema and no content yet is not broken: it is what a power cut
    /// during a kiosk's very first sync leaves (the sync creates the schema before it downloads).
    /// It is filled from `seed()` in place, keeping what the sync recorded (its status, and the
    /// downloads folder it resumes from), so the kiosk starts in the same state as a new one:
    /// the waiting note on a kiosk with a server (`kiosk::status::waiting_for_first_content`).
    ///
    /// Start-up also removes what a power cut can leave beside it (see
    /// [`crate::sync::clean_leftovers`]).
    pub fn open_or_seed(dir: &Path, seed: impl FnOnce() -> Content) -> Result<Store, StoreError> {
        let store = Store::open_or_seed_inner(dir, seed)?;
        let applied = store.meta("content_digest").ok().flatten();
        crate::sync::clean_leftovers(dir, applied.as_deref());
        Ok(store)
    }

    fn open_or_seed_inner(dir: &Path, seed: impl FnOnce() -> Content) -> Result<Store, StoreError> {
        let path = dir.join(DB_FILE);
        if path.exists() {
            match Store::open(&path) {
                Ok(s) => return Ok(s),
                Err(StoreError::Empty(_)) => {
                    let mut s = Store::open_schema(&path)?;
                    s.replace_content(&seed())?;
                    return Ok(s);
                }
                Err(e) => {
                    let aside = dir.join(format!(
                        "{DB_FILE}.broken-{}",
                        chrono::Utc::now().format("%Y%m%dT%H%M%S")
                    ));
                    log::warn!("{e}");
                    log::warn!("已把它改名为 {} 保留，并用内置内容重建。", aside.display());
                    for suffix in ["", "-wal", "-shm"] {
                        let from = PathBuf::from(format!("{}{suffix}", path.display()));
                        if from.exists() {
                            let to = PathBuf::from(format!("{}{suffix}", aside.display()));
                            std::fs::rename(&from, &to).map_err(|source| StoreError::Io {
                                path: from.clone(),
                                source,
                            })?;
                        }
                    }
                }
            }
        }
        Store::create(&path, &seed())?;
        Store::open(&path)
    }

    /// Builds a new database at `path` holding `content`, via a temporary file renamed into place.
    pub fn create(path: &Path, content: &Content) -> Result<(), StoreError> {
        Store::build(path, |tx| {
            import::replace_content(tx, content, &pack::pack(content))
        })
    }

    /// Builds a new database at `path` (schema, then `fill` in one transaction) via a temporary
    /// file renamed into place after fsync.
    fn build(
        path: &Path,
        fill: impl FnOnce(&rusqlite::Transaction) -> rusqlite::Result<()>,
    ) -> Result<(), StoreError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |source| StoreError::Io { path: p, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let tmp = PathBuf::from(format!("{}.new", path.display()));
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
        }
        {
            let mut conn = Connection::open(&tmp).map_err(|source| StoreError::Open {
                path: tmp.clone(),
                source,
            })?;
            // No journal and no syncs while building: nothing refers to this file until the
            // rename below, which happens only after the whole file is fsynced; a build cut
            // short is a stray `.new` that the next build deletes. (Each journalled commit and
            // VACUUM used to flush the disk several times, and VACUUM journalled a whole copy.)
            // Without a WAL the file is self-contained when closed.
            conn.pragma_update(None, "page_size", PAGE_SIZE)?;
            conn.pragma_update(None, "journal_mode", "OFF")?;
            conn.pragma_update(None, "synchronous", "OFF")?;
            schema::migrate(&mut conn)?;
            let tx = conn.transaction()?;
            fill(&tx)?;
            tx.commit()?;
            conn.execute_batch("VACUUM")?;
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        // SQLite writes the new database by path, so not `atomic::write`; a fixed name, so a
        // build cut short is found and cleared by the next one. The file, the rename and the
        // folder are made durable as every atomic write is.
        crate::atomic::replace(&tmp, path, crate::atomic::Durability::Strict).map_err(io(path))?;
        Ok(())
    }

    /// An in-memory store holding `content` (tests, screenshots of authored folders).
    pub fn in_memory(content: &Content) -> Result<Store, StoreError> {
        Store::in_memory_packed(content, &pack::pack(content))
    }

    /// [`Store::in_memory`] with `content`'s objects as `packed` has them (tests: a full import
    /// of a version packed with the dictionary its repository kept, which is what a kiosk
    /// syncing that version holds).
    pub fn in_memory_packed(content: &Content, packed: &Packed) -> Result<Store, StoreError> {
        let mut conn = Connection::open_in_memory()?;
        schema::migrate(&mut conn)?;
        let tx = conn.transaction()?;
        import::replace_content(&tx, content, packed)?;
        tx.commit()?;
        Ok(Store {
            conn,
            path: PathBuf::from(":memory:"),
        })
    }

    /// Replaces all content in one transaction.
    pub fn replace_content(&mut self, content: &Content) -> Result<(), StoreError> {
        self.apply(content, &pack::pack(content), &[])
    }

    /// Replaces all content with a synced version and records `meta` (sync state) in the same
    /// transaction: readers and a power cut see the old version or the new one, whole.
    pub fn apply(
        &mut self,
        content: &Content,
        packed: &Packed,
        meta: &[(&str, String)],
    ) -> Result<(), StoreError> {
        // A whole replace writes every table's B-tree at once: with SQLite's default 2 MB page
        // cache the transaction spills pages to the WAL and reads them back long before the
        // commit. 32 MB for this transaction only, then the default again (kiosk memory).
        let _ = self.conn.pragma_update(None, "cache_size", -32 * 1024);
        let result = self.apply_in_one_transaction(content, packed, meta);
        let _ = self.conn.pragma_update(None, "cache_size", -2000);
        result
    }

    fn apply_in_one_transaction(
        &mut self,
        content: &Content,
        packed: &Packed,
        meta: &[(&str, String)],
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        import::replace_content(&tx, content, packed)?;
        for (k, v) in meta {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                rusqlite::params![k, v],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Applies a new version that changes only documents (see `import::apply_changes`), with
    /// `meta`, in one transaction.
    pub fn apply_changes(
        &mut self,
        county: &crate::model::County,
        packed: &Packed,
        changes: &import::Changes,
        meta: &[(&str, String)],
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        import::apply_changes(&tx, county, packed, changes)?;
        for (k, v) in meta {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                rusqlite::params![k, v],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records `meta` values (e.g. the result of the last sync) in one transaction.
    pub fn set_meta(&self, meta: &[(&str, String)]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        for (k, v) in meta {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                rusqlite::params![k, v],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The body of an object of the content in use, by hash.
    pub fn object(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT body FROM sync_object WHERE hash = ?1",
                [hash],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` inside one read transaction: everything it reads comes from one version, even
    /// when a sync commits meanwhile (a WAL reader keeps its snapshot until the end). Inside a
    /// transaction already open, `f` simply runs in that one.
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> T) -> T {
        let began = self.conn.is_autocommit() && self.conn.execute_batch("BEGIN").is_ok();
        let out = f(self);
        if began {
            let _ = self.conn.execute_batch("COMMIT");
        }
        out
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// The 好差评 indicator set residents rate with: the county's (`ratings.toml`, carried in
    /// by the import), else the built-in one. A stored set that no longer parses (written by a
    /// newer program) falls back to the built-in one with a warning.
    pub fn rating_set(&self) -> Result<crate::model::RatingSet, StoreError> {
        let builtin = crate::model::RatingSet::builtin;
        Ok(match self.meta(import::RATINGS_META)? {
            None => builtin(),
            Some(json) => serde_json::from_str(&json).unwrap_or_else(|e| {
                log::warn!("内容库里的好差评指标读不出来（{e}），改用内置的指标。");
                builtin()
            }),
        })
    }
}

#[cfg(test)]
mod read_tests {
    use super::*;

    #[test]
    fn a_read_sees_one_version_while_another_connection_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        Store::create(&path, &crate::sample::sample()).unwrap();
        let reader = Store::open(&path).unwrap();
        let writer = Store::open(&path).unwrap();
        let version = |s: &Store| s.meta("content_version").unwrap().unwrap();
        let inside = reader.read(|r| {
            let before = version(r);
            writer
                .conn()
                .execute(
                    "UPDATE meta SET value = '99' WHERE key = 'content_version'",
                    [],
                )
                .unwrap();
            (before, version(r))
        });
        assert_eq!(inside.0, inside.1, "one version inside the read");
        assert_eq!(version(&reader), "99", "the next read sees the commit");
    }
}
