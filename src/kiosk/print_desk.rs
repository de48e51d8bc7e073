//! The kiosk's 打印告知单 decisions, without any UI: whether a slip may be printed now (one at a
//! time, at most one per guide every [`REPEAT`]), and what the resident is told while it prints
//! and after. The printing itself runs on a thread (`print::device::send`).

use std::collections::HashMap;
use std::time::Duration;

use crate::print::device::DeviceError;

/// At most one slip per guide in this long: a second tap, or a child pressing again and again,
/// must not empty the paper roll.
pub const REPEAT: Duration = Duration::from_secs(30);

/// What a press on 打印告知单 leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// Print it.
    Start,
    /// A slip is being printed right now.
    Busy,
    /// This guide's slip was printed moments ago: wait this many more seconds.
    TooSoon(u64),
}

/// The print requests of one kiosk, by time since start (the UI's clock).
#[derive(Debug, Default)]
pub struct PrintDesk {
    printed: HashMap<String, Duration>,
    busy: Option<String>,
}

impl PrintDesk {
    /// The resident asked for guide `guide`'s slip at `now`; on [`Ask::Start`] it counts as
    /// printing until [`PrintDesk::finished`].
    pub fn ask(&mut self, guide: &str, now: Duration) -> Ask {
        if self.busy.is_some() {
            return Ask::Busy;
        }
        if let Some(&at) = self.printed.get(guide) {
            let since = now.saturating_sub(at);
            if since < REPEAT {
                return Ask::TooSoon((REPEAT - since).as_secs().max(1));
            }
        }
        self.busy = Some(guide.to_string());
        Ask::Start
    }

    /// The slip being printed came out (`ok`) or failed. Only a printed slip starts the wait:
    /// after a failure (no paper) staff fix it and the resident can press again at once.
    pub fn finished(&mut self, ok: bool, now: Duration) {
        if let Some(guide) = self.busy.take() {
            if ok {
                self.printed.insert(guide, now);
            }
        }
        self.printed
            .retain(|_, at| now.saturating_sub(*at) < REPEAT);
    }

    pub fn busy(&self) -> bool {
        self.busy.is_some()
    }
}

/// What the message bar says, and for how long (long enough for a slow reader).
pub const MESSAGE_TIME: Duration = Duration::from_secs(20);
pub const PRINTING: &str = "正在打印，请稍候……";
pub const PRINTED: &str = "打印好了，请在打印机出口取走告知单。";
pub const BUSY: &str = "正在打印上一张，请稍候。";
pub const CANNOT: &str = "这份告知单暂时打印不了，请用手机扫上面的二维码。";

pub fn too_soon(seconds: u64) -> String {
    format!("告知单刚刚打印过，请先取走打印机出口的纸条。需要再打一张，请 {seconds} 秒后再按。")
}

pub fn failed(e: &DeviceError) -> String {
    e.resident_text().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn one_slip_per_guide_every_thirty_seconds_and_one_at_a_time() {
        let mut d = PrintDesk::default();
        assert_eq!(d.ask("a", S(100)), Ask::Start);
        assert_eq!(d.ask("b", S(101)), Ask::Busy, "one slip at a time");
        d.finished(true, S(102));
        assert!(!d.busy());
        assert_eq!(d.ask("a", S(110)), Ask::TooSoon(22));
        assert_eq!(d.ask("a", S(131)), Ask::TooSoon(1));
        assert_eq!(d.ask("b", S(110)), Ask::Start, "another guide may print");
        d.finished(true, S(111));
        assert_eq!(
            d.ask("a", S(132)),
            Ask::Start,
            "30 s after the slip came out"
        );
    }

    #[test]
    fn a_failed_slip_can_be_asked_for_again_at_once() {
        let mut d = PrintDesk::default();
        assert_eq!(d.ask("a", S(5)), Ask::Start);
        d.finished(false, S(6));
        assert_eq!(d.ask("a", S(7)), Ask::Start);
    }

    #[test]
    fn wording_says_how_long_and_keeps_the_qr_code_as_the_way_out() {
        assert!(too_soon(12).contains("12 秒"));
        assert!(failed(&DeviceError::PaperOut).contains("没纸"));
        assert!(failed(&DeviceError::Offline).contains("二维码"));
    }
}
