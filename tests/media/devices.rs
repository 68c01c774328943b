//! Picking a camera or microphone mid-call: the engine swaps its capture
//! without renegotiation, and a device that can't be opened is an error
//! while the call goes on.

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use lancall::media::{self, Config, Kind};

use crate::support::{test_config, wait_for, NativeCaller, TestServer};

/// Mid-call, bob's engine switches its camera from the ball test pattern to
/// SMPTE bars and its microphone to another tone: alice keeps decoding both
/// and the picture she gets is the bars (brighter). A camera that does not
/// exist and a device string of an unknown kind are `device` errors, and
/// bob's bars and tone go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_devices_mid_call_keeps_the_call() {
    let server = TestServer::start().await;
    let alice = NativeCaller::join(&server.ws_url(), "dev", "alice", Config { forward_video: true, ..test_config() }).await;
    wait_for("alice welcomed", 5, || alice.seen(|s| !s.my_id.is_empty())).await;
    let bob = NativeCaller::join(&server.ws_url(), "dev", "bob", test_config()).await;
    wait_for("alice decoding bob", 20, || alice.counters().is_some_and(|c| c.video_frames_decoded > 10 && c.audio_frames_decoded > 20)).await;
    let before = key_frame(&alice, 0).await;
    assert!(mean_luma(&before.1) < 60.0, "the ball on black is dark: {}", mean_luma(&before.1));
    assert_eq!(bob.engine.device(Kind::Video).as_deref(), Some("test:ball"));

    // The camera: bars from now on.
    bob.engine.use_device(Kind::Video, "test:smpte").await.expect("bob switches to the bars");
    assert_eq!(bob.engine.device(Kind::Video).as_deref(), Some("test:smpte"));
    let bars = key_frame(&alice, before.0).await;
    assert!(mean_luma(&bars.1) > 80.0, "the bars are bright: {}", mean_luma(&bars.1));
    still_decoding(&alice, "after the camera switch").await;

    // The microphone: ticks instead of the sine.
    bob.engine.use_device(Kind::Audio, "test:ticks").await.expect("bob switches microphones");
    assert_eq!(bob.engine.device(Kind::Audio).as_deref(), Some("test:ticks"));
    still_decoding(&alice, "after the microphone switch").await;

    // Devices that can't be used: errors, and bob's capture goes on.
    let gone = bob.engine.use_device(Kind::Video, "v4l2:/dev/lancall-no-such-camera").await.expect_err("no such camera");
    assert_eq!(gone.code(), "device", "{gone}");
    let unknown = bob.engine.use_device(Kind::Audio, "speaker:front").await.expect_err("no such kind");
    assert_eq!(unknown.code(), "device", "{unknown}");
    assert_eq!(bob.engine.device(Kind::Video).as_deref(), Some("test:smpte"));
    assert_eq!(bob.engine.device(Kind::Audio).as_deref(), Some("test:ticks"));
    still_decoding(&alice, "after the failed switches").await;
    let latest = key_frame(&alice, bars.0).await;
    assert!(mean_luma(&latest.1) > 80.0, "still the bars: {}", mean_luma(&latest.1));

    assert!(alice.seen(|s| s.errors.is_empty()) && bob.seen(|s| s.errors.is_empty()), "no peer errors");
    alice.leave().await;
    bob.leave().await;
    server.stop().await;
}

/// The device list has the test sources when asked, each kind with its own.
#[test]
fn device_list_has_the_test_sources() {
    let list = media::devices(true).expect("GStreamer");
    let ids: Vec<(&str, Kind)> = list.iter().map(|d| (d.id.as_str(), d.kind)).collect();
    for want in [("test:ball", Kind::Video), ("test:smpte", Kind::Video), ("test:sine", Kind::Audio)] {
        assert!(ids.contains(&want), "{want:?} in {ids:?}");
    }
    assert!(list.iter().all(|d| !d.label.is_empty() && !d.id.is_empty()));
}

/// A key frame newer than the `after`-th, from alice's only peer.
async fn key_frame(alice: &NativeCaller, after: u64) -> (u64, Vec<u8>) {
    let mut got = None;
    wait_for("a new key frame", 15, || {
        got = alice.seen(|s| s.key_frames.values().next().filter(|k| k.0 > after).cloned());
        got.is_some()
    })
    .await;
    got.unwrap_or_default()
}

/// Video and audio from bob keep being decoded.
async fn still_decoding(alice: &NativeCaller, when: &str) {
    let c = alice.counters().expect("alice's peer");
    wait_for(&format!("alice decoding bob {when}"), 15, || {
        alice.counters().is_some_and(|n| n.video_frames_decoded > c.video_frames_decoded + 15 && n.audio_frames_decoded > c.audio_frames_decoded + 25)
    })
    .await;
}

/// How bright a VP8 key frame is, 0..255 (decoded here, apart from the engine).
fn mean_luma(frame: &[u8]) -> f64 {
    let pipeline = gst::parse_launch(
        "appsrc name=in caps=video/x-vp8 format=time ! vp8dec ! videoconvert ! video/x-raw,format=GRAY8 ! appsink name=out sync=false",
    )
    .expect("decoder")
    .downcast::<gst::Pipeline>()
    .expect("a pipeline");
    let src = pipeline.by_name("in").and_then(|e| e.downcast::<gst_app::AppSrc>().ok()).expect("appsrc");
    let sink = pipeline.by_name("out").and_then(|e| e.downcast::<gst_app::AppSink>().ok()).expect("appsink");
    pipeline.set_state(gst::State::Playing).expect("playing");
    let mut buffer = gst::Buffer::from_slice(frame.to_vec());
    buffer.get_mut().expect("fresh buffer").set_pts(gst::ClockTime::ZERO);
    src.push_buffer(buffer).expect("push");
    let _ = src.end_of_stream();
    let sample = sink.try_pull_sample(gst::ClockTime::from_seconds(5)).expect("a decoded picture");
    let _ = pipeline.set_state(gst::State::Null);
    let map = sample.buffer().expect("buffer").map_readable().expect("readable");
    let bytes = map.as_slice();
    bytes.iter().map(|&b| f64::from(b)).sum::<f64>() / bytes.len().max(1) as f64
}
