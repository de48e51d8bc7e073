//! The `banshi` command as technicians and county staff use it: real processes, real files.

use std::path::Path;
use std::process::Command;

mod common;
use common::sample_copy;
use common::{banshi, text};

fn sample() -> String {
    common::sample_dir().display().to_string()
}

#[test]
fn validate_accepts_the_sample_and_names_problems_in_a_broken_folder() {
    let ok = banshi(&["validate", &sample()]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("内容检查通过"));

    let dir = sample_copy();
    let item = dir.path().join("items/gongan/gongan-sfz-huanling.toml");
    let t = std::fs::read_to_string(&item)
        .unwrap()
        .replace("form = \"原件\"", "form = \"扫描件\"");
    std::fs::write(&item, t).unwrap();
    let bad = banshi(&["validate", &dir.path().display().to_string()]);
    assert!(!bad.status.success());
    let msg = text(&bad);
    assert!(
        msg.contains("items/gongan/gongan-sfz-huanling.toml"),
        "{msg}"
    );
    assert!(msg.contains("material_group[0].material[0].form"), "{msg}");
    assert!(msg.contains("扫描件"), "{msg}");

    // --json for scripts: the same problem as data, and the same exit code.
    let bad = banshi(&["validate", "--json", &dir.path().display().to_string()]);
    assert!(!bad.status.success());
    let v: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let p = &v["problems"][0];
    assert_eq!(p["file"], "items/gongan/gongan-sfz-huanling.toml");
    assert_eq!(p["field"], "material_group[0].material[0].form");
    assert!(p["message"].as_str().unwrap().contains("扫描件"));
    let ok = banshi(&["validate", "--json", &sample()]);
    assert!(ok.status.success(), "{}", text(&ok));
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert!(v["summary"]["items"].as_u64().unwrap() > 10);
    assert!(v["problems"].as_array().unwrap().is_empty());
}

#[test]
fn status_reports_the_content_in_use() {
    let data = tempfile::tempdir().unwrap();
    let o = banshi(&[
        "status",
        "--json",
        "--data-dir",
        &data.path().display().to_string(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["content_version"], 1);
    assert!(v["items"].as_i64().unwrap() >= 60);
    assert!(v["notices"].as_i64().unwrap() >= 20);
    assert!(v["departments"].as_i64().unwrap() >= 8);
    assert!(v["regions"].as_i64().unwrap() >= 10);
}

#[test]
fn import_of_a_broken_folder_changes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let data_arg = data.path().display().to_string();
    assert!(banshi(&["status", "--data-dir", &data_arg])
        .status
        .success());
    let db = data.path().join("content.db");
    let before = std::fs::read(&db).unwrap();

    let src = sample_copy();
    std::fs::write(
        src.path().join("county.toml"),
        "name = \"青禾县\"\ncontent_version = 2\n",
    )
    .unwrap();
    let o = banshi(&[
        "import",
        &src.path().display().to_string(),
        "--data-dir",
        &data_arg,
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("county.toml"), "{}", text(&o));
    assert_eq!(
        before,
        std::fs::read(&db).unwrap(),
        "the kiosk's content is untouched"
    );

    // A good folder with a new version is imported whole.
    let county = std::fs::read_to_string(Path::new(&sample()).join("county.toml")).unwrap();
    std::fs::write(
        src.path().join("county.toml"),
        county.replace("content_version = 1", "content_version = 2"),
    )
    .unwrap();
    let o = banshi(&[
        "import",
        &src.path().display().to_string(),
        "--data-dir",
        &data_arg,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = banshi(&["status", "--json", "--data-dir", &data_arg]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["content_version"], 2);
}

#[test]
fn screenshot_renders_real_pixels_at_the_asked_size() {
    let out = tempfile::tempdir().unwrap();
    let png = out.path().join("guide.png");
    let o = banshi(&[
        "screenshot",
        "--content",
        &sample(),
        "--page",
        "guide:gongan-sfz-huanling",
        "--size",
        "1080x1920",
        "--large-text",
        "--out",
        &png.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let img = image::open(&png).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1080, 1920));
    // The header is the brand blue, the page is light, and text drew dark pixels.
    let header = img.get_pixel(540, 10);
    assert!(header[2] > header[0] + 60, "header colour {header:?}");
    let dark = img
        .pixels()
        .filter(|p| p[0] < 60 && p[1] < 60 && p[2] < 60)
        .count();
    assert!(dark > 20_000, "too little text drawn: {dark} dark pixels");
}

/// Chinese must render from the embedded font on a machine with no fonts at all: render the same
/// screen with fontconfig seeing no font directory and compare with a normal render.
#[test]
fn chinese_renders_with_no_system_fonts() {
    let out = tempfile::tempdir().unwrap();
    let conf = out.path().join("fonts.conf");
    std::fs::write(&conf, "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig></fontconfig>\n").unwrap();
    let render = |png: &Path, no_fonts: bool| {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_banshi"));
        cmd.args([
            "screenshot",
            "--content",
            &sample(),
            "--page",
            "category:birth",
            "--out",
        ])
        .arg(png);
        cmd.env("HOME", home.path())
            .env_remove("XDG_DATA_HOME")
            .env_remove("BANSHI_CONFIG");
        if no_fonts {
            cmd.env("FONTCONFIG_FILE", &conf)
                .env_remove("BANSHI_SYSTEM_FONTCONFIG");
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", text(&o));
        image::open(png).unwrap().to_rgb8()
    };
    let normal = render(&out.path().join("normal.png"), false);
    let bare = render(&out.path().join("bare.png"), true);
    let dark = bare
        .pixels()
        .filter(|p| p[0] < 60 && p[1] < 60 && p[2] < 60)
        .count();
    assert!(
        dark > 10_000,
        "no text drawn without system fonts: {dark} dark pixels"
    );
    let differing = normal
        .pixels()
        .zip(bare.pixels())
        .filter(|(a, b)| a != b)
        .count();
    let share = differing as f64 / (normal.width() * normal.height()) as f64;
    assert!(
        share < 0.01,
        "{:.1}% of pixels differ without system fonts (missing glyphs?)",
        share * 100.0
    );
}

#[test]
fn search_prints_ranked_json() {
    let o = banshi(&[
        "search",
        "sfz",
        "--limit",
        "3",
        "--json",
        "--content",
        &sample(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let hits = v.as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3);
    assert_eq!(hits[0]["kind"], "guide");
    assert!(hits[0]["title"].as_str().unwrap().contains("身份证"));
    let scores: Vec<i64> = hits.iter().map(|h| h["score"].as_i64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(hits.iter().all(|h| h["id"].is_string()));

    let o = banshi(&["search", "青政办发", "--json", "--content", &sample()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.as_array().unwrap().iter().any(|h| h["kind"] == "notice"));
}

#[test]
fn report_searches_lists_what_was_not_found() {
    let data = tempfile::tempdir().unwrap();
    let log = banshi::search::log::SearchLog::open(data.path()).unwrap();
    log.record("yiliaoka").unwrap();
    log.record("yiliaoka").unwrap();
    log.record("sfzq").unwrap();
    log.record_step("hukoubne", Some(banshi::search::index::Step::Slip))
        .unwrap();
    drop(log);
    let o = banshi(&[
        "report",
        "searches",
        "--json",
        "--data-dir",
        &data.path().display().to_string(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["query"], "yiliaoka");
    assert_eq!(v[0]["count"], 2);
    let rows = v.as_array().unwrap();
    let row = |q: &str| rows.iter().find(|r| r["query"] == q).unwrap();
    assert_eq!(row("sfzq")["step"], serde_json::Value::Null);
    assert_eq!(row("hukoubne")["step"], "slip");
    assert_eq!(rows.len(), 3);
    let o = banshi(&[
        "report",
        "searches",
        "--data-dir",
        &data.path().display().to_string(),
    ]);
    assert!(text(&o).contains("yiliaoka"));
    // Which forgiving step found a result is shown, apart from what found nothing.
    assert!(
        text(&o).contains("hukoubne  （拼音错一个字母"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("经纠错才找到"), "{}", text(&o));
}

#[test]
fn screenshot_of_an_unknown_page_says_what_exists() {
    let out = tempfile::tempdir().unwrap();
    let png = out.path().join("x.png").display().to_string();
    let o = banshi(&[
        "screenshot",
        "--content",
        &sample(),
        "--page",
        "guide:no-such-item",
        "--out",
        &png,
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("打不开"), "{}", text(&o));
    let o = banshi(&[
        "screenshot",
        "--content",
        &sample(),
        "--page",
        "weather",
        "--out",
        &png,
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("可用"), "{}", text(&o));
}

#[test]
fn a_wrong_config_is_reported_before_anything_starts() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("kiosk.toml");
    std::fs::write(&cfg, "region = \"439021101201\"\nidle_timout_secs = 60\n").unwrap();
    // With a display the kiosk would show the setup screen (tested in ui_flow); without one it
    // says the same on standard error and exits.
    let headless = |args: &[&str]| {
        let home = tempfile::tempdir().unwrap();
        Command::new(env!("CARGO_BIN_EXE_banshi"))
            .args(args)
            .env_remove("BANSHI_CONFIG")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("HOME", home.path())
            .output()
            .unwrap()
    };
    let o = headless(&["kiosk", "--config", &cfg.display().to_string()]);
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(
        msg.contains("idle_timout_secs") && msg.contains("kiosk.toml"),
        "{msg}"
    );

    let o = headless(&[
        "kiosk",
        "--config",
        &dir.path().join("missing.toml").display().to_string(),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("无法读取配置文件"), "{}", text(&o));
}

/// County staff make keys and publish; `banshi serve` serves the repository; a kiosk syncs and
/// reports; with the server gone the sync says offline and exits 1.
#[test]
fn keygen_publish_serve_sync_status_with_the_real_binary() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    let (keys, repo, data) = (p("keys"), p("repo"), p("data"));
    let o = banshi(&["keygen", "--out", &keys]);
    assert!(o.status.success(), "{}", text(&o));
    let again = banshi(&["keygen", "--out", &keys]);
    assert!(
        !again.status.success() && text(&again).contains("--force"),
        "{}",
        text(&again)
    );
    let o = banshi(&[
        "publish",
        "--source",
        &sample(),
        "--keys",
        &keys,
        "--out",
        &repo,
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let published: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(published["version"], 1);

    let mut server = Command::new(env!("CARGO_BIN_EXE_banshi"))
        .args(["serve", "--repo", &repo, "--listen", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("serve prints its address")
        .to_string();

    let trust = format!("{keys}/root.json");
    let sync = |url: &str| {
        banshi(&[
            "sync",
            "--server",
            url,
            "--trust",
            &trust,
            "--data-dir",
            &data,
            "--json",
            "--connect-timeout",
            "2",
        ])
    };
    let o = sync(&url);
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["status"], "updated");
    assert_eq!(r["version"], 1);
    assert!(r["bytes_downloaded"].as_u64().unwrap() > 100_000);
    assert!(r["error"].is_null());

    let o = banshi(&["status", "--data-dir", &data, "--json"]);
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["last_sync_status"], "updated");
    assert_eq!(s["content_digest"], published["digest"]);
    assert!(
        s["last_sync"].is_string() && s["expires"].is_string(),
        "{s}"
    );

    server.kill().unwrap();
    server.wait().unwrap();
    let o = sync(&url);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["status"], "offline");
    assert!(r["error"].as_str().unwrap().contains("连不上"), "{r}");
    let s: serde_json::Value =
        serde_json::from_slice(&banshi(&["status", "--data-dir", &data, "--json"]).stdout).unwrap();
    assert_eq!(s["last_sync_status"], "offline");
    assert_eq!(s["content_digest"], published["digest"], "content kept");

    // A new kiosk with no trust anchor: a clear message (a kiosk that synced before keeps
    // trusting the root it stored).
    let fresh = p("fresh");
    let o = banshi(&["sync", "--server", &url, "--data-dir", &fresh, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("root.json"), "{}", text(&o));
}

/// `banshi doctor` on a working kiosk (all pass, exit 0) and on broken ones (each failure has
/// a hint, exit 1).
#[test]
fn doctor_passes_a_good_kiosk_and_explains_a_broken_one() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    let (keys, repo, data) = (p("keys"), p("repo"), p("data"));
    assert!(banshi(&["keygen", "--out", &keys]).status.success());
    assert!(banshi(&[
        "publish",
        "--source",
        &sample(),
        "--keys",
        &keys,
        "--out",
        &repo
    ])
    .status
    .success());
    let good = p("good.toml");
    std::fs::write(
        &good,
        format!("server = \"{repo}\"\ntrust_root = \"{keys}/root.json\"\ndata_dir = \"{data}\"\n"),
    )
    .unwrap();
    assert!(banshi(&["sync", "--config", &good, "--json"])
        .status
        .success());
    let o = banshi(&["doctor", "--config", &good, "--json"]);
    let checks: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    for n in [
        "配置文件",
        "数据目录",
        "磁盘空间",
        "内容数据库",
        "信任根",
        "服务器连通",
        "上次同步",
        "内容有效期",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    assert!(checks.iter().all(|c| c["ok"] == true), "{checks:?}");

    // Server unreachable, trust root missing, never synced.
    let bad = p("bad.toml");
    std::fs::write(
        &bad,
        format!(
            "server = \"http://127.0.0.1:9/\"\ntrust_root = \"{}\"\ndata_dir = \"{}\"\n",
            p("none.json"),
            p("empty")
        ),
    )
    .unwrap();
    let o = banshi(&["doctor", "--config", &bad]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    for failed in ["[失败] 内容数据库", "[失败] 信任根", "[失败] 服务器连通"] {
        assert!(out.contains(failed), "{failed} in\n{out}");
    }
    assert!(
        out.matches("处理：").count() >= 3,
        "every failure has a hint:\n{out}"
    );

    // Freshly installed, never started, no server: nothing has failed yet.
    let new = p("new.toml");
    std::fs::write(&new, format!("data_dir = \"{}\"\n", p("fresh"))).unwrap();
    let o = banshi(&["doctor", "--config", &new]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("尚未建立"), "{}", text(&o));

    // A config file with a misspelt key.
    let typo = p("typo.toml");
    std::fs::write(&typo, "servr = \"x\"\n").unwrap();
    let o = banshi(&["doctor", "--config", &typo]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("servr"), "{}", text(&o));
}

#[test]
fn touch_rotation_writes_the_matrix_rule_and_removes_it_for_zero() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.d");
    let rule = rules.join("91-banshi-touch-rotation.rules");
    let config = dir.path().join("kiosk.toml");
    let run = |rotation: &str| {
        std::fs::write(&config, format!("rotation = {rotation}\n")).unwrap();
        banshi(&[
            "touch-rotation",
            "--config",
            &config.display().to_string(),
            "--rules-dir",
            &rules.display().to_string(),
            "--no-trigger",
        ])
    };

    let o = run("270");
    assert!(o.status.success(), "{}", text(&o));
    let written = std::fs::read_to_string(&rule).unwrap();
    assert!(
        written.contains("ENV{ID_INPUT_TOUCHSCREEN}==\"1\""),
        "{written}"
    );
    assert!(
        written.contains("LIBINPUT_CALIBRATION_MATRIX}=\"0 -1 1 1 0 0\""),
        "{written}"
    );

    let o = run("0");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !rule.exists(),
        "rotation 0 needs no rule: the old one is removed"
    );

    let o = run("45");
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(
        msg.contains("rotation = 45") && msg.contains("0、90、180 或 270"),
        "{msg}"
    );
    assert!(
        msg.contains(&config.display().to_string()),
        "names the file: {msg}"
    );
}
