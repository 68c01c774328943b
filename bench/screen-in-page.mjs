// What bench/screen-share.mjs runs in its pages: the receiver's clock
// reading and stats, and the sender's camera (each function is sent to the
// page whole, so none uses anything outside itself). The clock
// read back is bench/screen-page.html's: 32 blocks across the top of the
// frame, each bit white over black (1) or black over white (0), the code of
// src-tauri/src/media/stamp.rs and bench/media-peer.mjs.

/**
 * Init script, before the client's own: keeps the page's connections
 * (window.__pcs) for their stats, and reads the clock of every frame of a
 * shared screen the page shows (requestVideoFrameCallback), into
 * window.__screen: `latency` (ms, the time shown minus the clock) and
 * `unread` (frames whose clock did not read). window.__stampOf(data, width)
 * decodes the clock of RGBA rows.
 */
export function screenWatch() {
  const w = /** @type {any} */ (window);
  const BITS = 32;
  w.__pcs = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(/** @type {any[]} */ ...args) {
      super(...args);
      w.__pcs.push(this);
    }
  };
  w.__screen = { latency: [], unread: 0 };
  /**
   * The clock in the top rows of a frame `width` wide (RGBA), or null.
   * @param {Uint8ClampedArray} d @param {number} width
   */
  w.__stampOf = (d, width) => {
    const b = Math.max(2, Math.floor(width / BITS));
    const mean = (/** @type {number} */ row0, /** @type {number} */ bit) => {
      let sum = 0, n = 0;
      for (let y = row0 + (b >> 2); y < row0 + b - (b >> 2); y++) {
        for (let x = bit * b + (b >> 2); x < bit * b + b - (b >> 2); x++) {
          const i = (y * width + x) * 4;
          sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
          n++;
        }
      }
      return sum / n;
    };
    let value = 0;
    for (let bit = 0; bit < BITS; bit++) {
      const top = mean(0, bit), bottom = mean(b, bit);
      if (Math.abs(top - bottom) < 64) return null;
      value = value * 2 + (top > bottom ? 1 : 0);
    }
    return value;
  };
  const rows = document.createElement('canvas');
  const seen = new WeakSet();
  const watch = (/** @type {HTMLVideoElement} */ v) => {
    if (seen.has(v)) return;
    seen.add(v);
    const frame = () => {
      const at = Date.now();
      const vw = v.videoWidth;
      if (vw) {
        const h = 2 * Math.max(2, Math.floor(vw / BITS));
        if (rows.width !== vw) rows.width = vw;
        rows.height = h;
        const g = /** @type {CanvasRenderingContext2D} */ (rows.getContext('2d', { willReadFrequently: true }));
        g.drawImage(v, 0, 0, vw, h, 0, 0, vw, h);
        const stamp = w.__stampOf(g.getImageData(0, 0, vw, h).data, vw);
        if (stamp === null) w.__screen.unread++;
        else w.__screen.latency.push((at % 2 ** 32 - stamp + 2 ** 32) % 2 ** 32);
      }
      v.requestVideoFrameCallback(frame);
    };
    v.requestVideoFrameCallback(frame);
  };
  new MutationObserver(() => document.querySelectorAll('#grid .screen video').forEach((v) => watch(/** @type {HTMLVideoElement} */ (v))))
    .observe(document, { childList: true, subtree: true });
}

/**
 * In the page: the received screen's inbound-rtp totals (its <video>'s
 * track, among the connected connections' stats), or null before there is one.
 * @returns {Promise<{ framesDecoded: number, keyFrames: number, pli: number, lost: number, nack: number, bytesReceived: number, size: string, codec: string, at: number } | null>}
 */
export async function screenStats() {
  const v = /** @type {HTMLVideoElement | null} */ (document.querySelector('#grid .screen video'));
  const track = /** @type {MediaStream | null} */ (v?.srcObject ?? null)?.getVideoTracks()[0];
  if (!track) return null;
  for (const pc of /** @type {RTCPeerConnection[]} */ (/** @type {any} */ (window).__pcs)) {
    if (pc.connectionState !== 'connected') continue;
    const report = await pc.getStats();
    /** @type {any} */
    let found = null;
    report.forEach((/** @type {any} */ s) => { if (s.type === 'inbound-rtp' && s.kind === 'video' && s.trackIdentifier === track.id) found = s; });
    if (found) {
      return {
        framesDecoded: found.framesDecoded ?? 0,
        keyFrames: found.keyFramesDecoded ?? 0,
        pli: found.pliCount ?? 0,
        lost: found.packetsLost ?? 0,
        nack: found.nackCount ?? 0,
        bytesReceived: found.bytesReceived ?? 0,
        size: found.frameWidth ? `${found.frameWidth}×${found.frameHeight}` : '',
        codec: String(report.get(found.codecId)?.mimeType ?? '').replace('video/', ''),
        at: Date.now(),
      };
    }
  }
  return null;
}

/**
 * In the page: the screen's frame shown now, drawn at `width`×`height`, as a
 * PNG data URL, and the clock it shows.
 * @param {[number, number]} size
 */
export function grabStill([width, height]) {
  const v = /** @type {HTMLVideoElement} */ (document.querySelector('#grid .screen video'));
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const g = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
  g.drawImage(v, 0, 0, width, height);
  const top = g.getImageData(0, 0, width, Math.ceil(height / 8)).data;
  return { png: c.toDataURL('image/png'), stamp: /** @type {any} */ (window).__stampOf(top, width) };
}

/** Runs in the sending page before its scripts: getUserMedia gives a 640×480 canvas at 30 fps and a tone. */
export function canvasCamera() {
  /** @type {MediaStream | undefined} */
  let made;
  const source = () => {
    if (made) return made;
    const c = document.createElement('canvas');
    c.width = 640;
    c.height = 480;
    const g = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
    let n = 0;
    setInterval(() => {
      g.fillStyle = '#246';
      g.fillRect(0, 0, 640, 480);
      g.fillStyle = '#fc0';
      g.fillRect((n += 8) % 640, 200, 80, 80);
    }, 1000 / 30);
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const out = audio.createMediaStreamDestination();
    tone.connect(out);
    tone.start();
    made = new MediaStream([...c.captureStream(30).getVideoTracks(), ...out.stream.getAudioTracks()]);
    return made;
  };
  navigator.mediaDevices.getUserMedia = async (c = {}) => new MediaStream([
    ...(c.audio ? source().getAudioTracks().map((t) => t.clone()) : []),
    ...(c.video ? source().getVideoTracks().map((t) => t.clone()) : []),
  ]);
}

/**
 * Runs in the sending page before its scripts: its getDisplayMedia asks for
 * 1920x1080 besides what the client asks (ui/js/screen.js asks only a frame rate).
 */
export function askFullHd() {
  const md = navigator.mediaDevices;
  const ask = md.getDisplayMedia.bind(md);
  md.getDisplayMedia = (c = {}) => ask({ ...c, video: { ...(typeof c.video === 'object' ? c.video : {}), width: { ideal: 1920 }, height: { ideal: 1080 } } });
}
