//! The spreadsheet route for county staff (issue 13): `convert` (a 实施清单 workbook → a content
//! folder, validated) and `export --xlsx` (a content folder → a workbook in the same layout).

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;

use crate::sheet::{self, layout::Layout};
use crate::source;

#[derive(Args)]
pub struct ConvertArgs {
    /// The workbook: .xlsx, .xls, .ods or .csv (layout: assets/spreadsheet/layout.toml).
    pub workbook: PathBuf,
    /// The content folder to write (created; an existing one only with --replace).
    #[arg(long)]
    pub out: PathBuf,
    /// A mapping file naming this province's sheets and columns (laid over the default layout).
    #[arg(long)]
    pub layout: Option<PathBuf>,
    /// A content folder to take what the workbook has no sheet for (county, departments,
    /// windows, regions, categories, notices), e.g. when the workbook lists items only.
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// Replace an existing content folder at --out (the old one is kept beside it).
    #[arg(long)]
    pub replace: bool,
}

#[derive(Args)]
pub struct ExportArgs {
    /// Write an .xlsx workbook (the only format for now).
    #[arg(long)]
    pub xlsx: bool,
    /// The content folder to export.
    pub dir: PathBuf,
    /// The workbook to write.
    pub out: PathBuf,
    /// A mapping file: write this province's sheet and column names instead of the default.
    #[arg(long)]
    pub layout: Option<PathBuf>,
}

pub fn convert(args: &ConvertArgs) -> anyhow::Result<()> {
    let layout = Layout::load(args.layout.as_deref()).map_err(|e| anyhow!(e))?;
    let book = sheet::read::read(&args.workbook).map_err(|e| anyhow!(e))?;
    let base = match &args.base {
        Some(dir) => Some(
            source::load_dir(dir)
                .map_err(|e| anyhow!("--base {} 的内容有问题：\n{e}", dir.display()))?,
        ),
        None => None,
    };
    let converted =
        sheet::convert::convert(&book, &layout, base.as_ref()).map_err(|e| anyhow!("{e}"))?;
    let kept =
        sheet::folder::write(&args.out, &converted.files, args.replace).map_err(|e| anyhow!(e))?;
    // Then check the folder as written, exactly as `banshi validate` does.
    let files = source::read_dir_files(&args.out).map_err(|e| anyhow!("{e}"))?;
    let warnings = source::glyphs::warnings(&files);
    let content = source::load_files(files).map_err(|e| anyhow!("{e}"))?;
    if !warnings.is_empty() {
        println!("提醒（不影响转换）：");
        for w in &warnings {
            println!("  - {w}");
        }
    }
    println!(
        "转换完成，内容检查通过：{} 第 {} 版，事项 {} 项，公开信息 {} 条，部门 {} 个，已写到 {}。",
        content.county.name,
        content.county.content_version,
        content.items.len(),
        content.notices.len(),
        content.departments.len(),
        args.out.display()
    );
    if let Some(k) = kept {
        println!("原来的内容文件夹保留在 {}。", k.display());
    }
    Ok(())
}

pub fn export(args: &ExportArgs) -> anyhow::Result<()> {
    if !args.xlsx {
        return Err(anyhow!("请加 --xlsx：目前只能导出为 .xlsx 表格。"));
    }
    let layout = Layout::load(args.layout.as_deref()).map_err(|e| anyhow!(e))?;
    let content = source::load_dir(&args.dir).map_err(|e| anyhow!("{e}"))?;
    sheet::export::write(&content, &layout, &args.out).map_err(|e| anyhow!(e))?;
    println!(
        "已导出 {} 第 {} 版（事项 {} 项）到 {}。改好后用 banshi convert 转回内容文件夹。",
        content.county.name,
        content.county.content_version,
        content.items.len(),
        args.out.display()
    );
    Ok(())
}
