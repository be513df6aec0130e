/**
 * The page's Find box in Chromium: the server runs with a tiny colour detector (built at test time),
 * the user types phrases, sees each object with its score and box, rejects one, and the accepted
 * object is added as a labelled object whose mask is the right rectangle.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { rleToMask, type CompressedRle } from '../../src/core/rle.js';
import { encodePng } from '../../src/image/encode-png.js';
import { buildTinyOwlVit, COLOURS, sceneRgb } from '../helpers/tiny-detector.js';
import { ARTIFACTS, CHROMIUM, launchChromium, PROJECT_ROOT, startServer, waitReady, type RunningServer } from './harness.js';

const skip = !existsSync(CHROMIUM) ? `Chromium not found at ${CHROMIUM}`
  : !existsSync(path.join(PROJECT_ROOT, 'web', 'dist', 'app.js')) ? 'the frontend is not built (npm run build)' : false;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'samkit-find-e2e-'));
const W = 512, H = 384;
const RED = [64, 48, 192, 192] as const;   // on the detector's 8x8 grid (64 x 48 px cells)
const BLUE = [256, 192, 448, 336] as const;
let server: RunningServer;
let browser: Browser;
let page: Page;

before(async () => {
  if (skip) return;
  const detector = buildTinyOwlVit(path.join(tmp, 'det'));
  mkdirSync(path.join(tmp, 'img'));
  writeFileSync(path.join(tmp, 'img', 'scene.png'), await encodePng(sceneRgb(W, H, [{ box: RED, rgb: COLOURS.red }, { box: BLUE, rgb: COLOURS.blue }]), W, H, 3));
  server = await startServer(['--detector', detector]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('Find box: phrases -> scored boxes -> accept one -> a labelled object of the right mask', { skip }, async () => {
  await page.goto(server.url);
  await page.locator('input[type=file]').first().setInputFiles(path.join(tmp, 'img', 'scene.png'));
  await waitReady(page);
  await page.locator('#find-text').fill('red. blue. yellow');
  await page.locator('#find-go').click();
  await page.waitForFunction(() => document.querySelectorAll('#find-results li').length > 0 || /failed|Nothing/.test(document.getElementById('find-status')!.textContent ?? ''), null, { timeout: 120000 });
  const rows = await page.locator('#find-results li').allTextContents();
  assert.equal(rows.length, 2, `${rows.join(' | ')} / ${await page.locator('#find-status').textContent()}`);
  assert.ok(rows.some((r) => /red\s+0\.9\d/.test(r)) && rows.some((r) => /blue\s+0\.9\d/.test(r)), rows.join(' | '));
  mkdirSync(path.join(ARTIFACTS, 'e2e'), { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'e2e', 'find-results.png') });
  // Reject blue, accept red.
  await page.locator('#find-results li', { hasText: 'blue' }).locator('input[type=checkbox]').uncheck();
  await page.locator('#find-add').click();
  await page.waitForFunction(() => document.getElementById('object-count')!.textContent === '1', null, { timeout: 10000 });
  const id = new URL(page.url()).hash.slice(1);
  // The page saves in the background: wait for the object on the server.
  let doc: { objects: Array<{ label: string; segmentation: CompressedRle }> } = { objects: [] };
  for (let i = 0; i < 50 && doc.objects.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 200));
    doc = await (await fetch(new URL(`/api/images/${id}/annotations`, server.url))).json() as typeof doc;
  }
  assert.deepEqual(doc.objects.map((o) => o.label), ['red']);
  const mask = rleToMask(doc.objects[0].segmentation);
  let inside = 0;
  for (let y = RED[1]; y < RED[3]; y++) for (let x = RED[0]; x < RED[2]; x++) inside += mask.data[y * W + x];
  const boxArea = (RED[2] - RED[0]) * (RED[3] - RED[1]);
  assert.ok(inside / (mask.area + boxArea - inside) > 0.9, `mask IoU ${inside / (mask.area + boxArea - inside)}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'e2e', 'find-added.png') });
  // Bad requests: a 4xx JSON error each.
  for (const body of [{}, { text: 5 }, { text: ' . ' }, { text: 'red', boxThreshold: 3 }, { text: 'red', nmsThreshold: 'x' }]) {
    const res = await fetch(new URL(`/api/images/${id}/find`, server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(typeof ((await res.json()) as { error?: unknown }).error, 'string');
  }
  const missing = await fetch(new URL('/api/images/0123456789abcdef0123/find', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"red"}' });
  assert.ok(missing.status === 404 || missing.status === 400, String(missing.status));
});
