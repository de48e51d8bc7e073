//! One public notice (`NoticePage` global) with its catalogue metadata.

use slint::ComponentHandle;

use super::super::session::Session;
use super::super::{convert, shell, AppWindow, NoticePage, Page};

/// Fills the notice `id`; `false` when there is no such notice (any more).
pub(in crate::ui) fn show(w: &AppWindow, s: &Session, id: &str) -> anyhow::Result<bool> {
    let Some(n) = s.store.notice(id)? else {
        return Ok(false);
    };
    w.global::<NoticePage>().set_notice(convert::notice(&n));
    shell::set_page(w, Page::Notice);
    Ok(true)
}

pub(in crate::ui) fn clear(w: &AppWindow) {
    w.global::<NoticePage>().set_notice(Default::default());
}
