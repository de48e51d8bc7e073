//! `--db`: which database the hub uses. `sqlite:PATH` (one file, the embedded default);
//! `postgres://…` is named here so the message is clear, but not built yet.

use std::path::PathBuf;

use anyhow::bail;

use super::sql::Db;
use super::sqlite::SqliteDb;

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Sqlite(PathBuf),
}

pub fn parse(url: &str) -> anyhow::Result<Target> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        if path.is_empty() {
            bail!("--db sqlite: 后面要写数据库文件的路径，例如 sqlite:/var/lib/banshi-hub/hub.db");
        }
        return Ok(Target::Sqlite(PathBuf::from(path)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        bail!("这个版本的汇总服务还不支持 PostgreSQL，请先用 --db sqlite:文件路径。");
    }
    bail!("--db {url} 看不懂：写成 sqlite:/var/lib/banshi-hub/hub.db");
}

/// Opens the database and brings its schema up to date.
pub fn open(url: &str) -> anyhow::Result<Box<dyn Db>> {
    match parse(url)? {
        Target::Sqlite(path) => {
            let mut db = SqliteDb::open(&path)?;
            super::schema::migrate(&mut db)?;
            Ok(Box::new(db))
        }
    }
}
