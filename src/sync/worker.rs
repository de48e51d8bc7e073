//! The kiosk's background sync thread: sync at start, then every interval; after failures it
//! retries sooner, backing off exponentially (with jitter, so a county's kiosks coming back
//! from a power cut do not all hit the server in the same second). The UI is told about every
//! result through a callback and never waits for the network.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{run_once, Options, Report, Status};

/// First retry delay after a failure; doubles with every further failure up to the interval.
const FIRST_RETRY: Duration = Duration::from_secs(30);

enum Command {
    SyncNow,
    Stop,
}

pub struct Worker {
    tx: Sender<Command>,
    handle: Option<JoinHandle<()>>,
}

/// A random factor in [1 - spread, 1 + spread].
pub fn jitter(d: Duration, spread: f64) -> Duration {
    let mut b = [0u8; 4];
    let r = if aws_lc_rs::rand::fill(&mut b).is_ok() {
        u32::from_le_bytes(b) as f64 / u32::MAX as f64
    } else {
        0.5
    };
    d.mul_f64(1.0 - spread + 2.0 * spread * r)
}

/// How long to wait after a sync that ended with `status`, after `failures` failures in a row.
pub fn next_delay(status: Status, failures: u32, interval: Duration) -> Duration {
    let base = if status.is_failure() || status == Status::Expired {
        FIRST_RETRY
            .saturating_mul(1u32 << failures.min(16))
            .min(interval)
    } else {
        interval
    };
    jitter(base, 0.2)
}

impl Worker {
    /// Starts the thread. `on_report` runs on the worker thread after every sync.
    pub fn spawn(
        opts: Options,
        interval: Duration,
        on_report: impl Fn(Report) + Send + 'static,
    ) -> std::io::Result<Worker> {
        let (tx, rx) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || {
                let mut failures = 0u32;
                loop {
                    let report = run_once(&opts);
                    let status = report.status;
                    on_report(report);
                    failures = if status.is_failure() {
                        failures.saturating_add(1)
                    } else {
                        0
                    };
                    match rx.recv_timeout(next_delay(status, failures.saturating_sub(1), interval))
                    {
                        Ok(Command::SyncNow) | Err(RecvTimeoutError::Timeout) => continue,
                        Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            })?;
        Ok(Worker {
            tx,
            handle: Some(handle),
        })
    }

    /// Asks for a sync now (technician's "sync now").
    pub fn sync_now(&self) {
        let _ = self.tx.send(Command::SyncNow);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.tx.send(Command::Stop);
        // A sync in progress ends by its deadline; do not hold up the exit for it.
        drop(self.handle.take());
    }
}

/// The sync report waiting for the UI's next tick. The sync thread offers every report; the UI
/// takes the waiting one. One rule: a report that only says "nothing new" (up to date, offline,
/// …) must not replace an "updated" the UI has not taken yet, or the kiosk would keep showing
/// the old content until the next update.
#[derive(Clone, Default)]
pub struct Inbox(Arc<Mutex<Option<Report>>>);

impl Inbox {
    pub fn new() -> Inbox {
        Inbox::default()
    }

    /// Leaves `report` for the UI, unless an "updated" is still waiting.
    pub fn offer(&self, report: Report) {
        if let Ok(mut slot) = self.0.lock() {
            if slot.as_ref().is_none_or(|r| r.status != Status::Updated) {
                *slot = Some(report);
            }
        }
    }

    /// The waiting report, if any; the inbox is empty afterwards.
    pub fn take(&self) -> Option<Report> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// An inbox over a slot the UI already shares (`ui::SyncInbox`).
impl From<Arc<Mutex<Option<Report>>>> for Inbox {
    fn from(slot: Arc<Mutex<Option<Report>>>) -> Inbox {
        Inbox(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_interval_with_bounded_jitter() {
        let interval = Duration::from_secs(900);
        for _ in 0..50 {
            let d0 = next_delay(Status::Offline, 0, interval);
            assert!(
                d0 >= Duration::from_secs(24) && d0 <= Duration::from_secs(36),
                "{d0:?}"
            );
            let d3 = next_delay(Status::Offline, 3, interval);
            assert!(
                d3 >= Duration::from_secs(192) && d3 <= Duration::from_secs(288),
                "{d3:?}"
            );
            let d9 = next_delay(Status::Rejected, 9, interval);
            assert!(
                d9 >= Duration::from_secs(720) && d9 <= Duration::from_secs(1080),
                "{d9:?}"
            );
            let ok = next_delay(Status::UpToDate, 0, interval);
            assert!(ok >= Duration::from_secs(720), "{ok:?}");
        }
    }

    fn report(status: Status, version: u64) -> Report {
        Report {
            status,
            version: Some(version),
            bytes_downloaded: 0,
            error: None,
            apply_seconds: 0.0,
            phases: Default::default(),
        }
    }

    #[test]
    fn an_update_the_ui_has_not_seen_is_not_overwritten() {
        let inbox = Inbox::new();
        assert!(inbox.take().is_none());
        inbox.offer(report(Status::Updated, 7));
        for later in [
            Status::UpToDate,
            Status::Offline,
            Status::Expired,
            Status::Error,
        ] {
            inbox.offer(report(later, 7));
        }
        let got = inbox.take().unwrap();
        assert_eq!((got.status, got.version), (Status::Updated, Some(7)));
        assert!(inbox.take().is_none(), "taken means gone");
        // Once seen, the next report is kept as usual.
        inbox.offer(report(Status::UpToDate, 7));
        assert_eq!(inbox.take().unwrap().status, Status::UpToDate);
    }

    #[test]
    fn other_reports_replace_each_other_and_an_update_replaces_them() {
        let inbox = Inbox::new();
        inbox.offer(report(Status::Offline, 3));
        inbox.offer(report(Status::UpToDate, 3));
        assert_eq!(inbox.take().unwrap().status, Status::UpToDate);
        inbox.offer(report(Status::Offline, 3));
        inbox.offer(report(Status::Updated, 4));
        inbox.offer(report(Status::Offline, 4));
        let got = inbox.take().unwrap();
        assert_eq!((got.status, got.version), (Status::Updated, Some(4)));
    }

    #[test]
    fn the_inbox_shares_the_uis_slot() {
        let slot = Arc::new(Mutex::new(None));
        let inbox = Inbox::from(slot.clone());
        inbox.offer(report(Status::Updated, 2));
        assert_eq!(
            slot.lock().unwrap().as_ref().map(|r| r.status),
            Some(Status::Updated)
        );
    }
}
