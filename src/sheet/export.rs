//! `Content` → a workbook in the layout `convert` reads, so departments can review and correct
//! their items in Excel or WPS and convert them back (`convert(export(x)) == x`, tested).

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::layout::{Layout, Table};
use crate::model::*;

/// One value to write.
enum V {
    Text(String),
    Int(i64),
    Yuan(i64),
    Date(toml::value::Datetime),
    Blank,
}

fn t(s: &str) -> V {
    V::Text(s.to_string())
}

fn opt(s: &Option<String>) -> V {
    s.as_deref().map_or(V::Blank, t)
}

fn lines(v: &[String]) -> V {
    V::Text(v.join("\n"))
}

fn yes_no(b: bool) -> V {
    t(if b { "是" } else { "否" })
}

struct Writer<'a> {
    layout: &'a Layout,
    header: Format,
    wrap: Format,
    date: Format,
    money: Format,
}

impl Writer<'_> {
    fn sheet(
        &self,
        wb: &mut Workbook,
        table: &str,
        fields: &[&str],
        rows: Vec<Vec<V>>,
    ) -> Result<(), XlsxError> {
        let tl: &Table = self.layout.table(table);
        let ws: &mut Worksheet = wb.add_worksheet();
        ws.set_name(tl.sheets.first().map(String::as_str).unwrap_or(table))?;
        for (c, f) in fields.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, tl.header(f), &self.header)?;
            let wide = [
                "name",
                "summary",
                "conditions",
                "legal_basis",
                "description",
                "body",
                "a",
                "q",
                "note",
                "standard",
                "basis",
                "title",
                "place",
                "hours",
                "limit_note",
            ];
            ws.set_column_width(c as u16, if wide.contains(f) { 30 } else { 14 })?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, v) in row.iter().enumerate() {
                let c = c as u16;
                match v {
                    V::Text(s) if s.is_empty() => {}
                    V::Text(s) => {
                        ws.write_string_with_format(r, c, s, &self.wrap)?;
                    }
                    V::Int(i) => {
                        ws.write_number(r, c, *i as f64)?;
                    }
                    V::Yuan(fen) => {
                        ws.write_number_with_format(r, c, *fen as f64 / 100.0, &self.money)?;
                    }
                    V::Date(d) => {
                        if let Some(d) = d.date {
                            let dt =
                                rust_xlsxwriter::ExcelDateTime::from_ymd(d.year, d.month, d.day)?;
                            ws.write_datetime_with_format(r, c, &dt, &self.date)?;
                        }
                    }
                    V::Blank => {}
                }
            }
        }
        Ok(())
    }
}

/// A name that finds exactly one row, else the id (so `convert` resolves it back).
fn name_or_id<'a>(id: &'a str, name: &'a str, names: &[&str]) -> &'a str {
    if names.iter().filter(|n| **n == name).count() == 1 {
        name
    } else {
        id
    }
}

/// The workbook's bytes.
pub fn to_bytes(content: &Content, layout: &Layout) -> Result<Vec<u8>, String> {
    build(content, layout)
        .and_then(|mut wb| wb.save_to_buffer())
        .map_err(|e| format!("无法生成表格：{e}"))
}

/// Writes the workbook to `path` (through a temporary file, so a half-written one never appears).
pub fn write(content: &Content, layout: &Layout, path: &Path) -> Result<(), String> {
    let bytes = to_bytes(content, layout)?;
    crate::atomic::write(
        path,
        &bytes,
        0o644,
        crate::atomic::Durability::FolderBestEffort,
    )
    .map_err(|e| format!("无法写 {}：{e}", path.display()))
}

fn build(c: &Content, layout: &Layout) -> Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    let w = Writer {
        layout,
        header: Format::new().set_bold().set_background_color(0xDDEBF7),
        wrap: Format::new().set_text_wrap().set_num_format("@"),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        money: Format::new().set_num_format("0.00"),
    };
    let dept_names: Vec<&str> = c
        .departments
        .iter()
        .flat_map(|d| [d.name.as_str(), d.short_name.as_str()])
        .collect();
    let event_names: Vec<&str> = c
        .categories
        .life_event
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let dept = |id: &str| {
        c.departments
            .iter()
            .find(|d| d.id == id)
            .map_or(id.to_string(), |d| {
                name_or_id(&d.id, &d.name, &dept_names).to_string()
            })
    };
    let event = |id: &str| {
        c.categories
            .life_event
            .iter()
            .find(|e| e.id == id)
            .map_or(id.to_string(), |e| {
                name_or_id(&e.id, &e.name, &event_names).to_string()
            })
    };

    let item_fields = [
        "id",
        "name",
        "code",
        "basic_code",
        "department",
        "item_type",
        "audience",
        "handle_type",
        "legal_limit",
        "legal_limit_unit",
        "promised_limit",
        "promised_limit_unit",
        "limit_note",
        "visits",
        "conditions",
        "legal_basis",
        "windows",
        "place",
        "hours",
        "consult_phone",
        "complaint_phone",
        "free",
        "online_url",
        "express",
        "result_name",
        "result_kind",
        "summary",
        "life_events",
        "aliases",
        "keywords",
        "popularity",
        "village_mode",
        "village_note",
    ];
    let rows = c
        .items
        .iter()
        .map(|i| {
            vec![
                t(&i.id),
                t(&i.name),
                t(&i.code),
                t(&i.basic_code),
                V::Text(dept(&i.department)),
                t(&i.item_type),
                V::Text(i.audience.join("、")),
                t(&i.handle_type),
                // No statutory limit: "无" in the value column, the unit left blank.
                if i.legal_limit.is_none() {
                    V::Text(crate::model::allowed::NO_LIMIT.into())
                } else {
                    V::Int(i.legal_limit.value)
                },
                if i.legal_limit.is_none() {
                    V::Text(String::new())
                } else {
                    t(&i.legal_limit.unit)
                },
                V::Int(i.promised_limit.value),
                t(&i.promised_limit.unit),
                opt(&i.limit_note),
                V::Int(i.visits),
                lines(&i.conditions),
                lines(&i.legal_basis),
                V::Text(i.windows.join("、")),
                opt(&i.place),
                opt(&i.hours),
                t(&i.consult_phone),
                t(&i.complaint_phone),
                yes_no(!i.free),
                t(&i.online_url),
                yes_no(i.express),
                t(&i.result.name),
                t(&i.result.kind),
                t(&i.summary),
                V::Text(
                    i.life_events
                        .iter()
                        .map(|e| event(e))
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                lines(&i.aliases),
                lines(&i.keywords),
                V::Int(i.popularity),
                t(&i.village.mode),
                opt(&i.village.note),
            ]
        })
        .collect();
    w.sheet(&mut wb, "items", &item_fields, rows)?;

    let mut rows = Vec::new();
    for i in &c.items {
        for g in &i.material_group {
            for m in &g.material {
                rows.push(vec![
                    t(&i.code),
                    t(&i.name),
                    t(&g.situation),
                    t(&m.name),
                    t(&m.necessity),
                    t(&m.form),
                    V::Int(m.copies),
                    t(&m.source),
                    opt(&m.note),
                ]);
            }
        }
    }
    let f = [
        "code",
        "item_name",
        "situation",
        "name",
        "necessity",
        "form",
        "copies",
        "source",
        "note",
    ];
    w.sheet(&mut wb, "materials", &f, rows)?;

    let rows = c
        .items
        .iter()
        .flat_map(|i| {
            i.step.iter().map(|s| {
                vec![
                    t(&i.code),
                    t(&i.name),
                    t(&s.name),
                    t(&s.actor),
                    t(&s.time_limit),
                    t(&s.description),
                ]
            })
        })
        .collect();
    let f = [
        "code",
        "item_name",
        "name",
        "actor",
        "time_limit",
        "description",
    ];
    w.sheet(&mut wb, "steps", &f, rows)?;

    let rows = c
        .items
        .iter()
        .flat_map(|i| {
            i.fee.iter().map(|x| {
                vec![
                    t(&i.code),
                    t(&i.name),
                    t(&x.name),
                    V::Yuan(x.amount_fen),
                    t(&x.standard),
                    t(&x.basis),
                ]
            })
        })
        .collect();
    let f = ["code", "item_name", "name", "amount", "standard", "basis"];
    w.sheet(&mut wb, "fees", &f, rows)?;

    let rows = c
        .items
        .iter()
        .flat_map(|i| {
            i.faq
                .iter()
                .map(|q| vec![t(&i.code), t(&i.name), t(&q.q), t(&q.a)])
        })
        .collect();
    w.sheet(&mut wb, "faqs", &["code", "item_name", "q", "a"], rows)?;

    let rows = c
        .items
        .iter()
        .flat_map(|i| {
            i.village.overrides.iter().map(|o| {
                vec![
                    t(&i.code),
                    t(&i.name),
                    t(&o.region),
                    t(&o.mode),
                    opt(&o.note),
                ]
            })
        })
        .collect();
    w.sheet(
        &mut wb,
        "overrides",
        &["code", "item_name", "region", "mode", "note"],
        rows,
    )?;

    let k = &c.county;
    w.sheet(
        &mut wb,
        "county",
        &[
            "name",
            "region",
            "hall_name",
            "hall_address",
            "hall_hours",
            "consult_phone",
            "complaint_phone",
            "content_version",
        ],
        vec![vec![
            t(&k.name),
            t(&k.region),
            t(&k.hall_name),
            t(&k.hall_address),
            t(&k.hall_hours),
            t(&k.consult_phone),
            t(&k.complaint_phone),
            V::Int(k.content_version),
        ]],
    )?;
    let rows = c
        .departments
        .iter()
        .map(|d| {
            vec![
                t(&d.id),
                t(&d.name),
                t(&d.short_name),
                t(&d.phone),
                t(&d.address),
            ]
        })
        .collect();
    w.sheet(
        &mut wb,
        "departments",
        &["id", "name", "short_name", "phone", "address"],
        rows,
    )?;
    let rows = c
        .windows
        .iter()
        .map(|x| {
            vec![
                t(&x.number),
                V::Int(x.floor),
                t(&x.name),
                V::Text(x.departments.join("、")),
            ]
        })
        .collect();
    w.sheet(
        &mut wb,
        "windows",
        &["number", "floor", "name", "departments"],
        rows,
    )?;
    let rows = c
        .regions
        .town
        .iter()
        .map(|x| vec![t(&x.code), t(&x.name), t(&x.service_room), t(&x.phone)])
        .collect();
    w.sheet(
        &mut wb,
        "towns",
        &["code", "name", "service_room", "phone"],
        rows,
    )?;
    let rows = c
        .regions
        .village
        .iter()
        .map(|x| {
            vec![
                t(&x.code),
                t(&x.name),
                t(&x.service_room),
                t(&x.hours),
                t(&x.assistant),
                t(&x.phone),
            ]
        })
        .collect();
    w.sheet(
        &mut wb,
        "villages",
        &[
            "code",
            "name",
            "service_room",
            "hours",
            "assistant",
            "phone",
        ],
        rows,
    )?;
    let rows = c
        .categories
        .life_event
        .iter()
        .map(|x| vec![t(&x.id), t(&x.name), t(&x.audience), opt(&x.icon)])
        .collect();
    w.sheet(
        &mut wb,
        "life_events",
        &["id", "name", "audience", "icon"],
        rows,
    )?;
    let rows = c
        .categories
        .notice_category
        .iter()
        .map(|x| vec![t(&x.id), t(&x.name)])
        .collect();
    w.sheet(&mut wb, "notice_categories", &["id", "name"], rows)?;
    let rows = c
        .notices
        .iter()
        .map(|n| {
            vec![
                t(&n.id),
                t(&n.title),
                t(&n.index_no),
                t(&n.category),
                t(&n.publisher),
                opt(&n.doc_no),
                V::Date(n.written),
                V::Date(n.published),
                t(&n.scope),
                t(&n.summary),
                t(&n.body),
            ]
        })
        .collect();
    let f = [
        "id",
        "title",
        "index_no",
        "category",
        "publisher",
        "doc_no",
        "written",
        "published",
        "scope",
        "summary",
        "body",
    ];
    w.sheet(&mut wb, "notices", &f, rows)?;
    Ok(wb)
}
