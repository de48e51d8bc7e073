//! Where the sound goes: ALSA through `aplay` (alsa-utils; a process that is killed to stop at
//! once), or nowhere (`Silent`: takes as long as the audio would, for `bench`, the gallery and
//! machines without sound). And whether this machine can play sound at all.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::voice::find_program;
use super::wav::Wav;

pub trait Player: Send + Sync {
    /// Plays `wav` to its end, or until `stop` is set (then returns soon, within ~20 ms).
    fn play(&self, wav: &Wav, stop: &AtomicBool) -> Result<(), String>;
}

/// ALSA's `aplay`, fed the WAV on stdin.
pub struct Aplay {
    /// `aplay -D` device; None: ALSA's default.
    pub device: Option<String>,
}

impl Player for Aplay {
    fn play(&self, wav: &Wav, stop: &AtomicBool) -> Result<(), String> {
        let mut cmd = Command::new("aplay");
        cmd.arg("-q");
        if let Some(d) = &self.device {
            cmd.args(["-D", d]);
        }
        let mut child = cmd
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("无法启动 aplay：{e}（请安装 alsa-utils）"))?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let bytes = wav.to_bytes();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        });
        // A device that stalls must not hold the reading (and so the idle reset) for ever.
        let deadline = Instant::now() + wav.duration() + Duration::from_secs(10);
        let status = loop {
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let _ = writer.join();
                return Err("aplay 播放超时（声卡没有响应），已停止".into());
            }
            if stop.load(Ordering::Relaxed) {
                let _ = child.kill();
                let _ = child.wait();
                let _ = writer.join();
                return Ok(());
            }
            match child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => return Err(format!("aplay：{e}")),
            }
        };
        let _ = writer.join();
        if status.success() {
            Ok(())
        } else {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            Err(format!("aplay 出错（{status}）：{}", err.trim()))
        }
    }
}

/// Plays nothing, taking the audio's length times `pace` (0: at once).
pub struct Silent {
    pub pace: f64,
}

impl Player for Silent {
    fn play(&self, wav: &Wav, stop: &AtomicBool) -> Result<(), String> {
        let end = Instant::now() + wav.duration().mul_f64(self.pace);
        while Instant::now() < end {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(5).min(end - Instant::now()));
        }
        Ok(())
    }
}

/// Whether ALSA has a playback device this user may open; the reason (in Chinese) if not.
pub fn sound_output(root: &Path) -> Result<String, String> {
    let cards = std::fs::read_to_string(root.join("proc/asound/cards")).unwrap_or_default();
    let first_card = cards
        .lines()
        .find(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| l.trim().to_string());
    let Some(card) = first_card else {
        return Err("本机没有声卡（/proc/asound/cards 里没有声卡）：接上音箱所用的声卡或 USB 声卡后重启终端".into());
    };
    let pcms: Vec<_> = std::fs::read_dir(root.join("dev/snd"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().unwrap_or_default().to_string_lossy();
                    n.starts_with("pcmC") && n.ends_with('p')
                })
                .collect()
        })
        .unwrap_or_default();
    if pcms.is_empty() {
        return Err(format!("声卡 {card} 没有放音设备（/dev/snd/pcmC*D*p）"));
    }
    // Permission only: opening a PCM device another program holds would wait for it.
    let usable = pcms
        .iter()
        .any(|p| rustix::fs::access(p, rustix::fs::Access::WRITE_OK).is_ok());
    if !usable {
        return Err("没有权限打开声卡（/dev/snd）：终端用户要在 audio 组里（软件包会加入；手动：usermod -aG audio banshi）".into());
    }
    if find_program(Path::new("aplay")).is_none() {
        return Err("找不到 aplay：请安装 alsa-utils（软件包的依赖）".into());
    }
    Ok(card)
}
