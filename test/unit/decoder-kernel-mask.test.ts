/**
 * The prompt-decoder kernel with a mask input (has_mask_input = 1) against onnxruntime's full export
 * graph: random mask inputs (a previous mask's logits, the same with noise, uniform noise, zeros),
 * batched and not, and the reference refinement cases (skipped without ../shared/reference). Same
 * masks (IoU 1.0000, a pixel may only differ within the rounding band of the threshold), scores
 * within 1e-4.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePrompts, type Prompt } from '../../src/core/prompt.js';
import { SamPredictor, type PredictResult } from '../../src/predictor.js';
import { HAS_REFERENCE, NO_REFERENCE_MESSAGE, PROJECT_ROOT, readFixture, referenceImage } from '../helpers/reference.js';
import { loadKernelPair, setBothImages } from '../helpers/kernel-pair.js';

let graph: SamPredictor;
let kernel: SamPredictor;

before(async () => {
  ({ graph, kernel } = await loadKernelPair());
});

async function setBoth(image: string): Promise<void> {
  await setBothImages({ graph, kernel }, image);
}

/** Float rounding moves logits by ~1e-6 of their size: pixels may only differ this close to 0. */
const ROUNDING_BAND = 1e-3;

interface Worst { maxScore: number; maxLogit: number; minIou: number; flipped: number; ious: number[] }

function compare(a: PredictResult, b: PredictResult, what: string, worst: Worst): void {
  assert.equal(a.masks.length, b.masks.length, `${what}: mask count`);
  a.masks.forEach((m, k) => {
    const logits = a.logits![k];
    let inter = 0, union = 0;
    for (let i = 0; i < m.data.length; i++) {
      const x = m.data[i] !== 0, y = b.masks[k].data[i] !== 0;
      if (x && y) inter++;
      if (x || y) union++;
      if (x === y) continue;
      worst.flipped++;
      assert.ok(Math.abs(logits[i]) <= ROUNDING_BAND, `${what}[${k}]: pixel ${i} differs with logit ${logits[i]}`);
    }
    const iou = union ? inter / union : 1;
    worst.minIou = Math.min(worst.minIou, iou);
    worst.ious.push(iou);
    worst.maxScore = Math.max(worst.maxScore, Math.abs(a.scores[k] - b.scores[k]));
    a.lowResLogits[k].forEach((v, i) => { worst.maxLogit = Math.max(worst.maxLogit, Math.abs(v - b.lowResLogits[k][i]) / (1 + Math.abs(v))); });
  });
  assert.ok(worst.maxScore <= 1e-4, `${what}: scores differ by ${worst.maxScore}`);
  assert.ok(worst.maxLogit <= 5e-4, `${what}: low-res logits differ by ${worst.maxLogit} (relative)`);
  // a flipped pixel (within the band) in a mask of a few thousand pixels is an IoU of 0.9998
  assert.ok(worst.minIou >= 0.999, `${what}: mask IoU ${worst.minIou}`);
}

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

const fresh = (): Worst => ({ maxScore: 0, maxLogit: 0, minIou: 1, flipped: 0, ious: [] });
const meanIou = (w: Worst) => w.ious.reduce((a, b) => a + b, 0) / w.ious.length;
const report = (what: string, w: Worst) => console.log(`${what}: max |dscore| ${w.maxScore.toExponential(2)}, max relative logit difference ${w.maxLogit.toExponential(2)}, mean IoU ${meanIou(w).toFixed(4)}, min ${w.minIou.toFixed(4)}, ${w.flipped} pixels within ${ROUNDING_BAND} of the threshold differ`);

test('kernel with a mask input matches the full export graph on random mask inputs', async () => {
  await setBoth(`${PROJECT_ROOT}/samples/chelsea.png`);
  const { width, height } = graph.originalSize!;
  const r = rng(5);
  const pt = (): [number, number] => [r() * width, r() * height];
  const worst = fresh();
  const cases: Array<{ prompt: Prompt; maskInput: Float32Array }> = [];
  for (let i = 0; i < 3; i++) {
    const first = await graph.predict({ pointCoords: [pt()], pointLabels: [1], multimaskOutput: true });
    const prev = first.lowResLogits[i % 3];
    const noisy = prev.map((v) => v + (r() - 0.5) * 8);
    cases.push({ prompt: { pointCoords: [pt(), pt()], pointLabels: [1, 0] }, maskInput: prev });
    cases.push({ prompt: { pointCoords: [pt()], pointLabels: [1] }, maskInput: noisy });
  }
  cases.push({ prompt: { pointCoords: [pt()], pointLabels: [1] }, maskInput: Float32Array.from({ length: 256 * 256 }, () => (r() - 0.5) * 40) });
  cases.push({ prompt: { box: [20, 30, width - 40, height - 20] }, maskInput: new Float32Array(256 * 256) });
  for (const [i, c] of cases.entries()) {
    for (const multimaskOutput of [true, false]) {
      const p = { ...c.prompt, maskInput: c.maskInput, multimaskOutput };
      compare(await graph.predict({ ...p, returnLogits: true }), await kernel.predict(p), `mask prompt ${i}`, worst);
    }
  }
  // several prompts with mask inputs in one decode
  const batch = cases.slice(0, 3).map((c) => ({ ...c.prompt, maskInput: c.maskInput }));
  const [ga, kb] = [await graph.predictBatch(batch, { multimaskOutput: true, returnLogits: true }), await kernel.predictBatch(batch, { multimaskOutput: true })];
  ga.forEach((a, i) => compare(a, kb[i], `batched mask prompt ${i}`, worst));
  report(`kernel vs full graph, ${cases.length} mask-input prompts`, worst);
  assert.ok(meanIou(worst) >= 0.99995, `mean IoU ${meanIou(worst)}`);
});

test('the kernel decodes mask inputs itself (not through the graph) and follows a new image', async () => {
  const emb = graph.getImageEmbedding();
  const model = kernel.model;
  const enc = encodePrompts([{ pointCoords: [[100, 120]], pointLabels: [1], maskInput: new Float32Array(256 * 256).fill(3) }], emb.originalSize, model.preprocess.inputSize, model.maskInputSize);
  const a = await model.decode(emb.data, enc);
  const b = await graph.model.decode(emb.data, enc);
  // the graph and the kernel round differently: equal to the last bit would mean the graph ran
  assert.notDeepEqual(a.iou, b.iou);
  // a different embedding (the per-image part of the mask input is recomputed)
  const other = emb.data.map((v, i) => (i % 7 === 0 ? v * 0.5 : v));
  const [c, d] = [await model.decode(other, enc), await graph.model.decode(other, enc)];
  c.iou.forEach((v, i) => assert.ok(Math.abs(v - d.iou[i]) <= 1e-4, `score ${i} on the second embedding: ${v} vs ${d.iou[i]}`));
});

test('kernel matches the graph on the reference cases with a mask input', { skip: !HAS_REFERENCE && NO_REFERENCE_MESSAGE }, async () => {
  interface Case { id: string; prompt: { point_coords: [number, number][] | null; point_labels: number[] | null; box: [number, number, number, number] | null; mask_input: { from_case: string; mask_index: number } | null; multimask_output: boolean }; scores: number[] }
  let n = 0;
  let maxOfficial = 0;
  const worst = fresh();
  for (const name of ['truck', 'dog', 'dogs', 'picture1']) {
    const fx = readFixture<{ cases: Case[] }>(`predictor_${name}.json`);
    await setBoth(referenceImage(name));
    const results = new Map<string, PredictResult>();
    for (const c of fx.cases) {
      const p = c.prompt;
      const maskInput = p.mask_input ? results.get(p.mask_input.from_case)!.lowResLogits[p.mask_input.mask_index] : undefined;
      const q = { pointCoords: p.point_coords, pointLabels: p.point_labels, box: p.box, maskInput, multimaskOutput: p.multimask_output };
      const a = await graph.predict({ ...q, returnLogits: true });
      results.set(c.id, a);
      if (!maskInput) continue;
      const b = await kernel.predict(q);
      compare(a, b, `${name}/${c.id}`, worst);
      b.scores.forEach((s, k) => { maxOfficial = Math.max(maxOfficial, Math.abs(s - c.scores[k])); });
      n++;
    }
  }
  assert.ok(n >= 4, `only ${n} reference cases with a mask input`);
  report(`kernel vs graph on ${n} reference cases with a mask input`, worst);
  assert.ok(meanIou(worst) >= 0.99995, `mean IoU ${meanIou(worst)}`);
  console.log(`max |dscore| vs official ${maxOfficial.toExponential(2)}`);
  assert.ok(maxOfficial <= 1e-4, `kernel scores differ from the official ones by ${maxOfficial}`);
});
