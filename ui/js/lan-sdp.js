// Descriptions tuned for a LAN, for every connection the client makes
// (peer.js).

/** Where the other side's video encoder starts, in kbit/s (see lanSdp). */
const START_KBPS = 1500;

/**
 * Tune a description for a LAN. WebRTC starts a video encoder at 300 kbit/s
 * and, at that rate, drops its first frames of a 720p camera and asks for a
 * smaller picture, which costs a good part of a second at call set-up. A LAN
 * has the bandwidth: tell the other side's encoder to start higher
 * (x-google-start-bitrate, read by Chromium-based senders; others ignore it).
 * Congestion control still takes over from there.
 * @param {string} sdp
 */
export function lanSdp(sdp) {
  const lines = sdp.split('\r\n');
  /** @type {Map<string, number>} payload type -> index of its fmtp line */
  const fmtp = new Map();
  /** @type {string[]} */
  const video = [];
  let inVideo = false;
  lines.forEach((line, i) => {
    if (line.startsWith('m=')) inVideo = line.startsWith('m=video');
    const rtp = inVideo && line.match(/^a=rtpmap:(\d+) (VP8|VP9|H264|AV1)\//i);
    if (rtp) video.push(rtp[1]);
    const f = line.match(/^a=fmtp:(\d+) /);
    if (f) fmtp.set(f[1], i);
  });
  const extra = `x-google-start-bitrate=${START_KBPS}`;
  /** @type {Map<number, string>} lines to add after index */
  const add = new Map();
  for (const pt of video) {
    const at = fmtp.get(pt);
    if (at !== undefined) {
      if (!lines[at].includes('x-google-start-bitrate')) lines[at] += `;${extra}`;
    } else {
      const rtpmap = lines.findIndex((l) => l.startsWith(`a=rtpmap:${pt} `));
      add.set(rtpmap, `a=fmtp:${pt} ${extra}`);
    }
  }
  return lines.flatMap((l, i) => (add.has(i) ? [l, /** @type {string} */ (add.get(i))] : [l])).join('\r\n');
}
