//! STUN and TURN servers for webrtcbin, from the client's RTCConfiguration
//! (`iceServers`, `iceTransportPolicy`): RTCIceServer URLs (`stun:host:port`,
//! `turn:host:port?transport=udp`, `turns:…`) with their username and
//! credential become webrtcbin's `stun-server` and `add-turn-server` URIs
//! (`turn://user:pass@host:port`). Checked here, so a bad entry is a clear
//! error for the page, never a webrtcbin that silently ignores it.

use gstreamer as gst;
use gstreamer::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::{Error, Result};

/// One RTCIceServer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct IceServer {
    pub urls: Urls,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub credential: Option<String>,
}

/// One URL or several, as RTCIceServer has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Urls {
    One(String),
    Many(Vec<String>),
}

impl Default for Urls {
    fn default() -> Self {
        Urls::Many(Vec::new())
    }
}

impl Urls {
    fn iter(&self) -> impl Iterator<Item = &String> {
        match self {
            Urls::One(u) => std::slice::from_ref(u).iter(),
            Urls::Many(u) => u.iter(),
        }
    }
}

/// RTCIceTransportPolicy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum IcePolicy {
    All,
    /// Only candidates through a TURN server.
    Relay,
}

/// The part of RTCConfiguration about ICE, as the page passes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct IceConfig {
    #[serde(default)]
    pub ice_servers: Vec<IceServer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub ice_transport_policy: Option<IcePolicy>,
}

impl IceConfig {
    /// webrtcbin's URIs: the STUN server (it takes one; the first wins) and
    /// every TURN server.
    pub fn uris(&self) -> Result<(Option<String>, Vec<String>)> {
        let mut stun = None;
        let mut turn = Vec::new();
        for server in &self.ice_servers {
            for url in server.urls.iter() {
                let (scheme, rest) = url.split_once(':').ok_or_else(|| bad(url, "no scheme"))?;
                match scheme {
                    "stun" | "turn" | "turns" => {}
                    "stuns" => return Err(bad(url, "webrtcbin has no STUN over TLS")),
                    _ => return Err(bad(url, "not a stun:, turn: or turns: URL")),
                }
                let (address, query) = match rest.split_once('?') {
                    Some((a, q)) => (a, Some(q)),
                    None => (rest, None),
                };
                let address = host_port(url, address, if scheme == "turns" { 5349 } else { 3478 })?;
                match scheme {
                    "stun" => {
                        if query.is_some() {
                            return Err(bad(url, "a STUN URL takes no parameters"));
                        }
                        stun.get_or_insert(format!("stun://{address}"));
                    }
                    _ => {
                        let transport = match query {
                            None => String::new(),
                            Some(q @ ("transport=udp" | "transport=tcp")) => format!("?{q}"),
                            Some(_) => return Err(bad(url, "the only parameter is transport=udp or transport=tcp")),
                        };
                        let (Some(user), Some(pass)) = (&server.username, &server.credential) else {
                            return Err(bad(url, "a TURN server needs a username and a credential"));
                        };
                        turn.push(format!("{scheme}://{}:{}@{address}{transport}", escape(user), escape(pass)));
                    }
                }
            }
        }
        Ok((stun, turn))
    }

    /// Set them on a webrtcbin that has not started gathering.
    pub(super) fn apply(&self, webrtc: &gst::Element) -> Result<()> {
        let (stun, turn) = self.uris()?;
        if let Some(stun) = stun {
            webrtc.set_property("stun-server", stun);
        }
        for uri in turn {
            if !webrtc.emit_by_name::<bool>("add-turn-server", &[&uri]) {
                return Err(Error::BadIceServer(format!("webrtcbin refused the TURN server {}", redact(&uri))));
            }
        }
        if self.ice_transport_policy == Some(IcePolicy::Relay) {
            webrtc.set_property_from_str("ice-transport-policy", "relay");
        }
        Ok(())
    }
}

fn bad(url: &str, why: &str) -> Error {
    Error::BadIceServer(format!("{:?}: {why}", url.chars().take(120).collect::<String>()))
}

/// `host`, `host:port` or `[v6]:port`, checked, with the default port added.
fn host_port(url: &str, address: &str, default_port: u16) -> Result<String> {
    let (host, port) = if let Some(v6) = address.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(|| bad(url, "an unclosed [ in the address"))?;
        (format!("[{h}]"), after.strip_prefix(':'))
    } else {
        match address.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (address.to_owned(), None),
        }
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !host_ok {
        return Err(bad(url, "not a host name or address"));
    }
    let port = match port {
        None => default_port,
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| bad(url, "not a port"))?,
    };
    Ok(format!("{host}:{port}"))
}

/// Percent-encode all but URI's unreserved characters (webrtcbin unescapes
/// the user and password of a TURN URI).
fn escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A TURN URI without its password, for messages.
fn redact(uri: &str) -> String {
    match (uri.split_once("://"), uri.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, address))) => format!("{scheme}://…@{address}"),
        _ => "…".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: serde_json::Value) -> IceConfig {
        serde_json::from_value(json).unwrap()
    }

    /// The client's RTCConfiguration becomes webrtcbin's URIs: one STUN
    /// server, every TURN server with its user and password escaped.
    #[test]
    fn rtc_ice_servers_become_webrtcbin_uris() {
        let c = config(serde_json::json!({
            "iceServers": [
                { "urls": "stun:stun.example.org" },
                { "urls": ["turn:10.0.0.1:3479?transport=udp", "turns:[::1]"], "username": "ann", "credential": "p@ss:w/rd" },
                { "urls": "stun:ignored.example.org:1" }
            ],
            "iceTransportPolicy": "relay"
        }));
        assert_eq!(c.ice_transport_policy, Some(IcePolicy::Relay));
        let (stun, turn) = c.uris().unwrap();
        assert_eq!(stun.as_deref(), Some("stun://stun.example.org:3478"));
        assert_eq!(turn, ["turn://ann:p%40ss%3Aw%2Frd@10.0.0.1:3479?transport=udp", "turns://ann:p%40ss%3Aw%2Frd@[::1]:5349"]);
        assert_eq!(config(serde_json::json!({})), IceConfig::default());
    }

    /// Bad entries are errors that say which URL and why, never a panic.
    #[test]
    fn bad_ice_servers_are_clear_errors() {
        for (json, why) in [
            (serde_json::json!({ "iceServers": [{ "urls": "turn:h:3478" }] }), "username"),
            (serde_json::json!({ "iceServers": [{ "urls": "http://h" }] }), "not a stun"),
            (serde_json::json!({ "iceServers": [{ "urls": "stun:h:99999" }] }), "not a port"),
            (serde_json::json!({ "iceServers": [{ "urls": "stun:a b" }] }), "not a host"),
            (serde_json::json!({ "iceServers": [{ "urls": "nothing" }] }), "no scheme"),
            (serde_json::json!({ "iceServers": [{ "urls": "stun:[::1" }] }), "unclosed"),
            (
                serde_json::json!({ "iceServers": [{ "urls": "turn:h?x=1", "username": "u", "credential": "c" }] }),
                "transport",
            ),
        ] {
            let err = config(json.clone()).uris().unwrap_err();
            assert_eq!(err.code(), "bad_ice_server");
            assert!(err.to_string().contains(why), "{json}: {err}");
        }
        let policy: std::result::Result<IceConfig, _> = serde_json::from_value(serde_json::json!({ "iceTransportPolicy": "none" }));
        assert!(policy.is_err());
    }
}
