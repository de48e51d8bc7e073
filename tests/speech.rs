//! `banshi speak`: the audio the 朗读 button would play, written to WAV (no sound card needed):
//! espeak-ng's Mandarin voice and a county's own command voice from `kiosk.toml`; the audio is
//! not silent and grows with the text; `doctor` says whether the kiosk can read aloud.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use banshi::speech::wav::Wav;

fn banshi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_banshi"))
        .args(args)
        .env("BANSHI_CONFIG", "/nonexistent/kiosk.toml")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn espeak_installed() -> bool {
    let found = Command::new("espeak-ng").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "espeak-ng must be installed in CI (packaging/dev/setup.sh)"
        );
        eprintln!("espeak-ng is not installed: skipped (install espeak-ng)");
    }
    found
}

/// Writes `banshi speak ARGS --out FILE` and reads the WAV back.
fn speak(dir: &Path, name: &str, args: &[&str]) -> Wav {
    let out = dir.join(format!("{name}.wav"));
    let data = dir.join("data").display().to_string();
    let mut all = args.to_vec();
    let out_s = out.display().to_string();
    all.extend(["--out", &out_s, "--data-dir", &data]);
    let o = banshi(&[&["speak"], &all[..]].concat());
    assert!(o.status.success(), "{}", text(&o));
    Wav::parse(&std::fs::read(&out).unwrap()).unwrap()
}

fn ids(sql: &str) -> Vec<String> {
    let store = banshi::store::Store::in_memory(&banshi::sample::sample()).unwrap();
    let mut stmt = store.conn().prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn espeak_reads_guides_and_notices_into_wav_longer_for_longer_text() {
    if !espeak_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // The guides with the least and the most to read.
    let store = banshi::store::Store::in_memory(&banshi::sample::sample()).unwrap();
    let scope = store.scope(None).unwrap();
    let mut guides: Vec<(usize, String)> = ids("SELECT id FROM item")
        .into_iter()
        .map(|id| {
            let g = store.guide(&scope, &id).unwrap().unwrap();
            let chars = banshi::kiosk::read_aloud::guide_segments(&g)
                .iter()
                .map(|s| s.text.chars().count())
                .sum();
            (chars, id)
        })
        .collect();
    guides.sort();
    let (short, long) = (&guides[0].1, &guides[guides.len() - 1].1);
    let a = speak(dir.path(), "short", &["--guide", short]);
    let b = speak(dir.path(), "long", &["--guide", long]);
    for w in [&a, &b] {
        assert_eq!(w.channels, 1);
        assert!(w.rate >= 16000, "{}", w.rate);
        assert!(w.rms() > 300.0, "not silent: rms {}", w.rms());
    }
    assert!(
        b.duration() > a.duration(),
        "{long}: {:?} vs {short}: {:?}",
        b.duration(),
        a.duration()
    );
    let one = speak(dir.path(), "one", &["--text", "请带身份证"]);
    let two = speak(
        dir.path(),
        "two",
        &["--text", "请带身份证。请带身份证。请带身份证。"],
    );
    assert!(
        two.duration() > one.duration() * 2,
        "{:?} {:?}",
        two.duration(),
        one.duration()
    );
    let notice = &ids("SELECT id FROM notice ORDER BY length(body) DESC")[0];
    let n = speak(dir.path(), "notice", &["--notice", notice]);
    assert!(n.rms() > 300.0 && n.duration().as_secs() > 5);

    // Volume from kiosk.toml: half the volume, half the loudness.
    let config = dir.path().join("quiet.toml");
    std::fs::write(&config, "[speech]\nvolume = 40\n").unwrap();
    let c = config.display().to_string();
    let loud = speak(dir.path(), "loud", &["--text", "咨询电话12345"]);
    let quiet = speak(
        dir.path(),
        "quiet",
        &["--text", "咨询电话12345", "--config", &c],
    );
    let ratio = quiet.rms() / loud.rms();
    assert!((0.45..0.55).contains(&ratio), "{ratio}");
}

#[test]
fn speak_shows_each_part_as_shown_and_as_said() {
    let dir = tempfile::tempdir().unwrap();
    let (template, model) = common::voice::install(dir.path());
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[speech]\nengine = \"command\"\ncommand = \"{template}\"\nmodel = \"{}\"\n",
            model.display()
        ),
    )
    .unwrap();
    let c = config.display().to_string();
    let data = dir.path().join("data").display().to_string();
    let out = dir.path().join("g.wav").display().to_string();
    let guide = &ids("SELECT id FROM item ORDER BY id")[0];
    let o = banshi(&[
        "speak",
        "--guide",
        guide,
        "--show",
        "--config",
        &c,
        "--data-dir",
        &data,
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let shown = text(&o);
    assert!(shown.starts_with("[0] "), "{shown}");
    assert!(
        shown.contains("→ 咨询电话：") && shown.contains("投诉电话：幺二三四五"),
        "{shown}"
    );
    assert!(
        !shown
            .lines()
            .filter(|l| l.trim_start().starts_with('→'))
            .any(|l| l.chars().any(|c| c.is_ascii_digit())),
        "digits left for the voice:\n{shown}"
    );
    // The county's voice made the audio (8000 Hz), at 80 % volume, with pauses between parts.
    let wav = Wav::parse(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(wav.rate, 8000);
    assert!(wav.rms() > 1000.0, "{}", wav.rms());
    assert!(wav
        .samples
        .iter()
        .all(|&s| s == 0 || s == (0x1010 as f64 * 0.8).round() as i16));

    // A model that is not there: named, nothing written.
    std::fs::write(
        &config,
        format!("[speech]\nengine = \"command\"\ncommand = \"{template}\"\nmodel = \"/nonexistent/voice.onnx\"\n"),
    )
    .unwrap();
    let o = banshi(&["speak", "--text", "你好", "--config", &c, "--out", &out]);
    assert!(!o.status.success());
    assert!(text(&o).contains("/nonexistent/voice.onnx"), "{}", text(&o));
    let o = banshi(&["doctor", "--config", &c]);
    assert!(text(&o).contains("[失败] 朗读"), "{}", text(&o));
}

#[test]
fn doctor_says_why_there_is_no_button() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    let data = dir.path().join("data");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[speech]\nenabled = false\n",
            data.display()
        ),
    )
    .unwrap();
    let o = banshi(&["doctor", "--config", &config.display().to_string()]);
    assert!(text(&o).contains("[通过] 朗读：已关闭"), "{}", text(&o));
    std::fs::write(&config, format!("data_dir = \"{}\"\n", data.display())).unwrap();
    let o = banshi(&["doctor", "--config", &config.display().to_string()]);
    let out = text(&o);
    let line = out
        .lines()
        .find(|l| l.contains("朗读"))
        .expect("a 朗读 line");
    if !Path::new("/proc/asound/cards").exists() {
        // No sound card (CI): not a failure, but said.
        assert!(
            line.contains("[通过]") && line.contains("没有声卡") && line.contains("不显示朗读按钮"),
            "{line}"
        );
    }
}
