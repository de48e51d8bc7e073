//! The content model: what a county publishes, exactly as authored in `data/` TOML files.
//!
//! These types are plain data (serde) with no UI or storage types. Enumerated fields such as
//! `necessity` are kept as the Chinese words the county writes and are checked against the
//! allowed lists in [`crate::source::validate`], which gives county staff better messages than a
//! serde enum error would.

use serde::{Deserialize, Serialize};

/// Allowed values of enumerated fields, in display order.
pub mod allowed {
    pub const ITEM_TYPES: &[&str] = &[
        "行政许可",
        "行政确认",
        "行政给付",
        "行政裁决",
        "行政奖励",
        "行政检查",
        "公共服务",
        "其他行政权力",
    ];
    pub const HANDLE_TYPES: &[&str] = &["即办件", "承诺件"];
    pub const AUDIENCES: &[&str] = &["个人", "法人"];
    pub const LIMIT_UNITS: &[&str] = &["工作日", "自然日", "小时", "月"];
    /// `legal_limit = "无"`: the law sets no time limit (only the promise binds).
    pub const NO_LIMIT: &str = "无";
    pub const NECESSITY: &[&str] = &["必要", "非必要", "容缺后补"];
    pub const FORMS: &[&str] = &["原件", "复印件", "原件和复印件", "电子证照"];
    pub const SOURCES: &[&str] = &["申请人自备", "政府部门核发", "其他"];
    pub const RESULT_KINDS: &[&str] = &["证照", "批文", "证明", "其他"];
    pub const VILLAGE_MODES: &[&str] = &["直办", "代办", "协办", "告知"];
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct County {
    pub name: String,
    pub region: String,
    pub hall_name: String,
    pub hall_address: String,
    pub hall_hours: String,
    pub consult_phone: String,
    pub complaint_phone: String,
    pub content_version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Town {
    pub code: String,
    pub name: String,
    pub service_room: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Village {
    pub code: String,
    pub name: String,
    pub service_room: String,
    pub hours: String,
    pub assistant: String,
    pub phone: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regions {
    #[serde(default)]
    pub town: Vec<Town>,
    #[serde(default)]
    pub village: Vec<Village>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub phone: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallWindow {
    pub number: String,
    pub floor: i64,
    pub name: String,
    pub departments: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifeEvent {
    pub id: String,
    pub name: String,
    pub audience: String,
    #[serde(default)]
    pub icon: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeCategory {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Categories {
    #[serde(default)]
    pub life_event: Vec<LifeEvent>,
    #[serde(default)]
    pub notice_category: Vec<NoticeCategory>,
}

/// A time limit: `value` of `unit` (工作日, 自然日, 小时 or 月); 0 means handled on the spot (即办).
/// A legal limit may be `"无"` (no statutory limit), held as value 0 with unit 无.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeLimit {
    pub value: i64,
    pub unit: String,
}

impl TimeLimit {
    /// No statutory limit.
    pub fn none() -> TimeLimit {
        TimeLimit {
            value: 0,
            unit: allowed::NO_LIMIT.to_string(),
        }
    }

    pub fn is_none(&self) -> bool {
        self.unit == allowed::NO_LIMIT
    }
}

/// What authors write: `{ value = 15, unit = "工作日" }`, or `"无"` for no statutory limit.
impl<'de> Deserialize<'de> for TimeLimit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TimeLimit, D::Error> {
        use serde::de::{self, MapAccess, Visitor};

        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            value: i64,
            unit: String,
        }

        struct LimitVisitor;
        impl<'de> Visitor<'de> for LimitVisitor {
            type Value = TimeLimit;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("{ value = 15, unit = \"工作日\" }，或 \"无\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<TimeLimit, E> {
                if s.trim() == allowed::NO_LIMIT {
                    Ok(TimeLimit::none())
                } else {
                    Err(E::custom(format!(
                        "时限“{s}”要写成 {{ value = 15, unit = \"工作日\" }}；法律没有规定时限时写 \"无\""
                    )))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<TimeLimit, A::Error> {
                let t = Table::deserialize(de::value::MapAccessDeserializer::new(m))?;
                Ok(TimeLimit {
                    value: t.value,
                    unit: t.unit,
                })
            }
        }
        d.deserialize_any(LimitVisitor)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultDoc {
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub name: String,
    /// Money in fen (分): 2000 = 20.00 元. Never a float.
    pub amount_fen: i64,
    pub standard: String,
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    pub name: String,
    pub necessity: String,
    pub form: String,
    pub copies: i64,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// The materials needed in one situation (情形). Groups are alternatives; every material in a
/// group is needed together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialGroup {
    pub situation: String,
    pub material: Vec<Material>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: String,
    pub actor: String,
    pub time_limit: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faq {
    pub q: String,
    pub a: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VillageOverride {
    pub region: String,
    pub mode: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// What a village or town service room can do for an item (直办 / 代办 / 协办 / 告知).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VillageHandling {
    pub mode: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default, rename = "override")]
    pub overrides: Vec<VillageOverride>,
}

/// One service item (办事指南): everything a resident needs, in one place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceItem {
    pub id: String,
    pub name: String,
    pub code: String,
    pub basic_code: String,
    pub department: String,
    pub item_type: String,
    pub handle_type: String,
    pub audience: Vec<String>,
    pub life_events: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub popularity: i64,
    pub summary: String,
    pub conditions: Vec<String>,
    pub legal_basis: Vec<String>,
    pub legal_limit: TimeLimit,
    pub promised_limit: TimeLimit,
    #[serde(default)]
    pub limit_note: Option<String>,
    pub visits: i64,
    pub online_url: String,
    #[serde(default)]
    pub express: bool,
    pub windows: Vec<String>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub hours: Option<String>,
    pub consult_phone: String,
    pub complaint_phone: String,
    pub result: ResultDoc,
    pub free: bool,
    #[serde(default)]
    pub fee: Vec<Fee>,
    pub material_group: Vec<MaterialGroup>,
    pub step: Vec<Step>,
    #[serde(default)]
    pub faq: Vec<Faq>,
    pub village: VillageHandling,
}

/// A public notice (政务公开), scoped to the county, a town or a village.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub id: String,
    pub title: String,
    pub index_no: String,
    pub category: String,
    pub publisher: String,
    #[serde(default)]
    pub doc_no: Option<String>,
    pub written: toml::value::Datetime,
    pub published: toml::value::Datetime,
    pub scope: String,
    pub summary: String,
    pub body: String,
}

/// A whole county's content, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub county: County,
    pub regions: Regions,
    pub departments: Vec<Department>,
    pub windows: Vec<HallWindow>,
    pub categories: Categories,
    pub items: Vec<ServiceItem>,
    pub notices: Vec<Notice>,
    /// The county's 好差评 indicator set (`ratings.toml`); `None`: the kiosk uses
    /// [`RatingSet::builtin`].
    pub ratings: Option<RatingSet>,
}

/// The 好差评 indicator set residents rate with (`ratings.toml`, optional): a version, the five
/// levels (fixed by the national rules: a file may repeat them, never change them) and the
/// reasons a 差评 chooses from. Versioned data, so a province's set replaces the built-in one
/// without a new program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingSet {
    /// Sent with every rating, so the county knows which reasons it was given.
    pub version: String,
    /// Best first; only the national names (see [`RatingSet::LEVELS`]).
    #[serde(default = "national_levels")]
    pub levels: Vec<String>,
    /// What a 差评 (不满意, 非常不满意) picks at least one of.
    pub reasons: Vec<String>,
}

fn national_levels() -> Vec<String> {
    RatingSet::LEVELS.iter().map(|l| l.to_string()).collect()
}

impl RatingSet {
    /// The five levels of the national 好差评 rules (国办发〔2019〕51号), best first.
    pub const LEVELS: [&'static str; 5] = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"];
    /// Reasons a set may list at most (a rating carries at most 10, and they must fit a screen).
    pub const MAX_REASONS: usize = 10;
    /// Characters per reason at most (a big button each).
    pub const MAX_REASON_CHARS: usize = 16;

    /// The set a kiosk uses when its county publishes none.
    pub fn builtin() -> RatingSet {
        RatingSet {
            version: "banshi-builtin-1".into(),
            levels: national_levels(),
            reasons: [
                "指南和实际要求不一样",
                "材料没说清楚",
                "找不到窗口",
                "等太久",
                "办理太慢",
                "态度不好",
                "其他",
            ]
            .iter()
            .map(|r| r.to_string())
            .collect(),
        }
    }
}
