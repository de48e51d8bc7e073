//! One service guide (`GuidePage` global) with its two QR codes: the online service and the
//! materials checklist to take home, and the same checklist printed (打印告知单) when the kiosk
//! has a receipt printer. The slip is drawn and sent on a thread; its outcome waits in
//! `Session::print_inbox` for the next tick ([`poll_printer`]).

use std::rc::Rc;

use slint::ComponentHandle;

use super::super::session::{handler, Session};
use super::super::{convert, shell, AppWindow, GuidePage, Page};
use crate::kiosk::events;
use crate::kiosk::nav::Route;
use crate::kiosk::print_desk::{self, Ask};
use crate::qr;

pub(in crate::ui) fn bind(w: &AppWindow, s: &Rc<Session>) {
    let g = w.global::<GuidePage>();
    let print = handler(s, |s, w, ()| press_print(s, w));
    g.on_print(move || print(()));
    g.on_print_situation(handler(s, |s, w, i: i32| {
        w.global::<GuidePage>().set_choosing_situation(false);
        start_print(s, w, usize::try_from(i).ok());
    }));
    let cancel = handler(s, |_, w, ()| {
        w.global::<GuidePage>().set_choosing_situation(false)
    });
    g.on_cancel_print(move || cancel(()));
}

/// Fills the guide `id`; `false` when there is no such guide (any more).
pub(in crate::ui) fn show(w: &AppWindow, s: &Session, id: &str) -> anyhow::Result<bool> {
    let Some(g) = s.store.guide(&s.scope(), id)? else {
        return Ok(false);
    };
    // Items that cannot be done online have no address: no online QR code.
    let online = if g.online_url.is_empty() {
        None
    } else {
        Some(qr::encode(&g.online_url, qrcode::EcLevel::M)?)
    };
    let checklist = qr::encode(&qr::checklist_text(&g), qrcode::EcLevel::L)?;
    let page = w.global::<GuidePage>();
    page.set_qr_online(online.as_ref().map(convert::qr_image).unwrap_or_default());
    page.set_qr_checklist(convert::qr_image(&checklist));
    page.set_guide(convert::guide(&g));
    page.set_can_print(s.config.printer.is_some());
    page.set_choosing_situation(false);
    page.set_printing(s.print_desk.borrow().busy());
    shell::set_page(w, Page::Guide);
    Ok(true)
}

/// 打印告知单: with several situations, first ask which one.
fn press_print(s: &Session, w: &AppWindow) {
    let page = w.global::<GuidePage>();
    if !s.print_desk.borrow().busy() && slint::Model::row_count(&page.get_guide().materials) > 1 {
        page.set_choosing_situation(true);
    } else {
        start_print(s, w, None);
    }
}

fn start_print(s: &Session, w: &AppWindow, situation: Option<usize>) {
    let Route::Guide(id) = s.route() else {
        return;
    };
    let Some(device) = s.config.printer.clone() else {
        return;
    };
    let page = w.global::<GuidePage>();
    let ask = s.print_desk.borrow_mut().ask(&id, s.now.get());
    match ask {
        Ask::Busy => s.message_for(w, print_desk::BUSY, print_desk::MESSAGE_TIME),
        Ask::TooSoon(secs) => {
            s.message_for(w, &print_desk::too_soon(secs), print_desk::MESSAGE_TIME)
        }
        Ask::Start => {
            let read = s.store.read(|st| -> anyhow::Result<_> {
                let guide = st
                    .guide(&s.scope(), &id)?
                    .ok_or_else(|| anyhow::anyhow!("没有编号为 {id} 的事项"))?;
                Ok((guide, st.meta("content_version")?.unwrap_or_default()))
            });
            let (guide, version) = match read {
                Ok(v) => v,
                Err(e) => {
                    events::warn(format!("无法打印告知单 {id}：{e:#}"));
                    s.print_desk.borrow_mut().finished(false, s.now.get());
                    s.message_for(w, print_desk::CANNOT, print_desk::MESSAGE_TIME);
                    return;
                }
            };
            let paper = s.config.paper();
            let inbox = s.print_inbox.clone();
            std::thread::spawn(move || {
                let today = chrono::Local::now().date_naive();
                let result = crate::print::slip_of(&guide, &version, situation, paper, today)
                    .map_err(|e| crate::print::device::DeviceError::Write(format!("{e:#}")))
                    .and_then(|slip| crate::print::device::send(&device, &slip.bytes));
                *inbox.lock().unwrap_or_else(|e| e.into_inner()) = Some((guide.id, result));
            });
            page.set_printing(true);
            s.message_for(w, print_desk::PRINTING, print_desk::MESSAGE_TIME);
        }
    }
}

/// Called by the UI tick: a slip that came out (or failed) since, told to the resident if the
/// guide is still on screen; a failure also goes to the technician's recent warnings.
pub(in crate::ui) fn poll_printer(w: &AppWindow, s: &Session) {
    let Some((id, result)) = s
        .print_inbox
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    else {
        return;
    };
    s.print_desk
        .borrow_mut()
        .finished(result.is_ok(), s.now.get());
    if let Err(e) = &result {
        events::warn(format!("告知单没有打印出来：{e}。{}", e.hint()));
    }
    let page = w.global::<GuidePage>();
    page.set_printing(false);
    if s.route() == Route::Guide(id) {
        let text = match &result {
            Ok(()) => print_desk::PRINTED.to_string(),
            Err(e) => print_desk::failed(e),
        };
        s.message_for(w, &text, print_desk::MESSAGE_TIME);
    }
}

pub(in crate::ui) fn clear(w: &AppWindow) {
    let page = w.global::<GuidePage>();
    page.set_guide(Default::default());
    page.set_qr_online(Default::default());
    page.set_qr_checklist(Default::default());
    page.set_choosing_situation(false);
}
