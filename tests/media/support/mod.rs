//! The shared in-process server (`tests/common/server.rs`, serving ui/ too,
//! for Chromium) and a native caller: the engine driven over lancall's
//! WebSocket protocol the way ui/js/call.js and peer.js drive
//! RTCPeerConnection — members offer to a newcomer when the host announces
//! it (`join`), the newcomer answers, candidates trickle, and the
//! `lancall` data channel carries `hello` and `chat` messages in the
//! client's JSON shapes.

pub mod chromium;
pub mod turn;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use lancall::media::{self, AudioOut, Config, Engine, Event, IceCandidate, NativePeer, PeerEvent, SessionDescription};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

pub use crate::server::TestServer;

/// A small picture keeps two encoders and a browser within 2 cores.
pub fn test_config() -> Config {
    Config {
        source: media::Source::Test,
        video: media::VideoFormat { width: 320, height: 240, fps: 15, bitrate_kbps: 300 },
        audio_out: AudioOut::Discard,
        decode_video: true,
        ..Config::default()
    }
}

/// What a native caller has seen, for the test to poll.
#[derive(Default)]
pub struct Seen {
    pub my_id: String,
    pub peers: HashMap<String, NativePeer>,
    pub names: HashMap<String, String>,
    /// Chat texts received over the data channel, by sender id.
    pub chats: Vec<(String, String)>,
    /// Open data channels, by peer id.
    pub channels: HashSet<String>,
    pub states: HashMap<String, String>,
    /// Errors the engine returned, as (peer id, error code): what the UI would show.
    pub errors: Vec<(String, String)>,
    /// The latest key frame from each peer and how many came so far (with
    /// `Config::forward_video`).
    pub key_frames: HashMap<String, (u64, Vec<u8>)>,
    /// Errors of the engine's own pipelines (capture, playback).
    pub engine_errors: Vec<String>,
    /// Every ICE candidate line we sent, and every offer's SDP.
    pub sent_candidates: Vec<String>,
    pub offers: Vec<String>,
    /// Every forwarded video frame of any peer also goes here, if set (the
    /// media benchmark decodes them).
    pub video_tap: Option<std::sync::mpsc::Sender<media::EncodedFrame>>,
}

enum Cmd {
    Chat(String),
    Restart(String),
}

pub struct NativeCaller {
    pub name: String,
    /// Its engine, for what a person does with the device picker.
    pub engine: Arc<Engine>,
    pub seen: Arc<Mutex<Seen>>,
    cmds: mpsc::UnboundedSender<Cmd>,
    task: JoinHandle<()>,
}

impl NativeCaller {
    /// Start an engine with `config` and join `room` at `ws_url` as `name`.
    pub async fn join(ws_url: &str, room: &str, name: &str, config: Config) -> NativeCaller {
        let (engine, events) = Engine::new(config).expect("engine starts");
        let engine = Arc::new(engine);
        let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.expect("connect");
        let join = json!({"event": "join", "data": {"user_id": name, "room_id": room, "version": 1}});
        ws.send(Message::Text(join.to_string().into())).await.expect("send join");
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (cmds, cmd_rx) = mpsc::unbounded_channel();
        let actor = Actor { name: name.to_owned(), engine: engine.clone(), seen: seen.clone() };
        let task = tokio::spawn(actor.run(ws, events, cmd_rx));
        NativeCaller { name: name.to_owned(), engine, seen, cmds, task }
    }

    pub fn seen<T>(&self, f: impl FnOnce(&Seen) -> T) -> T {
        f(&self.seen.lock().unwrap())
    }

    /// Frame counters of the connection to the only (or first) peer.
    pub fn counters(&self) -> Option<media::Counters> {
        self.seen(|s| s.peers.values().next().map(|p| p.counters()))
    }

    pub fn counters_of(&self, id: &str) -> Option<media::Counters> {
        self.seen(|s| s.peers.get(id).map(|p| p.counters()))
    }

    /// Send a chat message to everyone over the data channels.
    pub fn chat(&self, text: &str) {
        let _ = self.cmds.send(Cmd::Chat(text.to_owned()));
    }

    /// Restart ICE with peer `id` as the client does when its connection
    /// failed: a new webrtcbin, then an offer.
    pub fn restart(&self, id: &str) {
        let _ = self.cmds.send(Cmd::Restart(id.to_owned()));
    }

    pub async fn leave(self) {
        self.task.abort();
        let _ = self.task.await;
        for p in self.seen.lock().unwrap().peers.values() {
            p.close();
        }
    }
}

/// Poll `cond` every 100 ms until it holds; panic with `what` after `secs`.
pub async fn wait_for(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Actor {
    name: String,
    engine: Arc<Engine>,
    seen: Arc<Mutex<Seen>>,
}

impl Actor {
    async fn run(self, mut ws: Ws, mut events: mpsc::UnboundedReceiver<Event>, mut cmds: mpsc::UnboundedReceiver<Cmd>) {
        loop {
            let out = tokio::select! {
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(text))) => self.on_signal(&text).await,
                    Some(Ok(_)) => Vec::new(),
                    _ => return,
                },
                Some(ev) = events.recv() => self.on_event(ev),
                Some(cmd) = cmds.recv() => self.on_cmd(cmd).await,
            };
            for frame in out {
                if ws.send(Message::Text(frame.to_string().into())).await.is_err() {
                    return;
                }
            }
        }
    }

    fn peer(&self, id: &str) -> Option<NativePeer> {
        self.seen.lock().unwrap().peers.get(id).cloned()
    }

    fn add_peer(&self, id: &str) -> NativePeer {
        let peer = self.engine.peer(id).expect("peer");
        self.seen.lock().unwrap().peers.insert(id.to_owned(), peer.clone());
        peer
    }

    fn error(&self, id: &str, e: &media::Error) {
        eprintln!("[{}] peer {id}: {e}", self.name);
        self.seen.lock().unwrap().errors.push((id.to_owned(), e.code().to_owned()));
    }

    /// One message from the host; returns the frames to send back.
    async fn on_signal(&self, text: &str) -> Vec<Value> {
        let Ok(frame) = serde_json::from_str::<Value>(text) else { return Vec::new() };
        let data = &frame["data"];
        let from = data["from"].as_str().unwrap_or_default().to_owned();
        match frame["event"].as_str().unwrap_or_default() {
            "welcome" => {
                let mut seen = self.seen.lock().unwrap();
                seen.my_id = data["peer_id"].as_str().unwrap_or_default().to_owned();
                for m in data["members"].as_array().into_iter().flatten() {
                    let id = m["peer_id"].as_str().unwrap_or_default();
                    seen.names.insert(id.to_owned(), m["user_id"].as_str().unwrap_or_default().to_owned());
                }
                Vec::new() // the members offer to us
            }
            "join" => {
                // A newcomer: we offer, with the data channel, as call.js does.
                let Some(id) = data["peer_id"].as_str() else { return Vec::new() };
                self.seen.lock().unwrap().names.insert(id.to_owned(), data["user_id"].as_str().unwrap_or_default().to_owned());
                let peer = self.add_peer(id);
                let result = async {
                    peer.create_data_channel("lancall")?;
                    let offer = peer.create_offer().await?;
                    self.seen.lock().unwrap().offers.push(offer.sdp.clone());
                    let frame = relay("offer_sdp", serde_json::to_value(&offer).unwrap(), id);
                    peer.set_local_description(&offer).await?;
                    Ok::<_, media::Error>(frame)
                }
                .await;
                match result {
                    Ok(frame) => vec![frame],
                    Err(e) => {
                        self.error(id, &e);
                        Vec::new()
                    }
                }
            }
            "offer_sdp" => {
                let peer = self.peer(&from).unwrap_or_else(|| self.add_peer(&from));
                let result = async {
                    let desc: SessionDescription =
                        serde_json::from_value(data["value"].clone()).map_err(|e| media::Error::BadSdp(e.to_string()))?;
                    peer.set_remote_description(&desc).await?;
                    let answer = peer.create_answer().await?;
                    let frame = relay("answer_sdp", serde_json::to_value(&answer).unwrap(), &from);
                    peer.set_local_description(&answer).await?;
                    Ok::<_, media::Error>(frame)
                }
                .await;
                match result {
                    Ok(frame) => vec![frame],
                    Err(e) => {
                        self.error(&from, &e);
                        Vec::new()
                    }
                }
            }
            "answer_sdp" => {
                if let Some(peer) = self.peer(&from) {
                    let desc = serde_json::from_value::<SessionDescription>(data["value"].clone())
                        .map_err(|e| media::Error::BadSdp(e.to_string()));
                    if let Err(e) = match desc {
                        Ok(d) => peer.set_remote_description(&d).await,
                        Err(e) => Err(e),
                    } {
                        self.error(&from, &e);
                    }
                }
                Vec::new()
            }
            "candidate" => {
                if let Some(peer) = self.peer(&from) {
                    let c = serde_json::from_value::<IceCandidate>(data["value"].clone())
                        .map_err(|e| media::Error::BadCandidate(e.to_string()));
                    if let Err(e) = c.and_then(|c| peer.add_ice_candidate(&c)) {
                        self.error(&from, &e);
                    }
                }
                Vec::new()
            }
            "exit_room" => {
                if let Some(id) = data["peer_id"].as_str() {
                    if let Some(p) = self.seen.lock().unwrap().peers.remove(id) {
                        p.close();
                    }
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn on_event(&self, ev: Event) -> Vec<Value> {
        let (id, event) = match ev {
            Event::Peer { id, event } => (id, event),
            Event::Error { peer: None, message } => {
                eprintln!("[{}] engine: {message}", self.name);
                self.seen.lock().unwrap().engine_errors.push(message);
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        match event {
            PeerEvent::Candidate(c) => {
                self.seen.lock().unwrap().sent_candidates.push(c.candidate.clone());
                return vec![relay("candidate", serde_json::to_value(&c).unwrap(), &id)];
            }
            PeerEvent::Channel(true) => {
                let hello = json!({"t": "hello", "name": self.name, "mic": true, "cam": true});
                if let Some(p) = self.peer(&id) {
                    let _ = p.send(&hello.to_string());
                }
                self.seen.lock().unwrap().channels.insert(id);
            }
            PeerEvent::Channel(false) => {
                self.seen.lock().unwrap().channels.remove(&id);
            }
            PeerEvent::ConnectionState(s) => {
                self.seen.lock().unwrap().states.insert(id, s);
            }
            PeerEvent::Video(frame) => {
                let mut seen = self.seen.lock().unwrap();
                if let Some(tap) = &seen.video_tap {
                    let _ = tap.send(frame.clone());
                }
                if frame.key {
                    let slot = seen.key_frames.entry(id).or_default();
                    *slot = (slot.0 + 1, frame.data);
                }
            }
            PeerEvent::Message(text) => {
                let m: Value = serde_json::from_str(&text).unwrap_or_default();
                if m["t"] == "chat" {
                    let body = m["text"].as_str().unwrap_or_default().to_owned();
                    self.seen.lock().unwrap().chats.push((id, body));
                }
            }
            _ => {}
        }
        Vec::new()
    }

    async fn on_cmd(&self, cmd: Cmd) -> Vec<Value> {
        match cmd {
            Cmd::Restart(id) => {
                let Some(peer) = self.peer(&id) else { return Vec::new() };
                let result = async {
                    peer.restart_ice().await?;
                    let offer = peer.create_offer().await?;
                    self.seen.lock().unwrap().offers.push(offer.sdp.clone());
                    let frame = relay("offer_sdp", serde_json::to_value(&offer).unwrap(), &id);
                    peer.set_local_description(&offer).await?;
                    Ok::<_, media::Error>(frame)
                }
                .await;
                return match result {
                    Ok(frame) => vec![frame],
                    Err(e) => {
                        self.error(&id, &e);
                        Vec::new()
                    }
                };
            }
            Cmd::Chat(text) => {
                let id = format!("{:016x}", rand_id());
                let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
                let m = json!({"t": "chat", "id": id, "text": text, "ts": ts}).to_string();
                for p in self.seen.lock().unwrap().peers.values() {
                    if let Err(e) = p.send(&m) {
                        eprintln!("[{}] chat to {}: {e}", self.name, p.id());
                    }
                }
            }
        }
        Vec::new()
    }
}

fn rand_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0));
    h.finish()
}

/// `{"event": kind, "data": {"value": value, "to": to}}`, as signaling.js relays.
pub fn relay(kind: &str, value: Value, to: &str) -> Value {
    json!({"event": kind, "data": {"value": value, "to": to}})
}
