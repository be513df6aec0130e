import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAllLayerPointGrids, buildPointGrid, generateCropBoxes } from '../../src/amg/grid.js';

test('buildPointGrid: numpy linspace(1/2n, 1 - 1/2n, n), x varying fastest', () => {
  assert.deepEqual(Array.from(buildPointGrid(1)), [0.5, 0.5]);
  const g = buildPointGrid(4);
  assert.equal(g.length, 32);
  const side = [0.125, 0.375, 0.625, 0.875];
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) {
    assert.equal(g[2 * (r * 4 + c)], side[c]);
    assert.equal(g[2 * (r * 4 + c) + 1], side[r]);
  }
  // 32 per side: offset 1/64, step (1 - 2/64) / 31, last sample exactly 1 - 1/64.
  const g32 = buildPointGrid(32);
  assert.equal(g32[0], 1 / 64);
  assert.equal(g32[2], 1 * ((1 - 1 / 64 - 1 / 64) / 31) + 1 / 64);
  assert.equal(g32[62], 1 - 1 / 64);
  assert.equal(g32[2 * 1023 + 1], 1 - 1 / 64);
});

test('buildAllLayerPointGrids: int(n / scale^i) points per side per layer', () => {
  assert.deepEqual(buildAllLayerPointGrids(32, 2, 2).map((g) => Math.sqrt(g.length / 2)), [32, 16, 8]);
  assert.deepEqual(buildAllLayerPointGrids(5, 1, 2).map((g) => Math.sqrt(g.length / 2)), [5, 2]);
  assert.deepEqual(buildAllLayerPointGrids(16, 1, 1).map((g) => Math.sqrt(g.length / 2)), [16, 16]);
});

// Expected boxes computed by hand from the official generate_crop_boxes formula:
// overlap = int(ratio * short * 2 / n), crop = ceil((overlap * (n - 1) + len) / n), x0 = int((crop - overlap) * i).
test('generateCropBoxes: dog size 800x534, one layer', () => {
  // overlap = int(0.34133 * 534) = 182; crop_w = ceil((182 + 800) / 2) = 491; crop_h = ceil((182 + 534) / 2) = 358.
  const { boxes, layers } = generateCropBoxes(800, 534, 1, 512 / 1500);
  assert.deepEqual(boxes, [[0, 0, 800, 534], [0, 0, 491, 358], [0, 176, 491, 534], [309, 0, 800, 358], [309, 176, 800, 534]]);
  assert.deepEqual(layers, [0, 1, 1, 1, 1]);
});

test('generateCropBoxes: truck size 1800x1200, one layer (crops clamped to the image)', () => {
  // overlap = int(409.6) = 409; crop_w = ceil(1104.5) = 1105; crop_h = ceil(804.5) = 805; x0 = [0, 696], y0 = [0, 396].
  const { boxes } = generateCropBoxes(1800, 1200, 1, 512 / 1500);
  assert.deepEqual(boxes, [[0, 0, 1800, 1200], [0, 0, 1105, 805], [0, 396, 1105, 1200], [696, 0, 1800, 805], [696, 396, 1800, 1200]]);
});

test('generateCropBoxes: two layers on 1000x1000', () => {
  // Layer 1: overlap 341, crop 671, x0 [0, 330]. Layer 2: overlap int(170.67) = 170, crop ceil(377.5) = 378, x0 [0, 208, 416, 624].
  const { boxes, layers } = generateCropBoxes(1000, 1000, 2, 512 / 1500);
  assert.equal(boxes.length, 1 + 4 + 16);
  assert.deepEqual(boxes.slice(1, 5), [[0, 0, 671, 671], [0, 330, 671, 1000], [330, 0, 1000, 671], [330, 330, 1000, 1000]]);
  const l2 = boxes.slice(5);
  assert.deepEqual(l2.slice(0, 4), [[0, 0, 378, 378], [0, 208, 378, 586], [0, 416, 378, 794], [0, 624, 378, 1000]]);
  assert.deepEqual(l2[15], [624, 624, 1000, 1000]);
  assert.deepEqual(layers.slice(5), new Array(16).fill(2));
});

test('generateCropBoxes: no layers gives the whole image only', () => {
  assert.deepEqual(generateCropBoxes(7, 3, 0, 0.5), { boxes: [[0, 0, 7, 3]], layers: [0] });
});
