//! Kiosk behaviour that is independent of any UI toolkit: where the resident is (navigation)
//! and when to warn and reset after a quiet period (idle).

pub mod events;
pub mod idle;
pub mod nav;
pub mod pin_lock;
pub mod status;
pub mod technician;
pub mod touch_test;
