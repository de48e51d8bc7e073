//! Charts drawn on the server as inline SVG (no script, no chart library): a kiosk's hours
//! online over the last days, and stacked daily bars of ratings. Text in them is escaped.

use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Hours online: one row per day (`days[i]` = (label, 24 flags), newest first), one cell per
/// hour, filled where the kiosk was heard from in that hour.
pub fn online(days: &[(String, [bool; 24])]) -> String {
    const CELL: usize = 18;
    const LEFT: usize = 64;
    const TOP: usize = 22;
    let width = LEFT + 24 * CELL + 4;
    let height = TOP + days.len() * CELL + 4;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart online" viewBox="0 0 {width} {height}" role="img" aria-label="最近 {n} 天每小时是否在线" xmlns="http://www.w3.org/2000/svg">"#,
        n = days.len()
    );
    for h in (0..24).step_by(3) {
        let _ = write!(
            s,
            r#"<text x="{}" y="15" class="axis">{h}时</text>"#,
            LEFT + h * CELL + 2
        );
    }
    for (row, (label, hours)) in days.iter().enumerate() {
        let y = TOP + row * CELL;
        let _ = write!(
            s,
            r#"<text x="0" y="{}" class="axis">{}</text>"#,
            y + CELL - 7,
            esc(label)
        );
        for (h, on) in hours.iter().enumerate() {
            let _ = write!(
                s,
                r#"<rect x="{}" y="{y}" width="{}" height="{}" class="{}"><title>{} {h}时 {}</title></rect>"#,
                LEFT + h * CELL,
                CELL - 2,
                CELL - 2,
                if *on { "on" } else { "off" },
                esc(label),
                if *on { "在线" } else { "没有联系" }
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// One bar of [`stacked`]: a label and its parts (drawn bottom up in `classes` order).
pub struct Bar {
    pub label: String,
    pub parts: Vec<u64>,
}

/// Stacked bars, one per entry, with a legend; `classes[i]` and `names[i]` style and name
/// part `i`. Every tenth label is written under its bar.
pub fn stacked(bars: &[Bar], classes: &[&str], names: &[&str]) -> String {
    const H: usize = 180;
    const TOP: usize = 28;
    const LEFT: usize = 44;
    let bar_w = if bars.len() > 60 { 4 } else { 14 };
    let gap = if bars.len() > 60 { 1 } else { 4 };
    let width = LEFT + bars.len().max(1) * (bar_w + gap) + 8;
    let height = TOP + H + 24;
    let max = bars
        .iter()
        .map(|b| b.parts.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="每天的评价数" xmlns="http://www.w3.org/2000/svg">"#
    );
    let mut x = LEFT;
    for (i, name) in names.iter().enumerate() {
        let _ = write!(
            s,
            r#"<rect x="{x}" y="6" width="12" height="12" class="{}"/><text x="{}" y="17" class="axis">{}</text>"#,
            classes.get(i).copied().unwrap_or(""),
            x + 16,
            esc(name)
        );
        x += 24 + name.chars().count() * 14;
    }
    let _ = write!(
        s,
        r#"<text x="0" y="{}" class="axis">{max}</text><text x="0" y="{}" class="axis">0</text>"#,
        TOP + 10,
        TOP + H
    );
    for (i, bar) in bars.iter().enumerate() {
        let x = LEFT + i * (bar_w + gap);
        let mut y = TOP + H;
        let total: u64 = bar.parts.iter().sum();
        for (j, part) in bar.parts.iter().enumerate() {
            let h = (*part as usize * H).div_ceil(max as usize);
            if h == 0 {
                continue;
            }
            y -= h;
            let _ = write!(
                s,
                r#"<rect x="{x}" y="{y}" width="{bar_w}" height="{h}" class="{}"><title>{} {}：{part}</title></rect>"#,
                classes.get(j).copied().unwrap_or(""),
                esc(&bar.label),
                esc(names.get(j).copied().unwrap_or("")),
            );
        }
        if total == 0 {
            let _ = write!(
                s,
                r#"<rect x="{x}" y="{}" width="{bar_w}" height="1" class="none"/>"#,
                TOP + H - 1
            );
        }
        if i % 10 == 0 {
            let _ = write!(
                s,
                r#"<text x="{x}" y="{}" class="axis">{}</text>"#,
                TOP + H + 18,
                esc(&bar.label)
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_draws_a_cell_per_hour_and_escapes_labels() {
        let mut hours = [false; 24];
        hours[9] = true;
        let svg = online(&[("12-03<".into(), hours), ("12-02".into(), [false; 24])]);
        assert_eq!(svg.matches("<rect").count(), 48);
        assert_eq!(svg.matches(r#"class="on""#).count(), 1);
        assert!(svg.contains("12-03&lt;"), "{svg}");
        assert!(!svg.contains("12-03<"));
    }

    #[test]
    fn stacked_bars_scale_to_the_tallest() {
        let bars = vec![
            Bar {
                label: "1".into(),
                parts: vec![10, 0, 5],
            },
            Bar {
                label: "2".into(),
                parts: vec![0, 0, 0],
            },
        ];
        let svg = stacked(
            &bars,
            &["good", "mid", "bad"],
            &["满意", "基本满意", "不满意"],
        );
        // The tallest bar (15) fills the height: 120 + 60 = 180.
        assert!(svg.contains(r#"height="120" class="good""#), "{svg}");
        assert!(svg.contains(r#"height="60" class="bad""#), "{svg}");
        assert!(svg.contains(r#"class="none""#), "an empty day still shows");
        assert!(svg.contains(">15<"), "the scale's top is written");
    }
}
