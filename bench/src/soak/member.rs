//! One seat in a room, taken again and again: connect, join, relay to the
//! room at a steady pace while checking what the others relay, then leave by
//! `exit` or by dropping the socket without a word, pause, and start over.
//!
//! Every relay carries its sender's seat, session and sequence number, so a
//! receiver can tell a lost, repeated or reordered message from what the
//! protocol allows it to miss (anything sent before it joined, after it left,
//! or by a peer whose socket dropped).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

/// Time between one member's relays: 4 a second, well under the server's
/// default 50/s per connection, so the rate limit never refuses a valid one.
const RELAY_EVERY: Duration = Duration::from_millis(250);

/// What every member adds to; the reporter reads and resets the interval parts.
#[derive(Default)]
pub struct Counters {
    pub sent: AtomicU64,
    pub delivered: AtomicU64,
    pub joins: AtomicU64,
    pub exits: AtomicU64,
    pub drops: AtomicU64,
    /// Joins refused (a full room while dropped peers linger): retried later.
    pub refused: AtomicU64,
    pub connect_failed: AtomicU64,
    /// Sequence numbers skipped between two messages of one sender.
    pub lost: AtomicU64,
    /// A sender that said `exit` before its last message (marked `fin`) arrived.
    pub lost_tail: AtomicU64,
    /// A sequence number at or below one already seen.
    pub repeated: AtomicU64,
    /// A relay from a peer this member was never told had joined.
    pub stray: AtomicU64,
    /// An `error` event from the server (none is expected).
    pub server_errors: AtomicU64,
    /// Sockets the server closed while the member was in its room.
    pub closed_by_server: AtomicU64,
}

/// Shared by every member of the run.
pub struct Run {
    pub start: Instant,
    pub url: String,
    pub counters: Counters,
    /// Relay latencies of the current report interval, µs.
    pub latencies_us: Mutex<Vec<u32>>,
}

impl Run {
    fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }
}

/// A small xorshift: the churn only has to vary, not be unpredictable.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A duration between `lo` and `hi` milliseconds.
    fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo).max(1))
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// What this member knows of one other member's stream of relays.
struct Track {
    /// The next sequence number due; `None` until the first arrives when the
    /// other was already in the room (what it sent before is not ours).
    next: Option<u64>,
    /// Whether a message must arrive before its `exit`: it joined after us,
    /// or we have heard from it.
    owes_fin: bool,
    fin: bool,
}

/// Seat `seat` of room `room`, taken over and over until `stop`; when told
/// to stop, the member in the room leaves with `exit`.
pub async fn seat(run: Arc<Run>, room: usize, seat: usize, mut stop: watch::Receiver<bool>) {
    let mut dice = Dice::new(seat as u64 + 1);
    let mut session = 0u64;
    while !*stop.borrow() {
        // Sessions outlast the server's resume grace (2 s in `make soak`),
        // so at most one dropped session per seat lingers in the room.
        let stay = dice.millis(3_000, 20_000);
        let drop_it = dice.chance(30);
        sit(&run, room, seat, session, stay, drop_it, &mut stop).await;
        session += 1;
        tokio::select! {
            _ = tokio::time::sleep(dice.millis(200, 2_000)) => {}
            _ = stop.changed() => {}
        }
    }
}

/// One session: join, relay and check for `stay`, then leave.
async fn sit(
    run: &Run,
    room: usize,
    seat: usize,
    session: u64,
    stay: Duration,
    drop_it: bool,
    stop: &mut watch::Receiver<bool>,
) {
    let c = &run.counters;
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let connect = tokio_tungstenite::connect_async_with_config(run.url.as_str(), Some(config), false);
    let Ok(Ok((mut ws, _))) = tokio::time::timeout(Duration::from_secs(20), connect).await else {
        c.connect_failed.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let room_id = format!("soak{room}");
    let join = json!({"event": "join", "data": {"user_id": format!("s{seat}"), "room_id": room_id, "version": 1}});
    if ws.send(Message::text(join.to_string())).await.is_err() {
        c.connect_failed.fetch_add(1, Ordering::Relaxed);
        return;
    }
    // Until `welcome`: who is already in the room.
    let mut peers: HashMap<String, Track> = HashMap::new();
    loop {
        let Some(Ok(msg)) = ws.next().await else {
            c.connect_failed.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let Some(v) = text_json(&msg) else { continue };
        match v["event"].as_str() {
            Some("welcome") => {
                for m in v["data"]["members"].as_array().into_iter().flatten() {
                    if let Some(id) = m["peer_id"].as_str() {
                        peers.insert(id.to_owned(), Track { next: None, owes_fin: false, fin: false });
                    }
                }
                break;
            }
            Some("error") => {
                c.refused.fetch_add(1, Ordering::Relaxed);
                let _ = ws.close(None).await;
                return;
            }
            _ => continue,
        }
    }
    c.joins.fetch_add(1, Ordering::Relaxed);

    let leave_at = tokio::time::Instant::now() + stay;
    let mut tick = tokio::time::interval(RELAY_EVERY);
    let mut seq = 0u64;
    let mut stopping = false;
    loop {
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(msg)) => {
                    if let Some(v) = text_json(&msg) {
                        receive(run, &mut peers, &v);
                    }
                }
                _ => {
                    c.closed_by_server.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            },
            _ = tick.tick() => {
                if ws.send(relay(run, &room_id, seat, session, seq, false)).await.is_err() {
                    c.closed_by_server.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                seq += 1;
                c.sent.fetch_add(1, Ordering::Relaxed);
            }
            _ = tokio::time::sleep_until(leave_at) => break,
            _ = stop.changed() => { stopping = true; break }
        }
    }
    if drop_it && !stopping {
        // Abrupt: no `exit`, no close frame; the TCP socket just goes.
        drop(ws);
        c.drops.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let fin = relay(run, &room_id, seat, session, seq, true);
    let exit = Message::text(json!({"event": "exit"}).to_string());
    if ws.send(fin).await.is_ok() && ws.send(exit).await.is_ok() {
        c.sent.fetch_add(1, Ordering::Relaxed);
        c.exits.fetch_add(1, Ordering::Relaxed);
    }
    let _ = ws.close(None).await;
}

/// A candidate to the whole room, stamped for the receivers' checks.
fn relay(run: &Run, room_id: &str, seat: usize, session: u64, seq: u64, fin: bool) -> Message {
    let value = json!({
        "candidate": "candidate:842163049 1 udp 1677729535 192.168.1.23 56143 typ srflx raddr 10.0.0.5 rport 56143 generation 0",
        "sdpMid": "0", "sdpMLineIndex": 0,
        "seat": seat, "session": session, "seq": seq, "t": run.now_us(), "fin": fin,
    });
    Message::text(json!({"event": "candidate", "data": {"room_id": room_id, "value": value}}).to_string())
}

/// One event from the server, checked against what this member knows.
fn receive(run: &Run, peers: &mut HashMap<String, Track>, v: &Value) {
    let c = &run.counters;
    let data = &v["data"];
    match v["event"].as_str() {
        // It joined after us: every message it relays is ours, from seq 0.
        Some("join") => {
            if let Some(id) = data["peer_id"].as_str() {
                peers.insert(id.to_owned(), Track { next: Some(0), owes_fin: true, fin: false });
            }
        }
        Some("candidate") => {
            let (Some(from), Some(seq), Some(t)) =
                (data["from"].as_str(), data["value"]["seq"].as_u64(), data["value"]["t"].as_u64())
            else {
                return;
            };
            c.delivered.fetch_add(1, Ordering::Relaxed);
            let lat = run.now_us().saturating_sub(t).min(u64::from(u32::MAX)) as u32;
            if let Ok(mut l) = run.latencies_us.lock() {
                l.push(lat);
            }
            let Some(track) = peers.get_mut(from) else {
                c.stray.fetch_add(1, Ordering::Relaxed);
                return;
            };
            match track.next {
                Some(due) if seq > due => {
                    c.lost.fetch_add(seq - due, Ordering::Relaxed);
                }
                Some(due) if seq < due => {
                    c.repeated.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
            track.next = Some(seq + 1);
            track.owes_fin = true;
            track.fin |= data["value"]["fin"].as_bool().unwrap_or(false);
        }
        // Gone: a clean `exit` must have come after its last message; a
        // dropped socket's last messages may be lost with it, by design.
        Some("exit_room") => {
            if let Some(track) = data["peer_id"].as_str().and_then(|id| peers.remove(id)) {
                if data["reason"] == "left" && track.owes_fin && !track.fin {
                    c.lost_tail.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Some("peer_reconnecting") => {
            if let Some(id) = data["peer_id"].as_str() {
                peers.remove(id);
            }
        }
        Some("error") => {
            c.server_errors.fetch_add(1, Ordering::Relaxed);
        }
        _ => {}
    }
}

fn text_json(msg: &Message) -> Option<Value> {
    match msg {
        Message::Text(t) => serde_json::from_str(t.as_str()).ok(),
        _ => None,
    }
}
