//! One service guide (`GuidePage` global) with its two QR codes: the online service and the
//! materials checklist to take home.

use slint::ComponentHandle;

use super::super::session::Session;
use super::super::{convert, shell, AppWindow, GuidePage, Page};
use crate::qr;

/// Fills the guide `id`; `false` when there is no such guide (any more).
pub(in crate::ui) fn show(w: &AppWindow, s: &Session, id: &str) -> anyhow::Result<bool> {
    let Some(g) = s.store.guide(&s.scope, id)? else {
        return Ok(false);
    };
    let online = qr::encode(&g.online_url, qrcode::EcLevel::M)?;
    let checklist = qr::encode(&qr::checklist_text(&g), qrcode::EcLevel::L)?;
    let page = w.global::<GuidePage>();
    page.set_qr_online(convert::qr_image(&online));
    page.set_qr_checklist(convert::qr_image(&checklist));
    page.set_guide(convert::guide(&g));
    shell::set_page(w, Page::Guide);
    Ok(true)
}

pub(in crate::ui) fn clear(w: &AppWindow) {
    let page = w.global::<GuidePage>();
    page.set_guide(Default::default());
    page.set_qr_online(Default::default());
    page.set_qr_checklist(Default::default());
}
