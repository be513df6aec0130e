/**
 * Import and review end to end: a project folder of two photos (a toy truck the test makes,
 * test/helpers/toy-scene.ts, and the sample image) pre-annotated by the real `samkit annotate` (COCO), imported with `samkit app <dir> --import`, reviewed in the page
 * (filter by score and area, relabel and accept one, reject one, an uploaded near-copy of an
 * accepted object hidden as a duplicate until the accept is undone, accept all shown), then the
 * project exported as COCO and parsed back: the accepted objects and nothing else, with their
 * labels. Screenshots go to test-artifacts/e2e-review/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { maskToCocoRle, rleToMask, type CompressedRle } from '../../src/core/rle.js';
import type { ProposalDoc } from '../../src/project/import/proposal.js';
import { readZip } from '../unit/zip-read.js';
import { ARTIFACTS, browserUnavailable, launchChromium, layerMask, PROJECT_ROOT, SAMPLE_IMAGE, startServer, waitReady, type RunningServer } from './harness.js';
import { writeSceneJpeg } from '../helpers/toy-scene.js';

const skip = browserUnavailable();
const SHOTS = path.join(ARTIFACTS, 'e2e-review');
/** The reviewed image (first in the folder's order: the toy truck, whose parts give annotate many masks) and one in a subfolder, left unreviewed. */
const [FIRST, SECOND] = ['toy-truck.jpg', 'unreviewed/chelsea.png'];

interface CocoAnn { id: number; image_id: number; category_id: number; segmentation: CompressedRle; area: number; predicted_iou: number }
interface Coco { images: Array<{ id: number; file_name: string; width: number; height: number }>; annotations: CocoAnn[]; categories: Array<{ id: number; name: string }> }

let server: RunningServer;
let browser: Browser;
let page: Page;
let dir: string;
let coco: Coco;

const rows = (): Promise<string[]> => page.$$eval('#review-list li', (lis) => lis.map((li) => (li as HTMLElement).dataset.id!));
const waitRows = (n: number): Promise<unknown> => page.waitForFunction((k) => document.querySelectorAll('#review-list li').length === k, n, { timeout: 20000 });
/** Set a slider as a drag would: the value, then the focus back to the page. */
const setRange = async (id: string, value: number): Promise<void> => {
  await page.locator(id).fill(String(value));
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
};
const shot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

async function proposals(imageId: string): Promise<ProposalDoc> {
  return JSON.parse(await readFile(path.join(server.dataDir, 'proposals', `${imageId}.json`), 'utf8')) as ProposalDoc;
}

async function savedObjects(): Promise<Array<{ label: string; segmentation: CompressedRle; source: string }>> {
  const id = await page.evaluate(() => location.hash.slice(1));
  return (await page.evaluate(async (i) => (await fetch(`/api/images/${i}/annotations`)).json(), id) as { objects: Array<{ label: string; segmentation: CompressedRle; source: string }> }).objects;
}

before(async () => {
  if (skip) return;
  await mkdir(SHOTS, { recursive: true });
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'samkit-e2e-review-')), 'photos');
  await mkdir(path.join(dir, path.dirname(SECOND)), { recursive: true });
  await writeSceneJpeg(path.join(dir, FIRST));
  await copyFile(SAMPLE_IMAGE, path.join(dir, SECOND));
  // The real CLI, as a user pre-annotates a folder (a coarse grid keeps it short).
  const cocoFile = path.join(dir, 'pre.json');
  await promisify(execFile)(process.execPath, [path.join(PROJECT_ROOT, 'bin/samkit.js'), 'annotate', dir, '--out', cocoFile, '--points-per-side', '8', '--quiet'], { cwd: PROJECT_ROOT, timeout: 240000 });
  coco = JSON.parse(await readFile(cocoFile, 'utf8')) as Coco;
  server = await startServer([dir, '--classes', 'truck,tyre', '--import', cocoFile]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`# console: ${m.text()}`); });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) await rm(path.dirname(dir), { recursive: true, force: true });
});

test('review: import a samkit annotate COCO, filter, accept, reject, duplicates hidden, export matches', { skip: skip ?? false, timeout: 600000 }, async () => {
  assert.match(server.log(), /imported \d+ proposal\(s\) for 2 image\(s\)/);
  await page.goto(server.url);
  await waitReady(page).catch(async (err: unknown) => {
    await shot('0-error');
    console.log(`# chips: ${await page.locator('.chips').textContent()} · status: ${await page.locator('#status-text').textContent()}\n# server: ${server.log()}`);
    throw err;
  });
  const firstId = await page.evaluate(() => location.hash.slice(1));
  const firstAnns = coco.annotations.filter((a) => a.image_id === coco.images.find((im) => im.file_name === FIRST)!.id);
  assert.ok(firstAnns.length >= 5, `annotate found ${firstAnns.length} masks on ${FIRST}`);
  await waitRows(firstAnns.length);
  const layer = await layerMask(page, 'layer-proposals');
  assert.ok(layer.data.reduce((a, b) => a + b, 0) > 1000, 'the proposals are drawn on their own layer');
  assert.equal((await layerMask(page, 'layer-objects')).data.reduce((a, b) => a + b, 0), 0, 'nothing is drawn as an accepted object');
  await shot('1-imported');

  // Filters: score, then area too; hidden proposals are counted, not lost.
  const byScore = [...firstAnns].sort((a, b) => a.predicted_iou - b.predicted_iou);
  const cut = byScore[Math.floor(byScore.length / 2)].predicted_iou;
  const minScore = Math.floor(cut * 100) / 100;
  await setRange('#review-min-score', minScore);
  await waitRows(firstAnns.filter((a) => a.predicted_iou >= minScore).length);
  const areas = firstAnns.map((a) => a.area).sort((a, b) => a - b);
  const minArea = areas[Math.floor(areas.length / 2)];
  await setRange('#review-min-area', minArea);
  await waitRows(firstAnns.filter((a) => a.predicted_iou >= minScore && a.area >= minArea).length);
  assert.match((await page.locator('#review-summary').textContent())!, /filtered out/);
  await shot('2-filtered');
  await setRange('#review-min-score', 0);
  await setRange('#review-min-area', 0);
  await waitRows(firstAnns.length);

  // Relabel the first proposal and accept it with its button; reject the next one with X.
  const [first, second] = await rows();
  const firstRow = page.locator(`#review-list li[data-id="${first}"]`);
  await firstRow.locator('.proposal-label').fill('truck');
  await firstRow.locator('button.accept').click();
  await waitRows(firstAnns.length - 1);
  assert.deepEqual((await rows())[0], second, 'the next proposal has the focus');
  await page.keyboard.press('x');
  await waitRows(firstAnns.length - 2);
  await page.waitForFunction(() => document.getElementById('chip-save')?.textContent === 'All changes saved');
  let objects = await savedObjects();
  assert.equal(objects.length, 1);
  assert.equal(objects[0].label, 'truck');
  assert.equal(objects[0].source, 'import');
  // The decisions reach the server after the page has moved on: wait for both.
  const decided = async (): Promise<ProposalDoc> => {
    for (let t = Date.now(); Date.now() - t < 10000; await new Promise((r) => setTimeout(r, 100))) {
      const d = await proposals(firstId);
      if (d.proposals.find((p) => p.id === first)?.status !== 'pending' && d.proposals.find((p) => p.id === second)?.status !== 'pending') return d;
    }
    return proposals(firstId);
  };
  const doc = await decided();
  const accepted = doc.proposals.find((p) => p.id === first)!;
  assert.equal(accepted.status, 'accepted');
  assert.equal(doc.proposals.find((p) => p.id === second)!.status, 'rejected');
  assert.deepEqual(objects[0].segmentation, accepted.segmentation);
  assert.ok(firstAnns.some((a) => a.segmentation.counts === accepted.segmentation.counts), 'the object is the annotate mask');
  assert.ok((await layerMask(page, 'layer-objects')).data.some((v) => v), 'the accepted object is drawn as an object');
  await shot('3-accepted-rejected');

  // An uploaded near-copy of the accepted object (one row of pixels less) is a duplicate: hidden.
  const mask = rleToMask(accepted.segmentation);
  const [, y0] = mask.bbox;
  for (let x = 0; x < mask.width; x++) mask.data[y0 * mask.width + x] = 0;
  const square = rleToMask(accepted.segmentation);
  square.data.fill(0);
  for (let y = 5; y < 45; y++) for (let x = 5; x < 45; x++) square.data[y * square.width + x] = 1;
  const records = [mask, square].map((m) => ({ segmentation: maskToCocoRle(m), area: m.area, bbox: m.bbox, predicted_iou: 0.5, point_coords: [[10, 10]], stability_score: 0.9, crop_box: [0, 0, m.width, m.height] }));
  const upload = path.join(path.dirname(dir), 'near-copy.json');
  await writeFile(upload, JSON.stringify(records));
  await page.setInputFiles('#review-import-file', upload);
  await waitRows(firstAnns.length - 1);
  assert.match((await page.locator('#review-summary').textContent())!, /1 hidden as duplicates of objects/);
  // Undo the accept: the proposal is back to review (pending, on the server too) and the near-copy
  // no longer duplicates anything; redo accepts it again and hides the near-copy again.
  const statusOf = async (want: string): Promise<string | undefined> => {
    let s: string | undefined;
    for (let t = Date.now(); Date.now() - t < 10000; await new Promise((r) => setTimeout(r, 100))) {
      s = (await proposals(firstId)).proposals.find((p) => p.id === first)?.status;
      if (s === want) break;
    }
    return s;
  };
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('Control+z');
  await waitRows(firstAnns.length + 1);
  assert.ok((await rows()).includes(first), 'the undone proposal is listed again');
  assert.equal(await statusOf('pending'), 'pending', 'the server has it pending again');
  await page.keyboard.press('Control+Shift+z');
  await waitRows(firstAnns.length - 1);
  assert.equal(await statusOf('accepted'), 'accepted', 'redo accepts it again');
  await shot('4-duplicate-hidden');

  // Accept all the filter shows (Shift+A), as label "object" from the file's category.
  const pendingScores = (await proposals(firstId)).proposals.filter((p) => p.status === 'pending').map((p) => p.score ?? 0).sort((a, b) => b - a);
  const best = Math.floor(pendingScores[2] * 100) / 100; // the three best at least
  await setRange('#review-min-score', best);
  await page.waitForFunction(() => document.querySelectorAll('#review-list li').length > 0);
  const shown = await rows();
  const shownDoc = (await proposals(firstId)).proposals.filter((p) => shown.includes(p.id));
  assert.ok(shownDoc.every((p) => p.score === null || p.score >= best));
  await page.keyboard.press('Shift+A');
  await waitRows(0);
  await page.waitForFunction(() => document.getElementById('chip-save')?.textContent === 'All changes saved');
  objects = await savedObjects();
  assert.equal(objects.length, 1 + shown.length);
  await shot('5-accepted-all-shown');

  // The whole project exported as COCO holds exactly the accepted objects, with their labels.
  const zip = await page.evaluate(async () => Array.from(new Uint8Array(await (await fetch('/api/project/export?format=coco')).arrayBuffer())));
  const out = JSON.parse(readZip(Buffer.from(zip)).get('annotations.json')!.toString('utf8')) as Coco;
  assert.deepEqual(out.images.map((im) => im.file_name), [FIRST, SECOND]);
  const name = new Map(out.categories.map((c) => [c.id, c.name]));
  const exported = out.annotations.filter((a) => a.image_id === out.images[0].id).map((a) => [name.get(a.category_id), a.segmentation.counts]);
  const expected = [['truck', accepted.segmentation.counts], ...shownDoc.map((p) => [p.label || 'object', p.segmentation.counts])];
  assert.deepEqual(exported, expected);
  assert.equal(out.annotations.filter((a) => a.image_id === out.images[1].id).length, 0, 'nothing of the unreviewed image is exported');
  assert.deepEqual(out.categories.map((c) => c.name), ['truck', 'tyre', 'object']);
});
