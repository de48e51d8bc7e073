//! Data for the console's charts (issue 12), plain numbers for the page to draw: ratings per
//! day and level (overall, or for one service, department, hall or kiosk) with the 满意率, the
//! same per group over a period, the most frequent unanswered searches and the most opened
//! guides. Ratings are read from the per-day counters `inbox::store` keeps (`rating_day_guide`,
//! `rating_day_kiosk`), never by counting the rating table — except a hall or kiosk chart for a
//! department's staff, which reads that kiosk's own ratings (by its primary key). Days are the
//! kiosk's own date of the rating.

use chrono::NaiveDate;
use serde::Serialize;

use crate::hub::sql::{Db, DbResult, Value};

use super::cases::Scope;

/// Counts per level (index 0 = 非常满意 … 4 = 非常不满意).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub levels: [i64; 5],
    pub total: i64,
    /// 满意率: (非常满意 + 满意 + 基本满意) / all, in per cent to one decimal; `None` without
    /// ratings.
    pub satisfied_pct: Option<f64>,
}

impl Counts {
    fn add(&mut self, level: i64, n: i64) {
        if (1..=5).contains(&level) {
            self.levels[(level - 1) as usize] += n;
            self.total += n;
        }
    }

    fn finish(&mut self) {
        self.satisfied_pct = (self.total > 0).then(|| {
            let good: i64 = self.levels[..3].iter().sum();
            (good as f64 * 1000.0 / self.total as f64).round() / 10.0
        });
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    /// YYYY-MM-DD.
    pub day: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// Which ratings a chart counts (one of guide, department, hall, kiosk, or none: all).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chart {
    /// The last this many days up to and including today (30, 90, 365).
    pub days: u32,
    pub guide: Option<String>,
    pub department: Option<String>,
    pub hall: Option<String>,
    pub kiosk: Option<String>,
}

fn since(today: NaiveDate, days: u32) -> NaiveDate {
    today - chrono::Days::new(u64::from(days.max(1)) - 1)
}

/// Ratings per day over the chart's period, every day present (zero when none), oldest first.
pub fn daily(db: &mut dyn Db, scope: &Scope, c: &Chart, today: NaiveDate) -> DbResult<Vec<Day>> {
    let from = since(today, c.days);
    let mut params: Vec<Value> = vec![
        from.format("%Y-%m-%d").to_string().into(),
        today.format("%Y-%m-%d").to_string().into(),
    ];
    let department = scope.department.clone().or(c.department.clone());
    let mut cond = Vec::new();
    let mut push = |sql: &str, v: Value, params: &mut Vec<Value>| {
        params.push(v);
        cond.push(sql.replace('?', &format!("${}", params.len())));
    };
    let by_kiosk = c.hall.is_some() || c.kiosk.is_some();
    let sql = if by_kiosk && (department.is_some() || c.guide.is_some()) {
        // A department's staff looking at one hall or kiosk: that kiosk's own ratings.
        if let Some(k) = &c.kiosk {
            push("r.kiosk_id = ?", k.into(), &mut params);
        }
        if let Some(h) = &c.hall {
            push(
                "r.kiosk_id IN (SELECT id FROM kiosk WHERE hall = ?)",
                h.into(),
                &mut params,
            );
        }
        if let Some(g) = &c.guide {
            push("r.guide = ?", g.into(), &mut params);
        }
        if let Some(d) = &scope.department {
            push(
                "r.guide IN (SELECT guide FROM guide_department WHERE department = ?)",
                d.into(),
                &mut params,
            );
        }
        if let Some(d) = &c.department {
            push(
                "r.guide IN (SELECT guide FROM guide_department WHERE department = ?)",
                d.into(),
                &mut params,
            );
        }
        format!(
            "SELECT substr(r.at, 1, 10), r.level, COUNT(*) FROM rating r
             WHERE substr(r.at, 1, 10) >= $1 AND substr(r.at, 1, 10) <= $2 AND {}
             GROUP BY substr(r.at, 1, 10), r.level",
            cond.join(" AND ")
        )
    } else if by_kiosk {
        if let Some(k) = &c.kiosk {
            push("t.kiosk_id = ?", k.into(), &mut params);
        }
        if let Some(h) = &c.hall {
            push("k.hall = ?", h.into(), &mut params);
        }
        // From the hall's kiosks (`kiosk_hall`) to their days (the primary key).
        format!(
            "SELECT t.day, t.level, CAST(SUM(t.n) AS BIGINT) FROM kiosk k
             JOIN rating_day_kiosk t ON t.kiosk_id = k.id
             WHERE t.day >= $1 AND t.day <= $2 AND {} GROUP BY t.day, t.level",
            cond.join(" AND ").replace("t.kiosk_id = ", "k.id = ")
        )
    } else if c.guide.is_none() && department.is_none() {
        // Everything: the per-day totals.
        "SELECT day, level, n FROM rating_day WHERE day >= $1 AND day <= $2".to_string()
    } else {
        if let Some(g) = &c.guide {
            push("t.guide = ?", g.into(), &mut params);
        }
        if let Some(d) = &scope.department {
            push(
                "t.guide IN (SELECT guide FROM guide_department WHERE department = ?)",
                d.into(),
                &mut params,
            );
        }
        if let Some(d) = &c.department {
            push(
                "t.guide IN (SELECT guide FROM guide_department WHERE department = ?)",
                d.into(),
                &mut params,
            );
        }
        cond.push("1 = 1".into());
        format!(
            "SELECT t.day, t.level, CAST(SUM(t.n) AS BIGINT) FROM rating_day_guide t
             WHERE t.day >= $1 AND t.day <= $2 AND {} GROUP BY t.day, t.level",
            cond.join(" AND ")
        )
    };
    let mut days: std::collections::BTreeMap<String, Counts> = from
        .iter_days()
        .take_while(|d| *d <= today)
        .map(|d| (d.format("%Y-%m-%d").to_string(), Counts::default()))
        .collect();
    for r in db.query(&sql, &params)? {
        if let Some(c) = days.get_mut(&r.text(0)) {
            c.add(r.int(1), r.int(2));
        }
    }
    Ok(days
        .into_iter()
        .map(|(day, mut counts)| {
            counts.finish();
            Day { day, counts }
        })
        .collect())
}

/// What [`breakdown`] groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Guide,
    Department,
    Hall,
    Kiosk,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Guide id, department id, hall or kiosk id (`""`: ratings of the hall as a whole, or a
    /// guide of no known department).
    pub key: String,
    /// The guide's title or the department's name, when known.
    pub name: Option<String>,
    #[serde(flatten)]
    pub counts: Counts,
}

/// Ratings over the last `days` days per guide, department, hall or kiosk, most rated first.
pub fn breakdown(
    db: &mut dyn Db,
    scope: &Scope,
    by: By,
    days: u32,
    today: NaiveDate,
) -> DbResult<Vec<Group>> {
    let (params, scoped) = period(scope, days, today, "AND");
    let sql = match by {
        By::Guide | By::Department => {
            let (departments, guides) = by_department_and_guide(db, scope, days, today)?;
            return Ok(if by == By::Guide { guides } else { departments });
        }
        By::Hall | By::Kiosk => {
            let key = if by == By::Hall {
                "COALESCE(k.hall, '')"
            } else {
                "k.id"
            };
            if scope.department.is_some() {
                // Only the department's guides: from the ratings themselves.
                format!(
                    "SELECT {key}, NULL, r.level, COUNT(*) FROM rating r
                     JOIN kiosk k ON k.id = r.kiosk_id
                     JOIN guide_department g ON g.guide = r.guide
                     WHERE r.at >= $1 AND substr(r.at, 1, 10) <= $2{scoped}
                     GROUP BY {key}, r.level"
                )
            } else {
                format!(
                    "SELECT {key}, NULL, t.level, CAST(SUM(t.n) AS BIGINT)
                     FROM rating_day_kiosk t JOIN kiosk k ON k.id = t.kiosk_id
                     WHERE t.day >= $1 AND t.day <= $2 GROUP BY {key}, t.level"
                )
            }
        }
    };
    let mut groups = Groups::new();
    for r in db.query(&sql, &params)? {
        add(&mut groups, r.text(0), r.opt_text(1), r.int(2), r.int(3));
    }
    Ok(finish(groups))
}

/// The parameters of a period's counters ($1 first day, $2 today, $3 the scope's department)
/// and the clause (after `joiner`) keeping a department's staff to its guides (`g`).
fn period(scope: &Scope, days: u32, today: NaiveDate, joiner: &str) -> (Vec<Value>, String) {
    let mut params: Vec<Value> = vec![
        since(today, days).format("%Y-%m-%d").to_string().into(),
        today.format("%Y-%m-%d").to_string().into(),
    ];
    let scoped = match &scope.department {
        Some(d) => {
            params.push(d.into());
            format!(" {joiner} g.department = $3")
        }
        None => String::new(),
    };
    (params, scoped)
}

type Groups = std::collections::BTreeMap<String, Group>;

fn add(groups: &mut Groups, key: String, name: Option<String>, level: i64, n: i64) {
    let g = groups.entry(key).or_insert_with_key(|key| Group {
        key: key.clone(),
        name: None,
        counts: Counts::default(),
    });
    if g.name.is_none() {
        g.name = name;
    }
    g.counts.add(level, n);
}

/// Most rated first.
fn finish(groups: Groups) -> Vec<Group> {
    let mut out: Vec<Group> = groups
        .into_values()
        .map(|mut g| {
            g.counts.finish();
            g
        })
        .collect();
    out.sort_by(|a, b| b.counts.total.cmp(&a.counts.total).then(a.key.cmp(&b.key)));
    out
}

/// Ratings over the last `days` days per department and per guide, most rated first, from one
/// read of the per-guide daily counters (the index on (guide, level, day, n) hands them over
/// grouped, without a sort): a department's row is the sum of its guides'.
pub fn by_department_and_guide(
    db: &mut dyn Db,
    scope: &Scope,
    days: u32,
    today: NaiveDate,
) -> DbResult<(Vec<Group>, Vec<Group>)> {
    let (params, scoped) = period(scope, days, today, "WHERE");
    let sql = format!(
        "SELECT t.guide, g.title, COALESCE(g.department, ''), d.name, t.level, t.n
         FROM (SELECT guide, level, CAST(SUM(n) AS BIGINT) AS n FROM rating_day_guide
               WHERE day >= $1 AND day <= $2 GROUP BY guide, level) t
         LEFT JOIN guide_department g ON g.guide = t.guide
         LEFT JOIN department d ON d.id = g.department{scoped}"
    );
    let (mut departments, mut guides) = (Groups::new(), Groups::new());
    for r in db.query(&sql, &params)? {
        let (level, n) = (r.int(4), r.int(5));
        add(&mut guides, r.text(0), r.opt_text(1), level, n);
        add(&mut departments, r.text(2), r.opt_text(3), level, n);
    }
    Ok((finish(departments), finish(guides)))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Search {
    pub query: String,
    pub times: i64,
    /// Of those, how often nothing at all was found.
    pub found_nothing: i64,
    pub kiosks: i64,
}

/// The `limit` most frequent unanswered searches of the last `days` days (by the kiosk's date).
pub fn top_searches(
    db: &mut dyn Db,
    days: u32,
    limit: i64,
    today: NaiveDate,
) -> DbResult<Vec<Search>> {
    Ok(db
        .query(
            "SELECT query, COUNT(*), SUM(CASE WHEN found = 0 THEN 1 ELSE 0 END),
                    COUNT(DISTINCT kiosk_id)
             FROM miss WHERE at >= $1 GROUP BY query ORDER BY COUNT(*) DESC, query LIMIT $2",
            &[
                since(today, days).format("%Y-%m-%d").to_string().into(),
                limit.into(),
            ],
        )?
        .iter()
        .map(|r| Search {
            query: r.text(0),
            times: r.int(1),
            found_nothing: r.int(2),
            kiosks: r.int(3),
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Opened {
    pub guide: String,
    pub title: Option<String>,
    pub opened: i64,
    pub kiosks: i64,
}

/// The `limit` guides opened most in the last `days` days (finished days only: kiosks send a
/// day's counts the day after).
pub fn top_guides(
    db: &mut dyn Db,
    days: u32,
    limit: i64,
    today: NaiveDate,
) -> DbResult<Vec<Opened>> {
    Ok(db
        .query(
            "SELECT u.guide, MIN(g.title), CAST(SUM(u.opened) AS BIGINT),
                    COUNT(DISTINCT u.kiosk_id)
             FROM usage_count u LEFT JOIN guide_department g ON g.guide = u.guide
             WHERE u.day >= $1 GROUP BY u.guide
             ORDER BY CAST(SUM(u.opened) AS BIGINT) DESC, u.guide LIMIT $2",
            &[
                since(today, days).format("%Y-%m-%d").to_string().into(),
                limit.into(),
            ],
        )?
        .iter()
        .map(|r| Opened {
            guide: r.text(0),
            title: r.opt_text(1),
            opened: r.int(2),
            kiosks: r.int(3),
        })
        .collect())
}
