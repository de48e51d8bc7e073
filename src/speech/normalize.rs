//! Text as a guide shows it → text as a voice should say it.
//!
//! Mandarin voices (espeak-ng's `cmn` above all) read digits as tone numbers or as one long
//! number, and skip or spell out symbols, so everything a resident must hear right is written out
//! in Chinese first: phone numbers digit by digit (1 as 幺, as hall staff say it), money
//! (20元 → 二十元, 0.5元 → 五角), dates (2026年11月22日), times and time ranges (9:00—12:00 →
//! 九点到十二点), document numbers (青医保发〔2026〕9号 → 青医保发二零二六年九号), limits
//! (承诺15个工作日 → 承诺十五个工作日), list markers (①, 1.) and symbols (㎡, ≤, %).
//!
//! The input is the wording already made for the screen (`format`), so amounts arrive as
//! "20元"/"12.50元" and dates as "2026年10月15日"; ISO dates are read too.

use std::sync::LazyLock;

use regex::{Captures, Regex};

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// Measure words after which 2 is read 两 (两个工作日, 两份, 两次).
const LIANG_BEFORE: &[&str] = &[
    "个", "份", "张", "次", "本", "名", "人", "天", "周", "年", "小时", "页", "寸", "种", "项",
    "位", "户", "趟",
];

/// Speech-ready Chinese for one piece of guide or notice text.
pub fn for_speech(text: &str) -> String {
    let s: String = text.chars().map(fold_width).collect();
    // Before the brackets go: 〔2026〕9号 must not become 20269号.
    let s = DOC_YEAR.replace_all(&s, |c: &Captures| format!("{}年", digits(&c[1], false)));
    let s = LIST_MARKER.replace_all(&s, |c: &Captures| {
        let n = c.get(2).or(c.get(3)).map_or("", |m| m.as_str());
        format!("{}第{}，{}", &c[1], cardinal(n), &c[4])
    });
    numbers(&symbols(&s))
}

/// Every run of digits (with the separators inside times, dates, phone numbers and decimals)
/// read by its shape and by what follows it.
fn numbers(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A token: digits, and single separators that have digits on both sides.
        let start = i;
        while i < chars.len() {
            let joins = i + 1 < chars.len()
                && SEPARATORS.contains(&chars[i])
                && chars[i + 1].is_ascii_digit();
            if !(chars[i].is_ascii_digit() || joins) {
                break;
            }
            i += 1;
        }
        let token: String = chars[start..i].iter().collect();
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let prev = start.checked_sub(1).map(|p| chars[p]);
        out.push_str(&read_token(&token.replace('：', ":"), &rest, prev));
        // The unit or sign the reading already includes.
        if (rest.starts_with('元') && is_amount(&token)) || rest.starts_with('%') {
            i += 1;
        }
    }
    out
}

const SEPARATORS: &[char] = &['.', ':', '：', '-', '—', '–', '~', '～', ' '];

fn is_amount(token: &str) -> bool {
    token.chars().all(|c| c.is_ascii_digit() || c == '.')
        && token.matches('.').count() <= 1
        && token.split('.').nth(1).is_none_or(|f| f.len() <= 2)
}

fn read_token(token: &str, rest: &str, prev: Option<char>) -> String {
    let plain = token.chars().all(|c| c.is_ascii_digit());
    let digit_count = token.chars().filter(char::is_ascii_digit).count();
    // Ranges: 9:00—12:00, 1-3 (个工作日).
    if let Some((a, b)) = split_range(token) {
        return format!("{}到{}", read_token(a, "", prev), read_token(b, rest, None));
    }
    if let Some((h, m)) = token.split_once(':') {
        if h.len() <= 2 && m.len() == 2 && plain_digits(h) && plain_digits(m) {
            return clock(h, m);
        }
    }
    let parts: Vec<&str> = token.split('-').collect();
    if parts.len() == 3 && parts[0].len() == 4 && parts[1].len() <= 2 && parts[2].len() <= 2 {
        return format!(
            "{}年{}月{}日",
            digits(parts[0], false),
            cardinal(parts[1]),
            cardinal(parts[2])
        );
    }
    let phone_like = token
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ' ');
    if phone_like && (digit_count >= 7 || token.contains('-')) {
        return digits(token, true);
    }
    if rest.starts_with('元') && is_amount(token) {
        let (y, f) = token.split_once('.').unwrap_or((token, ""));
        return money(y, f);
    }
    if rest.starts_with('%') {
        return format!("百分之{}", decimal(token));
    }
    if !plain {
        // Something else with separators: each number on its own.
        return token
            .split(|c: char| !c.is_ascii_digit() && c != '.')
            .filter(|p| !p.is_empty())
            .map(decimal)
            .collect::<Vec<_>>()
            .join("，");
    }
    if token.len() == 4 && rest.starts_with('年') {
        return digits(token, false);
    }
    // Government hotlines (12345, 12315, 12333 …) are said digit by digit.
    if token.len() == 5 && token.starts_with("12") && !rest.starts_with(['元', '年', '人', '个'])
    {
        return digits(token, true);
    }
    if token.len() > 1 && token.starts_with('0') {
        return digits(token, false);
    }
    if token == "2" && prev != Some('第') && LIANG_BEFORE.iter().any(|w| rest.starts_with(w)) {
        return "两".into();
    }
    if token.contains('.') {
        return decimal(token);
    }
    cardinal(token)
}

fn plain_digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// "9:00—12:00" → ("9:00", "12:00"); "1-3" → ("1", "3"); not dates or phone numbers.
fn split_range(token: &str) -> Option<(&str, &str)> {
    let at = token.find(['—', '–', '~', '～']).or_else(|| {
        let dashes = token.matches('-').count();
        (dashes == 1).then(|| token.find('-')).flatten()
    })?;
    let (a, b) = token.split_at(at);
    let b = &b[b.chars().next()?.len_utf8()..];
    let is_time = |x: &str| x.contains(':');
    let short = |x: &str| plain_digits(x) && x.len() <= 3;
    ((is_time(a) && is_time(b)) || (short(a) && short(b))).then_some((a, b))
}
/// Full-width digits, letters and common punctuation as their ASCII forms (what spreadsheets
/// and Word paste in), so one set of patterns reads both.
fn fold_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            char::from_u32(c as u32 - 0xFF10 + 0x30).unwrap_or(c)
        }
        '．' => '.',
        '％' => '%',
        _ => c,
    }
}

fn symbols(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '①'..='⑳' => {
                let n = c as u32 - '①' as u32 + 1;
                out.push_str(&format!("第{}，", cardinal(&n.to_string())));
            }
            '㎡' => out.push_str("平方米"),
            '㎞' => out.push_str("公里"),
            '㎏' => out.push_str("公斤"),
            '≤' | '⩽' => out.push_str("不超过"),
            '≥' | '⩾' => out.push_str("不少于"),
            '<' | '＜' => out.push_str("小于"),
            '>' | '＞' => out.push_str("大于"),
            '×' => out.push('乘'),
            '≈' => out.push_str("大约"),
            '№' => out.push('第'),
            '〔' | '〕' | '［' | '］' | '【' | '】' | '“' | '”' | '《' | '》' | '*' | '#' | '●'
            | '•' => {}
            // "公安局 · 行政许可": a pause, not a run-on.
            '·' => out.push('，'),
            '/' => out.push('或'),
            _ => out.push(c),
        }
    }
    out.replace("m²", "平方米").replace("平方米米", "平方米")
}

/// 9:00 → 九点, 13:30 → 十三点三十分, 8:05 → 八点零五分.
fn clock(h: &str, m: &str) -> String {
    let hour = format!("{}点", cardinal(h));
    match m.parse::<u32>().unwrap_or(0) {
        0 => hour,
        n if n < 10 => format!("{hour}零{}分", DIGITS[n as usize]),
        _ => format!("{hour}{}分", cardinal(m)),
    }
}

/// Digit by digit; in phone numbers 1 is 幺 (as said on the phone) and hyphens are pauses.
fn digits(s: &str, phone: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '1' if phone => out.push('幺'),
            '0'..='9' => out.push_str(DIGITS[(c as u8 - b'0') as usize]),
            '-' | ' ' => out.push('，'),
            _ => {}
        }
    }
    out
}

/// 20 → 二十, 105 → 一百零五, 12000 → 一万二千, 10 → 十.
pub fn cardinal(n: &str) -> String {
    let Ok(mut v) = n.trim_start_matches('0').parse::<u64>() else {
        return if n.chars().all(|c| c == '0') && !n.is_empty() {
            "零".into()
        } else {
            digits(n, false)
        };
    };
    if v >= 1_0000_0000_0000 {
        return digits(n, false);
    }
    // Groups of four digits: 亿, 万, units.
    let mut groups = Vec::new();
    while v > 0 {
        groups.push(v % 10000);
        v /= 10000;
    }
    let mut out = String::new();
    let mut zero_pending = false;
    for (i, g) in groups.iter().enumerate().rev() {
        if *g == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        if zero_pending || (!out.is_empty() && *g < 1000) {
            out.push('零');
        }
        zero_pending = false;
        out.push_str(&four(*g, out.is_empty()));
        out.push_str(["", "万", "亿"][i]);
    }
    out
}

/// One group of up to four digits; `leading` drops the 一 of 一十 (十五, not 一十五).
fn four(g: u64, leading: bool) -> String {
    let parts = [
        (g / 1000, "千"),
        (g / 100 % 10, "百"),
        (g / 10 % 10, "十"),
        (g % 10, ""),
    ];
    let mut out = String::new();
    let mut zero = false;
    for (d, unit) in parts {
        if d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        if !(d == 1 && unit == "十" && leading && out.is_empty()) {
            out.push_str(DIGITS[d as usize]);
        }
        out.push_str(unit);
    }
    out
}

/// 12.50 → 十二点五, 0.5 → 零点五.
fn decimal(s: &str) -> String {
    match s.split_once('.') {
        Some((i, f)) => {
            let f = f.trim_end_matches('0');
            let whole = if i.is_empty() {
                "零".to_string()
            } else {
                cardinal(i)
            };
            if f.is_empty() {
                whole
            } else {
                format!("{whole}点{}", digits(f, false))
            }
        }
        None => cardinal(s),
    }
}

/// 20 → 二十元, 12.50 → 十二元五角, 0.5 → 五角, 3.05 → 三元零五分.
fn money(yuan: &str, fraction: &str) -> String {
    let y: u64 = yuan.parse().unwrap_or(0);
    let mut f = fraction.chars().map(|c| c as u64 - '0' as u64);
    let (jiao, fen) = (f.next().unwrap_or(0), f.next().unwrap_or(0));
    let mut out = String::new();
    if y > 0 || (jiao == 0 && fen == 0) {
        out.push_str(&cardinal(yuan));
        out.push('元');
    }
    if jiao > 0 {
        out.push_str(DIGITS[jiao as usize]);
        out.push('角');
    } else if fen > 0 && y > 0 {
        out.push('零');
    }
    if fen > 0 {
        out.push_str(DIGITS[fen as usize]);
        out.push('分');
    }
    out
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("speech pattern")
}

/// A document number's year in its brackets: 〔2026〕, [2026], （2026）.
static DOC_YEAR: LazyLock<Regex> =
    LazyLock::new(|| re(r"[〔\[［(（]((?:19|20)[0-9]{2})[〕\]］)）]"));
/// "1. 身份证", "2、户口簿" or "（3）结婚证" at the start of a line (not "1.5元").
static LIST_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?m)^([ \t]*)(?:([0-9]{1,2})(?:、|\.[ \t]*)|[（(]([0-9]{1,2})[)）][ \t]*)([^0-9\n])")
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals() {
        for (n, want) in [
            ("0", "零"),
            ("2", "二"),
            ("10", "十"),
            ("15", "十五"),
            ("20", "二十"),
            ("105", "一百零五"),
            ("110", "一百一十"),
            ("1000", "一千"),
            ("1005", "一千零五"),
            ("12000", "一万二千"),
            ("100000", "十万"),
            ("10010", "一万零一十"),
            ("300", "三百"),
        ] {
            assert_eq!(cardinal(n), want, "{n}");
        }
    }

    /// What a resident must hear for what the guide shows.
    #[test]
    fn readings() {
        for (shown, said) in [
            (
                "咨询电话：0731-5551234",
                "咨询电话：零七三幺，五五五幺二三四",
            ),
            ("手机 13812345678", "手机 幺三八幺二三四五六七八"),
            ("投诉请拨12345", "投诉请拨幺二三四五"),
            ("工本费20元", "工本费二十元"),
            ("每份0.5元", "每份五角"),
            ("收费12.50元", "收费十二元五角"),
            ("3.05元", "三元零五分"),
            ("2026年11月22日", "二零二六年十一月二十二日"),
            ("发布于2026-10-05", "发布于二零二六年十月五日"),
            ("上午9:00—12:00", "上午九点到十二点"),
            ("下午13:30-17:00", "下午十三点三十分到十七点"),
            ("8:05开门", "八点零五分开门"),
            ("青医保发〔2026〕9号", "青医保发二零二六年九号"),
            ("承诺15个工作日", "承诺十五个工作日"),
            ("需2个工作日", "需两个工作日"),
            ("复印件2份", "复印件两份"),
            ("第2条", "第二条"),
            ("①身份证②户口簿", "第一，身份证第二，户口簿"),
            ("1. 身份证原件\n2. 户口簿", "第一，身份证原件\n第二，户口簿"),
            ("（3）结婚证", "第三，结婚证"),
            ("面积≤90㎡", "面积不超过九十平方米"),
            ("年满≥60周岁", "年满不少于六十周岁"),
            ("报销比例75%", "报销比例百分之七十五"),
            ("最多跑1次", "最多跑一次"),
            ("１２３４５热线", "幺二三四五热线"),
            ("办理时限：２０个工作日", "办理时限：二十个工作日"),
            ("第2个窗口", "第二个窗口"),
            ("1-3个工作日", "一到三个工作日"),
            ("9：00-17：00", "九点到十七点"),
            ("10000元", "一万元"),
            ("编号007", "编号零零七"),
            ("1.5元一份", "一元五角一份"),
            (
                "9:00—12:00，14:00—17:30",
                "九点到十二点，十四点到十七点三十分",
            ),
            ("自2026年1月1日起", "自二零二六年一月一日起"),
            (
                "村里帮您办：0731 5551234",
                "村里帮您办：零七三幺，五五五幺二三四",
            ),
            ("共3.5万元", "共三点五万元"),
        ] {
            assert_eq!(for_speech(shown), said, "{shown}");
        }
    }

    /// Amounts stored in fen, as the screen words them (`format::yuan`), then as said.
    #[test]
    fn money_from_fen() {
        for (fen, said) in [
            (2000, "二十元"),
            (50, "五角"),
            (1250, "十二元五角"),
            (305, "三元零五分"),
            (1_000_000, "一万元"),
            (0, "零元"),
        ] {
            let shown = format!("工本费{}", crate::format::yuan(fen));
            assert_eq!(for_speech(&shown), format!("工本费{said}"), "{fen} fen");
        }
    }

    /// The screen's own joined lines (`kiosk::wording`) read as a sentence.
    #[test]
    fn screen_lines() {
        for (shown, said) in [
            (
                "青禾县公安局 · 行政确认 · 个人",
                "青禾县公安局 ， 行政确认 ， 个人",
            ),
            ("● 本县户籍居民", " 本县户籍居民"),
            ("承诺15个自然日", "承诺十五个自然日"),
            ("原件 2份 · 申请人自备", "原件 两份 ， 申请人自备"),
            (
                "第3步，审核（窗口，5个工作日）",
                "第三步，审核（窗口，五个工作日）",
            ),
        ] {
            assert_eq!(for_speech(shown), said, "{shown}");
        }
    }

    #[test]
    fn nothing_readable_is_lost() {
        // Plain Chinese passes through unchanged.
        let s = "请携带本人身份证到县政务服务中心办理。";
        assert_eq!(for_speech(s), s);
        // No ASCII digit survives normalisation.
        let s = for_speech("电话0731-5551234，9:00-17:00，费用5元，2026年1月1日，第3项，50%");
        assert!(!s.chars().any(|c| c.is_ascii_digit()), "{s}");
    }
}
