//! What a power cut during a sync leaves behind, and how the next start or sync clears it
//! (issue 14): tough's temporary folders, a downloads folder of a version already applied, and
//! the schema-only database of an interrupted very first sync.

mod common;

use std::path::Path;

use banshi::store::{Store, DB_FILE};
use banshi::sync::{self, Status};
use common::sync::*;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Debris as a cut leaves it: two tough datastores and a downloads folder of the version the
/// database already holds (the cut came between the commit and the clean-up).
fn leave_debris(kiosk: &Path, applied_digest: &str) {
    for name in ["tuf-AbC123", "tuf-x9Y8z7"] {
        let d = kiosk.join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("timestamp.json"), b"{}").unwrap();
    }
    let staging = kiosk.join(sync::STAGING_DIR);
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join("for-digest"), applied_digest).unwrap();
    std::fs::write(staging.join("0".repeat(64)), vec![1u8; 5000]).unwrap();
}

fn assert_clean(kiosk: &Path, when: &str) {
    let left: Vec<String> = names(kiosk)
        .into_iter()
        .filter(|n| n.starts_with("tuf-") || n == sync::STAGING_DIR)
        .collect();
    assert!(left.is_empty(), "{when}: left behind {left:?}");
}

#[test]
fn an_up_to_date_sync_clears_what_a_cut_left() {
    let county = TestCounty::new();
    let published = county.publish(&banshi::sample::sample());
    let kiosk = county.synced_kiosk();
    leave_debris(kiosk.path(), &published.digest);
    let r = sync::run_once(&county.dir_options(kiosk.path()));
    assert_eq!(r.status, Status::UpToDate, "{:?}", r.error);
    assert_clean(kiosk.path(), "after an up-to-date sync");
}

#[test]
fn start_up_clears_what_a_cut_left_but_keeps_downloads_to_resume() {
    let county = TestCounty::new();
    let published = county.publish(&banshi::sample::sample());
    let kiosk = county.synced_kiosk();
    leave_debris(kiosk.path(), &published.digest);
    let store = Store::open_or_seed(kiosk.path(), || panic!("must not seed")).unwrap();
    drop(store);
    assert_clean(kiosk.path(), "after start-up");

    // Downloads for a version not applied yet are what the next sync resumes from: kept.
    leave_debris(kiosk.path(), &"f".repeat(64));
    let _store = Store::open_or_seed(kiosk.path(), || panic!("must not seed")).unwrap();
    assert!(kiosk
        .path()
        .join(sync::STAGING_DIR)
        .join("0".repeat(64))
        .exists());
    assert!(!names(kiosk.path()).iter().any(|n| n.starts_with("tuf-")));
}

#[test]
fn a_schema_only_database_is_the_waiting_state_not_a_broken_one() {
    // What a cut during a kiosk's very first sync leaves: the schema (created before the
    // download), the sync's status, no content.
    let county = TestCounty::new();
    county.publish(&banshi::sample::generated(50));
    let kiosk = tempfile::tempdir().unwrap();
    let db = kiosk.path().join(DB_FILE);
    {
        let store = Store::open_any(&db).unwrap();
        store
            .set_meta(&[(sync::keys::LAST_STATUS, "offline".to_string())])
            .unwrap();
    }
    let store = Store::open_or_seed(kiosk.path(), banshi::sample::sample).unwrap();
    assert!(
        !names(kiosk.path()).iter().any(|n| n.contains("broken")),
        "{:?}",
        names(kiosk.path())
    );
    // The same state as a new kiosk's: the bundled content underneath the waiting note, no
    // synced version, and what the sync recorded is still there for the note.
    assert!(store.counts().unwrap().items >= 60);
    assert_eq!(store.meta(sync::keys::VERSION).unwrap(), None);
    assert_eq!(
        store.meta(sync::keys::LAST_STATUS).unwrap().as_deref(),
        Some("offline")
    );
    drop(store);
    // The next sync lands the county's content as usual.
    let r = sync::run_once(&county.dir_options(kiosk.path()));
    assert_eq!(r.status, Status::Updated, "{:?}", r.error);
    let store = Store::open(&db).unwrap();
    assert_eq!(store.counts().unwrap().items, 50);
}
