//! What a TCP connection may hold before it is a WebSocket: each HTTP
//! request head must arrive whole within a deadline, and only so many
//! connections may be open at once.
//!
//! `axum::serve` gives hyper no timer, so hyper's header-read timeout never
//! runs: without this, a client that sends half a request head (or nothing,
//! or one byte a minute) holds its socket forever — slowloris. The deadline
//! lives in the stream itself, which cannot see HTTP, so it watches the
//! bytes: a head ends at the first blank line (`\r\n\r\n`); the server's
//! answer starting `HTTP/1.1 101` means the socket is now a WebSocket, whose
//! own idle timeout and pings take over; any other answer starts the wait
//! for the next request on a kept-alive connection, under a fresh deadline.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{sleep, Instant, Sleep};

/// Wraps a listener so every connection it yields is a [`Guarded`] stream.
pub struct GuardedListener<L> {
    inner: L,
    head_timeout: Duration,
    max_open: usize,
    open: Arc<AtomicUsize>,
}

impl<L> GuardedListener<L> {
    /// `max_open` bounds sockets open at once, WebSockets included; one over
    /// it is closed as soon as it is accepted.
    pub fn new(inner: L, head_timeout: Duration, max_open: usize) -> Self {
        GuardedListener { inner, head_timeout, max_open, open: Arc::new(AtomicUsize::new(0)) }
    }
}

impl<L: Listener> Listener for GuardedListener<L> {
    type Io = Guarded<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (io, addr) = self.inner.accept().await;
            let open = self.open.fetch_add(1, Ordering::AcqRel) + 1;
            let slot = OpenSlot(self.open.clone());
            if open > self.max_open {
                tracing::warn!(max = self.max_open, "refused: too many open sockets");
                continue; // dropping `io` and `slot` closes and uncounts it
            }
            return (Guarded::new(io, self.head_timeout, slot), addr);
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// The address a connection came from, for handlers that limit per source
/// (`ConnectInfo<PeerAddr>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

impl<L> Connected<IncomingStream<'_, GuardedListener<L>>> for PeerAddr
where
    L: Listener<Addr = SocketAddr>,
{
    fn connect_info(stream: IncomingStream<'_, GuardedListener<L>>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

/// One place in the open-socket count, given back when dropped.
struct OpenSlot(Arc<AtomicUsize>);

impl Drop for OpenSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading a request head; the deadline runs.
    Head,
    /// The head is in; waiting for the server's answer.
    Answering,
    /// Switched protocols: a WebSocket, no deadline here.
    Upgraded,
}

/// A connection under the request-head deadline.
pub struct Guarded<Io> {
    inner: Io,
    phase: Phase,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    /// The last four bytes read, to find `\r\n\r\n` across reads.
    tail: u32,
    _slot: OpenSlot,
}

impl<Io> Guarded<Io> {
    fn new(inner: Io, timeout: Duration, slot: OpenSlot) -> Self {
        Guarded { inner, phase: Phase::Head, timeout, deadline: Box::pin(sleep(timeout)), tail: 0, _slot: slot }
    }

    /// Look for the end of the head in bytes just read.
    fn scan(&mut self, bytes: &[u8]) {
        const END: u32 = u32::from_be_bytes(*b"\r\n\r\n");
        for &b in bytes {
            self.tail = self.tail << 8 | u32::from(b);
            if self.tail == END {
                self.phase = Phase::Answering;
                return;
            }
        }
    }

    /// The server starts an answer: a WebSocket from here, or a kept-alive
    /// connection waiting for its next request head.
    fn answering(&mut self, bytes: &[u8]) {
        if self.phase != Phase::Answering || bytes.is_empty() {
            return;
        }
        if bytes.starts_with(b"HTTP/1.1 101") {
            self.phase = Phase::Upgraded;
        } else {
            self.phase = Phase::Head;
            self.tail = 0;
            let next = Instant::now() + self.timeout;
            self.deadline.as_mut().reset(next);
        }
    }
}

impl<Io: AsyncRead + Unpin> AsyncRead for Guarded<Io> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        // Polled first so the timer wakes this task even while the client
        // sends nothing at all.
        if this.phase == Phase::Head && this.deadline.as_mut().poll(cx).is_ready() {
            tracing::debug!("request head not complete in time; closing");
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "request head not complete in time")));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if this.phase == Phase::Head {
            this.scan(&buf.filled()[before..]);
        }
        Poll::Ready(Ok(()))
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for Guarded<Io> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        self.answering(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.inner).poll_write_vectored(cx, bufs))?;
        if n > 0 {
            if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
                self.answering(&first[..first.len().min(n)]);
            }
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    //! Real time with short deadlines: the crate's tokio has no test clock.
    use super::*;
    use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt};

    const DEADLINE: Duration = Duration::from_millis(300);

    fn guarded() -> (Guarded<tokio::io::DuplexStream>, tokio::io::DuplexStream) {
        let (server, client) = duplex(1024);
        let slot = OpenSlot(Arc::new(AtomicUsize::new(1)));
        (Guarded::new(server, DEADLINE, slot), client)
    }

    /// A head trickled byte by byte past the deadline is cut off, however
    /// steadily the bytes come.
    #[tokio::test]
    async fn trickled_head_times_out() {
        let (mut server, mut client) = guarded();
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 64];
            loop {
                match server.read(&mut buf).await {
                    Ok(0) => return Ok(()),
                    Ok(_) => continue,
                    Err(e) => return Err(e.kind()),
                }
            }
        });
        for b in b"GET /ws HTTP/1.1\r\nHost: x\r\n".iter().cycle().take(40) {
            if client.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(DEADLINE / 10).await;
        }
        assert_eq!(reader.await.unwrap(), Err(io::ErrorKind::TimedOut));
    }

    /// A client that connects and says nothing is closed too.
    #[tokio::test]
    async fn silent_client_times_out() {
        let (mut server, _client) = guarded();
        let err = server.read(&mut [0u8; 8]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    /// Once the head is in and the answer is `101`, the socket may stay
    /// quiet for as long as the WebSocket layer allows.
    #[tokio::test]
    async fn upgraded_socket_has_no_deadline() {
        let (mut server, mut client) = guarded();
        client.write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 64];
        let _ = server.read(&mut buf).await.unwrap();
        server.write_all(b"HTTP/1.1 101 Switching Protocols\r\n\r\n").await.unwrap();
        tokio::time::sleep(DEADLINE * 2).await;
        client.write_all(b"late frame").await.unwrap();
        assert_eq!(server.read(&mut buf).await.unwrap(), 10);
    }

    /// After an ordinary answer the next request gets a fresh deadline, so an
    /// idle kept-alive connection is closed too.
    #[tokio::test]
    async fn kept_alive_connection_waits_under_a_new_deadline() {
        let (mut server, mut client) = guarded();
        client.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 64];
        let _ = server.read(&mut buf).await.unwrap();
        tokio::time::sleep(DEADLINE * 2 / 3).await;
        server.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.unwrap();
        tokio::time::sleep(DEADLINE * 2 / 3).await;
        // Past the first deadline, within the one the answer started.
        client.write_all(b"GET /").await.unwrap();
        assert!(server.read(&mut buf).await.is_ok());
        let err = server.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
