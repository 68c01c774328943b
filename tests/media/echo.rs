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

/// What the engine's echo cancelling can do when the echo comes back when
/// the playback says it is played: pink noise goes through a
/// webrtcechoprobe into a sink that syncs to the clock, and comes back at
/// that moment, 6 dB down, as the "microphone" of a webrtcdsp reading that
/// probe; both pipelines on one clock and base time, as the engine's are.
/// The echo left is at least 6 dB below what it is without cancelling
/// (about 16 dB on a quiet machine; 7.7 dB once with two fuzzers and a
/// build on its 2 cores, as a late buffer puts the echo off its
/// timestamps). Without cancelling nothing else changes the level, so 6 dB
/// is the canceller's work. A synthetic loop, not a room: real speakers,
/// microphones and sound-server latencies are not measured.
#[test]
fn echo_canceller_removes_an_echo_timed_as_the_engine_times_it() {
    lancall::media::init().expect("GStreamer");
    let plain = echo_level(false);
    let cancelled = echo_level(true);
    eprintln!("echo: {plain:.1} dBFS, {cancelled:.1} dBFS with cancelling");
    assert!(cancelled < plain - 6.0, "echo {plain:.1} dBFS, {cancelled:.1} dBFS with cancelling");
}

/// The RMS level (dBFS) of the microphone after webrtcdsp, over the last
/// seconds of a few.
fn echo_level(cancel: bool) -> f64 {
    use gstreamer as gst;
    use gstreamer::prelude::*;
    use gstreamer_app as gst_app;
    const CAPS: &str = "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1";
    let probe = format!("echo-test-probe-{cancel}");
    let launch = |desc: String| gst::parse_launch(&desc).expect("pipeline").downcast::<gst::Pipeline>().expect("a pipeline");
    let speaker = launch(format!(
        "audiotestsrc is-live=true wave=pink-noise volume=0.3 samplesperbuffer=480 ! {CAPS} ! \
         webrtcechoprobe name={probe} ! appsink name=out sync=true"
    ));
    // Noise suppression and gain control off: only the canceller changes the level.
    let mic = launch(format!(
        "appsrc name=in is-live=true do-timestamp=true format=time caps={CAPS} ! volume volume=0.5 ! \
         webrtcdsp probe={probe} echo-cancel={cancel} noise-suppression=false gain-control=false ! \
         level interval=500000000 ! fakesink sync=true"
    ));
    let clock = gst::SystemClock::obtain();
    let base = clock.time().expect("a time");
    for p in [&speaker, &mic] {
        p.use_clock(Some(&clock));
        p.set_start_time(gst::ClockTime::NONE);
        p.set_base_time(base);
    }
    let input = mic.by_name("in").and_then(|e| e.downcast::<gst_app::AppSrc>().ok()).expect("appsrc");
    let out = speaker.by_name("out").and_then(|e| e.downcast::<gst_app::AppSink>().ok()).expect("appsink");
    out.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |s| {
                let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                if let Some(b) = sample.buffer() {
                    // Heard as it is played: stamped now, by the microphone's appsrc.
                    let mut b = b.copy();
                    b.make_mut().set_pts(gst::ClockTime::NONE);
                    let _ = input.push_buffer(b);
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    speaker.set_state(gst::State::Playing).expect("speaker plays");
    mic.set_state(gst::State::Playing).expect("microphone records");
    let bus = mic.bus().expect("bus");
    let mut levels = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_mseconds(100)) else { continue };
        match msg.view() {
            gst::MessageView::Element(e) => {
                let rms = e.structure().filter(|s| s.name() == "level").and_then(|s| s.get::<gst::glib::ValueArray>("rms").ok());
                if let Some(v) = rms.and_then(|a| a.iter().next().and_then(|x| x.get::<f64>().ok())) {
                    levels.push(v);
                }
            }
            gst::MessageView::Error(e) => panic!("echo test pipeline: {}", e.error()),
            _ => {}
        }
    }
    let _ = mic.set_state(gst::State::Null);
    let _ = speaker.set_state(gst::State::Null);
    // After the canceller has converged (a second or two).
    let tail = &levels[levels.len().saturating_sub(4)..];
    assert!(!tail.is_empty(), "levels measured");
    tail.iter().sum::<f64>() / tail.len() as f64
}
