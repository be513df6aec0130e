import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mask } from '../../src/core/mask.js';
import { maskToCocoRle, rleArea, rleToMask } from '../../src/core/rle.js';
import { cocoBoxToXyxy, cocoBytes, CocoFormatError, datasetBytes, numberImages, parseCocoDataset } from '../../src/dataset/coco.js';
import { metadataCsv, METADATA_HEADER, pngFolderFiles, pyFloat } from '../../src/dataset/png.js';
import type { DatasetImage, MaskRecord } from '../../src/dataset/records.js';
import { sa1bJson } from '../../src/dataset/sa1b.js';
import { yoloLabels } from '../../src/dataset/yolo.js';

function rect(w: number, h: number, x0: number, y0: number, x1: number, y1: number): Mask {
  const m = new Mask(w, h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m.data[y * w + x] = 1;
  return m;
}

function rec(mask: Mask, extra: Partial<MaskRecord> = {}): MaskRecord {
  return {
    segmentation: maskToCocoRle(mask), area: mask.area, bbox: mask.bbox, predicted_iou: 0.9634854793548584,
    point_coords: [[12.5, 7]], stability_score: 0.98, crop_box: [0, 0, mask.width, mask.height], ...extra,
  };
}

function images(): DatasetImage[] {
  const a = { index: 0, width: 20, height: 10, records: [rec(rect(20, 10, 2, 3, 8, 9)), rec(rect(20, 10, 10, 0, 20, 10))], fileName: 'a.jpg', stem: 'a' };
  const b = { index: 2, width: 4, height: 4, records: [rec(rect(4, 4, 0, 0, 1, 1))], fileName: 'sub/b.png', stem: 'sub/b' };
  return numberImages([a, b]);
}

test('pyFloat prints floats as Python str() does', () => {
  const cases: Array<[number, string]> = [
    [0.9634854793548584, '0.9634854793548584'], [13, '13.0'], [12.5, '12.5'], [0, '0.0'], [-0, '-0.0'], [1e-4, '0.0001'],
    [1e-5, '1e-05'], [1.5e-7, '1.5e-07'], [1e16, '1e+16'], [123456789012345680, '1.2345678901234568e+17'], [1e15, '1000000000000000.0'],
    [-2.25, '-2.25'], [NaN, 'nan'], [Infinity, 'inf'],
  ];
  for (const [v, s] of cases) assert.equal(pyFloat(v), s, String(v));
});

test('image ids follow input order and annotation ids run on across images', () => {
  const ims = images();
  assert.deepEqual(ims.map((i) => [i.id, i.firstAnnotationId]), [[1, 1], [3, 3]]);
});

test('COCO output: images, annotations with compressed RLE and score fields, one category', () => {
  const ds = JSON.parse(cocoBytes(images(), { info: { description: 'x' } }).toString('utf8'));
  assert.deepEqual(Object.keys(ds), ['info', 'licenses', 'images', 'annotations', 'categories']);
  assert.deepEqual(ds.images[1], { id: 3, file_name: 'sub/b.png', width: 4, height: 4 });
  assert.equal(ds.annotations.length, 3);
  assert.deepEqual(ds.annotations.map((a: { id: number; image_id: number }) => [a.id, a.image_id]), [[1, 1], [2, 1], [3, 3]]);
  for (const a of ds.annotations) {
    assert.equal(typeof a.segmentation.counts, 'string');
    assert.equal(rleArea(a.segmentation), a.area);
    assert.equal(a.iscrowd, 0);
    assert.equal(a.category_id, 1);
    for (const k of ['bbox', 'predicted_iou', 'stability_score', 'point_coords', 'crop_box']) assert.ok(k in a, k);
  }
  // COCO counts pixels (pycocotools toBbox): 6 x 6 for columns 2..7, rows 3..8.
  assert.deepEqual(ds.annotations[0].bbox, [2, 3, 6, 6]);
  assert.deepEqual(ds.categories, [{ id: 1, name: 'object', supercategory: 'object' }]);
  const poly = JSON.parse(cocoBytes(images(), { info: {}, polygons: () => [[0, 0, 1, 0, 1, 1]] }).toString('utf8'));
  assert.deepEqual(poly.annotations[0].segmentation, [[0, 0, 1, 0, 1, 1]]);
});

test('SA-1B output: { image, annotations } per image', () => {
  const [a] = images();
  const doc = JSON.parse(sa1bJson(a));
  assert.deepEqual(doc.image, { image_id: 1, width: 20, height: 10, file_name: 'a.jpg' });
  assert.equal(doc.annotations.length, 2);
  assert.deepEqual(Object.keys(doc.annotations[0]), ['id', 'segmentation', 'bbox', 'area', 'predicted_iou', 'point_coords', 'stability_score', 'crop_box']);
  // SA-1B keeps the generator's box convention (w = last column - first column).
  assert.deepEqual(doc.annotations[0].bbox, [2, 3, 5, 5]);
});

test('PNG output: one 0/255 mask per record and amg.py metadata.csv', async () => {
  const [a] = images();
  const csv = metadataCsv(a).split('\n');
  assert.equal(csv[0], METADATA_HEADER);
  assert.equal(csv[1], '0,36,2,3,5,5,12.5,7.0,0.9634854793548584,0.98,0,0,20,10');
  assert.equal(csv.length, 3, 'no trailing newline, as amg.py');
  const files = await pngFolderFiles(a);
  assert.deepEqual(files.map(([n]) => n), ['0.png', '1.png', 'metadata.csv']);
  const { default: sharp } = await import('sharp');
  const png = files[0][1] as Uint8Array;
  assert.deepEqual([png[24], png[25]], [8, 0], '8-bit greyscale, as cv2.imwrite writes a 2-D mask');
  const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const expected = rleToMask(a.records[0].segmentation);
  for (let i = 0; i < expected.data.length; i++) assert.equal(data[i], expected.data[i] ? 255 : 0);
});

test('YOLO output: class 0 and coordinates normalised by the image size', () => {
  const [a] = images();
  const text = yoloLabels(a, (_im, k) => (k === 0 ? [2, 3, 8, 3, 8, 9, 2, 9] : []));
  assert.equal(text, '0 0.1 0.3 0.4 0.3 0.4 0.9 0.1 0.9\n');
  assert.equal(yoloLabels(a, () => []), '');
});

test('COCO input is checked for what boxes2masks needs, and written back with every field', () => {
  const good = { info: { v: 1 }, images: [{ id: 7, file_name: 'a.jpg', width: 4, height: 3, extra: 'kept' }], annotations: [{ id: 1, image_id: 7, bbox: [0, 0, 2, 2], custom: [1] }], categories: [] };
  const ds = parseCocoDataset(JSON.stringify(good), 'd.json');
  assert.deepEqual(JSON.parse(datasetBytes(ds).toString()), good);
  assert.deepEqual(Object.keys(JSON.parse(datasetBytes(ds).toString())), ['info', 'images', 'annotations', 'categories']);
  const bad: Array<[unknown, RegExp]> = [
    ['[1]', /not a COCO object/], ['{"images":[]}', /no "annotations"/], ['{x', /not JSON/],
    [JSON.stringify({ images: [{ id: 1 }], annotations: [] }), /file_name/],
    [JSON.stringify({ images: [{ id: 1, file_name: 'a' }], annotations: [{ id: 1, image_id: 2 }] }), /image_id 2/],
    [JSON.stringify({ images: [{ id: 1, file_name: 'a' }, { id: 1, file_name: 'b' }], annotations: [] }), /twice/],
  ];
  for (const [text, re] of bad) assert.throws(() => parseCocoDataset(text as string, 'd.json'), (e: Error) => e instanceof CocoFormatError && re.test(e.message));
  assert.deepEqual(cocoBoxToXyxy([1, 2, 3, 4]), [1, 2, 4, 6]);
  assert.equal(cocoBoxToXyxy([1, 2, -3, 4]), null);
  assert.equal(cocoBoxToXyxy([1, 2, 3]), null);
  assert.equal(cocoBoxToXyxy(undefined), null);
});
