//! The engine's one playback path: every peer's audio mixed, through the
//! echo probe the microphone's echo canceller reads.

use lancall::media::{Config, Kind, Source};

use crate::support::{test_config, wait_for, NativeCaller, TestServer};

/// A mesh of three: alice's microphone goes through webrtcdsp with echo
/// cancellation on (its probe on her playback path), and bob and carol
/// decode her audio, before and after she switches microphones (the new
/// one takes the other probe). Alice's playback mixes bob's and carol's
/// audio: both inputs counted into the mixer, and the mix has sound in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_audio_is_mixed_and_echo_cancelled_capture_sends() {
    let server = TestServer::start().await;
    let aec = Config {
        source: Source::Devices { video: Some("test:ball".into()), audio: Some("test:sine".into()) },
        voice_processing: true,
        ..test_config()
    };
    let alice = NativeCaller::join(&server.ws_url(), "aec", "alice", aec).await;
    wait_for("alice welcomed", 5, || alice.seen(|s| !s.my_id.is_empty())).await;
    let bob = NativeCaller::join(&server.ws_url(), "aec", "bob", test_config()).await;
    wait_for("bob welcomed", 5, || bob.seen(|s| !s.my_id.is_empty())).await;
    let carol = NativeCaller::join(&server.ws_url(), "aec", "carol", test_config()).await;

    // Bob and carol hear alice's echo-cancelled microphone.
    let alice_id = alice.seen(|s| s.my_id.clone());
    for who in [&bob, &carol] {
        wait_for(&format!("{} decoding alice's audio", who.name), 30, || {
            who.counters_of(&alice_id).is_some_and(|c| c.audio_frames_decoded > 50)
        })
        .await;
    }

    // Alice plays both: two inputs in her mixer, each fed, the mix not silent.
    wait_for("alice's mixer fed by bob and carol", 30, || {
        alice.seen(|s| s.peers.len() == 2 && s.peers.values().all(|p| p.counters().audio_frames_played > 50))
    })
    .await;
    let mix = alice.engine.playback_counters();
    assert_eq!(mix.inputs, 2, "{mix:?}");
    wait_for("alice's mix has sound", 10, || {
        let now = alice.engine.playback_counters();
        now.buffers_loud > mix.buffers_loud + 50 && now.buffers_mixed > mix.buffers_mixed + 50
    })
    .await;

    // Another microphone, echo cancelled too: still heard.
    alice.engine.use_device(Kind::Audio, "test:ticks").await.expect("alice switches microphones");
    for who in [&bob, &carol] {
        let before = who.counters_of(&alice_id).expect("a peer for alice").audio_frames_decoded;
        wait_for(&format!("{} still decoding alice's audio", who.name), 15, || {
            who.counters_of(&alice_id).is_some_and(|c| c.audio_frames_decoded > before + 50)
        })
        .await;
    }

    for who in [&alice, &bob, &carol] {
        assert!(who.seen(|s| s.errors.is_empty() && s.engine_errors.is_empty()), "{}: no errors", who.name);
    }
    alice.leave().await;
    bob.leave().await;
    carol.leave().await;
    server.stop().await;
}
