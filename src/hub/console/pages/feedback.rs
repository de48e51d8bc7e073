//! 好差评 and 意见建议: charts of ratings over time (overall, or per service, department, hall
//! or kiosk), the cases to follow up with their state, deadline and handler (overdue ones stand
//! out), one case with its history and the form that moves it on, and the exports for the
//! provincial system. Everything is scoped: a department's staff see only its cases.

use askama::Template;

use super::{render, when, when_text, Frame};
use crate::hub::console::cases::{self, CaseError, CaseId, CaseRow, Filter, Kind, Scope, State};
use crate::hub::console::stats::{self, Chart};
use crate::hub::console::svg::{self, Bar};
use crate::hub::console::web::{Ctx, PageResult, Response, PREFIX};
use crate::hub::console::{departments, export, workdays};
use crate::hub::sql::Db;

/// A case as a row of the table.
pub struct Row {
    pub id: String,
    pub at: String,
    pub hall: String,
    pub kiosk: String,
    /// Level name (ratings) or topic (suggestions).
    pub level: String,
    /// Reasons (ratings) or what it is about (suggestions).
    pub reasons: String,
    pub subject: String,
    pub department: String,
    pub phone: String,
    pub state: &'static str,
    pub due: String,
    pub overdue: bool,
    pub handler: String,
}

fn row(c: &CaseRow) -> Row {
    let (level, reasons) = match c.kind {
        Kind::Rating => (
            c.level_name.clone().unwrap_or_default(),
            c.reasons.join("、"),
        ),
        Kind::Suggestion => (
            c.topic.clone().unwrap_or_default(),
            c.about.clone().unwrap_or_default(),
        ),
    };
    Row {
        id: c.id.clone(),
        at: when_text(&c.at),
        hall: c.hall.clone().unwrap_or_default(),
        kiosk: c.kiosk.clone(),
        level,
        reasons,
        subject: c
            .guide_title
            .clone()
            .or_else(|| c.guide.clone())
            .unwrap_or_else(|| {
                if c.kind == Kind::Rating {
                    "大厅服务".into()
                } else {
                    String::new()
                }
            }),
        department: c
            .department_name
            .clone()
            .or_else(|| c.department.clone())
            .unwrap_or_default(),
        phone: c.phone_masked.clone().unwrap_or_default(),
        state: c.state_name,
        due: c.due.clone(),
        overdue: c.overdue,
        handler: c.handler.clone().unwrap_or_default(),
    }
}

/// The list part both pages share.
pub struct List {
    path: &'static str,
    kind: &'static str,
    states: Vec<(&'static str, &'static str)>,
    state: String,
    departments: Vec<(String, String)>,
    department: String,
    overdue: bool,
    total: i64,
    overdue_total: i64,
    case_days: u32,
    rows: Vec<Row>,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    /// The filter as a query string (`?state=…`), for the exports.
    filter_query: String,
}

fn filter(ctx: &Ctx<'_>, kind: Kind) -> Filter {
    let q = |n: &str| ctx.req.query(n).map(str::to_string);
    Filter {
        state: q("state").as_deref().and_then(State::parse),
        overdue_only: q("overdue").is_some(),
        department: q("department"),
        page: q("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        ..Filter::new(kind)
    }
}

fn query_of(f: &Filter, page: Option<i64>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if let Some(s) = f.state {
        q.append_pair("state", s.as_str());
    }
    if f.overdue_only {
        q.append_pair("overdue", "1");
    }
    if let Some(d) = &f.department {
        q.append_pair("department", d);
    }
    if let Some(p) = page {
        q.append_pair("page", &p.to_string());
    }
    let q = q.finish();
    if q.is_empty() {
        q
    } else {
        format!("?{q}")
    }
}

fn list(
    ctx: &Ctx<'_>,
    db: &mut dyn Db,
    kind: Kind,
    path: &'static str,
) -> Result<List, super::super::web::PageError> {
    let scope = Scope::for_user(&ctx.session.user);
    let f = filter(ctx, kind);
    let deadlines = &ctx.console.deadlines;
    let page = cases::list(db, &scope, &f, deadlines, ctx.req.now)?;
    let overdue_total = cases::list(
        db,
        &scope,
        &Filter {
            overdue_only: true,
            per_page: 1,
            page: 1,
            ..f.clone()
        },
        deadlines,
        ctx.req.now,
    )?
    .total;
    let pages = ((page.total + page.per_page - 1) / page.per_page).max(1);
    let link = |p: i64| format!("{PREFIX}/{path}{}", query_of(&f, Some(p)));
    let departments = if scope.department.is_none() {
        departments::list(db)?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect()
    } else {
        vec![]
    };
    Ok(List {
        path,
        kind: kind.as_str(),
        states: State::ALL.iter().map(|s| (s.as_str(), s.name())).collect(),
        state: f.state.map(|s| s.as_str().to_string()).unwrap_or_default(),
        departments,
        department: f.department.clone().unwrap_or_default(),
        overdue: f.overdue_only,
        total: page.total,
        overdue_total,
        case_days: deadlines.days,
        rows: page.rows.iter().map(row).collect(),
        page: page.page,
        pages,
        prev: (page.page > 1).then(|| link(page.page - 1)),
        next: (page.page < pages).then(|| link(page.page + 1)),
        filter_query: query_of(&f, None),
    })
}

#[derive(Template)]
#[template(path = "suggestions.html")]
struct SuggestionsPage {
    f: Frame,
    l: List,
}

// The shared table reads the list's fields by name.
impl std::ops::Deref for SuggestionsPage {
    type Target = List;
    fn deref(&self) -> &List {
        &self.l
    }
}

pub fn suggestions(ctx: &Ctx<'_>, db: &mut dyn Db) -> PageResult {
    let _ = ctx.console.published(db);
    let page = SuggestionsPage {
        f: Frame::new(ctx, "suggestions", "意见建议"),
        l: list(ctx, db, Kind::Suggestion, "suggestions")?,
    };
    Ok(Response::html(200, render(&page)))
}

/// A breakdown row: (query selecting it, name, ratings, not satisfied, 满意率).
type GroupRow = (String, String, i64, i64, String);

#[derive(Template)]
#[template(path = "ratings.html")]
struct RatingsPage {
    f: Frame,
    l: List,
    days: u32,
    periods: Vec<(u32, &'static str)>,
    chart_of: Option<String>,
    chart_query: String,
    summary: stats::Counts,
    chart: String,
    /// (what, its rows)
    breakdowns: Vec<(&'static str, Vec<GroupRow>)>,
    /// Every hall a kiosk named, for the chart's hall filter.
    halls: Vec<String>,
    hall: String,
    kiosk: String,
}

impl std::ops::Deref for RatingsPage {
    type Target = List;
    fn deref(&self) -> &List {
        &self.l
    }
}

const BREAKDOWN_ROWS: usize = 10;

pub fn ratings(ctx: &Ctx<'_>, db: &mut dyn Db) -> PageResult {
    let _ = ctx.console.published(db);
    let scope = Scope::for_user(&ctx.session.user);
    let days = ctx
        .req
        .query("days")
        .and_then(|d| d.parse::<u32>().ok())
        .filter(|d| matches!(d, 30 | 90 | 365))
        .unwrap_or(30);
    let q = |n: &str| ctx.req.query(n).map(str::to_string);
    let chart = Chart {
        days,
        guide: q("guide"),
        department: q("chart_department"),
        hall: q("hall"),
        kiosk: q("kiosk"),
    };
    let (chart_of, chart_query) = [
        ("guide", &chart.guide, "事项"),
        ("chart_department", &chart.department, "部门"),
        ("hall", &chart.hall, "大厅"),
        ("kiosk", &chart.kiosk, "终端"),
    ]
    .into_iter()
    .find_map(|(k, v, name)| {
        v.as_ref().map(|v| {
            (
                format!("{name} {v}"),
                format!(
                    "&{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair(k, v)
                        .finish()
                ),
            )
        })
    })
    .map_or((None, String::new()), |(a, b)| (Some(a), b));
    let today = workdays::day_of(ctx.req.now);
    let daily = stats::daily(db, &scope, &chart, today)?;
    let mut summary = stats::Counts::default();
    let bars: Vec<Bar> = daily
        .iter()
        .map(|d| {
            for (i, n) in d.counts.levels.iter().enumerate() {
                summary.levels[i] += n;
            }
            summary.total += d.counts.total;
            let l = d.counts.levels;
            Bar {
                label: d.day.get(5..).unwrap_or(&d.day).to_string(),
                parts: vec![(l[0] + l[1]) as u64, l[2] as u64, (l[3] + l[4]) as u64],
            }
        })
        .collect();
    summary.satisfied_pct = (summary.total > 0).then(|| {
        let good: i64 = summary.levels[..3].iter().sum();
        (good as f64 * 1000.0 / summary.total as f64).round() / 10.0
    });
    let svg = svg::stacked(
        &bars,
        &["good", "mid", "bad"],
        &["满意", "基本满意", "不满意"],
    );
    let mut breakdowns = Vec::new();
    // Per hall and per kiosk are a chart each (the form above the tables): a table of all
    // 10,000 kiosks' counts would read a month of every kiosk's counters on every visit.
    let (departments, guides) = stats::by_department_and_guide(db, &scope, days, today)?;
    for (groups, key, title) in [
        (departments, "chart_department", "部门"),
        (guides, "guide", "事项"),
    ] {
        let rows = groups
            .into_iter()
            .take(BREAKDOWN_ROWS)
            .map(|g| {
                let name = g.name.clone().unwrap_or_else(|| {
                    if g.key.is_empty() {
                        "（未归属）".to_string()
                    } else {
                        g.key.clone()
                    }
                });
                (
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair(key, &g.key)
                        .finish(),
                    name,
                    g.counts.total,
                    g.counts.levels[3] + g.counts.levels[4],
                    g.counts
                        .satisfied_pct
                        .map(|p| format!("{p}%"))
                        .unwrap_or_default(),
                )
            })
            .collect();
        breakdowns.push((title, rows));
    }
    let page = RatingsPage {
        f: Frame::new(ctx, "ratings", "好差评"),
        l: list(ctx, db, Kind::Rating, "ratings")?,
        days,
        periods: vec![(30, "最近 30 天"), (90, "最近 90 天"), (365, "最近一年")],
        chart_of,
        chart_query,
        summary,
        chart: svg,
        breakdowns,
        halls: db
            .query(
                "SELECT DISTINCT hall FROM kiosk WHERE hall IS NOT NULL ORDER BY hall",
                &[],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect(),
        hall: chart.hall.clone().unwrap_or_default(),
        kiosk: chart.kiosk.clone().unwrap_or_default(),
    };
    Ok(Response::html(200, render(&page)))
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    f: Frame,
    c: Row,
    kind_name: &'static str,
    case_no: String,
    phone: String,
    /// (time, user, from, to, note)
    history: Vec<(String, String, &'static str, &'static str, String)>,
    next: Vec<(&'static str, &'static str)>,
    can_change: bool,
    back: &'static str,
    error: Option<String>,
    note: String,
}

fn not_found(e: &CaseError) -> Response {
    super::message(404, "没有这一件", &e.to_string())
}

fn case_page(ctx: &Ctx<'_>, db: &mut dyn Db, id: &CaseId, error: Option<String>) -> PageResult {
    let scope = Scope::for_user(&ctx.session.user);
    let d = match cases::get(db, &scope, id, &ctx.console.deadlines, ctx.req.now) {
        Ok(d) => d,
        Err(e @ CaseError::NotFound(_)) => return Ok(not_found(&e)),
        Err(CaseError::Db(e)) => return Err(e.into()),
        Err(e) => return Ok(super::message(400, "打不开", &e.to_string())),
    };
    let (active, back) = match d.case.kind {
        Kind::Rating => ("ratings", "ratings"),
        Kind::Suggestion => ("suggestions", "suggestions"),
    };
    let page = CasePage {
        f: Frame::new(ctx, active, format!("{} {}", d.case.kind.name(), d.case.id)),
        kind_name: match d.case.kind {
            Kind::Rating => "评价",
            Kind::Suggestion => "建议",
        },
        case_no: d.case.case_no.clone().unwrap_or_default(),
        phone: d.phone.clone().unwrap_or_default(),
        history: d
            .history
            .iter()
            .map(|h| {
                (
                    when(Some(h.at)),
                    h.user.clone(),
                    h.from_name,
                    h.to_name,
                    h.note.clone(),
                )
            })
            .collect(),
        next: d.next.iter().map(|s| (s.as_str(), s.name())).collect(),
        can_change: scope.can_change,
        back,
        note: if error.is_some() {
            ctx.req.field("note").unwrap_or_default().to_string()
        } else {
            String::new()
        },
        error,
        c: row(&d.case),
    };
    Ok(Response::html(200, render(&page)))
}

pub fn detail(ctx: &Ctx<'_>, db: &mut dyn Db, id: &str) -> PageResult {
    match CaseId::parse(id) {
        Some(id) => case_page(ctx, db, &id, None),
        None => Ok(not_found(&CaseError::NotFound(id.to_string()))),
    }
}

pub fn advance(ctx: &Ctx<'_>, db: &mut dyn Db, id: &str) -> PageResult {
    let Some(case) = CaseId::parse(id) else {
        return Ok(not_found(&CaseError::NotFound(id.to_string())));
    };
    let scope = Scope::for_user(&ctx.session.user);
    let Some(to) = ctx.req.field("to").and_then(State::parse) else {
        return case_page(ctx, db, &case, Some("请选择要改成的状态。".into()));
    };
    let note = ctx.req.field("note").unwrap_or_default();
    match cases::advance(
        db,
        &scope,
        &ctx.session.user,
        &case,
        to,
        note,
        &ctx.console.deadlines,
        ctx.req.now,
    ) {
        Ok(_) => {
            log::info!(
                "控制台：{} 把 {case} 改为 {}",
                ctx.session.user.name,
                to.name()
            );
            Ok(Response::redirect(&format!(
                "{PREFIX}/cases/{case}?done=saved"
            )))
        }
        Err(e @ CaseError::NotFound(_)) => Ok(not_found(&e)),
        Err(e @ CaseError::ReadOnly) => Ok(super::message(403, "没有权限", &e.to_string())),
        Err(CaseError::Db(e)) => Err(e.into()),
        Err(e) => {
            let mut r = case_page(ctx, db, &case, Some(e.to_string()))?;
            r.status = 400;
            Ok(r)
        }
    }
}

/// `cases.*` and `suggestions.*` (the list's filter), `ratings.*` (`?days=`); `.csv` or `.xlsx`.
pub fn export(ctx: &Ctx<'_>, db: &mut dyn Db, file: &str) -> PageResult {
    let scope = Scope::for_user(&ctx.session.user);
    let today = workdays::day_of(ctx.req.now);
    let (body, mime) = match file {
        "cases.csv" | "cases.xlsx" | "suggestions.csv" | "suggestions.xlsx" => {
            let kind = if file.starts_with("cases") {
                Kind::Rating
            } else {
                Kind::Suggestion
            };
            let rows = export::case_cells(
                db,
                &scope,
                &filter(ctx, kind),
                &ctx.console.deadlines,
                ctx.req.now,
            )?;
            if file.ends_with("csv") {
                (export::cases_csv(kind, &rows)?, "text/csv; charset=utf-8")
            } else {
                (export::cases_xlsx(kind, &rows)?, XLSX)
            }
        }
        "ratings.csv" | "ratings.xlsx" => {
            let days = ctx
                .req
                .query("days")
                .and_then(|d| d.parse::<u64>().ok())
                .unwrap_or(30)
                .clamp(1, 366);
            let since = (today - chrono::Days::new(days - 1))
                .format("%Y-%m-%d")
                .to_string();
            let rows = export::ratings(db, &scope, Some(&since))?;
            if file.ends_with("csv") {
                (export::ratings_csv(&rows)?, "text/csv; charset=utf-8")
            } else {
                (export::ratings_xlsx(&rows)?, XLSX)
            }
        }
        _ => {
            return Ok(super::message(
                404,
                "没有这个文件",
                "请从好差评页面的导出按钮下载。",
            ))
        }
    };
    let name = format!(
        "{}-{}.{}",
        match file.split('.').next() {
            Some("cases") => "差评回访",
            Some("suggestions") => "意见建议回访",
            _ => "好差评",
        },
        today.format("%Y%m%d"),
        file.rsplit('.').next().unwrap_or("csv")
    );
    Ok(Response::file(mime, body, Some(&name)))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
