//! Searches that found nothing, kept on the kiosk so county staff can add aliases. Only the
//! query text and the time are stored (no personal data), in `searches.db` beside the content
//! (never replaced by content updates), at most [`KEEP`] entries.

use std::path::Path;

use rusqlite::{params, Connection};
use serde::Serialize;

/// The newest entries kept; older ones are deleted.
pub const KEEP: i64 = 2000;

pub struct SearchLog {
    conn: Connection,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missed {
    pub query: String,
    pub count: i64,
    pub last: String,
}

impl SearchLog {
    pub fn open(dir: &Path) -> rusqlite::Result<SearchLog> {
        let conn = Connection::open(dir.join("searches.db"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS missed (n INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, query TEXT NOT NULL)",
        )?;
        Ok(SearchLog { conn })
    }

    /// Records a query that found nothing.
    pub fn record(&self, query: &str) -> rusqlite::Result<()> {
        let query: String = query.trim().chars().take(64).collect();
        if query.is_empty() {
            return Ok(());
        }
        let at = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
        self.conn.execute(
            "INSERT INTO missed (at, query) VALUES (?1, ?2)",
            params![at, query],
        )?;
        self.conn.execute(
            "DELETE FROM missed WHERE n <= (SELECT max(n) FROM missed) - ?1",
            [KEEP],
        )?;
        Ok(())
    }

    /// Distinct queries, most frequent first.
    pub fn report(&self) -> rusqlite::Result<Vec<Missed>> {
        let mut s = self.conn.prepare(
            "SELECT query, count(*), max(at) FROM missed GROUP BY query ORDER BY count(*) DESC, max(at) DESC",
        )?;
        let rows = s.query_map([], |r| {
            Ok(Missed {
                query: r.get(0)?,
                count: r.get(1)?,
                last: r.get(2)?,
            })
        })?;
        rows.collect()
    }

    pub fn entries(&self) -> rusqlite::Result<i64> {
        self.conn
            .query_row("SELECT count(*) FROM missed", [], |r| r.get(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_entries_and_counts_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let log = SearchLog::open(dir.path()).unwrap();
        for i in 0..(KEEP + 50) {
            log.record(&format!("q{}", i % 7)).unwrap();
        }
        assert_eq!(log.entries().unwrap(), KEEP);
        let report = log.report().unwrap();
        assert_eq!(report.len(), 7);
        assert!(report[0].count >= report[6].count);
        log.record("   ").unwrap();
        assert_eq!(
            log.entries().unwrap(),
            KEEP,
            "blank queries are not recorded"
        );
    }
}
