//! The `Shell` global: page switching, text size, the header (names, clock), the status line,
//! the message bar and the bottom bar's buttons, plus touches and activity.

use std::rc::Rc;

use slint::{ComponentHandle, SharedString};

use super::session::{handler, Session};
use super::{overlays, AppWindow, Page, Shell, StatusKind};
use crate::kiosk::nav::Route;
use crate::kiosk::status::{self, SyncState};
use crate::kiosk::wording;
use crate::store::HomeView;

pub(super) fn bind(w: &AppWindow, s: &Rc<Session>) {
    let g = w.global::<Shell>();
    let back = handler(s, |s, _, ()| s.back());
    g.on_go_back(move || back(()));
    let home = handler(s, |s, _, ()| s.home());
    g.on_go_home(move || home(()));
    let notices = handler(s, |s, _, ()| s.open(Route::Notices(String::new())));
    g.on_open_notices(move || notices(()));
    g.on_toggle_large_text({
        let weak = w.as_weak();
        move || {
            if let Some(w) = weak.upgrade() {
                let g = w.global::<Shell>();
                g.set_large_text(!g.get_large_text());
            }
        }
    });
    let activity = handler(s, |s, _, ()| s.activity());
    g.on_activity(move || activity(()));
    let pointer = handler(s, |s, _, down| s.pointer(down));
    g.on_pointer(pointer);
}

pub(super) fn set_page(w: &AppWindow, page: Page) {
    w.global::<Shell>().set_page(page);
}

pub(super) fn set_message(w: &AppWindow, text: &str) {
    w.global::<Shell>().set_message(text.into());
}

pub(super) fn large_text(w: &AppWindow) -> bool {
    w.global::<Shell>().get_large_text()
}

pub(super) fn set_large_text(w: &AppWindow, on: bool) {
    w.global::<Shell>().set_large_text(on);
}

/// Back to the configured text size, no message.
pub(super) fn reset(w: &AppWindow, large_text: bool) {
    let g = w.global::<Shell>();
    g.set_large_text(large_text);
    g.set_message(SharedString::new());
}

/// The header's names (and the window title) from the home view.
pub(super) fn show_header(w: &AppWindow, s: &Session, home: &HomeView) -> anyhow::Result<()> {
    let address = if home.place_name.is_empty() {
        s.store.meta("hall_address")?
    } else {
        None
    };
    let (hall, place) = wording::header(home, s.config.hall_name.as_deref(), address);
    let g = w.global::<Shell>();
    g.set_window_title(wording::window_title(&hall).into());
    g.set_hall_name(hall.into());
    g.set_place_name(place.into());
    Ok(())
}

pub(super) fn hall_name(w: &AppWindow) -> SharedString {
    w.global::<Shell>().get_hall_name()
}

/// The live clock (unless frozen for screenshots).
pub(super) fn update_clock(w: &AppWindow, s: &Session) {
    if s.clock_frozen.get() {
        return;
    }
    let (time, date) = wording::clock(&chrono::Local::now());
    set_clock(w, &time, &date);
}

pub(super) fn set_clock(w: &AppWindow, time: &str, date: &str) {
    let g = w.global::<Shell>();
    g.set_clock_time(time.into());
    g.set_clock_date(date.into());
}

/// The content status line (version, last check, offline, expired), and the waiting cover of a
/// kiosk whose county's content has not arrived yet (never the bundled sample county).
pub(super) fn update_status(w: &AppWindow, s: &Session) {
    let state = SyncState::read(&s.store, !s.config.server.is_empty());
    let (text, kind) = status::line(&state, chrono::Utc::now());
    // The cover lifts by itself when the first sync lands.
    match status::waiting_for_first_content(&state, &s.config.server) {
        Some(note) => overlays::show_cover(w, true, &note),
        None if overlays::waiting(w) => overlays::show_cover(w, false, ""),
        None => {}
    }
    let g = w.global::<Shell>();
    g.set_status_text(text.into());
    g.set_status_kind(match kind {
        status::Kind::Ok => StatusKind::Ok,
        status::Kind::Offline => StatusKind::Offline,
        status::Kind::Expired => StatusKind::Expired,
    });
}
