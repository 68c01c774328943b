//! Errors of the app shell, serialized for the client when a command fails.

use serde::{Serialize, Serializer};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen for calls on port {port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("cannot start the server's runtime: {0}")]
    Runtime(std::io::Error),
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
