//! Two engines in one room.

use crate::support::{test_config, wait_for, NativeCaller, TestServer};

/// Two native engines in a room: the member offers to the newcomer, video
/// and audio are decoded on both sides, and chat crosses the data channel both ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_native_engines_call_each_other() {
    let server = TestServer::start().await;
    let alice = NativeCaller::join(&server.ws_url(), "nn", "alice", test_config()).await;
    wait_for("alice welcomed", 5, || alice.seen(|s| !s.my_id.is_empty())).await;
    let bob = NativeCaller::join(&server.ws_url(), "nn", "bob", test_config()).await;
    for who in [&alice, &bob] {
        wait_for(&format!("{} connected", who.name), 20, || {
            who.seen(|s| s.states.values().any(|st| st == "connected"))
        })
        .await;
        wait_for(&format!("{} decoding video and audio", who.name), 20, || {
            who.counters().is_some_and(|c| c.video_frames_decoded > 10 && c.audio_frames_decoded > 20)
        })
        .await;
        wait_for(&format!("{}'s data channel open", who.name), 10, || who.seen(|s| !s.channels.is_empty())).await;
    }
    alice.chat("hello bob");
    bob.chat("你好 alice");
    wait_for("bob gets alice's chat", 5, || bob.seen(|s| s.chats.iter().any(|(_, t)| t == "hello bob"))).await;
    wait_for("alice gets bob's chat", 5, || alice.seen(|s| s.chats.iter().any(|(_, t)| t == "你好 alice"))).await;
    assert!(alice.seen(|s| s.errors.is_empty()) && bob.seen(|s| s.errors.is_empty()));
    alice.leave().await;
    bob.leave().await;
    server.stop().await;
}
