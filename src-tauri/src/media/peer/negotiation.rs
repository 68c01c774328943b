//! Offer/answer and ICE for one [`Link`] of a [`super::NativePeer`]: the
//! RTCPeerConnection methods that change its session (descriptions,
//! candidates; a restart is a new link, see `handle`).
//! webrtcbin answers those through promises, awaited here with a time limit
//! (`promise`/`wait`, which `stats` uses for getStats too). Remote input is
//! checked here before webrtcbin sees it, so a bad peer gets a typed error,
//! not a stuck or crashed pipeline.

use std::time::Duration;

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_sdp as gst_sdp;
use gstreamer_webrtc as gst_webrtc;
use tokio::sync::oneshot;

use super::{emit, Link};
use crate::media::dtls;
use crate::media::error::{Error, Result};
use crate::media::sdp::{self, IceCandidate, SdpType, SessionDescription};
use crate::media::PeerEvent;

/// How long webrtcbin may take to answer one step before we give up on it.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

impl Link {
    /// An offer with our audio, video and (if made) data channel.
    pub async fn create_offer(&self) -> Result<SessionDescription> {
        self.live()?;
        self.attach_senders(None)?;
        let reply = self.step("create-offer", None).await?;
        self.ours(description_from(&reply, "offer")?)
    }

    /// An answer to the remote offer set before.
    pub async fn create_answer(&self) -> Result<SessionDescription> {
        self.live()?;
        let reply = self.step("create-answer", None).await?;
        self.ours(description_from(&reply, "answer")?)
    }

    pub async fn set_local_description(&self, desc: &SessionDescription) -> Result<()> {
        self.live()?;
        let parsed = to_webrtc(desc)?;
        self.step("set-local-description", Some(&parsed)).await?;
        if desc.kind == SdpType::Rollback {
            return Ok(());
        }
        let held = {
            let mut state = self.state();
            state.local_mids = sdp::mids(&desc.sdp);
            if desc.kind == SdpType::Offer { state.held.take() } else { None }
        };
        // Candidates gathered while this (rebuilt) link was given the old
        // session belong to the offer just made: they go out after it.
        for c in held.into_iter().flatten() {
            let mid = self.state().local_mids.get(c.sdp_mline_index.unwrap_or(0) as usize).cloned().flatten();
            emit(&self.inner, PeerEvent::Candidate(IceCandidate { sdp_mid: mid.or(c.sdp_mid), ..c }));
        }
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
            {
                let mut state = self.state();
                state.remote = Some(summary);
                state.remote_ufrag = ice_ufrag(&desc.sdp);
                if desc.kind == SdpType::Offer {
                    state.remote_offer = Some(desc.clone());
                }
            }
            if desc.kind == SdpType::Offer {
                self.keep_screen_mline(&desc.sdp)?;
            }
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

    /// A description webrtcbin made, with our certificate's true fingerprint.
    fn ours(&self, mut desc: SessionDescription) -> Result<SessionDescription> {
        desc.sdp = dtls::with_fingerprint(&desc.sdp, &self.inner.fingerprint);
        Ok(desc)
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
}

/// The session's (or its first m-section's) `a=ice-ufrag`.
pub(super) fn ice_ufrag(sdp: &str) -> Option<String> {
    sdp.lines().find_map(|l| l.trim_end().strip_prefix("a=ice-ufrag:")).map(str::to_owned)
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

pub(super) fn promise() -> (gst::Promise, oneshot::Receiver<std::result::Result<Option<gst::Structure>, String>>) {
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

pub(super) async fn wait(rx: oneshot::Receiver<std::result::Result<Option<gst::Structure>, String>>) -> Result<Option<gst::Structure>> {
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
