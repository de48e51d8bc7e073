//! The `banshi` command line, grouped as its users see it: the kiosk itself ([`kiosk`]: the
//! kiosk and its screenshots), content work ([`content`]: status, validate, import, search,
//! reports), the county's repository ([`county`]: keygen, publish, serve) and the technician's
//! tools ([`technician`]: doctor, pin-hash, touch-rotation, sync). `src/main.rs` only parses and
//! dispatches; each command's arguments live beside it. This module holds what several groups
//! share: where the config and the content come from.

pub mod content;
pub mod county;
pub mod hub;
pub mod hub_user;
pub mod kiosk;
pub mod outbox;
pub mod preview;
pub mod print;
pub mod speak;
pub mod spreadsheet;
pub mod technician;

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use clap::Args;

use crate::config::Config;
use crate::store::Store;
use crate::{sample, source};

#[derive(Args, Clone, Default)]
pub struct ContentArgs {
    /// Config file (default: $BANSHI_CONFIG, /etc/banshi/kiosk.toml, or the user's config folder).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Data folder holding content.db (overrides the config).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Show an authored content folder directly, without importing it (for county staff).
    #[arg(long)]
    pub content: Option<PathBuf>,
    /// Region code of where the kiosk stands (overrides the config).
    #[arg(long)]
    pub region: Option<String>,
}

/// `--size 1080x1920`: a window or screenshot size in pixels.
pub fn parse_size(s: &str) -> Result<(u32, u32), String> {
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

/// The config with command-line overrides applied.
pub fn config(args: &ContentArgs) -> anyhow::Result<Config> {
    Ok(config_and_path(args)?.0)
}

/// The config with command-line overrides applied, and the file it came from (shown on the
/// technician screen).
pub fn config_and_path(args: &ContentArgs) -> anyhow::Result<(Config, Option<PathBuf>)> {
    let (mut config, path) = Config::discover(args.config.as_deref())?;
    crate::logging::set_kiosk_id(&config.kiosk_id);
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
pub fn open_store(args: &ContentArgs, config: &Config) -> anyhow::Result<Store> {
    if let Some(dir) = &args.content {
        let content = source::load_dir(dir).map_err(|e| anyhow!("{e}"))?;
        return Ok(Store::in_memory(&content)?);
    }
    Ok(Store::open_or_seed(&config.data_dir(), sample::sample)?)
}

/// Before any window exists: make sure fontconfig finds at least one font (see `fonts`).
pub fn prepare_fonts(config: &Config) {
    if let Err(e) = crate::fonts::ensure_fontconfig(&config.data_dir()) {
        log::warn!(
            "无法在 {} 写入字体配置（{e}）。若本机没有任何字体，界面可能无法启动：请检查数据目录权限，或安装 fonts-noto-cjk。",
            config.data_dir().display()
        );
    }
}

/// The sync options for a command or the kiosk: command-line overrides, then the config.
pub fn sync_options(
    config: &Config,
    server: Option<&str>,
    from: Option<&Path>,
    trust: Option<&Path>,
) -> anyhow::Result<Option<crate::sync::Options>> {
    use crate::sync::{Options, Source};
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_width_by_height_within_bounds() {
        assert_eq!(parse_size("1080x1920"), Ok((1080, 1920)));
        assert_eq!(parse_size("1920 × 1080"), Ok((1920, 1080)));
        assert_eq!(parse_size("800X600"), Ok((800, 600)));
        assert!(parse_size("1920").is_err());
        assert!(parse_size("axb").is_err());
        assert!(parse_size("100x100").is_err());
        assert!(parse_size("9000x1000").is_err());
    }
}
