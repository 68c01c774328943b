//! `lancall://` links: what a click on an invite hands the app. The OS starts
//! the app (or, through the single-instance plugin, reaches the running one)
//! with the link as its only argument; this module takes it apart, and says
//! why when it can't. A link comes from any web page or chat message, so
//! nothing in it is trusted: every part is checked and bounded here, and no
//! input makes this panic (a property test below feeds it arbitrary text).
//!
//! The one action today: `lancall://join?host=HOST:PORT&room=ROOM[&name=NAME]`,
//! the same host, room and name an http invite (`http://HOST:PORT/#room=…`)
//! carries. An https host is written with its scheme
//! (`host=https%3A%2F%2F192.168.1.5%3A8443`), as the client's host field takes it.

use serde::Serialize;

use crate::signal::protocol::{validate_room_id, validate_user_id};

/// The URL scheme lancall registers with the OS.
pub const SCHEME: &str = "lancall";

/// Longest link looked at; an invite is far shorter. Longer input is refused
/// before any work, so a hostile page can't make the app chew on megabytes.
pub const MAX_LINK_CHARS: usize = 2048;
/// Longest room id a link may carry: the server's own default cap.
const MAX_ROOM_CHARS: usize = 64;
/// Longest name a link may suggest: the lobby's name field's `maxlength`.
const MAX_NAME_CHARS: usize = 64;
/// Longest host: a DNS name (253) with a scheme and port, with room to spare.
const MAX_HOST_CHARS: usize = 300;

/// What a valid link asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkAction {
    /// Join `room` on the host at `host` (`host:port`, or `https://host:port`).
    Join { host: String, room: String, name: Option<String> },
}

/// Why a link can't be used. The UI shows each in the person's language
/// by its `code`; `Display` is for the log and the command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum LinkError {
    #[error("the link is longer than {max} characters")]
    TooLong { max: usize },
    #[error("not a lancall:// link")]
    NotLancall,
    #[error("the link asks for `{action}`, which this version of lancall does not know")]
    UnknownAction { action: String },
    #[error("the link names no host")]
    NoHost,
    #[error("the link's host `{host}` is not a host name or address with a port")]
    BadHost { host: String },
    #[error("the link names no room")]
    NoRoom,
    #[error("the link's room `{room}` is not a valid room name")]
    BadRoom { room: String },
    #[error("the link's name is not a valid name (at most {max} printable characters)")]
    BadName { max: usize },
}

/// True if `arg` is meant as a lancall link (its scheme, any case), so the
/// command line treats it as one, good or bad, and never as a subcommand.
pub fn is_link(arg: &str) -> bool {
    arg.trim_start()
        .get(..SCHEME.len() + 1)
        .is_some_and(|s| s.eq_ignore_ascii_case(&format!("{SCHEME}:")))
}

/// Take a `lancall:` link apart.
pub fn parse(link: &str) -> Result<LinkAction, LinkError> {
    if link.chars().count() > MAX_LINK_CHARS {
        return Err(LinkError::TooLong { max: MAX_LINK_CHARS });
    }
    let link = link.trim();
    if !is_link(link) {
        return Err(LinkError::NotLancall);
    }
    // `lancall://join?…`; `lancall:join?…` too, since some launchers drop
    // the slashes, and `join/` since some browsers add one.
    let rest = link[SCHEME.len() + 1..].trim_start_matches('/');
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let (action, query) = rest.split_once('?').unwrap_or((rest, ""));
    let action = action.trim_end_matches('/');
    if !action.eq_ignore_ascii_case("join") {
        return Err(LinkError::UnknownAction { action: shown(&percent_decode(action), 40) });
    }
    let params = query_params(query);
    let get = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim());
    let host = match get("host") {
        None | Some("") => return Err(LinkError::NoHost),
        Some(h) => check_host(h)?,
    };
    let room = match get("room") {
        None | Some("") => return Err(LinkError::NoRoom),
        Some(r) => r,
    };
    if validate_room_id(room, MAX_ROOM_CHARS).is_err() {
        return Err(LinkError::BadRoom { room: shown(room, MAX_ROOM_CHARS + 1) });
    }
    let name = match get("name") {
        None | Some("") => None,
        Some(n) => {
            validate_user_id(n, MAX_NAME_CHARS).map_err(|_| LinkError::BadName { max: MAX_NAME_CHARS })?;
            Some(n.to_owned())
        }
    };
    Ok(LinkAction::Join { host, room: room.to_owned(), name })
}

/// The link that asks the app to join `room` at `host` (`host:port` or `https://host:port`).
pub fn join_link(host: &str, room: &str, name: Option<&str>) -> String {
    let mut link = format!("{SCHEME}://join?host={}&room={}", escape(host), escape(room));
    if let Some(name) = name.filter(|n| !n.is_empty()) {
        link.push_str("&name=");
        link.push_str(&escape(name));
    }
    link
}

/// `HOST:PORT`, `[v6]:PORT` or `http(s)://` one of those, as the client's
/// host field takes it: http is the default and dropped, https kept.
fn check_host(host: &str) -> Result<String, LinkError> {
    let bad = || LinkError::BadHost { host: shown(host, 80) };
    if host.chars().count() > MAX_HOST_CHARS {
        return Err(bad());
    }
    let (scheme, authority) = match host.split_once("://") {
        Some((s, a)) if s.eq_ignore_ascii_case("https") => (Some("https"), a),
        Some((s, a)) if s.eq_ignore_ascii_case("http") => (None, a),
        Some(_) => return Err(bad()),
        None => (None, host),
    };
    let authority = authority.strip_suffix('/').unwrap_or(authority);
    let (name, port) = match authority.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, Some(port)),
        _ => (authority, None),
    };
    let name_ok = if let Some(v6) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        !v6.is_empty() && v6.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    };
    // A port is needed unless the scheme says it (a bare host would mean port 80).
    let port_ok = match port {
        Some(p) => p.parse::<u16>().is_ok_and(|p| p > 0) && p.bytes().all(|b| b.is_ascii_digit()),
        None => scheme.is_some(),
    };
    if !name_ok || !port_ok {
        return Err(bad());
    }
    Ok(match scheme {
        Some(s) => format!("{s}://{authority}"),
        None => authority.to_owned(),
    })
}

/// `a=1&b=2`, decoded like `URLSearchParams` does (`+` is a space).
fn query_params(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")))
        })
        .collect()
}

/// Percent-encode all but unreserved characters (RFC 3986), so the link
/// survives every launcher and chat client.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `%XX` escapes decoded as UTF-8; a broken escape is kept as written.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Part of untrusted text, fit to quote in a notice: no control characters,
/// at most `max` characters.
fn shown(s: &str, max: usize) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(max).collect();
    if s.chars().filter(|c| !c.is_control()).nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn join(host: &str, room: &str, name: Option<&str>) -> LinkAction {
        LinkAction::Join { host: host.into(), room: room.into(), name: name.map(Into::into) }
    }

    /// The link the browser page's "Open in the app" button makes, and the variants launchers pass.
    #[test]
    fn join_links_parse() {
        assert_eq!(parse("lancall://join?host=192.168.1.5:8070&room=calm-otter-42"), Ok(join("192.168.1.5:8070", "calm-otter-42", None)));
        assert_eq!(parse("LANCALL://JOIN/?room=r&host=h.local%3A8071&name=Ada+L"), Ok(join("h.local:8071", "r", Some("Ada L"))));
        assert_eq!(parse(" lancall:join?host=10.0.0.2:1&room=x#ignored\n"), Ok(join("10.0.0.2:1", "x", None)));
        assert_eq!(parse("lancall://join?host=%5Bfe80%3A%3A1%5D%3A8070&room=%E4%BC%9A%E8%AE%AE"), Ok(join("[fe80::1]:8070", "会议", None)));
    }

    /// An https host keeps its scheme, so the app connects with wss; http is the default.
    #[test]
    fn host_schemes() {
        assert_eq!(parse("lancall://join?host=https%3A%2F%2F192.168.1.5%3A8443&room=r"), Ok(join("https://192.168.1.5:8443", "r", None)));
        assert_eq!(parse("lancall://join?host=http://h:8070/&room=r"), Ok(join("h:8070", "r", None)));
        assert_eq!(parse("lancall://join?host=https://h&room=r"), Ok(join("https://h", "r", None)));
    }

    /// Links made here parse back to what they were made from.
    #[test]
    fn made_links_round_trip() {
        let link = join_link("https://[fe80::1]:8443", "会议.1", Some("Zoë & co"));
        assert!(link.is_ascii(), "{link}");
        assert_eq!(parse(&link), Ok(join("https://[fe80::1]:8443", "会议.1", Some("Zoë & co"))));
        assert_eq!(parse(&join_link("h:1", "r", Some(""))), Ok(join("h:1", "r", None)));
    }

    /// Each way a link can be wrong has its own error, for its own notice.
    #[test]
    fn bad_links_say_why() {
        assert_eq!(parse("lancall://call?host=h:1&room=r"), Err(LinkError::UnknownAction { action: "call".into() }));
        assert_eq!(parse("lancall://"), Err(LinkError::UnknownAction { action: String::new() }));
        assert_eq!(parse("lancall://join?room=r"), Err(LinkError::NoHost));
        assert_eq!(parse("lancall://join?host=&room=r"), Err(LinkError::NoHost));
        assert_eq!(parse("lancall://join?host=h:1"), Err(LinkError::NoRoom));
        assert_eq!(parse("lancall://join?host=h:1&room=%20"), Err(LinkError::NoRoom));
        assert_eq!(parse("http://h:1/#room=r"), Err(LinkError::NotLancall));
        assert_eq!(parse(""), Err(LinkError::NotLancall));
        for host in ["h", "h:0", "h:65536", "h:80x", "a b:1", "ftp://h:1", "[zz]:1", "[]:1", ":1", "h:+1", "%00:1"] {
            assert!(matches!(parse(&format!("lancall://join?host={host}&room=r")), Err(LinkError::BadHost { .. })), "{host}");
        }
        assert!(matches!(parse("lancall://join?host=h:1&room=a/b"), Err(LinkError::BadRoom { .. })));
        assert!(matches!(parse(&format!("lancall://join?host=h:1&room={}", "a".repeat(65))), Err(LinkError::BadRoom { .. })));
        assert_eq!(parse("lancall://join?host=h:1&room=r&name=a%0Ab"), Err(LinkError::BadName { max: 64 }));
        assert_eq!(parse(&format!("lancall://join?host=h:1&room=r&x={}", "y".repeat(3000))), Err(LinkError::TooLong { max: MAX_LINK_CHARS }));
    }

    /// What the notice quotes from a hostile link is short and has no control characters.
    #[test]
    fn quoted_parts_are_bounded() {
        let Err(LinkError::UnknownAction { action }) = parse(&format!("lancall://%1B[31m{}?x", "a".repeat(500))) else { panic!() };
        assert!(action.chars().count() <= 41 && !action.contains('\u{1b}'), "{action}");
        let Err(LinkError::BadHost { host }) = parse(&format!("lancall://join?host={}&room=r", "h".repeat(400))) else { panic!() };
        assert!(host.chars().count() <= 81, "{host}");
    }

    /// The errors reach the page as `{ code, … }`.
    #[test]
    fn errors_serialize_with_a_code() {
        let json = serde_json::to_value(LinkError::UnknownAction { action: "x".into() }).unwrap();
        assert_eq!(json, serde_json::json!({ "code": "unknown-action", "action": "x" }));
        assert_eq!(serde_json::to_value(LinkError::NoRoom).unwrap(), serde_json::json!({ "code": "no-room" }));
    }

    /// Only the scheme decides whether an argument is a link.
    #[test]
    fn links_are_told_from_commands() {
        assert!(is_link("lancall://join") && is_link("LanCall:x") && is_link("lancall:"));
        assert!(!is_link("join") && !is_link("http://h/") && !is_link("lancal") && !is_link("é"));
    }

    proptest! {
        /// Arbitrary text, and arbitrary text after the scheme, never panics, and what
        /// parses is within the bounds the app relies on.
        #[test]
        fn arbitrary_input_never_panics(s in "\\PC*", tail in ".{0,300}", raw in proptest::collection::vec(any::<char>(), 0..400)) {
            let _ = parse(&s);
            let _ = is_link(&s);
            let raw: String = raw.into_iter().collect();
            let _ = parse(&raw);
            for link in [format!("lancall://join?{tail}"), format!("lancall://join?host={tail}&room={tail}&name={tail}"), format!("lancall:{tail}")] {
                if let Ok(LinkAction::Join { host, room, name }) = parse(&link) {
                    prop_assert!(validate_room_id(&room, MAX_ROOM_CHARS).is_ok());
                    prop_assert!(host.chars().count() <= MAX_HOST_CHARS && !host.chars().any(char::is_control));
                    prop_assert!(name.is_none_or(|n| validate_user_id(&n, MAX_NAME_CHARS).is_ok()));
                }
            }
        }

        /// Any valid room and name survive a made link.
        #[test]
        fn made_links_parse_back(room in "[\\p{L}\\p{N}._-]{1,64}", name in "[^\\p{C}]{1,64}", port in 1u16..) {
            prop_assume!(!name.trim().is_empty() && name.trim() == name);
            let host = format!("host.lan:{port}");
            prop_assert_eq!(parse(&join_link(&host, &room, Some(&name))), Ok(join(&host, &room, Some(&name))));
        }
    }
}
