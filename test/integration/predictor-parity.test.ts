/**
 * SamPredictor against the official Python SamPredictor (same weights) on every reference case:
 * mean mask IoU >= 0.995, each candidate >= 0.98, scores within 0.005, logits statistics close.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { rleToMask, type UncompressedRle } from '../../src/core/rle.js';
import { SamPredictor, type PredictResult } from '../../src/predictor.js';
import { bufferIou, HAS_REFERENCE, NO_REFERENCE_MESSAGE, readFixture, REFERENCE_IMAGES, referenceImage } from '../helpers/reference.js';
import { standInImages } from '../helpers/stand-in-images.js';

interface Case {
  id: string;
  prompt: {
    point_coords: [number, number][] | null;
    point_labels: number[] | null;
    box: [number, number, number, number] | null;
    mask_input: { from_case: string; mask_index: number } | null;
    multimask_output: boolean;
  };
  masks: UncompressedRle[];
  scores: number[];
  low_res_logits: { mean: number[]; std: number[] };
}
interface Fixture { image_size: [number, number]; input_size: [number, number]; cases: Case[] }

let predictor: SamPredictor;
before(async () => { predictor = await SamPredictor.create(); });

test('predictor matches the official SamPredictor on every reference case', { skip: !HAS_REFERENCE && NO_REFERENCE_MESSAGE }, async () => {
  const ious: number[] = [];
  let maxScoreDiff = 0;
  let maxMeanDiff = 0;
  for (const name of REFERENCE_IMAGES) {
    const fx = readFixture<Fixture>(`predictor_${name}.json`);
    await predictor.setImage(referenceImage(name));
    assert.deepEqual([predictor.inputSize!.height, predictor.inputSize!.width], fx.input_size, `${name} input size`);
    const results = new Map<string, PredictResult>();
    for (const c of fx.cases) {
      const p = c.prompt;
      const maskInput = p.mask_input ? results.get(p.mask_input.from_case)!.lowResLogits[p.mask_input.mask_index] : undefined;
      const r = await predictor.predict({
        pointCoords: p.point_coords, pointLabels: p.point_labels, box: p.box, maskInput, multimaskOutput: p.multimask_output,
      });
      results.set(c.id, r);
      assert.equal(r.masks.length, c.masks.length, `${name}/${c.id} mask count`);
      c.masks.forEach((rle, k) => {
        const iou = bufferIou(rleToMask(rle).data, r.masks[k].data);
        ious.push(iou);
        assert.ok(iou >= 0.98, `${name}/${c.id}[${k}] IoU ${iou.toFixed(4)} < 0.98`);
        maxScoreDiff = Math.max(maxScoreDiff, Math.abs(r.scores[k] - c.scores[k]));
        const low = r.lowResLogits[k];
        let mean = 0;
        for (const v of low) mean += v;
        mean /= low.length;
        maxMeanDiff = Math.max(maxMeanDiff, Math.abs(mean - c.low_res_logits.mean[k]) / (Math.abs(c.low_res_logits.std[k]) + 1e-6));
      });
    }
  }
  const mean = ious.reduce((a, b) => a + b, 0) / ious.length;
  console.log(`predictor parity: ${ious.length} masks on ${REFERENCE_IMAGES.length} images, mean IoU ${mean.toFixed(5)}, min ${Math.min(...ious).toFixed(5)}, max |dscore| ${maxScoreDiff.toExponential(2)}, max low-res mean diff ${maxMeanDiff.toExponential(2)} std`);
  assert.ok(mean >= 0.995, `mean IoU ${mean}`);
  assert.ok(maxScoreDiff <= 0.005, `score difference ${maxScoreDiff}`);
  assert.ok(maxMeanDiff < 0.01, `low-res logits mean differs by ${maxMeanDiff} std`);
});

test('embedding reuse, batching and logits agree with the single-prompt path', async () => {
  // Self-consistency only: a photo made from the sample image does (no official outputs needed).
  await predictor.setImage(path.join(await standInImages(), 'dog.jpg'));
  const emb = predictor.getImageEmbedding();
  const prompts = [
    { pointCoords: [[300, 200]] as [number, number][], pointLabels: [1] },
    { box: [100, 50, 500, 500] as [number, number, number, number] },
    { pointCoords: [[600, 300], [620, 100]] as [number, number][], pointLabels: [1, 0] },
  ];
  const single: PredictResult[] = [];
  for (const p of prompts) single.push(await predictor.predict({ ...p, returnLogits: true }));
  const other = await SamPredictor.create();
  other.setImageEmbedding(emb.data.slice(), emb.originalSize);
  const batch = await other.predictBatch(prompts, { multimaskOutput: true });
  batch.forEach((r, i) => {
    assert.equal(r.masks.length, 3);
    r.masks.forEach((m, k) => assert.ok(bufferIou(m.data, single[i].masks[k].data) > 0.9999, `prompt ${i} mask ${k}`));
    r.scores.forEach((s, k) => assert.ok(Math.abs(s - single[i].scores[k]) < 1e-5));
  });
  // Full-resolution logits threshold to the returned masks.
  const { masks, logits } = single[0];
  let diff = 0;
  logits![0].forEach((v, j) => { if ((v > 0 ? 1 : 0) !== masks[0].data[j]) diff++; });
  assert.ok(diff <= 2, `${diff} pixels where logits > 0 disagrees with the mask`);
  predictor.resetImage();
  await assert.rejects(predictor.predict({ pointCoords: [[1, 1]], pointLabels: [1] }), /no image is set/);
  assert.throws(() => other.setImageEmbedding(new Float32Array(10), { width: 5, height: 5 }), /1x256x64x64/);
});
