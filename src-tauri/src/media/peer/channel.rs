//! The `lancall` data channel of a [`super::NativePeer`]: made by the side that
//! offers first or announced by webrtcbin to the other, its open, close and
//! messages turned into [`PeerEvent`]s. Kept in the peer's state so `send`
//! and `close` find it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_webrtc as gst_webrtc;

use super::{emit, Inner, Link};
use crate::media::error::{Error, Result};
use crate::media::{Event, PeerEvent};

/// The label of the call's data channel, as lancall's client opens it.
pub(super) const LABEL: &str = "lancall";

/// Data channel messages from one peer passed to the page a second, and at
/// once; the rest are dropped here. The page paces them the same way
/// (`ui/js/flood.js`), but each one that reaches it costs a webview call:
/// a peer that sent 20,000 at once kept the app's two processes busy for
/// seconds. No client sends anywhere near this.
const RATE: f64 = 200.0;
const BURST: f64 = 400.0;

/// The size from which a message is not one of lancall's, in bytes.
/// A client's messages are a few hundred bytes; a chat message is shown up
/// to 4,000 characters. It is also where GStreamer 1.22's SCTP (usrsctp's
/// partial delivery) cuts a longer message: a hostile peer's 1 MiB came as
/// fifteen messages of 66,120 bytes and a tail, each passed on as if whole
/// (`on-message-string` has no mark for a piece). So a message this long
/// is a piece of one too big: it and the pieces after it, up to the first
/// shorter one (its tail), are dropped, and the page is told once.
pub(super) const PIECE: usize = 65_536;

/// What becomes of one message from the peer.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Admit {
    /// To the page.
    Pass,
    /// Dropped: over the pace, or a further piece of a message too big.
    Drop,
    /// Dropped, the first piece of a message too big: say so.
    TooBig,
}

/// A token bucket over one peer's data channel messages, and whether a
/// message too big is coming in pieces.
#[derive(Debug)]
pub(super) struct Pace {
    tokens: f64,
    at: Option<std::time::Instant>,
    dropped: u64,
    in_piece: bool,
}

impl Default for Pace {
    fn default() -> Self {
        Pace { tokens: BURST, at: None, dropped: 0, in_piece: false }
    }
}

impl Pace {
    /// Spend a token for a message arriving `now`; false: drop it.
    pub(super) fn take(&mut self, now: std::time::Instant) -> bool {
        if let Some(at) = self.at {
            self.tokens = (self.tokens + now.saturating_duration_since(at).as_secs_f64() * RATE).min(BURST);
        }
        self.at = Some(now);
        if self.tokens < 1.0 {
            self.dropped += 1;
            return false;
        }
        self.tokens -= 1.0;
        true
    }

    /// A message of `len` bytes arriving `now` (see [`PIECE`], [`Pace::take`]).
    pub(super) fn admit(&mut self, now: std::time::Instant, len: usize) -> Admit {
        if len >= PIECE {
            let first = !self.in_piece;
            self.in_piece = true;
            return if first { Admit::TooBig } else { Admit::Drop };
        }
        if std::mem::take(&mut self.in_piece) {
            return Admit::Drop; // the tail
        }
        if self.take(now) {
            Admit::Pass
        } else {
            Admit::Drop
        }
    }
}

/// Whether a message of `len` bytes from `inner`'s peer may go to the page
/// now (see [`Pace`]); the page hears of one too big.
fn admitted(inner: &Inner, len: usize) -> bool {
    let mut pace = inner.pace.lock().unwrap_or_else(|e| e.into_inner());
    let admit = pace.admit(std::time::Instant::now(), len);
    // Said once per thousand dropped: a flood must not flood the log too.
    if admit == Admit::Drop && pace.dropped % 1000 == 1 {
        tracing::info!(peer = %inner.id, dropped = pace.dropped, "a peer sends data channel messages faster than {RATE}/s; the excess is dropped");
    }
    drop(pace);
    if admit == Admit::TooBig {
        tracing::info!(peer = %inner.id, "a peer sent a data channel message of {PIECE} bytes or more; dropped");
        if !inner.closed.load(std::sync::atomic::Ordering::SeqCst) {
            let message = format!("sent a data channel message of {} KiB or more, which no client sends; it was dropped", PIECE / 1024);
            let _ = inner.events.send(Event::Error { peer: Some(inner.id.clone()), message });
        }
    }
    admit == Admit::Pass
}

impl Link {
    /// Open the `lancall` data channel (the side that makes the first offer does).
    pub fn create_data_channel(&self, label: &str) -> Result<()> {
        self.live()?;
        let channel = self
            .inner
            .webrtc
            .emit_by_name::<Option<gst_webrtc::WebRTCDataChannel>>("create-data-channel", &[&label, &None::<gst::Structure>])
            .ok_or_else(|| Error::Negotiation("webrtcbin made no data channel".into()))?;
        bind_channel(&self.inner, channel);
        self.state().own_channel = Some(label.to_owned());
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

    pub fn channel_open(&self) -> bool {
        self.state().channel.as_ref().is_some_and(|c| c.ready_state() == gst_webrtc::WebRTCDataChannelState::Open)
    }
}

pub(super) fn bind_channel(inner: &Arc<Inner>, channel: gst_webrtc::WebRTCDataChannel) {
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
            if admitted(&i, text.len()) {
                emit(&i, PeerEvent::Message(text.to_owned()));
            }
        }
    });
    let w = Arc::downgrade(inner);
    channel.connect_on_message_data(move |_, data| {
        if let (Some(i), Some(data)) = (w.upgrade(), data) {
            if admitted(&i, data.len()) {
                emit(&i, PeerEvent::Message(String::from_utf8_lossy(data).into_owned()));
            }
        }
    });
    let open_now = channel.ready_state() == gst_webrtc::WebRTCDataChannelState::Open;
    inner.state.lock().unwrap_or_else(|e| e.into_inner()).channel = Some(channel);
    if open_now && !opened.swap(true, Ordering::SeqCst) {
        emit(inner, PeerEvent::Channel(true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_burst_passes_then_the_rate_and_the_rest_is_dropped() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        let passed = (0..20_000).filter(|_| pace.take(t0)).count();
        assert_eq!(passed, BURST as usize, "a burst at one instant");
        let later = t0 + Duration::from_secs(1);
        let passed = (0..20_000).filter(|_| pace.take(later)).count();
        assert_eq!(passed, RATE as usize, "a second later, a second's worth");
        assert_eq!(pace.dropped, 2 * 20_000 - (BURST + RATE) as u64);
    }

    #[test]
    fn a_message_too_big_comes_in_pieces_and_is_dropped_whole_once() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        assert_eq!(pace.admit(t0, 120), Admit::Pass);
        // 1 MiB as GStreamer 1.22 hands it over: fifteen pieces of 66,120 bytes and a tail.
        assert_eq!(pace.admit(t0, 66_120), Admit::TooBig);
        for _ in 0..14 {
            assert_eq!(pace.admit(t0, 66_120), Admit::Drop);
        }
        assert_eq!(pace.admit(t0, 56_821), Admit::Drop, "the tail");
        assert_eq!(pace.admit(t0, 80), Admit::Pass, "the next message is whole");
        assert_eq!(pace.admit(t0, PIECE - 1), Admit::Pass, "just under a piece passes");
    }

    #[test]
    fn a_client_sending_at_its_own_pace_loses_nothing() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        // Twenty messages a second for a minute: far above a person typing.
        assert!((0..1200).all(|n| pace.take(t0 + Duration::from_millis(50 * n))));
    }
}
