//! What a [`super::NativePeer`] can tell about its media: frame counters kept by
//! probes on the receive pipeline (cheap, for tests and the app's status)
//! and webrtcbin's own statistics (getStats) as JSON.

use std::sync::atomic::{AtomicU64, Ordering};

use gstreamer as gst;
use gstreamer::prelude::*;

use super::negotiation::{promise, wait};
use super::Link;
use crate::media::meter::AudioLevel;
use crate::media::error::Result;

/// Frames that went through this peer's decoders so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Counters {
    /// Encoded video frames received (after depayloading).
    pub video_frames_received: u64,
    /// Encoded frames of a screen the other side shares, received.
    pub screen_frames_received: u64,
    /// Video frames decoded (only with `Config::decode_video`).
    pub video_frames_decoded: u64,
    /// Opus frames decoded.
    pub audio_frames_decoded: u64,
    /// Decoded audio buffers handed to the engine's playback mixer.
    pub audio_frames_played: u64,
}

#[derive(Default)]
pub(super) struct AtomicCounters {
    pub(super) video_received: AtomicU64,
    pub(super) screen_received: AtomicU64,
    pub(super) video_decoded: AtomicU64,
    pub(super) audio_decoded: AtomicU64,
    pub(super) audio_played: AtomicU64,
}

impl Link {
    pub fn counters(&self) -> Counters {
        let c = &self.inner.counters;
        Counters {
            video_frames_received: c.video_received.load(Ordering::Relaxed),
            screen_frames_received: c.screen_received.load(Ordering::Relaxed),
            video_frames_decoded: c.video_decoded.load(Ordering::Relaxed),
            audio_frames_decoded: c.audio_decoded.load(Ordering::Relaxed),
            audio_frames_played: c.audio_played.load(Ordering::Relaxed),
        }
    }

    /// How loud the peer's audio has been, and the microphone we send (`media::meter`).
    pub fn audio_levels(&self) -> (AudioLevel, AudioLevel) {
        (self.inner.audio_level.get(), self.inner.capture.mic_level())
    }

    /// webrtcbin's statistics (RTCStatsReport-like), as JSON.
    pub async fn stats(&self) -> Result<serde_json::Value> {
        self.live()?;
        let (promise, rx) = promise();
        self.inner.webrtc.emit_by_name::<()>("get-stats", &[&None::<gst::Pad>, &promise]);
        let reply = wait(rx).await?;
        Ok(reply.map(|s| structure_json(&s)).unwrap_or(serde_json::Value::Null))
    }
}

/// A GstStructure of stats as JSON: one object per field, values as their
/// natural JSON type where they have one, else their text.
fn structure_json(s: &gst::StructureRef) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (name, value) in s.iter() {
        let v = if let Ok(inner) = value.get::<gst::Structure>() {
            structure_json(&inner)
        } else if let Ok(x) = value.get::<u64>() {
            x.into()
        } else if let Ok(x) = value.get::<i64>() {
            x.into()
        } else if let Ok(x) = value.get::<u32>() {
            x.into()
        } else if let Ok(x) = value.get::<i32>() {
            x.into()
        } else if let Ok(x) = value.get::<f64>() {
            x.into()
        } else if let Ok(x) = value.get::<bool>() {
            x.into()
        } else if let Ok(x) = value.get::<String>() {
            x.into()
        } else {
            value.serialize().map(|g| g.to_string()).unwrap_or_default().into()
        };
        map.insert(name.to_string(), v);
    }
    serde_json::Value::Object(map)
}
