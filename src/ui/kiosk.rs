//! `KioskUi`: the running kiosk window. It creates the window and the `Session`, lets every
//! module bind its global's callbacks, and runs the 1 s tick (watchdog, clock, sync reports,
//! idle). Its methods are what the command line, benchmarks, the gallery and tests may do.

use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use slint::{Timer, TimerMode};

use super::session::{Session, SyncInbox};
use super::{overlays, pages, read_aloud, shell, technician, AppWindow};
use crate::config::Config;
use crate::kiosk::events;
use crate::kiosk::idle::IdleState;
use crate::kiosk::nav::Route;
use crate::kiosk::outbox_feed::Feed;
use crate::kiosk::search_session::BUILD_DELAY;
use crate::store::{Scope, Store};
use crate::sync::{Report, Status};

/// The UI clock and idle tracker advance once per second.
const TICK: Duration = Duration::from_secs(1);

/// The running kiosk UI. Dropping it stops its timer.
pub struct KioskUi {
    pub window: AppWindow,
    session: Rc<Session>,
    _tick: Timer,
}

impl KioskUi {
    /// Builds the window for `store` and shows the home screen (the window is not yet shown).
    pub fn new(store: Store, config: Config) -> Result<KioskUi, anyhow::Error> {
        let window = AppWindow::new()?;
        let scope = store.scope(config.region.as_deref())?;
        let session = Session::new(&window, store, scope, config);
        let later = session.weak();
        Timer::single_shot(BUILD_DELAY, move || {
            if let Some(s) = later.upgrade() {
                s.search.borrow_mut().start(&s.store);
            }
        });
        shell::bind(&window, &session);
        overlays::bind(&window, &session);
        pages::bind(&window, &session);
        technician::bind(&window, &session);
        read_aloud::bind(&window, &session);
        pages::home::load(&window, &session)?;
        session.reset(&window);
        shell::update_clock(&window, &session);
        let tick = Timer::default();
        let s = session.clone();
        tick.start(TimerMode::Repeated, TICK, move || {
            s.with_window(|w| self::tick(w, &s));
        });
        Ok(KioskUi {
            window,
            session,
            _tick: tick,
        })
    }

    /// Where the sync worker puts its reports; the UI applies them on its next tick.
    pub fn sync_inbox(&self) -> SyncInbox {
        self.session.sync_inbox.clone()
    }

    /// How the technician's 立即同步 reaches the sync worker.
    pub fn set_sync_now(&self, trigger: Box<dyn Fn()>) {
        self.session.tech.borrow_mut().links.sync_now = Some(trigger);
    }

    /// The config file the kiosk loaded, for the technician screen's checks.
    pub fn set_config_path(&self, path: Option<PathBuf>) {
        self.session.tech.borrow_mut().links.config_path = path;
    }

    /// Replaces the voice and sound output the kiosk found (tests, the gallery, `bench`):
    /// `Err` hides the 朗读 button, as on a kiosk without sound.
    pub fn set_speech(&self, speech: Result<crate::speech::Speech, String>) {
        read_aloud::set_speech(&self.window, &self.session, speech);
    }

    /// Runs `f` with the store and the kiosk's scope (benchmarks, gallery).
    pub fn with_store<T>(&self, f: impl FnOnce(&Store, &Scope) -> T) -> T {
        f(&self.session.store, &self.session.scope())
    }

    /// Opens a screen as if the resident had navigated there (screenshots, tests).
    pub fn open(&self, route: Route) {
        self.session.open(route);
    }

    /// The screen currently shown.
    pub fn route(&self) -> Route {
        self.session.route()
    }

    /// Types keys on the search keyboard (screenshots, benchmarks).
    pub fn type_search(&self, keys: &str) {
        for b in keys.bytes() {
            super::pages::search::type_key(&self.window, &self.session, Some(b));
        }
    }

    /// Covers the screen with the setup message (the kiosk cannot run as configured).
    pub fn show_setup(&self, message: &str) {
        overlays::show_cover(&self.window, false, message);
    }

    /// Covers the screen with the "waiting for the county's first content" note (screenshots).
    pub fn show_waiting(&self, note: &str) {
        overlays::show_cover(&self.window, true, note);
    }

    /// Shows the idle warning with `seconds` left (screenshots).
    /// Shows the idle warning with `seconds` left, as after that much quiet: the kiosk's clock
    /// moves on to that moment, so the next tick keeps the warning instead of hiding it.
    pub fn show_idle_warning(&self, seconds: u32) {
        let s = &self.session;
        let quiet = s
            .idle
            .borrow()
            .quiet_before(Duration::from_secs(seconds.into()));
        let last_touch = s.now.get();
        s.idle.borrow_mut().activity(last_touch);
        s.now.set(last_touch + quiet);
        overlays::show_idle_warning(&self.window, u64::from(seconds));
    }

    pub fn set_large_text(&self, on: bool) {
        shell::set_large_text(&self.window, on);
    }

    /// Stops the live clock at a fixed time (reproducible screenshots).
    pub fn freeze_clock(&self, time: &str, date: &str) {
        self.session.clock_frozen.set(true);
        shell::set_clock(&self.window, time, date);
    }

    /// Opens the PIN pad, as holding the header's hidden corner for 3 s does.
    pub fn open_pin_pad(&self) {
        technician::open_pin_pad(&self.window, &self.session);
    }

    /// Ends any technician session and returns home.
    pub fn close_technician(&self) {
        technician::close(&self.window, &self.session);
    }

    /// `banshi preview`: shows `preview`'s folder, reloading it whenever a file in it changes
    /// (looked at every `kiosk::preview::POLL`; the first look is now). The store must be a
    /// file the preview may replace. Dropping the returned timer stops watching.
    pub fn watch_folder(&self, preview: crate::kiosk::preview::Preview) -> Timer {
        super::preview::watch(&self.window, &self.session, preview)
    }

    /// Covers the screen with an authored folder's problems, as `banshi preview` does (the
    /// gallery); none removes the cover.
    pub fn show_preview_problems(
        &self,
        folder: &str,
        problems: &[crate::kiosk::preview::PreviewProblem],
    ) {
        use slint::ComponentHandle;
        self.window
            .global::<super::PreviewProblems>()
            .set_folder(folder.into());
        super::preview::show_problems(&self.window, problems);
    }

    /// Writes ratings, suggestions, unanswered searches and guide openings into `dir/outbox.db`
    /// instead of the data folder's (the gallery, so drawing never adds to a kiosk's outbox).
    pub fn redirect_outbox(&self, dir: PathBuf) {
        let feed = Feed::start(dir, self.session.config.kiosk_id.clone());
        self.swap_outbox(feed);
    }

    /// Puts `feed` in place of the outbox thread in use, and returns that one.
    pub fn swap_outbox(&self, feed: Feed) -> Feed {
        self.session.search.borrow_mut().set_feed(feed.clone());
        self.session.outbox.replace(feed)
    }

    /// Waits (at most `timeout`) until everything handed to the outbox thread so far is
    /// written; `false` if it was not (tests, shutdown).
    pub fn flush_outbox(&self, timeout: Duration) -> bool {
        self.session.outbox.borrow().flush(timeout)
    }

    /// Waits for a rating or suggestion being written and shows the outcome (thanks, or why
    /// not), as the screen's poll timer would (tests, the gallery).
    pub fn finish_feedback(&self) {
        self.flush_outbox(Duration::from_secs(10));
        super::pages::feedback::poll(&self.window, &self.session);
    }

    /// Waits for the PIN check and the doctor's checks now running and shows their results.
    pub fn finish_background_work(&self) {
        technician::collect(&self.window, &self.session, true);
    }
}

fn tick(w: &AppWindow, s: &Session) {
    s.watchdog.borrow_mut().beat();
    shell::update_clock(w, s);
    let report = s.sync_inbox.lock().ok().and_then(|mut r| r.take());
    if let Some(report) = report {
        sync_report(w, s, report);
    } else if s.now.get().as_secs().is_multiple_of(60) {
        // Content can pass its expiry while the kiosk is offline.
        shell::update_status(w, s);
    }
    pages::guide::poll_printer(w, s);
    let now = s.now.get() + TICK;
    s.now.set(now);
    if s.message_until.get().is_some_and(|t| now >= t) {
        s.message_until.set(None);
        shell::set_message(w, "");
    }
    // Underneath a technician screen the resident's session waits; closing it resets.
    // A resident listening to a reading is using the kiosk.
    if read_aloud::reading(s) {
        s.idle.borrow_mut().activity(now);
    }
    let rest = s.at_rest(w) || s.tech.borrow().is_open();
    let state = s.idle.borrow_mut().tick(now, rest);
    technician::tick(w, s);
    match state {
        IdleState::Active => overlays::hide_idle_warning(w),
        IdleState::Warning(left) => overlays::show_idle_warning(w, left.into()),
        IdleState::Reset => s.reset(w),
    }
}

/// New content is in the store (a sync, or `banshi preview` reloading its folder): it replaces
/// the old on screen in one step (home, the page being read, search), without a restart.
pub(super) fn content_changed(w: &AppWindow, s: &Session) {
    s.rescope();
    let searching = s.route() == Route::Search;
    s.search.borrow_mut().content_changed(&s.store, searching);
    if let Err(e) = pages::home::load(w, s) {
        events::warn(format!("无法重新载入首页：{e:#}"));
    }
    if !searching {
        s.show();
    }
}

/// A sync finished: show its outcome; new content replaces the old on screen in one step
/// (home, the page being read, search), without a restart.
fn sync_report(w: &AppWindow, s: &Session, report: Report) {
    if report.status == Status::Updated {
        content_changed(w, s);
    }
    shell::update_status(w, s);
    if s.tech.borrow().is_open() {
        technician::show_facts(w, s);
    }
}
