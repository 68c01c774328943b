//! The engine's one capture pipeline: camera (or test pattern) to VP8 and
//! microphone (or tone) to Opus, encoded once and handed to every peer's
//! pipeline through an `appsrc` each. A camera can be opened only once, and
//! encoding once keeps a mesh call at one encoder per kind on 2 cores.
//!
//! Peer pipelines run on this pipeline's clock and base time, so the
//! timestamps of the encoded buffers mean the same in every pipeline.

use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::error::{Error, Result};
use super::{EncodedFrame, Event, Source, VideoFormat};

/// Which stream a peer subscribes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Audio,
    Video,
}

/// The encoded streams and who receives them.
pub struct Capture {
    pipeline: Option<gst::Pipeline>,
    video_sink: Option<gst_app::AppSink>,
    /// Video valve: camera off drops frames before the encoder.
    valve: Option<gst::Element>,
    /// Audio volume: mute sends silence, as a disabled track does.
    volume: Option<gst::Element>,
    outputs: Arc<Outputs>,
}

#[derive(Default)]
struct Outputs {
    audio: Mutex<Vec<(u64, gst_app::AppSrc)>>,
    video: Mutex<Vec<(u64, gst_app::AppSrc)>>,
    /// Encoded local video for the page's preview, when asked for.
    preview: Mutex<Option<tokio::sync::mpsc::UnboundedSender<Event>>>,
}

impl Capture {
    /// Build and start capture from `source` (nothing for `Source::None`).
    pub fn start(source: &Source, format: &VideoFormat, events: tokio::sync::mpsc::UnboundedSender<Event>) -> Result<Self> {
        let outputs = Arc::new(Outputs::default());
        let (video, audio) = match source {
            Source::None => {
                return Ok(Capture { pipeline: None, video_sink: None, valve: None, volume: None, outputs });
            }
            Source::Test => (
                Some("videotestsrc is-live=true pattern=ball motion=sweep".to_owned()),
                Some("audiotestsrc is-live=true wave=sine freq=440 volume=0.2".to_owned()),
            ),
            Source::Devices { video, audio } => (
                video.as_ref().map(|d| video_source(d)).transpose()?,
                audio.as_ref().map(|d| audio_source(d)).transpose()?,
            ),
        };
        let dsp = matches!(source, Source::Devices { .. });
        let mut parts = Vec::new();
        if let Some(src) = &video {
            parts.push(format!(
                "{src} ! videoconvert ! videoscale ! videorate ! \
                 video/x-raw,format=I420,width={w},height={h},framerate={fps}/1 ! \
                 valve name=camvalve drop=false ! queue max-size-buffers=2 leaky=downstream ! \
                 vp8enc deadline=1 cpu-used=8 end-usage=cbr target-bitrate={bps} keyframe-max-dist={kf} \
                 lag-in-frames=0 threads=2 ! appsink name=video sync=false max-buffers=8 drop=true",
                w = format.width,
                h = format.height,
                fps = format.fps,
                bps = format.bitrate_kbps * 1000,
                kf = format.fps * 3,
            ));
        }
        if let Some(src) = &audio {
            // webrtcdsp: echo cancellation (against the engine's playback,
            // through webrtcechoprobe) and noise suppression, on 48 kHz mono.
            let dsp = if dsp {
                "webrtcdsp echo-cancel=false noise-suppression=true gain-control=true ! audioconvert ! "
            } else {
                ""
            };
            parts.push(format!(
                "{src} ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! {dsp}\
                 volume name=micvolume ! opusenc bitrate=48000 frame-size=20 ! \
                 appsink name=audio sync=false max-buffers=50 drop=true"
            ));
        }
        if parts.is_empty() {
            return Ok(Capture { pipeline: None, video_sink: None, valve: None, volume: None, outputs });
        }
        let pipeline = gst::parse_launch(&parts.join(" "))
            .map_err(|e| Error::Pipeline(format!("capture: {e}")))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| Error::Pipeline("capture is not a pipeline".into()))?;
        pipeline.use_clock(Some(&gst::SystemClock::obtain()));
        let by_name = |n: &str| pipeline.by_name(n);
        let video_sink = by_name("video").and_then(|e| e.downcast::<gst_app::AppSink>().ok());
        let audio_sink = by_name("audio").and_then(|e| e.downcast::<gst_app::AppSink>().ok());
        if let Some(sink) = &video_sink {
            fan_out(sink, &outputs, Kind::Video);
        }
        if let Some(sink) = &audio_sink {
            fan_out(sink, &outputs, Kind::Audio);
        }
        watch_bus(&pipeline, "capture", events);
        pipeline.set_state(gst::State::Playing)?;
        Ok(Capture { valve: by_name("camvalve"), volume: by_name("micvolume"), pipeline: Some(pipeline), video_sink, outputs })
    }

    /// The clock and base time peer pipelines share with this one.
    pub fn timing(&self) -> Option<(gst::Clock, gst::ClockTime)> {
        let p = self.pipeline.as_ref()?;
        Some((p.clock()?, p.base_time()?))
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
    }

    /// A decoder somewhere needs a full picture (new peer, PLI, preview).
    pub fn request_keyframe(&self) {
        if let Some(sink) = &self.video_sink {
            let event = gstreamer_video::UpstreamForceKeyUnitEvent::builder().all_headers(true).build();
            sink.send_event(event);
        }
    }

    /// Camera on or off for everyone (frames stop before the encoder).
    pub fn set_video_enabled(&self, on: bool) {
        if let Some(v) = &self.valve {
            v.set_property("drop", !on);
        }
        if on {
            self.request_keyframe();
        }
    }

    /// Microphone on or off (silence is sent while off).
    pub fn set_audio_enabled(&self, on: bool) {
        if let Some(v) = &self.volume {
            v.set_property("mute", !on);
        }
    }

    /// Send our own encoded video to `events` as `Event::LocalVideo`.
    pub fn set_preview(&self, events: Option<tokio::sync::mpsc::UnboundedSender<Event>>) {
        let on = events.is_some();
        *lock(&self.outputs.preview) = events;
        if on {
            self.request_keyframe();
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if let Some(p) = &self.pipeline {
            let _ = p.set_state(gst::State::Null);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every encoded buffer goes to every subscriber; the list is copied under
/// the lock and pushed to after it.
fn fan_out(sink: &gst_app::AppSink, outputs: &Arc<Outputs>, kind: Kind) {
    let outputs = outputs.clone();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let list = match kind {
                    Kind::Audio => lock(&outputs.audio).clone(),
                    Kind::Video => lock(&outputs.video).clone(),
                };
                for (_, src) in &list {
                    // A peer that cannot keep up drops (leaky appsrc); a
                    // closed one is unsubscribed by its owner.
                    let _ = src.push_sample(&sample);
                }
                if kind == Kind::Video {
                    let preview = lock(&outputs.preview).clone();
                    if let (Some(tx), Some(buffer)) = (preview, sample.buffer()) {
                        let _ = tx.send(Event::LocalVideo(EncodedFrame::from_buffer(buffer)));
                    }
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
}

/// Errors and warnings of a pipeline become events; nothing blocks on them.
pub fn watch_bus(pipeline: &gst::Pipeline, what: &str, events: tokio::sync::mpsc::UnboundedSender<Event>) {
    let Some(bus) = pipeline.bus() else { return };
    let what = what.to_owned();
    bus.set_sync_handler(move |_, msg| {
        if let gst::MessageView::Error(e) = msg.view() {
            let source = msg.src().map(|s| s.path_string().to_string()).unwrap_or_default();
            tracing::warn!(pipeline = %what, %source, error = %e.error(), debug = ?e.debug(), "media pipeline error");
            let _ = events.send(Event::Error { peer: None, message: format!("{what}: {}", e.error()) });
        }
        gst::BusSyncReply::Drop
    });
}

/// A device string as the UI picks it: `v4l2:/dev/video0`,
/// `pipewire:<target-object>`, or `auto`.
fn video_source(device: &str) -> Result<String> {
    let (kind, id) = device.split_once(':').unwrap_or((device, ""));
    check_id(id)?;
    Ok(match kind {
        "v4l2" => format!("v4l2src device=\"{id}\""),
        "pipewire" => format!("pipewiresrc target-object=\"{id}\""),
        "auto" | "" => "autovideosrc".to_owned(),
        _ => return Err(Error::Pipeline(format!("unknown camera {device:?}"))),
    })
}

/// `pulse:<source name>`, `alsa:hw:1,0`, `pipewire:<target-object>`, or `auto`.
fn audio_source(device: &str) -> Result<String> {
    let (kind, id) = device.split_once(':').unwrap_or((device, ""));
    check_id(id)?;
    Ok(match kind {
        "pulse" => format!("pulsesrc device=\"{id}\""),
        "alsa" => format!("alsasrc device=\"{id}\""),
        "pipewire" => format!("pipewiresrc target-object=\"{id}\""),
        "auto" | "" => "autoaudiosrc".to_owned(),
        _ => return Err(Error::Pipeline(format!("unknown microphone {device:?}"))),
    })
}

/// Device ids go into a pipeline description: no quotes or separators.
fn check_id(id: &str) -> Result<()> {
    let ok = id.len() <= 256 && id.chars().all(|c| c.is_alphanumeric() || "/_.:,-@ ".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::Pipeline(format!("device id {id:?} has characters no device name has")))
    }
}
