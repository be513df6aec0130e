/**
 * Model families decoded in the page: the re-packed transformers.js-layout folder (hf-sam, the
 * default weights) and the synthetic SAM 2 models in both contracts run their own decoder graph in
 * onnxruntime-web (web/src/family-decoder.ts), on the image-side tensors the embedding endpoint
 * sends. A hover and a two-point click prompt are accepted; the stored masks (full resolution, the
 * page's upsampling) must equal the library's for the same prompts, with no decode request to the
 * server. With ?decoder=server the same prompts go through the server's decode endpoint instead.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { decompressRle, maskToCocoRle } from '../../src/core/rle.js';
import type { Mask } from '../../src/core/mask.js';
import { defaultModelManifest } from '../../src/model/resolve.js';
import { writeHfSamFolder } from '../../src/models/hf-sam/write-folder.js';
import { SamPredictor } from '../../src/predictor.js';
import type { AnnotationDoc } from '../../src/server/protocol.js';
import { writeSam2Folder } from '../helpers/sam2-synthetic.js';
import { browserUnavailable, instrumentDraws, launchChromium, SAMPLE_IMAGE, startServer, waitReady } from './harness.js';

const skip = browserUnavailable();
const [W, H] = [451, 300];
const HOVER: [number, number] = [300, 150];
const CLICKS: Array<[number, number]> = [[300, 150], [120, 200]];
let tmp = '';

before(async () => {
  if (!skip) tmp = await mkdtemp(path.join(os.tmpdir(), 'samkit-e2e-fampage-'));
});

after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Differing pixels of two masks of the same size, given as COCO RLE. */
function differing(a: { size: [number, number]; counts: string }, b: Mask): number {
  const ua = decompressRle(a).counts;
  const ub = decompressRle(maskToCocoRle(b)).counts;
  const bits = (counts: number[]) => {
    const out = new Uint8Array(W * H);
    let pos = 0;
    counts.forEach((c, k) => { if (k & 1) out.fill(1, pos, pos + c); pos += c; });
    return out;
  };
  const [x, y] = [bits(ua), bits(ub)];
  let n = 0;
  for (let i = 0; i < x.length; i++) n += x[i] ^ y[i];
  return n;
}

async function accept(page: Page, label: string, count: number): Promise<void> {
  await page.fill('#label-input', label);
  await page.press('#label-input', 'Enter');
  await page.waitForFunction((n) => document.querySelectorAll('#object-list li').length === n, count, { timeout: 60000 });
  await page.waitForFunction(() => document.getElementById('chip-save')?.textContent === 'All changes saved', null, { timeout: 60000 });
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

/**
 * Open the sample image in the app on `folder` (with `query` on the page URL), accept a hover and a
 * two-point prompt, and return the stored masks, the decoder chip and the decode requests the page made.
 */
async function inTheApp(folder: string, query: string): Promise<{ objects: AnnotationDoc['objects']; chip: string; serverDecodes: number; graphs: string }> {
  const server = await startServer(['--model', folder]);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await instrumentDraws(page);
    let serverDecodes = 0;
    page.on('request', (r) => { if (r.method() === 'POST' && /\/decode$/.test(new URL(r.url()).pathname)) serverDecodes++; });
    await page.goto(`${server.url}?${query}`);
    await page.locator('input[type=file]').first().setInputFiles(SAMPLE_IMAGE);
    await waitReady(page);
    const box = (await page.locator('#layer-live').boundingBox())!;
    const at = ([x, y]: [number, number]) => [box.x + ((x + 0.5) / W) * box.width, box.y + ((y + 0.5) / H) * box.height] as const;
    const drawn = async (f: () => Promise<void>) => {
      const t = await page.evaluate(() => performance.now());
      await f();
      await page.waitForFunction((since) => (window as unknown as { __draws: Record<string, number> }).__draws['layer-live'] > since, t, { timeout: 60000, polling: 50 });
    };
    await drawn(() => page.mouse.move(...at(HOVER)));
    await page.waitForTimeout(300);
    const graphs = [await page.locator('#current-stats').innerHTML()];
    await accept(page, 'hovered', 1);
    await page.keyboard.press('c');
    for (const [n, p] of CLICKS.entries()) {
      await drawn(() => page.mouse.click(...at(p)));
      await page.waitForFunction((k) => new RegExp(`${k} points?`).test(document.getElementById('current-stats')?.textContent ?? ''), n + 1, { timeout: 60000 });
    }
    await page.waitForTimeout(300);
    graphs.push(await page.locator('#current-stats').innerHTML());
    await accept(page, 'clicked', 2);
    const id = (await page.evaluate(() => location.hash)).slice(1);
    const doc = (await (await fetch(new URL(`/api/images/${id}/annotations`, server.url))).json()) as AnnotationDoc;
    const chip = (await page.locator('#chip-decoder').textContent()) ?? '';
    return { objects: doc.objects, chip, serverDecodes, graphs: graphs.join(' | ') };
  } finally {
    await browser.close();
    await server.stop();
  }
}

type Point = [number, number];

/**
 * The library's masks for the prompts the page stored (its points are where the pointer was, in
 * image pixels): the best candidate; the click refined from the first click's, as the page chains it.
 */
async function libraryMasks(folder: string, hover: Point, clicks: Point[], refine: boolean): Promise<{ hover: Mask; clicked: Mask }> {
  const p = await SamPredictor.create(folder);
  try {
    await p.setImage(SAMPLE_IMAGE);
    const best = (r: { scores: Float32Array }) => [...r.scores].indexOf(Math.max(...r.scores));
    const one = await p.predict({ pointCoords: [hover], pointLabels: [1] });
    const first = await p.predict({ pointCoords: [clicks[0]], pointLabels: [1] });
    const maskInput = refine && p.model.supports.maskInput ? first.lowResLogits[best(first)] : undefined;
    const two = await p.predict({ pointCoords: clicks, pointLabels: [1, 1], maskInput });
    return { hover: one.masks[best(one)], clicked: two.masks[best(two)] };
  } finally {
    await p.model.close();
  }
}

async function checkFamily(folder: string, family: string, query: string, via: 'page' | 'server', tolerance: number): Promise<void> {
  const app = await inTheApp(folder, query);
  const byLabel = new Map(app.objects.map((o) => [o.label, o]));
  const [hovered, clicked] = [byLabel.get('hovered'), byLabel.get('clicked')];
  assert.ok(hovered && clicked, `both objects were saved (${[...byLabel.keys()]})`);
  assert.equal(clicked.pointCoords.length, 2);
  // The server's endpoint has no mask-input refinement: its click mask is the two points' alone.
  const lib = await libraryMasks(folder, hovered.pointCoords[0], clicked.pointCoords, via === 'page');
  assert.match(app.chip, new RegExp(`${family} ${via === 'page' ? 'in page' : 'on server'}`), `decoder chip: ${app.chip}`);
  if (via === 'page') {
    assert.equal(app.serverDecodes, 0, 'no prompt decoded on the server');
    assert.match(app.graphs, /\(family graph\).*\(family graph\)/, `the page's graphs: ${app.graphs}`);
  } else {
    assert.ok(app.serverDecodes > 0, 'the prompts went to the server');
  }
  for (const [label, mask] of [['hovered', lib.hover], ['clicked', lib.clicked]] as const) {
    const o = byLabel.get(label)!;
    const diff = differing(o.segmentation, mask);
    assert.ok(diff <= tolerance * mask.area, `${family} ${label}: ${diff} pixels differ from the library's mask (area ${mask.area}, via ${via})`);
  }
}

// The synthetic graphs compute the same floats everywhere; the real decoder's WASM kernels may flip
// a pixel on the threshold.
test('hf-sam (re-packed default weights): hover and click masks decoded in the page equal the library\'s', { skip: skip ?? false }, async () => {
  const folder = path.join(tmp, 'sam-hf');
  const real = defaultModelManifest();
  await writeHfSamFolder(real.encoder.path!, real.decoder.path!, folder);
  await checkFamily(folder, 'hf-sam', 'hover=page', 'page', 0.002);
});

for (const contract of ['samexporter', 'hf'] as const) {
  test(`sam2-${contract} (synthetic): hover and click masks decoded in the page equal the library's`, { skip: skip ?? false }, async () => {
    const folder = await writeSam2Folder(path.join(tmp, `sam2-${contract}`), contract);
    await checkFamily(folder, `sam2-${contract}`, 'hover=page', 'page', 0);
  });
}

test('?decoder=server: a family\'s prompts go through the server\'s decode endpoint, with the same masks', { skip: skip ?? false }, async () => {
  const folder = await writeSam2Folder(path.join(tmp, 'sam2-server'), 'samexporter');
  await checkFamily(folder, 'sam2-samexporter', 'decoder=server', 'server', 0);
});
