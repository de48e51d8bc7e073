//! Lines the screens show that join several values ("公安局 · 即办", "受理（窗口，即时）",
//! "25 秒后回到首页…"). They are worded here, in Rust and tested, so the `.slint` files only
//! place text and never assemble it.

use chrono::{DateTime, Datelike, Local};

use crate::store::{FeeView, GuideView, HomeView, MaterialView, StepView};

/// The header's two lines: the hall's name and where it is. A service room's name loses its
/// parenthesised location ("柳塘村便民服务室（村委会一楼）" → "柳塘村便民服务室"); a configured
/// `hall_name` wins; at county level the place is the hall's address.
pub fn header(
    home: &HomeView,
    configured_hall: Option<&str>,
    hall_address: Option<String>,
) -> (String, String) {
    let hall = match configured_hall {
        Some(h) => h.to_string(),
        None => home
            .hall_name
            .split(['（', '('])
            .next()
            .unwrap_or(&home.hall_name)
            .trim()
            .to_string(),
    };
    let place = if home.place_name.is_empty() {
        hall_address.unwrap_or_default()
    } else {
        format!("{} {}", home.county_name, home.place_name)
    };
    (hall, place)
}

pub fn window_title(hall: &str) -> String {
    format!("办事 · {hall}")
}

/// The header clock: "09:30" and "2026年11月23日 星期一".
pub fn clock(now: &DateTime<Local>) -> (String, String) {
    let date = format!(
        "{} {}",
        now.format("%Y年%-m月%-d日"),
        crate::format::weekday(now.weekday().num_days_from_monday())
    );
    (now.format("%H:%M").to_string(), date)
}

/// The idle warning's countdown.
pub fn idle_warning(seconds_left: u64) -> String {
    format!("{seconds_left} 秒后回到首页，并清除刚才查看的内容。")
}

/// Under a tile's name: how many services it holds.
pub fn tile_note(count: i64) -> String {
    format!("{count} 项")
}

/// Under a service's name in a list.
pub fn item_details(department: &str, facts: &str) -> String {
    format!("{department} · {facts}")
}

/// Under a notice's title in a list.
pub fn notice_details(category: &str, publisher: &str, published: &str) -> String {
    format!("{category} · {publisher} · {published}")
}

pub fn notice_summary(summary: &str) -> String {
    format!("内容概述：{summary}")
}

/// A notice's scope: a town or village name, or the whole county.
pub fn notice_scope(scope_name: &str) -> String {
    if scope_name.is_empty() {
        "全县".into()
    } else {
        scope_name.into()
    }
}

const CHINESE_NUMBERS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// A guide's lines, ready to show.
pub fn guide_subtitle(g: &GuideView) -> String {
    format!("{} · {} · {}", g.department, g.item_type, g.audience)
}

pub fn promise(promised_limit: &str) -> String {
    format!("承诺{promised_limit}")
}

pub fn condition(c: &str) -> String {
    format!("● {c}")
}

/// "情形一：首次申领" when there are several groups to choose from, else "适用于：…".
pub fn material_group_title(index: usize, several: bool, situation: &str) -> String {
    if several {
        let n = CHINESE_NUMBERS.get(index).copied().unwrap_or("·");
        format!("情形{n}：{situation}")
    } else {
        format!("适用于：{situation}")
    }
}

/// "原件 1份 · 申请人自备".
pub fn material_detail(m: &MaterialView) -> String {
    let copies = if m.copies > 0 {
        format!(" {}份", m.copies)
    } else {
        String::new()
    };
    format!("{}{copies} · {}", m.form, m.source)
}

/// A material's note ("提示：…"), or nothing.
pub fn material_note(note: &str) -> String {
    if note.is_empty() {
        String::new()
    } else {
        format!("提示：{note}")
    }
}

/// "受理（窗口，即时）".
pub fn step_title(s: &StepView) -> String {
    format!("{}（{}，{}）", s.name, s.actor, s.time_limit)
}

/// "20.00 元（每证）依据：…".
pub fn fee_text(f: &FeeView) -> String {
    format!("{}（{}）依据：{}", f.amount, f.standard, f.basis)
}

/// "不收费", or "收费 20.00 元、5.00 元".
pub fn fee_summary(g: &GuideView) -> String {
    if g.free || g.fees.is_empty() {
        "不收费".to_string()
    } else {
        let amounts: Vec<&str> = g.fees.iter().map(|f| f.amount.as_str()).collect();
        format!("收费 {}", amounts.join("、"))
    }
}

pub fn faq_question(q: &str) -> String {
    format!("问：{q}")
}

pub fn faq_answer(a: &str) -> String {
    format!("答：{a}")
}

pub fn code_line(code: &str) -> String {
    format!("事项编码：{code}")
}

/// "在本村：…", or "在本乡镇：…" at a town's kiosk.
pub fn village_meaning(meaning: &str, town: bool) -> String {
    let here = if town { "本乡镇" } else { "本村" };
    format!("在{here}：{meaning}")
}

/// Whom to ask in the village: "李春梅（代办员）  电话 138…".
pub fn village_who(assistant: &str, phone: &str) -> String {
    format!("{assistant}（代办员）  电话 {phone}")
}

/// Where in the village: "村委会一楼便民服务室，周一至周五 …".
pub fn village_where(room: &str, hours: &str) -> String {
    format!("{room}，{hours}")
}

/// The thank-you card after a rating or suggestion was written: title and line. The phone
/// number itself is never repeated here.
pub fn feedback_thanks(rating: bool, bad: bool, phone_left: bool) -> (String, String) {
    let what = if rating { "评价" } else { "意见建议" };
    let mut line = format!("您的{what}已经记下，会送到县政务服务中心。");
    if phone_left {
        line.push_str("您留了电话，工作人员会打电话回访您。");
    } else if bad {
        line.push_str("我们会按您选的原因改进。");
    }
    (format!("谢谢您的{what}！"), line)
}

/// When the outbox could not take a rating or suggestion: title and what the resident can do
/// instead (a window, or the county's complaint phone when it has one).
pub fn feedback_not_taken(
    rating: bool,
    not_taken: &crate::kiosk::feedback::NotTaken,
    complaint_phone: &str,
) -> (String, String) {
    use crate::kiosk::feedback::NotTaken;
    let what = if rating { "评价" } else { "意见建议" };
    let why = match not_taken {
        NotTaken::Full => {
            format!("这台终端很久没有联网，存着的评价和建议太多，暂时收不下新的{what}。")
        }
        NotTaken::Broken => {
            format!("这台终端暂时存不了{what}（已经记录下来，技术员会检查）。")
        }
    };
    let instead = if complaint_phone.trim().is_empty() {
        format!(
            "您可以到服务窗口{}。",
            if rating { "评价" } else { "提意见" }
        )
    } else {
        format!(
            "您可以到服务窗口{}，或拨打电话 {complaint_phone}。",
            if rating { "评价" } else { "提意见" }
        )
    };
    (format!("没能存下您的{what}"), format!("{why}{instead}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_rooms_header_drops_its_location_and_names_the_place() {
        let home = HomeView {
            county_name: "青禾县".into(),
            hall_name: "柳塘村便民服务室（村委会一楼）".into(),
            place_name: "城关镇 柳塘村".into(),
            ..Default::default()
        };
        assert_eq!(
            header(&home, None, Some("迎宾大道88号".into())),
            ("柳塘村便民服务室".into(), "青禾县 城关镇 柳塘村".into())
        );
        let county = HomeView {
            hall_name: "青禾县政务服务中心".into(),
            ..home
        };
        let county = HomeView {
            place_name: String::new(),
            ..county
        };
        assert_eq!(
            header(
                &county,
                Some("青禾县民生服务大厅"),
                Some("迎宾大道88号".into())
            ),
            ("青禾县民生服务大厅".into(), "迎宾大道88号".into())
        );
    }

    #[test]
    fn clock_and_countdown() {
        use chrono::TimeZone;
        let t = Local.with_ymd_and_hms(2026, 11, 23, 9, 5, 0).unwrap();
        assert_eq!(clock(&t), ("09:05".into(), "2026年11月23日 星期一".into()));
        assert_eq!(idle_warning(25), "25 秒后回到首页，并清除刚才查看的内容。");
        assert_eq!(
            window_title("青禾县政务服务中心"),
            "办事 · 青禾县政务服务中心"
        );
    }

    #[test]
    fn guide_lines() {
        let m = MaterialView {
            form: "原件".into(),
            copies: 1,
            source: "申请人自备".into(),
            ..Default::default()
        };
        assert_eq!(material_detail(&m), "原件 1份 · 申请人自备");
        assert_eq!(material_note(""), "");
        assert_eq!(material_note("复印件亦可"), "提示：复印件亦可");
        assert_eq!(material_group_title(1, true, "补领"), "情形二：补领");
        assert_eq!(material_group_title(0, false, "换领"), "适用于：换领");
        let s = StepView {
            name: "受理".into(),
            actor: "窗口".into(),
            time_limit: "即时".into(),
            ..Default::default()
        };
        assert_eq!(step_title(&s), "受理（窗口，即时）");
        let mut g = GuideView::default();
        assert_eq!(fee_summary(&g), "不收费");
        g.fees = vec![
            FeeView {
                amount: "20.00 元".into(),
                ..Default::default()
            },
            FeeView {
                amount: "5.00 元".into(),
                ..Default::default()
            },
        ];
        assert_eq!(fee_summary(&g), "收费 20.00 元、5.00 元");
        assert_eq!(village_who("李春梅", "138"), "李春梅（代办员）  电话 138");
        assert_eq!(notice_scope(""), "全县");
    }

    #[test]
    fn feedback_lines_never_repeat_the_phone_and_offer_another_way() {
        use crate::kiosk::feedback::NotTaken;
        let (title, line) = feedback_thanks(true, true, true);
        assert_eq!(title, "谢谢您的评价！");
        assert!(line.contains("回访") && !line.contains("138"));
        let (_, line) = feedback_thanks(false, false, false);
        assert_eq!(line, "您的意见建议已经记下，会送到县政务服务中心。");
        let (title, line) = feedback_not_taken(true, &NotTaken::Full, "12345");
        assert_eq!(title, "没能存下您的评价");
        assert!(line.contains("很久没有联网") && line.ends_with("或拨打电话 12345。"));
        let (_, line) = feedback_not_taken(false, &NotTaken::Broken, "");
        assert!(line.ends_with("您可以到服务窗口提意见。"), "{line}");
    }
}
