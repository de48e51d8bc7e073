//! A list of services (`ListPage` global): by life event, department or audience.

use std::rc::Rc;

use slint::{ComponentHandle, SharedString};

use super::super::session::{handler, Session};
use super::super::{convert, shell, AppWindow, ListPage, Page};
use crate::kiosk::nav::Route;
use crate::store::ItemFilter;

pub(in crate::ui) fn bind(w: &AppWindow, s: &Rc<Session>) {
    w.global::<ListPage>()
        .on_open_guide(handler(s, |s, _, id: SharedString| {
            s.open(Route::Guide(id.into()))
        }));
}

/// Fills the list for `filter`; `false` when there is no such list (any more).
pub(in crate::ui) fn show(w: &AppWindow, s: &Session, filter: &ItemFilter) -> anyhow::Result<bool> {
    let Some(list) = s.store.item_list(&s.scope(), filter)? else {
        return Ok(false);
    };
    let g = w.global::<ListPage>();
    g.set_title(list.title.into());
    g.set_subtitle(list.subtitle.into());
    g.set_items(convert::item_rows(&list.items));
    shell::set_page(w, Page::List);
    Ok(true)
}

pub(in crate::ui) fn clear(w: &AppWindow) {
    let g = w.global::<ListPage>();
    g.set_title(SharedString::new());
    g.set_subtitle(SharedString::new());
    g.set_items(convert::model(Vec::new()));
}
