/**
 * The app on a SAM 2 model (a tiny synthetic one in samexporter's contract, test/helpers/sam2-synthetic.ts):
 * SAM 2 stretches the image to the input square, so the page must map the low-res masks it paints
 * over the whole image, not the longest-side-plus-padding of SAM 1. The hover mask must be the
 * library's best candidate for the same point (an ellipse on this 451 x 300 photo).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SamPredictor } from '../../src/predictor.js';
import { writeSam2Folder } from '../helpers/sam2-synthetic.js';
import { browserUnavailable, instrumentDraws, iou, launchChromium, layerMask, resampleMask, SAMPLE_IMAGE, startServer, waitReady, type RunningServer } from './harness.js';

const skip = browserUnavailable();
const [W, H] = [451, 300];
let tmp = '';
let folder = '';
let server: RunningServer;
let browser: Browser;
let page: Page;

before(async () => {
  if (skip) return;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'samkit-e2e-sam2-'));
  folder = await writeSam2Folder(path.join(tmp, 'sam2'), 'samexporter');
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

test('SAM 2 in the app: the hover mask is painted where the library puts it (stretched geometry)', { skip: skip ?? false }, async () => {
  await page.goto(server.url);
  await page.locator('input[type=file]').first().setInputFiles(SAMPLE_IMAGE);
  await waitReady(page);
  const box = (await page.locator('#layer-live').boundingBox())!;
  const [x, y] = [300, 150];
  const since = await page.evaluate(() => performance.now());
  await page.mouse.move(box.x + (x / W) * box.width, box.y + (y / H) * box.height);
  await page.waitForFunction((t) => (window as unknown as { __draws: Record<string, number> }).__draws['layer-live'] > t, since, { timeout: 60000, polling: 50 });
  await page.waitForTimeout(500);
  const live = await layerMask(page, 'layer-live');
  const predictor = await SamPredictor.create(folder);
  try {
    await predictor.setImage(SAMPLE_IMAGE);
    const r = await predictor.predict({ pointCoords: [[x, y]], pointLabels: [1] });
    const best = r.masks[[...r.scores].indexOf(Math.max(...r.scores))];
    const want = resampleMask(best.data, W, H, live.width, live.height);
    const v = iou(live.data, want);
    assert.ok(v > 0.95, `hover mask IoU ${v.toFixed(3)} with the library's best candidate`);
  } finally {
    await predictor.model.close();
  }
});
