//! Hosting from the app, as the Host button and `lancall host` do it: the
//! server starts on the preferred port or the next free one, answers on
//! this machine's LAN addresses, and stops telling its peers. And the
//! command lines that open the app into a call.

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::process::Command;

use lancall::app::Hosting;
use lancall::signal::{lan, Config};

use crate::support::{close_code, join, BIN};

/// A port nobody listens on now: bound and released.
fn free_port() -> u16 {
    TcpListener::bind("0.0.0.0:0").unwrap().local_addr().unwrap().port()
}

async fn healthz(addr: SocketAddr) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.ok()?;
    tcp.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).await.ok()?;
    let mut out = String::new();
    tcp.read_to_string(&mut out).await.ok()?;
    Some(out)
}

/// The preferred port when it is free; hosting twice keeps one server; the
/// server answers on loopback and on every LAN address this machine has;
/// stopping closes peers with 1001 and frees the port.
#[tokio::test(flavor = "multi_thread")]
async fn hosts_on_the_preferred_port_and_stops_cleanly() {
    let port = free_port();
    let hosting = Hosting::new(port, Config::default());
    assert_eq!(hosting.addr(), None, "nothing is hosted before the person asks");
    let addr = hosting.start(None, None, None).expect("host").addr;
    assert_eq!(addr.port(), port);
    assert!(addr.ip().is_unspecified(), "hosting listens on every interface: {addr}");
    assert_eq!(hosting.start(None, None, None).unwrap().addr, addr, "a second start keeps the running server");

    let loopback = SocketAddr::from(([127, 0, 0, 1], port));
    assert!(healthz(loopback).await.unwrap().contains(r#""rooms":0"#));
    let lan = lan::addresses();
    if lan.is_empty() {
        eprintln!("this machine has no LAN address; only loopback was checked");
    }
    for ip in lan {
        let reply = healthz(SocketAddr::new(ip, port)).await;
        assert!(reply.is_some_and(|r| r.contains("200 OK")), "not reachable on {ip}");
    }

    let mut peer = join(&format!("ws://{loopback}/ws"), "guest", "room").await;
    let stopper = tokio::task::spawn_blocking(move || {
        hosting.stop();
        hosting
    });
    assert_eq!(close_code(&mut peer).await, 1001);
    let hosting = stopper.await.unwrap();
    assert_eq!(hosting.addr(), None);
    assert!(healthz(loopback).await.is_none(), "the port is closed after stopping");
    TcpListener::bind(SocketAddr::new(IpAddr::from([0, 0, 0, 0]), port)).expect("the port is free again");

    // Hosting again after a stop works, on the same port.
    assert_eq!(hosting.start(None, None, None).unwrap().addr.port(), port);
    hosting.stop();
}

/// A taken preferred port moves hosting to another one rather than failing.
#[tokio::test(flavor = "multi_thread")]
async fn taken_port_moves_to_a_free_one() {
    let taken = TcpListener::bind("0.0.0.0:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let hosting = Hosting::new(port, Config::default());
    let addr = hosting.start(None, None, None).expect("host").addr;
    assert_ne!(addr.port(), port);
    assert!(healthz(SocketAddr::from(([127, 0, 0, 1], addr.port()))).await.is_some());
    tokio::task::spawn_blocking(move || hosting.stop()).await.unwrap();
}

/// `lancall join` refuses what isn't an invite link, saying why, before
/// any window opens; `host` refuses a bad room; `--version` answers.
#[test]
fn command_lines_check_their_arguments() {
    let run = |args: &[&str]| Command::new(BIN).args(args).env_remove("DISPLAY").output().expect("run");
    let out = run(&["join", "http://192.168.1.5:8070/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("names no room"), "{out:?}");
    let out = run(&["join", "ftp://x/#room=r"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["host", "--room", "no spaces"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--room"), "{out:?}");
    let out = run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("lancall {}", env!("CARGO_PKG_VERSION")));
    for sub in ["host", "join"] {
        let out = run(&[sub, "--help"]);
        assert!(out.status.success(), "{sub} --help");
    }
}

/// With a certificate folder the host also speaks HTTPS, says its
/// certificate's fingerprint, and keeps it when hosting again.
#[tokio::test(flavor = "multi_thread")]
async fn hosting_with_https_keeps_its_fingerprint() {
    use lancall::app::HostOptions;
    let dir = std::env::temp_dir().join(format!("lancall-hosting-tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let options = HostOptions { tls_dir: Some(dir.clone()), advertise: false };
    let hosting = Hosting::with_options(free_port(), Config::default(), options);
    let first = hosting.start(None, Some("Ada"), None).expect("host").fingerprint.expect("a certificate");
    assert_eq!(first.len(), 32 * 3 - 1, "SHA-256 as AB:CD:…: {first}");
    assert!(dir.join(lancall::signal::tls::CERT_FILE).exists());
    // Plain HTTP still answers on the same port, for this window's own client.
    let addr = hosting.addr().unwrap();
    assert!(healthz(SocketAddr::from(([127, 0, 0, 1], addr.port()))).await.is_some());
    let hosting = tokio::task::spawn_blocking(move || {
        hosting.stop();
        hosting
    })
    .await
    .unwrap();
    let again = hosting.start(None, None, None).unwrap().fingerprint;
    assert_eq!(again.as_deref(), Some(first.as_str()), "the same certificate on the next start");
    tokio::task::spawn_blocking(move || hosting.stop()).await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Send a join and return the socket and the first message it brings.
async fn first_reply(url: &str, data: serde_json::Value) -> (Socket, serde_json::Value) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
    let join = serde_json::json!({"event": "join", "data": data});
    ws.send(Message::text(join.to_string())).await.expect("send");
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next()).await.expect("a reply in time");
    let Some(Ok(Message::Text(text))) = first else { panic!("expected a message, got {first:?}") };
    (ws, serde_json::from_str(&text).expect("JSON"))
}

/// Each start makes a fresh host key and says whether its rooms have a
/// waiting room. With one, a guest knocks while the key's holder goes
/// straight in as a host; the key of an earlier start makes nobody a host.
#[tokio::test(flavor = "multi_thread")]
async fn each_start_has_a_fresh_host_key() {
    use serde_json::json;
    let hosting = Hosting::new(free_port(), Config::default());
    let first = hosting.start(None, None, Some(true)).expect("host");
    assert!(first.waiting_room, "the host panel's switch is taken");
    assert!(first.host_key.len() == 32 && first.host_key.bytes().all(|b| b.is_ascii_hexdigit()), "{}", first.host_key);
    let url = format!("ws://127.0.0.1:{}/ws", first.addr.port());
    let (_window, w) = first_reply(&url, json!({"user_id": "Ada", "room_id": "r", "version": 1, "host_key": first.host_key})).await;
    assert_eq!((&w["event"], &w["data"]["host"], &w["data"]["waiting_room"]), (&json!("welcome"), &json!(true), &json!(true)));
    let (_guest, g) = first_reply(&url, json!({"user_id": "Bao", "room_id": "r", "version": 1})).await;
    assert_eq!(g["event"], "waiting", "{g}");
    let (_second, s) = first_reply(&url, json!({"user_id": "Ada 2", "room_id": "r", "version": 1, "host_key": first.host_key})).await;
    assert_eq!((&s["event"], &s["data"]["host"]), (&json!("welcome"), &json!(true)), "{s}");
    let hosting = tokio::task::spawn_blocking(move || {
        hosting.stop();
        hosting
    })
    .await
    .unwrap();

    // Hosting again: as the config says (no waiting room here), a new key.
    let second = hosting.start(None, None, None).expect("host again");
    assert!(!second.waiting_room);
    assert_ne!(second.host_key, first.host_key);
    let url = format!("ws://127.0.0.1:{}/ws", second.addr.port());
    let (_maker, _) = first_reply(&url, json!({"user_id": "Ada", "room_id": "r", "version": 1, "host_key": second.host_key})).await;
    let (_old, o) = first_reply(&url, json!({"user_id": "Eve", "room_id": "r", "version": 1, "host_key": first.host_key})).await;
    assert_eq!((&o["event"], &o["data"]["host"]), (&json!("welcome"), &json!(false)), "{o}");
    tokio::task::spawn_blocking(move || hosting.stop()).await.unwrap();
}
