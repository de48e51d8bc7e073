use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::speech::output::Player;
use crate::speech::voice::Voice;
use crate::speech::wav::Wav;
use crate::store::Store;

/// A voice that hums: 10 ms of tone per character, made in-process.
struct Hum;

impl Voice for Hum {
    fn synthesize(&self, text: &str) -> Result<Wav, String> {
        let n = text.chars().count() * 80;
        let samples = (0..n)
            .map(|i| if i % 16 < 8 { 4000 } else { -4000 })
            .collect();
        Ok(Wav {
            rate: 8000,
            channels: 1,
            samples,
        })
    }
    fn describe(&self) -> String {
        "hum".into()
    }
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// A player that sounds each segment until the test lets it finish (no sound card here).
struct Gate {
    next: Mutex<Receiver<()>>,
    started: Mutex<Sender<usize>>,
}

impl Player for Gate {
    fn play(&self, wav: &Wav, stop: &AtomicBool) -> Result<(), String> {
        let _ = self.started.lock().unwrap().send(wav.samples.len());
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            if self
                .next
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_millis(5))
                .is_ok()
            {
                return Ok(());
            }
        }
    }
}

fn gated() -> (Speech, Sender<()>, Receiver<usize>) {
    let (go, next) = channel();
    let (started, heard) = channel();
    let player = Gate {
        next: Mutex::new(next),
        started: Mutex::new(started),
    };
    (Speech::new(Arc::new(Hum), Arc::new(player), 100), go, heard)
}

fn wait_for(r: &mut ReadAloud, want: State) {
    let end = Instant::now() + Duration::from_secs(10);
    while r.poll() != want {
        assert!(
            Instant::now() < end,
            "still {:?}, waiting for {want:?}",
            r.state()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn sample_guide() -> GuideView {
    let store = Store::in_memory(&crate::sample::sample()).unwrap();
    let scope = store.scope(None).unwrap();
    let id = store.longest_item().unwrap().unwrap();
    store.guide(&scope, &id).unwrap().unwrap()
}

#[test]
fn a_guide_reads_in_display_order_and_leaves_nothing_shown_out() {
    let g = sample_guide();
    let segs = guide_segments(&g);
    assert!(
        segs.windows(2).all(|p| p[0].block <= p[1].block),
        "{segs:#?}"
    );
    assert_eq!(segs[0].text, g.name);
    let all: String = segs.iter().map(|s| s.text.as_str()).collect();
    for shown in [&g.summary, &g.place, &g.hours, &g.consult_phone, &g.result] {
        assert!(all.contains(shown.as_str()), "{shown} not read");
    }
    for m in g.materials.iter().flat_map(|grp| &grp.materials) {
        assert!(all.contains(&m.name), "material {} not read", m.name);
    }
    for s in &g.steps {
        assert!(all.contains(&s.name), "step {} not read", s.name);
    }
    assert!(!all.contains("http"), "addresses are not spelt out");
    // Each segment is short enough to sound soon.
    assert!(segs.iter().all(|s| s.text.chars().count() < 200));
}

#[test]
fn an_item_that_cannot_be_done_online_is_not_read_as_online() {
    let mut g = sample_guide();
    assert!(!g.online_url.is_empty());
    let all = |g: &GuideView| -> String { guide_segments(g).into_iter().map(|s| s.text).collect() };
    assert!(all(&g).contains("扫二维码在手机上办理"));
    g.online_url.clear();
    assert!(!all(&g).contains("扫二维码"), "no QR code to scan");
}

#[test]
fn a_notice_reads_title_facts_summary_then_paragraphs_in_order() {
    let n = NoticeView {
        title: "关于集中缴费的通知".into(),
        publisher: "青禾县医疗保障局".into(),
        doc_no: "青医保发〔2026〕9号".into(),
        published: "2026年11月20日".into(),
        summary: "缴费时间和标准。".into(),
        body: "一、缴费时间：11月20日起。请按时缴纳。\n\n二、缴费标准：每人400元。".into(),
        ..Default::default()
    };
    let segs = notice_segments(&n);
    let blocks: Vec<i32> = segs.iter().map(|s| s.block).collect();
    assert_eq!(blocks, [0, 1, 1, 1, 2, 3, 3, 4]);
    assert_eq!(segs[6].text, "请按时缴纳。");
}

#[test]
fn reading_pauses_continues_from_the_segment_start_and_stops() {
    let (speech, go, heard) = gated();
    let mut r = ReadAloud::new(Ok(speech));
    let segs: Vec<Segment> = ["一二三", "四五六七", "八九"]
        .iter()
        .enumerate()
        .map(|(i, t)| Segment {
            block: i as i32 * 2,
            text: t.to_string(),
        })
        .collect();
    r.start(segs);
    assert_eq!(r.state(), State::Reading(0));
    assert_eq!(r.block(), Some(0));
    heard.recv_timeout(Duration::from_secs(10)).unwrap();
    go.send(()).unwrap();
    wait_for(&mut r, State::Reading(1));
    assert_eq!(r.block(), Some(2));
    let first = heard.recv_timeout(Duration::from_secs(10)).unwrap();
    r.pause();
    assert_eq!(r.state(), State::Paused(1));
    assert_eq!(r.block(), Some(2), "the paused part stays highlighted");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(r.poll(), State::Paused(1));
    r.resume();
    // The paused segment sounds again from its beginning, whole.
    assert_eq!(heard.recv_timeout(Duration::from_secs(10)).unwrap(), first);
    assert_eq!(r.poll(), State::Reading(1));
    go.send(()).unwrap();
    wait_for(&mut r, State::Reading(2));
    go.send(()).unwrap();
    wait_for(&mut r, State::Idle);
    assert_eq!(r.block(), None);

    r.start(vec![Segment {
        block: 0,
        text: "再来".into(),
    }]);
    assert_eq!(r.state(), State::Reading(0));
    r.stop();
    assert_eq!((r.state(), r.block()), (State::Idle, None));
}

#[test]
fn without_sound_nothing_starts_and_the_reason_is_kept() {
    let mut r = ReadAloud::new(Err("本机没有声卡".into()));
    assert!(!r.available());
    assert_eq!(r.unavailable_reason(), Some("本机没有声卡"));
    r.start(vec![Segment {
        block: 0,
        text: "一".into(),
    }]);
    assert_eq!(r.state(), State::Idle);
}

#[test]
fn a_failing_voice_ends_the_reading_with_its_error() {
    struct Broken;
    impl Voice for Broken {
        fn synthesize(&self, _: &str) -> Result<Wav, String> {
            Err("语音程序出错".into())
        }
        fn describe(&self) -> String {
            String::new()
        }
        fn check(&self) -> Result<(), String> {
            Ok(())
        }
    }
    let speech = Speech::new(
        Arc::new(Broken),
        Arc::new(crate::speech::output::Silent { pace: 0.0 }),
        100,
    );
    let mut r = ReadAloud::new(Ok(speech));
    r.start(vec![Segment {
        block: 0,
        text: "一".into(),
    }]);
    wait_for(&mut r, State::Idle);
    assert_eq!(r.take_error().as_deref(), Some("语音程序出错"));
}
