//! The printed 一次性告知单 (one-time notice) for residents with no smartphone to scan the QR
//! code: `slip` says what is on it, `render` draws it with the kiosk's fonts, `escpos` turns the
//! drawing into the bytes a receipt printer takes.

pub mod device;
pub mod escpos;
pub mod render;
pub mod slip;

use crate::store::{Scope, Store};

/// A guide's slip, drawn for `paper`, and the bytes a printer takes.
pub struct Printout {
    pub rendered: render::Rendered,
    pub bytes: Vec<u8>,
}

/// The slip of guide `id` as the kiosk in `scope` shows it: materials of `situation` (0-based;
/// all when `None`), stamped with the content version and today's date.
pub fn guide_slip(
    store: &Store,
    scope: &Scope,
    id: &str,
    situation: Option<usize>,
    paper: escpos::Paper,
    today: chrono::NaiveDate,
) -> anyhow::Result<Printout> {
    let guide = store
        .guide(scope, id)?
        .ok_or_else(|| anyhow::anyhow!("没有编号为 {id} 的事项"))?;
    let version = store.meta("content_version")?.unwrap_or_default();
    slip_of(&guide, &version, situation, paper, today)
}

/// The slip of `guide` from content version `version` (what [`guide_slip`] prints, for a
/// caller that already holds the guide, e.g. the kiosk's printing thread).
pub fn slip_of(
    guide: &crate::store::GuideView,
    version: &str,
    situation: Option<usize>,
    paper: escpos::Paper,
    today: chrono::NaiveDate,
) -> anyhow::Result<Printout> {
    let stamp = format!(
        "内容第 {version} 版 · 打印于 {}",
        today.format("%Y年%-m月%-d日")
    );
    let lines = slip::lines(guide, situation, &stamp).map_err(anyhow::Error::msg)?;
    let rendered = render::render(&lines, paper);
    let bytes = escpos::encode(&rendered.image, paper).map_err(anyhow::Error::msg)?;
    Ok(Printout { rendered, bytes })
}
