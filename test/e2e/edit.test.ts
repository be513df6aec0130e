/**
 * Editing accepted objects end to end, on a project folder: accept an object, select it in Edit mode,
 * refine it with a point (decoded with its stored logits), erase part of it with the eraser, check the
 * area shrinks where the stroke went and the saved annotation (read from <dir>/.samkit) matches, delete
 * it, and undo brings it back. Screenshots go to test-artifacts/e2e-edit/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { rleArea, rleToBbox, rleToMask } from '../../src/core/rle.js';
import type { AnnotationDoc, AnnotationObject } from '../../src/server/protocol.js';
import { ARTIFACTS, browserUnavailable, launchChromium, startServer, waitReady, type RunningServer } from './harness.js';
import { bounds, centre, SCENE_HEIGHT as H, SCENE_WIDTH as W, sceneObject, visibleMask, writeSceneJpeg } from '../helpers/toy-scene.js';

const skip = browserUnavailable();
const SHOTS = path.join(ARTIFACTS, 'e2e-edit');
/** The photo is a toy truck the test makes (known geometry): prompts and strokes go on its parts. */
const WINDOW = centre(sceneObject('window').shape);
const CARGO = sceneObject('cargo').shape;
const [CARGO_X, CARGO_Y] = centre(CARGO);
const [, CARGO_TOP, , CARGO_BOTTOM] = bounds(CARGO);

let server: RunningServer;
let browser: Browser;
let page: Page;
let dir: string;
let imageId = '';

const shot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

/** Page coordinates of an image point. */
async function at(x: number, y: number): Promise<{ x: number; y: number }> {
  const box = (await page.locator('#layer-live').boundingBox())!;
  return { x: box.x + (x / W) * box.width, y: box.y + (y / H) * box.height };
}

/** The saved document, as the CLI would read it from the project folder. */
async function saved(): Promise<AnnotationObject[]> {
  try {
    return (JSON.parse(await readFile(path.join(dir, '.samkit', 'annotations', `${imageId}.json`), 'utf8')) as AnnotationDoc).objects;
  } catch {
    return [];
  }
}

/** Poll the saved document until `ok` holds (saves are asynchronous). */
async function savedWhen(ok: (objs: AnnotationObject[]) => boolean, what: string, timeout = 30000): Promise<AnnotationObject[]> {
  const t0 = Date.now();
  for (;;) {
    const objs = await saved();
    if (ok(objs)) return objs;
    if (Date.now() - t0 > timeout) throw new Error(`timed out waiting for the saved annotations: ${what} (have ${JSON.stringify(objs.map((o) => ({ area: o.area, points: o.pointCoords.length })))})`);
    await page.waitForTimeout(100);
  }
}

const statusText = (): Promise<string> => page.evaluate(() => document.getElementById('status-text')?.textContent ?? '');

before(async () => {
  if (skip) return;
  await mkdir(SHOTS, { recursive: true });
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'samkit-e2e-edit-')), 'photos');
  await mkdir(dir, { recursive: true });
  await writeSceneJpeg(path.join(dir, 'toy-truck.jpg'));
  // As `samkit app <dir>` keeps them by default: annotations in <dir>/.samkit.
  server = await startServer([dir, '--classes', 'truck,street'], { dataDir: path.join(dir, '.samkit'), embeddingsDir: path.join(dir, '..', 'embeddings') });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.error(`page console: ${m.text()}`); });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) await rm(path.dirname(dir), { recursive: true, force: true });
});

test('edit: select, refine with a point, erase, delete and undo, all saved in the project', { skip: skip ?? false, timeout: 300000 }, async () => {
  await page.goto(server.url);
  await waitReady(page);
  imageId = await page.evaluate(() => location.hash.slice(1));

  // Accept one object: a click on the truck's window.
  await page.keyboard.press('c');
  let p = await at(...WINDOW);
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction(() => /1 point/.test(document.getElementById('current-stats')?.textContent ?? ''));
  await page.fill('#label-input', 'truck');
  await page.press('#label-input', 'Enter');
  const [first] = await savedWhen((o) => o.length === 1, 'the accepted object');
  const windowArea = visibleMask('window').reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(first.area - windowArea) < 0.1 * windowArea, `the click gave the window (${first.area} px, the window has ${windowArea})`);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

  // Edit mode: a click on the object selects it (highlighted in the list, its panel shown).
  await page.keyboard.press('s');
  assert.equal(await page.evaluate(() => document.body.dataset.mode), 'edit');
  await page.mouse.click(p.x, p.y);
  await page.waitForSelector('#object-list li.selected');
  assert.equal(await page.locator('#object-list li.selected').getAttribute('data-id'), first.id);
  assert.equal(await page.inputValue('#panel-edit .edit-label'), 'truck');
  await shot('1-selected');

  // Refine with a second point on the cargo box: re-decoded with the object's logits as mask input.
  await page.keyboard.press('r');
  p = await at(CARGO_X, CARGO_Y);
  await page.mouse.click(p.x, p.y);
  const [refined] = await savedWhen((o) => o.length === 1 && o[0].pointCoords.length === 2, 'the refined object');
  assert.equal(refined.id, first.id, 'refining keeps the object');
  assert.ok(refined.area > first.area * 1.5, `the refined mask grew to the whole truck (${first.area} -> ${refined.area})`);
  assert.deepEqual(refined.pointLabels, [1, 1]);
  assert.equal(rleToMask(refined.segmentation).get(CARGO_X, CARGO_Y), 1, 'the refined mask covers the cargo box');
  assert.ok(Math.abs(refined.pointCoords[1][0] - CARGO_X) < 3 && Math.abs(refined.pointCoords[1][1] - CARGO_Y) < 3, `the new point is at the clicked image point (${refined.pointCoords[1].join(', ')})`);
  assert.match(await statusText(), /Refined/);
  assert.match(await statusText(), /mask input: its logits\)/, 'the accepted object kept its logits for the refinement');
  assert.ok(refined.predictedIou !== null);
  await page.waitForFunction((a) => document.querySelector('#panel-edit .edit-area')?.textContent === a.toLocaleString('en-US'), refined.area);
  await shot('2-refined');

  // Eraser: a vertical stroke down through the cargo box at its centre, from above it to below it,
  // brush 60 image pixels across.
  await page.keyboard.press('x');
  await page.evaluate(() => {
    const s = document.querySelector<HTMLInputElement>('#panel-edit .edit-size')!;
    s.value = '60';
    s.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const [x0, y0, y1] = [CARGO_X, CARGO_TOP - 30, CARGO_BOTTOM + 30];
  const a = await at(x0, y0);
  const b = await at(x0, y1);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 12 });
  await shot('3-erasing');
  await page.mouse.up();
  const [erased] = await savedWhen((o) => o.length === 1 && o[0].area < refined.area, 'the erased object');
  assert.equal(erased.id, first.id);
  assert.equal(erased.predictedIou, null, 'a mask edited by hand has no model score');
  // The saved document is consistent: area and bbox are the mask's.
  assert.equal(erased.area, rleArea(erased.segmentation));
  assert.deepEqual(erased.bbox, rleToBbox(erased.segmentation));
  // Only pixels near the stroke changed, all of them from set to unset, and the stroke's core is empty.
  const before = rleToMask(refined.segmentation);
  const after = rleToMask(erased.segmentation);
  let removed = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (before.data[i] === after.data[i]) continue;
      assert.equal(after.data[i], 0, `pixel (${x}, ${y}) was set by the eraser`);
      const dy = y + 0.5 < y0 ? y0 - y - 0.5 : y + 0.5 > y1 ? y + 0.5 - y1 : 0;
      assert.ok(Math.hypot(x + 0.5 - x0, dy) <= 30 + 2, `pixel (${x}, ${y}) changed away from the stroke`);
      removed++;
    }
  }
  assert.equal(removed, refined.area - erased.area);
  for (let y = y0; y < y1; y += 10) for (let x = x0 - 25; x <= x0 + 25; x += 5) assert.equal(after.get(x, y), 0, `(${x}, ${y}) under the stroke is erased`);
  assert.ok(removed > 0.9 * 60 * (CARGO_BOTTOM - CARGO_TOP), `the stroke removed a band of the truck (${removed} px)`);
  await page.waitForFunction((v) => document.querySelector('#panel-edit .edit-area')?.textContent === v.toLocaleString('en-US'), erased.area);
  const listed = await page.locator('#object-list li .object-area').textContent();
  assert.equal(listed, `${erased.area.toLocaleString('en-US')} px`);
  await page.mouse.move(a.x + 200, a.y + 200);
  await shot('4-erased');

  // Delete removes it; undo restores exactly the erased version.
  await page.keyboard.press('Delete');
  await savedWhen((o) => o.length === 0, 'the deletion');
  assert.equal(await page.locator('#object-list li').count(), 0);
  await page.keyboard.press('Control+z');
  const [restored] = await savedWhen((o) => o.length === 1, 'the undone deletion');
  assert.equal(restored.id, first.id);
  assert.equal(restored.segmentation.counts, erased.segmentation.counts);
  assert.equal(restored.label, 'truck');
  // Undo again: back to the refined mask (the eraser stroke was one step).
  await page.keyboard.press('Control+z');
  const [unerased] = await savedWhen((o) => o.length === 1 && o[0].area === refined.area, 'the undone stroke');
  assert.equal(unerased.segmentation.counts, refined.segmentation.counts);
  await shot('5-undone');
});

test('edit: select in the list, reorder, relabel (class key, typed), brush zoomed in, Esc; undo walks back through each', { skip: skip ?? false, timeout: 300000 }, async () => {
  // A second object: the road.
  await page.keyboard.press('c');
  const p = await at(...centre(sceneObject('road').shape));
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction(() => /1 point/.test(document.getElementById('current-stats')?.textContent ?? ''));
  await page.fill('#label-input', 'road');
  await page.press('#label-input', 'Enter');
  const objs = await savedWhen((o) => o.length === 2, 'the second object');
  assert.deepEqual(objs.map((o) => o.label), ['truck', 'road']);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

  // Clicking its row in the list selects it and enters Edit mode.
  await page.locator(`#object-list li[data-id="${objs[1].id}"] .object-area`).click();
  assert.equal(await page.evaluate(() => document.body.dataset.mode), 'edit');
  await page.waitForSelector(`#object-list li.selected[data-id="${objs[1].id}"]`);

  // Alt+Up moves it up the list (drawn below the truck now); the saved order follows.
  await page.keyboard.press('Alt+ArrowUp');
  await savedWhen((o) => o.length === 2 && o[0].id === objs[1].id, 'the new order');
  assert.equal(await page.locator('#object-list li').first().getAttribute('data-id'), objs[1].id);

  // Relabel: the class hotkey 2 (street), then typed in the panel.
  await page.keyboard.press('2');
  await savedWhen((o) => o[0]?.label === 'street', 'the class label');
  await page.fill('#panel-edit .edit-label', 'road surface');
  await page.press('#panel-edit .edit-label', 'Enter');
  await savedWhen((o) => o[0]?.label === 'road surface', 'the typed label');

  // Brush, zoomed in (the view's pointer mapping): a horizontal stroke over the cargo box, 40 image
  // pixels across, adds exactly that band to the street.
  await page.keyboard.press('p');
  const fitWidth = (await page.locator('#layer-live').boundingBox())!.width;
  for (let i = 0; i < 3; i++) await page.keyboard.press('+');
  await page.waitForTimeout(600); // the view settles and the mask layers go to full resolution
  const zoomed = (await page.locator('#layer-live').boundingBox())!.width;
  assert.ok(zoomed > 1.8 * fitWidth, `zoomed in (${fitWidth.toFixed(0)} -> ${zoomed.toFixed(0)} px wide)`);
  await page.evaluate(() => {
    const s = document.querySelector<HTMLInputElement>('#panel-edit .edit-size')!;
    s.value = '40';
    s.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const before = (await saved())[0];
  const [x0, x1, y0] = [CARGO_X - 100, CARGO_X + 100, CARGO_TOP + 100];
  const stage = (await page.locator('#stage').boundingBox())!;
  const a = await at(x0, y0);
  const b = await at(x1, y0);
  for (const q of [a, b]) assert.ok(q.x > stage.x && q.x < stage.x + stage.width && q.y > stage.y && q.y < stage.y + stage.height, 'the stroke is on screen');
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await shot('6a-brushing-zoomed');
  await page.mouse.up();
  const [painted] = await savedWhen((o) => o[0]?.area > before.area, 'the brush stroke');
  const m0 = rleToMask(before.segmentation);
  const m1 = rleToMask(painted.segmentation);
  let added = 0;
  for (let i = 0; i < m0.data.length; i++) {
    if (m0.data[i] === m1.data[i]) continue;
    const x = i % W, y = Math.floor(i / W);
    assert.equal(m1.data[i], 1, `pixel (${x}, ${y}) was cleared by the brush`);
    const dx = x + 0.5 < x0 ? x0 - x - 0.5 : x + 0.5 > x1 ? x + 0.5 - x1 : 0;
    assert.ok(Math.hypot(dx, y + 0.5 - y0) <= 20 + 2, `pixel (${x}, ${y}) changed away from the stroke`);
    added++;
  }
  for (let x = x0; x <= x1; x += 10) assert.equal(m1.get(x, y0), 1, `(${x}, ${y0}) is painted`);
  assert.equal(painted.area, before.area + added);
  assert.ok(added > 0.9 * (200 * 40), `the band is painted (${added} px)`);
  await shot('6-brushed');
  await page.keyboard.press('f');

  // Esc clears the selection; leaving Edit mode too.
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#object-list li.selected').count(), 0);

  // Undo: the stroke, the label, the order, in turn.
  await page.keyboard.press('Control+z');
  await savedWhen((o) => o[0]?.area === before.area, 'the undone stroke');
  await page.keyboard.press('Control+z');
  await savedWhen((o) => o[0]?.label === 'street', 'the undone typed label');
  await page.keyboard.press('Control+z');
  await savedWhen((o) => o[0]?.label === 'road', 'the undone class label');
  await page.keyboard.press('Control+z');
  const back = await savedWhen((o) => o[0]?.label === 'truck', 'the undone order');
  assert.deepEqual(back.map((o) => o.label), ['truck', 'road']);
  await page.keyboard.press('h');
  assert.equal(await page.locator('#panel-edit').isHidden(), true, 'the edit panel is shown in Edit mode only');
});
