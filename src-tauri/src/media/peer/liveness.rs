//! Whether anything still arrives from the other side of a webrtcbin.
//!
//! libnice, as GStreamer 1.22's webrtcbin sets it up, does no consent
//! checks (RFC 7675): when the network goes away, its ICE state stays
//! "connected" for as long as the outage lasts, so the page would show a
//! frozen tile as connected and never restart ICE. So each link counts the
//! buffers its transport receives (RTP, RTCP, DTLS and SCTP all pass its
//! `nicesrc`), and a link that was busy and then hears nothing for
//! [`SILENCE`] is reported "disconnected" (ICE and connection state alike),
//! as a browser reports one whose consent checks go unanswered. The page
//! then shows "Reconnecting…" and, if it lasts, restarts ICE, which
//! rebuilds the link (`handle`). Anything heard again reports webrtcbin's
//! own states once more.
//!
//! Only a busy link is judged: one that carried no media either way hears
//! little more than RTCP every few seconds, and calling that silence would
//! restart a healthy connection over and over.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

use super::{connection_state, emit, ice_name, Inner};
use crate::media::PeerEvent;

/// How often the transport's count is looked at.
const TICK: Duration = Duration::from_millis(500);
/// Nothing heard for this long on a busy link is an outage. Browsers call
/// a connection disconnected after about 5 s without answers to their checks.
pub(super) const SILENCE: Duration = Duration::from_secs(4);
/// A link is busy when it carried at least [`BUSY`] buffers in the
/// [`BUSY_WINDOW`] before it fell silent (one media stream is tens a second).
const BUSY_WINDOW: Duration = Duration::from_secs(5);
const BUSY: u64 = 10;

/// A link's count of what it heard, and whether it is now judged silent.
#[derive(Default)]
pub(super) struct Liveness {
    heard: Arc<AtomicU64>,
    silent: AtomicBool,
}

impl Liveness {
    /// While silent, webrtcbin's "connected" is not what the person should see.
    pub(super) fn hides(&self, state: &str) -> bool {
        self.silent.load(Ordering::SeqCst) && matches!(state, "connected" | "completed")
    }
}

/// The judgement on a series of counts, apart from GStreamer so it can be
/// tested with made-up times.
#[derive(Debug)]
pub(super) struct Judge {
    /// (when, count) of recent looks, oldest first.
    history: VecDeque<(Instant, u64)>,
    /// When the count last grew.
    last_growth: Option<Instant>,
    silent: bool,
}

impl Judge {
    pub(super) fn new() -> Self {
        Judge { history: VecDeque::new(), last_growth: None, silent: false }
    }

    /// Take the count at `now`; `Some(silent)` when the verdict changes.
    pub(super) fn observe(&mut self, now: Instant, count: u64) -> Option<bool> {
        let grew = self.history.back().map_or(count > 0, |&(_, before)| count > before);
        self.history.push_back((now, count));
        if grew {
            self.last_growth = Some(now);
        }
        // Keep what the busy test needs when it is first asked: the window
        // before a growth [`SILENCE`] ago.
        let keep_from = now.checked_sub(SILENCE + BUSY_WINDOW + TICK * 2);
        while keep_from.is_some_and(|k| self.history.front().is_some_and(|&(t, _)| t < k)) {
            self.history.pop_front();
        }
        let verdict = if grew {
            false
        } else if self.silent {
            true
        } else {
            self.last_growth.is_some_and(|at| now.duration_since(at) >= SILENCE && self.busy_before(at))
        };
        if verdict == self.silent {
            return None;
        }
        self.silent = verdict;
        Some(verdict)
    }

    /// Whether at least [`BUSY`] buffers came in the window ending at `at`.
    fn busy_before(&self, at: Instant) -> bool {
        let Some(&(_, end)) = self.history.iter().rev().find(|(t, _)| *t <= at) else { return false };
        let start = self
            .history
            .iter()
            .find(|(t, _)| at.checked_sub(BUSY_WINDOW).is_none_or(|from| *t >= from))
            .map_or(end, |&(_, c)| c);
        end.saturating_sub(start) >= BUSY
    }
}

/// Watch `inner`'s transport on a thread of its own until the link closes
/// or goes away.
pub(super) fn watch(inner: &Arc<Inner>) {
    let weak = Arc::downgrade(inner);
    let name = format!("liveness-{}", inner.serial);
    let spawned = std::thread::Builder::new().name(name).spawn(move || {
        let mut judge = Judge::new();
        let mut probed: Vec<gst::Element> = Vec::new();
        loop {
            std::thread::sleep(TICK);
            let Some(i) = weak.upgrade() else { return };
            if i.closed.load(Ordering::SeqCst) {
                return;
            }
            probe_transports(&i, &mut probed);
            let Some(silent) = judge.observe(Instant::now(), i.liveness.heard.load(Ordering::Relaxed)) else {
                continue;
            };
            i.liveness.silent.store(silent, Ordering::SeqCst);
            if silent {
                tracing::info!(peer = %i.id, "nothing heard from the peer for {} s: disconnected", SILENCE.as_secs());
                emit(&i, PeerEvent::IceConnectionState("disconnected".to_owned()));
                emit(&i, PeerEvent::ConnectionState("disconnected".to_owned()));
            } else {
                tracing::info!(peer = %i.id, "the peer is heard again");
                let ice = i.webrtc.property::<gstreamer_webrtc::WebRTCICEConnectionState>("ice-connection-state");
                emit(&i, PeerEvent::IceConnectionState(ice_name(ice).to_owned()));
                emit(&i, PeerEvent::ConnectionState(connection_state(&i.webrtc)));
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(peer = %inner.id, cause = %e, "no liveness watch for this peer");
    }
}

/// Count the buffers of every `nicesrc` webrtcbin has made so far (it makes
/// them as descriptions are applied); each is probed once.
fn probe_transports(inner: &Inner, probed: &mut Vec<gst::Element>) {
    let Some(bin) = inner.webrtc.downcast_ref::<gst::Bin>() else { return };
    for element in bin.iterate_all_by_element_factory_name("nicesrc").into_iter().flatten() {
        if probed.contains(&element) {
            continue;
        }
        if let Some(pad) = element.static_pad("src") {
            let heard = inner.liveness.heard.clone();
            pad.add_probe(gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST, move |_, _| {
                heard.fetch_add(1, Ordering::Relaxed);
                gst::PadProbeReturn::Ok
            });
        }
        probed.push(element);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feed `counts`, one per tick from a common start; the verdicts that changed, by tick.
    fn verdicts(counts: &[u64]) -> Vec<(usize, bool)> {
        let start = Instant::now();
        let mut judge = Judge::new();
        let mut out = Vec::new();
        for (n, &c) in counts.iter().enumerate() {
            if let Some(v) = judge.observe(start + TICK * n as u32, c) {
                out.push((n, v));
            }
        }
        out
    }

    /// Ticks in [`SILENCE`].
    fn silence_ticks() -> usize {
        (SILENCE.as_millis() / TICK.as_millis()) as usize
    }

    #[test]
    fn a_busy_link_that_goes_quiet_is_silent_after_the_silence_and_heard_again_at_once() {
        // 20 buffers a tick for 10 ticks, then nothing for 12 ticks, then more.
        let mut counts: Vec<u64> = (1..=10).map(|n| n * 20).collect();
        counts.extend(std::iter::repeat_n(200, 12));
        counts.extend([210, 230]);
        let quiet_from = 9; // the last growth
        assert_eq!(verdicts(&counts), vec![(quiet_from + silence_ticks(), true), (22, false)]);
    }

    #[test]
    fn a_link_that_only_hears_a_little_now_and_then_is_never_called_silent() {
        // One RTCP packet every 10 ticks (5 s): a call with no media either way.
        let counts: Vec<u64> = (0..60).map(|n| n / 10).collect();
        assert_eq!(verdicts(&counts), vec![]);
    }

    #[test]
    fn a_link_that_never_heard_anything_is_not_silent() {
        assert_eq!(verdicts(&[0; 30]), vec![]);
    }

    #[test]
    fn a_pause_shorter_than_the_silence_changes_nothing() {
        let mut counts: Vec<u64> = (1..=10).map(|n| n * 20).collect();
        counts.extend(std::iter::repeat_n(200, silence_ticks() - 1));
        counts.extend((11..=20).map(|n| n * 20));
        assert_eq!(verdicts(&counts), vec![]);
    }

    #[test]
    fn a_long_silence_stays_one_verdict_and_keeps_little_history() {
        let start = Instant::now();
        let mut judge = Judge::new();
        let mut changes = 0;
        for n in 0..2_000u32 {
            let count = if n < 10 { u64::from(n) * 20 } else { 180 };
            changes += usize::from(judge.observe(start + TICK * n, count).is_some());
        }
        assert_eq!(changes, 1, "silent once, and it stays so");
        assert!(judge.history.len() < 40, "history is bounded: {}", judge.history.len());
    }
}
