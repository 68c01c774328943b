//! The shared screen: a capture branch of its own beside the camera's,
//! encoded once (VP8 set for text: full resolution, a steady 15 fps, a key
//! frame whenever a receiver asks) and fed to the peers that send it through
//! an `appsrc` each, as the camera's is.
//!
//! Where the picture comes from is a [`ScreenSource`]:
//! - `PipeWire`: the monitor or window the person picked in the system's
//!   xdg-desktop-portal ScreenCast picker (Wayland desktops, X11 desktops
//!   with a portal backend), read by `pipewiresrc` from the fd and node id
//!   the portal gave (`portal`, which also keeps the portal session alive
//!   for the share's life and hands back the restore token that lets the
//!   next share skip the picker). When that stream ends (the person
//!   stopped it from the system's own control) the share ends: the caller
//!   is told through `on_end`.
//! - `X11`: where no ScreenCast portal answers on the session bus (a bare
//!   X11 session, Xvfb in tests), the whole X11 screen by `ximagesrc`; the
//!   page then says the whole screen is shared.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;

use super::branch::{fan_out, Branch, Feed};
use super::{lock, Capture};
use crate::media::error::{Error, Result};

/// What a shared screen captures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScreenSource {
    /// The whole X11 screen of `display` (None: `$DISPLAY`), by `ximagesrc`.
    X11 { display: Option<String> },
    /// The PipeWire stream `node` of the remote open on `fd`, as the
    /// ScreenCast portal gave them (`portal::Cast`, which owns the fd and
    /// must outlive the share).
    PipeWire { fd: i32, node: u32 },
}

impl ScreenSource {
    /// The person shares everything on their screen, not a window or a
    /// monitor they picked.
    pub fn whole(&self) -> bool {
        matches!(self, ScreenSource::X11 { .. })
    }

    fn describe(&self) -> Result<String> {
        match self {
            ScreenSource::X11 { display } => {
                let display = match display {
                    Some(d) if d.chars().all(|c| c.is_ascii_alphanumeric() || ":.-_".contains(c)) => format!(" display-name={d}"),
                    Some(d) => return Err(Error::Device(format!("screen: not a display name: {d:?}"))),
                    None => String::new(),
                };
                // Every frame in full (no damage tracking: it shows tears on
                // a screen that scrolls), the pointer in it.
                Ok(format!("ximagesrc use-damage=false show-pointer=true{display}"))
            }
            // Stamped on arrival with our clock's running time (the
            // pipeline runs on the engine's clock, not PipeWire's).
            // Compositors send a frame only when the picture changes (and
            // at a variable rate, framerate 0/1), so the last frame is sent
            // again every half second and videorate makes a steady rate of
            // it: a receiver that asks for a key frame on a still screen
            // gets one.
            // The leaky queue keeps pipewiresrc's own thread free of the
            // conversion and of videorate's duplicates, so a frame it has
            // is never held back (what the end-of-stream watch measures).
            ScreenSource::PipeWire { fd, node } if *fd >= 0 => Ok(format!(
                "pipewiresrc name=pipewire fd={fd} path={node} do-timestamp=true keepalive-time={KEEPALIVE_MS} ! \
                 queue max-size-buffers=2 leaky=downstream ! videorate"
            )),
            ScreenSource::PipeWire { fd, .. } => Err(Error::Device(format!("screen: not a PipeWire fd: {fd}"))),
        }
    }
}

/// How often `pipewiresrc` sends its last frame again while the stream is
/// still (a compositor sends frames only on change).
const KEEPALIVE_MS: u64 = 500;
/// No frame at all from `pipewiresrc` for this long, though it sends one
/// every [`KEEPALIVE_MS`] while its stream streams: the stream is gone.
/// `pipewiresrc` (PipeWire 0.3.65) says nothing on its bus when the node
/// it reads is removed; its loop just stops (measured: 2 frames a second
/// on a still screen, none after the portal backend closed the session).
/// Generous: on a loaded machine one share went 3.2 s without a frame
/// while it lived (that PipeWire's keepalive wait starts again on every
/// wake-up of its loop, so it can come late).
const SILENT_MS: u64 = 10_000;

/// Told once, with why, when a shared screen's stream ends by itself.
pub type OnEnd = Box<dyn FnOnce(String) + Send + 'static>;

/// Frames a second of a shared screen: text changes seldom, and 15 keeps
/// a 1080p encode to about a quarter of one core.
pub const SCREEN_FPS: u32 = 15;
/// The screen's target: enough for sharp text at 1080p once the first key
/// frame is through (a still screen costs far less).
pub const SCREEN_KBPS: u32 = 2500;

/// The end of a PipeWire stream: `pipewiresrc` posting an error or end of
/// stream, or going silent for [`SILENT_MS`] after its first frame (the
/// portal or the compositor removed the stream). Told once, and only while
/// the share is live (our own stop clears `live` first).
fn watch_stream_end(pipeline: &gst::Pipeline, live: Arc<AtomicBool>, on_end: OnEnd) {
    let on_end = Arc::new(Mutex::new(Some(on_end)));
    let tell = {
        let (live, on_end) = (live.clone(), on_end.clone());
        move |why: String| {
            if live.load(Ordering::SeqCst) {
                if let Some(tell) = lock(&on_end).take() {
                    tracing::info!(%why, "screen: the shared stream ended by itself");
                    tell(why);
                }
            }
        }
    };
    // Milliseconds since `started` of the last frame; 0 before the first
    // (a compositor may send none until the picture changes).
    let started = std::time::Instant::now();
    let last = Arc::new(std::sync::atomic::AtomicU64::new(0));
    if let Some(pad) = pipeline.by_name("pipewire").and_then(|e| e.static_pad("src")) {
        let seen = last.clone();
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            seen.store(started.elapsed().as_millis().max(1) as u64, Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        });
        let tell = tell.clone();
        let live = live.clone();
        std::thread::spawn(move || {
            while live.load(Ordering::SeqCst) {
                std::thread::sleep(std::time::Duration::from_millis(KEEPALIVE_MS));
                let at = last.load(Ordering::Relaxed);
                let now = started.elapsed().as_millis() as u64;
                if at > 0 && now.saturating_sub(at) > SILENT_MS {
                    tell(format!("no frame from the PipeWire stream for {} ms", now - at));
                    return;
                }
            }
        });
    }
    let Some(bus) = pipeline.bus() else { return };
    bus.set_sync_handler(move |_, msg| {
        let why = match msg.view() {
            gst::MessageView::Error(e) => Some(format!("{}", e.error())),
            gst::MessageView::Eos(_) => Some("the stream ended".to_owned()),
            _ => None,
        };
        if let Some(why) = why {
            tell(why);
        }
        gst::BusSyncReply::Drop
    });
}

impl Capture {
    /// Start capturing the screen (a no-op while it is already shared).
    /// `on_end` hears when a PipeWire stream ends or fails by itself (the
    /// portal or the compositor stopped it), not when [`Capture::stop_screen`] stops it.
    pub fn start_screen(&self, source: &ScreenSource, on_end: Option<OnEnd>) -> Result<()> {
        if lock(&self.screen).is_some() {
            return Ok(());
        }
        // Measured with gst-launch-1.0 encoding the same 225 recorded
        // frames of a 1080p Xvfb of scrolling text (10 s moving, 5 s
        // still), in CPU time (docs/performance.md, "Screen sharing"):
        // - threads=1: libvpx's two threads took 115 ms of CPU a frame
        //   (they wait on each other when both cores are busy), one takes
        //   16-17; live, that was 3-8 fps against 15.
        // - CBR with WebRTC's screen-share buffers (1 s, 0.5 s to start,
        //   0.6 s optimal) and quantizers 2-56 instead of VBR 2-40: the key
        //   frame 202 KB instead of 614, the largest frame 189 KB instead
        //   of 379, 6.3 Mbit/s instead of 8.4 (still over the target: that
        //   much text moving needs it), a still screen back to SSIM 0.978
        //   (0.987 before); moving text blurrier (0.91 against 0.98).
        // - cpu-used=16, the fastest realtime speed: the same SSIM as 8.
        // - The queue holds one frame: a newer screen replaces one not yet
        //   encoded rather than waiting behind it.
        let desc = format!(
            "{src} ! video/x-raw,framerate={fps}/1 ! videoconvert ! video/x-raw,format=I420 ! \
             queue max-size-buffers=1 max-size-bytes=0 max-size-time=0 leaky=downstream ! \
             vp8enc deadline=1 cpu-used=16 threads=1 end-usage=cbr target-bitrate={bps} \
             buffer-size=1000 buffer-initial-size=500 buffer-optimal-size=600 undershoot=100 overshoot=15 \
             min-quantizer=2 max-quantizer=56 static-threshold=100 resize-allowed=false \
             keyframe-max-dist={kf} lag-in-frames=0 ! \
             appsink name=sink sync=false max-buffers=8 drop=true",
            src = source.describe()?,
            fps = SCREEN_FPS,
            bps = SCREEN_KBPS * 1000,
            kf = SCREEN_FPS * 10,
        );
        let (pipeline, sink) = self.pipeline_on_our_clock(&desc, "screen")?;
        let live = Arc::new(AtomicBool::new(true));
        let (first, told) = tokio::sync::oneshot::channel();
        fan_out(&sink, &self.outputs, Feed::Screen, live.clone(), Arc::new(Mutex::new(Some(first))));
        let outputs = self.outputs.clone();
        std::thread::spawn(move || {
            if let Ok(Ok(())) = told.blocking_recv() {
                tracing::info!(peers = lock(&outputs.screen).len(), "screen: first frame encoded");
            }
        });
        match (source, on_end) {
            (ScreenSource::PipeWire { .. }, Some(on_end)) => watch_stream_end(&pipeline, live.clone(), on_end),
            _ => super::watch_bus(&pipeline, "screen", self.events.clone()),
        }
        if let Err(e) = pipeline.set_state(gst::State::Playing) {
            live.store(false, Ordering::SeqCst);
            let _ = pipeline.set_state(gst::State::Null);
            return Err(Error::Device(format!("screen: {e}")));
        }
        let branch = Branch { pipeline, sink, control: None, device: "screen".into(), live, probe: 0 };
        *lock(&self.screen) = Some(branch);
        Ok(())
    }

    /// Stop capturing the screen (idempotent); the peers' screen senders
    /// stay, sending nothing, until the page says they are inactive.
    pub fn stop_screen(&self) {
        if let Some(b) = lock(&self.screen).take() {
            b.live.store(false, Ordering::SeqCst);
            let pipeline = b.pipeline;
            // Stopping waits on the capture's threads: not on the caller's.
            std::thread::spawn(move || {
                let _ = pipeline.set_state(gst::State::Null);
            });
        }
    }

    pub fn screen_on(&self) -> bool {
        lock(&self.screen).is_some()
    }

    /// A receiver of the screen needs a full picture.
    pub fn request_screen_keyframe(&self) {
        let sink = lock(&self.screen).as_ref().map(|b| b.sink.clone());
        if let Some(sink) = sink {
            let event = gstreamer_video::UpstreamForceKeyUnitEvent::builder().all_headers(true).build();
            sink.send_event(event);
        }
    }
}
