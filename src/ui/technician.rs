//! Wires the technician screens (`Tech` global) to the core: the hidden corner, the PIN pad
//! with its persisted attempt limit, the maintenance screen with the doctor checks, and the
//! touch test. Slow work (the PIN's PBKDF2, the doctor's checks) runs on threads; a short timer
//! picks up their results, so the UI never waits.
//!
//! The PIN's digits stay in `TechState::pin` (Rust) until they go to the check thread; the UI
//! only ever gets their count, and nothing logs them.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::{Rc, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use slint::{ComponentHandle, SharedString, Timer, TimerMode};

use super::adapter::{reset_state, Controller};
use super::{
    convert, AppWindow, KioskUi, Tech, TechCheck, TechFact, TechPoint, TechScreen, TechTarget,
};
use crate::config::Config;
use crate::doctor::{self, Check};
use crate::kiosk::events;
use crate::kiosk::idle::{IdleState, IdleTracker};
use crate::kiosk::pin_lock::{self, Gate, PinLock};
use crate::kiosk::technician::{self as core, CornerHold, HOLD, PIN_MAX, QUIET_CLOSE};
use crate::kiosk::touch_test::{self, TouchTest};

/// How often a pending PIN check or doctor run is looked at.
const POLL: Duration = Duration::from_millis(50);
/// The doctor's network timeout for the server check.
const DOCTOR_TIMEOUT: Duration = Duration::from_secs(5);

/// The technician session; `screen == None` when no technician screen is shown.
pub(super) struct TechState {
    screen: TechScreen,
    hold: CornerHold,
    pin: String,
    /// A lock is on the PIN pad: its countdown is refreshed every tick.
    locked: bool,
    /// Quiet time on the technician screens (closes them after `QUIET_CLOSE`).
    idle: IdleTracker,
    pin_check: Option<JoinHandle<bool>>,
    doctor: Option<JoinHandle<Vec<Check>>>,
    poll: Timer,
    touch: TouchTest,
    /// Set once by the kiosk; kept across sessions.
    links: Links,
}

/// What the kiosk tells the technician screens about itself.
#[derive(Default)]
struct Links {
    /// Asks the sync worker for a sync now.
    sync_now: Option<Box<dyn Fn()>>,
    /// The config file in use (None: whatever `Config::discover` finds).
    config_path: Option<PathBuf>,
}

impl TechState {
    pub(super) fn new() -> TechState {
        TechState {
            screen: TechScreen::None,
            hold: CornerHold::default(),
            pin: String::new(),
            locked: false,
            idle: IdleTracker::new(QUIET_CLOSE, Duration::ZERO, Duration::ZERO),
            pin_check: None,
            doctor: None,
            poll: Timer::default(),
            touch: TouchTest::default(),
            links: Links::default(),
        }
    }

    /// Whether a technician screen is shown (the resident's idle reset then waits).
    pub(super) fn is_open(&self) -> bool {
        self.screen != TechScreen::None
    }

    pub(super) fn activity(&mut self, now: Duration) {
        self.idle.activity(now);
    }

    pub(super) fn pointer(&mut self, down: bool, now: Duration) {
        self.idle.pointer(down, now);
    }
}

type Ctl = Rc<RefCell<Controller>>;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Runs `f` with the window and controller if both still exist.
fn with(
    weak: &slint::Weak<AppWindow>,
    ctl: &Weak<RefCell<Controller>>,
    f: impl FnOnce(&AppWindow, &Ctl),
) {
    if let (Some(w), Some(ctl)) = (weak.upgrade(), ctl.upgrade()) {
        f(&w, &ctl);
    }
}

/// Connects the `Tech` callbacks.
pub(super) fn bind(w: &AppWindow, ctl: &Ctl) {
    let t = w.global::<Tech>();
    let handler = |f: fn(&AppWindow, &Ctl)| {
        let (weak, ctl) = (w.as_weak(), Rc::downgrade(ctl));
        move || with(&weak, &ctl, f)
    };
    let (weak, weak_ctl) = (w.as_weak(), Rc::downgrade(ctl));
    t.on_corner_pressed(move |down| with(&weak, &weak_ctl, |w, ctl| corner_pressed(w, ctl, down)));
    let weak_ctl = Rc::downgrade(ctl);
    t.on_corner_left(move || {
        if let Some(ctl) = weak_ctl.upgrade() {
            ctl.borrow_mut().tech.hold.cancel();
        }
    });
    let (weak, weak_ctl) = (w.as_weak(), Rc::downgrade(ctl));
    t.on_pin_digit(move |d| with(&weak, &weak_ctl, |w, ctl| pin_digit(w, ctl, &d)));
    t.on_pin_delete(handler(|w, ctl| {
        let mut c = ctl.borrow_mut();
        c.tech.pin.pop();
        w.global::<Tech>().set_pin_length(c.tech.pin.len() as i32);
    }));
    t.on_pin_confirm(handler(pin_confirm));
    t.on_pin_cancel(handler(close));
    t.on_close(handler(close));
    t.on_sync_now(handler(sync_now));
    t.on_open_touch_test(handler(open_touch_test));
    t.on_touch_test_back(handler(open_panel_again));
    let (weak, weak_ctl) = (w.as_weak(), Rc::downgrade(ctl));
    t.on_touch(move |x, y, width, height| {
        with(&weak, &weak_ctl, |w, ctl| {
            ctl.borrow_mut().tech.touch.touch(x, y, width, height);
            show_touch_test(w, &ctl.borrow().tech.touch);
        })
    });
}

fn corner_pressed(w: &AppWindow, ctl: &Ctl, down: bool) {
    let mut c = ctl.borrow_mut();
    if !down {
        c.tech.hold.cancel();
        return;
    }
    if c.tech.is_open() {
        return;
    }
    let token = c.tech.hold.press();
    let (weak, weak_ctl) = (w.as_weak(), Rc::downgrade(ctl));
    Timer::single_shot(HOLD, move || {
        with(&weak, &weak_ctl, |w, ctl| {
            let due = ctl.borrow_mut().tech.hold.due(token);
            if due {
                open_pin_pad(w, ctl);
            }
        })
    });
}

/// Starts a technician session on the PIN pad.
pub(super) fn open_pin_pad(w: &AppWindow, ctl: &Ctl) {
    let t = w.global::<Tech>();
    let mut c = ctl.borrow_mut();
    let now = c.now;
    c.tech.idle = IdleTracker::new(QUIET_CLOSE, Duration::ZERO, now);
    c.tech.pin.clear();
    c.tech.screen = TechScreen::Pin;
    let configured = c.config.technician_pin_hash.is_some();
    t.set_pin_configured(configured);
    t.set_pin_length(0);
    t.set_pin_busy(false);
    t.set_pin_message(SharedString::new());
    t.set_screen(TechScreen::Pin);
    if configured {
        drop(c);
        show_lock(w, ctl);
    } else {
        t.set_pin_message(core::NO_PIN_TEXT.into());
    }
}

/// Reads the attempt state and says whether (and how long) the pad is locked.
fn show_lock(w: &AppWindow, ctl: &Ctl) {
    let dir = ctl.borrow().config.data_dir();
    let now = unix_now();
    // A failed save shows up when the next PIN is confirmed (which refuses to check then).
    let (gate, _) = PinLock::update(&dir, now, |lock| lock.gate(now));
    let locked = matches!(gate, Gate::Locked { .. });
    let mut c = ctl.borrow_mut();
    let t = w.global::<Tech>();
    if locked || c.tech.locked {
        // Only lock messages are replaced (a "wrong PIN, N tries left" stays until the next try).
        t.set_pin_message(if locked {
            pin_lock::gate_text(gate).into()
        } else {
            SharedString::new()
        });
    }
    c.tech.locked = locked;
}

fn pin_digit(w: &AppWindow, ctl: &Ctl, digit: &str) {
    let mut c = ctl.borrow_mut();
    if c.tech.pin_check.is_some()
        || c.tech.pin.len() >= PIN_MAX
        || !digit.bytes().all(|b| b.is_ascii_digit())
    {
        return;
    }
    c.tech.pin.push_str(digit);
    w.global::<Tech>().set_pin_length(c.tech.pin.len() as i32);
}

fn pin_confirm(w: &AppWindow, ctl: &Ctl) {
    let t = w.global::<Tech>();
    let mut c = ctl.borrow_mut();
    let Some(hash) = c.config.technician_pin_hash.clone() else {
        return;
    };
    if c.tech.pin_check.is_some() {
        return;
    }
    if crate::pin::check_pin(&c.tech.pin).is_err() {
        t.set_pin_message("PIN 是 4 到 12 位数字。".into());
        return;
    }
    let pin = std::mem::take(&mut c.tech.pin);
    t.set_pin_length(0);
    // Count the attempt, on disk, before checking it.
    let dir = c.config.data_dir();
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
        c.tech.locked = true;
        t.set_pin_message(pin_lock::gate_text(gate).into());
        return;
    }
    match std::thread::Builder::new()
        .name("pin-check".into())
        .spawn(move || crate::pin::verify(&pin, &hash))
    {
        Ok(h) => c.tech.pin_check = Some(h),
        Err(e) => {
            events::warn(format!("无法启动 PIN 核对线程：{e}"));
            return;
        }
    }
    t.set_pin_busy(true);
    t.set_pin_message(SharedString::new());
    drop(c);
    start_polling(w, ctl);
}

fn start_polling(w: &AppWindow, ctl: &Ctl) {
    let (weak, weak_ctl) = (w.as_weak(), Rc::downgrade(ctl));
    ctl.borrow()
        .tech
        .poll
        .start(TimerMode::Repeated, POLL, move || {
            with(&weak, &weak_ctl, |w, ctl| collect(w, ctl, false))
        });
}

/// Applies the results of finished background work (`wait`: wait for unfinished work first).
fn collect(w: &AppWindow, ctl: &Ctl, wait: bool) {
    // The doctor first: a run started by a right PIN below is picked up on a later poll, so
    // "正在检查…" is always shown for a moment.
    let checks = {
        let mut c = ctl.borrow_mut();
        let done = c
            .tech
            .doctor
            .as_ref()
            .is_some_and(|h| wait || h.is_finished());
        if done {
            c.tech.doctor.take()
        } else {
            None
        }
    };
    if let Some(h) = checks {
        let checks = h.join().unwrap_or_default();
        let t = w.global::<Tech>();
        t.set_checks(convert::model(
            checks
                .iter()
                .map(|c| {
                    let (ok, title, detail, hint) = core::check_line(c);
                    TechCheck {
                        ok,
                        title: title.into(),
                        detail: detail.into(),
                        hint: hint.into(),
                    }
                })
                .collect(),
        ));
        t.set_checking(false);
    }
    let pin = {
        let mut c = ctl.borrow_mut();
        let done = c
            .tech
            .pin_check
            .as_ref()
            .is_some_and(|h| wait || h.is_finished());
        if done {
            c.tech.pin_check.take()
        } else {
            None
        }
    };
    if let Some(h) = pin {
        w.global::<Tech>().set_pin_busy(false);
        pin_checked(w, ctl, h.join().unwrap_or(false));
    }
    let c = ctl.borrow();
    if c.tech.pin_check.is_none() && c.tech.doctor.is_none() {
        c.tech.poll.stop();
    }
}

fn pin_checked(w: &AppWindow, ctl: &Ctl, right: bool) {
    let dir = ctl.borrow().config.data_dir();
    let now = unix_now();
    if right {
        if let (_, Err(e)) = PinLock::update(&dir, now, PinLock::succeeded) {
            events::warn(format!("无法保存技术员 PIN 尝试记录：{e}"));
        }
        open_panel(w, ctl);
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
    ctl.borrow_mut().tech.locked = matches!(gate, Gate::Locked { .. });
    w.global::<Tech>()
        .set_pin_message(pin_lock::gate_text(gate).into());
}

/// The maintenance screen, fresh: facts, recent warnings, and the doctor's checks started.
fn open_panel(w: &AppWindow, ctl: &Ctl) {
    let t = w.global::<Tech>();
    {
        let mut c = ctl.borrow_mut();
        c.tech.pin.clear();
        c.tech.screen = TechScreen::Panel;
        c.tech.locked = false;
        t.set_title(format!("技术员维护 · {}", c.config.kiosk_id).into());
        t.set_message(SharedString::new());
        t.set_checks(convert::model(Vec::new()));
        t.set_checking(true);
        let config = c.config.clone();
        let path = c.tech.links.config_path.clone();
        match std::thread::Builder::new()
            .name("doctor".into())
            .spawn(move || run_doctor(config, path))
        {
            Ok(h) => c.tech.doctor = Some(h),
            Err(e) => {
                events::warn(format!("无法启动自检线程：{e}"));
                t.set_checking(false);
            }
        }
    }
    show_facts(w, &ctl.borrow());
    t.set_screen(TechScreen::Panel);
    start_polling(w, ctl);
}

fn run_doctor(config: Config, path: Option<PathBuf>) -> Vec<Check> {
    // Not told: the file the kiosk reads when started without --config.
    let path = path.or_else(|| Config::discover(None).ok().and_then(|(_, p)| p));
    doctor::run(Ok(config), path.as_deref(), DOCTOR_TIMEOUT)
}

/// Facts and recent warnings (again after a sync report, so 上次同步 stays current).
pub(super) fn show_facts(w: &AppWindow, c: &Controller) {
    let t = w.global::<Tech>();
    let hall = w.global::<super::Kiosk>().get_hall_name();
    let facts = core::facts(&c.config, &c.store, &hall);
    t.set_facts(convert::model(
        facts
            .into_iter()
            .map(|f| TechFact {
                label: f.label.into(),
                value: f.value.into(),
            })
            .collect(),
    ));
    t.set_events(convert::model(
        events::recent()
            .into_iter()
            .map(SharedString::from)
            .collect(),
    ));
}

fn sync_now(w: &AppWindow, ctl: &Ctl) {
    let c = ctl.borrow();
    let triggered = match (&c.tech.links.sync_now, c.config.server.is_empty()) {
        (Some(f), false) => {
            f();
            true
        }
        _ => false,
    };
    w.global::<Tech>()
        .set_message(core::sync_now_text(&c.config, triggered).into());
}

fn open_touch_test(w: &AppWindow, ctl: &Ctl) {
    let mut c = ctl.borrow_mut();
    c.tech.touch = TouchTest::default();
    c.tech.screen = TechScreen::TouchTest;
    let t = w.global::<Tech>();
    t.set_target_inset(touch_test::INSET);
    show_touch_test(w, &c.tech.touch);
    t.set_screen(TechScreen::TouchTest);
}

fn show_touch_test(w: &AppWindow, test: &TouchTest) {
    let t = w.global::<Tech>();
    let points: Vec<_> = test.points().collect();
    // Coordinates beside the newest ten dots; older ones are dots only.
    let labelled = points.len().saturating_sub(10);
    t.set_points(convert::model(
        points
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| TechPoint {
                x,
                y,
                label: if i >= labelled {
                    touch_test::point_label(x, y).into()
                } else {
                    SharedString::new()
                },
            })
            .collect(),
    ));
    let hit = test.hit();
    t.set_targets(convert::model(
        touch_test::TARGETS
            .iter()
            .zip(hit)
            .map(|(&(name, fx, fy), hit)| TechTarget {
                name: name.into(),
                fx,
                fy,
                hit,
            })
            .collect(),
    ));
    t.set_last_touch(test.last_text().into());
}

fn open_panel_again(w: &AppWindow, ctl: &Ctl) {
    let mut c = ctl.borrow_mut();
    c.tech.touch = TouchTest::default();
    c.tech.screen = TechScreen::Panel;
    show_touch_test(w, &c.tech.touch);
    show_facts(w, &c);
    w.global::<Tech>().set_screen(TechScreen::Panel);
}

/// Ends the technician session: nothing of it is left, and the kiosk is back home.
pub(super) fn close(w: &AppWindow, ctl: &Ctl) {
    {
        let mut c = ctl.borrow_mut();
        let links = std::mem::take(&mut c.tech.links);
        // Threads still running finish on their own; their results are dropped.
        c.tech = TechState {
            links,
            ..TechState::new()
        };
    }
    let t = w.global::<Tech>();
    t.set_screen(TechScreen::None);
    t.set_pin_length(0);
    t.set_pin_busy(false);
    t.set_pin_message(SharedString::new());
    t.set_title(SharedString::new());
    t.set_facts(convert::model(Vec::new()));
    t.set_checks(convert::model(Vec::new()));
    t.set_checking(false);
    t.set_events(convert::model(Vec::new()));
    t.set_message(SharedString::new());
    show_touch_test(w, &TouchTest::default());
    reset_state(w, ctl);
}

/// Every second: close after a quiet period (never while touched), refresh a lock countdown.
pub(super) fn tick(w: &AppWindow, ctl: &Ctl) {
    let (open, quiet, locked) = {
        let mut c = ctl.borrow_mut();
        let now = c.now;
        let open = c.tech.is_open();
        let quiet = open && c.tech.idle.tick(now, false) != IdleState::Active;
        (
            open,
            quiet,
            c.tech.locked && c.tech.screen == TechScreen::Pin,
        )
    };
    if quiet {
        close(w, ctl);
    } else if open && locked {
        show_lock(w, ctl);
    }
}

impl KioskUi {
    /// How the technician's 立即同步 reaches the sync worker.
    pub fn set_sync_now(&self, trigger: Box<dyn Fn()>) {
        self.ctl.borrow_mut().tech.links.sync_now = Some(trigger);
    }

    /// The config file the kiosk loaded, for the technician screen's checks.
    pub fn set_config_path(&self, path: Option<PathBuf>) {
        self.ctl.borrow_mut().tech.links.config_path = path;
    }

    /// Opens the PIN pad, as the hidden long press does (screenshots).
    pub fn open_pin_pad(&self) {
        open_pin_pad(&self.window, &self.ctl);
    }

    /// Types digits on the PIN pad (screenshots).
    pub fn type_pin(&self, digits: &str) {
        for d in digits.chars() {
            pin_digit(&self.window, &self.ctl, &d.to_string());
        }
    }

    /// Shows the technician screen *without* asking for the PIN: for `banshi screenshot` only,
    /// which renders off screen.
    pub fn open_technician_for_screenshot(&self) {
        self.open_pin_pad();
        open_panel(&self.window, &self.ctl);
    }

    /// Opens the touch test and touches it at the given points (screenshots).
    pub fn touch_test_for_screenshot(&self, touches: &[(f32, f32)]) {
        self.open_technician_for_screenshot();
        open_touch_test(&self.window, &self.ctl);
        let size = self
            .window
            .window()
            .size()
            .to_logical(self.window.window().scale_factor());
        for &(x, y) in touches {
            self.ctl
                .borrow_mut()
                .tech
                .touch
                .touch(x, y, size.width, size.height);
        }
        show_touch_test(&self.window, &self.ctl.borrow().tech.touch);
    }

    /// Ends any technician session (screenshots).
    pub fn close_technician(&self) {
        close(&self.window, &self.ctl);
    }

    /// Waits for the PIN check and the doctor's checks now running and shows their results.
    pub fn finish_background_work(&self) {
        collect(&self.window, &self.ctl, true);
    }
}
