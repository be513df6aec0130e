/**
 * The app on another model family: the default weights re-packed in the transformers.js layout
 * (src/models/hf-sam/repack.ts), served with `--model <folder>`. That decoder needs the positional
 * encoding the page does not have, so the page decodes through the server's decode endpoint; the
 * hover mask must be the library's best multimask candidate for the same point.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { defaultModelManifest } from '../../src/model/resolve.js';
import { writeHfSamFolder } from '../../src/models/hf-sam/write-folder.js';
import { SamPredictor } from '../../src/predictor.js';
import { browserTestsUnavailable, instrumentDraws, iou, launchChromium, layerMask, REFERENCE_IMAGES, resampleMask, startServer, waitReady, type RunningServer } from './harness.js';

const skip = browserTestsUnavailable();
const IMAGE = path.join(REFERENCE_IMAGES, 'truck.jpg');
const [W, H] = [1800, 1200];
let tmp = '';
let folder = '';
let server: RunningServer;
let browser: Browser;
let page: Page;

before(async () => {
  if (skip) return;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'samkit-e2e-fam-'));
  folder = path.join(tmp, 'sam-hf');
  const real = defaultModelManifest();
  await writeHfSamFolder(real.encoder.path!, real.decoder.path!, folder);
  server = await startServer(['--model', folder]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await instrumentDraws(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('the app hovers with a transformers.js-layout folder, decoding on the server', { skip: skip ?? false }, async () => {
  await page.goto(server.url);
  await page.locator('input[type=file]').first().setInputFiles(IMAGE);
  await waitReady(page);
  const box = (await page.locator('#layer-live').boundingBox())!;
  const [x, y] = [500, 375];
  const since = await page.evaluate(() => performance.now());
  await page.mouse.move(box.x + (x / W) * box.width, box.y + (y / H) * box.height);
  await page.waitForFunction((t) => (window as unknown as { __draws: Record<string, number> }).__draws['layer-live'] > t, since, { timeout: 60000, polling: 50 });
  await page.waitForTimeout(500);
  const live = await layerMask(page, 'layer-live');
  const predictor = await SamPredictor.create(folder);
  await predictor.setImage(IMAGE);
  const r = await predictor.predict({ pointCoords: [[x, y]], pointLabels: [1] });
  const best = r.masks[[...r.scores].indexOf(Math.max(...r.scores))];
  const want = resampleMask(best.data, W, H, live.width, live.height);
  const v = iou(live.data, want);
  // The live layer also holds the pointer's marker: a small difference.
  assert.ok(v > 0.9, `hover mask IoU ${v.toFixed(3)} with the library's best candidate`);
  // A click decodes too (with the server: the page cannot run this decoder), a second point refines.
  await page.keyboard.press('c');
  for (const [n, [px, py]] of [[1, [500, 375]], [2, [1125, 625]]] as const) {
    const t = await page.evaluate(() => performance.now());
    await page.mouse.click(box.x + (px / W) * box.width, box.y + (py / H) * box.height);
    await page.waitForFunction((k) => new RegExp(`${k} points?`).test(document.getElementById('current-stats')?.textContent ?? ''), n, { timeout: 60000 });
    await page.waitForFunction((since) => (window as unknown as { __draws: Record<string, number> }).__draws['layer-live'] > since, t, { timeout: 60000, polling: 50 });
  }
  await page.waitForTimeout(500);
  const clicked = await layerMask(page, 'layer-live');
  const two = await predictor.predict({ pointCoords: [[500, 375], [1125, 625]], pointLabels: [1, 1] });
  const any = two.masks.map((m) => iou(clicked.data, resampleMask(m.data, W, H, clicked.width, clicked.height)));
  assert.ok(Math.max(...any) > 0.85, `the two-point mask matches one of the library's candidates (IoUs ${any.map((a) => a.toFixed(3))})`);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
  await predictor.model.close();
});
