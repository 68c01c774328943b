//! The engine and Chromium in one room: standard WebRTC both ways.

use crate::support::chromium::ChromiumPeer;
use crate::support::{test_config, wait_for, NativeCaller, TestServer};

/// Chromium running lancall's client offers to a native engine (the
/// newcomer): each decodes the other's video and audio (Chromium's
/// framesDecoded and the engine's decoded-frame counters rise), and a chat
/// message crosses the data channel each way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_engine_and_chromium_call_each_other() {
    call_both_ways(Offers::Chromium).await;
}

/// The same call the other way round: the engine is in the room first, so
/// it makes the offer (its SDP, its data channel) and Chromium answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_engine_offers_to_chromium() {
    call_both_ways(Offers::Native).await;
}

/// Who is in the room first, and so makes the offer (members offer to
/// newcomers, as ui/js/call.js does).
#[derive(PartialEq)]
enum Offers {
    Chromium,
    Native,
}

async fn call_both_ways(offers: Offers) {
    let server = TestServer::start().await;
    let room = if offers == Offers::Chromium { "nc" } else { "cn" };
    let (mut chromium, native) = if offers == Offers::Chromium {
        let chromium = ChromiumPeer::join(&server.page_url(), room, "Chromium").await;
        (chromium, NativeCaller::join(&server.ws_url(), room, "native", test_config()).await)
    } else {
        let native = NativeCaller::join(&server.ws_url(), room, "native", test_config()).await;
        (ChromiumPeer::join(&server.page_url(), room, "Chromium").await, native)
    };

    wait_for("native connected to Chromium", 30, || native.seen(|s| s.states.values().any(|st| st == "connected"))).await;
    wait_for("native decoding Chromium's video and audio", 30, || {
        native.counters().is_some_and(|c| c.video_frames_decoded > 20 && c.audio_frames_decoded > 50)
    })
    .await;

    // Chromium decodes ours, and keeps decoding.
    let mut first = 0;
    for _ in 0..300 {
        let stats = chromium.stats().await;
        let frames = stats.first().and_then(|s| s["framesDecoded"].as_u64()).unwrap_or(0);
        let packets = stats.first().and_then(|s| s["audioPackets"].as_u64()).unwrap_or(0);
        if first == 0 && frames > 0 {
            first = frames;
        }
        if first > 0 && frames > first + 10 && packets > 20 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let stats = chromium.stats().await;
    let frames = stats.first().and_then(|s| s["framesDecoded"].as_u64()).unwrap_or(0);
    assert!(first > 0 && frames > first + 10, "Chromium's framesDecoded rises: {stats:?}");

    wait_for("the data channel open on the native side", 10, || native.seen(|s| !s.channels.is_empty())).await;
    chromium.chat("hello from Chromium").await;
    wait_for("native gets Chromium's chat", 10, || {
        native.seen(|s| s.chats.iter().any(|(_, t)| t == "hello from Chromium"))
    })
    .await;
    native.chat("hello from GStreamer");
    let mut got = Vec::new();
    for _ in 0..100 {
        got = chromium.chats().await;
        if got.iter().any(|t| t == "hello from GStreamer") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(got.iter().any(|t| t == "hello from GStreamer"), "Chromium shows the native chat: {got:?}");
    assert!(native.seen(|s| s.errors.is_empty()), "no engine errors");

    chromium.quit().await;
    native.leave().await;
    server.stop().await;
}
