/**
 * The app on another model family: the default weights re-packed in the transformers.js layout
 * (src/models/hf-sam/repack.ts), served with `--model <folder>`, its prompts decoded through the
 * server's decode endpoint (?decoder=server: the fallback for graphs onnxruntime-web cannot run; the
 * page's own decoding of it is family-page-decode.test.ts); the hover mask must be the library's
 * best multimask candidate for the same point.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultModelManifest } from '../../src/model/resolve.js';
import { writeHfSamFolder } from '../../src/models/hf-sam/write-folder.js';
import { centre, SCENE_HEIGHT as H, SCENE_WIDTH as W, sceneObject, writeSceneJpeg } from '../helpers/toy-scene.js';
import { browserUnavailable, iou, layerMask, resampleMask } from './harness.js';
import { hoverVsLibrary, startModelApp, type ModelApp } from './hover-vs-library.js';

const skip = browserUnavailable();
/** On the toy truck the test makes: a hover and a click on its window, a second click on its cargo box. */
const [WINDOW, CARGO] = [centre(sceneObject('window').shape), centre(sceneObject('cargo').shape)];
let IMAGE = '';
let tmp = '';
let folder = '';
let app: ModelApp | null = null;

before(async () => {
  if (skip) return;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'samkit-e2e-fam-'));
  folder = path.join(tmp, 'sam-hf');
  IMAGE = path.join(tmp, 'toy-truck.jpg');
  await writeSceneJpeg(IMAGE);
  const real = defaultModelManifest();
  await writeHfSamFolder(real.encoder.path!, real.decoder.path!, folder);
  app = await startModelApp(folder);
});

after(async () => {
  await app?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('the app hovers with a transformers.js-layout folder, decoding on the server', { skip: skip ?? false }, async () => {
  const { iou: v, predictor, box } = await hoverVsLibrary(app!, folder, IMAGE, [W, H], WINDOW, '?decoder=server');
  assert.match((await app!.page.locator('#chip-decoder').textContent()) ?? '', /hf-sam on server/);
  const page = app!.page;
  // The live layer also holds the pointer's marker: a small difference.
  assert.ok(v > 0.9, `hover mask IoU ${v.toFixed(3)} with the library's best candidate`);
  // A click decodes too (with the server: the page cannot run this decoder), a second point refines.
  await page.keyboard.press('c');
  for (const [n, [px, py]] of [[1, WINDOW], [2, CARGO]] as const) {
    const t = await page.evaluate(() => performance.now());
    await page.mouse.click(box.x + (px / W) * box.width, box.y + (py / H) * box.height);
    await page.waitForFunction((k) => new RegExp(`${k} points?`).test(document.getElementById('current-stats')?.textContent ?? ''), n, { timeout: 60000 });
    await page.waitForFunction((since) => (window as unknown as { __draws: Record<string, number> }).__draws['layer-live'] > since, t, { timeout: 60000, polling: 50 });
  }
  await page.waitForTimeout(500);
  const clicked = await layerMask(page, 'layer-live');
  const two = await predictor.predict({ pointCoords: [WINDOW, CARGO], pointLabels: [1, 1] });
  const any = two.masks.map((m) => iou(clicked.data, resampleMask(m.data, W, H, clicked.width, clicked.height)));
  assert.ok(Math.max(...any) > 0.85, `the two-point mask matches one of the library's candidates (IoUs ${any.map((a) => a.toFixed(3))})`);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
  await predictor.model.close();
});
