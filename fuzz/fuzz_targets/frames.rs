//! A client's byte stream through the WebSocket decoder as the server
//! configures it, then `protocol::parse` (see `src/frames.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lancall_fuzz::frames::check(data));
