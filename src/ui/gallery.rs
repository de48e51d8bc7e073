//! `banshi screenshot`: one screen, or the gallery (every page, both orientations, both text
//! sizes), drawn by the headless renderer. It drives the kiosk only as a resident or technician
//! would — routes, taps on the technician's globals, the PIN typed on the pad — with a fixed
//! clock, and a PIN set for the occasion: `GALLERY_PIN`, whose hash replaces the configured one.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use slint::ComponentHandle;

use super::headless::Screen;
use super::{Feedback, GuidePage, KioskUi, SearchPage, Tech};
use crate::config::Config;
use crate::kiosk::nav::Route;
use crate::kiosk::status::{self, SyncState};
use crate::store::Store;

/// The technician PIN the gallery types (its hash is set in the gallery's config).
pub const GALLERY_PIN: &str = "2468";
/// The gallery's sizes and text sizes: (file name part, size), (file name part, large text).
pub const ORIENTATIONS: [(&str, (u32, u32)); 2] =
    [("landscape", (1920, 1080)), ("portrait", (1080, 1920))];
pub const TEXT_SIZES: [(&str, bool); 2] = [("normal", false), ("large", true)];
/// A county whose names are long: the header must wrap them and keep the clock whole.
pub const LONG_NAMES: &str = "long-names";

/// What to draw.
pub struct Request {
    /// A page name (see `banshi screenshot --help`), ignored for a gallery.
    pub page: String,
    pub size: (u32, u32),
    pub large_text: bool,
    pub out: PathBuf,
    /// Draw the whole gallery into this folder instead.
    pub gallery: Option<PathBuf>,
}

/// Draws `request` for the kiosk with `store` and `config`.
pub fn run(
    store: Store,
    mut config: Config,
    config_path: Option<PathBuf>,
    request: Request,
) -> anyhow::Result<()> {
    config.large_text = request.large_text;
    config.technician_pin_hash = Some(crate::pin::hash(GALLERY_PIN));
    // The gallery shows every button a kiosk can have: a receipt printer is assumed when none
    // is configured (the gallery presses 打印告知单 only up to the situation question, so
    // nothing is ever sent to it).
    if config.printer.is_none() {
        config.printer = Some(PathBuf::from("/dev/usb/lp0"));
    }
    let mut screen = Screen::install(request.size.0, request.size.1)?;
    // Ratings and suggestions the gallery submits go here, never into a kiosk's outbox.
    let outbox = tempfile::tempdir()?;
    let Some(dir) = &request.gallery else {
        let store = if request.page == LONG_NAMES {
            long_names_store()?
        } else {
            store
        };
        let config = if request.page == LONG_NAMES {
            long_names_config(config)
        } else {
            config
        };
        let ui = start(store, config, config_path)?;
        ui.redirect_outbox(outbox.path().to_path_buf());
        let page = if request.page == LONG_NAMES {
            "home"
        } else {
            &request.page
        };
        return shoot(
            &ui,
            &mut screen,
            page,
            request.size,
            request.large_text,
            &request.out,
        );
    };
    std::fs::create_dir_all(dir)?;
    {
        let ui = start(store, config.clone(), config_path.clone())?;
        ui.redirect_outbox(outbox.path().to_path_buf());
        for (name, page) in crate::bench::gallery_pages(&ui) {
            shoot_variants(&ui, &mut screen, &name, &page, dir)?;
        }
    }
    // A second kiosk, the first one gone: the headless screen draws the newest window.
    let ui = start(long_names_store()?, long_names_config(config), config_path)?;
    ui.redirect_outbox(outbox.path().to_path_buf());
    shoot_variants(&ui, &mut screen, LONG_NAMES, "home", dir)
}

fn start(store: Store, config: Config, config_path: Option<PathBuf>) -> anyhow::Result<KioskUi> {
    let speech = crate::speech::Speech::for_rendering(&config.speech);
    let ui = KioskUi::new(store, config)?;
    // Drawn as on a kiosk with sound: the 朗读 button shows (this machine may have no sound card).
    ui.set_speech(speech);
    ui.set_config_path(config_path);
    ui.freeze_clock("09:30", "2026年11月23日 星期一");
    ui.window.show()?;
    Ok(ui)
}

fn shoot_variants(
    ui: &KioskUi,
    screen: &mut Screen,
    name: &str,
    page: &str,
    dir: &Path,
) -> anyhow::Result<()> {
    for (orient, size) in ORIENTATIONS {
        for (text, large) in TEXT_SIZES {
            let out = dir.join(format!("{name}-{orient}-{text}.png"));
            shoot(ui, screen, page, size, large, &out)?;
            println!("{}", out.display());
        }
    }
    Ok(())
}

/// The sample county with long names: a 20-character hall and a 35-character address.
pub fn long_names_store() -> anyhow::Result<Store> {
    let mut content = crate::sample::sample();
    content.county.name = "青禾土家族苗族自治县".into();
    content.county.hall_name = "青禾土家族苗族自治县政务服务中心城关分中心".into();
    content.county.hall_address =
        "青禾土家族苗族自治县城关街道迎宾大道东段188号政务服务综合大楼一楼东侧大厅".into();
    Ok(Store::in_memory(&content)?)
}

/// At county level, so the header shows the hall's own name and address.
fn long_names_config(config: Config) -> Config {
    Config {
        region: None,
        hall_name: None,
        ..config
    }
}

fn shoot(
    ui: &KioskUi,
    screen: &mut Screen,
    page: &str,
    size: (u32, u32),
    large: bool,
    out: &Path,
) -> anyhow::Result<()> {
    screen.resize(size.0, size.1);
    ui.close_technician();
    ui.open(Route::Home);
    ui.set_large_text(large);
    ui.show_setup("");
    ui.show_preview_problems("", &[]);
    let tech = ui.window.global::<Tech>();
    let search = ui.window.global::<SearchPage>();
    search.invoke_show_handwriting(false);
    match page {
        // 户 picked, 口 written on the pad with its candidates showing (as a resident would:
        // the 手写 tab, strokes, a candidate tapped).
        "search-handwriting" => {
            ui.open(Route::Search);
            search.invoke_show_handwriting(true);
            let samples = crate::handwriting::samples::samples();
            let side = crate::handwriting::samples::PAD;
            for ch in ["户", "口"] {
                let Some((_, strokes)) = samples.iter().find(|(c, _)| *c == ch) else {
                    bail!("no sample strokes for {ch}");
                };
                for stroke in strokes {
                    search.invoke_pad_down(stroke[0].0 / side, stroke[0].1 / side);
                    for &(x, y) in &stroke[1..] {
                        search.invoke_pad_move(x / side, y / side);
                    }
                    search.invoke_pad_up();
                }
                if ch == "户" {
                    search.invoke_pick(ch.into());
                }
            }
        }
        "setup" => ui.show_setup(
            "配置文件 /etc/banshi/kiosk.toml 有误：第 3 行：不认识的配置项 servr，可能拼错了。可用的配置项：kiosk_id, hall_name, region, …",
        ),
        // `banshi preview` of a folder with three mistakes an author makes.
        "preview-problems" => {
            let (folder, problems) = preview_problems()?;
            ui.show_preview_problems(&folder, &problems);
        }
        "waiting" => {
            let state = SyncState {
                syncing: true,
                last_status: Some("offline".into()),
                last_error: Some("无法连接服务器：连接超时".into()),
                ..Default::default()
            };
            let servers = ["https://zwfw.qinghe.gov.cn/banshi/".to_string()];
            ui.show_waiting(&status::waiting_for_first_content(&state, &servers).unwrap_or_default());
        }
        // 打印告知单 pressed on a guide with several situations: which one to print?
        "guide-print" => {
            ui.open(Route::Guide(crate::bench::guide_with_most_situations(ui)?));
            ui.window.global::<GuidePage>().invoke_print();
        }
        "idle-warning" => {
            ui.open(Route::Guide(crate::bench::longest_guide(ui)?));
            ui.show_idle_warning(25);
        }
        "pin" => {
            ui.open_pin_pad();
            for d in GALLERY_PIN.chars() {
                tech.invoke_pin_digit(d.to_string().into());
            }
        }
        "technician" => open_technician(ui)?,
        // 评价这项服务 on a guide: a 差评 with two reasons; its details (办件编号, the phone
        // after consent, shown masked); submitted (thanks); not taken (the outbox file cannot
        // be opened); 意见建议 with the guide pre-filled and a topic chosen.
        p if p.contains(':')
            && ["rate", "rate-details", "rate-thanks", "rate-failed", "suggest"]
                .contains(&p.split(':').next().unwrap_or_default()) =>
        {
            let (kind, guide) = p.split_once(':').unwrap_or_default();
            feedback_page(ui, kind, guide)?;
        }
        // 朗读 pressed, then 暂停: the first block highlighted, 继续 and 停止 shown.
        p if p.starts_with("reading:") => {
            ui.open(Route::Guide(p["reading:".len()..].into()));
            let read = ui.window.global::<crate::ui::ReadAloud>();
            read.invoke_start();
            read.invoke_pause();
        }
        "touch-test" => {
            open_technician(ui)?;
            tech.invoke_open_touch_test();
            // As after touching two corners, the centre, and somewhere in between.
            let (w, h) = (size.0 as f32, size.1 as f32);
            for (x, y) in [
                (72.0, 66.0),
                (w - 80.0, h - 64.0),
                (w / 2.0 + 8.0, h / 2.0 - 5.0),
                (w * 0.3, h * 0.55),
            ] {
                tech.invoke_touch(x, y, w, h);
            }
        }
        _ => {
            let route = Route::parse(page).ok_or_else(|| anyhow!("不认识的页面 “{page}”。可用：home, category:<id>, department:<id>, audience:个人, guide:<id>, reading:<guide id>, notices, notice:<id>, search, search:<按键>, idle-warning, setup, waiting, preview-problems, pin, technician, touch-test, search-handwriting, guide-print, long-names, rate:<guide id>, rate-details:<guide id>, rate-thanks:<guide id>, rate-failed:<guide id>, suggest:<guide id>"))?;
            ui.open(route.clone());
            if ui.route() != route {
                bail!("页面 “{page}” 打不开：没有这个编号的内容。");
            }
            if let Some(keys) = page.strip_prefix("search:") {
                ui.type_search(keys);
            }
        }
    }
    screen.render();
    // Layout settles on the first frame; draw again so lazily sized parts are final.
    screen.render();
    screen
        .image()
        .save(out)
        .with_context(|| format!("无法写入 {}", out.display()))?;
    Ok(())
}

/// The sample county written to a scratch folder with three mistakes (an empty name, a fee in
/// yuan with a decimal point, an unknown department), loaded as `banshi preview` loads it.
fn preview_problems() -> anyhow::Result<(String, Vec<crate::kiosk::preview::PreviewProblem>)> {
    let dir = tempfile::tempdir()?;
    let folder = dir.path().join("青禾县内容");
    for f in crate::sample::sample_files() {
        let mut text = String::from_utf8_lossy(&f.bytes).into_owned();
        if f.path == "items/gongan/gongan-sfz-huanling.toml" {
            text = text.replacen("amount_fen = 2000", "amount_fen = 20.5", 1);
        }
        if f.path == "items/minzheng/minzheng-jiehun-dengji.toml" {
            text = text
                .replacen("name = \"内地居民结婚登记\"", "name = \"\"", 1)
                .replacen("department = \"minzheng\"", "department = \"mingzheng\"", 1);
        }
        let path = folder.join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap_or(&folder))?;
        std::fs::write(path, text)?;
    }
    match crate::kiosk::preview::load(&folder) {
        crate::kiosk::preview::Reload::Problems(p) => {
            Ok(("/home/county/青禾县内容".to_string(), p))
        }
        crate::kiosk::preview::Reload::Content(_) => bail!("the broken sample loaded"),
    }
}

fn feedback_page(ui: &KioskUi, kind: &str, guide: &str) -> anyhow::Result<()> {
    ui.open(Route::Guide(guide.into()));
    if ui.route() != Route::Guide(guide.into()) {
        bail!("页面 “{kind}:{guide}” 打不开：没有这个编号的事项。");
    }
    let g = ui.window.global::<Feedback>();
    let digits = |text: &str| {
        for d in text.chars() {
            g.invoke_digit(d.to_string().into());
        }
    };
    if kind == "suggest" {
        ui.window.global::<GuidePage>().invoke_suggest();
        g.invoke_choose_topic(0);
        return Ok(());
    }
    ui.window.global::<GuidePage>().invoke_rate();
    g.invoke_choose_level(3);
    g.invoke_toggle_reason(0);
    g.invoke_toggle_reason(3);
    if kind == "rate" {
        return Ok(());
    }
    g.invoke_next();
    digits("2026112300158");
    g.invoke_give_consent();
    digits("13812345678");
    if kind == "rate-details" {
        return Ok(());
    }
    if kind == "rate-failed" {
        // An outbox that cannot be opened: a folder where its file should be.
        let broken = tempfile::tempdir()?;
        std::fs::create_dir(broken.path().join(crate::outbox::FILE))?;
        let feed = crate::kiosk::outbox_feed::Feed::start(broken.path().into(), "gallery".into());
        let before = ui.swap_outbox(feed);
        g.invoke_submit();
        ui.finish_feedback();
        ui.swap_outbox(before);
        return Ok(());
    }
    g.invoke_submit();
    ui.finish_feedback();
    Ok(())
}

/// The maintenance screen the way a technician reaches it: the PIN pad, the gallery's PIN,
/// 确定, and the doctor's checks finished.
fn open_technician(ui: &KioskUi) -> anyhow::Result<()> {
    let tech = ui.window.global::<Tech>();
    ui.open_pin_pad();
    for d in GALLERY_PIN.chars() {
        tech.invoke_pin_digit(d.to_string().into());
    }
    tech.invoke_pin_confirm();
    // The PIN check, then the doctor it starts.
    ui.finish_background_work();
    ui.finish_background_work();
    if tech.get_screen() != super::TechScreen::Panel {
        bail!("技术员界面打不开：{}", tech.get_pin_message());
    }
    Ok(())
}
