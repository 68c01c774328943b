//! The signaling server: rooms of peers exchanging WebRTC offers, answers and
//! candidates over WebSocket, seed-protocol compatible.
//!
//! A library that knows nothing of the GUI: the caller binds a listener,
//! passes a [`Config`] and a future that says when to stop, and awaits
//! [`run`]. `lancall serve` and the desktop app both do exactly that.

pub mod attempts;
pub mod banner;
pub mod config;
pub mod connection;
pub mod guard;
pub mod headers;
pub mod http;
pub mod lan;
pub mod listener;
pub mod origin;
pub mod protocol;
pub mod ratelimit;
pub mod room;
pub mod room_name;
pub mod server;
pub mod shared;
pub mod tls;
mod writer;

pub use config::{Config, DEFAULT_PORT};
pub use server::{run, serve};
pub use shared::Shared;
