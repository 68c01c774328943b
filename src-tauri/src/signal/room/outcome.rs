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
    /// A host removed it from the call: its socket is closed.
    Removed,
    /// A host turned its knock away: it is no longer waiting, and its
    /// socket stays open (`denied` is the last thing in its queue).
    Denied,
}

/// What the connection knows of a joiner that the room does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rights {
    /// A passcode may be tested: its sender has not guessed wrong too often.
    pub may_guess: bool,
    /// It gave the server's host key: it joins as a host.
    pub key_holder: bool,
    /// It may knock: it has not been turned away too often from this room.
    pub may_knock: bool,
}

impl Rights {
    /// An ordinary joiner with nothing against it.
    pub const GUEST: Rights = Rights { may_guess: true, key_holder: false, may_knock: true };
    /// A joiner with the host key.
    pub const HOST: Rights = Rights { may_guess: true, key_holder: true, may_knock: true };
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
    /// The join knocked: the peer waits, and its `welcome` comes when a
    /// host admits it.
    pub knocked: bool,
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
    #[error("room \"{0}\" is locked: nobody new may come in")]
    RoomLocked(String),
    #[error("room \"{room}\" already has {max} people waiting to come in; try again later")]
    WaitingFull { room: String, max: usize },
    #[error("the host of room \"{0}\" turned you away too often; knock elsewhere")]
    Denied(String),
    #[error("a host removed you from room \"{0}\"; that place can't be resumed")]
    Removed(String),
}

impl JoinError {
    pub fn code(&self) -> &'static str {
        match self {
            JoinError::RoomFull { .. } => "room_full",
            JoinError::PasscodeRequired(_) => "passcode_required",
            JoinError::WrongPasscode(_) => "wrong_passcode",
            JoinError::TooManyAttempts(_) => "too_many_attempts",
            JoinError::RoomLocked(_) => "room_locked",
            JoinError::WaitingFull { .. } => "waiting_full",
            JoinError::Denied(_) => "denied",
            JoinError::Removed(_) => "removed",
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

/// Why a host's command was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum HostError {
    #[error("only a host of the room may admit, deny, remove or lock")]
    NotHost,
    #[error("no peer \"{0}\" waiting or in this room")]
    UnknownPeer(String),
    #[error("{0}")]
    NotAllowed(&'static str),
    #[error("room \"{room}\" is full ({max} of {max}); the rest keep waiting")]
    RoomFull { room: String, max: usize },
}

impl HostError {
    pub fn code(&self) -> &'static str {
        match self {
            HostError::NotHost => "not_host",
            HostError::UnknownPeer(_) => "unknown_peer",
            HostError::NotAllowed(_) => "not_allowed",
            HostError::RoomFull { .. } => "room_full",
        }
    }
}
