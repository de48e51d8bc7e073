//! One module per page: each fills its page's global (declared with preview data in
//! `ui/pages/<page>.slint`) and answers its callbacks. To add a button to a page, add it and
//! its callback in the `.slint` file and the handler in that page's `bind` here.

use std::rc::Rc;

use super::session::Session;
use super::AppWindow;

pub(super) mod feedback;
pub(super) mod guide;
pub(super) mod home;
pub(super) mod list;
pub(super) mod notice;
pub(super) mod notices;
pub(super) mod search;

pub(super) fn bind(w: &AppWindow, s: &Rc<Session>) {
    home::bind(w, s);
    guide::bind(w, s);
    list::bind(w, s);
    notices::bind(w, s);
    search::bind(w, s);
    feedback::bind(w, s);
}

/// Empties every page's data (an idle reset, and at start: the preview data never shows).
pub(super) fn clear(w: &AppWindow) {
    home::clear(w);
    list::clear(w);
    guide::clear(w);
    notices::clear(w);
    notice::clear(w);
    search::clear(w);
    feedback::clear(w);
}
