//! The server as a whole: [`run`], which serves until told to stop and then
//! closes every socket.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use super::config::Config;
use super::guard::{GuardedListener, PeerAddr};
use super::shared::Shared;

/// Sockets that may be open beyond `max_connections`: clients between
/// accept and upgrade, and those to be told `server_full`.
const HTTP_HEADROOM: usize = 1024;

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
