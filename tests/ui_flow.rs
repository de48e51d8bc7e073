//! The real UI, headless (Slint's testing backend with mocked time): a resident's path through
//! the screens, QR codes, large text, and the idle warning and reset.

mod common;

use std::time::Duration;

use i_slint_backend_testing::{mock_elapsed_time, ElementHandle};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition, Model};

use banshi::config::Config;
use banshi::store::Store;
use banshi::ui::{Kiosk, KioskUi, Page, Theme};

thread_local! {
    static BACKEND: () = i_slint_backend_testing::init_no_event_loop();
}

/// A kiosk UI with a data folder of its own (removed when the test ends).
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

fn kiosk_with(mut config: Config, width: f32, height: f32) -> TestKiosk {
    // Each test runs on its own thread with its own testing backend, set up once.
    BACKEND.with(|_| ());
    let data = tempfile::tempdir().unwrap();
    config.data_dir.get_or_insert_with(|| data.path().to_path_buf());
    let store = Store::in_memory(&banshi::sample::sample()).unwrap();
    let ui = KioskUi::new(store, config).unwrap();
    ui.window.window().set_size(slint::LogicalSize::new(width, height));
    ui.window.show().unwrap();
    TestKiosk { ui, data }
}

fn kiosk() -> TestKiosk {
    kiosk_with(Config::default(), 1920.0, 1080.0)
}

/// Presses the on-screen element labelled `label` the way a finger would: press and release on
/// its centre.
fn tap(ui: &KioskUi, label: &str) {
    let el = ElementHandle::find_by_accessible_label(&ui.window, label)
        .next()
        .unwrap_or_else(|| panic!("no element labelled “{label}” on screen"));
    el.mock_single_click(PointerEventButton::Left);
}

fn k(ui: &KioskUi) -> Kiosk<'_> {
    ui.window.global::<Kiosk>()
}

/// Advances mocked time one second at a time (the kiosk's clock ticks every second).
fn wait(secs: u64) {
    for _ in 0..secs {
        mock_elapsed_time(Duration::from_secs(1));
    }
}

#[test]
fn home_to_category_to_guide_and_back_home() {
    let ui = kiosk();
    assert_eq!(k(&ui).get_page(), Page::Home);
    assert!(k(&ui).get_life_events().row_count() >= 10);

    tap(&ui, "生育出生");
    assert_eq!(k(&ui).get_page(), Page::List);
    assert_eq!(k(&ui).get_list_title(), "生育出生");
    let first = k(&ui).get_list_items().row_data(0).expect("the category lists services");

    tap(&ui, &first.name);
    assert_eq!(k(&ui).get_page(), Page::Guide);
    let guide = k(&ui).get_guide();
    assert_eq!(guide.name, first.name);
    assert!(guide.materials.row_count() >= 1, "materials are shown");
    assert!(guide.steps.row_count() >= 2, "steps are shown");
    assert!(!guide.consult_phone.is_empty() && !guide.complaint_phone.is_empty());

    // Both QR codes are on screen, with real images behind them.
    for label in ["材料清单二维码", "网上办理二维码"] {
        assert!(ElementHandle::find_by_accessible_label(&ui.window, label).next().is_some(), "{label} shown");
    }
    assert!(k(&ui).get_qr_online().size().width >= 21);
    assert!(k(&ui).get_qr_checklist().size().width > k(&ui).get_qr_online().size().width, "the checklist holds more");

    tap(&ui, "‹ 返回");
    assert_eq!(k(&ui).get_page(), Page::List);
    assert_eq!(k(&ui).get_list_title(), "生育出生");
    tap(&ui, "首页");
    assert_eq!(k(&ui).get_page(), Page::Home);
}

#[test]
fn department_and_notice_screens_open() {
    let ui = kiosk();
    tap(&ui, "按部门");
    assert_eq!(k(&ui).get_home_tab(), 2);
    tap(&ui, "公安局");
    assert_eq!(k(&ui).get_page(), Page::List);
    assert!(k(&ui).get_list_title().contains("公安局"));

    tap(&ui, "政务公开");
    assert_eq!(k(&ui).get_page(), Page::Notices);
    let first = k(&ui).get_notices().row_data(0).expect("notices are listed");
    tap(&ui, &first.title);
    assert_eq!(k(&ui).get_page(), Page::Notice);
    let n = k(&ui).get_notice();
    assert_eq!(n.title, first.title);
    assert!(!n.index_no.is_empty() && !n.publisher.is_empty() && !n.published.is_empty());
    assert!(n.paragraphs.row_count() >= 1);
}

#[test]
fn large_text_toggle_scales_text_on_every_screen() {
    let ui = kiosk();
    let body = ui.window.global::<Theme>().get_font_body();
    tap(&ui, "大字");
    assert!(k(&ui).get_large_text());
    let large = ui.window.global::<Theme>().get_font_body();
    assert!(large >= body * 1.4 - 0.01, "{large} vs {body}");
    // The toggle is on the bottom bar of every screen and now offers the way back.
    tap(&ui, "养老社保");
    tap(&ui, "标准字");
    assert!(!k(&ui).get_large_text());
}

/// Tiles on screen never overlap, stay inside the window and are big enough to touch, in both
/// orientations and text sizes.
#[test]
fn home_tiles_reflow_without_overlap() {
    for (w, h) in [(1920.0, 1080.0), (1080.0, 1920.0)] {
        let ui = kiosk_with(Config::default(), w, h);
        for large in [false, true] {
            k(&ui).set_large_text(large);
            let tiles: Vec<_> = ElementHandle::find_by_element_type_name(&ui.window, "TileButton").collect();
            // Element queries see what is on screen; the rest of the grid is below the fold.
            assert!(tiles.len() >= 6, "tiles on screen at {w}x{h} large={large}: {}", tiles.len());
            let rects: Vec<(f32, f32, f32, f32)> = tiles
                .iter()
                .map(|t| {
                    let p = t.absolute_position();
                    let s = t.size();
                    assert!(s.width >= 48.0 && s.height >= 48.0, "touch target too small: {s:?}");
                    assert!(p.x >= 0.0 && p.x + s.width <= w + 0.5, "tile outside the window: {p:?} {s:?} in {w}");
                    (p.x, p.y, p.x + s.width, p.y + s.height)
                })
                .collect();
            for (i, a) in rects.iter().enumerate() {
                for b in &rects[i + 1..] {
                    let overlap = a.0 < b.2 - 0.5 && b.0 < a.2 - 0.5 && a.1 < b.3 - 0.5 && b.1 < a.3 - 0.5;
                    assert!(!overlap, "tiles overlap at {w}x{h} large={large}: {a:?} {b:?}");
                }
            }
        }
    }
}

fn short_idle() -> Config {
    Config { idle_timeout_secs: 30, idle_warning_secs: 20, ..Config::default() }
}

#[test]
fn idle_warning_then_continue_keeps_the_page() {
    let ui = kiosk_with(short_idle(), 1920.0, 1080.0);
    tap(&ui, "生育出生");
    wait(29);
    assert!(!k(&ui).get_idle_warning(), "no warning before the timeout");
    wait(2);
    assert!(k(&ui).get_idle_warning(), "warning after the timeout");
    let left = k(&ui).get_idle_seconds_left();
    assert!((18..=20).contains(&left), "{left} s left");
    assert!(ElementHandle::find_by_accessible_label(&ui.window, "继续使用").next().is_some());

    tap(&ui, "继续使用");
    assert!(!k(&ui).get_idle_warning());
    assert_eq!(k(&ui).get_page(), Page::List, "continuing keeps the resident where they were");
    wait(25);
    assert!(!k(&ui).get_idle_warning(), "continuing restarted the quiet period");
}

#[test]
fn idle_reset_returns_home_and_clears_everything() {
    let ui = kiosk_with(short_idle(), 1920.0, 1080.0);
    tap(&ui, "大字");
    tap(&ui, "生育出生");
    let first = k(&ui).get_list_items().row_data(0).unwrap();
    tap(&ui, &first.name);
    assert_eq!(k(&ui).get_page(), Page::Guide);

    wait(30 + 20 + 2);
    assert_eq!(k(&ui).get_page(), Page::Home);
    assert!(!k(&ui).get_idle_warning());
    assert!(!k(&ui).get_large_text(), "text size back to the default");
    assert_eq!(k(&ui).get_guide().name, "", "the last guide is cleared");
    assert_eq!(k(&ui).get_list_items().row_count(), 0, "the last list is cleared");
    tap(&ui, "‹ 返回");
    assert_eq!(k(&ui).get_page(), Page::Home, "nothing to go back to");
}

#[test]
fn no_warning_or_reset_while_a_finger_is_down() {
    let ui = kiosk_with(short_idle(), 1920.0, 1080.0);
    tap(&ui, "生育出生");
    // A finger resting on the page (on the title text, which is not a button).
    let at = LogicalPosition::new(600.0, 180.0);
    ui.window.window().dispatch_event(WindowEvent::PointerPressed { position: at, button: PointerEventButton::Left });
    wait(600);
    assert!(!k(&ui).get_idle_warning(), "warned while touched");
    assert_eq!(k(&ui).get_page(), Page::List, "reset while touched");
    ui.window.window().dispatch_event(WindowEvent::PointerReleased { position: at, button: PointerEventButton::Left });
    wait(31);
    assert!(k(&ui).get_idle_warning(), "the quiet period starts when the finger lifts");
}

#[test]
fn scrolling_a_list_counts_as_activity() {
    // Landscape: the police department's list is longer than the screen.
    let ui = kiosk_with(short_idle(), 1920.0, 1080.0);
    tap(&ui, "按部门");
    tap(&ui, "公安局");
    wait(25);
    let row = k(&ui).get_list_items().row_data(0).unwrap();
    let el = ElementHandle::find_by_accessible_label(&ui.window, &row.name).next().unwrap();
    el.scroll(0.0, -200.0);
    wait(10);
    assert!(!k(&ui).get_idle_warning(), "scrolling restarted the quiet period");
    wait(25);
    assert!(k(&ui).get_idle_warning(), "quiet after scrolling leads to the warning");
}

#[test]
fn search_by_initials_on_the_keyboard_opens_the_guide() {
    let ui = kiosk_with(Config::default(), 1080.0, 1920.0);
    tap(&ui, "搜索事项");
    assert_eq!(k(&ui).get_page(), Page::Search);
    for key in ["s", "f", "z"] {
        tap(&ui, &format!("键 {key}"));
    }
    assert_eq!(k(&ui).get_search_text(), "sfz");
    let hits = k(&ui).get_search_hits();
    assert!(hits.iter().any(|h| h.title == "居民身份证换领"), "results update on every key");
    // 'h' continues 身份证 (sfzh…), 'q' leads nowhere: dimmed, yet still typeable.
    let enabled = k(&ui).get_key_enabled();
    let pos = |c: u8| b"1234567890qwertyuiopasdfghjklzxcvbnm".iter().position(|&b| b == c).unwrap();
    assert!(enabled.row_data(pos(b'h')).unwrap());
    assert!(!enabled.row_data(pos(b'q')).unwrap());

    tap(&ui, "候选 居民身份证换领");
    assert_eq!(k(&ui).get_page(), Page::Guide);
    assert_eq!(k(&ui).get_guide().name, "居民身份证换领");
    tap(&ui, "‹ 返回");
    assert_eq!(k(&ui).get_page(), Page::Search);
    assert_eq!(k(&ui).get_search_text(), "sfz", "the query is still there after looking at a result");

    tap(&ui, "键 ← 退格");
    assert_eq!(k(&ui).get_search_text(), "sf");
    tap(&ui, "键 清空");
    assert_eq!(k(&ui).get_search_text(), "");
}

#[test]
fn searches_that_find_nothing_are_recorded_for_staff() {
    let ui = kiosk();
    tap(&ui, "搜索事项");
    for key in ["s", "f", "z", "q"] {
        tap(&ui, &format!("键 {key}"));
    }
    assert_eq!(k(&ui).get_search_total(), 0);
    tap(&ui, "首页");
    let log = banshi::search::log::SearchLog::open(ui.data.path()).unwrap();
    let report = log.report().unwrap();
    assert_eq!(report.len(), 1, "{report:?}");
    assert_eq!(report[0].query, "sfzq");

    // A search that found something is not recorded.
    tap(&ui, "搜索事项");
    tap(&ui, "键 s");
    tap(&ui, "首页");
    assert_eq!(log.report().unwrap().len(), 1);
}

#[test]
fn home_at_rest_is_never_interrupted() {
    let ui = kiosk_with(short_idle(), 1920.0, 1080.0);
    wait(300);
    assert!(!k(&ui).get_idle_warning());
    assert_eq!(k(&ui).get_page(), Page::Home);
}

#[test]
fn village_kiosk_shows_the_handling_mode_and_whom_to_ask() {
    let config = Config { region: Some("439021101201".into()), ..Config::default() };
    let ui = kiosk_with(config, 1080.0, 1920.0);
    assert!(k(&ui).get_hall_name().contains("柳塘村"));
    tap(&ui, "养老社保");
    let row = k(&ui).get_list_items().row_data(0).unwrap();
    assert!(row.village_tag.starts_with("村里"), "list rows say what the village can do: {row:?}");
    tap(&ui, &row.name);
    let g = k(&ui).get_guide();
    assert!(g.has_village);
    assert!(["直办", "代办", "协办", "告知"].contains(&g.village_mode.as_str()));
    assert_eq!(g.village_assistant, "李春梅");
    assert!(!g.village_phone.is_empty());
}

/// A kiosk showing a guide picks up a new version from its sync worker without a restart: the
/// page being read shows the new text, the route is kept, and the status line says the content
/// was confirmed. Then the county lets the metadata expire: the kiosk keeps its content and
/// says so.
#[test]
fn a_sync_switches_the_running_kiosk_to_the_new_version() {
    use banshi::sync::{self, Options, Source, Status};
    use common::sync::TestCounty;
    BACKEND.with(|_| ());
    let county = TestCounty::new();
    let mut content = banshi::sample::sample();
    let guide = content.items[0].id.clone();
    county.publish(&content);
    let data = tempfile::tempdir().unwrap();
    let opts = Options::new(Source::Dir(county.repo.clone()), data.path().to_path_buf(), Some(county.trust()));
    assert_eq!(sync::run_once(&opts).status, Status::Updated);

    let config = Config {
        data_dir: Some(data.path().to_path_buf()),
        server: vec![county.repo.display().to_string()],
        ..Config::default()
    };
    let store = Store::open(&data.path().join(banshi::store::DB_FILE)).unwrap();
    let ui = KioskUi::new(store, config).unwrap();
    ui.window.window().set_size(slint::LogicalSize::new(1920.0, 1080.0));
    ui.window.show().unwrap();
    ui.open(banshi::kiosk::nav::Route::Guide(guide.clone()));
    let old_name = k(&ui).get_guide().name.to_string();
    assert_eq!(old_name, content.items[0].name);

    content.items[0].name = format!("{}（已更新）", content.items[0].name);
    county.publish(&content);
    // The worker thread's part: a sync on its own connection, then the report in the inbox.
    let report = sync::run_once(&opts);
    assert_eq!(report.status, Status::Updated);
    assert_eq!(k(&ui).get_guide().name, old_name, "nothing changes on screen before the UI applies it");
    *ui.sync_inbox().lock().unwrap() = Some(report);
    wait(1);
    assert_eq!(ui.route(), banshi::kiosk::nav::Route::Guide(guide));
    assert_eq!(k(&ui).get_guide().name, content.items[0].name);
    assert!(k(&ui).get_status_text().contains("已与县里核对为最新"), "{}", k(&ui).get_status_text());
    assert_eq!(k(&ui).get_status_kind(), banshi::ui::StatusKind::Ok);

    // Expired metadata: the content stays, the status line warns.
    content.items[1].name.push_str("（过期版）");
    banshi::publish::publish_content(Some(&content), &county.keys, &county.repo, 0).unwrap();
    let report = sync::run_once(&opts);
    assert_eq!(report.status, Status::Expired);
    *ui.sync_inbox().lock().unwrap() = Some(report);
    wait(1);
    assert_eq!(k(&ui).get_status_kind(), banshi::ui::StatusKind::Expired);
    assert!(k(&ui).get_status_text().contains("有效期"), "{}", k(&ui).get_status_text());
    assert!(k(&ui).get_guide().name.ends_with("（已更新）"), "the content in use is kept");
}

/// A kiosk that cannot run as configured covers the whole screen with what is wrong, for the
/// technician, instead of a black screen or a half-working kiosk.
#[test]
fn a_broken_config_shows_the_setup_screen() {
    let ui = kiosk();
    let message = "配置文件 /etc/banshi/kiosk.toml 有误：不认识的配置项 servr";
    assert!(ElementHandle::find_by_accessible_label(&ui.window, "setup-message").next().is_none());
    ui.show_setup(message);
    let el = ElementHandle::find_by_accessible_label(&ui.window, "setup-message").next().expect("setup screen shown");
    let size = el.size();
    assert!(size.width > 300.0 && size.height > 20.0, "the message is laid out: {size:?}");
    assert_eq!(k(&ui).get_setup_message(), message);
}

/// A new kiosk set up to sync never shows the bundled (fictional) sample county to residents:
/// it shows a waiting screen, tells the technician why the content is not there yet, and
/// switches to the county's content by itself when the first sync lands.
#[test]
fn a_new_syncing_kiosk_waits_for_its_county_instead_of_showing_the_sample() {
    use banshi::sync::{self, Status};
    use common::sync::TestCounty;
    BACKEND.with(|_| ());
    let county = TestCounty::new();
    let data = tempfile::tempdir().unwrap();
    let store = Store::open_or_seed(data.path(), banshi::sample::sample).unwrap();
    let config = Config {
        data_dir: Some(data.path().to_path_buf()),
        server: vec![county.repo.display().to_string()],
        ..Config::default()
    };
    let ui = KioskUi::new(store, config).unwrap();
    ui.window.window().set_size(slint::LogicalSize::new(1080.0, 1920.0));
    ui.window.show().unwrap();
    assert_eq!(k(&ui).get_setup_title(), "正在获取本县办事指南");
    assert!(k(&ui).get_setup_message().contains(&county.repo.display().to_string()), "{}", k(&ui).get_setup_message());
    assert!(ElementHandle::find_by_accessible_label(&ui.window, "setup-message").next().is_some(), "the waiting screen covers the kiosk");

    // Nothing published yet: the sync fails and the note says how.
    let opts = county.dir_options(data.path());
    let report = sync::run_once(&opts);
    assert!(report.status.is_failure(), "{report:?}");
    *ui.sync_inbox().lock().unwrap() = Some(report);
    wait(1);
    assert!(k(&ui).get_setup_message().contains("上次尝试"), "{}", k(&ui).get_setup_message());

    let mut content = banshi::sample::sample();
    content.items[0].name = format!("{}（本县）", content.items[0].name);
    county.publish(&content);
    let report = sync::run_once(&opts);
    assert_eq!(report.status, Status::Updated, "{report:?}");
    *ui.sync_inbox().lock().unwrap() = Some(report);
    wait(1);
    assert_eq!(k(&ui).get_setup_message(), "", "the county's content is shown as soon as it arrived");
    assert!(ElementHandle::find_by_accessible_label(&ui.window, "setup-message").next().is_none());
    ui.open(banshi::kiosk::nav::Route::Guide(content.items[0].id.clone()));
    assert_eq!(k(&ui).get_guide().name, content.items[0].name);
}
