//! `banshi preview DIR`: the `PreviewProblems` global (`ui/overlays/preview-problems.slint`) and
//! the timer that polls the folder (`kiosk::preview`). New content is written into the kiosk's
//! store through a second connection, then shown as a sync's new version is
//! (`kiosk::content_changed`); problems cover the screen until they are fixed.

use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, SharedString, Timer, TimerMode, VecModel};

use super::session::Session;
use super::{AppWindow, PreviewProblemRow, PreviewProblems};
use crate::kiosk::events;
use crate::kiosk::preview::{problems_title, Preview, PreviewProblem, Reload, POLL};
use crate::store::Store;

pub(super) fn watch(w: &AppWindow, s: &Rc<Session>, mut preview: Preview) -> Timer {
    w.global::<PreviewProblems>()
        .set_folder(SharedString::from(preview.dir().display().to_string()));
    if let Some(reload) = preview.poll() {
        apply(w, s, reload);
    }
    let timer = Timer::default();
    let session = s.weak();
    timer.start(TimerMode::Repeated, POLL, move || {
        let Some(s) = session.upgrade() else { return };
        if let Some(reload) = preview.poll() {
            s.with_window(|w| apply(w, &s, reload));
        }
    });
    timer
}

fn apply(w: &AppWindow, s: &Session, reload: Reload) {
    match reload {
        Reload::Content(content) => {
            let written =
                Store::open(s.store.path()).and_then(|mut store| store.replace_content(&content));
            match written {
                Ok(()) => {
                    show_problems(w, &[]);
                    super::kiosk::content_changed(w, s);
                }
                Err(e) => {
                    events::warn(format!("预览无法写入临时数据库：{e}"));
                    show_problems(
                        w,
                        &[PreviewProblem {
                            file: s.store.path().display().to_string(),
                            line: None,
                            field: String::new(),
                            message: format!("预览无法写入临时数据库：{e}。请关闭预览后重新运行 banshi preview。"),
                        }],
                    );
                }
            }
        }
        Reload::Problems(problems) => show_problems(w, &problems),
    }
}

/// Covers the screen with `problems`; none removes the cover.
pub(super) fn show_problems(w: &AppWindow, problems: &[PreviewProblem]) {
    let g = w.global::<PreviewProblems>();
    let rows: Vec<PreviewProblemRow> = problems
        .iter()
        .map(|p| PreviewProblemRow {
            place: p.place().into(),
            message: p.message.as_str().into(),
        })
        .collect();
    g.set_title(problems_title(problems.len()).into());
    g.set_problems(ModelRc::new(VecModel::from(rows)));
    g.set_shown(!problems.is_empty());
}
