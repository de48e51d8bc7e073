//! 16-bit PCM WAV in memory: what every voice writes and every player takes. Parsing accepts
//! what espeak-ng writes to a pipe (sizes 0x7fffffff: the data runs to the end) and files with
//! extra chunks (Piper, sox); volume is applied here, so it works the same for every engine.

use std::time::Duration;

/// Mono or interleaved 16-bit samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Wav {
    pub rate: u32,
    pub channels: u16,
    pub samples: Vec<i16>,
}

impl Wav {
    pub fn silence(rate: u32, channels: u16, length: Duration) -> Wav {
        let n = (length.as_secs_f64() * f64::from(rate)) as usize * usize::from(channels);
        Wav {
            rate,
            channels,
            samples: vec![0; n],
        }
    }

    /// Reads a RIFF/WAVE file holding 16-bit PCM.
    pub fn parse(bytes: &[u8]) -> Result<Wav, String> {
        if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
            return Err("不是 WAV 音频（没有 RIFF/WAVE 头）".into());
        }
        let u16_at = |p: usize| u16::from_le_bytes([bytes[p], bytes[p + 1]]);
        let u32_at =
            |p: usize| u32::from_le_bytes([bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3]]);
        let mut at = 12;
        let mut format = None;
        while at + 8 <= bytes.len() {
            let id = &bytes[at..at + 4];
            let size = u32_at(at + 4) as usize;
            let body = at + 8;
            if id == b"fmt " {
                if body + 16 > bytes.len() {
                    return Err("WAV 格式块不完整".into());
                }
                format = Some((
                    u16_at(body),
                    u16_at(body + 2),
                    u32_at(body + 4),
                    u16_at(body + 14),
                ));
            } else if id == b"data" {
                let Some((tag, channels, rate, bits)) = format else {
                    return Err("WAV 数据在格式块之前".into());
                };
                // 1 = PCM; 0xFFFE = WAVE_FORMAT_EXTENSIBLE (still PCM at 16 bits here).
                if !(tag == 1 || tag == 0xFFFE) || bits != 16 || channels == 0 || rate == 0 {
                    return Err(format!(
                        "只支持 16 位 PCM 的 WAV（这个是格式 {tag}、{bits} 位、{channels} 声道）"
                    ));
                }
                // A stream written to a pipe cannot know its length: up to the end.
                let end = body.saturating_add(size).min(bytes.len());
                let samples = bytes[body..end]
                    .chunks_exact(2)
                    .map(|c| i16::from_le_bytes([c[0], c[1]]))
                    .collect();
                return Ok(Wav {
                    rate,
                    channels,
                    samples,
                });
            }
            at = body.saturating_add(size + (size & 1));
        }
        Err("WAV 里没有音频数据".into())
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let data = (self.samples.len() * 2) as u32;
        let mut out = Vec::with_capacity(44 + data as usize);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&self.channels.to_le_bytes());
        out.extend_from_slice(&self.rate.to_le_bytes());
        let block = u32::from(self.channels) * 2;
        out.extend_from_slice(&(self.rate * block).to_le_bytes());
        out.extend_from_slice(&(block as u16).to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data.to_le_bytes());
        for s in &self.samples {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out
    }

    pub fn duration(&self) -> Duration {
        let frames = self.samples.len() / usize::from(self.channels.max(1));
        Duration::from_secs_f64(frames as f64 / f64::from(self.rate.max(1)))
    }

    /// Root mean square of the samples, 0 … 32768 (silence is 0).
    pub fn rms(&self) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        let sum: f64 = self.samples.iter().map(|&s| f64::from(s).powi(2)).sum();
        (sum / self.samples.len() as f64).sqrt()
    }

    /// Volume in percent (100 = as the voice made it), clipped rather than wrapped.
    pub fn scale(&mut self, percent: u32) {
        if percent == 100 {
            return;
        }
        let k = f64::from(percent) / 100.0;
        for s in &mut self.samples {
            *s = (f64::from(*s) * k).round().clamp(-32768.0, 32767.0) as i16;
        }
    }

    /// Appends `other` (same rate and channels: one voice's segments).
    pub fn append(&mut self, other: &Wav) -> Result<(), String> {
        if other.rate != self.rate || other.channels != self.channels {
            return Err(format!(
                "音频格式不一致：{} Hz {} 声道 与 {} Hz {} 声道",
                self.rate, self.channels, other.rate, other.channels
            ));
        }
        self.samples.extend_from_slice(&other.samples);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_pipe_sizes() {
        let w = Wav {
            rate: 22050,
            channels: 1,
            samples: vec![0, 1000, -1000, 32767, -32768],
        };
        let bytes = w.to_bytes();
        assert_eq!(Wav::parse(&bytes).unwrap(), w);
        // As espeak-ng writes to a pipe: unknown lengths.
        let mut piped = bytes.clone();
        piped[4..8].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        piped[40..44].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        assert_eq!(Wav::parse(&piped).unwrap(), w);
        assert!(Wav::parse(b"RIFF....WAVEjunk").is_err());
        assert!(Wav::parse(b"hello").is_err());
    }

    #[test]
    fn volume_scales_and_clips() {
        let mut w = Wav {
            rate: 8000,
            channels: 1,
            samples: vec![1000, -1000, 30000],
        };
        let loud = w.rms();
        w.scale(50);
        assert_eq!(w.samples, vec![500, -500, 15000]);
        assert!(w.rms() < loud);
        w.scale(300);
        assert_eq!(w.samples[2], 32767);
        assert_eq!(
            Wav::silence(8000, 1, Duration::from_millis(500))
                .samples
                .len(),
            4000
        );
    }
}
