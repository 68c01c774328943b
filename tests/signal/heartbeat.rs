//! Silent peers, closed sockets and slow readers: noticed in time, and the
//! room never waits for them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lancall::signal::Config;
use serde_json::{json, Value};

use crate::support::TestServer;

fn quick() -> Config {
    Config {
        ping_interval: Duration::from_millis(100),
        idle_timeout: Duration::from_millis(400),
        ..Config::default()
    }
}

/// A peer that stops answering (no frames, no pongs) is dropped and its room
/// told, within the idle timeout.
#[tokio::test]
async fn silent_peer_is_dropped_in_time() {
    let server = TestServer::with(quick()).await;
    let (mut a, _) = server.joined("a", "r").await;
    let (_silent, ws) = server.joined("silent", "r").await;
    a.expect("join").await;
    // `_silent` is never read again, so its library never answers a ping.
    let start = Instant::now();
    let exit = a.expect("exit_room").await;
    assert_eq!(exit["peer_id"], ws["peer_id"]);
    assert_eq!(exit["reason"], "timeout");
    assert!(start.elapsed() < Duration::from_millis(1500), "took {:?}", start.elapsed());
}

/// A peer that reads (and so answers pings) stays well past the idle timeout.
#[tokio::test]
async fn answering_pings_keeps_a_peer() {
    let server = TestServer::with(quick()).await;
    let (mut a, _) = server.joined("a", "r").await;
    let (mut b, _) = server.joined("b", "r").await;
    a.expect("join").await;
    let (ra, rb) = tokio::join!(
        a.next_text(Duration::from_millis(1200)),
        b.next_text(Duration::from_millis(1200))
    );
    assert!(ra.is_none() && rb.is_none(), "{ra:?} {rb:?}");
    assert_eq!(server.shared().stats().peers, 2);
}

/// A socket that closes without a word is noticed at once, not at the
/// idle timeout.
#[tokio::test]
async fn closed_socket_noticed_at_once() {
    let server = TestServer::start().await; // 30 s idle timeout
    let (mut a, _) = server.joined("a", "r").await;
    let mut b = server.client().await;
    b.join_seed("b", "r").await;
    a.expect("join").await;
    let start = Instant::now();
    drop(b); // TCP closed, no close frame
    assert_eq!(a.expect("exit_room").await["reason"], "dropped");
    assert!(start.elapsed() < Duration::from_secs(1), "took {:?}", start.elapsed());
}

/// A member that never reads does not stall its room: it is cut off as too
/// slow once its queue fills, and the others get every message, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_reader_does_not_stall_the_room() {
    let config = Config { outbound_queue: 64, rate_per_sec: 1_000_000, rate_burst: 1_000_000, ..Config::default() };
    let server = TestServer::with(config).await;
    let (mut sender, _) = server.joined("sender", "r").await;
    let (mut reader, _) = server.joined("reader", "r").await;
    let (_stuck, ws) = server.joined("stuck", "r").await;
    sender.expect("join").await;
    sender.expect("join").await;
    reader.expect("join").await;

    // The reader counts what it gets, in order, on its own task.
    let got = Arc::new(AtomicUsize::new(0));
    let counted = got.clone();
    let stuck_id = ws["peer_id"].clone();
    let reading = tokio::spawn(async move {
        let mut slow_exit = false;
        while let Some(Ok(msg)) = reader.ws.next().await {
            let tokio_tungstenite::tungstenite::Message::Text(text) = msg else { continue };
            let v: Value = serde_json::from_str(&text).unwrap();
            match v["event"].as_str() {
                Some("message") => {
                    let n = counted.load(Ordering::SeqCst);
                    assert_eq!(v["data"]["value"]["n"], n, "out of order or lost");
                    counted.store(n + 1, Ordering::SeqCst);
                }
                Some("exit_room") => {
                    assert_eq!(v["data"]["peer_id"], stuck_id);
                    assert_eq!(v["data"]["reason"], "slow");
                    slow_exit = true;
                }
                _ => {}
            }
            if counted.load(Ordering::SeqCst) == TOTAL && slow_exit {
                return true;
            }
        }
        false
    });
    const TOTAL: usize = 1500;
    let pad = "p".repeat(16 * 1024);
    for n in 0..TOTAL {
        sender.send(json!({"event": "message", "data": {"value": {"n": n, "pad": pad}}})).await;
        // A brisk sender, not a flood: an honest reader keeps up.
        if n % 20 == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let done = tokio::time::timeout(Duration::from_secs(20), reading).await.expect("reader finished");
    assert!(done.unwrap(), "reader saw everything and the slow peer's exit");
    assert_eq!(got.load(Ordering::SeqCst), TOTAL);
    server.wait_until("the stuck peer is gone", |s| s.stats().peers == 2).await;
}

/// A client may ask whether the server still hears it (a browser cannot see
/// WebSocket pings): the JSON string "ping" is answered "pong" to it alone,
/// in a room or not, and the room hears nothing of it.
#[tokio::test]
async fn text_ping_is_answered_pong() {
    let server = TestServer::start().await;
    let mut lone = server.client().await;
    lone.send(serde_json::json!("ping")).await;
    let reply = lone.next_text(Duration::from_secs(2)).await;
    assert!(matches!(reply.as_ref(), Some(Ok(t)) if t == "\"pong\""), "{reply:?}");

    let (mut a, _) = server.joined("a", "r").await;
    let (mut b, _) = server.joined("b", "r").await;
    a.expect("join").await;
    b.send(serde_json::json!("ping")).await;
    let reply = b.next_text(Duration::from_secs(2)).await;
    assert!(matches!(reply.as_ref(), Some(Ok(t)) if t == "\"pong\""), "{reply:?}");
    assert!(a.next_text(Duration::from_millis(300)).await.is_none(), "the room hears nothing");
}
