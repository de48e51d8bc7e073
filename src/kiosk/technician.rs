//! The technician screen's decisions, without any UI: the hidden long press that opens the PIN
//! pad, when the screen closes itself, and what it says about this kiosk. The PIN attempts are
//! in `pin_lock`, the touch test in `touch_test`, the recent warnings in `events`.

use std::time::Duration;

use crate::config::Config;
use crate::doctor::Check;
use crate::store::Store;
use crate::sync::keys;

/// How long the top-left corner of the header must be held to open the PIN pad.
pub const HOLD: Duration = Duration::from_secs(3);
/// The technician screens close after this long without a touch (never while touched).
pub const QUIET_CLOSE: Duration = Duration::from_secs(300);
/// Digits a PIN may have (see `pin::check_pin`).
pub const PIN_MAX: usize = 12;

/// The long press on the hidden corner. Each press gets a token; a timer started with it asks
/// [`CornerHold::due`] after [`HOLD`]. A release, or the finger sliding off the corner, ends
/// the press, so only one press held the whole time opens the pad.
#[derive(Debug, Default)]
pub struct CornerHold {
    token: u64,
    holding: bool,
}

impl CornerHold {
    /// A finger went down on the corner: the token to check after [`HOLD`].
    pub fn press(&mut self) -> u64 {
        self.token += 1;
        self.holding = true;
        self.token
    }

    /// The finger lifted or slid off the corner.
    pub fn cancel(&mut self) {
        self.holding = false;
    }

    /// The timer of `token` ran out: whether that press is still held (then it is used up).
    pub fn due(&mut self, token: u64) -> bool {
        let due = self.holding && token == self.token;
        if due {
            self.holding = false;
        }
        due
    }
}

/// One line of facts about the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

fn local_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// What the technician screen says about this kiosk: identity, software, content, sync.
pub fn facts(config: &Config, store: &Store, hall: &str) -> Vec<Fact> {
    let meta = |k: &str| store.meta(k).ok().flatten().filter(|v| !v.is_empty());
    let fact = |label, value: String| Fact { label, value };
    let digest = meta("content_digest").unwrap_or_default();
    let mut out = vec![
        fact("终端编号", config.kiosk_id.clone()),
        fact("服务场所", hall.to_string()),
        fact(
            "区划代码",
            config
                .region
                .clone()
                .unwrap_or_else(|| "未设置（按全县显示）".into()),
        ),
        fact("软件版本", env!("CARGO_PKG_VERSION").to_string()),
        fact(
            "内容",
            format!(
                "{} 第 {} 版",
                meta("county_name").unwrap_or_default(),
                meta("content_version").unwrap_or_else(|| "?".into())
            ),
        ),
        fact(
            "内容摘要",
            digest.get(..16).map_or(digest.clone(), |d| format!("{d}…")),
        ),
        fact(
            "同步仓库版本",
            meta(keys::VERSION).unwrap_or_else(|| "无（内容不是同步来的）".into()),
        ),
        fact(
            "服务器",
            if config.server.is_empty() {
                "未配置".into()
            } else {
                config.server.join("\n")
            },
        ),
    ];
    let last = match (meta(keys::LAST_STATUS), meta(keys::LAST_SYNC)) {
        (Some(st), when) => format!(
            "{}，{}",
            crate::format::sync_status(&st),
            when.as_deref().map(local_time).unwrap_or_default()
        ),
        (None, _) if config.server.is_empty() => "不同步".into(),
        (None, _) => "还没有同步过".into(),
    };
    out.push(fact("上次同步", last));
    if let Some(e) = meta(keys::LAST_ERROR) {
        out.push(fact("同步错误", e));
    }
    out.push(fact(
        "有效期至",
        meta(keys::EXPIRES)
            .as_deref()
            .map_or("无签名信息".into(), local_time),
    ));
    out.push(fact("数据目录", config.data_dir().display().to_string()));
    out.extend(uplink_facts(config));
    out
}

/// The county hub lines: address, this kiosk's device key, what is waiting, the last upload.
/// Reads only (the key is made by the uploader, not here).
pub fn uplink_facts(config: &Config) -> Vec<Fact> {
    let fact = |label, value: String| Fact { label, value };
    let Some(hub) = &config.hub else {
        return vec![fact("县里汇总", "未配置（评价和建议只存在本机）".into())];
    };
    let data = config.data_dir();
    let key = match crate::uplink::device::DeviceKey::load(&data) {
        Ok(Some(k)) => k.fingerprint(),
        Ok(None) => "还没有（第一次上报时生成）".into(),
        Err(e) => e.to_string(),
    };
    let mut out = vec![fact("县里汇总", hub.clone()), fact("设备指纹", key)];
    if let Ok(outbox) = crate::outbox::Outbox::open(&data, &config.kiosk_id) {
        if let Ok(status) = outbox.status() {
            let waiting = status.waiting();
            out.push(fact("待上报", format!("{waiting} 条")));
            if let Some(last) = status.last_upload.filter(|l| !l.is_empty()) {
                out.push(fact("上次上报", last));
            }
            for (kind, n) in status.dropped {
                out.push(fact("发件箱满丢弃", format!("{kind} {n} 条")));
            }
        }
    }
    out
}

/// A doctor check as the screen shows it: mark, name, detail, what to do.
pub fn check_line(c: &Check) -> (bool, String, String, String) {
    let mark = if c.ok { "通过" } else { "未通过" };
    let hint = c
        .hint
        .as_ref()
        .map(|h| format!("处理：{h}"))
        .unwrap_or_default();
    (c.ok, format!("{mark} · {}", c.name), c.detail.clone(), hint)
}

/// What 立即同步 says.
pub fn sync_now_text(config: &Config, triggered: bool) -> &'static str {
    match (config.server.is_empty(), triggered) {
        (true, _) => "本机没有配置内容服务器（server），没有可同步的内容。需要时在 /etc/banshi/kiosk.toml 写 server 和 trust_root。",
        (false, true) => "已开始同步，结果会显示在“上次同步”一行（几秒到几分钟）。",
        (false, false) => "同步线程没有运行（例如正在预览内容文件夹），无法立即同步。",
    }
}

/// What the PIN pad says when no PIN is configured.
pub const NO_PIN_TEXT: &str = "本机还没有设置技术员 PIN，不能进入维护界面。\n设置方法：在终端上运行\n    echo 123456 | banshi pin-hash\n（123456 换成您的 4–12 位数字 PIN），把输出的一行 technician_pin_hash = \"…\" 写进\n    /etc/banshi/kiosk.toml\n然后重启终端。";

/// What 声音测试 says on the technician screen: what plays, or why nothing can.
pub fn sound_test_text(voice: &str, volume: u32, unavailable: Option<&str>) -> String {
    match unavailable {
        Some(why) => format!("不能朗读，所以住户看不到朗读按钮：{why}"),
        None => format!("正在播放测试声音：{voice}，音量 {volume}%。听不到时检查音箱电源和音量旋钮，或改 kiosk.toml 的 [speech] volume。"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_press_held_throughout_is_due() {
        let mut h = CornerHold::default();
        let t = h.press();
        assert!(h.due(t));
        assert!(!h.due(t), "used up");

        let t = h.press();
        h.cancel();
        assert!(!h.due(t), "released early");

        let old = h.press();
        h.cancel();
        let new = h.press();
        assert!(
            !h.due(old),
            "the first press's timer does not count for the second"
        );
        assert!(h.due(new));
    }

    #[test]
    fn facts_name_the_kiosk_content_and_sync() {
        let store = Store::in_memory(&crate::sample::sample()).unwrap();
        let config = Config {
            kiosk_id: "qinghe-01".into(),
            region: Some("439021101201".into()),
            ..Config::default()
        };
        let f = facts(&config, &store, "柳塘村便民服务室");
        let get = |l: &str| {
            f.iter()
                .find(|x| x.label == l)
                .map(|x| x.value.clone())
                .unwrap_or_else(|| panic!("{l} missing: {f:?}"))
        };
        assert_eq!(get("终端编号"), "qinghe-01");
        assert_eq!(get("区划代码"), "439021101201");
        assert_eq!(get("软件版本"), env!("CARGO_PKG_VERSION"));
        assert!(get("内容").starts_with("青禾县 第 "), "{}", get("内容"));
        assert!(get("内容摘要").ends_with('…') && get("内容摘要").chars().count() == 17);
        assert_eq!(get("服务器"), "未配置");
        assert_eq!(get("上次同步"), "不同步");

        let syncing = Config {
            server: vec!["https://a.example/banshi/".into()],
            ..Config::default()
        };
        let f = facts(&syncing, &store, "x");
        assert!(f
            .iter()
            .any(|x| x.label == "上次同步" && x.value == "还没有同步过"));
        store.conn().execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, 'offline'), (?2, '2026-01-02T03:04:05Z'), (?3, '连接超时')", [keys::LAST_STATUS, keys::LAST_SYNC, keys::LAST_ERROR]).unwrap();
        let f = facts(&syncing, &store, "x");
        assert!(
            f.iter()
                .any(|x| x.label == "上次同步" && x.value.starts_with("连不上服务器，2026-01-0")),
            "{f:?}"
        );
        assert!(f
            .iter()
            .any(|x| x.label == "同步错误" && x.value == "连接超时"));
    }

    #[test]
    fn check_lines_mark_failures_with_what_to_do() {
        let c = Check {
            name: "磁盘空间",
            ok: false,
            detail: "只剩 10 MB".into(),
            hint: Some("清理磁盘".into()),
        };
        assert_eq!(
            check_line(&c),
            (
                false,
                "未通过 · 磁盘空间".into(),
                "只剩 10 MB".into(),
                "处理：清理磁盘".into()
            )
        );
        let ok = Check {
            name: "配置文件",
            ok: true,
            detail: "/etc/banshi/kiosk.toml".into(),
            hint: None,
        };
        assert_eq!(check_line(&ok).1, "通过 · 配置文件");
        assert!(sync_now_text(&Config::default(), true).contains("没有配置内容服务器"));
    }
}
