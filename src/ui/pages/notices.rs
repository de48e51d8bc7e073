//! Public notices by category (`NoticesPage` global).

use std::rc::Rc;

use slint::{ComponentHandle, SharedString};

use super::super::session::{handler, Session};
use super::super::{convert, shell, AppWindow, NoticesPage, Page};
use crate::kiosk::nav::Route;
use crate::store::CategoryRow;

pub(in crate::ui) fn bind(w: &AppWindow, s: &Rc<Session>) {
    let g = w.global::<NoticesPage>();
    g.on_open_category(handler(s, |s, _, id: SharedString| {
        s.open(Route::Notices(id.into()))
    }));
    g.on_open_notice(handler(s, |s, _, id: SharedString| {
        s.open(Route::Notice(id.into()))
    }));
}

pub(in crate::ui) fn set_categories(w: &AppWindow, categories: &[CategoryRow]) {
    w.global::<NoticesPage>()
        .set_categories(convert::tiles(categories));
}

/// Fills the notices of `category` ("" for all).
pub(in crate::ui) fn show(w: &AppWindow, s: &Session, category: &str) -> anyhow::Result<bool> {
    let cat = (!category.is_empty()).then_some(category);
    let g = w.global::<NoticesPage>();
    g.set_notices(convert::notice_rows(&s.store.notices(&s.scope(), cat)?));
    g.set_category(category.into());
    shell::set_page(w, Page::Notices);
    Ok(true)
}

pub(in crate::ui) fn clear(w: &AppWindow) {
    let g = w.global::<NoticesPage>();
    g.set_notices(convert::model(Vec::new()));
    g.set_category(SharedString::new());
}
