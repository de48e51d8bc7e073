//! The PIN pad: digits stay here, the UI sees their count; each attempt is counted on disk
//! before it is checked (`kiosk::pin_lock`), and the check runs on a thread.

use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use slint::{ComponentHandle, SharedString};

use super::super::session::{handler, Session};
use super::super::{AppWindow, Tech, TechScreen};
use super::{close, open_panel, start_polling};
use crate::kiosk::events;
use crate::kiosk::idle::IdleTracker;
use crate::kiosk::pin_lock::{self, Gate, PinLock};
use crate::kiosk::technician::{self as core, PIN_MAX, QUIET_CLOSE};

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub(super) fn bind(w: &AppWindow, s: &Rc<Session>) {
    let t = w.global::<Tech>();
    t.on_pin_digit(handler(s, |s, w, d: SharedString| digit(w, s, &d)));
    let delete = handler(s, |s, w, ()| {
        let mut tech = s.tech.borrow_mut();
        tech.pin.pop();
        w.global::<Tech>().set_pin_length(tech.pin.len() as i32);
    });
    t.on_pin_delete(move || delete(()));
    let confirm_ = handler(s, |s, w, ()| confirm(w, s));
    t.on_pin_confirm(move || confirm_(()));
    let cancel = handler(s, |s, w, ()| close(w, s));
    t.on_pin_cancel(move || cancel(()));
}

/// Starts a technician session on the PIN pad (what the 3 s hold on the corner does).
pub(in crate::ui) fn open(w: &AppWindow, s: &Session) {
    let t = w.global::<Tech>();
    {
        let mut tech = s.tech.borrow_mut();
        tech.idle = IdleTracker::new(QUIET_CLOSE, Duration::ZERO, s.now.get());
        tech.pin.clear();
        tech.screen = TechScreen::Pin;
    }
    let configured = s.config.technician_pin_hash.is_some();
    t.set_pin_configured(configured);
    t.set_pin_length(0);
    t.set_pin_busy(false);
    t.set_pin_message(SharedString::new());
    t.set_screen(TechScreen::Pin);
    if configured {
        show_lock(w, s);
    } else {
        t.set_pin_message(core::NO_PIN_TEXT.into());
    }
}

/// Reads the attempt state and says whether (and how long) the pad is locked.
pub(super) fn show_lock(w: &AppWindow, s: &Session) {
    let dir = s.config.data_dir();
    let now = unix_now();
    // A failed save shows up when the next PIN is confirmed (which refuses to check then).
    let (gate, _) = PinLock::update(&dir, now, |lock| lock.gate(now));
    let locked = matches!(gate, Gate::Locked { .. });
    let mut tech = s.tech.borrow_mut();
    if locked || tech.locked {
        // Only lock messages are replaced (a "wrong PIN, N tries left" stays until the next try).
        w.global::<Tech>().set_pin_message(if locked {
            pin_lock::gate_text(gate).into()
        } else {
            SharedString::new()
        });
    }
    tech.locked = locked;
}

fn digit(w: &AppWindow, s: &Session, digit: &str) {
    let mut tech = s.tech.borrow_mut();
    if tech.pin_check.is_some()
        || tech.pin.len() >= PIN_MAX
        || !digit.bytes().all(|b| b.is_ascii_digit())
    {
        return;
    }
    tech.pin.push_str(digit);
    w.global::<Tech>().set_pin_length(tech.pin.len() as i32);
}

/// Takes the digits typed for a check, unless a check is running or they are no PIN.
fn take_pin(w: &AppWindow, s: &Session) -> Option<String> {
    let mut tech = s.tech.borrow_mut();
    if tech.pin_check.is_some() {
        return None;
    }
    if crate::pin::check_pin(&tech.pin).is_err() {
        w.global::<Tech>()
            .set_pin_message("PIN 是 4 到 12 位数字。".into());
        return None;
    }
    w.global::<Tech>().set_pin_length(0);
    Some(std::mem::take(&mut tech.pin))
}

fn confirm(w: &AppWindow, s: &Session) {
    let t = w.global::<Tech>();
    let Some(hash) = s.config.technician_pin_hash.clone() else {
        return;
    };
    let Some(pin) = take_pin(w, s) else {
        return;
    };
    // Count the attempt, on disk, before checking it.
    let dir = s.config.data_dir();
    let now = unix_now();
    let (begun, saved) = PinLock::update(&dir, now, |lock| lock.begin_attempt(now));
    if let Err(e) = saved {
        events::warn(format!(
            "无法保存技术员 PIN 尝试记录（{}）：{e}",
            dir.display()
        ));
        t.set_pin_message(
            format!(
                "无法记录 PIN 尝试次数，为安全起见暂不核对。请检查数据目录 {} 是否可写。",
                dir.display()
            )
            .into(),
        );
        return;
    }
    if let Err(gate) = begun {
        s.tech.borrow_mut().locked = true;
        t.set_pin_message(pin_lock::gate_text(gate).into());
        return;
    }
    match std::thread::Builder::new()
        .name("pin-check".into())
        .spawn(move || crate::pin::verify(&pin, &hash))
    {
        Ok(h) => s.tech.borrow_mut().pin_check = Some(h),
        Err(e) => {
            events::warn(format!("无法启动 PIN 核对线程：{e}"));
            return;
        }
    }
    t.set_pin_busy(true);
    t.set_pin_message(SharedString::new());
    start_polling(w, s);
}

/// The check thread's answer: the maintenance screen, or how many tries are left / the lock.
pub(super) fn checked(w: &AppWindow, s: &Session, right: bool) {
    let dir = s.config.data_dir();
    let now = unix_now();
    if right {
        if let (_, Err(e)) = PinLock::update(&dir, now, PinLock::succeeded) {
            events::warn(format!("无法保存技术员 PIN 尝试记录：{e}"));
        }
        open_panel(w, s);
        return;
    }
    let (gate, _) = PinLock::update(&dir, now, |lock| lock.gate(now));
    events::warn(match gate {
        Gate::Locked { secs_left, .. } => format!(
            "技术员 PIN 输入错误，PIN 输入已锁定 {}",
            pin_lock::wait_text(secs_left)
        ),
        Gate::Open { .. } => "技术员 PIN 输入错误".to_string(),
    });
    s.tech.borrow_mut().locked = matches!(gate, Gate::Locked { .. });
    w.global::<Tech>()
        .set_pin_message(pin_lock::gate_text(gate).into());
}
