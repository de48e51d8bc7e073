//! One module per console page: it reads what the page shows through the hub's core modules and
//! fills an askama template (`assets/console/*.html`, compiled in, HTML-escaped by default).

pub mod content;
pub mod feedback;
pub mod fleet;
pub mod login;
pub mod searches;

use askama::Template;

use super::accounts::Role;
use super::web::{Ctx, Response};

/// The console's style sheet.
pub const CSS: &str = include_str!("../../../../assets/console/console.css");

/// The menu: (path under /console/, name).
pub const NAV: [(&str, &str); 6] = [
    ("fleet", "终端"),
    ("enrol", "登记"),
    ("ratings", "好差评"),
    ("suggestions", "意见建议"),
    ("searches", "搜索没找到"),
    ("content", "内容"),
];

/// What the frame around every page shows.
pub struct Frame {
    pub title: String,
    pub active: &'static str,
    pub nav: &'static [(&'static str, &'static str)],
    pub user: String,
    pub role: &'static str,
    pub department: Option<String>,
    pub csrf: String,
    pub notice: Option<String>,
}

impl Frame {
    pub fn new(ctx: &Ctx<'_>, active: &'static str, title: impl Into<String>) -> Frame {
        let u = &ctx.session.user;
        Frame {
            title: title.into(),
            active,
            nav: &NAV,
            user: u.name.clone(),
            role: u.role.name(),
            department: u.department.clone(),
            csrf: ctx.session.csrf.clone(),
            notice: ctx.req.query("done").map(done_text),
        }
    }
}

/// The confirmation shown after a redirect (`?done=…`): only known words, never the query's
/// text itself.
fn done_text(key: &str) -> String {
    match key {
        "approved" => "已批准。",
        "revoked" => "已停用。",
        "saved" => "已保存。",
        _ => "已完成。",
    }
    .to_string()
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    title: &'a str,
    text: &'a str,
}

/// A plain page with a title and one message (errors, refusals).
pub fn message(status: u16, title: &str, text: &str) -> Response {
    Response::html(status, render(&Message { title, text }))
}

pub fn render<T: Template>(t: &T) -> String {
    t.render().unwrap_or_else(|e| format!("页面生成出错：{e}"))
}

/// Unix seconds as local `YYYY-MM-DD HH:MM`, empty for none.
pub fn when(secs: Option<i64>) -> String {
    secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// An RFC 3339 time (a kiosk's clock) as local `YYYY-MM-DD HH:MM`; unparsable text as it is.
pub fn when_text(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| t.to_string())
}

pub fn is_admin(ctx: &Ctx<'_>) -> bool {
    ctx.role() == Role::Admin
}
