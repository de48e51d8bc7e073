//! The most recent warnings and errors of this kiosk run, for the technician screen. Every
//! warning site calls [`warn`], which prints to stderr (the journal) as before and keeps the
//! message in a small in-memory ring. Nothing is written to disk; the ring starts empty with
//! each run.

use std::collections::VecDeque;
use std::sync::Mutex;

/// How many messages are kept (and shown).
pub const KEPT: usize = 20;

/// A bounded list of messages, oldest dropped first.
#[derive(Debug, Clone)]
pub struct Ring {
    cap: usize,
    items: VecDeque<String>,
}

impl Ring {
    pub const fn new(cap: usize) -> Ring {
        Ring {
            cap,
            items: VecDeque::new(),
        }
    }

    pub fn push(&mut self, line: String) {
        if self.items.len() == self.cap {
            self.items.pop_front();
        }
        self.items.push_back(line);
    }

    /// Newest first.
    pub fn newest_first(&self) -> Vec<String> {
        self.items.iter().rev().cloned().collect()
    }
}

static RECENT: Mutex<Ring> = Mutex::new(Ring::new(KEPT));

/// Reports a warning or error: to stderr, and to the technician screen's list with the time.
pub fn warn(message: impl AsRef<str>) {
    let message = message.as_ref();
    eprintln!("banshi: {message}");
    let line = format!(
        "{} {message}",
        chrono::Local::now().format("%m-%d %H:%M:%S")
    );
    if let Ok(mut r) = RECENT.lock() {
        r.push(line);
    }
}

/// The messages of this run, newest first (at most [`KEPT`]).
pub fn recent() -> Vec<String> {
    RECENT.lock().map(|r| r.newest_first()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_newest_and_lists_them_first() {
        let mut r = Ring::new(3);
        for i in 1..=5 {
            r.push(format!("m{i}"));
        }
        assert_eq!(r.newest_first(), ["m5", "m4", "m3"]);
    }

    #[test]
    fn warnings_are_kept_with_their_time() {
        warn("测试警告 events-unit");
        let recent = recent();
        assert!(recent.len() <= KEPT);
        assert!(
            recent.iter().any(|l| l.ends_with(" 测试警告 events-unit")),
            "{recent:?}"
        );
    }
}
