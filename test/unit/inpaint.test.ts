/** Inpainting: classical fill for real, a LaMa-contract ONNX built here, the SD client against a local server, bad input. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { InpaintError, InvalidArgumentError } from '../../src/core/errors.js';
import { Mask } from '../../src/core/mask.js';
import { maskToRle } from '../../src/core/rle.js';
import { inpaint } from '../../src/inpaint/inpaint.js';
import { lamaCrop } from '../../src/inpaint/lama.js';
import { readMaskFile } from '../../src/inpaint/mask-file.js';
import { GraphBuilder } from '../../src/model/onnx-builder.js';
import { PROJECT_ROOT } from '../helpers/reference.js';

const W = 120, H = 90;
const BOX = [30, 20, 70, 60]; // x0, y0, x1, y1 of the coloured object

/** Grey noise with a magenta rectangle; the mask is the rectangle grown by 2. */
function scene(): { rgb: Uint8Array; mask: Mask } {
  const rgb = new Uint8Array(W * H * 3);
  let seed = 5;
  for (let i = 0; i < W * H; i++) { seed = (seed * 1103515245 + 12345) >>> 0; rgb.fill(120 + (seed >>> 28), 3 * i, 3 * i + 3); }
  const mask = new Mask(W, H);
  for (let y = BOX[1] - 2; y < BOX[3] + 2; y++) for (let x = BOX[0] - 2; x < BOX[2] + 2; x++) {
    mask.data[y * W + x] = 1;
    if (x >= BOX[0] && x < BOX[2] && y >= BOX[1] && y < BOX[3]) rgb.set([220, 30, 200], 3 * (y * W + x));
  }
  return { rgb, mask };
}

function outsideUnchanged(a: Uint8Array, b: Uint8Array, filled: Mask): number {
  let changed = 0;
  for (let i = 0; i < filled.data.length; i++) if (!filled.data[i] && (a[3 * i] !== b[3 * i] || a[3 * i + 1] !== b[3 * i + 1] || a[3 * i + 2] !== b[3 * i + 2])) changed++;
  return changed;
}

for (const method of ['telea', 'ns'] as const) {
  test(`${method} removes the object: grey fill, nothing outside the dilated mask changes`, async () => {
    const { rgb, mask } = scene();
    const out = await inpaint({ data: rgb, width: W, height: H }, mask, { method, dilate: 2 });
    assert.equal(outsideUnchanged(rgb, out.data, out.filled), 0);
    let magenta = 0, sum = 0, worst = 0;
    for (let i = 0; i < mask.data.length; i++) {
      if (!mask.data[i]) continue;
      sum += out.data[3 * i];
      if (Math.abs(out.data[3 * i] - 220) + Math.abs(out.data[3 * i + 1] - 30) + Math.abs(out.data[3 * i + 2] - 200) < 200) magenta++;
      worst = Math.max(worst, Math.abs(out.data[3 * i] - 127.5));
    }
    assert.equal(magenta, 0);
    assert.ok(worst <= 8, `fill within the surroundings' range, worst ${worst}`);
    assert.ok(Math.abs(sum / mask.area - 127.5) < 6, `fill mean ${sum / mask.area}`);
  });
}

/** A LaMa-contract graph: out = 255 * (image * (1 - mask) + 0.25 * mask), i.e. masked pixels become 64. */
function tinyLama(): Uint8Array {
  const g = new GraphBuilder('tiny_lama');
  const image = g.input('image', [1, 3, 512, 512]);
  const mask = g.input('mask', [1, 1, 512, 512]);
  const keep = g.o('Mul', [image, g.o('Sub', [g.scalar(1), mask])]);
  const fill = g.o('Mul', [mask, g.scalar(0.25)]);
  g.output(g.o('Mul', [g.o('Add', [keep, fill]), g.scalar(255)]), 'output', [1, 3, 512, 512]);
  return g.build();
}

test('LaMa-contract ONNX: the model fills the mask through crop/resize, pixels outside it are untouched', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-lama-'));
  const file = path.join(dir, 'lama.onnx');
  writeFileSync(file, tinyLama());
  const { rgb, mask } = scene();
  const out = await inpaint({ data: rgb, width: W, height: H }, mask, { method: { lama: file }, dilate: 0 });
  assert.equal(outsideUnchanged(rgb, out.data, out.filled), 0);
  let far = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i] && Math.abs(out.data[3 * i] - 64) > 2) far++;
  assert.equal(far, 0, 'masked pixels are the model output (64)');
  // The crop keeps context around the mask and stays in the image.
  const [x0, y0, x1, y1] = lamaCrop(mask.data, W, H);
  assert.ok(x0 <= BOX[0] - 2 && y0 <= BOX[1] - 2 && x1 >= BOX[2] + 2 && y1 >= BOX[3] + 2 && x0 >= 0 && y1 <= H);
  await assert.rejects(inpaint({ data: rgb, width: W, height: H }, mask, { method: { lama: path.join(dir, 'missing.onnx') } }), InpaintError);
});

let server: Server;
let base = '';
let lastBody: Record<string, unknown> | undefined;
before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      if (req.url?.startsWith('/slow/')) { setTimeout(() => res.end('{}'), 3000); return; }
      if (req.url?.startsWith('/broken/')) { res.writeHead(500, { 'content-type': 'text/plain' }); res.end('CUDA out of memory'); return; }
      if (req.method !== 'POST' || req.url !== '/sdapi/v1/img2img') { res.writeHead(404); res.end(); return; }
      lastBody = JSON.parse(body) as Record<string, unknown>;
      // Answer a solid blue image at SD's size (multiple of 8), as a server would.
      void sharp({ create: { width: 120, height: 88, channels: 3, background: { r: 0, g: 0, b: 255 } } }).png().toBuffer().then((png) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ images: [png.toString('base64')], parameters: {}, info: '' }));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => { server.closeAllConnections(); server.close(); });

test('SD client: sends the AUTOMATIC1111 img2img request and composites the answer into the mask only', async () => {
  const { rgb, mask } = scene();
  const out = await inpaint({ data: rgb, width: W, height: H }, mask, { method: { sd: { url: base, prompt: 'a blue vase', denoisingStrength: 0.6 } }, dilate: 1 });
  const b = lastBody!;
  assert.equal(b.prompt, 'a blue vase');
  assert.equal(b.denoising_strength, 0.6);
  assert.equal(b.inpainting_fill, 1);
  assert.equal(b.inpaint_full_res, true);
  assert.deepEqual([b.width, b.height], [120, 88]);
  const init = await sharp(Buffer.from((b.init_images as string[])[0], 'base64')).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([init.info.width, init.info.height], [W, H]);
  assert.deepEqual([...init.data.subarray(0, 3)], [...rgb.subarray(0, 3)]);
  const sent = await sharp(Buffer.from(b.mask as string, 'base64')).greyscale().raw().toBuffer();
  for (let i = 0; i < W * H; i++) assert.equal(sent[i] >= 128 ? 1 : 0, out.filled.data[i]);
  assert.equal(outsideUnchanged(rgb, out.data, out.filled), 0);
  const c = 3 * (40 * W + 50);
  assert.deepEqual([...out.data.subarray(c, c + 3)], [0, 0, 255]);
});

test('SD client: a 500 and a timeout are InpaintErrors with one-line messages', async () => {
  const { rgb, mask } = scene();
  const img = { data: rgb, width: W, height: H };
  await assert.rejects(inpaint(img, mask, { method: { sd: { url: `${base}/broken/`, prompt: 'x' } } }), (e: Error) => e instanceof InpaintError && /answered 500: CUDA out of memory/.test(e.message));
  await assert.rejects(inpaint(img, mask, { method: { sd: { url: `${base}/slow/`, prompt: 'x', timeoutMs: 300 } } }), (e: Error) => e instanceof InpaintError && /no answer within 0.3 s/.test(e.message));
});

test('bad masks: wrong size and empty are InvalidArgumentErrors; RLE JSON records and PNG masks are read', async () => {
  const { rgb, mask } = scene();
  const img = { data: rgb, width: W, height: H };
  await assert.rejects(inpaint(img, new Mask(W + 1, H)), (e: Error) => e instanceof InvalidArgumentError && /121x90 but the image is 120x90/.test(e.message));
  await assert.rejects(inpaint(img, new Mask(W, H)), (e: Error) => e instanceof InvalidArgumentError && /empty/.test(e.message));
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-maskfile-'));
  const rle = maskToRle(mask);
  writeFileSync(path.join(dir, 'one.json'), JSON.stringify(rle));
  writeFileSync(path.join(dir, 'ground.json'), JSON.stringify({ objects: [{ label: 'a', segmentation: rle }, { label: 'b', segmentation: maskToRle(new Mask(W, H)) }] }));
  await sharp(Buffer.from(mask.data.map((v) => v * 255)), { raw: { width: W, height: H, channels: 1 } }).png().toFile(path.join(dir, 'm.png'));
  for (const [file, pick] of [['one.json', undefined], ['ground.json', 0], ['ground.json', 'all'], ['m.png', undefined]] as const) {
    assert.deepEqual((await readMaskFile(path.join(dir, file), pick)).data, mask.data, file);
  }
  await assert.rejects(readMaskFile(path.join(dir, 'ground.json')), /holds 2 masks/);
});

const BIN = path.join(PROJECT_ROOT, 'bin', 'samkit.js');
test('samkit inpaint: writes the PNG; bad input gives one line, exit 1 or 2, and no file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-inpaint-cli-'));
  const { rgb, mask } = scene();
  const img = path.join(dir, 'scene.png');
  await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } }).png().toFile(img);
  writeFileSync(path.join(dir, 'mask.json'), JSON.stringify(maskToRle(mask)));
  writeFileSync(path.join(dir, 'small.json'), JSON.stringify(maskToRle(new Mask(10, 10, new Uint8Array(100).fill(1)))));
  writeFileSync(path.join(dir, 'empty.json'), JSON.stringify(maskToRle(new Mask(W, H))));
  // Asynchronous: the SD test server runs in this process.
  const run = (args: string[]) => promisify(execFile)(process.execPath, [BIN, 'inpaint', img, ...args], { encoding: 'utf8' })
    .then((r) => ({ status: 0, stderr: r.stderr }), (e: { code: number; stderr: string }) => ({ status: e.code, stderr: e.stderr }));
  const ok = await run(['--mask', path.join(dir, 'mask.json'), '--out', path.join(dir, 'ok.png')]);
  assert.equal(ok.status, 0, ok.stderr);
  const meta = await sharp(path.join(dir, 'ok.png')).metadata();
  assert.deepEqual([meta.width, meta.height], [W, H]);
  const cases: Array<[string[], number, RegExp]> = [
    [['--mask', path.join(dir, 'small.json')], 1, /10x10 but the image is 120x90/],
    [['--mask', path.join(dir, 'empty.json')], 1, /empty/],
    [['--mask', path.join(dir, 'mask.json'), '--method', 'sd', '--sd-url', `${base}/broken/`, '--prompt', 'x'], 1, /answered 500/],
    [['--mask', path.join(dir, 'mask.json'), '--method', 'sd', '--sd-url', `${base}/slow/`, '--prompt', 'x', '--timeout', '0.3'], 1, /no answer within/],
    [['--mask', path.join(dir, 'mask.json'), '--method', 'sd'], 2, /--sd-url/],
    [['--mask', path.join(dir, 'mask.json'), '--method', 'blur'], 2, /--method must be/],
  ];
  for (const [args, code, msg] of cases) {
    const out = path.join(dir, 'bad.png');
    const r = await run([...args, '--out', out]);
    assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(out), 'nothing written');
  }
});

test('removeObjects fills the union of several masks (the ground --inpaint plug)', async () => {
  const { removeObjects } = await import('../../src/inpaint/remove-objects.js');
  const { rgb, mask } = scene();
  const left = new Mask(W, H), right = new Mask(W, H);
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) (i % W < 50 ? left : right).data[i] = 1;
  const out = await removeObjects({ data: rgb, width: W, height: H }, [left, right], { dilate: 0 });
  assert.deepEqual(out.filled.data, mask.data);
  await assert.rejects(removeObjects({ data: rgb, width: W, height: H }, []), InvalidArgumentError);
});
