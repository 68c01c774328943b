//! Session descriptions and ICE candidates in the shapes the client sends
//! (`{type, sdp}` and `RTCIceCandidateInit`), and the checks an SDP from the
//! network passes before webrtcbin sees it: webrtcbin takes almost any text,
//! so what is malformed or offers nothing we can play is refused here, with
//! an error a person can read.

use serde::{Deserialize, Serialize};

use super::error::{Error, Result};

/// What kind of description: the `type` of an `RTCSessionDescriptionInit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum SdpType {
    Offer,
    Answer,
    Pranswer,
    Rollback,
}

/// `{"type": "offer", "sdp": "v=0\r\n…"}`, as ui/js/peer.js relays it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SessionDescription {
    #[serde(rename = "type")]
    pub kind: SdpType,
    #[serde(default)]
    pub sdp: String,
}

/// `RTCIceCandidateInit` as `RTCIceCandidate.toJSON()` gives it. An empty
/// `candidate` is the end-of-candidates marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(rename = "sdpMid", default)]
    #[cfg_attr(test, ts(optional = nullable))]
    pub sdp_mid: Option<String>,
    #[serde(rename = "sdpMLineIndex", default)]
    #[cfg_attr(test, ts(optional = nullable))]
    pub sdp_mline_index: Option<u32>,
    #[serde(rename = "usernameFragment", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub username_fragment: Option<String>,
}

/// The codecs this engine sends and receives.
pub const VIDEO_CODEC: &str = "VP8";
pub const AUDIO_CODEC: &str = "OPUS";

/// One m-section, as far as the engine cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// `audio`, `video` or `application`.
    pub kind: String,
    pub mid: Option<String>,
    /// Port 0 (without bundle-only): a rejected or stopped section.
    pub rejected: bool,
    /// Payload type of our codec for this kind, if offered.
    pub our_pt: Option<u8>,
    pub datachannel: bool,
    /// Port 0: rejected, or bundle-only (its transport is the bundle's).
    port_zero: bool,
}

/// What an SDP says, parsed leniently but checked strictly where it matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub media: Vec<Media>,
}

impl Summary {
    /// The m-line index a candidate belongs to: by `sdpMid` first, as
    /// browsers do, else by `sdpMLineIndex`.
    pub fn mline_of(&self, c: &IceCandidate) -> Result<u32> {
        if let Some(mid) = c.sdp_mid.as_deref().filter(|m| !m.is_empty()) {
            if let Some(i) = self.media.iter().position(|m| m.mid.as_deref() == Some(mid)) {
                return Ok(i as u32);
            }
            if c.sdp_mline_index.is_none() {
                return Err(Error::UnknownMLine(format!("mid {mid:?}")));
            }
        }
        match c.sdp_mline_index {
            Some(i) if (i as usize) < self.media.len() => Ok(i),
            Some(i) => Err(Error::UnknownMLine(format!("index {i} of {}", self.media.len()))),
            None => Err(Error::BadCandidate("neither sdpMid nor sdpMLineIndex".into())),
        }
    }
}

/// Parse and check an SDP from the other side.
pub fn check(sdp: &str, kind: SdpType) -> Result<Summary> {
    let bad = |why: &str| Err(Error::BadSdp(why.to_owned()));
    if sdp.len() > 256 * 1024 {
        return bad("larger than 256 KiB");
    }
    let mut lines = sdp.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.is_empty());
    if lines.next() != Some("v=0") {
        return bad("it does not start with v=0");
    }
    let mut media: Vec<Media> = Vec::new();
    let mut session_fingerprint = false;
    let mut media_fingerprint = Vec::new();
    let mut session_ice = false;
    let mut media_ice = Vec::new();
    for line in lines {
        let Some((key, value)) = line.split_once('=') else {
            return bad(&format!("line {line:?} is not key=value"));
        };
        if key.len() != 1 {
            return bad(&format!("line {line:?} is not key=value"));
        }
        match key {
            "m" => {
                let mut f = value.split(' ');
                let kind = f.next().unwrap_or_default().to_owned();
                let port = f.next().and_then(|p| p.split('/').next()?.parse::<u32>().ok());
                let proto = f.next().unwrap_or_default();
                let Some(port) = port else { return bad(&format!("m-line {line:?} has no port")) };
                if proto.is_empty() {
                    return bad(&format!("m-line {line:?} has no protocol"));
                }
                media.push(Media {
                    datachannel: kind == "application" && proto.contains("SCTP"),
                    kind,
                    mid: None,
                    rejected: port == 0,
                    port_zero: port == 0,
                    our_pt: None,
                });
                media_fingerprint.push(false);
                media_ice.push(false);
            }
            "a" => {
                let (name, arg) = value.split_once(':').unwrap_or((value, ""));
                let in_media = media.last_mut();
                match (name, in_media) {
                    ("fingerprint", None) => session_fingerprint = true,
                    ("fingerprint", Some(_)) => *media_fingerprint.last_mut().unwrap_or(&mut false) = true,
                    ("ice-ufrag", None) => session_ice = true,
                    ("ice-ufrag", Some(_)) => *media_ice.last_mut().unwrap_or(&mut false) = true,
                    ("mid", Some(m)) => m.mid = Some(arg.to_owned()),
                    // Port 0 with bundle-only is a section riding on the
                    // bundle's transport (webrtcbin's max-bundle offers), not a rejection.
                    ("bundle-only", Some(m)) => m.rejected = false,
                    ("rtpmap", Some(m)) => {
                        let (pt, codec) = arg.split_once(' ').unwrap_or((arg, ""));
                        let name = codec.split('/').next().unwrap_or_default();
                        let ours = match m.kind.as_str() {
                            "video" => VIDEO_CODEC,
                            "audio" => AUDIO_CODEC,
                            _ => "",
                        };
                        if !ours.is_empty() && name.eq_ignore_ascii_case(ours) && m.our_pt.is_none() {
                            m.our_pt = pt.parse::<u8>().ok().filter(|pt| *pt < 128);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if media.is_empty() {
        return bad("it has no media sections");
    }
    for (i, m) in media.iter().enumerate() {
        if m.rejected || m.port_zero {
            continue;
        }
        if !session_fingerprint && !media_fingerprint[i] {
            return bad(&format!("section {i} ({}) has no DTLS fingerprint", m.kind));
        }
        if !session_ice && !media_ice[i] {
            return bad(&format!("section {i} ({}) has no ICE credentials", m.kind));
        }
    }
    if kind == SdpType::Offer {
        let usable = media.iter().any(|m| !m.rejected && (m.our_pt.is_some() || m.datachannel));
        if !usable {
            return Err(Error::NoCommonCodec);
        }
    }
    Ok(Summary { media })
}

/// The `a=mid` of each m-section of an SDP we made, for candidates' `sdpMid`.
pub fn mids(sdp: &str) -> Vec<Option<String>> {
    let mut mids = Vec::new();
    for line in sdp.lines().map(|l| l.trim_end_matches('\r')) {
        if line.starts_with("m=") {
            mids.push(None);
        } else if let (Some(mid), Some(last)) = (line.strip_prefix("a=mid:"), mids.last_mut()) {
            *last = Some(mid.to_owned());
        }
    }
    mids
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n\
        a=fingerprint:sha-256 AA:BB\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=mid:0\r\na=ice-ufrag:x\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 96 98\r\na=mid:1\r\na=ice-ufrag:x\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:98 VP9/90000\r\n\
        m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\na=ice-ufrag:x\r\n";

    #[test]
    fn a_browser_offer_yields_our_payload_types_and_mids() {
        let s = check(OFFER, SdpType::Offer).unwrap();
        assert_eq!(s.media.len(), 3);
        assert_eq!(s.media[0].our_pt, Some(111));
        assert_eq!(s.media[1].our_pt, Some(96));
        assert!(s.media[2].datachannel);
        assert_eq!(mids(OFFER), vec![Some("0".into()), Some("1".into()), Some("2".into())]);
    }

    #[test]
    fn bundle_only_sections_at_port_zero_are_not_rejected() {
        let sdp = OFFER.replace("m=video 9", "m=video 0").replace("a=mid:1\r\n", "a=mid:1\r\na=bundle-only\r\n");
        let s = check(&sdp, SdpType::Offer).unwrap();
        assert!(!s.media[1].rejected);
        let rejected = OFFER.replace("m=video 9", "m=video 0");
        assert!(check(&rejected, SdpType::Offer).unwrap().media[1].rejected);
    }

    #[test]
    fn garbage_and_half_sdps_are_bad_sdp() {
        for sdp in ["", "hello", "v=0\r\nm=video\r\n", "v=0\r\ns=-\r\n", "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"] {
            assert!(matches!(check(sdp, SdpType::Offer), Err(Error::BadSdp(_))), "{sdp:?}");
        }
    }

    #[test]
    fn an_offer_of_only_h264_has_no_common_codec() {
        let sdp = OFFER.replace("opus", "G722").replace("VP8", "H264").replace("m=application 9", "m=application 0");
        assert!(matches!(check(&sdp, SdpType::Offer), Err(Error::NoCommonCodec)));
    }

    #[test]
    fn candidates_find_their_m_line_by_mid_then_index() {
        let s = check(OFFER, SdpType::Offer).unwrap();
        let c = |mid: Option<&str>, idx: Option<u32>| IceCandidate {
            candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host".into(),
            sdp_mid: mid.map(Into::into),
            sdp_mline_index: idx,
            username_fragment: None,
        };
        assert_eq!(s.mline_of(&c(Some("1"), None)).unwrap(), 1);
        assert_eq!(s.mline_of(&c(None, Some(2))).unwrap(), 2);
        assert!(matches!(s.mline_of(&c(Some("7"), None)), Err(Error::UnknownMLine(_))));
        assert!(matches!(s.mline_of(&c(None, Some(9))), Err(Error::UnknownMLine(_))));
    }
}
