//! One reading: segments synthesised one after another on one thread and played on another, so
//! the first sentence sounds while the rest is still being made (the first sound waits only for
//! the first segment). At most two segments wait ready ahead of the one playing. Stopping sets a
//! flag both threads check; the player stops within ~20 ms (aplay is killed), nothing is joined,
//! so the UI never waits for a voice.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::wav::Wav;
use super::Speech;

/// A short pause between segments, as between sentences.
pub const GAP: Duration = Duration::from_millis(250);

/// What the threads tell whoever watches the reading.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// The segment now sounding (index into the texts given to `start`).
    pub playing: Option<usize>,
    /// Every segment that started sounding, in order.
    pub played: Vec<usize>,
    /// The end was reached (or an error ended it).
    pub done: bool,
    pub error: Option<String>,
    /// From `start` to the first segment handed to the player.
    pub first_sound: Option<Duration>,
}

/// A reading in progress; dropping it does not stop it, `stop` does.
pub struct Reading {
    stop: Arc<AtomicBool>,
    progress: Arc<Mutex<Progress>>,
}

impl Reading {
    /// Reads `texts[from..]` (as shown: normalised here, on the synthesis thread).
    pub fn start(speech: &Speech, texts: Vec<String>, from: usize) -> Reading {
        let stop = Arc::new(AtomicBool::new(false));
        let progress = Arc::new(Mutex::new(Progress::default()));
        let started = Instant::now();
        let (tx, rx) = sync_channel::<(usize, Result<Wav, String>)>(1);
        let (voice, volume) = (speech.voice.clone(), speech.volume);
        let halt = stop.clone();
        std::thread::spawn(move || {
            for (i, text) in texts.iter().enumerate().skip(from) {
                if halt.load(Ordering::Relaxed) {
                    return;
                }
                let said = super::normalize::for_speech(text);
                let wav = voice.synthesize(&said).map(|mut w| {
                    w.scale(volume);
                    w
                });
                let failed = wav.is_err();
                if tx.send((i, wav)).is_err() || failed {
                    return;
                }
            }
        });
        let (player, halt, shared) = (speech.player.clone(), stop.clone(), progress.clone());
        std::thread::spawn(move || {
            let set = |f: &dyn Fn(&mut Progress)| {
                if let Ok(mut p) = shared.lock() {
                    f(&mut p);
                }
            };
            for (i, wav) in rx {
                if halt.load(Ordering::Relaxed) {
                    return;
                }
                let mut wav = match wav {
                    Ok(w) => w,
                    Err(e) => {
                        set(&|p| {
                            p.error = Some(e.clone());
                            p.done = true;
                        });
                        return;
                    }
                };
                set(&|p| {
                    p.playing = Some(i);
                    p.played.push(i);
                    p.first_sound.get_or_insert(started.elapsed());
                });
                let gap = Wav::silence(wav.rate, wav.channels, GAP);
                let _ = wav.append(&gap);
                if let Err(e) = player.play(&wav, &halt) {
                    set(&|p| {
                        p.error = Some(e.clone());
                        p.done = true;
                    });
                    return;
                }
            }
            if !halt.load(Ordering::Relaxed) {
                set(&|p| {
                    p.playing = None;
                    p.done = true;
                });
            }
        });
        Reading { stop, progress }
    }

    pub fn progress(&self) -> Progress {
        self.progress.lock().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The whole of `texts` as one WAV, as the kiosk would play it (`banshi speak --out`).
pub fn render(speech: &Speech, texts: &[String]) -> Result<Wav, String> {
    let mut out: Option<Wav> = None;
    for text in texts {
        let mut wav = speech
            .voice
            .synthesize(&super::normalize::for_speech(text))?;
        wav.scale(speech.volume);
        let gap = Wav::silence(wav.rate, wav.channels, GAP);
        wav.append(&gap)?;
        match &mut out {
            None => out = Some(wav),
            Some(o) => o.append(&wav)?,
        }
    }
    out.ok_or_else(|| "没有可以朗读的文字".to_string())
}
