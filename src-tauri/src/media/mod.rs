//! The native WebRTC engine, for webviews without RTCPeerConnection (Linux
//! WebKitGTK). Standard WebRTC on GStreamer's webrtcbin: ICE (libnice),
//! DTLS-SRTP, VP8 video, Opus audio and SCTP data channels, so it talks to
//! browsers and to other lancall installs alike.
//!
//! No Tauri here: the app (`app::native`) and the tests drive an
//! [`Engine`] and its [`NativePeer`]s directly, and read [`Event`]s from one
//! channel. The signaling (who offers, perfect negotiation) stays with the
//! caller, as with a browser's RTCPeerConnection.
//!
//! ```text
//! capture (one pipeline per kind, swappable):
//!                   camera/test ─ vp8enc ─┐ appsink ──▶ appsrc ─ rtpvp8pay ─┐
//!                   mic/tone ─ webrtcdsp ─ opusenc ┘ (once)  (per peer)    webrtcbin ─ ICE/DTLS
//!                   screen (ximagesrc) ─ vp8enc ─ appsink ──▶ appsrc ─ rtpvp8pay ┘ (sendonly,
//!                   (or pipewiresrc)                while shared: capture::screen)
//! peer pipeline:    webrtcbin ─ rtpvp8depay ─┬ vp8dec (counted)
//!                                            └ appsink ─▶ Event::Video (to the page)
//!                   webrtcbin ─ rtpvp8depay ─ appsink ─▶ PeerEvent::Screen (a later video section)
//!                   webrtcbin ─ rtpopusdepay ─ opusdec ─ appsink ─▶ playback
//! playback (one):   appsrc per peer ─ audiomixer ─ webrtcechoprobe ─ speakers
//! (a `level` element measures each peer's decoded audio and our microphone
//! for the page's speaker ring: `meter`)
//!                   (the probe is what webrtcdsp cancels from the microphone)
//! ```
//!
//! Every pipeline of an engine runs on one clock and base time, so a
//! timestamp means the same in all of them.

mod capture;
mod devices;
mod dtls;
mod error;
pub mod ice;
mod meter;
mod peer;
mod playback;
pub mod sdp;
pub mod stamp;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use gstreamer as gst;
use gstreamer::prelude::*;
use tokio::sync::mpsc;

pub use capture::{Cast, OnEnd, Portal, ScreenSource};
pub use devices::{Device, Kind};
pub use error::{Error, Result};
pub use meter::AudioLevel;
pub use peer::{Counters, NativePeer};
pub use playback::PlaybackCounters;
pub use sdp::{IceCandidate, SdpType, SessionDescription};

/// What the engine sends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Source {
    /// Nothing: receive only.
    None,
    /// A moving test pattern and a tone, for tests and machines without a camera.
    #[default]
    Test,
    /// The camera and microphone the person picked (see `devices` for the
    /// strings: `v4l2:/dev/video0`, `pipewire:…`, `pulse:…`, `alsa:…`,
    /// `test:…`, `auto`). `None` for a kind sends nothing of it.
    Devices { video: Option<String>, audio: Option<String> },
}

/// The picture we send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoFormat {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub bitrate_kbps: u32,
}

impl Default for VideoFormat {
    fn default() -> Self {
        // The client's default for a call (ui/js/media.js asks for 640x480
        // at 30 too), and what VP8 encodes in real time on 2 cores.
        VideoFormat { width: 640, height: 480, fps: 30, bitrate_kbps: 1200 }
    }
}

/// Where remote audio goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AudioOut {
    /// The default output device (PulseAudio/PipeWire/ALSA, whichever GStreamer finds).
    #[default]
    Speakers,
    /// Decoded and counted, then dropped: tests and benchmarks.
    Discard,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub source: Source,
    pub video: VideoFormat,
    pub audio_out: AudioOut,
    /// Decode remote video in the engine (counted in [`Counters`]); the app
    /// leaves this off and lets the page decode.
    pub decode_video: bool,
    /// Hand remote video to the caller as encoded VP8 frames ([`Event::Video`]).
    pub forward_video: bool,
    /// STUN and TURN servers, and whether only relayed candidates may be
    /// used; none on a LAN. A peer may be given others (`Engine::peer_with`).
    pub ice: ice::IceConfig,
    /// The microphone goes through webrtcdsp (echo cancellation, noise
    /// suppression, gain control): for real microphones; test tones go
    /// without.
    pub voice_processing: bool,
}

/// One encoded frame, for a WebCodecs `VideoDecoder` in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFrame {
    pub data: Vec<u8>,
    /// A key frame: a decoder can start here.
    pub key: bool,
    /// Presentation time in microseconds (what EncodedVideoChunk wants).
    pub timestamp_us: u64,
}

impl EncodedFrame {
    fn from_buffer(buffer: &gst::BufferRef) -> Self {
        let data = buffer.map_readable().map(|m| m.as_slice().to_vec()).unwrap_or_default();
        EncodedFrame {
            data,
            key: !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT),
            timestamp_us: buffer.pts().map(|t| t.useconds()).unwrap_or(0),
        }
    }
}

/// What a peer connection reports, named as RTCPeerConnection's events are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerEvent {
    /// Something changed that needs an offer (`negotiationneeded`).
    NegotiationNeeded,
    /// A local ICE candidate to send to the other side (`icecandidate`).
    Candidate(IceCandidate),
    /// `connectionstatechange`: new, connecting, connected, disconnected, failed, closed.
    ConnectionState(String),
    /// `iceconnectionstatechange`.
    IceConnectionState(String),
    /// `signalingstatechange`.
    SignalingState(String),
    /// Remote media of this kind (`audio`/`video`) started arriving (`track`).
    Track(String),
    /// The data channel opened (true) or closed (false).
    Channel(bool),
    /// A text message on the data channel.
    Message(String),
    /// A remote video frame, encoded (only with `Config::forward_video`).
    Video(EncodedFrame),
    /// A frame of the screen the other side shares (its second video
    /// section), encoded (only with `Config::forward_video`).
    Screen(EncodedFrame),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Peer { id: String, event: PeerEvent },
    /// Our own encoded video, for the page's preview (see [`Engine::set_preview`]).
    LocalVideo(EncodedFrame),
    /// A pipeline failed; `peer` is None for capture. The others go on.
    Error { peer: Option<String>, message: String },
}

/// Elements the engine cannot work without, by the package that has them.
const REQUIRED: &[(&str, &str)] = &[
    ("webrtcbin", "gstreamer1.0-plugins-bad"),
    ("nicesrc", "gstreamer1.0-nice"),
    ("dtlssrtpenc", "gstreamer1.0-plugins-bad"),
    ("sctpenc", "gstreamer1.0-plugins-bad"),
    ("vp8enc", "gstreamer1.0-plugins-good"),
    ("vp8dec", "gstreamer1.0-plugins-good"),
    ("rtpvp8pay", "gstreamer1.0-plugins-good"),
    ("opusenc", "gstreamer1.0-plugins-base"),
    ("opusdec", "gstreamer1.0-plugins-base"),
    ("appsrc", "gstreamer1.0-plugins-base"),
    ("videotestsrc", "gstreamer1.0-plugins-base"),
    ("webrtcdsp", "gstreamer1.0-plugins-bad"),
    ("webrtcechoprobe", "gstreamer1.0-plugins-bad"),
    ("audiomixer", "gstreamer1.0-plugins-base"),
];

/// Start GStreamer once and check the plugins are there.
pub fn init() -> Result<()> {
    static INIT: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| {
        gst::init().map_err(|e| e.to_string())?;
        let missing: Vec<String> = REQUIRED
            .iter()
            .filter(|(name, _)| gst::ElementFactory::find(name).is_none())
            .map(|(name, pkg)| format!("{name} ({pkg})"))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("missing: {}", missing.join(", ")))
        }
    })
    .clone()
    .map_err(|e| if e.starts_with("missing") { Error::MissingElements(e) } else { Error::Init(e) })
}

/// The cameras and microphones this system has, as device strings for
/// [`Engine::use_device`]; with `test`, the test sources too. Blocks while
/// GStreamer asks the system: call off async threads.
pub fn devices(test: bool) -> Result<Vec<Device>> {
    init()?;
    Ok(devices::list(test))
}

/// The engine: one capture, any number of peers, one event channel.
pub struct Engine {
    config: Config,
    capture: Arc<capture::Capture>,
    playback: Arc<playback::Playback>,
    events: mpsc::UnboundedSender<Event>,
    next_id: Arc<AtomicU64>,
}

impl Engine {
    /// Start capture; events of every peer arrive on the returned receiver.
    pub fn new(config: Config) -> Result<(Engine, mpsc::UnboundedReceiver<Event>)> {
        init()?;
        let (tx, rx) = mpsc::unbounded_channel();
        let clock = gst::SystemClock::obtain();
        let base = clock.time().ok_or_else(|| Error::Init("the system clock has no time".into()))?;
        // Playback first: the microphone's webrtcdsp looks for its echo probe when it starts.
        static ENGINES: AtomicU64 = AtomicU64::new(1);
        let tag = ENGINES.fetch_add(1, Ordering::Relaxed);
        let playback = playback::Playback::start(config.audio_out, (clock.clone(), base), tag, tx.clone())?;
        let voice = config.voice_processing.then(|| capture::Voice { echo_probes: Some(playback.echo_probes()) });
        let capture = capture::Capture::start(&config.source, &config.video, (clock, base), voice, tx.clone())?;
        let engine = Engine {
            config,
            capture: Arc::new(capture),
            playback: Arc::new(playback),
            events: tx,
            next_id: Arc::new(AtomicU64::new(1)),
        };
        Ok((engine, rx))
    }

    /// A new connection to the remote peer `id` (ids name peers in events).
    pub fn peer(&self, id: &str) -> Result<NativePeer> {
        self.peer_with(id, self.config.ice.clone())
    }

    /// A new connection with these STUN/TURN servers and policy (the
    /// client's RTCConfiguration) instead of the engine's.
    pub fn peer_with(&self, id: &str, ice: ice::IceConfig) -> Result<NativePeer> {
        NativePeer::new(peer::Recipe {
            id: id.to_owned(),
            config: self.config.clone(),
            ice,
            capture: self.capture.clone(),
            playback: self.playback.clone(),
            events: self.events.clone(),
            serials: self.next_id.clone(),
        })
    }

    pub fn set_video_enabled(&self, on: bool) {
        self.capture.set_video_enabled(on);
    }

    pub fn set_audio_enabled(&self, on: bool) {
        self.capture.set_audio_enabled(on);
    }

    /// Capture `kind` from `device` (a string of [`devices`]) from now on,
    /// for every peer, without renegotiation: the new device starts beside
    /// the old one and takes over once it gives its first frame; if it
    /// can't (unknown, gone, busy, silent for 5 s) the error says why and
    /// the old one goes on.
    pub async fn use_device(&self, kind: Kind, device: &str) -> Result<()> {
        self.capture.use_device(kind, device).await
    }

    /// What the playback path (every peer's audio, mixed) has played so far.
    pub fn playback_counters(&self) -> PlaybackCounters {
        self.playback.counters()
    }

    /// The device string each kind captures from now, if any.
    pub fn device(&self, kind: Kind) -> Option<String> {
        self.capture.device(kind)
    }

    /// Ask our video encoder for a key frame (a decoder of our video lost its place).
    pub fn request_keyframe(&self) {
        self.capture.request_keyframe();
    }

    /// Capture the screen from `source` for the peers told to send it
    /// ([`NativePeer::set_screen`]); encoded once for all of them.
    /// `on_end` hears when a portal's stream ends by itself.
    pub fn start_screen(&self, source: &ScreenSource, on_end: Option<OnEnd>) -> Result<()> {
        self.capture.start_screen(source, on_end)
    }

    /// Stop capturing the screen (idempotent).
    pub fn stop_screen(&self) {
        self.capture.stop_screen();
    }

    /// Whether the screen is being captured.
    pub fn screen_on(&self) -> bool {
        self.capture.screen_on()
    }

    /// Our own encoded video as [`Event::LocalVideo`] (on) or not (off).
    pub fn set_preview(&self, on: bool) {
        self.capture.set_preview(on.then(|| self.events.clone()));
    }
}
