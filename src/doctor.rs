//! `banshi doctor`: the checks a technician runs on a kiosk, each a pass/fail line with a hint
//! for every failure. The same facts the technician screen will show.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::config::Config;
use crate::store::{Store, DB_FILE};
use crate::sync::{self, keys, Source};

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    /// What to do when it failed.
    pub hint: Option<String>,
}

fn pass(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: true,
        detail: detail.into(),
        hint: None,
    }
}

fn failed(name: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Check {
    Check {
        name,
        ok: false,
        detail: detail.into(),
        hint: Some(hint.into()),
    }
}

/// Free bytes for unprivileged users on the file system holding `dir`.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    rustix::fs::statvfs(dir)
        .ok()
        .map(|s| s.f_bavail.saturating_mul(s.f_frsize))
}

/// 朗读: the voice must work wherever the kiosk is installed (a missing engine is a broken
/// install); a kiosk without a sound card works without the button, so that is said, not failed.
pub fn speech_check(config: &crate::config::SpeechConfig) -> Check {
    use crate::speech::{output, voice};
    if !config.enabled {
        return pass("朗读", "已关闭（[speech] enabled = false），不显示朗读按钮");
    }
    let voice = voice::from_config(config);
    if let Err(e) = voice.check() {
        return failed(
            "朗读",
            format!("不可用，不显示朗读按钮：{e}"),
            "安装 espeak-ng 和 alsa-utils（软件包的依赖）；用本县语音时检查 kiosk.toml 的 [speech] command 和 model。然后重启终端。",
        );
    }
    match output::sound_output(Path::new("/")) {
        Ok(card) => pass(
            "朗读",
            format!(
                "可用：{}，声卡 {card}，音量 {}%",
                voice.describe(),
                config.volume
            ),
        ),
        Err(e) if e.contains("权限") => failed(
            "朗读",
            format!("不可用，不显示朗读按钮：{e}"),
            "把终端用户加入 audio 组：usermod -aG audio banshi，然后重启终端。",
        ),
        Err(e) => pass(
            "朗读",
            format!("{}；不显示朗读按钮。语音 {} 可用", e, voice.describe()),
        ),
    }
}

/// Below this much free space the check fails.
const MIN_FREE: u64 = 200 * 1024 * 1024;

/// From this many days before the published metadata expires, the county host's check fails.
pub const EXPIRY_WARNING_DAYS: i64 = 7;

/// On the county host: how long until the repository's signed metadata expires. An expired
/// repository freezes every kiosk's updates; re-signing (`banshi publish --refresh`, the
/// `banshi-refresh.timer` of packaging/county) keeps it valid.
pub fn repository(repo: &Path, now: chrono::DateTime<chrono::Utc>) -> Check {
    const NAME: &str = "发布仓库有效期";
    let path = repo.join("metadata").join("timestamp.json");
    let expires = std::fs::read(&path)
        .map_err(|e| format!("无法读取 {}：{e}", path.display()))
        .and_then(|b| {
            serde_json::from_slice::<serde_json::Value>(&b)
                .map_err(|e| format!("{} 不是 JSON：{e}", path.display()))
        })
        .and_then(|v| {
            v["signed"]["expires"]
                .as_str()
                .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
                .ok_or_else(|| format!("{} 里没有有效期（signed.expires）", path.display()))
        });
    let expires = match expires {
        Ok(t) => t.with_timezone(&chrono::Utc),
        Err(e) => return failed(
            NAME,
            e,
            "确认 --repo 指向 banshi publish --out 写的文件夹；没有发布过时先运行 banshi publish。",
        ),
    };
    let left = expires - now;
    let when = expires
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M");
    let refresh = "运行 banshi publish --refresh --keys 密钥目录 --out 仓库目录 重新签名（packaging/county 的 banshi-refresh.timer 每天自动做）。";
    if left <= chrono::Duration::zero() {
        failed(
            NAME,
            format!("已于 {when} 过期：所有终端都停在旧内容上，不再更新"),
            refresh,
        )
    } else if left < chrono::Duration::days(EXPIRY_WARNING_DAYS) {
        failed(
            NAME,
            format!("将于 {when} 过期，只剩 {} 小时", left.num_hours()),
            refresh,
        )
    } else {
        pass(NAME, format!("至 {when}，还有 {} 天", left.num_days()))
    }
}

/// The receipt printer's state, asked without printing.
pub fn printer(config: &Config) -> Check {
    let Some(path) = &config.printer else {
        return pass("打印机", "未配置（办事指南页不显示“打印告知单”）");
    };
    match crate::print::device::probe(path) {
        Ok(()) => pass(
            "打印机",
            format!(
                "{}，{} 毫米纸，可以打印",
                path.display(),
                config.paper_width_mm
            ),
        ),
        Err(e) => failed(
            "打印机",
            format!("{e}（居民按“打印告知单”会看到提示，二维码照常可用）"),
            e.hint(),
        ),
    }
}

/// Runs every check. `config` is the outcome of loading the config file (`path`: which one).
pub fn run(
    config: Result<Config, String>,
    path: Option<&Path>,
    network_timeout: Duration,
) -> Vec<Check> {
    let mut out = Vec::new();
    let where_ = path.map_or(
        "（没有配置文件，使用默认值）".to_string(),
        |p| p.display().to_string(),
    );
    let config = match config {
        Ok(c) => {
            out.push(pass("配置文件", where_));
            c
        }
        Err(e) => {
            out.push(failed(
                "配置文件",
                e,
                "按提示改正配置文件；配置项说明见 README 的“Configuration”一节。",
            ));
            return out;
        }
    };

    let data = config.data_dir();
    let probe = data.join(".doctor-write-test");
    match std::fs::create_dir_all(&data).and_then(|_| std::fs::write(&probe, b"ok")) {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
            out.push(pass("数据目录", format!("{} 可写", data.display())));
        }
        Err(e) => out.push(failed(
            "数据目录",
            format!("{} 不可写：{e}", data.display()),
            "检查目录权限（软件包安装时应属于 banshi 用户）和磁盘是否只读。",
        )),
    }

    match free_bytes(&data) {
        Some(free) if free >= MIN_FREE => {
            out.push(pass("磁盘空间", format!("剩余 {} MB", free / 1_048_576)))
        }
        Some(free) => out.push(failed(
            "磁盘空间",
            format!("只剩 {} MB", free / 1_048_576),
            "清理磁盘（旧日志、下载文件），至少留出 200 MB，内容更新才能进行。",
        )),
        None => out.push(failed("磁盘空间", "无法读取", "检查数据目录是否存在。")),
    }
    out.push(uplink(&config));

    let db = data.join(DB_FILE);
    let store = match Store::open(&db) {
        // Freshly installed, never started: the kiosk builds its database at the first start.
        Err(_) if !db.exists() && config.server.is_empty() => {
            out.push(pass(
                "内容数据库",
                format!(
                    "{} 尚未建立：终端第一次启动时用内置内容建立，或用 banshi import 导入本县内容",
                    db.display()
                ),
            ));
            None
        }
        Err(_) if !db.exists() => {
            out.push(failed(
                "内容数据库",
                format!("{} 还没有：本县内容要等第一次同步成功后才有", db.display()),
                "确认能连上服务器后等终端自动同步，或运行 banshi sync --json；没有网络时用 banshi sync --from U盘目录。",
            ));
            None
        }
        Ok(s) => {
            let counts = s.counts().ok();
            let version = s.meta("content_version").ok().flatten().unwrap_or_default();
            let county = s.meta("county_name").ok().flatten().unwrap_or_default();
            let digest = s.meta("content_digest").ok().flatten().unwrap_or_default();
            out.push(pass(
                "内容数据库",
                format!(
                    "{county} 第 {version} 版，事项 {} 项，内容摘要 {}",
                    counts.map_or(0, |c| c.items),
                    digest.get(..16).unwrap_or("")
                ),
            ));
            Some(s)
        }
        Err(e) => {
            out.push(failed(
                "内容数据库",
                e.to_string(),
                "运行 banshi sync（联网）或 banshi sync --from U盘目录 获取内容。",
            ));
            None
        }
    };

    // The kiosk hides the 手写 tab without it; the message names the package to install.
    out.push(match crate::handwriting::shared(config.handwriting_model()) {
        Ok(_) => pass("手写识别", "可用（Zinnia 与简体中文模型）"),
        Err(e) => failed(
            "手写识别",
            format!("不可用，搜索页不显示“手写”：{e}"),
            "安装 libzinnia0 和 tegaki-zinnia-simplified-chinese（软件包的依赖）后重启终端；配置文件里设了 handwriting_model 的，检查那个路径。",
        ),
    });

    // The guide page offers 打印告知单 only with a printer configured; a configured one that
    // does not answer fails here and on the technician screen.
    out.push(printer(&config));
    out.push(speech_check(&config.speech));

    if config.server.is_empty() {
        out.push(pass("内容同步", "未配置服务器：使用导入或内置的内容"));
        return out;
    }
    match config.trust_root.as_deref().map(std::fs::read) {
        Some(Ok(b))
            if serde_json::from_slice::<serde_json::Value>(&b)
                .is_ok_and(|v| v["signed"]["_type"] == "root") =>
        {
            out.push(pass(
                "信任根",
                config.trust_root.as_ref().unwrap().display().to_string(),
            ))
        }
        Some(Ok(_)) => out.push(failed(
            "信任根",
            "文件不是 root.json",
            "向县里重新索取 root.json，放到 trust_root 指定的位置。",
        )),
        Some(Err(e)) => out.push(failed(
            "信任根",
            format!("无法读取：{e}"),
            "向县里索取 root.json，放到 trust_root 指定的位置。",
        )),
        None => out.push(failed(
            "信任根",
            "没有配置 trust_root",
            "在配置文件写 trust_root = \"/etc/banshi/root.json\"。",
        )),
    }

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    for s in &config.server {
        let result = match (
            Source::parse(s),
            sync::Fetcher::new(sync::Timeouts {
                connect: network_timeout,
                read: network_timeout,
            }),
            &rt,
        ) {
            (Ok(src), Ok(f), Ok(rt)) => rt
                .block_on(async { tokio::time::timeout(network_timeout * 2, f.probe(&src)).await })
                .unwrap_or_else(|_| Err(sync::FetchError::Network("超时".into())))
                .map_err(|e| e.to_string()),
            (Err(e), _, _) => Err(e),
            (_, Err(e), _) => Err(e),
            (_, _, Err(e)) => Err(e.to_string()),
        };
        match result {
            Ok(d) => out.push(pass("服务器连通", d)),
            Err(e) => out.push(failed("服务器连通", format!("{s}：{e}"), "检查网线/4G、DNS 和防火墙；地址写错时改配置的 server。断网时终端照常显示已有内容。")),
        }
    }

    let Some(store) = store else { return out };
    let meta = |k: &str| store.meta(k).ok().flatten().filter(|v| !v.is_empty());
    match meta(keys::LAST_STATUS).as_deref() {
        Some(st @ ("updated" | "up-to-date")) => out.push(pass("上次同步", format!("{st}，{}", meta(keys::LAST_SYNC).unwrap_or_default()))),
        Some(st) => out.push(failed(
            "上次同步",
            format!("{st}，{}：{}", meta(keys::LAST_SYNC).unwrap_or_default(), meta(keys::LAST_ERROR).unwrap_or_default()),
            "按错误信息处理；banshi sync --json 可立即重试。被拒绝（rejected）时请联系县里核对发布的内容和密钥。",
        )),
        None => out.push(failed("上次同步", "还没有同步过", "运行 banshi sync --json，或等终端自动同步。")),
    }
    let expires = meta(keys::EXPIRES).and_then(|e| chrono::DateTime::parse_from_rfc3339(&e).ok());
    match expires {
        Some(t) if t > chrono::Utc::now() => out.push(pass(
            "内容有效期",
            format!("至 {}", t.format("%Y-%m-%d %H:%M")),
        )),
        Some(t) => out.push(failed(
            "内容有效期",
            format!("已于 {} 过期", t.format("%Y-%m-%d %H:%M")),
            "请县里重新签名发布（banshi publish --refresh），并确认本机能连上服务器。",
        )),
        None => out.push(failed(
            "内容有效期",
            "没有签名信息（内容不是同步来的）",
            "运行 banshi sync 从县里获取签名的内容。",
        )),
    }
    out
}

/// The county hub: the kiosk id and device key fingerprint the county compares when approving,
/// and whether the last upload went through.
pub fn uplink(config: &Config) -> Check {
    let facts = crate::kiosk::technician::uplink_facts(config);
    let detail = std::iter::once(format!("终端编号 {}", config.kiosk_id))
        .chain(facts.iter().map(|f| format!("{} {}", f.label, f.value)))
        .collect::<Vec<_>>()
        .join("；");
    let last = facts.iter().find(|f| f.label == "上次上报");
    match last {
        Some(f) if f.value.contains("拒收") || f.value.contains("等县里批准") => failed(
            "县里汇总",
            detail,
            "把终端编号和设备指纹告诉县里，请他们在汇总服务上批准（banshi hub kiosks approve 终端编号），或在 kiosk.toml 写上县里发的 enrol_code；然后运行 banshi outbox flush。",
        ),
        _ => pass("县里汇总", detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printer_check_names_the_device_and_what_to_do() {
        let none = printer(&Config::default());
        assert!(none.ok && none.detail.contains("未配置"), "{none:?}");

        let dir = tempfile::tempdir().unwrap();
        let device = dir.path().join("lp0");
        let config = Config {
            printer: Some(device.clone()),
            paper_width_mm: 58,
            ..Config::default()
        };
        let missing = printer(&config);
        assert!(!missing.ok, "{missing:?}");
        assert!(missing.detail.contains("lp0") && missing.detail.contains("二维码照常可用"));
        assert!(missing.hint.as_deref().unwrap().contains("USB"));

        std::fs::write(&device, b"").unwrap();
        let ready = printer(&config);
        assert!(ready.ok && ready.detail.contains("58 毫米"), "{ready:?}");
        assert_eq!(
            std::fs::read(&device).unwrap(),
            b"",
            "the check prints nothing"
        );
    }

    #[test]
    fn the_repository_check_fails_a_week_before_expiry_and_names_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("metadata")).unwrap();
        let write = |expires: &str| {
            std::fs::write(
                dir.path().join("metadata/timestamp.json"),
                format!("{{\"signed\": {{\"_type\": \"timestamp\", \"expires\": \"{expires}\"}}}}"),
            )
            .unwrap()
        };
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        write("2027-01-02T12:00:00Z");
        let c = repository(dir.path(), now);
        assert!(c.ok && c.detail.contains("还有 30 天"), "{c:?}");
        write("2026-12-08T12:00:00Z");
        let c = repository(dir.path(), now);
        assert!(!c.ok && c.detail.contains("只剩 120 小时"), "{c:?}");
        assert!(c.hint.unwrap().contains("publish --refresh"));
        write("2026-12-01T12:00:00Z");
        let c = repository(dir.path(), now);
        assert!(
            !c.ok && c.detail.contains("已于") && c.detail.contains("过期"),
            "{c:?}"
        );
        let c = repository(&dir.path().join("nothing"), now);
        assert!(!c.ok && c.detail.contains("无法读取"), "{c:?}");
    }
}
