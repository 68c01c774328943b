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
//! to wait on ([`TestServer::wait_until`]). Tests of the built binary
//! (`lancall serve`, the app window) start the process instead:
//! `tests/process/support.rs`.

// Each test binary uses its own part of this file.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lancall::signal::{self, Config, Shared};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a test waits for something that should happen promptly.
pub const PROMPT: Duration = Duration::from_secs(5);

/// How long the server may take to stop once told to, sockets and all.
const STOP_BUDGET: Duration = Duration::from_secs(10);

/// A running server and what a test reads of it.
pub struct TestServer {
    pub addr: SocketAddr,
    /// The server's state (rooms, peers, connection count), for tests to
    /// wait on and assert about.
    pub shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// A server with the default [`Config`].
    pub async fn start() -> Self {
        Self::with(Config::default()).await
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
        TestServer { addr, shared, stop: Some(stop), task: Some(task) }
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
    /// every socket and returned without error.
    pub async fn stop(mut self) {
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

    /// Poll the server's state until `cond` holds, or fail after [`PROMPT`]
    /// saying `what` was awaited.
    pub async fn wait_until(&self, what: &str, cond: impl Fn(&Shared) -> bool) {
        let deadline = tokio::time::Instant::now() + PROMPT;
        while !cond(&self.shared) {
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
