/**
 * Voice and inpainting in Chromium. A fake microphone plays speech made here with espeak-ng ("blue",
 * 48 kHz mono 16-bit through sox); holding the mic button records it, the page sends a 16 kHz WAV,
 * pocketsphinx (the Find box's phrases as its grammar) hears "blue", Find runs with it (the tiny
 * colour detector), and the found object's mask appears once added. Then Remove on that object: the
 * preview equals the original outside the dilated mask and differs inside; undo and the download.
 * Then Replace with a prompt against a local fake AUTOMATIC1111 server (its request checked), and
 * its 500 shown as a one-line message.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { rleToMask, type CompressedRle } from '../../src/core/rle.js';
import { encodePng } from '../../src/image/encode-png.js';
import { dilateMask } from '../../src/inpaint/mask-ops.js';
import { PocketsphinxTranscriber } from '../../src/speech/pocketsphinx.js';
import { startFakeSd, type FakeSd } from '../helpers/fake-sd.js';
import { buildTinyOwlVit, COLOURS, sceneRgb } from '../helpers/tiny-detector.js';
import { ARTIFACTS, CHROMIUM, layerMask, PROJECT_ROOT, startServer, waitReady, type RunningServer } from './harness.js';

const has = (bin: string, arg: string): boolean => spawnSync(bin, [arg], { stdio: 'ignore' }).error === undefined;
const skip = !existsSync(CHROMIUM) ? `Chromium not found at ${CHROMIUM}`
  : !existsSync(path.join(PROJECT_ROOT, 'web', 'dist', 'app.js')) ? 'the frontend is not built (npm run build)'
    : !(has('espeak-ng', '--version') && has('sox', '--version') && has('pocketsphinx_continuous', '-h') && PocketsphinxTranscriber.available())
      ? 'espeak-ng, sox or pocketsphinx (+ pocketsphinx-en-us) not installed (.ci/run installs them)' : false;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'samkit-voice-e2e-'));
const W = 512, H = 384;
const RED = [64, 48, 192, 192] as const;
const BLUE = [256, 192, 448, 336] as const;
const DILATE = 3;
const OUT = path.join(ARTIFACTS, 'e2e');
let server: RunningServer;
let sd: FakeSd;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let scene: Uint8Array;
let speechSeconds = 0;
let objectMask: Uint8Array;

before(async () => {
  if (skip) return;
  mkdirSync(OUT, { recursive: true });
  const detector = buildTinyOwlVit(path.join(tmp, 'det'));
  scene = sceneRgb(W, H, [{ box: RED, rgb: COLOURS.red }, { box: BLUE, rgb: COLOURS.blue }]);
  writeFileSync(path.join(tmp, 'scene.png'), await encodePng(scene, W, H, 3));
  // What the fake microphone plays: a little silence, "blue", silence (a browser's usual 48 kHz).
  execFileSync('espeak-ng', ['-v', 'en', '-w', path.join(tmp, 'raw.wav'), 'blue'], { stdio: 'ignore' });
  const said = path.join(tmp, 'said.wav');
  execFileSync('sox', [path.join(tmp, 'raw.wav'), '-r', '48000', '-c', '1', '-b', '16', said, 'pad', '0.3', '0.6'], { stdio: 'ignore' });
  speechSeconds = Number(execFileSync('sox', ['--i', '-D', said]).toString().trim());
  sd = await startFakeSd();
  server = await startServer(['--detector', detector, '--sd-url', sd.url, '--sd-timeout', '20']);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${said}%noloop`, '--autoplay-policy=no-user-gesture-required'],
  });
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  await context.grantPermissions(['microphone'], { origin: new URL(server.url).origin });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sd?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The preview <img>'s PNG decoded to RGB. */
async function previewPixels(): Promise<Uint8Array> {
  const b64 = await page.evaluate(async () => {
    const img = document.getElementById('inpaint-preview') as HTMLImageElement;
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  });
  const r = await sharp(Buffer.from(b64, 'base64')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([r.info.width, r.info.height], [W, H]);
  return new Uint8Array(r.data);
}

function compare(a: Uint8Array, b: Uint8Array, mask: Uint8Array): { outside: number; inside: number; area: number } {
  let outside = 0, inside = 0, area = 0;
  for (let i = 0; i < W * H; i++) {
    const diff = a[3 * i] !== b[3 * i] || a[3 * i + 1] !== b[3 * i + 1] || a[3 * i + 2] !== b[3 * i + 2];
    if (mask[i]) { area++; if (diff) inside++; } else if (diff) outside++;
  }
  return { outside, inside, area };
}

async function waitPreview(n: number): Promise<void> {
  await page.waitForFunction((want) => /\((\d+) edits?\)/.exec(document.getElementById('inpaint-status')!.textContent ?? '')?.[1] === String(want) || /failed/.test(document.getElementById('inpaint-status')!.textContent ?? ''), n, { timeout: 60000 });
  const status = await page.locator('#inpaint-status').textContent();
  assert.ok(!/failed/.test(status ?? ''), status ?? '');
}

test('push to talk: the fake microphone says "blue", the transcript shows, Find runs with it, the mask appears', { skip }, async () => {
  await page.goto(server.url);
  await page.locator('input[type=file]').first().setInputFiles(path.join(tmp, 'scene.png'));
  await waitReady(page);
  // The phrases the recogniser may hear: the Find box's list.
  await page.locator('#find-text').fill('red. blue. yellow');
  const mic = page.locator('#voice-button');
  const box = (await mic.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.waitForFunction(() => document.getElementById('voice-button')!.dataset.state === 'listening', null, { timeout: 5000 });
  await new Promise((r) => setTimeout(r, speechSeconds * 1000 + 400));
  await page.screenshot({ path: path.join(OUT, 'voice-listening.png') });
  await page.mouse.up();
  await page.waitForFunction(() => /Heard|Not recognised|Cannot/.test(document.getElementById('voice-status')!.textContent ?? ''), null, { timeout: 60000 });
  const heard = await page.locator('#voice-status').textContent();
  assert.equal(heard, 'Heard: “blue”');
  assert.equal(await page.locator('#find-text').inputValue(), 'blue');
  await page.waitForFunction(() => document.querySelectorAll('#find-results li').length > 0 || /failed|Nothing/.test(document.getElementById('find-status')!.textContent ?? ''), null, { timeout: 120000 });
  const rows = await page.locator('#find-results li').allTextContents();
  assert.equal(rows.length, 1, rows.join(' | '));
  assert.match(rows[0], /blue\s+0\.9\d/);
  await page.locator('#find-add').click();
  await page.waitForFunction(() => document.getElementById('object-count')!.textContent === '1', null, { timeout: 10000 });
  // The added object's mask is painted on the objects layer, over the blue rectangle.
  await page.waitForFunction(() => {
    const c = document.getElementById('layer-objects') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
    return false;
  }, null, { timeout: 20000 });
  const painted = await layerMask(page, 'layer-objects');
  const sx = painted.width / W, sy = painted.height / H;
  const at = (x: number, y: number): number => painted.data[Math.floor(y * sy) * painted.width + Math.floor(x * sx)];
  assert.equal(at((BLUE[0] + BLUE[2]) / 2, (BLUE[1] + BLUE[3]) / 2), 1, 'the blue object is painted');
  assert.equal(at((RED[0] + RED[2]) / 2, (RED[1] + RED[3]) / 2), 0, 'the red one is not');
  await page.screenshot({ path: path.join(OUT, 'voice-found.png') });
  // The saved object's mask, for the inpainting checks.
  const id = new URL(page.url()).hash.slice(1);
  let doc: { objects: Array<{ segmentation: CompressedRle }> } = { objects: [] };
  for (let i = 0; i < 50 && doc.objects.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 200));
    doc = await (await fetch(new URL(`/api/images/${id}/annotations`, server.url))).json() as typeof doc;
  }
  assert.equal(doc.objects.length, 1);
  objectMask = rleToMask(doc.objects[0].segmentation).data;
});

test('Remove the found object: outside the dilated mask the preview is the original, inside it changed; undo; download', { skip }, async () => {
  assert.ok(objectMask, 'the voice test found the object');
  assert.equal(await page.locator('#inpaint-replace-row').isVisible(), true, 'the server has an SD url: Replace is offered');
  await page.locator('#inpaint-remove').click();
  await waitPreview(1);
  await page.screenshot({ path: path.join(OUT, 'inpaint-removed.png') });
  const out = await previewPixels();
  const grown = dilateMask(objectMask, W, H, DILATE);
  const c = compare(scene, out, grown);
  assert.equal(c.outside, 0, 'pixels outside the dilated mask are unchanged');
  assert.ok(c.inside > 0.9 * c.area, `${c.inside} of ${c.area} pixels changed inside`);
  let blue = 0, inMask = 0;
  for (let i = 0; i < W * H; i++) {
    if (!objectMask[i]) continue;
    inMask++;
    if (out[3 * i + 2] > 150 && out[3 * i] < 100) blue++;
  }
  assert.ok(blue / inMask < 0.01, `${blue} blue pixels left of ${inMask}`);
  // The download is the preview's PNG, named after the image.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#inpaint-download').click()]);
  assert.equal(download.suggestedFilename(), 'scene-edited.png');
  const saved = await sharp(readFileSync((await download.path())!)).removeAlpha().raw().toBuffer();
  assert.deepEqual(new Uint8Array(saved), out);
  // Undo: back to the original (no edit shown).
  await page.locator('#inpaint-undo').click();
  assert.equal(await page.locator('#inpaint-preview').isVisible(), false);
  assert.equal(await page.locator('#inpaint-undo').isDisabled(), true);
});

test('Replace with a prompt: the fake A1111 server gets the image, the dilated mask and the prompt; its answer fills the mask only', { skip }, async () => {
  assert.ok(objectMask, 'the voice test found the object');
  sd.requests.length = 0;
  sd.mode = 'ok';
  sd.colour = [250, 160, 0];
  await page.locator('#inpaint-prompt').fill('an orange cat');
  await page.locator('#inpaint-replace').click();
  await waitPreview(1);
  assert.equal(sd.requests.length, 1);
  const req = sd.requests[0];
  assert.equal(req.prompt, 'an orange cat');
  const init = await sharp(Buffer.from((req.init_images as string[])[0], 'base64')).removeAlpha().raw().toBuffer();
  assert.deepEqual(new Uint8Array(init), scene, 'the original image (no edit stacked after undo)');
  const grown = dilateMask(objectMask, W, H, DILATE);
  const sent = await sharp(Buffer.from(req.mask as string, 'base64')).greyscale().raw().toBuffer();
  let wrong = 0;
  for (let i = 0; i < W * H; i++) if ((sent[i] >= 128 ? 1 : 0) !== grown[i]) wrong++;
  assert.equal(wrong, 0, 'the mask sent is the dilated object mask');
  const out = await previewPixels();
  assert.equal(compare(scene, out, grown).outside, 0);
  const centre = 3 * (Math.round((BLUE[1] + BLUE[3]) / 2) * W + Math.round((BLUE[0] + BLUE[2]) / 2));
  assert.deepEqual([...out.subarray(centre, centre + 3)], sd.colour);
  await page.screenshot({ path: path.join(OUT, 'inpaint-replaced.png') });
  // A failing SD server: a one-line message in the panel, the last good edit kept.
  sd.mode = 'error';
  await page.locator('#inpaint-replace').click();
  await page.waitForFunction(() => /failed/.test(document.getElementById('inpaint-status')!.textContent ?? ''), null, { timeout: 30000 });
  assert.match((await page.locator('#inpaint-status').textContent())!, /^Replace failed: Stable Diffusion server answered 500: CUDA out of memory/);
  assert.equal(await page.locator('#inpaint-preview').isVisible(), true);
  sd.mode = 'ok';
});

test('the object selected on the image (Edit mode) is the one the panel removes; edits stack on the last one', { skip }, async () => {
  assert.ok(objectMask, 'the voice test found the object');
  // A second object: Find "red", add it.
  await page.locator('#find-text').fill('red');
  await page.locator('#find-go').click();
  await page.waitForFunction(() => document.querySelectorAll('#find-results li').length > 0, null, { timeout: 60000 });
  await page.locator('#find-add').click();
  await page.waitForFunction(() => document.getElementById('object-count')!.textContent === '2', null, { timeout: 10000 });
  const ids = await page.$$eval('#object-list li', (lis) => lis.map((li) => (li as HTMLElement).dataset.id!));
  assert.equal(await page.locator('#inpaint-object').inputValue(), ids[0], 'the panel keeps its choice (blue)');
  // Select red on the image in Edit mode: the panel follows.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('s');
  const live = (await page.locator('#layer-live').boundingBox())!;
  await page.mouse.click(live.x + (((RED[0] + RED[2]) / 2) / W) * live.width, live.y + (((RED[1] + RED[3]) / 2) / H) * live.height);
  await page.waitForSelector('#object-list li.selected');
  assert.equal(await page.locator('#inpaint-object').inputValue(), ids[1]);
  const before = await previewPixels(); // the replaced image of the last test
  await page.locator('#inpaint-remove').click();
  await waitPreview(2);
  const after = await previewPixels();
  const id = new URL(page.url()).hash.slice(1);
  const doc = await (await fetch(new URL(`/api/images/${id}/annotations`, server.url))).json() as { objects: Array<{ id: string; segmentation: CompressedRle }> };
  const red = dilateMask(rleToMask(doc.objects.find((o) => o.id === ids[1])!.segmentation).data, W, H, DILATE);
  const c = compare(before, after, red);
  assert.equal(c.outside, 0, 'only the red object changed, on top of the previous edit');
  assert.ok(c.inside > 0.9 * c.area, `${c.inside} of ${c.area} changed`);
  await page.screenshot({ path: path.join(OUT, 'inpaint-stacked.png') });
});
