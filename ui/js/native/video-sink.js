// Remote (or previewed) video of the native engine: encoded VP8 frames from
// an engine channel, decoded with WebCodecs into an off-screen canvas whose
// captureStream() is the track the page shows. Also the YUV to RGBA
// conversion WebKitGTK needs for planar frames. No Tauri here, and no DOM
// beyond that canvas.

/**
 * BT.601 limited-range YUV (I420 or NV12, planes as `layout` says) to RGBA.
 * @param {Uint8Array} src
 * @param {PlaneLayout[]} layout
 * @param {string} format
 * @param {number} w
 * @param {number} h
 * @param {Uint8ClampedArray} out
 */
function toRgba(src, layout, format, w, h, out) {
  const [yl, ul, vl] = layout;
  const nv12 = format === 'NV12';
  for (let y = 0; y < h; y += 1) {
    const yRow = yl.offset + y * yl.stride;
    const uRow = ul.offset + (y >> 1) * ul.stride;
    const vRow = nv12 ? uRow + 1 : vl.offset + (y >> 1) * vl.stride;
    let o = y * w * 4;
    for (let x = 0; x < w; x += 1) {
      const c = (src[yRow + x] - 16) * 298;
      const ci = nv12 ? (x >> 1) * 2 : x >> 1;
      const d = src[uRow + ci] - 128;
      const e = src[vRow + ci] - 128;
      out[o] = (c + 409 * e + 128) >> 8;
      out[o + 1] = (c - 100 * d - 208 * e + 128) >> 8;
      out[o + 2] = (c + 516 * d + 128) >> 8;
      out[o + 3] = 255;
      o += 4;
    }
  }
}

/**
 * The canvas each of an engine's video tracks is drawn into, so views can
 * show the canvas itself (see Engine.canvasFor in engine.js). One per
 * engine instance: the engine hands it to each sink it makes.
 * @typedef {WeakMap<MediaStreamTrack, HTMLCanvasElement>} Canvases
 */

/** Remote video decoded into a canvas, offered as a MediaStream. */
export class VideoSink {
  framesDecoded = 0;
  width = 0;
  height = 0;
  #needKey = true;
  /** @type {VideoDecoder | null} */
  #decoder = null;
  /** @type {ImageData | null} */
  #image = null;
  #askedAt = -Infinity;

  /**
   * @param {Canvases} canvases  where this sink's track is registered with its canvas
   * @param {() => void} [askKey]  asks the sender for a key frame (remote
   *   video; our own encoder makes one every few seconds anyway)
   */
  constructor(canvases, askKey) {
    this.askKey = askKey;
    this.canvas = document.createElement('canvas');
    this.canvas.width = 640;
    this.canvas.height = 480;
    this.ctx = this.canvas.getContext('2d');
    // A first paint, so the stream has a frame before the first decode.
    this.ctx?.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.stream = this.canvas.captureStream(30);
    this.track = this.stream.getVideoTracks()[0];
    canvases.set(this.track, this.canvas);
  }

  /**
   * One frame from the engine: [flags u8][timestamp µs u64 LE][VP8 frame].
   * @param {ArrayBuffer} buffer
   */
  push(buffer) {
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < 10) return;
    const view = new DataView(buffer);
    const key = (view.getUint8(0) & 1) === 1;
    if (this.#needKey && !key) {
      this.#askKey();
      return;
    }
    const decoder = this.#decoder ?? this.#open();
    if (!decoder) return;
    if (decoder.decodeQueueSize > 8) {
      // Falling behind (a busy machine): skip to the next key frame.
      this.#reset();
      this.#askKey();
      return;
    }
    this.#needKey = false;
    const timestamp = Number(view.getBigUint64(1, true));
    try {
      decoder.decode(new EncodedVideoChunk({ type: key ? 'key' : 'delta', timestamp, data: new Uint8Array(buffer, 9) }));
    } catch {
      this.#reset();
    }
  }

  #open() {
    if (typeof VideoDecoder !== 'function') return null;
    const decoder = new VideoDecoder({
      output: (frame) => { this.#draw(frame).finally(() => frame.close()); },
      error: () => this.#reset(),
    });
    decoder.configure({ codec: 'vp8' });
    this.#decoder = decoder;
    return decoder;
  }

  /**
   * Paint a decoded frame. WebKitGTK's drawImage(VideoFrame) scrambles I420
   * frames (rows of half width, measured under Xvfb), so planar frames are
   * copied out and converted to RGBA here; others are drawn as they are.
   * @param {VideoFrame} frame
   */
  async #draw(frame) {
    const w = frame.visibleRect?.width ?? frame.displayWidth;
    const h = frame.visibleRect?.height ?? frame.displayHeight;
    if (w !== this.canvas.width || h !== this.canvas.height) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.#image = null;
    }
    this.width = w;
    this.height = h;
    const ctx = this.ctx;
    if (!ctx) return;
    if (frame.format === 'I420' || frame.format === 'NV12') {
      const buf = new Uint8Array(frame.allocationSize());
      const layout = await frame.copyTo(buf);
      if (!this.#image) this.#image = ctx.createImageData(w, h);
      toRgba(buf, layout, frame.format, w, h, this.#image.data);
      ctx.putImageData(this.#image, 0, 0);
    } else {
      ctx.drawImage(frame, 0, 0, w, h);
    }
    this.framesDecoded += 1;
  }

  /** At most once a second: a key frame comes within a round trip. */
  #askKey() {
    const now = performance.now();
    if (!this.askKey || now - this.#askedAt < 1000) return;
    this.#askedAt = now;
    this.askKey();
  }

  /** After a decoding error: start again at the next key frame. */
  #reset() {
    try { this.#decoder?.close(); } catch { /* already closed */ }
    this.#decoder = null;
    this.#needKey = true;
  }

  close() {
    this.#reset();
    this.track.stop();
  }
}
