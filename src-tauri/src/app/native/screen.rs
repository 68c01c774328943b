//! The `native_screen_*` commands: the engine's shared screen (captured and
//! encoded once, `media::capture::screen`) and which peers it goes to.

use serde::Serialize;
use tauri::State;

use super::NativeEngine;
use crate::media::{Result, ScreenSource};

/// `native_screen_start`: what is shared.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ScreenShare {
    /// The whole screen goes out (`ximagesrc`), not a window the person
    /// picked: the page says so while sharing.
    pub whole: bool,
}

/// Start capturing the screen; the page then tells each peer to send it
/// (`native_screen_send`) and offers.
#[tauri::command]
pub async fn native_screen_start(state: State<'_, NativeEngine>) -> Result<ScreenShare> {
    let running = state.running()?;
    let source = ScreenSource::detect();
    let engine = running.clone();
    let source2 = source.clone();
    tauri::async_runtime::spawn_blocking(move || engine.engine.start_screen(&source2))
        .await
        .map_err(|e| crate::media::Error::Pipeline(format!("screen: {e}")))??;
    Ok(ScreenShare { whole: source.whole() })
}

/// Stop capturing the screen (idempotent); each peer's transceiver is set
/// inactive by `native_screen_send`.
#[tauri::command]
pub async fn native_screen_stop(state: State<'_, NativeEngine>) -> Result<()> {
    if let Some(running) = state.current() {
        running.engine.stop_screen();
    }
    Ok(())
}

/// Send the screen to the peer `id` on a transceiver of its own (on) or
/// stop (inactive); the page offers next.
#[tauri::command]
pub async fn native_screen_send(state: State<'_, NativeEngine>, id: String, on: bool) -> Result<()> {
    state.peer(&id)?.set_screen(on)
}
