//! Read-aloud (朗读, issue 15): what a guide or notice shows → what a voice says, and the sound.
//!
//! - `normalize`: text as shown → text as said (numbers, money, dates, symbols).
//! - `voice`: the engine behind the `Voice` trait — espeak-ng's Mandarin voice, or a county's
//!   own offline voice as a command (`[speech] engine = "command"` in `kiosk.toml`).
//! - `output`: the `Player` (ALSA's `aplay`, or `Silent`) and whether the machine has sound.
//! - `reader`: one reading, synthesising the next segment while the current one plays.
//! - `wav`: 16-bit PCM in memory; volume is applied here for every engine.
//!
//! Which segments a guide or notice has, in display order, and the reading's states (idle,
//! reading, paused) are `kiosk::read_aloud`'s; nothing here knows the UI.

pub mod normalize;
pub mod output;
pub mod reader;
pub mod voice;
pub mod wav;

use std::path::Path;
use std::sync::Arc;

use crate::config::SpeechConfig;
use output::{Aplay, Player};
use voice::Voice;

/// A voice, where its sound goes, and how loud.
#[derive(Clone)]
pub struct Speech {
    pub voice: Arc<dyn Voice>,
    pub player: Arc<dyn Player>,
    /// Percent of the voice's own loudness.
    pub volume: u32,
}

impl Speech {
    pub fn new(voice: Arc<dyn Voice>, player: Arc<dyn Player>, volume: u32) -> Speech {
        Speech {
            voice,
            player,
            volume,
        }
    }

    /// The configured voice playing through ALSA; `Err` says (in Chinese) why the kiosk cannot
    /// read aloud here: switched off, no engine, no sound card, no permission.
    pub fn for_kiosk(config: &SpeechConfig) -> Result<Speech, String> {
        if !config.enabled {
            return Err("已在 kiosk.toml 关闭（[speech] enabled = false）".into());
        }
        let voice = voice::from_config(config);
        voice.check()?;
        output::sound_output(Path::new("/"))?;
        let player = Aplay {
            device: config.device.clone(),
        };
        Ok(Speech::new(
            Arc::from(voice),
            Arc::new(player),
            config.volume,
        ))
    }

    /// The configured voice with no sound output (`banshi speak --out`, benchmarks).
    pub fn for_rendering(config: &SpeechConfig) -> Result<Speech, String> {
        let voice = voice::from_config(config);
        voice.check()?;
        Ok(Speech::new(
            Arc::from(voice),
            Arc::new(output::Silent { pace: 0.0 }),
            config.volume,
        ))
    }
}
