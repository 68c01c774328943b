//! What the command line asked the window to do: show the lobby, host a
//! call, or join one from an invite link (http or `lancall://`). The client
//! asks for it once at start (`launch`) and acts on it; later launches (a
//! second `lancall …`, a clicked link) reach it through `handoff`.

use serde::Serialize;

use super::deep_link::{percent_decode, LinkError};
use crate::signal::protocol::validate_room_id;

/// Longest room id an invite may carry; the server's own default cap.
const MAX_ROOM_CHARS: usize = 64;

/// The window's first action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum Launch {
    /// The lobby: the person picks host or join.
    Lobby { name: Option<String> },
    /// Host at once, in `room`; `waiting_room` is false with
    /// `lancall host --no-waiting-room`.
    Host { room: String, name: Option<String>, waiting_room: bool },
    /// Join the call an invite link points at.
    Join { host: String, room: String, name: Option<String> },
    /// A `lancall://` link that can't be used: the lobby, with a notice
    /// saying why (serialized as mode `badlink`).
    BadLink { problem: LinkError },
}

/// The invite link to `room` at a host page like `http://ADDR:PORT/`.
pub fn invite_link(page: &str, room: &str) -> String {
    let mut room_escaped = String::with_capacity(room.len());
    for b in room.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => room_escaped.push(b as char),
            _ => room_escaped.push_str(&format!("%{b:02X}")),
        }
    }
    format!("{page}#room={room_escaped}")
}

/// Why an invite link can't be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteError {
    #[error("the invite link has no host (expected something like http://192.168.1.5:8070/#room=team)")]
    NoHost,
    #[error("the invite link names no room (expected #room=NAME at its end)")]
    NoRoom,
    #[error("the invite link's room is not valid: {0}")]
    BadRoom(String),
    #[error("the invite link's host `{0}` is not a host name or address")]
    BadHost(String),
}

/// An invite link taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// `host:port`, as the client's host field takes it.
    pub host: String,
    pub room: String,
    /// The name the link suggests (`&name=`), if any.
    pub name: Option<String>,
}

/// Parse what a person pastes: `http://HOST:PORT/#room=ROOM[&name=N]`,
/// the same without the scheme, or `HOST:PORT/ROOM` as a shorthand. HTTPS
/// links keep their scheme in `host` so the client connects with wss.
pub fn parse_invite(text: &str) -> Result<Invite, InviteError> {
    let text = text.trim();
    let (scheme, rest) = match text.split_once("://") {
        Some((s, rest)) if s.eq_ignore_ascii_case("https") => (Some("https"), rest),
        Some((s, rest)) if s.eq_ignore_ascii_case("http") => (None, rest),
        Some((s, _)) => return Err(InviteError::BadHost(format!("{s}://"))),
        None => (None, text),
    };
    let (before_hash, hash) = rest.split_once('#').unwrap_or((rest, ""));
    let (authority, path) = before_hash.split_once('/').unwrap_or((before_hash, ""));
    if authority.is_empty() {
        return Err(InviteError::NoHost);
    }
    if !authority.chars().all(|c| c.is_ascii_alphanumeric() || "-.:[]_".contains(c)) {
        return Err(InviteError::BadHost(authority.to_owned()));
    }
    let params = hash_params(hash);
    let room = match params.iter().find(|(k, _)| k == "room") {
        Some((_, room)) => room.clone(),
        // The shorthand HOST:PORT/ROOM.
        None => percent_decode(path.trim_end_matches('/')),
    };
    let room = room.trim().to_owned();
    if room.is_empty() {
        return Err(InviteError::NoRoom);
    }
    validate_room_id(&room, MAX_ROOM_CHARS).map_err(|e| InviteError::BadRoom(e.to_string()))?;
    let name = params.iter().find(|(k, _)| k == "name").map(|(_, v)| v.trim().to_owned()).filter(|n| !n.is_empty());
    let host = match scheme {
        Some(s) => format!("{s}://{authority}"),
        None => authority.to_owned(),
    };
    Ok(Invite { host, room, name })
}

/// `a=1&b=2` from a URL's hash, decoded like `URLSearchParams` does.
fn hash_params(hash: &str) -> Vec<(String, String)> {
    hash.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite(host: &str, room: &str, name: Option<&str>) -> Invite {
        Invite { host: host.into(), room: room.into(), name: name.map(Into::into) }
    }

    /// The link the client copies, with and without a name.
    #[test]
    fn client_links_parse() {
        assert_eq!(parse_invite("http://192.168.1.5:8070/#room=calm-otter-42"), Ok(invite("192.168.1.5:8070", "calm-otter-42", None)));
        assert_eq!(
            parse_invite(" http://10.0.0.2:8071/#room=team&name=Ada%20L&autojoin=1\n"),
            Ok(invite("10.0.0.2:8071", "team", Some("Ada L")))
        );
        assert_eq!(parse_invite("HTTP://host.local:8070#room=r"), Ok(invite("host.local:8070", "r", None)));
    }

    /// Non-ASCII rooms (the seed is Chinese) survive percent-encoding.
    #[test]
    fn encoded_rooms_decode() {
        assert_eq!(parse_invite("http://[fe80::1]:8070/#room=%E4%BC%9A%E8%AE%AE"), Ok(invite("[fe80::1]:8070", "会议", None)));
        assert_eq!(parse_invite("192.168.1.5:8070/#room=会议"), Ok(invite("192.168.1.5:8070", "会议", None)));
    }

    /// HTTPS invites keep their scheme so the client uses wss.
    #[test]
    fn https_keeps_scheme() {
        assert_eq!(parse_invite("https://192.168.1.5:8443/#room=r"), Ok(invite("https://192.168.1.5:8443", "r", None)));
    }

    /// HOST:PORT/ROOM is accepted as a shorthand.
    #[test]
    fn shorthand_path_room() {
        assert_eq!(parse_invite("192.168.1.5:8070/standup/"), Ok(invite("192.168.1.5:8070", "standup", None)));
    }

    /// What can't be an invite says why.
    #[test]
    fn bad_invites_say_why() {
        assert_eq!(parse_invite("http://192.168.1.5:8070/"), Err(InviteError::NoRoom));
        assert_eq!(parse_invite("http://192.168.1.5:8070/#room="), Err(InviteError::NoRoom));
        assert_eq!(parse_invite("#room=x"), Err(InviteError::NoHost));
        assert_eq!(parse_invite(""), Err(InviteError::NoHost));
        assert!(matches!(parse_invite("ftp://h:1/#room=x"), Err(InviteError::BadHost(_))));
        assert!(matches!(parse_invite("http://a b:1/#room=x"), Err(InviteError::BadHost(_))));
        assert!(matches!(parse_invite("http://h:1/#room=a%20b"), Err(InviteError::BadRoom(_))));
        assert!(matches!(parse_invite(&format!("h:1/#room={}", "a".repeat(65))), Err(InviteError::BadRoom(_))));
    }

    /// Made-up rooms are valid and links made here parse back.
    #[test]
    fn made_up_names_and_links_round_trip() {
        for _ in 0..50 {
            let room = crate::signal::room_name::spoken();
            validate_room_id(&room, MAX_ROOM_CHARS).unwrap();
            assert_eq!(parse_invite(&invite_link("http://10.0.0.2:8070/", &room)).unwrap().room, room);
        }
        let link = invite_link("http://10.0.0.2:8070/", "会议.1");
        assert_eq!(link, "http://10.0.0.2:8070/#room=%E4%BC%9A%E8%AE%AE.1");
        assert_eq!(parse_invite(&link).unwrap().room, "会议.1");
    }

    /// A broken escape stays as typed rather than failing or panicking.
    #[test]
    fn broken_escapes_are_kept() {
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("%"), "%");
    }
}
