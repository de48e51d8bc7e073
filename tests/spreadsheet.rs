//! The spreadsheet route (issue 13): a messy, realistic 实施清单 workbook generated here is
//! converted, validated, published, synced and shown on a headless kiosk; export → convert gives
//! the sample county and a generated large county back; every broken workbook gets its own
//! message naming the sheet, row, column and the fix; nothing is written unless all converts.

mod common;

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use banshi::model::Content;
use banshi::sheet::cells::Cell;
use banshi::sheet::layout::Layout;
use banshi::sheet::read::{self, Book};
use banshi::sheet::{convert, export, folder};

/// Content in a comparable order (the folder's file order sorts items by department and id).
/// The 好差评 set (`ratings.toml`) is not part of the spreadsheet (`--base` keeps it), so it
/// is left out of the comparison.
fn sorted(mut c: Content) -> Content {
    c.ratings = None;
    c.items.sort_by(|a, b| a.id.cmp(&b.id));
    c.notices.sort_by(|a, b| a.id.cmp(&b.id));
    c
}

fn write_xlsx(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn round_trip(content: &Content) {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::default_layout();
    let bytes = export::to_bytes(content, &layout).unwrap();
    let path = write_xlsx(dir.path(), "清单.xlsx", &bytes);
    let book = read::read(&path).unwrap();
    let back = convert::convert(&book, &layout, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sorted(back.content), sorted(content.clone()));
    // And written as a folder, it loads as the same content.
    let out = dir.path().join("content");
    folder::write(&out, &back.files, false).unwrap();
    let loaded = banshi::source::load_dir(&out).unwrap();
    assert_eq!(sorted(loaded), sorted(content.clone()));
}

#[test]
fn export_then_convert_gives_the_sample_county_back() {
    round_trip(&banshi::sample::sample());
}

#[test]
fn export_then_convert_gives_a_large_generated_county_back() {
    let c = banshi::sample::generated(1500);
    assert_eq!(c.items.len(), 1500);
    round_trip(&c);
}

/// Writes a `Book` as a real .xlsx file (text as text, numbers as numbers, dates as dates).
fn book_to_xlsx(book: &Book, path: &Path) {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for s in &book.sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name).unwrap();
        for (r, row) in s.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Cell::Empty => {}
                    Cell::Text(t) => {
                        ws.write_string(r, c, t).unwrap();
                    }
                    Cell::Number(n) => {
                        ws.write_number(r, c, *n).unwrap();
                    }
                    Cell::Bool(b) => {
                        ws.write_boolean(r, c, *b).unwrap();
                    }
                    Cell::Date(d) => {
                        let (y, m, day) = banshi::sheet::cells::serial_date(*d).unwrap();
                        let dt = ExcelDateTime::from_ymd(y, m, day).unwrap();
                        ws.write_datetime_with_format(r, c, &dt, &date).unwrap();
                    }
                }
            }
        }
    }
    wb.save(path).unwrap();
}

/// The sample county exported, read back as a `Book` to break one cell of.
fn sample_book() -> Book {
    let dir = tempfile::tempdir().unwrap();
    let bytes = export::to_bytes(&banshi::sample::sample(), &Layout::default_layout()).unwrap();
    read::read(&write_xlsx(dir.path(), "x.xlsx", &bytes)).unwrap()
}

/// The 0-based column of `header` in a sheet's first row, and the first data row (0-based) whose
/// cell in column `key` is `value`.
fn find(book: &Book, sheet: &str, header: &str) -> usize {
    let s = book.sheet(sheet).unwrap();
    s.rows[0]
        .iter()
        .position(|c| c.text() == header)
        .unwrap_or_else(|| panic!("no column {header} in {sheet}"))
}

fn set(book: &mut Book, sheet: &str, row: usize, header: &str, cell: Cell) {
    let c = find(book, sheet, header);
    let s = book.sheets.iter_mut().find(|s| s.name == sheet).unwrap();
    s.rows[row][c] = cell;
}

/// Converts a broken book through a real file and returns the one message expected.
fn broken(book: &Book) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.xlsx");
    book_to_xlsx(book, &path);
    let out = dir.path().join("content");
    let err = convert_cli(&path, &out).unwrap_err();
    assert!(!out.exists(), "nothing is written when a problem is left");
    err
}

fn convert_cli(path: &Path, out: &Path) -> Result<(), String> {
    let book = read::read(path)?;
    let c = convert::convert(&book, &Layout::default_layout(), None).map_err(|e| e.to_string())?;
    folder::write(out, &c.files, false).map(|_| ())
}

fn item_name(book: &Book, row: usize) -> String {
    let c = find(book, "事项", "事项名称");
    book.sheet("事项").unwrap().rows[row][c].text()
}

#[test]
fn a_fee_that_is_not_money_names_the_cell() {
    let mut b = sample_book();
    set(&mut b, "收费", 1, "金额（元）", Cell::Text("二十块".into()));
    let e = broken(&b);
    assert!(e.contains("表“收费”第 2 行 D 列（金额（元））"), "{e}");
    assert!(
        e.contains("不是金额") && e.contains("例如 20 或 0.5"),
        "{e}"
    );
}

#[test]
fn copies_that_are_not_a_number_name_the_cell_and_the_item() {
    let mut b = sample_book();
    set(&mut b, "申请材料", 3, "份数", Cell::Text("若干".into()));
    let item = b.sheet("申请材料").unwrap().rows[3][1].text();
    let e = broken(&b);
    assert!(e.contains("表“申请材料”第 4 行 G 列（份数）"), "{e}");
    assert!(e.contains(&format!("“{item}”")), "{e}");
    assert!(e.contains("不是整数") && e.contains("请只写数字"), "{e}");
}

#[test]
fn an_unknown_department_says_to_add_it_to_the_department_sheet() {
    let mut b = sample_book();
    set(
        &mut b,
        "事项",
        2,
        "实施主体",
        Cell::Text("青禾县不存在局".into()),
    );
    let name = item_name(&b, 2);
    let e = broken(&b);
    assert!(e.contains("表“事项”第 3 行 E 列（实施主体）"), "{e}");
    assert!(e.contains(&name), "{e}");
    assert!(
        e.contains("“青禾县不存在局”找不到") && e.contains("“部门”表里加上"),
        "{e}"
    );
}

#[test]
fn an_unknown_limit_unit_names_the_cell_and_the_four_units() {
    let mut b = sample_book();
    set(
        &mut b,
        "事项",
        1,
        "法定办结时限单位",
        Cell::Text("周".into()),
    );
    let e = broken(&b);
    assert!(
        e.contains("表“事项”第 2 行 J 列（法定办结时限单位）"),
        "{e}"
    );
    assert!(
        e.contains("“周”") && e.contains("工作日") && e.contains("小时") && e.contains("月"),
        "{e}"
    );
}

/// Hours, months and "no statutory limit" convert (and round-trip through export).
#[test]
fn hours_months_and_no_statutory_limit_convert() {
    let mut content = banshi::sample::sample();
    let item = content
        .items
        .iter_mut()
        .find(|i| i.handle_type == "承诺件")
        .unwrap();
    item.legal_limit = banshi::model::TimeLimit::none();
    item.promised_limit = banshi::model::TimeLimit {
        value: 48,
        unit: "小时".into(),
    };
    round_trip(&content);

    let mut b = sample_book();
    let row = (1..)
        .find(|&r| {
            let c = find(&b, "事项", "办件类型");
            b.sheet("事项").unwrap().rows[r][c].text() == "承诺件"
        })
        .unwrap();
    set(&mut b, "事项", row, "法定办结时限", Cell::Text("无".into()));
    set(&mut b, "事项", row, "法定办结时限单位", Cell::Empty);
    set(
        &mut b,
        "事项",
        row,
        "承诺办结时限",
        Cell::Text("2个月".into()),
    );
    set(&mut b, "事项", row, "承诺办结时限单位", Cell::Empty);
    let c = convert::convert(&b, &Layout::default_layout(), None).unwrap_or_else(|e| panic!("{e}"));
    let name = item_name(&b, row);
    let item = c.content.items.iter().find(|i| i.name == name).unwrap();
    assert!(item.legal_limit.is_none());
    assert_eq!(
        (item.promised_limit.value, item.promised_limit.unit.as_str()),
        (2, "月")
    );
}

#[test]
fn a_material_for_an_unknown_code_says_which_code() {
    let mut b = sample_book();
    set(
        &mut b,
        "申请材料",
        5,
        "实施编码",
        Cell::Text("11439021XXXX-999".into()),
    );
    let e = broken(&b);
    assert!(e.contains("表“申请材料”第 6 行 A 列（实施编码）"), "{e}");
    assert!(
        e.contains("“11439021XXXX-999”在事项表里没有") && e.contains("核对编码"),
        "{e}"
    );
}

#[test]
fn a_notice_date_that_is_no_date_names_the_cell() {
    let mut b = sample_book();
    set(
        &mut b,
        "政务公开",
        2,
        "成文日期",
        Cell::Text("九月中旬".into()),
    );
    let e = broken(&b);
    assert!(e.contains("表“政务公开”第 3 行 G 列（成文日期）"), "{e}");
    assert!(e.contains("不是日期") && e.contains("2026-09-25"), "{e}");
}

#[test]
fn a_necessity_the_validator_refuses_points_at_the_material_row() {
    let mut b = sample_book();
    set(&mut b, "申请材料", 2, "必要性", Cell::Text("看情况".into()));
    let e = broken(&b);
    assert!(e.contains("表“申请材料”第 3 行 E 列（必要性）"), "{e}");
    assert!(
        e.contains("“看情况”不是可用的值") && e.contains("必要、非必要、容缺后补"),
        "{e}"
    );
}

#[test]
fn a_promise_longer_than_the_legal_limit_points_at_the_promise() {
    let mut b = sample_book();
    set(&mut b, "事项", 4, "承诺办结时限", Cell::Number(900.0));
    set(
        &mut b,
        "事项",
        4,
        "承诺办结时限单位",
        Cell::Text("自然日".into()),
    );
    let e = broken(&b);
    assert!(e.contains("表“事项”第 5 行 K 列（承诺办结时限）"), "{e}");
    assert!(e.contains("承诺时限不能比法定时限长"), "{e}");
}

#[test]
fn a_workbook_without_the_item_sheet_says_so() {
    let mut b = sample_book();
    b.sheets.retain(|s| s.name != "事项");
    let e = broken(&b);
    assert!(
        e.contains("表“事项”") && e.contains("没有这张表") && e.contains("模板"),
        "{e}"
    );
}

#[test]
fn a_missing_key_column_says_which_header_to_add() {
    let mut b = sample_book();
    let c = find(&b, "申请材料", "实施编码");
    b.sheets
        .iter_mut()
        .find(|s| s.name == "申请材料")
        .unwrap()
        .rows[0][c] = Cell::Text("编码".into());
    let e = broken(&b);
    assert!(
        e.contains("表“申请材料”“实施编码”列（表里没有这一列）"),
        "{e}"
    );
    assert!(
        e.contains("请在表头行加上这一列") && e.contains("--layout"),
        "{e}"
    );
}

#[test]
fn an_existing_folder_is_never_half_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("content");
    common::copy_dir(&common::sample_dir(), &out);
    let before = common::sample_dir().join("county.toml");
    // A broken workbook: the folder stays exactly as it was.
    let mut b = sample_book();
    set(&mut b, "收费", 1, "金额（元）", Cell::Text("二十块".into()));
    let path = dir.path().join("broken.xlsx");
    book_to_xlsx(&b, &path);
    assert!(convert_cli(&path, &out).is_err());
    assert_eq!(
        std::fs::read(out.join("county.toml")).unwrap(),
        std::fs::read(&before).unwrap()
    );
    // A good one without --replace is refused; with it, the old folder is kept beside.
    let good = write_xlsx(
        dir.path(),
        "good.xlsx",
        &export::to_bytes(&banshi::sample::generated(80), &Layout::default_layout()).unwrap(),
    );
    let c = convert::convert(&read::read(&good).unwrap(), &Layout::default_layout(), None).unwrap();
    let e = folder::write(&out, &c.files, false).unwrap_err();
    assert!(e.contains("--replace"), "{e}");
    let kept = folder::write(&out, &c.files, true).unwrap().unwrap();
    assert_eq!(banshi::source::load_dir(&out).unwrap().items.len(), 80);
    assert_eq!(
        banshi::source::load_dir(&kept).unwrap().items.len(),
        banshi::sample::sample().items.len()
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("converting"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary folder is left");
}

/// A workbook as a county really keeps it: a title row and a note above the header, headers with
/// line breaks and required marks, 实施编码 and 情形 merged over the material rows, codes and
/// numbers stored as text with full-width digits, 基本编码 as a number, lists in cells
/// (①②③, `1. 2. 3.`, 一、二、), "无" and blank cells, yuan as 0.5 and "20元", limits as "20个工作日",
/// materials in a cell for one item and on their own sheet for another, dates as serial numbers
/// and as text. County, departments and the rest come from the sample folder (--base).
fn messy_workbook(path: &Path) {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let ws = wb.add_worksheet();
    ws.set_name("实施清单").unwrap();
    ws.merge_range(0, 0, 0, 12, "青禾县政务服务事项实施清单（2026年版）", &bold)
        .unwrap();
    ws.write_string(1, 0, "填报单位：青禾县数据局　　填报日期：2026年10月")
        .unwrap();
    let headers = [
        "序号",
        "事项名称",
        "*实施编码",
        "基本编码",
        "实施主体",
        "事项类型",
        "服务对象",
        "办件类型",
        "法定办结\n时限",
        "法定办结时限单位",
        "承诺办结时限",
        "承诺办结时限单位",
        "到现场次数",
        "受理条件",
        "设定依据",
        "办理窗口",
        "咨询电话",
        "监督投诉电话",
        "是否收费",
        "网办地址",
        "办理结果名称",
        "办理结果类型",
        "事项概述",
        "主题分类",
        "申请材料",
        "办理流程",
        "别名",
        "办理地点",
        "办结时限说明",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    // Item 1: materials, steps and fees on their own sheets.
    let row1: [&str; 29] = [
        "1",
        "农机购置补贴申领",
        "11439021ＭＢ1Ａ2Ｂ3Ｃ4Ｄ-900001-01",
        "",
        "青禾县农业农村局",
        "行政给付",
        "自然人、法人",
        "承诺件",
        "２０个工作日",
        "",
        "15",
        "工作日",
        "１",
        "①购买的农机在补贴目录内②购机发票已开具\n③本县户籍或在本县注册",
        "1.《中华人民共和国农业机械化促进法》第二十七条；2.《农业机械购置补贴实施意见》",
        "E02",
        "0739-6810301",
        "12345",
        "是",
        "https://zwfw.qinghe.example.gov.cn/item/njbt",
        "补贴资金",
        "其他",
        "购买补贴目录内农机具的农户和农业生产经营组织，可申领购置补贴。",
        "农业生产",
        "",
        "",
        "农机补贴、買農機補貼",
        "无",
        "无",
    ];
    // Item 2: materials and steps in cells, no fee.
    let row2: [&str; 29] = [
        "2",
        "耕地地力保护补贴申报",
        "11439021MB1A2B3C4D-900002-01",
        "",
        "农业农村局",
        "行政给付",
        "自然人",
        "承诺件",
        "30",
        "自然日",
        "20个自然日",
        "",
        "0",
        "一、承包耕地的农户\n二、耕地仍用于农业生产",
        "《关于全面推开农业“三项补贴”改革工作的通知》",
        "E02、B02",
        "０７３９－６８１０３０１",
        "12345",
        "否",
        "https://zwfw.qinghe.example.gov.cn/item/gdbt",
        "补贴资金",
        "其他",
        "承包耕地并用于农业生产的农户，每年申报一次耕地地力保护补贴。",
        "农业生产",
        "①居民身份证（原件1份）\n②土地承包经营权证复印件\n③银行卡（复印件1份，容缺）",
        "1.申报：向村委会申报承包面积 2.公示：村内公示7天 3.发放：补贴打入银行卡",
        "种粮补贴",
        "",
        "",
    ];
    // Item 3 (what the model widened for): no statutory limit, a promise in hours, no online
    // address, handled at the towns instead of a hall window.
    let row3: [&str; 29] = [
        "3",
        "农村危房改造补助申请",
        "11439021MB1A2B3C4D-900003-01",
        "",
        "农业农村局",
        "行政给付",
        "自然人",
        "承诺件",
        "无",
        "",
        "48小时",
        "",
        "1",
        "1.本县农村户籍 2.住房经鉴定为C级或D级危房",
        "《农村危房改造补助资金管理办法》",
        "",
        "0739-6810301",
        "12345",
        "否",
        "",
        "补助资金",
        "其他",
        "住房经鉴定为危房的农村低收入群体，可申请改造补助。",
        "农业生产",
        "①居民身份证（原件1份）\n②危房鉴定报告（原件1份）",
        "1.申请：到乡镇便民服务中心提交材料\n2.审核：乡镇审核后报县农业农村局",
        "危房改造",
        "各乡镇（街道）便民服务中心",
        "",
    ];
    for (r, row) in [row1, row2, row3].iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(3 + r as u32, c as u16, *v).unwrap();
            }
        }
    }
    // 基本编码 stored as numbers: leading zeros lost.
    ws.write_number(3, 3, 102900001.0).unwrap();
    ws.write_number(4, 3, 102900002.0).unwrap();
    ws.write_number(5, 3, 102900003.0).unwrap();
    ws.write_string(6, 0, "").unwrap(); // a blank row at the end

    let ws = wb.add_worksheet();
    ws.set_name("申请材料").unwrap();
    ws.write_string(0, 0, "申请材料目录").unwrap();
    for (c, h) in [
        "实施编码",
        "情形",
        "材料名称",
        "必要性",
        "材料形式",
        "份数",
        "来源渠道",
        "备注",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    let code = "11439021MB1A2B3C4D-900001-01";
    ws.merge_range(2, 0, 5, 0, code, &Format::new()).unwrap();
    ws.merge_range(2, 1, 3, 1, "个人购机", &Format::new())
        .unwrap();
    ws.merge_range(4, 1, 5, 1, "合作社购机", &Format::new())
        .unwrap();
    let mats = [
        ["居民身份证", "必要", "原件", "１", "申请人自备", "无"],
        [
            "购机发票",
            "必要",
            "原件、复印件",
            "2份",
            "其他",
            "发票须在补贴年度内开具。",
        ],
        ["营业执照", "必须", "复印件", "", "政府部门核发", ""],
        ["购机发票", "容缺", "电子", "无", "其他", "-"],
    ];
    for (i, m) in mats.iter().enumerate() {
        for (j, v) in m.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(2 + i as u32, 2 + j as u16, *v).unwrap();
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("办理流程").unwrap();
    for (c, h) in ["实施编码", "环节名称", "办理人员", "办理时限", "审查标准"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (i, s) in [
        ["申请", "申请人", "即时", "到农机窗口提交材料。"],
        ["核验", "农机站", "10个工作日", "现场核验农机和铭牌。"],
        ["发放", "财政局", "5个工作日", "补贴资金打入申请人账户。"],
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1 + i as u32, 0, if i == 0 { code } else { "" })
            .unwrap();
        for (j, v) in s.iter().enumerate() {
            ws.write_string(1 + i as u32, 1 + j as u16, *v).unwrap();
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("收费").unwrap();
    for (c, h) in [
        "实施编码",
        "收费项目名称",
        "金额（元）",
        "收费标准",
        "收费依据",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, code).unwrap();
    ws.write_string(1, 1, "铭牌工本费").unwrap();
    ws.write_number(1, 2, 0.5).unwrap();
    ws.write_string(1, 3, "每块0.5元").unwrap();
    ws.write_string(1, 4, "《农机牌证工本费标准》").unwrap();
    ws.write_string(2, 0, code).unwrap();
    ws.write_string(2, 1, "核验服务费").unwrap();
    ws.write_string(2, 2, "20元").unwrap();
    ws.write_string(2, 3, "每台20元").unwrap();
    ws.write_string(2, 4, "《农机核验收费办法》").unwrap();

    // Notices with dates as date cells and as text, from the sample's categories.
    let ws = wb.add_worksheet();
    ws.set_name("政务公开").unwrap();
    for (c, h) in [
        "编号",
        "标题",
        "索引号",
        "类别",
        "发布机构",
        "文号",
        "成文日期",
        "发布日期",
        "公开范围",
        "内容概述",
        "正文",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let row = [
        "n2026-nj01",
        "关于2026年农机购置补贴申领的通知",
        "114390210012345678/2026-00101",
        "notice",
        "青禾县农业农村局",
        "无",
    ];
    for (j, v) in row.iter().enumerate() {
        ws.write_string(1, j as u16, *v).unwrap();
    }
    ws.write_datetime_with_format(1, 6, ExcelDateTime::from_ymd(2026, 3, 2).unwrap(), &date)
        .unwrap();
    ws.write_string(1, 7, "2026年3月5日").unwrap();
    ws.write_string(1, 8, "439021000000").unwrap();
    ws.write_string(1, 9, "2026年农机购置补贴开始申领。")
        .unwrap();
    ws.write_string(
        1,
        10,
        "购机农户请于年底前到政务服务中心农业农村窗口申领补贴。",
    )
    .unwrap();
    wb.save(path).unwrap();
}

#[test]
fn a_messy_county_workbook_converts_publishes_syncs_and_shows_on_the_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("青禾县实施清单.xlsx");
    messy_workbook(&path);
    let base = banshi::source::load_dir(&common::sample_dir()).unwrap();
    let book = read::read(&path).unwrap();
    let c = convert::convert(&book, &Layout::default_layout(), Some(&base))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("content");
    folder::write(&out, &c.files, false).unwrap();
    let content = banshi::source::load_dir(&out).unwrap();
    assert_eq!(content.items.len(), 3);
    assert_eq!(content.notices.len(), 1);
    assert!(base.ratings.is_some());
    assert_eq!(
        content.ratings, base.ratings,
        "the 好差评 set (not in the workbook) comes with --base, as ratings.toml"
    );

    let a = content
        .items
        .iter()
        .find(|i| i.name == "农机购置补贴申领")
        .unwrap();
    assert_eq!(
        a.code, "11439021MB1A2B3C4D-900001-01",
        "full-width letters made plain"
    );
    assert_eq!(
        a.id, "nongye-11439021mb1a2b3c4d-900001-01",
        "id made from department and code"
    );
    assert_eq!(
        a.basic_code, "000102900001",
        "leading zeros of a number put back"
    );
    assert_eq!(a.department, "nongye");
    assert_eq!(a.audience, ["个人", "法人"]);
    assert_eq!(
        (a.legal_limit.value, a.legal_limit.unit.as_str()),
        (20, "工作日")
    );
    assert_eq!(a.visits, 1);
    assert_eq!(
        a.conditions.len(),
        3,
        "①② on one line and ③ on the next: {:?}",
        a.conditions
    );
    assert_eq!(a.legal_basis.len(), 2, "{:?}", a.legal_basis);
    assert_eq!(a.place, None, "无 is nothing");
    assert_eq!(a.aliases, ["农机补贴", "買農機補貼"]);
    assert!(!a.free);
    let fees: Vec<i64> = a.fee.iter().map(|f| f.amount_fen).collect();
    assert_eq!(fees, [50, 2000], "0.5 and 20元 in fen");
    let groups: Vec<(&str, usize)> = a
        .material_group
        .iter()
        .map(|g| (g.situation.as_str(), g.material.len()))
        .collect();
    assert_eq!(
        groups,
        [("个人购机", 2), ("合作社购机", 2)],
        "merged cells filled"
    );
    let m = &a.material_group[0].material;
    assert_eq!((m[0].copies, m[0].note.as_deref()), (1, None));
    assert_eq!((m[1].form.as_str(), m[1].copies), ("原件和复印件", 2));
    let m = &a.material_group[1].material;
    assert_eq!(
        (m[0].necessity.as_str(), m[0].copies),
        ("必要", 1),
        "blank copies = 1"
    );
    assert_eq!(
        (m[1].necessity.as_str(), m[1].form.as_str(), m[1].copies),
        ("容缺后补", "电子证照", 0)
    );
    assert_eq!(a.step.len(), 3);
    assert_eq!(
        a.step[2].actor, "财政局",
        "a blank code continues the item above"
    );

    let b = content
        .items
        .iter()
        .find(|i| i.name == "耕地地力保护补贴申报")
        .unwrap();
    assert_eq!(
        b.consult_phone, "0739-6810301",
        "full-width digits made plain"
    );
    assert_eq!(
        (b.promised_limit.value, b.promised_limit.unit.as_str()),
        (20, "自然日")
    );
    assert_eq!(b.visits, 0);
    assert_eq!(b.conditions, ["承包耕地的农户", "耕地仍用于农业生产"]);
    assert_eq!(b.windows, ["E02", "B02"]);
    assert!(b.free && b.fee.is_empty());
    let mats: Vec<(&str, &str, i64, &str)> = b.material_group[0]
        .material
        .iter()
        .map(|m| {
            (
                m.name.as_str(),
                m.form.as_str(),
                m.copies,
                m.necessity.as_str(),
            )
        })
        .collect();
    assert_eq!(
        mats,
        [
            ("居民身份证", "原件", 1, "必要"),
            ("土地承包经营权证", "复印件", 1, "必要"),
            ("银行卡", "复印件", 1, "容缺后补")
        ]
    );
    let steps: Vec<&str> = b.step.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(steps, ["申报", "公示", "发放"]);
    let c = content
        .items
        .iter()
        .find(|i| i.name == "农村危房改造补助申请")
        .unwrap();
    assert!(c.legal_limit.is_none(), "法定时限 无");
    assert_eq!(
        (c.promised_limit.value, c.promised_limit.unit.as_str()),
        (48, "小时")
    );
    assert_eq!(c.online_url, "", "cannot be done online");
    assert!(c.windows.is_empty());
    assert_eq!(c.place.as_deref(), Some("各乡镇（街道）便民服务中心"));
    assert_eq!(
        c.conditions.len(),
        2,
        "1. 2. on one line: {:?}",
        c.conditions
    );
    let n = &content.notices[0];
    assert_eq!(n.written.to_string(), "2026-03-02");
    assert_eq!(n.published.to_string(), "2026-03-05");
    assert_eq!(n.doc_no, None);

    // Published, served by a real `banshi serve` on 127.0.0.1, synced by a kiosk over HTTP,
    // shown on its screen.
    let county = common::sync::TestCounty::new();
    county.publish(&content);
    let kiosk = tempfile::tempdir().unwrap();
    let (mut server, url) = banshi_serve(&county.repo);
    let r = banshi::sync::run_once(&banshi::sync::Options::new(
        banshi::sync::Source::parse(&url).unwrap(),
        kiosk.path().to_path_buf(),
        Some(county.trust()),
    ));
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(r.status, banshi::sync::Status::Updated, "{:?}", r.error);
    let store = banshi::store::Store::open(&kiosk.path().join(banshi::store::DB_FILE)).unwrap();
    assert_eq!(
        common::sync::fingerprint_db(&store),
        common::sync::fingerprint(&content)
    );
    show_on_kiosk(store, &a.id, &c.id);
}

/// `banshi serve` as a process on 127.0.0.1 (a free port): the child and its URL.
fn banshi_serve(repo: &Path) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_banshi"))
        .args(["serve", "--listen", "127.0.0.1:0", "--repo"])
        .arg(repo)
        .env_remove("BANSHI_CONFIG")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("serve prints its address: {line}"))
        .trim_end_matches('/')
        .to_string();
    (child, format!("{url}/"))
}

fn show_on_kiosk(store: banshi::store::Store, id: &str, offline_id: &str) {
    use banshi::kiosk::nav::Route;
    use banshi::ui::{GuidePage, KioskUi};
    use slint::{ComponentHandle, Model};
    i_slint_backend_testing::init_no_event_loop();
    let data = tempfile::tempdir().unwrap();
    let config = banshi::config::Config {
        data_dir: Some(data.path().to_path_buf()),
        ..Default::default()
    };
    let ui = KioskUi::new(store, config).unwrap();
    ui.window.show().unwrap();
    ui.open(Route::Guide(id.to_string()));
    let g = ui.window.global::<GuidePage>().get_guide();
    assert_eq!(g.name, "农机购置补贴申领");
    assert_eq!(g.materials.row_count(), 2);
    let fees: Vec<String> = g.fees.iter().map(|f| f.text.to_string()).collect();
    assert!(fees.iter().any(|f| f.contains("0.5")), "{fees:?}");
    assert!(fees.iter().any(|f| f.contains("20")), "{fees:?}");
    assert_eq!(g.steps.row_count(), 3);

    // Not online, at the towns: no online QR code, the place instead of a window.
    ui.open(Route::Guide(offline_id.to_string()));
    let g = ui.window.global::<GuidePage>().get_guide();
    assert_eq!(g.name, "农村危房改造补助申请");
    assert_eq!(g.online_url, "", "no online address: no online QR code");
    assert!(
        g.place.contains("各乡镇（街道）便民服务中心"),
        "{}",
        g.place
    );
}

#[test]
fn a_csv_of_items_converts_with_a_base_folder_gbk_too() {
    let csv = "事项名称,实施编码,基本编码,实施主体,事项类型,服务对象,办件类型,法定办结时限,承诺办结时限,到现场次数,受理条件,设定依据,办理窗口,咨询电话,监督投诉电话,是否收费,网办地址,办理结果名称,办理结果类型,事项概述,主题分类,申请材料,办理流程\n\
        残疾人两项补贴申请,11439021MB1A2B3C4D-900003-01,000102900003,残联,行政给付,自然人,承诺件,20个工作日,15个工作日,1,\"1.持有残疾人证\n2.本县户籍\",《关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》,B02,0739-6810888,12345,否,https://zwfw.qinghe.example.gov.cn/item/cjbt,补贴资金,其他,困难残疾人和重度残疾人可申请两项补贴。,残疾人服务,\"①残疾人证\n②居民身份证\",\"1.申请：提交材料\n2.审核：残联审核\"\n";
    let base = banshi::source::load_dir(&common::sample_dir()).unwrap();
    for bytes in [
        csv.as_bytes().to_vec(),
        encoding_rs::GBK.encode(csv).0.into_owned(),
    ] {
        let book = read::read_csv(&bytes, "事项").unwrap();
        let c = convert::convert(&book, &Layout::default_layout(), Some(&base))
            .unwrap_or_else(|e| panic!("{e}"));
        let item = &c.content.items[0];
        assert_eq!(item.name, "残疾人两项补贴申请");
        assert_eq!(item.conditions, ["持有残疾人证", "本县户籍"]);
        assert_eq!(item.material_group[0].material.len(), 2);
        assert_eq!(item.village.mode, "告知");
    }
}

#[test]
fn the_shipped_template_converts() {
    let t = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/spreadsheet/template.xlsx");
    let book = read::read(&t).unwrap();
    let c =
        convert::convert(&book, &Layout::default_layout(), None).unwrap_or_else(|e| panic!("{e}"));
    assert!(!c.content.items.is_empty());
}

/// The commands as county staff type them: export, convert (validated as written), a second
/// convert refused without --replace, a broken workbook refused with the cell named and
/// nothing written, exit codes for scripts.
#[test]
fn the_convert_and_export_commands() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let banshi = |args: &[&std::ffi::OsStr]| {
        let o = Command::new(env!("CARGO_BIN_EXE_banshi"))
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr),
        )
    };
    let os = |s: &str| std::ffi::OsString::from(s);
    let xlsx = dir.path().join("清单.xlsx");
    let out = dir.path().join("content");
    let sample = common::sample_dir();
    let (ok, text) = banshi(&[
        &os("export"),
        &os("--xlsx"),
        sample.as_os_str(),
        xlsx.as_os_str(),
    ]);
    assert!(ok, "{text}");
    let (ok, text) = banshi(&[
        &os("convert"),
        xlsx.as_os_str(),
        &os("--out"),
        out.as_os_str(),
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("内容检查通过"), "{text}");
    assert_eq!(
        sorted(banshi::source::load_dir(&out).unwrap()),
        sorted(banshi::sample::sample())
    );
    let (ok, text) = banshi(&[
        &os("convert"),
        xlsx.as_os_str(),
        &os("--out"),
        out.as_os_str(),
    ]);
    assert!(!ok && text.contains("--replace"), "{text}");

    let mut b = read::read(&xlsx).unwrap();
    set(&mut b, "申请材料", 3, "份数", Cell::Text("若干".into()));
    let broken = dir.path().join("broken.xlsx");
    book_to_xlsx(&b, &broken);
    let fresh = dir.path().join("fresh");
    let (ok, text) = banshi(&[
        &os("convert"),
        broken.as_os_str(),
        &os("--out"),
        fresh.as_os_str(),
    ]);
    assert!(!ok, "{text}");
    assert!(
        text.contains("没有写出任何文件") && text.contains("表“申请材料”第 4 行 G 列（份数）"),
        "{text}"
    );
    assert!(!fresh.exists());
}

#[test]
fn a_basic_code_that_lost_its_zeros_as_text_says_to_pad_it() {
    let mut b = sample_book();
    set(
        &mut b,
        "事项",
        1,
        "基本编码",
        Cell::Text("102004000".into()),
    );
    let e = broken(&b);
    assert!(e.contains("表“事项”第 2 行 D 列（基本编码）"), "{e}");
    assert!(
        e.contains("丢掉了前面的 0") && e.contains("000102004000"),
        "{e}"
    );
}

/// Another province's layout: a mapping file renames a sheet and columns; export and convert
/// with it give the content back, and the default layout does not find the renamed sheet.
#[test]
fn a_province_mapping_file_renames_sheets_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("本省格式.toml");
    std::fs::write(
        &mapping,
        "[items]\nsheet = \"政务服务事项\"\n[items.columns]\nname = \"事项名\"\ncode = [\"事项实施编码\", \"实施编码\"]\n\
         [materials.columns]\ncopies = \"纸质份数\"\n",
    )
    .unwrap();
    let layout = Layout::load(Some(&mapping)).unwrap();
    let sample = banshi::sample::sample();
    let path = write_xlsx(
        dir.path(),
        "p.xlsx",
        &export::to_bytes(&sample, &layout).unwrap(),
    );
    let book = read::read(&path).unwrap();
    assert!(book.sheet("政务服务事项").is_some());
    let back = convert::convert(&book, &layout, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sorted(back.content), sorted(sample));
    let e = convert::convert(&book, &Layout::default_layout(), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("表“事项”") && e.contains("没有这张表"), "{e}");
    std::fs::write(&mapping, "[items.columns]\nnmae = \"事项名\"\n").unwrap();
    let e = Layout::load(Some(&mapping)).unwrap_err();
    assert!(e.contains("nmae") && e.contains("可用的字段"), "{e}");
}
