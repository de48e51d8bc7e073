//! The county hub as kiosks and county staff meet it: the real `banshi hub` binary on
//! 127.0.0.1, signed requests from test kiosks, the CLI for approving, revoking, codes and
//! reports, and the database read back to check that every refusal stored nothing. Every test
//! runs twice: on SQLite (`sqlite::…`) and on a PostgreSQL server of its own (`postgres::…`).

#[macro_use]
mod common;

use common::hub::{batch, nonce, post, raw, unix_now, Backend, Hub, Kiosk};
use serde_json::{json, Value};

use banshi::hub::wire::{self, ENROL_PATH, UPLOAD_PATH};

const COUNTY: &str = "439021000000";
const VILLAGE: &str = "439021101201";

fn stdout(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn tomorrow() -> String {
    (chrono::Local::now().date_naive() + chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string()
}

fn code(hub: &Hub, region: &str) -> String {
    let out = stdout(&hub.cli(&["code", "--region", region, "--expires", &tomorrow()]));
    let code = out.trim().to_string();
    assert_eq!(out.lines().count(), 1, "the code alone on stdout: {out:?}");
    assert_eq!(code.len(), 19, "{code}");
    code
}

fn rating(level: u8, reasons: &[&str]) -> Value {
    json!({"kind": "rating", "subject": {"of": "guide", "id": "439021-001"}, "level": level,
           "reasons": reasons, "indicator_set": "2019-v1", "case_no": null, "phone": null})
}

fn heartbeat(version: &str) -> Value {
    json!({"kind": "heartbeat", "app_version": version, "content_version": "12",
           "content_digest": null, "last_sync_status": "ok", "last_sync_at": null,
           "last_sync_error": null, "expires": null, "uptime_secs": 60, "free_disk_mb": 900,
           "screen": "1080x1920", "rotation": 90, "warnings": 0})
}

/// A kiosk enrolled with a fresh code (approved at once).
fn enrolled(hub: &Hub, id: &str) -> Kiosk {
    let k = Kiosk::new(id);
    let r = k.enrol(hub, Some(&code(hub, COUNTY)), Some(VILLAGE));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["state"], "approved");
    k
}

fn a_one_time_code_enrols_one_kiosk_in_its_region_before_it_expires(backend: Backend) {
    let hub = Hub::start_on(backend, &[]);
    let code = code(&hub, COUNTY);

    // Wrong region: refused, nothing stored, the code still unused.
    let elsewhere = Kiosk::new("elsewhere-1");
    let before = hub.footprint();
    let r = elsewhere.enrol(&hub, Some(&code), Some("439022101201"));
    assert_eq!(
        (r.status, r.error().as_str()),
        (403, "bad_code"),
        "{}",
        r.body
    );
    assert!(r.json()["message"].as_str().unwrap().contains("区划"));
    assert_eq!(hub.footprint(), before);
    // No region at all: refused too.
    let r = elsewhere.enrol(&hub, Some(&code), None);
    assert_eq!((r.status, r.error().as_str()), (403, "bad_code"));
    assert_eq!(hub.footprint(), before);

    // The right region: approved at once, uploads accepted.
    let first = Kiosk::new("village-01");
    let r = first.enrol(&hub, Some(&code), Some(VILLAGE));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["state"], "approved");
    let r = first.upload(&hub, &[(1, rating(1, &[]))]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["ack"], json!([1]));

    // The same code again, for another kiosk: refused, nothing stored.
    let second = Kiosk::new("village-02");
    let before = hub.footprint();
    let r = second.enrol(&hub, Some(&code), Some(VILLAGE));
    assert_eq!(
        (r.status, r.error().as_str()),
        (403, "bad_code"),
        "{}",
        r.body
    );
    assert!(r.json()["message"].as_str().unwrap().contains("village-01"));
    assert_eq!(hub.footprint(), before);

    // An expired code (put in the database directly: the CLI refuses past dates).
    let old = banshi::hub::codes::generate();
    hub.exec(&format!(
        "INSERT INTO enrol_code (hash, region, expires, created_at) VALUES ('{}', '{COUNTY}', '2020-01-01', 0)",
        banshi::hub::codes::hash(&old)
    ));
    let before = hub.footprint();
    let r = second.enrol(&hub, Some(&old), Some(VILLAGE));
    assert_eq!((r.status, r.error().as_str()), (403, "bad_code"));
    assert!(r.json()["message"].as_str().unwrap().contains("过期"));
    assert_eq!(hub.footprint(), before);
    // A made-up code.
    let r = second.enrol(&hub, Some("AAAA-BBBB-CCCC-DDDD"), Some(VILLAGE));
    assert_eq!((r.status, r.error().as_str()), (403, "bad_code"));
    assert_eq!(hub.footprint(), before);

    // The CLI refuses bad regions and past dates.
    assert!(!hub
        .cli(&["code", "--region", "4390", "--expires", &tomorrow()])
        .status
        .success());
    assert!(!hub
        .cli(&["code", "--region", COUNTY, "--expires", "2020-01-01"])
        .status
        .success());
}

fn without_a_code_a_kiosk_waits_for_approval_and_a_revoked_one_is_refused(backend: Backend) {
    let hub = Hub::start_on(backend, &[]);
    let k = Kiosk::new("hall-03");
    let r = k.enrol(&hub, None, Some(VILLAGE));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["state"], "pending");
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("approve hall-03"));

    // Pending: uploads refused, nothing stored.
    let before = hub.footprint();
    let r = k.upload(&hub, &[(1, rating(2, &[]))]);
    assert_eq!(
        (r.status, r.error().as_str()),
        (403, "pending"),
        "{}",
        r.body
    );
    assert_eq!(hub.footprint(), before);

    // The county sees it with the key's fingerprint, and approves it.
    let list = stdout(&hub.cli(&["kiosks", "list"]));
    assert!(
        list.contains("hall-03") && list.contains("待批准"),
        "{list}"
    );
    assert!(list.contains(&wire::fingerprint(&k.key())), "{list}");
    let listed: Value = serde_json::from_str(&stdout(&hub.cli(&["kiosks", "--json"]))).unwrap();
    assert_eq!(listed[0]["fingerprint"], wire::fingerprint(&k.key()));
    assert_eq!(listed[0]["state"], "pending");
    let out = stdout(&hub.cli(&["kiosks", "approve", "hall-03"]));
    assert!(out.contains(&wire::fingerprint(&k.key())), "{out}");
    assert!(!hub.cli(&["kiosks", "approve", "nobody"]).status.success());

    // Enrolling again now says approved; uploads are accepted.
    assert_eq!(
        k.enrol(&hub, None, Some(VILLAGE)).json()["state"],
        "approved"
    );
    let r = k.upload(&hub, &[(1, rating(2, &[])), (2, heartbeat("0.1.0"))]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["ack"], json!([1, 2]));
    assert_eq!(hub.count("rating"), 1);

    // Revoked: uploads and enrolments refused, nothing stored.
    stdout(&hub.cli(&["kiosks", "revoke", "hall-03"]));
    let before = hub.footprint();
    let r = k.upload(&hub, &[(3, rating(1, &[]))]);
    assert_eq!(
        (r.status, r.error().as_str()),
        (403, "revoked"),
        "{}",
        r.body
    );
    let r = k.enrol(&hub, None, Some(VILLAGE));
    assert_eq!(
        (r.status, r.error().as_str()),
        (403, "revoked"),
        "{}",
        r.body
    );
    assert_eq!(hub.footprint(), before);

    // Another device claiming the same id: refused.
    let r = Kiosk::new("hall-03").enrol(&hub, None, Some(VILLAGE));
    assert_eq!(
        (r.status, r.error().as_str()),
        (409, "key_mismatch"),
        "{}",
        r.body
    );
    assert_eq!(hub.footprint(), before);
}

fn every_refusal_has_its_status_and_stores_nothing(backend: Backend) {
    let hub = Hub::start_on(backend, &[]);
    let k = enrolled(&hub, "county-hall-01");
    let body = batch(&[(1, rating(1, &[]))]);
    let before = hub.footprint();

    // Forged: signed by another key in this kiosk's name.
    let forger = Kiosk::new("county-hall-01");
    let r = forger.send(&hub, UPLOAD_PATH, &body);
    assert_eq!(
        (r.status, r.error().as_str()),
        (401, "bad_signature"),
        "{}",
        r.body
    );
    // A valid signature over another body.
    let mut h = k.headers(UPLOAD_PATH, unix_now(), &nonce(), &body);
    let other = batch(&[(2, rating(1, &[]))]);
    let r = post(hub.addr, UPLOAD_PATH, &h, &other);
    assert_eq!((r.status, r.error().as_str()), (401, "bad_signature"));
    // A signature for the enrol path used on upload.
    let r = post(
        hub.addr,
        UPLOAD_PATH,
        &k.headers(ENROL_PATH, unix_now(), &nonce(), &body),
        &body,
    );
    assert_eq!(r.status, 401);

    // Unknown kiosk.
    let r = Kiosk::new("stranger").send(&hub, UPLOAD_PATH, &body);
    assert_eq!(
        (r.status, r.error().as_str()),
        (403, "unknown_kiosk"),
        "{}",
        r.body
    );

    // Stale, either way; the reply carries the hub's time.
    for skew in [-1000, 1000] {
        let r = post(
            hub.addr,
            UPLOAD_PATH,
            &k.headers(UPLOAD_PATH, unix_now() + skew, &nonce(), &body),
            &body,
        );
        assert_eq!((r.status, r.error().as_str()), (401, "stale"), "{}", r.body);
        let hub_time = r.json()["hub_time"].as_i64().unwrap();
        assert!((hub_time - unix_now()).abs() < 30);
    }

    // Oversize: refused by its Content-Length before the body is read (none is sent).
    let head = format!(
        "POST {UPLOAD_PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n{}\r\n",
        wire::MAX_BODY + 1,
        k.headers(UPLOAD_PATH, unix_now(), &nonce(), b"")
            .iter()
            .map(|(n, v)| format!("{n}: {v}\r\n"))
            .collect::<String>()
    );
    let r = raw(hub.addr, &head, b"");
    assert_eq!(
        (r.status, r.error().as_str()),
        (413, "too_large"),
        "{}",
        r.body
    );
    // Oversize without a length (chunked): refused once the limit is passed; the client sends
    // one byte past the limit and waits (so nothing unread is left to reset the connection).
    let big = vec![b' '; wire::MAX_BODY + 10];
    let mut chunked = format!("{:x}\r\n", big.len()).into_bytes();
    chunked.extend_from_slice(&big[..wire::MAX_BODY + 1]);
    let head = format!(
        "POST {UPLOAD_PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n{}\r\n",
        k.headers(UPLOAD_PATH, unix_now(), &nonce(), &big)
            .iter()
            .map(|(n, v)| format!("{n}: {v}\r\n"))
            .collect::<String>()
    );
    let r = raw(hub.addr, &head, &chunked);
    assert_eq!(
        (r.status, r.error().as_str()),
        (413, "too_large"),
        "{}",
        r.body
    );

    // Garbage JSON, correctly signed.
    let r = k.send(&hub, UPLOAD_PATH, b"{\"records\": [1, 2");
    assert_eq!(
        (r.status, r.error().as_str()),
        (400, "malformed"),
        "{}",
        r.body
    );
    let r = k.send(&hub, UPLOAD_PATH, br#"{"records": [], "extra": 1}"#);
    assert_eq!((r.status, r.error().as_str()), (400, "malformed"));
    let r = k.send(&hub, ENROL_PATH, b"not json");
    assert_eq!((r.status, r.error().as_str()), (400, "malformed"));
    // Too many records in one batch.
    let many: Vec<(i64, Value)> = (1..=wire::MAX_BATCH as i64 + 1)
        .map(|s| (s, rating(1, &[])))
        .collect();
    let r = k.upload(&hub, &many);
    assert_eq!((r.status, r.error().as_str()), (400, "malformed"));
    // Malformed headers: missing, not a number, not hex.
    h.retain(|(n, _)| n != wire::H_SIGNATURE);
    let r = post(hub.addr, UPLOAD_PATH, &h, &body);
    assert_eq!((r.status, r.error().as_str()), (400, "malformed"));
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains(wire::H_SIGNATURE));
    let mut h = k.headers(UPLOAD_PATH, unix_now(), &nonce(), &body);
    h[1].1 = "soon".into();
    assert_eq!(post(hub.addr, UPLOAD_PATH, &h, &body).status, 400);
    let mut h = k.headers(UPLOAD_PATH, unix_now(), &nonce(), &body);
    h[3].1 = "zz".repeat(64);
    assert_eq!(post(hub.addr, UPLOAD_PATH, &h, &body).status, 400);

    assert_eq!(hub.footprint(), before, "no refusal stored anything");

    // Replayed: the same signed request twice; the second is refused and changes nothing.
    let h = k.headers(UPLOAD_PATH, unix_now(), &nonce(), &body);
    let r = post(hub.addr, UPLOAD_PATH, &h, &body);
    assert_eq!(r.status, 200, "{}", r.body);
    let after_first = hub.footprint();
    let r = post(hub.addr, UPLOAD_PATH, &h, &body);
    assert_eq!(
        (r.status, r.error().as_str()),
        (409, "replayed"),
        "{}",
        r.body
    );
    // The same nonce over a new body (re-signed): still a replay.
    let other = batch(&[(7, rating(1, &[]))]);
    let nonce = h[2].1.clone();
    let r = post(
        hub.addr,
        UPLOAD_PATH,
        &k.headers(UPLOAD_PATH, unix_now(), &nonce, &other),
        &other,
    );
    assert_eq!((r.status, r.error().as_str()), (409, "replayed"));
    assert_eq!(hub.footprint(), after_first);
    assert_eq!(hub.count("rating"), 1);

    // Wrong method and unknown paths.
    let r = raw(
        hub.addr,
        &format!("GET {UPLOAD_PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        b"",
    );
    assert_eq!(r.status, 405);
    let r = raw(
        hub.addr,
        "GET /metadata/timestamp.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"",
    );
    assert_eq!(r.status, 404);
}

fn a_flood_from_one_kiosk_gets_429_and_stores_only_what_was_accepted(backend: Backend) {
    let hub = Hub::start_on(backend, &["--kiosk-rate", "0.2", "--kiosk-burst", "5"]);
    let k = enrolled(&hub, "flooder");
    let calm = enrolled(&hub, "calm");
    let (mut ok, mut refused) = (0, 0);
    for seq in 1..=20 {
        let r = k.upload(&hub, &[(seq, rating(1, &[]))]);
        match r.status {
            200 => ok += 1,
            429 => {
                refused += 1;
                assert_eq!(r.error(), "too_many");
                let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
                assert!((1..=10).contains(&wait), "{wait}");
            }
            s => panic!("{s}: {}", r.body),
        }
    }
    // The burst (less the enrolment's token) and little more.
    assert!((4..=6).contains(&ok), "{ok}");
    assert_eq!(ok + refused, 20);
    assert_eq!(hub.count("rating"), ok, "refused requests stored nothing");
    // Another kiosk is not held back by the flood.
    assert_eq!(calm.upload(&hub, &[(1, rating(1, &[]))]).status, 200);
}

fn a_batch_sent_twice_is_stored_once_and_bad_records_are_kept_aside(backend: Backend) {
    let hub = Hub::start_on(backend, &[]);
    let k = enrolled(&hub, "resender");
    let records = vec![
        (10, rating(1, &[])),
        (11, rating(5, &[])), // a 差评 without a reason: rejected
        (
            12,
            json!({"kind": "suggestion", "topic": "大厅服务", "about": null, "phone": "13800138000"}),
        ),
        (
            13,
            json!({"kind": "miss", "query": "养老", "step": null, "found": false}),
        ),
        (14, json!({"kind": "teleport", "to": "mars"})), // an unknown kind: rejected
        (
            15,
            json!({"kind": "usage", "day": "2026-12-03", "guide": "439021-001", "opened": 4}),
        ),
    ];
    let first = k.upload(&hub, &records);
    assert_eq!(first.status, 200, "{}", first.body);
    let second = k.upload(&hub, &records);
    assert_eq!(second.status, 200, "{}", second.body);
    for r in [&first, &second] {
        let j = r.json();
        assert_eq!(j["ack"], json!([10, 12, 13, 15]));
        let rejected: Vec<i64> = j["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(rejected, vec![11, 14]);
    }
    assert_eq!(hub.count("inbox"), 4);
    assert_eq!(hub.count("rating"), 1);
    assert_eq!(hub.count("suggestion"), 1);
    assert_eq!(hub.count("miss"), 1);
    assert_eq!(hub.count("usage_count"), 1);
    assert_eq!(hub.count("rejected"), 2);
    assert!(hub.scalar("SELECT COUNT(*) FROM rejected WHERE seq = 11 AND why LIKE '%原因%'") == 1);
    // Part of it again, with new records: only the new ones are added.
    let r = k.upload(&hub, &[(12, records[2].1.clone()), (16, rating(2, &[]))]);
    assert_eq!(r.json()["ack"], json!([12, 16]));
    assert_eq!(hub.count("inbox"), 5);
}

fn reports_show_what_was_stored(backend: Backend) {
    let hub = Hub::start_on(backend, &[]);
    let a = enrolled(&hub, "hall-a");
    let b = enrolled(&hub, "village-b");
    let r = a.upload(
        &hub,
        &[
            (1, rating(1, &[])),
            (
                2,
                json!({"kind": "rating", "subject": {"of": "hall"}, "level": 4,
                       "reasons": ["等太久", "找不到窗口"], "indicator_set": "2019-v1",
                       "case_no": "BJ-2026-0001", "phone": "13800138000"}),
            ),
            (3, heartbeat("0.1.0")),
            (4, heartbeat("0.2.0")),
            (5, json!({"kind": "miss", "query": "养老金", "step": null, "found": false})),
            (6, json!({"kind": "suggestion", "topic": "办事指南", "about": "439021-001", "phone": null})),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = b.upload(
        &hub,
        &[
            (
                1,
                json!({"kind": "miss", "query": "养老金", "step": "forgiving", "found": true}),
            ),
            (
                2,
                json!({"kind": "miss", "query": "户口", "step": null, "found": false}),
            ),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);

    // The ratings as CSV, in the documented columns.
    let csv_out = hub.cli(&["report", "ratings", "--csv"]);
    let text = stdout(&csv_out);
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for Excel/WPS");
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, banshi::hub::report::RATING_CSV_COLUMNS);
    assert_eq!(header[0], "评价编号");
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let bad = rows.iter().find(|r| &r[0] == "hall-a-2").unwrap();
    assert_eq!(&bad[2], "自助终端");
    assert_eq!(&bad[3], "hall-a");
    assert_eq!(&bad[5], VILLAGE);
    assert_eq!(&bad[6], "大厅");
    assert_eq!(&bad[8], "BJ-2026-0001");
    assert_eq!(&bad[9], "4");
    assert_eq!(&bad[10], "不满意");
    assert_eq!(&bad[11], "是");
    assert_eq!(&bad[12], "等太久；找不到窗口");
    assert_eq!(&bad[14], "13800138000");
    let good = rows.iter().find(|r| &r[0] == "hall-a-1").unwrap();
    assert_eq!(
        (&good[6], &good[7], &good[10], &good[11]),
        ("办事指南", "439021-001", "非常满意", "否")
    );

    let ratings: Value =
        serde_json::from_str(&stdout(&hub.cli(&["report", "ratings", "--json"]))).unwrap();
    assert_eq!(ratings.as_array().unwrap().len(), 2);

    let fleet: Value =
        serde_json::from_str(&stdout(&hub.cli(&["report", "fleet", "--json"]))).unwrap();
    let hall = fleet
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == "hall-a")
        .unwrap();
    assert_eq!(hall["state"], "approved");
    assert_eq!(
        hall["heartbeat"]["app_version"], "0.2.0",
        "the newest heartbeat"
    );
    assert_eq!(hall["received"]["rating"], 2);
    assert_eq!(hall["received"]["heartbeat"], 2);
    assert!(hall["last_seen"].as_i64().is_some());

    let s: Value =
        serde_json::from_str(&stdout(&hub.cli(&["report", "suggestions", "--json"]))).unwrap();
    assert_eq!(s[0]["topic"], "办事指南");
    assert_eq!(s[0]["about"], "439021-001");

    let q: Value =
        serde_json::from_str(&stdout(&hub.cli(&["report", "searches", "--json"]))).unwrap();
    assert_eq!(q[0]["query"], "养老金");
    assert_eq!(q[0]["times"], 2);
    assert_eq!(q[0]["found_nothing"], 1);
    assert_eq!(q[0]["kiosks"], 2);
    assert_eq!(q[1]["query"], "户口");

    // Plain-text reports for people, and --csv only for ratings.
    assert!(stdout(&hub.cli(&["report", "fleet"])).contains("hall-a"));
    assert!(!hub.cli(&["report", "fleet", "--csv"]).status.success());
}

fn the_hub_also_serves_a_published_repository(backend: Backend) {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join("metadata")).unwrap();
    std::fs::write(
        repo.path().join("metadata/timestamp.json"),
        "{\"signed\":1}",
    )
    .unwrap();
    let hub = Hub::start_on(backend, &["--repo", repo.path().to_str().unwrap()]);
    let r = raw(
        hub.addr,
        "GET /metadata/timestamp.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "{\"signed\":1}");
    // And still takes uploads.
    let k = enrolled(&hub, "both");
    assert_eq!(k.upload(&hub, &[(1, rating(1, &[]))]).status, 200);
}

/// `banshi hub user …` with the password on stdin, as a script gives it: the account works for
/// a login, its password is stored only as a hash, bad input changes nothing.
fn staff_accounts_are_made_on_the_hub_host(backend: Backend) {
    use banshi::hub::console::accounts::{self, Login};
    let hub = Hub::start_on(backend, &[]);
    let user = |args: &[&str], stdin: &str| hub.user(args, stdin);
    let out = user(
        &["add", "王芳", "--role", "staff", "--department", "minzheng"],
        "绿水青山就是金山银山\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = user(&["add", "li", "--role", "admin"], "short\n");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("至少"),
        "{out:?}"
    );
    let out = user(
        &["add", "王芳", "--role", "viewer"],
        "another-long-password\n",
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("已经有了"),
        "{out:?}"
    );
    let out = user(&["list", "--json"], "");
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["name"], "王芳");
    assert_eq!(list[0]["role"], "staff");
    assert_eq!(list[0]["department"], "minzheng");
    assert!(
        !list.to_string().contains("pbkdf2"),
        "no hash in the listing"
    );
    assert_eq!(
        hub.scalar("SELECT COUNT(*) FROM console_user WHERE password LIKE 'pbkdf2-sha256$%'"),
        1
    );
    let mut db = hub.db();
    let now = unix_now();
    assert!(matches!(
        accounts::login(db.as_mut(), "王芳", "绿水青山就是金山银山", now).unwrap(),
        Login::Ok(_)
    ));
    assert!(matches!(
        accounts::login(db.as_mut(), "王芳", "wrong", now).unwrap(),
        Login::Wrong { left: Some(4) }
    ));
    let out = user(&["passwd", "王芳"], "一个新的长密码abc\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(matches!(
        accounts::login(db.as_mut(), "王芳", "一个新的长密码abc", now).unwrap(),
        Login::Ok(_)
    ));
    assert!(user(&["remove", "王芳"], "").status.success());
    assert_eq!(hub.count("console_user"), 0);
}

/// PostgreSQL restarted under a running hub: the hub connects again by itself; an upload that
/// met the cut is answered 503 and stores nothing, and sent again it is stored once.
#[test]
fn the_hub_reconnects_after_postgresql_restarts() {
    let mut hub = Hub::start_on(Backend::Postgres, &[]);
    let k = enrolled(&hub, "village-01");
    let r = k.upload(&hub, &[(1, rating(1, &[]))]);
    assert_eq!(r.status, 200, "{}", r.body);
    hub.restart_postgres();
    let mut statuses = Vec::new();
    for seq in [2, 3] {
        // Each record is sent until it is acknowledged (as the kiosk's uploader does).
        for _ in 0..20 {
            let r = k.upload(&hub, &[(seq, rating(2, &[]))]);
            statuses.push(r.status);
            if r.status == 200 {
                break;
            }
            assert_eq!((r.status, r.error().as_str()), (503, "busy"), "{}", r.body);
            assert!(r.header("retry-after").is_some());
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
    }
    assert_eq!(statuses.last(), Some(&200), "{statuses:?}");
    assert_eq!(hub.count("rating"), 3, "{statuses:?}");
    assert_eq!(hub.count("inbox"), 3);
}

/// The PostgreSQL backend converts the hub's three kinds of values to and from the column
/// and placeholder types the server names, keeps a transaction whole, and says how to fix a
/// column it cannot read.
#[test]
fn postgresql_values_and_transactions() {
    use banshi::hub::sql::{Db, Value};
    let pg = common::pg::PgServer::start();
    let url = pg.database("values_test");
    let mut db = banshi::hub::pg::PgDb::open(&url).unwrap();
    let db: &mut dyn Db = &mut db;
    db.batch("CREATE TABLE t (small INTEGER, big BIGINT NOT NULL, txt TEXT, flag BOOLEAN)")
        .unwrap();
    let n = db
        .exec(
            "INSERT INTO t (small, big, txt, flag) VALUES ($1, $2, $3, $4), ($5, $2, NULL, $6)",
            &[
                Value::Int(5),
                Value::Int(1 << 40),
                "评价".into(),
                Value::Int(1),
                Value::Null,
                Value::Null,
            ],
        )
        .unwrap();
    assert_eq!(n, 2);
    let rows = db
        .query(
            "SELECT small, big, txt, flag FROM t ORDER BY small NULLS LAST",
            &[],
        )
        .unwrap();
    assert_eq!(
        rows[0].0,
        vec![
            Value::Int(5),
            Value::Int(1 << 40),
            "评价".into(),
            Value::Int(1)
        ]
    );
    assert_eq!(
        rows[1].0,
        vec![Value::Null, Value::Int(1 << 40), Value::Null, Value::Null]
    );
    // Placeholders by number; text into an integer placeholder when it is a number.
    let row = db
        .row("SELECT CAST($2 AS TEXT), $1 + 1", &["7".into(), "b".into()])
        .unwrap()
        .unwrap();
    assert_eq!(row.0, vec!["b".into(), Value::Int(8)]);
    assert!(db.row("SELECT $1 + 1", &["x".into()]).is_err());
    // A value too large for INTEGER is refused, not cut short.
    assert!(db
        .exec(
            "INSERT INTO t (small, big) VALUES ($1, 0)",
            &[Value::Int(1 << 40)]
        )
        .is_err());
    // A rolled-back transaction leaves nothing; a committed one everything.
    let failed: Result<(), banshi::hub::sql::DbError> = db.transaction(|db| {
        db.exec("INSERT INTO t (small, big) VALUES (1, 1)", &[])?;
        db.exec("INSERT INTO t (small, big) VALUES (2, NULL)", &[])?;
        Ok(())
    });
    assert!(failed.is_err());
    db.transaction(|db| db.exec("INSERT INTO t (small, big) VALUES (3, 3)", &[]))
        .unwrap();
    let count = db.row("SELECT COUNT(*) FROM t", &[]).unwrap().unwrap();
    assert_eq!(count.int(0), 3);
    // A SUM of BIGINT is NUMERIC in PostgreSQL: the message says to cast it.
    let e = db.row("SELECT SUM(big) FROM t", &[]).unwrap_err();
    assert!(e.to_string().contains("BIGINT"), "{e}");
    let sum = db
        .row("SELECT CAST(SUM(big) AS BIGINT) FROM t", &[])
        .unwrap()
        .unwrap();
    assert_eq!(sum.int(0), 2 * (1 << 40) + 3);
    // A wrong password or database is named, the password is not.
    let e = match banshi::hub::pg::PgDb::open(&format!("{url}_missing")) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a missing database opened"),
    };
    assert!(e.contains("values_test_missing"), "{e}");
    drop(pg);
}

const DAY: i64 = 86_400;

fn pruning_drops_old_heartbeats_and_inbox_rows_and_a_resend_is_still_stored_once(backend: Backend) {
    let hub = Hub::start_on(backend, &[]);
    let k = enrolled(&hub, "prune-01");
    let records = [
        (1, rating(1, &[])),
        (2, rating(2, &[])),
        (3, rating(3, &[])),
        (4, heartbeat("0.1.0")),
        (5, heartbeat("0.1.1")),
    ];
    let r = k.upload(&hub, &records);
    assert_eq!(r.json()["ack"], json!([1, 2, 3, 4, 5]), "{}", r.body);
    // Seqs 1–4 arrived 40 days ago, heartbeat 4 500 days ago; a kiosk pending for 31 days
    // without contact, and one pending as long but still asking.
    hub.exec(&format!(
        "UPDATE inbox SET received_at = received_at - {} WHERE seq <= 4;
         UPDATE heartbeat SET received_at = received_at - {} WHERE seq = 4",
        40 * DAY,
        500 * DAY
    ));
    for id in ["pending-old", "pending-asking"] {
        let r = Kiosk::new(id).enrol(&hub, None, Some(VILLAGE));
        assert_eq!(r.json()["state"], "pending", "{}", r.body);
    }
    hub.exec(&format!(
        "UPDATE kiosk SET enrolled_at = enrolled_at - {0}, last_seen = last_seen - {0}
         WHERE id = 'pending-old';
         UPDATE kiosk SET enrolled_at = enrolled_at - {0} WHERE id = 'pending-asking'",
        31 * DAY
    ));

    let out = stdout(&hub.cli(&["prune"]));
    assert!(
        out.contains("心跳 1 条") && out.contains("原始记录 4 条"),
        "{out}"
    );
    assert!(out.contains("待批准终端 1 台"), "{out}");
    assert_eq!(hub.scalar("SELECT MIN(seq) FROM inbox"), 5);
    assert_eq!(hub.scalar("SELECT MIN(seq) FROM heartbeat"), 5);
    assert_eq!(hub.count("rating"), 3, "ratings are kept");
    assert_eq!(
        hub.scalar("SELECT inbox_floor FROM kiosk WHERE id = 'prune-01'"),
        4
    );
    assert_eq!(
        hub.scalar("SELECT COUNT(*) FROM kiosk WHERE id LIKE 'pending-%'"),
        1
    );
    assert_eq!(
        hub.scalar("SELECT COUNT(*) FROM kiosk WHERE id = 'pending-asking'"),
        1
    );

    // The whole batch again (a lost reply): everything acknowledged, nothing stored twice.
    let before = (
        hub.count("rating"),
        hub.count("heartbeat"),
        hub.count("inbox"),
    );
    let r = k.upload(&hub, &records);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["ack"], json!([1, 2, 3, 4, 5]));
    assert_eq!(
        (
            hub.count("rating"),
            hub.count("heartbeat"),
            hub.count("inbox")
        ),
        before
    );
    // The next record is stored as ever; the fleet report counts what is held.
    let r = k.upload(&hub, &[(6, rating(1, &[]))]);
    assert_eq!(r.json()["ack"], json!([6]));
    assert_eq!(hub.count("rating"), 4);
    let fleet: Value =
        serde_json::from_str(&stdout(&hub.cli(&["report", "fleet", "--json"]))).unwrap();
    let row = fleet
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "prune-01")
        .unwrap();
    assert_eq!(row["received"]["rating"], 4);
    assert_eq!(row["received"]["heartbeat"], 1);
    // Nothing left to prune.
    assert!(stdout(&hub.cli(&["prune"])).contains("心跳 0 条"));
}

fn pending_kiosks_are_capped_and_a_waiting_one_enrolling_again_is_no_new_row(backend: Backend) {
    let hub = Hub::start_on(backend, &["--max-pending", "3"]);
    let waiting: Vec<Kiosk> = (1..=3)
        .map(|i| {
            let k = Kiosk::new(&format!("waiting-{i}"));
            let r = k.enrol(&hub, None, Some(VILLAGE));
            assert_eq!(r.json()["state"], "pending", "{}", r.body);
            k
        })
        .collect();

    // The fourth without a code: 503 busy with Retry-After, nothing stored.
    let before = hub.footprint();
    let late = Kiosk::new("waiting-4");
    let r = late.enrol(&hub, None, Some(VILLAGE));
    assert_eq!((r.status, r.error().as_str()), (503, "busy"), "{}", r.body);
    assert_eq!(r.header("retry-after"), Some("3600"));
    let message = r.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("3 台终端在等县里批准") && message.contains("enrol_code"),
        "{message}"
    );
    assert_eq!(hub.footprint(), before);

    // A waiting kiosk asking again is answered as before and is no new row.
    let r = waiting[0].enrol(&hub, None, Some(VILLAGE));
    assert_eq!(
        (r.status, r.json()["state"].as_str()),
        (200, Some("pending"))
    );
    assert_eq!(hub.count("kiosk"), 3);

    // A kiosk with a code is not held back by the cap.
    enrolled(&hub, "with-code-1");
    // Once the county approved one, there is room again.
    stdout(&hub.cli(&["kiosks", "approve", "waiting-2"]));
    let r = late.enrol(&hub, None, Some(VILLAGE));
    assert_eq!(
        (r.status, r.json()["state"].as_str()),
        (200, Some("pending")),
        "{}",
        r.body
    );
    assert_eq!(
        hub.scalar("SELECT COUNT(*) FROM kiosk WHERE state = 'pending'"),
        3
    );
}

/// HTTPS inside the hub (`--tls-cert`/`--tls-key`), with a county CA and a hub certificate made
/// by `openssl` for the test, and the real kiosk uploader (`banshi outbox flush`) trusting that
/// CA through `hub_ca`. On SQLite only: TLS does not depend on the database.
mod tls {
    use super::*;
    use std::io::{Read, Write};
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::time::Duration;

    const OPENSSL_CNF: &str = "[req]
distinguished_name = dn
prompt = no
[dn]
CN = Banshi test county CA
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

    /// A county CA and a hub certificate for 127.0.0.1 it signed (Ed25519 keys).
    pub struct Certs {
        pub dir: tempfile::TempDir,
    }

    impl Certs {
        pub fn ca(&self) -> PathBuf {
            self.dir.path().join("ca.pem")
        }
        pub fn ca_key(&self) -> PathBuf {
            self.dir.path().join("ca.key")
        }
        pub fn cert(&self) -> PathBuf {
            self.dir.path().join("hub.pem")
        }
        pub fn key(&self) -> PathBuf {
            self.dir.path().join("hub.key")
        }
    }

    fn openssl(dir: &Path, args: &[&str]) {
        let out = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .output()
            .expect("openssl runs (Debian package openssl)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn certs() -> Certs {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("openssl.cnf"), OPENSSL_CNF).unwrap();
        openssl(d, &["genpkey", "-algorithm", "ed25519", "-out", "ca.key"]);
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-new",
                "-config",
                "openssl.cnf",
                "-extensions",
                "ca",
                "-key",
                "ca.key",
                "-days",
                "30",
                "-out",
                "ca.pem",
            ],
        );
        openssl(d, &["genpkey", "-algorithm", "ed25519", "-out", "hub.key"]);
        openssl(
            d,
            &[
                "req",
                "-new",
                "-config",
                "openssl.cnf",
                "-key",
                "hub.key",
                "-subj",
                "/CN=127.0.0.1",
                "-out",
                "hub.csr",
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "hub.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                "2",
                "-days",
                "30",
                "-extfile",
                "openssl.cnf",
                "-extensions",
                "leaf",
                "-out",
                "hub.pem",
            ],
        );
        Certs { dir }
    }

    fn tls_hub(c: &Certs) -> Hub {
        Hub::start(&[
            "--tls-cert",
            c.cert().to_str().unwrap(),
            "--tls-key",
            c.key().to_str().unwrap(),
        ])
    }

    /// A kiosk data folder whose config points at `hub` (with `extra` config lines).
    fn kiosk_config(id: &str, hub: &str, extra: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("kiosk.toml");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(
            &config,
            format!(
                "kiosk_id = \"{id}\"\nregion = \"{VILLAGE}\"\ndata_dir = \"{}\"\nhub = \"{hub}\"\n{extra}",
                data.display()
            ),
        )
        .unwrap();
        (dir, config)
    }

    fn put_ratings(config: &Path, id: &str, n: usize) {
        let data = config.parent().unwrap().join("data");
        let mut o = banshi::outbox::Outbox::open(&data, id).unwrap();
        for i in 0..n {
            o.put(&banshi::outbox::Record::Rating(banshi::outbox::Rating {
                subject: banshi::outbox::Subject::Hall,
                level: banshi::outbox::Level::new(1).unwrap(),
                reasons: vec![],
                indicator_set: "test-1".into(),
                case_no: Some(format!("TLS-{i}")),
                phone: None,
            }))
            .unwrap();
        }
    }

    use common::hub::outbox_flush as flush;

    #[test]
    fn the_kiosk_uploads_over_https_trusting_the_countys_ca_only_through_hub_ca() {
        let c = certs();
        let hub = tls_hub(&c);
        let url = format!("https://127.0.0.1:{}/", hub.addr.port());

        // Without hub_ca the kiosk does not trust the county's own CA: told so, nothing sent.
        let (_d1, plain) = kiosk_config("tls-village-01", &url, "");
        put_ratings(&plain, "tls-village-01", 3);
        let (rc, out) = flush(&plain);
        assert_eq!(rc, 3, "untrusted → unreachable: {out}");
        assert!(out.contains("证书") && out.contains("hub_ca"), "{out}");
        assert_eq!(hub.count("kiosk"), 0);

        // With hub_ca (and a code): enrolled and everything stored once.
        let ca = format!(
            "hub_ca = \"{}\"\nenrol_code = \"{}\"\n",
            c.ca().display(),
            code(&hub, COUNTY)
        );
        let (_d2, config) = kiosk_config("tls-village-02", &url, &ca);
        put_ratings(&config, "tls-village-02", 20);
        let (rc, out) = flush(&config);
        assert_eq!(rc, 0, "{out}");
        assert_eq!(hub.count("rating"), 20);
        let (rc, out) = flush(&config);
        assert_eq!(rc, 0, "{out}");
        assert_eq!(hub.count("rating"), 20, "sent again, stored once");

        // A hub_ca that is not a certificate: named in the message.
        let (_d3, broken) = kiosk_config(
            "tls-village-03",
            &url,
            &format!("hub_ca = \"{}\"\n", c.key().display()),
        );
        let (rc, out) = flush(&broken);
        assert_ne!(rc, 0);
        assert!(out.contains("hub.key") && out.contains("没有证书"), "{out}");
    }

    #[test]
    fn plain_http_and_broken_handshakes_are_closed_and_the_hub_keeps_serving() {
        let c = certs();
        let hub = tls_hub(&c);

        // Plain HTTP on the HTTPS port: a 400 in the hub's refusal shape, saying to use https.
        let k = Kiosk::new("tls-plain-01");
        let r = k.enrol(&hub, None, Some(VILLAGE));
        assert_eq!(
            (r.status, r.error().as_str()),
            (400, "malformed"),
            "{}",
            r.body
        );
        assert!(r.body.contains("HTTPS"), "{}", r.body);
        assert_eq!(hub.count("kiosk"), 0);

        // The real uploader configured with http:// to this machine: refused with that message.
        let (_d, config) = kiosk_config(
            "tls-plain-02",
            &format!("http://127.0.0.1:{}/", hub.addr.port()),
            "",
        );
        put_ratings(&config, "tls-plain-02", 1);
        let (rc, out) = flush(&config);
        assert_ne!(rc, 0, "{out}");
        assert!(out.contains("HTTPS"), "{out}");

        // A handshake record with garbage in it, and a connection that never says anything.
        let mut junk = std::net::TcpStream::connect(hub.addr).unwrap();
        junk.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        junk.write_all(&[0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])
            .unwrap();
        let mut rest = Vec::new();
        let _ = junk.read_to_end(&mut rest);
        assert!(!rest.starts_with(b"HTTP/"), "{rest:?}");
        let _silent = std::net::TcpStream::connect(hub.addr).unwrap();

        // The hub still serves HTTPS.
        let ca = format!(
            "hub_ca = \"{}\"\nenrol_code = \"{}\"\n",
            c.ca().display(),
            code(&hub, COUNTY)
        );
        let (_d2, config) = kiosk_config(
            "tls-village-04",
            &format!("https://localhost:{}/", hub.addr.port()),
            &ca,
        );
        put_ratings(&config, "tls-village-04", 2);
        let (rc, out) = flush(&config);
        assert_eq!(rc, 0, "{out}");
        assert_eq!(hub.count("rating"), 2);
    }

    /// `banshi hub` with these arguments: it must refuse to start; its stderr.
    fn refused(args: &[&str]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite:{}", dir.path().join("hub.db").display());
        let out = Command::new(env!("CARGO_BIN_EXE_banshi"))
            .args(["hub", "--listen", "127.0.0.1:0", "--db", &db])
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "started with {args:?}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    #[test]
    fn wrong_tls_files_are_named_with_what_is_wrong_before_the_hub_listens() {
        let c = certs();
        let (cert, key) = (c.cert(), c.key());
        let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
        let e = refused(&["--tls-cert", cert]);
        assert!(e.contains("--tls-key"), "{e}");
        let e = refused(&["--tls-key", key]);
        assert!(e.contains("--tls-cert"), "{e}");
        let missing = c.dir.path().join("missing.pem");
        let e = refused(&["--tls-cert", missing.to_str().unwrap(), "--tls-key", key]);
        assert!(e.contains("missing.pem") && e.contains("不存在"), "{e}");
        let e = refused(&["--tls-cert", key, "--tls-key", cert]);
        assert!(e.contains("写反"), "{e}");
        let other = c.ca_key();
        let e = refused(&["--tls-cert", cert, "--tls-key", other.to_str().unwrap()]);
        assert!(e.contains("ca.key") && e.contains("不配对"), "{e}");
        let garbage = c.dir.path().join("garbage.pem");
        std::fs::write(&garbage, "not a certificate\n").unwrap();
        let e = refused(&["--tls-cert", garbage.to_str().unwrap(), "--tls-key", key]);
        assert!(
            e.contains("garbage.pem") && e.contains("BEGIN CERTIFICATE"),
            "{e}"
        );
    }

    #[test]
    fn plain_http_on_a_public_address_is_warned_about() {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite:{}", dir.path().join("hub.db").display());
        // What the hub on `listen` printed on stderr before it was stopped.
        let stderr_on = |listen: &str| {
            let (mut child, line) =
                common::hub::spawn(&["--listen", listen, "--db", &db], Stdio::piped());
            assert!(line.starts_with("listening on"), "{line}");
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            String::from_utf8_lossy(&out.stderr).into_owned()
        };
        let err = stderr_on("0.0.0.0:0");
        assert!(err.contains("明文") && err.contains("--tls-cert"), "{err}");
        // On loopback, no warning.
        let err = stderr_on("127.0.0.1:0");
        assert!(!err.contains("明文"), "{err}");
    }
}

on_both_backends!(
    a_one_time_code_enrols_one_kiosk_in_its_region_before_it_expires,
    without_a_code_a_kiosk_waits_for_approval_and_a_revoked_one_is_refused,
    every_refusal_has_its_status_and_stores_nothing,
    a_flood_from_one_kiosk_gets_429_and_stores_only_what_was_accepted,
    a_batch_sent_twice_is_stored_once_and_bad_records_are_kept_aside,
    reports_show_what_was_stored,
    the_hub_also_serves_a_published_repository,
    staff_accounts_are_made_on_the_hub_host,
    pruning_drops_old_heartbeats_and_inbox_rows_and_a_resend_is_still_stored_once,
    pending_kiosks_are_capped_and_a_waiting_one_enrolling_again_is_no_new_row,
);
