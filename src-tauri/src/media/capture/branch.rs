//! One kind's capture branch: a pipeline from a device to its encoder and
//! an `appsink`, whose frames go to every subscriber while it is live, and
//! whose first frame or first error is told to whoever started it (so a
//! device switch knows whether the new device works before it takes over).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::{mpsc, oneshot};

use super::{lock, Capture, Outputs, Voice};
use crate::media::devices::{self, Kind};
use crate::media::error::{Error, Result};
use crate::media::meter::Meter;
use crate::media::{EncodedFrame, Event};

/// One kind's pipeline: device to encoder to `appsink`.
pub(super) struct Branch {
    pub(super) pipeline: gst::Pipeline,
    pub(super) sink: gst_app::AppSink,
    /// The valve (camera off drops frames before the encoder) or the volume
    /// (mute sends silence, as a disabled track does).
    pub(super) control: Option<gst::Element>,
    pub(super) device: String,
    /// Its frames go to the subscribers (false while it starts or stops).
    pub(super) live: Arc<AtomicBool>,
    /// Which echo probe its webrtcdsp holds.
    pub(super) probe: usize,
}

/// Why a new branch did not start.
pub(super) struct Failure {
    pub(super) message: String,
    /// The device is held by someone (maybe by us, under another name).
    pub(super) busy: bool,
}

/// Told once: the first frame (Ok) or the first error.
pub(super) type Waiter = Arc<Mutex<Option<oneshot::Sender<std::result::Result<(), Failure>>>>>;

impl Capture {
    /// A branch for `device`, not started; `live` ones feed the
    /// subscribers at once, the others after [`Capture::install`].
    pub(super) fn build(&self, kind: Kind, device: &str, probe: usize, live: bool) -> Result<(Branch, oneshot::Receiver<std::result::Result<(), Failure>>)> {
        let src = devices::describe(kind, device)?;
        let desc = match kind {
            Kind::Video => {
                let f = &self.format;
                // One encoder thread: on a busy 2-core machine two made
                // 640x480 fall to 8-25 fps, one keeps 30 (`make bench-media`,
                // docs/performance.md).
                format!(
                    "{src} ! videoconvert ! videoscale ! videorate ! \
                     video/x-raw,format=I420,width={w},height={h},framerate={fps}/1 ! \
                     valve name=control drop={off} ! queue max-size-buffers=2 leaky=downstream ! \
                     vp8enc deadline=1 cpu-used=8 end-usage=cbr target-bitrate={bps} keyframe-max-dist={kf} \
                     lag-in-frames=0 threads=1 ! appsink name=sink sync=false max-buffers=8 drop=true",
                    w = f.width,
                    h = f.height,
                    fps = f.fps,
                    bps = f.bitrate_kbps * 1000,
                    kf = f.fps * 3,
                    off = !self.video_on.load(Ordering::SeqCst),
                )
            }
            Kind::Audio => {
                // webrtcdsp: echo cancellation against what the engine plays
                // (its echo probe, on the playback path), noise suppression
                // and gain control, on 48 kHz mono.
                let dsp = match &self.voice {
                    Some(Voice { echo_probes: Some(names) }) => format!(
                        "webrtcdsp probe={} echo-cancel=true noise-suppression=true gain-control=true ! audioconvert ! ",
                        names[probe]
                    ),
                    Some(Voice { echo_probes: None }) => {
                        "webrtcdsp echo-cancel=false noise-suppression=true gain-control=true ! audioconvert ! ".to_owned()
                    }
                    None => String::new(),
                };
                // The meter after the mute: a muted microphone measures silence.
                format!(
                    "{src} ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! {dsp}\
                     volume name=control mute={off} ! {meter} ! opusenc bitrate=48000 frame-size=20 ! \
                     appsink name=sink sync=false max-buffers=50 drop=true",
                    off = !self.audio_on.load(Ordering::SeqCst),
                    meter = crate::media::meter::element(),
                )
            }
        };
        let (pipeline, sink) = self.pipeline_on_our_clock(&desc, "capture")?;
        let live = Arc::new(AtomicBool::new(live));
        let (tx, rx) = oneshot::channel();
        let waiter: Waiter = Arc::new(Mutex::new(Some(tx)));
        let feed = if kind == Kind::Video { Feed::Video } else { Feed::Audio };
        fan_out(&sink, &self.outputs, feed, live.clone(), waiter.clone());
        let meter = (kind == Kind::Audio).then(|| self.mic_level.clone());
        watch(&pipeline, kind, live.clone(), waiter, self.events.clone(), meter);
        let control = pipeline.by_name("control");
        if kind == Kind::Video && device == "test:clock" {
            if let Some(pad) = control.as_ref().and_then(|c| c.static_pad("sink")) {
                crate::media::stamp::install(&pad);
            }
        }
        if kind == Kind::Audio && device == "test:turns" {
            if let Some(pad) = control.as_ref().and_then(|c| c.static_pad("sink")) {
                devices::speak_in_turns(&pad);
            }
        }
        Ok((Branch { pipeline, sink, control, device: device.to_owned(), live, probe }, rx))
    }

    /// `desc` as a pipeline on the engine's one clock and base time (so its
    /// timestamps mean the same in every pipeline), with its appsink `sink`.
    /// `what` names it in errors.
    pub(super) fn pipeline_on_our_clock(&self, desc: &str, what: &str) -> Result<(gst::Pipeline, gst_app::AppSink)> {
        let pipeline = gst::parse_launch(desc)
            .map_err(|e| Error::Pipeline(format!("{what}: {e}")))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| Error::Pipeline(format!("{what} is not a pipeline")))?;
        let (clock, base) = &self.timing;
        pipeline.use_clock(Some(clock));
        pipeline.set_start_time(gst::ClockTime::NONE);
        pipeline.set_base_time(*base);
        let sink = pipeline
            .by_name("sink")
            .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
            .ok_or_else(|| Error::Pipeline(format!("{what} without its appsink")))?;
        Ok((pipeline, sink))
    }
}

/// Stopping a pipeline can wait on its threads (and releases its device and
/// echo probe): done off the async threads, and awaited.
pub(super) async fn stop(branch: Branch) {
    branch.live.store(false, Ordering::SeqCst);
    let pipeline = branch.pipeline;
    let _ = tokio::task::spawn_blocking(move || pipeline.set_state(gst::State::Null)).await;
}

/// `auto` becomes the device `autovideosrc`/`autoaudiosrc` opened, where
/// GStreamer says, so the picker shows it and picking it again is no switch.
pub(super) fn resolve(branch: &mut Branch) {
    if branch.device != "auto" {
        return;
    }
    let bin = branch.pipeline.by_name("src").and_then(|e| e.downcast::<gst::Bin>().ok());
    if let Some(id) = bin.and_then(|b| b.iterate_recurse().into_iter().flatten().find_map(|e| devices::id_of(&e))) {
        branch.device = id;
    }
}

/// Which subscribers a branch feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Feed {
    Audio,
    /// The camera (and the page's preview).
    Video,
    Screen,
}

/// Every encoded buffer of a live branch goes to every subscriber; the list
/// is copied under the lock and pushed to after it. The first buffer of any
/// branch tells its waiter.
pub(super) fn fan_out(sink: &gst_app::AppSink, outputs: &Arc<Outputs>, feed: Feed, live: Arc<AtomicBool>, waiter: Waiter) {
    let outputs = outputs.clone();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                if let Some(tx) = lock(&waiter).take() {
                    let _ = tx.send(Ok(()));
                }
                if !live.load(Ordering::SeqCst) {
                    return Ok(gst::FlowSuccess::Ok);
                }
                let list = match feed {
                    Feed::Audio => lock(&outputs.audio).clone(),
                    Feed::Video => lock(&outputs.video).clone(),
                    Feed::Screen => lock(&outputs.screen).clone(),
                };
                for (_, src) in &list {
                    // A peer that cannot keep up drops (leaky appsrc); a
                    // closed one is unsubscribed by its owner.
                    let _ = src.push_sample(&sample);
                }
                if feed == Feed::Video {
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

/// A branch's errors: to its waiter while it starts, as events while it
/// is live, only logged while it stops.
/// A microphone's `level` reports go to `meter` while it is live (a branch
/// starting beside the one in use is not what we send).
fn watch(
    pipeline: &gst::Pipeline,
    kind: Kind,
    live: Arc<AtomicBool>,
    waiter: Waiter,
    events: mpsc::UnboundedSender<Event>,
    meter: Option<Arc<Meter>>,
) {
    let Some(bus) = pipeline.bus() else { return };
    bus.set_sync_handler(move |_, msg| {
        if meter.as_ref().is_some_and(|m| live.load(Ordering::SeqCst) && m.take(msg)) {
            return gst::BusSyncReply::Drop;
        }
        if let gst::MessageView::Error(e) = msg.view() {
            let source = msg.src().map(|s| s.path_string().to_string()).unwrap_or_default();
            let what = if kind == Kind::Video { "camera" } else { "microphone" };
            let message = format!("{what}: {}", e.error());
            if let Some(tx) = lock(&waiter).take() {
                let busy = e.error().kind::<gst::ResourceError>() == Some(gst::ResourceError::Busy);
                let _ = tx.send(Err(Failure { message: message.clone(), busy }));
            }
            if live.load(Ordering::SeqCst) {
                tracing::warn!(%source, error = %e.error(), debug = ?e.debug(), "capture error");
                let _ = events.send(Event::Error { peer: None, message });
            } else {
                tracing::debug!(%source, error = %e.error(), "capture error while starting or stopping");
            }
        }
        gst::BusSyncReply::Drop
    });
}
