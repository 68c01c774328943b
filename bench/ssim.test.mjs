// bench/ssim.mjs against what SSIM must give: 1 for the same picture, the
// closed form for two flat pictures, below zero for a negative, and less
// the more noise is added.   node --test bench/ssim.test.mjs
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { C1, luma, ssim } from './ssim.mjs';

const W = 64, H = 48;

/** A picture of small "text": dark strokes on white, from a fixed seed. */
function text() {
  const p = new Float32Array(W * H).fill(255);
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let y = 2; y < H - 2; y += 6) {
    for (let x = 1; x < W - 1; x++) if (rand() < 0.5) { p[y * W + x] = 20; p[(y + 1) * W + x] = 20; }
  }
  return p;
}

/** `p` with noise of ± `amp` (fixed seed), clamped to 0..255. */
function noisy(p, amp) {
  let seed = 3;
  return p.map((v) => Math.min(255, Math.max(0, v + amp * (2 * ((seed = (seed * 69069 + 1) >>> 0) / 2 ** 32) - 1))));
}

describe('ssim', () => {
  it('is 1 for a picture and itself', () => {
    assert.equal(ssim(text(), text(), W, H), 1);
  });

  it('is the closed form for two flat pictures: (2ab + C1) / (a² + b² + C1)', () => {
    const a = new Float32Array(W * H).fill(100);
    const b = new Float32Array(W * H).fill(150);
    const want = (2 * 100 * 150 + C1) / (100 ** 2 + 150 ** 2 + C1);
    assert.ok(Math.abs(ssim(a, b, W, H) - want) < 1e-9, `${ssim(a, b, W, H)} against ${want}`);
  });

  it('is below zero for a picture and its negative', () => {
    const p = text();
    assert.ok(ssim(p, p.map((v) => 255 - v), W, H) < 0);
  });

  it('falls as noise grows, staying in (0, 1)', () => {
    const p = text();
    const s = [4, 16, 64].map((amp) => ssim(p, noisy(p, amp), W, H));
    assert.ok(s[0] < 1 && s[0] > s[1] && s[1] > s[2] && s[2] > 0, `${s}`);
  });

  it('refuses pictures of another size', () => {
    assert.throws(() => ssim(text(), new Float32Array(10), W, H), /not 64×48/);
  });
});

describe('luma', () => {
  it('weighs red, green and blue as BT.601 does, from RGB or RGBA', () => {
    assert.deepEqual([...luma(new Uint8Array([255, 255, 255, 0, 0, 0]), 3)], [255, 0].map(Math.fround));
    const [r, g, b] = luma(new Uint8Array([255, 0, 0, 9, 0, 255, 0, 9, 0, 0, 255, 9]), 4);
    assert.deepEqual([r, g, b], [0.299 * 255, 0.587 * 255, 0.114 * 255].map(Math.fround));
  });
});
