//! `banshi bench --only hub`: simulated kiosks on loopback sending heartbeats and ratings to a
//! hub (in this process, its own threads) on SQLite, or on PostgreSQL with `--hub-db`, for
//! `seconds`; then a backlog drain (kiosks back after a day offline, each sending full
//! batches). Reports sustained records and requests per second, p50/p99 acknowledgement time,
//! how often the hub said busy or too many, and what one record costs the kiosk's outbox.

use std::time::{Duration, Instant};

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use serde::Serialize;

use super::server::{self, Options};
use super::wire::{self, UploadRequest, WireRecord, MAX_BATCH, UPLOAD_PATH};

#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub seconds: f64,
    pub requests: u64,
    pub records: u64,
    pub records_per_s: f64,
    pub requests_per_s: f64,
    pub ack_p50_ms: f64,
    pub ack_p99_ms: f64,
    pub busy_503: u64,
    pub too_many_429: u64,
    pub errors: u64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub backend: &'static str,
    /// Requests per second asked for in the sustained phase (0: as fast as answered).
    pub rate: f64,
    pub kiosks: usize,
    pub concurrency: usize,
    /// Nine of ten requests carry one heartbeat, the tenth 20 ratings.
    pub sustained: Phase,
    /// Each kiosk sends `backlog_per_kiosk` records in batches of `MAX_BATCH`.
    pub backlog_per_kiosk: usize,
    pub backlog: Phase,
    pub db_mb: f64,
    pub outbox: OutboxCost,
}

/// What writing one record costs a kiosk: each `put` is its own `synchronous=FULL` transaction.
#[derive(Debug, Serialize)]
pub struct OutboxCost {
    pub records: usize,
    pub put_p50_ms: f64,
    pub put_p99_ms: f64,
    /// The outbox file's size divided by the records in it.
    pub bytes_per_record: u64,
}

/// Puts `n` ratings (with a case number and a 差评's reasons) into a fresh outbox.
pub fn outbox_cost(n: usize) -> anyhow::Result<OutboxCost> {
    use crate::outbox::{Level, Outbox, Rating, Record, Subject};
    let dir = tempfile::tempdir()?;
    let mut o = Outbox::open(dir.path(), "bench-kiosk")?;
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let record = Record::Rating(Rating {
            subject: Subject::Guide {
                id: format!("439021-{:03}", i % 300),
            },
            level: Level::new((i % 5 + 1) as u8).expect("1..=5"),
            reasons: vec!["等太久".into(), "材料没说清楚".into()],
            indicator_set: "banshi-builtin-1".into(),
            case_no: Some(format!("QH2026{i:08}")),
            phone: None,
        });
        let start = Instant::now();
        o.put(&record)?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    drop(o);
    times.sort_by(f64::total_cmp);
    let bytes: u64 = std::fs::read_dir(dir.path())?
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    Ok(OutboxCost {
        records: n,
        put_p50_ms: percentile(&times, 0.5),
        put_p99_ms: percentile(&times, 0.99),
        bytes_per_record: bytes / n.max(1) as u64,
    })
}

struct Sim {
    id: String,
    pair: Ed25519KeyPair,
    seq: i64,
}

fn heartbeat() -> serde_json::Value {
    serde_json::json!({"kind": "heartbeat", "app_version": "0.1.0", "content_version": "12",
        "content_digest": null, "last_sync_status": "ok", "last_sync_at": null,
        "last_sync_error": null, "expires": null, "uptime_secs": 3600, "free_disk_mb": 900,
        "screen": "1080x1920", "rotation": 0, "warnings": 0})
}

fn rating(n: i64) -> serde_json::Value {
    let level = n % 5 + 1;
    let reasons: Vec<&str> = if level >= 4 {
        vec!["等太久"]
    } else {
        vec![]
    };
    serde_json::json!({"kind": "rating", "subject": {"of": "guide", "id": format!("439021-{:03}", n % 300)},
        "level": level, "reasons": reasons, "indicator_set": "2019-v1", "case_no": null, "phone": null})
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    (sorted[i] * 100.0).round() / 100.0
}

#[derive(Default)]
struct Tally {
    requests: u64,
    records: u64,
    busy: u64,
    too_many: u64,
    errors: u64,
    latencies: Vec<f64>,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.requests += o.requests;
        self.records += o.records;
        self.busy += o.busy;
        self.too_many += o.too_many;
        self.errors += o.errors;
        self.latencies.extend(o.latencies);
    }

    fn phase(mut self, seconds: f64) -> Phase {
        self.latencies.sort_by(f64::total_cmp);
        let r = |x: f64| (x * 10.0).round() / 10.0;
        Phase {
            seconds: r(seconds),
            requests: self.requests,
            records: self.records,
            records_per_s: r(self.records as f64 / seconds),
            requests_per_s: r(self.requests as f64 / seconds),
            ack_p50_ms: percentile(&self.latencies, 0.5),
            ack_p99_ms: percentile(&self.latencies, 0.99),
            busy_503: self.busy,
            too_many_429: self.too_many,
            errors: self.errors,
        }
    }
}

/// Sends one batch, retrying after `Retry-After` on 503/429; counts into `t`.
async fn send(
    client: &reqwest::Client,
    url: &str,
    k: &Sim,
    records: Vec<WireRecord>,
    t: &mut Tally,
) {
    let n = records.len() as u64;
    let body = serde_json::to_vec(&UploadRequest { records }).expect("serialises");
    for _ in 0..50 {
        let time = super::now();
        let mut nonce = [0u8; 16];
        aws_lc_rs::rand::fill(&mut nonce).expect("random");
        let nonce = hex::encode(nonce);
        let input = wire::signing_input("POST", UPLOAD_PATH, &k.id, time, &nonce, &body);
        let sig = hex::encode(k.pair.sign(&input).as_ref());
        let start = Instant::now();
        let r = client
            .post(url)
            .header(wire::H_KIOSK, &k.id)
            .header(wire::H_TIME, time.to_string())
            .header(wire::H_NONCE, &nonce)
            .header(wire::H_SIGNATURE, sig)
            .body(body.clone())
            .send()
            .await;
        let status = match r {
            Ok(r) => {
                let s = r.status().as_u16();
                let retry = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1);
                let _ = r.bytes().await;
                (s, retry)
            }
            Err(_) => (0, 1),
        };
        match status {
            (200, _) => {
                t.requests += 1;
                t.records += n;
                t.latencies.push(start.elapsed().as_secs_f64() * 1000.0);
                return;
            }
            (503, retry) | (429, retry) => {
                if status.0 == 503 {
                    t.busy += 1
                } else {
                    t.too_many += 1
                }
                tokio::time::sleep(Duration::from_secs(retry)).await;
            }
            _ => {
                t.errors += 1;
                return;
            }
        }
    }
    t.errors += 1;
}

fn wire_record(seq: i64, record: serde_json::Value) -> WireRecord {
    WireRecord {
        seq,
        at: "2026-12-03T10:00:00+08:00".into(),
        record,
    }
}

/// `rate`: requests per second in the sustained phase, spread over the tasks (0: as fast as
/// the hub answers). `db`: a database URL (an empty PostgreSQL database made for the bench);
/// without it, a SQLite file in a temporary folder.
pub fn run(
    kiosks: usize,
    concurrency: usize,
    seconds: u64,
    backlog: usize,
    rate: f64,
    db: Option<&str>,
) -> anyhow::Result<Report> {
    let dir = tempfile::tempdir()?;
    let db_path = dir.path().join("hub.db");
    let db_url = match db {
        Some(url) => url.to_string(),
        None => format!("sqlite:{}", db_path.display()),
    };
    let postgres = matches!(super::db::parse(&db_url)?, super::db::Target::Postgres(_));
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let mut sims = Vec::with_capacity(kiosks);
    {
        let mut db = open_empty(&db_url)?;
        db.begin()?;
        for i in 0..kiosks {
            let pkcs8 =
                Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| anyhow::anyhow!("keygen"))?;
            let pair =
                Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| anyhow::anyhow!("key"))?;
            let id = format!("bench-{i:05}");
            db.exec(
                "INSERT INTO kiosk (id, public_key, state, enrolled_at, approved_at) VALUES ($1, $2, 'approved', 0, 0)",
                &[id.as_str().into(), hex::encode(pair.public_key().as_ref()).into()],
            )?;
            sims.push(Sim { id, pair, seq: 0 });
        }
        db.batch("COMMIT")?;
    }
    let hub = server::start(Options {
        deadlines: Default::default(),
        listen: "127.0.0.1:0".into(),
        db: db_url.clone(),
        repo: None,
        rate: 1000.0,
        burst: 1000,
        queue: super::writer::QUEUE,
        tls: None,
        policy: super::writer::Policy::default(),
    })?;
    let url = format!("http://{}{UPLOAD_PATH}", hub.addr);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let concurrency = concurrency.clamp(1, kiosks.max(1));
    // Kiosks dealt out to the tasks, so no two tasks share one.
    let mut groups: Vec<Vec<Sim>> = (0..concurrency).map(|_| Vec::new()).collect();
    for (i, s) in sims.into_iter().enumerate() {
        groups[i % concurrency].push(s);
    }
    let (sustained, groups) = rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let start = Instant::now();
        let tasks: Vec<_> = groups
            .into_iter()
            .map(|mut group| {
                let (client, url) = (client.clone(), url.clone());
                tokio::spawn(async move {
                    let mut t = Tally::default();
                    let mut n = 0usize;
                    let mut pace = (rate > 0.0).then(|| {
                        let mut i = tokio::time::interval(Duration::from_secs_f64(
                            concurrency as f64 / rate,
                        ));
                        i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                        i
                    });
                    while Instant::now() < deadline {
                        if let Some(p) = pace.as_mut() {
                            p.tick().await;
                        }
                        let len = group.len();
                        let k = &mut group[n % len];
                        let records: Vec<WireRecord> = if n % 10 == 9 {
                            (0..20)
                                .map(|_| {
                                    k.seq += 1;
                                    wire_record(k.seq, rating(k.seq))
                                })
                                .collect()
                        } else {
                            k.seq += 1;
                            vec![wire_record(k.seq, heartbeat())]
                        };
                        send(&client, &url, k, records, &mut t).await;
                        n += 1;
                    }
                    (t, group)
                })
            })
            .collect();
        let mut total = Tally::default();
        let mut groups = Vec::new();
        for task in tasks {
            let (t, g) = task.await.expect("bench task");
            total.add(t);
            groups.push(g);
        }
        (total.phase(start.elapsed().as_secs_f64()), groups)
    });
    let drained = rt.block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = groups
            .into_iter()
            .map(|mut group| {
                let (client, url) = (client.clone(), url.clone());
                tokio::spawn(async move {
                    let mut t = Tally::default();
                    for k in group.iter_mut() {
                        let mut left = backlog;
                        while left > 0 {
                            let n = left.min(MAX_BATCH);
                            let records = (0..n)
                                .map(|_| {
                                    k.seq += 1;
                                    wire_record(k.seq, rating(k.seq))
                                })
                                .collect();
                            send(&client, &url, k, records, &mut t).await;
                            left -= n;
                        }
                    }
                    t
                })
            })
            .collect();
        let mut total = Tally::default();
        for task in tasks {
            total.add(task.await.expect("bench task"));
        }
        total.phase(start.elapsed().as_secs_f64())
    });
    drop(hub);
    let bytes = if postgres {
        let mut db = super::db::open(&db_url)?;
        db.row("SELECT pg_database_size(current_database())", &[])?
            .map_or(0, |r| r.int(0))
    } else {
        std::fs::metadata(&db_path).map_or(0, |m| m.len() as i64)
    };
    let db_mb = bytes as f64 / 1_048_576.0;
    Ok(Report {
        backend: if postgres { "postgresql" } else { "sqlite" },
        rate,
        kiosks,
        concurrency,
        sustained,
        backlog_per_kiosk: backlog,
        backlog: drained,
        db_mb: (db_mb * 10.0).round() / 10.0,
        outbox: outbox_cost(2_000)?,
    })
}

/// Opens (and migrates) the database a benchmark fills, refusing one that already holds
/// kiosks: a benchmark never writes into a county's real hub.
pub fn open_empty(url: &str) -> anyhow::Result<Box<dyn super::sql::Db>> {
    let mut db = super::db::open(url)?;
    let there = db
        .row("SELECT COUNT(*) FROM kiosk", &[])?
        .map_or(0, |r| r.int(0));
    if there > 0 {
        anyhow::bail!(
            "--hub-db {}: 库里已经有 {there} 台终端。基准测试要一个专为它新建的空库。",
            super::db::describe(url)
        );
    }
    Ok(db)
}
