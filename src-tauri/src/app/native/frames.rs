//! The way of one video stream (a peer's remote video, or our own preview)
//! from the engine to the page: a small bounded queue per stream, drained
//! by a task of its own into the stream's Tauri channel. The engine's event
//! pump only pushes here, so a page that falls behind never holds up the
//! other peers' events, and frames never pile up without bound.
//!
//! The frames are encoded VP8 (the page decodes them with WebCodecs), not
//! raw pictures, so dropping the oldest frame would break the page's
//! decoder: every delta frame after it refers to a picture the decoder
//! never saw, until the next key frame. So the policy is keyframe-aware:
//! - a full queue means the page is behind: the frames waiting stay (they
//!   continue what the page has, so they decode), and the new delta frame
//!   and every one after it are dropped until the next key frame, which the
//!   caller asks the sender for at once ([`Pushed::Overflow`]) and again
//!   each second until it comes;
//! - a key frame makes whatever waits before it useless (the decoder can
//!   start again there), so it replaces them: the newest picture the page
//!   can decode always wins, and the page is never more than a few frames
//!   behind the engine.
//!
//! What the page is handed therefore always decodes, and a stream holds at
//! most [`CAPACITY`] frames (about 250 ms of video at 30 fps, a few hundred
//! KB at most).
//!
//! The Tauri channel beyond this queue delivers without knowing whether the
//! page has taken a frame, so the bound holds up to the channel's send: a
//! page too busy to fetch what was sent is caught by its own decoder's
//! check (`ui/js/native/video-sink.js`, which skips to a key frame).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tauri::ipc::{Channel, InvokeResponseBody};
use tokio::sync::Notify;

use super::bridge::frame_bytes;
use super::lock;
use crate::media::EncodedFrame;

/// The page no longer takes this stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

/// Frames a stream holds for the page at most. Not fewer: the jitter
/// buffer hands over a burst of frames after a late packet, and with 3 the
/// app's own start (the page still loading) overflowed and left the first
/// seconds to key frame requests.
pub const CAPACITY: usize = 8;

/// What became of a pushed frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Waiting for the page.
    Queued,
    /// The queue was full: this frame and every delta frame after it are
    /// dropped until a key frame. Ask the sender for one now.
    Overflow,
    /// A delta frame while waiting for a key frame: dropped.
    Dropped,
    /// Nobody takes this stream's frames any more.
    Closed,
}

/// One stream's frames for the page.
pub struct FrameQueue {
    state: Mutex<State>,
    ready: Notify,
    capacity: usize,
}

#[derive(Default)]
struct State {
    frames: VecDeque<EncodedFrame>,
    /// Dropped to catch up: only a key frame may come next.
    need_key: bool,
    /// Frames dropped so far, for the stats and the log.
    dropped: u64,
    closed: bool,
}

impl FrameQueue {
    pub fn new(capacity: usize) -> FrameQueue {
        FrameQueue { state: Mutex::new(State::default()), ready: Notify::new(), capacity: capacity.max(1) }
    }

    /// A frame from the engine, kept or dropped as the module says.
    pub fn push(&self, frame: EncodedFrame) -> Pushed {
        let mut s = lock(&self.state);
        if s.closed {
            return Pushed::Closed;
        }
        let pushed = if frame.key {
            s.dropped += s.frames.len() as u64;
            s.frames.clear();
            s.need_key = false;
            s.frames.push_back(frame);
            Pushed::Queued
        } else if s.need_key {
            s.dropped += 1;
            Pushed::Dropped
        } else if s.frames.len() >= self.capacity {
            s.dropped += 1;
            s.need_key = true;
            Pushed::Overflow
        } else {
            s.frames.push_back(frame);
            Pushed::Queued
        };
        drop(s);
        if pushed == Pushed::Queued {
            self.ready.notify_one();
        }
        pushed
    }

    /// The oldest frame waiting, once there is one; None once closed.
    pub async fn next(&self) -> Option<EncodedFrame> {
        loop {
            let ready = self.ready.notified();
            {
                let mut s = lock(&self.state);
                if let Some(frame) = s.frames.pop_front() {
                    return Some(frame);
                }
                if s.closed {
                    return None;
                }
            }
            ready.await;
        }
    }

    /// No more frames: the sender task ends, pushes are refused.
    pub fn close(&self) {
        let mut s = lock(&self.state);
        s.closed = true;
        s.frames.clear();
        drop(s);
        self.ready.notify_one();
    }

    /// Frames dropped so far because the page fell behind.
    pub fn dropped(&self) -> u64 {
        lock(&self.state).dropped
    }

    /// Frames waiting now.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        lock(&self.state).frames.len()
    }
}

/// The engine's end of a stream: pushes frames, and closes the stream when
/// its owner (a peer's slot, the preview) goes.
pub struct Stream {
    pub queue: Arc<FrameQueue>,
    what: String,
    /// When a key frame was last asked for, and the drops last logged.
    asked: Mutex<Option<Instant>>,
    logged: Mutex<Option<Instant>>,
}

/// Key frames asked for at most this often (as the page's own decoder does).
const ASK_EVERY: Duration = Duration::from_secs(1);
/// Drops said in the log at most this often.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// Whether `last` is long enough ago, making it now if so.
fn due(last: &Mutex<Option<Instant>>, every: Duration) -> bool {
    let mut last = lock(last);
    let now = Instant::now();
    let due = last.is_none_or(|t| now.duration_since(t) >= every);
    if due {
        *last = Some(now);
    }
    due
}

impl Stream {
    /// A stream whose frames go to `channel`, by a task of its own.
    pub fn to(channel: Channel<InvokeResponseBody>, what: String) -> Stream {
        let queue = Arc::new(FrameQueue::new(CAPACITY));
        let frames = queue.clone();
        let stream = Stream { queue, what: what.clone(), asked: Mutex::new(None), logged: Mutex::new(None) };
        tauri::async_runtime::spawn(async move {
            while let Some(frame) = frames.next().await {
                if let Err(e) = channel.send(InvokeResponseBody::Raw(frame_bytes(&frame))) {
                    tracing::debug!(stream = what, cause = %e, "the page did not take a video frame");
                    frames.close();
                }
            }
        });
        stream
    }

    /// Push a frame. True when the sender should be asked for a key frame
    /// now: the page fell behind, or still waits for the key frame asked
    /// for (a request can be lost, and a sender such as Chromium makes key
    /// frames only when asked), at most once a second. The drops so far go
    /// to the log, at most every ten seconds.
    pub fn push(&self, frame: EncodedFrame) -> std::result::Result<bool, Closed> {
        match self.queue.push(frame) {
            Pushed::Closed => Err(Closed),
            Pushed::Overflow => {
                if due(&self.logged, LOG_EVERY) {
                    tracing::info!(stream = self.what, dropped = self.queue.dropped(), "the page falls behind: video dropped until the next key frame");
                }
                Ok(due(&self.asked, ASK_EVERY))
            }
            Pushed::Dropped => Ok(due(&self.asked, ASK_EVERY)),
            Pushed::Queued => Ok(false),
        }
    }

    /// Frames dropped so far because the page fell behind.
    pub fn dropped(&self) -> u64 {
        self.queue.dropped()
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.queue.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u64, key: bool) -> EncodedFrame {
        EncodedFrame { data: vec![0; 1000], key, timestamp_us: n }
    }

    /// A page that takes one frame in ten: the queue never holds more than
    /// its capacity, what reaches the page always starts at a key frame and
    /// runs on without a gap until the next one (so it decodes), the
    /// newest key frames get through, and every drop is counted.
    #[tokio::test]
    async fn a_slow_page_gets_decodable_recent_frames_in_bounded_memory() {
        let q = FrameQueue::new(3);
        let mut taken = Vec::new();
        let mut overflows = 0;
        // 30 fps with a key frame a second, for 10 seconds.
        for n in 0..300u64 {
            match q.push(frame(n, n % 30 == 0)) {
                Pushed::Overflow => overflows += 1,
                Pushed::Closed => unreachable!(),
                _ => {}
            }
            assert!(q.waiting() <= 3, "{} frames held", q.waiting());
            if n % 10 == 9 && q.waiting() > 0 {
                taken.push(q.next().await.unwrap());
            }
        }
        while q.waiting() > 0 {
            taken.push(q.next().await.unwrap());
        }
        assert!(overflows > 0, "the page was slow enough to overflow");
        assert_eq!(q.dropped() + taken.len() as u64, 300, "every frame taken or counted as dropped");
        // Decodable: each frame taken is a key frame or follows the one before it.
        assert!(taken[0].key);
        for pair in taken.windows(2) {
            assert!(pair[1].key || pair[1].timestamp_us == pair[0].timestamp_us + 1, "a gap before delta frame {}", pair[1].timestamp_us);
        }
        // The last key frame sent reached the page.
        assert!(taken.iter().any(|f| f.key && f.timestamp_us == 270));
    }

    /// A page that keeps up gets every frame, in order, with nothing dropped.
    #[tokio::test]
    async fn a_page_that_keeps_up_loses_nothing() {
        let q = FrameQueue::new(3);
        for n in 0..100u64 {
            assert_eq!(q.push(frame(n, n % 30 == 0)), Pushed::Queued);
            assert_eq!(q.next().await.unwrap().timestamp_us, n);
        }
        assert_eq!(q.dropped(), 0);
    }

    /// A key frame replaces the frames waiting before it.
    #[tokio::test]
    async fn a_key_frame_replaces_what_waits() {
        let q = FrameQueue::new(3);
        q.push(frame(0, true));
        q.push(frame(1, false));
        q.push(frame(2, true));
        assert_eq!(q.waiting(), 1);
        assert_eq!(q.next().await.unwrap().timestamp_us, 2);
        assert_eq!(q.dropped(), 2);
    }

    /// The sender is asked for a key frame when the page falls behind, and
    /// again each second while the stream waits for it, never more often;
    /// the owner going closes the stream.
    #[test]
    fn key_frames_are_asked_for_until_one_comes() {
        let queue = Arc::new(FrameQueue::new(2));
        let stream = Stream { queue: queue.clone(), what: "test".into(), asked: Mutex::new(None), logged: Mutex::new(None) };
        assert_eq!(stream.push(frame(0, true)), Ok(false));
        assert_eq!(stream.push(frame(1, false)), Ok(false));
        assert_eq!(stream.push(frame(2, false)), Ok(true), "the overflow asks");
        assert_eq!(stream.push(frame(3, false)), Ok(false), "not again within the second");
        *lock(&stream.asked) = Instant::now().checked_sub(ASK_EVERY);
        assert_eq!(stream.push(frame(4, false)), Ok(true), "asked again a second later");
        assert_eq!(stream.push(frame(5, true)), Ok(false), "the key frame came");
        assert_eq!(stream.dropped(), 5);
        drop(stream);
        assert_eq!(queue.push(frame(6, true)), Pushed::Closed);
    }

    /// Closing ends the task waiting for frames and refuses new ones.
    #[tokio::test]
    async fn closing_ends_the_stream() {
        let q = Arc::new(FrameQueue::new(3));
        let waiter = tokio::spawn({
            let q = q.clone();
            async move { q.next().await }
        });
        tokio::task::yield_now().await;
        q.close();
        assert_eq!(waiter.await.unwrap(), None);
        assert_eq!(q.push(frame(0, true)), Pushed::Closed);
    }
}
