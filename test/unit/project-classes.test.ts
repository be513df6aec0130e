/** The project's class list edited in the page: validation, colours, and the route that stores it (renames carry objects). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { Mask } from '../../src/core/mask.js';
import { maskToCocoRle, rleArea } from '../../src/core/rle.js';
import { nextClassColor, parseClasses, validateClasses, validateRenames } from '../../src/project/classes.js';
import { createApp } from '../../src/server/app.js';
import type { AnnotationObject } from '../../src/server/protocol.js';

const W = 16, H = 12;

function obj(id: string, label: string): AnnotationObject {
  const m = new Mask(W, H);
  m.data[5 * W + 5] = 1;
  const segmentation = maskToCocoRle(m) as AnnotationObject['segmentation'];
  return { id, label, segmentation, area: rleArea(segmentation), bbox: [5, 5, 1, 1], predictedIou: null, stabilityScore: null, pointCoords: [[5, 5]], pointLabels: [1], box: null, cropBox: [0, 0, W, H], source: 'click', visible: true, createdAt: '2026-01-01T00:00:00Z' };
}

test('validateClasses keeps a good list (trimmed names, lower-case colours) and names what is wrong in a bad one', () => {
  assert.deepEqual(validateClasses([{ name: ' dog ', color: '#AABBCC', hotkey: 1 }, { name: 'cat', color: '#000000', hotkey: null }, { name: 'cow', color: '#123456' }]), [
    { name: 'dog', color: '#aabbcc', hotkey: 1 }, { name: 'cat', color: '#000000', hotkey: null }, { name: 'cow', color: '#123456', hotkey: null },
  ]);
  assert.deepEqual(validateClasses([]), []);
  const bad: Array<[unknown, RegExp]> = [
    ['dog', /array/],
    [[{ name: '  ', color: '#000000', hotkey: 1 }], /no name/],
    [[{ name: 'a', color: '#000000', hotkey: 1 }, { name: 'a', color: '#111111', hotkey: 2 }], /used twice/],
    [[{ name: 'a', color: 'red', hotkey: 1 }], /#rrggbb/],
    [[{ name: 'a', color: '#000000', hotkey: 0 }], /1-9/],
    [[{ name: 'a', color: '#000000', hotkey: 2.5 }], /1-9/],
    [[{ name: 'a', color: '#000000', hotkey: 3 }, { name: 'b', color: '#000000', hotkey: 3 }], /two classes/],
    [[{ name: 'x'.repeat(201), color: '#000000', hotkey: null }], /longer/],
  ];
  for (const [value, message] of bad) assert.throws(() => validateClasses(value), (err: unknown) => err instanceof InvalidArgumentError && message.test(err.message), JSON.stringify(value).slice(0, 60));
});

test('validateRenames: old names must be gone, new ones in the list; same-name entries are dropped', () => {
  const classes = validateClasses([{ name: 'dog', color: '#000000', hotkey: 1 }, { name: 'puppy', color: '#111111', hotkey: 2 }]);
  assert.deepEqual([...validateRenames({ hound: 'dog' }, classes)], [['hound', 'dog']]);
  assert.equal(validateRenames(undefined, classes).size, 0);
  assert.throws(() => validateRenames({ hound: 'wolf' }, classes), /must map to a class/);
  assert.throws(() => validateRenames({ dog: 'puppy' }, classes), /still a class/);
  assert.throws(() => validateRenames(['x'], classes), /object/);
});

test('nextClassColor picks an unused palette colour', () => {
  const classes = parseClasses('a,b,c');
  const c = nextClassColor(classes);
  assert.match(c, /^#[0-9a-f]{6}$/);
  assert.ok(!classes.some((x) => x.color === c));
});

let tmp = '';
let app: FastifyInstance;
let project = '';
const host = { host: '127.0.0.1' };

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'samkit-project-classes-'));
  project = path.join(tmp, 'photos');
  await mkdir(project, { recursive: true });
  const px = (seed: number): Promise<Buffer> => sharp(Buffer.alloc(W * H * 3, seed), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  await writeFile(path.join(project, 'one.png'), await px(10));
  await writeFile(path.join(project, 'two.png'), await px(200));
  const web = path.join(tmp, 'web');
  await mkdir(web);
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
  app = await createApp({ dataDir: path.join(project, '.samkit'), embeddingsDir: path.join(tmp, 'emb'), webRoot: web, host: '127.0.0.1', maxUploadBytes: 200_000, maxPixels: 1_000_000, projectDir: project, projectClasses: parseClasses('dog,cat') });
});

after(async () => {
  await app?.close();
  await rm(tmp, { recursive: true, force: true });
});

test('PUT /api/project/classes stores the list with the project, renames carry objects in every image, bad lists are 400 and change nothing', async () => {
  const list = (await app.inject({ method: 'GET', url: '/api/project', headers: host })).json() as { project: { images: Array<{ id: string }>; classes: unknown[] } };
  assert.equal(list.project.classes.length, 2);
  const [one, two] = list.project.images;
  for (const [id, objects] of [[one.id, [obj('a', 'dog'), obj('b', 'cat')]], [two.id, [obj('c', 'dog')]]] as const) {
    const put = await app.inject({ method: 'PUT', url: `/api/images/${id}/annotations`, headers: host, payload: { objects } });
    assert.equal(put.statusCode, 200, put.body);
  }
  const classes = [{ name: 'hound', color: '#e6194b', hotkey: 2 }, { name: 'cat', color: '#00ff00', hotkey: 1 }, { name: 'bird', color: '#4363d8', hotkey: null }];
  const res = await app.inject({ method: 'PUT', url: '/api/project/classes', headers: host, payload: { classes, renamed: { dog: 'hound' } } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((res.json() as { relabelled: number }).relabelled, 2);
  const stored = JSON.parse(await readFile(path.join(project, '.samkit', 'project.json'), 'utf8')) as { classes: unknown };
  assert.deepEqual(stored.classes, classes);
  const again = (await app.inject({ method: 'GET', url: '/api/project', headers: host })).json() as { project: { classes: unknown } };
  assert.deepEqual(again.project.classes, classes);
  const labels = async (id: string): Promise<string[]> => ((await app.inject({ method: 'GET', url: `/api/images/${id}/annotations`, headers: host })).json() as { objects: AnnotationObject[] }).objects.map((o) => o.label);
  assert.deepEqual(await labels(one.id), ['hound', 'cat']);
  assert.deepEqual(await labels(two.id), ['hound']);

  const bad = await app.inject({ method: 'PUT', url: '/api/project/classes', headers: host, payload: { classes: [{ name: 'a', color: '#000000', hotkey: 1 }, { name: 'a', color: '#000000', hotkey: 2 }] } });
  assert.equal(bad.statusCode, 400);
  assert.match((bad.json() as { error: string }).error, /used twice/);
  const badRename = await app.inject({ method: 'PUT', url: '/api/project/classes', headers: host, payload: { classes, renamed: { cat: 'bird' } } });
  assert.equal(badRename.statusCode, 400);
  assert.deepEqual(JSON.parse(await readFile(path.join(project, '.samkit', 'project.json'), 'utf8')).classes, classes);
});
