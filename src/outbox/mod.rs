//! The kiosk's outbox (issue 11, first part): what the county must hear back — residents'
//! ratings (好差评) and suggestions, searches that found nothing, how often each guide was
//! opened, and the kiosk's heartbeat — kept in `outbox.db` beside `content.db` until the county's
//! hub acknowledges it.
//!
//! Invariants:
//! - Every record gets (kiosk id, sequence number) when it is written; sequence numbers only
//!   grow and are never reused (`AUTOINCREMENT`), so the hub can store each record exactly once
//!   however often a batch is resent.
//! - A record is written in one transaction (WAL, `synchronous=FULL`): after a power cut it is
//!   either there or it was never accepted.
//! - Records are deleted only when the hub acknowledged them ([`Outbox::acknowledge`]).
//! - Heartbeats coalesce: only the newest unsent one is kept. Ratings and suggestions are never
//!   dropped; when the file reaches [`CAP`] records, the oldest usage counts go first, then the
//!   oldest unanswered searches, each drop counted and warned about for the technician. Past
//!   [`CAP_FEEDBACK`] ratings and suggestions waiting, new ones are refused (the resident is
//!   told), never silently lost.
//!
//! No sending here: the uploader (`crate::uplink`) takes [`Outbox::batch`] and calls
//! [`Outbox::acknowledge`] with what the hub confirmed.

pub mod record;

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

pub use record::{Heartbeat, Level, Miss, Rating, Record, Subject, Suggestion, Usage};

/// The outbox file, beside `content.db` (never replaced by content updates).
pub const FILE: &str = "outbox.db";
/// Records kept at most; beyond it usage counts, then unanswered searches, are dropped oldest
/// first. About 300 bytes each: the file stays under about 60 MB.
pub const CAP: i64 = 200_000;
/// Ratings and suggestions waiting at most; beyond it new ones are refused.
pub const CAP_FEEDBACK: i64 = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("评价或建议已积压 {0} 条没有送出（终端可能很久没有联网），暂时不能再收")]
    Full(i64),
    #[error("{0}")]
    Invalid(String),
    #[error("发件箱数据库出错：{0}")]
    Db(#[from] rusqlite::Error),
}

/// One record as stored, ready to send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stored {
    pub kiosk: String,
    pub seq: i64,
    pub kind: String,
    /// When it was written (local time, RFC 3339).
    pub at: String,
    pub record: serde_json::Value,
}

/// What `banshi outbox status` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// Pending records per kind.
    pub pending: Vec<(String, i64)>,
    /// Usage counts not yet sealed into records.
    pub usage_open: i64,
    pub oldest: Option<String>,
    /// Records dropped at the cap, per kind, since the file was made.
    pub dropped: Vec<(String, i64)>,
    pub last_upload: Option<String>,
}

impl Status {
    /// Records waiting to be sent, all kinds together.
    pub fn waiting(&self) -> i64 {
        self.pending.iter().map(|(_, n)| n).sum()
    }
}

pub struct Outbox {
    conn: Connection,
    kiosk: String,
}

impl Outbox {
    /// Opens (or makes) `dir/outbox.db` for kiosk `kiosk`.
    pub fn open(dir: &Path, kiosk: &str) -> Result<Outbox, OutboxError> {
        let conn = Connection::open(dir.join(FILE))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS record (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 kiosk TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS record_kind ON record (kind, seq);
             CREATE TABLE IF NOT EXISTS usage_open (
                 day TEXT NOT NULL, guide TEXT NOT NULL, opened INTEGER NOT NULL,
                 PRIMARY KEY (day, guide)) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;",
        )?;
        Ok(Outbox {
            conn,
            kiosk: kiosk.to_string(),
        })
    }

    /// Writes `record` (checked first): its sequence number. A heartbeat replaces an unsent one.
    pub fn put(&mut self, record: &Record) -> Result<i64, OutboxError> {
        record.check().map_err(OutboxError::Invalid)?;
        let now = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let tx = self.conn.transaction()?;
        let kind = record.kind();
        if record.is_feedback() {
            let waiting: i64 = tx.query_row(
                "SELECT count(*) FROM record WHERE kind IN ('rating', 'suggestion')",
                [],
                |r| r.get(0),
            )?;
            if waiting >= CAP_FEEDBACK {
                return Err(OutboxError::Full(waiting));
            }
        }
        if kind == "heartbeat" {
            tx.execute("DELETE FROM record WHERE kind = 'heartbeat'", [])?;
        }
        let body = serde_json::to_string(record).expect("records serialise");
        tx.execute(
            "INSERT INTO record (kiosk, kind, at, body) VALUES (?1, ?2, ?3, ?4)",
            params![self.kiosk, kind, now, body],
        )?;
        let seq = tx.last_insert_rowid();
        let dropped = evict(&tx, CAP)?;
        tx.commit()?;
        for (kind, n) in dropped {
            log::warn!("发件箱已满（{CAP} 条）：丢弃了最早的 {n} 条 {kind} 记录；终端很久没有连上县里的汇总服务。");
        }
        Ok(seq)
    }

    /// Counts one opening of guide `guide` on `day` (YYYY-MM-DD): one small upsert, sealed into
    /// a record by [`Outbox::seal_usage`].
    pub fn opened(&mut self, guide: &str, day: &str) -> Result<(), OutboxError> {
        self.conn.execute(
            "INSERT INTO usage_open (day, guide, opened) VALUES (?1, ?2, 1)
             ON CONFLICT (day, guide) DO UPDATE SET opened = opened + 1",
            params![day, guide],
        )?;
        Ok(())
    }

    /// Turns all open usage counts into records (one per day and guide), in one transaction;
    /// the hub adds them up. Returns how many records were made.
    pub fn seal_usage(&mut self) -> Result<usize, OutboxError> {
        self.seal(None)
    }

    /// Turns the open usage counts of days before `day` (YYYY-MM-DD) into records; `day`'s own
    /// and later counts stay open, so a day still being counted is sent once, when it is over.
    pub fn seal_usage_before(&mut self, day: &str) -> Result<usize, OutboxError> {
        self.seal(Some(day))
    }

    fn seal(&mut self, before: Option<&str>) -> Result<usize, OutboxError> {
        let now = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        // '9' sorts after every YYYY-MM-DD: no bound.
        let before = before.unwrap_or("9");
        let tx = self.conn.transaction()?;
        let rows: Vec<(String, String, i64)> = {
            let mut q = tx.prepare(
                "SELECT day, guide, opened FROM usage_open WHERE day < ?1 ORDER BY day, guide",
            )?;
            let rows = q.query_map([before], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        if rows.is_empty() {
            return Ok(0);
        }
        for (day, guide, opened) in &rows {
            let record = Record::Usage(Usage {
                day: day.clone(),
                guide: guide.clone(),
                opened: *opened,
            });
            let body = serde_json::to_string(&record).expect("records serialise");
            tx.execute(
                "INSERT INTO record (kiosk, kind, at, body) VALUES (?1, 'usage', ?2, ?3)",
                params![self.kiosk, now, body],
            )?;
        }
        tx.execute("DELETE FROM usage_open WHERE day < ?1", [before])?;
        let dropped = evict(&tx, CAP)?;
        tx.commit()?;
        for (kind, n) in dropped {
            log::warn!("发件箱已满（{CAP} 条）：丢弃了最早的 {n} 条 {kind} 记录。");
        }
        Ok(rows.len())
    }

    /// The oldest pending records, at most `max` of them, oldest first.
    pub fn batch(&self, max: usize) -> Result<Vec<Stored>, OutboxError> {
        let mut q = self
            .conn
            .prepare("SELECT kiosk, seq, kind, at, body FROM record ORDER BY seq LIMIT ?1")?;
        let rows = q.query_map([max as i64], |r| {
            let body: String = r.get(4)?;
            Ok(Stored {
                kiosk: r.get(0)?,
                seq: r.get(1)?,
                kind: r.get(2)?,
                at: r.get(3)?,
                record: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The hub stored these sequence numbers: delete them (others stay, to be sent again).
    pub fn acknowledge(&mut self, seqs: &[i64], result: &str) -> Result<(), OutboxError> {
        let tx = self.conn.transaction()?;
        {
            let mut del = tx.prepare("DELETE FROM record WHERE seq = ?1")?;
            for s in seqs {
                del.execute([s])?;
            }
        }
        set_meta(&tx, "last_upload", result)?;
        tx.commit()?;
        Ok(())
    }

    /// Pending counts, the oldest record, drops, the last upload's result.
    pub fn status(&self) -> Result<Status, OutboxError> {
        let pending = {
            let mut q = self
                .conn
                .prepare("SELECT kind, count(*) FROM record GROUP BY kind ORDER BY kind")?;
            let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let dropped = {
            let mut q = self.conn.prepare(
                "SELECT substr(key, 9), CAST(value AS INTEGER) FROM meta WHERE key LIKE 'dropped:%' ORDER BY key",
            )?;
            let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        Ok(Status {
            pending,
            usage_open: self
                .conn
                .query_row("SELECT count(*) FROM usage_open", [], |r| r.get(0))?,
            oldest: self
                .conn
                .query_row("SELECT min(at) FROM record", [], |r| r.get(0))?,
            dropped,
            last_upload: self
                .conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'last_upload'",
                    [],
                    |r| r.get(0),
                )
                .optional()?,
        })
    }
}

impl Outbox {
    /// A value the uploader keeps beside the records (enrolment, clock correction).
    pub fn meta(&self, key: &str) -> Result<Option<String>, OutboxError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), OutboxError> {
        Ok(set_meta(&self.conn, key, value)?)
    }
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![key, value],
    )?;
    Ok(())
}

/// Kinds that may be dropped at the cap, first to go first.
const DROPPABLE: [&str; 2] = ["usage", "miss"];

/// Drops the oldest droppable records until at most `cap` remain: (kind, how many) dropped.
fn evict(conn: &Connection, cap: i64) -> rusqlite::Result<Vec<(&'static str, i64)>> {
    let mut out = Vec::new();
    let total: i64 = conn.query_row("SELECT count(*) FROM record", [], |r| r.get(0))?;
    let mut over = total - cap;
    for kind in DROPPABLE {
        if over <= 0 {
            break;
        }
        let n = conn.execute(
            "DELETE FROM record WHERE seq IN (SELECT seq FROM record WHERE kind = ?1 ORDER BY seq LIMIT ?2)",
            params![kind, over],
        )? as i64;
        if n > 0 {
            let key = format!("dropped:{kind}");
            let before: i64 = conn
                .query_row(
                    "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?1",
                    [&key],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0);
            set_meta(conn, &key, &(before + n).to_string())?;
            out.push((kind, n));
            over -= n;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
