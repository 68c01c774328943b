//! Swapping a kind's device mid-call: the new branch starts beside the old
//! one and takes over its subscribers only once it has given a frame, so a
//! device that fails leaves the call as it was. A busy device may be the
//! one we hold under another name (`auto`), so that case lets ours go,
//! tries again and takes ours back if the new one still fails.

use std::sync::atomic::Ordering;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;

use super::branch::{resolve, stop, Branch, Failure};
use super::{lock, Capture};
use crate::media::devices::{self, Kind};
use crate::media::error::{Error, Result};
use crate::media::Event;

/// How long a new device may take to give its first encoded frame.
const FIRST_FRAME: Duration = Duration::from_secs(5);

impl Capture {
    /// Capture `kind` from `device` from now on, for every subscriber, with
    /// no renegotiation. On error the old device goes on.
    pub async fn use_device(&self, kind: Kind, device: &str) -> Result<()> {
        devices::describe(kind, device)?;
        let _turn = self.switching.lock().await;
        let (current, held) = match lock(self.slot(kind)).as_ref() {
            Some(b) => (Some(b.device.clone()), b.probe),
            None => (None, 1),
        };
        if current.as_deref() == Some(device) {
            return Ok(());
        }
        let probe = 1 - held;
        let failure = match self.try_start(kind, device, probe).await {
            Ok(branch) => {
                self.install(kind, branch).await;
                return Ok(());
            }
            Err(f) => f,
        };
        let Some(current) = current.filter(|_| failure.busy) else {
            return Err(Error::Device(failure.message));
        };
        // Busy: maybe it is the device we hold, by another name (`auto`).
        // Let ours go and try again; if that fails too, take ours back.
        tracing::info!(%device, cause = %failure.message, "device busy: trying again without the old one");
        let old = lock(self.slot(kind)).take();
        if let Some(old) = old {
            stop(old).await;
        }
        match self.try_start(kind, device, probe).await {
            Ok(branch) => {
                self.install(kind, branch).await;
                Ok(())
            }
            Err(again) => {
                match self.try_start(kind, &current, held).await {
                    Ok(branch) => self.install(kind, branch).await,
                    Err(f) => {
                        let message = format!("capture: {current} did not come back: {}", f.message);
                        tracing::warn!(%message);
                        let _ = self.events.send(Event::Error { peer: None, message });
                    }
                }
                Err(Error::Device(again.message))
            }
        }
    }

    /// Start a branch aside and wait for its first frame.
    async fn try_start(&self, kind: Kind, device: &str, probe: usize) -> std::result::Result<Branch, Failure> {
        let failed = |message: String| Failure { message, busy: false };
        let (branch, first) = self.build(kind, device, probe, false).map_err(|e| failed(e.to_string()))?;
        let started = branch.pipeline.set_state(gst::State::Playing);
        // A device that did not even open has said why on the bus by now.
        let limit = if started.is_ok() { FIRST_FRAME } else { Duration::from_millis(200) };
        let failure = match (tokio::time::timeout(limit, first).await, started) {
            (Ok(Ok(Ok(()))), Ok(_)) => return Ok(branch),
            (Ok(Ok(Err(f))), _) => f,
            (_, Err(e)) => failed(format!("{device} did not start ({e})")),
            (Ok(Err(_)), _) => failed(format!("{device} stopped")),
            (Err(_), _) => failed(format!("{device} gave nothing in {} s", FIRST_FRAME.as_secs())),
        };
        stop(branch).await;
        Err(failure)
    }

    /// `branch` takes over its kind; the old one stops.
    async fn install(&self, kind: Kind, mut branch: Branch) {
        resolve(&mut branch);
        tracing::info!(device = %branch.device, "capture switched");
        let new_live = branch.live.clone();
        let old = lock(self.slot(kind)).replace(branch);
        if let Some(old) = &old {
            old.live.store(false, Ordering::SeqCst);
        }
        new_live.store(true, Ordering::SeqCst);
        // Switches set while it started; and its first key frame went nowhere.
        self.apply(kind);
        if kind == Kind::Video {
            self.request_keyframe();
        }
        if let Some(old) = old {
            stop(old).await;
        }
    }
}
