/**
 * Import into a project: import(export(objects)) through the project's own dataset export for COCO
 * (RLE and polygons), YOLO (pixel-centre rings through Ultralytics' rasteriser), SA-1B and PNG
 * folders; samkit auto / ground records; image matching; refusals (bad JSON, unknown images,
 * masks of another size, YOLO boxes) that leave nothing written; the routes and review decisions.
 */
import { test, before, after } from 'node:test';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { ImportError } from '../../src/core/errors.js';
import { Mask } from '../../src/core/mask.js';
import { maskToCocoRle, maskToRle, rleArea, rleToMask } from '../../src/core/rle.js';
import { parseClasses } from '../../src/project/classes.js';
import type { ProjectExportImage } from '../../src/project/dataset-mapping.js';
import { parseJsonImport } from '../../src/project/import/detect.js';
import { ImageMatcher, type TargetImage } from '../../src/project/import/match.js';
import { planImport } from '../../src/project/import/plan.js';
import type { Proposal } from '../../src/project/import/proposal.js';
import { fillRingLikePolygon2Mask, shapeToRle } from '../../src/project/import/rasterise.js';
import { reconcileAccepted, reviewView, rleIou } from '../../src/project/import/review.js';
import { parseYoloLabels } from '../../src/project/import/yolo.js';
import { readImportSource } from '../../src/project/import-source.js';
import { pickedRoot, uploadedPath } from '../../src/project/import-upload-folder.js';
import { filesToUpload } from '../../web/src/import-folder-pick.js';
import { createApp } from '../../src/server/app.js';
import { exportProjectZip } from '../../src/server/project-export.js';
import type { AnnotationObject } from '../../src/server/protocol.js';
import { fillPolyLikeCv2 } from '../helpers/cv2-fill.js';
import { readZip } from './zip-read.js';

const W = 48;
const H = 36;

/** A deterministic pseudo-random blob mask: ellipses and rectangles, some with holes, some in parts. */
function blob(seed: number): Mask {
  let s = seed * 7919 + 13;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const m = new Mask(W, H);
  const shapes = 1 + Math.floor(rnd() * 3);
  for (let k = 0; k < shapes; k++) {
    const cx = 4 + rnd() * (W - 8), cy = 4 + rnd() * (H - 8), rx = 2 + rnd() * 10, ry = 2 + rnd() * 8;
    const ellipse = rnd() < 0.6;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const dx = (x + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
      if (ellipse ? dx * dx + dy * dy <= 1 : Math.abs(dx) <= 1 && Math.abs(dy) <= 1) m.data[y * W + x] = 1;
    }
    if (rnd() < 0.4 && rx > 5 && ry > 4) {
      for (let y = Math.floor(cy - 1); y <= cy + 1; y++) for (let x = Math.floor(cx - 1); x <= cx + 1; x++) m.data[y * W + x] = 0;
    }
  }
  return m;
}

function iou(a: Mask, b: Mask): number {
  let inter = 0, union = 0;
  for (let i = 0; i < a.data.length; i++) { inter += a.data[i] & b.data[i]; union += a.data[i] | b.data[i]; }
  return union ? inter / union : 1;
}

function obj(id: string, label: string, m: Mask, score: number | null = null): AnnotationObject {
  const segmentation = maskToCocoRle(m) as AnnotationObject['segmentation'];
  return { id, label, segmentation, area: rleArea(segmentation), bbox: m.bbox, predictedIou: score, stabilityScore: score === null ? null : 0.97, pointCoords: [[5, 5]], pointLabels: [1], box: null, cropBox: [0, 0, W, H], source: 'click', visible: true, createdAt: '2026-01-01T00:00:00Z' };
}

const TARGETS: TargetImage[] = [
  { id: 'a'.repeat(64), rel: 'one.png', width: W, height: H },
  { id: 'b'.repeat(64), rel: 'sub/two.png', width: W, height: H },
];

const OBJECTS: AnnotationObject[][] = [
  [obj('a1', 'dog', blob(1), 0.91), obj('a2', 'cat', blob(2), 0.8), obj('a3', '', blob(3))],
  Array.from({ length: 6 }, (_, k) => obj(`b${k}`, k % 2 ? 'dog' : 'zebra', blob(10 + k), k % 3 ? 0.5 + k / 20 : null)),
];

const EXPORT_IMAGES: ProjectExportImage[] = TARGETS.map((t, i) => ({ rel: t.rel, width: t.width, height: t.height, objects: OBJECTS[i] }));

let tmp = '';
let counter = 0;
const newId = (): string => `p-${++counter}`;

/** Export the objects as the app's "Export dataset" does, unzip, import the folder back. */
async function roundTrip(format: 'coco' | 'yolo' | 'sa1b' | 'png' | 'labelme', polygons = false): Promise<Map<string, Proposal[]>> {
  const zip = readZip(await exportProjectZip(parseClasses('dog,cat'), EXPORT_IMAGES, { format, polygons, project: 'p' }));
  const dir = await mkdtemp(path.join(tmp, `rt-${format}-`));
  for (const [name, data] of zip) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), data);
  }
  const set = await readImportSource(format === 'coco' ? path.join(dir, 'annotations.json') : dir);
  assert.equal(set.format, format);
  const plan = planImport(set, new ImageMatcher(TARGETS), () => [], { source: `${format}:x`, newId, now: 'now' });
  return plan.added;
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'samkit-import-'));
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const labelOrObject = (o: AnnotationObject): string => o.label || 'object';

test('COCO RLE: import(export(objects)) gives the same masks, labels, scores', async () => {
  const added = await roundTrip('coco');
  TARGETS.forEach((t, i) => {
    const got = added.get(t.id)!;
    assert.equal(got.length, OBJECTS[i].length);
    got.forEach((p, k) => {
      const o = OBJECTS[i][k];
      assert.deepEqual(p.segmentation, o.segmentation, `${t.rel} ${k}`);
      assert.equal(p.label, labelOrObject(o));
      assert.equal(p.score, o.predictedIou);
      assert.deepEqual(p.bbox, rleToMask(o.segmentation).bbox);
      assert.equal(p.status, 'pending');
    });
  });
});

test('COCO polygons: import(export(objects)) rasterises back to the same pixels', async () => {
  const added = await roundTrip('coco', true);
  TARGETS.forEach((t, i) => added.get(t.id)!.forEach((p, k) => {
    assert.equal(iou(rleToMask(p.segmentation), rleToMask(OBJECTS[i][k].segmentation)), 1, `${t.rel} ${k}`);
  }));
});

test('SA-1B and PNG folders: import(export(objects)) gives the same masks', async () => {
  for (const format of ['sa1b', 'png'] as const) {
    const added = await roundTrip(format);
    TARGETS.forEach((t, i) => {
      assert.deepEqual(added.get(t.id)!.map((p) => p.segmentation), OBJECTS[i].map((o) => o.segmentation), `${format} ${t.rel}`);
      assert.deepEqual(added.get(t.id)!.map((p) => p.predictedIou), OBJECTS[i].map((o) => o.predictedIou), `${format} ${t.rel} scores`);
    });
  }
});

test('YOLO: import(export(objects)) through polygon2mask on pixel centres gives IoU ~1, classes from classes.txt', async () => {
  const added = await roundTrip('yolo');
  const ious: number[] = [];
  TARGETS.forEach((t, i) => {
    const got = added.get(t.id)!;
    assert.equal(got.length, OBJECTS[i].length);
    got.forEach((p, k) => {
      assert.equal(p.label, labelOrObject(OBJECTS[i][k]));
      ious.push(iou(rleToMask(p.segmentation), rleToMask(OBJECTS[i][k].segmentation)));
    });
  });
  const mean = ious.reduce((a, b) => a + b, 0) / ious.length;
  console.log(`YOLO round trip: ${ious.length} masks, IoU min ${Math.min(...ious).toFixed(4)} mean ${mean.toFixed(4)}, exact ${ious.filter((v) => v === 1).length}`);
  assert.ok(Math.min(...ious) >= 0.97 && mean >= 0.99, `YOLO round-trip IoU min ${Math.min(...ious).toFixed(4)} mean ${mean.toFixed(4)}`);
});

test('LabelMe / X-AnyLabeling: import(export(objects)) rasterised as labelme draws polygons gives IoU ~1, labels and scores kept', async () => {
  const added = await roundTrip('labelme');
  const ious: number[] = [];
  TARGETS.forEach((t, i) => {
    const got = added.get(t.id)!;
    assert.equal(got.length, OBJECTS[i].length, t.rel);
    got.forEach((p, k) => {
      assert.equal(p.label, labelOrObject(OBJECTS[i][k]));
      assert.equal(p.score, OBJECTS[i][k].predictedIou);
      ious.push(iou(rleToMask(p.segmentation), rleToMask(OBJECTS[i][k].segmentation)));
    });
  });
  const mean = ious.reduce((a, b) => a + b, 0) / ious.length;
  console.log(`LabelMe round trip: ${ious.length} masks, IoU min ${Math.min(...ious).toFixed(4)} mean ${mean.toFixed(4)}, exact ${ious.filter((v) => v === 1).length}`);
  assert.ok(Math.min(...ious) >= 0.97 && mean >= 0.99, `LabelMe round-trip IoU min ${Math.min(...ious).toFixed(4)} mean ${mean.toFixed(4)}`);
});

test('LabelMe shapes: rectangles, circles and group_id parts become masks; points skipped; bad shapes named', () => {
  const doc = {
    version: '5.4.1', imagePath: '../pics/one.png', imageWidth: W, imageHeight: H, shapes: [
      { label: 'box', points: [[2, 3], [6, 5]], shape_type: 'rectangle', group_id: null },
      { label: 'ball', points: [[20, 20], [23, 24]], shape_type: 'circle', group_id: null },
      { label: 'dog', points: [[30, 2], [34, 2], [34, 6]], shape_type: 'polygon', group_id: 7 },
      { label: 'dog', points: [[40, 2], [44, 2], [44, 6]], shape_type: 'polygon', group_id: 7 },
      { label: 'nose', points: [[1, 1]], shape_type: 'point', group_id: null },
    ],
  };
  const set = parseJsonImport(JSON.stringify(doc), 'one.json');
  assert.equal(set.format, 'labelme');
  const [im] = set.images;
  assert.deepEqual(im.ref, { fileName: 'pics/one.png' });
  assert.deepEqual(im.masks.map((m) => m.label), ['box', 'ball', 'dog']);
  const masks = im.masks.map((m) => rleToMask(shapeToRle(m.shape, W, H, m.where)));
  assert.equal(masks[0].area, 5 * 3, 'rectangle corners inclusive');
  assert.deepEqual(masks[0].bbox, [2, 3, 4, 2], 'x 2..6, y 3..5 (bbox w = last - first)');
  assert.equal(masks[1].area, [...Array(W * H).keys()].filter((i) => (i % W - 20) ** 2 + (Math.floor(i / W) - 20) ** 2 <= 25).length, 'circle of radius 5');
  const dog = masks[2];
  assert.ok(dog.data[3 * W + 33] && dog.data[3 * W + 43] && !dog.data[3 * W + 38], 'both parts of group 7 in one mask');
  assert.throws(() => parseJsonImport(JSON.stringify({ ...doc, shapes: [{ label: 'x', points: [[1, 2]], shape_type: 'polygon' }] }), 'b.json'), /b\.json shapes\[0\]: a polygon needs at least 3 points/);
  assert.throws(() => parseJsonImport(JSON.stringify({ ...doc, shapes: [{ label: 'x', points: [[1, 2], [3, 4]], shape_type: 'cuboid' }] }), 'c.json'), /shape_type 'cuboid' is not one import reads/);
});

test('the YOLO rasteriser is Ultralytics\' polygon2mask (truncate, fill with the boundary) on any ring', () => {
  for (let seed = 0; seed < 20; seed++) {
    let s = seed + 1;
    const rnd = (): number => ((s = (s * 16807) % 2147483647) / 2147483647);
    const ring: number[] = [];
    const n = 3 + Math.floor(rnd() * 6);
    for (let k = 0; k < n; k++) ring.push(rnd() * W, rnd() * H);
    const mine = new Mask(W, H);
    fillRingLikePolygon2Mask(mine, ring);
    assert.deepEqual(mine.data, fillPolyLikeCv2(ring, W, H).data, `ring ${seed}`);
  }
});

test('samkit auto and ground records are imported onto the image the caller names', () => {
  const m = blob(4);
  const auto = JSON.stringify([{ segmentation: maskToRle(m), area: m.area, bbox: m.bbox, predicted_iou: 0.93, point_coords: [[3, 3]], stability_score: 0.96, crop_box: [0, 0, W, H] }]);
  const set = parseJsonImport(auto, 'dog.json');
  assert.equal(set.format, 'auto');
  const matcher = new ImageMatcher(TARGETS);
  assert.throws(() => planImport(set, matcher, () => [], { source: 's', newId, now: 'n' }), (e: Error) => e instanceof ImportError && /without naming it/.test(e.message));
  const plan = planImport(set, matcher, () => [], { source: 's', newId, now: 'n', image: 'sub/two.png' });
  const got = plan.added.get(TARGETS[1].id)!;
  assert.deepEqual(got[0].segmentation, maskToCocoRle(m));
  assert.equal(got[0].score, 0.93);
  assert.equal(got[0].stabilityScore, 0.96);
  const ground = JSON.stringify({ image: { width: W, height: H }, objects: [{ label: 'red car', score: 0.41, box: [0, 0, 5, 5], segmentation: maskToRle(m), area: m.area, bbox: m.bbox, predicted_iou: 0.9 }] });
  const g = planImport(parseJsonImport(ground, 'g.json'), matcher, () => [], { source: 's', newId, now: 'n', image: 'one.png' }).added.get(TARGETS[0].id)!;
  assert.equal(g[0].label, 'red car');
  assert.equal(g[0].score, 0.41);
  assert.equal(g[0].predictedIou, 0.9);
  // Re-importing the same masks adds nothing.
  const again = planImport(set, matcher, () => got, { source: 's', newId, now: 'n', image: 'sub/two.png' });
  assert.equal(again.summary.proposals, 0);
  assert.equal(again.summary.duplicates, 1);
});

test('matching: path relative to the project, else a unique base name; ambiguous and unknown names are refused', () => {
  const targets = [...TARGETS, { id: 'c'.repeat(64), rel: 'other/two.png', width: W, height: H }];
  const matcher = new ImageMatcher(targets);
  assert.equal(matcher.find({ fileName: 'sub/two.png' }, 'x')?.id, targets[1].id);
  assert.equal(matcher.find({ fileName: './sub\\two.png' }, 'x')?.id, targets[1].id);
  assert.equal(matcher.find({ fileName: '/data/elsewhere/one.png' }, 'x')?.id, targets[0].id);
  assert.equal(matcher.find({ fileName: 'sub/two', stem: true }, 'x')?.id, targets[1].id);
  assert.throws(() => matcher.find({ fileName: 'two.png' }, 'x'), /matches 2 project images/);
  assert.equal(matcher.find({ fileName: 'three.png' }, 'x'), null);
  const coco = JSON.stringify({ images: [{ id: 1, file_name: 'one.png', width: W, height: H }, { id: 2, file_name: 'nowhere.jpg' }, { id: 3, file_name: 'empty.jpg' }], annotations: [
    { id: 1, image_id: 1, segmentation: maskToCocoRle(blob(5)) }, { id: 2, image_id: 2, segmentation: maskToCocoRle(blob(6)) }] });
  assert.throws(() => planImport(parseJsonImport(coco, 'c.json'), matcher, () => [], { source: 's', newId, now: 'n' }),
    (e: Error) => e instanceof ImportError && e.message === '1 imported image(s) with masks are not in the project: "nowhere.jpg"');
});

test('refusals name the problem: bad JSON, unknown layout, another size, YOLO boxes, no segmentation', () => {
  const matcher = new ImageMatcher(TARGETS);
  const plan = (text: string): unknown => planImport(parseJsonImport(text, 'f.json'), matcher, () => [], { source: 's', newId, now: 'n' });
  assert.throws(() => plan('{"images": ['), (e: Error) => e instanceof ImportError && /^f\.json is not JSON/.test(e.message));
  assert.throws(() => plan('{"hello": 1}'), /f\.json is not a file import reads/);
  const small = new Mask(W - 1, H);
  small.data[0] = 1;
  assert.throws(() => plan(JSON.stringify({ images: [{ id: 1, file_name: 'one.png' }], annotations: [{ id: 1, image_id: 1, segmentation: maskToCocoRle(small) }] })),
    (e: Error) => e instanceof ImportError && e.message === `f.json annotations[0]: the mask is ${W - 1}x${H}, the image is ${W}x${H}`);
  assert.throws(() => plan(JSON.stringify({ images: [{ id: 1, file_name: 'one.png', width: 640, height: 480 }], annotations: [{ id: 1, image_id: 1, segmentation: [[1, 1, 5, 1, 5, 5]] }] })),
    /f\.json images\[0\] \(one\.png\) is 640x480, the project image one\.png is 48x36/);
  assert.throws(() => plan(JSON.stringify({ images: [{ id: 1, file_name: 'one.png' }], annotations: [{ id: 1, image_id: 1, bbox: [1, 1, 4, 4] }] })), /has no segmentation .*boxes2masks/);
  assert.throws(() => plan(JSON.stringify({ images: [{ id: 1, file_name: 'one.png' }], annotations: [{ id: 1, image_id: 1, segmentation: { size: [H, W], counts: [5, 3] } }] })), /annotations\[0\]: RLE counts sum to 8/);
  assert.throws(() => parseYoloLabels('0 0.5 0.5 0.2 0.2\n', 'labels/one.txt', 'one', []), /labels\/one\.txt line 1 is a detection box/);
  assert.throws(() => shapeToRle({ kind: 'yolo', ring: [0, 0, 2, 0, 1, 1] }, W, H, 'r'), /normalised to \[0, 1\]/);
});

// --- the server: routes, uploads, nothing half-written, decisions -------------------------------------

let app: FastifyInstance;
let project = '';
const host = { host: '127.0.0.1' };

async function proposalFiles(): Promise<string[]> {
  return (await readdir(path.join(project, '.samkit', 'proposals')).catch(() => [] as string[])).sort();
}

test('routes: import a COCO file in the project, refuse a bad one leaving nothing written, decide', async () => {
  project = path.join(tmp, 'photos');
  await mkdir(path.join(project, 'sub'), { recursive: true });
  const px = (seed: number): Promise<Buffer> => sharp(Buffer.alloc(W * H * 3, seed), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  await writeFile(path.join(project, 'one.png'), await px(10));
  await writeFile(path.join(project, 'sub', 'two.png'), await px(200));
  const web = path.join(tmp, 'web');
  await mkdir(web, { recursive: true });
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
  app = await createApp({ dataDir: path.join(project, '.samkit'), embeddingsDir: path.join(tmp, 'emb'), webRoot: web, host: '127.0.0.1', maxPixels: 1_000_000, projectDir: project });
  try {
    const list = (await app.inject({ method: 'GET', url: '/api/project', headers: host })).json() as { project: { images: Array<{ id: string; rel: string }> } };
    const [one, two] = list.project.images;
    const zip = readZip(await exportProjectZip(parseClasses('dog,cat'), EXPORT_IMAGES, { format: 'coco', polygons: false, project: 'p' }));
    await writeFile(path.join(project, 'dataset.json'), zip.get('annotations.json')!);

    // A file that fails on its second image's mask stores nothing, not even the first image's.
    const bad = JSON.parse(zip.get('annotations.json')!.toString()) as { annotations: Array<{ image_id: number; segmentation: unknown }> };
    bad.annotations[bad.annotations.length - 1].segmentation = { size: [H, W + 2], counts: 'PP' };
    let r = await app.inject({ method: 'POST', url: '/api/project/import?name=bad.json', headers: { ...host, 'content-type': 'application/octet-stream' }, payload: Buffer.from(JSON.stringify(bad)) });
    assert.equal(r.statusCode, 400);
    assert.deepEqual(r.json(), { error: `bad.json annotations[${bad.annotations.length - 1}]: the mask is ${W + 2}x${H}, the image is ${W}x${H}`, code: 'IMPORT' });
    assert.deepEqual(await proposalFiles(), []);
    r = await app.inject({ method: 'POST', url: '/api/project/import?name=x.json', headers: { ...host, 'content-type': 'application/octet-stream' }, payload: Buffer.from('{"images": [') });
    assert.equal(r.statusCode, 400);
    assert.match((r.json() as { error: string }).error, /^x\.json is not JSON/);
    r = await app.inject({ method: 'POST', url: '/api/project/import', headers: host, payload: { path: '../elsewhere.json' } });
    assert.equal(r.statusCode, 404);
    r = await app.inject({ method: 'POST', url: '/api/project/import', headers: host, payload: { path: '/etc/hostname' } });
    assert.equal(r.statusCode, 400);
    assert.match((r.json() as { error: string }).error, /outside the project folder/);

    r = await app.inject({ method: 'POST', url: '/api/project/import', headers: host, payload: { path: 'dataset.json' } });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { imported: { format: 'coco', images: 2, proposals: 9, duplicates: 0, empty: 0 } });
    assert.deepEqual(await proposalFiles(), [`${one.id}.json`, `${two.id}.json`].sort());
    // The same file again: nothing new.
    r = await app.inject({ method: 'POST', url: '/api/project/import', headers: host, payload: { path: 'dataset.json' } });
    assert.deepEqual((r.json() as { imported: { proposals: number; duplicates: number } }).imported.duplicates, 9);

    const doc = (await app.inject({ method: 'GET', url: `/api/images/${two.id}/proposals`, headers: host })).json() as { proposals: Proposal[] };
    assert.deepEqual(doc.proposals.map((p) => p.segmentation), OBJECTS[1].map((o) => o.segmentation));
    assert.ok(doc.proposals.every((p) => p.status === 'pending' && p.source === 'coco:dataset.json'));
    r = await app.inject({ method: 'POST', url: `/api/images/${two.id}/proposals/decide`, headers: host, payload: { decisions: [{ id: doc.proposals[0].id, status: 'accepted' }, { id: doc.proposals[1].id, status: 'rejected' }] } });
    assert.deepEqual(r.json(), { ok: true, pending: 4, accepted: 1, rejected: 1 });
    r = await app.inject({ method: 'POST', url: `/api/images/${two.id}/proposals/decide`, headers: host, payload: { decisions: [{ id: 'p-nope', status: 'accepted' }] } });
    assert.equal(r.statusCode, 404);
    r = await app.inject({ method: 'POST', url: `/api/images/${two.id}/proposals/decide`, headers: host, payload: { decisions: [{ id: doc.proposals[2].id, status: 'maybe' }] } });
    assert.equal(r.statusCode, 400);
    const after = (await app.inject({ method: 'GET', url: `/api/images/${two.id}/proposals`, headers: host })).json() as { proposals: Proposal[] };
    assert.deepEqual(after.proposals.map((p) => p.status), ['accepted', 'rejected', 'pending', 'pending', 'pending', 'pending']);
  } finally {
    await app.close();
  }
});

test('review view: IoU from the runs equals IoU of the pixels; duplicates (> 0.9) hidden, filters by score and area', () => {
  for (let k = 0; k < 12; k++) {
    const a = blob(30 + k), b = blob(31 + k);
    assert.ok(Math.abs(rleIou(maskToCocoRle(a), maskToCocoRle(b)) - iou(a, b)) < 1e-12, `pair ${k}`);
  }
  const base = blob(40);
  const near = new Mask(W, H, base.data.slice());
  const [, y0] = base.bbox;
  for (let x = 0; x < W; x++) near.data[y0 * W + x] = 0;
  assert.ok(iou(base, near) > 0.9);
  const prop = (id: string, m: Mask, score: number | null, status: Proposal['status'] = 'pending'): Proposal => {
    const segmentation = maskToCocoRle(m);
    return { id, label: '', segmentation, area: m.area, bbox: m.bbox, score, predictedIou: score, stabilityScore: null, source: 's', status, importedAt: 'n' };
  };
  const list = [prop('dup', near, 0.99), prop('low', blob(41), 0.2), prop('none', blob(42), null), prop('done', blob(43), 0.9, 'rejected'), prop('ok', blob(44), 0.8)];
  const objects = [obj('o', 'dog', base)];
  const v = reviewView(list, objects, { minScore: 0.5, minArea: 0 });
  assert.deepEqual(v.visible.map((p) => p.id), ['none', 'ok']);
  assert.deepEqual([v.duplicate, v.filtered], [1, 1]);
  const big = reviewView(list, [], { minScore: 0, minArea: blob(44).area + 1 });
  assert.deepEqual(big.visible.map((p) => p.id).sort(), list.filter((p) => p.status === 'pending' && p.area > blob(44).area).map((p) => p.id).sort());
});

test('samkit import: summary, then the same file adds nothing; bad JSON exits 1 with one line and stores nothing; no folder exits 2', async () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const run = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin/samkit.js'), 'import', ...args], (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }));
  });
  const dir = path.join(tmp, 'cli-photos');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'one.png'), await sharp(Buffer.alloc(W * H * 3, 90), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer());
  await writeFile(path.join(tmp, 'bad.json'), '{"images": [');
  let r = await run(dir, path.join(tmp, 'bad.json'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^samkit: bad\.json is not JSON: [^\n]+\n$/);
  assert.equal((await readdir(path.join(dir, '.samkit')).catch(() => [] as string[])).includes('proposals'), false);
  const coco = JSON.stringify({ images: [{ id: 1, file_name: 'one.png', width: W, height: H }], annotations: [{ id: 1, image_id: 1, category_id: 1, segmentation: maskToCocoRle(blob(50)) }], categories: [{ id: 1, name: 'dog' }] });
  await writeFile(path.join(tmp, 'good.json'), coco);
  r = await run(dir, path.join(tmp, 'good.json'), '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { format: 'coco', images: 1, proposals: 1, duplicates: 0, empty: 0 });
  r = await run(dir, path.join(tmp, 'good.json'), '--json');
  assert.deepEqual(JSON.parse(r.stdout), { format: 'coco', images: 0, proposals: 0, duplicates: 1, empty: 0 });
  r = await run(path.join(tmp, 'nowhere'), path.join(tmp, 'good.json'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^samkit: the project folder .*nowhere does not exist or is not a folder\n$/);
});

test('undo of an accepted proposal gives it back (pending), redo accepts it again; others untouched', () => {
  const list = [{ id: 'a', status: 'accepted' as const }, { id: 'b', status: 'pending' as const }, { id: 'c', status: 'accepted' as const }, { id: 'd', status: 'rejected' as const }];
  const acceptedAs = new Map([['a', 'obj-a'], ['b', 'obj-b'], ['c', 'obj-c']]);
  // a's object was undone, b's came back by redo, c's is still there; d was never accepted here.
  assert.deepEqual(reconcileAccepted(list, acceptedAs, new Set(['obj-b', 'obj-c', 'other'])), [{ id: 'a', status: 'pending' }, { id: 'b', status: 'accepted' }]);
  assert.deepEqual(reconcileAccepted(list, new Map(), new Set()), [], 'accepted in an earlier visit: left alone');
});

test('routes: a folder picked in the page (YOLO, one part per file under its path) imports like the folder on disk; bad paths refused', async () => {
  const dir = path.join(tmp, 'photos-folder');
  await mkdir(path.join(dir, 'sub'), { recursive: true });
  const px = (seed: number): Promise<Buffer> => sharp(Buffer.alloc(W * H * 3, seed), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  await writeFile(path.join(dir, 'one.png'), await px(10));
  await writeFile(path.join(dir, 'sub', 'two.png'), await px(200));
  const web = path.join(tmp, 'web-folder');
  await mkdir(web, { recursive: true });
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
  const server = await createApp({ dataDir: path.join(dir, '.samkit'), embeddingsDir: path.join(tmp, 'emb'), webRoot: web, host: '127.0.0.1', maxPixels: 1_000_000, projectDir: dir });
  const upload = async (files: Array<[string, Buffer]>): Promise<{ status: number; body: { imported?: { format: string; images: number; proposals: number }; error?: string } }> => {
    const form = new FormData();
    for (const [name, data] of files) form.append('file', new Blob([new Uint8Array(data)]), name);
    const req = new Request('http://127.0.0.1/', { method: 'POST', body: form });
    const r = await server.inject({ method: 'POST', url: '/api/project/import', headers: { ...host, 'content-type': req.headers.get('content-type')! }, payload: Buffer.from(await req.arrayBuffer()) });
    return { status: r.statusCode, body: r.json() };
  };
  try {
    const zip = readZip(await exportProjectZip(parseClasses('dog,cat'), EXPORT_IMAGES, { format: 'yolo', polygons: false, project: 'p' }));
    const picked = [...zip].map(([name, data]): [string, Buffer] => [`yolo-export/${name}`, data]);
    assert.ok(picked.some(([n]) => n.startsWith('yolo-export/labels/')), 'the export has a labels folder');
    // The same folder on disk, imported as `samkit import` would: the reference.
    const disk = await mkdtemp(path.join(tmp, 'yolo-disk-'));
    for (const [name, data] of zip) { await mkdir(path.dirname(path.join(disk, name)), { recursive: true }); await writeFile(path.join(disk, name), data); }
    const expected = await readImportSource(disk);
    const uploadsBefore = new Set(await readdir(os.tmpdir()));
    const r = await upload(picked);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.imported, { format: 'yolo', images: 2, proposals: expected.images.reduce((n, im) => n + im.masks.length, 0), duplicates: 0, empty: 0 });
    const list = (await server.inject({ method: 'GET', url: '/api/project', headers: host })).json() as { project: { images: Array<{ id: string; rel: string }> } };
    const two = list.project.images.find((im) => im.rel === 'sub/two.png')!;
    const doc = (await server.inject({ method: 'GET', url: `/api/images/${two.id}/proposals`, headers: host })).json() as { proposals: Proposal[] };
    assert.ok(doc.proposals.length > 0 && doc.proposals.every((p) => p.source === 'yolo:yolo-export'), JSON.stringify(doc.proposals.map((p) => p.source)));
    const before = await readdir(path.join(dir, '.samkit', 'proposals'));
    for (const bad of ['../evil.txt', '/etc/x.txt', 'a/../../b.txt']) {
      const b = await upload([[bad, Buffer.from('0 0.1 0.1 0.2 0.2 0.3 0.1')], ['yolo-export/data.yaml', Buffer.from('names: [a]')]]);
      assert.equal(b.status, 400, `${bad}: ${JSON.stringify(b.body)}`);
      assert.match(b.body.error ?? '', /not a relative path inside the picked folder/);
    }
    assert.deepEqual(await readdir(path.join(dir, '.samkit', 'proposals')), before, 'nothing stored by a refused upload');
    assert.deepEqual((await readdir(os.tmpdir())).filter((f) => f.startsWith('samkit-upload-') && !uploadsBefore.has(f)), [], 'no temporary copy left behind');
  } finally {
    await server.close();
  }
});

test('folder picks upload what importers read, never a YOLO dataset\'s photos or hidden folders', () => {
  const pick = filesToUpload(['d/labels/a.txt', 'd/images/a.jpg', 'd/images/b.png', 'd/data.yaml', 'd/classes.txt', 'd/.samkit/project.json', 'd/notes.md'].map((p) => ({ path: p })));
  assert.deepEqual(pick.map((f) => f.path), ['d/labels/a.txt', 'd/data.yaml', 'd/classes.txt']);
  const png = filesToUpload(['m/photo/0.png', 'm/photo/metadata.csv', 'm/photo.jpg'].map((p) => ({ path: p })));
  assert.deepEqual(png.map((f) => f.path), ['m/photo/0.png', 'm/photo/metadata.csv'], 'PNG mask folders keep their PNGs');
  assert.equal(pickedRoot(['x/a', 'x/b/c']), 'x');
  assert.equal(pickedRoot(['x/a', 'y/b']), '');
  assert.equal(uploadedPath('x\\y/z.txt'), 'x/y/z.txt');
});
