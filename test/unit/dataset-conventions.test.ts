import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mask } from '../../src/core/mask.js';
import { maskToCocoRle } from '../../src/core/rle.js';
import { maskToPolygons } from '../../src/core/polygons.js';
import { cocoBytes, numberImages } from '../../src/dataset/coco.js';
import { floatJson } from '../../src/dataset/float-json.js';
import { toPixelCentres } from '../../src/dataset/pixel-centres.js';
import { singleRing } from '../../src/dataset/polygons.js';
import type { MaskRecord } from '../../src/dataset/records.js';
import { sa1bJson } from '../../src/dataset/sa1b.js';
import { fillPolyLikeCv2 } from '../helpers/cv2-fill.js';

/** A mask from rows of '#' (on) and '.' (off). */
function drawn(rows: string[]): Mask {
  const m = new Mask(rows[0].length, rows.length);
  rows.forEach((r, y) => [...r].forEach((c, x) => { m.data[y * m.width + x] = c === '#' ? 1 : 0; }));
  return m;
}

function iou(a: Mask, b: Mask): number {
  let i = 0, u = 0;
  for (let k = 0; k < a.data.length; k++) { i += a.data[k] & b.data[k]; u += a.data[k] | b.data[k]; }
  return u ? i / u : 1;
}

function record(mask: Mask, extra: Partial<MaskRecord> = {}): MaskRecord {
  return { segmentation: maskToCocoRle(mask), area: mask.area, bbox: mask.bbox, predicted_iou: 1, point_coords: [[1, 1]], stability_score: 1, crop_box: [0, 0, mask.width, mask.height], ...extra };
}

const SHAPES: Record<string, string[]> = {
  rectangle: ['......', '.####.', '.####.', '......'],
  'L shape and one-pixel arm': ['#.......', '#.......', '#####...', '#########', '.....#...'],
  'single pixel': ['...', '.#.', '...'],
  'edge to edge': ['####', '####'],
};

test('YOLO rings on pixel centres rasterise back to the mask through polygon2mask (truncate + fillPoly)', () => {
  for (const [name, rows] of Object.entries(SHAPES)) {
    const mask = drawn(rows);
    const ring = singleRing(record(mask));
    assert.equal(iou(fillPolyLikeCv2(ring, mask.width, mask.height), mask), 1, name);
    // The pixel-border ring grows by the right and bottom band through the same path (unless the
    // image edge clips that band off).
    const border = maskToPolygons(mask)[0].outer;
    if (name !== 'edge to edge') assert.ok(iou(fillPolyLikeCv2(border, mask.width, mask.height), mask) < 1, `${name}: border ring differs`);
  }
});

test('pixel-centre vertices sit half a pixel inside the border, so truncation cannot round them down a pixel', () => {
  const ring = toPixelCentres([1, 1, 3, 1, 3, 2, 1, 2]); // the 2 x 1 block of pixels (1,1), (2,1)
  assert.deepEqual(ring, [1.5, 1.5, 2.5, 1.5, 2.5, 1.5, 1.5, 1.5]);
});

test('score fields stay floats in JSON (1.0, not 1), other numbers unchanged', () => {
  assert.equal(floatJson({ score: 1, predicted_iou: 0, stability_score: 0.5, area: 3, bbox: [1, 2, 3, 4] }), '{"score":1.0,"predicted_iou":0.0,"stability_score":0.5,"area":3,"bbox":[1,2,3,4]}');
  const [im] = numberImages([{ index: 0, width: 6, height: 4, fileName: 'a.png', stem: 'a', records: [record(drawn(SHAPES.rectangle))] }]);
  const coco = cocoBytes([im], { info: {} }).toString('utf8');
  assert.match(coco, /"predicted_iou":1\.0,"stability_score":1\.0/);
  assert.match(sa1bJson(im), /"predicted_iou":1\.0/);
  assert.equal(JSON.parse(coco).annotations[0].stability_score, 1);
});

test('COCO bbox is pycocotools toBbox (pixel counts); an empty mask keeps a zero box', () => {
  const mask = drawn(SHAPES.rectangle);
  const empty = new Mask(6, 4);
  const [im] = numberImages([{ index: 0, width: 6, height: 4, fileName: 'a.png', stem: 'a', records: [record(mask), record(empty)] }]);
  const anns = JSON.parse(cocoBytes([im], { info: {} }).toString('utf8')).annotations;
  assert.deepEqual(anns[0].bbox, [1, 1, 4, 2]);
  assert.deepEqual(anns[1].bbox, [0, 0, 0, 0]);
});
