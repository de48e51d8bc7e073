//! The overlays' globals: the idle warning (`IdleWarning`) and the setup / waiting cover
//! (`SetupCover`). The PIN pad belongs to the technician screens (`technician/`).

use std::rc::Rc;

use slint::{ComponentHandle, SharedString};

use super::session::{handler, Session};
use super::{AppWindow, IdleWarning, SetupCover};
use crate::kiosk::wording;

pub(super) fn bind(w: &AppWindow, s: &Rc<Session>) {
    let keep = handler(s, |s, w, ()| {
        s.idle.borrow_mut().activity(s.now.get());
        hide_idle_warning(w);
    });
    w.global::<IdleWarning>()
        .on_continue_session(move || keep(()));
}

pub(super) fn show_idle_warning(w: &AppWindow, seconds_left: u64) {
    let g = w.global::<IdleWarning>();
    g.set_seconds_left(seconds_left as i32);
    g.set_text(wording::idle_warning(seconds_left).into());
    g.set_shown(true);
}

pub(super) fn hide_idle_warning(w: &AppWindow) {
    w.global::<IdleWarning>().set_shown(false);
}

/// Covers the screen with the setup note (`waiting`: a new kiosk waiting for its county's
/// first content; otherwise a configuration problem); an empty note removes the cover.
pub(super) fn show_cover(w: &AppWindow, waiting: bool, note: &str) {
    let g = w.global::<SetupCover>();
    g.set_waiting(waiting && !note.is_empty());
    g.set_message(SharedString::from(note));
}

/// Whether the cover is up because the kiosk waits for its first content.
pub(super) fn waiting(w: &AppWindow) -> bool {
    w.global::<SetupCover>().get_waiting()
}
