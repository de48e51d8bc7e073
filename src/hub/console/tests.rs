//! The console's handlers over a real SQLite hub database: sessions, CSRF, roles, lock-out,
//! the fleet's reasons, enrolment and escaping. (The same pages in a real browser:
//! tests/console.rs.)

use super::accounts::{self, Role};
use super::sessions;
use super::web::{handle, Console, Request, Response};
use crate::hub::sql::Db;
use crate::hub::sqlite::{scratch, SqliteDb};

const NOW: i64 = 1_800_000_000;
const PASSWORD: &str = "正确的密码-2026";

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
    let at =
        html.find(r#"name="csrf" value=""#).expect("a csrf field") + r#"name="csrf" value=""#.len();
    html[at..].split('"').next().unwrap().to_string()
}

/// Logs in through the form; the `Cookie` header of the session and its CSRF token.
fn login(db: &mut dyn Db, name: &str, now: i64) -> (String, String) {
    let c = console();
    let form = handle(&c, db, &Request::get("/login", now));
    assert_eq!(form.status, 200);
    let token = cookie_value(&form, "banshi_login").unwrap();
    assert_eq!(hidden_csrf(&form.text()), token);
    let r = handle(
        &c,
        db,
        &Request::post(
            "/login",
            &[("csrf", &token), ("name", name), ("password", PASSWORD)],
            now,
        )
        .with_cookies(&format!("banshi_login={token}")),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let session = cookie_value(&r, sessions::COOKIE).expect("a session cookie");
    let cookie = format!("{}={session}", sessions::COOKIE);
    let page = handle(&c, db, &Request::get("/fleet", now).with_cookies(&cookie));
    assert_eq!(page.status, 200);
    (cookie.clone(), hidden_csrf(&page.text()))
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
    // A login posted from elsewhere (no cookie, or a token that is not the cookie's) is refused.
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
    let (cookie, _) = login(&mut db, "admin", NOW);
    assert!(cookie.starts_with("banshi_console="));
}

#[test]
fn the_session_cookie_is_httponly_samesite_and_secure_under_https() {
    let (_d, mut db) = setup();
    let c = Console::new(true, None, Default::default());
    let form = handle(&c, &mut db, &Request::get("/login", NOW));
    let token = cookie_value(&form, "banshi_login").unwrap();
    let r = handle(
        &c,
        &mut db,
        &Request::post(
            "/login",
            &[("csrf", &token), ("name", "admin"), ("password", PASSWORD)],
            NOW,
        )
        .with_cookies(&format!("banshi_login={token}")),
    );
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
fn a_post_without_its_csrf_token_changes_nothing() {
    let (_d, mut db) = setup();
    let c = console();
    let (cookie, csrf) = login(&mut db, "admin", NOW);
    for form in [vec![], vec![("csrf", "0".repeat(64))]] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = handle(
            &c,
            &mut db,
            &Request::post("/kiosk/K-PENDING/approve", &form, NOW).with_cookies(&cookie),
        );
        assert_eq!(r.status, 403, "{}", r.text());
        assert!(r.text().contains("安全码"), "{}", r.text());
        assert_eq!(state(&mut db, "K-PENDING"), "pending");
    }
    let r = handle(
        &c,
        &mut db,
        &Request::post("/kiosk/K-PENDING/approve", &[("csrf", &csrf)], NOW).with_cookies(&cookie),
    );
    assert_eq!(r.status, 303);
    assert_eq!(state(&mut db, "K-PENDING"), "approved");
}

#[test]
fn only_admins_approve_revoke_and_issue_codes() {
    let (_d, mut db) = setup();
    let c = console();
    for who in ["viewer", "staff"] {
        let (cookie, csrf) = login(&mut db, who, NOW);
        for path in ["/kiosk/K-PENDING/approve", "/kiosk/K-PENDING/revoke"] {
            let r = handle(
                &c,
                &mut db,
                &Request::post(path, &[("csrf", &csrf)], NOW).with_cookies(&cookie),
            );
            assert_eq!(r.status, 403, "{who} {path}");
            assert!(r.text().contains("管理员"), "{}", r.text());
        }
        let r = handle(
            &c,
            &mut db,
            &Request::post(
                "/enrol/code",
                &[
                    ("csrf", &csrf),
                    ("region", "439021000000"),
                    ("expires", "2099-01-01"),
                ],
                NOW,
            )
            .with_cookies(&cookie),
        );
        assert_eq!(r.status, 403);
        // The buttons are not offered either.
        let page = handle(
            &c,
            &mut db,
            &Request::get("/kiosk/K-PENDING", NOW).with_cookies(&cookie),
        )
        .text();
        assert!(!page.contains("批准这台终端"), "{who}");
    }
    assert_eq!(state(&mut db, "K-PENDING"), "pending");
    let codes = one(&mut db, "SELECT COUNT(*) FROM enrol_code").int(0);
    assert_eq!(codes, 0);

    let (cookie, csrf) = login(&mut db, "admin", NOW);
    let page = handle(
        &c,
        &mut db,
        &Request::get("/kiosk/K-PENDING", NOW).with_cookies(&cookie),
    )
    .text();
    assert!(page.contains("批准这台终端"));
    // Revoking asks first; the confirmation page posts the real thing.
    let confirm = handle(
        &c,
        &mut db,
        &Request::get("/kiosk/K-PENDING/revoke", NOW).with_cookies(&cookie),
    );
    assert!(confirm.text().contains("确认停用"));
    assert_eq!(state(&mut db, "K-PENDING"), "pending");
    let r = handle(
        &c,
        &mut db,
        &Request::post("/kiosk/K-PENDING/revoke", &[("csrf", &csrf)], NOW).with_cookies(&cookie),
    );
    assert_eq!(
        (r.status, r.header("Location")),
        (303, Some("/console/kiosk/K-PENDING?done=revoked"))
    );
    assert_eq!(state(&mut db, "K-PENDING"), "revoked");

    let r = handle(
        &c,
        &mut db,
        &Request::post(
            "/enrol/code",
            &[
                ("csrf", &csrf),
                ("region", "439021000000"),
                ("expires", "2099-01-01"),
            ],
            NOW,
        )
        .with_cookies(&cookie),
    );
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
    let r = handle(
        &c,
        &mut db,
        &Request::post(
            "/enrol/code",
            &[
                ("csrf", &csrf),
                ("region", "4390"),
                ("expires", "2099-01-01"),
            ],
            NOW,
        )
        .with_cookies(&cookie),
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("12 位"), "{}", r.text());
    assert_eq!(one(&mut db, "SELECT COUNT(*) FROM enrol_code").int(0), 1);
}

#[test]
fn five_wrong_passwords_lock_the_account_even_for_the_right_one() {
    let (_d, mut db) = setup();
    let c = console();
    let try_login = |db: &mut SqliteDb, password: &str| {
        let form = handle(&c, db, &Request::get("/login", NOW));
        let token = cookie_value(&form, "banshi_login").unwrap();
        handle(
            &c,
            db,
            &Request::post(
                "/login",
                &[("csrf", &token), ("name", "staff"), ("password", password)],
                NOW,
            )
            .with_cookies(&format!("banshi_login={token}")),
        )
    };
    for i in 1..5 {
        let r = try_login(&mut db, "wrong password");
        assert_eq!(r.status, 401, "try {i}");
        assert!(r.text().contains("账号或密码不对"));
    }
    let r = try_login(&mut db, "wrong password");
    assert_eq!(r.status, 423);
    let r = try_login(&mut db, PASSWORD);
    assert_eq!(r.status, 423, "locked even with the right password");
    assert!(r.text().contains("锁定"), "{}", r.text());
    assert!(cookie_value(&r, sessions::COOKIE).is_none());
}

#[test]
fn logout_and_idleness_end_the_session() {
    let (_d, mut db) = setup();
    let c = console();
    let (cookie, csrf) = login(&mut db, "viewer", NOW);
    let later = NOW + sessions::IDLE_SECS + 1;
    let r = handle(
        &c,
        &mut db,
        &Request::get("/fleet", later).with_cookies(&cookie),
    );
    assert_eq!(r.status, 303, "idle too long");

    let (cookie, csrf2) = login(&mut db, "viewer", NOW);
    assert_ne!(csrf, csrf2, "each session its own CSRF token");
    let r = handle(
        &c,
        &mut db,
        &Request::post("/logout", &[("csrf", &csrf2)], NOW).with_cookies(&cookie),
    );
    assert_eq!(r.status, 303);
    assert!(r
        .headers
        .iter()
        .any(|(n, v)| *n == "Set-Cookie" && v.contains("Max-Age=0")));
    let r = handle(
        &c,
        &mut db,
        &Request::get("/fleet", NOW).with_cookies(&cookie),
    );
    assert_eq!(r.status, 303, "the old cookie opens nothing");
}

#[test]
fn the_fleet_says_why_a_kiosk_needs_attention_and_filters_by_state() {
    let (_d, mut db) = setup();
    let c = console();
    let good = r#"{"app_version":"0.1.0","content_version":"3","last_sync_status":"up-to-date","free_disk_mb":30000,"warnings":0}"#;
    add_kiosk(
        &mut db,
        "K-OK",
        "approved",
        "县政务服务中心",
        Some(NOW - 60),
        Some(good),
    );
    add_kiosk(
        &mut db,
        "K-QUIET",
        "approved",
        "<script>alert(1)</script>",
        Some(NOW - 4 * 86_400),
        Some(good),
    );
    let (cookie, _) = login(&mut db, "viewer", NOW);
    let page = handle(
        &c,
        &mut db,
        &Request::get("/fleet", NOW).with_cookies(&cookie),
    )
    .text();
    assert!(page.contains("4 天没有联系"), "{page}");
    assert!(page.contains("等待批准"));
    assert!(!page.contains("<script>alert"), "kiosk text is escaped");
    assert!(page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"));
    // Red first.
    assert!(page.find("K-QUIET").unwrap() < page.find("K-OK").unwrap());
    let red = handle(
        &c,
        &mut db,
        &Request::get("/fleet?state=red", NOW).with_cookies(&cookie),
    )
    .text();
    assert!(
        red.contains("K-QUIET") && !red.contains(">K-OK<") && !red.contains(">K-PENDING<"),
        "{red}"
    );
    let kiosk = handle(
        &c,
        &mut db,
        &Request::get("/kiosk/K-QUIET", NOW).with_cookies(&cookie),
    )
    .text();
    assert!(kiosk.contains("<svg"), "the online chart");
    let none = handle(
        &c,
        &mut db,
        &Request::get("/kiosk/NOPE", NOW).with_cookies(&cookie),
    );
    assert_eq!(none.status, 404);
}

#[test]
fn the_searches_page_counts_misses_of_the_last_month() {
    let (_d, mut db) = setup();
    let c = console();
    let recent = chrono::DateTime::from_timestamp(NOW - 86_400, 0)
        .unwrap()
        .to_rfc3339();
    let old = chrono::DateTime::from_timestamp(NOW - 90 * 86_400, 0)
        .unwrap()
        .to_rfc3339();
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
    let (cookie, _) = login(&mut db, "viewer", NOW);
    let page = handle(
        &c,
        &mut db,
        &Request::get("/searches", NOW).with_cookies(&cookie),
    )
    .text();
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
    let r = handle(&console(), &mut db, &Request::get("/login", NOW));
    let csp = r.header("Content-Security-Policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"));
    assert_eq!(r.header("Cache-Control"), Some("no-store"));
    let css = handle(
        &console(),
        &mut db,
        &Request::get("/static/console.css", NOW),
    );
    assert_eq!(css.status, 200);
    assert!(css.header("Content-Type").unwrap().starts_with("text/css"));
    let font = handle(
        &console(),
        &mut db,
        &Request::get("/static/regular.otf", NOW),
    );
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
    let c = console();
    let id = bad_rating_of_a_police_guide(&mut db);
    let path = format!("/cases/{id}");
    let move_on = [("to", "visited"), ("note", "已电话回访")];

    // 人社 staff: not in the list, not found by address, cannot move it.
    let (cookie, csrf) = login(&mut db, "staff", NOW);
    let list = handle(
        &c,
        &mut db,
        &Request::get("/ratings", NOW).with_cookies(&cookie),
    )
    .text();
    assert!(list.contains("共 0 件"), "{list}");
    assert_eq!(
        handle(&c, &mut db, &Request::get(&path, NOW).with_cookies(&cookie)).status,
        404
    );
    let form: Vec<(&str, &str)> = [("csrf", csrf.as_str())]
        .into_iter()
        .chain(move_on)
        .collect();
    let r = handle(
        &c,
        &mut db,
        &Request::post(&path, &form, NOW).with_cookies(&cookie),
    );
    assert_eq!(r.status, 404);
    assert_eq!(case_state(&mut db), "new");

    // A viewer sees it but may not move it.
    let (cookie, csrf) = login(&mut db, "viewer", NOW);
    let page = handle(&c, &mut db, &Request::get(&path, NOW).with_cookies(&cookie)).text();
    assert!(
        page.contains("只读") && !page.contains("<textarea"),
        "{page}"
    );
    let form: Vec<(&str, &str)> = [("csrf", csrf.as_str())]
        .into_iter()
        .chain(move_on)
        .collect();
    assert_eq!(
        handle(
            &c,
            &mut db,
            &Request::post(&path, &form, NOW).with_cookies(&cookie)
        )
        .status,
        403
    );
    assert_eq!(case_state(&mut db), "new");

    // 公安 staff: listed, and a move the rules refuse keeps the typed note on the page.
    let (cookie, csrf) = login(&mut db, "police", NOW);
    let list = handle(
        &c,
        &mut db,
        &Request::get("/ratings", NOW).with_cookies(&cookie),
    )
    .text();
    assert!(list.contains(&id) && list.contains("待回访"), "{list}");
    let r = handle(
        &c,
        &mut db,
        &Request::post(
            &path,
            &[("csrf", &csrf), ("to", "fixed"), ("note", "直接整改了")],
            NOW,
        )
        .with_cookies(&cookie),
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("直接整改了</textarea>"), "{}", r.text());
    assert_eq!(case_state(&mut db), "new");
    let form: Vec<(&str, &str)> = [("csrf", csrf.as_str())]
        .into_iter()
        .chain(move_on)
        .collect();
    let r = handle(
        &c,
        &mut db,
        &Request::post(&path, &form, NOW).with_cookies(&cookie),
    );
    assert_eq!(
        (r.status, r.header("Location")),
        (303, Some(format!("/console{path}?done=saved").as_str()))
    );
    assert_eq!(case_state(&mut db), "visited");
    let page = handle(&c, &mut db, &Request::get(&path, NOW).with_cookies(&cookie)).text();
    assert!(
        page.contains("已电话回访") && page.contains("police"),
        "the history: {page}"
    );
}

#[test]
fn exports_are_files_in_the_documented_columns() {
    let (_d, mut db) = setup();
    let c = console();
    bad_rating_of_a_police_guide(&mut db);
    let (cookie, _) = login(&mut db, "admin", NOW);
    let r = handle(
        &c,
        &mut db,
        &Request::get("/export/cases.csv", NOW).with_cookies(&cookie),
    );
    assert_eq!(r.status, 200);
    assert!(r
        .header("Content-Disposition")
        .unwrap()
        .starts_with("attachment"));
    let text = r.text();
    let header = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(header, super::export::case_header().join(","));
    assert!(text.contains("K-HALL"), "{text}");
    let r = handle(
        &c,
        &mut db,
        &Request::get("/export/ratings.xlsx?days=30", NOW).with_cookies(&cookie),
    );
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with(b"PK"), "an xlsx (zip) file");
    // Another department's staff export nothing of it.
    let (cookie, _) = login(&mut db, "staff", NOW);
    let r = handle(
        &c,
        &mut db,
        &Request::get("/export/cases.csv", NOW).with_cookies(&cookie),
    );
    assert!(!r.text().contains("K-HALL"));
}

#[test]
fn a_large_fleet_is_paged_worst_first() {
    let (_d, mut db) = setup();
    let c = console();
    let good = r#"{"app_version":"0.1.0","content_version":"3","last_sync_status":"up-to-date","free_disk_mb":30000,"warnings":0}"#;
    for i in 0..150 {
        add_kiosk(
            &mut db,
            &format!("K{i:03}"),
            "approved",
            "村便民服务室",
            Some(NOW - 60),
            Some(good),
        );
    }
    add_kiosk(
        &mut db,
        "Z-BROKEN",
        "approved",
        "村便民服务室",
        Some(NOW - 5 * 86_400),
        Some(good),
    );
    let (cookie, _) = login(&mut db, "viewer", NOW);
    let first = handle(
        &c,
        &mut db,
        &Request::get("/fleet", NOW).with_cookies(&cookie),
    )
    .text();
    assert_eq!(first.matches("<tr class=").count(), 100);
    assert!(
        first.contains("Z-BROKEN"),
        "the red one is on the first page"
    );
    assert!(
        first.contains("共 152 台") && first.contains("下一页"),
        "{first}"
    );
    let second = handle(
        &c,
        &mut db,
        &Request::get("/fleet?page=2", NOW).with_cookies(&cookie),
    )
    .text();
    assert_eq!(second.matches("<tr class=").count(), 52);
    assert!(second.contains("上一页") && !second.contains("下一页"));
}
