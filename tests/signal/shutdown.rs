//! Stopping the server: every peer is told with close code 1001.

use crate::support::TestServer;

/// On shutdown both members of a call get close 1001 and the server's task
/// ends promptly.
#[tokio::test]
async fn graceful_shutdown_closes_with_1001() {
    let server = TestServer::start().await;
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
