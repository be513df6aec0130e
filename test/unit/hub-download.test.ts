/**
 * Hub ids: a local HTTP server plays the Hugging Face hub (file list API and resolve URLs, Range
 * requests) for a transformers.js folder re-packed from the default weights, with a second dtype.
 * SAMKIT_HF_ENDPOINT points samkit at it.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DownloadError, InvalidOptionError } from '../../src/core/errors.js';
import { defaultModelManifest } from '../../src/model/resolve.js';
import { describeModel } from '../../src/models/describe.js';
import { writeHfSamFolder } from '../../src/models/hf-sam/write-folder.js';
import { cachedHubModels, hubFolderPath, selectFiles } from '../../src/models/hub.js';
import { SamPredictor } from '../../src/predictor.js';

const dir = mkdtempSync(path.join(tmpdir(), 'samkit-hub-'));
const repo = path.join(dir, 'repo');
const ID = 'Xenova/slimsam-test';
let server: Server;
let endpoint = '';
const requests: Array<{ url: string; range?: string }> = [];
/** Test knobs: cut this path's body after N bytes once; list a wrong sha256 for a path. */
const faults: { cut?: { path: string; bytes: number }; badSha?: string } = {};

function files(): string[] {
  const out: string[] = [];
  const walk = (d: string) => { for (const f of readdirSync(d)) { const p = path.join(d, f); if (statSync(p).isDirectory()) walk(p); else out.push(path.relative(repo, p).split(path.sep).join('/')); } };
  walk(repo);
  return out;
}

before(async () => {
  const real = defaultModelManifest();
  await writeHfSamFolder(real.encoder.path!, real.decoder.path!, repo);
  // A second dtype: the same graphs under transformers.js's quantized names.
  for (const f of ['vision_encoder', 'prompt_encoder_mask_decoder']) {
    const { copyFileSync } = await import('node:fs');
    copyFileSync(path.join(repo, 'onnx', `${f}.onnx`), path.join(repo, 'onnx', `${f}_quantized.onnx`));
  }
  const tree = files().map((p) => {
    const bytes = readFileSync(path.join(repo, p));
    const sha = p === faults.badSha ? '0'.repeat(64) : createHash('sha256').update(bytes).digest('hex');
    return p.endsWith('.onnx') ? { type: 'file', path: p, size: bytes.length, lfs: { oid: sha, size: bytes.length } } : { type: 'file', path: p, size: bytes.length };
  });
  server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    requests.push({ url, range: req.headers.range });
    if (url.startsWith(`/api/models/${ID}/tree/main`)) {
      const list = tree.map((e) => (e.path === faults.badSha && 'lfs' in e ? { ...e, lfs: { ...e.lfs, oid: 'f'.repeat(64) } } : e));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
      return;
    }
    const prefix = `/${ID}/resolve/main/`;
    if (!url.startsWith(prefix)) { res.writeHead(404).end('{}'); return; }
    const rel = url.slice(prefix.length);
    const file = path.join(repo, ...rel.split('/'));
    if (!existsSync(file)) { res.writeHead(404).end(); return; }
    const bytes = readFileSync(file);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const body = bytes.subarray(start);
    res.writeHead(m ? 206 : 200, { 'content-length': body.length, ...(m ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}) });
    if (faults.cut?.path === rel) {
      const n = faults.cut.bytes;
      faults.cut = undefined;
      res.write(body.subarray(0, n), () => res.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.SAMKIT_HF_ENDPOINT = endpoint;
});

after(() => {
  server?.close();
  delete process.env.SAMKIT_HF_ENDPOINT;
  rmSync(dir, { recursive: true, force: true });
});

test('dtype choice: the most precise by default, the quantized pair for q8, a clear error for one the repo lacks', () => {
  const entries = files().map((p) => ({ type: 'file', path: p }));
  assert.deepEqual(selectFiles(ID, entries).files.map((f) => f.path), ['config.json', 'preprocessor_config.json', 'onnx/vision_encoder.onnx', 'onnx/prompt_encoder_mask_decoder.onnx']);
  assert.deepEqual(selectFiles(ID, entries, 'q8').files.map((f) => f.path).slice(2), ['onnx/vision_encoder_quantized.onnx', 'onnx/prompt_encoder_mask_decoder_quantized.onnx']);
  assert.throws(() => selectFiles(ID, entries, 'fp16'), (e: unknown) => e instanceof InvalidOptionError && /has no fp16 weights; it has fp32, q8/.test(e.message));
  assert.deepEqual(selectFiles(ID, [...entries, { type: 'file', path: 'onnx/vision_encoder.onnx_data' }]).files.map((f) => f.path).at(-1), 'onnx/vision_encoder.onnx_data');
});

test('a hub id downloads the dtype\'s files into the cache, resumes a broken download, and predicts as the default model', async () => {
  const cacheDir = path.join(dir, 'cache');
  // The first attempt breaks off in the middle of the decoder.
  faults.cut = { path: 'onnx/prompt_encoder_mask_decoder_quantized.onnx', bytes: 1_000_000 };
  await assert.rejects(SamPredictor.create(ID, { cacheDir, dtype: 'q8' }), (e: unknown) => e instanceof DownloadError && e.code === 'TRUNCATED' && /after 1000000 of \d+ bytes.*run again to resume/.test(e.message));
  const folder = hubFolderPath(ID, cacheDir);
  assert.ok(existsSync(path.join(folder, 'onnx', 'prompt_encoder_mask_decoder_quantized.onnx.part')), 'the partial file is kept');
  assert.ok(!existsSync(path.join(folder, 'onnx', 'prompt_encoder_mask_decoder_quantized.onnx')), 'nothing half-written under the final name');
  requests.length = 0;
  const theirs = await SamPredictor.create(ID, { cacheDir, dtype: 'q8' });
  assert.ok(requests.some((r) => r.url.endsWith('prompt_encoder_mask_decoder_quantized.onnx') && r.range === 'bytes=1000000-'), 'resumed with a Range request');
  assert.ok(!requests.some((r) => r.url.endsWith('vision_encoder_quantized.onnx')), 'complete files are not fetched again');
  assert.ok(!existsSync(path.join(folder, 'onnx', 'vision_encoder.onnx')), 'the fp32 pair was not downloaded');
  assert.equal(theirs.model.manifest.id, ID);
  assert.equal(theirs.model.decoderFamily, 'hf-sam');
  const ours = await SamPredictor.create(undefined, { cacheDir });
  const img = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3).map((_, i) => (i * 29) % 256) };
  await Promise.all([ours.setImage(img), theirs.setImage(img)]);
  const p = { pointCoords: [[30, 20]] as [number, number][], pointLabels: [1] };
  const [a, b] = [await ours.predict(p), await theirs.predict(p)];
  assert.deepEqual([...b.scores].map((s) => s.toFixed(4)), [...a.scores].map((s) => s.toFixed(4)));
  // Cached now: loads without the hub, and `samkit models` lists it with what it is.
  requests.length = 0;
  await SamPredictor.create(ID, { cacheDir, dtype: 'q8' });
  assert.equal(requests.length, 0);
  const cached = await cachedHubModels(cacheDir);
  assert.deepEqual(cached.map((c) => [c.id, c.dtype]), [[ID, 'q8']]);
  const savedCache = process.env.SAMKIT_CACHE_DIR;
  process.env.SAMKIT_CACHE_DIR = cacheDir;
  try {
    const d = await describeModel(ID);
    assert.deepEqual([d.decoder.family, d.supports.maskInput, d.decoderInputs], ['hf-sam', false, ['input_points', 'input_labels', 'image_embeddings', 'image_positional_embeddings']]);
  } finally {
    if (savedCache === undefined) delete process.env.SAMKIT_CACHE_DIR; else process.env.SAMKIT_CACHE_DIR = savedCache;
  }
});

test('a file whose sha256 differs from the hub\'s listing is refused and removed', async () => {
  const cacheDir = path.join(dir, 'cache-bad');
  faults.badSha = 'onnx/prompt_encoder_mask_decoder.onnx';
  try {
    await assert.rejects(SamPredictor.create(ID, { cacheDir }), (e: unknown) => e instanceof DownloadError && e.code === 'CHECKSUM' && /does not match the hub's f{64}/.test(e.message));
    const folder = hubFolderPath(ID, cacheDir);
    assert.ok(!existsSync(path.join(folder, 'onnx', 'prompt_encoder_mask_decoder.onnx.part')));
    assert.ok(!existsSync(path.join(folder, 'onnx', 'prompt_encoder_mask_decoder.onnx')));
  } finally {
    faults.badSha = undefined;
  }
});
