import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bilinearTaps, lowResFootprint, planUpsample, upsampleLogits, upsampleThreshold, UpsampleScratch } from '../../src/core/upsample.js';
import { blobLogits } from '../helpers/fixtures.js';

/** Straightforward reference: PyTorch's bilinear (align_corners=False) as two full float images. */
function interpolate(src: Float32Array, w: number, h: number, ow: number, oh: number, cropW = ow, cropH = oh): Float32Array {
  const tx = bilinearTaps(w, ow, cropW);
  const ty = bilinearTaps(h, oh, cropH);
  const out = new Float32Array(cropW * cropH);
  for (let y = 0; y < cropH; y++) {
    for (let x = 0; x < cropW; x++) {
      const t = src[ty.i0[y] * w + tx.i0[x]] * tx.w0[x] + src[ty.i0[y] * w + tx.i1[x]] * tx.w1[x];
      const b = src[ty.i1[y] * w + tx.i0[x]] * tx.w0[x] + src[ty.i1[y] * w + tx.i1[x]] * tx.w1[x];
      out[y * cropW + x] = t * ty.w0[y] + b * ty.w1[y];
    }
  }
  return out;
}

/** Smooth random logits with several sign changes, like real mask logits. */
function blobs(n: number, seed: number): Float32Array {
  return blobLogits(n, seed, { blobs: 5, base: -4, ampLo: -5, ampSpan: 20, noise: 0.3 });
}

test('bilinearTaps follow align_corners=False with edge clamping', () => {
  const t = bilinearTaps(4, 8);
  assert.equal(t.i0[0], 0); assert.equal(t.w1[0], 0);
  assert.equal(t.i0[1], 0); assert.equal(t.w1[1], 0.25);
  assert.equal(t.i0[7], 3); assert.equal(t.i1[7], 3);
});

test('upsampleThreshold equals the full two-step upsampling, for several sizes and thresholds', () => {
  const n = 32;
  const sizes = [
    { resized: { width: 128, height: 85 }, original: { width: 300, height: 200 } },
    { resized: { width: 77, height: 128 }, original: { width: 77, height: 128 } },
    { resized: { width: 128, height: 128 }, original: { width: 50, height: 50 } },
  ];
  for (const [k, { resized, original }] of sizes.entries()) {
    const low = blobs(n, 7 + k);
    const mid = interpolate(low, n, n, 128, 128, resized.width, resized.height);
    const full = interpolate(mid, resized.width, resized.height, original.width, original.height);
    const plan = planUpsample({ width: n, height: n }, 128, resized, original);
    const scratch = new UpsampleScratch(plan);
    for (const t of [0, 1, -1]) {
      const out = new Uint8Array(original.width * original.height);
      const count = upsampleThreshold(low, 0, t, scratch, out);
      let expected = 0;
      let diff = 0;
      for (let i = 0; i < full.length; i++) { const v = full[i] > t ? 1 : 0; expected += v; if (v !== out[i]) diff++; }
      assert.equal(diff, 0, `size ${k} threshold ${t}: ${diff} pixels differ`);
      assert.equal(count, expected);
      assert.equal(upsampleThreshold(low, 0, t, scratch), expected, 'count-only mode agrees');
    }
    const logits = upsampleLogits(low, 0, scratch);
    let maxErr = 0;
    for (let i = 0; i < full.length; i++) maxErr = Math.max(maxErr, Math.abs(logits[i] - full[i]));
    assert.ok(maxErr < 1e-5, `logits differ by ${maxErr}`);
  }
});

test('uniform maps short-cut to empty and full masks', () => {
  const plan = planUpsample({ width: 8, height: 8 }, 32, { width: 32, height: 20 }, { width: 64, height: 40 });
  const scratch = new UpsampleScratch(plan);
  assert.equal(upsampleThreshold(new Float32Array(64).fill(-3), 0, 0, scratch), 0);
  assert.equal(upsampleThreshold(new Float32Array(64).fill(3), 0, 0, scratch), 64 * 40);
  // A second map at an offset in the same buffer.
  const two = new Float32Array(128).fill(-1);
  two.fill(5, 64);
  assert.equal(upsampleThreshold(two, 64, 0, scratch), 64 * 40);
});

test('lowResFootprint: values outside it never change an upsampled mask, whatever the output size', () => {
  const n = 32;
  for (const [k, resized] of [{ width: 128, height: 85 }, { width: 77, height: 128 }, { width: 128, height: 128 }, { width: 5, height: 128 }].entries()) {
    const fp = lowResFootprint({ width: n, height: n }, 128, resized);
    // The footprint is the support of the first step's taps: every low-res row/column it reaches.
    assert.equal(fp.height, Math.max(...bilinearTaps(n, 128, resized.height).i1) + 1);
    assert.equal(fp.width, Math.max(...bilinearTaps(n, 128, resized.width).i1) + 1);
    const low = blobs(n, 3 + k);
    const poisoned = low.slice();
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) if (y >= fp.height || x >= fp.width) poisoned[y * n + x] = Number.NaN;
    for (const original of [resized, { width: 3 * resized.width, height: 2 * resized.height }, { width: 40, height: 31 }]) {
      const scratch = new UpsampleScratch(planUpsample({ width: n, height: n }, 128, resized, original));
      const a = new Uint8Array(original.width * original.height), b = new Uint8Array(a.length);
      upsampleThreshold(low, 0, 0, scratch, a);
      upsampleThreshold(poisoned, 0, 0, scratch, b);
      assert.deepEqual(b, a, `resized ${resized.width}x${resized.height} -> ${original.width}x${original.height}`);
      assert.ok(upsampleLogits(poisoned, 0, scratch).every(Number.isFinite), 'no value outside the footprint is read');
    }
  }
});
