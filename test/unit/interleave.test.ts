import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interleaveLowResMasks, interleavePlane } from '../../src/core/interleave.js';

test('blocked convolution output is interleaved into raster planes', () => {
  const batch = 2, tokens = 3, grid = 3, side = grid * 4;
  // Encode the expected destination (b, t, Y, X) in each source value.
  const src = new Float32Array(batch * grid * grid * 16 * tokens);
  let i = 0;
  for (let b = 0; b < batch; b++) for (let y = 0; y < grid; y++) for (let x = 0; x < grid; x++) {
    for (let dy1 = 0; dy1 < 2; dy1++) for (let dx1 = 0; dx1 < 2; dx1++) for (let dy2 = 0; dy2 < 2; dy2++) for (let dx2 = 0; dx2 < 2; dx2++) {
      for (let t = 0; t < tokens; t++) {
        const Y = 4 * y + 2 * dy1 + dy2, X = 4 * x + 2 * dx1 + dx2;
        src[i++] = ((b * tokens + t) * side + Y) * side + X;
      }
    }
  }
  const out = interleaveLowResMasks(src, batch, tokens, grid);
  assert.deepEqual(Array.from(out), Array.from({ length: out.length }, (_, k) => k));
});

test('a wrong length is a RangeError', () => {
  assert.throws(() => interleaveLowResMasks(new Float32Array(10), 1, 4, 64), RangeError);
});

test('interleavePlane writes one prompt/token plane equal to the full interleave', () => {
  const batch = 3, tokens = 4, grid = 5, plane = 16 * grid * grid;
  const src = Float32Array.from({ length: batch * plane * tokens }, (_, k) => Math.sin(k * 0.7) * 10);
  const all = interleaveLowResMasks(src, batch, tokens, grid);
  const dst = new Float32Array(plane + 3).fill(NaN);
  for (let b = 0; b < batch; b++) for (let t = 0; t < tokens; t++) {
    interleavePlane(src, b, t, tokens, grid, dst, 3);
    assert.deepEqual(Array.from(dst.subarray(3)), Array.from(all.subarray((b * tokens + t) * plane, (b * tokens + t + 1) * plane)));
  }
  assert.throws(() => interleavePlane(src, batch, 0, tokens, grid, dst), RangeError);
  assert.throws(() => interleavePlane(src, 0, 0, tokens, grid, new Float32Array(plane - 1)), RangeError);
});
