//! What the server sends: its own events ([`ServerMessage`], serialized once
//! per message and shared by every recipient) and relays, the sender's
//! `value` passed on untouched inside a [`Relayed`].

use serde::Serialize;
use serde_json::value::RawValue;

use super::{Relay, RelayKind};

/// A member as others see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MemberInfo {
    pub peer_id: String,
    pub user_id: String,
    /// The protocol version the member joined with; absent for seed clients,
    /// which speak none of the extensions.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub version: Option<u32>,
}

/// Why a peer left its room; sent in `exit_room`.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum LeaveReason {
    /// It sent `exit`.
    Left,
    /// Its socket closed, or its resume grace ran out.
    Dropped,
    /// It went silent past the idle timeout.
    Timeout,
    /// It could not keep up with what the room sent it.
    Slow,
    /// The server is shutting down.
    Shutdown,
}

/// Everything the server sends, serialized once per message and shared by
/// every recipient.
#[derive(Debug, Serialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum ServerMessage<'a> {
    /// To the joiner only: who it is and who is there.
    Welcome {
        peer_id: &'a str,
        resume_token: &'a str,
        resumed: bool,
        protocol: u32,
        room_id: &'a str,
        count: usize,
        master: &'a str,
        viewer: &'a str,
        max_room_size: usize,
        members: Vec<MemberInfo>,
    },
    /// The seed's notice to the members already in the room.
    Join {
        count: usize,
        master: &'a str,
        viewer: &'a str,
        peer_id: &'a str,
        user_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(test, ts(optional))]
        version: Option<u32>,
    },
    /// The seed's notice to the remaining members.
    ExitRoom {
        count: usize,
        master: &'a str,
        viewer: &'a str,
        peer_id: &'a str,
        user_id: &'a str,
        reason: LeaveReason,
    },
    PeerReconnecting {
        peer_id: &'a str,
    },
    PeerResumed {
        peer_id: &'a str,
    },
    Error {
        code: &'a str,
        message: &'a str,
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        #[cfg_attr(test, ts(optional))]
        reference: Option<&'a str>,
    },
}

impl ServerMessage<'_> {
    pub fn to_json(&self) -> String {
        // Serializing these plain structs cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The `data` of a relayed message as its recipients get it: the sender's
/// `value` untouched, stamped with the room and who sent it.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Relayed<'a> {
    pub room_id: &'a str,
    #[cfg_attr(test, ts(type = "unknown"))]
    pub value: &'a RawValue,
    /// The sender's `peer_id`, stamped by the server: never taken from what
    /// a client says of itself.
    pub from: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub to: Option<&'a str>,
}

/// A relayed message: `{"event": kind, "data": Relayed}`, built around the
/// untouched raw `value`.
pub fn relay_json(kind: RelayKind, room_id: &str, from: &str, relay: &Relay) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        event: &'static str,
        data: Relayed<'a>,
    }
    serde_json::to_string(&Out {
        event: kind.event(),
        data: Relayed {
            room_id,
            value: &relay.value,
            from,
            to: relay.to.as_deref(),
        },
    })
    .unwrap_or_default()
}
