// The Linux app's screen sharing as its tests see it: a real click in the
// app's window under Xvfb, and what Chromium's page decodes of the app's
// shared screen (tests/e2e/app-screen.test.js, app-screen-portal.test.js).
/** The real click in the app's window, shared with the other app tests. */
export { clickInApp } from './app.js';

/**
 * In Chromium's page: the size of the screen of `id` it decodes, and the
 * share of its pixels within 48 of `rgb` in each channel (drawn from the
 * <video> into a canvas).
 * @param {import('playwright-core').Page} page @param {string} id @param {[number, number, number]} rgb
 */
export const screenPixels = (page, id, rgb) => page.evaluate(({ id, rgb }) => {
  const v = /** @type {HTMLVideoElement | null} */ (document.querySelector(`#grid .screen[data-peer="${id}"] video`));
  if (!v || !v.videoWidth) return null;
  const c = document.createElement('canvas');
  c.width = v.videoWidth;
  c.height = v.videoHeight;
  const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
  ctx.drawImage(v, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let near = 0;
  let all = 0;
  for (let i = 0; i < d.length; i += 4 * 7) {
    all += 1;
    if (Math.abs(d[i] - rgb[0]) < 48 && Math.abs(d[i + 1] - rgb[1]) < 48 && Math.abs(d[i + 2] - rgb[2]) < 48) near += 1;
  }
  return { size: `${c.width}×${c.height}`, share: near / all };
}, { id, rgb });
