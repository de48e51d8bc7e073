//! The Slint side: the types generated from `ui/**/*.slint`, and the modules that fill their
//! globals from the core and answer their callbacks — one per page (`pages/`), the shell
//! (header, status line, bottom bar, clock, idle), the overlays and the technician screens —
//! around one `Session` that owns the kiosk's state. Nothing outside this module touches Slint
//! types.

/// Slint's generated code: the only place lints are silenced.
#[allow(clippy::all, clippy::pedantic)]
mod generated {
    slint::include_modules!();
}
pub use generated::*;

pub mod convert;
pub mod gallery;
pub mod headless;
mod kiosk;
mod overlays;
mod pages;
mod preview;
mod read_aloud;
mod session;
mod shell;
mod technician;

pub use kiosk::KioskUi;
pub use session::SyncInbox;
