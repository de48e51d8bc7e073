//! Which font draws a character, as the kiosk's screen would find one: the Noto Sans SC subsets
//! embedded in the binary (regular and bold), then the system's Noto Sans CJK SC (the same
//! typeface, package `fonts-noto-cjk`, a dependency of the kiosk package) for rare characters.
//! Used to draw the printed slip and to warn authors of characters no font can draw.

use std::sync::OnceLock;

use ab_glyph::{Font, FontArc};

pub const REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Regular-subset.otf");
pub const BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Bold-subset.otf");

/// Where Debian's `fonts-noto-cjk` puts the full CJK font (a collection; the SC face is found
/// by name).
const SYSTEM_CJK: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
];

/// The kiosk's fonts, loaded once.
pub struct Fonts {
    pub regular: FontArc,
    pub bold: FontArc,
    /// The system's CJK font; `None` when `fonts-noto-cjk` is not installed here.
    pub fallback: Option<FontArc>,
}

pub fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        regular: FontArc::try_from_slice(REGULAR).expect("the embedded font parses"),
        bold: FontArc::try_from_slice(BOLD).expect("the embedded font parses"),
        fallback: system_cjk(),
    })
}

/// The SC face of the system's Noto Sans CJK collection, when installed.
fn system_cjk() -> Option<FontArc> {
    let data = SYSTEM_CJK.iter().find_map(|p| std::fs::read(p).ok())?;
    let faces = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
    let index = (0..faces).find(|&i| {
        ttf_parser::Face::parse(&data, i).is_ok_and(|face| {
            face.names().into_iter().any(|n| {
                n.to_string()
                    .is_some_and(|s| s.contains("CJK SC") || s.contains("CJK sc"))
            })
        })
    })?;
    ab_glyph::FontVec::try_from_vec_and_index(data, index)
        .ok()
        .map(FontArc::new)
}

/// Where a character's glyph comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    Embedded,
    System,
    /// No font has it: the screen shows a blank or a box.
    None,
}

impl Fonts {
    /// The font that has `c`: the line's own, then the other embedded one, then the system's.
    pub fn font_for(&self, c: char, first: &FontArc) -> Option<FontArc> {
        [Some(first), Some(&self.regular), self.fallback.as_ref()]
            .into_iter()
            .flatten()
            .find(|f| f.glyph_id(c).0 != 0)
            .cloned()
    }

    /// Where `c` would be drawn from. Whitespace and control characters count as covered.
    pub fn coverage(&self, c: char) -> Coverage {
        if c.is_whitespace() || c.is_control() || self.regular.glyph_id(c).0 != 0 {
            Coverage::Embedded
        } else if self.fallback.as_ref().is_some_and(|f| f.glyph_id(c).0 != 0) {
            Coverage::System
        } else {
            Coverage::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_characters_are_embedded_and_a_private_use_one_is_in_no_font() {
        let f = fonts();
        for c in "身份证户口簿办事指南0123456789ABC（）：，。".chars() {
            assert_eq!(f.coverage(c), Coverage::Embedded, "{c}");
        }
        assert_eq!(f.coverage('\u{E000}'), Coverage::None);
    }
}
