//! The 手写 pad's state without any UI: the strokes written so far (in pad units, `PAD` a side),
//! the stroke being drawn, the candidates after the last finished stroke, and the path commands
//! the screen draws the strokes with.

use std::fmt::Write;

use crate::handwriting::{Point, Recognizer, CANDIDATES};

/// The side of the pad in the units strokes are kept in (the screen's `Path` viewbox).
pub const PAD: f32 = 100.0;

/// Points closer than this (pad units) to the last one are dropped: a finger resting still
/// adds nothing.
const MIN_STEP: f32 = 0.8;

#[derive(Debug, Default)]
pub struct Pad {
    strokes: Vec<Vec<Point>>,
    /// Whether the last stroke is still being drawn (finger down).
    drawing: bool,
    candidates: Vec<String>,
}

impl Pad {
    /// The finger touches the pad at (`x`, `y`), each 0…1 of the pad's side.
    pub fn down(&mut self, x: f32, y: f32) {
        self.strokes.push(vec![to_pad(x, y)]);
        self.drawing = true;
    }

    /// The finger moves while down.
    pub fn move_to(&mut self, x: f32, y: f32) {
        if !self.drawing {
            return self.down(x, y);
        }
        let p = to_pad(x, y);
        if let Some(stroke) = self.strokes.last_mut() {
            let last = stroke[stroke.len() - 1];
            if (p.0 - last.0).hypot(p.1 - last.1) >= MIN_STEP {
                stroke.push(p);
            }
        }
    }

    /// The finger lifts: the stroke is finished and the candidates are recognised again.
    pub fn up(&mut self, recognizer: Option<&Recognizer>) {
        if !self.drawing {
            return;
        }
        self.drawing = false;
        self.recognize(recognizer);
    }

    /// Takes back the last stroke.
    pub fn undo(&mut self, recognizer: Option<&Recognizer>) {
        self.drawing = false;
        self.strokes.pop();
        self.recognize(recognizer);
    }

    /// Empties the pad (重写, and after a candidate was picked).
    pub fn clear(&mut self) {
        *self = Pad::default();
    }

    pub fn is_empty(&self) -> bool {
        self.strokes.is_empty()
    }

    pub fn strokes(&self) -> &[Vec<Point>] {
        &self.strokes
    }

    /// Candidate characters after the last finished stroke, best first.
    pub fn candidates(&self) -> &[String] {
        &self.candidates
    }

    /// The strokes as path commands in pad units ("M 10 50 L 90 50 …"); a single point becomes
    /// a short dash so a dot shows.
    pub fn commands(&self) -> String {
        let mut out = String::new();
        for stroke in &self.strokes {
            let (x, y) = stroke[0];
            let _ = write!(out, "M {x:.1} {y:.1} ");
            if stroke.len() == 1 {
                let _ = write!(out, "L {:.1} {y:.1} ", x + 0.5);
            }
            for &(x, y) in &stroke[1..] {
                let _ = write!(out, "L {x:.1} {y:.1} ");
            }
        }
        out.truncate(out.trim_end().len());
        out
    }

    fn recognize(&mut self, recognizer: Option<&Recognizer>) {
        self.candidates = match recognizer {
            Some(r) if !self.strokes.is_empty() => shown(
                r.recognize(&self.strokes, PAD, CANDIDATES + SPARE)
                    .into_iter()
                    .map(|c| c.text),
            ),
            _ => Vec::new(),
        };
    }
}

/// Extra candidates asked for, so that `CANDIDATES` remain after `shown` drops some.
const SPARE: usize = 6;

/// Characters the model knows that a resident cannot tell from a common one on a button: shown
/// as that one (囗, the enclosure radical, looks exactly like 口).
const LOOKALIKES: &[(&str, &str)] = &[("囗", "口")];

/// Parts of characters the model returns on their own (亻 after a first stroke): never a word
/// in a service name, so a tap on one would only spoil the query.
const COMPONENTS: &[&str] = &[
    "亻", "氵", "扌", "忄", "讠", "冫", "宀", "艹", "辶", "纟", "钅", "饣", "礻", "衤", "阝", "刂",
    "彳", "犭", "丬", "廴", "冖", "丶", "丿", "乛", "亠", "乚", "𠃍", "𠃊",
];

/// The candidates as the pad shows them, best first: look-alikes as their common character,
/// components dropped, no character twice, at most `CANDIDATES`.
fn shown(candidates: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in candidates {
        let c = LOOKALIKES
            .iter()
            .find(|(odd, _)| *odd == c)
            .map_or(c, |(_, common)| common.to_string());
        if !COMPONENTS.contains(&c.as_str()) && !out.contains(&c) && out.len() < CANDIDATES {
            out.push(c);
        }
    }
    out
}

fn to_pad(x: f32, y: f32) -> Point {
    let clamp = |v: f32| {
        if v.is_finite() {
            v.clamp(0.0, 1.0) * PAD
        } else {
            0.0
        }
    };
    (clamp(x), clamp(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strokes_become_path_commands_and_undo_takes_the_last_back() {
        let mut pad = Pad::default();
        assert_eq!(pad.commands(), "");
        pad.down(0.1, 0.5);
        pad.move_to(0.5, 0.5);
        pad.move_to(0.502, 0.5); // too close: dropped
        pad.move_to(0.9, 0.5);
        pad.up(None);
        pad.down(0.5, 0.1);
        pad.up(None);
        assert_eq!(pad.strokes().len(), 2);
        assert_eq!(pad.strokes()[0].len(), 3);
        assert_eq!(
            pad.commands(),
            "M 10.0 50.0 L 50.0 50.0 L 90.0 50.0 M 50.0 10.0 L 50.5 10.0"
        );
        pad.undo(None);
        assert_eq!(pad.strokes().len(), 1);
        pad.clear();
        assert!(pad.is_empty() && pad.candidates().is_empty());
    }

    #[test]
    fn look_alikes_and_components_are_not_shown_twice_or_alone() {
        let got = shown(["口", "囗", "亻", "日", "口"].into_iter().map(String::from));
        assert_eq!(got, ["口", "日"]);
        let many = shown((0..30).map(|i| char::from_u32(0x4e00 + i).unwrap().to_string()));
        assert_eq!(many.len(), CANDIDATES);
    }

    #[test]
    fn points_outside_the_pad_are_clamped_and_a_move_without_down_starts_a_stroke() {
        let mut pad = Pad::default();
        pad.move_to(-0.5, 2.0);
        pad.move_to(f32::NAN, 0.5);
        assert_eq!(pad.strokes()[0][0], (0.0, 100.0));
        pad.up(None);
        pad.up(None);
        assert_eq!(pad.strokes().len(), 1);
    }
}
