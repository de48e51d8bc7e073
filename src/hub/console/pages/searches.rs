//! 搜索没找到: the searches kiosks answered with nothing (or little) most often in the last days,
//! and the guides opened most, so content staff know which aliases or guides to add.

use askama::Template;

use super::{render, Frame};
use crate::hub::console::web::{Ctx, PageResult, Response};
use crate::hub::sql::Db;

pub const DAYS: i64 = 30;
const SHOWN: i64 = 100;

#[derive(Template)]
#[template(path = "searches.html")]
struct Page {
    f: Frame,
    days: i64,
    /// (query, times, kiosks)
    misses: Vec<(String, i64, i64)>,
    /// (guide title or id, times opened)
    opened: Vec<(String, i64)>,
}

/// The first day of the window as the kiosks write days and times (`YYYY-MM-DD`, which sorts
/// before any RFC 3339 time of that day).
fn since_day(now: i64) -> String {
    chrono::DateTime::from_timestamp(now - DAYS * 86_400, 0)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default()
}

pub fn page(ctx: &Ctx<'_>, db: &mut dyn Db) -> PageResult {
    let since = since_day(ctx.req.now);
    let misses = db
        .query(
            "SELECT query, COUNT(*) AS n, COUNT(DISTINCT kiosk_id) FROM miss
             WHERE at >= $1 GROUP BY query ORDER BY n DESC, query LIMIT $2",
            &[since.as_str().into(), SHOWN.into()],
        )?
        .iter()
        .map(|r| (r.text(0), r.int(1), r.int(2)))
        .collect();
    let published = ctx.console.repo.as_ref().and_then(|repo| {
        ctx.console
            .published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(repo)
    });
    let opened = db
        .query(
            "SELECT guide, SUM(opened) AS n FROM usage_count
             WHERE day >= $1 GROUP BY guide ORDER BY n DESC, guide LIMIT $2",
            &[since.as_str().into(), SHOWN.into()],
        )?
        .iter()
        .map(|r| {
            let id = r.text(0);
            let title = published
                .as_ref()
                .and_then(|p| p.guides.get(&id))
                .map_or_else(|| id.clone(), |g| g.title.clone());
            (title, r.int(1))
        })
        .collect();
    let page = Page {
        f: Frame::new(ctx, "searches", "搜索没找到"),
        days: DAYS,
        misses,
        opened,
    };
    Ok(Response::html(200, render(&page)))
}
