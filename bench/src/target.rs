//! The two servers' dialects of the same relay: connect and join, a message
//! to the partner, and reading one back.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// lancall: pairs share a room; messages are `candidate` relays.
    Lancall,
    /// peerjs-server: each client has an id; messages are CANDIDATE to `dst`.
    Peerjs,
}

/// A real browser ICE candidate's fields, about 250 bytes with ours.
const CANDIDATE: &str = "candidate:842163049 1 udp 1677729535 192.168.1.23 56143 typ srflx raddr 10.0.0.5 rport 56143 generation 0 ufrag 4ZcD network-cost 999";

impl Target {
    /// Connect client `index` and wait until the server has it in place.
    pub async fn connect(self, url: &str, index: usize) -> Option<Socket> {
        for attempt in 0..5u32 {
            match tokio::time::timeout(Duration::from_secs(20), self.try_connect(url, index)).await {
                Ok(Ok(socket)) => return Some(socket),
                Ok(Err(e)) if attempt == 4 => eprintln!("client {index}: {e}"),
                Err(_) if attempt == 4 => eprintln!("client {index}: timed out"),
                _ => {}
            }
            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
        }
        None
    }

    async fn try_connect(self, url: &str, index: usize) -> Result<Socket, String> {
        let url = match self {
            Target::Lancall => url.to_owned(),
            Target::Peerjs => format!("{url}?key=peerjs&id=c{index}&token=t{index}"),
        };
        // Small client buffers: ten thousand sockets at the library's default
        // 128 KiB each would make the load generator itself the bottleneck.
        let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
        let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), false)
            .await
            .map_err(|e| e.to_string())?;
        if self == Target::Lancall {
            let join = serde_json::json!({"event": "join", "data": {"user_id": format!("c{index}"), "room_id": format!("bench{}", index / 2), "version": 1}});
            ws.send(Message::text(join.to_string())).await.map_err(|e| e.to_string())?;
        }
        // lancall answers `welcome`, peerjs `{"type":"OPEN"}`.
        while let Some(msg) = ws.next().await {
            let msg = msg.map_err(|e| e.to_string())?;
            let Message::Text(text) = msg else { continue };
            let v: Value = serde_json::from_str(text.as_str()).map_err(|e| e.to_string())?;
            match (self, v["event"].as_str(), v["type"].as_str()) {
                (Target::Lancall, Some("welcome"), _) | (Target::Peerjs, _, Some("OPEN")) => return Ok(ws),
                (Target::Lancall, Some("error"), _) | (Target::Peerjs, _, Some("ERROR")) => {
                    return Err(format!("refused: {text}"))
                }
                _ => continue,
            }
        }
        Err("closed before ready".into())
    }

    pub fn encode(self, index: usize, partner: usize, seq: u64, sent_us: u64) -> String {
        let value = serde_json::json!({
            "candidate": CANDIDATE, "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "4ZcD",
            "src": index, "seq": seq, "t": sent_us,
        });
        match self {
            Target::Lancall => serde_json::json!({"event": "candidate", "data": {"room_id": format!("bench{}", index / 2), "value": value}}),
            Target::Peerjs => serde_json::json!({"type": "CANDIDATE", "dst": format!("c{partner}"), "payload": value}),
        }
        .to_string()
    }

    /// (sender index, sequence number, send time in µs) of a relayed message.
    pub fn decode(self, text: &str) -> Option<(usize, u64, u64)> {
        let v: Value = serde_json::from_str(text).ok()?;
        let value = match self {
            Target::Lancall => (v["event"] == "candidate").then(|| &v["data"]["value"])?,
            Target::Peerjs => (v["type"] == "CANDIDATE").then(|| &v["payload"])?,
        };
        Some((value["src"].as_u64()? as usize, value["seq"].as_u64()?, value["t"].as_u64()?))
    }

    /// peerjs-server drops clients that send no heartbeat.
    pub fn heartbeat(self) -> Option<String> {
        (self == Target::Peerjs).then(|| r#"{"type":"HEARTBEAT"}"#.to_owned())
    }
}
