//! A workbook (xlsx, xls, ods via calamine; csv) read into plain cells, merged cells filled with
//! their top-left value, so a 实施编码 or 情形 merged over several rows is on every row.

use std::path::Path;

use calamine::{Data, Reader};

use super::cells::Cell;

/// One sheet: rows of cells, row 0 is the sheet's first row.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn cell(&self, row: usize, col: usize) -> &Cell {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .unwrap_or(&Cell::Empty)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Book {
    pub sheets: Vec<Sheet>,
}

impl Book {
    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        let norm = |s: &str| super::cells::code(s);
        self.sheets.iter().find(|s| norm(&s.name) == norm(name))
    }
}

fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => Cell::Date(dt.as_f64()),
        Data::DateTimeIso(s) => Cell::Text(s.get(..10).unwrap_or(s).to_string()),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// Reads a workbook; the message says what is wrong in Chinese.
pub fn read(path: &Path) -> Result<Book, String> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" => {
            let bytes =
                std::fs::read(path).map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
            read_csv(&bytes, "事项")
        }
        "xlsx" | "xlsm" | "xls" | "ods" | "xlsb" => read_workbook(path),
        _ => Err(format!(
            "不认识“{}”这种文件：请用 Excel/WPS 另存为 .xlsx（也可以是 .xls、.ods 或 .csv）。",
            path.display()
        )),
    }
}

fn read_workbook(path: &Path) -> Result<Book, String> {
    let mut wb = calamine::open_workbook_auto(path).map_err(|e| {
        format!(
            "打不开表格 {}（{e}）。请确认文件完整、没有加密，必要时用 Excel/WPS 重新另存为 .xlsx。",
            path.display()
        )
    })?;
    let mut book = Book::default();
    for name in wb.sheet_names() {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| format!("读不了表“{name}”：{e}"))?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let (r0, c0) = (r0 as usize, c0 as usize);
        let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); r0];
        for r in range.rows() {
            let mut row = vec![Cell::Empty; c0];
            row.extend(r.iter().map(cell));
            rows.push(row);
        }
        let merges = match &mut wb {
            calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            calamine::Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => Vec::new(),
        };
        for m in merges {
            let (sr, sc) = (m.start.0 as usize, m.start.1 as usize);
            let value = rows
                .get(sr)
                .and_then(|r| r.get(sc))
                .cloned()
                .unwrap_or(Cell::Empty);
            for r in sr..=m.end.0 as usize {
                for c in sc..=m.end.1 as usize {
                    if rows.len() <= r {
                        rows.resize(r + 1, Vec::new());
                    }
                    let row = &mut rows[r];
                    if row.len() <= c {
                        row.resize(c + 1, Cell::Empty);
                    }
                    if row[c] == Cell::Empty {
                        row[c] = value.clone();
                    }
                }
            }
        }
        book.sheets.push(Sheet { name, rows });
    }
    Ok(book)
}

/// A CSV file is one sheet (the 事项 table). UTF-8 with or without BOM; GBK, as Excel saves CSV
/// on a Chinese Windows, is recognised too.
pub fn read_csv(bytes: &[u8], sheet: &str) -> Result<Book, String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err(
                    "CSV 文件既不是 UTF-8 也不是 GBK 编码，读不出汉字。请在 Excel/WPS 里“另存为 CSV UTF-8”。"
                        .into(),
                );
            }
            t.into_owned()
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec =
            rec.map_err(|e| format!("CSV 第 {} 行写法有误（{e}）：请检查引号是否成对。", i + 1))?;
        rows.push(
            rec.iter()
                .map(|s| {
                    if s.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(s.to_string())
                    }
                })
                .collect(),
        );
    }
    Ok(Book {
        sheets: vec![Sheet {
            name: sheet.to_string(),
            rows,
        }],
    })
}
