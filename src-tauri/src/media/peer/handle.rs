//! The peer as callers see it: one remote member, named by its id, whose
//! connection is one webrtcbin ([`Link`]) at a time.
//!
//! GStreamer 1.22's webrtcbin cannot make an offer with new ICE
//! credentials, nor take one (libnice keeps the old ones), so an ICE
//! restart either way is a new webrtcbin under the same id:
//!
//! - ours (`restart_ice`, asked when the connection failed): the new
//!   webrtcbin is first given the other side's last offer and answers it
//!   to itself, so it knows the session's m-lines and mids; the offer the
//!   caller makes next keeps them, with new ICE credentials and a new DTLS
//!   certificate, which is what an ICE restart looks like to the other side.
//! - theirs (an offer whose `a=ice-ufrag` changed): the new webrtcbin takes
//!   that offer as its first and answers it.
//!
//! Either way the events keep the peer's id, so the caller's tile, name and
//! chat stay; remote media arrives on the new webrtcbin's pads and goes to
//! the same places (`Event::Video` under the same id, the same mixer).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::negotiation::ice_ufrag;
use super::Link;
use crate::media::capture::Capture;
use crate::media::error::{Error, Result};
use crate::media::ice::IceConfig;
use crate::media::playback::Playback;
use crate::media::sdp::{IceCandidate, SdpType, SessionDescription};
use crate::media::{Config, Event};

/// What each webrtcbin of a peer is made from, the first and every new one.
pub(in crate::media) struct Recipe {
    pub id: String,
    pub config: Config,
    pub ice: IceConfig,
    pub capture: Arc<Capture>,
    pub playback: Arc<Playback>,
    pub events: mpsc::UnboundedSender<Event>,
    /// The engine's counter: each webrtcbin feeds and plays under a serial
    /// of its own, so the old one's teardown never removes the new one's.
    pub serials: Arc<AtomicU64>,
}

impl Recipe {
    /// Each gets a certificate of its own (`media::dtls`), so a rebuilt one
    /// shows the other side a new fingerprint and a new DTLS handshake.
    fn make(&self) -> Result<Link> {
        let serial = self.serials.fetch_add(1, Ordering::Relaxed);
        Link::new(
            &self.id,
            serial,
            &self.config,
            &self.ice,
            self.capture.clone(),
            self.playback.clone(),
            self.events.clone(),
        )
    }
}

struct Shared {
    recipe: Recipe,
    link: Mutex<Link>,
    closed: AtomicBool,
    /// We send our screen (`set_screen`): 0 never asked, 1 on, 2 off. A
    /// rebuilt webrtcbin is given it before its next offer.
    screen: AtomicU8,
}

/// A peer connection backed by webrtcbin, rebuilt when ICE restarts.
/// Cheap to clone; `close` ends it.
#[derive(Clone)]
pub struct NativePeer {
    shared: Arc<Shared>,
}

impl NativePeer {
    pub(in crate::media) fn new(recipe: Recipe) -> Result<Self> {
        let link = recipe.make()?;
        Ok(NativePeer { shared: Arc::new(Shared { recipe, link: Mutex::new(link), closed: AtomicBool::new(false), screen: AtomicU8::new(0) }) })
    }

    pub fn id(&self) -> &str {
        &self.shared.recipe.id
    }

    /// The webrtcbin of now.
    fn link(&self) -> Result<Link> {
        if self.shared.closed.load(Ordering::SeqCst) {
            return Err(Error::Closed);
        }
        Ok(self.shared.link.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    fn current(&self) -> Link {
        self.shared.link.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn connection_state(&self) -> String {
        self.current().connection_state()
    }

    pub fn signaling_state(&self) -> String {
        self.current().signaling_state()
    }

    /// Stop everything of this peer; the others are untouched. Idempotent.
    pub fn close(&self) {
        if !self.shared.closed.swap(true, Ordering::SeqCst) {
            self.current().close();
        }
    }

    pub async fn create_offer(&self) -> Result<SessionDescription> {
        let link = self.link()?;
        match self.shared.screen.load(Ordering::SeqCst) {
            1 => link.set_screen(true)?,
            2 => link.set_screen(false)?,
            _ => {}
        }
        link.create_offer().await
    }

    /// Send the engine's shared screen to this peer on a transceiver of its
    /// own (sendonly, after the camera's), or stop (inactive); the page
    /// offers next, as after addTransceiver or a direction change.
    pub fn set_screen(&self, on: bool) -> Result<()> {
        self.shared.screen.store(if on { 1 } else { 2 }, Ordering::SeqCst);
        self.link()?.set_screen(on)
    }

    pub async fn create_answer(&self) -> Result<SessionDescription> {
        self.link()?.create_answer().await
    }

    pub async fn set_local_description(&self, desc: &SessionDescription) -> Result<()> {
        self.link()?.set_local_description(desc).await
    }

    /// An offer with new ICE credentials (the other side restarts ICE) goes
    /// to a new webrtcbin; anything else to the one of now.
    ///
    /// A rollback of our own offer (the page's, before it takes a colliding
    /// offer, as a browser does implicitly) is a new webrtcbin as well.
    /// webrtcbin's own rollback is unfinished (its source calls it
    /// "completely untested"), and with it the colliding offer was never
    /// applied: two sides that restarted ICE at once (a link back just as
    /// both gave up on it) were left with no connection.
    pub async fn set_remote_description(&self, desc: &SessionDescription) -> Result<()> {
        let link = self.link()?;
        if desc.kind == SdpType::Rollback && link.signaling_state() == "have-local-offer" {
            tracing::info!(peer = %self.id(), "our offer gives way to theirs: a new webrtcbin will take it");
            return self.rebuild(false).await.map(|_| ());
        }
        if desc.kind == SdpType::Offer {
            let before = link.remote_ufrag();
            let now = ice_ufrag(&desc.sdp);
            if before.is_some() && now.is_some() && before != now {
                tracing::info!(peer = %self.id(), "the other side restarts ICE: a new webrtcbin takes its offer");
                return self.rebuild(false).await?.set_remote_description(desc).await;
            }
        }
        link.set_remote_description(desc).await
    }

    pub fn add_ice_candidate(&self, candidate: &IceCandidate) -> Result<()> {
        self.link()?.add_ice_candidate(candidate)
    }

    /// Restart ICE: a new webrtcbin, given the session so far, ready for
    /// the caller's next offer (which has new ICE credentials). Remote
    /// media stops until the other side has answered it.
    pub async fn restart_ice(&self) -> Result<()> {
        tracing::info!(peer = %self.id(), "ICE restart: a new webrtcbin for this peer");
        self.rebuild(true).await.map(|_| ())
    }

    /// How many webrtcbins this peer had before the one of now.
    pub fn rebuilds(&self) -> u64 {
        self.current().generation()
    }

    pub fn request_keyframe(&self) -> Result<()> {
        self.link()?.request_keyframe(false)
    }

    /// A key frame of the screen the other side shares (RTCP PLI).
    pub fn request_screen_keyframe(&self) -> Result<()> {
        self.link()?.request_keyframe(true)
    }

    pub fn create_data_channel(&self, label: &str) -> Result<()> {
        self.link()?.create_data_channel(label)
    }

    pub fn send(&self, text: &str) -> Result<()> {
        self.link()?.send(text)
    }

    pub fn channel_open(&self) -> bool {
        self.current().channel_open()
    }

    /// The counters of the webrtcbin of now (they start again at a rebuild).
    pub fn counters(&self) -> super::Counters {
        self.current().counters()
    }

    /// How loud the peer's audio (of the webrtcbin of now) and our microphone have been.
    pub fn audio_levels(&self) -> (crate::media::AudioLevel, crate::media::AudioLevel) {
        self.current().audio_levels()
    }

    pub async fn stats(&self) -> Result<serde_json::Value> {
        self.link()?.stats().await
    }

    /// Put a new webrtcbin in place of the one of now, which is closed (and
    /// says nothing more). `seed`: give it the other side's last offer and
    /// its own answer first, holding back the candidates that gathers until
    /// our next offer.
    async fn rebuild(&self, seed: bool) -> Result<Link> {
        let old = self.link()?;
        let (offer, channel) = old.carried();
        let fresh = self.shared.recipe.make()?;
        fresh.set_generation(old.generation() + 1);
        *self.shared.link.lock().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
        old.close();
        if let (true, Some(offer)) = (seed, offer) {
            fresh.hold_candidates();
            fresh.set_remote_description(&offer).await?;
            let answer = fresh.create_answer().await?;
            fresh.set_local_description(&answer).await?;
        }
        // A data channel again, opened by us whoever opened the old one:
        // webrtcbin offers no m=application without one (so its offer would
        // drop an m-line of the session), and the other side's is gone with
        // the old association (a browser takes ours as a new 'datachannel').
        if let Some(label) = channel {
            // The page's channel object says closed until the new one opens:
            // while it still said open, what the page sent went to a channel
            // not yet open and was lost (a share's stop reached the other
            // side some 16 s late); closed, the page relays through the host.
            fresh.channel_closed();
            fresh.create_data_channel(&label)?;
        }
        Ok(fresh)
    }
}

impl Link {
    fn remote_ufrag(&self) -> Option<String> {
        self.state().remote_ufrag.clone()
    }

    /// What a new webrtcbin keeps of this one: the other side's last offer
    /// and the label of its data channel (ours or theirs).
    fn carried(&self) -> (Option<SessionDescription>, Option<String>) {
        let state = self.state();
        let label = state.own_channel.clone().or_else(|| state.channel.as_ref().and_then(|c| c.label().map(|l| l.to_string())));
        (state.remote_offer.clone(), label)
    }

    fn channel_closed(&self) {
        super::emit(&self.inner, super::PeerEvent::Channel(false));
    }

    fn hold_candidates(&self) {
        self.state().held = Some(Vec::new());
    }

    fn generation(&self) -> u64 {
        self.state().generation
    }

    fn set_generation(&self, n: u64) {
        self.state().generation = n;
    }
}
