//! The device picker's commands: what the engine can open (GStreamer's
//! device monitor, as `MediaDeviceInfo`s whose ids are the engine's device
//! strings) and switching the capture mid-call, with no renegotiation.

use tauri::State;

use super::bridge::{CurrentDevices, DeviceInfo};
use super::{lock, test_source, NativeEngine};
use crate::media::{Kind, Result};

/// The cameras and microphones the engine can open, in the shape of
/// `MediaDeviceInfo` (`deviceId`, `kind`, `label`); with the test source,
/// test patterns and tones too.
#[tauri::command]
pub async fn native_devices() -> Result<Vec<DeviceInfo>> {
    let test = test_source();
    let list = tauri::async_runtime::spawn_blocking(move || crate::media::devices(test))
        .await
        .map_err(|e| crate::media::Error::Init(e.to_string()))??;
    Ok(list.into_iter().map(DeviceInfo::of).collect())
}

/// The devices captured from now (or to be opened when the engine starts).
#[tauri::command]
pub async fn native_current_devices(state: State<'_, NativeEngine>) -> Result<CurrentDevices> {
    let chosen = lock(&state.chosen).clone();
    let (video, audio) = match state.current() {
        Some(r) => (r.engine.device(Kind::Video), r.engine.device(Kind::Audio)),
        None => (chosen.video, chosen.audio),
    };
    Ok(CurrentDevices { video, audio })
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
