//! Warnings (not errors) for characters the kiosk has no font for: a village or person's name
//! with 𠮷 shows as a blank on the screen and a box on the printed slip. Names the file, the
//! field and the character, so the author can check the spelling or ask for the font.

use crate::fonts::glyphs::{fonts, Coverage};

use super::{Problem, SourceFile};

/// Every character in the string values of `files` that no kiosk font draws. When this
/// machine lacks the system CJK font (`fonts-noto-cjk`), characters outside the embedded fonts
/// are listed too, since what the kiosk would show cannot be checked here.
pub fn warnings(files: &[SourceFile]) -> Vec<Problem> {
    let f = fonts();
    let checkable = f.fallback.is_some();
    let mut out = Vec::new();
    for file in files {
        let Ok(text) = std::str::from_utf8(&file.bytes) else {
            continue;
        };
        let Ok(value) = text.parse::<toml::Table>() else {
            continue; // the validator reports the file itself
        };
        walk(&toml::Value::Table(value), "", &mut |field, s| {
            let mut seen = Vec::new();
            for c in s.chars() {
                if seen.contains(&c) {
                    continue;
                }
                seen.push(c);
                let message = match f.coverage(c) {
                    Coverage::Embedded => continue,
                    Coverage::System if checkable => continue,
                    Coverage::System | Coverage::None if !checkable => format!(
                        "「{c}」（U+{:04X}）不在自助机内置的字体里；本机没有装 fonts-noto-cjk，\
                         无法确认自助机能否显示。请在装有 fonts-noto-cjk 的电脑上再检查一次。",
                        c as u32
                    ),
                    _ => format!(
                        "「{c}」（U+{:04X}）自助机上没有字体能显示，屏幕上会是空白，告知单上是方框。\
                         请核对是否写错了字；若确是这个字（如人名、村名），请联系开发方补充字体。",
                        c as u32
                    ),
                };
                out.push(Problem {
                    file: file.path.clone(),
                    field: field.to_string(),
                    message,
                });
            }
        });
    }
    out
}

fn walk(value: &toml::Value, path: &str, on_string: &mut impl FnMut(&str, &str)) {
    match value {
        toml::Value::String(s) => on_string(path, s),
        toml::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{path}[{i}]"), on_string);
            }
        }
        toml::Value::Table(t) => {
            for (k, v) in t {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, &p, on_string);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Vec<SourceFile> {
        vec![SourceFile {
            path: "items/minzheng/x.toml".into(),
            bytes: text.as_bytes().to_vec(),
        }]
    }

    #[test]
    fn a_character_no_font_has_is_named_with_its_file_and_field() {
        let w = warnings(&file(
            "name = \"低保申请\"\n[[material_group]]\nsituation = \"村民\u{E000}\"\n",
        ));
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].file, "items/minzheng/x.toml");
        assert_eq!(w[0].field, "material_group[0].situation");
        assert!(w[0].message.contains("U+E000"), "{}", w[0].message);
    }

    #[test]
    fn common_text_and_rare_characters_the_system_font_has_are_fine() {
        let rare = "place = \"𠮷利村 大塆村\"\n";
        let w = warnings(&file(&format!("name = \"居民身份证首次申领\"\n{rare}")));
        if fonts().fallback.is_some() {
            assert!(w.is_empty(), "{w:?}");
        } else {
            // Without fonts-noto-cjk here, the two rare ones are listed with what to do.
            assert_eq!(w.len(), 2, "{w:?}");
            assert!(w[0].message.contains("fonts-noto-cjk"));
        }
    }
}
