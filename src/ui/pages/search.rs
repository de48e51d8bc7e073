//! Search with the on-screen keyboard (`SearchPage` global). The session (index, keys typed,
//! searches that found nothing) is `kiosk::search_session::SearchSession`; this module only
//! shows it and passes keys on.

use std::rc::Rc;

use slint::{ComponentHandle, SharedString};

use super::super::session::{handler, Session};
use super::super::{convert, shell, AppWindow, Page, SearchPage};
use crate::kiosk::nav::Route;
use crate::search::Kind;

pub(in crate::ui) fn bind(w: &AppWindow, s: &Rc<Session>) {
    let g = w.global::<SearchPage>();
    g.on_key(handler(s, |s, w, key: SharedString| {
        if let Some(&b) = key.as_bytes().first() {
            type_key(w, s, Some(b));
        }
    }));
    let backspace = handler(s, |s, w, ()| type_key(w, s, None));
    g.on_backspace(move || backspace(()));
    let clear = handler(s, |s, w, ()| {
        s.search.borrow_mut().end(&s.store);
        show(w, s);
    });
    g.on_clear(move || clear(()));
    let open = handler(s, |s, _, (kind, id): (SharedString, SharedString)| {
        s.open(match Kind::parse(&kind) {
            Some(Kind::Notice) => Route::Notice(id.into()),
            _ => Route::Guide(id.into()),
        })
    });
    g.on_open_hit(move |kind, id| open((kind, id)));
}

/// Opens the search page: the index starts building now if it has not yet.
pub(in crate::ui) fn open(w: &AppWindow, s: &Session) {
    s.search.borrow_mut().start(&s.store);
    show(w, s);
    shell::set_page(w, Page::Search);
}

/// Types one key (`None`: backspace) and shows the new answer.
pub(in crate::ui) fn type_key(w: &AppWindow, s: &Session, key: Option<u8>) {
    s.idle.borrow_mut().activity(s.now.get());
    s.search.borrow_mut().key(&s.store, key);
    show(w, s);
}

/// Fills the search page from the session.
fn show(w: &AppWindow, s: &Session) {
    let search = s.search.borrow();
    let g = w.global::<SearchPage>();
    g.set_ready(search.ready());
    g.set_text(search.query().into());
    g.set_total_text(search.total_text().into());
    g.set_missed_text(search.missed_text().into());
    let answer = search.answer();
    g.set_total(answer.map_or(0, |a| a.total) as i32);
    g.set_hits(convert::search_hits(
        answer.map(|a| &a.hits[..]).unwrap_or(&[]),
    ));
    g.set_key_enabled(convert::model(search.keys_enabled()));
}

pub(in crate::ui) fn clear(w: &AppWindow) {
    let g = w.global::<SearchPage>();
    g.set_text(SharedString::new());
    g.set_total(0);
    g.set_total_text(SharedString::new());
    g.set_missed_text(SharedString::new());
    g.set_hits(convert::model(Vec::new()));
    g.set_key_enabled(convert::model(Vec::new()));
    g.set_ready(true);
}
