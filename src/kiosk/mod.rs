//! Kiosk behaviour that is independent of any UI toolkit: where the resident is (navigation),
//! when to warn and reset after a quiet period (idle), screen rotation and which keys never
//! reach the UI (lockdown).

pub mod idle;
pub mod lockdown;
pub mod nav;
pub mod rotation;
pub mod status;
