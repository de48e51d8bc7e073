//! The Slint side: generated types from `ui/*.slint`, the adapter that fills them from the core,
//! and a headless platform for screenshots and benchmarks. Nothing outside this module touches
//! Slint types.

#![allow(clippy::all)]
slint::include_modules!();

pub mod adapter;
pub mod convert;
pub mod headless;
mod technician;

pub use adapter::KioskUi;
