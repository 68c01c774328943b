//! Every limit and every kind of bad input: each gets its error code, and
//! the connection, its room and every other peer go on.

use std::time::Duration;

use futures_util::SinkExt;
use lancall::signal::Config;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{TestServer, PROMPT};

/// A message over the frame limit closes that socket with 1009; the rest of
/// the room carries on.
#[tokio::test]
async fn frame_too_big_closes_1009() {
    let server = TestServer::start().await;
    let (mut a, _) = server.joined("a", "r").await;
    let (mut b, _) = server.joined("b", "r").await;
    let (mut c, _) = server.joined("c", "r").await;
    for _ in 0..2 {
        a.expect("join").await;
    }
    b.expect("join").await;

    let limit = Config::default().max_frame_bytes;
    // Just under the limit passes.
    let pad = "x".repeat(limit - 100);
    let ok = format!(r#"{{"event":"message","data":{{"value":"{pad}"}}}}"#);
    assert!(ok.len() <= limit);
    b.send_text(&ok).await;
    assert_eq!(a.expect("message").await["value"].as_str().unwrap().len(), pad.len());
    c.expect("message").await;

    let big = format!(r#"{{"event":"message","data":{{"value":"{}"}}}}"#, "x".repeat(limit));
    b.send_text(&big).await;
    assert_eq!(b.expect_close().await, 1009);
    // b was a version-1 peer: the room is told it is reconnecting, no more.
    a.expect("peer_reconnecting").await;
    c.expect("peer_reconnecting").await;
    a.send(json!({"event": "candidate", "data": {"value": "still here"}})).await;
    assert_eq!(c.expect("candidate").await["value"], "still here");
}

/// Malformed JSON, unknown events, missing fields, binary frames, relaying
/// before joining, a second join, the wrong room: each is an `error` with
/// its code, and the same socket then works normally.
#[tokio::test]
async fn bad_input_gets_errors_and_the_connection_goes_on() {
    let server = TestServer::start().await;
    let (mut peer, _) = server.joined("peer", "r").await;
    let mut c = server.client().await;

    c.send_text("{not json").await;
    c.expect_error("bad_json").await;
    c.send_text("").await;
    c.expect_error("bad_json").await;
    c.send(json!({"event": "teleport", "data": {}})).await;
    c.expect_error("unknown_event").await;
    c.send(json!({"event": "join", "data": {"room_id": "r"}})).await;
    c.expect_error("bad_message").await;
    c.send(json!({"event": "join", "data": {"user_id": 5, "room_id": "r"}})).await;
    c.expect_error("bad_message").await;
    c.send(json!({"event": "candidate"})).await;
    c.expect_error("bad_message").await;
    c.ws.send(Message::binary(vec![0u8, 159, 146, 150])).await.unwrap();
    c.expect_error("binary_unsupported").await;
    c.send(json!({"event": "candidate", "data": {"room_id": "r", "value": {}}})).await;
    assert_eq!(c.expect_error("not_joined").await["ref"], "candidate");
    c.send(json!({"event": "exit"})).await;

    c.join_seed("c", "r").await;
    peer.expect("join").await;
    c.send(json!({"event": "join", "data": {"user_id": "c", "room_id": "r"}})).await;
    c.expect_error("already_joined").await;
    c.send(json!({"event": "candidate", "data": {"room_id": "elsewhere", "value": {}}})).await;
    c.expect_error("wrong_room").await;
    // None of that reached the other peer; a valid relay does.
    c.send(json!({"event": "candidate", "data": {"room_id": "r", "value": {"ok": 1}}})).await;
    assert_eq!(peer.expect("candidate").await["value"], json!({"ok": 1}));
    assert_eq!(server.seen().await.peers, 2);
}

/// Room and user ids: length and characters are checked.
#[tokio::test]
async fn id_limits() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    let long = "r".repeat(Config::default().max_id_chars + 1);
    for room in ["", "a b", "a/b", "<script>", long.as_str()] {
        c.send(json!({"event": "join", "data": {"user_id": "u", "room_id": room}})).await;
        c.expect_error("bad_room_id").await;
    }
    for user in ["", "   ", "a\u{0}b", "tab\tbed", long.as_str()] {
        c.send(json!({"event": "join", "data": {"user_id": user, "room_id": "r"}})).await;
        c.expect_error("bad_user_id").await;
    }
    let max = "房".repeat(Config::default().max_id_chars);
    c.join_seed("ok", &max).await;
}

/// A connection over its message rate is told `rate_limited` (once, not once
/// per message) and the excess is dropped; after a pause it may send again.
#[tokio::test]
async fn rate_limit() {
    let config = Config { rate_per_sec: 5, rate_burst: 10, ..Config::default() };
    let server = TestServer::with(config).await;
    let (mut a, _) = server.joined("a", "r").await;
    let (mut b, _) = server.joined("b", "r").await;
    a.expect("join").await;
    for i in 0..30 {
        b.send(json!({"event": "candidate", "data": {"value": i}})).await;
    }
    b.expect_error("rate_limited").await;
    b.expect_silence(Duration::from_millis(100)).await;
    // The ones inside the burst arrived, in order; the join used a token.
    for i in 0..9 {
        assert_eq!(a.expect("candidate").await["value"], i);
    }
    a.expect_silence(Duration::from_millis(100)).await;
    // The bucket refills at 5 a second (real time: it reads the system
    // clock). Probe until one gets through; those before it were dropped.
    let deadline = tokio::time::Instant::now() + PROMPT;
    let mut probes = 0;
    let passed = loop {
        probes += 1;
        b.send(json!({"event": "candidate", "data": {"value": probes}})).await;
        if let Some(got) = a.next_text(Duration::from_millis(50)).await {
            break got.expect("a stays connected");
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out after {PROMPT:?} waiting for b's bucket to refill (a probe to get through)");
    };
    let passed: serde_json::Value = serde_json::from_str(&passed).expect("JSON");
    assert_eq!(passed["event"], "candidate", "{passed}");
    let n = passed["data"]["value"].as_u64().expect("a probe's number");
    assert!((1..=probes).contains(&n), "{passed} after {probes} probes");
}

/// At the connection cap the next socket is told `server_full` and closed
/// with 1013; when one leaves, a new one gets in.
#[tokio::test]
async fn connection_cap() {
    let server = TestServer::with(Config { max_connections: 3, ..Config::default() }).await;
    let a = server.client().await;
    let _b = server.client().await;
    let _c = server.client().await;
    server.wait_until("three connections", |s| s.connections() == 3).await;
    let mut d = server.client().await;
    d.expect_error("server_full").await;
    assert_eq!(d.expect_close().await, 1013);
    a.close().await;
    server.wait_until("a slot is free", |s| s.connections() == 2).await;
    let mut e = server.client().await;
    e.join_seed("e", "r").await;
}
