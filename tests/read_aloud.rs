//! 朗读 on the real UI, headless (Slint's testing backend, mocked time): the button, the
//! highlighted block following the reading in display order and kept in view, pause / continue
//! / stop, the reading ended by Back, Home and the idle reset but not by other touches, and no
//! button without sound. The voice is a real program (`tests/common/voice.rs`, run as a
//! county's own voice would be); the player stands in for a sound card (none in CI) and lets
//! each segment end when the test says.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use i_slint_backend_testing::{mock_elapsed_time, ElementHandle};
use slint::platform::PointerEventButton;
use slint::ComponentHandle;

use banshi::config::Config;
use banshi::kiosk::nav::Route;
use banshi::kiosk::read_aloud::{guide_segments, notice_segments};
use banshi::speech::output::Player;
use banshi::speech::voice::{CommandVoice, Voice};
use banshi::speech::wav::Wav;
use banshi::speech::Speech;
use banshi::store::Store;
use banshi::ui::{KioskUi, Page, ReadAloud, ReadState, Shell};

thread_local! {
    static BACKEND: () = i_slint_backend_testing::init_no_event_loop();
}

/// Sounds each segment until the test lets it end (or the reading is stopped).
struct Gate {
    next: Mutex<Receiver<()>>,
    started: Mutex<Sender<usize>>,
    stopped: Arc<AtomicBool>,
}

impl Player for Gate {
    fn play(&self, wav: &Wav, stop: &AtomicBool) -> Result<(), String> {
        let _ = self.started.lock().unwrap().send(wav.samples.len());
        loop {
            if stop.load(Ordering::Relaxed) {
                self.stopped.store(true, Ordering::Relaxed);
                return Ok(());
            }
            if self
                .next
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_millis(2))
                .is_ok()
            {
                return Ok(());
            }
        }
    }
}

struct Kiosk {
    ui: KioskUi,
    /// Lets the segment sounding end.
    go: Sender<()>,
    /// A segment started sounding (its length in samples).
    heard: Receiver<usize>,
    stopped: Arc<AtomicBool>,
    _dir: tempfile::TempDir,
}

fn kiosk(config: Config, width: f32, height: f32) -> Kiosk {
    BACKEND.with(|_| ());
    let dir = tempfile::tempdir().unwrap();
    let mut config = config;
    config.data_dir = Some(dir.path().to_path_buf());
    let store = Store::in_memory(&banshi::sample::sample()).unwrap();
    let ui = KioskUi::new(store, config).unwrap();
    ui.window
        .window()
        .set_size(slint::LogicalSize::new(width, height));
    ui.window.show().unwrap();
    let (template, model) = common::voice::install(dir.path());
    let voice = CommandVoice::new(&template, Some(&model), 100);
    voice.check().unwrap();
    let (go, next) = channel();
    let (started, heard) = channel();
    let stopped = Arc::new(AtomicBool::new(false));
    let player = Gate {
        next: Mutex::new(next),
        started: Mutex::new(started),
        stopped: stopped.clone(),
    };
    ui.set_speech(Ok(Speech::new(Arc::new(voice), Arc::new(player), 80)));
    Kiosk {
        ui,
        go,
        heard,
        stopped,
        _dir: dir,
    }
}

fn read(k: &Kiosk) -> ReadAloud<'_> {
    k.ui.window.global::<ReadAloud>()
}

fn tap(ui: &KioskUi, label: &str) {
    ElementHandle::find_by_accessible_label(&ui.window, label)
        .next()
        .unwrap_or_else(|| panic!("no element labelled “{label}” on screen"))
        .mock_single_click(PointerEventButton::Left);
}

fn shown(ui: &KioskUi, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(&ui.window, label)
        .next()
        .is_some()
}

/// Lets the UI's timers run (mocked time) until `done`, for at most 10 s of real time.
fn until(k: &Kiosk, what: &str, done: impl Fn(&Kiosk) -> bool) {
    let end = Instant::now() + Duration::from_secs(10);
    while !done(k) {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        mock_elapsed_time(Duration::from_millis(50));
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn longest_guide(ui: &KioskUi) -> String {
    ui.with_store(|s, _| s.longest_item().unwrap().unwrap())
}

/// Where the title of the guide's materials section is on screen (Slint's element search finds
/// only what is inside the scrolled area's view).
fn materials_title_top(ui: &KioskUi) -> f32 {
    ElementHandle::find_by_accessible_label(&ui.window, "要带的材料")
        .next()
        .expect("the materials section title in view")
        .absolute_position()
        .y
}

#[test]
fn a_guide_is_read_block_by_block_in_display_order_and_kept_in_view() {
    let k = kiosk(Config::default(), 1920.0, 1080.0);
    let id = longest_guide(&k.ui);
    k.ui.open(Route::Guide(id.clone()));
    assert!(read(&k).get_available());
    assert_eq!(read(&k).get_state(), ReadState::Idle);
    assert_eq!(read(&k).get_block(), -1);
    // The materials section starts low on the screen and runs far below it.
    let before = materials_title_top(&k.ui);
    assert!(before > 700.0, "{before}");

    tap(&k.ui, "朗读");
    assert_eq!(read(&k).get_state(), ReadState::Reading);
    assert!(shown(&k.ui, "暂停") && shown(&k.ui, "停止") && !shown(&k.ui, "朗读"));

    let guide =
        k.ui.with_store(|s, scope| s.guide(scope, &id).unwrap().unwrap());
    let segments = guide_segments(&guide);
    let mut seen = vec![read(&k).get_block()];
    let mut in_view_at_materials = None;
    for segment in &segments {
        k.heard.recv_timeout(Duration::from_secs(10)).unwrap();
        until(&k, "the screen to follow", |k| {
            read(k).get_block() == segment.block
        });
        if seen.last() != Some(&segment.block) {
            seen.push(segment.block);
        }
        if segment.block == 4 && in_view_at_materials.is_none() {
            in_view_at_materials = Some(materials_title_top(&k.ui));
        }
        k.go.send(()).unwrap();
    }
    until(&k, "the end", |k| read(k).get_state() == ReadState::Idle);
    assert_eq!(read(&k).get_block(), -1, "nothing highlighted at the end");
    let mut want: Vec<i32> = segments.iter().map(|s| s.block).collect();
    want.dedup();
    assert_eq!(seen, want, "blocks highlighted in display order");
    assert!(want.len() >= 9, "{want:?}");
    // Reading it scrolled it up so it shows from its top (header and status line above).
    let y = in_view_at_materials.expect("the materials block was read");
    assert!(
        (100.0..300.0).contains(&y),
        "the block being read scrolled into view: top at {y}, was {before}"
    );
    assert!(shown(&k.ui, "朗读"), "the button is back");
}

#[test]
fn pause_continues_the_same_part_from_its_start_and_stop_ends_it() {
    let k = kiosk(Config::default(), 1080.0, 1920.0);
    k.ui.open(Route::Guide(longest_guide(&k.ui)));
    tap(&k.ui, "朗读");
    k.heard.recv_timeout(Duration::from_secs(10)).unwrap();
    k.go.send(()).unwrap();
    let second = k.heard.recv_timeout(Duration::from_secs(10)).unwrap();
    until(&k, "the second part", |_| true);
    let block = read(&k).get_block();

    tap(&k.ui, "暂停");
    assert_eq!(read(&k).get_state(), ReadState::Paused);
    assert_eq!(
        read(&k).get_block(),
        block,
        "the paused part stays highlighted"
    );
    until(&k, "the sound to stop", |k| {
        k.stopped.load(Ordering::Relaxed)
    });
    assert!(shown(&k.ui, "继续") && shown(&k.ui, "停止"));
    // Touching elsewhere (large text) does not end it.
    tap(&k.ui, "大字");
    assert_eq!(read(&k).get_state(), ReadState::Paused);

    tap(&k.ui, "继续");
    assert_eq!(read(&k).get_state(), ReadState::Reading);
    let again = k.heard.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(again, second, "the paused part is read again, whole");
    tap(&k.ui, "标准字");
    mock_elapsed_time(Duration::from_millis(200));
    assert_eq!(
        read(&k).get_state(),
        ReadState::Reading,
        "other touches leave it reading"
    );

    tap(&k.ui, "停止");
    assert_eq!(read(&k).get_state(), ReadState::Idle);
    assert_eq!(read(&k).get_block(), -1);
    assert!(shown(&k.ui, "朗读"));
}

#[test]
fn back_home_another_page_and_the_idle_reset_end_the_reading() {
    let config = Config {
        idle_timeout_secs: 20,
        idle_warning_secs: 20,
        ..Config::default()
    };
    let k = kiosk(config, 1920.0, 1080.0);
    let shell = k.ui.window.global::<Shell>();
    let id = longest_guide(&k.ui);
    let reading = |k: &Kiosk| read(k).get_state() != ReadState::Idle;

    for leave in ["‹ 返回", "首页", "政务公开"] {
        k.ui.open(Route::Home);
        k.ui.open(Route::Guide(id.clone()));
        tap(&k.ui, "朗读");
        assert!(reading(&k));
        k.stopped.store(false, Ordering::Relaxed);
        k.heard.recv_timeout(Duration::from_secs(10)).unwrap();
        tap(&k.ui, leave);
        assert_ne!(shell.get_page(), Page::Guide, "{leave}");
        assert!(!reading(&k), "{leave} ends the reading");
        until(&k, "the sound to stop", |k| {
            k.stopped.load(Ordering::Relaxed)
        });
    }

    // While it sounds, the resident is listening: no idle warning.
    k.ui.open(Route::Guide(id.clone()));
    tap(&k.ui, "朗读");
    k.heard.recv_timeout(Duration::from_secs(10)).unwrap();
    for _ in 0..60 {
        mock_elapsed_time(Duration::from_secs(1));
    }
    assert_eq!(shell.get_page(), Page::Guide);
    assert!(reading(&k));
    // Paused and left alone: the idle reset ends it and goes home.
    tap(&k.ui, "暂停");
    for _ in 0..45 {
        mock_elapsed_time(Duration::from_secs(1));
    }
    assert_eq!(shell.get_page(), Page::Home);
    assert!(!reading(&k), "the idle reset ends the reading");
}

#[test]
fn a_notice_is_read_title_catalogue_summary_then_paragraphs() {
    let k = kiosk(Config::default(), 1920.0, 1080.0);
    let id = k.ui.with_store(|s, _| {
        s.conn()
            .query_row(
                "SELECT id FROM notice ORDER BY length(body) DESC LIMIT 1",
                [],
                |r| r.get::<_, String>(0),
            )
            .unwrap()
    });
    k.ui.open(Route::Notice(id.clone()));
    let notice = k.ui.with_store(|s, _| s.notice(&id).unwrap().unwrap());
    let segments = notice_segments(&notice);
    tap(&k.ui, "朗读");
    let mut seen = vec![];
    for s in &segments {
        k.heard.recv_timeout(Duration::from_secs(10)).unwrap();
        until(&k, "the screen to follow", |k| {
            read(k).get_block() == s.block
        });
        if seen.last() != Some(&s.block) {
            seen.push(s.block);
        }
        k.go.send(()).unwrap();
    }
    until(&k, "the end", |k| read(k).get_state() == ReadState::Idle);
    let paragraphs = notice.body.lines().filter(|l| !l.trim().is_empty()).count() as i32;
    let want: Vec<i32> = (0..3 + paragraphs).collect();
    assert_eq!(seen, want);
}

#[test]
fn without_sound_there_is_no_button() {
    let k = kiosk(Config::default(), 1920.0, 1080.0);
    k.ui.set_speech(Err("本机没有声卡".into()));
    k.ui.open(Route::Guide(longest_guide(&k.ui)));
    assert!(!read(&k).get_available());
    assert!(!shown(&k.ui, "朗读"));
    k.ui.open(Route::Home);
    let id = k.ui.with_store(|s, _| {
        s.conn()
            .query_row("SELECT id FROM notice LIMIT 1", [], |r| {
                r.get::<_, String>(0)
            })
            .unwrap()
    });
    k.ui.open(Route::Notice(id));
    assert!(!shown(&k.ui, "朗读"));
}
