//! `--db`: which database the hub uses. `sqlite:PATH` (one file, the embedded default) or
//! `postgres://…` (a PostgreSQL server, for a city or province pooling its counties).

use std::path::PathBuf;

use anyhow::bail;

use super::pg::PgDb;
use super::sql::Db;
use super::sqlite::SqliteDb;

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(String),
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
        return Ok(Target::Postgres(url.to_string()));
    }
    bail!(
        "--db {} 看不懂：写成 sqlite:/var/lib/banshi-hub/hub.db 或 postgres://用户@主机/库名",
        describe(url)
    );
}

/// The database as it may be shown in messages and logs (no password).
pub fn describe(url: &str) -> String {
    super::pg::redact(url)
}

/// Opens the database and brings its schema up to date.
pub fn open(url: &str) -> anyhow::Result<Box<dyn Db>> {
    let mut db: Box<dyn Db> = match parse(url)? {
        Target::Sqlite(path) => Box::new(SqliteDb::open(&path)?),
        Target::Postgres(url) => Box::new(PgDb::open(&url)?),
    };
    super::schema::migrate(db.as_mut())?;
    db.optimize()?;
    Ok(db)
}
