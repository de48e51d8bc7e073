//! Banshi (办事): a touch-screen kiosk for county government service halls.
//!
//! The core (`model`, `source`, `store`, `format`, `kiosk`, `qr`) has no UI types; the `ui`
//! module adapts it to the Slint screens in `ui/*.slint`. See ARCHITECTURE.md.

pub mod atomic;
pub mod bench;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod fonts;
pub mod format;
pub mod handwriting;
pub mod hub;
pub mod kiosk;
pub mod logging;
pub mod model;
pub mod outbox;
pub mod pack;
pub mod pin;
pub mod print;
pub mod publish;
pub mod qr;
pub mod sample;
pub mod search;
pub mod serve;
pub mod sheet;
pub mod source;
pub mod speech;
pub mod store;
pub mod sync;
pub mod ui;
pub mod uplink;
