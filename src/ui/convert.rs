//! Core views → Slint structs and models. Pure conversions, no queries; the wording of lines
//! that join values is `kiosk::wording`'s.

use slint::{Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, SharedString, VecModel};

use super::{
    FaqData, FeeData, GuideData, ItemRowData, MaterialData, MaterialGroupData, NoticeData,
    NoticeRowData, SearchHitData, StepData, Tile,
};
use crate::kiosk::wording as w;
use crate::qr::QrMatrix;
use crate::store::{CategoryRow, GuideView, ItemRow, NoticeRow, NoticeView};

pub fn model<T: Clone + 'static>(v: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(v))
}

fn strings<S: AsRef<str>>(v: impl IntoIterator<Item = S>) -> ModelRc<SharedString> {
    model(
        v.into_iter()
            .map(|s| SharedString::from(s.as_ref()))
            .collect(),
    )
}

pub fn tiles(rows: &[CategoryRow]) -> ModelRc<Tile> {
    model(
        rows.iter()
            .map(|r| Tile {
                id: r.id.as_str().into(),
                name: r.name.as_str().into(),
                note: w::tile_note(r.count).into(),
                icon: r.icon.as_str().into(),
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
                details: w::item_details(&r.department, &r.facts).into(),
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
                details: w::notice_details(&r.category, &r.publisher, &r.published).into(),
                scope: r.scope_name.as_str().into(),
            })
            .collect(),
    )
}

pub fn search_hits(hits: &[crate::search::Hit]) -> ModelRc<SearchHitData> {
    model(
        hits.iter()
            .map(|h| SearchHitData {
                kind: h.kind.as_str().into(),
                id: h.id.as_str().into(),
                title: h.title.as_str().into(),
                subtitle: h.subtitle.as_str().into(),
            })
            .collect(),
    )
}

pub fn guide(g: &GuideView) -> GuideData {
    let several = g.materials.len() > 1;
    let materials = g
        .materials
        .iter()
        .enumerate()
        .map(|(i, grp)| MaterialGroupData {
            title: w::material_group_title(i, several, &grp.situation).into(),
            materials: model(
                grp.materials
                    .iter()
                    .map(|m| MaterialData {
                        name: m.name.as_str().into(),
                        necessity: m.necessity.as_str().into(),
                        detail: w::material_detail(m).into(),
                        note: w::material_note(&m.note).into(),
                    })
                    .collect(),
            ),
        })
        .collect();
    let v = g.village.clone().unwrap_or_default();
    GuideData {
        id: g.id.as_str().into(),
        name: g.name.as_str().into(),
        subtitle: w::guide_subtitle(g).into(),
        summary: g.summary.as_str().into(),
        handle_type: g.handle_type.as_str().into(),
        promised_limit: g.promised_limit.as_str().into(),
        promise: w::promise(&g.promised_limit).into(),
        legal_limit: g.legal_limit.as_str().into(),
        limit_note: g.limit_note.as_str().into(),
        visits: g.visits.as_str().into(),
        fee_summary: w::fee_summary(g).into(),
        conditions: strings(g.conditions.iter().map(|c| w::condition(c))),
        materials: model(materials),
        steps: model(
            g.steps
                .iter()
                .enumerate()
                .map(|(i, s)| StepData {
                    number: i as i32 + 1,
                    name: s.name.as_str().into(),
                    title: w::step_title(s).into(),
                    description: s.description.as_str().into(),
                })
                .collect(),
        ),
        fees: model(
            g.fees
                .iter()
                .map(|f| FeeData {
                    name: f.name.as_str().into(),
                    text: w::fee_text(f).into(),
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
                    q: w::faq_question(q).into(),
                    a: w::faq_answer(a).into(),
                })
                .collect(),
        ),
        legal_basis: strings(&g.legal_basis),
        code_line: w::code_line(&g.code).into(),
        has_village: g.village.is_some(),
        village_mode: v.mode.as_str().into(),
        village_meaning: w::village_meaning(&v.meaning, v.town).into(),
        village_note: v.note.as_str().into(),
        village_who: w::village_who(&v.place.assistant, &v.place.phone).into(),
        village_where: w::village_where(&v.place.service_room, &v.place.hours).into(),
        village_assistant: v.place.assistant.as_str().into(),
        village_phone: v.place.phone.as_str().into(),
    }
}

pub fn notice(n: &NoticeView) -> NoticeData {
    let paragraphs = n.body.split('\n').map(str::trim).filter(|p| !p.is_empty());
    NoticeData {
        id: n.id.as_str().into(),
        title: n.title.as_str().into(),
        index_no: n.index_no.as_str().into(),
        category: n.category.as_str().into(),
        publisher: n.publisher.as_str().into(),
        doc_no: n.doc_no.as_str().into(),
        written: n.written.as_str().into(),
        published: n.published.as_str().into(),
        scope: w::notice_scope(&n.scope_name).into(),
        summary: n.summary.as_str().into(),
        summary_line: w::notice_summary(&n.summary).into(),
        paragraphs: strings(paragraphs),
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
