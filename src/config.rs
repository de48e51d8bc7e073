//! The kiosk's configuration file (TOML). Every field is optional: with no file at all the kiosk
//! shows the bundled sample county. Errors name the key and say how to fix it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::kiosk::rotation::Rotation;
use crate::print::escpos::Paper;

/// Every key a config file may have.
pub const KEYS: &[&str] = &[
    "kiosk_id",
    "hall_name",
    "region",
    "data_dir",
    "idle_timeout_secs",
    "idle_warning_secs",
    "large_text",
    "server",
    "trust_root",
    "sync_interval_secs",
    "technician_pin_hash",
    "rotation",
    "printer",
    "paper_width_mm",
    "handwriting_model",
    "speech",
    "hub",
    "hub_ca",
    "enrol_code",
    "hub_interval_secs",
];

/// Keys of the `[speech]` table.
pub const SPEECH_KEYS: &[&str] = &[
    "enabled", "volume", "speed", "engine", "command", "model", "device",
];

/// Where a packaged kiosk keeps its configuration.
pub const SYSTEM_CONFIG: &str = "/etc/banshi/kiosk.toml";
/// Where a packaged kiosk keeps its data (the service's StateDirectory).
pub const SYSTEM_DATA_DIR: &str = "/var/lib/banshi";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Identifies this kiosk to technicians, e.g. "qinghe-hall-01".
    pub kiosk_id: String,
    /// Overrides the hall name shown in the header.
    pub hall_name: Option<String>,
    /// 12-digit region code of where the kiosk stands (county, town or village).
    pub region: Option<String>,
    /// Where the content database lives; default: the user's data directory.
    pub data_dir: Option<PathBuf>,
    /// Seconds without a touch before the warning.
    pub idle_timeout_secs: u64,
    /// Seconds the warning stays before the reset (at least 20).
    pub idle_warning_secs: u64,
    /// Start in large-text mode (and return to it after every reset).
    pub large_text: bool,
    /// The county's content repository: an `http(s)://` address, or a folder (USB stick).
    /// Several may be listed; they are tried in order. None: no sync (content as imported).
    #[serde(deserialize_with = "one_or_many")]
    pub server: Vec<String>,
    /// The county's trust anchor (`root.json` from `banshi keygen`).
    pub trust_root: Option<PathBuf>,
    /// Seconds between syncs when all is well (failures retry sooner, backing off).
    pub sync_interval_secs: u64,
    /// The technician PIN as made by `banshi pin-hash` (never the PIN itself).
    pub technician_pin_hash: Option<String>,
    /// How far the picture is turned clockwise (0, 90, 180, 270) for a panel mounted on its
    /// side; touch follows (see `kiosk::rotation`).
    pub rotation: u32,
    /// The receipt printer's device file (e.g. `/dev/usb/lp0`); the guide page offers
    /// 打印告知单 only when one is set.
    pub printer: Option<PathBuf>,
    /// The printer's paper: 58 or 80 (millimetres).
    pub paper_width_mm: u32,
    /// The Zinnia model for 手写; default: Debian's Simplified Chinese model
    /// (`handwriting::MODEL_PATH`). A path with no file there turns 手写 off.
    pub handwriting_model: Option<PathBuf>,
    /// Read-aloud (朗读): voice, volume, speed.
    pub speech: SpeechConfig,
    /// The county hub that receives ratings, suggestions, unanswered searches, usage counts and
    /// heartbeats (`https://…`; plain `http://` only to this machine). None: nothing is sent,
    /// the outbox keeps everything.
    pub hub: Option<String>,
    /// The county's own CA certificate (PEM) when the hub's HTTPS certificate is not from a
    /// public CA (e.g. `banshi hub --tls-cert` with a certificate the county made): the kiosk
    /// then trusts only this CA for the hub. None: the system's CA store.
    pub hub_ca: Option<PathBuf>,
    /// A one-time enrolment code from `banshi hub code`: the hub approves this kiosk on first
    /// contact. Without it the county approves the kiosk by hand (`banshi hub kiosks approve`).
    pub enrol_code: Option<String>,
    /// Seconds between heartbeats (and uploads) when all is well.
    pub hub_interval_secs: u64,
}

/// `[speech]`: the 朗读 button's voice and sound.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpeechConfig {
    /// false hides the 朗读 button whatever the hardware.
    pub enabled: bool,
    /// Percent of the voice's own loudness (0–100).
    pub volume: u32,
    /// Percent of the voice's normal speed (50–200); older residents follow 80–90 % better.
    pub speed: u32,
    /// "espeak-ng" (default) or "command" (a county's own offline voice).
    pub engine: String,
    /// With engine = "command": program and arguments; text on stdin, WAV on stdout.
    /// `{model}`, `{speed}` (percent) and `{length_scale}` (Piper's: 1.0 normal) are filled in.
    pub command: Option<String>,
    /// The voice model file the command gets as `{model}`.
    pub model: Option<PathBuf>,
    /// ALSA device for `aplay -D` (default: ALSA's default device).
    pub device: Option<String>,
}

impl Default for SpeechConfig {
    fn default() -> Self {
        SpeechConfig {
            enabled: true,
            volume: 80,
            speed: 90,
            engine: "espeak-ng".into(),
            command: None,
            model: None,
            device: None,
        }
    }
}

impl SpeechConfig {
    fn check(&self) -> Result<(), String> {
        if self.volume > 100 {
            return Err(format!(
                "[speech] volume = {} 不对：写 0 到 100（百分比），建议 80。",
                self.volume
            ));
        }
        if !(50..=200).contains(&self.speed) {
            return Err(format!(
                "[speech] speed = {} 不对：写 50 到 200（正常语速的百分比），建议 90。",
                self.speed
            ));
        }
        match self.engine.as_str() {
            "espeak-ng" => Ok(()),
            "command" if self.command.as_deref().is_some_and(|c| !c.trim().is_empty()) => Ok(()),
            "command" => Err("[speech] engine = \"command\" 还要写 command = \"语音程序 参数…\"（文字从标准输入进，WAV 从标准输出出）。".into()),
            e => Err(format!("[speech] engine = \"{e}\" 不对：写 \"espeak-ng\"（默认）或 \"command\"（本县自己的语音）。")),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            kiosk_id: "banshi-kiosk".into(),
            hall_name: None,
            region: None,
            data_dir: None,
            idle_timeout_secs: 90,
            idle_warning_secs: 30,
            large_text: false,
            server: Vec::new(),
            trust_root: None,
            sync_interval_secs: 900,
            technician_pin_hash: None,
            rotation: 0,
            printer: None,
            paper_width_mm: 80,
            handwriting_model: None,
            speech: SpeechConfig::default(),
            hub: None,
            hub_ca: None,
            enrol_code: None,
            hub_interval_secs: 300,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("无法读取配置文件 {path}：{source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("配置文件 {path} 有误：{message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Reads and checks a config file. The system config without `data_dir` means the packaged
    /// kiosk's data folder, whoever reads it (the kiosk user, or root running `banshi doctor`).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        let mut config = Config::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.into(),
            message,
        })?;
        if config.data_dir.is_none() {
            config.data_dir = default_data_dir_for(path);
        }
        Ok(config)
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let at = line.map(|l| format!("第 {l} 行：")).unwrap_or_default();
            if msg.starts_with("unknown field") {
                let key = msg.split('`').nth(1).unwrap_or("");
                // Inside the [speech] table: name its keys.
                let in_speech = e.span().is_some_and(|sp| {
                    text[..sp.start.min(text.len())]
                        .lines()
                        .rfind(|l| l.trim_start().starts_with('['))
                        .is_some_and(|l| l.trim() == "[speech]")
                });
                let known = if in_speech {
                    format!("[speech] 里可用的配置项：{}", SPEECH_KEYS.join(", "))
                } else {
                    format!("可用的配置项：{}", KEYS.join(", "))
                };
                format!("{at}不认识的配置项 {key}，可能拼错了。{known}")
            } else {
                // Name the key on the line the error points at, so the technician knows what to fix.
                let key = e.span().and_then(|s| {
                    let start = text[..s.start.min(text.len())]
                        .rfind('\n')
                        .map_or(0, |i| i + 1);
                    let line = text[start..].lines().next().unwrap_or("");
                    line.split_once('=')
                        .map(|(k, _)| k.trim().trim_matches('"').to_string())
                        .filter(|k| KEYS.contains(&k.as_str()))
                });
                match key {
                    Some(k) => format!(
                        "{at}配置项 {k} 的值不对（{msg}）。请对照 README 里的配置示例改正。"
                    ),
                    None => format!("{at}{msg}。请对照 README 里的配置示例改正。"),
                }
            }
        })?;
        if let Some(r) = &config.region {
            if r.len() != 12 || !r.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("region = \"{r}\" 不对：要写本机所在县、乡镇或村的 12 位区划代码，例如 \"439021101201\"。"));
            }
        }
        for s in &config.server {
            if let Err(e) = crate::sync::Source::parse(s) {
                return Err(format!("server = \"{s}\" 不对：{e}。写 https://县服务器/banshi/ 这样的地址，或 U 盘上内容仓库的目录。"));
            }
        }
        if !config.server.is_empty() && config.trust_root.is_none() {
            return Err("配置了 server 但没有 trust_root：终端要用县里发的 root.json 核对内容签名，请写 trust_root = \"/etc/banshi/root.json\"。".into());
        }
        if let Some(h) = &config.technician_pin_hash {
            if !crate::pin::is_valid_hash(h) {
                return Err("technician_pin_hash 不对：这里要填 banshi pin-hash 生成的整串（以 pbkdf2-sha256$ 开头），不能直接写 PIN。".into());
            }
        }
        if Rotation::from_degrees(config.rotation).is_none() {
            return Err(format!(
                "rotation = {} 不对：只能写 0、90、180 或 270（屏幕顺时针转过的角度；竖放的横屏一般是 90 或 270）。",
                config.rotation
            ));
        }
        if Paper::from_mm(config.paper_width_mm).is_none() {
            return Err(format!(
                "paper_width_mm = {} 不对：只能写 58 或 80（打印机纸卷的宽度，毫米）。",
                config.paper_width_mm
            ));
        }
        if config.printer.as_ref().is_some_and(|p| !p.is_absolute()) {
            return Err("printer 要写打印机设备文件的完整路径，例如 \"/dev/usb/lp0\"。".into());
        }
        config.speech.check()?;
        config.check_hub()?;
        if config.sync_interval_secs < 60 {
            return Err(format!(
                "sync_interval_secs = {} 太短：至少 60 秒，建议 900（15 分钟）。",
                config.sync_interval_secs
            ));
        }
        if config.idle_timeout_secs < 15 {
            return Err(format!(
                "idle_timeout_secs = {} 太短：至少 15 秒，建议 90 秒以上，老人读一页需要时间。",
                config.idle_timeout_secs
            ));
        }
        Ok(config)
    }

    /// Finds the config to use: an explicit path, `$BANSHI_CONFIG`, the system file, the user's
    /// config directory; none of them means defaults.
    pub fn discover(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let candidates: Vec<PathBuf> = match explicit {
            Some(p) => vec![p.to_path_buf()],
            None => {
                let mut v = Vec::new();
                if let Some(p) = std::env::var_os("BANSHI_CONFIG") {
                    v.push(PathBuf::from(p));
                }
                v.push(PathBuf::from(SYSTEM_CONFIG));
                if let Some(d) = project_dirs() {
                    v.push(d.config_dir().join("kiosk.toml"));
                }
                v
            }
        };
        for (i, p) in candidates.iter().enumerate() {
            // An explicitly named file must exist; discovered ones are optional.
            if p.exists() || (explicit.is_some() && i == 0) {
                return Ok((Config::load(p)?, Some(p.clone())));
            }
        }
        Ok((Config::default(), None))
    }

    /// The hub keys: a real address, a kiosk id the county can tell apart, a sane interval.
    fn check_hub(&self) -> Result<(), String> {
        let Some(hub) = &self.hub else {
            if self.hub_ca.is_some() {
                return Err(
                    "写了 hub_ca 但没有 hub：hub_ca 是县里汇总服务证书的 CA，请同时写 hub = \"https://县里的汇总服务地址/\"。"
                        .into(),
                );
            }
            if self.enrol_code.is_some() {
                return Err(
                    "写了 enrol_code 但没有 hub：请同时写 hub = \"https://县里的汇总服务地址/\"。"
                        .into(),
                );
            }
            return Ok(());
        };
        let url = crate::uplink::hub_url(hub).map_err(|e| format!("hub = \"{hub}\" 不对：{e}"))?;
        if let Some(ca) = &self.hub_ca {
            if !ca.is_absolute() {
                return Err(format!(
                    "hub_ca = \"{}\" 要写完整路径，例如 \"/etc/banshi/hub-ca.pem\"。",
                    ca.display()
                ));
            }
            if url.scheme() != "https" {
                return Err(format!(
                    "写了 hub_ca，但 hub = \"{hub}\" 不是 https:// 地址：证书只用于 HTTPS。"
                ));
            }
        }
        if !crate::hub::wire::is_kiosk_id(&self.kiosk_id) {
            return Err(format!("kiosk_id = \"{}\" 不对：要上报到县里，终端编号只能用字母、数字和 - _ .（最多 64 个），例如 \"qinghe-hall-01\"。", self.kiosk_id));
        }
        if self.kiosk_id == Config::default().kiosk_id {
            return Err(format!("配置了 hub，但 kiosk_id 还是默认的 \"{}\"：县里靠它区分每台终端，请改成本机自己的编号，例如 \"qinghe-hall-01\"。", self.kiosk_id));
        }
        if let Some(code) = &self.enrol_code {
            if code.is_empty() || code.len() > 128 || !code.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(
                    "enrol_code 不对：照抄 banshi hub code 打印的那一串（不含空格）。".into(),
                );
            }
        }
        if self.hub_interval_secs < 60 {
            return Err(format!(
                "hub_interval_secs = {} 太短：至少 60 秒，建议 300（5 分钟）。",
                self.hub_interval_secs
            ));
        }
        Ok(())
    }

    pub fn hub_interval(&self) -> Duration {
        Duration::from_secs(self.hub_interval_secs)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }

    pub fn sync_interval(&self) -> Duration {
        Duration::from_secs(self.sync_interval_secs)
    }

    /// The configured rotation (checked when the config was read).
    pub fn rotation(&self) -> Rotation {
        Rotation::from_degrees(self.rotation).unwrap_or_default()
    }

    /// The configured paper (checked when the config was read).
    pub fn paper(&self) -> Paper {
        Paper::from_mm(self.paper_width_mm).unwrap_or(Paper::Mm80)
    }

    pub fn idle_warning(&self) -> Duration {
        Duration::from_secs(self.idle_warning_secs)
    }

    /// The handwriting model: configured, or Debian's.
    pub fn handwriting_model(&self) -> &Path {
        self.handwriting_model
            .as_deref()
            .unwrap_or(Path::new(crate::handwriting::MODEL_PATH))
    }

    /// The data directory: configured, or the user's data directory, or `./banshi-data`.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .or_else(|| project_dirs().map(|d| d.data_dir().to_path_buf()))
            .unwrap_or_else(|| PathBuf::from("banshi-data"))
    }
}

/// The data folder a config file implies when it names none: the packaged kiosk's for the
/// system config; otherwise the reader's own (see [`Config::data_dir`]).
fn default_data_dir_for(config_path: &Path) -> Option<PathBuf> {
    (config_path == Path::new(SYSTEM_CONFIG)).then(|| PathBuf::from(SYSTEM_DATA_DIR))
}

/// `server = "…"` or `server = ["…", "…"]`.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("cn", "banshi", "banshi")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_is_one_address_or_a_list_and_needs_a_trust_root() {
        let one = Config::parse(
            "server = \"https://a.example/banshi/\"\ntrust_root = \"/etc/banshi/root.json\"\n",
        )
        .unwrap();
        assert_eq!(one.server, vec!["https://a.example/banshi/"]);
        let two =
            Config::parse("server = [\"https://a/\", \"/media/usb\"]\ntrust_root = \"/r.json\"\n")
                .unwrap();
        assert_eq!(two.server.len(), 2);
        let e = Config::parse("server = \"https://a/\"\n").unwrap_err();
        assert!(e.contains("trust_root"), "{e}");
        let e =
            Config::parse("server = \"https://a/\"\ntrust_root = \"/r\"\nsync_interval_secs = 5\n")
                .unwrap_err();
        assert!(e.contains("sync_interval_secs"), "{e}");
    }

    #[test]
    fn the_pin_is_accepted_only_as_a_hash() {
        let h = crate::pin::hash("135790");
        let c = Config::parse(&format!("technician_pin_hash = \"{h}\"\n")).unwrap();
        assert!(crate::pin::verify(
            "135790",
            c.technician_pin_hash.as_deref().unwrap()
        ));
        let e = Config::parse("technician_pin_hash = \"135790\"\n").unwrap_err();
        assert!(
            e.contains("technician_pin_hash") && e.contains("pin-hash"),
            "{e}"
        );
    }

    #[test]
    fn rotation_takes_the_four_right_angles_and_names_them_when_wrong() {
        assert_eq!(
            Config::parse("rotation = 90\n").unwrap().rotation(),
            Rotation::R90
        );
        assert_eq!(Config::parse("").unwrap().rotation(), Rotation::R0);
        let e = Config::parse("rotation = 45\n").unwrap_err();
        assert!(
            e.contains("rotation = 45") && e.contains("0、90、180 或 270"),
            "{e}"
        );
        let e = Config::parse("kiosk_id = \"a\"\nrotation = \"left\"\n").unwrap_err();
        assert!(
            e.contains("第 2 行") && e.contains("配置项 rotation"),
            "{e}"
        );
    }

    #[test]
    fn the_system_config_without_data_dir_means_the_packaged_data_folder() {
        assert_eq!(
            default_data_dir_for(Path::new(SYSTEM_CONFIG)),
            Some(PathBuf::from(SYSTEM_DATA_DIR))
        );
        assert_eq!(
            default_data_dir_for(Path::new("/home/wang/kiosk.toml")),
            None
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kiosk.toml");
        std::fs::write(&file, "kiosk_id = \"a\"\n").unwrap();
        assert_eq!(
            Config::load(&file).unwrap().data_dir,
            None,
            "another file keeps the user's default"
        );
    }

    #[test]
    fn the_handwriting_model_is_debians_unless_configured() {
        assert_eq!(
            Config::default().handwriting_model(),
            Path::new("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model")
        );
        let c = Config::parse("handwriting_model = \"/opt/models/zh.model\"\n").unwrap();
        assert_eq!(c.handwriting_model(), Path::new("/opt/models/zh.model"));
    }

    #[test]
    fn speech_table_has_defaults_limits_and_named_keys() {
        let c = Config::parse("[speech]\nvolume = 60\nspeed = 120\n").unwrap();
        assert_eq!(
            (c.speech.volume, c.speech.speed, c.speech.enabled),
            (60, 120, true)
        );
        assert_eq!(c.speech.engine, "espeak-ng");
        let e = Config::parse("[speech]\nvolume = 150\n").unwrap_err();
        assert!(e.contains("volume = 150") && e.contains("0 到 100"), "{e}");
        let e = Config::parse("[speech]\nspeed = 20\n").unwrap_err();
        assert!(e.contains("speed = 20"), "{e}");
        let e = Config::parse("[speech]\nengine = \"command\"\n").unwrap_err();
        assert!(e.contains("command ="), "{e}");
        let e = Config::parse("[speech]\nengine = \"piper\"\n").unwrap_err();
        assert!(e.contains("espeak-ng"), "{e}");
        let e = Config::parse("kiosk_id = \"a\"\n[speech]\nvolum = 50\n").unwrap_err();
        assert!(
            e.contains("volum") && e.contains("[speech] 里可用的配置项") && e.contains("volume"),
            "{e}"
        );
        let c = Config::parse("[speech]\nengine = \"command\"\ncommand = \"piper --model {model} --output_file -\"\nmodel = \"/opt/voices/zh.onnx\"\n").unwrap();
        assert_eq!(
            c.speech.model.as_deref(),
            Some(Path::new("/opt/voices/zh.onnx"))
        );
    }

    #[test]
    fn empty_file_means_defaults() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn misspelt_key_is_named() {
        let e = Config::parse("idle_timeout = 90\n").unwrap_err();
        assert!(e.contains("idle_timeout"), "{e}");
        assert!(e.contains("idle_timeout_secs"), "lists the valid keys: {e}");
    }

    #[test]
    fn bad_region_and_short_timeout_say_what_to_write() {
        let e = Config::parse("region = \"4390\"\n").unwrap_err();
        assert!(e.contains("12 位"), "{e}");
        let e = Config::parse("idle_timeout_secs = 5\n").unwrap_err();
        assert!(e.contains("至少 15 秒"), "{e}");
    }

    #[test]
    fn printer_and_paper_width_say_what_to_write() {
        let c = Config::parse("printer = \"/dev/usb/lp0\"\npaper_width_mm = 58\n").unwrap();
        assert_eq!(c.printer.as_deref(), Some(Path::new("/dev/usb/lp0")));
        assert_eq!(c.paper(), Paper::Mm58);
        assert_eq!(Config::parse("").unwrap().paper(), Paper::Mm80);
        let e = Config::parse("paper_width_mm = 57\n").unwrap_err();
        assert!(
            e.contains("paper_width_mm = 57") && e.contains("58 或 80"),
            "{e}"
        );
        let e = Config::parse("printer = \"lp0\"\n").unwrap_err();
        assert!(e.contains("/dev/usb/lp0"), "{e}");
    }

    #[test]
    fn hub_ca_is_a_full_path_beside_an_https_hub() {
        let hub = "kiosk_id = \"village-01\"\nhub = \"https://hub.example/\"\n";
        let c = Config::parse(&format!("{hub}hub_ca = \"/etc/banshi/hub-ca.pem\"\n")).unwrap();
        assert_eq!(
            c.hub_ca.as_deref(),
            Some(Path::new("/etc/banshi/hub-ca.pem"))
        );
        let e = Config::parse(&format!("{hub}hub_ca = \"hub-ca.pem\"\n")).unwrap_err();
        assert!(e.contains("完整路径"), "{e}");
        let e = Config::parse("hub_ca = \"/etc/banshi/hub-ca.pem\"\n").unwrap_err();
        assert!(e.contains("没有 hub"), "{e}");
        let e = Config::parse(
            "kiosk_id = \"v\"\nhub = \"http://127.0.0.1:9/\"\nhub_ca = \"/ca.pem\"\n",
        )
        .unwrap_err();
        assert!(e.contains("https://"), "{e}");
    }
}
