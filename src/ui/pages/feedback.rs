//! 评价 and 意见建议 (`Feedback` global, `ui/overlays/feedback.slint`), drawn over the page the
//! resident was reading: the route does not change, so closing shows that page again. The steps
//! are `kiosk::feedback::Flow`; this module shows the flow and passes taps on. A submission is
//! one `Outbox::put` on the outbox thread (`kiosk::outbox_feed`); a 50 ms timer waits for its
//! answer, so a slow disk never holds a frame. The thank-you card closes itself after
//! [`THANKS_TIME`].

use std::rc::Rc;
use std::time::Duration;

use slint::{ComponentHandle, SharedString, TimerMode};

use super::super::session::{handler, Session};
use super::super::{convert, read_aloud, AppWindow, Feedback, FeedbackStep, GuidePage, HomePage};
use crate::kiosk::events;
use crate::kiosk::feedback::{Field, Flow, NotTaken, Step, CONSENT};
use crate::kiosk::nav::Route;
use crate::kiosk::wording;
use crate::outbox::record::SUGGESTION_TOPICS;
use crate::outbox::Subject;
use crate::store::Store;

/// How long the thank-you card stays before the page comes back by itself.
pub const THANKS_TIME: Duration = Duration::from_secs(8);
/// How often the screen looks for the outbox's answer while 正在提交….
const POLL: Duration = Duration::from_millis(50);

pub(in crate::ui) fn bind(w: &AppWindow, s: &Rc<Session>) {
    let guide = w.global::<GuidePage>();
    let rate = handler(s, |s, w, ()| {
        let Route::Guide(id) = s.route() else {
            return;
        };
        let name = w.global::<GuidePage>().get_guide().name.to_string();
        open_rating(w, s, Subject::Guide { id }, "评价这项服务", name);
    });
    guide.on_rate(move || rate(()));
    let suggest = handler(s, |s, w, ()| {
        let name = w.global::<GuidePage>().get_guide().name.to_string();
        open(w, s, Flow::suggest(Some(name)));
    });
    guide.on_suggest(move || suggest(()));

    let home = w.global::<HomePage>();
    let rate_hall = handler(s, |s, w, ()| {
        let hall = w
            .global::<super::super::Shell>()
            .get_hall_name()
            .to_string();
        open_rating(w, s, Subject::Hall, "评价本大厅服务", hall);
    });
    home.on_rate_hall(move || rate_hall(()));
    let suggest_home = handler(s, |s, w, ()| open(w, s, Flow::suggest(None)));
    home.on_suggest(move || suggest_home(()));

    let g = w.global::<Feedback>();
    g.on_choose_level(edit(s, |f, i: i32| f.choose_level(index(i))));
    g.on_toggle_reason(edit(s, |f, i: i32| f.toggle_reason(index(i))));
    g.on_choose_topic(edit(s, |f, i: i32| f.choose_topic(index(i))));
    g.on_focus(edit(s, |f, i: i32| {
        f.focus(match i {
            1 => Field::CaseNo,
            2 => Field::Phone,
            _ => Field::None,
        })
    }));
    g.on_digit(edit(s, |f, d: SharedString| {
        if let Some(c) = d.chars().next() {
            f.digit(c);
        }
    }));
    let delete = edit(s, |f, ()| f.delete());
    g.on_delete_digit(move || delete(()));
    let consent = edit(s, |f, ()| f.give_consent());
    g.on_give_consent(move || consent(()));
    let no_phone = edit(s, |f, ()| f.withdraw_consent());
    g.on_no_phone(move || no_phone(()));
    let clear_about = edit(s, |f, ()| f.clear_about());
    g.on_clear_about(move || clear_about(()));
    let next = edit(s, |f, ()| {
        f.go_on();
    });
    g.on_next(move || next(()));
    let back = handler(s, |s, w, ()| back(w, s));
    g.on_back(move || back(()));
    let close = handler(s, |s, w, ()| close(w, s));
    g.on_close(move || close(()));
    let submit = handler(s, |s, w, ()| submit(w, s));
    g.on_submit(move || submit(()));
}

fn index(i: i32) -> usize {
    usize::try_from(i).unwrap_or(usize::MAX)
}

/// A handler that changes the flow and shows it again.
fn edit<A>(s: &Rc<Session>, f: impl Fn(&mut Flow, A) + 'static) -> impl Fn(A) + 'static {
    handler(s, move |s, w, arg| {
        if let Some(flow) = s.feedback.borrow_mut().as_mut() {
            f(flow, arg);
        }
        show(w, s);
    })
}

fn open_rating(w: &AppWindow, s: &Session, subject: Subject, title: &str, about: String) {
    let set = s.store.read(Store::rating_set).unwrap_or_else(|e| {
        events::warn(format!("无法读取好差评指标：{e}；改用内置的指标。"));
        crate::model::RatingSet::builtin()
    });
    w.global::<Feedback>().set_title(title.into());
    w.global::<Feedback>().set_about(about.into());
    open(w, s, Flow::rate(subject, set));
}

fn open(w: &AppWindow, s: &Session, flow: Flow) {
    // The page underneath is not being read any more.
    read_aloud::stop(w, s);
    s.feedback_timer.stop();
    *s.feedback_answer.borrow_mut() = None;
    let g = w.global::<Feedback>();
    if !flow.is_rating() {
        g.set_title("意见建议".into());
    }
    g.set_levels(convert::model(
        flow.set().levels.iter().map(SharedString::from).collect(),
    ));
    g.set_reasons(convert::model(
        flow.set().reasons.iter().map(SharedString::from).collect(),
    ));
    g.set_topics(convert::model(
        SUGGESTION_TOPICS
            .iter()
            .map(|t| SharedString::from(*t))
            .collect(),
    ));
    g.set_consent_text(CONSENT.into());
    *s.feedback.borrow_mut() = Some(flow);
    show(w, s);
}

/// Fills the global from the flow (closed when there is none).
fn show(w: &AppWindow, s: &Session) {
    let g = w.global::<Feedback>();
    let flow = s.feedback.borrow();
    let Some(f) = flow.as_ref() else {
        g.set_step(FeedbackStep::Closed);
        return;
    };
    g.set_step(match f.step() {
        Step::Rate => FeedbackStep::Rate,
        Step::Details => FeedbackStep::Details,
        Step::Suggest => FeedbackStep::Suggest,
        Step::Sending => FeedbackStep::Sending,
        Step::Thanks => FeedbackStep::Thanks,
        Step::Failed => FeedbackStep::Failed,
    });
    if f.step() == Step::Suggest {
        g.set_about(f.about().unwrap_or_default().into());
    }
    g.set_level(f.level().map_or(-1, |l| l as i32));
    g.set_bad(f.is_bad());
    g.set_reasons_chosen(convert::model(f.reasons_chosen().to_vec()));
    g.set_missing(
        match f.step() {
            Step::Rate => f.rate_missing(),
            Step::Details | Step::Suggest => f.submit_missing(),
            _ => None,
        }
        .unwrap_or_default()
        .into(),
    );
    g.set_case_no(f.case_no().into());
    g.set_consented(f.consented());
    g.set_phone(f.phone_shown().into());
    g.set_field(if f.pad_shown() {
        match f.field() {
            Field::CaseNo => 1,
            Field::Phone => 2,
            Field::None => 0,
        }
    } else {
        0
    });
    g.set_topic(f.topic().map_or(-1, |t| t as i32));
}

/// ‹ 返回 (bottom bar) or the flow's own back button: one step back, or closed.
pub(in crate::ui) fn back(w: &AppWindow, s: &Session) {
    let stays = s.feedback.borrow_mut().as_mut().is_some_and(Flow::back);
    if stays {
        show(w, s);
    } else {
        close(w, s);
    }
}

/// Closes the flow: the page underneath shows again. Nothing unfinished is written.
pub(in crate::ui) fn close(w: &AppWindow, s: &Session) {
    drop_flow(s);
    show(w, s);
}

/// Forgets the flow (idle reset, navigation): an unfinished rating is gone, nothing written.
/// A submission already handed to the outbox thread is still written.
pub(in crate::ui) fn drop_flow(s: &Session) {
    s.feedback_timer.stop();
    *s.feedback_answer.borrow_mut() = None;
    *s.feedback.borrow_mut() = None;
}

pub(in crate::ui) fn is_open(s: &Session) -> bool {
    s.feedback.borrow().is_some()
}

fn submit(w: &AppWindow, s: &Session) {
    let record = s.feedback.borrow_mut().as_mut().and_then(Flow::submit);
    let Some(record) = record else {
        // Something is missing: the screen already says what.
        show(w, s);
        return;
    };
    *s.feedback_answer.borrow_mut() = Some(s.outbox.borrow().submit(record));
    show(w, s);
    let weak = s.weak();
    s.feedback_timer.start(TimerMode::Repeated, POLL, move || {
        if let Some(s) = weak.upgrade() {
            s.with_window(|w| poll(w, &s));
        }
    });
}

/// Looks for the outbox's answer; when it is there, thanks or the reason.
pub(in crate::ui) fn poll(w: &AppWindow, s: &Session) {
    let answer = match s.feedback_answer.borrow().as_ref().map(|rx| rx.try_recv()) {
        None => return,
        Some(Ok(answer)) => answer.map(|_| ()),
        Some(Err(std::sync::mpsc::TryRecvError::Empty)) => return,
        Some(Err(std::sync::mpsc::TryRecvError::Disconnected)) => Err(NotTaken::Broken),
    };
    *s.feedback_answer.borrow_mut() = None;
    s.feedback_timer.stop();
    let complaint = s
        .store
        .meta("complaint_phone")
        .ok()
        .flatten()
        .unwrap_or_default();
    let (title, text) = {
        let mut flow = s.feedback.borrow_mut();
        let Some(f) = flow.as_mut() else {
            return;
        };
        let (rating, bad, phone) = (f.is_rating(), f.is_bad(), f.has_phone());
        let words = match &answer {
            Ok(()) => wording::feedback_thanks(rating, bad, phone),
            Err(e) => wording::feedback_not_taken(rating, e, &complaint),
        };
        f.sent(answer);
        words
    };
    let g = w.global::<Feedback>();
    g.set_done_title(title.into());
    g.set_done_text(text.into());
    show(w, s);
    if s.feedback.borrow().as_ref().map(Flow::step) == Some(Step::Thanks) {
        let weak = s.weak();
        s.feedback_timer
            .start(TimerMode::SingleShot, THANKS_TIME, move || {
                if let Some(s) = weak.upgrade() {
                    s.with_window(|w| close(w, &s));
                }
            });
    }
}

/// No flow shown (start, idle reset): the preview data never shows.
pub(in crate::ui) fn clear(w: &AppWindow) {
    let g = w.global::<Feedback>();
    g.set_step(FeedbackStep::Closed);
    g.set_phone(SharedString::new());
    g.set_case_no(SharedString::new());
    g.set_about(SharedString::new());
    g.set_level(-1);
    g.set_topic(-1);
    g.set_field(0);
}
