//! Exports for the provincial 好差评 system and for county staff (issue 12), within a user's
//! [`Scope`]: ratings in the documented layout (`report::RATING_CSV_COLUMNS`, the same as
//! `banshi hub report ratings --csv`) as CSV or .xlsx, and cases — a 差评's columns or a
//! suggestion's ([`SUGGESTION_COLUMNS`]), followed by [`CASE_COLUMNS`] — in the same two formats.

use rust_xlsxwriter::{Format, Workbook};

use crate::hub::report::{self, RatingRow, RATING_CSV_COLUMNS, RATING_SELECT};
use crate::hub::sql::{Db, DbResult, Value};

use super::cases::{self, Filter, Kind, Scope};
use super::workdays::Deadlines;

/// What a 差评 case export adds after the rating's columns.
pub const CASE_COLUMNS: [&str; 5] = ["办理状态", "回访期限", "是否超期", "办理人", "办理说明"];

/// Ratings written on or after `since` (YYYY-MM-DD), oldest first, within `scope` (a
/// department's staff get its guides' ratings only).
pub fn ratings(db: &mut dyn Db, scope: &Scope, since: Option<&str>) -> DbResult<Vec<RatingRow>> {
    let mut params: Vec<Value> = vec![since.unwrap_or("").into()];
    let mut sql = format!("{RATING_SELECT} WHERE r.at >= $1");
    if let Some(d) = &scope.department {
        params.push(d.into());
        sql.push_str(" AND r.guide IN (SELECT guide FROM guide_department WHERE department = $2)");
    }
    sql.push_str(" ORDER BY r.at, r.kiosk_id, r.seq");
    Ok(db
        .query(&sql, &params)?
        .iter()
        .map(report::rating_row)
        .collect())
}

/// Ratings as CSV (exactly `banshi hub report ratings --csv`).
pub fn ratings_csv(rows: &[RatingRow]) -> anyhow::Result<Vec<u8>> {
    report::ratings_csv(rows)
}

/// Ratings as an .xlsx workbook: one sheet 好差评, the same columns as the CSV, every cell text.
pub fn ratings_xlsx(rows: &[RatingRow]) -> anyhow::Result<Vec<u8>> {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| report::rating_cells(r).to_vec())
        .collect();
    xlsx("好差评", &RATING_CSV_COLUMNS, &cells)
}

/// What a suggestion case export has before [`CASE_COLUMNS`].
pub const SUGGESTION_COLUMNS: [&str; 8] = [
    "建议编号",
    "建议时间",
    "终端编号",
    "大厅",
    "区划代码",
    "类别",
    "关于",
    "回访电话",
];

/// Cases of `filter.kind` matching `filter` (its page ignored: all of them), newest first:
/// a 差评 as the rating's columns ([`RATING_CSV_COLUMNS`]), a suggestion as
/// [`SUGGESTION_COLUMNS`], then [`CASE_COLUMNS`] (the note is the latest one).
pub fn case_cells(
    db: &mut dyn Db,
    scope: &Scope,
    filter: &Filter,
    deadlines: &Deadlines,
    now: i64,
) -> DbResult<Vec<Vec<String>>> {
    let mut f = filter.clone();
    f.per_page = cases::PER_PAGE_MAX;
    f.page = 1;
    let mut out = Vec::new();
    loop {
        let page = cases::list(db, scope, &f, deadlines, now)?;
        for c in &page.rows {
            let key: [Value; 2] = [c.kiosk.as_str().into(), c.seq.into()];
            let mut row = match f.kind {
                Kind::Rating => {
                    let rating = db
                        .row(
                            &format!("{RATING_SELECT} WHERE r.kiosk_id = $1 AND r.seq = $2"),
                            &key,
                        )?
                        .map(|r| report::rating_row(&r));
                    let Some(rating) = rating else { continue };
                    report::rating_cells(&rating).to_vec()
                }
                Kind::Suggestion => {
                    let phone = db
                        .row(
                            "SELECT phone FROM suggestion WHERE kiosk_id = $1 AND seq = $2",
                            &key,
                        )?
                        .and_then(|r| r.opt_text(0));
                    vec![
                        c.id.clone(),
                        c.at.clone(),
                        c.kiosk.clone(),
                        c.hall.clone().unwrap_or_default(),
                        c.region.clone().unwrap_or_default(),
                        c.topic.clone().unwrap_or_default(),
                        c.about.clone().unwrap_or_default(),
                        phone.unwrap_or_default(),
                    ]
                }
            };
            let note = db
                .row(
                    "SELECT note FROM case_history WHERE kiosk_id = $1 AND seq = $2
                     ORDER BY step DESC LIMIT 1",
                    &key,
                )?
                .map(|r| r.text(0))
                .unwrap_or_default();
            row.extend([
                c.state_name.to_string(),
                c.due.clone(),
                if c.overdue { "是" } else { "否" }.to_string(),
                c.handler.clone().unwrap_or_default(),
                note,
            ]);
            out.push(row);
        }
        if page.rows.len() < f.per_page as usize {
            return Ok(out);
        }
        f.page += 1;
    }
}

/// The header of a case export of `kind`.
pub fn case_header(kind: Kind) -> Vec<&'static str> {
    let first: &[&str] = match kind {
        Kind::Rating => &RATING_CSV_COLUMNS,
        Kind::Suggestion => &SUGGESTION_COLUMNS,
    };
    first.iter().chain(&CASE_COLUMNS).copied().collect()
}

/// Case rows ([`case_cells`]) as CSV: UTF-8 with a byte-order mark, one header row.
pub fn cases_csv(kind: Kind, rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(case_header(kind))?;
        for r in rows {
            w.write_record(r)?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// Case rows ([`case_cells`]) as an .xlsx workbook (one sheet, 差评回访 or 建议回访).
pub fn cases_xlsx(kind: Kind, rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let sheet = match kind {
        Kind::Rating => "差评回访",
        Kind::Suggestion => "建议回访",
    };
    xlsx(sheet, &case_header(kind), rows)
}

fn xlsx(sheet: &str, header: &[&str], rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_background_color(0xDDEBF7);
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            // Text, so ids, phone numbers and region codes keep their digits.
            ws.write_string_with_format(r as u32 + 1, c as u16, v, &text)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(wb.save_to_buffer()?)
}
