//! The native WebRTC engine (`crate::media`) as Tauri commands, for windows
//! without RTCPeerConnection (Linux WebKitGTK). The page's `ui/js/native/`
//! wraps these in the RTCPeerConnection surface the client uses.
//!
//! - One engine per app ([`running`]), started by the first peer: its
//!   capture is the camera and microphone the person picked (else the
//!   defaults), or test patterns and tones with `LANCALL_TEST_SOURCE=1`.
//! - The device picker lists what the engine can open and switches the
//!   capture mid-call ([`devices`]); a device that can't be opened is an
//!   error for the page and the one in use goes on.
//! - Each peer gets two `Channel`s from the page: one for its events
//!   ([`bridge::NativeEvent`], named as RTCPeerConnection's), one for its
//!   remote video as encoded VP8 frames ([`bridge::frame_bytes`]), which the
//!   page decodes with WebCodecs; each video stream goes through a small
//!   bounded queue that drops, key-frame-aware, when the page falls behind
//!   ([`frames`]). Remote audio plays natively, all peers
//!   mixed on one path that the microphone's echo canceller hears.
//! - The page's own preview is the engine's encoded video too (same frame
//!   format, `native_preview`), so the camera is opened once, by the engine;
//!   only with WebKitGTK's mock camera (`LANCALL_MOCK_CAPTURE=1`, tests)
//!   and no test source does the page preview its getUserMedia camera.
//! - Every command that waits on webrtcbin is async, so the GTK main thread
//!   never blocks; errors reach the page as `{code, message}`.
//!
//! What crosses to the page is typed in [`bridge`], and its TypeScript is
//! generated into `ui/js/types/native.d.ts`.
//!
//! On other systems the webview has RTCPeerConnection and these commands
//! are not registered ([`handler`] passes everything through).

#[cfg(target_os = "linux")]
mod bridge;
#[cfg(target_os = "linux")]
mod commands;
#[cfg(target_os = "linux")]
mod devices;
#[cfg(target_os = "linux")]
mod frames;
#[cfg(target_os = "linux")]
mod running;
#[cfg(target_os = "linux")]
mod screen;

use tauri::ipc::Invoke;
use tauri::Runtime;

/// The app's engine, started on first use.
#[derive(Default)]
pub struct NativeEngine {
    #[cfg(target_os = "linux")]
    running: std::sync::Mutex<Option<std::sync::Arc<running::Running>>>,
    /// Microphone and camera off (as the person last set them), kept
    /// across engine restarts.
    #[cfg(target_os = "linux")]
    muted: std::sync::Mutex<(bool, bool)>,
    /// The camera and microphone the person picked (device strings),
    /// opened when the engine starts and kept across restarts.
    #[cfg(target_os = "linux")]
    chosen: std::sync::Mutex<Chosen>,
    /// The screen share under way, if any (its portal session's watcher).
    #[cfg(target_os = "linux")]
    sharing: std::sync::Mutex<Option<screen::Sharing>>,
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
        commands::native_engine_check,
        commands::native_peer_create,
        commands::native_peer_close,
        commands::native_create_offer,
        commands::native_create_answer,
        commands::native_set_local_description,
        commands::native_set_remote_description,
        commands::native_add_ice_candidate,
        commands::native_restart_ice,
        commands::native_create_data_channel,
        commands::native_send,
        commands::native_stats,
        commands::native_set_media,
        commands::native_preview,
        commands::native_engine_stop,
        commands::native_request_keyframe,
        screen::native_screen_start,
        screen::native_screen_stop,
        screen::native_screen_send,
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

/// A poisoned lock still holds usable state: a panicked command must not
/// take the engine down with it.
#[cfg(target_os = "linux")]
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether the engine sends test patterns and tones (`LANCALL_TEST_SOURCE=1`,
/// a test hook).
#[cfg(target_os = "linux")]
fn test_source() -> bool {
    super::test_hooks::test_source()
}
