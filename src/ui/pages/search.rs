//! Search with the on-screen keyboard (`SearchPage` global). The session (index, keys typed,
//! searches that found nothing) is `kiosk::search_session::SearchSession`; this module only
//! shows it and passes keys on.

use std::rc::Rc;

use slint::{ComponentHandle, SharedString};

use super::super::session::{handler, Session};
use super::super::{convert, shell, AppWindow, Page, SearchPage};
use crate::handwriting::{self, Recognizer};
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
        s.search.borrow_mut().hit_opened();
        s.open(match Kind::parse(&kind) {
            Some(Kind::Notice) => Route::Notice(id.into()),
            _ => Route::Guide(id.into()),
        })
    });
    g.on_open_hit(move |kind, id| open((kind, id)));

    // The 手写 pad.
    let tab = handler(s, |s, w, on: bool| {
        s.activity();
        // The model is opened at the first tap on 手写 (tens of milliseconds: see
        // handwriting::available); should that fail, the tabs go away.
        let ok = on && handwriting::shared(s.config.handwriting_model()).is_ok();
        let g = w.global::<SearchPage>();
        if on && !ok {
            g.set_handwriting_available(false);
        }
        g.set_handwriting(ok);
    });
    g.on_show_handwriting(tab);
    let down = handler(s, |s, w, (x, y): (f32, f32)| {
        s.search.borrow_mut().pad.down(x, y);
        show_pad(w, s);
    });
    g.on_pad_down(move |x, y| down((x, y)));
    let moved = handler(s, |s, w, (x, y): (f32, f32)| {
        s.search.borrow_mut().pad.move_to(x, y);
        show_pad(w, s);
    });
    g.on_pad_move(move |x, y| moved((x, y)));
    let up = handler(s, |s, w, ()| {
        s.activity();
        with_recognizer(s, |r| s.search.borrow_mut().pad.up(r));
        show_pad(w, s);
    });
    g.on_pad_up(move || up(()));
    let undo = handler(s, |s, w, ()| {
        s.activity();
        with_recognizer(s, |r| s.search.borrow_mut().pad.undo(r));
        show_pad(w, s);
    });
    g.on_pad_undo(move || undo(()));
    let clear_pad = handler(s, |s, w, ()| {
        s.activity();
        s.search.borrow_mut().pad.clear();
        show_pad(w, s);
    });
    g.on_pad_clear(move || clear_pad(()));
    let pick = handler(s, |s, w, ch: SharedString| {
        s.activity();
        {
            let mut search = s.search.borrow_mut();
            search.write(&s.store, &ch);
            search.pad.clear();
        }
        show(w, s);
    });
    g.on_pick(pick);
}

/// Runs `f` with the kiosk's one recognizer (`None` when it could not be opened).
fn with_recognizer<T>(s: &Session, f: impl FnOnce(Option<&Recognizer>) -> T) -> T {
    match handwriting::shared(s.config.handwriting_model()) {
        Ok(m) => {
            let r = m.lock().unwrap_or_else(|e| e.into_inner());
            f(Some(&r))
        }
        Err(_) => f(None),
    }
}

/// The pad's strokes and candidates.
fn show_pad(w: &AppWindow, s: &Session) {
    let search = s.search.borrow();
    let g = w.global::<SearchPage>();
    g.set_pad_commands(search.pad.commands().into());
    g.set_pad_candidates(convert::model(
        search
            .pad
            .candidates()
            .iter()
            .map(SharedString::from)
            .collect(),
    ));
}

/// Opens the search page: the index starts building now if it has not yet.
pub(in crate::ui) fn open(w: &AppWindow, s: &Session) {
    s.search.borrow_mut().start(&s.store);
    // Whether to offer 手写: a cheap check; the model itself is opened at the first tap on it.
    w.global::<SearchPage>()
        .set_handwriting_available(handwriting::available(s.config.handwriting_model()).is_ok());
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
    drop(search);
    show_pad(w, s);
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
    g.set_handwriting(false);
    g.set_pad_commands(SharedString::new());
    g.set_pad_candidates(convert::model(Vec::new()));
}
