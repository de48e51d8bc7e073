//! Feeding the outbox from the running kiosk, off the UI thread: one thread ("outbox") owns the
//! `Outbox` and does every write — a resident's rating or suggestion (its answer comes back on
//! a channel the screen polls), each guide opened (`Outbox::opened`), each search that found
//! nothing or after which no result was opened (`Record::Miss`), and the sealing of usage counts
//! of finished days (at start the days before today, when the day changes the days before the
//! new one; today's counts stay open across restarts, so each day is sent as one record per
//! guide). A slow disk, a lock held by the uploader or a
//! broken file never holds up a frame; errors go to the log (and the technician's recent
//! warnings), never to residents — except that a rating or suggestion not taken is answered, so
//! the resident can be told.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use super::events;
use super::feedback::NotTaken;
use crate::outbox::{Miss, Outbox, OutboxError, Record};

/// How often the thread looks whether the day changed (usage is sealed per day).
const DAY_CHECK: Duration = Duration::from_secs(60);

enum Job {
    /// A resident's rating or suggestion: answered.
    Submit(Record, Sender<Result<i64, NotTaken>>),
    Miss(Miss),
    Opened {
        guide: String,
        day: String,
    },
    /// Answers once every job sent before it is done (tests, the gallery, shutdown).
    Flush(Sender<()>),
}

/// The UI's handle on the outbox thread. Cheap to clone; sending never blocks.
#[derive(Clone)]
pub struct Feed {
    jobs: Sender<Job>,
}

impl Feed {
    /// Starts the thread for `dir/outbox.db` of kiosk `kiosk`. The file is opened on the
    /// thread (and again at the next job if that failed), so a kiosk whose outbox is broken
    /// starts and reads as ever.
    pub fn start(dir: PathBuf, kiosk: String) -> Feed {
        Feed::start_with(dir, kiosk, today)
    }

    /// [`Feed::start`] with the day (YYYY-MM-DD) told by `today` (tests move it).
    fn start_with(
        dir: PathBuf,
        kiosk: String,
        today: impl Fn() -> String + Send + 'static,
    ) -> Feed {
        let (jobs, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("outbox".into())
            .spawn(move || run(&dir, &kiosk, &rx, &today));
        if let Err(e) = spawned {
            events::warn(format!(
                "无法启动发件箱线程：{e}；评价、建议和使用统计不会记录。"
            ));
        }
        Feed { jobs }
    }

    /// Writes a resident's rating or suggestion (one `Outbox::put`, one transaction); poll the
    /// receiver for the answer. Should the thread be gone, the answer is `Broken` at once.
    pub fn submit(&self, record: Record) -> Receiver<Result<i64, NotTaken>> {
        let (tx, rx) = mpsc::channel();
        if let Err(mpsc::SendError(Job::Submit(_, tx))) = self.jobs.send(Job::Submit(record, tx)) {
            let _ = tx.send(Err(NotTaken::Broken));
        }
        rx
    }

    /// A search that found nothing, or after which no result was opened.
    pub fn miss(&self, miss: Miss) {
        self.send(Job::Miss(miss));
    }

    /// Guide `guide` was opened now (counted for today, local time).
    pub fn opened(&self, guide: &str) {
        self.opened_on(guide, &today());
    }

    fn opened_on(&self, guide: &str, day: &str) {
        self.send(Job::Opened {
            guide: guide.to_string(),
            day: day.to_string(),
        });
    }

    /// Waits (at most `timeout`) until every job sent so far is done; `false` if it was not.
    pub fn flush(&self, timeout: Duration) -> bool {
        let (tx, rx) = mpsc::channel();
        self.send(Job::Flush(tx));
        rx.recv_timeout(timeout).is_ok()
    }

    fn send(&self, job: Job) {
        if self.jobs.send(job).is_err() {
            log::warn!("发件箱线程已经停止：这条记录没有写入。");
        }
    }
}

fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

/// The outbox, opened at the first need; a failure is logged once per failed attempt and
/// tried again at the next job.
struct Lazy<'a> {
    dir: &'a std::path::Path,
    kiosk: &'a str,
    outbox: Option<Outbox>,
}

impl Lazy<'_> {
    fn get(&mut self) -> Option<&mut Outbox> {
        if self.outbox.is_none() {
            match Outbox::open(self.dir, self.kiosk) {
                Ok(o) => self.outbox = Some(o),
                Err(e) => events::warn(format!(
                    "无法打开发件箱 {}：{e}。评价和建议暂时收不了，请检查数据文件夹（磁盘满了、权限不对？）。",
                    self.dir.join(crate::outbox::FILE).display()
                )),
            }
        }
        self.outbox.as_mut()
    }
}

fn run(dir: &std::path::Path, kiosk: &str, jobs: &Receiver<Job>, today: &dyn Fn() -> String) {
    let mut lazy = Lazy {
        dir,
        kiosk,
        outbox: None,
    };
    // At start: counts of earlier days left open by an earlier run become records; today's
    // stay open (counting goes on after a restart) until the day is over.
    let mut sealed_day = today();
    seal(&mut lazy, &sealed_day);
    loop {
        let job = match jobs.recv_timeout(DAY_CHECK) {
            Ok(job) => Some(job),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let day = today();
        if day != sealed_day {
            sealed_day = day;
            seal(&mut lazy, &sealed_day);
        }
        match job {
            None => {}
            Some(Job::Submit(record, answer)) => {
                let result = match lazy.get() {
                    None => Err(NotTaken::Broken),
                    Some(o) => o.put(&record).map_err(|e| {
                        let taken = match e {
                            OutboxError::Full(_) => NotTaken::Full,
                            _ => NotTaken::Broken,
                        };
                        events::warn(format!("{} 没有存进发件箱：{e}", record.kind()));
                        taken
                    }),
                };
                let _ = answer.send(result);
            }
            Some(Job::Miss(miss)) => {
                if let Some(o) = lazy.get() {
                    if let Err(e) = o.put(&Record::Miss(miss)) {
                        log::warn!("没找到的搜索词没有存进发件箱：{e}");
                    }
                }
            }
            Some(Job::Opened { guide, day }) => {
                if let Some(o) = lazy.get() {
                    if let Err(e) = o.opened(&guide, &day) {
                        log::warn!("事项 {guide} 的使用次数没有记上：{e}");
                    }
                }
                // Counted just before midnight, arrived after the day's sealing: sealed too.
                if day < sealed_day {
                    seal(&mut lazy, &sealed_day);
                }
            }
            Some(Job::Flush(done)) => {
                let _ = done.send(());
            }
        }
    }
}

/// Seals the usage counts of the days before `today`.
fn seal(lazy: &mut Lazy, today: &str) {
    if let Some(o) = lazy.get() {
        if let Err(e) = o.seal_usage_before(today) {
            log::warn!("使用次数没有封存进发件箱：{e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::{Level, Rating, Subject};

    fn rating(phone: Option<&str>) -> Record {
        Record::Rating(Rating {
            subject: Subject::Hall,
            level: Level::new(2).unwrap(),
            reasons: Vec::new(),
            indicator_set: "t".into(),
            case_no: None,
            phone: phone.map(String::from),
        })
    }

    #[test]
    fn writes_in_order_and_answers_submissions() {
        let dir = tempfile::tempdir().unwrap();
        let feed = Feed::start(dir.path().to_path_buf(), "k1".into());
        feed.opened("a");
        feed.opened("a");
        feed.miss(Miss {
            query: "qqq".into(),
            step: None,
            found: false,
        });
        let answer = feed.submit(rating(None));
        let seq = answer
            .recv_timeout(Duration::from_secs(10))
            .unwrap()
            .unwrap();
        assert!(seq >= 1);
        assert!(feed.flush(Duration::from_secs(10)));
        let o = Outbox::open(dir.path(), "k1").unwrap();
        let status = o.status().unwrap();
        assert_eq!(status.usage_open, 1, "one open count: guide a today");
        let kinds: Vec<String> = o.batch(10).unwrap().into_iter().map(|s| s.kind).collect();
        assert_eq!(kinds, vec!["miss", "rating"]);
    }

    #[test]
    fn a_file_that_cannot_be_opened_answers_broken() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the database file should be: SQLite cannot open it.
        std::fs::create_dir(dir.path().join(crate::outbox::FILE)).unwrap();
        let feed = Feed::start(dir.path().to_path_buf(), "k1".into());
        let answer = feed
            .submit(rating(None))
            .recv_timeout(Duration::from_secs(10));
        assert_eq!(answer.unwrap(), Err(NotTaken::Broken));
        feed.opened("a"); // logged, not fatal
        assert!(feed.flush(Duration::from_secs(10)), "the thread goes on");
    }

    /// The usage records waiting: (day, guide, opened).
    fn usage(o: &Outbox) -> Vec<(String, String, i64)> {
        o.batch(100)
            .unwrap()
            .into_iter()
            .filter(|s| s.kind == "usage")
            .map(|s| {
                let r = &s.record;
                (
                    r["day"].as_str().unwrap().to_string(),
                    r["guide"].as_str().unwrap().to_string(),
                    r["opened"].as_i64().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn only_finished_days_are_sealed_so_a_day_is_one_record_per_guide() {
        let dir = tempfile::tempdir().unwrap();
        // An earlier run counted yesterday and this morning, then the kiosk restarted.
        {
            let mut o = Outbox::open(dir.path(), "k1").unwrap();
            o.opened("a", "2026-01-01").unwrap();
            o.opened("a", "2026-01-02").unwrap();
            o.opened("b", "2026-01-02").unwrap();
        }
        let clock = std::sync::Arc::new(std::sync::Mutex::new("2026-01-02".to_string()));
        let c = clock.clone();
        let feed = Feed::start_with(dir.path().to_path_buf(), "k1".into(), move || {
            c.lock().unwrap().clone()
        });
        // At start only yesterday is sealed; today goes on counting.
        assert!(feed.flush(Duration::from_secs(10)));
        let o = Outbox::open(dir.path(), "k1").unwrap();
        assert_eq!(usage(&o), vec![("2026-01-01".into(), "a".into(), 1)]);
        assert_eq!(o.status().unwrap().usage_open, 2);
        feed.opened_on("a", "2026-01-02");
        assert!(feed.flush(Duration::from_secs(10)));
        assert_eq!(usage(&o).len(), 1, "today is not sealed");

        // Midnight: the day before the new one is sealed, whole, once.
        *clock.lock().unwrap() = "2026-01-03".into();
        feed.opened_on("a", "2026-01-03");
        assert!(feed.flush(Duration::from_secs(10)));
        assert_eq!(
            usage(&o),
            vec![
                ("2026-01-01".into(), "a".into(), 1),
                ("2026-01-02".into(), "a".into(), 2),
                ("2026-01-02".into(), "b".into(), 1),
            ]
        );
        assert_eq!(o.status().unwrap().usage_open, 1, "the new day is open");

        // An opening counted just before midnight that arrives after the sealing: sealed too.
        feed.opened_on("c", "2026-01-02");
        assert!(feed.flush(Duration::from_secs(10)));
        assert!(usage(&o).contains(&("2026-01-02".into(), "c".into(), 1)));
        assert_eq!(o.status().unwrap().usage_open, 1);
    }
}
