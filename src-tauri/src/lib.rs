//! lancall: video calls on a LAN from one desktop app.
//!
//! - [`signal`]: the signaling server (no GUI code), run in-process by the app
//!   or headless by `lancall serve`.
//! - `app` (feature `app`, on by default): the Tauri shell that hosts the
//!   server on a background runtime.
//! - [`cli`]: the command line that picks between them.

#[cfg(feature = "app")]
pub mod app;
pub mod cli;
pub mod discovery;
pub mod signal;
