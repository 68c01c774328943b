//! The room state machine driven by decoded client actions, against a model
//! (see `src/rooms.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lancall_fuzz::rooms::check(data));
