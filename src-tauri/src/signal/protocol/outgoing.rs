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
    /// A host of the room: it may admit, deny, remove and lock.
    pub host: bool,
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
    /// A host removed it from the call.
    Removed,
}

/// Why a knock ended; sent to the hosts in `knock_end`.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum KnockEndReason {
    /// A host let it in.
    Admitted,
    /// A host turned it away.
    Denied,
    /// The knocker stopped waiting: it sent `exit` or its socket closed.
    Left,
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
        /// The joiner is a host of the room.
        host: bool,
        /// The room has a waiting room: newcomers knock.
        waiting_room: bool,
        /// The room is locked to newcomers.
        locked: bool,
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
        /// The newcomer is a host of the room.
        host: bool,
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
    /// To a knocker: it waits for a host to let it in; `hosts` are present.
    Waiting {
        room_id: &'a str,
        peer_id: &'a str,
        hosts: usize,
    },
    /// To every host: someone is waiting to come in.
    Knock {
        peer_id: &'a str,
        user_id: &'a str,
    },
    /// To every host: a knock was answered or given up.
    KnockEnd {
        peer_id: &'a str,
        reason: KnockEndReason,
    },
    /// To a knocker a host turned away; its socket stays open.
    Denied {
        room_id: &'a str,
    },
    /// To a member a host removed, just before its socket is closed.
    Removed {
        room_id: &'a str,
    },
    /// To every member: a host locked or unlocked the room.
    Locked {
        locked: bool,
        /// The host's `peer_id`.
        by: &'a str,
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
