//! The fleet pages: every kiosk with its health (green/amber/red and the reasons), one kiosk
//! with its hours online and recent warnings, enrolment (pending kiosks, one-time codes),
//! approve and revoke (admins only; revoking asks for confirmation first).

use askama::Template;

use super::{is_admin, render, when, when_text, Frame};
use crate::hub::console::accounts::Role;
use crate::hub::console::health::{self, Light};
use crate::hub::console::lights;
use crate::hub::console::web::{Ctx, PageResult, Response, PREFIX};
use crate::hub::kiosks::{self, Kiosk, KioskState};
use crate::hub::sql::{Db, Value};
use crate::hub::{codes, now};

/// A kiosk as a row of the fleet table (and the head of its own page).
pub struct Row {
    pub id: String,
    pub light: &'static str,
    pub light_name: &'static str,
    pub reasons: Vec<String>,
    pub hall: String,
    pub region: String,
    pub last_seen: String,
    pub content_version: String,
    pub last_sync: String,
    pub expires: String,
    pub free_disk: String,
    pub app_version: String,
}

fn hb_text(k: &Kiosk, name: &str) -> Option<String> {
    k.heartbeat
        .as_ref()
        .and_then(|h| h.get(name))
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub fn row(k: &Kiosk, newest: Option<i64>, now: i64) -> (Light, Row) {
    let h = health::assess(k, newest, now);
    (h.light, row_of(k, h, newest))
}

fn row_of(k: &Kiosk, h: health::Health, newest: Option<i64>) -> Row {
    let sync = match (hb_text(k, "last_sync_status"), hb_text(k, "last_sync_at")) {
        (Some(s), Some(at)) => format!("{} {}", when_text(&at), health::sync_status_name(&s)),
        (Some(s), None) => health::sync_status_name(&s).to_string(),
        _ => String::new(),
    };
    let free = k
        .heartbeat
        .as_ref()
        .and_then(|h| h.get("free_disk_mb"))
        .and_then(|v| v.as_u64())
        .map(|mb| {
            if mb >= 10_240 {
                format!("{} GB", mb / 1024)
            } else {
                format!("{mb} MB")
            }
        })
        .unwrap_or_default();
    let content = hb_text(k, "content_version")
        .map(|v| match newest {
            Some(n) => format!("第 {v} 版（最新 {n}）"),
            None => format!("第 {v} 版"),
        })
        .unwrap_or_default();
    {
        Row {
            id: k.id.clone(),
            light: h.light.as_str(),
            light_name: h.light.name(),
            reasons: h.reasons,
            hall: k.hall.clone().unwrap_or_default(),
            region: k.region.clone().unwrap_or_default(),
            last_seen: when(k.last_seen),
            content_version: content,
            last_sync: sync,
            expires: hb_text(k, "expires")
                .map(|e| when_text(&e))
                .unwrap_or_default(),
            free_disk: free,
            app_version: hb_text(k, "app_version").unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "fleet.html")]
struct FleetPage {
    f: Frame,
    states: Vec<(&'static str, &'static str)>,
    state: String,
    regions: Vec<String>,
    region: String,
    counts: [usize; 4],
    newest: Option<i64>,
    kiosks: Vec<Row>,
    shown: String,
    prev: Option<String>,
    next: Option<String>,
}

/// Kiosks per fleet page (worst first, so what needs doing is on the first).
pub const PER_PAGE: usize = 100;

pub fn list(ctx: &Ctx<'_>, db: &mut dyn Db) -> PageResult {
    let newest = ctx.console.newest_version(db);
    let now = ctx.req.now;
    // The lights are kept on the rows (console::lights); judge what time or a publish has
    // changed since the hub's last refresh, so the page is exact as of now.
    lights::refresh(db, newest, now)?;
    let state = ctx.req.query("state").and_then(Light::parse);
    let region = ctx.req.query("region").map(str::to_string);
    let regions: Vec<String> = db
        .query(
            "SELECT DISTINCT region FROM kiosk WHERE region IS NOT NULL ORDER BY region",
            &[],
        )?
        .iter()
        .map(|r| r.text(0))
        .collect();
    let mut conds: Vec<String> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    if let Some(r) = &region {
        params.push(r.into());
        conds.push("region = $1".to_string());
    }
    let filter = |conds: &[String]| {
        if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        }
    };
    let mut counts = [0usize; 4];
    for r in db.query(
        &format!(
            "SELECT light, COUNT(*) FROM kiosk{} GROUP BY light",
            filter(&conds)
        ),
        &params,
    )? {
        // A row enrolled since the refresh above is not judged yet: counted as it stands.
        let light = r.opt_int(0).map_or(Light::Amber, lights::from_rank);
        counts[light as usize] += r.int(1) as usize;
    }
    let total = match state {
        Some(s) => counts[s as usize],
        None => counts.iter().sum(),
    };
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page_no = ctx
        .req
        .query("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let start = (page_no - 1) * PER_PAGE;
    // Worst first, then by region and id: the index on (light, region, id), or on
    // (region, light, id) for one region.
    if let Some(s) = state {
        params.push(lights::rank(s).into());
        conds.push(format!("light = ${}", params.len()));
    }
    let filter = filter(&conds);
    params.push((PER_PAGE as i64).into());
    params.push((start as i64).into());
    let sql = format!(
        "SELECT {}, light, reasons FROM kiosk{filter}
         ORDER BY light, region, id LIMIT ${} OFFSET ${}",
        kiosks::COLUMNS,
        params.len() - 1,
        params.len()
    );
    let shown_rows: Vec<Row> = db
        .query(&sql, &params)?
        .iter()
        .map(|r| {
            let k = kiosks::from_row(r);
            let h = match r.opt_int(11) {
                Some(light) => health::Health {
                    light: lights::from_rank(light),
                    reasons: lights::split(&r.opt_text(12).unwrap_or_default()),
                },
                None => health::assess(&k, newest, now),
            };
            row_of(&k, h, newest)
        })
        .collect();
    let link = |p: usize| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(s) = state {
            q.append_pair("state", s.as_str());
        }
        if let Some(r) = &region {
            q.append_pair("region", r);
        }
        q.append_pair("page", &p.to_string());
        format!("{PREFIX}/fleet?{}", q.finish())
    };
    let shown = if total > PER_PAGE {
        format!(
            "第 {}–{} 台，共 {total} 台（问题多的在前）",
            start + 1,
            (start + PER_PAGE).min(total)
        )
    } else {
        String::new()
    };
    let prev = (page_no > 1).then(|| link(page_no - 1));
    let next = (page_no < pages).then(|| link(page_no + 1));
    let page = FleetPage {
        f: Frame::new(ctx, "fleet", "终端"),
        states: [Light::Red, Light::Amber, Light::Green, Light::Off]
            .into_iter()
            .map(|l| (l.as_str(), l.name()))
            .collect(),
        state: state.map(|s| s.as_str().to_string()).unwrap_or_default(),
        regions,
        region: region.unwrap_or_default(),
        counts,
        newest,
        kiosks: shown_rows,
        shown,
        prev,
        next,
    };
    Ok(Response::html(200, render(&page)))
}

/// Days of history on a kiosk's page.
pub const HISTORY_DAYS: i64 = 30;

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    f: Frame,
    k: Row,
    state_name: &'static str,
    fingerprint: String,
    enrolled: String,
    screen: String,
    admin: bool,
    can_approve: bool,
    can_revoke: bool,
    days: i64,
    online: String,
    /// (time, warnings, sync result, error)
    warnings: Vec<(String, String, String, String)>,
}

fn not_found(id: &str) -> Response {
    super::message(
        404,
        "没有这台终端",
        &format!("没有编号为 {id} 的终端。请从“终端”列表进入。"),
    )
}

/// Hours in which kiosk `id` was heard from, per local day, newest day first.
fn online_days(
    db: &mut dyn Db,
    id: &str,
    now: i64,
) -> crate::hub::sql::DbResult<Vec<(String, [bool; 24])>> {
    use chrono::{Duration, Local, TimeZone, Timelike};
    let today = Local
        .timestamp_opt(now, 0)
        .single()
        .unwrap_or_else(Local::now)
        .date_naive();
    let mut days: Vec<(chrono::NaiveDate, [bool; 24])> = (0..HISTORY_DAYS)
        .map(|i| (today - Duration::days(i), [false; 24]))
        .collect();
    let since = now - HISTORY_DAYS * 86_400;
    for r in db.query(
        "SELECT received_at FROM heartbeat WHERE kiosk_id = $1 AND received_at >= $2",
        &[id.into(), since.into()],
    )? {
        let Some(t) = Local.timestamp_opt(r.int(0), 0).single() else {
            continue;
        };
        let back = (today - t.date_naive()).num_days();
        if let Some(d) = usize::try_from(back).ok().and_then(|b| days.get_mut(b)) {
            d.1[t.hour() as usize] = true;
        }
    }
    Ok(days
        .into_iter()
        .map(|(d, h)| (d.format("%m-%d").to_string(), h))
        .collect())
}

pub fn kiosk(ctx: &Ctx<'_>, db: &mut dyn Db, id: &str) -> PageResult {
    let Some(k) = kiosks::get(db, id)? else {
        return Ok(not_found(id));
    };
    let (_, head) = row(&k, ctx.console.newest_version(db), ctx.req.now);
    let since = ctx.req.now - HISTORY_DAYS * 86_400;
    let mut warnings = Vec::new();
    for r in db.query(
        "SELECT at, body FROM heartbeat WHERE kiosk_id = $1 AND received_at >= $2 ORDER BY seq DESC LIMIT 2000",
        &[id.into(), since.into()],
    )? {
        let Ok(b) = serde_json::from_str::<serde_json::Value>(&r.text(1)) else {
            continue;
        };
        let w = b["warnings"].as_u64().unwrap_or(0);
        let status = b["last_sync_status"].as_str().unwrap_or_default();
        let failed = matches!(status, "rejected" | "expired" | "error" | "offline");
        if w > 0 || failed {
            warnings.push((
                when_text(&r.text(0)),
                w.to_string(),
                health::sync_status_name(status).to_string(),
                b["last_sync_error"].as_str().unwrap_or_default().to_string(),
            ));
        }
        if warnings.len() >= 50 {
            break;
        }
    }
    let page = KioskPage {
        f: Frame::new(ctx, "fleet", format!("终端 {}", k.id)),
        state_name: k.state.name(),
        fingerprint: k.fingerprint.clone(),
        enrolled: when(Some(k.enrolled_at)),
        screen: hb_text(&k, "screen").unwrap_or_default(),
        admin: is_admin(ctx),
        can_approve: k.state != KioskState::Approved,
        can_revoke: k.state != KioskState::Revoked,
        days: HISTORY_DAYS,
        online: crate::hub::console::svg::online(&online_days(db, id, ctx.req.now)?),
        warnings,
        k: head,
    };
    Ok(Response::html(200, render(&page)))
}

#[derive(Template)]
#[template(path = "revoke.html")]
struct RevokePage {
    f: Frame,
    id: String,
    hall: String,
}

pub fn confirm_revoke(ctx: &Ctx<'_>, db: &mut dyn Db, id: &str) -> PageResult {
    if let Err(r) = ctx.require(Role::Admin, "停用终端") {
        return Ok(r);
    }
    let Some(k) = kiosks::get(db, id)? else {
        return Ok(not_found(id));
    };
    let page = RevokePage {
        f: Frame::new(ctx, "fleet", format!("停用终端 {}？", k.id)),
        hall: k.hall.clone().unwrap_or_default(),
        id: k.id,
    };
    Ok(Response::html(200, render(&page)))
}

/// `approve` or `revoke` (POSTed from the kiosk's page, the enrolment list or the confirmation).
pub fn act(ctx: &Ctx<'_>, db: &mut dyn Db, id: &str, action: &str) -> PageResult {
    let what = match action {
        "approve" => "批准终端",
        "revoke" => "停用终端",
        _ => return Ok(super::message(404, "没有这个操作", "请从终端的页面操作。")),
    };
    if let Err(r) = ctx.require(Role::Admin, what) {
        return Ok(r);
    }
    let done = match action {
        "approve" => kiosks::approve(db, id, now()),
        _ => kiosks::revoke(db, id, now()),
    };
    match done {
        Ok(k) => {
            log::info!("控制台：{} {what} {}", ctx.session.user.name, k.id);
            let done = if action == "approve" {
                "approved"
            } else {
                "revoked"
            };
            Ok(Response::redirect(&format!(
                "{PREFIX}/kiosk/{}?done={done}",
                k.id
            )))
        }
        Err(kiosks::AdminError::NoSuchKiosk(_)) => Ok(not_found(id)),
        Err(kiosks::AdminError::Db(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    f: Frame,
    admin: bool,
    /// (id, hall, region, fingerprint, enrolled)
    pending: Vec<(String, String, String, String, String)>,
    /// (code, region, expires) just issued.
    code: Option<(String, String, String)>,
    region: String,
    expires: String,
}

pub fn enrolment(
    ctx: &Ctx<'_>,
    db: &mut dyn Db,
    issued: Option<(String, String, String)>,
) -> PageResult {
    let pending = kiosks::pending(db)?
        .into_iter()
        .map(|k| {
            (
                k.id,
                k.hall.unwrap_or_default(),
                k.region.unwrap_or_default(),
                k.fingerprint,
                when(Some(k.enrolled_at)),
            )
        })
        .collect();
    let week = chrono::Local::now().date_naive() + chrono::Duration::days(7);
    let page = EnrolPage {
        f: Frame::new(ctx, "enrol", "终端登记"),
        admin: is_admin(ctx),
        pending,
        region: ctx.req.field("region").unwrap_or_default().to_string(),
        expires: week.format("%Y-%m-%d").to_string(),
        code: issued,
    };
    Ok(Response::html(200, render(&page)))
}

pub fn issue_code(ctx: &Ctx<'_>, db: &mut dyn Db) -> PageResult {
    if let Err(r) = ctx.require(Role::Admin, "发放登记码") {
        return Ok(r);
    }
    let region = ctx.req.field("region").unwrap_or_default().trim();
    let expires = ctx.req.field("expires").unwrap_or_default().trim();
    match codes::issue(db, region, expires, ctx.req.now) {
        Ok(code) => {
            log::info!(
                "控制台：{} 为区划 {region} 发放了登记码",
                ctx.session.user.name
            );
            enrolment(
                ctx,
                db,
                Some((code, region.to_string(), expires.to_string())),
            )
        }
        Err(codes::CodeError::Db(e)) => Err(e.into()),
        Err(e) => Ok(super::message(400, "没有发放", &e.to_string())),
    }
}
