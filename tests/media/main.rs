//! The native WebRTC engine (src-tauri/src/media/) without a window: native
//! peers and a Chromium page in rooms of a real signaling server, media and
//! data-channel messages both ways, and the bad input it must survive.
#![cfg(target_os = "linux")]

#[path = "../common/server.rs"]
mod server;
mod support;

mod bad_input;
mod bench;
mod chromium;
mod devices;
mod echo;
mod turn;
mod heal;
mod native;
