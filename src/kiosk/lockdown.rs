//! Keys that must not end the kiosk. Slint's linuxkms backend quits its event loop on
//! Ctrl+Alt+Backspace and Ctrl+Alt+Delete (a developer convenience); on a public kiosk a
//! keyboard plugged into a USB port must not close the app. `KeyGuard` follows the modifier
//! keys from raw key events (Linux evdev codes, as libinput reports them) and says which key
//! presses to swallow before Slint sees them.

/// Linux input event codes (linux/input-event-codes.h).
pub mod code {
    pub const BACKSPACE: u32 = 14;
    pub const LEFT_CTRL: u32 = 29;
    pub const LEFT_ALT: u32 = 56;
    pub const F1: u32 = 59;
    pub const F10: u32 = 68;
    pub const F11: u32 = 87;
    pub const F12: u32 = 88;
    pub const RIGHT_CTRL: u32 = 97;
    pub const RIGHT_ALT: u32 = 100;
    pub const DELETE: u32 = 111;
}

#[derive(Debug, Default, Clone)]
pub struct KeyGuard {
    /// Bits: left ctrl, right ctrl, left alt, right alt.
    held: u8,
}

impl KeyGuard {
    fn bit(key: u32) -> u8 {
        match key {
            code::LEFT_CTRL => 1,
            code::RIGHT_CTRL => 2,
            code::LEFT_ALT => 4,
            code::RIGHT_ALT => 8,
            _ => 0,
        }
    }

    /// Feeds one key event; true means: swallow it.
    ///
    /// With Ctrl and Alt held, Backspace and Delete (which end Slint's event loop) and F1–F12
    /// (console switching) are swallowed, press and release alike. Everything else passes.
    pub fn key(&mut self, key: u32, pressed: bool) -> bool {
        let bit = Self::bit(key);
        if bit != 0 {
            if pressed {
                self.held |= bit;
            } else {
                self.held &= !bit;
            }
            return false;
        }
        let ctrl = self.held & 3 != 0;
        let alt = self.held & 12 != 0;
        ctrl && alt
            && matches!(
                key,
                code::BACKSPACE | code::DELETE | code::F1..=code::F10 | code::F11 | code::F12
            )
    }
}

#[cfg(test)]
mod tests {
    use super::code::*;
    use super::*;

    #[test]
    fn ctrl_alt_backspace_and_delete_are_swallowed_with_either_hand() {
        for (ctrl, alt) in [
            (LEFT_CTRL, LEFT_ALT),
            (RIGHT_CTRL, RIGHT_ALT),
            (LEFT_CTRL, RIGHT_ALT),
        ] {
            let mut g = KeyGuard::default();
            assert!(!g.key(ctrl, true));
            assert!(!g.key(alt, true));
            assert!(g.key(BACKSPACE, true));
            assert!(g.key(BACKSPACE, false));
            assert!(g.key(DELETE, true));
            assert!(g.key(F1 + 1, true), "Ctrl+Alt+F2");
            assert!(g.key(F12, true));
        }
    }

    #[test]
    fn the_same_keys_alone_or_with_one_modifier_pass() {
        let mut g = KeyGuard::default();
        assert!(!g.key(BACKSPACE, true), "plain Backspace edits text");
        g.key(LEFT_CTRL, true);
        assert!(!g.key(BACKSPACE, true), "Ctrl+Backspace");
        g.key(LEFT_CTRL, false);
        g.key(LEFT_ALT, true);
        assert!(!g.key(DELETE, true), "Alt+Delete");
        g.key(LEFT_ALT, false);
        // Released modifiers are forgotten.
        g.key(LEFT_CTRL, true);
        g.key(LEFT_ALT, true);
        g.key(LEFT_ALT, false);
        assert!(!g.key(BACKSPACE, true));
        assert!(!g.key(30, true), "letters pass");
    }
}
