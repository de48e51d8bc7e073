//! Format 3 (issue 14): the county's zstd dictionary, a content-addressed object named in the
//! signed manifest. A tampered dictionary is refused with the content intact; a publish that
//! keeps the dictionary keeps unchanged documents' hashes (an incremental sync stays small);
//! `--new-dictionary` changes every object once and the kiosk follows; an interrupted first sync
//! resumes without fetching anything twice; a format-2 repository still syncs.

mod common;

use std::path::Path;
use std::sync::atomic::Ordering;

use banshi::pack;
use banshi::publish;
use banshi::store::{Store, DB_FILE};
use banshi::sync::{self, Fetcher, Status, Timeouts};
use common::sync::*;

/// Guides enough for a county to get a dictionary.
const GUIDES: usize = pack::DICTIONARY_MIN_DOCUMENTS;

fn run_counted(opts: &sync::Options) -> (sync::Report, u64) {
    let f = Fetcher::new(Timeouts::default()).unwrap();
    let r = sync::run_once_with(opts, &f);
    (r, f.requests.load(Ordering::Relaxed))
}

fn manifest_of(p: &publish::Published, repo: &Path) -> pack::Manifest {
    let _ = p;
    let meta = repo.join("metadata");
    let ts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(meta.join("timestamp.json")).unwrap()).unwrap();
    let v = ts["signed"]["version"].as_u64().unwrap();
    let targets: serde_json::Value =
        serde_json::from_slice(&std::fs::read(meta.join(format!("{v}.targets.json"))).unwrap())
            .unwrap();
    let hash = targets["signed"]["targets"]["manifest.json"]["hashes"]["sha256"]
        .as_str()
        .unwrap();
    pack::parse_manifest(
        &std::fs::read(repo.join("targets").join(format!("{hash}.manifest.json"))).unwrap(),
    )
    .unwrap()
}

fn objects_in_db(kiosk: &Path) -> Vec<String> {
    let store = Store::open(&kiosk.join(DB_FILE)).unwrap();
    let mut st = store
        .conn()
        .prepare("SELECT hash FROM sync_object ORDER BY hash")
        .unwrap();
    let v = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    v
}

/// Every guide's text changes: what a few years of edits do to a county's documents.
fn drift(content: &mut banshi::model::Content) {
    for (i, item) in content.items.iter_mut().enumerate() {
        item.summary = format!(
            "自2027年1月1日起，本事项按新修订的办法办理（第{i}项）。{}",
            item.summary
        );
        item.consult_phone = format!("0739-{:07}", 5_000_000 + i);
    }
}

#[test]
fn training_is_deterministic_and_small_counties_get_no_dictionary() {
    let content = banshi::sample::generated(GUIDES);
    let a = pack::pack(&content);
    let b = pack::pack(&content);
    assert_eq!(a.manifest.format, 3);
    let d = a.manifest.dictionary.clone().expect("a dictionary");
    assert_eq!(b.manifest.dictionary, Some(d.clone()));
    assert_eq!(a.manifest.digest, b.manifest.digest);
    assert_eq!(a.manifest_bytes, b.manifest_bytes);
    assert!(
        a.objects.contains_key(&d.hash),
        "the dictionary is an object"
    );
    // Every other object is a zstd frame made with the dictionary: it cannot be read without.
    let base = &a.objects[&a.manifest.base.hash];
    assert!(pack::parse_base(base).is_err());
    assert!(pack::parse_base_with(base, a.dictionary.as_deref()).is_ok());
    let plain = pack::pack_with(&content, pack::FORMAT, None);
    let dict_bytes: usize = a.objects.values().map(Vec::len).sum();
    let plain_bytes: usize = plain.objects.values().map(Vec::len).sum();
    println!("with the dictionary {dict_bytes} bytes (dictionary included), without {plain_bytes}");
    assert!(dict_bytes * 10 < plain_bytes * 8, "the dictionary pays");

    // Retraining on nearly the same content gives the same dictionary here (not promised).
    let mut changed = content.clone();
    changed.items[5].consult_phone = "0739-1111111".into();
    println!(
        "one guide changed: same dictionary {}",
        pack::train(&changed).unwrap().object.hash == d.hash
    );

    let small = pack::pack(&banshi::sample::generated(300));
    assert_eq!(small.manifest.format, 3);
    assert!(small.manifest.dictionary.is_none());
}

#[test]
fn a_tampered_dictionary_is_rejected_and_the_content_kept() {
    let county = TestCounty::new();
    let mut content = banshi::sample::generated(GUIDES);
    let p1 = county.publish(&content);
    let d1 = p1.dictionary.clone().expect("a dictionary");
    let served = county.serve();
    let path = publish::object_path(&county.repo, &d1);
    let original = std::fs::read(&path).unwrap();

    // A new kiosk, over HTTP and from a folder: refused, nothing applied, nothing kept.
    for pos in [0, original.len() / 2, original.len() - 1] {
        let mut b = original.clone();
        b[pos] ^= 0x01;
        std::fs::write(&path, &b).unwrap();
        for http in [true, false] {
            let kiosk = tempfile::tempdir().unwrap();
            let opts = if http {
                county.options(&served, kiosk.path())
            } else {
                county.dir_options(kiosk.path())
            };
            let r = sync::run_once(&opts);
            assert_eq!(r.status, Status::Rejected, "at {pos}: {:?}", r.error);
            let store = Store::open_any(&kiosk.path().join(DB_FILE)).unwrap();
            assert_eq!(fingerprint_db(&store), "\n--\n");
            assert!(!kiosk.path().join(sync::STAGING_DIR).join(&d1).exists());
        }
    }
    std::fs::write(&path, &original).unwrap();
    let kiosk = tempfile::tempdir().unwrap();
    let r = sync::run_once(&county.options(&served, kiosk.path()));
    assert_eq!(r.status, Status::Updated, "{:?}", r.error);
    let v1 = fingerprint(&content);
    assert_eq!(kiosk_fingerprint(kiosk.path()), v1);

    // A new dictionary (trained on content that changed a lot: retraining on nearly the same
    // content gives the same dictionary), tampered: the kiosk with version 1 keeps it.
    drift(&mut content);
    let p2 = publish::publish_content_with(Some(&content), &county.keys, &county.repo, 30, true)
        .unwrap();
    let d2 = p2.dictionary.clone().unwrap();
    assert_ne!(d2, d1);
    let path2 = publish::object_path(&county.repo, &d2);
    let original2 = std::fs::read(&path2).unwrap();
    let mut b = original2.clone();
    b[original2.len() / 3] ^= 0x80;
    std::fs::write(&path2, &b).unwrap();
    let r = sync::run_once(&county.options(&served, kiosk.path()));
    assert_eq!(r.status, Status::Rejected, "{:?}", r.error);
    assert_eq!(kiosk_fingerprint(kiosk.path()), v1);
    std::fs::write(&path2, &original2).unwrap();
    let r = sync::run_once(&county.options(&served, kiosk.path()));
    assert_eq!(r.status, Status::Updated, "{:?}", r.error);
    assert_eq!(kiosk_fingerprint(kiosk.path()), fingerprint(&content));
}

#[test]
fn a_kept_dictionary_keeps_unchanged_documents_and_a_new_one_is_followed() {
    let county = TestCounty::new();
    let mut content = banshi::sample::generated(GUIDES);
    let p1 = county.publish(&content);
    assert!(p1.dictionary_trained);
    let m1 = manifest_of(&p1, &county.repo);
    let served = county.serve();
    let kiosk = tempfile::tempdir().unwrap();
    let (first, first_requests) = run_counted(&county.options(&served, kiosk.path()));
    assert_eq!(first.status, Status::Updated, "{:?}", first.error);
    println!(
        "first sync {} bytes in {first_requests} requests",
        first.bytes_downloaded
    );
    assert!(objects_in_db(kiosk.path()).contains(&p1.dictionary.clone().unwrap()));

    // One guide changed: the dictionary is kept, only the guide and its bucket are new.
    content.items[123].consult_phone = "0739-2222222".into();
    let p2 = county.publish(&content);
    assert!(!p2.dictionary_trained);
    assert_eq!(p2.dictionary, p1.dictionary);
    assert_eq!(p2.objects_written, 2, "the guide and its bucket");
    let m2 = manifest_of(&p2, &county.repo);
    assert_eq!(m2.base, m1.base);
    let (inc, inc_requests) = run_counted(&county.options(&served, kiosk.path()));
    assert_eq!(inc.status, Status::Updated, "{:?}", inc.error);
    let share = inc.bytes_downloaded as f64 / first.bytes_downloaded as f64;
    println!(
        "incremental {} bytes in {inc_requests} requests ({:.2} %)",
        inc.bytes_downloaded,
        share * 100.0
    );
    assert!(inc_requests <= 10, "{inc_requests} requests");
    assert!(share <= 0.02, "{:.2} %", share * 100.0);
    assert_eq!(kiosk_fingerprint(kiosk.path()), fingerprint(&content));

    // --new-dictionary: every object changes once, the kiosk takes all of it and keeps only
    // the new version's objects.
    drift(&mut content);
    let p3 = publish::publish_content_with(Some(&content), &county.keys, &county.repo, 30, true)
        .unwrap();
    assert!(p3.dictionary_trained);
    assert_ne!(p3.dictionary, p1.dictionary);
    assert_eq!(p3.objects_reused, 0, "every object changes");
    let m3 = manifest_of(&p3, &county.repo);
    let r = sync::run_once(&county.options(&served, kiosk.path()));
    assert_eq!(r.status, Status::Updated, "{:?}", r.error);
    assert_eq!(kiosk_fingerprint(kiosk.path()), fingerprint(&content));
    let held = objects_in_db(kiosk.path());
    assert!(held.contains(&p3.dictionary.clone().unwrap()));
    assert!(!held.contains(&p1.dictionary.clone().unwrap()));
    assert!(!held.contains(&m1.base.hash) && held.contains(&m3.base.hash));

    // And the next publish keeps the new dictionary: incremental again.
    content.items[8].consult_phone = "0739-3333333".into();
    let p4 = county.publish(&content);
    assert_eq!(p4.dictionary, p3.dictionary);
    assert_eq!(p4.objects_written, 2);
    let (r, requests) = run_counted(&county.options(&served, kiosk.path()));
    assert_eq!(r.status, Status::Updated, "{:?}", r.error);
    assert!(requests <= 10, "{requests} requests");
    assert!(r.bytes_downloaded * 50 <= first.bytes_downloaded);
    let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
    assert_eq!(fingerprint_db(&store), fingerprint(&content));
    assert!(!kiosk.path().join(sync::STAGING_DIR).exists());
}

#[test]
fn an_interrupted_first_sync_with_a_dictionary_fetches_nothing_twice() {
    let county = TestCounty::new();
    let content = banshi::sample::generated(GUIDES);
    let p = county.publish(&content);
    let dict = p.dictionary.clone().unwrap();
    let served = county.serve();
    let fresh = tempfile::tempdir().unwrap();
    let full = sync::run_once(&county.options(&served, fresh.path()));
    assert_eq!(full.status, Status::Updated, "{:?}", full.error);

    let mut packs: Vec<_> = std::fs::read_dir(county.repo.join(publish::PACKS_DIR))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    packs.sort();
    let originals: Vec<Vec<u8>> = packs.iter().map(|p| std::fs::read(p).unwrap()).collect();
    for (p, b) in packs.iter().zip(&originals) {
        std::fs::write(p, &b[..b.len() / 2]).unwrap();
    }
    let kiosk = tempfile::tempdir().unwrap();
    let cut = sync::run_once(&county.options(&served, kiosk.path()));
    assert_eq!(cut.status, Status::Offline, "{:?}", cut.error);
    // The dictionary came first and is kept for the next attempt.
    assert!(kiosk.path().join(sync::STAGING_DIR).join(&dict).exists());
    for (p, b) in packs.iter().zip(&originals) {
        std::fs::write(p, b).unwrap();
    }
    let (resumed, _) = run_counted(&county.options(&served, kiosk.path()));
    assert_eq!(resumed.status, Status::Updated, "{:?}", resumed.error);
    println!(
        "full {} bytes; cut {} + resumed {} bytes",
        full.bytes_downloaded, cut.bytes_downloaded, resumed.bytes_downloaded
    );
    // Only the signed metadata and the manifest are read twice.
    assert!(
        cut.bytes_downloaded + resumed.bytes_downloaded <= full.bytes_downloaded + 32 * 1024,
        "downloaded again what it had"
    );
    let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
    assert_eq!(dump(&store), dump(&Store::in_memory(&content).unwrap()));
}

#[test]
fn a_format_2_repository_still_syncs_and_then_moves_to_format_3() {
    let county = TestCounty::new();
    let mut content = banshi::sample::generated(GUIDES);
    let v2 = pack::pack_format(&content, 2);
    assert_eq!(v2.manifest.format, 2);
    assert!(v2.manifest.dictionary.is_none());
    publish::publish_packed(Some(&v2), &county.keys, &county.repo, 30).unwrap();
    let served = county.serve();
    let kiosk = tempfile::tempdir().unwrap();
    let r = sync::run_once(&county.options(&served, kiosk.path()));
    assert_eq!(r.status, Status::Updated, "{:?}", r.error);
    assert_eq!(kiosk_fingerprint(kiosk.path()), fingerprint(&content));
    // The county's publisher is upgraded: it trains the dictionary (the repository had none).
    content.items[3].name.push_str("（新版）");
    let p = county.publish(&content);
    assert!(p.dictionary_trained && p.dictionary.is_some());
    let r = sync::run_once(&county.options(&served, kiosk.path()));
    assert_eq!(r.status, Status::Updated, "{:?}", r.error);
    let store = Store::open(&kiosk.path().join(DB_FILE)).unwrap();
    assert_eq!(dump(&store), dump(&Store::in_memory(&content).unwrap()));
}
