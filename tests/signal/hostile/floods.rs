//! Too much, too big, too fast: floods past the rate limit, frames just over
//! the size limit, and a member that never reads what its room sends it.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use lancall::signal::Config;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{Client, Honest, TestServer, PROMPT};

/// A client sending thousands of messages as fast as it can is held to the
/// rate: its room-mate receives no more than burst + rate × time, the
/// flooder hears `rate_limited` at most once a second, and an honest room
/// meanwhile talks normally.
#[tokio::test]
async fn flood_is_held_to_the_rate() {
    let config = Config { rate_per_sec: 50, rate_burst: 100, ..Config::default() };
    let server = TestServer::with(config).await;
    let mut honest = Honest::start(&server).await;
    let (mut flooder, _) = server.joined("flooder", "noisy").await;
    let (mut mate, _) = server.joined("mate", "noisy").await;
    flooder.expect("join").await;

    let start = Instant::now();
    let flood = tokio::spawn(async move {
        for i in 0..5_000 {
            flooder.ws.feed(Message::text(format!(r#"{{"event":"candidate","data":{{"value":{i}}}}}"#))).await.unwrap();
        }
        flooder.ws.flush().await.unwrap();
        flooder
    });
    honest.still_relay().await;
    let mut flooder = flood.await.unwrap();
    honest.still_relay().await;

    // The server reads a socket's frames in order, so its pong to a ping
    // sent after the flood shows it has handled every message of it.
    let mut rate_errors = read_until_pong(&mut flooder).await;
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(server.shared().stats().peers, 4, "the flooder is throttled, not dropped");
    // What got through is in the mate's queue; a newcomer's `join` notice
    // queued now comes after all of it.
    let (_last, _) = server.joined("last", "noisy").await;
    let mut got = 0;
    loop {
        let msg = mate.recv().await;
        match msg["event"].as_str() {
            Some("candidate") => got += 1,
            Some("join") => break,
            _ => panic!("the mate got {msg}"),
        }
    }
    let allowed = 100.0 + 50.0 * (elapsed + 0.5);
    assert!(got >= 99 && f64::from(got) <= allowed, "{got} relayed in {elapsed:.2} s");
    // Its own replies may still be on their way; the same notice is not one.
    while let Some(Ok(text)) = flooder.next_text(Duration::from_millis(200)).await {
        if text.contains(r#""event":"join""#) {
            continue;
        }
        assert!(text.contains("rate_limited"), "{text}");
        rate_errors += 1;
    }
    assert!((1..=(elapsed.ceil() as usize + 1)).contains(&rate_errors), "{rate_errors} rate errors");
    honest.still_relay().await;
}

/// Ping `c` and read until the server's pong, within [`PROMPT`]; returns
/// how many `rate_limited` errors came before it (and fails on anything
/// else).
async fn read_until_pong(c: &mut Client) -> usize {
    c.ws.send(Message::Ping(b"after the flood".to_vec().into())).await.expect("send ping");
    let deadline = tokio::time::Instant::now() + PROMPT;
    let mut rate_errors = 0;
    loop {
        let next = tokio::time::timeout_at(deadline, c.ws.next())
            .await
            .unwrap_or_else(|_| panic!("timed out after {PROMPT:?} waiting for the server to read the whole flood (its pong)"));
        match next {
            Some(Ok(Message::Pong(payload))) if payload.as_ref() == b"after the flood" => return rate_errors,
            Some(Ok(Message::Text(text))) => {
                assert!(text.contains("rate_limited"), "{text}");
                rate_errors += 1;
            }
            Some(Ok(_)) => continue,
            other => panic!("the flooder's socket ended before the pong: {other:?}"),
        }
    }
}

/// Many clients each sending a frame one byte over the limit are each
/// closed with 1009, before the frame is buffered; the honest room and the
/// server go on.
#[tokio::test]
async fn frames_just_over_the_limit() {
    let limit = 16 * 1024;
    let server = TestServer::with(Config { max_frame_bytes: limit, ..Config::default() }).await;
    let mut honest = Honest::start(&server).await;
    let mut attackers = Vec::new();
    for i in 0..50 {
        let (c, _) = server.joined(&format!("big{i}"), &format!("big{i}")).await;
        attackers.push(c);
    }
    // A text frame of exactly limit + 1 bytes, and one at the limit.
    let frame = |len: usize| {
        let head = r#"{"event":"message","data":{"value":""#;
        let tail = r#""}}"#;
        format!("{head}{}{tail}", "x".repeat(len - head.len() - tail.len()))
    };
    attackers[0].send_text(&frame(limit)).await;
    for c in &mut attackers[1..] {
        c.send_text(&frame(limit + 1)).await;
    }
    honest.still_relay().await;
    for c in &mut attackers[1..] {
        assert_eq!(c.expect_close().await, 1009);
    }
    honest.still_relay().await;
    // The one at the limit is still connected; the rest are gone (their
    // version-1 peers wait out their resume grace).
    server.wait_until("the closed ones are gone", |s| s.connections() == 3).await;
    assert_eq!(server.shared().stats().peers, 52);
}

/// A member that never reads its socket while the room sends it more and
/// more is cut off as too slow (`exit_room` reason `slow`) once its queue
/// fills; the sender and an honest room never wait for it.
#[tokio::test]
async fn reader_that_never_reads() {
    let config = Config { outbound_queue: 64, rate_per_sec: 10_000, rate_burst: 10_000, ..Config::default() };
    let server = TestServer::with(config).await;
    let mut honest = Honest::start(&server).await;
    // Joins, then never reads again: its socket buffers fill, then its queue.
    let (_deaf, _) = server.joined("deaf", "loud").await;
    let (mut sender, _) = server.joined("sender", "loud").await;
    let pad = "y".repeat(32 * 1024);
    let mut cut_off = false;
    let start = Instant::now();
    for i in 0..2_000 {
        sender.send_text(&format!(r#"{{"event":"message","data":{{"value":"{i}{pad}"}}}}"#)).await;
        if i % 50 == 49 {
            honest.still_relay().await;
            if let Some(Ok(text)) = sender.next_text(Duration::from_millis(1)).await {
                assert!(text.contains(r#""reason":"slow""#), "{text}");
                cut_off = true;
                break;
            }
        }
    }
    if !cut_off {
        let exit = sender.expect("exit_room").await;
        assert_eq!(exit["reason"], "slow");
    }
    assert!(start.elapsed() < Duration::from_secs(10), "the sender was never held up");
    assert_eq!(server.shared().registry.members("loud").len(), 1);
    honest.still_relay().await;
}
