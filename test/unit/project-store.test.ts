/** The project store (samkit app <dir>) and the page's pure navigation over its image list. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { parseClasses } from '../../src/project/classes.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { imageState, parseProjectFile } from '../../src/project/project-state.js';
import { PROJECT_DATA_DIR, ProjectStore } from '../../src/project/project-store.js';
import { AnnotationStore } from '../../src/server/annotations.js';
import { ImageLibrary } from '../../src/server/image-library.js';
import { nextUnfinished, prefetchIds, stepIndex } from '../../web/src/project-nav.js';

async function png(w: number, h: number, r: number): Promise<Buffer> {
  return sharp({ create: { width: w, height: h, channels: 3, background: { r, g: 10, b: 20 } } }).png().toBuffer();
}

test('imageState: done wins, else objects decide', () => {
  assert.equal(imageState(0, false), 'not-started');
  assert.equal(imageState(3, false), 'in-progress');
  assert.equal(imageState(0, true), 'done');
  assert.deepEqual(parseProjectFile('{"done":["a",1]}').done, ['a']);
  assert.deepEqual(parseProjectFile('not json').done, []);
});

test('ProjectStore lists the folder recursively in annotate order, skips its own folder and non-images, keeps done marks', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'samkit-project-'));
  await mkdir(path.join(dir, 'sub'));
  await writeFile(path.join(dir, 'b.png'), await png(8, 6, 1));
  await writeFile(path.join(dir, 'sub', 'a.png'), await png(5, 4, 2));
  await writeFile(path.join(dir, 'notes.txt'), 'not an image');
  // A --data folder inside the project (not hidden): its copies of the images must not be listed.
  const data = path.join(dir, 'data');
  const annotations = new AnnotationStore(data);
  const store = new ProjectStore(dir, new ImageLibrary(data, 1e8), annotations, [data]);
  const first = await store.images();
  assert.deepEqual(first.map((im) => im.rel), ['b.png', 'sub/a.png']);
  assert.deepEqual(first.map((im) => [im.width, im.height]), [[8, 6], [5, 4]]);
  assert.ok(first.every((im) => im.state === 'not-started' && im.objects === 0));
  assert.equal((await store.images()).length, 2);

  await store.setDone(first[1].id, true);
  const file = JSON.parse(await readFile(path.join(dir, PROJECT_DATA_DIR, 'project.json'), 'utf8')) as { done: string[] };
  assert.deepEqual(file.done, [first[1].id]);
  await annotations.put({ version: 1, imageId: first[0].id, objects: [{} as never], updatedAt: new Date().toISOString() });
  const again = await store.images();
  assert.deepEqual(again.map((im) => im.state), ['in-progress', 'done']);
  await store.setDone(first[1].id, false);
  assert.equal((await store.images())[1].state, 'not-started');
});

test('navigation: clamped steps, next unfinished wraps and skips done, prefetch the next two', () => {
  const imgs = [{ id: 'a', state: 'done' }, { id: 'b', state: 'in-progress' }, { id: 'c', state: 'done' }, { id: 'd', state: 'not-started' }] as const;
  assert.equal(stepIndex(imgs, 'a', -1), 0);
  assert.equal(stepIndex(imgs, 'a', 1), 1);
  assert.equal(stepIndex(imgs, 'd', 1), 3);
  assert.equal(stepIndex(imgs, null, 1), 0);
  assert.equal(nextUnfinished(imgs, 'b'), 3);
  assert.equal(nextUnfinished(imgs, 'd'), 1);
  assert.equal(nextUnfinished([{ id: 'a', state: 'done' }], 'a'), -1);
  assert.deepEqual(prefetchIds(imgs, 'b'), ['c', 'd']);
  assert.deepEqual(prefetchIds(imgs, 'd'), []);
});

test('parseClasses: commas or lines, trimmed, no duplicates, hotkeys 1-9 only, empty refused', () => {
  const names = Array.from({ length: 11 }, (_, i) => `c${i}`);
  const cs = parseClasses(` dog ,cat\ndog\r\n${names.join(',')}`);
  assert.deepEqual(cs.slice(0, 2).map((c) => [c.name, c.hotkey]), [['dog', 1], ['cat', 2]]);
  assert.equal(cs.length, 13);
  assert.equal(cs[8].hotkey, 9);
  assert.equal(cs[9].hotkey, null);
  assert.notEqual(cs[0].color, cs[1].color);
  assert.throws(() => parseClasses(' , \n'), InvalidArgumentError);
});
