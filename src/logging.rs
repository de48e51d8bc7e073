//! Where diagnostics go: every `log` record — Banshi's own and those of the libraries it uses
//! (tough, rustls, hyper, fontdb, the libinput and Slint backends) — goes to the systemd journal
//! with its priority when the process runs under systemd, else to stderr. Warnings and errors
//! also land in the technician screen's recent-warnings list ([`crate::kiosk::events`]), so one
//! `log::warn!` reaches the journal (`journalctl -t banshi-kiosk -p warning`) and the screen.
//!
//! In the journal each record carries `SYSLOG_IDENTIFIER=banshi-kiosk` (what the packaged unit's
//! `SyslogIdentifier=` gives its stdout), `KIOSK_ID` once the config is read, and the crate's
//! `TARGET`/`CODE_*` fields. Priorities: error → err, warn → warning, info → notice, debug →
//! info, trace → debug.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

use log::{Level, LevelFilter, Log, Metadata, Record};
use systemd_journal_logger::JournalLog;

/// The journal's `SYSLOG_IDENTIFIER`, as the packaged unit sets for the kiosk's output.
pub const IDENTIFIER: &str = "banshi-kiosk";

/// Whether [`init`] installed Banshi's logger (then it feeds the recent-warnings list).
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The most detailed level passed on for records of `target`: Banshi's own from info, other
/// crates' (tough and hyper log every request at debug/info, rustls every handshake, fontdb
/// every font it skips) only from warn.
pub fn level_for(target: &str) -> LevelFilter {
    if target == "banshi" || target.starts_with("banshi::") {
        LevelFilter::Info
    } else {
        LevelFilter::Warn
    }
}

/// A record as one stderr line. `journal_prefix`: stderr is a journal stream (systemd without
/// the native socket), which reads a leading `<N>` as the priority.
pub fn stderr_line(level: Level, target: &str, message: &str, journal_prefix: bool) -> String {
    let prefix = if journal_prefix {
        format!("<{}>", priority(level))
    } else {
        String::new()
    };
    if target == "banshi" || target.starts_with("banshi::") {
        format!("{prefix}banshi: {message}")
    } else {
        format!("{prefix}banshi: {target}: {message}")
    }
}

/// The syslog priority the journal shows for `level` (as `systemd-journal-logger` maps it).
pub fn priority(level: Level) -> u8 {
    match level {
        Level::Error => 3,
        Level::Warn => 4,
        Level::Info => 5,
        Level::Debug => 6,
        Level::Trace => 7,
    }
}

/// The line kept for the technician screen: Banshi's own message as it is, another crate's
/// with its name in front.
fn event_line(target: &str, message: &str) -> String {
    if target == "banshi" || target.starts_with("banshi::") {
        message.to_string()
    } else {
        let krate = target.split("::").next().unwrap_or(target);
        format!("{krate}: {message}")
    }
}

struct Logger {
    /// The journal (under systemd, its socket reachable); `None` writes to stderr.
    journal: RwLock<Option<JournalLog>>,
    /// stderr is a journal stream (lines may carry `<N>` priorities).
    stderr_is_journal: bool,
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= level_for(metadata.target())
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let message = record.args().to_string();
        if record.level() <= Level::Warn {
            crate::kiosk::events::record(event_line(record.target(), &message));
        }
        let sent = match self.journal.read() {
            Ok(j) => j.as_ref().is_some_and(|j| j.journal_send(record).is_ok()),
            Err(_) => false,
        };
        if !sent {
            let line = stderr_line(
                record.level(),
                record.target(),
                &message,
                self.stderr_is_journal,
            );
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }

    fn flush(&self) {}
}

static LOGGER: std::sync::OnceLock<Logger> = std::sync::OnceLock::new();

fn journal(kiosk_id: Option<&str>) -> Option<JournalLog> {
    let log = JournalLog::empty()
        .ok()?
        .with_syslog_identifier(IDENTIFIER.to_string());
    Some(match kiosk_id.filter(|id| !id.is_empty()) {
        Some(id) => log.add_extra_field("KIOSK_ID", id),
        None => log,
    })
}

/// Installs the logger: the journal when this process's stderr is a journal stream
/// (`JOURNAL_STREAM` names it, as systemd sets for services) and the journal's socket answers;
/// stderr otherwise (a terminal, tests, a container). Call once, first thing.
pub fn init() {
    let under_systemd = systemd_journal_logger::connected_to_journal();
    let logger = LOGGER.get_or_init(|| Logger {
        journal: RwLock::new(if under_systemd { journal(None) } else { None }),
        stderr_is_journal: under_systemd,
    });
    if log::set_logger(logger).is_ok() {
        log::set_max_level(LevelFilter::Info);
        INSTALLED.store(true, Ordering::SeqCst);
    }
}

/// Whether [`init`] has installed Banshi's logger in this process.
pub fn installed() -> bool {
    INSTALLED.load(Ordering::SeqCst)
}

/// Adds `KIOSK_ID` to every later journal record (called once the config is read).
pub fn set_kiosk_id(id: &str) {
    if let Some(logger) = LOGGER.get() {
        if let Ok(mut j) = logger.journal.write() {
            if j.is_some() {
                *j = journal(Some(id));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banshi_logs_from_info_and_libraries_only_from_warn() {
        assert_eq!(level_for("banshi"), LevelFilter::Info);
        assert_eq!(level_for("banshi::sync::fetch"), LevelFilter::Info);
        for noisy in [
            "tough::editor",
            "rustls::client::hs",
            "fontdb",
            "hyper_util::client",
            "input",
        ] {
            assert_eq!(level_for(noisy), LevelFilter::Warn, "{noisy}");
        }
        assert_eq!(level_for("banshi_other"), LevelFilter::Warn);
    }

    #[test]
    fn priorities_are_the_journals() {
        assert_eq!(priority(Level::Error), 3);
        assert_eq!(priority(Level::Warn), 4);
        assert_eq!(priority(Level::Info), 5);
        assert_eq!(priority(Level::Debug), 6);
        assert_eq!(priority(Level::Trace), 7);
    }

    #[test]
    fn stderr_lines_read_as_before_and_carry_priorities_on_a_journal_stream() {
        assert_eq!(
            stderr_line(Level::Warn, "banshi::store", "坏了", false),
            "banshi: 坏了"
        );
        assert_eq!(
            stderr_line(Level::Error, "rustls::conn", "bad cert", false),
            "banshi: rustls::conn: bad cert"
        );
        assert_eq!(
            stderr_line(Level::Warn, "banshi", "坏了", true),
            "<4>banshi: 坏了"
        );
        assert_eq!(
            stderr_line(Level::Info, "banshi", "好了", true),
            "<5>banshi: 好了"
        );
    }

    #[test]
    fn warnings_of_any_crate_reach_the_recent_list_and_info_does_not() {
        init();
        assert!(installed());
        log::warn!("日志单元测试 warn-1");
        log::error!(target: "tough::schema", "日志单元测试 error-2");
        log::info!("日志单元测试 info-3");
        log::warn!(target: "fontdb", "");
        log::info!(target: "rustls", "日志单元测试 info-4");
        let recent = crate::kiosk::events::recent();
        assert!(
            recent.iter().any(|l| l.ends_with(" 日志单元测试 warn-1")),
            "{recent:?}"
        );
        assert!(
            recent
                .iter()
                .any(|l| l.ends_with(" tough: 日志单元测试 error-2")),
            "{recent:?}"
        );
        assert!(!recent.iter().any(|l| l.contains("info-")), "{recent:?}");
        // events::warn goes through the same logger: recorded once, not twice.
        crate::kiosk::events::warn("日志单元测试 warn-5");
        let recent = crate::kiosk::events::recent();
        assert_eq!(
            recent
                .iter()
                .filter(|l| l.ends_with(" 日志单元测试 warn-5"))
                .count(),
            1
        );
    }
}
