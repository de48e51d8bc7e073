//! `banshi hub report`: what the hub holds, for county staff, scripts and the provincial
//! 好差评 system (`ratings --csv`, columns in [`RATING_CSV_COLUMNS`]).

use serde::Serialize;

use crate::outbox::record::Level;

use super::kiosks::{self, Kiosk};
use super::sql::{Db, DbResult, Value};

/// Unix seconds as local RFC 3339 text.
pub fn time(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
        .unwrap_or_default()
}

#[derive(Debug, Serialize)]
pub struct FleetRow {
    #[serde(flatten)]
    pub kiosk: Kiosk,
    pub state_name: &'static str,
    pub last_seen_time: Option<String>,
    /// Records held, per kind (rating, suggestion, miss, usage, heartbeat; heartbeats only
    /// as long as they are kept).
    pub received: std::collections::BTreeMap<String, i64>,
    pub rejected: i64,
}

pub fn fleet(db: &mut dyn Db) -> DbResult<Vec<FleetRow>> {
    let mut counts =
        std::collections::HashMap::<String, std::collections::BTreeMap<String, i64>>::new();
    // The typed tables' rows per kiosk, as counters kept with them (`inbox::store` adds,
    // `prune` takes pruned heartbeats off): counting 36 million ratings a year is too slow
    // for a page. Kinds with no record yet are left out, as a count would.
    for r in db.query("SELECT kiosk_id, kind, n FROM kiosk_count WHERE n > 0", &[])? {
        counts
            .entry(r.text(0))
            .or_default()
            .insert(r.text(1), r.int(2));
    }
    let mut rejected = std::collections::HashMap::<String, i64>::new();
    for r in db.query(
        "SELECT kiosk_id, COUNT(*) FROM rejected GROUP BY kiosk_id",
        &[],
    )? {
        rejected.insert(r.text(0), r.int(1));
    }
    Ok(kiosks::list(db)?
        .into_iter()
        .map(|k| FleetRow {
            state_name: k.state.name(),
            last_seen_time: k.last_seen.map(time),
            received: counts.remove(&k.id).unwrap_or_default(),
            rejected: rejected.get(&k.id).copied().unwrap_or(0),
            kiosk: k,
        })
        .collect())
}

#[derive(Debug, Serialize)]
pub struct RatingRow {
    pub kiosk: String,
    pub seq: i64,
    pub at: String,
    pub hall: Option<String>,
    pub region: Option<String>,
    /// `guide` or `hall`.
    pub subject: String,
    pub guide: Option<String>,
    pub level: i64,
    pub level_name: String,
    pub bad: bool,
    pub reasons: Vec<String>,
    pub indicator_set: String,
    pub case_no: Option<String>,
    pub phone: Option<String>,
}

/// The columns [`rating_row`] reads (`r` the rating, `k` its kiosk, joined by the caller).
pub const RATING_SELECT: &str = "SELECT r.kiosk_id, r.seq, r.at, k.hall, k.region, r.subject,
        r.guide, r.level, r.reasons, r.indicator_set, r.case_no, r.phone
    FROM rating r LEFT JOIN kiosk k ON k.id = r.kiosk_id";

/// Ratings the kiosks wrote on or after `since` (YYYY-MM-DD), oldest first.
pub fn ratings(db: &mut dyn Db, since: Option<&str>) -> DbResult<Vec<RatingRow>> {
    let rows = db.query(
        &format!("{RATING_SELECT} WHERE r.at >= $1 ORDER BY r.at, r.kiosk_id, r.seq"),
        &[since.unwrap_or("").into()],
    )?;
    Ok(rows.iter().map(rating_row).collect())
}

/// A row of [`RATING_SELECT`].
pub fn rating_row(r: &super::sql::Row) -> RatingRow {
    let level = r.int(7);
    let l = Level::new(level as u8);
    RatingRow {
        kiosk: r.text(0),
        seq: r.int(1),
        at: r.text(2),
        hall: r.opt_text(3),
        region: r.opt_text(4),
        subject: r.text(5),
        guide: r.opt_text(6),
        level,
        level_name: l.map(|l| l.name().to_string()).unwrap_or_default(),
        bad: l.is_some_and(Level::is_bad),
        reasons: r
            .text(8)
            .split('；')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        indicator_set: r.text(9),
        case_no: r.opt_text(10),
        phone: r.opt_text(11),
    }
}

/// The columns of `banshi hub report ratings --csv`, in order (documented in the README).
pub const RATING_CSV_COLUMNS: [&str; 15] = [
    "评价编号",
    "评价时间",
    "评价渠道",
    "终端编号",
    "大厅",
    "区划代码",
    "评价对象",
    "事项编码",
    "办件编号",
    "评价等级",
    "评价等级名称",
    "是否差评",
    "差评原因",
    "指标版本",
    "回访电话",
];

/// One rating as the cells of [`RATING_CSV_COLUMNS`], in order.
pub fn rating_cells(r: &RatingRow) -> [String; 15] {
    [
        format!("{}-{}", r.kiosk, r.seq),
        r.at.clone(),
        "自助终端".to_string(),
        r.kiosk.clone(),
        r.hall.clone().unwrap_or_default(),
        r.region.clone().unwrap_or_default(),
        if r.subject == "hall" {
            "大厅"
        } else {
            "办事指南"
        }
        .to_string(),
        r.guide.clone().unwrap_or_default(),
        r.case_no.clone().unwrap_or_default(),
        r.level.to_string(),
        r.level_name.clone(),
        if r.bad { "是" } else { "否" }.to_string(),
        r.reasons.join("；"),
        r.indicator_set.clone(),
        r.phone.clone().unwrap_or_default(),
    ]
}

/// Ratings as CSV for the provincial 好差评 system: UTF-8 with a byte-order mark (so Excel
/// and WPS open it as UTF-8), one header row, reasons joined by “；”.
pub fn ratings_csv(rows: &[RatingRow]) -> anyhow::Result<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(RATING_CSV_COLUMNS)?;
        for r in rows {
            w.write_record(rating_cells(r))?;
        }
        w.flush()?;
    }
    Ok(out)
}

#[derive(Debug, Serialize)]
pub struct SuggestionRow {
    pub kiosk: String,
    pub seq: i64,
    pub at: String,
    pub hall: Option<String>,
    pub region: Option<String>,
    pub topic: String,
    pub about: Option<String>,
    pub phone: Option<String>,
}

pub fn suggestions(db: &mut dyn Db, since: Option<&str>) -> DbResult<Vec<SuggestionRow>> {
    let rows = db.query(
        "SELECT s.kiosk_id, s.seq, s.at, k.hall, k.region, s.topic, s.about, s.phone
         FROM suggestion s LEFT JOIN kiosk k ON k.id = s.kiosk_id
         WHERE s.at >= $1 ORDER BY s.at, s.kiosk_id, s.seq",
        &[since.unwrap_or("").into()],
    )?;
    Ok(rows
        .iter()
        .map(|r| SuggestionRow {
            kiosk: r.text(0),
            seq: r.int(1),
            at: r.text(2),
            hall: r.opt_text(3),
            region: r.opt_text(4),
            topic: r.text(5),
            about: r.opt_text(6),
            phone: r.opt_text(7),
        })
        .collect())
}

/// One query residents searched for without finding what they wanted, across the fleet.
#[derive(Debug, Serialize)]
pub struct SearchRow {
    pub query: String,
    /// How often it was searched (and missed).
    pub times: i64,
    /// Of those, how often nothing at all was found.
    pub found_nothing: i64,
    pub kiosks: i64,
    pub last_at: String,
}

pub fn searches(db: &mut dyn Db, since: Option<&str>) -> DbResult<Vec<SearchRow>> {
    let rows = db.query(
        "SELECT query, COUNT(*), SUM(CASE WHEN found = 0 THEN 1 ELSE 0 END),
                COUNT(DISTINCT kiosk_id), MAX(at)
         FROM miss WHERE at >= $1 GROUP BY query ORDER BY COUNT(*) DESC, query",
        &[Value::from(since.unwrap_or(""))],
    )?;
    Ok(rows
        .iter()
        .map(|r| SearchRow {
            query: r.text(0),
            times: r.int(1),
            found_nothing: r.int(2),
            kiosks: r.int(3),
            last_at: r.text(4),
        })
        .collect())
}
