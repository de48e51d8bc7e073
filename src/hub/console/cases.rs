//! Follow-up cases (issue 12): every 差评 (`Level::is_bad`) and every suggestion is a case from
//! the moment it is stored — `inbox::store` inserts it in the same transaction as the record,
//! and only for records new to the hub, so a resent batch makes no second case. Cases for
//! records stored before this existed are made once by [`backfill`], right after schema
//! migration 4.
//!
//! States and the only moves allowed ([`State::allowed`]):
//!
//! ```text
//! 待回访 ──→ 已回访 ──→ 已整改
//!   │          │  └───→ 已解释
//!   └──→ 申诉 ←┘
//! 申诉 ──→ 待回访   (the appeal was not upheld: follow it up after all)
//! ```
//!
//! 已整改 and 已解释 are final. Every move records who, when and a note (`case_history`).
//! A case's deadline is [`Deadlines::due`] (N working days after the record reached the hub);
//! an open case (待回访, 已回访) past it is overdue. Who sees what is a [`Scope`].

use serde::Serialize;

use crate::hub::report;
use crate::hub::sql::{Db, DbError, DbResult, Row, Value};
use crate::outbox::record::Level;

use super::accounts::{Role, User};
use super::workdays::Deadlines;

/// A record's kind, as the console lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 好差评: only 差评 are cases.
    Rating,
    /// 意见建议: every one is a case.
    Suggestion,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Rating => "rating",
            Kind::Suggestion => "suggestion",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "rating" => Some(Kind::Rating),
            "suggestion" => Some(Kind::Suggestion),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Rating => "差评",
            Kind::Suggestion => "意见建议",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 待回访
    New,
    /// 已回访
    Visited,
    /// 已整改
    Fixed,
    /// 已解释
    Explained,
    /// 申诉 (a mistaken or malicious rating)
    Appealed,
}

impl State {
    pub const ALL: [State; 5] = [
        State::New,
        State::Visited,
        State::Fixed,
        State::Explained,
        State::Appealed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Visited => "visited",
            State::Fixed => "fixed",
            State::Explained => "explained",
            State::Appealed => "appealed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// As staff read it.
    pub fn name(self) -> &'static str {
        match self {
            State::New => "待回访",
            State::Visited => "已回访",
            State::Fixed => "已整改",
            State::Explained => "已解释",
            State::Appealed => "申诉",
        }
    }

    /// Still to be handled: counts against the deadline.
    pub fn is_open(self) -> bool {
        matches!(self, State::New | State::Visited)
    }

    /// The states a case in this state may move to.
    pub fn allowed(self) -> &'static [State] {
        match self {
            State::New => &[State::Visited, State::Appealed],
            State::Visited => &[State::Fixed, State::Explained, State::Appealed],
            State::Appealed => &[State::New],
            State::Fixed | State::Explained => &[],
        }
    }

    /// Why `self → to` is refused, in words for staff; `None` when it is allowed.
    pub fn refusal(self, to: State) -> Option<String> {
        if self.allowed().contains(&to) {
            return None;
        }
        let from = self.name();
        Some(if self == to {
            format!("这件已经是“{from}”了，不用再改。")
        } else if self.allowed().is_empty() {
            format!("这件已经“{from}”，办结了，不能再改成“{}”。", to.name())
        } else {
            let next: Vec<String> = self
                .allowed()
                .iter()
                .map(|s| format!("“{}”", s.name()))
                .collect();
            format!(
                "“{from}”的不能直接改成“{}”：下一步只能是{}。",
                to.name(),
                next.join("或")
            )
        })
    }
}

/// What a console user may see and change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Only this department's cases and charts; `None`: all.
    pub department: Option<String>,
    /// Whether the user may move cases (admins and staff; viewers read only).
    pub can_change: bool,
}

impl Scope {
    /// Staff with a department see and handle only its cases; admins and staff without one
    /// see all; viewers (of a department, or all) change nothing.
    pub fn for_user(user: &User) -> Scope {
        Scope {
            department: match user.role {
                Role::Admin => None,
                Role::Staff | Role::Viewer => user.department.clone(),
            },
            can_change: matches!(user.role, Role::Admin | Role::Staff),
        }
    }

    /// Everything, for the hub host's own commands.
    pub fn all() -> Scope {
        Scope {
            department: None,
            can_change: true,
        }
    }
}

/// A case's id as the console shows it and takes it back: `KIOSK-SEQ` (as 评价编号).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseId {
    pub kiosk: String,
    pub seq: i64,
}

impl CaseId {
    pub fn parse(s: &str) -> Option<CaseId> {
        let (kiosk, seq) = s.rsplit_once('-')?;
        let seq = seq.parse().ok().filter(|&n: &i64| n > 0)?;
        (!kiosk.is_empty()).then(|| CaseId {
            kiosk: kiosk.to_string(),
            seq,
        })
    }
}

impl std::fmt::Display for CaseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.kiosk, self.seq)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("没有这一件（{0}）：可能编号不对，或不归您的部门办理。")]
    NotFound(String),
    #[error("您的账号是只读的，不能改办理状态。需要办理请找管理员改为办理人员账号。")]
    ReadOnly,
    #[error("{0}")]
    Refused(String),
    #[error("请写上办理说明（回访了谁、怎么答复、整改了什么或申诉理由），最多 {NOTE_MAX} 个字。")]
    BadNote,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Longest note accepted.
pub const NOTE_MAX: usize = 1000;
/// Longest page.
pub const PER_PAGE_MAX: i64 = 500;

/// What a list page asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub kind: Kind,
    pub state: Option<State>,
    /// Open cases past their deadline only.
    pub overdue_only: bool,
    /// Only this department's (within the scope).
    pub department: Option<String>,
    /// Only kiosks in this hall (as the kiosk named it).
    pub hall: Option<String>,
    /// Only kiosks within this region code (a county's code covers its towns and villages).
    pub region: Option<String>,
    /// From 1.
    pub page: i64,
    pub per_page: i64,
}

impl Filter {
    pub fn new(kind: Kind) -> Filter {
        Filter {
            kind,
            state: None,
            overdue_only: false,
            department: None,
            hall: None,
            region: None,
            page: 1,
            per_page: 50,
        }
    }
}

/// One case as a list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRow {
    /// `KIOSK-SEQ`.
    pub id: String,
    pub kind: Kind,
    pub kiosk: String,
    pub seq: i64,
    pub hall: Option<String>,
    pub region: Option<String>,
    /// When the resident rated or wrote (the kiosk's clock, RFC 3339).
    pub at: String,
    /// When it reached the hub (unix seconds; the deadline counts from here).
    pub received_at: i64,
    pub guide: Option<String>,
    /// The guide's title, when the published content names it.
    pub guide_title: Option<String>,
    pub department: Option<String>,
    pub department_name: Option<String>,
    /// Ratings: 1–5, its name, the reasons chosen, the 办件编号.
    pub level: Option<i64>,
    pub level_name: Option<String>,
    pub reasons: Vec<String>,
    pub case_no: Option<String>,
    /// Suggestions: the topic and what it was about.
    pub topic: Option<String>,
    pub about: Option<String>,
    /// The phone number with all but its last 4 digits hidden (`*******1234`).
    pub phone_masked: Option<String>,
    pub state: State,
    pub state_name: &'static str,
    /// The last day to close it on time (YYYY-MM-DD, China time).
    pub due: String,
    pub overdue: bool,
    /// Who moved it last.
    pub handler: Option<String>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub rows: Vec<CaseRow>,
    /// Cases matching the filter, on all pages.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub time: String,
    pub user: String,
    pub from: State,
    pub to: State,
    pub from_name: &'static str,
    pub to_name: &'static str,
    pub note: String,
}

/// One case with everything its page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseDetail {
    pub case: CaseRow,
    /// The whole number, for a return call — only to users who may handle the case.
    pub phone: Option<String>,
    pub history: Vec<HistoryEntry>,
    /// The states it may move to now (empty for a read-only user).
    pub next: Vec<State>,
}

/// `*******1234`: every digit but the last 4 hidden.
pub fn mask_phone(p: &str) -> String {
    let n = p.chars().count();
    p.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n && c != '-' { '*' } else { c })
        .collect()
}

const COLUMNS: &str = "c.kiosk_id, c.seq, c.kind, c.state, c.received_at, c.guide, c.department,
        c.handler, c.updated_at, k.hall, k.region, g.title, d.name,
        r.at, r.level, r.reasons, r.case_no, r.phone, s.at, s.topic, s.about, s.phone";

/// What [`COLUMNS`] reads besides the case `c`.
const JOINS: &str = "LEFT JOIN kiosk k ON k.id = c.kiosk_id
    LEFT JOIN guide_department g ON g.guide = c.guide
    LEFT JOIN department d ON d.id = c.department
    LEFT JOIN rating r ON c.kind = 'rating' AND r.kiosk_id = c.kiosk_id AND r.seq = c.seq
    LEFT JOIN suggestion s ON c.kind = 'suggestion' AND s.kiosk_id = c.kiosk_id AND s.seq = c.seq";

fn from_row(r: &Row, deadlines: &Deadlines, now: i64) -> (CaseRow, Option<String>) {
    let kind = Kind::parse(&r.text(2)).unwrap_or(Kind::Rating);
    let state = State::parse(&r.text(3)).unwrap_or(State::New);
    let received_at = r.int(4);
    let rating = kind == Kind::Rating;
    let level = if rating { r.opt_int(14) } else { None };
    let phone = if rating {
        r.opt_text(17)
    } else {
        r.opt_text(21)
    };
    let row = CaseRow {
        id: format!("{}-{}", r.text(0), r.int(1)),
        kind,
        kiosk: r.text(0),
        seq: r.int(1),
        hall: r.opt_text(9),
        region: r.opt_text(10),
        at: if rating { r.text(13) } else { r.text(18) },
        received_at,
        guide: r.opt_text(5),
        guide_title: r.opt_text(11),
        department: r.opt_text(6),
        department_name: r.opt_text(12),
        level,
        level_name: level
            .and_then(|l| Level::new(l as u8))
            .map(|l| l.name().to_string()),
        reasons: if rating {
            r.text(15)
                .split('；')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        } else {
            Vec::new()
        },
        case_no: if rating { r.opt_text(16) } else { None },
        topic: if rating { None } else { r.opt_text(19) },
        about: if rating { None } else { r.opt_text(20) },
        phone_masked: phone.as_deref().map(mask_phone),
        state,
        state_name: state.name(),
        due: deadlines.due(received_at).format("%Y-%m-%d").to_string(),
        overdue: state.is_open() && deadlines.overdue(received_at, now),
        handler: r.opt_text(7),
        updated_at: r.int(8),
    };
    (row, phone)
}

/// The significant digits of a region code: `439021000000` → `439021` (its levels at zero
/// dropped), so a `LIKE 'prefix%'` finds the region and everything within it.
fn region_prefix(code: &str) -> String {
    let widths = [2, 2, 2, 3, 3];
    let mut end = 0;
    let mut pos = 0;
    for w in widths {
        let part = code.get(pos..pos + w).unwrap_or("");
        if part.chars().any(|c| c != '0') {
            end = pos + w;
        }
        pos += w;
    }
    code.get(..end).unwrap_or(code).to_string()
}

/// The `WHERE` clause and its values for a scope and filter (`c` the case, `k` its kiosk).
fn conditions(
    scope: &Scope,
    f: &Filter,
    deadlines: &Deadlines,
    now: i64,
) -> (String, Vec<Value>, bool) {
    let mut sql = vec!["c.kind = $1".to_string()];
    let mut params: Vec<Value> = vec![f.kind.as_str().into()];
    let mut needs_kiosk = false;
    let add = |cond: &str, v: Value, params: &mut Vec<Value>, sql: &mut Vec<String>| {
        params.push(v);
        sql.push(cond.replace('?', &format!("${}", params.len())));
    };
    if let Some(d) = &scope.department {
        add("c.department = ?", d.into(), &mut params, &mut sql);
    }
    if let Some(d) = &f.department {
        add("c.department = ?", d.into(), &mut params, &mut sql);
    }
    if f.overdue_only {
        match f.state {
            Some(s) if s.is_open() => add("c.state = ?", s.as_str().into(), &mut params, &mut sql),
            Some(_) => sql.push("1 = 0".into()),
            None => sql.push("c.state IN ('new', 'visited')".into()),
        }
        add(
            "c.received_at < ?",
            deadlines.overdue_before(now).into(),
            &mut params,
            &mut sql,
        );
    } else if let Some(s) = f.state {
        add("c.state = ?", s.as_str().into(), &mut params, &mut sql);
    }
    if let Some(h) = &f.hall {
        needs_kiosk = true;
        add("k.hall = ?", h.into(), &mut params, &mut sql);
    }
    if let Some(r) = &f.region {
        needs_kiosk = true;
        add(
            "k.region LIKE ?",
            format!("{}%", region_prefix(r)).into(),
            &mut params,
            &mut sql,
        );
    }
    (sql.join(" AND "), params, needs_kiosk)
}

/// One page of cases, newest first, within `scope`, and how many match in all.
pub fn list(
    db: &mut dyn Db,
    scope: &Scope,
    f: &Filter,
    deadlines: &Deadlines,
    now: i64,
) -> DbResult<Page> {
    let per_page = f.per_page.clamp(1, PER_PAGE_MAX);
    let page = f.page.max(1);
    let (cond, mut params, needs_kiosk) = conditions(scope, f, deadlines, now);
    let join = if needs_kiosk {
        " JOIN kiosk k ON k.id = c.kiosk_id"
    } else {
        ""
    };
    let total = total(db, scope, f, &cond, &params, join)?;
    let n = params.len();
    params.push(per_page.into());
    params.push(((page - 1) * per_page).into());
    // The page's keys first, from the case table and its indexes alone; only those rows are
    // joined to their record, kiosk, guide and department.
    let sql = format!(
        "SELECT {COLUMNS} FROM (SELECT c.kiosk_id, c.seq FROM feedback_case c{join}
             WHERE {cond} ORDER BY c.received_at DESC, c.kiosk_id DESC, c.seq DESC
             LIMIT ${} OFFSET ${}) p
         JOIN feedback_case c ON c.kiosk_id = p.kiosk_id AND c.seq = p.seq
         {JOINS}
         ORDER BY c.received_at DESC, c.kiosk_id DESC, c.seq DESC",
        n + 1,
        n + 2
    );
    let rows = db
        .query(&sql, &params)?
        .iter()
        .map(|r| from_row(r, deadlines, now).0)
        .collect();
    Ok(Page {
        rows,
        total,
        page,
        per_page,
    })
}

fn find(
    db: &mut dyn Db,
    scope: &Scope,
    id: &CaseId,
    deadlines: &Deadlines,
    now: i64,
) -> Result<(CaseRow, Option<String>), CaseError> {
    let mut params: Vec<Value> = vec![id.kiosk.as_str().into(), id.seq.into()];
    let mut sql = format!(
        "SELECT {COLUMNS} FROM feedback_case c {JOINS} WHERE c.kiosk_id = $1 AND c.seq = $2"
    );
    if let Some(d) = &scope.department {
        params.push(d.into());
        sql.push_str(" AND c.department = $3");
    }
    db.row(&sql, &params)?
        .map(|r| from_row(&r, deadlines, now))
        .ok_or_else(|| CaseError::NotFound(id.to_string()))
}

/// One case with its history; `NotFound` outside the scope (another department's case looks
/// like no case at all).
pub fn get(
    db: &mut dyn Db,
    scope: &Scope,
    id: &CaseId,
    deadlines: &Deadlines,
    now: i64,
) -> Result<CaseDetail, CaseError> {
    let (case, phone) = find(db, scope, id, deadlines, now)?;
    let history = db
        .query(
            "SELECT at, user_name, from_state, to_state, note FROM case_history
             WHERE kiosk_id = $1 AND seq = $2 ORDER BY step",
            &[id.kiosk.as_str().into(), id.seq.into()],
        )?
        .iter()
        .map(|r| {
            let from = State::parse(&r.text(2)).unwrap_or(State::New);
            let to = State::parse(&r.text(3)).unwrap_or(State::New);
            HistoryEntry {
                at: r.int(0),
                time: report::time(r.int(0)),
                user: r.text(1),
                from,
                to,
                from_name: from.name(),
                to_name: to.name(),
                note: r.text(4),
            }
        })
        .collect();
    let next = if scope.can_change {
        case.state.allowed().to_vec()
    } else {
        Vec::new()
    };
    Ok(CaseDetail {
        phone: if scope.can_change { phone } else { None },
        case,
        history,
        next,
    })
}

/// Moves a case to `to` with `note`, as `user`; refused outside the scope, for a read-only
/// user, for a move [`State::allowed`] does not list (also when someone else moved the case
/// first), or without a note. The case as it is afterwards.
#[allow(clippy::too_many_arguments)]
pub fn advance(
    db: &mut dyn Db,
    scope: &Scope,
    user: &User,
    id: &CaseId,
    to: State,
    note: &str,
    deadlines: &Deadlines,
    now: i64,
) -> Result<CaseDetail, CaseError> {
    let note = note.trim();
    if note.is_empty() || note.chars().count() > NOTE_MAX {
        return Err(CaseError::BadNote);
    }
    db.transaction(|db| {
        let (case, _) = find(db, scope, id, deadlines, now)?;
        if !scope.can_change || user.role == Role::Viewer {
            return Err(CaseError::ReadOnly);
        }
        if let Some(why) = case.state.refusal(to) {
            return Err(CaseError::Refused(why));
        }
        // Only from the state read: a concurrent move by someone else wins, this one is refused.
        let moved = db.exec(
            "UPDATE feedback_case SET state = $3, handler = $4, updated_at = $5
             WHERE kiosk_id = $1 AND seq = $2 AND state = $6",
            &[
                id.kiosk.as_str().into(),
                id.seq.into(),
                to.as_str().into(),
                user.name.as_str().into(),
                now.into(),
                case.state.as_str().into(),
            ],
        )?;
        if moved == 0 {
            return Err(CaseError::Refused(
                "这件刚被别人改过了，请刷新后再看。".into(),
            ));
        }
        count(db, case.kind, case.department.as_deref(), case.state, -1)?;
        count(db, case.kind, case.department.as_deref(), to, 1)?;
        db.exec(
            "INSERT INTO case_history (kiosk_id, seq, step, at, user_name, from_state, to_state,
                 note)
             VALUES ($1, $2, (SELECT COUNT(*) + 1 FROM case_history WHERE kiosk_id = $1 AND seq = $2),
                 $3, $4, $5, $6, $7)",
            &[
                id.kiosk.as_str().into(),
                id.seq.into(),
                now.into(),
                user.name.as_str().into(),
                case.state.as_str().into(),
                to.as_str().into(),
                note.into(),
            ],
        )?;
        Ok(())
    })?;
    get(db, scope, id, deadlines, now)
}

/// A case to open for a record just stored (see `inbox::store`).
#[derive(Debug, Clone)]
pub struct NewCase {
    pub seq: i64,
    pub kind: Kind,
    pub guide: Option<String>,
    /// A suggestion's `about` (a guide's title, when read on a guide).
    pub about: Option<String>,
}

/// The department a record belongs to: its guide's, or for a suggestion the department of
/// the one guide titled as its `about`.
fn department_of(
    db: &mut dyn Db,
    guide: Option<&str>,
    about: Option<&str>,
) -> DbResult<Option<String>> {
    if let Some(g) = guide {
        return Ok(db
            .row(
                "SELECT department FROM guide_department WHERE guide = $1",
                &[g.into()],
            )?
            .map(|r| r.text(0)));
    }
    if let Some(a) = about {
        let rows = db.query(
            "SELECT DISTINCT department FROM guide_department WHERE title = $1",
            &[a.into()],
        )?;
        if rows.len() == 1 {
            return Ok(Some(rows[0].text(0)));
        }
    }
    Ok(None)
}

/// Opens cases for records of `kiosk` stored in the caller's transaction (each record new:
/// a case already there is left as it is).
pub fn open(db: &mut dyn Db, kiosk: &str, cases: &[NewCase], now: i64) -> DbResult<()> {
    for c in cases {
        let department = department_of(db, c.guide.as_deref(), c.about.as_deref())?;
        let guide = match (&c.guide, c.kind) {
            (Some(g), _) => Some(g.clone()),
            (None, Kind::Suggestion) => match &c.about {
                Some(a) => db
                    .row(
                        "SELECT MIN(guide) FROM guide_department WHERE title = $1",
                        &[a.into()],
                    )?
                    .and_then(|r| r.opt_text(0)),
                None => None,
            },
            _ => None,
        };
        let opened = db.exec(
            "INSERT INTO feedback_case (kiosk_id, seq, kind, received_at, guide, department,
                 state, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'new', $4)
             ON CONFLICT (kiosk_id, seq) DO NOTHING",
            &[
                kiosk.into(),
                c.seq.into(),
                c.kind.as_str().into(),
                now.into(),
                guide.into(),
                department.as_deref().into(),
            ],
        )?;
        if opened == 1 {
            count(db, c.kind, department.as_deref(), State::New, 1)?;
        }
    }
    Ok(())
}

/// Moves `by` cases of `kind` and `department` into (or, negative, out of) `state` in the
/// counters (`case_count`, migration 8) a list's total reads instead of counting every case.
/// Kept in the same transaction as every change to `feedback_case`; [`recount`] rebuilds them.
fn count(
    db: &mut dyn Db,
    kind: Kind,
    department: Option<&str>,
    state: State,
    by: i64,
) -> DbResult<()> {
    db.exec(
        "INSERT INTO case_count (kind, department, state, n) VALUES ($1, $2, $3, $4)
         ON CONFLICT (kind, department, state) DO UPDATE SET n = case_count.n + $4",
        &[
            kind.as_str().into(),
            department.unwrap_or("").into(),
            state.as_str().into(),
            by.into(),
        ],
    )?;
    Ok(())
}

/// The counters built again from the cases (after cases moved department in bulk).
pub fn recount(db: &mut dyn Db) -> DbResult<()> {
    db.batch(
        "DELETE FROM case_count;
         INSERT INTO case_count (kind, department, state, n)
             SELECT kind, COALESCE(department, ''), state, COUNT(*) FROM feedback_case
             GROUP BY kind, COALESCE(department, ''), state;",
    )
}

/// How many cases match `f` within `scope`, from the counters when the filter is one they
/// keep (kind, department, state), else by counting the rows `cond` (with its `params` and
/// the kiosk `join` it needs, from [`conditions`]) selects.
fn total(
    db: &mut dyn Db,
    scope: &Scope,
    f: &Filter,
    cond: &str,
    params: &[Value],
    join: &str,
) -> DbResult<i64> {
    if f.overdue_only || f.hall.is_some() || f.region.is_some() {
        return Ok(db
            .row(
                &format!("SELECT COUNT(*) FROM feedback_case c{join} WHERE {cond}"),
                params,
            )?
            .map_or(0, |r| r.int(0)));
    }
    let mut sql =
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM case_count WHERE kind = $1".to_string();
    let mut params: Vec<Value> = vec![f.kind.as_str().into()];
    for d in [&scope.department, &f.department].into_iter().flatten() {
        params.push(d.into());
        sql.push_str(&format!(" AND department = ${}", params.len()));
    }
    if let Some(s) = f.state {
        params.push(s.as_str().into());
        sql.push_str(&format!(" AND state = ${}", params.len()));
    }
    Ok(db.row(&sql, &params)?.map_or(0, |r| r.int(0)))
}

/// Cases for the 差评 and suggestions stored before cases existed (run once, by migration 4):
/// arrival from the raw inbox row while it is kept, else the kiosk's own time of the record,
/// else `now`. Departments are filled when the content is read ([`super::departments`]).
pub fn backfill(db: &mut dyn Db, now: i64) -> DbResult<()> {
    let rows = db.query(
        "SELECT r.kiosk_id, r.seq, 'rating', r.at, r.guide, i.received_at
         FROM rating r LEFT JOIN inbox i ON i.kiosk_id = r.kiosk_id AND i.seq = r.seq
         WHERE r.level >= 4
         UNION ALL
         SELECT s.kiosk_id, s.seq, 'suggestion', s.at, NULL, i.received_at
         FROM suggestion s LEFT JOIN inbox i ON i.kiosk_id = s.kiosk_id AND i.seq = s.seq",
        &[],
    )?;
    for r in rows {
        let received = r.opt_int(5).unwrap_or_else(|| {
            chrono::DateTime::parse_from_rfc3339(&r.text(3))
                .map(|t| t.timestamp())
                .unwrap_or(now)
        });
        db.exec(
            "INSERT INTO feedback_case (kiosk_id, seq, kind, received_at, guide, state, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'new', $4) ON CONFLICT (kiosk_id, seq) DO NOTHING",
            &[
                r.text(0).into(),
                r.int(1).into(),
                r.text(2).into(),
                received.into(),
                r.opt_text(4).into(),
            ],
        )?;
    }
    Ok(())
}

/// How many open and overdue cases of each kind the scope holds (for a menu badge).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub ratings_open: i64,
    pub ratings_overdue: i64,
    pub suggestions_open: i64,
    pub suggestions_overdue: i64,
}

pub fn counts(db: &mut dyn Db, scope: &Scope, deadlines: &Deadlines, now: i64) -> DbResult<Counts> {
    let mut c = Counts::default();
    for kind in [Kind::Rating, Kind::Suggestion] {
        let mut f = Filter::new(kind);
        let count = |db: &mut dyn Db, f: &Filter| -> DbResult<i64> {
            let (cond, params, _) = conditions(scope, f, deadlines, now);
            Ok(db
                .row(
                    &format!(
                        "SELECT COUNT(*) FROM feedback_case c WHERE {cond}
                         AND c.state IN ('new', 'visited')"
                    ),
                    &params,
                )?
                .map_or(0, |r| r.int(0)))
        };
        let open = count(db, &f)?;
        f.overdue_only = true;
        let overdue = count(db, &f)?;
        match kind {
            Kind::Rating => (c.ratings_open, c.ratings_overdue) = (open, overdue),
            Kind::Suggestion => (c.suggestions_open, c.suggestions_overdue) = (open, overdue),
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_move_is_allowed_or_refused_in_words() {
        use State::*;
        let allowed = [
            (New, Visited),
            (New, Appealed),
            (Visited, Fixed),
            (Visited, Explained),
            (Visited, Appealed),
            (Appealed, New),
        ];
        for from in State::ALL {
            for to in State::ALL {
                let ok = allowed.contains(&(from, to));
                let refusal = from.refusal(to);
                assert_eq!(refusal.is_none(), ok, "{from:?} → {to:?}");
                if let Some(why) = refusal {
                    assert!(why.contains(from.name()), "{why}");
                }
            }
        }
        assert!(New.refusal(Fixed).unwrap().contains("“已回访”或“申诉”"));
        assert!(Fixed.refusal(New).unwrap().contains("办结"));
    }

    #[test]
    fn ids_phones_and_regions() {
        assert_eq!(
            CaseId::parse("bench-00001-17"),
            Some(CaseId {
                kiosk: "bench-00001".into(),
                seq: 17
            })
        );
        assert_eq!(CaseId::parse("k-0"), None);
        assert_eq!(CaseId::parse("-3"), None);
        assert_eq!(CaseId::parse("k3"), None);
        assert_eq!(mask_phone("13812345678"), "*******5678");
        assert_eq!(mask_phone("0731-8123456"), "****-***3456");
        assert_eq!(mask_phone("123"), "123");
        assert_eq!(region_prefix("439021000000"), "439021");
        assert_eq!(region_prefix("439021101000"), "439021101");
        assert_eq!(region_prefix("439021101201"), "439021101201");
    }
}
