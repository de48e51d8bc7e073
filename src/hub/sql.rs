//! The one small storage interface the hub needs: run a statement, read rows, with `$1`-style
//! placeholders (which both rusqlite and PostgreSQL take) and three kinds of values. Everything
//! the hub stores or reports ([`super::schema`], [`super::inbox`], [`super::enrol`],
//! [`super::admin`], [`super::report`]) is written once against [`Db`]; a backend only
//! implements it ([`super::sqlite`]).

/// A value bound to a placeholder or read from a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// One row read.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    pub fn int(&self, i: usize) -> i64 {
        match self.0.get(i) {
            Some(Value::Int(v)) => *v,
            Some(Value::Text(t)) => t.parse().unwrap_or(0),
            _ => 0,
        }
    }

    pub fn opt_int(&self, i: usize) -> Option<i64> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Some(*v),
            _ => None,
        }
    }

    pub fn text(&self, i: usize) -> String {
        self.opt_text(i).unwrap_or_default()
    }

    pub fn opt_text(&self, i: usize) -> Option<String> {
        match self.0.get(i) {
            Some(Value::Text(t)) => Some(t.clone()),
            Some(Value::Int(v)) => Some(v.to_string()),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("汇总数据库出错：{0}")]
pub struct DbError(pub String);

pub type DbResult<T> = Result<T, DbError>;

/// A database connection. Transactions are plain SQL (`BEGIN`, `COMMIT`, `ROLLBACK`,
/// `SAVEPOINT`), which both backends understand; [`Db::begin`] is the one statement that
/// differs (SQLite takes the write lock at once with `BEGIN IMMEDIATE`).
pub trait Db: Send {
    /// Runs one statement; how many rows it changed.
    fn exec(&mut self, sql: &str, params: &[Value]) -> DbResult<u64>;
    /// Runs one query; its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>>;
    /// Runs several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> DbResult<()>;
    /// Starts a write transaction.
    fn begin(&mut self) -> DbResult<()>;
    /// Rows per multi-row `INSERT` the backend does best with, largest first (ending in 1).
    /// In-process SQLite is fastest one row at a time (measured: a 10,000-kiosk burst drained
    /// in 80 s that way, 160 s in 100-row statements); a server wants few round trips.
    fn insert_chunks(&self) -> &'static [usize] {
        &[1]
    }
    /// Refreshes the statistics the query planner chooses indexes by, where the backend needs
    /// asking (SQLite: `PRAGMA optimize`, cheap when little changed; PostgreSQL's autovacuum
    /// does it by itself). The hub calls it at start and hourly.
    fn optimize(&mut self) -> DbResult<()> {
        Ok(())
    }
    /// Loads many rows into `table` at once (generated data: the console benchmark), inside
    /// the caller's transaction. By default multi-row `INSERT`s of [`BULK_ROWS`] rows;
    /// PostgreSQL uses `COPY … FROM STDIN`.
    fn bulk_insert(&mut self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> DbResult<()> {
        let cols = columns.len();
        for chunk in rows.chunks(BULK_ROWS) {
            let tuples: Vec<String> = (0..chunk.len())
                .map(|r| {
                    let cells: Vec<String> =
                        (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
                    format!("({})", cells.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES {}",
                columns.join(", "),
                tuples.join(", ")
            );
            let params: Vec<Value> = chunk.iter().flatten().cloned().collect();
            self.exec(&sql, &params)?;
        }
        Ok(())
    }
}

/// Rows per statement in the default [`Db::bulk_insert`].
pub const BULK_ROWS: usize = 100;

impl dyn Db + '_ {
    /// The first row of a query, if any.
    pub fn row(&mut self, sql: &str, params: &[Value]) -> DbResult<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs `f` in a transaction: committed when it returns `Ok`, rolled back otherwise.
    pub fn transaction<T, E: From<DbError>>(
        &mut self,
        f: impl FnOnce(&mut dyn Db) -> Result<T, E>,
    ) -> Result<T, E> {
        self.begin()?;
        match f(self) {
            Ok(v) => {
                self.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }
}
