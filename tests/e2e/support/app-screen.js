// The Linux app's screen sharing as its tests see it: a real click in the
// app's window under Xvfb, and what Chromium's page decodes of the app's
// shared screen (tests/e2e/app-screen.test.js, app-screen-portal.test.js).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { until } from './app.js';

const run = promisify(execFile);

/**
 * Click the point (x, y) of the page in the app's window with the X
 * server's pointer (the window's place from xdotool; the page at its bottom,
 * under the menu bar), as tests/e2e/app-waiting-room.test.js does.
 * @param {string} display
 * @param {{ x: number, y: number }} point
 * @param {{ width: number, height: number }} viewport
 */
export async function clickInApp(display, point, viewport) {
  const env = { ...process.env, DISPLAY: display };
  // A window that goes while xdotool looks (a menu, a tooltip) fails the search: look again.
  const found = await until(() => run('xdotool', ['search', '--onlyvisible', '--name', 'lancall'], { env }).then((r) => r.stdout, () => ''),
    'the app\'s windows (xdotool)', 10_000);
  /** @type {{ x: number, y: number, width: number, height: number } | null} */
  let win = null;
  for (const id of found.trim().split(/\s+/).filter(Boolean)) {
    const { stdout } = await run('xdotool', ['getwindowgeometry', '--shell', id], { env });
    const g = Object.fromEntries(stdout.trim().split('\n').map((l) => l.split('=')));
    const c = { x: Number(g.X), y: Number(g.Y), width: Number(g.WIDTH), height: Number(g.HEIGHT) };
    if (c.width >= viewport.width && c.height >= viewport.height && (!win || c.height > win.height)) win = c;
  }
  assert.ok(win, `no window of the app found on ${display}`);
  const x = Math.round(win.x + point.x);
  const y = Math.round(win.y + (win.height - viewport.height) + point.y);
  // Off the window first: `mousemove --sync` waits for the pointer to move,
  // and one already on that pixel (a button clicked again in the same
  // place) never does; that wait took 16 s.
  await run('xdotool', ['mousemove', '--sync', '0', '0', 'mousemove', '--sync', String(x), String(y), 'click', '1'], { env });
}

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
