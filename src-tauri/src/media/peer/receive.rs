//! The remote side of a [`super::NativePeer`]'s media: each stream webrtcbin
//! hands us is depayloaded, counted, decoded or forwarded to the page
//! (video) or played through the engine's mixer (audio). Built when the
//! stream arrives (a `pad-added`), since only then is its codec known.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::stats::AtomicCounters;
use super::{emit, Inner, Link};
use crate::media::error::{Error, Result};
use crate::media::{meter, playback};
use crate::media::{EncodedFrame, PeerEvent};

impl Link {
    /// Ask the other side for a full picture (RTCP PLI), for a decoder that
    /// lost its place (the page's, after dropped frames or an error); of
    /// their camera, or of the `screen` they share.
    pub fn request_keyframe(&self, screen: bool) -> Result<()> {
        self.live()?;
        if let Some(depay) = self.inner.pipeline.by_name(if screen { "screen-depay" } else { "depay" }) {
            let event = gstreamer_video::UpstreamForceKeyUnitEvent::builder().all_headers(true).build();
            depay.send_event(event);
        }
        Ok(())
    }
}

/// Whether the video arriving on `pad` is a shared screen: its m-line is a
/// video section, not the session's first (the camera's; a screen is always
/// added after it, by browsers and by us alike).
fn is_screen(inner: &Arc<Inner>, pad: &gst::Pad) -> bool {
    let Some(transceiver) = pad.property::<Option<gstreamer_webrtc::WebRTCRTPTransceiver>>("transceiver") else { return false };
    let mline = transceiver.mlineindex();
    let state = inner.state.lock().unwrap_or_else(|e| e.into_inner());
    let Some(remote) = state.remote.as_ref() else { return false };
    // webrtcbin 1.22 may hand the camera's video on a pad of another
    // transceiver of the bundle (the audio's): only a video section after
    // the first is a screen.
    let first = remote.media.iter().position(|m| m.kind == "video");
    let video = remote.media.get(mline as usize).is_some_and(|m| m.kind == "video");
    video && first.is_some_and(|f| mline as usize != f)
}

/// A remote stream arrived: depayload, count, decode or forward, play.
pub(super) fn receive(inner: &Arc<Inner>, pad: &gst::Pad) -> Result<()> {
    let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
    let name = caps
        .structure(0)
        .and_then(|s| s.get::<String>("encoding-name").ok())
        .unwrap_or_default()
        .to_ascii_uppercase();
    if name == "VP8" && is_screen(inner, pad) {
        return receive_screen(inner, pad);
    }
    let (desc, kind) = match name.as_str() {
        "VP8" => {
            let mut d = String::from("queue ! rtpvp8depay name=depay ! tee name=t");
            if inner.decode_video {
                d.push_str(" t. ! queue ! vp8dec name=dec ! fakesink sync=false async=false");
            }
            if inner.forward_video {
                d.push_str(" t. ! queue ! appsink name=frames sync=false max-buffers=30 drop=true");
            }
            d.push_str(" t. ! queue ! fakesink sync=false async=false");
            (d, "video")
        }
        "OPUS" => {
            // Played by the engine's one playback path (with everyone else's).
            // Measured on the way (media::meter), for the page's speaker ring.
            let caps = playback::CAPS;
            let meter = meter::element();
            let d = format!(
                "queue ! rtpopusdepay ! opusdec name=dec ! audioconvert ! audioresample ! {caps} ! {meter} ! \
                 appsink name=pcm sync=false max-buffers=50 drop=true"
            );
            (d, "audio")
        }
        _ => ("fakesink sync=false async=false".to_owned(), ""),
    };
    let bin = gst::parse_bin_from_description(&desc, true).map_err(|e| Error::Pipeline(e.to_string()))?;
    inner.pipeline.add(&bin)?;
    let counter = |name: &str, slot: fn(&AtomicCounters) -> &AtomicU64| {
        let w = Arc::downgrade(inner);
        if let Some(p) = bin.by_name(name).and_then(|e| e.static_pad("src")) {
            p.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
                if let Some(i) = w.upgrade() {
                    slot(&i.counters).fetch_add(1, Ordering::Relaxed);
                }
                gst::PadProbeReturn::Ok
            });
        }
    };
    match kind {
        "video" => {
            counter("depay", |c| &c.video_received);
            counter("dec", |c| &c.video_decoded);
        }
        "audio" => counter("dec", |c| &c.audio_decoded),
        _ => {}
    }
    forward_frames(inner, &bin, PeerEvent::Video);
    if let Some(sink) = bin.by_name("pcm").and_then(|e| e.downcast::<gst_app::AppSink>().ok()) {
        play(inner, &sink)?;
    }
    bin.sync_state_with_parent()?;
    let sink = bin.static_pad("sink").ok_or_else(|| Error::Pipeline("receiver without sink".into()))?;
    pad.link(&sink).map_err(|e| Error::Pipeline(format!("link receiver: {e:?}")))?;
    if !kind.is_empty() {
        emit(inner, PeerEvent::Track(kind.to_owned()));
    }
    Ok(())
}

/// A shared screen arrived: depayloaded, counted, and forwarded as
/// [`PeerEvent::Screen`] (the page decodes it, as it does the camera).
fn receive_screen(inner: &Arc<Inner>, pad: &gst::Pad) -> Result<()> {
    let mut desc = String::from("queue ! rtpvp8depay name=screen-depay ! tee name=t t. ! queue ! fakesink sync=false async=false");
    if inner.forward_video {
        desc.push_str(" t. ! queue ! appsink name=frames sync=false max-buffers=30 drop=true");
    }
    let bin = gst::parse_bin_from_description(&desc, true).map_err(|e| Error::Pipeline(e.to_string()))?;
    inner.pipeline.add(&bin)?;
    if let Some(p) = bin.by_name("screen-depay").and_then(|e| e.static_pad("src")) {
        let w = Arc::downgrade(inner);
        p.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            if let Some(i) = w.upgrade() {
                i.counters.screen_received.fetch_add(1, Ordering::Relaxed);
            }
            gst::PadProbeReturn::Ok
        });
    }
    forward_frames(inner, &bin, PeerEvent::Screen);
    bin.sync_state_with_parent()?;
    let sink = bin.static_pad("sink").ok_or_else(|| Error::Pipeline("screen receiver without sink".into()))?;
    pad.link(&sink).map_err(|e| Error::Pipeline(format!("link screen receiver: {e:?}")))?;
    emit(inner, PeerEvent::Track("screen".to_owned()));
    Ok(())
}

/// Decoded audio from `sink` to a new input of the playback mixer, its
/// timestamps as running times (the same in every pipeline of the engine).
fn play(inner: &Arc<Inner>, sink: &gst_app::AppSink) -> Result<()> {
    let src = inner.playback.add_input(inner.serial)?;
    if let Some(p) = src.static_pad("src") {
        let w = Arc::downgrade(inner);
        p.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            if let Some(i) = w.upgrade() {
                i.counters.audio_played.fetch_add(1, Ordering::Relaxed);
            }
            gst::PadProbeReturn::Ok
        });
    }
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |s| {
                let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let Some(buffer) = sample.buffer_owned() else { return Ok(gst::FlowSuccess::Ok) };
                let running = sample
                    .segment()
                    .and_then(|seg| seg.downcast_ref::<gst::ClockTime>().and_then(|seg| seg.to_running_time(buffer.pts())));
                let mut buffer = buffer;
                buffer.make_mut().set_pts(running);
                // A mixer input that is gone (peer closing) only drops this.
                let _ = src.push_buffer(buffer);
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    Ok(())
}

/// The encoded frames reaching `bin`'s appsink `frames` (there when the page
/// is sent video) go to the page as `event` (the camera's or a screen's).
fn forward_frames(inner: &Arc<Inner>, bin: &gst::Bin, event: fn(EncodedFrame) -> PeerEvent) {
    let Some(sink) = bin.by_name("frames").and_then(|e| e.downcast::<gst_app::AppSink>().ok()) else { return };
    let w = Arc::downgrade(inner);
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |s| {
                let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                if let (Some(i), Some(b)) = (w.upgrade(), sample.buffer()) {
                    emit(&i, event(EncodedFrame::from_buffer(b)));
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
}
