//! The console's follow-up core (issue 12) on real databases: cases opened with their record
//! (through the real `banshi hub` process, and in the same transaction), every state move
//! allowed or refused, history, deadlines with holidays, department scoping (another
//! department's staff get "not found", viewers change nothing), list filters and counts,
//! exports in the documented columns, departments read from a published repository, and the
//! charts' counts. Every test runs on SQLite (`sqlite::…`) and on a PostgreSQL server of its
//! own (`postgres::…`).

#[macro_use]
mod common;

use common::hub::{Backend, Hub, Kiosk};
use serde_json::{json, Value};

use banshi::hub::console::accounts::{self, Role, User};
use banshi::hub::console::cases::{self, CaseError, CaseId, Filter, Kind, Scope, State};
use banshi::hub::console::workdays::{self, Calendar, Deadlines};
use banshi::hub::console::{departments, export, stats};
use banshi::hub::sql::Db;
use banshi::hub::{inbox, wire};
use banshi::model::Content;

const VILLAGE: &str = "439021101201";
/// 2026-12-04 12:00 China time.
const NOW: i64 = 1_796_356_800;

fn content() -> Content {
    banshi::source::load_dir(&common::sample_dir()).unwrap()
}

/// The first guide of `department` in the sample county: (id, title).
fn guide_of(c: &Content, department: &str) -> (String, String) {
    let i = c.items.iter().find(|i| i.department == department).unwrap();
    (i.id.clone(), i.name.clone())
}

/// A migrated hub database on `backend` (and what keeps it alive).
struct TestDb {
    db: Box<dyn Db>,
    _dir: tempfile::TempDir,
    _pg: Option<common::pg::PgServer>,
}

fn database(backend: Backend) -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let (url, pg) = common::hub::database(backend, dir.path());
    TestDb {
        db: banshi::hub::db::open(&url).unwrap(),
        _dir: dir,
        _pg: pg,
    }
}

fn add_kiosk(db: &mut dyn Db, id: &str, hall: &str, region: &str) {
    db.exec(
        "INSERT INTO kiosk (id, public_key, state, hall, region, enrolled_at)
         VALUES ($1, '00', 'approved', $2, $3, 0)",
        &[id.into(), hall.into(), region.into()],
    )
    .unwrap();
}

/// Stores records as an upload does (checked, in one transaction) at hub time `now`.
fn store(db: &mut dyn Db, kiosk: &str, at: &str, records: &[(i64, Value)], now: i64) -> usize {
    let req = wire::UploadRequest {
        records: records
            .iter()
            .map(|(seq, r)| wire::WireRecord {
                seq: *seq,
                at: at.into(),
                record: r.clone(),
            })
            .collect(),
    };
    let (ok, bad) = inbox::check(req).unwrap();
    assert!(bad.is_empty(), "{:?}", bad.first().map(|b| &b.why));
    db.transaction(|db| inbox::store(db, kiosk, &ok, &bad, now))
        .unwrap()
}

fn rating(guide: Option<&str>, level: u8) -> Value {
    let subject = match guide {
        Some(id) => json!({"of": "guide", "id": id}),
        None => json!({"of": "hall"}),
    };
    let reasons: Vec<&str> = if level >= 4 {
        vec!["等太久"]
    } else {
        vec![]
    };
    json!({"kind": "rating", "subject": subject, "level": level, "reasons": reasons,
           "indicator_set": "2019-v1", "case_no": null, "phone": "13812345678"})
}

fn suggestion(about: Option<&str>) -> Value {
    json!({"kind": "suggestion", "topic": "办事指南", "about": about, "phone": null})
}

fn user(db: &mut dyn Db, name: &str, role: Role, department: Option<&str>) -> User {
    accounts::add(db, name, role, department, "a-long-password", 0).unwrap()
}

fn count(db: &mut dyn Db, sql: &str) -> i64 {
    db.row(sql, &[]).unwrap().unwrap().int(0)
}

/// The list totals' counters (`case_count`) say what counting the cases says.
fn counters_match(db: &mut dyn Db) {
    let read = |db: &mut dyn Db, sql: &str| -> Vec<(String, String, String, i64)> {
        db.query(sql, &[])
            .unwrap()
            .iter()
            .map(|r| (r.text(0), r.text(1), r.text(2), r.int(3)))
            .collect()
    };
    let counted = read(
        db,
        "SELECT kind, COALESCE(department, ''), state, COUNT(*) FROM feedback_case
         GROUP BY kind, COALESCE(department, ''), state ORDER BY 1, 2, 3",
    );
    let kept = read(
        db,
        "SELECT kind, department, state, n FROM case_count WHERE n <> 0 ORDER BY 1, 2, 3",
    );
    assert!(!counted.is_empty());
    assert_eq!(kept, counted);
}

fn id(s: &str) -> CaseId {
    CaseId::parse(s).unwrap()
}

fn a_case_opens_with_its_record_in_the_same_transaction_and_once(backend: Backend) {
    let c = content();
    let (guide, _) = guide_of(&c, "minzheng");
    let hub = Hub::start_on(backend, &[]);
    departments::store(hub.db().as_mut(), &c).unwrap();
    let code = String::from_utf8(
        hub.cli(&[
            "code",
            "--region",
            "439021000000",
            "--expires",
            &(chrono::Local::now().date_naive() + chrono::Days::new(1)).to_string(),
        ])
        .stdout,
    )
    .unwrap();
    let k = Kiosk::new("hall-a");
    assert_eq!(k.enrol(&hub, Some(code.trim()), Some(VILLAGE)).status, 200);

    // A failing case insert (a unique index no case can satisfy twice) fails the whole
    // upload: no rating without its case.
    hub.exec(
        "INSERT INTO feedback_case (kiosk_id, seq, kind, received_at, state, updated_at)
         VALUES ('dummy', 1, 'rating', 0, 'new', 0)",
    );
    hub.exec("CREATE UNIQUE INDEX case_block ON feedback_case (kind)");
    let batch = [
        (1, rating(Some(&guide), 5)),
        (2, rating(Some(&guide), 1)),
        (3, rating(None, 4)),
        (4, suggestion(None)),
    ];
    let r = k.upload(&hub, &batch);
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!((hub.count("rating"), hub.count("inbox")), (0, 0));
    hub.exec("DROP INDEX case_block");
    hub.exec("DELETE FROM feedback_case");

    // Sent again: stored, with a case for each 差评 and the suggestion, not the good rating.
    let r = k.upload(&hub, &batch);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(hub.count("rating"), 3);
    assert_eq!(hub.count("feedback_case"), 3);
    assert_eq!(
        hub.scalar(
            "SELECT COUNT(*) FROM feedback_case WHERE kiosk_id = 'hall-a' AND seq = 1
             AND department = 'minzheng' AND state = 'new' AND guide IS NOT NULL"
        ),
        1
    );
    // A resent batch (a lost reply): acknowledged, no second case.
    let r = k.upload(&hub, &batch);
    assert_eq!(
        (r.status, r.json()["ack"].clone()),
        (200, json!([1, 2, 3, 4]))
    );
    assert_eq!(hub.count("feedback_case"), 3);
    assert_eq!(hub.count("rating"), 3);
    // The fleet report's counts come from the counters, which counted each record once.
    let fleet = banshi::hub::report::fleet(hub.db().as_mut()).unwrap();
    assert_eq!(fleet[0].received.get("rating"), Some(&3));
    assert_eq!(fleet[0].received.get("suggestion"), Some(&1));
}

fn every_state_move_is_allowed_or_refused_and_recorded(backend: Backend) {
    let mut t = database(backend);
    let db = t.db.as_mut();
    add_kiosk(db, "k", "县政务服务中心", VILLAGE);
    let records: Vec<(i64, Value)> = (1..=25).map(|s| (s, rating(None, 5))).collect();
    store(db, "k", "2026-12-03T10:00:00+08:00", &records, NOW - 3600);
    let admin = user(db, "admin", Role::Admin, None);
    let scope = Scope::for_user(&admin);
    let d = Deadlines::default();
    // A path to each state from 待回访.
    let path = |s: State| -> Vec<State> {
        match s {
            State::New => vec![],
            State::Visited => vec![State::Visited],
            State::Fixed => vec![State::Visited, State::Fixed],
            State::Explained => vec![State::Visited, State::Explained],
            State::Appealed => vec![State::Appealed],
        }
    };
    let mut seq = 0;
    let mut allowed = 0;
    for from in State::ALL {
        for to in State::ALL {
            seq += 1;
            let case = id(&format!("k-{seq}"));
            for step in path(from) {
                cases::advance(db, &scope, &admin, &case, step, "回访了", &d, NOW).unwrap();
            }
            let r = cases::advance(db, &scope, &admin, &case, to, "再改一次", &d, NOW);
            let expect = from.allowed().contains(&to);
            match r {
                Ok(detail) => {
                    assert!(expect, "{from:?} → {to:?} went through");
                    allowed += 1;
                    assert_eq!(detail.case.state, to);
                    assert_eq!(detail.case.handler.as_deref(), Some("admin"));
                    let last = detail.history.last().unwrap();
                    assert_eq!(
                        (
                            last.from,
                            last.to,
                            last.user.as_str(),
                            last.note.as_str(),
                            last.at
                        ),
                        (from, to, "admin", "再改一次", NOW)
                    );
                    assert_eq!(detail.history.len(), path(from).len() + 1);
                }
                Err(CaseError::Refused(why)) => {
                    assert!(!expect, "{from:?} → {to:?} refused: {why}");
                    assert!(why.contains(from.name()), "{why}");
                    // Nothing changed.
                    let detail = cases::get(db, &scope, &case, &d, NOW).unwrap();
                    assert_eq!(detail.case.state, from);
                    assert_eq!(detail.history.len(), path(from).len());
                }
                Err(e) => panic!("{from:?} → {to:?}: {e}"),
            }
        }
    }
    assert_eq!(allowed, 6);
    // A note is required.
    let e = cases::advance(
        db,
        &scope,
        &admin,
        &id("k-1"),
        State::Visited,
        "  ",
        &d,
        NOW,
    )
    .unwrap_err();
    assert!(matches!(e, CaseError::BadNote), "{e}");
    assert!(e.to_string().contains("办理说明"));
    // No such case.
    let e = cases::advance(
        db,
        &scope,
        &admin,
        &id("k-99"),
        State::Visited,
        "x",
        &d,
        NOW,
    )
    .unwrap_err();
    assert!(matches!(e, CaseError::NotFound(_)), "{e}");
    counters_match(db);
}

fn department_staff_see_and_change_only_their_department(backend: Backend) {
    let c = content();
    let (mz, mz_title) = guide_of(&c, "minzheng");
    let (ga, _) = guide_of(&c, "gongan");
    let mut t = database(backend);
    let db = t.db.as_mut();
    departments::store(db, &c).unwrap();
    add_kiosk(db, "k", "县政务服务中心", VILLAGE);
    store(
        db,
        "k",
        "2026-12-03T10:00:00+08:00",
        &[
            (1, rating(Some(&mz), 5)),
            (2, rating(Some(&ga), 4)),
            (3, rating(None, 4)),
            (4, suggestion(Some(&mz_title))),
            (5, suggestion(None)),
        ],
        NOW - 3600,
    );
    let d = Deadlines::default();
    let admin = user(db, "admin", Role::Admin, None);
    let mz_staff = user(db, "wang", Role::Staff, Some("minzheng"));
    let ga_staff = user(db, "li", Role::Staff, Some("gongan"));
    let mz_viewer = user(db, "zhao", Role::Viewer, Some("minzheng"));
    let any_staff = user(db, "chen", Role::Staff, None);
    let seqs = |u: &User, kind: Kind, db: &mut dyn Db| -> Vec<i64> {
        let page = cases::list(db, &Scope::for_user(u), &Filter::new(kind), &d, NOW).unwrap();
        assert_eq!(page.total, page.rows.len() as i64);
        let mut s: Vec<i64> = page.rows.iter().map(|r| r.seq).collect();
        s.sort();
        s
    };
    assert_eq!(seqs(&admin, Kind::Rating, db), [1, 2, 3]);
    assert_eq!(seqs(&any_staff, Kind::Rating, db), [1, 2, 3]);
    assert_eq!(seqs(&mz_staff, Kind::Rating, db), [1]);
    assert_eq!(seqs(&ga_staff, Kind::Rating, db), [2]);
    assert_eq!(seqs(&mz_viewer, Kind::Rating, db), [1]);
    // A suggestion read on a guide belongs to the guide's department.
    assert_eq!(seqs(&mz_staff, Kind::Suggestion, db), [4]);
    assert_eq!(seqs(&admin, Kind::Suggestion, db), [4, 5]);

    // Another department's case is "not found", to read and to change.
    let other = Scope::for_user(&ga_staff);
    let e = cases::get(db, &other, &id("k-1"), &d, NOW).unwrap_err();
    assert!(matches!(e, CaseError::NotFound(_)), "{e}");
    assert!(e.to_string().contains("k-1"));
    let e = cases::advance(
        db,
        &other,
        &ga_staff,
        &id("k-1"),
        State::Visited,
        "x",
        &d,
        NOW,
    )
    .unwrap_err();
    assert!(matches!(e, CaseError::NotFound(_)), "{e}");

    // The viewer reads (phone hidden, no next steps) and changes nothing.
    let viewer = Scope::for_user(&mz_viewer);
    let seen = cases::get(db, &viewer, &id("k-1"), &d, NOW).unwrap();
    assert_eq!(seen.phone, None);
    assert_eq!(seen.case.phone_masked.as_deref(), Some("*******5678"));
    assert!(seen.next.is_empty());
    let e = cases::advance(
        db,
        &viewer,
        &mz_viewer,
        &id("k-1"),
        State::Visited,
        "x",
        &d,
        NOW,
    )
    .unwrap_err();
    assert!(matches!(e, CaseError::ReadOnly), "{e}");
    // The department's staff handles it, sees the whole number for the return call.
    let mine = Scope::for_user(&mz_staff);
    let seen = cases::get(db, &mine, &id("k-1"), &d, NOW).unwrap();
    assert_eq!(seen.phone.as_deref(), Some("13812345678"));
    assert_eq!(seen.next, [State::Visited, State::Appealed]);
    assert_eq!(seen.case.department_name.as_deref(), Some("青禾县民政局"));
    assert_eq!(seen.case.guide_title.as_deref(), Some(mz_title.as_str()));
    let done = cases::advance(
        db,
        &mine,
        &mz_staff,
        &id("k-1"),
        State::Visited,
        "已电话回访，群众说明了情况",
        &d,
        NOW,
    )
    .unwrap();
    assert_eq!(done.case.state_name, "已回访");
    assert_eq!(count(db, "SELECT COUNT(*) FROM case_history"), 1);
    counters_match(db);
}

fn lists_filter_count_page_and_mark_overdue(backend: Backend) {
    let c = content();
    let (mz, _) = guide_of(&c, "minzheng");
    let mut t = database(backend);
    let db = t.db.as_mut();
    departments::store(db, &c).unwrap();
    add_kiosk(db, "a", "县政务服务中心", "439021000000");
    add_kiosk(db, "b", "新村便民服务站", VILLAGE);
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    // Arrived Tuesday 2026-09-29 10:00: due Monday 2026-10-12 over National Day (with the
    // 2026 file), Tuesday 10-06 without it.
    let sep29 = workdays::start_of(day("2026-09-29")) + 10 * 3600;
    let records: Vec<(i64, Value)> = (1..=12).map(|s| (s, rating(Some(&mz), 4))).collect();
    store(db, "a", "2026-09-29T10:00:00+08:00", &records, sep29);
    store(
        db,
        "b",
        "2026-10-12T09:00:00+08:00",
        &[(1, rating(None, 5)), (2, rating(None, 5))],
        workdays::start_of(day("2026-10-12")) + 9 * 3600,
    );
    let holidays = Deadlines {
        days: 5,
        calendar: Calendar::parse(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("packaging/county/holidays-2026.toml"),
            )
            .unwrap(),
        )
        .unwrap(),
    };
    let scope = Scope::all();
    let on = |d: &str| workdays::start_of(day(d)) + 12 * 3600;
    let list = |db: &mut dyn Db, f: &Filter, deadlines: &Deadlines, now: i64| {
        cases::list(db, &scope, f, deadlines, now).unwrap()
    };
    let all = list(db, &Filter::new(Kind::Rating), &holidays, on("2026-10-12"));
    assert_eq!(all.total, 14);
    // Newest first.
    assert_eq!(all.rows[0].kiosk, "b");
    let a = all.rows.iter().find(|r| r.kiosk == "a").unwrap();
    assert_eq!(a.due, "2026-10-12");
    assert!(!a.overdue, "due today");
    assert_eq!(a.reasons, ["等太久"]);
    assert_eq!(a.level_name.as_deref(), Some("不满意"));
    assert_eq!(a.hall.as_deref(), Some("县政务服务中心"));
    // The next day they are overdue; without the holiday file, a week earlier.
    let mut overdue = Filter::new(Kind::Rating);
    overdue.overdue_only = true;
    assert_eq!(list(db, &overdue, &holidays, on("2026-10-12")).total, 0);
    let late = list(db, &overdue, &holidays, on("2026-10-13"));
    assert_eq!(late.total, 12);
    assert!(late.rows.iter().all(|r| r.overdue));
    assert_eq!(
        list(db, &overdue, &Deadlines::default(), on("2026-10-07")).total,
        12
    );
    assert_eq!(
        list(db, &overdue, &Deadlines::default(), on("2026-10-06")).total,
        0
    );
    // A closed case is never overdue.
    let admin = user(db, "admin", Role::Admin, None);
    for s in ["a-1", "a-2"] {
        cases::advance(
            db,
            &scope,
            &admin,
            &id(s),
            State::Appealed,
            "误评",
            &holidays,
            NOW,
        )
        .unwrap();
    }
    assert_eq!(list(db, &overdue, &holidays, on("2026-10-13")).total, 10);
    // By state, department, hall, region; pages.
    let mut f = Filter::new(Kind::Rating);
    f.state = Some(State::Appealed);
    assert_eq!(list(db, &f, &holidays, NOW).total, 2);
    f.state = Some(State::New);
    assert_eq!(list(db, &f, &holidays, NOW).total, 12);
    let mut f = Filter::new(Kind::Rating);
    f.department = Some("minzheng".into());
    assert_eq!(list(db, &f, &holidays, NOW).total, 12);
    f.department = Some("gongan".into());
    assert_eq!(list(db, &f, &holidays, NOW).total, 0);
    let mut f = Filter::new(Kind::Rating);
    f.hall = Some("新村便民服务站".into());
    assert_eq!(list(db, &f, &holidays, NOW).total, 2);
    let mut f = Filter::new(Kind::Rating);
    f.region = Some("439021101000".into());
    assert_eq!(list(db, &f, &holidays, NOW).total, 2);
    f.region = Some("439021000000".into());
    assert_eq!(list(db, &f, &holidays, NOW).total, 14);
    let mut f = Filter::new(Kind::Rating);
    f.per_page = 5;
    f.page = 3;
    let p = list(db, &f, &holidays, NOW);
    assert_eq!((p.total, p.rows.len()), (14, 4));
    let counts = cases::counts(db, &scope, &holidays, on("2026-10-13")).unwrap();
    assert_eq!(
        (counts.ratings_open, counts.ratings_overdue),
        (12, 10),
        "{counts:?}"
    );
    counters_match(db);
}

fn exports_keep_the_documented_columns_within_the_scope(backend: Backend) {
    let c = content();
    let (mz, _) = guide_of(&c, "minzheng");
    let (ga, _) = guide_of(&c, "gongan");
    let mut t = database(backend);
    let db = t.db.as_mut();
    departments::store(db, &c).unwrap();
    add_kiosk(db, "k", "县政务服务中心", VILLAGE);
    store(
        db,
        "k",
        "2026-12-03T10:00:00+08:00",
        &[
            (1, rating(Some(&mz), 5)),
            (2, rating(Some(&ga), 4)),
            (3, rating(Some(&mz), 1)),
        ],
        NOW - 3600,
    );
    let admin = user(db, "admin", Role::Admin, None);
    let staff = user(db, "wang", Role::Staff, Some("minzheng"));
    let d = Deadlines::default();
    cases::advance(
        db,
        &Scope::all(),
        &admin,
        &id("k-1"),
        State::Visited,
        "已回访",
        &d,
        NOW,
    )
    .unwrap();

    let all = export::ratings(db, &Scope::all(), None).unwrap();
    assert_eq!(all.len(), 3);
    let mine = export::ratings(db, &Scope::for_user(&staff), Some("2026-01-01")).unwrap();
    assert_eq!(
        mine.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [1, 3],
        "only 民政's guides"
    );
    let csv_bytes = export::ratings_csv(&mine).unwrap();
    let text = String::from_utf8(csv_bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, banshi::hub::report::RATING_CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!((&rows[0][0], &rows[0][11]), ("k-1", "是"));

    // xlsx: the same columns, read back with calamine.
    use calamine::Reader;
    let xlsx = export::ratings_xlsx(&mine).unwrap();
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let range = wb.worksheet_range("好差评").unwrap();
    let cells: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(cells[0], banshi::hub::report::RATING_CSV_COLUMNS);
    assert_eq!(cells.len(), 3);
    assert_eq!(cells[1][14], "13812345678");

    // Cases: the rating's columns, then the case's.
    let rows = export::case_cells(
        db,
        &Scope::for_user(&staff),
        &Filter::new(Kind::Rating),
        &d,
        NOW,
    )
    .unwrap();
    assert_eq!(rows.len(), 1, "民政's one 差评");
    assert_eq!(rows[0][0], "k-1");
    assert_eq!(
        &rows[0][15..],
        ["已回访", "2026-12-11", "否", "admin", "已回访"]
    );
    let text = String::from_utf8(export::cases_csv(Kind::Rating, &rows).unwrap()).unwrap();
    let first = text.lines().next().unwrap().trim_start_matches('\u{feff}');
    assert!(
        first.ends_with("差评原因,指标版本,回访电话,办理状态,回访期限,是否超期,办理人,办理说明")
    );
    let xlsx = export::cases_xlsx(Kind::Rating, &rows).unwrap();
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let range = wb.worksheet_range("差评回访").unwrap();
    assert_eq!(range.get_size(), (2, 20));

    // Suggestions: their own columns, then the case's; the whole phone number.
    store(
        db,
        "k",
        "2026-12-03T11:00:00+08:00",
        &[(
            4,
            json!({"kind": "suggestion", "topic": "大厅服务", "about": null,
                   "phone": "13900001111"}),
        )],
        NOW - 3600,
    );
    let rows =
        export::case_cells(db, &Scope::all(), &Filter::new(Kind::Suggestion), &d, NOW).unwrap();
    assert_eq!(
        rows,
        [[
            "k-4",
            "2026-12-03T11:00:00+08:00",
            "k",
            "县政务服务中心",
            VILLAGE,
            "大厅服务",
            "",
            "13900001111",
            "待回访",
            "2026-12-11",
            "否",
            "",
            ""
        ]]
    );
    let text = String::from_utf8(export::cases_csv(Kind::Suggestion, &rows).unwrap()).unwrap();
    assert!(text.starts_with(
        "\u{feff}建议编号,建议时间,终端编号,大厅,区划代码,类别,关于,回访电话,办理状态"
    ));
    let xlsx = export::cases_xlsx(Kind::Suggestion, &rows).unwrap();
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    assert_eq!(wb.worksheet_range("建议回访").unwrap().get_size(), (2, 13));
}

fn departments_come_from_the_published_repository(backend: Backend) {
    let c = content();
    let (mz, _) = guide_of(&c, "minzheng");
    let mut t = database(backend);
    let db = t.db.as_mut();
    add_kiosk(db, "k", "县政务服务中心", VILLAGE);
    // A 差评 stored before the hub knew the content: no department yet.
    store(
        db,
        "k",
        "2026-12-03T10:00:00+08:00",
        &[(1, rating(Some(&mz), 5))],
        NOW,
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM feedback_case WHERE department IS NULL"
        ),
        1
    );
    let county = common::sync::TestCounty::new();
    // Nothing published yet: nothing to read, no error.
    let r = departments::refresh(db, &county.repo).unwrap();
    assert_eq!(r.version, None);
    county.publish(&c);
    let r = departments::refresh(db, &county.repo).unwrap();
    assert_eq!(r.version, Some(1));
    assert_eq!(r.departments, c.departments.len());
    assert_eq!(r.guides, c.items.len());
    assert_eq!(r.cases_moved, 1);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM feedback_case WHERE department = 'minzheng'"
        ),
        1
    );
    let listed = departments::list(db).unwrap();
    assert!(listed
        .iter()
        .any(|d| d.id == "minzheng" && d.name == "青禾县民政局"));
    // Again, unchanged: nothing written.
    let r = departments::refresh(db, &county.repo).unwrap();
    assert_eq!(r.cases_moved, 0);
    // The guide moves to another department in a new version: its cases follow.
    let mut moved = c.clone();
    moved
        .items
        .iter_mut()
        .find(|i| i.id == mz)
        .unwrap()
        .department = "gongan".into();
    county.publish(&moved);
    let r = departments::refresh(db, &county.repo).unwrap();
    assert_eq!((r.version, r.cases_moved), (Some(2), 1));
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM feedback_case WHERE department = 'gongan'"
        ),
        1
    );
    // A damaged repository is an error that names the file.
    std::fs::write(county.repo.join("metadata/timestamp.json"), "{").unwrap();
    let e = departments::refresh(db, &county.repo).unwrap_err();
    assert!(format!("{e:#}").contains("timestamp.json"), "{e:#}");
    counters_match(db);
}

fn charts_count_ratings_per_day_level_and_group(backend: Backend) {
    let c = content();
    let (mz, mz_title) = guide_of(&c, "minzheng");
    let (ga, _) = guide_of(&c, "gongan");
    let mut t = database(backend);
    let db = t.db.as_mut();
    departments::store(db, &c).unwrap();
    add_kiosk(db, "a", "县政务服务中心", VILLAGE);
    add_kiosk(db, "b", "新村便民服务站", VILLAGE);
    store(
        db,
        "a",
        "2026-12-03T10:00:00+08:00",
        &[
            (1, rating(Some(&mz), 1)),
            (2, rating(Some(&mz), 2)),
            (3, rating(Some(&mz), 5)),
            (4, rating(Some(&ga), 3)),
            (5, rating(None, 4)),
        ],
        NOW,
    );
    store(
        db,
        "b",
        "2026-12-04T09:00:00+08:00",
        &[(1, rating(Some(&mz), 1)), (2, rating(Some(&ga), 1))],
        NOW,
    );
    // Sent again: counted once.
    store(
        db,
        "b",
        "2026-12-04T09:00:00+08:00",
        &[(1, rating(Some(&mz), 1)), (2, rating(Some(&ga), 1))],
        NOW,
    );
    store(
        db,
        "b",
        "2026-11-01T09:00:00+08:00",
        &[(3, rating(Some(&mz), 1))],
        NOW,
    );
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let all = Scope::all();
    let chart = |db: &mut dyn Db, scope: &Scope, c: stats::Chart| {
        stats::daily(db, scope, &c, today).unwrap()
    };
    let days = chart(
        db,
        &all,
        stats::Chart {
            days: 30,
            ..Default::default()
        },
    );
    assert_eq!(days.len(), 30);
    assert_eq!(days[29].day, "2026-12-04");
    assert_eq!(days[28].counts.levels, [1, 1, 1, 1, 1]);
    assert_eq!(days[28].counts.satisfied_pct, Some(60.0));
    assert_eq!(days[29].counts.total, 2);
    assert_eq!(days[0].counts.satisfied_pct, None);
    assert_eq!(
        chart(
            db,
            &all,
            stats::Chart {
                days: 90,
                ..Default::default()
            }
        )
        .iter()
        .map(|d| d.counts.total)
        .sum::<i64>(),
        8
    );
    // One service, one department, one hall, one kiosk.
    let total = |d: Vec<stats::Day>| d.iter().map(|d| d.counts.total).sum::<i64>();
    let one = |guide: Option<&str>, dept: Option<&str>, hall: Option<&str>, kiosk: Option<&str>| {
        stats::Chart {
            days: 30,
            guide: guide.map(String::from),
            department: dept.map(String::from),
            hall: hall.map(String::from),
            kiosk: kiosk.map(String::from),
        }
    };
    assert_eq!(total(chart(db, &all, one(Some(&mz), None, None, None))), 4);
    assert_eq!(
        total(chart(db, &all, one(None, Some("gongan"), None, None))),
        2
    );
    assert_eq!(
        total(chart(
            db,
            &all,
            one(None, None, Some("县政务服务中心"), None)
        )),
        5
    );
    assert_eq!(total(chart(db, &all, one(None, None, None, Some("b")))), 2);
    // A department's staff: only its guides, also on a kiosk's chart.
    let mz_scope = Scope {
        department: Some("minzheng".into()),
        can_change: true,
    };
    assert_eq!(total(chart(db, &mz_scope, one(None, None, None, None))), 4);
    assert_eq!(
        total(chart(db, &mz_scope, one(None, None, None, Some("b")))),
        1
    );
    // Per group.
    let by = |db: &mut dyn Db, scope: &Scope, b: stats::By| {
        stats::breakdown(db, scope, b, 30, today).unwrap()
    };
    let guides = by(db, &all, stats::By::Guide);
    assert_eq!(guides[0].key, mz);
    assert_eq!(guides[0].name.as_deref(), Some(mz_title.as_str()));
    assert_eq!(guides[0].counts.levels, [2, 1, 0, 0, 1]);
    assert_eq!(guides[0].counts.satisfied_pct, Some(75.0));
    let depts = by(db, &all, stats::By::Department);
    let mzd = depts.iter().find(|g| g.key == "minzheng").unwrap();
    assert_eq!(
        (mzd.counts.total, mzd.name.as_deref()),
        (4, Some("青禾县民政局"))
    );
    assert!(
        depts
            .iter()
            .any(|g| g.key.is_empty() && g.counts.total == 1),
        "the hall's"
    );
    let halls = by(db, &all, stats::By::Hall);
    assert_eq!(halls[0].key, "县政务服务中心");
    assert_eq!(halls[0].counts.total, 5);
    let kiosks = by(db, &mz_scope, stats::By::Kiosk);
    assert_eq!(
        kiosks
            .iter()
            .map(|g| (g.key.as_str(), g.counts.total))
            .collect::<Vec<_>>(),
        [("a", 3), ("b", 1)]
    );
    assert_eq!(by(db, &mz_scope, stats::By::Department).len(), 1);

    // Searches and opened guides.
    store(
        db,
        "a",
        "2026-12-03T10:00:00+08:00",
        &[
            (
                10,
                json!({"kind": "miss", "query": "养老金", "step": null, "found": false}),
            ),
            (
                11,
                json!({"kind": "miss", "query": "养老金", "step": "x", "found": true}),
            ),
            (
                12,
                json!({"kind": "miss", "query": "户口", "step": null, "found": false}),
            ),
            (
                13,
                json!({"kind": "usage", "day": "2026-12-02", "guide": mz, "opened": 7}),
            ),
        ],
        NOW,
    );
    store(
        db,
        "b",
        "2026-12-03T10:00:00+08:00",
        &[(
            14,
            json!({"kind": "usage", "day": "2026-12-02", "guide": mz, "opened": 3}),
        )],
        NOW,
    );
    let s = stats::top_searches(db, 30, 10, today).unwrap();
    assert_eq!(
        (
            s[0].query.as_str(),
            s[0].times,
            s[0].found_nothing,
            s[0].kiosks
        ),
        ("养老金", 2, 1, 1)
    );
    assert_eq!(s.len(), 2);
    let g = stats::top_guides(db, 30, 10, today).unwrap();
    assert_eq!((g[0].opened, g[0].kiosks), (10, 2));
    assert_eq!(g[0].title.as_deref(), Some(mz_title.as_str()));
}

/// The fleet's lights kept on the kiosk rows (`console::lights`): an upload judged at once in
/// its transaction, a refresh judging only what time or a publish changed, in one statement
/// per chunk.
fn fleet_lights_are_kept_on_the_rows(backend: Backend) {
    use banshi::hub::console::lights;
    let mut t = database(backend);
    let db = t.db.as_mut();
    for i in 0..700 {
        add_kiosk(db, &format!("k{i:03}"), "村便民服务室", VILLAGE);
    }
    let light = |db: &mut dyn Db, id: &str| -> (i64, String) {
        let r = db
            .row(
                "SELECT light, reasons FROM kiosk WHERE id = $1",
                &[id.into()],
            )
            .unwrap()
            .unwrap();
        (r.int(0), r.opt_text(1).unwrap_or_default())
    };
    // Never heard from: all judged (two chunks), amber "还没有联系过".
    assert_eq!(lights::refresh(db, Some(3), NOW).unwrap(), 700);
    assert_eq!(light(db, "k699"), (1, "还没有联系过".to_string()));
    assert_eq!(lights::refresh(db, Some(3), NOW).unwrap(), 0);
    // An upload with a heartbeat: judged in its own transaction, against version 3.
    let hb = json!({"kind": "heartbeat", "app_version": "0.1.0", "content_version": "2",
        "last_sync_status": "up-to-date", "free_disk_mb": 9000, "warnings": 0,
        "uptime_secs": 600, "screen": "1920x1080", "rotation": 0});
    store(db, "k007", "2026-12-04T11:59:00+08:00", &[(1, hb)], NOW);
    assert_eq!(light(db, "k007"), (1, "内容落后 1 版".to_string()));
    assert_eq!(lights::refresh(db, Some(3), NOW + 60).unwrap(), 0);
    // A day later it is quiet too; the others never reported and stay as they were.
    assert_eq!(lights::refresh(db, Some(3), NOW + 86_400).unwrap(), 1);
    assert_eq!(
        light(db, "k007"),
        (1, "1 天没有联系\n内容落后 1 版".to_string())
    );
    // A publish: every kiosk judged against version 4.
    assert_eq!(lights::refresh(db, Some(4), NOW + 86_400).unwrap(), 700);
    assert_eq!(
        light(db, "k007"),
        (1, "1 天没有联系\n内容落后 2 版".to_string())
    );
}

on_both_backends!(
    fleet_lights_are_kept_on_the_rows,
    a_case_opens_with_its_record_in_the_same_transaction_and_once,
    every_state_move_is_allowed_or_refused_and_recorded,
    department_staff_see_and_change_only_their_department,
    lists_filter_count_page_and_mark_overdue,
    exports_keep_the_documented_columns_within_the_scope,
    departments_come_from_the_published_repository,
    charts_count_ratings_per_day_level_and_group,
);
