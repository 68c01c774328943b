//! The engine's device strings: what the person picks, what the settings
//! keep, and what the capture opens. Listed from GStreamer's device monitor
//! and turned into a source element here.
//!
//! - camera: `v4l2:/dev/video0`, `pipewire:<target-object>`, `auto`
//! - microphone: `pulse:<source name>`, `alsa:hw:1,0`, `pipewire:<target-object>`, `auto`
//! - test sources, for tests and machines without devices: `test:<pattern>`
//!   (videotestsrc: `test:ball`, `test:smpte`, …) and `test:<wave>`
//!   (audiotestsrc: `test:sine`, `test:ticks`, …); `test:clock`, the ball
//!   stamped with its capture time (`stamp`), for benchmarks, and
//!   `test:turns`, a tone that speaks in turns ([`speak_in_turns`]), for the
//!   speaker tests, are not listed

use gstreamer as gst;
use gstreamer::prelude::*;

use super::error::{Error, Result};

/// Which stream: a camera gives video, a microphone audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Kind {
    Audio,
    Video,
}

/// A camera or microphone the engine can open.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Device {
    /// The device string to pass to `Engine::use_device`.
    pub id: String,
    pub kind: Kind,
    /// The name the system gives it.
    pub label: String,
}

/// videotestsrc patterns a `test:` camera may show.
const PATTERNS: &[&str] = &["ball", "smpte", "snow", "black", "white", "red", "green", "blue", "checkers-8", "circular", "gradient", "pinwheel"];
/// audiotestsrc waves a `test:` microphone may play.
const WAVES: &[&str] = &["sine", "square", "saw", "triangle", "silence", "white-noise", "pink-noise", "ticks"];

/// The cameras and microphones on this system (GStreamer's device monitor;
/// monitors of outputs left out), and with `test` the test sources too.
/// Blocks while the monitor asks the sound server: call off async threads.
pub fn list(test: bool) -> Vec<Device> {
    let mut out = Vec::new();
    let monitor = gst::DeviceMonitor::new();
    monitor.add_filter(Some("Video/Source"), None);
    monitor.add_filter(Some("Audio/Source"), None);
    match monitor.start() {
        Ok(()) => {
            out.extend(monitor.devices().iter().filter_map(device_of));
            monitor.stop();
        }
        Err(e) => tracing::info!(cause = %e, "no device monitor: no cameras or microphones listed"),
    }
    if test {
        let label = |what: &str, name: &str| format!("{what} ({name})");
        out.extend(["ball", "smpte"].map(|p| Device { id: format!("test:{p}"), kind: Kind::Video, label: label("Test pattern", p) }));
        out.extend(["sine", "ticks"].map(|w| Device { id: format!("test:{w}"), kind: Kind::Audio, label: label("Test tone", w) }));
    }
    out
}

/// One monitored device as an engine device string, if the engine can open it.
fn device_of(device: &gst::Device) -> Option<Device> {
    let kind = if device.has_classes("Video/Source") {
        Kind::Video
    } else if device.has_classes("Audio/Source") {
        Kind::Audio
    } else {
        return None;
    };
    let props = device.properties();
    if props.as_ref().and_then(|p| p.get::<String>("device.class").ok()).as_deref() == Some("monitor") {
        return None; // what a speaker plays, not a microphone
    }
    let element = device.create_element(None).ok()?;
    let id = id_of(&element)?;
    describe(kind, &id).ok()?;
    Some(Device { id, kind, label: device.display_name().to_string() })
}

/// The device string of a source element (as the monitor made it, or as
/// `autovideosrc`/`autoaudiosrc` picked it).
pub(super) fn id_of(element: &gst::Element) -> Option<String> {
    let factory = element.factory()?.name();
    let text = |name: &str| {
        element
            .find_property(name)
            .and_then(|_| element.property_value(name).get::<Option<String>>().ok().flatten())
            .filter(|s| !s.is_empty())
    };
    Some(match factory.as_str() {
        "v4l2src" => format!("v4l2:{}", text("device")?),
        "pulsesrc" => format!("pulse:{}", text("device")?),
        "alsasrc" => format!("alsa:{}", text("device")?),
        "pipewiresrc" => format!("pipewire:{}", text("target-object").or_else(|| text("path"))?),
        _ => return None,
    })
}

/// The source element (named `src`) for a device string, in gst-launch syntax.
pub(super) fn describe(kind: Kind, device: &str) -> Result<String> {
    let (api, id) = device.split_once(':').unwrap_or((device, ""));
    check_id(id)?;
    let what = if kind == Kind::Video { "camera" } else { "microphone" };
    let unknown = || Error::Device(format!("no such {what}: {device:?}"));
    Ok(match (kind, api) {
        (Kind::Video, "v4l2") => format!("v4l2src name=src device=\"{id}\""),
        (Kind::Video, "test") if PATTERNS.contains(&id) => {
            let motion = if id == "ball" { " motion=sweep" } else { "" };
            format!("videotestsrc name=src is-live=true pattern={id}{motion}")
        }
        // The moving ball with the capture time drawn in (see `stamp`).
        (Kind::Video, "test") if id == "clock" => "videotestsrc name=src is-live=true pattern=ball motion=sweep".to_owned(),
        (Kind::Video, "auto" | "") => "autovideosrc name=src".to_owned(),
        (Kind::Audio, "pulse") => format!("pulsesrc name=src device=\"{id}\""),
        (Kind::Audio, "alsa") => format!("alsasrc name=src device=\"{id}\""),
        (Kind::Audio, "test") if WAVES.contains(&id) => {
            format!("audiotestsrc name=src is-live=true wave={id} freq=440 volume=0.2")
        }
        // Silenced between turns by the branch (speak_in_turns).
        (Kind::Audio, "test") if id == "turns" => "audiotestsrc name=src is-live=true wave=sine freq=300 volume=0.3".to_owned(),
        (Kind::Audio, "auto" | "") => "autoaudiosrc name=src".to_owned(),
        (_, "pipewire") if !id.is_empty() => format!("pipewiresrc name=src target-object=\"{id}\""),
        _ => return Err(unknown()),
    })
}

/// `test:turns` sounds for this long of every [`TURN_PERIOD_NS`]…
pub const TURN_ON_NS: u64 = 2_000_000_000;
/// …from the engine's start (its running time), silent for the rest.
pub const TURN_PERIOD_NS: u64 = 5_000_000_000;

/// `test:turns`: the buffers through `pad` (raw S16 audio) go silent outside
/// each turn, so a test sees a speaker start and stop on a schedule of its
/// own (a test tone, honestly not speech).
pub(super) fn speak_in_turns(pad: &gst::Pad) {
    pad.add_probe(gst::PadProbeType::BUFFER, |_, info| {
        if let Some(gst::PadProbeData::Buffer(buffer)) = &mut info.data {
            let at = buffer.pts().map(|t| t.nseconds()).unwrap_or(0) % TURN_PERIOD_NS;
            if at >= TURN_ON_NS {
                if let Ok(mut map) = buffer.make_mut().map_writable() {
                    map.as_mut_slice().fill(0);
                }
            }
        }
        gst::PadProbeReturn::Ok
    });
}

/// Device ids go into a pipeline description: no quotes or separators.
fn check_id(id: &str) -> Result<()> {
    let ok = id.len() <= 256 && id.chars().all(|c| c.is_alphanumeric() || "/_.:,-@ ".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::Device(format!("device id {id:?} has characters no device name has")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known kinds become their element; anything else is a typed error.
    #[test]
    fn device_strings() {
        assert!(describe(Kind::Video, "v4l2:/dev/video2").unwrap().starts_with("v4l2src name=src device=\"/dev/video2\""));
        assert!(describe(Kind::Video, "test:smpte").unwrap().contains("pattern=smpte"));
        assert!(describe(Kind::Audio, "test:ticks").unwrap().contains("wave=ticks"));
        assert!(describe(Kind::Audio, "test:turns").unwrap().starts_with("audiotestsrc"));
        assert_eq!(describe(Kind::Audio, "auto").unwrap(), "autoaudiosrc name=src");
        for bad in ["test:nope", "pulse:x\" ! filesink location=/tmp/x", "v4l2src:x", "alsa:a!b", "pipewire:"] {
            assert_eq!(describe(Kind::Video, bad).map_err(|e| e.code()).unwrap_err(), "device", "{bad}");
        }
        assert!(describe(Kind::Audio, "test:ball").is_err(), "a pattern is no microphone");
    }
}
