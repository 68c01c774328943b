//! What crosses between the native engine and the page, as types: the
//! events on each peer's channel, the replies of the commands that answer
//! more than one value, and the frame format of the video channels. Their
//! TypeScript is `ui/js/types/native.d.ts`, made from these types by
//! `make types` and checked by `typescript_is_current`.

use serde::Serialize;
use serde_json::Value;

use crate::media::{AudioLevel, Counters, EncodedFrame, IceCandidate, Kind, PeerEvent};

/// One event of one peer, named and shaped as RTCPeerConnection's, which
/// `NativePeerConnection` re-dispatches to the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum NativeEvent {
    /// Something changed that needs an offer.
    NegotiationNeeded,
    /// A local ICE candidate for the other side.
    IceCandidate { candidate: IceCandidate },
    ConnectionStateChange {
        #[cfg_attr(test, ts(type = "RTCPeerConnectionState"))]
        state: String,
    },
    IceConnectionStateChange {
        #[cfg_attr(test, ts(type = "RTCIceConnectionState"))]
        state: String,
    },
    SignalingStateChange {
        #[cfg_attr(test, ts(type = "RTCSignalingState"))]
        state: String,
    },
    /// Remote media of this kind started arriving.
    Track {
        #[cfg_attr(test, ts(type = "'audio' | 'video' | 'screen'"))]
        kind: String,
    },
    /// The data channel opened (true) or closed (false).
    Channel { open: bool },
    /// A text message on the data channel.
    Message { data: String },
    /// This peer's pipeline failed; the others go on.
    Error { message: String },
}

impl NativeEvent {
    /// The page's form of an engine event; remote video goes on the video
    /// channel instead (see [`frame_bytes`]).
    pub fn of(event: PeerEvent) -> Option<NativeEvent> {
        Some(match event {
            PeerEvent::NegotiationNeeded => NativeEvent::NegotiationNeeded,
            PeerEvent::Candidate(candidate) => NativeEvent::IceCandidate { candidate },
            PeerEvent::ConnectionState(state) => NativeEvent::ConnectionStateChange { state },
            PeerEvent::IceConnectionState(state) => NativeEvent::IceConnectionStateChange { state },
            PeerEvent::SignalingState(state) => NativeEvent::SignalingStateChange { state },
            PeerEvent::Track(kind) => NativeEvent::Track { kind },
            PeerEvent::Channel(open) => NativeEvent::Channel { open },
            PeerEvent::Message(data) => NativeEvent::Message { data },
            PeerEvent::Video(_) | PeerEvent::Screen(_) => return None,
        })
    }
}

/// `native_engine_check`: the engine can run here.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct EngineCheck {
    /// Whether the page previews the engine's own video (else it opens the
    /// camera itself: WebKitGTK's mock camera in tests).
    pub preview: bool,
}

/// `native_stats`: the engine's frame counters and webrtcbin's statistics.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct PeerStats {
    pub counters: Counters,
    /// webrtcbin's `get-stats` structure, as JSON (null when not asked for).
    #[cfg_attr(test, ts(type = "Record<string, unknown> | null"))]
    pub report: Value,
    #[cfg_attr(test, ts(type = "RTCPeerConnectionState"))]
    pub connection: String,
    /// Remote video frames dropped on their way to the page because it fell
    /// behind (`native::frames`).
    pub video_frames_dropped: u64,
    /// How loud the peer's audio has been: getStats' inbound audio fields.
    pub audio_in: AudioLevel,
    /// How loud our microphone has been (silence while muted): getStats' media-source.
    pub audio_out: AudioLevel,
}

/// A camera or microphone in the shape of `MediaDeviceInfo`, whose id is
/// the engine's device string.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DeviceInfo {
    pub device_id: String,
    #[cfg_attr(test, ts(type = "'videoinput' | 'audioinput'"))]
    pub kind: &'static str,
    pub label: String,
    pub group_id: String,
}

impl DeviceInfo {
    pub fn of(device: crate::media::Device) -> DeviceInfo {
        let kind = if device.kind == Kind::Video { "videoinput" } else { "audioinput" };
        DeviceInfo { device_id: device.id, kind, label: device.label, group_id: String::new() }
    }
}

/// `native_current_devices`: the device strings captured now (or to be
/// opened when the engine starts); none is the default.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CurrentDevices {
    pub video: Option<String>,
    pub audio: Option<String>,
}

/// One encoded video frame as the page's video channels carry it:
/// `[flags u8][timestamp µs u64 LE][frame]`, flag 1 a key frame.
pub fn frame_bytes(frame: &EncodedFrame) -> Vec<u8> {
    let mut out = Vec::with_capacity(frame.data.len() + 9);
    out.push(u8::from(frame.key));
    out.extend_from_slice(&frame.timestamp_us.to_le_bytes());
    out.extend_from_slice(&frame.data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ui/js/types/native.d.ts` is what these types say.
    #[test]
    fn typescript_is_current() {
        use crate::media::SessionDescription;
        crate::typescript::Declarations::new(
            "The native engine's bridge (src-tauri/src/app/native/bridge.rs): the events\nof each peer's channel and what the native_* commands take and answer.",
        )
        .add::<SessionDescription>()
        .add::<crate::media::SdpType>()
        .add::<IceCandidate>()
        .add::<crate::media::ice::Urls>()
        .add::<crate::media::ice::IceServer>()
        .add::<crate::media::ice::IcePolicy>()
        .add::<crate::media::ice::IceConfig>()
        .add::<Kind>()
        .add::<Counters>()
        .add::<AudioLevel>()
        .add::<NativeEvent>()
        .add::<EngineCheck>()
        .add::<PeerStats>()
        .add::<DeviceInfo>()
        .add::<CurrentDevices>()
        .add::<super::super::screen::ScreenShare>()
        .add::<super::super::screen::ScreenEnded>()
        .check("native.d.ts");
    }

    /// Events serialize as the page reads them: RTCPeerConnection's event
    /// names in `type`, the rest beside it.
    #[test]
    fn events_are_named_as_the_page_reads_them() {
        let json = |e: PeerEvent| serde_json::to_value(NativeEvent::of(e)).unwrap();
        assert_eq!(json(PeerEvent::NegotiationNeeded), serde_json::json!({ "type": "negotiationneeded" }));
        assert_eq!(
            json(PeerEvent::SignalingState("have-local-offer".into())),
            serde_json::json!({ "type": "signalingstatechange", "state": "have-local-offer" })
        );
        assert_eq!(
            json(PeerEvent::IceConnectionState("checking".into())),
            serde_json::json!({ "type": "iceconnectionstatechange", "state": "checking" })
        );
        assert_eq!(json(PeerEvent::Channel(true)), serde_json::json!({ "type": "channel", "open": true }));
        assert_eq!(json(PeerEvent::Message("hi".into())), serde_json::json!({ "type": "message", "data": "hi" }));
        let frame = EncodedFrame { key: true, timestamp_us: 7, data: vec![1, 2] };
        assert_eq!(NativeEvent::of(PeerEvent::Video(frame.clone())), None);
        assert_eq!(frame_bytes(&frame), [1, 7, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
    }
}
