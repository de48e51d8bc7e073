//! The console's handlers over a real SQLite hub database: sessions, CSRF, roles, lock-out,
//! the fleet's reasons and pages, enrolment, escaping, department scoping of cases and
//! exports. (The same pages in a real browser: tests/console.rs.)

use super::accounts::{self, Role};
use super::sessions;
use super::web::{handle, Console, Request, Response};
use crate::hub::sql::Db;
use crate::hub::sqlite::{scratch, SqliteDb};

const NOW: i64 = 1_800_000_000;
const PASSWORD: &str = "正确的密码-2026";
const GOOD: &str = r#"{"app_version":"0.1.0","content_version":"3","last_sync_status":"up-to-date","free_disk_mb":30000,"warnings":0}"#;

fn console() -> Console {
    Console::new(false, None, Default::default())
}

fn setup() -> (tempfile::TempDir, SqliteDb) {
    let (dir, mut db) = scratch();
    for (name, role, dept) in [
        ("admin", Role::Admin, None),
        ("staff", Role::Staff, Some("renshe")),
        ("police", Role::Staff, Some("gongan")),
        ("viewer", Role::Viewer, None),
    ] {
        accounts::add(&mut db, name, role, dept, PASSWORD, NOW - 100).unwrap();
    }
    add_kiosk(
        &mut db,
        "K-PENDING",
        "pending",
        "青禾镇便民服务室",
        None,
        None,
    );
    (dir, db)
}

fn add_kiosk(
    db: &mut dyn Db,
    id: &str,
    state: &str,
    hall: &str,
    last_seen: Option<i64>,
    heartbeat: Option<&str>,
) {
    db.exec(
        "INSERT INTO kiosk (id, public_key, state, hall, region, enrolled_at, last_seen, heartbeat)
         VALUES ($1, $2, $3, $4, '439021101000', $5, $6, $7)",
        &[
            id.into(),
            "aa".repeat(32).into(),
            state.into(),
            hall.into(),
            (NOW - 86_400).into(),
            last_seen.into(),
            heartbeat.into(),
        ],
    )
    .unwrap();
}

fn cookie_value(r: &Response, name: &str) -> Option<String> {
    r.headers
        .iter()
        .filter(|(n, _)| *n == "Set-Cookie")
        .filter_map(|(_, v)| v.split(';').next()?.split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

fn hidden_csrf(html: &str) -> String {
    const FIELD: &str = r#"name="csrf" value=""#;
    let at = html.find(FIELD).expect("a csrf field") + FIELD.len();
    html[at..].split('"').next().unwrap().to_string()
}

/// One login attempt through the form (its own token from a fresh GET) on `c`.
fn try_login(c: &Console, db: &mut dyn Db, name: &str, password: &str) -> Response {
    let form = handle(c, db, &Request::get("/login", NOW));
    assert_eq!(form.status, 200);
    let token = cookie_value(&form, "banshi_login").unwrap();
    assert_eq!(hidden_csrf(&form.text()), token);
    handle(
        c,
        db,
        &Request::post(
            "/login",
            &[("csrf", &token), ("name", name), ("password", password)],
            NOW,
        )
        .with_cookies(&format!("banshi_login={token}")),
    )
}

/// A logged-in browser: its session cookie and the CSRF token its pages carry.
struct Staff {
    cookie: String,
    csrf: String,
}

impl Staff {
    fn login(db: &mut dyn Db, name: &str) -> Staff {
        let r = try_login(&console(), db, name, PASSWORD);
        assert_eq!(r.status, 303, "{}", r.text());
        let session = cookie_value(&r, sessions::COOKIE).expect("a session cookie");
        let cookie = format!("{}={session}", sessions::COOKIE);
        let page = handle(
            &console(),
            db,
            &Request::get("/fleet", NOW).with_cookies(&cookie),
        );
        assert_eq!(page.status, 200);
        Staff {
            csrf: hidden_csrf(&page.text()),
            cookie,
        }
    }

    fn get_at(&self, db: &mut dyn Db, path: &str, now: i64) -> Response {
        handle(
            &console(),
            db,
            &Request::get(path, now).with_cookies(&self.cookie),
        )
    }

    fn get(&self, db: &mut dyn Db, path: &str) -> Response {
        self.get_at(db, path, NOW)
    }

    fn page(&self, db: &mut dyn Db, path: &str) -> String {
        self.get(db, path).text()
    }

    /// A form as the page posts it: with the session's CSRF token.
    fn post(&self, db: &mut dyn Db, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_raw(db, path, &form)
    }

    /// A form exactly as given (a forged one may lack the token).
    fn post_raw(&self, db: &mut dyn Db, path: &str, form: &[(&str, &str)]) -> Response {
        handle(
            &console(),
            db,
            &Request::post(path, form, NOW).with_cookies(&self.cookie),
        )
    }
}

fn one(db: &mut dyn Db, sql: &str) -> crate::hub::sql::Row {
    db.row(sql, &[]).unwrap().unwrap()
}

fn state(db: &mut dyn Db, id: &str) -> String {
    db.row("SELECT state FROM kiosk WHERE id = $1", &[id.into()])
        .unwrap()
        .unwrap()
        .text(0)
}

const CODE: [(&str, &str); 2] = [("region", "439021000000"), ("expires", "2099-01-01")];

#[test]
fn pages_need_a_session_and_the_login_form_its_own_token() {
    let (_d, mut db) = setup();
    let c = console();
    let r = handle(&c, &mut db, &Request::get("/fleet", NOW));
    assert_eq!(
        (r.status, r.header("Location")),
        (303, Some("/console/login"))
    );
    let r = handle(
        &c,
        &mut db,
        &Request::post("/kiosk/K-PENDING/approve", &[], NOW),
    );
    assert_eq!(r.status, 403);
    assert_eq!(state(&mut db, "K-PENDING"), "pending");
    // A login posted from elsewhere (a token that is not the form cookie's) is refused.
    let r = handle(
        &c,
        &mut db,
        &Request::post(
            "/login",
            &[("csrf", "x"), ("name", "admin"), ("password", PASSWORD)],
            NOW,
        )
        .with_cookies("banshi_login=y"),
    );
    assert_eq!(r.status, 403);
    assert!(cookie_value(&r, sessions::COOKIE).is_none());
    assert!(Staff::login(&mut db, "admin")
        .cookie
        .starts_with("banshi_console="));
}

#[test]
fn the_session_cookie_is_httponly_samesite_and_secure_under_https() {
    let (_d, mut db) = setup();
    let c = Console::new(true, None, Default::default());
    let r = try_login(&c, &mut db, "admin", PASSWORD);
    let set: Vec<&str> = r
        .headers
        .iter()
        .filter(|(n, _)| *n == "Set-Cookie")
        .map(|(_, v)| v.as_str())
        .filter(|v| v.starts_with(sessions::COOKIE))
        .collect();
    assert_eq!(set.len(), 1);
    for attr in ["HttpOnly", "SameSite=Strict", "Secure"] {
        assert!(set[0].contains(attr), "{attr} in {}", set[0]);
    }
}

#[test]
fn behind_an_https_front_end_cookies_are_secure_too() {
    let (_d, mut db) = setup();
    let c = console();
    let mut form = Request::get("/login", NOW);
    form.forwarded_https = true;
    let r = handle(&c, &mut db, &form);
    let set = r.header("Set-Cookie").unwrap();
    assert!(
        set.starts_with("banshi_login=") && set.contains("Secure"),
        "{set}"
    );
    let plain = handle(&c, &mut db, &Request::get("/login", NOW));
    assert!(!plain.header("Set-Cookie").unwrap().contains("Secure"));
}

#[test]
fn a_post_without_its_csrf_token_changes_nothing() {
    let (_d, mut db) = setup();
    let admin = Staff::login(&mut db, "admin");
    let wrong = "0".repeat(64);
    for form in [vec![], vec![("csrf", wrong.as_str())]] {
        let r = admin.post_raw(&mut db, "/kiosk/K-PENDING/approve", &form);
        assert_eq!(r.status, 403, "{}", r.text());
        assert!(r.text().contains("安全码"), "{}", r.text());
        assert_eq!(state(&mut db, "K-PENDING"), "pending");
    }
    let r = admin.post(&mut db, "/kiosk/K-PENDING/approve", &[]);
    assert_eq!(r.status, 303);
    assert_eq!(state(&mut db, "K-PENDING"), "approved");
}

#[test]
fn only_admins_approve_revoke_and_issue_codes() {
    let (_d, mut db) = setup();
    for who in ["viewer", "staff"] {
        let s = Staff::login(&mut db, who);
        for path in ["/kiosk/K-PENDING/approve", "/kiosk/K-PENDING/revoke"] {
            let r = s.post(&mut db, path, &[]);
            assert_eq!(r.status, 403, "{who} {path}");
            assert!(r.text().contains("管理员"), "{}", r.text());
        }
        assert_eq!(s.post(&mut db, "/enrol/code", &CODE).status, 403);
        // The buttons are not offered either.
        assert!(
            !s.page(&mut db, "/kiosk/K-PENDING").contains("批准这台终端"),
            "{who}"
        );
    }
    assert_eq!(state(&mut db, "K-PENDING"), "pending");
    assert_eq!(one(&mut db, "SELECT COUNT(*) FROM enrol_code").int(0), 0);

    let admin = Staff::login(&mut db, "admin");
    assert!(admin
        .page(&mut db, "/kiosk/K-PENDING")
        .contains("批准这台终端"));
    // Revoking asks first; the confirmation page posts the real thing.
    assert!(admin
        .page(&mut db, "/kiosk/K-PENDING/revoke")
        .contains("确认停用"));
    assert_eq!(state(&mut db, "K-PENDING"), "pending");
    let r = admin.post(&mut db, "/kiosk/K-PENDING/revoke", &[]);
    assert_eq!(
        (r.status, r.header("Location")),
        (303, Some("/console/kiosk/K-PENDING?done=revoked"))
    );
    assert_eq!(state(&mut db, "K-PENDING"), "revoked");

    let r = admin.post(&mut db, "/enrol/code", &CODE);
    assert_eq!(r.status, 200);
    let html = r.text();
    let code = html
        .split(r#"<p class="code mono">"#)
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert_eq!(code.len(), 19, "{code}");
    let stored = one(&mut db, "SELECT hash FROM enrol_code").text(0);
    assert_eq!(
        stored,
        crate::hub::codes::hash(code),
        "only the hash is kept"
    );
    let r = admin.post(
        &mut db,
        "/enrol/code",
        &[("region", "4390"), ("expires", "2099-01-01")],
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("12 位"), "{}", r.text());
    assert_eq!(one(&mut db, "SELECT COUNT(*) FROM enrol_code").int(0), 1);
}

#[test]
fn five_wrong_passwords_lock_the_account_even_for_the_right_one() {
    let (_d, mut db) = setup();
    let c = console();
    for i in 1..5 {
        let r = try_login(&c, &mut db, "staff", "wrong password");
        assert_eq!(r.status, 401, "try {i}");
        assert!(r.text().contains("账号或密码不对"));
    }
    assert_eq!(
        try_login(&c, &mut db, "staff", "wrong password").status,
        423
    );
    let r = try_login(&c, &mut db, "staff", PASSWORD);
    assert_eq!(r.status, 423, "locked even with the right password");
    assert!(r.text().contains("锁定"), "{}", r.text());
    assert!(cookie_value(&r, sessions::COOKIE).is_none());
}

#[test]
fn logout_and_idleness_end_the_session() {
    let (_d, mut db) = setup();
    let first = Staff::login(&mut db, "viewer");
    let later = NOW + sessions::IDLE_SECS + 1;
    assert_eq!(
        first.get_at(&mut db, "/fleet", later).status,
        303,
        "idle too long"
    );

    let second = Staff::login(&mut db, "viewer");
    assert_ne!(first.csrf, second.csrf, "each session its own CSRF token");
    let r = second.post(&mut db, "/logout", &[]);
    assert_eq!(r.status, 303);
    assert!(r
        .headers
        .iter()
        .any(|(n, v)| *n == "Set-Cookie" && v.contains("Max-Age=0")));
    assert_eq!(
        second.get(&mut db, "/fleet").status,
        303,
        "the old cookie opens nothing"
    );
}

#[test]
fn the_fleet_says_why_a_kiosk_needs_attention_and_filters_by_state() {
    let (_d, mut db) = setup();
    add_kiosk(
        &mut db,
        "K-OK",
        "approved",
        "县政务服务中心",
        Some(NOW - 60),
        Some(GOOD),
    );
    add_kiosk(
        &mut db,
        "K-QUIET",
        "approved",
        "<script>alert(1)</script>",
        Some(NOW - 4 * 86_400),
        Some(GOOD),
    );
    let viewer = Staff::login(&mut db, "viewer");
    let page = viewer.page(&mut db, "/fleet");
    assert!(page.contains("4 天没有联系"), "{page}");
    assert!(page.contains("等待批准"));
    assert!(!page.contains("<script>alert"), "kiosk text is escaped");
    assert!(page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"));
    // Red first.
    assert!(page.find("K-QUIET").unwrap() < page.find("K-OK").unwrap());
    let red = viewer.page(&mut db, "/fleet?state=red");
    assert!(
        red.contains("K-QUIET") && !red.contains(">K-OK<") && !red.contains(">K-PENDING<"),
        "{red}"
    );
    assert!(
        viewer.page(&mut db, "/kiosk/K-QUIET").contains("<svg"),
        "the online chart"
    );
    assert_eq!(viewer.get(&mut db, "/kiosk/NOPE").status, 404);
}

#[test]
fn the_kept_lights_follow_the_clock_and_the_kiosks_uploads() {
    let (_d, mut db) = setup();
    add_kiosk(
        &mut db,
        "K-LATE",
        "approved",
        "村便民服务室",
        Some(NOW - 23 * 3600 - 50 * 60),
        Some(GOOD),
    );
    let viewer = Staff::login(&mut db, "viewer");
    let green = viewer.page(&mut db, "/fleet?state=green");
    assert!(green.contains(">K-LATE<"), "{green}");
    // A quarter of an hour later nothing was written, yet the page knows it has been a day.
    let later = String::from_utf8(
        viewer
            .get_at(&mut db, "/fleet?state=amber", NOW + 15 * 60)
            .body,
    )
    .unwrap();
    assert!(
        later.contains(">K-LATE<") && later.contains("1 天没有联系"),
        "{later}"
    );
    // It reports (what the writer does in the upload's transaction): green again at once.
    db.exec(
        "UPDATE kiosk SET last_seen = $1 WHERE id = 'K-LATE'",
        &[(NOW + 16 * 60).into()],
    )
    .unwrap();
    crate::hub::console::lights::judge(&mut db, "K-LATE", NOW + 16 * 60).unwrap();
    let back = String::from_utf8(
        viewer
            .get_at(&mut db, "/fleet?state=green", NOW + 17 * 60)
            .body,
    )
    .unwrap();
    assert!(back.contains(">K-LATE<"), "{back}");
}

#[test]
fn a_large_fleet_is_paged_worst_first() {
    let (_d, mut db) = setup();
    for i in 0..150 {
        let id = format!("K{i:03}");
        add_kiosk(
            &mut db,
            &id,
            "approved",
            "村便民服务室",
            Some(NOW - 60),
            Some(GOOD),
        );
    }
    let five_days = Some(NOW - 5 * 86_400);
    add_kiosk(
        &mut db,
        "Z-BROKEN",
        "approved",
        "村便民服务室",
        five_days,
        Some(GOOD),
    );
    let viewer = Staff::login(&mut db, "viewer");
    let first = viewer.page(&mut db, "/fleet");
    assert_eq!(first.matches("<tr class=").count(), 100);
    assert!(
        first.contains("Z-BROKEN"),
        "the red one is on the first page"
    );
    assert!(
        first.contains("共 152 台") && first.contains("下一页"),
        "{first}"
    );
    let second = viewer.page(&mut db, "/fleet?page=2");
    assert_eq!(second.matches("<tr class=").count(), 52);
    assert!(second.contains("上一页") && !second.contains("下一页"));
}

#[test]
fn the_searches_page_counts_misses_of_the_last_month() {
    let (_d, mut db) = setup();
    let at = |secs: i64| {
        chrono::DateTime::from_timestamp(secs, 0)
            .unwrap()
            .to_rfc3339()
    };
    let (recent, old) = (at(NOW - 86_400), at(NOW - 90 * 86_400));
    for (seq, (q, at)) in [
        ("低保", &recent),
        ("低保", &recent),
        ("狗证", &recent),
        ("旧词", &old),
    ]
    .iter()
    .enumerate()
    {
        db.exec(
            "INSERT INTO miss (kiosk_id, seq, at, query, step, found) VALUES ('K1', $1, $2, $3, NULL, 0)",
            &[(seq as i64).into(), (*at).into(), (*q).into()],
        )
        .unwrap();
    }
    let page = Staff::login(&mut db, "viewer").page(&mut db, "/searches");
    assert!(
        page.contains("<td>低保</td><td class=\"num\">2</td>"),
        "{page}"
    );
    assert!(page.contains("狗证"));
    assert!(!page.contains("旧词"), "older than 30 days");
}

#[test]
fn pages_forbid_framing_and_foreign_scripts() {
    let (_d, mut db) = setup();
    let mut get = |path: &str| handle(&console(), &mut db, &Request::get(path, NOW));
    let r = get("/login");
    let csp = r.header("Content-Security-Policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"));
    assert_eq!(r.header("Cache-Control"), Some("no-store"));
    let css = get("/static/console.css");
    assert_eq!(css.status, 200);
    assert!(css.header("Content-Type").unwrap().starts_with("text/css"));
    let font = get("/static/regular.otf");
    assert_eq!(
        (font.status, font.header("Content-Type")),
        (200, Some("font/otf"))
    );
    assert_eq!(
        font.body,
        crate::fonts::glyphs::REGULAR,
        "the kiosk's own font"
    );
}

/// The sample county's departments and guides in the hub, and a 差评 of a 公安 guide stored
/// as an upload stores it (the case opens with it): the case's id.
fn bad_rating_of_a_police_guide(db: &mut dyn Db) -> String {
    use crate::hub::{inbox, wire};
    let content = crate::source::load_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample"),
    )
    .unwrap();
    super::departments::store(db, &content).unwrap();
    let guide = content
        .items
        .iter()
        .find(|i| i.department == "gongan")
        .unwrap();
    add_kiosk(db, "K-HALL", "approved", "县政务服务中心", Some(NOW), None);
    let record = serde_json::json!({"kind": "rating", "subject": {"of": "guide", "id": guide.id},
        "level": 5, "reasons": ["等太久"], "indicator_set": "2019-v1", "case_no": null,
        "phone": "13812345678"});
    let req = wire::UploadRequest {
        records: vec![wire::WireRecord {
            seq: 7,
            at: "2026-12-01T09:30:00+08:00".into(),
            record,
        }],
    };
    let (ok, bad) = inbox::check(req).unwrap();
    db.transaction(|db| inbox::store(db, "K-HALL", &ok, &bad, NOW))
        .unwrap();
    "K-HALL-7".into()
}

fn case_state(db: &mut dyn Db) -> String {
    one(
        db,
        "SELECT state FROM feedback_case WHERE kiosk_id = 'K-HALL'",
    )
    .text(0)
}

#[test]
fn a_department_sees_and_handles_only_its_own_cases() {
    let (_d, mut db) = setup();
    let id = bad_rating_of_a_police_guide(&mut db);
    let path = format!("/cases/{id}");
    let move_on = [("to", "visited"), ("note", "已电话回访")];

    // 人社 staff: not in the list, not found by address, cannot move it.
    let other = Staff::login(&mut db, "staff");
    assert!(other.page(&mut db, "/ratings").contains("共 0 件"));
    assert_eq!(other.get(&mut db, &path).status, 404);
    assert_eq!(other.post(&mut db, &path, &move_on).status, 404);
    assert_eq!(case_state(&mut db), "new");

    // A viewer sees it but may not move it.
    let viewer = Staff::login(&mut db, "viewer");
    let page = viewer.page(&mut db, &path);
    assert!(
        page.contains("只读") && !page.contains("<textarea"),
        "{page}"
    );
    assert_eq!(viewer.post(&mut db, &path, &move_on).status, 403);
    assert_eq!(case_state(&mut db), "new");

    // 公安 staff: listed, and a move the rules refuse keeps the typed note on the page.
    let police = Staff::login(&mut db, "police");
    let list = police.page(&mut db, "/ratings");
    assert!(list.contains(&id) && list.contains("待回访"), "{list}");
    let r = police.post(&mut db, &path, &[("to", "fixed"), ("note", "直接整改了")]);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("直接整改了</textarea>"), "{}", r.text());
    assert_eq!(case_state(&mut db), "new");
    let r = police.post(&mut db, &path, &move_on);
    let done = format!("/console{path}?done=saved");
    assert_eq!((r.status, r.header("Location")), (303, Some(done.as_str())));
    assert_eq!(case_state(&mut db), "visited");
    let page = police.page(&mut db, &path);
    assert!(
        page.contains("已电话回访") && page.contains("police"),
        "the history: {page}"
    );
}

#[test]
fn exports_are_files_in_the_documented_columns() {
    let (_d, mut db) = setup();
    bad_rating_of_a_police_guide(&mut db);
    let admin = Staff::login(&mut db, "admin");
    let r = admin.get(&mut db, "/export/cases.csv");
    assert_eq!(r.status, 200);
    assert!(r
        .header("Content-Disposition")
        .unwrap()
        .starts_with("attachment"));
    let text = r.text();
    let header = text.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert_eq!(
        header,
        super::export::case_header(super::cases::Kind::Rating).join(",")
    );
    assert!(text.contains("K-HALL"), "{text}");
    let r = admin.get(&mut db, "/export/ratings.xlsx?days=30");
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with(b"PK"), "an xlsx (zip) file");
    let r = admin.get(&mut db, "/export/suggestions.csv");
    assert_eq!(r.status, 200);
    let header = r
        .text()
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_string();
    let want = super::export::case_header(super::cases::Kind::Suggestion).join(",");
    assert_eq!(header, want);
    // Another department's staff export nothing of it.
    let other = Staff::login(&mut db, "staff");
    assert!(!other.page(&mut db, "/export/cases.csv").contains("K-HALL"));
}
