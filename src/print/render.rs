//! Draws a slip's lines into a grey image as wide as the paper, with the kiosk's own fonts:
//! the Noto Sans SC subsets the screen embeds, then the system's Noto Sans CJK SC (the same
//! typeface, package `fonts-noto-cjk`) for rare characters the subsets lack, as the screen falls
//! back to it. Characters no font has are drawn as an empty box and listed, never dropped.

use ab_glyph::{Font, FontArc, GlyphId, PxScale, ScaleFont};
use image::{GrayImage, Luma};

use super::escpos::Paper;
use super::slip::{Line, Style};
use crate::fonts::glyphs::{fonts, Fonts};

/// A rendered slip, and the characters no font could draw (shown as boxes).
#[derive(Debug)]
pub struct Rendered {
    pub image: GrayImage,
    pub missing: Vec<char>,
}

/// Punctuation that must not begin a line.
const CLOSING: &str = "，。、；：！？）》」』";

/// Sizes in dots (203 dpi: 8 dots a millimetre).
struct Metrics {
    title: f32,
    heading: f32,
    body: f32,
    small: f32,
    margin: u32,
}

fn metrics(paper: Paper) -> Metrics {
    match paper {
        // 3 mm body text on 48 mm: about 15 characters a line.
        Paper::Mm58 => Metrics {
            title: 34.0,
            heading: 27.0,
            body: 25.0,
            small: 21.0,
            margin: 6,
        },
        Paper::Mm80 => Metrics {
            title: 42.0,
            heading: 31.0,
            body: 29.0,
            small: 23.0,
            margin: 10,
        },
    }
}

/// Glyphs of one line, placed: (font, glyph, x) and the line's size.
struct Placed {
    glyphs: Vec<(FontArc, GlyphId, f32)>,
    size: f32,
    boxes: Vec<f32>,
}

impl Placed {
    fn new(size: f32) -> Placed {
        Placed {
            glyphs: Vec::new(),
            size,
            boxes: Vec::new(),
        }
    }

    /// Moves the whole line `dx` to the right.
    fn shift(&mut self, dx: f32) {
        for g in &mut self.glyphs {
            g.2 += dx;
        }
        for b in &mut self.boxes {
            *b += dx;
        }
    }
}

/// What is drawn where, worked out before the image (of the exact height) exists.
enum Op {
    Glyphs(Placed, f32),
    Tick(f32, f32, f32),
    Rule(u32),
    Qr(crate::qr::QrMatrix, u32, u32, u32),
}

/// The slip laid out so far: what to draw, and how far down the paper it reaches.
struct Layout<'a> {
    m: Metrics,
    width: u32,
    usable: f32,
    fonts: &'a Fonts,
    ops: Vec<Op>,
    y: f32,
    missing: Vec<char>,
}

impl Layout<'_> {
    /// One paragraph in `style`, wrapped to the paper.
    fn text(&mut self, style: Style, text: &str) {
        let m = &self.m;
        let (size, bold, centred) = match style {
            Style::Title => (m.title, true, true),
            Style::Heading => (m.heading, true, false),
            Style::Body | Style::Tick => (m.body, false, false),
            Style::Small => (m.small, false, true),
        };
        if style == Style::Heading {
            self.y += size * 0.4;
        }
        let font = if bold {
            &self.fonts.bold
        } else {
            &self.fonts.regular
        };
        let indent = if style == Style::Tick {
            size * 1.2
        } else {
            0.0
        };
        let left = self.m.margin as f32 + indent;
        let room = self.usable - indent;
        let rows = wrap(text, font, self.fonts, size, room, &mut self.missing);
        for (i, mut placed) in rows.into_iter().enumerate() {
            let centring = if centred {
                ((room - placed_width(&placed)) / 2.0).max(0.0)
            } else {
                0.0
            };
            placed.shift(left + centring);
            if i == 0 && style == Style::Tick {
                let tick = Op::Tick(self.m.margin as f32, self.y + size * 0.2, size * 0.8);
                self.ops.push(tick);
            }
            self.ops.push(Op::Glyphs(placed, self.y));
            self.y += size * 1.5;
        }
    }

    fn rule(&mut self) {
        self.y += self.m.body * 0.3;
        self.ops.push(Op::Rule(self.y as u32));
        self.y += self.m.body * 0.5;
    }

    /// A QR code of `data`, centred, with `caption` under it.
    fn qr(&mut self, data: &str, caption: &str) {
        if let Ok(qr) = crate::qr::encode(data, qrcode::EcLevel::M) {
            let scale = ((self.usable * 0.6) as usize / qr.size).max(2) as u32;
            let side = scale * qr.size as u32;
            let (left, top) = ((self.width - side) / 2, self.y as u32);
            self.ops.push(Op::Qr(qr, left, top, scale));
            self.y += side as f32 + self.m.body * 0.2;
        }
        self.text(Style::Small, caption);
    }
}

/// Draws `lines` for `paper`.
pub fn render(lines: &[Line], paper: Paper) -> Rendered {
    let m = metrics(paper);
    let width = paper.dots();
    let mut layout = Layout {
        y: m.margin as f32,
        usable: (width - 2 * m.margin) as f32,
        m,
        width,
        fonts: fonts(),
        ops: Vec::new(),
        missing: Vec::new(),
    };
    for line in lines {
        match line {
            Line::Text(style, text) => layout.text(*style, text),
            Line::Rule => layout.rule(),
            Line::Qr { data, caption } => layout.qr(data, caption),
        }
    }
    let Layout {
        m,
        ops,
        y,
        mut missing,
        ..
    } = layout;
    let height = (y + m.margin as f32).ceil() as u32;
    let mut image = GrayImage::from_pixel(width, height, Luma([255]));
    for op in ops {
        match op {
            Op::Glyphs(placed, top) => draw_glyphs(&mut image, &placed, top),
            Op::Tick(x, top, side) => draw_box(&mut image, x, top, side, 2),
            Op::Rule(at) => {
                for x in (m.margin..width - m.margin).filter(|x| x % 12 < 8) {
                    for dy in 0..2 {
                        put_dark(&mut image, x, at + dy, 255);
                    }
                }
            }
            Op::Qr(qr, left, top, scale) => {
                for my in 0..qr.size {
                    for mx in 0..qr.size {
                        if !qr.dark[my * qr.size + mx] {
                            continue;
                        }
                        for dy in 0..scale {
                            for dx in 0..scale {
                                let px = left + mx as u32 * scale + dx;
                                let py = top + my as u32 * scale + dy;
                                put_dark(&mut image, px, py, 255);
                            }
                        }
                    }
                }
            }
        }
    }
    missing.sort_unstable();
    missing.dedup();
    Rendered { image, missing }
}

/// Letters, digits and the joiners of codes, phone numbers and web addresses: a run of them is
/// kept on one line.
fn joins(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-.:/@_".contains(c)
}

/// Splits `text` into lines at most `width` wide: between any two Chinese characters, but not
/// inside a run of Latin letters and digits (phone numbers, codes) unless it is longer than a
/// line, and never before closing punctuation.
fn wrap(
    text: &str,
    font: &FontArc,
    fonts: &Fonts,
    size: f32,
    width: f32,
    missing: &mut Vec<char>,
) -> Vec<Placed> {
    // Tokens: a run of ASCII alphanumerics and some joiners, or one character.
    let mut tokens: Vec<String> = Vec::new();
    for c in text.chars() {
        match tokens.last_mut() {
            Some(t) if joins(c) && t.chars().all(joins) => t.push(c),
            _ => tokens.push(c.to_string()),
        }
    }
    let mut lines = vec![Placed::new(size)];
    let mut x = 0.0f32;
    for token in tokens {
        let advances: Vec<(Option<FontArc>, char, f32)> = token
            .chars()
            .map(|c| match fonts.font_for(c, font) {
                Some(f) => {
                    let a = f.as_scaled(em(&f, size)).h_advance(f.glyph_id(c));
                    (Some(f), c, a)
                }
                None => (None, c, size),
            })
            .collect();
        let token_width: f32 = advances.iter().map(|a| a.2).sum();
        let closing = token.chars().all(|c| CLOSING.contains(c));
        if x > 0.0 && x + token_width > width && token_width <= width {
            let mut next = Placed::new(size);
            x = 0.0;
            // Closing punctuation never starts a line: the character before it moves down too.
            let line = lines.last_mut().expect("one line at least");
            if closing && line.glyphs.len() > 1 {
                let (f, id, _) = line.glyphs.pop().expect("checked");
                x = f.as_scaled(em(&f, size)).h_advance(id);
                next.glyphs.push((f, id, 0.0));
            }
            lines.push(next);
        }
        for (f, c, advance) in advances {
            if x > 0.0 && x + advance > width && token_width > width {
                lines.push(Placed::new(size));
                x = 0.0;
            }
            let line = lines.last_mut().expect("one line at least");
            match f {
                Some(f) => {
                    let id = f.glyph_id(c);
                    line.glyphs.push((f, id, x));
                }
                None => {
                    if !c.is_whitespace() {
                        missing.push(c);
                        line.boxes.push(x);
                    }
                }
            }
            x += advance;
        }
    }
    lines
}

/// The scale at which `font`'s em square is `size` dots (ab_glyph scales by ascent + descent,
/// which for CJK fonts is about 1.45 em).
fn em(font: &FontArc, size: f32) -> PxScale {
    let upem = font.units_per_em().unwrap_or(1000.0);
    PxScale::from(size * font.height_unscaled() / upem)
}

fn placed_width(p: &Placed) -> f32 {
    let glyphs = p
        .glyphs
        .last()
        .map(|(f, id, x)| x + f.as_scaled(em(f, p.size)).h_advance(*id))
        .unwrap_or(0.0);
    let boxes = p.boxes.last().map(|x| x + p.size).unwrap_or(0.0);
    glyphs.max(boxes)
}

fn draw_glyphs(image: &mut GrayImage, p: &Placed, top: f32) {
    for (font, id, x) in &p.glyphs {
        let scale = em(font, p.size);
        let ascent = font.as_scaled(scale).ascent();
        let glyph = id.with_scale_and_position(scale, ab_glyph::point(*x, top + ascent));
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let (px, py) = (b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64);
                if px >= 0 && py >= 0 {
                    put_dark(image, px as u32, py as u32, (coverage * 255.0) as u8);
                }
            });
        }
    }
    for x in &p.boxes {
        draw_box(
            image,
            x + p.size * 0.1,
            top + p.size * 0.15,
            p.size * 0.8,
            1,
        );
    }
}

fn draw_box(image: &mut GrayImage, x: f32, top: f32, side: f32, thick: u32) {
    let (x0, y0, s) = (x as u32, top as u32, side as u32);
    for i in 0..=s {
        for t in 0..thick {
            put_dark(image, x0 + i, y0 + t, 255);
            put_dark(image, x0 + i, y0 + s - t, 255);
            put_dark(image, x0 + t, y0 + i, 255);
            put_dark(image, x0 + s - t, y0 + i, 255);
        }
    }
}

/// Darkens one pixel by `ink` (0–255), keeping the darker of what is there and the new ink.
fn put_dark(image: &mut GrayImage, x: u32, y: u32, ink: u8) {
    if x < image.width() && y < image.height() {
        let p = image.get_pixel_mut(x, y);
        p[0] = p[0].min(255 - ink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dark_rows(img: &GrayImage) -> usize {
        (0..img.height())
            .filter(|&y| (0..img.width()).any(|x| img.get_pixel(x, y)[0] < 128))
            .count()
    }

    #[test]
    fn text_is_drawn_within_the_paper_and_longer_text_makes_a_longer_slip() {
        let short = vec![Line::Text(Style::Body, "身份证".to_string())];
        let long = vec![Line::Text(
            Style::Body,
            "居民身份证（原件 1份 · 申请人自备）户口簿（原件 1份 · 申请人自备）".repeat(3),
        )];
        for paper in [Paper::Mm58, Paper::Mm80] {
            let a = render(&short, paper);
            let b = render(&long, paper);
            assert_eq!(a.image.width(), paper.dots());
            assert!(a.missing.is_empty(), "{:?}", a.missing);
            assert!(dark_rows(&a.image) > 10, "the text is drawn");
            assert!(
                b.image.height() > 3 * a.image.height(),
                "wrapped onto several lines"
            );
            // Nothing drawn in the margins.
            let m = metrics(paper).margin;
            for y in 0..b.image.height() {
                for x in (0..m).chain(paper.dots() - m + 2..paper.dots()) {
                    assert_eq!(b.image.get_pixel(x, y)[0], 255, "margin at {x},{y}");
                }
            }
        }
    }

    #[test]
    fn a_phone_number_is_not_split_across_lines() {
        let fonts = fonts();
        let mut missing = Vec::new();
        let size = 25.0;
        // Width for about ten characters: the number must move to the next line whole.
        let lines = wrap(
            "咨询电话：0739-1234567",
            &fonts.regular,
            fonts,
            size,
            size * 10.0,
            &mut missing,
        );
        let counts: Vec<usize> = lines.iter().map(|l| l.glyphs.len()).collect();
        assert_eq!(counts, vec![5, 12], "{missing:?}");
    }

    #[test]
    fn rare_characters_of_village_names_print_with_the_system_cjk_font() {
        // 𠮷 (U+20BB7) and 塆 are not in the embedded subsets. Under CI setup.sh installs
        // fonts-noto-cjk (a dependency of the kiosk package); elsewhere this needs it too.
        if fonts().fallback.is_none() && std::env::var("CI").as_deref() != Ok("true") {
            eprintln!("skipped: fonts-noto-cjk is not installed");
            return;
        }
        let r = render(
            &[Line::Text(Style::Body, "𠮷利村 大塆村".to_string())],
            Paper::Mm58,
        );
        assert!(r.missing.is_empty(), "{:?}", r.missing);
    }

    #[test]
    fn a_character_no_font_has_is_a_box_and_reported() {
        // A private-use character: in no font.
        let r = render(
            &[Line::Text(Style::Body, "户\u{E000}口".to_string())],
            Paper::Mm58,
        );
        assert_eq!(r.missing, vec!['\u{E000}']);
    }
}
