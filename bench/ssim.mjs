// Structural similarity (SSIM, Wang, Bovik, Sheikh and Simoncelli 2004) of
// two pictures of the same size, on their luma: the mean over 8×8 windows
// (a step of 4 between windows) of
//
//   (2·μx·μy + C1)(2·σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2))
//
// with the paper's constants for 8-bit samples, C1 = (0.01·255)² and
// C2 = (0.03·255)². 1 is the same picture; text blurred by an encoder
// scores lower. Plain windows, not the paper's Gaussian-weighted 11×11:
// what `make bench-screen` asks is whether text survives, and the figure
// is for comparing one received frame with its source. No DOM, no I/O.

export const C1 = (0.01 * 255) ** 2;
export const C2 = (0.03 * 255) ** 2;

/**
 * Luma (BT.601: 0.299 R + 0.587 G + 0.114 B) of packed 8-bit pixels.
 * @param {Uint8Array | Uint8ClampedArray} pixels  RGB or RGBA, row after row
 * @param {3 | 4} channels
 * @returns {Float32Array}
 */
export function luma(pixels, channels) {
  const n = Math.floor(pixels.length / channels);
  const out = new Float32Array(n);
  for (let i = 0, p = 0; i < n; i++, p += channels) {
    out[i] = 0.299 * pixels[p] + 0.587 * pixels[p + 1] + 0.114 * pixels[p + 2];
  }
  return out;
}

/**
 * Mean SSIM of two luma pictures of `width`×`height`.
 * @param {ArrayLike<number>} a
 * @param {ArrayLike<number>} b
 * @param {number} width
 * @param {number} height
 * @param {{ size?: number, step?: number }} [o]  window side and step (8 and 4)
 */
export function ssim(a, b, width, height, { size = 8, step = 4 } = {}) {
  if (a.length !== width * height || b.length !== width * height) {
    throw new Error(`ssim: pictures of ${a.length} and ${b.length} samples, not ${width}×${height}`);
  }
  if (width < size || height < size) throw new Error(`ssim: ${width}×${height} is smaller than a window`);
  const n = size * size;
  let total = 0;
  let windows = 0;
  for (let y0 = 0; y0 + size <= height; y0 += step) {
    for (let x0 = 0; x0 + size <= width; x0 += step) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let y = y0; y < y0 + size; y++) {
        for (let i = y * width + x0, end = i + size; i < end; i++) {
          const p = a[i], q = b[i];
          sa += p; sb += q; saa += p * p; sbb += q * q; sab += p * q;
        }
      }
      const ma = sa / n, mb = sb / n;
      const va = saa / n - ma * ma, vb = sbb / n - mb * mb, cov = sab / n - ma * mb;
      total += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
      windows++;
    }
  }
  return total / windows;
}
