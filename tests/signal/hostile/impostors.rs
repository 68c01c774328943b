//! Clients that pretend: spoofed `from` fields, forged Origins, passcode
//! guessing, and resume tokens that are not theirs.

use std::net::SocketAddr;
use std::time::Duration;

use lancall::signal::Config;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Client, Honest, TestServer};

/// A member that writes someone else's id into `from` (in `data` or beside
/// it) is still named by its own: recipients see the server's stamp.
#[tokio::test]
async fn spoofed_from_is_replaced() {
    let server = TestServer::start().await;
    let (mut a, wa) = server.joined("a", "r").await;
    let (mut b, wb) = server.joined("b", "r").await;
    let (mut mallory, wm) = server.joined("mallory", "r").await;
    a.expect("join").await;
    a.expect("join").await;
    b.expect("join").await;
    let a_id = wa["peer_id"].clone();
    mallory
        .send(json!({"event": "offer_sdp", "from": a_id, "data": {"value": {"sdp": "forged"}, "from": a_id, "to": wb["peer_id"]}}))
        .await;
    let got = b.expect("offer_sdp").await;
    assert_eq!(got["from"], wm["peer_id"], "{got}");
    assert_eq!(got["value"], json!({"sdp": "forged"}));
    a.expect_silence(Duration::from_millis(100)).await;
    // Addressing a peer of another room is refused, not delivered.
    let mut honest = Honest::start(&server).await;
    let (_, wx) = server.joined("x", "elsewhere").await;
    mallory.send(json!({"event": "candidate", "data": {"value": 1, "to": wx["peer_id"]}})).await;
    mallory.expect_error("unknown_peer").await;
    honest.still_relay().await;
}

/// Send a WebSocket upgrade by hand with `headers`; the HTTP status.
async fn raw_upgrade(addr: SocketAddr, headers: &[u8]) -> u16 {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let mut request = b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        .to_vec();
    request.extend_from_slice(headers);
    request.extend_from_slice(b"\r\n");
    s.write_all(&request).await.expect("write");
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await.expect("answer").expect("read");
    let line = String::from_utf8_lossy(&buf[..n]);
    line.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("no status in {line}"))
}

/// Origins of other sites — look-alikes, odd spellings, a public name
/// rebound to this host (DNS rebinding, with a Host to match), huge or not
/// text — get 403 before any socket exists; the honest room never notices.
#[tokio::test]
async fn forged_origins_are_refused() {
    let server = TestServer::start().await;
    let mut honest = Honest::start(&server).await;
    let addr = server.addr;
    let port = addr.port();
    let url = server.ws_url();
    let long = format!("http://{}.example", "a".repeat(8000));
    for bad in [
        "http://evil.example".to_owned(),
        "null".to_owned(),
        format!("http://{addr}.evil.example"),
        format!("http://{addr}@evil.example"),
        format!("http://127.0.0.1:{}", port + 1),
        "tauri://localhost.evil.example".to_owned(),
        "file://".to_owned(),
        long,
    ] {
        assert_eq!(Client::connect_with_origin(&url, &bad).await.err(), Some(403), "{bad}");
    }
    let own = format!("Host: {addr}\r\nOrigin: http://{addr}\r\n");
    assert_eq!(raw_upgrade(addr, own.as_bytes()).await, 101, "the server's own page");
    let rebound = format!("Host: lan.evil.example:{port}\r\nOrigin: http://lan.evil.example:{port}\r\n");
    assert_eq!(raw_upgrade(addr, rebound.as_bytes()).await, 403, "DNS rebinding");
    let mut binary = format!("Host: {addr}\r\nOrigin: http://").into_bytes();
    binary.extend_from_slice(b"\xff\xfe\r\n");
    assert_eq!(raw_upgrade(addr, &binary).await, 403, "an Origin that is not text");
    honest.still_relay().await;
    server.wait_seen("only the honest pair is connected", |s| s.connections == 2).await;
}

fn join_with(user: &str, room: &str, passcode: Option<&str>) -> Value {
    json!({"event": "join", "data": {"user_id": user, "room_id": room, "version": 1, "passcode": passcode}})
}

/// A guesser is closed after `passcode_attempts` wrong passcodes on one
/// connection, and new connections from the same address get only what is
/// left of its budget: then `too_many_attempts`, even for the right
/// passcode. Other addresses, rooms without a passcode and the honest room
/// are unaffected.
#[tokio::test]
async fn passcode_guessing_is_limited_per_connection_and_address() {
    let config = Config {
        passcode_attempts: 3,
        passcode_attempts_per_ip: 5,
        passcode_refill: Duration::from_secs(600),
        ..Config::default()
    };
    let server = TestServer::with(config).await;
    let mut honest = Honest::start(&server).await;
    let url = server.ws_url();
    let mut owner = Client::connect_from(&url, "127.0.0.3").await;
    owner.send(join_with("owner", "vault", Some("tulip"))).await;
    owner.expect("welcome").await;

    let mut first = Client::connect_from(&url, "127.0.0.2").await;
    for guess in ["rose", "lily"] {
        first.send(join_with("m", "vault", Some(guess))).await;
        first.expect_error("wrong_passcode").await;
    }
    first.send(join_with("m", "vault", Some("iris"))).await;
    assert_eq!(first.expect_close().await, 1008);

    let mut second = Client::connect_from(&url, "127.0.0.2").await;
    for guess in ["daisy", "aster"] {
        second.send(join_with("m", "vault", Some(guess))).await;
        second.expect_error("wrong_passcode").await;
    }
    second.send(join_with("m", "vault", Some("tulip"))).await;
    let refused = second.expect_error("too_many_attempts").await;
    assert!(refused["message"].as_str().unwrap().contains(" s)"), "{refused}");
    // Asking without a passcode tests nothing; a room without one is open.
    second.send(join_with("m", "vault", None)).await;
    second.expect_error("passcode_required").await;
    second.send(join_with("m", "open", Some("anything"))).await;
    second.expect("welcome").await;

    let mut guest = Client::connect_from(&url, "127.0.0.4").await;
    guest.send(join_with("guest", "vault", Some("tulip"))).await;
    guest.expect("welcome").await;
    assert_eq!(server.shared().registry.members("vault").len(), 2);
    honest.still_relay().await;
}

/// Resume tokens go only to their own peer. A client that knows the room and
/// its members' ids cannot take over a dropped member: not with a made-up
/// token, not with the member's peer id, not with its own spent token.
/// The member itself then resumes with the token it was given.
#[tokio::test]
async fn resume_tokens_of_other_peers() {
    let server = TestServer::start().await;
    let (mut a, wa) = server.joined("a", "r").await;
    let (b, wb) = server.joined("b", "r").await;
    a.expect("join").await;
    let secrets = [wa["resume_token"].as_str().unwrap().to_owned(), wb["resume_token"].as_str().unwrap().to_owned()];

    let mut mallory = server.client().await;
    let mut seen = Vec::new();
    mallory.send(json!({"event": "join", "data": {"user_id": "m", "room_id": "r", "version": 1,
        "resume": "0123456789abcdef0123456789abcdef"}})).await;
    let welcome = mallory.expect("welcome").await;
    seen.push(welcome.to_string());
    assert_eq!(welcome["resumed"], false);
    let spent = welcome["resume_token"].clone();
    a.expect("join").await;
    drop(b);
    assert_eq!(a.expect("peer_reconnecting").await["peer_id"], wb["peer_id"]);
    seen.push(mallory.expect("peer_reconnecting").await.to_string());
    mallory.send(json!({"event": "exit"})).await;
    a.expect("exit_room").await;

    for token in [wb["peer_id"].clone(), spent, json!(secrets[1].to_uppercase()), json!(format!("{} ", secrets[1]))] {
        mallory.send(json!({"event": "join", "data": {"user_id": "m", "room_id": "r", "version": 1, "resume": token}}))
            .await;
        let welcome = mallory.expect("welcome").await;
        assert_eq!(welcome["resumed"], false, "resumed with {token}");
        assert_ne!(welcome["peer_id"], wb["peer_id"]);
        seen.push(welcome.to_string());
        a.expect("join").await;
        mallory.send(json!({"event": "exit"})).await;
        a.expect("exit_room").await;
    }
    for text in &seen {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "another peer's token was sent: {text}");
        }
    }

    let mut b = server.client().await;
    b.send(json!({"event": "join", "data": {"user_id": "b", "room_id": "r", "version": 1, "resume": secrets[1]}}))
        .await;
    // What the room said meanwhile comes first, then the welcome.
    let back = loop {
        let msg = b.recv().await;
        if msg["event"] == "welcome" {
            break msg["data"].clone();
        }
        assert!(matches!(msg["event"].as_str(), Some("join" | "exit_room")), "{msg}");
    };
    assert_eq!((back["resumed"].clone(), back["peer_id"].clone()), (json!(true), wb["peer_id"].clone()));
    assert_eq!(a.expect("peer_resumed").await["peer_id"], wb["peer_id"]);
}

