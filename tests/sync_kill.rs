//! Power cuts during sync: `kill -9` of a real `banshi sync` process at random moments, many
//! times, across several versions. After every kill the database must open, pass SQLite's
//! integrity check, and hold exactly one whole published version (or nothing, before the first
//! sync ever finished).

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use banshi::store::{Store, DB_FILE};
use common::sync::{fingerprint, fingerprint_db, TestCounty};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn kill_9_at_random_moments_leaves_one_whole_version() {
    let county = TestCounty::new();
    let mut content = banshi::sample::generated(600);
    let mut versions: HashMap<String, String> = HashMap::new();
    let publish = |c: &banshi::model::Content, versions: &mut HashMap<String, String>| {
        let p = county.publish(c);
        versions.insert(p.digest.clone(), fingerprint(c));
        p.digest
    };
    let mut latest = publish(&content, &mut versions);
    let served = county.serve();
    let kiosk = tempfile::tempdir().unwrap();
    let trust = county.keys.join("roots/1.root.json");
    let db = kiosk.path().join(DB_FILE);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("seed {seed}");
    let mut rng = Rng(seed);

    let run = |http: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_banshi"));
        cmd.arg("sync")
            .arg("--data-dir")
            .arg(kiosk.path())
            .arg("--trust")
            .arg(&trust)
            .arg("--json");
        if http {
            cmd.arg("--server").arg(format!("http://{}/", served.addr));
        } else {
            cmd.arg("--from").arg(&county.repo);
        }
        cmd.env("BANSHI_CONFIG", "/nonexistent-banshi-test.toml")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd.spawn().unwrap()
    };
    // How long one whole first sync takes here: kills land anywhere within it.
    let probe = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_banshi"))
        .args(["sync", "--json", "--trust"])
        .arg(&trust)
        .arg("--data-dir")
        .arg(probe.path())
        .arg("--from")
        .arg(&county.repo)
        .env("BANSHI_CONFIG", "/nonexistent-banshi-test.toml")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let span = started.elapsed().as_millis() as u64;
    println!("an uninterrupted full sync takes {span} ms");

    let (mut kills, mut finished, mut applied) = (0, 0, 0);
    let mut seen = std::collections::HashSet::new();
    let mut round = 0;
    while kills < 60 {
        round += 1;
        assert!(round < 300, "kills do not land: {kills} in {round} rounds");
        let mut child = run(round % 2 == 0);
        let delay = rng.next() % span;
        let deadline = Instant::now() + Duration::from_millis(delay);
        let mut exited = false;
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                exited = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if exited {
            finished += 1;
        } else {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();

        if !db.exists() {
            continue;
        }
        let store = Store::open_any(&db)
            .unwrap_or_else(|e| panic!("round {round}: the database does not open: {e}"));
        let check: String = store
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        match store.meta("content_digest").unwrap() {
            None => assert_eq!(
                store.counts().unwrap().items,
                0,
                "round {round}: content without a digest"
            ),
            Some(d) => {
                let expected = versions
                    .get(&d)
                    .unwrap_or_else(|| panic!("round {round}: unknown digest {d}"));
                assert_eq!(
                    &fingerprint_db(&store),
                    expected,
                    "round {round}: a mix of versions"
                );
                if seen.insert(d.clone()) {
                    applied += 1;
                }
                if d == latest {
                    // Next version: a quarter of the guides change, so the apply does real work.
                    for (i, item) in content.items.iter_mut().enumerate() {
                        if (i + round) % 4 == 0 {
                            item.consult_phone = format!("0739-68{round:05}");
                        }
                    }
                    let n = round % content.notices.len();
                    content.notices[n].summary.push('。');
                    latest = publish(&content, &mut versions);
                }
            }
        }
    }
    println!("{kills} kills, {finished} syncs finished, {applied} versions seen applied");
    assert!(kills >= 50, "only {kills} kills");
    assert!(
        applied >= 3,
        "the kiosk must make progress between kills ({applied} versions)"
    );
}
