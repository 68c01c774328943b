//! The one in-process test server: lancall's signaling server, with the
//! client pages it serves, on 127.0.0.1:0 in the test's own runtime, as the
//! app runs it (mini-redis `tests/client.rs`). Each test binary that needs
//! it pulls this file in with `#[path = "../common/server.rs"] mod server;`:
//! the test binaries are separate crates, so a `#[path]` module is how they
//! share code.
//!
//! What differs between tests is an option, not another helper: the
//! [`Config`] ([`TestServer::with`]), the URL a client wants
//! ([`TestServer::ws_url`], [`TestServer::page_url`]), and the room state
//! to wait on ([`TestServer::wait_seen`], [`TestServer::wait_until`]).
//! Tests of the built binary (`lancall serve`, the app window) start the
//! process instead: `tests/process/support.rs`.
//!
//! `LANCALL_TEST_SERVER=host:port` points [`TestServer::start`] at a server
//! already running elsewhere (`make windows-check`: `lancall.exe serve` under
//! Wine), so the tests that only speak the protocol prove another build of
//! it. Such a server is seen only through the wire and `/healthz`
//! ([`Seen`]); tests that need a config of their own, the server's
//! internals or its shutdown use [`TestServer::with`], which is always in
//! process. Run them one at a time against it (`--test-threads=1`): rooms
//! are shared, so each start waits until the previous test's are gone.

// Each test binary uses its own part of this file.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lancall::signal::{self, Config, Shared};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a test waits for something that should happen promptly.
pub const PROMPT: Duration = Duration::from_secs(5);

/// How long the server may take to stop once told to, sockets and all.
const STOP_BUDGET: Duration = Duration::from_secs(10);

/// The environment variable naming an external server (see the header).
pub const EXTERNAL_ENV: &str = "LANCALL_TEST_SERVER";

/// A running server and what a test reads of it.
pub struct TestServer {
    pub addr: SocketAddr,
    /// The server's state (rooms, peers, connection count), for tests to
    /// wait on and assert about; `None` for an external server.
    shared: Option<Arc<Shared>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// What `/healthz` tells of a server: all a test sees of an external one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub rooms: usize,
    pub peers: usize,
    pub connections: usize,
}

impl TestServer {
    /// A server with the default [`Config`]: the external one when
    /// `LANCALL_TEST_SERVER` names it, else in process.
    pub async fn start() -> Self {
        match std::env::var(EXTERNAL_ENV) {
            Ok(addr) if !addr.is_empty() => Self::external(addr.parse().expect("LANCALL_TEST_SERVER is host:port")).await,
            _ => Self::with(Config::default()).await,
        }
    }

    /// The server at `addr`, once the previous test's rooms and sockets
    /// there are gone (they share its rooms).
    async fn external(addr: SocketAddr) -> Self {
        let server = TestServer { addr, shared: None, stop: None, task: None };
        server.wait_seen("the previous test's rooms and sockets are gone", |s| s.rooms == 0 && s.connections == 0).await;
        server
    }

    /// A server with `config` (limits, timeouts, TLS, allowed origins, …).
    pub async fn with(config: Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("the listener's address");
        let shared = Shared::new(config);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(signal::serve(listener, shared.clone(), async move {
            let _ = stopped.await;
        }));
        TestServer { addr, shared: Some(shared), stop: Some(stop), task: Some(task) }
    }

    /// The in-process server's state; a test that reads it must start its
    /// server with [`TestServer::with`].
    pub fn shared(&self) -> &Arc<Shared> {
        self.shared.as_ref().expect("an external server's internals can't be read: start this test's server with TestServer::with")
    }

    /// Rooms, peers and connections now, as `/healthz` says them.
    pub async fn seen(&self) -> Seen {
        if let Some(shared) = &self.shared {
            let stats = shared.stats();
            return Seen { rooms: stats.rooms, peers: stats.peers, connections: shared.connections() };
        }
        let health = get_json(self.addr, "/healthz").await;
        let count = |k: &str| health[k].as_u64().unwrap_or_else(|| panic!("/healthz has no {k}: {health}")) as usize;
        // `connections` counts WebSockets only, so this request is not in it.
        Seen { rooms: count("rooms"), peers: count("peers"), connections: count("connections") }
    }

    /// Poll [`TestServer::seen`] until `cond` holds, or fail after
    /// [`PROMPT`] (a minute for an external server, which Wine makes slow)
    /// saying `what` was awaited.
    pub async fn wait_seen(&self, what: &str, cond: impl Fn(&Seen) -> bool) {
        let budget = if self.shared.is_some() { PROMPT } else { Duration::from_secs(60) };
        let deadline = tokio::time::Instant::now() + budget;
        loop {
            let seen = self.seen().await;
            if cond(&seen) {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "timed out after {budget:?} waiting until {what}; last seen {seen:?}");
            tokio::time::sleep(Duration::from_millis(if self.shared.is_some() { 10 } else { 100 })).await;
        }
    }

    /// The signaling socket, as the client and the native engine open it.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The client page, as a browser opens it.
    pub fn page_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stop the server, like Ctrl-C would, and wait until it has closed
    /// every socket and returned without error. An external server is
    /// stopped by whoever started it: here only its sockets are awaited.
    pub async fn stop(mut self) {
        if self.shared.is_none() {
            return self.wait_seen("every socket is closed", |s| s.connections == 0).await;
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(STOP_BUDGET, task)
                .await
                .unwrap_or_else(|_| panic!("the server did not stop within {STOP_BUDGET:?}"))
                .expect("the server task panicked")
                .expect("the server returned an error");
        }
    }

    /// Poll the in-process server's state until `cond` holds, or fail
    /// after [`PROMPT`] saying `what` was awaited.
    pub async fn wait_until(&self, what: &str, cond: impl Fn(&Shared) -> bool) {
        let deadline = tokio::time::Instant::now() + PROMPT;
        while !cond(self.shared()) {
            assert!(tokio::time::Instant::now() < deadline, "timed out after {PROMPT:?} waiting until {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for TestServer {
    /// A test that ends without [`TestServer::stop`] (or panics) still
    /// stops its server.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A GET of `path` on a plain-HTTP server, its body parsed as JSON: enough
/// HTTP/1.0 for `/healthz`, with no client library.
async fn get_json(addr: SocketAddr, path: &str) -> serde_json::Value {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        std::io::Result::Ok(response)
    };
    let response = tokio::time::timeout(PROMPT, exchange)
        .await
        .unwrap_or_else(|_| panic!("GET {path} on {addr}: no answer within {PROMPT:?}"))
        .unwrap_or_else(|e| panic!("GET {path} on {addr}: {e}"));
    let text = String::from_utf8_lossy(&response);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("GET {path} on {addr}: not JSON ({e}): {text}"))
}
