//! The shared screen: a capture branch of its own beside the camera's,
//! encoded once (VP8 set for text: full resolution, a steady 15 fps, a key
//! frame whenever a receiver asks) and fed to the peers that send it through
//! an `appsrc` each, as the camera's is.
//!
//! Where the picture comes from is a [`ScreenSource`]. Today that is
//! `ximagesrc`, the whole X11 screen (a bare X session, Xvfb in tests, and
//! Wayland sessions' XWayland only partly). The way for Wayland and for a
//! picked window is the xdg-desktop-portal ScreenCast portal: through the
//! `ashpd` crate, select sources, start, `open_pipe_wire_remote`, and give
//! its PipeWire fd and node id to `pipewiresrc fd=… path=…` (keeping the fd
//! and the portal session alive for the share's life, and its restore token
//! so the picker is not asked every time). That would be a second variant
//! here, whose `describe` is the `pipewiresrc` and whose `whole` is false.

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
}

impl ScreenSource {
    /// The source this session offers. No portal is asked yet (see the
    /// module's comment), so the whole X11 screen.
    pub fn detect() -> ScreenSource {
        ScreenSource::X11 { display: None }
    }

    /// The person shares everything on their screen, not a window they picked.
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
        }
    }
}

/// Frames a second of a shared screen: text changes seldom, and 15 keeps
/// a 1080p encode to about a quarter of one core.
pub const SCREEN_FPS: u32 = 15;
/// The screen's target: enough for sharp text at 1080p once the first key
/// frame is through (a still screen costs far less).
pub const SCREEN_KBPS: u32 = 2500;

impl Capture {
    /// Start capturing the screen (a no-op while it is already shared).
    pub fn start_screen(&self, source: &ScreenSource) -> Result<()> {
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
        super::watch_bus(&pipeline, "screen", self.events.clone());
        if let Err(e) = pipeline.set_state(gst::State::Playing) {
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
