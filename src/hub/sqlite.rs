//! The embedded backend: one SQLite file (WAL, `synchronous=FULL`), for a county on one machine.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::sql::{Db, DbError, DbResult, Row, Value};

pub struct SqliteDb {
    conn: Connection,
}

fn err(e: rusqlite::Error) -> DbError {
    DbError(e.to_string())
}

impl SqliteDb {
    /// Opens (or makes) the hub's database file.
    pub fn open(path: &Path) -> DbResult<SqliteDb> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbError(format!("无法建立文件夹 {}：{e}", dir.display())))?;
        }
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        // The console reads a county's year (gigabytes): pages from memory, not a read()
        // each. 64 MB of cache a connection, and the first 2 GB of the file mapped (SQLite's
        // own ceiling; address space only — the kernel's page cache holds it either way).
        conn.pragma_update(None, "cache_size", -65_536)
            .map_err(err)?;
        conn.pragma_update(None, "mmap_size", 2_i64 << 30)
            .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(SqliteDb { conn })
    }

    /// Binds `$N` placeholders by name, so `$2` before `$1` or `$1` twice bind as meant.
    fn bind(stmt: &mut rusqlite::CachedStatement<'_>, params: &[Value]) -> DbResult<()> {
        for i in 1..=stmt.parameter_count() {
            let name = stmt.parameter_name(i).unwrap_or_default();
            let n: usize = name
                .strip_prefix('$')
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| DbError(format!("placeholder {name} is not $N")))?;
            let v = params
                .get(n - 1)
                .ok_or_else(|| DbError(format!("no value for {name}")))?;
            let r = match v {
                Value::Null => stmt.raw_bind_parameter(i, rusqlite::types::Null),
                Value::Int(v) => stmt.raw_bind_parameter(i, v),
                Value::Text(t) => stmt.raw_bind_parameter(i, t.as_str()),
            };
            r.map_err(err)?;
        }
        Ok(())
    }
}

impl Db for SqliteDb {
    fn exec(&mut self, sql: &str, params: &[Value]) -> DbResult<u64> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        Self::bind(&mut stmt, params)?;
        Ok(stmt.raw_execute().map_err(err)? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        Self::bind(&mut stmt, params)?;
        let n = stmt.column_count();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(err)? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get_ref(i).map_err(err)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Int(v as i64),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Value::Text(String::from_utf8_lossy(t).into_owned())
                    }
                });
            }
            out.push(Row(row));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> DbResult<()> {
        self.conn.execute_batch(sql).map_err(err)
    }

    fn begin(&mut self) -> DbResult<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(err)
    }

    fn optimize(&mut self) -> DbResult<()> {
        // Bounded work on a large database (SQLite samples at most this many rows an index).
        self.conn
            .execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")
            .map_err(err)
    }

    /// One prepared single-row insert, bound by position: in-process, statements cost no
    /// round trip, and this skips building and binding by name many-row statements.
    fn bulk_insert(&mut self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> DbResult<()> {
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            columns.join(", "),
            marks.join(", ")
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(err)?;
        for row in rows {
            for (i, v) in row.iter().enumerate() {
                let r = match v {
                    Value::Null => stmt.raw_bind_parameter(i + 1, rusqlite::types::Null),
                    Value::Int(n) => stmt.raw_bind_parameter(i + 1, n),
                    Value::Text(t) => stmt.raw_bind_parameter(i + 1, t.as_str()),
                };
                r.map_err(err)?;
            }
            stmt.raw_execute().map_err(err)?;
        }
        Ok(())
    }
}

/// A migrated hub database in a fresh temporary folder, for unit tests.
#[cfg(test)]
pub fn scratch() -> (tempfile::TempDir, SqliteDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut db = SqliteDb::open(&dir.path().join("hub.db")).unwrap();
    super::schema::migrate(&mut db).unwrap();
    (dir, db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_bind_by_number_not_by_position() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = SqliteDb::open(&dir.path().join("t.db")).unwrap();
        let db: &mut dyn Db = &mut db;
        let row = db
            .row("SELECT $2, $1, $2 || $1", &["a".into(), "b".into()])
            .unwrap()
            .unwrap();
        assert_eq!(row.text(0), "b");
        assert_eq!(row.text(1), "a");
        assert_eq!(row.text(2), "ba");
        assert_eq!(
            db.row("SELECT $1", &[Value::Null])
                .unwrap()
                .unwrap()
                .opt_text(0),
            None
        );
    }
}
