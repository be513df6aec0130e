import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelError } from '../../src/core/errors.js';
import { DEFAULT_PREPROCESS } from '../../src/model/manifest.js';
import { defaultModelManifest } from '../../src/model/resolve.js';
import { encodePrompts } from '../../src/core/prompt.js';
import { SamModel } from '../../src/model/sam-model.js';
import { DecoderLanes } from '../../src/model/decoder-lanes.js';

const dir = mkdtempSync(path.join(tmpdir(), 'samkit-model-'));
const junk = path.join(dir, 'junk.onnx');
writeFileSync(junk, 'this is not an onnx model');
const real = defaultModelManifest();

test('a decoder file that is not ONNX gives a ModelError naming it', async () => {
  const manifest = { ...real, id: 'bad-decoder', decoder: { path: junk } };
  await assert.rejects(SamModel.load(manifest, { cacheDir: dir }), (e: unknown) => e instanceof ModelError && /junk\.onnx is not an ONNX model/.test((e as Error).message));
});

test('an encoder file that is not ONNX gives a ModelError naming it', async () => {
  const manifest = { ...real, id: 'bad-encoder', encoder: { path: junk } };
  await assert.rejects(SamModel.load(manifest, { cacheDir: dir }), (e: unknown) => e instanceof ModelError && /cannot load encoder .*junk\.onnx/.test((e as Error).message));
});

test('swapped encoder and decoder are rejected as not SAM models', async () => {
  const manifest = { ...real, id: 'swapped', encoder: real.decoder, decoder: real.encoder, preprocess: { ...DEFAULT_PREPROCESS } };
  await assert.rejects(SamModel.load(manifest, { cacheDir: dir }), /is not a SAM (decoder|encoder)/);
});

test('a missing model file is named', async () => {
  const manifest = { ...real, id: 'missing', encoder: { path: path.join(dir, 'nope.onnx') } };
  await assert.rejects(SamModel.load(manifest, { cacheDir: dir }), /nope\.onnx/);
});

/** The default model and a deterministic pseudo-random embedding of its shape. */
async function modelAndEmbedding(seed: number): Promise<{ model: SamModel; emb: Float32Array }> {
  let s = seed;
  const emb = new Float32Array(256 * 64 * 64).map(() => { s = (s * 16807) % 2147483647; return (s / 2147483647 - 0.5) * 0.4; });
  return { model: await SamModel.load(), emb };
}

test('the per-prompt (low-rank) decoder gives the masks and scores of the full graph', async () => {
  const { model, emb } = await modelAndEmbedding(3);
  const size = { width: 800, height: 600 };
  const prompts = [
    { pointCoords: [[100, 100]] as [number, number][], pointLabels: [1] },
    { pointCoords: [[400, 300]] as [number, number][], pointLabels: [1] },
  ];
  const enc = encodePrompts(prompts, size, 1024, 256);
  const split = await model.decode(emb, enc);
  // A mask input of zeros with has_mask_input forced through the full graph is not the same prompt, so
  // compare the full graph directly through a batch that carries no mask input.
  const full = await (model as unknown as { decodeFull: typeof model.decode }).decodeFull(emb, enc);
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  // Same function, different float summation order: relative differences of ~1e-6.
  const scale = full.masks.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(scale > 1, 'masks are not trivial');
  assert.ok(maxDiff(split.masks, full.masks) < 2e-5 * scale, `split vs full masks: ${maxDiff(split.masks, full.masks)} (scale ${scale})`);
  assert.ok(maxDiff(split.iou, full.iou) < 1e-5, 'split vs full scores');
  let both = 0, either = 0;
  for (let i = 0; i < full.masks.length; i++) { const a = split.masks[i] > 0, b = full.masks[i] > 0; if (a && b) both++; if (a || b) either++; }
  assert.ok(both / either > 0.9999, `thresholded masks agree (IoU ${both / either})`);
});

test('split decoder outputs give single planes equal to the reordered masks, across runs', async () => {
  const { model, emb } = await modelAndEmbedding(5);
  const prompts = [[30, 40], [500, 90], [260, 410], [700, 550], [120, 300]].map((p) => ({ pointCoords: [p] as [number, number][], pointLabels: [1] }));
  const enc = encodePrompts(prompts, { width: 800, height: 600 }, 1024, 256);
  await model.decode(emb, encodePrompts([prompts[0]], { width: 800, height: 600 }, 1024, 256)); // the lone first prompt takes the full graph
  const out = await model.decode(emb, enc);
  assert.ok(out.plane, 'the low-rank path offers single planes');
  const plane = out.lowSize * out.lowSize;
  const dest = new Float32Array(plane);
  for (let b = 0; b < out.batch; b++) for (let t = 0; t < out.tokens; t++) {
    out.plane!(b, t, dest);
    const k = b * out.tokens + t;
    assert.ok(Buffer.from(dest.buffer).equals(Buffer.from(out.masks.buffer, k * plane * 4, plane * 4)), `prompt ${b}, token ${t}`);
  }
});

test('the low-rank decoder handles boxes, several points and background points like the full graph', async () => {
  const { model, emb } = await modelAndEmbedding(5);
  const size = { width: 640, height: 900 };
  const batches = [
    [{ box: [100, 120, 400, 500] as [number, number, number, number] }, { box: [10, 10, 630, 890] as [number, number, number, number] }],
    [{ pointCoords: [[200, 300], [260, 310], [50, 800]] as [number, number][], pointLabels: [1, 1, 0], box: [150, 250, 300, 400] as [number, number, number, number] },
      { pointCoords: [[600, 20], [10, 880], [320, 450]] as [number, number][], pointLabels: [0, 1, 1], box: [0, 0, 639, 899] as [number, number, number, number] }],
  ];
  for (const prompts of batches) {
    const enc = encodePrompts(prompts, size, 1024, 256);
    const low = await model.decode(emb, enc);
    const full = await (model as unknown as { decodeFull: typeof model.decode }).decodeFull(emb, enc);
    let d = 0, scale = 0, dq = 0;
    for (let i = 0; i < full.masks.length; i++) { d = Math.max(d, Math.abs(low.masks[i] - full.masks[i])); scale = Math.max(scale, Math.abs(full.masks[i])); }
    for (let i = 0; i < full.iou.length; i++) dq = Math.max(dq, Math.abs(low.iou[i] - full.iou[i]));
    assert.ok(d < 2e-5 * scale, `masks differ by ${d} (scale ${scale}) for ${enc.numPoints} decoder points`);
    assert.ok(dq < 1e-5, `scores differ by ${dq}`);
  }
});

test('a lone first prompt without a mask input may leave maskInput empty (full-graph path)', async () => {
  const { model, emb } = await modelAndEmbedding(9);
  const enc = encodePrompts([{ pointCoords: [[300, 200]], pointLabels: [1] }], { width: 640, height: 480 }, 1024, 256);
  const first = await model.decode(emb, { ...enc, maskInput: new Float32Array(0) });
  const again = await model.decode(emb, { ...enc, maskInput: new Float32Array(0) });
  assert.equal(first.masks.length, 4 * 256 * 256);
  let d = 0;
  for (let i = 0; i < first.masks.length; i++) d = Math.max(d, Math.abs(first.masks[i] - again.masks[i]));
  assert.ok(d < 1e-3, `full graph then low-rank graph agree (${d})`);
});

test('decodeBatches on decoder lanes yields, in order, what decode gives for each batch', async () => {
  const { model: sequential, emb } = await modelAndEmbedding(5);
  const laned = await SamModel.load(undefined, { decoderLanes: 2 });
  const size = { width: 640, height: 480 };
  // Batches of different sizes (odd ones leave a short last run), single and two-point prompts.
  const batches = [3, 8, 1, 5].map((n, k) => encodePrompts(Array.from({ length: n }, (_, i) => ({
    pointCoords: (k === 3 ? [[37 * i + 20, 29 * i + 40], [600 - 31 * i, 400 - 17 * i]] : [[53 * i + 11 * k + 5, 41 * i + 7 * k + 3]]) as [number, number][],
    pointLabels: k === 3 ? [1, 0] : [1],
  })), size, 1024, 256));
  // Two batches need only part of their masks (a landscape and a portrait footprint).
  const regions = [undefined, { height: 170, width: 256 }, { height: 256, width: 83 }, undefined];
  regions.forEach((r, k) => { batches[k].lowResRegion = r; });
  const inRegion = (k: number, j: number) => { const r = regions[k]; return !r || (Math.floor(j / 256) < r.height && j % 256 < r.width); };
  try {
    let k = 0;
    for await (const out of laned.decodeBatches(emb, batches)) {
      // The same embedding decoded twice by the sequential model: a fresh split per call keeps both on the prompt graph.
      const ref = await sequential.decode(emb, { ...batches[k], lowResRegion: undefined });
      // On the calling thread, the region is honoured the same way.
      const own = await sequential.decode(emb, batches[k]);
      assert.equal(out.batch, ref.batch);
      assert.equal(out.tokens, ref.tokens);
      // Lanes run one onnxruntime thread: a lone prompt in a run may round differently (relative ~1e-6).
      out.iou.forEach((v, i) => assert.ok(Math.abs(v - ref.iou[i]) < 1e-5, `batch ${k} score ${i}: ${v} vs ${ref.iou[i]}`));
      const a = new Float32Array(256 * 256), b = new Float32Array(256 * 256), c = new Float32Array(256 * 256);
      for (let i = 0; i < out.batch; i++) {
        for (let t = 0; t < out.tokens; t++) {
          out.plane!(i, t, a);
          ref.plane!(i, t, b);
          own.plane!(i, t, c);
          let d = 0, dOwn = 0, scale = 0;
          for (let j = 0; j < a.length; j++) {
            if (!inRegion(k, j)) continue;
            d = Math.max(d, Math.abs(a[j] - b[j]));
            dOwn = Math.max(dOwn, Math.abs(c[j] - b[j]));
            scale = Math.max(scale, Math.abs(b[j]));
          }
          assert.ok(scale > 1 && d < 2e-5 * scale, `batch ${k}, prompt ${i}, token ${t}: max diff ${d} (scale ${scale})`);
          assert.ok(dOwn < 2e-5 * scale, `batch ${k}, prompt ${i}, token ${t} on the calling thread: max diff ${dOwn} (scale ${scale})`);
        }
      }
      k++;
    }
    assert.equal(k, batches.length);
    // A consumer that stops early leaves the lanes usable.
    for await (const out of laned.decodeBatches(emb, batches)) { assert.equal(out.batch, 3); break; }
    const again = [];
    for await (const out of laned.decodeBatches(emb, batches.slice(0, 2))) again.push(out.batch);
    assert.deepEqual(again, [3, 8]);
    // Closing with decodes still running waits for them instead of ending a worker inside onnxruntime.
    const early = laned.decodeBatches(emb, batches);
    await early.next();
  } finally {
    await laned.close();
  }
  // A closed model still decodes, on the calling thread (no new workers, e.g. during a shutdown).
  const after = await laned.decodeBatches(emb, batches).next();
  assert.equal(after.value?.batch, 3);
  assert.equal(await (laned as unknown as { lanes: Promise<unknown> }).lanes, null);
});

test('a stage runs on each batch where it was decoded: lanes and the calling thread give the same results', async () => {
  const { model: here, emb } = await modelAndEmbedding(1);
  const laned = await SamModel.load(undefined, { decoderLanes: 2 });
  const size = { width: 900, height: 600 };
  const batches = [5, 8, 2, 7].map((n, k) => ({
    ...encodePrompts(Array.from({ length: n }, (_, i) => ({ pointCoords: [[61 * i + 13 * k + 9, 37 * i + 17 * k + 5]] as [number, number][], pointLabels: [1] })), size, 1024, 256),
    lowResRegion: { height: 171, width: 256 },
  }));
  const stage = { module: new URL('../helpers/summary-stage.js', import.meta.url).href, config: { token: 2, rows: 171 } };
  type Summary = { iou: Float32Array; sums: Float64Array };
  const collect = async (m: SamModel) => { const all: Summary[] = []; for await (const r of m.decodeBatches<Summary>(emb, batches, stage)) all.push(r); return all; };
  try {
    const [a, b] = [await collect(laned), await collect(here)];
    assert.equal(a.length, batches.length);
    a.forEach((r, k) => {
      assert.equal(r.sums.length, batches[k].batch);
      r.sums.forEach((v, i) => assert.ok(Math.abs(v - b[k].sums[i]) <= 1e-4 * Math.max(1, Math.abs(b[k].sums[i])), `batch ${k} prompt ${i}: ${v} vs ${b[k].sums[i]}`));
      r.iou.forEach((v, i) => assert.ok(Math.abs(v - b[k].iou[i]) < 1e-5, `batch ${k} score ${i}`));
    });
    assert.ok(a.some((r) => r.sums.some((v) => v !== 0)), 'the stage saw real logits');
    // A module that is not a stage is named.
    const notAStage = { module: new URL('../helpers/fixtures.js', import.meta.url).href, config: null };
    await assert.rejects((async () => { for await (const _ of here.decodeBatches(emb, batches, notAStage)) { /* nothing */ } })(),
      (e: unknown) => e instanceof ModelError && /fixtures\.js does not export createStage/.test((e as Error).message));
  } finally {
    await laned.close();
  }
});

test('decoderLanes must be a positive integer', async () => {
  await assert.rejects(SamModel.load(undefined, { decoderLanes: 0 }), /decoderLanes must be a positive integer, got 0/);
  await assert.rejects(SamModel.load(undefined, { decoderLanes: 1.5 }), /decoderLanes must be a positive integer, got 1.5/);
});

test('decoder lanes that cannot start reject with a ModelError, and decodeBatches falls back to the calling thread', async () => {
  const broken = new DecoderLanes({ prompt: junk, cacheDir: dir, what: 'junk decoder', masksOutput: 'm', iouOutput: 'i' }, 2, 2);
  const { model, emb } = await modelAndEmbedding(9);
  const batches = [2, 3].map((n) => encodePrompts(Array.from({ length: n }, (_, i) => ({ pointCoords: [[40 * i + 9, 30 * i + 5]] as [number, number][], pointLabels: [1] })), { width: 320, height: 240 }, 1024, 256));
  await assert.rejects(broken.decode(batches[0]), (e: unknown) => e instanceof ModelError && /decoder lane failed/.test((e as Error).message));
  assert.ok(broken.failure instanceof ModelError);
  // The model's lanes replaced by the broken ones: same outputs as decode(), from the calling thread.
  (model as unknown as { lanes: Promise<DecoderLanes | null> }).lanes = Promise.resolve(broken);
  const got = [];
  for await (const out of model.decodeBatches(emb, batches)) got.push(out);
  assert.equal(got.length, 2);
  for (let k = 0; k < 2; k++) {
    const ref = await model.decode(emb, batches[k]);
    assert.deepEqual(Array.from(got[k].iou), Array.from(ref.iou));
  }
  await broken.close();
});

test('decoder lanes start when the process was run with flags a worker cannot take (--input-type)', () => {
  const script = `
    import { SamModel } from ${JSON.stringify(new URL('../../src/model/sam-model.js', import.meta.url).href)};
    import { encodePrompts } from ${JSON.stringify(new URL('../../src/core/prompt.js', import.meta.url).href)};
    const model = await SamModel.load(undefined, { decoderLanes: 2 });
    const emb = new Float32Array(256 * 64 * 64).fill(0.01);
    const b = encodePrompts([{ pointCoords: [[10, 10]], pointLabels: [1] }, { pointCoords: [[50, 60]], pointLabels: [1] }], { width: 100, height: 100 }, 1024, 256);
    let n = 0;
    for await (const out of model.decodeBatches(emb, [b, b])) n += out.batch;
    console.log('decoded', n, (model.lanes && (await model.lanes)) ? 'on lanes' : 'on the calling thread');
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /decoded 4 on lanes/);
});

test('two decodeBatches at once on one model (two images) both give what decode gives', async () => {
  const model = await SamModel.load(undefined, { decoderLanes: 2 });
  const embs = [11, 12].map((seed) => { let s = seed; return new Float32Array(256 * 64 * 64).map(() => { s = (s * 16807) % 2147483647; return (s / 2147483647 - 0.5) * 0.4; }); });
  // More batches than the lanes take ahead, so both callers are still sending work when the other starts.
  const batches = [4, 2, 3, 2, 2, 1, 2, 2, 3, 2].map((n, k) => encodePrompts(Array.from({ length: n }, (_, i) => ({ pointCoords: [[61 * i + 13 * k + 7, 47 * i + 5]] as [number, number][], pointLabels: [1] })), { width: 400, height: 300 }, 1024, 256));
  try {
    const collect = async (emb: Float32Array) => { const out = []; for await (const o of model.decodeBatches(emb, batches)) out.push(Float32Array.from(o.iou)); return out; };
    const [a, b] = await Promise.all(embs.map(collect));
    for (const [emb, got] of [[embs[0], a], [embs[1], b]] as const) {
      for (let k = 0; k < batches.length; k++) {
        const ref = await model.decode(emb, batches[k]);
        got[k].forEach((v, i) => assert.ok(Math.abs(v - ref.iou[i]) < 1e-5, `batch ${k} score ${i}: ${v} vs ${ref.iou[i]}`));
      }
    }
    assert.notDeepEqual(Array.from(a[0]), Array.from(b[0]), 'the two images give different scores');
  } finally {
    await model.close();
  }
});
