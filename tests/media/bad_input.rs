//! What a broken or hostile peer can send the engine: each is an error for
//! that peer, and the engine and its other calls go on.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{relay, test_config, wait_for, NativeCaller, TestServer};

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A bare protocol client in the room, sending what it likes. Without a
/// protocol version (as the seed page), so a dropped socket leaves at once.
async fn raw_client(url: &str, room: &str, name: &str) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
    let join = json!({"event": "join", "data": {"user_id": name, "room_id": room}});
    ws.send(Message::Text(join.to_string().into())).await.expect("join");
    ws
}

/// The next `event` relayed from `from` (skipping everything else).
async fn next_event(ws: &mut Ws, event: &str, from: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.expect("in time").expect("open").expect("frame");
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).expect("json");
            if v["event"] == event && v["data"]["from"] == from {
                return v["data"].clone();
            }
        }
    }
}

async fn send(ws: &mut Ws, frame: Value) {
    ws.send(Message::Text(frame.to_string().into())).await.expect("send");
}

/// Malformed SDP, an offer of only H.264, candidates that are garbage or
/// name an m-line that does not exist, and a peer that leaves before
/// answering: each is a typed error (or a clean close) for that peer only,
/// while the engine's call with another peer keeps its media flowing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_fails_that_peer_only() {
    let server = TestServer::start().await;
    let alice = NativeCaller::join(&server.ws_url(), "bad", "alice", test_config()).await;
    wait_for("alice welcomed", 5, || alice.seen(|s| !s.my_id.is_empty())).await;
    let carol = NativeCaller::join(&server.ws_url(), "bad", "carol", test_config()).await;
    wait_for("carol decoding alice", 20, || carol.counters().is_some_and(|c| c.video_frames_decoded > 5)).await;
    let alice_id = alice.seen(|s| s.my_id.clone());

    // Mallory joins; alice offers to her, as a member does.
    let mut mallory = raw_client(&server.ws_url(), "bad", "mallory").await;
    let offer = next_event(&mut mallory, "offer_sdp", &alice_id).await;
    let offer_sdp = offer["value"]["sdp"].as_str().expect("an SDP").to_owned();
    let mallory_id = next_id(&alice, &["carol"]).await;

    let expect = |code: &'static str| {
        let alice = &alice;
        let mallory_id = mallory_id.clone();
        async move {
            wait_for(&format!("alice reports {code}"), 10, || {
                alice.seen(|s| s.errors.iter().any(|(p, c)| *p == mallory_id && c == code))
            })
            .await
        }
    };

    // Not an SDP at all, then an SDP with a media section cut short.
    send(&mut mallory, relay("offer_sdp", json!({"type": "offer", "sdp": "hello"}), &alice_id)).await;
    expect("bad_sdp").await;
    // Only H.264 video and G.722 audio: nothing in common.
    let h264 = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 00:11\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 9\r\na=mid:0\r\na=ice-ufrag:u\r\na=ice-pwd:p\r\na=rtpmap:9 G722/8000\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:1\r\na=ice-ufrag:u\r\na=ice-pwd:p\r\na=rtpmap:102 H264/90000\r\n";
    send(&mut mallory, relay("offer_sdp", json!({"type": "offer", "sdp": h264}), &alice_id)).await;
    expect("no_common_codec").await;
    // A well-formed answer (alice's own offer, mirrored), then candidates
    // for an m-line that does not exist and one that is not a candidate.
    let answer = offer_sdp.replace("a=setup:actpass", "a=setup:active");
    send(&mut mallory, relay("answer_sdp", json!({"type": "answer", "sdp": answer}), &alice_id)).await;
    let c = json!({"candidate": "candidate:1 1 UDP 2122252543 10.9.9.9 40000 typ host", "sdpMid": "nine", "sdpMLineIndex": 9});
    send(&mut mallory, relay("candidate", c, &alice_id)).await;
    expect("unknown_mline").await;
    let c = json!({"candidate": "candidate:%%%", "sdpMid": "0", "sdpMLineIndex": 0});
    send(&mut mallory, relay("candidate", c, &alice_id)).await;
    expect("bad_candidate").await;
    // Not even JSON-shaped like a description.
    send(&mut mallory, relay("answer_sdp", json!(42), &alice_id)).await;
    expect("bad_sdp").await;

    // Victor joins and vanishes before answering alice's offer.
    let mut victor = raw_client(&server.ws_url(), "bad", "victor").await;
    next_event(&mut victor, "offer_sdp", &alice_id).await;
    let victor_id = next_id(&alice, &["carol", "mallory"]).await;
    drop(victor);
    wait_for("alice drops victor's connection", 10, || alice.seen(|s| !s.peers.contains_key(&victor_id))).await;

    // Alice's call with carol never stopped.
    let before = carol.counters_of(&alice_id).expect("carol's peer for alice");
    let alice_before = alice.counters_of(&carol.seen(|s| s.my_id.clone())).expect("alice's peer for carol");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let decoding = |c: Option<lancall::media::Counters>| c.is_some_and(|c| c.video_frames_decoded > before.video_frames_decoded + 10);
    while !decoding(carol.counters_of(&alice_id)) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "carol still decoding alice: {before:?} then {:?}; states {:?}",
            carol.counters_of(&alice_id),
            carol.seen(|s| s.states.clone())
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for("alice still decoding carol", 10, || {
        alice
            .counters_of(&carol.seen(|s| s.my_id.clone()))
            .is_some_and(|c| c.video_frames_decoded > alice_before.video_frames_decoded + 10)
    })
    .await;
    assert!(carol.seen(|s| s.errors.is_empty()), "carol saw no errors");
    drop(mallory);
    alice.leave().await;
    carol.leave().await;
    server.stop().await;
}

/// The id of alice's newest peer, whose name is none of `known`.
async fn next_id(alice: &NativeCaller, known: &[&str]) -> String {
    let mut id = String::new();
    wait_for("alice to know the newcomer", 10, || {
        alice.seen(|s| {
            s.peers.keys().find(|p| !known.contains(&s.names.get(*p).map(String::as_str).unwrap_or(""))).cloned()
        })
        .map(|p| id = p)
        .is_some()
    })
    .await;
    id
}
