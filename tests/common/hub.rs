//! A real `banshi hub` process on 127.0.0.1 and a kiosk that signs its requests as the wire
//! protocol says (Ed25519 device key, as `src/publish/keys.rs` makes keys).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use super::pg::PgServer;

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use banshi::hub::sql::Db;
use banshi::hub::wire;

/// A hub database on `backend`: a SQLite file in `dir`, or database `hub` on a PostgreSQL
/// server of its own (returned too: the database lives as long as it does).
pub fn database(backend: Backend, dir: &std::path::Path) -> (String, Option<PgServer>) {
    match backend {
        Backend::Sqlite => (format!("sqlite:{}", dir.join("hub.db").display()), None),
        Backend::Postgres => {
            let pg = PgServer::start();
            (pg.database("hub"), Some(pg))
        }
    }
}

/// `banshi hub ARGS…` with stdout piped: the process and the first line it printed
/// (`listening on ADDR` once it serves, or nothing when it stopped first).
pub fn spawn(args: &[&str], stderr: Stdio) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_banshi"))
        .arg("hub")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("banshi hub starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}

/// Which database the hub runs on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backend {
    /// One SQLite file in the hub's temporary folder.
    Sqlite,
    /// A PostgreSQL server of the hub's own ([`PgServer`]), database `hub`.
    Postgres,
}

/// The hub: its process, address and database; killed (and its PostgreSQL server stopped)
/// when dropped.
pub struct Hub {
    child: Child,
    pub addr: SocketAddr,
    db_url: String,
    pg: Option<PgServer>,
    _dir: tempfile::TempDir,
}

impl Hub {
    /// Starts `banshi hub --listen 127.0.0.1:0 --db sqlite:…` with `extra` arguments.
    pub fn start(extra: &[&str]) -> Hub {
        Hub::start_on(Backend::Sqlite, extra)
    }

    /// Starts `banshi hub --listen 127.0.0.1:0 --db …` on `backend` with `extra` arguments.
    pub fn start_on(backend: Backend, extra: &[&str]) -> Hub {
        let dir = tempfile::tempdir().unwrap();
        let (db_url, pg) = database(backend, dir.path());
        let mut args = vec!["--listen", "127.0.0.1:0", "--db", &db_url];
        args.extend_from_slice(extra);
        let (child, line) = spawn(&args, Stdio::inherit());
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("hub printed {line:?}"))
            .parse()
            .unwrap();
        Hub {
            child,
            addr,
            db_url,
            pg,
            _dir: dir,
        }
    }

    /// Restarts the hub's PostgreSQL server under it (a PostgreSQL hub only).
    pub fn restart_postgres(&mut self) {
        self.pg.as_mut().expect("a PostgreSQL hub").restart();
    }

    pub fn db_url(&self) -> String {
        self.db_url.clone()
    }

    /// `banshi hub ARGS… --db …`.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_banshi"))
            .arg("hub")
            .args(args)
            .args(["--db", &self.db_url])
            .output()
            .unwrap()
    }

    /// `banshi hub user ARGS… --db …` with `stdin` as its input (the password's line).
    pub fn user(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_banshi"))
            .args(["hub", "user"])
            .args(args)
            .args(["--db", &self.db_url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// A connection of the test's own to the hub's database (either backend).
    pub fn db(&self) -> Box<dyn Db> {
        banshi::hub::db::open(&self.db_url).unwrap()
    }

    /// Rows in `table`.
    pub fn count(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT COUNT(*) FROM {table}"))
    }

    /// Everything a request could leave behind, for "stored nothing" checks.
    pub fn footprint(&self) -> Vec<i64> {
        [
            "kiosk",
            "inbox",
            "rating",
            "suggestion",
            "miss",
            "usage_count",
            "heartbeat",
            "rejected",
            "nonce",
        ]
        .iter()
        .map(|t| self.count(t))
        .collect::<Vec<_>>()
        .into_iter()
        .chain([self.scalar("SELECT COUNT(*) FROM enrol_code WHERE used_by IS NOT NULL")])
        .collect()
    }

    pub fn scalar(&self, sql: &str) -> i64 {
        let mut db = self.db();
        db.row(sql, &[]).unwrap().expect("one row").int(0)
    }

    pub fn exec(&self, sql: &str) {
        self.db().batch(sql).unwrap();
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reply: status, headers (lower-case names) and body.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends raw bytes as one HTTP/1.1 request (`Connection: close`) and reads the reply.
pub fn raw(addr: SocketAddr, head: &str, body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    // The hub may answer and close before reading all of a refused body.
    let _ = s.write_all(body);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("reply {text:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: body.to_string(),
    }
}

pub fn post(addr: SocketAddr, path: &str, headers: &[(String, String)], body: &[u8]) -> Resp {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    raw(addr, &head, body)
}

pub fn nonce() -> String {
    let mut b = [0u8; 16];
    aws_lc_rs::rand::fill(&mut b).unwrap();
    hex::encode(b)
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A kiosk: its id and device key.
pub struct Kiosk {
    pub id: String,
    pair: Ed25519KeyPair,
}

impl Kiosk {
    pub fn new(id: &str) -> Kiosk {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        Kiosk {
            id: id.to_string(),
            pair: Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap(),
        }
    }

    pub fn key(&self) -> String {
        hex::encode(self.pair.public_key().as_ref())
    }

    /// The four signed headers for `body` at `time` with `nonce`.
    pub fn headers(
        &self,
        path: &str,
        time: i64,
        nonce: &str,
        body: &[u8],
    ) -> Vec<(String, String)> {
        let input = wire::signing_input("POST", path, &self.id, time, nonce, body);
        vec![
            (wire::H_KIOSK.into(), self.id.clone()),
            (wire::H_TIME.into(), time.to_string()),
            (wire::H_NONCE.into(), nonce.to_string()),
            (
                wire::H_SIGNATURE.into(),
                hex::encode(self.pair.sign(&input).as_ref()),
            ),
        ]
    }

    pub fn send(&self, hub: &Hub, path: &str, body: &[u8]) -> Resp {
        post(
            hub.addr,
            path,
            &self.headers(path, unix_now(), &nonce(), body),
            body,
        )
    }

    pub fn enrol(&self, hub: &Hub, code: Option<&str>, region: Option<&str>) -> Resp {
        let req = wire::EnrolRequest {
            key: self.key(),
            code: code.map(String::from),
            hall: Some("测试县政务服务中心".into()),
            region: region.map(String::from),
        };
        self.send(hub, wire::ENROL_PATH, &serde_json::to_vec(&req).unwrap())
    }

    pub fn upload(&self, hub: &Hub, records: &[(i64, serde_json::Value)]) -> Resp {
        self.send(hub, wire::UPLOAD_PATH, &batch(records))
    }
}

/// An upload body of `(seq, record)` pairs.
pub fn batch(records: &[(i64, serde_json::Value)]) -> Vec<u8> {
    let req = wire::UploadRequest {
        records: records
            .iter()
            .map(|(seq, record)| wire::WireRecord {
                seq: *seq,
                at: "2026-12-03T10:00:00+08:00".into(),
                record: record.clone(),
            })
            .collect(),
    };
    serde_json::to_vec(&req).unwrap()
}

/// `banshi outbox flush --json --config CONFIG`, as a technician runs it: exit code, and
/// stdout and stderr as text.
pub fn outbox_flush(config: &std::path::Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_banshi"))
        .args(["outbox", "flush", "--json", "--config"])
        .arg(config)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), super::text(&out))
}
