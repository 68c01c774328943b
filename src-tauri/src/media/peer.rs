//! One connection to one remote peer: a pipeline around a webrtcbin, with
//! the methods of RTCPeerConnection that lancall's client uses. Input from
//! the network is checked (`sdp::check`) before webrtcbin sees it, and every
//! webrtcbin refusal comes back as an [`Error`]; events go to the engine's
//! channel, named by the peer's id.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_sdp as gst_sdp;
use gstreamer_webrtc as gst_webrtc;
use tokio::sync::{mpsc, oneshot};

use super::capture::{self, Capture};
use super::devices::Kind;
use super::playback::{self, Playback};
use super::error::{Error, Result};
use super::sdp::{self, IceCandidate, SdpType, SessionDescription, Summary};
use super::{Config, EncodedFrame, Event, PeerEvent};

/// Payload types we offer (Chromium's for VP8 and Opus); when answering we
/// take the offer's.
const VP8_PT: u8 = 96;
const OPUS_PT: u8 = 111;
/// How long webrtcbin may take to answer one step before we give up on it.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Frames that went through this peer's decoders so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Counters {
    /// Encoded video frames received (after depayloading).
    pub video_frames_received: u64,
    /// Video frames decoded (only with `Config::decode_video`).
    pub video_frames_decoded: u64,
    /// Opus frames decoded.
    pub audio_frames_decoded: u64,
    /// Decoded audio buffers handed to the engine's playback mixer.
    pub audio_frames_played: u64,
}

#[derive(Default)]
struct AtomicCounters {
    video_received: AtomicU64,
    video_decoded: AtomicU64,
    audio_decoded: AtomicU64,
    audio_played: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Our media are attached to transceivers (by offering or answering).
    senders: bool,
    channel: Option<gst_webrtc::WebRTCDataChannel>,
    remote: Option<Summary>,
    /// `a=mid` of each of our m-sections, for candidates' `sdpMid`.
    local_mids: Vec<Option<String>>,
}

struct Inner {
    id: String,
    serial: u64,
    pipeline: gst::Pipeline,
    webrtc: gst::Element,
    capture: Arc<Capture>,
    playback: Arc<Playback>,
    events: mpsc::UnboundedSender<Event>,
    state: Mutex<State>,
    counters: AtomicCounters,
    closed: AtomicBool,
    decode_video: bool,
    forward_video: bool,
}

/// A peer connection backed by webrtcbin. Cheap to clone; `close` ends it.
#[derive(Clone)]
pub struct NativePeer {
    inner: Arc<Inner>,
}

impl NativePeer {
    pub(super) fn new(
        id: &str,
        serial: u64,
        config: &Config,
        capture: Arc<Capture>,
        playback: Arc<Playback>,
        events: mpsc::UnboundedSender<Event>,
    ) -> Result<Self> {
        let pipeline = gst::Pipeline::with_name(&format!("peer-{serial}"));
        let webrtc = gst::ElementFactory::make("webrtcbin")
            .name("webrtc")
            .property_from_str("bundle-policy", "max-bundle")
            .property("latency", 100u32)
            .build()?;
        if let Some(stun) = &config.stun_server {
            webrtc.set_property("stun-server", stun);
        }
        if let Some(turn) = &config.turn_server {
            webrtc.set_property("turn-server", turn);
        }
        pipeline.add(&webrtc)?;
        let (clock, base) = capture.timing();
        pipeline.use_clock(Some(&clock));
        pipeline.set_start_time(gst::ClockTime::NONE);
        pipeline.set_base_time(base);
        capture::watch_bus(&pipeline, &format!("peer {id}"), events.clone());
        let inner = Arc::new(Inner {
            id: id.to_owned(),
            serial,
            pipeline,
            webrtc,
            capture,
            playback,
            events,
            state: Mutex::new(State::default()),
            counters: AtomicCounters::default(),
            closed: AtomicBool::new(false),
            decode_video: config.decode_video,
            forward_video: config.forward_video,
        });
        connect_signals(&inner);
        inner.pipeline.set_state(gst::State::Playing)?;
        Ok(NativePeer { inner })
    }

    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Open the `lancall` data channel (the side that makes the first offer does).
    pub fn create_data_channel(&self, label: &str) -> Result<()> {
        self.live()?;
        let channel = self
            .inner
            .webrtc
            .emit_by_name::<Option<gst_webrtc::WebRTCDataChannel>>("create-data-channel", &[&label, &None::<gst::Structure>])
            .ok_or_else(|| Error::Negotiation("webrtcbin made no data channel".into()))?;
        bind_channel(&self.inner, channel);
        Ok(())
    }

    /// An offer with our audio, video and (if made) data channel.
    pub async fn create_offer(&self) -> Result<SessionDescription> {
        self.live()?;
        self.attach_senders(None)?;
        let reply = self.step("create-offer", None).await?;
        description_from(&reply, "offer")
    }

    /// An answer to the remote offer set before.
    pub async fn create_answer(&self) -> Result<SessionDescription> {
        self.live()?;
        let reply = self.step("create-answer", None).await?;
        description_from(&reply, "answer")
    }

    pub async fn set_local_description(&self, desc: &SessionDescription) -> Result<()> {
        self.live()?;
        let parsed = to_webrtc(desc)?;
        self.step("set-local-description", Some(&parsed)).await?;
        self.state().local_mids = sdp::mids(&desc.sdp);
        Ok(())
    }

    /// Checked first (malformed, no common codec); an offer also puts our
    /// media on the transceivers it makes, as addTrack would.
    pub async fn set_remote_description(&self, desc: &SessionDescription) -> Result<()> {
        self.live()?;
        let summary = if desc.kind == SdpType::Rollback { None } else { Some(sdp::check(&desc.sdp, desc.kind)?) };
        let parsed = to_webrtc(desc)?;
        self.step("set-remote-description", Some(&parsed)).await?;
        if let Some(summary) = summary {
            if desc.kind == SdpType::Offer {
                self.attach_senders(Some(&summary))?;
            }
            self.state().remote = Some(summary);
        }
        Ok(())
    }

    /// A remote candidate; an empty one (end of candidates) is accepted and ignored.
    pub fn add_ice_candidate(&self, candidate: &IceCandidate) -> Result<()> {
        self.live()?;
        let text = candidate.candidate.trim();
        if text.is_empty() {
            return Ok(());
        }
        let fields = text.strip_prefix("a=").unwrap_or(text);
        let ok = fields.starts_with("candidate:")
            && fields.len() <= 1024
            && !fields.chars().any(char::is_control)
            && fields.split(' ').count() >= 8;
        if !ok {
            return Err(Error::BadCandidate(format!("{:?}", truncate(text, 80))));
        }
        let mline = match &self.state().remote {
            Some(remote) => remote.mline_of(candidate)?,
            None => return Err(Error::Negotiation("a candidate before any remote description".into())),
        };
        self.inner.webrtc.emit_by_name::<()>("add-ice-candidate", &[&mline, &fields]);
        Ok(())
    }

    /// Ask for an ICE restart. GStreamer 1.22's webrtcbin cannot make an
    /// offer with new ICE credentials, so this asks the caller for a new
    /// negotiation (the way `restartIce()` does), which re-checks the
    /// candidate pairs; a peer that stays failed is rebuilt by the caller.
    pub fn restart_ice(&self) -> Result<()> {
        self.live()?;
        emit(&self.inner, PeerEvent::NegotiationNeeded);
        Ok(())
    }

    /// Send a text message on the data channel.
    pub fn send(&self, text: &str) -> Result<()> {
        self.live()?;
        let channel = self.state().channel.clone();
        match channel {
            Some(c) if c.ready_state() == gst_webrtc::WebRTCDataChannelState::Open => {
                c.send_string(Some(text));
                Ok(())
            }
            _ => Err(Error::Negotiation("the data channel is not open".into())),
        }
    }

    /// Ask the other side for a full picture (RTCP PLI), for a decoder that
    /// lost its place (the page's, after dropped frames or an error).
    pub fn request_keyframe(&self) -> Result<()> {
        self.live()?;
        if let Some(depay) = self.inner.pipeline.by_name("depay") {
            let event = gstreamer_video::UpstreamForceKeyUnitEvent::builder().all_headers(true).build();
            depay.send_event(event);
        }
        Ok(())
    }

    pub fn channel_open(&self) -> bool {
        self.state().channel.as_ref().is_some_and(|c| c.ready_state() == gst_webrtc::WebRTCDataChannelState::Open)
    }

    pub fn counters(&self) -> Counters {
        let c = &self.inner.counters;
        Counters {
            video_frames_received: c.video_received.load(Ordering::Relaxed),
            video_frames_decoded: c.video_decoded.load(Ordering::Relaxed),
            audio_frames_decoded: c.audio_decoded.load(Ordering::Relaxed),
            audio_frames_played: c.audio_played.load(Ordering::Relaxed),
        }
    }

    pub fn connection_state(&self) -> String {
        connection_state(&self.inner.webrtc)
    }

    pub fn signaling_state(&self) -> String {
        let s = self.inner.webrtc.property::<gst_webrtc::WebRTCSignalingState>("signaling-state");
        signaling_name(s).to_owned()
    }

    /// webrtcbin's statistics (RTCStatsReport-like), as JSON.
    pub async fn stats(&self) -> Result<serde_json::Value> {
        self.live()?;
        let (promise, rx) = promise();
        self.inner.webrtc.emit_by_name::<()>("get-stats", &[&None::<gst::Pad>, &promise]);
        let reply = wait(rx).await?;
        Ok(reply.map(|s| structure_json(&s)).unwrap_or(serde_json::Value::Null))
    }

    /// Stop everything of this peer; the others are untouched. Idempotent.
    pub fn close(&self) {
        if self.inner.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        self.inner.capture.unsubscribe(self.inner.serial);
        if let Some(c) = self.state().channel.take() {
            c.close();
        }
        // Tearing webrtcbin down can take a moment (ICE, DTLS threads): off
        // the caller's thread, which may be an async runtime's.
        let pipeline = self.inner.pipeline.clone();
        let (playback, serial) = (self.inner.playback.clone(), self.inner.serial);
        std::thread::spawn(move || {
            playback.remove_input(serial);
            let _ = pipeline.set_state(gst::State::Null);
        });
    }

    fn live(&self) -> Result<()> {
        if self.inner.closed.load(Ordering::SeqCst) {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One promise-based webrtcbin action, awaited with a time limit.
    async fn step(&self, action: &str, desc: Option<&gst_webrtc::WebRTCSessionDescription>) -> Result<Option<gst::Structure>> {
        let (promise, rx) = promise();
        match desc {
            Some(d) => self.inner.webrtc.emit_by_name::<()>(action, &[d, &promise]),
            None => self.inner.webrtc.emit_by_name::<()>(action, &[&None::<gst::Structure>, &promise]),
        }
        let reply = wait(rx).await?;
        if let Some(s) = &reply {
            if let Ok(e) = s.get::<glib::Error>("error") {
                return Err(Error::Negotiation(e.to_string()));
            }
        }
        Ok(reply)
    }

    /// Put our encoded audio and video on transceivers: new ones when we
    /// offer first, the offer's (by m-line, with its payload types) when
    /// answering. Once per connection.
    fn attach_senders(&self, offer: Option<&Summary>) -> Result<()> {
        if std::mem::replace(&mut self.state().senders, true) {
            return Ok(());
        }
        let inner = &self.inner;
        match offer {
            None => {
                for kind in [Kind::Audio, Kind::Video] {
                    let pt = if kind == Kind::Audio { OPUS_PT } else { VP8_PT };
                    attach_sender(inner, kind, None, pt)?;
                }
            }
            Some(summary) => {
                let mut used = [false, false];
                for (i, m) in summary.media.iter().enumerate() {
                    let kind = match m.kind.as_str() {
                        "audio" => Kind::Audio,
                        "video" => Kind::Video,
                        _ => continue,
                    };
                    let slot = &mut used[kind as usize];
                    if *slot || m.rejected {
                        continue;
                    }
                    if let Some(pt) = m.our_pt {
                        *slot = true;
                        attach_sender(inner, kind, Some(i as u32), pt)?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if !self.closed.swap(true, Ordering::SeqCst) {
            self.capture.unsubscribe(self.serial);
            self.playback.remove_input(self.serial);
            let _ = self.pipeline.set_state(gst::State::Null);
        }
    }
}

fn emit(inner: &Inner, event: PeerEvent) {
    let _ = inner.events.send(Event::Peer { id: inner.id.clone(), event });
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn promise() -> (gst::Promise, oneshot::Receiver<std::result::Result<Option<gst::Structure>, String>>) {
    let (tx, rx) = oneshot::channel();
    let promise = gst::Promise::with_change_func(move |reply| {
        let r = match reply {
            Ok(s) => Ok(s.map(|s| s.to_owned())),
            Err(e) => Err(format!("{e:?}")),
        };
        let _ = tx.send(r);
    });
    (promise, rx)
}

async fn wait(rx: oneshot::Receiver<std::result::Result<Option<gst::Structure>, String>>) -> Result<Option<gst::Structure>> {
    match tokio::time::timeout(STEP_TIMEOUT, rx).await {
        Ok(Ok(Ok(reply))) => Ok(reply),
        Ok(Ok(Err(e))) => Err(Error::Negotiation(format!("webrtcbin gave up: {e}"))),
        Ok(Err(_)) => Err(Error::Closed),
        Err(_) => Err(Error::Negotiation("webrtcbin did not answer in time".into())),
    }
}

fn description_from(reply: &Option<gst::Structure>, field: &str) -> Result<SessionDescription> {
    let desc = reply
        .as_ref()
        .and_then(|s| s.get::<gst_webrtc::WebRTCSessionDescription>(field).ok())
        .ok_or_else(|| Error::Negotiation(format!("webrtcbin made no {field}")))?;
    let sdp = desc.sdp().as_text().map_err(|e| Error::Negotiation(e.to_string()))?;
    let kind = if field == "offer" { SdpType::Offer } else { SdpType::Answer };
    Ok(SessionDescription { kind, sdp })
}

fn to_webrtc(desc: &SessionDescription) -> Result<gst_webrtc::WebRTCSessionDescription> {
    let kind = match desc.kind {
        SdpType::Offer => gst_webrtc::WebRTCSDPType::Offer,
        SdpType::Answer => gst_webrtc::WebRTCSDPType::Answer,
        SdpType::Pranswer => gst_webrtc::WebRTCSDPType::Pranswer,
        SdpType::Rollback => gst_webrtc::WebRTCSDPType::Rollback,
    };
    let message = if desc.kind == SdpType::Rollback {
        gst_sdp::SDPMessage::new()
    } else {
        gst_sdp::SDPMessage::parse_buffer(desc.sdp.as_bytes()).map_err(|e| Error::BadSdp(e.to_string()))?
    };
    Ok(gst_webrtc::WebRTCSessionDescription::new(kind, message))
}

fn codec_caps(kind: Kind, pt: u8) -> gst::Caps {
    match kind {
        Kind::Video => gst::Caps::builder("application/x-rtp")
            .field("media", "video")
            .field("encoding-name", "VP8")
            .field("clock-rate", 90000i32)
            .field("payload", i32::from(pt))
            .field("rtcp-fb-nack-pli", true)
            .field("rtcp-fb-ccm-fir", true)
            .field("rtcp-fb-nack", true)
            .build(),
        Kind::Audio => gst::Caps::builder("application/x-rtp")
            .field("media", "audio")
            .field("encoding-name", "OPUS")
            .field("clock-rate", 48000i32)
            .field("encoding-params", "2")
            .field("payload", i32::from(pt))
            .build(),
    }
}

/// appsrc (fed by the capture) ─ payloader ─ webrtcbin `sink_N`.
fn attach_sender(inner: &Arc<Inner>, kind: Kind, mline: Option<u32>, pt: u8) -> Result<()> {
    let src = gst_app::AppSrc::builder().format(gst::Format::Time).is_live(true).max_bytes(2 << 20).build();
    src.set_leaky_type(gst_app::AppLeakyType::Downstream);
    let pay = match kind {
        Kind::Video => gst::ElementFactory::make("rtpvp8pay").property_from_str("picture-id-mode", "15-bit"),
        Kind::Audio => gst::ElementFactory::make("rtpopuspay"),
    }
    .property("pt", u32::from(pt))
    .property("mtu", 1200u32)
    .build()?;
    inner.pipeline.add_many([src.upcast_ref(), &pay])?;
    src.link(&pay)?;
    let name = mline.map(|i| format!("sink_{i}")).unwrap_or_else(|| "sink_%u".to_owned());
    let pad = inner
        .webrtc
        .request_pad_simple(&name)
        .ok_or_else(|| Error::Negotiation(format!("webrtcbin gave no pad {name}")))?;
    let transceiver = pad.property::<gst_webrtc::WebRTCRTPTransceiver>("transceiver");
    transceiver.set_direction(gst_webrtc::WebRTCRTPTransceiverDirection::Sendrecv);
    transceiver.set_codec_preferences(Some(&codec_caps(kind, pt)));
    let src_pad = pay.static_pad("src").ok_or_else(|| Error::Pipeline("payloader without src".into()))?;
    src_pad.link(&pad).map_err(|e| Error::Pipeline(format!("link {name}: {e:?}")))?;
    if kind == Kind::Video {
        // A picture loss (PLI/FIR) or a new receiver asks upstream for a key
        // frame; the encoder lives in the capture pipeline, so pass it on.
        let capture = Arc::downgrade(&inner.capture);
        if let Some(p) = src.static_pad("src") {
            p.add_probe(gst::PadProbeType::EVENT_UPSTREAM, move |_, info| {
                if let Some(gst::PadProbeData::Event(ev)) = &info.data {
                    if gstreamer_video::ForceKeyUnitEvent::is(ev) {
                        if let Some(c) = capture.upgrade() {
                            c.request_keyframe();
                        }
                    }
                }
                gst::PadProbeReturn::Ok
            });
        }
    }
    src.sync_state_with_parent()?;
    pay.sync_state_with_parent()?;
    inner.capture.subscribe(inner.serial, kind, src);
    Ok(())
}

fn connect_signals(inner: &Arc<Inner>) {
    let weak = Arc::downgrade(inner);
    let webrtc = &inner.webrtc;
    let w = weak.clone();
    webrtc.connect("on-negotiation-needed", false, move |_| {
        if let Some(i) = w.upgrade() {
            emit(&i, PeerEvent::NegotiationNeeded);
        }
        None
    });
    let w = weak.clone();
    webrtc.connect("on-ice-candidate", false, move |values| {
        let i = w.upgrade()?;
        let mline = values.get(1).and_then(|v| v.get::<u32>().ok())?;
        let candidate = values.get(2).and_then(|v| v.get::<String>().ok())?;
        let mid = i.state.lock().ok().and_then(|s| s.local_mids.get(mline as usize).cloned().flatten());
        emit(
            &i,
            PeerEvent::Candidate(IceCandidate {
                candidate,
                sdp_mid: mid,
                sdp_mline_index: Some(mline),
                username_fragment: None,
            }),
        );
        None
    });
    let w = weak.clone();
    webrtc.connect("on-data-channel", false, move |values| {
        let i = w.upgrade()?;
        let channel = values.get(1).and_then(|v| v.get::<gst_webrtc::WebRTCDataChannel>().ok())?;
        bind_channel(&i, channel);
        None
    });
    let w = weak.clone();
    webrtc.connect_notify(Some("connection-state"), move |e, _| {
        if let Some(i) = w.upgrade() {
            emit(&i, PeerEvent::ConnectionState(connection_state(e)));
        }
    });
    let w = weak.clone();
    webrtc.connect_notify(Some("ice-connection-state"), move |e, _| {
        if let Some(i) = w.upgrade() {
            let s = e.property::<gst_webrtc::WebRTCICEConnectionState>("ice-connection-state");
            emit(&i, PeerEvent::IceConnectionState(ice_name(s).to_owned()));
        }
    });
    let w = weak.clone();
    webrtc.connect_notify(Some("signaling-state"), move |e, _| {
        if let Some(i) = w.upgrade() {
            let s = e.property::<gst_webrtc::WebRTCSignalingState>("signaling-state");
            emit(&i, PeerEvent::SignalingState(signaling_name(s).to_owned()));
        }
    });
    let w = weak;
    webrtc.connect_pad_added(move |_, pad| {
        if pad.direction() != gst::PadDirection::Src {
            return;
        }
        if let Some(i) = w.upgrade() {
            if let Err(e) = receive(&i, pad) {
                let _ = i.events.send(Event::Error { peer: Some(i.id.clone()), message: e.to_string() });
            }
        }
    });
}

/// A remote stream arrived: depayload, count, decode or forward, play.
fn receive(inner: &Arc<Inner>, pad: &gst::Pad) -> Result<()> {
    let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
    let name = caps
        .structure(0)
        .and_then(|s| s.get::<String>("encoding-name").ok())
        .unwrap_or_default()
        .to_ascii_uppercase();
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
            let caps = playback::CAPS;
            let d = format!(
                "queue ! rtpopusdepay ! opusdec name=dec ! audioconvert ! audioresample ! {caps} ! \
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
    if let Some(sink) = bin.by_name("frames").and_then(|e| e.downcast::<gst_app::AppSink>().ok()) {
        let w = Arc::downgrade(inner);
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |s| {
                    let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    if let (Some(i), Some(b)) = (w.upgrade(), sample.buffer()) {
                        emit(&i, PeerEvent::Video(EncodedFrame::from_buffer(b)));
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
    }
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

fn bind_channel(inner: &Arc<Inner>, channel: gst_webrtc::WebRTCDataChannel) {
    let opened = Arc::new(AtomicBool::new(false));
    let w = Arc::downgrade(inner);
    let o = opened.clone();
    channel.connect_on_open(move |_| {
        if let Some(i) = w.upgrade() {
            if !o.swap(true, Ordering::SeqCst) {
                emit(&i, PeerEvent::Channel(true));
            }
        }
    });
    let w = Arc::downgrade(inner);
    channel.connect_on_close(move |_| {
        if let Some(i) = w.upgrade() {
            emit(&i, PeerEvent::Channel(false));
        }
    });
    let w = Arc::downgrade(inner);
    channel.connect_on_message_string(move |_, text| {
        if let (Some(i), Some(text)) = (w.upgrade(), text) {
            emit(&i, PeerEvent::Message(text.to_owned()));
        }
    });
    let w = Arc::downgrade(inner);
    channel.connect_on_message_data(move |_, data| {
        if let (Some(i), Some(data)) = (w.upgrade(), data) {
            emit(&i, PeerEvent::Message(String::from_utf8_lossy(data).into_owned()));
        }
    });
    let open_now = channel.ready_state() == gst_webrtc::WebRTCDataChannelState::Open;
    inner.state.lock().unwrap_or_else(|e| e.into_inner()).channel = Some(channel);
    if open_now && !opened.swap(true, Ordering::SeqCst) {
        emit(inner, PeerEvent::Channel(true));
    }
}

fn connection_state(webrtc: &gst::Element) -> String {
    use gst_webrtc::WebRTCPeerConnectionState as S;
    match webrtc.property::<S>("connection-state") {
        S::New => "new",
        S::Connecting => "connecting",
        S::Connected => "connected",
        S::Disconnected => "disconnected",
        S::Failed => "failed",
        S::Closed => "closed",
        _ => "new",
    }
    .to_owned()
}

fn ice_name(s: gst_webrtc::WebRTCICEConnectionState) -> &'static str {
    use gst_webrtc::WebRTCICEConnectionState as S;
    match s {
        S::New => "new",
        S::Checking => "checking",
        S::Connected => "connected",
        S::Completed => "completed",
        S::Failed => "failed",
        S::Disconnected => "disconnected",
        S::Closed => "closed",
        _ => "new",
    }
}

fn signaling_name(s: gst_webrtc::WebRTCSignalingState) -> &'static str {
    use gst_webrtc::WebRTCSignalingState as S;
    match s {
        S::Stable => "stable",
        S::HaveLocalOffer => "have-local-offer",
        S::HaveRemoteOffer => "have-remote-offer",
        S::HaveLocalPranswer => "have-local-pranswer",
        S::HaveRemotePranswer => "have-remote-pranswer",
        S::Closed => "closed",
        _ => "stable",
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
