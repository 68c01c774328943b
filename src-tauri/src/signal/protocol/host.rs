//! A host's commands: `admit`, `deny`, `remove` and `lock`, parsed at the
//! edge like every other message. Whether the sender may give them is the
//! room's to decide (`room::lobby`): the parser only checks their shape.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{is_peer_id, ProtocolError};

/// What a host asks of its room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostCommand {
    /// Let one knocker in.
    Admit(String),
    /// Let everyone waiting in, oldest first, while there is room.
    AdmitAll,
    /// Turn one knocker away.
    Deny(String),
    /// Put a member out of the call.
    Remove(String),
    /// Lock (`true`) or unlock the room to newcomers.
    Lock(bool),
}

impl HostCommand {
    /// The event it came as, for the `ref` of an error about it.
    pub fn event(&self) -> &'static str {
        match self {
            HostCommand::Admit(_) | HostCommand::AdmitAll => "admit",
            HostCommand::Deny(_) => "deny",
            HostCommand::Remove(_) => "remove",
            HostCommand::Lock(_) => "lock",
        }
    }
}

/// The `data` of `admit`: one knocker, or everyone waiting.
#[derive(Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(super) struct AdmitData {
    /// The knocker's `peer_id`, from its `knock`.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    peer_id: Option<String>,
    /// `true`: everyone waiting, instead of one.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    all: Option<bool>,
}

/// The `data` of `deny` and `remove`: whom.
#[derive(Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(super) struct PeerData {
    peer_id: String,
}

/// The `data` of `lock`.
#[derive(Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(super) struct LockData {
    locked: bool,
}

/// The command `event` names, or `None` if it names none.
pub(super) fn parse<'a>(
    event: &str,
    data: impl FnOnce() -> Result<&'a RawValue, ProtocolError>,
) -> Option<Result<HostCommand, ProtocolError>> {
    let bad = |detail: String| ProtocolError::BadMessage { event: event.to_owned(), detail };
    let command = match event {
        "admit" => data().and_then(|raw| {
            let admit: AdmitData = serde_json::from_str(raw.get()).map_err(|e| bad(super::detail(&e)))?;
            match (admit.all, admit.peer_id) {
                (Some(true), _) => Ok(HostCommand::AdmitAll),
                (_, Some(peer)) => peer_id(peer).map(HostCommand::Admit),
                (_, None) => Err(bad("name a `peer_id`, or set `all` to true".to_owned())),
            }
        }),
        "deny" | "remove" => data().and_then(|raw| {
            let PeerData { peer_id: peer } =
                serde_json::from_str(raw.get()).map_err(|e| bad(super::detail(&e)))?;
            let peer = peer_id(peer)?;
            Ok(if event == "deny" { HostCommand::Deny(peer) } else { HostCommand::Remove(peer) })
        }),
        "lock" => data().and_then(|raw| {
            let LockData { locked } = serde_json::from_str(raw.get()).map_err(|e| bad(super::detail(&e)))?;
            Ok(HostCommand::Lock(locked))
        }),
        _ => return None,
    };
    Some(command)
}

/// Only ids this server hands out can name anyone.
fn peer_id(id: String) -> Result<String, ProtocolError> {
    if is_peer_id(&id) {
        Ok(id)
    } else {
        Err(ProtocolError::BadPeerId)
    }
}
