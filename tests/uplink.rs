//! The kiosk's uploader against a real `banshi hub` on 127.0.0.1: an offline day's records
//! arrive exactly once when the hub comes up; enrolment by code and by approval; a revoked
//! kiosk is told; `kill -9` of the uploader (≥ 50) and of the hub (≥ 20) at random moments
//! during uploads loses and doubles nothing. Each test runs on a SQLite hub and on a
//! PostgreSQL hub (a server of the test's own).

#[macro_use]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use banshi::outbox::{Level, Miss, Outbox, Rating, Record, Subject, Suggestion};
use common::hub::Backend;
use common::pg::PgServer;

const KIOSK: &str = "test-village-01";
const REGION: &str = "439021101201";

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A free loopback port (bound, then released for the hub to take).
fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// The hub's database: one SQLite file, or a PostgreSQL server of the test's own.
struct HubDb {
    url: String,
    _pg: Option<PgServer>,
    _dir: tempfile::TempDir,
}

impl HubDb {
    fn new(backend: Backend) -> HubDb {
        let dir = tempfile::tempdir().unwrap();
        let (url, pg) = common::hub::database(backend, dir.path());
        HubDb {
            url,
            _pg: pg,
            _dir: dir,
        }
    }
}

struct HubProc {
    child: Child,
}

impl HubProc {
    /// `banshi hub` on `addr` with `db` (reused across restarts); waits until it listens.
    fn start(addr: &str, db: &str) -> HubProc {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (mut child, line) = common::hub::spawn(
                &[
                    "--listen",
                    addr,
                    "--kiosk-rate",
                    "10000",
                    "--kiosk-burst",
                    "10000",
                    "--db",
                    db,
                ],
                Stdio::null(),
            );
            if line.starts_with("listening on") {
                return HubProc { child };
            }
            // The port may still be held by the killed hub for a moment.
            let _ = child.wait();
            assert!(Instant::now() < deadline, "the hub did not start: {line:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HubProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hub_cli(db: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_banshi"))
        .arg("hub")
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hub {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn hub_count(db: &str, sql: &str) -> i64 {
    let mut c = banshi::hub::db::open(db).unwrap();
    c.row(sql, &[]).unwrap().expect("one row").int(0)
}

/// A kiosk data folder with a config pointing at `addr`.
fn kiosk(addr: &str, code: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    let mut text = format!(
        "kiosk_id = \"{KIOSK}\"\nregion = \"{REGION}\"\ndata_dir = \"{}\"\nhub = \"http://{addr}/\"\n",
        dir.path().join("data").display()
    );
    if let Some(c) = code {
        text.push_str(&format!("enrol_code = \"{c}\"\n"));
    }
    std::fs::write(&config, text).unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    (dir, config)
}

use common::hub::outbox_flush as flush;

/// Writes `n` ratings (case numbers T-start…), `n` suggestions and `n` misses.
fn write_day(data: &Path, start: usize, n: usize) {
    let mut o = Outbox::open(data, KIOSK).unwrap();
    for i in start..start + n {
        o.put(&Record::Rating(Rating {
            subject: Subject::Guide {
                id: "gongan-sfz-huanling".into(),
            },
            level: Level::new((i % 5 + 1) as u8).unwrap(),
            reasons: vec!["等太久".into()],
            indicator_set: "test-1".into(),
            case_no: Some(format!("T-{i}")),
            phone: None,
        }))
        .unwrap();
        o.put(&Record::Suggestion(Suggestion {
            topic: "大厅服务".into(),
            about: Some(format!("S-{i}")),
            phone: None,
        }))
        .unwrap();
        o.put(&Record::Miss(Miss {
            query: format!("q{i}"),
            step: None,
            found: false,
        }))
        .unwrap();
    }
}

/// Every rating, suggestion and miss written (0..n) is on the hub exactly once.
fn assert_exactly_once(db: &str, n: i64) {
    for (table, col) in [
        ("rating", "case_no"),
        ("suggestion", "about"),
        ("miss", "query"),
    ] {
        let total = hub_count(db, &format!("SELECT count(*) FROM {table}"));
        let distinct = hub_count(db, &format!("SELECT count(DISTINCT {col}) FROM {table}"));
        assert_eq!(
            (total, distinct),
            (n, n),
            "{table}: {total} rows, {distinct} distinct"
        );
    }
    if db.starts_with("sqlite:") {
        let mut c = banshi::hub::db::open(db).unwrap();
        let check = c.row("PRAGMA integrity_check", &[]).unwrap().unwrap();
        assert_eq!(check.text(0), "ok");
    }
}

fn pending(data: &Path) -> i64 {
    let o = Outbox::open(data, KIOSK).unwrap();
    o.status()
        .unwrap()
        .pending
        .iter()
        .filter(|(k, _)| k != "heartbeat")
        .map(|(_, n)| n)
        .sum()
}

fn an_offline_day_arrives_exactly_once_when_the_hub_comes_up(backend: Backend) {
    let addr = free_addr();
    let hub_db = HubDb::new(backend);
    let db = hub_db.url.as_str();
    // The hub's database exists (the county made a code) but the hub is not running.
    hub_cli(db, &["kiosks", "list"]);
    let code = hub_cli(db, &["code", "--region", REGION, "--expires", "2099-01-01"]);
    let (dir, config) = kiosk(&addr, Some(code.trim()));
    let data = dir.path().join("data");
    write_day(&data, 0, 300);
    let (rc, out) = flush(&config);
    assert_eq!(rc, 3, "hub down → unreachable: {out}");
    assert_eq!(pending(&data), 900, "nothing lost while offline");

    let hub = HubProc::start(&addr, db);
    let (rc, out) = flush(&config);
    assert_eq!(rc, 0, "{out}");
    assert_exactly_once(db, 300);
    assert!(
        hub_count(
            db,
            "SELECT count(*) FROM heartbeat WHERE kiosk_id = 'test-village-01'"
        ) >= 1
    );
    assert_eq!(pending(&data), 0);
    // Sending again adds nothing.
    let (rc, _) = flush(&config);
    assert_eq!(rc, 0);
    assert_exactly_once(db, 300);
    let status = Command::new(env!("CARGO_BIN_EXE_banshi"))
        .args(["outbox", "status", "--json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let s: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(s["approved"], true, "{s}");
    assert_eq!(s["device_key"].as_str().unwrap().len(), 19, "{s}");
    drop(hub);
}

fn without_a_code_the_kiosk_waits_for_approval_and_a_revoked_one_is_told(backend: Backend) {
    let addr = free_addr();
    let hub_db = HubDb::new(backend);
    let db = hub_db.url.as_str();
    let _hub = HubProc::start(&addr, db);
    let (dir, config) = kiosk(&addr, None);
    let data = dir.path().join("data");
    write_day(&data, 0, 5);
    let (rc, out) = flush(&config);
    assert_eq!(rc, 4, "pending: {out}");
    assert_eq!(pending(&data), 15);
    hub_cli(db, &["kiosks", "approve", KIOSK]);
    let (rc, out) = flush(&config);
    assert_eq!(rc, 0, "{out}");
    assert_exactly_once(db, 5);
    hub_cli(db, &["kiosks", "revoke", KIOSK]);
    write_day(&data, 5, 1);
    let (rc, out) = flush(&config);
    assert_eq!(rc, 5, "revoked: {out}");
    assert_eq!(pending(&data), 3, "a revoked kiosk keeps its records");
    let o = Outbox::open(&data, KIOSK).unwrap();
    let last = o.status().unwrap().last_upload.unwrap();
    assert!(last.contains("拒收"), "{last}");
}

fn kill_9_of_the_uploader_and_of_the_hub_loses_and_doubles_nothing(backend: Backend) {
    let addr = free_addr();
    let hub_db = HubDb::new(backend);
    let db = hub_db.url.as_str();
    hub_cli(db, &["kiosks", "list"]);
    let code = hub_cli(db, &["code", "--region", REGION, "--expires", "2099-01-01"]);
    let (dir, config) = kiosk(&addr, Some(code.trim()));
    let data = dir.path().join("data");
    let mut hub = Some(HubProc::start(&addr, db));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("seed {seed}");
    let mut rng = Rng(seed);
    // How long one flush of a full backlog takes here: kills land anywhere within it.
    let per_round = 200;
    write_day(&data, 0, per_round);
    let started = Instant::now();
    let (rc, out) = flush(&config);
    assert_eq!(rc, 0, "{out}");
    let span = (started.elapsed().as_millis() as u64).max(20);
    println!("one flush of {} records takes {span} ms", per_round * 3);

    let mut written = per_round;
    let (mut uploader_kills, mut hub_kills) = (0, 0);
    let mut round = 0;
    while uploader_kills < 50 || hub_kills < 20 {
        round += 1;
        assert!(
            round < 400,
            "kills do not land: {uploader_kills}/{hub_kills} in {round} rounds"
        );
        write_day(&data, written, per_round);
        written += per_round;
        let mut child = Command::new(env!("CARGO_BIN_EXE_banshi"))
            .args(["outbox", "flush", "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_millis(rng.next() % span);
        let mut exited = false;
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                exited = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let kill_hub = hub_kills < 20 && (uploader_kills >= 50 || round % 3 == 0);
        if !exited {
            if kill_hub {
                hub.take().unwrap().kill();
                hub_kills += 1;
            } else {
                child.kill().unwrap();
                uploader_kills += 1;
            }
        }
        let _ = child.wait();
        if hub.is_none() {
            hub = Some(HubProc::start(&addr, db));
        }
    }
    // Everything left goes up now.
    let mut rc = -1;
    for _ in 0..20 {
        let (r, _) = flush(&config);
        rc = r;
        if rc == 0 && pending(&data) == 0 {
            break;
        }
    }
    assert_eq!(rc, 0);
    assert_eq!(pending(&data), 0);
    println!("{uploader_kills} uploader kills, {hub_kills} hub kills in {round} rounds");
    assert_exactly_once(db, written as i64);
}

on_both_backends!(
    an_offline_day_arrives_exactly_once_when_the_hub_comes_up,
    without_a_code_the_kiosk_waits_for_approval_and_a_revoked_one_is_told,
    kill_9_of_the_uploader_and_of_the_hub_loses_and_doubles_nothing,
);
