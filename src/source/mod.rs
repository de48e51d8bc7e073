//! Reading authored content (a folder of TOML files, see `docs/authoring.md`).
//!
//! Loading is all-or-nothing: every file is parsed and every rule checked, all problems are
//! collected, and a [`Content`] is returned only when there are none. Each problem names the file,
//! the field and what to do, in words county staff understand.

pub mod locate;
pub mod validate;

pub mod glyphs;
use std::fmt;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::model::{
    Categories, Content, County, Department, HallWindow, Notice, RatingSet, Regions, ServiceItem,
};

/// One authored file: its path relative to the content folder (with `/`) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// One problem in the authored content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// File relative to the content folder, e.g. `items/gongan/x.toml`.
    pub file: String,
    /// Field path, e.g. `fee[0].amount_fen`; empty when the problem is the whole file.
    pub field: String,
    /// What is wrong and what to do, in Chinese.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}：{}", self.file, self.message)
        } else {
            write!(f, "{}：字段 {}：{}", self.file, self.field, self.message)
        }
    }
}

/// Every problem found in a content folder; nothing was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "内容有 {} 处错误，未导入任何内容。请逐条改正后再试：",
            self.0.len()
        )?;
        for p in &self.0 {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

const REQUIRED: &[&str] = &[
    "county.toml",
    "regions.toml",
    "departments.toml",
    "windows.toml",
    "categories.toml",
];

/// The county's 好差评 indicator set: optional (the kiosk has a built-in one).
pub const RATINGS_FILE: &str = "ratings.toml";

/// Reads every file below `dir` (recursively) and loads it.
pub fn load_dir(dir: &Path) -> Result<Content, Problems> {
    load_files(read_dir_files(dir)?)
}

/// The `.toml` files below `dir`, read (for [`load_files`], and for checks beyond loading such
/// as font coverage, without reading the folder twice).
pub fn read_dir_files(dir: &Path) -> Result<Vec<SourceFile>, Problems> {
    if !dir.is_dir() {
        return Err(Problems(vec![Problem {
            file: dir.display().to_string(),
            field: String::new(),
            message: "找不到这个内容文件夹。请检查路径是否正确。".into(),
        }]));
    }
    let (mut files, mut problems) = (Vec::new(), Vec::new());
    collect_dir(dir, dir, &mut files, &mut problems);
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(Problems(problems))
    }
}

fn collect_dir(root: &Path, dir: &Path, out: &mut Vec<SourceFile>, problems: &mut Vec<Problem>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(Problem {
                file: dir.display().to_string(),
                field: String::new(),
                message: format!("无法读取文件夹：{e}"),
            });
            return;
        }
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_dir(root, &path, out, problems);
        } else if path.extension().is_some_and(|e| e == "toml") {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            match std::fs::read(&path) {
                Ok(bytes) => out.push(SourceFile { path: rel, bytes }),
                Err(e) => problems.push(Problem {
                    file: rel,
                    field: String::new(),
                    message: format!("无法读取文件：{e}"),
                }),
            }
        }
    }
}

/// Loads content from files already in memory (the embedded sample county, or a folder read by
/// [`load_dir`]). Only `.toml` files count; their place in the folder says what they are.
pub fn load_files(mut files: Vec<SourceFile>) -> Result<Content, Problems> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut problems = Vec::new();
    let mut parse = Parser {
        problems: &mut problems,
    };

    let find = |name: &str| files.iter().find(|f| f.path == name);
    for name in REQUIRED {
        if find(name).is_none() {
            parse.problems.push(Problem {
                file: (*name).into(),
                field: String::new(),
                message: "缺少这个文件。每个内容文件夹都必须有它，格式见 docs/authoring.md。"
                    .into(),
            });
        }
    }
    let county: Option<County> = find("county.toml").and_then(|f| parse.parse(f));
    let regions: Option<Regions> = find("regions.toml").and_then(|f| parse.parse(f));
    let departments: Option<DepartmentsFile> =
        find("departments.toml").and_then(|f| parse.parse(f));
    let windows: Option<WindowsFile> = find("windows.toml").and_then(|f| parse.parse(f));
    let categories: Option<Categories> = find("categories.toml").and_then(|f| parse.parse(f));
    // A ratings.toml that does not parse is a problem of its own (collected by `parse`).
    let ratings: Option<RatingSet> = find(RATINGS_FILE).and_then(|f| parse.parse(f));

    let mut items = Vec::new();
    let mut item_files = Vec::new();
    let mut notices = Vec::new();
    let mut notice_files = Vec::new();
    for f in &files {
        if REQUIRED.contains(&f.path.as_str()) || f.path == RATINGS_FILE {
            continue;
        }
        if f.path.starts_with("items/") {
            if let Some(item) = parse.parse::<ServiceItem>(f) {
                items.push(item);
                item_files.push(f.path.clone());
            }
        } else if f.path.starts_with("notices/") {
            if let Some(n) = parse.parse::<Notice>(f) {
                notices.push(n);
                notice_files.push(f.path.clone());
            }
        } else {
            parse.problems.push(Problem {
                file: f.path.clone(),
                field: String::new(),
                message: "不认识这个文件：办事指南请放在 items/ 下，公开信息请放在 notices/ 下，好差评的评价原因写在 ratings.toml。"
                    .into(),
            });
        }
    }

    let (Some(county), Some(regions), Some(departments), Some(windows), Some(categories)) =
        (county, regions, departments, windows, categories)
    else {
        return Err(Problems(problems));
    };
    let content = Content {
        county,
        regions,
        departments: departments.department,
        windows: windows.window,
        categories,
        items,
        notices,
        ratings,
    };
    validate::check(&content, &item_files, &notice_files, &mut problems);
    if problems.is_empty() {
        Ok(content)
    } else {
        Err(Problems(problems))
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DepartmentsFile {
    #[serde(default)]
    department: Vec<Department>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowsFile {
    #[serde(default)]
    window: Vec<HallWindow>,
}

struct Parser<'a> {
    problems: &'a mut Vec<Problem>,
}

impl Parser<'_> {
    fn parse<T: DeserializeOwned>(&mut self, f: &SourceFile) -> Option<T> {
        let text = match std::str::from_utf8(&f.bytes) {
            Ok(t) => t,
            Err(e) => {
                self.problems.push(Problem {
                    file: f.path.clone(),
                    field: String::new(),
                    message: format!(
                        "不是 UTF-8 编码的文本（第 {} 个字节起无法识别）。请在编辑器里用“UTF-8”编码另存后再试。",
                        e.valid_up_to() + 1
                    ),
                });
                return None;
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        match toml::from_str::<T>(text) {
            Ok(v) => Some(v),
            Err(e) => {
                let line = e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
                let key = e.span().and_then(|s| key_before(text, s.start));
                let (field, what) = describe_toml_error(e.message(), key);
                let at = line.map(|l| format!("第 {l} 行："));
                self.problems.push(Problem {
                    file: f.path.clone(),
                    field,
                    message: format!("{}{what}", at.unwrap_or_default()),
                });
                None
            }
        }
    }
}

/// The key whose value starts at `at`: the name before the last `=` on that line before `at`
/// (`amount_fen = 20.5`, or `value` in `promised_limit = { value = 1.5, … }`).
fn key_before(text: &str, at: usize) -> Option<String> {
    let before = text.get(..at.min(text.len()))?;
    let line = before.rsplit('\n').next()?;
    let (left, _) = line.rsplit_once('=')?;
    let key: String = left
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!key.is_empty()).then_some(key)
}

/// serde's name of a type, as an author would say it.
fn type_words(t: &str) -> &'static str {
    let t = t.trim();
    let int_type = [
        "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize",
    ];
    if int_type.contains(&t) || t.contains("integer") {
        "整数（不带小数点、不加引号）"
    } else if t.contains("floating") {
        "小数"
    } else if t.contains("string") || t.starts_with("a string") {
        "文字（用英文双引号括起来）"
    } else if t.contains("bool") {
        "true 或 false（不加引号）"
    } else if t.contains("sequence") || t.contains("array") {
        "列表，例如 [\"甲\", \"乙\"]"
    } else if t.contains("date") {
        "日期，例如 2026-10-15（不加引号）"
    } else if t.contains("map") || t.contains("struct") || t.contains("table") {
        "一组字段（表）"
    } else {
        "其他类型"
    }
}

/// Turns serde/toml's English message into a field name and a Chinese explanation.
fn describe_toml_error(msg: &str, key: Option<String>) -> (String, String) {
    let quoted = |m: &str| m.split('`').nth(1).unwrap_or("").to_string();
    let msg = msg.trim();
    if msg.starts_with("missing field") {
        let f = quoted(msg);
        (
            f,
            "缺少这个必填字段，请补上（格式见 docs/authoring.md）。".into(),
        )
    } else if msg.starts_with("unknown field") {
        let f = quoted(msg);
        let expected = msg.split("expected").nth(1).unwrap_or("").trim();
        (
            f,
            format!("没有这个字段，可能是拼写错误。可用的字段：{expected}"),
        )
    } else if let Some(rest) = msg.strip_prefix("invalid type:") {
        // "invalid type: floating point `20.5`, expected i64"
        let (found, expected) = rest.split_once(", expected").unwrap_or((rest, ""));
        let value = found
            .split('`')
            .nth(1)
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        let mut what = format!(
            "值的类型不对：这里要写{}，现在写的是{}{value}。",
            type_words(expected),
            type_words(found)
        );
        let key = key.unwrap_or_default();
        if key.ends_with("_fen") && found.contains("floating") {
            what.push_str("金额以“分”为单位，写整数：20 元写 2000，0.5 元写 50。");
        }
        (key, what)
    } else if msg.contains("duplicate key") {
        (
            String::new(),
            format!("同一个字段写了两次，请删掉一个：{msg}"),
        )
    } else {
        (
            String::new(),
            format!("TOML 格式错误，请检查引号、括号和等号是否成对、完整：{msg}"),
        )
    }
}
