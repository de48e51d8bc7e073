//! The fleet's lights kept on the kiosk rows (`light`, `reasons`, `health_until`,
//! `health_newest`; migration 7), so the fleet page reads one indexed page and a count per
//! light instead of judging every kiosk of the county on every visit.
//!
//! A row's light is [`health::assess`] of the row at the time it was judged, against the newest
//! published version it names (`health_newest`, -1 when the hub serves no repository), and
//! holds until `health_until` ([`health::until`]; NULL: nothing changes with time alone).
//! Who judges:
//! - the writer, in the upload's own transaction ([`judge`], against the row's `health_newest`):
//!   a heartbeat or any upload changes the light at once;
//! - enrolment, approval and revocation set `light` to NULL (judged at the next refresh);
//! - [`refresh`], run by the hub every [`REFRESH_EVERY`] and by the fleet page before it reads:
//!   every row never judged, judged against another newest version (after a publish), or whose
//!   `health_until` has passed. Each row is written only if it is still as it was read, so a
//!   refresh racing an upload never writes an older judgement over a newer one.

use std::time::Duration;

use super::health::{self, Light};
use crate::hub::kiosks::{self, Kiosk};
use crate::hub::sql::{Db, DbResult, Row, Value};

/// How often the hub refreshes the lights in the background.
pub const REFRESH_EVERY: Duration = Duration::from_secs(15);
/// Rows judged in one transaction.
const CHUNK: usize = 500;

/// The stored order: worst first, so `ORDER BY light` is the fleet page's order.
pub fn rank(l: Light) -> i64 {
    match l {
        Light::Red => 0,
        Light::Amber => 1,
        Light::Green => 2,
        Light::Off => 3,
    }
}

pub fn from_rank(r: i64) -> Light {
    match r {
        0 => Light::Red,
        1 => Light::Amber,
        2 => Light::Green,
        _ => Light::Off,
    }
}

/// Reasons as stored (one a line; a reason never holds a line break, see `health::assess`).
pub fn join(reasons: &[String]) -> String {
    reasons.join("\n")
}

pub fn split(stored: &str) -> Vec<String> {
    stored
        .split('\n')
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

/// What is stored for kiosk `k` judged against `newest` at `now`: its light's rank, its
/// reasons and `health_until`.
fn judgement(k: &Kiosk, newest: Option<i64>, now: i64) -> [Value; 3] {
    let h = health::assess(k, newest, now);
    [
        rank(h.light).into(),
        join(&h.reasons).into(),
        health::until(k, now).into(),
    ]
}

/// Judges kiosk `id` as its row stands and stores the light, against the newest version the
/// row was last judged against. Inside the caller's transaction (the writer's upload).
pub fn judge(db: &mut dyn Db, id: &str, now: i64) -> DbResult<()> {
    let sql = format!(
        "SELECT {}, health_newest FROM kiosk WHERE id = $1",
        kiosks::COLUMNS
    );
    let Some(r) = db.row(&sql, &[id.into()])? else {
        return Ok(());
    };
    let k = kiosks::from_row(&r);
    let newest = Some(r.int(11)).filter(|v| *v >= 0);
    let mut params: Vec<Value> = vec![id.into()];
    params.extend(judgement(&k, newest, now));
    db.exec(
        "UPDATE kiosk SET light = $2, reasons = $3, health_until = $4 WHERE id = $1",
        &params,
    )?;
    Ok(())
}

/// Judges again every kiosk whose stored light may be out of date at `now` (never judged,
/// judged against another newest version than `newest`, or past its `health_until`), in
/// transactions of [`CHUNK`] rows; how many were judged.
pub fn refresh(db: &mut dyn Db, newest: Option<i64>, now: i64) -> DbResult<usize> {
    let want = newest.unwrap_or(-1);
    // Each term has an index of its own, so both backends read only the stale rows.
    let sql = format!(
        "SELECT {}, heartbeat_seq FROM kiosk
         WHERE light IS NULL OR health_until <= $1 OR health_newest < $2 OR health_newest > $2
         LIMIT {CHUNK}",
        kiosks::COLUMNS
    );
    let mut total = 0;
    // Bounded: a row an upload changes in between is read again, but never forever.
    for _ in 0..10_000 {
        let n = db.transaction(|db| {
            let rows = db.query(&sql, &[now.into(), want.into()])?;
            store_if_unchanged(db, &rows, newest, want, now)?;
            Ok::<_, crate::hub::sql::DbError>(rows.len())
        })?;
        total += n;
        if n < CHUNK {
            break;
        }
    }
    Ok(total)
}

/// Writes the judgement of each row read (`kiosks::COLUMNS`, then `heartbeat_seq`), each only
/// where the kiosk's state, `last_seen` and heartbeat are still what was read. As many rows a
/// statement as the backend does best with (`Db::insert_chunks`): PostgreSQL took 2 s for
/// 10,000 one-row statements (a round trip each) and 0.8 s in 100-row ones; SQLite is fastest
/// one row at a time (its planner does not index the `VALUES` list: 0.8 s instead of 0.16 s).
fn store_if_unchanged(
    db: &mut dyn Db,
    rows: &[Row],
    newest: Option<i64>,
    want: i64,
    now: i64,
) -> DbResult<()> {
    let per = db.insert_chunks().first().copied().unwrap_or(1).max(1);
    for chunk in rows.chunks(per) {
        let mut params: Vec<Value> = Vec::with_capacity(chunk.len() * 7 + 1);
        for r in chunk {
            let k: Kiosk = kiosks::from_row(r);
            params.push(k.id.as_str().into());
            params.extend(judgement(&k, newest, now));
            params.extend([
                k.state.as_str().into(),
                k.last_seen.unwrap_or(-1).into(),
                r.opt_int(11).unwrap_or(-1).into(),
            ]);
        }
        params.push(want.into());
        let sql = if chunk.len() == 1 {
            "UPDATE kiosk SET light = $2, reasons = $3, health_until = $4, health_newest = $8
             WHERE id = $1 AND state = $5 AND COALESCE(last_seen, -1) = $6
               AND COALESCE(heartbeat_seq, -1) = $7"
                .to_string()
        } else {
            // Typed in the list: PostgreSQL reads a bare placeholder in VALUES as text.
            let tuples: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let n = i * 7;
                    format!(
                        "(${}, CAST(${} AS BIGINT), ${}, CAST(${} AS BIGINT), ${}, \
                         CAST(${} AS BIGINT), CAST(${} AS BIGINT))",
                        n + 1,
                        n + 2,
                        n + 3,
                        n + 4,
                        n + 5,
                        n + 6,
                        n + 7
                    )
                })
                .collect();
            format!(
                "UPDATE kiosk SET light = v.column2, reasons = v.column3,
                     health_until = v.column4, health_newest = ${}
                 FROM (VALUES {}) AS v
                 WHERE kiosk.id = v.column1 AND kiosk.state = v.column5
                   AND COALESCE(kiosk.last_seen, -1) = v.column6
                   AND COALESCE(kiosk.heartbeat_seq, -1) = v.column7",
                params.len(),
                tuples.join(", ")
            )
        };
        db.exec(&sql, &params)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::sqlite::SqliteDb;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;

    fn db() -> (tempfile::TempDir, SqliteDb) {
        let dir = tempfile::tempdir().unwrap();
        let mut db = SqliteDb::open(&dir.path().join("hub.db")).unwrap();
        crate::hub::schema::migrate(&mut db).unwrap();
        (dir, db)
    }

    fn add(db: &mut dyn Db, id: &str, last_seen: i64, content: &str) {
        let hb = json!({"app_version": "1", "content_version": content,
            "last_sync_status": "up-to-date", "free_disk_mb": 9000, "warnings": 0});
        db.exec(
            "INSERT INTO kiosk (id, public_key, state, enrolled_at, last_seen, heartbeat_seq, heartbeat)
             VALUES ($1, '00', 'approved', 0, $2, 1, $3)",
            &[id.into(), last_seen.into(), hb.to_string().into()],
        )
        .unwrap();
    }

    fn stored(db: &mut dyn Db, id: &str) -> (Light, Vec<String>, Option<i64>) {
        let r = db
            .row(
                "SELECT light, reasons, health_until FROM kiosk WHERE id = $1",
                &[id.into()],
            )
            .unwrap()
            .unwrap();
        (
            from_rank(r.int(0)),
            split(&r.opt_text(1).unwrap_or_default()),
            r.opt_int(2),
        )
    }

    #[test]
    fn refresh_judges_new_rows_then_only_what_time_or_a_publish_changes() {
        let (_d, mut db) = db();
        let db: &mut dyn Db = &mut db;
        add(db, "fresh", NOW - 60, "7");
        add(db, "quiet", NOW - 20 * 3600, "7");
        add(db, "behind", NOW - 60, "6");
        assert_eq!(refresh(db, Some(7), NOW).unwrap(), 3);
        assert_eq!(stored(db, "fresh").0, Light::Green);
        assert_eq!(stored(db, "quiet").0, Light::Green);
        let (l, r, _) = stored(db, "behind");
        assert_eq!((l, r), (Light::Amber, vec!["内容落后 1 版".to_string()]));
        // Nothing changed: nothing judged.
        assert_eq!(refresh(db, Some(7), NOW + 60).unwrap(), 0);
        // Five hours on, the quiet one has been silent a day: only it is judged again.
        assert_eq!(refresh(db, Some(7), NOW + 5 * 3600).unwrap(), 1);
        let (l, r, _) = stored(db, "quiet");
        assert_eq!((l, r), (Light::Amber, vec!["1 天没有联系".to_string()]));
        // A publish: every kiosk is judged against version 8.
        assert_eq!(refresh(db, Some(8), NOW + 5 * 3600).unwrap(), 3);
        assert_eq!(stored(db, "fresh").1, vec!["内容落后 1 版"]);
        assert_eq!(stored(db, "behind").1, vec!["内容落后 2 版"]);
    }

    #[test]
    fn an_upload_is_judged_at_once_against_the_version_its_row_knows() {
        let (_d, mut db) = db();
        let db: &mut dyn Db = &mut db;
        add(db, "k", NOW - 4 * 86_400, "7");
        refresh(db, Some(8), NOW).unwrap();
        let (l, r, _) = stored(db, "k");
        assert_eq!(l, Light::Red);
        assert_eq!(r, vec!["4 天没有联系", "内容落后 1 版"]);
        // The kiosk comes back with version 8: the writer's judgement turns it green.
        let hb = json!({"app_version": "1", "content_version": "8"});
        db.exec(
            "UPDATE kiosk SET last_seen = $2, heartbeat_seq = 2, heartbeat = $3 WHERE id = $1",
            &["k".into(), NOW.into(), hb.to_string().into()],
        )
        .unwrap();
        judge(db, "k", NOW).unwrap();
        let (l, r, until) = stored(db, "k");
        assert_eq!((l, r), (Light::Green, vec![]));
        assert_eq!(until, Some(NOW + health::QUIET_AMBER_SECS));
        assert_eq!(refresh(db, Some(8), NOW + 10).unwrap(), 0);
    }

    #[test]
    fn a_row_changed_since_it_was_read_is_not_overwritten() {
        let (_d, mut db) = db();
        let db: &mut dyn Db = &mut db;
        add(db, "k", NOW - 60, "7");
        let sql = format!(
            "SELECT {}, heartbeat_seq FROM kiosk WHERE id = 'k'",
            kiosks::COLUMNS
        );
        let old = db.row(&sql, &[]).unwrap().unwrap();
        // An upload lands between the read and the write: a full disk, judged at once.
        let hb = json!({"app_version": "1", "content_version": "7", "free_disk_mb": 50});
        db.exec(
            "UPDATE kiosk SET heartbeat_seq = 2, heartbeat = $1 WHERE id = 'k'",
            &[hb.to_string().into()],
        )
        .unwrap();
        judge(db, "k", NOW).unwrap();
        store_if_unchanged(db, &[old], Some(7), 7, NOW).unwrap();
        assert_eq!(stored(db, "k").1, vec!["磁盘只剩 50 MB"]);
    }
}
