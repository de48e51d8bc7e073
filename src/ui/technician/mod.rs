//! The technician screens (`Tech` global): the hidden corner, the PIN pad with its persisted
//! attempt limit (`pin_pad`), the maintenance screen with the doctor's checks, and the touch
//! test (`touch_test`). Slow work (the PIN's PBKDF2, the doctor's checks) runs on threads; a
//! short timer picks up their results, so the UI never waits.
//!
//! The PIN's digits stay in `TechState::pin` (Rust) until they go to the check thread; the UI
//! only ever gets their count, and nothing logs them.

mod pin_pad;
mod touch_test;

use std::path::PathBuf;
use std::rc::Rc;
use std::thread::JoinHandle;
use std::time::Duration;

use slint::{ComponentHandle, SharedString, Timer, TimerMode};

use super::session::{handler, Session};
use super::{convert, shell, AppWindow, Tech, TechCheck, TechFact, TechScreen};
use crate::config::Config;
use crate::doctor::{self, Check};
use crate::kiosk::events;
use crate::kiosk::idle::{IdleState, IdleTracker};
use crate::kiosk::read_aloud::Segment;
use crate::kiosk::technician::{self as core, CornerHold, QUIET_CLOSE};
use crate::kiosk::touch_test::TouchTest;

pub(super) use pin_pad::open as open_pin_pad;

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
    pub links: Links,
}

/// What the kiosk tells the technician screens about itself.
#[derive(Default)]
pub(super) struct Links {
    /// Asks the sync worker for a sync now.
    pub sync_now: Option<Box<dyn Fn()>>,
    /// The config file in use (None: whatever `Config::discover` finds).
    pub config_path: Option<PathBuf>,
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

/// Connects the `Tech` callbacks.
pub(super) fn bind(w: &AppWindow, s: &Rc<Session>) {
    let t = w.global::<Tech>();
    t.on_corner_pressed(handler(s, |s, w, down| corner_pressed(w, s, down)));
    let left = handler(s, |s, _, ()| s.tech.borrow_mut().hold.cancel());
    t.on_corner_left(move || left(()));
    pin_pad::bind(w, s);
    let close_ = handler(s, |s, w, ()| close(w, s));
    t.on_close(move || close_(()));
    let sync = handler(s, |s, w, ()| sync_now(w, s));
    t.on_sync_now(move || sync(()));
    let sound = handler(s, |s, w, ()| sound_test(w, s));
    t.on_sound_test(move || sound(()));
    touch_test::bind(w, s);
}

fn corner_pressed(w: &AppWindow, s: &Session, down: bool) {
    let token = {
        let mut tech = s.tech.borrow_mut();
        if !down {
            tech.hold.cancel();
            return;
        }
        if tech.is_open() {
            return;
        }
        tech.hold.press()
    };
    let weak = w.as_weak();
    let session = s.weak();
    Timer::single_shot(core::HOLD, move || {
        if let (Some(w), Some(s)) = (weak.upgrade(), session.upgrade()) {
            let due = s.tech.borrow_mut().hold.due(token);
            if due {
                open_pin_pad(&w, &s);
            }
        }
    });
}

/// Starts the timer that picks up finished background work.
fn start_polling(w: &AppWindow, s: &Session) {
    let weak = w.as_weak();
    let session = s.weak();
    s.tech
        .borrow()
        .poll
        .start(TimerMode::Repeated, POLL, move || {
            if let (Some(w), Some(s)) = (weak.upgrade(), session.upgrade()) {
                collect(&w, &s, false);
            }
        });
}

/// Applies the results of finished background work (`wait`: wait for unfinished work first).
pub(super) fn collect(w: &AppWindow, s: &Session, wait: bool) {
    // The doctor first: a run started by a right PIN below is picked up on a later poll, so
    // "正在检查…" is always shown for a moment.
    let doctor = {
        let mut tech = s.tech.borrow_mut();
        let done = tech
            .doctor
            .as_ref()
            .is_some_and(|h| wait || h.is_finished());
        if done {
            tech.doctor.take()
        } else {
            None
        }
    };
    if let Some(h) = doctor {
        show_checks(w, &h.join().unwrap_or_default());
    }
    let pin = {
        let mut tech = s.tech.borrow_mut();
        let done = tech
            .pin_check
            .as_ref()
            .is_some_and(|h| wait || h.is_finished());
        if done {
            tech.pin_check.take()
        } else {
            None
        }
    };
    if let Some(h) = pin {
        w.global::<Tech>().set_pin_busy(false);
        pin_pad::checked(w, s, h.join().unwrap_or(false));
    }
    let tech = s.tech.borrow();
    if tech.pin_check.is_none() && tech.doctor.is_none() {
        tech.poll.stop();
    }
}

fn show_checks(w: &AppWindow, checks: &[Check]) {
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

/// The maintenance screen, fresh: facts, recent warnings, and the doctor's checks started.
fn open_panel(w: &AppWindow, s: &Session) {
    let t = w.global::<Tech>();
    {
        let mut tech = s.tech.borrow_mut();
        tech.pin.clear();
        tech.screen = TechScreen::Panel;
        tech.locked = false;
        t.set_title(format!("技术员维护 · {}", s.config.kiosk_id).into());
        t.set_message(SharedString::new());
        t.set_checks(convert::model(Vec::new()));
        t.set_checking(true);
        let config = s.config.clone();
        let path = tech.links.config_path.clone();
        match std::thread::Builder::new()
            .name("doctor".into())
            .spawn(move || run_doctor(config, path))
        {
            Ok(h) => tech.doctor = Some(h),
            Err(e) => {
                events::warn(format!("无法启动自检线程：{e}"));
                t.set_checking(false);
            }
        }
    }
    show_facts(w, s);
    t.set_screen(TechScreen::Panel);
    start_polling(w, s);
}

fn run_doctor(config: Config, path: Option<PathBuf>) -> Vec<Check> {
    // Not told: the file the kiosk reads when started without --config.
    let path = path.or_else(|| Config::discover(None).ok().and_then(|(_, p)| p));
    doctor::run(Ok(config), path.as_deref(), DOCTOR_TIMEOUT)
}

/// Facts and recent warnings (again after a sync report, so 上次同步 stays current).
pub(super) fn show_facts(w: &AppWindow, s: &Session) {
    let t = w.global::<Tech>();
    let facts = core::facts(&s.config, &s.store, &shell::hall_name(w));
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

fn sync_now(w: &AppWindow, s: &Session) {
    let tech = s.tech.borrow();
    let triggered = match (&tech.links.sync_now, s.config.server.is_empty()) {
        (Some(f), false) => {
            f();
            true
        }
        _ => false,
    };
    w.global::<Tech>()
        .set_message(core::sync_now_text(&s.config, triggered).into());
}

/// 声音测试: a fixed sentence through the 朗读 voice, or why the kiosk cannot read aloud.
fn sound_test(w: &AppWindow, s: &Session) {
    let (text, volume) = {
        let r = s.read_aloud.borrow();
        match (r.speech(), r.unavailable_reason()) {
            (Some(sp), _) => (
                core::sound_test_text(&sp.voice.describe(), sp.volume, None),
                true,
            ),
            (None, reason) => (core::sound_test_text("", 0, reason), false),
        }
    };
    if volume {
        super::read_aloud::read(
            w,
            s,
            vec![Segment {
                block: -1,
                text: super::read_aloud::SOUND_TEST.into(),
            }],
        );
    }
    w.global::<Tech>().set_message(text.into());
}

/// Back from the touch test to the maintenance screen.
fn open_panel_again(w: &AppWindow, s: &Session) {
    {
        let mut tech = s.tech.borrow_mut();
        tech.touch = TouchTest::default();
        tech.screen = TechScreen::Panel;
        touch_test::show(w, &tech.touch);
    }
    show_facts(w, s);
    w.global::<Tech>().set_screen(TechScreen::Panel);
}

/// Ends the technician session: nothing of it is left, and the kiosk is back home.
pub(super) fn close(w: &AppWindow, s: &Session) {
    {
        let mut tech = s.tech.borrow_mut();
        let links = std::mem::take(&mut tech.links);
        // Threads still running finish on their own; their results are dropped.
        *tech = TechState {
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
    touch_test::show(w, &TouchTest::default());
    s.reset(w);
}

/// Every second: close after a quiet period (never while touched), refresh a lock countdown.
pub(super) fn tick(w: &AppWindow, s: &Session) {
    let (open, quiet, locked) = {
        let mut tech = s.tech.borrow_mut();
        let open = tech.is_open();
        let quiet = open && tech.idle.tick(s.now.get(), false) != IdleState::Active;
        (open, quiet, tech.locked && tech.screen == TechScreen::Pin)
    };
    if quiet {
        close(w, s);
    } else if open && locked {
        pin_pad::show_lock(w, s);
    }
}
