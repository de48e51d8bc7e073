//! A kiosk's health as the fleet page shows it: green, amber or red, and the reasons in words
//! county staff act on ("3 天没有联系", "内容落后 2 版", "同步失败：签名不符", "磁盘只剩 150 MB").
//! Pure: it reads the kiosk's row and newest heartbeat, the newest published content version
//! and the time, so every rule is unit-tested.

use serde::Serialize;

use crate::hub::kiosks::{Kiosk, KioskState};

/// Not heard from this long: amber (a hall closed over a weekend comes back on Monday).
pub const QUIET_AMBER_SECS: i64 = 24 * 3600;
/// Not heard from this long: red.
pub const QUIET_RED_SECS: i64 = 72 * 3600;
/// Content this many versions behind the newest published: amber, and at `BEHIND_RED` red.
pub const BEHIND_AMBER: i64 = 1;
pub const BEHIND_RED: i64 = 3;
/// The kiosk's signed metadata runs out within this many days: amber (then it stops updating).
pub const EXPIRY_WARNING_DAYS: i64 = 7;
/// Free disk below this: amber; below `DISK_RED_MB`: red (a sync needs room to stage).
pub const DISK_AMBER_MB: u64 = 1024;
pub const DISK_RED_MB: u64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Amber,
    Red,
    /// Revoked: no longer part of the fleet.
    Off,
}

impl Light {
    pub fn as_str(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Amber => "amber",
            Light::Red => "red",
            Light::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<Light> {
        [Light::Green, Light::Amber, Light::Red, Light::Off]
            .into_iter()
            .find(|l| l.as_str() == s)
    }

    /// As staff read it.
    pub fn name(self) -> &'static str {
        match self {
            Light::Green => "正常",
            Light::Amber => "注意",
            Light::Red => "故障",
            Light::Off => "已停用",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    pub light: Light,
    /// Worst first; empty when green.
    pub reasons: Vec<String>,
}

/// What a sync status word means to staff (the kiosk's `sync::Status` names).
pub fn sync_status_name(status: &str) -> &str {
    match status {
        "updated" => "已更新",
        "up-to-date" => "已是最新",
        "rejected" => "被拒绝（签名或内容校验不符）",
        "offline" => "连不上县里服务器",
        "expired" => "内容签名已过期",
        "error" => "出错",
        other => other,
    }
}

fn span(secs: i64) -> String {
    if secs >= 86_400 {
        format!("{} 天", secs / 86_400)
    } else if secs >= 3600 {
        format!("{} 小时", secs / 3600)
    } else {
        format!("{} 分钟", (secs / 60).max(1))
    }
}

/// The kiosk's health at `now` (unix seconds), `newest` being the newest published content
/// version when the hub knows it.
pub fn assess(k: &Kiosk, newest: Option<i64>, now: i64) -> Health {
    let mut found: Vec<(Light, String)> = Vec::new();
    match k.state {
        KioskState::Revoked => {
            return Health {
                light: Light::Off,
                reasons: vec!["已停用：它的上传都被拒绝".into()],
            }
        }
        KioskState::Pending => found.push((Light::Amber, "等待批准".into())),
        KioskState::Approved => {}
    }
    match k.last_seen {
        None => found.push((Light::Amber, "还没有联系过".into())),
        Some(seen) => {
            let quiet = now - seen;
            if quiet >= QUIET_RED_SECS {
                found.push((Light::Red, format!("{}没有联系", span(quiet))));
            } else if quiet >= QUIET_AMBER_SECS {
                found.push((Light::Amber, format!("{}没有联系", span(quiet))));
            }
        }
    }
    let hb = k.heartbeat.as_ref();
    let text = |name: &str| {
        hb.and_then(|h| h.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .filter(|s| !s.is_empty())
    };
    if hb.is_some() {
        match text("content_version").and_then(|v| v.parse::<i64>().ok()) {
            None => found.push((Light::Red, "还没有内容（首次同步没有完成）".into())),
            Some(have) => {
                if let Some(newest) = newest {
                    let behind = newest - have;
                    if behind >= BEHIND_RED {
                        found.push((Light::Red, format!("内容落后 {behind} 版")));
                    } else if behind >= BEHIND_AMBER {
                        found.push((Light::Amber, format!("内容落后 {behind} 版")));
                    }
                }
            }
        }
        if let Some(status) = text("last_sync_status") {
            let failed = matches!(status.as_str(), "rejected" | "expired" | "error");
            let offline = status == "offline";
            if failed || offline {
                let mut why = format!("同步失败：{}", sync_status_name(&status));
                if let Some(e) = text("last_sync_error") {
                    why = format!("{why}（{}）", e.chars().take(60).collect::<String>());
                }
                found.push((if failed { Light::Red } else { Light::Amber }, why));
            }
        }
        if let Some(expires) = text("expires")
            .and_then(|e| chrono::DateTime::parse_from_rfc3339(&e).ok())
            .map(|e| e.timestamp())
        {
            let left = expires - now;
            if left <= 0 {
                found.push((Light::Red, "内容签名已过期：终端不再更新".into()));
            } else if left < EXPIRY_WARNING_DAYS * 86_400 {
                found.push((Light::Amber, format!("内容签名 {}后过期", span(left))));
            }
        }
        if let Some(free) = hb
            .and_then(|h| h.get("free_disk_mb"))
            .and_then(|v| v.as_u64())
        {
            if free < DISK_RED_MB {
                found.push((Light::Red, format!("磁盘只剩 {free} MB")));
            } else if free < DISK_AMBER_MB {
                found.push((Light::Amber, format!("磁盘只剩 {free} MB")));
            }
        }
        if let Some(w) = hb
            .and_then(|h| h.get("warnings"))
            .and_then(|v| v.as_u64())
            .filter(|w| *w > 0)
        {
            found.push((Light::Amber, format!("最近有 {w} 条警告")));
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    Health {
        light: found.first().map_or(Light::Green, |f| f.0),
        reasons: found.into_iter().map(|f| f.1).collect(),
    }
}

/// The first moment after `now` at which [`assess`] may say something else for the same row and
/// newest version: a silence crossing a day or the red mark, the signature's countdown moving on
/// or running out. `None` when nothing about the kiosk changes with time alone. Early is safe
/// (the kiosk is assessed again and found the same); late never happens.
pub fn until(k: &Kiosk, now: i64) -> Option<i64> {
    if k.state == KioskState::Revoked {
        return None;
    }
    let mut next: Option<i64> = None;
    let mut at = |t: i64| next = Some(next.map_or(t, |n| n.min(t)));
    if let Some(seen) = k.last_seen {
        let quiet = now - seen;
        if quiet < QUIET_AMBER_SECS {
            at(seen + QUIET_AMBER_SECS);
        } else {
            // "N 天没有联系" counts whole days; the red mark is a whole number of them.
            at(seen + 86_400 * (quiet / 86_400 + 1));
        }
    }
    let expires = k
        .heartbeat
        .as_ref()
        .and_then(|h| h.get("expires"))
        .and_then(|v| v.as_str())
        .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
        .map(|e| e.timestamp());
    if let Some(expires) = expires {
        let left = expires - now;
        if left >= EXPIRY_WARNING_DAYS * 86_400 {
            at(expires - EXPIRY_WARNING_DAYS * 86_400 + 1);
        } else if left > 0 {
            // The countdown's words: whole days, then hours, then minutes.
            let unit = if left >= 86_400 {
                86_400
            } else if left >= 3600 {
                3600
            } else {
                60
            };
            let whole = left / unit;
            at(if whole == 0 {
                expires
            } else {
                expires - whole * unit + 1
            });
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;

    fn kiosk(heartbeat: serde_json::Value) -> Kiosk {
        Kiosk {
            id: "k1".into(),
            public_key: String::new(),
            fingerprint: String::new(),
            state: KioskState::Approved,
            hall: Some("县政务服务中心".into()),
            region: Some("439021000000".into()),
            enrolled_at: NOW - 86_400 * 30,
            approved_at: Some(NOW - 86_400 * 30),
            revoked_at: None,
            last_seen: Some(NOW - 300),
            heartbeat_at: None,
            heartbeat: Some(heartbeat),
        }
    }

    fn healthy() -> serde_json::Value {
        json!({
            "app_version": "0.1.0", "content_version": "7", "last_sync_status": "up-to-date",
            "expires": "2027-06-01T00:00:00Z", "free_disk_mb": 20_000, "warnings": 0,
        })
    }

    fn with(field: &str, v: serde_json::Value) -> Kiosk {
        let mut h = healthy();
        h[field] = v;
        kiosk(h)
    }

    #[test]
    fn a_current_kiosk_is_green_without_reasons() {
        let h = assess(&kiosk(healthy()), Some(7), NOW);
        assert_eq!(
            h,
            Health {
                light: Light::Green,
                reasons: vec![]
            }
        );
    }

    #[test]
    fn silence_turns_amber_after_a_day_and_red_after_three() {
        let mut k = kiosk(healthy());
        k.last_seen = Some(NOW - 23 * 3600);
        assert_eq!(assess(&k, Some(7), NOW).light, Light::Green);
        k.last_seen = Some(NOW - 30 * 3600);
        let h = assess(&k, Some(7), NOW);
        assert_eq!(
            (h.light, h.reasons[0].as_str()),
            (Light::Amber, "1 天没有联系")
        );
        k.last_seen = Some(NOW - 3 * 86_400 - 60);
        let h = assess(&k, Some(7), NOW);
        assert_eq!(
            (h.light, h.reasons[0].as_str()),
            (Light::Red, "3 天没有联系")
        );
    }

    #[test]
    fn content_behind_counts_versions() {
        let h = assess(&kiosk(healthy()), Some(9), NOW);
        assert_eq!(h.light, Light::Amber);
        assert_eq!(h.reasons, vec!["内容落后 2 版"]);
        assert_eq!(assess(&kiosk(healthy()), Some(10), NOW).light, Light::Red);
        // Without a published repository the hub cannot tell: no reason.
        assert_eq!(assess(&kiosk(healthy()), None, NOW).light, Light::Green);
        let h = assess(&with("content_version", json!(null)), Some(7), NOW);
        assert_eq!(h.light, Light::Red);
        assert!(h.reasons[0].contains("还没有内容"), "{h:?}");
    }

    #[test]
    fn a_rejected_sync_is_red_with_its_error_and_offline_amber() {
        let mut hb = healthy();
        hb["last_sync_status"] = json!("rejected");
        hb["last_sync_error"] = json!("签名不符");
        let h = assess(&kiosk(hb), Some(7), NOW);
        assert_eq!(h.light, Light::Red);
        assert!(h.reasons[0].starts_with("同步失败："), "{h:?}");
        assert!(h.reasons[0].contains("签名不符"), "{h:?}");
        let h = assess(&with("last_sync_status", json!("offline")), Some(7), NOW);
        assert_eq!(h.light, Light::Amber);
    }

    #[test]
    fn disk_expiry_and_warnings_are_named() {
        let h = assess(&with("free_disk_mb", json!(150)), Some(7), NOW);
        assert_eq!(
            (h.light, h.reasons.clone()),
            (Light::Red, vec!["磁盘只剩 150 MB".to_string()])
        );
        assert_eq!(
            assess(&with("free_disk_mb", json!(800)), Some(7), NOW).light,
            Light::Amber
        );
        let soon = chrono::DateTime::from_timestamp(NOW + 3 * 86_400 + 100, 0)
            .unwrap()
            .to_rfc3339();
        let h = assess(&with("expires", json!(soon)), Some(7), NOW);
        assert_eq!(
            (h.light, h.reasons[0].as_str()),
            (Light::Amber, "内容签名 3 天后过期")
        );
        let past = chrono::DateTime::from_timestamp(NOW - 10, 0)
            .unwrap()
            .to_rfc3339();
        assert_eq!(
            assess(&with("expires", json!(past)), Some(7), NOW).light,
            Light::Red
        );
        let h = assess(&with("warnings", json!(4)), Some(7), NOW);
        assert_eq!(h.reasons, vec!["最近有 4 条警告"]);
    }

    #[test]
    fn the_worst_reason_comes_first_and_sets_the_light() {
        let mut hb = healthy();
        hb["warnings"] = json!(2);
        hb["free_disk_mb"] = json!(100);
        let h = assess(&kiosk(hb), Some(8), NOW);
        assert_eq!(h.light, Light::Red);
        assert_eq!(h.reasons[0], "磁盘只剩 100 MB");
        assert_eq!(h.reasons.len(), 3);
    }

    /// Every time between `now` and `until` gives the same health; at `until` the kiosk is
    /// looked at again (and from there on the next `until` is later).
    #[test]
    fn until_is_never_late() {
        let soon = |secs: i64| {
            chrono::DateTime::from_timestamp(NOW + secs, 0)
                .unwrap()
                .to_rfc3339()
        };
        let mut cases = Vec::new();
        for seen_ago in [
            0,
            3600,
            86_399,
            86_400,
            30 * 3600,
            3 * 86_400 - 1,
            9 * 86_400,
        ] {
            for expires_in in [
                None,
                Some(60 * 86_400),
                Some(7 * 86_400 + 5),
                Some(3 * 86_400 + 100),
                Some(86_400),
                Some(5000),
                Some(59),
                Some(-10),
            ] {
                let mut hb = healthy();
                match expires_in {
                    Some(s) => hb["expires"] = json!(soon(s)),
                    None => hb["expires"] = json!(null),
                }
                let mut k = kiosk(hb);
                k.last_seen = Some(NOW - seen_ago);
                cases.push(k);
            }
        }
        let mut pending = kiosk(healthy());
        pending.state = KioskState::Pending;
        pending.last_seen = None;
        pending.heartbeat = None;
        cases.push(pending);
        let mut checked = 0;
        for k in &cases {
            let mut now = NOW;
            // Follow the kiosk through ten changes (or until nothing changes with time).
            for _ in 0..10 {
                let Some(until) = until(k, now) else {
                    // Nothing changes with time: a week later it says the same.
                    assert_eq!(
                        assess(k, Some(7), now),
                        assess(k, Some(7), now + 7 * 86_400)
                    );
                    break;
                };
                assert!(until > now, "{k:?} at {now}: {until}");
                let here = assess(k, Some(7), now);
                for t in [now + 1, (now + until) / 2, until - 1] {
                    if t > now && t < until {
                        assert_eq!(assess(k, Some(7), t), here, "{k:?} at {t} (until {until})");
                        checked += 1;
                    }
                }
                now = until;
            }
        }
        assert!(checked > 300, "{checked}");
        let mut revoked = kiosk(healthy());
        revoked.state = KioskState::Revoked;
        assert_eq!(until(&revoked, NOW), None);
    }

    #[test]
    fn pending_new_and_revoked_kiosks() {
        let mut k = kiosk(healthy());
        k.state = KioskState::Pending;
        k.last_seen = None;
        k.heartbeat = None;
        let h = assess(&k, Some(7), NOW);
        assert_eq!(h.light, Light::Amber);
        assert_eq!(h.reasons, vec!["等待批准", "还没有联系过"]);
        k.state = KioskState::Revoked;
        assert_eq!(assess(&k, Some(7), NOW).light, Light::Off);
    }
}
