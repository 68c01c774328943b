//! Target `protocol`: one text frame through `protocol::parse`, the edge
//! where every client message is decoded and validated.
//!
//! Beyond "no panic": a refusal carries a documented code and a bounded
//! message; an accepted join has ids that pass validation again after a
//! round trip; an accepted relay, stamped by the server, is valid JSON whose
//! `value` is the sender's bytes untouched and whose `from` is the server's,
//! and parses back into the same relay.

use lancall::signal::protocol::{
    self, validate_room_id, validate_user_id, ClientMessage, HostCommand, Join, ProtocolError, Relay, ServerMessage,
};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The server's default id limit, and a small one to reach its edges.
const ID_LIMITS: [usize; 2] = [64, 3];

/// Every code `parse` may answer with (docs/protocol.md, "error").
const CODES: [&str; 7] =
    ["bad_json", "unknown_event", "bad_message", "binary_unsupported", "bad_room_id", "bad_user_id", "unknown_peer"];

/// The id the server stamps as `from`.
const SENDER: &str = "0123456789abcdef";

pub fn check(data: &[u8]) {
    // The transport hands the parser only valid UTF-8 (a text frame).
    let text = String::from_utf8_lossy(data);
    for max in ID_LIMITS {
        check_text(&text, max);
    }
}

/// Parse one text frame as the server does, and check what came out.
pub fn check_text(text: &str, max_id_chars: usize) {
    match protocol::parse(text, max_id_chars) {
        Err(e) => check_refusal(text, &e),
        Ok(ClientMessage::Pong) => {
            let t = text.trim();
            assert!(t == "pong" || t == "\"pong\"", "pong from {text:?}");
        }
        Ok(ClientMessage::Ping) => {
            let t = text.trim();
            assert!(t == "ping" || t == "\"ping\"", "ping from {text:?}");
        }
        Ok(ClientMessage::Exit) => {}
        Ok(ClientMessage::Join(join)) => check_join(&join, max_id_chars),
        Ok(ClientMessage::Relay(relay)) => check_relay(&relay, max_id_chars),
        Ok(ClientMessage::Host(command)) => check_host(text, &command),
    }
}

/// A host command names a peer only by an id the server could have made,
/// and came as the event it says.
fn check_host(text: &str, command: &HostCommand) {
    if let HostCommand::Admit(id) | HostCommand::Deny(id) | HostCommand::Remove(id) = command {
        assert!(id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()), "peer id {id:?}");
    }
    let envelope: serde_json::Value = serde_json::from_str(text).expect("a command is JSON");
    assert_eq!(envelope["event"], command.event(), "{text}");
}

fn check_refusal(text: &str, e: &ProtocolError) {
    assert!(CODES.contains(&e.code()), "undocumented code {}", e.code());
    let message = e.to_string();
    assert!(!message.is_empty());
    // The message goes back to the client: bounded, whatever came in.
    assert!(message.chars().count() <= 300, "error message of {} chars for {} bytes of input", message.chars().count(), text.len());
    let json = ServerMessage::Error { code: e.code(), message: &message, reference: None }.to_json();
    let back: serde_json::Value = serde_json::from_str(&json).expect("error event is JSON");
    assert_eq!(back["data"]["code"], e.code());
}

fn check_join(join: &Join, max: usize) {
    assert!(validate_room_id(&join.room_id, max).is_ok());
    assert!(validate_user_id(&join.user_id, max).is_ok());
    let room_chars = join.room_id.chars().count();
    assert!((1..=max).contains(&room_chars));
    assert!(join.room_id.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c)));
    assert!(join.user_id.chars().count() <= max && !join.user_id.trim().is_empty());
    assert!(!join.user_id.chars().any(char::is_control));
    // What was accepted is accepted again, unchanged, once re-encoded.
    let again = serde_json::json!({"event": "join", "data": {
        "user_id": join.user_id, "room_id": join.room_id, "version": join.version,
        "passcode": join.passcode, "resume": join.resume,
    }});
    match protocol::parse(&again.to_string(), max) {
        Ok(ClientMessage::Join(j)) => {
            assert_eq!((&j.user_id, &j.room_id, j.version), (&join.user_id, &join.room_id, join.version));
            assert_eq!((&j.passcode, &j.resume), (&join.passcode, &join.resume));
        }
        other => panic!("re-encoded join refused: {other:?}"),
    }
}

/// A relay as a recipient gets it.
#[derive(Deserialize)]
struct Relayed<'a> {
    event: String,
    #[serde(borrow)]
    data: RelayedData<'a>,
}

#[derive(Deserialize)]
struct RelayedData<'a> {
    room_id: String,
    #[serde(borrow)]
    value: &'a RawValue,
    from: String,
    to: Option<String>,
}

fn check_relay(relay: &Relay, max: usize) {
    if let Some(to) = &relay.to {
        assert!(to.len() == 16 && to.bytes().all(|b| b.is_ascii_hexdigit()), "to {to:?}");
    }
    serde_json::from_str::<serde::de::IgnoredAny>(relay.value.get()).expect("value is JSON");
    let room = relay.room_id.clone().unwrap_or_else(|| "room".to_owned());
    let out = protocol::relay_json(relay.kind, &room, SENDER, relay);
    let got: Relayed = serde_json::from_str(&out).unwrap_or_else(|e| panic!("relay out is not JSON ({e}): {out}"));
    assert_eq!(got.event, relay.kind.event());
    assert_eq!(got.data.value.get(), relay.value.get(), "value passed on byte for byte");
    assert_eq!(got.data.from, SENDER, "from is the server's");
    assert_eq!(got.data.room_id, room);
    assert_eq!(got.data.to, relay.to);
    // What the server sends is itself valid client input for the same relay.
    match protocol::parse(&out, max) {
        Ok(ClientMessage::Relay(r)) => {
            assert_eq!(r.kind, relay.kind);
            assert_eq!(r.value.get(), relay.value.get());
            assert_eq!(r.to, relay.to);
        }
        other => panic!("relayed frame does not parse back: {other:?}"),
    }
}
