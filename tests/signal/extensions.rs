//! lancall's additions to the seed protocol: ids, member lists, `from`,
//! targeted relay, passcodes, resume, room size, version and health.

use std::time::Duration;

use lancall::signal::Config;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::TestServer;

/// The joiner's `welcome` names its id, resume token, protocol version and
/// who is already there; the others' `join` notice names the newcomer.
#[tokio::test]
async fn welcome_and_member_list() {
    let server = TestServer::start().await;
    let (mut a, wa) = server.joined("alice", "room").await;
    assert_eq!(wa["protocol"], 1);
    assert_eq!(wa["resumed"], false);
    assert_eq!(wa["max_room_size"], 6);
    assert_eq!(wa["peer_id"].as_str().unwrap().len(), 16);
    assert_eq!(wa["resume_token"].as_str().unwrap().len(), 32);

    let (_b, wb) = server.joined("bob", "room").await;
    assert_eq!(wb["count"], 2);
    // Alice made the room: she is its host (stamped by the server).
    assert_eq!((&wa["host"], &wb["host"]), (&json!(true), &json!(false)));
    assert_eq!(wb["members"], json!([{"peer_id": wa["peer_id"], "user_id": "alice", "version": 1, "host": true}]));
    let notice = a.expect("join").await;
    assert_eq!(notice["peer_id"], wb["peer_id"]);
    assert_eq!(notice["user_id"], "bob");
    assert_eq!(notice["version"], 1);
    // A seed client's entry carries no version: it speaks no extensions.
    let mut seed = server.client().await;
    let ws = seed.join_seed("carol", "room").await;
    assert_eq!(a.expect("join").await.get("version"), None);
    assert_eq!(ws["members"][1], json!({"peer_id": wb["peer_id"], "user_id": "bob", "version": 1, "host": false}));
}

/// `from` is stamped by the server; a `from` the client sends is ignored.
#[tokio::test]
async fn from_is_stamped_not_trusted() {
    let server = TestServer::start().await;
    let (mut a, wa) = server.joined("alice", "room").await;
    let (mut b, _) = server.joined("bob", "room").await;
    a.expect("join").await;
    a.send(json!({"event": "candidate", "data": {"room_id": "room", "value": 1, "from": "0000000000000000"}}))
        .await;
    let got = b.expect("candidate").await;
    assert_eq!(got["from"], wa["peer_id"]);
}

/// In a room of three, `to` reaches only the named peer; an unknown or own
/// id is an `unknown_peer` error and nothing is sent.
#[tokio::test]
async fn targeted_relay() {
    let server = TestServer::start().await;
    let (mut a, _) = server.joined("a", "mesh").await;
    let (mut b, wb) = server.joined("b", "mesh").await;
    let (mut c, wc) = server.joined("c", "mesh").await;
    a.expect("join").await;
    a.expect("join").await;
    b.expect("join").await;

    let to_c = wc["peer_id"].clone();
    b.send(json!({"event": "offer_sdp", "data": {"value": {"sdp": "x"}, "to": to_c}})).await;
    let got = c.expect("offer_sdp").await;
    assert_eq!(got["from"], wb["peer_id"]);
    assert_eq!(got["to"], to_c);
    a.expect_silence(Duration::from_millis(200)).await;

    b.send(json!({"event": "offer_sdp", "data": {"value": 1, "to": "ffffffffffffffff"}})).await;
    b.expect_error("unknown_peer").await;
    b.send(json!({"event": "offer_sdp", "data": {"value": 1, "to": wb["peer_id"]}})).await;
    b.expect_error("unknown_peer").await;
    // Broadcast still reaches both others.
    b.send(json!({"event": "message", "data": {"value": {"muted": true}}})).await;
    assert_eq!(a.expect("message").await["value"], json!({"muted": true}));
    assert_eq!(c.expect("message").await["value"], json!({"muted": true}));
}

/// A room made with a passcode wants it: missing and wrong are refused with
/// their own codes, the right one joins, and a guesser is cut off.
#[tokio::test]
async fn passcode() {
    let server = TestServer::start().await;
    let mut owner = server.client().await;
    owner
        .send(json!({"event": "join", "data": {"user_id": "o", "room_id": "p", "passcode": "s3cret"}}))
        .await;
    owner.expect("welcome").await;

    let mut guest = server.client().await;
    guest.send(json!({"event": "join", "data": {"user_id": "g", "room_id": "p"}})).await;
    guest.expect_error("passcode_required").await;
    guest.send(json!({"event": "join", "data": {"user_id": "g", "room_id": "p", "passcode": "nope"}})).await;
    assert_eq!(guest.expect_error("wrong_passcode").await["ref"], "join");
    guest.send(json!({"event": "join", "data": {"user_id": "g", "room_id": "p", "passcode": "s3cret"}})).await;
    guest.expect("welcome").await;

    let mut guesser = server.client().await;
    for _ in 0..Config::default().passcode_attempts {
        guesser
            .send(json!({"event": "join", "data": {"user_id": "x", "room_id": "p", "passcode": "guess"}}))
            .await;
    }
    assert_eq!(guesser.expect_close().await, 1008);
    assert_eq!(server.seen().await.peers, 2);
}

/// A version-1 peer whose socket drops keeps its id: the room hears it is
/// reconnecting, what was sent meanwhile is delivered once it resumes, and
/// nobody sees it leave.
#[tokio::test]
async fn resume_keeps_peer_and_messages() {
    let server = TestServer::start().await;
    let (mut a, _) = server.joined("alice", "r").await;
    let (b, wb) = server.joined("bob", "r").await;
    a.expect("join").await;
    drop(b);
    assert_eq!(a.expect("peer_reconnecting").await["peer_id"], wb["peer_id"]);
    a.send(json!({"event": "candidate", "data": {"value": "while-away"}})).await;

    let mut b = server.client().await;
    let token = wb["resume_token"].clone();
    b.send(json!({"event": "join", "data": {"user_id": "bob", "room_id": "r", "version": 1, "resume": token}}))
        .await;
    // Queued while away, then the welcome of the resumed peer.
    assert_eq!(b.expect("candidate").await["value"], "while-away");
    let welcome = b.expect("welcome").await;
    assert_eq!(welcome["resumed"], true);
    assert_eq!(welcome["peer_id"], wb["peer_id"]);
    assert_eq!(a.expect("peer_resumed").await["peer_id"], wb["peer_id"]);
    a.send(json!({"event": "candidate", "data": {"value": "after"}})).await;
    assert_eq!(b.expect("candidate").await["value"], "after");
    assert_eq!(server.seen().await.peers, 2);
}

/// A dropped peer that does not come back within the grace period leaves:
/// `exit_room` with reason `dropped`, and its token no longer resumes.
#[tokio::test]
async fn resume_grace_expires() {
    let config = Config { resume_grace: Duration::from_millis(200), ..Config::default() };
    let server = TestServer::with(config).await;
    let (mut a, _) = server.joined("alice", "r").await;
    let (b, wb) = server.joined("bob", "r").await;
    a.expect("join").await;
    drop(b);
    a.expect("peer_reconnecting").await;
    let exit = a.expect("exit_room").await;
    assert_eq!(exit["peer_id"], wb["peer_id"]);
    assert_eq!(exit["reason"], "dropped");

    // Too late: the old token gives a fresh id, and says so.
    let mut b = server.client().await;
    b.send(json!({"event": "join", "data": {"user_id": "bob", "room_id": "r", "version": 1, "resume": wb["resume_token"]}}))
        .await;
    let welcome = b.expect("welcome").await;
    assert_eq!(welcome["resumed"], false);
    assert_ne!(welcome["peer_id"], wb["peer_id"]);
}

/// Rooms hold up to the cap (6 by default); one more is told `room_full`
/// and may still join another room.
#[tokio::test]
async fn room_size_cap() {
    let server = TestServer::start().await;
    let mut members = Vec::new();
    for i in 0..6 {
        members.push(server.joined(&format!("p{i}"), "big").await.0);
    }
    let mut late = server.client().await;
    late.send(json!({"event": "join", "data": {"user_id": "late", "room_id": "big"}})).await;
    late.expect_error("room_full").await;
    late.join_seed("late", "other").await;

    let small = TestServer::with(Config { max_room_size: 2, ..Config::default() }).await;
    let _a = small.joined("a", "r").await;
    let _b = small.joined("b", "r").await;
    let mut c = small.client().await;
    c.send(json!({"event": "join", "data": {"user_id": "c", "room_id": "r"}})).await;
    c.expect_error("room_full").await;
}

/// `/healthz` reports version, protocol, rooms, peers and uptime; `/` serves
/// the client page from the binary.
#[tokio::test]
async fn health_and_pages() {
    let server = TestServer::start().await;
    let _a = server.joined("a", "r").await;
    let (status, body) = http_get(&server, "/healthz").await;
    assert_eq!(status, 200);
    let health: Value = serde_json::from_str(&body).expect("health is JSON");
    assert_eq!(health["protocol"], 1);
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(health["rooms"], 1);
    assert_eq!(health["peers"], 1);
    assert_eq!(health["connections"], 1);
    assert!(health["uptime_secs"].is_u64());

    let (status, body) = http_get(&server, "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("<html"), "{body}");
    assert_eq!(http_get(&server, "/no-such-file.js").await.0, 404);
}

/// `/room-name` makes a fresh room name for the lobby, never cached, and
/// valid as a room id.
#[tokio::test]
async fn room_names_from_the_server() {
    let server = TestServer::start().await;
    let mut names = std::collections::HashSet::new();
    for _ in 0..20 {
        let (status, body) = http_get(&server, "/room-name").await;
        assert_eq!(status, 200);
        let name: Value = serde_json::from_str(&body).expect("a JSON body");
        let room = name["room"].as_str().expect("a room").to_owned();
        lancall::signal::protocol::validate_room_id(&room, 64).expect("a valid room id");
        names.insert(room);
    }
    // 20 draws from 52 bits of names (signal::room_name): a repeat would
    // mean a broken generator.
    assert_eq!(names.len(), 20, "{names:?}");
}

async fn http_get(server: &TestServer, path: &str) -> (u16, String) {
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.addr);
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    tcp.read_to_string(&mut response).await.expect("read");
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}
