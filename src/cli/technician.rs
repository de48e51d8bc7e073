//! The technician's tools: checking a kiosk (`doctor`), the PIN line for the config
//! (`pin-hash`), the touch rotation udev rule (`touch-rotation`) and one sync by hand (`sync`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::Args;

use super::{config, sync_options, ContentArgs};
use crate::config::Config;

#[derive(Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub content: ContentArgs,
    /// Repository address (overrides the config's server).
    #[arg(long, conflicts_with = "from")]
    pub server: Option<String>,
    /// Apply a repository from a folder, e.g. a USB stick.
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// The trust anchor root.json (overrides the config's trust_root).
    #[arg(long)]
    pub trust: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for a connection.
    #[arg(long, default_value_t = 10)]
    pub connect_timeout: u64,
    /// Seconds of silence before a transfer counts as broken.
    #[arg(long, default_value_t = 30)]
    pub read_timeout: u64,
    /// Seconds after which the whole sync stops (the next one resumes).
    #[arg(long, default_value_t = 1800)]
    pub deadline: u64,
}

#[derive(Args)]
pub struct TouchRotationArgs {
    /// Config file (default: the one the kiosk uses).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Where to write the rule.
    #[arg(long, default_value = crate::kiosk::rotation::RULES_DIR)]
    pub rules_dir: PathBuf,
    /// Only write the rule; do not ask udev to reload and re-apply it.
    #[arg(long)]
    pub no_trigger: bool,
}

#[derive(Args)]
pub struct DoctorArgs {
    /// Config file (default: the one the kiosk uses: $BANSHI_CONFIG, /etc/banshi/kiosk.toml, …).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// On the county host: check the published repository in this folder instead (its signed
    /// metadata must not expire: fails from 7 days before).
    #[arg(long)]
    pub repo: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

pub fn sync(args: SyncArgs) -> ExitCode {
    let run = || -> anyhow::Result<crate::sync::Report> {
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
        Ok(crate::sync::run_once(&opts))
    };
    let report = match run() {
        Ok(r) => r,
        Err(e) => crate::sync::Report {
            status: crate::sync::Status::Error,
            version: None,
            bytes_downloaded: 0,
            error: Some(format!("{e:#}")),
            apply_seconds: 0.0,
            phases: Default::default(),
        },
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        let what = crate::format::sync_outcome(report.status);
        let v = report
            .version
            .map(|v| format!("，第 {v} 版"))
            .unwrap_or_default();
        println!("同步结果：{what}{v}，下载 {} 字节", report.bytes_downloaded);
        if let Some(e) = &report.error {
            log::error!("{e}");
        }
    }
    if report.status.is_failure() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

pub fn pin_hash() -> anyhow::Result<()> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("无法读取 PIN")?;
    let pin = line.trim();
    crate::pin::check_pin(pin).map_err(|e| anyhow!(e))?;
    println!("technician_pin_hash = \"{}\"", crate::pin::hash(pin));
    Ok(())
}

pub fn doctor(args: &DoctorArgs) -> ExitCode {
    let (explicit, json) = (args.config.as_deref(), args.json);
    let (config, path) = match Config::discover(explicit) {
        Ok((c, p)) => (Ok(c), p),
        Err(e) => (Err(e.to_string()), explicit.map(Path::to_path_buf)),
    };
    let checks = match &args.repo {
        // On the county host: the published repository, not a kiosk.
        Some(repo) => vec![crate::doctor::repository(repo, chrono::Utc::now())],
        None => crate::doctor::run(config, path.as_deref(), std::time::Duration::from_secs(5)),
    };
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

/// Writes (or, for 0°, removes) the udev rule that turns touch with the picture, then asks udev
/// to apply it to the touchscreens already present.
pub fn touch_rotation(args: &TouchRotationArgs) -> anyhow::Result<()> {
    let (explicit, rules_dir, trigger) =
        (args.config.as_deref(), &args.rules_dir, !args.no_trigger);
    use crate::kiosk::rotation::{install_rule, RuleChange};
    let (config, _) = Config::discover(explicit)?;
    let rotation = config.rotation();
    match install_rule(rotation, rules_dir)? {
        RuleChange::Written(path) => println!("触摸旋转 {rotation}°：已写入 {}", path.display()),
        RuleChange::Removed(path) => println!("触摸不旋转：已删除 {}", path.display()),
        RuleChange::NoneNeeded => println!("触摸不旋转（rotation = 0）"),
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
