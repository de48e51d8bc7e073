//! `POST /v1/upload`, stored: each record checked again (`Record::check`: the hub never trusts
//! the kiosk), then written once per (kiosk id, sequence number) into the inbox and its typed
//! table; a record seen before (or at or below the kiosk's `inbox_floor`, see `prune`) changes
//! nothing. Records that fail the check go to `rejected`.

use crate::outbox::record::{Record, Subject};

use super::sql::{Db, DbResult, Value};
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

/// Writes a checked batch (inside the caller's transaction); how many records were new.
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
    let mut new = 0;
    for c in ok {
        if c.seq <= floor {
            // Held since before its inbox row was pruned (see `prune`).
            continue;
        }
        let k: Value = kiosk.into();
        let inserted = db.exec(
            "INSERT INTO inbox (kiosk_id, seq, kind, at, received_at, body)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kiosk_id, seq) DO NOTHING",
            &[
                k.clone(),
                c.seq.into(),
                c.record.kind().into(),
                c.at.as_str().into(),
                now.into(),
                c.body.as_str().into(),
            ],
        )?;
        if inserted == 0 {
            continue;
        }
        new += 1;
        let (seq, at): (Value, Value) = (c.seq.into(), c.at.as_str().into());
        match &c.record {
            Record::Rating(r) => {
                let (subject, guide) = match &r.subject {
                    Subject::Guide { id } => ("guide", Some(id.as_str())),
                    Subject::Hall => ("hall", None),
                };
                db.exec(
                    "INSERT INTO rating (kiosk_id, seq, at, subject, guide, level, reasons, indicator_set, case_no, phone)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    &[
                        k,
                        seq,
                        at,
                        subject.into(),
                        guide.into(),
                        i64::from(u8::from(r.level)).into(),
                        r.reasons.join("；").into(),
                        r.indicator_set.as_str().into(),
                        r.case_no.as_deref().into(),
                        r.phone.as_deref().into(),
                    ],
                )?;
            }
            Record::Suggestion(s) => {
                db.exec(
                    "INSERT INTO suggestion (kiosk_id, seq, at, topic, about, phone)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        k,
                        seq,
                        at,
                        s.topic.as_str().into(),
                        s.about.as_deref().into(),
                        s.phone.as_deref().into(),
                    ],
                )?;
            }
            Record::Miss(m) => {
                db.exec(
                    "INSERT INTO miss (kiosk_id, seq, at, query, step, found)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        k,
                        seq,
                        at,
                        m.query.as_str().into(),
                        m.step.as_deref().into(),
                        i64::from(m.found).into(),
                    ],
                )?;
            }
            Record::Usage(u) => {
                db.exec(
                    "INSERT INTO usage_count (kiosk_id, seq, day, guide, opened)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[
                        k,
                        seq,
                        u.day.as_str().into(),
                        u.guide.as_str().into(),
                        u.opened.into(),
                    ],
                )?;
            }
            Record::Heartbeat(h) => {
                db.exec(
                    "INSERT INTO heartbeat (kiosk_id, seq, at, app_version, content_version, last_sync_status, body, received_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        k.clone(),
                        seq.clone(),
                        at.clone(),
                        h.app_version.as_str().into(),
                        h.content_version.as_deref().into(),
                        h.last_sync_status.as_deref().into(),
                        c.body.as_str().into(),
                        now.into(),
                    ],
                )?;
                db.exec(
                    "UPDATE kiosk SET heartbeat_seq = $2, heartbeat_at = $3, heartbeat = $4
                     WHERE id = $1 AND (heartbeat_seq IS NULL OR heartbeat_seq < $2)",
                    &[k, seq, at, c.body.as_str().into()],
                )?;
            }
        }
    }
    for b in bad {
        db.exec(
            "INSERT INTO rejected (kiosk_id, seq, at, received_at, why, body)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kiosk_id, seq) DO NOTHING",
            &[
                kiosk.into(),
                b.seq.into(),
                b.at.as_str().into(),
                now.into(),
                b.why.as_str().into(),
                b.body.as_str().into(),
            ],
        )?;
    }
    Ok(new)
}
