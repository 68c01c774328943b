//! The wire protocol: what a client may send, parsed and validated at the
//! edge into typed messages, and what the server sends back.
//!
//! The core is the seed protocol (`join`, `offer_sdp`, `answer_sdp`,
//! `candidate`, `exit`, `"pong"`; `join`/`exit_room` notices); everything
//! lancall adds is an extra event or an extra field, so a seed client that
//! ignores what it does not know keeps working. `docs/protocol.md` is the
//! reference.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Protocol version this server speaks; sent in `welcome` and `/healthz`.
pub const PROTOCOL_VERSION: u32 = 1;

/// A message from a client, validated.
#[derive(Debug)]
pub enum ClientMessage {
    Join(Join),
    Relay(Relay),
    Exit,
    /// The seed page answers text pings with the JSON string "pong".
    Pong,
    /// The JSON string "ping": a client checking that the server still
    /// hears it (browsers cannot see WebSocket pings); answered "pong".
    Ping,
}

/// `join {user_id, room_id}` plus lancall's optional fields.
#[derive(Debug, Clone, Deserialize)]
pub struct Join {
    pub user_id: String,
    pub room_id: String,
    /// Set by clients that speak lancall's extensions; such a client's dropped
    /// socket gets a resume grace period instead of an instant `exit_room`.
    #[serde(default)]
    pub version: Option<u32>,
    #[serde(default)]
    pub passcode: Option<String>,
    /// A resume token from an earlier `welcome`.
    #[serde(default)]
    pub resume: Option<String>,
}

/// What kind of relayed message: the seed's three plus `message` for app data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayKind {
    Offer,
    Answer,
    Candidate,
    Message,
}

impl RelayKind {
    pub fn event(self) -> &'static str {
        match self {
            RelayKind::Offer => "offer_sdp",
            RelayKind::Answer => "answer_sdp",
            RelayKind::Candidate => "candidate",
            RelayKind::Message => "message",
        }
    }
}

/// A message to pass on to the other members of the sender's room.
#[derive(Debug)]
pub struct Relay {
    pub kind: RelayKind,
    /// The seed sends the room with every relay; when present it must be the
    /// sender's room, so nobody relays into a room they have not joined.
    pub room_id: Option<String>,
    /// Only this peer, instead of everyone else in the room.
    pub to: Option<String>,
    /// Passed on byte for byte.
    pub value: Box<RawValue>,
}

#[derive(Deserialize)]
struct RelayData {
    #[serde(default)]
    room_id: Option<String>,
    #[serde(default)]
    to: Option<String>,
    value: Box<RawValue>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    event: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

/// Why a client's frame was refused. Each has a stable [`code`](Self::code)
/// that clients act on and a message for people.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProtocolError {
    #[error("the message is not valid JSON: {0}")]
    BadJson(String),
    #[error("unknown event \"{0}\"")]
    UnknownEvent(String),
    #[error("\"{event}\" is missing a field or has one of the wrong type: {detail}")]
    BadMessage { event: String, detail: String },
    #[error("binary frames are not part of the protocol; send JSON text")]
    Binary,
    #[error("room id must be 1 to {max} letters, digits, '-', '_' or '.'")]
    BadRoomId { max: usize },
    #[error("user id must be 1 to {max} characters with no control characters")]
    BadUserId { max: usize },
    #[error("peer id \"to\" must be a peer id from this server")]
    BadPeerId,
}

impl ProtocolError {
    pub fn code(&self) -> &'static str {
        match self {
            ProtocolError::BadJson(_) => "bad_json",
            ProtocolError::UnknownEvent(_) => "unknown_event",
            ProtocolError::BadMessage { .. } => "bad_message",
            ProtocolError::Binary => "binary_unsupported",
            ProtocolError::BadRoomId { .. } => "bad_room_id",
            ProtocolError::BadUserId { .. } => "bad_user_id",
            ProtocolError::BadPeerId => "unknown_peer",
        }
    }
}

/// Parse and validate one text frame. `max_id_chars` bounds room and user ids.
pub fn parse(text: &str, max_id_chars: usize) -> Result<ClientMessage, ProtocolError> {
    // The seed page sends JSON.stringify("pong"); accept the bare word too.
    let trimmed = text.trim();
    if trimmed == "\"pong\"" || trimmed == "pong" {
        return Ok(ClientMessage::Pong);
    }
    if trimmed == "\"ping\"" || trimmed == "ping" {
        return Ok(ClientMessage::Ping);
    }
    let envelope: Envelope =
        serde_json::from_str(text).map_err(|e| ProtocolError::BadJson(detail(&e)))?;
    let event = envelope.event.as_ref();
    let data = || {
        envelope.data.ok_or_else(|| ProtocolError::BadMessage {
            event: event.to_owned(),
            detail: "missing field `data`".to_owned(),
        })
    };
    let bad = |e: serde_json::Error| ProtocolError::BadMessage {
        event: event.to_owned(),
        detail: detail(&e),
    };
    let kind = match event {
        "join" => {
            let join: Join = serde_json::from_str(data()?.get()).map_err(bad)?;
            validate_room_id(&join.room_id, max_id_chars)?;
            validate_user_id(&join.user_id, max_id_chars)?;
            return Ok(ClientMessage::Join(join));
        }
        "exit" => return Ok(ClientMessage::Exit),
        "offer_sdp" => RelayKind::Offer,
        "answer_sdp" => RelayKind::Answer,
        "candidate" => RelayKind::Candidate,
        "message" => RelayKind::Message,
        other => return Err(ProtocolError::UnknownEvent(truncate(other, 40))),
    };
    let relay: RelayData = serde_json::from_str(data()?.get()).map_err(bad)?;
    if let Some(to) = &relay.to {
        if !is_peer_id(to) {
            return Err(ProtocolError::BadPeerId);
        }
    }
    Ok(ClientMessage::Relay(Relay {
        kind,
        room_id: relay.room_id,
        to: relay.to,
        value: relay.value,
    }))
}

/// Room ids appear in invite links and logs: letters (any script, so a
/// Chinese room name works), digits and `-_.` only.
pub fn validate_room_id(id: &str, max: usize) -> Result<(), ProtocolError> {
    let n = id.chars().count();
    let ok = n >= 1
        && n <= max
        && id.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then_some(()).ok_or(ProtocolError::BadRoomId { max })
}

/// User ids are display names: any printable text, not blank.
pub fn validate_user_id(id: &str, max: usize) -> Result<(), ProtocolError> {
    let n = id.chars().count();
    let ok = n <= max && !id.trim().is_empty() && !id.chars().any(char::is_control);
    ok.then_some(()).ok_or(ProtocolError::BadUserId { max })
}

/// Length of the ids the server hands out ([`new_peer_id`]).
const PEER_ID_LEN: usize = 16;

fn is_peer_id(s: &str) -> bool {
    s.len() == PEER_ID_LEN && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A fresh random peer id: 64 bits as hex, unguessable enough that nobody
/// addresses a peer they were not told about.
pub fn new_peer_id() -> String {
    hex(&rand::random::<[u8; PEER_ID_LEN / 2]>())
}

/// A fresh resume token: 128 random bits as hex. Only its holder can take
/// over a dropped peer's place.
pub fn new_resume_token() -> String {
    hex(&rand::random::<[u8; 16]>())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Most characters of a parser's complaint sent back to the client.
const MAX_DETAIL_CHARS: usize = 200;

/// serde's complaint for the client. It may quote the offending input, and
/// escape each control character in it as six: cut to a fixed length, so an
/// error never costs the server more to send than a small reply.
fn detail(e: &serde_json::Error) -> String {
    truncate(&e.to_string(), MAX_DETAIL_CHARS)
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

/// A member as others see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MemberInfo {
    pub peer_id: String,
    pub user_id: String,
    /// The protocol version the member joined with; absent for seed clients,
    /// which speak none of the extensions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
}

/// Why a peer left its room; sent in `exit_room`.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
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
        reference: Option<&'a str>,
    },
}

impl ServerMessage<'_> {
    pub fn to_json(&self) -> String {
        // Serializing these plain structs cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A relayed message: `{"event": kind, "data": {room_id, value, from, to?}}`.
/// Built by hand around the untouched raw `value`.
pub fn relay_json(kind: RelayKind, room_id: &str, from: &str, relay: &Relay) -> String {
    #[derive(Serialize)]
    struct Data<'a> {
        room_id: &'a str,
        value: &'a RawValue,
        from: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<&'a str>,
    }
    #[derive(Serialize)]
    struct Out<'a> {
        event: &'static str,
        data: Data<'a>,
    }
    serde_json::to_string(&Out {
        event: kind.event(),
        data: Data {
            room_id,
            value: &relay.value,
            from,
            to: relay.to.as_deref(),
        },
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed page's exact join parses, with no lancall fields.
    #[test]
    fn seed_join_parses() {
        let m = parse(r#"{"event":"join","data":{"user_id":"张三","room_id":"1001"}}"#, 64);
        match m {
            Ok(ClientMessage::Join(j)) => {
                assert_eq!(j.user_id, "张三");
                assert_eq!(j.room_id, "1001");
                assert_eq!(j.version, None);
            }
            other => panic!("{other:?}"),
        }
    }

    /// A relay keeps `value` byte for byte, whitespace and key order included.
    #[test]
    fn relay_value_is_untouched() {
        let text = r#"{"event":"candidate","data":{"room_id":"r","value":{ "b":1,  "a":"x\u00e9" },"from":"spoofed"}}"#;
        let ClientMessage::Relay(r) = parse(text, 64).unwrap() else { panic!() };
        assert_eq!(r.value.get(), r#"{ "b":1,  "a":"x\u00e9" }"#);
        let out = relay_json(r.kind, "r", "0123456789abcdef", &r);
        assert!(out.contains(r#""value":{ "b":1,  "a":"x\u00e9" }"#), "{out}");
        assert!(out.contains(r#""from":"0123456789abcdef""#), "{out}");
        assert!(!out.contains("spoofed"));
    }

    /// Each kind of bad input maps to its stable code.
    #[test]
    fn bad_input_codes() {
        let code = |t: &str| parse(t, 8).unwrap_err().code();
        assert_eq!(code("{"), "bad_json");
        assert_eq!(code(r#"{"event":"dance","data":{}}"#), "unknown_event");
        assert_eq!(code(r#"{"event":"join"}"#), "bad_message");
        assert_eq!(code(r#"{"event":"join","data":{"room_id":"r"}}"#), "bad_message");
        assert_eq!(code(r#"{"event":"candidate","data":{"room_id":"r"}}"#), "bad_message");
        assert_eq!(code(r#"{"event":"join","data":{"user_id":"u","room_id":"a b"}}"#), "bad_room_id");
        assert_eq!(code(r#"{"event":"join","data":{"user_id":"u","room_id":"123456789"}}"#), "bad_room_id");
        assert_eq!(code(r#"{"event":"join","data":{"user_id":" ","room_id":"r"}}"#), "bad_user_id");
        assert_eq!(code(r#"{"event":"join","data":{"user_id":"a\nb","room_id":"r"}}"#), "bad_user_id");
        assert_eq!(code(r#"{"event":"offer_sdp","data":{"value":1,"to":"bob"}}"#), "unknown_peer");
        assert_eq!(code(r#"[1,2]"#), "bad_json");
    }

    /// The seed's "pong" and a client's "ping", quoted or bare.
    #[test]
    fn ping_and_pong_words() {
        for t in ["\"ping\"", "ping", " \"ping\" "] {
            assert!(matches!(parse(t, 64), Ok(ClientMessage::Ping)), "{t}");
        }
        for t in ["\"pong\"", "pong"] {
            assert!(matches!(parse(t, 64), Ok(ClientMessage::Pong)), "{t}");
        }
        assert_eq!(parse("\"pingg\"", 64).unwrap_err().code(), "bad_json");
    }

    /// A complaint quoting a long input full of escaped characters is cut
    /// short (found by the `protocol` fuzz target: 6 bytes out per byte in).
    #[test]
    fn error_detail_is_bounded() {
        let junk = "\u{7f}".repeat(10_000);
        let text = format!(r#"{{"event":"join","data":{{"user_id":"u","room_id":"r","version":"{junk}"}}}}"#);
        let e = parse(&text, 64).unwrap_err();
        assert_eq!(e.code(), "bad_message");
        assert!(e.to_string().chars().count() < 300, "{} chars", e.to_string().len());
    }

    /// Ids the server makes pass its own `to` check.
    #[test]
    fn new_ids_are_valid() {
        assert!(is_peer_id(&new_peer_id()));
        assert_eq!(new_resume_token().len(), 32);
        assert_ne!(new_peer_id(), new_peer_id());
    }
}
