//! The `native_screen_*` commands: the engine's shared screen (captured and
//! encoded once, `media::capture::screen`) and which peers it goes to.
//!
//! Where a ScreenCast portal answers on the session bus, a share is a
//! portal session ([`crate::media::Cast`]): the system's picker (skipped
//! with the restore token kept in the settings), then `pipewiresrc`. The
//! session lives as long as the share; when the portal or the stream ends
//! it by itself (the person stopped it from the system's control), the
//! capture stops and the page hears it on the `ended` channel, and stops
//! the share as its own Stop sharing does. Where none answers, the whole
//! X11 screen (`ximagesrc`), and the page says so.

use std::sync::{Arc, Weak};

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};
use tokio_util::sync::CancellationToken;

use super::{lock, NativeEngine};
use crate::app::settings::Settings;
use crate::media::{Cast, Error, Portal, Result, ScreenSource};

/// `native_screen_start`: what is shared.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ScreenShare {
    /// The whole screen goes out (`ximagesrc`), not a window or a monitor
    /// the person picked: the page says so while sharing.
    pub whole: bool,
}

/// Sent on `native_screen_start`'s `ended` channel when the share ended by
/// itself (never for `native_screen_stop`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ScreenEnded {
    /// Why, for the log.
    pub reason: String,
}

/// The share now under way: cancelling `stop` ends its watcher, which
/// closes the portal session.
pub(super) struct Sharing {
    stop: CancellationToken,
}

/// Start capturing the screen; the page then tells each peer to send it
/// (`native_screen_send`) and offers. Cancelling the portal's picker is the
/// error `cancelled`.
#[tauri::command]
pub async fn native_screen_start<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, NativeEngine>,
    ended: Channel<ScreenEnded>,
) -> Result<ScreenShare> {
    let running = state.running()?;
    if running.engine.screen_on() {
        return Ok(ScreenShare { whole: false });
    }
    let Some(portal) = Portal::detect().await else {
        let source = ScreenSource::X11 { display: None };
        let engine = running.clone();
        let whole = source.whole();
        tauri::async_runtime::spawn_blocking(move || engine.engine.start_screen(&source, None))
            .await
            .map_err(|e| Error::Pipeline(format!("screen: {e}")))??;
        return Ok(ScreenShare { whole });
    };
    let settings = crate::app::commands::settings_path(&app).ok();
    let token = settings.as_deref().map(Settings::load).and_then(|s| s.screen_restore_token);
    let cast = match portal.cast(token.as_deref()).await {
        Ok(cast) => cast,
        Err(e) => {
            tracing::info!(cause = %e, "the portal started no share");
            return Err(e);
        }
    };
    if let (Some(path), Some(new)) = (settings, cast.restore_token().map(str::to_owned)) {
        if token.as_deref() != Some(new.as_str()) {
            tauri::async_runtime::spawn_blocking(move || {
                if let Err(e) = Settings::update(&path, |s| s.screen_restore_token = Some(new)) {
                    tracing::warn!(cause = %e, "the screen portal's restore token was not saved");
                }
            });
        }
    }
    let (end_tx, end_rx) = tokio::sync::oneshot::channel::<String>();
    let on_end: crate::media::OnEnd = Box::new(move |why| {
        let _ = end_tx.send(why);
    });
    let source = cast.source();
    let engine = running.clone();
    let started = tauri::async_runtime::spawn_blocking(move || engine.engine.start_screen(&source, Some(on_end)))
        .await
        .map_err(|e| Error::Pipeline(format!("screen: {e}")))
        .and_then(|r| r);
    if let Err(e) = started {
        cast.close().await;
        return Err(e);
    }
    let stop = CancellationToken::new();
    *lock(&state.sharing) = Some(Sharing { stop: stop.clone() });
    tauri::async_runtime::spawn(watch(cast, stop, end_rx, Arc::downgrade(&running), ended));
    Ok(ScreenShare { whole: false })
}

/// Hold the portal session for the share's life. If the portal closes it
/// or the stream ends first, stop the capture and tell the page; either
/// way, close the session when done.
async fn watch(
    cast: Cast,
    stop: CancellationToken,
    stream_end: tokio::sync::oneshot::Receiver<String>,
    running: Weak<super::running::Running>,
    ended: Channel<ScreenEnded>,
) {
    let reason = tokio::select! {
        () = stop.cancelled() => None,
        () = cast.closed() => Some("the portal closed the session".to_owned()),
        Ok(why) = stream_end => Some(format!("the stream ended: {why}")),
    };
    if let Some(reason) = reason {
        tracing::info!(%reason, "the shared screen ended by itself");
        // Weak: a share must not keep a stopped engine (and its camera) alive.
        if let Some(running) = running.upgrade() {
            running.engine.stop_screen();
        }
        if let Err(e) = ended.send(ScreenEnded { reason }) {
            tracing::debug!(cause = %e, "the page did not hear that the share ended");
        }
    }
    cast.close().await;
}

/// Stop capturing the screen (idempotent); each peer's transceiver is set
/// inactive by `native_screen_send`. The portal session, if any, is closed.
#[tauri::command]
pub async fn native_screen_stop(state: State<'_, NativeEngine>) -> Result<()> {
    if let Some(sharing) = lock(&state.sharing).take() {
        sharing.stop.cancel();
    }
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
