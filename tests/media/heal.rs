//! The engine keeps a call through what a network does to it: an ICE
//! restart is a new webrtcbin under the same peer (GStreamer 1.22's cannot
//! restart ICE), which Chromium takes as an ordinary ICE restart.

use crate::support::chromium::ChromiumPeer;
use crate::support::{test_config, wait_for, NativeCaller, TestServer};

fn ufrag(sdp: &str) -> Option<String> {
    sdp.lines().find_map(|l| l.trim_end().strip_prefix("a=ice-ufrag:")).map(str::to_owned)
}

/// The engine restarts ICE with Chromium (as the client does when the
/// connection failed): a new webrtcbin whose offer keeps the session's
/// m-lines with new ICE credentials, which Chromium accepts; video flows
/// both ways again and chat crosses both ways, with the same peers (nobody
/// rejoined: Chromium still has one peer, the same one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ice_restart_rebuilds_webrtcbin_and_chromium_follows() {
    let server = TestServer::start().await;
    // Chromium first, so its offer set the session's mids: the new
    // webrtcbin must keep them (the harder way round).
    let mut chromium = ChromiumPeer::join(&server.page_url(), "heal", "Chromium").await;
    let native = NativeCaller::join(&server.ws_url(), "heal", "native", test_config()).await;
    wait_for("native decoding Chromium's video", 30, || native.counters().is_some_and(|c| c.video_frames_decoded > 20)).await;
    let before = chromium.decodes(0, 10, "Chromium decoding the engine's video").await;
    let peers_before = chromium.ask(serde_json::json!({"cmd": "peers"})).await["peers"].clone();
    let (id, rebuilds) = native.seen(|s| {
        let peer = s.peers.values().next().expect("one peer");
        (peer.id().to_owned(), peer.rebuilds())
    });
    assert_eq!(rebuilds, 0, "no rebuild yet");

    native.restart(&id);
    wait_for("a new webrtcbin's offer", 20, || native.seen(|s| !s.offers.is_empty())).await;
    let offer = native.seen(|s| s.offers[0].clone());
    assert!(ufrag(&offer).is_some(), "the offer has ICE credentials: {offer}");
    assert_eq!(native.seen(|s| s.peers[&id].rebuilds()), 1);
    wait_for("native decoding Chromium's video on the new webrtcbin", 30, || {
        native.counters().is_some_and(|c| c.video_frames_decoded > 20)
    })
    .await;
    let now = chromium.frames_decoded().await.max(before);
    chromium.decodes(now, 20, "Chromium decoding after the restart").await;
    let peers_after = chromium.ask(serde_json::json!({"cmd": "peers"})).await["peers"].clone();
    assert_eq!(peers_after.as_array().map(Vec::len), Some(1), "Chromium has the one peer: {peers_after}");
    assert_eq!(peers_after[0]["id"], peers_before[0]["id"], "the same peer, not a new one");
    assert_eq!(peers_after[0]["name"], peers_before[0]["name"]);

    // The data channel of the new webrtcbin carries chat both ways.
    wait_for("the data channel open again", 20, || native.seen(|s| native_channel_open(s, &id))).await;
    chromium.chat("after the restart, from Chromium").await;
    wait_for("native gets Chromium's chat", 15, || {
        native.seen(|s| s.chats.iter().any(|(_, t)| t == "after the restart, from Chromium"))
    })
    .await;
    native.chat("after the restart, from GStreamer");
    let mut got = Vec::new();
    for _ in 0..150 {
        got = chromium.chats().await;
        if got.iter().any(|t| t == "after the restart, from GStreamer") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(got.iter().any(|t| t == "after the restart, from GStreamer"), "Chromium shows the native chat: {got:?}");
    assert!(native.seen(|s| s.errors.is_empty()), "no engine errors: {:?}", native.seen(|s| s.errors.clone()));

    chromium.quit().await;
    native.leave().await;
    server.stop().await;
}

fn native_channel_open(s: &crate::support::Seen, id: &str) -> bool {
    s.peers.get(id).is_some_and(|p| p.channel_open())
}
