//! What a kiosk sends to the county, as JSON the hub stores (`kind` names the record). Checked
//! before it is written: a 差评 carries a reason, phone numbers are phone numbers, texts are
//! bounded — the hub checks the same again, and never trusts the kiosk alone.

use serde::{Deserialize, Serialize};

/// The five levels of the national 好差评 rules, best first (1 = 非常满意 … 5 = 非常不满意).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

impl Level {
    pub const NAMES: [&'static str; 5] = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"];

    pub fn new(n: u8) -> Option<Level> {
        (1..=5).contains(&n).then_some(Level(n))
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[usize::from(self.0 - 1)]
    }

    /// 不满意 and 非常不满意: a 差评, which must say why.
    pub fn is_bad(self) -> bool {
        self.0 >= 4
    }
}

impl TryFrom<u8> for Level {
    type Error = String;
    fn try_from(n: u8) -> Result<Level, String> {
        Level::new(n).ok_or_else(|| format!("评价等级只能是 1–5，不是 {n}"))
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> u8 {
        l.0
    }
}

/// What is rated: a service (by its guide) or the hall as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum Subject {
    Guide { id: String },
    Hall,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub subject: Subject,
    pub level: Level,
    /// Reasons chosen from the indicator set (required for a 差评).
    pub reasons: Vec<String>,
    /// The version of the indicator set the reasons come from.
    pub indicator_set: String,
    /// 办件编号, when the resident typed one.
    pub case_no: Option<String>,
    /// For a return call, given with consent; never shown on another screen.
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// 办事指南, 大厅服务, 本终端 or 其他.
    pub topic: String,
    /// What it is about (e.g. the guide being read).
    pub about: Option<String>,
    pub phone: Option<String>,
}

/// A search that found nothing (`step` None) or only through a forgiving step; or after which
/// no result was opened (`opened` false). Text and time only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Miss {
    pub query: String,
    pub step: Option<String>,
    pub found: bool,
}

/// How often a guide was opened on a day (counts only; the hub adds records up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub day: String,
    pub guide: String,
    pub opened: i64,
}

/// How the kiosk is: what the county's fleet page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub app_version: String,
    pub content_version: Option<String>,
    pub content_digest: Option<String>,
    pub last_sync_status: Option<String>,
    pub last_sync_at: Option<String>,
    pub last_sync_error: Option<String>,
    pub expires: Option<String>,
    pub uptime_secs: u64,
    pub free_disk_mb: Option<u64>,
    pub screen: String,
    pub rotation: u32,
    /// Warnings logged since the last heartbeat.
    pub warnings: u32,
}

pub const SUGGESTION_TOPICS: [&str; 4] = ["办事指南", "大厅服务", "本终端", "其他"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    Rating(Rating),
    Suggestion(Suggestion),
    Miss(Miss),
    Usage(Usage),
    Heartbeat(Heartbeat),
}

/// A mobile (11 digits, 1…) or a landline with area code (0…, 10–12 digits, one hyphen allowed).
pub fn is_phone(p: &str) -> bool {
    let digits: String = p.chars().filter(|c| *c != '-').collect();
    let one_hyphen = p.matches('-').count() <= 1 && !p.starts_with('-') && !p.ends_with('-');
    one_hyphen
        && digits.bytes().all(|b| b.is_ascii_digit())
        && ((digits.len() == 11 && digits.starts_with('1'))
            || ((10..=12).contains(&digits.len()) && digits.starts_with('0')))
}

fn bounded(field: &str, text: &str, max: usize) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(format!("{field} 不能为空"));
    }
    if text.chars().count() > max {
        return Err(format!("{field} 太长（最多 {max} 个字）"));
    }
    if text.chars().any(|c| c.is_control()) {
        return Err(format!("{field} 含有控制字符"));
    }
    Ok(())
}

impl Record {
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Rating(_) => "rating",
            Record::Suggestion(_) => "suggestion",
            Record::Miss(_) => "miss",
            Record::Usage(_) => "usage",
            Record::Heartbeat(_) => "heartbeat",
        }
    }

    /// Ratings and suggestions: never dropped.
    pub fn is_feedback(&self) -> bool {
        matches!(self, Record::Rating(_) | Record::Suggestion(_))
    }

    /// Whether the record may be written (and, on the hub, stored).
    pub fn check(&self) -> Result<(), String> {
        let phone = |p: &Option<String>| match p {
            Some(p) if !is_phone(p) => Err(format!("电话号码 {p} 不对：手机 11 位，座机带区号")),
            _ => Ok(()),
        };
        match self {
            Record::Rating(r) => {
                if r.level.is_bad() && r.reasons.is_empty() {
                    return Err(format!("“{}”要选至少一个原因", r.level.name()));
                }
                if r.reasons.len() > 10 {
                    return Err("原因最多 10 个".into());
                }
                for reason in &r.reasons {
                    bounded("原因", reason, 40)?;
                }
                bounded("指标版本", &r.indicator_set, 40)?;
                if let Subject::Guide { id } = &r.subject {
                    bounded("事项编号", id, 100)?;
                }
                if let Some(c) = &r.case_no {
                    if c.is_empty()
                        || c.len() > 40
                        || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    {
                        return Err(format!(
                            "办件编号 {c} 不对：只能是字母、数字和“-”，最多 40 位"
                        ));
                    }
                }
                phone(&r.phone)
            }
            Record::Suggestion(s) => {
                if !SUGGESTION_TOPICS.contains(&s.topic.as_str()) {
                    return Err(format!("建议的类别只能是 {}", SUGGESTION_TOPICS.join("、")));
                }
                if let Some(a) = &s.about {
                    bounded("建议关于", a, 100)?;
                }
                phone(&s.phone)
            }
            Record::Miss(m) => bounded("搜索内容", &m.query, 64),
            Record::Usage(u) => {
                bounded("事项编号", &u.guide, 100)?;
                if chrono::NaiveDate::parse_from_str(&u.day, "%Y-%m-%d").is_err() || u.opened < 1 {
                    return Err("使用次数的日期或次数不对".into());
                }
                Ok(())
            }
            Record::Heartbeat(h) => bounded("软件版本", &h.app_version, 40),
        }
    }
}
