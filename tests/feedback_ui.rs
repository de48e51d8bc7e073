//! The residents' part of issue 11, headless (Slint's testing backend with mocked time), as
//! tests/ui_flow.rs drives the kiosk: 评价 and 意见建议 tapped through on the real screens, and
//! what the running kiosk feeds its outbox. Every assertion about records reads the real
//! `outbox.db` in the kiosk's data folder.

use std::time::Duration;

use i_slint_backend_testing::{mock_elapsed_time, ElementHandle};
use slint::platform::PointerEventButton;
use slint::{ComponentHandle, Model};

use banshi::config::Config;
use banshi::kiosk::nav::Route;
use banshi::outbox::{Outbox, Stored};
use banshi::store::Store;
use banshi::ui::{Feedback, FeedbackStep, GuidePage, KioskUi, Page, Shell};

thread_local! {
    static BACKEND: () = i_slint_backend_testing::init_no_event_loop();
}

/// The guide the tests rate (in the sample county).
const GUIDE: &str = "居民身份证换领";

struct TestKiosk {
    ui: KioskUi,
    data: tempfile::TempDir,
}

impl std::ops::Deref for TestKiosk {
    type Target = KioskUi;
    fn deref(&self) -> &KioskUi {
        &self.ui
    }
}

fn kiosk_in(data: tempfile::TempDir, mut config: Config) -> TestKiosk {
    BACKEND.with(|_| ());
    config.data_dir = Some(data.path().to_path_buf());
    let store = Store::in_memory(&banshi::sample::sample()).unwrap();
    let ui = KioskUi::new(store, config).unwrap();
    ui.window
        .window()
        .set_size(slint::LogicalSize::new(1920.0, 1080.0));
    ui.window.show().unwrap();
    TestKiosk { ui, data }
}

fn kiosk() -> TestKiosk {
    kiosk_in(tempfile::tempdir().unwrap(), Config::default())
}

fn tap(ui: &KioskUi, label: &str) {
    ElementHandle::find_by_accessible_label(&ui.window, label)
        .next()
        .unwrap_or_else(|| panic!("no element labelled “{label}” on screen"))
        .mock_single_click(PointerEventButton::Left);
}

fn on_screen(ui: &KioskUi, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(&ui.window, label)
        .next()
        .is_some()
}

fn digits(ui: &KioskUi, text: &str) {
    for d in text.chars() {
        tap(ui, &format!("号码键 {d}"));
    }
}

fn feedback(ui: &KioskUi) -> Feedback<'_> {
    ui.window.global::<Feedback>()
}

fn page(ui: &KioskUi) -> Page {
    ui.window.global::<Shell>().get_page()
}

fn wait(secs: u64) {
    for _ in 0..secs {
        mock_elapsed_time(Duration::from_secs(1));
    }
}

/// The id of the guide named [`GUIDE`], opened as a resident would (counted once).
fn open_guide(ui: &KioskUi) -> String {
    let id = ui.with_store(|store, _| {
        store
            .conn()
            .query_row("SELECT id FROM item WHERE name = ?1", [GUIDE], |r| {
                r.get::<_, String>(0)
            })
            .unwrap()
    });
    ui.open(Route::Guide(id.clone()));
    assert_eq!(page(ui), Page::Guide);
    id
}

/// Every record in the kiosk's outbox file, oldest first (after the outbox thread caught up).
fn records(k: &TestKiosk) -> Vec<Stored> {
    assert!(
        k.flush_outbox(Duration::from_secs(10)),
        "outbox thread stuck"
    );
    Outbox::open(k.data.path(), "reader")
        .unwrap()
        .batch(1000)
        .unwrap()
}

fn of_kind<'a>(all: &'a [Stored], kind: &str) -> Vec<&'a Stored> {
    all.iter().filter(|r| r.kind == kind).collect()
}

#[test]
fn a_bad_rating_cannot_be_sent_without_a_reason() {
    let k = kiosk();
    let id = open_guide(&k);
    tap(&k, "评价这项服务");
    assert_eq!(feedback(&k).get_step(), FeedbackStep::Rate);
    assert_eq!(feedback(&k).get_about(), GUIDE, "what is rated is named");
    assert!(!on_screen(&k, "等太久"), "reasons only for a 差评");

    tap(&k, "不满意");
    assert!(feedback(&k).get_bad());
    assert!(on_screen(&k, "等太久"));
    tap(&k, "下一步");
    assert_eq!(
        feedback(&k).get_step(),
        FeedbackStep::Rate,
        "no reason, no next step"
    );
    assert!(feedback(&k).get_missing().contains("至少选一个原因"));

    tap(&k, "等太久");
    tap(&k, "找不到窗口");
    tap(&k, "找不到窗口"); // changed their mind
    tap(&k, "下一步");
    assert_eq!(feedback(&k).get_step(), FeedbackStep::Details);
    tap(&k, "提交评价");
    k.finish_feedback();
    assert_eq!(feedback(&k).get_step(), FeedbackStep::Thanks);

    let all = records(&k);
    let ratings = of_kind(&all, "rating");
    assert_eq!(ratings.len(), 1, "{all:?}");
    let r = &ratings[0].record;
    assert_eq!(r["level"], 4);
    assert_eq!(r["reasons"], serde_json::json!(["等太久"]));
    assert_eq!(r["subject"], serde_json::json!({"of": "guide", "id": id}));
    assert_eq!(
        r["indicator_set"], "青禾县-2026-1",
        "the sample county's ratings.toml, carried into content.db"
    );
    assert!(r["phone"].is_null() && r["case_no"].is_null());
}

#[test]
fn the_phone_pad_comes_only_after_consent_and_the_number_shows_masked() {
    let k = kiosk();
    open_guide(&k);
    tap(&k, "评价这项服务");
    tap(&k, "满意");
    assert!(!feedback(&k).get_bad());
    tap(&k, "下一步");
    // The pad types into the 办件编号 first; no phone box before the consent sentence.
    assert!(!on_screen(&k, "电话号码"));
    assert!(!feedback(&k).get_consented());
    assert!(feedback(&k).get_consent_text().contains("同意"));
    digits(&k, "2026001");
    assert_eq!(feedback(&k).get_case_no(), "2026001");
    assert_eq!(feedback(&k).get_phone(), "");

    tap(&k, "同意，留电话");
    assert!(on_screen(&k, "电话号码"));
    assert_eq!(feedback(&k).get_field(), 2, "the pad now types the phone");
    digits(&k, "1381234567");
    tap(&k, "提交评价");
    assert_eq!(
        feedback(&k).get_step(),
        FeedbackStep::Details,
        "an incomplete number is not sent"
    );
    assert!(feedback(&k).get_missing().contains("不完整"));
    digits(&k, "8");
    assert_eq!(feedback(&k).get_phone(), "138****5678", "shown masked");
    assert_eq!(feedback(&k).get_case_no(), "2026001");
    tap(&k, "提交评价");
    k.finish_feedback();
    assert_eq!(feedback(&k).get_step(), FeedbackStep::Thanks);
    assert_eq!(feedback(&k).get_phone(), "", "not kept on screen");
    assert!(!feedback(&k).get_done_text().contains("5678"));

    let all = records(&k);
    let r = &of_kind(&all, "rating")[0].record;
    assert_eq!(r["phone"], "13812345678");
    assert_eq!(r["case_no"], "2026001");
    assert_eq!(r["level"], 2);
    assert_eq!(r["reasons"], serde_json::json!([]));
}

#[test]
fn idle_reset_mid_rating_clears_it_and_writes_nothing() {
    let config = Config {
        idle_timeout_secs: 30,
        idle_warning_secs: 20,
        ..Config::default()
    };
    let k = kiosk_in(tempfile::tempdir().unwrap(), config);
    open_guide(&k);
    tap(&k, "评价这项服务");
    tap(&k, "非常不满意");
    tap(&k, "态度不好");
    tap(&k, "下一步");
    tap(&k, "同意，留电话");
    digits(&k, "13812345678");
    wait(30 + 20 + 2);
    assert_eq!(page(&k), Page::Home);
    assert_eq!(feedback(&k).get_step(), FeedbackStep::Closed);
    assert_eq!(feedback(&k).get_phone(), "");
    assert!(
        of_kind(&records(&k), "rating").is_empty(),
        "nothing written"
    );

    // A new resident starts from nothing.
    tap(&k, "评价本大厅服务");
    assert_eq!(feedback(&k).get_level(), -1);
    assert!(!feedback(&k).get_consented());
}

#[test]
fn the_suggestion_flow_writes_exactly_one_record_then_returns_to_the_guide() {
    let k = kiosk();
    open_guide(&k);
    tap(&k, "意见建议");
    assert_eq!(feedback(&k).get_step(), FeedbackStep::Suggest);
    assert_eq!(feedback(&k).get_about(), GUIDE, "pre-filled");
    tap(&k, "提交建议");
    assert_eq!(
        feedback(&k).get_step(),
        FeedbackStep::Suggest,
        "no topic yet"
    );
    tap(&k, "大厅服务");
    tap(&k, "同意，留电话");
    digits(&k, "073968123456");
    assert_eq!(feedback(&k).get_phone(), "073****23456");
    tap(&k, "提交建议");
    k.finish_feedback();
    assert_eq!(feedback(&k).get_step(), FeedbackStep::Thanks);

    let all = records(&k);
    let s = of_kind(&all, "suggestion");
    assert_eq!(s.len(), 1, "{all:?}");
    assert_eq!(
        s[0].record,
        serde_json::json!({
            "kind": "suggestion",
            "topic": "大厅服务",
            "about": GUIDE,
            "phone": "073968123456",
        })
    );
    assert!(of_kind(&all, "rating").is_empty());

    // The thank-you card goes by itself; the guide is there again.
    wait(9);
    assert_eq!(feedback(&k).get_step(), FeedbackStep::Closed);
    assert_eq!(page(&k), Page::Guide);
    assert_eq!(k.window.global::<GuidePage>().get_guide().name, GUIDE);

    // Cleared "about", and no phone: the record says so.
    tap(&k, "意见建议");
    tap(&k, "本终端");
    tap(&k, "清除");
    assert_eq!(feedback(&k).get_about(), "");
    tap(&k, "提交建议");
    k.finish_feedback();
    let all = records(&k);
    let s = of_kind(&all, "suggestion");
    assert_eq!(s.len(), 2);
    assert_eq!(
        s[1].record,
        serde_json::json!({"kind": "suggestion", "topic": "本终端", "about": null, "phone": null})
    );
}

#[test]
fn back_steps_through_the_rating_and_leaves_the_page_as_it_was() {
    let k = kiosk();
    open_guide(&k);
    tap(&k, "评价这项服务");
    tap(&k, "基本满意");
    tap(&k, "下一步");
    tap(&k, "‹ 返回"); // the bottom bar's
    assert_eq!(feedback(&k).get_step(), FeedbackStep::Rate);
    assert_eq!(feedback(&k).get_level(), 2, "the choice is kept");
    tap(&k, "取消");
    assert_eq!(feedback(&k).get_step(), FeedbackStep::Closed);
    assert_eq!(page(&k), Page::Guide, "back where the resident was");
    assert!(records(&k).is_empty(), "nothing written");
}

#[test]
fn the_hall_is_rated_from_home() {
    let k = kiosk();
    tap(&k, "评价本大厅服务");
    assert_eq!(feedback(&k).get_title(), "评价本大厅服务");
    tap(&k, "非常满意");
    tap(&k, "下一步");
    tap(&k, "提交评价");
    k.finish_feedback();
    let all = records(&k);
    let r = &of_kind(&all, "rating")[0].record;
    assert_eq!(r["subject"], serde_json::json!({"of": "hall"}));
    assert_eq!(r["level"], 1);
    tap(&k, "好的");
    assert_eq!(page(&k), Page::Home);
    assert_eq!(feedback(&k).get_step(), FeedbackStep::Closed);
}

#[test]
fn an_outbox_that_cannot_be_opened_is_told_plainly_and_reading_goes_on() {
    let data = tempfile::tempdir().unwrap();
    // A folder where the outbox file should be: SQLite cannot open it.
    std::fs::create_dir(data.path().join(banshi::outbox::FILE)).unwrap();
    let k = kiosk_in(data, Config::default());
    open_guide(&k);
    tap(&k, "评价这项服务");
    tap(&k, "满意");
    tap(&k, "下一步");
    tap(&k, "提交评价");
    k.finish_feedback();
    assert_eq!(feedback(&k).get_step(), FeedbackStep::Failed);
    assert_eq!(feedback(&k).get_done_title(), "没能存下您的评价");
    let text = feedback(&k).get_done_text();
    assert!(
        text.contains("服务窗口") && text.contains("12345"),
        "{text}"
    );
    tap(&k, "返回");
    assert_eq!(page(&k), Page::Guide);
    assert_eq!(k.window.global::<GuidePage>().get_guide().name, GUIDE);
}

#[test]
fn opening_a_guide_counts_usage_per_guide_and_day() {
    let k = kiosk();
    let id = open_guide(&k);
    k.open(Route::Home);
    open_guide(&k);
    k.open(Route::Guide("no-such-guide".into()));
    assert!(k.flush_outbox(Duration::from_secs(10)));
    let db = rusqlite::Connection::open(k.data.path().join(banshi::outbox::FILE)).unwrap();
    let rows: Vec<(String, String, i64)> = db
        .prepare("SELECT day, guide, opened FROM usage_open ORDER BY guide")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    assert_eq!(
        rows,
        vec![(today, id, 2)],
        "two openings of one guide; a guide that does not open is not counted"
    );
}

#[test]
fn a_failed_search_and_one_left_unopened_become_misses() {
    let k = kiosk();
    tap(&k, "搜索事项");
    for key in ["q", "q", "q", "q", "q", "q"] {
        tap(&k, &format!("键 {key}"));
    }
    tap(&k, "首页");
    // Found, but nothing opened.
    tap(&k, "搜索事项");
    for key in ["s", "f", "z"] {
        tap(&k, &format!("键 {key}"));
    }
    tap(&k, "首页");
    // Found and opened: not a miss.
    tap(&k, "搜索事项");
    for key in ["s", "f", "z"] {
        tap(&k, &format!("键 {key}"));
    }
    tap(&k, &format!("候选 {GUIDE}"));
    tap(&k, "首页");

    let all = records(&k);
    let misses: Vec<&serde_json::Value> = of_kind(&all, "miss")
        .into_iter()
        .map(|r| &r.record)
        .collect();
    assert_eq!(
        misses,
        vec![
            &serde_json::json!({"kind": "miss", "query": "qqqqqq", "step": null, "found": false}),
            &serde_json::json!({"kind": "miss", "query": "sfz", "step": null, "found": true}),
        ]
    );
}

/// A 差评's reasons all stay whole above the pinned 取消 / 下一步 buttons, without scrolling,
/// in both orientations and both text sizes (in landscape large text the second row was cut).
#[test]
fn every_reason_is_in_view_above_the_buttons() {
    let k = kiosk();
    open_guide(&k);
    for (w, h) in [(1920.0, 1080.0), (1080.0, 1920.0)] {
        k.window.window().set_size(slint::LogicalSize::new(w, h));
        for large in [false, true] {
            k.window.global::<Shell>().set_large_text(large);
            tap(&k, "评价这项服务");
            tap(&k, "不满意");
            let buttons = ElementHandle::find_by_accessible_label(&k.window, "取消")
                .next()
                .expect("取消 on screen")
                .absolute_position()
                .y;
            let reasons: Vec<String> = feedback(&k)
                .get_reasons()
                .iter()
                .map(|r| r.to_string())
                .collect();
            assert!(reasons.len() >= 5, "{reasons:?}");
            for reason in &reasons {
                let whole = ElementHandle::find_by_accessible_label(&k.window, reason).any(|e| {
                    let (p, s) = (e.absolute_position(), e.size());
                    p.y >= 0.0 && p.y + s.height <= buttons + 0.5 && s.height >= 48.0
                });
                assert!(
                    whole,
                    "“{reason}” not whole above the buttons at {w}x{h} large={large}"
                );
            }
            tap(&k, "取消");
            assert_eq!(feedback(&k).get_step(), FeedbackStep::Closed);
        }
    }
}
