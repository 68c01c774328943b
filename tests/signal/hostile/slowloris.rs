//! Slowloris: sockets that connect and never finish their HTTP request —
//! silent, trickling headers, or an upgrade missing its last blank line.
//! Each is closed once `request_head_timeout` runs out, whatever it sends.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use lancall::signal::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Honest, TestServer};

const HEAD_TIMEOUT: Duration = Duration::from_millis(500);

/// How a slow client behaves before the server gives up on it.
#[derive(Clone, Copy, Debug)]
enum Slow {
    Silent,
    /// One byte of a never-ending header every 50 ms.
    Trickle,
    /// A whole upgrade request but for the blank line that ends it.
    Unfinished,
}

/// Run one slow client on a socket connected at `start`; returns how long
/// until the server closed it.
async fn slow_client(mut s: TcpStream, start: Instant, how: Slow) -> Duration {
    let server = s.peer_addr().expect("peer");
    let head = format!(
        "GET /ws HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    );
    match how {
        Slow::Silent => {}
        Slow::Unfinished => s.write_all(head.as_bytes()).await.expect("write"),
        Slow::Trickle => {
            let bytes = b"GET /ws HTTP/1.1\r\nX-Slow: ".iter().copied().chain(std::iter::repeat(b'a'));
            let mut buf = [0u8; 1];
            for b in bytes {
                if s.write_all(&[b]).await.is_err() {
                    return start.elapsed();
                }
                // Closed while trickling: a read sees it at once.
                if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_millis(50), s.read(&mut buf)).await {
                    return start.elapsed();
                }
                assert!(start.elapsed() < Duration::from_secs(10), "trickling client never closed");
            }
        }
    }
    let mut buf = [0u8; 256];
    match tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await {
        Ok(Ok(0) | Err(_)) => start.elapsed(),
        Ok(Ok(_)) => panic!("{how:?}: the server answered an unfinished request"),
        Err(_) => panic!("{how:?}: still open after 10 s"),
    }
}

/// Hundreds of slow sockets of every kind are each closed soon after the
/// deadline; meanwhile an honest room talks and a new client connects,
/// joins and is answered at once.
#[tokio::test]
async fn slow_requests_are_closed_at_the_deadline() {
    let server = TestServer::with(Config { request_head_timeout: HEAD_TIMEOUT, ..Config::default() }).await;
    let mut honest = Honest::start(&server).await;
    let mut slow = Vec::new();
    for i in 0..300 {
        let how = [Slow::Silent, Slow::Trickle, Slow::Unfinished][i % 3];
        // One at a time: a burst of connects can overflow the listen backlog,
        // leaving a silent client "connected" to a socket the server never saw.
        let start = Instant::now();
        let stream = TcpStream::connect(server.addr).await.expect("connect");
        slow.push(tokio::spawn(slow_client(stream, start, how)));
    }
    tokio::time::sleep(HEAD_TIMEOUT / 2).await;
    honest.still_relay().await;
    let mut late = server.client().await;
    late.join_v1("late", "elsewhere").await;

    for closed_after in join_all(slow).await {
        let closed_after = closed_after.expect("slow client task");
        assert!(closed_after >= HEAD_TIMEOUT - Duration::from_millis(50), "closed early: {closed_after:?}");
        assert!(closed_after < HEAD_TIMEOUT * 6, "closed late: {closed_after:?}");
    }
    honest.still_relay().await;
}

/// The deadline covers the request head only: a client that upgrades and
/// then stays quiet (answering pings) keeps its socket well past it.
#[tokio::test]
async fn upgraded_sockets_outlive_the_deadline() {
    let server = TestServer::with(Config { request_head_timeout: HEAD_TIMEOUT, ..Config::default() }).await;
    let mut honest = Honest::start(&server).await;
    tokio::time::sleep(HEAD_TIMEOUT * 3).await;
    honest.still_relay().await;
    assert_eq!(server.shared().connections(), 2);
}
