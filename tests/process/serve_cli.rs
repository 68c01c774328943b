//! `lancall serve`: explains itself, serves, and stops on SIGTERM telling
//! every peer (close 1001).

use std::process::Command;

use crate::support::{close_code, close_frame, http_get, join, Running, BIN};

/// `--help` names every flag the issue asks for, with what it does.
#[test]
fn serve_help_explains_itself() {
    let out = Command::new(BIN).args(["serve", "--help"]).output().expect("run");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--bind", "--port", "--allow-origin", "--max-room-size", "--max-connections", "[default: 8070]", "[default: 0.0.0.0]"] {
        assert!(help.contains(flag), "help lacks {flag}:\n{help}");
    }
    let bad = Command::new(BIN).args(["serve", "--port", "seventy"]).output().expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--port"));
}

/// The headless server answers /healthz, hosts a call, and on SIGTERM closes
/// its peers' sockets with 1001 ("server shutting down": it may come back)
/// and exits cleanly.
#[tokio::test]
async fn serve_stops_gracefully_on_sigterm() {
    let mut server = Running::start(&["serve", "--bind", "127.0.0.1", "--port", "0"], &[]);
    let url = server.ws_url();
    let mut a = join(&url, "a", "room").await;
    let mut b = join(&url, "b", "room").await;
    let health = http_get(server.port, "/healthz").await;
    assert!(health.contains(r#""peers":2"#), "{health}");
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
    // A headless server is likely coming back: the calls go on meanwhile.
    assert_eq!(close_frame(&mut a).await, (1001, "server shutting down".to_owned()));
    assert_eq!(close_code(&mut b).await, 1001);
}

/// `lancall serve --waiting-room`: a room's maker goes in as its host, the
/// next joiner waits to be admitted.
#[tokio::test]
async fn serve_with_a_waiting_room() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let mut server = Running::start(&["serve", "--bind", "127.0.0.1", "--port", "0", "--waiting-room"], &[]);
    let url = server.ws_url();
    let _maker = join(&url, "a", "room").await;
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.expect("connect");
    let knock = serde_json::json!({"event": "join", "data": {"user_id": "b", "room_id": "room"}});
    ws.send(Message::text(knock.to_string())).await.expect("send");
    let reply = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next()).await.expect("a reply in time");
    let Some(Ok(Message::Text(text))) = reply else { panic!("expected waiting, got {reply:?}") };
    assert!(text.contains(r#""event":"waiting""#), "{text}");
    assert!(server.terminate().success());
}
