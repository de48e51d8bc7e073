//! The touch test: every touch leaves a dot with its coordinates; the five targets turn green
//! when touched (decisions in `kiosk::touch_test`).

use std::rc::Rc;

use slint::{ComponentHandle, SharedString};

use super::super::session::{handler, Session};
use super::super::{convert, AppWindow, Tech, TechPoint, TechScreen, TechTarget};
use super::open_panel_again;
use crate::kiosk::touch_test::{self, TouchTest};

pub(super) fn bind(w: &AppWindow, s: &Rc<Session>) {
    let t = w.global::<Tech>();
    let open_ = handler(s, |s, w, ()| open(w, s));
    t.on_open_touch_test(move || open_(()));
    let back = handler(s, |s, w, ()| open_panel_again(w, s));
    t.on_touch_test_back(move || back(()));
    let touch = handler(s, |s, w, (x, y, width, height)| {
        let mut tech = s.tech.borrow_mut();
        tech.touch.touch(x, y, width, height);
        show(w, &tech.touch);
    });
    t.on_touch(move |x, y, width, height| touch((x, y, width, height)));
}

fn open(w: &AppWindow, s: &Session) {
    let mut tech = s.tech.borrow_mut();
    tech.touch = TouchTest::default();
    tech.screen = TechScreen::TouchTest;
    let t = w.global::<Tech>();
    t.set_target_inset(touch_test::INSET);
    show(w, &tech.touch);
    t.set_screen(TechScreen::TouchTest);
}

pub(super) fn show(w: &AppWindow, test: &TouchTest) {
    let t = w.global::<Tech>();
    let points: Vec<_> = test.points().collect();
    // Coordinates beside the newest ten dots; older ones are dots only.
    let labelled = points.len().saturating_sub(10);
    t.set_points(convert::model(
        points
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| TechPoint {
                x,
                y,
                label: if i >= labelled {
                    touch_test::point_label(x, y).into()
                } else {
                    SharedString::new()
                },
            })
            .collect(),
    ));
    let hit = test.hit();
    t.set_targets(convert::model(
        touch_test::TARGETS
            .iter()
            .zip(hit)
            .map(|(&(name, fx, fy), hit)| TechTarget {
                name: name.into(),
                fx,
                fy,
                hit,
            })
            .collect(),
    ));
    t.set_last_touch(test.last_text().into());
}
