//! The seed protocol, exactly as the seed page and its Go server speak it.

use serde_json::json;

use crate::support::TestServer;

/// Two seed clients: join, the join notice with count 2 to the first, offer,
/// answer and candidates relayed with `value` byte for byte, exit, exit_room.
#[tokio::test]
async fn seed_call_flow() {
    let server = TestServer::start().await;
    let mut a = server.client().await;
    let mut b = server.client().await;

    let welcome_a = a.join_seed("alice", "1001").await;
    assert_eq!(welcome_a["count"], 1);
    assert_eq!(welcome_a["members"], json!([]));

    b.join_seed("bob", "1001").await;
    let notice = a.expect("join").await;
    assert_eq!(notice["count"], 2);
    assert_eq!(notice["master"], "alice");
    assert_eq!(notice["viewer"], "bob");

    // The seed page sends the RTCSessionDescription and RTCIceCandidate as
    // JSON objects; odd spacing and escapes must survive untouched.
    let offer = r#"{"type":"offer","sdp":"v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n"}"#;
    a.send_text(&format!(r#"{{"event":"offer_sdp","data":{{"room_id":"1001","value":{offer}}}}}"#)).await;
    let got = b.recv_text().await;
    assert!(got.contains(&format!(r#""value":{offer}"#)), "offer changed in relay: {got}");
    let got: serde_json::Value = serde_json::from_str(&got).unwrap();
    assert_eq!(got["event"], "offer_sdp");
    assert_eq!(got["data"]["room_id"], "1001");
    assert_eq!(got["data"]["from"], welcome_a["peer_id"]);

    let answer = r#"{"type":"answer", "sdp":"v=0\r\n\u00e9"}"#;
    b.send_text(&format!(r#"{{"event":"answer_sdp","data":{{"room_id":"1001","value":{answer}}}}}"#)).await;
    let got = a.recv_text().await;
    assert!(got.contains(&format!(r#""value":{answer}"#)), "answer changed in relay: {got}");

    for i in 0..2 {
        let (from, to) = if i == 0 { (&mut a, &mut b) } else { (&mut b, &mut a) };
        let cand = format!(
            r#"{{"candidate":"candidate:{i} 1 udp 2122260223 127.0.0.1 5{i}000 typ host generation 0","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"x{i}"}}"#
        );
        from.send_text(&format!(r#"{{"event":"candidate","data":{{"room_id":"1001","value":{cand}}}}}"#))
            .await;
        let got = to.recv_text().await;
        assert!(got.starts_with(r#"{"event":"candidate""#), "{got}");
        assert!(got.contains(&format!(r#""value":{cand}"#)), "candidate changed: {got}");
    }

    // The seed page answers text pings with "pong"; it is accepted silently.
    a.send(json!("pong")).await;

    b.send(json!({"event": "exit"})).await;
    let exit = a.expect("exit_room").await;
    assert_eq!(exit["count"], 1);
    assert_eq!(exit["user_id"], "bob");
    assert_eq!(exit["reason"], "left");
    server.wait_seen("one peer left", |s| s.peers == 1).await;
    assert_eq!(server.seen().await.rooms, 1);

    a.send(json!({"event": "exit"})).await;
    server.wait_seen("the room is gone", |s| s.rooms == 0).await;
    server.stop().await;
}

/// A seed client whose socket closes is gone at once: the other gets
/// `exit_room` without waiting for any grace period.
#[tokio::test]
async fn seed_drop_is_noticed_at_once() {
    let server = TestServer::start().await;
    let mut a = server.client().await;
    let mut b = server.client().await;
    a.join_seed("alice", "r").await;
    b.join_seed("bob", "r").await;
    a.expect("join").await;
    b.close().await;
    let exit = a.expect("exit_room").await;
    assert_eq!(exit["reason"], "dropped");
    assert_eq!(exit["count"], 1);
}

/// After `exit` the same socket can join again, in another room.
#[tokio::test]
async fn exit_then_join_again() {
    let server = TestServer::start().await;
    let mut a = server.client().await;
    a.join_seed("alice", "one").await;
    a.send(json!({"event": "exit"})).await;
    let welcome = a.join_seed("alice", "two").await;
    assert_eq!(welcome["room_id"], "two");
    server.wait_seen("room one is gone", |s| s.rooms == 1).await;
}

/// A Chinese room and user name, as the seed's readers would type them.
#[tokio::test]
async fn non_ascii_names() {
    let server = TestServer::start().await;
    let mut a = server.client().await;
    let mut b = server.client().await;
    a.join_seed("张三", "会议室").await;
    b.join_seed("李四", "会议室").await;
    let notice = a.expect("join").await;
    assert_eq!(notice["master"], "张三");
    assert_eq!(notice["viewer"], "李四");
}
