//! The engine's one playback path: every peer's decoded audio into one
//! mixer, through the echo probes the microphone's webrtcdsp reads (echo
//! cancellation needs to know what the speakers play), to the speakers or,
//! for tests, to a fakesink.
//!
//! ```text
//! silence (keeps it running) ─┐
//! peer A: appsrc ─────────────┼ audiomixer ─ webrtcechoprobe ×2 ─ speakers
//! peer B: appsrc ─────────────┘
//! ```
//!
//! Runs on the engine's clock and base time, like the capture and the
//! peers: a peer's running times mean the same here, and the probes'
//! timestamps line up with the microphone's. Two probes because a probe
//! serves one webrtcdsp at a time, and a microphone being switched has two
//! for a moment (see `capture`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::mpsc;

use super::capture::{lock, watch_bus, Timing};
use super::error::{Error, Result};
use super::{AudioOut, Event};

/// What the mixer mixes: what echo cancellation expects too.
pub const CAPS: &str = "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1";
/// How long the mixer waits for a peer's audio: its jitter buffer holds
/// packets 100 ms, decoding takes a little.
const WAIT_NS: u64 = 150_000_000;
/// A sample above this (−40 dBFS) makes a buffer loud.
const LOUD: i16 = 328;

/// What went through the playback path so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PlaybackCounters {
    /// Buffers the mixer made (10 ms each), silence included.
    pub buffers_mixed: u64,
    /// Of those, buffers with sound in them.
    pub buffers_loud: u64,
    /// Peers' audio streams in the mixer now.
    pub inputs: u64,
}

pub struct Playback {
    pipeline: gst::Pipeline,
    mixer: gst::Element,
    inputs: Mutex<Vec<(u64, gst_app::AppSrc, gst::Pad)>>,
    probes: [String; 2],
    mixed: Arc<AtomicU64>,
    loud: Arc<AtomicU64>,
}

impl Playback {
    /// Start the path to `out`; `tag` makes the probes' names this engine's
    /// own (webrtcdsp finds its probe by name, process-wide).
    pub fn start(out: AudioOut, timing: Timing, tag: u64, events: mpsc::UnboundedSender<Event>) -> Result<Self> {
        let probes = [format!("lancall-echo-{tag}-a"), format!("lancall-echo-{tag}-b")];
        let sink = match out {
            AudioOut::Speakers => "autoaudiosink",
            AudioOut::Discard => "fakesink sync=false async=false",
        };
        let desc = format!(
            "audiotestsrc is-live=true wave=silence samplesperbuffer=480 ! {CAPS} ! \
             audiomixer name=mix latency={WAIT_NS} start-time-selection=first ! {CAPS} ! \
             webrtcechoprobe name={a} ! webrtcechoprobe name={b} ! {sink}",
            a = probes[0],
            b = probes[1],
        );
        let pipeline = gst::parse_launch(&desc)
            .map_err(|e| Error::Pipeline(format!("playback: {e}")))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| Error::Pipeline("playback is not a pipeline".into()))?;
        let (clock, base) = timing;
        pipeline.use_clock(Some(&clock));
        pipeline.set_start_time(gst::ClockTime::NONE);
        pipeline.set_base_time(base);
        let mixer = pipeline.by_name("mix").ok_or_else(|| Error::Pipeline("playback without its mixer".into()))?;
        let (mixed, loud) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        if let Some(pad) = mixer.static_pad("src") {
            let (m, l) = (mixed.clone(), loud.clone());
            pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
                if let Some(gst::PadProbeData::Buffer(b)) = &info.data {
                    m.fetch_add(1, Ordering::Relaxed);
                    if is_loud(b) {
                        l.fetch_add(1, Ordering::Relaxed);
                    }
                }
                gst::PadProbeReturn::Ok
            });
        }
        watch_bus(&pipeline, "playback", events.clone());
        // No sound device is no reason to stop a call: said, and it goes on.
        if let Err(e) = pipeline.set_state(gst::State::Playing) {
            tracing::warn!(cause = %e, "playback did not start");
            let _ = events.send(Event::Error { peer: None, message: format!("playback: {e}") });
        }
        Ok(Playback { pipeline, mixer, inputs: Mutex::new(Vec::new()), probes, mixed, loud })
    }

    /// The names of the echo probes, for the microphone's webrtcdsp.
    pub fn echo_probes(&self) -> [String; 2] {
        self.probes.clone()
    }

    /// A new input of the mixer for peer `id`: push decoded audio (in
    /// [`CAPS`], timestamps in running time) into it.
    pub fn add_input(&self, id: u64) -> Result<gst_app::AppSrc> {
        let caps = CAPS.parse::<gst::Caps>().map_err(|e| Error::Pipeline(e.to_string()))?;
        let src = gst_app::AppSrc::builder().caps(&caps).format(gst::Format::Time).is_live(true).max_bytes(1 << 18).build();
        src.set_leaky_type(gst_app::AppLeakyType::Downstream);
        self.pipeline.add(&src)?;
        let pad = self.mixer.request_pad_simple("sink_%u").ok_or_else(|| Error::Pipeline("the mixer gave no input".into()))?;
        let linked = src.static_pad("src").map(|p| p.link(&pad));
        if !matches!(linked, Some(Ok(_))) {
            self.mixer.release_request_pad(&pad);
            let _ = self.pipeline.remove(&src);
            return Err(Error::Pipeline(format!("link a peer to the mixer: {linked:?}")));
        }
        src.sync_state_with_parent()?;
        lock(&self.inputs).push((id, src.clone(), pad));
        Ok(src)
    }

    /// Peer `id`'s inputs leave the mixer. Can wait on their threads.
    pub fn remove_input(&self, id: u64) {
        let gone: Vec<_> = {
            let mut inputs = lock(&self.inputs);
            let (gone, kept) = std::mem::take(&mut *inputs).into_iter().partition(|(i, _, _)| *i == id);
            *inputs = kept;
            gone
        };
        for (_, src, pad) in gone {
            let _ = src.set_state(gst::State::Null);
            self.mixer.release_request_pad(&pad);
            let _ = self.pipeline.remove(&src);
        }
    }

    pub fn counters(&self) -> PlaybackCounters {
        PlaybackCounters {
            buffers_mixed: self.mixed.load(Ordering::Relaxed),
            buffers_loud: self.loud.load(Ordering::Relaxed),
            inputs: lock(&self.inputs).len() as u64,
        }
    }
}

impl Drop for Playback {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

fn is_loud(buffer: &gst::BufferRef) -> bool {
    let Ok(map) = buffer.map_readable() else { return false };
    map.as_slice().chunks_exact(2).any(|s| i16::from_le_bytes([s[0], s[1]]).saturating_abs() > LOUD)
}
