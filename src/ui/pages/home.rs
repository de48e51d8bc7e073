//! The home page (`HomePage` global): search entry, browsing by life event / business /
//! department, most-used services and the latest notices.

use std::rc::Rc;

use slint::{ComponentHandle, SharedString};

use super::super::session::{handler, Session};
use super::super::{convert, shell, AppWindow, HomePage};
use crate::kiosk::nav::Route;
use crate::store::ItemFilter;

pub(in crate::ui) fn bind(w: &AppWindow, s: &Rc<Session>) {
    let g = w.global::<HomePage>();
    g.on_open_life_event(handler(s, |s, _, id: SharedString| {
        s.open(Route::List(ItemFilter::LifeEvent(id.into())))
    }));
    g.on_open_department(handler(s, |s, _, id: SharedString| {
        s.open(Route::List(ItemFilter::Department(id.into())))
    }));
    g.on_open_audience(handler(s, |s, _, who: SharedString| {
        s.open(Route::List(ItemFilter::Audience(who.into())))
    }));
    g.on_open_guide(handler(s, |s, _, id: SharedString| {
        s.open(Route::Guide(id.into()))
    }));
    g.on_open_notice(handler(s, |s, _, id: SharedString| {
        s.open(Route::Notice(id.into()))
    }));
    let notices = handler(s, |s, _, ()| s.open(Route::Notices(String::new())));
    g.on_open_notices(move || notices(()));
    let search = handler(s, |s, _, ()| s.open(Route::Search));
    g.on_open_search(move || search(()));
}

/// Fills the parts of the home screen that come from content (and the header, whose names
/// come from the same place), at start and after a sync.
pub(in crate::ui) fn load(w: &AppWindow, s: &Session) -> anyhow::Result<()> {
    s.store.read(|store| {
        let home = store.home(&s.scope())?;
        shell::show_header(w, s, &home)?;
        let g = w.global::<HomePage>();
        g.set_life_events(convert::tiles(&home.life_events));
        g.set_business(convert::tiles(&home.business));
        g.set_departments(convert::tiles(&home.departments));
        g.set_popular(convert::item_rows(&home.popular));
        g.set_latest_notices(convert::notice_rows(&home.notices));
        super::notices::set_categories(w, &store.notice_categories()?);
        shell::update_status(w, s);
        Ok(())
    })
}

/// The browsing tab shown (0: persons, 1: businesses, 2: departments).
pub(in crate::ui) fn tab(w: &AppWindow) -> i32 {
    w.global::<HomePage>().get_tab()
}

/// Back to the first tab; the content stays (it is the same for every resident).
pub(in crate::ui) fn clear(w: &AppWindow) {
    w.global::<HomePage>().set_tab(0);
}
