import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError } from '../../src/core/errors.js';
import { Mask } from '../../src/core/mask.js';
import { maskToCocoRle, maskToRle } from '../../src/core/rle.js';
import { filterRecords, recordMask, sortRecords } from '../../src/postprocess/records.js';

const seg = { size: [1, 1] as [number, number], counts: [1] };
const recs = [
  { id: 'a', segmentation: seg, area: 50, bbox: [0, 0, 9, 4], predicted_iou: 0.9, stability_score: 0.97 },
  { id: 'b', segmentation: seg, area: 500, bbox: [10, 10, 30, 20], predicted_iou: 0.95, stability_score: 0.96 },
  { id: 'c', segmentation: seg, area: 50, bbox: [40, 0, 2, 2], predicted_iou: 0.99, stability_score: 0.99 },
];

test('sortRecords: by area / predicted IoU / stability, descending by default, stable, non-mutating', () => {
  assert.deepEqual(sortRecords(recs).map((r) => r.id), ['b', 'a', 'c']);
  assert.deepEqual(sortRecords(recs, 'area', 'asc').map((r) => r.id), ['a', 'c', 'b']);
  assert.deepEqual(sortRecords(recs, 'predicted_iou').map((r) => r.id), ['c', 'b', 'a']);
  assert.deepEqual(sortRecords(recs, 'stability_score', 'asc').map((r) => r.id), ['b', 'a', 'c']);
  assert.deepEqual(recs.map((r) => r.id), ['a', 'b', 'c']);
  assert.throws(() => sortRecords(recs, 'size' as 'area'), InvalidOptionError);
});

test('filterRecords: area range, score thresholds, box region and size', () => {
  const ids = (f: Parameters<typeof filterRecords>[1]) => filterRecords(recs, f).map((r) => r.id);
  assert.deepEqual(ids({ minArea: 100 }), ['b']);
  assert.deepEqual(ids({ maxArea: 50 }), ['a', 'c']);
  assert.deepEqual(ids({ minPredictedIou: 0.95 }), ['b', 'c']);
  assert.deepEqual(ids({ minStabilityScore: 0.97, minPredictedIou: 0.95 }), ['c']);
  // Box of 'a' spans columns 0..9, rows 0..4 (w, h are last - first).
  assert.deepEqual(ids({ bboxWithin: [0, 0, 10, 5] }), ['a']);
  assert.deepEqual(ids({ bboxWithin: [0, 0, 9, 5] }), []);
  assert.deepEqual(ids({ bboxIntersects: [9, 4, 1, 1] }), ['a']);
  assert.deepEqual(ids({ bboxIntersects: [35, 0, 6, 6] }), ['c']);
  assert.deepEqual(ids({ minBboxSide: 4 }), ['a', 'b']);
  assert.deepEqual(ids({}), ['a', 'b', 'c']);
  assert.throws(() => filterRecords(recs, { minArea: -1 }), InvalidOptionError);
  assert.throws(() => filterRecords(recs, { bboxWithin: [0, 0, 1] as unknown as [number, number, number, number] }), InvalidOptionError);
});

test('recordMask decodes any output mode', () => {
  const m = new Mask(3, 2, Uint8Array.from([0, 1, 1, 1, 0, 0]));
  assert.deepEqual(recordMask({ segmentation: m }).data, m.data);
  assert.deepEqual(recordMask({ segmentation: maskToRle(m) }).data, m.data);
  assert.deepEqual(recordMask({ segmentation: maskToCocoRle(m) }).data, m.data);
});
