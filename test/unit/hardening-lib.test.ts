/**
 * The library and CLI edges against lying or hostile input: huge RLE sizes, model downloads that
 * stall, grow without end or are HTML pages, a cached download onnxruntime cannot load, manifest
 * objects, bad embeddings, temp files left by a kill, FIFOs among images, dataset names that leave
 * --images and boxes outside their image.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm, symlink, utimes, writeFile, mkdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { DownloadError, ImageError, InvalidArgumentError, ModelError } from '../../src/core/errors.js';
import { rleToMask } from '../../src/core/rle.js';
import { boxItems, imageInFolder } from '../../src/batch/boxes2masks.js';
import { discoverImages } from '../../src/batch/discover.js';
import { overlapsImage } from '../../src/batch/tasks.js';
import { parseCocoDataset } from '../../src/dataset/coco.js';
import { decodeImage, loadImage } from '../../src/image/load-image.js';
import { removeStaleTemps, writeFileAtomic } from '../../src/io/atomic-write.js';
import { NotRegularFileError, openRegular } from '../../src/io/regular-file.js';
import { downloadFile } from '../../src/model/download.js';
import { GraphBuilder } from '../../src/model/onnx-builder.js';
import { onnxProblem } from '../../src/model/onnx-check.js';
import { defaultModelManifest } from '../../src/model/resolve.js';
import { SamModel } from '../../src/model/sam-model.js';
import { SamPredictor } from '../../src/predictor.js';

let dir = '';
let server: Server;
let base = '';
/** Parses as a protobuf with ir_version and a graph field, but the graph is garbage: onnxruntime refuses it. */
const FAKE_ONNX = Buffer.concat([Buffer.from([0x08, 0x07, 0x3a, 0x06]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]);

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'samkit-hardlib-'));
  server = createServer((req, res) => {
    const route = (req.url ?? '/').split('?')[0];
    if (route === '/stall.onnx') { res.writeHead(200, { 'content-length': 1000 }); res.write(Buffer.alloc(10)); return; }
    if (route === '/huge.onnx') { res.writeHead(200, { 'content-length': 10_000_000 }); res.end(); return; }
    if (route === '/endless.onnx') {
      res.writeHead(200);
      const push = (): void => { if (!res.destroyed) res.write(Buffer.alloc(64 * 1024), () => setImmediate(push)); };
      push();
      return;
    }
    if (route === '/error-page.onnx') { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><h1>Sign in to continue</h1>'); return; }
    if (route === '/fake.onnx') { res.writeHead(200); res.end(FAKE_ONNX); return; }
    res.writeHead(404); res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  server.close();
  await rm(dir, { recursive: true, force: true });
});

test('rleToMask refuses a mask larger than its bound instead of allocating it', () => {
  assert.throws(() => rleToMask({ size: [40000, 40000], counts: [1_600_000_000] }), (e: unknown) => e instanceof InvalidArgumentError && /larger than the limit/.test((e as Error).message));
  assert.equal(rleToMask({ size: [2, 3], counts: [1, 5] }).area, 5);
});

test('onnxProblem: a built model passes; HTML, truncated and empty files are named', async () => {
  const g = new GraphBuilder('t');
  const x = g.input('x', [1, 2]);
  g.output(g.o('Identity', [x]), 'y', [1, 2]);
  const good = path.join(dir, 'good.onnx');
  const bytes = g.build();
  await writeFile(good, bytes);
  assert.equal(await onnxProblem(good), null);
  const cut = path.join(dir, 'cut.onnx');
  await writeFile(cut, bytes.subarray(0, bytes.length - 3));
  assert.match((await onnxProblem(cut))!, /past the end|ends inside/);
  const html = path.join(dir, 'page.onnx');
  await writeFile(html, '<!doctype html><p>not found</p>');
  assert.match((await onnxProblem(html))!, /HTML/);
  const empty = path.join(dir, 'empty.onnx');
  await writeFile(empty, '');
  assert.match((await onnxProblem(empty))!, /empty/);
});

async function leftovers(cache: string): Promise<string[]> {
  return (await readdir(cache).catch(() => [] as string[])).filter((n) => !n.startsWith('optimized'));
}

test('downloads: a stalled server times out, a too-large file is stopped, nothing is left behind', async () => {
  const cache = path.join(dir, 'cache-dl');
  const t0 = Date.now();
  await assert.rejects(downloadFile(`${base}/stall.onnx`, { cacheDir: cache, stallTimeoutMs: 300 }), (e: unknown) => e instanceof DownloadError && /stalled/.test((e as Error).message));
  assert.ok(Date.now() - t0 < 5000);
  await assert.rejects(downloadFile(`${base}/huge.onnx`, { cacheDir: cache, maxBytes: 1_000_000 }), /more than the limit/);
  await assert.rejects(downloadFile(`${base}/endless.onnx`, { cacheDir: cache, maxBytes: 1_000_000 }), /exceeds the limit/);
  assert.deepEqual(await leftovers(cache), []);
});

test('a model URL answering an HTML page is not cached', async () => {
  const cache = path.join(dir, 'cache-html');
  const manifest = { ...defaultModelManifest(), id: 'html', encoder: { url: `${base}/error-page.onnx` } };
  await assert.rejects(SamModel.load(manifest, { cacheDir: cache }), (e: unknown) => e instanceof DownloadError && /not usable \(it is text/.test((e as Error).message));
  assert.deepEqual(await leftovers(cache), []);
});

test('a downloaded model onnxruntime cannot load is removed from the cache, and the error says so', async () => {
  const cache = path.join(dir, 'cache-fake');
  const manifest = { ...defaultModelManifest(), id: 'fake', encoder: { url: `${base}/fake.onnx` } };
  await assert.rejects(SamModel.load(manifest, { cacheDir: cache }), (e: unknown) => e instanceof ModelError && /removed from the cache/.test((e as Error).message));
  assert.deepEqual((await leftovers(cache)).filter((n) => n.includes('fake')), []);
});

test('SamModel.load validates a manifest object like a manifest file', async () => {
  const real = defaultModelManifest();
  await assert.rejects(SamModel.load({ ...real, preprocess: { ...real.preprocess, pixelStd: [0, 1, 1] } }), (e: unknown) => e instanceof ModelError && /pixelStd/.test((e as Error).message));
  await assert.rejects(SamModel.load({ ...real, preprocess: { ...real.preprocess, inputSize: 10240 } }), (e: unknown) => e instanceof ModelError && /inputSize/.test((e as Error).message));
});

test('setImageEmbedding: null and non-finite values are typed errors', async () => {
  const model = await SamModel.load(undefined, { threads: 1, decoderLanes: 1 });
  try {
    const p = new SamPredictor(model);
    assert.throws(() => p.setImageEmbedding(null as unknown as Float32Array, { width: 10, height: 10 }), InvalidArgumentError);
    const n = model.embeddingShape.reduce((a, b) => a * b, 1);
    const emb = new Float32Array(n);
    emb[12345] = Number.NaN;
    assert.throws(() => p.setImageEmbedding(emb, { width: 10, height: 10 }), (e: unknown) => e instanceof InvalidArgumentError && /non-finite value \(NaN\) at index 12345/.test((e as Error).message));
    emb[12345] = 0;
    p.setImageEmbedding(emb, { width: 10, height: 10 });
  } finally {
    await model.close();
  }
});

test('temp files of killed writers are swept; a live writer\'s are kept', async () => {
  const d = path.join(dir, 'tmps');
  await mkdir(d);
  const dead = path.join(d, '.doc.json.999999999.abc123.tmp');
  const mine = path.join(d, `.doc.json.${process.pid}.def456.tmp`);
  const old = path.join(d, `.doc.json.${process.pid}.old789.tmp`);
  for (const f of [dead, mine, old]) await writeFile(f, '');
  await utimes(old, new Date(Date.now() - 2 * 3600e3), new Date(Date.now() - 2 * 3600e3));
  assert.deepEqual((await removeStaleTemps(d)).sort(), [path.basename(dead), path.basename(old)].sort());
  assert.deepEqual(await readdir(d), [path.basename(mine)]);
  // writeFileAtomic sweeps the folder it writes to.
  await writeFile(dead, '');
  await writeFileAtomic(path.join(d, 'doc.json'), '{}');
  assert.deepEqual((await readdir(d)).sort(), [path.basename(mine), 'doc.json'].sort());
});

test('FIFOs among images are skipped without blocking', { timeout: 20000 }, async () => {
  const d = path.join(dir, 'fifo');
  await mkdir(d);
  const jpg = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 9, g: 9, b: 9 } } }).jpeg().toBuffer();
  await writeFile(path.join(d, 'a.jpg'), jpg);
  execFileSync('mkfifo', [path.join(dir, 'pipe')]);
  await symlink(path.join(dir, 'pipe'), path.join(d, 'b.jpg'));
  await assert.rejects(openRegular(path.join(d, 'b.jpg')), NotRegularFileError);
  const found = await discoverImages([d]);
  assert.deepEqual(found.images.map((i) => i.rel), ['a.jpg']);
  assert.match(found.skipped[0].reason, /not a regular file/);
  await assert.rejects(loadImage(path.join(d, 'b.jpg')), (e: unknown) => e instanceof ImageError && /not a regular file/.test((e as Error).message));
});

test('a JPEG whose header claims more pixels than its data holds is an ImageError', async () => {
  const jpg = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 10, b: 10 } } }).jpeg().toBuffer();
  for (let i = 0; i + 8 < jpg.length; i++) if (jpg[i] === 0xff && jpg[i + 1] === 0xc0) { jpg.writeUInt16BE(5000, i + 5); jpg.writeUInt16BE(5000, i + 7); break; }
  await assert.rejects(decodeImage(jpg, 'liar.jpg'), (e: unknown) => e instanceof ImageError && /liar\.jpg: the data is truncated/.test((e as Error).message));
});

test('boxes2masks: names leaving --images are refused, boxes outside the image are recognised', async () => {
  const imgs = path.join(dir, 'imgs');
  assert.equal(imageInFolder(imgs, 'a/b.jpg'), path.join(imgs, 'a', 'b.jpg'));
  for (const name of ['../x.jpg', 'a/../../x.jpg', '/etc/passwd', 'C:\\x.jpg', '', '..']) {
    const r = imageInFolder(imgs, name);
    assert.equal(typeof r, 'object', name);
  }
  const ds = parseCocoDataset(JSON.stringify({
    images: [{ id: 1, file_name: 'ok.jpg', width: 10, height: 10 }, { id: 2, file_name: '../../secret.jpg', width: 10, height: 10 }],
    annotations: [{ id: 5, image_id: 1, category_id: 1, bbox: [1, 1, 2, 2] }, { id: 6, image_id: 2, category_id: 1, bbox: [1, 1, 2, 2] }],
    categories: [{ id: 1, name: 'c' }],
  }), 'boxes.json');
  const notes: string[] = [];
  const items = boxItems(ds, imgs, (m) => notes.push(m));
  assert.deepEqual(items.map((i) => i.label), ['ok.jpg']);
  assert.match(notes.join('\n'), /image 2 .*leaves the --images folder.*kept unchanged/);
  assert.ok(overlapsImage([1, 1, 3, 3], 10, 10));
  assert.ok(!overlapsImage([50000, 50000, 50100, 50100], 10, 10));
  assert.ok(!overlapsImage([-20, 2, 0, 5], 10, 10)); // touches the left edge only
  assert.ok(!overlapsImage([2, 10, 5, 12], 10, 10));
});
