//! The sample county is complete, and every kind of broken content file is refused with a clear
//! message naming the file and the field, loading nothing.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use banshi::source::{load_dir, Problems};

mod common;
use common::{sample_copy, sample_dir};

const ITEM: &str = "items/gongan/gongan-sfz-huanling.toml";

fn edit(dir: &Path, file: &str, f: impl FnOnce(String) -> String) {
    let p = dir.join(file);
    let text = fs::read_to_string(&p).unwrap();
    let new = f(text.clone());
    assert_ne!(new, text, "the edit to {file} changed nothing");
    fs::write(p, new).unwrap();
}

fn problems(dir: &Path) -> Problems {
    match load_dir(dir) {
        Ok(_) => panic!("broken content was accepted"),
        Err(p) => p,
    }
}

/// Asserts one problem names `file` and `field` and its message contains `words`.
fn assert_problem(p: &Problems, file: &str, field: &str, words: &str) {
    let found =
        p.0.iter()
            .any(|x| x.file == file && x.field == field && x.message.contains(words));
    assert!(
        found,
        "expected a problem in {file} field `{field}` saying “{words}”, got:\n{p}"
    );
}

#[test]
fn sample_county_is_complete() {
    let c = load_dir(&sample_dir()).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.items.len() >= 60, "{} items", c.items.len());
    assert!(c.departments.len() >= 8);
    assert!(c.notices.len() >= 20, "{} notices", c.notices.len());
    assert!(c.regions.town.len() >= 3);
    assert!(c.regions.village.len() >= 6);
    assert!(!c.windows.is_empty());

    let used: HashSet<&str> = c
        .items
        .iter()
        .flat_map(|i| i.life_events.iter().map(String::as_str))
        .collect();
    for e in &c.categories.life_event {
        assert!(
            used.contains(e.id.as_str()),
            "life event {} has no service",
            e.id
        );
    }
    let departments_used: HashSet<&str> = c.items.iter().map(|i| i.department.as_str()).collect();
    assert!(departments_used.len() >= 8);
    for item in &c.items {
        assert!(item.step.len() >= 2, "{}: too few steps", item.id);
        assert!(!item.faq.is_empty(), "{}: no FAQ", item.id);
        assert!(item.material_group.iter().all(|g| !g.material.is_empty()));
        assert!(
            item.summary.chars().count() >= 15,
            "{}: summary too thin",
            item.id
        );
    }
    let town_codes: HashSet<&str> = c.regions.town.iter().map(|t| t.code.as_str()).collect();
    let village_codes: HashSet<&str> = c.regions.village.iter().map(|v| v.code.as_str()).collect();
    assert!(
        c.notices
            .iter()
            .any(|n| town_codes.contains(n.scope.as_str())),
        "no town notice"
    );
    assert!(
        c.notices
            .iter()
            .any(|n| village_codes.contains(n.scope.as_str())),
        "no village notice"
    );
    assert!(
        c.notices.iter().any(|n| n.category == "village"),
        "no 村务公开"
    );
}

#[test]
fn embedded_sample_matches_the_folder() {
    let embedded = banshi::sample::sample();
    let folder = load_dir(&sample_dir()).unwrap();
    assert_eq!(
        embedded, folder,
        "rebuild: the binary embeds an old copy of data/sample"
    );
}

#[test]
fn toml_syntax_error_names_the_line() {
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen("name = \"居民身份证换领\"", "name = \"居民身份证换领", 1)
    });
    let p = problems(d.path());
    assert_problem(&p, ITEM, "", "TOML 格式错误");
    assert_problem(&p, ITEM, "", "第 2 行");
}

#[test]
fn missing_required_field_is_named() {
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.lines()
            .filter(|l| !l.starts_with("summary ="))
            .collect::<Vec<_>>()
            .join("\n")
    });
    assert_problem(&problems(d.path()), ITEM, "summary", "缺少这个必填字段");
}

#[test]
fn misspelt_field_is_named() {
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen("popularity =", "popularty =", 1)
    });
    assert_problem(&problems(d.path()), ITEM, "popularty", "拼写错误");
}

#[test]
fn disallowed_value_lists_the_allowed_ones() {
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen("necessity = \"必要\"", "necessity = \"必须\"", 1)
    });
    assert_problem(
        &problems(d.path()),
        ITEM,
        "material_group[0].material[0].necessity",
        "必要、非必要、容缺后补",
    );
}

#[test]
fn unknown_department_and_window_are_refused() {
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen("department = \"gongan\"", "department = \"jingcha\"", 1)
            .replacen("windows = [\"A02\"]", "windows = [\"Z99\"]", 1)
    });
    let p = problems(d.path());
    assert_problem(&p, ITEM, "department", "jingcha");
    assert_problem(&p, ITEM, "windows[0]", "Z99");
}

#[test]
fn duplicate_item_id_names_the_first_file() {
    let d = sample_copy();
    fs::copy(d.path().join(ITEM), d.path().join("items/gongan/copy.toml")).unwrap();
    let p = problems(d.path());
    assert!(
        p.0.iter()
            .any(|x| x.field == "id" && x.message.contains("已在") && x.message.contains("用过")),
        "{p}"
    );
}

#[test]
fn fees_must_agree_with_free_and_be_positive_fen() {
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen("free = false", "free = true", 1)
    });
    assert_problem(&problems(d.path()), ITEM, "free", "free = true");

    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen("amount_fen = 2000", "amount_fen = -5", 1)
    });
    assert_problem(&problems(d.path()), ITEM, "fee[0].amount_fen", "大于 0");

    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen("amount_fen = 2000", "amount_fen = 20.5", 1)
    });
    let p = problems(d.path());
    assert_problem(&p, ITEM, "amount_fen", "类型不对");
    // Plain Chinese naming what to write, not serde's "invalid type: floating point".
    assert_problem(&p, ITEM, "amount_fen", "20 元写 2000");
    assert!(!p.to_string().contains("floating point"), "{p}");
}

#[test]
fn promised_limit_longer_than_legal_is_refused() {
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen(
            "promised_limit = { value = 15",
            "promised_limit = { value = 90",
            1,
        )
    });
    assert_problem(
        &problems(d.path()),
        ITEM,
        "promised_limit",
        "不能比法定时限长",
    );
}

#[test]
fn non_utf8_file_asks_for_utf8() {
    let d = sample_copy();
    // "名称" in GBK
    fs::write(
        d.path().join("items/gongan/gbk.toml"),
        b"id = \"x\"\nname = \"\xc3\xfb\xb3\xc6\"\n",
    )
    .unwrap();
    assert_problem(&problems(d.path()), "items/gongan/gbk.toml", "", "UTF-8");
}

#[test]
fn missing_top_level_file_is_named() {
    let d = sample_copy();
    fs::remove_file(d.path().join("departments.toml")).unwrap();
    assert_problem(&problems(d.path()), "departments.toml", "", "缺少这个文件");
}

#[test]
fn stray_file_is_refused() {
    let d = sample_copy();
    fs::copy(d.path().join(ITEM), d.path().join("misplaced.toml")).unwrap();
    assert_problem(&problems(d.path()), "misplaced.toml", "", "items/");
}

#[test]
fn notice_rules_are_checked() {
    let d = sample_copy();
    let notice = fs::read_dir(d.path().join("notices"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let rel = format!("notices/{}", notice.file_name().unwrap().to_string_lossy());
    edit(d.path(), &rel, |t| {
        let mut out = String::new();
        for l in t.lines() {
            if l.starts_with("summary =") {
                out.push_str(&format!("summary = \"{}\"\n", "很长的概述".repeat(30)));
            } else if l.starts_with("scope =") {
                out.push_str("scope = \"439021999999\"\n");
            } else if l.starts_with("published =") {
                out.push_str("published = 2020-01-01\n");
            } else {
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    });
    let p = problems(d.path());
    assert_problem(&p, &rel, "summary", "最多 100 个字");
    assert_problem(&p, &rel, "scope", "439021999999");
    assert_problem(&p, &rel, "written", "不能晚于发布日期");
}

#[test]
fn bad_region_codes_are_refused() {
    let d = sample_copy();
    edit(d.path(), "regions.toml", |t| {
        t.replacen("code = \"439021101201\"", "code = \"439021909201\"", 1)
    });
    assert_problem(
        &problems(d.path()),
        "regions.toml",
        "village[1].code",
        "439021909201",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen("necessity = \"必要\"", "necessity = \"必须\"", 1)
            .replacen("item_type = \"行政确认\"", "item_type = \"行政审批\"", 1)
    });
    fs::write(
        d.path().join("items/gongan/broken.toml"),
        "id = \"broken\"\nname = \n",
    )
    .unwrap();
    let p = problems(d.path());
    assert_problem(&p, ITEM, "material_group[0].material[0].necessity", "必须");
    assert_problem(&p, ITEM, "item_type", "行政审批");
    assert_problem(&p, "items/gongan/broken.toml", "", "TOML");
    assert!(p.to_string().contains("未导入任何内容"));
}

// Issue 13: what a second county written from scratch showed the validator let through or
// refused wrongly.

#[test]
fn invisible_characters_pasted_from_word_are_refused() {
    for (c, name) in [('\u{200B}', "零宽空格"), ('\u{FEFF}', "字节顺序标记")] {
        let d = sample_copy();
        edit(d.path(), ITEM, |t| {
            t.replacen(
                "name = \"居民身份证换领\"",
                &format!("name = \"居民身份证{c}换领\""),
                1,
            )
        });
        let p = problems(d.path());
        assert_problem(
            &p,
            ITEM,
            "name",
            &format!("第 6 个字处有看不见的字符 U+{:04X}", c as u32),
        );
        assert_problem(&p, ITEM, "name", name);
    }
    // A title of nothing but a zero-width space is empty.
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen("name = \"居民身份证换领\"", "name = \"\u{200B}\"", 1)
    });
    assert_problem(&problems(d.path()), ITEM, "name", "不能为空");
}

#[test]
fn malformed_ids_are_refused() {
    for bad in ["gongan--sfz-huanling", "gongan-sfz-huanling-"] {
        let d = sample_copy();
        edit(d.path(), ITEM, |t| {
            t.replacen(
                "id = \"gongan-sfz-huanling\"",
                &format!("id = \"{bad}\""),
                1,
            )
        });
        assert_problem(
            &problems(d.path()),
            ITEM,
            "id",
            "不能在开头、结尾或连写两个",
        );
    }
}

#[test]
fn basic_code_with_chinese_is_refused() {
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen(
            "basic_code = \"000102001000\"",
            "basic_code = \"0001020010号\"",
            1,
        )
    });
    assert_problem(&problems(d.path()), ITEM, "basic_code", "不含汉字");
}

#[test]
fn on_the_spot_item_with_a_multi_day_promise_is_refused() {
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen("handle_type = \"承诺件\"", "handle_type = \"即办件\"", 1)
    });
    assert_problem(
        &problems(d.path()),
        ITEM,
        "handle_type",
        "即办件是当场办结的",
    );
}

#[test]
fn limits_are_compared_across_units() {
    // 5 working days by law, 300 calendar days promised: accepted before, an error now.
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen(
            "legal_limit = { value = 60, unit = \"自然日\" }",
            "legal_limit = { value = 5, unit = \"工作日\" }",
            1,
        )
        .replacen(
            "promised_limit = { value = 15,",
            "promised_limit = { value = 300,",
            1,
        )
    });
    assert_problem(
        &problems(d.path()),
        ITEM,
        "promised_limit",
        "不能比法定时限长",
    );

    // 5 working days promised under a 7-calendar-day law is possible, so accepted.
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replacen(
            "legal_limit = { value = 60, unit = \"自然日\" }",
            "legal_limit = { value = 7, unit = \"自然日\" }",
            1,
        )
        .replacen(
            "promised_limit = { value = 15, unit = \"自然日\" }",
            "promised_limit = { value = 5, unit = \"工作日\" }",
            1,
        )
    });
    load_dir(d.path()).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn two_overrides_for_one_region_are_refused() {
    let file = "items/canlian/canlian-liangxiang-butie.toml";
    let d = sample_copy();
    edit(d.path(), file, |t| {
        t + "\n[[village.override]]\nregion = \"439021001001\"\nmode = \"告知\"\n"
    });
    let p = problems(d.path());
    let field =
        p.0.iter()
            .find(|x| x.file == file && x.message.contains("同一个村或乡镇只能写一条"))
            .map(|x| x.field.clone())
            .unwrap_or_else(|| panic!("no duplicate-override problem:\n{p}"));
    assert!(field.starts_with("village.override["), "{field}");
}

#[test]
fn publication_date_far_in_the_future_is_refused() {
    let file = "notices/n2026-0010.toml";
    let ahead = (chrono::Local::now().date_naive() + chrono::Days::new(400)).to_string();
    let d = sample_copy();
    edit(d.path(), file, |t| {
        t.replacen("published = 2026-11-04", &format!("published = {ahead}"), 1)
    });
    assert_problem(&problems(d.path()), file, "published", "请核对年份");
}

#[test]
fn town_level_units_coded_400_to_599_are_accepted() {
    // 国有林场, 农场, 开发区 have town-level codes 400–599 in the statistical division.
    let d = sample_copy();
    edit(d.path(), "regions.toml", |t| {
        t + "\n[[town]]\ncode = \"439021401000\"\nname = \"青禾县国有林场\"\n\
             service_room = \"林场场部服务室\"\nphone = \"0739-6850001\"\n"
    });
    let c = load_dir(d.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.regions.town.iter().any(|t| t.code == "439021401000"));

    let d = sample_copy();
    edit(d.path(), "regions.toml", |t| {
        t + "\n[[town]]\ncode = \"439021601000\"\nname = \"不存在\"\n\
             service_room = \"无\"\nphone = \"0739-6850001\"\n"
    });
    assert!(problems(d.path()).to_string().contains("001–599"));
}

#[test]
fn characters_no_kiosk_font_draws_are_a_warning_naming_file_field_and_character() {
    let d = sample_copy();
    // A private-use character (a "character" made in a font-making tool): in no font at all.
    edit(d.path(), ITEM, |t| {
        t.replacen("summary = \"", "summary = \"\u{E123}", 1)
    });
    assert!(load_dir(d.path()).is_ok(), "a warning, not an error");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_banshi"))
        .arg("validate")
        .arg(d.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(ITEM) && text.contains("summary") && text.contains("U+E123"),
        "{text}"
    );
    // The untouched sample warns of nothing.
    let clean = std::process::Command::new(env!("CARGO_BIN_EXE_banshi"))
        .arg("validate")
        .arg(sample_dir())
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&clean.stdout).contains("提醒"));
}

/// What a second county written from scratch must be able to say: an item that cannot be done
/// online, handled at the township office instead of a hall window, with no statutory time
/// limit and a promise in hours; and what stays wrong.
#[test]
fn offline_items_places_hours_months_and_no_statutory_limit_are_accepted() {
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replace(
            "legal_limit = { value = 60, unit = \"自然日\" }",
            "legal_limit = \"无\"",
        )
        .replace(
            "promised_limit = { value = 15, unit = \"自然日\" }",
            "promised_limit = { value = 48, unit = \"小时\" }",
        )
        .replace(
            "online_url = \"https://zwfw.qinghe.example.gov.cn/item/gongan-sfz-huanling\"",
            "online_url = \"\"",
        )
        .replace(
            "windows = [\"A02\"]",
            "windows = []\nplace = \"各乡镇（街道）便民服务中心\"",
        )
    });
    let content = load_dir(d.path()).unwrap_or_else(|p| panic!("refused:\n{p}"));
    let item = content
        .items
        .iter()
        .find(|i| i.id == "gongan-sfz-huanling")
        .unwrap();
    assert!(item.legal_limit.is_none());
    assert_eq!(banshi::format::limit(48, "小时"), "48小时");
    assert_eq!(banshi::format::limit(0, "无"), "法律未规定时限");
    // The kiosk shows it: no online QR code, the place instead of a window.
    let store = banshi::store::Store::in_memory(&content).unwrap();
    let scope = store.scope(None).unwrap();
    let g = store.guide(&scope, "gongan-sfz-huanling").unwrap().unwrap();
    assert_eq!(g.legal_limit, "法律未规定时限");
    assert_eq!(g.promised_limit, "48小时");
    assert!(g.online_url.is_empty() && g.windows.is_empty());
    assert!(g.place.contains("各乡镇"), "{}", g.place);

    // Months compare with days: a 1-month promise under a 20-working-day law is fine, a
    // 2-month one is not; 300 days against a 5-working-day law is refused.
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replace(
            "legal_limit = { value = 60, unit = \"自然日\" }",
            "legal_limit = { value = 5, unit = \"工作日\" }",
        )
        .replace(
            "promised_limit = { value = 15, unit = \"自然日\" }",
            "promised_limit = { value = 2, unit = \"月\" }",
        )
    });
    assert_problem(
        &problems(d.path()),
        ITEM,
        "promised_limit",
        "不能比法定时限长",
    );

    // Still wrong: a promise of "无", 全程网办 with no online address, neither window nor place.
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replace(
            "promised_limit = { value = 15, unit = \"自然日\" }",
            "promised_limit = \"无\"",
        )
        .replace("visits = 1", "visits = 0")
        .replace(
            "online_url = \"https://zwfw.qinghe.example.gov.cn/item/gongan-sfz-huanling\"",
            "online_url = \"\"",
        )
        .replace("windows = [\"A02\"]", "windows = []")
    });
    let p = problems(d.path());
    assert_problem(&p, ITEM, "promised_limit", "只有法定时限可以写“无”");
    assert_problem(&p, ITEM, "visits", "没有网上办理地址");
    assert_problem(&p, ITEM, "windows", "place");

    // A limit written as other text is named with what to write.
    let d = sample_copy();
    edit(d.path(), ITEM, |t| {
        t.replace(
            "legal_limit = { value = 60, unit = \"自然日\" }",
            "legal_limit = \"六十天\"",
        )
    });
    let p = problems(d.path());
    assert!(p.to_string().contains("法律没有规定时限时写"), "{p}");
}

#[test]
fn empty_names_are_refused_in_every_file() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("county.toml", "name = \"青禾县\"", "name = \"\"", "name"),
        (
            "regions.toml",
            "name = \"城关街道\"",
            "name = \" \"",
            "town[0].name",
        ),
        (
            "departments.toml",
            "name = \"青禾县公安局\"",
            "name = \"\"",
            "department[0].name",
        ),
        (
            "windows.toml",
            "name = \"户籍业务\"",
            "name = \"\"",
            "window[0].name",
        ),
        (
            "categories.toml",
            "name = \"生育出生\"",
            "name = \"\"",
            "life_event[0].name",
        ),
        (
            "categories.toml",
            "name = \"通知公告\"",
            "name = \"　\"",
            "notice_category[0].name",
        ),
        (ITEM, "name = \"居民身份证换领\"", "name = \"\"", "name"),
        (
            ITEM,
            "name = \"居民身份证工本费\"",
            "name = \"\"",
            "fee[0].name",
        ),
    ];
    for (file, from, to, field) in cases {
        let d = sample_copy();
        edit(d.path(), file, |t| {
            assert!(t.contains(from), "{from} not in {file}");
            t.replacen(from, to, 1)
        });
        assert_problem(&problems(d.path()), file, field, "不能为空");
    }
}

#[test]
fn a_life_event_icon_is_one_or_two_characters_and_never_an_emoji() {
    let with_icon = |icon: &str| {
        let d = sample_copy();
        edit(d.path(), "categories.toml", |t| {
            t.replacen(
                "name = \"生育出生\"",
                &format!("name = \"生育出生\"\nicon = \"{icon}\""),
                1,
            )
        });
        d
    };
    assert!(
        banshi::source::load_dir(with_icon("婴").path()).is_ok(),
        "one character is an icon"
    );
    let p = problems(with_icon("👶").path());
    assert_problem(&p, "categories.toml", "life_event[0].icon", "表情符号");
    assert_problem(&p, "categories.toml", "life_event[0].icon", "icon = \"婴\"");
    let p = problems(with_icon("生育出生").path());
    assert_problem(&p, "categories.toml", "life_event[0].icon", "一到两个字");
}

/// `ratings.toml`: the sample county's set loads; a broken one is refused field by field with
/// what to do; the file is optional.
#[test]
fn the_rating_set_is_checked_and_optional() {
    let c = load_dir(&sample_dir()).unwrap();
    let set = c
        .ratings
        .expect("the sample county publishes its 好差评 set");
    assert_eq!(set.version, "青禾县-2026-1");
    assert_eq!(set.levels, banshi::model::RatingSet::LEVELS);
    assert!(set.reasons.iter().any(|r| r == "指南和实际要求不一样"));

    let dir = sample_copy();
    edit(dir.path(), "ratings.toml", |t| {
        t.replace(
            "version = \"青禾县-2026-1\"",
            "version = \" \"\nlevels = [\"满意\", \"不满意\"]",
        )
        .replace(
            "\"等太久\",",
            "\"等太久\", \"等太久\", \"窗口工作人员在办理过程中态度很不好\",",
        )
    });
    let p = problems(dir.path());
    assert_problem(&p, "ratings.toml", "version", "不能为空");
    assert_problem(&p, "ratings.toml", "levels", "全国统一的，不能增减或改名");
    assert_problem(&p, "ratings.toml", "reasons[4]", "写了两次");
    assert_problem(&p, "ratings.toml", "reasons[5]", "太长");

    edit(dir.path(), "ratings.toml", |_| {
        "version = \"x\"\nreasons = []\nreason = 1\n".into()
    });
    let p = problems(dir.path());
    assert_problem(&p, "ratings.toml", "reason", "拼写错误");

    edit(dir.path(), "ratings.toml", |_| {
        "version = \"x\"\nreasons = []\n".into()
    });
    assert_problem(
        &problems(dir.path()),
        "ratings.toml",
        "reasons",
        "至少写一个原因",
    );

    fs::remove_file(dir.path().join("ratings.toml")).unwrap();
    let c = load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.ratings, None, "optional");
}

/// The set travels with the content: into content.db by the import (and out as the kiosk's
/// set), through pack/unpack (sync), and without it the kiosk uses the built-in set.
#[test]
fn the_rating_set_reaches_the_store_and_survives_packing() {
    use banshi::model::RatingSet;
    use banshi::store::Store;
    let sample = banshi::sample::sample();
    let store = Store::in_memory(&sample).unwrap();
    assert_eq!(store.rating_set().unwrap().version, "青禾县-2026-1");

    let packed = banshi::pack::pack(&sample);
    let back =
        banshi::pack::unpack(&packed.manifest, |r| Ok(packed.objects[&r.hash].clone())).unwrap();
    assert_eq!(back.ratings, sample.ratings);

    // A county without the file: the base object is what it was before the file existed (no
    // `ratings` key), and the kiosk falls back to the built-in set.
    let mut without = sample.clone();
    without.ratings = None;
    let packed = banshi::pack::pack(&without);
    let base = &packed.objects[&packed.manifest.base.hash];
    let base = banshi::pack::parse_base(base).unwrap();
    assert_eq!(base.ratings, None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("content.db");
    Store::create(&path, &sample).unwrap();
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.rating_set().unwrap().version, "青禾县-2026-1");
    store.replace_content(&without).unwrap();
    assert_eq!(store.rating_set().unwrap(), RatingSet::builtin());
}
