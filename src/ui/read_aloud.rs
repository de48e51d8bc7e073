//! The `ReadAloud` global: the 朗读 control of the guide and notice pages and the highlighted
//! block. The reading itself (segments, states, threads) is `kiosk::read_aloud`; a 50 ms timer
//! runs only while something is read and follows it onto the screen.

use std::rc::Rc;
use std::time::Duration;

use slint::{ComponentHandle, TimerMode};

use super::session::{handler, Session};
use super::{AppWindow, ReadAloud as Global, ReadState};
use crate::kiosk::events;
use crate::kiosk::nav::Route;
use crate::kiosk::read_aloud::{guide_segments, notice_segments, ReadAloud, Segment, State};
use crate::speech::Speech;

/// How often the screen follows the reading.
const POLL: Duration = Duration::from_millis(50);

/// What the technician's sound test says.
pub(super) const SOUND_TEST: &str =
    "声音测试。您好，这里是政务服务中心办事终端，现在为您朗读办事指南。咨询电话：12345。";

pub(super) fn bind(w: &AppWindow, s: &Rc<Session>) {
    let g = w.global::<Global>();
    let start_ = handler(s, |s, w, ()| start(w, s));
    g.on_start(move || start_(()));
    let pause = handler(s, |s, w, ()| {
        s.read_aloud.borrow_mut().pause();
        publish(w, s);
    });
    g.on_pause(move || pause(()));
    let resume = handler(s, |s, w, ()| {
        s.read_aloud.borrow_mut().resume();
        follow(w, s);
    });
    g.on_resume(move || resume(()));
    let stop_ = handler(s, |s, w, ()| stop(w, s));
    g.on_stop(move || stop_(()));
    publish(w, s);
}

/// Replaces the voice and sound output (or the reason there is none).
pub(super) fn set_speech(w: &AppWindow, s: &Session, speech: Result<Speech, String>) {
    if let Err(e) = &speech {
        log::info!("朗读不可用，不显示朗读按钮：{e}");
    }
    *s.read_aloud.borrow_mut() = ReadAloud::new(speech);
    publish(w, s);
}

/// 朗读 pressed: the page shown, from its top.
fn start(w: &AppWindow, s: &Session) {
    let segments = s.store.read(|_| -> anyhow::Result<Vec<Segment>> {
        Ok(match s.route() {
            Route::Guide(id) => s
                .store
                .guide(&s.scope(), &id)?
                .map(|g| guide_segments(&g))
                .unwrap_or_default(),
            Route::Notice(id) => s
                .store
                .notice(&id)?
                .map(|n| notice_segments(&n))
                .unwrap_or_default(),
            _ => Vec::new(),
        })
    });
    match segments {
        Ok(segments) => read(w, s, segments),
        Err(e) => events::warn(format!("无法朗读这一页：{e:#}")),
    }
}

/// Reads `segments` (the page's, or the technician's sound test).
pub(super) fn read(w: &AppWindow, s: &Session, segments: Vec<Segment>) {
    s.read_aloud.borrow_mut().start(segments);
    follow(w, s);
}

/// Stops any reading (Back, Home, another page, the idle reset, 停止).
pub(super) fn stop(w: &AppWindow, s: &Session) {
    s.read_aloud.borrow_mut().stop();
    s.read_timer.stop();
    publish(w, s);
}

/// Whether a reading is sounding (it keeps the kiosk from the idle reset meanwhile).
pub(super) fn reading(s: &Session) -> bool {
    matches!(s.read_aloud.borrow().state(), State::Reading(_))
}

/// Shows the reading and follows it until it ends.
fn follow(w: &AppWindow, s: &Session) {
    publish(w, s);
    let session = s.weak();
    s.read_timer.start(TimerMode::Repeated, POLL, move || {
        if let Some(s) = session.upgrade() {
            s.with_window(|w| poll(w, &s));
        }
    });
}

fn poll(w: &AppWindow, s: &Session) {
    let (state, error) = {
        let mut r = s.read_aloud.borrow_mut();
        (r.poll(), r.take_error())
    };
    if let Some(e) = error {
        events::warn(format!("朗读出错：{e}"));
        s.message(w, "朗读暂时出了问题，请看屏幕上的文字，或问窗口工作人员。");
    }
    if state == State::Idle {
        s.read_timer.stop();
    }
    publish(w, s);
}

fn publish(w: &AppWindow, s: &Session) {
    let r = s.read_aloud.borrow();
    let g = w.global::<Global>();
    g.set_available(r.available());
    g.set_state(match r.state() {
        State::Idle => ReadState::Idle,
        State::Reading(_) => ReadState::Reading,
        State::Paused(_) => ReadState::Paused,
    });
    g.set_block(r.block().unwrap_or(-1));
}
