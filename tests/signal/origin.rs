//! Which pages may open a socket: refused ones get 403 before the upgrade.

use lancall::signal::Config;

use crate::support::{Client, TestServer};

/// No Origin (native clients), the app's origins and the server's own pages
/// are allowed; another site is refused with 403.
#[tokio::test]
async fn built_in_origins() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    server.client().await.close().await;
    for ok in ["tauri://localhost", "http://tauri.localhost", "https://tauri.localhost"] {
        assert!(Client::connect_with_origin(&url, ok).await.is_ok(), "{ok} refused");
    }
    let own = format!("http://{}", server.addr);
    assert!(Client::connect_with_origin(&url, &own).await.is_ok(), "own pages refused");
    for bad in ["http://evil.example", "null", "http://127.0.0.1:1"] {
        assert_eq!(Client::connect_with_origin(&url, bad).await.err(), Some(403), "{bad}");
    }
    // A refused upgrade never counted as a connection.
    server.wait_seen("no connection is left", |s| s.connections == 0).await;
}

/// `--allow-origin` adds exactly the origins it names.
#[tokio::test]
async fn allowed_by_flag() {
    let config = Config { allowed_origins: vec!["http://127.0.0.1:9000".into()], ..Config::default() };
    let server = TestServer::with(config).await;
    let url = server.ws_url();
    assert!(Client::connect_with_origin(&url, "http://127.0.0.1:9000").await.is_ok());
    assert_eq!(Client::connect_with_origin(&url, "http://127.0.0.1:9001").await.err(), Some(403));
}
