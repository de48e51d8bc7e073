//! Read-aloud (朗读): turning what a guide shows into what a voice says. The voice engine comes
//! later (issue 15); `normalize` is the part every engine needs.

pub mod normalize;
