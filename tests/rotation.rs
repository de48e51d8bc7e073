//! Touch follows the turned picture. The real kiosk UI is drawn by Slint's software renderer
//! turned exactly as the linuxkms backend turns it for `SLINT_KMS_ROTATION`, and upright; for
//! sampled points of the panel, the colour under the finger on the turned panel must be the
//! colour the UI has where the calibration matrix sends that touch. One test: the headless
//! platform can be installed once per process.

use banshi::config::Config;
use banshi::kiosk::nav::Route;
use banshi::kiosk::rotation::Rotation;
use banshi::store::Store;
use banshi::ui::headless::Screen;
use banshi::ui::KioskUi;
use slint::ComponentHandle;

/// Share of sampled panel pixels whose colour equals the upright UI's at the window position
/// `matrix` sends a touch there.
fn agreement(turned: &image::RgbImage, upright: &image::RgbImage, matrix: Rotation) -> f64 {
    let (pw, ph) = turned.dimensions();
    let (ww, wh) = upright.dimensions();
    let (mut same, mut all) = (0u32, 0u32);
    for py in (0..ph).step_by(7) {
        for px in (0..pw).step_by(5) {
            let (u, v) = matrix
                .touch_to_window((px as f32 + 0.5) / pw as f32, (py as f32 + 0.5) / ph as f32);
            let wx = ((u * ww as f32).floor() as u32).min(ww - 1);
            let wy = ((v * wh as f32).floor() as u32).min(wh - 1);
            all += 1;
            same += u32::from(turned.get_pixel(px, py) == upright.get_pixel(wx, wy));
        }
    }
    same as f64 / all as f64
}

#[test]
fn a_touch_lands_on_what_the_turned_panel_shows_there() {
    let data = tempfile::tempdir().unwrap();
    banshi::fonts::ensure_fontconfig(data.path()).unwrap();
    // A landscape 1920×1080 panel; turned by 90° or 270° the kiosk is a portrait window.
    let (pw, ph) = (1920u32, 1080u32);
    let mut screen = Screen::install(pw, ph).unwrap();
    let config = Config {
        data_dir: Some(data.path().to_path_buf()),
        ..Config::default()
    };
    let ui = KioskUi::new(Store::in_memory(&banshi::sample::sample()).unwrap(), config).unwrap();
    ui.freeze_clock("09:30", "2026年11月23日 星期一");
    ui.window.show().unwrap();
    // A guide page: text, lists and QR codes everywhere, few flat areas.
    let guide = banshi::bench::longest_guide(&ui).unwrap();
    ui.open(Route::Guide(guide));

    for rotation in [Rotation::R90, Rotation::R180, Rotation::R270] {
        let (ww, wh) = if rotation.swaps_axes() {
            (ph, pw)
        } else {
            (pw, ph)
        };
        screen.resize(ww, wh);
        screen.render();
        screen.render();
        let upright = screen.image();
        let turned = screen.render_turned(rotation);
        assert_eq!(
            turned.dimensions(),
            (pw, ph),
            "the turned picture fills the panel"
        );
        let right = agreement(&turned, &upright, rotation);
        println!(
            "rotation {rotation}: own matrix agrees on {:.2} % of sampled pixels",
            right * 100.0
        );
        assert!(
            right >= 0.998,
            "rotation {rotation}: a touch lands elsewhere than the picture shows ({:.2} % agree)",
            right * 100.0
        );
        for other in Rotation::ALL.into_iter().filter(|&o| o != rotation) {
            let wrong = agreement(&turned, &upright, other);
            println!(
                "rotation {rotation}: matrix for {other} agrees on {:.2} %",
                wrong * 100.0
            );
            assert!(wrong < 0.8, "rotation {rotation}: the matrix for {other} agrees too well ({:.2} %): the test cannot tell them apart", wrong * 100.0);
        }
    }
}
