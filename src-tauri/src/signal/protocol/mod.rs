//! The wire protocol: what a client may send, parsed and validated at the
//! edge into typed messages, and (in [`outgoing`]) what the server sends back.
//!
//! The core is the seed protocol (`join`, `offer_sdp`, `answer_sdp`,
//! `candidate`, `exit`, `"pong"`; `join`/`exit_room` notices); everything
//! lancall adds is an extra event or an extra field, so a seed client that
//! ignores what it does not know keeps working. `docs/protocol.md` is the
//! reference.

mod host;
mod outgoing;

use serde::Deserialize;
use serde_json::value::RawValue;

pub use host::HostCommand;
pub use outgoing::{relay_json, KnockEndReason, LeaveReason, MemberInfo, Relayed, ServerMessage};

/// Protocol version this server speaks; sent in `welcome` and `/healthz`.
pub const PROTOCOL_VERSION: u32 = 1;

/// A message from a client, validated.
#[derive(Debug)]
pub enum ClientMessage {
    Join(Join),
    Relay(Relay),
    /// `admit`, `deny`, `remove` or `lock`: only a host's are carried out.
    Host(HostCommand),
    Exit,
    /// The seed page answers text pings with the JSON string "pong".
    Pong,
    /// The JSON string "ping": a client checking that the server still
    /// hears it (browsers cannot see WebSocket pings); answered "pong".
    Ping,
}

/// `join {user_id, room_id}` plus lancall's optional fields.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Join {
    pub user_id: String,
    pub room_id: String,
    /// Set by clients that speak lancall's extensions; such a client's dropped
    /// socket gets a resume grace period instead of an instant `exit_room`.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub version: Option<u32>,
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub passcode: Option<String>,
    /// A resume token from an earlier `welcome`.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub resume: Option<String>,
    /// The server's host key: its holder joins as a host, past the waiting
    /// room and the lock. A wrong one counts as a wrong passcode and is
    /// otherwise ignored (the joiner is a guest).
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub host_key: Option<String>,
    /// `true` from the joiner that creates the room: give it a waiting room
    /// even on a server that does not by default. Ignored otherwise.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub waiting_room: Option<bool>,
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

/// The `data` of a relay a client sends.
#[derive(Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
struct RelayData {
    /// The seed sends its room; lancall's client leaves it out.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    room_id: Option<String>,
    /// Only this peer (a `peer_id`), instead of everyone else in the room.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    to: Option<String>,
    /// An SDP, a candidate or app data: passed on byte for byte.
    #[cfg_attr(test, ts(type = "unknown"))]
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
    #[error("a peer id must be one this server handed out (16 hex digits)")]
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
    if let Some(command) = host::parse(event, data) {
        return command.map(ClientMessage::Host);
    }
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

/// Every message a client may send, as the page's TypeScript sees it. The
/// server does not parse through this type ([`parse`] reads the envelope
/// and then only the `data` its event needs, without copying a relayed
/// `value`); [`tests::client_events_parse`] holds the two together.
#[cfg(test)]
#[derive(ts_rs::TS)]
#[ts(tag = "event", content = "data", rename_all = "snake_case")]
#[allow(dead_code)] // a shape for the TypeScript, never built
enum ClientEvent {
    Join(Join),
    OfferSdp(RelayData),
    AnswerSdp(RelayData),
    Candidate(RelayData),
    Message(RelayData),
    Exit,
    Admit(host::AdmitData),
    Deny(host::PeerData),
    Remove(host::PeerData),
    Lock(host::LockData),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ui/js/types/signal.d.ts` is what these types say.
    #[test]
    fn typescript_is_current() {
        crate::typescript::Declarations::new(
            "The signaling protocol (src-tauri/src/signal/protocol.rs): what a client\nsends and what the server sends back. docs/protocol.md is the reference.",
        )
        .add::<Join>()
        .add::<RelayData>()
        .add::<host::AdmitData>()
        .add::<host::PeerData>()
        .add::<host::LockData>()
        .add::<ClientEvent>()
        .add::<MemberInfo>()
        .add::<LeaveReason>()
        .add::<KnockEndReason>()
        .add::<Relayed>()
        .add::<ServerMessage>()
        .raw(
            r#"/** The `data` of one server event, by its name. */
export type ServerData<E extends ServerMessage["event"]> = Extract<ServerMessage, { event: E }>["data"];
export type Welcome = ServerData<"welcome">;
export type JoinNotice = ServerData<"join">;
export type ExitNotice = ServerData<"exit_room">;
export type ServerError = ServerData<"error">;
export type WaitingNotice = ServerData<"waiting">;
export type KnockNotice = ServerData<"knock">;
export type KnockEndNotice = ServerData<"knock_end">;
export type LockedNotice = ServerData<"locked">;
/** A relayed message as the page receives it. */
export type RelayEvent = { event: "offer_sdp" | "answer_sdp" | "candidate" | "message", data: Relayed };"#,
        )
        .check("signal.d.ts");
    }

    /// One message of each shape the TypeScript declares ([`ClientEvent`])
    /// parses into the matching [`ClientMessage`].
    #[test]
    fn client_events_parse() {
        let join = r#"{"event":"join","data":{"user_id":"ann","room_id":"r","version":1,"passcode":"p","resume":"t"}}"#;
        assert!(matches!(parse(join, 64), Ok(ClientMessage::Join(j)) if j.passcode.as_deref() == Some("p")));
        for (event, kind) in [
            ("offer_sdp", RelayKind::Offer),
            ("answer_sdp", RelayKind::Answer),
            ("candidate", RelayKind::Candidate),
            ("message", RelayKind::Message),
        ] {
            let text = format!(r#"{{"event":"{event}","data":{{"room_id":"r","to":"0123456789abcdef","value":{{}}}}}}"#);
            assert!(matches!(parse(&text, 64), Ok(ClientMessage::Relay(r)) if r.kind == kind), "{event}");
        }
        assert!(matches!(parse(r#"{"event":"exit"}"#, 64), Ok(ClientMessage::Exit)));
        let id = "0123456789abcdef";
        for (text, want) in [
            (format!(r#"{{"event":"admit","data":{{"peer_id":"{id}"}}}}"#), HostCommand::Admit(id.into())),
            (r#"{"event":"admit","data":{"all":true}}"#.to_owned(), HostCommand::AdmitAll),
            (format!(r#"{{"event":"deny","data":{{"peer_id":"{id}"}}}}"#), HostCommand::Deny(id.into())),
            (format!(r#"{{"event":"remove","data":{{"peer_id":"{id}"}}}}"#), HostCommand::Remove(id.into())),
            (r#"{"event":"lock","data":{"locked":false}}"#.to_owned(), HostCommand::Lock(false)),
        ] {
            assert!(matches!(parse(&text, 64), Ok(ClientMessage::Host(c)) if c == want), "{text}");
        }
        let join = r#"{"event":"join","data":{"user_id":"a","room_id":"r","host_key":"k","waiting_room":true}}"#;
        assert!(matches!(parse(join, 64),
            Ok(ClientMessage::Join(j)) if j.host_key.as_deref() == Some("k") && j.waiting_room == Some(true)));
    }

    /// A host command of the wrong shape is refused with a code, never
    /// carried out with a guess.
    #[test]
    fn bad_host_commands() {
        let code = |t: &str| parse(t, 64).unwrap_err().code();
        assert_eq!(code(r#"{"event":"admit"}"#), "bad_message");
        assert_eq!(code(r#"{"event":"admit","data":{}}"#), "bad_message");
        assert_eq!(code(r#"{"event":"admit","data":{"all":false}}"#), "bad_message");
        assert_eq!(code(r#"{"event":"admit","data":{"peer_id":"bob"}}"#), "unknown_peer");
        assert_eq!(code(r#"{"event":"deny","data":{"peer_id":7}}"#), "bad_message");
        assert_eq!(code(r#"{"event":"remove","data":{}}"#), "bad_message");
        assert_eq!(code(r#"{"event":"lock","data":{"locked":"yes"}}"#), "bad_message");
        assert_eq!(code(r#"{"event":"lock","data":[]}"#), "bad_message");
    }

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
