//! The server as a whole: its shared state, the connection count, and
//! [`run`], which serves until told to stop and then closes every socket.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::attempts::PasscodeAttempts;
use super::config::Config;
use super::guard::{GuardedListener, PeerAddr};
use super::origin::OriginPolicy;
use super::room::{Registry, Stats};

/// Sockets that may be open beyond `max_connections`: clients between
/// accept and upgrade, and those to be told `server_full`.
const HTTP_HEADROOM: usize = 1024;

/// What every connection and handler shares.
pub struct Shared {
    pub config: Config,
    pub registry: Registry,
    pub origins: OriginPolicy,
    /// Wrong passcodes by source address.
    pub attempts: PasscodeAttempts,
    /// Cancelled when the server stops; every connection watches it.
    pub shutdown: CancellationToken,
    /// Every connection task, so shutdown can wait for them to close.
    pub tracker: TaskTracker,
    connections: AtomicUsize,
    started: Instant,
}

impl Shared {
    pub fn new(config: Config) -> Arc<Self> {
        Arc::new(Shared {
            registry: Registry::new(config.max_room_size, config.outbound_queue),
            origins: OriginPolicy::new(&config.allowed_origins),
            attempts: PasscodeAttempts::new(config.passcode_attempts_per_ip, config.passcode_refill),
            shutdown: CancellationToken::new(),
            tracker: TaskTracker::new(),
            connections: AtomicUsize::new(0),
            started: Instant::now(),
            config,
        })
    }

    /// Take a place in the connection count, or `None` at the cap.
    pub fn try_connect(self: &Arc<Self>) -> Option<ConnectionSlot> {
        let max = self.config.max_connections;
        self.connections
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1))
            .ok()
            .map(|_| ConnectionSlot(self.clone()))
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Acquire)
    }

    pub fn stats(&self) -> Stats {
        self.registry.stats()
    }

    pub fn uptime(&self) -> std::time::Duration {
        self.started.elapsed()
    }
}

/// One place in the connection count, given back when dropped.
pub struct ConnectionSlot(Arc<Shared>);

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Serve signaling and the client pages on `listener` until `shutdown`
/// resolves; then tell every peer (close code 1001) and wait for their sockets
/// to close, at most `config.shutdown_grace`.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let shared = Shared::new(config);
    serve(listener, shared, shutdown).await
}

/// [`run`] with state the caller made, so it can read the counts.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = super::http::router(shared.clone()).into_make_service_with_connect_info::<PeerAddr>();
    let token = shared.shutdown.clone();
    let stop = async move {
        tokio::select! {
            _ = shutdown => {}
            _ = token.cancelled() => {}
        }
        token.cancel();
    };
    match shared.config.tls.as_ref() {
        Some(tls) => {
            let listener = super::listener::DualListener::new(listener, tls.server_config())?;
            axum::serve(guard(listener, &shared.config), app).with_graceful_shutdown(stop).await?;
        }
        None => axum::serve(guard(listener, &shared.config), app).with_graceful_shutdown(stop).await?,
    }
    // Upgraded sockets are not the HTTP server's any more: wait for them here.
    shared.tracker.close();
    if tokio::time::timeout(shared.config.shutdown_grace, shared.tracker.wait()).await.is_err() {
        tracing::warn!(open = shared.tracker.len(), "shutdown: some sockets did not close in time");
    }
    Ok(())
}

/// Every connection under the request-head deadline and the socket cap.
fn guard<L>(listener: L, config: &Config) -> GuardedListener<L> {
    let max_open = config.max_connections.saturating_add(HTTP_HEADROOM);
    GuardedListener::new(listener, config.request_head_timeout, max_open)
}
