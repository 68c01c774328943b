//! The app's one engine, started by the first peer or preview, and the
//! page's channels of each of its peers: engine events go to the page of
//! the peer they are about, typed as [`NativeEvent`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tauri::ipc::{Channel, InvokeResponseBody};

use super::bridge::NativeEvent;
use super::frames::Stream;
use super::{lock, test_source, Chosen, NativeEngine};
use crate::media::{AudioOut, Config, Engine, Error, Event, Kind, NativePeer, PeerEvent, Result, Source};

/// A started engine and the page's channels of each peer.
pub struct Running {
    pub(super) engine: Engine,
    pub(super) peers: Mutex<HashMap<String, Slot>>,
    /// Where our own encoded video goes, for the page's preview.
    pub(super) preview: Mutex<Option<Stream>>,
}

#[derive(Clone)]
pub(super) struct Slot {
    pub(super) peer: NativePeer,
    pub(super) events: Channel<NativeEvent>,
    /// The remote video's way to the page (closed when the last clone goes).
    pub(super) video: Arc<Stream>,
    /// The way of the screen the peer shares, for a page that shows one.
    pub(super) screen: Option<Arc<Stream>>,
}

impl Slot {
    pub(super) fn new(
        peer: NativePeer,
        events: Channel<NativeEvent>,
        video: Channel<InvokeResponseBody>,
        screen: Option<Channel<InvokeResponseBody>>,
        id: &str,
    ) -> Slot {
        Slot {
            peer,
            events,
            video: Arc::new(Stream::to(video, format!("peer {id}"))),
            screen: screen.map(|c| Arc::new(Stream::to(c, format!("peer {id} screen")))),
        }
    }
}

impl NativeEngine {
    /// The engine, started (capture and all) on the first call.
    pub(super) fn running(&self) -> Result<Arc<Running>> {
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

    pub(super) fn peer(&self, id: &str) -> Result<NativePeer> {
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
                if let PeerEvent::Video(frame) = event {
                    // The page fell behind: a key frame lets it start again.
                    if slot.video.push(frame) == Ok(true) {
                        let _ = slot.peer.request_keyframe();
                    }
                    return;
                }
                if let PeerEvent::Screen(frame) = event {
                    if let Some(screen) = &slot.screen {
                        if screen.push(frame) == Ok(true) {
                            let _ = slot.peer.request_screen_keyframe();
                        }
                    }
                    return;
                }
                let sent = match NativeEvent::of(event) {
                    Some(event) => slot.events.send(event),
                    None => Ok(()),
                };
                if let Err(e) = sent {
                    tracing::debug!(peer = %id, cause = %e, "the page did not take a native engine event");
                }
            }
            Event::LocalVideo(frame) => {
                let pushed = lock(&self.preview).as_ref().map(|s| s.push(frame));
                match pushed {
                    Some(Ok(true)) => self.engine.request_keyframe(),
                    Some(Err(_)) => {
                        *lock(&self.preview) = None;
                        self.engine.set_preview(false);
                    }
                    Some(Ok(false)) | None => {}
                }
            }
            Event::Error { peer, message } => {
                tracing::warn!(peer = ?peer, %message, "native engine");
                let slots: Vec<Slot> = match &peer {
                    Some(id) => lock(&self.peers).get(id).cloned().into_iter().collect(),
                    None => lock(&self.peers).values().cloned().collect(),
                };
                for s in slots {
                    let _ = s.events.send(NativeEvent::Error { message: message.clone() });
                }
            }
        }
    }
}

/// What the engine opens when nothing was picked.
fn default_device(kind: Kind, test: bool) -> String {
    match (kind, test) {
        (Kind::Video, true) => "test:ball".into(),
        (Kind::Audio, true) => "test:sine".into(),
        (_, false) => "auto".into(),
    }
}
