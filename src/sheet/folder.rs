//! A `Content` as a content folder (the layout `banshi validate` reads), written in one step: the
//! files go into a new folder beside the target, which then takes the target's place, so an
//! existing folder is never half overwritten.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::{Categories, Content, Department, HallWindow};
use crate::source::SourceFile;

#[derive(Serialize)]
struct DepartmentsFile<'a> {
    department: &'a [Department],
}

#[derive(Serialize)]
struct WindowsFile<'a> {
    window: &'a [HallWindow],
}

fn toml_text<T: Serialize>(v: &T) -> Result<String, String> {
    toml::to_string(v).map_err(|e| format!("无法写成 TOML：{e}"))
}

/// The files of a content folder for `content`: the five base files, `items/<department>/<id>.toml`
/// and `notices/<id>.toml`.
pub fn files(content: &Content) -> Result<Vec<SourceFile>, String> {
    let mut out = Vec::new();
    let mut push = |path: String, text: String| {
        out.push(SourceFile {
            path,
            bytes: text.into_bytes(),
        })
    };
    push("county.toml".into(), toml_text(&content.county)?);
    push("regions.toml".into(), toml_text(&content.regions)?);
    push(
        "departments.toml".into(),
        toml_text(&DepartmentsFile {
            department: &content.departments,
        })?,
    );
    push(
        "windows.toml".into(),
        toml_text(&WindowsFile {
            window: &content.windows,
        })?,
    );
    push(
        "categories.toml".into(),
        toml_text::<Categories>(&content.categories)?,
    );
    if let Some(set) = &content.ratings {
        push(crate::source::RATINGS_FILE.into(), toml_text(set)?);
    }
    for item in &content.items {
        push(item_path(&item.department, &item.id), toml_text(item)?);
    }
    for n in &content.notices {
        push(format!("notices/{}.toml", safe(&n.id)), toml_text(n)?);
    }
    Ok(out)
}

pub fn item_path(department: &str, id: &str) -> String {
    format!("items/{}/{}.toml", safe(department), safe(id))
}

/// A file name from an id that may not be valid yet (the validator reports the id itself).
fn safe(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "_".into()
    } else {
        s
    }
}

/// Writes `files` as the folder `dir`. A missing or empty `dir` is created; an existing content
/// folder is replaced only with `replace`, and then kept beside it as
/// `<dir>.before-convert-<time>` (returned). Either the old folder or the whole new one is at
/// `dir`, never a mix.
pub fn write(dir: &Path, files: &[SourceFile], replace: bool) -> Result<Option<PathBuf>, String> {
    let name = dir
        .file_name()
        .ok_or_else(|| format!("{} 不能用作输出文件夹。", dir.display()))?
        .to_string_lossy()
        .to_string();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let occupied = dir.is_dir()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true);
    if dir.exists() && !dir.is_dir() {
        return Err(format!("{} 是一个文件，不是文件夹。", dir.display()));
    }
    if occupied && !replace {
        return Err(format!(
            "输出文件夹 {} 已有内容。要用表格里的内容整体替换它，请加 --replace（原来的文件夹会改名保留）；或换一个新的文件夹。",
            dir.display()
        ));
    }
    if occupied && !dir.join("county.toml").is_file() {
        return Err(format!(
            "输出文件夹 {} 里有别的文件，不像是内容文件夹（没有 county.toml），不会替换它。请换一个文件夹。",
            dir.display()
        ));
    }
    std::fs::create_dir_all(&parent)
        .map_err(|e| format!("无法创建文件夹 {}：{e}", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.converting-"))
        .tempdir_in(&parent)
        .map_err(|e| format!("无法在 {} 里写临时文件夹：{e}", parent.display()))?;
    for f in files {
        let path = tmp.path().join(&f.path);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(|e| format!("无法创建 {}：{e}", p.display()))?;
        }
        std::fs::write(&path, &f.bytes).map_err(|e| format!("无法写 {}：{e}", path.display()))?;
    }
    let new = tmp.keep();
    let fail = |e: std::io::Error| {
        let _ = std::fs::remove_dir_all(&new);
        format!("无法把新内容放到 {}：{e}", dir.display())
    };
    if !occupied {
        if dir.is_dir() {
            std::fs::remove_dir(dir).map_err(fail)?;
        }
        std::fs::rename(&new, dir).map_err(fail)?;
        return Ok(None);
    }
    // Swap the two folders in one step, then move the old one (now at `new`) aside.
    rustix::fs::renameat_with(
        rustix::fs::CWD,
        &new,
        rustix::fs::CWD,
        dir,
        rustix::fs::RenameFlags::EXCHANGE,
    )
    .map_err(|e| fail(e.into()))?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let kept = parent.join(format!("{name}.before-convert-{stamp}"));
    std::fs::rename(&new, &kept)
        .map_err(|e| format!("新内容已写好；原来的内容留在 {}（{e}）", new.display()))?;
    Ok(Some(kept))
}
