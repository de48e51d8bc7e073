//! The most recent warnings and errors of this kiosk run, for the technician screen: every
//! `log::warn!`/`log::error!` (Banshi's own, [`warn`], and the libraries') is kept here by the
//! logger (`crate::logging`) besides going to the journal, in a small in-memory ring. Nothing is written to disk; the ring starts empty with
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
/// Warnings and errors since the last [`take_count`] (the heartbeat reports it).
static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// How many warnings and errors were recorded since the last call; starts counting afresh.
pub fn take_count() -> u32 {
    COUNT.swap(0, std::sync::atomic::Ordering::Relaxed)
}

/// Reports a warning: through the `log` facade (so to the journal at priority warning, see
/// [`crate::logging`]), whose logger also keeps it here with the time. Without Banshi's logger
/// (tests, other programs using the library) it goes to stderr and is kept directly.
pub fn warn(message: impl AsRef<str>) {
    let message = message.as_ref();
    if crate::logging::installed() {
        log::warn!("{message}");
    } else {
        eprintln!("banshi: {message}");
        record(message.to_string());
    }
}

/// Keeps `message` in the list with the current time (the logger calls this for every warning
/// and error, Banshi's own and the libraries').
pub fn record(message: String) {
    COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
