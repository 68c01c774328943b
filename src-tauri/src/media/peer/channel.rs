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
use crate::media::PeerEvent;

/// The label of the call's data channel, as lancall's client opens it.
pub(super) const LABEL: &str = "lancall";

/// Data channel messages from one peer passed to the page a second, and at
/// once; the rest are dropped here. The page paces them the same way
/// (`ui/js/flood.js`), but each one that reaches it costs a webview call:
/// a peer that sent 20,000 at once kept the app's two processes busy for
/// seconds. No client sends anywhere near this.
const RATE: f64 = 200.0;
const BURST: f64 = 400.0;

/// A token bucket over one peer's data channel messages.
#[derive(Debug)]
pub(super) struct Pace {
    tokens: f64,
    at: Option<std::time::Instant>,
    dropped: u64,
}

impl Default for Pace {
    fn default() -> Self {
        Pace { tokens: BURST, at: None, dropped: 0 }
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
}

/// Whether a message from `inner`'s peer may go to the page now (see [`Pace`]).
fn paced(inner: &Inner) -> bool {
    let mut pace = inner.pace.lock().unwrap_or_else(|e| e.into_inner());
    let passed = pace.take(std::time::Instant::now());
    // Said once per thousand dropped: a flood must not flood the log too.
    if !passed && pace.dropped % 1000 == 1 {
        tracing::info!(peer = %inner.id, dropped = pace.dropped, "a peer sends data channel messages faster than {RATE}/s; the excess is dropped");
    }
    passed
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
            if paced(&i) {
                emit(&i, PeerEvent::Message(text.to_owned()));
            }
        }
    });
    let w = Arc::downgrade(inner);
    channel.connect_on_message_data(move |_, data| {
        if let (Some(i), Some(data)) = (w.upgrade(), data) {
            if paced(&i) {
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
    fn a_client_sending_at_its_own_pace_loses_nothing() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        // Twenty messages a second for a minute: far above a person typing.
        assert!((0..1200).all(|n| pace.take(t0 + Duration::from_millis(50 * n))));
    }
}
