//! The county's list of kiosks: each one's device key and state (pending → approved →
//! revoked), where it stands, when it was last heard from and its newest heartbeat.

use serde::Serialize;

use super::sql::{Db, DbResult, Row};
use super::wire;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KioskState {
    Pending,
    Approved,
    Revoked,
}

impl KioskState {
    pub fn as_str(self) -> &'static str {
        match self {
            KioskState::Pending => "pending",
            KioskState::Approved => "approved",
            KioskState::Revoked => "revoked",
        }
    }

    fn parse(s: &str) -> KioskState {
        match s {
            "approved" => KioskState::Approved,
            "revoked" => KioskState::Revoked,
            _ => KioskState::Pending,
        }
    }

    /// As county staff read it.
    pub fn name(self) -> &'static str {
        match self {
            KioskState::Pending => "待批准",
            KioskState::Approved => "已批准",
            KioskState::Revoked => "已停用",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kiosk {
    pub id: String,
    pub public_key: String,
    /// What the technician screen shows for the same key (`wire::fingerprint`).
    pub fingerprint: String,
    pub state: KioskState,
    pub hall: Option<String>,
    pub region: Option<String>,
    /// Unix seconds.
    pub enrolled_at: i64,
    pub approved_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Last accepted upload or enrolment (unix seconds).
    pub last_seen: Option<i64>,
    /// The newest heartbeat (by sequence number) and when the kiosk wrote it.
    pub heartbeat_at: Option<String>,
    pub heartbeat: Option<serde_json::Value>,
}

/// The columns [`from_row`] reads, in its order (callers may select more after them).
pub const COLUMNS: &str = "id, public_key, state, hall, region, enrolled_at, approved_at, revoked_at, last_seen, heartbeat_at, heartbeat";

pub fn from_row(r: &Row) -> Kiosk {
    let key = r.text(1);
    Kiosk {
        id: r.text(0),
        fingerprint: wire::fingerprint(&key),
        public_key: key,
        state: KioskState::parse(&r.text(2)),
        hall: r.opt_text(3),
        region: r.opt_text(4),
        enrolled_at: r.int(5),
        approved_at: r.opt_int(6),
        revoked_at: r.opt_int(7),
        last_seen: r.opt_int(8),
        heartbeat_at: r.opt_text(9),
        heartbeat: r.opt_text(10).and_then(|t| serde_json::from_str(&t).ok()),
    }
}

pub fn get(db: &mut dyn Db, id: &str) -> DbResult<Option<Kiosk>> {
    let sql = format!("SELECT {COLUMNS} FROM kiosk WHERE id = $1");
    Ok(db.row(&sql, &[id.into()])?.as_ref().map(from_row))
}

pub fn list(db: &mut dyn Db) -> DbResult<Vec<Kiosk>> {
    let sql = format!("SELECT {COLUMNS} FROM kiosk ORDER BY region, id");
    Ok(db.query(&sql, &[])?.iter().map(from_row).collect())
}

/// The kiosks waiting for approval, oldest enrolment first.
pub fn pending(db: &mut dyn Db) -> DbResult<Vec<Kiosk>> {
    let sql =
        format!("SELECT {COLUMNS} FROM kiosk WHERE state = 'pending' ORDER BY enrolled_at, id");
    Ok(db.query(&sql, &[])?.iter().map(from_row).collect())
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("没有编号为 {0} 的终端。用 banshi hub kiosks list 查看已登记的终端。")]
    NoSuchKiosk(String),
    #[error(transparent)]
    Db(#[from] super::sql::DbError),
}

/// Approves kiosk `id` (also a revoked one: the county's deliberate choice).
pub fn approve(db: &mut dyn Db, id: &str, now: i64) -> Result<Kiosk, AdminError> {
    update(
        db,
        id,
        "UPDATE kiosk SET state = 'approved', approved_at = $2, revoked_at = NULL, light = NULL
         WHERE id = $1",
        now,
    )
}

/// Revokes kiosk `id`: its uploads and enrolments are refused from now on.
pub fn revoke(db: &mut dyn Db, id: &str, now: i64) -> Result<Kiosk, AdminError> {
    update(
        db,
        id,
        "UPDATE kiosk SET state = 'revoked', revoked_at = $2, light = NULL WHERE id = $1",
        now,
    )
}

fn update(db: &mut dyn Db, id: &str, sql: &str, now: i64) -> Result<Kiosk, AdminError> {
    db.transaction(|db| {
        if db.exec(sql, &[id.into(), now.into()])? == 0 {
            return Err(AdminError::NoSuchKiosk(id.to_string()));
        }
        Ok(get(db, id)?.expect("just updated"))
    })
}
