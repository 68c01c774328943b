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
