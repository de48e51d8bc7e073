//! When to warn and when to reset after nobody has touched the screen.
//!
//! The tracker is fed with touches, finger-down/up and the passing of time; it never reads a
//! clock itself, so tests drive it with exact times. Rules:
//! - Any touch or scroll movement restarts the quiet period.
//! - While a finger is down nothing happens, however long.
//! - After `timeout` of quiet, warn for `warning` (at least 20 s, WCAG 2.2.1), then reset.
//! - A screen with nothing to clear (home, default settings) is never warned or reset.

use std::time::Duration;

/// The minimum time a resident gets to answer the warning.
pub const MIN_WARNING: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleState {
    Active,
    /// Show the warning with this many whole seconds left.
    Warning(u32),
    /// Reset to home now and clear all state.
    Reset,
}

#[derive(Debug, Clone)]
pub struct IdleTracker {
    timeout: Duration,
    warning: Duration,
    last_activity: Duration,
    fingers_down: u32,
}

impl IdleTracker {
    /// `warning` shorter than [`MIN_WARNING`] is raised to it.
    pub fn new(timeout: Duration, warning: Duration, now: Duration) -> Self {
        IdleTracker {
            timeout,
            warning: warning.max(MIN_WARNING),
            last_activity: now,
            fingers_down: 0,
        }
    }

    pub fn activity(&mut self, now: Duration) {
        self.last_activity = self.last_activity.max(now);
    }

    pub fn pointer(&mut self, down: bool, now: Duration) {
        if down {
            self.fingers_down += 1;
        } else {
            self.fingers_down = self.fingers_down.saturating_sub(1);
        }
        self.activity(now);
    }

    /// How long the screen must have been quiet for the warning to show `left` to go.
    pub fn quiet_before(&self, left: Duration) -> Duration {
        self.timeout + self.warning - left.min(self.warning)
    }

    pub fn finger_down(&self) -> bool {
        self.fingers_down > 0
    }

    /// What the screen should show at `now`. `at_rest` means there is nothing to clear.
    pub fn tick(&mut self, now: Duration, at_rest: bool) -> IdleState {
        if self.fingers_down > 0 || at_rest {
            self.last_activity = self.last_activity.max(now);
            return IdleState::Active;
        }
        let quiet = now.saturating_sub(self.last_activity);
        if quiet < self.timeout {
            IdleState::Active
        } else if quiet < self.timeout + self.warning {
            let left = self.timeout + self.warning - quiet;
            IdleState::Warning(left.as_secs_f64().ceil() as u32)
        } else {
            self.last_activity = now;
            self.fingers_down = 0;
            IdleState::Reset
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn quiet_before_gives_the_warning_asked_for() {
        let mut t = IdleTracker::new(s(60), s(30), s(0));
        let q = t.quiet_before(s(25));
        assert_eq!(q, s(65));
        assert_eq!(t.tick(q, false), IdleState::Warning(25));
        // Never more than the whole warning.
        assert_eq!(t.quiet_before(s(99)), s(60));
    }

    #[test]
    fn warns_after_timeout_then_resets_after_warning() {
        let mut t = IdleTracker::new(s(60), s(30), s(0));
        assert_eq!(t.tick(s(59), false), IdleState::Active);
        assert_eq!(t.tick(s(60), false), IdleState::Warning(30));
        assert_eq!(t.tick(s(75), false), IdleState::Warning(15));
        assert_eq!(t.tick(s(90), false), IdleState::Reset);
        assert_eq!(
            t.tick(s(91), false),
            IdleState::Active,
            "a reset starts a new quiet period"
        );
    }

    #[test]
    fn touch_during_warning_continues_the_session() {
        let mut t = IdleTracker::new(s(60), s(30), s(0));
        assert!(matches!(t.tick(s(70), false), IdleState::Warning(_)));
        t.activity(s(71));
        assert_eq!(t.tick(s(72), false), IdleState::Active);
        assert_eq!(t.tick(s(130), false), IdleState::Active);
        assert!(matches!(t.tick(s(131), false), IdleState::Warning(_)));
    }

    #[test]
    fn never_resets_while_a_finger_is_down() {
        let mut t = IdleTracker::new(s(60), s(30), s(0));
        t.pointer(true, s(1));
        for minute in 1..30 {
            assert_eq!(t.tick(s(minute * 60), false), IdleState::Active);
        }
        t.pointer(false, s(1800));
        assert_eq!(t.tick(s(1859), false), IdleState::Active);
        assert!(matches!(t.tick(s(1860), false), IdleState::Warning(_)));
    }

    #[test]
    fn warning_is_never_shorter_than_twenty_seconds() {
        let mut t = IdleTracker::new(s(10), s(3), s(0));
        assert_eq!(t.tick(s(10), false), IdleState::Warning(20));
        assert_eq!(t.tick(s(29), false), IdleState::Warning(1));
        assert_eq!(t.tick(s(30), false), IdleState::Reset);
    }

    #[test]
    fn nothing_to_clear_means_no_warning() {
        let mut t = IdleTracker::new(s(10), s(20), s(0));
        assert_eq!(t.tick(s(500), true), IdleState::Active);
        assert_eq!(
            t.tick(s(505), false),
            IdleState::Active,
            "quiet time restarts when leaving rest"
        );
    }
}
