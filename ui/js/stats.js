// A connection's health from getStats: round-trip time, bitrate both ways,
// packet loss, resolution and codecs. Rates need two samples, so a sampler
// keeps the previous one. No DOM here.

/**
 * @typedef {object} StatsSummary
 * @property {number | null} rttMs       current round-trip time of the selected pair
 * @property {number} inKbps             received, all media
 * @property {number} outKbps            sent, all media
 * @property {number | null} lossPct     inbound packets lost, since the start
 * @property {string} resolution         remote video, e.g. "640×360"
 * @property {number | null} fps
 * @property {string} videoCodec
 * @property {string} audioCodec
 * @property {number} framesDecoded      of the camera
 * @property {number} screenFrames       of a shared screen, if any
 * @property {string} screenResolution   e.g. "1920×1080"; '' without a screen
 * @property {number} audioPackets       audio packets received
 * @property {number} audioEnergy        total energy of the audio received (silence adds none)
 * @property {string} candidateType      e.g. "host"
 */

export class StatsSampler {
  /** @type {{ at: number, inBytes: number, outBytes: number } | null} */
  #last = null;

  /**
   * @param {RTCStatsReport} report
   * @param {number} [now] ms
   * @param {string} [screenTrack]  id of the remote screen's video track: counted apart from the camera
   * @returns {StatsSummary}
   */
  sample(report, now = Date.now(), screenTrack = '') {
    /** @type {Map<string, any>} */
    const byId = new Map();
    report.forEach((s) => byId.set(s.id, s));
    let inBytes = 0;
    let outBytes = 0;
    let lost = 0;
    let received = 0;
    /** @type {StatsSummary} */
    const out = {
      rttMs: null, inKbps: 0, outKbps: 0, lossPct: null, resolution: '', fps: null,
      videoCodec: '', audioCodec: '', framesDecoded: 0, screenFrames: 0, screenResolution: '', audioPackets: 0, audioEnergy: 0, candidateType: '',
    };
    /** @param {string | undefined} id */
    const codec = (id) => {
      const c = id ? byId.get(id) : null;
      return c?.mimeType ? String(c.mimeType).replace(/^(audio|video)\//, '') : '';
    };
    for (const s of byId.values()) {
      if (s.type === 'inbound-rtp') {
        inBytes += s.bytesReceived ?? 0;
        lost += Math.max(0, s.packetsLost ?? 0);
        received += s.packetsReceived ?? 0;
        if (s.kind === 'video' && screenTrack && s.trackIdentifier === screenTrack) {
          out.screenFrames += s.framesDecoded ?? 0;
          if (s.frameWidth) out.screenResolution = `${s.frameWidth}×${s.frameHeight}`;
        } else if (s.kind === 'video') {
          out.framesDecoded += s.framesDecoded ?? 0;
          if (s.frameWidth) out.resolution = `${s.frameWidth}×${s.frameHeight}`;
          if (s.framesPerSecond != null) out.fps = Math.round(s.framesPerSecond);
          out.videoCodec = codec(s.codecId) || out.videoCodec;
        } else if (s.kind === 'audio') {
          out.audioPackets += s.packetsReceived ?? 0;
          out.audioEnergy += s.totalAudioEnergy ?? 0;
          out.audioCodec = codec(s.codecId) || out.audioCodec;
        }
      } else if (s.type === 'outbound-rtp') {
        outBytes += s.bytesSent ?? 0;
      } else if (s.type === 'transport' && s.selectedCandidatePairId) {
        const pair = byId.get(s.selectedCandidatePairId);
        if (pair?.currentRoundTripTime != null) out.rttMs = Math.round(pair.currentRoundTripTime * 1000);
        const local = pair ? byId.get(pair.localCandidateId) : null;
        if (local?.candidateType) out.candidateType = local.candidateType;
      }
    }
    if (received + lost > 0) out.lossPct = Math.round((lost / (received + lost)) * 1000) / 10;
    const last = this.#last;
    if (last && now > last.at) {
      const secs = (now - last.at) / 1000;
      out.inKbps = Math.max(0, Math.round(((inBytes - last.inBytes) * 8) / 1000 / secs));
      out.outKbps = Math.max(0, Math.round(((outBytes - last.outBytes) * 8) / 1000 / secs));
    }
    this.#last = { at: now, inBytes, outBytes };
    return out;
  }
}
