//! `banshi preview DIR`: the kiosk in a window on the author's desktop, showing an authored
//! content folder and reloading it within a second of any file in it changing; while the folder
//! has problems, the window shows them (file, line, message) instead of the content.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{parse_size, prepare_fonts};
use crate::config::Config;
use crate::kiosk::preview::{Preview, Reload};
use crate::store::Store;

#[derive(Args)]
pub struct PreviewArgs {
    /// The content folder (as `banshi convert --out` writes it, or written by hand).
    pub dir: PathBuf,
    /// Show it as the kiosk of this town or village would (12-digit region code).
    #[arg(long)]
    pub region: Option<String>,
    /// Window size, e.g. 1080x1920 for a portrait kiosk.
    #[arg(long, value_parser = parse_size, default_value = "1920x1080")]
    pub size: (u32, u32),
    /// Start in large-text mode.
    #[arg(long)]
    pub large_text: bool,
}

pub fn preview(args: &PreviewArgs) -> anyhow::Result<()> {
    // Nothing of the author's machine is touched: the database and the search log live in a
    // temporary folder removed at the end.
    let scratch = tempfile::Builder::new()
        .prefix("banshi-preview-")
        .tempdir()
        .context("无法建立预览用的临时文件夹")?;
    let config = Config {
        data_dir: Some(scratch.path().to_path_buf()),
        region: args.region.clone(),
        large_text: args.large_text,
        ..Config::default()
    };
    prepare_fonts(&config);
    slint::BackendSelector::new()
        .backend_name("winit".into())
        .select()
        .context("无法打开预览窗口：预览需要图形桌面（X11 或 Wayland）。在没有桌面的机器上请用 banshi validate 和 banshi screenshot --content")?;
    // The window starts with the folder as it is now, or — while it has problems, shown on top —
    // with the sample county underneath.
    let first = crate::kiosk::preview::load(&args.dir);
    let start = match &first {
        Reload::Content(c) => (**c).clone(),
        Reload::Problems(_) => crate::sample::sample(),
    };
    let db = scratch.path().join(crate::store::DB_FILE);
    Store::create(&db, &start)?;
    let store = Store::open(&db)?;
    let ui = crate::ui::KioskUi::new(store, config)?;
    use slint::ComponentHandle;
    ui.window
        .window()
        .set_size(slint::PhysicalSize::new(args.size.0, args.size.1));
    let _watching = ui.watch_folder(Preview::new(&args.dir));
    println!(
        "正在预览 {}：改动并保存文件后，窗口在一秒内刷新。关闭窗口结束预览。",
        args.dir.display()
    );
    ui.window.run().context("无法打开预览窗口")?;
    Ok(())
}
