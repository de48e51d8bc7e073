//! A headless Slint platform: the software renderer draws into memory, no display needed.
//! Used by `banshi screenshot` and `banshi bench`. Each window the UI creates gets a fresh
//! off-screen buffer; the `Screen` draws the newest (so a gallery can show a second kiosk after
//! dropping the first).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{PhysicalSize, PlatformError, Rgb8Pixel};

/// The newest window and the size every window gets.
struct Current {
    window: Rc<MinimalSoftwareWindow>,
    size: PhysicalSize,
}

struct Headless {
    current: Rc<RefCell<Current>>,
    start: Instant,
}

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        let mut current = self.current.borrow_mut();
        window.set_size(current.size);
        current.window = window.clone();
        Ok(window)
    }
    fn duration_since_start(&self) -> std::time::Duration {
        self.start.elapsed()
    }
}

/// An off-screen window of a fixed size.
pub struct Screen {
    current: Rc<RefCell<Current>>,
    width: u32,
    height: u32,
    buffer: Vec<Rgb8Pixel>,
}

impl Screen {
    /// Installs the headless platform (once per process) with a window of `width` × `height`.
    pub fn install(width: u32, height: u32) -> Result<Screen, PlatformError> {
        let current = Rc::new(RefCell::new(Current {
            window: MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer),
            size: PhysicalSize::new(width, height),
        }));
        slint::platform::set_platform(Box::new(Headless {
            current: current.clone(),
            start: Instant::now(),
        }))
        .map_err(|e| PlatformError::Other(format!("{e:?}")))?;
        let mut screen = Screen {
            current,
            width: 0,
            height: 0,
            buffer: Vec::new(),
        };
        screen.resize(width, height);
        Ok(screen)
    }

    pub fn resize(&mut self, width: u32, height: u32) {
        self.width = width;
        self.height = height;
        self.buffer = vec![Rgb8Pixel::default(); (width * height) as usize];
        let mut current = self.current.borrow_mut();
        current.size = PhysicalSize::new(width, height);
        current.window.set_size(current.size);
    }

    fn window(&self) -> Rc<MinimalSoftwareWindow> {
        self.current.borrow().window.clone()
    }

    /// Renders the whole window now (even if nothing changed) and returns whether it drew.
    pub fn render(&mut self) -> bool {
        slint::platform::update_timers_and_animations();
        let window = self.window();
        window.request_redraw();
        let width = self.width as usize;
        let buffer = &mut self.buffer;
        window.draw_if_needed(|renderer| {
            renderer.render(buffer, width);
        })
    }

    /// Renders the whole window turned as Slint's linuxkms backend turns it for
    /// `SLINT_KMS_ROTATION` (same renderer, same rotation), into a panel-sized image: for 90°
    /// and 270° the panel is the window's size turned on its side.
    pub fn render_turned(&mut self, rotation: crate::kiosk::rotation::Rotation) -> image::RgbImage {
        use slint::platform::software_renderer::RenderingRotation;
        let (pw, ph) = if rotation.swaps_axes() {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        };
        let mut panel = vec![Rgb8Pixel::default(); (pw * ph) as usize];
        let turn = match rotation.degrees() {
            90 => RenderingRotation::Rotate90,
            180 => RenderingRotation::Rotate180,
            270 => RenderingRotation::Rotate270,
            _ => RenderingRotation::NoRotation,
        };
        slint::platform::update_timers_and_animations();
        let window = self.window();
        window.request_redraw();
        window.draw_if_needed(|renderer| {
            renderer.set_rendering_rotation(turn);
            renderer.render(&mut panel, pw as usize);
            renderer.set_rendering_rotation(RenderingRotation::NoRotation);
        });
        let bytes: Vec<u8> = panel.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
        image::RgbImage::from_raw(pw, ph, bytes).expect("buffer matches size")
    }

    /// The last rendered frame as an image.
    pub fn image(&self) -> image::RgbImage {
        let bytes: Vec<u8> = self.buffer.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
        image::RgbImage::from_raw(self.width, self.height, bytes).expect("buffer matches size")
    }
}
