import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AMG_DEFAULTS, resolveAmgOptions } from '../../src/amg/options.js';
import { InvalidOptionError } from '../../src/core/errors.js';

test('defaults are the official ones', () => {
  const o = resolveAmgOptions();
  assert.equal(o.pointsPerSide, 32);
  assert.equal(o.pointsPerBatch, 64);
  assert.equal(o.predIouThresh, 0.88);
  assert.equal(o.stabilityScoreThresh, 0.95);
  assert.equal(o.stabilityScoreOffset, 1);
  assert.equal(o.boxNmsThresh, 0.7);
  assert.equal(o.cropNLayers, 0);
  assert.equal(o.cropNmsThresh, 0.7);
  assert.equal(o.cropOverlapRatio, 512 / 1500);
  assert.equal(o.cropNPointsDownscaleFactor, 1);
  assert.equal(o.minMaskRegionArea, 0);
  assert.equal(o.outputMode, 'binary_mask');
  assert.equal(o.grids.length, 1);
  assert.equal(o.grids[0].length, 2 * 32 * 32);
  assert.equal(AMG_DEFAULTS.outputMode, 'binary_mask');
});

function rejects(options: object, ...needles: string[]): void {
  assert.throws(() => resolveAmgOptions(options), (err: unknown) => {
    assert.ok(err instanceof InvalidOptionError, `expected InvalidOptionError, got ${String(err)}`);
    assert.equal(err.code, 'INVALID_OPTION');
    for (const n of needles) assert.ok(err.message.includes(n), `"${err.message}" should mention "${n}"`);
    return true;
  });
}

test('pointsPerSide and pointGrids: exactly one', () => {
  rejects({ pointsPerSide: 16, pointGrids: [[[0.5, 0.5]]] }, 'pointsPerSide', 'pointGrids', 'exactly one');
  rejects({ pointsPerSide: null }, 'pointsPerSide', 'pointGrids');
  const o = resolveAmgOptions({ pointGrids: [[[0.25, 0.5], [0.75, 0.5]]] });
  assert.equal(o.pointsPerSide, null);
  assert.deepEqual(Array.from(o.grids[0]), [0.25, 0.5, 0.75, 0.5]);
  // pointsPerSide: null with grids is the Python spelling and is fine.
  assert.equal(resolveAmgOptions({ pointsPerSide: null, pointGrids: [[[0, 1]]] }).grids.length, 1);
});

test('point grids: one per crop layer, pairs in [0, 1]', () => {
  rejects({ pointGrids: [[[0.5, 0.5]]], cropNLayers: 1 }, 'pointGrids', '2');
  rejects({ pointGrids: [[[0.5, 1.5]]] }, 'pointGrids[0][0]', '[0, 1]');
  rejects({ pointGrids: [[]] }, 'pointGrids[0]');
  rejects({ pointGrids: 'grid' }, 'pointGrids');
});

test('counts must be positive integers', () => {
  rejects({ pointsPerSide: 0 }, 'pointsPerSide', '>= 1', '0');
  rejects({ pointsPerSide: 2.5 }, 'pointsPerSide', '2.5');
  rejects({ pointsPerBatch: 0 }, 'pointsPerBatch', '>= 1');
  rejects({ cropNLayers: -1 }, 'cropNLayers', '>= 0');
  rejects({ cropNPointsDownscaleFactor: 0 }, 'cropNPointsDownscaleFactor', '>= 1');
  rejects({ pointsPerSide: 3, cropNLayers: 2, cropNPointsDownscaleFactor: 2 }, 'pointsPerSide', 'no points');
  rejects({ minMaskRegionArea: -5 }, 'minMaskRegionArea', '-5');
});

test('thresholds must lie in [0, 1]', () => {
  for (const key of ['predIouThresh', 'stabilityScoreThresh', 'boxNmsThresh', 'cropNmsThresh']) {
    rejects({ [key]: 1.2 }, key, '[0, 1]', '1.2');
    rejects({ [key]: -0.1 }, key, '-0.1');
    rejects({ [key]: Number.NaN }, key, 'NaN');
    rejects({ [key]: '0.5' }, key);
  }
  rejects({ cropOverlapRatio: 1 }, 'cropOverlapRatio', '[0, 1)');
  rejects({ stabilityScoreOffset: -1 }, 'stabilityScoreOffset', '>= 0');
  assert.equal(resolveAmgOptions({ predIouThresh: 0, stabilityScoreThresh: 1 }).stabilityScoreThresh, 1);
});

test('unknown outputMode and unknown options are rejected', () => {
  rejects({ outputMode: 'png' }, 'outputMode', 'binary_mask', 'uncompressed_rle', 'coco_rle', '"png"');
  rejects({ points_per_side: 16 }, 'points_per_side');
});
