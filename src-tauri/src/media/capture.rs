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

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::{mpsc, oneshot};

use super::devices::{self, Kind};
use super::error::{Error, Result};
use super::{EncodedFrame, Event, Source, VideoFormat};

/// How long a new device may take to give its first encoded frame.
const FIRST_FRAME: Duration = Duration::from_secs(5);

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
    video_on: AtomicBool,
    audio_on: AtomicBool,
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

/// One kind's pipeline: device to encoder to `appsink`.
struct Branch {
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
    /// The valve (camera off drops frames before the encoder) or the volume
    /// (mute sends silence, as a disabled track does).
    control: Option<gst::Element>,
    device: String,
    /// Its frames go to the subscribers (false while it starts or stops).
    live: Arc<AtomicBool>,
    /// Which echo probe its webrtcdsp holds.
    probe: usize,
}

#[derive(Default)]
struct Outputs {
    audio: Mutex<Vec<(u64, gst_app::AppSrc)>>,
    video: Mutex<Vec<(u64, gst_app::AppSrc)>>,
    /// Encoded local video for the page's preview, when asked for.
    preview: Mutex<Option<mpsc::UnboundedSender<Event>>>,
}

/// Why a new branch did not start.
struct Failure {
    message: String,
    /// The device is held by someone (maybe by us, under another name).
    busy: bool,
}

/// Told once: the first frame (Ok) or the first error.
type Waiter = Arc<Mutex<Option<oneshot::Sender<std::result::Result<(), Failure>>>>>;

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
            video_on: AtomicBool::new(true),
            audio_on: AtomicBool::new(true),
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

    /// Capture `kind` from `device` from now on, for every subscriber, with
    /// no renegotiation. On error the old device goes on.
    pub async fn use_device(&self, kind: Kind, device: &str) -> Result<()> {
        devices::describe(kind, device)?;
        let _turn = self.switching.lock().await;
        let (current, held) = match lock(self.slot(kind)).as_ref() {
            Some(b) => (Some(b.device.clone()), b.probe),
            None => (None, 1),
        };
        if current.as_deref() == Some(device) {
            return Ok(());
        }
        let probe = 1 - held;
        let failure = match self.try_start(kind, device, probe).await {
            Ok(branch) => {
                self.install(kind, branch).await;
                return Ok(());
            }
            Err(f) => f,
        };
        let Some(current) = current.filter(|_| failure.busy) else {
            return Err(Error::Device(failure.message));
        };
        // Busy: maybe it is the device we hold, by another name (`auto`).
        // Let ours go and try again; if that fails too, take ours back.
        tracing::info!(%device, cause = %failure.message, "device busy: trying again without the old one");
        let old = lock(self.slot(kind)).take();
        if let Some(old) = old {
            stop(old).await;
        }
        match self.try_start(kind, device, probe).await {
            Ok(branch) => {
                self.install(kind, branch).await;
                Ok(())
            }
            Err(again) => {
                match self.try_start(kind, &current, held).await {
                    Ok(branch) => self.install(kind, branch).await,
                    Err(f) => {
                        let message = format!("capture: {current} did not come back: {}", f.message);
                        tracing::warn!(%message);
                        let _ = self.events.send(Event::Error { peer: None, message });
                    }
                }
                Err(Error::Device(again.message))
            }
        }
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

    /// A branch for `device`, not started; `live` ones feed the
    /// subscribers at once, the others after [`Capture::install`].
    fn build(&self, kind: Kind, device: &str, probe: usize, live: bool) -> Result<(Branch, oneshot::Receiver<std::result::Result<(), Failure>>)> {
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
                format!(
                    "{src} ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! {dsp}\
                     volume name=control mute={off} ! opusenc bitrate=48000 frame-size=20 ! \
                     appsink name=sink sync=false max-buffers=50 drop=true",
                    off = !self.audio_on.load(Ordering::SeqCst),
                )
            }
        };
        let pipeline = gst::parse_launch(&desc)
            .map_err(|e| Error::Pipeline(format!("capture: {e}")))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| Error::Pipeline("capture is not a pipeline".into()))?;
        let (clock, base) = &self.timing;
        pipeline.use_clock(Some(clock));
        pipeline.set_start_time(gst::ClockTime::NONE);
        pipeline.set_base_time(*base);
        let sink = pipeline
            .by_name("sink")
            .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
            .ok_or_else(|| Error::Pipeline("capture without its appsink".into()))?;
        let live = Arc::new(AtomicBool::new(live));
        let (tx, rx) = oneshot::channel();
        let waiter: Waiter = Arc::new(Mutex::new(Some(tx)));
        fan_out(&sink, &self.outputs, kind, live.clone(), waiter.clone());
        watch(&pipeline, kind, live.clone(), waiter, self.events.clone());
        let control = pipeline.by_name("control");
        if kind == Kind::Video && device == "test:clock" {
            if let Some(pad) = control.as_ref().and_then(|c| c.static_pad("sink")) {
                super::stamp::install(&pad);
            }
        }
        Ok((Branch { pipeline, sink, control, device: device.to_owned(), live, probe }, rx))
    }

    /// Start a branch aside and wait for its first frame.
    async fn try_start(&self, kind: Kind, device: &str, probe: usize) -> std::result::Result<Branch, Failure> {
        let failed = |message: String| Failure { message, busy: false };
        let (branch, first) = self.build(kind, device, probe, false).map_err(|e| failed(e.to_string()))?;
        let started = branch.pipeline.set_state(gst::State::Playing);
        // A device that did not even open has said why on the bus by now.
        let limit = if started.is_ok() { FIRST_FRAME } else { Duration::from_millis(200) };
        let failure = match (tokio::time::timeout(limit, first).await, started) {
            (Ok(Ok(Ok(()))), Ok(_)) => return Ok(branch),
            (Ok(Ok(Err(f))), _) => f,
            (_, Err(e)) => failed(format!("{device} did not start ({e})")),
            (Ok(Err(_)), _) => failed(format!("{device} stopped")),
            (Err(_), _) => failed(format!("{device} gave nothing in {} s", FIRST_FRAME.as_secs())),
        };
        stop(branch).await;
        Err(failure)
    }

    /// `branch` takes over its kind; the old one stops.
    async fn install(&self, kind: Kind, mut branch: Branch) {
        resolve(&mut branch);
        tracing::info!(device = %branch.device, "capture switched");
        let new_live = branch.live.clone();
        let old = lock(self.slot(kind)).replace(branch);
        if let Some(old) = &old {
            old.live.store(false, Ordering::SeqCst);
        }
        new_live.store(true, Ordering::SeqCst);
        // Switches set while it started; and its first key frame went nowhere.
        self.apply(kind);
        if kind == Kind::Video {
            self.request_keyframe();
        }
        if let Some(old) = old {
            stop(old).await;
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        for slot in [&self.video, &self.audio] {
            if let Some(b) = lock(slot).take() {
                b.live.store(false, Ordering::SeqCst);
                let _ = b.pipeline.set_state(gst::State::Null);
            }
        }
    }
}

/// Stopping a pipeline can wait on its threads (and releases its device and
/// echo probe): done off the async threads, and awaited.
async fn stop(branch: Branch) {
    branch.live.store(false, Ordering::SeqCst);
    let pipeline = branch.pipeline;
    let _ = tokio::task::spawn_blocking(move || pipeline.set_state(gst::State::Null)).await;
}

/// `auto` becomes the device `autovideosrc`/`autoaudiosrc` opened, where
/// GStreamer says, so the picker shows it and picking it again is no switch.
fn resolve(branch: &mut Branch) {
    if branch.device != "auto" {
        return;
    }
    let bin = branch.pipeline.by_name("src").and_then(|e| e.downcast::<gst::Bin>().ok());
    if let Some(id) = bin.and_then(|b| b.iterate_recurse().into_iter().flatten().find_map(|e| devices::id_of(&e))) {
        branch.device = id;
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every encoded buffer of a live branch goes to every subscriber; the list
/// is copied under the lock and pushed to after it. The first buffer of any
/// branch tells its waiter.
fn fan_out(sink: &gst_app::AppSink, outputs: &Arc<Outputs>, kind: Kind, live: Arc<AtomicBool>, waiter: Waiter) {
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

/// A branch's errors: to its waiter while it starts, as events while it
/// is live, only logged while it stops.
fn watch(pipeline: &gst::Pipeline, kind: Kind, live: Arc<AtomicBool>, waiter: Waiter, events: mpsc::UnboundedSender<Event>) {
    let Some(bus) = pipeline.bus() else { return };
    bus.set_sync_handler(move |_, msg| {
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

/// Errors and warnings of a pipeline become events; nothing blocks on them.
pub fn watch_bus(pipeline: &gst::Pipeline, what: &str, events: mpsc::UnboundedSender<Event>) {
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
