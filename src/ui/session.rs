//! The kiosk's state while it runs, in one place with one owner: `KioskUi` holds the only
//! `Rc<Session>` besides the window's callbacks. Each concern sits in its own cell and every
//! method borrows it only for its own few lines, so no borrow is ever held while another part of
//! the UI runs. The route → page dispatch lives here; each page fills its own global
//! (`pages/*.rs`).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::technician::TechState;
use super::{overlays, pages, read_aloud, shell, AppWindow, Page};
use crate::config::Config;
use crate::kiosk::events;
use crate::kiosk::feedback::{Flow, NotTaken};
use crate::kiosk::idle::IdleTracker;
use crate::kiosk::nav::{Navigator, Route};
use crate::kiosk::outbox_feed::Feed;
use crate::kiosk::print_desk::PrintDesk;
use crate::kiosk::read_aloud::ReadAloud;
use crate::kiosk::search_session::SearchSession;
use crate::kiosk::watchdog::Watchdog;
use crate::print::device::DeviceError;
use crate::store::{Scope, Store};
use crate::sync::Report;

/// Where the sync worker leaves its latest report for the UI thread (read on the next tick).
pub type SyncInbox = Arc<Mutex<Option<Report>>>;

/// How long a short message (e.g. a page that could not be opened) stays on screen.
const MESSAGE_TIME: Duration = Duration::from_secs(8);

pub(super) struct Session {
    me: Weak<Session>,
    pub window: slint::Weak<AppWindow>,
    pub store: Store,
    /// Where the kiosk stands; worked out again when new content arrives (its regions may
    /// have changed).
    scope: RefCell<Scope>,
    pub config: Config,
    pub nav: RefCell<Navigator>,
    /// The resident's quiet time (warning, reset).
    pub idle: RefCell<IdleTracker>,
    /// Time since start, counted by the UI tick (tests drive it with mocked time).
    pub now: Cell<Duration>,
    pub message_until: Cell<Option<Duration>>,
    /// Screenshots show a fixed time instead of the live clock.
    pub clock_frozen: Cell<bool>,
    pub search: RefCell<SearchSession>,
    pub sync_inbox: SyncInbox,
    pub watchdog: RefCell<Watchdog>,
    /// The technician screens (hidden entry, PIN pad, maintenance, touch test).
    pub tech: RefCell<TechState>,
    /// 打印告知单: one slip at a time, one per guide every 30 s.
    pub print_desk: RefCell<PrintDesk>,
    /// Where the printing thread leaves the outcome (guide id, result) for the next tick.
    pub print_inbox: PrintInbox,
    /// 朗读: the reading of the page shown (or the technician's sound test).
    pub read_aloud: RefCell<ReadAloud>,
    /// Follows the reading while there is one (`ui::read_aloud`).
    pub read_timer: slint::Timer,
    /// The outbox thread: ratings, suggestions, unanswered searches, guide openings.
    pub outbox: RefCell<Feed>,
    /// 评价 / 意见建议 under way over the page (`pages::feedback`).
    pub feedback: RefCell<Option<Flow>>,
    /// The outbox's answer to the submission being written.
    pub feedback_answer: RefCell<Option<std::sync::mpsc::Receiver<Result<i64, NotTaken>>>>,
    /// Waits for that answer, then closes the thank-you card.
    pub feedback_timer: slint::Timer,
}

pub type PrintInbox = Arc<Mutex<Option<(String, Result<(), DeviceError>)>>>;

impl Session {
    pub fn new(window: &AppWindow, store: Store, scope: Scope, config: Config) -> Rc<Session> {
        let speech = crate::speech::Speech::for_kiosk(&config.speech);
        let idle = IdleTracker::new(config.idle_timeout(), config.idle_warning(), Duration::ZERO);
        let log = std::fs::create_dir_all(config.data_dir())
            .ok()
            .and_then(|_| crate::search::log::SearchLog::open(&config.data_dir()).ok());
        let outbox = Feed::start(config.data_dir(), config.kiosk_id.clone());
        let mut search = SearchSession::new(log);
        search.set_feed(outbox.clone());
        Rc::new_cyclic(|me| Session {
            me: me.clone(),
            window: slint::ComponentHandle::as_weak(window),
            store,
            scope: RefCell::new(scope),
            config,
            nav: RefCell::new(Navigator::default()),
            idle: RefCell::new(idle),
            now: Cell::new(Duration::ZERO),
            message_until: Cell::new(None),
            clock_frozen: Cell::new(false),
            search: RefCell::new(search),
            sync_inbox: Arc::new(Mutex::new(None)),
            watchdog: RefCell::new(Watchdog::default()),
            tech: RefCell::new(TechState::new()),
            print_desk: RefCell::new(PrintDesk::default()),
            print_inbox: Arc::new(Mutex::new(None)),
            read_aloud: RefCell::new(ReadAloud::new(speech)),
            read_timer: slint::Timer::default(),
            outbox: RefCell::new(outbox),
            feedback: RefCell::new(None),
            feedback_answer: RefCell::new(None),
            feedback_timer: slint::Timer::default(),
        })
    }

    /// Where the kiosk stands (county, town, village).
    pub fn scope(&self) -> Scope {
        self.scope.borrow().clone()
    }

    /// Works out the scope again from the config's region (new content may change regions).
    pub fn rescope(&self) {
        match self.store.scope(self.config.region.as_deref()) {
            Ok(scope) => *self.scope.borrow_mut() = scope,
            Err(e) => events::warn(format!("无法读取本机所在地区：{e}")),
        }
    }

    /// For timers and threads' callbacks: they must not keep the session alive.
    pub fn weak(&self) -> Weak<Session> {
        self.me.clone()
    }

    /// Runs `f` with the window, if it still exists.
    pub fn with_window(&self, f: impl FnOnce(&AppWindow)) {
        if let Some(w) = self.window.upgrade() {
            f(&w);
        }
    }

    pub fn route(&self) -> Route {
        self.nav.borrow().current().clone()
    }

    /// Opens `route` as if the resident had navigated there. A guide that opens is counted
    /// (per guide and day, in the outbox).
    pub fn open(&self, route: Route) {
        self.close_feedback();
        self.nav.borrow_mut().open(route.clone());
        self.show();
        if let Route::Guide(id) = &route {
            if self.route() == route {
                self.outbox.borrow().opened(id);
            }
        }
    }

    /// Back: one step of a rating or suggestion when one is open, else the previous page.
    pub fn back(&self) {
        if pages::feedback::is_open(self) {
            if let Some(w) = self.window.upgrade() {
                pages::feedback::back(&w, self);
            }
            return;
        }
        let moved = self.nav.borrow_mut().back();
        if moved {
            self.show();
        }
    }

    pub fn home(&self) {
        self.close_feedback();
        self.nav.borrow_mut().home();
        self.show();
    }

    /// Leaving the page for another closes a rating or suggestion over it (nothing written).
    fn close_feedback(&self) {
        if pages::feedback::is_open(self) {
            if let Some(w) = self.window.upgrade() {
                pages::feedback::close(&w, self);
            }
        }
    }

    /// Any touch or scroll: the quiet periods start again.
    pub fn activity(&self) {
        let now = self.now.get();
        self.idle.borrow_mut().activity(now);
        self.tech.borrow_mut().activity(now);
    }

    pub fn pointer(&self, down: bool) {
        let now = self.now.get();
        self.idle.borrow_mut().pointer(down, now);
        self.tech.borrow_mut().pointer(down, now);
    }

    /// Shows a short message above the bottom bar for a few seconds.
    pub fn message(&self, w: &AppWindow, text: &str) {
        self.message_for(w, text, MESSAGE_TIME);
    }

    /// Shows a message above the bottom bar for `time` (longer ones need longer to read).
    pub fn message_for(&self, w: &AppWindow, text: &str, time: Duration) {
        self.message_until.set(Some(self.now.get() + time));
        shell::set_message(w, text);
    }

    /// Fills the current route's page and switches to it. The page is read in one read
    /// transaction, so a sync committing meanwhile cannot give it half of each version. A page
    /// that cannot be shown sends the resident back with a message.
    pub fn show(&self) {
        let Some(w) = self.window.upgrade() else {
            return;
        };
        // Leaving the page (Back, Home, another page, a reset) ends its reading.
        read_aloud::stop(&w, self);
        let route = self.route();
        if route == Route::Home {
            // Back at home the search is over (by the Home button, an idle reset, or Back).
            self.search.borrow_mut().end(&self.store);
        }
        let result = self.store.read(|_| -> Result<bool, anyhow::Error> {
            match &route {
                Route::Home => {
                    shell::set_page(&w, Page::Home);
                    Ok(true)
                }
                Route::List(filter) => pages::list::show(&w, self, filter),
                Route::Guide(id) => pages::guide::show(&w, self, id),
                Route::Notices(category) => pages::notices::show(&w, self, category),
                Route::Notice(id) => pages::notice::show(&w, self, id),
                Route::Search => {
                    pages::search::open(&w, self);
                    Ok(true)
                }
            }
        });
        let problem = match result {
            Ok(true) => return,
            Ok(false) => "没有找到这一项内容，可能已经更新。请返回重新选择。",
            Err(e) => {
                events::warn(format!("无法打开页面 {route:?}：{e:#}"));
                "这一页暂时打不开，请返回或问窗口工作人员。"
            }
        };
        self.nav.borrow_mut().back();
        self.message(&w, problem);
    }

    /// Clears everything the last resident did: back to home, default text size, no open
    /// guide, list or notice, no warning.
    pub fn reset(&self, w: &AppWindow) {
        self.nav.borrow_mut().home();
        self.message_until.set(None);
        shell::reset(w, self.config.large_text);
        overlays::hide_idle_warning(w);
        pages::feedback::drop_flow(self);
        pages::clear(w);
        self.show();
    }

    /// Whether there is nothing a reset would clear.
    pub fn at_rest(&self, w: &AppWindow) -> bool {
        self.route() == Route::Home
            && !pages::feedback::is_open(self)
            && shell::large_text(w) == self.config.large_text
            && pages::home::tab(w) == 0
    }
}

/// A callback handler that runs `f` with the session and the window (if it still exists).
pub(super) fn handler<A>(
    s: &Rc<Session>,
    f: impl Fn(&Session, &AppWindow, A) + 'static,
) -> impl Fn(A) + 'static {
    let s = Rc::downgrade(s);
    move |arg| {
        if let Some(s) = s.upgrade() {
            if let Some(w) = s.window.upgrade() {
                f(&s, &w, arg);
            }
        }
    }
}
