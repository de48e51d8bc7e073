//! The one thread that writes the hub's database: requests wait in a bounded queue, and the
//! writer commits every batch waiting at that moment in one transaction (group commit: one
//! disk flush for many kiosks), each in a savepoint of its own so one refusal undoes only its
//! own request. Answers go back only after the commit. A full queue answers `Busy`, so kiosks
//! back off instead of piling up. Between groups it prunes ([`super::prune`]): every
//! [`Policy::prune_every`], one small transaction per kind, again at once while there is more.

use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use super::inbox::{self, Checked, Invalid};
use super::sql::{Db, DbResult};
use super::wire::{EnrolReply, EnrolRequest, Refusal, UploadReply};
use super::{enrol, now, prune, Refused};

/// Requests waiting at most before new ones get `Busy`.
pub const QUEUE: usize = 512;
/// Requests committed together at most.
const GROUP: usize = 256;
/// How often the writer prunes by default (the first time this long after it starts).
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// Default of `--max-pending`.
pub const MAX_PENDING: i64 = 1000;

/// What the writer keeps how long, and how many kiosks may wait for the county's approval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Heartbeats are deleted this many days after the hub received them.
    pub keep_heartbeat_days: u32,
    /// New enrolments without a code are refused (503 `busy`) while this many kiosks wait.
    pub max_pending: i64,
    /// How often the writer prunes ([`PRUNE_EVERY`]).
    pub prune_every: Duration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            keep_heartbeat_days: prune::HEARTBEAT_DAYS,
            max_pending: MAX_PENDING,
            prune_every: PRUNE_EVERY,
        }
    }
}

pub enum Job {
    Enrol {
        kiosk: String,
        nonce: String,
        req: EnrolRequest,
    },
    Upload {
        kiosk: String,
        nonce: String,
        ok: Vec<Checked>,
        bad: Vec<Invalid>,
    },
}

#[derive(Debug)]
pub enum Answer {
    Enrolled(EnrolReply),
    Uploaded(UploadReply),
    Refused(Refused),
}

type Waiting = (Job, tokio::sync::oneshot::Sender<Answer>);

/// The writer's queue; cloned by every connection.
#[derive(Clone)]
pub struct Writer {
    tx: SyncSender<Waiting>,
}

impl Writer {
    /// Starts the writer thread on `db` with room for `queue` waiting requests.
    pub fn start(db: Box<dyn Db>, queue: usize, policy: Policy) -> std::io::Result<Writer> {
        let (tx, rx) = sync_channel(queue);
        std::thread::Builder::new()
            .name("hub-writer".into())
            .spawn(move || run(db, rx, policy))?;
        Ok(Writer { tx })
    }

    /// Hands `job` to the writer; its answer once committed. `Busy` when the queue is full.
    pub async fn submit(&self, job: Job) -> Answer {
        let (tx, rx) = tokio::sync::oneshot::channel();
        match self.tx.try_send((job, tx)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Answer::Refused(Refused::busy()),
            Err(TrySendError::Disconnected(_)) => return Answer::Refused(Refused::failed()),
        }
        rx.await
            .unwrap_or_else(|_| Answer::Refused(Refused::failed()))
    }
}

fn run(mut db: Box<dyn Db>, rx: Receiver<Waiting>, policy: Policy) {
    let every = policy.prune_every;
    let mut next_prune = Instant::now() + every;
    // The planner's statistics, refreshed hourly as the tables grow (`Db::optimize`).
    let mut next_optimize = Instant::now() + Duration::from_secs(3600);
    loop {
        let wait = next_prune.saturating_duration_since(Instant::now());
        match rx.recv_timeout(wait) {
            Ok(first) => write_group(db.as_mut(), &rx, first, &policy),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if Instant::now() >= next_optimize {
            if let Err(e) = db.optimize() {
                log::warn!("更新数据库统计信息失败（一小时后再试）：{e}");
            }
            next_optimize = Instant::now() + Duration::from_secs(3600);
        }
        if Instant::now() >= next_prune {
            next_prune = match prune::step(db.as_mut(), policy.keep_heartbeat_days, now()) {
                Ok(p) => {
                    if p.total() > 0 {
                        log::info!(
                            "清理过期数据：nonce {} 条，心跳 {} 条，原始记录 {} 条，待批准终端 {} 台",
                            p.nonces,
                            p.heartbeats,
                            p.inbox,
                            p.pending
                        );
                    }
                    // More left: go on right after the requests waiting now.
                    Instant::now() + if p.more() { Duration::ZERO } else { every }
                }
                Err(e) => {
                    log::warn!("清理过期数据失败（下次再试）：{e}");
                    Instant::now() + every
                }
            };
        }
    }
}

/// Commits `first` and every request waiting behind it (up to [`GROUP`]), then answers them.
fn write_group(db: &mut dyn Db, rx: &Receiver<Waiting>, first: Waiting, policy: &Policy) {
    let mut group = vec![first];
    while group.len() < GROUP {
        match rx.try_recv() {
            Ok(w) => group.push(w),
            Err(_) => break,
        }
    }
    let answers = match commit(db, &group, policy) {
        Ok(a) => a,
        Err(e) => {
            log::error!(
                "汇总数据库写入失败，本组 {} 个请求请终端重试：{e}",
                group.len()
            );
            group
                .iter()
                .map(|_| Answer::Refused(Refused::failed()))
                .collect()
        }
    };
    for ((_, reply), answer) in group.into_iter().zip(answers) {
        let _ = reply.send(answer);
    }
}

/// One transaction for the whole group; each job in a savepoint.
fn commit(db: &mut dyn Db, group: &[Waiting], policy: &Policy) -> DbResult<Vec<Answer>> {
    let now = now();
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    db.begin()?;
    let mut answers = Vec::with_capacity(group.len());
    for (job, _) in group {
        db.batch("SAVEPOINT job")?;
        match run_job(db, job, now, &today, policy) {
            Ok(Answer::Refused(r)) => {
                db.batch("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job")?;
                answers.push(Answer::Refused(r));
            }
            Ok(a) => {
                db.batch("RELEASE SAVEPOINT job")?;
                answers.push(a);
            }
            Err(e) => {
                log::error!("汇总数据库写入一个请求失败：{e}");
                if db
                    .batch("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job")
                    .is_err()
                {
                    let _ = db.batch("ROLLBACK");
                    return Err(e);
                }
                answers.push(Answer::Refused(Refused::failed()));
            }
        }
    }
    if let Err(e) = db.batch("COMMIT") {
        let _ = db.batch("ROLLBACK");
        return Err(e);
    }
    Ok(answers)
}

fn run_job(db: &mut dyn Db, job: &Job, now: i64, today: &str, policy: &Policy) -> DbResult<Answer> {
    let (kiosk, nonce) = match job {
        Job::Enrol { kiosk, nonce, .. } | Job::Upload { kiosk, nonce, .. } => (kiosk, nonce),
    };
    let fresh = db.exec(
        "INSERT INTO nonce (kiosk_id, nonce, seen) VALUES ($1, $2, $3)
         ON CONFLICT (kiosk_id, nonce) DO NOTHING",
        &[kiosk.into(), nonce.into(), now.into()],
    )?;
    if fresh == 0 {
        return Ok(Answer::Refused(Refused::new(
            Refusal::Replayed,
            "这个请求已经收到过（nonce 重复），不再处理。终端每次请求要用新的 nonce。".into(),
        )));
    }
    match job {
        Job::Enrol { kiosk, req, .. } => Ok(
            match enrol::enrol(db, kiosk, req, now, today, policy.max_pending)? {
                Ok(reply) => Answer::Enrolled(reply),
                Err(r) => Answer::Refused(r),
            },
        ),
        Job::Upload { kiosk, ok, bad, .. } => {
            // The state again, inside the transaction: a revoke between the check and now wins.
            let state = db.row("SELECT state FROM kiosk WHERE id = $1", &[kiosk.into()])?;
            match state.map(|r| r.text(0)).as_deref() {
                Some("approved") => {}
                Some("revoked") => return Ok(Answer::Refused(Refused::revoked(kiosk))),
                Some(_) => return Ok(Answer::Refused(Refused::pending(kiosk))),
                None => return Ok(Answer::Refused(Refused::unknown(kiosk))),
            }
            inbox::store(db, kiosk, ok, bad, now)?;
            Ok(Answer::Uploaded(inbox::reply(ok, bad)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::sql::{Row, Value};
    use crate::hub::sqlite::SqliteDb;

    /// A database whose transactions start slowly, so requests pile up in the queue.
    struct Slow(SqliteDb);

    impl Db for Slow {
        fn exec(&mut self, sql: &str, params: &[Value]) -> DbResult<u64> {
            self.0.exec(sql, params)
        }
        fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
            self.0.query(sql, params)
        }
        fn batch(&mut self, sql: &str) -> DbResult<()> {
            self.0.batch(sql)
        }
        fn begin(&mut self) -> DbResult<()> {
            std::thread::sleep(Duration::from_millis(300));
            self.0.begin()
        }
    }

    fn job(n: usize) -> Job {
        Job::Upload {
            kiosk: "k".into(),
            nonce: format!("nonce-{n:04}"),
            ok: vec![],
            bad: vec![],
        }
    }

    #[test]
    fn a_full_queue_answers_busy_and_waiting_requests_are_committed_together() {
        let (_dir, mut db) = crate::hub::sqlite::scratch();
        {
            let d: &mut dyn Db = &mut db;
            d.exec(
                "INSERT INTO kiosk (id, public_key, state, enrolled_at) VALUES ('k', '00', 'approved', 0)",
                &[],
            )
            .unwrap();
        }
        let writer = Writer::start(Box::new(Slow(db)), 2, Policy::default()).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let answers = rt.block_on(async {
            // The first is taken at once; the writer then sleeps in `begin`.
            let w = writer.clone();
            let first = tokio::spawn(async move { w.submit(job(0)).await });
            tokio::time::sleep(Duration::from_millis(100)).await;
            let rest = futures::future::join_all((1..6).map(|n| writer.submit(job(n)))).await;
            let mut all = vec![first.await.unwrap()];
            all.extend(rest);
            all
        });
        let busy = answers
            .iter()
            .filter(|a| matches!(a, Answer::Refused(r) if r.refusal == Refusal::Busy && r.retry_after.is_some()))
            .count();
        let stored = answers
            .iter()
            .filter(|a| matches!(a, Answer::Uploaded(_)))
            .count();
        assert_eq!((stored, busy), (3, 3), "{answers:?}");
    }

    #[test]
    fn the_writer_prunes_on_its_own_in_batches_between_requests() {
        let (dir, mut db) = crate::hub::sqlite::scratch();
        let old = now() - 500 * 86_400;
        {
            let d: &mut dyn Db = &mut db;
            d.exec(
                "INSERT INTO kiosk (id, public_key, state, enrolled_at) VALUES ('k', '00', 'approved', 0)",
                &[],
            )
            .unwrap();
            d.begin().unwrap();
            // More than two batches of old heartbeats.
            for seq in 1..=2500i64 {
                d.exec(
                    "INSERT INTO heartbeat (kiosk_id, seq, at, app_version, body, received_at)
                     VALUES ('k', $1, 'x', '1', '{}', $2)",
                    &[seq.into(), old.into()],
                )
                .unwrap();
            }
            d.batch("COMMIT").unwrap();
        }
        let policy = Policy {
            prune_every: Duration::from_millis(200),
            ..Policy::default()
        };
        let writer = Writer::start(Box::new(db), 8, policy).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut check = SqliteDb::open(&dir.path().join("hub.db")).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut n = 0;
        loop {
            // Requests keep being answered while the writer prunes.
            n += 1;
            let answer = rt.block_on(writer.submit(job(n)));
            assert!(matches!(answer, Answer::Uploaded(_)), "{answer:?}");
            let left = (&mut check as &mut dyn Db)
                .row("SELECT COUNT(*) FROM heartbeat", &[])
                .unwrap()
                .unwrap()
                .int(0);
            if left == 0 {
                break;
            }
            assert!(Instant::now() < deadline, "{left} heartbeats still there");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
