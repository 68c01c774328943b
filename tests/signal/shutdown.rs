//! Stopping the server: every peer is told with close code 1001, and by its
//! reason whether the server may come back or the calls are over.

use std::time::Duration;

use lancall::signal::connection::close;
use lancall::signal::Config;

use crate::support::{Client, TestServer};

/// The close frame's code and reason, however long the queue before it.
async fn farewell(client: &mut Client) -> (u16, String) {
    loop {
        match client.next_text(Duration::from_secs(5)).await {
            Some(Ok(_)) => continue,
            Some(Err(Some(frame))) => return (u16::from(frame.code), frame.reason.to_string()),
            Some(Err(None)) => return (1006, String::new()),
            None => panic!("socket not closed within 5 s"),
        }
    }
}

/// On shutdown both members of a call get close 1001 and the server's task
/// ends promptly.
#[tokio::test]
async fn graceful_shutdown_closes_with_1001() {
    // In process even when the others use an external server: it stops it.
    let server = TestServer::with(Config::default()).await;
    let (mut a, _) = server.joined("a", "r").await;
    let (mut b, _) = server.joined("b", "r").await;
    let mut idle = server.client().await;
    a.expect("join").await;
    let stopping = tokio::spawn(server.stop());
    assert_eq!(a.expect_close().await, 1001);
    assert_eq!(b.expect_close().await, 1001);
    assert_eq!(idle.expect_close().await, 1001);
    stopping.await.expect("server stopped");
}

/// By default a stopping server says it is shutting down (its peers keep
/// their calls and reconnect); one whose stop ends the calls, as the app's
/// does, says the host ended the call.
#[tokio::test]
async fn shutdown_says_whether_the_calls_are_over() {
    for (ends, reason) in [(false, close::SHUTTING_DOWN), (true, close::CALL_ENDED)] {
        let server = TestServer::with(Config { shutdown_ends_calls: ends, ..Config::default() }).await;
        let (mut a, _) = server.joined("a", "r").await;
        let mut idle = server.client().await;
        let stopping = tokio::spawn(server.stop());
        assert_eq!(farewell(&mut a).await, (1001, reason.to_owned()), "in a room, ends_calls={ends}");
        assert_eq!(farewell(&mut idle).await, (1001, reason.to_owned()), "not joined, ends_calls={ends}");
        stopping.await.expect("server stopped");
    }
}
