//! One client text frame through `protocol::parse` (see `src/protocol.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lancall_fuzz::protocol::check(data));
