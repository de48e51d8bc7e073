//! The spreadsheet route (issue 13): a county's 实施清单 workbook (xlsx, xls, ods or csv) ↔ the
//! content folder. [`layout`] says which sheet and column holds what (the default follows the
//! national 实施清单 fields, `assets/spreadsheet/layout.toml`; a province's mapping file changes
//! names), [`read`] loads a workbook into plain cells (merged cells filled), [`cells`] turns a
//! cell into a model value, [`convert`] builds a `Content` and reports every problem by sheet,
//! row and column, [`export`] writes a content folder back as a workbook in the same layout,
//! [`folder`] writes a `Content` as a content folder in one step.

pub mod cells;
pub mod convert;
pub mod export;
pub mod folder;
pub mod layout;
pub mod read;

use std::fmt;

/// Where a problem is: a sheet, a row (1-based, as the spreadsheet shows it) and a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub sheet: String,
    pub row: Option<u32>,
    /// 0-based column and the header written there (or the header expected when missing).
    pub col: Option<(Option<u32>, String)>,
}

/// Column letters as the spreadsheet shows them: 0 → A, 26 → AA.
pub fn col_letters(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "表“{}”", self.sheet)?;
        if let Some(r) = self.row {
            write!(f, "第 {r} 行")?;
        }
        match &self.col {
            Some((Some(c), h)) => write!(f, " {} 列（{h}）", col_letters(*c)),
            Some((None, h)) => write!(f, "“{h}”列（表里没有这一列）"),
            None => Ok(()),
        }
    }
}

/// One problem found while converting a workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetProblem {
    /// In the workbook; `None` when it is in a file of `--base` (then `file` says where).
    pub loc: Option<Loc>,
    pub file: Option<String>,
    /// The service item (or other row) the problem belongs to, by name.
    pub item: Option<String>,
    /// What is wrong and how to fix it, in Chinese.
    pub message: String,
}

impl fmt::Display for SheetProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = &self.loc {
            write!(f, "{l}")?;
        } else if let Some(file) = &self.file {
            write!(f, "{file}")?;
        }
        if let Some(i) = &self.item {
            write!(f, "，“{i}”")?;
        }
        write!(f, "：{}", self.message)
    }
}

/// Every problem of a workbook; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetProblems(pub Vec<SheetProblem>);

impl fmt::Display for SheetProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "表格有 {} 处问题，没有写出任何文件。请在表格里逐条改正后再转换：",
            self.0.len()
        )?;
        for p in &self.0 {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SheetProblems {}
