/** IoU on RLE runs (src/core/rle-iou.ts) against the pixel definition, on random masks in both RLE forms. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mask } from '../../src/core/mask.js';
import { maskToCocoRle, maskToRle } from '../../src/core/rle.js';
import { duplicatesAny, rleIou } from '../../src/core/rle-iou.js';

function pixelIou(a: Mask, b: Mask): number {
  let i = 0, u = 0;
  for (let k = 0; k < a.data.length; k++) { if (a.data[k] && b.data[k]) i++; if (a.data[k] || b.data[k]) u++; }
  return u ? i / u : 0;
}

function blob(w: number, h: number, seed: number): Mask {
  const m = new Mask(w, h);
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let r = 0; r < 4; r++) {
    const cx = rnd() * w, cy = rnd() * h, rad = 2 + rnd() * w / 3;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < rad * rad) m.data[y * w + x] = 1;
  }
  return m;
}

test('rleIou equals the pixel IoU on random masks, compressed or not', () => {
  for (let t = 0; t < 30; t++) {
    const a = blob(37, 23, t + 1), b = blob(37, 23, t * 7 + 3);
    const want = pixelIou(a, b);
    assert.ok(Math.abs(rleIou(maskToRle(a), maskToRle(b)) - want) < 1e-12);
    assert.ok(Math.abs(rleIou(maskToCocoRle(a), maskToRle(b)) - want) < 1e-12);
    assert.equal(rleIou(maskToCocoRle(a), maskToCocoRle(a)), pixelIou(a, a) > 0 ? 1 : 0);
  }
  const empty = new Mask(5, 4);
  assert.equal(rleIou(maskToRle(empty), maskToRle(empty)), 0);
  assert.throws(() => rleIou(maskToRle(new Mask(5, 4)), maskToRle(new Mask(4, 5))), /different sizes/);
});

test('duplicatesAny: above the threshold only, other sizes never match', () => {
  const a = new Mask(10, 10);
  for (let k = 0; k < 100; k++) a.data[k] = k < 50 ? 1 : 0;
  const b = new Mask(10, 10);
  b.data.set(a.data);
  b.data[50] = 1; b.data[51] = 1; b.data[52] = 1; // IoU 50/53 = 0.943
  const c = new Mask(10, 10);
  c.data.set(a.data);
  for (let k = 50; k < 60; k++) c.data[k] = 1; // IoU 50/60 = 0.833
  assert.equal(duplicatesAny(maskToCocoRle(a), [maskToCocoRle(b)]), true);
  assert.equal(duplicatesAny(maskToCocoRle(a), [maskToCocoRle(c)]), false);
  assert.equal(duplicatesAny(maskToCocoRle(a), [maskToCocoRle(new Mask(5, 20))]), false);
});
