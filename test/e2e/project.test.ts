/**
 * `samkit app <dir>` end to end: a folder of photos made from the sample image opened as a project; the page lists
 * them, opens the first, moves with [ ] and U, marks done with D, and the next image's embedding is
 * computed ahead (the move is timed). Screenshots go to test-artifacts/e2e-project/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Mask } from '../../src/core/mask.js';
import { maskToCocoRle } from '../../src/core/rle.js';
import { readZip } from '../unit/zip-read.js';
import sharp, { type Sharp } from 'sharp';
import { ARTIFACTS, browserUnavailable, launchChromium, SAMPLE_IMAGE, startServer, waitReady, type RunningServer } from './harness.js';

const skip = browserUnavailable();
const SHOTS = path.join(ARTIFACTS, 'e2e-project');
/** Three different photos from the sample: as it is, mirrored in a subfolder, and grey at 0.8 scale. */
const FILES = ['cat.jpg', 'sub/cat-mirrored.jpg', 'cat-grey.jpg'];
const MAKE: Record<string, (s: Sharp) => Sharp> = {
  'cat.jpg': (s) => s,
  'sub/cat-mirrored.jpg': (s) => s.flop(),
  'cat-grey.jpg': (s) => s.greyscale().resize(360, 240),
};
/** annotate's order: code-unit sort of the relative paths. */
const ORDER = [...FILES].sort();

let server: RunningServer;
let browser: Browser;
let page: Page;
let dir: string;

const hashId = (): Promise<string> => page.evaluate(() => location.hash.slice(1));
const listed = (): Promise<Array<{ id: string; state: string; text: string; current: boolean }>> => page.$$eval('#project-list li', (lis) =>
  lis.map((li) => ({ id: (li as HTMLElement).dataset.id!, state: (li as HTMLElement).dataset.state!, text: li.textContent ?? '', current: li.classList.contains('current') })));

before(async () => {
  if (skip) return;
  await mkdir(SHOTS, { recursive: true });
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'samkit-e2e-project-')), 'photos');
  await mkdir(path.join(dir, 'sub'), { recursive: true });
  for (const f of FILES) await MAKE[f](sharp(SAMPLE_IMAGE)).jpeg({ quality: 90 }).toFile(path.join(dir, f));
  server = await startServer([dir, '--classes', 'dog,truck']);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('project: list, first image opens, [ ] move, D marks done, U goes to the next unfinished', { skip: skip ?? false, timeout: 300000 }, async () => {
  await page.goto(server.url);
  await page.waitForFunction((n) => document.querySelectorAll('#project-list li').length === n, ORDER.length, { timeout: 60000 });
  const rows = await listed();
  assert.deepEqual(rows.map((r) => r.text.split('not started')[0]), ORDER);
  await waitReady(page);
  assert.equal(await hashId(), rows[0].id, 'the first image opens');
  await page.screenshot({ path: path.join(SHOTS, '1-opened.png') });

  // The next image's embedding is computed ahead: wait until the store has it, then time the move.
  const embFile = async (id: string): Promise<boolean> => {
    for (const m of await readdir(server.embeddingsDir).catch(() => [] as string[])) {
      if ((await readdir(path.join(server.embeddingsDir, m)).catch(() => [] as string[])).includes(`${id}.npy`)) return true;
    }
    return false;
  };
  const t0 = Date.now();
  while (!(await embFile(rows[1].id)) && Date.now() - t0 < 120000) await page.waitForTimeout(200);
  assert.ok(await embFile(rows[1].id), 'the next image was embedded ahead of the move');
  const start = Date.now();
  await page.keyboard.press(']');
  await page.waitForFunction((id) => location.hash.slice(1) === id && document.body.dataset.readyImage === id, rows[1].id, { timeout: 60000, polling: 20 });
  const moveMs = Date.now() - start;
  console.log(`# move to the prefetched next image: ${moveMs} ms to ready`);
  await page.keyboard.press('[');
  await page.waitForFunction((id) => location.hash.slice(1) === id, rows[0].id, { timeout: 10000 });
  // Once the first image is open, previous stays on it.
  await waitReady(page);
  await page.keyboard.press('[');
  await page.waitForTimeout(300);
  assert.equal(await hashId(), rows[0].id, 'previous stops at the first image');
  await waitReady(page);

  await page.keyboard.press('d');
  await page.waitForFunction((id) => document.querySelector(`#project-list li[data-id="${id}"]`)?.getAttribute('data-state') === 'done', rows[0].id, { timeout: 10000 });
  const project = JSON.parse(await readFile(path.join(dir, '.samkit', 'project.json'), 'utf8')) as { done: string[] };
  assert.deepEqual(project.done, [rows[0].id], 'the done mark is stored in the project folder');
  await page.keyboard.press('u');
  await page.waitForFunction((id) => location.hash.slice(1) === id, rows[1].id, { timeout: 10000 });
  await waitReady(page);
  const after = await listed();
  assert.ok(after.find((r) => r.id === rows[1].id)!.current, 'the list marks the current image');
  // Classes from --classes: hotkey 2 labels the current mask 'truck'.
  assert.deepEqual(await page.$$eval('#class-list .class-row', (rows) => rows.map((r) => `${r.querySelector('.class-use')!.textContent} ${(r.querySelector('.class-name') as HTMLInputElement).value}`)), ['1 dog', '2 truck']);
  await page.keyboard.press('2');
  assert.equal(await page.inputValue('#label-input'), 'truck');
  await page.screenshot({ path: path.join(SHOTS, '2-next-unfinished.png') });
});

test('project: Export dataset downloads the whole project as COCO with the saved objects', { skip: skip ?? false, timeout: 120000 }, async () => {
  const rows = await listed();
  // Through the page: the server only answers its own origin.
  const listing = (await page.evaluate(async () => (await fetch('/api/project')).json())) as { project: { images: Array<{ id: string; width: number; height: number }> } };
  const info = listing.project.images.find((im) => im.id === rows[0].id)!;
  const m = new Mask(info.width, info.height);
  for (let y = 10; y < 40; y++) for (let x = 20; x < 70; x++) m.data[y * info.width + x] = 1;
  const objects = [{ id: 'e1', label: 'dog', segmentation: maskToCocoRle(m), source: 'click', pointCoords: [[30, 20]], pointLabels: [1] }];
  const status = await page.evaluate(async ([id, body]) => (await fetch(`/api/images/${id}/annotations`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body })).status, [rows[0].id, JSON.stringify({ objects })]);
  assert.equal(status, 200);
  await page.selectOption('#project-export-format', 'coco');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#project-export-button')]);
  const file = await download.path();
  const coco = JSON.parse(readZip(await readFile(file)).get('annotations.json')!.toString('utf8')) as { images: Array<{ id: number; file_name: string }>; annotations: Array<{ image_id: number; category_id: number; segmentation: unknown }>; categories: Array<{ id: number; name: string }> };
  assert.deepEqual(coco.images.map((im) => im.file_name), ORDER);
  assert.deepEqual(coco.categories.map((c) => c.name), ['dog', 'truck']);
  const first = coco.images[0]; // the list's order is annotate's order
  const mine = coco.annotations.filter((a) => a.image_id === first.id);
  assert.equal(mine.length, 1);
  assert.deepEqual(mine[0].segmentation, objects[0].segmentation);
  assert.equal(mine[0].category_id, 1);
});
