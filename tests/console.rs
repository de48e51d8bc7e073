//! The county console in a real browser: Debian's chromium driven over WebDriver
//! (`common::browser`) against a real `banshi hub --repo` on 127.0.0.1, with real kiosks that
//! sync the published sample county and send their heartbeats with `banshi outbox flush`.
//!
//! Screenshots of every page go to `$BANSHI_CONSOLE_SHOTS` when set (the README's images:
//! `BANSHI_CONSOLE_SHOTS=docs/screenshots cargo test --test console`), else to a temporary
//! folder.

#[macro_use]
mod common;

use std::path::{Path, PathBuf};

use banshi::outbox::{Level, Miss, Outbox, Rating, Record, Subject, Suggestion};
use common::browser::{self, Browser};
use common::hub::{outbox_flush, Hub};
use common::{banshi, text};

const PASSWORD: &str = "县中心-值班-2026";
const CODE_REGION: &str = "439021000000";

/// The sample county published with fresh keys.
struct County {
    dir: tempfile::TempDir,
}

impl County {
    fn publish() -> County {
        let dir = tempfile::tempdir().unwrap();
        let c = County { dir };
        let o = banshi(&["keygen", "--out", &c.path("keys")]);
        assert!(o.status.success(), "{}", text(&o));
        let o = banshi(&[
            "publish",
            "--source",
            &common::sample_dir().display().to_string(),
            "--keys",
            &c.path("keys"),
            "--out",
            &c.path("repo"),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        c
    }

    /// Publishes the sample again with one guide renamed and county version 2.
    fn publish_changed(&self) {
        let src = self.dir.path().join("v2");
        common::copy_dir(&common::sample_dir(), &src);
        let guide = src.join("items/gongan/gongan-chusheng-dengji.toml");
        let t = std::fs::read_to_string(&guide).unwrap().replacen(
            "name = \"出生登记（新生儿落户）\"",
            "name = \"新生儿出生登记（落户）\"",
            1,
        );
        std::fs::write(&guide, t).unwrap();
        let county = src.join("county.toml");
        let t = std::fs::read_to_string(&county).unwrap().replacen(
            "content_version = 1",
            "content_version = 2",
            1,
        );
        std::fs::write(&county, t).unwrap();
        let o = banshi(&[
            "publish",
            "--source",
            &src.display().to_string(),
            "--keys",
            &self.path("keys"),
            "--out",
            &self.path("repo"),
        ]);
        assert!(o.status.success(), "{}", text(&o));
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// A kiosk folder that has synced the county and points at the hub; `code` to enrol with.
    fn kiosk(&self, id: &str, region: &str, hub: &Hub, code: Option<&str>) -> PathBuf {
        let dir = self.dir.path().join(id);
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let mut conf = format!(
            "kiosk_id = \"{id}\"\nhall_name = \"{id} 便民服务室\"\nregion = \"{region}\"\ndata_dir = \"{}\"\nserver = \"{}\"\ntrust_root = \"{}/root.json\"\nhub = \"http://{}/\"\n",
            dir.join("data").display(),
            self.path("repo"),
            self.path("keys"),
            hub.addr
        );
        if let Some(c) = code {
            conf.push_str(&format!("enrol_code = \"{c}\"\n"));
        }
        let config = dir.join("kiosk.toml");
        std::fs::write(&config, conf).unwrap();
        let o = banshi(&["sync", "--config", &config.display().to_string(), "--json"]);
        assert!(o.status.success(), "{}", text(&o));
        config
    }
}

fn shots_dir(tmp: &Path) -> PathBuf {
    match std::env::var_os("BANSHI_CONSOLE_SHOTS") {
        Some(d) => {
            let d = PathBuf::from(d);
            std::fs::create_dir_all(&d).unwrap();
            d
        }
        None => tmp.to_path_buf(),
    }
}

fn need_browser() -> bool {
    if browser::available() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "chromium and chromium-driver are missing: packaging/dev/setup.sh installs them"
    );
    eprintln!(
        "skipped: no /usr/bin/chromium or /usr/bin/chromedriver (run packaging/dev/setup.sh)"
    );
    false
}

fn log_in(b: &Browser, hub: &Hub, name: &str) {
    b.goto(&format!("http://{}/console/", hub.addr));
    assert!(b.url().ends_with("/console/login"), "{}", b.url());
    b.type_into("input[name=name]", name);
    b.type_into("input[name=password]", PASSWORD);
    b.click("form.login button");
    b.wait_url("/console/fleet");
}

fn log_out(b: &Browser) {
    b.click("form.who button");
    b.wait_url("/console/login");
}

/// What residents left at kiosk `id` (its data folder beside its config): a 差评 of a guide
/// with a phone number, a suggestion and an unanswered search.
fn residents_write(config: &Path, id: &str) {
    let mut o = Outbox::open(&config.parent().unwrap().join("data"), id).unwrap();
    o.put(&Record::Rating(Rating {
        subject: Subject::Guide {
            id: "gongan-chusheng-dengji".into(),
        },
        level: Level::new(5).unwrap(),
        reasons: vec!["等待时间长".into()],
        indicator_set: "builtin-1".into(),
        case_no: None,
        phone: Some("13800138000".into()),
    }))
    .unwrap();
    o.put(&Record::Suggestion(Suggestion {
        topic: "大厅服务".into(),
        about: Some("希望周六上午也能办理户口业务".into()),
        phone: None,
    }))
    .unwrap();
    o.put(&Record::Miss(Miss {
        query: "狗证".into(),
        step: None,
        found: false,
    }))
    .unwrap();
}

fn case_state(hub: &Hub) -> String {
    let mut db = hub.db();
    db.row(
        "SELECT state FROM feedback_case WHERE kind = 'rating' AND kiosk_id = 'village-07'",
        &[],
    )
    .unwrap()
    .expect("the case")
    .text(0)
}

fn kiosk_state(hub: &Hub, id: &str) -> String {
    let mut db = hub.db();
    db.row("SELECT state FROM kiosk WHERE id = $1", &[id.into()])
        .unwrap()
        .expect("the kiosk")
        .text(0)
}

#[test]
fn staff_follow_the_fleet_in_a_real_browser() {
    if !need_browser() {
        return;
    }
    let county = County::publish();
    let hub = Hub::start(&["--repo", &county.path("repo")]);
    for (name, role) in [("管理员", "admin"), ("查看员", "viewer")] {
        let o = hub.user(&["add", name, "--role", role], &format!("{PASSWORD}\n"));
        assert!(o.status.success(), "{}", text(&o));
    }
    let code = hub.cli(&["code", "--region", CODE_REGION, "--expires", "2099-01-01"]);
    assert!(code.status.success(), "{}", text(&code));
    let code = String::from_utf8(code.stdout).unwrap().trim().to_string();

    // A hall kiosk enrolled with a code sends its first heartbeat; a village kiosk without a
    // code waits for approval.
    let hall = county.kiosk("hall-01", "439021000000", &hub, Some(&code));
    let (rc, out) = outbox_flush(&hall);
    assert_eq!(rc, 0, "{out}");
    let village = county.kiosk("village-07", "439021101201", &hub, None);
    let (rc, out) = outbox_flush(&village);
    assert_eq!(rc, 4, "pending: {out}");

    let tmp = tempfile::tempdir().unwrap();
    let shots = shots_dir(tmp.path());
    let b = Browser::start(1366, 768);
    let base = format!("http://{}/console", hub.addr);
    b.goto(&format!("{base}/login"));
    b.screenshot(&shots.join("console-login.png"), 1366);

    // The admin logs in and sees the kiosk that just sent its heartbeat, green.
    log_in(&b, &hub, "管理员");
    let page = b.text();
    assert!(page.contains("hall-01"), "{page}");
    assert_eq!(
        b.count("tr.green a[href=\"/console/kiosk/hall-01\"]"),
        1,
        "{page}"
    );
    assert!(page.contains("第 1 版（最新 1）"), "{page}");
    assert!(page.contains("等待批准"), "the village kiosk: {page}");
    b.resize(1366, 768);
    b.screenshot(&shots.join("console-fleet.png"), 1366);
    b.select("select[name=state]", "amber");
    b.click("form.filters button");
    b.wait_url("state=amber&region=");
    let amber = b.text();
    assert!(
        amber.contains("village-07") && !amber.contains("hall-01"),
        "{amber}"
    );

    b.goto(&format!("{base}/kiosk/hall-01"));
    assert!(b.count("svg.chart rect.on") >= 1, "this hour is online");
    b.screenshot(&shots.join("console-kiosk.png"), 1366);

    // A form posted without its CSRF token is refused and changes nothing.
    b.goto(&format!("{base}/enrol"));
    b.screenshot(&shots.join("console-enrol.png"), 1366);
    b.script("document.querySelectorAll('table input[name=csrf]').forEach(e => e.remove())");
    b.click("table form button");
    b.wait_text("提交被拒绝");
    assert_eq!(kiosk_state(&hub, "village-07"), "pending");
    b.goto(&format!("{base}/fleet"));
    log_out(&b);

    // A viewer is not offered the approval, and a forged form with a valid token is refused.
    log_in(&b, &hub, "查看员");
    b.goto(&format!("{base}/enrol"));
    assert_eq!(b.count("table form button"), 0);
    assert!(b.text().contains("只有管理员能批准"));
    b.script(
        "const f = document.createElement('form'); f.method = 'post';
         f.action = '/console/kiosk/village-07/approve';
         const t = document.querySelector('form.who input[name=csrf]').cloneNode();
         f.appendChild(t); document.body.appendChild(f); f.submit();",
    );
    b.wait_text("没有权限");
    assert_eq!(kiosk_state(&hub, "village-07"), "pending");
    b.goto(&format!("{base}/fleet"));
    log_out(&b);

    // The admin approves it; the kiosk's next flush is accepted.
    log_in(&b, &hub, "管理员");
    b.goto(&format!("{base}/kiosk/village-07"));
    b.click(".actions form button");
    b.wait_text("已批准。");
    assert_eq!(kiosk_state(&hub, "village-07"), "approved");
    residents_write(&village, "village-07");
    let (rc, out) = outbox_flush(&village);
    assert_eq!(rc, 0, "{out}");

    // The 差评 is a case: 待回访 → 已回访 → 已整改, each with a note, in the browser.
    b.goto(&format!("{base}/ratings"));
    let ratings = b.wait_text("差评回访");
    assert!(
        ratings.contains("待回访") && ratings.contains("出生登记"),
        "{ratings}"
    );
    assert!(
        ratings.contains("*******8000") && !ratings.contains("13800138000"),
        "the phone is masked: {ratings}"
    );
    b.screenshot(&shots.join("console-ratings.png"), 1366);
    b.click("table.cases a");
    b.wait_text("办理经过");
    b.select("select[name=to]", "visited");
    b.type_into(
        "textarea[name=note]",
        "已电话回访，群众反映周一上午排队久。",
    );
    b.click("form.card button");
    b.wait_text("已保存。");
    assert_eq!(case_state(&hub), "visited");
    b.select("select[name=to]", "fixed");
    b.type_into("textarea[name=note]", "周一上午加开一个户籍窗口。");
    b.click("form.card button");
    let done = b.wait_text("已办结");
    assert!(
        done.contains("周一上午加开一个户籍窗口") && done.contains("管理员"),
        "{done}"
    );
    assert_eq!(case_state(&hub), "fixed");
    b.screenshot(&shots.join("console-case.png"), 1366);
    b.goto(&format!("{base}/suggestions"));
    b.wait_text("希望周六上午也能办理户口业务");
    b.screenshot(&shots.join("console-suggestions.png"), 1366);

    b.goto(&format!("{base}/searches"));
    b.screenshot(&shots.join("console-searches.png"), 1366);

    // The county publishes a new version: both kiosks are now one version behind (amber, in
    // words), and the content page says what changed, by title.
    county.publish_changed();
    b.goto(&format!("{base}/fleet"));
    let fleet = b.wait_text("内容落后 1 版");
    assert!(fleet.contains("最新发布内容：第 2 版"), "{fleet}");
    b.goto(&format!("{base}/content"));
    let content = b.wait_text("修改 1 项");
    assert!(content.contains("新生儿出生登记（落户）"), "{content}");
    assert!(
        content.contains("新增 0 项") && content.contains("删除 0 项"),
        "{content}"
    );
    assert!(content.contains("还有"), "the expiry countdown: {content}");
    b.screenshot(&shots.join("console-content.png"), 1366);

    // On a phone held by a village assistant.
    b.resize(390, 844);
    b.goto(&format!("{base}/fleet"));
    b.screenshot(&shots.join("console-fleet-phone.png"), 390);
    assert!(
        b.script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
            .as_bool()
            .unwrap(),
        "no sideways scrolling on a phone"
    );
}
