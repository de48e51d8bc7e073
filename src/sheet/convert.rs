//! Workbook → `Content`. Every table is found by its sheet name and its header row (anywhere in
//! the first 30 rows); every row becomes a model value; every problem — a cell that cannot be
//! read, and every rule of `banshi validate` — is reported with the sheet, row, column and the
//! item's name. Nothing is returned unless there are none.

use std::collections::HashMap;

use super::cells::{self, Cell};
use super::layout::{Layout, Table};
use super::read::{Book, Sheet};
use super::{folder, Loc, SheetProblem, SheetProblems};
use crate::model::*;
use crate::source::{self, SourceFile};

/// How many rows from the top the header row may be (title and note rows above it).
const HEADER_SEARCH_ROWS: usize = 30;
/// The situation (情形) of materials written without one.
pub const DEFAULT_SITUATION: &str = "通用";
/// The village mode of items whose row does not say (information only).
pub const DEFAULT_VILLAGE_MODE: &str = "告知";

/// A converted workbook: the content and its files, already validated.
#[derive(Debug)]
pub struct Converted {
    pub content: Content,
    pub files: Vec<SourceFile>,
}

/// A header normalised for matching: no spaces or line breaks, no required-marks (*, （必填）),
/// full-width letters and digits made plain.
fn norm_header(s: &str) -> String {
    let s = cells::code(s);
    let s = s.replace(['*', '＊'], "");
    let mut s = s.as_str();
    for tail in ["（必填）", "(必填)", "（选填）", "(选填)"] {
        s = s.strip_suffix(tail).unwrap_or(s);
    }
    s.to_string()
}

/// A table found in the workbook.
struct Found<'b> {
    sheet: &'b Sheet,
    table: &'b Table,
    /// Field → (0-based column, header as written).
    cols: HashMap<String, (usize, String)>,
    /// Data rows (0-based), blank rows left out.
    rows: Vec<usize>,
}

impl Found<'_> {
    fn cell(&self, row: usize, field: &str) -> &Cell {
        match self.cols.get(field) {
            Some((c, _)) => self.sheet.cell(row, *c),
            None => &Cell::Empty,
        }
    }
    fn has(&self, field: &str) -> bool {
        self.cols.contains_key(field)
    }
    fn loc(&self, row: usize, field: Option<&str>) -> Loc {
        Loc {
            sheet: self.sheet.name.clone(),
            row: Some(row as u32 + 1),
            col: field.map(|f| match self.cols.get(f) {
                Some((c, h)) => (Some(*c as u32), h.clone()),
                None => (None, self.table.header(f)),
            }),
        }
    }
}

fn find<'b>(book: &'b Book, table: &'b Table) -> Option<Found<'b>> {
    let sheet = table.sheets.iter().find_map(|n| book.sheet(n))?;
    let key: Vec<String> = table
        .headers(&table.key)
        .unwrap_or_default()
        .iter()
        .map(|h| norm_header(h))
        .collect();
    let header_row = (0..sheet.rows.len().min(HEADER_SEARCH_ROWS)).find(|&r| {
        sheet.rows[r]
            .iter()
            .any(|c| key.contains(&norm_header(&c.text())))
    });
    let mut cols = HashMap::new();
    let Some(header_row) = header_row else {
        return Some(Found {
            sheet,
            table,
            cols,
            rows: Vec::new(),
        });
    };
    for (field, names) in &table.columns {
        let names: Vec<String> = names.iter().map(|n| norm_header(n)).collect();
        if let Some(c) = sheet.rows[header_row]
            .iter()
            .position(|c| names.contains(&norm_header(&c.text())))
        {
            cols.insert(
                field.clone(),
                (c, cells::clean(&sheet.rows[header_row][c].text())),
            );
        }
    }
    let key_col = cols.get(&table.key).map(|(c, _)| *c);
    let rows = (header_row + 1..sheet.rows.len())
        .filter(|&r| {
            let row = &sheet.rows[r];
            let blank = row.iter().all(|c| cells::clean(&c.text()).is_empty());
            // A header repeated further down (a printed list pasted twice) is no data.
            let repeated =
                key_col.is_some_and(|k| key.contains(&norm_header(&sheet.cell(r, k).text())));
            !blank && !repeated
        })
        .collect();
    Some(Found {
        sheet,
        table,
        cols,
        rows,
    })
}

/// Where a file's values came from, to point validation problems at cells.
#[derive(Default)]
struct FileProv {
    /// (table, row) of the file's own row (county, an item, a notice).
    row: Option<(&'static str, usize)>,
    name: Option<String>,
    /// Field prefix (`material_group[0].material[2]`, `department[3]`) → (table, row).
    children: Vec<(String, &'static str, usize)>,
}

struct Ctx<'b> {
    found: HashMap<&'static str, Found<'b>>,
    problems: Vec<SheetProblem>,
}

impl<'b> Ctx<'b> {
    fn bad(
        &mut self,
        table: &str,
        row: usize,
        field: Option<&str>,
        item: Option<&str>,
        msg: String,
    ) {
        let loc = self.found.get(table).map(|f| f.loc(row, field));
        self.problems.push(SheetProblem {
            loc,
            file: None,
            item: item.map(str::to_string),
            message: msg,
        });
    }
    fn missing_sheet(&mut self, layout: &Layout, table: &str, what: &str) {
        let t = layout.table(table);
        self.problems.push(SheetProblem {
            loc: Some(Loc {
                sheet: t.sheets.first().cloned().unwrap_or_default(),
                row: None,
                col: None,
            }),
            file: None,
            item: None,
            message: format!(
                "表格里没有这张表（{what}）。请照模板（assets/spreadsheet/template.xlsx）加上这张表，\
                 或用 --base 指定一个已有的内容文件夹，从那里取{what}。"
            ),
        });
    }
    fn missing_column(&mut self, table: &str, field: &str, why: &str) {
        let f = &self.found[table];
        let header = f.table.header(field);
        let alternatives = f.table.headers(field).unwrap_or_default().join("”或“");
        self.problems.push(SheetProblem {
            loc: Some(Loc {
                sheet: f.sheet.name.clone(),
                row: None,
                col: Some((None, header)),
            }),
            file: None,
            item: None,
            message: format!(
                "找不到“{alternatives}”这一列（{why}）。请在表头行加上这一列；表头写法不同时，用 --layout 格式文件说明它叫什么。"
            ),
        });
    }
}

/// Converts a workbook. `base` supplies the tables the workbook does not have (county,
/// departments …), e.g. a county's existing content folder when the workbook is the provincial
/// platform's export of items only.
pub fn convert(
    book: &Book,
    layout: &Layout,
    base: Option<&Content>,
) -> Result<Converted, SheetProblems> {
    let mut ctx = Ctx {
        found: HashMap::new(),
        problems: Vec::new(),
    };
    for name in super::layout::TABLES {
        if let Some(f) = find(book, layout.table(name)) {
            ctx.found.insert(name, f);
        }
    }
    let keyless: Vec<(&'static str, String)> = ctx
        .found
        .iter()
        .filter(|(_, f)| !f.has(&f.table.key))
        .map(|(name, f)| (*name, f.table.key.clone()))
        .collect();
    for (name, key) in keyless {
        let header = ctx.found[name].table.header(&key);
        ctx.missing_column(
            name,
            &key,
            &format!("用它找表头行；表头应在前 {HEADER_SEARCH_ROWS} 行里，例如“{header}”"),
        );
    }
    if !ctx.problems.is_empty() {
        return Err(SheetProblems(ctx.problems));
    }
    let mut prov: HashMap<String, FileProv> = HashMap::new();

    // --- The county and its lists --------------------------------------------------------
    let county = match ctx.found.contains_key("county") {
        true => read_county(&mut ctx, &mut prov),
        false => match base {
            Some(b) => Some(b.county.clone()),
            None => {
                ctx.missing_sheet(layout, "county", "县名称、区划代码、政务服务中心");
                None
            }
        },
    };
    let departments = list(
        &mut ctx,
        &mut prov,
        layout,
        base,
        "departments",
        "departments.toml",
        "department",
        read_department,
        |b| b.departments.clone(),
        true,
        "部门",
    );
    let windows = list(
        &mut ctx,
        &mut prov,
        layout,
        base,
        "windows",
        "windows.toml",
        "window",
        read_window,
        |b| b.windows.clone(),
        true,
        "大厅窗口",
    );
    let towns = list(
        &mut ctx,
        &mut prov,
        layout,
        base,
        "towns",
        "regions.toml",
        "town",
        read_town,
        |b| b.regions.town.clone(),
        false,
        "乡镇",
    );
    let villages = list(
        &mut ctx,
        &mut prov,
        layout,
        base,
        "villages",
        "regions.toml",
        "village",
        read_village,
        |b| b.regions.village.clone(),
        false,
        "村（社区）",
    );
    let life_events = list(
        &mut ctx,
        &mut prov,
        layout,
        base,
        "life_events",
        "categories.toml",
        "life_event",
        read_life_event,
        |b| b.categories.life_event.clone(),
        true,
        "主题分类",
    );
    let notice_categories = list(
        &mut ctx,
        &mut prov,
        layout,
        base,
        "notice_categories",
        "categories.toml",
        "notice_category",
        read_notice_category,
        |b| b.categories.notice_category.clone(),
        false,
        "公开类别",
    );
    let notices = read_notices(&mut ctx, &mut prov, base);

    // --- Items ---------------------------------------------------------------------------
    let refs = Refs {
        departments: &departments,
        life_events: &life_events,
    };
    let items = if ctx.found.contains_key("items") {
        read_items(&mut ctx, &mut prov, &refs)
    } else {
        ctx.missing_sheet(layout, "items", "事项");
        Vec::new()
    };

    let Some(county) = county else {
        return Err(SheetProblems(ctx.problems));
    };
    if !ctx.problems.is_empty() {
        return Err(SheetProblems(ctx.problems));
    }
    let content = Content {
        county,
        regions: Regions {
            town: towns,
            village: villages,
        },
        departments,
        windows,
        categories: Categories {
            life_event: life_events,
            notice_category: notice_categories,
        },
        items,
        notices,
        // Not in the spreadsheet: the 好差评 set comes with `--base` when that folder has one.
        ratings: base.and_then(|b| b.ratings.clone()),
    };
    let files = folder::files(&content).map_err(|m| {
        SheetProblems(vec![SheetProblem {
            loc: None,
            file: None,
            item: None,
            message: m,
        }])
    })?;
    match source::load_files(files.clone()) {
        Ok(content) => Ok(Converted { content, files }),
        Err(problems) => Err(SheetProblems(
            problems
                .0
                .into_iter()
                .map(|p| locate(&ctx, &prov, p))
                .collect(),
        )),
    }
}

/// A validation problem of a written file, pointed at the cell it came from.
fn locate(ctx: &Ctx, prov: &HashMap<String, FileProv>, p: source::Problem) -> SheetProblem {
    let from_file = |p: &source::Problem| SheetProblem {
        loc: None,
        file: Some(if p.field.is_empty() {
            p.file.clone()
        } else {
            format!("{}（来自 --base），字段 {}", p.file, p.field)
        }),
        item: None,
        message: p.message.clone(),
    };
    let Some(fp) = prov.get(&p.file) else {
        return from_file(&p);
    };
    let child = fp
        .children
        .iter()
        .filter(|(prefix, _, _)| {
            p.field == *prefix
                || p.field.starts_with(&format!("{prefix}."))
                || p.field.starts_with(&format!("{prefix}["))
        })
        .max_by_key(|(prefix, _, _)| prefix.len());
    let (table, row, rest) = match child {
        Some((prefix, table, row)) => (
            *table,
            *row,
            p.field[prefix.len()..].trim_start_matches('.').to_string(),
        ),
        None => match fp.row {
            Some((table, row)) => (table, row, p.field.clone()),
            None => return from_file(&p),
        },
    };
    let Some(found) = ctx.found.get(table) else {
        return from_file(&p);
    };
    let field = column_of(table, &rest);
    SheetProblem {
        loc: Some(found.loc(row, field.as_deref())),
        file: None,
        item: fp.name.clone(),
        message: p.message,
    }
}

/// The layout field (column) a model field path is written in.
fn column_of(table: &str, field: &str) -> Option<String> {
    if field.is_empty() {
        return None;
    }
    let root = field.split(['.', '[']).next().unwrap_or(field);
    let sub = field
        .split_once('.')
        .map(|(_, s)| s.split('[').next().unwrap_or(s))
        .unwrap_or("");
    let mapped = match (table, root, sub) {
        ("items", "legal_limit", "unit") => "legal_limit_unit",
        ("items", "promised_limit", "unit") => "promised_limit_unit",
        ("items", "result", "kind") => "result_kind",
        ("items", "result", _) => "result_name",
        ("items", "village", "note") => "village_note",
        ("items", "village", _) => "village_mode",
        ("items", "fee", _) => "free",
        ("items", "material_group", _) => "materials",
        ("items", "step", _) => "steps",
        ("fees", "amount_fen", _) => "amount",
        ("materials", "situation", _) => "situation",
        _ => root,
    };
    Some(mapped.to_string())
}

struct Refs<'a> {
    departments: &'a [Department],
    life_events: &'a [LifeEvent],
}

fn text(f: &Found, row: usize, field: &str) -> String {
    cells::clean(&f.cell(row, field).text())
}

/// Phone numbers: full-width digits and hyphens made plain, inner spaces kept.
fn phone(f: &Found, row: usize, field: &str) -> String {
    cells::half_width(&text(f, row, field)).trim().to_string()
}

fn code_text(f: &Found, row: usize, field: &str) -> String {
    cells::code(&f.cell(row, field).text())
}

fn read_county(ctx: &mut Ctx, prov: &mut HashMap<String, FileProv>) -> Option<County> {
    let f = &ctx.found["county"];
    let Some(&row) = f.rows.first() else {
        let loc = Loc {
            sheet: f.sheet.name.clone(),
            row: None,
            col: None,
        };
        ctx.problems.push(SheetProblem {
            loc: Some(loc),
            file: None,
            item: None,
            message: "这张表在表头下面要有一行，写本县的名称、区划代码和政务服务中心。".into(),
        });
        return None;
    };
    let version = cells::integer(f.cell(row, "content_version"), Some(1));
    let county = County {
        name: text(f, row, "name"),
        region: code_text(f, row, "region"),
        hall_name: text(f, row, "hall_name"),
        hall_address: text(f, row, "hall_address"),
        hall_hours: text(f, row, "hall_hours"),
        consult_phone: phone(f, row, "consult_phone"),
        complaint_phone: phone(f, row, "complaint_phone"),
        content_version: *version.as_ref().unwrap_or(&1),
    };
    if let Err(m) = version {
        ctx.bad("county", row, Some("content_version"), None, m);
    }
    prov.insert(
        "county.toml".into(),
        FileProv {
            row: Some(("county", row)),
            ..Default::default()
        },
    );
    Some(county)
}

type RowReader<T> = fn(&mut Ctx, &'static str, usize) -> T;

/// A list table (departments, windows …) from its sheet, else from `base`.
#[allow(clippy::too_many_arguments)]
fn list<T>(
    ctx: &mut Ctx,
    prov: &mut HashMap<String, FileProv>,
    layout: &Layout,
    base: Option<&Content>,
    table: &'static str,
    file: &str,
    prefix: &str,
    read: RowReader<T>,
    from_base: fn(&Content) -> Vec<T>,
    required: bool,
    what: &str,
) -> Vec<T> {
    let Some(f) = ctx.found.get(table) else {
        return match base {
            Some(b) => from_base(b),
            None => {
                if required {
                    ctx.missing_sheet(layout, table, what);
                }
                Vec::new()
            }
        };
    };
    let rows = f.rows.clone();
    let fp = prov.entry(file.to_string()).or_default();
    for (i, &r) in rows.iter().enumerate() {
        fp.children.push((format!("{prefix}[{i}]"), table, r));
    }
    rows.iter().map(|&r| read(ctx, table, r)).collect()
}

fn read_department(ctx: &mut Ctx, t: &'static str, r: usize) -> Department {
    let f = &ctx.found[t];
    Department {
        id: code_text(f, r, "id").to_lowercase(),
        name: text(f, r, "name"),
        short_name: text(f, r, "short_name"),
        phone: phone(f, r, "phone"),
        address: text(f, r, "address"),
    }
}

fn read_window(ctx: &mut Ctx, t: &'static str, r: usize) -> HallWindow {
    let f = &ctx.found[t];
    let floor = cells::integer(f.cell(r, "floor"), None);
    let w = HallWindow {
        number: code_text(f, r, "number"),
        floor: *floor.as_ref().unwrap_or(&0),
        name: text(f, r, "name"),
        departments: cells::short_list(f.cell(r, "departments"))
            .iter()
            .map(|d| cells::code(d).to_lowercase())
            .collect(),
    };
    if let Err(m) = floor {
        ctx.bad(t, r, Some("floor"), None, m);
    }
    w
}

fn read_town(ctx: &mut Ctx, t: &'static str, r: usize) -> Town {
    let f = &ctx.found[t];
    Town {
        code: code_text(f, r, "code"),
        name: text(f, r, "name"),
        service_room: text(f, r, "service_room"),
        phone: phone(f, r, "phone"),
    }
}

fn read_village(ctx: &mut Ctx, t: &'static str, r: usize) -> Village {
    let f = &ctx.found[t];
    Village {
        code: code_text(f, r, "code"),
        name: text(f, r, "name"),
        service_room: text(f, r, "service_room"),
        hours: text(f, r, "hours"),
        assistant: text(f, r, "assistant"),
        phone: phone(f, r, "phone"),
    }
}

fn read_life_event(ctx: &mut Ctx, t: &'static str, r: usize) -> LifeEvent {
    let f = &ctx.found[t];
    LifeEvent {
        id: code_text(f, r, "id").to_lowercase(),
        name: text(f, r, "name"),
        audience: audience_word(&text(f, r, "audience")),
        icon: cells::optional(f.cell(r, "icon")),
    }
}

fn read_notice_category(ctx: &mut Ctx, t: &'static str, r: usize) -> NoticeCategory {
    let f = &ctx.found[t];
    NoticeCategory {
        id: code_text(f, r, "id").to_lowercase(),
        name: text(f, r, "name"),
    }
}

fn read_notices(
    ctx: &mut Ctx,
    prov: &mut HashMap<String, FileProv>,
    base: Option<&Content>,
) -> Vec<Notice> {
    let Some(f) = ctx.found.get("notices") else {
        return base.map(|b| b.notices.clone()).unwrap_or_default();
    };
    let rows = f.rows.clone();
    let mut out = Vec::new();
    for r in rows {
        let f = &ctx.found["notices"];
        let title = text(f, r, "title");
        let written = cells::date(f.cell(r, "written"));
        let published = cells::date(f.cell(r, "published"));
        let n = Notice {
            id: code_text(f, r, "id").to_lowercase(),
            title: title.clone(),
            index_no: code_text(f, r, "index_no"),
            category: category_id(&text(f, r, "category")),
            publisher: text(f, r, "publisher"),
            doc_no: cells::optional(f.cell(r, "doc_no")),
            written: written.clone().unwrap_or_default_date(),
            published: published.clone().unwrap_or_default_date(),
            scope: code_text(f, r, "scope"),
            summary: text(f, r, "summary"),
            body: f.cell(r, "body").text().replace('\r', ""),
        };
        for (field, d) in [("written", written), ("published", published)] {
            if let Err(m) = d {
                ctx.bad("notices", r, Some(field), Some(&title), m);
            }
        }
        prov.insert(
            format!("notices/{}.toml", n.id),
            FileProv {
                row: Some(("notices", r)),
                name: Some(title),
                children: Vec::new(),
            },
        );
        out.push(n);
    }
    out
}

/// A notice category written as its id; the id column holds it as written.
fn category_id(s: &str) -> String {
    cells::code(s).to_lowercase()
}

trait OrDefaultDate {
    fn unwrap_or_default_date(self) -> toml::value::Datetime;
}

impl OrDefaultDate for Result<toml::value::Datetime, String> {
    fn unwrap_or_default_date(self) -> toml::value::Datetime {
        self.unwrap_or(toml::value::Datetime {
            date: Some(toml::value::Date {
                year: 2000,
                month: 1,
                day: 1,
            }),
            time: None,
            offset: None,
        })
    }
}

fn audience_word(s: &str) -> String {
    match s {
        "自然人" | "个人" | "居民" => "个人".into(),
        "法人" | "企业法人" | "事业单位法人" | "社会组织法人" | "非法人企业" | "企业"
        | "机关法人" | "其他组织" => "法人".into(),
        other => other.to_string(),
    }
}

fn handle_word(s: &str) -> String {
    match s {
        "即办" | "即办件" => "即办件".into(),
        "承诺" | "承诺件" => "承诺件".into(),
        other => other.to_string(),
    }
}

fn necessity_word(s: &str) -> String {
    match s {
        "必要" | "必须" | "必需" | "必选" | "是" => "必要".into(),
        "非必要" | "可选" | "非必须" | "否" => "非必要".into(),
        "容缺" | "容缺后补" | "容缺受理" => "容缺后补".into(),
        other => other.to_string(),
    }
}

fn form_word(s: &str) -> String {
    match s.replace(' ', "").as_str() {
        "原件" | "纸质原件" => "原件".into(),
        "复印件" | "纸质复印件" => "复印件".into(),
        "原件和复印件" | "原件、复印件" | "原件及复印件" | "原件+复印件" | "原件，复印件" => {
            "原件和复印件".into()
        }
        "电子证照" | "电子" | "电子版" | "电子材料" => "电子证照".into(),
        other => other.to_string(),
    }
}

fn source_word(s: &str) -> String {
    match s {
        "申请人自备" | "自备" | "申请人" => "申请人自备".into(),
        "政府部门核发" | "政府部门" | "部门核发" => "政府部门核发".into(),
        other => other.to_string(),
    }
}

/// An id made from a 实施编码: lowercase letters and digits joined by single hyphens.
fn id_from(department: &str, code: &str) -> String {
    let mut s = String::new();
    for c in format!("{department}-{code}").to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_string()
}

/// Child rows (materials, steps …) by 实施编码; a blank code continues the row above (merged
/// cells, or a list filled down by hand).
fn children(
    ctx: &mut Ctx,
    table: &'static str,
    items: &HashMap<String, usize>,
) -> HashMap<String, Vec<usize>> {
    let mut out: HashMap<String, Vec<usize>> = HashMap::new();
    let Some(f) = ctx.found.get(table) else {
        return out;
    };
    if !f.has("code") {
        ctx.missing_column(table, "code", "每一行用它对应到事项");
        return out;
    }
    let f = &ctx.found[table];
    let mut current: Option<String> = None;
    let mut bad = Vec::new();
    for &r in &f.rows {
        let code = code_text(f, r, "code");
        if !code.is_empty() {
            current = Some(code);
        }
        match &current {
            Some(c) if items.contains_key(c) => out.entry(c.clone()).or_default().push(r),
            Some(c) => bad.push((r, format!("实施编码“{c}”在事项表里没有。请核对编码（多半是少了或多了一位），或把这个事项加到事项表。"))),
            None => bad.push((r, "这一行没有实施编码，不知道属于哪个事项。请填上它所属事项的实施编码。".to_string())),
        }
    }
    for (r, m) in bad {
        ctx.bad(table, r, Some("code"), None, m);
    }
    out
}

fn read_items(
    ctx: &mut Ctx,
    prov: &mut HashMap<String, FileProv>,
    refs: &Refs,
) -> Vec<ServiceItem> {
    for field in ["name", "code"] {
        if !ctx.found["items"].has(field) {
            ctx.missing_column("items", field, "每个事项都要有");
            return Vec::new();
        }
    }
    let rows = ctx.found["items"].rows.clone();
    let mut by_code = HashMap::new();
    for &r in &rows {
        by_code
            .entry(code_text(&ctx.found["items"], r, "code"))
            .or_insert(r);
    }
    let materials = children(ctx, "materials", &by_code);
    let steps = children(ctx, "steps", &by_code);
    let fees = children(ctx, "fees", &by_code);
    let faqs = children(ctx, "faqs", &by_code);
    let overrides = children(ctx, "overrides", &by_code);
    let none = Vec::new();
    let mut out = Vec::new();
    for r in rows {
        let f = &ctx.found["items"];
        let name = text(f, r, "name");
        let code = code_text(f, r, "code");
        let mut bad: Vec<(&'static str, usize, &'static str, String)> = Vec::new();
        let mut fp = FileProv {
            row: Some(("items", r)),
            name: Some(name.clone()),
            children: Vec::new(),
        };

        let dept_text = text(f, r, "department");
        let department = match resolve(refs.departments, &dept_text, |d| {
            (&d.id, [&d.name, &d.short_name])
        }) {
            Ok(id) => id,
            Err(m) => {
                bad.push((
                    "items",
                    r,
                    "department",
                    format!("实施主体{m}请在“部门”表里加上这个部门，或改成部门表里的部门名称。"),
                ));
                dept_text.clone()
            }
        };
        let id = match code_text(f, r, "id") {
            s if s.is_empty() => id_from(&department, &code),
            s => s.to_lowercase(),
        };
        let mut life_events = Vec::new();
        for e in cells::short_list(f.cell(r, "life_events")) {
            match resolve(refs.life_events, &e, |l| (&l.id, [&l.name, &l.name])) {
                Ok(id) => life_events.push(id),
                Err(m) => bad.push((
                    "items",
                    r,
                    "life_events",
                    format!("主题分类{m}请写“主题分类”表里的名称或编号。"),
                )),
            }
        }
        let mut limit = |value: &'static str, unit: &'static str| match cells::limit(
            f.cell(r, value),
            f.cell(r, unit),
            value == "legal_limit",
        ) {
            Ok((value, unit)) => TimeLimit { value, unit },
            Err(m) => {
                bad.push((
                    "items",
                    r,
                    if m.starts_with("时限 ") || m.starts_with("时限单位") {
                        unit
                    } else {
                        value
                    },
                    m,
                ));
                TimeLimit {
                    value: 0,
                    unit: "工作日".into(),
                }
            }
        };
        let legal_limit = limit("legal_limit", "legal_limit_unit");
        let promised_limit = limit("promised_limit", "promised_limit_unit");
        let mut int =
            |field: &'static str, empty: Option<i64>| match cells::integer(f.cell(r, field), empty)
            {
                Ok(v) => v,
                Err(m) => {
                    bad.push(("items", r, field, m));
                    0
                }
            };
        let visits = int("visits", None);
        let popularity = int("popularity", Some(0));
        let express = cells::yes_no(f.cell(r, "express"), Some(false)).unwrap_or_else(|m| {
            bad.push(("items", r, "express", m));
            false
        });

        // Materials: their own sheet, else the cell.
        let mut groups: Vec<MaterialGroup> = Vec::new();
        let mut group_rows: Vec<usize> = Vec::new();
        let m_rows = materials.get(&code).unwrap_or(&none);
        if !m_rows.is_empty() {
            let mf = &ctx.found["materials"];
            for &mr in m_rows {
                let situation = match text(mf, mr, "situation") {
                    s if s.is_empty() || cells::is_nothing_text(&s) => {
                        DEFAULT_SITUATION.to_string()
                    }
                    s => s,
                };
                let copies = cells::integer(mf.cell(mr, "copies"), Some(1)).unwrap_or_else(|m| {
                    bad.push(("materials", mr, "copies", m));
                    1
                });
                let g = match groups.iter().position(|g| g.situation == situation) {
                    Some(g) => g,
                    None => {
                        groups.push(MaterialGroup {
                            situation,
                            material: Vec::new(),
                        });
                        group_rows.push(mr);
                        groups.len() - 1
                    }
                };
                let m = groups[g].material.len();
                fp.children.push((
                    format!("material_group[{g}].material[{m}]"),
                    "materials",
                    mr,
                ));
                groups[g].material.push(Material {
                    name: text(mf, mr, "name"),
                    necessity: necessity_word(&text(mf, mr, "necessity")),
                    form: form_word(&text(mf, mr, "form")),
                    copies,
                    source: source_word(&text(mf, mr, "source")),
                    note: cells::optional(mf.cell(mr, "note")),
                });
            }
            for (g, gr) in group_rows.iter().enumerate() {
                fp.children
                    .push((format!("material_group[{g}]"), "materials", *gr));
            }
        } else {
            let list = cells::long_list(f.cell(r, "materials"));
            if !list.is_empty() {
                groups.push(MaterialGroup {
                    situation: DEFAULT_SITUATION.into(),
                    material: list.iter().map(|l| material_from_text(l)).collect(),
                });
            }
        }

        let s_rows = steps.get(&code).unwrap_or(&none);
        let step: Vec<Step> = if !s_rows.is_empty() {
            let sf = &ctx.found["steps"];
            s_rows
                .iter()
                .enumerate()
                .map(|(i, &sr)| {
                    fp.children.push((format!("step[{i}]"), "steps", sr));
                    Step {
                        name: text(sf, sr, "name"),
                        actor: text(sf, sr, "actor"),
                        time_limit: text(sf, sr, "time_limit"),
                        description: text(sf, sr, "description"),
                    }
                })
                .collect()
        } else {
            cells::long_list(f.cell(r, "steps"))
                .iter()
                .map(|l| {
                    let (name, description) = l
                        .split_once(['：', ':'])
                        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                        .unwrap_or_else(|| (l.clone(), l.clone()));
                    Step {
                        name,
                        actor: String::new(),
                        time_limit: String::new(),
                        description,
                    }
                })
                .collect()
        };

        let fee_rows = fees.get(&code).unwrap_or(&none);
        let mut fee = Vec::new();
        if !fee_rows.is_empty() {
            let ff = &ctx.found["fees"];
            for (i, &fr) in fee_rows.iter().enumerate() {
                fp.children.push((format!("fee[{i}]"), "fees", fr));
                let amount_fen = cells::yuan_to_fen(ff.cell(fr, "amount")).unwrap_or_else(|m| {
                    bad.push(("fees", fr, "amount", m));
                    1
                });
                fee.push(Fee {
                    name: text(ff, fr, "name"),
                    amount_fen,
                    standard: text(ff, fr, "standard"),
                    basis: text(ff, fr, "basis"),
                });
            }
        } else {
            for l in cells::long_list(f.cell(r, "fees")) {
                match fee_from_text(&l) {
                    Ok(x) => fee.push(x),
                    Err(m) => bad.push(("items", r, "fees", m)),
                }
            }
        }
        let free = match cells::yes_no(f.cell(r, "free"), None) {
            Ok(charges) => !charges,
            Err(_) if f.cell(r, "free").is_nothing() => fee.is_empty(),
            Err(m) => {
                bad.push(("items", r, "free", m));
                fee.is_empty()
            }
        };

        let faq: Vec<Faq> = faqs
            .get(&code)
            .unwrap_or(&none)
            .iter()
            .enumerate()
            .map(|(i, &qr)| {
                let qf = &ctx.found["faqs"];
                fp.children.push((format!("faq[{i}]"), "faqs", qr));
                Faq {
                    q: text(qf, qr, "q"),
                    a: text(qf, qr, "a"),
                }
            })
            .collect();
        let overrides: Vec<VillageOverride> = overrides
            .get(&code)
            .unwrap_or(&none)
            .iter()
            .enumerate()
            .map(|(i, &or)| {
                let of = &ctx.found["overrides"];
                fp.children
                    .push((format!("village.override[{i}]"), "overrides", or));
                VillageOverride {
                    region: code_text(of, or, "region"),
                    mode: text(of, or, "mode"),
                    note: cells::optional(of.cell(or, "note")),
                }
            })
            .collect();

        let basic_code = basic_code(f.cell(r, "basic_code"));
        if !basic_code.is_empty()
            && basic_code.len() < 12
            && basic_code.bytes().all(|b| b.is_ascii_digit())
        {
            bad.push((
                "items",
                r,
                "basic_code",
                format!(
                    "“{basic_code}”只有 {} 位，基本编码是 12 位。多半是表格把它当成数字、丢掉了前面的 0（另存 CSV 时常见）：请把这一列设为“文本”格式，补成 {basic_code:0>12} 这样的 12 位。",
                    basic_code.len()
                ),
            ));
        }
        let item = ServiceItem {
            id,
            name: name.clone(),
            code: code.clone(),
            basic_code,
            department,
            item_type: text(f, r, "item_type"),
            handle_type: handle_word(&text(f, r, "handle_type")),
            audience: dedup(
                cells::short_list(f.cell(r, "audience"))
                    .iter()
                    .map(|a| audience_word(a))
                    .collect(),
            ),
            life_events,
            aliases: cells::short_list(f.cell(r, "aliases")),
            keywords: cells::short_list(f.cell(r, "keywords")),
            popularity,
            summary: text(f, r, "summary"),
            conditions: cells::long_list(f.cell(r, "conditions")),
            legal_basis: cells::long_list(f.cell(r, "legal_basis")),
            legal_limit,
            promised_limit,
            limit_note: cells::optional(f.cell(r, "limit_note")),
            visits,
            online_url: cells::optional(f.cell(r, "online_url"))
                .map(|u| cells::code(&u))
                .unwrap_or_default(),
            express,
            windows: cells::short_list(f.cell(r, "windows"))
                .iter()
                .map(|w| cells::code(w))
                .collect(),
            place: cells::optional(f.cell(r, "place")),
            hours: cells::optional(f.cell(r, "hours")),
            consult_phone: phone(f, r, "consult_phone"),
            complaint_phone: phone(f, r, "complaint_phone"),
            result: ResultDoc {
                name: text(f, r, "result_name"),
                kind: text(f, r, "result_kind"),
            },
            free,
            fee,
            material_group: groups,
            step,
            faq,
            village: VillageHandling {
                mode: cells::optional(f.cell(r, "village_mode"))
                    .unwrap_or_else(|| DEFAULT_VILLAGE_MODE.into()),
                note: cells::optional(f.cell(r, "village_note")),
                overrides,
            },
        };
        for (table, row, field, m) in bad {
            ctx.bad(table, row, Some(field), Some(&name), m);
        }
        prov.insert(folder::item_path(&item.department, &item.id), fp);
        out.push(item);
    }
    out
}

fn dedup(v: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// 基本编码 stored as a number loses its leading zeros (000102004000 → 102004000): put them back.
fn basic_code(cell: &Cell) -> String {
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n < 1e12 => {
            format!("{:012}", *n as i64)
        }
        _ => cells::code(&cell.text()),
    }
}

/// An id written as itself, or a name (or short name) that only one row has.
fn resolve<'a, T>(
    list: &'a [T],
    written: &str,
    keys: impl Fn(&'a T) -> (&'a String, [&'a String; 2]),
) -> Result<String, String> {
    let w = written.trim();
    if w.is_empty() {
        return Err("没有填写。".into());
    }
    if let Some(t) = list
        .iter()
        .find(|t| keys(t).0 == &cells::code(w).to_lowercase())
    {
        return Ok(keys(t).0.clone());
    }
    let by_name: Vec<&T> = list
        .iter()
        .filter(|t| keys(t).1.iter().any(|n| n.as_str() == w))
        .collect();
    match by_name.as_slice() {
        [one] => Ok(keys(one).0.clone()),
        [] => Err(format!("“{w}”找不到。")),
        _ => Err(format!("“{w}”有重名，分不清是哪一个：请写编号。")),
    }
}

/// A material written in a cell: "居民身份证（原件1份）", "户口簿复印件2份".
fn material_from_text(line: &str) -> Material {
    let mut name = line.trim().to_string();
    let mut form = "原件".to_string();
    let mut copies = 1;
    let mut necessity = "必要".to_string();
    let detail = name
        .rfind(['（', '('])
        .filter(|_| name.ends_with(['）', ')']))
        .map(|at| (at, name[at..].to_string()));
    let mut words = String::new();
    if let Some((at, d)) = &detail {
        if ["原件", "复印件", "份", "电子", "容缺", "非必要"]
            .iter()
            .any(|k| d.contains(k))
        {
            words = d.clone();
            name.truncate(*at);
        }
    }
    for (word, f) in [
        ("原件和复印件", "原件和复印件"),
        ("原件及复印件", "原件和复印件"),
        ("复印件", "复印件"),
        ("电子", "电子证照"),
    ] {
        if words.contains(word) || (words.is_empty() && name.ends_with(word) && word != "电子") {
            form = f.into();
            if words.is_empty() {
                name = name.trim_end_matches(word).to_string();
            }
            break;
        }
    }
    if let Some(p) = words.find('份') {
        let digits: String = cells::code(&words[..p])
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        copies = digits.parse().unwrap_or(1);
    }
    if words.contains("容缺") {
        necessity = "容缺后补".into();
    } else if words.contains("非必要") {
        necessity = "非必要".into();
    }
    Material {
        name: name.trim().to_string(),
        necessity,
        form,
        copies,
        source: "申请人自备".into(),
        note: None,
    }
}

/// A fee written in a cell: "居民身份证工本费：20元", "工本费 0.5元".
fn fee_from_text(line: &str) -> Result<Fee, String> {
    let (name, amount) = line
        .rsplit_once(['：', ':', ' '])
        .ok_or_else(|| format!("收费“{line}”要写成“收费项目名称：金额元”，例如“工本费：20元”。"))?;
    let fen = cells::yuan_to_fen(&Cell::Text(amount.trim().to_string()))
        .map_err(|m| format!("收费“{line}”：{m}"))?;
    Ok(Fee {
        name: name.trim().to_string(),
        amount_fen: fen,
        standard: line.trim().to_string(),
        basis: "见设定依据".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn materials_and_fees_written_in_cells() {
        let m = material_from_text("居民户口簿（原件和复印件各1份）");
        assert_eq!(
            (m.name.as_str(), m.form.as_str(), m.copies),
            ("居民户口簿", "原件和复印件", 1)
        );
        let m = material_from_text("结婚证复印件");
        assert_eq!((m.name.as_str(), m.form.as_str()), ("结婚证", "复印件"));
        let m = material_from_text("近期免冠照片（2份，容缺）");
        assert_eq!((m.copies, m.necessity.as_str()), (2, "容缺后补"));
        let f = fee_from_text("居民身份证工本费：20元").unwrap();
        assert_eq!((f.name.as_str(), f.amount_fen), ("居民身份证工本费", 2000));
        assert!(fee_from_text("按规定收取").is_err());
        assert_eq!(
            id_from("gongan", "11439021MB1A2B3C4D-000101-01"),
            "gongan-11439021mb1a2b3c4d-000101-01"
        );
        assert_eq!(basic_code(&Cell::Number(102004000.0)), "000102004000");
    }
}
