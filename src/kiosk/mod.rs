//! Kiosk behaviour that is independent of any UI toolkit: where the resident is (navigation),
//! when to warn and reset after a quiet period (idle), screen rotation and which keys never
//! reach the UI (lockdown), and the technician's hidden entry, PIN lock and touch test.

pub mod events;
pub mod feedback;
pub mod handwriting_pad;
pub mod idle;
pub mod lockdown;
pub mod nav;
pub mod outbox_feed;
pub mod pin_lock;
pub mod preview;
pub mod print_desk;
pub mod read_aloud;
pub mod rotation;
pub mod search_session;
pub mod status;
pub mod technician;
pub mod touch_test;
pub mod watchdog;
pub mod wording;
