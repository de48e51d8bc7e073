//! The pooled backend: a PostgreSQL database (`--db postgres://…`), for a city or province that
//! runs one hub for many counties. The same statements as [`super::sqlite`]: `$N` placeholders
//! are PostgreSQL's own, and the hub's values are only integers, text and NULL, converted here
//! to whatever integer or text type the server says a placeholder or column has.
//!
//! The connection is plain (no TLS): reach the server over its Unix socket
//! (`postgres://banshi@%2Fvar%2Frun%2Fpostgresql/banshi_hub`) or a private network. A
//! connection that dropped (the server restarted) is opened again before the next statement,
//! but never in the middle of a transaction: those statements fail until the caller's
//! `ROLLBACK`, so no half of a transaction ever runs on its own.

use std::collections::HashMap;
use std::error::Error;
use std::time::Duration;

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type};
use postgres::{Client, Config, NoTls, Statement};

use super::sql::{Db, DbError, DbResult, Row, Value};

/// Prepared statements kept per connection (the hub runs a few dozen distinct statements).
const STATEMENT_CACHE: usize = 256;

pub struct PgDb {
    config: Config,
    /// Where the database is, without a password, for messages.
    shown: String,
    client: Option<Client>,
    statements: HashMap<String, Statement>,
    in_transaction: bool,
}

/// `url` with any password replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:***"),
                None => userinfo.to_string(),
            };
            format!("{scheme}://{user}@{host}{}", redact_query(tail))
        }
        None => format!("{scheme}://{authority}{}", redact_query(tail)),
    }
}

fn redact_query(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_string();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some(("password", _)) => "password=***".to_string(),
            _ => kv.to_string(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

fn pg_err(shown: &str, e: postgres::Error) -> DbError {
    // The server's own message (`ERROR: …`) is the useful part; the rest names the cause.
    let detail = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => match e.source() {
            Some(s) => format!("{e}: {s}"),
            None => e.to_string(),
        },
    };
    DbError(format!("PostgreSQL（{shown}）：{detail}"))
}

impl PgDb {
    /// Connects (within 10 s unless the URL sets `connect_timeout`).
    pub fn open(url: &str) -> DbResult<PgDb> {
        let shown = redact(url);
        let mut config: Config = url.parse().map_err(|e| {
            DbError(format!(
                "--db {shown} 看不懂（{e}）。写成 postgres://用户@%2Fvar%2Frun%2Fpostgresql/库名 \
                 （本机 Unix 套接字）或 postgres://用户:密码@主机/库名。"
            ))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("banshi-hub");
        }
        let mut db = PgDb {
            config,
            shown,
            client: None,
            statements: HashMap::new(),
            in_transaction: false,
        };
        db.connect()?;
        Ok(db)
    }

    fn connect(&mut self) -> DbResult<&mut Client> {
        let stale = self.client.as_ref().is_none_or(Client::is_closed);
        if stale {
            if self.in_transaction {
                return Err(DbError(format!(
                    "PostgreSQL（{}）：连接在事务中断开，这个事务什么也没有保存。",
                    self.shown
                )));
            }
            self.statements.clear();
            let client = self.config.connect(NoTls).map_err(|e| {
                let DbError(m) = pg_err(&self.shown, e);
                DbError(format!(
                    "{m}。请确认 PostgreSQL 在运行、库已建好、这个用户可以登录（汇总服务不用 TLS 连 \
                     PostgreSQL：请用本机 Unix 套接字或内网地址）。"
                ))
            })?;
            self.client = Some(client);
        }
        Ok(self.client.as_mut().expect("connected above"))
    }

    fn statement(&mut self, sql: &str) -> DbResult<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let shown = self.shown.clone();
        let s = self
            .connect()?
            .prepare(sql)
            .map_err(|e| pg_err(&shown, e))?;
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    fn run<T>(
        &mut self,
        sql: &str,
        params: &[Value],
        f: impl FnOnce(&mut Client, &Statement, &[&(dyn ToSql + Sync)]) -> Result<T, postgres::Error>,
    ) -> DbResult<T> {
        // Connect first: a new connection empties the cache of the old one's statements.
        self.connect()?;
        let stmt = self.statement(sql)?;
        if stmt.params().len() != params.len() {
            return Err(DbError(format!(
                "statement takes {} values, {} given: {sql}",
                stmt.params().len(),
                params.len()
            )));
        }
        let bound: Vec<Param> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|p| p as _).collect();
        let shown = self.shown.clone();
        let client = self.connect()?;
        f(client, &stmt, &refs).map_err(|e| pg_err(&shown, e))
    }
}

impl Db for PgDb {
    fn exec(&mut self, sql: &str, params: &[Value]) -> DbResult<u64> {
        self.run(sql, params, |c, s, p| c.execute(s, p))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
        let rows = self.run(sql, params, |c, s, p| c.query(s, p))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        r.try_get::<_, Cell>(i)
                            .map(|c| c.0)
                            .map_err(|e| pg_err(&self.shown, e))
                    })
                    .collect::<DbResult<Vec<Value>>>()
                    .map(Row)
            })
            .collect()
    }

    fn batch(&mut self, sql: &str) -> DbResult<()> {
        let ends = matches!(
            sql.trim().to_ascii_uppercase().as_str(),
            "COMMIT" | "ROLLBACK"
        );
        let shown = self.shown.clone();
        let result = match self.connect() {
            Ok(c) => c.batch_execute(sql).map_err(|e| pg_err(&shown, e)),
            Err(e) => Err(e),
        };
        if ends {
            self.in_transaction = false;
        }
        result
    }

    fn insert_chunks(&self) -> &'static [usize] {
        // Each statement is a round trip: a 500-record upload takes a handful, not 1,000.
        &[100, 10, 1]
    }

    fn bulk_insert(&mut self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> DbResult<()> {
        use std::io::Write;
        // COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
        let mut data = Vec::with_capacity(rows.len() * 64);
        for row in rows {
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    data.push(b'\t');
                }
                match v {
                    Value::Null => data.extend_from_slice(b"\\N"),
                    Value::Int(n) => data.extend_from_slice(n.to_string().as_bytes()),
                    Value::Text(t) => {
                        for b in t.bytes() {
                            match b {
                                b'\\' => data.extend_from_slice(b"\\\\"),
                                b'\t' => data.extend_from_slice(b"\\t"),
                                b'\n' => data.extend_from_slice(b"\\n"),
                                b'\r' => data.extend_from_slice(b"\\r"),
                                _ => data.push(b),
                            }
                        }
                    }
                }
            }
            data.push(b'\n');
        }
        let shown = self.shown.clone();
        let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
        let client = self.connect()?;
        let mut w = client.copy_in(&sql).map_err(|e| pg_err(&shown, e))?;
        w.write_all(&data)
            .map_err(|e| DbError(format!("PostgreSQL（{shown}）：COPY：{e}")))?;
        w.finish().map_err(|e| pg_err(&shown, e))?;
        Ok(())
    }

    fn begin(&mut self) -> DbResult<()> {
        let shown = self.shown.clone();
        self.connect()?
            .batch_execute("BEGIN")
            .map_err(|e| pg_err(&shown, e))?;
        self.in_transaction = true;
        Ok(())
    }
}

fn is_text(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    )
}

/// A value bound to a placeholder of whatever integer or text type the server inferred.
#[derive(Debug)]
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        let int = |v: i64, out: &mut BytesMut| -> Result<IsNull, Box<dyn Error + Sync + Send>> {
            match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                _ if is_text(ty) => v.to_string().as_str().to_sql(ty, out),
                _ => Err(format!("an integer cannot go into a {ty} placeholder").into()),
            }
        };
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => int(*v, out),
            Value::Text(t) if is_text(ty) => t.as_str().to_sql(ty, out),
            Value::Text(t) => int(
                t.parse()
                    .map_err(|_| format!("text {t:?} cannot go into a {ty} placeholder"))?,
                out,
            ),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// A column read as the hub's [`Value`]: integers (and booleans, as 0/1), text, or NULL.
struct Cell(Value);

impl<'a> FromSql<'a> for Cell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Cell, Box<dyn Error + Sync + Send>> {
        Ok(Cell(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Int(f64::from_sql(ty, raw)? as i64),
            Type::FLOAT4 => Value::Int(f32::from_sql(ty, raw)? as i64),
            _ if is_text(ty) => Value::Text(String::from_sql(ty, raw)?),
            _ => {
                return Err(format!(
                    "a {ty} column cannot be read: cast it to BIGINT or TEXT in the query"
                )
                .into())
            }
        }))
    }

    fn from_sql_null(_: &Type) -> Result<Cell, Box<dyn Error + Sync + Send>> {
        Ok(Cell(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_a_message() {
        assert_eq!(
            redact("postgres://hub:s3cret@db.example/hub"),
            "postgres://hub:***@db.example/hub"
        );
        assert_eq!(
            redact("postgresql://hub@%2Fvar%2Frun%2Fpostgresql/hub"),
            "postgresql://hub@%2Fvar%2Frun%2Fpostgresql/hub"
        );
        assert_eq!(
            redact("postgres:///hub?host=/run/pg&password=x&user=hub"),
            "postgres:///hub?host=/run/pg&password=***&user=hub"
        );
        assert_eq!(
            redact("postgres://a:b@h:5432?sslmode=disable"),
            "postgres://a:***@h:5432?sslmode=disable"
        );
    }
}
