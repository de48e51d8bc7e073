//! The search screen's session, without any UI: the index built in the background (a few
//! seconds after start, or when search first opens), the keys typed so far (`Typing`), the
//! record of searches that found nothing, and what the screen shows about it.

use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::kiosk::events;
use crate::kiosk::handwriting_pad::Pad;
use crate::kiosk::outbox_feed::Feed;
use crate::outbox::Miss;
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
    /// Characters written on the 手写 pad: while any, they are the query (searched as the
    /// command line searches Chinese, body text included) instead of the keys typed.
    written: String,
    written_answer: Option<Results>,
    /// The 手写 pad (strokes and candidates of the character being written).
    pub pad: Pad,
    /// Where unanswered searches go up to the county (issue 11); none in tests and the CLI.
    feed: Option<Feed>,
    /// A result of the current query was opened.
    opened: bool,
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
            written: String::new(),
            written_answer: None,
            pad: Pad::default(),
            feed: None,
            opened: false,
        }
    }

    /// Sends searches that found nothing, or after which no result was opened, to the outbox.
    pub fn set_feed(&mut self, feed: Feed) {
        self.feed = Some(feed);
    }

    /// The resident opened one of the results shown.
    pub fn hit_opened(&mut self) {
        self.opened = true;
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
        // A changed query is a new question: its results have not been opened yet.
        self.opened = false;
        if !self.written.is_empty() {
            match key {
                // A key typed after written characters starts a typed query.
                Some(_) => self.clear_written(),
                None => {
                    self.written.pop();
                    self.search_written(store);
                    return;
                }
            }
        }
        match key {
            Some(k) => {
                self.wait_for_build();
                if let Some(index) = self.index.get() {
                    self.typing.push(index, k);
                }
            }
            None => {
                self.typing.pop();
            }
        }
    }

    /// Adds `text` (a candidate picked on the 手写 pad) to the written query and searches it;
    /// keys typed before are dropped (a query is typed or written, not both).
    pub fn write(&mut self, store: &Store, text: &str) {
        self.start(store);
        self.opened = false;
        if self.written.is_empty() {
            self.typing.clear();
        }
        self.written.push_str(text);
        self.search_written(store);
    }

    fn search_written(&mut self, store: &Store) {
        self.wait_for_build();
        self.written_answer = match self.index.get() {
            Some(index) if !self.written.is_empty() => {
                let body = |q: &str| store.search_body(q);
                Some(index.search(&self.written, SEARCH_LIMIT, Some(&body)))
            }
            _ => None,
        };
    }

    /// Waits for the index being built in the background, if it is.
    fn wait_for_build(&mut self) {
        if let Some(h) = self.building.take() {
            let _ = h.join();
        }
    }

    fn clear_written(&mut self) {
        self.written.clear();
        self.written_answer = None;
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
        self.wait_for_build();
        self.index = Arc::new(OnceLock::new());
        self.started = false;
        self.stale = false;
        self.start(store);
    }

    /// Ends the current search (a query that found nothing, or whose results a forgiving
    /// step found, is recorded for staff with the step), and rebuilds the index if the content
    /// changed meanwhile.
    pub fn end(&mut self, store: &Store) {
        let answer = self.answer();
        let missed = answer.is_none_or(|a| a.total == 0);
        let forgiven = answer.and_then(|a| a.forgiven);
        let query = self.query();
        if !query.is_empty() && (missed || forgiven.is_some()) {
            if let Some(log) = &self.log {
                if let Err(e) = log.record_step(&query, forgiven) {
                    events::warn(format!("无法记录搜索词：{e}"));
                }
            }
        }
        if let Some(miss) = self.unanswered(&query, missed, forgiven) {
            if let Some(feed) = &self.feed {
                feed.miss(miss);
            }
        }
        self.opened = false;
        self.typing.clear();
        self.clear_written();
        self.pad.clear();
        if self.stale {
            self.rebuild(store);
        }
    }

    /// What goes up to the county when a search ends: a query that found nothing, or one after
    /// which no result was opened (text, step and time only; the outbox stamps the time).
    fn unanswered(
        &self,
        query: &str,
        missed: bool,
        forgiven: Option<crate::search::index::Step>,
    ) -> Option<Miss> {
        let query: String = query.trim().chars().take(64).collect();
        if query.is_empty() || (!missed && self.opened) {
            return None;
        }
        Some(Miss {
            query,
            step: forgiven.map(|s| s.as_str().to_string()),
            found: !missed,
        })
    }

    /// Whether a key typed now is answered at once or after a short wait ("正在准备…" shows
    /// only when the index could not even be started).
    pub fn ready(&self) -> bool {
        self.index.get().is_some() || self.building.is_some() || !self.started
    }

    pub fn query(&self) -> String {
        if self.written.is_empty() {
            self.typing.query()
        } else {
            self.written.clone()
        }
    }

    pub fn answer(&self) -> Option<&Results> {
        if self.written.is_empty() {
            self.typing.answer()
        } else {
            self.written_answer.as_ref()
        }
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
    use crate::search::index::Step;

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
        for k in b"qqqqqq" {
            s.key(&store, Some(*k));
        }
        assert_eq!(s.missed_text(), "没有找到“qqqqqq”。");
        s.end(&store);
        assert_eq!(s.query(), "");
        // Found only because one slip was forgiven: recorded with the step.
        for k in b"shenfenzhneg" {
            s.key(&store, Some(*k));
        }
        assert_eq!(s.answer().unwrap().forgiven, Some(Step::Slip));
        assert_eq!(s.missed_text(), "");
        s.end(&store);
        // Found exactly: not recorded.
        for k in b"sfz" {
            s.key(&store, Some(*k));
        }
        s.end(&store);
        let log = SearchLog::open(dir.path()).unwrap();
        let report = log.report().unwrap();
        let steps: Vec<(&str, Option<&str>)> = report
            .iter()
            .map(|m| (m.query.as_str(), m.step.as_deref()))
            .collect();
        assert_eq!(
            steps,
            vec![("shenfenzhneg", Some("slip")), ("qqqqqq", None)],
            "{report:?}"
        );
    }

    #[test]
    fn unanswered_searches_go_to_the_outbox_and_opened_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = store();
        let mut s = SearchSession::new(None);
        s.set_feed(Feed::start(dir.path().to_path_buf(), "k".into()));
        for k in b"qqqqqq" {
            s.key(&store, Some(*k));
        }
        s.end(&store); // found nothing
        for k in b"sfz" {
            s.key(&store, Some(*k));
        }
        s.end(&store); // found, nothing opened
        for k in b"sfz" {
            s.key(&store, Some(*k));
        }
        s.hit_opened();
        s.end(&store); // found and opened: not a miss
        s.end(&store); // nothing typed: nothing
        assert!(s.feed.as_ref().unwrap().flush(Duration::from_secs(10)));
        let o = crate::outbox::Outbox::open(dir.path(), "k").unwrap();
        let misses: Vec<(String, bool)> = o
            .batch(10)
            .unwrap()
            .into_iter()
            .map(|r| {
                (
                    r.record["query"].as_str().unwrap().to_string(),
                    r.record["found"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            misses,
            vec![("qqqqqq".to_string(), false), ("sfz".to_string(), true)]
        );
    }

    #[test]
    fn written_characters_search_like_chinese_and_backspace_takes_one_back() {
        let store = store();
        let mut s = SearchSession::new(None);
        s.key(&store, Some(b'q'));
        s.write(&store, "身");
        s.write(&store, "份");
        assert_eq!(
            s.query(),
            "身份",
            "typed keys give way to written characters"
        );
        let answer = s.answer().unwrap();
        assert!(answer.hits.iter().any(|h| h.title == "居民身份证换领"));
        assert_eq!(s.total_text(), format!("找到 {} 项", answer.total));
        s.key(&store, None);
        assert_eq!(s.query(), "身");
        assert!(s.answer().is_some_and(|a| a.total > 0));
        s.key(&store, Some(b's'));
        assert_eq!(
            s.query(),
            "s",
            "a typed key after writing starts a typed query"
        );
        s.write(&store, "婚");
        s.end(&store);
        assert_eq!(s.query(), "");
        assert!(s.pad.is_empty());
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
