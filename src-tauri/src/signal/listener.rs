//! HTTP and HTTPS on one port. When the server has a TLS identity, each new
//! connection's first byte decides: `0x16` (a TLS handshake record) is
//! HTTPS/WSS, anything else plain HTTP/WS. One port keeps invite links, the
//! firewall rule and the mDNS announcement simple, and the seed page and the
//! app's own webview keep their plain `ws://`.
//!
//! Handshakes run in tasks of their own, so a client that connects and says
//! nothing (or handshakes slowly) never holds up the next one; each is bounded
//! in time, and only so many may be pending at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;
use tokio_rustls::{rustls, TlsAcceptor};
use tokio_util::either::Either;

/// The first byte of every TLS connection (a handshake record).
const TLS_HANDSHAKE: u8 = 0x16;
/// Time a new connection has to send its first byte and finish a handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections allowed to be between accept and ready at once.
const MAX_PENDING: usize = 512;

/// A connection as the HTTP server sees it: plain or TLS.
pub type Stream = Either<TcpStream, TlsStream<TcpStream>>;

/// Accepts on a TCP listener and hands axum ready connections, plain or TLS.
pub struct DualListener {
    ready: mpsc::Receiver<(Stream, SocketAddr)>,
    local: SocketAddr,
    acceptor: JoinHandle<()>,
}

impl DualListener {
    pub fn new(listener: TcpListener, tls: Arc<rustls::ServerConfig>) -> std::io::Result<DualListener> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let acceptor = tokio::spawn(accept_loop(listener, TlsAcceptor::from(tls), tx));
        Ok(DualListener { ready, local, acceptor })
    }
}

impl Drop for DualListener {
    fn drop(&mut self) {
        // Closes the socket: the port is free as soon as the server stops.
        self.acceptor.abort();
    }
}

impl axum::serve::Listener for DualListener {
    type Io = Stream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Stream, SocketAddr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop only ends when aborted, i.e. after we are gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

async fn accept_loop(listener: TcpListener, tls: TlsAcceptor, ready: mpsc::Sender<(Stream, SocketAddr)>) {
    let pending = Arc::new(Semaphore::new(MAX_PENDING));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // Out of file descriptors and the like: wait, as axum does.
                tracing::warn!(cause = ?e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = pending.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "refused: too many connections still handshaking");
            continue;
        };
        let tls = tls.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, open(stream, &tls)).await {
                Ok(Ok(conn)) => {
                    let _ = ready.send((conn, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, cause = ?e, "connection failed before HTTP"),
                Err(_) => tracing::debug!(%peer, "no handshake in time"),
            }
        });
    }
}

/// Peek at the first byte and, for TLS, complete the handshake.
async fn open(stream: TcpStream, tls: &TlsAcceptor) -> std::io::Result<Stream> {
    let _ = stream.set_nodelay(true);
    let mut first = [0u8; 1];
    let n = stream.peek(&mut first).await?;
    if n == 1 && first[0] == TLS_HANDSHAKE {
        Ok(Either::Right(tls.accept(stream).await?))
    } else {
        Ok(Either::Left(stream))
    }
}
