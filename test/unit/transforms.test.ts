import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCoords, normalizationTable, normalizeAndPad, preprocessShape } from '../../src/core/transforms.js';

const CONFIG = { inputSize: 1024, pixelMean: [123.675, 116.28, 103.53] as const, pixelStd: [58.395, 57.12, 57.375] as const, layout: 'NCHW' as const };

test('preprocessShape rounds half up like ResizeLongestSide.get_preprocess_shape', () => {
  // Sizes of the reference images and their official input_size.
  assert.deepEqual(preprocessShape({ width: 1800, height: 1200 }, 1024), { width: 1024, height: 683 });
  assert.deepEqual(preprocessShape({ width: 800, height: 534 }, 1024), { width: 1024, height: 684 });
  assert.deepEqual(preprocessShape({ width: 2048, height: 1365 }, 1024), { width: 1024, height: 683 });
  assert.deepEqual(preprocessShape({ width: 769, height: 770 }, 1024), { width: 1023, height: 1024 });
  assert.deepEqual(preprocessShape({ width: 1024, height: 1 }, 1024), { width: 1024, height: 1 });
});

test('applyCoords scales x and y separately, without half-pixel offset', () => {
  const out = applyCoords([500, 375, 0, 0, 1800, 1200], { width: 1800, height: 1200 }, 1024);
  assert.ok(Math.abs(out[0] - 500 * 1024 / 1800) < 1e-4);
  assert.ok(Math.abs(out[1] - 375 * 683 / 1200) < 1e-4);
  assert.equal(out[2], 0);
  assert.equal(out[3], 0);
  assert.ok(Math.abs(out[4] - 1024) < 1e-4 && Math.abs(out[5] - 683) < 1e-4);
});

test('normalisation uses float32 steps and zero-pads bottom/right', () => {
  const lut = normalizationTable(CONFIG);
  assert.equal(lut[0], Math.fround(Math.fround(0 - Math.fround(123.675)) / Math.fround(58.395)));
  const cfg = { ...CONFIG, inputSize: 4 };
  const pixels = new Uint8Array([255, 0, 10, 20, 30, 40]); // 2x1 RGB
  const t = normalizeAndPad(pixels, { width: 2, height: 1 }, cfg);
  assert.equal(t.length, 3 * 16);
  assert.equal(t[0], lut[255]);
  assert.equal(t[1], lut[20]);
  assert.equal(t[16], lut[256 + 0]);
  assert.equal(t[32 + 1], lut[512 + 40]);
  for (const i of [2, 3, 4, 15, 18, 47]) assert.equal(t[i], 0, `index ${i} is padding`);
});
