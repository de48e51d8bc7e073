//! What the hub keeps, and for how long. The writer thread runs [`step`] every minute (and
//! at once again while a step found a full batch), so pruning never holds the write lock for
//! more than one small transaction per kind; `banshi hub prune` runs it to the end.
//!
//! - Nonces: twice the skew window (a replay older than that is `stale` anyway).
//! - Heartbeats: `--keep-heartbeat-days` (default 400: a month's chart, a year's report), by
//!   when the hub received them. The kiosk's newest heartbeat stays on its `kiosk` row.
//! - Inbox rows (the raw body of every record as received, and the (kiosk, seq) key that makes
//!   a resend harmless): [`INBOX_DAYS`]. When a kiosk's rows are pruned its `inbox_floor`
//!   rises to the highest seq pruned, and a record at or below the floor counts as held. That
//!   is exact because a kiosk numbers records in the order it writes them, sends oldest first
//!   and deletes a batch only once the hub acknowledged all of it: by the time a seq is stored,
//!   every lower seq was stored already or will never be sent.
//! - Ratings, suggestions, misses, usage counts and rejected records: kept (the reports).
//! - Pending kiosks not heard from for [`PENDING_DAYS`]: dropped (a real one enrols again).

use super::sql::{Db, DbResult};
use super::wire::MAX_SKEW_SECS;

/// Rows deleted per kind and transaction at most.
pub const BATCH: i64 = 1000;
/// Days an inbox row (raw body) is kept.
pub const INBOX_DAYS: i64 = 30;
/// Days a pending kiosk is kept without contact.
pub const PENDING_DAYS: i64 = 30;
/// Default of `--keep-heartbeat-days`.
pub const HEARTBEAT_DAYS: u32 = 400;

const DAY: i64 = 86_400;

/// What one pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub nonces: i64,
    pub heartbeats: i64,
    pub inbox: i64,
    pub pending: i64,
}

impl Pruned {
    pub fn total(&self) -> i64 {
        self.nonces + self.heartbeats + self.inbox + self.pending
    }

    /// Some kind filled its batch: there may be more.
    pub fn more(&self) -> bool {
        [self.nonces, self.heartbeats, self.inbox, self.pending]
            .iter()
            .any(|&n| n >= BATCH)
    }

    fn add(&mut self, o: Pruned) {
        self.nonces += o.nonces;
        self.heartbeats += o.heartbeats;
        self.inbox += o.inbox;
        self.pending += o.pending;
    }
}

/// One pass: at most [`BATCH`] rows of each kind, each kind in its own transaction.
pub fn step(db: &mut dyn Db, heartbeat_days: u32, now: i64) -> DbResult<Pruned> {
    let limit = BATCH;
    let nonces = db.transaction(|db| {
        db.exec(
            "DELETE FROM nonce WHERE (kiosk_id, nonce) IN
             (SELECT kiosk_id, nonce FROM nonce WHERE seen < $1 LIMIT $2)",
            &[(now - 2 * MAX_SKEW_SECS).into(), limit.into()],
        )
    })? as i64;
    // Each kiosk's heartbeat counter (`kiosk_count`, the fleet page's) goes down with them.
    let heartbeats = db.transaction(|db| {
        let gone = db.query(
            "DELETE FROM heartbeat WHERE (kiosk_id, seq) IN
             (SELECT kiosk_id, seq FROM heartbeat WHERE received_at < $1 LIMIT $2)
             RETURNING kiosk_id",
            &[(now - i64::from(heartbeat_days) * DAY).into(), limit.into()],
        )?;
        let mut per_kiosk = std::collections::BTreeMap::<String, i64>::new();
        for r in &gone {
            *per_kiosk.entry(r.text(0)).or_default() += 1;
        }
        for (kiosk, n) in &per_kiosk {
            db.exec(
                "UPDATE kiosk_count SET n = n - $2 WHERE kiosk_id = $1 AND kind = 'heartbeat'",
                &[kiosk.into(), (*n).into()],
            )?;
        }
        Ok::<_, super::sql::DbError>(gone.len() as i64)
    })?;
    let inbox = db.transaction(|db| prune_inbox(db, now - INBOX_DAYS * DAY, limit))?;
    let pending = db.transaction(|db| {
        db.exec(
            "DELETE FROM kiosk WHERE id IN (SELECT id FROM kiosk WHERE state = 'pending'
             AND COALESCE(last_seen, enrolled_at) < $1 LIMIT $2)",
            &[(now - PENDING_DAYS * DAY).into(), limit.into()],
        )
    })? as i64;
    Ok(Pruned {
        nonces,
        heartbeats,
        inbox,
        pending,
    })
}

/// The oldest inbox rows received before `before`: each kiosk's floor raised to the highest
/// seq among them first (which also locks the kiosk's row against a concurrent upload on
/// PostgreSQL, see `inbox::store`), then the rows deleted.
fn prune_inbox(db: &mut dyn Db, before: i64, limit: i64) -> DbResult<i64> {
    let rows = db.query(
        "SELECT kiosk_id, seq FROM inbox WHERE received_at < $1 ORDER BY received_at LIMIT $2",
        &[before.into(), limit.into()],
    )?;
    let mut highest = std::collections::BTreeMap::<String, i64>::new();
    for r in &rows {
        let top = highest.entry(r.text(0)).or_insert(i64::MIN);
        *top = (*top).max(r.int(1));
    }
    let mut deleted = 0;
    for (kiosk, top) in &highest {
        db.exec(
            "UPDATE kiosk SET inbox_floor = $2 WHERE id = $1 AND inbox_floor < $2",
            &[kiosk.into(), (*top).into()],
        )?;
        deleted += db.exec(
            "DELETE FROM inbox WHERE kiosk_id = $1 AND seq <= $2 AND received_at < $3",
            &[kiosk.into(), (*top).into(), before.into()],
        )? as i64;
    }
    Ok(deleted)
}

/// Passes until nothing is left to prune (`banshi hub prune`).
pub fn all(db: &mut dyn Db, heartbeat_days: u32, now: i64) -> DbResult<Pruned> {
    let mut total = Pruned::default();
    loop {
        let p = step(db, heartbeat_days, now)?;
        total.add(p);
        if !p.more() {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::sqlite::SqliteDb;

    fn db() -> (tempfile::TempDir, SqliteDb) {
        crate::hub::sqlite::scratch()
    }

    fn count(db: &mut dyn Db, sql: &str) -> i64 {
        db.row(sql, &[]).unwrap().unwrap().int(0)
    }

    #[test]
    fn old_rows_go_in_batches_and_the_floor_rises_with_the_inbox() {
        let (_dir, mut sqlite) = db();
        let db: &mut dyn Db = &mut sqlite;
        let now = 2_000_000_000;
        let old = now - 500 * DAY;
        let recent = now - DAY;
        db.exec(
            "INSERT INTO kiosk (id, public_key, state, enrolled_at, last_seen) VALUES
             ('k', '00', 'approved', 0, $1), ('p-old', '01', 'pending', $2, $2),
             ('p-new', '02', 'pending', $2, $1), ('r-old', '03', 'revoked', $2, $2)",
            &[recent.into(), old.into()],
        )
        .unwrap();
        // 2,500 old heartbeats (seq 1..=2500) and 10 recent ones (seq 2501..=2510).
        db.begin().unwrap();
        for seq in 1..=2510i64 {
            let at = if seq <= 2500 { old } else { recent };
            db.exec(
                "INSERT INTO inbox (kiosk_id, seq, kind, at, received_at, body)
                 VALUES ('k', $1, 'heartbeat', 'x', $2, '{}')",
                &[seq.into(), at.into()],
            )
            .unwrap();
            db.exec(
                "INSERT INTO heartbeat (kiosk_id, seq, at, app_version, body, received_at)
                 VALUES ('k', $1, 'x', '1', '{}', $2)",
                &[seq.into(), at.into()],
            )
            .unwrap();
            db.exec(
                "INSERT INTO nonce (kiosk_id, nonce, seen) VALUES ('k', $1, $2)",
                &[format!("n{seq}").into(), at.into()],
            )
            .unwrap();
        }
        db.batch("COMMIT").unwrap();

        let first = step(db, 400, now).unwrap();
        assert_eq!(
            first,
            Pruned {
                nonces: BATCH,
                heartbeats: BATCH,
                inbox: BATCH,
                pending: 1
            }
        );
        assert!(first.more());
        assert_eq!(
            count(db, "SELECT inbox_floor FROM kiosk WHERE id = 'k'"),
            BATCH
        );
        let rest = all(db, 400, now).unwrap();
        assert_eq!(
            (rest.heartbeats, rest.inbox, rest.nonces),
            (1500, 1500, 1510)
        );
        assert_eq!(count(db, "SELECT COUNT(*) FROM heartbeat"), 10);
        assert_eq!(count(db, "SELECT MIN(seq) FROM inbox"), 2501);
        assert_eq!(
            count(db, "SELECT inbox_floor FROM kiosk WHERE id = 'k'"),
            2500
        );
        // A pending kiosk heard from lately, and a revoked one, stay.
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM kiosk WHERE id IN ('p-new', 'r-old', 'k')"
            ),
            3
        );
        // Nothing more to do; a longer heartbeat window keeps what a shorter one would drop.
        assert_eq!(step(db, 400, now).unwrap().total(), 0);
        assert_eq!(step(db, 400, now + 10 * DAY).unwrap().heartbeats, 0);
        assert_eq!(step(db, 1, now + 2 * DAY).unwrap().heartbeats, 10);
    }
}
