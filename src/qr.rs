//! QR codes for taking a guide home: the online URL, and the material checklist as plain text a
//! phone shows with no network. Produces a module matrix; the UI turns it into pixels.

use qrcode::{EcLevel, QrCode};

use crate::store::GuideView;

/// The checklist text is cut to this many bytes so the code stays scannable off a screen
/// (QR version ≤ 20 at level L: 105 modules with the quiet zone).
pub const CHECKLIST_MAX_BYTES: usize = 800;

/// A square QR matrix including a 4-module quiet zone; `dark[y * size + x]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    pub size: usize,
    pub dark: Vec<bool>,
}

pub fn encode(data: &str, level: EcLevel) -> Result<QrMatrix, qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), level)?;
    let w = code.width();
    let quiet = 4;
    let size = w + 2 * quiet;
    let mut dark = vec![false; size * size];
    for (i, c) in code.to_colors().into_iter().enumerate() {
        let (x, y) = (i % w + quiet, i / w + quiet);
        dark[y * size + x] = c == qrcode::Color::Dark;
    }
    Ok(QrMatrix { size, dark })
}

/// The material checklist as plain text, at most [`CHECKLIST_MAX_BYTES`] bytes.
pub fn checklist_text(g: &GuideView) -> String {
    let mut out = format!("【办事材料清单】{}\n", g.name);
    let multi = g.materials.len() > 1;
    let mut lines = Vec::new();
    for (i, group) in g.materials.iter().enumerate() {
        if multi {
            lines.push(format!("情形{}：{}", i + 1, group.situation));
        }
        for m in &group.materials {
            let copies = if m.copies > 0 {
                format!("{}份", m.copies)
            } else {
                String::new()
            };
            lines.push(format!(
                "□ {}（{}{}，{}）",
                m.name, m.form, copies, m.necessity
            ));
        }
    }
    let place = match g.windows.first() {
        Some(w) => format!("{} {}", g.place, w),
        None => g.place.clone(),
    };
    let tail = [
        format!("地点：{place}"),
        format!("时间：{}", g.hours),
        format!("咨询：{}", g.consult_phone),
    ];
    let tail_len: usize = tail.iter().map(|l| l.len() + 1).sum();
    const MORE: &str = "……（更多材料请扫另一个二维码查看）\n";
    for line in lines {
        if out.len() + line.len() + 1 + tail_len + MORE.len() > CHECKLIST_MAX_BYTES {
            out.push_str(MORE);
            break;
        }
        out.push_str(&line);
        out.push('\n');
    }
    for line in tail {
        if out.len() + line.len() + 1 > CHECKLIST_MAX_BYTES {
            break;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MaterialGroupView, MaterialView};

    fn guide(groups: usize, per_group: usize) -> GuideView {
        GuideView {
            name: "居民身份证换领".into(),
            place: "青禾县政务服务中心".into(),
            windows: vec!["A02 号窗口".into()],
            hours: "周一至周五".into(),
            consult_phone: "0739-6810110".into(),
            materials: (0..groups)
                .map(|g| MaterialGroupView {
                    situation: format!("情形名称{g}"),
                    materials: (0..per_group)
                        .map(|m| MaterialView {
                            name: format!("材料名称第{m}项"),
                            necessity: "必要".into(),
                            form: "原件".into(),
                            copies: 1,
                            ..Default::default()
                        })
                        .collect(),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn checklist_lists_every_material_by_situation() {
        let text = checklist_text(&guide(2, 2));
        assert!(text.starts_with("【办事材料清单】居民身份证换领"));
        assert!(text.contains("情形1：情形名称0"));
        assert!(text.contains("情形2：情形名称1"));
        assert_eq!(text.matches("□ ").count(), 4);
        assert!(text.contains("咨询：0739-6810110"));
    }

    #[test]
    fn long_checklists_are_cut_to_a_scannable_size_and_say_so() {
        let text = checklist_text(&guide(6, 12));
        assert!(text.len() <= CHECKLIST_MAX_BYTES, "{} bytes", text.len());
        assert!(text.contains("更多材料"));
        assert!(encode(&text, EcLevel::L).is_ok());
    }

    #[test]
    fn matrix_has_quiet_zone_and_finder_pattern() {
        let m = encode("https://example.gov.cn/item/x", EcLevel::M).unwrap();
        assert!(m.size >= 21 + 8);
        // quiet zone row is light; the finder pattern's corner module is dark
        assert!(!m.dark[..m.size].iter().any(|&d| d));
        assert!(m.dark[4 * m.size + 4]);
    }
}
