/**
 * Whole-project dataset export: the mapping of annotation objects to dataset records (categories =
 * the project's classes in order, then other labels), and the route's ZIPs parsed back (COCO compared
 * with the saved objects; YOLO in annotate's layout with data.yaml and classes.txt).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { Mask } from '../../src/core/mask.js';
import { maskToCocoRle, rleArea } from '../../src/core/rle.js';
import { createApp } from '../../src/server/app.js';
import { parseClasses } from '../../src/project/classes.js';
import { projectCategories, projectDataset, type ProjectExportImage } from '../../src/project/dataset-mapping.js';
import type { AnnotationObject } from '../../src/server/protocol.js';
import { readZip } from './zip-read.js';

const W = 40;
const H = 30;

function rect(x0: number, y0: number, x1: number, y1: number): Mask {
  const m = new Mask(W, H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m.data[y * W + x] = 1;
  return m;
}

function obj(id: string, label: string, m: Mask, iou: number | null = null): AnnotationObject {
  const segmentation = maskToCocoRle(m) as AnnotationObject['segmentation'];
  return { id, label, segmentation, area: rleArea(segmentation), bbox: [0, 0, 0, 0], predictedIou: iou, stabilityScore: null, pointCoords: [[5, 5]], pointLabels: [1], box: null, cropBox: [0, 0, W, H], source: 'click', visible: true, createdAt: '2026-01-01T00:00:00Z' };
}

test('mapping: classes in order, then other labels as met; records carry the category and the mask', () => {
  const classes = parseClasses('dog,cat');
  const images: ProjectExportImage[] = [
    { rel: 'b.png', width: W, height: H, objects: [obj('1', 'bird', rect(0, 0, 5, 5)), obj('2', 'cat', rect(5, 5, 9, 9), 0.9)] },
    { rel: 'a/c.png', width: W, height: H, objects: [] },
    { rel: 'd.png', width: W, height: H, objects: [obj('3', '', rect(1, 1, 3, 3)), obj('4', 'bird', rect(2, 2, 4, 4))] },
  ];
  assert.deepEqual(projectCategories(classes, images).map((c) => [c.id, c.name]), [[1, 'dog'], [2, 'cat'], [3, 'bird'], [4, 'object']]);
  const ds = projectDataset(classes, images, ['b', 'a/c', 'd']);
  assert.deepEqual(ds.images.map((im) => [im.id, im.fileName, im.stem, im.firstAnnotationId, im.records.length]), [[1, 'b.png', 'b', 1, 2], [2, 'a/c.png', 'a/c', 3, 0], [3, 'd.png', 'd', 3, 2]]);
  assert.deepEqual(ds.images[0].records.map((r) => r.category_id), [3, 2]);
  assert.deepEqual(ds.images[2].records.map((r) => r.category_id), [4, 3]);
  assert.equal(ds.images[0].records[1].predicted_iou, 0.9);
  assert.deepEqual(ds.images[0].records[1].segmentation, images[0].objects[1].segmentation);
  assert.deepEqual(projectCategories([], []).map((c) => c.name), ['object']);
});

let tmp = '';
let app: FastifyInstance;
const host = { host: '127.0.0.1' };

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'samkit-project-export-'));
  const project = path.join(tmp, 'photos');
  await mkdir(path.join(project, 'sub'), { recursive: true });
  await mkdir(path.join(project, '.samkit'), { recursive: true });
  const px = (seed: number): Promise<Buffer> => sharp(Buffer.alloc(W * H * 3, seed), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  await writeFile(path.join(project, 'one.png'), await px(10));
  await writeFile(path.join(project, 'sub', 'two.png'), await px(200));
  await writeFile(path.join(project, '.samkit', 'project.json'), JSON.stringify({ version: 1, done: [], classes: parseClasses('dog,truck') }));
  const web = path.join(tmp, 'web');
  await mkdir(web);
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
  app = await createApp({ dataDir: path.join(project, '.samkit'), embeddingsDir: path.join(tmp, 'emb'), webRoot: web, host: '127.0.0.1', maxUploadBytes: 200_000, maxPixels: 1_000_000, projectDir: project });
});

after(async () => {
  await app?.close();
  await rm(tmp, { recursive: true, force: true });
});

test('export route: COCO parsed back equals the saved objects; YOLO has annotate\'s layout; bad format is 400', async () => {
  const list = (await app.inject({ method: 'GET', url: '/api/project', headers: host })).json() as { project: { images: Array<{ id: string; rel: string }> } };
  const [one, two] = list.project.images;
  assert.deepEqual([one.rel, two.rel], ['one.png', 'sub/two.png']);
  const saved = { [one.id]: [obj('a', 'truck', rect(2, 3, 12, 9)), obj('b', 'zebra', rect(20, 20, 25, 28))], [two.id]: [obj('c', 'dog', rect(0, 0, 40, 2))] };
  for (const [id, objects] of Object.entries(saved)) {
    const put = await app.inject({ method: 'PUT', url: `/api/images/${id}/annotations`, headers: host, payload: { objects } });
    assert.equal(put.statusCode, 200, put.body);
  }
  const res = await app.inject({ method: 'GET', url: '/api/project/export?format=coco', headers: host });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'application/zip');
  const coco = JSON.parse(readZip(res.rawPayload).get('annotations.json')!.toString('utf8')) as { images: Array<{ id: number; file_name: string }>; annotations: Array<{ id: number; image_id: number; category_id: number; segmentation: unknown; area: number; bbox: number[] }>; categories: Array<{ id: number; name: string }> };
  assert.deepEqual(coco.categories.map((c) => c.name), ['dog', 'truck', 'zebra']);
  assert.deepEqual(coco.images.map((im) => [im.id, im.file_name]), [[1, 'one.png'], [2, 'sub/two.png']]);
  const name = (cat: number): string => coco.categories.find((c) => c.id === cat)!.name;
  const expected = [[1, saved[one.id][0]], [1, saved[one.id][1]], [2, saved[two.id][0]]] as const;
  assert.equal(coco.annotations.length, expected.length);
  coco.annotations.forEach((a, k) => {
    const [imageId, o] = expected[k];
    assert.equal(a.id, k + 1);
    assert.equal(a.image_id, imageId);
    assert.equal(name(a.category_id), o.label);
    assert.deepEqual(a.segmentation, o.segmentation);
    assert.equal(a.area, o.area);
  });
  assert.deepEqual(coco.annotations[0].bbox, [2, 3, 10, 6], 'COCO boxes count pixels, as annotate writes them');

  const yolo = readZip((await app.inject({ method: 'GET', url: '/api/project/export?format=yolo', headers: host })).rawPayload);
  assert.deepEqual([...yolo.keys()].sort(), ['classes.txt', 'data.yaml', 'images/one.png', 'images/sub/two.png', 'labels/one.txt', 'labels/sub/two.txt']);
  assert.equal(yolo.get('classes.txt')!.toString(), 'dog\ntruck\nzebra\n');
  assert.deepEqual(yolo.get('labels/one.txt')!.toString().trim().split('\n').map((l) => l.split(' ')[0]), ['1', '2']);

  const sa1b = readZip((await app.inject({ method: 'GET', url: '/api/project/export?format=sa1b', headers: host })).rawPayload);
  assert.deepEqual([...sa1b.keys()].sort(), ['one.json', 'sub/two.json']);
  const png = readZip((await app.inject({ method: 'GET', url: '/api/project/export?format=png', headers: host })).rawPayload);
  assert.ok([...png.keys()].some((k) => k.startsWith('sub/two/')), [...png.keys()].join(','));

  assert.equal((await app.inject({ method: 'GET', url: '/api/project/export?format=voc', headers: host })).statusCode, 400);
});
