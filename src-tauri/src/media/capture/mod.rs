//! The engine's capture: camera (or test pattern) to VP8 and microphone (or
//! tone) to Opus, encoded once and handed to every peer's pipeline through
//! an `appsrc` each. A camera can be opened only once, and encoding once
//! keeps a mesh call at one encoder per kind on 2 cores.
//!
//! Each kind is a pipeline of its own (a branch), so a device can be swapped
//! mid-call: the new branch starts beside the old one and, once it has
//! encoded its first frame, takes over the same subscribers while the old
//! one stops. A device that fails (unknown, gone, busy, silent) leaves the
//! old branch running. Every branch, peer and playback pipeline runs on the
//! engine's one clock and base time, so timestamps go on across a swap
//! without a jump and mean the same in every pipeline: peers need no
//! renegotiation.
//!
//! This file holds the capture itself and what a call does with it (the
//! subscribers, camera and microphone switches, preview); `branch` builds
//! one kind's pipeline and watches it, `switch` swaps a kind's device.

mod branch;
mod portal;
mod screen;
mod switch;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::mpsc;

use super::devices::Kind;
use super::error::{Error, Result};
use super::meter::{AudioLevel, Meter};
use super::{Event, Source, VideoFormat};
use branch::{resolve, Branch};
pub use portal::{Cast, Portal};
pub use screen::{OnEnd, ScreenSource};

/// The clock and base time every pipeline of an engine shares.
pub type Timing = (gst::Clock, gst::ClockTime);

/// The encoded streams and who receives them.
pub struct Capture {
    timing: Timing,
    format: VideoFormat,
    /// The microphone goes through webrtcdsp (real devices).
    voice: Option<Voice>,
    events: mpsc::UnboundedSender<Event>,
    outputs: Arc<Outputs>,
    video: Mutex<Option<Branch>>,
    audio: Mutex<Option<Branch>>,
    /// The shared screen's branch, while sharing (`screen`).
    screen: Mutex<Option<Branch>>,
    video_on: AtomicBool,
    audio_on: AtomicBool,
    /// How loud the microphone is (after its mute: silence while off), for
    /// our own tile's speaker ring; each microphone branch reports here.
    mic_level: Arc<Meter>,
    /// One device switch at a time.
    switching: tokio::sync::Mutex<()>,
}

/// Voice processing (webrtcdsp) on the microphone.
pub struct Voice {
    /// Names of the two echo probes on the engine's playback path, for echo
    /// cancellation; a new microphone branch takes the one the old branch
    /// does not hold (a probe serves one webrtcdsp at a time).
    pub echo_probes: Option<[String; 2]>,
}

#[derive(Default)]
struct Outputs {
    audio: Mutex<Vec<(u64, gst_app::AppSrc)>>,
    video: Mutex<Vec<(u64, gst_app::AppSrc)>>,
    screen: Mutex<Vec<(u64, gst_app::AppSrc)>>,
    /// Encoded local video for the page's preview, when asked for.
    preview: Mutex<Option<mpsc::UnboundedSender<Event>>>,
}

impl Capture {
    /// Build and start capture from `source` on `timing` (nothing for `Source::None`).
    pub fn start(
        source: &Source,
        format: &VideoFormat,
        timing: Timing,
        voice: Option<Voice>,
        events: mpsc::UnboundedSender<Event>,
    ) -> Result<Self> {
        let (video, audio) = match source {
            Source::None => (None, None),
            Source::Test => (Some("test:ball".to_owned()), Some("test:sine".to_owned())),
            Source::Devices { video, audio } => (video.clone(), audio.clone()),
        };
        let capture = Capture {
            timing,
            format: format.clone(),
            voice,
            events,
            outputs: Arc::new(Outputs::default()),
            video: Mutex::new(None),
            audio: Mutex::new(None),
            screen: Mutex::new(None),
            video_on: AtomicBool::new(true),
            audio_on: AtomicBool::new(true),
            mic_level: Arc::new(Meter::default()),
            switching: tokio::sync::Mutex::new(()),
        };
        for (kind, device) in [(Kind::Video, video), (Kind::Audio, audio)] {
            let Some(device) = device else { continue };
            let (mut branch, _) = capture.build(kind, &device, 0, true)?;
            branch.pipeline.set_state(gst::State::Playing).map_err(|e| Error::Device(format!("{device}: {e}")))?;
            resolve(&mut branch);
            *lock(capture.slot(kind)) = Some(branch);
        }
        Ok(capture)
    }

    /// The clock and base time peer and playback pipelines share with this one.
    pub fn timing(&self) -> Timing {
        self.timing.clone()
    }

    /// The device string each kind captures from now (`auto` resolved to
    /// the device it opened, where GStreamer says).
    pub fn device(&self, kind: Kind) -> Option<String> {
        lock(self.slot(kind)).as_ref().map(|b| b.device.clone())
    }

    /// How loud the microphone we send has been (see `media::meter`).
    pub fn mic_level(&self) -> AudioLevel {
        self.mic_level.get()
    }

    /// Feed `src` with the encoded `kind` stream from now on.
    pub fn subscribe(&self, id: u64, kind: Kind, src: gst_app::AppSrc) {
        let list = match kind {
            Kind::Audio => &self.outputs.audio,
            Kind::Video => &self.outputs.video,
        };
        lock(list).push((id, src));
        if kind == Kind::Video {
            self.request_keyframe();
        }
    }

    pub fn unsubscribe(&self, id: u64) {
        lock(&self.outputs.audio).retain(|(i, _)| *i != id);
        lock(&self.outputs.video).retain(|(i, _)| *i != id);
        lock(&self.outputs.screen).retain(|(i, _)| *i != id);
    }

    /// Feed `src` with the encoded screen from now on (nothing while no screen is shared).
    pub fn subscribe_screen(&self, id: u64, src: gst_app::AppSrc) {
        lock(&self.outputs.screen).push((id, src));
        self.request_screen_keyframe();
    }

    /// A decoder somewhere needs a full picture (new peer, PLI, preview, new camera).
    pub fn request_keyframe(&self) {
        let sink = lock(&self.video).as_ref().map(|b| b.sink.clone());
        if let Some(sink) = sink {
            let event = gstreamer_video::UpstreamForceKeyUnitEvent::builder().all_headers(true).build();
            sink.send_event(event);
        }
    }

    /// Camera on or off for everyone (frames stop before the encoder).
    pub fn set_video_enabled(&self, on: bool) {
        self.video_on.store(on, Ordering::SeqCst);
        self.apply(Kind::Video);
        if on {
            self.request_keyframe();
        }
    }

    /// Microphone on or off (silence is sent while off).
    pub fn set_audio_enabled(&self, on: bool) {
        self.audio_on.store(on, Ordering::SeqCst);
        self.apply(Kind::Audio);
    }

    /// Send our own encoded video to `events` as `Event::LocalVideo`.
    pub fn set_preview(&self, events: Option<mpsc::UnboundedSender<Event>>) {
        let on = events.is_some();
        *lock(&self.outputs.preview) = events;
        if on {
            self.request_keyframe();
        }
    }

    fn slot(&self, kind: Kind) -> &Mutex<Option<Branch>> {
        match kind {
            Kind::Video => &self.video,
            Kind::Audio => &self.audio,
        }
    }

    /// The camera and microphone switches, on the branch of `kind`.
    fn apply(&self, kind: Kind) {
        let control = lock(self.slot(kind)).as_ref().and_then(|b| b.control.clone());
        match (kind, control) {
            (Kind::Video, Some(v)) => v.set_property("drop", !self.video_on.load(Ordering::SeqCst)),
            (Kind::Audio, Some(v)) => v.set_property("mute", !self.audio_on.load(Ordering::SeqCst)),
            _ => {}
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        for slot in [&self.video, &self.audio, &self.screen] {
            if let Some(b) = lock(slot).take() {
                b.live.store(false, Ordering::SeqCst);
                let _ = b.pipeline.set_state(gst::State::Null);
            }
        }
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Errors and warnings of a pipeline become events; nothing blocks on them.
pub fn watch_bus(pipeline: &gst::Pipeline, what: &str, events: mpsc::UnboundedSender<Event>) {
    watch_bus_metered(pipeline, what, events, None);
}

/// As [`watch_bus`], and the reports of the pipeline's `level` element go to `meter`.
pub fn watch_bus_metered(pipeline: &gst::Pipeline, what: &str, events: mpsc::UnboundedSender<Event>, meter: Option<Arc<Meter>>) {
    let Some(bus) = pipeline.bus() else { return };
    let what = what.to_owned();
    bus.set_sync_handler(move |_, msg| {
        if meter.as_ref().is_some_and(|m| m.take(msg)) {
            return gst::BusSyncReply::Drop;
        }
        if let gst::MessageView::Error(e) = msg.view() {
            let source = msg.src().map(|s| s.path_string().to_string()).unwrap_or_default();
            tracing::warn!(pipeline = %what, %source, error = %e.error(), debug = ?e.debug(), "media pipeline error");
            let _ = events.send(Event::Error { peer: None, message: format!("{what}: {}", e.error()) });
        }
        gst::BusSyncReply::Drop
    });
}
