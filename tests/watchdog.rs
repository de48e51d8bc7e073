//! Under systemd the kiosk says READY=1 once its UI runs and WATCHDOG=1 from every UI tick, so
//! a hung UI is restarted. Its own test binary: it sets NOTIFY_SOCKET for the whole process.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use banshi::config::Config;
use banshi::store::Store;
use banshi::ui::KioskUi;
use slint::ComponentHandle;

#[test]
fn the_ui_loop_notifies_ready_then_watchdog_every_tick() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    std::env::set_var("NOTIFY_SOCKET", &path);
    i_slint_backend_testing::init_no_event_loop();
    let config = Config {
        data_dir: Some(dir.path().to_path_buf()),
        ..Config::default()
    };
    let ui = KioskUi::new(Store::in_memory(&banshi::sample::sample()).unwrap(), config).unwrap();
    ui.window.show().unwrap();

    let mut messages = Vec::new();
    for _ in 0..3 {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
        let mut buf = [0u8; 256];
        let n = socket.recv(&mut buf).expect("a notification every tick");
        messages.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert!(
        messages[0].contains("READY=1") && messages[0].contains("WATCHDOG=1"),
        "{messages:?}"
    );
    assert!(
        messages[1..].iter().all(|m| m.trim() == "WATCHDOG=1"),
        "{messages:?}"
    );
}
