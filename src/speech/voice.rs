//! Voices: text (already normalised for speech) → WAV. espeak-ng's Mandarin voice by default; a
//! county may plug in a better offline voice as a command (Piper-style: text on standard input,
//! WAV on standard output, `{model}` and `{speed}` filled in from `kiosk.toml`).
//!
//! Both run as a separate process rather than linking libespeak-ng: the GPL-3 engine stays in
//! its own program (Banshi is not a derivative work), nothing is needed at build time (no -dev
//! headers), and an engine that hangs is killed after `ENGINE_TIMEOUT` instead of hanging the
//! kiosk. Its cost is a process start per segment, measured by `banshi bench` (about 10–20 ms for
//! espeak-ng, small next to the ≤ 300 ms target for the first sound).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::wav::Wav;
use crate::config::SpeechConfig;

/// Longer than any segment takes; a voice that has not finished by then is killed.
pub const ENGINE_TIMEOUT: Duration = Duration::from_secs(30);

/// Speed at 100 %: espeak-ng counts a Mandarin syllable as a word, and its default (175) is
/// slower than a clerk speaks (about 240 syllables a minute).
const ESPEAK_WPM: u32 = 240;

pub trait Voice: Send + Sync {
    /// Synthesises `text` (as said: see `normalize::for_speech`).
    fn synthesize(&self, text: &str) -> Result<Wav, String>;
    /// What the technician screen and `doctor` name ("espeak-ng 普通话（cmn）").
    fn describe(&self) -> String;
    /// Why this voice cannot work here (program or model missing), checked before use.
    fn check(&self) -> Result<(), String>;
}

/// espeak-ng's Mandarin voice, through its command line.
pub struct Espeak {
    pub program: PathBuf,
    pub speed: u32,
}

impl Voice for Espeak {
    fn synthesize(&self, text: &str) -> Result<Wav, String> {
        let wpm = (ESPEAK_WPM * self.speed / 100).clamp(80, 450).to_string();
        // -b 1: the text is UTF-8 whatever the locale (a service often runs with LANG=C).
        let args = ["-v", "cmn", "-b", "1", "-s", &wpm, "--stdout", "--stdin"];
        run(&self.program, &args, text)
    }

    fn describe(&self) -> String {
        format!("espeak-ng 普通话（cmn），语速 {}%", self.speed)
    }

    fn check(&self) -> Result<(), String> {
        find_program(&self.program)
            .map(|_| ())
            .ok_or_else(|| "找不到 espeak-ng：请安装 espeak-ng（软件包的依赖）".to_string())
    }
}

/// A county's own voice: a command line run per segment, text on stdin, WAV on stdout.
pub struct CommandVoice {
    /// Program and arguments, `{model}` and `{speed}` already filled in.
    pub argv: Vec<String>,
    pub model: Option<PathBuf>,
}

impl CommandVoice {
    /// Splits the template at spaces (paths with spaces: use a small wrapper script).
    pub fn new(template: &str, model: Option<&Path>, speed: u32) -> CommandVoice {
        let model_text = model.map(|m| m.display().to_string()).unwrap_or_default();
        // Piper-style length scale: 1.0 normal, larger = slower.
        let length_scale = format!("{:.2}", 100.0 / f64::from(speed.max(1)));
        let argv = template
            .split_whitespace()
            .map(|a| {
                a.replace("{model}", &model_text)
                    .replace("{speed}", &speed.to_string())
                    .replace("{length_scale}", &length_scale)
            })
            .collect();
        CommandVoice {
            argv,
            model: model.map(Path::to_path_buf),
        }
    }
}

impl Voice for CommandVoice {
    fn synthesize(&self, text: &str) -> Result<Wav, String> {
        let (program, args) = self.argv.split_first().ok_or("speech.command 是空的")?;
        run(Path::new(program), args, text)
    }

    fn describe(&self) -> String {
        match &self.model {
            Some(m) => format!("本县语音 {}（模型 {}）", self.argv[0], m.display()),
            None => format!("本县语音 {}", self.argv.first().map_or("", |s| s)),
        }
    }

    fn check(&self) -> Result<(), String> {
        let program = self.argv.first().ok_or("speech.command 是空的")?;
        if find_program(Path::new(program)).is_none() {
            return Err(format!(
                "找不到语音程序 {program}：检查 kiosk.toml 的 speech.command"
            ));
        }
        if let Some(m) = &self.model {
            if !m.exists() {
                return Err(format!(
                    "找不到语音模型 {}：检查 kiosk.toml 的 speech.model",
                    m.display()
                ));
            }
        }
        Ok(())
    }
}

/// The voice `kiosk.toml` asks for.
pub fn from_config(c: &SpeechConfig) -> Box<dyn Voice> {
    match c.engine.as_str() {
        "command" => Box::new(CommandVoice::new(
            c.command.as_deref().unwrap_or(""),
            c.model.as_deref(),
            c.speed,
        )),
        _ => Box::new(Espeak {
            program: PathBuf::from("espeak-ng"),
            speed: c.speed,
        }),
    }
}

/// `program` as given when it has a slash, else found on `PATH`.
pub fn find_program(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Runs an engine: `text` on stdin, WAV from stdout; killed after `ENGINE_TIMEOUT`.
fn run<S: AsRef<std::ffi::OsStr>>(program: &Path, args: &[S], text: &str) -> Result<Wav, String> {
    let name = program.display().to_string();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("无法启动语音程序 {name}：{e}"))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let text = text.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(text.as_bytes());
        // Dropping stdin ends the text.
    });
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        out
    });
    let mut stderr = child.stderr.take().expect("piped stderr");
    let errors = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stderr.read_to_string(&mut out);
        out
    });
    let deadline = Instant::now() + ENGINE_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "语音程序 {name} 超过 {} 秒没有完成，已停止",
                    ENGINE_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("语音程序 {name}：{e}")),
        }
    };
    let _ = writer.join();
    let bytes = reader.join().unwrap_or_default();
    let errors = errors.join().unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "语音程序 {name} 出错（{status}）：{}",
            errors.trim()
        ));
    }
    Wav::parse(&bytes).map_err(|e| format!("语音程序 {name} 的输出：{e}"))
}
