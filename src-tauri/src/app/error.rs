//! Errors of the app shell, serialized for the client when a command fails.

use serde::{Serialize, Serializer};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen for calls on port {port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("cannot start the server's runtime: {0}")]
    Runtime(std::io::Error),
    #[error("this system has no folder for app settings: {0}")]
    NoConfigDir(String),
    #[error(transparent)]
    Settings(#[from] super::settings::Error),
    #[error("cannot make a QR code of {chars} characters (at most {max})")]
    QrTooLong { chars: usize, max: usize },
    #[error("cannot make a QR code: {0}")]
    Qr(String),
    #[error("the window is gone: {0}")]
    Window(String),
    #[error("cannot look for hosts on the network: {0}")]
    Discovery(String),
    #[error("no tray icon on this desktop: {0}")]
    Tray(String),
    #[error("a background task failed: {0}")]
    Task(String),
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
