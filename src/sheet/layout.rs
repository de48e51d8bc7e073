//! Which sheet and which column hold each field: the default layout
//! (`assets/spreadsheet/layout.toml`, the national 实施清单 fields) and a province's mapping
//! file laid over it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// The default layout, as shipped.
pub const DEFAULT: &str = include_str!("../../assets/spreadsheet/layout.toml");

/// The tables of a workbook, in the order they are written.
pub const TABLES: &[&str] = &[
    "items",
    "materials",
    "steps",
    "fees",
    "faqs",
    "overrides",
    "county",
    "departments",
    "windows",
    "towns",
    "villages",
    "life_events",
    "notice_categories",
    "notices",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Names {
    One(String),
    Many(Vec<String>),
}

impl Names {
    fn list(self) -> Vec<String> {
        match self {
            Names::One(s) => vec![s],
            Names::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TableFile {
    sheet: Option<Names>,
    key: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, Names>,
}

/// One table: the sheet names to look for and each field's header names.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub sheets: Vec<String>,
    /// The field whose column finds the header row.
    pub key: String,
    /// Field → header names (the first one is written by `export`), in the layout's order.
    pub columns: Vec<(String, Vec<String>)>,
}

impl Table {
    pub fn headers(&self, field: &str) -> Option<&[String]> {
        self.columns
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, h)| h.as_slice())
    }
    /// The header `export` writes for a field.
    pub fn header(&self, field: &str) -> String {
        self.headers(field)
            .and_then(|h| h.first())
            .cloned()
            .unwrap_or_else(|| field.to_string())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub tables: BTreeMap<String, Table>,
}

impl Layout {
    /// The shipped default.
    pub fn default_layout() -> Layout {
        Layout::parse_over(None, DEFAULT).expect("the shipped layout.toml is valid")
    }

    /// The default with a mapping file laid over it (sheets and columns it names replace the
    /// default's; the rest stays).
    pub fn load(path: Option<&Path>) -> Result<Layout, String> {
        let base = Layout::default_layout();
        let Some(path) = path else { return Ok(base) };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("无法读取格式文件 {}：{e}", path.display()))?;
        Layout::parse_over(Some(base), &text)
            .map_err(|e| format!("格式文件 {}：{e}", path.display()))
    }

    fn parse_over(base: Option<Layout>, text: &str) -> Result<Layout, String> {
        let file: BTreeMap<String, TableFile> = toml::from_str(text).map_err(|e| {
            format!(
                "TOML 写法有误：{}（每张表写成 [items] sheet = \"事项\"，列写在 [items.columns] 下）",
                e.message()
            )
        })?;
        // Over the default, only its own fields may be named (a typo must not pass silently).
        let strict = base.is_some();
        let mut layout = base.unwrap_or(Layout {
            tables: BTreeMap::new(),
        });
        for (name, t) in file {
            if !TABLES.contains(&name.as_str()) {
                return Err(format!(
                    "没有“{name}”这张表。可用的表：{}。",
                    TABLES.join("、")
                ));
            }
            let entry = layout.tables.entry(name.clone()).or_insert(Table {
                sheets: Vec::new(),
                key: String::new(),
                columns: Vec::new(),
            });
            if let Some(s) = t.sheet {
                entry.sheets = s.list();
            }
            if let Some(k) = t.key {
                entry.key = k;
            }
            for (field, names) in t.columns {
                let known = entry.columns.iter().any(|(f, _)| *f == field);
                if !known && strict {
                    let fields: Vec<&str> = entry.columns.iter().map(|(f, _)| f.as_str()).collect();
                    return Err(format!(
                        "表 {name} 没有字段“{field}”。可用的字段：{}。",
                        fields.join("、")
                    ));
                }
                match entry.columns.iter_mut().find(|(f, _)| *f == field) {
                    Some((_, h)) => *h = names.list(),
                    None => entry.columns.push((field, names.list())),
                }
            }
        }
        for name in TABLES {
            let t = layout
                .tables
                .get(*name)
                .ok_or_else(|| format!("缺少表 [{name}]"))?;
            if t.headers(&t.key).is_none() {
                return Err(format!("表 [{name}] 的 key “{}” 不是它的一列", t.key));
            }
        }
        Ok(layout)
    }

    pub fn table(&self, name: &str) -> &Table {
        &self.tables[name]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_layout_has_every_table_and_a_mapping_replaces_names() {
        let l = Layout::default_layout();
        assert_eq!(l.tables.len(), TABLES.len());
        assert_eq!(l.table("items").header("code"), "实施编码");
        let over = Layout::parse_over(
            Some(l.clone()),
            "[materials]\nsheet = \"材料目录\"\n[materials.columns]\nname = [\"材料名\"]\n",
        )
        .unwrap();
        assert_eq!(over.table("materials").sheets, ["材料目录"]);
        assert_eq!(over.table("materials").header("name"), "材料名");
        assert_eq!(over.table("materials").header("copies"), "份数");
        let bad = Layout::parse_over(Some(l.clone()), "[items.columns]\nnmae = \"名称\"\n");
        assert!(bad.unwrap_err().contains("nmae"));
        assert!(Layout::parse_over(Some(l), "[itmes]\n")
            .unwrap_err()
            .contains("itmes"));
    }
}
