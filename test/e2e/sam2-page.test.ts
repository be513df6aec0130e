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
import { writeSam2Folder } from '../helpers/sam2-synthetic.js';
import { browserUnavailable, SAMPLE_IMAGE } from './harness.js';
import { hoverVsLibrary, startModelApp, type ModelApp } from './hover-vs-library.js';

const skip = browserUnavailable();
let tmp = '';
let folder = '';
let app: ModelApp | null = null;

before(async () => {
  if (skip) return;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'samkit-e2e-sam2-'));
  folder = await writeSam2Folder(path.join(tmp, 'sam2'), 'samexporter');
  app = await startModelApp(folder);
});

after(async () => {
  await app?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('SAM 2 in the app: the hover mask is painted where the library puts it (stretched geometry)', { skip: skip ?? false }, async () => {
  const r = await hoverVsLibrary(app!, folder, SAMPLE_IMAGE, [451, 300], [300, 150]);
  await r.predictor.model.close();
  assert.ok(r.iou > 0.95, `hover mask IoU ${r.iou.toFixed(3)} with the library's best candidate`);
});
