//! One connection to one remote peer: a pipeline around a webrtcbin, with
//! the methods of RTCPeerConnection that lancall's client uses. Input from
//! the network is checked (`sdp::check`) before webrtcbin sees it, and every
//! webrtcbin refusal comes back as an [`Error`]; events go to the engine's
//! channel, named by the peer's id.
//!
//! A [`NativePeer`] outlives its webrtcbins: GStreamer 1.22's cannot
//! restart ICE, so a failed connection gets a new one (`handle`: the peer
//! as callers see it, and its rebuild). This file holds one webrtcbin's
//! [`Link`]: its state, its lifecycle (made, closed, dropped) and the wiring
//! of webrtcbin's signals to [`PeerEvent`]s, with the state names those
//! events carry. The rest of RTCPeerConnection is split by what it is
//! about, each an `impl Link` of its own: `negotiation` (descriptions,
//! candidates), `send` (our media onto transceivers), `receive` (remote
//! media off webrtcbin), `channel` (the data channel) and `stats` (counters
//! and getStats); `liveness` reports a link that hears nothing as
//! disconnected, which webrtcbin itself never does.

mod channel;
mod handle;
mod liveness;
mod negotiation;
mod receive;
mod send;
mod stats;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_webrtc as gst_webrtc;
use tokio::sync::mpsc;

use super::capture::{self, Capture};
use super::dtls;
use super::meter::Meter;
use super::playback::Playback;
use super::error::{Error, Result};
use super::sdp::{IceCandidate, SessionDescription, Summary};
use super::ice::IceConfig;
use super::{Config, Event, PeerEvent};

use channel::bind_channel;
pub use handle::NativePeer;
pub(super) use handle::Recipe;
use liveness::Liveness;
use receive::receive;
pub use stats::Counters;
use stats::AtomicCounters;

#[derive(Default)]
struct State {
    /// Our media are attached to transceivers (by offering or answering).
    senders: bool,
    channel: Option<gst_webrtc::WebRTCDataChannel>,
    remote: Option<Summary>,
    /// `a=mid` of each of our m-sections, for candidates' `sdpMid`.
    local_mids: Vec<Option<String>>,
    /// The last offer the other side made, which a rebuilt webrtcbin is
    /// given first so that its own offer keeps the session's m-lines and mids.
    remote_offer: Option<SessionDescription>,
    /// The other side's ICE username now: an offer with another is an ICE restart.
    remote_ufrag: Option<String>,
    /// The label of the data channel we opened (not the other side's).
    own_channel: Option<String>,
    /// Candidates held back while a rebuilt webrtcbin is given the old
    /// session: they go out after our new offer, which they belong to.
    held: Option<Vec<IceCandidate>>,
    /// How many webrtcbins this peer had before this one.
    generation: u64,
    /// The transceiver our shared screen goes on, once made (`send`).
    screen: Option<gst_webrtc::WebRTCRTPTransceiver>,
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
    /// How loud the peer's audio is, measured after decoding (`receive`).
    audio_level: Arc<Meter>,
    liveness: Liveness,
    /// The pace of the peer's data channel messages (see `channel`).
    pace: Mutex<channel::Pace>,
    closed: AtomicBool,
    /// Ours, for the descriptions we make (see media::dtls).
    fingerprint: String,
    decode_video: bool,
    forward_video: bool,
}

/// One webrtcbin of a [`NativePeer`], in a pipeline of its own. Cheap to
/// clone; `close` ends it.
#[derive(Clone)]
pub(super) struct Link {
    inner: Arc<Inner>,
}

impl Link {
    pub(super) fn new(
        id: &str,
        serial: u64,
        config: &Config,
        ice: &IceConfig,
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
        ice.apply(&webrtc)?;
        // ECDSA, not GStreamer's RSA: see media::dtls for the peers that need it.
        let certificate = dtls::generate()?;
        dtls::present(&webrtc, &certificate);
        pipeline.add(&webrtc)?;
        let (clock, base) = capture.timing();
        pipeline.use_clock(Some(&clock));
        pipeline.set_start_time(gst::ClockTime::NONE);
        pipeline.set_base_time(base);
        let audio_level = Arc::new(Meter::default());
        capture::watch_bus_metered(&pipeline, &format!("peer {id}"), events.clone(), Some(audio_level.clone()));
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
            audio_level,
            liveness: Liveness::default(),
            pace: Mutex::new(channel::Pace::default()),
            closed: AtomicBool::new(false),
            fingerprint: certificate.fingerprint,
            decode_video: config.decode_video,
            forward_video: config.forward_video,
        });
        connect_signals(&inner);
        inner.pipeline.set_state(gst::State::Playing)?;
        liveness::watch(&inner);
        Ok(Link { inner })
    }

    /// webrtcbin's connection state, "disconnected" while nothing is heard (see `liveness`).
    pub fn connection_state(&self) -> String {
        let state = connection_state(&self.inner.webrtc);
        if self.inner.liveness.hides(&state) {
            return "disconnected".to_owned();
        }
        state
    }

    pub fn signaling_state(&self) -> String {
        let s = self.inner.webrtc.property::<gst_webrtc::WebRTCSignalingState>("signaling-state");
        signaling_name(s).to_owned()
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

/// A closed link says nothing more: its peer may have a new one by now,
/// which speaks under the same id.
fn emit(inner: &Inner, event: PeerEvent) {
    if inner.closed.load(Ordering::SeqCst) {
        return;
    }
    let _ = inner.events.send(Event::Peer { id: inner.id.clone(), event });
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
        let mut state = i.state.lock().unwrap_or_else(|e| e.into_inner());
        let mid = state.local_mids.get(mline as usize).cloned().flatten();
        let c = IceCandidate { candidate, sdp_mid: mid, sdp_mline_index: Some(mline), username_fragment: None };
        match &mut state.held {
            Some(held) => held.push(c),
            None => {
                drop(state);
                emit(&i, PeerEvent::Candidate(c));
            }
        }
        None
    });
    let w = weak.clone();
    webrtc.connect("on-data-channel", false, move |values| {
        let i = w.upgrade()?;
        let channel = values.get(1).and_then(|v| v.get::<gst_webrtc::WebRTCDataChannel>().ok())?;
        // Only the client's own channel carries the call's messages: one of
        // another label (a hostile or confused peer) must not take its place.
        if channel.label().as_deref() == Some(channel::LABEL) {
            bind_channel(&i, channel);
        } else {
            tracing::info!(peer = %i.id, label = ?channel.label(), "a data channel of an unknown label, closed");
            channel.close();
        }
        None
    });
    let w = weak.clone();
    webrtc.connect_notify(Some("connection-state"), move |e, _| {
        if let Some(i) = w.upgrade() {
            let state = connection_state(e);
            if !i.liveness.hides(&state) {
                emit(&i, PeerEvent::ConnectionState(state));
            }
        }
    });
    let w = weak.clone();
    webrtc.connect_notify(Some("ice-connection-state"), move |e, _| {
        if let Some(i) = w.upgrade() {
            let s = ice_name(e.property::<gst_webrtc::WebRTCICEConnectionState>("ice-connection-state"));
            if !i.liveness.hides(s) {
                emit(&i, PeerEvent::IceConnectionState(s.to_owned()));
            }
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
