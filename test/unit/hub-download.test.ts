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
import { DownloadError, InvalidOptionError, ModelError } from '../../src/core/errors.js';
import { SamModel } from '../../src/model/sam-model.js';
import { resolveModelFlags } from '../../src/cli/model-flags.js';
import { manifestFromPath } from '../../src/models/source.js';
import { defaultModelManifest } from '../../src/model/resolve.js';
import { describeModel } from '../../src/models/describe.js';
import { writeHfSamFolder } from '../../src/models/hf-sam/write-folder.js';
import { cachedHubModels, hubFolderPath, parseHubId, selectFiles } from '../../src/models/hub.js';
import { SamPredictor } from '../../src/predictor.js';

const dir = mkdtempSync(path.join(tmpdir(), 'samkit-hub-'));
const repo = path.join(dir, 'repo');
const ID = 'Xenova/slimsam-test';
let server: Server;
let endpoint = '';
const requests: Array<{ url: string; range?: string; auth?: string }> = [];
/** A gated repo: the same files, only with this token, only at revision v1. */
const GATED = 'acme/gated-sam';
const TOKEN = 'hf_sekrit';
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
    requests.push({ url, range: req.headers.range, auth: req.headers.authorization });
    if (url.startsWith(`/${GATED}/`) || url.startsWith(`/api/models/${GATED}/`)) {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) { res.writeHead(401).end('{"error":"gated"}'); return; }
      if (!url.startsWith(`/api/models/${GATED}/tree/v1`) && !url.startsWith(`/${GATED}/resolve/v1/`)) { res.writeHead(404).end('{"error":"revision not found"}'); return; }
      if (url.startsWith('/api/')) { res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tree)); return; }
      res.writeHead(200).end(readFileSync(path.join(repo, ...url.slice(`/${GATED}/resolve/v1/`.length).split('/'))));
      return;
    }
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
  await assert.rejects(SamPredictor.create(ID, { cacheDir, dtype: 'q8' }), (e: unknown) => e instanceof DownloadError && e.code === 'TRUNCATED' && /after \d+ of \d+ bytes.*run again to resume/.test(e.message));
  const folder = hubFolderPath(ID, cacheDir);
  const part = path.join(folder, 'onnx', 'prompt_encoder_mask_decoder_quantized.onnx.part');
  assert.ok(existsSync(part), 'the partial file is kept');
  // (how much of the cut body arrived before the connection closed depends on the socket's timing)
  const kept = statSync(part).size;
  assert.ok(kept > 0 && kept <= 1_000_000, `kept ${kept} bytes`);
  assert.ok(!existsSync(path.join(folder, 'onnx', 'prompt_encoder_mask_decoder_quantized.onnx')), 'nothing half-written under the final name');
  requests.length = 0;
  const theirs = await SamPredictor.create(ID, { cacheDir, dtype: 'q8' });
  assert.ok(requests.some((r) => r.url.endsWith('prompt_encoder_mask_decoder_quantized.onnx') && r.range === `bytes=${kept}-`), 'resumed with a Range request');
  assert.ok(!requests.some((r) => r.url.endsWith('vision_encoder_quantized.onnx')), 'complete files are not fetched again');
  assert.ok(!existsSync(path.join(folder, 'onnx', 'vision_encoder.onnx')), 'the fp32 pair was not downloaded');
  assert.equal(theirs.model.manifest.id, `${ID}.q8`, 'the id names the dtype (embedding stores keep them apart)');
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
  // The CLI's --model/--dtype resolve the same way (what annotate, embed, worker, app hand on).
  const savedDir = process.env.SAMKIT_CACHE_DIR;
  process.env.SAMKIT_CACHE_DIR = cacheDir;
  try {
    const m = await resolveModelFlags({ model: ID, dtype: 'q8' });
    assert.equal(m?.id, `${ID}.q8`);
    assert.equal(m?.decoder.path, path.join(folder, 'onnx', 'prompt_encoder_mask_decoder_quantized.onnx'));
  } finally {
    if (savedDir === undefined) delete process.env.SAMKIT_CACHE_DIR; else process.env.SAMKIT_CACHE_DIR = savedDir;
  }
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

test('gated repos: HF_TOKEN is sent, its absence named; owner/name@revision pins the revision and the model id', async () => {
  const cacheDir = path.join(dir, 'cache-gated');
  const saved = process.env.HF_TOKEN;
  delete process.env.HF_TOKEN;
  try {
    await assert.rejects(SamModel.load(`${GATED}@v1`, { cacheDir }), (e: unknown) => e instanceof ModelError && /HTTP 401.*set HF_TOKEN/.test(e.message));
    process.env.HF_TOKEN = 'hf_wrong';
    await assert.rejects(SamModel.load(`${GATED}@v1`, { cacheDir }), (e: unknown) => e instanceof ModelError && /refused the token/.test(e.message));
    process.env.HF_TOKEN = TOKEN;
    await assert.rejects(SamModel.load(GATED, { cacheDir }), (e: unknown) => e instanceof ModelError && /acme\/gated-sam@main was not found.*revision/.test(e.message));
    requests.length = 0;
    const model = await SamModel.load(`${GATED}@v1`, { cacheDir });
    assert.equal(model.manifest.id, `${GATED}@v1`);
    assert.equal(model.decoderFamily, 'hf-sam');
    assert.ok(requests.length > 0 && requests.every((r) => r.auth === `Bearer ${TOKEN}`), 'every request carried the token');
    assert.ok(requests.every((r) => r.url.includes('/v1')), 'only revision v1 was asked for');
    assert.ok(existsSync(path.join(hubFolderPath(GATED, cacheDir, 'v1'), 'onnx', 'prompt_encoder_mask_decoder.onnx')));
    // --revision says the same as @v1; a conflict between the two is refused.
    assert.equal((await manifestFromPath(GATED, { cacheDir, revision: 'v1' })).id, `${GATED}@v1`);
    await assert.rejects(manifestFromPath(`${GATED}@v1`, { cacheDir, revision: 'v2' }), (e: unknown) => e instanceof InvalidOptionError && /names revision v1 but --revision says v2/.test(e.message));
  } finally {
    if (saved === undefined) delete process.env.HF_TOKEN; else process.env.HF_TOKEN = saved;
  }
});

test('hub ids parse with an optional revision and nothing else', () => {
  assert.deepEqual(parseHubId('Xenova/sam-vit-base'), { id: 'Xenova/sam-vit-base' });
  assert.deepEqual(parseHubId('Xenova/sam-vit-base@a1b2c3'), { id: 'Xenova/sam-vit-base', revision: 'a1b2c3' });
  for (const bad of ['Xenova', 'a/b/c', '../x/y', 'a/b@', 'a/b@x/y', './model']) assert.equal(parseHubId(bad), null, bad);
});
