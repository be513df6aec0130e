import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThresholdCounter } from '../../src/amg/thresholds.js';
import { planUpsample, upsampleLogits, upsampleThreshold, UpsampleScratch } from '../../src/core/upsample.js';
import { alignedStride, CropRleEncoder } from '../../src/amg/rle-build.js';
import { Mask } from '../../src/core/mask.js';
import { maskToRle } from '../../src/core/rle.js';
import { blobLogits } from '../helpers/fixtures.js';

/** Smooth random logits with several sign changes, like decoder output (values around -10..10). */
function logits(n: number, seed: number, blobs = 6): Float32Array {
  return blobLogits(n, seed, { blobs, base: -6, ampLo: -6, ampSpan: 24, noise: 0.8 });
}

/** Inclusive XYXY box of the set pixels, [0, 0, 0, 0] when empty (official batched_mask_to_box). */
function bruteBox(m: Uint8Array, w: number, h: number): number[] {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (m[y * w + x]) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1, y1];
}

const GEOMETRIES = [
  // [low, inputSize, resized w, h, original w, h]: up- and downsampling, odd sizes, crops.
  [64, 256, 256, 171, 200, 134],
  [64, 256, 256, 171, 450, 300],
  [64, 256, 171, 256, 97, 145],
  [32, 128, 128, 128, 128, 128],
  [64, 256, 256, 190, 333, 247],
];

/** The upsampling plan of a GEOMETRIES row. */
function geometryPlan(low: number, input: number, rw: number, rh: number, ow: number, oh: number) {
  return planUpsample({ width: low, height: low }, input, { width: rw, height: rh }, { width: ow, height: oh });
}

test('ThresholdCounter counts and mask equal three upsampleThreshold calls exactly', () => {
  let cases = 0;
  for (const [low, input, rw, rh, ow, oh] of GEOMETRIES) {
    const plan = geometryPlan(low, input, rw, rh, ow, oh);
    const scratch = new UpsampleScratch(plan);
    const counter = new ThresholdCounter(plan);
    const a = new Uint8Array(ow * oh), b = new Uint8Array(ow * oh);
    // Several maps in one buffer, to exercise offsets and cache invalidation between maps.
    const maps = 4;
    const buf = new Float32Array(maps * low * low);
    for (let m = 0; m < maps; m++) buf.set(logits(low, 1000 * low + 17 * ow + m), m * low * low);
    for (let m = 0; m < maps; m++) {
      for (const offset of [1, 0.25, 0]) {
        const off = m * low * low;
        counter.setLogits(buf, off, Math.fround(-offset), 0, Math.fround(offset));
        const [lo, mid, hi] = counter.count();
        assert.equal(lo, upsampleThreshold(buf, off, Math.fround(-offset), scratch));
        assert.equal(mid, upsampleThreshold(buf, off, 0, scratch, a));
        assert.equal(hi, upsampleThreshold(buf, off, Math.fround(offset), scratch));
        assert.equal(counter.fillMask(b), mid);
        assert.ok(Buffer.from(a).equals(Buffer.from(b)), `mask differs for geometry ${ow}x${oh}, map ${m}, offset ${offset}`);
        // With a padded row stride and the box of the set pixels.
        const stride = ow + 5;
        const padded = new Uint8Array(stride * oh).fill(7);
        const box = new Int32Array(4);
        assert.equal(counter.fillMask(padded, stride, box), mid);
        for (let y = 0; y < oh; y++) assert.ok(Buffer.from(padded.subarray(y * stride, y * stride + ow)).equals(Buffer.from(a.subarray(y * ow, (y + 1) * ow))));
        assert.deepEqual(Array.from(box), bruteBox(a, ow, oh));
        cases++;
      }
    }
  }
  assert.equal(cases, GEOMETRIES.length * 4 * 3);
});

test('ThresholdCounter agrees with thresholding the full float logits', () => {
  const plan = planUpsample({ width: 64, height: 64 }, 256, { width: 256, height: 171 }, { width: 300, height: 200 });
  const scratch = new UpsampleScratch(plan);
  const counter = new ThresholdCounter(plan);
  const low = logits(64, 99);
  const full = upsampleLogits(low, 0, scratch);
  counter.setLogits(low, 0, -1, 0, 1);
  const [lo, mid, hi] = counter.count();
  let n0 = 0, n1 = 0, n2 = 0;
  for (const v of full) { if (v > -1) n0++; if (v > 0) n1++; if (v > 1) n2++; }
  assert.deepEqual([lo, mid, hi], [n0, n1, n2]);
  // The official stability score: count(> +offset) / count(> -offset), as float32.
  assert.ok(lo > 0 && hi <= mid && mid <= lo);
  assert.equal(Math.fround(hi / lo), Math.fround(n2 / n0));
});

test('ThresholdCounter handles uniform maps (all above, all below) and rejects unordered thresholds', () => {
  const plan = planUpsample({ width: 16, height: 16 }, 64, { width: 64, height: 40 }, { width: 50, height: 31 });
  const counter = new ThresholdCounter(plan);
  const out = new Uint8Array(50 * 31);
  counter.setLogits(new Float32Array(256).fill(5), 0, -1, 0, 1);
  assert.deepEqual([...counter.count()], [1550, 1550, 1550]);
  assert.equal(counter.fillMask(out), 1550);
  assert.ok(out.every((v) => v === 1));
  counter.setLogits(new Float32Array(256).fill(-5), 0, -1, 0, 1);
  assert.deepEqual([...counter.count()], [0, 0, 0]);
  assert.equal(counter.fillMask(out), 0);
  assert.ok(out.every((v) => v === 0));
  counter.setLogits(new Float32Array(256).fill(0.5), 0, -1, 0, 1);
  assert.deepEqual([...counter.count()], [1550, 1550, 0]);
  assert.throws(() => counter.setLogits(new Float32Array(256), 0, 1, 0, -1), RangeError);
  // completeMask() finishes the buffer the preceding count() wrote into, and no other.
  counter.setLogits(new Float32Array(256).fill(0.5), 0, -1, 0, 1);
  counter.count(out);
  assert.throws(() => counter.completeMask(new Uint8Array(out.length)), /count\(\)/);
  assert.equal(counter.completeMask(out), 1550);
});

test('countUnlessUnstable returns null exactly for candidates whose stability is below the threshold', () => {
  let rejected = 0, kept = 0;
  for (const [low, input, rw, rh, ow, oh] of GEOMETRIES) {
    const plan = geometryPlan(low, input, rw, rh, ow, oh);
    const counter = new ThresholdCounter(plan);
    // One buffer for every candidate, as the generator uses it: a rejected candidate may have written
    // part of it before the bound ruled it out.
    const b = new Uint8Array(ow * oh);
    // Scaled by 2000, values leave the margin of the support flags and the coarser bound is used;
    // scale 0 leaves only values just above and just below the top threshold (inside the flags' margin).
    for (const scale of [1, 0.25, 2000, 0]) {
      const buf = logits(low, 31 * low + ow).map((v) => (scale === 0 ? (v > 0 ? 1.0004 : 0.9996) : v * scale));
      counter.setLogits(buf, 0, -1, 0, 1);
      const [u0, , i0] = counter.count();
      const exact = Math.fround(i0 / u0);
      // The candidate's own score is the sharpest case: the bound may never fall below it on the way.
      const justAbove = Math.fround(exact + Math.max(1e-7, exact * 1.2e-7));
      for (const minStability of [0.5, 0.8, 0.9, 0.95, 0.99, exact, justAbove]) {
        counter.setLogits(buf, 0, -1, 0, 1);
        const [union, mid, inter] = [...counter.count()];
        const stability = Math.fround(inter / union);
        const a = new Uint8Array(ow * oh);
        counter.fillMask(a);
        counter.setLogits(buf, 0, -1, 0, 1);
        const got = counter.countUnlessUnstable(Math.fround(minStability), b);
        if (got === null) {
          rejected++;
          assert.ok(!(stability >= Math.fround(minStability)), `rejected a stable candidate (${stability} >= ${minStability}, scale ${scale})`);
        } else {
          kept++;
          assert.ok(stability >= Math.fround(minStability), `kept an unstable candidate (${stability} < ${minStability}, scale ${scale})`);
          assert.deepEqual([...got], [union, mid, inter]);
          assert.equal(counter.completeMask(b), mid);
          assert.ok(Buffer.from(a).equals(Buffer.from(b)), 'same mask as count()');
        }
      }
    }
  }
  assert.ok(rejected > 0 && kept > 0, `both outcomes exercised (rejected ${rejected}, kept ${kept})`);
});

test('CropRleEncoder with the counter row-change hints gives the same RLE as a full comparison', () => {
  let cases = 0, hinted = 0;
  const encoder = new CropRleEncoder();
  for (const [low, input, rw, rh, ow, oh] of GEOMETRIES) {
    const plan = geometryPlan(low, input, rw, rh, ow, oh);
    const counter = new ThresholdCounter(plan);
    const stride = alignedStride(ow);
    const mask = new Uint8Array(stride * oh);
    const box = new Int32Array(4);
    for (let m = 0; m < 6; m++) {
      const buf = logits(low, 7000 + 31 * ow + m, 2 + m);
      counter.setLogits(buf, 0, -1, 0, 1);
      counter.count(mask, stride);
      const area = counter.completeMask(mask, stride, box);
      const hints = counter.rowChanges();
      // Rows within a band differ from the row above only inside the listed intervals.
      assert.equal(hints.bandY0[0], 0);
      assert.equal(hints.bandY0[hints.bands], oh);
      for (let k = 0; k < hints.bands; k++) {
        for (let y = hints.bandY0[k] + 1; y < hints.bandY0[k + 1]; y++) {
          const inside = new Uint8Array(ow);
          for (let i = hints.first[k]; i < hints.first[k + 1]; i++) inside.fill(1, hints.x0[i], hints.x1[i]);
          for (let x = 0; x < ow; x++) if (!inside[x]) assert.equal(mask[y * stride + x], mask[(y - 1) * stride + x]);
          hinted++;
        }
      }
      for (const [ox, oy, W, H] of [[0, 0, ow, oh], [3, 5, ow + 10, oh + 7]]) {
        const plain = encoder.encode(mask, stride, box, area === 0, ox, oy, W, H);
        const fast = encoder.encode(mask, stride, box, area === 0, ox, oy, W, H, hints);
        assert.deepEqual(Array.from(fast), Array.from(plain), `geometry ${ow}x${oh}, map ${m}, crop at ${ox},${oy}`);
        const image = new Mask(W, H);
        for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) image.data[(y + oy) * W + x + ox] = mask[y * stride + x];
        assert.deepEqual(Array.from(fast), maskToRle(image).counts);
        cases++;
      }
    }
  }
  assert.equal(cases, GEOMETRIES.length * 6 * 2);
  assert.ok(hinted > 100, 'some rows were compared through the hints');
});

test("completeMask(region 'box') over a reused buffer gives the RLE and box of the whole mask", () => {
  let cases = 0, small = 0;
  const encoder = new CropRleEncoder();
  for (const [low, input, rw, rh, ow, oh] of GEOMETRIES) {
    const plan = geometryPlan(low, input, rw, rh, ow, oh);
    const counter = new ThresholdCounter(plan);
    const stride = alignedStride(ow);
    // Left over from earlier masks: ones everywhere except the row padding (kept zero, as the encoder needs).
    const reused = new Uint8Array(stride * oh);
    for (let y = 0; y < oh; y++) reused.fill(1, y * stride, y * stride + ow);
    const clean = new Uint8Array(stride * oh);
    const boxA = new Int32Array(4), boxB = new Int32Array(4);
    for (let m = 0; m < 6; m++) {
      // Few, small blobs: boxes well inside the crop.
      const buf = logits(low, 9100 + 17 * ow + m, 1 + (m % 3)).map((v) => v - 2 * (m % 2));
      counter.setLogits(buf, 0, -1, 0, 1);
      counter.count(clean, stride);
      const areaA = counter.completeMask(clean, stride, boxA);
      counter.setLogits(buf, 0, -1, 0, 1);
      counter.count(reused, stride);
      const areaB = counter.completeMask(reused, stride, boxB, 'box');
      assert.equal(areaB, areaA);
      assert.deepEqual(Array.from(boxB), Array.from(boxA));
      const want = encoder.encode(clean, stride, boxA, areaA === 0, 2, 1, ow + 5, oh + 3);
      const got = encoder.encode(reused, stride, boxB, areaB === 0, 2, 1, ow + 5, oh + 3, counter.rowChanges());
      assert.deepEqual(Array.from(got), Array.from(want), `geometry ${ow}x${oh}, map ${m}`);
      if (areaA > 0 && (boxA[2] - boxA[0] + 1) * (boxA[3] - boxA[1] + 1) < ow * oh / 2) small++;
      cases++;
    }
  }
  assert.equal(cases, GEOMETRIES.length * 6);
  assert.ok(small > 0, 'some masks cover less than half of the crop');
});
