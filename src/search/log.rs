//! Searches that found nothing, and searches whose best result only a forgiving step found
//! (same sound, one slip, one wrong character: the step is stored), kept on the kiosk so
//! county staff can turn them into aliases. Only the query text, the step and the time are
//! stored (no personal data), in `searches.db` beside the content (never replaced by content
//! updates), at most [`KEEP`] entries.

use std::path::Path;

use rusqlite::{params, Connection};
use serde::Serialize;

use super::index::Step;

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
    /// The forgiving step that found the best result (`Step::as_str`); None: nothing found.
    pub step: Option<String>,
}

impl SearchLog {
    pub fn open(dir: &Path) -> rusqlite::Result<SearchLog> {
        let conn = Connection::open(dir.join("searches.db"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS missed (n INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, query TEXT NOT NULL)",
        )?;
        // Logs written before the forgiving steps have no step column: add it (NULL = found
        // nothing, as every old entry did).
        let has_step: bool = conn.query_row(
            "SELECT count(*) FROM pragma_table_info('missed') WHERE name = 'step'",
            [],
            |r| r.get::<_, i64>(0).map(|n| n > 0),
        )?;
        if !has_step {
            conn.execute_batch("ALTER TABLE missed ADD COLUMN step TEXT")?;
        }
        Ok(SearchLog { conn })
    }

    /// Records a query that found nothing.
    pub fn record(&self, query: &str) -> rusqlite::Result<()> {
        self.record_step(query, None)
    }

    /// Records a query that found nothing (`step` None) or whose best result only forgiving
    /// `step` found.
    pub fn record_step(&self, query: &str, step: Option<Step>) -> rusqlite::Result<()> {
        let query: String = query.trim().chars().take(64).collect();
        if query.is_empty() {
            return Ok(());
        }
        let at = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
        self.conn.execute(
            "INSERT INTO missed (at, query, step) VALUES (?1, ?2, ?3)",
            params![at, query, step.map(Step::as_str)],
        )?;
        self.conn.execute(
            "DELETE FROM missed WHERE n <= (SELECT max(n) FROM missed) - ?1",
            [KEEP],
        )?;
        Ok(())
    }

    /// Distinct queries with their step, most frequent first.
    pub fn report(&self) -> rusqlite::Result<Vec<Missed>> {
        let mut s = self.conn.prepare(
            "SELECT query, count(*), max(at), step FROM missed GROUP BY query, step ORDER BY count(*) DESC, max(at) DESC",
        )?;
        let rows = s.query_map([], |r| {
            Ok(Missed {
                query: r.get(0)?,
                count: r.get(1)?,
                last: r.get(2)?,
                step: r.get(3)?,
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

    #[test]
    fn forgiving_steps_are_recorded_apart_and_old_logs_gain_the_column() {
        let dir = tempfile::tempdir().unwrap();
        // A log as written before the step column existed.
        let old = Connection::open(dir.path().join("searches.db")).unwrap();
        old.execute_batch(
            "CREATE TABLE missed (n INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, query TEXT NOT NULL);
             INSERT INTO missed (at, query) VALUES ('2026-01-01 09:00', 'sfzq');",
        )
        .unwrap();
        drop(old);
        let log = SearchLog::open(dir.path()).unwrap();
        log.record_step("shenfenzhneg", Some(Step::Slip)).unwrap();
        log.record_step("shenfenzhneg", Some(Step::Slip)).unwrap();
        log.record_step("身分证", Some(Step::SameSound)).unwrap();
        log.record("qqqq").unwrap();
        let report = log.report().unwrap();
        let find = |q: &str| report.iter().find(|m| m.query == q).unwrap();
        assert_eq!(
            (
                find("shenfenzhneg").count,
                find("shenfenzhneg").step.as_deref()
            ),
            (2, Some("slip"))
        );
        assert_eq!(find("身分证").step.as_deref(), Some("same-sound"));
        assert_eq!(find("sfzq").step, None);
        assert_eq!(find("qqqq").step, None);
        // Opening again does not add the column twice.
        SearchLog::open(dir.path()).unwrap();
    }
}
