//! 内容: the published versions with their dates, the metadata expiry with a countdown (a warning
//! from [`EXPIRY_WARNING_DAYS`] before: an expired repository freezes every kiosk at once), and
//! what changed between two versions, by title.

use askama::Template;

use super::{render, when, Frame};
use crate::hub::console::published::{self, DIFF_SHOWN};
use crate::hub::console::web::{Ctx, PageResult, Response};
use crate::hub::sql::Db;

pub const EXPIRY_WARNING_DAYS: i64 = 7;

pub struct DiffView {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub added_n: usize,
    pub removed_n: usize,
    pub changed_n: usize,
    pub base_changed: bool,
    pub cut: bool,
    pub shown: usize,
}

#[derive(Template)]
#[template(path = "content.html")]
struct Page {
    f: Frame,
    served: bool,
    expiry: Option<String>,
    expiry_warn: bool,
    /// (number, published), newest first.
    versions: Vec<(u64, String)>,
    from: u64,
    to: u64,
    diff: Option<DiffView>,
    error: Option<String>,
}

/// "将于 … 过期，还有 N 天" and whether it is time to warn.
pub fn countdown(expires: i64, now: i64) -> (String, bool) {
    let left = expires - now;
    let at = when(Some(expires));
    if left <= 0 {
        (
            format!("已于 {at} 过期：终端不再更新，请立即重新签名发布"),
            true,
        )
    } else if left < 86_400 {
        (format!("将于 {at} 过期，只剩 {} 小时", left / 3600), true)
    } else {
        let days = left / 86_400;
        (
            format!("将于 {at} 过期，还有 {days} 天"),
            days < EXPIRY_WARNING_DAYS,
        )
    }
}

pub fn page(ctx: &Ctx<'_>, db: &mut dyn Db) -> PageResult {
    let f = Frame::new(ctx, "content", "内容");
    let Some(repo) = ctx.console.repo.as_ref() else {
        let page = Page {
            f,
            served: false,
            expiry: None,
            expiry_warn: false,
            versions: vec![],
            from: 0,
            to: 0,
            diff: None,
            error: None,
        };
        return Ok(Response::html(200, render(&page)));
    };
    let published = ctx.console.published(db);
    let mut error = None;
    let (versions, expires) = match &published {
        Some(p) => (p.versions.clone(), p.expires),
        None => {
            error = Some("读不了发布仓库（汇总服务的日志里有原因）。请技术员运行 banshi doctor --repo 仓库目录 检查。".to_string());
            (vec![], None)
        }
    };
    let (expiry, expiry_warn) = match expires.map(|e| countdown(e, ctx.req.now)) {
        Some((text, warn)) => (Some(text), warn),
        None => (None, false),
    };
    let newest = versions.last().map_or(0, |v| v.number);
    let number = |name: &str, default: u64| {
        ctx.req
            .query(name)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(default)
    };
    let to = number("to", newest);
    let from = number("from", to.saturating_sub(1).max(1));
    let find = |n: u64| versions.iter().find(|v| v.number == n);
    let diff = match (find(from), find(to)) {
        (Some(a), Some(b)) if a.number != b.number => match published::diff(repo, a, b) {
            Ok((d, c)) => Some(DiffView {
                cut: c.added > d.added.len()
                    || c.removed > d.removed.len()
                    || c.changed > d.changed.len(),
                added: d.added,
                removed: d.removed,
                changed: d.changed,
                added_n: c.added,
                removed_n: c.removed,
                changed_n: c.changed,
                base_changed: d.base_changed,
                shown: DIFF_SHOWN,
            }),
            Err(e) => {
                error = Some(format!("比较不了这两个版本：{e:#}"));
                None
            }
        },
        _ => None,
    };
    let page = Page {
        f,
        served: true,
        expiry,
        expiry_warn,
        versions: versions
            .iter()
            .rev()
            .map(|v| (v.number, when(Some(v.published))))
            .collect(),
        from,
        to,
        diff,
        error,
    };
    Ok(Response::html(200, render(&page)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_countdown_warns_from_seven_days_before() {
        let now = 1_800_000_000;
        assert!(!countdown(now + 8 * 86_400, now).1);
        let (text, warn) = countdown(now + 6 * 86_400 + 10, now);
        assert!(warn && text.contains("还有 6 天"), "{text}");
        let (text, warn) = countdown(now + 5 * 3600, now);
        assert!(warn && text.contains("只剩 5 小时"), "{text}");
        let (text, warn) = countdown(now - 1, now);
        assert!(warn && text.contains("已于"), "{text}");
    }
}
