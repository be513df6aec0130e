/**
 * The annotation app end to end: the real server with the default model, Debian's Chromium
 * headless, a photo the test makes with objects of known geometry (a toy truck, test/helpers/toy-scene.ts;
 * prompts go where its parts are and masks are compared with them) and the sample image.
 * Screenshots of every step go to test-artifacts/e2e/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { rleToMask } from '../../src/core/rle.js';
import {
  ARTIFACTS, browserUnavailable, instrumentDraws, iou, launchChromium, layerMask, resampleMask, SAMPLE_IMAGE, startServer, waitReady,
  type RunningServer,
} from './harness.js';
import { bounds, centre, SCENE_HEIGHT as H, SCENE_WIDTH as W, sceneObject, unionMask, visibleMask, writeSceneJpeg } from '../helpers/toy-scene.js';

const skip = browserUnavailable();
const SHOTS = path.join(ARTIFACTS, 'e2e');
let tmp = '';
let IMAGE = '';
/** Prompt points: the centres of the toy truck's parts. */
const WINDOW = centre(sceneObject('window').shape);
const CARGO = centre(sceneObject('cargo').shape);
const CAB = centre(sceneObject('cab').shape);
const ROAD = centre(sceneObject('road').shape);
/** What two points on the window and the cargo box mean: the whole truck. */
const TRUCK = ['cargo', 'cab', 'window', 'rear tyre', 'front tyre'];

let server: RunningServer;
let browser: Browser;
let page: Page;
/** Live-layer masks painted just before each object was accepted, by label. */
const painted = new Map<string, { width: number; height: number; data: Uint8Array }>();

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Page coordinates of an image pixel. */
async function at(x: number, y: number): Promise<{ x: number; y: number }> {
  const box = (await page.locator('#layer-live').boundingBox())!;
  return { x: box.x + (x / W) * box.width, y: box.y + (y / H) * box.height };
}

/** Resolve once `layer` has been drawn on after `since` (page clock). */
async function paintedAfter(layer: string, since: number, timeout = 30000): Promise<number> {
  const handle = await page.waitForFunction(
    ([id, t]) => { const d = (window as unknown as { __draws: Record<string, number> }).__draws[id as string]; return d > (t as number) ? d : 0; },
    [layer, since] as const, { timeout, polling: 20 },
  );
  return (await handle.jsonValue()) as number;
}

const now = (): Promise<number> => page.evaluate(() => performance.now());

/** Pixels of the live layer that are the current mask's blue (not prompt markers or the box outline). */
async function liveMask(): Promise<{ width: number; height: number; data: Uint8Array }> {
  const r = await page.evaluate(() => {
    const c = document.getElementById('layer-live') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let s = '';
    for (let i = 0; i < d.length; i += 4) s += d[i + 3] > 0 && d[i] < 120 && d[i + 2] > 180 ? '1' : '0';
    return { width: c.width, height: c.height, s };
  });
  return { width: r.width, height: r.height, data: Uint8Array.from(r.s, (ch) => (ch === '1' ? 1 : 0)) };
}

function countAt(m: { width: number; data: Uint8Array }, fx: number, fy: number): number {
  // Mask pixels within 12 display pixels of the point (a prompt marker may cover the point itself).
  const cx = Math.round(fx * m.width);
  const cy = Math.round(fy * (m.data.length / m.width));
  let n = 0;
  for (let y = cy - 12; y <= cy + 12; y++) for (let x = cx - 12; x <= cx + 12; x++) n += m.data[y * m.width + x] ?? 0;
  return n;
}

const area = (m: { data: Uint8Array }): number => m.data.reduce((a, b) => a + b, 0);

/** The share of an object's pixels (0/1, same layout) that the mask covers. */
function share(m: { data: Uint8Array }, object: Uint8Array): number {
  let hit = 0;
  let all = 0;
  for (let i = 0; i < object.length; i++) { all += object[i]; hit += object[i] & m.data[i]; }
  return hit / all;
}

async function accept(label: string): Promise<void> {
  painted.set(label, await liveMask());
  await page.fill('#label-input', label);
  const before = await page.locator('#object-list li').count();
  await page.press('#label-input', 'Enter');
  await page.waitForFunction((n) => document.querySelectorAll('#object-list li').length === n + 1, before);
  await page.waitForFunction(() => document.getElementById('chip-save')?.textContent === 'All changes saved');
  await blur();
}

/** Keyboard shortcuts only act when no text field has the focus. */
async function blur(): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

before(async () => {
  if (skip) return;
  await mkdir(SHOTS, { recursive: true });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'samkit-e2e-app-'));
  IMAGE = path.join(tmp, 'toy-truck.jpg');
  await writeSceneJpeg(IMAGE);
  server = await startServer();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await instrumentDraws(page);
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('opens an image through the file input and computes its embedding', { skip: skip ?? false }, async () => {
  await page.goto(server.url);
  await page.waitForFunction(() => /WASM/.test(document.getElementById('chip-decoder')?.textContent ?? ''), null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'served cross-origin isolated (threads)');
  await shot('01-empty');
  await page.locator('input[type=file]').first().setInputFiles(IMAGE);
  await page.waitForSelector('#canvas-wrap:not([hidden])');
  await shot('02-loading');
  await waitReady(page);
  // The mask layers' box is the image on screen (the image layer is the stage's size, drawn through the view).
  const box = (await page.locator('#layer-live').boundingBox())!;
  assert.ok(Math.abs(box.width / box.height - W / H) < 0.01, 'the canvas shows the whole image at its aspect ratio');
  assert.match((await page.locator('#chip-embedding').textContent())!, /computed/);
  assert.match((await page.locator('#image-title').textContent())!, new RegExp(`toy-truck\\.jpg · ${W} × ${H}`));
  await shot('03-ready');
});

test('hover paints the mask under the pointer', { skip: skip ?? false }, async () => {
  const t = await now();
  const p = await at(...WINDOW);
  await page.mouse.move(p.x, p.y);
  await paintedAfter('layer-live', t);
  await page.waitForTimeout(300);
  const m = await liveMask();
  assert.ok(countAt(m, WINDOW[0] / W, WINDOW[1] / H) > 0, 'mask at the pointer');
  assert.ok(area(m) > 0.001 * m.data.length && area(m) < 0.5 * m.data.length, 'a plausible object, not the whole image');
  const v = iou(m.data, visibleMask('window', m.width, m.height));
  assert.ok(v > 0.85, `the hover mask is the window under the pointer (IoU ${v.toFixed(3)})`);
  assert.match((await page.locator('#current-stats').textContent())!, /score \d\.\d+/);
  await shot('04-hover');
});

test('hovers decode where they were timed faster, and the page and the server paint the same mask', { skip: skip ?? false }, async () => {
  const chip = (await page.locator('#chip-decoder').textContent())!;
  assert.match(chip, /hover (on server|in page)/);
  assert.match((await page.locator('#chip-decoder').getAttribute('title'))!, /in the page \d+ ms, on the server \d+ ms/);
  const id = new URL(page.url()).hash;
  const masks: Record<string, { width: number; data: Uint8Array }> = {};
  for (const via of ['page', 'server'] as const) {
    await page.goto(new URL(`/?hover=${via}${id}`, server.url).href);
    await waitReady(page);
    assert.match((await page.locator('#chip-decoder').textContent())!, via === 'server' ? /hover on server/ : /hover in page/);
    const t = await now();
    const p = await at(...WINDOW);
    await page.mouse.move(p.x, p.y);
    await paintedAfter('layer-live', t);
    await page.waitForTimeout(300);
    masks[via] = await liveMask();
    const graph = await page.locator('#current-stats span.muted').getAttribute('title');
    // in the page: the decoder kernel, or the hover graph until the kernel has started
    assert.match(graph!, via === 'server' ? /server graph/ : /(hover|kernel) graph/);
  }
  let diff = 0;
  masks.page.data.forEach((v, i) => { if (v !== masks.server.data[i]) diff++; });
  assert.ok(area(masks.page) > 0 && diff <= 0.005 * area(masks.page), `page and server masks differ in ${diff} of ${area(masks.page)} pixels`);
  await page.goto(new URL(`/${id}`, server.url).href);
  await waitReady(page);
});

test('clicks add points, refine with the previous logits, and can be removed', { skip: skip ?? false }, async () => {
  await page.keyboard.press('c');
  let t = await now();
  let p = await at(...WINDOW);
  await page.mouse.click(p.x, p.y);
  await paintedAfter('layer-live', t);
  await page.waitForFunction(() => /1 point/.test(document.getElementById('current-stats')?.textContent ?? ''));
  const one = await liveMask();
  assert.ok(countAt(one, WINDOW[0] / W, WINDOW[1] / H) > 0);
  const v1 = iou(one.data, visibleMask('window', one.width, one.height));
  assert.ok(v1 > 0.85, `one click on the window: the window (IoU ${v1.toFixed(3)})`);

  // A second point on the cargo box: the refined mask is the whole truck.
  t = await now();
  p = await at(...CARGO);
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction(() => /2 points/.test(document.getElementById('current-stats')?.textContent ?? ''));
  await paintedAfter('layer-live', t);
  const two = await liveMask();
  assert.ok(countAt(two, CARGO[0] / W, CARGO[1] / H) > 0, 'the refined mask covers the second point');
  assert.ok(area(two) > area(one) * 1.5, `the refined mask grew to the whole truck (${area(one)} -> ${area(two)})`);
  const truck = unionMask(TRUCK, two.width, two.height);
  const v2 = iou(two.data, truck);
  assert.ok(v2 > 0.9, `two points: the truck (IoU ${v2.toFixed(3)})`);
  await shot('05-click-two-points');

  // Right click: a background point on the road, drawn in red, the mask keeps the truck.
  p = await at(...ROAD);
  t = await now();
  await page.mouse.click(p.x, p.y, { button: 'right' });
  await page.waitForFunction(() => /3 points/.test(document.getElementById('current-stats')?.textContent ?? ''));
  await paintedAfter('layer-live', t);
  // Prompt marks are drawn on the screen-resolution marks layer over the stage.
  const red = await page.evaluate(([x, y]) => {
    const c = document.getElementById('layer-marks') as HTMLCanvasElement;
    const r = c.getBoundingClientRect();
    const d = c.getContext('2d')!.getImageData(Math.round(((x - r.left) / r.width) * c.width), Math.round(((y - r.top) / r.height) * c.height), 1, 1).data;
    return [d[0], d[1], d[2]];
  }, [p.x, p.y]);
  assert.ok(red[0] > 200 && red[1] < 120, `a red marker at the background point (${red.join(',')})`);
  const three = await liveMask();
  assert.ok(iou(three.data, two.data) > 0.8, 'a background point on the road keeps the truck');
  const kept = share(three, unionMask(['cargo', 'cab', 'window'], three.width, three.height));
  assert.ok(kept > 0.95 && share(three, visibleMask('road', three.width, three.height)) < 0.01, `with the background point: the truck's body and none of the road (${kept.toFixed(3)} of the body)`);

  // Clicking a point removes it.
  t = await now();
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction(() => /2 points/.test(document.getElementById('current-stats')?.textContent ?? ''));
  await paintedAfter('layer-live', t);
  assert.ok(iou((await liveMask()).data, two.data) > 0.98, 'removing the point gives the two-point mask back');
  await accept('truck');
  await shot('06-accepted-truck');
});

test('a dragged box prompts the decoder', { skip: skip ?? false }, async () => {
  await page.keyboard.press('b');
  // A box around the front tyre, 20 px out.
  const [bx0, by0, bx1, by1] = bounds(sceneObject('front tyre').shape);
  const a = await at(bx0 - 20, by0 - 20);
  const b = await at(bx1 + 20, by1 + 20);
  const t = await now();
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
  await page.mouse.move(b.x, b.y, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction(() => /box/.test(document.getElementById('current-stats')?.textContent ?? ''));
  await paintedAfter('layer-live', t);
  await page.waitForTimeout(200);
  const m = await liveMask();
  const h = m.data.length / m.width;
  let inside = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < m.width; x++) {
    if (!m.data[y * m.width + x]) continue;
    const ix = (x / m.width) * W;
    const iy = (y / h) * H;
    if (ix >= bx0 - 30 && ix <= bx1 + 30 && iy >= by0 - 30 && iy <= by1 + 30) inside++;
  }
  assert.ok(area(m) > 1000, 'a mask was painted');
  assert.ok(inside / area(m) > 0.85, `the mask lies in the box (${((100 * inside) / area(m)).toFixed(1)}%)`);
  const v = iou(m.data, visibleMask('front tyre', m.width, m.height));
  assert.ok(v > 0.85, `the box gives the tyre (IoU ${v.toFixed(3)})`);
  await shot('07-box');
  await accept('tire');
});

test('Everything runs the automatic mask generator with progress, hover and selection', { skip: skip ?? false }, async () => {
  await page.keyboard.press('e');
  await page.fill('#opt-pps', '8');
  await page.click('#auto-run');
  await page.waitForSelector('#auto-progress:not([hidden])', { timeout: 5000 });
  await shot('08-everything-running');
  await page.waitForSelector('#auto-result:not([hidden])', { timeout: 150000 });
  const summary = (await page.locator('#auto-summary').textContent())!;
  const n = Number(/(\d+) mask/.exec(summary)?.[1]);
  assert.ok(n > 0, summary);
  const auto = await layerMask(page, 'layer-auto');
  assert.ok(area(auto) > 0.05 * auto.data.length, 'the automatic masks are painted');
  await shot('09-everything');
  // Hover one mask (the cargo box), then select it.
  const p = await at(...CARGO);
  const t = await now();
  await page.mouse.move(p.x, p.y);
  await paintedAfter('layer-live', t);
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction(() => !(document.getElementById('accept-button') as HTMLButtonElement).disabled);
  const stats = (await page.locator('#current-stats').textContent())!;
  assert.match(stats, /IoU 0\.\d+/);
  // The selected automatic mask is the cargo box under the pointer (its visible area, within 5 %).
  const parts = await page.$$eval('#current-stats span', (spans) => spans.map((e) => e.textContent ?? ''));
  const selected = Number(parts.map((t) => /^([\d,]+) px$/.exec(t.trim())?.[1]).find(Boolean)?.replace(/,/g, ''));
  const cargo = area({ data: visibleMask('cargo') });
  assert.ok(Math.abs(selected - cargo) < 0.05 * cargo, `selected a mask of ${selected} px, the cargo box has ${cargo}`);
  await shot('10-everything-selected');
  await page.fill('#label-input', 'auto');
  await page.press('#label-input', 'Enter');
  await page.waitForFunction(() => document.querySelectorAll('#object-list li').length === 3);
  await blur();
});

test('undo and redo', { skip: skip ?? false }, async () => {
  await blur();
  await page.keyboard.press('Control+z');
  await page.waitForFunction(() => document.querySelectorAll('#object-list li').length === 2);
  await page.keyboard.press('Control+Shift+z');
  await page.waitForFunction(() => document.querySelectorAll('#object-list li').length === 3);
});

test('? opens the shortcut sheet made from the key table, and Esc closes it', { skip: skip ?? false }, async () => {
  await blur();
  await page.keyboard.press('?');
  await page.waitForSelector('#help:not([hidden])');
  const rows = await page.$$eval('#help table.keys tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
  for (const want of ['Undo / redo', 'Redo', 'Hover mode', 'Box mode', 'Everything mode', 'Remove the last point', 'This sheet']) {
    assert.ok(rows.some((r) => r.includes(want)), `the sheet lists "${want}": ${JSON.stringify(rows)}`);
  }
  assert.ok(rows.some((r) => /Ctrl\+Y/.test(r)), 'chords are shown key by key');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#help', { state: 'hidden' });
});

test('COCO export holds the masks that were painted', { skip: skip ?? false }, async () => {
  await blur();
  await page.keyboard.press('h');
  await page.selectOption('#export-format', 'coco-rle');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-button')]);
  const file = path.join(SHOTS, 'export_coco.json');
  await download.saveAs(file);
  const coco = JSON.parse(await readFile(file, 'utf8')) as {
    images: Array<{ width: number; height: number }>;
    categories: Array<{ id: number; name: string }>;
    annotations: Array<{ category_id: number; segmentation: { size: [number, number]; counts: string }; area: number; bbox: number[] }>;
  };
  assert.deepEqual(coco.images.map((i) => [i.width, i.height]), [[W, H]]);
  assert.deepEqual(coco.categories.map((c) => c.name), ['truck', 'tire', 'auto']);
  assert.equal(coco.annotations.length, 3);
  const layer = await layerMask(page, 'layer-objects');
  for (const [k, label] of ['truck', 'tire'].entries()) {
    const ann = coco.annotations[k];
    assert.equal(coco.categories.find((c) => c.id === ann.category_id)?.name, label);
    const full = rleToMask(ann.segmentation);
    assert.deepEqual([full.width, full.height], [W, H]);
    assert.equal(full.area, ann.area);
    const live = painted.get(label)!;
    const small = resampleMask(full.data, W, H, live.width, live.data.length / live.width);
    const score = iou(small, live.data);
    assert.ok(score > 0.95, `${label}: exported mask vs the mask painted while prompting, IoU ${score.toFixed(4)}`);
    // Only this object visible: the objects layer is exactly its exported mask, resampled.
    await page.evaluate((keep) => {
      document.querySelectorAll<HTMLLIElement>('#object-list li').forEach((li, i) => {
        const hidden = li.classList.contains('hidden-object');
        if ((i === keep) === hidden) li.querySelector<HTMLButtonElement>('.toggle')!.click();
      });
    }, k);
    await page.waitForFunction((keep) => Array.from(document.querySelectorAll('#object-list li')).every((li, i) => li.classList.contains('hidden-object') === (i !== keep)), k);
    await page.waitForTimeout(100);
    const only = await layerMask(page, 'layer-objects');
    const score2 = iou(resampleMask(full.data, W, H, only.width, only.height), only.data);
    assert.ok(score2 > 0.99, `${label}: objects layer vs export, IoU ${score2.toFixed(4)}`);
    assert.equal(layer.width, only.width);
  }
  await shot('11-export');
});

test('a reload restores the image and its annotations', { skip: skip ?? false }, async () => {
  await page.reload();
  await waitReady(page);
  assert.equal(await page.locator('#object-list li').count(), 3);
  assert.deepEqual(await page.locator('#object-list .object-label').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value)), ['truck', 'tire', 'auto']);
  assert.match((await page.locator('#chip-embedding').textContent())!, /cached/);
  await shot('12-reloaded');
});

test('images open by drag and drop and by pasting', { skip: skip ?? false }, async () => {
  const other = (await readFile(SAMPLE_IMAGE)).toString('base64');
  const send = (how: 'drop' | 'paste'): Promise<void> => page.evaluate(([b64, kind]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'chelsea.png', { type: 'image/png' }));
    if (kind === 'drop') {
      const stage = document.getElementById('stage')!;
      stage.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
      stage.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    } else {
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }
  }, [other, how] as const);
  await send('drop');
  await page.waitForFunction(() => /chelsea\.png/.test(document.getElementById('image-title')?.textContent ?? ''));
  await waitReady(page);
  assert.equal(await page.locator('#object-list li').count(), 0, 'a new image starts without objects');
  await page.locator('input[type=file]').first().setInputFiles(IMAGE);
  await page.waitForFunction(() => /toy-truck\.jpg/.test(document.getElementById('image-title')?.textContent ?? ''));
  await waitReady(page);
  assert.equal(await page.locator('#object-list li').count(), 3, 'reopening an image brings its objects back');
  await send('paste');
  await page.waitForFunction(() => /chelsea\.png/.test(document.getElementById('image-title')?.textContent ?? ''));
  await waitReady(page);
  assert.match((await page.locator('#chip-embedding').textContent())!, /cached/, 'the same content reuses its embedding');
  await shot('13-dropped-and-pasted');
});

test('clear messages for bad files and for a server that went away', { skip: skip ?? false }, async () => {
  const bytes = await readFile(IMAGE);
  const corrupt = path.join(SHOTS, 'corrupt.tmp.jpg');
  await writeFile(corrupt, bytes.subarray(0, 5000));
  await page.locator('input[type=file]').first().setInputFiles(corrupt);
  await page.waitForSelector('#banner:not([hidden])');
  assert.match((await page.locator('#banner-text').textContent())!, /corrupt or truncated/);
  await shot('14-corrupt-file');
  const text = path.join(SHOTS, 'notes.tmp.png');
  await writeFile(text, 'these are notes, not a picture');
  await page.locator('input[type=file]').first().setInputFiles(text);
  await page.waitForFunction(() => /not a supported image/.test(document.getElementById('banner-text')?.textContent ?? ''));
  // The image that was open stays usable.
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');

  // Without the server, prompting still works (the decoder is in the page); saving reports the problem.
  server.process.kill('SIGTERM');
  await new Promise((r) => server.process.once('exit', r));
  await page.keyboard.press('h');
  const t = await now();
  const p = await at(...CAB);
  await page.mouse.move(p.x, p.y);
  await paintedAfter('layer-live', t);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /cannot reach the samkit server/i.test(document.getElementById('banner-text')?.textContent ?? ''), null, { timeout: 10000 });
  assert.match((await page.locator('#chip-save').textContent())!, /Not saved/);
  assert.equal(await page.locator('#object-list li').count(), 1, 'the object is kept in the page');
  await shot('15-server-unreachable');
});

test('a model that cannot be loaded is reported in the page', { skip: skip ?? false }, async () => {
  // A manifest that parses, naming files that are not ONNX: the server starts (a missing path is refused
  // at start-up), the model fails when it loads.
  const manifest = path.join(tmp, 'broken-model.json');
  for (const f of ['broken-encoder.onnx', 'broken-decoder.onnx']) await writeFile(path.join(tmp, f), 'not an ONNX model');
  await writeFile(manifest, JSON.stringify({
    id: 'broken', encoder: { path: 'broken-encoder.onnx' }, decoder: { path: 'broken-decoder.onnx' },
    preprocess: { inputSize: 1024, pixelMean: [123.675, 116.28, 103.53], pixelStd: [58.395, 57.12, 57.375], layout: 'NCHW' },
  }));
  const broken = await startServer(['--model', manifest]);
  try {
    const p2 = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await p2.goto(broken.url);
    await p2.waitForSelector('#banner:not([hidden])', { timeout: 60000 });
    assert.match((await p2.locator('#banner-text').textContent())!, /model could not be loaded/i);
    await p2.screenshot({ path: path.join(SHOTS, '16-model-error.png') });
    await p2.close();
  } finally {
    await broken.stop();
  }
});
