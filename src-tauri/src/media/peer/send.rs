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
/// The screen's VP8, a payload type of its own: webrtcbin signals no SSRC
/// for a stream that has sent nothing yet, and in a bundle a receiver then
/// tells the screen from the camera only by payload type.
const SCREEN_PT: u8 = 98;

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
                    attach_sender(inner, kind, None, pt, false)?;
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
                        attach_sender(inner, kind, Some(i as u32), pt, false)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Send the engine's shared screen on a video transceiver of its own,
    /// sendonly, after the camera's (made on first use: the m-line a
    /// receiver tells from the camera's by its order), or stop sending it
    /// (it stays, sending nothing, for the next share). The caller offers
    /// next. Idempotent.
    pub(super) fn set_screen(&self, on: bool) -> Result<()> {
        use gst_webrtc::WebRTCRTPTransceiverDirection as D;
        self.live()?;
        self.attach_senders(None)?;
        let existing = self.state().screen.clone();
        match existing {
            // Stopping leaves the transceiver sendonly with nothing on it:
            // webrtcbin 1.22 sent nothing more once it had been made
            // inactive and sendonly again (a second share never arrived in
            // Chromium). The page's state message ends the share on the
            // other side (mesh.js shows a screen only while its sharer says so).
            Some(t) => t.set_direction(D::Sendonly),
            None if on => {
                let (pt, mline) = {
                    let state = self.state();
                    // A session that had our screen before (this webrtcbin
                    // rebuilt from it) keeps its m-line and payload type.
                    let offer = state.remote_offer.as_ref();
                    // Else the next m-line: a pad named for it is the one webrtcbin
                    // links when the session gets that m-line (a `sink_%u` one
                    // it left unlinked, making a pad of its own instead).
                    let next = u32::try_from(state.local_mids.len()).ok().filter(|n| *n > 0);
                    let mline = offer.and_then(|o| screen_mline(&o.sdp)).or(next);
                    let pt = mline
                        .and_then(|i| state.remote.as_ref().and_then(|r| r.media.get(i as usize)).and_then(|m| m.our_pt))
                        .unwrap_or(SCREEN_PT);
                    (pt, mline)
                };
                let t = attach_sender(&self.inner, Kind::Video, mline, pt, true)?;
                self.state().screen = Some(t);
            }
            None => {}
        }
        Ok(())
    }

    /// Given an offer that has our screen's m-line (a session that had our
    /// screen before this webrtcbin was rebuilt from it), put the screen's
    /// sender back on that m-line before we answer, sendonly and sending
    /// nothing until a share. webrtcbin 1.22 refuses a negotiated
    /// transceiver's change to any direction but inactive ("transceiver
    /// direction changes are not implemented"): answered inactive now, the
    /// m-line could never send again, and the next share after an ICE
    /// restart or a glare never reached the other side. This is the state a
    /// first share leaves behind anyway (see set_screen).
    pub(super) fn keep_screen_mline(&self, offer_sdp: &str) -> Result<()> {
        if self.state().screen.is_some() {
            return Ok(());
        }
        let Some(mline) = screen_mline(offer_sdp) else { return Ok(()) };
        let pt = {
            let state = self.state();
            state.remote.as_ref().and_then(|r| r.media.get(mline as usize)).and_then(|m| m.our_pt).unwrap_or(SCREEN_PT)
        };
        let t = attach_sender(&self.inner, Kind::Video, Some(mline), pt, true)?;
        self.state().screen = Some(t);
        Ok(())
    }
}

/// In the other side's offer, the video section after the first that only
/// receives (from them: our screen), by m-line index.
fn screen_mline(sdp: &str) -> Option<u32> {
    let sections = sdp.split("\nm=").skip(1);
    let mut videos = 0;
    for (i, section) in sections.enumerate() {
        if !section.starts_with("video") {
            continue;
        }
        videos += 1;
        if videos > 1 && section.lines().any(|l| l.trim_end() == "a=recvonly") {
            return u32::try_from(i).ok();
        }
    }
    None
}

/// webrtcbin's transceiver for an m-line, if it has one yet (its list is
/// in the order they were made, not by m-line).
fn transceiver_at(webrtc: &gst::Element, mline: u32) -> Option<gst_webrtc::WebRTCRTPTransceiver> {
    (0i32..)
        .map_while(|i| webrtc.emit_by_name::<Option<gst_webrtc::WebRTCRTPTransceiver>>("get-transceiver", &[&i]))
        .find(|t| t.mlineindex() == mline)
}

/// An SSRC of the screen's own: random (from the clock and the link's serial).
fn ssrc_for(serial: u64) -> u32 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    (nanos ^ (serial as u32).wrapping_mul(0x9E37_79B9)) | 1
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

/// appsrc (fed by the capture) ─ payloader ─ webrtcbin `sink_N`: the
/// camera and microphone sendrecv, the `screen` sendonly.
fn attach_sender(inner: &Arc<Inner>, kind: Kind, mline: Option<u32>, pt: u8, screen: bool) -> Result<gst_webrtc::WebRTCRTPTransceiver> {
    let src = gst_app::AppSrc::builder().format(gst::Format::Time).is_live(true).max_bytes(2 << 20).build();
    src.set_leaky_type(gst_app::AppLeakyType::Downstream);
    let mut pay = match kind {
        Kind::Video => gst::ElementFactory::make("rtpvp8pay").property_from_str("picture-id-mode", "15-bit"),
        Kind::Audio => gst::ElementFactory::make("rtpopuspay"),
    }
    .property("pt", u32::from(pt))
    .property("mtu", 1200u32);
    // The screen's SSRC is chosen here and put in the codec preferences, so
    // the offer made before its first frame signals it (a=ssrc): without,
    // a receiver has no way to route it in the bundle.
    let mut caps = codec_caps(kind, pt);
    if screen {
        let ssrc = ssrc_for(inner.serial);
        pay = pay.property("ssrc", ssrc);
        if let Some(c) = caps.get_mut() {
            c.set("ssrc", ssrc);
        }
    }
    let pay = pay.build()?;
    inner.pipeline.add_many([src.upcast_ref(), &pay])?;
    src.link(&pay)?;
    let name = mline.map(|i| format!("sink_{i}")).unwrap_or_else(|| "sink_%u".to_owned());
    if let Some(existing) = mline.filter(|_| screen).and_then(|i| transceiver_at(&inner.webrtc, i)) {
        // A webrtcbin rebuilt from the session (ICE restart, or our offer
        // giving way to theirs) made this m-line's transceiver from the
        // other side's offer, where our screen's m-line only receives.
        // webrtcbin refuses a sink pad for an m-line whose transceiver is
        // recvonly or inactive ("Tried to request a new sink pad sink_3 for
        // existing m-line 3, but the transceiver's direction is recvonly"),
        // so the share after such a rebuild never left: it sends first.
        use gst_webrtc::WebRTCRTPTransceiverDirection as D;
        if matches!(existing.direction(), D::Recvonly | D::Inactive) {
            existing.set_direction(if screen { D::Sendonly } else { D::Sendrecv });
        }
    }
    let pad = inner
        .webrtc
        .request_pad_simple(&name)
        .ok_or_else(|| Error::Negotiation(format!("webrtcbin gave no pad {name}")))?;
    let transceiver = pad.property::<gst_webrtc::WebRTCRTPTransceiver>("transceiver");
    transceiver.set_direction(if screen {
        gst_webrtc::WebRTCRTPTransceiverDirection::Sendonly
    } else {
        gst_webrtc::WebRTCRTPTransceiverDirection::Sendrecv
    });
    transceiver.set_codec_preferences(Some(&caps));
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
                        match capture.upgrade() {
                            Some(c) if screen => c.request_screen_keyframe(),
                            Some(c) => c.request_keyframe(),
                            None => {}
                        }
                    }
                }
                gst::PadProbeReturn::Ok
            });
        }
    }
    src.sync_state_with_parent()?;
    pay.sync_state_with_parent()?;
    if screen {
        inner.capture.subscribe_screen(inner.serial, src);
    } else {
        inner.capture.subscribe(inner.serial, kind, src);
    }
    Ok(transceiver)
}
