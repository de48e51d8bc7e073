//! Writing validated [`Content`] into the database, all in one transaction: readers see the old
//! content or the new, never a mix.

use rusqlite::{params, Transaction};

use crate::model::{Content, County, Notice, ServiceItem};
use crate::pack::Packed;
use crate::search::Kind;

/// The `meta` key holding the county's 好差评 indicator set as JSON (absent: none published).
pub const RATINGS_META: &str = "rating_set";

const CONTENT_TABLES: &[&str] = &[
    "region",
    "department",
    "hall_window",
    "window_department",
    "life_event",
    "notice_category",
    "item",
    "item_life_event",
    "item_text",
    "fee",
    "material_group",
    "material",
    "step",
    "faq",
    "village_override",
    "notice",
];

/// Replaces all content inside `tx` (the caller commits). `packed` is the same content as
/// objects (from `pack::pack`, or as downloaded and verified by a sync).
pub fn replace_content(
    tx: &Transaction,
    content: &Content,
    packed: &Packed,
) -> rusqlite::Result<()> {
    for t in CONTENT_TABLES {
        tx.execute(&format!("DELETE FROM {t}"), [])?;
    }
    // Contentless FTS5: emptied at once rather than row by row (tombstones).
    tx.execute(
        "INSERT INTO search_body (search_body) VALUES ('delete-all')",
        [],
    )?;
    tx.execute("DELETE FROM sync_object", [])?;
    insert_objects(tx, packed.objects.iter())?;
    write_meta(tx, &content.county, packed)?;
    write_base(tx, content)?;
    write_documents(
        tx,
        &content.county,
        content.items.iter(),
        content.notices.iter(),
    )
}

/// What a new version changes, when its base object (county, regions, departments, windows,
/// categories) is unchanged: the documents to write (new or changed) and to remove.
pub struct Changes<'a> {
    pub items: Vec<&'a ServiceItem>,
    pub notices: Vec<&'a Notice>,
    pub removed_items: Vec<String>,
    pub removed_notices: Vec<String>,
    /// Objects of the old version that the new one does not have.
    pub stale_objects: Vec<String>,
    /// Objects the new version adds.
    pub new_objects: Vec<String>,
}

/// Writes only what changed, inside `tx`: the result equals `replace_content` with the whole new
/// version (tested), at a fraction of the writes.
pub fn apply_changes(
    tx: &Transaction,
    county: &County,
    packed: &Packed,
    changes: &Changes,
) -> rusqlite::Result<()> {
    const ITEM_TABLES: &[(&str, &str)] = &[
        ("item", "id"),
        ("item_life_event", "item"),
        ("item_text", "item"),
        ("fee", "item"),
        ("material_group", "item"),
        ("material", "item"),
        ("step", "item"),
        ("faq", "item"),
        ("village_override", "item"),
    ];
    let items = changes
        .items
        .iter()
        .map(|i| i.id.as_str())
        .chain(changes.removed_items.iter().map(String::as_str));
    for id in items {
        for (table, col) in ITEM_TABLES {
            tx.prepare_cached(&format!("DELETE FROM {table} WHERE {col} = ?1"))?
                .execute([id])?;
        }
        tx.prepare_cached("DELETE FROM search_body WHERE kind = ?1 AND id = ?2")?
            .execute(params![Kind::Guide.as_str(), id])?;
    }
    let notices = changes
        .notices
        .iter()
        .map(|n| n.id.as_str())
        .chain(changes.removed_notices.iter().map(String::as_str));
    for id in notices {
        tx.prepare_cached("DELETE FROM notice WHERE id = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM search_body WHERE kind = ?1 AND id = ?2")?
            .execute(params![Kind::Notice.as_str(), id])?;
    }
    for h in &changes.stale_objects {
        tx.prepare_cached("DELETE FROM sync_object WHERE hash = ?1")?
            .execute([h])?;
    }
    insert_objects(
        tx,
        changes
            .new_objects
            .iter()
            .filter_map(|h| packed.objects.get_key_value(h)),
    )?;
    write_meta(tx, county, packed)?;
    write_documents(
        tx,
        county,
        changes.items.iter().copied(),
        changes.notices.iter().copied(),
    )
}

fn insert_objects<'a>(
    tx: &Transaction,
    objects: impl Iterator<Item = (&'a String, &'a Vec<u8>)>,
) -> rusqlite::Result<()> {
    let mut obj = tx.prepare("INSERT OR REPLACE INTO sync_object (hash, body) VALUES (?1, ?2)")?;
    for (hash, body) in objects {
        obj.execute(params![hash, body])?;
    }
    Ok(())
}

fn write_meta(tx: &Transaction, c: &County, packed: &Packed) -> rusqlite::Result<()> {
    let manifest = String::from_utf8_lossy(&packed.manifest_bytes).into_owned();
    let meta = [
        ("content_version", c.content_version.to_string()),
        ("county_name", c.name.clone()),
        ("county_region", c.region.clone()),
        ("hall_name", c.hall_name.clone()),
        ("hall_address", c.hall_address.clone()),
        ("hall_hours", c.hall_hours.clone()),
        ("consult_phone", c.consult_phone.clone()),
        ("complaint_phone", c.complaint_phone.clone()),
        (
            "imported_at",
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ),
        ("content_digest", packed.manifest.digest.clone()),
        ("manifest", manifest),
    ];
    for (k, v) in meta {
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![k, v],
        )?;
    }
    Ok(())
}

fn write_base(tx: &Transaction, content: &Content) -> rusqlite::Result<()> {
    let c = &content.county;

    let mut region = tx.prepare(
        "INSERT INTO region (code, level, parent, name, service_room, hours, assistant, phone) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
    )?;
    region.execute(params![
        c.region,
        "county",
        None::<String>,
        c.name,
        c.hall_name,
        c.hall_hours,
        "",
        c.consult_phone
    ])?;
    for t in &content.regions.town {
        region.execute(params![
            t.code,
            "town",
            c.region,
            t.name,
            t.service_room,
            "",
            "",
            t.phone
        ])?;
    }
    for v in &content.regions.village {
        let town = format!("{}000", &v.code[..9]);
        region.execute(params![
            v.code,
            "village",
            town,
            v.name,
            v.service_room,
            v.hours,
            v.assistant,
            v.phone
        ])?;
    }

    let mut dep = tx.prepare("INSERT INTO department (id, ord, name, short_name, phone, address) VALUES (?1,?2,?3,?4,?5,?6)")?;
    for (i, d) in content.departments.iter().enumerate() {
        dep.execute(params![
            d.id,
            i as i64,
            d.name,
            d.short_name,
            d.phone,
            d.address
        ])?;
    }
    let mut win =
        tx.prepare("INSERT INTO hall_window (number, ord, floor, name) VALUES (?1,?2,?3,?4)")?;
    let mut win_dep =
        tx.prepare("INSERT OR IGNORE INTO window_department (window, department) VALUES (?1,?2)")?;
    for (i, w) in content.windows.iter().enumerate() {
        win.execute(params![w.number, i as i64, w.floor, w.name])?;
        for d in &w.departments {
            win_dep.execute(params![w.number, d])?;
        }
    }
    let mut ev = tx.prepare(
        "INSERT INTO life_event (id, ord, name, audience, icon) VALUES (?1,?2,?3,?4,?5)",
    )?;
    for (i, e) in content.categories.life_event.iter().enumerate() {
        ev.execute(params![
            e.id,
            i as i64,
            e.name,
            e.audience,
            e.icon.clone().unwrap_or_default()
        ])?;
    }
    let mut nc = tx.prepare("INSERT INTO notice_category (id, ord, name) VALUES (?1,?2,?3)")?;
    for (i, n) in content.categories.notice_category.iter().enumerate() {
        nc.execute(params![n.id, i as i64, n.name])?;
    }
    // The 好差评 set is base content: it changes only with the base, so only here.
    match &content.ratings {
        Some(set) => tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![
                RATINGS_META,
                serde_json::to_string(set).expect("serialises")
            ],
        )?,
        None => tx.execute("DELETE FROM meta WHERE key = ?1", [RATINGS_META])?,
    };

    Ok(())
}

fn write_documents<'a>(
    tx: &Transaction,
    c: &County,
    items: impl Iterator<Item = &'a ServiceItem> + Clone,
    notices: impl Iterator<Item = &'a Notice> + Clone,
) -> rusqlite::Result<()> {
    let mut item = tx.prepare(
        "INSERT INTO item (id, name, code, basic_code, department, item_type, handle_type, for_person, for_legal,
            popularity, summary, legal_limit_value, legal_limit_unit, promised_limit_value, promised_limit_unit,
            limit_note, visits, online_url, express, place, hours, consult_phone, complaint_phone, result_name,
            result_kind, free, village_mode, village_note)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28)",
    )?;
    let mut item_ev =
        tx.prepare("INSERT OR IGNORE INTO item_life_event (life_event, item) VALUES (?1,?2)")?;
    let mut text =
        tx.prepare("INSERT INTO item_text (item, kind, ord, text) VALUES (?1,?2,?3,?4)")?;
    let mut fee = tx.prepare(
        "INSERT INTO fee (item, ord, name, amount_fen, standard, basis) VALUES (?1,?2,?3,?4,?5,?6)",
    )?;
    let mut group =
        tx.prepare("INSERT INTO material_group (item, ord, situation) VALUES (?1,?2,?3)")?;
    let mut mat = tx.prepare(
        "INSERT INTO material (item, grp, ord, name, necessity, form, copies, source, note) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    )?;
    let mut step = tx.prepare("INSERT INTO step (item, ord, name, actor, time_limit, description) VALUES (?1,?2,?3,?4,?5,?6)")?;
    let mut faq = tx.prepare("INSERT INTO faq (item, ord, q, a) VALUES (?1,?2,?3,?4)")?;
    let mut ovr = tx.prepare(
        "INSERT OR REPLACE INTO village_override (item, region, mode, note) VALUES (?1,?2,?3,?4)",
    )?;
    for it in items.clone() {
        let place = it.place.clone().unwrap_or_else(|| c.hall_address.clone());
        let hours = it.hours.clone().unwrap_or_else(|| c.hall_hours.clone());
        item.execute(params![
            it.id,
            it.name,
            it.code,
            it.basic_code,
            it.department,
            it.item_type,
            it.handle_type,
            it.audience.iter().any(|a| a == "个人"),
            it.audience.iter().any(|a| a == "法人"),
            it.popularity,
            it.summary,
            it.legal_limit.value,
            it.legal_limit.unit,
            it.promised_limit.value,
            it.promised_limit.unit,
            it.limit_note.clone().unwrap_or_default(),
            it.visits,
            it.online_url,
            it.express,
            place,
            hours,
            it.consult_phone,
            it.complaint_phone,
            it.result.name,
            it.result.kind,
            it.free,
            it.village.mode,
            it.village.note.clone().unwrap_or_default(),
        ])?;
        for e in &it.life_events {
            item_ev.execute(params![e, it.id])?;
        }
        let lists: [(&str, &Vec<String>); 5] = [
            ("alias", &it.aliases),
            ("keyword", &it.keywords),
            ("condition", &it.conditions),
            ("legal_basis", &it.legal_basis),
            ("window", &it.windows),
        ];
        for (kind, values) in lists {
            for (i, v) in values.iter().enumerate() {
                text.execute(params![it.id, kind, i as i64, v])?;
            }
        }
        for (i, f) in it.fee.iter().enumerate() {
            fee.execute(params![
                it.id,
                i as i64,
                f.name,
                f.amount_fen,
                f.standard,
                f.basis
            ])?;
        }
        for (g, grp) in it.material_group.iter().enumerate() {
            group.execute(params![it.id, g as i64, grp.situation])?;
            for (m, x) in grp.material.iter().enumerate() {
                mat.execute(params![
                    it.id,
                    g as i64,
                    m as i64,
                    x.name,
                    x.necessity,
                    x.form,
                    x.copies,
                    x.source,
                    x.note.clone().unwrap_or_default()
                ])?;
            }
        }
        for (i, s) in it.step.iter().enumerate() {
            step.execute(params![
                it.id,
                i as i64,
                s.name,
                s.actor,
                s.time_limit,
                s.description
            ])?;
        }
        for (i, q) in it.faq.iter().enumerate() {
            faq.execute(params![it.id, i as i64, q.q, q.a])?;
        }
        for o in &it.village.overrides {
            ovr.execute(params![
                it.id,
                o.region,
                o.mode,
                o.note.clone().unwrap_or_default()
            ])?;
        }
    }

    let mut body = tx.prepare("INSERT INTO search_body (kind, id, body) VALUES (?1, ?2, ?3)")?;
    for it in items {
        let mut text: Vec<&str> = vec![&it.summary, &it.result.name];
        text.extend(it.conditions.iter().map(String::as_str));
        for g in &it.material_group {
            text.push(&g.situation);
            for m in &g.material {
                text.push(&m.name);
                text.extend(m.note.as_deref());
            }
        }
        text.extend(it.step.iter().map(|s| s.description.as_str()));
        for q in &it.faq {
            text.push(&q.q);
            text.push(&q.a);
        }
        body.execute(params![
            Kind::Guide.as_str(),
            it.id,
            crate::search::body::tokens(&text.join("\n"))
        ])?;
    }
    for n in notices.clone() {
        body.execute(params![
            Kind::Notice.as_str(),
            n.id,
            crate::search::body::tokens(&format!("{}\n{}\n{}", n.summary, n.publisher, n.body))
        ])?;
    }

    let mut notice = tx.prepare(
        "INSERT INTO notice (id, title, index_no, category, publisher, doc_no, written, published, scope, summary, body)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
    )?;
    for n in notices {
        notice.execute(params![
            n.id,
            n.title,
            n.index_no,
            n.category,
            n.publisher,
            n.doc_no.clone().unwrap_or_default(),
            n.written.to_string(),
            n.published.to_string(),
            n.scope,
            n.summary,
            n.body.trim(),
        ])?;
    }
    Ok(())
}
