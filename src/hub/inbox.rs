//! `POST /v1/upload`, stored: each record checked again (`Record::check`: the hub never trusts
//! the kiosk), then written once per (kiosk id, sequence number) into the inbox and its typed
//! table; a record seen before (or at or below the kiosk's `inbox_floor`, see `prune`) changes
//! nothing. Records that fail the check go to `rejected`.

use crate::outbox::record::{Record, Subject};

use super::console::cases::{self, Kind, NewCase};
use super::sql::{Db, DbResult, Row, Value};
use super::wire::{Rejected, UploadReply, UploadRequest, MAX_BATCH};

/// A record that passed the checks.
#[derive(Debug, Clone)]
pub struct Checked {
    pub seq: i64,
    pub at: String,
    pub record: Record,
    pub body: String,
}

/// A record the hub will never store (kept in `rejected` for the county).
#[derive(Debug, Clone)]
pub struct Invalid {
    pub seq: i64,
    pub at: String,
    pub why: String,
    pub body: String,
}

/// A batch checked record by record; `Err` when the batch as a whole is malformed.
pub fn check(req: UploadRequest) -> Result<(Vec<Checked>, Vec<Invalid>), String> {
    if req.records.len() > MAX_BATCH {
        return Err(format!("一批最多 {MAX_BATCH} 条记录"));
    }
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for w in req.records {
        let body = w.record.to_string();
        if w.seq < 1 {
            return Err(format!("序号 {} 不对：序号从 1 开始", w.seq));
        }
        let at_ok = w.at.len() <= 40 && chrono::DateTime::parse_from_rfc3339(&w.at).is_ok();
        let at = if at_ok { w.at } else { String::new() };
        let why = if !at_ok {
            Err("记录时间不是 RFC 3339 时间".to_string())
        } else {
            match serde_json::from_value::<Record>(w.record) {
                Err(e) => Err(format!("不认识的记录：{e}")),
                Ok(record) => record.check().map(|()| record),
            }
        };
        match why {
            Ok(record) => ok.push(Checked {
                seq: w.seq,
                at,
                record,
                body,
            }),
            Err(why) => bad.push(Invalid {
                seq: w.seq,
                at,
                why,
                body,
            }),
        }
    }
    Ok((ok, bad))
}

/// What the kiosk is told: every good record is held (now or from before), every bad one
/// will never be.
pub fn reply(ok: &[Checked], bad: &[Invalid]) -> UploadReply {
    UploadReply {
        ack: ok.iter().map(|c| c.seq).collect(),
        rejected: bad
            .iter()
            .map(|b| Rejected {
                seq: b.seq,
                why: b.why.clone(),
            })
            .collect(),
    }
}

/// `head VALUES (…), (…) … tail` for `rows` (each `cols` values), in statements of the sizes
/// the backend names ([`Db::insert_chunks`]: a few fixed shapes, so each is prepared once);
/// the rows the statements return (for `RETURNING`).
fn insert_many(
    db: &mut dyn Db,
    head: &str,
    cols: usize,
    rows: Vec<Vec<Value>>,
    tail: &str,
) -> DbResult<Vec<Row>> {
    let mut out = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let left = rows.len();
        let n = db
            .insert_chunks()
            .iter()
            .copied()
            .find(|&c| c <= left)
            .unwrap_or(1);
        let tuples: Vec<String> = (0..n)
            .map(|r| {
                let cells: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        let sql = format!("{head} VALUES {} {tail}", tuples.join(", "));
        let params: Vec<Value> = rows.by_ref().take(n).flatten().collect();
        out.extend(db.query(&sql, &params)?);
    }
    Ok(out)
}

/// Writes a checked batch (inside the caller's transaction); how many records were new. The
/// inbox first (`RETURNING` which rows were new), then each typed table, in multi-row
/// statements where the backend gains from them (PostgreSQL: every statement a round trip).
pub fn store(
    db: &mut dyn Db,
    kiosk: &str,
    ok: &[Checked],
    bad: &[Invalid],
    now: i64,
) -> DbResult<usize> {
    // The kiosk's row first: on PostgreSQL this locks it, so a prune raising the floor
    // (which updates the same row first) and this upload never interleave.
    db.exec(
        "UPDATE kiosk SET last_seen = $2 WHERE id = $1",
        &[kiosk.into(), now.into()],
    )?;
    let floor = db
        .row(
            "SELECT inbox_floor FROM kiosk WHERE id = $1",
            &[kiosk.into()],
        )?
        .map_or(0, |r| r.int(0));
    let k: Value = kiosk.into();
    // At or below the floor: held since before its inbox row was pruned (see `prune`). A seq
    // twice in one batch: the first one counts, as it would one statement at a time.
    let mut seen = std::collections::HashSet::new();
    let candidates: Vec<&Checked> = ok
        .iter()
        .filter(|c| c.seq > floor && seen.insert(c.seq))
        .collect();
    let inbox_rows = candidates
        .iter()
        .map(|c| {
            vec![
                k.clone(),
                c.seq.into(),
                c.record.kind().into(),
                c.at.as_str().into(),
                now.into(),
                c.body.as_str().into(),
            ]
        })
        .collect();
    let inserted: std::collections::HashSet<i64> = insert_many(
        db,
        "INSERT INTO inbox (kiosk_id, seq, kind, at, received_at, body)",
        6,
        inbox_rows,
        "ON CONFLICT (kiosk_id, seq) DO NOTHING RETURNING seq",
    )?
    .iter()
    .map(|r| r.int(0))
    .collect();
    let fresh: Vec<&Checked> = candidates
        .into_iter()
        .filter(|c| inserted.contains(&c.seq))
        .collect();

    let (mut ratings, mut suggestions, mut misses, mut usage, mut heartbeats) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut newest_heartbeat: Option<&Checked> = None;
    for c in &fresh {
        let (seq, at): (Value, Value) = (c.seq.into(), c.at.as_str().into());
        match &c.record {
            Record::Rating(r) => {
                let (subject, guide) = match &r.subject {
                    Subject::Guide { id } => ("guide", Some(id.as_str())),
                    Subject::Hall => ("hall", None),
                };
                ratings.push(vec![
                    k.clone(),
                    seq,
                    at,
                    subject.into(),
                    guide.into(),
                    i64::from(u8::from(r.level)).into(),
                    r.reasons.join("；").into(),
                    r.indicator_set.as_str().into(),
                    r.case_no.as_deref().into(),
                    r.phone.as_deref().into(),
                ]);
            }
            Record::Suggestion(s) => suggestions.push(vec![
                k.clone(),
                seq,
                at,
                s.topic.as_str().into(),
                s.about.as_deref().into(),
                s.phone.as_deref().into(),
            ]),
            Record::Miss(m) => misses.push(vec![
                k.clone(),
                seq,
                at,
                m.query.as_str().into(),
                m.step.as_deref().into(),
                i64::from(m.found).into(),
            ]),
            Record::Usage(u) => usage.push(vec![
                k.clone(),
                seq,
                u.day.as_str().into(),
                u.guide.as_str().into(),
                u.opened.into(),
            ]),
            Record::Heartbeat(h) => {
                heartbeats.push(vec![
                    k.clone(),
                    seq,
                    at,
                    h.app_version.as_str().into(),
                    h.content_version.as_deref().into(),
                    h.last_sync_status.as_deref().into(),
                    c.body.as_str().into(),
                    now.into(),
                ]);
                if newest_heartbeat.is_none_or(|n| n.seq < c.seq) {
                    newest_heartbeat = Some(c);
                }
            }
        }
    }
    insert_many(
        db,
        "INSERT INTO rating (kiosk_id, seq, at, subject, guide, level, reasons, indicator_set, case_no, phone)",
        10,
        ratings,
        "",
    )?;
    insert_many(
        db,
        "INSERT INTO suggestion (kiosk_id, seq, at, topic, about, phone)",
        6,
        suggestions,
        "",
    )?;
    insert_many(
        db,
        "INSERT INTO miss (kiosk_id, seq, at, query, step, found)",
        6,
        misses,
        "",
    )?;
    insert_many(
        db,
        "INSERT INTO usage_count (kiosk_id, seq, day, guide, opened)",
        5,
        usage,
        "",
    )?;
    insert_many(
        db,
        "INSERT INTO heartbeat (kiosk_id, seq, at, app_version, content_version, last_sync_status, body, received_at)",
        8,
        heartbeats,
        "",
    )?;
    counters(db, kiosk, &fresh)?;
    let cases: Vec<NewCase> = fresh
        .iter()
        .filter_map(|c| match &c.record {
            Record::Rating(r) if r.level.is_bad() => Some(NewCase {
                seq: c.seq,
                kind: Kind::Rating,
                guide: match &r.subject {
                    Subject::Guide { id } => Some(id.clone()),
                    Subject::Hall => None,
                },
                about: None,
            }),
            Record::Suggestion(s) => Some(NewCase {
                seq: c.seq,
                kind: Kind::Suggestion,
                guide: None,
                about: s.about.clone(),
            }),
            _ => None,
        })
        .collect();
    cases::open(db, kiosk, &cases, now)?;
    if let Some(c) = newest_heartbeat {
        db.exec(
            "UPDATE kiosk SET heartbeat_seq = $2, heartbeat_at = $3, heartbeat = $4
             WHERE id = $1 AND (heartbeat_seq IS NULL OR heartbeat_seq < $2)",
            &[
                k.clone(),
                c.seq.into(),
                c.at.as_str().into(),
                c.body.as_str().into(),
            ],
        )?;
    }
    // Heard from (and maybe a new heartbeat): the fleet's light for it, at once.
    crate::hub::console::lights::judge(db, kiosk, now)?;
    let rejected = bad
        .iter()
        .map(|b| {
            vec![
                k.clone(),
                b.seq.into(),
                b.at.as_str().into(),
                now.into(),
                b.why.as_str().into(),
                b.body.as_str().into(),
            ]
        })
        .collect();
    insert_many(
        db,
        "INSERT INTO rejected (kiosk_id, seq, at, received_at, why, body)",
        6,
        rejected,
        "ON CONFLICT (kiosk_id, seq) DO NOTHING",
    )?;
    Ok(fresh.len())
}

/// The counters the console reads instead of counting the typed tables: records per kiosk
/// and kind (`kiosk_count`), ratings per day and level in all (`rating_day`), by guide
/// (`rating_day_guide`, `''` for the hall) and by kiosk (`rating_day_kiosk`); the day is the
/// kiosk's own date of the rating.
fn counters(db: &mut dyn Db, kiosk: &str, fresh: &[&Checked]) -> DbResult<()> {
    use std::collections::BTreeMap;
    let mut kinds = BTreeMap::<&str, i64>::new();
    let mut by_guide = BTreeMap::<(String, String, i64), i64>::new();
    let mut by_kiosk = BTreeMap::<(String, i64), i64>::new();
    let mut by_day = BTreeMap::<(String, i64), i64>::new();
    for c in fresh {
        *kinds.entry(c.record.kind()).or_default() += 1;
        if let Record::Rating(r) = &c.record {
            let day = c.at.get(..10).unwrap_or_default().to_string();
            let level = i64::from(u8::from(r.level));
            let guide = match &r.subject {
                Subject::Guide { id } => id.clone(),
                Subject::Hall => String::new(),
            };
            *by_guide.entry((day.clone(), guide, level)).or_default() += 1;
            *by_day.entry((day.clone(), level)).or_default() += 1;
            *by_kiosk.entry((day, level)).or_default() += 1;
        }
    }
    let k: Value = kiosk.into();
    insert_many(
        db,
        "INSERT INTO kiosk_count (kiosk_id, kind, n)",
        3,
        kinds
            .into_iter()
            .map(|(kind, n)| vec![k.clone(), kind.into(), n.into()])
            .collect(),
        "ON CONFLICT (kiosk_id, kind) DO UPDATE SET n = kiosk_count.n + excluded.n",
    )?;
    insert_many(
        db,
        "INSERT INTO rating_day (day, level, n)",
        3,
        by_day
            .into_iter()
            .map(|((day, level), n)| vec![day.into(), level.into(), n.into()])
            .collect(),
        "ON CONFLICT (day, level) DO UPDATE SET n = rating_day.n + excluded.n",
    )?;
    insert_many(
        db,
        "INSERT INTO rating_day_guide (day, guide, level, n)",
        4,
        by_guide
            .into_iter()
            .map(|((day, guide, level), n)| vec![day.into(), guide.into(), level.into(), n.into()])
            .collect(),
        "ON CONFLICT (day, guide, level) DO UPDATE SET n = rating_day_guide.n + excluded.n",
    )?;
    insert_many(
        db,
        "INSERT INTO rating_day_kiosk (kiosk_id, day, level, n)",
        4,
        by_kiosk
            .into_iter()
            .map(|((day, level), n)| vec![k.clone(), day.into(), level.into(), n.into()])
            .collect(),
        "ON CONFLICT (kiosk_id, day, level) DO UPDATE SET n = rating_day_kiosk.n + excluded.n",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::sqlite::SqliteDb;
    use crate::hub::wire::WireRecord;

    fn batch(seqs: &[i64]) -> UploadRequest {
        UploadRequest {
            records: seqs
                .iter()
                .map(|&seq| WireRecord {
                    seq,
                    at: "2026-12-04T10:00:00+08:00".into(),
                    record: if seq % 2 == 0 {
                        serde_json::json!({"kind": "miss", "query": format!("q{seq}"),
                                           "step": null, "found": false})
                    } else {
                        serde_json::json!({"kind": "suggestion", "topic": "大厅服务",
                                           "about": format!("s{seq}"), "phone": null})
                    },
                })
                .collect(),
        }
    }

    /// SQLite asked for PostgreSQL's statement sizes, so the multi-row path runs here too.
    struct Chunked(SqliteDb);

    impl Db for Chunked {
        fn exec(&mut self, sql: &str, params: &[Value]) -> DbResult<u64> {
            self.0.exec(sql, params)
        }
        fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
            self.0.query(sql, params)
        }
        fn batch(&mut self, sql: &str) -> DbResult<()> {
            self.0.batch(sql)
        }
        fn begin(&mut self) -> DbResult<()> {
            self.0.begin()
        }
        fn insert_chunks(&self) -> &'static [usize] {
            &[100, 10, 1]
        }
    }

    #[test]
    fn a_large_batch_is_stored_once_per_seq_one_row_at_a_time() {
        large_batch(false);
    }

    #[test]
    fn a_large_batch_is_stored_once_per_seq_in_multi_row_statements() {
        large_batch(true);
    }

    /// A batch of any size (across every statement size), with a seq sent twice and seqs
    /// held from before, stores each new record once, in its typed table.
    fn large_batch(chunked: bool) {
        let (_dir, mut db) = crate::hub::sqlite::scratch();
        let mut chunks;
        let db: &mut dyn Db = if chunked {
            chunks = Chunked(db);
            &mut chunks
        } else {
            &mut db
        };
        db.exec(
            "INSERT INTO kiosk (id, public_key, state, enrolled_at) VALUES ('k', '00', 'approved', 0)",
            &[],
        )
        .unwrap();
        let (ok, bad) = check(batch(&(1..=3).collect::<Vec<_>>())).unwrap();
        assert_eq!(store(db, "k", &ok, &bad, 1).unwrap(), 3);
        // 1..=3 held already, 7 twice: 123 + 1 seqs, 120 of them new.
        let mut seqs: Vec<i64> = (1..=123).collect();
        seqs.push(7);
        let (ok, bad) = check(batch(&seqs)).unwrap();
        assert_eq!(store(db, "k", &ok, &bad, 2).unwrap(), 120);
        let count = |db: &mut dyn Db, sql: &str| db.row(sql, &[]).unwrap().unwrap().int(0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM inbox"), 123);
        assert_eq!(count(db, "SELECT COUNT(*) FROM miss"), 61);
        assert_eq!(count(db, "SELECT COUNT(*) FROM suggestion"), 62);
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM suggestion WHERE about = 's101' AND seq = 101"
            ),
            1
        );
        // Sent again: nothing new.
        assert_eq!(store(db, "k", &ok, &bad, 3).unwrap(), 0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM inbox"), 123);
    }
}
