//! Wires the core (store, navigation, idle tracker) to the Slint window: fills the `Kiosk`
//! global for the current route and handles its callbacks. Queries run here on the UI thread;
//! each is indexed and bounded (see `banshi bench` for their cost).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use slint::{ComponentHandle, SharedString, Timer, TimerMode};

use super::technician::{self, TechState};
use super::{convert, AppWindow, Kiosk, Page, StatusKind};
use crate::config::Config;
use crate::kiosk::events;
use crate::kiosk::idle::{IdleState, IdleTracker};
use crate::kiosk::nav::{Navigator, Route};
use crate::qr;
use crate::search::log::SearchLog;
use crate::search::{Kind, SearchIndex, Typing};
use crate::store::{ItemFilter, Scope, Store};
use crate::sync::{Report, Status};

/// Where the sync worker leaves its latest report for the UI thread (read on the next tick).
pub type SyncInbox = Arc<Mutex<Option<Report>>>;

/// The keyboard's keys in the order of `Kiosk.key-enabled`.
const KEYBOARD: &[u8] = b"1234567890qwertyuiopasdfghjklzxcvbnm";
/// Results shown for a search.
const SEARCH_LIMIT: usize = 50;

/// The search index is built on a background thread, after the first frame (a few seconds
/// after start, or when the search page opens first); the first key waits for it if needed.
struct SearchState {
    index: Arc<OnceLock<SearchIndex>>,
    building: Option<JoinHandle<()>>,
    started: bool,
    typing: Typing,
    log: Option<SearchLog>,
    /// The content changed during a search; rebuild when it ends.
    stale: bool,
}

/// When the search index is built if nobody opened search before.
const SEARCH_BUILD_DELAY: Duration = Duration::from_secs(3);

impl SearchState {
    fn new(log: Option<SearchLog>) -> SearchState {
        SearchState {
            index: Arc::new(OnceLock::new()),
            building: None,
            started: false,
            typing: Typing::new(SEARCH_LIMIT),
            log,
            stale: false,
        }
    }

    /// Starts building the index from `store` (once).
    fn start(&mut self, store: &Store) {
        if self.started {
            return;
        }
        self.started = true;
        let docs = match store.search_docs() {
            Ok(d) => d,
            Err(e) => {
                events::warn(format!("无法读取搜索用的内容：{e}"));
                return;
            }
        };
        let slot = self.index.clone();
        match std::thread::Builder::new()
            .name("search-index".into())
            .spawn(move || {
                let _ = slot.set(SearchIndex::build(docs));
            }) {
            Ok(h) => self.building = Some(h),
            Err(e) => events::warn(format!("无法启动搜索索引线程：{e}")),
        }
    }

    /// Types `key`, waiting for the index if it is still being built.
    fn push(&mut self, key: u8) {
        if let Some(h) = self.building.take() {
            let _ = h.join();
        }
        if let Some(index) = self.index.get() {
            self.typing.push(index, key);
        }
    }

    /// New content: the index is rebuilt, now if no search is going on, else when it ends.
    fn content_changed(&mut self, store: &Store, searching: bool) {
        if searching {
            self.stale = true;
        } else {
            self.rebuild(store);
        }
    }

    fn rebuild(&mut self, store: &Store) {
        if let Some(h) = self.building.take() {
            let _ = h.join();
        }
        self.index = Arc::new(OnceLock::new());
        self.started = false;
        self.stale = false;
        self.start(store);
    }

    /// Ends the current search; a query that found nothing is recorded for staff.
    fn end(&mut self) {
        let missed =
            !self.typing.query().is_empty() && self.typing.answer().is_none_or(|a| a.total == 0);
        if missed {
            if let Some(log) = &self.log {
                if let Err(e) = log.record(&self.typing.query()) {
                    events::warn(format!("无法记录搜索词：{e}"));
                }
            }
        }
        self.typing.clear();
    }
}

/// How long a short message (e.g. about search) stays on screen.
const MESSAGE_TIME: Duration = Duration::from_secs(8);
/// The UI clock and idle tracker advance once per second.
const TICK: Duration = Duration::from_secs(1);

pub(super) struct Controller {
    pub(super) store: Store,
    scope: Scope,
    nav: Navigator,
    idle: IdleTracker,
    pub(super) config: Config,
    /// Seconds since start, counted by the UI timer (so tests can drive it with mocked time).
    pub(super) now: Duration,
    message_until: Option<Duration>,
    /// Screenshots show a fixed time instead of the live clock.
    clock_frozen: bool,
    search: SearchState,
    sync_inbox: SyncInbox,
    /// The technician screens (hidden entry, PIN pad, maintenance, touch test).
    pub(super) tech: TechState,
}

/// The running kiosk UI. Dropping it stops its timer.
pub struct KioskUi {
    pub window: AppWindow,
    pub(super) ctl: Rc<RefCell<Controller>>,
    _timer: Timer,
}

impl KioskUi {
    /// Builds the window for `store` and shows the home screen (the window is not yet shown).
    pub fn new(store: Store, config: Config) -> Result<KioskUi, anyhow::Error> {
        let window = AppWindow::new()?;
        let scope = store.scope(config.region.as_deref())?;
        let idle = IdleTracker::new(config.idle_timeout(), config.idle_warning(), Duration::ZERO);
        let log = std::fs::create_dir_all(config.data_dir())
            .ok()
            .and_then(|_| SearchLog::open(&config.data_dir()).ok());
        let search = SearchState::new(log);
        let ctl = Rc::new(RefCell::new(Controller {
            store,
            scope,
            nav: Navigator::default(),
            idle,
            config,
            now: Duration::ZERO,
            message_until: None,
            clock_frozen: false,
            search,
            sync_inbox: Arc::new(Mutex::new(None)),
            tech: TechState::new(),
        }));
        let timer = Timer::default();
        let later = ctl.clone();
        Timer::single_shot(SEARCH_BUILD_DELAY, move || {
            let mut c = later.borrow_mut();
            let Controller { search, store, .. } = &mut *c;
            search.start(store);
        });
        let ui = KioskUi {
            window,
            ctl,
            _timer: timer,
        };
        ui.load_home()?;
        ui.reset_state();
        ui.update_clock();
        ui.bind();
        let weak = ui.window.as_weak();
        let ctl = ui.ctl.clone();
        ui._timer.start(TimerMode::Repeated, TICK, move || {
            if let Some(w) = weak.upgrade() {
                tick(&w, &ctl);
            }
        });
        Ok(ui)
    }

    fn kiosk(&self) -> Kiosk<'_> {
        self.window.global::<Kiosk>()
    }

    fn load_home(&self) -> Result<(), anyhow::Error> {
        load_home(&self.window, &self.ctl.borrow())
    }

    /// Where the sync worker puts its reports; the UI applies them on its next tick.
    pub fn sync_inbox(&self) -> SyncInbox {
        self.ctl.borrow().sync_inbox.clone()
    }

    fn bind(&self) {
        let k = self.kiosk();
        let open = |route: fn(String) -> Route| {
            let weak = self.window.as_weak();
            let ctl = self.ctl.clone();
            move |arg: SharedString| {
                if let Some(w) = weak.upgrade() {
                    ctl.borrow_mut().nav.open(route(arg.to_string()));
                    show(&w, &ctl);
                }
            }
        };
        k.on_open_life_event(open(|id| Route::List(ItemFilter::LifeEvent(id))));
        k.on_open_department(open(|id| Route::List(ItemFilter::Department(id))));
        k.on_open_audience(open(|who| Route::List(ItemFilter::Audience(who))));
        k.on_open_guide(open(Route::Guide));
        k.on_open_notices(open(Route::Notices));
        k.on_open_notice(open(Route::Notice));

        let (weak, ctl) = (self.window.as_weak(), self.ctl.clone());
        k.on_go_back(move || {
            if let Some(w) = weak.upgrade() {
                if ctl.borrow_mut().nav.back() {
                    show(&w, &ctl);
                }
            }
        });
        let (weak, ctl) = (self.window.as_weak(), self.ctl.clone());
        k.on_go_home(move || {
            if let Some(w) = weak.upgrade() {
                ctl.borrow_mut().nav.home();
                show(&w, &ctl);
            }
        });
        let weak = self.window.as_weak();
        k.on_toggle_large_text(move || {
            if let Some(w) = weak.upgrade() {
                let k = w.global::<Kiosk>();
                k.set_large_text(!k.get_large_text());
            }
        });
        let (weak, ctl) = (self.window.as_weak(), self.ctl.clone());
        k.on_continue_session(move || {
            if let Some(w) = weak.upgrade() {
                let mut c = ctl.borrow_mut();
                let now = c.now;
                c.idle.activity(now);
                w.global::<Kiosk>().set_idle_warning(false);
            }
        });
        let open_search = open(|_| Route::Search);
        k.on_search_tapped(move || open_search(SharedString::new()));
        let (weak, ctl) = (self.window.as_weak(), self.ctl.clone());
        k.on_search_key(move |key| {
            if let (Some(w), Some(&b)) = (weak.upgrade(), key.as_bytes().first()) {
                type_key(&w, &ctl, Some(b));
            }
        });
        let (weak, ctl) = (self.window.as_weak(), self.ctl.clone());
        k.on_search_backspace(move || {
            if let Some(w) = weak.upgrade() {
                type_key(&w, &ctl, None);
            }
        });
        let (weak, ctl) = (self.window.as_weak(), self.ctl.clone());
        k.on_search_clear(move || {
            if let Some(w) = weak.upgrade() {
                ctl.borrow_mut().search.end();
                show_search(&w, &ctl.borrow());
            }
        });
        let (weak, ctl) = (self.window.as_weak(), self.ctl.clone());
        k.on_open_search_hit(move |kind, id| {
            if let Some(w) = weak.upgrade() {
                let route = match Kind::parse(&kind) {
                    Some(Kind::Notice) => Route::Notice(id.to_string()),
                    _ => Route::Guide(id.to_string()),
                };
                ctl.borrow_mut().nav.open(route);
                show(&w, &ctl);
            }
        });
        let ctl = self.ctl.clone();
        k.on_activity(move || {
            let mut c = ctl.borrow_mut();
            let now = c.now;
            c.idle.activity(now);
            c.tech.activity(now);
        });
        let ctl = self.ctl.clone();
        k.on_pointer(move |down| {
            let mut c = ctl.borrow_mut();
            let now = c.now;
            c.idle.pointer(down, now);
            c.tech.pointer(down, now);
        });
        technician::bind(&self.window, &self.ctl);
    }

    /// Runs `f` with the store and the kiosk's scope (benchmarks, gallery).
    pub fn with_store<T>(&self, f: impl FnOnce(&Store, &Scope) -> T) -> T {
        let c = self.ctl.borrow();
        f(&c.store, &c.scope)
    }

    /// Opens a screen as if the resident had navigated there (screenshots, tests).
    pub fn open(&self, route: Route) {
        self.ctl.borrow_mut().nav.open(route);
        show(&self.window, &self.ctl);
    }

    /// The screen currently shown.
    pub fn route(&self) -> Route {
        self.ctl.borrow().nav.current().clone()
    }

    /// Types keys on the search keyboard (screenshots, tests).
    pub fn type_search(&self, keys: &str) {
        for b in keys.bytes() {
            type_key(&self.window, &self.ctl, Some(b));
        }
    }

    /// Covers the screen with the setup message (the kiosk cannot run as configured).
    pub fn show_setup(&self, message: &str) {
        show_cover(&self.window, false, message);
    }

    /// Covers the screen with the "waiting for the county's first content" note (screenshots).
    pub fn show_waiting(&self, note: &str) {
        show_cover(&self.window, true, note);
    }

    /// Shows the idle warning with `seconds` left (screenshots).
    pub fn show_idle_warning(&self, seconds: u32) {
        let k = self.kiosk();
        k.set_idle_seconds_left(seconds as i32);
        k.set_idle_warning(true);
    }

    pub fn set_large_text(&self, on: bool) {
        self.kiosk().set_large_text(on);
    }

    /// Stops the live clock at a fixed time (reproducible screenshots).
    pub fn freeze_clock(&self, time: &str, date: &str) {
        self.ctl.borrow_mut().clock_frozen = true;
        self.kiosk().set_clock_time(time.into());
        self.kiosk().set_clock_date(date.into());
    }

    fn update_clock(&self) {
        update_clock(&self.window);
    }

    fn reset_state(&self) {
        reset_state(&self.window, &self.ctl);
    }
}

/// Fills the parts of the home screen that come from content.
fn load_home(w: &AppWindow, c: &Controller) -> Result<(), anyhow::Error> {
    let home = c.store.home(&c.scope)?;
    let k = w.global::<Kiosk>();
    // A service room's name without its parenthesised location: "柳塘村便民服务室".
    let hall = home
        .hall_name
        .split(['（', '('])
        .next()
        .unwrap_or(&home.hall_name)
        .trim()
        .to_string();
    k.set_hall_name(c.config.hall_name.clone().unwrap_or(hall).into());
    let place = if home.place_name.is_empty() {
        c.store.meta("hall_address")?.unwrap_or_default()
    } else {
        format!("{} {}", home.county_name, home.place_name)
    };
    k.set_place_name(place.into());
    k.set_life_events(convert::tiles(&home.life_events));
    k.set_business(convert::tiles(&home.business));
    k.set_departments(convert::tiles(&home.departments));
    k.set_popular(convert::item_rows(&home.popular));
    k.set_latest_notices(convert::notice_rows(&home.notices));
    k.set_notice_categories(convert::tiles(&c.store.notice_categories()?));
    update_status(w, c);
    Ok(())
}

/// Covers the screen with the setup note (`waiting`: a new kiosk waiting for its county's
/// first content; otherwise a configuration problem); an empty note removes the cover.
fn show_cover(w: &AppWindow, waiting: bool, note: &str) {
    let k = w.global::<Kiosk>();
    k.set_setup_waiting(waiting && !note.is_empty());
    k.set_setup_message(note.into());
}

/// The content status line (version, last check, offline, expired).
fn update_status(w: &AppWindow, c: &Controller) {
    use crate::kiosk::status::{self, SyncState};
    use crate::sync::keys;
    let meta = |k: &str| c.store.meta(k).ok().flatten().filter(|v| !v.is_empty());
    let state = SyncState {
        content_version: meta("content_version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        imported_at: meta("imported_at"),
        syncing: !c.config.server.is_empty(),
        last_status: meta(keys::LAST_STATUS),
        last_ok: meta(keys::LAST_OK),
        expires: meta(keys::EXPIRES),
        synced: meta(keys::VERSION).is_some(),
        last_error: meta(keys::LAST_ERROR),
    };
    let (text, kind) = status::line(&state, chrono::Utc::now());
    let k = w.global::<Kiosk>();
    // Until the county's own content has arrived, residents see a waiting screen, never the
    // bundled sample county; it lifts by itself when the first sync lands.
    match status::waiting_for_first_content(&state, &c.config.server) {
        Some(note) => show_cover(w, true, &note),
        None if k.get_setup_waiting() => show_cover(w, false, ""),
        None => {}
    }
    k.set_status_text(text.into());
    k.set_status_kind(match kind {
        status::Kind::Ok => StatusKind::Ok,
        status::Kind::Offline => StatusKind::Offline,
        status::Kind::Expired => StatusKind::Expired,
    });
}

/// A sync finished: show its outcome; new content replaces the old on screen in one step
/// (home, the page being read, search), without a restart.
fn sync_report(w: &AppWindow, ctl: &Rc<RefCell<Controller>>, report: Report) {
    if report.status == Status::Updated {
        {
            let mut c = ctl.borrow_mut();
            let searching = c.nav.current() == &Route::Search;
            let Controller { search, store, .. } = &mut *c;
            search.content_changed(store, searching);
        }
        if let Err(e) = load_home(w, &ctl.borrow()) {
            events::warn(format!("无法重新载入首页：{e:#}"));
        }
        if ctl.borrow().nav.current() != &Route::Search {
            show(w, ctl);
        }
    }
    update_status(w, &ctl.borrow());
    if ctl.borrow().tech.is_open() {
        technician::show_facts(w, &ctl.borrow());
    }
}

fn update_clock(w: &AppWindow) {
    let now = chrono::Local::now();
    let k = w.global::<Kiosk>();
    k.set_clock_time(now.format("%H:%M").to_string().into());
    use chrono::Datelike;
    let date = format!(
        "{} {}",
        now.format("%Y年%-m月%-d日"),
        crate::format::weekday(now.weekday().num_days_from_monday())
    );
    k.set_clock_date(date.into());
}

/// Clears everything the last resident did: back to home, default text size, no open guide.
pub(super) fn reset_state(w: &AppWindow, ctl: &Rc<RefCell<Controller>>) {
    let k = w.global::<Kiosk>();
    {
        let mut c = ctl.borrow_mut();
        c.nav.home();
        c.message_until = None;
        k.set_large_text(c.config.large_text);
    }
    k.set_home_tab(0);
    k.set_message(SharedString::new());
    k.set_idle_warning(false);
    k.set_list_items(convert::model(Vec::new()));
    k.set_guide(Default::default());
    k.set_qr_online(Default::default());
    k.set_qr_checklist(Default::default());
    k.set_notice(Default::default());
    k.set_notices(convert::model(Vec::new()));
    show(w, ctl);
}

/// Whether there is nothing a reset would clear.
fn at_rest(w: &AppWindow, c: &Controller) -> bool {
    let k = w.global::<Kiosk>();
    c.nav.current() == &Route::Home
        && k.get_large_text() == c.config.large_text
        && k.get_home_tab() == 0
}

fn tick(w: &AppWindow, ctl: &Rc<RefCell<Controller>>) {
    // systemd (Type=notify, WatchdogSec): the first tick says the UI is up, every tick that the
    // UI loop is alive. A hung UI stops ticking and systemd restarts the kiosk. Without
    // NOTIFY_SOCKET (not under systemd) this does nothing.
    let first = ctl.borrow().now.is_zero();
    let mut state = vec![sd_notify::NotifyState::Watchdog];
    if first {
        state.push(sd_notify::NotifyState::Ready);
    }
    if let Err(e) = sd_notify::notify(&state) {
        if first {
            events::warn(format!("无法通知 systemd：{e}"));
        }
    }
    if !ctl.borrow().clock_frozen {
        update_clock(w);
    }
    let report = ctl
        .borrow()
        .sync_inbox
        .lock()
        .ok()
        .and_then(|mut r| r.take());
    if let Some(report) = report {
        sync_report(w, ctl, report);
    } else if ctl.borrow().now.as_secs() % 60 == 0 {
        // Content can pass its expiry while the kiosk is offline.
        update_status(w, &ctl.borrow());
    }
    let state = {
        let mut c = ctl.borrow_mut();
        c.now += TICK;
        let now = c.now;
        if c.message_until.is_some_and(|t| now >= t) {
            c.message_until = None;
            w.global::<Kiosk>().set_message(SharedString::new());
        }
        // Underneath a technician screen the resident's session waits; closing it resets.
        let rest = at_rest(w, &c) || c.tech.is_open();
        c.idle.tick(now, rest)
    };
    technician::tick(w, ctl);
    let k = w.global::<Kiosk>();
    match state {
        IdleState::Active => k.set_idle_warning(false),
        IdleState::Warning(left) => {
            k.set_idle_seconds_left(left as i32);
            k.set_idle_warning(true);
        }
        IdleState::Reset => reset_state(w, ctl),
    }
}

/// Fills the `Kiosk` global for the current route and switches the page.
fn show(w: &AppWindow, ctl: &Rc<RefCell<Controller>>) {
    let k = w.global::<Kiosk>();
    let route = ctl.borrow().nav.current().clone();
    if route == Route::Home {
        // Back at home the search is over (by the Home button, an idle reset, or Back).
        let mut c = ctl.borrow_mut();
        c.search.end();
        if c.search.stale {
            let Controller { search, store, .. } = &mut *c;
            search.rebuild(store);
        }
    }
    // One read transaction for the whole page: a sync committing meanwhile cannot give it half
    // of each version.
    let _ = ctl.borrow().store.conn().execute_batch("BEGIN");
    let result = (|| -> Result<bool, anyhow::Error> {
        let c = ctl.borrow();
        match &route {
            Route::Home => k.set_page(Page::Home),
            Route::List(filter) => {
                let Some(list) = c.store.item_list(&c.scope, filter)? else {
                    return Ok(false);
                };
                k.set_list_title(list.title.into());
                k.set_list_subtitle(list.subtitle.into());
                k.set_list_items(convert::item_rows(&list.items));
                k.set_page(Page::List);
            }
            Route::Guide(id) => {
                let Some(g) = c.store.guide(&c.scope, id)? else {
                    return Ok(false);
                };
                let online = qr::encode(&g.online_url, qrcode::EcLevel::M)?;
                let checklist = qr::encode(&qr::checklist_text(&g), qrcode::EcLevel::L)?;
                k.set_qr_online(convert::qr_image(&online));
                k.set_qr_checklist(convert::qr_image(&checklist));
                k.set_guide(convert::guide(&g));
                k.set_page(Page::Guide);
            }
            Route::Notices(category) => {
                let cat = (!category.is_empty()).then_some(category.as_str());
                k.set_notices(convert::notice_rows(&c.store.notices(&c.scope, cat)?));
                k.set_notice_category(category.as_str().into());
                k.set_page(Page::Notices);
            }
            Route::Notice(id) => {
                let Some(n) = c.store.notice(id)? else {
                    return Ok(false);
                };
                k.set_notice(convert::notice(&n));
                k.set_page(Page::Notice);
            }
            Route::Search => {
                drop(c);
                {
                    let mut c = ctl.borrow_mut();
                    let Controller { search, store, .. } = &mut *c;
                    search.start(store);
                }
                show_search(w, &ctl.borrow());
                k.set_page(Page::Search);
            }
        }
        Ok(true)
    })();
    let _ = ctl.borrow().store.conn().execute_batch("COMMIT");
    let problem = match result {
        Ok(true) => None,
        Ok(false) => Some("没有找到这一项内容，可能已经更新。请返回重新选择。".to_string()),
        Err(e) => {
            events::warn(format!("无法打开页面 {route:?}：{e:#}"));
            Some("这一页暂时打不开，请返回或问窗口工作人员。".to_string())
        }
    };
    if let Some(text) = problem {
        ctl.borrow_mut().nav.back();
        let mut c = ctl.borrow_mut();
        c.message_until = Some(c.now + MESSAGE_TIME);
        drop(c);
        k.set_message(text.into());
    }
}

/// Types one key (`None`: backspace) and shows the new answer.
fn type_key(w: &AppWindow, ctl: &Rc<RefCell<Controller>>, key: Option<u8>) {
    {
        let mut c = ctl.borrow_mut();
        let now = c.now;
        c.idle.activity(now);
        let Controller { search, store, .. } = &mut *c;
        search.start(store);
        match key {
            Some(k) => search.push(k),
            None => {
                search.typing.pop();
            }
        }
    }
    show_search(w, &ctl.borrow());
}

/// Fills the search screen from the current session.
fn show_search(w: &AppWindow, c: &Controller) {
    let k = w.global::<Kiosk>();
    let typing = &c.search.typing;
    k.set_search_ready(
        c.search.index.get().is_some() || c.search.building.is_some() || !c.search.started,
    );
    k.set_search_text(typing.query().into());
    let answer = typing.answer();
    k.set_search_total(answer.map_or(0, |a| a.total) as i32);
    k.set_search_hits(convert::search_hits(
        answer.map(|a| &a.hits[..]).unwrap_or(&[]),
    ));
    let next = answer.map_or(u64::MAX, |a| a.next);
    k.set_key_enabled(convert::model(
        KEYBOARD
            .iter()
            .map(|&b| next & crate::search::index::key_bit(b) != 0)
            .collect(),
    ));
}

impl From<Kind> for SharedString {
    fn from(k: Kind) -> SharedString {
        k.as_str().into()
    }
}
