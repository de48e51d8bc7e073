//! The `banshi` command: the kiosk itself and the tools around it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Parser, Subcommand};

use banshi::config::Config;
use banshi::store::Store;
use banshi::{bench, sample, source};

#[derive(Parser)]
#[command(
    name = "banshi",
    version,
    about = "办事：县政务服务中心和村便民服务室的触摸屏办事指南"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the kiosk (the default when no command is given).
    Kiosk(KioskArgs),
    /// Render one screen headless to a PNG file (or the whole gallery).
    Screenshot(ScreenshotArgs),
    /// Print what content is in use.
    Status {
        #[command(flatten)]
        content: ContentArgs,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Check an authored content folder and list every problem.
    Validate {
        /// The content folder (see docs/authoring.md).
        dir: PathBuf,
    },
    /// Validate a content folder and make it the kiosk's content.
    Import {
        /// The content folder (see docs/authoring.md).
        dir: PathBuf,
        #[command(flatten)]
        content: ContentArgs,
    },
    /// Search guides and notices as the kiosk does (Chinese, pinyin, initials).
    Search {
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        content: ContentArgs,
    },
    /// Reports for county staff.
    Report {
        #[command(subcommand)]
        what: Report,
    },
    /// County staff: make the signing keys and the trust anchor (root.json) kiosks install.
    Keygen {
        /// Folder for the keys (root.key, publish.key: keep them secret) and root.json.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite existing keys (every kiosk then needs the new root.json).
        #[arg(long)]
        force: bool,
        /// Replace the keys in OUT with new ones; kiosks follow without reinstalling.
        #[arg(long, conflicts_with = "force")]
        rotate: bool,
        /// How long the trust anchor is valid.
        #[arg(long, default_value_t = 3650)]
        root_expires_days: i64,
    },
    /// County staff: validate a content folder and publish it as a signed repository.
    Publish {
        /// The authored content folder (see docs/authoring.md).
        #[arg(long)]
        source: Option<PathBuf>,
        /// The keys folder from `banshi keygen`.
        #[arg(long)]
        keys: PathBuf,
        /// The repository folder to write or update (serve it as static files).
        #[arg(long)]
        out: PathBuf,
        /// Days until kiosks treat this version as expired unless it is re-signed.
        #[arg(long, default_value_t = 30)]
        expires_days: i64,
        /// Re-sign the current content with a new expiry, without --source.
        #[arg(long, conflicts_with = "source")]
        refresh: bool,
        #[arg(long)]
        json: bool,
    },
    /// Serve a published repository over HTTP (for counties without a web server).
    Serve {
        #[arg(long)]
        repo: PathBuf,
        /// Address to listen on, e.g. 0.0.0.0:8080.
        #[arg(long, default_value = "0.0.0.0:8080")]
        listen: String,
    },
    /// Fetch and apply the county's signed content once.
    Sync(SyncArgs),
    /// Technicians: read a PIN (4–12 digits) from standard input and print the line for
    /// `technician_pin_hash` in kiosk.toml.
    PinHash,
    /// Technicians (run as root by the kiosk service before it starts): make touch follow the
    /// config's `rotation` with a udev rule giving touchscreens a libinput calibration matrix.
    TouchRotation {
        /// Config file (default: the one the kiosk uses).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Where to write the rule.
        #[arg(long, default_value = banshi::kiosk::rotation::RULES_DIR)]
        rules_dir: PathBuf,
        /// Only write the rule; do not ask udev to reload and re-apply it.
        #[arg(long)]
        no_trigger: bool,
    },
    /// Technicians: check this kiosk (config, data, content, trust, server, sync, expiry, disk).
    Doctor {
        /// Config file (default: the one the kiosk uses: $BANSHI_CONFIG, /etc/banshi/kiosk.toml, …).
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Measure start-up, redraw and memory on this machine (prints JSON).
    Bench(bench::BenchArgs),
    /// Internal: one measured kiosk start, used by `bench`.
    #[command(hide = true)]
    BenchChild(bench::ChildArgs),
}

#[derive(Subcommand)]
enum Report {
    /// Searches on this kiosk that found nothing (query and time only), most frequent first.
    Searches {
        #[command(flatten)]
        content: ContentArgs,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Clone, Default)]
struct ContentArgs {
    /// Config file (default: $BANSHI_CONFIG, /etc/banshi/kiosk.toml, or the user's config folder).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Data folder holding content.db (overrides the config).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Show an authored content folder directly, without importing it (for county staff).
    #[arg(long)]
    content: Option<PathBuf>,
    /// Region code of where the kiosk stands (overrides the config).
    #[arg(long)]
    region: Option<String>,
}

#[derive(Args)]
struct SyncArgs {
    #[command(flatten)]
    content: ContentArgs,
    /// Repository address (overrides the config's server).
    #[arg(long, conflicts_with = "from")]
    server: Option<String>,
    /// Apply a repository from a folder, e.g. a USB stick.
    #[arg(long)]
    from: Option<PathBuf>,
    /// The trust anchor root.json (overrides the config's trust_root).
    #[arg(long)]
    trust: Option<PathBuf>,
    #[arg(long)]
    json: bool,
    /// Seconds to wait for a connection.
    #[arg(long, default_value_t = 10)]
    connect_timeout: u64,
    /// Seconds of silence before a transfer counts as broken.
    #[arg(long, default_value_t = 30)]
    read_timeout: u64,
    /// Seconds after which the whole sync stops (the next one resumes).
    #[arg(long, default_value_t = 1800)]
    deadline: u64,
}

#[derive(Args, Clone, Default)]
struct KioskArgs {
    #[command(flatten)]
    content: ContentArgs,
    /// Full screen (what a kiosk uses); otherwise a window.
    #[arg(long)]
    fullscreen: bool,
    /// Window size, e.g. 1080x1920 for a portrait kiosk.
    #[arg(long, value_parser = parse_size)]
    size: Option<(u32, u32)>,
    /// Start in large-text mode.
    #[arg(long)]
    large_text: bool,
}

#[derive(Args)]
struct ScreenshotArgs {
    #[command(flatten)]
    content: ContentArgs,
    /// home, category:<id>, department:<id>, audience:<个人|法人>, guide:<id>, notices,
    /// notices:<category>, notice:<id>, search, search:<keys typed>, idle-warning, setup, pin,
    /// technician, touch-test, long-names
    #[arg(long, default_value = "home")]
    page: String,
    #[arg(long, value_parser = parse_size, default_value = "1920x1080")]
    size: (u32, u32),
    #[arg(long)]
    large_text: bool,
    #[arg(long, default_value = "screenshot.png")]
    out: PathBuf,
    /// Render the standard gallery (every page, both orientations, both text sizes) into this folder.
    #[arg(long, conflicts_with = "page")]
    gallery: Option<PathBuf>,
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X', '×'])
        .ok_or("写成 宽x高，例如 1920x1080")?;
    let w: u32 = w.trim().parse().map_err(|_| "宽度要是整数")?;
    let h: u32 = h.trim().parse().map_err(|_| "高度要是整数")?;
    if !(200..=8000).contains(&w) || !(200..=8000).contains(&h) {
        return Err("宽和高要在 200 到 8000 像素之间".into());
    }
    Ok((w, h))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Kiosk(KioskArgs::default())) {
        Command::Kiosk(args) => run_kiosk(args),
        Command::Screenshot(args) => screenshot(args),
        Command::Status { content, json } => status(&content, json),
        Command::Validate { dir } => validate(&dir),
        Command::Import { dir, content } => import(&dir, &content),
        Command::Search {
            query,
            limit,
            json,
            content,
        } => search(&query, limit, json, &content),
        Command::Report {
            what: Report::Searches { content, json },
        } => report_searches(&content, json),
        Command::Keygen {
            out,
            force,
            rotate,
            root_expires_days,
        } => keygen(&out, force, rotate, root_expires_days),
        Command::Publish {
            source,
            keys,
            out,
            expires_days,
            refresh,
            json,
        } => publish(
            banshi::publish::PublishOptions {
                source,
                keys,
                out,
                expires_days,
                refresh,
            },
            json,
        ),
        Command::Serve { repo, listen } => serve(&repo, &listen),
        Command::Sync(args) => return sync(args),
        Command::Doctor { config, json } => return doctor(config.as_deref(), json),
        Command::PinHash => pin_hash(),
        Command::TouchRotation {
            config,
            rules_dir,
            no_trigger,
        } => touch_rotation(config.as_deref(), &rules_dir, !no_trigger),
        Command::Bench(args) => bench::run(args),
        Command::BenchChild(args) => bench::child(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("banshi: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The config with command-line overrides applied.
fn config(args: &ContentArgs) -> anyhow::Result<Config> {
    Ok(config_and_path(args)?.0)
}

/// The config with command-line overrides applied, and the file it came from (shown on the
/// technician screen).
fn config_and_path(args: &ContentArgs) -> anyhow::Result<(Config, Option<PathBuf>)> {
    let (mut config, path) = Config::discover(args.config.as_deref())?;
    if let Some(d) = &args.data_dir {
        config.data_dir = Some(d.clone());
    }
    if let Some(r) = &args.region {
        config.region = Some(r.clone());
    }
    Ok((config, path))
}

/// Opens the content to show: an authored folder, or the data folder's database (built from the
/// bundled sample county the first time).
fn open_store(args: &ContentArgs, config: &Config) -> anyhow::Result<Store> {
    if let Some(dir) = &args.content {
        let content = source::load_dir(dir).map_err(|e| anyhow!("{e}"))?;
        return Ok(Store::in_memory(&content)?);
    }
    Ok(Store::open_or_seed(&config.data_dir(), sample::sample)?)
}

/// Before any window exists: make sure fontconfig finds at least one font (see `fonts`).
fn prepare_fonts(config: &Config) {
    if let Err(e) = banshi::fonts::ensure_fontconfig(&config.data_dir()) {
        eprintln!("banshi: 无法在 {} 写入字体配置（{e}）。若本机没有任何字体，界面可能无法启动：请检查数据目录权限，或安装 fonts-noto-cjk。", config.data_dir().display());
    }
}

fn run_kiosk(args: KioskArgs) -> anyhow::Result<()> {
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
    let ui = banshi::ui::KioskUi::new(store, config)?;
    ui.set_config_path(config_path);
    // Sync in the background; the UI picks up each report on its next tick.
    let _worker = match sync {
        Some(opts) => {
            let inbox = ui.sync_inbox();
            let worker = banshi::sync::worker::Worker::spawn(opts, interval, move |report| {
                if let Some(e) = &report.error {
                    banshi::kiosk::events::warn(format!("同步 {}：{e}", report.status.as_str()));
                }
                if let Ok(mut slot) = inbox.lock() {
                    // An "updated" must not be overwritten by a later "up-to-date" before the UI saw it.
                    if slot
                        .as_ref()
                        .is_none_or(|r| r.status != banshi::sync::Status::Updated)
                    {
                        *slot = Some(report);
                    }
                }
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
    eprintln!(
        "banshi: 使用 linuxkms 显示，画面旋转 {}°",
        std::env::var("SLINT_KMS_ROTATION").unwrap_or_default()
    );
    let guard = std::cell::RefCell::new(banshi::kiosk::lockdown::KeyGuard::default());
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

/// Writes (or, for 0°, removes) the udev rule that turns touch with the picture, then asks udev
/// to apply it to the touchscreens already present.
fn touch_rotation(explicit: Option<&Path>, rules_dir: &Path, trigger: bool) -> anyhow::Result<()> {
    use banshi::kiosk::rotation::RULES_FILE;
    let (config, _) = Config::discover(explicit)?;
    let rotation = config.rotation();
    let path = rules_dir.join(RULES_FILE);
    match rotation.udev_rule() {
        Some(rule) => {
            std::fs::create_dir_all(rules_dir)
                .with_context(|| format!("无法创建 {}", rules_dir.display()))?;
            let tmp = path.with_extension("rules.tmp");
            std::fs::write(&tmp, rule)
                .and_then(|_| std::fs::rename(&tmp, &path))
                .with_context(|| format!("无法写入 {}", path.display()))?;
            println!("触摸旋转 {rotation}°：已写入 {}", path.display());
        }
        None => match std::fs::remove_file(&path) {
            Ok(()) => println!("触摸不旋转：已删除 {}", path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                println!("触摸不旋转（rotation = 0）")
            }
            Err(e) => return Err(e).with_context(|| format!("无法删除 {}", path.display())),
        },
    }
    if trigger {
        for args in [
            &["control", "--reload"][..],
            &["trigger", "--subsystem-match=input", "--action=change"],
        ] {
            let status = std::process::Command::new("udevadm")
                .args(args)
                .status()
                .context("无法运行 udevadm")?;
            if !status.success() {
                bail!("udevadm {} 失败（{status}）", args.join(" "));
            }
        }
    }
    Ok(())
}

/// The kiosk window showing what is wrong with the configuration. Every 5 s the config is read
/// again; once it loads, the process exits (status 0) so that systemd starts the kiosk afresh.
fn setup_screen(args: &KioskArgs, message: &str) -> anyhow::Result<()> {
    eprintln!("banshi: {message}");
    let config = Config::default();
    prepare_fonts(&config);
    select_backend(&config)?;
    let ui = banshi::ui::KioskUi::new(Store::in_memory(&sample::sample())?, config)?;
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
                eprintln!("banshi: 配置已改好，重新启动。");
                let _ = slint::quit_event_loop();
            }
        },
    );
    ui.window.run().context("无法打开显示窗口")?;
    Ok(())
}

fn screenshot(args: ScreenshotArgs) -> anyhow::Result<()> {
    let (config, config_path) = config_and_path(&args.content)?;
    prepare_fonts(&config);
    let store = open_store(&args.content, &config)?;
    let request = banshi::ui::gallery::Request {
        page: args.page,
        size: args.size,
        large_text: args.large_text,
        out: args.out,
        gallery: args.gallery,
    };
    banshi::ui::gallery::run(store, config, config_path, request)
}

fn status(args: &ContentArgs, json: bool) -> anyhow::Result<()> {
    let config = config(args)?;
    let store = open_store(args, &config)?;
    let counts = store.counts()?;
    let version: i64 = store
        .meta("content_version")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let value = serde_json::json!({
        "content_version": version,
        "county": store.meta("county_name")?,
        "items": counts.items,
        "notices": counts.notices,
        "departments": counts.departments,
        "regions": counts.regions,
        "imported_at": store.meta("imported_at")?,
        "database": store.path().display().to_string(),
        "region": config.region,
        "kiosk_id": config.kiosk_id,
        "sync_version": store.meta(banshi::sync::keys::VERSION)?.and_then(|v| v.parse::<u64>().ok()),
        "last_sync": store.meta(banshi::sync::keys::LAST_SYNC)?,
        "last_sync_status": store.meta(banshi::sync::keys::LAST_STATUS)?,
        "last_sync_error": store.meta(banshi::sync::keys::LAST_ERROR)?.filter(|e| !e.is_empty()),
        "expires": store.meta(banshi::sync::keys::EXPIRES)?,
        "content_digest": store.meta("content_digest")?,
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!(
            "内容：{} 第 {version} 版，事项 {} 项，公开信息 {} 条，部门 {} 个，区划 {} 个\n数据库：{}",
            value["county"].as_str().unwrap_or(""),
            counts.items,
            counts.notices,
            counts.departments,
            counts.regions,
            store.path().display()
        );
    }
    Ok(())
}

fn keygen(out: &Path, force: bool, rotate: bool, root_expires_days: i64) -> anyhow::Result<()> {
    use banshi::publish::keys;
    if rotate {
        let v = keys::rotate(out, root_expires_days)?;
        println!(
            "已更换密钥：{} 现在是第 {v} 版信任根（新旧根密钥共同签名）。下次 banshi publish 后，终端会自动改用新密钥；旧的 publish.key 已作废。",
            out.join(keys::ROOT_JSON).display()
        );
    } else {
        keys::keygen(
            out,
            &keys::KeygenOptions {
                root_expires_days,
                force,
            },
        )?;
        println!(
            "已生成签名密钥：{dir}/root.key 和 {dir}/publish.key（只有本人可读，务必保密并备份；root.key 平时请离线保存）。\n信任根：{dir}/root.json，安装到每台终端的 /etc/banshi/root.json。",
            dir = out.display()
        );
    }
    Ok(())
}

fn publish(opts: banshi::publish::PublishOptions, json: bool) -> anyhow::Result<()> {
    let p = banshi::publish::publish(&opts)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&p)?);
    } else {
        println!(
            "已发布第 {} 版：{} 份文档，新写入 {} 个对象（{} 字节），沿用 {} 个；有效期至 {}。\n内容摘要：{}",
            p.version, p.documents, p.objects_written, p.bytes_written, p.objects_reused, p.expires, p.digest
        );
    }
    Ok(())
}

fn serve(repo: &Path, listen: &str) -> anyhow::Result<()> {
    let s = banshi::serve::start(repo, listen)?;
    eprintln!(
        "banshi: 正在 http://{} 提供 {} （Ctrl+C 停止）",
        s.addr,
        repo.display()
    );
    s.join();
    Ok(())
}

/// The sync options for a command or the kiosk: command-line overrides, then the config.
fn sync_options(
    config: &Config,
    server: Option<&str>,
    from: Option<&Path>,
    trust: Option<&Path>,
) -> anyhow::Result<Option<banshi::sync::Options>> {
    use banshi::sync::{Options, Source};
    let source = match (server, from) {
        (Some(s), _) => Source::parse(s).map_err(|e| anyhow!(e))?,
        (None, Some(d)) => Source::Dir(d.to_path_buf()),
        (None, None) => match config.server.first() {
            Some(s) => Source::parse(s).map_err(|e| anyhow!(e))?,
            None => return Ok(None),
        },
    };
    let trust_path = trust
        .map(Path::to_path_buf)
        .or_else(|| config.trust_root.clone());
    let trust = match &trust_path {
        Some(p) => Some(std::fs::read(p).with_context(|| {
            format!(
                "无法读取信任根 {}：请把县里发的 root.json 放到这里",
                p.display()
            )
        })?),
        None => None,
    };
    let mut opts = Options::new(source, config.data_dir(), trust);
    opts.region = config.region.clone();
    Ok(Some(opts))
}

fn sync(args: SyncArgs) -> ExitCode {
    let run = || -> anyhow::Result<banshi::sync::Report> {
        let config = config(&args.content)?;
        let Some(mut opts) = sync_options(
            &config,
            args.server.as_deref(),
            args.from.as_deref(),
            args.trust.as_deref(),
        )?
        else {
            bail!("没有配置内容服务器：在配置文件写 server = \"https://…\"，或用 --server / --from 指定。");
        };
        opts.timeouts.connect = std::time::Duration::from_secs(args.connect_timeout);
        opts.timeouts.read = std::time::Duration::from_secs(args.read_timeout);
        opts.deadline = std::time::Duration::from_secs(args.deadline);
        Ok(banshi::sync::run_once(&opts))
    };
    let report = match run() {
        Ok(r) => r,
        Err(e) => banshi::sync::Report {
            status: banshi::sync::Status::Error,
            version: None,
            bytes_downloaded: 0,
            error: Some(format!("{e:#}")),
            apply_seconds: 0.0,
        },
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        let what = match report.status {
            banshi::sync::Status::Updated => "已更新到新版本",
            banshi::sync::Status::UpToDate => "已是最新",
            banshi::sync::Status::Rejected => "已拒绝（内容未通过校验，继续使用现有内容）",
            banshi::sync::Status::Offline => "联网失败（继续使用现有内容）",
            banshi::sync::Status::Expired => "服务器内容已过期（继续使用现有内容）",
            banshi::sync::Status::Error => "本机出错",
        };
        let v = report
            .version
            .map(|v| format!("，第 {v} 版"))
            .unwrap_or_default();
        println!("同步结果：{what}{v}，下载 {} 字节", report.bytes_downloaded);
        if let Some(e) = &report.error {
            eprintln!("banshi: {e}");
        }
    }
    if report.status.is_failure() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn pin_hash() -> anyhow::Result<()> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("无法读取 PIN")?;
    let pin = line.trim();
    banshi::pin::check_pin(pin).map_err(|e| anyhow!(e))?;
    println!("technician_pin_hash = \"{}\"", banshi::pin::hash(pin));
    Ok(())
}

fn doctor(explicit: Option<&Path>, json: bool) -> ExitCode {
    let (config, path) = match Config::discover(explicit) {
        Ok((c, p)) => (Ok(c), p),
        Err(e) => (Err(e.to_string()), explicit.map(Path::to_path_buf)),
    };
    let checks = banshi::doctor::run(config, path.as_deref(), std::time::Duration::from_secs(5));
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&checks).unwrap_or_default()
        );
    } else {
        for c in &checks {
            let mark = if c.ok { "通过" } else { "失败" };
            match &c.hint {
                Some(h) => println!("[{mark}] {}：{}\n       处理：{h}", c.name, c.detail),
                None => println!("[{mark}] {}：{}", c.name, c.detail),
            }
        }
    }
    if checks.iter().all(|c| c.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn validate(dir: &Path) -> anyhow::Result<()> {
    let content = source::load_dir(dir).map_err(|e| anyhow!("{e}"))?;
    println!(
        "内容检查通过：{} 第 {} 版，事项 {} 项，公开信息 {} 条，部门 {} 个。",
        content.county.name,
        content.county.content_version,
        content.items.len(),
        content.notices.len(),
        content.departments.len()
    );
    Ok(())
}

fn import(dir: &Path, args: &ContentArgs) -> anyhow::Result<()> {
    let content = source::load_dir(dir).map_err(|e| anyhow!("{e}"))?;
    let config = config(args)?;
    let path = config.data_dir().join(banshi::store::DB_FILE);
    Store::create(&path, &content)?;
    println!(
        "已导入 {} 第 {} 版（{} 项事项）到 {}",
        content.county.name,
        content.county.content_version,
        content.items.len(),
        path.display()
    );
    Ok(())
}

fn search(query: &str, limit: usize, json: bool, args: &ContentArgs) -> anyhow::Result<()> {
    let config = config(args)?;
    let store = open_store(args, &config)?;
    let index = banshi::search::SearchIndex::build(store.search_docs()?);
    let body = |q: &str| store.search_body(q);
    let results = index.search(query, limit, Some(&body));
    if json {
        println!("{}", serde_json::to_string_pretty(&results.hits)?);
    } else if results.hits.is_empty() {
        println!("没有找到“{query}”。");
    } else {
        for h in &results.hits {
            let kind = match h.kind {
                banshi::search::Kind::Guide => "办事指南",
                banshi::search::Kind::Notice => "政务公开",
            };
            println!("{:>5}  {kind}  {}  ({})", h.score, h.title, h.id);
        }
    }
    Ok(())
}

fn report_searches(args: &ContentArgs, json: bool) -> anyhow::Result<()> {
    let config = config(args)?;
    let log = banshi::search::log::SearchLog::open(&config.data_dir())
        .with_context(|| format!("无法打开 {} 里的搜索记录", config.data_dir().display()))?;
    let report = log.report()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.is_empty() {
        println!("还没有“搜不到”的记录。");
    } else {
        println!("居民搜索过、但没有找到结果的词（可考虑加为事项别名）：");
        for m in report {
            println!("{:>4} 次  {}  （最近：{}）", m.count, m.query, m.last);
        }
    }
    Ok(())
}
