//! The search screen's session, without any UI: the index built in the background (a few
//! seconds after start, or when search first opens), the keys typed so far (`Typing`), the
//! record of searches that found nothing, and what the screen shows about it.

use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::kiosk::events;
use crate::search::log::SearchLog;
use crate::search::{Results, SearchIndex, Typing};
use crate::store::Store;

/// The keyboard's keys in the order the screen lists them (digits, then q…p, a…l, z…m).
pub const KEYBOARD: &[u8] = b"1234567890qwertyuiopasdfghjklzxcvbnm";
/// Results shown for a search.
pub const SEARCH_LIMIT: usize = 50;
/// When the search index is built if nobody opened search before.
pub const BUILD_DELAY: Duration = Duration::from_secs(3);

pub struct SearchSession {
    index: Arc<OnceLock<SearchIndex>>,
    building: Option<JoinHandle<()>>,
    started: bool,
    typing: Typing,
    log: Option<SearchLog>,
    /// The content changed during a search; rebuild when it ends.
    stale: bool,
}

impl SearchSession {
    pub fn new(log: Option<SearchLog>) -> SearchSession {
        SearchSession {
            index: Arc::new(OnceLock::new()),
            building: None,
            started: false,
            typing: Typing::new(SEARCH_LIMIT),
            log,
            stale: false,
        }
    }

    /// Starts building the index from `store` on a background thread (once).
    pub fn start(&mut self, store: &Store) {
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

    /// Types `key` (`None`: backspace), starting the index and waiting for it if needed.
    pub fn key(&mut self, store: &Store, key: Option<u8>) {
        self.start(store);
        match key {
            Some(k) => {
                if let Some(h) = self.building.take() {
                    let _ = h.join();
                }
                if let Some(index) = self.index.get() {
                    self.typing.push(index, k);
                }
            }
            None => {
                self.typing.pop();
            }
        }
    }

    /// New content: the index is rebuilt, now if no search is going on, else when it ends.
    pub fn content_changed(&mut self, store: &Store, searching: bool) {
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

    /// Ends the current search (a query that found nothing is recorded for staff), and
    /// rebuilds the index if the content changed meanwhile.
    pub fn end(&mut self, store: &Store) {
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
        if self.stale {
            self.rebuild(store);
        }
    }

    /// Whether a key typed now is answered at once or after a short wait ("正在准备…" shows
    /// only when the index could not even be started).
    pub fn ready(&self) -> bool {
        self.index.get().is_some() || self.building.is_some() || !self.started
    }

    pub fn query(&self) -> String {
        self.typing.query()
    }

    pub fn answer(&self) -> Option<&Results> {
        self.typing.answer()
    }

    /// For each key of `KEYBOARD`: whether typing it next still finds something.
    pub fn keys_enabled(&self) -> Vec<bool> {
        let next = self.answer().map_or(u64::MAX, |a| a.next);
        KEYBOARD
            .iter()
            .map(|&b| next & crate::search::index::key_bit(b) != 0)
            .collect()
    }

    /// Beside the typed keys: "找到 3 项", "正在准备…", or nothing before a key is typed.
    pub fn total_text(&self) -> String {
        if !self.ready() {
            "正在准备…".into()
        } else if self.query().is_empty() {
            String::new()
        } else {
            format!("找到 {} 项", self.answer().map_or(0, |a| a.total))
        }
    }

    /// The heading when nothing was found: "没有找到“xyz”。" (empty otherwise).
    pub fn missed_text(&self) -> String {
        let query = self.query();
        if query.is_empty() || self.answer().is_some_and(|a| a.total > 0) {
            String::new()
        } else {
            format!("没有找到“{query}”。")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        Store::in_memory(&crate::sample::sample()).unwrap()
    }

    #[test]
    fn typing_initials_finds_the_guide_and_dims_dead_keys() {
        let store = store();
        let mut s = SearchSession::new(None);
        assert_eq!(s.total_text(), "", "nothing typed yet");
        for k in b"sfz" {
            s.key(&store, Some(*k));
        }
        assert_eq!(s.query(), "sfz");
        let answer = s.answer().unwrap();
        assert!(answer.hits.iter().any(|h| h.title == "居民身份证换领"));
        assert_eq!(s.total_text(), format!("找到 {} 项", answer.total));
        assert_eq!(s.missed_text(), "");
        let enabled = s.keys_enabled();
        assert_eq!(enabled.len(), KEYBOARD.len());
        assert!(enabled.iter().any(|e| !e), "some keys lead nowhere");
        s.key(&store, None);
        assert_eq!(s.query(), "sf");
    }

    #[test]
    fn a_search_that_found_nothing_is_recorded_when_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let store = store();
        let mut s = SearchSession::new(Some(SearchLog::open(dir.path()).unwrap()));
        for k in b"sfzq" {
            s.key(&store, Some(*k));
        }
        assert_eq!(s.missed_text(), "没有找到“sfzq”。");
        s.end(&store);
        assert_eq!(s.query(), "");
        let log = SearchLog::open(dir.path()).unwrap();
        let missed = log.report().unwrap();
        assert!(missed.iter().any(|m| m.query == "sfzq"), "{missed:?}");
    }

    #[test]
    fn new_content_during_a_search_rebuilds_when_it_ends() {
        let store = store();
        let mut s = SearchSession::new(None);
        s.key(&store, Some(b's'));
        s.content_changed(&store, true);
        assert!(s.stale);
        s.end(&store);
        assert!(!s.stale && s.started, "rebuilt");
        s.key(&store, Some(b's'));
        assert!(s.answer().is_some_and(|a| a.total > 0));
    }
}
