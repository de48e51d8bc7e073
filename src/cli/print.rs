//! `banshi print`: the exact bytes a receipt printer would get for a guide's 一次性告知单, for
//! technicians (try a printer: `--out /dev/usb/lp0`) and tests; `--png` also writes the picture.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{config, open_store, ContentArgs};
use crate::print::{self, escpos::Paper};

#[derive(Args)]
pub struct PrintArgs {
    /// The guide's id.
    #[arg(long)]
    pub guide: String,
    /// Only the materials of this situation (1 = the first), when the guide has several.
    #[arg(long)]
    pub situation: Option<usize>,
    /// Paper width in millimetres: 58 or 80.
    #[arg(long, default_value_t = 80)]
    pub width: u32,
    /// Where the printer's bytes go (a file, or the printer device).
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the slip as a PNG picture.
    #[arg(long)]
    pub png: Option<PathBuf>,
    #[command(flatten)]
    pub content: ContentArgs,
}

pub fn print(args: &PrintArgs) -> anyhow::Result<()> {
    let paper = Paper::from_mm(args.width)
        .with_context(|| format!("纸宽只能是 58 或 80（毫米），不是 {}", args.width))?;
    let situation = match args.situation {
        Some(0) => anyhow::bail!("情形从 1 开始编号"),
        s => s.map(|n| n - 1),
    };
    let config = config(&args.content)?;
    let store = open_store(&args.content, &config)?;
    let scope = store.scope(config.region.as_deref())?;
    let today = chrono::Local::now().date_naive();
    let out = print::guide_slip(&store, &scope, &args.guide, situation, paper, today)?;
    if !out.rendered.missing.is_empty() {
        let chars: String = out.rendered.missing.iter().collect();
        log::warn!("这些字没有字体可以打印，印成了方框：{chars}（请安装 fonts-noto-cjk）");
    }
    let is_device = std::fs::metadata(&args.out)
        .is_ok_and(|m| std::os::unix::fs::FileTypeExt::is_char_device(&m.file_type()));
    if is_device {
        // A real printer: asked for paper and errors first, with what to do about them.
        print::device::send(&args.out, &out.bytes)
            .map_err(|e| anyhow::anyhow!("{e}。{}", e.hint()))?;
    } else {
        std::fs::write(&args.out, &out.bytes).with_context(|| {
            format!(
                "无法写入 {}（打印机没连上或没有权限？）",
                args.out.display()
            )
        })?;
    }
    if let Some(png) = &args.png {
        out.rendered
            .image
            .save(png)
            .with_context(|| format!("无法写入 {}", png.display()))?;
    }
    println!(
        "已生成告知单：{} 点宽，{} 点高，{} 字节 → {}",
        out.rendered.image.width(),
        out.rendered.image.height(),
        out.bytes.len(),
        args.out.display()
    );
    Ok(())
}
