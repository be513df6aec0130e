import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxNms, isBoxNearCropEdge, stableOrderDescending } from '../../src/amg/nms.js';

test('boxNms keeps the best box and suppresses overlaps above the threshold (strictly)', () => {
  const boxes = [
    0, 0, 10, 10, // area 100
    0, 0, 10, 5, // area 50
    20, 20, 30, 30, // disjoint
    0, 0, 10, 9, // area 90: IoU with box 0 = 0.9, with box 1 = 50 / 90 = 0.556
  ];
  const scores = [0.9, 0.8, 0.7, 0.95];
  assert.deepEqual(Array.from(boxNms(boxes, scores, 0.5)), [3, 2]);
  assert.deepEqual(Array.from(boxNms(boxes, scores, 0.6)), [3, 1, 2]);
  assert.deepEqual(Array.from(boxNms(boxes, scores, 0.55)), [3, 2]);
  assert.deepEqual(Array.from(boxNms(boxes, scores, 0.95)), [3, 0, 1, 2]);
  // IoU exactly 0.5 is not above 0.5: not suppressed.
  assert.deepEqual(Array.from(boxNms([0, 0, 10, 10, 0, 0, 10, 5], [1, 0.5], 0.5)), [0, 1]);
  assert.deepEqual(Array.from(boxNms([0, 0, 10, 10, 0, 0, 10, 5], [1, 0.5], 0.49)), [0]);
});

test('boxNms orders by score descending with ties in input order (stable, like torchvision)', () => {
  const boxes = [0, 0, 1, 1, 10, 10, 11, 11, 20, 20, 21, 21, 30, 30, 31, 31];
  assert.deepEqual(Array.from(boxNms(boxes, [0.5, 1, 0.5, 1], 0.7)), [1, 3, 0, 2]);
  // Identical boxes with equal scores: the first one wins.
  assert.deepEqual(Array.from(boxNms([0, 0, 5, 5, 0, 0, 5, 5, 0, 0, 5, 5], [1, 1, 1], 0.7)), [0]);
  assert.deepEqual(Array.from(stableOrderDescending([1, NaN, 3, 1])), [2, 0, 3, 1]);
});

test('boxNms: degenerate boxes (0/0 IoU) never suppress each other; inclusive-last boxes use (x1-x0)*(y1-y0)', () => {
  assert.deepEqual(Array.from(boxNms([3, 3, 3, 3, 3, 3, 3, 3], [1, 0.5], 0.1)), [0, 1]);
  // [0,0,2,2] and [1,1,3,3]: areas 4 and 4, intersection 1, IoU 1/7.
  assert.deepEqual(Array.from(boxNms([0, 0, 2, 2, 1, 1, 3, 3], [1, 0.9], 1 / 7 - 1e-6)), [0]);
  assert.deepEqual(Array.from(boxNms([0, 0, 2, 2, 1, 1, 3, 3], [1, 0.9], 0.15)), [0, 1]);
  assert.deepEqual(Array.from(boxNms([], [], 0.5)), []);
});

test('boxNms: crop preference scores 1 / crop area pick the mask of the smaller crop', () => {
  const boxes = [10, 10, 50, 50, 11, 10, 50, 50];
  const scores = [Math.fround(1 / (800 * 534)), Math.fround(1 / (491 * 358))];
  assert.deepEqual(Array.from(boxNms(boxes, scores, 0.7)), [1]);
});

test('isBoxNearCropEdge: within 20 px of a crop edge that is not an image edge', () => {
  const image = [0, 0, 1000, 800];
  const crop = [0, 0, 600, 500];
  assert.equal(isBoxNearCropEdge([100, 100, 200, 200], crop, image), false);
  // Near the crop's right edge (x1 = 599, 1 px away) which is inside the image.
  assert.equal(isBoxNearCropEdge([100, 100, 599, 200], crop, image), true);
  assert.equal(isBoxNearCropEdge([100, 100, 580, 200], crop, image), true);
  assert.equal(isBoxNearCropEdge([100, 100, 579, 200], crop, image), false);
  // Touching the crop's left/top edges, which are image edges: kept.
  assert.equal(isBoxNearCropEdge([0, 0, 200, 200], crop, image), false);
  // The whole-image crop never drops anything.
  assert.equal(isBoxNearCropEdge([0, 0, 999, 799], image, image), false);
});
