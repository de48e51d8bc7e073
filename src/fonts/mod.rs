//! Makes sure the font system always finds a font.
//!
//! The UI embeds its Chinese fonts, but Slint's font library (fontique) also asks fontconfig
//! for the system's fonts and panics when fontconfig finds none at all — as on a minimal kiosk
//! image with no font package. Before the UI starts, Banshi therefore writes a tiny font of its
//! own and a fontconfig file that includes the system's configuration plus that font, and points
//! `FONTCONFIG_FILE` at it. System fonts still serve as fallback for rare characters.

pub mod glyphs;

use std::path::{Path, PathBuf};

/// 15 KB, Latin only, under its own family name so it never shadows the embedded UI font.
const FALLBACK_FONT: &[u8] = include_bytes!("../../assets/fonts/banshi-fallback.otf");

/// Prepares `dir/fonts.conf` and sets `FONTCONFIG_FILE`. Must run before any Slint window or
/// platform is created and before other threads start. Failure is reported, not fatal: with
/// system fonts present the kiosk still works.
pub fn ensure_fontconfig(dir: &Path) -> std::io::Result<PathBuf> {
    let fonts = dir.join("fonts");
    std::fs::create_dir_all(&fonts)?;
    let font = fonts.join("banshi-fallback.otf");
    if std::fs::read(&font)
        .map(|b| b != FALLBACK_FONT)
        .unwrap_or(true)
    {
        write_atomically(&font, FALLBACK_FONT)?;
    }
    let base = std::env::var_os("BANSHI_SYSTEM_FONTCONFIG")
        .or_else(|| std::env::var_os("FONTCONFIG_FILE"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/etc/fonts/fonts.conf"));
    let conf = dir.join("fonts.conf");
    let text = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<!-- Written by banshi: the system's fonts plus one of Banshi's own. -->\n<fontconfig>\n  <include ignore_missing=\"yes\">{}</include>\n  <dir>{}</dir>\n  <cachedir>{}</cachedir>\n</fontconfig>\n",
        xml_escape(&base.display().to_string()),
        xml_escape(&fonts.display().to_string()),
        xml_escape(&dir.join("fontconfig-cache").display().to_string()),
    );
    if std::fs::read_to_string(&conf)
        .map(|t| t != text)
        .unwrap_or(true)
    {
        write_atomically(&conf, text.as_bytes())?;
    }
    // Children (bench) must see the same base, not our file, as "the system's".
    std::env::set_var("BANSHI_SYSTEM_FONTCONFIG", &base);
    std::env::set_var("FONTCONFIG_FILE", &conf);
    Ok(conf)
}

/// Writes atomically (a random temporary name, so kiosks, screenshots and benchmarks starting
/// at once never see a half-written file). No fsync: the file is checked and rewritten at every
/// start, before any window.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::atomic::write(path, bytes, 0o644, crate::atomic::Durability::Deferred)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
