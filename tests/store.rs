//! The content database: real SQLite files, round trips, scoping by region, and start-up with
//! a missing or broken file.

use std::fs;

use banshi::sample::sample;
use banshi::store::{ItemFilter, Store, DB_FILE};

fn sample_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_or_seed(dir.path(), sample).unwrap();
    (dir, store)
}

#[test]
fn guide_round_trips_every_element_in_order() {
    let (_dir, store) = sample_store();
    let content = sample();
    let scope = store.scope(None).unwrap();
    for item in &content.items {
        let g = store
            .guide(&scope, &item.id)
            .unwrap()
            .unwrap_or_else(|| panic!("{} missing", item.id));
        assert_eq!(g.name, item.name);
        assert_eq!(g.conditions, item.conditions);
        assert_eq!(g.legal_basis, item.legal_basis);
        assert_eq!(g.materials.len(), item.material_group.len());
        for (view, src) in g.materials.iter().zip(&item.material_group) {
            assert_eq!(view.situation, src.situation);
            let names: Vec<_> = view.materials.iter().map(|m| m.name.clone()).collect();
            let src_names: Vec<_> = src.material.iter().map(|m| m.name.clone()).collect();
            assert_eq!(names, src_names, "{}: material order", item.id);
        }
        let steps: Vec<_> = g.steps.iter().map(|s| s.name.clone()).collect();
        assert_eq!(
            steps,
            item.step.iter().map(|s| s.name.clone()).collect::<Vec<_>>()
        );
        assert_eq!(g.fees.len(), item.fee.len());
        for (view, src) in g.fees.iter().zip(&item.fee) {
            assert_eq!(view.amount, banshi::format::yuan(src.amount_fen));
        }
        assert_eq!(g.faq.len(), item.faq.len());
        assert_eq!(g.windows.len(), item.windows.len());
        assert!(
            g.village.is_none(),
            "county hall kiosks show no village mode"
        );
    }
}

#[test]
fn status_counts_match_the_source() {
    let (_dir, store) = sample_store();
    let c = sample();
    let counts = store.counts().unwrap();
    assert_eq!(counts.items as usize, c.items.len());
    assert_eq!(counts.notices as usize, c.notices.len());
    assert_eq!(counts.departments as usize, c.departments.len());
    assert_eq!(
        counts.regions as usize,
        1 + c.regions.town.len() + c.regions.village.len()
    );
    assert_eq!(store.meta("content_version").unwrap().as_deref(), Some("1"));
}

#[test]
fn lists_by_life_event_department_and_audience() {
    let (_dir, store) = sample_store();
    let scope = store.scope(None).unwrap();
    let c = sample();
    for e in &c.categories.life_event {
        let list = store
            .item_list(&scope, &ItemFilter::LifeEvent(e.id.clone()))
            .unwrap()
            .unwrap();
        let expected = c
            .items
            .iter()
            .filter(|i| i.life_events.contains(&e.id))
            .count();
        assert_eq!(list.items.len(), expected, "{}", e.id);
        assert_eq!(list.title, e.name);
    }
    let police = store
        .item_list(&scope, &ItemFilter::Department("gongan".into()))
        .unwrap()
        .unwrap();
    assert_eq!(
        police.items.len(),
        c.items.iter().filter(|i| i.department == "gongan").count()
    );
    let business = store
        .item_list(&scope, &ItemFilter::Audience("法人".into()))
        .unwrap()
        .unwrap();
    assert!(business.items.iter().all(|r| c
        .items
        .iter()
        .any(|i| i.id == r.id && i.audience.contains(&"法人".to_string()))));
    assert!(store
        .item_list(&scope, &ItemFilter::LifeEvent("nope".into()))
        .unwrap()
        .is_none());
    // most popular first
    let pops: Vec<i64> = police
        .items
        .iter()
        .map(|r| c.items.iter().find(|i| i.id == r.id).unwrap().popularity)
        .collect();
    assert!(pops.windows(2).all(|w| w[0] >= w[1]), "{pops:?}");
}

#[test]
fn notices_are_scoped_to_where_the_kiosk_stands() {
    let (_dir, store) = sample_store();
    let c = sample();
    let county = store.scope(None).unwrap();
    let all_county: Vec<_> = store.notices(&county, None).unwrap();
    assert!(all_county.iter().all(|n| c
        .notices
        .iter()
        .any(|s| s.id == n.id && s.scope == c.county.region)));

    for v in &c.regions.village {
        let scope = store.scope(Some(&v.code)).unwrap();
        let town = format!("{}000", &v.code[..9]);
        let seen = store.notices(&scope, None).unwrap();
        let expected = c
            .notices
            .iter()
            .filter(|n| n.scope == c.county.region || n.scope == town || n.scope == v.code)
            .count();
        assert_eq!(seen.len(), expected, "village {}", v.name);
        // newest first
        let dates: Vec<&String> = seen.iter().map(|n| &n.published).collect();
        let mut sorted = dates.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(dates.len(), sorted.len());
    }
}

#[test]
fn village_mode_uses_the_most_specific_override() {
    let (_dir, store) = sample_store();
    let c = sample();
    let mut checked = 0;
    for item in c.items.iter().filter(|i| !i.village.overrides.is_empty()) {
        for o in &item.village.overrides {
            let village_code = if o.region.ends_with("000") {
                // a town override applies to its villages
                match c
                    .regions
                    .village
                    .iter()
                    .find(|v| v.code.starts_with(&o.region[..9]))
                {
                    Some(v) if !item.village.overrides.iter().any(|x| x.region == v.code) => {
                        v.code.clone()
                    }
                    _ => continue,
                }
            } else {
                o.region.clone()
            };
            let scope = store.scope(Some(&village_code)).unwrap();
            let g = store.guide(&scope, &item.id).unwrap().unwrap();
            let v = g.village.expect("village kiosks show the mode");
            assert_eq!(v.mode, o.mode, "{} at {village_code}", item.id);
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "the sample should exercise overrides ({checked})"
    );
}

#[test]
fn missing_database_is_built_from_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!dir.path().join(DB_FILE).exists());
    let store = Store::open_or_seed(dir.path(), sample).unwrap();
    assert!(store.counts().unwrap().items >= 60);
    assert!(dir.path().join(DB_FILE).exists());
    assert!(
        !dir.path().join(format!("{DB_FILE}.new")).exists(),
        "no temporary file left behind"
    );
    drop(store);
    // A second start opens the same file (it is not rebuilt).
    let before = fs::metadata(dir.path().join(DB_FILE))
        .unwrap()
        .modified()
        .unwrap();
    let _store = Store::open_or_seed(dir.path(), || panic!("must not seed again")).unwrap();
    assert_eq!(
        before,
        fs::metadata(dir.path().join(DB_FILE))
            .unwrap()
            .modified()
            .unwrap()
    );
}

#[test]
fn broken_database_is_kept_aside_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(DB_FILE),
        b"this is not a database, it was cut off by a power failure",
    )
    .unwrap();
    let store = Store::open_or_seed(dir.path(), sample).unwrap();
    assert!(store.counts().unwrap().items >= 60);
    let kept: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("content.db.broken-")
        })
        .collect();
    assert_eq!(kept.len(), 1, "the broken file is kept for the technician");
    assert!(fs::read(kept[0].path())
        .unwrap()
        .starts_with(b"this is not a database"));
}

#[test]
fn open_refuses_a_missing_file_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open(&dir.path().join(DB_FILE))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("content.db") && err.contains("文件不存在"),
        "{err}"
    );
}

#[test]
fn replacing_content_is_all_or_nothing() {
    let (_dir, mut store) = sample_store();
    let mut bigger = sample();
    bigger.county.content_version = 2;
    bigger.items.truncate(10);
    store.replace_content(&bigger).unwrap();
    assert_eq!(store.counts().unwrap().items, 10);
    assert_eq!(store.meta("content_version").unwrap().as_deref(), Some("2"));

    // Two items with the same id violate the primary key: the whole replacement is rolled back.
    let mut broken = sample();
    broken.county.content_version = 3;
    let dup = broken.items[0].clone();
    broken.items.push(dup);
    assert!(store.replace_content(&broken).is_err());
    assert_eq!(
        store.counts().unwrap().items,
        10,
        "the old version is intact"
    );
    assert_eq!(store.meta("content_version").unwrap().as_deref(), Some("2"));
}

#[test]
fn generated_county_is_valid_and_large() {
    let c = banshi::sample::generated(1000);
    assert_eq!(c.items.len(), 1000);
    let store = Store::in_memory(&c).unwrap();
    assert_eq!(store.counts().unwrap().items, 1000);
}

// Issue 13: overrides as a second county's authors wrote them.

const TOWN: &str = "439021001000"; // 城关街道
const ITS_VILLAGE: &str = "439021001001"; // 东街社区
const OTHER_TOWN: &str = "439021101000"; // 清溪镇

#[test]
fn an_override_without_its_own_note_never_shows_a_note_of_another_mode() {
    let mut c = sample();
    let item = c
        .items
        .iter_mut()
        .find(|i| i.id == "renshe-sbk-shenling")
        .unwrap();
    // The item: 代办 with a note about the assistant; its town: 直办 without a note.
    assert_eq!(item.village.mode, "代办");
    let item_note = item.village.note.clone().unwrap();
    assert!(item
        .village
        .overrides
        .iter()
        .any(|o| o.region == TOWN && o.mode == "直办" && o.note.is_none()));
    // A village override of the same mode as the item, without a note, keeps the item's note.
    item.village.overrides.push(banshi::model::VillageOverride {
        region: "439021101201".into(), // 柳塘村
        mode: "代办".into(),
        note: None,
    });
    let store = Store::in_memory(&c).unwrap();

    let at = |region: &str| {
        let scope = store.scope(Some(region)).unwrap();
        store
            .guide(&scope, "renshe-sbk-shenling")
            .unwrap()
            .unwrap()
            .village
            .unwrap()
    };
    let v = at(ITS_VILLAGE);
    assert_eq!(v.mode, "直办", "the town's override reaches its village");
    assert_eq!(v.note, "", "the item's 代办 note would contradict 直办");
    assert!(v.meaning.contains("就能办理"), "{}", v.meaning);
    let v = at("439021101201");
    assert_eq!(
        (v.mode.as_str(), v.note.as_str()),
        ("代办", item_note.as_str())
    );
    let v = at("439021102201"); // 杏花村: no override
    assert_eq!(
        (v.mode.as_str(), v.note.as_str()),
        ("代办", item_note.as_str())
    );
}

#[test]
fn a_town_override_shows_at_that_towns_own_kiosk_and_a_village_one_does_not() {
    let (_dir, store) = sample_store();
    let town = store.scope(Some(TOWN)).unwrap();
    assert!(town.village.is_none() && town.town.is_some());

    // 社保卡申领: 代办 by default, 直办 at 城关街道 (a town-level override).
    let v = store
        .guide(&town, "renshe-sbk-shenling")
        .unwrap()
        .unwrap()
        .village
        .expect("a town's kiosk shows what its service centre does");
    assert_eq!(v.mode, "直办");
    assert!(v.town);
    assert_eq!(
        v.place.code, TOWN,
        "the town's own centre, its assistant and phone"
    );
    assert!(v.meaning.contains("乡镇"), "{}", v.meaning);

    // 耕地地力保护补贴: 直办 by default, 告知 at 东街社区 only (a village override): the town
    // above it keeps the item's handling.
    let g = store
        .guide(&town, "nongye-gengdi-dili-butie")
        .unwrap()
        .unwrap();
    assert_eq!(g.village.unwrap().mode, "直办");
    let village = store.scope(Some(ITS_VILLAGE)).unwrap();
    let g = store
        .guide(&village, "nongye-gengdi-dili-butie")
        .unwrap()
        .unwrap();
    assert_eq!(
        g.village.unwrap().mode,
        "告知",
        "the village's own override wins there"
    );

    // Another town: the item's handling; the county hall: none.
    let other = store.scope(Some(OTHER_TOWN)).unwrap();
    let v = store
        .guide(&other, "renshe-sbk-shenling")
        .unwrap()
        .unwrap()
        .village
        .unwrap();
    assert_eq!(v.mode, "代办");
    let county = store.scope(None).unwrap();
    assert!(store
        .guide(&county, "renshe-sbk-shenling")
        .unwrap()
        .unwrap()
        .village
        .is_none());

    // List rows at the town's kiosk say what the town does.
    let list = store
        .item_list(&town, &ItemFilter::Department("renshe".into()))
        .unwrap()
        .unwrap();
    let row = list
        .items
        .iter()
        .find(|r| r.id == "renshe-sbk-shenling")
        .unwrap();
    assert_eq!(row.village_tag, "乡镇直接办");
}

#[test]
fn life_event_icons_reach_the_home_screen_rows() {
    let mut c = sample();
    c.categories.life_event[0].icon = Some("婴".into());
    let store = Store::in_memory(&c).unwrap();
    let home = store.home(&store.scope(None).unwrap()).unwrap();
    assert_eq!(home.life_events[0].icon, "婴");
    assert_eq!(home.life_events[1].icon, "", "no icon: no badge");
}
