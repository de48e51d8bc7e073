//! Numbered schema migrations. `PRAGMA user_version` holds the number of migrations applied;
//! each migration runs in its own transaction. Never edit a released migration: add a new one.

use rusqlite::Connection;

/// Migration `i` brings the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the whole service-guide and notice model.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

    CREATE TABLE region (
        code TEXT PRIMARY KEY,
        level TEXT NOT NULL CHECK (level IN ('county', 'town', 'village')),
        parent TEXT,
        name TEXT NOT NULL,
        service_room TEXT NOT NULL DEFAULT '',
        hours TEXT NOT NULL DEFAULT '',
        assistant TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;

    CREATE TABLE department (
        id TEXT PRIMARY KEY, ord INTEGER NOT NULL, name TEXT NOT NULL, short_name TEXT NOT NULL,
        phone TEXT NOT NULL, address TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE hall_window (
        number TEXT PRIMARY KEY, ord INTEGER NOT NULL, floor INTEGER NOT NULL, name TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE window_department (
        window TEXT NOT NULL, department TEXT NOT NULL, PRIMARY KEY (window, department)
    ) WITHOUT ROWID;

    CREATE TABLE life_event (
        id TEXT PRIMARY KEY, ord INTEGER NOT NULL, name TEXT NOT NULL, audience TEXT NOT NULL,
        icon TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;
    CREATE TABLE notice_category (id TEXT PRIMARY KEY, ord INTEGER NOT NULL, name TEXT NOT NULL) WITHOUT ROWID;

    CREATE TABLE item (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        code TEXT NOT NULL,
        basic_code TEXT NOT NULL,
        department TEXT NOT NULL REFERENCES department (id),
        item_type TEXT NOT NULL,
        handle_type TEXT NOT NULL,
        for_person INTEGER NOT NULL,
        for_legal INTEGER NOT NULL,
        popularity INTEGER NOT NULL,
        summary TEXT NOT NULL,
        legal_limit_value INTEGER NOT NULL,
        legal_limit_unit TEXT NOT NULL,
        promised_limit_value INTEGER NOT NULL,
        promised_limit_unit TEXT NOT NULL,
        limit_note TEXT NOT NULL,
        visits INTEGER NOT NULL,
        online_url TEXT NOT NULL,
        express INTEGER NOT NULL,
        place TEXT NOT NULL,
        hours TEXT NOT NULL,
        consult_phone TEXT NOT NULL,
        complaint_phone TEXT NOT NULL,
        result_name TEXT NOT NULL,
        result_kind TEXT NOT NULL,
        free INTEGER NOT NULL,
        village_mode TEXT NOT NULL,
        village_note TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX item_by_department ON item (department, popularity DESC);
    CREATE INDEX item_by_popularity ON item (popularity DESC);
    CREATE INDEX item_by_person ON item (for_person, popularity DESC);
    CREATE INDEX item_by_legal ON item (for_legal, popularity DESC);

    CREATE TABLE item_life_event (
        life_event TEXT NOT NULL, item TEXT NOT NULL, PRIMARY KEY (life_event, item)
    ) WITHOUT ROWID;
    -- Lists of short texts per item: alias, keyword, condition, legal_basis, window.
    CREATE TABLE item_text (
        item TEXT NOT NULL, kind TEXT NOT NULL, ord INTEGER NOT NULL, text TEXT NOT NULL,
        PRIMARY KEY (item, kind, ord)
    ) WITHOUT ROWID;
    CREATE TABLE fee (
        item TEXT NOT NULL, ord INTEGER NOT NULL, name TEXT NOT NULL, amount_fen INTEGER NOT NULL,
        standard TEXT NOT NULL, basis TEXT NOT NULL, PRIMARY KEY (item, ord)
    ) WITHOUT ROWID;
    CREATE TABLE material_group (
        item TEXT NOT NULL, ord INTEGER NOT NULL, situation TEXT NOT NULL, PRIMARY KEY (item, ord)
    ) WITHOUT ROWID;
    CREATE TABLE material (
        item TEXT NOT NULL, grp INTEGER NOT NULL, ord INTEGER NOT NULL, name TEXT NOT NULL,
        necessity TEXT NOT NULL, form TEXT NOT NULL, copies INTEGER NOT NULL, source TEXT NOT NULL,
        note TEXT NOT NULL, PRIMARY KEY (item, grp, ord)
    ) WITHOUT ROWID;
    CREATE TABLE step (
        item TEXT NOT NULL, ord INTEGER NOT NULL, name TEXT NOT NULL, actor TEXT NOT NULL,
        time_limit TEXT NOT NULL, description TEXT NOT NULL, PRIMARY KEY (item, ord)
    ) WITHOUT ROWID;
    CREATE TABLE faq (
        item TEXT NOT NULL, ord INTEGER NOT NULL, q TEXT NOT NULL, a TEXT NOT NULL, PRIMARY KEY (item, ord)
    ) WITHOUT ROWID;
    CREATE TABLE village_override (
        item TEXT NOT NULL, region TEXT NOT NULL, mode TEXT NOT NULL, note TEXT NOT NULL,
        PRIMARY KEY (item, region)
    ) WITHOUT ROWID;

    CREATE TABLE notice (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        index_no TEXT NOT NULL,
        category TEXT NOT NULL,
        publisher TEXT NOT NULL,
        doc_no TEXT NOT NULL,
        written TEXT NOT NULL,
        published TEXT NOT NULL,
        scope TEXT NOT NULL,
        summary TEXT NOT NULL,
        body TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX notice_by_scope ON notice (scope, published DESC);
    CREATE INDEX notice_by_category ON notice (category, scope, published DESC);
    "#,
    // 2: body text of guides and notices for Chinese search, as two-character tokens
    // (see search::body). Rebuilt with the content, in the same transaction.
    r#"
    CREATE VIRTUAL TABLE search_body USING fts5(kind UNINDEXED, id UNINDEXED, body, tokenize = 'unicode61', prefix = '1');
    "#,
    // 3: the content version as signed objects (see `pack`): every object of the version in use,
    // by hash, so a sync downloads only what changed. Written with the content, in the same
    // transaction; the sync metadata (TUF roles, versions) lives in `meta` beside it.
    r#"
    CREATE TABLE sync_object (hash TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;
    "#,
    // Issue 14, a smaller kiosk database:
    // - search_body keeps only its index (contentless): the body text was stored twice, as text
    //   in the FTS content table and as tokens; kind and id stay readable
    //   (contentless_unindexed), rows can still be deleted (contentless_delete). No prefix index
    //   any more: only a one-character query of the command line uses prefixes, and FTS5 answers
    //   it from the term index (the kiosk's search is the in-memory index). Not renamed into
    //   place: SQLite 3.54's RENAME of a contentless_unindexed table loses its content table.
    // - sync_object as a rowid table: objects of 1–3 KB do not fit a WITHOUT ROWID leaf's local
    //   payload and each took an overflow page of its own.
    r#"
    CREATE TEMP TABLE search_body_copy AS SELECT rowid AS r, kind, id, body FROM search_body;
    DROP TABLE search_body;
    CREATE VIRTUAL TABLE search_body USING fts5(kind UNINDEXED, id UNINDEXED, body, tokenize = 'unicode61', content = '', contentless_delete = 1, contentless_unindexed = 1);
    INSERT INTO search_body (rowid, kind, id, body) SELECT r, kind, id, body FROM temp.search_body_copy;
    DROP TABLE temp.search_body_copy;
    CREATE TABLE sync_object_new (hash TEXT PRIMARY KEY, body BLOB NOT NULL);
    INSERT INTO sync_object_new (hash, body) SELECT hash, body FROM sync_object;
    DROP TABLE sync_object;
    ALTER TABLE sync_object_new RENAME TO sync_object;
    "#,
];

/// Brings `conn` to the newest schema. Refuses a database written by a newer Banshi.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: usize =
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    if current > MIGRATIONS.len() {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
            Some(format!(
                "数据库结构版本 {current} 比本程序支持的 {} 新：请升级 Banshi。",
                MIGRATIONS.len()
            )),
        ));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kiosk database of schema 3 (search text stored, objects WITHOUT ROWID) keeps its search
    /// rows and objects through migration 4.
    #[test]
    fn migration_4_keeps_search_rows_and_objects() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (i, sql) in MIGRATIONS.iter().take(3).enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", (i + 1) as i64)
                .unwrap();
        }
        conn.execute_batch(
            "INSERT INTO search_body (kind, id, body) VALUES ('guide', 'a', '身份 份证 证'), \
             ('notice', 'b', '证明 明');
             INSERT INTO sync_object (hash, body) VALUES ('h1', x'28b52ffd'), ('h2', x'7b7d');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let found = |q: &str| -> Vec<(String, String)> {
            let mut st = conn
                .prepare("SELECT kind, id FROM search_body WHERE search_body MATCH ?1 ORDER BY id")
                .unwrap();
            st.query_map([q], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(found("\"份证\""), vec![("guide".into(), "a".into())]);
        assert_eq!(found("\"证\" *").len(), 2);
        conn.execute(
            "DELETE FROM search_body WHERE kind = 'guide' AND id = 'a'",
            [],
        )
        .unwrap();
        assert!(found("\"份证\"").is_empty());
        let body: Vec<u8> = conn
            .query_row("SELECT body FROM sync_object WHERE hash = 'h2'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(body, b"{}");
        let text: Option<String> = conn
            .query_row("SELECT body FROM search_body", [], |r| r.get(0))
            .unwrap();
        assert_eq!(text, None, "no second copy of the text");
    }
}
