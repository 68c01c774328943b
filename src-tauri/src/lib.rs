//! lancall: video calls on a LAN from one desktop app.
//!
//! - [`signal`]: the signaling server (no GUI code), run in-process by the app
//!   or headless by `lancall serve`.
//! - `app` (feature `app`, on by default): the Tauri shell that hosts the
//!   server on a background runtime.
//! - `media` (feature `media`, Linux): the native WebRTC engine on GStreamer's
//!   webrtcbin, for webviews without RTCPeerConnection.
//! - [`cli`]: the command line that picks between them; it stands on top
//!   and nothing imports it.
//! - [`shutdown`], [`logging`]: when to stop and where logs go, shared by
//!   the CLI and the app.

#[cfg(feature = "app")]
pub mod app;
pub mod cli;
#[cfg(all(feature = "media", target_os = "linux"))]
pub mod media;
pub mod discovery;
pub mod logging;
pub mod shutdown;
pub mod signal;
#[cfg(test)]
mod typescript;
