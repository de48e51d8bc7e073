//! The touch test: where the last touches landed, and which of five targets (the four corners
//! and the centre) have been touched, to check that touch follows a rotated screen and that the
//! panel is calibrated to its edges.

use std::collections::VecDeque;

/// Points kept on screen.
pub const KEPT: usize = 50;
/// Distance of the corner targets' centres from the edges (logical px).
pub const INSET: f32 = 70.0;
/// A touch this close to a target's centre hits it (logical px).
pub const HIT_RADIUS: f32 = 70.0;

/// The targets: name and position as fractions of the span between the insets.
pub const TARGETS: [(&str, f32, f32); 5] = [
    ("左上", 0.0, 0.0),
    ("右上", 1.0, 0.0),
    ("左下", 0.0, 1.0),
    ("右下", 1.0, 1.0),
    ("中心", 0.5, 0.5),
];

/// A target's centre on a canvas of `width` × `height`.
pub fn target_centre(i: usize, width: f32, height: f32) -> (f32, f32) {
    let (_, fx, fy) = TARGETS[i];
    (
        INSET + fx * (width - 2.0 * INSET),
        INSET + fy * (height - 2.0 * INSET),
    )
}

#[derive(Debug, Clone, Default)]
pub struct TouchTest {
    points: VecDeque<(f32, f32)>,
    hit: [bool; TARGETS.len()],
}

impl TouchTest {
    /// A touch at (`x`, `y`) on a canvas of `width` × `height`.
    pub fn touch(&mut self, x: f32, y: f32, width: f32, height: f32) {
        if self.points.len() == KEPT {
            self.points.pop_front();
        }
        self.points.push_back((x, y));
        for (i, hit) in self.hit.iter_mut().enumerate() {
            let (cx, cy) = target_centre(i, width, height);
            if (x - cx).hypot(y - cy) <= HIT_RADIUS {
                *hit = true;
            }
        }
    }

    /// The points, oldest first.
    pub fn points(&self) -> impl Iterator<Item = (f32, f32)> + '_ {
        self.points.iter().copied()
    }

    pub fn hit(&self) -> [bool; TARGETS.len()] {
        self.hit
    }

    /// The latest touch in words.
    pub fn last_text(&self) -> String {
        match self.points.back() {
            Some(&(x, y)) => format!(
                "最近一次触摸：x = {}, y = {}（已点中 {}/5 个圆圈）",
                x.round(),
                y.round(),
                self.hit.iter().filter(|h| **h).count()
            ),
            None => "请用手指点屏幕四角和中间的圆圈，圆圈变绿说明触摸位置准确。".into(),
        }
    }
}

/// A point's label: its coordinates, rounded.
pub fn point_label(x: f32, y: f32) -> String {
    format!("{}, {}", x.round(), y.round())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corner_and_centre_targets_turn_on_when_touched_nearby() {
        let mut t = TouchTest::default();
        t.touch(75.0, 60.0, 1920.0, 1080.0);
        assert_eq!(t.hit(), [true, false, false, false, false]);
        t.touch(960.0, 540.0, 1920.0, 1080.0);
        t.touch(1080.0 - 70.0, 1920.0 - 70.0, 1080.0, 1920.0);
        assert_eq!(t.hit(), [true, false, false, true, true]);
        // Far from every target: only a dot.
        t.touch(500.0, 300.0, 1920.0, 1080.0);
        assert_eq!(t.hit(), [true, false, false, true, true]);
        assert!(
            t.last_text().contains("x = 500, y = 300") && t.last_text().contains("3/5"),
            "{}",
            t.last_text()
        );
    }

    #[test]
    fn keeps_the_last_points_only() {
        let mut t = TouchTest::default();
        for i in 0..(KEPT + 7) {
            t.touch(i as f32, 1.0, 1000.0, 1000.0);
        }
        let pts: Vec<_> = t.points().collect();
        assert_eq!(pts.len(), KEPT);
        assert_eq!(pts[0].0, 7.0);
        assert_eq!(point_label(12.4, 99.6), "12, 100");
    }
}
