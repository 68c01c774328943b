//! A frame's capture time drawn into the frame, for measuring end-to-end
//! video latency (`make bench-media`): the `test:clock` camera writes the
//! wall clock (ms since the Unix epoch, modulo 2^32) as 32 black or white
//! blocks across the top of each I420 frame, and below them the same bits
//! inverted, so a reader can tell a clean read from a smeared one. Sender
//! and receiver on one machine share the clock, so receive time minus the
//! stamp is the latency. bench/media-peer.mjs reads and writes the same
//! code in Chromium.

use std::time::{SystemTime, UNIX_EPOCH};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_video as gst_video;

/// Bits per stamp, one block each across the frame's width.
pub const BITS: usize = 32;

/// The wall clock in ms, modulo 2^32 (wraps every 49 days; differences
/// are taken with wrapping arithmetic).
pub fn now_ms() -> u32 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u32).unwrap_or(0)
}

/// Side of a block for a frame `width` pixels wide.
fn block(width: usize) -> usize {
    (width / BITS).max(2)
}

/// Draw `value` into an I420 frame's luma (`y`, rows of `stride` bytes) and
/// grey its chroma under the code, so the blocks read the same as RGB.
pub fn write(frame: &mut gst_video::VideoFrameRef<&mut gst::BufferRef>, value: u32) {
    let width = frame.width() as usize;
    let b = block(width);
    let strides = frame.plane_stride().to_vec();
    if let Ok(y) = frame.plane_data_mut(0) {
        let stride = strides[0] as usize;
        for row in 0..2 * b {
            let inverted = row >= b;
            for bit in 0..BITS {
                let one = (value >> (BITS - 1 - bit)) & 1 == 1;
                let level = if one != inverted { 235 } else { 16 };
                let start = row * stride + bit * b;
                if let Some(px) = y.get_mut(start..start + b) {
                    px.fill(level);
                }
            }
        }
    }
    for (plane, &stride) in strides.iter().enumerate().take(3).skip(1) {
        let stride = stride as usize;
        if let Ok(c) = frame.plane_data_mut(plane as u32) {
            for row in 0..b {
                if let Some(px) = c.get_mut(row * stride..row * stride + BITS * b / 2) {
                    px.fill(128);
                }
            }
        }
    }
}

/// Read a stamp from luma (`y`, rows of `stride` bytes, `width` wide):
/// None if any bit and its inverse do not clearly differ.
pub fn read(y: &[u8], stride: usize, width: usize) -> Option<u32> {
    let b = block(width);
    // Mean of the middle half of a block.
    let mean = |row0: usize, bit: usize| -> Option<u32> {
        let (mut sum, mut n) = (0u32, 0u32);
        for row in row0 + b / 4..row0 + b - b / 4 {
            for x in bit * b + b / 4..bit * b + b - b / 4 {
                sum += u32::from(*y.get(row * stride + x)?);
                n += 1;
            }
        }
        Some(sum / n.max(1))
    };
    let mut value = 0u32;
    for bit in 0..BITS {
        let (top, bottom) = (mean(0, bit)?, mean(b, bit)?);
        if top.abs_diff(bottom) < 64 {
            return None;
        }
        value = value << 1 | u32::from(top > bottom);
    }
    Some(value)
}

/// Stamp every frame passing `pad` (I420) with the time it passes.
pub(super) fn install(pad: &gst::Pad) {
    pad.add_probe(gst::PadProbeType::BUFFER, |pad, info| {
        let caps = pad.current_caps();
        let Some(vinfo) = caps.and_then(|c| gst_video::VideoInfo::from_caps(&c).ok()) else {
            return gst::PadProbeReturn::Ok;
        };
        if let Some(gst::PadProbeData::Buffer(buffer)) = &mut info.data {
            if let Ok(mut frame) = gst_video::VideoFrameRef::from_buffer_ref_writable(buffer.make_mut(), &vinfo) {
                write(&mut frame, now_ms());
            }
        }
        gst::PadProbeReturn::Ok
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `write` draws, `read` reads back.
    #[test]
    fn a_stamp_reads_back() {
        gst::init().unwrap();
        let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, 640, 480).build().unwrap();
        let mut buffer = gst::Buffer::with_size(info.size()).unwrap();
        let value = 0xdead_beef;
        {
            let mut frame = gst_video::VideoFrameRef::from_buffer_ref_writable(buffer.get_mut().unwrap(), &info).unwrap();
            write(&mut frame, value);
        }
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer.as_ref(), &info).unwrap();
        let stride = frame.plane_stride()[0] as usize;
        assert_eq!(read(frame.plane_data(0).unwrap(), stride, 640), Some(value));
        assert_eq!(read(&vec![128; 640 * 480], 640, 640), None, "grey is no stamp");
    }
}
