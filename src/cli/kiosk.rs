//! The kiosk itself (`banshi`, `banshi kiosk`), the setup screen shown instead when the config is
//! broken, and headless screenshots of any page (`banshi screenshot`, the gallery).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{config_and_path, open_store, parse_size, prepare_fonts, sync_options, ContentArgs};
use crate::config::Config;
use crate::sample;
use crate::store::Store;

#[derive(Args, Clone, Default)]
pub struct KioskArgs {
    #[command(flatten)]
    pub content: ContentArgs,
    /// Full screen (what a kiosk uses); otherwise a window.
    #[arg(long)]
    pub fullscreen: bool,
    /// Window size, e.g. 1080x1920 for a portrait kiosk.
    #[arg(long, value_parser = parse_size)]
    pub size: Option<(u32, u32)>,
    /// Start in large-text mode.
    #[arg(long)]
    pub large_text: bool,
}

#[derive(Args)]
pub struct ScreenshotArgs {
    #[command(flatten)]
    pub content: ContentArgs,
    /// home, category:<id>, department:<id>, audience:<个人|法人>, guide:<id>, notices,
    /// notices:<category>, notice:<id>, search, search:<keys typed>, guide-print, idle-warning, setup,
    /// preview-problems, pin, technician, touch-test, search-handwriting, long-names, rate:<guide id>,
    /// rate-details:<guide id>, rate-thanks:<guide id>, rate-failed:<guide id>, suggest:<guide id>
    #[arg(long, default_value = "home")]
    pub page: String,
    #[arg(long, value_parser = parse_size, default_value = "1920x1080")]
    pub size: (u32, u32),
    #[arg(long)]
    pub large_text: bool,
    #[arg(long, default_value = "screenshot.png")]
    pub out: PathBuf,
    /// Render the standard gallery (every page, both orientations, both text sizes) into this folder.
    #[arg(long, conflicts_with = "page")]
    pub gallery: Option<PathBuf>,
}

pub fn run_kiosk(args: KioskArgs) -> anyhow::Result<()> {
    let (mut config, config_path) = match config_and_path(&args.content) {
        Ok(c) => c,
        // A kiosk must never show a black screen: explain on screen, wait for the fix.
        Err(e) => return setup_screen(&args, &format!("{e:#}")),
    };
    prepare_fonts(&config);
    select_backend(&config)?;
    config.large_text |= args.large_text;
    let store = open_store(&args.content, &config)?;
    let sync = if args.content.content.is_none() {
        sync_options(&config, None, None, None)?
    } else {
        None
    };
    let interval = config.sync_interval();
    let uplink_config =
        (args.content.content.is_none() && config.hub.is_some()).then(|| config.clone());
    let ui = crate::ui::KioskUi::new(store, config)?;
    ui.set_config_path(config_path);
    // Sync in the background; the UI picks up each report on its next tick.
    let _worker = match sync {
        Some(opts) => {
            let inbox = crate::sync::worker::Inbox::from(ui.sync_inbox());
            let worker = crate::sync::worker::Worker::spawn(opts, interval, move |report| {
                if let Some(e) = &report.error {
                    crate::kiosk::events::warn(format!("同步 {}：{e}", report.status.as_str()));
                }
                inbox.offer(report);
            })
            .context("无法启动同步线程")?;
            // The technician's 立即同步 wakes the worker.
            let worker = std::rc::Rc::new(worker);
            let trigger = worker.clone();
            ui.set_sync_now(Box::new(move || trigger.sync_now()));
            Some(worker)
        }
        None => None,
    };
    use slint::ComponentHandle;
    if let Some((w, h)) = args.size {
        ui.window.window().set_size(slint::PhysicalSize::new(w, h));
    }
    // Ratings, suggestions, misses, usage and heartbeats go to the county hub in the background.
    let screen = std::sync::Arc::new(std::sync::Mutex::new(
        crate::uplink::heartbeat::Screen::default(),
    ));
    let _uplink = match uplink_config {
        Some(c) => Some(
            crate::uplink::worker::Worker::spawn(c, screen.clone(), |outcome| match outcome {
                crate::uplink::Outcome::Refused { .. } => {
                    crate::kiosk::events::warn(outcome.describe())
                }
                _ => log::info!("上报：{}", outcome.describe()),
            })
            .context("无法启动上报线程")?,
        ),
        None => None,
    };
    // The heartbeat says the screen's size; the UI thread looks now and then.
    let size_timer = slint::Timer::default();
    let window = ui.window.as_weak();
    size_timer.start(
        slint::TimerMode::Repeated,
        std::time::Duration::from_secs(30),
        move || {
            if let (Some(w), Ok(mut s)) = (window.upgrade(), screen.lock()) {
                let size = w.window().size();
                s.size = format!("{}x{}", size.width, size.height);
            }
        },
    );
    if args.fullscreen {
        ui.window.window().set_fullscreen(true);
    }
    ui.window.run().context(
        "无法打开显示窗口。没有图形界面时请使用 kiosk 软件包（linuxkms），或先设置 DISPLAY",
    )?;
    Ok(())
}

/// On a kiosk without a desktop (`SLINT_BACKEND=linuxkms…`, as the packaged service runs):
/// turn the picture by the config's `rotation` and swallow the key chords that would end the
/// app. Elsewhere (a desktop window) Slint picks its backend itself.
fn select_backend(config: &Config) -> anyhow::Result<()> {
    if !std::env::var("SLINT_BACKEND").is_ok_and(|b| b.starts_with("linuxkms")) {
        return Ok(());
    }
    let rotation = config.rotation();
    if std::env::var_os("SLINT_KMS_ROTATION").is_none() {
        std::env::set_var("SLINT_KMS_ROTATION", rotation.to_string());
    }
    log::info!(
        "使用 linuxkms 显示，画面旋转 {}°",
        std::env::var("SLINT_KMS_ROTATION").unwrap_or_default()
    );
    let guard = std::cell::RefCell::new(crate::kiosk::lockdown::KeyGuard::default());
    slint::BackendSelector::new()
        .with_libinput_event_hook(move |event| {
            use input::event::keyboard::{KeyState, KeyboardEventTrait};
            match event {
                input::Event::Keyboard(k) => guard
                    .borrow_mut()
                    .key(k.key(), k.key_state() == KeyState::Pressed),
                _ => false,
            }
        })
        .select()
        .context(
            "无法打开屏幕（linuxkms）。请用 banshi doctor 检查，或查看 journalctl -t banshi-kiosk",
        )?;
    Ok(())
}

/// The kiosk window showing what is wrong with the configuration. Every 5 s the config is read
/// again; once it loads, the process exits (status 0) so that systemd starts the kiosk afresh.
fn setup_screen(args: &KioskArgs, message: &str) -> anyhow::Result<()> {
    log::error!("{message}");
    let config = Config::default();
    prepare_fonts(&config);
    select_backend(&config)?;
    let ui = crate::ui::KioskUi::new(Store::in_memory(&sample::sample())?, config)?;
    ui.show_setup(message);
    use slint::ComponentHandle;
    if args.fullscreen {
        ui.window.window().set_fullscreen(true);
    }
    let explicit = args.content.config.clone();
    let timer = slint::Timer::default();
    timer.start(
        slint::TimerMode::Repeated,
        std::time::Duration::from_secs(5),
        move || {
            if Config::discover(explicit.as_deref()).is_ok() {
                log::info!("配置已改好，重新启动。");
                let _ = slint::quit_event_loop();
            }
        },
    );
    ui.window.run().context("无法打开显示窗口")?;
    Ok(())
}

pub fn screenshot(args: ScreenshotArgs) -> anyhow::Result<()> {
    let (config, config_path) = config_and_path(&args.content)?;
    prepare_fonts(&config);
    let store = open_store(&args.content, &config)?;
    let request = crate::ui::gallery::Request {
        page: args.page,
        size: args.size,
        large_text: args.large_text,
        out: args.out,
        gallery: args.gallery,
    };
    crate::ui::gallery::run(store, config, config_path, request)
}
