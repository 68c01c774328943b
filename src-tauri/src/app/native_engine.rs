//! The native WebRTC engine (`crate::media`) as Tauri commands, for windows
//! without RTCPeerConnection (Linux WebKitGTK). ui/js/native-engine.js
//! wraps these in the RTCPeerConnection surface the client uses.
//!
//! - One [`Engine`] per app, started by the first peer: its capture is the
//!   camera and microphone the person picked (else the defaults), or test
//!   patterns and tones with `LANCALL_TEST_SOURCE=1` (tests).
//! - The device picker lists what the engine can open (`native_devices`:
//!   GStreamer's device monitor, as `MediaDeviceInfo`s whose ids are the
//!   engine's device strings) and switches the capture mid-call
//!   (`native_use_device`, no renegotiation); a device that can't be opened
//!   is an error for the page and the one in use goes on.
//! - Each peer gets two `Channel`s from the page: one for its events (JSON,
//!   named as RTCPeerConnection's), one for its remote video as encoded VP8
//!   frames (`[flags u8][timestamp µs u64 LE][frame]`, flag 1 = key frame),
//!   which the page decodes with WebCodecs. Remote audio plays natively,
//!   all peers mixed on one path that the microphone's echo canceller hears.
//! - The page's own preview is the engine's encoded video too (same frame
//!   format, `native_preview`), so the camera is opened once, by the engine;
//!   only with WebKitGTK's mock camera (`LANCALL_MOCK_CAPTURE=1`, tests)
//!   and no test source does the page preview its getUserMedia camera.
//! - Every command that waits on webrtcbin is async, so the GTK main thread
//!   never blocks; errors reach the page as `{code, message}`.
//!
//! On other systems the webview has RTCPeerConnection and these commands
//! are not registered ([`handler`] passes everything through).

use tauri::ipc::Invoke;
use tauri::Runtime;

/// Set to `1` to send a test pattern and tone instead of the devices.
pub const TEST_SOURCE_ENV: &str = "LANCALL_TEST_SOURCE";

/// The app's engine, started on first use.
#[derive(Default)]
pub struct NativeEngine {
    #[cfg(target_os = "linux")]
    running: std::sync::Mutex<Option<std::sync::Arc<imp::Running>>>,
    /// Microphone and camera off (as the person last set them), kept
    /// across engine restarts.
    #[cfg(target_os = "linux")]
    muted: std::sync::Mutex<(bool, bool)>,
    /// The camera and microphone the person picked (device strings),
    /// opened when the engine starts and kept across restarts.
    #[cfg(target_os = "linux")]
    chosen: std::sync::Mutex<Chosen>,
}

/// Picked devices; none takes the default.
#[cfg(target_os = "linux")]
#[derive(Default, Clone)]
struct Chosen {
    video: Option<String>,
    audio: Option<String>,
}

/// `base` (the app's own commands) plus this module's `native_*` commands.
#[cfg(target_os = "linux")]
pub fn handler<R: Runtime>(
    base: impl Fn(Invoke<R>) -> bool + Send + Sync + 'static,
) -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    let native: fn(Invoke<R>) -> bool = tauri::generate_handler![
        imp::native_engine_check,
        imp::native_peer_create,
        imp::native_peer_close,
        imp::native_create_offer,
        imp::native_create_answer,
        imp::native_set_local_description,
        imp::native_set_remote_description,
        imp::native_add_ice_candidate,
        imp::native_restart_ice,
        imp::native_create_data_channel,
        imp::native_send,
        imp::native_stats,
        imp::native_set_media,
        imp::native_preview,
        imp::native_engine_stop,
        imp::native_request_keyframe,
        devices::native_devices,
        devices::native_current_devices,
        devices::native_use_device,
    ];
    move |invoke| {
        if invoke.message.command().starts_with("native_") {
            native(invoke)
        } else {
            base(invoke)
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn handler<R: Runtime>(
    base: impl Fn(Invoke<R>) -> bool + Send + Sync + 'static,
) -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    base
}

#[cfg(target_os = "linux")]
mod imp {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use serde_json::{json, Value};
    use tauri::ipc::{Channel, InvokeResponseBody};
    use tauri::State;

    use super::{Chosen, NativeEngine};
    use crate::media::{
        AudioOut, Config, EncodedFrame, Engine, Error, Event, IceCandidate, Kind, NativePeer, PeerEvent, Result,
        SessionDescription, Source,
    };

    /// A started engine and the page's channels of each peer.
    pub struct Running {
        pub(super) engine: Engine,
        peers: Mutex<HashMap<String, Slot>>,
        /// Where our own encoded video goes, for the page's preview.
        preview: Mutex<Option<Channel<InvokeResponseBody>>>,
    }

    #[derive(Clone)]
    struct Slot {
        peer: NativePeer,
        events: Channel<Value>,
        video: Channel<InvokeResponseBody>,
    }

    pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|e| e.into_inner())
    }

    impl NativeEngine {
        /// The engine, started (capture and all) on the first call.
        fn running(&self) -> Result<Arc<Running>> {
            let mut slot = lock(&self.running);
            if let Some(r) = slot.as_ref() {
                return Ok(r.clone());
            }
            let test = test_source();
            let chosen = lock(&self.chosen).clone();
            let config = |chosen: &Chosen| Config {
                source: Source::Devices {
                    video: Some(chosen.video.clone().unwrap_or_else(|| default_device(Kind::Video, test))),
                    audio: Some(chosen.audio.clone().unwrap_or_else(|| default_device(Kind::Audio, test))),
                },
                // Tests run where there may be no sound device.
                audio_out: if test { AudioOut::Discard } else { AudioOut::Speakers },
                forward_video: true,
                voice_processing: !test,
                ..Config::default()
            };
            let (engine, mut events) = match Engine::new(config(&chosen)) {
                Ok(started) => started,
                // A picked device gone since: the defaults will do.
                Err(e) if chosen.video.is_some() || chosen.audio.is_some() => {
                    tracing::warn!(cause = %e, "the picked devices did not open; trying the defaults");
                    *lock(&self.chosen) = Chosen::default();
                    Engine::new(config(&Chosen::default()))?
                }
                Err(e) => return Err(e),
            };
            let running = Arc::new(Running { engine, peers: Mutex::new(HashMap::new()), preview: Mutex::new(None) });
            // Weak: the engine holds the events' sender, so a strong
            // reference here would keep it (and the camera) alive forever.
            let pump = Arc::downgrade(&running);
            tauri::async_runtime::spawn(async move {
                while let Some(event) = events.recv().await {
                    match pump.upgrade() {
                        Some(r) => r.dispatch(event),
                        None => break,
                    }
                }
            });
            let (mic_off, cam_off) = *lock(&self.muted);
            running.engine.set_audio_enabled(!mic_off);
            running.engine.set_video_enabled(!cam_off);
            *slot = Some(running.clone());
            Ok(running)
        }

        /// The engine if it runs; never starts it (a stopped engine stays stopped).
        pub(super) fn current(&self) -> Option<Arc<Running>> {
            lock(&self.running).clone()
        }

        fn peer(&self, id: &str) -> Result<NativePeer> {
            let running = self.current().ok_or(Error::Closed)?;
            let peers = lock(&running.peers);
            peers.get(id).map(|s| s.peer.clone()).ok_or(Error::Closed)
        }
    }

    impl Running {
        /// One engine event to the page of the peer it is about.
        fn dispatch(&self, event: Event) {
            match event {
                Event::Peer { id, event } => {
                    let Some(slot) = lock(&self.peers).get(&id).cloned() else { return };
                    let sent = match event {
                        PeerEvent::Video(frame) => slot.video.send(InvokeResponseBody::Raw(frame_bytes(&frame))),
                        other => slot.events.send(event_json(other)),
                    };
                    if let Err(e) = sent {
                        tracing::debug!(peer = %id, cause = %e, "the page did not take a native engine event");
                    }
                }
                Event::LocalVideo(frame) => {
                    let channel = lock(&self.preview).clone();
                    if let Some(c) = channel {
                        if c.send(InvokeResponseBody::Raw(frame_bytes(&frame))).is_err() {
                            *lock(&self.preview) = None;
                            self.engine.set_preview(false);
                        }
                    }
                }
                Event::Error { peer, message } => {
                    tracing::warn!(peer = ?peer, %message, "native engine");
                    let slots: Vec<Slot> = match &peer {
                        Some(id) => lock(&self.peers).get(id).cloned().into_iter().collect(),
                        None => lock(&self.peers).values().cloned().collect(),
                    };
                    for s in slots {
                        let _ = s.events.send(json!({ "type": "error", "message": message }));
                    }
                }
            }
        }
    }

    pub(super) fn test_source() -> bool {
        std::env::var(super::TEST_SOURCE_ENV).is_ok_and(|v| v == "1")
    }

    /// What the engine opens when nothing was picked.
    fn default_device(kind: Kind, test: bool) -> String {
        match (kind, test) {
            (Kind::Video, true) => "test:ball".into(),
            (Kind::Audio, true) => "test:sine".into(),
            (_, false) => "auto".into(),
        }
    }

    fn frame_bytes(frame: &EncodedFrame) -> Vec<u8> {
        let mut out = Vec::with_capacity(frame.data.len() + 9);
        out.push(u8::from(frame.key));
        out.extend_from_slice(&frame.timestamp_us.to_le_bytes());
        out.extend_from_slice(&frame.data);
        out
    }

    fn event_json(event: PeerEvent) -> Value {
        match event {
            PeerEvent::NegotiationNeeded => json!({ "type": "negotiationneeded" }),
            PeerEvent::Candidate(c) => json!({ "type": "icecandidate", "candidate": c }),
            PeerEvent::ConnectionState(s) => json!({ "type": "connectionstatechange", "state": s }),
            PeerEvent::IceConnectionState(s) => json!({ "type": "iceconnectionstatechange", "state": s }),
            PeerEvent::SignalingState(s) => json!({ "type": "signalingstatechange", "state": s }),
            PeerEvent::Track(kind) => json!({ "type": "track", "kind": kind }),
            PeerEvent::Channel(open) => json!({ "type": "channel", "open": open }),
            PeerEvent::Message(text) => json!({ "type": "message", "data": text }),
            PeerEvent::Video(_) => Value::Null,
        }
    }

    /// Whether the engine can run here (GStreamer and its plugins are
    /// installed), asked by the page before it picks an engine; `preview`
    /// says whether the page should preview the engine's video rather than
    /// open the camera itself.
    #[tauri::command]
    pub async fn native_engine_check() -> Result<Value> {
        crate::media::init()?;
        let flag = |name: &str| std::env::var(name).is_ok_and(|v| v == "1");
        let mock = flag(crate::app::permissions::MOCK_CAPTURE_ENV) && !flag(super::TEST_SOURCE_ENV);
        Ok(json!({ "preview": !mock }))
    }

    /// Stop the engine: every connection and the capture (the camera's
    /// light goes out). The next peer or preview starts it again.
    #[tauri::command]
    pub async fn native_engine_stop(state: State<'_, NativeEngine>) -> Result<()> {
        let running = lock(&state.running).take();
        if let Some(r) = running {
            let peers: Vec<Slot> = lock(&r.peers).drain().map(|(_, s)| s).collect();
            for s in peers {
                s.peer.close();
            }
            *lock(&r.preview) = None;
            // Capture stops when `Running` drops; stopping a pipeline can
            // wait on its threads: not on this one.
            tauri::async_runtime::spawn_blocking(move || drop(r));
        }
        Ok(())
    }

    /// Our own video from now on to `channel` (each call replaces the last
    /// and asks the encoder for a key frame, so a new decoder can start).
    #[tauri::command]
    pub async fn native_preview(state: State<'_, NativeEngine>, channel: Channel<InvokeResponseBody>) -> Result<()> {
        let running = state.running()?;
        *lock(&running.preview) = Some(channel);
        running.engine.set_preview(true);
        Ok(())
    }

    /// A new connection; its events and remote video go to the two channels.
    #[tauri::command]
    pub async fn native_peer_create(
        state: State<'_, NativeEngine>,
        events: Channel<Value>,
        video: Channel<InvokeResponseBody>,
    ) -> Result<String> {
        let running = state.running()?;
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = format!("p{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let peer = running.engine.peer(&id)?;
        lock(&running.peers).insert(id.clone(), Slot { peer, events, video });
        Ok(id)
    }

    #[tauri::command]
    pub async fn native_peer_close(state: State<'_, NativeEngine>, id: String) -> Result<()> {
        let Some(running) = state.current() else { return Ok(()) };
        let slot = lock(&running.peers).remove(&id);
        if let Some(s) = slot {
            s.peer.close();
        }
        Ok(())
    }

    #[tauri::command]
    pub async fn native_create_offer(state: State<'_, NativeEngine>, id: String) -> Result<SessionDescription> {
        state.peer(&id)?.create_offer().await
    }

    #[tauri::command]
    pub async fn native_create_answer(state: State<'_, NativeEngine>, id: String) -> Result<SessionDescription> {
        state.peer(&id)?.create_answer().await
    }

    /// Answers the signaling state after the step.
    #[tauri::command]
    pub async fn native_set_local_description(
        state: State<'_, NativeEngine>,
        id: String,
        description: SessionDescription,
    ) -> Result<String> {
        let peer = state.peer(&id)?;
        peer.set_local_description(&description).await?;
        Ok(peer.signaling_state())
    }

    /// Answers the signaling state after the step.
    #[tauri::command]
    pub async fn native_set_remote_description(
        state: State<'_, NativeEngine>,
        id: String,
        description: SessionDescription,
    ) -> Result<String> {
        let peer = state.peer(&id)?;
        peer.set_remote_description(&description).await?;
        Ok(peer.signaling_state())
    }

    #[tauri::command]
    pub async fn native_add_ice_candidate(
        state: State<'_, NativeEngine>,
        id: String,
        candidate: IceCandidate,
    ) -> Result<()> {
        state.peer(&id)?.add_ice_candidate(&candidate)
    }

    #[tauri::command]
    pub async fn native_restart_ice(state: State<'_, NativeEngine>, id: String) -> Result<()> {
        state.peer(&id)?.restart_ice()
    }

    /// The page's decoder needs a key frame from this peer.
    #[tauri::command]
    pub async fn native_request_keyframe(state: State<'_, NativeEngine>, id: String) -> Result<()> {
        state.peer(&id)?.request_keyframe()
    }

    #[tauri::command]
    pub async fn native_create_data_channel(state: State<'_, NativeEngine>, id: String, label: String) -> Result<()> {
        state.peer(&id)?.create_data_channel(&label)
    }

    #[tauri::command]
    pub async fn native_send(state: State<'_, NativeEngine>, id: String, text: String) -> Result<()> {
        state.peer(&id)?.send(&text)
    }

    /// The frame counters and webrtcbin's own statistics.
    #[tauri::command]
    pub async fn native_stats(state: State<'_, NativeEngine>, id: String) -> Result<Value> {
        let peer = state.peer(&id)?;
        let report = peer.stats().await?;
        Ok(json!({ "counters": peer.counters(), "report": report, "connection": peer.connection_state() }))
    }

    /// Microphone and camera on or off, for every peer.
    #[tauri::command]
    pub async fn native_set_media(state: State<'_, NativeEngine>, mic: bool, cam: bool) -> Result<()> {
        *lock(&state.muted) = (!mic, !cam);
        if let Some(running) = state.current() {
            running.engine.set_audio_enabled(mic);
            running.engine.set_video_enabled(cam);
        }
        Ok(())
    }
}

#[cfg(target_os = "linux")]
mod devices {
    //! The device picker's commands.

    use serde_json::{json, Value};
    use tauri::State;

    use super::imp::lock;
    use super::NativeEngine;
    use crate::media::{Kind, Result};

    /// The cameras and microphones the engine can open, in the shape of
    /// `MediaDeviceInfo` (`deviceId`, `kind`, `label`); with the test source,
    /// test patterns and tones too.
    #[tauri::command]
    pub async fn native_devices() -> Result<Value> {
        let test = super::imp::test_source();
        let list = tauri::async_runtime::spawn_blocking(move || crate::media::devices(test))
            .await
            .map_err(|e| crate::media::Error::Init(e.to_string()))??;
        let list: Vec<Value> = list
            .into_iter()
            .map(|d| {
                let kind = if d.kind == Kind::Video { "videoinput" } else { "audioinput" };
                json!({ "deviceId": d.id, "kind": kind, "label": d.label, "groupId": "" })
            })
            .collect();
        Ok(Value::Array(list))
    }

    /// The devices captured from now (or to be opened when the engine starts).
    #[tauri::command]
    pub async fn native_current_devices(state: State<'_, NativeEngine>) -> Result<Value> {
        let chosen = lock(&state.chosen).clone();
        let (video, audio) = match state.current() {
            Some(r) => (r.engine.device(Kind::Video), r.engine.device(Kind::Audio)),
            None => (chosen.video, chosen.audio),
        };
        Ok(json!({ "video": video, "audio": audio }))
    }

    /// Capture `kind` from `device` from now on, mid-call too (no
    /// renegotiation). If it can't be opened the error says why and the
    /// device in use goes on.
    #[tauri::command]
    pub async fn native_use_device(state: State<'_, NativeEngine>, kind: Kind, device: String) -> Result<()> {
        if let Some(running) = state.current() {
            running.engine.use_device(kind, &device).await?;
        }
        let mut chosen = lock(&state.chosen);
        match kind {
            Kind::Video => chosen.video = Some(device),
            Kind::Audio => chosen.audio = Some(device),
        }
        Ok(())
    }
}
