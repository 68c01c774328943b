//! Our side of a [`super::NativePeer`]'s media: the capture's encoded audio and
//! video put on webrtcbin's transceivers (`appsrc` ─ payloader ─ `sink_N`),
//! with the codec each m-line offers or was offered. Apart from
//! negotiation because it is pipeline building, done once per connection
//! whichever side offers.

use std::sync::Arc;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_webrtc as gst_webrtc;

use super::{Inner, Link};
use crate::media::devices::Kind;
use crate::media::error::{Error, Result};
use crate::media::sdp::Summary;

/// Payload types we offer (Chromium's for VP8 and Opus); when answering we
/// take the offer's.
const VP8_PT: u8 = 96;
const OPUS_PT: u8 = 111;

impl Link {
    /// Put our encoded audio and video on transceivers: new ones when we
    /// offer first, the offer's (by m-line, with its payload types) when
    /// answering. Once per connection.
    pub(super) fn attach_senders(&self, offer: Option<&Summary>) -> Result<()> {
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
