//! What a connection gets back from its room: its hold on a peer after a
//! join, why a join or a relay was refused, and why it was cut off. Each
//! refusal has a stable code for the client.

use tokio::sync::watch;

use super::Mailbox;

/// Why the server cut a peer's connection from its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kick {
    /// Its queue filled: it was not reading fast enough.
    Slow,
    /// The same peer resumed on another socket.
    Replaced,
}

/// A connection's hold on a peer after a successful join.
#[derive(Debug)]
pub struct Attached {
    pub peer_id: String,
    pub room_id: String,
    /// Which attachment of the peer this is; a connection acts for the peer
    /// only while its generation is the current one.
    pub generation: u64,
    pub mailbox: Mailbox,
    /// Becomes `Some` when the server cuts this connection.
    pub kicked: watch::Receiver<Option<Kick>>,
    pub resumed: bool,
}

/// Why a join was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum JoinError {
    #[error("room \"{room}\" is full ({max} of {max})")]
    RoomFull { room: String, max: usize },
    #[error("room \"{0}\" needs a passcode")]
    PasscodeRequired(String),
    #[error("wrong passcode for room \"{0}\"")]
    WrongPasscode(String),
    #[error("too many wrong passcodes from your address; try room \"{0}\" again later")]
    TooManyAttempts(String),
}

impl JoinError {
    pub fn code(&self) -> &'static str {
        match self {
            JoinError::RoomFull { .. } => "room_full",
            JoinError::PasscodeRequired(_) => "passcode_required",
            JoinError::WrongPasscode(_) => "wrong_passcode",
            JoinError::TooManyAttempts(_) => "too_many_attempts",
        }
    }
}

/// Why a relay was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RelayError {
    #[error("join a room before sending offers, answers or candidates")]
    NotJoined,
    #[error("you are in room \"{joined}\", not \"{named}\"")]
    WrongRoom { joined: String, named: String },
    #[error("no peer \"{0}\" in this room")]
    UnknownPeer(String),
}

impl RelayError {
    pub fn code(&self) -> &'static str {
        match self {
            RelayError::NotJoined => "not_joined",
            RelayError::WrongRoom { .. } => "wrong_room",
            RelayError::UnknownPeer(_) => "unknown_peer",
        }
    }
}
