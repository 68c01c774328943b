//! The engine's one error type. Every failure a peer can cause (a bad SDP, a
//! candidate for an m-line that does not exist, a negotiation webrtcbin
//! refuses) is one of these, returned to the caller: nothing the network
//! sends makes the engine panic or stops the other peers.

use serde::ser::SerializeStruct;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// GStreamer could not start, or plugins the engine needs are missing.
    #[error("GStreamer is not usable: {0}")]
    Init(String),
    #[error("GStreamer plugins are missing: {0} (install gstreamer1.0-plugins-bad, -good, -base and gstreamer1.0-nice)")]
    MissingElements(String),
    /// Building or starting a pipeline failed (a device may be busy or gone).
    #[error("media pipeline: {0}")]
    Pipeline(String),
    /// A camera or microphone could not be used (unknown, gone, busy or
    /// silent); what was captured before goes on.
    #[error("the device can't be used: {0}")]
    Device(String),
    #[error("the session description is malformed: {0}")]
    BadSdp(String),
    #[error("the other side offers no codec this engine speaks (VP8 video, Opus audio or a data channel)")]
    NoCommonCodec,
    #[error("an ICE candidate for an m-line the session does not have ({0})")]
    UnknownMLine(String),
    #[error("the ICE candidate is malformed: {0}")]
    BadCandidate(String),
    /// An entry of the client's `iceServers` webrtcbin can't use.
    #[error("the STUN/TURN server can't be used: {0}")]
    BadIceServer(String),
    /// webrtcbin refused an offer/answer step (wrong signaling state, …).
    #[error("negotiation failed: {0}")]
    Negotiation(String),
    #[error("the connection is closed")]
    Closed,
    /// The person closed the system's screen picker or refused to share:
    /// nothing went wrong, nothing is shared.
    #[error("screen sharing was cancelled")]
    Cancelled,
    /// The xdg-desktop-portal ScreenCast portal answered but could not
    /// start a share.
    #[error("the screen-sharing portal failed: {0}")]
    Portal(String),
}

impl Error {
    /// A stable identifier for programs (the UI picks its message by it).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Init(_) => "init",
            Error::MissingElements(_) => "missing_plugins",
            Error::Pipeline(_) => "pipeline",
            Error::Device(_) => "device",
            Error::BadSdp(_) => "bad_sdp",
            Error::NoCommonCodec => "no_common_codec",
            Error::UnknownMLine(_) => "unknown_mline",
            Error::BadCandidate(_) => "bad_candidate",
            Error::BadIceServer(_) => "bad_ice_server",
            Error::Negotiation(_) => "negotiation",
            Error::Closed => "closed",
            Error::Cancelled => "cancelled",
            Error::Portal(_) => "portal",
        }
    }
}

impl From<gstreamer::glib::BoolError> for Error {
    fn from(e: gstreamer::glib::BoolError) -> Self {
        Error::Pipeline(e.to_string())
    }
}

impl From<gstreamer::StateChangeError> for Error {
    fn from(e: gstreamer::StateChangeError) -> Self {
        Error::Pipeline(e.to_string())
    }
}

/// `{code, message}`, so a Tauri command hands the UI something to show.
impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Error", 2)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
