//! `banshi bench` part for sync: a generated county published to a repository and served by
//! `banshi serve` on 127.0.0.1; one full sync into an empty kiosk, then one guide changed and
//! an incremental sync. Prints seconds, bytes and the apply time of each.

use std::time::Instant;

use crate::publish::{self, keys};
use crate::sync::{run_once, Options, Source, Status};

pub fn run(items: usize) -> anyhow::Result<serde_json::Value> {
    let root = tempfile::tempdir()?;
    let keys_dir = root.path().join("keys");
    let repo = root.path().join("repo");
    let kiosk = root.path().join("kiosk");
    keys::keygen(
        &keys_dir,
        &keys::KeygenOptions {
            root_expires_days: 30,
            force: false,
        },
    )?;
    let mut content = crate::sample::generated(items);
    let t = Instant::now();
    let first = publish::publish_content(Some(&content), &keys_dir, &repo, 30)?;
    let publish_s = t.elapsed().as_secs_f64();
    let served = crate::serve::start(&repo, "127.0.0.1:0")?;
    let trust = std::fs::read(keys_dir.join(keys::ROOT_JSON))?;
    let opts = Options::new(
        Source::parse(&format!("http://{}/", served.addr)).map_err(anyhow::Error::msg)?,
        kiosk,
        Some(trust),
    );

    let measure = |what: &str| -> anyhow::Result<serde_json::Value> {
        let t = Instant::now();
        let r = run_once(&opts);
        let seconds = t.elapsed().as_secs_f64();
        if r.status != Status::Updated {
            anyhow::bail!("{what} sync ended {:?}: {:?}", r.status, r.error);
        }
        Ok(serde_json::json!({
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "bytes": r.bytes_downloaded,
            "apply_seconds": (r.apply_seconds * 1000.0).round() / 1000.0,
        }))
    };
    let full = measure("full")?;
    content.items[items / 2].consult_phone = "0739-0000000".into();
    let second = publish::publish_content(Some(&content), &keys_dir, &repo, 30)?;
    let incremental = measure("incremental")?;
    let share =
        incremental["bytes"].as_f64().unwrap_or(0.0) / full["bytes"].as_f64().unwrap_or(1.0);
    Ok(serde_json::json!({
        "items": items,
        "documents": first.documents,
        "publish_seconds": (publish_s * 1000.0).round() / 1000.0,
        "objects_rewritten_for_one_change": second.objects_written,
        "full": full,
        "incremental_one_guide": incremental,
        "incremental_share_percent": (share * 10000.0).round() / 100.0,
    }))
}
