//! Which department a guide belongs to, learned from the content the hub serves (`--repo`):
//! [`refresh`] reads the newest published version (`publish::read_current`, the same objects a
//! kiosk syncs) into `department` and `guide_department`, and moves cases whose guide changed
//! department (or had none known yet) to the new one. Call it at start and every few minutes:
//! only what changed is written.

use std::path::Path;

use serde::Serialize;

use crate::hub::sql::{Db, DbResult};
use crate::model::Content;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Department {
    pub id: String,
    pub name: String,
    pub short_name: String,
}

/// What a refresh found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Refreshed {
    /// The published version read (`None`: nothing published yet).
    pub version: Option<u64>,
    pub departments: usize,
    pub guides: usize,
    /// Cases given a (new) department.
    pub cases_moved: u64,
}

/// Reads the newest content published to `repo` and stores its departments and guides.
pub fn refresh(db: &mut dyn Db, repo: &Path) -> anyhow::Result<Refreshed> {
    let Some((version, content)) = crate::publish::read_current(repo)? else {
        return Ok(Refreshed::default());
    };
    let mut r = store(db, &content)?;
    r.version = Some(version);
    Ok(r)
}

/// Stores `content`'s departments and guide → department mapping (one transaction).
pub fn store(db: &mut dyn Db, content: &Content) -> DbResult<Refreshed> {
    db.transaction(|db| {
        db.exec("DELETE FROM department", &[])?;
        for d in &content.departments {
            db.exec(
                "INSERT INTO department (id, name, short_name) VALUES ($1, $2, $3)",
                &[
                    d.id.as_str().into(),
                    d.name.as_str().into(),
                    d.short_name.as_str().into(),
                ],
            )?;
        }
        let old: std::collections::HashMap<String, (String, String)> = db
            .query("SELECT guide, title, department FROM guide_department", &[])?
            .into_iter()
            .map(|r| (r.text(0), (r.text(1), r.text(2))))
            .collect();
        let mut moved = 0;
        for item in &content.items {
            let now = (item.name.clone(), item.department.clone());
            match old.get(&item.id) {
                Some(was) if *was == now => continue,
                Some(_) => db.exec(
                    "UPDATE guide_department SET title = $2, department = $3 WHERE guide = $1",
                    &[
                        item.id.as_str().into(),
                        item.name.as_str().into(),
                        item.department.as_str().into(),
                    ],
                )?,
                None => db.exec(
                    "INSERT INTO guide_department (guide, title, department) VALUES ($1, $2, $3)",
                    &[
                        item.id.as_str().into(),
                        item.name.as_str().into(),
                        item.department.as_str().into(),
                    ],
                )?,
            };
            if old.get(&item.id).map(|(_, d)| d) != Some(&item.department) {
                // Its cases follow the guide (closed ones too: the department answers for them).
                moved += db.exec(
                    "UPDATE feedback_case SET department = $2 WHERE guide = $1",
                    &[item.id.as_str().into(), item.department.as_str().into()],
                )?;
            }
        }
        // Guides no longer published keep their row: their old cases still belong somewhere.
        // Cases whose guide was unknown when they were opened and is known now.
        moved += db.exec(
            "UPDATE feedback_case SET department =
                 (SELECT g.department FROM guide_department g WHERE g.guide = feedback_case.guide)
             WHERE department IS NULL AND guide IN (SELECT guide FROM guide_department)",
            &[],
        )?;
        if moved > 0 {
            super::cases::recount(db)?;
        }
        Ok(Refreshed {
            version: None,
            departments: content.departments.len(),
            guides: content.items.len(),
            cases_moved: moved,
        })
    })
}

/// The departments, by id (for filters and account forms).
pub fn list(db: &mut dyn Db) -> DbResult<Vec<Department>> {
    Ok(db
        .query(
            "SELECT id, name, short_name FROM department ORDER BY id",
            &[],
        )?
        .iter()
        .map(|r| Department {
            id: r.text(0),
            name: r.text(1),
            short_name: r.text(2),
        })
        .collect())
}
