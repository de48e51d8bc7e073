//! `banshi preview DIR` on the real UI, headless (Slint's testing backend with mocked time): the
//! folder shown, a change shown within one poll, problems (file, line, the validator's Chinese
//! message) covering the screen instead of the content, and the content back once fixed. And
//! what authors check in it: life-event icons on the home tiles, a town's own kiosk showing its
//! town's handling.

mod common;

use std::path::Path;
use std::time::Duration;

use i_slint_backend_testing::{mock_elapsed_time, ElementHandle};
use slint::{ComponentHandle, Model};

use banshi::config::Config;
use banshi::kiosk::nav::Route;
use banshi::kiosk::preview::{Preview, POLL};
use banshi::store::Store;
use banshi::ui::{GuidePage, HomePage, KioskUi, PreviewProblems};

const ITEM: &str = "items/gongan/gongan-sfz-huanling.toml";
const ID: &str = "gongan-sfz-huanling";

struct Previewing {
    ui: KioskUi,
    _timer: slint::Timer,
    _data: tempfile::TempDir,
}

/// The preview as `banshi preview` sets it up: a database of its own in a scratch folder, the
/// kiosk window, the folder watched.
fn preview(dir: &Path) -> Previewing {
    preview_at(dir, None)
}

fn preview_at(dir: &Path, region: Option<&str>) -> Previewing {
    i_slint_backend_testing::init_no_event_loop();
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join(banshi::store::DB_FILE);
    Store::create(&db, &banshi::sample::sample()).unwrap();
    let config = Config {
        data_dir: Some(data.path().to_path_buf()),
        region: region.map(str::to_string),
        ..Config::default()
    };
    let ui = KioskUi::new(Store::open(&db).unwrap(), config).unwrap();
    ui.window.show().unwrap();
    let timer = ui.watch_folder(Preview::new(dir));
    Previewing {
        ui,
        _timer: timer,
        _data: data,
    }
}

/// One poll of the folder (and no more: what shows must not need a longer wait).
fn one_poll() {
    mock_elapsed_time(POLL + Duration::from_millis(1));
}

fn edit(dir: &Path, from: &str, to: &str) {
    let path = dir.join(ITEM);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from} not in {ITEM}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn problems(ui: &KioskUi) -> Vec<(String, String)> {
    let g = ui.window.global::<PreviewProblems>();
    g.get_problems()
        .iter()
        .map(|p| (p.place.to_string(), p.message.to_string()))
        .collect()
}

#[test]
fn a_changed_file_shows_within_one_poll_problems_cover_it_until_fixed() {
    let dir = common::sample_copy();
    let p = preview(dir.path());
    let ui = &p.ui;
    let g = ui.window.global::<PreviewProblems>();
    assert!(!g.get_shown());
    assert_eq!(
        g.get_folder().as_str(),
        dir.path().display().to_string(),
        "the folder is named"
    );
    ui.open(Route::Guide(ID.into()));
    assert_eq!(
        ui.window.global::<GuidePage>().get_guide().name,
        "居民身份证换领"
    );

    // A change: on screen after one poll, on the page being read.
    edit(
        dir.path(),
        "name = \"居民身份证换领\"",
        "name = \"居民身份证到期换领\"",
    );
    one_poll();
    assert_eq!(
        ui.window.global::<GuidePage>().get_guide().name,
        "居民身份证到期换领"
    );
    assert_eq!(ui.route(), Route::Guide(ID.into()), "the page stays open");

    // A problem: the screen shows it — file, line, field and the validator's message.
    edit(dir.path(), "name = \"居民身份证到期换领\"", "name = \"\"");
    one_poll();
    assert!(g.get_shown(), "problems cover the content");
    let text = std::fs::read_to_string(dir.path().join(ITEM)).unwrap();
    let line = text.lines().position(|l| l == "name = \"\"").unwrap() + 1;
    let found = problems(ui);
    assert!(
        found.contains(&(
            format!("{ITEM} 第 {line} 行 · name"),
            "不能为空，请填写内容。".to_string()
        )),
        "{found:?}"
    );
    assert_eq!(
        g.get_title().as_str(),
        format!("发现 {} 处问题，改好并保存后这里会自动刷新", found.len())
    );

    // A second, different problem (a broken TOML line) replaces the list.
    edit(dir.path(), "name = \"\"", "name = \"居民身份证换领\"");
    edit(dir.path(), "popularity = ", "popularity = 一万");
    one_poll();
    let found = problems(ui);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0.starts_with(&format!("{ITEM} 第 ")), "{found:?}");
    assert!(!found[0].1.contains("不能为空"), "the old problem is gone");

    // Fixed: the content is back, with the fix.
    let text = std::fs::read_to_string(dir.path().join(ITEM)).unwrap();
    let fixed = text.replacen("popularity = 一万", "popularity = ", 1);
    std::fs::write(dir.path().join(ITEM), fixed).unwrap();
    one_poll();
    assert!(!g.get_shown(), "the cover goes away once fixed");
    assert_eq!(
        ui.window.global::<GuidePage>().get_guide().name,
        "居民身份证换领"
    );
    ui.open(Route::Home);
    assert!(ui.window.global::<HomePage>().get_life_events().row_count() > 0);
}

#[test]
fn a_folder_broken_from_the_start_shows_its_problems_then_its_content() {
    let dir = common::sample_copy();
    std::fs::remove_file(dir.path().join("county.toml")).unwrap();
    let p = preview(dir.path());
    let g = p.ui.window.global::<PreviewProblems>();
    assert!(g.get_shown());
    let found = problems(&p.ui);
    assert!(
        found
            .iter()
            .any(|(place, m)| place == "county.toml" && m.contains("缺少这个文件")),
        "{found:?}"
    );
    common::copy_dir(&common::sample_dir(), dir.path());
    one_poll();
    assert!(!g.get_shown());
}

#[test]
fn a_life_event_icon_written_in_the_folder_shows_on_its_home_tile() {
    let dir = common::sample_copy();
    let p = preview(dir.path());
    let home = p.ui.window.global::<HomePage>();
    assert!(home.get_life_events().iter().all(|t| t.icon.is_empty()));
    let categories = dir.path().join("categories.toml");
    let text = std::fs::read_to_string(&categories).unwrap();
    std::fs::write(
        &categories,
        text.replacen(
            "name = \"生育出生\"",
            "name = \"生育出生\"\nicon = \"婴\"",
            1,
        ),
    )
    .unwrap();
    one_poll();
    let first = home.get_life_events().row_data(0).unwrap();
    assert_eq!(
        (first.name.as_str(), first.icon.as_str()),
        ("生育出生", "婴")
    );
    let badge = ElementHandle::find_by_accessible_label(&p.ui.window, "icon 生育出生")
        .next()
        .expect("the badge is drawn on the tile");
    assert_eq!(badge.accessible_value().unwrap_or_default(), "婴");
    assert!(
        ElementHandle::find_by_accessible_label(&p.ui.window, "icon 上学教育")
            .next()
            .is_none(),
        "no icon, no badge"
    );
}

#[test]
fn a_towns_own_kiosk_shows_its_towns_override_worded_for_a_town() {
    let dir = common::sample_copy();
    // 城关街道: 社保卡申领 is 直办 there (a town-level override without a note of its own).
    let p = preview_at(dir.path(), Some("439021001000"));
    p.ui.open(Route::Guide("renshe-sbk-shenling".into()));
    let g = p.ui.window.global::<GuidePage>().get_guide();
    assert!(g.has_village, "a town's kiosk shows what its centre does");
    assert_eq!(g.village_mode, "直办");
    assert!(
        g.village_meaning.starts_with("在本乡镇："),
        "{}",
        g.village_meaning
    );
    assert_eq!(
        g.village_note, "",
        "the item's 代办 note is not shown under 直办"
    );
}
