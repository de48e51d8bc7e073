use super::*;

fn rating(level: u8, reasons: &[&str]) -> Record {
    Record::Rating(Rating {
        subject: Subject::Guide {
            id: "gongan-sfz-huanling".into(),
        },
        level: Level::new(level).unwrap(),
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        indicator_set: "national-2019".into(),
        case_no: None,
        phone: None,
    })
}

fn miss(q: &str) -> Record {
    Record::Miss(Miss {
        query: q.into(),
        step: None,
        found: false,
    })
}

fn heartbeat(uptime: u64) -> Record {
    Record::Heartbeat(Heartbeat {
        app_version: "0.1.0".into(),
        uptime_secs: uptime,
        screen: "1920x1080".into(),
        ..Heartbeat::default()
    })
}

#[test]
fn sequence_numbers_grow_survive_a_reopen_and_are_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = Outbox::open(dir.path(), "qinghe-01").unwrap();
    let a = o.put(&rating(1, &[])).unwrap();
    let b = o.put(&miss("shebao")).unwrap();
    assert!(b > a);
    o.acknowledge(&[a, b], "sent").unwrap();
    assert!(
        o.batch(10).unwrap().is_empty(),
        "acknowledged records are gone"
    );
    drop(o);
    let mut o = Outbox::open(dir.path(), "qinghe-01").unwrap();
    let c = o.put(&miss("hukou")).unwrap();
    assert!(
        c > b,
        "a number is never given twice, even after the table emptied"
    );
    let batch = o.batch(10).unwrap();
    assert_eq!(batch.len(), 1);
    assert_eq!((batch[0].kiosk.as_str(), batch[0].seq), ("qinghe-01", c));
    assert_eq!(batch[0].record["kind"], "miss");
    assert_eq!(batch[0].record["query"], "hukou");
}

#[test]
fn only_acknowledged_records_are_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = Outbox::open(dir.path(), "k").unwrap();
    let seqs: Vec<i64> = (0..5)
        .map(|i| o.put(&miss(&format!("q{i}"))).unwrap())
        .collect();
    let batch = o.batch(3).unwrap();
    assert_eq!(
        batch.iter().map(|s| s.seq).collect::<Vec<_>>(),
        seqs[..3],
        "oldest first"
    );
    // The hub confirmed only two of them (the reply for the third was lost).
    o.acknowledge(&seqs[..2], "sent 2").unwrap();
    let left: Vec<i64> = o.batch(10).unwrap().iter().map(|s| s.seq).collect();
    assert_eq!(left, seqs[2..]);
    assert_eq!(o.status().unwrap().last_upload.as_deref(), Some("sent 2"));
}

#[test]
fn heartbeats_coalesce_to_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = Outbox::open(dir.path(), "k").unwrap();
    o.put(&heartbeat(60)).unwrap();
    o.put(&rating(2, &[])).unwrap();
    o.put(&heartbeat(120)).unwrap();
    let beats: Vec<Stored> = o
        .batch(10)
        .unwrap()
        .into_iter()
        .filter(|s| s.kind == "heartbeat")
        .collect();
    assert_eq!(beats.len(), 1);
    assert_eq!(beats[0].record["uptime_secs"], 120);
}

#[test]
fn usage_counts_are_cheap_upserts_sealed_into_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = Outbox::open(dir.path(), "k").unwrap();
    for _ in 0..3 {
        o.opened("a", "2026-12-03").unwrap();
    }
    o.opened("b", "2026-12-03").unwrap();
    o.opened("a", "2026-12-04").unwrap();
    assert_eq!(o.status().unwrap().usage_open, 3);
    assert_eq!(o.seal_usage().unwrap(), 3);
    assert_eq!(o.status().unwrap().usage_open, 0);
    let usage: Vec<(String, String, i64)> = o
        .batch(10)
        .unwrap()
        .iter()
        .map(|s| {
            (
                s.record["day"].as_str().unwrap().to_string(),
                s.record["guide"].as_str().unwrap().to_string(),
                s.record["opened"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(usage.contains(&("2026-12-03".into(), "a".into(), 3)));
    assert!(usage.contains(&("2026-12-03".into(), "b".into(), 1)));
    assert!(usage.contains(&("2026-12-04".into(), "a".into(), 1)));
    assert_eq!(o.seal_usage().unwrap(), 0, "nothing open twice");
}

#[test]
fn sealing_before_a_day_leaves_that_day_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = Outbox::open(dir.path(), "k").unwrap();
    o.opened("a", "2026-12-02").unwrap();
    o.opened("a", "2026-12-03").unwrap();
    o.opened("b", "2026-12-04").unwrap();
    assert_eq!(o.seal_usage_before("2026-12-04").unwrap(), 2);
    assert_eq!(o.status().unwrap().usage_open, 1);
    let days: Vec<String> = o
        .batch(10)
        .unwrap()
        .iter()
        .map(|s| s.record["day"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(days, ["2026-12-02", "2026-12-03"]);
    assert_eq!(o.seal_usage_before("2026-12-04").unwrap(), 0);
    o.opened("b", "2026-12-04").unwrap();
    assert_eq!(
        o.seal_usage_before("2026-12-05").unwrap(),
        1,
        "one record for the day"
    );
    assert!(o
        .batch(10)
        .unwrap()
        .iter()
        .any(|s| s.record["day"] == "2026-12-04" && s.record["opened"] == 2));
}

#[test]
fn at_the_cap_usage_then_misses_go_and_ratings_never() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = Outbox::open(dir.path(), "k").unwrap();
    let tx = o.conn.transaction().unwrap();
    // Fill to a small cap by hand: 3 ratings, 3 misses, 3 usage records.
    for i in 0..3 {
        for (kind, body) in [
            ("rating", serde_json::to_string(&rating(1, &[])).unwrap()),
            (
                "miss",
                serde_json::to_string(&miss(&format!("m{i}"))).unwrap(),
            ),
            ("usage", "{}".to_string()),
        ] {
            tx.execute(
                "INSERT INTO record (kiosk, kind, at, body) VALUES ('k', ?1, 't', ?2)",
                params![kind, body],
            )
            .unwrap();
        }
    }
    let dropped = evict(&tx, 5).unwrap();
    tx.commit().unwrap();
    assert_eq!(dropped, vec![("usage", 3), ("miss", 1)]);
    let status = o.status().unwrap();
    assert_eq!(
        status.pending,
        vec![("miss".to_string(), 2), ("rating".to_string(), 3)]
    );
    assert_eq!(status.waiting(), 5);
    assert_eq!(
        status.dropped,
        vec![("miss".to_string(), 1), ("usage".to_string(), 3)]
    );
    let left: Vec<String> = o
        .batch(10)
        .unwrap()
        .iter()
        .filter_map(|s| s.record["query"].as_str().map(String::from))
        .collect();
    assert_eq!(left, ["m1", "m2"], "the oldest miss went first");
    // Only ratings left over the cap: nothing more is dropped.
    let tx = o.conn.transaction().unwrap();
    assert_eq!(evict(&tx, 1).unwrap(), vec![("miss", 2)]);
    assert!(evict(&tx, 1).unwrap().is_empty());
    tx.commit().unwrap();
    assert_eq!(o.status().unwrap().pending, vec![("rating".to_string(), 3)]);
}

#[test]
fn a_bad_rating_without_a_reason_or_a_wrong_phone_is_refused_and_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = Outbox::open(dir.path(), "k").unwrap();
    let e = o.put(&rating(4, &[])).unwrap_err();
    assert!(
        e.to_string().contains("不满意") && e.to_string().contains("原因"),
        "{e}"
    );
    assert!(o.put(&rating(4, &["等太久"])).is_ok());
    assert!(
        o.put(&rating(1, &[])).is_ok(),
        "a good rating needs no reason"
    );
    let with_phone = |p: &str| {
        Record::Suggestion(Suggestion {
            topic: "大厅服务".into(),
            about: None,
            phone: Some(p.into()),
        })
    };
    for good in ["13812345678", "0739-6812345", "07396812345"] {
        assert!(with_phone(good).check().is_ok(), "{good}");
    }
    for bad in [
        "12345",
        "2381234567",
        "138-1234-5678",
        "0739-68123456789",
        "电话",
    ] {
        assert!(with_phone(bad).check().is_err(), "{bad}");
    }
    let topic = Record::Suggestion(Suggestion {
        topic: "随便".into(),
        about: None,
        phone: None,
    });
    assert!(o.put(&topic).is_err());
    assert_eq!(o.status().unwrap().pending, vec![("rating".to_string(), 2)]);
    assert!(Level::new(0).is_none() && Level::new(6).is_none());
    assert!(serde_json::from_str::<Level>("7").is_err());
    assert_eq!(Level::new(5).unwrap().name(), "非常不满意");
}
