//! Screen rotation for portrait (floor-standing) kiosks whose panel is mounted turned.
//!
//! Slint's linuxkms backend turns the *picture* (`SLINT_KMS_ROTATION`), but hands touch
//! positions to the UI as the panel reports them, scaled to the turned window. A libinput
//! calibration matrix makes touch follow the picture: libinput maps a panel position (x, y),
//! both 0..1 in the panel's own axes, to (a·x + b·y + c, d·x + e·y + f) before Slint sees it.
//! The matrices here send each panel position to the window position the renderer draws
//! there (checked pixel by pixel in `tests/rotation.rs` against Slint's software renderer).

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// How far the picture is turned, clockwise, as `rotation` in kiosk.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rotation {
    #[default]
    R0,
    R90,
    R180,
    R270,
}

/// Where udev rules written at run time live (a tmpfs: gone at the next boot, rewritten by the
/// service before the kiosk starts).
pub const RULES_DIR: &str = "/run/udev/rules.d";
/// The rule file `banshi touch-rotation` writes.
pub const RULES_FILE: &str = "91-banshi-touch-rotation.rules";

impl Rotation {
    pub const ALL: [Rotation; 4] = [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270];

    pub fn from_degrees(deg: u32) -> Option<Rotation> {
        match deg {
            0 => Some(Rotation::R0),
            90 => Some(Rotation::R90),
            180 => Some(Rotation::R180),
            270 => Some(Rotation::R270),
            _ => None,
        }
    }

    pub fn degrees(self) -> u32 {
        match self {
            Rotation::R0 => 0,
            Rotation::R90 => 90,
            Rotation::R180 => 180,
            Rotation::R270 => 270,
        }
    }

    /// Whether the window is the panel's size turned on its side.
    pub fn swaps_axes(self) -> bool {
        matches!(self, Rotation::R90 | Rotation::R270)
    }

    /// The libinput calibration matrix `[a, b, c, d, e, f]` for touch panels.
    ///
    /// The renderer turns the picture clockwise: at 90° the window's top-left corner is drawn at
    /// the panel's top-right, so a touch at panel (x, y) lands on window (y, 1 − x).
    pub fn calibration_matrix(self) -> [f32; 6] {
        match self {
            Rotation::R0 => [1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            Rotation::R90 => [0.0, 1.0, 0.0, -1.0, 0.0, 1.0],
            Rotation::R180 => [-1.0, 0.0, 1.0, 0.0, -1.0, 1.0],
            Rotation::R270 => [0.0, -1.0, 1.0, 1.0, 0.0, 0.0],
        }
    }

    /// Where a touch at panel position (x, y) (0..1) lands in the window (0..1), as libinput
    /// computes it with [`Self::calibration_matrix`].
    pub fn touch_to_window(self, x: f32, y: f32) -> (f32, f32) {
        let [a, b, c, d, e, f] = self.calibration_matrix();
        (a * x + b * y + c, d * x + e * y + f)
    }

    /// The udev rule that gives every touchscreen (and pen tablet) the matrix; `None` for 0°,
    /// where no rule is needed (and an old one must be removed).
    pub fn udev_rule(self) -> Option<String> {
        if self == Rotation::R0 {
            return None;
        }
        let m = self.calibration_matrix().map(|v| format!("{v}")).join(" ");
        Some(format!(
            "# Written by `banshi touch-rotation` for rotation = {deg} in /etc/banshi/kiosk.toml: touch\n\
             # follows the turned picture. Rewritten at every kiosk start; do not edit.\n\
             ACTION==\"add|change\", SUBSYSTEM==\"input\", ENV{{ID_INPUT_TOUCHSCREEN}}==\"1\", ENV{{LIBINPUT_CALIBRATION_MATRIX}}=\"{m}\"\n\
             ACTION==\"add|change\", SUBSYSTEM==\"input\", ENV{{ID_INPUT_TABLET}}==\"1\", ENV{{LIBINPUT_CALIBRATION_MATRIX}}=\"{m}\"\n",
            deg = self.degrees()
        ))
    }
}

/// What [`install_rule`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleChange {
    /// The rule for a turned panel is in place at this path.
    Written(PathBuf),
    /// 0°: the rule left by an earlier rotation was removed from this path.
    Removed(PathBuf),
    /// 0° and no rule was there.
    NoneNeeded,
}

/// Puts the rule for `rotation` into `rules_dir` as [`RULES_FILE`] (replaced atomically, mode
/// 0644, so udev never reads half a rule), or for 0° removes an old one.
pub fn install_rule(rotation: Rotation, rules_dir: &Path) -> anyhow::Result<RuleChange> {
    let path = rules_dir.join(RULES_FILE);
    match rotation.udev_rule() {
        Some(rule) => {
            std::fs::create_dir_all(rules_dir)
                .with_context(|| format!("无法创建 {}", rules_dir.display()))?;
            crate::atomic::write(
                &path,
                rule.as_bytes(),
                0o644,
                crate::atomic::Durability::FolderBestEffort,
            )
            .with_context(|| format!("无法写入 {}", path.display()))?;
            Ok(RuleChange::Written(path))
        }
        None => match std::fs::remove_file(&path) {
            Ok(()) => Ok(RuleChange::Removed(path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(RuleChange::NoneNeeded),
            Err(e) => Err(e).with_context(|| format!("无法删除 {}", path.display())),
        },
    }
}

impl fmt::Display for Rotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.degrees())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_round_trip_and_other_values_are_refused() {
        for r in Rotation::ALL {
            assert_eq!(Rotation::from_degrees(r.degrees()), Some(r));
        }
        assert_eq!(Rotation::from_degrees(45), None);
        assert_eq!(Rotation::from_degrees(360), None);
    }

    #[test]
    fn panel_corners_land_on_the_window_corners_drawn_there() {
        // Clockwise at 90°: window top-left is drawn at panel top-right, and so on round.
        let close =
            |a: (f32, f32), b: (f32, f32)| (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6;
        assert!(close(Rotation::R90.touch_to_window(1.0, 0.0), (0.0, 0.0)));
        assert!(close(Rotation::R90.touch_to_window(1.0, 1.0), (1.0, 0.0)));
        assert!(close(Rotation::R180.touch_to_window(0.0, 0.0), (1.0, 1.0)));
        assert!(close(Rotation::R270.touch_to_window(0.0, 1.0), (0.0, 0.0)));
        assert!(close(
            Rotation::R0.touch_to_window(0.25, 0.75),
            (0.25, 0.75)
        ));
        // Turning by 90° twice is turning by 180°.
        let (x, y) = Rotation::R90.touch_to_window(0.2, 0.7);
        let twice = Rotation::R90.touch_to_window(x, y);
        assert!(close(twice, Rotation::R180.touch_to_window(0.2, 0.7)));
    }

    #[test]
    fn the_rule_names_touchscreens_and_the_matrix_and_zero_needs_none() {
        assert_eq!(Rotation::R0.udev_rule(), None);
        let rule = Rotation::R90.udev_rule().unwrap();
        assert!(rule.contains("ENV{ID_INPUT_TOUCHSCREEN}==\"1\""), "{rule}");
        assert!(
            rule.contains("ENV{LIBINPUT_CALIBRATION_MATRIX}=\"0 1 0 -1 0 1\""),
            "{rule}"
        );
        assert!(Rotation::R270
            .udev_rule()
            .unwrap()
            .contains("\"0 -1 1 1 0 0\""));
    }

    #[test]
    fn the_rule_is_written_replaced_and_removed_for_zero() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules.d");
        let path = rules.join(RULES_FILE);
        assert_eq!(
            install_rule(Rotation::R90, &rules).unwrap(),
            RuleChange::Written(path.clone())
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            Rotation::R90.udev_rule().unwrap()
        );
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o644);
        assert_eq!(
            install_rule(Rotation::R270, &rules).unwrap(),
            RuleChange::Written(path.clone())
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            Rotation::R270.udev_rule().unwrap()
        );
        assert_eq!(
            std::fs::read_dir(&rules).unwrap().count(),
            1,
            "no temporary file left"
        );
        assert_eq!(
            install_rule(Rotation::R0, &rules).unwrap(),
            RuleChange::Removed(path.clone())
        );
        assert!(!path.exists());
        assert_eq!(
            install_rule(Rotation::R0, &rules).unwrap(),
            RuleChange::NoneNeeded
        );
    }
}
