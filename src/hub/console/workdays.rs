//! Working days for follow-up deadlines (issue 12): Monday to Friday, minus the county's
//! holidays, plus the 调休 Saturdays and Sundays worked instead — both from a small TOML file
//! the county keeps (`banshi hub --holidays FILE`; a sample for 2026, from the State Council's
//! notice of 2025-11-04, is `packaging/county/holidays-2026.toml`). Days are China Standard Time
//! (UTC+8) whatever the server's own time zone.
//!
//! ```toml
//! # 2026 年部分节假日安排（国办发明电〔2025〕号通知）
//! holidays = ["2026-01-01", "2026-01-02", "2026-01-03"]   # 放假
//! workdays = ["2026-01-04"]                                # 调休上班
//! ```

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Datelike, FixedOffset, NaiveDate, TimeZone, Weekday};

/// Working days a case has by default (`--case-days`).
pub const CASE_DAYS: u32 = 5;

/// China Standard Time: deadlines count in the county's days.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// The day (UTC+8) unix time `secs` falls on.
pub fn day_of(secs: i64) -> NaiveDate {
    china()
        .timestamp_opt(secs, 0)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// Unix seconds at 00:00 (UTC+8) of `day`.
pub fn start_of(day: NaiveDate) -> i64 {
    china()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .map(|t| t.timestamp())
        .unwrap_or(0)
}

/// Which days are worked: weekdays, minus holidays, plus make-up working days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    workdays: Vec<String>,
}

impl Calendar {
    /// Plain Monday to Friday (no holidays known).
    pub fn weekdays() -> Calendar {
        Calendar::default()
    }

    /// Reads a holiday file (`--holidays`); the message names the file, the entry and the fix.
    pub fn load(path: &Path) -> Result<Calendar, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "无法读取节假日文件 {}：{e}。请检查 --holidays 给的路径。",
                path.display()
            )
        })?;
        Calendar::parse(&text).map_err(|e| format!("节假日文件 {}：{e}", path.display()))
    }

    /// Parses a holiday file's text.
    pub fn parse(text: &str) -> Result<Calendar, String> {
        let f: File = toml::from_str(text).map_err(|e| {
            format!(
                "格式不对：{}。应写成 holidays = [\"2026-01-01\", …] 和 workdays = [\"2026-01-04\", …]。",
                e.message()
            )
        })?;
        let dates = |list: &[String], what: &str| -> Result<BTreeSet<NaiveDate>, String> {
            list.iter()
                .map(|d| {
                    NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                        format!("{what}里的“{d}”不是日期：请写成 YYYY-MM-DD，例如 2026-10-01。")
                    })
                })
                .collect()
        };
        let holidays = dates(&f.holidays, "holidays（放假）")?;
        let workdays = dates(&f.workdays, "workdays（调休上班）")?;
        if let Some(d) = holidays.intersection(&workdays).next() {
            return Err(format!(
                "{d} 既写在 holidays（放假）里又写在 workdays（调休上班）里：只能留一处。"
            ));
        }
        if let Some(d) = workdays
            .iter()
            .find(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        {
            return Err(format!(
                "{d} 是工作日（{}），不必写进 workdays：workdays 只写调休上班的周六、周日。",
                weekday_name(d.weekday())
            ));
        }
        Ok(Calendar { holidays, workdays })
    }

    pub fn is_working(&self, day: NaiveDate) -> bool {
        if self.workdays.contains(&day) {
            return true;
        }
        !self.holidays.contains(&day) && !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The years the file names a day in (a year it does not cover counts weekdays only).
    pub fn years(&self) -> BTreeSet<i32> {
        self.holidays
            .iter()
            .chain(&self.workdays)
            .map(|d| d.year())
            .collect()
    }

    /// The `n`th working day after `day` (`day` itself does not count, worked or not).
    pub fn add_working_days(&self, day: NaiveDate, n: u32) -> NaiveDate {
        let mut d = day;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().unwrap_or(d);
            if self.is_working(d) {
                left -= 1;
            }
        }
        d
    }
}

fn weekday_name(w: Weekday) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][w.num_days_from_monday() as usize]
}

/// How long a case may stay open: `days` working days after the day its record reached the
/// hub; overdue from the day after its deadline while not closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadlines {
    pub days: u32,
    pub calendar: Calendar,
}

impl Default for Deadlines {
    fn default() -> Deadlines {
        Deadlines {
            days: CASE_DAYS,
            calendar: Calendar::weekdays(),
        }
    }
}

impl Deadlines {
    /// `--case-days N` and `--holidays FILE` as the hub's command line gives them.
    pub fn new(days: u32, holidays: Option<&Path>) -> Result<Deadlines, String> {
        if !(1..=60).contains(&days) {
            return Err(format!(
                "--case-days {days} 不行：回访期限写 1 到 60 个工作日（默认 {CASE_DAYS}）。"
            ));
        }
        Ok(Deadlines {
            days,
            calendar: match holidays {
                Some(p) => Calendar::load(p)?,
                None => Calendar::weekdays(),
            },
        })
    }

    /// The last day (UTC+8) a case whose record arrived at `received` may be closed on time.
    pub fn due(&self, received: i64) -> NaiveDate {
        self.calendar.add_working_days(day_of(received), self.days)
    }

    /// Whether an open case that arrived at `received` is overdue at `now`.
    pub fn overdue(&self, received: i64, now: i64) -> bool {
        day_of(now) > self.due(received)
    }

    /// Open cases that arrived before this time (unix seconds) are overdue at `now`, and no
    /// others: deadlines never go backwards as arrival moves forwards, so one bound on the
    /// indexed arrival time selects them.
    pub fn overdue_before(&self, now: i64) -> i64 {
        let today = day_of(now);
        // The newest arrival day whose deadline is before today.
        let mut day = today;
        for _ in 0..3660 {
            day = day.pred_opt().unwrap_or(day);
            if self.calendar.add_working_days(day, self.days) < today {
                return start_of(day.succ_opt().unwrap_or(day));
            }
        }
        start_of(day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The shipped 2026 file.
    fn y2026() -> Calendar {
        Calendar::parse(include_str!("../../../packaging/county/holidays-2026.toml")).unwrap()
    }

    #[test]
    fn weekends_are_skipped() {
        let c = Calendar::weekdays();
        // Thursday 2026-12-03 + 5 working days: Fri, Mon, Tue, Wed, Thu → 2026-12-10.
        assert_eq!(c.add_working_days(d("2026-12-03"), 5), d("2026-12-10"));
        // Arriving on a Saturday: counted from Monday.
        assert_eq!(c.add_working_days(d("2026-12-05"), 5), d("2026-12-11"));
        assert_eq!(c.add_working_days(d("2026-12-05"), 1), d("2026-12-07"));
    }

    #[test]
    fn holidays_and_make_up_days_of_2026() {
        let c = y2026();
        assert_eq!(c.years(), BTreeSet::from([2026]));
        // National Day: 10-01…10-07 off, Sunday 09-20 and Saturday 10-10 worked.
        assert!(!c.is_working(d("2026-10-05")));
        assert!(c.is_working(d("2026-09-20")));
        assert!(c.is_working(d("2026-10-10")));
        // Arrived Tuesday 09-29: Wed 30, [1–7 off], Thu 8, Fri 9, Sat 10 (worked), Mon 12.
        assert_eq!(c.add_working_days(d("2026-09-29"), 5), d("2026-10-12"));
        // Spring Festival: Sat 02-14 worked, 02-15…02-23 off.
        // Arrived Fri 02-13: Sat 14, Tue 24, Wed 25, Thu 26, Fri 27.
        assert_eq!(c.add_working_days(d("2026-02-13"), 5), d("2026-02-27"));
        // … and Sat 02-28 worked too: one more from Mon 02-16 (a holiday).
        assert_eq!(c.add_working_days(d("2026-02-16"), 5), d("2026-02-28"));
        // New Year: 01-01…01-03 off, Sunday 01-04 worked.
        assert_eq!(c.add_working_days(d("2025-12-31"), 1), d("2026-01-04"));
        // Without the file the same dates count as plain weeks.
        assert_eq!(
            Calendar::weekdays().add_working_days(d("2026-09-29"), 5),
            d("2026-10-06")
        );
    }

    #[test]
    fn overdue_starts_the_day_after_the_deadline() {
        let p = Deadlines::default();
        // Arrived Thursday 2026-12-03 10:00 (UTC+8): due Thursday 12-10.
        let arrived = start_of(d("2026-12-03")) + 10 * 3600;
        assert_eq!(p.due(arrived), d("2026-12-10"));
        let late_on_due_day = start_of(d("2026-12-10")) + 86_399;
        assert!(!p.overdue(arrived, late_on_due_day));
        assert!(p.overdue(arrived, late_on_due_day + 1));
        // One bound on the arrival time gives the same answer for every arrival.
        for now_day in ["2026-12-11", "2026-12-14", "2026-12-15", "2026-10-08"] {
            let now = start_of(d(now_day)) + 3600;
            let bound = p.overdue_before(now);
            for h in 0..(24 * 30) {
                let received = now - h * 3600;
                assert_eq!(
                    p.overdue(received, now),
                    received < bound,
                    "now {now_day}, received {h} h before"
                );
            }
        }
        // The same with holidays.
        let p = Deadlines {
            days: 5,
            calendar: y2026(),
        };
        let now = start_of(d("2026-10-13")) + 3600;
        let bound = p.overdue_before(now);
        for h in 0..(24 * 40) {
            let received = now - h * 3600;
            assert_eq!(p.overdue(received, now), received < bound, "{h}");
        }
    }

    #[test]
    fn a_broken_holiday_file_says_what_and_where() {
        let e = Calendar::parse("holidays = [\"2026-13-01\"]").unwrap_err();
        assert!(e.contains("2026-13-01") && e.contains("YYYY-MM-DD"), "{e}");
        let e = Calendar::parse("holiday = []").unwrap_err();
        assert!(e.contains("格式不对"), "{e}");
        let e = Calendar::parse("holidays = [\"2026-10-10\"]\nworkdays = [\"2026-10-10\"]")
            .unwrap_err();
        assert!(e.contains("只能留一处"), "{e}");
        let e = Calendar::parse("workdays = [\"2026-10-09\"]").unwrap_err();
        assert!(e.contains("周五"), "{e}");
        let e = Deadlines::new(0, None).unwrap_err();
        assert!(e.contains("--case-days"), "{e}");
        let e = Calendar::load(Path::new("/nonexistent/holidays.toml")).unwrap_err();
        assert!(e.contains("/nonexistent/holidays.toml"), "{e}");
    }
}
