//! The county hub (issue 11): where kiosks send residents' ratings and suggestions, unanswered
//! searches, usage counts and heartbeats. [`wire`] is the protocol both sides share.

pub mod wire;
