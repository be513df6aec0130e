import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellsCovering, interleaveLowResMasks, interleavePlane } from '../../src/core/interleave.js';

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

test('an output for part of the grid fills the top-left cells of the planes and nothing else', () => {
  const batch = 2, tokens = 3, grid = 5, side = grid * 4, rows = 3, cols = 2;
  const full = Float32Array.from({ length: batch * grid * grid * 16 * tokens }, (_, k) => Math.cos(k * 0.3) * 7);
  // The same values for the cells y < rows, x < cols, in their row-major order.
  const part = new Float32Array(batch * rows * cols * 16 * tokens);
  let n = 0;
  for (let b = 0; b < batch; b++) for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) {
    const from = ((b * grid + y) * grid + x) * 16 * tokens;
    part.set(full.subarray(from, from + 16 * tokens), n);
    n += 16 * tokens;
  }
  const want = interleaveLowResMasks(full, batch, tokens, grid);
  const got = interleaveLowResMasks(part, batch, tokens, grid, new Float32Array(want.length).fill(NaN), { rows, cols });
  for (let k = 0; k < want.length; k++) {
    const X = k % side, Y = Math.floor(k / side) % side;
    if (Y < 4 * rows && X < 4 * cols) assert.equal(got[k], want[k], `pixel ${k}`);
    else assert.ok(Number.isNaN(got[k]), `pixel ${k} outside the extent was written`);
  }
  assert.throws(() => interleaveLowResMasks(part, batch, tokens, grid), RangeError);
  assert.throws(() => interleavePlane(part, 0, 0, tokens, grid, new Float32Array(side * side), 0, { rows: grid + 1, cols }), RangeError);
});

test('cellsCovering rounds a low-res region up to whole 4x4 cells', () => {
  assert.deepEqual(cellsCovering(171, 256, 64), { rows: 43, cols: 64 });
  assert.deepEqual(cellsCovering(1, 4, 64), { rows: 1, cols: 1 });
  assert.deepEqual(cellsCovering(256, 5, 64), { rows: 64, cols: 2 });
  assert.throws(() => cellsCovering(0, 10, 64), RangeError);
  assert.throws(() => cellsCovering(257, 10, 64), RangeError);
});
