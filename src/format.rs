//! Plain-language wording of numbers, money, limits and dates, as residents read them.

/// Money in fen as yuan: 2000 → "20元", 1250 → "12.50元".
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.abs();
    if fen % 100 == 0 {
        format!("{sign}{}元", fen / 100)
    } else {
        format!("{sign}{}.{:02}元", fen / 100, fen % 100)
    }
}

/// A time limit: 0 → "当场办结（即办）", else "15个工作日".
pub fn limit(value: i64, unit: &str) -> String {
    match unit {
        crate::model::allowed::NO_LIMIT => "法律未规定时限".to_string(),
        _ if value == 0 => "当场办结（即办）".to_string(),
        "小时" => format!("{value}小时"),
        _ => format!("{value}个{unit}"),
    }
}

/// How many trips to the hall: 0 → online only, 1 → at most once.
pub fn visits(n: i64) -> String {
    match n {
        0 => "全程网上办，不用跑".to_string(),
        1 => "最多跑一次".to_string(),
        n => format!("需到现场{n}次"),
    }
}

/// `2026-10-15` → `2026年10月15日`; anything else is returned unchanged.
pub fn date(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => {
            let m: u32 = m.parse().unwrap_or(0);
            let d: u32 = d.parse().unwrap_or(0);
            format!("{y}年{m}月{d}日")
        }
        _ => iso.to_string(),
    }
}

/// What a village handling mode means, in one sentence for the resident.
pub fn village_mode_meaning(mode: &str, town: bool) -> &'static str {
    match (mode, town) {
        ("直办", false) => "在本村（社区）便民服务室就能办理",
        ("直办", true) => "在本乡镇（街道）便民服务中心就能办理",
        ("代办", false) => "把材料交给本村代办员，由代办员帮您送到县里办理",
        ("代办", true) => "把材料交给乡镇便民服务中心的代办员，由代办员帮您送到县里办理",
        ("协办", _) => "代办员帮您准备材料、预约，您本人再到办理地点办理",
        (_, false) => "本村只提供咨询，请到办理地点办理",
        (_, true) => "本乡镇只提供咨询，请到办理地点办理",
    }
}

/// Short label for a list row: "村里可代办" etc. (`town`: the kiosk stands in a town's centre).
pub fn village_mode_tag(mode: &str, town: bool) -> &'static str {
    match (mode, town) {
        ("直办", false) => "村里直接办",
        ("代办", false) => "村里可代办",
        ("协办", false) => "村里帮您办",
        (_, false) => "村里可咨询",
        ("直办", true) => "乡镇直接办",
        ("代办", true) => "乡镇可代办",
        ("协办", true) => "乡镇帮您办",
        (_, true) => "乡镇可咨询",
    }
}

/// A sync status as stored (`updated`, `offline`, …) in plain words; unknown ones as they are.
pub fn sync_status(status: &str) -> &str {
    use crate::sync::Status;
    match Status::parse(status) {
        Some(Status::Updated) => "已更新",
        Some(Status::UpToDate) => "已是最新",
        Some(Status::Rejected) => "被拒绝（内容未通过校验）",
        Some(Status::Offline) => "连不上服务器",
        Some(Status::Expired) => "服务器上的内容已过期",
        Some(Status::Error) => "本机出错",
        None => status,
    }
}

/// The outcome of one `banshi sync`, for the technician at a terminal (says what the kiosk
/// does next, unlike the short [`sync_status`] of the technician screen).
pub fn sync_outcome(status: crate::sync::Status) -> &'static str {
    use crate::sync::Status;
    match status {
        Status::Updated => "已更新到新版本",
        Status::UpToDate => "已是最新",
        Status::Rejected => "已拒绝（内容未通过校验，继续使用现有内容）",
        Status::Offline => "联网失败（继续使用现有内容）",
        Status::Expired => "服务器内容已过期（继续使用现有内容）",
        Status::Error => "本机出错",
    }
}

/// Chinese weekday name for 0 = Monday.
pub fn weekday(n: u32) -> &'static str {
    [
        "星期一",
        "星期二",
        "星期三",
        "星期四",
        "星期五",
        "星期六",
        "星期日",
    ][(n % 7) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_shown_in_yuan_without_float_rounding() {
        assert_eq!(yuan(2000), "20元");
        assert_eq!(yuan(1250), "12.50元");
        assert_eq!(yuan(5), "0.05元");
        assert_eq!(yuan(0), "0元");
    }

    #[test]
    fn limits_and_visits_read_naturally() {
        assert_eq!(limit(0, "工作日"), "当场办结（即办）");
        assert_eq!(limit(15, "自然日"), "15个自然日");
        assert_eq!(visits(0), "全程网上办，不用跑");
        assert_eq!(visits(1), "最多跑一次");
        assert_eq!(visits(2), "需到现场2次");
    }

    #[test]
    fn dates_are_written_the_chinese_way() {
        assert_eq!(date("2026-03-05"), "2026年3月5日");
        assert_eq!(date("garbage"), "garbage");
    }

    #[test]
    fn every_sync_status_has_its_wording() {
        use crate::sync::Status;
        for s in Status::ALL {
            assert_ne!(sync_status(s.as_str()), s.as_str(), "{s:?}");
            assert!(!sync_outcome(s).is_empty());
            if matches!(s, Status::Rejected | Status::Offline | Status::Expired) {
                assert!(sync_outcome(s).contains("继续使用现有内容"), "{s:?}");
            }
        }
    }
}
