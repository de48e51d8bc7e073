//! Read-only queries behind each screen. They return plain view structs (no UI types), already
//! worded for residents (see [`crate::format`]). Every query is served by an index and bounded,
//! so it can run on the UI thread within a frame (see `banshi bench`).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Row};

use super::{Store, StoreError};
use crate::format;

/// Where the kiosk stands: the county, and maybe a town and a village (from the config's region).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    pub county: String,
    pub town: Option<Place>,
    pub village: Option<Place>,
}

/// A town or village service room.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Place {
    pub code: String,
    pub name: String,
    pub service_room: String,
    pub hours: String,
    pub assistant: String,
    pub phone: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CategoryRow {
    pub id: String,
    pub name: String,
    pub icon: String,
    pub count: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemRow {
    pub id: String,
    pub name: String,
    pub department: String,
    /// e.g. "承诺15个工作日 · 最多跑一次"
    pub facts: String,
    /// e.g. "村里可代办"; empty unless the kiosk stands in a village.
    pub village_tag: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NoticeRow {
    pub id: String,
    pub title: String,
    pub category: String,
    pub publisher: String,
    pub published: String,
    pub scope_name: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HomeView {
    pub county_name: String,
    pub hall_name: String,
    pub place_name: String,
    pub content_version: i64,
    pub imported_at: String,
    pub life_events: Vec<CategoryRow>,
    pub business: Vec<CategoryRow>,
    pub departments: Vec<CategoryRow>,
    pub popular: Vec<ItemRow>,
    pub notices: Vec<NoticeRow>,
}

/// Which services a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemFilter {
    LifeEvent(String),
    Department(String),
    /// 个人 or 法人
    Audience(String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemList {
    pub title: String,
    pub subtitle: String,
    pub items: Vec<ItemRow>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaterialView {
    pub name: String,
    pub necessity: String,
    pub form: String,
    pub copies: i64,
    pub source: String,
    pub note: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaterialGroupView {
    pub situation: String,
    pub materials: Vec<MaterialView>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepView {
    pub name: String,
    pub actor: String,
    pub time_limit: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeeView {
    pub name: String,
    pub amount: String,
    pub standard: String,
    pub basis: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VillageView {
    pub mode: String,
    pub meaning: String,
    pub note: String,
    /// The village's service room, or the town's when the kiosk stands in a town.
    pub place: Place,
    /// The kiosk stands in a town (乡镇便民服务中心), not a village.
    pub town: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GuideView {
    pub id: String,
    pub name: String,
    pub code: String,
    pub department: String,
    pub department_phone: String,
    pub item_type: String,
    pub handle_type: String,
    pub audience: String,
    pub summary: String,
    pub conditions: Vec<String>,
    pub materials: Vec<MaterialGroupView>,
    pub steps: Vec<StepView>,
    pub legal_limit: String,
    pub promised_limit: String,
    pub limit_note: String,
    pub visits: String,
    pub free: bool,
    pub fees: Vec<FeeView>,
    pub place: String,
    pub windows: Vec<String>,
    pub hours: String,
    pub consult_phone: String,
    pub complaint_phone: String,
    pub online_url: String,
    pub express: bool,
    pub result: String,
    pub legal_basis: Vec<String>,
    pub faq: Vec<(String, String)>,
    pub village: Option<VillageView>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NoticeView {
    pub id: String,
    pub title: String,
    pub index_no: String,
    pub category: String,
    pub publisher: String,
    pub doc_no: String,
    pub written: String,
    pub published: String,
    pub scope_name: String,
    pub summary: String,
    pub body: String,
}

/// Counts for `banshi status`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Counts {
    pub items: i64,
    pub notices: i64,
    pub departments: i64,
    pub regions: i64,
}

fn place(r: &Row) -> rusqlite::Result<Place> {
    Ok(Place {
        code: r.get(0)?,
        name: r.get(1)?,
        service_room: r.get(2)?,
        hours: r.get(3)?,
        assistant: r.get(4)?,
        phone: r.get(5)?,
    })
}

const ITEM_ROW_SQL: &str =
    "SELECT i.id, i.name, d.short_name, i.promised_limit_value, i.promised_limit_unit, i.visits,
       COALESCE(ov.mode, ot.mode, i.village_mode)
  FROM item i JOIN department d ON d.id = i.department
  LEFT JOIN village_override ov ON ov.item = i.id AND ov.region = ?1
  LEFT JOIN village_override ot ON ot.item = i.id AND ot.region = ?2";

impl Store {
    /// Resolves a region code from the config. Unknown or missing codes mean the county hall.
    pub fn scope(&self, region: Option<&str>) -> Result<Scope, StoreError> {
        let county = self.meta("county_region")?.unwrap_or_default();
        let mut scope = Scope {
            county,
            town: None,
            village: None,
        };
        let Some(code) = region else { return Ok(scope) };
        let row = self
            .conn()
            .query_row(
                "SELECT code, name, service_room, hours, assistant, phone, level, parent FROM region WHERE code = ?1",
                [code],
                |r| Ok((place(r)?, r.get::<_, String>(6)?, r.get::<_, Option<String>>(7)?)),
            )
            .optional()?;
        match row {
            Some((p, level, _)) if level == "town" => scope.town = Some(p),
            Some((p, level, Some(parent))) if level == "village" => {
                scope.town = self
                    .conn()
                    .query_row("SELECT code, name, service_room, hours, assistant, phone FROM region WHERE code = ?1", [parent], place)
                    .optional()?;
                scope.village = Some(p);
            }
            _ => {}
        }
        Ok(scope)
    }

    fn scope_codes(scope: &Scope) -> [String; 3] {
        [
            scope.county.clone(),
            scope
                .town
                .as_ref()
                .map(|p| p.code.clone())
                .unwrap_or_default(),
            scope
                .village
                .as_ref()
                .map(|p| p.code.clone())
                .unwrap_or_default(),
        ]
    }

    fn item_rows(
        &self,
        scope: &Scope,
        where_order: &str,
        arg: &str,
    ) -> Result<Vec<ItemRow>, StoreError> {
        let [_, town, village] = Self::scope_codes(scope);
        let sql = format!("{ITEM_ROW_SQL} {where_order}");
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(params![village, town, arg], |r| {
            let value: i64 = r.get(3)?;
            let unit: String = r.get(4)?;
            let promise = if value == 0 {
                "当场办结".to_string()
            } else {
                format!("承诺{}", format::limit(value, &unit))
            };
            let mode: String = r.get(6)?;
            Ok(ItemRow {
                id: r.get(0)?,
                name: r.get(1)?,
                department: r.get(2)?,
                facts: format!("{promise} · {}", format::visits(r.get(5)?)),
                village_tag: match (&scope.village, &scope.town) {
                    (Some(_), _) => format::village_mode_tag(&mode, false).to_string(),
                    (None, Some(_)) => format::village_mode_tag(&mode, true).to_string(),
                    (None, None) => String::new(),
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn notice_rows(
        &self,
        scope: &Scope,
        category: Option<&str>,
        limit: i64,
    ) -> Result<Vec<NoticeRow>, StoreError> {
        let [county, town, village] = Self::scope_codes(scope);
        let mut stmt = self.conn().prepare_cached(
            "SELECT n.id, n.title, c.name, n.publisher, n.published,
                    CASE WHEN r.level IN ('town', 'village') THEN r.name ELSE '' END
               FROM notice n JOIN notice_category c ON c.id = n.category
               LEFT JOIN region r ON r.code = n.scope
              WHERE n.scope IN (?1, ?2, ?3) AND (?4 IS NULL OR n.category = ?4)
              ORDER BY n.published DESC, n.id DESC LIMIT ?5",
        )?;
        let rows = stmt.query_map(params![county, town, village, category, limit], |r| {
            Ok(NoticeRow {
                id: r.get(0)?,
                title: r.get(1)?,
                category: r.get(2)?,
                publisher: r.get(3)?,
                published: format::date(&r.get::<_, String>(4)?),
                scope_name: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn home(&self, scope: &Scope) -> Result<HomeView, StoreError> {
        let conn = self.conn();
        let mut events = conn.prepare_cached(
            "SELECT e.id, e.name, e.icon, e.audience, (SELECT count(*) FROM item_life_event x WHERE x.life_event = e.id)
               FROM life_event e ORDER BY e.ord",
        )?;
        let mut life_events = Vec::new();
        let mut business = Vec::new();
        for row in events.query_map([], |r| {
            Ok((
                CategoryRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    icon: r.get(2)?,
                    count: r.get(4)?,
                },
                r.get::<_, String>(3)?,
            ))
        })? {
            let (row, audience) = row?;
            if audience == "法人" {
                business.push(row)
            } else {
                life_events.push(row)
            }
        }
        let mut deps = conn.prepare_cached(
            "SELECT d.id, d.short_name, (SELECT count(*) FROM item i WHERE i.department = d.id) FROM department d ORDER BY d.ord",
        )?;
        let departments = deps
            .query_map([], |r| {
                Ok(CategoryRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    icon: String::new(),
                    count: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let popular = self.item_rows(
            scope,
            "WHERE ?3 = ?3 ORDER BY i.popularity DESC, length(i.name) LIMIT 8",
            "",
        )?;
        let notices = self.notice_rows(scope, None, 4)?;
        let place_name = match (&scope.town, &scope.village) {
            (Some(t), Some(v)) => format!("{} {}", t.name, v.name),
            (Some(t), None) => t.name.clone(),
            _ => String::new(),
        };
        Ok(HomeView {
            county_name: self.meta("county_name")?.unwrap_or_default(),
            hall_name: match &scope.village {
                Some(v) => v.service_room.clone(),
                None => match &scope.town {
                    Some(t) => t.service_room.clone(),
                    None => self.meta("hall_name")?.unwrap_or_default(),
                },
            },
            place_name,
            content_version: self
                .meta("content_version")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            imported_at: self.meta("imported_at")?.unwrap_or_default(),
            life_events,
            business,
            departments,
            popular,
            notices,
        })
    }

    /// Two text columns of the row with key `id`, if there is one.
    fn pair(&self, sql: &str, id: &str) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .conn()
            .query_row(sql, [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    pub fn item_list(
        &self,
        scope: &Scope,
        filter: &ItemFilter,
    ) -> Result<Option<ItemList>, StoreError> {
        const ORDER: &str = "ORDER BY i.popularity DESC, length(i.name), i.id";
        let (title, subtitle, items) = match filter {
            ItemFilter::LifeEvent(id) => {
                let Some((name, audience)) =
                    self.pair("SELECT name, audience FROM life_event WHERE id = ?1", id)?
                else {
                    return Ok(None);
                };
                let items = self.item_rows(
                    scope,
                    &format!("WHERE i.id IN (SELECT item FROM item_life_event WHERE life_event = ?3) {ORDER}"),
                    id,
                )?;
                (name, format!("{audience}办事 · 按人生事件"), items)
            }
            ItemFilter::Department(id) => {
                let Some((name, address)) =
                    self.pair("SELECT name, address FROM department WHERE id = ?1", id)?
                else {
                    return Ok(None);
                };
                (
                    name,
                    format!("办理地点：{address}"),
                    self.item_rows(scope, &format!("WHERE i.department = ?3 {ORDER}"), id)?,
                )
            }
            ItemFilter::Audience(who) => {
                let column = match who.as_str() {
                    "个人" => "for_person",
                    "法人" => "for_legal",
                    _ => return Ok(None),
                };
                let title = if who == "个人" {
                    "个人办事"
                } else {
                    "企业（法人）办事"
                };
                (
                    title.to_string(),
                    "按办理人数排序".to_string(),
                    self.item_rows(
                        scope,
                        &format!("WHERE i.{column} = 1 AND ?3 = ?3 {ORDER}"),
                        "",
                    )?,
                )
            }
        };
        let subtitle = format!("{subtitle} · 共{}项", items.len());
        Ok(Some(ItemList {
            title,
            subtitle,
            items,
        }))
    }

    pub fn guide(&self, scope: &Scope, id: &str) -> Result<Option<GuideView>, StoreError> {
        let conn = self.conn();
        let head = conn
            .query_row(
                "SELECT i.name, i.code, d.name, d.phone, i.item_type, i.handle_type, i.for_person, i.for_legal, i.summary,
                        i.legal_limit_value, i.legal_limit_unit, i.promised_limit_value, i.promised_limit_unit, i.limit_note,
                        i.visits, i.free, i.place, i.hours, i.consult_phone, i.complaint_phone, i.online_url, i.express,
                        i.result_name, i.result_kind, i.village_mode, i.village_note
                   FROM item i JOIN department d ON d.id = i.department WHERE i.id = ?1",
                [id],
                |r| {
                    let person: bool = r.get(6)?;
                    let legal: bool = r.get(7)?;
                    let audience = match (person, legal) {
                        (true, true) => "个人、法人",
                        (false, true) => "法人",
                        _ => "个人",
                    };
                    Ok((
                        GuideView {
                            id: id.to_string(),
                            name: r.get(0)?,
                            code: r.get(1)?,
                            department: r.get(2)?,
                            department_phone: r.get(3)?,
                            item_type: r.get(4)?,
                            handle_type: r.get(5)?,
                            audience: audience.to_string(),
                            summary: r.get(8)?,
                            legal_limit: format::limit(r.get(9)?, &r.get::<_, String>(10)?),
                            promised_limit: format::limit(r.get(11)?, &r.get::<_, String>(12)?),
                            limit_note: r.get(13)?,
                            visits: format::visits(r.get(14)?),
                            free: r.get(15)?,
                            place: r.get(16)?,
                            hours: r.get(17)?,
                            consult_phone: r.get(18)?,
                            complaint_phone: r.get(19)?,
                            online_url: r.get(20)?,
                            express: r.get(21)?,
                            result: format!("{}（{}）", r.get::<_, String>(22)?, r.get::<_, String>(23)?),
                            ..Default::default()
                        },
                        r.get::<_, String>(24)?,
                        r.get::<_, String>(25)?,
                    ))
                },
            )
            .optional()?;
        let Some((mut g, mode, note)) = head else {
            return Ok(None);
        };

        let texts = |kind: &str| -> Result<Vec<String>, StoreError> {
            let mut s = conn.prepare_cached(
                "SELECT text FROM item_text WHERE item = ?1 AND kind = ?2 ORDER BY ord",
            )?;
            let v = s
                .query_map(params![id, kind], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(v)
        };
        g.conditions = texts("condition")?;
        g.legal_basis = texts("legal_basis")?;
        let mut win = conn.prepare_cached(
            "SELECT t.text, w.floor, w.name FROM item_text t LEFT JOIN hall_window w ON w.number = t.text
              WHERE t.item = ?1 AND t.kind = 'window' ORDER BY t.ord",
        )?;
        g.windows = win
            .query_map([id], |r| {
                let n: String = r.get(0)?;
                Ok(
                    match (r.get::<_, Option<i64>>(1)?, r.get::<_, Option<String>>(2)?) {
                        (Some(f), Some(name)) => format!("{n} 号窗口（{f}楼 {name}）"),
                        _ => format!("{n} 号窗口"),
                    },
                )
            })?
            .collect::<Result<_, _>>()?;

        let mut groups = conn.prepare_cached(
            "SELECT ord, situation FROM material_group WHERE item = ?1 ORDER BY ord",
        )?;
        let mut mats = conn.prepare_cached(
            "SELECT name, necessity, form, copies, source, note FROM material WHERE item = ?1 AND grp = ?2 ORDER BY ord",
        )?;
        let group_rows: Vec<(i64, String)> = groups
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (ord, situation) in group_rows {
            let materials = mats
                .query_map(params![id, ord], |r| {
                    Ok(MaterialView {
                        name: r.get(0)?,
                        necessity: r.get(1)?,
                        form: r.get(2)?,
                        copies: r.get(3)?,
                        source: r.get(4)?,
                        note: r.get(5)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            g.materials.push(MaterialGroupView {
                situation,
                materials,
            });
        }
        let mut steps = conn.prepare_cached(
            "SELECT name, actor, time_limit, description FROM step WHERE item = ?1 ORDER BY ord",
        )?;
        g.steps = steps
            .query_map([id], |r| {
                Ok(StepView {
                    name: r.get(0)?,
                    actor: r.get(1)?,
                    time_limit: r.get(2)?,
                    description: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut fees = conn.prepare_cached(
            "SELECT name, amount_fen, standard, basis FROM fee WHERE item = ?1 ORDER BY ord",
        )?;
        g.fees = fees
            .query_map([id], |r| {
                Ok(FeeView {
                    name: r.get(0)?,
                    amount: format::yuan(r.get(1)?),
                    standard: r.get(2)?,
                    basis: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut faq = conn.prepare_cached("SELECT q, a FROM faq WHERE item = ?1 ORDER BY ord")?;
        g.faq = faq
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;

        // The service room of the village or town the kiosk stands in: its own override, then
        // (in a village) its town's, then the item's handling. An override without a note of
        // its own keeps the item's note only when the mode is the same; another mode's note
        // would contradict it, so then only the mode's meaning is shown.
        let room = match (&scope.village, &scope.town) {
            (Some(v), town) => Some((v, town.as_ref().map(|t| t.code.as_str()), false)),
            (None, Some(t)) => Some((t, None, true)),
            (None, None) => None,
        };
        if let Some((place, town, is_town)) = room {
            let mut ovr = conn.prepare_cached(
                "SELECT mode, note FROM village_override WHERE item = ?1 AND region IN (?2, ?3)
                  ORDER BY region = ?2 DESC LIMIT 1",
            )?;
            let found: Option<(String, String)> = ovr
                .query_row(params![id, place.code, town.unwrap_or("")], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let (mode, note) = match found {
                Some((m, n)) if n.is_empty() => {
                    let note = if m == mode { note } else { String::new() };
                    (m, note)
                }
                Some(found) => found,
                None => (mode, note),
            };
            g.village = Some(VillageView {
                meaning: format::village_mode_meaning(&mode, is_town).to_string(),
                mode,
                note,
                place: place.clone(),
                town: is_town,
            });
        }
        Ok(Some(g))
    }

    pub fn notice_categories(&self) -> Result<Vec<CategoryRow>, StoreError> {
        let mut s = self
            .conn()
            .prepare_cached("SELECT id, name FROM notice_category ORDER BY ord")?;
        let v = s
            .query_map([], |r| {
                Ok(CategoryRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    icon: String::new(),
                    count: 0,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(v)
    }

    /// Notices visible at this kiosk, newest first; `category` None means all.
    pub fn notices(
        &self,
        scope: &Scope,
        category: Option<&str>,
    ) -> Result<Vec<NoticeRow>, StoreError> {
        self.notice_rows(scope, category, 500)
    }

    pub fn notice(&self, id: &str) -> Result<Option<NoticeView>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT n.id, n.title, n.index_no, c.name, n.publisher, n.doc_no, n.written, n.published,
                        COALESCE(r.name, ''), n.summary, n.body
                   FROM notice n JOIN notice_category c ON c.id = n.category LEFT JOIN region r ON r.code = n.scope
                  WHERE n.id = ?1",
                [id],
                |r| {
                    Ok(NoticeView {
                        id: r.get(0)?,
                        title: r.get(1)?,
                        index_no: r.get(2)?,
                        category: r.get(3)?,
                        publisher: r.get(4)?,
                        doc_no: r.get(5)?,
                        written: format::date(&r.get::<_, String>(6)?),
                        published: format::date(&r.get::<_, String>(7)?),
                        scope_name: r.get(8)?,
                        summary: r.get(9)?,
                        body: r.get(10)?,
                    })
                },
            )
            .optional()?)
    }

    /// Everything the search index needs, for every guide and notice.
    pub fn search_docs(&self) -> Result<Vec<crate::search::Doc>, StoreError> {
        use crate::search::{Doc, Kind};
        let conn = self.conn();
        let mut texts: HashMap<String, (Vec<String>, Vec<String>)> = HashMap::new();
        let mut t = conn.prepare("SELECT item, kind, text FROM item_text WHERE kind IN ('alias', 'keyword') ORDER BY item, kind, ord")?;
        for row in t.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })? {
            let (item, kind, text) = row?;
            let e = texts.entry(item).or_default();
            if kind == "alias" {
                e.0.push(text)
            } else {
                e.1.push(text)
            }
        }
        let mut docs = Vec::new();
        let mut items = conn.prepare(
            "SELECT i.id, i.name, i.popularity, d.name, d.short_name FROM item i JOIN department d ON d.id = i.department",
        )?;
        for row in items.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })? {
            let (id, title, popularity, dept, short) = row?;
            let (aliases, mut keywords) = texts.remove(&id).unwrap_or_default();
            keywords.push(dept);
            keywords.push(short.clone());
            docs.push(Doc {
                kind: Some(Kind::Guide),
                id,
                title,
                subtitle: short,
                aliases,
                keywords,
                codes: Vec::new(),
                popularity,
            });
        }
        let mut notices =
            conn.prepare("SELECT id, title, doc_no, index_no, publisher, published FROM notice")?;
        for row in notices.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })? {
            let (id, title, doc_no, index_no, publisher, published) = row?;
            let codes = [doc_no, index_no]
                .into_iter()
                .filter(|c| !c.is_empty())
                .collect();
            docs.push(Doc {
                kind: Some(Kind::Notice),
                id,
                title,
                subtitle: format!("{publisher} · {}", format::date(&published)),
                aliases: Vec::new(),
                keywords: Vec::new(),
                codes,
                popularity: 0,
            });
        }
        Ok(docs)
    }

    /// Guides and notices whose body text contains a Chinese query, best first.
    pub fn search_body(&self, query: &str) -> Vec<(crate::search::Kind, String)> {
        use crate::search::Kind;
        let Some(expr) = crate::search::body::match_expr(query) else {
            return Vec::new();
        };
        let run = || -> rusqlite::Result<Vec<(Kind, String)>> {
            let mut s = self.conn().prepare_cached("SELECT kind, id FROM search_body WHERE search_body MATCH ?1 ORDER BY rank LIMIT 100")?;
            let rows = s.query_map([expr.as_str()], |r| {
                let kind: String = r.get(0)?;
                Ok((Kind::parse(&kind).unwrap_or(Kind::Guide), r.get(1)?))
            })?;
            rows.collect()
        };
        run().unwrap_or_default()
    }

    /// The item with the most materials: the longest guide page.
    pub fn longest_item(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT item FROM material GROUP BY item ORDER BY count(*) DESC, item LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn counts(&self) -> Result<Counts, StoreError> {
        let c = |t: &str| -> Result<i64, StoreError> {
            Ok(self
                .conn()
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?)
        };
        Ok(Counts {
            items: c("item")?,
            notices: c("notice")?,
            departments: c("department")?,
            regions: c("region")?,
        })
    }
}
