//! The heartbeat: what the county's fleet page shows of a kiosk — versions, the last sync, when
//! its content expires, how long the machine has been up, free disk, screen and warnings.

use std::path::Path;

use crate::config::Config;
use crate::outbox::Heartbeat;
use crate::sync::keys;

/// What only the running UI knows (the CLI sends without it).
#[derive(Debug, Clone, Default)]
pub struct Screen {
    /// "1920x1080", empty when unknown.
    pub size: String,
}

/// Seconds since the machine started (a power cut shows as a small number).
pub fn machine_uptime() -> u64 {
    std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0, |s| s as u64)
}

/// The heartbeat now, with `warnings` logged since the last one.
pub fn now(config: &Config, screen: &Screen, warnings: u32) -> Heartbeat {
    let data = config.data_dir();
    let store = crate::store::Store::open(&data.join(crate::store::DB_FILE)).ok();
    let meta = |k: &str| {
        store
            .as_ref()
            .and_then(|s| s.meta(k).ok().flatten())
            .filter(|v| !v.is_empty())
    };
    Heartbeat {
        app_version: env!("CARGO_PKG_VERSION").to_string(),
        content_version: meta("content_version"),
        content_digest: meta("content_digest"),
        last_sync_status: meta(keys::LAST_STATUS),
        last_sync_at: meta(keys::LAST_SYNC),
        last_sync_error: meta(keys::LAST_ERROR),
        expires: meta(keys::EXPIRES),
        uptime_secs: machine_uptime(),
        free_disk_mb: free_mb(&data),
        screen: screen.size.clone(),
        rotation: config.rotation,
        warnings,
    }
}

fn free_mb(dir: &Path) -> Option<u64> {
    crate::doctor::free_bytes(dir).map(|b| b / 1_048_576)
}
