//! The one-line content status on the home screen: which version, when it was last confirmed,
//! and whether the kiosk is offline or its content past the county's expiry. Pure: the UI
//! passes in what the store recorded and the time.

use chrono::{DateTime, Local, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ok,
    Offline,
    Expired,
}

/// What the database says about the content and its sync.
#[derive(Debug, Clone, Default)]
pub struct SyncState {
    pub content_version: i64,
    /// When the content was imported or applied (RFC 3339).
    pub imported_at: Option<String>,
    /// Whether this kiosk syncs at all (a server is configured).
    pub syncing: bool,
    pub last_status: Option<String>,
    /// Last time the server confirmed the content (updated or up to date).
    pub last_ok: Option<String>,
    /// When the signed metadata in use expires.
    pub expires: Option<String>,
    /// Whether the content came from the county's repository (a sync was ever applied).
    pub synced: bool,
    /// Why the last sync failed, if it did.
    pub last_error: Option<String>,
}

impl SyncState {
    /// What `store` recorded about its content and sync (meta keys); `syncing`: this kiosk has
    /// a server configured.
    pub fn read(store: &crate::store::Store, syncing: bool) -> SyncState {
        use crate::sync::keys;
        let meta = |k: &str| store.meta(k).ok().flatten().filter(|v| !v.is_empty());
        SyncState {
            content_version: meta("content_version")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            imported_at: meta("imported_at"),
            syncing,
            last_status: meta(keys::LAST_STATUS),
            last_ok: meta(keys::LAST_OK),
            expires: meta(keys::EXPIRES),
            synced: meta(keys::VERSION).is_some(),
            last_error: meta(keys::LAST_ERROR),
        }
    }
}

/// A kiosk set up to sync that has never received its county's content would show the bundled
/// sample county (a fictional one) to residents. Instead it shows a waiting screen until the
/// first sync lands; this is that screen's note for the technician, or `None` when the content
/// on hand is the county's own (or the kiosk does not sync at all).
pub fn waiting_for_first_content(s: &SyncState, servers: &[String]) -> Option<String> {
    if !s.syncing || s.synced {
        return None;
    }
    let tried = match (s.last_status.as_deref(), s.last_error.as_deref()) {
        (None, _) => "正在第一次连接。".to_string(),
        (Some(st), Some(e)) if !e.is_empty() => {
            format!("上次尝试：{}（{e}）。", crate::format::sync_status(st))
        }
        (Some(st), _) => format!("上次尝试：{}。", crate::format::sync_status(st)),
    };
    Some(format!(
        "本机配置为从县里服务器（{}）获取内容，但还没有成功获取过。{tried}联网后会自动重试，获取到就直接显示，不用重启。没有网络时，可以用 U 盘上的内容仓库：banshi sync --from U盘目录。",
        servers.join("，")
    ))
}

fn parse(t: &Option<String>) -> Option<DateTime<Utc>> {
    t.as_deref()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn day(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y年%-m月%-d日").to_string()
}

fn minute(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%-m月%-d日 %H:%M")
        .to_string()
}

/// The status line and its kind at time `now`.
pub fn line(s: &SyncState, now: DateTime<Utc>) -> (String, Kind) {
    let v = s.content_version;
    let imported = parse(&s.imported_at).map(day).unwrap_or_default();
    if let Some(expires) = parse(&s.expires) {
        if now >= expires {
            return (
                format!(
                    "办事指南第 {v} 版已过有效期（{}），内容可能不是最新，请以窗口工作人员说明为准",
                    day(expires)
                ),
                Kind::Expired,
            );
        }
    }
    if s.last_status.as_deref() == Some("expired") {
        // The server only offers metadata past its expiry: what is shown cannot be confirmed.
        let since = parse(&s.last_ok).map(minute).unwrap_or(imported);
        return (
            format!("县里服务器上的内容已过有效期，本机显示的是 {since} 核对过的内容，可能不是最新，请以窗口工作人员说明为准"),
            Kind::Expired,
        );
    }
    if !s.syncing {
        return (
            format!("办事指南第 {v} 版 · 更新于 {imported} · 断网也能查"),
            Kind::Ok,
        );
    }
    match s.last_status.as_deref() {
        Some("updated") | Some("up-to-date") => {
            let when = parse(&s.last_ok).map(minute).unwrap_or(imported);
            (
                format!("办事指南第 {v} 版 · {when} 已与县里核对为最新"),
                Kind::Ok,
            )
        }
        None => (
            format!("办事指南第 {v} 版 · 更新于 {imported} · 正在连接县里服务器"),
            Kind::Ok,
        ),
        Some(_) => {
            let since = parse(&s.last_ok).map(minute).unwrap_or(imported);
            (
                format!("暂时连不上县里服务器，显示的是 {since} 核对过的内容 · 断网也能查"),
                Kind::Offline,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn state(status: Option<&str>, expires: &str) -> SyncState {
        SyncState {
            content_version: 3,
            imported_at: Some("2026-11-01T02:00:00Z".into()),
            syncing: true,
            last_status: status.map(str::to_string),
            last_ok: Some("2026-11-20T02:00:00Z".into()),
            expires: Some(expires.into()),
            synced: true,
            last_error: None,
        }
    }

    #[test]
    fn a_syncing_kiosk_waits_for_its_first_content_and_says_why() {
        let servers = vec!["https://zwfw.example/banshi/".to_string()];
        let mut s = SyncState {
            syncing: true,
            ..Default::default()
        };
        let note = waiting_for_first_content(&s, &servers).unwrap();
        assert!(
            note.contains("https://zwfw.example/banshi/") && note.contains("第一次连接"),
            "{note}"
        );
        s.last_status = Some("offline".into());
        s.last_error = Some("连接被拒绝".into());
        let note = waiting_for_first_content(&s, &servers).unwrap();
        assert!(
            note.contains("连不上服务器") && note.contains("连接被拒绝") && note.contains("--from"),
            "{note}"
        );
        s.synced = true;
        assert_eq!(
            waiting_for_first_content(&s, &servers),
            None,
            "the county's content is here"
        );
        let imported = SyncState {
            syncing: false,
            ..Default::default()
        };
        assert_eq!(
            waiting_for_first_content(&imported, &[]),
            None,
            "no sync configured: show what was imported"
        );
    }

    #[test]
    fn ok_offline_and_expired() {
        let now = at("2026-11-22T02:00:00Z");
        let (t, k) = line(&state(Some("up-to-date"), "2026-12-01T00:00:00Z"), now);
        assert_eq!(k, Kind::Ok);
        assert!(t.contains("已与县里核对为最新"), "{t}");
        let (t, k) = line(&state(Some("offline"), "2026-12-01T00:00:00Z"), now);
        assert_eq!(k, Kind::Offline);
        assert!(t.contains("连不上") && t.contains("11月20日"), "{t}");
        // Past expiry even though the last sync was fine (the kiosk was offline since).
        let (t, k) = line(&state(Some("up-to-date"), "2026-11-21T00:00:00Z"), now);
        assert_eq!(k, Kind::Expired);
        assert!(t.contains("有效期"), "{t}");
        assert!(t.contains("2026年11月21日"), "the expiry date: {t}");
        let (t, k) = line(&state(Some("expired"), "2026-12-01T00:00:00Z"), now);
        assert_eq!(k, Kind::Expired);
        assert!(
            t.contains("服务器上的内容已过有效期") && t.contains("11月20日"),
            "{t}"
        );
    }

    #[test]
    fn a_kiosk_without_sync_shows_its_import_date() {
        let s = SyncState {
            content_version: 2,
            imported_at: Some("2026-11-01T02:00:00Z".into()),
            ..Default::default()
        };
        let (t, k) = line(&s, at("2026-11-22T02:00:00Z"));
        assert_eq!(k, Kind::Ok);
        assert!(t.contains("第 2 版") && t.contains("2026年11月1日"), "{t}");
    }

    #[test]
    fn the_state_is_read_from_the_stores_meta_keys() {
        use crate::sync::keys;
        let store = crate::store::Store::in_memory(&crate::sample::sample()).unwrap();
        let s = SyncState::read(&store, false);
        assert_eq!(s.content_version, 1);
        assert!(!s.syncing && !s.synced && s.last_status.is_none());
        for (k, v) in [
            (keys::VERSION, "7"),
            (keys::LAST_STATUS, "offline"),
            (keys::LAST_ERROR, "连接超时"),
            (keys::EXPIRES, ""),
        ] {
            store
                .conn()
                .execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                    [k, v],
                )
                .unwrap();
        }
        let s = SyncState::read(&store, true);
        assert!(s.syncing && s.synced);
        assert_eq!(s.last_status.as_deref(), Some("offline"));
        assert_eq!(s.last_error.as_deref(), Some("连接超时"));
        assert_eq!(s.expires, None, "an empty value counts as none");
    }
}
