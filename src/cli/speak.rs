//! `banshi speak`: the audio the kiosk's 朗读 button would play for a guide or notice — played
//! through the sound card, or written to a WAV file (`--out`, for technicians and tests; needs
//! no sound card). `--show` prints each segment as shown and as said.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::{anyhow, Context};
use clap::{ArgGroup, Args};

use super::{config, open_store, ContentArgs};
use crate::kiosk::read_aloud::{guide_segments, notice_segments};
use crate::speech::{normalize, reader, Speech};

#[derive(Args)]
#[command(group(ArgGroup::new("what").required(true).args(["guide", "notice", "text"])))]
pub struct SpeakArgs {
    /// A guide's id.
    #[arg(long)]
    pub guide: Option<String>,
    /// A notice's id.
    #[arg(long)]
    pub notice: Option<String>,
    /// Any text (as shown; it is normalised like a guide's).
    #[arg(long)]
    pub text: Option<String>,
    /// Write the audio to this WAV file instead of playing it.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print every segment: its screen block, the text shown and the text said.
    #[arg(long)]
    pub show: bool,
    #[command(flatten)]
    pub content: ContentArgs,
}

pub fn speak(args: &SpeakArgs) -> anyhow::Result<()> {
    let config = config(&args.content)?;
    let segments = if let Some(text) = &args.text {
        vec![crate::kiosk::read_aloud::Segment {
            block: 0,
            text: text.clone(),
        }]
    } else {
        let store = open_store(&args.content, &config)?;
        let scope = store.scope(config.region.as_deref())?;
        if let Some(id) = &args.guide {
            let g = store
                .guide(&scope, id)?
                .ok_or_else(|| anyhow!("没有这项办事指南：{id}"))?;
            guide_segments(&g)
        } else {
            let id = args.notice.as_deref().unwrap_or_default();
            let n = store
                .notice(id)?
                .ok_or_else(|| anyhow!("没有这条公告：{id}"))?;
            notice_segments(&n)
        }
    };
    if args.show {
        for s in &segments {
            println!(
                "[{}] {}\n    → {}",
                s.block,
                s.text,
                normalize::for_speech(&s.text)
            );
        }
    }
    let texts: Vec<String> = segments.into_iter().map(|s| s.text).collect();
    let speech = match &args.out {
        Some(_) => Speech::for_rendering(&config.speech),
        None => Speech::for_kiosk(&config.speech),
    }
    .map_err(|e| anyhow!("不能朗读：{e}"))?;
    let wav = reader::render(&speech, &texts).map_err(|e| anyhow!(e))?;
    match &args.out {
        Some(out) => {
            std::fs::write(out, wav.to_bytes())
                .with_context(|| format!("无法写入 {}", out.display()))?;
            println!(
                "已生成朗读音频：{} 段，{:.1} 秒，{} Hz → {}",
                texts.len(),
                wav.duration().as_secs_f64(),
                wav.rate,
                out.display()
            );
        }
        None => speech
            .player
            .play(&wav, &AtomicBool::new(false))
            .map_err(|e| anyhow!(e))?,
    }
    Ok(())
}
