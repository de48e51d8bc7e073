//! The rules authored content must follow, beyond what TOML parsing checks: references between
//! files, allowed values, codes, money and dates. Every broken rule becomes a [`Problem`].

use std::collections::{HashMap, HashSet};

use super::Problem;
use crate::model::{allowed, Content, ServiceItem, TimeLimit};

struct Checker<'a> {
    file: &'a str,
    problems: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            field: field.into(),
            message: message.into(),
        });
    }
    fn text(&mut self, field: &str, value: &str) {
        if value.chars().all(|c| c.is_whitespace() || invisible(c)) {
            self.fail(field, "不能为空，请填写内容。");
        }
        if let Some((n, c)) = value.chars().enumerate().find(|&(_, c)| invisible(c)) {
            self.fail(
                field,
                format!(
                    "第 {} 个字处有看不见的字符 U+{:04X}（{}），多半是从 Word 或网页复制来的。\
                     请删掉它：在编辑器里把这一行重新打一遍，或用“只粘贴文字”。",
                    n + 1,
                    c as u32,
                    invisible_name(c)
                ),
            );
        }
    }
    /// A life event's icon: one or two characters drawn in the tile's badge. Emoji are refused:
    /// no kiosk font draws them (they would show as a blank badge).
    fn icon(&mut self, field: &str, value: &str) {
        let n = value.chars().count();
        let emoji = value.chars().find(|&c| {
            let u = c as u32;
            u >= 0x1F000 || (0x2600..=0x27BF).contains(&u) || matches!(u, 0xFE0F | 0x200D)
        });
        if let Some(c) = emoji {
            self.fail(
                field,
                format!(
                    "“{c}”是表情符号，终端的字体画不出来（图标会是空白）。请改用一个汉字，例如 icon = \"婴\"；不要图标就删掉这一行。"
                ),
            );
        } else if n == 0 || n > 2 || value.trim() != value {
            self.fail(
                field,
                format!("图标“{value}”要写一到两个字，例如 icon = \"婴\"；不要图标就删掉这一行。"),
            );
        } else {
            self.text(field, value);
        }
    }
    fn one_of(&mut self, field: &str, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.fail(
                field,
                format!("“{value}”不是可用的值，只能填：{}。", allowed.join("、")),
            );
        }
    }
    fn non_empty_list(&mut self, field: &str, values: &[String]) {
        if values.is_empty() {
            self.fail(field, "至少要填一项。");
        }
        for (i, v) in values.iter().enumerate() {
            if v.trim().is_empty() {
                self.fail(
                    format!("{field}[{i}]"),
                    "不能为空，请填写内容或删掉这一项。",
                );
            }
        }
    }
    fn id(&mut self, field: &str, value: &str) {
        let ok = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !value.starts_with('-')
            && !value.ends_with('-')
            && !value.contains("--");
        if !ok {
            self.fail(field, format!("“{value}”不能用作编号：只能用小写英文字母、数字和“-”（“-”不能在开头、结尾或连写两个），例如 gongan-sfz-huanling。"));
        }
    }
    fn limit(&mut self, field: &str, l: &TimeLimit) {
        if l.is_none() {
            if field != "legal_limit" {
                self.fail(
                    field,
                    "只有法定时限可以写“无”（法律没有规定时限）；承诺时限要写具体的时间。",
                );
            }
            return;
        }
        self.one_of(&format!("{field}.unit"), &l.unit, allowed::LIMIT_UNITS);
        let (max, what) = match l.unit.as_str() {
            "小时" => (8760, "小时数必须在 0 到 8760（一年）之间（0 表示即办）。"),
            "月" => (120, "月数必须在 0 到 120 之间（0 表示即办）。"),
            _ => (3650, "天数必须在 0 到 3650 之间（0 表示即办）。"),
        };
        if l.value < 0 || l.value > max {
            self.fail(format!("{field}.value"), what);
        }
    }
}

/// Characters that show as nothing or move text around: control characters (except line breaks
/// and tabs in long text), zero-width spaces and joiners, soft hyphens, direction marks, BOMs.
fn invisible(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t' && c != '\r')
        || matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

fn invisible_name(c: char) -> &'static str {
    match c {
        '\u{200B}' => "零宽空格",
        '\u{200C}' | '\u{200D}' | '\u{2060}' => "零宽连接符",
        '\u{FEFF}' => "字节顺序标记",
        '\u{00AD}' => "软连字符",
        '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' => "文字方向标记",
        _ => "控制字符",
    }
}

/// About how many calendar days a limit can take at least and at most: a working day is at
/// least one calendar day, and n working days are at most n·7/5 days plus a week of holidays;
/// a month is 28 to 31 days; hours count in whole days. No statutory limit has no most.
fn calendar_days(l: &TimeLimit) -> (i64, i64) {
    match l.unit.as_str() {
        "工作日" => (l.value, l.value * 7 / 5 + if l.value > 0 { 7 } else { 0 }),
        "小时" => (l.value / 24, (l.value + 23) / 24),
        "月" => (l.value * 28, l.value * 31),
        crate::model::allowed::NO_LIMIT => (0, i64::MAX),
        _ => (l.value, l.value),
    }
}

/// How far ahead a notice's publication date may be (a notice prepared for next month is fine;
/// a year typed wrong is not).
const FUTURE_DAYS: i64 = 31;

/// Days from today (local time) to a plain date; `None` for anything that is no plain date.
fn days_ahead(d: &toml::value::Datetime) -> Option<i64> {
    let date = d.date.filter(|_| is_plain_date(d))?;
    let day =
        chrono::NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())?;
    Some((day - chrono::Local::now().date_naive()).num_days())
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// A date only (`2026-10-15`), no time of day.
fn is_plain_date(d: &toml::value::Datetime) -> bool {
    d.date.is_some() && d.time.is_none() && d.offset.is_none()
}

/// `ratings.toml`: a version, the national levels unchanged, 1–10 distinct short reasons.
fn check_ratings(set: &crate::model::RatingSet, problems: &mut Vec<Problem>) {
    use crate::model::RatingSet;
    let mut c = Checker {
        file: super::RATINGS_FILE,
        problems,
    };
    c.text("version", &set.version);
    if set.version.chars().count() > 40 {
        c.fail(
            "version",
            "版本太长（最多 40 个字），例如写 \"湖南省2024版\" 或 \"2026-1\"。",
        );
    }
    if set.levels != RatingSet::LEVELS {
        c.fail(
            "levels",
            format!(
                "评价等级是全国统一的，不能增减或改名，只能是：{}（也可以不写这一项）。",
                RatingSet::LEVELS.join("、")
            ),
        );
    }
    if set.reasons.is_empty() {
        c.fail(
            "reasons",
            "差评（不满意、非常不满意）要选原因，至少写一个原因，例如 \"等太久\"。",
        );
    }
    if set.reasons.len() > RatingSet::MAX_REASONS {
        c.fail(
            "reasons",
            format!(
                "原因最多 {} 个（现在 {} 个），多了终端上一屏放不下；请合并相近的原因。",
                RatingSet::MAX_REASONS,
                set.reasons.len()
            ),
        );
    }
    let mut seen = HashSet::new();
    for (i, r) in set.reasons.iter().enumerate() {
        let field = format!("reasons[{i}]");
        c.text(&field, r);
        let n = r.chars().count();
        if n > RatingSet::MAX_REASON_CHARS {
            c.fail(
                &field,
                format!(
                    "“{r}”太长（{n} 个字，最多 {} 个字）：原因是终端上的一个按钮，请写短一些。",
                    RatingSet::MAX_REASON_CHARS
                ),
            );
        }
        if !seen.insert(r.trim()) {
            c.fail(&field, format!("“{r}”写了两次，请删掉一个。"));
        }
    }
}

/// Checks `content` and appends every problem. `item_files[i]` is where `content.items[i]` came from.
pub fn check(
    content: &Content,
    item_files: &[String],
    notice_files: &[String],
    problems: &mut Vec<Problem>,
) {
    let county_region = check_county(content, problems);
    let regions = check_regions(content, &county_region, problems);
    let departments = check_departments(content, problems);
    let windows = check_windows(content, &departments, problems);
    let (life_events, notice_categories) = check_categories(content, problems);
    if let Some(set) = &content.ratings {
        check_ratings(set, problems);
    }

    let mut ids = HashMap::new();
    let mut codes = HashMap::new();
    for (item, file) in content.items.iter().zip(item_files) {
        let mut c = Checker { file, problems };
        if let Some(first) = ids.insert(item.id.clone(), file.clone()) {
            c.fail(
                "id",
                format!(
                    "编号“{}”已在 {first} 用过，每个事项的编号必须不同。",
                    item.id
                ),
            );
        }
        if let Some(first) = codes.insert(item.code.clone(), file.clone()) {
            c.fail(
                "code",
                format!("实施编码“{}”已在 {first} 用过。", item.code),
            );
        }
        check_item(
            &mut c,
            item,
            &Refs {
                departments: &departments,
                windows: &windows,
                life_events: &life_events,
                regions: &regions,
            },
        );
    }

    let mut notice_ids = HashMap::new();
    for (n, file) in content.notices.iter().zip(notice_files) {
        let mut c = Checker { file, problems };
        c.id("id", &n.id);
        if let Some(first) = notice_ids.insert(n.id.clone(), file.clone()) {
            c.fail("id", format!("编号“{}”已在 {first} 用过。", n.id));
        }
        c.text("title", &n.title);
        c.text("index_no", &n.index_no);
        c.text("publisher", &n.publisher);
        c.text("body", &n.body);
        c.text("summary", &n.summary);
        if n.summary.chars().count() > 100 {
            c.fail(
                "summary",
                format!(
                    "内容概述最多 100 个字，现在有 {} 个字。",
                    n.summary.chars().count()
                ),
            );
        }
        if !notice_categories.contains(n.category.as_str()) {
            c.fail(
                "category",
                format!(
                    "“{}”不在 categories.toml 的 [[notice_category]] 里。",
                    n.category
                ),
            );
        }
        if n.scope != county_region && !regions.contains(n.scope.as_str()) {
            c.fail(
                "scope",
                format!(
                    "“{}”不是本县、乡镇或村（社区）的区划代码（见 regions.toml）。",
                    n.scope
                ),
            );
        }
        for (field, d) in [("written", &n.written), ("published", &n.published)] {
            if !is_plain_date(d) {
                c.fail(field, "只写日期，例如 2026-10-15（不加引号，不写时间）。");
            }
        }
        if is_plain_date(&n.written)
            && is_plain_date(&n.published)
            && n.written.date > n.published.date
        {
            c.fail("written", "成文日期不能晚于发布日期。");
        }
        if let Some(days) = days_ahead(&n.published) {
            if days > FUTURE_DAYS {
                c.fail(
                    "published",
                    format!("发布日期比今天晚 {days} 天。终端会把它当作已经发布的信息显示：请核对年份，或等到发布那天再发布。"),
                );
            }
        }
    }
}

fn check_county(content: &Content, problems: &mut Vec<Problem>) -> String {
    let county = &content.county;
    let mut c = Checker {
        file: "county.toml",
        problems,
    };
    c.text("name", &county.name);
    c.text("hall_name", &county.hall_name);
    c.text("hall_address", &county.hall_address);
    c.text("hall_hours", &county.hall_hours);
    c.text("consult_phone", &county.consult_phone);
    c.text("complaint_phone", &county.complaint_phone);
    if !is_digits(&county.region, 12) || !county.region.ends_with("000000") {
        c.fail(
            "region",
            "县级区划代码要写 12 位数字，后 6 位是 0，例如 439021000000。",
        );
    }
    if county.content_version < 1 {
        c.fail("content_version", "内容版本号从 1 开始，每次发布加 1。");
    }
    county.region.clone()
}

fn check_regions(content: &Content, county: &str, problems: &mut Vec<Problem>) -> HashSet<String> {
    let prefix = county.get(..6).unwrap_or("");
    let mut c = Checker {
        file: "regions.toml",
        problems,
    };
    let mut codes = HashSet::new();
    for (i, t) in content.regions.town.iter().enumerate() {
        let f = |n: &str| format!("town[{i}].{n}");
        c.text(&f("name"), &t.name);
        let kind: u32 = t.code.get(6..9).and_then(|s| s.parse().ok()).unwrap_or(0);
        if !is_digits(&t.code, 12)
            || !t.code.starts_with(prefix)
            || !t.code.ends_with("000")
            || !(1..=599).contains(&kind)
        {
            c.fail(f("code"), format!("“{}”不是本县的乡镇（街道）代码：12 位数字，前 6 位同本县，第 7–9 位 001–599（400–599 是开发区、农场、林场等），后 3 位是 000。", t.code));
        }
        if !codes.insert(t.code.clone()) {
            c.fail(f("code"), format!("代码“{}”重复。", t.code));
        }
    }
    for (i, v) in content.regions.village.iter().enumerate() {
        let f = |n: &str| format!("village[{i}].{n}");
        c.text(&f("name"), &v.name);
        c.text(&f("assistant"), &v.assistant);
        c.text(&f("phone"), &v.phone);
        let town = format!("{}000", v.code.get(..9).unwrap_or(""));
        if !is_digits(&v.code, 12)
            || v.code.ends_with("000")
            || !content.regions.town.iter().any(|t| t.code == town)
        {
            c.fail(f("code"), format!("“{}”不是本县村（社区）代码：12 位数字，前 9 位是它所在乡镇的代码，后 3 位不能是 000。", v.code));
        }
        if !codes.insert(v.code.clone()) {
            c.fail(f("code"), format!("代码“{}”重复。", v.code));
        }
    }
    codes
}

fn check_departments(content: &Content, problems: &mut Vec<Problem>) -> HashSet<String> {
    let mut c = Checker {
        file: "departments.toml",
        problems,
    };
    let mut ids = HashSet::new();
    if content.departments.is_empty() {
        c.fail("department", "至少要有一个部门。");
    }
    for (i, d) in content.departments.iter().enumerate() {
        c.id(&format!("department[{i}].id"), &d.id);
        c.text(&format!("department[{i}].name"), &d.name);
        c.text(&format!("department[{i}].short_name"), &d.short_name);
        if !ids.insert(d.id.clone()) {
            c.fail(
                format!("department[{i}].id"),
                format!("部门编号“{}”重复。", d.id),
            );
        }
    }
    ids
}

fn check_windows(
    content: &Content,
    departments: &HashSet<String>,
    problems: &mut Vec<Problem>,
) -> HashSet<String> {
    let mut c = Checker {
        file: "windows.toml",
        problems,
    };
    let mut numbers = HashSet::new();
    for (i, w) in content.windows.iter().enumerate() {
        c.text(&format!("window[{i}].number"), &w.number);
        c.text(&format!("window[{i}].name"), &w.name);
        if !numbers.insert(w.number.clone()) {
            c.fail(
                format!("window[{i}].number"),
                format!("窗口号“{}”重复。", w.number),
            );
        }
        for (j, d) in w.departments.iter().enumerate() {
            if !departments.contains(d) {
                c.fail(
                    format!("window[{i}].departments[{j}]"),
                    format!("部门“{d}”不在 departments.toml 里。"),
                );
            }
        }
    }
    numbers
}

fn check_categories<'a>(
    content: &'a Content,
    problems: &mut Vec<Problem>,
) -> (HashSet<&'a str>, HashSet<&'a str>) {
    let mut c = Checker {
        file: "categories.toml",
        problems,
    };
    let mut events = HashSet::new();
    for (i, e) in content.categories.life_event.iter().enumerate() {
        c.id(&format!("life_event[{i}].id"), &e.id);
        c.text(&format!("life_event[{i}].name"), &e.name);
        c.one_of(
            &format!("life_event[{i}].audience"),
            &e.audience,
            allowed::AUDIENCES,
        );
        if let Some(icon) = &e.icon {
            c.icon(&format!("life_event[{i}].icon"), icon);
        }
        if !events.insert(e.id.as_str()) {
            c.fail(
                format!("life_event[{i}].id"),
                format!("分类编号“{}”重复。", e.id),
            );
        }
    }
    let mut notices = HashSet::new();
    for (i, n) in content.categories.notice_category.iter().enumerate() {
        c.id(&format!("notice_category[{i}].id"), &n.id);
        c.text(&format!("notice_category[{i}].name"), &n.name);
        if !notices.insert(n.id.as_str()) {
            c.fail(
                format!("notice_category[{i}].id"),
                format!("分类编号“{}”重复。", n.id),
            );
        }
    }
    (events, notices)
}

struct Refs<'a> {
    departments: &'a HashSet<String>,
    windows: &'a HashSet<String>,
    life_events: &'a HashSet<&'a str>,
    regions: &'a HashSet<String>,
}

fn check_item(c: &mut Checker, item: &ServiceItem, refs: &Refs) {
    c.id("id", &item.id);
    c.text("name", &item.name);
    c.text("code", &item.code);
    if item.basic_code.chars().count() != 12
        || !item.basic_code.chars().all(|ch| ch.is_ascii_alphanumeric())
    {
        c.fail(
            "basic_code",
            format!(
                "“{}”不是基本编码：基本编码是 12 位数字或英文字母，不含汉字和空格，例如 000107008000。",
                item.basic_code
            ),
        );
    }
    if !refs.departments.contains(&item.department) {
        c.fail(
            "department",
            format!("部门“{}”不在 departments.toml 里。", item.department),
        );
    }
    c.one_of("item_type", &item.item_type, allowed::ITEM_TYPES);
    c.one_of("handle_type", &item.handle_type, allowed::HANDLE_TYPES);
    if item.audience.is_empty() {
        c.fail("audience", "至少填一个：个人 或 法人。");
    }
    for (i, a) in item.audience.iter().enumerate() {
        c.one_of(&format!("audience[{i}]"), a, allowed::AUDIENCES);
    }
    if item.life_events.is_empty() {
        c.fail(
            "life_events",
            "至少归入一个分类（categories.toml 的 [[life_event]]）。",
        );
    }
    for (i, e) in item.life_events.iter().enumerate() {
        if !refs.life_events.contains(e.as_str()) {
            c.fail(
                format!("life_events[{i}]"),
                format!("分类“{e}”不在 categories.toml 里。"),
            );
        }
    }
    c.text("summary", &item.summary);
    c.non_empty_list("conditions", &item.conditions);
    c.non_empty_list("legal_basis", &item.legal_basis);
    c.limit("legal_limit", &item.legal_limit);
    c.limit("promised_limit", &item.promised_limit);
    let (promised_least, _) = calendar_days(&item.promised_limit);
    let (_, legal_most) = calendar_days(&item.legal_limit);
    let longer = if item.legal_limit.is_none() {
        false
    } else if item.legal_limit.unit == item.promised_limit.unit {
        item.promised_limit.value > item.legal_limit.value
    } else {
        item.legal_limit.value > 0 && promised_least > legal_most
    };
    if longer {
        c.fail(
            "promised_limit",
            format!(
                "承诺时限不能比法定时限长：承诺 {}，法定 {}。请核对单位（工作日/自然日）和天数。",
                crate::format::limit(item.promised_limit.value, &item.promised_limit.unit),
                crate::format::limit(item.legal_limit.value, &item.legal_limit.unit)
            ),
        );
    }
    // A 即办件 is finished the same day: a promise of hours is fine, of days is not.
    let same_day = item.promised_limit.value == 0
        || (item.promised_limit.unit == "小时" && item.promised_limit.value <= 24);
    if item.handle_type == "即办件" && !same_day {
        c.fail(
            "handle_type",
            format!(
                "即办件是当场办结的，承诺时限却写了 {}。当场办结请把 promised_limit 的 value 写 0；要几天才办完的，办件类型请写“承诺件”。",
                crate::format::limit(item.promised_limit.value, &item.promised_limit.unit)
            ),
        );
    }
    if !(0..=10).contains(&item.visits) {
        c.fail("visits", "到现场次数填 0 到 10 的整数（0 表示全程网办）。");
    }
    // Items that cannot be done online leave online_url empty: no online QR code, and then
    // they cannot be "全程网办" (0 visits).
    if item.online_url.is_empty() {
        if item.visits == 0 {
            c.fail("visits", "到现场次数写了 0（全程网办），却没有网上办理地址 online_url。能网上办的请填地址；不能的请写到现场的次数。");
        }
    } else if !(item.online_url.starts_with("https://") || item.online_url.starts_with("http://")) {
        c.fail(
            "online_url",
            "网上办理地址要以 https:// 开头；不能网上办的事项请写 online_url = \"\"。",
        );
    }
    // Items handled at a township or village office name a place instead of a hall window.
    if item.windows.is_empty() && item.place.as_deref().is_none_or(|p| p.trim().is_empty()) {
        c.fail("windows", "至少填一个办理窗口（windows.toml 里的窗口号）；不在大厅窗口办的事项，请用 place 写办理地点（如“各乡镇便民服务中心”）。");
    }
    for (i, w) in item.windows.iter().enumerate() {
        if !refs.windows.contains(w) {
            c.fail(
                format!("windows[{i}]"),
                format!("窗口“{w}”不在 windows.toml 里。"),
            );
        }
    }
    c.text("consult_phone", &item.consult_phone);
    c.text("complaint_phone", &item.complaint_phone);
    c.text("result.name", &item.result.name);
    c.one_of("result.kind", &item.result.kind, allowed::RESULT_KINDS);
    match (item.free, item.fee.is_empty()) {
        (true, false) => c.fail(
            "free",
            "写了 free = true（不收费），却又列了 [[fee]]。请删掉收费项，或改成 free = false。",
        ),
        (false, true) => c.fail(
            "fee",
            "free = false（收费）时，至少要列一个 [[fee]]。不收费请写 free = true。",
        ),
        _ => {}
    }
    for (i, fee) in item.fee.iter().enumerate() {
        c.text(&format!("fee[{i}].name"), &fee.name);
        c.text(&format!("fee[{i}].standard"), &fee.standard);
        if fee.amount_fen <= 0 {
            c.fail(
                format!("fee[{i}].amount_fen"),
                "金额以“分”为单位，要大于 0，例如 20 元写 2000。",
            );
        }
    }
    if item.material_group.is_empty() {
        c.fail(
            "material_group",
            "至少要有一组申请材料（[[material_group]]）。",
        );
    }
    let mut situations = HashSet::new();
    for (g, group) in item.material_group.iter().enumerate() {
        c.text(&format!("material_group[{g}].situation"), &group.situation);
        if !situations.insert(group.situation.as_str()) {
            c.fail(
                format!("material_group[{g}].situation"),
                format!("情形“{}”写了两次。", group.situation),
            );
        }
        if group.material.is_empty() {
            c.fail(
                format!("material_group[{g}].material"),
                "这一情形下至少要列一项材料。",
            );
        }
        for (m, mat) in group.material.iter().enumerate() {
            let f = |n: &str| format!("material_group[{g}].material[{m}].{n}");
            c.text(&f("name"), &mat.name);
            c.one_of(&f("necessity"), &mat.necessity, allowed::NECESSITY);
            c.one_of(&f("form"), &mat.form, allowed::FORMS);
            c.one_of(&f("source"), &mat.source, allowed::SOURCES);
            if !(0..=20).contains(&mat.copies) {
                c.fail(f("copies"), "份数填 0 到 20 的整数。");
            }
        }
    }
    if item.step.is_empty() {
        c.fail("step", "至少要有一个办理步骤（[[step]]）。");
    }
    for (i, s) in item.step.iter().enumerate() {
        c.text(&format!("step[{i}].name"), &s.name);
        c.text(&format!("step[{i}].description"), &s.description);
    }
    for (i, q) in item.faq.iter().enumerate() {
        c.text(&format!("faq[{i}].q"), &q.q);
        c.text(&format!("faq[{i}].a"), &q.a);
    }
    c.one_of("village.mode", &item.village.mode, allowed::VILLAGE_MODES);
    let mut overridden = HashMap::new();
    for (i, o) in item.village.overrides.iter().enumerate() {
        if let Some(first) = overridden.insert(o.region.as_str(), i) {
            c.fail(
                format!("village.override[{i}].region"),
                format!(
                    "区划“{}”已在 village.override[{first}] 写过，同一个村或乡镇只能写一条，请合并。",
                    o.region
                ),
            );
        }
        c.one_of(
            &format!("village.override[{i}].mode"),
            &o.mode,
            allowed::VILLAGE_MODES,
        );
        if !refs.regions.contains(&o.region) {
            c.fail(
                format!("village.override[{i}].region"),
                format!("“{}”不是 regions.toml 里的乡镇或村代码。", o.region),
            );
        }
    }
}
