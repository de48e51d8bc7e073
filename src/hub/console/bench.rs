//! `banshi bench --only console`: a county's year in the hub database — `kiosks` kiosks each
//! sending `per_day` ratings a day for `days` days (10,000 × 10 × 365 ≈ 36.5 million rows by
//! default), about 2 % of them 差评 and so cases (most older ones closed, some overdue), with
//! the counters `inbox::store` keeps — generated straight into a fresh SQLite file or the
//! empty PostgreSQL database `--hub-db` names (`Db::bulk_insert`: multi-row inserts on SQLite,
//! `COPY` on PostgreSQL; the rating table's time index built afterwards). Then the console's
//! reads are timed, p50 and p99 over `samples` runs each with varied parameters: the fleet
//! report, the first page of the 差评 list (all, by state, overdue, one department's), one
//! case's detail, and the 30-day charts.

use std::collections::HashMap;
use std::time::Instant;

use chrono::NaiveDate;
use serde::Serialize;

use crate::hub::sql::{Db, Value};

use super::cases::{self, CaseId, Filter, Kind, Scope, State};
use super::stats;
use super::workdays::{self, Deadlines};

#[derive(Debug, Clone)]
pub struct Options {
    pub kiosks: usize,
    pub days: u32,
    pub per_day: usize,
    /// Per cent of ratings that are 差评.
    pub bad_pct: f64,
    pub samples: usize,
    /// A PostgreSQL URL (an empty database); `None`: a SQLite file in a temporary folder.
    pub db: Option<String>,
    /// Keep the SQLite file (its path is in the report) to look at afterwards.
    pub keep: bool,
    /// Time the reads on a database a kept run made (a SQLite path or `postgres://…`)
    /// instead of generating one.
    pub reuse: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Timing {
    pub query: &'static str,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub samples: usize,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub backend: &'static str,
    pub kiosks: usize,
    pub days: u32,
    pub ratings: u64,
    pub cases: u64,
    pub generate_s: f64,
    pub db_mb: f64,
    pub timings: Vec<Timing>,
    /// The SQLite file, when kept.
    pub kept: Option<String>,
}

/// splitmix64: reproducible data without a random-number crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pct(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 10_000.0
    }
}

const GUIDES: usize = 300;
const DEPARTMENTS: usize = 20;
/// The day the generated year ends on.
const END: (i32, u32, u32) = (2026, 12, 4);

fn guide(i: usize) -> String {
    format!("439021-{i:03}")
}

fn department(i: usize) -> String {
    format!("dept{:02}", i % DEPARTMENTS)
}

fn kiosk(i: usize) -> String {
    format!("k{i:05}")
}

fn hall(i: usize) -> String {
    format!("便民服务站{:04}", i / 4)
}

fn p(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    (sorted[i] * 100.0).round() / 100.0
}

fn time<T>(
    query: &'static str,
    samples: usize,
    mut f: impl FnMut(usize) -> anyhow::Result<T>,
) -> anyhow::Result<Timing> {
    // One run first, so the first sample is not the cold cache's.
    f(0)?;
    let mut t = Vec::with_capacity(samples);
    for i in 0..samples {
        let start = Instant::now();
        f(i + 1)?;
        t.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    t.sort_by(f64::total_cmp);
    Ok(Timing {
        query,
        p50_ms: p(&t, 0.5),
        p99_ms: p(&t, 0.99),
        max_ms: p(&t, 1.0),
        samples,
    })
}

/// Generates the data into a fresh database, then times the console's reads.
pub fn run(o: &Options) -> anyhow::Result<Report> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("hub.db");
    if let Some(r) = &o.reuse {
        return reuse(o, r);
    }
    let url = match &o.db {
        Some(u) => u.clone(),
        None => format!("sqlite:{}", path.display()),
    };
    let postgres = matches!(
        crate::hub::db::parse(&url)?,
        crate::hub::db::Target::Postgres(_)
    );
    let mut db = crate::hub::bench::open_empty(&url)?;
    let started = Instant::now();
    let (ratings, case_ids) = generate(db.as_mut(), o, postgres)?;
    let generate_s = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    if !postgres {
        // A running hub's WAL stays small (checkpoints after each commit); the generator's
        // one large index build would otherwise leave a gigabyte in it for every read.
        db.batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    }
    let bytes = if postgres {
        db.row("SELECT pg_database_size(current_database())", &[])?
            .map_or(0, |r| r.int(0))
    } else {
        std::fs::metadata(&path).map_or(0, |m| m.len() as i64)
    };
    let timings = measure(db.as_mut(), o, &case_ids)?;
    let kept = (o.keep && !postgres).then(|| {
        let dir = dir.keep();
        dir.join("hub.db").display().to_string()
    });
    Ok(Report {
        backend: if postgres { "postgresql" } else { "sqlite" },
        kiosks: o.kiosks,
        days: o.days,
        ratings,
        cases: case_ids.len() as u64,
        generate_s,
        db_mb: (bytes as f64 / 1_048_576.0).round(),
        timings,
        kept,
    })
}

/// Times the reads on a database made before (`--console-keep`).
fn reuse(o: &Options, place: &str) -> anyhow::Result<Report> {
    let url = if place.starts_with("postgres") {
        place.to_string()
    } else {
        format!("sqlite:{place}")
    };
    let postgres = place.starts_with("postgres");
    let mut db = crate::hub::db::open(&url)?;
    let count = |db: &mut dyn Db, sql: &str| -> anyhow::Result<i64> {
        Ok(db.row(sql, &[])?.map_or(0, |r| r.int(0)))
    };
    let kiosks = count(db.as_mut(), "SELECT COUNT(*) FROM kiosk")? as usize;
    let ratings = count(
        db.as_mut(),
        "SELECT COALESCE(CAST(SUM(n) AS BIGINT), 0) FROM rating_day",
    )? as u64;
    // Every 50th case: spread over the year and the kiosks.
    let ids: Vec<CaseId> = db
        .query("SELECT kiosk_id, seq FROM feedback_case", &[])?
        .iter()
        .step_by(50)
        .map(|r| CaseId {
            kiosk: r.text(0),
            seq: r.int(1),
        })
        .collect();
    let cases = count(db.as_mut(), "SELECT COUNT(*) FROM feedback_case")? as u64;
    let o = Options {
        kiosks,
        ..o.clone()
    };
    let timings = measure(db.as_mut(), &o, &ids)?;
    Ok(Report {
        backend: if postgres { "postgresql" } else { "sqlite" },
        kiosks,
        days: o.days,
        ratings,
        cases,
        generate_s: 0.0,
        db_mb: 0.0,
        timings,
        kept: Some(place.to_string()),
    })
}

fn end_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(END.0, END.1, END.2).expect("a date")
}

/// Noon on the last day (China time): "now" for the reads.
fn now() -> i64 {
    workdays::start_of(end_day()) + 12 * 3600
}

fn generate(db: &mut dyn Db, o: &Options, postgres: bool) -> anyhow::Result<(u64, Vec<CaseId>)> {
    if postgres {
        db.batch("SET synchronous_commit = off")?;
    } else {
        db.batch("PRAGMA synchronous = OFF")?;
    }
    db.batch("DROP INDEX rating_at")?;
    let mut rng = Rng(42);
    let end = end_day();
    let first = end - chrono::Days::new(u64::from(o.days.max(1)) - 1);
    let days: Vec<(String, i64)> = first
        .iter_days()
        .take(o.days as usize)
        .map(|d| (d.format("%Y-%m-%d").to_string(), workdays::start_of(d)))
        .collect();
    db.begin()?;
    for i in 0..DEPARTMENTS {
        db.exec(
            "INSERT INTO department (id, name, short_name) VALUES ($1, $2, $3)",
            &[
                department(i).into(),
                format!("县第{i}局").into(),
                format!("第{i}局").into(),
            ],
        )?;
    }
    for g in 0..GUIDES {
        db.exec(
            "INSERT INTO guide_department (guide, title, department) VALUES ($1, $2, $3)",
            &[
                guide(g).into(),
                format!("办事指南{g}").into(),
                department(g).into(),
            ],
        )?;
    }
    let heartbeat = serde_json::json!({"kind": "heartbeat", "app_version": "0.1.0",
        "content_version": "12", "content_digest": null, "last_sync_status": "ok",
        "last_sync_at": "2026-12-04T11:00:00+08:00", "last_sync_error": null,
        "expires": "2027-01-03T00:00:00Z", "uptime_secs": 3600, "free_disk_mb": 900,
        "screen": "1080x1920", "rotation": 0, "warnings": 0})
    .to_string();
    let kiosk_rows: Vec<Vec<Value>> = (0..o.kiosks)
        .map(|k| {
            vec![
                kiosk(k).into(),
                "00".into(),
                "approved".into(),
                hall(k).into(),
                format!("439021{:03}{:03}", 100 + k / 100 % 20, 200 + k % 100).into(),
                0.into(),
                0.into(),
                (now() - (k as i64 % 600)).into(),
                1.into(),
                "2026-12-04T11:59:00+08:00".into(),
                heartbeat.as_str().into(),
            ]
        })
        .collect();
    db.bulk_insert(
        "kiosk",
        &[
            "id",
            "public_key",
            "state",
            "hall",
            "region",
            "enrolled_at",
            "approved_at",
            "last_seen",
            "heartbeat_seq",
            "heartbeat_at",
            "heartbeat",
        ],
        &kiosk_rows,
    )?;
    db.batch("COMMIT")?;

    const RATING: [&str; 10] = [
        "kiosk_id",
        "seq",
        "at",
        "subject",
        "guide",
        "level",
        "reasons",
        "indicator_set",
        "case_no",
        "phone",
    ];
    const CASE: [&str; 9] = [
        "kiosk_id",
        "seq",
        "kind",
        "received_at",
        "guide",
        "department",
        "state",
        "handler",
        "updated_at",
    ];
    const HISTORY: [&str; 8] = [
        "kiosk_id",
        "seq",
        "step",
        "at",
        "user_name",
        "from_state",
        "to_state",
        "note",
    ];
    let mut by_guide: HashMap<(usize, usize, i64), i64> = HashMap::new();
    let mut total = 0u64;
    let mut case_ids = Vec::new();
    let (mut ratings, mut cases_rows, mut history, mut per_kiosk, mut counts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let flush = |db: &mut dyn Db,
                 ratings: &mut Vec<Vec<Value>>,
                 cases_rows: &mut Vec<Vec<Value>>,
                 history: &mut Vec<Vec<Value>>,
                 per_kiosk: &mut Vec<Vec<Value>>,
                 counts: &mut Vec<Vec<Value>>|
     -> anyhow::Result<()> {
        db.begin()?;
        db.bulk_insert("rating", &RATING, ratings)?;
        db.bulk_insert("feedback_case", &CASE, cases_rows)?;
        db.bulk_insert("case_history", &HISTORY, history)?;
        db.bulk_insert(
            "rating_day_kiosk",
            &["kiosk_id", "day", "level", "n"],
            per_kiosk,
        )?;
        db.bulk_insert("kiosk_count", &["kiosk_id", "kind", "n"], counts)?;
        db.batch("COMMIT")?;
        ratings.clear();
        cases_rows.clear();
        history.clear();
        per_kiosk.clear();
        counts.clear();
        Ok(())
    };
    // Each rating's time of day, by day and number: made once.
    let times: Vec<Vec<(i64, Value)>> = days
        .iter()
        .map(|(day, _)| {
            (0..o.per_day)
                .map(|j| {
                    let secs = 8 * 3600 + (j as i64 * 9 * 3600) / o.per_day.max(1) as i64;
                    let at = format!("{day}T{:02}:{:02}:00+08:00", secs / 3600, secs % 3600 / 60);
                    (secs, Value::from(at))
                })
                .collect()
        })
        .collect();
    for k in 0..o.kiosks {
        let id = kiosk(k);
        let mut seq = 0i64;
        for (d, (day, midnight)) in days.iter().enumerate() {
            let mut levels = [0i64; 5];
            for (secs, at) in &times[d] {
                seq += 1;
                let bad = rng.pct() < o.bad_pct;
                let level: i64 = if bad {
                    4 + rng.below(2) as i64
                } else {
                    [1, 1, 1, 1, 1, 1, 1, 1, 2, 3][rng.below(10) as usize]
                };
                levels[(level - 1) as usize] += 1;
                let g = (rng.below(GUIDES as u64 + 30)) as usize;
                let g = (g < GUIDES).then_some(g);
                let secs = *secs;
                *by_guide
                    .entry((d, g.map_or(GUIDES, |g| g), level))
                    .or_default() += 1;
                let phone = (bad && rng.below(3) == 0).then(|| "13812345678".to_string());
                ratings.push(vec![
                    id.as_str().into(),
                    seq.into(),
                    at.clone(),
                    if g.is_some() { "guide" } else { "hall" }.into(),
                    g.map(guide).into(),
                    level.into(),
                    if bad {
                        "等太久；材料没说清楚"
                    } else {
                        ""
                    }
                    .into(),
                    "2019-v1".into(),
                    Value::Null,
                    phone.into(),
                ]);
                if bad {
                    let received = midnight + secs + 60;
                    let age = days.len() - 1 - d;
                    let r = rng.below(100);
                    let state = if age > 10 {
                        match r {
                            0..=2 => State::New,
                            3..=4 => State::Visited,
                            5..=60 => State::Fixed,
                            61..=90 => State::Explained,
                            _ => State::Appealed,
                        }
                    } else {
                        match r {
                            0..=49 => State::New,
                            50..=79 => State::Visited,
                            _ => State::Fixed,
                        }
                    };
                    let handled = state != State::New;
                    cases_rows.push(vec![
                        id.as_str().into(),
                        seq.into(),
                        "rating".into(),
                        received.into(),
                        g.map(guide).into(),
                        g.map(department).into(),
                        state.as_str().into(),
                        handled.then_some("staff01").into(),
                        (received + if handled { 86_400 } else { 0 }).into(),
                    ]);
                    if handled {
                        history.push(vec![
                            id.as_str().into(),
                            seq.into(),
                            1.into(),
                            (received + 86_400).into(),
                            "staff01".into(),
                            "new".into(),
                            state.as_str().into(),
                            "已电话回访".into(),
                        ]);
                    }
                    if case_ids.len() < 1_000_000 {
                        case_ids.push(CaseId {
                            kiosk: id.clone(),
                            seq,
                        });
                    }
                }
            }
            for (l, n) in levels.iter().enumerate() {
                if *n > 0 {
                    per_kiosk.push(vec![
                        id.as_str().into(),
                        day.as_str().into(),
                        (l as i64 + 1).into(),
                        (*n).into(),
                    ]);
                }
            }
        }
        total += seq as u64;
        counts.push(vec![id.as_str().into(), "rating".into(), seq.into()]);
        if ratings.len() >= 200_000 {
            flush(
                db,
                &mut ratings,
                &mut cases_rows,
                &mut history,
                &mut per_kiosk,
                &mut counts,
            )?;
        }
    }
    flush(
        db,
        &mut ratings,
        &mut cases_rows,
        &mut history,
        &mut per_kiosk,
        &mut counts,
    )?;
    let mut totals: HashMap<(usize, i64), i64> = HashMap::new();
    for ((d, _, level), n) in &by_guide {
        *totals.entry((*d, *level)).or_default() += n;
    }
    let guide_rows: Vec<Vec<Value>> = by_guide
        .into_iter()
        .map(|((d, g, level), n)| {
            vec![
                days[d].0.as_str().into(),
                if g == GUIDES { String::new() } else { guide(g) }.into(),
                level.into(),
                n.into(),
            ]
        })
        .collect();
    let total_rows: Vec<Vec<Value>> = totals
        .into_iter()
        .map(|((d, level), n)| vec![days[d].0.as_str().into(), level.into(), n.into()])
        .collect();
    db.begin()?;
    db.bulk_insert("rating_day", &["day", "level", "n"], &total_rows)?;
    db.bulk_insert(
        "rating_day_guide",
        &["day", "guide", "level", "n"],
        &guide_rows,
    )?;
    db.batch("COMMIT")?;
    // The list totals' counters, as `cases::open` and `advance` would have kept them.
    super::cases::recount(db)?;
    db.batch("CREATE INDEX rating_at ON rating (at)")?;
    // What the hub does at start and hourly (not a full ANALYZE, which the hub never runs).
    if postgres {
        db.batch("ANALYZE")?;
    } else {
        db.optimize()?;
    }
    Ok((total, case_ids))
}

fn measure(db: &mut dyn Db, o: &Options, ids: &[CaseId]) -> anyhow::Result<Vec<Timing>> {
    let n = o.samples;
    let d = Deadlines::default();
    let now = now();
    let today = end_day();
    let all = Scope::all();
    let dept = |i: usize| Scope {
        department: Some(department(i)),
        can_change: true,
    };
    let mut out = Vec::new();
    out.push(time(
        "fleet (report::fleet, every kiosk)",
        n.min(50),
        |_| Ok(crate::hub::report::fleet(db)?.len()),
    )?);
    out.push(time("case list, first page, all", n, |_| {
        Ok(cases::list(db, &all, &Filter::new(Kind::Rating), &d, now)?.total)
    })?);
    out.push(time("case list, first page, by state", n, |i| {
        let mut f = Filter::new(Kind::Rating);
        f.state = Some(State::ALL[i % 5]);
        Ok(cases::list(db, &all, &f, &d, now)?.total)
    })?);
    out.push(time("case list, first page, overdue", n, |_| {
        let mut f = Filter::new(Kind::Rating);
        f.overdue_only = true;
        Ok(cases::list(db, &all, &f, &d, now)?.total)
    })?);
    out.push(time(
        "case list, first page, one department (staff)",
        n,
        |i| Ok(cases::list(db, &dept(i), &Filter::new(Kind::Rating), &d, now)?.total),
    )?);
    out.push(time(
        "case list, first page, one department, overdue",
        n,
        |i| {
            let mut f = Filter::new(Kind::Rating);
            f.overdue_only = true;
            Ok(cases::list(db, &dept(i), &f, &d, now)?.total)
        },
    )?);
    let mut rng = Rng(7);
    out.push(time("case detail with history", n, |_| {
        let id = &ids[rng.below(ids.len() as u64) as usize];
        Ok(cases::get(db, &all, id, &d, now)?.history.len())
    })?);
    let chart = |days: u32| stats::Chart {
        days,
        ..Default::default()
    };
    out.push(time("chart, 30 days, all ratings", n, |_| {
        Ok(stats::daily(db, &all, &chart(30), today)?.len())
    })?);
    out.push(time("chart, 30 days, one department", n, |i| {
        Ok(stats::daily(db, &dept(i), &chart(30), today)?.len())
    })?);
    out.push(time("chart, 30 days, one service", n, |i| {
        let mut c = chart(30);
        c.guide = Some(guide(i % GUIDES));
        Ok(stats::daily(db, &all, &c, today)?.len())
    })?);
    out.push(time("chart, 30 days, one hall", n, |i| {
        let mut c = chart(30);
        c.hall = Some(hall((i * 4) % o.kiosks.max(1)));
        Ok(stats::daily(db, &all, &c, today)?.len())
    })?);
    out.push(time("chart, 30 days, one kiosk", n, |i| {
        let mut c = chart(30);
        c.kiosk = Some(kiosk(i % o.kiosks.max(1)));
        Ok(stats::daily(db, &all, &c, today)?.len())
    })?);
    out.push(time("chart, 365 days, all ratings", n, |_| {
        Ok(stats::daily(db, &all, &chart(365), today)?.len())
    })?);
    out.push(time("per service, 30 days", n, |_| {
        Ok(stats::breakdown(db, &all, stats::By::Guide, 30, today)?.len())
    })?);
    out.push(time("per department, 30 days", n, |_| {
        Ok(stats::breakdown(db, &all, stats::By::Department, 30, today)?.len())
    })?);
    out.push(time("per hall, 30 days", n.min(50), |_| {
        Ok(stats::breakdown(db, &all, stats::By::Hall, 30, today)?.len())
    })?);
    out.extend(pages(db, o, ids, now)?);
    Ok(out)
}

/// The console's pages as a browser gets them (`web::handle`: session, queries, template),
/// for an admin and for one department's staff.
fn pages(db: &mut dyn Db, o: &Options, ids: &[CaseId], now: i64) -> anyhow::Result<Vec<Timing>> {
    use super::accounts::{self, Role};
    use super::web::{self, Console, Request};
    let n = o.samples;
    let console = Console::new(false, None, Deadlines::default());
    let mut session =
        |name: &str, role: Role, department: Option<String>| -> anyhow::Result<String> {
            if accounts::get(db, name)?.is_none() {
                accounts::add(
                    db,
                    name,
                    role,
                    department.as_deref(),
                    "bench-password-1",
                    now,
                )?;
            }
            let token = super::sessions::open(db, name, now)?;
            Ok(format!("{}={token}", super::sessions::COOKIE))
        };
    let admin = session("bench-admin", Role::Admin, None)?;
    let staff = session("bench-staff", Role::Staff, Some(department(0)))?;
    // The lights as a running hub keeps them (judged once; the pages find nothing to judge).
    let newest = console.newest_version(db);
    super::lights::refresh(db, newest, now)?;
    let mut out = Vec::new();
    let mut page = |cookie: &str, path: &str| -> anyhow::Result<usize> {
        let r = web::handle(&console, db, &Request::get(path, now).with_cookies(cookie));
        anyhow::ensure!(r.status == 200, "{path}: {} {}", r.status, r.text());
        Ok(r.body.len())
    };
    out.push(time(
        "page /fleet (lights kept on the rows, 100 shown)",
        n.min(50),
        |_| page(&admin, "/fleet"),
    )?);
    out.push(time("page /fleet?state=red", n.min(50), |_| {
        page(&admin, "/fleet?state=red")
    })?);
    out.push(time(
        "page /ratings (chart, tables, 差评 list)",
        n.min(50),
        |_| page(&admin, "/ratings"),
    )?);
    out.push(time("page /ratings?overdue=1", n.min(50), |_| {
        page(&admin, "/ratings?overdue=1")
    })?);
    out.push(time(
        "page /ratings?days=365 (a year's chart and tables)",
        n.min(50),
        |_| page(&admin, "/ratings?days=365"),
    )?);
    out.push(time(
        "page /ratings as one department's staff",
        n.min(50),
        |_| page(&staff, "/ratings"),
    )?);
    out.push(time("page /suggestions", n.min(50), |_| {
        page(&admin, "/suggestions")
    })?);
    let mut rng = Rng(11);
    out.push(time("page /cases/ID", n.min(50), |_| {
        let id = &ids[rng.below(ids.len() as u64) as usize];
        page(&admin, &format!("/cases/{id}"))
    })?);
    out.push(time("page /kiosk/ID (30 days online)", n.min(50), |i| {
        page(&admin, &format!("/kiosk/{}", kiosk(i % o.kiosks.max(1))))
    })?);
    // What the hub's background refresh does after a publish: every kiosk judged again (a
    // new newest version each run). Last, because on PostgreSQL each run leaves 10,000 dead
    // row versions for autovacuum, where a publish leaves them once.
    out.push(time(
        "lights: every kiosk judged again (after a publish)",
        n.min(20),
        |i| Ok(super::lights::refresh(db, Some(1_000_000 + i as i64), now)?),
    )?);
    Ok(out)
}
