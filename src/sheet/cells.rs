//! What a spreadsheet cell really holds, turned into the content model's values: text with
//! full-width digits and spaces, numbers stored as text, dates as serial numbers or text, "无"
//! and blank cells, lists written in one cell (line breaks, ①②③, 1. 2. 3., 一、二、), money in
//! 元 written as 0.5 or "20元". Each function returns the value or a Chinese explanation of what
//! to write instead; the caller adds where the cell is.

/// One cell as read from the workbook.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A date cell: days since 1899-12-30 (the spreadsheet serial number).
    Date(f64),
    Bool(bool),
}

impl Cell {
    /// The cell as text: numbers without a trailing ".0", dates as 2026-09-25.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => number_text(*n),
            Cell::Date(d) => serial_date(*d)
                .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
                .unwrap_or_else(|| number_text(*d)),
            Cell::Bool(b) => if *b { "是" } else { "否" }.into(),
        }
    }

    /// Blank, only spaces, or one of the words counties write for "nothing" (无, 暂无, /, -).
    pub fn is_nothing(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => is_nothing_text(s),
            _ => false,
        }
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

pub fn is_nothing_text(s: &str) -> bool {
    let t = clean(s);
    matches!(
        t.as_str(),
        "" | "无" | "暂无" | "/" | "-" | "—" | "——" | "无。" | "空" | "不涉及"
    )
}

/// Full-width digits, letters and ASCII punctuation → ASCII (for codes, numbers, phones).
pub fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' => ' ',
            _ => c,
        })
        .collect()
}

/// Text as a county wrote it: full-width digits and spaces made plain (Chinese punctuation such
/// as （）：，is kept), non-breaking spaces made spaces, Windows line ends made `\n`, trimmed.
pub fn clean(s: &str) -> String {
    let s: String = s
        .chars()
        .filter(|&c| c != '\r')
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' => ' ',
            _ => c,
        })
        .collect();
    s.trim().to_string()
}

/// Codes, ids, window numbers: every full-width character made ASCII and every space removed.
pub fn code(s: &str) -> String {
    half_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// An optional text: blank and "无" are none.
pub fn optional(cell: &Cell) -> Option<String> {
    (!cell.is_nothing()).then(|| clean(&cell.text()))
}

/// A whole number: 3, "3", "３", "3份", "三次"; blank or "无" gives `empty`.
pub fn integer(cell: &Cell, empty: Option<i64>) -> Result<i64, String> {
    let fail = |v: &str| {
        Err(format!(
            "“{v}”不是整数。请只写数字，例如 1（不要写小数，也不要写文字）。"
        ))
    };
    match cell {
        Cell::Number(n) if n.fract() == 0.0 => Ok(*n as i64),
        Cell::Number(n) => fail(&number_text(*n)),
        Cell::Bool(_) | Cell::Date(_) => fail(&cell.text()),
        // Blank gives the default; "无" gives 0 where a default exists.
        _ if cell.is_nothing() => match empty {
            None => Err("不能为空，请填写整数。".into()),
            Some(v) if clean(&cell.text()).is_empty() => Ok(v),
            Some(_) => Ok(0),
        },
        Cell::Text(s) => {
            let t = code(s);
            let t = t
                .trim_start_matches('各')
                .trim_end_matches(['份', '次', '个', '张', '件', '套', '页']);
            if let Ok(v) = t.parse::<i64>() {
                return Ok(v);
            }
            if let Some(v) = chinese_number(t) {
                return Ok(v);
            }
            fail(s)
        }
        Cell::Empty => unreachable!("blank handled above"),
    }
}

/// 一 … 九十九 as a number.
pub fn chinese_number(s: &str) -> Option<i64> {
    let digit = |c: char| "零一二三四五六七八九".chars().position(|d| d == c);
    let two = |c: char| if c == '两' { Some(2) } else { digit(c) };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [a] => two(*a).map(|v| v as i64),
        ['十', b] => digit(*b).map(|v| 10 + v as i64),
        [a, '十'] => digit(*a).map(|v| v as i64 * 10),
        [a, '十', b] => Some(digit(*a)? as i64 * 10 + digit(*b)? as i64),
        _ => None,
    }
}

/// 是/否 and the ways spreadsheets say it; blank gives `empty`.
pub fn yes_no(cell: &Cell, empty: Option<bool>) -> Result<bool, String> {
    if let Cell::Bool(b) = cell {
        return Ok(*b);
    }
    if matches!(cell, Cell::Empty) || (cell.is_nothing() && empty.is_some()) {
        return empty.ok_or_else(|| "不能为空，请填写“是”或“否”。".to_string());
    }
    let t = code(&cell.text()).to_lowercase();
    match t.as_str() {
        "是" | "y" | "yes" | "true" | "1" | "√" | "支持" | "收费" => Ok(true),
        "否" | "n" | "no" | "false" | "0" | "×" | "不支持" | "不收费" | "免费" | "无" => {
            Ok(false)
        }
        _ => Err(format!("“{}”看不懂，请填写“是”或“否”。", cell.text())),
    }
}

/// Money in 元 → fen: 20, 0.5, "20元", "￥20.00", "20.5 元".
pub fn yuan_to_fen(cell: &Cell) -> Result<i64, String> {
    let example = "请只写金额（元），例如 20 或 0.5，也可以写“20元”。";
    let value = match cell {
        Cell::Number(n) => *n,
        Cell::Text(s) if !cell.is_nothing() => {
            let t = code(s);
            let t = t
                .trim_start_matches(['¥', '￥'])
                .trim_start_matches("人民币")
                .trim_end_matches("元整")
                .trim_end_matches('元');
            t.parse::<f64>()
                .map_err(|_| format!("“{s}”不是金额。{example}"))?
        }
        _ if cell.is_nothing() => return Err(format!("金额不能为空。{example}")),
        _ => return Err(format!("“{}”不是金额。{example}", cell.text())),
    };
    let fen = value * 100.0;
    if (fen - fen.round()).abs() > 1e-6 || !fen.is_finite() {
        return Err(format!(
            "“{}”元不是整分：金额最多写到小数点后两位（分），例如 0.5 或 12.35。",
            cell.text()
        ));
    }
    Ok(fen.round() as i64)
}

/// A time limit: a number and a unit, in one cell ("20个工作日", "48小时", "即办") or in two
/// (20 | 工作日). A legal limit (`legal`) may be "无": the law sets none (unit 无, value 0).
pub fn limit(value: &Cell, unit: &Cell, legal: bool) -> Result<(i64, String), String> {
    let text = clean(&value.text());
    let said_none = |c: &Cell| {
        matches!(
            clean(&c.text()).as_str(),
            "无" | "不涉及" | "法律未规定" | "无法定时限"
        )
    };
    if legal && (said_none(value) || (value.is_nothing() && said_none(unit))) {
        return Ok((0, crate::model::allowed::NO_LIMIT.to_string()));
    }
    let instant = [
        "即办",
        "即时",
        "即时办结",
        "当场",
        "当场办结",
        "当即办结",
        "立即办结",
    ];
    if instant.contains(&text.as_str()) {
        return Ok((
            0,
            unit_word(&clean(&unit.text()))
                .unwrap_or("工作日")
                .to_string(),
        ));
    }
    if value.is_nothing() {
        return Err(
            if legal {
                "法定时限不能为空：请写时间和单位，例如 20 和“工作日”；当场办结写 0 或“即办”；法律没有规定时限的写“无”。"
            } else {
                "承诺时限不能为空或“无”：请写时间和单位，例如 20 和“工作日”；当场办结写 0 或“即办”。"
            }
            .into(),
        );
    }
    let (number, rest) = match value {
        Cell::Number(n) if n.fract() == 0.0 => (*n as i64, String::new()),
        _ => {
            let t = code(&text);
            let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
            let rest = t[digits.len()..].trim_start_matches('个').to_string();
            match digits.parse::<i64>() {
                Ok(n) => (n, rest),
                Err(_) => {
                    return Err(format!(
                        "“{text}”不是时限：请写天数，例如 20（单位写在单位列），或“20个工作日”。"
                    ))
                }
            }
        }
    };
    let unit_text = if rest.is_empty() {
        clean(&unit.text())
    } else {
        rest
    };
    if unit_text.is_empty() {
        return Err(format!(
            "时限 {number} 没有单位：请在单位列写“工作日”或“自然日”，或写成“{number}个工作日”。"
        ));
    }
    match unit_word(&unit_text) {
        Some(u) => Ok((number, u.to_string())),
        None => Err(format!(
            "时限单位“{unit_text}”不认识：只能写“工作日”“自然日”“小时”或“月”。"
        )),
    }
}

fn unit_word(s: &str) -> Option<&'static str> {
    match s.trim_start_matches('个') {
        "工作日" => Some("工作日"),
        "自然日" | "日历日" | "天" | "日" => Some("自然日"),
        "小时" | "时" => Some("小时"),
        "月" => Some("月"),
        _ => None,
    }
}

/// A date: a date cell, a serial number, or text such as 2026-09-25, 2026/9/25, 2026.9.25 or
/// 2026年9月25日.
pub fn date(cell: &Cell) -> Result<toml::value::Datetime, String> {
    let ymd = match cell {
        Cell::Date(d) | Cell::Number(d) => serial_date(*d),
        Cell::Text(s) => text_date(&code(s)),
        _ => None,
    };
    let Some((year, month, day)) = ymd else {
        return Err(format!(
            "“{}”不是日期：请写成 2026-09-25 这样的日期（也可以用表格的日期格式）。",
            cell.text()
        ));
    };
    Ok(toml::value::Datetime {
        date: Some(toml::value::Date { year, month, day }),
        time: None,
        offset: None,
    })
}

fn text_date(s: &str) -> Option<(u16, u8, u8)> {
    let s = s.trim_end_matches('日');
    let parts: Vec<&str> = s
        .split(['-', '/', '.', '年', '月'])
        .filter(|p| !p.is_empty())
        .collect();
    if let [y, m, d] = parts.as_slice() {
        let (y, m, d) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        chrono::NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))?;
        return Some((y, m, d));
    }
    if parts.len() == 1 && s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return text_date(&format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..]));
    }
    // A serial number stored as text.
    s.parse::<f64>().ok().and_then(serial_date)
}

/// Spreadsheet serial number → (year, month, day); only plausible dates (1955–2159).
pub fn serial_date(serial: f64) -> Option<(u16, u8, u8)> {
    if !(20_000.0..=95_000.0).contains(&serial) {
        return None;
    }
    use chrono::Datelike;
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let d = base + chrono::Duration::days(serial.floor() as i64);
    Some((d.year() as u16, d.month() as u8, d.day() as u8))
}

/// The serial number of a date (for writing date cells).
pub fn date_serial(year: u16, month: u8, day: u8) -> Option<f64> {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let d = chrono::NaiveDate::from_ymd_opt(year.into(), month.into(), day.into())?;
    Some((d - base).num_days() as f64)
}

/// A list written in one cell: one entry per line, and a line that starts with a number marker
/// (①, 1., 1、, (1), 一、, （一）) split again where the next number follows. Markers and
/// trailing ；。 are removed; "无" gives an empty list.
pub fn long_list(cell: &Cell) -> Vec<String> {
    if cell.is_nothing() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for line in clean(&cell.text()).split('\n') {
        for part in split_numbered(line.trim()) {
            let part = strip_marker(&part);
            let part = part.trim().trim_end_matches(['；', ';']).trim();
            if !part.is_empty() && !is_nothing_text(part) {
                out.push(part.to_string());
            }
        }
    }
    out
}

/// A short list (aliases, audiences, window numbers …): also split at 、，,；;/ and spaces.
pub fn short_list(cell: &Cell) -> Vec<String> {
    long_list(cell)
        .iter()
        .flat_map(|l| {
            l.split(['、', '，', ',', '；', ';', '/', ' '])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

const CIRCLED: std::ops::RangeInclusive<char> = '\u{2460}'..='\u{2473}';
const HAN_DIGITS: [&str; 20] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四",
    "十五", "十六", "十七", "十八", "十九", "二十",
];

/// The text that marks entry n of a numbered list.
type Label = Box<dyn Fn(usize) -> Vec<String>>;

/// The marker a line starts with: its length in bytes, its number, and the text that marks
/// entry n.
fn marker(line: &str) -> Option<(usize, usize, Label)> {
    let first = line.chars().next()?;
    if CIRCLED.contains(&first) {
        return Some((
            first.len_utf8(),
            (first as u32 - 0x2460 + 1) as usize,
            Box::new(|n| {
                char::from_u32(0x2460 + n as u32 - 1)
                    .map(|c| vec![c.to_string()])
                    .unwrap_or_default()
            }),
        ));
    }
    let digits: String = line.chars().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() && digits.len() <= 2 {
        let after = line[digits.len()..].chars().next()?;
        let next_is_digit = line[digits.len() + after.len_utf8()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit());
        if matches!(after, '.' | '、' | '．' | ')' | '）') && !next_is_digit {
            let len = digits.len() + after.len_utf8();
            let number = digits.parse().unwrap_or(1);
            return Some((len, number, Box::new(move |n| vec![format!("{n}{after}")])));
        }
    }
    for (open, close) in [('(', ')'), ('（', '）')] {
        if let Some(rest) = line.strip_prefix(open) {
            if let Some(end) = rest.find(close) {
                let inner = &rest[..end];
                let numeric = inner.parse::<usize>().is_ok();
                if numeric || HAN_DIGITS.contains(&inner) {
                    let len = open.len_utf8() + end + close.len_utf8();
                    let number = inner.parse::<usize>().unwrap_or_else(|_| {
                        HAN_DIGITS.iter().position(|h| *h == inner).unwrap_or(0) + 1
                    });
                    return Some((
                        len,
                        number,
                        Box::new(move |n| {
                            let label = if numeric {
                                n.to_string()
                            } else {
                                HAN_DIGITS.get(n - 1).unwrap_or(&"").to_string()
                            };
                            ["(", "（"]
                                .iter()
                                .zip([")", "）"])
                                .map(|(o, c)| format!("{o}{label}{c}"))
                                .collect()
                        }),
                    ));
                }
            }
        }
    }
    for (i, han) in HAN_DIGITS.iter().enumerate().rev() {
        if let Some(rest) = line.strip_prefix(han) {
            if rest.starts_with('、') {
                return Some((
                    han.len() + '、'.len_utf8(),
                    i + 1,
                    Box::new(|n| {
                        HAN_DIGITS
                            .get(n - 1)
                            .map(|h| vec![format!("{h}、")])
                            .unwrap_or_default()
                    }),
                ));
            }
        }
    }
    if matches!(first, '•' | '·' | '●' | '▪' | '■' | '◆') {
        return Some((
            first.len_utf8(),
            0,
            Box::new(move |_| vec![first.to_string()]),
        ));
    }
    None
}

fn strip_marker(line: &str) -> String {
    match marker(line) {
        Some((len, _, _)) => line[len..].trim_start().to_string(),
        None => line.to_string(),
    }
}

/// "1.甲；2.乙；3.丙" → ["1.甲；", "2.乙；", "3.丙"]; a line without a leading marker stays whole.
fn split_numbered(line: &str) -> Vec<String> {
    let Some((len, number, label)) = marker(line) else {
        return vec![line.to_string()];
    };
    let mut parts = Vec::new();
    let mut start = 0;
    let mut from = len;
    let mut n = number + 1;
    loop {
        let next = label(n)
            .iter()
            .filter_map(|l| line[from..].find(l.as_str()).map(|p| p + from))
            .min();
        match next {
            Some(at) if at > start => {
                parts.push(line[start..at].to_string());
                start = at;
                from = at + line[at..].chars().next().map_or(1, char::len_utf8);
                n += 1;
            }
            _ => break,
        }
    }
    parts.push(line[start..].to_string());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn lists_in_one_cell() {
        assert_eq!(
            long_list(&t("①身份证\n②户口簿③结婚证")),
            ["身份证", "户口簿", "结婚证"]
        );
        assert_eq!(
            long_list(&t("1.年满18周岁；2.户籍在本县；")),
            ["年满18周岁", "户籍在本县"]
        );
        assert_eq!(
            long_list(&t("一、申请\n二、受理\n三、决定")),
            ["申请", "受理", "决定"]
        );
        assert_eq!(long_list(&t("（1）甲（2）乙")), ["甲", "乙"]);
        assert_eq!(long_list(&t("1.5米以下的儿童")), ["1.5米以下的儿童"]);
        assert_eq!(
            long_list(&t("《条例》第五条\r\n《办法》第二十条")),
            ["《条例》第五条", "《办法》第二十条"]
        );
        assert_eq!(long_list(&t("无")), Vec::<String>::new());
        assert_eq!(short_list(&t("自然人、法人")), ["自然人", "法人"]);
        assert_eq!(short_list(&t("A01，A02")), ["A01", "A02"]);
    }

    #[test]
    fn numbers_money_dates_and_limits() {
        assert_eq!(integer(&t("１份"), None), Ok(1));
        assert_eq!(integer(&Cell::Number(2.0), None), Ok(2));
        assert_eq!(integer(&t("两"), None), Ok(2));
        assert_eq!(integer(&t("各1份"), None), Ok(1));
        assert_eq!(integer(&Cell::Empty, Some(1)), Ok(1));
        assert!(integer(&t("若干"), None).is_err());
        assert_eq!(yuan_to_fen(&Cell::Number(0.5)), Ok(50));
        assert_eq!(yuan_to_fen(&t("20元")), Ok(2000));
        assert_eq!(yuan_to_fen(&t("￥１２.３５")), Ok(1235));
        assert!(yuan_to_fen(&t("0.505")).is_err());
        assert!(yuan_to_fen(&t("按面积收取")).is_err());
        let d = date(&Cell::Number(46290.0)).unwrap();
        assert_eq!(d.to_string(), "2026-09-25");
        assert_eq!(date(&t("2026年9月25日")).unwrap().to_string(), "2026-09-25");
        assert_eq!(date(&t("2026/9/25")).unwrap().to_string(), "2026-09-25");
        assert!(date(&t("九月")).is_err());
        assert_eq!(
            limit(&t("20个工作日"), &Cell::Empty, false),
            Ok((20, "工作日".into()))
        );
        assert_eq!(
            limit(&Cell::Number(15.0), &t("天"), false),
            Ok((15, "自然日".into()))
        );
        assert_eq!(
            limit(&t("即办"), &Cell::Empty, false),
            Ok((0, "工作日".into()))
        );
        assert_eq!(limit(&t("48"), &t("小时"), false), Ok((48, "小时".into())));
        assert_eq!(
            limit(&t("3个月"), &Cell::Empty, false),
            Ok((3, "月".into()))
        );
        assert!(limit(&t("3"), &t("周"), false)
            .unwrap_err()
            .contains("小时"));
        assert!(
            limit(&t("无"), &Cell::Empty, false).is_err(),
            "a promise is never 无"
        );
        assert_eq!(limit(&t("无"), &Cell::Empty, true), Ok((0, "无".into())));
        assert_eq!(limit(&Cell::Empty, &t("无"), true), Ok((0, "无".into())));
        assert!(limit(&Cell::Empty, &Cell::Empty, true)
            .unwrap_err()
            .contains("写“无”"));
        assert_eq!(code(" ＭＢ１２３ "), "MB123");
        assert_eq!(clean("０７３９　１２３"), "0739 123");
    }
}
