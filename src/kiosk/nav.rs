//! Navigation: a stack of routes. Home is always at the bottom; Back pops, Home clears.

use crate::store::ItemFilter;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Home,
    List(ItemFilter),
    Guide(String),
    /// Notices in a category; empty means all.
    Notices(String),
    Notice(String),
    /// The search keyboard; the keys typed so far live in the UI's search session.
    Search,
}

impl Route {
    /// Parses a screen name as used by `banshi screenshot --page`: `home`, `category:<id>`,
    /// `department:<id>`, `audience:<个人|法人>`, `guide:<id>`, `notices`, `notices:<category>`,
    /// `notice:<id>`.
    pub fn parse(page: &str) -> Option<Route> {
        let (kind, arg) = match page.split_once(':') {
            Some((k, a)) => (k, Some(a.to_string())),
            None => (page, None),
        };
        Some(match (kind, arg) {
            ("home", None) => Route::Home,
            ("category", Some(id)) => Route::List(ItemFilter::LifeEvent(id)),
            ("department", Some(id)) => Route::List(ItemFilter::Department(id)),
            ("audience", Some(who)) => Route::List(ItemFilter::Audience(who)),
            ("guide", Some(id)) => Route::Guide(id),
            ("notices", None) => Route::Notices(String::new()),
            ("notices", Some(c)) => Route::Notices(c),
            ("notice", Some(id)) => Route::Notice(id),
            ("search", _) => Route::Search,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Navigator {
    stack: Vec<Route>,
}

impl Default for Navigator {
    fn default() -> Self {
        Navigator {
            stack: vec![Route::Home],
        }
    }
}

impl Navigator {
    pub fn current(&self) -> &Route {
        self.stack.last().expect("home is never popped")
    }

    /// Opens `route`. Opening the screen already shown replaces it (switching notice category
    /// does not pile up Back steps); opening Home clears the stack.
    pub fn open(&mut self, route: Route) {
        if route == Route::Home {
            self.home();
            return;
        }
        let same_kind = matches!(
            (self.current(), &route),
            (Route::Notices(_), Route::Notices(_))
        );
        if same_kind || self.current() == &route {
            self.stack.pop();
        }
        self.stack.push(route);
    }

    /// Goes back one screen; at home it stays home. Returns whether anything changed.
    pub fn back(&mut self) -> bool {
        if self.stack.len() > 1 {
            self.stack.pop();
            true
        } else {
            false
        }
    }

    pub fn home(&mut self) {
        self.stack.truncate(1);
    }

    pub fn depth(&self) -> usize {
        self.stack.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_returns_through_the_path_taken_and_stops_at_home() {
        let mut nav = Navigator::default();
        nav.open(Route::List(ItemFilter::LifeEvent("birth".into())));
        nav.open(Route::Guide("a".into()));
        assert_eq!(nav.current(), &Route::Guide("a".into()));
        assert!(nav.back());
        assert_eq!(
            nav.current(),
            &Route::List(ItemFilter::LifeEvent("birth".into()))
        );
        assert!(nav.back());
        assert_eq!(nav.current(), &Route::Home);
        assert!(!nav.back());
        assert_eq!(nav.current(), &Route::Home);
    }

    #[test]
    fn switching_notice_category_does_not_add_back_steps() {
        let mut nav = Navigator::default();
        nav.open(Route::Notices(String::new()));
        nav.open(Route::Notices("policy".into()));
        nav.open(Route::Notices("village".into()));
        assert_eq!(nav.depth(), 2);
        nav.open(Route::Home);
        assert_eq!(nav.depth(), 1);
    }

    #[test]
    fn page_names_parse() {
        assert_eq!(Route::parse("home"), Some(Route::Home));
        assert_eq!(Route::parse("guide:x-1"), Some(Route::Guide("x-1".into())));
        assert_eq!(
            Route::parse("category:birth"),
            Some(Route::List(ItemFilter::LifeEvent("birth".into())))
        );
        assert_eq!(Route::parse("notices"), Some(Route::Notices(String::new())));
        assert_eq!(Route::parse("guide"), None);
        assert_eq!(Route::parse("nonsense:1"), None);
    }
}
