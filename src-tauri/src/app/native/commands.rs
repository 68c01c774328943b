//! The `native_*` commands of one peer and of the engine as a whole: what
//! the page's `NativePeerConnection` calls. Each is async, so the GTK main
//! thread never waits on webrtcbin.

use tauri::ipc::{Channel, InvokeResponseBody};
use tauri::State;

use super::bridge::{EngineCheck, NativeEvent, PeerStats};
use super::running::Slot;
use super::{lock, NativeEngine};
use crate::media::ice::IceConfig;
use crate::media::{IceCandidate, Result, SessionDescription};

/// Whether the engine can run here (GStreamer and its plugins are
/// installed), asked by the page before it picks an engine; `preview`
/// says whether the page should preview the engine's video rather than
/// open the camera itself.
#[tauri::command]
pub async fn native_engine_check() -> Result<EngineCheck> {
    crate::media::init()?;
    let mock = crate::app::test_hooks::mock_capture() && !super::test_source();
    Ok(EngineCheck { preview: !mock })
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
    *lock(&running.preview) = Some(super::frames::Stream::to(channel, "preview".into()));
    running.engine.set_preview(true);
    Ok(())
}

/// A new connection; its events and remote video go to the two channels,
/// and a screen the peer shares to the third.
/// `config`: the STUN/TURN servers and policy of the page's
/// RTCConfiguration (none: host candidates only, as on a LAN).
#[tauri::command]
pub async fn native_peer_create(
    state: State<'_, NativeEngine>,
    events: Channel<NativeEvent>,
    video: Channel<InvokeResponseBody>,
    screen: Channel<InvokeResponseBody>,
    config: Option<IceConfig>,
) -> Result<String> {
    let ice = config.unwrap_or_default();
    // Checked before the engine starts: a bad server is the page's error.
    ice.uris()?;
    let running = state.running()?;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = format!("p{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let peer = running.engine.peer_with(&id, ice)?;
    lock(&running.peers).insert(id.clone(), Slot::new(peer, events, video, Some(screen), &id));
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

/// Restart ICE the only way webrtcbin 1.22 can: a new webrtcbin for this
/// peer, ready for the page's next offer (see `media::peer::handle`).
/// Answers the signaling state after it.
#[tauri::command]
pub async fn native_restart_ice(state: State<'_, NativeEngine>, id: String) -> Result<String> {
    let peer = state.peer(&id)?;
    peer.restart_ice().await?;
    Ok(peer.signaling_state())
}

/// The page's decoder needs a key frame from this peer (of its camera, or
/// with `screen` of the screen it shares).
#[tauri::command]
pub async fn native_request_keyframe(state: State<'_, NativeEngine>, id: String, screen: Option<bool>) -> Result<()> {
    let peer = state.peer(&id)?;
    if screen == Some(true) {
        peer.request_screen_keyframe()
    } else {
        peer.request_keyframe()
    }
}

#[tauri::command]
pub async fn native_create_data_channel(state: State<'_, NativeEngine>, id: String, label: String) -> Result<()> {
    state.peer(&id)?.create_data_channel(&label)
}

#[tauri::command]
pub async fn native_send(state: State<'_, NativeEngine>, id: String, text: String) -> Result<()> {
    state.peer(&id)?.send(&text)
}

/// The frame counters, audio levels and webrtcbin's own statistics;
/// `report: false` leaves webrtcbin's out (null): the page's getStats reads
/// none of it, and polls a few times a second for the speaker's ring.
#[tauri::command]
pub async fn native_stats(state: State<'_, NativeEngine>, id: String, report: Option<bool>) -> Result<PeerStats> {
    let peer = state.peer(&id)?;
    let report = if report.unwrap_or(true) { peer.stats().await? } else { serde_json::Value::Null };
    let dropped = state.current().and_then(|r| lock(&r.peers).get(&id).map(|s| s.video.dropped())).unwrap_or(0);
    let (audio_in, audio_out) = peer.audio_levels();
    Ok(PeerStats {
        counters: peer.counters(),
        report,
        connection: peer.connection_state(),
        video_frames_dropped: dropped,
        audio_in,
        audio_out,
    })
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
