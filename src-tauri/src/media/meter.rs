//! How loud a stream is, as a browser's getStats says it: a GStreamer
//! `level` element on the stream (a peer's decoded audio, our microphone
//! before the encoder) posts its RMS and peak every [`INTERVAL_NS`] on its
//! pipeline's bus, and a [`Meter`] keeps them as `audioLevel` (the last
//! peak), `totalAudioEnergy` and `totalSamplesDuration` (the spec's sums,
//! from the RMS). The page reads them through `native_stats`, so the same
//! speaker detection (ui/js/call/speaker.js) runs on both engines. The
//! element only measures: the audio passes through it untouched.

use std::sync::atomic::{AtomicU64, Ordering};

use gstreamer as gst;

/// How often a `level` element reports: four times per poll of the page's
/// speaker detection (4 Hz), so each poll sees a few fresh intervals.
pub const INTERVAL_NS: u64 = 100_000_000;

/// The element to put on a stream, named so its messages are known.
pub fn element() -> String {
    format!("level name=meter interval={INTERVAL_NS} post-messages=true")
}

/// One stream's loudness so far, as getStats fields.
#[derive(Debug, Default, Clone, Copy, PartialEq, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AudioLevel {
    /// The last interval's peak, linear (1 is full scale): `audioLevel`.
    pub level: f64,
    /// Sum of the squared RMS times each interval's length: `totalAudioEnergy`.
    pub energy: f64,
    /// Seconds of audio measured: `totalSamplesDuration`.
    pub duration: f64,
}

/// The sums of one stream, written by the bus's thread and read by
/// `native_stats` (f64 bits in atomics: no lock on the streaming thread).
#[derive(Debug, Default)]
pub struct Meter {
    level: AtomicU64,
    energy: AtomicU64,
    duration: AtomicU64,
}

impl Meter {
    pub fn get(&self) -> AudioLevel {
        let f = |a: &AtomicU64| f64::from_bits(a.load(Ordering::Relaxed));
        AudioLevel { level: f(&self.level), energy: f(&self.energy), duration: f(&self.duration) }
    }

    /// Take `message` if it is a `level` element's report: true if it was.
    pub fn take(&self, message: &gst::MessageRef) -> bool {
        let gst::MessageView::Element(e) = message.view() else { return false };
        let Some(s) = e.structure() else { return false };
        if s.name() != "level" {
            return false;
        }
        if let Some((rms, peak, seconds)) = reading(s) {
            self.add(rms, peak, seconds);
        }
        true
    }

    /// One interval: `rms` and `peak` linear, `seconds` long. Only the bus
    /// thread of one pipeline writes, so load-then-store loses nothing.
    fn add(&self, rms: f64, peak: f64, seconds: f64) {
        let add = |a: &AtomicU64, x: f64| a.store((f64::from_bits(a.load(Ordering::Relaxed)) + x).to_bits(), Ordering::Relaxed);
        add(&self.energy, rms * rms * seconds);
        add(&self.duration, seconds);
        self.level.store(peak.to_bits(), Ordering::Relaxed);
    }
}

/// A `level` report as linear RMS and peak (the loudest channel's) and the
/// interval's length in seconds; None if it is not shaped as one or is empty.
fn reading(s: &gst::StructureRef) -> Option<(f64, f64, f64)> {
    let loudest = |field: &str| -> Option<f64> {
        let values = s.get::<gstreamer::glib::ValueArray>(field).ok()?;
        let db = values.iter().filter_map(|v| v.get::<f64>().ok()).fold(f64::NEG_INFINITY, f64::max);
        Some(linear(db))
    };
    // The report level posts at the end of a stream covers no samples: nothing to add.
    let ns = s.get::<u64>("duration").unwrap_or(INTERVAL_NS);
    if ns == 0 {
        return None;
    }
    Some((loudest("rms")?, loudest("peak")?, ns as f64 / 1e9))
}

/// dB (full scale 0, silence −∞ or the element's floor) to linear, clamped to 0..=1.
fn linear(db: f64) -> f64 {
    if db.is_nan() || db == f64::NEG_INFINITY {
        return 0.0;
    }
    10f64.powf(db / 20.0).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gstreamer::prelude::*;

    /// A tone measured by a real `level` element reads as its RMS and peak,
    /// its energy over time as the spec sums it, and silence as nothing.
    #[test]
    fn measures_a_tone_and_silence() {
        crate::media::init().unwrap();
        for (wave, volume, rms, peak) in [("sine", 0.5, 0.5 / 2f64.sqrt(), 0.5), ("silence", 1.0, 0.0, 0.0)] {
            let desc = format!(
                "audiotestsrc wave={wave} volume={volume} num-buffers=50 samplesperbuffer=960 ! \
                 audio/x-raw,format=S16LE,rate=48000,channels=1 ! {} ! fakesink",
                element()
            );
            let pipeline = gst::parse_launch(&desc).unwrap().downcast::<gst::Pipeline>().unwrap();
            let meter = Meter::default();
            pipeline.set_state(gst::State::Playing).unwrap();
            let bus = pipeline.bus().unwrap();
            for msg in bus.iter_timed(gst::ClockTime::from_seconds(10)) {
                meter.take(&msg);
                if matches!(msg.view(), gst::MessageView::Eos(_) | gst::MessageView::Error(_)) {
                    break;
                }
            }
            pipeline.set_state(gst::State::Null).unwrap();
            let got = meter.get();
            // 50 buffers of 20 ms: a second, reported in tenths.
            assert!((got.duration - 1.0).abs() < 0.15, "{wave}: {got:?}");
            let measured = (got.energy / got.duration).sqrt();
            assert!((measured - rms).abs() < 0.02, "{wave}: RMS {measured}, not {rms}");
            assert!((got.level - peak).abs() < 0.02, "{wave}: peak {}, not {peak}", got.level);
        }
    }

    #[test]
    fn decibels_become_linear() {
        assert_eq!(linear(0.0), 1.0);
        assert!((linear(-20.0) - 0.1).abs() < 1e-12);
        assert_eq!(linear(f64::NEG_INFINITY), 0.0);
        assert_eq!(linear(f64::NAN), 0.0);
        assert_eq!(linear(6.0), 1.0, "clipped, never over full scale");
    }
}
