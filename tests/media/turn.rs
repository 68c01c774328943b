//! The engine reaches a peer it can only reach through a TURN server: the
//! client's STUN/TURN servers and policy reach webrtcbin.

use lancall::media::ice::{IceConfig, IcePolicy, IceServer, Urls};

use crate::support::chromium::ChromiumPeer;
use crate::support::turn::{self, TurnServer, PASSWORD, TURN_IP, USER};
use crate::support::{test_config, wait_for, NativeCaller, TestServer};

/// With a TURN server of our own and both sides allowed relayed
/// candidates only (Chromium's iceTransportPolicy 'relay', webrtcbin's
/// ice-transport-policy relay), the engine and Chromium still see each
/// other: every candidate the engine sent is a relay one, and Chromium's
/// selected pair is relayed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_goes_through_turn_when_only_relay_is_allowed() {
    if let Some(why) = turn::unavailable() {
        eprintln!("TURN test skipped: {why}");
        return;
    }
    let turn = TurnServer::start();
    let server = TestServer::start().await;
    let query = format!("?video=240&ice={}", turn.page_spec());
    let mut chromium = ChromiumPeer::join_with(&server.page_url(), "turn", "Chromium", &[&query, "relay"]).await;
    let mut config = test_config();
    config.ice = IceConfig {
        ice_servers: vec![IceServer {
            urls: Urls::One(format!("turn:{TURN_IP}:{}?transport=udp", turn.port)),
            username: Some(USER.to_owned()),
            credential: Some(PASSWORD.to_owned()),
        }],
        ice_transport_policy: Some(IcePolicy::Relay),
    };
    let native = NativeCaller::join(&server.ws_url(), "turn", "native", config).await;
    wait_for("native decoding Chromium's video through TURN", 45, || {
        native.counters().is_some_and(|c| c.video_frames_decoded > 20)
    })
    .await;
    chromium.decodes(0, 20, "Chromium decoding the engine's video through TURN").await;
    let stats = chromium.stats().await;
    assert_eq!(stats[0]["candidateType"], "relay", "Chromium's selected pair is relayed: {stats:?}");
    let sent = native.seen(|s| s.sent_candidates.clone());
    assert!(!sent.is_empty() && sent.iter().all(|c| c.contains(" typ relay")), "the engine offered relay candidates only: {sent:?}");
    assert!(native.seen(|s| s.errors.is_empty()), "no engine errors");

    chromium.quit().await;
    native.leave().await;
    server.stop().await;
}
