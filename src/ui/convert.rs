//! Core views → Slint structs. Pure conversions, no queries.

use slint::{Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, SharedString, VecModel};

use super::{
    FaqData, FeeData, GuideData, ItemRowData, MaterialData, MaterialGroupData, NoticeData,
    NoticeRowData, SearchHitData, StepData, Tile,
};
use crate::qr::QrMatrix;
use crate::store::{CategoryRow, GuideView, ItemRow, NoticeRow, NoticeView};

pub fn model<T: Clone + 'static>(v: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(v))
}

fn strings(v: &[String]) -> ModelRc<SharedString> {
    model(v.iter().map(SharedString::from).collect())
}

pub fn tiles(rows: &[CategoryRow]) -> ModelRc<Tile> {
    model(
        rows.iter()
            .map(|r| Tile {
                id: r.id.as_str().into(),
                name: r.name.as_str().into(),
                count: r.count as i32,
            })
            .collect(),
    )
}

pub fn item_rows(rows: &[ItemRow]) -> ModelRc<ItemRowData> {
    model(
        rows.iter()
            .map(|r| ItemRowData {
                id: r.id.as_str().into(),
                name: r.name.as_str().into(),
                department: r.department.as_str().into(),
                facts: r.facts.as_str().into(),
                village_tag: r.village_tag.as_str().into(),
            })
            .collect(),
    )
}

pub fn notice_rows(rows: &[NoticeRow]) -> ModelRc<NoticeRowData> {
    model(
        rows.iter()
            .map(|r| NoticeRowData {
                id: r.id.as_str().into(),
                title: r.title.as_str().into(),
                category: r.category.as_str().into(),
                publisher: r.publisher.as_str().into(),
                published: r.published.as_str().into(),
                scope: r.scope_name.as_str().into(),
            })
            .collect(),
    )
}

pub fn search_hits(hits: &[crate::search::Hit]) -> ModelRc<SearchHitData> {
    model(
        hits.iter()
            .map(|h| SearchHitData {
                kind: h.kind.into(),
                id: h.id.as_str().into(),
                title: h.title.as_str().into(),
                subtitle: h.subtitle.as_str().into(),
            })
            .collect(),
    )
}

const CHINESE_NUMBERS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

pub fn guide(g: &GuideView) -> GuideData {
    let multi = g.materials.len() > 1;
    let materials = g
        .materials
        .iter()
        .enumerate()
        .map(|(i, grp)| MaterialGroupData {
            title: if multi {
                format!(
                    "情形{}：{}",
                    CHINESE_NUMBERS.get(i).copied().unwrap_or("·"),
                    grp.situation
                )
                .into()
            } else {
                format!("适用于：{}", grp.situation).into()
            },
            materials: model(
                grp.materials
                    .iter()
                    .map(|m| {
                        let copies = if m.copies > 0 {
                            format!(" {}份", m.copies)
                        } else {
                            String::new()
                        };
                        MaterialData {
                            name: m.name.as_str().into(),
                            necessity: m.necessity.as_str().into(),
                            detail: format!("{}{copies} · {}", m.form, m.source).into(),
                            note: m.note.as_str().into(),
                        }
                    })
                    .collect(),
            ),
        })
        .collect();
    let fee_summary = if g.free || g.fees.is_empty() {
        "不收费".to_string()
    } else {
        format!(
            "收费 {}",
            g.fees
                .iter()
                .map(|f| f.amount.as_str())
                .collect::<Vec<_>>()
                .join("、")
        )
    };
    let v = g.village.clone().unwrap_or_default();
    GuideData {
        id: g.id.as_str().into(),
        name: g.name.as_str().into(),
        department: g.department.as_str().into(),
        summary: g.summary.as_str().into(),
        item_type: g.item_type.as_str().into(),
        handle_type: g.handle_type.as_str().into(),
        audience: g.audience.as_str().into(),
        promised_limit: g.promised_limit.as_str().into(),
        legal_limit: g.legal_limit.as_str().into(),
        limit_note: g.limit_note.as_str().into(),
        visits: g.visits.as_str().into(),
        fee_summary: fee_summary.into(),
        conditions: strings(&g.conditions),
        materials: model(materials),
        steps: model(
            g.steps
                .iter()
                .enumerate()
                .map(|(i, s)| StepData {
                    number: i as i32 + 1,
                    name: s.name.as_str().into(),
                    actor: s.actor.as_str().into(),
                    time_limit: s.time_limit.as_str().into(),
                    description: s.description.as_str().into(),
                })
                .collect(),
        ),
        fees: model(
            g.fees
                .iter()
                .map(|f| FeeData {
                    name: f.name.as_str().into(),
                    amount: f.amount.as_str().into(),
                    standard: f.standard.as_str().into(),
                    basis: f.basis.as_str().into(),
                })
                .collect(),
        ),
        place: g.place.as_str().into(),
        windows: strings(&g.windows),
        hours: g.hours.as_str().into(),
        consult_phone: g.consult_phone.as_str().into(),
        complaint_phone: g.complaint_phone.as_str().into(),
        online_url: g.online_url.as_str().into(),
        express: g.express,
        result: g.result.as_str().into(),
        faq: model(
            g.faq
                .iter()
                .map(|(q, a)| FaqData {
                    q: q.as_str().into(),
                    a: a.as_str().into(),
                })
                .collect(),
        ),
        legal_basis: strings(&g.legal_basis),
        code: g.code.as_str().into(),
        has_village: g.village.is_some(),
        village_mode: v.mode.as_str().into(),
        village_meaning: v.meaning.as_str().into(),
        village_note: v.note.as_str().into(),
        village_room: v.place.service_room.as_str().into(),
        village_hours: v.place.hours.as_str().into(),
        village_assistant: v.place.assistant.as_str().into(),
        village_phone: v.place.phone.as_str().into(),
    }
}

pub fn notice(n: &NoticeView) -> NoticeData {
    let paragraphs: Vec<String> = n
        .body
        .split('\n')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    NoticeData {
        id: n.id.as_str().into(),
        title: n.title.as_str().into(),
        index_no: n.index_no.as_str().into(),
        category: n.category.as_str().into(),
        publisher: n.publisher.as_str().into(),
        doc_no: n.doc_no.as_str().into(),
        written: n.written.as_str().into(),
        published: n.published.as_str().into(),
        scope: if n.scope_name.is_empty() {
            "全县".into()
        } else {
            n.scope_name.as_str().into()
        },
        summary: n.summary.as_str().into(),
        paragraphs: strings(&paragraphs),
    }
}

/// A QR matrix as an image, one pixel per module; the UI scales it up without smoothing.
pub fn qr_image(m: &QrMatrix) -> Image {
    let mut buf = SharedPixelBuffer::<Rgb8Pixel>::new(m.size as u32, m.size as u32);
    for (px, &dark) in buf.make_mut_slice().iter_mut().zip(&m.dark) {
        let v = if dark { 0 } else { 255 };
        *px = Rgb8Pixel { r: v, g: v, b: v };
    }
    Image::from_rgb8(buf)
}
