//! Hosts on this network, for the join screen: while the screen asks, the
//! app listens for `_lancall._tcp` over mDNS and sends each change to the
//! window as a `nearby` event ([`crate::discovery::Change`]: a host found,
//! or lost).

use std::sync::Mutex;

use tauri::{AppHandle, Emitter, Manager, Runtime};

use super::error::{Error, Result};
use crate::discovery::{Network, Watch};

/// The event the window listens to.
pub const EVENT: &str = "nearby";

/// The join screen's listener, while it listens.
#[derive(Default)]
pub struct Nearby(Mutex<Option<Watch>>);

impl Nearby {
    fn take(&self) -> Option<Watch> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Start listening (again: the hosts already known are sent anew). False
/// when the app is kept off mDNS (`LANCALL_MDNS=0`).
#[tauri::command]
pub async fn discovery_start<R: Runtime>(app: AppHandle<R>) -> Result<bool> {
    if !super::mdns_allowed() {
        return Ok(false);
    }
    tauri::async_runtime::spawn_blocking(move || {
        if let Some(old) = app.state::<Nearby>().take() {
            old.stop();
        }
        let handle = app.clone();
        let watch = Watch::start(&Network::default(), move |change| {
            if let Err(e) = handle.emit(EVENT, &change) {
                tracing::warn!(cause = %e, "cannot tell the window about a host nearby");
            }
        })
        .map_err(|e| Error::Discovery(e.to_string()))?;
        *app.state::<Nearby>().0.lock().unwrap_or_else(|e| e.into_inner()) = Some(watch);
        Ok(true)
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?
}

/// Stop listening (the join screen closed).
#[tauri::command]
pub async fn discovery_stop<R: Runtime>(app: AppHandle<R>) -> Result<()> {
    tauri::async_runtime::spawn_blocking(move || {
        if let Some(watch) = app.state::<Nearby>().take() {
            watch.stop();
        }
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))
}
