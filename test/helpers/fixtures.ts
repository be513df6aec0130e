/** Small deterministic inputs shared by unit tests. */
import { Mask } from '../../src/core/mask.js';

/** Linear congruential generator in [0, 1) (the tests' original sequences depend on it). */
export function lcg(seed: number): () => number {
  let s = seed;
  return () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
}

/** Mulberry32 PRNG in [0, 1): deterministic, so failures reproduce. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A mask drawn as rows of characters (row-major, as drawn); `on` marks set pixels. */
export function maskFromRows(rows: readonly string[], on = '#'): Mask {
  const h = rows.length;
  const w = h ? rows[0].length : 0;
  const m = new Mask(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) m.data[y * w + x] = rows[y][x] === on ? 1 : 0;
  return m;
}

/**
 * Smooth random logits with several sign changes, like decoder mask output: `blobs` Gaussian bumps of
 * amplitude in [ampLo, ampLo + ampSpan) over `base`, plus uniform noise of width `noise`.
 */
export function blobLogits(n: number, seed: number, o: { blobs: number; base: number; ampLo: number; ampSpan: number; noise: number }): Float32Array {
  const rnd = lcg(seed);
  const centers = Array.from({ length: o.blobs }, () => [rnd() * n, rnd() * n, 3 + rnd() * n / 4, rnd() * o.ampSpan + o.ampLo]);
  const out = new Float32Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    let v = o.base;
    for (const [cx, cy, r, a] of centers) v += a * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (r * r));
    out[y * n + x] = v + (rnd() - 0.5) * o.noise;
  }
  return out;
}

/** A deterministic textured RGB image with a red disc at (200, 150), radius 90: an object the models find. */
export function discImage(width: number, height: number): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      const inside = (x - 200) ** 2 + (y - 150) ** 2 < 90 ** 2;
      data[p] = inside ? 220 : (x * 7) % 256;
      data[p + 1] = inside ? 40 : (y * 5) % 256;
      data[p + 2] = inside ? 30 : ((x + y) * 3) % 256;
    }
  }
  return { data, width, height };
}
