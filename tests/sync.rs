//! Signed sync against a real HTTP server on 127.0.0.1 and real SQLite files: first and
//! incremental syncs, tampering, rollback, expiry, key rotation, hostile servers, resume and
//! clean-up. (Kill -9 tests are in tests/sync_kill.rs.)

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use banshi::publish::{self, keys};
use banshi::store::{Store, DB_FILE};
use banshi::sync::{self, Options, Source, Status};
use common::sync::*;

#[test]
fn first_sync_applies_everything_then_up_to_date_then_only_the_change_is_downloaded() {
    let county = TestCounty::new();
    let mut content = banshi::sample::generated(1000);
    county.publish(&content);
    let served = county.serve();
    let kiosk = tempfile::tempdir().unwrap();

    let first = sync::run_once(&county.options(&served, kiosk.path()));
    assert_eq!(first.status, Status::Updated, "{:?}", first.error);
    assert_eq!(first.version, Some(1));
    let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
    assert_eq!(store.counts().unwrap().items, 1000);
    assert_eq!(fingerprint_db(&store), fingerprint(&content));
    assert_eq!(
        store.meta("content_digest").unwrap().unwrap(),
        banshi::pack::pack(&content).manifest.digest
    );
    drop(store);

    let again = sync::run_once(&county.options(&served, kiosk.path()));
    assert_eq!(again.status, Status::UpToDate, "{:?}", again.error);

    content.items[500].consult_phone = "0739-1234567".into();
    county.publish(&content);
    let inc = sync::run_once(&county.options(&served, kiosk.path()));
    assert_eq!(inc.status, Status::Updated, "{:?}", inc.error);
    assert_eq!(inc.version, Some(2));
    let share = inc.bytes_downloaded as f64 / first.bytes_downloaded as f64;
    println!(
        "full {} bytes, incremental {} bytes ({:.2} %)",
        first.bytes_downloaded,
        inc.bytes_downloaded,
        share * 100.0
    );
    assert!(
        share <= 0.02,
        "changing 1 guide of 1000 downloaded {:.2} % of a full sync",
        share * 100.0
    );
    let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
    assert_eq!(fingerprint_db(&store), fingerprint(&content));
    // Writing only the changed guide gives exactly what a full import of version 2 gives,
    // stored objects included: packed with the dictionary the repository kept from version 1
    // (an import of its own would train one on version 2, whose objects differ).
    let full = county.import_as_published(&content);
    let (a, b) = (dump(&store), dump(&full));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    // A guide removed and a notice added: also applied incrementally, also exact.
    content.items.remove(10);
    let mut n = content.notices[0].clone();
    n.id = "new-notice".into();
    content.notices.push(n);
    county.publish(&content);
    let r = sync::run_once(&county.options(&served, kiosk.path()));
    assert_eq!(r.status, Status::Updated, "{:?}", r.error);
    assert_eq!(dump(&store), dump(&county.import_as_published(&content)));
    // Nothing left behind in the download folder.
    assert!(!kiosk.path().join(sync::STAGING_DIR).exists());
}

#[test]
fn a_usb_folder_applies_like_a_server() {
    let county = TestCounty::new();
    let content = banshi::sample::sample();
    county.publish(&content);
    let kiosk = tempfile::tempdir().unwrap();
    let mut opts = Options::new(
        Source::Dir(county.repo.clone()),
        kiosk.path().to_path_buf(),
        Some(county.trust()),
    );
    opts.region = Some("439021101201".into());
    let r = sync::run_once(&opts);
    assert_eq!(r.status, Status::Updated, "{:?}", r.error);
    let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
    assert_eq!(fingerprint_db(&store), fingerprint(&content));
    // Another county's kiosk refuses it.
    let other = tempfile::tempdir().unwrap();
    opts.data_dir = other.path().to_path_buf();
    opts.region = Some("110101000000".into());
    let r = sync::run_once(&opts);
    assert_eq!(r.status, Status::Rejected);
    assert!(r.error.unwrap().contains("110101000000"));
}

/// Every file of the repository, one byte changed (at its start, middle and end) or one byte
/// appended, against a kiosk holding version 1 and against a new kiosk with nothing: the sync
/// is rejected and the kiosk keeps what it had, or it ends with exactly version 2 (a file the
/// new version does not use, or whitespace after signed JSON). For a new kiosk, which needs
/// every file of version 2, every changed byte in such a file must be rejected.
#[test]
fn every_tampered_byte_is_rejected_or_harmless() {
    let county = TestCounty::new();
    let mut content = banshi::sample::sample();
    county.publish(&content);
    let base_kiosk = tempfile::tempdir().unwrap();
    assert_eq!(
        sync::run_once(&county.dir_options(base_kiosk.path())).status,
        Status::Updated
    );
    let v1 = fingerprint(&content);
    content.items[0].name.push_str("（新）");
    content.notices[0].summary.push_str("更新。");
    let published = county.publish(&content);
    let v2 = fingerprint(&content);
    let used = files_of_version(&county.repo, published.version);

    let files = files_under(&county.repo);
    assert!(files.len() > 90, "{} files", files.len());
    let (mut rejected, mut harmless) = (0, 0);
    for file in &files {
        let original = std::fs::read(file).unwrap();
        let mut variants = Vec::new();
        for pos in [0, original.len() / 2, original.len() - 1] {
            let mut b = original.clone();
            b[pos] ^= 0x01;
            variants.push((true, b, pos == original.len() / 2));
        }
        let mut longer = original.clone();
        longer.push(b' ');
        variants.push((false, longer, false));
        for (flipped, bytes, also_v1) in variants {
            std::fs::write(file, &bytes).unwrap();
            for had_v1 in [false, true] {
                if had_v1 && !also_v1 {
                    continue;
                }
                let kiosk = tempfile::tempdir().unwrap();
                if had_v1 {
                    std::fs::copy(base_kiosk.path().join(DB_FILE), kiosk.path().join(DB_FILE))
                        .unwrap();
                }
                let r = sync::run_once(&county.dir_options(kiosk.path()));
                let store = Store::open_any(&kiosk.path().join(DB_FILE))
                    .expect("the database always opens");
                let now = fingerprint_db(&store);
                let what = format!("{} (kiosk with v1: {had_v1})", file.display());
                match r.status {
                    Status::Rejected => {
                        let before = if had_v1 {
                            v1.clone()
                        } else {
                            "\n--\n".to_string()
                        };
                        assert_eq!(now, before, "rejected, but content changed: {what}");
                        rejected += 1;
                    }
                    Status::Updated => {
                        assert_eq!(
                            now, v2,
                            "accepted a tampered file and applied something else: {what}"
                        );
                        assert!(
                            had_v1 || !flipped || !used.contains(file),
                            "a new kiosk accepted a changed byte in {what}, which version 2 needs"
                        );
                        harmless += 1;
                    }
                    other => panic!("{other:?} for {what}: {:?}", r.error),
                }
            }
        }
        std::fs::write(file, &original).unwrap();
    }
    println!("{rejected} tampered syncs rejected, {harmless} harmless");
    assert!(
        rejected >= used.len() * 3,
        "{rejected} rejected of {} files used",
        used.len()
    );
}

/// The files a kiosk with nothing must read to get version `v` of a repository.
fn files_of_version(repo: &Path, v: u64) -> Vec<PathBuf> {
    let meta = repo.join("metadata");
    let mut out = vec![
        meta.join("timestamp.json"),
        meta.join(format!("{v}.snapshot.json")),
        meta.join(format!("{v}.targets.json")),
    ];
    let targets: serde_json::Value =
        serde_json::from_slice(&std::fs::read(meta.join(format!("{v}.targets.json"))).unwrap())
            .unwrap();
    let hash = targets["signed"]["targets"]["manifest.json"]["hashes"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let manifest_path = repo.join("targets").join(format!("{hash}.manifest.json"));
    let manifest = banshi::pack::parse_manifest(&std::fs::read(&manifest_path).unwrap()).unwrap();
    out.push(manifest_path);
    let object = |h: &str| publish::object_path(repo, h);
    out.push(object(&manifest.base.hash));
    for b in &manifest.buckets {
        out.push(object(&b.hash));
        let bucket = banshi::pack::parse_bucket(&std::fs::read(object(&b.hash)).unwrap()).unwrap();
        out.extend(bucket.entries.iter().map(|e| object(&e.object.hash)));
    }
    out
}

#[test]
fn rollback_to_an_older_signed_version_is_rejected() {
    let county = TestCounty::new();
    let mut content = banshi::sample::sample();
    county.publish(&content);
    let old_repo = tempfile::tempdir().unwrap();
    common::copy_dir(&county.repo, old_repo.path());
    content.items[1].name.push_str("（二版）");
    county.publish(&content);
    let kiosk = county.synced_kiosk();

    // An attacker (or a stale mirror) serves the validly signed version 1 again.
    let mut opts = county.dir_options(kiosk.path());
    opts.source = Source::Dir(old_repo.path().to_path_buf());
    let r = sync::run_once(&opts);
    assert_eq!(r.status, Status::Rejected, "{:?}", r.error);
    let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
    assert_eq!(
        fingerprint_db(&store),
        fingerprint(&content),
        "still version 2"
    );
    assert_eq!(
        store.meta(sync::keys::VERSION).unwrap().as_deref(),
        Some("2")
    );
}

#[test]
fn mixing_files_of_two_versions_is_rejected() {
    let county = TestCounty::new();
    let mut content = banshi::sample::sample();
    county.publish(&content);
    let kiosk = county.synced_kiosk();
    content.items[2].name.push_str("（二版）");
    county.publish(&content);
    // Version 2's timestamp with version 1's snapshot under version 2's name.
    let meta = county.repo.join("metadata");
    std::fs::copy(meta.join("1.snapshot.json"), meta.join("2.snapshot.json")).unwrap();
    let r = sync::run_once(&county.dir_options(kiosk.path()));
    assert_eq!(r.status, Status::Rejected, "{:?}", r.error);
    let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
    assert_eq!(
        store.meta(sync::keys::VERSION).unwrap().as_deref(),
        Some("1")
    );
}

#[test]
fn expired_metadata_is_reported_and_the_content_kept() {
    let county = TestCounty::new();
    let mut content = banshi::sample::sample();
    county.publish(&content);
    let kiosk = county.synced_kiosk();
    let v1 = fingerprint(&content);
    content.items[3].name.push_str("（过期版）");
    publish::publish_content(Some(&content), &county.keys, &county.repo, 0).unwrap();
    let r = sync::run_once(&county.dir_options(kiosk.path()));
    assert_eq!(r.status, Status::Expired, "{:?}", r.error);
    assert!(
        !r.status.is_failure(),
        "expired exits 0: the kiosk keeps working"
    );
    let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
    assert_eq!(fingerprint_db(&store), v1);
    assert_eq!(
        store.meta(sync::keys::LAST_STATUS).unwrap().as_deref(),
        Some("expired")
    );
    // Re-signing with a proper expiry lets the kiosk move on.
    publish::publish_content(None, &county.keys, &county.repo, 30).unwrap();
    assert_eq!(
        sync::run_once(&county.dir_options(kiosk.path())).status,
        Status::Updated
    );
}

#[test]
fn key_rotation_is_followed_and_old_keys_stop_working() {
    let county = TestCounty::new();
    let mut content = banshi::sample::sample();
    county.publish(&content);
    let kiosk = county.synced_kiosk();

    let stolen = tempfile::tempdir().unwrap();
    common::copy_dir(&county.keys, stolen.path());
    assert_eq!(keys::rotate(&county.keys, 3650).unwrap(), 2);
    content.items[4].name.push_str("（新密钥）");
    county.publish(&content);
    // The kiosk still has only the version-1 anchor installed.
    let r = sync::run_once(&county.dir_options(kiosk.path()));
    assert_eq!(r.status, Status::Updated, "{:?}", r.error);
    let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
    assert!(store
        .meta(sync::keys::ROOT)
        .unwrap()
        .unwrap()
        .contains("\"version\":2"));
    drop(store);

    // Someone holding the old keys publishes into a copy of the repository.
    let forged = tempfile::tempdir().unwrap();
    common::copy_dir(&county.repo, forged.path());
    let mut evil = content.clone();
    evil.items[0].consult_phone = "400-000-0000".into();
    publish::publish_content(Some(&evil), stolen.path(), forged.path(), 30).unwrap();
    let mut opts = county.dir_options(kiosk.path());
    opts.source = Source::Dir(forged.path().to_path_buf());
    let r = sync::run_once(&opts);
    assert_eq!(r.status, Status::Rejected, "{:?}", r.error);
    let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
    assert_eq!(fingerprint_db(&store), fingerprint(&content));
}

/// A hostile or broken server on 127.0.0.1, one behaviour per test. Every loop is bounded.
#[derive(Clone, Copy, Debug)]
enum Hostile {
    /// Accepts and never answers.
    Silent,
    /// Declares a long body, sends a little, closes.
    Truncated,
    /// 200 with bytes that are not JSON.
    Garbage,
    /// 200 without a length, then bytes until the client hangs up (at most 64 MB).
    Endless,
}

fn hostile_server(kind: Hostile) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let handle = std::thread::spawn(move || {
        let until = Instant::now() + Duration::from_secs(20);
        let mut held = Vec::new();
        while Instant::now() < until {
            let Ok((mut s, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            s.set_nonblocking(false).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(500)))
                .unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            match kind {
                Hostile::Silent => held.push(s),
                Hostile::Truncated => {
                    let _ = s.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{\"signed\":",
                    );
                }
                Hostile::Garbage => {
                    let body = [0xA5u8; 3000];
                    let _ = s.write_all(
                        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len())
                            .as_bytes(),
                    );
                    let _ = s.write_all(&body);
                }
                Hostile::Endless => {
                    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
                    let chunk = [b'{'; 65536];
                    for _ in 0..1024 {
                        if s.write_all(&chunk).is_err() {
                            break;
                        }
                    }
                }
            }
        }
    });
    (format!("http://{addr}/"), handle)
}

#[test]
fn broken_servers_end_in_bounded_time_with_a_clear_status() {
    let county = TestCounty::new();
    county.publish(&banshi::sample::sample());
    let kiosk = county.synced_kiosk();
    let before = kiosk_fingerprint(kiosk.path());

    // Nothing listening at all.
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let cases: Vec<(String, Option<Hostile>, &[Status])> = vec![
        (format!("http://{free}/"), None, &[Status::Offline]),
        (String::new(), Some(Hostile::Silent), &[Status::Offline]),
        (String::new(), Some(Hostile::Truncated), &[Status::Offline]),
        (String::new(), Some(Hostile::Garbage), &[Status::Rejected]),
        (
            String::new(),
            Some(Hostile::Endless),
            &[Status::Rejected, Status::Offline],
        ),
    ];
    for (url, hostile, expected) in cases {
        let url = match hostile {
            Some(h) => hostile_server(h).0,
            None => url,
        };
        let mut opts = county.dir_options(kiosk.path());
        opts.source = Source::parse(&url).unwrap();
        opts.timeouts.connect = Duration::from_secs(2);
        opts.timeouts.read = Duration::from_secs(2);
        opts.deadline = Duration::from_secs(15);
        let started = Instant::now();
        let r = sync::run_once(&opts);
        let took = started.elapsed();
        println!("{hostile:?}: {:?} in {took:?}: {:?}", r.status, r.error);
        assert!(
            expected.contains(&r.status),
            "{hostile:?}: {:?} {:?}",
            r.status,
            r.error
        );
        assert!(r.error.as_deref().is_some_and(|e| !e.is_empty()));
        assert!(took < Duration::from_secs(16), "{hostile:?} took {took:?}");
        assert!(
            r.bytes_downloaded < 2 * 1024 * 1024,
            "{hostile:?} read {} bytes",
            r.bytes_downloaded
        );
        let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
        assert_eq!(fingerprint_db(&store), before);
    }
}

#[test]
fn an_interrupted_download_resumes_and_stale_partial_files_are_cleaned() {
    let county = TestCounty::new();
    let content = banshi::sample::generated(200);
    county.publish(&content);
    let served = county.serve();
    // A fresh kiosk that already got half of the largest object before the connection broke,
    // plus leftovers of some older failed sync.
    let kiosk = tempfile::tempdir().unwrap();
    let staging = kiosk.path().join(sync::STAGING_DIR);
    std::fs::create_dir_all(&staging).unwrap();
    let largest = files_under(&county.repo.join("objects"))
        .into_iter()
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let body = std::fs::read(&largest).unwrap();
    let name = largest.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::write(
        staging.join(format!("{name}.part")),
        &body[..body.len() / 2],
    )
    .unwrap();
    std::fs::write(
        staging.join(format!("{}.part", "0".repeat(64))),
        vec![7u8; 100_000],
    )
    .unwrap();

    let fresh = tempfile::tempdir().unwrap();
    let full = sync::run_once(&county.options(&served, fresh.path()));
    assert_eq!(full.status, Status::Updated, "{:?}", full.error);
    let resumed = sync::run_once(&county.options(&served, kiosk.path()));
    assert_eq!(resumed.status, Status::Updated, "{:?}", resumed.error);
    assert_eq!(
        full.bytes_downloaded - resumed.bytes_downloaded,
        (body.len() / 2) as u64,
        "exactly the half already on disk was not downloaded again"
    );
    assert!(
        !staging.exists(),
        "downloads folder removed after the apply"
    );
    let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
    assert_eq!(fingerprint_db(&store), fingerprint(&content));
}

#[test]
fn failed_syncs_do_not_pile_up_files() {
    let county = TestCounty::new();
    let content = banshi::sample::generated(200);
    county.publish(&content);
    // Break one object: every sync downloads the rest, then fails on it.
    let victim = files_under(&county.repo.join("objects"))
        .into_iter()
        .nth(10)
        .unwrap();
    let mut b = std::fs::read(&victim).unwrap();
    b[0] ^= 1;
    std::fs::write(&victim, b).unwrap();
    let kiosk = tempfile::tempdir().unwrap();
    let mut sizes = Vec::new();
    for _ in 0..3 {
        let r = sync::run_once(&county.dir_options(kiosk.path()));
        assert_eq!(r.status, Status::Rejected);
        sizes.push(dir_size(kiosk.path()));
    }
    assert_eq!(
        sizes[1], sizes[2],
        "no growth across failed syncs: {sizes:?}"
    );
    // Nothing of the bad object is kept.
    let name = victim.file_name().unwrap().to_string_lossy().into_owned();
    assert!(!kiosk.path().join(sync::STAGING_DIR).join(&name).exists());
    assert!(!kiosk
        .path()
        .join(sync::STAGING_DIR)
        .join(format!("{name}.part"))
        .exists());
}

#[test]
fn publish_reuses_unchanged_objects_and_refresh_changes_no_content() {
    let county = TestCounty::new();
    let mut content = banshi::sample::sample();
    let first = county.publish(&content);
    assert_eq!(first.objects_reused, 0);
    content.items[0].summary.push_str("（补充）");
    let second = county.publish(&content);
    assert_eq!(second.version, 2);
    assert_eq!(second.objects_written, 2, "the guide and its bucket");
    let refreshed = publish::publish_content(None, &county.keys, &county.repo, 30).unwrap();
    assert_eq!(refreshed.version, 3);
    assert_eq!(refreshed.digest, second.digest);
    assert_eq!(refreshed.objects_written, 0);
    // keygen refuses to overwrite keys.
    let again = keys::keygen(
        &county.keys,
        &keys::KeygenOptions {
            root_expires_days: 10,
            force: false,
        },
    );
    assert!(again.unwrap_err().to_string().contains("--force"));
    use std::os::unix::fs::PermissionsExt;
    for k in [keys::ROOT_KEY, keys::PUBLISH_KEY] {
        let mode = std::fs::metadata(county.keys.join(k))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{k}");
    }
}

#[test]
fn a_broken_content_folder_is_not_published() {
    let county = TestCounty::new();
    let src = common::sample_copy();
    let item = files_under(&src.path().join("items"))
        .into_iter()
        .next()
        .unwrap();
    let text = std::fs::read_to_string(&item).unwrap();
    std::fs::write(&item, text.replacen("name = ", "nmae = ", 1)).unwrap();
    let opts = publish::PublishOptions {
        source: Some(src.path().to_path_buf()),
        keys: county.keys.clone(),
        out: county.repo.clone(),
        expires_days: 30,
        refresh: false,
    };
    let e = publish::publish(&opts).unwrap_err().to_string();
    assert!(e.contains("nmae"), "{e}");
    assert!(!county.repo.join("metadata").exists(), "nothing written");
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn dir_size(dir: &Path) -> u64 {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        // SQLite's -wal may checkpoint at any time; count the download area and the db file.
        if p.is_dir() {
            n += dir_size(&p);
        } else if !p.to_string_lossy().ends_with("-wal") && !p.to_string_lossy().ends_with("-shm") {
            n += std::fs::metadata(&p).unwrap().len();
        }
    }
    n
}

/// A kiosk whose disk is nearly full: a big update is refused before downloading, with a
/// message saying what to do, and the content in use stays. Uses a real small file system
/// (tmpfs), which needs root (as in CI); elsewhere the test says so and does nothing.
#[test]
fn a_full_disk_is_refused_up_front_and_loses_nothing() {
    struct Mount(PathBuf);
    impl Drop for Mount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=40m", "tmpfs"])
        .arg(dir.path())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: mounting a small tmpfs needs root");
        return;
    }
    let _mount = Mount(dir.path().to_path_buf());
    let county = TestCounty::new();
    let small = banshi::sample::sample();
    county.publish(&small);
    let r = sync::run_once(&county.dir_options(dir.path()));
    assert_eq!(r.status, Status::Updated, "{:?}", r.error);
    county.publish(&banshi::sample::generated(3000));
    let r = sync::run_once(&county.dir_options(dir.path()));
    assert_eq!(r.status, Status::Error);
    let e = r.error.unwrap();
    assert!(e.contains("磁盘空间不足") && e.contains("清理"), "{e}");
    let store = Store::open(&dir.path().join(DB_FILE)).unwrap();
    assert_eq!(fingerprint_db(&store), fingerprint(&small));
    assert_eq!(
        store.meta(sync::keys::LAST_STATUS).unwrap().as_deref(),
        Some("error")
    );
}
