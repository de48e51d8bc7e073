//! 搜索没找到: the searches kiosks answered with nothing (or little) most often in the last days,
//! and the guides opened most, so content staff know which aliases or guides to add.

use askama::Template;

use super::{render, Frame};
use crate::hub::console::stats;
use crate::hub::console::web::{Ctx, PageResult, Response};
use crate::hub::console::workdays;
use crate::hub::sql::Db;

pub const DAYS: u32 = 30;
const SHOWN: i64 = 100;

#[derive(Template)]
#[template(path = "searches.html")]
struct Page {
    f: Frame,
    days: u32,
    misses: Vec<stats::Search>,
    opened: Vec<stats::Opened>,
}

pub fn page(ctx: &Ctx<'_>, db: &mut dyn Db) -> PageResult {
    // Guide titles come from the published content's mapping: keep it current.
    let _ = ctx.console.published(db);
    let today = workdays::day_of(ctx.req.now);
    let page = Page {
        f: Frame::new(ctx, "searches", "搜索没找到"),
        days: DAYS,
        misses: stats::top_searches(db, DAYS, SHOWN, today)?,
        opened: stats::top_guides(db, DAYS, SHOWN, today)?,
    };
    Ok(Response::html(200, render(&page)))
}
