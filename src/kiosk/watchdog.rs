//! systemd's service watchdog (`Type=notify`, `WatchdogSec`): the UI loop says READY=1 on its
//! first tick and WATCHDOG=1 on every tick, so a hung UI stops the heartbeat and systemd
//! restarts the kiosk. Without `NOTIFY_SOCKET` (not under systemd) nothing is sent.

use sd_notify::NotifyState;

use crate::kiosk::events;

#[derive(Debug, Default)]
pub struct Watchdog {
    ready_sent: bool,
}

impl Watchdog {
    /// What the next beat says: WATCHDOG=1, plus READY=1 the first time.
    pub fn states(&self) -> Vec<NotifyState<'static>> {
        let mut states = vec![NotifyState::Watchdog];
        if !self.ready_sent {
            states.push(NotifyState::Ready);
        }
        states
    }

    /// One heartbeat from the UI loop. A failure is reported once, on the first beat.
    pub fn beat(&mut self) {
        let first = !self.ready_sent;
        if let Err(e) = sd_notify::notify(&self.states()) {
            if first {
                events::warn(format!("无法通知 systemd：{e}"));
            }
        }
        self.ready_sent = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_once_then_only_the_heartbeat() {
        let mut w = Watchdog::default();
        let first = w.states();
        assert!(first.iter().any(|s| matches!(s, NotifyState::Ready)));
        assert!(first.iter().any(|s| matches!(s, NotifyState::Watchdog)));
        // Not under systemd in tests: the beat sends nothing and only remembers READY went.
        w.beat();
        let later = w.states();
        assert!(later.len() == 1 && matches!(later[0], NotifyState::Watchdog));
    }
}
