//! What the printed 一次性告知单 says, as lines to draw: the guide's title and department, who
//! can apply, the materials of the chosen situation with tick boxes, where and when, limits,
//! visits, fees, whom to call, a QR code to the online service when there is one, and the
//! content version with "以窗口最新要求为准". No fonts or pixels here (see `render`).

use crate::kiosk::wording;
use crate::store::GuideView;

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The guide's name: large and bold, centred.
    Title,
    /// A section heading (所需材料, 办理地点 …): bold.
    Heading,
    Body,
    /// A material: a tick box, then the text.
    Tick,
    /// Version, date and the reminder: small, centred.
    Small,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Text(Style, String),
    /// A thin rule between sections.
    Rule,
    /// A QR code of this text, with a caption under it.
    Qr {
        data: String,
        caption: String,
    },
}

/// The slip for guide `g`: materials of situation `situation` (0-based) only when there are
/// several, all materials otherwise. `stamp` is the content version and date line
/// ("第 3 版 · 2026年12月3日").
pub fn lines(g: &GuideView, situation: Option<usize>, stamp: &str) -> Result<Vec<Line>, String> {
    let several = g.materials.len() > 1;
    let groups: Vec<(usize, &crate::store::MaterialGroupView)> = match situation {
        Some(n) => match g.materials.get(n) {
            Some(group) => vec![(n, group)],
            None => {
                return Err(format!(
                    "这个事项只有 {} 种情形，没有第 {} 种",
                    g.materials.len(),
                    n + 1
                ))
            }
        },
        None => g.materials.iter().enumerate().collect(),
    };
    let text = |style, s: String| Line::Text(style, s);
    let mut out = vec![
        text(Style::Small, "一次性告知单".to_string()),
        text(Style::Title, g.name.clone()),
        text(Style::Body, g.department.clone()),
        Line::Rule,
    ];
    if !g.audience.is_empty() {
        out.push(text(Style::Heading, "谁可以办".to_string()));
        out.push(text(Style::Body, g.audience.clone()));
    }
    out.push(text(Style::Heading, "请带齐以下材料".to_string()));
    for (i, group) in groups {
        if several || !group.situation.is_empty() {
            out.push(text(
                Style::Body,
                wording::material_group_title(i, several, &group.situation),
            ));
        }
        for m in &group.materials {
            let mut s = format!("{}（{}）", m.name, wording::material_detail(m));
            if m.necessity != "必要" && !m.necessity.is_empty() {
                s.push_str(&format!("［{}］", m.necessity));
            }
            out.push(text(Style::Tick, s));
        }
    }
    out.push(Line::Rule);
    out.push(text(Style::Heading, "办理地点和时间".to_string()));
    let place = match g.windows.first() {
        Some(w) => format!("{} {}", g.place, w),
        None => g.place.clone(),
    };
    out.push(text(Style::Body, place));
    if !g.hours.is_empty() {
        out.push(text(Style::Body, g.hours.clone()));
    }
    let mut facts = Vec::new();
    if !g.promised_limit.is_empty() {
        facts.push(wording::promise(&g.promised_limit));
    }
    if !g.legal_limit.is_empty() {
        facts.push(format!("法定{}", g.legal_limit));
    }
    if !g.visits.is_empty() {
        facts.push(g.visits.clone());
    }
    facts.push(wording::fee_summary(g));
    out.push(text(Style::Heading, "时限和费用".to_string()));
    out.push(text(Style::Body, facts.join("；")));
    out.push(text(Style::Heading, "电话".to_string()));
    if !g.consult_phone.is_empty() {
        out.push(text(Style::Body, format!("咨询：{}", g.consult_phone)));
    }
    if !g.complaint_phone.is_empty() {
        out.push(text(Style::Body, format!("投诉：{}", g.complaint_phone)));
    }
    if !g.online_url.is_empty() {
        out.push(Line::Qr {
            data: g.online_url.clone(),
            caption: "扫码在网上办理".to_string(),
        });
    }
    out.push(Line::Rule);
    out.push(text(Style::Small, stamp.to_string()));
    out.push(text(Style::Small, "以窗口最新要求为准".to_string()));
    Ok(out)
}
